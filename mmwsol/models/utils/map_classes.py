"""Which class's map a localizer returns for each sample."""
from typing import Optional, Sequence

import torch
from mmpretrain.structures import DataSample

from mmwsol.utils import check_choice

#: ``'gt'``: the ground-truth class where the sample has one (wsolevaluation
#: scores the GT class's map), else the top-1 class; ``'pred'``: always the
#: top-1 class.
MAP_CLASS_CHOICES = ('gt', 'pred')


def map_classes(data_samples: Optional[Sequence[DataSample]],
                pred: torch.Tensor, choice: str = 'gt') -> torch.Tensor:
    """The class ``c`` whose map is returned, one per sample.

    Args:
        data_samples (Sequence[DataSample], optional): the batch's samples;
            a ``gt_label`` with at least one entry counts as a GT class
            (its first entry is used).
        pred (Tensor): ``(B,)`` top-1 classes.
        choice (str): ``'gt'`` or ``'pred'`` (:data:`MAP_CLASS_CHOICES`).

    Returns:
        Tensor: ``(B,)`` class indices on ``pred``'s device.
    """
    check_choice('map class', choice, MAP_CLASS_CHOICES)
    if choice == 'pred' or not data_samples:
        return pred
    gt = torch.tensor(
        [
            int(s.gt_label.reshape(-1)[0])
            if 'gt_label' in s and s.gt_label.numel() > 0 else -1
            for s in data_samples
        ],
        dtype=pred.dtype,
        device=pred.device)
    return torch.where(gt >= 0, gt, pred)
