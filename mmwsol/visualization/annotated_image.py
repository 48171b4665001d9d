"""One picture of an image with its score map, masks, boxes and a caption
(the drawing behind :class:`LocalizationVisualizer`, ``browse_dataset`` and
the inference pictures).

Small images are upscaled (an integer factor, nearest neighbour) before
anything is drawn, so that lines and captions have the pixels to be read;
boxes are drawn inside their own area (the stroke's outer edge is the box
edge), so a box covering the whole image stays whole on the canvas; each
stroke has a thin dark outline, so a box stays visible over any colour of
the jet map. The caption is a white band under the picture; a caption line
may start with a swatch of a box colour: the legend.
"""
import warnings
from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
from mmengine.visualization import Visualizer

from mmwsol.structures.score_map_ops import upsample_score_maps

__all__ = [
    'draw_annotated_image', 'upscale_factor', 'fit_text', 'GT_COLOR',
    'PRED_COLOR', 'DEFAULT_MIN_SIZE'
]

Color = Tuple[int, int, int]
#: RGB of GT boxes (and GT masks): green, far from every jet colour but the
#: middle's light green; the dark outline separates the two
GT_COLOR: Color = (0, 255, 0)
#: RGB of predicted boxes: magenta, a colour jet never takes (red would
#: vanish on the map's hot spot, where the predicted box is)
PRED_COLOR: Color = (255, 0, 255)
OUTLINE_COLOR: Color = (0, 0, 0)
#: the short side that small images are upscaled to, at least
DEFAULT_MIN_SIZE = 320
FONT = cv2.FONT_HERSHEY_SIMPLEX
MIN_FONT_SCALE = 0.35


def upscale_factor(height: int, width: int, min_size: Optional[int]) -> int:
    """The integer factor that brings the short side of an ``height x
    width`` image to at least ``min_size`` (1 when it is there already or
    ``min_size`` is 0 / None)."""
    short = min(int(height), int(width))
    if not min_size or short <= 0 or short >= min_size:
        return 1
    return int(np.ceil(min_size / short))


def fit_text(text: str, max_width: int, font_scale: float,
             thickness: int = 1) -> Tuple[str, float]:
    """``(text, font scale)`` whose ``cv2.putText`` width (Hershey simplex)
    is at most ``max_width`` pixels: the scale shrinks down to
    ``MIN_FONT_SCALE``, then the text is cut and ends in ``...``."""
    text = str(text)

    def width(t, s):
        return cv2.getTextSize(t, FONT, s, thickness)[0][0]

    scale = font_scale
    while width(text, scale) > max_width and scale > MIN_FONT_SCALE:
        scale = max(MIN_FONT_SCALE, scale * 0.9)
    if width(text, scale) <= max_width:
        return text, scale
    while text and width(text + '...', scale) > max_width:
        text = text[:-1]
    return (text + '...' if text else ''), scale


