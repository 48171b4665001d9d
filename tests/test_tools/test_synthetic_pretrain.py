"""The miniature of ImageNet pretraining: the generated pretraining set, its
config through tools/train.py, publishing, the ``mmwsol://`` model zoo and
the pretrained WSOL configs loading it as real configs load ImageNet
weights (``init_cfg=dict(type='Pretrained', prefix='backbone.')``)."""
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmwsol.datasets import SyntheticPretrain
from mmwsol.datasets.synthetic import (BODY_TEXTURES, HEAD_PATTERNS,
                                       HEAD_SHAPES, PRETRAIN_SHAPES,
                                       PRETRAIN_TEXTURES,
                                       SyntheticPretrainGenerator, class_names,
                                       pretrain_class_names)
from mmwsol.engine.checkpoint import (MODEL_ZOO_SCHEME, model_zoo_cache_path,
                                      resolve_model_zoo)
from mmwsol.registry import MODELS
from mmwsol.utils import register_all_modules

register_all_modules()

PRETRAINED = 'mmwsol://synthetic_pretrain/resnet18_w16.pth'
TINY_PRETRAIN = dict(train_per_class=2, val_per_class=1)


def test_pretraining_set_is_other_classes_than_the_benchmark(tmp_path):
    names = pretrain_class_names()
    assert len(names) == len(set(names)) == 48
    benchmark = set(class_names(10)) | set(class_names(10, 'shape'))
    assert not benchmark & set(names)
    # no outline or texture of the benchmark's designs
    assert not set(PRETRAIN_SHAPES) & set(HEAD_SHAPES)
    assert not set(PRETRAIN_TEXTURES) & (set(HEAD_PATTERNS)
                                         | set(BODY_TEXTURES))
    ds = SyntheticPretrain(split='train', generator=TINY_PRETRAIN,
                           cache_root=str(tmp_path))
    val = SyntheticPretrain(split='val', generator=TINY_PRETRAIN,
                            cache_root=str(tmp_path))
    assert len(ds) == 96 and len(val) == 48
    assert ds.metainfo['classes'][0] == '01.pentagon_dots'
    labels = [ds.get_data_info(i)['gt_label'] for i in range(len(ds))]
    assert labels == [k // 2 for k in range(96)]
    # the same image for the same params and id, whatever the process
    gen = SyntheticPretrainGenerator(TINY_PRETRAIN)
    assert (gen.render_image(5, 1) == gen.render_image(5, 1)).all()
    assert (gen.render_image(5, 1) != gen.render_image(6, 1)).any()
    with pytest.raises(ValueError, match='split'):
        SyntheticPretrain(split='test', generator=TINY_PRETRAIN,
                          cache_root=str(tmp_path))


def test_model_zoo_scheme_resolves_and_explains(tmp_path, monkeypatch):
    monkeypatch.setenv('MMWSOL_CACHE', str(tmp_path))
    shipped = resolve_model_zoo(PRETRAINED)
    assert shipped.endswith(osp.join('mmwsol', 'model_zoo',
                                     'synthetic_pretrain', 'resnet18_w16.pth'))
    # a copy rebuilt into the cache wins over the shipped one
    rebuilt = model_zoo_cache_path('synthetic_pretrain/resnet18_w16.pth')
    assert rebuilt.startswith(str(tmp_path))
    import os
    os.makedirs(osp.dirname(rebuilt))
    torch.save({'state_dict': {}}, rebuilt)
    assert resolve_model_zoo(PRETRAINED) == rebuilt
    with pytest.raises(FileNotFoundError, match='Known'):
        resolve_model_zoo(MODEL_ZOO_SCHEME + 'nope.pth')


def test_shipped_backbone_is_a_plain_state_dict_of_the_tiny_resnet():
    state = torch.load(resolve_model_zoo(PRETRAINED), map_location='cpu',
                       weights_only=True)['state_dict']
    cfg = Config.fromfile('configs/_base_/models/resnet18_w16_classifier.py')
    with DefaultScope.overwrite_default_scope('mmwsol'):
        model = MODELS.build(cfg.model)
    assert set(state) == set(model.state_dict())
    assert state['head.fc.weight'].shape == (48, 128)


@pytest.mark.parametrize('config', [
    'configs/cam/cam_tiny_synthetic_pretrained.py',
    'configs/cam/cam_tiny_synthetic_shape.py',
    'configs/lowcam/lowcam_tiny_synthetic_pretrained.py',
    'projects/hide_and_seek/configs/'
    'hide_and_seek_cam_tiny_synthetic_pretrained.py',
])
def test_pretrained_configs_load_the_backbone_exactly(config, repo_root):
    cfg = Config.fromfile(osp.join(repo_root, config))
    if 'custom_imports' in cfg:
        sys.path.insert(0, repo_root)
        import projects.hide_and_seek.hide_and_seek  # noqa: F401
    assert cfg.model.backbone.init_cfg == dict(
        type='Pretrained', checkpoint=PRETRAINED, prefix='backbone.')
    if config.endswith('_shape.py'):  # the colour-free variant's recipe
        for loader in ('train_dataloader', 'test_dataloader'):
            assert cfg[loader].dataset.generator.class_cue == 'shape'
        assert cfg.train_cfg.max_epochs == cfg.param_scheduler.end == 30
        assert 'RandomResizedCrop' in [
            t['type'] for t in cfg.train_dataloader.dataset.pipeline
        ]
    if cfg.model.type == 'LowCAM':
        # a LowCAM's F^e is the pretrained CAM of the same benchmark
        assert cfg.model.evaluator.config.endswith(
            'cam_tiny_synthetic_pretrained.py')
        cfg.model.evaluator.checkpoint = None
    with DefaultScope.overwrite_default_scope('mmwsol'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    state = torch.load(resolve_model_zoo(PRETRAINED), map_location='cpu',
                       weights_only=True)['state_dict']
    own = model.backbone.state_dict()
    for key, value in own.items():
        assert torch.equal(value, state[f'backbone.{key}']), key


def test_pretrain_config_trains_and_publishes(tmp_path, tool_env, repo_root):
    env = dict(tool_env, MMWSOL_CACHE=str(tmp_path / 'cache'))
    opts = []
    for loader in ('train_dataloader', 'val_dataloader'):
        opts += [f'{loader}.dataset.generator.{k}={v}'
                 for k, v in TINY_PRETRAIN.items()]
        opts += [f'{loader}.num_workers=0', f'{loader}.persistent_workers='
                 'False', f'{loader}.dataset.num_workers=0']
    work = tmp_path / 'work'
    proc = subprocess.run(
        [sys.executable, 'tools/train.py',
         'configs/pretrain/resnet18_w16_synthetic_pretrain.py',
         '--work-dir', str(work), '--cfg-options',
         'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
         'default_hooks.checkpoint.interval=1'] + opts,
        cwd=repo_root, env=env, capture_output=True, text=True, timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert 'generating 144 synthetic pretraining images' in log
    assert 'accuracy/top1' in log
    out = tmp_path / 'published.pth'
    proc = subprocess.run(
        [sys.executable, 'tools/model_converters/publish_model.py',
         str(work / 'epoch_1.pth'), str(out)],
        cwd=repo_root, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert 'sha256' in proc.stdout
    published = torch.load(out, map_location='cpu', weights_only=True)
    trained = torch.load(work / 'epoch_1.pth', map_location='cpu',
                         weights_only=False)
    assert set(published) == {'state_dict', 'meta'}
    for key, value in trained['state_dict'].items():
        assert torch.equal(published['state_dict'][key], value)
