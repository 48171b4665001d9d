"""Map preparation: upsampling like OpenCV, normalising like wsolevaluation."""
import cv2
import numpy as np
import pytest
import torch

from mmwsol.structures import (normalize_score_maps, quantize_score_maps,
                               upsample_score_maps)
from mmwsol.structures.score_map_ops import _normalize_torch, _quantize_torch


def wsolevaluation_normalize(cam):
    """wsolevaluation's normalize_scoremap, rewritten."""
    cam = cam.copy()
    if np.isnan(cam).any() or cam.min() == cam.max():
        return np.zeros_like(cam)
    cam -= cam.min()
    cam /= cam.max()
    return cam


def test_bicubic_like_opencv():
    rng = np.random.default_rng(0)
    # integral scales (7 -> 224 for ResNet CAMs, 14 -> 224 for VGG, 56 ->
    # 224 for LowCAM): OpenCV's float32 cubic weights are exact, the maps
    # agree to float64 rounding and so do the uint8 maps
    cams = rng.standard_normal((6, 7, 9)) * 3
    ours = upsample_score_maps(torch.from_numpy(cams), (56, 72), 'bicubic')
    for cam, got in zip(cams, ours.numpy()):
        ref = cv2.resize(cam, (72, 56), interpolation=cv2.INTER_CUBIC)
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)
        u8_ref = (wsolevaluation_normalize(ref) * 255).astype(np.uint8)
        u8 = (wsolevaluation_normalize(got) * 255).astype(np.uint8)
        np.testing.assert_array_equal(u8, u8_ref)
    # other scales: OpenCV rounds its weights to float32 (~1e-6 apart)
    ours = upsample_score_maps(torch.from_numpy(cams), (56, 40), 'bicubic')
    ref = cv2.resize(cams[0], (40, 56), interpolation=cv2.INTER_CUBIC)
    np.testing.assert_allclose(ours[0].numpy(), ref, rtol=0, atol=1e-4)
    near = upsample_score_maps(torch.from_numpy(cams), (14, 18), 'nearest')
    np.testing.assert_array_equal(
        near[0].numpy(),
        cv2.resize(cams[0], (18, 14), interpolation=cv2.INTER_NEAREST))


@pytest.mark.parametrize('impl', ['numpy', 'torch'])
def test_normalize_like_wsolevaluation(impl):
    rng = np.random.default_rng(1)
    maps = rng.standard_normal((5, 6, 6)) * 4 + 2
    maps[1] = 3.0  # constant
    maps[2, 1, 1] = np.nan
    maps[3, 0, 0] = np.inf
    fn = normalize_score_maps if impl == 'numpy' else _normalize_torch
    out, invalid = fn(torch.from_numpy(maps), 'minmax')
    assert invalid.tolist() == [False, True, True, True, False]
    for m, got in zip(maps, out.numpy()):
        if np.isfinite(m).all():
            np.testing.assert_array_equal(got, wsolevaluation_normalize(m))
        else:
            assert not got.any()
    out, invalid = fn(torch.from_numpy(maps), 'none')
    assert invalid.tolist() == [False, False, True, True, False]
    np.testing.assert_array_equal(out[0].numpy(), maps[0])
    assert not out[2].any()


@pytest.mark.parametrize('impl', ['numpy', 'torch'])
def test_quantize(impl):
    fn = quantize_score_maps if impl == 'numpy' else _quantize_torch
    m = torch.tensor([[[0.0, 0.5, 0.999, 1.0]]], dtype=torch.float64)
    assert fn(m).tolist() == [[[0, 127, 254, 255]]]
    with pytest.raises(ValueError, match=r'\[0, 1\]'):
        fn(m * 2)


