"""What the datasets tell the user about their annotations: clipped boxes
are logged once per build, labels are quoted in their file's numbering,
masks of the wrong size and empty or ambiguous COCO entries are errors."""
import os.path as osp

import numpy as np
import pytest
from wsol_data_fixtures import coco_dict, write_mask

from mmwsol.datasets import (CocoWSOLDataset, CUB200WSOL, ImageNetWSOL,
                             WSOLDataError, WSOLMetadataDataset)
from mmwsol.datasets.transforms import LoadImageFromFile, LoadWSOLAnnotations

# CUB fixture: image 2 (test) is 50x40, image 4 (test) is 60x20
CUB_BOXES = '1 4 5 20 10\n2 10 0 30 40\n3 0 0 30 30\n4 1 2 3 4\n'


def coco(root, **kwargs):
    return CocoWSOLDataset(
        ann_file='ann.json',
        data_root=root,
        data_prefix=dict(img='images/'),
        **kwargs)


def clip_lines(text):
    return [line for line in text.splitlines() if ': clipped ' in line]


# ------------------------------------------------ 1. clipped boxes logged
def test_cub_logs_its_clipped_boxes_once(make_cub, log_text):
    # test split: image 2 x0 = -0.5, image 4 y0 = -0.5: 2 boxes clipped at
    # load (CUB states no size, so only the lower bound is known here)
    boxes = '1 4 5 20 10\n2 -0.5 0 30 40\n3 0 0 30 30\n4 1 -0.5 3 4\n'
    root = make_cub(overrides={'bounding_boxes.txt': boxes})
    ds = CUB200WSOL(root, split='test')
    np.testing.assert_array_equal(ds.get_data_info(0)['gt_bboxes'],
                                  [[0, 0, 29.5, 40]])
    assert [line.split(' - ')[-1] for line in clip_lines(log_text())] == [
        'CUB200WSOL: clipped 2 boxes (of 2 images) that overshot the image '
        'border by at most 1 px'
    ]
    # the train split (images 1 and 3) has none: no second line
    CUB200WSOL(root, split='train')
    assert len(clip_lines(log_text())) == 1


def test_imagenet_logs_its_clipped_boxes(make_imagenet, log_text):
    # image 1 is 32x24: xmax 32.5 overshoots by 0.5 px
    root = make_imagenet(val_objects={
        'ILSVRC2012_val_00000001': (32, 24, [('n01443537',
                                              (1, 2, 32.5, 12))]),
        'ILSVRC2012_val_00000002': (20, 20, [('n01484850', (0, 0, 5, 6))]),
    })
    ds = ImageNetWSOL(root, split='val')
    np.testing.assert_array_equal(ds.get_data_info(0)['gt_bboxes'],
                                  [[1, 2, 32, 12]])
    assert [line.split(' - ')[-1] for line in clip_lines(log_text())] == [
        'ImageNetWSOL: clipped 1 box (of 2 images) that overshot the image '
        'border by at most 1 px'
    ]


def test_coco_logs_its_clipped_boxes(make_coco, log_text):
    data = coco_dict()
    # image 2 is 12x8: x + w = 3 + 9.5 = 12.5, 0.5 px over
    data['annotations'][2]['bbox'] = [3, 2, 9.5, 3]
    ds = coco(make_coco(data), box_tolerance=0.75)
    np.testing.assert_array_equal(ds.get_data_info(1)['gt_bboxes'],
                                  [[3, 2, 12, 5]])
    assert [line.split(' - ')[-1] for line in clip_lines(log_text())] == [
        'CocoWSOLDataset: clipped 1 box (of 2 images) that overshot the '
        'image border by at most 0.75 px'
    ]


def test_metadata_logs_its_clipped_boxes(make_metadata, log_text):
    # a.jpg is 40x30: x1 40.5 and y1 30.5 (one box), c.jpg 30x10: x0 -1
    data_root, meta_root = make_metadata(
        'box', files={'localization.txt': 'test/c0/a.jpg,1,2,11,12\n'
                      'test/c0/a.jpg,20,5,40.5,30.5\n'
                      'test/c0/b.jpg,0,0,20,20\n'
                      'test/c1/c.jpg,-1,1,13,9\n'})
    WSOLMetadataDataset(data_root, meta_root, 'test')
    assert [line.split(' - ')[-1] for line in clip_lines(log_text())] == [
        'WSOLMetadataDataset: clipped 2 boxes (of 3 images) that overshot '
        'the image border by at most 1 px'
    ]


