"""LocalizationVisualizationHook: which images, where the pictures go, what
is on them; and a tiny CAM training run through tools/train.py whose every
validation writes the pictures of the same images (plus best checkpoint and
test-time pictures through tools/test.py)."""
import glob
import os.path as osp
import re
import subprocess
import sys
from types import SimpleNamespace

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import CheckpointHook
from mmengine.runner import BaseLoop, EpochBasedTrainLoop
from mmpretrain.structures import DataSample
from mmpretrain.visualization import UniversalVisualizer

from mmwsol.engine.hooks import LocalizationVisualizationHook
from mmwsol.engine.hooks import localization_visualization_hook as hook_mod
from mmwsol.visualization import LocalizationVisualizer

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# a colour only in the image: RGB (30, 60, 200), i.e. BGR (200, 60, 30)
IMAGE_RGB = (30, 60, 200)


class FakeLoop(BaseLoop):

    def run(self):
        pass


def fake_runner(visualizer, dataset_len, train_loop=None, epoch=0):
    runner = SimpleNamespace(visualizer=visualizer, epoch=epoch, iter=0,
                             _train_loop=train_loop)
    loop = FakeLoop(runner, SimpleNamespace(dataset=list(range(dataset_len))))
    runner._val_loop = runner.val_loop = loop
    runner._test_loop = runner.test_loop = loop
    return runner


def batch(first_idx, size, img=40):
    """BGR CHW uint8 images and predictions: GT box 5..25 (green), predicted
    box 10..35 (red) in a 40 x 40 input."""
    bgr = torch.tensor(IMAGE_RGB[::-1], dtype=torch.uint8)
    inputs = [bgr[:, None, None].expand(3, img, img).clone()
              for _ in range(size)]
    samples = []
    for k in range(size):
        s = DataSample(metainfo=dict(
            sample_idx=first_idx + k,
            img_path=f'/data/images/img_{first_idx + k:03d}.jpg',
            img_shape=(img, img)))
        s.set_gt_label(1)
        s.set_pred_score(torch.tensor([0.2, 0.8]))
        s.set_pred_label(1)
        s.gt_bboxes = torch.tensor([[5., 5., 25., 25.]])
        s.pred_bboxes = torch.tensor([[10., 10., 35., 35.]])
        s.score_map = torch.rand(5, 5)
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples), samples


def run_val(hook, runner, dataset_len, batch_size):
    hook.before_run(runner)
    hook.before_val_epoch(runner)
    for b, start in enumerate(range(0, dataset_len, batch_size)):
        data, outs = batch(start, min(batch_size, dataset_len - start))
        hook.after_val_iter(runner, b, data, outs)


# ----------------------------------------------------------------------
# selection and arguments
def test_selected_indices():
    hook = LocalizationVisualizationHook(num_images=4)
    # linspace(0, 9, 4) = 0, 3, 6, 9
    assert hook.selected_indices(10) == [0, 3, 6, 9]
    # linspace(0, 6, 4) = 0, 2, 4, 6; linspace(0, 5, 4) = 0, 1.67, 3.33, 5
    assert hook.selected_indices(7) == [0, 2, 4, 6]
    assert hook.selected_indices(6) == [0, 2, 3, 5]
    assert hook.selected_indices(3) == [0, 1, 2]
    assert LocalizationVisualizationHook(
        indices=(5, 1, 1)).selected_indices(6) == [1, 5]
    assert LocalizationVisualizationHook(
        num_images=None).selected_indices(6) is None
    with pytest.raises(ValueError, match=r'indices \[6\] are out of range'):
        LocalizationVisualizationHook(indices=(1, 6)).selected_indices(6)


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match='num_images'):
        LocalizationVisualizationHook(num_images=0)
    with pytest.raises(ValueError, match='indices'):
        LocalizationVisualizationHook(indices=3)
    with pytest.raises(ValueError, match='input_channel_order'):
        LocalizationVisualizationHook(input_channel_order='hsv')
    with pytest.raises(TypeError, match="unknown arguments \\['colour'\\]"):
        LocalizationVisualizationHook(colour='red')


def test_needs_a_localization_visualizer():
    runner = fake_runner(UniversalVisualizer(name='hook_universal'), 4)
    with pytest.raises(TypeError, match='LocalizationVisualizer'):
        LocalizationVisualizationHook().before_run(runner)
    # disabled: no check, nothing drawn
    LocalizationVisualizationHook(enable=False).before_run(runner)


