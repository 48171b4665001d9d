"""ADL: the Attention-based Dropout Layer on hand-made features, its drop
rate over many seeded draws, identity in eval; its insertion after named
backbone layers by hooks; the tiny config through tools/train.py and
tools/test.py."""
import copy
import os.path as osp
import pickle
import sys

import pytest
import torch
from mmpretrain.structures import DataSample

from mmwsol.models.utils import AttentionDropout
from mmwsol.registry import MODELS
from mmwsol.utils import register_all_modules

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(__file__)), 'test_tools'))
from tiny_method_runs import train_then_test  # noqa: E402

register_all_modules()

ADL_TINY = 'configs/adl/adl_tiny_synthetic.py'

# F: 1 image, 2 channels, 2 x 2; channel mean A = [[2, 4], [6, 8]]
FEATS = torch.tensor([[[[1., 3.], [5., 7.]], [[3., 5.], [7., 9.]]]])
ATTENTION = torch.tensor([[2., 4.], [6., 8.]])
# gamma 0.9: threshold 0.9 * 8 = 7.2; only the 8 at (1, 1) is >= 7.2
DROP_MASK = torch.tensor([[1., 1.], [1., 0.]])


def test_drop_mask_and_importance_map_by_hand():
    layer = AttentionDropout(drop_rate=1.0, gamma=0.9).train()
    attention = layer.attention(FEATS)
    assert torch.equal(attention, ATTENTION[None, None])
    assert torch.equal(layer.drop_mask(attention), DROP_MASK[None, None])
    # drop_rate 1: always the drop mask -> F with (1, 1) zeroed
    out = layer(FEATS)
    want = FEATS.clone()
    want[..., 1, 1] = 0
    assert torch.equal(out, want)
    assert bool(layer.last_dropped)
    # drop_rate 0: always the importance map sigmoid(A)
    layer = AttentionDropout(drop_rate=0.0, gamma=0.9).train()
    sig = 1 / (1 + torch.exp(-ATTENTION))  # sigmoid(2), ..., sigmoid(8)
    assert torch.allclose(layer(FEATS), FEATS * sig, atol=1e-7)
    assert not bool(layer.last_dropped)
    # the threshold is per sample: a second image scaled by 10 drops the
    # same position (its max is 80, threshold 72)
    both = torch.cat([FEATS, 10 * FEATS])
    layer = AttentionDropout(drop_rate=1.0, gamma=0.9).train()
    out = layer(both)
    assert torch.equal(out[0], want[0])  # not the batch max 80
    assert torch.equal(out[1], 10 * want[0])
    # gamma 0.5: threshold 4 -> A < 4 keeps only the 2 at (0, 0)
    layer = AttentionDropout(drop_rate=1.0, gamma=0.5)
    assert torch.equal(
        layer.drop_mask(ATTENTION[None, None])[0, 0],
        torch.tensor([[1., 0.], [0., 0.]]))


def test_importance_map_carries_the_gradient():
    feats = FEATS.clone().requires_grad_(True)
    AttentionDropout(drop_rate=0.0).train()(feats).sum().backward()
    # d/dF_d [F_d * sigmoid(mean_d F)] summed over d:
    # sigmoid(A) + (F_0 + F_1) * s(1 - s) / 2 = s + A * s * (1 - s)
    s = torch.sigmoid(ATTENTION)
    want = s + ATTENTION * s * (1 - s)
    assert torch.allclose(feats.grad[0, 0], want, atol=1e-6)
    assert torch.allclose(feats.grad[0, 1], want, atol=1e-6)


def test_drop_rate_over_many_seeded_draws():
    layer = AttentionDropout(drop_rate=0.75, gamma=0.9).train()
    dropped = DROP_MASK
    torch.manual_seed(0)
    choices = []
    for _ in range(4000):
        out = layer(FEATS)
        is_drop = torch.equal(out, FEATS * dropped)
        is_imp = torch.allclose(out, FEATS * torch.sigmoid(ATTENTION))
        assert is_drop != is_imp  # exactly one of the two maps
        assert is_drop == bool(layer.last_dropped)
        choices.append(is_drop)
    rate = sum(choices) / len(choices)
    # binomial sd sqrt(0.75 * 0.25 / 4000) = 0.0068: +-0.025 is 3.6 sd
    assert abs(rate - 0.75) < 0.025, rate
    # seeded: the same sequence again
    torch.manual_seed(0)
    again = [torch.equal(layer(FEATS), FEATS * dropped)
             for _ in range(len(choices))]
    assert again == choices


