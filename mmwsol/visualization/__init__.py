import mmpretrain.visualization  # noqa: F401

from .labelled_panels import labelled_panels
from .localization_visualizer import LocalizationVisualizer
from .optional_tensorboard_vis_backend import OptionalTensorboardVisBackend

__all__ = [
    'LocalizationVisualizer', 'OptionalTensorboardVisBackend',
    'labelled_panels'
]
