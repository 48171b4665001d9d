"""Local files written whole or not at all: mmengine's ``LocalBackend``
with atomic ``put`` and ``put_text``.

mmengine's ``save_checkpoint`` serialises the checkpoint into memory and
hands the bytes to the file backend of the path; the stock local backend
opens the final path and writes into it, so a full disk or a kill during
the write leaves a truncated ``epoch_*.pth`` / ``best_*.pth`` under the
name a resume trusts. This backend (registered for local paths, prefix
``''``, when mmwsol is imported) writes to a temporary file in the same
folder, flushes it to disk, and renames it over the final name: the final
name holds either the previous file or the complete new one.
"""
import contextlib
import errno
import os
import os.path as osp
from pathlib import Path
from typing import Union

import mmengine
from mmengine.fileio.backends import LocalBackend, register_backend

__all__ = ['AtomicLocalBackend', 'AtomicWriteError', 'write_atomically',
           'TMP_MARKER']

#: temporary files are ``.<name><TMP_MARKER><pid>`` next to ``<name>``
TMP_MARKER = '.tmp-'


class AtomicWriteError(OSError):
    """Writing a file failed; the file's previous content is unchanged
    and no partial file is left."""


def write_atomically(data: bytes, filepath: Union[str, Path]) -> None:
    """Write ``data`` to ``filepath`` through a temporary file in the same
    folder, ``fsync`` and ``os.replace``.

    Raises:
        AtomicWriteError: the write failed (e.g. ``[Errno 28] No space left
            on device``); the message names the file and says that the
            previous one, if any, is intact.
    """
    filepath = str(filepath)
    folder, name = osp.split(osp.abspath(filepath))
    mmengine.mkdir_or_exist(folder)
    tmp = osp.join(folder, f'.{name}{TMP_MARKER}{os.getpid()}')
    try:
        with open(tmp, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        previous = ('the previous file there is unchanged'
                    if osp.exists(filepath) else 'no file was written')
        raise AtomicWriteError(
            exc.errno or errno.EIO,
            f'could not write {filepath} ({len(data)} bytes): '
            f'{exc.strerror or exc}; {previous}') from exc
    _fsync_folder(folder)


def _fsync_folder(folder: str) -> None:
    """Make the rename durable (where the OS lets folders be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class AtomicLocalBackend(LocalBackend):
    """``LocalBackend`` whose ``put`` and ``put_text`` write atomically
    (:func:`write_atomically`); reading, listing and removing are
    mmengine's."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        write_atomically(obj, filepath)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        write_atomically(obj.encode(encoding), filepath)


# every local path mmengine writes through a file backend (checkpoints,
# best checkpoints, dumped results) from now on
register_backend('local', AtomicLocalBackend, force=True, prefixes='')