@pytest.mark.parametrize('impl', ['numpy', 'torch'])
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_minmax_is_the_plain_formula_bit_for_bit(impl, dtype):
    """``m -= min; m /= max`` equals ``(m - min) / (max - min)`` to the bit
    (the rounded shift is monotonic), so the models' boxes, inference and
    the metric share one normalisation; inf maps become zeros."""
    gen = torch.Generator().manual_seed(2)
    maps = (torch.randn(64, 13, 11, generator=gen, dtype=torch.float64) *
            torch.logspace(-20, 20, 64, dtype=torch.float64)[:, None, None]
            ).to(dtype)
    fn = normalize_score_maps if impl == 'numpy' else _normalize_torch
    out, invalid = fn(maps, 'minmax')
    low = maps.amin(dim=(1, 2), keepdim=True)
    high = maps.amax(dim=(1, 2), keepdim=True)
    assert not invalid.any()
    assert torch.equal(out, (maps - low) / (high - low))
    maps[0, 2, 3] = float('inf')
    maps[1, 0, 0] = -float('inf')
    out, invalid = fn(maps, 'minmax')
    assert invalid[:2].all() and not out[:2].any()


def test_score_map_ranges_and_unit_range():
    from mmwsol.structures import range_outside_unit, score_map_ranges
    maps = torch.zeros(4, 3, 5, dtype=torch.float64)
    maps[0, 1, 2] = 0.75
    maps[1, 0, 0] = float('nan')
    maps[2, 2, 4] = float('inf')
    maps[3] = torch.linspace(-0.5, 2.0, 15).reshape(3, 5)
    low, high = score_map_ranges(maps)
    assert low.tolist()[::2] == [0.0, 0.0] and high[0] == 0.75
    assert torch.isnan(low[1]) and torch.isnan(high[1])
    assert high[2] == float('inf')
    assert low[3] == -0.5 and high[3] == 2.0
    # the finite maps 0 and 3 range over [-0.5, 2]; 1 and 2 are left out
    assert range_outside_unit(maps) == (-0.5, 2.0)
    assert range_outside_unit(maps[:3]) is None
    assert range_outside_unit(maps[3:] / 4 + 0.125) is None  # [0, 0.625]


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_quantize_is_numpys_truncation_at_every_level_edge(dtype):
    """The compiled CPU pass equals ``(map * 255).astype(np.uint8)`` in the
    map's own dtype, on each level's edge k / 255 and the floats just
    below and above it (where a product rounded in another dtype would
    truncate to another level)."""
    edges = (np.arange(256) / 255).astype(dtype)
    values = np.concatenate([
        edges,
        np.nextafter(edges, dtype(-1)).clip(0),
        np.minimum(np.nextafter(edges, dtype(2)), dtype(1)),
        np.random.default_rng(0).random(768).astype(dtype)
    ]).reshape(2, 16, 48)
    got = quantize_score_maps(torch.from_numpy(values))
    assert got.dtype == torch.uint8
    np.testing.assert_array_equal(got.numpy(),
                                  (values * 255).astype(np.uint8))
    with pytest.raises(ValueError, match=r'\[0.0, 1.5\]'):
        quantize_score_maps(torch.tensor([[[0.5, 1.5], [0.0, 1.0]]],
                                         dtype=torch.float64))


@pytest.mark.parametrize('impl', ['numpy', 'torch'])
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_normalize_with_the_ranges_already_known(impl, dtype):
    """The metric passes the ranges it checked: no second reduction, the
    same bits and the same invalid maps."""
    from mmwsol.structures import score_map_ranges
    gen = torch.Generator().manual_seed(5)
    maps = (torch.randn(32, 9, 7, generator=gen, dtype=torch.float64) *
            torch.logspace(-20, 20, 32, dtype=torch.float64)[:, None, None]
            ).to(dtype)
    maps[3] = 2.5  # constant
    maps[4, 1, 1] = float('nan')
    maps[5, 0, 0] = float('inf')
    fn = normalize_score_maps if impl == 'numpy' else _normalize_torch
    ranges = score_map_ranges(maps)
    for mode in ('minmax', 'none'):
        out, invalid = fn(maps, mode)
        out_r, invalid_r = fn(maps, mode, ranges=ranges)
        assert torch.equal(invalid_r, invalid)
        assert torch.equal(out_r, out), mode
        assert out.dtype == out_r.dtype == dtype
    assert invalid.tolist()[3:6] == [False, True, True]  # 'none'
