"""One box per score map at a fixed threshold (the ORNet release's rule),
and the predictions a localizer writes into its data samples."""
from typing import List, Tuple

import torch
from mmpretrain.structures import DataSample

#: ``'release'``: ``[minx * sx, miny * sy, maxx * sx, maxy * sy]`` (the
#: release's ``find_bbox``: the last hit cell's *start*); ``'cover'``: the
#: box covering the hit cells in continuous coordinates, ``(max + 1) * s``.
BOX_MODES = ('release', 'cover')


def minmax_normalize(maps: torch.Tensor) -> torch.Tensor:
    """Per-map min-max normalisation to [0, 1] of ``B x h x w`` maps.

    Constant maps become zeros (and so do maps with a NaN), as in
    wsolevaluation's ``normalize_scoremap``.
    """
    flat = maps.flatten(1)
    low = flat.amin(dim=1)[:, None, None]
    high = flat.amax(dim=1)[:, None, None]
    span = high - low
    out = (maps - low) / torch.where(span > 0, span, torch.ones_like(span))
    bad = ~(span > 0)  # constant or NaN
    return torch.where(bad, torch.zeros_like(out), out)


def boxes_from_score_maps(maps: torch.Tensor,
                          threshold: float,
                          input_size: Tuple[int, int],
                          mode: str = 'release') -> torch.Tensor:
    """Tight box around *all* cells of each map above ``threshold``.

    The ORNet release's ``find_bbox``: no connected components; the map
    is at ``input_size / map size`` scale (``sx = W / w``, ``sy = H / h``;
    4 for ``p^a`` on a 224 input); a map with no cell above the threshold
    gives the whole input ``[0, 0, W, H]``. Vectorised over the batch on the
    maps' device.

    Args:
        maps (Tensor): ``B x h x w`` score maps.
        threshold (float): cells with ``map > threshold`` are hits.
        input_size (tuple[int, int]): ``(H, W)`` of the network input.
        mode (str): ``'release'`` (default) or ``'cover'``, see
            :data:`BOX_MODES`.

    Returns:
        Tensor: ``B x 4`` float boxes ``x0, y0, x1, y1`` in the input frame.
    """
    if mode not in BOX_MODES:
        raise ValueError(f'boxes_from_score_maps: mode must be one of '
                         f'{BOX_MODES}, got {mode!r}.')
    if maps.dim() != 3:
        raise ValueError('boxes_from_score_maps: maps must be B x h x w, got '
                         f'{tuple(maps.shape)}.')
    _, height, width = maps.shape
    in_h, in_w = input_size
    scale_y, scale_x = in_h / height, in_w / width
    hit = maps > threshold
    rows = torch.arange(height, device=maps.device)
    cols = torch.arange(width, device=maps.device)
    row_hit = hit.any(dim=2)
    col_hit = hit.any(dim=1)
    found = row_hit.any(dim=1)
    min_y = torch.where(row_hit, rows, height).amin(dim=1)
    max_y = torch.where(row_hit, rows, -1).amax(dim=1)
    min_x = torch.where(col_hit, cols, width).amin(dim=1)
    max_x = torch.where(col_hit, cols, -1).amax(dim=1)
    end = 1 if mode == 'cover' else 0
    boxes = torch.stack([
        min_x * scale_x, min_y * scale_y, (max_x + end) * scale_x,
        (max_y + end) * scale_y
    ],
                        dim=1).float()
    whole = boxes.new_tensor([0.0, 0.0, float(in_w), float(in_h)])
    return torch.where(found[:, None], boxes, whole)


def set_localization_predictions(data_samples: List[DataSample],
                                 scores: torch.Tensor, labels: torch.Tensor,
                                 maps: torch.Tensor, boxes: torch.Tensor,
                                 input_size: Tuple[int, int]
                                 ) -> List[DataSample]:
    """Write a localizer's predictions into its data samples.

    Boxes are clipped to each sample's ``img_shape`` (the network input
    without padding; ``input_size`` when absent), then every sample gets
    ``pred_score`` (``C``), ``pred_label`` (``1``), ``score_map`` (its map
    at native size, ``h x w``) and ``pred_bboxes`` (``1 x 4``).

    Args:
        data_samples (list[DataSample]): one per image, changed in place.
        scores (Tensor): ``B x C`` class probabilities.
        labels (Tensor): ``B`` predicted classes.
        maps (Tensor): ``B x h x w`` score maps.
        boxes (Tensor): ``B x 4`` boxes in input pixels
            (:func:`boxes_from_score_maps`).
        input_size (tuple[int, int]): ``(H, W)`` of the batch input.

    Returns:
        list[DataSample]: ``data_samples``.
    """
    in_h, in_w = input_size
    limits = torch.tensor(
        [[s.get('img_shape', (in_h, in_w))[1],
          s.get('img_shape', (in_h, in_w))[0]] for s in data_samples],
        dtype=boxes.dtype,
        device=boxes.device).repeat(1, 2)
    boxes = torch.minimum(boxes, limits)
    for i, sample in enumerate(data_samples):
        sample.set_pred_score(scores[i])
        sample.set_pred_label(labels[i:i + 1])
        sample.set_field(maps[i], 'score_map', dtype=torch.Tensor)
        sample.set_field(boxes[i:i + 1], 'pred_bboxes', dtype=torch.Tensor)
    return data_samples
