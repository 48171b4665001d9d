"""Time the metric against wsolevaluation, the straightforward loop and the
single-pass floor, with identical figures.

    python tools/analysis_tools/benchmark_metric.py [--num-images 1000]
        [--wsolevaluation PATH] [--device cuda] [--threads 16]

Every row evaluates the same random CAM-like maps (a coarse random grid
upsampled bicubic to 224x224, min-max normalised) with wsolevaluation's
protocol and 1000 thresholds (``np.arange(0, 1, 0.001)``): MaxBoxAcc (V1)
and MaxBoxAccV2 at IoU 30/50/70.

- ``evaluate_score_maps`` on 1 thread and on ``--threads`` (default all
  CPUs); the first call in the process is timed apart (numba's cache load,
  or its compile);
- wsolevaluation's own ``BoxEvaluator`` (``multi_contour_eval`` False for
  V1, True for V2), imported from the checkout ``--wsolevaluation`` names
  (nothing of it is in this repository; its ``config.py`` needs
  ``munch``, stubbed here since the evaluator does not use it);
- the straightforward loop the tests check against
  (``mmwsol/evaluation/functional/reference_loops.py``: one
  ``cv2.threshold`` + ``cv2.findContours`` + ``boundingRect`` per
  threshold and image, one vectorised IoU matrix per image);
- the single-pass floor (:func:`single_pass_floor`: bucket sort plus one
  union-find pass per image, no IoU): what no exact method of this kind
  can beat;
- PxAP (masks: the boxes' GT, 1000 bins) against wsolevaluation's
  ``np.histogram`` recipe, and the ORNet protocol (19 thresholds, one tight
  box) against its reference loop, same maps;
- the worst cases: pure noise (about 10k regions per level) and many
  islands (a ring of blobs with holes holding blobs);
- ``--device cuda``: the maps as one CUDA tensor (normalisation,
  quantisation and histograms on the GPU, one uint8 copy per batch to the
  host), figures compared with the CPU's.

``--unique N`` generates N distinct maps and repeats them up to
``--num-images`` (50k maps of 224 px take 10 GB as float32). Exit status 1
when any figure differs.
"""
import argparse
import os
import os.path as osp
import platform
import sys
import time
import types

import cv2
import numpy as np
import torch

from mmwsol.evaluation import evaluate_score_maps
from mmwsol.evaluation.functional import (default_cam_thresholds,
                                          reference_loops)
from mmwsol.evaluation.functional.contour_box_iou import single_pass_floor

KEYS = ('MaxBoxAcc', 'MaxBoxAcc@30', 'MaxBoxAcc@50', 'MaxBoxAcc@70',
        'MaxBoxAccV2')