def test_out_of_range_indices_fail_before_training():
    runner = fake_runner(LocalizationVisualizer(name='hook_range'), 4)
    with pytest.raises(ValueError, match='out of range'):
        LocalizationVisualizationHook(indices=(0, 4)).before_run(runner)


# ----------------------------------------------------------------------
# pictures
def test_out_dir_pictures_of_fixed_images_with_boxes(tmp_path):
    vis = LocalizationVisualizer(name='hook_out_dir')
    runner = fake_runner(vis, 10)
    hook = LocalizationVisualizationHook(
        num_images=4, out_dir=str(tmp_path), draw_map=False, line_width=2,
        draw_caption=False, min_size=0)
    run_val(hook, runner, 10, batch_size=3)
    files = sorted(osp.basename(f) for f in glob.glob(str(tmp_path / '*')))
    # indices 0, 3, 6, 9 of 10; step 0 (no training loop)
    assert files == [f'{i}_img_{i:03d}_0.png' for i in (0, 3, 6, 9)]
    png = mmcv.imread(str(tmp_path / '3_img_003_0.png'), channel_order='rgb')
    assert png.shape == (40, 40, 3)
    # BGR input turned into RGB: the plain area keeps the RGB colour
    assert tuple(png[38, 2]) == IMAGE_RGB
    # GT box left edge x=5 (rows 15..20): its stroke inside the box, green
    # at columns 6, 7 between dark outlines at 5 and 8
    assert np.all(png[15:20, 6:8] == LocalizationVisualizer.GT_COLOR)
    assert np.all(png[15:20, [5, 8]] == 0)
    # predicted box bottom edge y=35 (columns 26..34): rows 32, 33
    assert np.all(png[32:34, 26:34] == LocalizationVisualizer.PRED_COLOR)


def test_backend_pictures_named_by_image_and_epoch(tmp_path):
    vis = LocalizationVisualizer(
        name='hook_backend', vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path))
    loop = EpochBasedTrainLoop.__new__(EpochBasedTrainLoop)
    hook = LocalizationVisualizationHook(indices=(1, 4))
    for epoch in (1, 2):
        runner = fake_runner(vis, 6, train_loop=loop, epoch=epoch)
        run_val(hook, runner, 6, batch_size=4)
    files = sorted(
        osp.basename(f)
        for f in glob.glob(str(tmp_path / 'vis_data/vis_image/*.png')))
    assert files == [
        '1_img_001_1.png', '1_img_001_2.png', '4_img_004_1.png',
        '4_img_004_2.png'
    ]


def test_rgb_inputs_are_not_swapped(tmp_path):
    vis = LocalizationVisualizer(name='hook_rgb')
    hook = LocalizationVisualizationHook(
        indices=(0, ), out_dir=str(tmp_path), input_channel_order='rgb',
        draw_map=False, draw_gt=False, draw_pred=False)
    run_val(hook, fake_runner(vis, 1), 1, batch_size=1)
    png = mmcv.imread(str(tmp_path / '0_img_000_0.png'), channel_order='rgb')
    # the input held BGR values but was declared RGB: drawn as given
    assert tuple(png[20, 20]) == IMAGE_RGB[::-1]


def test_distributed_pictures_gathered_to_rank0_once(tmp_path, monkeypatch):
    """Two ranks (simulated): rank 1's selected image arrives through
    all_gather_object; the sampler's padding duplicate is drawn once."""
    vis = LocalizationVisualizer(name='hook_dist')
    hook = LocalizationVisualizationHook(
        indices=(2, 3), out_dir=str(tmp_path), draw_map=False)
    _, other = batch(3, 1)
    other_image = np.zeros((40, 40, 3), dtype=np.uint8)
    gathered = []

    def all_gather_object(items):
        gathered.append([idx for idx, _, _ in items])
        # rank 1 holds index 3 and (padding) index 2 again
        return [items, [(3, other_image, other[0]),
                        (2, other_image, other[0])]]

    monkeypatch.setattr(hook_mod, 'get_world_size', lambda: 2)
    monkeypatch.setattr(hook_mod, 'all_gather_object', all_gather_object)
    monkeypatch.setattr(hook_mod, 'is_main_process', lambda: True)
    runner = fake_runner(vis, 4)
    hook.before_run(runner)
    hook.before_val_epoch(runner)
    data, outs = batch(2, 1)  # rank 0's batch: index 2
    hook.after_val_iter(runner, 0, data, outs)
    assert gathered == [[2]]
    assert sorted(osp.basename(f) for f in glob.glob(str(
        tmp_path / '*'))) == ['2_img_002_0.png', '3_img_003_0.png']
    # index 2 comes from rank 0 (its own colour), not the padding copy
    png = mmcv.imread(str(tmp_path / '2_img_002_0.png'), channel_order='rgb')
    assert tuple(png[38, 2]) == IMAGE_RGB
    png = mmcv.imread(str(tmp_path / '3_img_003_0.png'), channel_order='rgb')
    assert tuple(png[38, 2]) == (0, 0, 0)


