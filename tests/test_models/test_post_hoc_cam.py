"""PostHocCAM: Grad-CAM and Eigen-CAM against maps worked out by hand on a
classifier whose gradients are known, the six methods on the tiny ResNet,
checkpoint keys, the GT/top-1 class, gradients under ``torch.no_grad``, the
lazy optional import, the configuration checks, and a CAM checkpoint of
the tiny config scored through tools/test.py."""
import os.path as osp
import pickle
import re
import subprocess
import sys

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.runner.checkpoint import load_checkpoint
from mmpretrain.structures import DataSample

from mmwsol.models.localizers.post_hoc_cam import (POST_HOC_METHODS,
                                                   import_grad_cam)
from mmwsol.registry import MODELS
from mmwsol.utils import register_all_modules

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(__file__)), 'test_tools'))
from test_lowcam_tiny_e2e import data_options, run  # noqa: E402

register_all_modules()

TINY_CAM = 'configs/cam/cam_tiny_synthetic.py'
POST_HOC_TINY = 'configs/post_hoc_cam/post_hoc_cam_tiny_synthetic.py'


@MODELS.register_module(force=True)
class IdentityBackboneForTest(nn.Module):
    """``A = x``: the input is the feature map (``body`` is the layer the
    CAMs explain)."""

    def __init__(self):
        super().__init__()
        self.body = nn.Identity()

    def forward(self, x):
        return (self.body(x), )


def hand_model(method, **kwargs):
    """Identity backbone, GAP, fc with weights ``w`` (2 classes x 2
    channels) and zero bias: ``y_c = sum_k w_ck mean(A_k)``."""
    model = MODELS.build(
        dict(type='PostHocCAM',
             classifier=dict(
                 type='ImageClassifier',
                 backbone=dict(type='IdentityBackboneForTest'),
                 neck=dict(type='GlobalAveragePooling'),
                 head=dict(type='LinearClsHead', num_classes=2,
                           in_channels=2)),
             method=method,
             target_layers=['backbone.body'],
             **kwargs))
    with torch.no_grad():
        model.head.fc.weight.copy_(torch.tensor([[2., -2.], [-2., 1.]]))
        model.head.fc.bias.zero_()
    return model.eval()


# A (1 x 2 x 2 x 2): A_0 = [[1, 2], [3, 4]], A_1 = [[4, 0], [0, 0]]
A = torch.tensor([[[[1., 2.], [3., 4.]], [[4., 0.], [0., 0.]]]])


def test_grad_cam_by_hand_gt_class_and_top1_fallback():
    """mean(A_0) = 2.5, mean(A_1) = 1: y_0 = 2*2.5 - 2*1 = 3,
    y_1 = -2*2.5 + 1 = -4, so the top-1 class is 0.
    dy_c/dA_kij = w_ck / (h w) = w_ck / 4 everywhere, so
    alpha_k^c = mean_ij dy_c/dA_kij = w_ck / 4.
    Class 0: alpha = (1/2, -1/2); sum_k alpha_k A_k = (A_0 - A_1) / 2
    = [[-1.5, 1], [1.5, 2]]; ReLU -> [[0, 1], [1.5, 2]]; the package
    min-max normalises (min 0, max 2) -> [[0, .5], [.75, 1]].
    Class 1: alpha = (-1/2, 1/4); -A_0/2 + A_1/4 = [[.5, -1], [-1.5, -2]];
    ReLU -> [[.5, 0], [0, 0]] -> normalised [[1, 0], [0, 0]]."""
    model = hand_model('gradcam')
    x = A.repeat(3, 1, 1, 1)
    samples = [DataSample().set_gt_label(1), DataSample(),
               DataSample().set_gt_label(0)]
    with torch.no_grad():  # as mmengine's test loop
        out = model.predict(x, samples)
    class0 = torch.tensor([[0., .5], [.75, 1.]])
    class1 = torch.tensor([[1., 0.], [0., 0.]])
    for sample, want in zip(out, (class1, class0, class0)):
        assert sample.score_map.shape == (2, 2)
        assert torch.allclose(sample.score_map, want, atol=1e-6)
        assert sample.pred_label.item() == 0
        # softmax of (3, -4): p_0 = 1 / (1 + e^-7)
        p0 = 1 / (1 + torch.exp(torch.tensor(-7.)))
        assert torch.allclose(sample.pred_score,
                              torch.stack([p0, 1 - p0]), atol=1e-6)
        assert sample.pred_bboxes.shape == (1, 4)
    # the box of the cells above 0.5 of class 1's map: cell (0, 0), in
    # input pixels (the map is at the input's size here) [0, 0, 1, 1]
    assert out[0].pred_bboxes.tolist() == [[0., 0., 1., 1.]]
    # class 0: row 1 (.75, 1; the .5 is not above) -> [0, 1, 2, 2]
    assert out[1].pred_bboxes.tolist() == [[0., 1., 2., 2.]]
    # cam_class='pred' ignores the GT: every map is class 0's
    model = hand_model('gradcam', cam_class='pred')
    with torch.no_grad():
        out = model.predict(x, samples)
    for sample in out:
        assert torch.allclose(sample.score_map, class0, atol=1e-6)


