"""SPG: the self-produced guidance masks, the masked BCE, the three
losses on hand-made maps, the architecture of the VGG16 config, and the
tiny config through tools/train.py and tools/test.py."""
import math
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmpretrain.structures import DataSample

from mmwsol.models.utils import SPG_IGNORE, spg_guidance_masks
from mmwsol.registry import MODELS
from mmwsol.utils import register_all_modules

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(__file__)), 'test_tools'))
from tiny_method_runs import train_then_test  # noqa: E402

register_all_modules()

I = SPG_IGNORE  # noqa: E741
LN2, LN4_3 = math.log(2.), math.log(4. / 3.)
LN3 = math.log(3.)


def test_guidance_masks_worked_out_by_hand():
    maps = torch.tensor([
        # 1. three pixels above delta_h = 0.7 (>= min_fg_pixels = 2): they
        # are foreground; below delta_l = 0.01 background (0.01 itself is
        # not below: ignored); the rest ignored
        [[0.90, 0.80, 0.60, 0.00],
         [0.75, 0.50, 0.20, 0.005],
         [0.30, 0.10, 0.05, 0.00],
         [0.02, 0.01, 0.00, 0.00]],
        # 2. nothing above 0.7 (0 < 2 pixels): the threshold falls back to
        # 0.7 * max = 0.7 * 0.6 = 0.42: 0.6 and 0.5 are foreground, 0.4 not
        [[0.60, 0.50, 0.40, 0.30],
         [0.20, 0.10, 0.05, 0.00],
         [0.00, 0.00, 0.00, 0.00],
         [0.00, 0.00, 0.00, 0.00]],
        # 3. max 0.009: fallback threshold 0.0063; 0.009 and 0.008 pass it
        # but are below delta_l = 0.01 too: background wins (applied last)
        [[0.009, 0.008, 0.00, 0.00],
         [0.00, 0.00, 0.00, 0.00],
         [0.00, 0.00, 0.00, 0.00],
         [0.00, 0.00, 0.00, 0.00]],
        # 4. as 1, but marked invalid (a constant attention map): all ignored
        [[0.90, 0.80, 0.60, 0.00],
         [0.75, 0.50, 0.20, 0.005],
         [0.30, 0.10, 0.05, 0.00],
         [0.02, 0.01, 0.00, 0.00]],
    ])
    want = torch.tensor([
        [[1, 1, I, 0],
         [1, I, I, 0],
         [I, I, I, 0],
         [I, I, 0, 0]],
        [[1, 1, I, I],
         [I, I, I, 0],
         [0, 0, 0, 0],
         [0, 0, 0, 0]],
        [[0, 0, 0, 0],
         [0, 0, 0, 0],
         [0, 0, 0, 0],
         [0, 0, 0, 0]],
        [[I] * 4] * 4,
    ], dtype=torch.float32)
    seeds = spg_guidance_masks(maps, high=0.7, low=0.01, min_fg_pixels=2,
                               fallback_ratio=0.7,
                               valid=torch.tensor([True, True, True, False]))
    assert torch.equal(seeds, want)
    # wsolevaluation's count, 30 pixels: map 1 has only 3 above 0.7, so its
    # threshold is 0.7 * 0.9 = 0.63: 0.9, 0.8, 0.75 (0.6 is not above)
    seeds = spg_guidance_masks(maps[:1], high=0.7, low=0.01)
    assert torch.equal(seeds, want[:1])
    with pytest.raises(ValueError, match='B x H x W'):
        spg_guidance_masks(maps[:, None], 0.7, 0.01)