def draw_annotated_image(
        image: np.ndarray,
        boxes: Sequence[Tuple[np.ndarray, Color]] = (),
        caption: Sequence[Union[str, Tuple[str, Color]]] = (),
        score_map: Optional[Union[np.ndarray, torch.Tensor]] = None,
        map_alpha: float = 0.5,
        mask: Optional[np.ndarray] = None,
        mask_color: Color = GT_COLOR,
        mask_alpha: float = 0.4,
        min_size: Optional[int] = DEFAULT_MIN_SIZE,
        line_width: Optional[int] = None) -> np.ndarray:
    """Draw one picture: ``image`` upscaled, the score map blended as a jet
    heat map, the mask tinted, the boxes, the caption band below.

    Args:
        image (np.ndarray): ``H x W x 3`` uint8 (RGB for the colours to be
            the ones named here).
        boxes (Sequence[tuple]): ``(boxes, colour)`` pairs, drawn in
            order: ``boxes`` ``(k, 4)`` (or ``(4,)``) ``x0, y0, x1, y1`` in
            the continuous pixel coordinates of ``image``
            (docs/conventions.md); ``colour`` RGB, e.g. :data:`GT_COLOR`,
            :data:`PRED_COLOR`.
        caption (Sequence): lines of the caption band; a ``(text,
            colour)`` line starts with a swatch of that box colour (the
            legend). Too long lines are shrunk, then cut (``...``).
        score_map (np.ndarray | Tensor, optional): ``(h, w)`` map at any
            resolution covering the image; upsampled bilinearly, min-max
            normalised, blended as jet with weight ``map_alpha``.
        map_alpha (float): weight of the heat map. Defaults to 0.5.
        mask (np.ndarray, optional): ``H x W`` uint8 0 background, 1
            foreground, 255 ignore; the foreground is tinted with
            ``mask_color`` (weight ``mask_alpha``), the ignore region
            greyed.
        mask_color (tuple): RGB of the foreground tint. Defaults to
            :data:`GT_COLOR`.
        mask_alpha (float): weight of the tint. Defaults to 0.4.
        min_size (int, optional): upscale (integer factor, nearest) until
            the short side is at least this; 0 / None: draw at the image's
            size. Defaults to :data:`DEFAULT_MIN_SIZE`.
        line_width (int, optional): box stroke in pixels of the drawn
            picture, outline excluded; by default ``max(2, short side /
            128)`` (3 px on a 336 px picture).

    Returns:
        np.ndarray: ``(s H + caption) x s W x 3`` uint8, ``s`` =
        :func:`upscale_factor`; no caption band without ``caption``.
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f'draw_annotated_image: the image must be H x W x 3 '
                         f'uint8, got {image.shape} {image.dtype}.')
    height, width = image.shape[:2]
    factor = upscale_factor(height, width, min_size)
    canvas = np.ascontiguousarray(
        np.repeat(np.repeat(image, factor, axis=0), factor, axis=1))
    size = (height * factor, width * factor)
    if score_map is not None:
        canvas = _blend_score_map(canvas, score_map, map_alpha)
    if mask is not None:
        canvas = _tint_mask(canvas, mask, factor, mask_color, mask_alpha)
    if line_width is None:
        line_width = max(2, int(round(min(size) / 128)))
    line_width = max(1, int(round(line_width)))
    outline = max(1, line_width // 3)
    for group, color in boxes:
        group = np.asarray(
            group.detach().cpu() if isinstance(group, torch.Tensor) else
            group, dtype=np.float64).reshape(-1, 4)
        for box in group:
            if (box[0] < 0 or box[1] < 0 or box[2] > width
                    or box[3] > height):
                warnings.warn(
                    f'draw_annotated_image: the box {box.tolist()} is out '
                    f'of bounds of the {width} x {height} image; drawn '
                    'clipped to it.')
            _draw_box(canvas, box * factor, color, line_width, outline)
    if not caption:
        return canvas
    band = _caption_band(size[1], caption, line_width, outline)
    return np.concatenate([canvas, band], axis=0)


def _blend_score_map(canvas, score_map, alpha):
    score_map = torch.as_tensor(
        np.asarray(score_map) if not isinstance(score_map, torch.Tensor)
        else score_map.detach().cpu()).float()
    if score_map.dim() < 2:
        raise ValueError('draw_annotated_image: the score map must be h x w, '
                         f'got shape {tuple(score_map.shape)}.')
    score_map = torch.nan_to_num(score_map.reshape(1, *score_map.shape[-2:]))
    score_map = upsample_score_maps(score_map, canvas.shape[:2], 'bilinear')
    return Visualizer.draw_featmap(
        score_map,
        overlaid_image=canvas,
        channel_reduction='squeeze_mean',
        alpha=alpha)


def _tint_mask(canvas, mask, factor, color, alpha):
    mask = np.asarray(mask)
    if mask.shape != (canvas.shape[0] // factor, canvas.shape[1] // factor):
        raise ValueError(
            f'draw_annotated_image: the mask is {mask.shape} but the image '
            f'is {(canvas.shape[0] // factor, canvas.shape[1] // factor)}.')
    mask = np.repeat(np.repeat(mask, factor, axis=0), factor, axis=1)
    out = canvas.astype(np.float32)
    fg, ignore = mask == 1, mask == 255
    out[fg] = (1 - alpha) * out[fg] + alpha * np.asarray(color, np.float32)
    out[ignore] = 0.5 * out[ignore] + 0.5 * 128
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def _draw_box(canvas, box, color, line_width, outline):
    """A ``line_width`` stroke of ``color`` inside the box ``x0, y0, x1,
    y1`` (canvas pixels, clipped to the canvas), framed by ``outline``
    pixels of :data:`OUTLINE_COLOR` on both sides."""
    height, width = canvas.shape[:2]
    x0, x1 = np.clip(np.round(box[[0, 2]]), 0, width).astype(int)
    y0, y1 = np.clip(np.round(box[[1, 3]]), 0, height).astype(int)
    if x1 <= x0 or y1 <= y0:
        return
    _ring(canvas, x0, y0, x1, y1, line_width + 2 * outline, OUTLINE_COLOR)
    _ring(canvas, x0 + outline, y0 + outline, x1 - outline, y1 - outline,
          line_width, color)


def _ring(canvas, x0, y0, x1, y1, thickness, color):
    """Fill the ``thickness`` pixels inside each edge of ``[x0, x1) x [y0,
    y1)``."""
    if x1 <= x0 or y1 <= y0:
        return
    color = np.asarray(color, np.uint8)
    canvas[y0:min(y0 + thickness, y1), x0:x1] = color
    canvas[max(y1 - thickness, y0):y1, x0:x1] = color
    canvas[y0:y1, x0:min(x0 + thickness, x1)] = color
    canvas[y0:y1, max(x1 - thickness, x0):x1] = color


def _caption_band(width, lines, line_width, outline, margin=6):
    """White ``h x width x 3`` band with one text line per item of
    ``lines`` (black), a swatch of the box colour before ``(text, colour)``
    lines."""
    font_scale = float(np.clip(width / 640, 0.45, 1.2))
    thickness = 1 if font_scale < 0.8 else 2
    (_, text_h), baseline = cv2.getTextSize('Ag', FONT, font_scale, thickness)
    row = text_h + baseline + margin
    band = np.full((row * len(lines) + margin, width, 3), 255, np.uint8)
    swatch = int(round(2.5 * text_h))
    for i, line in enumerate(lines):
        text, color = (line, None) if isinstance(line, str) else line
        x = margin
        top = margin + i * row
        if color is not None:
            mid = top + text_h // 2
            half = line_width // 2 + outline
            band[mid - half:mid - half + line_width + 2 * outline,
                 x:x + swatch] = OUTLINE_COLOR
            band[mid - half + outline:mid - half + outline + line_width,
                 x + outline:x + swatch - outline] = color
            x += swatch + margin
        text, scale = fit_text(text, width - x - margin, font_scale,
                               thickness)
        cv2.putText(band, text, (x, top + text_h), FONT, scale, (0, 0, 0),
                    thickness, cv2.LINE_AA)
    return band
