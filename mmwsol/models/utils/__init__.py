from .adversarial_erasing import adversarial_erasing
from .attention_dropout import AttentionDropout
from .attentive_erasing import AttentiveErasing
from .backbone_split import BackboneSplitter
from .classifier_evaluator import ClassifierEvaluator
from .float32_region import float32_region
from .frozen_weights import call_with_frozen_weights
from .localization_predictions import set_localization_predictions
from .map_classes import MAP_CLASS_CHOICES, map_classes
from .pre_pool_backbone_split import PrePoolBackboneSplitter
from .spg_guidance import SPG_IGNORE, spg_guidance_masks

__all__ = [
    'adversarial_erasing', 'AttentionDropout', 'AttentiveErasing',
    'BackboneSplitter', 'ClassifierEvaluator',
    'set_localization_predictions', 'SPG_IGNORE', 'spg_guidance_masks',
    'MAP_CLASS_CHOICES', 'map_classes',
    'call_with_frozen_weights', 'PrePoolBackboneSplitter', 'float32_region'
]