def test_seed_bce_ignores_the_ignored_pixels():
    loss = MODELS.build(dict(type='SeedBCELoss'))
    seeds = torch.tensor([[[1., 0.], [I, I]]])
    logits = torch.tensor([[[[0., LN3], [5., -5.]]]], requires_grad=True)
    # -log sigmoid(0) = ln 2; -log(1 - sigmoid(ln 3)) = -log(1/4) = ln 4
    value = loss(logits, seeds)
    assert value.item() == pytest.approx((LN2 + 2 * LN2) / 2, abs=1e-6)
    value.backward()
    assert torch.equal(logits.grad[0, 0, 1], torch.zeros(2))  # ignored
    # other values at the ignored pixels change nothing
    other = torch.tensor([[[[0., LN3], [-50., 50.]]]])
    assert loss(other, seeds).item() == pytest.approx(value.item(), abs=1e-6)
    # upsampled to the seeds' size: a 1 x 1 map is constant z = ln 3
    small = torch.tensor([[[[LN3]]]])
    assert loss(small, seeds).item() == pytest.approx(
        (math.log(4. / 3.) + math.log(4.)) / 2, abs=1e-6)
    # nothing to learn from: 0, still in the graph
    empty = torch.full((1, 2, 2), float(I))
    logits = torch.zeros(1, 1, 2, 2, requires_grad=True)
    value = loss(logits, empty)
    assert value.item() == 0.0
    value.backward()
    assert torch.equal(logits.grad, torch.zeros_like(logits))
    # loss_weight scales
    heavy = MODELS.build(dict(type='SeedBCELoss', loss_weight=2.))
    assert heavy(torch.zeros(1, 1, 2, 2), seeds).item() == pytest.approx(
        2 * LN2, abs=1e-6)


def spg_cfg(**kwargs):
    cfg = dict(
        type='SPG',
        backbone=dict(type='VGG', depth=11, num_stages=3,
                      out_indices=(1, 2), dilations=(1, 1, 1),
                      with_last_pool=False),
        head=dict(type='LinearClsHead', num_classes=3, in_channels=256),
        spg_head=dict(type='SPGHead', in_channels_b1=128,
                      in_channels_b2=256, in_channels_c=256, channels_b=8,
                      channels_c=8))
    cfg.update(kwargs)
    return cfg


def test_three_losses_on_hand_made_maps():
    """D = 1 feature channel, fc weights (+1, -1, 0) per class, label 1:
    M_1 = -A. A 2 x 2 image, so no upsampling; min_fg_pixels = 1."""
    model = MODELS.build(
        spg_cfg(head=dict(type='LinearClsHead', num_classes=3,
                          in_channels=1), min_fg_pixels=1))
    with torch.no_grad():
        model.head.fc.weight.copy_(torch.tensor([[1.], [-1.], [0.]]))
    feats = torch.tensor([[[[4., 3.], [1., 0.]]]])
    # attention: minmax(-A) = (-A + 4) / 4 = [[0, .25], [.75, 1]];
    # (0.7, 0.01): foreground .75 and 1, background 0 -> [[0, I], [1, 1]]
    b2 = torch.tensor([[[[0., 7.], [LN3, 0.]]]])
    # BCE: ln 2 (z 0, s 0), ignored, ln 4/3 (z ln 3, s 1), ln 2 (z 0, s 1)
    want_b2 = (2 * LN2 + LN4_3) / 3
    # sigmoid(b2) = [[.5, s(7)], [.75, .5]]; (0.5, 0.05): foreground
    # s(7) and .75 (0.5 is not above 0.5), nothing below 0.05:
    # [[I, 1], [1, I]]
    b1 = torch.tensor([[[[9., 0.], [LN3, -9.]]]])
    want_b1 = (LN2 + LN4_3) / 2
    # fused (s(b1) + s(b2)) / 2 = [[(s(9) + .5) / 2, (.5 + s(7)) / 2],
    # [(.75 + .75) / 2, (s(-9) + .5) / 2]] ~ [[.7499, .7495], [.75, .2500]];
    # (0.7, 0.1): [[1, 1], [1, I]]
    c = torch.tensor([[[[0., 0.], [LN3, 5.]]]])
    want_c = (2 * LN2 + LN4_3) / 3
    losses = model.spg_losses(feats, torch.tensor([1]), b1, b2, c, (2, 2))
    assert sorted(losses) == ['loss_spg_b1', 'loss_spg_b2', 'loss_spg_c']
    assert losses['loss_spg_b2'].item() == pytest.approx(want_b2, abs=1e-6)
    assert losses['loss_spg_b1'].item() == pytest.approx(want_b1, abs=1e-6)
    assert losses['loss_spg_c'].item() == pytest.approx(want_c, abs=1e-6)
    # a constant attention map guides nothing: loss_spg_b2 = 0
    losses = model.spg_losses(torch.ones(1, 1, 2, 2), torch.tensor([1]), b1,
                              b2, c, (2, 2))
    assert losses['loss_spg_b2'].item() == 0.0


