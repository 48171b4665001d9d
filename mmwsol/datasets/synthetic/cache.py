"""The on-disk cache of generated sets: a set is generated on first use into
``<cache_root>/v<version>-<hash of params>`` (``$MMWSOL_CACHE`` or
``~/.cache/mmwsol``, then the kind of set), written to a temp folder and
renamed into place, so that concurrent processes never see a partial set.

A finished set holds its info json (written last, see
:func:`.writing.write_info`), which records the params' fingerprint.
"""
import json
import os
import os.path as osp
import shutil
import tempfile
import uuid
from typing import Callable, Optional

#: ``writer(out_dir, params, num_workers)`` writes a set into the empty
#: folder ``out_dir``, its info json last.
Writer = Callable[[str, object, int], object]


def default_cache_root(kind: str = 'synthetic_wsol') -> str:
    """``$MMWSOL_CACHE/<kind>``, else ``~/.cache/mmwsol/<kind>``."""
    root = os.environ.get('MMWSOL_CACHE')
    if root:
        return osp.join(osp.expanduser(root), kind)
    return osp.join(osp.expanduser('~'), '.cache', 'mmwsol', kind)


def is_complete(data_root: str, info_file: str) -> bool:
    """Whether ``data_root`` holds a finished set (its ``info_file``
    exists)."""
    return osp.isfile(osp.join(data_root, info_file))


def read_info(data_root: str, info_file: str) -> dict:
    """The ``info_file`` json of a finished set."""
    path = osp.join(data_root, info_file)
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as exc:
        raise FileNotFoundError(
            f'{path}: not a finished generated dataset ({exc})') from exc


def build_atomically(data_root: str,
                     params,
                     writer: Writer,
                     info_file: str,
                     num_workers: int = 0) -> bool:
    """Write the set into a temp folder beside ``data_root``, then rename.

    Safe when several processes race: the first rename wins, the others
    discard their copy. Does nothing when ``data_root`` is complete.

    Args:
        data_root (str): The set's folder.
        params: The generator's params, passed to ``writer``.
        writer (callable): ``writer(out_dir, params, num_workers)`` writes
            the files, ``info_file`` last.
        info_file (str): The json ``writer`` writes last.
        num_workers (int): Worker processes for the generation.

    Returns:
        bool: True if this call produced ``data_root``.
    """
    if is_complete(data_root, info_file):
        return False
    parent = osp.dirname(osp.abspath(data_root))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(
        prefix=f'.{osp.basename(data_root)}.tmp-{os.getpid()}-'
        f'{uuid.uuid4().hex[:6]}-',
        dir=parent)
    try:
        writer(tmp, params, num_workers)
        try:
            os.rename(tmp, data_root)
        except OSError:
            if not is_complete(data_root, info_file):
                raise
            return False  # another process finished first
        return True
    finally:
        if osp.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)


def prepare_generated(params,
                      writer: Writer,
                      info_file: str,
                      cache_root: Optional[str] = None,
                      data_root: Optional[str] = None,
                      num_workers: int = 0) -> str:
    """Return the folder of a generated set, generating it on first use.

    Without ``data_root`` the folder is ``<cache_root>/<params.cache_name>``.
    A ``data_root`` that holds a finished set made with other params is
    an error (its ``info_file`` says which). In a distributed run rank 0
    writes while the others wait at a barrier; a rank that still finds no
    set afterwards (a cache on a node-local disk) builds its own copy.
    Every copy is written to a temp folder and renamed into place
    (:func:`build_atomically`).

    Args:
        params: the generator's params dataclass (``fingerprint()``,
            ``cache_name``, ``to_dict()``).
        writer (callable): ``writer(out_dir, params, num_workers)``.
        info_file (str): the json the writer writes last.
        cache_root (str): the cache folder of this kind of set.
        data_root (str, optional): explicit set folder instead.
        num_workers (int): worker processes for the generation.
    """
    from mmengine.dist import barrier, get_dist_info

    if data_root is None:
        root = osp.join(osp.expanduser(cache_root), params.cache_name)
    else:
        root = osp.expanduser(data_root)
    rank, world_size = get_dist_info()
    if world_size > 1:
        if rank == 0:
            build_atomically(root, params, writer, info_file, num_workers)
        barrier()
    build_atomically(root, params, writer, info_file, num_workers)
    found = read_info(root, info_file).get('fingerprint')
    if found != params.fingerprint():
        raise ValueError(
            f'{root} holds a generated dataset with fingerprint {found} '
            f'(see its {info_file}), but the requested params '
            f'{params.to_dict()} have fingerprint {params.fingerprint()}: '
            'use another data_root.')
    return root


def existing_or_prepared(data_root: Optional[str], generator,
                         info_file: str, prepare: Callable[[], str]) -> str:
    """The folder of a generated-set dataset class: ``data_root`` as it is
    when it holds a finished set and no ``generator`` params are given (a
    folder made by a CLI, say), else ``prepare()``'s folder."""
    if data_root is not None and generator is None and is_complete(
            osp.expanduser(data_root), info_file):
        return osp.expanduser(data_root)
    return prepare()
