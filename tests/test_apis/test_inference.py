"""init_localizer / inference_localizer on the tiny CAM and LowCAM configs
(freshly initialised weights saved as checkpoints), the demo script and
tools/visualization/vis_localization.py."""
import importlib.util
import os.path as osp
import subprocess
import sys

import mmcv
import numpy as np
import pytest
import torch
from localizer_fixtures import (CAM_CFG, CLASSES, LOWCAM_CFG, REPO_ROOT,
                                make_localizer_files)
from mmengine.dataset import pseudo_collate

from mmwsol.apis import (draw_localization_result, inference_localizer,
                         init_localizer)
from mmwsol.visualization import GT_COLOR


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    return make_localizer_files(
        tmp_path_factory.mktemp('inference'), CAM_CFG, LOWCAM_CFG, CLASSES)


@pytest.fixture(scope='module')
def cam(files):
    return init_localizer(CAM_CFG, files['cam'])


def test_init_localizer(files, cam):
    saved = torch.load(files['cam'], map_location='cpu')['state_dict']
    for name, value in cam.state_dict().items():
        assert torch.equal(value, saved[name]), name
    assert not cam.training
    assert cam.cfg.model.type == 'CAM'
    assert list(cam.dataset_meta['classes']) == CLASSES
    # a plain state dict, no meta: no class names
    plain = files['root'] / 'plain.pth'
    torch.save(saved, plain)
    assert init_localizer(CAM_CFG, str(plain)).dataset_meta == {}


def test_file_result_in_original_frame(files, cam):
    result = inference_localizer(cam, files['image'])
    assert result['score_map'].shape == (90, 150)
    assert result['score_map'].dtype == np.float32
    assert result['ori_shape'] == (90, 150)
    x0, y0, x1, y1 = result['pred_bbox']
    assert 0 <= x0 < x1 <= 150 and 0 <= y0 < y1 <= 90
    label = result['pred_label']
    assert result['pred_class'] == CLASSES[label]
    assert result['pred_score'] == pytest.approx(
        float(result['pred_scores'][label]))
    assert result['pred_scores'].sum() == pytest.approx(1.0, abs=1e-5)
    assert result['img_path'] == files['image']

    # independent route: resize to the config's 112 x 112 by hand, predict,
    # scale the box by 150 / 112 and 90 / 112
    img = mmcv.imread(files['image'])
    small = mmcv.imresize(img, (112, 112))
    data = cam.data_preprocessor(
        pseudo_collate([
            dict(inputs=torch.from_numpy(small.transpose(2, 0, 1).copy()))
        ]), False)
    with torch.no_grad():
        sample = cam(**data, mode='predict')[0]
    box = sample.pred_bboxes[0].numpy() * np.array(
        [150 / 112, 90 / 112, 150 / 112, 90 / 112])
    np.testing.assert_allclose(result['pred_bbox'], box, atol=1e-3)
    assert int(sample.pred_label) == label
    ref = torch.nn.functional.interpolate(
        sample.score_map[None, None], size=(90, 150), mode='bilinear',
        align_corners=False)[0, 0].numpy()
    np.testing.assert_allclose(result['score_map'], ref, rtol=1e-5,
                               atol=1e-5)


def test_arrays_lists_and_batches(files, cam):
    by_file = inference_localizer(cam, files['image'])
    array = mmcv.imread(files['image'])  # BGR
    results = inference_localizer(
        cam, [array, files['image'], files['wide']], batch_size=2)
    assert isinstance(results, list) and len(results) == 3
    assert results[0]['img_path'] is None
    for res in results[:2]:
        np.testing.assert_allclose(res['pred_bbox'], by_file['pred_bbox'],
                                   atol=1e-4)
        np.testing.assert_allclose(res['score_map'], by_file['score_map'],
                                   atol=1e-5)
    single = inference_localizer(cam, files['wide'])
    np.testing.assert_allclose(results[2]['score_map'], single['score_map'],
                               atol=1e-5)
    assert results[2]['score_map'].shape == (100, 200)
    # min-max normalising the native map before the (convex) bilinear
    # sampling: an increasing affine function of the raw map, in [0, 1]
    norm = inference_localizer(cam, array, normalize_map=True)['score_map']
    raw = by_file['score_map']
    assert 0 <= norm.min() and norm.max() <= 1
    slope, offset = np.polyfit(raw.ravel(), norm.ravel(), 1)
    assert slope > 0
    np.testing.assert_allclose(norm, slope * raw + offset, atol=1e-4)


