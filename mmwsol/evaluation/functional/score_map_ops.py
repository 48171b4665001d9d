"""Score-map preparation on the device: upsample, normalise, quantise.

All functions take and return batched tensors ``(B, h, w)`` and run where the
tensors are, without per-sample Python loops (on the CPU through numpy,
several times faster than torch's CPU kernels for these reductions).
"""
import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    'upsample_score_maps', 'normalize_score_maps', 'quantize_score_maps',
    'range_outside_unit'
]

UPSAMPLE_MODES = ('bicubic', 'bilinear', 'nearest', 'none')
NORMALIZATIONS = ('minmax', 'none')


def upsample_score_maps(maps, size, mode='bicubic'):
    """Resize maps ``(B, h, w)`` to ``size = (H, W)``.

    ``bicubic`` and ``bilinear`` use half-pixel centres
    (``align_corners=False``) like ``cv2.resize``'s ``INTER_CUBIC`` /
    ``INTER_LINEAR`` (both cubic kernels use a = -0.75, borders
    replicated). For integral scale factors (7, 14, 28 or 56 to 224) the
    float64 result differs from OpenCV's by ~1e-15, which changed no uint8
    value in 2.5 M test pixels; for other factors OpenCV's float32 kernel
    weights put the two ~1e-6 apart, which can move a pixel across a uint8
    step. ``nearest`` is OpenCV's ``INTER_NEAREST`` (floor of the scaled
    index). ``none`` returns the maps unchanged.

    Args:
        maps (Tensor): ``(B, h, w)`` floating maps.
        size (tuple[int, int]): ``(H, W)``.
        mode (str): one of ``bicubic``, ``bilinear``, ``nearest``, ``none``.

    Returns:
        Tensor: ``(B, H, W)`` in the dtype of ``maps``.
    """
    if mode not in UPSAMPLE_MODES:
        raise ValueError(f'map_upsample must be one of {UPSAMPLE_MODES}, got '
                         f'{mode!r}')
    if mode == 'none' or tuple(maps.shape[-2:]) == tuple(size):
        return maps
    kwargs = {} if mode == 'nearest' else dict(align_corners=False)
    return F.interpolate(
        maps[:, None], size=tuple(int(s) for s in size), mode=mode,
        **kwargs)[:, 0]


def normalize_score_maps(maps, mode='minmax'):
    """Normalise each map; invalid maps become zeros.

    ``minmax`` is wsolevaluation's ``normalize_scoremap``: ``m -= m.min();
    m /= m.max()``, with an all-constant map or one holding NaN (or inf,
    which its code does not guard) replaced by zeros. ``none`` keeps the
    values and only zeroes maps with non-finite values.

    Args:
        maps (Tensor): ``(B, H, W)`` floating maps.
        mode (str): ``minmax`` or ``none``.

    Returns:
        tuple[Tensor, Tensor]: the maps ``(B, H, W)`` (same dtype) and a
        ``(B,)`` bool tensor marking the maps that were replaced by zeros.
    """
    if mode not in NORMALIZATIONS:
        raise ValueError(f'map_normalization must be one of '
                         f'{NORMALIZATIONS}, got {mode!r}')
    if maps.device.type == 'cpu':
        # numpy is several times faster than torch's CPU kernels here
        out, invalid = _normalize_numpy(maps.detach().numpy(), mode)
        return torch.from_numpy(out), torch.from_numpy(invalid)
    return _normalize_torch(maps, mode)


def _normalize_torch(maps, mode):
    """``normalize_score_maps`` with torch ops (any device)."""
    flat = maps.flatten(1)
    low, high = torch.aminmax(flat, dim=1)  # NaN propagates
    invalid = ~(torch.isfinite(low) & torch.isfinite(high))
    any_invalid = bool(invalid.any())
    if mode == 'minmax':
        if any_invalid:
            flat = torch.where(invalid[:, None], torch.zeros_like(flat), flat)
        low = flat.amin(1, keepdim=True)
        shifted = flat - low
        high = shifted.amax(1, keepdim=True)
        constant = high[:, 0] == 0
        flat = shifted / torch.where(constant[:, None], torch.ones_like(high),
                                     high)
        invalid = invalid | constant
        any_invalid = any_invalid or bool(constant.any())
    if any_invalid:
        flat = torch.where(invalid[:, None], torch.zeros_like(flat), flat)
    return flat.reshape(maps.shape), invalid


def _normalize_numpy(maps, mode):
    """``normalize_score_maps`` on a ``(B, H, W)`` numpy array."""
    flat = maps.reshape(len(maps), -1)
    with np.errstate(invalid='ignore', over='ignore'):
        invalid = ~(np.isfinite(flat.min(1)) & np.isfinite(flat.max(1)))
        if mode == 'minmax':
            if invalid.any():
                flat = np.where(invalid[:, None], 0, flat).astype(flat.dtype)
            # wsolevaluation: cam -= cam.min(); cam /= cam.max()
            shifted = flat - flat.min(1, keepdims=True)
            high = shifted.max(1, keepdims=True)
            constant = high[:, 0] == 0
            flat = shifted / np.where(constant[:, None], 1, high).astype(
                flat.dtype)
            invalid |= constant
    if invalid.any():
        flat = np.where(invalid[:, None], 0, flat).astype(flat.dtype)
    return np.ascontiguousarray(flat.reshape(maps.shape)), invalid


def range_outside_unit(maps, tolerance: float = 0.0):
    """The ``(low, high)`` range of the finite values of ``maps`` when it
    leaves ``[-tolerance, 1 + tolerance]``, else None.

    Maps used as they are (``map_normalization='none'``) must be in [0, 1]:
    thresholds and PxAP bins live there (LowCAM's ``p^a`` is a probability;
    a raw CAM is not). Non-finite values are left to the normalisation.

    Args:
        maps (Tensor): maps of any shape, any device.
        tolerance (float): slack on both ends. Defaults to 0.

    Returns:
        tuple[float, float] | None
    """
    finite = maps[torch.isfinite(maps)]
    if finite.numel() == 0:
        return None
    low, high = (float(v) for v in torch.aminmax(finite))
    if low < -tolerance or high > 1 + tolerance:
        return low, high
    return None


def quantize_score_maps(maps):
    """wsolevaluation's ``(map * 255).astype(np.uint8)`` (truncation).

    Args:
        maps (Tensor): ``(B, H, W)`` maps in [0, 1].

    Returns:
        Tensor: ``(B, H, W)`` uint8, on the device of ``maps``.
    """
    if maps.device.type == 'cpu':
        arr = maps.detach().numpy()
        if arr.size and (arr.min() < 0 or arr.max() > 1):
            _range_error(arr.min(), arr.max())
        return torch.from_numpy((arr * 255).astype(np.uint8))
    return _quantize_torch(maps)


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
