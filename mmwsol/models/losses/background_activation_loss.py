"""Background activation loss ``L_BAS`` of BAS (Wu et al., CVPR 2022)."""
import torch
import torch.nn as nn

from mmwsol.registry import MODELS


@MODELS.register_module()
class BackgroundActivationLoss(nn.Module):
    r"""Ratio of the background activation to the whole-map activation.

    .. math::

        L_{BAS} = \frac{1}{B} \sum_b r_b, \qquad
        r_b = \begin{cases}
            S^{bg}_b / (\mathrm{sg}(S_b) + \epsilon) & S^{bg}_b < S_b \\
            0 & \text{otherwise}
        \end{cases}

    where ``S_b`` is the ground-truth class's activation (its pooled class
    map, i.e. its logit) on the whole feature map, ``S^bg_b`` the same on the
    background-masked features (``(1 - M)`` times the features), ``sg`` the
    stop-gradient and :math:`\epsilon = 10^{-8}`: the BAS release's
    ``bas_loss`` (``x_sum.detach()``, ``res[x_res >= x_sum] = 0``). Only
    ``S^bg`` carries a gradient. The activations are meant to be
    non-negative (the release's class maps end in a ReLU); the value is
    ``loss_weight * L_BAS``.

    Args:
        eps (float): :math:`\epsilon`. Defaults to 1e-8.
        loss_weight (float): factor applied to the value. Defaults to 1.
    """

    def __init__(self, eps: float = 1e-8, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.eps = float(eps)
        self.loss_weight = float(loss_weight)

    def forward(self, s_bg: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        """Compute ``loss_weight * L_BAS``.

        Args:
            s_bg (Tensor): ``S^bg``, ``(B,)``.
            s (Tensor): ``S``, ``(B,)`` (detached here).

        Returns:
            Tensor: a scalar.
        """
        for name, value in (('s_bg', s_bg), ('s', s)):
            if not (isinstance(value, torch.Tensor) and value.dim() == 1):
                shape = tuple(value.shape) if isinstance(
                    value, torch.Tensor) else type(value)
                raise ValueError(
                    f'BackgroundActivationLoss: `{name}` must be a (B,) '
                    f'tensor of per-sample activations, got {shape}.')
        if s_bg.shape != s.shape:
            raise ValueError(
                'BackgroundActivationLoss: s_bg and s differ in shape: '
                f'{tuple(s_bg.shape)} vs {tuple(s.shape)}.')
        s = s.detach()
        ratio = s_bg / (s + self.eps)
        ratio = torch.where(s_bg >= s, torch.zeros_like(ratio), ratio)
        return self.loss_weight * ratio.mean()

    def extra_repr(self) -> str:
        return f'eps={self.eps}, loss_weight={self.loss_weight}'
