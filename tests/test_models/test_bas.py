"""BAS (Wu et al., CVPR 2022): its activations S, S^fg, S^bg and losses on
hand-made feature maps, weights and foreground maps, worked out by hand;
the frozen classifier pass; the pre-pool VGG cut; the test-time map."""
import copy
import math
import os.path as osp
import sys

import pytest
import torch
import torch.nn as nn
from mmpretrain.models.backbones import VGG, ResNet

import mmwsol.models  # noqa: F401
from mmwsol.models.losses import BackgroundActivationLoss
from mmwsol.models.utils import (PrePoolBackboneSplitter,
                                 call_with_frozen_weights)
from mmwsol.registry import MODELS
from mmwsol.structures import WSOLDataSample

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(__file__)), 'test_tools'))
from tiny_method_runs import train_then_test  # noqa: E402

BAS_TINY = 'configs/bas/bas_tiny_synthetic.py'


def tiny_bas(**kwargs):
    cfg = dict(
        type='BAS',
        data_preprocessor=dict(type='ClsDataPreprocessor', num_classes=2),
        backbone=dict(
            type='ResNet',
            depth=18,
            stem_channels=8,
            base_channels=8,
            out_indices=(3, ),
            strides=(1, 2, 2, 1)),
        head=dict(type='LinearClsHead', num_classes=2, in_channels=64),
        generator=dict(type='BASGeneratorHead'),
        split=2)
    cfg.update(kwargs)
    return MODELS.build(cfg)


# ---------------------------------------------------------------------------
# hand-made example (B = 1, D = 2 channels, C = 2 classes, 2 x 2 maps).
# The backbone cut is replaced by the identity (x_low = the input) and the
# rest of the backbone by the identity too, so A = x_low; head.fc = identity
# weights, zero bias, so the class maps are F_c = ReLU(A_c):
#   A_0 = [[4, 2], [0, -2]]   F_0 = [[4, 2], [0, 0]]   GAP: 6/4 = 1.5
#   A_1 = [[1, 1], [1,  1]]   F_1 = [[1, 1], [1, 1]]   GAP: 1
# logits = [1.5, 1], y = 0, so S = 1.5 (without the ReLU it would be
# (4 + 2 + 0 - 2) / 4 = 1).
# Generator maps (hand-made, a leaf so the gradient reaching M is visible):
#   M_0 = [[1, 0.5], [0, 0]] (the GT class's: M), M_1 = all 0.5.
# Background: x_bg = A * (1 - M):
#   ch0 = [[4*0, 2*0.5], [0*1, -2*1]] = [[0, 1], [0, -2]] -> ReLU -> GAP:
#   1/4, so S^bg = 0.25 < S and L_BAS = 0.25 / 1.5 = 1/6.
# Area: mean(M) = (1 + 0.5 + 0 + 0) / 4 = 0.375; x 0.7 = 0.2625.
# Foreground: M pooled to F's 2 x 2 is M itself; logits^fg = GAP(F * M):
#   class 0: (4*1 + 2*0.5) / 4 = 1.25 = S^fg; class 1: (1 + 0.5) / 4 =
#   0.375. CE = log(1 + exp(0.375 - 1.25)) = log(1 + e^-0.875); x 0.5.
# Classification: CE([1.5, 1], 0) = log(1 + e^-0.5).
# ---------------------------------------------------------------------------
A = torch.tensor([[[[4., 2.], [0., -2.]], [[1., 1.], [1., 1.]]]])
M_ALL = torch.tensor([[[[1., 0.5], [0., 0.]], [[0.5, 0.5], [0.5, 0.5]]]])


def hand_model(class_map_relu=True):
    model = tiny_bas(
        class_map_relu=class_map_relu,
        generator=dict(
            type='BASGeneratorHead',
            area_loss=dict(type='AreaLoss', topk=0, skip=0, loss_weight=0.7),
            foreground_loss=dict(type='CrossEntropyLoss', loss_weight=0.5)),
        head=dict(type='LinearClsHead', num_classes=2, in_channels=2))
    model.train()
    model.splitter.forward_low = lambda x: x
    model.splitter.forward_high = lambda x: (x, )
    with torch.no_grad():
        model.head.fc.weight.copy_(torch.eye(2))
        model.head.fc.bias.zero_()
    maps = M_ALL.clone().requires_grad_(True)
    model.generator.forward = lambda x_low: maps
    return model, maps


def test_activations_by_hand():
    model, _ = hand_model()
    act = model.activations(A.clone(), torch.tensor([0]))
    assert act['logits'].tolist() == [[1.5, 1.0]]
    assert act['s'].tolist() == [1.5]
    assert act['s_bg'].tolist() == [0.25]
    assert act['fg_logits'].tolist() == [[1.25, 0.375]]  # S^fg = 1.25
    assert act['m'].tolist() == [[[[1.0, 0.5], [0.0, 0.0]]]]


