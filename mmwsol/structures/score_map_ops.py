"""Score-map operations shared by models, metric, inference, erasing and
the visualizer: upsample, min-max normalise, the tight box of the cells
above a threshold, quantise.

All functions take and return batched tensors ``(B, h, w)`` and run where
the tensors are, without per-sample Python loops (on the CPU,
normalisation goes through numpy, several times faster than torch's CPU
kernels for these reductions, and quantisation is one compiled numba pass).
"""
from typing import Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from numba import njit

from mmwsol.utils.options import check_choice

__all__ = [
    'UPSAMPLE_MODES', 'NORMALIZATIONS', 'BOX_MODES',
    'upsample_score_maps', 'normalize_score_maps', 'score_map_ranges',
    'range_outside_unit',
    'quantize_score_maps', 'line_extents', 'hit_extents',
    'boxes_from_score_maps'
]

UPSAMPLE_MODES = ('bicubic', 'bilinear', 'nearest', 'none')
NORMALIZATIONS = ('minmax', 'none')
#: ``'release'``: ``[minx * sx, miny * sy, maxx * sx, maxy * sy]`` (the
#: ORNet release's ``find_bbox``: the last hit cell's *start*); ``'cover'``:
#: the box covering the hit cells in continuous coordinates,
#: ``(max + 1) * s``.
BOX_MODES = ('release', 'cover')


def upsample_score_maps(maps: torch.Tensor,
                        size: Tuple[int, int],
                        mode: str = 'bicubic') -> torch.Tensor:
    """Resize maps ``(B, h, w)`` to ``size = (H, W)``.

    ``bicubic`` and ``bilinear`` use half-pixel centres
    (``align_corners=False``) like ``cv2.resize``'s ``INTER_CUBIC`` /
    ``INTER_LINEAR`` (both cubic kernels use a = -0.75, borders
    replicated). For integral scale factors (7, 14, 28 or 56 to 224) the
    float64 result differs from OpenCV's by ~1e-15, which changed no uint8
    value in 2.5 M test pixels; for other factors OpenCV's float32 kernel
    weights put the two ~1e-6 apart, which can move a pixel across a uint8
    step. ``nearest`` is OpenCV's ``INTER_NEAREST`` (floor of the scaled
    index). ``none``, or maps already of ``size``, are returned unchanged
    (the same object). Differentiable (``F.interpolate``).

    Args:
        maps (Tensor): ``(B, h, w)`` floating maps.
        size (tuple[int, int]): ``(H, W)``.
        mode (str): one of :data:`UPSAMPLE_MODES`.

    Returns:
        Tensor: ``(B, H, W)`` in the dtype of ``maps``.
    """
    check_choice('map_upsample', mode, UPSAMPLE_MODES)
    if mode == 'none' or tuple(maps.shape[-2:]) == tuple(size):
        return maps
    kwargs = {} if mode == 'nearest' else dict(align_corners=False)
    return F.interpolate(
        maps[:, None], size=tuple(int(s) for s in size), mode=mode,
        **kwargs)[:, 0]


def normalize_score_maps(
        maps: torch.Tensor,
        mode: str = 'minmax',
        ranges: Optional[Tuple[torch.Tensor, torch.Tensor]] = None
) -> Tuple[torch.Tensor, torch.Tensor]:
    """Normalise each map; invalid maps become zeros.

    ``minmax`` is wsolevaluation's ``normalize_scoremap``: ``m -= m.min();
    m /= m.max()``, with an all-constant map or one holding NaN or inf
    (which wsolevaluation's code does not guard) replaced by zeros. For
    finite maps this is bit-identical to ``(m - min) / (max - min)`` (the
    rounded shift is monotonic, so the maximum of ``m - min`` *is*
    ``max - min``). ``none`` keeps the values and only zeroes maps with
    non-finite values.

    On the CPU the work is done by numpy (several times faster here); the
    torch path gives the same bits on any device.

    Args:
        maps (Tensor): ``(B, H, W)`` floating maps (any device; the result
            carries no gradient on the CPU).
        mode (str): one of :data:`NORMALIZATIONS`.
        ranges (tuple[Tensor, Tensor], optional): the
            :func:`score_map_ranges` of ``maps`` when the caller has them
            (the metric checks them first): the maps are then not reduced
            again. The shifted maximum ``max(m - min)`` is ``max - min``
            in the maps' dtype (see above), so the result is the same bits.

    Returns:
        tuple[Tensor, Tensor]: the maps ``(B, H, W)`` (same dtype and
        device) and a ``(B,)`` bool tensor marking the maps that were
        replaced by zeros.
    """
    check_choice('map_normalization', mode, NORMALIZATIONS)
    if maps.device.type == 'cpu':
        if ranges is not None:
            ranges = tuple(r.numpy() for r in ranges)
        out, invalid = _normalize_numpy(maps.detach().numpy(), mode, ranges)
        return torch.from_numpy(out), torch.from_numpy(invalid)
    return _normalize_torch(maps, mode, ranges)


