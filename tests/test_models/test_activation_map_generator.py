"""ActivationMapGenerator (F^g): shapes, range, size, init, release layout."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmwsol.models.necks import ActivationMapGenerator
from mmwsol.registry import MODELS


def _double_conv_params(c_in, c_out):
    # two 3x3 convs without bias + two BNs (weight and bias each)
    return 9 * c_in * c_out + 9 * c_out * c_out + 2 * 2 * c_out


def test_parameter_count_equals_release_unet():
    # Release: UNet(c_in=64, n_classes=200, c_base=64) + att_conv3 + bn_att3.
    #   down_1 DC(64, 128)        = 73728 + 147456 + 512   =  221696
    #   down_2 DC(128, 256)       = 294912 + 589824 + 1024 =  885760
    #   down_3 DC(256, 512)       = 1179648 + 2359296 + 2048 = 3540992
    #   up_1   DC(512 + 256, 256) = 1769472 + 589824 + 1024 = 2360320
    #   up_2   DC(256 + 128, 192) = 663552 + 331776 + 768  =  996096
    #   up_3   DC(192 + 64, 200)  = 460800 + 360000 + 800  =  821600
    #   UNet total = 8826464; map conv 200 * 9 = 1800, map BN 2 -> 8828266
    unet = sum(
        _double_conv_params(i, o)
        for i, o in [(64, 128), (128, 256), (256, 512), (768,
                                                         256), (384,
                                                                192), (256,
                                                                       200)])
    assert unet == 8826464
    gen = ActivationMapGenerator(in_channels=64, num_classes=200)
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    unet_part = sum(
        count(getattr(gen, n))
        for n in ('down1', 'down2', 'down3', 'up1', 'up2', 'up3'))
    assert unet_part == unet
    assert count(gen.map_conv) == 1800 and count(gen.map_bn) == 2
    assert count(gen) == 8828266
    # stage 2 trains up_2, up_3 and the map head: 996096 + 821600 + 1802
    phase2 = gen.phase2_trainable_modules()
    assert list(phase2) == ['up2', 'up3', 'map_conv', 'map_bn']
    assert phase2['up3'] is gen.up3
    assert sum(count(m) for m in phase2.values()) == 1819498


@pytest.mark.parametrize('size', [(56, 56), (45, 37), (8, 8), (30, 63)])
def test_shapes_and_range(size):
    torch.manual_seed(0)
    gen = ActivationMapGenerator(in_channels=16,
                                 num_classes=7,
                                 base_channels=4)
    gen.init_weights()
    x = torch.randn(2, 16, *size)
    f_a, p_a = gen(x)
    assert f_a.shape == (2, 7, *size)
    assert p_a.shape == (2, 1, *size)
    assert (p_a >= 0).all() and (p_a <= 1).all()
    gen.eval()
    f_a, p_a = gen((torch.randn(3, 16, *size), ))  # tuple input: last item
    assert p_a.shape == (3, 1, *size) and ((p_a >= 0) & (p_a <= 1)).all()


class _ReleaseLayoutUNet(nn.Module):
    """Independent reference of the released architecture: pool + double
    conv down, ``scale_factor=2`` bilinear up, ``cat([skip, up])``."""

    def __init__(self, c_in, n_cls, c):

        def dc(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=False),
                                 nn.BatchNorm2d(o, momentum=0.01),
                                 nn.LeakyReLU(0.01),
                                 nn.Conv2d(o, o, 3, padding=1, bias=False),
                                 nn.BatchNorm2d(o, momentum=0.01),
                                 nn.LeakyReLU(0.01))

        super().__init__()
        self.d1, self.d2, self.d3 = dc(c_in,
                                       2 * c), dc(2 * c,
                                                  4 * c), dc(4 * c, 8 * c)
        self.u1, self.u2, self.u3 = dc(12 * c, 4 * c), dc(6 * c, 3 * c), dc(
            3 * c + c_in, n_cls)
        self.head = nn.Conv2d(n_cls, 1, 3, padding=1, bias=False)
        self.head_bn = nn.BatchNorm2d(1)

    def forward(self, x1):

        def up(a, skip):
            a = F.interpolate(a,
                              scale_factor=2,
                              mode='bilinear',
                              align_corners=False)
            return torch.cat([skip, a], dim=1)

        x2 = self.d1(F.max_pool2d(x1, 2))
        x3 = self.d2(F.max_pool2d(x2, 2))
        x4 = self.d3(F.max_pool2d(x3, 2))
        y = self.u1(up(x4, x3))
        y = self.u2(up(y, x2))
        y = self.u3(up(y, x1))
        return y, torch.sigmoid(self.head_bn(self.head(y)))


@pytest.mark.parametrize('train', [True, False])
def test_matches_release_layout(train):
    torch.manual_seed(1)
    gen = ActivationMapGenerator(in_channels=8, num_classes=5, base_channels=4)
    gen.init_weights()
    ref = _ReleaseLayoutUNet(8, 5, 4)
    ours, theirs = gen.state_dict(), ref.state_dict()
    assert len(ours) == len(theirs)
    for (k1, v1), (k2, v2) in zip(ours.items(), theirs.items()):
        assert v1.shape == v2.shape, (k1, k2)
    # random running statistics so eval mode is a real check
    with torch.no_grad():
        for m in gen.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.normal_()
                m.running_var.uniform_(0.5, 2)
                m.weight.normal_()
                m.bias.normal_()
    ref.load_state_dict(dict(zip(theirs.keys(), ours.values())))
    gen.train(train)
    ref.train(train)
    x = torch.randn(2, 8, 24, 40)
    f_a, p_a = gen(x)
    f_ref, p_ref = ref(x)
    assert torch.allclose(f_a, f_ref, atol=1e-6)
    assert torch.allclose(p_a, p_ref, atol=1e-6)


def test_layers_and_init():
    torch.manual_seed(2)
    gen = ActivationMapGenerator(in_channels=64, num_classes=200)
    gen.init_weights()
    bns = [m for m in gen.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(bns) == 13
    for bn in bns:
        assert (bn.weight == 1).all() and (bn.bias == 0).all()
    assert gen.map_bn.momentum == 0.1  # PyTorch default, as bn_att3
    assert all(bn.momentum == 0.01 for bn in bns if bn is not gen.map_bn)
    acts = [m for m in gen.modules() if isinstance(m, nn.LeakyReLU)]
    assert len(acts) == 12 and all(a.negative_slope == 0.01 for a in acts)
    convs = [m for m in gen.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 13 and all(c.bias is None for c in convs)
    assert all(c.kernel_size == (3, 3) and c.padding == (1, 1) for c in convs)
    # Kaiming normal, fan_out, ReLU gain: std = sqrt(2 / (C_out * 9)).
    # up1's first conv: fan_out 256 * 9 -> std 0.029463 (fan_in would give
    # sqrt(2 / (768 * 9)) = 0.017010); 1.77M samples.
    w = gen.up1.conv.conv1.weight
    assert w.std().item() == pytest.approx((2 / (256 * 9))**0.5, rel=0.01)
    assert abs(w.mean().item()) < 1e-3
    # normal, not uniform: 68.3% within one std (uniform: 57.7%)
    within = (w.abs() < w.std()).float().mean().item()
    assert 0.675 < within < 0.69
    # the map conv: fan_out 1 * 9 -> std 0.4714 (1800 samples, ~1.7% noise)
    assert gen.map_conv.weight.std().item() == pytest.approx((2 / 9)**0.5,
                                                             rel=0.1)


def test_errors():
    gen = ActivationMapGenerator(in_channels=16,
                                 num_classes=3,
                                 base_channels=4)
    with pytest.raises(ValueError, match='in_channels=16'):
        gen(torch.randn(1, 8, 32, 32))
    with pytest.raises(ValueError, match='at least 8 x 8'):
        gen(torch.randn(1, 16, 7, 32))
    with pytest.raises(ValueError, match='num_classes'):
        ActivationMapGenerator(in_channels=16, num_classes=0)
    with pytest.raises(ValueError, match='down_channels'):
        ActivationMapGenerator(16, 3, down_channels=(8, 16))


def test_registered_and_configurable():
    gen = MODELS.build(
        dict(type='ActivationMapGenerator',
             in_channels=128,
             num_classes=10,
             base_channels=8,
             down_channels=(16, 32, 48),
             up_channels=(24, 20)))
    assert gen.down3.conv.conv2.out_channels == 48
    assert gen.up1.conv.conv1.in_channels == 48 + 32
    assert gen.up2.conv.conv1.in_channels == 24 + 16
    assert gen.up3.conv.conv1.in_channels == 20 + 128
    f_a, p_a = gen(torch.randn(1, 128, 16, 16))
    assert f_a.shape == (1, 10, 16, 16) and p_a.shape == (1, 1, 16, 16)
