"""The straightforward reference loops of the localization figures: the
slow, obviously-right recipe that :func:`~mmwsol.evaluation.
evaluate_score_maps` is checked against. NOT for production use (it is
10-100x slower; use :func:`~mmwsol.evaluation.evaluate_score_maps` or
:class:`~mmwsol.evaluation.LocalizationMetric`), and therefore not exported
from :mod:`mmwsol.evaluation.functional`: import this module by name.

One OpenCV call per threshold, exactly the recipe of wsolevaluation's
``compute_bboxes_from_scoremaps`` / ``BoxEvaluator`` and of ORNet's
``find_bbox`` / ``test_multi_threshold``, and ``np.histogram`` per map as
wsolevaluation's ``MaskEvaluator``; slow on purpose. The tests
(``tests/test_evaluation/test_reference_equivalence.py``,
``test_contour_box_iou.py``) compare mmwsol with it to the digit, and
``tools/analysis_tools/benchmark_metric.py`` times mmwsol against it.

Boxes here are wsolevaluation's inclusive integer ``x0, y0, x1, y1``
(``+1`` in widths and areas), not mmwsol's continuous frame.
"""
import cv2
import numpy as np


def reference_contour_boxes(scoremap_u8, threshold):
    """V1 and V2 boxes of ``scoremap_u8 > int(threshold * max)``.

    Returns:
        tuple[list, list]: the largest contour's box (a list of one box) and
        every contour's box; ``[[0, 0, 0, 0]]`` for both without contours.
    """
    height, width = scoremap_u8.shape
    _, binary = cv2.threshold(
        scoremap_u8,
        int(threshold * np.max(scoremap_u8)),
        255,
        cv2.THRESH_BINARY)
    contours = cv2.findContours(binary, cv2.RETR_TREE,
                                cv2.CHAIN_APPROX_SIMPLE)[0]
    if len(contours) == 0:
        return [[0, 0, 0, 0]], [[0, 0, 0, 0]]

    def box(contour):
        x, y, w, h = cv2.boundingRect(contour)
        return [x, y, min(x + w, width - 1), min(y + h, height - 1)]

    largest = max(contours, key=cv2.contourArea)
    return [box(largest)], [box(c) for c in contours]


def reference_best_iou(boxes, gt_boxes):
    """Best ``+1`` inclusive IoU over all (box, GT) pairs."""
    best = 0.0
    for bx0, by0, bx1, by1 in boxes:
        for gx0, gy0, gx1, gy1 in gt_boxes:
            iw = max(0, min(bx1, gx1) - max(bx0, gx0) + 1)
            ih = max(0, min(by1, gy1) - max(by0, gy0) + 1)
            inter = iw * ih
            union = ((bx1 - bx0 + 1) * (by1 - by0 + 1) +
                     (gx1 - gx0 + 1) * (gy1 - gy0 + 1) - inter)
            iou = inter / union if union > 0 else 0.0
            best = max(best, iou)
    return best


