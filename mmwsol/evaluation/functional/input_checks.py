"""Checks of what the metric is given, shared by ``LocalizationMetric`` and
``evaluate_score_maps``.

Every check names the image it refuses (``img_path=...`` in the metric,
``image <index>`` offline), so that nothing bad turns silently into a
number: a box with inf once read MaxBoxAcc 100.0, a row of five numbers
was reshaped into other boxes, a 0/255 mask lost its foreground, one NaN
pixel zeroed a map without a word.
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch

__all__ = [
    'NONFINITE_POLICIES', 'check_map_size', 'check_image_size',
    'check_gt_boxes', 'check_gt_masks', 'nonfinite_maps_error',
    'nonfinite_maps_message'
]

#: what a score map holding NaN or inf does: ``'error'`` stops naming the
#: images; ``'zero'`` evaluates it as an all-zero map (what wsolevaluation's
#: ``normalize_scoremap`` does with NaN), counted and named in the log.
NONFINITE_POLICIES = ('error', 'zero')

#: names quoted in one message at most
_MAX_NAMES = 5


def _quote(names: Sequence[str]) -> str:
    text = ', '.join(names[:_MAX_NAMES])
    if len(names) > _MAX_NAMES:
        text += f' and {len(names) - _MAX_NAMES} more'
    return text


def check_map_size(shape: Sequence[int], name: str) -> Tuple[int, int]:
    """``(H, W)`` of a score map, refused when not 2-D or a side is 0.

    Args:
        shape (Sequence[int]): the map's shape.
        name (str): the image, for the message.
    """
    shape = tuple(int(s) for s in shape)
    if len(shape) != 2:
        raise ValueError(f'{name}: the score map must be 2-D (H, W), got '
                         f'shape {shape}')
    if min(shape) < 1:
        raise ValueError(f'{name}: the score map has an empty side, shape '
                         f'{shape}')
    return shape


def check_image_size(size: Sequence[float], name: str) -> Tuple[int, int]:
    """A frame's ``(h, w)``: two positive integers."""
    values = np.asarray(size, dtype=np.float64).reshape(-1)
    if (values.size != 2 or not np.isfinite(values).all()
            or (values < 1).any() or (values != np.round(values)).any()):
        raise ValueError(f'{name}: the image size must be (h, w), two '
                         f'positive integers, got {tuple(size)}')
    return int(values[0]), int(values[1])


def check_gt_boxes(boxes, name: str,
                   frame: Optional[Sequence[int]] = None,
                   inclusive: bool = False,
                   partly_outside: bool = False) -> np.ndarray:
    """GT boxes of one image, ``x0, y0, x1, y1`` rows, refused unless sound.

    Refused: any other shape than ``(k, 4)`` (or one ``(4,)`` box; a
    ``(k, 5)`` ``[index, x0, y0, x1, y1]`` table once became other boxes),
    NaN or inf, ``x1 < x0`` or ``y1 < y0``, and boxes outside ``[0, w] x
    [0, h]`` of ``frame``. The datasets clip sub-pixel overshoots when they
    read the annotation files, so a sound box is never outside.

    Zero-width or zero-height boxes (``x1 == x0``) are refused too unless
    ``inclusive``: wsolevaluation's IoU counts pixels inclusively (``+1``),
    so there ``[5, 5, 5, 9]`` is a one-pixel-wide box; ORNet's IoU has no
    ``+1``, a zero-area GT box has IoU 0 / 0 with a zero-area prediction,
    and the release's ``torch.where`` counts that NaN as correct.

    Args:
        boxes (array-like): ``(k, 4)`` or ``(4,)``.
        name (str): the image, for the message.
        frame (tuple[int, int], optional): ``(h, w)`` the boxes are in.
        inclusive (bool): boxes of inclusive pixel indices (wsolevaluation).
        partly_outside (bool): boxes may extend past ``frame`` but must
            overlap it: ORNet's GT boxes in the crop's frame, which its
            loader never clips.

    Returns:
        np.ndarray: ``(k, 4)`` float64.
    """
    if isinstance(boxes, torch.Tensor):
        boxes = boxes.detach().cpu().numpy()
    arr = np.asarray(boxes, dtype=np.float64)
    if arr.size == 0:
        return arr.reshape(0, 4)
    if arr.ndim == 1 and arr.size == 4:
        arr = arr[None]
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f'{name}: GT boxes must be (k, 4) rows x0, y0, x1, '
                         f'y1, got shape {arr.shape}')
    with np.errstate(invalid='ignore'):
        bad = ~np.isfinite(arr).all(1)
        why = 'is not finite'
        if not bad.any():
            if inclusive:
                bad = (arr[:, 2] < arr[:, 0]) | (arr[:, 3] < arr[:, 1])
                why = 'needs x1 >= x0 and y1 >= y0'
            else:
                bad = (arr[:, 2] <= arr[:, 0]) | (arr[:, 3] <= arr[:, 1])
                why = ('needs x1 > x0 and y1 > y0 (a box with area; the '
                       'ORNet protocol has no +1 in its IoU)')
        if not bad.any() and frame is not None:
            h, w = frame
            if partly_outside:
                bad = ((arr[:, 2] <= 0) | (arr[:, 3] <= 0) | (arr[:, 0] >= w)
                       | (arr[:, 1] >= h))
                why = f'does not overlap the {w}x{h} (WxH) image'
            else:
                bad = ((arr[:, :2] < 0).any(1) | (arr[:, 2] > w)
                       | (arr[:, 3] > h))
                why = f'lies outside the {w}x{h} (WxH) image'
    if bad.any():
        i = int(np.argmax(bad))
        values = ', '.join(f'{v:g}' for v in arr[i])
        raise ValueError(f'{name}: GT box {i} ({values}) {why}')
    return arr


