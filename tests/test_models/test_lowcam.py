"""LowCAM localizer: the three modes and both phases against the network
pieces called by hand, phase state, freezing and mode switches."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample
from torch.nn.modules.batchnorm import _BatchNorm

from mmwsol.registry import MODELS
from mmwsol.utils import register_all_modules

register_all_modules()

C = 4
MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]
PHASE2_PREFIXES = ('neck.up2.', 'neck.up3.', 'neck.map_conv.',
                   'neck.map_bn.')


def tiny_resnet():
    return dict(type='ResNet', depth=18, stem_channels=8, base_channels=4,
                out_indices=(3, ))


def evaluator_cfg(**kwargs):
    cfg = dict(
        type='ClassifierEvaluator',
        model=dict(
            type='ImageClassifier',
            backbone=tiny_resnet(),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=C, in_channels=32),
            data_preprocessor=dict(mean=MEAN, std=STD, to_rgb=True)))
    cfg.update(kwargs)
    return cfg


def lowcam_cfg(**kwargs):
    cfg = dict(
        type='LowCAM',
        backbone=tiny_resnet(),
        split='stem',
        neck=dict(type='ActivationMapGenerator', base_channels=4),
        head=dict(type='LowCAMHead', num_classes=C, in_channels=32,
                  area_loss=dict(type='AreaLoss', topk=4, skip=1)),
        evaluator=evaluator_cfg(),
        erasing=dict(type='AttentiveErasing', prob=0.0))
    cfg.update(kwargs)
    return cfg


def build(**kwargs):
    torch.manual_seed(0)
    model = MODELS.build(lowcam_cfg(**kwargs))
    model.init_weights()  # evaluator without checkpoint: its own init
    return model


def samples(n, size=32):
    return [
        DataSample(metainfo=dict(img_shape=(size, size))).set_gt_label(i % C)
        for i in range(n)
    ]


def by_hand(model, x):
    """F^c_1, f^a, p^a, side and main logits from the pieces."""
    bb = model.backbone
    low = bb.maxpool(bb.relu(bb.norm1(bb.conv1(x))))
    f_a, p_a = model.neck(low)
    side = model.head.side_conv(f_a).mean(dim=(2, 3))
    y = low * p_a
    for name in bb.res_layers:
        y = getattr(bb, name)(y)
    main = model.head.fc(y.mean(dim=(2, 3)))
    return low, f_a, p_a, side, main


def test_phase1_loss_matches_the_pieces():
    model = build().train()
    x = torch.randn(3, 3, 32, 32)
    labels = torch.tensor([0, 1, 2])
    losses = model(x, samples(3), mode='loss')
    assert set(losses) == {'loss_cls_side', 'loss_cls_main'}
    model.eval()  # same BN statistics as the pieces below: use eval mode
    losses = model.loss(x, samples(3))
    _, _, _, side, main = by_hand(model, x)
    assert torch.allclose(losses['loss_cls_side'],
                          F.cross_entropy(side, labels), atol=1e-6)
    assert torch.allclose(losses['loss_cls_main'],
                          F.cross_entropy(main, labels), atol=1e-6)


def test_phase2_loss_matches_the_pieces():
    model = build()
    model.set_phase(2)
    model.train()
    x = torch.randn(2, 3, 32, 32)
    labels = torch.tensor([0, 1])
    state = copy.deepcopy(model.state_dict())
    losses = model(x, samples(2), mode='loss')
    assert set(losses) == {
        'loss_eval', 'loss_area', 'loss_entropy', 'erase_selected',
        'erase_skipped', 'acc_eval'
    }
    # erasing prob 0: p~ = x' = 0.6 p^a + 0.2 exactly
    model.load_state_dict(state)  # BN statistics as before the step
    _, f_a, p_a, _, _ = by_hand(model, x)
    p_tilde = 0.6 * p_a + 0.2
    mask = p_tilde.repeat_interleave(4, 2).repeat_interleave(4, 3)
    assert mask.shape[-2:] == x.shape[-2:]
    logits = model.evaluator.model(x * mask, mode='tensor')
    assert torch.allclose(losses['loss_eval'],
                          F.cross_entropy(logits, labels), atol=1e-5)
    area = p_a.sum() / (2 * 8 * 8)
    order = torch.argsort(logits, dim=1, descending=True)
    for b in range(2):
        for j in range(1, 4):
            area = area + f_a[b, order[b, j]].sum() / (2 * 8 * 8)
    assert torch.allclose(losses['loss_area'], 0.02 * area, atol=1e-5)
    assert losses['erase_selected'].item() == 0
    acc = (logits.argmax(1) == labels).float().mean() * 100
    assert losses['acc_eval'].item() == pytest.approx(acc.item())


def test_phase2_gradients_reach_only_the_trainable_parameters():
    model = build()
    model.set_phase(2)
    model.train()
    model.erasing.prob = 1.0
    losses = model(torch.randn(2, 3, 32, 32), samples(2), mode='loss')
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    for name, param in model.named_parameters():
        if name.startswith(PHASE2_PREFIXES):
            assert param.grad is not None and param.grad.abs().sum() > 0, \
                name
        else:
            assert param.grad is None, name
    assert losses['erase_selected'].item() == 2
    assert model.erasing.num_selected.item() == 2


def test_phase_freezing_and_restore():
    model = build()
    names = [n for n, _ in model.named_parameters()]
    phase1 = {n for n, p in model.named_parameters() if p.requires_grad}
    assert phase1 == {n for n in names if not n.startswith('evaluator.')}
    model.set_phase(2)
    assert model.current_phase == 2
    assert {n for n, p in model.named_parameters() if p.requires_grad} == {
        n for n in names if n.startswith(PHASE2_PREFIXES)
    }
    assert set(model.phase2_trainable_parameters()) == {
        n for n in names if n.startswith(PHASE2_PREFIXES)
    }
    model.set_phase(1)
    assert {n for n, p in model.named_parameters()
            if p.requires_grad} == phase1
    with pytest.raises(ValueError, match='phase'):
        model.set_phase(3)


def test_phase_lives_in_the_state_dict():
    model = build()
    model.set_phase(2)
    state = model.state_dict()
    assert int(state['phase']) == 2
    assert int(state['evaluator.ready']) == 1
    fresh = MODELS.build(lowcam_cfg())
    assert fresh.current_phase == 1
    fresh.load_state_dict(state)  # torch's loader
    assert fresh.current_phase == 2
    assert {n for n, p in fresh.named_parameters() if p.requires_grad} == {
        n for n, _ in fresh.named_parameters()
        if n.startswith(PHASE2_PREFIXES)
    }
    from mmengine.runner.checkpoint import load_state_dict
    other = MODELS.build(lowcam_cfg())
    load_state_dict(other, state)  # mmengine's loader (Runner)
    assert other.current_phase == 2
    assert not other.backbone.conv1.weight.requires_grad


@pytest.mark.parametrize('frozen_bn_eval', [False, True])
def test_bn_modes_in_phase2(frozen_bn_eval):
    model = build(train_cfg=dict(frozen_bn_eval=frozen_bn_eval))
    model.set_phase(2)
    model.train()
    trainable_bns = {
        id(m)
        for name in ('up2', 'up3', 'map_bn')
        for m in getattr(model.neck, name).modules()
    }
    evaluator_bns = {id(m) for m in model.evaluator.modules()}
    for module in model.modules():
        if not isinstance(module, _BatchNorm):
            continue
        if id(module) in trainable_bns or id(module) in evaluator_bns:
            assert module.training
        else:  # the release (default): frozen BNs stay in train mode
            assert module.training != frozen_bn_eval
    model.eval()
    assert not any(m.training for m in model.modules())


@pytest.mark.parametrize('eval_mode', [False, True])
def test_evaluator_mode(eval_mode):
    model = build(evaluator=evaluator_cfg(eval_mode=eval_mode))
    model.set_phase(2)
    model.train()
    assert model.evaluator.model.training != eval_mode
    before = model.evaluator.model.backbone.bn1.running_mean.clone()
    model(torch.randn(2, 3, 32, 32), samples(2), mode='loss')
    after = model.evaluator.model.backbone.bn1.running_mean
    assert torch.equal(before, after) == eval_mode


def release_box(amap, thr, scale):
    """The release's find_bbox, loop form."""
    ys, xs = torch.nonzero(amap > thr, as_tuple=True)
    if len(ys) == 0:
        return [0., 0., amap.shape[1] * scale, amap.shape[0] * scale]
    return [xs.min() * scale, ys.min() * scale, xs.max() * scale,
            ys.max() * scale]


