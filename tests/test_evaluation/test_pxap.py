"""PxAP against wsolevaluation's MaskEvaluator recipe (np.histogram)."""
import numpy as np
import pytest

from mmwsol.evaluation import evaluate_score_maps
from mmwsol.evaluation.functional import pixel_average_precision


def reference_pxap(maps, masks, thresholds):
    edges = np.append(thresholds, [1.0, 2.0, 3.0])
    true_hist = np.zeros(len(edges) - 1)
    false_hist = np.zeros(len(edges) - 1)
    for m, mask in zip(maps, masks):
        true_hist += np.histogram(m[mask == 1], bins=edges)[0]
        false_hist += np.histogram(m[mask == 0], bins=edges)[0]
    tp = true_hist[::-1].cumsum()
    fn = true_hist.sum() - tp
    fp = false_hist[::-1].cumsum()
    non_zero = (tp + fp) != 0
    with np.errstate(divide='ignore', invalid='ignore'):
        precision = tp / (tp + fp)
        recall = tp / (tp + fn)
    return (precision[1:] * np.diff(recall))[non_zero[1:]].sum() * 100


def test_pxap_identical_to_histogram_recipe():
    rng = np.random.default_rng(5)
    maps = rng.random((30, 16, 16))
    maps[:, :4] = 1.0  # exact 1.0 falls in the [1, 2) bin
    maps[:, 4:6] = np.round(maps[:, 4:6], 2)  # values on bin edges
    masks = (maps + rng.normal(0, 0.3, maps.shape) > 0.6).astype(np.uint8)
    masks[rng.random(masks.shape) < 0.1] = 255
    boxes = [np.array([[0, 0, 5, 5]])] * 30
    for thresholds in (np.arange(0, 1, 0.001), np.arange(0, 1, 0.01)):
        got = evaluate_score_maps(
            maps, boxes, gt_masks=masks, cam_thresholds=thresholds)['PxAP']
        assert got == reference_pxap(maps, masks, thresholds)
        assert 50 < got < 100


def test_pxap_hand_example_and_errors():
    # see test_localization_metric.test_pxap_through_the_metric
    assert pixel_average_precision([1, 1, 0, 0], [1, 1, 0, 0]) == 50.0
    with pytest.raises(ValueError, match='no foreground'):
        pixel_average_precision([1, 1, 0, 0], [0, 0, 0, 0])
    with pytest.raises(ValueError, match='0 \\(background\\), 1'):
        evaluate_score_maps(
            np.zeros((1, 2, 2)), [[[0, 0, 1, 1]]],
            gt_masks=[np.full((2, 2), 7)])


def test_mask_only_dataset():
    """OpenImages has masks and no boxes: PxAP (and class figures) only."""
    maps = np.array([[[0.9, 0.6], [0.3, 0.1]]])
    masks = np.array([[[1, 0], [1, 0]]], np.uint8)
    res = evaluate_score_maps(
        maps, None, gt_masks=masks, cam_thresholds=[0, 0.5],
        pred_labels=[3], gt_labels=[3])
    assert res == {'PxAP': 50.0, 'Top-1_Cls': 100.0}


def test_unnormalized_maps_outside_unit_range_are_refused():
    """Out-of-range values would silently fall out of the PxAP histogram
    and be thresholded at meaningless levels by the ORNet boxes."""
    maps = np.zeros((2, 8, 8))
    maps[:, 2:6, 2:6] = 3.0  # a raw CAM
    masks = np.zeros((2, 8, 8), np.uint8)
    masks[:, 2:6, 2:6] = 1
    boxes = [np.array([[2, 2, 5, 5]])] * 2
    for protocol in ('wsolevaluation', 'ornet'):
        with pytest.raises(ValueError, match='map_normalization="minmax"'):
            evaluate_score_maps(maps, boxes, gt_masks=masks,
                                protocol=protocol)
        res = evaluate_score_maps(maps, boxes, gt_masks=masks,
                                  protocol=protocol,
                                  map_normalization='minmax')
        assert res['PxAP'] == 100.0
