"""LocalizationMetric on data samples (docs/conventions.md)."""
import json

import cv2
import numpy as np
import pytest
import torch
from mmengine.logging import MMLogger
from mmpretrain.structures import DataSample

from mmwsol.evaluation import LocalizationMetric, evaluate_score_maps
from mmwsol.evaluation.functional import wsolevaluation_resize_boxes
from mmwsol.registry import METRICS


def make_sample(score_map, img_shape, ori_shape, ori_boxes, label=0,
                scores=None, gt_mask=None, **metainfo):
    ds = DataSample(metainfo=dict(
        img_shape=img_shape, ori_shape=ori_shape,
        ori_gt_bboxes=np.asarray(ori_boxes, np.float32), **metainfo))
    ds.set_gt_label(label)
    ds.set_field(torch.as_tensor(score_map), 'score_map')
    ds.set_field(torch.zeros(0, 4), 'gt_bboxes')
    if scores is not None:
        ds.set_pred_score(torch.as_tensor(scores, dtype=torch.float32))
    if gt_mask is not None:
        ds.set_field(torch.as_tensor(gt_mask, dtype=torch.uint8), 'gt_mask')
    return ds.to_dict()


def run(metric, samples, batch=4):
    for i in range(0, len(samples), batch):
        metric.process({}, samples[i:i + batch])
    return metric.evaluate(len(samples))


def two_blobs():
    m = np.zeros((20, 20))
    m[10:18, 10:18] = 0.5
    m[2:5, 2:5] = 1.0
    return m


def test_registered_and_defaults():
    metric = METRICS.build(dict(type='LocalizationMetric'))
    assert isinstance(metric, LocalizationMetric)
    assert metric.map_upsample == 'bicubic'
    assert metric.map_normalization == 'minmax'
    assert len(metric.cam_thresholds) == 1000
    ornet = METRICS.build(dict(type='LocalizationMetric', protocol='ornet'))
    assert ornet.map_upsample == 'none' and ornet.map_normalization == 'none'
    np.testing.assert_allclose(ornet.cam_thresholds,
                               np.arange(1, 20) / 20)


def test_resize_bbox_arithmetic():
    # CUB 500 x 335 image, box (60, 27, 385, 331), evaluated at 224:
    # 60*224/500 = 26.88, 27*224/335 = 18.05, 385*224/500 = 172.48,
    # 331*224/335 = 221.32 -> int
    got = wsolevaluation_resize_boxes([[60, 27, 385, 331]], (335, 500),
                                      (224, 224))
    assert got.tolist() == [[26, 18, 172, 221]]


