"""Base class of the WSOL datasets."""
import os
import os.path as osp
from typing import List, Optional, Sequence, Union

from mmengine.logging import print_log
from mmpretrain.datasets import BaseDataset

from mmwsol.registry import TRANSFORMS
from .build_checks import check_images_at_build, verify_mode
from .seeded_samples import SeededSamplesMixin
from .utils import BOX_TOLERANCE, WSOLDataError, as_box_array


class BaseWSOLDataset(SeededSamplesMixin, BaseDataset):
    """mmpretrain's ``BaseDataset`` with WSOL records.

    Subclasses implement ``load_data_list()`` returning the records of
    docs/conventions.md: ``img_path``, ``gt_label`` (index into
    ``metainfo['classes']``), ``gt_bboxes`` (``float32 (k, 4)``, ``x0, y0,
    x1, y1`` in the original image frame, ``k`` may be 0), ``img_id``,
    ``ann_ref`` (``"<file>:<line>"``), and optionally ``ori_shape``
    (``(h, w)``), ``mask_paths``, ``ignore_path``, ``gt_masks_rle``.

    Differences from mmpretrain's ``BaseDataset``:

    - pipeline dicts are built with mmwsol's ``TRANSFORMS``, so mmwsol's
      box/mask-aware ``RandomCrop``, ``RandomResizedCrop``, ``CenterCrop``
      and ``LoadImageFromFile`` are used even outside a runner that sets
      ``default_scope='mmwsol'``;
    - ``filter_cfg=dict(filter_empty_gt=True)`` drops images without any
      box or mask (their number is logged);
    - indices from :class:`~mmwsol.datasets.samplers.SeededSampler` seed
      the random transforms of their sample
      (:class:`~mmwsol.datasets.seeded_samples.SeededSamplesMixin`);
    - once the records are final (``full_init``, so with ``lazy_init`` at
      first use) their images are checked (``verify``), all problems in
      one :class:`WSOLDataError`.

    Args:
        box_tolerance (float): Pixels a box may overshoot the image border
            and still be clipped instead of rejected. Defaults to 1.
        verify (str | bool): The image check at build
            (:mod:`~mmwsol.datasets.build_checks`): ``'exists'`` (every
            local image file exists and is not empty; no decoding),
            ``'decode'`` (every image and mask decodes, the pass of
            :func:`~mmwsol.datasets.verify_dataset`), ``'none'`` or
            ``False``. Defaults to ``'exists'``.
        **kwargs: ``BaseDataset``'s arguments (``ann_file``, ``metainfo``,
            ``data_root``, ``data_prefix``, ``filter_cfg``, ``indices``,
            ``serialize_data``, ``pipeline``, ``test_mode``, ``lazy_init``,
            ``max_refetch``, ``classes``).
    """

    def __init__(self,
                 *args,
                 box_tolerance: float = BOX_TOLERANCE,
                 verify: Union[str, bool] = 'exists',
                 pipeline: Sequence = (),
                 **kwargs):
        if box_tolerance < 0:
            raise ValueError(
                f'box_tolerance must be >= 0, got {box_tolerance}')
        self.box_tolerance = float(box_tolerance)
        self.verify = verify_mode(verify)
        pipeline = [
            TRANSFORMS.build(t) if isinstance(t, dict) else t
            for t in pipeline
        ]
        super().__init__(*args, pipeline=pipeline, **kwargs)

    # -- helpers for subclasses ------------------------------------------
    #: the ``split`` values a subclass accepts
    SPLITS: Sequence[str] = ()

    def _check_split_and_layout(self, split: str, kwargs: dict,
                                why: str = '') -> None:
        """Refuse a ``split`` outside ``SPLITS``, and ``ann_file`` /
        ``data_prefix`` for datasets whose files are found from the split
        (``why`` says so in the message)."""
        name = type(self).__name__
        if split not in self.SPLITS:
            raise ValueError(f'{name}: split must be one of {self.SPLITS}, '
                             f'got {split!r}')
        for key in ('ann_file', 'data_prefix'):
            if key in kwargs:
                raise TypeError(f'{name} does not take {key!r}{why}')

    def _check_roots(self, **roots: Optional[str]) -> None:
        """Refuse a dataset folder that does not exist, before any file in
        it is read, with the config keys to change.

        Args:
            **roots: ``name=path`` of every folder the dataset reads (e.g.
                ``data_root=...``, ``metadata_root=...``); empty values and
                remote paths (``s3://...``) are not checked.
        """
        for key, root in roots.items():
            if not root or '://' in str(root) or osp.isdir(
                    osp.expanduser(str(root))):
                continue
            raise WSOLDataError(
                f'the {type(self).__name__} dataset folder ({key}) does not '
                f'exist (working directory: {os.getcwd()}). Put the data '
                f'there or point the config at it: `{key} = ...` in the '
                'base dataset config (configs/_base_/datasets/), or '
                f'--cfg-options train_dataloader.dataset.{key}=PATH '
                f'val_dataloader.dataset.{key}=PATH '
                f'test_dataloader.dataset.{key}=PATH; docs/datasets.md '
                'says how to lay out each dataset',
                where=str(root))

    def _log(self, message: str, warning: bool = False) -> None:
        print_log(
            f'{self.__class__.__name__}: {message}',
            logger='current',
            level=30 if warning else 20)

    @staticmethod
    def _make_record(img_path: str,
                     gt_label: int,
                     img_id: str,
                     ann_ref: str,
                     gt_bboxes=None,
                     ori_shape=None,
                     **extra) -> dict:
        record = dict(
            img_path=img_path,
            gt_label=int(gt_label),
            gt_bboxes=as_box_array([] if gt_bboxes is None else gt_bboxes),
            img_id=str(img_id),
            ann_ref=ann_ref)
        if ori_shape is not None:
            record['ori_shape'] = (int(ori_shape[0]), int(ori_shape[1]))
        record.update(extra)
        return record

    def _log_clipped(self, n_clipped: int, n_images: int) -> None:
        """Log, once per build, how many boxes of the dataset's
        ``n_images`` images were clipped to the image border (their
        overshoot was within ``box_tolerance``); nothing when none was."""
        if n_clipped:
            self._log(
                f'clipped {n_clipped} box{"" if n_clipped == 1 else "es"} '
                f'(of {n_images} images) that overshot the image border by '
                f'at most {self.box_tolerance:g} px',
                warning=True)

    @staticmethod
    def _check_label(value: int,
                     num_classes: int,
                     file: str,
                     line: int,
                     first: int = 0,
                     name: str = 'label') -> None:
        """Raise unless ``first <= value < first + num_classes``.

        Args:
            value (int): The label as ``file`` writes it (not converted to
                ``gt_label``), so the message quotes the file's numbering.
            num_classes (int): Number of classes.
            file (str): The file of the label, for the message.
            line (int): Its line, for the message.
            first (int): The number ``file`` gives the first class (CUB's
                ``image_class_labels.txt``: 1; wsolevaluation's
                ``class_labels.txt``: 0).
            name (str): What the file calls the field (``'class id'``).
        """
        if not first <= value < first + num_classes:
            raise WSOLDataError(
                f'{name} {value} is outside {first} ... '
                f'{first + num_classes - 1} ({num_classes} classes; '
                f'{osp.basename(str(file))} numbers them from {first})',
                file=file,
                line=line)

    def describe_label(self, label: int) -> str:
        """``gt_label`` ``label`` in the numbering of the dataset's files,
        for messages (e.g. CUB: ``"class id 4 of classes.txt (gt_label
        3)"``). This base version: ``"gt_label 3 (0-based)"``."""
        return f'gt_label {label} (0-based)'

    # -- BaseDataset hooks -----------------------------------------------
    def full_init(self) -> None:
        """``BaseDataset.full_init``, then the ``verify`` check of the final
        records, before they are serialised."""
        if self._fully_initialized:
            return
        serialize, self.serialize_data = self.serialize_data, False
        try:
            super().full_init()
            check_images_at_build(self, self.verify)
        except BaseException:
            self._fully_initialized = False  # checked again on next use
            raise
        finally:
            self.serialize_data = serialize
        if serialize:
            self.data_bytes, self.data_address = self._serialize_data()

    def filter_data(self) -> List[dict]:
        """Drop images without boxes and masks if
        ``filter_cfg=dict(filter_empty_gt=True)``."""
        kept = self.data_list
        if self.filter_cfg and self.filter_cfg.get('filter_empty_gt', False):
            kept = [
                info for info in self.data_list
                if len(info['gt_bboxes']) or info.get('mask_paths')
                or info.get('gt_masks_rle')
            ]
            dropped = len(self.data_list) - len(kept)
            if dropped:
                self._log(f'filter_empty_gt dropped {dropped} of '
                          f'{len(self.data_list)} images without boxes or '
                          'masks')
        if not kept:
            raise WSOLDataError(
                f'{self.__class__.__name__} has no images (split '
                f'{getattr(self, "split", "-")!r}, '
                f'{len(self.data_list)} before filter_cfg={self.filter_cfg})',
                where=self.ann_file or self.data_root)
        return kept

    def extra_repr(self) -> List[str]:
        return [f'Root of dataset: \t{self.data_root}']


def check_class_count(classes: Optional[Sequence[str]],
                      num_classes: Optional[int], source: str) -> None:
    """Raise when ``classes`` and ``num_classes`` disagree."""
    if classes is not None and num_classes is not None and len(
            classes) != num_classes:
        raise WSOLDataError(
            f'{len(classes)} class names given but num_classes='
            f'{num_classes}',
            where=source)
