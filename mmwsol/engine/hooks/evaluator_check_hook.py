"""Check LowCAM's evaluator ``F^e`` before the first training batch."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmwsol.registry import HOOKS


@HOOKS.register_module()
class EvaluatorCheckHook(Hook):
    """Load (and so check) the evaluator ``F^e`` when training starts.

    LowCAM needs ``F^e`` only from phase 2 on, 70 epochs into a CUB run;
    without this hook a missing, truncated or mismatched ``F^e`` checkpoint
    would be found there. At ``before_train`` (after a resume or
    ``load_from``, before the first iteration) the hook

    - does nothing when the model has no ``evaluator`` with
      ``prepare()``, or when the evaluator already holds its weights (a
      resumed or loaded LowCAM checkpoint carries them, flag ``ready``);
    - with ``model.evaluator.checkpoint`` set, reads it now
      (:meth:`ClassifierEvaluator.prepare`): a missing file, a corrupt one
      or one of another class count stops here with the config key to
      change;
    - with ``checkpoint=None``, refuses a wrapped classifier that has no
      ``Pretrained`` ``init_cfg``: its weights would be random. (With
      ``tools/train.py`` and an ``evaluator_stage`` in the config,
      ``checkpoint=None`` never reaches the runner: the stage trains
      ``F^e`` and sets the path.)

    Loading early changes nothing in the training: ``F^e`` is frozen and
    phase 1 does not run it, except that phase-1 validation then takes the
    class from ``F^e`` (``cls_source='auto'``), as LowCAM's inference does.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        evaluator = getattr(model, 'evaluator', None)
        if evaluator is None or not hasattr(evaluator, 'prepare'):
            return
        loaded = getattr(runner, '_has_loaded', False)  # resume/load_from
        if evaluator.checkpoint is None:
            if loaded:
                return
            if not evaluator.has_pretrained_init():
                raise ValueError(
                    'EvaluatorCheckHook: the evaluator F^e has no weights: '
                    'model.evaluator.checkpoint is None and its classifier '
                    f'({evaluator.config or "the `model` config"}) has no '
                    '`Pretrained` init_cfg, so phase 2 would train against '
                    'a random classifier. Point model.evaluator.checkpoint '
                    'at a trained F^e (--cfg-options '
                    'model.evaluator.checkpoint=PATH), or train with '
                    '`python tools/train.py CONFIG` and '
                    '`evaluator_stage = dict(train=True)` in the config, '
                    'which trains F^e first.')
            return
        was_ready = evaluator.is_ready
        evaluator.prepare()  # reads no file when the weights are set
        if not was_ready:
            runner.logger.info(
                'EvaluatorCheckHook: the evaluator F^e is loaded from '
                f'{evaluator.checkpoint} and fits the model.')
