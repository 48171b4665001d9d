import mmpretrain.visualization  # noqa: F401

from .annotated_image import (DEFAULT_MIN_SIZE, GT_COLOR, PRED_COLOR,
                              draw_annotated_image, fit_text, upscale_factor)
from .labelled_panels import labelled_grid, labelled_panels
from .localization_visualizer import LocalizationVisualizer
from .optional_tensorboard_vis_backend import OptionalTensorboardVisBackend

__all__ = [
    'LocalizationVisualizer', 'OptionalTensorboardVisBackend',
    'labelled_panels', 'labelled_grid', 'draw_annotated_image', 'fit_text',
    'upscale_factor', 'GT_COLOR', 'PRED_COLOR', 'DEFAULT_MIN_SIZE'
]
