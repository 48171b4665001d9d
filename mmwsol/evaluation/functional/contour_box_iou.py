"""IoU of wsolevaluation's contour boxes at every threshold of a uint8 map.

wsolevaluation (Choe et al., CVPR 2020) extracts boxes from a uint8 score map
``q`` (``(map * 255).astype(uint8)``) at each threshold ``thr`` by

1. ``binary = q > thr`` (``cv2.threshold(..., THRESH_BINARY)``),
2. ``cv2.findContours(binary, RETR_TREE, CHAIN_APPROX_SIMPLE)``,
3. V1: the contour of largest ``cv2.contourArea`` (the first one in
   OpenCV's list on ties); V2: every contour,
4. ``x, y, w, h = cv2.boundingRect(c)``, box ``[x, y, min(x + w, W - 1),
   min(y + h, H - 1)]`` (no contour: ``[0, 0, 0, 0]``),

and an image is correct at IoU ``delta`` when some box reaches IoU
``>= delta`` with some GT box (IoU with inclusive pixels, ``+1``).

Running OpenCV once per threshold costs ~45-75 ms per 224x224 image for
1000 thresholds. This module computes the same boxes for all thresholds in
one union-find pass over the pixels plus work on the pixels inside holes,
using what OpenCV's border following (Suzuki & Abe 1985) reports for a
binary image zero-padded by one pixel (OpenCV pads before tracing, so
regions touching the image border are ordinary regions):

- **Outer borders**: one per 8-connected foreground component ``C``; its
  bounding rect is the pixel box of ``C``.
- **Hole borders**: one per 4-connected background component that does not
  touch the image border (a *hole*); the border is traced on the foreground
  pixels 4-adjacent to the hole, so its bounding rect is the hole's pixel box
  grown by one pixel on every side.
- **V1's largest contour.** ``contourArea`` of an outer border equals
  ``n4 + n3 / 2`` over the 2x2 pixel windows of the *filled* component
  ``F = C + its holes + everything inside them`` (``n4``: windows with 4
  pixels of ``F``, ``n3``: with 3): the polygon through the border pixels'
  centres covers a whole window of 4 and half a window of 3, nothing of the
  others. A hole's or an inner component's contour lies inside the outer
  contour of the outermost component around it, so its area is never larger,
  and that outer contour comes first in OpenCV's list (a depth-first,
  parent-first listing of the contour tree). Top-level contours are listed
  in *reverse* order of discovery (raster order of the component's first
  pixel). Hence V1's box is the pixel box of the filled top-level component
  of largest ``2 * area`` (an integer), ties going to the one whose first
  pixel comes last in raster order.
- **Escape levels.** Let ``e(p)`` be the lowest level at which ``p`` is
  4-connected to the padding through pixels ``<= level`` (the grey-level
  hole filling of ``q``: its reconstruction by erosion from the border).
  The filled top-level components at ``thr`` are the 8-connected
  components of ``{e > thr}``; their boxes are those of their outer
  components. ``p`` is in a hole at ``thr`` exactly when ``q(p) <= thr <
  e(p)``, and the holes are the 4-connected components of those pixels (a
  hole's pixels all escape at one level).
- **Islands**, the foreground components inside holes: each is a hole
  of the 4-connected hole around it, so at ``thr`` there are (holes) -
  (sum of the holes' Euler numbers) of them (4-connected Euler number:
  pixels - 4-adjacent pairs + full 2x2 windows).

These identities are checked against OpenCV on random and hand-made maps in
``tests/test_evaluation``. Per image:

1. ``e`` and the order of pass B in one priority flood from the border (a
   bucket queue of 256 levels): pixels come out by rising ``e``; those it
   reaches below the level being flooded are the hole pixels (``e > q``:
   7 % of the CAM-like benchmark maps' pixels);
2. holes: union-find over the hole pixels alone, rising ``q`` (V2 boxes;
   the islands, from the holes' Euler numbers: each island is a hole of a
   hole);
3. B, descending ``e``: filled components with their doubled areas (V1) and
   boxes (V2), the one full union-find pass;
4. A, descending ``q``, only when islands exist (0.3 % of the benchmark
   maps) and only down to the lowest level with islands: 8-connected
   foreground components (V2 boxes of the islands).

The per-pixel and per-merge steps (union, box growth, a run closed) are
written out in each pass rather than shared as helpers: as numba helpers
they cost 12-18 % on maps with many regions and doubled the floor.

A new pixel's already-present neighbours fall into at most four groups that
are connected among themselves (lookup tables over the 8-neighbour mask), so
a pixel costs one root lookup per group, usually one. No pass scans its live
components level by level: V1's largest component is kept as components
grow (a scan only when the leader's tie-break gets worse, which needs a
zero-area merge), and each box's IoU holds over a run of levels until the
component changes, so V2's best IoU per level is the maximum over those
runs, folded into a 9 x 256 sparse table in O(1) per run. The work grows
with the pixels and the box changes, not with components x levels.

Compiled with numba (``cache=True``; the first call in a fresh environment
compiles for ~9-15 s, which is logged before and after, and later processes
load the cache in ~0.2 s; where the package folder is not writable numba
keeps the cache in ``NUMBA_CACHE_DIR`` or ``~/.cache/numba``). The kernel
releases the GIL, so images can be split over threads.
"""
import logging
import os.path as osp
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from mmengine.logging import print_log
from numba import njit

