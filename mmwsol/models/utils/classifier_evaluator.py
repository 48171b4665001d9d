"""The evaluator network ``F^e`` of LowCAM: a frozen image classifier."""
import copy
import os.path as osp
from typing import Optional, Union

import torch
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmengine.runner.checkpoint import load_checkpoint

from mmwsol.registry import MODELS


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
      :meth:`prepare`, which LowCAM calls when phase 2 starts; so phase 1
      can run while the evaluator is still being trained elsewhere, and a
      missing file raises a :class:`FileNotFoundError` that names
      ``model.evaluator.checkpoint`` at the switch, not at build time.
      Loading is strict by default (a checkpoint of another model is an
      error, not a silent partial load); ``'module.'`` prefixes are removed.
    - without ``checkpoint``: :meth:`init_weights` initialises the wrapped
      model from its own ``init_cfg`` (e.g. ``Pretrained`` ImageNet weights
      when ``F^e`` needs no training on the target set) and sets ``ready``.
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
            RuntimeError: the checkpoint does not fit the model (strict).
        """
        where = ('model.evaluator.checkpoint (ClassifierEvaluator argument '
                 '`checkpoint`)')
        if self.checkpoint is None:
            raise RuntimeError(f'ClassifierEvaluator: no checkpoint given in '
                               f'{where}.')
        if '://' not in self.checkpoint and not osp.isfile(
                osp.expanduser(self.checkpoint)):
            raise FileNotFoundError(
                f'evaluator checkpoint not found: {self.checkpoint} (set in '
                f'{where}). LowCAM phase 2 needs a trained evaluator F^e: '
                'train one first (e.g. `python tools/train.py '
                'configs/evaluator/vgg16_cub.py`) and point '
                'model.evaluator.checkpoint at its checkpoint, e.g. with '
                '--cfg-options model.evaluator.checkpoint=PATH.')
        try:
            load_checkpoint(
                self.model,
                self.checkpoint,
                map_location='cpu',
                strict=self.strict,
                logger='current',
                revise_keys=[(r'^module\.', '')])
        except RuntimeError as exc:
            raise RuntimeError(
                f'evaluator checkpoint {self.checkpoint} (from {where}) does '
                'not fit the evaluator model built from '
                f'{self.config or "the `model` config"}: {exc}') from exc
        except Exception as exc:  # network, unpickling, ...
            exc.add_note(f'while loading the evaluator checkpoint '
                         f'{self.checkpoint} given in {where}')
            raise
        self.ready.fill_(1)
        print_log(
            f'ClassifierEvaluator: loaded {self.checkpoint}', logger='current')

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
