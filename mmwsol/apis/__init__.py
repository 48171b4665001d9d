from .inference import (build_inference_pipeline, inference_localizer,
                        init_localizer, result_to_data_sample)
from .localization_inferencer import (IMAGE_SUFFIXES, InputError,
                                      LocalizationInferencer, list_images,
                                      output_names)
from .model import ModelHub, get_model, list_models
from .original_frame import OriginalFrame
from .result_picture import draw_localization_result, read_image_rgb

__all__ = [
    'init_localizer', 'inference_localizer', 'result_to_data_sample',
    'build_inference_pipeline', 'OriginalFrame', 'draw_localization_result',
    'read_image_rgb', 'LocalizationInferencer', 'ModelHub', 'get_model',
    'list_models', 'IMAGE_SUFFIXES', 'list_images', 'output_names',
    'InputError'
]
