"""Bad input to the metric stops with the image named, never a number.

Before these checks: a GT box with inf gave MaxBoxAcc 100.0, NaN 100.0,
x1 < x0 silently 0, a 5-number row numpy's reshape error, a box outside
the map 0, image size (0, 0) 0 with numpy warnings, iou 0.5 read as 0.5 %
(100.0), a NaN map a warning naming no image, a 0/255 mask "no foreground
pixel in the evaluated GT masks" (only once all masks lacked one), an
(N, 0, W) map numpy's "zero-size array", a 3-D score map in the metric
torch's stack/upsample error, and an ORNet zero-area GT box silently 0.
"""
import numpy as np
import pytest
import torch
from mmpretrain.structures import DataSample

from mmwsol.evaluation import LocalizationMetric, evaluate_score_maps


def blob_maps(num=3):
    maps = np.zeros((num, 100, 100))
    maps[:, 20:60, 20:60] = 1
    return maps


def boxes(num=3, bad=None, index=None):
    out = [np.array([[20, 20, 60, 60]], np.float64) for _ in range(num)]
    if bad is not None:
        out[index] = np.asarray(bad, np.float64)
    return out


def test_sound_input_scores_100():  # the reference for the cases below
    res = evaluate_score_maps(blob_maps(), boxes())
    assert res['MaxBoxAcc'] == 100.0
    res = evaluate_score_maps(blob_maps(), boxes(), protocol='ornet')
    assert res['MaxBoxAcc'] == 100.0


@pytest.mark.parametrize('protocol', ['wsolevaluation', 'ornet'])
@pytest.mark.parametrize('bad, message', [
    ([[10, 10, np.inf, 100]], r'image 1: GT box 0 \(10, 10, inf, 100\) is '
     'not finite'),
    ([[10, 10, np.nan, 100]], r'image 1: GT box 0 .* is not finite'),
    ([[20, 20, 60, 60], [60, 20, 20, 60]],
     r'image 1: GT box 1 \(60, 20, 20, 60\) needs x1 >'),
    ([[0, 20, 20, 60, 60]], r'image 1: GT boxes must be \(k, 4\) rows .*'
     r'shape \(1, 5\)'),
])
def test_unsound_boxes_name_the_image(protocol, bad, message):
    with pytest.raises(ValueError, match=message):
        evaluate_score_maps(blob_maps(), boxes(bad=bad, index=1),
                            protocol=protocol)


def test_boxes_outside_their_frame():
    with pytest.raises(ValueError, match=r'image 2: GT box 0 \(20, 20, 160, '
                       r'60\) lies outside the 100x100 \(WxH\) image'):
        evaluate_score_maps(blob_maps(), boxes(bad=[[20, 20, 160, 60]],
                                               index=2))
    with pytest.raises(ValueError, match='image 0: .* lies outside the '
                       r'50x40 \(WxH\)'):
        evaluate_score_maps(blob_maps(), boxes(), image_sizes=[(40, 50)] * 3)
    # ornet boxes in the crop's frame are ORNet's unclipped ones: they may
    # extend past it, but one that misses the image entirely is refused
    res = evaluate_score_maps(blob_maps(), boxes(bad=[[-5, 20, 60, 60]],
                                                 index=0), protocol='ornet')
    assert res['MaxBoxAcc'] == 100.0  # IoU 1600 / 1700 > 0.5
    with pytest.raises(ValueError, match='image 0: .* does not overlap'):
        evaluate_score_maps(blob_maps(), boxes(bad=[[100, 20, 160, 60]],
                                               index=0), protocol='ornet')


