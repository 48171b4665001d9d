from .hide_and_seek import HideAndSeek

__all__ = ['HideAndSeek']
