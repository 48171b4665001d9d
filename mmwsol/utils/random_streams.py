"""The global random streams of a training process, derived from keys.

A training run draws from Python's ``random``, NumPy's global generator and
torch's default generators (CPU and every CUDA device): data augmentation
(mmcv's transforms use NumPy), dropout, LowCAM's attentive erasing (torch).
mmwsol makes each draw a function of the run's seed and *where* it happens
instead of the history of the process, so that a run resumed from a
checkpoint continues exactly as the uninterrupted run did:

- a training iteration seeds the streams from ``(seed, iteration, rank)``
  (:class:`~mmwsol.engine.hooks.IterationSeedHook`);
- a training sample seeds them from ``(seed, epoch, position in the
  epoch)`` (:class:`~mmwsol.datasets.samplers.SeededSampler`), in whichever
  data-loader worker loads it.
"""
import contextlib
import random
from typing import Iterator

import numpy as np
import torch

__all__ = ['derive_seed', 'derive_seeds', 'seed_global_randomness',
           'global_randomness_seeded']

#: the seeds are in [0, 2**63): valid for torch, Python and (mod 2**32)
#: NumPy
_SEED_LIMIT = 2**63


def derive_seeds(keys, count: int) -> np.ndarray:
    """``count`` independent seeds from the integer ``keys``.

    Args:
        keys (Sequence[int]): e.g. ``(seed, epoch)`` (taken mod 2**64).
        count (int): how many seeds.

    Returns:
        np.ndarray: ``int64 (count,)`` in ``[0, 2**63)``; the same keys
        always give the same seeds (NumPy's ``SeedSequence`` and PCG64).
    """
    rng = np.random.default_rng(
        np.random.SeedSequence([int(k) % 2**64 for k in keys]))
    return rng.integers(0, _SEED_LIMIT, size=count, dtype=np.int64)


def derive_seed(*keys: int) -> int:
    """One seed from the integer ``keys`` (see :func:`derive_seeds`)."""
    return int(derive_seeds(keys, 1)[0])


def seed_global_randomness(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and torch's
    default generators (CPU and all CUDA devices) from one ``seed``, each
    with a seed of its own derived from it."""
    python_seed, numpy_seed, torch_seed = derive_seeds((seed, ), 3)
    random.seed(int(python_seed))
    np.random.seed(int(numpy_seed) % 2**32)
    torch.manual_seed(int(torch_seed))


@contextlib.contextmanager
def global_randomness_seeded(seed: int) -> Iterator[None]:
    """Within the block the global streams are seeded from ``seed``
    (:func:`seed_global_randomness`); afterwards they are back where they
    were (CPU; CUDA generators are not touched by data loading)."""
    python_state = random.getstate()
    numpy_state = np.random.get_state()
    torch_state = torch.random.get_rng_state()
    python_seed, numpy_seed, torch_seed = derive_seeds((seed, ), 3)
    random.seed(int(python_seed))
    np.random.seed(int(numpy_seed) % 2**32)
    # the CPU generator only: torch.manual_seed would also reseed (and
    # initialise) every CUDA device
    torch.random.default_generator.manual_seed(int(torch_seed))
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        torch.random.set_rng_state(torch_state)
