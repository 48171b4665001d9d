"""One pass over every annotation, image and mask of a WSOL dataset.

The datasets stop at the first bad annotation line when they are built and
the pipeline stops at the first unreadable image, mid-epoch.
:func:`verify_dataset` finds all of them before training: it builds the
dataset (from a config) going past bad annotation lines, then loads every
image and mask of every record once with the dataset's own loading
transforms (:class:`~mmwsol.datasets.transforms.LoadImageFromFile`,
:class:`~mmwsol.datasets.transforms.LoadWSOLAnnotations`), and returns the
problems, each with its place (``<file>:<line>`` or ``<image file>
(annotation <ann_ref>)``).

    >>> from mmwsol.datasets import verify_dataset
    >>> problems = verify_dataset(cfg.train_dataloader.dataset)
    >>> for p in problems:
    ...     print(p)  # e.g. "data/CUB_200_2011/bounding_boxes.txt:17: ..."

``tools/misc/verify_dataset.py`` is its command line.
"""
import re
from dataclasses import dataclass
from typing import Callable, List, Optional, Set, Tuple, Union

import mmcv
import mmengine.fileio as fileio
from mmcv.transforms import LoadImageFromFile as MMCVLoadImageFromFile
from mmengine.config import ConfigDict
from mmengine.dataset import BaseDataset
from mmengine.utils import track_parallel_progress, track_progress

from mmwsol.registry import DATASETS
from .build_checks import build_checks_off
from .transforms.loading import (LoadImageFromFile, LoadWSOLAnnotations,
                                 mask_size_problem)
from .utils import BOX_TOLERANCE, WSOLDataError, skipping_lines

__all__ = ['DataProblem', 'verify_dataset', 'build_dataset_past_errors']

#: annotation problems after which building stops trying to go on
MAX_ANNOTATION_PROBLEMS = 100


@dataclass(frozen=True)
class DataProblem:
    """One problem of a dataset's files.

    Attributes:
        where (str): ``<file>:<line>`` of an annotation, ``<image or mask
            file> (annotation <ann_ref>)`` of a record, or the dataset.
        message (str): what is wrong there.
    """
    where: str
    message: str

    def __str__(self) -> str:
        return f'{self.where}: {self.message}' if self.where else \
            self.message

    @classmethod
    def from_error(cls, error: Exception) -> 'DataProblem':
        """The problem a :class:`WSOLDataError` (or any error) reports."""
        text = str(error)
        where = getattr(error, 'where', None) or ''
        if where and text.startswith(f'{where}: '):
            text = text[len(where) + 2:]
        elif not isinstance(error, WSOLDataError):
            text = f'{type(error).__name__}: {text}'
        return cls(where=where, message=text)


def _file_and_line(error: WSOLDataError) -> Tuple[Optional[str], int]:
    """``(file, line)`` an annotation error names (``None`` when it names
    no line: a missing file, a JSON entry)."""
    if error.file is not None and error.line is not None:
        return str(error.file), int(error.line)
    match = re.fullmatch(r'(.+):(\d+)', error.where or '')
    if match:
        return match.group(1), int(match.group(2))
    return None, 0


