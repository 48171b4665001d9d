"""Registries of mmwsol: children of mmpretrain's, scope ``mmwsol``.

With ``default_scope = 'mmwsol'`` a config resolves mmwsol's own types first
and falls back to mmpretrain's (``VGG``, ``ResNet``, ``ImageClassifier``,
``UniversalVisualizer``, ...) and then mmengine's. ``locations`` makes the
registries import the modules that fill them on first use.
"""
from mmpretrain.registry import BATCH_AUGMENTS as MMPRETRAIN_BATCH_AUGMENTS
from mmpretrain.registry import DATA_SAMPLERS as MMPRETRAIN_DATA_SAMPLERS
from mmpretrain.registry import DATASETS as MMPRETRAIN_DATASETS
from mmpretrain.registry import EVALUATORS as MMPRETRAIN_EVALUATORS
from mmpretrain.registry import HOOKS as MMPRETRAIN_HOOKS
from mmpretrain.registry import LOG_PROCESSORS as MMPRETRAIN_LOG_PROCESSORS
from mmpretrain.registry import LOOPS as MMPRETRAIN_LOOPS
from mmpretrain.registry import METRICS as MMPRETRAIN_METRICS
from mmpretrain.registry import MODEL_WRAPPERS as MMPRETRAIN_MODEL_WRAPPERS
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
from mmpretrain.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMPRETRAIN_OPTIM_WRAPPER_CONSTRUCTORS
from mmpretrain.registry import OPTIM_WRAPPERS as MMPRETRAIN_OPTIM_WRAPPERS
from mmpretrain.registry import OPTIMIZERS as MMPRETRAIN_OPTIMIZERS
from mmpretrain.registry import PARAM_SCHEDULERS as MMPRETRAIN_PARAM_SCHEDULERS
from mmpretrain.registry import \
    RUNNER_CONSTRUCTORS as MMPRETRAIN_RUNNER_CONSTRUCTORS
from mmpretrain.registry import RUNNERS as MMPRETRAIN_RUNNERS
from mmpretrain.registry import TASK_UTILS as MMPRETRAIN_TASK_UTILS
from mmpretrain.registry import TRANSFORMS as MMPRETRAIN_TRANSFORMS
from mmpretrain.registry import VISBACKENDS as MMPRETRAIN_VISBACKENDS
from mmpretrain.registry import VISUALIZERS as MMPRETRAIN_VISUALIZERS
from mmpretrain.registry import \
    WEIGHT_INITIALIZERS as MMPRETRAIN_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

__all__ = [
    'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'LOG_PROCESSORS',
    'OPTIMIZERS', 'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS',
    'PARAM_SCHEDULERS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS',
    'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS', 'TASK_UTILS', 'METRICS',
    'EVALUATORS', 'VISUALIZERS', 'VISBACKENDS', 'BATCH_AUGMENTS'
]


def _child(name, parent, location):
    return Registry(
        name, parent=parent, scope='mmwsol', locations=[f'mmwsol.{location}'])


# engine
RUNNERS = _child('runner', MMPRETRAIN_RUNNERS, 'engine')
RUNNER_CONSTRUCTORS = _child('runner constructor',
                             MMPRETRAIN_RUNNER_CONSTRUCTORS, 'engine')
LOOPS = _child('loop', MMPRETRAIN_LOOPS, 'engine')
HOOKS = _child('hook', MMPRETRAIN_HOOKS, 'engine')
LOG_PROCESSORS = _child('log processor', MMPRETRAIN_LOG_PROCESSORS, 'engine')
OPTIMIZERS = _child('optimizer', MMPRETRAIN_OPTIMIZERS, 'engine')
OPTIM_WRAPPERS = _child('optim wrapper', MMPRETRAIN_OPTIM_WRAPPERS, 'engine')
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor',
                                    MMPRETRAIN_OPTIM_WRAPPER_CONSTRUCTORS,
                                    'engine')
PARAM_SCHEDULERS = _child('parameter scheduler', MMPRETRAIN_PARAM_SCHEDULERS,
                          'engine')

# datasets
DATASETS = _child('dataset', MMPRETRAIN_DATASETS, 'datasets')
DATA_SAMPLERS = _child('data sampler', MMPRETRAIN_DATA_SAMPLERS, 'datasets')
TRANSFORMS = _child('transform', MMPRETRAIN_TRANSFORMS, 'datasets')

# models
MODELS = _child('model', MMPRETRAIN_MODELS, 'models')
MODEL_WRAPPERS = _child('model_wrapper', MMPRETRAIN_MODEL_WRAPPERS, 'models')
WEIGHT_INITIALIZERS = _child('weight initializer',
                             MMPRETRAIN_WEIGHT_INITIALIZERS, 'models')
TASK_UTILS = _child('task util', MMPRETRAIN_TASK_UTILS, 'models')
# mmpretrain's CutMix / Mixup of a classifier's train_cfg.augments
BATCH_AUGMENTS = _child('batch augment', MMPRETRAIN_BATCH_AUGMENTS, 'models')

# evaluation
METRICS = _child('metric', MMPRETRAIN_METRICS, 'evaluation')
EVALUATORS = _child('evaluator', MMPRETRAIN_EVALUATORS, 'evaluation')

# visualization
VISUALIZERS = _child('visualizer', MMPRETRAIN_VISUALIZERS, 'visualization')
VISBACKENDS = _child('vis_backend', MMPRETRAIN_VISBACKENDS, 'visualization')