def test_predict_fields():
    model = build(test_cfg=dict(box_threshold=0.6)).eval()
    x = torch.randn(3, 3, 32, 32)
    data = samples(3)
    data[0].set_field(torch.tensor([[1., 2., 3., 4.]]), 'gt_bboxes')
    with torch.no_grad():
        out = model(x, data, mode='predict')
        _, _, p_a, _, main = by_hand(model, x)
        eval_logits = model.evaluator.model(x, mode='tensor')
    assert out is data
    assert torch.equal(out[0].gt_bboxes, torch.tensor([[1., 2., 3., 4.]]))
    for i, sample in enumerate(out):
        assert sample.score_map.shape == (8, 8)  # stride 4
        assert torch.allclose(sample.score_map, p_a[i, 0])
        # the evaluator on the unmasked image classifies (release)
        assert torch.allclose(sample.pred_score,
                              torch.softmax(eval_logits[i], 0), atol=1e-6)
        assert sample.pred_label.item() == eval_logits[i].argmax().item()
        assert sample.gt_label.item() == i % C
        want = release_box(p_a[i, 0], 0.6, 4)
        assert sample.pred_bboxes.shape == (1, 4)
        assert sample.pred_bboxes[0].tolist() == pytest.approx(
            [float(v) for v in want])


