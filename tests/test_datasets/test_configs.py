"""The base dataset configs build and map boxes as the protocols say."""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmwsol.registry import DATASETS

CONFIG_DIR = osp.join(
    osp.dirname(__file__), '..', '..', 'configs', '_base_', 'datasets')


def build(config, loader, **override):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, config))
    assert cfg.test_evaluator['type'] == 'LocalizationMetric'
    dataset = dict(cfg[loader]['dataset'])
    dataset.update(override)
    with DefaultScope.overwrite_default_scope('mmwsol'):
        return DATASETS.build(dataset), cfg


def test_cub_ornet(make_cub):
    root = make_cub()
    ds, cfg = build('cub_ornet.py', 'test_dataloader', data_root=root)
    assert cfg.train_dataloader['batch_size'] == 16
    sample = ds[0]['data_samples']
    assert sample.img_shape == (224, 224)
    # image 50x40, box (10.5, 0, 40.5, 40); Resize to 256x256:
    # x * 256/50 = 5.12, y * 256/40 = 6.4 -> (53.76, 0, 207.36, 256);
    # CenterCrop 224 removes 16 px: (37.76, -16, 191.36, 240) -> clipped
    # to (37.76, 0, 191.36, 224)
    np.testing.assert_allclose(
        sample.gt_bboxes.numpy(), [[37.76, 0, 191.36, 224]], rtol=1e-5)
    np.testing.assert_array_equal(sample.crop_bbox, [16, 16, 240, 240])
    assert tuple(sample.gt_mask.shape) == (224, 224)
    train, _ = build('cub_ornet.py', 'train_dataloader', data_root=root)
    out = train[0]
    assert tuple(out['inputs'].shape) == (3, 224, 224)
    assert 'gt_mask' not in out['data_samples']  # with_mask=False in train


def first_metadata_test_sample(config, make_metadata, kind):
    """The first test sample of a wsolevaluation config on the 2-class
    metadata fixture (``kind``: 'box' or 'mask')."""
    data_root, meta_root = make_metadata(kind)
    ds, _ = build(config, 'test_dataloader', data_root=data_root,
                  metadata_root=meta_root, num_classes=2)
    return ds[0]['data_samples']


def test_cub_wsolevaluation(make_metadata):
    sample = first_metadata_test_sample('cub_wsolevaluation.py',
                                        make_metadata, 'box')
    assert sample.img_shape == (224, 224)
    # image 40x30 -> 224x224: x * 5.6, y * 224/30 = 7.4667
    # (1, 2, 11, 12) -> (5.6, 14.933, 61.6, 89.6)
    # (20, 5, 40, 30) -> (112, 37.333, 224, 224)
    np.testing.assert_allclose(
        sample.gt_bboxes.numpy(),
        [[5.6, 14.9333, 61.6, 89.6], [112, 37.3333, 224, 224]],
        rtol=1e-4)
    np.testing.assert_array_equal(sample.ori_gt_bboxes,
                                  [[1, 2, 11, 12], [20, 5, 40, 30]])
    assert sample.ori_shape == (30, 40)


def test_openimages_wsolevaluation(make_metadata):
    sample = first_metadata_test_sample('openimages_wsolevaluation.py',
                                        make_metadata, 'mask')
    mask = sample.gt_mask.numpy()
    assert mask.shape == (224, 224)
    assert set(np.unique(mask)) == {0, 1, 255}
    # 20x10 -> 224x224 is x11.2 horizontally, x22.4 vertically. Pixel
    # centres: instance 1 covers source (x 2..5, y 1..3) -> target centre
    # (4 * 11.2, 2.5 * 22.4) = (44.8, 56); ignore-only source pixel (7, 0)
    # -> target (7.5 * 11.2, 0.5 * 22.4) = (84, 11.2); instance 2 source
    # (12, 7) -> (140, 168); background source (18, 5) -> (207.2, 123.2)
    assert mask[56, 44] == 1 and mask[11, 84] == 255
    assert mask[168, 140] == 1 and mask[123, 207] == 0
    assert sample.gt_bboxes.shape == (0, 4)


