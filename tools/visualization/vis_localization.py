"""Pictures of a WSOL model's localization for any images, optionally side
by side with a second model (e.g. CAM vs LowCAM, for the README).

    python tools/visualization/vis_localization.py CONFIG CHECKPOINT \
        IMAGE_OR_FOLDER [...] --out-dir DIR [--device cpu] \
        [--compare CONFIG2 CHECKPOINT2] [--labels CAM LowCAM]

Writes ``DIR/<image stem>.png``: the score map over the image (min-max
normalised, 0 where a centre crop cut the image away), the predicted box
(red) and the class with its score; with ``--compare``, the pictures of
both models in labelled panels. Folders are searched recursively for
.jpg/.jpeg/.png/.bmp/.tif/.tiff/.webp files.
"""
import os.path as osp
import sys

# the repository root, so that configs under projects/ import their
# `projects.<name>` package without PYTHONPATH
sys.path.insert(
    0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import argparse  # noqa: E402
import os  # noqa: E402

import mmcv  # noqa: E402
from mmengine.utils import scandir  # noqa: E402

from mmwsol.apis import (draw_localization_result, inference_localizer,  # noqa
                         init_localizer)
from mmwsol.visualization import LocalizationVisualizer, labelled_panels

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Draw score maps, boxes and classes of a WSOL model')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        'images', nargs='+', help='image files and/or folders of images')
    parser.add_argument(
        '--out-dir', required=True, help='folder for the pictures')
    parser.add_argument(
        '--device', default='cpu', help='device, e.g. cpu or cuda:0')
    parser.add_argument(
        '--compare',
        nargs=2,
        metavar=('CONFIG2', 'CHECKPOINT2'),
        help='a second model drawn next to the first')
    parser.add_argument(
        '--labels',
        nargs='+',
        help='panel labels (one per model); default: the model types, '
        'or the config names when the types are equal')
    parser.add_argument(
        '--batch-size', type=int, default=1, help='images per forward pass')
    return parser.parse_args(argv)


def collect_images(inputs):
    """Image files of ``inputs`` (files kept as given, folders searched
    recursively, sorted)."""
    files = []
    for item in inputs:
        if osp.isdir(item):
            found = sorted(
                scandir(item, suffix=IMAGE_SUFFIXES, recursive=True,
                        case_sensitive=False))
            files += [osp.join(item, f) for f in found]
        elif osp.isfile(item):
            files.append(item)
        else:
            sys.exit(f'error: no such image file or folder: {item}')
    if not files:
        sys.exit(f'error: no images ({", ".join(IMAGE_SUFFIXES)}) in '
                 f'{" ".join(inputs)}')
    return files


def output_names(files):
    """``<stem>.png`` per file, ``<stem>_<k>.png`` for repeated stems."""
    names, seen = [], {}
    for path in files:
        stem = osp.splitext(osp.basename(path))[0]
        count = seen.get(stem, 0)
        seen[stem] = count + 1
        names.append(f'{stem}.png' if count == 0 else f'{stem}_{count}.png')
    return names


def default_labels(models, configs):
    types = [type(m).__name__ for m in models]
    if len(set(types)) == len(types):
        return types
    return [osp.splitext(osp.basename(c))[0] for c in configs]


def main(argv=None):
    args = parse_args(argv)
    configs = [args.config] + ([args.compare[0]] if args.compare else [])
    checkpoints = [args.checkpoint] + ([args.compare[1]]
                                       if args.compare else [])
    for path, what in [(c, 'config') for c in configs] + [
            (c, 'checkpoint') for c in checkpoints]:
        if not osp.isfile(path):
            sys.exit(f'error: {what} file not found: {path}')
    if args.labels is not None and len(args.labels) != len(configs):
        sys.exit(f'error: --labels needs {len(configs)} labels (one per '
                 f'model), got {len(args.labels)}')
    files = collect_images(args.images)
    models = [
        init_localizer(c, k, device=args.device)
        for c, k in zip(configs, checkpoints)
    ]
    labels = args.labels or default_labels(models, configs)
    visualizer = LocalizationVisualizer(name='vis_localization_tool')
    results = [
        inference_localizer(
            m, files, batch_size=args.batch_size, normalize_map=True)
        for m in models
    ]
    os.makedirs(args.out_dir, exist_ok=True)
    for i, (path, name) in enumerate(zip(files, output_names(files))):
        pictures = [
            draw_localization_result(
                path,
                res[i],
                classes=model.dataset_meta.get('classes'),
                visualizer=visualizer) for model, res in zip(models, results)
        ]
        picture = pictures[0] if len(pictures) == 1 else labelled_panels(
            pictures, labels)
        out_file = osp.join(args.out_dir, name)
        mmcv.imwrite(picture[..., ::-1], out_file)
        summary = '; '.join(
            f'{label}: {res[i]["pred_class"] or res[i]["pred_label"]} '
            f'{res[i]["pred_score"]:.2f} box '
            + ' '.join(f'{v:.0f}' for v in res[i]['pred_bbox'])
            for label, res in zip(labels, results))
        print(f'{out_file}  {summary}')


if __name__ == '__main__':
    main()