__all__ = ['contour_box_ious']

_NUM_LEVELS = 256
# component states of the IoU bookkeeping
_OPEN = 0  # its IoU is cached and holds since the level ``since``
_DIRTY = 1  # changed since; on the stack, recomputed at the next needed level
_GONE = 2  # merged into another component or escaped (holes)


def _neighbour_tables():
    """Lookup tables over the 8-neighbour mask of a pixel.

    Bit ``i`` of the mask is the ring position ``i`` (clockwise from north:
    N, NE, E, SE, S, SW, W, NW). Returns

    - ``groups8[mask]``: the number of groups of set positions that are
      8-connected among themselves (consecutive ring positions touch, and
      so do two edge positions around a corner), then one ring position per
      group, ``-1`` padded to 4;
    - ``area_inc[mask]``: the number of the pixel's four 2x2 windows with at
      least two of their three other pixels set (windows reaching 3 or 4
      pixels when the pixel comes in; each adds 1 to a doubled area).
    """
    groups8 = np.full((256, 5), -1, np.int8)
    area_inc = np.zeros(256, np.int8)
    for mask in range(256):
        on = [(mask >> i) & 1 == 1 for i in range(8)]
        label = list(range(8))

        def root(i):
            while label[i] != i:
                i = label[i]
            return i

        nodes = [i for i in range(8) if on[i]]
        for i in nodes:
            for j in nodes:
                if (j - i) % 8 == 1 or (i % 2 == 0 and (j - i) % 8 == 2):
                    label[root(j)] = root(i)
        reps = sorted({root(i) for i in nodes})
        groups8[mask, 0] = len(reps)
        groups8[mask, 1:len(reps) + 1] = reps
        for a, b, c in ((7, 0, 6), (0, 1, 2), (2, 3, 4), (4, 5, 6)):
            area_inc[mask] += on[a] + on[b] + on[c] >= 2
    return groups8, area_inc


_GROUPS8, _AREA_INC = _neighbour_tables()
# floor(log2(n)) for run lengths n = 1..256 (entry 0 unused)
_LOG2 = np.array([0] + [int(np.log2(n)) for n in range(1, _NUM_LEVELS + 1)],
                 np.int64)
_TABLE_ROWS = 9  # runs of 2^0 .. 2^8 levels


@njit(cache=True, nogil=True)
def _find(parent, p):
    """Root of ``p`` with path halving (most pixels point at their root:
    two reads, no write)."""
    r = parent[p]
    if parent[r] == r:
        return r
    while parent[p] != p:
        parent[p] = parent[parent[p]]
        p = parent[p]
    return p


@njit(cache=True, nogil=True)
def _max_iou(bx0, by0, bx1, by1, gt, g0, g1):
    """Best ``+1``-inclusive IoU of one box against ``gt[g0:g1]``.

    Same float64 arithmetic as wsolevaluation's ``calculate_multiple_iou``
    (integer areas, one true division).
    """
    best = 0.0
    area_a = (bx1 - bx0 + 1) * (by1 - by0 + 1)
    for g in range(g0, g1):
        ix = min(bx1, gt[g, 2]) - max(bx0, gt[g, 0]) + 1
        iy = min(by1, gt[g, 3]) - max(by0, gt[g, 1]) + 1
        if ix <= 0 or iy <= 0:
            continue  # IoU 0: never above ``best``
        inter = ix * iy
        area_b = (gt[g, 2] - gt[g, 0] + 1) * (gt[g, 3] - gt[g, 1] + 1)
        iou = inter / (area_a + area_b - inter)
        if iou > best:
            best = iou
    return best


@njit(cache=True, nogil=True)
def _cover(table, lo, hi, value):
    """Raise the best IoU of the levels ``lo..hi`` to ``value``.

    ``table[k, i]`` is a lower bound of the best IoU of levels ``i .. i +
    2^k - 1``; a run is covered by the two (overlapping) power-of-two
    blocks at its ends, and :func:`_fold_table` pushes the blocks down to
    single levels. O(1) per run instead of one write per level.
    """
    k = _LOG2[hi - lo + 1]
    if value > table[k, lo]:
        table[k, lo] = value
    j = hi - (1 << k) + 1
    if value > table[k, j]:
        table[k, j] = value


