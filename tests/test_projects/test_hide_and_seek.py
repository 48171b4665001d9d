"""projects/hide_and_seek: the HideAndSeek transform, its config, and a
couple of training iterations through tools/train.py."""
import os.path as osp
import re
import subprocess
import sys

import numpy as np
import pytest
from mmengine.config import Config

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:  # `projects` lives at the repository root
    sys.path.insert(0, REPO_ROOT)

from projects.hide_and_seek.hide_and_seek import HideAndSeek  # noqa: E402

from mmwsol.registry import DATASETS, TRANSFORMS  # noqa: E402

PROJECT_CFG = ('projects/hide_and_seek/configs/'
               'hide_and_seek_cam_tiny_synthetic.py')
BASE_CFG = 'configs/cam/cam_tiny_synthetic.py'
MEAN = (10.0, 20.0, 30.0)  # BGR; distinct per channel, far from the image


def noise_image(h, w, seed=0):
    """uint8 image with values in [100, 200): never equal to MEAN."""
    return np.random.default_rng(seed).integers(
        100, 200, size=(h, w, 3), dtype=np.uint8)


def hidden_mask(before, after):
    """Pixels the transform changed, (H, W) bool."""
    return np.any(before != after, axis=-1)


def is_cell_union(mask, size):
    """Reference: every size x size cell of the grid from the top-left corner
    (border cells cut by the image) is entirely hidden or entirely shown."""
    h, w = mask.shape
    for y in range(0, h, size):
        for x in range(0, w, size):
            cell = mask[y:y + size, x:x + size]
            if cell.any() and not cell.all():
                return False
    return True


def test_hides_whole_cells_only_with_partial_border_cells():
    img = noise_image(50, 37)  # 16 divides neither side
    t = HideAndSeek(grid_sizes=16, hide_prob=0.5, mean=MEAN, rng=3)
    seen_partial_border = False
    for _ in range(20):
        out = t(dict(img=img))['img']
        mask = hidden_mask(img, out)
        assert is_cell_union(mask, 16)
        # the 4 x 3 grid's cells: 50 = 3*16 + 2, 37 = 2*16 + 5
        seen_partial_border |= bool(mask[48:, :].any() or mask[:, 32:].any())
    assert seen_partial_border


def test_hidden_pixels_get_the_mean_in_the_images_channel_order():
    img = noise_image(32, 32)
    t = HideAndSeek(grid_sizes=8, hide_prob=0.5, mean=MEAN, rng=0)
    out = t(dict(img=img))['img']
    mask = hidden_mask(img, out)
    assert 0 < mask.sum() < mask.size
    assert out.dtype == np.uint8 and out.shape == img.shape
    np.testing.assert_array_equal(out[mask], np.tile([10, 20, 30],
                                                     (mask.sum(), 1)))
    np.testing.assert_array_equal(out[~mask], img[~mask])
    # uint8 images get the mean rounded to the nearest integer
    t = HideAndSeek(grid_sizes=8, hide_prob=1.0, mean=(116.1, 117.5, 300.0))
    out = t(dict(img=img))['img']
    assert (out == np.array([116, 118, 255], np.uint8)).all()
    # float images get it exactly; (H, W) images take a 1-value mean
    fimg = img.astype(np.float32)
    out = HideAndSeek(8, 1.0, mean=(116.1, 117.5, 3.25))(dict(img=fimg))['img']
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[5, 7], [116.1, 117.5, 3.25], rtol=1e-6)
    gray = img[..., 0]
    out = HideAndSeek(8, 1.0, mean=[7])(dict(img=gray))['img']
    assert out.shape == gray.shape and (out == 7).all()


def test_constant_fill_instead_of_the_mean():
    img = noise_image(16, 16)
    out = HideAndSeek(8, 1.0, fill=0)(dict(img=img))['img']
    assert (out == 0).all()
    out = HideAndSeek(8, 1.0, fill=(1, 2, 3))(dict(img=img))['img']
    assert (out == np.array([1, 2, 3], np.uint8)).all()


@pytest.mark.parametrize('hide_prob', [0.5, 0.2])
def test_hides_about_hide_prob_of_the_cells(hide_prob):
    img = noise_image(64, 64)
    t = HideAndSeek(grid_sizes=16, hide_prob=hide_prob, mean=MEAN, rng=11)
    draws = 400  # 400 images x 16 cells
    hidden_cells = 0
    for _ in range(draws):
        mask = hidden_mask(img, t(dict(img=img))['img'])
        hidden_cells += int(mask[::16, ::16].sum())
    n = draws * 16
    frac = hidden_cells / n
    sigma = np.sqrt(hide_prob * (1 - hide_prob) / n)
    assert abs(frac - hide_prob) < 5 * sigma, (frac, hide_prob)


def test_hide_prob_zero_and_one():
    img = noise_image(24, 24)
    out = HideAndSeek(8, 0.0, mean=MEAN)(dict(img=img))['img']
    np.testing.assert_array_equal(out, img)
    out = HideAndSeek(8, 1.0, mean=MEAN)(dict(img=img))['img']
    assert hidden_mask(img, out).all()


