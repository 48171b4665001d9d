"""Time ``evaluate_score_maps`` against the straightforward OpenCV loop.

    python tools/analysis_tools/benchmark_metric.py [--num-images 1000]

Both evaluate the same random CAM-like maps (a coarse random grid upsampled
bicubic to 224x224, min-max normalised) with wsolevaluation's protocol and
1000 thresholds (``np.arange(0, 1, 0.001)``): MaxBoxAcc (V1) and
MaxBoxAccV2 at IoU 30/50/70. The straightforward loop is the one the tests
check against (``mmwsol/evaluation/functional/reference_loops.py``: one
``cv2.threshold`` + ``cv2.findContours`` + ``boundingRect`` per threshold
and image, then one vectorised IoU matrix per image, as wsolevaluation's
``BoxEvaluator``). Prints the times (``evaluate_score_maps`` on 1 thread and
on all CPUs), the speed-ups and whether every figure is identical.
"""
import argparse
import os
import platform
import sys
import time

import cv2
import numpy as np

from mmwsol.evaluation import evaluate_score_maps
from mmwsol.evaluation.functional import reference_loops


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num-images', type=int, default=1000)
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--threads', type=int, default=None,
        help='threads of the multi-threaded run (default: all CPUs)')
    parser.add_argument(
        '--repeat', type=int, default=3,
        help='runs of evaluate_score_maps (the median is reported)')
    args = parser.parse_args()

    maps, boxes = cam_like_maps(args.num_images, args.size, args.seed)
    thresholds = np.arange(0, 1, 0.001)
    keys = ('MaxBoxAcc', 'MaxBoxAcc@30', 'MaxBoxAcc@50', 'MaxBoxAcc@70',
            'MaxBoxAccV2')

    t0 = time.perf_counter()
    evaluate_score_maps(maps[:2], boxes[:2])  # numba: load (or compile)
    warm = time.perf_counter() - t0

    def timed(num_threads):
        times, result = [], None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            result = evaluate_score_maps(
                maps, boxes, cam_thresholds=thresholds,
                num_threads=num_threads)
            times.append(time.perf_counter() - t0)
        return result, float(np.median(times))

    fast, fast_time = timed(1)
    threads = args.threads or os.cpu_count()
    fast_mt, fast_mt_time = timed(threads)

    t0 = time.perf_counter()
    ref = reference_loops.reference_box_accuracy(maps, boxes, thresholds)
    ref_time = time.perf_counter() - t0

    identical = all(fast[k] == ref[k] and fast_mt[k] == ref[k] for k in keys)
    per_image = 1000 / args.num_images
    print(f'machine: {platform.machine()}, {os.cpu_count()} CPUs, load '
          f'average {os.getloadavg()[0]:.1f}; OpenCV {cv2.__version__}, '
          f'numpy {np.__version__}')
    print(f'{args.num_images} maps {args.size}x{args.size}, '
          f'{len(thresholds)} thresholds, IoU 30/50/70, V1 + V2; '
          f'evaluate_score_maps: median of {args.repeat} runs')
    print(f'first call (numba cache load or compile): {warm:.2f} s')
    print('| method | time (s) | ms / image | speed-up |')
    print('| --- | --- | --- | --- |')
    print(f'| straightforward loop (OpenCV per threshold) | {ref_time:.2f} | '
          f'{per_image * ref_time:.2f} | 1x |')
    print(f'| evaluate_score_maps, 1 thread | {fast_time:.2f} | '
          f'{per_image * fast_time:.2f} | {ref_time / fast_time:.1f}x |')
    print(f'| evaluate_score_maps, {threads} threads | {fast_mt_time:.2f} | '
          f'{per_image * fast_mt_time:.2f} | '
          f'{ref_time / fast_mt_time:.1f}x |')
    for k in keys:
        print(f'  {k}: {fast[k]!r} (reference {float(ref[k])!r})')
    print('identical figures:', identical)
    return 0 if identical else 1


if __name__ == '__main__':
    sys.exit(main())
