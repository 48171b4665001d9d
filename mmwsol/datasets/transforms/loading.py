"""Image and annotation loading with errors that name the file."""
from typing import List, Optional, Tuple

import cv2
import mmcv
import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms import LoadImageFromFile as MMCVLoadImageFromFile
from mmengine.logging import print_log
from pycocotools import mask as mask_utils

from mmwsol.registry import TRANSFORMS
from ..utils import BOX_TOLERANCE, WSOLDataError, as_box_array, \
    check_and_clip_boxes


#: values of ``LoadWSOLAnnotations(mask_size_mismatch=...)``
MASK_SIZE_MISMATCH = ('scaled', 'error', 'resize')


def _where(path: str, ann_ref: Optional[str]) -> str:
    return f'{path} (annotation {ann_ref})' if ann_ref else str(path)


def is_scaled_copy(mask_shape: Tuple[int, int],
                   image_shape: Tuple[int, int]) -> bool:
    """Whether a ``(h, w)`` mask covers an ``(H, W)`` image: the same size,
    or a scaled copy (``h / w = H / W`` up to a pixel of rounding), as
    OpenImages ships masks at their own resolution."""
    (mh, mw), (h, w) = mask_shape, image_shape
    if (mh, mw) == (h, w):
        return True
    return abs(mh * w / mw - h) <= max(1.0, h / mh)


def mask_size_problem(mask_shape: Tuple[int, int],
                      image_shape: Tuple[int, int],
                      mode: str = 'scaled',
                      image: Optional[str] = None) -> Optional[str]:
    """Why a ``(h, w)`` mask cannot be used for an ``(H, W)`` image under
    ``mask_size_mismatch=mode`` (see :class:`LoadWSOLAnnotations`), or
    ``None`` (then a different size is resized to the image)."""
    mask_shape, image_shape = tuple(mask_shape), tuple(image_shape)
    if mask_shape == image_shape or mode == 'resize':
        return None
    of = f'its image {image}' if image else 'its image'
    if mode == 'error':
        return (f'the mask is {mask_shape} (h, w) but {of} is '
                f"{image_shape} (mask_size_mismatch='error'; 'scaled' "
                "resizes masks of the image's aspect ratio)")
    if is_scaled_copy(mask_shape, image_shape):
        return None
    return (f'the mask is {mask_shape} (h, w) but {of} is {image_shape}: '
            'another aspect ratio, so not a mask of this image '
            "(mask_size_mismatch='resize' resizes it anyway)")


class _RareLog:
    """Counts an event in this process and logs its 1st, 10th, 100th, ...
    occurrence (never silent, never one line per sample)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, message: str) -> None:
        self.count += 1
        n = self.count
        while n % 10 == 0:
            n //= 10
        if n == 1:
            print_log(
                f'{message} ({self.count} so far in this process; logged '
                'at the 1st, 10th, 100th, ... time)',
                logger='current',
                level=30)


@TRANSFORMS.register_module()
class LoadImageFromFile(MMCVLoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` whose errors name the file.

    Registered in mmwsol's ``TRANSFORMS`` under mmcv's name, so with
    ``default_scope='mmwsol'`` (and in every mmwsol dataset) a config's
    ``dict(type='LoadImageFromFile')`` gets this class.

    A missing file or an image that cannot be decoded raises
    :class:`WSOLDataError` with the image path and the record's ``ann_ref``
    (``ignore_empty=True`` returns ``None`` instead, as mmcv does). When the
    record states ``ori_shape`` (from the annotation: image_sizes.txt, the
    XML ``<size>``, the JSON ``width``/``height``) and ``check_shape`` is
    true, a different real size raises too: the boxes were drawn on another
    image.

    The default ``color_type`` is ``'color_ignore_orientation'`` (mmcv's is
    ``'color'``): the EXIF orientation flag is ignored, as PIL's
    ``Image.open`` in the ORNet and wsolevaluation loaders does, so the
    pixels stay in the frame the boxes and masks were drawn in.

    Required keys: ``img_path`` (``ann_ref``, ``ori_shape`` optional).
    Modified keys: ``img``, ``img_shape``, ``ori_shape`` (mmcv's).

    Args:
        to_float32 (bool): As mmcv. Defaults to False.
        color_type (str): ``mmcv.imfrombytes`` flag. Defaults to
            ``'color_ignore_orientation'``.
        check_shape (bool): Compare the stated ``ori_shape`` with the real
            one. Defaults to True.
        **kwargs: the other mmcv ``LoadImageFromFile`` arguments
            (``imdecode_backend``, ``ignore_empty``, ``backend_args``).
    """

    def __init__(self,
                 to_float32: bool = False,
                 color_type: str = 'color_ignore_orientation',
                 check_shape: bool = True,
                 **kwargs):
        super().__init__(
            to_float32=to_float32, color_type=color_type, **kwargs)
        self.check_shape = check_shape

    def transform(self, results: dict) -> Optional[dict]:
        path = results['img_path']
        where = _where(path, results.get('ann_ref'))
        stated = results.get('ori_shape')
        try:
            out = super().transform(results)
        except FileNotFoundError:
            if self.ignore_empty:
                return None
            raise WSOLDataError('image file not found', where=where) from None
        except Exception as exc:  # corrupt/empty file, decoder errors
            if self.ignore_empty:
                return None
            raise WSOLDataError(
                f'cannot read the image (corrupt or not an image: '
                f'{type(exc).__name__}: {exc})',
                where=where) from exc
        if out is None:
            return None
        real = tuple(out['img'].shape[:2])
        if self.check_shape and stated is not None and tuple(
                stated) != real:
            raise WSOLDataError(
                f'the annotation states size {tuple(stated)} (h, w) but the '
                f'image is {real}',
                where=where)
        return out

    def __repr__(self):
        return super().__repr__()[:-1] + f', check_shape={self.check_shape})'


