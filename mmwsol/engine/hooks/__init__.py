from .two_phase_training_hook import TwoPhaseTrainingHook

__all__ = ['TwoPhaseTrainingHook']
