from .class_count_check_hook import ClassCountCheckHook
from .localization_visualization_hook import LocalizationVisualizationHook
from .two_phase_training_hook import TwoPhaseTrainingHook

__all__ = [
    'ClassCountCheckHook', 'LocalizationVisualizationHook',
    'TwoPhaseTrainingHook'
]
