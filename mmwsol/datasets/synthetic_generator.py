"""Seeded generator of the embedded synthetic WSOL benchmark.

Every image shows one *object* on a cluttered background. The object is a
large textured **body** with a small **head** attached to its outline (like a
bird in CUB-200-2011):

- the head (``head_fraction`` of the object's area, 10-20 % by default) carries
  the class without ambiguity: a two-colour pattern (``stripes``, ``checker``
  or ``rings``) in a pair of saturated colours; the (pattern, colour pair) of
  every class is unique;
- the body (``object_scale`` of the image side, 35-70 % by default) carries
  only weak class evidence: its hue is drawn from a class-dependent window
  that overlaps the windows of neighbouring classes, and its texture family is
  shared by all classes. It is a single coherent region (one texture, one
  colour pair), so low-level cues can separate it from the background;
- the background carries no class information: a smooth base texture,
  textured blobs and branches drawn from the same distribution as the bodies
  (uniform hue), and "distractor heads" whose (pattern, colour pair) belongs
  to no class. All of it is drawn independently of the label.

The ground-truth box and mask cover body and head together, so a classifier
that only looks at the head (what a plain CAM finds) misses most of the box.

Files are written in the CUB-200-2011 layout (see :func:`write_synthetic_wsol`)
and come out byte-identical for the same parameters and seed: every image is
drawn from its own random stream ``SeedSequence(seed, spawn_key=(image_id,))``
and PNG encoding is lossless and deterministic.
"""
import colorsys
import dataclasses
import hashlib
import json
import os
import os.path as osp
import shutil
import tempfile
import time
import uuid
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

#: Bump whenever the rendering changes: it is part of the cache folder name.
GENERATOR_VERSION = 1

#: The json a finished benchmark folder holds, written last (params,
#: fingerprint, class designs, counts).
INFO_FILE = 'synthetic_wsol.json'

#: Sub-folder (itself in the CUB layout, every image ``is_train = 0``) of
#: the held-out ``train_fullsup`` images.
TRAIN_FULLSUP_DIR = 'train_fullsup'

#: Values of the part-label PNGs under ``part_masks/``.
PART_BACKGROUND, PART_BODY, PART_HEAD = 0, 1, 2

#: Head patterns; class identity never depends on their orientation, so
#: horizontal flips keep the class.
HEAD_PATTERNS = ('stripes', 'checker', 'rings')

#: Saturated head colours (BGR). Bodies use moderate saturation.
HEAD_COLOURS = (
    ('red', (40, 40, 225)),
    ('yellow', (30, 215, 235)),
    ('blue', (215, 90, 25)),
    ('white', (240, 240, 240)),
    ('black', (20, 20, 20)),
)

#: Head outlines of the ``class_cue='shape'`` variant.
HEAD_SHAPES = ('ellipse', 'square', 'triangle', 'star')

#: What tells the classes apart (``SyntheticWSOLParams.class_cue``).
CLASS_CUES = ('design', 'shape')

#: Texture families shared by bodies and background clutter.
BODY_TEXTURES = ('mottled', 'stripes', 'spots', 'scales')


def head_combinations() -> List[Tuple[str, str, str]]:
    """All (pattern, colour_a, colour_b) head designs, in class order.

    The order is fixed (it does not depend on the seed). It walks the 10
    unordered colour pairs once per round and rotates the pattern between
    rounds, so the first 10 classes use every colour pair once and every
    pattern three or four times, and every design occurs exactly once.

    Returns:
        list[tuple[str, str, str]]: 30 designs (3 patterns x 10 pairs).
    """
    names = [name for name, _ in HEAD_COLOURS]
    pairs = [(names[i], names[j]) for i in range(len(names))
             for j in range(i + 1, len(names))]
    # Interleave the pairs so that consecutive classes share no colour where
    # possible (purely cosmetic: any fixed order works).
    pairs = pairs[0::2] + pairs[1::2]
    combos = []
    num_patterns = len(HEAD_PATTERNS)
    for rnd in range(num_patterns):
        for k, (col_a, col_b) in enumerate(pairs):
            pattern = HEAD_PATTERNS[(k + rnd) % num_patterns]
            combos.append((pattern, col_a, col_b))
    return combos


