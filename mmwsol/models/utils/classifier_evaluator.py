"""The evaluator network ``F^e`` of LowCAM: a frozen image classifier."""
import copy
import os.path as osp
from typing import Optional, Union

import torch
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmengine.runner.checkpoint import load_state_dict

from mmwsol.engine.checkpoint.checkpoint_loader import read_checkpoint
from mmwsol.registry import MODELS

_WHERE = ('model.evaluator.checkpoint (ClassifierEvaluator argument '
          '`checkpoint`)')


@MODELS.register_module()
class ClassifierEvaluator(BaseModule):
    r"""A frozen classifier ``F^e`` that scores masked images (LowCAM phase 2).

    Wraps any mmpretrain-style classifier (``ImageClassifier``, mmwsol's
    :class:`CAM`, ...) that returns ``B x C`` logits from
    ``model(x, mode='tensor')``, where ``x`` is an already *normalised*
    ``B x 3 x H x W`` batch (the wrapped model's own data preprocessor is
    not run; :class:`LowCAM` checks that both use the same mean/std).
    Every parameter is frozen (``requires_grad=False``) at construction.
    The weights are part of the owner's state dict, so a LowCAM checkpoint
    is self-contained.

    **Where the weights come from.** The non-trainable buffer ``ready``
    (persistent, so it travels in checkpoints) says whether the wrapped
    model holds its final weights:

    - with ``checkpoint``: :meth:`init_weights` does nothing (no download of
      the wrapped model's ``init_cfg`` weights) and the file is read by
      :meth:`prepare`. :class:`~mmwsol.engine.hooks.EvaluatorCheckHook`
      calls it before the first training iteration, so a missing, corrupt
      or mismatched file (another class count) stops the run at the start
      with a message naming ``model.evaluator.checkpoint``, not when phase
      2 begins; LowCAM calls it again at the switch (a no-op by then).
      Loading is strict by default (a checkpoint of another model is an
      error listing the keys and shapes, not a silent partial load);
      ``'module.'`` prefixes are removed.
    - without ``checkpoint``: :meth:`init_weights` initialises the wrapped
      model from its own ``init_cfg`` (e.g. ``Pretrained`` ImageNet weights
      when ``F^e`` needs no training on the target set) and sets ``ready``.
      ``tools/train.py`` reads ``checkpoint=None`` in a config with an
      ``evaluator_stage`` as "train ``F^e`` first" (see
      :func:`mmwsol.engine.pipeline.run_evaluator_stage`); without a stage
      and without a ``Pretrained`` init_cfg, ``EvaluatorCheckHook`` refuses
      to train with a random ``F^e``.
    - a loaded state dict (resume, ``load_from``, ``tools/test.py``) brings
      ``ready`` with it; :meth:`prepare` then reads no file, so the weights
      in a LowCAM checkpoint win over ``checkpoint``.

    **Mode.** ``eval_mode=False`` (the default, as the release, which calls
    ``model.train()`` on the whole fine model) leaves the wrapped model in
    train mode when the owner trains: dropout on, BN statistics updating.
    ``eval_mode=True`` keeps it in eval mode always.

    Args:
        config (str, optional): path of a config file whose ``model`` field
            builds the classifier (its top-level ``data_preprocessor`` is
            merged in as mmengine's Runner does). Exactly one of ``config``
            and ``model``.
        model (dict | nn.Module, optional): a model config or a built model.
        checkpoint (str, optional): weights of the classifier (a Runner
            checkpoint, a plain state dict or a URL).
        eval_mode (bool): keep the classifier in eval mode. Defaults to
            False.
        strict (bool): strict loading of ``checkpoint``. Defaults to True.
        num_classes (int, optional): expected ``C`` of the logits (LowCAM
            fills it in); checked at every forward.
        init_cfg (dict, optional): unused by this wrapper (see above).

    Attributes:
        model (nn.Module): the wrapped classifier ``F^e``.
        ready (Tensor): ``uint8`` scalar buffer, 1 once the weights are set.
    """

    def __init__(self,
                 config: Optional[str] = None,
                 model: Optional[Union[dict, nn.Module]] = None,
                 checkpoint: Optional[str] = None,
                 eval_mode: bool = False,
                 strict: bool = True,
                 num_classes: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if (config is None) == (model is None):
            raise ValueError(
                'ClassifierEvaluator: give exactly one of `config` (a config '
                'file whose `model` field builds the classifier) and `model` '
                f'(a model config or module); got config={config!r}, '
                f'model={type(model).__name__}.')
        self.config = config
        self.checkpoint = checkpoint
        self.eval_mode = bool(eval_mode)
        self.strict = bool(strict)
        self.num_classes = num_classes
        if config is not None:
            model = self._model_cfg_from_file(config)
        if isinstance(model, nn.Module):
            self.model = model
        else:
            self.model = MODELS.build(copy.deepcopy(model))
        for param in self.model.parameters():
            param.requires_grad_(False)
        self.register_buffer('ready', torch.zeros((), dtype=torch.uint8))

    @staticmethod
    def _model_cfg_from_file(path: str) -> ConfigDict:
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'ClassifierEvaluator: config file not found: {path} '
                '(argument `config`; relative paths are relative to the '
                "working directory; use '{{ fileDirname }}/...' in a config "
                'file to make it relative to that file).')
        cfg = Config.fromfile(path)
        if 'model' not in cfg:
            raise ValueError(
                f'ClassifierEvaluator: config file {path} has no `model` '
                'field to build the evaluator from.')
        model_cfg = copy.deepcopy(cfg.model)
        if cfg.get('data_preprocessor') is not None and isinstance(
                model_cfg, dict):
            model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
        return model_cfg

    @property
    def is_ready(self) -> bool:
        """Whether the wrapped model holds its final weights."""
        return bool(self.ready)

    def init_weights(self) -> None:
        """Initialise from the wrapped model's ``init_cfg`` only when there
        is no ``checkpoint`` (see the class docstring)."""
        if self.checkpoint is not None:
            self._is_init = True
            return
        if hasattr(self.model, 'init_weights'):
            self.model.init_weights()
        self.ready.fill_(1)
        self._is_init = True

    def load_weights(self) -> None:
        """Read ``checkpoint`` into the wrapped model and set ``ready``.

        Raises:
            FileNotFoundError: the file does not exist.
            ValueError: the file's tensors do not fit the model (strict):
                the message lists the keys, their shapes in the file and
                in the model, and says when the class count differs.
            RuntimeError: the file cannot be read (corrupt or truncated).
        """
        if self.checkpoint is None:
            raise RuntimeError(f'ClassifierEvaluator: no checkpoint given in '
                               f'{_WHERE}.')
        if '://' not in self.checkpoint and not osp.isfile(
                osp.expanduser(self.checkpoint)):
            raise FileNotFoundError(
                f'evaluator checkpoint not found: {self.checkpoint} (set in '
                f'{_WHERE}). LowCAM phase 2 needs a trained evaluator F^e: '
                'leave model.evaluator.checkpoint=None so that tools/train.py '
                'trains it first (evaluator_stage), or train one yourself '
                '(e.g. `python tools/train.py configs/evaluator/vgg16_cub.py`)'
                ' and point model.evaluator.checkpoint at it, e.g. with '
                '--cfg-options model.evaluator.checkpoint=PATH.')
        checkpoint = read_checkpoint(
            self.checkpoint,
            f'evaluator checkpoint {self.checkpoint} (from {_WHERE})')
        state = checkpoint.get('state_dict', checkpoint) if isinstance(
            checkpoint, dict) else checkpoint
        if not isinstance(state, dict):
            raise ValueError(
                f'evaluator checkpoint {self.checkpoint} (from {_WHERE}) '
                f'holds a {type(state).__name__}, not a state dict.')
        state = {
            (k[len('module.'):] if k.startswith('module.') else k): v
            for k, v in state.items()
        }
        if self.strict:
            self._check_state_dict_fits(state)
        load_state_dict(self.model, state, strict=self.strict,
                        logger='current')
        self.ready.fill_(1)
        print_log(
            f'ClassifierEvaluator: loaded {self.checkpoint}', logger='current')

    def _check_state_dict_fits(self, state: dict) -> None:
        """Raise a ValueError that names every key of ``state`` whose shape
        differs from the model's, and the missing / unexpected keys."""
        own = self.model.state_dict()
        problems = []
        shapes = []
        for key, value in own.items():
            if key not in state:
                problems.append(f'{key} missing in the file')
            elif hasattr(state[key], 'shape') and \
                    tuple(state[key].shape) != tuple(value.shape):
                shapes.append((key, tuple(state[key].shape),
                               tuple(value.shape)))
        unexpected = sorted(set(state) - set(own))
        if unexpected:
            problems.append(f'{len(unexpected)} unexpected keys in the file '
                            f'(first: {unexpected[0]})')
        if not (problems or shapes):
            return
        lines = [f'{k}: {a} in the file, {b} in the model'
                 for k, a, b in shapes] + problems
        hint = ''
        expected = self.num_classes or self.classifier_num_classes()
        for _, in_file, in_model in shapes:
            if len(in_file) in (1, 2) and in_file[1:] == in_model[1:] and \
                    expected is not None and in_model[0] == expected:
                hint = (f' The checkpoint classifies {in_file[0]} classes, '
                        f'the evaluator (and LowCAM\'s head) {expected}: '
                        'train F^e on the same dataset and classes, or set '
                        'the class count of the configs to the '
                        'checkpoint\'s.')
                break
        raise ValueError(
            f'evaluator checkpoint {self.checkpoint} (from {_WHERE}) does '
            'not fit the evaluator model built from '
            f'{self.config or "the `model` config"}: ' + '; '.join(lines[:6])
            + (f' (and {len(lines) - 6} more)' if len(lines) > 6 else '') +
            '.' + hint)

    def classifier_num_classes(self) -> Optional[int]:
        """The class count the wrapped classifier is configured for
        (``head.num_classes``, else ``backbone.num_classes`` as in
        mmpretrain's VGG), or None when it does not say."""
        for part in ('head', 'backbone'):
            num = getattr(getattr(self.model, part, None), 'num_classes',
                          None)
            if isinstance(num, int) and num > 0:
                return num
        return None

    def has_pretrained_init(self) -> bool:
        """Whether some module of the wrapped model has a ``Pretrained``
        ``init_cfg`` (so that :meth:`init_weights` gives real weights)."""
        for module in self.model.modules():
            cfgs = getattr(module, 'init_cfg', None)
            cfgs = cfgs if isinstance(cfgs, (list, tuple)) else [cfgs]
            if any(
                    isinstance(c, dict) and c.get('type') == 'Pretrained'
                    for c in cfgs):
                return True
        return False

    def prepare(self) -> None:
        """Make sure the weights are set (LowCAM calls this when phase 2
        starts): load ``checkpoint`` unless ``ready`` already.

        Raises:
            RuntimeError: no checkpoint and the wrapped model was never
                initialised (``init_weights`` not run).
        """
        if self.is_ready:
            return
        if self.checkpoint is None:
            raise RuntimeError(
                'ClassifierEvaluator: the evaluator F^e has no weights: no '
                '`checkpoint` was given and init_weights() has not run (the '
                'Runner runs it when training starts). Set '
                'model.evaluator.checkpoint to a trained classifier.')
        self.load_weights()

    def train(self, mode: bool = True) -> 'ClassifierEvaluator':
        """Set the mode; with ``eval_mode`` the wrapped model stays in eval
        mode."""
        super().train(mode)
        if self.eval_mode:
            self.model.eval()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``F^e(x)``.

        Args:
            x (Tensor): normalised images ``B x 3 x H x W``.

        Returns:
            Tensor: ``B x C`` logits.
        """
        logits = self.model(x, mode='tensor')
        if isinstance(logits, (tuple, list)) and len(logits) == 1:
            logits = logits[0]
        if not (isinstance(logits, torch.Tensor) and logits.dim() == 2
                and logits.size(0) == x.size(0) and
                (self.num_classes is None
                 or logits.size(1) == self.num_classes)):
            desc = (tuple(logits.shape) if isinstance(logits, torch.Tensor)
                    else type(logits).__name__)
            raise ValueError(
                'ClassifierEvaluator: the evaluator '
                f'{type(self.model).__name__} (from '
                f'{self.config or "the `model` config"}) must return B x C '
                f'logits from model(x, mode="tensor") with B={x.size(0)}'
                + (f', C={self.num_classes}' if self.num_classes else '') +
                f', got {desc}. Use a classifier with a head (e.g. '
                'ImageClassifier with a linear head) trained on the same '
                'classes.')
        return logits

    def extra_repr(self) -> str:
        return (f'config={self.config!r}, checkpoint={self.checkpoint!r}, '
                f'eval_mode={self.eval_mode}')
