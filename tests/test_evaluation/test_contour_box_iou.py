"""The component-tree kernel against OpenCV, level by level."""
import cv2
import numpy as np
import pytest

from mmwsol.evaluation.functional import contour_box_ious
from mmwsol.evaluation.functional.reference_loops import reference_best_iou


def opencv_level_ious(q, gt):
    """(256,) V1 and V2 best IoU, one findContours per level."""
    height, width = q.shape
    v1 = np.zeros(256)
    v2 = np.zeros(256)
    for thr in range(256):
        binary = ((q > thr) * 255).astype(np.uint8)
        contours = cv2.findContours(binary, cv2.RETR_TREE,
                                    cv2.CHAIN_APPROX_SIMPLE)[0]
        if not contours:
            v1[thr] = v2[thr] = reference_best_iou([[0, 0, 0, 0]], gt)
            continue

        def box(c):
            x, y, w, h = cv2.boundingRect(c)
            return [x, y, min(x + w, width - 1), min(y + h, height - 1)]

        v1[thr] = reference_best_iou(
            [box(max(contours, key=cv2.contourArea))], gt)
        v2[thr] = reference_best_iou([box(c) for c in contours], gt)
    return v1, v2


def assert_matches_opencv(q, gt):
    q = np.ascontiguousarray(q, np.uint8)
    gt = np.asarray(gt, np.int64).reshape(-1, 4)
    got1, got2 = contour_box_ious(q[None], [gt])
    ref1, ref2 = opencv_level_ious(q, gt)
    bad1 = np.flatnonzero(got1[0] != ref1)
    bad2 = np.flatnonzero(got2[0] != ref2)
    assert bad1.size == 0, (f'V1 differs at levels {bad1[:5]}: '
                            f'{got1[0][bad1[:5]]} vs {ref1[bad1[:5]]}\n{q}')
    assert bad2.size == 0, (f'V2 differs at levels {bad2[:5]}: '
                            f'{got2[0][bad2[:5]]} vs {ref2[bad2[:5]]}\n{q}')


def from_ascii(art, value=255):
    rows = [r for r in art.strip('\n').split('\n')]
    return np.array([[value if ch == '#' else 0 for ch in r] for r in rows],
                    np.uint8)


STRUCTURES = {
    # holes, a component inside a hole, one inside that
    'nested': """
##########....
#........#....
#.######.#..#.
#.#....#.#....
#.#.##.#.#.##.
#.#....#.#.##.
#.######.#....
#........#....
##########....
""",
    # 1-pixel lines, diagonals, single pixels (contour area 0)
    'thin': """
#.........#...
.#..###...#...
..#.......#...
...#...#......
#......#..####
.......#......
..#...........
""",
    # a ring closed only diagonally (its inside leaks to the outside in
    # 4-connectivity: no hole) and one closed by edges (a hole)
    'diagonal_ring': """
..#.....###...
.#.#....#.#...
#...#...###...
.#.#..........
..#...........
""",
    # regions touching every border, a hole touching nothing
    'border': """
#####....#####
#...#....#...#
#####....#.#.#
.........#####
##.........###
##...####..###
.....#..#.....
.....####.....
""",
    # equal-area components: OpenCV lists the last found first
    'ties': """
##....##....##
##....##....##
..............
##....##......
##....##......
""",
    'checker': '\n'.join(
        ''.join('#' if (r + c) % 2 else '.' for c in range(9))
        for r in range(7)),
}


