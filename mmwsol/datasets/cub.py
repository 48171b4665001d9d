"""CUB-200-2011 with its boxes (and optional segmentations) for WSOL."""
import os.path as osp
from collections import defaultdict
from typing import Optional, Sequence, Union

import mmengine

from mmwsol.registry import DATASETS
from .base_wsol_dataset import BaseWSOLDataset
from .utils import (BOX_TOLERANCE, WSOLDataError, check_box, join_path,
                    parse_float, parse_int, read_text_lines, split_fields)


@DATASETS.register_module()
class CUB200WSOL(BaseWSOLDataset):
    """CUB-200-2011 as distributed (``CUB_200_2011.tgz``), for WSOL.

    Folder layout (``data_root``)::

        CUB_200_2011/
        ├── images/<class dir>/<file>.jpg
        ├── images.txt              "<image id> <relative path>"
        ├── image_class_labels.txt  "<image id> <class id>"  (1-based)
        ├── train_test_split.txt    "<image id> <is_train>"  (1 train, 0 test)
        ├── bounding_boxes.txt      "<image id> <x> <y> <w> <h>"  (floats)
        ├── classes.txt             "<class id> <class name>"  (1-based)
        └── segmentations/          optional (segmentations.tgz, unpacked)
            └── <class dir>/<file>.png

    Each record holds ``gt_label = class id - 1``, the box(es) of
    ``bounding_boxes.txt`` as ``x, y, x + w, y + h`` (several rows with the
    same image id give several boxes), ``img_id`` = CUB's image id and
    ``ann_ref`` = ``bounding_boxes.txt:<line>``. With masks, ``mask_paths``
    = ``[segmentations/<relative path with .png>]``. CUB's segmentations are
    soft (the mean of several annotators, 0...255): foreground is value
    > 127, which is :class:`LoadWSOLAnnotations`' default ``mask_threshold``.
    ``metainfo['classes']`` are the names of ``classes.txt`` (e.g.
    ``'001.Black_footed_Albatross'``) unless ``classes`` is given.

    Boxes: ``w`` and ``h`` must be positive; the image size is not known when
    the files are read, so the check against it (with ``box_tolerance``)
    happens in :class:`LoadWSOLAnnotations`.

    Subclasses (e.g. a synthetic dataset) may generate a folder in exactly
    this layout and call ``super().__init__(data_root=..., split=...,
    with_mask=..., **kwargs)``.

    Args:
        data_root (str): The ``CUB_200_2011`` folder.
        split (str): ``'train'`` (5994 images) or ``'test'`` (5794).
        with_mask (bool, optional): Attach ``segmentations/`` masks. ``None``
            (default) uses them if ``data_root/segmentations`` exists; ``True``
            requires the folder.
        classes (str | Sequence[str], optional): Class names overriding
            ``classes.txt``'s; their number must match it.
        box_tolerance (float): See :func:`check_and_clip_boxes`.
        **kwargs: mmpretrain ``BaseDataset`` arguments (``pipeline``,
            ``test_mode``, ``lazy_init``, ``serialize_data``, ``indices``,
            ``metainfo``, ``filter_cfg``, ``max_refetch``).

    Example:
        >>> ds = CUB200WSOL('data/CUB_200_2011', split='test')
        >>> ds[0]['gt_bboxes']  # doctest: +SKIP
        array([[ 60.,  27., 385., 331.]], dtype=float32)
    """

    SPLITS = ('train', 'test')
    IMAGES = 'images.txt'
    LABELS = 'image_class_labels.txt'
    SPLIT_FILE = 'train_test_split.txt'
    BOXES = 'bounding_boxes.txt'
    CLASSES_FILE = 'classes.txt'
    IMAGE_DIR = 'images'
    MASK_DIR = 'segmentations'

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 with_mask: Optional[bool] = None,
                 classes: Union[str, Sequence[str], None] = None,
                 box_tolerance: float = BOX_TOLERANCE,
                 **kwargs):
        self._check_split_and_layout(
            split, kwargs, '; the layout under data_root is fixed')
        self._check_roots(data_root=data_root)
        self.split = split
        classes_file = join_path(data_root, self.CLASSES_FILE)
        file_classes = self._read_classes(classes_file)
        if classes is None:
            classes = file_classes
        else:
            if isinstance(classes, str):
                classes = mmengine.list_from_file(classes)
            if len(classes) != len(file_classes):
                raise WSOLDataError(
                    f'{len(classes)} class names given but the file lists '
                    f'{len(file_classes)} classes',
                    file=classes_file)
        mask_dir = join_path(data_root, self.MASK_DIR)
        if with_mask is None:
            with_mask = osp.isdir(mask_dir)
        elif with_mask and not osp.isdir(mask_dir):
            raise WSOLDataError(
                'with_mask=True but the segmentations folder does not exist '
                '(unpack segmentations.tgz into the CUB_200_2011 folder)',
                file=mask_dir)
        self.with_mask = bool(with_mask)
        self.mask_dir = mask_dir
        super().__init__(
            ann_file=self.IMAGES,
            data_root=data_root,
            data_prefix=self.IMAGE_DIR,
            classes=tuple(classes),
            box_tolerance=box_tolerance,
            **kwargs)

    @staticmethod
    def _read_classes(path):
        names = []
        for line, text in read_text_lines(path):
            cid, name = split_fields(
                text, path, line, ('class id', 'name'), last_takes_rest=True)
            cid = parse_int(cid, 'class id', path, line)
            if cid != len(names) + 1:
                raise WSOLDataError(
                    f'class ids must be 1, 2, 3, ... in order; expected '
                    f'{len(names) + 1}, got {cid}',
                    file=path,
                    line=line)
            names.append(name.strip())
        if not names:
            raise WSOLDataError('no classes listed', file=path)
        return names

    def describe_label(self, label: int) -> str:
        """``"class id <label + 1> of classes.txt (gt_label <label>)"``."""
        return (f'class id {label + 1} of {self.CLASSES_FILE} '
                f'(gt_label {label})')

    def _read_id_table(self, path, names, parse):
        """``{image id: (values, line)}`` of a ``"<id> <values...>"`` file."""
        table = {}
        for line, text in read_text_lines(path):
            fields = split_fields(
                text, path, line, names, last_takes_rest=len(names) == 2)
            img_id = parse_int(fields[0], names[0], path, line)
            if img_id in table:
                raise WSOLDataError(
                    f'image id {img_id} is listed twice (first at line '
                    f'{table[img_id][1]})',
                    file=path,
                    line=line)
            table[img_id] = (parse(fields[1:], line), line)
        return table

    def load_data_list(self):
        root = self.data_root
        images_file = self.ann_file
        labels_file = join_path(root, self.LABELS)
        split_file = join_path(root, self.SPLIT_FILE)
        boxes_file = join_path(root, self.BOXES)
        num_classes = len(self.metainfo['classes'])

        images = self._read_id_table(images_file, ('image id', 'path'),
                                     lambda f, line: f[0].strip())

        def label(fields, line):
            value = parse_int(fields[0], 'class id', labels_file, line)
            # quoted as the file numbers it (1-based), not as gt_label
            self._check_label(value, num_classes, labels_file, line,
                              first=1, name='class id')
            return value - 1

        labels = self._read_id_table(labels_file, ('image id', 'class id'),
                                     label)

        def is_train(fields, line):
            value = parse_int(fields[0], 'is_train', split_file, line)
            if value not in (0, 1):
                raise WSOLDataError(
                    f'is_train must be 0 or 1, got {value}',
                    file=split_file,
                    line=line)
            return value == 1

        splits = self._read_id_table(split_file, ('image id', 'is_train'),
                                     is_train)

        boxes = defaultdict(list)  # image id -> [(box, line, clipped)]
        names = ('image id', 'x', 'y', 'w', 'h')
        for line, text in read_text_lines(boxes_file):
            fields = split_fields(text, boxes_file, line, names)
            img_id = parse_int(fields[0], 'image id', boxes_file, line)
            x, y, w, h = (
                parse_float(v, n, boxes_file, line)
                for v, n in zip(fields[1:], names[1:]))
            if w <= 0 or h <= 0:
                raise WSOLDataError(
                    f'box width and height must be positive, got w={w:g} '
                    f'h={h:g}',
                    file=boxes_file,
                    line=line)
            box, clipped = check_box((x, y, x + w, y + h),
                                     f'{boxes_file}:{line}',
                                     tolerance=self.box_tolerance)
            boxes[img_id].append((box, line, clipped))

        for path, table in ((labels_file, labels), (split_file, splits),
                            (boxes_file, boxes)):
            unknown = sorted(set(table) - set(images))
            if unknown:
                line = table[unknown[0]][1] if table is not boxes else \
                    table[unknown[0]][0][1]
                raise WSOLDataError(
                    f'image id {unknown[0]} is not in {self.IMAGES} '
                    f'({len(unknown)} unknown ids in this file)',
                    file=path,
                    line=line)

        data_list = []
        no_box = n_clipped = 0
        want_train = self.split == 'train'
        for img_id, (rel_path, img_line) in images.items():
            for path, table in ((labels_file, labels), (split_file, splits)):
                if img_id not in table:
                    raise WSOLDataError(
                        f'image id {img_id} has no row in {path}',
                        file=images_file,
                        line=img_line)
            if splits[img_id][0] != want_train:
                continue
            img_boxes = boxes.get(img_id, [])
            no_box += not img_boxes
            n_clipped += sum(c for _, _, c in img_boxes)
            ann_ref = (f'{boxes_file}:{img_boxes[0][1]}'
                       if img_boxes else f'{images_file}:{img_line}')
            extra = {}
            if self.with_mask:
                extra['mask_paths'] = [
                    join_path(self.mask_dir,
                              osp.splitext(rel_path)[0] + '.png')
                ]
            data_list.append(
                self._make_record(
                    img_path=join_path(self.img_prefix, rel_path),
                    gt_label=labels[img_id][0],
                    img_id=str(img_id),
                    ann_ref=ann_ref,
                    gt_bboxes=[b for b, _, _ in img_boxes],
                    **extra))
        if no_box:
            self._log(
                f'{no_box} {self.split} images have no box in {boxes_file}',
                warning=True)
        # the image size is not known here: only boxes reaching left of /
        # above the image are clipped now, the rest in LoadWSOLAnnotations
        self._log_clipped(n_clipped, len(data_list))
        return data_list
