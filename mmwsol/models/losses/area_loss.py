"""Area loss ``L_area`` of LowCAM (ORNet, ICCV 2021, stage 2)."""
import torch
import torch.nn as nn

from mmwsol.registry import MODELS


@MODELS.register_module()
class AreaLoss(nn.Module):
    r"""Area of ``p^a`` plus the activation of confusable classes in ``f^a``.

    .. math::

        L_{area} = \frac{1}{BHW} \sum_{b,h,w} p^a[b, 0, h, w]
            + \frac{1}{BHW} \sum_{j=\mathrm{skip}}^{\mathrm{topk}-1}
              \sum_{b,h,w} f^a[b, c_j(b), h, w]

    where :math:`c_j(b)` is the class ranked ``j`` (0-based, descending) in
    the softmax of the evaluator's logits for sample ``b``. The ``skip``
    best-ranked classes (3 in the release: ranks 0, 1, 2) are exempt; ranks
    ``skip .. topk-1`` are pushed down; classes ranked ``topk`` or later do
    not enter. The returned value is ``loss_weight * L_area`` (the paper's
    weight 0.02 by default).

    The class ranking is not differentiable; gradients flow into ``p`` and
    ``features`` only. Computed with one ``topk`` and one ``gather`` over
    the per-class spatial sums (no loop over ranks or samples).

    Args:
        topk (int): number of ranked classes considered (25 in the release);
            0 (or ``topk <= skip``) keeps the area term only. Must not exceed
            the number of classes ``C``.
        skip (int): number of best-ranked classes exempt. Defaults to 3.
        loss_weight (float): factor applied to the value. Defaults to 0.02.
    """

    def __init__(self,
                 topk: int = 25,
                 skip: int = 3,
                 loss_weight: float = 0.02) -> None:
        super().__init__()
        if not (isinstance(topk, int) and topk >= 0):
            raise ValueError(
                f'AreaLoss: topk must be an int >= 0, got {topk!r}.')
        if not (isinstance(skip, int) and skip >= 0):
            raise ValueError(
                f'AreaLoss: skip must be an int >= 0, got {skip!r}.')
        self.topk = topk
        self.skip = skip
        self.loss_weight = float(loss_weight)

    def _check(self, p, logits, features):
        for name, value in (('p', p), ('logits', logits),
                            ('features', features)):
            if not isinstance(value, torch.Tensor):
                raise TypeError(f'AreaLoss: argument `{name}` must be a '
                                f'Tensor, got {type(value)}.')
        if p.dim() != 4 or p.size(1) != 1:
            raise ValueError('AreaLoss: argument `p` (the map p^a) must be '
                             f'B x 1 x H x W, got {tuple(p.shape)}.')
        if logits.dim() != 2:
            raise ValueError('AreaLoss: argument `logits` (the evaluator '
                             f'output) must be B x C, got '
                             f'{tuple(logits.shape)}.')
        if features.dim() != 4:
            raise ValueError('AreaLoss: argument `features` (f^a) must be '
                             f'B x C x H x W, got {tuple(features.shape)}.')
        batch, _, height, width = p.shape
        num_classes = logits.size(1)
        expected = (batch, num_classes, height, width)
        if logits.size(0) != batch or tuple(features.shape) != expected:
            raise ValueError(
                'AreaLoss: shapes disagree: p is '
                f'{tuple(p.shape)}, logits {tuple(logits.shape)}, features '
                f'{tuple(features.shape)}; features must be B x C x H x W '
                f'= {expected} (B, H, W of p, C of logits).')
        if self.topk > num_classes:
            raise ValueError(
                f'AreaLoss: topk={self.topk} exceeds the number of classes '
                f'C={num_classes} of `logits`.')

    def forward(self, p: torch.Tensor, logits: torch.Tensor,
                features: torch.Tensor) -> torch.Tensor:
        """Compute ``loss_weight * L_area``.

        Args:
            p (Tensor): the activation map ``p^a``, ``B x 1 x H x W``.
            logits (Tensor): the evaluator's logits ``F^e(.)``, ``B x C``.
            features (Tensor): the generator output ``f^a``,
                ``B x C x H x W`` (same ``H x W`` as ``p``).

        Returns:
            Tensor: a scalar.
        """
        self._check(p, logits, features)
        batch, _, height, width = p.shape
        norm = batch * height * width
        loss = p.sum() / norm
        if self.topk > self.skip:
            with torch.no_grad():
                ranked = torch.softmax(logits.detach(), dim=1).topk(
                    self.topk, dim=1).indices[:, self.skip:]  # B x (topk-skip)
            per_class = features.sum(dim=(2, 3))  # B x C
            loss = loss + per_class.gather(1, ranked).sum() / norm
        return self.loss_weight * loss

    def extra_repr(self) -> str:
        return (f'topk={self.topk}, skip={self.skip}, '
                f'loss_weight={self.loss_weight}')
