import numpy as np
import pytest

from mmwsol.visualization import labelled_panels


def test_panels_side_by_side_under_labels():
    red = np.zeros((30, 40, 3), dtype=np.uint8)
    red[..., 0] = 255
    blue = np.zeros((50, 20, 3), dtype=np.uint8)
    blue[..., 2] = 255
    out = labelled_panels([red, blue], ['CAM', 'LowCAM'], gap=8)
    header = out.shape[0] - 50  # tallest picture is 50 rows
    assert out.dtype == np.uint8
    assert out.shape[1] == 40 + 8 + 20
    assert header >= 8
    # pictures under the header, left to right, shorter one padded white
    assert np.all(out[header:header + 30, :40] == red)
    assert np.all(out[header + 30:, :40] == 255)
    assert np.all(out[header:, 48:] == blue)
    # the gap is white; each header carries dark label pixels
    assert np.all(out[:, 40:48] == 255)
    assert (out[:header, :40] < 128).any()
    assert (out[:header, 48:] < 128).any()


def test_panels_need_one_label_per_picture():
    img = np.zeros((10, 10, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match='one label per picture'):
        labelled_panels([img, img], ['a'])
    with pytest.raises(ValueError, match='picture 0 must be H x W x 3'):
        labelled_panels([img[..., 0]], ['a'])
