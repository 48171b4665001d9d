"""Images per second of a config's training data loader, on generated JPEGs.

    python tools/analysis_tools/benchmark_dataloader.py \
        [--config configs/lowcam_vgg16_cub.py] [--workers 4 8 16] \
        [--num-images 2048] [--image-size 500 375]

Writes ``--num-images`` JPEGs of CUB's typical size (500 x 375, smooth
random content plus noise, quality 90: about the size and decoding cost
of a photograph) in the CUB-200-2011 layout into a temporary folder, points
the config's ``train_dataloader`` at it (its own pipeline, batch size and
sampler: for the LowCAM CUB configs the release's Resize(256) ->
RandomFlip -> RandomCrop(224) on PIL-decoded images) and times whole
passes over it with each number of (persistent) workers, after a first
untimed pass that starts them (their start-up, the time to the first
batch, is reported apart). The images/s it prints are what
the loader can feed a training step; compare them with
``benchmark_train.py``'s to see whether data loading is the bottleneck.
"""
import argparse
import os
import os.path as osp
import sys
import tempfile
import time

import cv2
import numpy as np

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def write_jpeg_cub(root, num_images, size, num_classes=10, seed=0):
    """CUB-200-2011 files for ``num_images`` generated JPEGs of ``size =
    (w, h)``, every image a training image with one box."""
    from mmwsol.datasets.synthetic.writing import write_lines
    rng = np.random.default_rng(seed)
    width, height = size
    rows = dict(images=[], image_class_labels=[], train_test_split=[],
                bounding_boxes=[])
    for i in range(1, num_images + 1):
        label = (i - 1) % num_classes
        rel = f'{label + 1:03d}.class_{label}/img_{i:05d}.jpg'
        low = rng.integers(0, 256, (6, 8, 3)).astype(np.uint8)
        img = cv2.resize(low, (width, height), interpolation=cv2.INTER_CUBIC)
        img = np.clip(img + rng.normal(0, 12, img.shape), 0,
                      255).astype(np.uint8)
        path = osp.join(root, 'images', rel)
        os.makedirs(osp.dirname(path), exist_ok=True)
        if not cv2.imwrite(path, img, [cv2.IMWRITE_JPEG_QUALITY, 90]):
            raise OSError(f'could not write {path}')
        rows['images'].append(f'{i} {rel}')
        rows['image_class_labels'].append(f'{i} {label + 1}')
        rows['train_test_split'].append(f'{i} 1')
        rows['bounding_boxes'].append(
            f'{i} {width / 4:.1f} {height / 4:.1f} {width / 2:.1f} '
            f'{height / 2:.1f}')
    for name, lines in rows.items():
        write_lines(osp.join(root, f'{name}.txt'), lines)
    write_lines(
        osp.join(root, 'classes.txt'),
        [f'{c + 1} {c + 1:03d}.class_{c}' for c in range(num_classes)])


def time_loader(cfg, data_root, num_workers, batch_size, passes):
    """``(start-up s, images/s)`` of whole passes over the folder."""
    import copy

    from mmengine.runner import Runner
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.dataset.data_root = data_root
    loader_cfg.num_workers = num_workers
    loader_cfg.persistent_workers = num_workers > 0
    if batch_size:
        loader_cfg.batch_size = batch_size
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    # pass 0 starts the (persistent) workers and is not timed; each timed
    # pass runs from iter() to the last batch
    start = time.perf_counter()
    it = iter(loader)
    next(it)
    startup = time.perf_counter() - start
    for _ in it:
        pass
    count = 0
    start = time.perf_counter()
    for _ in range(passes):
        for batch in loader:
            count += len(batch['inputs'])
    elapsed = time.perf_counter() - start
    return startup, count / elapsed, loader_cfg.batch_size


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--config', default=osp.join(REPO_ROOT, 'configs',
                                     'lowcam_vgg16_cub.py'))
    parser.add_argument('--workers', type=int, nargs='+',
                        default=[4, 8, 16])
    parser.add_argument('--num-images', type=int, default=2048)
    parser.add_argument('--image-size', type=int, nargs=2,
                        default=[500, 375], metavar=('W', 'H'))
    parser.add_argument('--batch-size', type=int, default=0,
                        help="default: the config's")
    parser.add_argument('--passes', type=int, default=1)
    parser.add_argument('--data-root',
                        help='reuse (or write once into) this folder')
    parser.add_argument(
        '--dry-run', action='store_true',
        help='32 images of 100x75, workers 0 and 2')
    args = parser.parse_args(argv)
    if args.dry_run:
        args.num_images, args.image_size = 32, [100, 75]
        args.workers = [0, 2]
    return args


def main(argv=None):
    args = parse_args(argv)
    from mmwsol.utils import register_all_modules
    from mmwsol.utils.tool_config import load_tool_config
    register_all_modules(init_default_scope=True)
    cfg = load_tool_config(args.config)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.data_root or tmp
        if not osp.exists(osp.join(root, 'images.txt')):
            start = time.perf_counter()
            write_jpeg_cub(root, args.num_images, tuple(args.image_size))
            print(f'wrote {args.num_images} JPEGs of {args.image_size[0]}x'
                  f'{args.image_size[1]} in {time.perf_counter() - start:.1f}'
                  f' s', flush=True)
        print(f'config {args.config}, {os.cpu_count()} CPUs, '
              f'{args.num_images} images, {args.passes} pass(es)')
        print('| workers | batch | start-up (s) | images/s |')
        print('| --- | --- | --- | --- |')
        results = []
        for workers in args.workers:
            startup, rate, batch = time_loader(cfg, root, workers,
                                               args.batch_size, args.passes)
            results.append(dict(workers=workers, batch_size=batch,
                                startup_s=startup, images_per_s=rate))
            print(f'| {workers} | {batch} | {startup:.2f} | {rate:.1f} |',
                  flush=True)
    return results


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
