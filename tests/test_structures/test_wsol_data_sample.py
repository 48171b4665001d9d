"""WSOLDataSample: typed fields, conversions, errors, and the round trip
PackWSOLInputs -> localizer predictions -> to_dict -> LocalizationMetric."""
import pickle
from multiprocessing.reduction import ForkingPickler

import numpy as np
import pytest
import torch
from mmpretrain.structures import DataSample

from mmwsol.datasets.transforms import PackWSOLInputs
from mmwsol.evaluation import LocalizationMetric
from mmwsol.models.utils import set_localization_predictions
from mmwsol.structures import WSOLDataSample


def test_is_a_data_sample_with_mmpretrain_setters():
    sample = WSOLDataSample().set_gt_label(3).set_pred_score(
        torch.tensor([0.1, 0.9]))
    assert isinstance(sample, DataSample)
    assert sample.gt_label.tolist() == [3]
    assert sample.num_classes == 2


def test_boxes_shapes_and_dtype_conversion():
    sample = WSOLDataSample()
    sample.gt_bboxes = np.array([[1, 2, 3, 4], [5, 6, 7, 8]], np.float64)
    assert sample.gt_bboxes.dtype == torch.float32
    assert sample.gt_bboxes.tolist() == [[1, 2, 3, 4], [5, 6, 7, 8]]
    sample.gt_bboxes = []  # no boxes (training images)
    assert tuple(sample.gt_bboxes.shape) == (0, 4)
    sample.gt_bboxes = [0.5, 1, 2, 3]  # one flat box
    assert sample.gt_bboxes.tolist() == [[0.5, 1, 2, 3]]
    sample.set_field(torch.tensor([[1, 1, 2, 2]]), 'pred_bboxes')
    assert sample.pred_bboxes.dtype == torch.float32
    assert sample.pred_bboxes.tolist() == [[1, 1, 2, 2]]
    with pytest.raises(ValueError, match=r'gt_bboxes.*\(k, 4\)'):
        sample.gt_bboxes = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r'pred_bboxes.*\(1, 4\)'):
        sample.pred_bboxes = torch.zeros(2, 4)
    with pytest.raises(ValueError, match='gt_bboxes.*numbers'):
        sample.gt_bboxes = 'not boxes'
    assert sample.gt_bboxes.tolist() == [[0.5, 1, 2, 3]]  # unchanged


def test_mask_conversion_and_values():
    sample = WSOLDataSample(metainfo=dict(ann_ref='ann.txt:7'))
    sample.gt_mask = np.array([[True, False], [False, True]])
    assert sample.gt_mask.dtype == torch.uint8
    assert sample.gt_mask.tolist() == [[1, 0], [0, 1]]
    sample.gt_mask = np.array([[0, 255], [1, 1]], np.int32)
    assert sample.gt_mask.dtype == torch.uint8
    assert sample.gt_mask.tolist() == [[0, 255], [1, 1]]
    # a flipped (negative-stride) view from the pipeline is copied
    flipped = np.array([[0, 1, 1]], np.uint8)[:, ::-1]
    sample.gt_mask = flipped
    assert sample.gt_mask.tolist() == [[1, 1, 0]]
    with pytest.raises(ValueError, match=r'gt_mask \(ann.txt:7\).*\[7\]'):
        sample.gt_mask = np.array([[0, 7]], np.uint8)
    with pytest.raises(ValueError, match='gt_mask.*floating'):
        sample.gt_mask = np.zeros((2, 2), np.float32)
    with pytest.raises(ValueError, match=r'gt_mask.*\(H, W\)'):
        sample.gt_mask = np.zeros((1, 2, 2), np.uint8)


def test_score_map_conversion():
    sample = WSOLDataSample()
    sample.score_map = torch.ones(1, 3, 5, dtype=torch.float16)
    assert sample.score_map.dtype == torch.float32
    assert tuple(sample.score_map.shape) == (3, 5)
    same = torch.rand(4, 4)
    sample.score_map = same
    assert sample.score_map is same  # float32 (h, w) is stored as it is
    with pytest.raises(ValueError, match=r'score_map.*\(h, w\)'):
        sample.score_map = torch.zeros(2, 3, 5)
    with pytest.raises(ValueError, match='score_map.*real'):
        sample.score_map = torch.zeros(3, 5, dtype=torch.bool)


def test_metainfo_checks_and_conversions():
    sample = WSOLDataSample(
        metainfo=dict(
            img_shape=np.array([224, 200]),
            ori_shape=[300, 250],
            ori_gt_bboxes=torch.tensor([[1.0, 2.0, 30.0, 40.0]],
                                       dtype=torch.float64),
            img_id=17,
            flip=np.bool_(False),
            flip_direction=None,
            scale_factor=(0.8, 0.75),
            crop_bbox=np.array([-4, 0, 220, 224])))
    assert sample.img_shape == (224, 200)
    assert type(sample.img_shape[0]) is int
    assert sample.ori_shape == (300, 250)
    assert sample.ori_gt_bboxes.dtype == np.float32
    assert sample.ori_gt_bboxes.tolist() == [[1, 2, 30, 40]]
    assert sample.img_id == '17'
    assert sample.flip is False
    assert sample.scale_factor == (0.8, 0.75)  # kept as given
    assert sample.metainfo_keys() and 'img_shape' in sample
    bad = [
        (dict(img_shape=(224, 224, 3)), r'img_shape.*\(h, w\)'),
        (dict(ori_shape=(1.5, 2)), 'ori_shape.*ints'),
        (dict(ori_gt_bboxes=np.zeros((1, 5))), r'ori_gt_bboxes.*\(k, 4\)'),
        (dict(scale_factor=(1.0, -1.0)), 'scale_factor.*positive'),
        (dict(crop_bbox=[0, 0, 10]), 'crop_bbox.*4'),
        (dict(flip='yes'), 'flip.*bool'),
        (dict(flip_direction='sideways'), 'flip_direction'),
        (dict(sample_idx=-1), 'sample_idx'),
        (dict(ann_ref=3), 'ann_ref.*string'),
    ]
    for meta, match in bad:
        with pytest.raises(ValueError, match=match):
            WSOLDataSample(metainfo=meta)


