import os
import os.path as osp

import numpy as np
import pytest

from mmwsol.datasets import CUB200WSOL, WSOLDataError
from mmwsol.datasets.transforms import LoadImageFromFile, LoadWSOLAnnotations


def load(record):
    """Run the two loading transforms on a dataset record."""
    return LoadWSOLAnnotations()(LoadImageFromFile()(dict(record)))


def test_cub_splits_labels_boxes(make_cub):
    root = make_cub()
    train = CUB200WSOL(root, split='train')
    test = CUB200WSOL(root, split='test')
    assert train.metainfo['classes'] == ('001.Alpha', '002.Beta',
                                         '003.Gamma')
    assert len(train) == 2 and len(test) == 2
    # train: ids 1 and 3, class ids 1 and 2 -> labels 0 and 1
    assert [train.get_data_info(i)['img_id'] for i in range(2)] == ['1', '3']
    assert list(train.get_gt_labels()) == [0, 1]
    # test: ids 2 (class 1) and 4 (class 3)
    info = test.get_data_info(0)
    assert info['img_id'] == '2' and info['gt_label'] == 0
    assert info['img_path'] == osp.join(root, 'images',
                                        '001.Alpha/Alpha_0002.jpg')
    # "10.5 0.0 30.0 40.0" -> x, y, x + w, y + h = 10.5, 0, 40.5, 40
    np.testing.assert_array_equal(info['gt_bboxes'],
                                  [[10.5, 0.0, 40.5, 40.0]])
    assert info['gt_bboxes'].dtype == np.float32
    assert info['ann_ref'] == osp.join(root, 'bounding_boxes.txt') + ':2'
    assert info['mask_paths'] == [
        osp.join(root, 'segmentations', '001.Alpha/Alpha_0002.png')
    ]
    info4 = test.get_data_info(1)
    assert info4['gt_label'] == 2
    # "1 2 3 4" -> 1, 2, 1 + 3, 2 + 4
    np.testing.assert_array_equal(info4['gt_bboxes'], [[1, 2, 4, 6]])


def test_cub_soft_segmentation_threshold(make_cub):
    root = make_cub()
    results = load(CUB200WSOL(root, split='test').get_data_info(0))
    seg = results['gt_seg_map']
    assert seg.shape == (40, 50) and seg.dtype == np.uint8
    expected = np.zeros((40, 50), np.uint8)
    expected[5:35, 12:40] = 1  # value 200 > 127
    expected[35, 12:40] = 1  # value 128 > 127
    # cols 40..44 hold 100 <= 127: background
    np.testing.assert_array_equal(seg, expected)
    np.testing.assert_array_equal(results['ori_gt_bboxes'],
                                  [[10.5, 0, 40.5, 40]])


def test_cub_with_mask_auto_and_forced(make_cub, tmp_path):
    root = make_cub(with_seg=False)
    ds = CUB200WSOL(root, split='train')  # no segmentations/ -> no masks
    assert 'mask_paths' not in ds.get_data_info(0)
    assert 'gt_seg_map' not in load(ds.get_data_info(0))
    with pytest.raises(WSOLDataError, match='segmentations'):
        CUB200WSOL(root, split='train', with_mask=True)
    os.makedirs(osp.join(root, 'segmentations'))
    ds = CUB200WSOL(root, split='train', with_mask=True)
    # the folder exists but the PNG does not: error names the mask file
    with pytest.raises(WSOLDataError) as exc:
        load(ds.get_data_info(0))
    msg = str(exc.value)
    assert 'Alpha_0001.png' in msg and 'bounding_boxes.txt:1' in msg


def test_cub_lazy_init_serialize_and_classes(make_cub):
    root = make_cub()
    ds = CUB200WSOL(root, split='test', lazy_init=True)
    assert ds.metainfo['classes'][2] == '003.Gamma'  # before full_init
    assert not ds._fully_initialized
    ds.full_init()
    assert len(ds) == 2
    ds = CUB200WSOL(root, split='test', serialize_data=False,
                    classes=['a', 'b', 'c'])
    assert ds.metainfo['classes'] == ('a', 'b', 'c')
    with pytest.raises(WSOLDataError) as exc:
        CUB200WSOL(root, classes=['a', 'b'])
    assert 'classes.txt' in str(exc.value) and '2 class names' in str(
        exc.value)


def test_cub_pipeline_from_dicts(make_cub):
    root = make_cub()
    ds = CUB200WSOL(
        root,
        split='test',
        test_mode=True,
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadWSOLAnnotations'),
            dict(type='Resize', scale=(25, 20)),
            dict(type='PackWSOLInputs'),
        ])
    out = ds[0]
    assert tuple(out['inputs'].shape) == (3, 20, 25)
    sample = out['data_samples']
    # 50x40 -> 25x20: scale 0.5 -> (10.5, 0, 40.5, 40) * 0.5
    np.testing.assert_allclose(sample.gt_bboxes.numpy(),
                               [[5.25, 0, 20.25, 20]])
    assert sample.img_id == '2' and sample.gt_label.item() == 0
    assert tuple(sample.gt_mask.shape) == (20, 25)


# ------------------------------------------------------------ bad input
def test_cub_missing_annotation_file(make_cub):
    root = make_cub(overrides={'bounding_boxes.txt': None})
    with pytest.raises(WSOLDataError) as exc:
        CUB200WSOL(root)
    assert 'bounding_boxes.txt' in str(exc.value)
    assert 'not found' in str(exc.value)


