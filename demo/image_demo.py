"""Classify and localize one image with a WSOL model.

    python demo/image_demo.py IMAGE CONFIG CHECKPOINT [--device cpu] \
        [--out-file vis.png] [--show]

Prints the predicted class, its score and the box (``x0, y0, x1, y1`` in
the image's pixel coordinates) and, with ``--out-file`` / ``--show``, draws
the score map over the image with the box and the class.
"""
import os.path as osp
import sys

# the repository root, so that configs under projects/ import their
# `projects.<name>` package without PYTHONPATH
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import argparse  # noqa: E402

from mmengine.config import DictAction  # noqa: E402

from mmwsol.apis import (draw_localization_result, inference_localizer,  # noqa
                         init_localizer)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('image', help='image file')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
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
    for path, what in ((args.image, 'image'), (args.config, 'config'),
                       (args.checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            sys.exit(f'error: {what} file not found: {path}')
    model = init_localizer(
        args.config,
        args.checkpoint,
        device=args.device,
        cfg_options=args.cfg_options)
    result = inference_localizer(model, args.image, normalize_map=True)
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
            classes=model.dataset_meta.get('classes'),
            out_file=args.out_file,
            show=args.show)
        if args.out_file:
            print(f'picture: {args.out_file}')
    return result


if __name__ == '__main__':
    main()
