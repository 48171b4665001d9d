"""What ``tools/train.py`` and ``tools/test.py`` share: the launcher
arguments, the work directory rule and how the Runner is built (as
mmpretrain 1.x's tools do them)."""
import argparse
import os
import os.path as osp

from mmengine.config import Config

__all__ = [
    'add_launcher_arguments', 'add_model_arguments', 'build_runner',
    'error_line', 'export_local_rank', 'set_launcher_and_work_dir',
    'user_error_types'
]


def add_model_arguments(parser: argparse.ArgumentParser,
                        config_help: str = 'config file') -> None:
    """The positional ``config`` and ``checkpoint`` of a tool that runs a
    trained model."""
    parser.add_argument('config', help=config_help)
    parser.add_argument('checkpoint', help='checkpoint file')


def add_launcher_arguments(parser: argparse.ArgumentParser) -> None:
    """``--launcher {none,pytorch,slurm,mpi}`` and the ``--local_rank``
    that ``torch.distributed.launch`` passes (torchrun sets
    ``LOCAL_RANK`` instead)."""
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def export_local_rank(args: argparse.Namespace) -> argparse.Namespace:
    """Set ``LOCAL_RANK`` from ``--local_rank`` unless the launcher set it;
    returns ``args``."""
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def set_launcher_and_work_dir(cfg: Config,
                              args: argparse.Namespace) -> Config:
    """``cfg.launcher`` from ``--launcher``; ``cfg.work_dir``: the command
    line's ``--work-dir``, else the config's, else
    ``./work_dirs/<config file stem>``."""
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def build_runner(cfg: Config):
    """mmengine's ``Runner.from_cfg``, or the registered runner the config
    names in ``runner_type``."""
    if 'runner_type' not in cfg:
        from mmengine.runner import Runner
        return Runner.from_cfg(cfg)
    from mmwsol.registry import RUNNERS
    return RUNNERS.build(cfg)


def user_error_types() -> tuple:
    """The errors a tool reports as one ``error: ...`` line (exit 1)
    instead of a traceback: what is wrong is the input, the data, the
    disk or the work dir, and the message says it. Other exceptions keep
    their traceback."""
    from mmwsol.datasets import WSOLDataError
    from mmwsol.engine.checkpoint import AtomicWriteError, CheckpointReadError
    from mmwsol.engine.hooks import NonFiniteLossError
    from .work_dir_lock import WorkDirLockedError
    return (WSOLDataError, AtomicWriteError, CheckpointReadError,
            NonFiniteLossError, WorkDirLockedError)


def error_line(error: BaseException) -> str:
    """The message of ``error``; for one re-raised from a DataLoader worker
    (torch's message is ``Caught <type> in DataLoader worker process N.``
    and the worker's whole traceback), the worker's own message, the
    traceback's last line."""
    text = str(error)
    if 'Original Traceback' not in text:
        return text
    marker = f'{type(error).__name__}: '
    lines = [line for line in text.splitlines() if line.strip()]
    for i in range(len(lines) - 1, -1, -1):
        if marker in lines[i]:
            return ' '.join(
                [lines[i].split(marker, 1)[1]] +
                [line.strip() for line in lines[i + 1:]])
    return lines[-1]
