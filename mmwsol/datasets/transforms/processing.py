"""Crops that move ``gt_bboxes`` and ``gt_seg_map`` with the image.

mmpretrain's ``RandomCrop`` and ``RandomResizedCrop`` only touch ``img``.
The classes here subclass them (same arguments, same random draws through
their ``rand_crop_params``) and also

- shift ``gt_bboxes`` into the crop and clip them to it (continuous
  coordinates, ``x0' = clip(x0 - crop_x0, 0, crop_w)``; a box entirely
  outside the crop becomes a zero-area box on the crop border and is kept,
  so row ``i`` still matches ``ori_gt_bboxes`` row ``i``);
- crop ``gt_seg_map`` the same way (nearest resizing, padding with 255 =
  ignore);
- record ``crop_bbox`` = ``x0, y0, x1, y1`` (``float32``) of the crop in
  the frame of the image the crop was taken from (before padding).

They are registered in mmwsol's ``TRANSFORMS`` under mmpretrain's names (as
mmdet does), so with ``default_scope='mmwsol'`` -- and in every mmwsol
dataset, which builds its pipeline with mmwsol's registry -- a config's
``dict(type='RandomCrop', ...)`` gets the box-aware version. mmcv's
``Resize`` and ``RandomFlip`` already move boxes and seg maps and are used
as they are; mmcv's ``CenterCrop`` does too, and the subclass here only adds
``crop_bbox``.
"""
import math
from typing import Tuple

import mmcv
import numpy as np
from mmcv.transforms import CenterCrop as MMCVCenterCrop
from mmpretrain.datasets.transforms import \
    RandomCrop as MMPretrainRandomCrop
from mmpretrain.datasets.transforms import \
    RandomResizedCrop as MMPretrainRandomResizedCrop

from mmwsol.registry import TRANSFORMS

SEG_PAD_VAL = 255


def _padding_ltrb(padding) -> Tuple[int, int, int, int]:
    """mmcv.impad's ``padding`` argument as ``(left, top, right, bottom)``."""
    if isinstance(padding, (int, float)):
        p = int(padding)
        return p, p, p, p
    padding = tuple(int(p) for p in padding)
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    if len(padding) == 4:
        return padding
    raise ValueError(f'padding must be an int or have 2 or 4 values, got '
                     f'{padding}')


def _crop_boxes(results: dict, x0: float, y0: float, crop_w: float,
                crop_h: float, scale_w: float = 1.0,
                scale_h: float = 1.0) -> None:
    """Shift ``gt_bboxes`` by ``-(x0, y0)``, clip to the crop, scale."""
    boxes = results.get('gt_bboxes')
    if boxes is None:
        return
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4) - np.array(
        [x0, y0, x0, y0], dtype=np.float32)
    boxes[:, 0::2] = np.clip(boxes[:, 0::2], 0, crop_w) * scale_w
    boxes[:, 1::2] = np.clip(boxes[:, 1::2], 0, crop_h) * scale_h
    results['gt_bboxes'] = boxes.astype(np.float32)