def check_gt_masks(masks: torch.Tensor,
                   names: Sequence[str],
                   map_shape: Sequence[int],
                   label_counts: Optional[torch.Tensor] = None,
                   size_only: bool = False) -> None:
    """GT masks ``(B, H, W)`` of a batch: 0 background, 1 foreground, 255
    ignored, in the evaluated map's frame ``map_shape = (H, W)``.

    Refused, naming the first such image: a mask of another size, values
    other than 0 / 1 / 255, and a mask with ignored (255) but no
    foreground pixel: a 0/255 picture of the object would otherwise count
    it all as ignored.

    Args:
        label_counts (Tensor, optional): ``(B, 3)`` pixels labelled 1, 255
            and anything else, when a pass over the masks counted them
            already (PxAP's CPU kernel); otherwise counted here.
        size_only (bool): check the size only (the values are checked
            by a later call with ``label_counts``).
    """
    if tuple(masks.shape[1:]) != tuple(map_shape):
        raise ValueError(f'{names[0]}: GT mask {tuple(masks.shape[1:])} and '
                         f'the evaluated map {tuple(map_shape)} differ in '
                         'size')
    if size_only:
        return
    flat = masks.flatten(1)
    if label_counts is not None:
        bad = label_counts[:, 2] > 0
        has_ignored = label_counts[:, 1] > 0
        has_fg = label_counts[:, 0] > 0
    else:
        bad = ((flat != 0) & (flat != 1) & (flat != 255)).any(1)
        has_ignored = (flat == 255).any(1)
        has_fg = (flat == 1).any(1)
    if bool(bad.any()):
        i = int(bad.to(torch.uint8).argmax())
        values = torch.unique(flat[i])[:6].tolist()
        raise ValueError(f'{names[i]}: a GT mask holds 0 (background), 1 '
                         f'(foreground) or 255 (ignored), this one {values}')
    ignored_only = has_ignored & ~has_fg
    if bool(ignored_only.any()):
        i = int(ignored_only.to(torch.uint8).argmax())
        raise ValueError(
            f'{names[i]}: the GT mask has ignored (255) but no foreground '
            '(1) pixels; is it a 0/255 picture of the object? Masks hold 0 '
            'background, 1 foreground, 255 ignored (divide a 0/255 mask by '
            '255).')


def nonfinite_maps_error(names: List[str], total: int) -> ValueError:
    """The error of ``nonfinite_maps='error'`` for the maps ``names``."""
    return ValueError(
        f'{len(names)} of {total} score maps hold NaN or inf: '
        f'{_quote(names)}. Did the model diverge? To evaluate such maps as '
        'all-zero maps (wsolevaluation does that for NaN), counted and '
        'named in the log, set nonfinite_maps="zero".')


def nonfinite_maps_message(names: List[str], total: int) -> str:
    """The log line of ``nonfinite_maps='zero'``."""
    return (f'{len(names)} of {total} score maps held NaN or inf and were '
            f'evaluated as all-zero maps: {_quote(names)}')
