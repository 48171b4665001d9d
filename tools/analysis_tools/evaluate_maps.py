"""Evaluate a folder of saved score maps against wsolevaluation metadata.

    python tools/analysis_tools/evaluate_maps.py SCOREMAP_ROOT METADATA_DIR \\
        [--protocol wsolevaluation] [--mask-root DIR] [--predictions FILE]

``SCOREMAP_ROOT/<image_id>.npy`` holds the map of each image of
``METADATA_DIR/image_ids.txt`` (the layout wsolevaluation's ``inference.py``
writes: ``<image_id>`` keeps its ``.jpg``). ``METADATA_DIR`` is a
wsolevaluation split folder: ``image_ids.txt``, ``image_sizes.txt``
(``id,w,h``), ``localization.txt`` (``id,x0,y0,x1,y1`` per box, or
``id,mask,ignore`` for OpenImages) and optionally ``class_labels.txt``.
GT boxes are rescaled from the original size to the map's size with
wsolevaluation's ``resize_bbox``. With ``--predictions`` (lines
``id,label1[,label2,...]``, classes by decreasing score) Top-k Cls / Loc
are reported too. Prints every figure and the threshold it was taken at.
"""
import argparse
import json
import os.path as osp
import sys

import numpy as np

from mmwsol.evaluation import evaluate_score_maps


def read_lines(path):
    if not osp.isfile(path):
        raise FileNotFoundError(f'metadata file not found: {path}')
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if line.strip():
                yield lineno, line.split(',')


def load_metadata(meta_dir):
    """Image ids, sizes ``(h, w)``, boxes or mask paths, labels."""
    ids = [line[0] for _, line in read_lines(osp.join(meta_dir,
                                                      'image_ids.txt'))]
    sizes = {}
    path = osp.join(meta_dir, 'image_sizes.txt')
    for lineno, line in read_lines(path):
        try:
            sizes[line[0]] = (int(line[2]), int(line[1]))  # (h, w)
        except (IndexError, ValueError):
            sys.exit(f'error: {path}:{lineno}: expected "id,w,h", got '
                     f'{",".join(line)!r}')
    boxes, masks, ignores = {}, {}, {}
    path = osp.join(meta_dir, 'localization.txt')
    for lineno, line in read_lines(path):
        if len(line) == 5:
            try:
                boxes.setdefault(line[0], []).append(
                    [int(v) for v in line[1:]])
            except ValueError:
                sys.exit(f'error: {path}:{lineno}: box values must be '
                         f'integers, got {",".join(line)!r}')
        elif len(line) == 3:
            masks.setdefault(line[0], []).append(line[1])
            if line[2]:
                ignores[line[0]] = line[2]
        else:
            sys.exit(f'error: {path}:{lineno}: expected "id,x0,y0,x1,y1" or '
                     f'"id,mask,ignore", got {",".join(line)!r}')
    labels = {}
    path = osp.join(meta_dir, 'class_labels.txt')
    if osp.isfile(path):
        labels = {line[0]: int(line[1]) for _, line in read_lines(path)}
    return ids, sizes, boxes, masks, ignores, labels


