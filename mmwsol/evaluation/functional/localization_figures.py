"""From per-image decisions to the figures WSOL papers report.

Everything here works on integer counts summed over images, so the result
does not depend on how images were split over processes or batches.
"""
import numpy as np

from .pxap import pixel_average_precision

__all__ = [
    'LocalizationCounts', 'summarize_localization', 'threshold_index',
    'rename_legacy_keys', 'LOC_IOU'
]

#: IoU (percent) of MaxBoxAcc (V1), GT-known Loc and Top-k Loc.
LOC_IOU = 50


class LocalizationCounts:
    """Integer sums over images of everything the figures need.

    Attributes:
        num (int): images.
        box (np.ndarray): ``(V, D, T)`` correct images per box variant, IoU
            threshold and map threshold (see ``box_correctness``).
        cls (np.ndarray | None): ``(K,)`` images whose class is in the top-k,
            one entry per ``topk``.
        loc (np.ndarray | None): ``(K, T)`` images with the class in the
            top-k AND a correct V1 box at ``LOC_IOU``.
        hist (np.ndarray | None): ``(2, T + 2)`` background / foreground
            pixel histograms for PxAP.
        invalid (int): maps replaced by zeros (constant or non-finite).
    """

    def __init__(self, num=0, box=None, cls=None, loc=None, hist=None,
                 invalid=0):
        self.num = int(num)
        self.box = box
        self.cls = cls
        self.loc = loc
        self.hist = hist
        self.invalid = int(invalid)

    @classmethod
    def from_batch(cls, num, correct=None, loc_index=None, cls_correct=None,
                   hist=None, invalid=None):
        """Counts of one batch of ``num`` images.

        Args:
            num (int): images in the batch.
            correct (np.ndarray, optional): ``(B, V, D, T)`` bool box
                decisions (absent for mask-only datasets).
            loc_index (int): index ``d`` of ``LOC_IOU`` in ``D``.
            cls_correct (np.ndarray, optional): ``(B, K)`` bool top-k hits.
            hist (np.ndarray, optional): ``(B, 2, T + 2)`` histograms.
            invalid (np.ndarray, optional): ``(B,)`` bool.
        """
        counts = cls(num=num)
        if correct is not None:
            correct = np.asarray(correct, dtype=bool)
            counts.box = correct.sum(0, dtype=np.int64)
        if cls_correct is not None:
            cls_correct = np.asarray(cls_correct, dtype=bool)
            counts.cls = cls_correct.sum(0, dtype=np.int64)
            if correct is not None:
                largest = correct[:, 0, loc_index, :]  # (B, T)
                counts.loc = np.einsum('bk,bt->kt',
                                       cls_correct.astype(np.int64),
                                       largest.astype(np.int64))
        if hist is not None:
            counts.hist = np.asarray(hist, np.int64).sum(0)
        if invalid is not None:
            counts.invalid = int(np.asarray(invalid).sum())
        return counts

    def __add__(self, other):
        if isinstance(other, int) and other == 0:  # sum() starts from 0
            return self
        if other.num == 0:
            return self
        if self.num == 0:
            return other

        def add(a, b, name):
            if a is None and b is None:
                return None
            if a is None or b is None:
                raise ValueError(f'cannot add counts with and without {name} '
                                 '(some images have it, others not)')
            return a + b

        return LocalizationCounts(
            num=self.num + other.num,
            box=add(self.box, other.box, 'boxes'),
            cls=add(self.cls, other.cls, 'class scores'),
            loc=add(self.loc, other.loc, 'class scores'),
            hist=add(self.hist, other.hist, 'GT masks'),
            invalid=self.invalid + other.invalid)

    __radd__ = __add__


def rename_legacy_keys(figures):
    """Figure names of mmwsol < 0.2 (``'GT-known Loc thr'``) in today's form.

    Keys used to hold spaces (``GT-known Loc``, ``Top-1 Cls``, ``MaxBoxAcc
    thr``), which ended up in best-checkpoint file names. Since 0.2 the words
    are joined by ``_`` and every threshold is the figure's name plus
    ``_thr`` (``GT-known_Loc_thr``). Used where saved results are read back
    (calibrated thresholds files); new names pass unchanged.

    Args:
        figures (dict): figure name to value.

    Returns:
        dict: the same values under today's names.
    """
    def renamed(key):
        for old, new in ((' thr', '_thr'), (' Loc', '_Loc'), (' Cls', '_Cls')):
            key = key.replace(old, new)
        return key

    return {renamed(k): v for k, v in figures.items()}


def threshold_index(cam_thresholds, value, what='threshold'):
    """Index of ``value`` in ``cam_thresholds`` (to 1e-9), or a clear error."""
    thr = np.asarray(cam_thresholds, np.float64)
    hits = np.flatnonzero(np.abs(thr - float(value)) <= 1e-9)
    if hits.size != 1:
        near = thr[np.argsort(np.abs(thr - float(value)))[:3]]
        raise ValueError(
            f'{what} {value!r} is not one of the evaluated cam_thresholds '
            f'(nearest: {near.tolist()}); add it to cam_thresholds.')
    return int(hits[0])