def test_default_runtime_checkpoint_rule_for_wsol_figures():
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs/_base_/default_runtime.py'))
    ckpt = dict(cfg.default_hooks.checkpoint)
    ckpt.pop('type')
    for key in ('wsol/GT-known_Loc', 'wsol/MaxBoxAccV2', 'wsol/Top-1_Loc',
                'wsol/PxAP', 'wsol/Top-1_Cls'):
        hook = CheckpointHook(**ckpt, save_best=key)
        assert hook.rules == ['greater'], key
    assert cfg.default_hooks.visualization.type == \
        'LocalizationVisualizationHook'
    assert cfg.visualizer.type == 'LocalizationVisualizer'


# ----------------------------------------------------------------------
# end to end: tools/train.py and tools/test.py
TINY_CAM = '''
_base_ = [{cam!r}]
synthetic_generator = dict(
    num_classes=3, image_size=48, train_per_class=4, test_per_class=2, seed=1,
    train_fullsup_per_class=1)
_pipe = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWSOLAnnotations', with_mask=False),
    dict(type='PackWSOLInputs'),
]
_loader = dict(batch_size=4, num_workers=0, persistent_workers=False)
train_dataloader = dict(**_loader, dataset=dict(
    generator=synthetic_generator, cache_root={cache!r}, pipeline=_pipe))
val_dataloader = dict(**_loader, dataset=dict(
    generator=synthetic_generator, cache_root={cache!r}, pipeline=_pipe))
test_dataloader = val_dataloader
model = dict(data_preprocessor=dict(num_classes=3),
             head=dict(num_classes=3, topk=(1, )))
val_evaluator = dict(topk=(1, ), cam_thresholds=[0.1 * i for i in range(10)])
test_evaluator = val_evaluator
param_scheduler = dict(end=2)
train_cfg = dict(max_epochs=2, val_interval=1)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(save_best='wsol/MaxBoxAccV2', max_keep_ckpts=2))
'''


def run_tool(args, env, cwd):
    proc = subprocess.run([sys.executable] + args, env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    return log


def test_tiny_training_draws_same_images_every_validation(tmp_path,
                                                          tool_env):
    cfg_file = tmp_path / 'tiny_cam.py'
    cfg_file.write_text(TINY_CAM.format(
        cam=osp.join(REPO_ROOT, 'configs/cam/cam_tiny_synthetic.py'),
        cache=str(tmp_path / 'cache')))
    work = tmp_path / 'work'
    log = run_tool(['tools/train.py', str(cfg_file), '--work-dir',
                    str(work)], tool_env, REPO_ROOT)
    # 6 val images (3 classes x 2): num_images=4 -> 0, 2, 3, 5
    pngs = glob.glob(str(work / '*/vis_data/vis_image/*.png'))
    found = {}
    for path in pngs:
        match = re.fullmatch(r'(\d+)_(.+)_(\d+)\.png', osp.basename(path))
        assert match, path
        found.setdefault(int(match[1]), set()).add(int(match[3]))
        img = mmcv.imread(path)
        # 48 px inputs upscaled x7 (>= 320 px) with a caption band below
        assert img.shape[1] == 48 * 7 and img.shape[0] > 48 * 7
    assert found == {i: {1, 2} for i in (0, 2, 3, 5)}
    # TensorBoard is not installed here: logged, run not stopped
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        assert 'TensorBoard is not available' in log
    # best checkpoint by the configured figure
    assert glob.glob(str(work / 'best_wsol_MaxBoxAccV2_epoch_*.pth'))

    # test time: the same hook into a folder (every image)
    show = tmp_path / 'show'
    run_tool([
        'tools/test.py', str(cfg_file), str(work / 'epoch_2.pth'),
        '--work-dir', str(tmp_path / 'test_work'), '--cfg-options',
        f'default_hooks.visualization.out_dir={show}',
        'default_hooks.visualization.num_images=None'
    ], tool_env, REPO_ROOT)
    names = sorted(osp.basename(p) for p in glob.glob(str(show / '*.png')))
    assert len(names) == 6 and all(n.endswith('_0.png') for n in names)
    assert [int(n.split('_')[0]) for n in names] == list(range(6))
