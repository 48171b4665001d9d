"""Writers of on-disk fixtures in each real dataset format (into tmp_path).

A uniquely named module (not conftest) so tests can import the helpers."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest


def write_image(path, width, height, rect=None, value=(255, 255, 255)):
    """A dark ``height x width`` BGR image, a bright ``rect`` (x0,y0,x1,y1
    exclusive) if given; ``.png`` keeps pixels exact."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    img = np.full((height, width, 3), 20, np.uint8)
    if rect is not None:
        x0, y0, x1, y1 = rect
        img[y0:y1, x0:x1] = value
    assert cv2.imwrite(str(path), img)
    return img


def write_mask(path, array):
    os.makedirs(osp.dirname(path), exist_ok=True)
    assert cv2.imwrite(str(path), np.asarray(array, np.uint8))


def write_text(path, text):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


# ---------------------------------------------------------------- CUB
# image id: (relpath, W, H, is_train, class id, "x y w h")
CUB_IMAGES = {
    1: ('001.Alpha/Alpha_0001.jpg', 40, 30, 1, 1, '4.0 5.0 20.0 10.0'),
    2: ('001.Alpha/Alpha_0002.jpg', 50, 40, 0, 1, '10.5 0.0 30.0 40.0'),
    3: ('002.Beta/Beta_0001.jpg', 30, 30, 1, 2, '0 0 30 30'),
    4: ('003.Gamma/Gamma_0001.jpg', 60, 20, 0, 3, '1 2 3 4'),
}


def cub_files():
    files = {
        'classes.txt': '1 001.Alpha\n2 002.Beta\n3 003.Gamma\n',
        'images.txt': ''.join(f'{i} {v[0]}\n' for i, v in CUB_IMAGES.items()),
        'image_class_labels.txt':
        ''.join(f'{i} {v[4]}\n' for i, v in CUB_IMAGES.items()),
        'train_test_split.txt':
        ''.join(f'{i} {v[3]}\n' for i, v in CUB_IMAGES.items()),
        'bounding_boxes.txt':
        ''.join(f'{i} {v[5]}\n' for i, v in CUB_IMAGES.items()),
    }
    return files


def cub_soft_mask(width, height):
    """CUB-like soft segmentation: 200 (fg) in rows 5..34, cols 12..39 of a
    50x40 image, 128 (fg, > 127) on row 35 of those cols, 100 (bg, soft
    halo) on cols 40..44 of rows 5..34."""
    mask = np.zeros((max(height, 40), max(width, 50)), np.uint8)
    mask[5:35, 12:40] = 200
    mask[35, 12:40] = 128
    mask[5:35, 40:45] = 100
    return mask[:height, :width]  # other image sizes: the same, cut off


@pytest.fixture
def make_cub(tmp_path):
    """``make_cub(overrides=None, with_seg=True, skip_images=())`` writes a
    CUB_200_2011-format folder and returns its path."""

    def make(overrides=None, with_seg=True, skip_images=()):
        root = tmp_path / 'CUB_200_2011'
        files = cub_files()
        files.update(overrides or {})
        for name, text in files.items():
            if text is not None:
                write_text(root / name, text)
        for i, (rel, w, h, *_rest) in CUB_IMAGES.items():
            if i not in skip_images:
                write_image(root / 'images' / rel, w, h)
            if with_seg:
                write_mask(root / 'segmentations' / (rel[:-4] + '.png'),
                           cub_soft_mask(w, h))
        return str(root)

    return make


