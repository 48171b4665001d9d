"""Offline evaluation of anyone's score maps (no model, no config)."""
import warnings
from itertools import islice

import numpy as np
import torch

from mmwsol.structures import (normalize_score_maps, range_outside_unit,
                               score_map_ranges)
from mmwsol.utils.options import check_choice
from .box_correctness import box_correctness
from .box_rescale import wsolevaluation_resize_boxes
from .input_checks import (NONFINITE_POLICIES, check_gt_boxes,
                           check_image_size, check_map_size,
                           nonfinite_maps_error, nonfinite_maps_message)
from .localization_figures import (LOC_IOU, LocalizationCounts,
                                   summarize_localization)
from .protocols import as_cam_thresholds, as_iou_thresholds, check_protocol
from .pxap import mask_score_histograms

__all__ = ['evaluate_score_maps']


def _as_map(m, name):
    arr = np.asarray(m)
    check_map_size(arr.shape, name)
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    elif arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    return arr


def _map_batches(score_maps, num, batch_size, names):
    """``(start, (B, H, W) tensor)`` batches of consecutive same-size maps
    (a tensor's batches stay on its device)."""
    if isinstance(score_maps, torch.Tensor):
        for start in range(0, num, batch_size):
            batch = score_maps[start:start + batch_size].detach()
            if not batch.is_floating_point():
                batch = batch.to(torch.float64)
            elif batch.dtype in (torch.float16, torch.bfloat16):
                batch = batch.to(torch.float32)
            yield start, batch.contiguous()
        return
    if isinstance(score_maps, np.ndarray):
        for start in range(0, num, batch_size):
            batch = score_maps[start:start + batch_size]
            if not np.issubdtype(batch.dtype, np.floating):
                batch = batch.astype(np.float64)
            elif batch.dtype == np.float16:
                batch = batch.astype(np.float32)
            yield start, torch.from_numpy(np.ascontiguousarray(batch))
        return
    maps_iter = iter(score_maps)
    start = 0
    pending = None
    while start < num:
        batch = [] if pending is None else [pending]
        pending = None
        room = min(batch_size, num - start) - len(batch)
        for i, m in enumerate(islice(maps_iter, room), start + len(batch)):
            arr = _as_map(m, names[i])
            if batch and arr.shape != batch[0].shape:
                pending = arr
                break
            batch.append(arr)
        if not batch:
            raise ValueError(f'score_maps ended after {start} maps, but '
                             f'{num} GT box arrays were given')
        yield start, torch.from_numpy(np.stack(batch))
        start += len(batch)
    if pending is not None or next(maps_iter, None) is not None:
        raise ValueError(f'more score maps than the {num} GT box arrays')


def _frame(image_sizes, i, default):
    """``(h, w)`` of image ``i``'s GT boxes."""
    return default if image_sizes is None else image_sizes[i]


