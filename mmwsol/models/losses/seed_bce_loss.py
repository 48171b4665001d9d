"""Pixel-wise BCE against seed masks with ignored pixels (SPG's
``loss_attention``)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmwsol.registry import MODELS
from mmwsol.structures import upsample_score_maps
from ..utils.spg_guidance import SPG_IGNORE


@MODELS.register_module()
class SeedBCELoss(nn.Module):
    r"""Binary cross-entropy of one-channel logits against seed masks.

    wsolevaluation's ``spg._get_loss_attention``: the logits ``z``
    (``B x 1 x h x w``) are bilinearly upsampled to the seeds' size
    ``H x W`` (``align_corners=False``, as ``nn.Upsample``), and

    .. math:: L = \frac{1}{|P|} \sum_{p \in P}
        \mathrm{BCE}(\sigma(z_p), s_p), \quad
        P = \{p : s_p \neq 255\}

    over the pixels of the whole batch whose seed ``s_p`` is 0 or 1
    (``BCEWithLogitsLoss`` on the selected pixels). With no such pixel the
    loss is 0 (wsolevaluation's would be NaN), still attached to the graph.
    The value returned is ``loss_weight * L``.

    Args:
        ignore_index (int): the seed value to ignore. Defaults to 255.
        loss_weight (float): factor applied to the value. Defaults to 1.
    """

    def __init__(self,
                 ignore_index: int = SPG_IGNORE,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.ignore_index = ignore_index
        self.loss_weight = float(loss_weight)

    def forward(self, logits: torch.Tensor,
                seeds: torch.Tensor) -> torch.Tensor:
        """
        Args:
            logits (Tensor): ``B x 1 x h x w`` (or ``B x h x w``).
            seeds (Tensor): ``B x H x W`` in ``{0, 1, ignore_index}``.

        Returns:
            Tensor: the scalar loss.
        """
        if logits.dim() == 4:
            if logits.size(1) != 1:
                raise ValueError('SeedBCELoss: logits must have one channel,'
                                 f' got {tuple(logits.shape)}.')
            logits = logits[:, 0]
        if logits.dim() != 3 or seeds.dim() != 3 or \
                logits.size(0) != seeds.size(0):
            raise ValueError(
                'SeedBCELoss: expected logits B x 1 x h x w and seeds B x H '
                f'x W, got {tuple(logits.shape)} and {tuple(seeds.shape)}.')
        logits = upsample_score_maps(logits, seeds.shape[-2:], 'bilinear')
        valid = seeds != self.ignore_index
        target = torch.where(valid, seeds, torch.zeros_like(seeds))
        per_pixel = F.binary_cross_entropy_with_logits(
            logits, target.to(logits.dtype), reduction='none')
        total = (per_pixel * valid).sum()
        loss = total / valid.sum().clamp(min=1)
        return self.loss_weight * loss