def shape_combinations() -> List[Tuple[str, str]]:
    """All (pattern, outline) head designs of ``class_cue='shape'``, in
    class order: the outline changes fastest, so the first classes use
    every outline and pattern about equally.

    Returns:
        list[tuple[str, str]]: 12 designs (3 patterns x 4 outlines).
    """
    combos = []
    for k in range(len(HEAD_PATTERNS) * len(HEAD_SHAPES)):
        outline = HEAD_SHAPES[k % len(HEAD_SHAPES)]
        pattern = HEAD_PATTERNS[(k + k // len(HEAD_SHAPES)) %
                                len(HEAD_PATTERNS)]
        combos.append((pattern, outline))
    return combos


def designs(class_cue: str = 'design') -> List[tuple]:
    """The head designs of a class cue, in class order."""
    return head_combinations() if class_cue == 'design' else \
        shape_combinations()


MAX_CLASSES = len(HEAD_PATTERNS) * len(HEAD_COLOURS) * (len(HEAD_COLOURS) -
                                                         1) // 2
#: classes of the ``class_cue='shape'`` variant (its designs, less two
#: kept for the background's distractor heads)
MAX_SHAPE_CLASSES = len(HEAD_PATTERNS) * len(HEAD_SHAPES) - 2


def class_names(num_classes: int, class_cue: str = 'design') -> List[str]:
    """Class names such as ``'stripes_red_yellow'`` (``'design'``) or
    ``'stripes_triangle'`` (``'shape'``), in class order."""
    _check_num_classes(num_classes, class_cue)
    return ['_'.join(c) for c in designs(class_cue)[:num_classes]]


def _check_num_classes(num_classes, class_cue='design'):
    top = MAX_CLASSES if class_cue == 'design' else MAX_SHAPE_CLASSES
    if not isinstance(num_classes, int) or not 2 <= num_classes <= top:
        raise ValueError(
            f'num_classes must be an int in [2, {top}] (one head design per '
            f'class with class_cue={class_cue!r}), got {num_classes!r}')


@dataclasses.dataclass(frozen=True)
class SyntheticWSOLParams:
    """Everything that determines the generated files.

    Args:
        num_classes (int): Number of classes, 2..30. Defaults to 10.
        image_size (int): Side of the square images in pixels. Defaults
            to 112.
        train_per_class (int): Training images per class. Defaults to 250.
        test_per_class (int): Test images per class. Defaults to 50.
        seed (int): Seed of the whole dataset. Defaults to 0.
        object_scale (tuple[float, float]): Range of the body's major axis as
            a fraction of the image side. Defaults to (0.35, 0.70).
        head_fraction (tuple[float, float]): Range of the head's share of the
            object area (body + head). Defaults to (0.10, 0.20).
        body_hue_window (float): Half-width of the window the body hue is
            drawn from, in units of the spacing between class hue centres;
            1.5 means every body hue is shared by three classes (weak
            evidence). Large values remove the evidence. Defaults to 1.5.
        num_clutter (tuple[int, int]): Inclusive range of textured background
            blobs. Defaults to (4, 7).
        num_branches (tuple[int, int]): Inclusive range of background
            branches (thick textured lines). Defaults to (1, 3).
        num_distractor_heads (tuple[int, int]): Inclusive range of heads
            with a non-class design in the background. Defaults to (0, 2).
        noise_std (float): Std of the i.i.d. pixel noise (0..255 scale).
            Defaults to 5.
        train_fullsup_per_class (int): Held-out images per class drawn like
            the training images, with boxes and masks, written to the
            ``train_fullsup/`` sub-folder (split ``'train_fullsup'`` of
            :class:`SyntheticWSOL`): the split on which thresholds are
            calibrated, as wsolevaluation's train-fullsup. Never trained
            on. Their ids follow all train/test ids, so adding them leaves
            every train/test image unchanged. Defaults to 25.
        class_cue (str): What tells the classes apart. ``'design'``
            (default): the head's pattern and its pair of colours, and
            weakly the body hue. ``'shape'``: the head's pattern (a
            texture) and its outline (:data:`HEAD_SHAPES`) only; the head's
            two colours and the body hue are drawn at random for every
            image, so colour carries no class information.
    """
    num_classes: int = 10
    image_size: int = 112
    train_per_class: int = 250
    test_per_class: int = 50
    seed: int = 0
    object_scale: Tuple[float, float] = (0.35, 0.70)
    head_fraction: Tuple[float, float] = (0.10, 0.20)
    body_hue_window: float = 1.5
    num_clutter: Tuple[int, int] = (4, 7)
    num_branches: Tuple[int, int] = (1, 3)
    num_distractor_heads: Tuple[int, int] = (0, 2)
    noise_std: float = 5.0
    train_fullsup_per_class: int = 25
    class_cue: str = 'design'

    def __post_init__(self):
        # Accept lists (configs, JSON) but store tuples: the params are hashed.
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, list):
                object.__setattr__(self, field.name, tuple(value))
        self.validate()

    def validate(self):
        """Raise ``ValueError`` naming the argument when a value is invalid."""
        if self.class_cue not in CLASS_CUES:
            raise ValueError(f'class_cue must be one of {CLASS_CUES}, got '
                             f'{self.class_cue!r}')
        _check_num_classes(self.num_classes, self.class_cue)
        for name in ('train_per_class', 'test_per_class'):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{name} must be an int >= 1, got {value!r}')
        value = self.train_fullsup_per_class
        if not isinstance(value, int) or value < 0:
            raise ValueError('train_fullsup_per_class must be an int >= 0, '
                             f'got {value!r}')
        if not isinstance(self.image_size, int) or self.image_size < 48:
            raise ValueError('image_size must be an int >= 48, got '
                             f'{self.image_size!r}')
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f'seed must be an int >= 0, got {self.seed!r}')
        for name, low, high in (('object_scale', 0.1, 0.8),
                                ('head_fraction', 0.02, 0.5)):
            value = getattr(self, name)
            if (len(value) != 2 or not low <= value[0] <= value[1] <= high):
                raise ValueError(f'{name} must be (lo, hi) with {low} <= lo '
                                 f'<= hi <= {high}, got {value!r}')
        for name in ('num_clutter', 'num_branches', 'num_distractor_heads'):
            value = getattr(self, name)
            if (len(value) != 2 or not all(isinstance(v, int) for v in value)
                    or not 0 <= value[0] <= value[1]):
                raise ValueError(f'{name} must be (lo, hi) ints with 0 <= lo '
                                 f'<= hi, got {value!r}')
        if self.body_hue_window < 0:
            raise ValueError('body_hue_window must be >= 0, got '
                             f'{self.body_hue_window!r}')
        if self.noise_std < 0:
            raise ValueError(f'noise_std must be >= 0, got {self.noise_std!r}')

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v
                for k, v in dataclasses.asdict(self).items()}

    def fingerprint(self) -> str:
        """Short hash of the params and :data:`GENERATOR_VERSION`."""
        text = json.dumps(
            dict(version=GENERATOR_VERSION, **self.to_dict()), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:10]

    @property
    def cache_name(self) -> str:
        """Folder name of this dataset in the cache: ``v<version>-<hash>``."""
        return f'v{GENERATOR_VERSION}-{self.fingerprint()}'


@dataclasses.dataclass
class SyntheticSample:
    """One rendered image and its exact annotations.

    Attributes:
        img (np.ndarray): ``uint8 (S, S, 3)`` BGR image.
        part_map (np.ndarray): ``uint8 (S, S)``; :data:`PART_BACKGROUND`,
            :data:`PART_BODY` or :data:`PART_HEAD`. The object mask is
            ``part_map > 0``.
        bbox (np.ndarray): ``float32 (4,)`` tight ``x0, y0, x1, y1`` of the
            object mask in continuous pixel coordinates (``x1 = max col + 1``).
        head_bbox (np.ndarray): ``float32 (4,)`` the same for the head.
        meta (dict): Drawn parameters (label, body hue, texture, ...).
    """
    img: np.ndarray
    part_map: np.ndarray
    bbox: np.ndarray
    head_bbox: np.ndarray
    meta: dict