# --------------------------------------------------------- wsolevaluation
@pytest.fixture
def make_metadata(tmp_path):
    """``make_metadata(kind, files=None)``: a wsolevaluation data root and
    metadata root, returns ``(data_root, metadata_root)``.

    kind 'box': split 'test', 3 images of 2 classes, image 'test/c0/a.jpg'
    (40x30) has two boxes. kind 'mask': split 'test', OpenImages-style:
    'test/c1/p.jpg' (20x10) with two instance masks (the ignore path on the
    first row only) and 'test/c0/q.jpg' (20x10) with one mask, no ignore.
    """

    def make(kind='box', files=None):
        data_root = tmp_path / 'dataset'
        meta = tmp_path / 'metadata' / 'test'
        if kind == 'box':
            sizes = {'test/c0/a.jpg': (40, 30), 'test/c0/b.jpg': (20, 20),
                     'test/c1/c.jpg': (30, 10)}
            default = {
                'image_ids.txt': 'test/c0/a.jpg\ntest/c0/b.jpg\n'
                'test/c1/c.jpg\n',
                'class_labels.txt': 'test/c0/a.jpg,0\ntest/c0/b.jpg,0\n'
                'test/c1/c.jpg,1\n',
                'image_sizes.txt': 'test/c0/a.jpg,40,30\ntest/c0/b.jpg,20,20\n'
                'test/c1/c.jpg,30,10\n',
                'localization.txt': 'test/c0/a.jpg,1,2,11,12\n'
                'test/c0/a.jpg,20,5,40,30\n'
                'test/c0/b.jpg,0,0,20,20\n'
                'test/c1/c.jpg,3,1,13,9\n',
            }
        else:
            sizes = {'test/c1/p.jpg': (20, 10), 'test/c0/q.jpg': (20, 10)}
            default = {
                'image_ids.txt': 'test/c1/p.jpg\ntest/c0/q.jpg\n',
                'class_labels.txt': 'test/c1/p.jpg,1\ntest/c0/q.jpg,0\n',
                'image_sizes.txt': '',
                'localization.txt':
                'test/c1/p.jpg,test/c1/p_m1.png,test/c1/p_ignore.png\n'
                'test/c1/p.jpg,test/c1/p_m2.png,\n'
                'test/c0/q.jpg,test/c0/q_m1.png,\n',
            }
            m1 = np.zeros((10, 20), np.uint8)
            m1[1:4, 2:6] = 255
            m2 = np.zeros((10, 20), np.uint8)
            m2[6:9, 10:15] = 255
            ignore = np.zeros((10, 20, 3), np.uint8)  # 3-channel, as theirs
            ignore[0:5, 0:8] = 255  # overlaps m1 (fg wins) and adds ignore
            write_mask(data_root / 'test/c1/p_m1.png', m1)
            write_mask(data_root / 'test/c1/p_m2.png', m2)
            write_mask(data_root / 'test/c1/p_ignore.png', ignore)
            q = np.zeros((5, 10), np.uint8)  # half size: resized (nearest)
            q[1:3, 2:4] = 255
            write_mask(data_root / 'test/c0/q_m1.png', q)
        default.update(files or {})
        for name, text in default.items():
            if text is not None:
                write_text(meta / name, text)
        for rel, (w, h) in sizes.items():
            write_image(data_root / rel, w, h)
        return str(data_root), str(tmp_path / 'metadata')

    return make


# ---------------------------------------------------------------- ImageNet
VOC_TEMPLATE = """<annotation>
\t<folder>val</folder>
\t<filename>{stem}</filename>
\t<size>
\t\t<width>{w}</width>
\t\t<height>{h}</height>
\t\t<depth>3</depth>
\t</size>
{objects}</annotation>
"""
VOC_OBJECT = """\t<object>
\t\t<name>{name}</name>
\t\t<bndbox>
\t\t\t<xmin>{x0}</xmin>
\t\t\t<ymin>{y0}</ymin>
\t\t\t<xmax>{x1}</xmax>
\t\t\t<ymax>{y1}</ymax>
\t\t</bndbox>
\t</object>
"""
# each object block is 9 lines; the first <object> tag is on line 9


def voc_xml(stem, w, h, objects):
    return VOC_TEMPLATE.format(
        stem=stem,
        w=w,
        h=h,
        objects=''.join(
            VOC_OBJECT.format(name=n, x0=b[0], y0=b[1], x1=b[2], y1=b[3])
            for n, b in objects))