def test_activations_without_class_map_relu():
    model, _ = hand_model(class_map_relu=False)
    act = model.activations(A.clone(), torch.tensor([0]))
    # GAP(A_0) = (4 + 2 + 0 - 2) / 4 = 1 (= CAM's fc(GAP(A)))
    assert act['s'].tolist() == [1.0]
    # background ch0 [[0, 1], [0, -2]] without ReLU: -1/4
    assert act['s_bg'].tolist() == [-0.25]


def test_losses_by_hand():
    model, _ = hand_model()
    sample = WSOLDataSample().set_gt_label(0)
    losses = model.loss(A.clone(), [sample])
    assert set(losses) == {
        'loss_cls', 'loss_bg', 'loss_area', 'loss_fg', 'dead_gt_map'
    }
    assert losses['dead_gt_map'].item() == 0  # F_0 is 4 at one location
    assert losses['loss_bg'].item() == pytest.approx(1 / 6)
    assert losses['loss_area'].item() == pytest.approx(0.2625)
    assert losses['loss_fg'].item() == pytest.approx(
        0.5 * math.log(1 + math.exp(-0.875)))
    assert losses['loss_cls'].item() == pytest.approx(
        math.log(1 + math.exp(-0.5)))


def test_dead_ground_truth_maps_are_logged_not_summed():
    """Sample 0 (y = 0): A_0 = -A_0 of the hand-made example is
    [[-4, -2], [0, 2]], positive at one location, alive. Sample 1 (y = 1):
    A_1 = all -1, F_1 = ReLU(-1) = 0 everywhere, S = 0: dead. Half the batch
    is dead; without the ReLU nothing is reported."""
    model, _ = hand_model()
    model.generator.forward = lambda x_low: M_ALL.expand(2, -1, -1, -1)
    inputs = torch.cat([-A, torch.stack([A[0, 0], -torch.ones(2, 2)])[None]])
    samples = [WSOLDataSample().set_gt_label(i) for i in (0, 1)]
    losses = model.loss(inputs, samples)
    assert losses['dead_gt_map'].item() == 0.5
    assert not losses['dead_gt_map'].requires_grad
    total, log_vars = model.parse_losses(losses)
    assert total.item() == pytest.approx(
        sum(v.item() for k, v in losses.items() if k.startswith('loss_')))
    assert log_vars['dead_gt_map'] == 0.5
    model, _ = hand_model(class_map_relu=False)
    assert 'dead_gt_map' not in model.loss(A.clone(), samples[:1])


def test_background_gradient_reaches_m_only():
    model, maps = hand_model()
    inputs = A.clone().requires_grad_(True)
    losses = model.loss(inputs, [WSOLDataSample().set_gt_label(0)])
    losses['loss_bg'].backward()
    # L = S^bg / 1.5 with S^bg = mean ReLU(A_0 (1 - M_0)); only the cell
    # (0, 1) has a positive background activation (1): dS^bg/dM = -A/4 =
    # -2/4 there, so dL/dM_0 = -0.5 / 1.5 = -1/3; 0 elsewhere and on the
    # other class's map
    assert torch.allclose(maps.grad[0, 0],
                          torch.tensor([[0.0, -1 / 3], [0.0, 0.0]]))
    assert maps.grad[0, 1].abs().sum() == 0
    # the features enter detached, the classifier with frozen weights
    assert inputs.grad is None or inputs.grad.abs().sum() == 0
    fc_grad = model.head.fc.weight.grad
    assert fc_grad is None or fc_grad.abs().sum() == 0


def test_area_gradient():
    model, maps = hand_model()
    losses = model.loss(A.clone(), [WSOLDataSample().set_gt_label(0)])
    losses['loss_area'].backward()
    # 0.7 * mean of 4 cells: 0.7 / 4 = 0.175 on each cell of M_0
    assert torch.allclose(maps.grad[0, 0], torch.full((2, 2), 0.175))
    assert maps.grad[0, 1].abs().sum() == 0


def test_classification_loss_trains_the_classifier():
    model, _ = hand_model()
    losses = model.loss(A.clone(), [WSOLDataSample().set_gt_label(0)])
    losses['loss_cls'].backward()
    assert model.head.fc.weight.grad.abs().sum() > 0


def test_background_activation_loss_by_hand():
    loss = BackgroundActivationLoss(loss_weight=2.0)
    s = torch.tensor([4.0, 2.0, 1.0], requires_grad=True)
    s_bg = torch.tensor([1.0, 3.0, 0.5], requires_grad=True)
    value = loss(s_bg, s)
    # ratios 1/4, 0 (3 >= 2: no penalty, as the release), 1/2; mean 0.25;
    # x 2 = 0.5
    assert value.item() == pytest.approx(0.5)
    value.backward()
    # d/ds_bg = 2 / (3 * s) where counted: 2/12, 0, 2/3; S is detached
    assert s_bg.grad.tolist() == pytest.approx([1 / 6, 0.0, 2 / 3])
    assert s.grad is None
    # equal activations are not penalised either
    assert loss(torch.tensor([2.0]), torch.tensor([2.0])).item() == 0
    with pytest.raises(ValueError, match='differ in shape'):
        loss(torch.zeros(2), torch.zeros(3))


