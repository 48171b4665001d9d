"""draw_annotated_image (masks, boxes, caption; what browse_dataset and
the visualizer draw with) and labelled_grid."""
import numpy as np
import pytest

from mmwsol.visualization import (GT_COLOR, PRED_COLOR, draw_annotated_image,
                                  labelled_grid, labelled_panels)


def test_mask_tint_ignore_grey_and_boxes_in_order():
    image = np.full((40, 60, 3), 100, np.uint8)
    mask = np.zeros((40, 60), np.uint8)
    mask[10:20, 10:30] = 1
    mask[30:, 50:] = 255
    drawn = draw_annotated_image(
        image, boxes=[(np.array([0., 0., 60., 40.]), GT_COLOR),
                      (np.array([[20., 5., 40., 35.]]), PRED_COLOR)],
        mask=mask, mask_alpha=0.5, min_size=0, line_width=2)
    assert drawn.shape == (40, 60, 3)  # no caption: no band
    # foreground: half image grey, half green; ignore: half grey 128
    assert tuple(drawn[15, 15]) == (50, 178, 50)
    assert tuple(drawn[35, 55]) == (114, 114, 114)
    assert tuple(drawn[25, 15]) == (100, 100, 100)
    # the later box is drawn over the earlier one where they cross
    # the whole-image GT box: outline on the border, green inside it
    assert tuple(drawn[0, 30]) == (0, 0, 0)
    assert tuple(drawn[1, 30]) == GT_COLOR
    assert tuple(drawn[6, 30]) == PRED_COLOR  # the predicted top edge
    assert tuple(drawn[2, 10]) == GT_COLOR


def test_bad_inputs_name_the_problem():
    image = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match='H x W x 3 uint8'):
        draw_annotated_image(image[..., 0])
    with pytest.raises(ValueError, match=r'the mask is \(4, 4\)'):
        draw_annotated_image(image, mask=np.zeros((4, 4), np.uint8))
    with pytest.warns(UserWarning, match='out of bounds of the 8 x 8'):
        draw_annotated_image(image, boxes=[(np.array([0, 0, 9, 8]),
                                            GT_COLOR)])


def test_grid_rows_of_labelled_panels():
    a = np.zeros((20, 30, 3), np.uint8)
    b = np.zeros((20, 50, 3), np.uint8)
    grid = labelled_grid([a, b, a], ['a', 'b', 'c'], columns=2, gap=4)
    row = labelled_panels([a, b], ['a', 'b'], gap=4)
    assert grid.shape[1] == 30 + 4 + 50
    assert np.array_equal(grid[:row.shape[0]], row)
    assert np.all(grid[row.shape[0]:row.shape[0] + 4] == 255)  # gap
    # the last row (one panel) is padded white on the right
    assert np.all(grid[-20:, 30:] == 255) and np.all(grid[-20:, :30] == 0)
    with pytest.raises(ValueError, match='columns'):
        labelled_grid([a], ['a'], columns=0)


def test_long_panel_label_stays_in_its_panel():
    a = np.zeros((20, 60, 3), np.uint8)
    out = labelled_panels([a, a], ['x' * 80, 'y'], gap=8)
    header = out.shape[0] - 20
    assert np.all(out[:header, 56:68] == 255)  # right of panel 0, the gap
