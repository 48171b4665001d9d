"""mmwsol.datasets.verify_dataset: every problem of a dataset's files in
one pass, each with its place."""
import os

import numpy as np
from wsol_data_fixtures import cub_files, write_image, write_mask

from mmwsol.datasets import CUB200WSOL, verify_dataset
from mmwsol.datasets.verification import build_dataset_past_errors
from mmwsol.utils import register_all_modules

register_all_modules()


def texts(problems):
    return [str(p) for p in problems]


def test_clean_dataset_has_no_problem(make_cub):
    root = make_cub()
    for split in ('train', 'test'):
        dataset = CUB200WSOL(root, split=split)
        assert verify_dataset(dataset, progress=False) == []


def test_masks_missing_or_of_another_image(make_cub):
    root = make_cub()
    seg = os.path.join(root, 'segmentations')
    # image 2 (50 x 40, test): a mask of another aspect ratio
    write_mask(os.path.join(seg, '001.Alpha/Alpha_0002.png'),
               np.zeros((10, 50), np.uint8))
    # image 4 (60 x 20, test): half the size, same aspect: resized, fine
    write_mask(os.path.join(seg, '003.Gamma/Gamma_0001.png'),
               np.zeros((10, 30), np.uint8))
    # image 3 (train): no mask file
    os.remove(os.path.join(seg, '002.Beta/Beta_0001.png'))
    boxes = os.path.join(root, 'bounding_boxes.txt')

    problems = verify_dataset(CUB200WSOL(root, split='test'), progress=False)
    (problem, ) = problems
    assert problem.where == (f'{seg}/001.Alpha/Alpha_0002.png (annotation '
                             f'{boxes}:2)')
    assert '(10, 50)' in problem.message and '(40, 50)' in problem.message

    problems = verify_dataset(CUB200WSOL(root, split='train'),
                              progress=False)
    assert texts(problems) == [
        f'{seg}/002.Beta/Beta_0001.png (annotation {boxes}:3): mask file '
        'not found'
    ]


def test_stated_size_and_boxes_outside_the_image(make_metadata, make_cub):
    # wsolevaluation metadata state the sizes: boxes are checked at load
    data_root, metadata_root = make_metadata('box')
    write_image(os.path.join(data_root, 'test/c0/b.jpg'), 21, 20)
    loc = os.path.join(metadata_root, 'test', 'localization.txt')
    with open(loc) as f:  # c.jpg is 30 x 10: its box now reaches y = 40
        text = f.read().replace('test/c1/c.jpg,3,1,13,9',
                                'test/c1/c.jpg,3,1,13,40')
    with open(loc, 'w') as f:
        f.write(text)
    problems = verify_dataset(
        dict(
            type='WSOLMetadataDataset',
            data_root=data_root,
            metadata_root=metadata_root,
            split='test'),
        progress=False)
    assert len(problems) == 2, texts(problems)
    box, size = problems
    assert box.where == f'{loc}:4' and 'box 0' in box.message
    assert size.where.startswith(os.path.join(data_root, 'test/c0/b.jpg'))
    assert 'states size (20, 20)' in size.message
    assert '(20, 21)' in size.message

    # CUB states no size: boxes are checked against the decoded image
    files = cub_files()
    files['bounding_boxes.txt'] = files['bounding_boxes.txt'].replace(
        '4 1 2 3 4', '4 1 2 3 40')  # image 4 is 60 x 20
    root = make_cub(overrides=files)
    problems = verify_dataset(CUB200WSOL(root, split='test'), progress=False)
    (box, ) = problems
    assert box.where == f'{root}/bounding_boxes.txt:4'
    assert 'in a 60x20 (WxH) image' in box.message


def test_config_goes_past_bad_lines(make_cub):
    files = cub_files()
    files['bounding_boxes.txt'] = files['bounding_boxes.txt'].replace(
        '1 4.0 5.0 20.0 10.0', '1 4.0 five 20.0 10.0')
    files['image_class_labels.txt'] += '5 1\n'  # an image id not listed
    root = make_cub(overrides=files, skip_images=(3, ))
    cfg = dict(type='CUB200WSOL', data_root=root, split='train')
    problems = verify_dataset(cfg, progress=False)
    where = [p.where for p in problems]
    assert where == [
        f'{root}/bounding_boxes.txt:1',
        f'{root}/image_class_labels.txt:5',
        f'{root}/images/002.Beta/Beta_0001.jpg (annotation '
        f'{root}/bounding_boxes.txt:3)',
    ], texts(problems)
    assert "'five'" in problems[0].message
    assert 'not in images.txt' in problems[1].message
    assert problems[2].message == 'image file not found'


def test_config_that_cannot_be_built(make_cub):
    root = make_cub(overrides={'images.txt': None})
    dataset, problems = build_dataset_past_errors(
        dict(type='CUB200WSOL', data_root=root, split='train'))
    assert dataset is None
    assert texts(problems)[0] == (f'{root}/images.txt: annotation file not '
                                  'found')
    assert 'images were not checked' in problems[-1].message


def test_worker_processes_give_the_same_problems(make_cub):
    root = make_cub(skip_images=(1, 3))
    dataset = CUB200WSOL(root, split='train', verify='none')
    one = verify_dataset(dataset, progress=False)
    two = verify_dataset(dataset, num_workers=2, progress=False)
    assert len(one) == 2 and one == two


def test_coco_masks_and_stated_sizes(make_coco):
    root = make_coco()
    cfg = dict(
        type='CocoWSOLDataset',
        ann_file=os.path.join(root, 'ann.json'),
        data_prefix=os.path.join(root, 'images'))
    assert verify_dataset(cfg, progress=False) == []  # RLEs decode
    # b.png is stated 12 x 8 (w x h) in the JSON
    write_image(os.path.join(root, 'images', 'b.png'), 12, 9)
    (problem, ) = verify_dataset(cfg, progress=False)
    assert problem.where.startswith(os.path.join(root, 'images', 'b.png'))
    assert 'states size (8, 12)' in problem.message