@pytest.fixture
def make_imagenet(tmp_path):
    """ILSVRC-2012 layout: 3 wnids with train images; 2 val images with XML
    (the first with two boxes)."""

    def make(val_objects=None, xml_text=None):
        root = tmp_path / 'imagenet'
        wnids = ['n01440764', 'n01443537', 'n01484850']
        for k, wnid in enumerate(wnids):
            for j in range(k + 1):
                write_image(
                    root / 'ILSVRC2012_img_train' / wnid /
                    f'{wnid}_{j}.JPEG', 16, 12)
        val = val_objects or {
            'ILSVRC2012_val_00000001':
            (32, 24, [('n01443537', (1, 2, 10, 12)),
                      ('n01443537', (15, 3, 32, 24))]),
            'ILSVRC2012_val_00000002': (20, 20, [('n01484850',
                                                  (0, 0, 5, 6))]),
        }
        for stem, (w, h, objects) in val.items():
            write_image(root / 'ILSVRC2012_img_val' / f'{stem}.JPEG', w, h)
            text = voc_xml(stem, w, h, objects)
            if xml_text and stem in xml_text:
                text = xml_text[stem]
            write_text(root / 'ILSVRC2012_bbox_val_v3' / 'val' /
                       f'{stem}.xml', text)
        write_text(
            root / 'LOC_synset_mapping.txt',
            'n01440764 tench, Tinca tinca\nn01443537 goldfish, Carassius '
            'auratus\nn01484850 great white shark\n')
        return str(root)

    return make


# ---------------------------------------------------------------- COCO
def coco_dict():
    """Image 1 (20x10): two 'cat' instances, a polygon and an uncompressed
    RLE; image 2 (12x8): one 'dog', compressed RLE; categories with ids 3
    ('dog') and 7 ('cat') -> classes ('dog', 'cat')."""
    from pycocotools import mask as mask_utils
    rle_mask = np.zeros((8, 12), np.uint8, order='F')
    rle_mask[2:5, 3:9] = 1
    compressed = mask_utils.encode(rle_mask)
    compressed['counts'] = compressed['counts'].decode()
    # uncompressed RLE (column-major run lengths) of a 10x20 mask with
    # rows 6..8 of column 15 set: 150 zeros, 3 ones (rows 6-8, col 15), rest
    uncompressed = {'size': [10, 20], 'counts': [156, 3, 41]}
    return {
        'images': [
            {'id': 1, 'file_name': 'a.png', 'width': 20, 'height': 10},
            {'id': 2, 'file_name': 'b.png', 'width': 12, 'height': 8},
        ],
        'annotations': [
            {'id': 11, 'image_id': 1, 'category_id': 7,
             'bbox': [2, 1, 4, 3],
             'segmentation': [[2, 1, 6, 1, 6, 4, 2, 4]], 'area': 12},
            {'id': 12, 'image_id': 1, 'category_id': 7,
             'bbox': [15, 6, 1, 3], 'segmentation': uncompressed,
             'area': 3, 'iscrowd': 1},
            {'id': 21, 'image_id': 2, 'category_id': 3,
             'bbox': [3, 2, 6, 3], 'segmentation': compressed, 'area': 18},
        ],
        'categories': [{'id': 7, 'name': 'cat'}, {'id': 3, 'name': 'dog'}],
    }


@pytest.fixture
def make_coco(tmp_path):

    def make(data=None):
        root = tmp_path / 'coco'
        data = coco_dict() if data is None else data
        write_text(root / 'ann.json', json.dumps(data, indent=1))
        write_image(root / 'images' / 'a.png', 20, 10)
        write_image(root / 'images' / 'b.png', 12, 8)
        return str(root)

    return make


# ---------------------------------------------------------------- logs
@pytest.fixture
def log_text(tmp_path):
    """``log_text()``: what was logged with ``logger='current'`` (the
    datasets' ``_log``, mmengine ``print_log``) since the fixture was made:
    an ``MMLogger`` of the test's own, writing to a file, is the latest
    instance, so it is the current logger."""
    from mmengine.logging import MMLogger
    path = tmp_path / 'test_log.txt'
    MMLogger.get_instance(f'test_datasets_{tmp_path.name}',
                          log_file=str(path))
    return lambda: path.read_text() if path.exists() else ''
