"""CAM (Zhou et al., CVPR 2016): the class activation map of a plain
classifier, the WSOL baseline."""
import copy
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.models.necks import GlobalAveragePooling
from mmpretrain.structures import DataSample

from mmwsol.registry import MODELS
from mmwsol.structures import (BOX_MODES, WSOLDataSample,
                               boxes_from_score_maps, normalize_score_maps)
from mmwsol.utils import check_choice
from ..utils.localization_predictions import set_localization_predictions
from ..utils.map_classes import MAP_CLASS_CHOICES, map_classes

#: which class's map ``predict`` returns: the ground-truth class where the
#: sample has one (wsolevaluation's choice), or always the top-1 class.
CAM_CLASSES = MAP_CLASS_CHOICES


@MODELS.register_module()
class CAM(ImageClassifier):
    r"""A plain classifier whose class activation map is the localization.

    ``backbone`` (last output ``B x D' x h x w``) -> optional
    ``extra_convs`` (``ConvModule`` configs applied in order; e.g.
    wsolevaluation's VGG16-CAM: ``conv6`` 512 -> 1024, 3x3, ReLU, after
    ``conv5_3`` without ``pool5``) giving the feature map ``A``
    (``B x D x h x w``) -> global average pooling (``neck``, must be
    ``GlobalAveragePooling``) -> linear head (``head.fc``, ``D -> C``).
    Training, ``'loss'`` and ``'tensor'`` modes are mmpretrain's
    ``ImageClassifier``'s (``'tensor'`` returns ``B x C`` logits, so a CAM
    checkpoint can serve as LowCAM's evaluator through
    :class:`ClassifierEvaluator`).

    ``predict`` returns :class:`~mmwsol.structures.WSOLDataSample` items
    with (docs/conventions.md) ``pred_score`` (softmax),
    ``pred_label``, ``score_map`` = the CAM of class ``c``,

    .. math:: M_c = \frac{1}{D} \sum_d w_{c,d} A_d \quad (h \times w),

    as wsolevaluation's ``VggCam`` (channel mean, no ReLU, no fc bias; the
    metric min-max normalises), and ``pred_bboxes`` (``1 x 4``): the tight
    box of the cells above ``test_cfg['box_threshold']`` of the min-max
    normalised map (:func:`~mmwsol.structures.boxes_from_score_maps`,
    ``box_mode`` default ``'cover'``), clipped to ``img_shape``. ``c`` is
    the sample's ``gt_label`` when ``cam_class='gt'`` (the default, as
    wsolevaluation, which scores the GT class's map) and the sample has
    one, else the top-1 predicted class (:func:`map_classes`).

    Args:
        backbone (dict): mmpretrain backbone; its last output is used.
        neck (dict): must build ``GlobalAveragePooling``.
        head (dict): a head with a linear ``fc`` (``LinearClsHead``).
        extra_convs (Sequence[dict], optional): ``ConvModule`` kwargs.
        cam_class (str): ``'gt'`` or ``'pred'``.
        test_cfg (dict, optional): ``box_threshold`` (default 0.5),
            ``box_mode`` (default ``'cover'``).
        train_cfg, data_preprocessor, init_cfg: as ``ImageClassifier``.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 neck: dict = dict(type='GlobalAveragePooling'),
                 extra_convs: Optional[Sequence[dict]] = None,
                 cam_class: str = 'gt',
                 test_cfg: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            train_cfg=train_cfg,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.cam_class = check_choice('CAM: cam_class', cam_class,
                                      CAM_CLASSES)
        test_cfg = dict(test_cfg or {})
        self.box_threshold = float(test_cfg.pop('box_threshold', 0.5))
        self.box_mode = test_cfg.pop('box_mode', 'cover')
        if test_cfg:
            raise ValueError(f'CAM: unknown test_cfg keys {sorted(test_cfg)}'
                             "; supported: ['box_threshold', 'box_mode'].")
        check_choice('CAM: test_cfg.box_mode', self.box_mode, BOX_MODES)
        if not isinstance(self.neck, GlobalAveragePooling):
            raise TypeError(
                'CAM: the neck must be GlobalAveragePooling (the CAM is '
                'exact only for average pooling followed by a linear layer)'
                f', got {type(self.neck).__name__}.')
        if not isinstance(getattr(self.head, 'fc', None), nn.Linear):
            raise TypeError(
                'CAM: the head must have a linear `fc` (e.g. LinearClsHead) '
                f'whose weights weigh the feature maps; got '
                f'{type(self.head).__name__}.')
        self.extra_convs = nn.Sequential(*[
            ConvModule(**copy.deepcopy(dict(cfg))) for cfg in extra_convs or ()
        ])

    def feature_map(self, inputs: torch.Tensor) -> torch.Tensor:
        """The map ``A`` the CAM weighs: ``B x D x h x w``."""
        feats = self.backbone(inputs)
        if isinstance(feats, (tuple, list)):
            feats = feats[-1]
        if feats.dim() != 4:
            raise ValueError(
                'CAM: the backbone must output spatial features B x D x h x '
                f'w (no classifier inside it), got {tuple(feats.shape)}.')
        return self.extra_convs(feats)

    def extract_feat(self, inputs: torch.Tensor, stage: str = 'neck'):
        """mmpretrain's stages; ``'backbone'`` includes ``extra_convs``."""
        assert stage in ('backbone', 'neck', 'pre_logits'), \
            f'Invalid output stage "{stage}"'
        x = (self.feature_map(inputs), )
        if stage == 'backbone':
            return x
        x = self.neck(x)
        if stage == 'neck':
            return x
        return self.head.pre_logits(x)

    def class_activation_maps(self,
                              feats: torch.Tensor,
                              classes: torch.Tensor,
                              fc: Optional[nn.Linear] = None) -> torch.Tensor:
        """``M_c`` for one class per sample.

        Args:
            feats (Tensor): ``A``, ``B x D x h x w``.
            classes (Tensor): ``(B,)`` class indices.
            fc (nn.Linear, optional): the ``D -> C`` layer whose weights
                weigh ``A``; ``head.fc`` when None (a method with several
                classifiers, e.g. ACoL's two branches, passes each one's).

        Returns:
            Tensor: ``B x h x w``.
        """
        fc = self.head.fc if fc is None else fc
        weights = fc.weight[classes]  # B x D
        return (weights[:, :, None, None] * feats).mean(dim=1)

    def predict(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                **kwargs) -> List[WSOLDataSample]:
        """Scores, label, ``score_map`` (CAM) and ``pred_bboxes``."""
        feats = self.feature_map(inputs)
        logits = self.head((self.neck((feats, ))[-1], ))
        scores = torch.softmax(logits.detach().float(), dim=1)
        pred = scores.argmax(dim=1)
        if data_samples is None:
            data_samples = [WSOLDataSample() for _ in range(inputs.size(0))]
        classes = map_classes(data_samples, pred, self.cam_class)
        cams = self.class_activation_maps(feats, classes).detach().float()
        in_h, in_w = inputs.shape[-2:]
        boxes = boxes_from_score_maps(
            normalize_score_maps(cams)[0], self.box_threshold, (in_h, in_w),
            self.box_mode)
        return set_localization_predictions(data_samples, scores, pred, cams,
                                            boxes, (in_h, in_w))
