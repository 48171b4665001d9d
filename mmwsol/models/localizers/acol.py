"""ACoL (Zhang et al., CVPR 2018): Adversarial Complementary Learning, two
classifier branches, the second one blind to the first one's peak."""
import copy
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmpretrain.structures import DataSample

from mmwsol.registry import MODELS
from mmwsol.structures import (WSOLDataSample, boxes_from_score_maps,
                               normalize_score_maps)
from ..utils.adversarial_erasing import adversarial_erasing
from ..utils.localization_predictions import set_localization_predictions
from ..utils.map_classes import map_classes
from .cam import CAM


@MODELS.register_module()
class ACoL(CAM):
    r"""Two parallel classifiers on one feature map; B sees it erased by A.

    ``backbone`` (+ optional shared ``extra_convs``, then the stride-1
    ``feature_max_pool`` / ``feature_avg_pool`` smoothing of
    wsolevaluation's VGG16-ACoL) gives the shared map ``S``
    (``B x D_s x h x w``). Branch A is ``branch_convs`` (``ConvModule``
    configs, e.g. two 3x3 convs + ReLU) -> ``A`` (``B x D x h x w``) ->
    global average pooling -> ``head`` (linear ``fc``, ``D -> C``); branch B
    is a second, independent copy of the same layers (``branch_b``,
    ``head_b``) applied to the erased map

    .. math:: \tilde S = S \cdot [\bar M^A_c < \delta],

    where ``M^A_c = 1/D sum_d w^A_{c,d} A_d`` is branch A's class
    activation map of the target class ``c`` and ``\bar M^A_c`` its per-sample
    min-max normalisation
    (:func:`~mmwsol.models.utils.adversarial_erasing.adversarial_erasing`).
    ``c`` is the ground truth in training and, in ``predict``, the class
    :func:`~mmwsol.models.utils.map_classes` picks (the GT class with
    ``cam_class='gt'``, as wsolevaluation's evaluation erases with the GT
    label).

    Training loss: ``loss_a + loss_b``, the cross-entropies of both
    branches' logits with the image label (wsolevaluation's ``get_loss``).
    ``predict``: ``pred_score`` / ``pred_label`` from branch A's logits
    (wsolevaluation's ``logits``), ``score_map`` =
    ``max(\bar M^A_c, \bar M^B_c)`` (``h x w``), the element-wise maximum
    of the two normalised maps (wsolevaluation's ``return_cam``), boxes
    from it as :class:`CAM`. ``'tensor'`` mode returns branch A's logits.

    wsolevaluation's branches end in a 1x1 conv to ``C`` maps whose global
    average is the logit; here they end in GAP + ``fc``, which gives the same
    logits, and the channel-mean CAM differs from that conv's output
    (``sum_d w_{c,d} A_d + b_c``) by a positive factor ``D`` and the bias
    only, which the min-max normalisation removes: the erased positions and
    the fused map are the same.

    Args:
        backbone (dict): mmpretrain backbone; its last output is used.
        head (dict): branch A's head (``LinearClsHead``); branch B gets an
            independent copy built from the same config.
        branch_convs (Sequence[dict]): ``ConvModule`` kwargs of each
            branch's layers before the pooling (built twice). May be empty.
        erase_threshold (float): ``\delta`` in (0, 1]. Defaults to 0.7
            (wsolevaluation's ``--acol_threshold`` default).
        neck (dict): must build ``GlobalAveragePooling``.
        extra_convs (Sequence[dict], optional): shared ``ConvModule``
            kwargs after the backbone (as :class:`CAM`).
        feature_max_pool (int): kernel of a stride-1 max pooling
            (padding ``k // 2``) on the shared map; 0 (default) for none.
            wsolevaluation's VGG16-ACoL: 3 (its last ``'M2'`` layer).
        feature_avg_pool (int): likewise an average pooling (zero padding
            counted, as ``F.avg_pool2d``); wsolevaluation's VGG16-ACoL: 3.
        backbone_max_pool (dict, optional): ``nn.MaxPool2d`` kwargs that
            replace every max pooling of the backbone after it is built
            (parameter-free, so checkpoints are unaffected);
            wsolevaluation's VGG16-ACoL uses
            ``dict(kernel_size=3, stride=2, padding=1)`` (its ``'M1'``).
        cam_class (str): ``'gt'`` or ``'pred'``, as :class:`CAM`.
        test_cfg, train_cfg, data_preprocessor, init_cfg: as :class:`CAM`.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 branch_convs: Sequence[dict] = (),
                 erase_threshold: float = 0.7,
                 neck: dict = dict(type='GlobalAveragePooling'),
                 extra_convs: Optional[Sequence[dict]] = None,
                 feature_max_pool: int = 0,
                 feature_avg_pool: int = 0,
                 backbone_max_pool: Optional[dict] = None,
                 cam_class: str = 'gt',
                 test_cfg: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
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
        if not 0.0 < float(erase_threshold) <= 1.0:
            raise ValueError('ACoL: erase_threshold (delta) must be in '
                             f'(0, 1], got {erase_threshold!r}.')
        self.erase_threshold = float(erase_threshold)
        for name, kernel in (('feature_max_pool', feature_max_pool),
                             ('feature_avg_pool', feature_avg_pool)):
            if not (isinstance(kernel, int) and kernel >= 0
                    and (kernel == 0 or kernel % 2 == 1)):
                raise ValueError(f'ACoL: {name} must be 0 or an odd int '
                                 f'kernel size, got {kernel!r}.')
        pools = []
        if feature_max_pool:
            pools.append(
                nn.MaxPool2d(feature_max_pool, 1, feature_max_pool // 2))
        if feature_avg_pool:
            pools.append(
                nn.AvgPool2d(feature_avg_pool, 1, feature_avg_pool // 2))
        self.feature_pools = nn.Sequential(*pools)
        if backbone_max_pool is not None:
            self._replace_max_pools(dict(backbone_max_pool))
        self.branch_a = self._build_branch(branch_convs)
        self.branch_b = self._build_branch(branch_convs)
        self.head_b = MODELS.build(copy.deepcopy(dict(head)))
        if not isinstance(getattr(self.head_b, 'fc', None), nn.Linear):
            raise TypeError('ACoL: the head must have a linear `fc`.')

    @staticmethod
    def _build_branch(branch_convs: Sequence[dict]) -> nn.Sequential:
        return nn.Sequential(*[
            ConvModule(**copy.deepcopy(dict(cfg))) for cfg in branch_convs
        ])

    def _replace_max_pools(self, kwargs: dict) -> None:
        names = [
            name for name, m in self.backbone.named_modules()
            if isinstance(m, nn.MaxPool2d)
        ]
        if not names:
            raise ValueError('ACoL: backbone_max_pool is set but the '
                             f'{type(self.backbone).__name__} backbone has '
                             'no nn.MaxPool2d to replace.')
        for name in names:
            parent_name, _, child = name.rpartition('.')
            parent = (self.backbone.get_submodule(parent_name)
                      if parent_name else self.backbone)
            setattr(parent, child, nn.MaxPool2d(**kwargs))

    def feature_map(self, inputs: torch.Tensor) -> torch.Tensor:
        """The shared map ``S``: ``B x D_s x h x w``."""
        return self.feature_pools(super().feature_map(inputs))

    def extract_feat(self, inputs: torch.Tensor, stage: str = 'neck'):
        """mmpretrain's stages along branch A (``'backbone'``: ``A``)."""
        assert stage in ('backbone', 'neck', 'pre_logits'), \
            f'Invalid output stage "{stage}"'
        x = (self.branch_a(self.feature_map(inputs)), )
        if stage == 'backbone':
            return x
        x = self.neck(x)
        if stage == 'neck':
            return x
        return self.head.pre_logits(x)

    def branches(
        self,
        feats: torch.Tensor,
        classes: Optional[torch.Tensor] = None,
        data_samples: Optional[List[DataSample]] = None
    ) -> Dict[str, torch.Tensor]:
        """Both branches on the shared map ``S``.

        Args:
            feats (Tensor): ``S``, ``B x D_s x h x w``.
            classes (Tensor, optional): ``(B,)`` target classes ``c`` of the
                erasing. When None:
                :func:`~mmwsol.models.utils.map_classes` of branch A's top-1
                and ``data_samples`` if given, else branch A's top-1
                (wsolevaluation's fallback without labels).
            data_samples (list[DataSample], optional): see ``classes``.

        Returns:
            dict[str, Tensor]: ``feat_a`` / ``feat_b`` (``A`` and ``B``,
            ``B x D x h x w``), ``logits_a`` / ``logits_b`` (``B x C``),
            ``classes`` (``(B,)``), ``map_a`` / ``map_b`` (the normalised
            CAMs ``\bar M^A_c``, ``\bar M^B_c``, ``B x h x w``, no
            gradient) and ``erased`` (``B x h x w`` bool).
        """
        feat_a = self.branch_a(feats)
        logits_a = self.head((self.neck((feat_a, ))[-1], ))
        if classes is None:
            classes = logits_a.detach().argmax(dim=1)
            if data_samples is not None:
                classes = map_classes(data_samples, classes,
                                      self.cam_class)
        map_a = self._normalized_cam(feat_a, classes, self.head.fc)
        erased_feats, erased = adversarial_erasing(feats, map_a,
                                                   self.erase_threshold)
        feat_b = self.branch_b(erased_feats)
        logits_b = self.head_b((self.neck((feat_b, ))[-1], ))
        map_b = self._normalized_cam(feat_b, classes, self.head_b.fc)
        return dict(
            feat_a=feat_a,
            feat_b=feat_b,
            logits_a=logits_a,
            logits_b=logits_b,
            classes=classes,
            map_a=map_a,
            map_b=map_b,
            erased=erased)

    def _normalized_cam(self, feat: torch.Tensor, classes: torch.Tensor,
                        fc: nn.Linear) -> torch.Tensor:
        """Min-max normalised CAM, ``B x h x w``, on ``feat``'s device."""
        with torch.no_grad():
            cams = self.class_activation_maps(feat.detach(), classes, fc)
            maps = normalize_score_maps(cams.float())[0]
        return maps.to(feat.device)

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """``loss_a`` + ``loss_b`` (each head's losses, suffixed)."""
        feats = self.feature_map(inputs)
        classes = self._labels(data_samples, feats.device)
        out = self.branches(feats, classes)
        losses = {}
        for name, head, feat in (('a', self.head, out['feat_a']),
                                 ('b', self.head_b, out['feat_b'])):
            for key, value in head.loss(self.neck((feat, )),
                                        data_samples).items():
                losses[f'{key}_{name}'] = value
        return losses

    @staticmethod
    def _labels(data_samples: List[DataSample],
                device: torch.device) -> torch.Tensor:
        """The ``(B,)`` training labels that choose A's map to erase by."""
        for s in data_samples:
            if not ('gt_label' in s and s.gt_label.numel() > 0):
                raise ValueError(
                    'ACoL: every training sample needs a gt_label (the '
                    'erasing uses its class map); image '
                    f"{s.get('img_path', '<no img_path>')} has none.")
        return torch.cat([s.gt_label.reshape(-1)[:1]
                          for s in data_samples]).to(device)

    def predict(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                **kwargs) -> List[WSOLDataSample]:
        """Branch A's scores and label, the fused map and its box."""
        if data_samples is None:
            data_samples = [WSOLDataSample() for _ in range(inputs.size(0))]
        out = self.branches(self.feature_map(inputs),
                            data_samples=data_samples)
        scores = torch.softmax(out['logits_a'].detach().float(), dim=1)
        pred = scores.argmax(dim=1)
        fused = torch.maximum(out['map_a'], out['map_b'])
        in_h, in_w = inputs.shape[-2:]
        boxes = boxes_from_score_maps(
            normalize_score_maps(fused)[0], self.box_threshold, (in_h, in_w),
            self.box_mode)
        return set_localization_predictions(data_samples, scores, pred,
                                            fused, boxes, (in_h, in_w))
