import os.path as osp

import numpy as np
import pytest

from mmwsol.datasets import WSOLDataError, WSOLMetadataDataset
from mmwsol.datasets.transforms import LoadImageFromFile, LoadWSOLAnnotations


def load(record):
    return LoadWSOLAnnotations()(LoadImageFromFile()(dict(record)))


def test_box_metadata(make_metadata):
    data_root, meta_root = make_metadata('box')
    ds = WSOLMetadataDataset(data_root, meta_root, 'test', num_classes=2)
    assert len(ds) == 3
    assert ds.metainfo['classes'] == ('0', '1')
    a = ds.get_data_info(0)
    assert a['img_id'] == 'test/c0/a.jpg'
    assert a['img_path'] == osp.join(data_root, 'test/c0/a.jpg')
    assert a['gt_label'] == 0
    # two rows for a.jpg -> two boxes, x0, y0, x1, y1 as written
    np.testing.assert_array_equal(a['gt_bboxes'],
                                  [[1, 2, 11, 12], [20, 5, 40, 30]])
    assert a['ori_shape'] == (30, 40)  # "40,30" is w, h
    loc = osp.join(meta_root, 'test', 'localization.txt')
    assert a['ann_ref'] == f'{loc}:1'
    c = ds.get_data_info(2)
    assert c['gt_label'] == 1 and c['ann_ref'] == f'{loc}:4'
    np.testing.assert_array_equal(c['gt_bboxes'], [[3, 1, 13, 9]])
    assert 'mask_paths' not in c
    results = load(c)
    np.testing.assert_array_equal(results['ori_gt_bboxes'], [[3, 1, 13, 9]])


def test_classes_inferred_and_given(make_metadata, tmp_path):
    data_root, meta_root = make_metadata('box')
    ds = WSOLMetadataDataset(data_root, meta_root, 'test')
    assert ds.metainfo['classes'] == ('0', '1')  # max label + 1
    names = tmp_path / 'names.txt'
    names.write_text('bird\nfish\nfrog\n')
    ds = WSOLMetadataDataset(data_root, meta_root, 'test',
                             classes=str(names))
    assert ds.metainfo['classes'] == ('bird', 'fish', 'frog')
    with pytest.raises(WSOLDataError, match='3 class names given but '
                       'num_classes=5'):
        WSOLMetadataDataset(data_root, meta_root, 'test',
                            classes=str(names), num_classes=5)


def test_openimages_masks_and_ignore(make_metadata):
    data_root, meta_root = make_metadata('mask')
    ds = WSOLMetadataDataset(data_root, meta_root, 'test', num_classes=2)
    p = ds.get_data_info(0)
    assert p['gt_label'] == 1 and len(p['gt_bboxes']) == 0
    assert 'ori_shape' not in p  # image_sizes.txt is empty for OpenImages
    assert p['mask_paths'] == [
        osp.join(data_root, 'test/c1/p_m1.png'),
        osp.join(data_root, 'test/c1/p_m2.png')
    ]
    assert p['ignore_path'] == osp.join(data_root, 'test/c1/p_ignore.png')
    seg = load(p)['gt_seg_map']
    expected = np.zeros((10, 20), np.uint8)
    expected[0:5, 0:8] = 255  # ignore box ...
    expected[1:4, 2:6] = 1  # ... minus instance 1
    expected[6:9, 10:15] = 1  # instance 2
    np.testing.assert_array_equal(seg, expected)
    q = ds.get_data_info(1)
    assert q['ignore_path'] is None
    seg = load(q)['gt_seg_map']
    # the 10x5 mask (pixels 2..3 x 1..2) is resized x2 (nearest) to 20x10:
    # target pixel x shows source x // 2 -> cols 4..7, rows 2..5
    expected = np.zeros((10, 20), np.uint8)
    expected[2:6, 4:8] = 1
    np.testing.assert_array_equal(seg, expected)


def test_mask_root(make_metadata, tmp_path):
    data_root, meta_root = make_metadata('mask')
    ds = WSOLMetadataDataset(
        data_root, meta_root, 'test', mask_root=str(tmp_path / 'masks'))
    assert ds.get_data_info(0)['mask_paths'][0] == str(
        tmp_path / 'masks' / 'test/c1/p_m1.png')