def test_loss_mode_wires_the_branches_and_the_total():
    torch.manual_seed(0)
    model = MODELS.build(spg_cfg())
    model.init_weights()
    model.train()
    x = torch.randn(2, 3, 32, 32)
    data = [DataSample().set_gt_label(y) for y in (2, 0)]
    seen = {}
    model.spg_head.b1_in.register_forward_hook(
        lambda m, i, o: seen.__setitem__('b1', i[0].shape))
    model.spg_head.b2_in.register_forward_hook(
        lambda m, i, o: seen.__setitem__('b2', i[0].shape))
    model.spg_head.c.register_forward_hook(
        lambda m, i, o: seen.__setitem__('c', (i[0].shape, o.shape)))
    losses = model(x, data, mode='loss')
    assert sorted(losses) == [
        'loss', 'loss_spg_b1', 'loss_spg_b2', 'loss_spg_c']
    # VGG11 at 32 px: stage 1 after its pool 128 x 8 x 8; stage 2 (no last
    # pool) 256 x 8 x 8; SPG-C reads A (the last stage) and gives 1 channel
    assert seen['b1'] == (2, 128, 8, 8)
    assert seen['b2'] == (2, 256, 8, 8)
    assert seen['c'] == ((2, 256, 8, 8), (2, 1, 8, 8))
    sum(losses.values()).backward()
    for name in ('spg_head.b1_in.0.weight', 'spg_head.c.1.weight',
                 'backbone.features.0.conv.weight', 'head.fc.weight'):
        grad = dict(model.named_parameters())[name].grad
        assert grad is not None and grad.abs().sum() > 0, name
    # predict is CAM's: the GT class's map at native size
    with torch.no_grad():
        out = model.eval().predict(x, data)
    assert out[0].score_map.shape == (8, 8)
    assert out[0].pred_bboxes.shape == (1, 4)


def test_configuration_errors():
    with pytest.raises(ValueError, match='branch_inputs'):
        MODELS.build(spg_cfg(branch_inputs=(0, 2)))
    with pytest.raises(ValueError, match='spg_thresholds'):
        MODELS.build(spg_cfg(spg_thresholds=((0.1, 0.7), (0.5, 0.05),
                                             (0.7, 0.1))))
    with pytest.raises(ValueError, match='spg_thresholds'):
        MODELS.build(spg_cfg(spg_thresholds=((0.7, 0.01), )))
    model = MODELS.build(spg_cfg())
    with pytest.raises(ValueError, match='no nn.MaxPool2d'):
        MODELS.build(spg_cfg(
            backbone=dict(type='MobileNetV2', widen_factor=0.25,
                          out_indices=(5, 7)),
            backbone_last_max_pool=dict(kernel_size=3)))
    with pytest.raises(ValueError, match='gt_label'):
        model(torch.randn(1, 3, 32, 32), [DataSample()], mode='loss')
    single = MODELS.build(spg_cfg(backbone=dict(
        type='VGG', depth=11, num_stages=3, out_indices=(2, ),
        dilations=(1, 1, 1), with_last_pool=False), branch_inputs=(0, 0)))
    with pytest.raises(ValueError, match='intermediate stages'):
        single(torch.randn(1, 3, 32, 32), [DataSample().set_gt_label(0)],
               mode='loss')


