"""The benchmark's renderer: one object (a textured body with a small head
that carries the class) on a cluttered background.

Every image shows one *object* on a cluttered background. The object is a
large textured **body** with a small **head** attached to its outline (like a
bird in CUB-200-2011):

- the head (``head_fraction`` of the object's area, 10-20 % by default) carries
  the class without ambiguity: a two-colour pattern (``stripes``, ``checker``
  or ``rings``) in a pair of saturated colours; the (pattern, colour pair) of
  every class is unique (:mod:`.designs`);
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
"""
import dataclasses
from typing import List

import numpy as np

from .base_generator import BaseSyntheticGenerator
from .designs import BODY_TEXTURES, HEAD_COLOURS, class_names, designs
from .params import SyntheticWSOLParams
from .plan import wsol_plan

#: Values of the part-label PNGs under ``part_masks/``.
PART_BACKGROUND, PART_BODY, PART_HEAD = 0, 1, 2


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


class SyntheticWSOLGenerator(BaseSyntheticGenerator):
    """Renders the images of one :class:`SyntheticWSOLParams` set.

    Args:
        params (SyntheticWSOLParams | dict | None): The parameters; a dict is
            passed to :class:`SyntheticWSOLParams`. Defaults to the defaults.

    Example:
        >>> gen = SyntheticWSOLGenerator(dict(num_classes=4, seed=1))
        >>> sample = gen.render(image_id=1, label=0)
        >>> sample.img.shape, sample.bbox
    """
    params_cls = SyntheticWSOLParams

    def __init__(self, params=None):
        super().__init__(params)
        params = self.params
        self.classes = class_names(params.num_classes, params.class_cue)
        all_designs = designs(params.class_cue)
        self.head_designs = all_designs[:params.num_classes]
        # Distractor heads use only designs that belong to no class.
        self.distractor_designs = all_designs[params.num_classes:]
        self.colours = {name: np.array(bgr, np.float32)
                        for name, bgr in HEAD_COLOURS}

    def plan(self) -> List[dict]:
        """Every image of the dataset (:func:`.plan.wsol_plan`)."""
        return wsol_plan(self.params, self.classes)

    # ------------------------------------------------------------------
    # the head's pattern: a float32 (S, S) field in [0, 1]
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
    def class_hue_centre(self, label: int) -> float:
        """Centre of the window class ``label``'s body hues are drawn from
        (``class_cue='design'``), in 0..1."""
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
            hue = (self.class_hue_centre(label) +
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
