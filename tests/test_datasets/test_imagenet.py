import os.path as osp
import shutil

import numpy as np
import pytest

from mmwsol.datasets import ImageNetWSOL, WSOLDataError
from mmwsol.datasets.transforms import LoadImageFromFile, LoadWSOLAnnotations

WNIDS = ('n01440764', 'n01443537', 'n01484850')


def test_train_split(make_imagenet):
    root = make_imagenet()
    ds = ImageNetWSOL(root, split='train')
    assert ds.metainfo['classes'] == WNIDS  # sorted train folders
    # 1, 2 and 3 images per class
    assert list(ds.get_gt_labels()) == [0, 1, 1, 2, 2, 2]
    info = ds.get_data_info(1)
    assert info['img_path'] == osp.join(root, 'ILSVRC2012_img_train',
                                        'n01443537', 'n01443537_0.JPEG')
    assert info['img_id'] == 'n01443537_0'
    assert info['gt_bboxes'].shape == (0, 4)
    results = LoadWSOLAnnotations()(LoadImageFromFile()(dict(info)))
    assert results['gt_bboxes'].shape == (0, 4)


def test_val_split_all_boxes(make_imagenet):
    root = make_imagenet()
    ds = ImageNetWSOL(root, split='val')
    assert len(ds) == 2
    first = ds.get_data_info(0)
    assert first['gt_label'] == 1  # n01443537
    assert first['img_path'] == osp.join(root, 'ILSVRC2012_img_val',
                                         'ILSVRC2012_val_00000001.JPEG')
    # both <object>s are kept
    np.testing.assert_array_equal(first['gt_bboxes'],
                                  [[1, 2, 10, 12], [15, 3, 32, 24]])
    assert first['ori_shape'] == (24, 32)
    xml = osp.join(root, 'ILSVRC2012_bbox_val_v3', 'val',
                   'ILSVRC2012_val_00000001.xml')
    assert first['ann_ref'] == f'{xml}:9'  # the first <object> tag
    second = ds.get_data_info(1)
    assert second['gt_label'] == 2 and second['img_id'] == \
        'ILSVRC2012_val_00000002'
    results = LoadWSOLAnnotations()(LoadImageFromFile()(dict(second)))
    np.testing.assert_array_equal(results['ori_gt_bboxes'], [[0, 0, 5, 6]])


def test_classes_file_without_train_folder(make_imagenet):
    root = make_imagenet()
    shutil.rmtree(osp.join(root, 'ILSVRC2012_img_train'))
    with pytest.raises(WSOLDataError, match='pass classes='):
        ImageNetWSOL(root, split='val')
    ds = ImageNetWSOL(
        root, split='val', classes=osp.join(root, 'LOC_synset_mapping.txt'))
    assert ds.metainfo['classes'] == WNIDS
    assert ds.metainfo['class_names'][0] == 'tench, Tinca tinca'
    assert ds.get_data_info(0)['gt_label'] == 1


# ------------------------------------------------------------ bad input
def xml_of(root, stem='ILSVRC2012_val_00000001'):
    return osp.join(root, 'ILSVRC2012_bbox_val_v3', 'val', stem + '.xml')


def test_mixed_wnids_in_one_xml(make_imagenet):
    root = make_imagenet(
        val_objects={
            'ILSVRC2012_val_00000001': (32, 24, [('n01443537', (1, 2, 3, 4)),
                                                 ('n01484850', (5, 6, 7, 8))])
        })
    with pytest.raises(WSOLDataError) as exc:
        ImageNetWSOL(root, split='val')
    # the second <object> starts on line 9 + 9 = 18 (9-line blocks)
    assert f"{xml_of(root)}:18:" in str(exc.value)
    assert 'different classes' in str(exc.value)


def test_unknown_wnid(make_imagenet):
    root = make_imagenet(val_objects={
        'ILSVRC2012_val_00000001': (32, 24, [('n99999999', (1, 2, 3, 4))])
    })
    with pytest.raises(WSOLDataError) as exc:
        ImageNetWSOL(root, split='val')
    assert f'{xml_of(root)}:9:' in str(exc.value)
    assert "'n99999999' is not in the class list" in str(exc.value)


@pytest.mark.parametrize(
    'box, line, words',
    [
        ((1, 2, 40, 20), 9, 'past the image border'),  # x1 = 40 > 32 + 1
        ((10, 2, 5, 20), 9, 'x1 > x0'),
        ((1, 2, 'ten', 20), 14, "'xmax' is not a number"),  # <xmax> line
    ])
def test_bad_boxes(make_imagenet, box, line, words):
    root = make_imagenet(val_objects={
        'ILSVRC2012_val_00000001': (32, 24, [('n01443537', box)])
    })
    with pytest.raises(WSOLDataError) as exc:
        ImageNetWSOL(root, split='val')
    assert f'{xml_of(root)}:{line}:' in str(exc.value)
    assert words in str(exc.value)


def test_malformed_xml(make_imagenet):
    root = make_imagenet(
        xml_text={
            'ILSVRC2012_val_00000002':
            '<annotation>\n<size><width>20</width>\n</annotation>\n'
        })
    with pytest.raises(WSOLDataError) as exc:
        ImageNetWSOL(root, split='val')
    assert f'{xml_of(root, "ILSVRC2012_val_00000002")}:3:' in str(exc.value)
    assert 'malformed XML' in str(exc.value)


def test_missing_box_folder_and_image(make_imagenet):
    root = make_imagenet()
    ds = ImageNetWSOL(root, split='val')
    shutil.rmtree(osp.join(root, 'ILSVRC2012_img_val'))
    with pytest.raises(WSOLDataError) as exc:
        LoadImageFromFile()(ds.get_data_info(0))
    assert 'ILSVRC2012_val_00000001.JPEG' in str(exc.value)
    assert f'{xml_of(root)}:9' in str(exc.value)
    shutil.rmtree(osp.join(root, 'ILSVRC2012_bbox_val_v3'))
    with pytest.raises(WSOLDataError, match='ILSVRC2012_bbox_val_v3'):
        ImageNetWSOL(root, split='val')