def _normalize_torch(maps, mode, ranges=None):
    """``normalize_score_maps`` with torch ops (any device)."""
    flat = maps.flatten(1)
    low, high = (torch.aminmax(flat, dim=1)  # NaN propagates
                 if ranges is None else ranges)
    invalid = ~(torch.isfinite(low) & torch.isfinite(high))
    any_invalid = bool(invalid.any())
    if mode == 'minmax':
        zero = torch.zeros_like(low)
        if any_invalid:
            flat = torch.where(invalid[:, None], torch.zeros_like(flat), flat)
            low = torch.where(invalid, zero, low)
            high = torch.where(invalid, zero, high)
        # wsolevaluation: cam -= cam.min(); cam /= cam.max()
        shifted = flat - low[:, None]
        span = high - low  # = shifted.amax(1): the shift is monotonic
        constant = span == 0
        flat = shifted / torch.where(constant, torch.ones_like(span),
                                     span)[:, None]
        invalid = invalid | constant
        any_invalid = any_invalid or bool(constant.any())
    if any_invalid:
        flat = torch.where(invalid[:, None], torch.zeros_like(flat), flat)
    return flat.reshape(maps.shape), invalid


def _normalize_numpy(maps, mode, ranges=None):
    """``normalize_score_maps`` on a ``(B, H, W)`` numpy array."""
    flat = maps.reshape(len(maps), -1)
    with np.errstate(invalid='ignore', over='ignore'):
        low, high = ((flat.min(1), flat.max(1)) if ranges is None else
                     ranges)
        invalid = ~(np.isfinite(low) & np.isfinite(high))
        if mode == 'minmax':
            if invalid.any():
                flat = np.where(invalid[:, None], 0, flat).astype(flat.dtype)
                low = np.where(invalid, 0, low).astype(flat.dtype)
                high = np.where(invalid, 0, high).astype(flat.dtype)
            # wsolevaluation: cam -= cam.min(); cam /= cam.max()
            shifted = flat - low[:, None]
            span = high - low  # = shifted.max(1): the shift is monotonic
            constant = span == 0
            flat = shifted / np.where(constant, 1, span).astype(
                flat.dtype)[:, None]
            invalid |= constant
    if invalid.any():
        flat = np.where(invalid[:, None], 0, flat).astype(flat.dtype)
    return np.ascontiguousarray(flat.reshape(maps.shape)), invalid


