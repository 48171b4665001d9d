"""tools/visualization/browse_dataset.py, tools/misc/print_config.py and
tools/misc/verify_dataset.py as a user runs them, on a small copy of the
synthetic benchmark (CPU, subprocesses)."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from mmwsol.visualization import GT_COLOR

CAM = 'configs/cam/cam_tiny_synthetic.py'
# 112 x 112 images resized to 96 (h) x 160 (w) for browse_dataset: a box
# transform that swaps or forgets a factor lands elsewhere
RESIZE_W, RESIZE_H = 160, 96


@pytest.fixture(scope='module')
def synthetic_root(tmp_path_factory):
    """A CUB-layout synthetic dataset of 10 classes x (1 train + 1 test)
    112 px images, with masks."""
    from mmwsol.datasets import SyntheticWSOL
    root = str(tmp_path_factory.mktemp('synthetic') / 'data')
    SyntheticWSOL(
        split='test',
        data_root=root,
        generator=dict(
            num_classes=10,
            train_per_class=1,
            test_per_class=1,
            train_fullsup_per_class=1))
    return root


def data_root_options(root):
    opts = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts += [
            f'{loader}.dataset.data_root={root}',
            f'{loader}.dataset.generator=None'
        ]
    return opts


def run(args, env, cwd, expect_rc=0, timeout=300):
    """Run ``python ARGS``; its exit status must be ``expect_rc``."""
    proc = subprocess.run([sys.executable] + [str(a) for a in args],
                          env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == expect_rc, (
        f'{args} exited {proc.returncode}, not {expect_rc}:\n'
        f'{(proc.stdout + proc.stderr)[-6000:]}')
    return proc


def read_table(path):
    """``{first field: rest of the line}`` of a CUB text file."""
    rows = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                key, rest = line.strip().split(' ', 1)
                rows[key] = rest
    return rows


# ------------------------------------------------------------ print_config
def test_print_config_prints_the_merged_config(tmp_path, tool_env,
                                               repo_root):
    proc = run([
        'tools/misc/print_config.py', CAM, '--cfg-options',
        'train_dataloader.batch_size=7', 'model.head.num_classes=12'
    ], tool_env, repo_root)
    printed = tmp_path / 'printed.py'
    printed.write_text(proc.stdout)
    cfg = Config.fromfile(str(printed))  # the output is a config itself
    original = Config.fromfile(osp.join(repo_root, CAM))
    # from the _base_ files: the model, the schedule, the runtime
    assert cfg.model.type == 'CAM'
    assert cfg.model.backbone.type == original.model.backbone.type
    assert cfg.train_cfg == original.train_cfg
    assert cfg.default_scope == original.default_scope
    # --cfg-options merged, the rest untouched
    assert cfg.train_dataloader.batch_size == 7
    assert cfg.model.head.num_classes == 12
    assert cfg.val_dataloader.batch_size == \
        original.val_dataloader.batch_size


# ---------------------------------------------------------- browse_dataset
def write_resize_config(path, repo_root):
    base = osp.join(repo_root, CAM)
    path.write_text(f'''
_base_ = [{base!r}]
val_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='LoadWSOLAnnotations'),
    dict(type='Resize', scale=({RESIZE_W}, {RESIZE_H}), keep_ratio=False),
    dict(type='PackWSOLInputs'),
]))
''')
    return str(path)


def gt_pixels(picture):
    return np.all(picture == np.array(GT_COLOR, np.uint8), axis=2)


def test_browse_dataset_draws_transformed_boxes(tmp_path, tool_env,
                                                repo_root, synthetic_root):
    cfg = write_resize_config(tmp_path / 'cfg.py', repo_root)
    out = tmp_path / 'pics'
    run([
        'tools/visualization/browse_dataset.py', cfg, '--phase', 'val',
        '--show-number', '3', '--output-dir', out, '--cfg-options'
    ] + data_root_options(synthetic_root), tool_env, repo_root)
    names = sorted(os.listdir(out))
    assert len(names) == 3, names
    assert [n[:5] for n in names] == ['00000', '00001', '00002']

    # the GT boxes from the annotation files, by image file stem
    images = read_table(osp.join(synthetic_root, 'images.txt'))
    boxes = read_table(osp.join(synthetic_root, 'bounding_boxes.txt'))
    stem_to_id = {
        osp.splitext(osp.basename(p))[0]: i
        for i, p in images.items()
    }
    sx, sy = RESIZE_W / 112, RESIZE_H / 112
    for name in names:
        picture = cv2.imread(str(out / name))[..., ::-1]  # RGB
        # upscaled by an integer factor, the caption band below
        factor = picture.shape[1] // RESIZE_W
        assert picture.shape[1] == factor * RESIZE_W and factor >= 2
        assert picture.shape[0] > factor * RESIZE_H  # + caption
        image = picture[:factor * RESIZE_H]
        x, y, w, h = map(float, boxes[stem_to_id[name[6:-4]]].split())
        x0, y0, x1, y1 = (round(v * factor)
                          for v in (x * sx, y * sy, (x + w) * sx,
                                    (y + h) * sy))
        green = gt_pixels(image)
        band = 8  # the stroke lies inside the box, a few pixels wide
        edges = {
            'left': green[y0:y1, x0:x0 + band].any(axis=1),
            'right': green[y0:y1, x1 - band:x1].any(axis=1),
            'top': green[y0:y0 + band, x0:x1].any(axis=0),
            'bottom': green[y1 - band:y1, x0:x1].any(axis=0),
        }
        for edge, hit in edges.items():
            assert hit.mean() > 0.9, (name, edge, hit.mean())
        # and nowhere else: the GT colour stays on the box outline
        near = np.zeros_like(green)
        near[max(y0 - 2, 0):y1 + 2, max(x0 - 2, 0):x1 + 2] = True
        near[y0 + band:y1 - band, x0 + band:x1 - band] = False
        assert green[~near].sum() == 0, name
        # the caption band is there and holds text (dark pixels)
        caption = picture[factor * RESIZE_H:]
        assert (caption.min(axis=2) < 100).sum() > 50


def test_browse_dataset_original_and_pipeline(tmp_path, tool_env,
                                              repo_root, synthetic_root):
    cfg = write_resize_config(tmp_path / 'cfg.py', repo_root)
    images = read_table(osp.join(synthetic_root, 'images.txt'))
    boxes = read_table(osp.join(synthetic_root, 'bounding_boxes.txt'))
    stem_to_id = {
        osp.splitext(osp.basename(p))[0]: i
        for i, p in images.items()
    }
    for mode in ('original', 'pipeline'):
        out = tmp_path / mode
        run([
            'tools/visualization/browse_dataset.py', cfg, '--phase', 'val',
            '-n', '1', '--mode', mode, '-o', out, '--cfg-options'
        ] + data_root_options(synthetic_root), tool_env, repo_root)
        (name, ) = os.listdir(out)
        picture = cv2.imread(str(out / name))[..., ::-1]
        x, y, w, h = map(float, boxes[stem_to_id[name[6:-4]]].split())
        if mode == 'original':
            # ori_gt_bboxes on the 112 px image, upscaled
            factor = picture.shape[1] // 112
            assert picture.shape[1] == 112 * factor
            green = gt_pixels(picture[:112 * factor])
            x0, y0 = round(x * factor), round(y * factor)
            x1, y1 = round((x + w) * factor), round((y + h) * factor)
            assert green[y0:y1, x0:x0 + 8].any(axis=1).mean() > 0.9
            assert green[y0:y0 + 8, x0:x1].any(axis=0).mean() > 0.9
            assert green[y1 - 8:y1, x0:x1].any(axis=0).mean() > 0.9
        else:
            # one panel per transform that holds an image, side by side:
            # LoadImageFromFile, LoadWSOLAnnotations, Resize, the packed
            # input; so wider than 2 original + 2 resized images
            assert picture.shape[1] > 2 * 112 * 2 + 2 * RESIZE_W * 2
            assert gt_pixels(picture).sum() > 0


# ---------------------------------------------------------- verify_dataset
def truncate_image(root, image_id):
    """Make image ``image_id`` of the CUB folder ``root`` a truncated JPEG
    (the first half of its encoding: it exists, is not empty and does not
    decode), renamed to ``.jpg`` in images.txt. Returns its path."""
    images_file = osp.join(root, 'images.txt')
    lines = open(images_file).read().splitlines()
    rel = lines[image_id - 1].split()[1]
    image = cv2.imread(osp.join(root, 'images', rel))
    jpeg = cv2.imencode('.jpg', image)[1].tobytes()
    rel_jpg = rel[:-4] + '.jpg'
    os.remove(osp.join(root, 'images', rel))
    with open(osp.join(root, 'images', rel_jpg), 'wb') as f:
        f.write(jpeg[:len(jpeg) // 2])
    lines[image_id - 1] = f'{image_id} {rel_jpg}'
    with open(images_file, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return osp.join(root, 'images', rel_jpg)


def break_copy(clean, broken):
    """Copy ``clean``, then: image 1 becomes a truncated JPEG, image 3 is
    deleted, line 5 of bounding_boxes.txt is malformed. Returns the three
    paths / places the report must name."""
    shutil.copytree(clean, broken)
    truncated = truncate_image(broken, 1)
    lines = open(osp.join(broken, 'images.txt')).read().splitlines()
    rel3 = lines[2].split()[1]
    os.remove(osp.join(broken, 'images', rel3))
    boxes_file = osp.join(broken, 'bounding_boxes.txt')
    box_lines = open(boxes_file).read().splitlines()
    box_lines[4] = '5 10.0 abc 20 30'
    with open(boxes_file, 'w') as f:
        f.write('\n'.join(box_lines) + '\n')
    return (truncated, osp.join(broken, 'images', rel3), f'{boxes_file}:5')


def test_verify_dataset_reports_every_problem(tmp_path, tool_env,
                                              repo_root, synthetic_root):
    clean = str(tmp_path / 'clean')
    shutil.copytree(synthetic_root, clean)
    log = tmp_path / 'clean.log'
    proc = run([
        'tools/misc/verify_dataset.py', CAM, '--out-path', log,
        '--cfg-options'
    ] + data_root_options(clean), tool_env, repo_root)
    assert 'No problem found' in proc.stdout
    assert log.read_text() == ''

    broken = str(tmp_path / 'broken')
    truncated, missing, bad_line = break_copy(clean, broken)
    log = tmp_path / 'broken.log'
    proc = run([
        'tools/misc/verify_dataset.py', CAM, '--out-path', log,
        '--num-workers', '2', '--cfg-options'
    ] + data_root_options(broken), tool_env, repo_root, expect_rc=1)
    assert '3 problems found' in proc.stdout
    problems = log.read_text().splitlines()
    assert len(problems) == 3, problems
    boxes_file = osp.join(broken, 'bounding_boxes.txt')
    # the annotation line, under every phase (train/val/test share it)
    (line, ) = [p for p in problems if f'{bad_line}:' in p]
    assert "'abc'" in line and line.startswith('[train,val,test]')
    # the truncated JPEG, with the annotation of its image (line 1)
    (line, ) = [p for p in problems if truncated in p]
    assert f'annotation {boxes_file}:1' in line
    assert 'cannot read the image' in line
    # the missing image (image id 3, line 3)
    (line, ) = [p for p in problems if missing in p]
    assert f'annotation {boxes_file}:3' in line and 'not found' in line
    for problem in problems:  # also printed
        assert problem in proc.stdout


# ------------------------------------------------- train.py on bad images
@pytest.mark.parametrize('damage', ['truncated', 'missing'])
def test_train_with_a_bad_image_ends_in_one_error_line(
        tmp_path, tool_env, repo_root, synthetic_root, damage):
    """train.py exits 1 with one ``error:`` line naming the image and its
    annotation line, no traceback. A missing image is found when the
    dataset is built (``verify='exists'``), before any iteration; a
    truncated one (it exists and is not empty) in a DataLoader worker."""
    root = str(tmp_path / 'data')
    shutil.copytree(synthetic_root, root)
    train_ids = [
        int(i) for i, is_train in read_table(
            osp.join(root, 'train_test_split.txt')).items()
        if is_train == '1'
    ]
    image_id = train_ids[3]
    boxes = osp.join(root, 'bounding_boxes.txt')
    if damage == 'truncated':
        bad = truncate_image(root, image_id)
        expected = (f'error: {bad} (annotation {boxes}:{image_id}): cannot '
                    'read the image')
    else:
        rel = read_table(osp.join(root, 'images.txt'))[str(image_id)]
        bad = osp.join(root, 'images', rel)
        os.remove(bad)
        expected = (f"error: SyntheticWSOL (split 'train'): 1 of the "
                    f'{len(train_ids)} images is missing or empty: {bad} '
                    f'(annotation {boxes}:{image_id}): image file not found')
    proc = run([
        'tools/train.py', CAM, '--work-dir', tmp_path / 'work',
        '--cfg-options', 'train_cfg.max_epochs=1', 'param_scheduler.end=1',
        'train_dataloader.num_workers=2',
        'train_dataloader.persistent_workers=False'
    ] + data_root_options(root), tool_env, repo_root, expect_rc=1)
    assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(expected), last
    if damage == 'missing':  # before the first iteration
        assert 'Epoch(train)' not in proc.stdout + proc.stderr