def test_zero_area_boxes():
    # wsolevaluation counts pixels inclusively: [20, 20, 20, 60] is a
    # 1 x 41 px box, sound (and a miss for this blob)
    res = evaluate_score_maps(blob_maps(1), [np.array([[20, 20, 20, 60]])])
    assert res['MaxBoxAcc'] == 0.0
    # ORNet has no +1: a zero-area GT box has IoU 0 / 0 with a zero-area
    # prediction, which the release counts correct; refused here
    with pytest.raises(ValueError, match=r'image 0: GT box 0 \(20, 20, 20, '
                       r'60\) needs x1 > x0 and y1 > y0 \(a box with area'):
        evaluate_score_maps(blob_maps(1), [np.array([[20, 20, 20, 60]])],
                            protocol='ornet')


def test_bad_image_sizes():
    for size in [(0, 0), (100, -3), (100.5, 100), (100,)]:
        with pytest.raises(ValueError, match=r'image 1: the image size must '
                           r'be \(h, w\), two positive integers'):
            evaluate_score_maps(blob_maps(), boxes(),
                                image_sizes=[(100, 100), size, (100, 100)])


def test_masks():
    masks = [(blob_maps(1)[0]).astype(np.uint8) for _ in range(3)]
    assert evaluate_score_maps(blob_maps(), None,
                               gt_masks=masks)['PxAP'] == 100.0
    bad = [m.copy() for m in masks]
    bad[1] = bad[1] * 255  # a 0/255 picture of the object
    with pytest.raises(ValueError, match=r'image 1: the GT mask has ignored '
                       r'\(255\) but no foreground \(1\) pixels'):
        evaluate_score_maps(blob_maps(), None, gt_masks=bad)
    bad[1] = masks[1] * 2
    with pytest.raises(ValueError, match=r'image 1: a GT mask holds 0 .* this'
                       r' one \[0, 2\]'):
        evaluate_score_maps(blob_maps(), None, gt_masks=bad)
    bad[1] = masks[1] * 0.5  # float mask: truncated to 0 before
    with pytest.raises(ValueError, match=r'image 1: a GT mask holds .*0\.5'):
        evaluate_score_maps(blob_maps(), None, gt_masks=bad)
    bad[1] = masks[1][:50]
    with pytest.raises(ValueError, match=r'image 1: GT mask \(50, 100\) and '
                       r'score map \(100, 100\) differ'):
        evaluate_score_maps(blob_maps(), None, gt_masks=bad)


def test_fraction_iou_thresholds_refused():
    with pytest.raises(ValueError, match=r'a threshold <= 1 reads as at most '
                       r'1 % IoU. Write IoU 0.5 as 50'):
        evaluate_score_maps(blob_maps(), boxes(), iou_thresholds=(0.5, ))
    with pytest.raises(ValueError, match='Write IoU 0.5 as 50'):
        LocalizationMetric(iou_thresholds=(0.3, 0.5, 0.7))


def test_empty_maps():
    with pytest.raises(ValueError, match=r'the score map has an empty side, '
                       r'shape \(0, 100\)'):
        evaluate_score_maps(np.zeros((1, 0, 100)), boxes(1))
    with pytest.raises(ValueError, match=r'image 1: the score map has an '
                       'empty side'):
        evaluate_score_maps([blob_maps(1)[0], np.zeros((100, 0))], boxes(2))


@pytest.mark.parametrize('value', [np.nan, np.inf, -np.inf])
def test_nonfinite_maps(value):
    maps = blob_maps(4)
    maps[1, 0, 0] = value  # one pixel of image 1, all of image 3
    maps[3] = value
    with pytest.raises(ValueError, match='2 of 4 score maps hold NaN or '
                       'inf: image 1, image 3. Did the model diverge'):
        evaluate_score_maps(maps, boxes(4), batch_size=4)
    with pytest.raises(ValueError, match='1 of 2 score maps .*: image 1'):
        evaluate_score_maps(maps, boxes(4), batch_size=2)  # first batch
    with pytest.warns(UserWarning, match='2 of 4 score maps held NaN or inf '
                      'and were evaluated as all-zero maps: image 1, image '
                      '3'):
        res = evaluate_score_maps(maps, boxes(4), nonfinite_maps='zero')
    # an all-zero map gives the box [0, 0, 0, 0]: images 1 and 3 miss
    assert res['MaxBoxAcc'] == 50.0