def test_pipeline_logs_its_clipped_boxes_rarely(make_cub, log_text):
    # image 4 is 60x20: x1 = 10 + 50.8 = 60.8, clipped against the image
    boxes = CUB_BOXES.replace('4 1 2 3 4', '4 10 2 50.8 2')
    root = make_cub(overrides={'bounding_boxes.txt': boxes})
    record = CUB200WSOL(root, split='test').get_data_info(1)
    assert clip_lines(log_text()) == []  # nothing to clip at load
    loader, annotations = LoadImageFromFile(), LoadWSOLAnnotations()
    for _ in range(12):
        out = annotations(loader(dict(record)))
    np.testing.assert_allclose(out['gt_bboxes'], [[10, 2, 60, 4]])
    lines = [line.split(' - ')[-1] for line in clip_lines(log_text())]
    where = osp.join(root, 'bounding_boxes.txt') + ':4'
    assert lines == [
        f'LoadWSOLAnnotations: clipped 1 box(es) of {where} to the 60x20 '
        '(WxH) image (they overshot its border by at most 1 px) '
        f'({n} so far in this process; logged at the 1st, 10th, 100th, ... '
        'time)' for n in (1, 10)
    ]


# ------------------------------------ 2. labels in their file's numbering
@pytest.mark.parametrize('class_id', [0, 4])
def test_cub_label_error_quotes_the_1_based_class_id(make_cub, class_id):
    root = make_cub(overrides={
        'image_class_labels.txt': f'1 1\n2 1\n3 {class_id}\n4 3\n'
    })
    with pytest.raises(WSOLDataError) as exc:
        CUB200WSOL(root, split='test')
    assert str(exc.value) == (
        f'{osp.join(root, "image_class_labels.txt")}:3: class id '
        f'{class_id} is outside 1 ... 3 (3 classes; image_class_labels.txt '
        'numbers them from 1)')


def test_metadata_label_error_is_0_based(make_metadata):
    data_root, meta_root = make_metadata('box', files={
        'class_labels.txt': 'test/c0/a.jpg,0\ntest/c0/b.jpg,2\n'
        'test/c1/c.jpg,1\n'})
    with pytest.raises(WSOLDataError) as exc:
        WSOLMetadataDataset(data_root, meta_root, 'test', num_classes=2)
    assert str(exc.value) == (
        f'{osp.join(meta_root, "test", "class_labels.txt")}:2: label 2 is '
        'outside 0 ... 1 (2 classes; class_labels.txt numbers them from 0)')


def test_describe_label_in_the_files_numbering(make_cub, make_coco,
                                               make_metadata):
    cub = CUB200WSOL(make_cub(), split='test')
    assert cub.describe_label(2) == 'class id 3 of classes.txt (gt_label 2)'
    root = make_coco()
    ds = coco(root)  # category ids 3 ('dog') and 7 ('cat')
    ann = osp.join(root, 'ann.json')
    assert ds.describe_label(0) == f'category id 3 of {ann} (gt_label 0)'
    assert ds.describe_label(1) == f'category id 7 of {ann} (gt_label 1)'
    meta = WSOLMetadataDataset(*make_metadata('box'), 'test')
    assert meta.describe_label(1) == 'label 1 of class_labels.txt (0-based)'


# ------------------------------------------------- 3. masks of wrong size
def test_mask_of_another_aspect_ratio_is_an_error(make_cub):
    root = make_cub()
    mask = osp.join(root, 'segmentations', '001.Alpha', 'Alpha_0002.png')
    write_mask(mask, np.zeros((10, 50), np.uint8))  # image 2 is 50x40
    record = CUB200WSOL(root, split='test').get_data_info(0)
    image = osp.join(root, 'images', '001.Alpha', 'Alpha_0002.jpg')
    with pytest.raises(WSOLDataError) as exc:
        LoadWSOLAnnotations()(LoadImageFromFile()(dict(record)))
    boxes = osp.join(root, 'bounding_boxes.txt')
    assert str(exc.value) == (
        f'{mask} (annotation {boxes}:2): the mask is (10, 50) (h, w) but '
        f'its image {image} is (40, 50): another aspect ratio, so not a '
        "mask of this image (mask_size_mismatch='resize' resizes it anyway)")
    # asked for: resized
    out = LoadWSOLAnnotations(mask_size_mismatch='resize')(
        LoadImageFromFile()(dict(record)))
    assert out['gt_seg_map'].shape == (40, 50)