@njit(cache=True, nogil=True)
def _fold_table(table):
    """Push every block down to its levels: ``table[0, thr]`` is then the
    best IoU covering ``thr``."""
    for k in range(_TABLE_ROWS - 1, 0, -1):
        half = 1 << (k - 1)
        for i in range(_NUM_LEVELS - (1 << k) + 1):
            v = table[k, i]
            if v > table[k - 1, i]:
                table[k - 1, i] = v
            if v > table[k - 1, i + half]:
                table[k - 1, i + half] = v


@njit(cache=True, nogil=True)
def _close_run(r, lo, hi, state, cached, table):
    """End root ``r``'s run of unchanged IoU, if it has one, over the
    levels ``lo..hi``."""
    if state[r] == _OPEN and cached[r] > 0.0:
        _cover(table, lo, hi, cached[r])


@njit(cache=True, nogil=True)
def _open_runs(stack, nstack, level, grow, parent, x0, y0, x1, y1, height,
               width, gt, g0, g1, state, since, cached):
    """At a needed ``level``, the IoU of every root changed since the last
    one (still a root), which holds from here until it changes again. The
    box is the pixel box grown by ``grow`` pixels (a hole border: 1),
    wsolevaluation's ``[x, y, min(x + w, W - 1), min(y + h, H - 1)]``."""
    for i in range(nstack):
        rt = stack[i]
        if state[rt] == _DIRTY and parent[rt] == rt:
            cached[rt] = _max_iou(x0[rt] - grow, y0[rt] - grow,
                                  min(x1[rt] + 1 + grow, width - 1),
                                  min(y1[rt] + 1 + grow, height - 1), gt,
                                  g0, g1)
            since[rt] = level
            state[rt] = _OPEN


@njit(cache=True, nogil=True)
def _entry(p, rc):
    """One order entry: padded index ``p`` (bits 0-31), image row (32-47)
    and column (48-63) from ``rc`` (:func:`_pixel_coordinates`), so a pass
    reads a pixel's coordinates with its index, in order, instead of from
    an array at random."""
    return np.int64(p) | (np.int64(rc[p]) << 32)


@njit(cache=True, nogil=True)
def _neighbour_mask(added, p, wp):
    return (added[p - wp] | (added[p - wp + 1] << 1) | (added[p + 1] << 2)
            | (added[p + wp + 1] << 3) | (added[p + wp] << 4)
            | (added[p + wp - 1] << 5) | (added[p - 1] << 6)
            | (added[p - wp - 1] << 7))


@njit(cache=True, nogil=True)
def _remove_live(root, live, livepos, nlive):
    j = livepos[root]
    last = live[nlive - 1]
    live[j] = last
    livepos[last] = j
    livepos[root] = -1
    return nlive - 1


@njit(cache=True, nogil=True)
def _load_padded(map_u8, q):
    """Copy one ``(H, W)`` map into the padded frame ``q``; its maximum."""
    height, width = map_u8.shape
    wp = width + 2
    top = 0
    for r in range(height):
        for c in range(width):
            v = map_u8[r, c]
            q[(r + 1) * wp + c + 1] = v
            if v > top:
                top = v
    return top


@njit(cache=True, nogil=True)
def _bucket_order(key, height, width, rc, order, starts):
    """The image pixels sorted by a uint8 key of the padded frame, into
    ``order`` (see :func:`_entry`); the pixels with key ``v`` are
    ``order[starts[v]:starts[v + 1]]``, in raster order."""
    wp = width + 2
    starts[:] = 0
    for r in range(1, height + 1):
        for p in range(r * wp + 1, r * wp + width + 1):
            starts[key[p] + 1] += 1
    for v in range(_NUM_LEVELS):
        starts[v + 1] += starts[v]
    fill = starts[:_NUM_LEVELS].copy()
    for r in range(1, height + 1):
        for p in range(r * wp + 1, r * wp + width + 1):
            k = key[p]
            order[fill[k]] = _entry(p, rc)
            fill[k] += 1


@njit(cache=True, nogil=True)
def _pixel_coordinates(height, width):
    """Image row (bits 0-15) and column (16-31) of each index of the frame
    padded by one pixel."""
    wp = width + 2
    rc = np.zeros((height + 2) * wp, np.int32)
    for r in range(height):
        for c in range(width):
            rc[(r + 1) * wp + c + 1] = r | (c << 16)
    return rc


