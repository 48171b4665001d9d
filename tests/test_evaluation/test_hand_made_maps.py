"""Hand-made maps whose figures are worked out by hand (in the comments).

wsolevaluation: a map value v becomes ``int(v * 255)``; threshold tau keeps
pixels ``> int(tau * max)``; a region of pixel columns a..b gives the box
``x0 = a``, ``x1 = min(b + 1, W - 1)`` (OpenCV's ``x + w``, clipped); IoU
counts inclusive pixels (``+1``) and must reach ``>= delta``.
ORNet: box ``[minx, miny, maxx, maxy] * scale`` over pixels ``> tau``, IoU
without ``+1``, ``> delta``.
"""
import numpy as np
import pytest

from mmwsol.evaluation import evaluate_score_maps

THR = np.arange(0, 1, 0.001)


def wsol(maps, boxes, **kwargs):
    return evaluate_score_maps(
        np.asarray(maps, np.float64)[None] if np.ndim(maps) == 2 else maps,
        [np.asarray(boxes)], **kwargs)


def test_single_blob():
    m = np.zeros((10, 10))
    m[2:6, 3:8] = 1.0  # rows 2..5, cols 3..7
    # every threshold: rect (3, 2, 5, 4) -> box [3, 2, 8, 6] (6 x 5 pixels)
    # GT = the blob's pixel box [3, 2, 7, 5] (5 x 4): IoU 20 / 30 = 0.667
    res = wsol(m, [[3, 2, 7, 5]])
    assert res['MaxBoxAcc'] == 100.0 and res['MaxBoxAcc_thr'] == 0.0
    assert res['MaxBoxAcc@30'] == res['MaxBoxAcc@50'] == 100.0
    assert res['MaxBoxAcc@70'] == 0.0
    assert res['MaxBoxAccV2'] == pytest.approx(200 / 3, abs=1e-12)
    assert res['GT-known_Loc'] == 100.0
    # GT = the box OpenCV's rect gives: IoU 1
    res = wsol(m, [[3, 2, 8, 6]])
    assert res['MaxBoxAcc@70'] == 100.0 and res['MaxBoxAccV2'] == 100.0


def two_blobs():
    m = np.zeros((20, 20))
    m[10:18, 10:18] = 0.5  # big: q = 127, 8x8 pixels, contour area 49
    m[2:5, 2:5] = 1.0  # small: q = 255, 3x3 pixels, contour area 4
    return m


def test_two_blobs_smaller_matches_wsolevaluation():
    # thr = int(tau * 255) < 127 for tau <= 0.498: both blobs, V1 keeps the
    # big one (IoU 0); from tau = 0.499 (thr 127) only the small one:
    # box [2, 2, 5, 5] vs GT [2, 2, 4, 4]: IoU 9 / 16 = 0.5625.
    res = wsol(two_blobs(), [[2, 2, 4, 4]])
    assert res['MaxBoxAcc'] == 100.0
    assert res['MaxBoxAcc_thr'] == pytest.approx(0.499)
    assert res['GT-known_Loc_thr'] == pytest.approx(0.499)
    # V2 always has the small blob's box
    assert res['MaxBoxAcc@50'] == 100.0 and res['MaxBoxAcc@50_thr'] == 0.0
    assert res['MaxBoxAcc@70'] == 0.0
    # fixed tau = 0.2: V1 picks the big blob, V2 still hits
    res = wsol(two_blobs(), [[2, 2, 4, 4]], thresholds_from=0.2)
    assert res['GT-known_Loc'] == 0.0 and res['GT-known_Loc_thr'] == 0.2
    assert res['BoxAcc@50'] == 100.0 and res['BoxAcc@30'] == 100.0
    assert res['BoxAccV2'] == pytest.approx(200 / 3)


def test_two_blobs_smaller_matches_ornet():
    # ORNet's box covers both blobs for tau < 0.5: [2, 2, 17, 17] vs GT
    # [2, 2, 5, 5]: 9 / 225. For tau >= 0.5 (0.5 > 0.5 is false) only the
    # small blob: [2, 2, 4, 4] (no +1): inter 4, union 9 -> 0.444: ORNet's
    # missing +1 makes this 3x3 object fail at IoU 0.5.
    res = wsol(two_blobs(), [[2, 2, 5, 5]], protocol='ornet')
    assert res['MaxBoxAcc'] == 0.0 and res['MaxBoxAcc@30'] == 100.0
    assert res['MaxBoxAcc@30_thr'] == 0.5
    res = wsol(two_blobs(), [[2, 2, 4, 4]], protocol='ornet')
    assert res['MaxBoxAcc'] == 100.0 and res['MaxBoxAcc_thr'] == 0.5


