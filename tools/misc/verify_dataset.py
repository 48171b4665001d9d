"""Check every image, mask and annotation line of a config's datasets in
one pass, before training (mmpretrain 1.x's ``verify_dataset.py``, for
WSOL data).

    python tools/misc/verify_dataset.py CONFIG [--phase train val test] \
        [--num-workers N] [--out-path verify_dataset.log] \
        [--cfg-options KEY=VALUE ...]

For each phase's dataset (the same dataset under two phases is checked
once): every annotation line parses, every image decodes and has the size
the annotation states, every box fits its image, every mask decodes and has
its image's size (:func:`mmwsol.datasets.verify_dataset`). Prints a progress
bar, the number of problems and each problem with its place (``file:line``,
or the image file and its annotation), writes them to ``--out-path`` and
exits with status 1 when there is any, 0 otherwise.
"""
import argparse
import os
import os.path as osp
import sys

from mmwsol.datasets import DataProblem, verify_dataset
from mmwsol.utils import register_all_modules
from mmwsol.utils.tool_config import (add_cfg_options_argument,
                                      load_tool_config)

PHASES = ('train', 'val', 'test')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Check that every image, mask and annotation of the '
        "config's datasets can be read")
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--phase',
        nargs='+',
        default=list(PHASES),
        choices=PHASES,
        help='the dataloaders whose datasets are checked (default: all)')
    parser.add_argument(
        '--num-workers',
        '--num-process',
        dest='num_workers',
        type=int,
        default=1,
        help='processes that load the images (default: 1)')
    parser.add_argument(
        '--out-path',
        default='verify_dataset.log',
        help='log file of the problems, replaced if it exists '
        '(default: verify_dataset.log)')
    add_cfg_options_argument(parser)
    args = parser.parse_args(argv)
    if args.num_workers < 1:
        parser.error('--num-workers must be at least 1')
    return args


def phase_datasets(cfg, phases):
    """``[(phase names, dataset config)]``, one entry per distinct
    dataset config."""
    found = []
    for phase in phases:
        loader = cfg.get(f'{phase}_dataloader')
        if not loader or 'dataset' not in loader:
            print(f'{phase}: no {phase}_dataloader.dataset in the config, '
                  'skipped')
            continue
        dataset = loader['dataset']
        for names, other in found:
            if other == dataset:
                names.append(phase)
                break
        else:
            found.append(([phase], dataset))
    return found


def main(argv=None):
    args = parse_args(argv)
    cfg = load_tool_config(args.config, args.cfg_options)
    register_all_modules()

    # problem text -> phases: the splits of one dataset share its
    # annotation files, whose problems are listed once
    problems = {}
    for names, dataset_cfg in phase_datasets(cfg, args.phase):
        print(f'{" = ".join(names)}: {dataset_cfg.get("type")} '
              f'(split {dataset_cfg.get("split", "-")})', flush=True)
        try:
            found = verify_dataset(dataset_cfg, num_workers=args.num_workers)
        except Exception as exc:  # a config error, not a data error
            found = [
                DataProblem(
                    where=f'{"/".join(names)}_dataloader.dataset',
                    message=f'cannot build the dataset '
                    f'({type(exc).__name__}: {exc})')
            ]
        print()
        for problem in found:
            problems.setdefault(str(problem), []).extend(names)

    out_dir = osp.dirname(osp.abspath(args.out_path))
    os.makedirs(out_dir, exist_ok=True)
    lines = [
        f'[{",".join(dict.fromkeys(phases))}] {problem}'
        for problem, phases in problems.items()
    ]
    with open(args.out_path, 'w') as f:
        f.write(''.join(line + '\n' for line in lines))
    if not problems:
        print(f'No problem found (log: {args.out_path}).')
        return 0
    print(f'{len(problems)} problem{"s" if len(problems) > 1 else ""} '
          f'found (also in {args.out_path}):')
    for line in lines:
        print('  ' + line)
    return 1


if __name__ == '__main__':
    sys.exit(main())
