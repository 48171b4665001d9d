"""A generated classification set that plays ImageNet's role for the tiny
synthetic recipes: pretrain the backbone on it, then fine-tune for WSOL on
the synthetic benchmark (as real recipes start from ImageNet weights).

Every image shows one object on the benchmark's kind of cluttered
background (:meth:`SyntheticWSOLGenerator._render_background`). The class
is the object's (outline, surface texture) pair, 8 outlines x 6 textures =
48 classes; the two colours of every object are drawn at random, so
colour tells nothing. None of it is a benchmark class: the outlines
(:data:`PRETRAIN_SHAPES`) are none of the benchmark's head outlines or
bodies, the textures (:data:`PRETRAIN_TEXTURES`) none of its head patterns
or body textures. The set is larger (9,600 training images) and has more
classes than the benchmark (10), with image labels only.

Layout (mmpretrain's ``CustomDataset``: one sub-folder per class)::

    data_root/
    ├── train/<NN.outline_texture>/<outline_texture>_<id>.png
    ├── val/<NN.outline_texture>/...
    ├── classes.txt
    └── synthetic_pretrain.json     params, fingerprint, classes, counts

Files are byte-identical for the same parameters: image ``id`` is drawn
from its own stream ``SeedSequence(seed, spawn_key=(id,))``.
"""
import dataclasses
import hashlib
import json
import os.path as osp
import time
from typing import List, Optional, Tuple

import numpy as np
from mmpretrain.datasets import CustomDataset

from mmwsol.registry import DATASETS
from .synthetic_generator import (SyntheticWSOLGenerator, _write_png,
                                  default_cache_root, existing_or_prepared,
                                  make_empty_dir, params_from,
                                  prepare_generated, render_plan)

#: Bump whenever the rendering changes: it is part of the cache folder name.
PRETRAIN_GENERATOR_VERSION = 1

#: Object outlines of the pretraining classes.
PRETRAIN_SHAPES = ('pentagon', 'hexagon', 'cross', 'bar', 'crescent',
                   'annulus', 'clover', 'semicircle')

#: Surface textures of the pretraining classes.
PRETRAIN_TEXTURES = ('dots', 'waves', 'grid', 'zigzag', 'bricks', 'speckle')

INFO_FILE = 'synthetic_pretrain.json'


def pretrain_class_names() -> List[str]:
    """``'<outline>_<texture>'`` for every class, in class order (the
    texture changes fastest)."""
    return [f'{s}_{t}' for s in PRETRAIN_SHAPES for t in PRETRAIN_TEXTURES]


@dataclasses.dataclass(frozen=True)
class SyntheticPretrainParams:
    """Everything that determines the generated pretraining files.

    Args:
        image_size (int): Side of the square images. Defaults to 112 (the
            benchmark's).
        train_per_class (int): Training images per class. Defaults to 200.
        val_per_class (int): Validation images per class. Defaults to 20.
        seed (int): Seed of the whole set. Defaults to 0.
        object_scale (tuple[float, float]): Range of the object's size
            (circumradius x 2) over the image side. Defaults to (0.4, 0.8).
        num_clutter, num_branches (tuple[int, int]): Background clutter, as
            :class:`SyntheticWSOLParams`. Defaults to (4, 7) and (1, 3).
        noise_std (float): Pixel noise. Defaults to 5.
    """
    image_size: int = 112
    train_per_class: int = 200
    val_per_class: int = 20
    seed: int = 0
    object_scale: Tuple[float, float] = (0.4, 0.8)
    num_clutter: Tuple[int, int] = (4, 7)
    num_branches: Tuple[int, int] = (1, 3)
    noise_std: float = 5.0

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, list):
                object.__setattr__(self, field.name, tuple(value))
        for name in ('train_per_class', 'val_per_class'):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{name} must be an int >= 1, got {value!r}')
        if not isinstance(self.image_size, int) or self.image_size < 48:
            raise ValueError('image_size must be an int >= 48, got '
                             f'{self.image_size!r}')
        lo, hi = self.object_scale
        if not 0.1 <= lo <= hi <= 1.0:
            raise ValueError('object_scale must be (lo, hi) with 0.1 <= lo '
                             f'<= hi <= 1, got {self.object_scale!r}')

    @property
    def num_classes(self) -> int:
        return len(PRETRAIN_SHAPES) * len(PRETRAIN_TEXTURES)

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v
                for k, v in dataclasses.asdict(self).items()}

    def fingerprint(self) -> str:
        text = json.dumps(
            dict(version=PRETRAIN_GENERATOR_VERSION, **self.to_dict()),
            sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:10]

    @property
    def cache_name(self) -> str:
        return f'v{PRETRAIN_GENERATOR_VERSION}-{self.fingerprint()}'


