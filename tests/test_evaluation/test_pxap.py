"""PxAP against wsolevaluation's MaskEvaluator recipe (np.histogram)."""
import numpy as np
import pytest

from mmwsol.evaluation import evaluate_score_maps
from mmwsol.evaluation.functional import pixel_average_precision
from mmwsol.evaluation.functional.reference_loops import reference_pxap


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


def test_packed_histograms_round_trip_exactly():
    from mmwsol.evaluation.functional.pxap import (pack_histogram,
                                                   unpack_histograms)
    rng = np.random.default_rng(0)
    hists = rng.integers(0, 40, (5, 2, 1002))
    hists[0, 0, 0] = 50176  # a whole 224 x 224 map in one bin
    hists[1, 1, 7] = 255  # the limit itself
    hists[2, :, 3:6] = 254
    hists[3] = 0
    packed = [pack_histogram(h) for h in hists]
    assert np.array_equal(unpack_histograms(packed), hists)
    u8, pairs = packed[0]
    assert u8.dtype == np.uint8 and pairs.tolist() == [[0, 50176]]
    assert packed[1][1].tolist() == [[1002 + 7, 255]]
    assert len(packed[2][1]) == 0 and len(packed[3][1]) == 0


def test_metric_records_are_compact_and_pxap_unchanged():
    """LocalizationMetric keeps a packed histogram per image (a quarter of
    the int32 bytes) and gives evaluate_score_maps' PxAP, also when bins
    hold 255 pixels or more (flat map regions)."""
    import torch
    from mmpretrain.structures import DataSample

    from mmwsol.evaluation import LocalizationMetric
    rng = np.random.default_rng(3)
    maps = rng.random((6, 64, 64))
    maps[:, :32] = 0.25  # 2048 pixels in one bin
    masks = (rng.random((6, 64, 64)) < 0.4).astype(np.uint8)
    masks[:, :8] = 1
    boxes = [np.array([[0, 0, 30, 30]])] * 6
    expected = evaluate_score_maps(maps, boxes, gt_masks=masks)['PxAP']
    metric = LocalizationMetric(map_normalization='none')
    for m, mask in zip(maps, masks):
        ds = DataSample(metainfo=dict(
            img_shape=(64, 64), ori_shape=(64, 64),
            ori_gt_bboxes=np.array([[0, 0, 30, 30]], np.float32)))
        ds.set_gt_label(0)
        ds.set_field(torch.as_tensor(m), 'score_map')
        ds.set_field(torch.zeros(0, 4), 'gt_bboxes')
        ds.set_field(torch.as_tensor(mask), 'gt_mask')
        metric.process({}, [ds.to_dict()])
    u8, pairs = metric.results[0]['hist']
    assert u8.nbytes + pairs.nbytes < 2 * 1002 * 4 / 3
    assert metric.evaluate(6)['wsol/PxAP'] == expected


def test_pxap_uneven_thresholds_and_float32_maps():
    """The CPU kernel's bin lookup is exact for any ascending thresholds
    (uneven ones, values on the edges, float32 maps)."""
    rng = np.random.default_rng(11)
    maps = rng.random((8, 20, 20)).astype(np.float32)
    thresholds = np.array([0, 0.001, 0.3, 0.30000001, 0.5, 0.9, 0.999])
    maps[:, :2] = np.float32(0.3)
    maps[:, 2:4] = np.float32(0.5)
    maps[:, 4] = 1.0
    maps[:, 5] = 0.0
    masks = (rng.random(maps.shape) < 0.5).astype(np.uint8)
    masks[:, 6] = 255
    boxes = [np.array([[0, 0, 5, 5]])] * 8
    got = evaluate_score_maps(maps, boxes, gt_masks=masks,
                              cam_thresholds=thresholds)['PxAP']
    assert got == reference_pxap(maps, masks, thresholds)
