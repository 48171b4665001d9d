import mmpretrain.visualization  # noqa: F401

from .localization_visualizer import LocalizationVisualizer

__all__ = ['LocalizationVisualizer']