def test_draws_one_grid_size_per_image():
    img = noise_image(48, 48)
    t = HideAndSeek(grid_sizes=(8, 16, 0), hide_prob=0.5, mean=MEAN, rng=5)
    counts = {0: 0, 8: 0, 16: 0}
    for _ in range(300):
        mask = hidden_mask(img, t(dict(img=img))['img'])
        if not mask.any():
            counts[0] += 1  # size 0 (or, rarely, nothing drawn hidden)
        elif is_cell_union(mask, 16):
            counts[16] += 1  # an 8-px draw aligns with 16 px w.p. 8**-9
        else:
            assert is_cell_union(mask, 8)
            counts[8] += 1
    # about 100 each (binomial sd ~ 8)
    for size, count in counts.items():
        assert 60 < count < 140, counts


def test_boxes_masks_and_other_keys_untouched():
    img = noise_image(32, 32)
    boxes = np.array([[1.5, 2.0, 30.0, 31.0], [0, 0, 4, 4]], np.float32)
    seg = np.random.default_rng(1).integers(0, 2, (32, 32)).astype(np.uint8)
    seg[0, 0] = 255
    results = dict(
        img=img,
        gt_bboxes=boxes,
        ori_gt_bboxes=boxes.copy(),
        gt_seg_map=seg,
        gt_label=2,
        img_shape=(32, 32),
        ori_shape=(64, 64))
    copies = {
        k: (v.copy() if isinstance(v, np.ndarray) else v)
        for k, v in results.items()
    }
    out = HideAndSeek(8, 1.0, mean=MEAN)(dict(results))
    assert set(out) == set(copies)
    for key in ('gt_bboxes', 'ori_gt_bboxes', 'gt_seg_map'):
        assert out[key] is results[key]
        np.testing.assert_array_equal(out[key], copies[key])
    assert out['gt_label'] == 2
    assert out['img_shape'] == (32, 32) and out['ori_shape'] == (64, 64)
    # the input image itself is not modified in place
    np.testing.assert_array_equal(img, copies['img'])
    assert hidden_mask(img, out['img']).all()