def test_matches_wsolevaluation_recipe():
    """Native CAMs in the metric == wsolevaluation's own preprocessing."""
    rng = np.random.default_rng(0)
    samples, ref_maps, ori_boxes, sizes, labels, preds = [], [], [], [], [], []
    for i in range(16):
        cam = rng.standard_normal((8, 8)).astype(np.float32) * 3
        cam[rng.random((8, 8)) < 0.3] -= 4  # 8 -> 64: an integral scale
        ori = (int(rng.integers(150, 400)), int(rng.integers(150, 400)))
        x0, y0 = rng.integers(0, ori[1] // 2), rng.integers(0, ori[0] // 2)
        box = [[x0, y0, x0 + rng.integers(20, ori[1] // 2),
                y0 + rng.integers(20, ori[0] // 2)]]
        scores = rng.random(10)
        label = int(rng.integers(0, 10))
        samples.append(make_sample(cam, (64, 64), ori, box, label, scores))
        # wsolevaluation: t2n (float64), cv2.resize bicubic, normalize
        ref = cv2.resize(cam.astype(np.float64), (64, 64),
                         interpolation=cv2.INTER_CUBIC)
        ref -= ref.min()
        ref /= ref.max()
        ref_maps.append(ref)
        ori_boxes.append(np.array(box))
        sizes.append(ori)
        labels.append(label)
        preds.append(np.argsort(-scores)[:5])
    metric = LocalizationMetric(prefix='loc')
    got = run(metric, samples)
    ref = evaluate_score_maps(
        np.stack(ref_maps), ori_boxes, image_sizes=sizes,
        pred_labels=np.stack(preds), gt_labels=labels)
    assert {k[4:]: v for k, v in got.items()} == ref
    assert 0 < ref['MaxBoxAccV2'] < 100


def test_refuses_cropped_samples():
    metric = LocalizationMetric()
    sample = make_sample(np.eye(4), (4, 4), (8, 8), [[0, 0, 4, 4]],
                         crop_bbox=np.array([2, 2, 6, 6]),
                         img_path='data/CUB/images/a.jpg')
    with pytest.raises(ValueError, match='a.jpg.*cropped'):
        metric.process({}, [sample])


def test_ornet_unclipped_gt_boxes():
    # 624x624 image, no resize (scale 1), centre crop 224 at (200, 200):
    # original box [0, 0, 300, 300] -> ORNet [-200, -200, 100, 100],
    # mmcv's clipped gt_bboxes [0, 0, 100, 100].
    m = np.zeros((56, 56), np.float32)
    m[:25, :25] = 0.9  # box [0, 0, 96, 96] at stride 4
    meta = dict(scale_factor=(1.0, 1.0), crop_bbox=np.array([200, 200, 424,
                                                             424]))
    sample = make_sample(m, (224, 224), (624, 624), [[0, 0, 300, 300]],
                         **meta)
    sample['gt_bboxes'] = torch.tensor([[0., 0., 100., 100.]])
    # unclipped: 9216 / 90000 = 0.10; packed: 9216 / 10000 = 0.92
    res = run(LocalizationMetric(protocol='ornet'), [sample])
    assert res['wsol/MaxBoxAcc@30'] == 0.0
    res = run(
        LocalizationMetric(protocol='ornet', ornet_gt_bboxes='packed'),
        [sample])
    assert res['wsol/MaxBoxAcc@70'] == 100.0


def test_calibrated_threshold(tmp_path):
    calib = tmp_path / 'thresholds.json'
    # calibration split: GT on the small blob -> oracle tau 0.499
    cal = [make_sample(two_blobs(), (20, 20), (20, 20), [[2, 2, 4, 4]])]
    res = run(LocalizationMetric(save_thresholds=str(calib)), cal)
    assert res['wsol/GT-known_Loc_thr'] == pytest.approx(0.499)
    saved = json.loads(calib.read_text())
    assert saved['protocol'] == 'wsolevaluation'
    # test split: GT on the big blob (box [10, 10, 18, 18] vs [10, 10, 17,
    # 17]: 64 / 81): V1 hits for tau <= 0.498 only
    test = [make_sample(two_blobs(), (20, 20), (20, 20), [[10, 10, 17, 17]])]
    oracle = run(LocalizationMetric(), test)
    assert oracle['wsol/GT-known_Loc'] == 100.0
    calibrated = run(
        LocalizationMetric(
            threshold_selection='calibrated', calibration_file=str(calib)),
        test)
    assert calibrated['wsol/GT-known_Loc'] == 0.0
    assert calibrated['wsol/GT-known_Loc_thr'] == pytest.approx(0.499)
    # BoxAcc@50 at the calibration's MaxBoxAcc@50 threshold (0.0): V2 has
    # the big blob's box there
    assert calibrated['wsol/BoxAcc@50'] == 100.0
    assert calibrated['wsol/MaxBoxAcc'] == 100.0  # a max, never calibrated
    fixed = run(
        LocalizationMetric(threshold_selection='fixed', fixed_threshold=0.7),
        test)
    assert fixed['wsol/GT-known_Loc'] == 0.0
    with pytest.raises(ValueError, match='protocol'):
        LocalizationMetric(
            protocol='ornet',
            threshold_selection='calibrated',
            calibration_file=str(calib))


def test_class_figures_and_invalid_map_warning(tmp_path):
    log_file = tmp_path / 'log.txt'
    MMLogger.get_instance('test_localization_metric', log_file=str(log_file))
    m = np.zeros((10, 10))
    m[2:6, 3:8] = 1.0  # box [3, 2, 8, 6]
    nan_map = np.full((10, 10), np.nan)
    scores = np.arange(10.0)  # ranking 9, 8, 7, ...
    samples = [
        make_sample(m, (10, 10), (10, 10), [[3, 2, 8, 6]], 9, scores),  # 1/1
        make_sample(m, (10, 10), (10, 10), [[3, 2, 8, 6]], 6, scores),  # -/5
        make_sample(nan_map, (10, 10), (10, 10), [[3, 2, 8, 6]], 9, scores),
        make_sample(m, (10, 10), (10, 10), [[3, 2, 8, 6]], 0, scores),  # -/-
    ]
    samples[2]['img_path'] = 'birds/nan.jpg'
    res = run(LocalizationMetric(nonfinite_maps='zero'), samples)
    assert res['wsol/Top-1_Cls'] == 50.0 and res['wsol/Top-5_Cls'] == 75.0
    assert res['wsol/GT-known_Loc'] == 75.0  # the NaN map misses
    assert res['wsol/Top-1_Loc'] == 25.0 and res['wsol/Top-5_Loc'] == 50.0
    text = log_file.read_text()
    assert ('1 of 4 score maps held NaN or inf and were evaluated as '
            'all-zero maps: img_path=birds/nan.jpg') in text
    assert 'constant' not in text
    assert 'oracle' in text


def test_pxap_through_the_metric():
    # fg 0.9 (bin [0.5, 1)), 0.3 (bin [0, 0.5)); bg 0.6, 0.1; thresholds
    # [0, 0.5]: tp = fp = [0, 0, 1, 2], precision 0.5, recall 0, 0.5, 1
    # -> AP = 0.5 * 0.5 + 0.5 * 0.5 = 50
    m = np.array([[0.9, 0.6], [0.3, 0.1]])
    mask = np.array([[1, 0], [1, 0]])
    sample = make_sample(m, (2, 2), (2, 2), [[0, 0, 1, 1]], gt_mask=mask)
    metric = LocalizationMetric(
        cam_thresholds=[0, 0.5], map_normalization='none')
    assert run(metric, [sample])['wsol/PxAP'] == 50.0
    # ignoring the 0.1 background pixel: fp = [0, 0, 1, 1], precision
    # [., ., 1/2, 2/3] -> AP = 0.5 * 0.5 + 2/3 * 0.5 = 7/12
    mask[1, 1] = 255
    sample = make_sample(m, (2, 2), (2, 2), [[0, 0, 1, 1]], gt_mask=mask)
    assert run(metric, [sample])['wsol/PxAP'] == pytest.approx(700 / 12)


def test_bad_config():
    with pytest.raises(ValueError, match='fixed_threshold'):
        LocalizationMetric(threshold_selection='fixed')
    with pytest.raises(ValueError, match='map_upsample'):
        LocalizationMetric(map_upsample='lanczos')
    with pytest.raises(FileNotFoundError, match='nope.json'):
        LocalizationMetric(
            threshold_selection='calibrated', calibration_file='nope.json')


def test_mask_only_samples_give_pxap():
    m = np.array([[0.9, 0.6], [0.3, 0.1]])
    samples = [
        make_sample(m, (2, 2), (2, 2), np.zeros((0, 4)),
                    gt_mask=np.array([[1, 0], [1, 0]]))
    ]
    metric = LocalizationMetric(
        cam_thresholds=[0, 0.5], map_normalization='none')
    assert run(metric, samples) == {'wsol/PxAP': 50.0}
    # an image without a box among images with boxes is an error
    samples.append(make_sample(m, (2, 2), (2, 2), [[0, 0, 1, 1]],
                               gt_mask=np.zeros((2, 2))))
    with pytest.raises(ValueError, match='has no GT box'):
        metric.process({}, samples)


def test_unnormalized_maps_must_be_probabilities():
    """ORNet's protocol thresholds p^a as it is; a raw CAM (values far
    outside [0, 1]) would give boxes at meaningless thresholds."""
    blob = np.zeros((20, 20))
    blob[10:18, 10:18] = 1.0
    cam = blob * 7.0 - 2.0  # range [-2, 5]
    sample = make_sample(cam, (20, 20), (20, 20), [[10, 10, 17, 17]])
    with pytest.raises(ValueError, match='map_normalization=.minmax'):
        run(LocalizationMetric(protocol='ornet'), [sample])
    res = run(LocalizationMetric(protocol='ornet', map_normalization='minmax'),
              [sample])
    assert res['wsol/GT-known_Loc'] == 100.0  # the blob's box
    # a probability map is taken as it is
    assert run(LocalizationMetric(protocol='ornet'),
               [make_sample(blob * 0.8, (20, 20), (20, 20),
                            [[10, 10, 17, 17]])])['wsol/GT-known_Loc'] == 100.


def test_pxap_upsample_counts_every_pixel():
    """A peaky 7x7 map upsampled bicubic overshoots [0, 1]; the PxAP-only
    upsampling normalises again (minmax) or clips (none), as wsolevaluation
    normalises after its resize, so no pixel falls out of the histogram."""
    from mmwsol.evaluation.functional.reference_loops import reference_pxap
    from mmwsol.structures import upsample_score_maps
    rng = np.random.default_rng(3)
    maps = rng.random((6, 7, 7)) * 0.2
    maps[:, 2:5, 2:5] = 1.0  # a step: bicubic overshoot and undershoot
    masks = np.zeros((6, 28, 28), np.uint8)
    masks[:, 8:20, 8:20] = 1
    masks[:, 0, :] = 255
    up = upsample_score_maps(torch.as_tensor(maps), (28, 28),
                             'bicubic').numpy()
    assert up.min() < 0 and up.max() > 1  # the case under test
    thresholds = np.arange(0, 1, 0.01)
    clipped = np.clip(up, 0, 1)
    lo = up.min(axis=(1, 2), keepdims=True)
    hi = up.max(axis=(1, 2), keepdims=True)
    renormed = (up - lo) / (hi - lo)
    for normalization, expected_maps in (('none', clipped),
                                         ('minmax', renormed)):
        metric = LocalizationMetric(
            protocol='ornet', cam_thresholds=thresholds, box_scale=4,
            map_normalization=normalization, pxap_upsample='bicubic')
        samples = [
            make_sample(m, (28, 28), (28, 28), [[8, 8, 19, 19]], gt_mask=k)
            for m, k in zip(maps, masks)
        ]
        got = run(metric, samples)['wsol/PxAP']
        assert got == pytest.approx(
            reference_pxap(expected_maps, masks, thresholds), abs=1e-9)


def test_metric_keys_have_no_spaces_and_old_calibration_files_load(tmp_path):
    """Keys are file-name safe (best_<key>.pth); 0.1 calibration files,
    whose keys had spaces ('GT-known Loc thr'), still calibrate."""
    sample = make_sample(two_blobs(), (20, 20), (20, 20), [[2, 2, 4, 4]],
                         scores=[0.9, 0.1])
    res = run(LocalizationMetric(), [sample])
    assert res and not [k for k in res if ' ' in k]
    for key in ('wsol/GT-known_Loc', 'wsol/GT-known_Loc_thr',
                'wsol/Top-1_Loc', 'wsol/Top-1_Cls', 'wsol/MaxBoxAcc_thr',
                'wsol/MaxBoxAcc@50_thr'):
        assert key in res
    old = tmp_path / 'old.json'
    old.write_text(json.dumps(dict(
        protocol='wsolevaluation', threshold_selection='oracle',
        thresholds={'GT-known Loc thr': 0.7, 'Top-1 Loc thr': 0.7,
                    'MaxBoxAcc thr': 0.7, 'MaxBoxAcc@30 thr': 0.7,
                    'MaxBoxAcc@50 thr': 0.7, 'MaxBoxAcc@70 thr': 0.7})))
    calibrated = run(
        LocalizationMetric(threshold_selection='calibrated',
                           calibration_file=str(old)), [sample])
    # at 0.7 only the small blob (value 1.0) is left: its box is the GT
    assert calibrated['wsol/GT-known_Loc_thr'] == pytest.approx(0.7)
    assert calibrated['wsol/GT-known_Loc'] == 100.0