def test_predict_class_source():
    x = torch.randn(2, 3, 32, 32)
    model = build(test_cfg=dict(cls_source='main')).eval()
    with torch.no_grad():
        out = model.predict(x)
        main = by_hand(model, x)[-1]
    assert torch.allclose(out[1].pred_score, torch.softmax(main[1], 0),
                          atol=1e-6)
    # 'auto' before the evaluator has its weights: the main branch
    model = MODELS.build(
        lowcam_cfg(evaluator=evaluator_cfg(checkpoint='later.pth'))).eval()
    assert not model.evaluator.is_ready
    with torch.no_grad():
        out = model.predict(x)
        main = by_hand(model, x)[-1]
    assert torch.allclose(out[0].pred_score, torch.softmax(main[0], 0),
                          atol=1e-6)
    # tensor mode: (logits, p_a)
    with torch.no_grad():
        logits, p_a = model(x)
    assert logits.shape == (2, C) and p_a.shape == (2, 1, 8, 8)


def test_predict_boxes_clipped_to_img_shape():
    model = build(test_cfg=dict(box_threshold=2.0)).eval()  # none above
    data = [DataSample(metainfo=dict(img_shape=(20, 28)))]
    with torch.no_grad():
        out = model.predict(torch.randn(1, 3, 32, 32), data)
    assert out[0].pred_bboxes.tolist() == [[0., 0., 28., 20.]]


def test_vgg16_split_at_stride4():
    model = MODELS.build(
        dict(type='LowCAM',
             backbone=dict(type='VGG', depth=16, out_indices=(4, )),
             neck=dict(type='ActivationMapGenerator', base_channels=4),
             head=dict(type='LowCAMHead', num_classes=C, in_channels=512,
                       area_loss=dict(type='AreaLoss', topk=4))))
    assert model.neck.in_channels == 128
    with torch.no_grad():
        logits, p_a = model.eval()(torch.randn(1, 3, 64, 64))
    assert p_a.shape == (1, 1, 16, 16) and logits.shape == (1, C)


def test_configuration_errors():
    with pytest.raises(ValueError, match='neck.in_channels'):
        MODELS.build(lowcam_cfg(
            neck=dict(type='ActivationMapGenerator', in_channels=9)))
    with pytest.raises(ValueError, match='num_classes'):
        MODELS.build(lowcam_cfg(
            neck=dict(type='ActivationMapGenerator', num_classes=9)))
    with pytest.raises(ValueError, match='test_cfg'):
        MODELS.build(lowcam_cfg(test_cfg=dict(threshold=0.5)))
    with pytest.raises(ValueError, match='box_mode'):
        MODELS.build(lowcam_cfg(test_cfg=dict(box_mode='tight')))
    with pytest.raises(ValueError, match='train_cfg'):
        MODELS.build(lowcam_cfg(train_cfg=dict(frozen_bn=True)))
    bad = evaluator_cfg()
    bad['model']['data_preprocessor'] = dict(mean=[0, 0, 0], std=[1, 1, 1])
    with pytest.raises(ValueError, match='mean'):
        MODELS.build(lowcam_cfg(evaluator=bad))
    other = evaluator_cfg()
    other['model']['head']['num_classes'] = C + 3
    with pytest.raises(ValueError,
                       match=f'configured for {C + 3} classes') as info:
        MODELS.build(lowcam_cfg(evaluator=other))
    assert f'num_classes={C}' in str(info.value)
    model = MODELS.build(lowcam_cfg(evaluator=None))
    with pytest.raises(ValueError, match='evaluator'):
        model.set_phase(2)
    with pytest.raises(ValueError, match='B x 3 x H x W'):
        model(torch.zeros(3, 32, 32))
    with pytest.raises(RuntimeError, match='mode'):
        model(torch.zeros(1, 3, 32, 32), mode='features')
