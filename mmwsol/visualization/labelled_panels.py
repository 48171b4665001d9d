"""Put pictures side by side under labels (e.g. CAM vs LowCAM), in one
row or in a grid."""
from typing import Sequence

import cv2
import numpy as np

from .annotated_image import FONT, fit_text

__all__ = ['labelled_panels', 'labelled_grid']


def labelled_panels(images: Sequence[np.ndarray],
                    labels: Sequence[str],
                    gap: int = 8,
                    background: int = 255) -> np.ndarray:
    """Join ``H_i x W_i x 3`` uint8 pictures left to right, each under a
    header band with its label (black text on ``background``).

    Pictures of different heights are padded at the bottom; a ``gap``
    pixels wide band of ``background`` separates them.

    Args:
        images (Sequence[np.ndarray]): ``H x W x 3`` uint8 pictures (any
            channel order; the header is grey so it looks the same).
        labels (Sequence[str]): one label per picture (shrunk, then cut
            with ``...``, to the picture's width).
        gap (int): pixels between panels. Defaults to 8.
        background (int): grey level of the header and gaps. Defaults to
            255.

    Returns:
        np.ndarray: ``(header + max H) x (sum W + gaps) x 3`` uint8.
    """
    if len(images) != len(labels) or not images:
        raise ValueError(f'labelled_panels: need one label per picture, got '
                         f'{len(images)} pictures and {len(labels)} labels.')
    for i, image in enumerate(images):
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(
                f'labelled_panels: picture {i} must be H x W x 3 uint8, got '
                f'{image.shape} {image.dtype}.')
    height = max(image.shape[0] for image in images)
    narrowest = min(image.shape[1] for image in images)
    font = FONT
    font_scale = max(0.35, min(1.2, narrowest / 400))
    thickness = max(1, int(round(font_scale * 2)))
    (_, text_h), baseline = cv2.getTextSize('Ag', font, font_scale,
                                            thickness)
    header = text_h + baseline + 8
    columns = []
    for i, (image, label) in enumerate(zip(images, labels)):
        panel = np.full((header + height, image.shape[1], 3),
                        background,
                        dtype=np.uint8)
        panel[header:header + image.shape[0]] = image
        text, scale = fit_text(label, image.shape[1] - 8, font_scale,
                               thickness)
        cv2.putText(panel, text, (4, header - baseline - 4), font, scale,
                    (0, 0, 0), thickness, cv2.LINE_AA)
        if i:
            columns.append(
                np.full((header + height, gap, 3), background,
                        dtype=np.uint8))
        columns.append(panel)
    return np.concatenate(columns, axis=1)


def labelled_grid(images: Sequence[np.ndarray],
                  labels: Sequence[str],
                  columns: int,
                  gap: int = 8,
                  background: int = 255) -> np.ndarray:
    """:func:`labelled_panels` of ``columns`` pictures per row, the rows
    stacked top to bottom ``gap`` pixels apart (narrower rows padded on
    the right).

    Returns:
        np.ndarray: ``H x W x 3`` uint8 grid.
    """
    if columns < 1:
        raise ValueError(f'labelled_grid: columns must be >= 1, got '
                         f'{columns}.')
    rows = [
        labelled_panels(images[i:i + columns], labels[i:i + columns], gap,
                        background)
        for i in range(0, len(images), columns)
    ]
    width = max(row.shape[1] for row in rows)
    out = []
    for i, row in enumerate(rows):
        if i:
            out.append(np.full((gap, width, 3), background, np.uint8))
        out.append(
            np.pad(row, ((0, 0), (0, width - row.shape[1]), (0, 0)),
                   constant_values=background))
    return np.concatenate(out, axis=0)
