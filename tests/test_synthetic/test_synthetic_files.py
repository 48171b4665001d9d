"""The files of the synthetic WSOL benchmark, read back by an independent
reader (the CUB-200-2011 layout, parsed here from scratch)."""
import hashlib
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmwsol.datasets.synthetic import HEAD_COLOURS, write_synthetic_wsol

# Default design (112 px, 10 classes, default object/head ranges), few images.
SMALL = dict(num_classes=10, train_per_class=4, test_per_class=2, seed=3,
             train_fullsup_per_class=1)


def file_hashes(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = osp.join(dirpath, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, root)] = hashlib.sha256(
                    f.read()).hexdigest()
    return out


@pytest.fixture(scope='module')
def written(tmp_path_factory):
    base = tmp_path_factory.mktemp('synthetic')
    roots = {}
    for name, params, workers in (('a', SMALL, 0), ('b', SMALL, 2),
                                  ('c', dict(SMALL, seed=4), 0)):
        roots[name] = str(base / name)
        write_synthetic_wsol(roots[name], params, num_workers=workers)
    return roots


# ----------------------------------------------------------------------
# an independent reader of the CUB-200-2011 layout
def read_table(path, types):
    """Rows of a whitespace-separated file as {id: tuple of typed fields}."""
    rows = {}
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            fields = line.split()
            assert len(fields) == 1 + len(types), f'{path}:{lineno}: {line!r}'
            key = int(fields[0])
            assert key not in rows, f'{path}:{lineno}: duplicate id {key}'
            rows[key] = tuple(t(v) for t, v in zip(types, fields[1:]))
    return rows


def read_dataset(root):
    images = read_table(osp.join(root, 'images.txt'), (str, ))
    labels = read_table(osp.join(root, 'image_class_labels.txt'), (int, ))
    split = read_table(osp.join(root, 'train_test_split.txt'), (int, ))
    boxes = read_table(osp.join(root, 'bounding_boxes.txt'), (float, ) * 4)
    heads = read_table(osp.join(root, 'head_boxes.txt'), (float, ) * 4)
    classes = read_table(osp.join(root, 'classes.txt'), (str, ))
    return dict(
        images={k: v[0]
                for k, v in images.items()},
        labels={k: v[0]
                for k, v in labels.items()},
        split={k: v[0]
               for k, v in split.items()},
        boxes=boxes,
        heads=heads,
        classes={k: v[0]
                 for k, v in classes.items()})


def box_of(mask):
    """Tight x0, y0, x1, y1 of a mask with x1 = last column + 1."""
    ys, xs = np.nonzero(mask)
    return (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)


def xywh_to_xyxy(box):
    x, y, w, h = box
    return (x, y, x + w, y + h)


# ----------------------------------------------------------------------
def test_same_seed_same_files_other_seed_differs(written):
    a, b, c = (file_hashes(written[k]) for k in 'abc')
    # 3 PNGs per image + 7 text files; the held-out images' folder: 3 PNGs
    # per image + 6 text files
    assert len(a) == 3 * 60 + 7 + 3 * 10 + 6
    # Same params and seed, once in this process and once with 2 workers.
    assert a == b
    # Another seed: same file names, other content (every image differs).
    assert set(a) == set(c)
    pngs = [k for k in a if k.startswith('images' + os.sep)]
    assert all(a[k] != c[k] for k in pngs)
    assert a['bounding_boxes.txt'] != c['bounding_boxes.txt']
    assert a['classes.txt'] == c['classes.txt']  # classes do not depend on it


def test_layout_parses_and_ids_are_consistent(written):
    root = written['a']
    d = read_dataset(root)
    ids = set(range(1, 61))
    for key in ('images', 'labels', 'split', 'boxes', 'heads'):
        assert set(d[key]) == ids, key
    assert set(d['classes']) == set(range(1, 11))
    assert len(set(d['classes'].values())) == 10
    assert set(d['split'].values()) == {0, 1}
    for i in ids:
        label = d['labels'][i]
        rel = d['images'][i]
        class_dir, name = rel.split('/')
        # "NNN.classname/..." names the class of the label file
        assert class_dir == f'{label:03d}.{d["classes"][label]}'
        assert name.endswith('.png')
        assert osp.isfile(osp.join(root, 'images', rel))
        assert osp.isfile(osp.join(root, 'segmentations', rel))
        assert osp.isfile(osp.join(root, 'part_masks', rel))
    # every class in both splits, with the requested counts
    for label in range(1, 11):
        of_class = [i for i in ids if d['labels'][i] == label]
        assert sorted(d['split'][i] for i in of_class) == [0, 0, 1, 1, 1, 1]
    info = json.load(open(osp.join(root, 'synthetic_wsol.json')))
    assert info['num_train'] == 40 and info['num_test'] == 20
    assert [c['name'] for c in info['classes']] == [
        d['classes'][k] for k in range(1, 11)
    ]


