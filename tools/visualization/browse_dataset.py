"""Pictures of a config's dataset as the model gets it: the images after
the pipeline with their GT boxes and masks (mmpretrain 1.x's
``browse_dataset.py``, for WSOL data).

    python tools/visualization/browse_dataset.py CONFIG [--phase train] \
        [--output-dir DIR] [--show-number N] \
        [--mode transformed|original|concat|pipeline] [--cfg-options ...]

Most WSOL bugs are box-transform bugs, so every picture draws the boxes in
the frame of the image it shows:

- ``transformed`` (default): the network input (``PackWSOLInputs``'
  ``inputs``) with the data sample's ``gt_bboxes`` and ``gt_mask``;
- ``original``: the image as loaded with ``ori_gt_bboxes`` and the mask as
  read from its file;
- ``concat``: both, side by side;
- ``pipeline``: the image after every transform of the pipeline, with the
  boxes (``gt_bboxes``) and the mask (``gt_seg_map``) as that transform
  left them.

Small images are upscaled (integer factor, nearest) so that the captions
can be read: under each picture, the dataset index, ``img_id`` and the size
of the image shown (``H x W`` before upscaling), then the GT class next to
the GT box colour. The foreground of the GT mask is tinted in the GT
colour, its ignore region (OpenImages) greyed. With ``--output-dir`` one PNG
per image, ``<index>_<image file stem>.png``, else a window per image.
"""
import argparse
import os
import os.path as osp
import sys

import mmcv
import numpy as np
from mmengine.dataset import Compose
from mmengine.utils import ProgressBar

from mmwsol.registry import DATASETS, VISUALIZERS
from mmwsol.utils import register_all_modules
from mmwsol.utils.tool_config import (add_cfg_options_argument,
                                      load_tool_config)
from mmwsol.visualization import (DEFAULT_MIN_SIZE, GT_COLOR,
                                  draw_annotated_image, labelled_grid,
                                  labelled_panels, upscale_factor)

MODES = ('transformed', 'original', 'concat', 'pipeline')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Draw the images of a dataset with their GT boxes and '
        'masks, after the pipeline')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--output-dir',
        '-o',
        help='write one PNG per image here (default: show windows)')
    parser.add_argument(
        '--not-show',
        action='store_true',
        help='do not show windows (implied by --output-dir)')
    parser.add_argument(
        '--phase',
        '-p',
        default='train',
        choices=['train', 'val', 'test'],
        help='the dataloader whose dataset is drawn (default: train)')
    parser.add_argument(
        '--show-number',
        '-n',
        type=int,
        default=sys.maxsize,
        help='draw the first N images (default: all)')
    parser.add_argument(
        '--show-interval',
        '-i',
        type=float,
        default=2,
        help='seconds each window is shown (default: 2)')
    parser.add_argument(
        '--mode',
        '-m',
        default='transformed',
        choices=MODES,
        help='what to draw (see the module docstring; default: '
        'transformed)')
    parser.add_argument(
        '--min-size',
        type=int,
        default=DEFAULT_MIN_SIZE,
        help='upscale images whose short side is smaller than this '
        f'(default: {DEFAULT_MIN_SIZE}; 0: never)')
    parser.add_argument(
        '--grid',
        type=int,
        metavar='COLUMNS',
        help='with --output-dir: also write all the pictures into one '
        'grid.png, COLUMNS per row')
    add_cfg_options_argument(parser)
    args = parser.parse_args(argv)
    if args.show_number < 1:
        parser.error('--show-number must be at least 1')
    if args.grid is not None and (args.grid < 1 or args.output_dir is None):
        parser.error('--grid takes a number of columns >= 1 and needs '
                     '--output-dir')
    return args


class RecordingCompose(Compose):
    """mmengine's ``Compose`` that keeps, for the last call, a copy of the
    image, boxes and mask after every transform (``self.stages``: a list of
    ``(transform name, BGR image, (k, 4) boxes or None, mask or None)``).
    """

    def __init__(self, transforms):
        super().__init__(transforms)
        self.stages = []

    def __call__(self, data):
        self.stages = []
        for transform in self.transforms:
            data = transform(data)
            if data is None:
                return None
            if isinstance(data.get('img'), np.ndarray):
                self.stages.append(
                    (type(transform).__name__, data['img'].copy(),
                     _copy(data.get('gt_bboxes')),
                     _copy(data.get('gt_seg_map'))))
        return data


def _copy(array):
    return None if array is None else np.array(array, copy=True)


def _numpy(value):
    if value is None:
        return None
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def to_rgb(image: np.ndarray) -> np.ndarray:
    """``H x W x 3`` uint8 RGB of a BGR (or grey) pipeline image."""
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return np.ascontiguousarray(
        np.clip(image, 0, 255).astype(np.uint8)[..., ::-1])