@TRANSFORMS.register_module()
class LoadWSOLAnnotations(BaseTransform):
    """Check the boxes against the loaded image and build ``gt_seg_map``.

    Put it right after :class:`LoadImageFromFile`, before any geometric
    transform.

    Boxes: ``gt_bboxes`` (``float32 (k, 4)``, original frame) are checked
    against the real image size ``W x H``: ``x1 > x0``, ``y1 > y0``, and a
    coordinate more than ``box_tolerance`` px outside ``[0, W] x [0, H]``
    raises :class:`WSOLDataError` naming ``ann_ref``; smaller overshoots are
    clipped, and counted in a warning (at the 1st, 10th, 100th, ... record
    of this process that has one). ``ori_gt_bboxes`` is a copy that later
    transforms leave alone.

    Mask (only when the record has ``mask_paths`` or ``gt_masks_rle``):
    ``gt_seg_map`` ``uint8 (H, W)``: 1 where any instance mask is
    foreground, 255 where the ignore mask (``ignore_path``) is set and no
    instance is (wsolevaluation's ``get_mask``), else 0. A PNG pixel is
    foreground when its grey value is ``> mask_threshold``: 127 suits CUB's
    soft segmentations and equals wsolevaluation's ``> 0.5`` rule on
    OpenImages' 0/255 masks. A mask whose size differs from the image
    follows ``mask_size_mismatch``: ``'scaled'`` (default) resizes a scaled
    copy of the image's size (the same aspect ratio; OpenImages ships masks
    at their own resolution) to it (nearest) and raises for any other size;
    ``'error'`` raises for any other size; ``'resize'`` resizes whatever the
    size. The error names the mask file, ``ann_ref``, the image and both
    sizes; resized masks are counted in a warning (1st, 10th, 100th, ...).
    A missing or unreadable mask file raises :class:`WSOLDataError` naming
    the file and ``ann_ref``.

    Required keys: ``img`` (``gt_bboxes``, ``mask_paths``, ``ignore_path``,
    ``gt_masks_rle``, ``ann_ref``, ``img_path`` optional).
    Added keys: ``ori_gt_bboxes``, ``gt_seg_map`` (with masks).
    Modified keys: ``gt_bboxes`` (``float32``, clipped).

    Args:
        with_bbox (bool): Check and copy boxes. Defaults to True.
        with_mask (bool): Build ``gt_seg_map``. Defaults to True.
        mask_threshold (int): Grey level above which a mask pixel is set.
            Defaults to 127.
        box_tolerance (float): Pixels of tolerated overshoot. Defaults to 1.
        mask_size_mismatch (str): ``'scaled'``, ``'error'`` or
            ``'resize'``, see above. Defaults to ``'scaled'``.
        backend_args (dict, optional): mmengine file backend arguments.
    """

    def __init__(self,
                 with_bbox: bool = True,
                 with_mask: bool = True,
                 mask_threshold: int = 127,
                 box_tolerance: float = BOX_TOLERANCE,
                 mask_size_mismatch: str = 'scaled',
                 backend_args: Optional[dict] = None):
        if mask_size_mismatch not in MASK_SIZE_MISMATCH:
            raise ValueError(f'mask_size_mismatch must be one of '
                             f'{MASK_SIZE_MISMATCH}, got '
                             f'{mask_size_mismatch!r}')
        self.with_bbox = with_bbox
        self.with_mask = with_mask
        self.mask_threshold = mask_threshold
        self.box_tolerance = box_tolerance
        self.mask_size_mismatch = mask_size_mismatch
        self.backend_args = backend_args
        self._log_clipped = _RareLog()
        self._log_resized = _RareLog()

    def _fit_mask(self, mask: np.ndarray, where: str, image: Optional[str],
                  height: int, width: int) -> np.ndarray:
        """``mask`` at the image size (``mask_size_mismatch``'s rule)."""
        if mask.shape[:2] == (height, width):
            return mask
        problem = mask_size_problem(mask.shape[:2], (height, width),
                                    self.mask_size_mismatch, image)
        if problem:
            raise WSOLDataError(problem, where=where)
        self._log_resized(
            f'LoadWSOLAnnotations: resized a {tuple(mask.shape[:2])} mask '
            f'to its {(height, width)} (h, w) image (nearest; '
            f'mask_size_mismatch={self.mask_size_mismatch!r}): {where}')
        return cv2.resize(
            mask, (width, height), interpolation=cv2.INTER_NEAREST)

    def _read_mask(self, path: str, ann_ref: Optional[str], height: int,
                   width: int, image: Optional[str] = None) -> np.ndarray:
        """Boolean ``(height, width)`` mask of one PNG."""
        where = _where(path, ann_ref)
        try:
            data = fileio.get(path, backend_args=self.backend_args)
        except FileNotFoundError:
            raise WSOLDataError('mask file not found', where=where) from None
        try:
            mask = mmcv.imfrombytes(
                data, flag='grayscale_ignore_orientation')
        except Exception as exc:
            raise WSOLDataError(
                f'cannot read the mask ({type(exc).__name__}: {exc})',
                where=where) from exc
        if mask is None:
            raise WSOLDataError(
                'cannot read the mask (corrupt or not an image)', where=where)
        mask = self._fit_mask(mask, where, image, height, width)
        return mask > self.mask_threshold

    def _decode_rles(self, rles: List[dict], height: int, width: int,
                     where: str, image: Optional[str] = None) -> np.ndarray:
        union = np.zeros((height, width), dtype=bool)
        for rle in rles:
            counts = rle['counts']
            mask = mask_utils.decode(
                dict(
                    size=list(rle['size']),
                    counts=counts.encode()
                    if isinstance(counts, str) else counts))
            union |= self._fit_mask(mask, f'{where} (RLE)', image, height,
                                    width).astype(bool)
        return union

    def transform(self, results: dict) -> dict:
        height, width = results['img'].shape[:2]
        ann_ref = results.get('ann_ref')
        image = results.get('img_path')
        if self.with_bbox:
            where = ann_ref or image or '?'
            boxes, n_clipped = check_and_clip_boxes(
                as_box_array(results.get('gt_bboxes', [])),
                where=where,
                width=width,
                height=height,
                tolerance=self.box_tolerance)
            if n_clipped:
                self._log_clipped(
                    f'LoadWSOLAnnotations: clipped {n_clipped} box(es) of '
                    f'{where} to the {width}x{height} (WxH) image (they '
                    f'overshot its border by at most {self.box_tolerance:g} '
                    'px)')
            results['gt_bboxes'] = boxes
            results['ori_gt_bboxes'] = boxes.copy()
        mask_paths = results.get('mask_paths') or []
        rles = results.get('gt_masks_rle') or []
        if self.with_mask and (mask_paths or rles):
            foreground = np.zeros((height, width), dtype=bool)
            for path in mask_paths:
                foreground |= self._read_mask(path, ann_ref, height, width,
                                              image)
            if rles:
                foreground |= self._decode_rles(
                    rles, height, width, ann_ref or image or '?', image)
            seg_map = foreground.astype(np.uint8)
            ignore_path = results.get('ignore_path')
            if ignore_path:
                ignore = self._read_mask(ignore_path, ann_ref, height, width,
                                         image)
                seg_map[ignore & ~foreground] = 255
            results['gt_seg_map'] = seg_map
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(with_bbox={self.with_bbox}, '
                f'with_mask={self.with_mask}, '
                f'mask_threshold={self.mask_threshold}, '
                f'box_tolerance={self.box_tolerance}, '
                f'mask_size_mismatch={self.mask_size_mismatch!r})')