def test_eigen_cam_by_hand_rank_one():
    """Rank-1 features A_kij = v_k s_ij, v = (1, 2), s = [[0, 0], [0, 4]].
    As hw x K rows: X = s_flat v^T; centred over the 4 positions,
    X - mean = (s - 1)_flat v^T with (s - 1) = [[-1, -1], [-1, 3]], whose
    first right singular vector is +-v / |v|; the projection is
    +-(s - 1) * |v| = +-sqrt(5) [[-1, -1], [-1, 3]].
    +: ReLU -> [[0, 0], [0, 3 sqrt 5]] -> normalised [[0, 0], [0, 1]];
    -: ReLU -> sqrt 5 [[1, 1], [1, 0]] -> [[1, 1], [1, 0]] (SVD's sign is
    arbitrary and the package keeps it). Class-agnostic: both classes'
    maps are the same."""
    model = hand_model('eigencam')
    s = torch.tensor([[0., 0.], [0., 4.]])
    x = torch.stack([1 * s, 2 * s])[None].repeat(2, 1, 1, 1)
    samples = [DataSample().set_gt_label(0), DataSample().set_gt_label(1)]
    with torch.no_grad():
        out = model.predict(x, samples)
    plus = torch.tensor([[0., 0.], [0., 1.]])
    minus = torch.tensor([[1., 1.], [1., 0.]])
    got = out[0].score_map
    assert (torch.allclose(got, plus, atol=1e-5)
            or torch.allclose(got, minus, atol=1e-5)), got
    assert torch.equal(out[1].score_map, got)


def tiny_cam_classifier():
    return Config.fromfile(TINY_CAM).model


def build_tiny(method, **kwargs):
    torch.manual_seed(0)
    model = MODELS.build(
        dict(type='PostHocCAM', classifier=tiny_cam_classifier(),
             method=method, target_layers=['backbone.layer4'], **kwargs))
    model.init_weights()
    return model.eval()


@pytest.mark.parametrize('method', sorted(POST_HOC_METHODS))
def test_each_method_on_the_tiny_resnet(method, capfd):
    """The tiny ResNet at 112 px: layer4 is 128 x 7 x 7. Every method gives
    a finite 7 x 7 map in [0, 1] per sample, leaves the parameters'
    gradients and flags as they were, and prints no progress bar (Score-CAM
    draws a tqdm bar per image)."""
    model = build_tiny(method, score_cam_batch_size=32)
    sentinel = torch.full_like(model.head.fc.weight, 3.)
    model.head.fc.weight.grad = sentinel
    x = torch.randn(2, 3, 112, 112)
    samples = [DataSample().set_gt_label(3), DataSample().set_gt_label(7)]
    with torch.no_grad():
        out = model.predict(x, samples)
        logits = model(x, mode='tensor')
    for i, sample in enumerate(out):
        assert sample.score_map.shape == (7, 7)
        assert sample.score_map.dtype == torch.float32
        assert torch.isfinite(sample.score_map).all()
        assert 0 <= sample.score_map.min() <= sample.score_map.max() <= 1
        assert torch.allclose(sample.pred_score,
                              torch.softmax(logits[i], 0), atol=1e-6)
        assert sample.pred_bboxes.shape == (1, 4)
    assert model.head.fc.weight.grad is sentinel
    assert all(p.requires_grad for p in model.parameters())
    assert not model.training
    assert '%|' not in capfd.readouterr().err


