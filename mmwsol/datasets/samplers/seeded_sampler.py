"""mmengine's ``DefaultSampler`` whose indices carry per-sample seeds."""
from typing import Iterator

from mmengine.dataset import DefaultSampler
from mmengine.logging import print_log

from mmwsol.registry import DATA_SAMPLERS
from mmwsol.utils.random_streams import derive_seeds
from ..seeded_samples import SampleIndex


@DATA_SAMPLERS.register_module()
class SeededSampler(DefaultSampler):
    """``DefaultSampler`` (same order, same padding and split across
    ranks) yielding :class:`~mmwsol.datasets.seeded_samples.SampleIndex`
    objects: each index carries the seed of its sample's random
    transforms, drawn from ``(seed, epoch)`` for the position of the sample
    in the epoch's padded list of all ranks.

    A dataset with :class:`~mmwsol.datasets.seeded_samples.
    SeededSamplesMixin` (every mmwsol dataset) then augments a sample the
    same way whichever worker loads it, with any number of workers,
    persistent or not, and after ``--resume``: what makes a resumed run
    equal the uninterrupted one (docs/resume.md). Other datasets index
    with the ints as usual (their augmentation follows the workers' seeds;
    a warning says so).

    Args:
        dataset (Sized): the dataset.
        shuffle (bool): shuffle each epoch (by ``seed + epoch``).
        seed (int, optional): the run's seed (the Runner passes
            ``randomness.seed``); ranks must agree.
        round_up (bool): pad to a multiple of the world size.
    """

    def __init__(self, dataset, *args, **kwargs) -> None:
        super().__init__(dataset, *args, **kwargs)
        if not getattr(dataset, 'takes_sample_seeds', False):
            print_log(
                f'SeededSampler: {type(dataset).__name__} does not take '
                'per-sample seeds (no SeededSamplesMixin); its random '
                'transforms follow the data-loader workers\' seeds, so a '
                'resumed run will not augment as the uninterrupted one.',
                logger='current',
                level=30)

    def __iter__(self) -> Iterator[SampleIndex]:
        indices = list(super().__iter__())
        seeds = derive_seeds((self.seed, self.epoch),
                             self.total_size)[self.rank:self.total_size:
                                              self.world_size]
        return iter(
            [SampleIndex(i, s) for i, s in zip(indices, seeds.tolist())])
