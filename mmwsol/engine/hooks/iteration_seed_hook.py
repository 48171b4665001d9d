"""Seed every training iteration from where it is, not from the past."""
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from mmwsol.registry import HOOKS
from mmwsol.utils.random_streams import derive_seed, seed_global_randomness


@HOOKS.register_module()
class IterationSeedHook(Hook):
    """Before each training iteration, seed Python's ``random``, NumPy and
    torch (CPU and every CUDA device) from ``(seed, iteration, rank)``.

    Everything a training iteration draws in the main process (dropout,
    LowCAM's attentive erasing ``R``, any random op of a model or loss)
    then depends on the run's ``randomness.seed``, the iteration and the
    rank only. A run resumed from a checkpoint of iteration ``i`` (any
    epoch or iteration checkpoint) therefore draws in iteration ``i + 1``
    what the uninterrupted run drew, with nothing of the random state in
    the checkpoint; so does a run whose validation (which draws too) runs
    at other times, and every rank of a distributed run has its own stream.
    The batches' own augmentation is seeded per sample
    (:class:`~mmwsol.datasets.samplers.SeededSampler`). Together they make
    ``--resume`` end with the uninterrupted run's weights, bit for bit on
    the CPU (docs/resume.md: on GPUs, cuDNN's nondeterministic kernels
    remain unless ``randomness.deterministic=True``).

    The data batch is already loaded when the hook runs, so its priority
    only orders it among other ``before_train_iter`` hooks: ``HIGHEST``,
    first.
    """

    priority = 'HIGHEST'

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        seed_global_randomness(
            derive_seed(runner.seed, runner.iter, get_rank()))
