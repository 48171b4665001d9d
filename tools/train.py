"""Train a WSOL model: ``python tools/train.py CONFIG [options]``."""
import argparse
import sys

from mmengine.config import DictAction

import mmwsol  # noqa: F401  (dependency check, checkpoint loader)
from mmwsol.engine.pipeline import run_evaluator_stage
from mmwsol.utils import setup_cpu_distributed, teardown_distributed
from mmwsol.utils.runner_tool import (add_launcher_arguments, build_runner,
                                      error_line, export_local_rank,
                                      set_launcher_and_work_dir,
                                      user_error_types)
from mmwsol.utils.tool_config import load_tool_config
from mmwsol.utils.work_dir_lock import work_dir_lock


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a WSOL model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint; without a path, resume from the '
        'latest checkpoint in the work directory')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed-precision training: fp16 AmpOptimWrapper on a CUDA GPU, '
        'bf16 autocast on a CPU with AVX512-BF16 / AMX')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the actual total batch size over '
        '`auto_scale_lr.base_batch_size`')
    parser.add_argument(
        '--no-pin-memory',
        action='store_true',
        help='disable pin_memory in the dataloaders')
    parser.add_argument(
        '--no-persistent-workers',
        action='store_true',
        help='disable persistent_workers in the dataloaders')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, as key=value pairs; '
        'e.g. train_dataloader.batch_size=8 or key="[a,b]"')
    add_launcher_arguments(parser)
    return export_local_rank(parser.parse_args(argv))


def amp_optim_wrapper():
    """The mixed-precision wrapper of this machine, or exit with the reason:
    ``AmpOptimWrapper`` (fp16, dynamic loss scale) on a CUDA GPU,
    ``BF16AutocastOptimWrapper`` on a CPU with bf16 kernels."""
    import torch

    from mmwsol.engine.optimizers import cpu_supports_bf16
    if torch.cuda.is_available():
        return dict(type='AmpOptimWrapper', loss_scale='dynamic')
    if cpu_supports_bf16():
        return dict(type='BF16AutocastOptimWrapper', device_type='cpu')
    sys.exit('error: --amp needs a CUDA GPU (AmpOptimWrapper, float16) or a '
             'CPU with bf16 kernels (AVX512-BF16 or AMX: '
             'BF16AutocastOptimWrapper); this machine has neither '
             '(torch.cuda.is_available() is False, oneDNN reports no bf16 '
             'support). Drop --amp to train in float32.')


def apply_training_switches(cfg, args):
    """The switches that apply to every training of the run (LowCAM's
    evaluator stage too): --no-validate, --amp, --auto-scale-lr and the
    dataloader options."""
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None

    if args.amp:
        amp = amp_optim_wrapper()
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper not in ('OptimWrapper', amp['type']):
            sys.exit(f'error: --amp only works with an OptimWrapper or '
                     f'{amp["type"]}, not {optim_wrapper}.')
        cfg.optim_wrapper.type = amp.pop('type')
        for key, value in amp.items():
            cfg.optim_wrapper.setdefault(key, value)

    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg:
            sys.exit('error: --auto-scale-lr needs `auto_scale_lr = '
                     'dict(base_batch_size=...)` in the config.')
        cfg.auto_scale_lr.enable = True

    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(field)
        if loader is None:
            continue
        if args.no_pin_memory:
            loader['pin_memory'] = False
        if args.no_persistent_workers:
            loader['persistent_workers'] = False
    return cfg


def merge_args(cfg, args):
    """Merge the command-line arguments into the config."""
    set_launcher_and_work_dir(cfg, args)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    apply_training_switches(cfg, args)

    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = merge_args(load_tool_config(args.config), args)
    setup_cpu_distributed(cfg)
    try:
        # one training at a time in a work dir (a killed one: --resume)
        with work_dir_lock(cfg.work_dir, resume=bool(cfg.get('resume'))):
            # LowCAM: train the evaluator F^e first when the config asks for
            # it (evaluator_stage; its own Runner and work dir, resumable)
            run_evaluator_stage(
                cfg, prepare_cfg=lambda c: apply_training_switches(c, args))
            build_runner(cfg).train()
    except user_error_types() as error:
        # bad data, a diverged loss, a full disk, a busy work dir: one line
        sys.exit(f'error: {error_line(error)}')
    teardown_distributed()


if __name__ == '__main__':
    main()
