"""ACoL: the adversarial erasing on hand-made maps, the fused map, the
two-branch loss, the VGG16 layout of wsolevaluation, and the tiny config
through tools/train.py and tools/test.py."""
import math
import os.path as osp
import sys

import pytest
import torch
import torch.nn as nn
from mmpretrain.structures import DataSample

from mmwsol.models.utils import adversarial_erasing
from mmwsol.registry import MODELS
from mmwsol.utils import register_all_modules

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(__file__)), 'test_tools'))
from tiny_method_runs import train_then_test  # noqa: E402

register_all_modules()

ACOL_TINY = 'configs/acol/acol_tiny_synthetic.py'


def acol_cfg(**kwargs):
    cfg = dict(
        type='ACoL',
        backbone=dict(type='VGG', depth=11, num_stages=1, out_indices=(0, ),
                      dilations=(1, ), with_last_pool=False),
        branch_convs=[],
        erase_threshold=0.7,
        head=dict(type='LinearClsHead', num_classes=2, in_channels=2))
    cfg.update(kwargs)
    return cfg


def hand_model():
    """Branch A = branch B = identity (no convs); fc_A picks channel 0 for
    class 0 and channel 1 for class 1, fc_B the other way round; no bias.
    """
    model = MODELS.build(acol_cfg())
    with torch.no_grad():
        model.head.fc.weight.copy_(torch.tensor([[1., 0.], [0., 1.]]))
        model.head_b.fc.weight.copy_(torch.tensor([[0., 1.], [1., 0.]]))
        model.head.fc.bias.zero_()
        model.head_b.fc.bias.zero_()
    return model.eval()


# S for two images, D = 2 channels, 3 x 3.
RAMP = torch.arange(9.).reshape(3, 3)  # 0 .. 8, peak bottom right
S1 = torch.tensor([[8., 0., 0.], [0., 0., 0.], [0., 0., 4.]])
HAND_FEATS = torch.stack([
    torch.stack([RAMP, S1]),  # image 0
    torch.stack([8 - RAMP, S1]),  # image 1: the ramp reversed
])


def test_adversarial_erasing_by_hand():
    feats = torch.arange(18.).reshape(1, 2, 3, 3) + 1  # no zeros
    attention = torch.tensor([[[0.0, 0.2, 0.69], [0.7, 1.0, 0.5],
                               [0.71, 0.3, 0.1]]])
    erased, region = adversarial_erasing(feats, attention, 0.7)
    # >= 0.7: (1, 0) = 0.7 exactly, (1, 1) = 1.0, (2, 0) = 0.71
    want_region = torch.tensor([[[False, False, False], [True, True, False],
                                 [True, False, False]]])
    assert torch.equal(region, want_region)
    want = feats.clone()
    want[0, :, 1, 0] = 0
    want[0, :, 1, 1] = 0
    want[0, :, 2, 0] = 0
    assert torch.equal(erased, want)
    # gradient flows to the kept positions only
    feats.requires_grad_(True)
    adversarial_erasing(feats, attention, 0.7)[0].sum().backward()
    assert torch.equal(feats.grad, (~want_region).float()[:, None].expand(
        1, 2, 3, 3))
    with pytest.raises(ValueError, match='B x h x w'):
        adversarial_erasing(feats, attention[:, :2], 0.7)


def test_branch_a_peak_is_erased_in_branch_b_input():
    model = hand_model()
    seen = []
    model.branch_b.register_forward_pre_hook(
        lambda module, args: seen.append(args[0].clone()))
    with torch.no_grad():
        out = model.branches(HAND_FEATS, torch.tensor([0, 0]))
    # class 0: M^A = S_0 / 2; normalised: image 0 RAMP / 8, >= 0.7 where
    # RAMP >= 5.6: 6, 7, 8 = the bottom row; image 1 (8 - RAMP) / 8 >= 0.7
    # where RAMP <= 2.4: 0, 1, 2 = the top row
    assert torch.allclose(out['map_a'][0], RAMP / 8)
    assert torch.allclose(out['map_a'][1], (8 - RAMP) / 8)
    bottom = torch.tensor([[False] * 3, [False] * 3, [True] * 3])
    top = bottom.flip(0)
    assert torch.equal(out['erased'], torch.stack([bottom, top]))
    want = HAND_FEATS.clone()
    want[0, :, 2, :] = 0
    want[1, :, 0, :] = 0
    assert len(seen) == 1 and torch.equal(seen[0], want)


