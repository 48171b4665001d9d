"""PxAP (wsolevaluation's MaskEvaluator): pixel precision-recall AP."""
import numpy as np
import torch

from .input_checks import check_gt_masks

__all__ = ['mask_score_histograms', 'pixel_average_precision']


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
