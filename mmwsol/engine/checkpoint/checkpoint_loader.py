"""A local-file checkpoint loader for torch>=2.6.

torch 2.6 made ``torch.load(weights_only=True)`` the default. A plain state
dict (the usual pretrained backbone file) loads that way, but a checkpoint
saved by mmengine's ``Runner`` also holds the message hub (``HistoryBuffer``
objects), numpy scalars and the config in ``meta``, which the weights-only
unpickler refuses; mmengine 0.10's ``load_from_local`` then fails and so do
``resume`` and ``load_from``.

This module registers, for local paths (the ``''`` prefix of mmengine's
:class:`~mmengine.runner.CheckpointLoader`), a loader that first tries the
safe ``weights_only=True`` and falls back to a full unpickle only when the
file is not a plain tensor container. The fallback runs whatever code is
pickled in the file, exactly as torch<2.6 always did: load checkpoints only
from sources you trust.

A file torch cannot parse (a truncated download, a checkpoint cut short
by a full disk or a killed save) raises :class:`CheckpointReadError`,
``checkpoint <path> cannot be read, it is corrupt or truncated (<size>
bytes): <torch's error>``, instead of whichever of EOFError, OSError,
RuntimeError, ... torch happens to raise at that length.
"""
import os.path as osp
import pickle
import zipfile

import torch
from mmengine.logging import print_log
from mmengine.runner import CheckpointLoader
from mmengine.runner.checkpoint import _load_checkpoint

_warned = set()


class CheckpointReadError(RuntimeError):
    """A checkpoint that exists but cannot be parsed: corrupt or truncated.

    ``str(error)`` is one line, ``<name> cannot be read, it is corrupt or
    truncated (<size> bytes): <type of cause>: <cause>``; tools print it as
    ``error: ...`` and exit with status 1.

    Args:
        name (str): how the message calls the file, e.g. ``'checkpoint
            work_dirs/x/epoch_1.pth'``.
        cause (BaseException): the loader's error.
        size (int, optional): the file's size in bytes (local files).
    """

    def __init__(self, name: str, cause: BaseException, size=None):
        self.name, self.cause, self.size = name, cause, size
        stated = '' if size is None else f' ({size} bytes)'
        detail = ' '.join(str(cause).split())  # torch's are multi-line
        super().__init__(
            f'{name} cannot be read, it is corrupt or truncated{stated}: '
            f'{type(cause).__name__}: {detail}')

    def __reduce__(self):  # picklable (worker processes, mp.spawn)
        return type(self), (self.name, self.cause, self.size)


def _is_intact_zip(filename: str) -> bool:
    """Whether ``filename`` is a complete zip (torch's format since 1.6)
    whose members all pass their CRC check."""
    try:
        with zipfile.ZipFile(filename) as archive:
            return archive.testzip() is None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return False


