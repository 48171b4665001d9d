"""The two box protocols users compare WSOL methods by, and their defaults.

- ``wsolevaluation`` (Choe et al., CVPR 2020, clovaai/wsolevaluation):
  map upsampled bicubic to the evaluated image, min-max normalised, uint8
  quantised; boxes of OpenCV contours at ``int(tau * max)``; ``+1``
  inclusive-pixel IoU ``>= delta``; 1000 thresholds ``np.arange(0, 1,
  0.001)``.
- ``ornet`` (Xie et al., ICCV 2021, Sierkinhane/ORNet): the raw map at its
  native size (``p^a`` is already a probability), one tight box around all
  pixels ``> tau`` scaled by the map stride, IoU without ``+1``, ``> delta``
  strictly; 19 thresholds 0.05 ... 0.95.
"""
import numpy as np

__all__ = ['PROTOCOLS', 'default_cam_thresholds', 'protocol_defaults']

PROTOCOLS = ('wsolevaluation', 'ornet')

_DEFAULTS = dict(
    wsolevaluation=dict(map_normalization='minmax', map_upsample='bicubic'),
    ornet=dict(map_normalization='none', map_upsample='none'),
)


def check_protocol(protocol):
    if protocol not in PROTOCOLS:
        raise ValueError(f'protocol must be one of {PROTOCOLS}, got '
                         f'{protocol!r}')
    return protocol


def protocol_defaults(protocol):
    """``dict(map_normalization=..., map_upsample=...)`` of a protocol."""
    return dict(_DEFAULTS[check_protocol(protocol)])


def default_cam_thresholds(protocol):
    """The threshold list each reference evaluates by default.

    wsolevaluation: ``np.arange(0, 1, 0.001)`` (its library default; its
    command line uses 0.01). ORNet: ``[(i + 1) / 20 for i in range(19)]``.

    Returns:
        np.ndarray: float64 thresholds, ascending.
    """
    if check_protocol(protocol) == 'wsolevaluation':
        return np.arange(0, 1, 0.001)
    return np.array([(i + 1) / 20 for i in range(19)], dtype=np.float64)


def as_cam_thresholds(cam_thresholds, protocol):
    """Validated float64 threshold array (the protocol's default if None)."""
    if cam_thresholds is None:
        return default_cam_thresholds(protocol)
    thr = np.asarray(cam_thresholds, dtype=np.float64).reshape(-1)
    if thr.size == 0 or not np.all(np.isfinite(thr)):
        raise ValueError('cam_thresholds must be a non-empty list of finite '
                         f'numbers, got {cam_thresholds!r}')
    if np.any(np.diff(thr) <= 0):
        raise ValueError('cam_thresholds must be strictly increasing')
    return thr


def as_iou_thresholds(iou_thresholds):
    """Validated IoU thresholds in percent (ints or floats in (1, 100]).

    Fractions are refused, not converted: ``(0.5,)`` would read as 0.5 %
    IoU (every box correct), and ``1`` could mean either 1 % or 100 %.
    """
    ious = [float(d) for d in iou_thresholds]
    if not ious or any(not 0 < d <= 100 for d in ious):
        raise ValueError('iou_thresholds are percentages in (0, 100], got '
                         f'{iou_thresholds!r}')
    if any(d <= 1 for d in ious):
        raise ValueError(
            f'iou_thresholds are percentages, got {iou_thresholds!r}: a '
            'threshold <= 1 reads as at most 1 % IoU. Write IoU 0.5 as 50.')
    if len(set(ious)) != len(ious):
        raise ValueError(f'iou_thresholds repeat a value: {iou_thresholds!r}')
    return [int(d) if float(d).is_integer() else d for d in iou_thresholds]
