"""ClassifierEvaluator: building from a config file, freezing, deferred
strict loading with clear errors, modes and output checks."""
import pytest
import torch

from mmwsol.registry import MODELS
from mmwsol.utils import register_all_modules

register_all_modules()

MODEL = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, stem_channels=8, base_channels=4,
                  out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=3, in_channels=32))

CONFIG = """
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=18, stem_channels=8, base_channels=4,
                  out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=3, in_channels=32))
data_preprocessor = dict(mean=[1., 2., 3.], std=[4., 5., 6.], to_rgb=True)
"""


def build(**kwargs):
    cfg = dict(type='ClassifierEvaluator')
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_from_config_file(tmp_path):
    path = tmp_path / 'classifier.py'
    path.write_text(CONFIG)
    evaluator = build(config=str(path))
    # the file's top-level data_preprocessor is merged, as the Runner does
    assert evaluator.model.data_preprocessor.mean.flatten().tolist() == [
        1., 2., 3.
    ]
    assert not any(p.requires_grad for p in evaluator.parameters())
    assert not evaluator.is_ready
    with pytest.raises(FileNotFoundError, match='config file not found'):
        build(config=str(tmp_path / 'nope.py'))


def test_deferred_strict_loading(tmp_path):
    torch.manual_seed(0)
    source = MODELS.build(MODEL)
    ckpt = tmp_path / 'evaluator.pth'
    # a Runner-style checkpoint with DDP's 'module.' prefix
    torch.save(
        {
            'state_dict': {
                f'module.{k}': v
                for k, v in source.state_dict().items()
            },
            'meta': {}
        }, ckpt)
    evaluator = build(model=MODEL, checkpoint=str(ckpt))
    evaluator.init_weights()  # does not read the file, nor any init_cfg
    assert not evaluator.is_ready
    evaluator.prepare()
    assert evaluator.is_ready
    for k, v in source.state_dict().items():
        assert torch.equal(evaluator.model.state_dict()[k], v), k
    assert int(evaluator.state_dict()['ready']) == 1
    # prepare() is idempotent: no second read
    ckpt.unlink()
    evaluator.prepare()


def test_missing_checkpoint_fails_only_at_prepare(tmp_path):
    missing = str(tmp_path / 'missing.pth')
    evaluator = build(model=MODEL, checkpoint=missing)  # builds fine
    evaluator.init_weights()
    with pytest.raises(FileNotFoundError) as info:
        evaluator.prepare()
    assert missing in str(info.value)
    assert 'model.evaluator.checkpoint' in str(info.value)


def test_wrong_checkpoint_is_an_error(tmp_path):
    other = dict(MODEL, head=dict(type='LinearClsHead', num_classes=7,
                                  in_channels=32))
    ckpt = tmp_path / 'other.pth'
    torch.save({'state_dict': MODELS.build(other).state_dict()}, ckpt)
    evaluator = build(model=MODEL, checkpoint=str(ckpt), num_classes=3)
    with pytest.raises(ValueError, match='does not fit') as info:
        evaluator.prepare()
    message = str(info.value)
    assert str(ckpt) in message
    # the shapes of the mismatched last layer, and what they mean
    assert 'head.fc.weight: (7, 32) in the file, (3, 32) in the model' in \
        message
    assert 'classifies 7 classes' in message
    assert not evaluator.is_ready


def test_truncated_checkpoint_is_called_corrupt(tmp_path):
    ckpt = tmp_path / 'evaluator.pth'
    torch.save({'state_dict': MODELS.build(MODEL).state_dict()}, ckpt)
    data = ckpt.read_bytes()
    ckpt.write_bytes(data[:len(data) // 2])
    evaluator = build(model=MODEL, checkpoint=str(ckpt))
    with pytest.raises(RuntimeError, match='corrupt or truncated') as info:
        evaluator.prepare()
    assert str(ckpt) in str(info.value)


def test_class_count_and_pretrained_init():
    evaluator = build(model=MODEL)
    assert evaluator.classifier_num_classes() == 3
    assert not evaluator.has_pretrained_init()
    vgg = build(model=dict(
        type='ImageClassifier',
        backbone=dict(type='VGG', depth=11, num_classes=6,
                      init_cfg=dict(type='Pretrained', checkpoint='x.pth')),
        neck=None,
        head=dict(type='ClsHead')))
    # mmpretrain's VGG keeps its classifier (and class count) in the
    # backbone
    assert vgg.classifier_num_classes() == 6
    assert vgg.has_pretrained_init()


def test_without_checkpoint():
    evaluator = build(model=MODEL)
    with pytest.raises(RuntimeError, match='no weights'):
        evaluator.prepare()
    evaluator.init_weights()  # the wrapped model's own init_cfg
    assert evaluator.is_ready
    evaluator.prepare()


def test_modes_and_output_checks():
    evaluator = build(model=MODEL, eval_mode=True)
    evaluator.train()
    assert evaluator.training and not evaluator.model.training
    evaluator = build(model=MODEL)
    evaluator.train()
    assert evaluator.model.training  # the release's default
    x = torch.randn(2, 3, 32, 32)
    assert evaluator(x).shape == (2, 3)
    wrong = build(model=MODEL, num_classes=200)
    with pytest.raises(ValueError, match='C=200'):
        wrong(x)
    headless = build(model=dict(MODEL, head=None, neck=None))
    with pytest.raises(ValueError, match='B x C'):
        headless(x)


def test_arguments():
    with pytest.raises(ValueError, match='exactly one'):
        build()
    with pytest.raises(ValueError, match='exactly one'):
        build(config='a.py', model=MODEL)
