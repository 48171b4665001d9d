"""Datasets described by clovaai/wsolevaluation's metadata files."""
import os.path as osp
from collections import defaultdict
from typing import Optional, Sequence, Union

from mmwsol.registry import DATASETS
from .base_wsol_dataset import BaseWSOLDataset, check_class_count
from .utils import (BOX_TOLERANCE, WSOLDataError, check_box, join_path,
                    parse_float, parse_int, read_text_lines, split_fields)


@DATASETS.register_module()
class WSOLMetadataDataset(BaseWSOLDataset):
    """Any dataset in wsolevaluation's metadata format (CUB, ILSVRC,
    OpenImages30k, and the CUBV2 / ImageNetV2 ``val`` splits).

    ``metadata_root/<split>/`` holds (wsolevaluation's ``metadata/<DATASET>/
    <split>/``; ``image_id`` is the image path relative to ``data_root``)::

        image_ids.txt         "<image_id>"                  one per line
        image_ids_proxy.txt   same, a subset (``proxy=True``; ILSVRC train)
        class_labels.txt      "<image_id>,<label>"          0-based label
        image_sizes.txt       "<image_id>,<w>,<h>"          may be empty
        localization.txt      may be empty (train splits); either box rows
                              "<image_id>,<x0>,<y0>,<x1>,<y1>" or mask rows
                              "<image_id>,<mask path>,<ignore path>",
                              several rows per image

    Box rows give ``gt_bboxes`` (``x0, y0, x1, y1``; checked against
    ``image_sizes.txt`` when it has the image, with ``box_tolerance``).
    Mask rows (OpenImages) give ``mask_paths`` (all rows of the image) and
    ``ignore_path`` (the non-empty ignore field; wsolevaluation writes it on
    the first row only; two different ones are an error), both relative to
    ``mask_root``. The split's kind is set by the first row's field count
    (5: boxes, 3: masks). ``ori_shape`` comes from ``image_sizes.txt``.

    Classes: ``classes`` (names, or a file with one name per line) and/or
    ``num_classes``; both given must agree. Without either, the number of
    classes is ``max(label) + 1`` of the split and the names are
    ``'0', '1', ...``. A label outside ``0 ... num_classes - 1`` raises
    :class:`WSOLDataError` naming ``class_labels.txt`` and the line.

    Rows for images not in ``image_ids.txt`` (e.g. with ``proxy=True``) are
    skipped; their number is logged as a warning. An image of
    ``image_ids.txt`` without a label is an error; without a box/mask row it
    gets no box (``filter_cfg=dict(filter_empty_gt=True)`` drops it).

    Args:
        data_root (str): Folder the image ids are relative to (e.g.
            wsolevaluation's ``dataset/CUB``, ``dataset/ILSVRC``,
            ``dataset/OpenImages``).
        metadata_root (str): Folder holding the split folders (e.g.
            ``wsolevaluation/metadata/CUB``). A relative path is relative to
            the working directory, not to ``data_root``.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        mask_root (str, optional): Folder the mask paths are relative to;
            defaults to ``data_root``.
        classes (str | Sequence[str], optional): Class names.
        num_classes (int, optional): Number of classes.
        proxy (bool): Read ``image_ids_proxy.txt`` instead of
            ``image_ids.txt``.
        box_tolerance (float): See :func:`check_and_clip_boxes`.
        **kwargs: mmpretrain ``BaseDataset`` arguments.
    """

    SPLITS = ('train', 'val', 'test')

    def __init__(self,
                 data_root: str,
                 metadata_root: str,
                 split: str,
                 mask_root: Optional[str] = None,
                 classes: Union[str, Sequence[str], None] = None,
                 num_classes: Optional[int] = None,
                 proxy: bool = False,
                 box_tolerance: float = BOX_TOLERANCE,
                 **kwargs):
        self._check_split_and_layout(split, kwargs)
        self._check_roots(data_root=data_root, metadata_root=metadata_root)
        self.split = split
        self.metadata_dir = osp.join(osp.abspath(metadata_root), split)
        self.mask_root = data_root if mask_root is None else mask_root
        if num_classes is not None and num_classes <= 0:
            raise ValueError(f'num_classes must be positive, got '
                             f'{num_classes}')
        if classes is not None:
            classes = self._compat_classes(None, classes)['classes']
            check_class_count(classes, num_classes, 'WSOLMetadataDataset')
        elif num_classes is not None:
            classes = tuple(str(i) for i in range(num_classes))
        self.proxy = proxy
        ids_file = 'image_ids_proxy.txt' if proxy else 'image_ids.txt'
        super().__init__(
            ann_file=osp.join(self.metadata_dir, ids_file),
            data_root=data_root,
            data_prefix='',
            classes=classes,
            box_tolerance=box_tolerance,
            **kwargs)

    def _file(self, name):
        return osp.join(self.metadata_dir, name)

    def load_data_list(self):
        ids_file = self.ann_file
        labels_file = self._file('class_labels.txt')
        sizes_file = self._file('image_sizes.txt')
        loc_file = self._file('localization.txt')

        image_ids = {}  # image_id -> line
        for line, text in read_text_lines(ids_file):
            img_id = text.strip()
            if img_id in image_ids:
                raise WSOLDataError(
                    f'image id {img_id!r} is listed twice (first at line '
                    f'{image_ids[img_id]})',
                    file=ids_file,
                    line=line)
            image_ids[img_id] = line

        classes = self._metainfo.get('classes')
        num_classes = None if classes is None else len(classes)
        skipped = defaultdict(int)

        labels = {}  # image_id -> (label, line)
        for line, text in read_text_lines(labels_file):
            img_id, label = split_fields(text, labels_file, line,
                                         ('image_id', 'label'), sep=',')
            label = parse_int(label, 'label', labels_file, line)
            if label < 0:
                raise WSOLDataError(
                    f'label must be >= 0, got {label}',
                    file=labels_file,
                    line=line)
            if num_classes is not None:
                self._check_label(label, num_classes, labels_file, line,
                                  first=0)
            if img_id not in image_ids:
                skipped[labels_file] += 1
                continue
            if img_id in labels:
                raise WSOLDataError(
                    f'image id {img_id!r} has two labels (first at line '
                    f'{labels[img_id][1]})',
                    file=labels_file,
                    line=line)
            labels[img_id] = (label, line)

        sizes = {}  # image_id -> (h, w)
        for line, text in read_text_lines(sizes_file):
            img_id, w, h = split_fields(text, sizes_file, line,
                                        ('image_id', 'w', 'h'), sep=',')
            w = parse_int(w, 'w', sizes_file, line)
            h = parse_int(h, 'h', sizes_file, line)
            if w <= 0 or h <= 0:
                raise WSOLDataError(
                    f'image size must be positive, got {w}x{h}',
                    file=sizes_file,
                    line=line)
            if img_id not in image_ids:
                skipped[sizes_file] += 1
                continue
            sizes[img_id] = (h, w)

        boxes = defaultdict(list)  # image_id -> [(box, line)]
        masks = defaultdict(list)  # image_id -> [(mask path, line)]
        ignores = {}  # image_id -> (ignore path, line)
        n_clipped = 0  # boxes of images_ids.txt's images clipped to it
        kind = None
        box_names = ('image_id', 'x0', 'y0', 'x1', 'y1')
        mask_names = ('image_id', 'mask_path', 'ignore_path')
        for line, text in read_text_lines(loc_file):
            if kind is None:
                n_fields = len(text.split(','))
                if n_fields not in (3, 5):
                    raise WSOLDataError(
                        f'expected box rows ({", ".join(box_names)}) or mask '
                        f'rows ({", ".join(mask_names)}), got {n_fields} '
                        f'comma-separated fields: {text!r}',
                        file=loc_file,
                        line=line)
                kind = 'box' if n_fields == 5 else 'mask'
            if kind == 'box':
                fields = split_fields(text, loc_file, line, box_names, ',')
                img_id = fields[0]
                box = [
                    parse_float(v, n, loc_file, line)
                    for v, n in zip(fields[1:], box_names[1:])
                ]
                h, w = sizes.get(img_id, (None, None))
                box, clipped = check_box(box, f'{loc_file}:{line}', w, h,
                                         self.box_tolerance)
                if img_id not in image_ids:
                    skipped[loc_file] += 1
                    continue
                boxes[img_id].append((box, line))
                n_clipped += clipped
            else:
                img_id, mask_path, ignore_path = split_fields(
                    text, loc_file, line, mask_names, ',')
                if not mask_path:
                    raise WSOLDataError(
                        'empty mask path', file=loc_file, line=line)
                if img_id not in image_ids:
                    skipped[loc_file] += 1
                    continue
                masks[img_id].append((mask_path, line))
                if ignore_path:
                    if img_id in ignores and ignores[img_id][0] != \
                            ignore_path:
                        raise WSOLDataError(
                            f'second ignore mask {ignore_path!r} for image '
                            f'{img_id!r} (first: {ignores[img_id][0]!r} at '
                            f'line {ignores[img_id][1]})',
                            file=loc_file,
                            line=line)
                    ignores[img_id] = (ignore_path, line)

        for path, count in skipped.items():
            self._log(
                f'skipped {count} rows of {path} for images not in '
                f'{ids_file}',
                warning=True)

        if classes is None:
            num_classes = 1 + max((lab for lab, _ in labels.values()),
                                  default=-1)
            self._metainfo['classes'] = tuple(
                str(i) for i in range(num_classes))
            self._log(f'no classes/num_classes given: {num_classes} classes '
                      f'(max label + 1 of {labels_file})')

        data_list = []
        no_loc = 0
        for img_id, img_line in image_ids.items():
            if img_id not in labels:
                raise WSOLDataError(
                    f'image id {img_id!r} has no row in {labels_file}',
                    file=ids_file,
                    line=img_line)
            label, label_line = labels[img_id]
            first_lines = [
                rows[0][1] for rows in (boxes.get(img_id), masks.get(img_id))
                if rows
            ]
            no_loc += not first_lines
            ann_ref = (f'{loc_file}:{first_lines[0]}'
                       if first_lines else f'{labels_file}:{label_line}')
            extra = {}
            if kind == 'mask':
                extra['mask_paths'] = [
                    join_path(self.mask_root, p)
                    for p, _ in masks.get(img_id, [])
                ]
                ignore = ignores.get(img_id)
                extra['ignore_path'] = (None if ignore is None else
                                        join_path(self.mask_root, ignore[0]))
            data_list.append(
                self._make_record(
                    img_path=join_path(self.data_root, img_id),
                    gt_label=label,
                    img_id=img_id,
                    ann_ref=ann_ref,
                    gt_bboxes=[b for b, _ in boxes.get(img_id, [])],
                    ori_shape=sizes.get(img_id),
                    **extra))
        if no_loc and kind is not None:
            self._log(
                f'{no_loc} of {len(image_ids)} images have no row in '
                f'{loc_file}',
                warning=True)
        self._log_clipped(n_clipped, len(data_list))
        return data_list

    def describe_label(self, label: int) -> str:
        """``"label <label> of class_labels.txt (0-based)"``: the file's
        labels are the ``gt_label``."""
        return f'label {label} of class_labels.txt (0-based)'

    def extra_repr(self):
        return [
            f'Root of dataset: \t{self.data_root}',
            f'Metadata: \t{self.metadata_dir}'
        ]
