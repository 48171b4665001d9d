"""The drawing primitives every synthetic generator shares: the pixel grid,
each image's own random stream, textures, star-shaped and polygonal masks,
the cluttered background and the final illumination and noise.

All fields are ``float32 (S, S)`` over the whole frame (``S`` =
``params.image_size``); pixel ``i`` covers ``[i, i + 1)``, so coordinates
are those of pixel centres (``i + 0.5``). Canvases are ``float32 (S, S,
3)`` BGR in 0..255 until :meth:`BaseSyntheticGenerator._finish` rounds
them to ``uint8``.
"""
import colorsys
from typing import List

import cv2
import numpy as np

from .designs import BODY_TEXTURES
from .params import params_from


def hsv_to_bgr(h: float, s: float, v: float) -> np.ndarray:
    """``float32 (3,)`` BGR in 0..255 of a colour in HSV (each in 0..1;
    the hue wraps around)."""
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return np.array([b, g, r], dtype=np.float32) * 255.0


class BaseSyntheticGenerator:
    """Base of the generators: holds the params and the pixel grid.

    A subclass sets ``params_cls`` (its params dataclass, which has
    ``image_size``, ``seed``, ``num_clutter`` and ``num_branches``) and
    implements :meth:`plan`, the list of the images it writes.

    Args:
        params (GeneratorParams | dict | None): The parameters; a dict is
            passed to ``params_cls``. Defaults to the defaults.
    """
    params_cls = None

    def __init__(self, params=None):
        self.params = params_from(params, self.params_cls)
        size = self.params.image_size
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
        # Pixel centres: pixel i covers [i, i + 1).
        self._yy, self._xx = yy + 0.5, xx + 0.5

    def plan(self) -> List[dict]:
        """Every image of the set (``image_id``, ``label``, ``split``,
        ``relpath``, ...), in id order; see :mod:`.plan`."""
        raise NotImplementedError

    def _image_rng(self, image_id: int) -> np.random.Generator:
        """The random stream of image ``image_id`` (its own, so that an
        image depends only on the params, its id and its label)."""
        return np.random.default_rng(
            np.random.SeedSequence(self.params.seed,
                                   spawn_key=(int(image_id), )))

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
        light = hsv_to_bgr(hue, sat, val)
        dark = hsv_to_bgr(hue + rng.uniform(-0.03, 0.03),
                          min(1.0, sat + rng.uniform(0.0, 0.2)),
                          val * rng.uniform(0.45, 0.7))
        return light, dark

    def _paint(self, canvas, region, field, col_a, col_b):
        """canvas[region] = mix of col_a (field 0) and col_b (field 1)."""
        f = field[region][:, None]
        canvas[region] = col_a * (1.0 - f) + col_b * f

    def _random_head_colours(self, rng):
        """Two colours of random hues, one light and one dark (the
        ``class_cue='shape'`` heads and the pretraining objects: colour
        says nothing of the class)."""
        hue = rng.random()
        light = hsv_to_bgr(hue, rng.uniform(0.4, 1.0), rng.uniform(0.75, 1.0))
        dark = hsv_to_bgr(hue + rng.uniform(0.25, 0.75),
                          rng.uniform(0.4, 1.0), rng.uniform(0.1, 0.45))
        return light, dark

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

    def _random_harmonics(self, rng, strength=0.12):
        return tuple((rng.uniform(0, strength), rng.uniform(0, 2 * np.pi))
                     for _ in range(3))

    # ------------------------------------------------------------------
    # the background and the last step
    def _render_background(self, rng) -> np.ndarray:
        """A low-saturation base texture and textured clutter (blobs and
        branches of any hue), ``float32 (S, S, 3)`` BGR: steps 1-2 of
        :meth:`SyntheticWSOLGenerator.render`, and the pretraining images'
        background."""
        p = self.params
        size = p.image_size
        canvas = np.empty((size, size, 3), np.float32)
        # 1. background base: low-saturation smooth texture.
        base_hue = rng.random()
        light = hsv_to_bgr(base_hue, rng.uniform(0.05, 0.3),
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
        """The last step of rendering: a global illumination ramp and pixel
        noise, then rounding to ``uint8 (S, S, 3)``."""
        p = self.params
        size = p.image_size
        u, _ = self._rotated(rng, size / 2.0, size / 2.0)
        canvas *= (1.0 + rng.uniform(0.0, 0.15) * u / size)[..., None]
        if p.noise_std > 0:
            canvas += rng.normal(0.0, p.noise_std, canvas.shape).astype(
                np.float32)
        return np.clip(np.rint(canvas), 0, 255).astype(np.uint8)