def load_mask(mask_root, mask_paths, ignore_path, size):
    """wsolevaluation's ``get_mask``: union of instances, 255 = ignore."""
    import cv2
    height, width = size

    def read(rel):
        path = osp.join(mask_root, rel)
        img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
        if img is None:
            sys.exit(f'error: cannot read mask {path}')
        return cv2.resize(
            np.float32(img), (width, height),
            interpolation=cv2.INTER_NEAREST) > 0.5

    fg = np.stack([read(p) for p in mask_paths]).any(0)
    mask = fg.astype(np.uint8)
    if ignore_path:
        mask[read(ignore_path) & ~fg] = 255
    return mask


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='WSOL figures of saved score maps (.npy) against '
        'wsolevaluation metadata')
    parser.add_argument('scoremap_root', help='folder of <image_id>.npy maps')
    parser.add_argument('metadata_dir', help='wsolevaluation split folder')
    parser.add_argument('--protocol', default='wsolevaluation',
                        choices=['wsolevaluation', 'ornet'])
    parser.add_argument('--mask-root', help='root of the mask PNGs '
                        '(OpenImages), for PxAP')
    parser.add_argument('--predictions', help='file of "id,label1,..." '
                        'lines for Top-k Cls / Loc')
    parser.add_argument('--cam-curve-interval', type=float, default=None,
                        help='threshold step (default: the protocol\'s, '
                        '0.001 for wsolevaluation)')
    parser.add_argument('--iou-thresholds', type=int, nargs='+',
                        default=[30, 50, 70])
    parser.add_argument('--map-normalization', default='none',
                        choices=['none', 'minmax'],
                        help='none: maps are in [0, 1] already (default)')
    parser.add_argument('--box-scale', type=float, default=1,
                        help='ornet: map pixel to GT pixel factor')
    parser.add_argument('--thresholds-from', help='JSON of a previous run '
                        '(--out) to take the thresholds from (calibration '
                        'split), or a number for a fixed threshold')
    parser.add_argument('--nonfinite-maps', default='error',
                        choices=['error', 'zero'],
                        help='a map holding NaN or inf: stop naming it '
                        '(default) or evaluate it as an all-zero map, '
                        'counted and named in a warning')
    parser.add_argument('--out', help='write the figures to this JSON file')
    parser.add_argument('--batch-size', type=int, default=64)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    ids, sizes, boxes, masks, ignores, labels = load_metadata(
        args.metadata_dir)
    missing = [i for i in ids if i not in sizes]
    if missing:
        sys.exit(f'error: {len(missing)} images lack a line in '
                 f'image_sizes.txt, e.g. {missing[0]}')
    with_boxes = bool(boxes)
    if with_boxes:
        missing = [i for i in ids if i not in boxes]
        if missing:
            sys.exit(f'error: {len(missing)} images have no box in '
                     f'localization.txt, e.g. {missing[0]}')
    elif not masks:
        sys.exit('error: localization.txt lists neither boxes nor masks')
    if masks and args.mask_root is None and not with_boxes:
        sys.exit('error: the metadata lists masks: pass --mask-root')

    paths = [osp.join(args.scoremap_root, i + '.npy') for i in ids]
    absent = [p for p in paths if not osp.isfile(p)]
    if absent:
        sys.exit(f'error: {len(absent)} score maps missing, e.g. {absent[0]}')

    first = np.load(paths[0], mmap_mode='r')
    map_size = first.shape[-2:]

    def maps():  # each checked by evaluate_score_maps, named by its path
        for p in paths:
            yield np.load(p)

    gt_masks = None
    if masks and args.mask_root is not None:
        gt_masks = _LazyMasks(args.mask_root, ids, masks, ignores, map_size)

    kwargs = {}
    if args.predictions:
        preds = {
            line[0]: [int(v) for v in line[1:]]
            for _, line in read_lines(args.predictions)
        }
        width = min(len(v) for v in preds.values())
        kwargs['pred_labels'] = np.array([preds[i][:width] for i in ids])
        kwargs['gt_labels'] = np.array([labels[i] for i in ids])
    if args.cam_curve_interval is not None:
        kwargs['cam_thresholds'] = np.arange(0, 1, args.cam_curve_interval)
    if args.thresholds_from is not None:
        if osp.isfile(args.thresholds_from):
            with open(args.thresholds_from) as f:
                kwargs['thresholds_from'] = json.load(f)
        else:
            kwargs['thresholds_from'] = float(args.thresholds_from)

    try:
        result = evaluate_score_maps(
            maps(),
            [np.array(boxes[i]) for i in ids] if with_boxes else None,
            gt_masks=gt_masks,
            image_sizes=[sizes[i] for i in ids],
            protocol=args.protocol,
            iou_thresholds=args.iou_thresholds,
            map_normalization=args.map_normalization,
            box_scale=args.box_scale,
            batch_size=args.batch_size,
            nonfinite_maps=args.nonfinite_maps,
            image_names=paths,
            progress=True,
            **kwargs)
    except ValueError as error:  # names the map file
        sys.exit(f'error: {error}')
    print()
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f'{key:<{width}}  {value:.4f}' if not key.endswith('_thr') else
              f'{key:<{width}}  {value:g}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    return result


class _LazyMasks:
    """Masks loaded when the evaluation asks for them (sequence API)."""

    def __init__(self, mask_root, ids, masks, ignores, size):
        self.args = (mask_root, ids, masks, ignores, size)

    def __len__(self):
        return len(self.args[1])

    def __getitem__(self, i):
        mask_root, ids, masks, ignores, size = self.args
        return load_mask(mask_root, masks[ids[i]], ignores.get(ids[i]), size)


if __name__ == '__main__':
    main()