def _selected_index(thresholds_from, key, cam_thresholds, oracle_index):
    """Threshold index for figure ``key`` under the selection rule."""
    if thresholds_from is None:
        return oracle_index
    if isinstance(thresholds_from, dict):
        if key not in thresholds_from:
            raise KeyError(
                f'calibrated thresholds have no "{key}" (keys: '
                f'{sorted(k for k in thresholds_from if k.endswith("thr"))})')
        return threshold_index(cam_thresholds, thresholds_from[key],
                               f'calibrated "{key}"')
    return threshold_index(cam_thresholds, thresholds_from, 'fixed threshold')


def summarize_localization(counts, cam_thresholds, iou_thresholds,
                           iou_eval, topk=(1, 5), thresholds_from=None):
    """The figures, each with the map threshold it was taken at.

    Args:
        counts (LocalizationCounts): sums over the evaluated images.
        cam_thresholds (np.ndarray): ``(T,)`` map thresholds.
        iou_thresholds (Sequence): the reported IoU thresholds (percent).
        iou_eval (Sequence): the evaluated ones, ``D`` of them (the
            reported ones plus ``LOC_IOU`` if missing).
        topk (Sequence[int]): k of the ``cls`` / ``loc`` rows.
        thresholds_from (None | float | dict): threshold selection for the
            thresholded figures (GT-known_Loc, Top-k Loc, BoxAcc@d):
            ``None`` the oracle (best on these images, what papers report),
            a float a fixed threshold, a dict the ``'<figure>_thr'`` entries
            of a previous result (calibration on another split).

    Returns:
        dict[str, float]: ``MaxBoxAcc`` (V1: largest contour, IoU 50),
        ``MaxBoxAcc@d`` (V2: every contour) and ``MaxBoxAccV2`` (their
        mean), ``GT-known_Loc``, ``Top-k Cls``, ``Top-k Loc``, ``PxAP``
        (with masks), ``BoxAcc@d`` / ``BoxAccV2`` (fixed or calibrated
        selection only) and ``'<figure>_thr'`` for every thresholded figure.
        Accuracies in percent. Without box decisions (a mask-only dataset)
        only the class figures and PxAP.
    """
    if counts.num == 0:
        raise ValueError('no image was evaluated')
    thr = np.asarray(cam_thresholds, np.float64)
    num = float(counts.num)
    iou_eval = list(iou_eval)
    res = {}
    if counts.box is not None:
        i_loc = _box_figures(res, counts, thr, iou_thresholds, iou_eval,
                             thresholds_from)
    if counts.cls is not None:
        for j, k in enumerate(topk):
            res[f'Top-{k}_Cls'] = float(counts.cls[j] * 100. / num)
        if counts.loc is not None:
            for j, k in enumerate(topk):
                res[f'Top-{k}_Loc'] = float(counts.loc[j, i_loc] * 100. /
                                            num)
                res[f'Top-{k}_Loc_thr'] = float(thr[i_loc])
    if counts.hist is not None:
        res['PxAP'] = pixel_average_precision(counts.hist[0], counts.hist[1])
    return res


def _box_figures(res, counts, thr, iou_thresholds, iou_eval,
                 thresholds_from):
    """Box figures into ``res``; returns the GT-known threshold index."""
    num = float(counts.num)
    d_loc = iou_eval.index(LOC_IOU)
    # wsolevaluation: num_correct * 100. / float(cnt)
    acc = counts.box.astype(np.float64) * 100. / num  # (V, D, T)
    largest, every = acc[0], acc[-1]

    i_v1 = int(np.argmax(largest[d_loc]))
    res['MaxBoxAcc'] = float(largest[d_loc].max())
    res['MaxBoxAcc_thr'] = float(thr[i_v1])
    per_iou = []
    for delta in iou_thresholds:
        d = iou_eval.index(delta)
        i_best = int(np.argmax(every[d]))
        per_iou.append(every[d].max())
        res[f'MaxBoxAcc@{delta}'] = float(every[d].max())
        res[f'MaxBoxAcc@{delta}_thr'] = float(thr[i_best])
    res['MaxBoxAccV2'] = float(np.average(per_iou))

    i_loc = _selected_index(thresholds_from, 'GT-known_Loc_thr', thr, i_v1)
    res['GT-known_Loc'] = float(largest[d_loc, i_loc])
    res['GT-known_Loc_thr'] = float(thr[i_loc])
    if thresholds_from is not None:
        box_acc = []
        for delta in iou_thresholds:
            d = iou_eval.index(delta)
            i_sel = _selected_index(thresholds_from,
                                    f'MaxBoxAcc@{delta}_thr', thr, None)
            box_acc.append(every[d, i_sel])
            res[f'BoxAcc@{delta}'] = float(every[d, i_sel])
            res[f'BoxAcc@{delta}_thr'] = float(thr[i_sel])
        res['BoxAccV2'] = float(np.average(box_acc))
    return i_loc
