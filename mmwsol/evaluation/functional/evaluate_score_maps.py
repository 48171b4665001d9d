"""Offline evaluation of anyone's score maps (no model, no config)."""
import warnings
from itertools import islice

import numpy as np
import torch

from mmwsol.structures import normalize_score_maps, range_outside_unit
from .box_correctness import box_correctness
from .box_rescale import wsolevaluation_resize_boxes
from .localization_figures import (LOC_IOU, LocalizationCounts,
                                   summarize_localization)
from .protocols import as_cam_thresholds, as_iou_thresholds, check_protocol
from .pxap import mask_score_histograms

__all__ = ['evaluate_score_maps']


def _as_map(m, i):
    arr = np.asarray(m)
    if arr.ndim != 2:
        raise ValueError(f'score map {i} must be 2-D (H, W), got shape '
                         f'{arr.shape}')
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    elif arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    return arr


def _map_batches(score_maps, num, batch_size):
    """``(start, (B, H, W) array)`` batches of consecutive same-size maps."""
    if isinstance(score_maps, (np.ndarray, torch.Tensor)):
        for start in range(0, num, batch_size):
            batch = score_maps[start:start + batch_size]
            if isinstance(batch, torch.Tensor):
                batch = batch.detach().cpu().numpy()
            if not np.issubdtype(batch.dtype, np.floating):
                batch = batch.astype(np.float64)
            elif batch.dtype == np.float16:
                batch = batch.astype(np.float32)
            yield start, np.ascontiguousarray(batch)
        return
    maps_iter = iter(score_maps)
    start = 0
    pending = None
    while start < num:
        batch = [] if pending is None else [pending]
        pending = None
        room = min(batch_size, num - start) - len(batch)
        for i, m in enumerate(islice(maps_iter, room), start + len(batch)):
            arr = _as_map(m, i)
            if batch and arr.shape != batch[0].shape:
                pending = arr
                break
            batch.append(arr)
        if not batch:
            raise ValueError(f'score_maps ended after {start} maps, but '
                             f'{num} GT box arrays were given')
        yield start, np.stack(batch)
        start += len(batch)
    if pending is not None or next(maps_iter, None) is not None:
        raise ValueError(f'more score maps than the {num} GT box arrays')


def _cls_hits(pred_labels, gt_labels, topk, num):
    pred = np.asarray(pred_labels)
    if pred.ndim == 1:
        pred = pred[:, None]
    gt = np.asarray(gt_labels).reshape(-1)
    if len(pred) != num or len(gt) != num:
        raise ValueError(f'{num} score maps but {len(pred)} pred_labels and '
                         f'{len(gt)} gt_labels')
    ks = [k for k in topk if k <= pred.shape[1]]
    hits = np.stack([(pred[:, :k] == gt[:, None]).any(1) for k in ks], 1)
    return ks, hits


