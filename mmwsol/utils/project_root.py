"""Make a ``projects/<name>`` package importable for its own configs.

A method under ``projects/`` (e.g. ``projects/hide_and_seek``) is not part
of the installed ``mmwsol`` package: its configs load its code with
``custom_imports = dict(imports=['projects.hide_and_seek.hide_and_seek'])``,
which imports only when the folder holding ``projects/`` (the repository
root) is on ``sys.path``. Every place that loads a config file for a user
(``tools/train.py``, ``tools/test.py``, :func:`mmwsol.apis.init_localizer`
and the tools built on :func:`mmwsol.utils.tool_config.load_tool_config`)
calls :func:`add_project_root` first, so ``python tools/train.py
projects/...``, ``mim train mmwsol projects/...`` and the demos work from
any directory without ``PYTHONPATH``.
"""
import os
import os.path as osp
import sys
from typing import Optional, Union

__all__ = ['add_project_root', 'find_project_root']

#: the folder name that marks a project's home
PROJECTS_DIRNAME = 'projects'


def _projects_parent(path: str) -> Optional[str]:
    """The folder holding the ``projects/`` folder ``path`` lies in."""
    folder = osp.dirname(osp.realpath(path))
    while True:
        parent = osp.dirname(folder)
        if osp.basename(folder) == PROJECTS_DIRNAME:
            return parent
        if parent == folder:
            return None
        folder = parent


def find_project_root(config_file: Union[str, os.PathLike]) -> Optional[str]:
    """The folder that holds the ``projects/`` folder ``config_file`` or
    one of its ``_base_`` files (followed recursively) lies in (symbolic
    links resolved), or None when none does.

    Example:
        ``/repo/projects/hide_and_seek/configs/x.py`` -> ``/repo``; a
        config elsewhere whose ``_base_`` is that file -> ``/repo``.
    """
    from mmengine.config import Config

    pending, seen = [osp.realpath(os.fspath(config_file))], set()
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        root = _projects_parent(path)
        if root is not None:
            return root
        if not (osp.isfile(path) and path.endswith('.py')):
            continue  # a package config (mmpretrain::...) or a typo
        try:
            bases = Config._get_base_files(path)
        except Exception:  # Config.fromfile reports a broken file itself
            continue
        pending += [
            osp.realpath(osp.join(osp.dirname(path), base)) for base in bases
            if '::' not in base
        ]
    return None


def add_project_root(config_file: Union[str, os.PathLike]) -> Optional[str]:
    """Append the project root of ``config_file`` (:func:`find_project_root`)
    to ``sys.path`` once, before the config's ``custom_imports`` run.

    Appended, not prepended: the root's other folders (``tools``,
    ``tests``) must not shadow installed modules of the same name.

    Returns:
        str | None: the root added (or already there), None for a config
        outside any ``projects/`` folder (``sys.path`` unchanged).
    """
    root = find_project_root(config_file)
    if root is not None and root not in sys.path:
        sys.path.append(root)
    return root
