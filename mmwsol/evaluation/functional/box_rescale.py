"""GT boxes moved into the evaluated frame, each protocol's own way."""
import numpy as np

__all__ = ['wsolevaluation_resize_boxes', 'ornet_unclipped_boxes']


def wsolevaluation_resize_boxes(boxes, image_size, resize_size):
    """wsolevaluation's ``resize_bbox`` for a ``(k, 4)`` array.

    ``x * new_w / w`` in float64 (multiplication first, as its code), then
    ``int()`` truncation.

    Args:
        boxes (array-like): ``(k, 4)`` ``x0, y0, x1, y1`` in the original
            frame.
        image_size (tuple[int, int]): original ``(h, w)``.
        resize_size (tuple[int, int]): evaluated ``(H, W)``.

    Returns:
        np.ndarray: ``(k, 4)`` int64 boxes.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if boxes.size and (boxes < 0).any():
        raise ValueError('GT box coordinates must be non-negative (as '
                         f'wsolevaluation checks), got {boxes.tolist()}')
    h, w = (float(s) for s in image_size)
    new_h, new_w = (float(s) for s in resize_size)
    scale = np.array([new_w, new_h, new_w, new_h])
    denom = np.array([w, h, w, h])
    return np.trunc(boxes * scale / denom).astype(np.int64)


def ornet_unclipped_boxes(ori_boxes, scale_factor=None, crop_offset=None):
    """ORNet's GT boxes: ``x * s - offset`` in float32, not clipped.

    ORNet's CUB loader computes ``x * (256 / W) - 16`` for
    ``Resize((256, 256)) + CenterCrop(224)`` and never clips the box to the
    crop; mmcv's ``Resize``/``CenterCrop`` clip it. This rebuilds ORNet's
    boxes from the original ones, the resize's ``scale_factor = (w_scale,
    h_scale)`` and the crop's top-left corner.

    Returns:
        np.ndarray: ``(k, 4)`` float32 boxes in the evaluated frame.
    """
    boxes = np.asarray(ori_boxes, dtype=np.float32).reshape(-1, 4)
    if scale_factor is not None:
        sx, sy = (np.float32(s) for s in scale_factor)
        boxes = boxes * np.array([sx, sy, sx, sy], dtype=np.float32)
    if crop_offset is not None:
        ox, oy = (np.float32(s) for s in crop_offset)
        boxes = boxes - np.array([ox, oy, ox, oy], dtype=np.float32)
    return boxes.astype(np.float32)
