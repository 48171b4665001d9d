"""ACoL's adversarial erasing (Zhang et al., CVPR 2018): branch A's most
discriminative positions are hidden from branch B."""
from typing import Tuple

import torch


def adversarial_erasing(
        feats: torch.Tensor, attention: torch.Tensor,
        threshold: float) -> Tuple[torch.Tensor, torch.Tensor]:
    r"""Zero the shared features where branch A's normalised map is high.

    ACoL's erasing step: with ``M^A`` branch A's localization map of the
    target class, min-max normalised per sample to [0, 1] (``attention``),
    the positions ``R = {(i, j) : M^A_{ij} >= \delta}`` are set to 0 in
    every channel of the feature map that branch B classifies:

    .. math:: \tilde S_{d,ij} = S_{d,ij} \cdot [M^A_{ij} < \delta].

    wsolevaluation's ``_erase_attention`` (``torch.ge`` against the
    threshold, the mask carries no gradient; ``S`` keeps its gradient, so
    branch B's loss trains the shared backbone through the kept positions).
    A map holding NaN (wsolevaluation's normalisation of a constant map)
    erases nothing, as there.

    Args:
        feats (Tensor): ``S``, the shared feature map, ``B x D x h x w``.
        attention (Tensor): ``M^A`` normalised to [0, 1], ``B x h x w``.
        threshold (float): ``\delta``, the erasing threshold.

    Returns:
        tuple[Tensor, Tensor]: the erased features ``\tilde S``
        (``B x D x h x w``, ``feats``' dtype) and the erased region ``R``
        (``B x h x w`` bool).
    """
    if feats.dim() != 4 or attention.shape != (feats.shape[0],
                                               *feats.shape[2:]):
        raise ValueError(
            'adversarial_erasing: need feats B x D x h x w and attention '
            f'B x h x w of the same B, h, w; got {tuple(feats.shape)} and '
            f'{tuple(attention.shape)}.')
    erased = attention.detach() >= threshold  # B x h x w
    keep = (~erased).to(feats.dtype)[:, None]  # B x 1 x h x w
    return feats * keep, erased