def test_centre_crop_pipeline_inverted(files):
    """100 x 200 image, Resize to 128 x 64, CenterCrop 48: the crop covers
    original x 62.5..137.5, y 12.5..87.5 (see test_original_frame.py)."""
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadWSOLAnnotations'),
        dict(type='Resize', scale=(128, 64)),
        dict(type='CenterCrop', crop_size=48),
        dict(type='PackWSOLInputs'),
    ]
    model = init_localizer(
        CAM_CFG, files['cam'],
        cfg_options={'test_dataloader.dataset.pipeline': pipeline})
    result = inference_localizer(model, files['wide'], normalize_map=True)
    smap = result['score_map']
    assert smap.shape == (100, 200)
    assert np.all(smap[:, :62] == 0) and np.all(smap[:, 137:] == 0)
    assert np.all(smap[:12] == 0) and np.all(smap[87:] == 0)
    # the normalised native map's maximum (1) is sampled bilinearly at the
    # original pixels, which need not hit the native pixel centre exactly
    assert 0.9 < smap[12:87, 62:137].max() <= 1.0
    x0, y0, x1, y1 = result['pred_bbox']
    assert 62.5 - 1e-3 <= x0 < x1 <= 137.5 + 1e-3
    assert 12.5 - 1e-3 <= y0 < y1 <= 87.5 + 1e-3


def test_lowcam(files):
    model = init_localizer(LOWCAM_CFG, files['lowcam'])
    result = inference_localizer(model, files['image'])
    assert result['score_map'].shape == (90, 150)
    # p^a is a sigmoid: in [0, 1] also after bilinear sampling
    assert 0 <= result['score_map'].min() <= result['score_map'].max() <= 1
    x0, y0, x1, y1 = result['pred_bbox']
    assert 0 <= x0 < x1 <= 150 and 0 <= y0 < y1 <= 90


