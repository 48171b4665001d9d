import cv2
import mmcv
import numpy as np
import torch
from mmpretrain.structures import DataSample

from mmwsol.visualization import (GT_COLOR, PRED_COLOR, LocalizationVisualizer,
                                  fit_text, upscale_factor)
from mmwsol.visualization.annotated_image import MIN_FONT_SCALE


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
    """At the image's size (min_size=0): each stroke lies inside its box,
    colour framed by one dark pixel on each side; outside untouched."""
    vis = LocalizationVisualizer(name='test_vis_png')
    image = np.full((100, 100, 3), 128, dtype=np.uint8)
    out = tmp_path / 'vis.png'
    drawn = vis.visualize_localization(
        image, _sample(), classes=['a', 'b', 'c'], draw_map=False,
        line_width=2, draw_caption=False, min_size=0, out_file=str(out))
    assert out.is_file()
    png = mmcv.imread(str(out), channel_order='rgb')
    assert png.shape == (100, 100, 3)
    assert np.array_equal(png, drawn)
    # GT box x1 = 60: outline at 59 and 56, green at 57, 58 (rows 36..60,
    # below the predicted box's top edge, drawn over it at rows 30..33)
    assert np.all(png[36:60, 57:59] == GT_COLOR)
    assert np.all(png[36:60, [56, 59]] == 0)
    assert np.all(png[36:60, 60] == 128)
    assert np.all(png[31:33, 40:57] == PRED_COLOR)
    # GT box x0 = 10: outline at 10 and 13, green at 11, 12
    assert np.all(png[30:60, 11:13] == GT_COLOR)
    assert np.all(png[30:60, 9] == 128)
    # predicted box y1 = 90: magenta rows 87, 88 (columns 40..80)
    assert np.all(png[87:89, 40:80] == PRED_COLOR)
    assert np.all(png[90:, 40:80] == 128)
    # the inside of the GT box, off every edge, is untouched grey
    assert np.all(png[40:50, 15:25] == 128)
    assert GT_COLOR != PRED_COLOR


def test_small_image_is_upscaled_before_drawing_with_a_caption():
    """112 px -> x3 = 336 px (>= 320) before the boxes are drawn: they land
    on the scaled edges; the caption band below carries the legend."""
    vis = LocalizationVisualizer(name='test_vis_upscale')
    image = np.full((112, 112, 3), 128, dtype=np.uint8)
    image[50, 50] = (10, 20, 30)
    sample = _sample()
    drawn = vis.visualize_localization(
        image, sample, classes=['a', 'b', 'c'], draw_map=False)
    assert upscale_factor(112, 112, 320) == 3 == upscale_factor(112, 200, 320)
    assert drawn.shape[1] == 336 and drawn.shape[0] > 336
    picture, band = drawn[:336], drawn[336:]
    # nearest neighbour: one source pixel is a 3 x 3 block
    assert np.all(picture[150:153, 150:153] == (10, 20, 30))
    assert np.all(picture[[149, 153], 150] == 128)
    # default stroke 3 px (336 / 128), outline 1: GT x0 = 10 -> 30, green
    # at columns 31..33, rows 60..210 (y0 = 20 -> 60, y1 = 70 -> 210)
    assert np.all(picture[80:200, 31:34] == GT_COLOR)
    assert np.all(picture[80:200, [30, 34]] == 0)
    assert np.all(picture[80:200, 29] == 128)
    # predicted y1 = 90 -> 270: magenta rows 266..268 at x 100..260
    assert np.all(picture[266:269, 100:260] == PRED_COLOR)
    # legend: a GT swatch, then a predicted one below it, and black text
    gt_rows = np.where((band == GT_COLOR).all(-1).any(1))[0]
    pred_rows = np.where((band == PRED_COLOR).all(-1).any(1))[0]
    assert len(gt_rows) and len(pred_rows) and gt_rows.max() < pred_rows.min()
    assert (band.max(-1) < 60).sum() > 100  # text pixels
    # min_size=0 draws at the image's size
    assert vis.visualize_localization(
        image, sample, draw_caption=False, min_size=0).shape == (112, 112, 3)


def test_whole_image_box_stays_inside_and_visible_over_the_map(recwarn):
    """A box covering the image: its outline is the canvas border, its
    colour right inside, on all four sides, over a jet heat map; magenta
    and green are far from every jet colour."""
    vis = LocalizationVisualizer(name='test_vis_whole')
    sample = _sample()
    sample.pred_bboxes = torch.tensor([[0., 0., 112., 112.]])
    sample.score_map = torch.linspace(0, 1, 28 * 28).reshape(28, 28)
    drawn = vis.visualize_localization(
        np.full((112, 112, 3), 128, dtype=np.uint8), sample, draw_gt=False,
        draw_caption=False)
    assert drawn.shape == (336, 336, 3)
    assert not [w for w in recwarn.list if 'out of bounds' in str(w.message)]
    for side in (drawn[0], drawn[-1], drawn[:, 0], drawn[:, -1]):
        assert np.all(side == 0)
    for side in (drawn[1:4, 1:-1], drawn[-4:-1, 1:-1], drawn[1:-1, 1:4],
                 drawn[1:-1, -4:-1]):
        assert np.all(side == PRED_COLOR)
    assert not np.all(drawn[4:-4, 4:-4] == drawn[4, 4])  # the map is there
    jet = cv2.applyColorMap(
        np.arange(256, dtype=np.uint8)[:, None],
        cv2.COLORMAP_JET)[:, 0, ::-1].astype(float)
    for color, far in ((PRED_COLOR, 250), (GT_COLOR, 150)):
        assert np.sqrt(((jet - color)**2).sum(1)).min() > far


def test_caption_does_not_overflow():
    """A class name too long for the picture is shrunk, then cut with
    '...'; the text ends before the right margin."""
    vis = LocalizationVisualizer(name='test_vis_caption')
    long_name = 'a_very_long_class_name_' * 4
    drawn = vis.visualize_localization(
        np.full((112, 112, 3), 128, dtype=np.uint8), _sample(),
        classes=['a', long_name, 'c'], draw_map=False)
    band = drawn[336:]
    dark = np.where((band.max(-1) < 100).any(0))[0]
    assert dark.max() < band.shape[1] - 4  # right margin stays white
    assert dark.max() > band.shape[1] * 0.8  # the text uses the width
    text, scale = fit_text('Pred: 1 ' + long_name, 300, 0.5)
    assert text.endswith('...') and scale == MIN_FONT_SCALE
    assert cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale,
                           1)[0][0] <= 300
    assert fit_text('GT: 0 a', 300, 0.5) == ('GT: 0 a', 0.5)


def test_visualizer_overlays_score_map(tmp_path):
    vis = LocalizationVisualizer(name='test_vis_map')
    image = np.full((100, 100, 3), 128, dtype=np.uint8)
    drawn = vis.visualize_localization(
        image, _sample(), draw_gt=False, draw_pred=False, min_size=0,
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
        min_size=0, out_file=str(tmp_path / 'border.png'))
    assert not [w for w in recwarn.list if 'out of bounds' in str(w.message)]
    assert np.all(drawn[40:60, 97:99] == PRED_COLOR)
    assert np.all(drawn[40:60, 99] == 0)
    # a box that leaves the image still warns
    sample.pred_bboxes = torch.tensor([[0., 0., 120., 100.]])
    vis.visualize_localization(
        np.full((100, 100, 3), 128, dtype=np.uint8), sample,
        out_file=str(tmp_path / 'outside.png'))
    assert [w for w in recwarn.list if 'out of bounds' in str(w.message)]