def test_scaled_mask_is_resized_and_logged_or_refused(make_cub, log_text):
    root = make_cub()
    mask = osp.join(root, 'segmentations', '003.Gamma', 'Gamma_0001.png')
    half = np.zeros((10, 30), np.uint8)  # image 4 is 60x20
    half[2:4, 5:10] = 255
    write_mask(mask, half)
    record = CUB200WSOL(root, split='test').get_data_info(1)
    out = LoadWSOLAnnotations()(LoadImageFromFile()(dict(record)))
    expected = np.zeros((20, 60), np.uint8)
    expected[4:8, 10:20] = 1  # nearest, x2
    np.testing.assert_array_equal(out['gt_seg_map'], expected)
    assert 'LoadWSOLAnnotations: resized a (10, 30) mask to its (20, 60) ' \
        '(h, w) image' in log_text()
    with pytest.raises(WSOLDataError, match=r"\(10, 30\) \(h, w\) but its "
                       r"image .*Gamma_0001.jpg is \(20, 60\) "
                       r"\(mask_size_mismatch='error'"):
        LoadWSOLAnnotations(mask_size_mismatch='error')(
            LoadImageFromFile()(dict(record)))
    with pytest.raises(ValueError, match='mask_size_mismatch must be'):
        LoadWSOLAnnotations(mask_size_mismatch='nearest')


def test_rle_of_another_size_than_the_image(make_coco):
    data = coco_dict()
    data['images'][1].update(width=24, height=10)  # b.png is 12x8
    data['annotations'][2].pop('segmentation')
    data['annotations'][2]['segmentation'] = [[3, 2, 9, 2, 9, 5, 3, 5]]
    root = make_coco(data)
    record = coco(root).get_data_info(1)
    loader = LoadImageFromFile(check_shape=False)
    with pytest.raises(WSOLDataError) as exc:
        LoadWSOLAnnotations()(loader(dict(record)))
    assert str(exc.value).startswith(
        f'{osp.join(root, "ann.json")}:image_id=2 (RLE): the mask is '
        '(10, 24) (h, w) but its image')
    assert '(8, 12): another aspect ratio' in str(exc.value)


# ---------------------------------------------- 3. COCO: empty or twice
@pytest.mark.parametrize('empty', [[], {}])
def test_coco_empty_segmentation_with_mask_is_an_error(make_coco, empty):
    data = coco_dict()
    data['annotations'][2]['segmentation'] = empty
    root = make_coco(data)
    with pytest.raises(WSOLDataError) as exc:
        coco(root, with_mask=True)
    assert str(exc.value).startswith(
        f'{osp.join(root, "ann.json")}: image id 2: annotation 21 has an '
        f'empty segmentation ({empty!r}) but with_mask=True')
    # next to a real one (auto): the foreground would be incomplete
    data = coco_dict()
    data['annotations'][1]['segmentation'] = empty
    with pytest.raises(WSOLDataError, match='image id 1: annotation 12 has '
                       'an empty segmentation while others'):
        coco(make_coco(data))


def test_coco_empty_segmentations_without_with_mask_are_logged(
        make_coco, log_text):
    data = coco_dict()
    data['annotations'][2]['segmentation'] = []
    root = make_coco(data)
    ds = coco(root)  # with_mask=None: image 2 has no mask, said so
    assert 'gt_masks_rle' not in ds.get_data_info(1)
    assert len(ds.get_data_info(0)['gt_masks_rle']) == 2
    assert (f'CocoWSOLDataset: 1 annotations have an empty segmentation ([] '
            f'or {{}}) in {osp.join(root, "ann.json")}; their images get no '
            'mask (with_mask=None; with_mask=True makes it an error)'
            in log_text())


def test_coco_duplicate_category_names(make_coco):
    data = coco_dict()
    data['categories'].append({'id': 9, 'name': 'cat'})
    root = make_coco(data)
    with pytest.raises(WSOLDataError) as exc:
        coco(root)
    assert str(exc.value) == (
        f"{osp.join(root, 'ann.json')}: categories 7 and 9 have the same "
        "name 'cat'; category names must be unique")
