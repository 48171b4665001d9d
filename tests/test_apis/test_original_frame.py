"""OriginalFrame: boxes and score maps from the network input back to the
original image, checked against hand-computed numbers."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmwsol.apis import OriginalFrame


def centre_crop_frame(flip=None):
    """Original 100 x 200 (h x w), Resize to 64 x 128 (scale 0.64 both
    ways), CenterCrop 48: crop x0 = (128 - 48) / 2 = 40, y0 = (64 - 48) / 2
    = 8, i.e. crop_bbox = 40, 8, 88, 56."""
    return OriginalFrame(
        ori_shape=(100, 200),
        img_shape=(48, 48),
        scale_factor=(0.64, 0.64),
        crop_bbox=[40, 8, 88, 56],
        flip_direction=flip)


def test_boxes_undo_crop_and_resize():
    frame = centre_crop_frame()
    boxes = frame.input_to_original_boxes([[0, 0, 48, 48], [12, 6, 30, 40]])
    # x = (u + 40) / 0.64, y = (v + 8) / 0.64
    # (0+40)/.64 = 62.5, (0+8)/.64 = 12.5, (48+40)/.64 = 137.5,
    # (48+8)/.64 = 87.5; (12+40)/.64 = 81.25, (6+8)/.64 = 21.875,
    # (30+40)/.64 = 109.375, (40+8)/.64 = 75
    np.testing.assert_allclose(
        boxes, [[62.5, 12.5, 137.5, 87.5], [81.25, 21.875, 109.375, 75.0]],
        rtol=0, atol=1e-4)
    assert boxes.dtype == np.float32


def test_boxes_flip_then_clip_to_the_image():
    # horizontal flip in the 48-wide input: u -> 48 - u, so 0..10 -> 38..48
    # -> x = (38 + 40) / .64 = 121.875 .. 137.5
    box = centre_crop_frame('horizontal').input_to_original_boxes(
        torch.tensor([[0., 0., 10., 48.]]))
    np.testing.assert_allclose(box, [[121.875, 12.5, 137.5, 87.5]],
                               atol=1e-4)
    # padded crop: 80 x 80 -> Resize 0.5 -> 40 x 40 -> CenterCrop 48 pads
    # 4 px: crop_bbox = -4, -4, 44, 44
    padded = OriginalFrame((80, 80), (48, 48), (0.5, 0.5), [-4, -4, 44, 44])
    boxes = padded.input_to_original_boxes([[0, 0, 48, 48],
                                            [10, 20, 30, 46]])
    # (0-4)/.5 = -8 -> 0; (48-4)/.5 = 88 -> 80; (10-4)/.5 = 12,
    # (20-4)/.5 = 32, (30-4)/.5 = 52, (46-4)/.5 = 84 -> 80
    np.testing.assert_allclose(boxes, [[0, 0, 80, 80], [12, 32, 52, 80]])


def test_score_map_undoes_crop_and_resize():
    """A 12 x 12 native map (stride 4 on the 48 px input) whose cell
    (i, j) holds j: bilinear sampling at native x-coordinate s gives
    s - 0.5 (cell centres at j + 0.5), clamped to [0, 11]. Original pixel
    x maps to input u = (x + 0.5) * 0.64 - 40 and native s = u / 4; it is
    inside the crop when 0 <= u < 48, i.e. x = 62 .. 136 (and y = 12 ..
    86 for v = (y + 0.5) * 0.64 - 8)."""
    native = torch.arange(12, dtype=torch.float32).repeat(12, 1)
    out = centre_crop_frame().score_map_to_original(native)
    assert out.shape == (100, 200) and out.dtype == np.float32
    # hand values: x = 100: u = 100.5 * .64 - 40 = 24.32, s = 6.08 -> 5.58
    assert out[50, 100] == pytest.approx(5.58, abs=1e-4)
    # x = 62: u = 0 (first pixel inside), s = 0 -> clamped to 0
    assert out[50, 62] == pytest.approx(0.0, abs=1e-6)
    # x = 136: u = 47.36, s = 11.84 -> 11.34 -> clamped to 11
    assert out[50, 136] == pytest.approx(11.0, abs=1e-4)
    # x = 80 (row 12, v = 12.5 * .64 - 8 = 0, inside): u = 11.52,
    # s = 2.88 -> 2.38
    assert out[12, 80] == pytest.approx(2.38, abs=1e-4)
    # cut away by the crop: 0
    assert np.all(out[:, :62] == 0) and np.all(out[:, 137:] == 0)
    assert np.all(out[:12] == 0) and np.all(out[87:] == 0)
    # inside, the whole formula (an independent reference)
    x = np.arange(62, 137)
    expected = np.clip(((x + 0.5) * 0.64 - 40) / 4 - 0.5, 0, 11)
    np.testing.assert_allclose(out[12:87, 62:137],
                               np.broadcast_to(expected, (75, 75)),
                               atol=1e-4)


def test_score_map_without_crop_equals_plain_upsampling():
    # 37 x 53 image resized to 64 x 64 (mmcv: scale = new / old)
    frame = OriginalFrame((37, 53), (64, 64), (64 / 53, 64 / 37))
    native = torch.rand(16, 16, generator=torch.Generator().manual_seed(0))
    out = frame.score_map_to_original(native)
    ref = F.interpolate(native[None, None], size=(37, 53), mode='bilinear',
                        align_corners=False)[0, 0].numpy()
    np.testing.assert_allclose(out, ref, atol=1e-5)


def test_score_map_flip_mirrors():
    frame = OriginalFrame((40, 40), (40, 40))
    flipped = OriginalFrame((40, 40), (40, 40), flip_direction='horizontal')
    native = torch.rand(10, 10, generator=torch.Generator().manual_seed(1))
    np.testing.assert_allclose(
        flipped.score_map_to_original(native),
        frame.score_map_to_original(native)[:, ::-1], atol=1e-6)


def test_map_over_a_padded_batch_input():
    """The native map covers the padded batch input (here 64 wide for a 48
    wide image): cells right of 48 px are padding, never sampled."""
    native = torch.zeros(16, 16)
    native[:, 12:] = 100.0  # the padding area (input x >= 48)
    frame = OriginalFrame((48, 48), (48, 48))
    out = frame.score_map_to_original(native, map_frame_shape=(64, 64))
    # last pixel centre x = 47.5 -> native 11.875: between cell 11 (0) and
    # 12 (100) with weight 0.375 on cell 12
    assert out[0, 47] == pytest.approx(37.5, abs=1e-3)
    assert np.all(out[:, :46] == 0)


def test_inconsistent_metainfo_is_refused():
    with pytest.raises(ValueError, match='not a resize followed by'):
        # a crop of 48 px cannot give a 32 px input
        OriginalFrame((100, 200), (32, 32), (0.64, 0.64), [40, 8, 88, 56],
                      where='img.jpg')
    with pytest.raises(ValueError, match='img.jpg'):
        OriginalFrame((100, 200), (64, 64), (0.5, 0.5), where='img.jpg')
