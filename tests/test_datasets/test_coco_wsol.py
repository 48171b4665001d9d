import json
import os.path as osp

import numpy as np
import pytest

from mmwsol.datasets import CocoWSOLDataset, WSOLDataError
from mmwsol.datasets.transforms import LoadImageFromFile, LoadWSOLAnnotations
from wsol_data_fixtures import coco_dict


def build(root, **kwargs):
    return CocoWSOLDataset(
        ann_file='ann.json',
        data_root=root,
        data_prefix=dict(img='images/'),
        **kwargs)


def load(record):
    return LoadWSOLAnnotations()(LoadImageFromFile()(dict(record)))


def test_coco_labels_boxes_masks(make_coco):
    root = make_coco()
    ds = build(root)
    # categories sorted by id: 3 'dog', 7 'cat'
    assert ds.metainfo['classes'] == ('dog', 'cat')
    assert len(ds) == 2
    a = ds.get_data_info(0)
    assert a['gt_label'] == 1 and a['img_id'] == '1'
    assert a['img_path'] == osp.join(root, 'images', 'a.png')
    assert a['ori_shape'] == (10, 20)
    # bbox [2, 1, 4, 3] -> (2, 1, 6, 4); [15, 6, 1, 3] -> (15, 6, 16, 9)
    np.testing.assert_array_equal(a['gt_bboxes'],
                                  [[2, 1, 6, 4], [15, 6, 16, 9]])
    assert a['ann_ref'] == osp.join(root, 'ann.json') + ':image_id=1'
    assert len(a['gt_masks_rle']) == 2
    assert all(isinstance(r['counts'], str) for r in a['gt_masks_rle'])
    seg = load(a)['gt_seg_map']
    expected = np.zeros((10, 20), np.uint8)
    expected[1:4, 2:6] = 1  # polygon (2,1)-(6,4): pixels 2..5 x 1..3
    expected[6:9, 15] = 1  # uncompressed RLE: rows 6..8 of column 15
    np.testing.assert_array_equal(seg, expected)
    b = ds.get_data_info(1)
    assert b['gt_label'] == 0
    np.testing.assert_array_equal(b['gt_bboxes'], [[3, 2, 9, 5]])
    expected = np.zeros((8, 12), np.uint8)
    expected[2:5, 3:9] = 1  # compressed RLE of that block
    np.testing.assert_array_equal(load(b)['gt_seg_map'], expected)


def test_with_mask_false_and_image_level_category(make_coco):
    data = coco_dict()
    data['images'][1]['category_id'] = 7  # image-level label wins
    data['annotations'].append({
        'id': 22, 'image_id': 2, 'category_id': 7, 'bbox': [0, 0, 2, 2],
        'segmentation': [[0, 0, 2, 0, 2, 2, 0, 2]]})
    ds = build(make_coco(data), with_mask=False)
    b = ds.get_data_info(1)
    assert b['gt_label'] == 1
    # only the annotation of the image's class is kept
    np.testing.assert_array_equal(b['gt_bboxes'], [[0, 0, 2, 2]])
    assert 'gt_masks_rle' not in b


def test_multi_label_policy(make_coco):
    data = coco_dict()
    data['annotations'].append({
        'id': 13, 'image_id': 1, 'category_id': 3, 'bbox': [0, 0, 20, 10],
        'area': 200})
    root = make_coco(data)
    with pytest.raises(WSOLDataError) as exc:
        build(root)
    assert str(exc.value).startswith(
        osp.join(root, 'ann.json') + ': image id 1:')
    assert 'several categories [3, 7]' in str(exc.value)
    ds = build(root, multi_label_policy='largest', with_mask=False)
    a = ds.get_data_info(0)
    assert a['gt_label'] == 0  # 'dog', area 200 > 12 and 3
    np.testing.assert_array_equal(a['gt_bboxes'], [[0, 0, 20, 10]])


def test_given_classes(make_coco):
    ds = build(make_coco(), classes=['bird', 'cat', 'dog'])
    assert ds.get_data_info(0)['gt_label'] == 1
    assert ds.get_data_info(1)['gt_label'] == 2
    with pytest.raises(WSOLDataError, match="category 3 \\('dog'\\) is not"):
        build(make_coco(), classes=['cat'])


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    'edit, img_id, words',
    [
        (lambda d: d['annotations'][2].update(bbox=[3, 2, 20, 3]), 2,
         'past the image border'),  # x1 = 23 > 12 + 1
        (lambda d: d['annotations'][2].update(bbox=[3, 2, -1, 3]), 2,
         'must be positive'),
        (lambda d: d['annotations'][2].update(bbox=[3, 2, 'x', 3]), 2,
         'bbox must be 4 numbers'),
        (lambda d: d['annotations'][0].update(category_id=99), 1,
         'category_id 99 is not a category'),
        (lambda d: d['annotations'][1].pop('segmentation'), 1,
         'annotation 12 has no segmentation'),
        (lambda d: d['annotations'][0].update(segmentation=[[1, 2, 3]]), 1,
         'bad segmentation'),
        (lambda d: d['images'][1].pop('width'), 2, "has no 'width'"),
        (lambda d: d['annotations'].pop(2), 2, 'no label'),
    ])
def test_bad_json(make_coco, edit, img_id, words):
    data = coco_dict()
    edit(data)
    root = make_coco(data)
    with pytest.raises(WSOLDataError) as exc:
        build(root)
    assert str(exc.value).startswith(
        f'{osp.join(root, "ann.json")}: image id {img_id}:')
    assert words in str(exc.value)


def test_malformed_and_missing_json(make_coco, tmp_path):
    root = make_coco()
    with open(osp.join(root, 'ann.json'), 'w') as f:
        f.write('{\n "images": [\n  {"id": 1,,}\n ]\n}\n')
    with pytest.raises(WSOLDataError) as exc:
        build(root)
    assert f'{osp.join(root, "ann.json")}:3:' in str(exc.value)
    with pytest.raises(WSOLDataError, match='nothere.json: annotation file '
                       'not found'):
        CocoWSOLDataset(ann_file=str(tmp_path / 'nothere.json'))


def test_missing_image(make_coco):
    data = coco_dict()
    data['images'][0]['file_name'] = 'gone.png'
    ds = build(make_coco(data), verify='none')  # the pipeline's error
    with pytest.raises(WSOLDataError) as exc:
        load(ds.get_data_info(0))
    assert 'gone.png' in str(exc.value)
    assert 'ann.json:image_id=1' in str(exc.value)


def test_json_example_of_docs_loads(tmp_path):
    """The example JSON of docs/datasets.md parses and gives what it says."""
    docs = osp.join(osp.dirname(__file__), '..', '..', 'docs', 'datasets.md')
    with open(docs) as f:
        text = f.read()
    start = text.index('```json\n') + len('```json\n')
    example = json.loads(text[start:text.index('```', start)])
    (tmp_path / 'my.json').write_text(json.dumps(example))
    ds = CocoWSOLDataset(ann_file=str(tmp_path / 'my.json'),
                         verify='none')  # no images
    assert ds.metainfo['classes'] == ('cat', 'dog')
    assert [ds.get_data_info(i)['gt_label'] for i in range(len(ds))] == [
        0, 1
    ]
    np.testing.assert_array_equal(ds.get_data_info(0)['gt_bboxes'],
                                  [[40, 30, 140, 110]])
