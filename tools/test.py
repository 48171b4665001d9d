"""Evaluate a WSOL checkpoint: ``python tools/test.py CONFIG CHECKPOINT``."""
import argparse
import os
import os.path as osp
import sys

# the repository root, so that configs under projects/ can
# `custom_imports` their `projects.<name>` package without PYTHONPATH
# (tools/dist_*.sh set PYTHONPATH the same way)
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.evaluator import DumpResults  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import mmwsol  # noqa: F401,E402  (dependency check, checkpoint loader)
from mmwsol.utils import (setup_cpu_distributed,  # noqa: E402
                          teardown_distributed)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Evaluate a WSOL model (classification and localization)')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--out', help='dump the predictions to this pickle file')
    parser.add_argument(
        '--show-dir',
        help='draw every test image (score map, predicted and GT boxes, '
        'class) into this folder as PNGs')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, as key=value pairs')
    parser.add_argument(
        '--no-pin-memory',
        action='store_true',
        help='disable pin_memory in the dataloader')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg, args):
    """Merge the command-line arguments into the config."""
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.no_pin_memory and cfg.get('test_dataloader') is not None:
        cfg.test_dataloader['pin_memory'] = False
    if args.show_dir is not None:
        vis = cfg.default_hooks.get('visualization')
        if vis is None or vis.get('type') != 'LocalizationVisualizationHook':
            sys.exit('error: --show-dir needs default_hooks.visualization '
                     'to be a LocalizationVisualizationHook '
                     '(configs/_base_/default_runtime.py sets one)')
        vis.update(
            enable=True, indices=None, num_images=None, out_dir=args.show_dir)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    for path, what in ((args.config, 'config'),
                       (args.checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            sys.exit(f'error: {what} file not found: {path}')
    cfg = Config.fromfile(args.config)
    cfg = merge_args(cfg, args)
    setup_cpu_distributed(cfg)

    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        from mmwsol.registry import RUNNERS
        runner = RUNNERS.build(cfg)

    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            sys.exit('error: --out must be a .pkl or .pickle file')
        runner.test_evaluator.metrics.append(
            DumpResults(out_file_path=args.out))
    metrics = runner.test()
    teardown_distributed()
    return metrics


if __name__ == '__main__':
    main()
