"""Attentive erasing of LowCAM's activation map (ORNet, ICCV 2021, stage 2)."""
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn

from mmwsol.registry import MODELS
from mmwsol.structures import hit_extents


@MODELS.register_module()
class AttentiveErasing(nn.Module):
    r"""Random erasing inside the most activated region of ``p^a``.

    Turns the activation map ``p^a`` (``B x 1 x H x W``, in [0, 1]) into the
    erased map ``p~`` that masks the evaluator's input in stage 2.

    **Training mode** (``module.training`` True), per batch:

    1. ``factor ~ U(min_factor, max_factor)``, one draw for the batch.
    2. Each sample is *selected* with probability ``prob``. For a selected
       sample: centre ``(cy, cx)`` = argmax of ``p^a`` (first maximum in
       row-major order); ``threshold = max - (max - min) * factor``;
       ``S`` = pixels with ``p^a > threshold``; ``height(S) = maxy - miny``
       and ``width(S) = maxx - minx`` over the pixels of ``S``;
       ``h ~ randint(min_height, height(S) // 2)``,
       ``w ~ randint(min_width, width(S) // 2)`` (upper bound exclusive);
       region ``R`` = pixels of ``S`` strictly inside ``centre +- (h, w)``.
    3. For every sample: ``x' = scale * p^a + shift`` (0.6, 0.2) and noise
       ``N`` = 1 outside ``R``, ``N ~ Bernoulli(1 - x')`` inside ``R``, so a
       pixel of ``R`` is *dropped* (``N = 0``) with probability ``x'``.
       Output ``p~ = x' * N``; ``N`` carries no gradient, so
       ``d p~ / d p^a = scale * N`` (the release's custom dropout backward,
       ``grad * N``, followed by the affine map).

    **Eval mode**: returns ``x' = scale * p^a + shift`` with no erasing and
    no random draw, like the release's module (its dropout is the identity
    when not training). Note that the release's ``FineModel`` does not call
    the module at all outside training and masks the image with ``p^a``
    itself; a LowCAM model that wants the release's test-time behaviour
    must bypass this module in eval, not rely on its eval output.

    **Skipped samples.** The release wraps step 2 in a bare ``try/except``
    and silently leaves a selected sample unerased when ``S`` is empty
    (``factor`` 0, a constant or NaN map), when ``randint``'s range is empty
    (``height(S) // 2 <= min_height`` or ``width(S) // 2 <= min_width``),
    or, with ``release_quirks``, when ``R`` has exactly one pixel (its
    ``squeeze()`` makes a 1-D index that raises). Here such a sample gets
    no region (``N = 1`` everywhere, ``p~ = x'``) and is counted in the
    non-persistent buffer ``num_skipped``; ``num_selected`` counts the
    selected samples. Both are cumulative ``int64`` scalars on the module's
    device (reset with :meth:`reset_counts`); read them for logging. Under
    DDP with ``broadcast_buffers`` they hold rank 0's counts.

    **Release quirks** (``release_quirks=True``, the default, reproduces
    them; ``False`` gives the plain window ``|r - cy| < h, |c - cx| < w``):

    - the window's start is clamped to 0 *before* the strict test
      ``r > start``, so row 0 and column 0 are never erased (the release's
      ``proposals[:, 0] * proposals[:, 1] > 0`` test drops them as well);
    - the window's row end is clamped to the map *width* (``x.size(3)``),
      which matters only for maps taller than wide;
    - a region of exactly one pixel is not erased (counted as skipped).

    The random stream differs from the release's (which mixes NumPy and
    torch generators and runs a per-sample loop); only the distribution is
    the same. All draws come from ``generator`` when given (it must live on
    the input's device), else from torch's default generator of the
    input's device, which ``torch.manual_seed`` (mmengine's
    ``randomness=dict(seed=...)``) seeds. The whole computation is batched
    on the input's device: no per-sample loop and no device-to-host copy.
    ``h = min_height + floor(u * (height(S) // 2 - min_height))`` with
    ``u ~ U[0, 1)`` per sample realises the randint (likewise ``w``).

    Args:
        prob (float): probability ``p`` that a sample is selected for
            erasing. Defaults to 0.5.
        min_factor (float): lower bound of ``factor``. Defaults to 0.
        max_factor (float): upper bound of ``factor``. Defaults to 0.5.
        min_height (int): smallest half-height ``h``. Defaults to 4.
        min_width (int): smallest half-width ``w``. Defaults to 4.
        scale (float): slope of ``x' = scale * p^a + shift``. Defaults to 0.6.
        shift (float): offset of ``x'``. Defaults to 0.2.
        release_quirks (bool): reproduce the release's quirks listed above.
            Defaults to True.
    """

    def __init__(self,
                 prob: float = 0.5,
                 min_factor: float = 0.0,
                 max_factor: float = 0.5,
                 min_height: int = 4,
                 min_width: int = 4,
                 scale: float = 0.6,
                 shift: float = 0.2,
                 release_quirks: bool = True) -> None:
        super().__init__()
        if not 0.0 <= prob <= 1.0:
            raise ValueError(
                f'AttentiveErasing: prob must be in [0, 1], got {prob!r}.')
        if not 0.0 <= min_factor <= max_factor <= 1.0:
            raise ValueError(
                'AttentiveErasing: need 0 <= min_factor <= max_factor <= 1, '
                f'got min_factor={min_factor!r}, max_factor={max_factor!r}.')
        for name, value in (('min_height', min_height), ('min_width',
                                                         min_width)):
            if not (isinstance(value, int) and value >= 0):
                raise ValueError(f'AttentiveErasing: {name} must be an int '
                                 f'>= 0, got {value!r}.')
        self.prob = float(prob)
        self.min_factor = float(min_factor)
        self.max_factor = float(max_factor)
        self.min_height = min_height
        self.min_width = min_width
        self.scale = float(scale)
        self.shift = float(shift)
        self.release_quirks = bool(release_quirks)
        self.register_buffer(
            'num_selected', torch.zeros((), dtype=torch.long),
            persistent=False)
        self.register_buffer(
            'num_skipped', torch.zeros((), dtype=torch.long),
            persistent=False)

    def reset_counts(self) -> None:
        """Set ``num_selected`` and ``num_skipped`` to 0."""
        self.num_selected.zero_()
        self.num_skipped.zero_()

    @staticmethod
    def _check(p_a):
        if not (isinstance(p_a, torch.Tensor) and p_a.dim() == 4
                and p_a.size(1) == 1 and p_a.is_floating_point()):
            desc = (f'{tuple(p_a.shape)} {p_a.dtype}' if isinstance(
                p_a, torch.Tensor) else type(p_a))
            raise ValueError('AttentiveErasing: argument `p_a` must be a '
                             'floating B x 1 x H x W map, got '
                             f'{desc}.')

    def region_from_draws(
            self, p_a: torch.Tensor, factor: torch.Tensor,
            selected: torch.Tensor, u_h: torch.Tensor,
            u_w: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """The region ``R`` for given random draws (deterministic part).

        Args:
            p_a (Tensor): ``B x 1 x H x W`` map (no gradient needed).
            factor (Tensor | float): scalar or ``(B,)``, the threshold
                factor.
            selected (Tensor): ``(B,)`` bool, samples chosen for erasing.
            u_h, u_w (Tensor): ``(B,)`` floats in [0, 1) that pick ``h``
                and ``w`` in their ranges.

        Returns:
            tuple[Tensor, Tensor]: ``region`` (``B x 1 x H x W`` bool, the
            pixels of ``R``) and ``skipped`` (``(B,)`` bool, selected samples
            the release would leave unerased through its ``except``).
        """
        self._check(p_a)
        batch, _, height, width = p_a.shape
        device = p_a.device
        amap = p_a.detach()[:, 0]  # B x H x W
        flat = amap.reshape(batch, -1)
        max_val, arg_max = flat.max(dim=1)
        min_val = flat.min(dim=1).values
        centre_y = torch.div(arg_max, width, rounding_mode='floor')
        centre_x = arg_max - centre_y * width
        factor = torch.as_tensor(factor, device=device).to(amap.dtype)
        threshold = max_val - (max_val - min_val) * factor
        in_s = amap > threshold[:, None, None]  # S, B x H x W

        rows = torch.arange(height, device=device)
        cols = torch.arange(width, device=device)
        non_empty, min_x, min_y, max_x, max_y = hit_extents(in_s)
        # randint(low, high) upper bounds (exclusive)
        high_h = torch.div(max_y - min_y, 2, rounding_mode='floor')
        high_w = torch.div(max_x - min_x, 2, rounding_mode='floor')
        span_h = high_h - self.min_height
        span_w = high_w - self.min_width
        valid = selected.to(torch.bool) & non_empty & (span_h > 0) & (
            span_w > 0)

        def pick(u, span, low):
            offset = torch.floor(u.float() * span.clamp(min=1)).long()
            # float rounding must never reach the exclusive bound
            offset = torch.minimum(offset, span.clamp(min=1) - 1)
            return torch.where(valid, low + offset, 0)

        half_h = pick(u_h, span_h, self.min_height)
        half_w = pick(u_w, span_w, self.min_width)

        if self.release_quirks:
            row_lo = (centre_y - half_h).clamp(min=0)
            row_hi = (centre_y + half_h).clamp(max=width)  # sic: width
            col_lo = (centre_x - half_w).clamp(min=0)
            col_hi = (centre_x + half_w).clamp(max=width)
            in_rows = (rows > row_lo[:, None]) & (rows < row_hi[:, None])
            in_cols = (cols > col_lo[:, None]) & (cols < col_hi[:, None])
        else:
            in_rows = (rows - centre_y[:, None]).abs() < half_h[:, None]
            in_cols = (cols - centre_x[:, None]).abs() < half_w[:, None]
        region = (in_s & in_rows[:, :, None] & in_cols[:, None, :]
                  & valid[:, None, None])
        if self.release_quirks:
            single = region.flatten(1).sum(dim=1) == 1
            region = region & ~single[:, None, None]
            valid = valid & ~single
        skipped = selected.to(torch.bool) & ~valid
        return region[:, None], skipped

    def sample_region(
        self,
        p_a: torch.Tensor,
        generator: Optional[torch.Generator] = None
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Draw ``factor``, the selection, ``h`` and ``w``; build ``R``.

        Args:
            p_a (Tensor): ``B x 1 x H x W`` map.
            generator (torch.Generator, optional): source of randomness.

        Returns:
            tuple[Tensor, Tensor, Tensor]: ``region`` (``B x 1 x H x W``
            bool), ``skipped`` and ``selected`` (both ``(B,)`` bool).
        """
        self._check(p_a)
        batch = p_a.size(0)
        kwargs = dict(device=p_a.device, generator=generator)
        factor = self.min_factor + (self.max_factor - self.min_factor) * \
            torch.rand((), **kwargs)
        selected = torch.rand(batch, **kwargs) < self.prob
        u_h = torch.rand(batch, **kwargs)
        u_w = torch.rand(batch, **kwargs)
        region, skipped = self.region_from_draws(p_a, factor, selected, u_h,
                                                 u_w)
        return region, skipped, selected

    def forward(
        self,
        p_a: torch.Tensor,
        generator: Optional[torch.Generator] = None,
        return_region: bool = False
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        """Erase ``p^a`` (training) or map it to ``x'`` (eval).

        Args:
            p_a (Tensor): the activation map ``p^a``, ``B x 1 x H x W``.
            generator (torch.Generator, optional): source of randomness;
                torch's default generator of ``p_a``'s device when None.
            return_region (bool): also return the region ``R``.

        Returns:
            Tensor | tuple[Tensor, Tensor]: ``p~`` (``B x 1 x H x W``,
            ``x' * N`` in training, ``x'`` in eval), and with
            ``return_region`` the bool region ``R`` (``B x 1 x H x W``; all
            False in eval).
        """
        self._check(p_a)
        x_prime = self.scale * p_a + self.shift
        if not self.training:
            if return_region:
                return x_prime, torch.zeros_like(p_a, dtype=torch.bool)
            return x_prime
        region, skipped, selected = self.sample_region(p_a, generator)
        with torch.no_grad():
            uniform = torch.rand(
                p_a.shape,
                device=p_a.device,
                dtype=torch.float32,
                generator=generator)
            keep = uniform < (1 - x_prime.detach()).float()
            noise = torch.where(region, keep, True).to(x_prime.dtype)  # N
            self.num_selected += selected.sum()
            self.num_skipped += skipped.sum()
        p_tilde = x_prime * noise
        if return_region:
            return p_tilde, region
        return p_tilde

    def extra_repr(self) -> str:
        return (f'prob={self.prob}, factor=U({self.min_factor}, '
                f'{self.max_factor}), min_height={self.min_height}, '
                f'min_width={self.min_width}, scale={self.scale}, '
                f'shift={self.shift}, release_quirks={self.release_quirks}')