@njit(cache=True, nogil=True)
def _escape_order(q, height, width, rc, visited, next_in, level_head, order,
                  starts, e, holes):
    """The pixels by escape level ``e(p)``: the lowest level at which ``p``
    is 4-connected to the padding through pixels ``<= level`` (``q``'s
    holes filled).

    A priority flood from the border (bucket queue, one bucket per level):
    a pixel popped at ``level`` reaches its unvisited 4-neighbours, which
    escape at ``max(q, level)``; those at or below ``level`` are taken next
    (the bucket being emptied), the others wait in the bucket of their own
    value. Pixels come out by rising ``e``, those of ``e = L`` at
    ``order[starts[L]:starts[L + 1]]`` (see :func:`_entry`; pass
    B's order). The hole pixels (``e > q``: in a hole at the levels ``q ..
    e - 1``) go to ``holes`` with ``e`` written for them; returns their
    number.
    """
    wp = width + 2
    level_head[:] = -1
    visited[:] = 1
    for r in range(1, height + 1):
        visited[r * wp + 1:r * wp + width + 1] = 0
    # the pixels on the image border escape at their own value
    for r in range(1, height + 1):
        step = 1 if r == 1 or r == height else max(width - 1, 1)
        for c in range(1, width + 1, step):
            p = r * wp + c
            if visited[p] == 0:
                visited[p] = 1
                v = q[p]
                next_in[p] = level_head[v]
                level_head[v] = p
    n_out = 0
    n_holes = 0
    for level in range(_NUM_LEVELS):
        starts[level] = n_out
        cur = level_head[level]
        while cur != -1:
            p = cur
            cur = next_in[p]
            order[n_out] = _entry(p, rc)
            n_out += 1
            for nb in (p - wp, p + 1, p + wp, p - 1):
                if visited[nb] == 0:
                    visited[nb] = 1
                    v = q[nb]
                    if v <= level:
                        next_in[nb] = cur
                        cur = nb
                        if v < level:
                            e[nb] = level
                            holes[n_holes] = nb
                            n_holes += 1
                    else:
                        next_in[nb] = level_head[v]
                        level_head[v] = nb
    starts[_NUM_LEVELS] = n_out
    return n_holes


@njit(cache=True, nogil=True)
def _hole_order(q, rc, holes, num, order, starts):
    """The hole pixels ``holes[:num]`` sorted by ``q`` into ``order``
    (packed), those of ``q = v`` at ``order[starts[v]:starts[v + 1]]``."""
    starts[:] = 0
    for i in range(num):
        starts[q[holes[i]] + 1] += 1
    for v in range(_NUM_LEVELS):
        starts[v + 1] += starts[v]
    fill = starts[:_NUM_LEVELS].copy()
    for i in range(num):
        p = holes[i]
        k = q[p]
        order[fill[k]] = _entry(p, rc)
        fill[k] += 1