def test_identity_in_eval_and_argument_checks():
    layer = AttentionDropout(drop_rate=1.0, gamma=0.0).eval()
    assert layer(FEATS) is FEATS
    for kwargs in (dict(drop_rate=1.5), dict(gamma=-0.1)):
        with pytest.raises(ValueError, match='in \\[0, 1\\]'):
            AttentionDropout(**kwargs)
    assert dict(MODELS.build(dict(type='AttentionDropout')).state_dict()) \
        == {}


def tiny_cfg(**kwargs):
    cfg = dict(
        type='ADL',
        backbone=dict(type='ResNet', depth=18, stem_channels=16,
                      base_channels=16, strides=(1, 2, 2, 1),
                      out_indices=(3, )),
        head=dict(type='LinearClsHead', num_classes=4, in_channels=128),
        adl_layers=['backbone.layer3.0', 'backbone.layer4.0',
                    'backbone.layer4.1'],
        adl_cfg=dict(type='AttentionDropout', drop_rate=1.0, gamma=0.9))
    cfg.update(kwargs)
    return cfg


def test_adl_is_applied_after_the_named_layers():
    torch.manual_seed(0)
    model = MODELS.build(tiny_cfg(adl_layers=['backbone.layer4.1']))
    x = torch.randn(2, 3, 64, 64)
    model.eval()  # BN on running statistics; ADL off
    with torch.no_grad():
        plain = model.feature_map(x)  # B x 128 x 4 x 4
        model.attention_dropouts.train()  # ADL on, drop_rate 1
        dropped = model.feature_map(x)
    # the drop mask of the backbone's last output, by its definition
    att = plain.mean(dim=1, keepdim=True)
    keep = att < 0.9 * att.amax(dim=(2, 3), keepdim=True)
    assert torch.equal(dropped, plain * keep)
    assert (~keep).any() and keep.any()
    # all three layers: each ADL runs once per forward pass
    model = MODELS.build(tiny_cfg())
    calls = []
    for adl in model.attention_dropouts:
        adl.register_forward_hook(lambda m, i, o: calls.append(m))
    model.train()
    model(x, [DataSample().set_gt_label(1)] * 2, mode='loss')
    assert calls == list(model.attention_dropouts)


def test_eval_equals_cam_and_checkpoints_are_cam_checkpoints():
    torch.manual_seed(0)
    adl = MODELS.build(tiny_cfg())
    cam_cfg = tiny_cfg(type='CAM')
    del cam_cfg['adl_layers'], cam_cfg['adl_cfg']
    cam = MODELS.build(cam_cfg)
    assert sorted(adl.state_dict()) == sorted(cam.state_dict())
    cam.load_state_dict(adl.state_dict())
    x = torch.randn(2, 3, 64, 64)
    data = [DataSample().set_gt_label(c) for c in (0, 3)]
    with torch.no_grad():
        a = adl.eval().predict(x, copy.deepcopy(data))
        c = cam.eval().predict(x, copy.deepcopy(data))
    for sa, sc in zip(a, c):
        assert torch.equal(sa.score_map, sc.score_map)
        assert torch.equal(sa.pred_score, sc.pred_score)


def test_copies_hook_their_own_layers():
    model = MODELS.build(tiny_cfg()).train()
    twin = copy.deepcopy(model)
    restored = pickle.loads(pickle.dumps(model))
    x = torch.randn(1, 3, 64, 64)
    for other in (twin, restored):
        for adl in model.attention_dropouts:
            adl.last_dropped.zero_()
        with torch.no_grad():
            other.feature_map(x)
        assert all(bool(m.last_dropped) for m in other.attention_dropouts)
        assert not any(bool(m.last_dropped)
                       for m in model.attention_dropouts)


def test_configuration_errors():
    with pytest.raises(ValueError, match='not modules of the model'):
        MODELS.build(tiny_cfg(adl_layers=['backbone.layer5.0']))
    with pytest.raises(ValueError, match='non-empty'):
        MODELS.build(tiny_cfg(adl_layers=[]))
    with pytest.raises(ValueError, match='repeats'):
        MODELS.build(tiny_cfg(adl_layers=['backbone.layer4.0'] * 2))


def test_tiny_config_trains_and_tests(tmp_path, tool_env, repo_root):
    train_then_test(ADL_TINY, tmp_path, tool_env, repo_root)
