"""The LowCAM / CAM / evaluator configs carry the release's settings and
build; the release architecture runs a step of each phase."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpretrain.structures import DataSample

from mmwsol.registry import MODELS
from mmwsol.utils import register_all_modules

register_all_modules()

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LOWCAM_CUB = ('configs/lowcam/lowcam_vgg16_cub.py',
              'configs/lowcam/lowcam_resnet50_cub.py')
ALL = LOWCAM_CUB + ('configs/lowcam/lowcam_vgg16_imagenet.py',
                    'configs/lowcam/lowcam_resnet50_openimages.py',
                    'configs/lowcam/lowcam_tiny_synthetic.py',
                    'configs/cam/cam_vgg16_cub.py',
                    'configs/cam/cam_tiny_synthetic.py',
                    'configs/evaluator/vgg16_cub.py',
                    'configs/evaluator/vgg16_openimages.py')


def cfg(path):
    return Config.fromfile(osp.join(REPO, path))


def hook(config):
    hooks = [h for h in config.custom_hooks
             if h.type == 'TwoPhaseTrainingHook']
    assert len(hooks) == 1
    return hooks[0]


@pytest.mark.parametrize('path', ALL)
def test_config_builds(path):
    config = cfg(path)
    model = MODELS.build(config.model)
    assert config.default_scope == 'mmwsol'
    if config.model.type == 'LowCAM':
        assert config.find_unused_parameters is True
        ev = config.model.evaluator
        if ev.get('config'):
            assert osp.isfile(ev.config), ev.config
        # the evaluator normalises as LowCAM does (checked at build)
        assert model.evaluator is not None


@pytest.mark.parametrize('path', LOWCAM_CUB)
def test_release_settings_cub(path):
    """config/CUB_200_2011.yaml and train_2nd_step.py of the release."""
    config = cfg(path)
    loader = config.train_dataloader
    assert loader.batch_size == 16
    steps = [t.type for t in loader.dataset.pipeline]
    assert steps[2:5] == ['Resize', 'RandomFlip', 'RandomCrop']
    assert tuple(loader.dataset.pipeline[2].scale) == (256, 256)
    assert loader.dataset.pipeline[4].crop_size == 224
    test_steps = config.test_dataloader.dataset.pipeline
    assert [t.type for t in test_steps][2:4] == ['Resize', 'CenterCrop']
    opt = config.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == ('SGD',
                                                                 1e-3, 0.9,
                                                                 5e-4)
    two = hook(config)
    assert two.switch_epoch == 70
    assert config.train_cfg.max_epochs == 100  # 70 + 30
    adam = two.phase2_optim_wrapper.optimizer
    assert (adam.type, adam.lr, adam.weight_decay) == ('Adam', 1e-4, 0)
    sched = two.phase2_param_scheduler
    assert sched.type == 'CosineAnnealingLR' and sched.by_epoch is False
    assert config.randomness.seed == 517
    assert config.val_evaluator.protocol == 'ornet'
    assert config.test_evaluator.pxap_upsample == 'bicubic'
    model = config.model
    assert model.head.num_classes == 200
    assert model.erasing.prob == 0.5 and model.erasing.max_factor == 0.5
    assert model.train_cfg.frozen_bn_eval is False
    assert model.evaluator.eval_mode is False
    evaluator = Config.fromfile(model.evaluator.config)
    assert evaluator.model.backbone.type == 'VGG'
    assert evaluator.model.backbone.depth == 16


def test_split_points():
    vgg = MODELS.build(cfg(LOWCAM_CUB[0]).model)
    assert vgg.splitter.split == 1 and vgg.neck.in_channels == 128
    resnet = MODELS.build(cfg(LOWCAM_CUB[1]).model)
    assert resnet.splitter.split == 'stem' and resnet.neck.in_channels == 64
    assert resnet.head.in_channels == 2048
    assert resnet.neck.base_channels == 64


def test_evaluator_recipe():
    """train_evaluator.py: SGD 1e-3 / 0.9 / 5e-4, batch 16, 200 epochs,
    cosine per iteration, Resize 256 + flip + RandomCrop 224."""
    config = cfg('configs/evaluator/vgg16_cub.py')
    opt = config.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == ('SGD',
                                                                 1e-3, 0.9,
                                                                 5e-4)
    assert config.train_cfg.max_epochs == 200
    sched = config.param_scheduler
    assert sched.type == 'CosineAnnealingLR'
    assert sched.convert_to_iter_based and sched.end == 200
    assert config.train_dataloader.batch_size == 16
    assert config.model.backbone.num_classes == 200


def test_release_architecture_runs_both_phases():
    """ResNet-50 stem + VGG16 evaluator at 224 px, one sample per phase
    (random weights: nothing is downloaded)."""
    torch.manual_seed(0)
    model = MODELS.build(cfg(LOWCAM_CUB[1]).model)
    model.evaluator.ready.fill_(1)
    model.train()
    x = torch.randn(1, 3, 224, 224)
    data = [DataSample().set_gt_label(3)]
    losses = model.loss(x, data)
    assert set(losses) == {'loss_cls_side', 'loss_cls_main'}
    model.set_phase(2, prepare_evaluator=False)
    losses = model.loss(x, data)
    assert {'loss_eval', 'loss_area', 'loss_entropy'} <= set(losses)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert model.neck.map_conv.weight.grad is not None
    assert model.backbone.conv1.weight.grad is None
    model.eval()
    with torch.no_grad():
        out = model.predict(x, [DataSample(metainfo=dict(
            img_shape=(224, 224)))])
    assert out[0].score_map.shape == (56, 56)


def test_tiny_pair_switch_is_in_the_config():
    low = cfg('configs/lowcam/lowcam_tiny_synthetic.py')
    cam = cfg('configs/cam/cam_tiny_synthetic.py')
    two = hook(low)
    assert 0 < two.switch_epoch < low.train_cfg.max_epochs
    assert low.val_evaluator == cam.val_evaluator
    # F^e is trained by the run itself (stage 0), seeded with its seed
    assert low.model.evaluator.checkpoint is None
    assert low.evaluator_stage.train and \
        low.evaluator_stage.inherit == ['randomness']
    assert Config.fromfile(low.model.evaluator.config).model.type == 'CAM'