def build_dataset_past_errors(
        cfg: Union[dict, ConfigDict],
        build: Callable = DATASETS.build,
        max_problems: int = MAX_ANNOTATION_PROBLEMS
) -> Tuple[Optional[BaseDataset], List[DataProblem]]:
    """Build a dataset, reporting every bad annotation line on the way.

    Building raises :class:`WSOLDataError` at the first bad line; this
    records it, builds again without that line (text annotations read with
    :func:`~mmwsol.datasets.utils.read_text_lines`) and so on, so that one
    pass reports all bad lines and the images of the other lines can still
    be checked. A line left out may make later lines that refer to it fail
    too (an image id of ``images.txt`` then missing from the labels file):
    those are reported as well. An error that names no line (a missing
    annotation file, a JSON entry) ends the attempt.

    Args:
        cfg (dict): the dataset config.
        build (Callable): builds it. Defaults to ``DATASETS.build``.
        max_problems (int): stop after this many annotation problems.

    Returns:
        tuple: the dataset (``None`` when it could not be built) and the
        annotation problems, in the order found.
    """
    problems: List[DataProblem] = []
    skipped: Set[Tuple[str, int]] = set()
    while True:
        try:
            with skipping_lines(skipped):
                return build(cfg), problems
        except WSOLDataError as error:
            problems.append(DataProblem.from_error(error))
            key = _file_and_line(error)
            if key[0] is None or key in skipped:
                break
            if len(problems) >= max_problems:
                problems.append(
                    DataProblem(
                        where='',
                        message=f'stopped after {max_problems} annotation '
                        'problems'))
                break
            skipped.add(key)
    problems.append(
        DataProblem(
            where=str(cfg.get('type', 'dataset')),
            message='the dataset cannot be built past the problem above, '
            'so its images were not checked'))
    return None, problems


def _leaf_datasets(dataset) -> List[BaseDataset]:
    """The datasets holding records: wrappers (``ConcatDataset``,
    ``RepeatDataset``, ``ClassBalancedDataset``) opened, each once."""
    if hasattr(dataset, 'datasets'):
        return [d for sub in dataset.datasets for d in _leaf_datasets(sub)]
    if hasattr(dataset, 'dataset') and not hasattr(dataset, 'data_list'):
        return _leaf_datasets(dataset.dataset)
    return [dataset]


def _configured(dataset, kinds: Tuple[type, ...]):
    """The first transform of one of the types ``kinds`` in the dataset's
    pipeline, else ``None``."""
    for transform in getattr(dataset.pipeline, 'transforms', []):
        if isinstance(transform, kinds):
            return transform
    return None


class RecordChecker:
    """Loads one record's image and masks as the dataset's pipeline would
    and returns its problems (picklable, for worker processes).

    Args:
        image_loader (LoadImageFromFile): decodes the image and compares
            its size with the record's ``ori_shape``.
        annotation_checker (LoadWSOLAnnotations): checks the boxes
            against the real image size and decodes COCO RLEs (mask files
            are read here, to check their size too).
    """

    def __init__(self, image_loader: LoadImageFromFile,
                 annotation_checker: LoadWSOLAnnotations):
        self.image_loader = image_loader
        self.annotation_checker = annotation_checker

    @classmethod
    def for_dataset(cls, dataset: BaseDataset) -> 'RecordChecker':
        """The checker with the options of ``dataset``'s loading
        transforms (decoder, backend, box tolerance)."""
        loader = _configured(dataset, (MMCVLoadImageFromFile, ))
        options = {}
        if loader is not None:
            options = dict(
                color_type=loader.color_type,
                imdecode_backend=loader.imdecode_backend,
                backend_args=loader.backend_args,
                check_shape=getattr(loader, 'check_shape', True))
        annotations = _configured(dataset, (LoadWSOLAnnotations, ))
        tolerance = getattr(annotations, 'box_tolerance',
                            getattr(dataset, 'box_tolerance', BOX_TOLERANCE))
        return cls(
            LoadImageFromFile(ignore_empty=False, **options),
            LoadWSOLAnnotations(
                box_tolerance=tolerance,
                mask_size_mismatch=getattr(annotations,
                                           'mask_size_mismatch', 'scaled'),
                backend_args=options.get('backend_args')))

    def __call__(self, record: dict) -> List[DataProblem]:
        problems = []
        shape = None
        ann_ref = record.get('ann_ref')
        try:
            results = self.image_loader(dict(record))
            shape = results['img'].shape[:2]
            # boxes against the real size, COCO RLEs decoded; mask files
            # below, with their size
            self.annotation_checker(
                dict(results, mask_paths=None, ignore_path=None))
        except WSOLDataError as error:
            problems.append(DataProblem.from_error(error))
        except Exception as exc:  # a malformed RLE (pycocotools' errors)
            problems.append(
                DataProblem(
                    where=str(ann_ref or record.get('img_path')),
                    message=f'cannot decode the mask (RLE): '
                    f'{type(exc).__name__}: {exc}'))
        paths = list(record.get('mask_paths') or [])
        if record.get('ignore_path'):
            paths.append(record['ignore_path'])
        for path in paths:
            message = self._mask_problem(path, shape,
                                         record.get('img_path'))
            if message:
                where = f'{path} (annotation {ann_ref})' if ann_ref else path
                problems.append(DataProblem(where=where, message=message))
        return problems

    def _mask_problem(self, path: str, shape,
                      image: Optional[str] = None) -> Optional[str]:
        try:
            data = fileio.get(
                path, backend_args=self.annotation_checker.backend_args)
        except FileNotFoundError:
            return 'mask file not found'
        try:
            mask = mmcv.imfrombytes(data, flag='grayscale_ignore_orientation')
        except Exception as exc:  # decoder errors
            return f'cannot read the mask ({type(exc).__name__}: {exc})'
        if mask is None:
            return 'cannot read the mask (corrupt or not an image)'
        if shape is not None:
            # LoadWSOLAnnotations' rule (mask_size_mismatch)
            return mask_size_problem(
                mask.shape[:2], shape,
                self.annotation_checker.mask_size_mismatch, image)
        return None


