"""The COCO example (configs/_base_/datasets/coco_wsol_example.py and the
CAM config on it) as a user runs it: a generated COCO JSON, ONE edit of the
example's dataset file (data_root), tools/train.py then tools/test.py; and
a JSON whose category count differs from the example's is refused before
the first batch with the keys to set."""
import json
import os.path as osp
import re
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest

DATASET_CONFIG = 'configs/_base_/datasets/coco_wsol_example.py'
CAM_CONFIG = 'configs/cam/cam_tiny_coco_example.py'
#: BGR colour of each category's rectangle: the class is the colour
COLOURS = [(40, 40, 220), (40, 200, 40), (220, 60, 40), (0, 200, 220)]
SPLITS = dict(train=4, val=2, test=2)  # images per category


def write_coco(root, num_categories=3, seed=0):
    """``images/*.png`` (64 x 48, noise + one filled rectangle of the
    category's colour) and ``annotations/{train,val,test}.json`` with the
    rectangle as bbox and polygon. Returns ``{split: [(label, box)]}``,
    boxes ``x0, y0, x1, y1``."""
    rng = np.random.default_rng(seed)
    categories = [
        dict(id=10 + c, name=f'cat{c}') for c in range(num_categories)
    ]
    written = {}
    img_id = 0
    for split, per_class in SPLITS.items():
        images, annotations, written[split] = [], [], []
        for label in range(num_categories):
            for _ in range(per_class):
                img_id += 1
                img = rng.integers(90, 160, (48, 64, 3), dtype=np.uint8)
                w, h = int(rng.integers(16, 32)), int(rng.integers(14, 26))
                x = int(rng.integers(0, 64 - w))
                y = int(rng.integers(0, 48 - h))
                cv2.rectangle(img, (x, y), (x + w - 1, y + h - 1),
                              COLOURS[label], -1)  # pixels x .. x + w - 1
                name = f'{split}_{img_id}.png'
                cv2.imwrite(osp.join(root, 'images', name), img)
                images.append(
                    dict(id=img_id, file_name=name, width=64, height=48))
                polygon = [x, y, x + w, y, x + w, y + h, x, y + h]
                annotations.append(
                    dict(id=img_id,
                         image_id=img_id,
                         bbox=[x, y, w, h],
                         category_id=categories[label]['id'],
                         segmentation=[polygon]))
                written[split].append((label, (x, y, x + w, y + h)))
        with open(osp.join(root, 'annotations', f'{split}.json'), 'w') as f:
            json.dump(
                dict(images=images,
                     annotations=annotations,
                     categories=categories), f)
    return written


@pytest.fixture
def user_checkout(tmp_path, repo_root):
    """A copy of configs/ and the data folder a user would have: the
    example's dataset config edited in its one place, data_root."""

    def make(num_categories=3):
        data = tmp_path / 'my_coco'
        (data / 'images').mkdir(parents=True)
        (data / 'annotations').mkdir()
        write_coco(str(data), num_categories)
        configs = tmp_path / 'configs'
        shutil.copytree(osp.join(repo_root, 'configs'), configs)
        dataset_config = tmp_path / DATASET_CONFIG
        text = dataset_config.read_text()
        edited = re.sub(r"^data_root = .*$",
                        f'data_root = {str(data)!r}',
                        text,
                        count=1,
                        flags=re.M)
        assert edited != text
        dataset_config.write_text(edited)
        return tmp_path

    return make


def small_run_options(max_epochs=1):
    """Batch 4, no workers, a short schedule: CPU seconds, not minutes."""
    opts = [
        f'train_cfg.max_epochs={max_epochs}',
        f'train_cfg.val_interval={max_epochs}',
        f'param_scheduler.end={max_epochs}', 'default_hooks.logger.interval=1'
    ]
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts += [
            f'{loader}.batch_size=4', f'{loader}.num_workers=0',
            f'{loader}.persistent_workers=False'
        ]
    return opts


def run_tool(args, env, cwd):
    proc = subprocess.run([sys.executable] + args,
                          env=env,
                          cwd=cwd,
                          capture_output=True,
                          text=True,
                          timeout=300)
    return proc, proc.stdout + proc.stderr


def test_generated_json_reads_as_written(tmp_path):
    from mmwsol.datasets import CocoWSOLDataset
    (tmp_path / 'images').mkdir()
    (tmp_path / 'annotations').mkdir()
    written = write_coco(str(tmp_path))
    ds = CocoWSOLDataset(ann_file='annotations/val.json',
                         data_root=str(tmp_path),
                         data_prefix=dict(img='images/'))
    assert ds.metainfo['classes'] == ('cat0', 'cat1', 'cat2')
    assert len(ds) == 3 * SPLITS['val']
    for i, (label, box) in enumerate(written['val']):
        info = ds.get_data_info(i)
        assert info['gt_label'] == label
        np.testing.assert_array_equal(info['gt_bboxes'], [box])