class SyntheticPretrainGenerator(SyntheticWSOLGenerator):
    """Renders the pretraining images of one :class:`SyntheticPretrainParams`
    set (backgrounds and helpers of :class:`SyntheticWSOLGenerator`).

    Example:
        >>> gen = SyntheticPretrainGenerator()
        >>> img = gen.render_image(image_id=1, label=0)  # uint8 S x S x 3
    """

    def __init__(self, params=None):
        self.params = params_from(params, SyntheticPretrainParams)
        self.classes = pretrain_class_names()
        size = self.params.image_size
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
        self._yy, self._xx = yy + 0.5, xx + 0.5

    def plan(self) -> List[dict]:
        """Every image: id (1-based), label (0-based), split, relpath.
        Class by class, the first ``train_per_class`` are ``'train'``."""
        p = self.params
        items, image_id = [], 1
        for label, name in enumerate(self.classes):
            for k in range(p.train_per_class + p.val_per_class):
                split = 'train' if k < p.train_per_class else 'val'
                items.append(
                    dict(
                        image_id=image_id,
                        label=label,
                        split=split,
                        relpath=f'{split}/{label + 1:02d}.{name}/'
                        f'{name}_{image_id:05d}.png'))
                image_id += 1
        return items

    # ------------------------------------------------------------------
    def _shape_mask(self, outline, u, v, radius):
        rho = np.hypot(u, v)
        if outline in ('pentagon', 'hexagon'):
            num = 5 if outline == 'pentagon' else 6
            t = 2 * np.pi * np.arange(num) / num
            return self._inside_polygon(
                u, v, radius, np.stack([np.cos(t), np.sin(t)], 1))
        if outline == 'cross':
            w = 0.3
            return self._inside_polygon(u, v, radius, [
                (1, w), (w, w), (w, 1), (-w, 1), (-w, w), (-1, w), (-1, -w),
                (-w, -w), (-w, -1), (w, -1), (w, -w), (1, -w)
            ])
        if outline == 'bar':
            return (np.abs(u) < radius) & (np.abs(v) < 0.32 * radius)
        if outline == 'crescent':
            return (rho < radius) & ~(np.hypot(u - 0.45 * radius, v) <
                                      0.8 * radius)
        if outline == 'annulus':
            return (rho < radius) & (rho > 0.55 * radius)
        if outline == 'clover':
            return rho < radius * (0.62 + 0.38 * np.cos(4 * np.arctan2(v, u)))
        if outline == 'semicircle':
            return (rho < radius) & (v > -0.1 * radius)
        raise ValueError(outline)  # pragma: no cover - internal

    def _texture_field(self, rng, texture, u, v):
        """A ``[0, 1]`` field over the object's frame."""
        period = rng.uniform(6.0, 11.0)
        if texture == 'dots':
            a = np.mod(u, period) - period / 2
            b = np.mod(v, period) - period / 2
            return (np.hypot(a, b) < 0.3 * period).astype(np.float32)
        if texture == 'waves':
            bend = 0.3 * period * np.sin(2 * np.pi * v / (2.5 * period))
            return 0.5 + 0.5 * np.sin(2 * np.pi * (u + bend) / period)
        if texture == 'grid':
            return ((np.mod(u, period) < 0.28 * period) |
                    (np.mod(v, period) < 0.28 * period)).astype(np.float32)
        if texture == 'zigzag':
            tri = np.abs(np.mod(v / period, 2.0) - 1.0) * period
            return (np.mod((u + tri) / period, 1.0) < 0.5).astype(np.float32)
        if texture == 'bricks':
            row = np.floor(v / period)
            shifted = u + np.mod(row, 2) * period
            return ((np.mod(v, period) < 0.22 * period) |
                    (np.mod(shifted, 2 * period) < 0.22 * period)).astype(
                        np.float32)
        if texture == 'speckle':
            return (self._smooth_noise(rng, int(rng.integers(22, 30))) >
                    0.5).astype(np.float32)
        raise ValueError(texture)  # pragma: no cover - internal

    def render_image(self, image_id: int, label: int) -> np.ndarray:
        """Image ``image_id`` of class ``label``: ``uint8 (S, S, 3)`` BGR."""
        p = self.params
        outline = PRETRAIN_SHAPES[label // len(PRETRAIN_TEXTURES)]
        texture = PRETRAIN_TEXTURES[label % len(PRETRAIN_TEXTURES)]
        rng = self._image_rng(image_id)
        size = p.image_size
        canvas = self._render_background(rng)
        radius = rng.uniform(*p.object_scale) * size / 2.0
        margin = 0.7 * radius
        cx, cy = (rng.uniform(margin, size - margin) for _ in range(2))
        _, u, v = self._frame(cx, cy, rng.uniform(0, 2 * np.pi),
                              rng.uniform(0.75, 1.0))
        mask = self._shape_mask(outline, u, v, radius)
        field = self._texture_field(rng, texture, u, v)
        self._paint(canvas, mask, field, *self._random_head_colours(rng))
        return self._finish(rng, canvas)


def _render_and_write_pretrain(gen, out_dir, item):
    _write_png(
        osp.join(out_dir, item['relpath']),
        gen.render_image(item['image_id'], item['label']))
    return item['split']


def write_synthetic_pretrain(out_dir: str,
                             params=None,
                             num_workers: int = 0) -> dict:
    """Write the whole pretraining set into ``out_dir`` (empty or new).

    Returns:
        dict: the content of ``synthetic_pretrain.json`` plus ``seconds``.
    """
    start = time.perf_counter()
    gen = SyntheticPretrainGenerator(params)
    make_empty_dir(out_dir)
    plan = gen.plan()
    render_plan(gen, _render_and_write_pretrain, out_dir, plan, num_workers,
                'synthetic pretraining images')
    with open(osp.join(out_dir, 'classes.txt'), 'w') as f:
        f.write('\n'.join(f'{k + 1:02d}.{name}'
                          for k, name in enumerate(gen.classes)) + '\n')
    p = gen.params
    info = dict(
        generator_version=PRETRAIN_GENERATOR_VERSION,
        fingerprint=p.fingerprint(),
        params=p.to_dict(),
        classes=gen.classes,
        num_train=p.num_classes * p.train_per_class,
        num_val=p.num_classes * p.val_per_class)
    with open(osp.join(out_dir, INFO_FILE), 'w') as f:
        json.dump(info, f, indent=2, sort_keys=True)
        f.write('\n')
    info['seconds'] = time.perf_counter() - start
    return info


def prepare_synthetic_pretrain(params=None,
                               cache_root: Optional[str] = None,
                               data_root: Optional[str] = None,
                               num_workers: int = 0) -> str:
    """The folder of the pretraining set, generated on first use into
    ``<cache_root>/v<version>-<hash>`` (``$MMWSOL_CACHE`` or
    ``~/.cache/mmwsol``, then ``synthetic_pretrain/``)."""
    return prepare_generated(
        params_from(params, SyntheticPretrainParams),
        write_synthetic_pretrain,
        INFO_FILE,
        cache_root=cache_root or default_cache_root('synthetic_pretrain'),
        data_root=data_root,
        num_workers=num_workers)


@DATASETS.register_module()
class SyntheticPretrain(CustomDataset):
    """The generated pretraining set as an mmpretrain ``CustomDataset``
    (classification, image labels only), built on first use.

    Args:
        split (str): ``'train'`` (9,600 images) or ``'val'`` (960).
        generator (dict, optional): :class:`SyntheticPretrainParams`.
        data_root (str, optional): Use (or build) the set in this folder
            instead of the cache.
        cache_root (str, optional): Cache folder; ignored with
            ``data_root``.
        num_workers (int): Processes used to generate the files.
        **kwargs: ``CustomDataset``'s (``pipeline``, ``test_mode``, ...).
    """

    SPLITS = ('train', 'val')

    def __init__(self,
                 split: str = 'train',
                 generator: Optional[dict] = None,
                 data_root: Optional[str] = None,
                 cache_root: Optional[str] = None,
                 num_workers: int = 0,
                 **kwargs):
        if split not in self.SPLITS:
            raise ValueError(f'SyntheticPretrain: split must be one of '
                             f'{self.SPLITS}, got {split!r}')
        for key in ('data_prefix', 'ann_file', 'classes'):
            if key in kwargs:
                raise TypeError(f'SyntheticPretrain does not take {key!r}: '
                                'the layout and classes are fixed')
        root = existing_or_prepared(
            data_root, generator, INFO_FILE,
            lambda: prepare_synthetic_pretrain(generator, cache_root,
                                               data_root, num_workers))
        with open(osp.join(root, 'classes.txt')) as f:
            classes = [line.strip() for line in f if line.strip()]
        self.split = split
        super().__init__(
            data_root=root,
            data_prefix=split,
            metainfo=dict(classes=classes),
            **kwargs)
