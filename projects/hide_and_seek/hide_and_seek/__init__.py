"""Hide-and-Seek (Singh and Lee, ICCV 2017) as an mmwsol project.

Importing this package registers its components in mmwsol's registries
(``HideAndSeek`` in ``mmwsol.registry.TRANSFORMS``). Configs import it with
``custom_imports = dict(imports=['projects.hide_and_seek.hide_and_seek'],
allow_failed_imports=False)``, which needs the repository root on
``sys.path``: mmwsol's config loading adds it
(:func:`mmwsol.utils.add_project_root`).
"""
from .datasets import HideAndSeek

__all__ = ['HideAndSeek']
