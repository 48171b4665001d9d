"""SPG's self-produced guidance: seed masks from a localization map."""
from typing import Optional

import torch

#: the value of a seed pixel that is neither foreground nor background
#: (ignored by :class:`~mmwsol.models.losses.SeedBCELoss`).
SPG_IGNORE = 255


def spg_guidance_masks(maps: torch.Tensor,
                       high: float,
                       low: float,
                       min_fg_pixels: int = 30,
                       fallback_ratio: float = 0.7,
                       valid: Optional[torch.Tensor] = None) -> torch.Tensor:
    r"""Seed masks of SPG (Zhang et al., ECCV 2018) from maps in [0, 1].

    wsolevaluation's ``spg.get_mask`` (and the SPG release's
    ``get_mask``), vectorised over the batch: pixel ``p`` of map ``M`` is

    - foreground (1) where :math:`M_p > \delta_h`; when fewer than
      ``min_fg_pixels`` pixels of a map pass, its threshold becomes
      ``fallback_ratio * max(M)`` instead (``mask_fg``);
    - background (0) where :math:`M_p < \delta_l` (applied after the
      foreground, so it wins where both hold: ``mask_bg``);
    - ignored (:data:`SPG_IGNORE`, 255) elsewhere.

    Args:
        maps (Tensor): ``B x H x W`` maps (a min-max normalised attention
            map, or sigmoid probabilities of a branch).
        high (float): :math:`\delta_h`.
        low (float): :math:`\delta_l`.
        min_fg_pixels (int): below this foreground count the fallback
            threshold applies (wsolevaluation: 30, at 224 x 224).
        fallback_ratio (float): the fallback threshold's fraction of the
            map's maximum (0.7).
        valid (Tensor, optional): ``(B,)`` bool; maps marked False (e.g.
            constant attention maps, which wsolevaluation turns into NaN
            and so ignores entirely) are all ignored.

    Returns:
        Tensor: ``B x H x W`` seeds in ``{0., 1., 255.}``, dtype of
        ``maps``, no gradient.
    """
    if maps.dim() != 3:
        raise ValueError('spg_guidance_masks: maps must be B x H x W, got '
                         f'{tuple(maps.shape)}.')
    maps = maps.detach()
    flat = maps.flatten(1)
    count = (flat > high).sum(dim=1)
    threshold = torch.where(count < min_fg_pixels,
                            fallback_ratio * flat.amax(dim=1),
                            torch.full_like(flat[:, 0], high))
    seeds = torch.full_like(maps, float(SPG_IGNORE))
    seeds[maps > threshold[:, None, None]] = 1.
    seeds[maps < low] = 0.
    if valid is not None:
        seeds[~valid.to(torch.bool)] = float(SPG_IGNORE)
    return seeds