def test_train_then_test_on_the_example(user_checkout, tool_env, repo_root):
    root = user_checkout(num_categories=3)
    config = str(root / CAM_CONFIG)
    work = root / 'work'
    proc, log = run_tool(
        ['tools/train.py', config, '--work-dir',
         str(work), '--cfg-options'] + small_run_options(), tool_env,
        repo_root)
    assert proc.returncode == 0, log[-4000:]
    # 12 training images at batch 4: 3 iterations; 6 val images: 2
    assert 'Epoch(train) [1][3/3]' in log
    assert re.search(r'Epoch\(val\) \[1\]\[2/2\].*wsol/MaxBoxAccV2', log), \
        log[-3000:]
    assert 'wsol/PxAP' in log  # the JSON has masks
    proc, log = run_tool([
        'tools/test.py', config,
        str(work / 'epoch_1.pth'), '--work-dir',
        str(root / 'test'), '--cfg-options'
    ] + small_run_options(), tool_env, repo_root)
    assert proc.returncode == 0, log[-4000:]
    # the last test line carries the figures of the 6 test images
    figures = re.findall(r'Epoch\(test\) \[2/2\](.*)', log)[-1]
    for key in ('wsol/MaxBoxAccV2', 'wsol/Top-1_Loc', 'wsol/PxAP'):
        value = re.search(key + r': ([0-9.]+)', figures)
        assert value and 0.0 <= float(value.group(1)) <= 100.0, figures
    # accuracies over 6 images are multiples of 100 / 6
    top1 = float(re.search(r'wsol/Top-1_Cls: ([0-9.]+)', figures).group(1))
    assert min(abs(top1 - 100 * k / 6) for k in range(7)) < 1e-3


@pytest.mark.parametrize('num_categories', [4, 2])
def test_category_count_mismatch_is_refused(user_checkout, tool_env, repo_root,
                                            num_categories):
    """The example says num_classes = 3: a JSON with 4 categories (a label
    the head cannot output) or 2 (an output never trained) stops before
    the first batch, naming the line to edit and the keys it sets."""
    root = user_checkout(num_categories=num_categories)
    proc, log = run_tool([
        'tools/train.py',
        str(root / CAM_CONFIG), '--work-dir',
        str(root / 'work'), '--cfg-options'
    ] + small_run_options(), tool_env, repo_root)
    assert proc.returncode != 0
    assert 'Epoch(train)' not in log
    assert (f'has {num_categories} classes but the model\'s head has 3 '
            'outputs') in log
    line = next(
        i
        for i, text in enumerate((root /
                                  DATASET_CONFIG).read_text().splitlines(), 1)
        if text.startswith('num_classes = '))
    assert (f'Set `num_classes = {num_categories}` at '
            f'{root / DATASET_CONFIG}:{line}') in log
    assert (f'model.data_preprocessor.num_classes={num_categories} '
            f'model.head.num_classes={num_categories}') in log


def test_lowcam_pipeline_on_the_example(user_checkout, tool_env, repo_root):
    """One tools/train.py call: F^e (the CAM example, 1 epoch) in stage 0,
    then LowCAM phase 1 (epoch 1) and phase 2 (epoch 2), on the same
    edited dataset file; its class count reaches the head, F^e and the
    area loss (topk = skip = 3 for 3 classes)."""
    root = user_checkout(num_categories=3)
    work = root / 'work'
    stage = [f'evaluator_stage.cfg_options.{o}' for o in small_run_options()]
    proc, log = run_tool(
        [
            'tools/train.py',
            str(root / 'configs/lowcam/'
                'lowcam_tiny_coco_example.py'), '--work-dir',
            str(work), '--cfg-options'
        ] + small_run_options(2) + stage +
        ['custom_hooks.0.switch_epoch=1', 'param_scheduler.end=1'], tool_env,
        repo_root)
    assert proc.returncode == 0, log[-4000:]
    assert osp.isfile(work / 'evaluator' / 'epoch_1.pth')
    assert 'Epoch(train) [2][3/3]' in log
    assert 'loss_area' in log  # phase 2 ran
    assert re.search(r'Epoch\(val\) \[2\]\[2/2\].*wsol/MaxBoxAccV2', log)
