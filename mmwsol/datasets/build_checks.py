"""The image check a WSOL dataset runs when it is built (its ``verify``
option).

Without it a missing, empty or undecodable image is found when the batch
that holds it is loaded, mid-epoch. ``verify`` chooses what is checked once
the records are final (after ``filter_cfg`` and ``indices``):

- ``'exists'`` (the default): every local image file exists and is not
  empty, with one ``os.stat`` per record (no decoding: about a millisecond
  per thousand images on a local disk). Paths of another backend
  (``s3://...``, ``backend_args`` of a non-local backend) are not checked.
- ``'decode'``: every image (and mask) is decoded, as
  :func:`~mmwsol.datasets.verify_dataset` does, with a progress bar.
- ``'none'`` or ``False``: nothing.

All problems are reported at once, as one :class:`WSOLDataError` naming
their number and the first few images with their annotation (``ann_ref``).
"""
import contextlib
import contextvars
import os
import stat
from typing import Iterator, List, Optional, Sequence, Union

from .transforms.loading import _where
from .utils import WSOLDataError

__all__ = ['VERIFY_MODES', 'verify_mode', 'build_checks_off',
           'missing_or_empty_images', 'check_images_at_build']

VERIFY_MODES = ('none', 'exists', 'decode')
#: problems named in the message; the others are counted
SHOWN_PROBLEMS = 5

_CHECKS_OFF: contextvars.ContextVar = contextvars.ContextVar(
    'mmwsol_build_checks_off', default=False)


def verify_mode(verify: Union[str, bool, None]) -> str:
    """``verify`` as one of :data:`VERIFY_MODES` (``False``/``None``:
    ``'none'``; ``True``: ``'exists'``)."""
    if verify is None or verify is False:
        return 'none'
    if verify is True:
        return 'exists'
    if verify not in VERIFY_MODES:
        raise ValueError(f'verify must be one of {VERIFY_MODES} or False, '
                         f'got {verify!r}')
    return verify


@contextlib.contextmanager
def build_checks_off() -> Iterator[None]:
    """Within the block, datasets skip their build-time image check
    (:func:`~mmwsol.datasets.verify_dataset` checks every image itself and
    reports each problem on its own)."""
    token = _CHECKS_OFF.set(True)
    try:
        yield
    finally:
        _CHECKS_OFF.reset(token)


def _is_local(backend_args: Optional[dict]) -> bool:
    return not backend_args or (backend_args.get('backend', 'local')
                                == 'local'
                                and not backend_args.get('path_mapping'))


def missing_or_empty_images(records: Sequence[dict]) -> List[str]:
    """``'<image> (annotation <ann_ref>): <reason>'`` of every record whose
    local ``img_path`` does not exist, is not a file or is empty (one
    ``os.stat`` each; paths with ``://`` are skipped)."""
    problems = []
    for record in records:
        path = record['img_path']
        if '://' in path:
            continue
        try:
            st = os.stat(path)
        except FileNotFoundError:
            reason = 'image file not found'
        except OSError as exc:
            reason = f'cannot stat the image file ({exc.strerror})'
        else:
            if not stat.S_ISREG(st.st_mode):
                reason = 'the image path is not a file'
            elif st.st_size == 0:
                reason = 'the image file is empty (0 bytes)'
            else:
                continue
        problems.append(f'{_where(path, record.get("ann_ref"))}: {reason}')
    return problems


def _raise(dataset, headline: str, problems: List[str]) -> None:
    # one line: decoder messages may hold newlines
    shown = '; '.join(' '.join(p.split()) for p in problems[:SHOWN_PROBLEMS])
    if len(problems) > SHOWN_PROBLEMS:
        shown += f'; and {len(problems) - SHOWN_PROBLEMS} more'
    raise WSOLDataError(
        f'{headline}: {shown} (tools/misc/verify_dataset.py lists every '
        "problem; verify='none' skips this check)",
        where=f'{type(dataset).__name__} (split '
        f'{getattr(dataset, "split", "-")!r})')


def check_images_at_build(dataset, verify: str) -> None:
    """Run the ``verify`` check (:data:`VERIFY_MODES`) on the records of a
    fully initialised, not yet serialised ``dataset``; raise one
    :class:`WSOLDataError` listing what is wrong."""
    if verify == 'none' or _CHECKS_OFF.get():
        return
    if verify == 'decode':
        from .verification import verify_dataset
        problems = [str(p) for p in verify_dataset(dataset, progress=True)]
        if problems:
            _raise(
                dataset, f'{len(problems)} problem'
                f'{"s" if len(problems) > 1 else ""} in the images and masks '
                f'of its {len(dataset.data_list)} records', problems)
        return
    from mmcv.transforms import LoadImageFromFile
    from .verification import _configured
    loader = _configured(dataset, (LoadImageFromFile, ))
    if not (_is_local(getattr(dataset, 'backend_args', None))
            and _is_local(getattr(loader, 'backend_args', None))):
        return
    problems = missing_or_empty_images(dataset.data_list)
    if problems:
        _raise(
            dataset, f'{len(problems)} of the {len(dataset.data_list)} '
            f'images {"is" if len(problems) == 1 else "are"} missing or '
            'empty', problems)