@njit(cache=True, nogil=True)
def _hole_pass(e, order, starts, top, height, width, gt, g0, g1, need, table,
               islands, ws):
    """Holes while the threshold rises, over the hole pixels alone.

    A hole pixel ``p`` (``order``, by ``q``) comes in at ``q(p)`` and its
    hole leaves at ``e(p)``, when it joins the outside (every pixel of a
    hole escapes at the same level, and no other pixel is 4-adjacent to a
    hole). Each hole border's box (the hole's pixel box grown by one pixel,
    clipped like every box) covers its levels in ``table``.

    ``islands[thr]`` tells whether a foreground component lies inside a
    hole at ``thr``: each such island is a hole of the hole (an 8-connected
    piece of its complement that it encloses), so their number is the
    number of holes minus the sum of the holes' Euler numbers (4-connected:
    pixels - 4-adjacent pairs + full 2x2 windows, kept per hole as pixels
    come in).
    """
    wp = width + 2
    (parent, rank, x0, y0, x1, y1, euler, state, cached, since, added, live,
     livepos, stack, esc_head, esc_next) = ws
    added[:] = 0
    esc_head[:] = -1
    nlive = 0
    nstack = 0
    euler_sum = 0
    for level in range(top):
        for idx in range(starts[level], starts[level + 1]):
            v = order[idx]
            p = v & 0xFFFFFFFF
            r = (v >> 32) & 0xFFFF
            c = v >> 48
            added[p] = 1
            # Euler number change: the pixel, minus its 4-adjacent pairs,
            # plus the 2x2 windows it completes
            north = added[p - wp]
            east = added[p + 1]
            south = added[p + wp]
            west = added[p - 1]
            d_euler = (1 - north - east - south - west +
                       (north & west & added[p - wp - 1]) +
                       (north & east & added[p - wp + 1]) +
                       (south & west & added[p + wp - 1]) +
                       (south & east & added[p + wp + 1]))
            euler_sum += d_euler
            rp = -1
            for nb in (p - wp, p + 1, p + wp, p - 1):
                if added[nb] == 0:
                    continue
                rn = _find(parent, nb)
                if rp < 0:
                    rp = rn
                    continue
                if rn == rp:
                    continue
                if rank[rn] > rank[rp]:
                    rp, rn = rn, rp
                elif rank[rn] == rank[rp]:
                    rank[rp] += 1
                parent[rn] = rp
                x0[rp] = min(x0[rp], x0[rn])
                y0[rp] = min(y0[rp], y0[rn])
                x1[rp] = max(x1[rp], x1[rn])
                y1[rp] = max(y1[rp], y1[rn])
                euler[rp] += euler[rn]
                _close_run(rn, since[rn], level - 1, state, cached, table)
                state[rn] = _GONE
                if state[rp] != _DIRTY:
                    _close_run(rp, since[rp], level - 1, state, cached, table)
                    state[rp] = _DIRTY
                    stack[nstack] = rp
                    nstack += 1
                nlive = _remove_live(rn, live, livepos, nlive)
            if rp < 0:
                parent[p] = p
                rank[p] = 0
                x0[p] = c
                x1[p] = c
                y0[p] = r
                y1[p] = r
                euler[p] = d_euler
                state[p] = _DIRTY
                stack[nstack] = p
                nstack += 1
                live[nlive] = p
                livepos[p] = nlive
                nlive += 1
                esc_next[p] = esc_head[e[p]]
                esc_head[e[p]] = p
            else:
                parent[p] = rp
                euler[rp] += d_euler
                grew = False
                if c < x0[rp]:
                    x0[rp] = c
                    grew = True
                elif c > x1[rp]:
                    x1[rp] = c
                    grew = True
                if r < y0[rp]:
                    y0[rp] = r
                    grew = True
                elif r > y1[rp]:
                    y1[rp] = r
                    grew = True
                if grew and state[rp] != _DIRTY:
                    _close_run(rp, since[rp], level - 1, state, cached, table)
                    state[rp] = _DIRTY
                    stack[nstack] = rp
                    nstack += 1
        # the holes that join the outside at this level
        rt = esc_head[level]
        while rt != -1:
            if parent[rt] == rt:
                _close_run(rt, since[rt], level - 1, state, cached, table)
                state[rt] = _GONE
                euler_sum -= euler[rt]
                nlive = _remove_live(rt, live, livepos, nlive)
            rt = esc_next[rt]
        islands[level] = nlive > euler_sum
        if need[level]:
            _open_runs(stack, nstack, level, 1, parent, x0, y0, x1, y1,
                       height, width, gt, g0, g1, state, since, cached)
            nstack = 0
    for i in range(nlive):
        rt = live[i]
        _close_run(rt, since[rt], top - 1, state, cached, table)


