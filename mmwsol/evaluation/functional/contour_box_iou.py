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
a few linear passes over the pixels, using what OpenCV's border following
(Suzuki & Abe 1985) reports for a binary image zero-padded by one pixel
(OpenCV pads before tracing, so regions touching the image border are
ordinary regions):

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
- The filled top-level components at ``thr`` are the 8-connected components
  of ``{e > thr}``, where ``e(p)`` is the lowest level at which ``p`` becomes
  4-connected to the image border through pixels ``<= level``.
- Their boxes are those of their outer components; the only other
  foreground components are those inside holes (*islands*). Their number
  is (components) - (filled components), and the number of components is
  the Euler number (Gray's 2x2 window counts, 8-connected foreground) plus
  the number of holes.

These identities are checked against OpenCV on random and hand-made maps in
``tests/test_evaluation``. Union-find passes over the pixels, each O(H*W),
on a frame padded by one pixel:

- C, ascending ``q``: 4-connected background components; those not merged
  with the padding are the holes (V2); the order in which pixels join the
  padding gives ``e``; the Euler number is updated pixel by pixel;
- B, descending ``e``: filled components with their doubled areas (V1) and
  boxes (V2);
- A, descending ``q``, only when islands exist (2 % of the CAM-like maps of
  the benchmark) and only down to the lowest level with islands:
  8-connected foreground components (V2 boxes of the islands).

A new pixel's already-present neighbours fall into at most four groups that
are connected among themselves (lookup tables over the 8-neighbour mask), so
a pixel costs one root lookup per group, usually one.

Compiled with numba (``cache=True``; the first call in a fresh environment
compiles for ~8-13 s, which is logged before and after, and later processes
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


def _neighbour_tables():
    """Lookup tables over the 8-neighbour mask of a pixel.

    Bit ``i`` of the mask is the ring position ``i`` (clockwise from north:
    N, NE, E, SE, S, SW, W, NW). Returns

    - ``groups8[mask]``: one ring position per group of set positions that
      are 8-connected among themselves (consecutive ring positions touch, and
      so do two edge positions around a corner), ``-1`` padded to 4;
    - ``groups4[mask]``: the same for 4-connectivity among the edge
      positions (two edges are joined through the corner between them when
      that corner is set);
    - ``area_inc[mask]``: the number of the pixel's four 2x2 windows with at
      least two of their three other pixels set (windows reaching 3 or 4
      pixels when the pixel comes in; each adds 1 to a doubled area);
    - ``euler_delta[mask]``: the change of 4 x the Euler number (8-connected
      foreground, 4-connected background; Gray's 2x2 window counts) when the
      pixel leaves the foreground, the set positions being background.
    """
    groups8 = np.full((256, 4), -1, np.int8)
    groups4 = np.full((256, 4), -1, np.int8)
    area_inc = np.zeros(256, np.int8)
    euler_delta = np.zeros(256, np.int8)
    for mask in range(256):
        on = [(mask >> i) & 1 == 1 for i in range(8)]
        for table, conn in ((groups8, 8), (groups4, 4)):
            nodes = [
                i for i in range(8) if on[i] and (conn == 8 or i % 2 == 0)
            ]
            label = {i: i for i in nodes}

            def root(i):
                while label[i] != i:
                    i = label[i]
                return i

            for i in nodes:
                for j in nodes:
                    if conn == 8:
                        linked = (j - i) % 8 == 1 or (i % 2 == 0 and
                                                      (j - i) % 8 == 2)
                    else:
                        linked = (j - i) % 8 == 2 and on[(i + 1) % 8]
                    if linked:
                        label[root(j)] = root(i)
            reps = sorted({root(i) for i in nodes})
            table[mask, :len(reps)] = reps
        for a, b, c in ((7, 0, 6), (0, 1, 2), (2, 3, 4), (4, 5, 6)):
            area_inc[mask] += on[a] + on[b] + on[c] >= 2
        # the pixel turns background, its set neighbours are background
        for tl, tr, bl, br in ((7, 0, 6, -1), (0, 1, -1, 2), (-1, 2, 4, 3),
                               (6, -1, 5, 4)):
            corners = [tl, tr, bl, br]
            before = [True if i < 0 else not on[i] for i in corners]
            after = [False if i < 0 else not on[i] for i in corners]
            euler_delta[mask] += _euler4(*after) - _euler4(*before)
    return groups8, groups4, area_inc, euler_delta


def _euler4(tl, tr, bl, br):
    """4 x a 2x2 window's share of the 8-connected Euler number (Gray)."""
    k = tl + tr + bl + br
    if k == 1:
        return 1
    if k == 3:
        return -1
    if k == 2 and tl == br:  # the two foreground pixels are diagonal
        return -2
    return 0


_GROUPS8, _GROUPS4, _AREA_INC, _EULER_DELTA = _neighbour_tables()


@njit(cache=True, nogil=True)
def _find(parent, p):
    """Root of ``p`` with path halving."""
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
        inter = max(0, ix) * max(0, iy)
        area_b = (gt[g, 2] - gt[g, 0] + 1) * (gt[g, 3] - gt[g, 1] + 1)
        den = area_a + area_b - inter
        iou = 0.0
        if den > 0:
            iou = inter / den
        if iou > best:
            best = iou
    return best


@njit(cache=True, nogil=True)
def _bucket_order(key, height, width):
    """Padded indices of the image pixels sorted by a uint8 key.

    ``key`` is in the padded frame; returns the order and the bucket starts
    (pixels with key ``v`` are ``order[starts[v]:starts[v + 1]]``).
    """
    wp = width + 2
    counts = np.zeros(_NUM_LEVELS + 1, np.int64)
    for r in range(1, height + 1):
        for c in range(1, width + 1):
            counts[key[r * wp + c] + 1] += 1
    for v in range(_NUM_LEVELS):
        counts[v + 1] += counts[v]
    fill = counts[:_NUM_LEVELS].copy()
    order = np.empty(height * width, np.int64)
    for r in range(1, height + 1):
        for c in range(1, width + 1):
            p = r * wp + c
            k = key[p]
            order[fill[k]] = _packed(p, r - 1, c - 1)
            fill[k] += 1
    return order, counts


@njit(cache=True, nogil=True)
def _packed(p, r, c):
    """One order entry: padded index ``p`` (bits 0-31), image row ``r``
    (32-47) and column ``c`` (48-63), so a pass reads a pixel's coordinates
    with its index, in order, instead of from two arrays at random."""
    return np.int64(p) | (np.int64(r) << 32) | (np.int64(c) << 48)


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
def _background_pass(q, order, starts, height, width, gt, g0, g1, need, top,
                     groups4, euler_delta, holes, e_order, e_starts, n_fg,
                     ws):
    """Pass C: 4-connected background while the threshold rises.

    Background at ``thr`` is ``q <= thr``; the padding is one component
    (root 0, the outside). For every needed ``thr < top``, ``holes[thr]``
    gets the best IoU of a hole border's box (hole pixel box grown by one
    pixel, clipped like every box), 0 without holes. The escape level of a
    pixel is the level at which it joins the outside; as levels rise, the
    pixels are written to ``e_order`` in escape-level order, those of level
    ``L`` at ``e_order[e_starts[L]:e_starts[L + 1]]`` (pass B's order).
    ``n_fg[thr]`` gets the number of 8-connected foreground components of
    ``q > thr`` (Euler number + holes). Returns whether a hole exists at
    some level (if not, ``e == q``).
    """
    wp = width + 2
    offs = np.array([-wp, -wp + 1, 1, wp + 1, wp, wp - 1, -1, -wp - 1])
    (parent, rank, x0, y0, x1, y1, head, tail, nxt, dirty, cached, added,
     live, livepos, rows, cols) = ws
    # the padding is background from the start, one component with root 0
    added[:] = 0
    added[:wp] = 1
    added[-wp:] = 1
    parent[:wp] = 0
    parent[-wp:] = 0
    for r in range(1, height + 1):
        for c in (r * wp, r * wp + wp - 1):
            added[c] = 1
            parent[c] = 0
    nlive = 0
    n_out = 0
    any_hole = False
    euler4 = 4  # the whole image is one foreground component
    for level in range(_NUM_LEVELS):
        e_starts[level] = n_out
        for idx in range(starts[level], starts[level + 1]):
            v = order[idx]
            p = v & 0xFFFFFFFF
            r = (v >> 32) & 0xFFFF
            c = v >> 48
            mask = _neighbour_mask(added, p, wp)
            added[p] = 1
            euler4 += euler_delta[mask]
            rp = -1
            for k in range(4):
                g = groups4[mask, k]
                if g < 0:
                    break
                rn = _find(parent, p + offs[g])
                if rp < 0:
                    rp = rn
                    continue
                if rn == rp:
                    continue
                # the outside stays the root; otherwise union by rank
                if rn == 0 or (rp != 0 and rank[rn] > rank[rp]):
                    rp, rn = rn, rp
                elif rp != 0 and rank[rn] == rank[rp]:
                    rank[rp] += 1
                parent[rn] = rp
                if rp == 0:
                    j = head[rn]
                    while j != -1:
                        e_order[n_out] = _packed(j, rows[j], cols[j])
                        n_out += 1
                        j = nxt[j]
                else:
                    x0[rp] = min(x0[rp], x0[rn])
                    y0[rp] = min(y0[rp], y0[rn])
                    x1[rp] = max(x1[rp], x1[rn])
                    y1[rp] = max(y1[rp], y1[rn])
                    nxt[tail[rp]] = head[rn]
                    tail[rp] = tail[rn]
                    dirty[rp] = True
                nlive = _remove_live(rn, live, livepos, nlive)
            if rp < 0:
                parent[p] = p
                rank[p] = 0
                x0[p] = c
                x1[p] = c
                y0[p] = r
                y1[p] = r
                head[p] = p
                tail[p] = p
                nxt[p] = -1
                dirty[p] = True
                live[nlive] = p
                livepos[p] = nlive
                nlive += 1
            elif rp == 0:
                parent[p] = 0
                e_order[n_out] = v
                n_out += 1
            else:
                parent[p] = rp
                if c < x0[rp]:
                    x0[rp] = c
                    dirty[rp] = True
                elif c > x1[rp]:
                    x1[rp] = c
                    dirty[rp] = True
                if r < y0[rp]:
                    y0[rp] = r
                    dirty[rp] = True
                elif r > y1[rp]:
                    y1[rp] = r
                    dirty[rp] = True
                nxt[p] = -1
                nxt[tail[rp]] = p
                tail[rp] = p
        if level < top:
            n_fg[level] = euler4 // 4 + nlive
            if nlive > 0:
                any_hole = True
        if level >= top or not need[level]:
            continue
        best = 0.0
        for i in range(nlive):
            rt = live[i]
            if dirty[rt]:
                cached[rt] = _max_iou(x0[rt] - 1, y0[rt] - 1,
                                      min(x1[rt] + 2, width - 1),
                                      min(y1[rt] + 2, height - 1), gt, g0, g1)
                dirty[rt] = False
            if cached[rt] > best:
                best = cached[rt]
        holes[level] = best
    e_starts[_NUM_LEVELS] = n_out
    return any_hole


@njit(cache=True, nogil=True)
def _foreground_pass(order, starts, height, width, gt, g0, g1, need,
                     want_largest, want_all, groups8, area_inc, out_largest,
                     out_all, n_comp, stop, ws):
    """Passes A and B: 8-connected components while the threshold falls.

    Pixels come in ``order``, those of key ``L`` at
    ``order[starts[L]:starts[L + 1]]``; after they are in, the components
    are those of ``key > L - 1``. For every needed ``thr = L - 1``,
    ``out_all[thr]`` gets the best IoU of any component's box
    (``want_all``: pass A, key ``q``) and ``out_largest[thr]`` the IoU of
    the box of the component with the largest doubled contour area, ties to
    the latest first pixel (``want_largest``: pass B, key ``e``).
    ``n_comp[thr]`` gets the number of components; levels below ``stop``
    are not processed.
    """
    wp = width + 2
    with_area = want_largest
    offs = np.array([-wp, -wp + 1, 1, wp + 1, wp, wp - 1, -1, -wp - 1])
    (parent, rank, x0, y0, x1, y1, area2, first, dirty, cached, added, live,
     livepos) = ws
    added[:] = 0
    nlive = 0
    for level in range(_NUM_LEVELS - 1, stop - 1, -1):
        for idx in range(starts[level], starts[level + 1]):
            v = order[idx]
            p = v & 0xFFFFFFFF
            r = (v >> 32) & 0xFFFF
            c = v >> 48
            mask = _neighbour_mask(added, p, wp)
            added[p] = 1
            rp = -1
            for k in range(4):
                g = groups8[mask, k]
                if g < 0:
                    break
                rn = _find(parent, p + offs[g])
                if rp < 0:
                    rp = rn
                    continue
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
                dirty[rp] = True
                if with_area:
                    area2[rp] += area2[rn]
                    first[rp] = min(first[rp], first[rn])
                nlive = _remove_live(rn, live, livepos, nlive)
            if rp < 0:
                parent[p] = p
                rank[p] = 0
                x0[p] = c
                x1[p] = c
                y0[p] = r
                y1[p] = r
                dirty[p] = True
                if with_area:
                    area2[p] = area_inc[mask]
                    first[p] = p
                live[nlive] = p
                livepos[p] = nlive
                nlive += 1
            else:
                parent[p] = rp
                if c < x0[rp]:
                    x0[rp] = c
                    dirty[rp] = True
                elif c > x1[rp]:
                    x1[rp] = c
                    dirty[rp] = True
                if r < y0[rp]:
                    y0[rp] = r
                    dirty[rp] = True
                elif r > y1[rp]:
                    y1[rp] = r
                    dirty[rp] = True
                if with_area:
                    area2[rp] += area_inc[mask]
                    if p < first[rp]:
                        first[rp] = p
        thr = level - 1
        n_comp[thr] = nlive
        if not need[thr] or nlive == 0:
            continue
        # one scan of the live components: V2's best box (every box's IoU
        # is brought up to date) and V1's largest component
        win = live[0]
        best = 0.0
        for i in range(nlive):
            rt = live[i]
            if want_largest and (area2[rt] > area2[win] or
                                 (area2[rt] == area2[win]
                                  and first[rt] > first[win])):
                win = rt
            if want_all:
                if dirty[rt]:
                    cached[rt] = _max_iou(x0[rt], y0[rt],
                                          min(x1[rt] + 1, width - 1),
                                          min(y1[rt] + 1, height - 1), gt, g0,
                                          g1)
                    dirty[rt] = False
                if cached[rt] > best:
                    best = cached[rt]
        if want_all:
            out_all[thr] = best
        if want_largest:
            if dirty[win]:
                cached[win] = _max_iou(x0[win], y0[win],
                                       min(x1[win] + 1, width - 1),
                                       min(y1[win] + 1, height - 1), gt, g0,
                                       g1)
                dirty[win] = False
            out_largest[thr] = cached[win]


@njit(cache=True, nogil=True)
def _padded_coordinates(height, width):
    """Image row and column of each index of the frame padded by one pixel,
    for pass C's walk over a hole's pixels when it joins the outside (the
    passes otherwise read them packed with the order, see :func:`_packed`;
    no division per pixel either way)."""
    wp = width + 2
    n = (height + 2) * wp
    rows = np.zeros(n, np.int32)
    cols = np.zeros(n, np.int32)
    for r in range(height):
        for c in range(width):
            rows[(r + 1) * wp + c + 1] = r
            cols[(r + 1) * wp + c + 1] = c
    return rows, cols


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
def _batch_box_ious(maps, gt, offsets, need, groups8, groups4, area_inc,
                    euler_delta, out_largest, out_all):
    """All images of a batch; the work arrays are allocated once."""
    height, width = maps.shape[1], maps.shape[2]
    n = (height + 2) * (width + 2)
    q = np.zeros(n, np.uint8)
    e_order = np.zeros(height * width, np.int64)
    e_starts = np.zeros(_NUM_LEVELS + 1, np.int64)
    parent = np.zeros(n, np.int32)
    rank = np.zeros(n, np.int32)
    x0 = np.zeros(n, np.int32)
    y0 = np.zeros(n, np.int32)
    x1 = np.zeros(n, np.int32)
    y1 = np.zeros(n, np.int32)
    head = np.zeros(n, np.int32)
    tail = np.zeros(n, np.int32)
    nxt = np.zeros(n, np.int32)
    area2 = np.zeros(n, np.int64)
    first = np.zeros(n, np.int32)
    dirty = np.zeros(n, np.bool_)
    cached = np.zeros(n, np.float64)
    added = np.zeros(n, np.uint8)
    live = np.zeros(n, np.int32)
    livepos = np.zeros(n, np.int32)
    rows, cols = _padded_coordinates(height, width)
    ws_bg = (parent, rank, x0, y0, x1, y1, head, tail, nxt, dirty, cached,
             added, live, livepos, rows, cols)
    ws_fg = (parent, rank, x0, y0, x1, y1, area2, first, dirty, cached, added,
             live, livepos)
    holes = np.zeros(_NUM_LEVELS, np.float64)
    n_fg = np.zeros(_NUM_LEVELS, np.int64)
    n_top = np.zeros(_NUM_LEVELS, np.int64)
    n_any = np.zeros(_NUM_LEVELS, np.int64)
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
        order, starts = _bucket_order(q, height, width)
        holes[:] = 0.0
        _background_pass(q, order, starts, height, width, gt, g0, g1, need,
                         top, groups4, euler_delta, holes, e_order, e_starts,
                         n_fg, ws_bg)
        # B: filled components, V1 and their own boxes for V2
        _foreground_pass(e_order, e_starts, height, width, gt, g0, g1, need,
                         True, True, groups8, area_inc, out_largest[b],
                         out_all[b], n_top, 1, ws_fg)
        # The outer foreground component of a filled component has its box;
        # the foreground components inside holes (islands) are extra. Only
        # down to the lowest level with islands, pass A adds them.
        lowest = -1
        for thr in range(top):
            if need[thr] and n_fg[thr] > n_top[thr]:
                lowest = thr
                break
        if lowest >= 0:
            _foreground_pass(order, starts, height, width, gt, g0, g1, need,
                             False, True, groups8, area_inc, out_largest[b],
                             out_all[b], n_any, lowest + 1, ws_fg)
        for thr in range(top):
            if need[thr] and holes[thr] > out_all[b, thr]:
                out_all[b, thr] = holes[thr]


@njit(cache=True, nogil=True)
def _batch_single_pass(maps, groups8, area_inc):
    """Bucket sort plus one union-find pass per image, nothing else."""
    height, width = maps.shape[1], maps.shape[2]
    n = (height + 2) * (width + 2)
    q = np.zeros(n, np.uint8)
    ws = (np.zeros(n, np.int32), np.zeros(n, np.int32),
          np.zeros(n, np.int32), np.zeros(n, np.int32),
          np.zeros(n, np.int32), np.zeros(n, np.int32),
          np.zeros(n, np.int64), np.zeros(n, np.int32),
          np.zeros(n, np.bool_), np.zeros(n, np.float64),
          np.zeros(n, np.uint8), np.zeros(n, np.int32),
          np.zeros(n, np.int32))
    gt = np.zeros((1, 4), np.int64)
    need = np.zeros(_NUM_LEVELS, np.bool_)
    out = np.zeros(_NUM_LEVELS, np.float64)
    n_comp = np.zeros(_NUM_LEVELS, np.int64)
    total = 0
    for b in range(maps.shape[0]):
        _load_padded(maps[b], q)
        order, starts = _bucket_order(q, height, width)
        _foreground_pass(order, starts, height, width, gt, 0, 1, need, True,
                         False, groups8, area_inc, out, out, n_comp, 1, ws)
        total += n_comp[0]
    return total


def single_pass_floor(maps_u8):
    """Run, on ``(B, H, W)`` uint8 maps, the least any exact box method of
    this kind does: per image the bucket sort of the pixels and one
    union-find pass (8-connected, descending level, with boxes and doubled
    areas, no IoU). ``benchmark_metric.py`` times it as the floor that
    :func:`contour_box_ious` (two or three such passes) is measured
    against. Returns the summed component count at level 0 (so the work
    cannot be optimised away)."""
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
                        _GROUPS8, _GROUPS4, _AREA_INC, _EULER_DELTA,
                        out_largest[start:end], out_all[start:end])

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
