"""LowCAM (ORNet, ICCV 2021): the two-phase WSOL model."""
import copy
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmpretrain.structures import DataSample
from torch.nn.modules.batchnorm import _BatchNorm

from mmwsol.registry import MODELS
from mmwsol.structures import (BOX_MODES, WSOLDataSample,
                               boxes_from_score_maps, upsample_score_maps)
from mmwsol.utils import check_choice
from ..utils.backbone_split import BackboneSplitter
from ..utils.float32_region import float32_region
from ..utils.localization_predictions import set_localization_predictions

#: where predict takes the class scores from (see LowCAM's docstring).
CLS_SOURCES = ('auto', 'evaluator', 'main')


@MODELS.register_module()
class LowCAM(BaseModel):
    r"""Low-level feature based activation map, trained in two phases.

    Networks (symbols of the paper and docs/METHOD.md):

    - ``backbone``: the classifier ``F^c`` (any mmpretrain backbone that
      :class:`BackboneSplitter` supports), split at ``split`` into ``F^c_1``
      (low-level features, ``B x C_in x h x w``, stride 4: VGG16 after its
      second pooling, 128 channels; ResNet-50 ``'stem'``, 64 channels) and
      ``F^c_high`` (the rest). The backbone stays the submodule
      ``backbone`` (its init_cfg, keys and checkpoints are untouched).
    - ``neck``: the generator ``F^g`` (:class:`ActivationMapGenerator`),
      ``F^c_1(x) -> (f^a, p^a)`` with ``f^a`` ``B x C x h x w`` and ``p^a``
      ``B x 1 x h x w``; its ``in_channels`` and ``num_classes`` default to
      the split's channels and the head's classes.
    - ``head``: :class:`LowCAMHead`: side branch, main ``fc`` and losses.
    - ``evaluator``: ``F^e`` (:class:`ClassifierEvaluator`), frozen;
      required for phase 2, optional otherwise.
    - ``erasing``: :class:`AttentiveErasing`, ``p^a -> p~`` in phase 2.

    **Phase** is the persistent ``int64`` buffer ``phase`` (in the state
    dict, hence in every checkpoint). :meth:`set_phase` changes it and sets
    ``requires_grad``; loading a state dict re-applies the loaded phase's
    freezing (a load-state-dict post hook), so a restored model is frozen
    exactly as the saved one.

    - Phase 1 (coarse, online): backbone, generator and head train with
      ``loss_cls_side = CE(side(f^a), y)`` and ``loss_cls_main =
      CE(fc(GAP(F^c_high(F^c_1(x) * p^a))), y)``.
    - Phase 2 (fine): only the generator's ``up2``, ``up3``, ``map_conv``,
      ``map_bn`` train (``neck.phase2_trainable_modules()``). Each step:
      ``p~ = erasing(p^a)``; evaluator input = the normalised image times
      ``p~`` upsampled (nearest) to the image size; ``loss_eval = CE(F^e(.),
      y)``, ``loss_area = 0.02 L_area(p^a, F^e(.), f^a)``, ``loss_entropy
      = 1.5 L_we(p^a)``. Also logged: ``erase_selected``,
      ``erase_skipped`` (this step's counts of :class:`AttentiveErasing`)
      and ``acc_eval`` (top-1 accuracy of ``F^e`` on the masked images,
      %). The main branch is not run.

    As the release (which calls ``model.train()`` on its whole fine model),
    frozen BN layers keep updating their running statistics in phase 2 by
    default; ``train_cfg=dict(frozen_bn_eval=True)`` keeps every BN outside
    the phase-2 trainable modules in eval mode instead (the evaluator's mode
    is the evaluator's ``eval_mode``).

    **Predict** adds to each data sample (docs/conventions.md):
    ``score_map`` = ``p^a`` at native size (``h x w``, stride 4),
    ``pred_score`` (softmax, ``(C,)``), ``pred_label`` and ``pred_bboxes``
    (``1 x 4``, the release's box at ``test_cfg['box_threshold']``: tight
    box of all cells of ``p^a`` above it, scaled by input size / map size,
    the whole input when none; ``box_mode`` as
    :func:`boxes_from_score_maps`; clipped to ``img_shape``). The class
    scores come from ``test_cfg['cls_source']``: ``'evaluator'`` (``F^e``
    on the *unmasked* image, the release's ``inference=True``),
    ``'main'`` (the phase-1 main branch) or ``'auto'`` (default: the
    evaluator when there is one and its weights are set, else the main
    branch; so phase-1 validation works before the evaluator is trained).

    **Tensor mode** returns ``(logits, p_a)``: the class logits as predict
    chooses them (``B x C``) and ``p^a`` (``B x 1 x h x w``).

    Args:
        backbone (dict): the classifier ``F^c``.
        neck (dict): the generator ``F^g``.
        head (dict): :class:`LowCAMHead`.
        evaluator (dict, optional): ``F^e``, e.g. a
            :class:`ClassifierEvaluator` config.
        erasing (dict): :class:`AttentiveErasing` config.
        split (str | int): split point of the backbone. Defaults to
            ``'stride4'``.
        train_cfg (dict, optional): ``frozen_bn_eval`` (bool, default
            False).
        test_cfg (dict, optional): ``box_threshold`` (default 0.5),
            ``box_mode`` (default ``'release'``), ``cls_source`` (default
            ``'auto'``).
        data_preprocessor (dict, optional): defaults to mmpretrain's
            ``ClsDataPreprocessor`` with ImageNet mean/std and ``to_rgb``.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 evaluator: Optional[dict] = None,
                 erasing: dict = dict(type='AttentiveErasing'),
                 split: Union[str, int] = 'stride4',
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375],
                to_rgb=True)
        if isinstance(data_preprocessor, dict):
            data_preprocessor = dict(data_preprocessor)
            data_preprocessor.setdefault('type', 'ClsDataPreprocessor')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)

        train_cfg = dict(train_cfg or {})
        self.frozen_bn_eval = bool(train_cfg.pop('frozen_bn_eval', False))
        if train_cfg:
            raise ValueError(f'LowCAM: unknown train_cfg keys '
                             f'{sorted(train_cfg)}; supported: '
                             "['frozen_bn_eval'].")
        test_cfg = dict(test_cfg or {})
        self.box_threshold = float(test_cfg.pop('box_threshold', 0.5))
        self.box_mode = test_cfg.pop('box_mode', 'release')
        self.cls_source = test_cfg.pop('cls_source', 'auto')
        if test_cfg:
            raise ValueError(f'LowCAM: unknown test_cfg keys '
                             f'{sorted(test_cfg)}; supported: '
                             "['box_threshold', 'box_mode', 'cls_source'].")
        check_choice('LowCAM: test_cfg.box_mode', self.box_mode, BOX_MODES)
        check_choice('LowCAM: test_cfg.cls_source', self.cls_source,
                     CLS_SOURCES)

        self.backbone = MODELS.build(backbone)
        self.splitter = BackboneSplitter(self.backbone, split)

        head = copy.deepcopy(head)
        self.head = MODELS.build(head)
        num_classes = self.head.num_classes

        neck = copy.deepcopy(neck)
        neck.setdefault('in_channels', self.splitter.out_channels_low)
        neck.setdefault('num_classes', num_classes)
        if neck['in_channels'] != self.splitter.out_channels_low:
            raise ValueError(
                f'LowCAM: neck.in_channels={neck["in_channels"]} but the '
                f'backbone split {self.splitter.split!r} gives '
                f'{self.splitter.out_channels_low} channels; leave '
                'neck.in_channels unset to use the split.')
        if neck['num_classes'] != num_classes:
            raise ValueError(
                f'LowCAM: neck.num_classes={neck["num_classes"]} differs '
                f'from head.num_classes={num_classes}.')
        self.neck = MODELS.build(neck)
        if not hasattr(self.neck, 'phase2_trainable_modules'):
            raise TypeError(
                f'LowCAM: the neck {type(self.neck).__name__} has no '
                'phase2_trainable_modules(); use ActivationMapGenerator.')

        if evaluator is not None:
            evaluator = copy.deepcopy(evaluator)
            if isinstance(evaluator, dict) and \
                    evaluator.get('num_classes') is None:
                evaluator['num_classes'] = num_classes
            self.evaluator = MODELS.build(evaluator)
            self._check_normalization()
            self._check_evaluator_classes(num_classes)
        else:
            self.evaluator = None
        self.erasing = MODELS.build(erasing)

        self.register_buffer('phase', torch.ones((), dtype=torch.long))
        # requires_grad as built: what phase 1 restores.
        self._phase1_requires_grad = {
            name: param.requires_grad
            for name, param in self.named_parameters()
        }
        self.register_load_state_dict_post_hook(_reapply_phase)

    # ------------------------------------------------------------------
    # construction checks
    def _check_evaluator_classes(self, num_classes: int) -> None:
        """``F^e`` must classify the head's classes (it scores the masked
        image against ``gt_label`` in phase 2 and gives the class at test
        time)."""
        count = getattr(self.evaluator, 'classifier_num_classes', None)
        num_eval = count() if callable(count) else None
        if num_eval is not None and num_eval != num_classes:
            raise ValueError(
                f'LowCAM: the evaluator F^e is configured for {num_eval} '
                f'classes (its config: '
                f'{getattr(self.evaluator, "config", None) or "model"}) but '
                f'LowCAM\'s head has num_classes={num_classes}; set both to '
                'the dataset\'s class count (the evaluator config\'s '
                'head/backbone num_classes and model.head.num_classes).')

    def _check_normalization(self):
        """The evaluator sees LowCAM's normalised input; its own data
        preprocessor (not run) must agree, or its logits are wrong."""
        ours = self.data_preprocessor
        inner = getattr(self.evaluator, 'model', self.evaluator)
        theirs = getattr(inner, 'data_preprocessor', None)
        pairs = []
        for name in ('mean', 'std'):
            a, b = getattr(ours, name, None), getattr(theirs, name, None)
            if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
                pairs.append((name, a.flatten(), b.flatten()))
        for name, a, b in pairs:
            if a.shape != b.shape or not torch.allclose(a, b.to(a)):
                raise ValueError(
                    f'LowCAM: the evaluator was configured with data '
                    f'preprocessor {name}={b.tolist()} but LowCAM '
                    f'normalises with {name}={a.tolist()}; the evaluator '
                    "is fed LowCAM's normalised images, so both must match "
                    '(model.data_preprocessor vs the evaluator config).')
        flag_a = getattr(ours, '_channel_conversion', None)
        flag_b = getattr(theirs, '_channel_conversion', None)
        if pairs and flag_a is not None and flag_b is not None and \
                flag_a != flag_b:
            raise ValueError(
                'LowCAM: the evaluator and LowCAM disagree on the channel '
                f'order (to_rgb {flag_b} vs {flag_a}).')

    # ------------------------------------------------------------------
    # phase
    @property
    def current_phase(self) -> int:
        """1 or 2 (reads the ``phase`` buffer)."""
        return int(self.phase)

    def phase2_trainable_parameters(self) -> Dict[str, nn.Parameter]:
        """``{name: parameter}`` that phase 2 trains (full names)."""
        names = set()
        for mod_name in self.neck.phase2_trainable_modules():
            for name, _ in getattr(self.neck, mod_name).named_parameters():
                names.add(f'neck.{mod_name}.{name}')
        return {n: p for n, p in self.named_parameters() if n in names}

    def set_phase(self, phase: int, prepare_evaluator: bool = True) -> None:
        """Switch to ``phase`` (1 or 2) and freeze accordingly.

        Args:
            phase (int): 1 or 2.
            prepare_evaluator (bool): in phase 2, make sure the evaluator
                has its weights (reads its checkpoint; see
                :meth:`ClassifierEvaluator.prepare`). Pass False when a
                state dict with the evaluator's weights is about to be
                loaded.
        """
        if phase not in (1, 2):
            raise ValueError(f'LowCAM.set_phase: phase must be 1 or 2, got '
                             f'{phase!r}.')
        if phase == 2:
            if self.evaluator is None:
                raise ValueError(
                    'LowCAM: phase 2 needs an evaluator F^e; set '
                    'model.evaluator (e.g. dict(type="ClassifierEvaluator", '
                    'config=..., checkpoint=...)).')
            if prepare_evaluator and hasattr(self.evaluator, 'prepare'):
                self.evaluator.prepare()
        self.phase.fill_(phase)
        self.apply_phase()

    def apply_phase(self) -> None:
        """Set ``requires_grad`` and train/eval modes for the current
        phase (called by :meth:`set_phase` and after state-dict loads)."""
        if self.current_phase == 2:
            trainable = self.phase2_trainable_parameters()
            for name, param in self.named_parameters():
                param.requires_grad_(name in trainable)
        else:
            for name, param in self.named_parameters():
                param.requires_grad_(
                    self._phase1_requires_grad.get(name, True))
            if self.evaluator is not None:
                for param in self.evaluator.parameters():
                    param.requires_grad_(False)
        self.train(self.training)

    def train(self, mode: bool = True) -> 'LowCAM':
        """Train/eval mode; in phase 2 with ``frozen_bn_eval`` the BN layers
        outside the phase-2 trainable modules stay in eval mode."""
        super().train(mode)
        if mode and self.frozen_bn_eval and self.current_phase == 2:
            keep = {
                id(m)
                for mod in self.neck.phase2_trainable_modules().values()
                for m in mod.modules()
            }
            skip = set() if self.evaluator is None else {
                id(m)
                for m in self.evaluator.modules()
            }
            for module in self.modules():
                if isinstance(module, _BatchNorm) and id(module) not in \
                        keep and id(module) not in skip:
                    module.eval()
        return self

    # ------------------------------------------------------------------
    # forward
    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """``mode``: ``'loss'`` -> dict of losses (and logged counters),
        ``'predict'`` -> data samples, ``'tensor'`` -> ``(logits, p_a)``.

        Args:
            inputs (Tensor): normalised images ``B x 3 x H x W``.
            data_samples (list[DataSample], optional): with ``gt_label``
                for ``'loss'``.
        """
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            logits, p_a, _ = self._classify(inputs)
            return logits, p_a
        raise RuntimeError(f'LowCAM: invalid mode "{mode}"; use "loss", '
                           '"predict" or "tensor".')

    def _activation_map(
        self, inputs: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(low, f_a, p_a)``: ``F^c_1(x)``, ``f^a``, ``p^a``."""
        if not (isinstance(inputs, torch.Tensor) and inputs.dim() == 4):
            desc = tuple(inputs.shape) if isinstance(
                inputs, torch.Tensor) else type(inputs).__name__
            raise ValueError(
                f'LowCAM: inputs must be a B x 3 x H x W tensor, got {desc}.')
        low = self.splitter.forward_low(inputs)
        f_a, p_a = self.neck(low)
        return low, f_a, p_a

    def _main_logits(self, low: torch.Tensor,
                     p_a: torch.Tensor) -> torch.Tensor:
        """``fc(GAP(F^c_high(F^c_1(x) * p^a)))``, ``B x C``."""
        return self.head.forward_main(self.splitter.forward_high(low * p_a))

    def _use_evaluator(self) -> bool:
        if self.cls_source == 'main':
            return False
        if self.cls_source == 'evaluator':
            if self.evaluator is None:
                raise ValueError("LowCAM: test_cfg.cls_source='evaluator' "
                                 'but the model has no evaluator.')
            return True
        return self.evaluator is not None and bool(
            getattr(self.evaluator, 'is_ready', True))

    def _classify(self, inputs):
        low, f_a, p_a = self._activation_map(inputs)
        if self._use_evaluator():
            logits = self.evaluator(inputs)
        else:
            logits = self._main_logits(low, p_a)
        return logits, p_a, f_a

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """Losses of the current phase (see the class docstring)."""
        low, f_a, p_a = self._activation_map(inputs)
        if self.current_phase == 1:
            side_logits = self.head.forward_side(f_a)
            main_logits = self._main_logits(low, p_a)
            with float32_region(side_logits, main_logits) as logits:
                return self.head.loss_phase1(*logits, data_samples)
        if self.evaluator is None:
            raise ValueError('LowCAM: phase 2 needs an evaluator F^e.')
        # under --amp the networks run in bf16 / fp16; the erasing (its
        # Bernoulli draws) and the losses stay float32
        with float32_region(p_a, f_a) as (p_a, f_a):
            if self.training:
                selected0 = self.erasing.num_selected.clone()
                skipped0 = self.erasing.num_skipped.clone()
                p_tilde = self.erasing(p_a)
                selected = (self.erasing.num_selected - selected0).float()
                skipped = (self.erasing.num_skipped - skipped0).float()
            else:  # the release masks with p^a itself outside training
                p_tilde = p_a
                selected = skipped = p_a.new_zeros(())
            mask = upsample_score_maps(p_tilde[:, 0], inputs.shape[-2:],
                                       'nearest')[:, None]
            masked = inputs * mask
        eval_logits = self.evaluator(masked)
        with float32_region(eval_logits) as (eval_logits, ):
            losses = self.head.loss_phase2(eval_logits, f_a, p_a,
                                           data_samples)
        with torch.no_grad():
            labels = torch.cat([
                s.gt_label.reshape(-1)[:1] for s in data_samples
            ]).to(eval_logits.device)
            acc = (eval_logits.argmax(dim=1) == labels).float().mean() * 100
        losses.update(
            erase_selected=selected, erase_skipped=skipped, acc_eval=acc)
        return losses

    def predict(
            self,
            inputs: torch.Tensor,
            data_samples: Optional[List[DataSample]] = None
    ) -> List[WSOLDataSample]:
        """Class scores, ``score_map`` (``p^a``) and ``pred_bboxes`` per
        sample (see the class docstring); GT fields are kept."""
        logits, p_a, _ = self._classify(inputs)
        scores = torch.softmax(logits.detach().float(), dim=1)
        labels = scores.argmax(dim=1)
        maps = p_a[:, 0].detach().float()
        in_h, in_w = inputs.shape[-2:]
        boxes = boxes_from_score_maps(maps, self.box_threshold, (in_h, in_w),
                                      self.box_mode)
        return set_localization_predictions(data_samples, scores, labels,
                                            maps, boxes, (in_h, in_w))


def _reapply_phase(module: LowCAM, incompatible_keys) -> None:
    """Load-state-dict post hook: freeze as the loaded ``phase`` says."""
    module.apply_phase()