def test_field_kinds_are_enforced():
    sample = WSOLDataSample()
    with pytest.raises(AttributeError, match='img_shape.*metainfo'):
        sample.img_shape = (3, 3)
    with pytest.raises(AttributeError, match='gt_bboxes.*data field'):
        sample.set_metainfo(dict(gt_bboxes=np.zeros((0, 4))))
    assert 'img_shape' not in sample and 'gt_bboxes' not in sample


def test_dict_like_access():
    sample = WSOLDataSample(gt_bboxes=[[0, 0, 1, 1]])
    assert 'gt_bboxes' in sample and sample.keys() == ['gt_bboxes']
    assert sample.get('score_map') is None and 'score_map' not in sample
    with pytest.raises(AttributeError, match='score_map'):
        sample.score_map
    assert sample.pop('gt_bboxes').tolist() == [[0, 0, 1, 1]]
    assert 'gt_bboxes' not in sample and sample.get('gt_bboxes') is None
    sample.gt_bboxes = [[0, 0, 2, 2]]
    del sample.gt_bboxes
    assert 'gt_bboxes' not in sample and sample.keys() == []


def test_new_clone_to_and_pickle_keep_the_class():
    sample = WSOLDataSample(metainfo=dict(img_shape=(4, 4)))
    sample.gt_bboxes = [[0, 0, 1, 1]]
    sample.score_map = torch.rand(2, 2)
    for copy in (sample.clone(), sample.new(), sample.to('cpu'),
                 pickle.loads(pickle.dumps(sample)),
                 pickle.loads(ForkingPickler.dumps(sample))):
        assert type(copy) is WSOLDataSample
        assert copy.img_shape == (4, 4)
        assert torch.equal(copy.gt_bboxes, sample.gt_bboxes)
        assert torch.equal(copy.score_map, sample.score_map)
    # the worker-queue reducer leaves the pickled sample alone
    assert isinstance(sample.score_map, torch.Tensor)


def test_cast_from_a_data_sample():
    plain = DataSample(metainfo=dict(img_shape=[8, 8])).set_gt_label(1)
    plain.set_field(np.zeros((0, 4)), 'gt_bboxes')
    cast = WSOLDataSample.cast(plain)
    assert type(cast) is WSOLDataSample and cast.img_shape == (8, 8)
    assert cast.gt_label.tolist() == [1]
    assert tuple(cast.gt_bboxes.shape) == (0, 4)
    assert WSOLDataSample.cast(cast) is cast
    with pytest.raises(TypeError, match='DataSample'):
        WSOLDataSample.cast({'img_shape': (8, 8)})


def packed_sample(ori_box, label):
    """What PackWSOLInputs makes of a 32 x 32 image, no transform."""
    results = dict(
        img=np.zeros((32, 32, 3), np.uint8),
        img_path='img.png',
        img_id='img',
        ann_ref='ann.txt:1',
        ori_shape=(32, 32),
        img_shape=(32, 32),
        sample_idx=0,
        gt_label=label,
        gt_bboxes=np.array([ori_box], np.float32),
        ori_gt_bboxes=np.array([ori_box], np.float32))
    return PackWSOLInputs()(results)['data_samples']


def test_pack_predict_to_dict_metric_round_trip():
    """A map that covers the GT box scores 100, one elsewhere 0; the
    samples go through PackWSOLInputs, the localizers' helper and to_dict
    as in a test loop."""
    box = [8, 8, 24, 24]
    samples = [packed_sample(box, 1), packed_sample(box, 0)]
    assert all(type(s) is WSOLDataSample for s in samples)
    maps = torch.zeros(2, 32, 32)
    maps[0, 8:24, 8:24] = 1  # on the GT box
    maps[1, 0:6, 26:32] = 1  # far from it
    scores = torch.tensor([[0.2, 0.8], [0.9, 0.1]])
    out = set_localization_predictions(samples, scores, scores.argmax(1),
                                       maps, torch.zeros(2, 4), (32, 32))
    assert out is samples
    dicts = [s.to_dict() for s in out]
    assert {'gt_bboxes', 'score_map', 'pred_bboxes', 'ori_gt_bboxes',
            'img_shape', 'ann_ref'} <= set(dicts[0])
    assert not any(k.startswith('_') for k in dicts[0])
    metric = LocalizationMetric(cam_thresholds=[0.5])
    metric.process({}, dicts)
    res = metric.evaluate(2)
    assert res['wsol/GT-known_Loc'] == 50.0
    assert res['wsol/Top-1_Loc'] == 50.0  # both classified right
