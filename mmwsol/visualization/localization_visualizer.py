"""Draw WSOL results: the score map over the image, boxes and classes."""
from typing import Optional, Sequence

import mmcv
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.dist import master_only
from mmpretrain.structures import DataSample
from mmpretrain.visualization import UniversalVisualizer
from mmpretrain.visualization.utils import get_adaptive_scale

from mmwsol.registry import VISUALIZERS


@VISUALIZERS.register_module()
class LocalizationVisualizer(UniversalVisualizer):
    """Visualizer for weakly supervised object localization.

    Draws, on the network-input image (the frame of ``img_shape``):

    - the data sample's ``score_map`` (any native size, e.g. LowCAM's
      ``p^a`` at stride 4 or a CAM at stride 16/32), upsampled bilinearly,
      min-max normalised and blended as a jet heat map;
    - every GT box ``gt_bboxes`` (green) and the predicted box
      ``pred_bboxes`` (red), both ``x0, y0, x1, y1`` in that frame;
    - the GT and predicted classes with the score.

    It is an mmengine ``Visualizer``: pictures go to its ``vis_backends``
    (local folder, TensorBoard, ...) or to ``out_file``.
    """

    GT_COLOR = (0, 255, 0)
    PRED_COLOR = (255, 0, 0)

    @master_only
    def visualize_localization(self,
                               image: np.ndarray,
                               data_sample: DataSample,
                               classes: Optional[Sequence[str]] = None,
                               draw_map: bool = True,
                               draw_gt: bool = True,
                               draw_pred: bool = True,
                               map_alpha: float = 0.5,
                               line_width: Optional[float] = None,
                               text_cfg: dict = dict(),
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
            map_alpha (float): Weight of the heat map in the blend.
            line_width (float, optional): Box line width in pixels; adaptive
                to the image size by default.
            text_cfg (dict): Extra arguments of ``matplotlib``'s ``text``.
            show (bool): Show the picture in a window.
            wait_time (float): Seconds to show it.
            out_file (str, optional): Write the picture (PNG/JPG) here
                instead of to the visualizer's backends.
            name (str): Image name for the backends.
            step (int): Global step for the backends.

        Returns:
            np.ndarray: The drawn H x W x 3 RGB image.
        """
        if self.dataset_meta is not None:
            classes = classes or self.dataset_meta.get('classes', None)
        image = np.ascontiguousarray(image)
        height, width = image.shape[:2]

        if draw_map and 'score_map' in data_sample:
            score_map = torch.as_tensor(data_sample.score_map).float()
            score_map = torch.nan_to_num(score_map.reshape(
                1, 1, *score_map.shape[-2:]))
            score_map = F.interpolate(
                score_map, size=(height, width), mode='bilinear',
                align_corners=False)[0]
            image = self.draw_featmap(
                score_map,
                overlaid_image=image,
                channel_reduction='squeeze_mean',
                alpha=map_alpha)
        self.set_image(image)

        scale = get_adaptive_scale((height, width))
        line_width = line_width or max(1.0, scale * 1.5)
        if draw_gt and 'gt_bboxes' in data_sample and len(
                data_sample.gt_bboxes):
            self.draw_bboxes(
                torch.as_tensor(data_sample.gt_bboxes).reshape(-1, 4),
                edge_colors=self.GT_COLOR,
                line_widths=line_width,
                alpha=1.0)
        if draw_pred and 'pred_bboxes' in data_sample and len(
                data_sample.pred_bboxes):
            self.draw_bboxes(
                torch.as_tensor(data_sample.pred_bboxes).reshape(-1, 4),
                edge_colors=self.PRED_COLOR,
                line_widths=line_width,
                alpha=1.0)

        texts = []
        if draw_gt and 'gt_label' in data_sample:
            texts.append('GT: ' + self._label_text(
                int(data_sample.gt_label[0]), classes))
        if draw_pred and 'pred_label' in data_sample:
            label = int(data_sample.pred_label[0])
            text = 'Pred: ' + self._label_text(label, classes)
            if 'pred_score' in data_sample:
                text += f' ({float(data_sample.pred_score[label]):.2f})'
            texts.append(text)
        if texts:
            text_cfg = {
                'size': int(scale * 7),
                **self.DEFAULT_TEXT_CFG,
                **text_cfg,
            }
            self.ax_save.text(scale * 5, scale * 5, '\n'.join(texts),
                              **text_cfg)

        drawn_img = self.get_image()
        if show:
            self.show(drawn_img, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(drawn_img[..., ::-1], out_file)
        else:
            self.add_image(name, drawn_img, step=step)
        return drawn_img

    def _is_posion_valid(self, position: np.ndarray) -> bool:
        """Positions in ``[0, W] x [0, H]``: boxes are in continuous pixel
        coordinates (docs/conventions.md), so a box may end on the far
        border (mmengine's check wants ``< W`` and warns on valid boxes).
        """
        return bool((position[..., 0] >= 0).all()
                    and (position[..., 0] <= self.width).all()
                    and (position[..., 1] >= 0).all()
                    and (position[..., 1] <= self.height).all())

    @staticmethod
    def _label_text(label: int, classes: Optional[Sequence[str]]) -> str:
        if classes is not None and 0 <= label < len(classes):
            return f'{label} {classes[label]}'
        return str(label)