def test_predict_fuses_the_two_normalised_maps_by_max():
    model = hand_model()
    model.feature_map = lambda inputs: HAND_FEATS
    data = [DataSample().set_gt_label(0) for _ in range(2)]
    with torch.no_grad():
        out = model.predict(torch.zeros(2, 3, 12, 12), data)
    # image 0: A = RAMP / 8; B's input has the bottom row erased, so its
    # S_1 is [[8, 0, 0], 0, 0] and M^B_0 = S_1 / 2 normalises to 1 at the
    # top left, 0 elsewhere; max: RAMP / 8 with 1 at (0, 0)
    want0 = RAMP / 8
    want0[0, 0] = 1.0
    # image 1: A = (8 - RAMP) / 8 (already 1 at (0, 0)); B's input has the
    # top row erased: S_1 keeps only the 4 at (2, 2) -> normalised 1 there
    want1 = (8 - RAMP) / 8
    want1[2, 2] = 1.0
    assert torch.allclose(out[0].score_map, want0)
    assert torch.allclose(out[1].score_map, want1)
    # the scores are branch A's: GAP(S) = (4, 4/3) for both images
    want_score = torch.softmax(torch.tensor([4., 4. / 3]), 0)
    assert torch.allclose(out[0].pred_score, want_score)
    assert out[0].pred_label.item() == 0
    # box of image 0: the fused map min-max normalised again (min 1/8 at
    # (0, 1)): (v - 1/8) / (7/8) > 0.5 (test_cfg default) <=> v > 9/16:
    # (0, 0) and RAMP = 5..8 -> rows 0..2, cols 0..2, 4 px per cell
    assert out[0].pred_bboxes[0].tolist() == [0., 0., 12., 12.]


def test_loss_is_the_sum_of_both_cross_entropies():
    model = hand_model().train()
    model.feature_map = lambda inputs: HAND_FEATS[:1]
    losses = model.loss(torch.zeros(1, 3, 12, 12),
                        [DataSample().set_gt_label(0)])
    # A: GAP(S) = (mean RAMP, mean S1) = (4, 4/3); logits_A = (4, 4/3);
    # CE(label 0) = log(1 + exp(4/3 - 4))
    ce_a = math.log(1 + math.exp(4 / 3 - 4))
    # B: bottom row erased: GAP = (15/9, 8/9); fc_B swaps the channels:
    # logits_B = (8/9, 15/9); CE(label 0) = log(1 + exp(15/9 - 8/9))
    ce_b = math.log(1 + math.exp(15 / 9 - 8 / 9))
    assert sorted(losses) == ['loss_a', 'loss_b']
    assert losses['loss_a'].item() == pytest.approx(ce_a, rel=1e-5)
    assert losses['loss_b'].item() == pytest.approx(ce_b, rel=1e-5)
    total, _ = model.parse_losses(losses)
    assert total.item() == pytest.approx(ce_a + ce_b, rel=1e-5)
    with pytest.raises(ValueError, match='gt_label'):
        model.loss(torch.zeros(1, 3, 12, 12), [DataSample()])


def test_branches_are_independent_and_train_the_backbone():
    model = MODELS.build(
        acol_cfg(branch_convs=[dict(in_channels=64, out_channels=8,
                                    kernel_size=3, padding=1)],
                 head=dict(type='LinearClsHead', num_classes=3,
                           in_channels=8)))
    assert model.branch_a[0].conv is not model.branch_b[0].conv
    assert not torch.equal(model.branch_a[0].conv.weight,
                           model.branch_b[0].conv.weight)
    model.train()
    x = torch.randn(2, 3, 16, 16)
    losses = model(x, [DataSample().set_gt_label(i) for i in (0, 2)],
                   mode='loss')
    losses['loss_b'].backward()
    # B's loss reaches the shared backbone through the kept positions
    assert model.backbone.features[0].conv.weight.grad.abs().sum() > 0
    assert model.head.fc.weight.grad is None
    with torch.no_grad():
        logits = model.eval()(x)  # 'tensor' mode: branch A's logits
        want = model.head.fc(
            model.branch_a(model.feature_map(x)).mean(dim=(2, 3)))
    assert torch.allclose(logits, want, atol=1e-6)


def test_wsolevaluation_vgg16_layout():
    """VggAcol: 3x3 stride-2 max poolings ('M1'), then a 3x3 stride-1 max
    and a 3x3 stride-1 average pooling after conv5_3: 14 x 14 at 224."""
    model = MODELS.build(
        acol_cfg(backbone=dict(type='VGG', depth=16, out_indices=(4, ),
                               with_last_pool=False),
                 backbone_max_pool=dict(kernel_size=3, stride=2, padding=1),
                 feature_max_pool=3, feature_avg_pool=3))
    pools = [m for m in model.backbone.modules()
             if isinstance(m, nn.MaxPool2d)]
    assert len(pools) == 4 and all(
        (p.kernel_size, p.stride, p.padding) == (3, 2, 1) for p in pools)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        feats = model.feature_map(x)
        raw = model.backbone(x)[-1]
    assert feats.shape == (1, 512, 4, 4)
    pooled = nn.functional.avg_pool2d(
        nn.functional.max_pool2d(raw, 3, 1, 1), 3, 1, 1)
    assert torch.allclose(feats, pooled)


def test_configuration_errors():
    for bad in (0.0, 1.5):
        with pytest.raises(ValueError, match='erase_threshold'):
            MODELS.build(acol_cfg(erase_threshold=bad))
    with pytest.raises(ValueError, match='feature_max_pool'):
        MODELS.build(acol_cfg(feature_max_pool=2))
    with pytest.raises(ValueError, match='no nn.MaxPool2d'):
        MODELS.build(acol_cfg(backbone_max_pool=dict(kernel_size=3)))


def test_tiny_config_trains_and_tests(tmp_path, tool_env, repo_root):
    log, _ = train_then_test(ACOL_TINY, tmp_path, tool_env, repo_root)
    assert 'loss_a' in log and 'loss_b' in log