# -- the metric: the same checks, the image named by its path ------------
def sample(score_map, ori_boxes, path, ori_shape=(100, 100), mask=None):
    ds = DataSample(metainfo=dict(
        img_shape=(100, 100), ori_shape=ori_shape, img_path=path,
        ori_gt_bboxes=np.asarray(ori_boxes, np.float32)))
    ds.set_gt_label(0)
    ds.set_field(torch.as_tensor(score_map), 'score_map')
    ds.set_field(torch.zeros(0, 4), 'gt_bboxes')
    if mask is not None:
        ds.set_field(torch.as_tensor(mask), 'gt_mask')
    return ds.to_dict()


def good(path='a.jpg'):
    return sample(blob_maps(1)[0], [[20, 20, 60, 60]], path)


def evaluate(metric, samples):
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_metric_names_the_nonfinite_image(tmp_path):
    nan_map = blob_maps(1)[0]
    nan_map[5, 5] = np.nan
    samples = [good(), sample(nan_map, [[20, 20, 60, 60]], 'b/nan.jpg')]
    with pytest.raises(ValueError, match='1 of 2 score maps hold NaN or inf:'
                       ' img_path=b/nan.jpg'):
        LocalizationMetric().process({}, samples)
    res = evaluate(LocalizationMetric(nonfinite_maps='zero'), samples)
    assert res['wsol/MaxBoxAcc'] == 50.0


@pytest.mark.parametrize('protocol', ['wsolevaluation', 'ornet'])
@pytest.mark.parametrize('bad, message', [
    ([[10, 10, np.inf, 100]], 'img_path=b.jpg: GT box 0 .* is not finite'),
    ([[60, 20, 20, 60]], 'img_path=b.jpg: GT box 0 .* needs x1 >'),
    ([[20, 20, 160, 60]], 'img_path=b.jpg: GT box 0 .* lies outside the '
     r'100x100 \(WxH\) image'),
])
def test_metric_names_the_image_with_unsound_boxes(protocol, bad, message):
    metric = LocalizationMetric(protocol=protocol,
                                map_normalization='minmax')
    with pytest.raises(ValueError, match=message):
        metric.process({}, [good(), sample(blob_maps(1)[0], bad, 'b.jpg')])


def test_metric_refuses_ornet_zero_area_and_bad_masks():
    metric = LocalizationMetric(protocol='ornet')
    with pytest.raises(ValueError, match='img_path=b.jpg: .* needs x1 > x0 '
                       r'and y1 > y0 \(a box with area'):
        metric.process({}, [sample(blob_maps(1)[0], [[20, 20, 60, 20]],
                                   'b.jpg')])
    mask = (blob_maps(1)[0] * 255).astype(np.uint8)
    with pytest.raises(ValueError, match='img_path=m.jpg: the GT mask has '
                       'ignored'):
        LocalizationMetric().process({}, [
            sample(blob_maps(1)[0], [[20, 20, 60, 60]], 'm.jpg', mask=mask)
        ])


def test_metric_refuses_a_3d_score_map():
    cams = torch.rand(3, 10, 10)  # e.g. all classes' CAMs
    with pytest.raises(ValueError, match=r'img_path=c.jpg: the score map '
                       r'must be 2-D \(H, W\), got shape \(3, 10, 10\)'):
        LocalizationMetric().process(
            {}, [sample(cams, [[20, 20, 60, 60]], 'c.jpg')])
    # (1, h, w) is one map
    res = evaluate(LocalizationMetric(), [
        sample(torch.as_tensor(blob_maps(1)), [[20, 20, 60, 60]], 'd.jpg')])
    assert res['wsol/MaxBoxAcc'] == 100.0