def test_errors_name_the_input(files, cam, tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.py'):
        init_localizer(str(tmp_path / 'nope.py'))
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        init_localizer(CAM_CFG, str(tmp_path / 'nope.pth'))
    state = torch.load(files['cam'], map_location='cpu')['state_dict']
    state.pop('head.fc.weight')
    torch.save(state, tmp_path / 'partial.pth')
    with pytest.raises(RuntimeError, match='partial.pth'):
        init_localizer(CAM_CFG, str(tmp_path / 'partial.pth'))
    with pytest.raises(FileNotFoundError, match='image 1: .*missing.png'):
        inference_localizer(cam, [files['image'], 'missing.png'])
    with pytest.raises(ValueError, match='image 0: an array must be'):
        inference_localizer(cam, np.zeros((4, 5, 2), dtype=np.uint8))
    with pytest.raises(ValueError, match='init_localizer'):
        inference_localizer(torch.nn.Linear(2, 2), files['image'])


def test_draw_result_png_carries_the_box(files, cam, tmp_path):
    result = inference_localizer(cam, files['image'])
    result['pred_bbox'] = np.array([20., 10., 120., 80.], dtype=np.float32)
    out = tmp_path / 'drawn.png'
    drawn = draw_localization_result(
        files['image'], result, classes=CLASSES, out_file=str(out),
        draw_map=False, line_width=2, draw_caption=False, min_size=0,
        gt_bboxes=np.array([[5., 30., 50., 85.]]))
    png = mmcv.imread(str(out), channel_order='rgb')
    assert png.shape == (90, 150, 3) and np.array_equal(png, drawn)
    # right edge x = 120, rows 30..70: magenta inside the box (117, 118)
    assert np.all(png[30:70, 117:119] == (255, 0, 255))
    # the GT box's left edge x = 5, rows 40..80: green at 6, 7
    assert np.all(png[40:80, 6:8] == (0, 255, 0))
    # away from the box the image is unchanged (RGB of the BGR file)
    rgb = mmcv.imread(files['image'], channel_order='rgb')
    assert np.array_equal(png[40:60, 60:100], rgb[40:60, 60:100])


def test_demo_script(files, tmp_path, tool_env):
    out = tmp_path / 'vis.png'
    proc = subprocess.run([
        sys.executable, 'demo/image_demo.py', files['image'], CAM_CFG,
        files['cam'], '--device', 'cpu', '--out-file',
        str(out)
    ], cwd=REPO_ROOT, env=tool_env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'class: ' in proc.stdout and '(class_' in proc.stdout
    assert 'box (x0, y0, x1, y1): ' in proc.stdout
    # 90 x 150 upscaled x4 (short side >= 320), caption band below
    picture = mmcv.imread(str(out))
    assert picture.shape[1] == 600 and picture.shape[0] > 360


def _vis_tool():
    path = osp.join(REPO_ROOT, 'tools/visualization/vis_localization.py')
    spec = importlib.util.spec_from_file_location('vis_localization', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vis_tool_compare_side_by_side(files, tmp_path, capsys):
    tool = _vis_tool()
    out_dir = tmp_path / 'vis'
    tool.main([
        CAM_CFG, files['cam'],
        str(files['root'] / 'images'), '--out-dir',
        str(out_dir), '--compare', LOWCAM_CFG, files['lowcam']
    ])
    printed = capsys.readouterr().out
    assert 'CAM: ' in printed and 'LowCAM: ' in printed
    pics = {
        name: mmcv.imread(str(out_dir / name))
        for name in ('obj.png', 'wide.png')
    }
    # two panels of the upscaled width (x4: short side 90 -> 360 >= 320)
    # with an 8 px gap, under a header
    assert pics['obj.png'].shape[1] == 600 * 2 + 8
    assert pics['obj.png'].shape[0] > 360
    assert pics['wide.png'].shape[1] == 800 * 2 + 8
    # single model at the image's size: the plain picture and its caption
    tool.main([CAM_CFG, files['cam'], files['image'], '--out-dir',
               str(tmp_path / 'single'), '--min-size', '0'])
    single = mmcv.imread(str(tmp_path / 'single/obj.png'))
    assert single.shape[1] == 150 and single.shape[0] > 90
    with pytest.raises(SystemExit, match='2 labels'):
        tool.main([
            CAM_CFG, files['cam'], files['image'], '--out-dir',
            str(out_dir), '--compare', LOWCAM_CFG, files['lowcam'],
            '--labels', 'only-one'
        ])


# --gt and --grid: the GT boxes of the config's test set (green) next to
# the prediction, on a tiny generated benchmark
TINY_TEST_SET = '''
_base_ = [{base!r}]
test_dataloader = dict(dataset=dict(
    generator=dict(num_classes=3, image_size=48, train_per_class=2,
                   test_per_class=2, train_fullsup_per_class=1, seed=1),
    cache_root={cache!r}))
'''


def test_vis_tool_gt_boxes_of_the_test_set_and_one_grid(files, tmp_path,
                                                        capsys):
    config = tmp_path / 'cam_tiny_test_set.py'
    config.write_text(
        TINY_TEST_SET.format(base=CAM_CFG, cache=str(tmp_path / 'cache')))
    checkpoint = files['cam']
    tool = _vis_tool()
    from mmengine.config import Config
    annotations = tool.test_set_annotations(Config.fromfile(str(config)))
    assert len(annotations) == 6  # 3 classes x 2 test images
    paths = sorted(annotations)[:2]
    out_dir, grid = tmp_path / 'vis', tmp_path / 'grid.png'
    tool.main([
        str(config), checkpoint, *paths, '--gt', '--compare',
        str(config), checkpoint, '--labels', 'A', 'B', '--grid',
        str(grid), '--grid-columns', '2', '--out-dir',
        str(out_dir)
    ])
    assert 'A: ' in capsys.readouterr().out
    for path in paths:
        picture = mmcv.imread(
            str(out_dir / osp.basename(path)), channel_order='rgb')
        # two 48 px panels upscaled x7 = 336 px, 8 px apart
        assert picture.shape[1] == 2 * 336 + 8
        # the header (white, text from x = 4) ends where column 0 does not
        header = np.where((picture[:, 0] != 255).any(-1))[0][0]
        # the GT box's left edge: green 1 px inside x0 * 7, in both panels
        # (but where a predicted box's edge crosses it, drawn on top)
        box = annotations[osp.realpath(path)][0][0]
        x0, y0, y1 = int(box[0] * 7), int(box[1] * 7), int(box[3] * 7)
        rows = slice(header + y0 + 8, header + y1 - 8)
        for left in (0, 336 + 8):
            column = picture[rows, left + x0 + 1]
            assert (column == GT_COLOR).all(-1).mean() > 0.8, (path, box)
    # the grid: both images' rows of two panels, one PNG
    assert mmcv.imread(str(grid)).shape[1] == 2 * 336 + 8
    assert mmcv.imread(str(grid)).shape[0] > 2 * 336
