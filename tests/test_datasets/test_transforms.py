"""Boxes and masks follow the pixels through the geometric transforms.

Expected values are worked out by hand in the comments (continuous pixel
coordinates: a box covering pixels 10..19 has x0=10, x1=20).
"""
import numpy as np
import pytest
import torch
from mmcv.transforms import RandomFlip, Resize
from mmengine.registry import DefaultScope
from mmpretrain.registry import TRANSFORMS as MMPRETRAIN_TRANSFORMS

from mmwsol.datasets import WSOLDataError
from mmwsol.datasets.transforms import (CenterCrop, LoadImageFromFile,
                                        LoadWSOLAnnotations, PackWSOLInputs,
                                        RandomCrop, RandomResizedCrop)
from mmwsol.registry import TRANSFORMS

from wsol_data_fixtures import write_image, write_mask


def fixed(transform, offset_h, offset_w, target_h, target_w):
    """Pin the random crop of an mmpretrain-style crop transform."""
    transform.rand_crop_params = lambda img: (offset_h, offset_w, target_h,
                                              target_w)
    return transform


def bright_box(img):
    """x0, y0, x1, y1 (exclusive) of the pixels brighter than 128."""
    ys, xs = np.nonzero(img.max(axis=-1) > 128)
    return [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]


@pytest.fixture
def record(tmp_path):
    """A 200x100 (W x H) image whose pixels 20..59 x 10..49 are bright, box
    (20, 10, 60, 50) on exactly those pixels, an instance mask on the same
    pixels and an ignore mask on pixels 60..79 x 10..49."""
    img_path = str(tmp_path / 'img.png')
    write_image(img_path, 200, 100, rect=(20, 10, 60, 50))
    fg = np.zeros((100, 200), np.uint8)
    fg[10:50, 20:60] = 255
    ignore = np.zeros((100, 200), np.uint8)
    ignore[10:50, 60:80] = 255
    write_mask(tmp_path / 'fg.png', fg)
    write_mask(tmp_path / 'ignore.png', ignore)
    return dict(
        img_path=img_path,
        gt_label=3,
        img_id='img',
        ann_ref='ann.txt:7',
        gt_bboxes=np.array([[20, 10, 60, 50]], np.float32),
        mask_paths=[str(tmp_path / 'fg.png')],
        ignore_path=str(tmp_path / 'ignore.png'))


def loaded(record):
    return LoadWSOLAnnotations()(LoadImageFromFile()(dict(record)))


def test_load_builds_seg_map_and_copies_boxes(record):
    results = loaded(record)
    seg = results['gt_seg_map']
    assert seg.dtype == np.uint8 and seg.shape == (100, 200)
    assert (seg[10:50, 20:60] == 1).all() and (seg[10:50, 60:80] == 255).all()
    assert (seg == 1).sum() == 40 * 40 and (seg == 255).sum() == 40 * 20
    np.testing.assert_array_equal(results['ori_gt_bboxes'],
                                  [[20, 10, 60, 50]])
    assert results['ori_gt_bboxes'] is not results['gt_bboxes']


def test_resize_crop_flip_moves_boxes_and_masks(record):
    results = loaded(record)
    # Resize 200x100 -> 100x50: factor 0.5 -> box (10, 5, 30, 25);
    # nearest resize keeps source pixel 2*x: mask cols 10..29, rows 5..24,
    # ignore cols 30..39
    results = Resize(scale=(100, 50))(results)
    np.testing.assert_allclose(results['gt_bboxes'], [[10, 5, 30, 25]])
    # crop 80x40 (w x h) at x=5, y=2 -> box (10-5, 5-2, 30-5, 25-2)
    # = (5, 3, 25, 23); mask cols 5..24, rows 3..22; ignore cols 25..34
    results = fixed(RandomCrop(crop_size=(40, 80)), 2, 5, 40, 80)(results)
    np.testing.assert_allclose(results['gt_bboxes'], [[5, 3, 25, 23]])
    np.testing.assert_array_equal(results['crop_bbox'], [5, 2, 85, 42])
    assert results['img_shape'] == (40, 80)
    # horizontal flip, W = 80: x0' = 80 - 25 = 55, x1' = 80 - 5 = 75;
    # mask cols 80-1-24 = 55 .. 80-1-5 = 74; ignore cols 45..54
    results = RandomFlip(prob=1.0, direction='horizontal')(results)
    np.testing.assert_allclose(results['gt_bboxes'], [[55, 3, 75, 23]])
    expected = np.zeros((40, 80), np.uint8)
    expected[3:23, 55:75] = 1
    expected[3:23, 45:55] = 255
    np.testing.assert_array_equal(results['gt_seg_map'], expected)
    # the bright image pixels moved the same way
    assert bright_box(results['img']) == [55, 3, 75, 23]

    packed = PackWSOLInputs()(results)
    sample = packed['data_samples']
    assert sample.gt_bboxes.dtype == torch.float32
    np.testing.assert_allclose(sample.gt_bboxes.numpy(), [[55, 3, 75, 23]])
    assert sample.gt_mask.dtype == torch.uint8
    np.testing.assert_array_equal(sample.gt_mask.numpy(), expected)
    np.testing.assert_array_equal(sample.ori_gt_bboxes, [[20, 10, 60, 50]])
    assert sample.img_id == 'img' and sample.flip
    assert sample.gt_label.tolist() == [3]
    np.testing.assert_array_equal(sample.crop_bbox, [5, 2, 85, 42])
    assert tuple(packed['inputs'].shape) == (3, 40, 80)


