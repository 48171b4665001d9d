import mmcv
import numpy as np
import torch
from mmpretrain.structures import DataSample

from mmwsol.visualization import LocalizationVisualizer


def _sample():
    sample = DataSample()
    sample.set_gt_label(1)
    sample.set_pred_score(torch.tensor([0.1, 0.7, 0.2]))
    sample.set_pred_label(1)
    sample.gt_bboxes = torch.tensor([[10., 20., 60., 70.]])
    sample.pred_bboxes = torch.tensor([[30., 30., 90., 90.]])
    score_map = torch.zeros(25, 25)
    score_map[8:20, 8:20] = 1.0
    sample.score_map = score_map
    return sample


def test_visualizer_writes_png_with_boxes(tmp_path):
    vis = LocalizationVisualizer(name='test_vis_png')
    image = np.full((100, 100, 3), 128, dtype=np.uint8)
    out = tmp_path / 'vis.png'
    drawn = vis.visualize_localization(
        image, _sample(), classes=['a', 'b', 'c'], draw_map=False,
        line_width=2, text_cfg=dict(alpha=0), out_file=str(out))
    assert out.is_file()
    png = mmcv.imread(str(out), channel_order='rgb')
    assert png.shape == (100, 100, 3)
    assert np.array_equal(png, drawn)
    # the GT box's right edge (x=60) is green, rows 30..60 (away from text)
    gt_edge = png[30:60, 59:62].reshape(-1, 3).astype(int)
    green = (gt_edge[:, 1] > 200) & (gt_edge[:, 0] < 60) & (gt_edge[:, 2] < 60)
    assert green.mean() > 0.3
    # the predicted box's bottom edge (y=90) is red
    pred_edge = png[89:92, 40:80].reshape(-1, 3).astype(int)
    red = (pred_edge[:, 0] > 200) & (pred_edge[:, 1] < 60)
    assert red.mean() > 0.3
    # the inside of the GT box, off every edge, is untouched grey
    assert np.all(png[40:50, 15:25] == 128)


def test_visualizer_overlays_score_map(tmp_path):
    vis = LocalizationVisualizer(name='test_vis_map')
    image = np.full((100, 100, 3), 128, dtype=np.uint8)
    drawn = vis.visualize_localization(
        image, _sample(), draw_gt=False, draw_pred=False,
        out_file=str(tmp_path / 'map.png'))
    # hot centre (jet: red) differs from the cold corner (jet: blue)
    centre = drawn[50, 50].astype(int)
    corner = drawn[2, 98].astype(int)
    assert centre[0] > centre[2]
    assert corner[2] > corner[0]


def test_box_on_the_image_border_is_valid(tmp_path, recwarn):
    """Continuous coordinates: a box may end at x = W (docs/conventions.md);
    no out-of-bounds warning and the edge is drawn at the border."""
    vis = LocalizationVisualizer(name='test_vis_border')
    sample = DataSample()
    sample.pred_bboxes = torch.tensor([[0., 0., 100., 100.]])
    drawn = vis.visualize_localization(
        np.full((100, 100, 3), 128, dtype=np.uint8), sample, line_width=2,
        out_file=str(tmp_path / 'border.png'))
    assert not [w for w in recwarn.list if 'out of bounds' in str(w.message)]
    right = drawn[40:60, 98:100].reshape(-1, 3).astype(int)
    assert ((right[:, 0] > 200) & (right[:, 1] < 60)).mean() > 0.3
    # a box that leaves the image still warns
    sample.pred_bboxes = torch.tensor([[0., 0., 120., 100.]])
    vis.visualize_localization(
        np.full((100, 100, 3), 128, dtype=np.uint8), sample,
        out_file=str(tmp_path / 'outside.png'))
    assert [w for w in recwarn.list if 'out of bounds' in str(w.message)]