def verify_dataset(dataset: Union[BaseDataset, dict, ConfigDict],
                   num_workers: int = 0,
                   progress: bool = True) -> List[DataProblem]:
    """Every problem of a dataset's annotations, images and masks.

    Checks, in one pass: every annotation line parses (with a config:
    :func:`build_dataset_past_errors`); every image of every record
    decodes with the dataset's ``LoadImageFromFile`` options (missing,
    truncated or corrupt files), has the size the annotation states where
    it states one (``ori_shape``) and holds the record's boxes (the rule
    of :class:`LoadWSOLAnnotations`); every mask file (``mask_paths``,
    ``ignore_path``) decodes and has a size the pipeline accepts (its
    ``LoadWSOLAnnotations``' ``mask_size_mismatch``; by default the
    image's size or a scaled copy of it, as OpenImages' masks); every COCO
    RLE decodes and has the image's size.

    Args:
        dataset (BaseDataset | dict): a built dataset (its annotations
            parsed already) or a dataset config (built here, in the current
            default scope; set it to ``'mmwsol'`` first, e.g. with
            :func:`mmwsol.utils.register_all_modules`).
        num_workers (int): worker processes for the image pass; 0 or 1:
            this process.
        progress (bool): show a progress bar. Defaults to True.

    Returns:
        list[DataProblem]: annotation problems first, then those of the
        records in dataset order; empty when all is well.
    """
    # the datasets' own build-time check (``verify``) is off: every image
    # is checked here, each problem reported on its own
    with build_checks_off():
        return _verify(dataset, num_workers, progress)


def _verify(dataset, num_workers: int, progress: bool) -> List[DataProblem]:
    problems: List[DataProblem] = []
    if isinstance(dataset, dict):
        dataset, problems = build_dataset_past_errors(dataset)
        if dataset is None:
            return problems
    for leaf in _leaf_datasets(dataset):
        if hasattr(leaf, 'full_init'):
            leaf.full_init()
        checker = RecordChecker.for_dataset(leaf)
        records = [leaf.get_data_info(i) for i in range(len(leaf))]
        if not progress:
            pool_results = [checker(r) for r in records] if num_workers <= 1 \
                else _parallel(checker, records, num_workers)
        elif num_workers > 1:
            pool_results = track_parallel_progress(
                checker, records, num_workers,
                chunksize=max(1, len(records) // (num_workers * 8)))
        else:
            pool_results = track_progress(checker, records)
        for found in pool_results:
            problems.extend(found)
    return problems


def _parallel(checker: RecordChecker, records: List[dict],
              num_workers: int) -> List[List[DataProblem]]:
    from multiprocessing import Pool
    with Pool(num_workers) as pool:
        return pool.map(
            checker,
            records,
            chunksize=max(1, len(records) // (num_workers * 8)))
