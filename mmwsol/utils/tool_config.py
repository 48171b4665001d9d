"""The config arguments every command-line tool under ``tools/`` takes."""
import argparse
import os.path as osp
from typing import Optional

from mmengine.config import Config, DictAction

from .project_root import add_project_root

__all__ = ['add_cfg_options_argument', 'load_tool_config']


def add_cfg_options_argument(parser: argparse.ArgumentParser) -> None:
    """Add mmpretrain's ``--cfg-options KEY=VALUE ...`` to ``parser``."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, xxx=yyy format (as tools/train.py); '
        'a list is key="[a,b]" or key=a,b, without white space')


def load_tool_config(path: str,
                     cfg_options: Optional[dict] = None) -> Config:
    """The config file ``path`` with ``cfg_options`` merged in.

    Raises:
        SystemExit: ``error: config file not found: <path>`` (a tool's
            message, not a traceback).
    """
    if not osp.isfile(path):
        raise SystemExit(f'error: config file not found: {path}')
    add_project_root(path)  # a projects/ config's custom_imports
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg
