from .box_correctness import (box_correctness, ornet_box_correctness,
                              wsolevaluation_box_correctness)
from .box_rescale import ornet_unclipped_boxes, wsolevaluation_resize_boxes
from .contour_box_iou import contour_box_ious
from .evaluate_score_maps import evaluate_score_maps
from .localization_figures import (LOC_IOU, LocalizationCounts,
                                   rename_legacy_keys, summarize_localization,
                                   threshold_index)
from .protocols import (PROTOCOLS, default_cam_thresholds,
                        protocol_defaults)
from .pxap import mask_score_histograms, pixel_average_precision

__all__ = [
    'evaluate_score_maps', 'contour_box_ious', 'box_correctness',
    'wsolevaluation_box_correctness', 'ornet_box_correctness',
    'wsolevaluation_resize_boxes', 'ornet_unclipped_boxes',
    'LocalizationCounts', 'summarize_localization', 'threshold_index',
    'rename_legacy_keys',
    'LOC_IOU', 'PROTOCOLS', 'default_cam_thresholds', 'protocol_defaults',
    'mask_score_histograms', 'pixel_average_precision'
]