def evaluate_score_maps(score_maps,
                        gt_boxes,
                        *,
                        gt_masks=None,
                        image_sizes=None,
                        protocol='wsolevaluation',
                        cam_thresholds=None,
                        iou_thresholds=(30, 50, 70),
                        pred_labels=None,
                        gt_labels=None,
                        topk=(1, 5),
                        map_normalization='none',
                        box_scale=1,
                        thresholds_from=None,
                        batch_size=64,
                        device='cpu',
                        num_threads=None,
                        progress=False):
    """Every WSOL localization figure of a set of score maps.

    Args:
        score_maps (np.ndarray | Iterable[np.ndarray]): ``(N, H, W)`` or an
            iterable of ``(H, W)`` maps (sizes may differ between images).
            With ``protocol='wsolevaluation'`` and the default
            ``map_normalization='none'`` they must lie in [0, 1] (as
            wsolevaluation's saved ``.npy`` maps do).
        gt_boxes (Sequence[array-like] | None): per image a ``(k, 4)`` array
            of ``x0, y0, x1, y1`` boxes in the map's pixel frame, or in the
            frame of ``image_sizes`` when that is given; None for a
            mask-only dataset (then only PxAP and class figures).
        gt_masks (Sequence[array-like], optional): per image an ``(H, W)``
            uint8 mask in the map's frame: 1 foreground, 0 background, 255
            ignored. Gives ``PxAP``.
        image_sizes (Sequence[tuple[int, int]], optional): per image the
            ``(h, w)`` of the frame ``gt_boxes`` are in; they are rescaled to
            the map's frame (wsolevaluation's ``resize_bbox`` arithmetic:
            float64 ``x * W / w``, int truncation; ornet: float32 scaling).
        protocol (str): ``wsolevaluation`` or ``ornet``.
        cam_thresholds (array-like, optional): map thresholds; default the
            protocol's (``np.arange(0, 1, 0.001)`` / 0.05 ... 0.95).
        iou_thresholds (Sequence[int]): IoU thresholds in percent for
            ``MaxBoxAcc@d`` and ``MaxBoxAccV2``.
        pred_labels (array-like, optional): ``(N,)`` predicted class or
            ``(N, K)`` classes by decreasing score; with ``gt_labels``
            gives ``Top-k Cls`` and ``Top-k Loc`` for every ``k <= K`` in
            ``topk``.
        gt_labels (array-like, optional): ``(N,)`` true classes.
        topk (Sequence[int]): the k of Top-k figures.
        map_normalization (str): ``none`` (use the maps as given; non-finite
            maps become zeros) or ``minmax`` (wsolevaluation's
            ``normalize_scoremap``; constant or NaN maps become zeros).
        box_scale (float): ornet only; map pixel to GT-frame pixel factor
            (4 for ORNet's 56x56 maps with 224x224 GT boxes).
        thresholds_from (None | float | dict): threshold of the
            thresholded figures (GT-known_Loc, Top-k Loc, BoxAcc@d):
            ``None`` the oracle best on these maps (what papers report), a
            float fixed, or a previous result dict (its ``'<figure>_thr'``
            entries: calibrated on another split).
        batch_size (int): maps processed together.
        device (str | torch.device): where normalisation (and ornet's boxes)
            run.
        num_threads (int, optional): threads of the wsolevaluation box
            kernel; default ``torch.get_num_threads()``.
        progress (bool): show a progress bar.

    Returns:
        dict[str, float]: ``MaxBoxAcc``, ``MaxBoxAccV2``, ``MaxBoxAcc@d``,
        ``GT-known_Loc``, ``PxAP`` (with masks), ``Top-k Cls`` / ``Top-k
        Loc`` (with labels), ``BoxAcc@d`` / ``BoxAccV2`` (with
        ``thresholds_from``), and ``'<figure>_thr'``: the map threshold each
        figure was taken at. Accuracies in percent.
    """
    protocol = check_protocol(protocol)
    if num_threads is None:
        num_threads = torch.get_num_threads()
    thresholds = as_cam_thresholds(cam_thresholds, protocol)
    iou_thresholds = as_iou_thresholds(iou_thresholds)
    iou_eval = list(iou_thresholds)
    if LOC_IOU not in iou_eval:
        iou_eval.append(LOC_IOU)
    if gt_boxes is None and gt_masks is None:
        raise ValueError('give gt_boxes, gt_masks or both')
    num = len(gt_boxes) if gt_boxes is not None else len(gt_masks)
    if image_sizes is not None and len(image_sizes) != num:
        raise ValueError(f'{num} GT box arrays but {len(image_sizes)} '
                         'image_sizes')
    if gt_masks is not None and len(gt_masks) != num:
        raise ValueError(f'{num} GT box arrays but {len(gt_masks)} gt_masks')
    if isinstance(score_maps, (np.ndarray, torch.Tensor)):
        if score_maps.ndim != 3:
            raise ValueError('score_maps must be (N, H, W), got shape '
                             f'{tuple(score_maps.shape)}')
        if len(score_maps) != num:
            raise ValueError(f'{len(score_maps)} score maps but {num} GT box '
                             'arrays')
    if (pred_labels is None) != (gt_labels is None):
        raise ValueError('pass both pred_labels and gt_labels, or neither')
    ks, hits = (None, None)
    if pred_labels is not None:
        ks, hits = _cls_hits(pred_labels, gt_labels, topk, num)

    bar = None
    if progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(num)
    counts = LocalizationCounts()
    invalid_total = 0
    for start, batch in _map_batches(score_maps, num, batch_size):
        idx = range(start, start + len(batch))
        height, width = batch.shape[1:]
        maps = torch.from_numpy(batch).to(device)
        maps, invalid = normalize_score_maps(maps, map_normalization)
        outside = (range_outside_unit(maps)
                   if map_normalization == 'none' else None)
        if outside is not None:
            raise ValueError(
                f'score maps {start}-{start + len(batch) - 1} range over '
                f'[{outside[0]:.4g}, {outside[1]:.4g}]'
                '; with map_normalization="none" they must lie in '
                '[0, 1] (thresholds and PxAP bins are in [0, 1]). Pass '
                'map_normalization="minmax" for raw CAMs.')
        if gt_boxes is None:
            boxes = None
        elif protocol == 'wsolevaluation':
            boxes = [
                wsolevaluation_resize_boxes(
                    gt_boxes[i], image_sizes[i] if image_sizes is not None
                    else (height, width), (height, width)) for i in idx
            ]
        else:
            boxes = []
            for i in idx:
                b = np.asarray(gt_boxes[i], np.float32).reshape(-1, 4)
                if image_sizes is not None:
                    h, w = image_sizes[i]
                    s = np.array([width * box_scale / w,
                                  height * box_scale / h] * 2, np.float32)
                    b = b * s
                boxes.append(b)
        correct = None
        if boxes is not None:
            correct = box_correctness(
                protocol, maps, boxes, thresholds, iou_eval,
                image_size=(round(height * box_scale),
                            round(width * box_scale)),
                box_scale=box_scale,
                num_threads=num_threads)
        hist = None
        if gt_masks is not None:
            masks = torch.from_numpy(
                np.stack([np.asarray(gt_masks[i], np.uint8) for i in idx]))
            hist = mask_score_histograms(maps, masks, thresholds)
        counts = counts + LocalizationCounts.from_batch(
            len(batch),
            correct,
            iou_eval.index(LOC_IOU),
            cls_correct=None if hits is None else hits[list(idx)],
            hist=hist,
            invalid=invalid.cpu().numpy())
        invalid_total += int(invalid.sum())
        if bar is not None:
            bar.update(len(batch))
    if invalid_total:
        warnings.warn(
            f'{invalid_total} of {num} score maps were constant or held '
            'NaN/inf and were evaluated as all-zero maps.',
            stacklevel=2)
    return summarize_localization(
        counts,
        thresholds,
        iou_thresholds,
        iou_eval,
        topk=ks or (),
        thresholds_from=thresholds_from)
