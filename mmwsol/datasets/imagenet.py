"""ILSVRC-2012 (ImageNet-1K) with the val boxes, for WSOL."""
import os
import os.path as osp
from typing import Optional, Sequence, Union

from mmwsol.registry import DATASETS
from .base_wsol_dataset import BaseWSOLDataset
from .utils import (BOX_TOLERANCE, WSOLDataError, check_box, join_path,
                    parse_voc_xml, read_text_lines)

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')


@DATASETS.register_module()
class ImageNetWSOL(BaseWSOLDataset):
    """ILSVRC-2012 classification images with the val boxes, for WSOL.

    Folder layout (``data_root``): the official tarballs, unpacked::

        imagenet/
        ├── ILSVRC2012_img_train/<wnid>/<wnid>_<n>.JPEG   (the per-class
        │                                                  tars, unpacked)
        ├── ILSVRC2012_img_val/ILSVRC2012_val_<8 digits>.JPEG
        ├── ILSVRC2012_bbox_val_v3/val/ILSVRC2012_val_<8 digits>.xml
        └── LOC_synset_mapping.txt     optional: "<wnid> <names>" per line

    ``split='train'``: every image file under ``<train_dir>/<wnid>/``, label
    = the folder's class, no boxes (``gt_bboxes`` is ``(0, 4)``), ``img_id``
    = the file name without extension, ``ann_ref`` = the class folder (the
    folder is the annotation; there is no line).

    ``split='val'``: one record per XML file of ``val_ann_dir`` (sorted):
    image ``<val_dir>/<xml name>.JPEG``, every ``<object>``'s box (``xmin,
    ymin, xmax, ymax`` taken as ``x0, y0, x1, y1``, as wsolevaluation's
    metadata does), label = the objects' wnid (objects of different wnids in
    one XML raise :class:`WSOLDataError`), ``ori_shape`` from ``<size>``
    (boxes are checked against it with ``box_tolerance``), ``img_id`` = the
    XML name without extension, ``ann_ref`` = ``<xml>:<line of the first
    <object>>``.

    Classes (``metainfo['classes']`` are wnids): ``classes`` may be a file
    whose lines start with a wnid (``LOC_synset_mapping.txt``: ``"n01440764
    tench, Tinca tinca"``; the rest of the line goes to
    ``metainfo['class_names']``) or a list of wnids. By default the sorted
    sub-folders of ``train_dir`` (the usual ImageNet class order, which is
    also ``LOC_synset_mapping.txt``'s order). A val wnid not in the list
    is an error naming the XML file and line.

    Args:
        data_root (str): The folder holding the three folders above.
        split (str): ``'train'`` or ``'val'``.
        classes (str | Sequence[str], optional): See above.
        train_dir (str): Training image folder, relative to ``data_root``.
        val_dir (str): Validation image folder.
        val_ann_dir (str): Folder of the val XML files.
        img_suffix (str): Suffix of the val images. Defaults to ``'.JPEG'``.
        box_tolerance (float): See :func:`check_and_clip_boxes`.
        **kwargs: mmpretrain ``BaseDataset`` arguments.
    """

    SPLITS = ('train', 'val')

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 classes: Union[str, Sequence[str], None] = None,
                 train_dir: str = 'ILSVRC2012_img_train',
                 val_dir: str = 'ILSVRC2012_img_val',
                 val_ann_dir: str = 'ILSVRC2012_bbox_val_v3/val',
                 img_suffix: str = '.JPEG',
                 box_tolerance: float = BOX_TOLERANCE,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        self._check_split_and_layout(split, kwargs)
        self._check_roots(data_root=data_root)
        self.split = split
        self.train_dir = join_path(data_root, train_dir)
        self.val_dir = join_path(data_root, val_dir)
        self.val_ann_dir = join_path(data_root, val_ann_dir)
        self.img_suffix = img_suffix
        wnids, names = self._resolve_classes(classes)
        meta = dict(classes=tuple(wnids))
        if names is not None:
            meta['class_names'] = tuple(names)
        meta.update(metainfo or {})
        super().__init__(
            ann_file='',
            data_root=data_root,
            data_prefix=train_dir if split == 'train' else val_dir,
            metainfo=meta,
            box_tolerance=box_tolerance,
            **kwargs)

    def _resolve_classes(self, classes):
        if classes is None:
            if not osp.isdir(self.train_dir):
                raise WSOLDataError(
                    'no class list: the training folder (whose sorted '
                    'sub-folders are the default classes) does not exist; '
                    'pass classes=<LOC_synset_mapping.txt or a wnid list>',
                    file=self.train_dir)
            wnids = sorted(
                e.name for e in os.scandir(self.train_dir) if e.is_dir())
            if not wnids:
                raise WSOLDataError(
                    'no class folders in the training folder',
                    file=self.train_dir)
            return wnids, None
        if isinstance(classes, str):
            wnids, names, first = [], [], {}
            for line, text in read_text_lines(classes):
                parts = text.strip().split(None, 1)
                wnid = parts[0]
                if wnid in first:
                    raise WSOLDataError(
                        f'class {wnid!r} listed twice (first at line '
                        f'{first[wnid]})',
                        file=classes,
                        line=line)
                first[wnid] = line
                wnids.append(wnid)
                names.append(parts[1].strip() if len(parts) > 1 else wnid)
            if not wnids:
                raise WSOLDataError('no classes listed', file=classes)
            has_names = any(n != w for n, w in zip(names, wnids))
            return wnids, names if has_names else None
        wnids = [str(c) for c in classes]
        if len(set(wnids)) != len(wnids):
            raise ValueError('ImageNetWSOL: classes has duplicates')
        return wnids, None

    def load_data_list(self):
        if self.split == 'train':
            return self._load_train()
        return self._load_val()

    def _load_train(self):
        classes = self.metainfo['classes']
        if not osp.isdir(self.train_dir):
            raise WSOLDataError(
                'training image folder not found', file=self.train_dir)
        present = {e.name for e in os.scandir(self.train_dir) if e.is_dir()}
        extra = sorted(present - set(classes))
        if extra:
            self._log(
                f'{len(extra)} folders of {self.train_dir} are not in the '
                f'class list and are skipped (e.g. {extra[0]})',
                warning=True)
        missing = [c for c in classes if c not in present]
        if missing:
            self._log(
                f'{len(missing)} classes have no folder in {self.train_dir} '
                f'(e.g. {missing[0]})',
                warning=True)
        data_list = []
        for label, wnid in enumerate(classes):
            if wnid not in present:
                continue
            folder = osp.join(self.train_dir, wnid)
            files = sorted(
                e.name for e in os.scandir(folder)
                if e.is_file() and osp.splitext(e.name)[1].lower() in
                IMG_EXTENSIONS)
            for name in files:
                data_list.append(
                    self._make_record(
                        img_path=osp.join(folder, name),
                        gt_label=label,
                        img_id=osp.splitext(name)[0],
                        ann_ref=folder))
        return data_list

    def _load_val(self):
        if not osp.isdir(self.val_ann_dir):
            raise WSOLDataError(
                'val box folder (ILSVRC2012_bbox_val_v3.tgz unpacked) not '
                'found',
                file=self.val_ann_dir)
        class_to_idx = {c: i for i, c in enumerate(self.metainfo['classes'])}
        xml_names = sorted(
            e.name for e in os.scandir(self.val_ann_dir)
            if e.is_file() and e.name.lower().endswith('.xml'))
        if not xml_names:
            raise WSOLDataError(
                'no XML files in the val box folder', file=self.val_ann_dir)
        data_list = []
        n_clipped = 0
        for name in xml_names:
            xml_path = osp.join(self.val_ann_dir, name)
            ann = parse_voc_xml(xml_path)
            objects = ann['objects']
            if not objects:
                raise WSOLDataError(
                    'no <object>, so no image label', file=xml_path, line=1)
            wnid = objects[0]['name']
            for obj in objects:
                if obj['name'] != wnid:
                    raise WSOLDataError(
                        f'objects of different classes in one image '
                        f'({wnid!r} at line {objects[0]["line"]}, '
                        f'{obj["name"]!r} here); an image needs one label',
                        file=xml_path,
                        line=obj['line'])
            if wnid not in class_to_idx:
                raise WSOLDataError(
                    f'class {wnid!r} is not in the class list '
                    f'({len(class_to_idx)} classes)',
                    file=xml_path,
                    line=objects[0]['line'])
            width = height = None
            if ann['size'] is not None:
                width, height, _ = ann['size']
            checked = [
                check_box(obj['box'], f'{xml_path}:{obj["line"]}', width,
                          height, self.box_tolerance) for obj in objects
            ]
            boxes = [box for box, _ in checked]
            n_clipped += sum(clipped for _, clipped in checked)
            stem = osp.splitext(name)[0]
            data_list.append(
                self._make_record(
                    img_path=osp.join(self.val_dir, stem + self.img_suffix),
                    gt_label=class_to_idx[wnid],
                    img_id=stem,
                    ann_ref=f'{xml_path}:{objects[0]["line"]}',
                    gt_bboxes=boxes,
                    ori_shape=None if ann['size'] is None else
                    (height, width)))
        self._log_clipped(n_clipped, len(data_list))
        return data_list
