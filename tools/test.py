"""Evaluate a WSOL checkpoint: ``python tools/test.py CONFIG CHECKPOINT``."""
import argparse
import os.path as osp
import sys

from mmengine.config import DictAction
from mmengine.evaluator import DumpResults

import mmwsol  # noqa: F401  (dependency check, checkpoint loader)
from mmwsol.engine.checkpoint import CheckpointReadError
from mmwsol.utils import setup_cpu_distributed, teardown_distributed
from mmwsol.utils.runner_tool import (add_launcher_arguments,
                                      add_model_arguments, build_runner,
                                      export_local_rank,
                                      set_launcher_and_work_dir)
from mmwsol.utils.tool_config import load_tool_config


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Evaluate a WSOL model (classification and localization)')
    add_model_arguments(parser, config_help='test config file path')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--out',
        help='dump the predictions (every data sample with its score map, '
        'as the metric reads them) to this pickle file; '
        'tools/analysis_tools/eval_metric.py re-scores it')
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
    add_launcher_arguments(parser)
    return export_local_rank(parser.parse_args(argv))


def merge_args(cfg, args):
    """Merge the command-line arguments into the config."""
    set_launcher_and_work_dir(cfg, args)
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
    cfg = load_tool_config(args.config)
    if not osp.isfile(args.checkpoint):
        sys.exit(f'error: checkpoint file not found: {args.checkpoint}')
    cfg = merge_args(cfg, args)
    setup_cpu_distributed(cfg)
    runner = build_runner(cfg)

    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            sys.exit('error: --out must be a .pkl or .pickle file')
        runner.test_evaluator.metrics.append(
            DumpResults(out_file_path=args.out))
    try:
        metrics = runner.test()
    except CheckpointReadError as error:  # a truncated or corrupt file
        sys.exit(f'error: {error}')
    teardown_distributed()
    return metrics


if __name__ == '__main__':
    main()
