"""Dataset indices that carry the seed of the sample's random transforms.

:class:`~mmwsol.datasets.samplers.SeededSampler` yields
:class:`SampleIndex` objects: ints (any dataset indexes with them) with a
``seed``. A dataset with :class:`SeededSamplesMixin` runs its pipeline with
the global random streams seeded from it, so that the augmentation of a
sample depends on the run's seed, the epoch and the sample's position in
the epoch only: not on which data-loader worker loads it, how many workers
there are, whether they persist between epochs, or whether the run was
resumed from a checkpoint.
"""
from mmwsol.utils.random_streams import global_randomness_seeded

__all__ = ['SampleIndex', 'SeededSamplesMixin']


class SampleIndex(int):
    """A dataset index (an ``int``) with the ``seed`` of its sample.

    Args:
        index (int): the index into the dataset.
        seed (int): the seed of the sample's random transforms.
    """

    def __new__(cls, index: int, seed: int):
        obj = super().__new__(cls, index)
        obj.seed = int(seed)
        return obj

    def __reduce__(self):
        # to the data-loader workers (pickled) with its seed
        return (SampleIndex, (int(self), self.seed))

    def __repr__(self) -> str:
        return f'SampleIndex({int(self)}, seed={self.seed})'


class SeededSamplesMixin:
    """``__getitem__`` runs the pipeline with the global random streams
    (Python, NumPy, torch CPU) seeded from the index's ``seed`` when the
    index is a :class:`SampleIndex`, and restores them afterwards; plain
    ``int`` indices load as before. Put it first among the bases of an
    mmengine ``BaseDataset`` subclass."""

    #: :class:`~mmwsol.datasets.samplers.SeededSampler` checks for it
    takes_sample_seeds = True

    def __getitem__(self, idx):
        seed = getattr(idx, 'seed', None)
        if seed is None:
            return super().__getitem__(idx)
        with global_randomness_seeded(seed):
            return super().__getitem__(int(idx))
