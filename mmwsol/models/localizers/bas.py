"""BAS (Wu, Zhai, Cao, CVPR 2022): background activation suppression."""
import copy
from typing import Dict, List, Optional, Union

import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from mmwsol.registry import MODELS
from mmwsol.structures import (WSOLDataSample, boxes_from_score_maps,
                               normalize_score_maps)
from ..utils.frozen_weights import call_with_frozen_weights
from ..utils.localization_predictions import set_localization_predictions
from ..utils.map_classes import map_classes
from ..utils.pre_pool_backbone_split import PrePoolBackboneSplitter
from .cam import CAM


def _gt_labels(data_samples) -> torch.Tensor:
    """``(B,)`` labels; training needs every sample's ``gt_label``."""
    missing = [i for i, s in enumerate(data_samples) if 'gt_label' not in s]
    if missing:
        raise ValueError(
            'BAS: the data samples at batch positions '
            f'{missing[:5]} have no gt_label; training needs the image '
            'labels (PackWSOLInputs sets them from the dataset record).')
    return torch.cat([s.gt_label.reshape(-1)[:1] for s in data_samples])


@MODELS.register_module()
class BAS(CAM):
    r"""Background Activation Suppression: a generator's foreground map
    trained by the activation it leaves outside itself.

    Symbols of the paper and the authors' release (wpy1999/BAS, CUB VGG16):

    - ``backbone`` split (:class:`PrePoolBackboneSplitter`, ``split``,
      ``split_before_pool``) into the part up to the generator's input
      ``x_low`` (``B x C_in x h' x w'``; VGG16: ``conv4_3``, before
      ``pool4``, 28 x 28 at 224 px) and the rest.
    - The classifier, CAM's pieces: the rest of the backbone, ``extra_convs``
      (VGG16: two 3x3 convs 512 -> 1024 -> 1024 + ReLU) giving ``A``
      (``B x D x h x w``), then ``head.fc`` applied at every location (the
      release's final 1x1 conv ``D -> C``) and, with ``class_map_relu``
      (default, the release), a ReLU: the class maps ``F`` (``B x C x h x
      w``). The logits are their means, ``GAP(F)``. Without the ReLU they
      equal CAM's ``fc(GAP(A))``.
    - The generator ``generator`` (:class:`BASGeneratorHead`): maps of all
      classes from ``x_low``; ``M`` (``B x 1 x h' x w'``) is the
      ground-truth class's in training.

    **Activations** (ground-truth class ``y``): ``S = GAP(F)[y]`` on the
    whole feature map; ``S^bg`` = the same classifier (the rest of the
    backbone, ``extra_convs``, ``fc``, ReLU, GAP) applied to
    ``sg(x_low) * (1 - M)`` with a gradient-free snapshot of its weights
    (:func:`call_with_frozen_weights`; the release deep-copies those layers
    each step), so ``S^bg`` trains only ``M``; the foreground logits
    ``logits^fg = GAP(F * pool(M))`` (``M`` average-pooled to ``h x w``,
    the release's ``AvgPool2d(2)``), ``S^fg = logits^fg[y]``.

    **Losses** (``loss``): ``loss_cls`` = the head's loss (CE) of the
    logits; the generator's ``loss_bg`` (``S^bg / sg(S)``, 0 where ``S^bg
    >= S``), ``loss_area`` (mean of ``M``) and ``loss_fg`` (CE of
    ``logits^fg``) with the generator config's weights (release, VGG16 CUB:
    1, 0.7, 0). Gradients reach the generator and, through ``x_low``, the
    backbone up to the cut from ``loss_area`` and ``loss_bg``; the
    classifier's parameters only from ``loss_cls`` and ``loss_fg``.

    **Predict** (docs/conventions.md): ``pred_score`` (softmax of the
    logits), ``pred_label``, ``score_map`` = ``M`` at native size
    (``h' x w'``, in (0, 1)): the mean of the generator's maps of the
    ``test_cfg['topk']`` classes ranked first by the logits (the release:
    80 of 200 for VGG16 on CUB, all 200 for its other backbones; None = all
    classes); with ``topk=1`` the class is chosen as CAM's (``cam_class``
    ``'gt'`` or ``'pred'``). ``pred_bboxes`` (``1 x 4``): the box of the
    cells of the min-max normalised ``M`` above ``test_cfg['box_threshold']``
    (the release: 0.15), ``box_mode`` as CAM's, clipped to ``img_shape``.
    ``'tensor'`` mode returns the logits ``B x C``.

    Args:
        backbone (dict): mmpretrain backbone (what
            :class:`PrePoolBackboneSplitter` supports).
        head (dict): a head with a linear ``fc`` (``LinearClsHead``) whose
            loss is the classification loss.
        generator (dict): :class:`BASGeneratorHead`; ``in_channels`` and
            ``num_classes`` default to the cut's channels and the head's
            classes.
        split (str | int): the cut of the backbone (generator input).
        split_before_pool (bool): VGG: cut before stage ``split``'s pool.
        class_map_relu (bool): ReLU on the class maps. Defaults to True.
        neck (dict): must build ``GlobalAveragePooling`` (CAM's).
        extra_convs (Sequence[dict], optional): ``ConvModule`` kwargs.
        cam_class (str): ``'gt'`` or ``'pred'`` (``topk=1`` only).
            Defaults to ``'pred'``.
        test_cfg (dict, optional): ``box_threshold`` (default 0.15),
            ``box_mode`` (default ``'cover'``), ``topk`` (int or None,
            default None: all classes).
        train_cfg, data_preprocessor, init_cfg: as ``ImageClassifier``.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 generator: dict,
                 split: Union[str, int] = 3,
                 split_before_pool: bool = False,
                 class_map_relu: bool = True,
                 neck: dict = dict(type='GlobalAveragePooling'),
                 extra_convs=None,
                 cam_class: str = 'pred',
                 test_cfg: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        test_cfg = dict(test_cfg or {})
        topk = test_cfg.pop('topk', None)
        test_cfg.setdefault('box_threshold', 0.15)
        super().__init__(
            backbone=backbone,
            head=head,
            neck=neck,
            extra_convs=extra_convs,
            cam_class=cam_class,
            test_cfg=test_cfg,
            train_cfg=train_cfg,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.splitter = PrePoolBackboneSplitter(self.backbone, split,
                                                split_before_pool)
        self.class_map_relu = bool(class_map_relu)
        num_classes = self.head.fc.out_features
        generator = copy.deepcopy(dict(generator))
        generator.setdefault('in_channels', self.splitter.out_channels_low)
        generator.setdefault('num_classes', num_classes)
        if generator['in_channels'] != self.splitter.out_channels_low:
            raise ValueError(
                f'BAS: generator.in_channels={generator["in_channels"]} but '
                f'the backbone cut {self.splitter!r} gives '
                f'{self.splitter.out_channels_low} channels; leave '
                'generator.in_channels unset to use the cut.')
        if generator['num_classes'] != num_classes:
            raise ValueError(
                f'BAS: generator.num_classes={generator["num_classes"]} '
                f'differs from the head\'s {num_classes} classes.')
        self.generator = MODELS.build(generator)
        if topk is not None and not (isinstance(topk, int)
                                     and 1 <= topk <= num_classes):
            raise ValueError(
                f'BAS: test_cfg.topk must be None (all classes) or an int in '
                f'[1, {num_classes}], got {topk!r}.')
        if self.cam_class == 'gt' and topk != 1:
            raise ValueError(
                "BAS: cam_class='gt' picks one class's map; it needs "
                f'test_cfg.topk=1 (got {topk!r}). The release averages the '
                "top-k predicted classes' maps: cam_class='pred'.")
        self.topk = num_classes if topk is None else topk

    # ------------------------------------------------------------------
    # forward pieces
    def classifier_features(self, x_low: torch.Tensor) -> torch.Tensor:
        """``A``: the rest of the backbone and ``extra_convs`` on ``x_low``
        (``B x C_in x h' x w'`` -> ``B x D x h x w``)."""
        feats = self.splitter.forward_high(x_low)
        if isinstance(feats, (tuple, list)):
            feats = feats[-1]
        if feats.dim() != 4:
            raise ValueError(
                'BAS: the backbone must output spatial features B x D x h x '
                f'w (no classifier inside it), got {tuple(feats.shape)}.')
        return self.extra_convs(feats)

    def class_maps(self, feats: torch.Tensor) -> torch.Tensor:
        """``F``: ``head.fc`` at every location of ``A`` (+ ReLU).

        Args:
            feats (Tensor): ``A``, ``B x D x h x w``.

        Returns:
            Tensor: ``B x C x h x w``.
        """
        fc = self.head.fc
        maps = F.conv2d(feats, fc.weight[:, :, None, None], fc.bias)
        return F.relu(maps) if self.class_map_relu else maps

    def _logits_from_low(self, x_low: torch.Tensor) -> torch.Tensor:
        """``GAP(F)`` of the classifier on ``x_low``: ``B x C``."""
        return self.class_maps(self.classifier_features(x_low)).mean((2, 3))

    def feature_map(self, inputs: torch.Tensor) -> torch.Tensor:
        """``A`` (``B x D x h x w``), through the cut."""
        return self.classifier_features(self.splitter.forward_low(inputs))

    def extract_feat(self, inputs: torch.Tensor, stage: str = 'neck'):
        """CAM's stages, except ``'pre_logits'`` is not defined for the
        ReLU class maps (the logits are ``GAP(F)``, see :meth:`logits`)."""
        if stage == 'pre_logits' and self.class_map_relu:
            raise ValueError(
                "BAS: with class_map_relu the logits are GAP(ReLU(fc(A))), "
                "not fc(pre_logits); use BAS.logits or stage='neck'.")
        return super().extract_feat(inputs, stage)

    def logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """Class logits ``GAP(F)``: ``B x C``."""
        return self._logits_from_low(self.splitter.forward_low(inputs))

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """``'tensor'``: the logits ``B x C``; ``'loss'``, ``'predict'`` as
        ``ImageClassifier``."""
        if mode == 'tensor':
            return self.logits(inputs)
        return super().forward(inputs, data_samples, mode)

    def activations(self, inputs: torch.Tensor,
                    labels: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Everything the losses use, for ground-truth classes ``labels``.

        Args:
            inputs (Tensor): ``B x 3 x H x W``.
            labels (Tensor): ``(B,)``.

        Returns:
            dict: ``logits`` (``B x C``), ``maps`` (the generator's maps of
            all classes, ``B x C x h' x w'``), ``m`` (``M``, ``B x 1 x h' x
            w'``), ``s`` and ``s_bg`` (``(B,)``), ``fg_logits`` (``B x C``).
        """
        x_low = self.splitter.forward_low(inputs)
        cmaps = self.class_maps(self.classifier_features(x_low))
        logits = cmaps.mean((2, 3))
        maps = self.generator(x_low)
        m = self.generator.select(maps, labels)
        index = labels.reshape(-1, 1)
        s = logits.gather(1, index)[:, 0]
        x_bg = x_low.detach() * (1 - m)
        logits_bg = call_with_frozen_weights(self, self._logits_from_low,
                                             x_bg)
        s_bg = logits_bg.gather(1, index)[:, 0]
        m_small = F.adaptive_avg_pool2d(m, cmaps.shape[-2:])
        fg_logits = (cmaps * m_small).mean((2, 3))
        return dict(
            logits=logits,
            maps=maps,
            m=m,
            s=s,
            s_bg=s_bg,
            fg_logits=fg_logits)

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """``loss_cls`` (+ the head's accuracy keys when it computes them),
        ``loss_bg``, ``loss_area``, ``loss_fg``; with ``class_map_relu``
        also ``dead_gt_map``, logged and not summed (no ``loss`` in its
        name): the fraction of the batch whose ground-truth class map ``F_y``
        is 0 at every location. Such a sample's ``S`` is 0, so neither the
        CE nor ``S^bg / S`` gives ``F_y`` a gradient: a class whose maps all
        die stops learning, which the log shows as a steady nonzero value
        (the tiny from-scratch benchmark loses 2-5 of its 10 classes so)."""
        labels = _gt_labels(data_samples).to(inputs.device)
        act = self.activations(inputs, labels)
        head_losses = self.head._get_loss(act['logits'], data_samples)
        losses = {
            ('loss_cls' if k == 'loss' else k): v
            for k, v in head_losses.items()
        }
        losses.update(
            self.generator.loss(act['m'], act['s'], act['s_bg'],
                                act['fg_logits'], act['maps'],
                                act['logits'], labels))
        if self.class_map_relu:
            # logged, not a loss: the share of the batch whose class map F_y
            # is 0 everywhere (ReLU'd off), so S = 0 and no loss moves it
            losses['dead_gt_map'] = (act['s'] <= 0).float().mean().detach()
        return losses

    def localization_maps(self, maps: torch.Tensor, logits: torch.Tensor,
                          data_samples: List[DataSample]) -> torch.Tensor:
        """The test-time ``M`` (``B x h' x w'``) from all classes' maps
        ``B x C x h' x w'`` and the logits ``B x C`` (see the class
        docstring)."""
        if self.topk > 1:
            return self.generator.topk_mean(maps, logits, self.topk)[:, 0]
        classes = map_classes(data_samples, logits.argmax(dim=1),
                              self.cam_class)
        return self.generator.select(maps, classes)[:, 0]

    def predict(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                **kwargs) -> List[WSOLDataSample]:
        """Scores, label, ``score_map`` (``M``) and ``pred_bboxes``."""
        x_low = self.splitter.forward_low(inputs)
        logits = self._logits_from_low(x_low).detach().float()
        scores = torch.softmax(logits, dim=1)
        pred = scores.argmax(dim=1)
        if data_samples is None:
            data_samples = [WSOLDataSample() for _ in range(inputs.size(0))]
        maps = self.generator(x_low).detach().float()
        m = self.localization_maps(maps, logits, data_samples)
        in_h, in_w = inputs.shape[-2:]
        boxes = boxes_from_score_maps(
            normalize_score_maps(m)[0], self.box_threshold, (in_h, in_w),
            self.box_mode)
        return set_localization_predictions(data_samples, scores, pred, m,
                                            boxes, (in_h, in_w))

    def extra_repr(self) -> str:
        return (f'class_map_relu={self.class_map_relu}, topk={self.topk}, '
                f'cam_class={self.cam_class!r}')

