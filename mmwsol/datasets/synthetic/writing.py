"""Writing a generated set: PNGs, an empty target folder, the images of a
plan rendered in this process or in worker processes (with a progress bar),
and the info json written last.

The files come out byte-identical for the same parameters and seed: every
image is drawn from its own random stream ``SeedSequence(seed,
spawn_key=(image_id,))`` and PNG encoding is lossless and deterministic, so
they do not depend on the number of workers either.
"""
import json
import os
import os.path as osp
import time
from typing import Iterable, List

import cv2


def write_png(path: str, array) -> None:
    """Write ``array`` (``uint8 (H, W)`` or ``(H, W, 3)`` BGR) as a PNG,
    creating its folder."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    if not cv2.imwrite(path, array, [cv2.IMWRITE_PNG_COMPRESSION, 3]):
        raise OSError(f'could not write {path}')


def write_lines(path: str, lines: Iterable[str]) -> None:
    """Write ``lines`` to the text file ``path``, each ended by ``\\n``."""
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


_WORKER_GENERATOR = None


def _init_worker(generator_cls, params):
    global _WORKER_GENERATOR
    cv2.setNumThreads(1)
    _WORKER_GENERATOR = generator_cls(params)


def _worker_render_and_write(render_and_write, out_dir, item):
    return render_and_write(_WORKER_GENERATOR, out_dir, item)


def render_plan(gen, render_and_write, out_dir: str, plan: List[dict],
                num_workers: int = 0, title: str = 'synthetic images'):
    """``render_and_write(gen, out_dir, item)`` for every planned item, in
    this process or in ``num_workers`` spawned processes (each with its own
    ``type(gen)(gen.params)``), with a progress bar on the console.

    Returns:
        list: the results, in the order of ``plan``.
    """
    import functools

    from mmengine.utils import ProgressBar
    print(f'generating {len(plan)} {title} into {out_dir} (once; cached)',
          flush=True)
    bar = ProgressBar(len(plan))
    step = max(1, len(plan) // 50)  # 50 updates: short logs when not a tty
    results = []

    def done(result):
        results.append(result)
        if len(results) % step == 0 or len(results) == len(plan):
            bar.update(step if len(results) % step == 0 else
                       len(results) % step)
    if num_workers > 0:
        import multiprocessing as mp

        # spawn, not fork: a forked child inherits OpenCV's (and OpenMP's)
        # thread-pool state from a parent that has used them and can
        # deadlock in its first cv2 call (seen in cv2.setNumThreads)
        with mp.get_context('spawn').Pool(
                num_workers, initializer=_init_worker,
                initargs=(type(gen), gen.params)) as pool:
            for result in pool.imap(
                    functools.partial(_worker_render_and_write,
                                      render_and_write, out_dir),
                    plan,
                    chunksize=max(1, len(plan) // (32 * num_workers))):
                done(result)
    else:
        for item in plan:
            done(render_and_write(gen, out_dir, item))
    print(flush=True)
    return results


def make_empty_dir(out_dir: str) -> None:
    """Create ``out_dir`` for a generator to write into; an existing one
    must be empty."""
    if osp.isdir(out_dir) and os.listdir(out_dir):
        raise FileExistsError(f'out_dir {out_dir} exists and is not empty')
    os.makedirs(out_dir, exist_ok=True)


def write_info(out_dir: str, info_file: str, params, start: float,
               **content) -> dict:
    """Write ``<out_dir>/<info_file>``, the json that marks a generated set
    finished (so it must be written last, see :func:`.cache.is_complete`):
    ``generator_version``, ``fingerprint`` and ``params`` of ``params``, and
    ``content``. ``json.dumps`` is deterministic and the json holds no
    timestamps.

    Returns:
        dict: What was written plus ``seconds``, the time since ``start``
        (a ``time.perf_counter()`` value).
    """
    info = dict(
        generator_version=params.generator_version,
        fingerprint=params.fingerprint(),
        params=params.to_dict(),
        **content)
    with open(osp.join(out_dir, info_file), 'w') as f:
        json.dump(info, f, indent=2, sort_keys=True)
        f.write('\n')
    info['seconds'] = time.perf_counter() - start
    return info
