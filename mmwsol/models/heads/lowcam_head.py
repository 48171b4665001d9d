"""WSOL head of LowCAM (ORNet, ICCV 2021): side branch, main classifier and
the losses of both training phases."""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmwsol.registry import MODELS


def _labels(data_samples) -> torch.Tensor:
    """``(B,)`` long labels from data samples with ``gt_label``."""
    missing = [i for i, s in enumerate(data_samples) if 'gt_label' not in s]
    if missing:
        raise ValueError(
            'LowCAMHead: the data samples at batch positions '
            f'{missing[:5]} have no gt_label; training needs the image '
            'labels (PackWSOLInputs sets them from the dataset record).')
    return torch.cat([s.gt_label.reshape(-1)[:1] for s in data_samples])


@MODELS.register_module()
class LowCAMHead(BaseModule):
    r"""Classifier parts and losses of LowCAM's WSOL head.

    **Side branch** (phase 1): the generator output ``f^a``
    (``B x C x h x w``, ``C = num_classes``) goes through a 1x1 convolution
    ``C -> C`` without bias (the release's ``att_conv2``) and a global
    average pool: :meth:`forward_side` returns ``B x C`` logits.

    **Main branch** (phase 1): the rest of the classifier ``F^c`` applied to
    the gated low-level features, ``F^c_high(F^c_1(x) * p^a)``
    (``B x in_channels x h' x w'``), is average-pooled and classified by a
    linear layer ``in_channels -> C`` (the release's ResNet-50 ``avgpool`` +
    ``fc``): :meth:`forward_main` returns ``B x C`` logits.

    **Losses.** Phase 1 (:meth:`loss_phase1`): ``loss_cls_side =
    CE(side logits, y)`` and ``loss_cls_main = CE(main logits, y)``.
    Phase 2 (:meth:`loss_phase2`), with the evaluator's logits
    ``F^e(x * up(p~))``: ``loss_eval = CE(F^e(.), y)``,
    ``loss_area = 0.02 * L_area(p^a, F^e(.), f^a)`` and
    ``loss_entropy = 1.5 * L_we(p^a)`` (weights inside the loss configs).
    Every term is a separate key, so mmengine logs each and sums those
    whose name contains ``loss``.

    Init: the side conv Kaiming normal (``fan_out``, ReLU gain), as the
    release; the main ``fc`` keeps PyTorch's default ``nn.Linear`` init (the
    release creates it after its init loop).

    Args:
        num_classes (int): ``C``.
        in_channels (int): channels of ``F^c_high``'s last output (512 for
            VGG16, 2048 for ResNet-50).
        side_loss (dict): loss of the side logits (phase 1).
        main_loss (dict): loss of the main logits (phase 1).
        eval_loss (dict): loss of the evaluator's logits (phase 2).
        area_loss (dict): :class:`AreaLoss` config (phase 2).
        entropy_loss (dict): :class:`WeightedEntropyLoss` config (phase 2).
        init_cfg (dict | list[dict], optional): mmengine init config.
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        side_loss: dict = dict(type='CrossEntropyLoss', loss_weight=1.0),
        main_loss: dict = dict(type='CrossEntropyLoss', loss_weight=1.0),
        eval_loss: dict = dict(type='CrossEntropyLoss', loss_weight=1.0),
        area_loss: dict = dict(
            type='AreaLoss', topk=25, skip=3, loss_weight=0.02),
        entropy_loss: dict = dict(
            type='WeightedEntropyLoss',
            mu=0.5,
            sigma=0.1,
            beta=0.0,
            loss_weight=1.5),
        init_cfg: Optional[Union[dict, List[dict]]] = dict(
            type='Kaiming',
            layer='Conv2d',
            mode='fan_out',
            nonlinearity='relu',
            distribution='normal')
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        for name, value in (('num_classes', num_classes), ('in_channels',
                                                           in_channels)):
            if not (isinstance(value, int) and value > 0):
                raise ValueError(f'LowCAMHead: {name} must be a positive int, '
                                 f'got {value!r}.')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.side_conv = nn.Conv2d(
            num_classes, num_classes, kernel_size=1, bias=False)
        self.fc = nn.Linear(in_channels, num_classes)
        self.side_loss = MODELS.build(side_loss)
        self.main_loss = MODELS.build(main_loss)
        self.eval_loss = MODELS.build(eval_loss)
        self.area_loss = MODELS.build(area_loss)
        topk = getattr(self.area_loss, 'topk', 0)
        if topk > num_classes:  # else the first phase-2 batch would fail
            raise ValueError(
                f'LowCAMHead: area_loss.topk={topk} exceeds num_classes='
                f'{num_classes}; set model.head.area_loss.topk to at most '
                'the class count (the release: 25 of 200 classes).')
        self.entropy_loss = MODELS.build(entropy_loss)

    def forward_side(self, f_a: torch.Tensor) -> torch.Tensor:
        """Side logits: ``f^a`` ``B x C x h x w`` -> ``B x C``."""
        if f_a.dim() != 4 or f_a.size(1) != self.num_classes:
            raise ValueError(
                'LowCAMHead.forward_side: f^a must be B x num_classes x h x '
                f'w with num_classes={self.num_classes}, got '
                f'{tuple(f_a.shape)}.')
        return self.side_conv(f_a).mean(dim=(2, 3))

    def forward_main(
        self, feats: Union[torch.Tensor, Sequence[torch.Tensor]]
    ) -> torch.Tensor:
        """Main logits: ``F^c_high`` output ``B x in_channels x h' x w'``
        (or a backbone's tuple; its last element) -> ``B x C``."""
        if isinstance(feats, (tuple, list)):
            feats = feats[-1]
        if feats.dim() == 4:
            feats = feats.mean(dim=(2, 3))
        if feats.dim() != 2 or feats.size(1) != self.in_channels:
            raise ValueError(
                'LowCAMHead.forward_main: the classifier features must be B '
                f'x in_channels (x h x w) with in_channels='
                f'{self.in_channels}, got {tuple(feats.shape)}; set the '
                "head's in_channels to the backbone's last output channels.")
        return self.fc(feats)

    def forward(self, feats):
        """``forward_main`` (the classifier logits)."""
        return self.forward_main(feats)

    def loss_phase1(self, side_logits: torch.Tensor,
                    main_logits: torch.Tensor,
                    data_samples) -> Dict[str, torch.Tensor]:
        """Phase-1 losses ``loss_cls_side`` and ``loss_cls_main``.

        Args:
            side_logits, main_logits (Tensor): ``B x C``.
            data_samples (list[DataSample]): with ``gt_label``.
        """
        labels = _labels(data_samples).to(main_logits.device)
        return dict(
            loss_cls_side=self.side_loss(side_logits, labels),
            loss_cls_main=self.main_loss(main_logits, labels))

    def loss_phase2(self, eval_logits: torch.Tensor, f_a: torch.Tensor,
                    p_a: torch.Tensor,
                    data_samples) -> Dict[str, torch.Tensor]:
        """Phase-2 losses ``loss_eval``, ``loss_area``, ``loss_entropy``.

        Args:
            eval_logits (Tensor): ``F^e`` on the masked image, ``B x C``.
            f_a (Tensor): ``B x C x h x w``.
            p_a (Tensor): ``B x 1 x h x w``.
            data_samples (list[DataSample]): with ``gt_label``.
        """
        labels = _labels(data_samples).to(eval_logits.device)
        return dict(
            loss_eval=self.eval_loss(eval_logits, labels),
            loss_area=self.area_loss(p_a, eval_logits, f_a),
            loss_entropy=self.entropy_loss(p_a))
