from .attentive_erasing import AttentiveErasing
from .backbone_split import BackboneSplitter
from .classifier_evaluator import ClassifierEvaluator
from .localization_predictions import set_localization_predictions

__all__ = [
    'AttentiveErasing', 'BackboneSplitter', 'ClassifierEvaluator',
    'set_localization_predictions'
]