def test_empty_localization_train_split_and_proxy(make_metadata, tmp_path):
    data_root, meta_root = make_metadata(
        'box',
        files={
            'localization.txt': '',
            'image_sizes.txt': '',
            'image_ids_proxy.txt': 'test/c1/c.jpg\n'
        })
    ds = WSOLMetadataDataset(data_root, meta_root, 'test', num_classes=2)
    assert [len(ds.get_data_info(i)['gt_bboxes']) for i in range(3)] == [
        0, 0, 0
    ]
    ds = WSOLMetadataDataset(data_root, meta_root, 'test', proxy=True)
    assert len(ds) == 1 and ds.get_data_info(0)['gt_label'] == 1
    with pytest.raises(WSOLDataError, match='has no images'):
        WSOLMetadataDataset(data_root, meta_root, 'test',
                            filter_cfg=dict(filter_empty_gt=True))


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    'kind, name, text, line, words',
    [
        ('box', 'class_labels.txt', 'test/c0/a.jpg,0\ntest/c0/b.jpg,0\n'
         'test/c1/c.jpg,2\n', 3, 'label 2 is outside 0 ... 1 (2 classes; '
         'class_labels.txt numbers them from 0)'),
        ('box', 'class_labels.txt', 'test/c0/a.jpg,0\ntest/c0/b.jpg 0\n'
         'test/c1/c.jpg,1\n', 2, 'expected 2 fields'),
        ('box', 'class_labels.txt', 'test/c0/a.jpg,0\ntest/c0/b.jpg,zero\n'
         'test/c1/c.jpg,1\n', 2, "'label' is not an integer"),
        ('box', 'image_sizes.txt', 'test/c0/a.jpg,40,30\ntest/c0/b.jpg,20\n',
         2, 'expected 3 fields'),
        # x1 = 42 > 40 + 1
        ('box', 'localization.txt', 'test/c0/a.jpg,1,2,11,12\n'
         'test/c0/a.jpg,20,5,42,30\n', 2, 'past the image border'),
        # x1 < x0
        ('box', 'localization.txt', 'test/c0/a.jpg,1,2,11,12\n'
         'test/c0/b.jpg,10,5,2,9\n', 2, 'x1 > x0'),
        ('box', 'localization.txt', 'test/c0/a.jpg,1,2,11,12\n'
         'test/c0/b.jpg,10,5,2\n', 2, 'expected 5 fields'),
        ('box', 'localization.txt', 'test/c0/a.jpg,1,2,11,12\n'
         'test/c0/b.jpg,1,5,2a,9\n', 2, "'x1' is not a number"),
        ('box', 'localization.txt', 'test/c0/a.jpg,1,2,11\n', 1,
         'expected box rows'),
        ('box', 'image_ids.txt', 'test/c0/a.jpg\ntest/c0/a.jpg\n', 2,
         'listed twice'),
        ('box', 'image_ids.txt', 'test/c0/a.jpg\ntest/c9/z.jpg\n', 2,
         'has no row in'),
        ('mask', 'localization.txt',
         'test/c1/p.jpg,test/c1/p_m1.png,test/c1/p_ignore.png\n'
         'test/c1/p.jpg,test/c1/p_m2.png,test/c1/other_ignore.png\n', 2,
         'second ignore mask'),
    ])
def test_bad_metadata(make_metadata, kind, name, text, line, words):
    data_root, meta_root = make_metadata(kind, files={name: text})
    with pytest.raises(WSOLDataError) as exc:
        WSOLMetadataDataset(data_root, meta_root, 'test', num_classes=2)
    where = 'image_ids.txt' if 'has no row' in words else name
    assert f'{osp.join(meta_root, "test", where)}:{line}:' in str(exc.value)
    assert words in str(exc.value)


def test_missing_metadata_file(make_metadata):
    data_root, meta_root = make_metadata('box', files={'image_sizes.txt':
                                                       None})
    with pytest.raises(WSOLDataError) as exc:
        WSOLMetadataDataset(data_root, meta_root, 'test')
    assert 'image_sizes.txt' in str(exc.value)
    assert 'not found' in str(exc.value)


def test_missing_and_corrupt_image(make_metadata):
    data_root, meta_root = make_metadata('box')
    ds = WSOLMetadataDataset(data_root, meta_root, 'test')
    with open(osp.join(data_root, 'test/c0/b.jpg'), 'wb') as f:
        f.write(b'\xff\xd8 broken')
    with pytest.raises(WSOLDataError) as exc:
        load(ds.get_data_info(1))
    loc = osp.join(meta_root, 'test', 'localization.txt')
    assert 'b.jpg' in str(exc.value) and f'{loc}:3' in str(exc.value)


def test_size_mismatch_between_metadata_and_image(make_metadata):
    data_root, meta_root = make_metadata(
        'box',
        files={
            'image_sizes.txt': 'test/c0/a.jpg,30,40\n',
            'localization.txt': 'test/c0/a.jpg,1,2,11,12\n'
        })
    ds = WSOLMetadataDataset(data_root, meta_root, 'test')
    with pytest.raises(WSOLDataError, match=r'a.jpg .*states size \(40, 30\)'
                       r' \(h, w\) but the image is \(30, 40\)'):
        load(ds.get_data_info(0))


def test_rows_of_unlisted_images_are_skipped(make_metadata):
    data_root, meta_root = make_metadata(
        'box', files={'image_ids.txt': 'test/c0/a.jpg\n'})
    ds = WSOLMetadataDataset(data_root, meta_root, 'test', num_classes=2)
    assert len(ds) == 1 and len(ds.get_data_info(0)['gt_bboxes']) == 2
