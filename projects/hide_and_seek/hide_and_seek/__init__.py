"""Hide-and-Seek (Singh and Lee, ICCV 2017) as an mmwsol project.

Importing this package registers its components in mmwsol's registries
(``HideAndSeek`` in ``mmwsol.registry.TRANSFORMS``). Configs import it with
``custom_imports = dict(imports=['projects.hide_and_seek.hide_and_seek'],
allow_failed_imports=False)``; the repository root must be on
``PYTHONPATH``.
"""
from .datasets import HideAndSeek

__all__ = ['HideAndSeek']