def test_boxes_are_tight_boxes_of_the_masks(written):
    root = written['a']
    d = read_dataset(root)
    for i, rel in d['images'].items():
        img = cv2.imread(osp.join(root, 'images', rel), cv2.IMREAD_UNCHANGED)
        seg = cv2.imread(
            osp.join(root, 'segmentations', rel), cv2.IMREAD_UNCHANGED)
        parts = cv2.imread(
            osp.join(root, 'part_masks', rel), cv2.IMREAD_UNCHANGED)
        assert img.shape == (112, 112, 3) and img.dtype == np.uint8
        assert img.std() > 10  # a real picture, not a blank
        assert seg.shape == parts.shape == (112, 112)
        assert set(np.unique(seg)) == {0, 255}
        assert set(np.unique(parts)) == {0, 1, 2}
        assert np.array_equal(seg == 255, parts > 0)
        # bounding_boxes.txt is exactly the tight box of the mask, in frame
        x0, y0, x1, y1 = xywh_to_xyxy(d['boxes'][i])
        assert (x0, y0, x1, y1) == box_of(seg == 255), (i, rel)
        assert 0 <= x0 < x1 <= 112 and 0 <= y0 < y1 <= 112
        # the whole object is visible: it keeps off the image border
        assert x0 >= 2 and y0 >= 2 and x1 <= 110 and y1 <= 110
        # head_boxes.txt is the tight box of the head part
        head = parts == 2
        assert xywh_to_xyxy(d['heads'][i]) == box_of(head)


def test_head_is_a_small_part_inside_the_box(written):
    root = written['a']
    d = read_dataset(root)
    fractions = []
    for i, rel in d['images'].items():
        parts = cv2.imread(
            osp.join(root, 'part_masks', rel), cv2.IMREAD_UNCHANGED)
        obj, head = parts > 0, parts == 2
        x0, y0, x1, y1 = (int(v) for v in xywh_to_xyxy(d['boxes'][i]))
        box_area = (x1 - x0) * (y1 - y0)
        # head inside the box
        assert head[y0:y1, x0:x1].sum() == head.sum() > 0
        # head: 10-20 % of the object (drawn target, fitted to +-1 %) and a
        # small part of the box; the body alone is most of the object
        fraction = head.sum() / obj.sum()
        assert 0.09 <= fraction <= 0.21, (i, fraction)
        assert head.sum() / box_area < 0.25
        fractions.append(fraction)
        # body + head form one object (one 8-connected component)
        count, _ = cv2.connectedComponents(obj.astype(np.uint8), None, 8)
        assert count == 2, (i, rel)  # background + the object
        # the object's major extent is 35-70 % of the side, give or take
        # the head and the shrinking that keeps large objects in frame
        assert 0.3 * 112 <= max(x1 - x0, y1 - y0) <= 0.96 * 112
    assert 0.12 < np.mean(fractions) < 0.18


def test_head_shows_the_colours_of_its_class(written):
    """The head's pixels take the two palette colours of the class design
    stated in synthetic_wsol.json (nearest palette colour per pixel)."""
    root = written['a']
    d = read_dataset(root)
    info = json.load(open(osp.join(root, 'synthetic_wsol.json')))
    designs = {c['id']: c for c in info['classes']}
    names = [n for n, _ in HEAD_COLOURS]
    palette = np.array([bgr for _, bgr in HEAD_COLOURS], np.float32)
    for i, rel in d['images'].items():
        img = cv2.imread(osp.join(root, 'images', rel)).astype(np.float32)
        parts = cv2.imread(
            osp.join(root, 'part_masks', rel), cv2.IMREAD_UNCHANGED)
        pix = img[parts == 2]
        nearest = np.argmin(
            ((pix[:, None] - palette[None])**2).sum(-1), axis=1)
        counts = np.bincount(nearest, minlength=len(names))
        top2 = {names[k] for k in np.argsort(counts)[-2:]}
        assert top2 == set(designs[d['labels'][i]]['head_colours']), (i, rel)
        assert counts[np.argsort(counts)[-2:]].sum() > 0.9 * len(pix)


def test_write_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / 'x.txt').write_text('keep me')
    with pytest.raises(FileExistsError, match=str(tmp_path)):
        write_synthetic_wsol(str(tmp_path), dict(SMALL, train_per_class=1))