@CheckpointLoader.register_scheme(prefixes='', force=True)
def load_local_checkpoint(filename, map_location=None):
    """Load a checkpoint from a local path.

    Args:
        filename (str): Path of the checkpoint (``~`` is expanded).
        map_location (str | torch.device | None): As in :func:`torch.load`.

    Returns:
        dict: The loaded object (a state dict or a Runner checkpoint).

    Raises:
        FileNotFoundError: If ``filename`` is not a file.
        CheckpointReadError: torch cannot parse the file and it is not a
            complete zip (it is cut short or damaged); torch's error is its
            ``cause``. Errors of a complete file (a CUDA tensor on a
            CPU-only machine), a module pickled in it that no longer exists
            and PermissionError propagate unchanged.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file not found: {filename}')
    try:
        return _torch_load(filename, map_location)
    except (PermissionError, ImportError):  # access; a class gone
        raise
    except Exception as exc:  # EOFError, OSError, RuntimeError, ...
        if _is_intact_zip(filename):
            raise
        raise CheckpointReadError(f'checkpoint {filename}', exc,
                                  osp.getsize(filename)) from exc


def _torch_load(filename, map_location):
    """``torch.load`` weights-only, else (a Runner checkpoint) in full."""
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except pickle.UnpicklingError:
        # Not a plain state dict: a Runner checkpoint (optimizer state,
        # message hub, meta). Load it as torch<2.6 did.
        if filename not in _warned:
            _warned.add(filename)
            print_log(
                f'{filename} is not a plain state dict, so it is loaded '
                'with torch.load(weights_only=False), which runs the code '
                'pickled in it: load checkpoints only from trusted sources.',
                logger='current')
        return torch.load(filename, map_location=map_location,
                          weights_only=False)


#: the checkpoints mmwsol ships (package data) and builds: ``mmwsol://NAME``
MODEL_ZOO_SCHEME = 'mmwsol://'
MODEL_ZOO_DIR = osp.join(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))), 'model_zoo')
#: how each model-zoo file is made (the error message of a missing one)
MODEL_ZOO_RECIPES = {
    'synthetic_pretrain/resnet18_w16.pth':
    'bash tools/model_converters/make_synthetic_pretrain.sh',
}


def model_zoo_cache_path(name: str) -> str:
    """Where a rebuilt model-zoo file goes: ``$MMWSOL_CACHE/model_zoo/NAME``
    (else ``~/.cache/mmwsol/model_zoo/NAME``)."""
    from mmwsol.datasets.synthetic import default_cache_root
    return osp.join(default_cache_root('model_zoo'), name)


def resolve_model_zoo(filename: str) -> str:
    """The local file behind ``mmwsol://NAME``: the copy rebuilt in the
    cache (:func:`model_zoo_cache_path`) if there is one, else the copy
    shipped in the package (``mmwsol/model_zoo/NAME``).

    Raises:
        FileNotFoundError: neither exists; the message gives the command
            that makes the file.
    """
    name = filename[len(MODEL_ZOO_SCHEME):] if filename.startswith(
        MODEL_ZOO_SCHEME) else filename
    for path in (model_zoo_cache_path(name), osp.join(MODEL_ZOO_DIR, name)):
        if osp.isfile(path):
            return path
    recipe = MODEL_ZOO_RECIPES.get(name)
    raise FileNotFoundError(
        f'{MODEL_ZOO_SCHEME}{name}: no such checkpoint, neither in the cache '
        f'({model_zoo_cache_path(name)}) nor shipped ({MODEL_ZOO_DIR}/'
        f'{name}).' + (f' Make it with `{recipe}`.' if recipe else
                       f' Known: {sorted(MODEL_ZOO_RECIPES)}.'))


@CheckpointLoader.register_scheme(prefixes=MODEL_ZOO_SCHEME, force=True)
def load_model_zoo_checkpoint(filename, map_location=None):
    """Load ``mmwsol://NAME`` (see :func:`resolve_model_zoo`), a plain
    state-dict file, with ``weights_only=True``."""
    path = resolve_model_zoo(filename)
    print_log(f'{filename} -> {path}', logger='current')
    return load_local_checkpoint(path, map_location)


def read_checkpoint(filename, name: str):
    """Load ``filename`` (a path, ``mmwsol://NAME`` or a URL) on the CPU with
    mmengine's loaders, saying so when the file is unreadable.

    Args:
        filename (str): the checkpoint.
        name (str): how messages call it, e.g. ``'get_model: checkpoint
            x.pth'``.

    Returns:
        The loaded object (a state dict or a Runner checkpoint).

    Raises:
        FileNotFoundError: from the loader, unchanged.
        CheckpointReadError: ``<name> cannot be read, it is corrupt or
            truncated (<size> bytes): <the loader's error>``, for a local
            file as :func:`load_local_checkpoint` decides; for a URL, any
            error of the download or of the downloaded file.
    """
    try:
        return _load_checkpoint(filename, map_location='cpu')
    except CheckpointReadError as exc:  # a local file: named as the caller
        raise CheckpointReadError(name, exc.cause, exc.size) from exc.cause
    except FileNotFoundError:
        raise
    except Exception as exc:
        if not _is_remote(filename):
            raise  # a complete local file: not corrupt
        raise CheckpointReadError(name, exc) from exc


def _is_remote(filename: str) -> bool:
    return '://' in filename and not filename.startswith(MODEL_ZOO_SCHEME)
