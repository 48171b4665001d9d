"""LocalizationInferencer (mmpretrain's BaseInferencer way): model by config
and by name (a model index written here), batches of paths and arrays,
predictions in the original frame (checked on a hand-made score map),
pred_out_dir files, pictures, and the message of each bad input."""
import importlib.util
import json
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from localizer_fixtures import (CLASSES, LOWCAM_CFG, REPO_ROOT,
                                make_localizer_files)

from mmwsol.apis import (InputError, LocalizationInferencer, ModelHub,
                         get_model, inference_localizer, list_models)
from mmwsol.apis import model as model_module
from mmwsol.visualization import DEFAULT_MIN_SIZE, PRED_COLOR, upscale_factor

# the top-level alias of configs/cam/cam_tiny_synthetic.py
CAM_CFG = osp.join(REPO_ROOT, 'configs/cam_tiny_synthetic.py')


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    files = make_localizer_files(
        tmp_path_factory.mktemp('inferencer'), CAM_CFG, LOWCAM_CFG, CLASSES,
        wide_name='sub/wide.png')
    files['broken'] = str(files['root'] / 'broken.png')
    with open(files['broken'], 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n not really a png')
    return files


@pytest.fixture(scope='module')
def cam(files):
    return LocalizationInferencer(CAM_CFG, files['cam'], device='cpu')


def _blob_maps(monkeypatch, model):
    """CAM maps (7 x 7 at the 112 px input) with ones on rows 2..3 and
    columns 1..4, zeros elsewhere; records the batch sizes."""
    batches = []

    def blob(feats, classes):
        batches.append(feats.shape[0])
        maps = feats.new_zeros(feats.shape[0], *feats.shape[-2:])
        maps[:, 2:4, 1:5] = 1.0
        return maps

    monkeypatch.setattr(model, 'class_activation_maps', blob)
    return batches


def test_batch_of_path_array_path_in_the_original_frame(
        files, cam, monkeypatch, tmp_path):
    batches = _blob_maps(monkeypatch, cam.model)
    array = mmcv.imread(files['image'])  # BGR, as the docstring asks
    results = cam([files['image'], array, files['wide']],
                  batch_size=2,
                  pred_out_dir=str(tmp_path / 'preds'),
                  save_score_map=True)
    # (obj, array) share the 112 x 112 input: one batch of 2, then 1
    assert batches == [2, 1]
    assert [r['img_path'] for r in results] == [files['image'], None,
                                                files['wide']]
    assert [r['ori_shape'] for r in results] == [(90, 150), (90, 150),
                                                 (100, 200)]
    # cover box of the hit cells at stride 16: x 16..80, y 32..64 in the
    # input, times 150 / 112 and 90 / 112 in the 150 x 90 original
    for res in results[:2]:
        np.testing.assert_allclose(
            res['pred_bbox'],
            [16 * 150 / 112, 32 * 90 / 112, 80 * 150 / 112, 64 * 90 / 112],
            rtol=1e-5)
    np.testing.assert_allclose(
        results[2]['pred_bbox'],
        [16 * 200 / 112, 32 * 100 / 112, 80 * 200 / 112, 64 * 100 / 112],
        rtol=1e-5)
    smap = results[0]['score_map']
    assert smap.shape == (90, 150) and smap.dtype == np.float32
    # original pixels whose centre maps between the blob's cell centres
    # (input x 24..72, y 40..56) are 1; below input y 100 all are 0
    np.testing.assert_allclose(smap[32:44, 32:95], 1.0, atol=1e-6)
    assert np.all(smap[81:] == 0) and np.all(smap[:, 140:] == 0)
    np.testing.assert_array_equal(results[1]['score_map'], smap)
    label = results[0]['pred_label']
    assert results[0]['pred_class'] == CLASSES[label]
    assert results[0]['pred_scores'].sum() == pytest.approx(1.0, abs=1e-5)

    # one JSON per image, named by the file stem or the array's index
    preds = tmp_path / 'preds'
    assert sorted(p.name for p in preds.iterdir()) == [
        '1.json', '1_score_map.npy', 'obj.json', 'obj_score_map.npy',
        'wide.json', 'wide_score_map.npy'
    ]
    record = json.loads((preds / 'obj.json').read_text())
    assert record == dict(
        img_path=files['image'],
        pred_label=label,
        pred_class=CLASSES[label],
        pred_score=pytest.approx(results[0]['pred_score']),
        pred_bbox=pytest.approx(results[0]['pred_bbox'].tolist()),
        height=90,
        width=150,
        score_map='obj_score_map.npy')
    assert json.loads((preds / '1.json').read_text())['img_path'] is None
    wide = json.loads((preds / 'wide.json').read_text())
    assert (wide['height'], wide['width']) == (100, 200)
    np.testing.assert_array_equal(
        np.load(preds / 'wide_score_map.npy'), results[2]['score_map'])


def test_same_results_as_inference_localizer(files, cam, tmp_path):
    samples = cam([files['image'], files['wide']], return_datasamples=True)
    shapes = [tuple(s.score_map.shape) for s in samples]
    assert shapes == [(90, 150), (100, 200)]
    assert [s.sample_idx for s in samples] == [0, 1]
    legacy = inference_localizer(cam.model, [files['image'], files['wide']])
    for sample, res in zip(samples, legacy):
        np.testing.assert_array_equal(sample.pred_bboxes[0].numpy(),
                                      res['pred_bbox'])
        np.testing.assert_array_equal(sample.score_map.numpy(),
                                      res['score_map'])
    # a single input gives a dict, a folder its images in order
    assert isinstance(inference_localizer(cam.model, files['image']), dict)
    # a folder: its images, recursively, sorted
    by_folder = cam(str(files['root'] / 'images'))
    assert [r['img_path']
            for r in by_folder] == [files['image'], files['wide']]
    # in a list too, expanded in place
    mixed = cam([files['wide'], str(files['root'] / 'images')])
    assert [r['img_path'] for r in mixed] == [files['wide'], files['image'],
                                              files['wide']]
    (tmp_path / 'empty').mkdir()
    (tmp_path / 'empty/notes.txt').write_text('not an image')
    with pytest.raises(ValueError, match='no images .* in the folder'):
        cam([files['image'], str(tmp_path / 'empty')])
    np.testing.assert_array_equal(by_folder[1]['score_map'],
                                  legacy[1]['score_map'])


def test_show_dir_pictures(files, cam, tmp_path, monkeypatch):
    _blob_maps(monkeypatch, cam.model)
    array = mmcv.imread(files['wide'])
    cam([files['image'], array], show_dir=str(tmp_path / 'vis'))
    assert sorted(p.name for p in (tmp_path / 'vis').iterdir()) == [
        '1.png', 'obj.png'
    ]
    picture = mmcv.imread(str(tmp_path / 'vis/obj.png'), channel_order='rgb')
    # the 90 x 150 image, upscaled by an integer factor to be legible, over
    # a caption band
    k = upscale_factor(90, 150, DEFAULT_MIN_SIZE)
    assert picture.shape[1] == 150 * k and picture.shape[0] > 90 * k
    # the predicted box (the blob's, as above) in PRED_COLOR: its top edge
    # at y = 25.7 * k between x = 21.4 * k and 107.1 * k
    x0, y0, x1 = (int(v * k) for v in (16 * 150 / 112, 32 * 90 / 112,
                                       80 * 150 / 112))
    band = picture[y0 - 3:y0 + 4, x0 + 8:x1 - 8].astype(int)
    is_pred = (np.abs(band - np.array(PRED_COLOR)).max(axis=2) < 40)
    assert is_pred.any(axis=0).mean() > 0.9
    # not where there is no box: the middle of the blob
    middle = picture[y0 + 20:y0 + 40, x0 + 40:x0 + 80].astype(int)
    assert not (np.abs(middle - np.array(PRED_COLOR)).max(axis=2) < 40).any()
    wide = mmcv.imread(str(tmp_path / 'vis/1.png'))
    k = upscale_factor(100, 200, DEFAULT_MIN_SIZE)
    assert wide.shape[1] == 200 * k and wide.shape[0] > 100 * k
    # min_size=0: drawn at the image size
    cam(files['image'], show_dir=str(tmp_path / 'small'), min_size=0)
    assert mmcv.imread(str(tmp_path / 'small/obj.png')).shape[1] == 150


def test_lowcam_by_config(files):
    inferencer = LocalizationInferencer(
        LOWCAM_CFG, files['lowcam'], device='cpu')
    assert list(inferencer.classes) == CLASSES
    res = inferencer(files['image'], normalize_map=True)[0]
    assert res['score_map'].shape == (90, 150)
    assert 0 <= res['score_map'].min() and res['score_map'].max() <= 1
    x0, y0, x1, y1 = res['pred_bbox']
    assert 0 <= x0 < x1 <= 150 and 0 <= y0 < y1 <= 90


def _write_index(root, weights):
    """A model index as A's layout: model-index.yml importing a metafile
    whose Config/Weights are relative to the index's folder."""
    (root / 'configs').mkdir(exist_ok=True)
    (root / 'model-index.yml').write_text(
        'Import:\n  - configs/metafile.yml\n')
    (root / 'configs/metafile.yml').write_text(f"""\
Collections:
  - Name: LowCAM
    Paper:
      Title: Online Refinement of Low-level Feature Based Activation Map
      URL: https://arxiv.org/abs/2110.05741
Models:
  - Name: cam_tiny_synthetic
    In Collection: LowCAM
    Config: {CAM_CFG}
    Weights: {osp.relpath(weights, root)}
  - Name: lowcam_tiny_synthetic
    In Collection: LowCAM
    Config: {osp.relpath(LOWCAM_CFG, root)}
""")
    return str(root / 'model-index.yml')


def test_model_by_name(files, tmp_path, monkeypatch):
    index = _write_index(tmp_path, files['cam'])
    assert list_models(model_index=index) == [
        'cam_tiny_synthetic', 'lowcam_tiny_synthetic'
    ]
    assert list_models('low', model_index=index) == ['lowcam_tiny_synthetic']
    # the index's weights by default (pretrained=True), relative path
    inferencer = LocalizationInferencer(
        'CAM_tiny_synthetic', device='cpu', model_index=index)
    saved = torch.load(files['cam'])['state_dict']
    for name, value in inferencer.model.state_dict().items():
        assert torch.equal(value, saved[name]), name
    assert inferencer.model._metainfo.name == 'cam_tiny_synthetic'
    with pytest.warns(UserWarning, match='no pre-defined weights'):
        model = get_model('lowcam_tiny_synthetic', True, model_index=index)
    assert model.cfg.model.type == 'LowCAM'
    with pytest.raises(ValueError, match="unknown model name 'resnet50'.*"
                       'cam_tiny_synthetic, lowcam_tiny_synthetic'):
        get_model('resnet50', model_index=index)
    # the default index location, injected
    monkeypatch.setattr(model_module, 'MODEL_INDEX_CANDIDATES',
                        (str(tmp_path / 'nowhere.yml'), index))
    monkeypatch.setattr(ModelHub, '_default', {})
    assert LocalizationInferencer.list_models('cam') == ['cam_tiny_synthetic']
    monkeypatch.setattr(model_module, 'MODEL_INDEX_CANDIDATES',
                        (str(tmp_path / 'nowhere.yml'), ))
    assert list_models() == []
    with pytest.raises(FileNotFoundError, match='no model index'):
        get_model('cam_tiny_synthetic')


def test_bad_inputs_name_the_image(files, cam):
    good = files['image']
    cases = [
        (3, TypeError, r'image 1: expected an image file path .* got int'),
        (b'\x89PNG', TypeError, r'image 1: .*got bytes .*mmcv.imfrombytes'),
        (np.zeros((0, 0), np.uint8), ValueError,
         r'image 1: the array is empty \(shape \(0, 0\)\)'),
        (np.zeros((8, 8, 2), np.uint8), ValueError,
         r'image 1: an array must be H x W x 3 \(BGR.*shape \(8, 8, 2\)'),
        (np.zeros((8, 8, 4), np.uint8), ValueError,
         r'image 1: .*drop the alpha channel'),
        (np.zeros((8, 8, 3), np.float64), ValueError,
         r'image 1: .*uint8 or float32; got .*float64'),
        (str(files['root'] / 'missing.png'), FileNotFoundError,
         r'image 1: file not found: .*missing.png'),
        (files['broken'], ValueError,
         r'image 1: .*broken.png: cannot read the image \(corrupt or not '
         r'an image'),
    ]
    for bad, error, message in cases:
        with pytest.raises(error, match=message):
            cam([good, bad])
    with pytest.raises(ValueError, match='batch_size must be >= 1'):
        cam(good, batch_size=0)
    with pytest.raises(ValueError, match='unknown argument'):
        cam(good, out_dir='x')


def test_on_error_skip_predicts_the_readable_inputs(files, cam, tmp_path):
    """``on_error='skip'``: the readable inputs are predicted, drawn and
    written as without the bad ones; each bad one is an InputError in its
    place, with the file and what is wrong."""
    missing = str(files['root'] / 'missing.png')
    inputs = [files['image'], files['broken'], missing,
              np.zeros((8, 8, 2), np.uint8), files['wide']]
    show_dir, pred_dir = tmp_path / 'pics', tmp_path / 'preds'
    results = cam(inputs, batch_size=2, on_error='skip',
                  show_dir=str(show_dir), pred_out_dir=str(pred_dir))
    assert len(results) == 5
    alone = cam([files['image'], files['wide']])
    for got, want in zip([results[0], results[4]], alone):
        assert got['img_path'] == want['img_path']
        # (batched differently: float rounding)
        np.testing.assert_allclose(got['pred_bbox'], want['pred_bbox'],
                                   rtol=1e-5)
        np.testing.assert_allclose(got['score_map'], want['score_map'],
                                   rtol=1e-4, atol=1e-7)
    broken, gone, array = results[1:4]
    assert all(isinstance(r, InputError) for r in (broken, gone, array))
    assert (broken.index, broken.img_path) == (1, files['broken'])
    assert broken.reason.startswith(
        'cannot read the image (corrupt or not an image')
    assert str(broken) == f'{files["broken"]}: {broken.reason}'
    assert str(gone) == f'{missing}: file not found'
    assert array.img_path is None and str(array).startswith(
        'image 3: an array must be H x W x 3')
    # pictures and JSON of the readable images only
    assert sorted(p.name for p in show_dir.iterdir()) == ['obj.png',
                                                          'wide.png']
    assert sorted(p.name for p in pred_dir.iterdir()) == ['obj.json',
                                                          'wide.json']
    # the default still raises, before any result
    with pytest.raises(ValueError, match='broken.png: cannot read'):
        cam(inputs)
    with pytest.raises(ValueError, match="on_error must be one of"):
        cam(inputs, on_error='ignore')


def test_bad_checkpoints(files, tmp_path):
    data = open(files['cam'], 'rb').read()
    half = tmp_path / 'half.pth'
    half.write_bytes(data[:len(data) // 2])
    with pytest.raises(RuntimeError,
                       match=r'half.pth cannot be read, it is corrupt or '
                       'truncated'):
        LocalizationInferencer(CAM_CFG, str(half), device='cpu')
    # the LowCAM checkpoint does not fit the CAM model
    with pytest.raises(RuntimeError, match='lowcam.pth does not fit'):
        LocalizationInferencer(CAM_CFG, files['lowcam'], device='cpu')
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        LocalizationInferencer(CAM_CFG, str(tmp_path / 'nope.pth'))
    with pytest.raises(ValueError, match='init_localizer'):
        LocalizationInferencer(torch.nn.Linear(2, 2))
    with pytest.raises(TypeError, match='got int'):
        LocalizationInferencer(7)


def test_demo_by_model_name(files, tmp_path, monkeypatch, capsys):
    """demo/image_demo.py IMAGE NAME: the index's weights, no checkpoint
    argument."""
    index = _write_index(tmp_path, files['cam'])
    monkeypatch.setattr(model_module, 'MODEL_INDEX_CANDIDATES', (index, ))
    monkeypatch.setattr(ModelHub, '_default', {})
    spec = importlib.util.spec_from_file_location(
        'image_demo', osp.join(REPO_ROOT, 'demo/image_demo.py'))
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    result = demo.main([
        files['image'], 'cam_tiny_synthetic', '--device', 'cpu',
        '--out-file', str(tmp_path / 'demo.png')
    ])
    expected = LocalizationInferencer(
        CAM_CFG, files['cam'], device='cpu')(files['image'])[0]
    np.testing.assert_array_equal(result['pred_bbox'], expected['pred_bbox'])
    printed = capsys.readouterr().out
    assert f'class: {expected["pred_label"]} ({expected["pred_class"]})' \
        in printed
    assert mmcv.imread(str(tmp_path / 'demo.png')) is not None
