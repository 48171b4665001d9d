"""Draw WSOL results: the score map over the image, boxes and classes."""
from typing import Optional, Sequence

import mmcv
import numpy as np
from mmengine.dist import master_only
from mmpretrain.structures import DataSample
from mmpretrain.visualization import UniversalVisualizer

from mmwsol.registry import VISUALIZERS
from .annotated_image import (DEFAULT_MIN_SIZE, GT_COLOR, PRED_COLOR,
                              draw_annotated_image)


@VISUALIZERS.register_module()
class LocalizationVisualizer(UniversalVisualizer):
    """Visualizer for weakly supervised object localization.

    Draws, on the network-input image (the frame of ``img_shape``),
    upscaled by an integer factor (nearest) until its short side is at
    least ``min_size`` (320 px by default: a 112 px image becomes 336 px):

    - the data sample's ``score_map`` (any native size, e.g. LowCAM's
      ``p^a`` at stride 4 or a CAM at stride 16/32), upsampled bilinearly,
      min-max normalised and blended as a jet heat map;
    - every GT box ``gt_bboxes`` (:attr:`GT_COLOR`, green) and the
      predicted box ``pred_bboxes`` (:attr:`PRED_COLOR`, magenta), both
      ``x0, y0, x1, y1`` in that frame, each stroke inside its box and
      outlined in black (visible on every jet colour and on the border);
    - a caption band under the picture: the GT and predicted classes with
      the score, each line led by its box colour (the legend).

    It is an mmengine ``Visualizer``: pictures go to its ``vis_backends``
    (local folder, TensorBoard, ...) or to ``out_file``. The drawing itself
    is :func:`~mmwsol.visualization.draw_annotated_image`.
    """

    GT_COLOR = GT_COLOR
    PRED_COLOR = PRED_COLOR

    @master_only
    def visualize_localization(self,
                               image: np.ndarray,
                               data_sample: DataSample,
                               classes: Optional[Sequence[str]] = None,
                               draw_map: bool = True,
                               draw_gt: bool = True,
                               draw_pred: bool = True,
                               draw_caption: bool = True,
                               map_alpha: float = 0.5,
                               line_width: Optional[int] = None,
                               min_size: Optional[int] = DEFAULT_MIN_SIZE,
                               show: bool = False,
                               wait_time: float = 0,
                               out_file: Optional[str] = None,
                               name: str = '',
                               step: int = 0) -> np.ndarray:
        """Draw one localization result.

        Args:
            image (np.ndarray): H x W x 3 uint8 RGB image in the frame of the
                data sample's boxes.
            data_sample (DataSample): With any of ``score_map`` (h x w),
                ``gt_bboxes`` (k x 4), ``pred_bboxes`` (n x 4), ``gt_label``,
                ``pred_label``, ``pred_score``.
            classes (Sequence[str], optional): Class names; taken from
                ``dataset_meta`` when omitted.
            draw_map, draw_gt, draw_pred (bool): What to draw.
            draw_caption (bool): The caption band (classes, score, legend)
                under the picture.
            map_alpha (float): Weight of the heat map in the blend.
            line_width (int, optional): Box stroke in pixels of the drawn
                (upscaled) picture; adaptive to its size by default.
            min_size (int, optional): Upscale small images until the short
                side is at least this (integer factor, nearest); 0 / None
                draws at the image's size. Defaults to 320.
            show (bool): Show the picture in a window.
            wait_time (float): Seconds to show it.
            out_file (str, optional): Write the picture (PNG/JPG) here
                instead of to the visualizer's backends.
            name (str): Image name for the backends.
            step (int): Global step for the backends.

        Returns:
            np.ndarray: The drawn RGB picture, ``s H x s W x 3`` plus the
            caption band's rows (``s``: the upscale factor).
        """
        if self.dataset_meta is not None:
            classes = classes or self.dataset_meta.get('classes', None)
        boxes, caption = [], []
        has_gt = draw_gt and len(data_sample.get('gt_bboxes', ())) > 0
        has_pred = draw_pred and len(data_sample.get('pred_bboxes', ())) > 0
        if has_gt:
            boxes.append((data_sample.gt_bboxes, self.GT_COLOR))
        if has_pred:
            boxes.append((data_sample.pred_bboxes, self.PRED_COLOR))
        if draw_gt and ('gt_label' in data_sample or has_gt):
            text = 'GT'
            if 'gt_label' in data_sample:
                text += ': ' + self._label_text(
                    int(data_sample.gt_label[0]), classes)
            caption.append((text, self.GT_COLOR) if has_gt else text)
        if draw_pred and ('pred_label' in data_sample or has_pred):
            text = 'Pred'
            if 'pred_label' in data_sample:
                label = int(data_sample.pred_label[0])
                text += ': ' + self._label_text(label, classes)
                if 'pred_score' in data_sample:
                    text += f' ({float(data_sample.pred_score[label]):.2f})'
            caption.append((text, self.PRED_COLOR) if has_pred else text)
        drawn_img = draw_annotated_image(
            image,
            boxes=boxes,
            caption=caption if draw_caption else (),
            score_map=data_sample.get('score_map')
            if draw_map else None,
            map_alpha=map_alpha,
            min_size=min_size,
            line_width=line_width)
        self.set_image(drawn_img)
        if show:
            self.show(drawn_img, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(drawn_img[..., ::-1], out_file)
        else:
            self.add_image(name, drawn_img, step=step)
        return drawn_img

    @staticmethod
    def _label_text(label: int, classes: Optional[Sequence[str]]) -> str:
        if classes is not None and 0 <= label < len(classes):
            return f'{label} {classes[label]}'
        return str(label)
