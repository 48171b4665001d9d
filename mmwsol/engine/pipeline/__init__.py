# The stages tools/train.py runs before the config's own training (LowCAM's
# one-command pipeline: stage 0 trains the evaluator F^e).
from .evaluator_stage import (EVALUATOR_STAGE_DEFAULTS, evaluator_stage_cfg,
                              final_checkpoint, run_evaluator_stage)

__all__ = [
    'EVALUATOR_STAGE_DEFAULTS', 'evaluator_stage_cfg', 'final_checkpoint',
    'run_evaluator_stage'
]
