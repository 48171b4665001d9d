"""The image check of a dataset's build (``verify``): missing, empty and
(with ``verify='decode'``) undecodable images are reported when the dataset
is built, all at once, not when their batch is loaded mid-epoch."""
import os
import os.path as osp
import time

import cv2
import pytest

from mmwsol.datasets import CUB200WSOL, WSOLDataError
from mmwsol.datasets.build_checks import missing_or_empty_images


def truncate_jpeg(path):
    """Replace ``path`` by the first half of its JPEG encoding (a file that
    exists, is not empty and does not decode)."""
    jpeg = cv2.imencode('.jpg', cv2.imread(path))[1].tobytes()
    with open(path, 'wb') as f:
        f.write(jpeg[:len(jpeg) // 2])


def test_missing_image_raises_at_build(make_cub):
    root = make_cub(skip_images=(3, ))  # 002.Beta/Beta_0001.jpg, train
    with pytest.raises(WSOLDataError) as exc:
        CUB200WSOL(root, split='train')
    msg = str(exc.value)
    assert '\n' not in msg
    # train: images 1 and 3; image 3 is line 3 of the annotation files
    assert msg.startswith("CUB200WSOL (split 'train'): 1 of the 2 images "
                          'is missing or empty: ')
    assert (f'{root}/images/002.Beta/Beta_0001.jpg (annotation '
            f'{root}/bounding_boxes.txt:3): image file not found') in msg
    # the test split does not hold it
    assert len(CUB200WSOL(root, split='test')) == 2


def test_all_problems_in_one_error(make_cub):
    root = make_cub(skip_images=(1, ))
    # image 3 empty: exists but 0 bytes
    open(osp.join(root, 'images/002.Beta/Beta_0001.jpg'), 'w').close()
    with pytest.raises(WSOLDataError) as exc:
        CUB200WSOL(root, split='train')
    msg = str(exc.value)
    assert '2 of the 2 images are missing or empty' in msg
    assert (f'Alpha_0001.jpg (annotation {root}/bounding_boxes.txt:1): '
            'image file not found') in msg
    assert (f'Beta_0001.jpg (annotation {root}/bounding_boxes.txt:3): '
            'the image file is empty (0 bytes)') in msg


@pytest.mark.parametrize('off', ['none', False])
def test_verify_off_builds(make_cub, off):
    root = make_cub(skip_images=(3, ))
    assert len(CUB200WSOL(root, split='train', verify=off)) == 2


def test_lazy_init_checks_at_first_use(make_cub):
    root = make_cub(skip_images=(3, ))
    dataset = CUB200WSOL(root, split='train', lazy_init=True)  # no raise
    for _ in range(2):  # not marked initialised after a failed check
        with pytest.raises(WSOLDataError, match='Beta_0001.jpg'):
            len(dataset)


def test_truncated_jpeg_needs_decode(make_cub):
    root = make_cub()
    bad = osp.join(root, 'images/001.Alpha/Alpha_0002.jpg')  # test, line 2
    truncate_jpeg(bad)
    assert len(CUB200WSOL(root, split='test')) == 2  # exists, not empty
    with pytest.raises(WSOLDataError) as exc:
        CUB200WSOL(root, split='test', verify='decode')
    msg = str(exc.value)
    assert '\n' not in msg
    assert "CUB200WSOL (split 'test'): 1 problem in the images and masks " \
        'of its 2 records: ' in msg
    assert (f'{bad} (annotation {root}/bounding_boxes.txt:2): cannot read '
            'the image') in msg
    # the train split's images are fine
    assert len(CUB200WSOL(root, split='train', verify='decode')) == 2


def test_bad_verify_value(make_cub):
    with pytest.raises(ValueError, match='verify must be one of'):
        CUB200WSOL(make_cub(), split='train', verify='full')


def test_remote_paths_are_not_checked_and_local_ones_fast(tmp_path):
    present = tmp_path / 'a.jpg'
    present.write_bytes(b'x')
    (tmp_path / 'folder.jpg').mkdir()
    records = [
        dict(img_path='s3://bucket/gone.jpg', ann_ref='r:1'),
        dict(img_path=str(present), ann_ref='r:2'),
        dict(img_path=str(tmp_path / 'gone.jpg'), ann_ref='r:3'),
        dict(img_path=str(tmp_path / 'folder.jpg')),
    ]
    assert missing_or_empty_images(records) == [
        f'{tmp_path}/gone.jpg (annotation r:3): image file not found',
        f'{tmp_path}/folder.jpg: the image path is not a file',
    ]
    # a stat per record: 6000 records in well under a second
    many = [dict(img_path=str(present), ann_ref='r')] * 6000
    start = time.perf_counter()
    assert missing_or_empty_images(many) == []
    assert time.perf_counter() - start < 0.5
    os.remove(present)
