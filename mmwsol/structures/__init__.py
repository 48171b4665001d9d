import mmpretrain.structures  # noqa: F401

__all__ = []
