"""Write the synthetic WSOL benchmark in the CUB-200-2011 layout.

    python tools/dataset_converters/make_synthetic_wsol.py --out-dir DIR \
        [--seed 0] [--num-classes 10] [--image-size 112] \
        [--train-per-class 250] [--test-per-class 50] [--workers N]

The folder is written to a temp folder beside DIR and renamed into place. An
existing DIR that already holds the same dataset is kept; one that holds
anything else is an error. Point a config at it with
``dict(type='SyntheticWSOL', data_root=DIR, ...)`` or
``dict(type='CUB200WSOL', data_root=DIR, ...)``.
"""
import argparse
import os
import os.path as osp
import sys
import time

from mmwsol.datasets.synthetic import (CLASS_CUES, INFO_FILE,
                                       SyntheticWSOLParams, build_atomically,
                                       is_complete, read_info,
                                       write_synthetic_wsol)


def parse_args(argv=None):
    defaults = SyntheticWSOLParams()
    parser = argparse.ArgumentParser(
        description='Generate the synthetic WSOL benchmark (CUB layout)')
    parser.add_argument('--out-dir', required=True, help='dataset folder')
    parser.add_argument('--seed', type=int, default=defaults.seed)
    parser.add_argument(
        '--num-classes', type=int, default=defaults.num_classes)
    parser.add_argument('--image-size', type=int, default=defaults.image_size)
    parser.add_argument(
        '--train-per-class', type=int, default=defaults.train_per_class)
    parser.add_argument(
        '--test-per-class', type=int, default=defaults.test_per_class)
    parser.add_argument(
        '--train-fullsup-per-class',
        type=int,
        default=defaults.train_fullsup_per_class,
        help='held-out images with boxes (train_fullsup/, for calibrating '
        'thresholds)')
    parser.add_argument(
        '--class-cue',
        choices=CLASS_CUES,
        default=defaults.class_cue,
        help="'shape': classes differ by the head's outline and pattern, "
        'colours random')
    parser.add_argument(
        '--workers',
        type=int,
        default=min(4, os.cpu_count() or 1),
        help='generation processes (0: this process); the files do not '
        'depend on it')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        params = SyntheticWSOLParams(
            num_classes=args.num_classes,
            image_size=args.image_size,
            train_per_class=args.train_per_class,
            test_per_class=args.test_per_class,
            train_fullsup_per_class=args.train_fullsup_per_class,
            class_cue=args.class_cue,
            seed=args.seed)
    except ValueError as exc:
        sys.exit(f'error: {exc}')
    out_dir = osp.abspath(osp.expanduser(args.out_dir))
    if is_complete(out_dir, INFO_FILE):
        found = read_info(out_dir, INFO_FILE)['fingerprint']
        if found != params.fingerprint():
            sys.exit(f'error: {out_dir} already holds a synthetic WSOL '
                     f'dataset with other params (fingerprint {found}, '
                     f'wanted {params.fingerprint()})')
        print(f'{out_dir} already holds this dataset '
              f'(fingerprint {found}); nothing to do')
        return 0
    if osp.exists(out_dir) and (not osp.isdir(out_dir) or os.listdir(out_dir)):
        sys.exit(f'error: {out_dir} exists and is not an empty folder')
    if osp.isdir(out_dir):
        os.rmdir(out_dir)  # empty: the rename needs the name free
    start = time.perf_counter()
    build_atomically(out_dir, params, write_synthetic_wsol, INFO_FILE,
                     args.workers)
    seconds = time.perf_counter() - start
    info = read_info(out_dir, INFO_FILE)
    print(f'wrote {info["num_train"]} train + {info["num_test"]} test + '
          f'{info["num_train_fullsup"]} train_fullsup images '
          f'({params.num_classes} classes, {params.image_size}x'
          f'{params.image_size} px, seed {params.seed}, fingerprint '
          f'{info["fingerprint"]}) to {out_dir}')
    print(f'generation time: {seconds:.2f} s with {args.workers} workers')
    return 0


if __name__ == '__main__':
    sys.exit(main())