@pytest.mark.parametrize('name', sorted(STRUCTURES))
def test_structures_match_opencv(name):
    q = from_ascii(STRUCTURES[name])
    h, w = q.shape
    # GT boxes that favour different contours
    rng = np.random.default_rng(len(name))
    for _ in range(6):
        x0, x1 = np.sort(rng.integers(0, w, 2))
        y0, y1 = np.sort(rng.integers(0, h, 2))
        gt = [[x0, y0, x1, y1], [0, 0, w // 2, h // 2]]
        assert_matches_opencv(q, gt)
    # every contour's own box as the GT: each contour (holes, components
    # inside holes) must be found
    contours = cv2.findContours(q, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)[0]
    for contour in contours:
        x, y, cw, ch = cv2.boundingRect(contour)
        assert_matches_opencv(q, [[x, y, min(x + cw, w - 1),
                                   min(y + ch, h - 1)]])
    # several grey levels: nesting changes with the threshold
    levels = (q > 0) * rng.integers(1, 256, q.shape)
    assert_matches_opencv(levels, [[1, 1, w - 2, h - 2]])


def test_random_maps_match_opencv():
    rng = np.random.default_rng(0)
    for it in range(160):
        h, w = rng.integers(1, 24, size=2)
        kind = it % 4
        if kind == 0:  # noise: many components and holes
            q = rng.integers(0, 256, (h, w))
        elif kind == 1:  # smooth
            f = cv2.resize(
                rng.random((h // 4 + 2, w // 4 + 2)), (int(w), int(h)),
                interpolation=cv2.INTER_CUBIC)
            f = (f - f.min()) / max(f.max() - f.min(), 1e-9)
            q = f * 255
        elif kind == 2:  # few levels: big flat regions
            q = rng.integers(0, 4, (h, w)) * 60
        else:  # binary
            q = (rng.random((h, w)) < rng.random()) * 200
        q = q.astype(np.uint8)
        gt = []
        for _ in range(rng.integers(1, 4)):
            x0, x1 = np.sort(rng.integers(0, w, 2))
            y0, y1 = np.sort(rng.integers(0, h, 2))
            gt.append([x0, y0, x1, y1])
        # and the box of a random contour at a random level (often a hole
        # or a component inside a hole in the noisy maps)
        binary = ((q > rng.integers(0, 255)) * 255).astype(np.uint8)
        contours = cv2.findContours(binary, cv2.RETR_TREE,
                                    cv2.CHAIN_APPROX_SIMPLE)[0]
        if contours:
            x, y, cw, ch = cv2.boundingRect(
                contours[rng.integers(len(contours))])
            gt.append([x, y, min(x + cw, w - 1), min(y + ch, h - 1)])
        assert_matches_opencv(q, gt)


def test_need_levels_and_empty_map():
    q = np.zeros((1, 5, 6), np.uint8)
    need = np.zeros(256, bool)
    need[3] = True
    v1, v2 = contour_box_ious(q, [np.array([[0, 0, 0, 1]])], need)
    # empty map: box [0, 0, 0, 0] at every level; IoU 1 / (1 + 2 - 1)
    assert v1[0, 3] == v2[0, 3] == 0.5
    q[0, 2, 2] = 9
    v1, v2 = contour_box_ious(q, [np.array([[2, 2, 3, 3]])], need)
    # single pixel: rect (2, 2, 1, 1) -> box [2, 2, 3, 3]
    assert v1[0, 3] == v2[0, 3] == 1.0
    # levels not asked for stay NaN; levels >= max(q) are empty
    assert np.isnan(v1[0, 2]) and np.isnan(v2[0, 4])
    assert v1[0, 9] == v2[0, 255] == 0.0


def test_bad_input():
    with pytest.raises(TypeError, match='uint8'):
        contour_box_ious(np.zeros((1, 3, 3)), [np.zeros((1, 4))])
    with pytest.raises(ValueError, match='at least one GT box'):
        contour_box_ious(np.zeros((1, 3, 3), np.uint8), [np.zeros((0, 4))])


def test_largest_contour_tie_after_a_zero_area_merge():
    """V1's leader is kept as components grow; a merge that adds no area
    but an earlier first pixel makes it lose a tie it used to win."""
    q = np.zeros((10, 12), np.uint8)
    q[3:5, 8:10] = 200  # A: a 2x2 square, first pixel in row 3
    q[6:8, 4:6] = 200  # B: the same area, first pixel in row 6: it leads
    q[0, 0] = 200  # C: one pixel, area 0, first in raster order
    # below 100 a diagonal line (no window of 3 pixels: no area) joins C to
    # B: same area as A, and now the earlier first pixel
    for r, c in ((1, 1), (2, 2), (3, 3), (4, 4), (5, 3)):
        q[r, c] = 100
    gt = np.array([[8, 3, 10, 5]])  # A's box ([x, y, x + w, y + h])
    v1, _ = contour_box_ious(q[None], [gt])
    assert v1[0, 150] < 1 and v1[0, 50] == 1  # B leads, then A
    assert_matches_opencv(q, gt)


def test_best_iou_of_level_runs():
    """The sparse table of runs: the best value covering each level."""
    from mmwsol.evaluation.functional.contour_box_iou import (_cover,
                                                              _fold_table)
    rng = np.random.default_rng(0)
    for _ in range(50):
        table = np.zeros((9, 256))
        brute = np.zeros(256)
        for _ in range(rng.integers(1, 40)):
            lo, hi = np.sort(rng.integers(0, 256, 2))
            value = rng.random()
            _cover(table, lo, hi, value)
            brute[lo:hi + 1] = np.maximum(brute[lo:hi + 1], value)
        _fold_table(table)
        np.testing.assert_array_equal(table[0], brute)
