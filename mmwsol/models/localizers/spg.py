"""SPG (Zhang et al., "Self-produced Guidance for Weakly-supervised Object
Localization", ECCV 2018), as wsolevaluation's ``wsol/method/spg.py``."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import initialize
from mmpretrain.structures import DataSample

from mmwsol.registry import MODELS
from mmwsol.structures import normalize_score_maps, upsample_score_maps
from ..utils.spg_guidance import spg_guidance_masks
from .cam import CAM

#: wsolevaluation's defaults (config.py, ``spg_threshold_{1,2,3}{h,l}``):
#: ``(delta_h, delta_l)`` of the seeds of SPG-B2 (from the attention map),
#: SPG-B1 (from SPG-B2's map) and SPG-C (from the fused B1/B2 map).
SPG_THRESHOLDS = ((0.7, 0.01), (0.5, 0.05), (0.7, 0.1))


def _gt_labels(data_samples: List[DataSample]) -> torch.Tensor:
    """``(B,)`` long labels, one per sample."""
    bad = [
        i for i, s in enumerate(data_samples)
        if 'gt_label' not in s or s.gt_label.numel() != 1
    ]
    if bad:
        raise ValueError(
            'SPG: the data samples at batch positions '
            f'{bad[:5]} have no single gt_label; the attention map that '
            'guides SPG-B is the map of the image label (PackWSOLInputs '
            'sets it from the dataset record).')
    return torch.cat([s.gt_label.reshape(-1) for s in data_samples]).long()


@MODELS.register_module()
class SPG(CAM):
    r"""CAM trained with SPG's self-produced guidance.

    Classification path (SPG-A) as :class:`CAM`: backbone (its last output)
    -> ``extra_convs`` -> ``A`` (``B x D x h x w``) -> GAP -> ``fc``, with
    ``M_c = mean_d w_{c,d} A_d``. wsolevaluation's SPG-A ends in a 1x1
    conv ``D -> C`` then GAP, i.e. ``GAP(A) @ W^T + b``: the same logits as
    GAP + ``fc``, and its class map ``sum_d w_{c,d} A_d + b_c`` is an
    affine function of ``M_c``, so both give the same min-max normalised
    attention, seeds and score maps.

    Auxiliary branches (:class:`~mmwsol.models.heads.SPGHead`): the
    backbone outputs ``branch_inputs[0]`` and ``branch_inputs[1]`` (its
    intermediate stages, from ``out_indices``) feed SPG-B1 and SPG-B2; ``A``
    feeds SPG-C. Training (``mode='loss'``), all maps upsampled bilinearly
    to the input ``H x W`` (wsolevaluation's fixed 224 x 224):

    - attention ``M = minmax(up(M_y))`` of the label ``y`` (no gradient);
    - ``loss_spg_b2 = BCE(up(z_B2), seeds(M; delta_1h, delta_1l))``;
    - ``loss_spg_b1 = BCE(up(z_B1), seeds(sigma(up(z_B2)); delta_2h,
      delta_2l))``;
    - ``loss_spg_c = BCE(up(z_C), seeds((sigma(up(z_B1)) +
      sigma(up(z_B2))) / 2; delta_3h, delta_3l))`` (fused, detached);

    with seeds from :func:`~mmwsol.models.utils.spg_guidance_masks` (1 above
    ``delta_h``, 0 below ``delta_l``, 255 ignored) and the BCE of
    ``seed_loss`` (:class:`~mmwsol.models.losses.SeedBCELoss`, mean over
    the batch's non-ignored pixels). Total loss: the head's cross-entropy
    (``loss``) + the three terms (mmengine sums every ``loss*`` key).
    Constant attention maps (no min-max range) give all-ignored seeds.

    ``predict`` is :class:`CAM`'s (the map of the ground-truth class when
    known: wsolevaluation's ``feat_map[range(B), labels]``); the SPG
    branches are used only in training.

    Args:
        backbone (dict): mmpretrain backbone whose ``out_indices`` give the
            branch inputs and, last, the classifier's features (VGG16:
            ``(3, 4)``, conv4_3 after pool4 and conv5_3).
        head (dict): ``LinearClsHead`` (its loss: cross-entropy).
        spg_head (dict): :class:`SPGHead` config.
        neck, extra_convs, cam_class, test_cfg: as :class:`CAM`.
        branch_inputs (tuple[int, int]): positions in the backbone's output
            tuple of SPG-B1's and SPG-B2's inputs. Defaults to ``(0, 1)``.
        spg_thresholds (sequence): ``((d1h, d1l), (d2h, d2l), (d3h,
            d3l))``. Defaults to wsolevaluation's :data:`SPG_THRESHOLDS`.
        min_fg_pixels (int): foreground count below which a seed's
            threshold falls back to ``fallback_ratio * max``. Defaults to 30.
        fallback_ratio (float): Defaults to 0.7.
        seed_loss (dict): the pixel-wise loss of the three branches.
        backbone_last_max_pool (dict, optional): ``nn.MaxPool2d`` kwargs
            for a pooling that replaces the backbone's last ``nn.MaxPool2d``
            (parameter-free; the weights load unchanged): VggSpg pools
            conv4_3 with ``max_pool2d(3, 2, 1)`` where VGG16 has its 2x2
            pool4. None keeps the backbone's.
        extra_convs_init_cfg (dict, optional): re-initialises
            ``extra_convs`` after the default init (wsolevaluation inits
            VGG16-SPG's new conv layers Xavier-uniform, while ``ConvModule``
            inits He); None keeps ``ConvModule``'s.
        train_cfg, data_preprocessor, init_cfg: as ``ImageClassifier``.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 spg_head: dict,
                 neck: dict = dict(type='GlobalAveragePooling'),
                 extra_convs: Optional[Sequence[dict]] = None,
                 branch_inputs: Tuple[int, int] = (0, 1),
                 spg_thresholds: Sequence[Sequence[float]] = SPG_THRESHOLDS,
                 min_fg_pixels: int = 30,
                 fallback_ratio: float = 0.7,
                 seed_loss: dict = dict(type='SeedBCELoss'),
                 backbone_last_max_pool: Optional[dict] = None,
                 extra_convs_init_cfg: Optional[dict] = None,
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
        self.spg_head = MODELS.build(spg_head)
        self.seed_loss = MODELS.build(seed_loss)
        self.extra_convs_init_cfg = extra_convs_init_cfg
        if backbone_last_max_pool is not None:
            self._replace_last_max_pool(dict(backbone_last_max_pool))
        self.branch_inputs = tuple(int(i) for i in branch_inputs)
        out_indices = getattr(self.backbone, 'out_indices', None)
        num_outs = len(out_indices) if out_indices is not None else None
        if len(self.branch_inputs) != 2 or (
                num_outs is not None and
                not all(-num_outs <= i < num_outs
                        for i in self.branch_inputs)):
            raise ValueError(
                f'SPG: branch_inputs={branch_inputs} must be two positions '
                'in the backbone output tuple (out_indices='
                f'{out_indices}); give the backbone out_indices with the '
                'intermediate stages SPG-B1 and SPG-B2 read, e.g. VGG16 '
                '(3, 4) with branch_inputs=(0, 1).')
        pairs = [tuple(float(t) for t in p) for p in spg_thresholds]
        if len(pairs) != 3 or any(
                len(p) != 2 or not 0 <= p[1] <= p[0] <= 1 for p in pairs):
            raise ValueError(
                'SPG: spg_thresholds must be three (delta_h, delta_l) pairs '
                f'with 0 <= delta_l <= delta_h <= 1, got {spg_thresholds}.')
        self.spg_thresholds = tuple(pairs)
        self.min_fg_pixels = int(min_fg_pixels)
        self.fallback_ratio = float(fallback_ratio)

    def _replace_last_max_pool(self, kwargs: dict) -> None:
        pools = [
            name for name, m in self.backbone.named_modules()
            if isinstance(m, nn.MaxPool2d)
        ]
        if not pools:
            raise ValueError(
                'SPG: backbone_last_max_pool is set but the backbone '
                f'{type(self.backbone).__name__} has no nn.MaxPool2d.')
        parent_name, _, child = pools[-1].rpartition('.')
        parent = self.backbone.get_submodule(parent_name)
        setattr(parent, child, nn.MaxPool2d(**kwargs))

    def init_weights(self) -> None:
        super().init_weights()
        if self.extra_convs_init_cfg and len(self.extra_convs):
            initialize(self.extra_convs, self.extra_convs_init_cfg)

    def _seeds(self, maps: torch.Tensor, pair: Tuple[float, float],
               valid: Optional[torch.Tensor] = None) -> torch.Tensor:
        return spg_guidance_masks(maps, pair[0], pair[1], self.min_fg_pixels,
                                  self.fallback_ratio, valid)

    def spg_losses(self, feats: torch.Tensor, labels: torch.Tensor,
                   logits_b1: torch.Tensor, logits_b2: torch.Tensor,
                   logits_c: torch.Tensor,
                   input_size: Tuple[int, int]) -> Dict[str, torch.Tensor]:
        """The three guidance losses.

        Args:
            feats (Tensor): ``A``, ``B x D x h x w``.
            labels (Tensor): ``(B,)`` image labels.
            logits_b1, logits_b2, logits_c (Tensor): ``B x 1 x h_i x w_i``
                logits of SPG-B1, SPG-B2 and SPG-C.
            input_size (tuple[int, int]): ``(H, W)`` the maps are
                upsampled to.

        Returns:
            dict[str, Tensor]: ``loss_spg_b2``, ``loss_spg_b1``,
            ``loss_spg_c``.
        """
        (pair_b2, pair_b1, pair_c) = self.spg_thresholds
        with torch.no_grad():
            cams = self.class_activation_maps(feats.detach(), labels)
            attention, constant = normalize_score_maps(
                upsample_score_maps(cams.float(), input_size, 'bilinear'))
            attention = attention.to(cams.device)
            prob_b1, prob_b2 = (torch.sigmoid(
                upsample_score_maps(z[:, 0].detach().float(), input_size,
                                    'bilinear'))
                                for z in (logits_b1, logits_b2))
            seeds_b2 = self._seeds(attention, pair_b2,
                                   ~constant.to(cams.device))
            seeds_b1 = self._seeds(prob_b2, pair_b1)
            seeds_c = self._seeds((prob_b1 + prob_b2) / 2., pair_c)
        return dict(
            loss_spg_b2=self.seed_loss(logits_b2, seeds_b2),
            loss_spg_b1=self.seed_loss(logits_b1, seeds_b1),
            loss_spg_c=self.seed_loss(logits_c, seeds_c))

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """Cross-entropy of SPG-A plus the SPG guidance losses."""
        outs = self.backbone(inputs)
        if not isinstance(outs, (tuple, list)) or len(outs) < 2:
            raise ValueError(
                'SPG: the backbone must return its intermediate stages too '
                '(out_indices with at least two stages), got '
                f'{type(outs).__name__} of length '
                f'{len(outs) if isinstance(outs, (tuple, list)) else 1}.')
        labels = _gt_labels(data_samples).to(inputs.device)
        feats = self.extra_convs(outs[-1])
        losses = self.head.loss(self.neck((feats, )), data_samples)
        logits_b1, logits_b2, logits_c = self.spg_head(
            outs[self.branch_inputs[0]], outs[self.branch_inputs[1]], feats)
        losses.update(
            self.spg_losses(feats, labels, logits_b1, logits_b2, logits_c,
                            tuple(inputs.shape[-2:])))
        return losses
