"""What the dataset classes of the generated sets share: their arguments
(``split``, ``generator``, ``data_root``, ``cache_root``, ``num_workers``)
and finding or generating their folder before the dataset reads it."""
from typing import Callable, Optional, Tuple

from .cache import existing_or_prepared


class GeneratedDatasetMixin:
    """Mixin of a dataset whose files a generator writes on first use; put
    it before the dataset class it extends (``class SyntheticWSOL(
    GeneratedDatasetMixin, CUB200WSOL)``).

    A subclass sets ``SPLITS``, ``INFO_FILE`` (the json of a finished
    folder), ``FIXED_KWARGS`` (dataset arguments the generated layout fixes,
    refused before anything is generated), ``prepare`` (``prepare(params,
    cache_root, data_root, num_workers) -> folder``, e.g.
    :func:`.wsol_files.prepare_synthetic_wsol`) and implements
    :meth:`dataset_kwargs`.

    Args:
        split (str): One of ``SPLITS``.
        generator (dict, optional): The generator's params (a dict of its
            params dataclass). Defaults to the defaults.
        data_root (str, optional): Use (or build) the set in this folder
            instead of the cache. With ``generator=None`` an existing set
            there is used whatever params made it.
        cache_root (str, optional): Cache folder; ignored with
            ``data_root``.
        num_workers (int): Processes used to generate the files. Defaults
            to 0 (this process).
        **kwargs: Passed on to the dataset class (through
            :meth:`dataset_kwargs`).
    """
    SPLITS: Tuple[str, ...] = ()
    INFO_FILE: str = ''
    FIXED_KWARGS: Tuple[str, ...] = ()
    prepare: Callable[..., str]

    def __init__(self,
                 split: str = 'train',
                 generator: Optional[dict] = None,
                 data_root: Optional[str] = None,
                 cache_root: Optional[str] = None,
                 num_workers: int = 0,
                 **kwargs):
        name = type(self).__name__
        if split not in self.SPLITS:
            raise ValueError(f'{name}: split must be one of {self.SPLITS}, '
                             f'got {split!r}')
        for key in self.FIXED_KWARGS:
            if key in kwargs:
                raise TypeError(f'{name} does not take {key!r}: the '
                                'generated layout fixes it')
        root = existing_or_prepared(
            data_root, generator, self.INFO_FILE,
            lambda: self.prepare(
                generator,
                cache_root=cache_root,
                data_root=data_root,
                num_workers=num_workers))
        super().__init__(**self.dataset_kwargs(root, split, **kwargs))
        self.split = split

    def dataset_kwargs(self, root: str, split: str, **kwargs) -> dict:
        """The arguments of the dataset class for the generated folder
        ``root`` and ``split``."""
        raise NotImplementedError