@njit(cache=True, nogil=True)
def _foreground_pass(order, starts, height, width, gt, g0, g1, need,
                     want_largest, groups8, area_inc, out_largest, table,
                     stop, ws):
    """Passes A and B: 8-connected components while the threshold falls.

    Pixels come in ``order``, those of key ``L`` at
    ``order[starts[L]:starts[L + 1]]``; after they are in, the components
    are those of ``key > L - 1``. Every component's box covers the levels
    over which it stays unchanged in ``table`` (V2). With
    ``want_largest`` (pass B, key ``e``), ``out_largest[thr]`` gets, for
    every needed ``thr = L - 1``, the IoU of the box of the component with
    the largest doubled contour area, ties to the latest first pixel (V1).
    Levels below ``stop`` are not processed. Returns the number of
    components at the last level.
    """
    wp = width + 2
    offs = np.array([-wp, -wp + 1, 1, wp + 1, wp, wp - 1, -1, -wp - 1])
    (parent, rank, x0, y0, x1, y1, area2, first, state, cached, since, added,
     live, livepos, stack) = ws
    added[:] = 0
    nlive = 0
    nstack = 0
    # V1's leader and its key when last seen; stale: its key got worse
    win = -1
    win_area = 0
    win_first = 0
    stale = False
    for level in range(_NUM_LEVELS - 1, stop - 1, -1):
        for idx in range(starts[level], starts[level + 1]):
            v = order[idx]
            p = v & 0xFFFFFFFF
            r = (v >> 32) & 0xFFFF
            c = v >> 48
            mask = _neighbour_mask(added, p, wp)
            added[p] = 1
            rp = -1
            if groups8[mask, 0]:
                rp = _find(parent, p + offs[groups8[mask, 1]])
            for k in range(2, groups8[mask, 0] + 1):
                rn = _find(parent, p + offs[groups8[mask, k]])
                if rn == rp:
                    continue
                # union by rank (rank changes on merges only)
                if rank[rn] > rank[rp]:
                    rp, rn = rn, rp
                elif rank[rn] == rank[rp]:
                    rank[rp] += 1
                parent[rn] = rp
                x0[rp] = min(x0[rp], x0[rn])
                y0[rp] = min(y0[rp], y0[rn])
                x1[rp] = max(x1[rp], x1[rn])
                y1[rp] = max(y1[rp], y1[rn])
                # the levels done so far are level .. 255
                _close_run(rn, level, since[rn], state, cached, table)
                state[rn] = _GONE
                if state[rp] != _DIRTY:
                    _close_run(rp, level, since[rp], state, cached, table)
                    state[rp] = _DIRTY
                    stack[nstack] = rp
                    nstack += 1
                area2[rp] += area2[rn]
                first[rp] = min(first[rp], first[rn])
                nlive = _remove_live(rn, live, livepos, nlive)
            if rp < 0:
                rp = p
                parent[p] = p
                rank[p] = 0
                x0[p] = c
                x1[p] = c
                y0[p] = r
                y1[p] = r
                state[p] = _DIRTY
                stack[nstack] = p
                nstack += 1
                area2[p] = 0  # no neighbour: no window of 3 or 4
                first[p] = p
                live[nlive] = p
                livepos[p] = nlive
                nlive += 1
            else:
                parent[p] = rp
                grew = False
                if c < x0[rp]:
                    x0[rp] = c
                    grew = True
                elif c > x1[rp]:
                    x1[rp] = c
                    grew = True
                if r < y0[rp]:
                    y0[rp] = r
                    grew = True
                elif r > y1[rp]:
                    y1[rp] = r
                    grew = True
                if grew and state[rp] != _DIRTY:
                    _close_run(rp, level, since[rp], state, cached, table)
                    state[rp] = _DIRTY
                    stack[nstack] = rp
                    nstack += 1
                area2[rp] += area_inc[mask]
                if p < first[rp]:
                    first[rp] = p
            if want_largest:
                # only rp changed: it absorbed the leader, is the leader, or
                # may overtake it
                a2 = area2[rp]
                f = first[rp]
                if win < 0 or parent[win] != win or rp == win:
                    if win >= 0 and (a2 < win_area or
                                     (a2 == win_area and f < win_first)):
                        stale = True
                    win = rp
                    win_area = a2
                    win_first = f
                elif a2 > win_area or (a2 == win_area and f > win_first):
                    win = rp
                    win_area = a2
                    win_first = f
        thr = level - 1
        if not need[thr]:
            continue
        # the changed components' IoU from here down until they change
        _open_runs(stack, nstack, thr, 0, parent, x0, y0, x1, y1, height,
                   width, gt, g0, g1, state, since, cached)
        nstack = 0
        if want_largest and nlive > 0:
            if stale:
                # a zero-area merge lowered the leader's tie-break: rescan
                win = live[0]
                for i in range(1, nlive):
                    rt = live[i]
                    if area2[rt] > area2[win] or (area2[rt] == area2[win]
                                                  and first[rt] > first[win]):
                        win = rt
                win_area = area2[win]
                win_first = first[win]
                stale = False
            out_largest[thr] = cached[win]
    for i in range(nlive):
        rt = live[i]
        _close_run(rt, stop - 1, since[rt], state, cached, table)
    return nlive


