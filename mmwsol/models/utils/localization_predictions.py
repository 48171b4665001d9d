"""The predictions a localizer writes into its data samples."""
from typing import List, Optional, Tuple

import torch
from mmpretrain.structures import DataSample

from mmwsol.structures import WSOLDataSample


def set_localization_predictions(
        data_samples: Optional[List[DataSample]], scores: torch.Tensor,
        labels: torch.Tensor, maps: torch.Tensor, boxes: torch.Tensor,
        input_size: Tuple[int, int]) -> List[WSOLDataSample]:
    """Write a localizer's predictions into its data samples.

    Boxes are clipped to each sample's ``img_shape`` (the network input
    without padding; ``input_size`` when absent), then every sample gets
    ``pred_score`` (``C``), ``pred_label`` (``1``), ``score_map`` (its map
    at native size, ``h x w``) and ``pred_bboxes`` (``1 x 4``) through the
    setters of :class:`~mmwsol.structures.WSOLDataSample`.

    Args:
        data_samples (list[DataSample], optional): one per image, changed
            in place: ``WSOLDataSample`` items get the predictions, any
            other ``DataSample`` is replaced in the list by a
            ``WSOLDataSample`` holding its fields
            (:meth:`WSOLDataSample.cast`). None makes new samples.
        scores (Tensor): ``B x C`` class probabilities.
        labels (Tensor): ``B`` predicted classes.
        maps (Tensor): ``B x h x w`` score maps.
        boxes (Tensor): ``B x 4`` boxes in input pixels
            (:func:`~mmwsol.structures.boxes_from_score_maps`).
        input_size (tuple[int, int]): ``(H, W)`` of the batch input.

    Returns:
        list[WSOLDataSample]: ``data_samples`` (a new list for None).
    """
    if data_samples is None:
        data_samples = [WSOLDataSample() for _ in range(len(maps))]
    elif not isinstance(data_samples, list):
        data_samples = list(data_samples)
    data_samples[:] = [WSOLDataSample.cast(s) for s in data_samples]
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
        sample.score_map = maps[i]
        sample.pred_bboxes = boxes[i:i + 1]
    return data_samples
