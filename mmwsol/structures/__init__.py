from .score_map_ops import (BOX_MODES, NORMALIZATIONS, UPSAMPLE_MODES,
                            boxes_from_score_maps, hit_extents, line_extents,
                            normalize_score_maps, quantize_score_maps,
                            range_outside_unit, score_map_ranges,
                            upsample_score_maps)
from .wsol_data_sample import WSOLDataSample

__all__ = [
    'WSOLDataSample', 'BOX_MODES', 'NORMALIZATIONS', 'UPSAMPLE_MODES',
    'boxes_from_score_maps', 'hit_extents', 'line_extents',
    'normalize_score_maps', 'quantize_score_maps', 'range_outside_unit',
    'score_map_ranges', 'upsample_score_maps'
]