def test_call_with_frozen_weights_keeps_parameters_and_buffers():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3))
    net.train()
    x = torch.randn(4, 2, 3, 3, requires_grad=True)
    mean_before = net[1].running_mean.clone()
    out = call_with_frozen_weights(net, net, x)
    # same numbers as the module itself (train-mode batch statistics)
    ref = nn.Sequential(nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3))
    ref.load_state_dict(net.state_dict())
    ref.train()
    assert torch.allclose(out, ref(x))
    # but the running statistics are untouched and no weight gets a grad
    assert torch.equal(net[1].running_mean, mean_before)
    out.sum().backward()
    assert all(p.grad is None for p in net.parameters())
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_pre_pool_split_vgg():
    torch.manual_seed(0)
    backbone = VGG(11, out_indices=(4, ), with_last_pool=False)
    backbone.eval()
    x = torch.randn(1, 3, 32, 32)
    splitter = PrePoolBackboneSplitter(backbone, 3, before_pool=True)
    # VGG11 stage 3 = conv4_1, conv4_2 (512 channels) then pool4: before
    # the pool the stride is 2 * 2 * 2 = 8 (32 px -> 4)
    assert splitter.out_channels_low == 512 and splitter.stride_low == 8
    low = splitter.forward_low(x)
    assert low.shape == (1, 512, 4, 4)
    assert torch.equal(splitter.forward_high(low)[-1], backbone(x)[-1])
    after = PrePoolBackboneSplitter(backbone, 3)
    assert after.stride_low == 16
    assert after.forward_low(x).shape == (1, 512, 2, 2)
    # the last stage has no pool; other families are cut between stages
    with pytest.raises(ValueError, match='no max pool'):
        PrePoolBackboneSplitter(backbone, 4, before_pool=True)
    with pytest.raises(ValueError, match='VGG'):
        PrePoolBackboneSplitter(
            ResNet(18, base_channels=8, stem_channels=8), 2,
            before_pool=True)


def test_topk_mean_and_select():
    head = MODELS.build(
        dict(type='BASGeneratorHead', num_classes=3, in_channels=1))
    maps = torch.tensor([[[[0.2, 0.4]], [[0.6, 0.8]], [[1.0, 0.0]]]])
    logits = torch.tensor([[0.1, 0.5, 0.3]])
    # top-2 classes 1 and 2: ([0.6, 0.8] + [1.0, 0.0]) / 2 = [0.8, 0.4]
    assert torch.allclose(
        head.topk_mean(maps, logits, 2), torch.tensor([[[[0.8, 0.4]]]]))
    assert head.select(maps, torch.tensor([2])).tolist() == [[[[1.0, 0.0]]]]


def test_predict_returns_topk_mean_map():
    torch.manual_seed(0)
    model = tiny_bas(test_cfg=dict(topk=2))
    model.eval()
    x = torch.randn(2, 3, 64, 64)
    out = model.predict(x, [WSOLDataSample() for _ in range(2)])
    x_low = model.splitter.forward_low(x)
    # C = 2 and topk = 2: the mean of both classes' maps
    expected = model.generator(x_low).mean(dim=1)
    for i, sample in enumerate(out):
        assert sample.score_map.shape == (4, 4)  # stride 16 at 64 px
        assert torch.allclose(sample.score_map, expected[i].detach())
        assert sample.pred_bboxes.shape == (1, 4)
    assert torch.allclose(model(x), model._logits_from_low(x_low))


def test_config_errors():
    with pytest.raises(ValueError, match="cam_class='gt'"):
        tiny_bas(cam_class='gt')
    with pytest.raises(ValueError, match='topk'):
        tiny_bas(test_cfg=dict(topk=3))
    with pytest.raises(ValueError, match='in_channels'):
        tiny_bas(
            generator=dict(type='BASGeneratorHead', in_channels=7))
    with pytest.raises(ValueError, match='gt_label'):
        tiny_bas().loss(torch.zeros(1, 3, 32, 32), [WSOLDataSample()])
    # with ReLU class maps the logits are not fc(pre_logits)
    with pytest.raises(ValueError, match='pre_logits'):
        tiny_bas().extract_feat(torch.zeros(1, 3, 32, 32), 'pre_logits')


def test_background_pass_leaves_batchnorm_statistics_alone():
    # the frozen pass runs layer4 (BatchNorm) on the erased features in
    # train mode; its running statistics must be those of the ordinary
    # pass only (the release's deep copies drop theirs)
    torch.manual_seed(0)
    model = tiny_bas()
    model.train()
    ref = copy.deepcopy(model)
    x = torch.randn(2, 3, 64, 64)
    model.activations(x, torch.tensor([0, 1]))
    ref.logits(x)
    for (name, a), (_, b) in zip(model.named_buffers(),
                                 ref.named_buffers()):
        assert torch.equal(a, b), name


def test_tiny_config_trains_and_tests(tmp_path, tool_env, repo_root):
    log, _ = train_then_test(BAS_TINY, tmp_path, tool_env, repo_root)
    for key in ('loss_cls', 'loss_bg', 'loss_area', 'loss_fg',
                'dead_gt_map'):
        assert key in log, key
