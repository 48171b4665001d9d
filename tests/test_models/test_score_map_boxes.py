"""boxes_from_score_maps / minmax_normalize against hand-worked maps."""
import pytest
import torch

from mmwsol.models.utils import boxes_from_score_maps, minmax_normalize


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


def test_minmax_normalize():
    maps = torch.tensor([[[1., 3.], [2., 5.]], [[2., 2.], [2., 2.]],
                         [[0., float('nan')], [1., 2.]]])
    out = minmax_normalize(maps)
    assert torch.allclose(out[0], torch.tensor([[0., 0.5], [0.25, 1.]]))
    assert torch.equal(out[1], torch.zeros(2, 2))
    assert torch.equal(out[2], torch.zeros(2, 2))
