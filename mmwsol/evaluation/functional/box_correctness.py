"""Per-image box correctness at every (IoU threshold, map threshold) pair.

Both functions return a boolean array ``(B, V, D, T)``: image ``b``, box
variant ``v``, IoU threshold ``d`` (``iou_thresholds[d]`` percent), map
threshold ``t`` (``cam_thresholds[t]``). wsolevaluation has two variants,
``v = 0`` the largest contour's box (MaxBoxAcc, "V1") and ``v = 1`` every
contour's box (MaxBoxAccV2); ORNet has one box per threshold (``V = 1``).
"""
import numpy as np
import torch

from mmwsol.structures import line_extents, quantize_score_maps
from .contour_box_iou import contour_box_ious

__all__ = [
    'box_correctness', 'wsolevaluation_box_correctness',
    'ornet_box_correctness'
]


def wsolevaluation_box_correctness(maps_u8, gt_boxes, cam_thresholds,
                                   iou_thresholds, num_threads=1):
    """wsolevaluation's BoxEvaluator decisions, all thresholds at once.

    Threshold ``tau`` binarises the uint8 map at ``int(tau * max(map))``
    (float64 product, truncation), exactly as its
    ``compute_bboxes_from_scoremaps``; an image is correct when a box reaches
    IoU ``>= delta / 100`` with a GT box (``+1`` inclusive IoU).

    Args:
        maps_u8 (np.ndarray): ``(B, H, W)`` uint8 maps.
        gt_boxes (Sequence[np.ndarray]): per image ``(k, 4)`` int boxes in
            the map's frame (after ``wsolevaluation_resize_boxes``).
        cam_thresholds (np.ndarray): ``(T,)`` float64, ``>= 0``.
        iou_thresholds (Sequence[int | float]): percentages.
        num_threads (int): threads of the box kernel.

    Returns:
        np.ndarray: ``(B, 2, D, T)`` bool.
    """
    maps_u8 = np.asarray(maps_u8)
    thresholds = np.asarray(cam_thresholds, dtype=np.float64)
    if (thresholds < 0).any():
        raise ValueError('wsolevaluation thresholds must be >= 0, got '
                         f'{thresholds[thresholds < 0][:3].tolist()}')
    num = maps_u8.shape[0]
    top = maps_u8.reshape(num, -1).max(1) if maps_u8.size else np.zeros(
        num, np.uint8)
    # int(tau * np.max(uint8 map)): float64 product, truncation
    levels = (thresholds[None, :] * top[:, None]).astype(np.int64)
    levels = np.minimum(levels, 255)  # every level >= max(map) is empty
    need = np.zeros(256, np.bool_)
    need[levels.reshape(-1)] = True
    iou_largest, iou_all = contour_box_ious(maps_u8, gt_boxes, need,
                                            num_threads)
    ious = np.stack([
        np.take_along_axis(iou_largest, levels, 1),
        np.take_along_axis(iou_all, levels, 1)
    ], 1)  # (B, 2, T)
    deltas = np.array([d / 100 for d in iou_thresholds], dtype=np.float64)
    return ious[:, :, None, :] >= deltas[None, None, :, None]


