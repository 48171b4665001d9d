from .atomic_checkpoint_hook import AtomicCheckpointHook
from .class_count_check_hook import ClassCountCheckHook
from .eval_progress_hook import EvalProgressHook
from .evaluator_check_hook import EvaluatorCheckHook
from .finite_loss_check_hook import FiniteLossCheckHook, NonFiniteLossError
from .iteration_seed_hook import IterationSeedHook
from .localization_visualization_hook import LocalizationVisualizationHook
from .two_phase_training_hook import TwoPhaseTrainingHook

__all__ = [
    'AtomicCheckpointHook', 'ClassCountCheckHook', 'EvalProgressHook',
    'EvaluatorCheckHook', 'IterationSeedHook',
    'FiniteLossCheckHook', 'NonFiniteLossError',
    'LocalizationVisualizationHook', 'TwoPhaseTrainingHook'
]
