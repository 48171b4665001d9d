from .localization_visualization_hook import LocalizationVisualizationHook
from .two_phase_training_hook import TwoPhaseTrainingHook

__all__ = ['LocalizationVisualizationHook', 'TwoPhaseTrainingHook']