@njit(cache=True, nogil=True)
def _batch_box_ious(maps, gt, offsets, need, groups8, area_inc, out_largest,
                    out_all):
    """All images of a batch; the work arrays are allocated once."""
    height, width = maps.shape[1], maps.shape[2]
    n = (height + 2) * (width + 2)
    rc = _pixel_coordinates(height, width)
    q = np.zeros(n, np.uint8)
    e = np.zeros(n, np.uint8)
    order = np.zeros(height * width, np.int64)
    starts = np.zeros(_NUM_LEVELS + 1, np.int64)
    holes = np.zeros(height * width, np.int32)
    hole_order = np.zeros(height * width, np.int64)
    hole_starts = np.zeros(_NUM_LEVELS + 1, np.int64)
    visited = np.zeros(n, np.uint8)
    next_in = np.zeros(n, np.int32)
    level_head = np.zeros(_NUM_LEVELS, np.int32)
    parent = np.zeros(n, np.int32)
    rank = np.zeros(n, np.int32)
    x0 = np.zeros(n, np.int32)
    y0 = np.zeros(n, np.int32)
    x1 = np.zeros(n, np.int32)
    y1 = np.zeros(n, np.int32)
    area2 = np.zeros(n, np.int64)
    first = np.zeros(n, np.int32)
    euler = np.zeros(n, np.int32)
    state = np.zeros(n, np.uint8)
    cached = np.zeros(n, np.float64)
    since = np.zeros(n, np.int32)
    added = np.zeros(n, np.uint8)
    live = np.zeros(n, np.int32)
    livepos = np.zeros(n, np.int32)
    stack = np.zeros(n, np.int32)
    esc_head = np.zeros(_NUM_LEVELS, np.int32)
    esc_next = np.zeros(n, np.int32)
    table = np.zeros((_TABLE_ROWS, _NUM_LEVELS), np.float64)
    islands = np.zeros(_NUM_LEVELS, np.bool_)
    ws_holes = (parent, rank, x0, y0, x1, y1, euler, state, cached, since,
                added, live, livepos, stack, esc_head, esc_next)
    ws_fg = (parent, rank, x0, y0, x1, y1, area2, first, state, cached, since,
             added, live, livepos, stack)
    for b in range(maps.shape[0]):
        g0 = offsets[b]
        g1 = offsets[b + 1]
        top = _load_padded(maps[b], q)
        empty_iou = _max_iou(0, 0, 0, 0, gt, g0, g1)
        for thr in range(top, _NUM_LEVELS):
            out_largest[b, thr] = empty_iou
            out_all[b, thr] = empty_iou
        if top == 0:
            continue
        table[:] = 0.0
        num_holes = _escape_order(q, height, width, rc, visited, next_in,
                                  level_head, order, starts, e, holes)
        lowest = -1
        if num_holes:
            _hole_order(q, rc, holes, num_holes, hole_order, hole_starts)
            _hole_pass(e, hole_order, hole_starts, top, height, width, gt, g0,
                       g1, need, table, islands, ws_holes)
            for thr in range(top):
                if need[thr] and islands[thr]:
                    lowest = thr
                    break
        # B: filled components, V1 and their own boxes for V2
        _foreground_pass(order, starts, height, width, gt, g0, g1, need, True,
                         groups8, area_inc, out_largest[b], table, 1, ws_fg)
        # The outer foreground component of a filled component has its box;
        # the components inside holes (islands) are extra. Only down to the
        # lowest level with islands, pass A adds them.
        if lowest >= 0:
            _bucket_order(q, height, width, rc, order, starts)
            _foreground_pass(order, starts, height, width, gt, g0, g1, need,
                             False, groups8, area_inc, out_largest[b], table,
                             lowest + 1, ws_fg)
        _fold_table(table)
        for thr in range(top):
            if need[thr]:
                out_all[b, thr] = table[0, thr]


@njit(cache=True, nogil=True)
def _batch_single_pass(maps, groups8, area_inc):
    """Bucket sort plus one union-find pass per image, nothing else."""
    height, width = maps.shape[1], maps.shape[2]
    n = (height + 2) * (width + 2)
    rc = _pixel_coordinates(height, width)
    q = np.zeros(n, np.uint8)
    order = np.zeros(height * width, np.int64)
    starts = np.zeros(_NUM_LEVELS + 1, np.int64)
    ws = (np.zeros(n, np.int32), np.zeros(n, np.int32),
          np.zeros(n, np.int32), np.zeros(n, np.int32),
          np.zeros(n, np.int32), np.zeros(n, np.int32),
          np.zeros(n, np.int64), np.zeros(n, np.int32),
          np.zeros(n, np.uint8), np.zeros(n, np.float64),
          np.zeros(n, np.int32), np.zeros(n, np.uint8),
          np.zeros(n, np.int32), np.zeros(n, np.int32),
          np.zeros(n, np.int32))
    gt = np.zeros((1, 4), np.int64)
    need = np.zeros(_NUM_LEVELS, np.bool_)
    out = np.zeros(_NUM_LEVELS, np.float64)
    table = np.zeros((_TABLE_ROWS, _NUM_LEVELS), np.float64)
    total = 0
    for b in range(maps.shape[0]):
        _load_padded(maps[b], q)
        _bucket_order(q, height, width, rc, order, starts)
        total += _foreground_pass(order, starts, height, width, gt, 0, 1,
                                  need, True, groups8, area_inc, out, table, 1,
                                  ws)
    return total


def single_pass_floor(maps_u8):
    """Run, on ``(B, H, W)`` uint8 maps, the least any exact box method of
    this kind does: per image the bucket sort of the pixels and one
    union-find pass (8-connected, descending level, with boxes and doubled
    areas, no IoU). ``benchmark_metric.py`` times it as the floor that
    :func:`contour_box_ious` (the flood that orders the pixels, one such
    pass, the hole pixels) is measured against. Returns the summed
    component count at level 0 (so the work cannot be optimised away)."""
    maps_u8 = np.ascontiguousarray(maps_u8, dtype=np.uint8)
    return int(_batch_single_pass(maps_u8, _GROUPS8, _AREA_INC))