def test_deterministic_under_a_seed():
    from mmengine.runner import set_random_seed
    img = noise_image(48, 48)
    t = HideAndSeek(grid_sizes=(8, 16), hide_prob=0.5, mean=MEAN)

    def run():
        return [t(dict(img=img))['img'] for _ in range(5)]

    set_random_seed(123)  # what mmengine's `randomness.seed` does
    first = run()
    set_random_seed(123)
    again = run()
    set_random_seed(124)
    other = run()
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other))
    # a private seeded generator: two instances give the same draws, and
    # numpy's global state is neither used nor consumed
    state = np.random.get_state()[1].copy()
    a = HideAndSeek((8, 16), 0.5, mean=MEAN, rng=7)
    b = HideAndSeek((8, 16), 0.5, mean=MEAN, rng=np.random.default_rng(7))
    for _ in range(5):
        np.testing.assert_array_equal(a(dict(img=img))['img'],
                                      b(dict(img=img))['img'])
    np.testing.assert_array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize('kwargs, match', [
    (dict(grid_sizes=8), "fill='mean' needs mean="),
    (dict(grid_sizes=(), mean=MEAN), 'grid_sizes'),
    (dict(grid_sizes=(8, -1), mean=MEAN), 'grid_sizes'),
    (dict(grid_sizes=8.0, mean=MEAN), 'grid_sizes'),
    (dict(grid_sizes=8, hide_prob=1.5, mean=MEAN), 'hide_prob'),
    (dict(grid_sizes=8, fill='zero'), 'fill'),
    (dict(grid_sizes=8, mean=[[1, 2, 3]]), 'mean'),
    (dict(grid_sizes=8, mean=[float('nan')] * 3), 'mean'),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        HideAndSeek(**kwargs)
    with pytest.raises(TypeError, match='rng'):
        HideAndSeek(8, mean=MEAN, rng='seed')


def test_channel_mismatch_names_the_sample():
    t = HideAndSeek(8, mean=(1.0, 2.0))
    with pytest.raises(ValueError, match=r'2 values.*3 channels.*a/b\.png'):
        t(dict(img=noise_image(16, 16), img_path='a/b.png'))
    with pytest.raises(ValueError, match=r'\(H, W\).*x\.jpg'):
        t(dict(img=None, img_path='x.jpg'))


def test_registered_in_mmwsol_transforms():
    t = TRANSFORMS.build(
        dict(type='HideAndSeek', grid_sizes=(8, ), mean=MEAN))
    assert isinstance(t, HideAndSeek) and t.grid_sizes == (8, )


def test_config_only_inserts_the_transform_into_the_train_pipeline():
    cfg = Config.fromfile(osp.join(REPO_ROOT, PROJECT_CFG))
    base = Config.fromfile(osp.join(REPO_ROOT, BASE_CFG))
    assert cfg.custom_imports == dict(
        imports=['projects.hide_and_seek.hide_and_seek'],
        allow_failed_imports=False)
    pipeline = cfg.train_dataloader.dataset.pipeline
    types = [step['type'] for step in pipeline]
    base_types = [s['type'] for s in base.train_dataloader.dataset.pipeline]
    # after the resize and the flip, before packing
    assert types == base_types[:-1] + ['HideAndSeek', base_types[-1]]
    assert types.index('HideAndSeek') > types.index('Resize')
    has = pipeline[types.index('HideAndSeek')]
    assert has['grid_sizes'] == (8, 16, 28)
    assert has['hide_prob'] == 0.5 and has['fill'] == 'mean'
    assert len(has['mean']) == 3
    # everything else is the CAM baseline's
    cfg_dict, base_dict = cfg.to_dict(), base.to_dict()
    cfg_dict['train_dataloader']['dataset']['pipeline'] = [
        s for s in pipeline if s['type'] != 'HideAndSeek'
    ]
    cfg_dict['train_pipeline'] = cfg_dict['train_dataloader']['dataset'][
        'pipeline']
    for key in ('custom_imports', 'hide_and_seek', 'synthetic_mean_bgr'):
        cfg_dict.pop(key)
    assert cfg_dict == base_dict
    for loader in ('val_dataloader', 'test_dataloader'):
        assert 'HideAndSeek' not in str(cfg[loader])


def test_config_dataset_hides_cells_with_the_mean(tmp_path):
    cfg = Config.fromfile(osp.join(REPO_ROOT, PROJECT_CFG))
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.generator.update(
        num_classes=3, image_size=48, train_per_class=2, test_per_class=1,
        train_fullsup_per_class=1)
    ds_cfg.cache_root = str(tmp_path / 'cache')
    # a fill colour no synthetic pixel has, so hidden pixels are found
    # exactly (the config's grey mean also occurs in the background)
    step = [s for s in ds_cfg.pipeline if s['type'] == 'HideAndSeek'][0]
    step['mean'] = [1, 254, 3]
    dataset = DATASETS.build(ds_cfg)
    assert len(dataset) == 6
    for i in range(len(dataset)):
        sample = dataset[i]
        # packed inputs: (3, 112, 112) uint8, still BGR (the data
        # preprocessor converts to RGB)
        img = sample['inputs'].numpy().transpose(1, 2, 0)
        assert img.shape == (112, 112, 3)
        hidden = np.all(img == np.array([1, 254, 3]), axis=-1)
        assert hidden.any()  # P(no hidden cell) <= 2**-16 per image
        assert any(is_cell_union(hidden, s) for s in (8, 16, 28))
        assert sample['data_samples'].gt_bboxes.shape[-1] == 4


def test_tools_train_runs_a_few_iterations_and_validates(
        tmp_path, tool_env, repo_root):
    cache = tmp_path / 'cache'
    opts = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts += [
            f'{loader}.dataset.generator.num_classes=3',
            f'{loader}.dataset.generator.image_size=48',
            f'{loader}.dataset.generator.train_per_class=8',
            f'{loader}.dataset.generator.test_per_class=2',
            f'{loader}.dataset.generator.train_fullsup_per_class=1',
            f'{loader}.dataset.cache_root={cache}',
            f'{loader}.batch_size=8',
            f'{loader}.num_workers=0',
            f'{loader}.persistent_workers=False',
        ]
    opts += [
        'train_cfg.max_epochs=1', 'param_scheduler.end=1',
        'default_hooks.logger.interval=1'
    ]
    work_dir = tmp_path / 'work'
    # as a user runs it: no PYTHONPATH, from another directory; the tool
    # puts the repository root on sys.path so `projects.*` imports
    env = {k: v for k, v in tool_env.items() if k != 'PYTHONPATH'}
    proc = subprocess.run(
        [sys.executable, osp.join(repo_root, 'tools/train.py'),
         osp.join(repo_root, PROJECT_CFG), '--work-dir',
         str(work_dir), '--cfg-options'] + opts,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-6000:]
    # 3 classes x 8 images / batch 8 = 3 iterations, finite losses
    losses = re.findall(r'Epoch\(train\) \[1\]\[(\d)/3\].*loss: ([\d.]+)',
                        log)
    assert [it for it, _ in losses] == ['1', '2', '3'], log[-3000:]
    assert all(np.isfinite(float(v)) for _, v in losses)
    assert (work_dir / 'epoch_1.pth').is_file()
    # the last epoch is validated with the base config's metric
    val = [line for line in log.splitlines() if 'Epoch(val) [1][1/1]' in line]
    assert val and all(key in val[-1]
                       for key in ('wsol/Top-1_Cls', 'wsol/GT-known_Loc',
                                   'wsol/MaxBoxAccV2')), log[-3000:]
    dumped = Config.fromfile(
        str(work_dir / osp.basename(PROJECT_CFG)),
        import_custom_modules=False)
    assert 'HideAndSeek' in str(dumped.train_dataloader.dataset.pipeline)