def score_map_ranges(maps: torch.Tensor
                     ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Minimum and maximum of each map, NaN where the map holds a NaN.

    A map is finite exactly when both are (``isfinite(low) &
    isfinite(high)``). On the CPU numpy's reductions do it (a fraction of
    a boolean-mask copy's time).

    Args:
        maps (Tensor): ``(B, H, W)`` floating maps, ``H, W >= 1``.

    Returns:
        tuple[Tensor, Tensor]: ``low`` and ``high``, ``(B,)`` each, on the
        maps' device.
    """
    if maps.device.type == 'cpu':
        flat = maps.detach().numpy().reshape(len(maps), -1)
        return torch.from_numpy(flat.min(1)), torch.from_numpy(flat.max(1))
    flat = maps.detach().flatten(1)
    return flat.amin(1), flat.amax(1)


def range_outside_unit(maps: torch.Tensor,
                       tolerance: float = 0.0,
                       ranges: Optional[Tuple[torch.Tensor,
                                              torch.Tensor]] = None
                       ) -> Optional[Tuple[float, float]]:
    """The ``(low, high)`` range of the finite maps when it leaves
    ``[-tolerance, 1 + tolerance]``, else None.

    Maps used as they are (``map_normalization='none'``) must be in [0, 1]:
    thresholds and PxAP bins live there (LowCAM's ``p^a`` is a probability;
    a raw CAM is not). Maps holding NaN or inf are left out (the metric's
    ``nonfinite_maps`` decides about them).

    Args:
        maps (Tensor): ``(B, H, W)`` maps, any device.
        tolerance (float): slack on both ends. Defaults to 0.
        ranges (tuple[Tensor, Tensor], optional): the
            :func:`score_map_ranges` of ``maps`` when already computed.

    Returns:
        tuple[float, float] | None
    """
    low, high = score_map_ranges(maps) if ranges is None else ranges
    finite = torch.isfinite(low) & torch.isfinite(high)
    if not bool(finite.any()):
        return None
    low, high = float(low[finite].min()), float(high[finite].max())
    if low < -tolerance or high > 1 + tolerance:
        return low, high
    return None


def quantize_score_maps(maps: torch.Tensor) -> torch.Tensor:
    """wsolevaluation's ``(map * 255).astype(np.uint8)`` (truncation).

    Args:
        maps (Tensor): ``(B, H, W)`` maps in [0, 1].

    Returns:
        Tensor: ``(B, H, W)`` uint8, on the device of ``maps``.
    """
    if maps.device.type == 'cpu':
        arr = maps.detach().numpy()
        if arr.dtype in (np.float32, np.float64) and arr.size:
            # one compiled pass: range check, product in the map's dtype
            # (as numpy's), truncation (the three numpy passes cost ~0.2 ms
            # per 224 x 224 map, a tenth of the whole metric)
            arr = np.ascontiguousarray(arr)
            out, low, high = _quantize_cpu(arr.reshape(-1),
                                           arr.dtype.type(255))
            if low < 0 or high > 1:
                _range_error(low, high)
            return torch.from_numpy(out.reshape(arr.shape))
        if arr.size and (arr.min() < 0 or arr.max() > 1):
            _range_error(arr.min(), arr.max())
        return torch.from_numpy((arr * 255).astype(np.uint8))
    return _quantize_torch(maps)


@njit(cache=True, nogil=True)
def _quantize_cpu(flat, scale):
    """``(flat * scale).astype(uint8)`` with ``scale`` in ``flat``'s dtype,
    and the minimum and maximum of ``flat``; values outside [0, 1] are
    reported by the caller before the output is used."""
    out = np.empty(flat.size, np.uint8)
    low = flat[0]
    high = flat[0]
    for i in range(flat.size):
        v = flat[i]
        if v < low:
            low = v
        if v > high:
            high = v
        out[i] = np.uint8(v * scale) if 0 <= v <= 1 else 0
    return out, low, high


def _quantize_torch(maps):
    """``quantize_score_maps`` with torch ops (any device)."""
    if maps.numel():
        low, high = torch.aminmax(maps)
        if low < 0 or high > 1:
            _range_error(low, high)
    return (maps * 255).to(torch.uint8)


def _range_error(low, high):
    raise ValueError(
        'wsolevaluation boxes need maps in [0, 1]; got values in '
        f'[{float(low)}, {float(high)}]. Use map_normalization="minmax" or '
        'normalise the maps first.')


Extents = Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor,
                torch.Tensor]


def line_extents(row_hits: torch.Tensor, col_hits: torch.Tensor) -> Extents:
    """First and last hit row and column from per-row and per-column hits.

    The tight box of the hit cells of a map needs only which rows and
    which columns hold a hit; callers that know those without the full hit
    mask (the ORNet metric: the row and column maxima against every
    threshold) pass them directly.

    Args:
        row_hits (Tensor): ``(..., h)`` bool, the row holds a hit.
        col_hits (Tensor): ``(..., w)`` bool, the column holds a hit.

    Returns:
        tuple[Tensor, ...]: ``found`` (``(...)`` bool, a column holds a
        hit; for projections of one hit mask the same as a row) and
        the long ``(...)`` indices ``min_x, min_y, max_x, max_y`` of the
        first and last hit column and row (``w, h, -1, -1`` without hits).
    """
    height, width = row_hits.shape[-1], col_hits.shape[-1]
    rows = torch.arange(height, device=row_hits.device)
    cols = torch.arange(width, device=col_hits.device)
    found = col_hits.any(dim=-1)  # as the metric always had it
    min_y = torch.where(row_hits, rows, height).amin(dim=-1)
    max_y = torch.where(row_hits, rows, -1).amax(dim=-1)
    min_x = torch.where(col_hits, cols, width).amin(dim=-1)
    max_x = torch.where(col_hits, cols, -1).amax(dim=-1)
    return found, min_x, min_y, max_x, max_y


def hit_extents(hits: torch.Tensor) -> Extents:
    """:func:`line_extents` of the ``True`` cells of ``(..., h, w)`` bool
    maps (e.g. ``maps > threshold``)."""
    return line_extents(hits.any(dim=-1), hits.any(dim=-2))


def boxes_from_score_maps(maps: torch.Tensor,
                          threshold: float,
                          input_size: Tuple[int, int],
                          mode: str = 'release') -> torch.Tensor:
    """Tight box around *all* cells of each map above ``threshold``.

    The ORNet release's ``find_bbox``: no connected components; the map
    is at ``input_size / map size`` scale (``sx = W / w``, ``sy = H / h``;
    4 for ``p^a`` on a 224 input); a map with no cell above the threshold
    (NaN cells never are) gives the whole input ``[0, 0, W, H]``.
    Vectorised over the batch on the maps' device.

    Args:
        maps (Tensor): ``B x h x w`` score maps.
        threshold (float): cells with ``map > threshold`` are hits.
        input_size (tuple[int, int]): ``(H, W)`` of the network input.
        mode (str): ``'release'`` (default) or ``'cover'``, see
            :data:`BOX_MODES`.

    Returns:
        Tensor: ``B x 4`` float boxes ``x0, y0, x1, y1`` in the input frame.
    """
    check_choice('boxes_from_score_maps: mode', mode, BOX_MODES)
    if maps.dim() != 3:
        raise ValueError('boxes_from_score_maps: maps must be B x h x w, got '
                         f'{tuple(maps.shape)}.')
    _, height, width = maps.shape
    in_h, in_w = input_size
    scale_y, scale_x = in_h / height, in_w / width
    found, min_x, min_y, max_x, max_y = hit_extents(maps > threshold)
    end = 1 if mode == 'cover' else 0
    boxes = torch.stack([
        min_x * scale_x, min_y * scale_y, (max_x + end) * scale_x,
        (max_y + end) * scale_y
    ],
                        dim=1).float()
    whole = boxes.new_tensor([0.0, 0.0, float(in_w), float(in_h)])
    return torch.where(found[:, None], boxes, whole)