def test_ornet_stride_four():
    # 14x14 map of a 56x56 image (box_scale 4).
    m = np.zeros((14, 14))
    m[3:9, 2:10] = 0.88  # rows 3..8, cols 2..9
    m[10:12, 10:13] = 0.32  # rows 10..11, cols 10..12
    gt = [[8, 12, 40, 36]]
    # tau 0.05 .. 0.30 (6): box [8, 12, 48, 44]: 768 / 1280 = 0.6
    # tau 0.35 .. 0.85 (11): box [8, 12, 36, 32]: 560 / 768 = 0.729
    # tau 0.90, 0.95: empty -> [0, 0, 56, 56]: 768 / 3136 = 0.245
    res = wsol(m, gt, protocol='ornet', box_scale=4)
    assert res['MaxBoxAcc'] == 100.0 and res['MaxBoxAcc_thr'] == 0.05
    assert res['MaxBoxAcc@70'] == 100.0
    assert res['MaxBoxAcc@70_thr'] == 0.35
    res = wsol(m, gt, protocol='ornet', box_scale=4, thresholds_from=0.9)
    assert res['GT-known_Loc'] == 0.0 and res['BoxAcc@30'] == 0.0


def test_map_with_hole():
    m = np.zeros((12, 12))
    m[2:10, 2:10] = 1.0
    m[4:8, 4:8] = 0.0  # hole: pixels 4..7
    # outer contour: box [2, 2, 10, 10]; hole contour: traced on the ring
    # pixels around the hole, rect (3, 3, 6, 6) -> box [3, 3, 9, 9].
    # GT [3, 3, 8, 8] (36 px): hole box 36 / 49 = 0.735, outer 36 / 81.
    res = wsol(m, [[3, 3, 8, 8]])
    assert res['MaxBoxAcc@70'] == 100.0  # only through the hole's contour
    assert res['MaxBoxAcc'] == 0.0  # V1: the outer contour, 0.444
    assert res['MaxBoxAcc@30'] == 100.0


def test_empty_map():
    m = np.zeros((8, 8))
    # max 0: thr 0, nothing > 0, box [0, 0, 0, 0] (1 pixel)
    # GT [0, 0, 0, 1] (2 px): IoU 1 / 2 -> counts at 30 and 50, not 70
    res = wsol(m, [[0, 0, 0, 1]])
    assert res['MaxBoxAcc'] == 100.0 and res['MaxBoxAcc@70'] == 0.0
    res = wsol(m, [[0, 0, 1, 1]])  # 1 / 4
    assert res['MaxBoxAcc@30'] == 0.0
    # ORNet: empty map gives the whole image [0, 0, 8, 8]
    res = wsol(m, [[0, 0, 8, 8]], protocol='ornet')
    assert res['MaxBoxAcc@70'] == 100.0 and res['MaxBoxAcc_thr'] == 0.05


@pytest.mark.parametrize('normalization', ['none', 'minmax'])
def test_nan_map_is_an_empty_map_when_allowed(normalization):
    m = np.full((8, 8), 0.5)
    m[3, 3] = np.nan
    with pytest.warns(UserWarning, match='1 of 1 score maps held NaN or inf'
                      '.*: image 0'):
        res = wsol(m, [[0, 0, 0, 1]], map_normalization=normalization,
                   nonfinite_maps='zero')
    assert res['MaxBoxAcc'] == 100.0 and res['MaxBoxAcc@70'] == 0.0
    with pytest.warns(UserWarning, match='1 of 1 score maps'):
        res = wsol(m, [[0, 0, 8, 8]], protocol='ornet',
                   map_normalization=normalization, nonfinite_maps='zero')
    assert res['MaxBoxAcc'] == 100.0


def test_constant_map_minmax():
    with pytest.warns(UserWarning, match='1 of 1'):
        res = wsol(np.full((8, 8), 3.0), [[0, 0, 0, 1]],
                   map_normalization='minmax')
    assert res['MaxBoxAcc@50'] == 100.0