_KERNEL_READY = False


def _cache_index(dispatcher):
    """The numba cache index file of ``dispatcher``, or None."""
    try:
        return dispatcher._cache._cache_file._index_path
    except AttributeError:  # another numba's internals: no announcement
        return None


def _first_call_logged(run):
    """Run the kernel on the first image, the first time in the process,
    saying so when numba compiles it (seconds) instead of loading its
    cache."""
    global _KERNEL_READY
    index = _cache_index(_batch_box_ious)
    if index is not None and not osp.exists(index):
        print_log(
            'mmwsol: compiling the metric\'s box kernel with numba (once per '
            f'environment, ~10 s; cached in {osp.dirname(index)})',
            logger='current', level=logging.WARNING)
    start = time.perf_counter()
    run(0, 1)
    _KERNEL_READY = True
    if sum(_batch_box_ious.stats.cache_misses.values()):
        print_log(
            f'mmwsol: compiled the box kernel in '
            f'{time.perf_counter() - start:.1f} s; later processes load it '
            'from the cache', logger='current', level=logging.WARNING)


def contour_box_ious(maps_u8, gt_boxes, need_levels=None, num_threads=1):
    """Best IoU of wsolevaluation's boxes at every uint8 threshold.

    Args:
        maps_u8 (np.ndarray): ``(B, H, W)`` uint8 score maps
            (``(map * 255).astype(np.uint8)`` of a map in [0, 1]).
        gt_boxes (Sequence[np.ndarray]): per image an integer ``(k, 4)``
            array of ``x0, y0, x1, y1`` boxes (inclusive pixel corners,
            wsolevaluation's convention), ``k >= 1``.
        need_levels (np.ndarray, optional): ``(256,)`` bool, the thresholds
            ``thr`` (binary map ``q > thr``) to evaluate; default all.
        num_threads (int): images are split over this many threads (the
            compiled kernel runs without the GIL).

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(B, 256)`` float64 arrays
        ``iou_largest`` (V1: the largest contour's box) and ``iou_all``
        (V2: best over every contour's box); entry ``[b, thr]`` is the best
        IoU against image ``b``'s GT boxes of the boxes of ``q > thr``,
        with the box ``[0, 0, 0, 0]`` when no pixel exceeds ``thr``.
        Entries of levels not in ``need_levels`` are NaN.
    """
    maps_u8 = np.asarray(maps_u8)
    if maps_u8.dtype != np.uint8 or maps_u8.ndim != 3:
        raise TypeError('maps_u8 must be a (B, H, W) uint8 array, got '
                        f'{maps_u8.dtype} {maps_u8.shape}')
    maps_u8 = np.ascontiguousarray(maps_u8)
    num = maps_u8.shape[0]
    if len(gt_boxes) != num:
        raise ValueError(f'{num} maps but {len(gt_boxes)} GT box arrays')
    gt_list = [np.asarray(b).reshape(-1, 4) for b in gt_boxes]
    counts = np.array([len(b) for b in gt_list], np.int64)
    if num and counts.min() < 1:
        raise ValueError('every image needs at least one GT box; image '
                         f'{int(np.argmin(counts))} has none')
    offsets = np.zeros(num + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    gt = (np.ascontiguousarray(np.concatenate(gt_list), dtype=np.int64)
          if num else np.zeros((0, 4), np.int64))
    if need_levels is None:
        need = np.ones(_NUM_LEVELS, np.bool_)
    else:
        need = np.ascontiguousarray(need_levels, dtype=np.bool_)
        if need.shape != (_NUM_LEVELS, ):
            raise ValueError('need_levels must have shape (256,)')
    out_largest = np.full((num, _NUM_LEVELS), np.nan)
    out_all = np.full((num, _NUM_LEVELS), np.nan)

    def run(start, end):
        _batch_box_ious(maps_u8[start:end], gt, offsets[start:end + 1], need,
                        _GROUPS8, _AREA_INC, out_largest[start:end],
                        out_all[start:end])

    first = 0
    if not _KERNEL_READY and num:
        # the first call compiles or loads the kernel on one image (logged)
        _first_call_logged(run)
        first = 1
    num_threads = max(1, min(int(num_threads), num - first))
    if num_threads == 1:
        run(first, num)
    else:
        # the kernel releases the GIL (nogil): threads run in parallel
        bounds = np.linspace(first, num, num_threads + 1).astype(int)
        with ThreadPoolExecutor(num_threads) as pool:
            list(pool.map(run, bounds[:-1], bounds[1:]))
    return out_largest, out_all
