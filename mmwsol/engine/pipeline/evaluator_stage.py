"""Stage 0 of LowCAM's pipeline: train the evaluator ``F^e`` in the same
``tools/train.py`` call, before phases 1 and 2.

LowCAM needs a classifier ``F^e`` trained beforehand on the same data (the
release's ``train_evaluator.py``). A LowCAM config asks for it with

.. code-block:: python

    model = dict(evaluator=dict(type='ClassifierEvaluator',
                                config='.../evaluator/vgg16_cub.py',
                                checkpoint=None))
    evaluator_stage = dict(train=True, work_dir='evaluator')

and ``tools/train.py CONFIG`` then runs, each under mmengine's Runner:

1. ``F^e`` with its own config (``model.evaluator.config``: its own data
   pipeline, schedule and seed) in ``<work_dir>/<evaluator_stage.work_dir>``,
   unless that folder already holds its final checkpoint;
2. LowCAM, phase 1 then phase 2 (one run, :class:`TwoPhaseTrainingHook`),
   with ``model.evaluator.checkpoint`` set to the stage's final checkpoint.

``--resume`` resumes whichever is unfinished: an interrupted stage 0 from
the latest checkpoint in its folder (then phases 1 and 2 from the start),
an interrupted phase 1 or 2 from the run's own latest checkpoint (stage 0 is
done, its final checkpoint is reused). A user who has ``F^e`` already sets
``model.evaluator.checkpoint=PATH`` and the stage is skipped;
``evaluator_stage.train=False`` forbids training it (then a missing
checkpoint stops the run before the first batch, see
:class:`~mmwsol.engine.hooks.EvaluatorCheckHook`).
"""
import copy
import gc
import os.path as osp
from typing import Callable, Optional

from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log

#: defaults of the ``evaluator_stage`` config field.
EVALUATOR_STAGE_DEFAULTS = dict(
    # train F^e here when model.evaluator.checkpoint is None
    train=True,
    # its work dir, relative to the run's work_dir
    work_dir='evaluator',
    # top-level fields copied from the run's config into F^e's (e.g.
    # ['randomness'] to seed F^e with the run's seed)
    inherit=[],
    # overrides of F^e's config, as --cfg-options would give them
    cfg_options=None,
)


def evaluator_stage_cfg(cfg: Config) -> Optional[dict]:
    """The run's ``evaluator_stage`` settings, or None when stage 0 does
    not apply (no ``evaluator_stage`` field, no evaluator built from a
    config, or an evaluator checkpoint is given).

    Raises:
        ValueError: unknown keys in ``evaluator_stage``.
    """
    stage = cfg.get('evaluator_stage')
    model = cfg.get('model') or {}
    evaluator = model.get('evaluator') if isinstance(model, dict) else None
    if stage is None or not isinstance(evaluator, dict):
        return None
    stage = dict(stage)
    unknown = sorted(set(stage) - set(EVALUATOR_STAGE_DEFAULTS))
    if unknown:
        raise ValueError(f'evaluator_stage: unknown keys {unknown}; known: '
                         f'{sorted(EVALUATOR_STAGE_DEFAULTS)}.')
    merged = copy.deepcopy(EVALUATOR_STAGE_DEFAULTS)
    merged.update(stage)
    if evaluator.get('checkpoint') is not None:
        return None  # the user's F^e: nothing to train
    if evaluator.get('config') is None:
        raise ValueError(
            'evaluator_stage: model.evaluator has no `config` to train F^e '
            'with; give model.evaluator.config (a classifier config file) '
            'or model.evaluator.checkpoint (a trained F^e).')
    return merged


def final_checkpoint(stage_cfg: Config) -> str:
    """Path of the last checkpoint a finished run of ``stage_cfg`` leaves:
    ``epoch_<max_epochs>.pth`` (by epoch) or ``iter_<max_iters>.pth``."""
    train_cfg = stage_cfg.get('train_cfg') or {}
    if train_cfg.get('by_epoch', True) and 'max_iters' not in train_cfg:
        name = f'epoch_{train_cfg["max_epochs"]}.pth'
    else:
        name = f'iter_{train_cfg["max_iters"]}.pth'
    return osp.join(stage_cfg.work_dir, name)