def tight_box(mask: np.ndarray) -> np.ndarray:
    """Tight ``x0, y0, x1, y1`` (continuous coordinates) of a boolean mask."""
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    if len(xs) == 0:
        raise ValueError('empty mask has no box')
    return np.array([xs[0], ys[0], xs[-1] + 1, ys[-1] + 1], dtype=np.float32)


def _hsv_to_bgr(h: float, s: float, v: float) -> np.ndarray:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return np.array([b, g, r], dtype=np.float32) * 255.0


class SyntheticWSOLGenerator:
    """Renders the images of one :class:`SyntheticWSOLParams` set.

    Args:
        params (SyntheticWSOLParams | dict | None): The parameters; a dict is
            passed to :class:`SyntheticWSOLParams`. Defaults to the defaults.

    Example:
        >>> gen = SyntheticWSOLGenerator(dict(num_classes=4, seed=1))
        >>> sample = gen.render(image_id=1, label=0)
        >>> sample.img.shape, sample.bbox
    """

    def __init__(self, params=None):
        params = to_params(params)
        self.params = params
        self.classes = class_names(params.num_classes, params.class_cue)
        all_designs = designs(params.class_cue)
        self.head_designs = all_designs[:params.num_classes]
        # Distractor heads use only designs that belong to no class.
        self.distractor_designs = all_designs[params.num_classes:]
        self.colours = {name: np.array(bgr, np.float32)
                        for name, bgr in HEAD_COLOURS}
        size = params.image_size
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
        # Pixel centres: pixel i covers [i, i + 1).
        self._yy, self._xx = yy + 0.5, xx + 0.5

    # ------------------------------------------------------------------
    # the split
    def plan(self) -> List[dict]:
        """Every image of the dataset: id (1-based), label (0-based), split.

        Images are ordered class by class; within a class the first
        ``train_per_class`` are training images (``split`` ``'train'``),
        the next ``test_per_class`` test images (``'test'``). The held-out
        ``'train_fullsup'`` images follow all of them, class by class, so
        their number never changes another image.
        """
        p = self.params
        items = []

        def add(image_id, label, split):
            items.append(
                dict(
                    image_id=image_id,
                    label=label,
                    split=split,
                    is_train=split == 'train',
                    relpath='{:03d}.{}/{}_{:05d}.png'.format(
                        label + 1, self.classes[label], self.classes[label],
                        image_id)))

        image_id = 1
        for label in range(p.num_classes):
            for k in range(p.train_per_class + p.test_per_class):
                add(image_id, label,
                    'train' if k < p.train_per_class else 'test')
                image_id += 1
        for label in range(p.num_classes):
            for _ in range(p.train_fullsup_per_class):
                add(image_id, label, 'train_fullsup')
                image_id += 1
        return items

    # ------------------------------------------------------------------
    # textures: float32 (S, S) fields in [0, 1] over the whole frame
    def _smooth_noise(self, rng, cells: int) -> np.ndarray:
        size = self.params.image_size
        grid = rng.random((cells + 1, cells + 1)).astype(np.float32)
        field = cv2.resize(grid, (size, size), interpolation=cv2.INTER_CUBIC)
        lo, hi = field.min(), field.max()
        return (field - lo) / max(hi - lo, 1e-6)

    def _rotated(self, rng, cx=0.0, cy=0.0):
        angle = rng.uniform(0, np.pi)
        c, s = np.cos(angle), np.sin(angle)
        u = (self._xx - cx) * c + (self._yy - cy) * s
        v = -(self._xx - cx) * s + (self._yy - cy) * c
        return u, v

    def _body_texture(self, rng, family: str) -> np.ndarray:
        if family == 'mottled':
            field = 0.7 * self._smooth_noise(rng, int(rng.integers(3, 7)))
            field += 0.3 * self._smooth_noise(rng, int(rng.integers(10, 16)))
        elif family == 'stripes':
            u, _ = self._rotated(rng)
            period = rng.uniform(9, 16)
            field = 0.5 + 0.5 * np.sin(2 * np.pi * u / period +
                                       rng.uniform(0, 2 * np.pi))
        elif family == 'spots':
            noise = self._smooth_noise(rng, int(rng.integers(9, 15)))
            field = 1.0 / (1.0 + np.exp(-(noise - 0.62) * 25.0))
        elif family == 'scales':
            u, v = self._rotated(rng)
            period = rng.uniform(7, 12)
            field = 0.5 + 0.5 * np.sin(2 * np.pi * u / period) * np.sin(
                2 * np.pi * v / period)
        else:  # pragma: no cover - internal
            raise ValueError(family)
        return field.astype(np.float32)

    def _body_colours(self, rng, hue: float):
        sat = rng.uniform(0.35, 0.7)
        val = rng.uniform(0.5, 0.85)
        light = _hsv_to_bgr(hue, sat, val)
        dark = _hsv_to_bgr(hue + rng.uniform(-0.03, 0.03),
                           min(1.0, sat + rng.uniform(0.0, 0.2)),
                           val * rng.uniform(0.45, 0.7))
        return light, dark

    def _paint(self, canvas, region, field, col_a, col_b):
        """canvas[region] = mix of col_a (field 0) and col_b (field 1)."""
        f = field[region][:, None]
        canvas[region] = col_a * (1.0 - f) + col_b * f

    def _head_field(self, rng, pattern, cx, cy, radius):
        if pattern == 'stripes':
            u, _ = self._rotated(rng, cx, cy)
            period = rng.uniform(3.5, 5.0)
            field = (np.floor(u / period * 2.0) % 2).astype(np.float32)
        elif pattern == 'checker':
            u, v = self._rotated(rng, cx, cy)
            period = rng.uniform(3.5, 5.0)
            field = ((np.floor(u / period * 2.0) + np.floor(v / period * 2.0))
                     % 2).astype(np.float32)
        elif pattern == 'rings':
            rho = np.hypot(self._xx - cx, self._yy - cy)
            period = max(3.0, min(5.0, radius / 2.0)) * rng.uniform(0.9, 1.1)
            field = (np.floor(rho / period * 2.0) % 2).astype(np.float32)
        else:  # pragma: no cover - internal
            raise ValueError(pattern)
        if rng.random() < 0.5:  # which colour takes which phase
            field = 1.0 - field
        return field

    # ------------------------------------------------------------------
    # shapes: boolean (S, S) masks
    def _frame(self, cx, cy, angle, aspect, reach=None):
        """Pixel centres in a shape's frame: rotated by ``angle`` around
        ``(cx, cy)``, the minor axis stretched by ``1 / aspect``.

        Returns:
            tuple | None: ``(rows, cols)`` slices of the window within
            ``reach`` of the centre (the whole frame without ``reach``) and
            the coordinates ``u, v`` there; None for an empty window.
        """
        size = self.params.image_size
        if reach is None:
            rows = cols = slice(0, size)
        else:
            rows = slice(max(int(np.floor(cy - reach)), 0),
                         min(int(np.ceil(cy + reach)) + 1, size))
            cols = slice(max(int(np.floor(cx - reach)), 0),
                         min(int(np.ceil(cx + reach)) + 1, size))
            if rows.start >= rows.stop or cols.start >= cols.stop:
                return None
        c, s = np.cos(angle), np.sin(angle)
        dx = self._xx[rows, cols] - cx
        dy = self._yy[rows, cols] - cy
        return (rows, cols), dx * c + dy * s, (-dx * s + dy * c) / aspect

    @staticmethod
    def _inside_polygon(u, v, radius, corners):
        """Inside the polygon with ``corners`` ((x, y), circumradius 1)
        scaled by ``radius``; the polygon must be star-shaped around the
        origin. Polar form: ``rho < radius * R(theta)``, ``R`` the distance
        from the origin to the polygon's edge along ``theta``."""
        corners = np.asarray(corners, np.float64)
        angles = np.mod(np.arctan2(corners[:, 1], corners[:, 0]), 2 * np.pi)
        order = np.argsort(angles)
        corners, angles = corners[order], angles[order]
        theta = np.mod(np.arctan2(v, u), 2 * np.pi)
        edge = (np.searchsorted(angles, theta, side='right') - 1) % len(
            corners)
        a, b = corners[edge], corners[(edge + 1) % len(corners)]
        nx, ny = b[..., 1] - a[..., 1], a[..., 0] - b[..., 0]
        reach = (nx * a[..., 0] + ny * a[..., 1]) / np.maximum(
            np.abs(nx * np.cos(theta) + ny * np.sin(theta)), 1e-9)
        return np.hypot(u, v) < radius * np.abs(reach)

    def _blob_mask(self, cx, cy, radius, aspect, angle, harmonics):
        """Star-shaped blob: ``rho < radius * (1 + sum_k a_k cos(k theta +
        phi_k))`` in a frame rotated by ``angle`` and squeezed by ``aspect``
        (<= 1) along its minor axis. Evaluated only on the square window that
        can contain it (the blob lies within ``radius * (1 + sum a_k)`` of
        its centre), which gives the same mask as the whole frame."""
        size = self.params.image_size
        mask = np.zeros((size, size), bool)
        frame = self._frame(cx, cy, angle, aspect,
                            radius * (1.0 + sum(abs(a) for a, _ in harmonics)))
        if frame is None:
            return mask
        window, u, v = frame
        rho = np.hypot(u, v)
        edge = np.ones_like(rho)
        if harmonics:
            theta = np.arctan2(v, u)
            for k, (amp, phase) in enumerate(harmonics, start=2):
                edge += amp * np.cos(k * theta + phase)
        mask[window] = rho < radius * edge
        return mask

    def _ellipse_mask(self, cx, cy, radius, aspect, angle):
        return self._blob_mask(cx, cy, radius, aspect, angle, ())

    def _outline_mask(self, cx, cy, radius, aspect, angle, outline):
        """A head outline (:data:`HEAD_SHAPES`) of circumradius ``radius``,
        squeezed by ``aspect`` and rotated by ``angle`` like
        :meth:`_blob_mask`: an ellipse, or the square, triangle and
        five-pointed star as polygons (:meth:`_inside_polygon`)."""
        if outline == 'ellipse':
            return self._ellipse_mask(cx, cy, radius, aspect, angle)
        if outline == 'star':
            vertex_radii = np.tile([1.0, 0.45], 5)
        else:
            vertex_radii = np.ones({'square': 4, 'triangle': 3}[outline])
        t = 2 * np.pi * np.arange(len(vertex_radii)) / len(vertex_radii)
        size = self.params.image_size
        mask = np.zeros((size, size), bool)
        frame = self._frame(cx, cy, angle, aspect, radius)
        if frame is None:
            return mask
        window, u, v = frame
        corners = np.stack(
            [vertex_radii * np.cos(t), vertex_radii * np.sin(t)], 1)
        mask[window] = self._inside_polygon(u, v, radius, corners)
        return mask

    def _random_head_colours(self, rng):
        """Two colours of random hues, one light and one dark (the
        ``class_cue='shape'`` heads: colour says nothing of the class)."""
        hue = rng.random()
        light = _hsv_to_bgr(hue, rng.uniform(0.4, 1.0), rng.uniform(0.75, 1.0))
        dark = _hsv_to_bgr(hue + rng.uniform(0.25, 0.75),
                           rng.uniform(0.4, 1.0), rng.uniform(0.1, 0.45))
        return light, dark

    def _random_harmonics(self, rng, strength=0.12):
        return tuple((rng.uniform(0, strength), rng.uniform(0, 2 * np.pi))
                     for _ in range(3))

    def _head_mask(self, shape, cx, cy):
        """Head mask of an object whose body is centred at (cx, cy)."""
        hx = cx + shape['head_dist'] * np.cos(shape['head_dir'])
        hy = cy + shape['head_dist'] * np.sin(shape['head_dir'])
        head = self._outline_mask(hx, hy, shape['head_radius'],
                                  shape['head_aspect'], shape['head_angle'],
                                  shape.get('head_outline', 'ellipse'))
        return head, (hx, hy)

    def _body_mask(self, shape, cx, cy):
        return self._blob_mask(cx, cy, shape['radius'], shape['aspect'],
                               shape['angle'], shape['harmonics'])

    def _boundary_distance(self, body, cx, cy, direction):
        """Distance from (cx, cy) to the body's outline along ``direction``."""
        size = self.params.image_size
        steps = np.arange(0.0, 2.0 * size, 0.5, dtype=np.float32)
        xs = np.floor(cx + steps * np.cos(direction)).astype(int)
        ys = np.floor(cy + steps * np.sin(direction)).astype(int)
        valid = (xs >= 0) & (xs < size) & (ys >= 0) & (ys < size)
        inside = np.zeros_like(valid)
        inside[valid] = body[ys[valid], xs[valid]]
        outside = np.flatnonzero(~inside)
        return float(steps[outside[0]]) if len(outside) else float(steps[-1])

    def _draw_object(self, rng, outline='ellipse'):
        """Body and head of one object, placed at random inside the image.

        The shape is drawn centred in the frame; the head's radius is fitted
        (a few fixed-point steps) so that the head covers the drawn share of
        the object; an object that does not fit is shrunk; finally masks are
        shifted by a random integer offset that keeps the whole object at
        least 2 px inside the frame (``np.roll`` never wraps anything).

        Returns:
            tuple: ``body`` and ``head`` boolean masks, the head centre
            ``(hx, hy)`` and the shape dict.
        """
        p = self.params
        size = p.image_size
        centre = size / 2.0
        margin = 2
        scale = rng.uniform(*p.object_scale)
        target = rng.uniform(*p.head_fraction)
        shape = dict(
            radius=scale * size / 2.0,
            aspect=rng.uniform(0.55, 1.0),
            angle=rng.uniform(0, np.pi),
            harmonics=self._random_harmonics(rng),
            head_dir=rng.uniform(0, 2 * np.pi),
            head_aspect=rng.uniform(0.75, 1.0),
            head_angle=rng.uniform(0, np.pi),
            head_outline=outline,
            target_head_fraction=target)
        while True:
            body = self._body_mask(shape, centre, centre)
            edge = self._boundary_distance(body, centre, centre,
                                           shape['head_dir'])
            # The head sits on the outline with its centre just outside it.
            radius = np.sqrt(target * body.sum() /
                             (np.pi * shape['head_aspect']))
            for _ in range(4):
                shape.update(
                    head_radius=radius, head_dist=edge + 0.35 * radius)
                head, _ = self._head_mask(shape, centre, centre)
                frac = head.sum() / max((body | head).sum(), 1)
                radius *= float(np.sqrt(target / max(frac, 1e-3)))
            shape.update(head_radius=radius, head_dist=edge + 0.35 * radius)
            head, (hx, hy) = self._head_mask(shape, centre, centre)
            box = tight_box(body | head)
            lo_x, hi_x = margin - box[0], size - margin - box[2]
            lo_y, hi_y = margin - box[1], size - margin - box[3]
            if lo_x <= hi_x and lo_y <= hi_y:
                break
            shape['radius'] *= 0.92  # too large for the frame: shrink
        dx = int(rng.integers(int(np.ceil(lo_x)), int(np.floor(hi_x)) + 1))
        dy = int(rng.integers(int(np.ceil(lo_y)), int(np.floor(hi_y)) + 1))
        body = np.roll(body, (dy, dx), axis=(0, 1))
        head = np.roll(head, (dy, dx), axis=(0, 1))
        return body, head, (hx + dx, hy + dy), shape

    # ------------------------------------------------------------------
    def _class_hue_centre(self, label: int) -> float:
        return label / self.params.num_classes

    def _draw_head(self, rng, canvas, mask, design, cx, cy, radius):
        if self.params.class_cue == 'design':
            pattern, col_a, col_b = design
            colours = self.colours[col_a], self.colours[col_b]
        else:  # (pattern, outline): the colours are drawn for this head
            pattern = design[0]
            colours = self._random_head_colours(rng)
        field = self._head_field(rng, pattern, cx, cy, radius)
        self._paint(canvas, mask, field, *colours)

    def _image_rng(self, image_id: int) -> np.random.Generator:
        """The random stream of image ``image_id`` (its own, so that an
        image depends only on the params, its id and its label)."""
        return np.random.default_rng(
            np.random.SeedSequence(self.params.seed,
                                   spawn_key=(int(image_id), )))

    def _render_background(self, rng) -> np.ndarray:
        """Steps 1-2 of :meth:`render`: a low-saturation base texture and
        textured clutter (blobs and branches of any hue), ``float32 (S, S,
        3)`` BGR. Shared with the pretraining generator."""
        p = self.params
        size = p.image_size
        canvas = np.empty((size, size, 3), np.float32)
        # 1. background base: low-saturation smooth texture.
        base_hue = rng.random()
        light = _hsv_to_bgr(base_hue, rng.uniform(0.05, 0.3),
                            rng.uniform(0.45, 0.8))
        dark = light * rng.uniform(0.6, 0.85)
        full = np.ones((size, size), bool)
        self._paint(canvas, full, self._body_texture(rng, 'mottled'), light,
                    dark)
        # 2. clutter: blobs and branches with body-like textures, any hue.
        for _ in range(int(rng.integers(p.num_clutter[0],
                                        p.num_clutter[1] + 1))):
            mask = self._blob_mask(
                rng.uniform(0, size), rng.uniform(0, size),
                rng.uniform(0.06, 0.2) * size, rng.uniform(0.4, 1.0),
                rng.uniform(0, np.pi), self._random_harmonics(rng, 0.2))
            family = BODY_TEXTURES[rng.integers(len(BODY_TEXTURES))]
            self._paint(canvas, mask, self._body_texture(rng, family),
                        *self._body_colours(rng, rng.random()))
        for _ in range(int(rng.integers(p.num_branches[0],
                                        p.num_branches[1] + 1))):
            line = np.zeros((size, size), np.uint8)
            pts = rng.uniform(-0.1, 1.1, size=(2, 2)) * size
            cv2.line(line, tuple(int(v) for v in pts[0]),
                     tuple(int(v) for v in pts[1]), 1,
                     int(rng.integers(2, 6)))
            family = BODY_TEXTURES[rng.integers(len(BODY_TEXTURES))]
            self._paint(canvas, line.astype(bool),
                        self._body_texture(rng, family),
                        *self._body_colours(rng, rng.random()))
        return canvas

    def _finish(self, rng, canvas) -> np.ndarray:
        """Last step of :meth:`render`: a global illumination ramp and pixel
        noise, then rounding to ``uint8``."""
        p = self.params
        size = p.image_size
        u, _ = self._rotated(rng, size / 2.0, size / 2.0)
        canvas *= (1.0 + rng.uniform(0.0, 0.15) * u / size)[..., None]
        if p.noise_std > 0:
            canvas += rng.normal(0.0, p.noise_std, canvas.shape).astype(
                np.float32)
        return np.clip(np.rint(canvas), 0, 255).astype(np.uint8)

    def render(self, image_id: int, label: int) -> SyntheticSample:
        """Render image ``image_id`` (1-based) of class ``label`` (0-based).

        The result depends only on the params, ``image_id`` and ``label``.
        """
        p = self.params
        if not 0 <= label < p.num_classes:
            raise ValueError(f'label must be in [0, {p.num_classes}), '
                             f'got {label}')
        rng = self._image_rng(image_id)
        size = p.image_size
        canvas = self._render_background(rng)

        # 3. distractor heads: designs of no class, anywhere.
        for _ in range(int(
                rng.integers(p.num_distractor_heads[0],
                             p.num_distractor_heads[1] + 1))):
            if not self.distractor_designs:
                break
            design = self.distractor_designs[rng.integers(
                len(self.distractor_designs))]
            # as large as the head of a typical object (area of an ellipse
            # of major radius scale * size / 2 and mean aspect 0.75)
            body_radius = rng.uniform(*p.object_scale) * size / 2.0
            radius = np.sqrt(
                rng.uniform(*p.head_fraction) * 0.75) * body_radius
            cx, cy = rng.uniform(0, size), rng.uniform(0, size)
            outline = design[1] if p.class_cue == 'shape' else 'ellipse'
            mask = self._outline_mask(cx, cy, radius, rng.uniform(0.75, 1.0),
                                      rng.uniform(0, np.pi), outline)
            self._draw_head(rng, canvas, mask, design, cx, cy, radius)

        # 4. the object: body (weak class hue) + head (the class design).
        outline = self.head_designs[label][1] if p.class_cue == 'shape' \
            else 'ellipse'
        body, head, (hx, hy), shape = self._draw_object(rng, outline)
        if p.class_cue == 'design':
            spacing = 1.0 / p.num_classes
            hue = (self._class_hue_centre(label) +
                   rng.uniform(-1, 1) * p.body_hue_window * spacing) % 1.0
        else:  # no colour cue: any hue
            hue = rng.random()
        family = BODY_TEXTURES[rng.integers(len(BODY_TEXTURES))]
        self._paint(canvas, body, self._body_texture(rng, family),
                    *self._body_colours(rng, hue))
        self._draw_head(rng, canvas, head, self.head_designs[label], hx, hy,
                        shape['head_radius'])

        # 5. global illumination ramp and pixel noise (masks unchanged).
        img = self._finish(rng, canvas)

        part_map = np.zeros((size, size), np.uint8)
        part_map[body] = PART_BODY
        part_map[head] = PART_HEAD
        obj = part_map > 0
        meta = dict(
            label=int(label),
            body_hue=float(hue),
            body_texture=family,
            object_scale=float(2 * shape['radius'] / size),
            head_fraction=float(head.sum() / obj.sum()),
            target_head_fraction=float(shape['target_head_fraction']))
        return SyntheticSample(
            img=img,
            part_map=part_map,
            bbox=tight_box(obj),
            head_bbox=tight_box(head),
            meta=meta)


