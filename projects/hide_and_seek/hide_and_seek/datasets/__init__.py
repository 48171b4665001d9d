from .transforms import HideAndSeek

__all__ = ['HideAndSeek']
