"""Pictures of a WSOL model's localization for any images, optionally side
by side with a second model (e.g. CAM vs LowCAM, for the README).

    python tools/visualization/vis_localization.py CONFIG CHECKPOINT \
        IMAGE_OR_FOLDER [...] --out-dir DIR [--device cpu] \
        [--compare CONFIG2 CHECKPOINT2 ...] [--labels CAM LowCAM] [--gt] \
        [--min-size 320] [--grid FILE [--grid-columns N]]

Writes ``DIR/<image stem>.png``: the score map over the image (min-max
normalised, 0 where a centre crop cut the image away), the predicted box
(magenta) and, under the picture, the class with its score; with ``--gt``,
the GT boxes (green) and class of the images that are in the first
config's test dataset too; with ``--compare``, the pictures of all models
in labelled panels; with ``--grid``, all of them in one PNG too. Images
whose short side is under ``--min-size`` (320 px) are upscaled first.
Folders are searched recursively for
.jpg/.jpeg/.png/.bmp/.tif/.tiff/.webp files. An image that cannot be read
(missing, truncated, not an image) does not stop the others: their
pictures are written, then one ``error: <path>: <reason>`` line per bad
image is printed (stderr) and the exit status is 1.
"""
import argparse
import os
import os.path as osp
import sys

import cv2
import mmcv

from mmwsol.apis import (IMAGE_SUFFIXES, InputError, LocalizationInferencer,
                         draw_localization_result, list_images, output_names)
from mmwsol.engine.checkpoint import CheckpointReadError
from mmwsol.registry import DATASETS
from mmwsol.utils.runner_tool import add_model_arguments
from mmwsol.visualization import (DEFAULT_MIN_SIZE, LocalizationVisualizer,
                                  labelled_grid, labelled_panels)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Draw score maps, boxes and classes of a WSOL model')
    add_model_arguments(parser)
    parser.add_argument(
        'images', nargs='+', help='image files and/or folders of images')
    parser.add_argument(
        '--out-dir', required=True, help='folder for the pictures')
    parser.add_argument(
        '--device', default='cpu', help='device, e.g. cpu or cuda:0')
    parser.add_argument(
        '--compare',
        nargs=2,
        action='append',
        default=[],
        metavar=('CONFIG2', 'CHECKPOINT2'),
        help='a second model drawn next to the first (repeat for more)')
    parser.add_argument(
        '--labels',
        nargs='+',
        help='panel labels (one per model); default: the model types, '
        'or the config names when the types are equal')
    parser.add_argument(
        '--batch-size', type=int, default=1, help='images per forward pass')
    parser.add_argument(
        '--gt',
        action='store_true',
        help="also draw the GT boxes and class of images that are in the "
        "first config's test dataset (test_dataloader.dataset)")
    parser.add_argument(
        '--min-size',
        type=int,
        default=DEFAULT_MIN_SIZE,
        help='upscale images whose short side is smaller (integer factor, '
        'nearest) before drawing; 0: draw at the image size')
    parser.add_argument(
        '--grid',
        metavar='FILE',
        help='also write every picture into one PNG: per image, the '
        'panels of the models, --grid-columns per row')
    parser.add_argument(
        '--grid-columns',
        type=int,
        help='panels per row of --grid; default: one row per image')
    return parser.parse_args(argv)


def collect_images(inputs):
    """Image files of ``inputs`` (files kept as given, folders searched
    recursively, sorted)."""
    files = []
    for item in inputs:
        if osp.isdir(item):
            files += list_images(item)
        elif osp.isfile(item):
            files.append(item)
        else:
            sys.exit(f'error: no such image file or folder: {item}')
    if not files:
        sys.exit(f'error: no images ({", ".join(IMAGE_SUFFIXES)}) in '
                 f'{" ".join(inputs)}')
    return files