# ----------------------------------------------------------------------
# writing the CUB-200-2011 layout
def _fmt_box(image_id, box):
    x0, y0, x1, y1 = (float(v) for v in box)
    return f'{image_id} {x0:.1f} {y0:.1f} {x1 - x0:.1f} {y1 - y0:.1f}'


def _write_png(path, array):
    os.makedirs(osp.dirname(path), exist_ok=True)
    if not cv2.imwrite(path, array, [cv2.IMWRITE_PNG_COMPRESSION, 3]):
        raise OSError(f'could not write {path}')


def _render_and_write(gen: SyntheticWSOLGenerator, out_dir: str,
                      item: dict) -> Tuple[Dict[str, str], float]:
    """Render one planned image, write its PNGs (held-out images into the
    ``train_fullsup/`` sub-folder), return its txt rows."""
    sample = gen.render(item['image_id'], item['label'])
    rel = item['relpath']
    if item['split'] == 'train_fullsup':
        out_dir = osp.join(out_dir, TRAIN_FULLSUP_DIR)
    _write_png(osp.join(out_dir, 'images', rel), sample.img)
    _write_png(
        osp.join(out_dir, 'segmentations', rel),
        np.where(sample.part_map > 0, 255, 0).astype(np.uint8))
    _write_png(osp.join(out_dir, 'part_masks', rel), sample.part_map)
    i = item['image_id']
    rows = dict(
        images=f'{i} {rel}',
        image_class_labels=f'{i} {item["label"] + 1}',
        train_test_split=f'{i} {int(item["is_train"])}',
        bounding_boxes=_fmt_box(i, sample.bbox),
        head_boxes=_fmt_box(i, sample.head_bbox))
    return rows, sample.meta['head_fraction']


