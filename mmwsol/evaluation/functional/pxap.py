"""PxAP (wsolevaluation's MaskEvaluator): pixel precision-recall AP."""
import numpy as np
import torch
from numba import njit

from .input_checks import check_gt_masks

__all__ = [
    'mask_score_histograms', 'pixel_average_precision', 'pack_histogram',
    'unpack_histograms'
]


def histogram_edges(cam_thresholds):
    """wsolevaluation's bin edges: the thresholds, then 1, 2, 3."""
    return np.append(np.asarray(cam_thresholds, np.float64), [1.0, 2.0, 3.0])


def mask_score_histograms(maps, masks, cam_thresholds, names=None):
    """Per-image histograms of map values on GT foreground and background.

    Same bins as wsolevaluation's ``np.histogram(scores,
    bins=thresholds + [1, 2, 3])``: ``[e_i, e_i+1)``, the last bin closed,
    values outside the edges dropped. Mask pixels: 1 foreground, 0
    background, 255 ignored; other masks are refused (see
    :func:`~mmwsol.evaluation.functional.input_checks.check_gt_masks`).

    Args:
        maps (Tensor): ``(B, H, W)`` maps (compared in float64).
        masks (Tensor): ``(B, H, W)`` masks, same frame.
        cam_thresholds (np.ndarray): ``(T,)``.
        names (Sequence[str], optional): the images, for error messages;
            default ``image <b>``.

    Returns:
        np.ndarray: ``(B, 2, T + 2)`` int64, ``[:, 0]`` background and
        ``[:, 1]`` foreground counts.
    """
    device = maps.device
    num = maps.shape[0]
    if names is None:
        names = [f'image {b}' for b in range(num)]
    masks = masks.to(device)
    if device.type == 'cpu':
        # uint8 masks are checked from the kernel's label counts (no
        # second pass); others (floats such as 0.5) before any cast
        check_gt_masks(masks, names, maps.shape[1:],
                       size_only=masks.dtype == torch.uint8)
        maps = maps.detach()
        values = maps.numpy() if maps.dtype in (
            torch.float32, torch.float64) else maps.double().numpy()
        hist, labels = _histograms_cpu(
            np.ascontiguousarray(values),
            np.ascontiguousarray(masks.to(torch.uint8).numpy()),
            histogram_edges(cam_thresholds))
        check_gt_masks(masks, names, maps.shape[1:],
                       label_counts=torch.from_numpy(labels))
        return hist
    check_gt_masks(masks, names, maps.shape[1:])
    edges = torch.as_tensor(histogram_edges(cam_thresholds), device=device)
    num_bins = edges.numel() - 1
    values = maps.to(torch.float64).flatten(1)
    idx = torch.bucketize(values, edges, right=True) - 1
    idx = torch.where(values == edges[-1], num_bins - 1, idx)
    label = masks.flatten(1).long()
    keep = (idx >= 0) & (idx < num_bins) & (label != 255)
    image = torch.arange(num, device=device)[:, None].expand_as(idx)
    flat = (image * 2 + label) * num_bins + idx
    counts = torch.bincount(flat[keep], minlength=num * 2 * num_bins)
    return counts.view(num, 2, num_bins).cpu().numpy().astype(np.int64)


def _histograms_cpu(maps, masks, edges):
    """``mask_score_histograms`` on the CPU: one pass over the pixels.

    Each value's bin is looked up in a table over a uniform grid 16 cells
    per bin fine, then moved until ``edges[k] <= v < edges[k + 1]`` holds
    against the real edges (float64 comparisons, as ``np.histogram``), so
    any ascending edges give ``np.histogram``'s bins exactly; the last bin
    is closed, values outside the edges are dropped. Also returns, per
    image, the number of pixels labelled 1, 255 and anything else (``(B,
    3)``; the last are not counted in the histograms).
    """
    num_bins = len(edges) - 1
    cells = 16 * num_bins
    scale = cells / (edges[-1] - edges[0])
    grid = edges[0] + np.arange(cells) / scale
    lookup = np.clip(
        np.searchsorted(edges, grid, side='right') - 1, 0,
        num_bins - 1).astype(np.int64)
    return _histogram_kernel(maps, masks, edges, lookup, scale)