def _wsolevaluation_boxes(gt_boxes, idx, names, image_sizes, gt_frame,
                          shape):
    """The checked GT boxes of images ``idx`` in the map's frame (int
    boxes, wsolevaluation's ``resize_bbox``). Boxes all in the map's own
    frame (no ``image_sizes``) are checked and moved in one call; only
    when that refuses them is each image checked alone, for the message
    naming it."""

    def one(i):
        frame = _frame(image_sizes, i, gt_frame)
        return wsolevaluation_resize_boxes(
            check_gt_boxes(gt_boxes[i], names[i], frame, inclusive=True),
            frame, shape)

    if image_sizes is None:
        arrays = [gt_boxes[i] for i in idx]
        if all(isinstance(a, np.ndarray) and a.ndim == 2 and a.shape[1] == 4
               for a in arrays):
            try:
                flat = check_gt_boxes(np.concatenate(arrays), 'batch',
                                      gt_frame, inclusive=True)
            except ValueError:
                flat = None  # each image alone names the bad one
            if flat is not None:
                flat = wsolevaluation_resize_boxes(flat, gt_frame, shape)
                return np.split(flat, np.cumsum([len(a)
                                                 for a in arrays])[:-1])
    return [one(i) for i in idx]


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
                        nonfinite_maps='error',
                        image_names=None,
                        batch_size=64,
                        device=None,
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
            mask-only dataset (then only PxAP and class figures). ornet
            boxes in the map's frame may extend past it (ORNet's boxes in
            the crop are not clipped) but must overlap it.
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
            ``MaxBoxAcc@d`` and ``MaxBoxAccV2`` (fractions such as 0.5 are
            refused: they would read as 0.5 % IoU).

    Every input is checked and refused with the image named: boxes that
    are not ``(k, 4)``, not finite, without area or outside their frame,
    image sizes that are not two positive integers, masks of another size
    or with values other than 0 / 1 / 255 (or 255 without any 1), maps
    with an empty side.
        pred_labels (array-like, optional): ``(N,)`` predicted class or
            ``(N, K)`` classes by decreasing score; with ``gt_labels``
            gives ``Top-k Cls`` and ``Top-k Loc`` for every ``k <= K`` in
            ``topk``.
        gt_labels (array-like, optional): ``(N,)`` true classes.
        topk (Sequence[int]): the k of Top-k figures.
        map_normalization (str): ``none`` (use the maps as given) or
            ``minmax`` (wsolevaluation's ``normalize_scoremap``; constant
            maps become zeros, counted in a warning).
        box_scale (float): ornet only; map pixel to GT-frame pixel factor
            (4 for ORNet's 56x56 maps with 224x224 GT boxes).
        thresholds_from (None | float | dict): threshold of the
            thresholded figures (GT-known_Loc, Top-k Loc, BoxAcc@d):
            ``None`` the oracle best on these maps (what papers report), a
            float fixed, or a previous result dict (its ``'<figure>_thr'``
            entries: calibrated on another split).
        nonfinite_maps (str): a map holding NaN or inf: ``'error'``
            (default) stops naming the images; ``'zero'`` evaluates it as an
            all-zero map, counted and named in a warning.
        image_names (Sequence[str], optional): the images' names in error
            messages and warnings; default ``image <index>``.
        batch_size (int): maps processed together.
        device (str | torch.device, optional): where normalisation,
            quantisation, PxAP's histograms and ornet's boxes run; default
            the device of a ``score_maps`` tensor (CUDA maps stay there:
            one batched copy of uint8 maps reaches the host for
            wsolevaluation's boxes), else the CPU.
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
    if device is None:
        device = (score_maps.device if isinstance(score_maps, torch.Tensor)
                  else 'cpu')
    check_choice('nonfinite_maps', nonfinite_maps, NONFINITE_POLICIES)
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
    if image_names is None:
        names = [f'image {i}' for i in range(num)]
    elif len(image_names) != num:
        raise ValueError(f'{num} GT box arrays but {len(image_names)} '
                         'image_names')
    else:
        names = [str(n) for n in image_names]
    if image_sizes is not None:
        if len(image_sizes) != num:
            raise ValueError(f'{num} GT box arrays but {len(image_sizes)} '
                             'image_sizes')
        image_sizes = [
            check_image_size(size, names[i])
            for i, size in enumerate(image_sizes)
        ]
    if gt_masks is not None and len(gt_masks) != num:
        raise ValueError(f'{num} GT box arrays but {len(gt_masks)} gt_masks')
    if isinstance(score_maps, (np.ndarray, torch.Tensor)):
        if score_maps.ndim != 3:
            raise ValueError('score_maps must be (N, H, W), got shape '
                             f'{tuple(score_maps.shape)}')
        check_map_size(score_maps.shape[1:], 'score_maps')
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
    nonfinite_names = []
    for start, batch in _map_batches(score_maps, num, batch_size, names):
        idx = range(start, start + len(batch))
        height, width = batch.shape[1:]
        maps = batch.to(device)
        ranges = score_map_ranges(maps)
        nonfinite = ~(torch.isfinite(ranges[0]) & torch.isfinite(ranges[1]))
        if bool(nonfinite.any()):
            nonfinite_names += [
                names[start + int(j)]
                for j in torch.nonzero(nonfinite.cpu())[:, 0]
            ]
            if nonfinite_maps == 'error':
                raise nonfinite_maps_error(nonfinite_names,
                                           start + len(batch))
        outside = (range_outside_unit(maps, ranges=ranges)
                   if map_normalization == 'none' else None)
        maps, invalid = normalize_score_maps(maps, map_normalization,
                                             ranges=ranges)
        if outside is not None:
            raise ValueError(
                f'score maps {start}-{start + len(batch) - 1} range over '
                f'[{outside[0]:.4g}, {outside[1]:.4g}]'
                '; with map_normalization="none" they must lie in '
                '[0, 1] (thresholds and PxAP bins are in [0, 1]). Pass '
                'map_normalization="minmax" for raw CAMs.')
        gt_frame = (round(height * box_scale), round(width * box_scale))
        if gt_boxes is None:
            boxes = None
        elif protocol == 'wsolevaluation':
            boxes = _wsolevaluation_boxes(gt_boxes, idx, names, image_sizes,
                                          gt_frame, (height, width))
        else:
            boxes = []
            for i in idx:
                b = check_gt_boxes(gt_boxes[i], names[i],
                                   _frame(image_sizes, i, gt_frame),
                                   partly_outside=image_sizes is None)
                b = b.astype(np.float32)
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
                image_size=gt_frame,
                box_scale=box_scale,
                num_threads=num_threads)
        hist = None
        if gt_masks is not None:
            masks = [np.asarray(gt_masks[i]) for i in idx]
            for i, mask in zip(idx, masks):
                if mask.shape != (height, width):
                    raise ValueError(
                        f'{names[i]}: GT mask {mask.shape} and score map '
                        f'{(height, width)} differ in size')
            hist = mask_score_histograms(maps, torch.from_numpy(
                np.stack(masks)), thresholds, [names[i] for i in idx])
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
    if nonfinite_names:
        warnings.warn(nonfinite_maps_message(nonfinite_names, num),
                      stacklevel=2)
    constant = invalid_total - len(nonfinite_names)
    if constant:
        warnings.warn(
            f'{constant} of {num} score maps were constant and were '
            'evaluated as all-zero maps.',
            stacklevel=2)
    return summarize_localization(
        counts,
        thresholds,
        iou_thresholds,
        iou_eval,
        topk=ks or (),
        thresholds_from=thresholds_from)