def label_text(label, classes):
    if label is None:
        return 'GT: no label'
    label = int(label)
    name = classes[label] if classes and 0 <= label < len(classes) else ''
    return f'GT: {label} {name}'.rstrip()


def draw(image_bgr, boxes, mask, lines, label, classes, min_size):
    """One picture: the image, its boxes (GT colour), mask and caption
    (``lines`` then the GT class by the box colour)."""
    boxes = _numpy(boxes)
    has_boxes = boxes is not None and boxes.size > 0
    caption = list(lines)
    text = label_text(label, classes)
    caption.append((text, GT_COLOR)
                   if has_boxes else text + ' (no box)')
    return draw_annotated_image(
        to_rgb(image_bgr),
        boxes=[(boxes.reshape(-1, 4), GT_COLOR)]
        if has_boxes else [],
        caption=caption,
        mask=_numpy(mask),
        min_size=min_size)


def picture(item, stages, mode, classes, min_size):
    """The picture of one dataset item for ``mode``."""
    sample = item['data_samples']
    meta = sample.metainfo
    label = sample.gt_label[0] if 'gt_label' in sample else None
    head = f'#{meta.get("sample_idx", "?")}  img_id {meta.get("img_id", "?")}'

    def size(image):
        return f'{image.shape[0]}x{image.shape[1]} (HxW)'

    inputs = item['inputs']
    final = np.ascontiguousarray(_numpy(inputs).transpose(1, 2, 0))
    transformed = ('transformed', final, sample.get('gt_bboxes'),
                   sample.get('gt_mask'))
    # the image as loaded; the mask from the first stage that has one in
    # the original frame (LoadWSOLAnnotations, before geometric transforms)
    loaded = stages[0][1] if stages else final
    ori_mask = next((s[3] for s in stages if s[3] is not None
                     and s[3].shape == loaded.shape[:2]), None)
    original = ('original', loaded, meta.get('ori_gt_bboxes'), ori_mask)
    if mode == 'transformed':
        panels = [transformed]
    elif mode == 'original':
        panels = [original]
    elif mode == 'concat':
        panels = [original, transformed]
    else:
        panels = list(stages) + [('PackWSOLInputs', ) + transformed[1:]]
    if len(panels) == 1:
        (_, image, boxes, mask), = panels
        return draw(image, boxes, mask, [f'{head}  {size(image)}'], label,
                    classes, min_size)
    # one upscale factor for all panels (that of the loaded image), so
    # that their sizes compare: the short side times that factor is the
    # min_size that gives it
    factor = upscale_factor(*loaded.shape[:2], min_size)
    drawn = [
        draw(image, boxes, mask, [f'{head}  {size(image)}'], label,
             classes, factor * min(image.shape[:2]))
        for _, image, boxes, mask in panels
    ]
    return labelled_panels(drawn, [name for name, *_ in panels])


def output_name(item, index):
    path = item['data_samples'].metainfo.get('img_path')
    stem = osp.splitext(osp.basename(path))[0] if path else 'image'
    return f'{index:05d}_{stem}.png'


def main(argv=None):
    args = parse_args(argv)
    cfg = load_tool_config(args.config, args.cfg_options)
    register_all_modules()
    loader = cfg.get(f'{args.phase}_dataloader')
    if not loader or 'dataset' not in loader:
        sys.exit(f'error: the config has no {args.phase}_dataloader.dataset')
    dataset = DATASETS.build(loader['dataset'])
    dataset.pipeline = RecordingCompose(dataset.pipeline.transforms)
    classes = dataset.metainfo.get('classes')
    visualizer = VISUALIZERS.build(
        dict(type='LocalizationVisualizer', name='browse_dataset'))
    show = args.output_dir is None and not args.not_show
    if args.output_dir is not None:
        os.makedirs(args.output_dir, exist_ok=True)

    number = min(args.show_number, len(dataset))
    progress = ProgressBar(number)
    pictures, names = [], []
    for index in range(number):
        item = dataset[index]
        image = picture(item, dataset.pipeline.stages, args.mode, classes,
                        args.min_size)
        name = output_name(item, index)
        if args.output_dir is not None:
            mmcv.imwrite(image[..., ::-1], osp.join(args.output_dir, name))
            if args.grid:
                pictures.append(image)
                names.append(name)
        if show:
            visualizer.show(image, win_name=name,
                            wait_time=args.show_interval)
        progress.update()
    print()
    if args.output_dir is not None:
        print(f'{number} pictures written to {args.output_dir}')
    if pictures:
        grid = osp.join(args.output_dir, 'grid.png')
        mmcv.imwrite(
            labelled_grid(pictures, names, args.grid)[..., ::-1], grid)
        print(f'grid of all pictures: {grid}')


if __name__ == '__main__':
    main()