def build_evaluator_stage_config(cfg: Config, stage: dict) -> Config:
    """F^e's training config: ``model.evaluator.config`` read as a config
    file, with the stage's work dir, the run's launcher, the inherited
    fields and ``cfg_options``."""
    path = cfg.model.evaluator.config
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'evaluator_stage: the evaluator config {path} '
            '(model.evaluator.config) does not exist.')
    stage_cfg = Config.fromfile(path)
    for key in stage['inherit']:
        if key in cfg:
            stage_cfg[key] = copy.deepcopy(cfg[key])
    if stage['cfg_options']:
        options = stage['cfg_options']
        if isinstance(options, ConfigDict):
            options = options.to_dict()
        stage_cfg.merge_from_dict(options)
    stage_cfg.work_dir = osp.join(cfg.work_dir, stage['work_dir'])
    stage_cfg.launcher = cfg.get('launcher', 'none')
    for key in ('train_cfg', 'optim_wrapper', 'train_dataloader'):
        if stage_cfg.get(key) is None:
            raise ValueError(
                f'evaluator_stage: the evaluator config {path} has no '
                f'`{key}`, so F^e cannot be trained from it; train F^e '
                'yourself and set model.evaluator.checkpoint.')
    return stage_cfg


def check_model_builds(cfg: Config) -> None:
    """Build the run's model once (no weights loaded) so that its
    construction checks (the evaluator's class count and normalisation
    against LowCAM's) run before stage 0, not after it."""
    from mmengine.registry import DefaultScope

    from mmwsol.registry import MODELS
    model_cfg = copy.deepcopy(cfg.model)
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope',
                                                      'mmwsol')):
        model = MODELS.build(model_cfg)
    del model
    gc.collect()


def run_evaluator_stage(
        cfg: Config,
        prepare_cfg: Optional[Callable[[Config], Config]] = None
) -> Optional[str]:
    """Train ``F^e`` if the run needs it, then point the run at it.

    Does nothing (returns None) when :func:`evaluator_stage_cfg` says that
    stage 0 does not apply. Otherwise: with ``evaluator_stage.train=False``
    returns None and leaves ``checkpoint=None`` (the run then stops at
    :class:`~mmwsol.engine.hooks.EvaluatorCheckHook` with what to change);
    else checks that the run's model builds, trains ``F^e`` unless its
    final checkpoint exists (resuming it when ``cfg.resume`` is set), and
    sets ``cfg.model.evaluator.checkpoint`` to that final checkpoint.

    Args:
        cfg (Config): the run's config, after the command line is merged
            (``work_dir``, ``resume`` and ``launcher`` set).
        prepare_cfg (callable, optional): applied to F^e's config before
            its Runner is built (``tools/train.py`` passes its own handling
            of ``--amp``, ``--no-validate`` and the dataloader switches).

    Returns:
        str | None: the F^e checkpoint the run will use.
    """
    stage = evaluator_stage_cfg(cfg)
    if stage is None or not stage['train']:
        return None
    stage_cfg = build_evaluator_stage_config(cfg, stage)
    final = final_checkpoint(stage_cfg)
    if osp.isfile(final):
        print_log(
            f'evaluator_stage: F^e is trained already ({final}); stage 0 '
            'skipped.',
            logger='current')
    else:
        check_model_builds(cfg)
        stage_cfg.resume = bool(cfg.get('resume', False))
        stage_cfg.load_from = None
        if prepare_cfg is not None:
            stage_cfg = prepare_cfg(stage_cfg)
        print_log(
            f'evaluator_stage: training F^e with {cfg.model.evaluator.config}'
            f' in {stage_cfg.work_dir} ('
            + ('resuming' if stage_cfg.resume else 'from the start') +
            '), then LowCAM phases 1 and 2.',
            logger='current')
        _train(stage_cfg)
        if not osp.isfile(final):
            raise RuntimeError(
                f'evaluator_stage: F^e finished training but its final '
                f'checkpoint {final} is not there; check the evaluator '
                "config's default_hooks.checkpoint (interval, out_dir, "
                'filename_tmpl).')
    cfg.model.evaluator.checkpoint = final
    return final


def _train(stage_cfg: Config) -> None:
    from mmengine.runner import Runner

    from mmwsol.registry import RUNNERS
    from mmwsol.utils import setup_cpu_distributed
    setup_cpu_distributed(stage_cfg)
    if 'runner_type' in stage_cfg:
        runner = RUNNERS.build(stage_cfg)
    else:
        runner = Runner.from_cfg(stage_cfg)
    runner.train()
    del runner
    gc.collect()