def test_several_target_layers_on_the_first_layers_grid():
    """layer2 is 14 x 14 and layer4 7 x 7 at 112 px: the maps are averaged
    on the first target layer's grid, 14 x 14."""
    torch.manual_seed(0)
    model = MODELS.build(
        dict(type='PostHocCAM', classifier=tiny_cam_classifier(),
             target_layers=['backbone.layer2', 'backbone.layer4']))
    model.init_weights()
    with torch.no_grad():
        out = model.eval().predict(torch.randn(2, 3, 112, 112))
    assert [tuple(s.score_map.shape) for s in out] == [(14, 14)] * 2
    assert all(torch.isfinite(s.score_map).all() for s in out)


def test_classifier_checkpoint_keys_load_strictly(tmp_path):
    """A plain classifier checkpoint (backbone.*, neck.*, head.*) loads
    into PostHocCAM strictly and gives the classifier's logits."""
    torch.manual_seed(1)
    classifier = MODELS.build(tiny_cam_classifier())
    classifier.init_weights()
    path = tmp_path / 'classifier.pth'
    torch.save(dict(state_dict=classifier.state_dict(), meta={}), path)
    model = build_tiny('gradcam')
    assert set(model.state_dict()) == set(classifier.state_dict())
    load_checkpoint(model, str(path), map_location='cpu', strict=True)
    x = torch.randn(2, 3, 112, 112)
    with torch.no_grad():
        want = classifier.eval()(x, mode='tensor')
        got = model(x, mode='tensor')
    assert torch.equal(got, want)


def test_train_mode_and_loss_are_the_classifiers():
    model = build_tiny('gradcam')
    model.train()
    assert model.classifier.training and model.backbone.training
    model.eval()
    assert not model.classifier.training
    assert model.classifier.backbone is model.backbone
    data = dict(inputs=[torch.randint(0, 255, (3, 112, 112),
                                      dtype=torch.uint8)] * 2,
                data_samples=[DataSample().set_gt_label(1)] * 2)
    model.train()
    losses = model(**model.data_preprocessor(data, True), mode='loss')
    assert 'loss' in losses


def test_configuration_errors():
    with pytest.raises(ValueError, match="method must be one of"):
        build_tiny('gradcam+++')
    with pytest.raises(ValueError, match="'backbone.layer9'"):
        MODELS.build(
            dict(type='PostHocCAM', classifier=tiny_cam_classifier(),
                 target_layers=['backbone.layer9']))
    with pytest.raises(ValueError, match='target_layers is empty'):
        MODELS.build(
            dict(type='PostHocCAM', classifier=tiny_cam_classifier(),
                 target_layers=[]))
    with pytest.raises(ValueError, match='unknown test_cfg keys'):
        build_tiny('gradcam', test_cfg=dict(threshold=0.5))


def test_missing_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, 'pytorch_grad_cam', None)
    with pytest.raises(ImportError, match=r"pip install 'mmwsol\[posthoc\]'"):
        import_grad_cam()
    with pytest.raises(ImportError, match='grad-cam'):
        build_tiny('gradcam')