_WORKER_GENERATOR = None


def _init_worker(generator_cls, params):
    global _WORKER_GENERATOR
    cv2.setNumThreads(1)
    _WORKER_GENERATOR = generator_cls(params)


def _worker_render_and_write(render_and_write, out_dir, item):
    return render_and_write(_WORKER_GENERATOR, out_dir, item)


def render_plan(gen, render_and_write, out_dir: str, plan: List[dict],
                num_workers: int = 0, title: str = 'synthetic images'):
    """``render_and_write(gen, out_dir, item)`` for every planned item, in
    this process or in ``num_workers`` spawned processes (each with its own
    ``type(gen)(gen.params)``), with a progress bar on the console.

    Returns:
        list: the results, in the order of ``plan``.
    """
    import functools

    from mmengine.utils import ProgressBar
    print(f'generating {len(plan)} {title} into {out_dir} (once; cached)',
          flush=True)
    bar = ProgressBar(len(plan))
    step = max(1, len(plan) // 50)  # 50 updates: short logs when not a tty
    results = []

    def done(result):
        results.append(result)
        if len(results) % step == 0 or len(results) == len(plan):
            bar.update(step if len(results) % step == 0 else
                       len(results) % step)
    if num_workers > 0:
        import multiprocessing as mp
        # spawn, not fork: a forked child inherits OpenCV's (and OpenMP's)
        # thread-pool state from a parent that has used them and can
        # deadlock in its first cv2 call (seen in cv2.setNumThreads)
        with mp.get_context('spawn').Pool(
                num_workers, initializer=_init_worker,
                initargs=(type(gen), gen.params)) as pool:
            for result in pool.imap(
                    functools.partial(_worker_render_and_write,
                                      render_and_write, out_dir),
                    plan,
                    chunksize=max(1, len(plan) // (32 * num_workers))):
                done(result)
    else:
        for item in plan:
            done(render_and_write(gen, out_dir, item))
    print(flush=True)
    return results


def make_empty_dir(out_dir: str) -> None:
    """Create ``out_dir`` for a generator to write into; an existing one
    must be empty."""
    if osp.isdir(out_dir) and os.listdir(out_dir):
        raise FileExistsError(f'out_dir {out_dir} exists and is not empty')
    os.makedirs(out_dir, exist_ok=True)


def write_synthetic_wsol(out_dir: str,
                         params=None,
                         num_workers: int = 0) -> dict:
    """Write the whole dataset into ``out_dir`` (created; must be empty).

    Layout (CUB-200-2011, ids 1-based, paths relative to ``images/``)::

        out_dir/
        ├── images/<NNN.classname>/<classname>_<id>.png   BGR PNG
        ├── segmentations/<same relpath>                  0/255 object mask
        ├── part_masks/<same relpath>                     0 bg, 1 body, 2 head
        ├── images.txt              "id relpath"
        ├── image_class_labels.txt  "id label" (label 1-based)
        ├── train_test_split.txt    "id is_train" (1 train, 0 test)
        ├── bounding_boxes.txt      "id x y w h": the tight box of the mask,
        │                           x0 = x = min col, x1 = x + w = max col + 1
        ├── head_boxes.txt          "id x y w h" of the head part, same rule
        ├── classes.txt             "id name"
        ├── synthetic_wsol.json     params, version, class designs, counts
        └── train_fullsup/          the held-out images (ids after all of
                                    the above) in the same layout, every
                                    is_train 0; only with
                                    train_fullsup_per_class > 0

    The files do not depend on ``num_workers``.

    Args:
        out_dir (str): Target folder.
        params (SyntheticWSOLParams | dict | None): Generator parameters.
        num_workers (int): Worker processes (0: render in this process).

    Returns:
        dict: The content of ``synthetic_wsol.json`` plus ``seconds``, the
        generation time.
    """
    start = time.perf_counter()
    gen = SyntheticWSOLGenerator(params)
    make_empty_dir(out_dir)
    plan = gen.plan()
    results = render_plan(gen, _render_and_write, out_dir, plan, num_workers,
                          'synthetic WSOL images')
    head_fracs = [frac for item, (_, frac) in zip(plan, results)
                  if item['split'] != 'train_fullsup']
    for folder, splits in ((out_dir, ('train', 'test')),
                           (osp.join(out_dir, TRAIN_FULLSUP_DIR),
                            ('train_fullsup', ))):
        chosen = [rows for item, (rows, _) in zip(plan, results)
                  if item['split'] in splits]
        if not chosen:
            continue
        for name in chosen[0]:
            with open(osp.join(folder, f'{name}.txt'), 'w') as f:
                f.write('\n'.join(rows[name] for rows in chosen) + '\n')
        with open(osp.join(folder, 'classes.txt'), 'w') as f:
            f.write('\n'.join(f'{k + 1} {name}'
                              for k, name in enumerate(gen.classes)) + '\n')
    p = gen.params
    info = dict(
        generator_version=GENERATOR_VERSION,
        fingerprint=p.fingerprint(),
        params=p.to_dict(),
        classes=[
            dict(
                id=k + 1,
                name=name,
                head_pattern=design[0],
                **(dict(head_colours=list(design[1:]),
                        body_hue_centre=gen._class_hue_centre(k))
                   if p.class_cue == 'design' else dict(
                       head_outline=design[1])))
            for k, (name, design) in enumerate(zip(gen.classes,
                                                   gen.head_designs))
        ],
        part_labels=dict(
            background=PART_BACKGROUND, body=PART_BODY, head=PART_HEAD),
        num_train=p.num_classes * p.train_per_class,
        num_test=p.num_classes * p.test_per_class,
        num_train_fullsup=p.num_classes * p.train_fullsup_per_class,
        head_fraction_mean=float(np.mean(head_fracs)))
    # Written last: json.dumps is deterministic, no timestamps inside.
    with open(osp.join(out_dir, INFO_FILE), 'w') as f:
        json.dump(info, f, indent=2, sort_keys=True)
        f.write('\n')
    info['seconds'] = time.perf_counter() - start
    return info


# ----------------------------------------------------------------------
# the cache
def default_cache_root(kind: str = 'synthetic_wsol') -> str:
    """``$MMWSOL_CACHE/<kind>``, else ``~/.cache/mmwsol/<kind>``."""
    root = os.environ.get('MMWSOL_CACHE')
    if root:
        return osp.join(osp.expanduser(root), kind)
    return osp.join(osp.expanduser('~'), '.cache', 'mmwsol', kind)


def is_complete(data_root: str, info_file: str = INFO_FILE) -> bool:
    """Whether ``data_root`` holds a finished dataset (its json exists)."""
    return osp.isfile(osp.join(data_root, info_file))


def build_atomically(data_root: str,
                     params=None,
                     num_workers: int = 0,
                     writer=None,
                     info_file: str = INFO_FILE) -> bool:
    """Write the dataset into a temp folder beside ``data_root``, then rename.

    Safe when several processes race: the first rename wins, the others
    discard their copy. Does nothing when ``data_root`` is complete.

    Args:
        writer (callable, optional): ``writer(out_dir, params,
            num_workers)`` writes the files, ``info_file`` last; defaults
            to :func:`write_synthetic_wsol`.

    Returns:
        bool: True if this call produced ``data_root``.
    """
    if is_complete(data_root, info_file):
        return False
    writer = writer or write_synthetic_wsol
    parent = osp.dirname(osp.abspath(data_root))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(
        prefix=f'.{osp.basename(data_root)}.tmp-{os.getpid()}-'
        f'{uuid.uuid4().hex[:6]}-',
        dir=parent)
    try:
        writer(tmp, params, num_workers)
        try:
            os.rename(tmp, data_root)
        except OSError:
            if not is_complete(data_root, info_file):
                raise
            return False  # another process finished first
        return True
    finally:
        if osp.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)


def params_from(params, params_cls):
    """``params_cls`` (a generator params dataclass) from itself, a dict
    (config) or None; unknown keys of a dict are an error that lists the
    known ones."""
    if params is None:
        return params_cls()
    if isinstance(params, params_cls):
        return params
    if isinstance(params, dict):
        known = [f.name for f in dataclasses.fields(params_cls)]
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise ValueError(f'unknown {params_cls.__name__} params '
                             f'{unknown}; known: {known}')
        return params_cls(**params)
    raise TypeError(f'generator params must be a {params_cls.__name__}, a '
                    f'dict or None, got {type(params)}')


def to_params(params) -> SyntheticWSOLParams:
    """:class:`SyntheticWSOLParams` from itself, a dict (config) or None."""
    return params_from(params, SyntheticWSOLParams)


def read_info(data_root: str, info_file: str = INFO_FILE) -> dict:
    """The ``info_file`` json of a finished dataset."""
    path = osp.join(data_root, info_file)
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as exc:
        raise FileNotFoundError(
            f'{path}: not a finished generated dataset ({exc})') from exc


def prepare_generated(params,
                      writer,
                      info_file: str,
                      cache_root: Optional[str] = None,
                      data_root: Optional[str] = None,
                      num_workers: int = 0) -> str:
    """Return the folder of a generated dataset, generating it on first use.

    Without ``data_root`` the folder is ``<cache_root>/<params.cache_name>``.
    A ``data_root`` that holds a finished dataset made with other params is
    an error (its ``info_file`` says which). In a distributed run rank 0
    writes while the others wait at a barrier; a rank that still finds no
    dataset afterwards (a cache on a node-local disk) builds its own copy.
    Every copy is written to a temp folder and renamed into place, so
    concurrent processes never see a partial dataset.

    Args:
        params: the generator's params dataclass (``fingerprint()``,
            ``cache_name``, ``to_dict()``).
        writer (callable): ``writer(out_dir, params, num_workers)``.
        info_file (str): the json the writer writes last.
        cache_root (str): the cache folder of this kind of dataset.
        data_root (str, optional): explicit dataset folder instead.
        num_workers (int): worker processes for the generation.
    """
    from mmengine.dist import barrier, get_dist_info

    if data_root is None:
        root = osp.join(osp.expanduser(cache_root), params.cache_name)
    else:
        root = osp.expanduser(data_root)
    rank, world_size = get_dist_info()
    if world_size > 1:
        if rank == 0:
            build_atomically(root, params, num_workers, writer, info_file)
        barrier()
    build_atomically(root, params, num_workers, writer, info_file)
    found = read_info(root, info_file).get('fingerprint')
    if found != params.fingerprint():
        raise ValueError(
            f'{root} holds a generated dataset with fingerprint {found} '
            f'(see its {info_file}), but the requested params '
            f'{params.to_dict()} have fingerprint {params.fingerprint()}: '
            'use another data_root.')
    return root


def existing_or_prepared(data_root: Optional[str], generator,
                         info_file: str, prepare) -> str:
    """The dataset folder of a generated-dataset class: ``data_root`` as it
    is when it holds a finished dataset and no ``generator`` params are
    given (a folder made by a CLI, say), else ``prepare()``'s folder."""
    if data_root is not None and generator is None and is_complete(
            osp.expanduser(data_root), info_file):
        return osp.expanduser(data_root)
    return prepare()


def prepare_synthetic_wsol(params=None,
                           cache_root: Optional[str] = None,
                           data_root: Optional[str] = None,
                           num_workers: int = 0) -> str:
    """Return the folder of the synthetic WSOL benchmark, generating it on
    first use (:func:`prepare_generated`; without ``data_root`` the folder
    is ``<cache_root>/v<version>-<hash of params>``).

    Args:
        params (SyntheticWSOLParams | dict | None): Generator parameters.
        cache_root (str, optional): Defaults to :func:`default_cache_root`.
        data_root (str, optional): Explicit dataset folder instead of the
            cache.
        num_workers (int): Worker processes for the generation.

    Returns:
        str: The dataset root, in the CUB-200-2011 layout.
    """
    return prepare_generated(
        to_params(params),
        lambda out, p, n: write_synthetic_wsol(out, p, n),
        INFO_FILE,
        cache_root=cache_root or default_cache_root(),
        data_root=data_root,
        num_workers=num_workers)


__all__ = [
    'GENERATOR_VERSION', 'PART_BACKGROUND', 'PART_BODY', 'PART_HEAD',
    'HEAD_PATTERNS', 'HEAD_COLOURS', 'HEAD_SHAPES', 'CLASS_CUES',
    'BODY_TEXTURES', 'MAX_CLASSES', 'MAX_SHAPE_CLASSES', 'TRAIN_FULLSUP_DIR',
    'INFO_FILE',
    'SyntheticWSOLParams', 'SyntheticSample', 'SyntheticWSOLGenerator',
    'head_combinations', 'shape_combinations', 'designs', 'class_names',
    'tight_box', 'write_synthetic_wsol',
    'default_cache_root', 'is_complete', 'build_atomically', 'read_info',
    'to_params', 'params_from', 'render_plan', 'prepare_generated',
    'prepare_synthetic_wsol', 'make_empty_dir', 'existing_or_prepared'
]
