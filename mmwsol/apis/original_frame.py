"""Map network-input predictions back to the original image frame.

A test pipeline of the form ``Resize`` (any ``scale_factor``) -> optional
crop (``CenterCrop``, ``crop_bbox`` in the resized frame, negative where
the crop padded) -> optional flip turns an original pixel position ``x``
(continuous coordinates, docs/conventions.md) into the network-input
position

    ``u = x * scale_w - crop_x0``  (then ``u -> img_w - u`` when flipped),

and likewise for ``y``. :class:`OriginalFrame` holds these numbers (read
from a packed data sample's metainfo: ``ori_shape``, ``img_shape``,
``scale_factor``, ``crop_bbox``, ``flip``, ``flip_direction``) and inverts
them for boxes and score maps.
"""
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ['OriginalFrame']


class OriginalFrame:
    """The geometry between an original image and the network input.

    Args:
        ori_shape (tuple[int, int]): ``(H0, W0)`` of the original image.
        img_shape (tuple[int, int]): ``(h, w)`` of the network input
            (after resize and crop, before batch padding).
        scale_factor (tuple[float, float]): ``(scale_w, scale_h)`` of the
            resize; ``(1, 1)`` without one.
        crop_bbox (Sequence[float], optional): ``x0, y0, x1, y1`` of the
            crop in the resized frame; None without a crop.
        flip_direction (str, optional): ``'horizontal'``, ``'vertical'``,
            ``'diagonal'`` or None.
        where (str): names the image in error messages.

    Raises:
        ValueError: the numbers do not describe resize -> crop -> flip
            (e.g. a pipeline that resizes after cropping, or resizes
            twice), so the inversion would be wrong.
    """

    def __init__(self,
                 ori_shape: Tuple[int, int],
                 img_shape: Tuple[int, int],
                 scale_factor: Tuple[float, float] = (1.0, 1.0),
                 crop_bbox: Optional[Sequence[float]] = None,
                 flip_direction: Optional[str] = None,
                 where: str = 'the image') -> None:
        self.ori_shape = (int(ori_shape[0]), int(ori_shape[1]))
        self.img_shape = (int(img_shape[0]), int(img_shape[1]))
        if np.isscalar(scale_factor):
            scale_factor = (float(scale_factor), float(scale_factor))
        self.scale_w, self.scale_h = (float(s) for s in scale_factor[:2])
        if crop_bbox is None:
            self.crop_x0 = self.crop_y0 = 0.0
        else:
            crop = np.asarray(crop_bbox, dtype=np.float64).reshape(-1)
            self.crop_x0, self.crop_y0 = float(crop[0]), float(crop[1])
        if flip_direction not in (None, 'horizontal', 'vertical',
                                  'diagonal'):
            raise ValueError(f'{where}: unknown flip_direction '
                             f'{flip_direction!r}.')
        self.flip_direction = flip_direction
        self._check(crop_bbox, where)

    @classmethod
    def from_metainfo(cls, meta: dict,
                      where: str = 'the image') -> 'OriginalFrame':
        """From a data sample's metainfo (``PackWSOLInputs``)."""
        flip = meta.get('flip', False)
        return cls(
            ori_shape=meta['ori_shape'],
            img_shape=meta['img_shape'],
            scale_factor=meta.get('scale_factor', (1.0, 1.0)),
            crop_bbox=meta.get('crop_bbox'),
            flip_direction=meta.get('flip_direction') if flip else None,
            where=where)

    def _check(self, crop_bbox, where: str) -> None:
        h0, w0 = self.ori_shape
        h, w = self.img_shape
        resized = (h0 * self.scale_h, w0 * self.scale_w)
        if crop_bbox is None:
            expected = resized
        else:
            crop = np.asarray(crop_bbox, dtype=np.float64).reshape(-1)
            expected = (crop[3] - crop[1], crop[2] - crop[0])
        if abs(expected[0] - h) > 1 or abs(expected[1] - w) > 1:
            raise ValueError(
                f'{where}: the test pipeline is not a resize followed by an '
                f'optional crop: original {self.ori_shape} (h, w) with '
                f'scale_factor ({self.scale_w}, {self.scale_h}) and '
                f'crop_bbox {crop_bbox} should give {expected} but the '
                f'network input is {self.img_shape}; predictions cannot be '
                'mapped back to the original image.')

    # ------------------------------------------------------------------
    def input_to_original_boxes(self, boxes) -> np.ndarray:
        """Boxes ``x0, y0, x1, y1`` (``(n, 4)``) in the network-input frame
        -> the original frame, clipped to the original image.

        ``x = (u + crop_x0) / scale_w`` after undoing the flip
        (``u -> img_w - u``).

        Returns:
            np.ndarray: ``float32 (n, 4)``.
        """
        if isinstance(boxes, torch.Tensor):
            boxes = boxes.detach().cpu().numpy()
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4).copy()
        h, w = self.img_shape
        if self.flip_direction in ('horizontal', 'diagonal'):
            boxes[:, [0, 2]] = w - boxes[:, [2, 0]]
        if self.flip_direction in ('vertical', 'diagonal'):
            boxes[:, [1, 3]] = h - boxes[:, [3, 1]]
        boxes[:, 0::2] = (boxes[:, 0::2] + self.crop_x0) / self.scale_w
        boxes[:, 1::2] = (boxes[:, 1::2] + self.crop_y0) / self.scale_h
        h0, w0 = self.ori_shape
        boxes[:, 0::2] = np.clip(boxes[:, 0::2], 0, w0)
        boxes[:, 1::2] = np.clip(boxes[:, 1::2], 0, h0)
        return boxes.astype(np.float32)

    def _input_coords(self, size: int, scale: float, offset: float,
                      extent: int, flip: bool) -> np.ndarray:
        """Network-input positions of the original pixel centres along one
        axis."""
        u = (np.arange(size, dtype=np.float64) + 0.5) * scale - offset
        return extent - u if flip else u

    def score_map_to_original(
            self,
            score_map,
            map_frame_shape: Optional[Tuple[int, int]] = None) -> np.ndarray:
        """A native-size score map -> ``float32 (H0, W0)`` in the original
        frame.

        Each original pixel centre is mapped to the network input
        (resize, crop, flip as above) and the map is sampled there
        bilinearly (``grid_sample``, ``align_corners=False``, border
        values at the edges). That is the map upsampled to the network
        input (bilinear) and then the crop and resize undone, in one
        sampling step; without a crop it equals
        ``F.interpolate(map, (H0, W0), 'bilinear', align_corners=False)``.
        Original pixels whose centre falls outside the network input (the
        parts of the image a centre crop cut away) are 0.

        Args:
            score_map (Tensor | np.ndarray): ``(h', w')`` map at the
                network's native resolution.
            map_frame_shape (tuple[int, int], optional): the input size
                the map covers (the padded batch size); ``img_shape`` by
                default.

        Returns:
            np.ndarray: ``float32 (H0, W0)``.
        """
        score_map = torch.as_tensor(score_map).detach().float().cpu()
        score_map = score_map.reshape(1, 1, *score_map.shape[-2:])
        h, w = self.img_shape
        frame_h, frame_w = map_frame_shape or self.img_shape
        h0, w0 = self.ori_shape
        flip_x = self.flip_direction in ('horizontal', 'diagonal')
        flip_y = self.flip_direction in ('vertical', 'diagonal')
        u = self._input_coords(w0, self.scale_w, self.crop_x0, w, flip_x)
        v = self._input_coords(h0, self.scale_h, self.crop_y0, h, flip_y)
        inside = ((v >= 0) & (v < h))[:, None] & ((u >= 0) & (u < w))[None]
        gx = torch.from_numpy(2.0 * u / frame_w - 1.0).float()
        gy = torch.from_numpy(2.0 * v / frame_h - 1.0).float()
        grid = torch.stack(
            (gx[None, :].expand(h0, w0), gy[:, None].expand(h0, w0)),
            dim=-1)[None]
        sampled = F.grid_sample(
            score_map,
            grid,
            mode='bilinear',
            padding_mode='border',
            align_corners=False)[0, 0].numpy()
        return np.where(inside, sampled, 0).astype(np.float32)