def reference_multiple_iou(boxes, gt_boxes):
    """``(n, k)`` ``+1`` inclusive IoU matrix, numpy broadcasting."""
    a = np.asarray(boxes)[:, None, :]
    b = np.asarray(gt_boxes)[None, :, :]
    iw = np.maximum(0, np.minimum(a[..., 2], b[..., 2]) -
                    np.maximum(a[..., 0], b[..., 0]) + 1)
    ih = np.maximum(0, np.minimum(a[..., 3], b[..., 3]) -
                    np.maximum(a[..., 1], b[..., 1]) + 1)
    inter = iw * ih
    union = ((a[..., 2] - a[..., 0] + 1) * (a[..., 3] - a[..., 1] + 1) +
             (b[..., 2] - b[..., 0] + 1) * (b[..., 3] - b[..., 1] + 1) - inter)
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def reference_box_accuracy(scoremaps, gt_boxes, thresholds,
                           iou_thresholds=(30, 50, 70)):
    """MaxBoxAcc (V1, IoU 50) and MaxBoxAccV2 the straightforward way.

    As wsolevaluation's ``BoxEvaluator.accumulate``: the boxes of every
    threshold first (one OpenCV pass per threshold), then one IoU matrix
    per image, sliced back per threshold.

    Args:
        scoremaps: iterable of float maps in [0, 1].
        gt_boxes: per image a list of int ``x0, y0, x1, y1`` boxes.

    Returns:
        dict: ``MaxBoxAcc``, ``MaxBoxAccV2``, ``MaxBoxAcc@d`` (V2) and the
        per-threshold correct counts ``v1``, ``v2`` (``{d: array}``).
    """
    thresholds = list(thresholds)
    v1 = {d: np.zeros(len(thresholds)) for d in iou_thresholds}
    v2 = {d: np.zeros(len(thresholds)) for d in iou_thresholds}
    count = 0
    for scoremap, gts in zip(scoremaps, gt_boxes):
        scoremap_u8 = (scoremap * 255).astype(np.uint8)
        boxes1, boxes2, counts2 = [], [], []
        for threshold in thresholds:
            largest, every = reference_contour_boxes(scoremap_u8, threshold)
            boxes1 += largest
            boxes2 += every
            counts2.append(len(every))
        iou1 = reference_multiple_iou(boxes1, gts).max(1)
        iou2_all = reference_multiple_iou(boxes2, gts).max(1)
        ends = np.cumsum(counts2)
        iou2 = np.maximum.reduceat(iou2_all, ends - np.asarray(counts2))
        for d in iou_thresholds:
            v1[d] += iou1 >= d / 100
            v2[d] += iou2 >= d / 100
        count += 1
    result = {'v1': v1, 'v2': v2}
    result['MaxBoxAcc'] = (v1[50] * 100. / float(count)).max()
    per_iou = [(v2[d] * 100. / float(count)).max() for d in iou_thresholds]
    for d, value in zip(iou_thresholds, per_iou):
        result[f'MaxBoxAcc@{d}'] = value
    result['MaxBoxAccV2'] = np.average(per_iou)
    return result


def reference_ornet_accuracy(scoremaps, gt_boxes, thresholds, scale,
                             image_size):
    """ORNet's GT-known accuracy per threshold (IoU > 0.5), one GT box.

    ``find_bbox`` then ``intersect`` / IoU in float32 torch arithmetic,
    reproduced with numpy float32.
    """
    correct = np.zeros(len(thresholds))
    for scoremap, gt in zip(scoremaps, gt_boxes):
        gt = np.asarray(gt, np.float32).reshape(-1)
        for t, threshold in enumerate(thresholds):
            ys, xs = np.where(scoremap.astype(np.float64) > threshold)
            if len(xs) == 0:
                box = [0, 0, image_size[1], image_size[0]]
            else:
                box = [xs.min() * scale, ys.min() * scale, xs.max() * scale,
                       ys.max() * scale]
            box = np.asarray(box, np.float32)
            iw = max(np.float32(0), min(box[2], gt[2]) - max(box[0], gt[0]))
            ih = max(np.float32(0), min(box[3], gt[3]) - max(box[1], gt[1]))
            inter = np.float32(iw * ih)
            area_a = np.float32((box[2] - box[0]) * (box[3] - box[1]))
            area_b = np.float32((gt[2] - gt[0]) * (gt[3] - gt[1]))
            iou = np.float32(inter / np.float32(area_a + area_b - inter))
            correct[t] += iou > 0.5
    return correct


def reference_pxap(maps, masks, thresholds):
    """PxAP (percent) the way wsolevaluation's ``MaskEvaluator`` computes
    it: one ``np.histogram`` of the foreground and one of the background
    pixels per map (mask 1 / 0; 255 ignored), summed, then the AP.
    """
    edges = np.append(thresholds, [1.0, 2.0, 3.0])
    true_hist = np.zeros(len(edges) - 1)
    false_hist = np.zeros(len(edges) - 1)
    for m, mask in zip(maps, masks):
        true_hist += np.histogram(m[mask == 1], bins=edges)[0]
        false_hist += np.histogram(m[mask == 0], bins=edges)[0]
    tp = true_hist[::-1].cumsum()
    fn = true_hist.sum() - tp
    fp = false_hist[::-1].cumsum()
    non_zero = (tp + fp) != 0
    with np.errstate(divide='ignore', invalid='ignore'):
        precision = tp / (tp + fp)
        recall = tp / (tp + fn)
    return (precision[1:] * np.diff(recall))[non_zero[1:]].sum() * 100
