"""Draw an :func:`inference_localizer` result on its original image."""
import os
from typing import Optional, Sequence, Union

import mmcv
import numpy as np
import torch

from mmwsol.visualization import LocalizationVisualizer
from .inference import result_to_data_sample

__all__ = ['draw_localization_result', 'read_image_rgb']


def read_image_rgb(image: Union[str, os.PathLike, np.ndarray]) -> np.ndarray:
    """``H x W x 3`` uint8 RGB of a file (read as the mmwsol loader reads
    it: EXIF orientation ignored, so the frame of the predictions) or of a
    BGR array."""
    if isinstance(image, np.ndarray):
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=2)
        image = np.clip(image, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(image[..., ::-1])
    # mmcv skips channel_order='rgb' for this flag: convert here
    bgr = mmcv.imread(str(image), flag='color_ignore_orientation')
    if bgr is None:
        raise FileNotFoundError(f'cannot read the image {image}')
    return np.ascontiguousarray(bgr[..., ::-1])


def draw_localization_result(image: Union[str, os.PathLike, np.ndarray],
                             result: dict,
                             classes: Optional[Sequence[str]] = None,
                             visualizer: Optional[
                                 LocalizationVisualizer] = None,
                             out_file: Optional[str] = None,
                             show: bool = False,
                             gt_bboxes: Optional[np.ndarray] = None,
                             gt_label: Optional[int] = None,
                             **kwargs) -> np.ndarray:
    """The score map over the original image with the predicted box
    (magenta, :data:`~mmwsol.visualization.PRED_COLOR`) and, in a caption
    band under it, the class with its score; with ``gt_bboxes`` the GT
    boxes too (green, :data:`~mmwsol.visualization.GT_COLOR`).

    Args:
        image (str | np.ndarray): the image given to
            :func:`inference_localizer` (path or BGR array).
        result (dict): its result for that image.
        classes (Sequence[str], optional): class names (e.g.
            ``model.dataset_meta['classes']``).
        visualizer (LocalizationVisualizer, optional): a new one by
            default.
        out_file (str, optional): write the picture (PNG/JPG) here.
        show (bool): show it in a window.
        gt_bboxes (np.ndarray, optional): ``(k, 4)`` GT boxes ``x0, y0,
            x1, y1`` in the frame of the original image.
        gt_label (int, optional): the GT class, written in the caption.
        **kwargs: more arguments of
            :meth:`LocalizationVisualizer.visualize_localization`.

    Returns:
        np.ndarray: the uint8 RGB picture: the ``H0 x W0`` image, upscaled
        by an integer factor when its short side is under ``min_size``
        (320 px by default; ``min_size=0`` keeps the size), with the
        caption band's rows below (none with ``draw_caption=False``).
    """
    rgb = read_image_rgb(image)
    if tuple(rgb.shape[:2]) != tuple(result['ori_shape']):
        raise ValueError(
            f'draw_localization_result: the image is {rgb.shape[:2]} but '
            f'the result is for an image of {tuple(result["ori_shape"])}.')
    if visualizer is None:
        visualizer = LocalizationVisualizer(
            name=f'mmwsol_result_{id(result)}')
    sample = result_to_data_sample(result)
    if gt_bboxes is not None:
        sample.gt_bboxes = torch.as_tensor(
            np.asarray(gt_bboxes, np.float32).reshape(-1, 4))
    if gt_label is not None:
        sample.set_gt_label(int(gt_label))
    return visualizer.visualize_localization(
        rgb,
        sample,
        classes=classes,
        show=show,
        out_file=out_file,
        **kwargs)