def test_cub_missing_image(make_cub):
    root = make_cub(skip_images=(3, ))
    # the pipeline's error (building checks it too: test_build_checks.py)
    ds = CUB200WSOL(root, split='train', verify='none')
    with pytest.raises(WSOLDataError) as exc:
        load(ds.get_data_info(1))
    msg = str(exc.value)
    assert 'Beta_0001.jpg' in msg and 'not found' in msg
    assert 'bounding_boxes.txt:3' in msg


def test_cub_corrupt_image(make_cub):
    root = make_cub()
    path = osp.join(root, 'images', '002.Beta', 'Beta_0001.jpg')
    with open(path, 'wb') as f:
        f.write(b'this is not a jpeg')
    ds = CUB200WSOL(root, split='train')
    with pytest.raises(WSOLDataError) as exc:
        load(ds.get_data_info(1))
    assert 'Beta_0001.jpg' in str(exc.value)
    assert 'bounding_boxes.txt:3' in str(exc.value)
    assert 'corrupt' in str(exc.value)


@pytest.mark.parametrize(
    'name, text, line, words',
    [
        # wrong field count on line 3
        ('bounding_boxes.txt', '1 4 5 20 10\n2 10 0 30 40\n3 0 0 30\n'
         '4 1 2 3 4\n', 3, 'expected 5 fields'),
        # not a number on line 2
        ('bounding_boxes.txt', '1 4 5 20 10\n2 10 0 3O 40\n3 0 0 30 30\n'
         '4 1 2 3 4\n', 2, "'w' is not a number"),
        # negative width -> x1 < x0, line 4
        ('bounding_boxes.txt', '1 4 5 20 10\n2 10 0 30 40\n3 0 0 30 30\n'
         '4 1 2 -3 4\n', 4, 'must be positive'),
        # class id 7 of 3 classes on line 4, quoted 1-based as the file
        ('image_class_labels.txt', '1 1\n2 1\n3 2\n4 7\n', 4,
         'class id 7 is outside 1 ... 3 (3 classes; '
         'image_class_labels.txt numbers them from 1)'),
        # class id 0 (1-based file) on line 1: quoted as 0, not as -1
        ('image_class_labels.txt', '1 0\n2 1\n3 2\n4 3\n', 1,
         'class id 0 is outside 1 ... 3 (3 classes'),
        ('train_test_split.txt', '1 1\n2 0\n3 2\n4 0\n', 3,
         'is_train must be 0 or 1'),
        ('images.txt', '1 001.Alpha/Alpha_0001.jpg\nx 001.Alpha/b.jpg\n', 2,
         "'image id' is not an integer"),
        ('classes.txt', '1 001.Alpha\n3 002.Beta\n', 2, 'in order'),
    ])
def test_cub_malformed_lines(make_cub, name, text, line, words):
    root = make_cub(overrides={name: text})
    with pytest.raises(WSOLDataError) as exc:
        CUB200WSOL(root, split='test')
    assert f'{osp.join(root, name)}:{line}:' in str(exc.value)
    assert words in str(exc.value)


def test_cub_box_outside_image(make_cub):
    # image 4 is 60x20; "4 50 2 20 4" -> x1 = 70 > 60 + 1
    boxes = '1 4 5 20 10\n2 10 0 30 40\n3 0 0 30 30\n4 50 2 20 4\n'
    ds = CUB200WSOL(make_cub(overrides={'bounding_boxes.txt': boxes}),
                    split='test')
    with pytest.raises(WSOLDataError) as exc:
        load(ds.get_data_info(1))
    assert 'bounding_boxes.txt:4' in str(exc.value)
    assert 'past the image border' in str(exc.value)


def test_cub_box_overshoot_within_tolerance_is_clipped(make_cub):
    # image 4 is 60x20; x1 = 10 + 50.8 = 60.8 (0.8 px over), y0 = -0.5
    boxes = '1 4 5 20 10\n2 10 0 30 40\n3 0 0 30 30\n4 10 -0.5 50.8 4.5\n'
    ds = CUB200WSOL(make_cub(overrides={'bounding_boxes.txt': boxes}),
                    split='test')
    np.testing.assert_allclose(
        ds.get_data_info(1)['gt_bboxes'], [[10, 0, 60.8, 4]], rtol=1e-6)
    results = load(ds.get_data_info(1))
    # clipped to the 60x20 image: (10, 0, 60, 4)
    np.testing.assert_allclose(results['gt_bboxes'], [[10, 0, 60, 4]])
    np.testing.assert_allclose(results['ori_gt_bboxes'], [[10, 0, 60, 4]])


def test_cub_box_left_of_image_beyond_tolerance(make_cub):
    boxes = '1 4 5 20 10\n2 -2 0 30 40\n3 0 0 30 30\n4 1 2 3 4\n'
    with pytest.raises(WSOLDataError) as exc:
        CUB200WSOL(make_cub(overrides={'bounding_boxes.txt': boxes}))
    assert 'bounding_boxes.txt:2:' in str(exc.value)
    assert 'left of / above' in str(exc.value)


def test_cub_unknown_image_id(make_cub):
    boxes = '1 4 5 20 10\n2 10 0 30 40\n3 0 0 30 30\n4 1 2 3 4\n9 1 1 1 1\n'
    with pytest.raises(WSOLDataError) as exc:
        CUB200WSOL(make_cub(overrides={'bounding_boxes.txt': boxes}))
    assert 'bounding_boxes.txt:5:' in str(exc.value)
    assert 'image id 9' in str(exc.value)