@TRANSFORMS.register_module()
class RandomCrop(MMPretrainRandomCrop):
    """mmpretrain's ``RandomCrop`` that also crops boxes and the seg map.

    Same arguments as ``mmpretrain.datasets.transforms.RandomCrop``
    (``crop_size`` is ``(h, w)`` or an int). Registered under the same name
    in mmwsol's ``TRANSFORMS``: with ``default_scope='mmwsol'`` it replaces
    mmpretrain's box-blind one. Padding (``padding``, ``pad_if_needed``)
    shifts the boxes too; the seg map is padded with 255 (ignore).

    Required keys: ``img`` (``gt_bboxes``, ``gt_seg_map`` optional).
    Modified keys: ``img``, ``img_shape``, ``gt_bboxes``, ``gt_seg_map``.
    Added keys: ``crop_bbox`` (``float32 (4,)`` ``x0, y0, x1, y1`` in the
    unpadded input frame; negative with padding).
    """

    def transform(self, results: dict) -> dict:
        img = results['img']
        seg = results.get('gt_seg_map')
        pad_left = pad_top = 0
        if self.padding is not None:
            pad = _padding_ltrb(self.padding)
            img = mmcv.impad(img, padding=pad, pad_val=self.pad_val)
            if seg is not None:
                seg = mmcv.impad(seg, padding=pad, pad_val=SEG_PAD_VAL)
            pad_left, pad_top = pad[0], pad[1]
        if self.pad_if_needed:
            h_pad = math.ceil(max(0, self.crop_size[0] - img.shape[0]) / 2)
            w_pad = math.ceil(max(0, self.crop_size[1] - img.shape[1]) / 2)
            pad = (w_pad, h_pad, w_pad, h_pad)
            img = mmcv.impad(
                img,
                padding=pad,
                pad_val=self.pad_val,
                padding_mode=self.padding_mode)
            if seg is not None:
                seg = mmcv.impad(seg, padding=pad, pad_val=SEG_PAD_VAL)
            pad_left += w_pad
            pad_top += h_pad

        offset_h, offset_w, target_h, target_w = self.rand_crop_params(img)
        # mmcv.imcrop takes inclusive corners
        corners = np.array([
            offset_w, offset_h, offset_w + target_w - 1,
            offset_h + target_h - 1
        ])
        img = mmcv.imcrop(img, corners)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        if seg is not None:
            results['gt_seg_map'] = mmcv.imcrop(seg, corners)
        x0, y0 = offset_w - pad_left, offset_h - pad_top
        _crop_boxes(results, x0, y0, target_w, target_h)
        results['crop_bbox'] = np.array(
            [x0, y0, x0 + target_w, y0 + target_h], dtype=np.float32)
        return results


@TRANSFORMS.register_module()
class RandomResizedCrop(MMPretrainRandomResizedCrop):
    """mmpretrain's ``RandomResizedCrop`` that also moves boxes and the seg
    map.

    Same arguments as ``mmpretrain.datasets.transforms.RandomResizedCrop``
    (``scale`` is ``(h, w)`` or an int). Registered under the same name in
    mmwsol's ``TRANSFORMS``: with ``default_scope='mmwsol'`` it replaces
    mmpretrain's box-blind one. Boxes are shifted into the crop, clipped to
    it and scaled by ``(out_w / crop_w, out_h / crop_h)``; the seg map is
    cropped and resized with nearest interpolation.

    Required keys: ``img`` (``gt_bboxes``, ``gt_seg_map`` optional).
    Modified keys: ``img``, ``img_shape``, ``gt_bboxes``, ``gt_seg_map``.
    Added keys: ``crop_bbox`` (``float32 (4,)``, the crop in the input
    frame, before the resize).
    """

    def transform(self, results: dict) -> dict:
        img = results['img']
        offset_h, offset_w, target_h, target_w = self.rand_crop_params(img)
        corners = np.array([
            offset_w, offset_h, offset_w + target_w - 1,
            offset_h + target_h - 1
        ])
        out_h, out_w = self.scale
        img = mmcv.imresize(
            mmcv.imcrop(img, corners), (out_w, out_h),
            interpolation=self.interpolation,
            backend=self.backend)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        seg = results.get('gt_seg_map')
        if seg is not None:
            results['gt_seg_map'] = mmcv.imresize(
                mmcv.imcrop(seg, corners), (out_w, out_h),
                interpolation='nearest',
                backend=self.backend)
        _crop_boxes(results, offset_w, offset_h, target_w, target_h,
                    out_w / target_w, out_h / target_h)
        results['crop_bbox'] = np.array([
            offset_w, offset_h, offset_w + target_w, offset_h + target_h
        ],
                                        dtype=np.float32)
        return results


@TRANSFORMS.register_module()
class CenterCrop(MMCVCenterCrop):
    """mmcv's ``CenterCrop`` (which already moves and clips ``gt_bboxes``
    and crops ``gt_seg_map``) that also records ``crop_bbox``.

    Same arguments as ``mmcv.transforms.CenterCrop`` (``crop_size`` is
    ``(w, h)`` or an int). Registered under the same name in mmwsol's
    ``TRANSFORMS``.

    Added keys: ``crop_bbox`` (``float32 (4,)`` ``x0, y0, x1, y1`` of the
    crop in the input frame, continuous coordinates).
    """

    def _crop_img(self, results: dict, bboxes: np.ndarray) -> None:
        super()._crop_img(results, bboxes)
        # mmcv passes inclusive pixel corners; convention is exclusive x1, y1
        x0, y0, x1, y1 = (float(v) for v in bboxes)
        results['crop_bbox'] = np.array([x0, y0, x1 + 1, y1 + 1],
                                        dtype=np.float32)
