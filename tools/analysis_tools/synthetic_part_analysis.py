"""Where a model's evidence and score map lie on the synthetic benchmark,
part by part (head / body / background), from the generator's exact part
masks.

    python tools/analysis_tools/synthetic_part_analysis.py CONFIG CHECKPOINT \
        [--generator KEY=VALUE ...] [--every 2] [--out parts.json]

Two measurements on the test split:

1. **Classification from each part**: Top-1 of the model on the test
   images with parts replaced by a flat grey (118): ``full``, ``no_head``
   (head hidden), ``body_only``, ``head_only``, ``object_only``,
   ``no_object``. For a CAM checkpoint this is LowCAM's evaluator ``F^e``:
   phase 2 keeps a region in ``p^a`` only if ``F^e`` needs it to classify.
2. **The score map per part**: the min-max normalised map in the original
   frame (:func:`mmwsol.apis.inference_localizer`), averaged over the head,
   body and background pixels, and the share of each part's pixels above
   0.5 and 0.2.

``--generator`` gives the generator parameters of a benchmark variant (as
``tools/analysis_tools/synthetic_benchmark.py --generator``).
"""
import argparse
import os.path as osp
import sys

import mmcv
import mmengine
from mmengine.config import DictAction
import numpy as np

from mmwsol.apis import inference_localizer, init_localizer
from mmwsol.engine.checkpoint import CheckpointReadError
from mmwsol.datasets.synthetic import (PART_BODY, PART_HEAD,
                                       prepare_synthetic_wsol)

GREY = 118
VARIANTS = ('full', 'no_head', 'body_only', 'head_only', 'object_only',
            'no_object')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--generator', nargs='+', action=DictAction,
                        default={}, metavar='KEY=VALUE')
    parser.add_argument('--every', type=int, default=1,
                        help='use every n-th test image')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--batch-size', type=int, default=50)
    parser.add_argument('--out', help='write the figures to this JSON file')
    return parser.parse_args(argv)


def read_split(root):
    def table(name):
        with open(osp.join(root, name)) as f:
            return dict(line.split(maxsplit=1) for line in f if line.strip())

    paths, split = table('images.txt'), table('train_test_split.txt')
    labels = table('image_class_labels.txt')
    ids = [i for i in paths if split[i].strip() == '0']
    return [(paths[i].strip(), int(labels[i]) - 1) for i in ids]


def hide(img, keep):
    out = img.copy()
    out[~keep] = GREY
    return out


def main(argv=None):
    args = parse_args(argv)
    for path, what in ((args.config, 'config'),
                       (args.checkpoint, 'checkpoint')):
        if '://' not in path and not osp.isfile(path):
            sys.exit(f'error: {what} file not found: {path}')
    try:  # before the benchmark is generated
        model = init_localizer(
            args.config, args.checkpoint, device=args.device)
    except CheckpointReadError as error:  # a truncated or corrupt file
        sys.exit(f'error: {error}')
    root = prepare_synthetic_wsol(args.generator or None)
    items = read_split(root)[::args.every]

    images = {v: [] for v in VARIANTS}
    parts, labels = [], []
    for rel, label in items:
        img = mmcv.imread(osp.join(root, 'images', rel))
        part = mmcv.imread(
            osp.join(root, 'part_masks', rel), flag='unchanged')
        head, body = part == PART_HEAD, part == PART_BODY
        obj = head | body
        images['full'].append(img)
        images['no_head'].append(hide(img, ~head))
        images['body_only'].append(hide(img, body))
        images['head_only'].append(hide(img, head))
        images['object_only'].append(hide(img, obj))
        images['no_object'].append(hide(img, ~obj))
        parts.append(part)
        labels.append(label)
    labels = np.array(labels)

    figures = dict(num_images=len(items), generator=args.generator,
                   top1={}, score_map={})
    for variant in VARIANTS:
        results = inference_localizer(
            model, images[variant], batch_size=args.batch_size,
            normalize_map=True)
        pred = np.array([r['pred_label'] for r in results])
        figures['top1'][variant] = float((pred == labels).mean() * 100)
        if variant != 'full':
            continue
        stats = {f'{p}_{s}': [] for p in ('head', 'body', 'background')
                 for s in ('mean', 'above_0.5', 'above_0.2')}
        for r, part in zip(results, parts):
            m = np.asarray(r['score_map'], np.float64)
            for name, sel in (('head', part == PART_HEAD),
                              ('body', part == PART_BODY),
                              ('background', part == 0)):
                v = m[sel]
                stats[f'{name}_mean'].append(v.mean())
                stats[f'{name}_above_0.5'].append((v > 0.5).mean() * 100)
                stats[f'{name}_above_0.2'].append((v > 0.2).mean() * 100)
        figures['score_map'] = {k: float(np.mean(v)) for k, v in stats.items()}

    print(f'{len(items)} test images of {root}')
    print('Top-1 (%) with parts hidden: ' + ', '.join(
        f'{k} {v:.1f}' for k, v in figures['top1'].items()))
    sm = figures['score_map']
    for name in ('head', 'body', 'background'):
        print(f'score map on {name:10s}: mean {sm[name + "_mean"]:.2f}, '
              f'>0.5 {sm[name + "_above_0.5"]:.1f}% of its pixels, '
              f'>0.2 {sm[name + "_above_0.2"]:.1f}%')
    if args.out:
        mmengine.dump(figures, args.out, file_format='json', indent=1)
    return figures


if __name__ == '__main__':
    main()
