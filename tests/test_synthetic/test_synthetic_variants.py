"""The held-out ``train_fullsup`` split and the colour-free
``class_cue='shape'`` variant of the synthetic benchmark."""
import os.path as osp

import cv2
import numpy as np
import pytest

from mmwsol.datasets import SyntheticWSOL
from mmwsol.datasets.synthetic import (HEAD_SHAPES, PART_HEAD,
                                       SyntheticWSOLGenerator, class_names,
                                       shape_combinations)

SMALL = dict(num_classes=10, train_per_class=3, test_per_class=2,
             train_fullsup_per_class=2, seed=5)


def test_train_fullsup_is_held_out_and_leaves_the_rest_unchanged(tmp_path):
    splits = {
        split: SyntheticWSOL(split=split, generator=SMALL,
                             cache_root=str(tmp_path))
        for split in ('train', 'test', 'train_fullsup')
    }
    assert [len(d) for d in splits.values()] == [30, 20, 20]
    ids = {s: {d.get_data_info(i)['img_id'] for i in range(len(d))}
           for s, d in splits.items()}
    # disjoint, and the held-out ids come after every train/test id
    assert not ids['train'] & ids['train_fullsup']
    assert not ids['test'] & ids['train_fullsup']
    assert min(map(int, ids['train_fullsup'])) == 51
    held = splits['train_fullsup']
    assert held.split == 'train_fullsup'
    info = held.get_data_info(0)
    assert osp.sep + 'train_fullsup' + osp.sep in info['img_path']
    assert len(info['gt_bboxes']) == 1 and info['mask_paths']
    assert [held.get_data_info(i)['gt_label'] for i in range(20)] == [
        k // 2 for k in range(20)
    ]
    # the train/test images do not depend on the number of held-out ones
    plain = SyntheticWSOLGenerator(dict(SMALL, train_fullsup_per_class=0))
    more = SyntheticWSOLGenerator(SMALL)
    assert plain.plan() == [
        item for item in more.plan() if item['split'] != 'train_fullsup'
    ]
    with pytest.raises(ValueError, match='train_fullsup'):
        SyntheticWSOL(split='train_fullsup',
                      generator=dict(SMALL, train_fullsup_per_class=0),
                      cache_root=str(tmp_path))


def solidity(mask):
    """Area over convex-hull area of the largest region of a mask."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_NONE)
    contour = max(contours, key=cv2.contourArea)
    hull = cv2.convexHull(contour)
    return cv2.contourArea(contour) / cv2.contourArea(hull)


def test_shape_cue_classes_differ_by_outline_and_pattern_not_colour():
    designs = shape_combinations()
    assert len(set(designs)) == len(designs) == 12
    names = class_names(10, 'shape')
    assert names[:4] == ['stripes_ellipse', 'checker_square',
                         'rings_triangle', 'stripes_star']
    gen = SyntheticWSOLGenerator(dict(class_cue='shape', image_size=224))
    # the head outlines, drawn large: the star is the only non-convex one
    for label, outline in enumerate(HEAD_SHAPES):
        values = []
        for image_id in range(1, 7):
            head = gen.render(image_id, label).part_map == PART_HEAD
            values.append(solidity(head))
        if outline == 'star':
            assert max(values) < 0.8, (outline, values)
        else:
            assert min(values) > 0.85, (outline, values)
    # colour tells nothing: the heads of one class take many hues, and
    # two classes' mean head colours spread over the same range
    def head_hues(label):
        hues = []
        for image_id in range(100, 130):
            sample = gen.render(image_id, label)
            head = sample.part_map == PART_HEAD
            hsv = cv2.cvtColor(sample.img, cv2.COLOR_BGR2HSV)
            hues.append(np.median(hsv[..., 0][head]))
        return np.array(hues)
    a, b = head_hues(0), head_hues(5)
    assert a.std() > 25 and b.std() > 25  # OpenCV hue: 0..180
    assert abs(np.median(a) - np.median(b)) < 45
    # the default cue keeps its fixed class colours
    design = SyntheticWSOLGenerator()
    assert design.head_designs[0] == ('stripes', 'red', 'yellow')


def test_shape_cue_arguments():
    with pytest.raises(ValueError, match='class_cue'):
        SyntheticWSOLGenerator(dict(class_cue='hue'))
    with pytest.raises(ValueError, match=r'\[2, 10\]'):
        SyntheticWSOLGenerator(dict(class_cue='shape', num_classes=11))
    with pytest.raises(ValueError, match='train_fullsup_per_class'):
        SyntheticWSOLGenerator(dict(train_fullsup_per_class=-1))