def test_grad_cam_is_imported_lazily(repo_root):
    code = ('import sys, mmwsol.models; '
            "print('pytorch_grad_cam' in sys.modules)")
    out = subprocess.run([sys.executable, '-c', code], cwd=repo_root,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == 'False'


@pytest.mark.parametrize('config', [
    'configs/post_hoc_cam/post_hoc_cam_tiny_synthetic.py',
    'configs/post_hoc_cam/post_hoc_cam_tiny_synthetic_pretrained.py',
    'configs/post_hoc_cam/post_hoc_cam_vgg16_cub.py'
])
def test_configs_build_and_wrap_the_cam_classifier(config, repo_root):
    """The post-hoc configs wrap their CAM config's classifier, so the CAM
    checkpoint's keys are the model's."""
    cfg = Config.fromfile(osp.join(repo_root, config))
    cam_cfg = Config.fromfile(
        osp.join(repo_root, 'configs/cam',
                 osp.basename(config).replace('post_hoc_cam', 'cam')))
    assert cfg.model.type == 'PostHocCAM'
    assert cfg.model.classifier == cam_cfg.model
    model = MODELS.build(cfg.model)
    cam = MODELS.build(cam_cfg.model)
    assert set(model.state_dict()) == set(cam.state_dict())
    # the target layer is the map CAM weighs
    layer = model.target_layers[0]
    assert layer in ('backbone.layer4', 'extra_convs')


def figures_of(log):
    """The metric's figures of a tools/test.py log, each in [0, 100]."""
    figures = re.findall(r'Epoch\(test\) \[\d+/\d+\](.*)', log)[-1]
    values = {}
    for key in ('wsol/Top-1_Cls', 'wsol/Top-1_Loc', 'wsol/MaxBoxAccV2',
                'wsol/PxAP'):
        value = re.search(re.escape(key) + r': ([0-9.]+)', figures)
        assert value and 0.0 <= float(value.group(1)) <= 100.0, (key,
                                                                  figures)
        values[key] = float(value.group(1))
    return values


def test_tiny_cam_checkpoint_scored_post_hoc(tmp_path, tool_env, repo_root):
    """Train the tiny CAM one epoch, then score its checkpoint with the
    post-hoc config: Grad-CAM (gradients under the test loop's no_grad),
    then Eigen-CAM by --cfg-options (Score-CAM, 10 s more here, runs on the
    tiny ResNet above). Every key of the checkpoint loads (mmengine warns
    'do not match exactly' otherwise), the scores are the CAM's own on the
    same checkpoint (the trained weights, not a random model's) and the
    maps are 7 x 7."""
    env = dict(tool_env, MMWSOL_CACHE=str(tmp_path / 'cache'))
    work = tmp_path / 'cam'
    run(['tools/train.py', TINY_CAM, '--work-dir', str(work),
         '--cfg-options', 'train_cfg.max_epochs=1', 'param_scheduler.end=1']
        + data_options(), env, repo_root)
    ckpt = str(work / 'epoch_1.pth')
    dumps = {}
    for method in ('gradcam', 'eigencam'):
        dumps[method] = tmp_path / f'{method}.pkl'
        log = run(['tools/test.py', POST_HOC_TINY, ckpt, '--work-dir',
                   str(tmp_path / f'test_{method}'), '--out',
                   str(dumps[method]), '--cfg-options',
                   f'model.method={method}'] + data_options(), env,
                  repo_root)
        assert 'do not match exactly' not in log, log[-3000:]
        figures_of(log)
        with open(dumps[method], 'rb') as f:
            dumps[method] = pickle.load(f)
        assert len(dumps[method]) == 20  # 10 classes x 2 test images
        for sample in dumps[method]:
            assert tuple(sample['score_map'].shape) == (7, 7)  # layer4
            assert 0 <= float(sample['score_map'].min())
            assert float(sample['score_map'].max()) <= 1
    cam_dump = tmp_path / 'cam.pkl'
    run(['tools/test.py', TINY_CAM, ckpt, '--work-dir',
         str(tmp_path / 'test_cam'), '--out', str(cam_dump),
         '--cfg-options'] + data_options(), env, repo_root)
    with open(cam_dump, 'rb') as f:
        cam = pickle.load(f)
    grad, eigen = dumps['gradcam'], dumps['eigencam']
    # one classifier: the CAM's scores; two methods: other maps
    for a, b, c in zip(grad, eigen, cam):
        assert a['img_path'] == c['img_path']
        assert torch.allclose(a['pred_score'], c['pred_score'], atol=1e-6)
        assert torch.equal(a['pred_score'], b['pred_score'])
    assert any(not torch.allclose(a['score_map'], b['score_map'])
               for a, b in zip(grad, eigen))


def test_grad_cam_is_an_extra_that_the_test_install_pulls(repo_root):
    """`pip install 'mmwsol[posthoc]'` brings grad-cam; the `tests` extra
    (tools/setup_env.sh, CI) brings the posthoc extra, pinned by the
    constraints file."""
    import tomllib
    with open(osp.join(repo_root, 'pyproject.toml'), 'rb') as f:
        project = tomllib.load(f)['project']
    extras = project['optional-dependencies']
    assert any(dep.startswith('grad-cam') for dep in extras['posthoc'])
    assert 'mmwsol[posthoc]' in extras['tests']
    assert not any('grad-cam' in dep for dep in project['dependencies'])
    with open(osp.join(repo_root, 'requirements', 'constraints.txt')) as f:
        assert 'grad-cam==1.5.7' in f.read().split()
