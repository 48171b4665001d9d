"""boxes_from_score_maps / hit_extents / normalize_score_maps against
hand-worked maps."""
import pytest
import torch

from mmwsol.structures import (boxes_from_score_maps, hit_extents,
                               line_extents, normalize_score_maps)


def test_release_and_cover_boxes():
    maps = torch.zeros(3, 4, 4)
    maps[0, 1, 2] = 0.9  # row 1, col 2
    maps[0, 2, 3] = 0.7  # row 2, col 3
    maps[0, 3, 0] = 0.5  # not above 0.5
    maps[1] = 0.2  # nothing above the threshold
    maps[2, 0, 0] = 1.0  # one cell at the origin
    release = boxes_from_score_maps(maps, 0.5, (16, 16), 'release')
    # map scale 16 / 4 = 4; release: x0 = minx*4, x1 = maxx*4
    assert release.tolist() == [[8., 4., 12., 8.], [0., 0., 16., 16.],
                                [0., 0., 0., 0.]]
    cover = boxes_from_score_maps(maps, 0.5, (16, 16), 'cover')
    assert cover.tolist() == [[8., 4., 16., 12.], [0., 0., 16., 16.],
                              [0., 0., 4., 4.]]


def test_unequal_scales():
    maps = torch.zeros(1, 2, 4)  # h=2, w=4 on a 10 x 40 input
    maps[0, 1, 1] = 1
    box = boxes_from_score_maps(maps, 0.5, (10, 40), 'cover')
    assert box.tolist() == [[10., 5., 20., 10.]]


def test_bad_arguments():
    with pytest.raises(ValueError, match='mode'):
        boxes_from_score_maps(torch.zeros(1, 2, 2), 0.5, (8, 8), 'tight')
    with pytest.raises(ValueError, match='B x h x w'):
        boxes_from_score_maps(torch.zeros(2, 2), 0.5, (8, 8))


def test_hit_extents():
    hits = torch.zeros(2, 3, 5, dtype=torch.bool)
    hits[0, 1, 3] = hits[0, 2, 1] = True
    found, min_x, min_y, max_x, max_y = hit_extents(hits)
    assert found.tolist() == [True, False]
    assert min_x.tolist() == [1, 5] and max_x.tolist() == [3, -1]
    assert min_y.tolist() == [1, 3] and max_y.tolist() == [2, -1]


def test_minmax_normalize():
    maps = torch.tensor([[[1., 3.], [2., 5.]], [[2., 2.], [2., 2.]],
                         [[0., float('nan')], [1., 2.]]])
    out, invalid = normalize_score_maps(maps)
    assert invalid.tolist() == [False, True, True]
    assert torch.equal(out[0], torch.tensor([[0., 0.5], [0.25, 1.]]))
    assert torch.equal(out[1], torch.zeros(2, 2))
    assert torch.equal(out[2], torch.zeros(2, 2))


def test_line_extents_over_thresholds():
    """Per-threshold row/column hits (the ORNet metric's shape) give the
    same extents as the full hit masks."""
    gen = torch.Generator().manual_seed(0)
    maps = torch.rand(3, 6, 7, generator=gen)
    thresholds = torch.tensor([0.2, 0.6, 0.95, 1.0])
    hits = maps[:, None] > thresholds[None, :, None, None]  # B x T x h x w
    rows = maps.amax(2)[:, None] > thresholds[None, :, None]
    cols = maps.amax(1)[:, None] > thresholds[None, :, None]
    for got, want in zip(line_extents(rows, cols), hit_extents(hits)):
        assert torch.equal(got, want)
    found = line_extents(rows, cols)[0]
    assert not found[:, -1].any() and found[:, 0].all()
