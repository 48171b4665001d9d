from .attentive_erasing import AttentiveErasing
from .backbone_split import BackboneSplitter
from .classifier_evaluator import ClassifierEvaluator
from .score_map_boxes import (boxes_from_score_maps, minmax_normalize,
                              set_localization_predictions)

__all__ = [
    'AttentiveErasing', 'BackboneSplitter', 'ClassifierEvaluator',
    'boxes_from_score_maps', 'minmax_normalize', 'set_localization_predictions'
]
