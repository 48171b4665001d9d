from .checkpoint_loader import load_local_checkpoint
from .evaluator_stage import (EVALUATOR_STAGE_DEFAULTS, evaluator_stage_cfg,
                              final_checkpoint, run_evaluator_stage)

__all__ = [
    'load_local_checkpoint', 'EVALUATOR_STAGE_DEFAULTS', 'evaluator_stage_cfg',
    'final_checkpoint', 'run_evaluator_stage'
]
