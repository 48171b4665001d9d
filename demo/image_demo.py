"""Classify and localize one image with a WSOL model.

    python demo/image_demo.py IMAGE CONFIG_OR_NAME [CHECKPOINT] \
        [--device cpu] [--out-file vis.png] [--show]

CONFIG_OR_NAME is a config file or a model name of
``mmwsol.apis.list_models()`` (without CHECKPOINT: the index's weights).

Prints the predicted class, its score and the box (``x0, y0, x1, y1`` in
the image's pixel coordinates) and, with ``--out-file`` / ``--show``, draws
the score map over the image with the box and the class.
"""
import argparse
import os.path as osp
import sys

from mmengine.config import DictAction

from mmwsol.apis import LocalizationInferencer, draw_localization_result
from mmwsol.engine.checkpoint import CheckpointReadError


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('image', help='image file')
    parser.add_argument(
        'config', help='config file, or a model name (list_models())')
    parser.add_argument(
        'checkpoint', nargs='?', help='checkpoint file (path or URL)')
    parser.add_argument(
        '--device', default='cpu', help='device, e.g. cpu or cuda:0')
    parser.add_argument('--out-file', help='write the picture here')
    parser.add_argument(
        '--show', action='store_true', help='show the picture in a window')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, as key=value pairs')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    files = [(args.image, 'image')]
    if args.config.endswith('.py'):
        files.append((args.config, 'config'))
    if args.checkpoint and '://' not in args.checkpoint:
        files.append((args.checkpoint, 'checkpoint'))
    for path, what in files:
        if not osp.isfile(path):
            sys.exit(f'error: {what} file not found: {path}')
    try:
        inferencer = LocalizationInferencer(
            args.config,
            args.checkpoint or True,
            device=args.device,
            cfg_options=args.cfg_options)
    except CheckpointReadError as error:  # a truncated or corrupt file
        sys.exit(f'error: {error}')
    result = inferencer(args.image, normalize_map=True)[0]
    name = result['pred_class']
    box = ', '.join(f'{v:.1f}' for v in result['pred_bbox'])
    print(f'class: {result["pred_label"]}' + (f' ({name})' if name else ''))
    print(f'score: {result["pred_score"]:.4f}')
    print(f'box (x0, y0, x1, y1): {box}  image (h, w): '
          f'{tuple(result["ori_shape"])}')
    if args.out_file or args.show:
        draw_localization_result(
            args.image,
            result,
            classes=inferencer.classes,
            out_file=args.out_file,
            show=args.show)
        if args.out_file:
            print(f'picture: {args.out_file}')
    return result


if __name__ == '__main__':
    main()
