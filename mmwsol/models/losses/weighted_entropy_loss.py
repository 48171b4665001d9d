"""Weighted entropy loss ``L_we`` of LowCAM (ORNet, ICCV 2021, stage 2)."""
import torch
import torch.nn as nn

from mmwsol.registry import MODELS

#: float32 machine epsilon, the release's ``eps`` whatever the input dtype.
FLOAT32_EPS = torch.finfo(torch.float32).eps


@MODELS.register_module()
class WeightedEntropyLoss(nn.Module):
    r"""Gaussian-weighted binary entropy of the activation map ``p^a``.

    Pushes every pixel of ``p^a`` away from the undecided value ``mu``:

    .. math::

        L_{we} = -\frac{1}{BHW} \sum_{b,h,w}
            \big[p \log(p + \epsilon) + (1 - p) \log(1 - p + \epsilon)\big]
            \, g(p), \qquad
        g(p) = \exp\!\Big(-\frac{(p - \mu)^2}{2 \sigma^2}\Big) + \beta

    with :math:`\epsilon` the float32 machine epsilon. ``g`` is part of the
    graph (not detached), as in the authors' release. The returned value is
    ``loss_weight * L_we`` (the paper's weight 1.5 by default).

    The value and the gradient are finite for ``p`` exactly 0 or 1 (the
    ``eps`` keeps both logarithms finite). Values of ``p`` outside [0, 1]
    are not checked (that would need a device-to-host copy); they give NaN.

    Args:
        mu (float): centre :math:`\mu` of the weight ``g``. Defaults to 0.5.
        sigma (float): width :math:`\sigma` of ``g``, > 0. Defaults to 0.1.
        beta (float): offset :math:`\beta` of ``g``. Defaults to 0.
        loss_weight (float): factor applied to the value. Defaults to 1.5.
    """

    def __init__(self,
                 mu: float = 0.5,
                 sigma: float = 0.1,
                 beta: float = 0.0,
                 loss_weight: float = 1.5) -> None:
        super().__init__()
        if not sigma > 0:
            raise ValueError(
                f'WeightedEntropyLoss: sigma must be > 0, got {sigma!r}.')
        self.mu = float(mu)
        self.sigma = float(sigma)
        self.beta = float(beta)
        self.loss_weight = float(loss_weight)

    def weight(self, p: torch.Tensor) -> torch.Tensor:
        """The weight ``g(p)``, same shape as ``p``."""
        return torch.exp(-(p - self.mu)**2 /
                         (2 * self.sigma**2)) + self.beta

    def forward(self, p: torch.Tensor) -> torch.Tensor:
        """Compute ``loss_weight * L_we``.

        Args:
            p (Tensor): the activation map ``p^a``, ``B x 1 x H x W``, values
                in [0, 1]. Half precision is computed in float32.

        Returns:
            Tensor: a scalar.
        """
        if not (isinstance(p, torch.Tensor) and p.dim() == 4
                and p.size(1) == 1):
            shape = tuple(p.shape) if isinstance(p, torch.Tensor) else type(p)
            raise ValueError('WeightedEntropyLoss: argument `p` must be the '
                             f'map p^a of shape B x 1 x H x W, got {shape}.')
        if p.dtype in (torch.float16, torch.bfloat16):
            p = p.float()
        batch, _, height, width = p.shape
        neg_entropy = (p * torch.log(p + FLOAT32_EPS) +
                       (1 - p) * torch.log(1 - p + FLOAT32_EPS))
        value = -(neg_entropy * self.weight(p)).sum() / (
            batch * height * width)
        return self.loss_weight * value

    def extra_repr(self) -> str:
        return (f'mu={self.mu}, sigma={self.sigma}, beta={self.beta}, '
                f'loss_weight={self.loss_weight}')
