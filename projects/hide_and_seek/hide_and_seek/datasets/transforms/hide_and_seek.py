"""Hide-and-Seek: hide random grid patches of the training image.

K. K. Singh and Y. J. Lee, "Hide-and-Seek: Forcing a Network to be
Meticulous for Weakly-supervised Object and Action Localization", ICCV 2017
(arXiv 1704.04232).
"""
from numbers import Number
from typing import Optional, Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmwsol.registry import TRANSFORMS

RngLike = Union[None, int, np.random.Generator]


def _where(results: dict) -> str:
    """The sample's file and annotation line, for error messages."""
    parts = [
        f'{key}={results[key]!r}' for key in ('img_path', 'ann_ref')
        if results.get(key) is not None
    ]
    return f' ({", ".join(parts)})' if parts else ''


@TRANSFORMS.register_module()
class HideAndSeek(BaseTransform):
    """Hide random square patches of the image (Singh and Lee, ICCV 2017).

    Training-only augmentation of Hide-and-Seek (HaS): the image is divided
    into a grid of ``S x S`` pixel patches and every patch is hidden
    independently with probability ``p_hide`` (``hide_prob``, 0.5 in the
    paper). Hidden pixels are set to the dataset's mean pixel value
    (``fill='mean'``): a first-layer filter then sees, in expectation, the
    same input statistics when its window overlaps hidden patches during
    training as on the fully visible test image, where nothing is hidden
    (leave this transform out of the test pipeline). The paper uses patch
    sides of 16, 32, 44 and 56 px at 224 px input, or a side drawn at random
    for every image; here one side is drawn per call from ``grid_sizes``.

    The grid starts at the top-left corner; when ``S`` does not divide the
    image side, the last row/column of patches is cut by the border (those
    partial patches are hidden like the others). Put the transform after
    the resize/crop, on the network-input-sized image, so that ``S`` is in
    network-input pixels. Only ``img`` changes: ``gt_bboxes``,
    ``gt_seg_map`` and every other key are left as they are (the object is
    still where the labels say; the network just cannot see all of it).

    The draw is vectorised: one ``(ceil(H/S), ceil(W/S))`` Bernoulli array
    of hidden cells, expanded to a ``(H, W)`` pixel mask with
    ``np.repeat``; no Python loop over patches.

    Required keys: ``img`` (``np.ndarray (H, W, C)`` or ``(H, W)``; BGR
    uint8 after mmcv's ``LoadImageFromFile``).
    Modified keys: ``img`` (a new array of the same shape and dtype).

    Args:
        grid_sizes (int | Sequence[int]): Patch sides ``S`` in pixels; one
            is drawn uniformly per image. ``0`` in the list means "hide
            nothing" for the images that draw it. Defaults to
            ``(16, 32, 44, 56)``, the paper's sides for 224 px input.
        hide_prob (float): Probability ``p_hide`` that a patch is hidden,
            in ``[0, 1]``. Defaults to 0.5 (the paper).
        fill (str | Number | Sequence[Number]): ``'mean'`` fills hidden
            pixels with ``mean`` (the paper); a number or a per-channel
            sequence fills them with that constant instead (ablations).
            Defaults to ``'mean'``.
        mean (Sequence[Number], optional): The dataset's mean pixel value,
            one number per channel **in the channel order of**
            ``results['img']`` -- BGR after mmcv's ``LoadImageFromFile``,
            so an RGB mean such as a data preprocessor's must be reversed
            (as mmpretrain's configs do for ``RandomErasing``'s
            ``fill_color``). Required with ``fill='mean'``. For integer
            images the fill is rounded to the image's dtype.
        rng (None | int | np.random.Generator): Random source. ``None``
            (default) uses numpy's global RNG, which mmengine seeds from
            ``randomness.seed`` in the main process and in every dataloader
            worker. An int seeds a private ``np.random.default_rng`` (every
            dataloader worker then starts from the same state); a
            ``Generator`` is used as given.
    """

    def __init__(self,
                 grid_sizes: Union[int, Sequence[int]] = (16, 32, 44, 56),
                 hide_prob: float = 0.5,
                 fill: Union[str, Number, Sequence[Number]] = 'mean',
                 mean: Optional[Sequence[Number]] = None,
                 rng: RngLike = None):
        super().__init__()
        self.grid_sizes = self._check_grid_sizes(grid_sizes)
        if isinstance(hide_prob, bool) or not isinstance(
                hide_prob, Number) or not 0.0 <= hide_prob <= 1.0:
            raise ValueError('HideAndSeek: hide_prob must be a number in '
                             f'[0, 1], got {hide_prob!r}')
        self.hide_prob = float(hide_prob)
        self.fill = fill
        self.mean = mean
        self.fill_value = self._check_fill(fill, mean)
        if rng is None or isinstance(rng, np.random.Generator):
            self.rng = rng
        elif isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
            self.rng = np.random.default_rng(int(rng))
        else:
            raise TypeError(
                'HideAndSeek: rng must be None, an int seed or a '
                f'numpy.random.Generator, got {type(rng).__name__}')

    @staticmethod
    def _check_grid_sizes(grid_sizes) -> Tuple[int, ...]:
        sizes = (grid_sizes, ) if isinstance(grid_sizes,
                                             (int, np.integer)) else grid_sizes
        try:
            sizes = tuple(sizes)
        except TypeError:
            sizes = None
        if (not sizes or any(
                isinstance(s, bool) or not isinstance(s, (int, np.integer))
                or s < 0 for s in sizes)):
            raise ValueError('HideAndSeek: grid_sizes must be a non-negative '
                             'int or a non-empty sequence of them (patch '
                             f'sides in pixels), got {grid_sizes!r}')
        return tuple(int(s) for s in sizes)

    @staticmethod
    def _check_fill(fill, mean) -> np.ndarray:
        if isinstance(fill, str):
            if fill != 'mean':
                raise ValueError("HideAndSeek: fill must be 'mean', a number "
                                 f'or a per-channel sequence, got {fill!r}')
            if mean is None:
                raise ValueError(
                    "HideAndSeek: fill='mean' needs mean= (the dataset's "
                    'mean pixel, one value per channel in the image\'s '
                    'channel order: BGR after LoadImageFromFile)')
            value = mean
            name = 'mean'
        else:
            value = fill
            name = 'fill'
        value = np.asarray(value, dtype=np.float64)
        if value.ndim > 1 or value.size == 0 or not np.all(
                np.isfinite(value)):
            raise ValueError(f'HideAndSeek: {name} must be a finite number '
                             'or a flat sequence of them (one per channel), '
                             f'got {value.tolist()!r}')
        return value

    @cache_randomness
    def _draw_hidden_cells(self, height: int, width: int) -> np.ndarray:
        """Draw ``S`` and the hidden cells; returns the ``(H, W)`` bool mask
        of hidden pixels (all False when the drawn ``S`` is 0)."""
        rng = np.random if self.rng is None else self.rng
        size = self.grid_sizes[0] if len(self.grid_sizes) == 1 else \
            self.grid_sizes[int(rng.choice(len(self.grid_sizes)))]
        if size == 0:
            return np.zeros((height, width), dtype=bool)
        cells = rng.random((-(-height // size), -(-width // size)))
        hidden = cells < self.hide_prob
        return np.repeat(np.repeat(hidden, size, axis=0), size,
                         axis=1)[:height, :width]

    def _fill_for(self, img: np.ndarray, results: dict) -> np.ndarray:
        channels = 1 if img.ndim == 2 else img.shape[2]
        value = self.fill_value
        if value.size not in (1, channels):
            raise ValueError(
                f'HideAndSeek: {"mean" if self.fill == "mean" else "fill"} '
                f'has {value.size} values but the image has {channels} '
                f'channels{_where(results)}')
        if img.ndim == 2:
            value = value.reshape(())
        if np.issubdtype(img.dtype, np.integer):
            info = np.iinfo(img.dtype)
            value = np.clip(np.rint(value), info.min, info.max)
        return value.astype(img.dtype)

    def transform(self, results: dict) -> dict:
        img = results.get('img')
        if not isinstance(img, np.ndarray) or img.ndim not in (2, 3):
            shape = getattr(img, 'shape', None)
            raise ValueError('HideAndSeek: results["img"] must be an (H, W) '
                             'or (H, W, C) numpy array, got '
                             f'{type(img).__name__} of shape {shape}'
                             f'{_where(results)}')
        fill = self._fill_for(img, results)
        hidden = self._draw_hidden_cells(img.shape[0], img.shape[1])
        out = img.copy()
        out[hidden] = fill
        results['img'] = out
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(grid_sizes={self.grid_sizes}, '
                f'hide_prob={self.hide_prob}, fill={self.fill!r}, '
                f'mean={self.mean!r}, '
                f'rng={"global" if self.rng is None else "Generator"})')