def test_crop_partially_outside_box_is_clipped(record):
    results = loaded(record)
    # crop 30x30 at x=40, y=30: box (20-40, 10-30, 60-40, 50-30)
    # = (-20, -20, 20, 20) -> clipped to (0, 0, 20, 20)
    results = fixed(RandomCrop(crop_size=30), 30, 40, 30, 30)(results)
    np.testing.assert_allclose(results['gt_bboxes'], [[0, 0, 20, 20]])
    assert bright_box(results['img']) == [0, 0, 20, 20]
    # a crop that misses the box: (150-..) -> zero-area box on the border,
    # kept so that rows still match ori_gt_bboxes
    results = fixed(RandomCrop(crop_size=30), 60, 150, 30, 30)(loaded(record))
    np.testing.assert_allclose(results['gt_bboxes'], [[0, 0, 0, 0]])
    assert len(results['ori_gt_bboxes']) == 1


def test_random_crop_with_padding(tmp_path):
    img_path = str(tmp_path / 'small.png')
    write_image(img_path, 20, 10, rect=(1, 1, 5, 5))
    mask = np.zeros((10, 20), np.uint8)
    mask[1:5, 1:5] = 255
    write_mask(tmp_path / 'm.png', mask)
    rec = dict(img_path=img_path, gt_bboxes=np.array([[1, 1, 5, 5]]),
               mask_paths=[str(tmp_path / 'm.png')])
    results = loaded(rec)
    # padding 2 on every side: 24x14; crop 24x14 at 0 -> everything moves
    # by +2: box (3, 3, 7, 7); crop_bbox in the unpadded frame:
    # (-2, -2, 22, 12); the padded border of the mask is 255 (ignore)
    results = RandomCrop(crop_size=(14, 24), padding=2)(results)
    np.testing.assert_allclose(results['gt_bboxes'], [[3, 3, 7, 7]])
    np.testing.assert_array_equal(results['crop_bbox'], [-2, -2, 22, 12])
    seg = results['gt_seg_map']
    assert seg.shape == (14, 24)
    assert (seg[3:7, 3:7] == 1).all() and (seg == 1).sum() == 16
    assert (seg[:2] == 255).all() and (seg[:, -2:] == 255).all()
    assert bright_box(results['img']) == [3, 3, 7, 7]


def test_random_resized_crop(record):
    results = loaded(record)
    results['gt_bboxes'] = np.array([[30, 20, 150, 90]], np.float32)
    # crop 100x50 (w x h) at x=20, y=10, resize to 25x25 (scale is (h, w)):
    # x * 25/100 = 0.25, y * 25/50 = 0.5.
    # box - (20, 10) = (10, 10, 130, 80) -> clip to 100x50 -> (10, 10, 100,
    # 50) -> (2.5, 5, 25, 25)
    t = fixed(RandomResizedCrop(scale=(25, 25)), 10, 20, 50, 100)
    results = t(results)
    assert results['img'].shape == (25, 25, 3)
    assert results['img_shape'] == (25, 25)
    np.testing.assert_allclose(results['gt_bboxes'], [[2.5, 5, 25, 25]])
    np.testing.assert_array_equal(results['crop_bbox'], [20, 10, 120, 60])
    # mask pixels 20..59 x 10..49 -> crop: cols 0..39, rows 0..39; nearest
    # (cv2: source = floor(target * 4) for x, floor(target * 2) for y):
    # cols 0..9, rows 0..19; ignore cols 60..79 -> 40..59 -> cols 10..14
    seg = results['gt_seg_map']
    assert seg.shape == (25, 25)
    expected = np.zeros((25, 25), np.uint8)
    expected[0:20, 0:10] = 1
    expected[0:20, 10:15] = 255
    np.testing.assert_array_equal(seg, expected)


