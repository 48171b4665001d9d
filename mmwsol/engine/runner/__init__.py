from .checkpoint_loader import (MODEL_ZOO_SCHEME, load_local_checkpoint,
                                load_model_zoo_checkpoint,
                                model_zoo_cache_path, resolve_model_zoo)
from .evaluator_stage import (EVALUATOR_STAGE_DEFAULTS, evaluator_stage_cfg,
                              final_checkpoint, run_evaluator_stage)

__all__ = [
    'load_local_checkpoint', 'load_model_zoo_checkpoint', 'MODEL_ZOO_SCHEME',
    'model_zoo_cache_path', 'resolve_model_zoo', 'EVALUATOR_STAGE_DEFAULTS',
    'evaluator_stage_cfg', 'final_checkpoint', 'run_evaluator_stage'
]