def test_set_annotations(cfg):
    """``{real image path: (gt_bboxes (k, 4), gt_label)}`` of the test
    dataset of ``cfg`` (original frame; annotations only, no pipeline)."""
    dataset_cfg = cfg.test_dataloader.dataset.copy()
    dataset_cfg['pipeline'] = []
    dataset = DATASETS.build(dataset_cfg)
    annotations = {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        annotations[osp.realpath(info['img_path'])] = (
            info.get('gt_bboxes'), info.get('gt_label'))
    return annotations


def default_labels(models, configs):
    types = [type(m).__name__ for m in models]
    if len(set(types)) == len(types):
        return types
    return [osp.splitext(osp.basename(c))[0] for c in configs]


def main(argv=None):
    args = parse_args(argv)
    configs = [args.config] + [c for c, _ in args.compare]
    checkpoints = [args.checkpoint] + [k for _, k in args.compare]
    for path, what in [(c, 'config') for c in configs] + [
            (c, 'checkpoint') for c in checkpoints]:
        if not osp.isfile(path):
            sys.exit(f'error: {what} file not found: {path}')
    if args.labels is not None and len(args.labels) != len(configs):
        sys.exit(f'error: --labels needs {len(configs)} labels (one per '
                 f'model), got {len(args.labels)}')
    files = collect_images(args.images)
    try:
        inferencers = [
            LocalizationInferencer(c, k, device=args.device)
            for c, k in zip(configs, checkpoints)
        ]
    except CheckpointReadError as error:  # a truncated or corrupt file
        sys.exit(f'error: {error}')
    models = [inferencer.model for inferencer in inferencers]
    labels = args.labels or default_labels(models, configs)
    visualizer = LocalizationVisualizer(name='vis_localization_tool')
    results = [
        inferencer(
            files,
            batch_size=args.batch_size,
            normalize_map=True,
            on_error='skip')
        for inferencer in inferencers
    ]
    # an image any model could not read: reported, not drawn
    errors = {}
    for res in results:
        for item in res:
            if isinstance(item, InputError):
                errors.setdefault(item.index, item)
    annotations = test_set_annotations(models[0].cfg) if args.gt else {}
    if args.gt and not any(
            osp.realpath(f) in annotations for f in files):
        print('warning: --gt: none of the images is in the test dataset of '
              f'{args.config}; no GT boxes drawn')
    os.makedirs(args.out_dir, exist_ok=True)
    grid = []
    for i, (path, name) in enumerate(zip(files, output_names(files))):
        if i in errors:
            continue
        gt_bboxes, gt_label = annotations.get(osp.realpath(path),
                                              (None, None))
        pictures = [
            draw_localization_result(
                path,
                res[i],
                classes=model.dataset_meta.get('classes'),
                visualizer=visualizer,
                gt_bboxes=gt_bboxes,
                gt_label=gt_label,
                min_size=args.min_size)
            for model, res in zip(models, results)
        ]
        grid += pictures
        picture = pictures[0] if len(pictures) == 1 else labelled_panels(
            pictures, labels)
        out_file = osp.join(args.out_dir, f'{name}.png')
        mmcv.imwrite(picture[..., ::-1], out_file)
        summary = '; '.join(
            f'{label}: {res[i]["pred_class"] or res[i]["pred_label"]} '
            f'{res[i]["pred_score"]:.2f} box '
            + ' '.join(f'{v:.0f}' for v in res[i]['pred_bbox'])
            for label, res in zip(labels, results))
        print(f'{out_file}  {summary}')
    if args.grid and grid:
        picture = labelled_grid(grid, labels * (len(grid) // len(models)),
                                args.grid_columns or len(models))
        os.makedirs(osp.dirname(osp.abspath(args.grid)), exist_ok=True)
        # the smallest lossless PNG (for documentation)
        mmcv.imwrite(picture[..., ::-1], args.grid,
                     [cv2.IMWRITE_PNG_COMPRESSION, 9])
        print(f'{args.grid}  {len(grid) // len(models)} images x '
              f'{len(models)} models')
    if errors:
        print(f'{len(errors)} of the {len(files)} images could not be read:',
              file=sys.stderr)
        for index in sorted(errors):
            print(f'error: {errors[index]}', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
