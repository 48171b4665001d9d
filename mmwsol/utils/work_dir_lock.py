"""One training at a time in a work dir."""
import contextlib
import fcntl
import os
import os.path as osp
import socket
import sys
import time
from typing import Iterator, Optional

__all__ = ['WorkDirLockedError', 'work_dir_lock', 'LOCK_FILE']

#: the lock file in the work dir: empty while no training holds it
LOCK_FILE = '.train.lock'


class WorkDirLockedError(RuntimeError):
    """The work dir is in use by another training, or holds one that was
    interrupted and the new run does not resume it."""


def _launch_rank() -> int:
    """The process's global rank as its launcher sets it (torchrun's
    ``RANK``, slurm's ``SLURM_PROCID``), before torch.distributed starts."""
    for name in ('RANK', 'SLURM_PROCID', 'OMPI_COMM_WORLD_RANK'):
        if os.environ.get(name, '').isdigit():
            return int(os.environ[name])
    return 0


@contextlib.contextmanager
def work_dir_lock(work_dir: str,
                  resume: bool,
                  command: Optional[str] = None) -> Iterator[None]:
    """Hold ``<work_dir>/.train.lock`` for the block (rank 0 only; the
    other ranks of a distributed run share rank 0's).

    The lock is an ``flock`` on the file, which the system releases when
    the process ends however it ends; the file's text says who holds it
    and is emptied when the block exits. So at the start:

    - another live training holds the lock: refused, whatever the options;
    - the lock is free but its text names a holder: that training was
      killed (SIGKILL, out of memory, power loss) before its end: refused
      unless ``resume`` (``--resume`` continues it from its last complete
      checkpoint);
    - otherwise the work dir is free (a finished run in it may be
      continued or overwritten, as mmengine does).

    Args:
        work_dir (str): the run's work dir (created if missing).
        resume (bool): the run resumes (``--resume``).
        command (str, optional): what the lock's text records as the
            command; defaults to this process's command line.

    Raises:
        WorkDirLockedError: refused, with who holds or held the work dir
            and what to do.
    """
    if _launch_rank() != 0:
        yield
        return
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, LOCK_FILE)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WorkDirLockedError(
                f'work dir {work_dir} is in use by another training '
                f'({_holder(fd)}); wait for it to end or stop it, or train '
                'into another --work-dir.') from None
        previous = _holder(fd)
        if previous and not resume:
            raise WorkDirLockedError(
                f'work dir {work_dir} holds a training that was interrupted '
                f'before its end ({previous}); continue it with --resume, or '
                f'train into another --work-dir (or delete {path} to start '
                'over in this one).')
        _write(fd, f'pid {os.getpid()} on {socket.gethostname()}, started '
               f'{time.strftime("%Y-%m-%d %H:%M:%S")}, command: '
               f'{command or " ".join(sys.argv)}')
        try:
            yield
        finally:
            _write(fd, '')
    finally:
        os.close(fd)  # releases the flock


def _holder(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, 4096).decode(errors='replace').strip()


def _write(fd: int, text: str) -> None:
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, text.encode())
    os.fsync(fd)