def test_box_touching_the_border():
    m = np.zeros((10, 10))
    m[6:10, 5:10] = 1.0  # rows 6..9, cols 5..9: touches right and bottom
    # rect (5, 6, 5, 4): x + w = 10 and y + h = 10 are clipped to 9
    res = wsol(m, [[5, 6, 9, 9]])
    assert res['MaxBoxAccV2'] == 100.0  # IoU 1 only with the clip
    m = np.zeros((10, 10))
    m[0:3, 0:4] = 1.0  # top-left corner: box [0, 0, 4, 3], 20 px
    res = wsol(m, [[0, 0, 3, 2]])  # 12 / 20 = 0.6
    assert res['MaxBoxAcc@50'] == 100.0 and res['MaxBoxAcc@70'] == 0.0


def test_multiple_gt_boxes():
    m = np.zeros((12, 12))
    m[1:4, 1:4] = 1.0  # box [1, 1, 4, 4]
    m[7:11, 6:11] = 0.6  # box [6, 7, 11, 11] (x1 = 11 = W - 1)
    far = [9, 0, 11, 1]
    # one GT per blob: V2 has both boxes, V1 the larger blob (area 12)
    # while both are in (tau <= 0.6 - 0.001, thr < 153); above only the
    # small one.
    res = wsol(m, [far, [6, 7, 11, 11]])
    assert res['MaxBoxAcc'] == 100.0 and res['MaxBoxAcc_thr'] == 0.0
    res = wsol(m, [far, [1, 1, 4, 4]])
    assert res['MaxBoxAcc'] == 100.0
    assert res['MaxBoxAcc_thr'] == pytest.approx(0.6)  # thr 153 from 0.6
    assert res['MaxBoxAcc@70_thr'] == 0.0  # V2 hits from the start
    res = wsol(m, [far])
    assert res['MaxBoxAcc@30'] == 0.0


def test_images_together_and_top_k_loc():
    """Four images: (class right?, box right?) = TT, TF, FT, FF."""
    good = np.zeros((10, 10))
    good[2:6, 3:8] = 1.0  # box [3, 2, 8, 6]
    bad = np.zeros((10, 10))
    bad[6:9, 0:2] = 1.0  # box [0, 6, 2, 9]: IoU 0 with the GT
    maps = np.stack([good, bad, good, bad])
    gts = [np.array([[3, 2, 8, 6]])] * 4
    res = evaluate_score_maps(
        maps, gts, pred_labels=[[1, 0], [1, 0], [0, 1], [0, 1]],
        gt_labels=[1, 1, 1, 1])
    assert res['GT-known_Loc'] == 50.0 and res['MaxBoxAcc'] == 50.0
    assert res['Top-1_Cls'] == 50.0
    assert res['Top-1_Loc'] == 25.0  # class AND box (ORNet prints 1 - 0.25)
    assert 'Top-5_Loc' not in res  # only 2 predicted classes given
    res = evaluate_score_maps(
        maps, gts, pred_labels=[1, 1, 0, 0], gt_labels=[1, 1, 1, 1])
    assert res['Top-1_Loc'] == 25.0 and res['Top-1_Loc_thr'] == 0.0


def test_image_sizes_rescale_like_resize_bbox():
    m = np.zeros((224, 224))
    m[18:222, 26:173] = 1.0  # box [26, 18, 173, 222]
    # CUB image 500 x 335, box (60, 27, 385, 331) -> 26.88, 18.05, 172.48,
    # 221.32 -> int: [26, 18, 172, 221]: IoU 147*204 / (148*205) = 0.988
    res = wsol(m, [[60, 27, 385, 331]], image_sizes=[(335, 500)])
    assert res['MaxBoxAccV2'] == 100.0


def test_errors():
    m = np.zeros((1, 8, 8))
    with pytest.raises(ValueError, match=r'\[0, 1\]'):
        evaluate_score_maps(m + 2, [[[0, 0, 1, 1]]])
    with pytest.raises(ValueError, match='protocol'):
        evaluate_score_maps(m, [[[0, 0, 1, 1]]], protocol='cam')
    with pytest.raises(ValueError, match='not one of the evaluated'):
        evaluate_score_maps(m, [[[0, 0, 1, 1]]], thresholds_from=0.0005)
    with pytest.raises(ValueError, match='2 GT box arrays'):
        evaluate_score_maps(m, [[[0, 0, 1, 1]]] * 2)
    with pytest.raises(ValueError, match='both pred_labels and gt_labels'):
        evaluate_score_maps(m, [[[0, 0, 1, 1]]], pred_labels=[0])