def test_vgg16_config_is_wsolevaluations_vggspg(repo_root):
    cfg = Config.fromfile(osp.join(repo_root, 'configs/spg/spg_vgg16_cub.py'))
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    model.init_weights()
    assert [type(m).__name__ for m in model.extra_convs] == ['ConvModule'] * 2
    # pool4 is VggSpg's 3x3 stride-2 max pool; pools 1-3 stay 2x2
    pools = [m for m in model.backbone.modules()
             if isinstance(m, torch.nn.MaxPool2d)]
    assert [(p.kernel_size, p.stride, p.padding) for p in pools] == [
        (2, 2, 0)] * 3 + [(3, 2, 1)]
    assert model.spg_thresholds == ((0.7, 0.01), (0.5, 0.05), (0.7, 0.1))
    # new 3x3 convs 512 -> 512: Xavier uniform, bound sqrt(6 / (2 * 4608))
    bound = math.sqrt(6. / (2 * 512 * 9))
    for w in (model.extra_convs[0].conv.weight,
              model.spg_head.b1_in[0].weight):
        assert w.abs().max() <= bound
        assert w.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    seen = {}
    model.spg_head.b1_in.register_forward_hook(
        lambda m, i, o: seen.__setitem__('b1', i[0].shape))
    model.spg_head.b2_in.register_forward_hook(
        lambda m, i, o: seen.__setitem__('b2', i[0].shape))
    model.train()
    with torch.no_grad():
        losses = model(torch.randn(1, 3, 64, 64),
                       [DataSample().set_gt_label(3)], mode='loss')
    # stride 16 for both: conv4_3 after pool4, conv5_3 (no pool5)
    assert seen == {'b1': (1, 512, 4, 4), 'b2': (1, 512, 4, 4)}
    assert len(losses) == 4
    # 10x lr: conv4_x, conv5_x (VggSpg's SPG_A_1, SPG_A_2) and new layers
    keys = cfg.optim_wrapper.paramwise_cfg.custom_keys
    assert {k for k in keys if k.startswith('backbone.')} == {
        f'backbone.features.{i}.' for i in (10, 11, 12, 14, 15, 16)}
    assert all(keys[k]['lr_mult'] == 10.0 for k in keys)
    assert {'extra_convs', 'head', 'spg_head'} <= set(keys)


def test_tiny_configs_are_cams_plus_spg(repo_root):
    for spg, cam in (('spg_tiny_synthetic', 'cam_tiny_synthetic'),
                     ('spg_tiny_synthetic_pretrained',
                      'cam_tiny_synthetic_pretrained')):
        a = Config.fromfile(osp.join(repo_root, f'configs/spg/{spg}.py'))
        b = Config.fromfile(osp.join(repo_root, f'configs/cam/{cam}.py'))
        for key in ('train_dataloader', 'val_dataloader', 'optim_wrapper',
                    'param_scheduler', 'train_cfg', 'randomness',
                    'val_evaluator', 'test_evaluator'):
            assert a[key] == b[key], (spg, key)
        ma, mb = a.model.to_dict(), b.model.to_dict()
        assert ma.pop('type') == 'SPG' and mb.pop('type') == 'CAM'
        assert ma['backbone'].pop('out_indices') == (1, 2, 3)
        mb['backbone'].pop('out_indices')
        for key in ('spg_head', 'branch_inputs', 'spg_thresholds',
                    'seed_loss'):
            ma.pop(key)
        assert ma == mb, spg


def test_tiny_spg_trains_and_tests_with_the_tools(tmp_path, tool_env,
                                                  repo_root):
    log, _ = train_then_test('configs/spg/spg_tiny_synthetic.py', tmp_path,
                             tool_env, repo_root)
    for key in ('loss_spg_b2', 'loss_spg_b1', 'loss_spg_c'):
        assert key in log, key