def ornet_box_correctness(maps, gt_boxes, cam_thresholds, iou_thresholds,
                          image_size, box_scale=1):
    """ORNet's ``test_multi_threshold`` decisions, all thresholds at once.

    Box at ``tau``: ``[minx, miny, maxx, maxy] * box_scale`` over the pixels
    with ``map > tau`` (float64 comparison, as ORNet's ``find_bbox`` on the
    map cast to float64; no ``+1``); no such pixel gives the whole image
    ``[0, 0, W, H]``. IoU in float32 without ``+1`` (ORNet's
    ``intersect``), correct when ``IoU > delta / 100`` for some GT box.

    Args:
        maps (Tensor): ``(B, h, w)`` maps, any device.
        gt_boxes (Sequence[array-like]): per image ``(k, 4)`` float boxes
            in the evaluated frame, ``k >= 1``.
        cam_thresholds (np.ndarray): ``(T,)`` float64.
        iou_thresholds (Sequence[int | float]): percentages.
        image_size (tuple[int, int]): evaluated ``(H, W)`` (empty-map box).
        box_scale (float): map pixel to image pixel factor (4 for ORNet's
            56x56 map of a 224 image; 1 for an upsampled map).

    Returns:
        Tensor: ``(B, 1, D, T)`` bool, on the device of ``maps``.
    """
    device = maps.device
    num, h, w = maps.shape
    thr = torch.as_tensor(
        np.asarray(cam_thresholds, np.float64), device=device)
    maps64 = maps.to(torch.float64)
    col_max = maps64.amax(1)  # (B, w)
    row_max = maps64.amax(2)  # (B, h)
    above_x = col_max[:, None, :] > thr[None, :, None]  # (B, T, w)
    above_y = row_max[:, None, :] > thr[None, :, None]  # (B, T, h)
    found, x_min, y_min, x_max, y_max = line_extents(above_y, above_x)
    boxes = torch.stack([x_min, y_min, x_max, y_max], -1).to(torch.float32)
    boxes = boxes * torch.tensor(box_scale, dtype=torch.float32)
    height, width = image_size
    whole = torch.tensor([0, 0, width, height],
                         dtype=torch.float32,
                         device=device)
    boxes = torch.where(found[..., None], boxes, whole)  # (B, T, 4)

    counts = [len(g) for g in gt_boxes]
    if num and min(counts) < 1:
        raise ValueError('every image needs at least one GT box; image '
                         f'{int(np.argmin(counts))} has none')
    k_max = max(counts) if counts else 1
    gt = torch.zeros((num, k_max, 4), dtype=torch.float32)
    valid = torch.zeros((num, k_max), dtype=torch.bool)
    for i, g in enumerate(gt_boxes):
        gt[i, :counts[i]] = torch.as_tensor(
            np.asarray(g, np.float32).reshape(-1, 4))
        valid[i, :counts[i]] = True
    gt = gt.to(device)
    valid = valid.to(device)

    a = boxes[:, :, None, :]  # (B, T, 1, 4)
    b = gt[:, None, :, :]  # (B, 1, K, 4)
    max_xy = torch.minimum(a[..., 2:], b[..., 2:])
    min_xy = torch.maximum(a[..., :2], b[..., :2])
    inter_wh = torch.clamp(max_xy - min_xy, min=0)
    inter = inter_wh[..., 0] * inter_wh[..., 1]
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = area_a + area_b - inter
    iou = inter / union  # (B, T, K) float32, as ORNet
    iou = torch.where(valid[:, None, :] & ~torch.isnan(iou), iou,
                      torch.full_like(iou, -1.0))
    best = iou.amax(2)  # (B, T)
    correct = torch.stack([best > (d / 100) for d in iou_thresholds], 1)
    return correct[:, None]  # (B, 1, D, T)


def box_correctness(protocol, maps, gt_boxes, cam_thresholds, iou_thresholds,
                    image_size=None, box_scale=1, num_threads=1):
    """Box decisions of either protocol for prepared maps.

    Args:
        protocol (str): ``wsolevaluation`` or ``ornet``.
        maps (Tensor): ``(B, h, w)`` maps already upsampled / normalised as
            the protocol wants (wsolevaluation: in [0, 1], they are
            quantised here).
        gt_boxes (Sequence[np.ndarray]): per image ``(k, 4)`` boxes in the
            evaluated frame (wsolevaluation: ints from
            ``wsolevaluation_resize_boxes``).
        image_size (tuple[int, int], optional): evaluated ``(H, W)``
            (ornet's empty-map box); default the map size times
            ``box_scale``.
        box_scale (float): ornet only, map pixel to image pixel factor.
        num_threads (int): wsolevaluation only, threads of the box kernel.

    Returns:
        np.ndarray: ``(B, V, D, T)`` bool.
    """
    if protocol == 'wsolevaluation':
        maps_u8 = quantize_score_maps(maps).cpu().numpy()
        return wsolevaluation_box_correctness(maps_u8, gt_boxes,
                                              cam_thresholds, iou_thresholds,
                                              num_threads)
    if protocol == 'ornet':
        if image_size is None:
            image_size = (round(maps.shape[1] * box_scale),
                          round(maps.shape[2] * box_scale))
        return ornet_box_correctness(maps, gt_boxes, cam_thresholds,
                                     iou_thresholds, image_size,
                                     box_scale).cpu().numpy()
    raise ValueError(f'unknown protocol {protocol!r}')
