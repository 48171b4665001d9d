import mmpretrain.visualization  # noqa: F401

__all__ = []