@njit(cache=True, nogil=True)
def _histogram_kernel(maps, masks, edges, lookup, scale):
    num, height, width = maps.shape
    num_bins = len(edges) - 1
    out = np.zeros((num, 2, num_bins), np.int64)
    labels = np.zeros((num, 3), np.int64)
    low = edges[0]
    high = edges[num_bins]
    last_cell = len(lookup) - 1
    for b in range(num):
        for r in range(height):
            for c in range(width):
                label = masks[b, r, c]
                if label > 1:
                    labels[b, 1 if label == 255 else 2] += 1
                    continue
                labels[b, 0] += label
                v = np.float64(maps[b, r, c])
                if not (v >= low and v <= high):
                    continue
                k = lookup[min(int((v - low) * scale), last_cell)]
                while k > 0 and edges[k] > v:
                    k -= 1
                while k < num_bins - 1 and edges[k + 1] <= v:
                    k += 1
                out[b, label, k] += 1
    return out, labels


#: Bins holding fewer pixels than this are stored in one byte each.
_PACKED_LIMIT = 255


def pack_histogram(hist):
    """One image's ``(2, T + 2)`` histograms in about a quarter of the
    int32 bytes: every bin as uint8 (saturated at 255), and the bins of
    255 pixels or more as ``(flat index, count)`` int32 pairs.

    With 1000 thresholds a 224 x 224 map's histograms shrink from 8016
    bytes (int32) to 2004 plus 8 per bin of 255 pixels or more (about two
    for the CAM-like maps of ``benchmark_metric.py``: flat regions, the
    zeros of a min-max normalised map); LocalizationMetric's whole pickled
    record with masks from 8.9 KB to 3.1 KB (50k images: 147 MiB
    gathered instead of 423). :func:`unpack_histograms` restores the exact
    counts.

    Args:
        hist (np.ndarray): ``(2, T + 2)`` non-negative integer counts.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(2, T + 2)`` uint8 and ``(k, 2)``
        int32.
    """
    hist = np.asarray(hist)
    over = np.flatnonzero(hist >= _PACKED_LIMIT)
    pairs = np.stack([over, hist.reshape(-1)[over]], 1).astype(np.int32)
    return np.minimum(hist, _PACKED_LIMIT).astype(np.uint8), pairs


def unpack_histograms(packed):
    """``(N, 2, T + 2)`` int64 counts of :func:`pack_histogram` records.

    Args:
        packed (Sequence[tuple[np.ndarray, np.ndarray]]): the records.

    Returns:
        np.ndarray: ``(N, 2, T + 2)`` int64.
    """
    hist = np.stack([p[0] for p in packed]).astype(np.int64)
    pairs = [p[1] for p in packed]
    sizes = np.array([len(p) for p in pairs])
    if sizes.sum():
        flat = hist.reshape(len(hist), -1)
        rows = np.repeat(np.arange(len(pairs)), sizes)
        pairs = np.concatenate(pairs)
        flat[rows, pairs[:, 0]] = pairs[:, 1]
    return hist


def pixel_average_precision(hist_bg, hist_fg):
    """PxAP (percent) from summed histograms, as wsolevaluation computes it.

    Args:
        hist_bg (np.ndarray): ``(T + 2,)`` background counts.
        hist_fg (np.ndarray): ``(T + 2,)`` foreground counts.

    Returns:
        float: ``sum(precision[1:] * diff(recall)) * 100`` over thresholds
        with a positive prediction.
    """
    gt_true = np.asarray(hist_fg, dtype=np.float64)
    gt_false = np.asarray(hist_bg, dtype=np.float64)
    num_gt_true = gt_true.sum()
    tp = gt_true[::-1].cumsum()
    fn = num_gt_true - tp
    num_gt_false = gt_false.sum()
    fp = gt_false[::-1].cumsum()
    if ((tp + fn) <= 0).all():
        raise ValueError('PxAP: no foreground pixel in the evaluated GT '
                         'masks.')
    if ((tp + fp) <= 0).all():
        raise ValueError('PxAP: no pixel of any map reaches a threshold.')
    non_zero = (tp + fp) != 0
    with np.errstate(divide='ignore', invalid='ignore'):
        precision = tp / (tp + fp)
        recall = tp / (tp + fn)
    auc = (precision[1:] * np.diff(recall))[non_zero[1:]].sum()
    return float(auc * 100)
