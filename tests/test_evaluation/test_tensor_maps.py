"""evaluate_score_maps takes maps as tensors and keeps them on their device
(default ``device=None``), with the figures of the same maps as arrays."""
import numpy as np
import pytest
import torch

from mmwsol.evaluation import evaluate_score_maps


def maps_and_boxes():
    rng = np.random.default_rng(1)
    maps = rng.random((5, 24, 24)).astype(np.float32)
    maps[:, 6:18, 4:14] += 2
    maps = (maps - maps.min((1, 2), keepdims=True)) / np.ptp(
        maps, (1, 2), keepdims=True)
    boxes = [np.array([[4, 6, 13, 17]])] * 5
    masks = np.zeros((5, 24, 24), np.uint8)
    masks[:, 6:18, 4:14] = 1
    return maps, boxes, masks


@pytest.mark.parametrize('protocol', ['wsolevaluation', 'ornet'])
def test_tensor_maps_give_the_array_figures(protocol):
    maps, boxes, masks = maps_and_boxes()
    kwargs = dict(protocol=protocol, batch_size=2)
    if protocol == 'wsolevaluation':
        kwargs['gt_masks'] = masks
    expected = evaluate_score_maps(maps, boxes, **kwargs)
    got = evaluate_score_maps(torch.from_numpy(maps), boxes, **kwargs)
    assert got == expected
    assert expected['MaxBoxAcc' if protocol == 'wsolevaluation' else
                    'GT-known_Loc'] == 100.0


def test_low_precision_tensors_are_evaluated_in_float32():
    maps, boxes, _ = maps_and_boxes()
    half = torch.from_numpy(maps).to(torch.bfloat16)
    got = evaluate_score_maps(half, boxes)
    expected = evaluate_score_maps(half.float().numpy(), boxes)
    assert got == expected
