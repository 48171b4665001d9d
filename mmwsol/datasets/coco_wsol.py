"""A COCO-format JSON as a WSOL dataset (how users bring their own data)."""
import json
from collections import defaultdict
from typing import Optional, Sequence, Union

import mmengine.fileio as fileio
from pycocotools import mask as mask_utils

from mmwsol.registry import DATASETS
from .base_wsol_dataset import BaseWSOLDataset
from .utils import BOX_TOLERANCE, WSOLDataError, check_box, join_path

LABEL_POLICIES = ('error', 'largest')


@DATASETS.register_module()
class CocoWSOLDataset(BaseWSOLDataset):
    """WSOL dataset from a COCO-style instance JSON.

    Read fields (anything else is ignored)::

        images:      id, file_name, width, height, [category_id]
        annotations: id, image_id, category_id, bbox [x, y, w, h],
                     [segmentation: polygons | RLE], [area]
        categories:  id, name

    One image-level label per image:

    1. the image entry's own ``category_id`` if it has one, else
    2. the category of its annotations; annotations of several categories
       raise :class:`WSOLDataError` naming the image id, unless
       ``multi_label_policy='largest'``: then the category of the largest
       instance (``area``, else box ``w * h``) is the label.

    Boxes and masks: the annotations of the image's class (others are
    dropped and their number logged). Boxes ``x, y, w, h`` become ``x, y,
    x + w, y + h``, checked against ``width``/``height`` (``box_tolerance``).
    Masks (polygons, uncompressed or compressed RLE) are kept as compressed
    RLEs (``counts`` as ``str``) in ``gt_masks_rle``; their union is the
    foreground built by :class:`LoadWSOLAnnotations`. With ``with_mask=None``
    masks are kept when every kept annotation of the image has a
    segmentation; if only some have one, the foreground would be incomplete,
    so that raises. An empty segmentation (``[]`` or ``{}``, as box-only
    exports write) raises with ``with_mask=True`` (and, as above, next to a
    real one); otherwise its image gets no mask and the number of empty
    segmentations is logged. An image without label (no ``category_id`` and
    no annotation) raises.

    Classes: the categories sorted by id, named by ``name`` (names must be
    unique: two ids of one name raise); ``gt_label`` is the category's
    rank. With ``classes`` given, a category's ``name`` is
    looked up in it instead (a name not in ``classes`` raises).

    Errors name the file and the image id (``"<ann_file>: image id 7: ..."``)
    and ``ann_ref`` is ``"<ann_file>:image_id=<id>"``.

    Args:
        ann_file (str): The JSON file (relative to ``data_root`` if
            relative).
        data_root (str): Root for ``ann_file`` and ``data_prefix``.
        data_prefix (str | dict): Image folder, ``dict(img='images/')``
            (mmdet's key) or ``dict(img_path=...)`` (mmpretrain's) or a str.
        multi_label_policy (str): ``'error'`` (default) or ``'largest'``.
        with_mask (bool, optional): ``None`` (auto, see above), ``True``
            (every kept annotation must have a segmentation) or ``False``.
        classes (str | Sequence[str], optional): Class names, see above.
        box_tolerance (float): See :func:`check_and_clip_boxes`.
        backend_args (dict, optional): mmengine file backend arguments for
            reading ``ann_file``.
        **kwargs: mmpretrain ``BaseDataset`` arguments.
    """

    def __init__(self,
                 ann_file: str,
                 data_root: str = '',
                 data_prefix: Union[str, dict] = '',
                 multi_label_policy: str = 'error',
                 with_mask: Optional[bool] = None,
                 classes: Union[str, Sequence[str], None] = None,
                 box_tolerance: float = BOX_TOLERANCE,
                 backend_args: Optional[dict] = None,
                 **kwargs):
        if multi_label_policy not in LABEL_POLICIES:
            raise ValueError(f'multi_label_policy must be one of '
                             f'{LABEL_POLICIES}, got {multi_label_policy!r}')
        self._check_roots(data_root=data_root)
        self.multi_label_policy = multi_label_policy
        self.with_mask = with_mask
        self.backend_args = backend_args
        if isinstance(data_prefix, dict):
            data_prefix = dict(data_prefix)
            if 'img' in data_prefix:
                data_prefix.setdefault('img_path', data_prefix.pop('img'))
        self._given_classes = classes
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=data_prefix,
            classes=classes,
            box_tolerance=box_tolerance,
            **kwargs)

    # -- JSON access with clear errors -----------------------------------
    def _fail(self, message, img_id=None):
        where = self.ann_file if img_id is None else \
            f'{self.ann_file}: image id {img_id}'
        raise WSOLDataError(message, where=where)

    def _field(self, entry, key, kind, types, img_id=None):
        if not isinstance(entry, dict) or key not in entry:
            ident = entry.get('id', '?') if isinstance(entry, dict) else '?'
            self._fail(f'{kind} {ident} has no {key!r} field', img_id)
        value = entry[key]
        if not isinstance(value, types) or isinstance(value, bool):
            self._fail(
                f'{kind} {entry.get("id", "?")}: field {key!r} has the wrong '
                f'type ({type(value).__name__}: {value!r})', img_id)
        return value

    def _load_json(self):
        try:
            text = fileio.get_text(self.ann_file,
                                   backend_args=self.backend_args)
        except FileNotFoundError:
            raise WSOLDataError(
                'annotation file not found', file=self.ann_file) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise WSOLDataError(
                f'malformed JSON: {exc.msg}',
                file=self.ann_file,
                line=exc.lineno) from None
        if not isinstance(data, dict):
            self._fail('the JSON top level must be an object')
        for key in ('images', 'categories'):
            if not isinstance(data.get(key), list):
                self._fail(f'no {key!r} list')
        if not isinstance(data.get('annotations', []), list):
            self._fail("'annotations' must be a list")
        return data

    def _categories(self, data):
        cats = {}
        by_name = {}  # name -> first category id
        for cat in data['categories']:
            cid = self._field(cat, 'id', 'category', int)
            name = self._field(cat, 'name', 'category', str)
            if cid in cats:
                self._fail(f'category id {cid} listed twice')
            if name in by_name:
                # the names are the class names: two ids of one name would
                # be two classes nobody can tell apart (or one, with
                # ``classes``), silently merging or splitting labels
                self._fail(f'categories {by_name[name]} and {cid} have the '
                           f'same name {name!r}; category names must be '
                           'unique')
            by_name[name] = cid
            cats[cid] = name
        if not cats:
            self._fail('no categories')
        if self._given_classes is None:
            ordered = sorted(cats)
            self._metainfo['classes'] = tuple(cats[c] for c in ordered)
            lookup = {c: i for i, c in enumerate(ordered)}
        else:
            classes = list(self._metainfo['classes'])
            lookup = {}
            for cid, name in cats.items():
                if name not in classes:
                    self._fail(f'category {cid} ({name!r}) is not in the '
                               f'given classes ({len(classes)} names)')
                lookup[cid] = classes.index(name)
        self._label_to_category = {i: c for c, i in lookup.items()}
        return lookup

    def describe_label(self, label: int) -> str:
        """``"category id <id> of <ann_file> (gt_label <label>)"`` once the
        JSON is read, else the base description."""
        cid = getattr(self, '_label_to_category', {}).get(label)
        if cid is None:
            return super().describe_label(label)
        return f'category id {cid} of {self.ann_file} (gt_label {label})'

    def _to_rle(self, seg, height, width, ann_id, img_id):
        try:
            if isinstance(seg, list):  # polygons
                if not seg or not all(
                        isinstance(p, list) and len(p) >= 6 and len(p) % 2 == 0
                        for p in seg):
                    raise ValueError('polygons need >= 3 (x, y) points each')
                rle = mask_utils.merge(
                    mask_utils.frPyObjects(seg, height, width))
            elif isinstance(seg, dict) and 'counts' in seg and 'size' in seg:
                if list(seg['size']) != [height, width]:
                    raise ValueError(
                        f'RLE size {list(seg["size"])} is not the image '
                        f'size [{height}, {width}] (h, w)')
                if isinstance(seg['counts'], list):  # uncompressed
                    rle = mask_utils.frPyObjects(seg, height, width)
                else:
                    rle = dict(size=list(seg['size']), counts=seg['counts'])
                    mask_utils.area(dict(
                        size=rle['size'],
                        counts=rle['counts'].encode()
                        if isinstance(rle['counts'], str) else rle['counts']))
            else:
                raise ValueError('expected a polygon list or an RLE dict')
        except (ValueError, TypeError, IndexError) as exc:
            self._fail(f'annotation {ann_id}: bad segmentation ({exc})',
                       img_id)
        counts = rle['counts']
        if isinstance(counts, bytes):
            counts = counts.decode('ascii')
        return dict(size=[int(height), int(width)], counts=counts)

    def load_data_list(self):
        data = self._load_json()
        cat_to_label = self._categories(data)

        images = {}
        for img in data['images']:
            img_id = self._field(img, 'id', 'image', (int, str))
            if img_id in images:
                self._fail('image listed twice', img_id)
            self._field(img, 'file_name', 'image', str, img_id)
            for key in ('width', 'height'):
                if self._field(img, key, 'image', int, img_id) <= 0:
                    self._fail(f'{key} must be positive', img_id)
            if 'category_id' in img:
                cid = self._field(img, 'category_id', 'image', int, img_id)
                if cid not in cat_to_label:
                    self._fail(f'category_id {cid} is not a category',
                               img_id)
            images[img_id] = img

        anns = defaultdict(list)
        for ann in data.get('annotations', []):
            ann_id = ann.get('id', '?') if isinstance(ann, dict) else '?'
            img_id = self._field(ann, 'image_id', 'annotation', (int, str))
            if img_id not in images:
                self._fail(f'annotation {ann_id} refers to an unknown image',
                           img_id)
            cid = self._field(ann, 'category_id', 'annotation', int, img_id)
            if cid not in cat_to_label:
                self._fail(
                    f'annotation {ann_id}: category_id {cid} is not a '
                    'category', img_id)
            bbox = self._field(ann, 'bbox', 'annotation', list, img_id)
            if len(bbox) != 4 or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool)
                    for v in bbox):
                self._fail(
                    f'annotation {ann_id}: bbox must be 4 numbers [x, y, w, '
                    f'h], got {bbox!r}', img_id)
            anns[img_id].append(ann)

        data_list = []
        dropped = n_clipped = n_empty = 0
        for img_id, img in images.items():
            where = f'{self.ann_file}: image id {img_id}'
            img_anns = anns.get(img_id, [])
            if 'category_id' in img:
                cid = img['category_id']
            else:
                cids = sorted({a['category_id'] for a in img_anns})
                if not cids:
                    self._fail(
                        'no image-level category_id and no annotation, so '
                        'no label', img_id)
                if len(cids) > 1 and self.multi_label_policy == 'error':
                    self._fail(
                        f'annotations of several categories {cids}; give the '
                        'image a category_id or set multi_label_policy='
                        "'largest'", img_id)

                def size(a):
                    x, y, w, h = a['bbox']
                    return a.get('area', w * h)

                cid = max(img_anns, key=size)['category_id']
            kept = [a for a in img_anns if a['category_id'] == cid]
            dropped += len(img_anns) - len(kept)
            width, height = img['width'], img['height']
            boxes = []
            for a in kept:
                x, y, w, h = (float(v) for v in a['bbox'])
                if w <= 0 or h <= 0:
                    self._fail(
                        f'annotation {a.get("id", "?")}: bbox width and '
                        f'height must be positive, got {a["bbox"]!r}', img_id)
                box, clipped = check_box(
                    (x, y, x + w, y + h),
                    f'{where}: annotation {a.get("id", "?")}', width, height,
                    self.box_tolerance)
                boxes.append(box)
                n_clipped += clipped
            extra = {}
            # ``"segmentation": []`` / ``{}``: written, but no mask
            empty = [
                a for a in kept
                if 'segmentation' in a and not a['segmentation']
            ]
            if empty and self.with_mask:
                self._fail(
                    f'annotation {empty[0].get("id", "?")} has an empty '
                    f'segmentation ({empty[0]["segmentation"]!r}) but '
                    'with_mask=True; give it a polygon or RLE, or set '
                    'with_mask=False to ignore masks', img_id)
            n_empty += len(empty)
            has_seg = [bool(a.get('segmentation')) for a in kept]
            if self.with_mask is not False and any(has_seg):
                if not all(has_seg):
                    missing = kept[has_seg.index(False)]
                    what = ('an empty segmentation' if 'segmentation'
                            in missing else 'no segmentation')
                    self._fail(
                        f'annotation {missing.get("id", "?")} has {what} '
                        'while others of the image have one (the foreground '
                        'would be incomplete); set with_mask=False to ignore '
                        'masks', img_id)
                extra['gt_masks_rle'] = [
                    self._to_rle(a['segmentation'], height, width,
                                 a.get('id', '?'), img_id) for a in kept
                ]
            elif self.with_mask and kept:
                self._fail(
                    f'with_mask=True but annotation '
                    f'{kept[0].get("id", "?")} has no segmentation', img_id)
            data_list.append(
                self._make_record(
                    img_path=join_path(self.img_prefix, img['file_name']),
                    gt_label=cat_to_label[cid],
                    img_id=str(img_id),
                    ann_ref=f'{self.ann_file}:image_id={img_id}',
                    gt_bboxes=boxes,
                    ori_shape=(height, width),
                    **extra))
        if dropped:
            self._log(
                f'dropped {dropped} annotations whose category is not their '
                "image's label",
                warning=True)
        if n_empty:
            self._log(
                f'{n_empty} annotations have an empty segmentation ([] or '
                f'{{}}) in {self.ann_file}; their images get no mask '
                f'(with_mask={self.with_mask}; with_mask=True makes it an '
                'error)',
                warning=True)
        self._log_clipped(n_clipped, len(data_list))
        return data_list
