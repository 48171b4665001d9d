"""The pretraining set's renderer: one object whose (outline, surface
texture) pair is the class, on the benchmark's kind of cluttered
background (:meth:`.BaseSyntheticGenerator._render_background`).

8 outlines x 6 textures = 48 classes (:mod:`.designs`); the two colours of
every object are drawn at random, so colour tells nothing. None of it is a
benchmark class: the outlines are none of the benchmark's head outlines or
bodies, the textures none of its head patterns or body textures.
"""
from typing import List

import numpy as np

from .base_generator import BaseSyntheticGenerator
from .designs import PRETRAIN_SHAPES, PRETRAIN_TEXTURES, pretrain_class_names
from .params import SyntheticPretrainParams
from .plan import pretrain_plan


class SyntheticPretrainGenerator(BaseSyntheticGenerator):
    """Renders the pretraining images of one :class:`SyntheticPretrainParams`
    set (backgrounds and helpers of :class:`.BaseSyntheticGenerator`).

    Example:
        >>> gen = SyntheticPretrainGenerator()
        >>> img = gen.render_image(image_id=1, label=0)  # uint8 S x S x 3
    """
    params_cls = SyntheticPretrainParams

    def __init__(self, params=None):
        super().__init__(params)
        self.classes = pretrain_class_names()

    def plan(self) -> List[dict]:
        """Every image of the set (:func:`.plan.pretrain_plan`)."""
        return pretrain_plan(self.params, self.classes)

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