def test_imagenet_ornet(make_imagenet):
    root = make_imagenet()
    ds, _ = build('imagenet_ornet.py', 'test_dataloader', data_root=root)
    sample = ds[0]['data_samples']
    # image 32x24 -> 256x256: x * 8, y * 256/24 = 10.667
    # (1, 2, 10, 12) -> (8, 21.333, 80, 128) -> -16 -> (-8, 5.333, 64, 112)
    #   -> clipped (0, 5.333, 64, 112)
    # (15, 3, 32, 24) -> (120, 32, 256, 256) -> (104, 16, 240, 240)
    #   -> clipped (104, 16, 224, 224)
    np.testing.assert_allclose(
        sample.gt_bboxes.numpy(),
        [[0, 5.3333, 64, 112], [104, 16, 224, 224]],
        rtol=1e-4)
    assert sample.gt_label.tolist() == [1]
    train, _ = build('imagenet_ornet.py', 'train_dataloader',
                     data_root=root)
    assert len(train) == 6
    assert train[0]['data_samples'].gt_bboxes.shape == (0, 4)


def test_coco_wsol_example(make_coco):
    root = make_coco()
    ds, cfg = build('coco_wsol_example.py', 'test_dataloader',
                    data_root=root, ann_file='ann.json')
    assert cfg.num_classes == 3 and cfg.test_evaluator['protocol'] == \
        'wsolevaluation'
    sample = ds[0]['data_samples']
    assert sample.img_shape == (224, 224)
    # image a.png 20x10 -> 224x224: x * 11.2, y * 22.4;
    # (2, 1, 6, 4) -> (22.4, 22.4, 67.2, 89.6),
    # (15, 6, 16, 9) -> (168, 134.4, 179.2, 201.6)
    np.testing.assert_allclose(
        sample.gt_bboxes.numpy(),
        [[22.4, 22.4, 67.2, 89.6], [168, 134.4, 179.2, 201.6]], rtol=1e-5)
    assert tuple(sample.gt_mask.shape) == (224, 224)  # polygon + RLE
    train, _ = build('coco_wsol_example.py', 'train_dataloader',
                     data_root=root, ann_file='ann.json')
    assert tuple(train[0]['inputs'].shape) == (3, 224, 224)


@pytest.mark.parametrize('config', [
    'cub_ornet.py', 'cub_wsolevaluation.py', 'imagenet_ornet.py',
    'openimages_wsolevaluation.py', 'coco_wsol_example.py',
    'synthetic_wsol.py'
])
def test_config_types_are_registered(config):
    from mmwsol.registry import TRANSFORMS
    cfg = Config.fromfile(osp.join(CONFIG_DIR, config))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[loader]['dataset']
        assert DATASETS.get(dataset['type']) is not None
        for t in dataset['pipeline']:
            assert TRANSFORMS.get(t['type']) is not None, t['type']


def test_dataloader_batches_through_cls_data_preprocessor(make_cub):
    """A batch of the ORNet test loader goes through mmengine's collate and
    mmpretrain's ClsDataPreprocessor with the WSOL fields intact."""
    from mmengine.dataset import pseudo_collate
    from mmpretrain.models import ClsDataPreprocessor
    from torch.utils.data import DataLoader
    ds, _ = build('cub_ornet.py', 'test_dataloader', data_root=make_cub())
    batch = next(iter(DataLoader(ds, batch_size=2, collate_fn=pseudo_collate)))
    pre = ClsDataPreprocessor(
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
        to_rgb=True)
    out = pre(batch)
    assert tuple(out['inputs'].shape) == (2, 3, 224, 224)
    samples = out['data_samples']
    assert [s.gt_label.item() for s in samples] == [0, 2]
    assert [tuple(s.gt_bboxes.shape) for s in samples] == [(1, 4), (1, 4)]
    assert [s.img_id for s in samples] == ['2', '4']