def cam_like_maps(num, size, seed):
    """Maps in [0, 1] with one to a few blobs, and GT boxes near them."""
    rng = np.random.default_rng(seed)
    maps = np.empty((num, size, size), np.float64)
    boxes = []
    for i in range(num):
        grid = rng.random((int(rng.integers(3, 9)), int(rng.integers(3, 9))))
        grid[rng.random(grid.shape) < 0.4] = 0
        m = cv2.resize(grid, (size, size), interpolation=cv2.INTER_CUBIC)
        m -= m.min()
        m /= m.max()
        maps[i] = m
        ys, xs = np.nonzero(m > rng.uniform(0.2, 0.8))
        box = np.array([xs.min(), ys.min(), xs.max(), ys.max()])
        box = box + rng.integers(-size // 10, size // 10 + 1, 4)
        x0, x1 = np.sort(np.clip(box[[0, 2]], 0, size - 1))
        y0, y1 = np.sort(np.clip(box[[1, 3]], 0, size - 1))
        boxes.append(np.array([[x0, y0, x1, y1]]))
    return maps, boxes


def worst_case_maps(kind, num, size, seed):
    """``noise``: i.i.d. uniform pixels; ``islands``: concentric rings of
    alternating level (every ring a hole around the next)."""
    rng = np.random.default_rng(seed)
    if kind == 'noise':
        return rng.random((num, size, size))
    yy, xx = np.mgrid[:size, :size]
    maps = np.empty((num, size, size))
    for i in range(num):
        cy, cx = rng.uniform(0.3, 0.7, 2) * size
        radius = np.hypot(yy - cy, xx - cx)
        period = rng.uniform(4, 8)
        rings = 0.5 + 0.5 * np.cos(2 * np.pi * radius / period)
        maps[i] = rings * (1 - radius / radius.max()) + 0.02 * rng.random(
            (size, size))
        maps[i] = (maps[i] - maps[i].min()) / np.ptp(maps[i])
    return maps


def box_masks(boxes, size):
    masks = np.zeros((len(boxes), size, size), np.uint8)
    for i, b in enumerate(boxes):
        x0, y0, x1, y1 = b[0]
        masks[i, y0:y1 + 1, x0:x1 + 1] = 1
    return masks


def load_wsolevaluation(path):
    """wsolevaluation's ``evaluation`` module from a checkout."""
    if not osp.isfile(osp.join(path, 'evaluation.py')):
        sys.exit(f'error: --wsolevaluation {path}: no evaluation.py there '
                 '(give a clovaai/wsolevaluation checkout)')
    sys.modules.setdefault('munch', types.ModuleType('munch'))
    if not hasattr(np, 'float'):  # removed in numpy 1.24; its code uses it
        np.float = float
    sys.path.insert(0, path)
    import evaluation
    return evaluation


def wsolevaluation_box_evaluators(evaluation, maps, boxes, thresholds):
    """MaxBoxAcc and MaxBoxAccV2 with wsolevaluation's ``BoxEvaluator``
    (accumulate per map, as its ``evaluate_wsol`` does)."""
    result = {}
    for multi in (False, True):
        ev = evaluation.BoxEvaluator.__new__(evaluation.BoxEvaluator)
        evaluation.LocalizationEvaluator.__init__(
            ev, metadata=None, dataset_name='CUB', split='test',
            cam_threshold_list=list(thresholds),
            iou_threshold_list=[30, 50, 70], mask_root=None,
            multi_contour_eval=multi)
        ev.cnt = 0
        ev.num_correct = {
            d: np.zeros(len(thresholds))
            for d in ev.iou_threshold_list
        }
        ev.gt_bboxes = {i: [list(b) for b in boxes[i]]
                        for i in range(len(maps))}
        for i, m in enumerate(maps):
            ev.accumulate(np.asarray(m, np.float64), i)
        accs = ev.compute()  # per IoU threshold
        if multi:
            for d, acc in zip((30, 50, 70), accs):
                result[f'MaxBoxAcc@{d}'] = float(acc)
            result['MaxBoxAccV2'] = float(np.average(accs))
        else:
            result['MaxBoxAcc'] = float(accs[1])
    return result


def timed(fn, repeat=1):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return result, float(np.median(times))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num-images', type=int, default=1000)
    parser.add_argument('--unique', type=int, default=0,
                        help='distinct maps, repeated (default: all)')
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--threads', type=int, default=None,
        help='threads of the multi-threaded run (default: all CPUs)')
    parser.add_argument(
        '--repeat', type=int, default=3,
        help='runs of evaluate_score_maps (the median is reported)')
    parser.add_argument('--wsolevaluation',
                        help='a clovaai/wsolevaluation checkout to time')
    parser.add_argument(
        '--reference-images', type=int, default=None,
        help='maps the straightforward loop and wsolevaluation evaluate '
        '(default all; their figures are compared on those)')
    parser.add_argument('--worst-case-images', type=int, default=100)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--skip', nargs='*', default=[],
                        choices=['reference', 'pxap', 'ornet', 'worst',
                                 'single-thread', 'floor'])
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    thresholds = np.arange(0, 1, 0.001)
    threads = args.threads or os.cpu_count()
    unique = args.unique or args.num_images
    maps, boxes = cam_like_maps(unique, args.size, args.seed)
    reps = -(-args.num_images // unique)
    if reps > 1:
        maps = np.tile(maps.astype(np.float32), (reps, 1, 1))
        boxes = boxes * reps
    maps, boxes = maps[:args.num_images], boxes[:args.num_images]
    num = len(maps)
    rows, identical = [], True

    def row(name, seconds, images=num, note=''):
        rows.append((name, seconds, 1000 * seconds / images, note))

    t0 = time.perf_counter()
    evaluate_score_maps(maps[:2], boxes[:2])  # numba: load (or compile)
    warm = time.perf_counter() - t0

    fast = None
    if 'single-thread' not in args.skip:
        fast, fast_time = timed(lambda: evaluate_score_maps(
            maps, boxes, cam_thresholds=thresholds, num_threads=1),
            args.repeat)
        row('evaluate_score_maps, 1 thread', fast_time)
    fast_mt, fast_mt_time = timed(lambda: evaluate_score_maps(
        maps, boxes, cam_thresholds=thresholds, num_threads=threads),
        args.repeat)
    row(f'evaluate_score_maps, {threads} threads', fast_mt_time)
    if fast is None:
        fast = fast_mt
    identical &= all(fast[k] == fast_mt[k] for k in KEYS)

    if 'floor' not in args.skip:
        u8 = (maps * 255).astype(np.uint8)
        single_pass_floor(u8[:2])
        _, floor_time = timed(lambda: single_pass_floor(u8), args.repeat)
        row('single-pass floor (sort + one union-find pass), 1 thread',
            floor_time)

    if args.device != 'cpu':
        on_device = torch.as_tensor(maps, dtype=torch.float32,
                                    device=args.device)
        evaluate_score_maps(on_device[:2], boxes[:2])
        dev, dev_time = timed(lambda: evaluate_score_maps(
            on_device, boxes, cam_thresholds=thresholds,
            num_threads=threads), args.repeat)
        row(f'evaluate_score_maps, {args.device} tensor, {threads} threads',
            dev_time)
        # float32 maps on both sides for the comparison
        cpu32 = evaluate_score_maps(
            maps.astype(np.float32), boxes, cam_thresholds=thresholds,
            num_threads=threads)
        same = all(dev[k] == cpu32[k] for k in KEYS)
        print(f'{args.device} figures identical to the CPU\'s: {same}')
        identical &= same

    n_ref = min(args.reference_images or num, num)
    ref_fast = fast if n_ref == num else evaluate_score_maps(
        maps[:n_ref], boxes[:n_ref], cam_thresholds=thresholds)
    if 'reference' not in args.skip:
        ref, ref_time = timed(lambda: reference_loops.reference_box_accuracy(
            maps[:n_ref], boxes[:n_ref], thresholds))
        row('straightforward loop (OpenCV per threshold)', ref_time, n_ref)
        same = all(ref_fast[k] == ref[k] for k in KEYS)
        print(f'straightforward loop figures identical: {same}')
        identical &= same
    if args.wsolevaluation:
        evaluation = load_wsolevaluation(args.wsolevaluation)
        ws, ws_time = timed(lambda: wsolevaluation_box_evaluators(
            evaluation, maps[:n_ref], boxes[:n_ref], thresholds))
        row("wsolevaluation's BoxEvaluator, V1 + V2", ws_time, n_ref)
        same = all(ref_fast[k] == ws[k] for k in KEYS)
        print(f"wsolevaluation's figures identical: {same}")
        identical &= same

    if 'pxap' not in args.skip:
        masks = box_masks(boxes, args.size)
        px, px_time = timed(lambda: evaluate_score_maps(
            maps, None, gt_masks=masks, cam_thresholds=thresholds),
            args.repeat)
        row('PxAP, evaluate_score_maps', px_time)
        ref_px, ref_px_time = timed(lambda: reference_loops.reference_pxap(
            maps[:n_ref], masks[:n_ref], thresholds))
        row("PxAP, wsolevaluation's np.histogram recipe", ref_px_time, n_ref)
        if n_ref < num:  # compared on the maps the recipe evaluated
            px = evaluate_score_maps(maps[:n_ref], None,
                                     gt_masks=masks[:n_ref],
                                     cam_thresholds=thresholds)
        same = px['PxAP'] == ref_px
        print(f'PxAP identical: {same} ({px["PxAP"]!r})')
        identical &= same
    if 'ornet' not in args.skip:
        orn, orn_time = timed(lambda: evaluate_score_maps(
            maps, boxes, protocol='ornet'), args.repeat)
        row('ORNet protocol, evaluate_score_maps', orn_time)
        ref_orn, ref_orn_time = timed(
            lambda: reference_loops.reference_ornet_accuracy(
                maps[:n_ref], boxes[:n_ref], default_cam_thresholds('ornet'),
                1, (args.size, args.size)))
        row('ORNet protocol, reference loop', ref_orn_time, n_ref)
        if n_ref < num:
            orn = evaluate_score_maps(maps[:n_ref], boxes[:n_ref],
                                      protocol='ornet')
        ref_acc = 100 * ref_orn.max() / n_ref
        same = orn['GT-known_Loc'] == ref_acc
        print(f'ORNet GT-known_Loc identical: {same} '
              f'({orn["GT-known_Loc"]!r}, reference {ref_acc!r})')
        identical &= same
    if 'worst' not in args.skip:
        for kind in ('noise', 'islands'):
            wmaps = worst_case_maps(kind, args.worst_case_images, args.size,
                                    args.seed)
            q = args.size // 4
            wboxes = [np.array([[q, q, args.size - q, args.size - q]])
                      ] * len(wmaps)
            _, w_time = timed(lambda: evaluate_score_maps(
                wmaps, wboxes, cam_thresholds=thresholds, num_threads=1))
            row(f'worst case: {kind}, evaluate_score_maps, 1 thread', w_time,
                len(wmaps))

    print(f'machine: {platform.machine()}, {os.cpu_count()} CPUs, load '
          f'average {os.getloadavg()[0]:.1f}; OpenCV {cv2.__version__}, '
          f'numpy {np.__version__}, torch {torch.__version__}')
    print(f'{num} maps {args.size}x{args.size} ({unique} distinct), '
          f'{len(thresholds)} thresholds, IoU 30/50/70, V1 + V2; '
          f'evaluate_score_maps: median of {args.repeat} runs')
    print(f'first call (numba cache load or compile): {warm:.2f} s')
    base = rows[0][2]
    print(f'| what | time (s) | ms / image | x {rows[0][0]} |')
    print('| --- | --- | --- | --- |')
    for name, seconds, per_image, _ in rows:
        print(f'| {name} | {seconds:.2f} | {per_image:.3f} | '
              f'{per_image / base:.2f} |')
    for k in KEYS:
        print(f'  {k}: {fast[k]!r}')
    print('identical figures:', identical)
    return 0 if identical else 1


if __name__ == '__main__':
    sys.exit(main())