def test_resize_center_crop_records_crop_bbox(tmp_path):
    img_path = str(tmp_path / 'wide.png')
    write_image(img_path, 512, 256, rect=(100, 50, 300, 200))
    rec = dict(img_path=img_path,
               gt_bboxes=np.array([[100, 50, 300, 200]], np.float32))
    results = loaded(rec)
    # Resize 512x256 -> 256x256: x * 0.5, y * 1 -> (50, 50, 150, 200);
    # CenterCrop 224: offset (256 - 224) / 2 = 16 -> (34, 34, 134, 184)
    results = Resize(scale=(256, 256))(results)
    results = CenterCrop(crop_size=224)(results)
    np.testing.assert_allclose(results['gt_bboxes'], [[34, 34, 134, 184]])
    np.testing.assert_array_equal(results['crop_bbox'], [16, 16, 240, 240])
    np.testing.assert_allclose(results['ori_gt_bboxes'],
                               [[100, 50, 300, 200]])


def test_registry_names_resolve_to_box_aware_versions():
    for name, cls in (('RandomCrop', RandomCrop),
                      ('RandomResizedCrop', RandomResizedCrop),
                      ('CenterCrop', CenterCrop),
                      ('LoadImageFromFile', LoadImageFromFile)):
        assert TRANSFORMS.get(name) is cls
        # mmpretrain's registry under default_scope='mmwsol' as well
        with DefaultScope.overwrite_default_scope('mmwsol'):
            built = MMPRETRAIN_TRANSFORMS.build(
                dict(type=name, **({'crop_size': 4} if 'Crop' in name
                                   and 'Resized' not in name else
                                   {'scale': 4} if 'Resized' in name else
                                   {})))
        assert type(built) is cls
    assert TRANSFORMS.get('Resize') is Resize


def test_load_annotations_errors_name_ann_ref(record, tmp_path):
    rec = dict(record, gt_bboxes=np.array([[20, 10, 205, 50]], np.float32))
    with pytest.raises(WSOLDataError) as exc:
        loaded(rec)  # x1 = 205 > 200 + 1
    assert str(exc.value).startswith('ann.txt:7:')
    rec = dict(record, gt_bboxes=np.array([[60, 10, 20, 50]], np.float32))
    with pytest.raises(WSOLDataError, match='ann.txt:7: .*x1 > x0'):
        loaded(rec)
    rec = dict(record, mask_paths=[str(tmp_path / 'gone.png')])
    with pytest.raises(WSOLDataError) as exc:
        loaded(rec)
    assert 'gone.png' in str(exc.value) and 'ann.txt:7' in str(exc.value)
    with open(tmp_path / 'bad.png', 'wb') as f:
        f.write(b'\x89PNG garbage')
    rec = dict(record, ignore_path=str(tmp_path / 'bad.png'))
    with pytest.raises(WSOLDataError) as exc:
        loaded(rec)
    assert 'bad.png' in str(exc.value) and 'ann.txt:7' in str(exc.value)


def test_image_loader_errors(record, tmp_path):
    with pytest.raises(WSOLDataError) as exc:
        LoadImageFromFile()(dict(record, img_path=str(tmp_path / 'no.jpg')))
    assert 'no.jpg' in str(exc.value) and 'ann.txt:7' in str(exc.value)
    assert LoadImageFromFile(ignore_empty=True)(
        dict(record, img_path=str(tmp_path / 'no.jpg'))) is None
    empty = tmp_path / 'empty.jpg'
    empty.write_bytes(b'')
    with pytest.raises(WSOLDataError, match='empty.jpg.*corrupt'):
        LoadImageFromFile()(dict(record, img_path=str(empty)))
    # the annotation says 100x50 (h, w) but the image is 100x200
    with pytest.raises(WSOLDataError, match=r'states size \(100, 50\)'):
        LoadImageFromFile()(dict(record, ori_shape=(100, 50)))


def test_exif_orientation_is_ignored_like_pil(tmp_path):
    """A JPEG stored 30x10 (W x H) with EXIF orientation 6 ("rotate 90"):
    PIL's Image.open (ORNet, wsolevaluation) keeps 30x10, and so must we,
    or the boxes drawn on the stored pixels would be off."""
    from PIL import Image
    path = tmp_path / 'rotated.jpg'
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(np.zeros((10, 30, 3), np.uint8)).save(path, exif=exif)
    results = LoadImageFromFile()(
        dict(img_path=str(path), ori_shape=(10, 30)))
    assert results['img'].shape == (10, 30, 3)
