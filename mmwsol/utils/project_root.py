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


def find_project_root(config_file: Union[str, os.PathLike]) -> Optional[str]:
    """The folder that holds the ``projects/`` folder ``config_file`` lies
    in (symbolic links resolved), or None when it lies in none.

    Example:
        ``/repo/projects/hide_and_seek/configs/x.py`` -> ``/repo``.
    """
    folder = osp.dirname(osp.realpath(os.fspath(config_file)))
    while True:
        parent = osp.dirname(folder)
        if osp.basename(folder) == PROJECTS_DIRNAME:
            return parent
        if parent == folder:
            return None
        folder = parent


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
