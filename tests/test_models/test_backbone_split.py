"""BackboneSplitter: F^c = rest(F^c_1(x)) exactly, for each family."""
import pytest
import torch
import torch.nn as nn

from mmwsol.models.utils import BackboneSplitter
from mmwsol.registry import MODELS


def _build(cfg):
    # PyTorch's default init (no init_weights(): mmpretrain's zero-inits the
    # last BN of each residual block, which would hide a skipped block)
    torch.manual_seed(0)
    backbone = MODELS.build(cfg)
    # non-trivial BN statistics, so eval mode is a real check
    with torch.no_grad():
        for m in backbone.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    backbone.eval()  # mmpretrain's train() returns None
    return backbone


def _outputs_equal(a, b):
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(
            _outputs_equal(x, y) for x, y in zip(a, b))
    if a is None or b is None:
        return a is None and b is None
    return torch.equal(a, b)


def _check_split(backbone, split, x, channels, stride, out_hw=None):
    splitter = BackboneSplitter(backbone, split)
    assert splitter.backbone is backbone
    with torch.no_grad():
        low = splitter.forward_low(x)
        expected = backbone(x)
        assert _outputs_equal(splitter.forward_high(low), expected)
        assert _outputs_equal(splitter(x), expected)
    assert splitter.out_channels_low == channels == low.size(1)
    assert splitter.stride_low == stride
    if out_hw is None:
        out_hw = (x.size(2) // stride, x.size(3) // stride)
    assert tuple(low.shape[2:]) == out_hw
    return splitter


@pytest.mark.parametrize('depth', [11, 13, 16, 19])
@pytest.mark.parametrize('with_bn', [False, True])
def test_vgg_stride4_after_second_pool(depth, with_bn):
    cfg = dict(type='VGG', depth=depth)
    if with_bn:
        cfg['norm_cfg'] = dict(type='BN')
    backbone = _build(cfg)
    x = torch.randn(2, 3, 64, 48)
    # after stage 1's pooling: 128 channels at stride 4 (16 x 12)
    splitter = _check_split(backbone, 'stride4', x, 128, 4)
    assert splitter.split == 1 and splitter.family == 'VGG'


@pytest.mark.parametrize('split, channels, stride', [(0, 64, 2), (2, 256, 8),
                                                     (3, 512, 16),
                                                     (4, 512, 32)])
def test_vgg_other_stages(split, channels, stride):
    backbone = _build(dict(type='VGG', depth=11, norm_cfg=dict(type='BN')))
    _check_split(backbone, split, torch.randn(1, 3, 64, 64), channels, stride)


def test_vgg_with_classifier_and_low_stage_in_out_indices():
    # 4 stages + classifier (512 * 7 * 7 inputs -> 112 x 112 images);
    # out_indices (1, 3) includes the split stage itself.
    backbone = _build(
        dict(
            type='VGG',
            depth=11,
            num_stages=4,
            dilations=(1, 1, 1, 1),
            num_classes=5,
            out_indices=(1, 3)))
    x = torch.randn(1, 3, 112, 112)
    splitter = _check_split(backbone, 1, x, 128, 4)
    out = splitter(x)
    assert len(out) == 3 and out[-1].shape == (1, 5)
    with pytest.raises(ValueError, match=r'out_indices=\(1, 3\).*\[1\]'):
        BackboneSplitter(backbone, 2)


@pytest.mark.parametrize('depth', [18, 34, 50, 101, 152])
def test_resnet_stem(depth):
    backbone = _build(dict(type='ResNet', depth=depth))
    x = torch.randn(1, 3, 32, 32)
    splitter = _check_split(backbone, 'stem', x, 64, 4)
    assert BackboneSplitter(backbone).split == 'stem'  # stride4 alias
    assert splitter.family == 'ResNet'


@pytest.mark.parametrize('depth, split, channels, stride',
                         [(18, 0, 64, 4), (18, 1, 128, 8), (18, 3, 512, 32),
                          (50, 0, 256, 4), (50, 2, 1024, 16)])
def test_resnet_after_layer(depth, split, channels, stride):
    backbone = _build(
        dict(type='ResNet', depth=depth, out_indices=(split, 3)))
    _check_split(backbone, split, torch.randn(2, 3, 64, 64), channels, stride)


def test_resnet_base_channels_and_out_indices():
    # stem 32 and base 32: stem 32 ch; layer i has 32 * 2^i * expansion.
    backbone = _build(
        dict(
            type='ResNet',
            depth=50,
            stem_channels=32,
            base_channels=32,
            out_indices=(0, 1, 2, 3)))
    x = torch.randn(1, 3, 64, 64)
    _check_split(backbone, 'stem', x, 32, 4)
    _check_split(backbone, 0, x, 128, 4)
    with pytest.raises(ValueError, match='before the split point'):
        BackboneSplitter(backbone, 1)


@pytest.mark.parametrize('cfg', [
    dict(type='ResNetV1c', depth=50),
    dict(type='ResNetV1d', depth=18, out_indices=(2, 3)),
    dict(type='ResNeXt', depth=50, groups=32, width_per_group=4),
])
def test_resnet_variants(cfg):
    backbone = _build(cfg)
    x = torch.randn(1, 3, 32, 32)
    _check_split(backbone, 'stem', x, 64, 4)
    _check_split(backbone, 2, x, 1024 if cfg['depth'] == 50 else 256, 16)


@pytest.mark.parametrize('widen, channels', [(1.0, 24), (0.5, 16)])
def test_mobilenet_v2(widen, channels):
    # conv1 (stride 2) + layer1 (stride 1) + layer2 (stride 2) -> stride 4;
    # 24 * widen rounded to a multiple of 8 (24 * 0.5 = 12 -> 16).
    backbone = _build(
        dict(type='MobileNetV2', widen_factor=widen, out_indices=(1, 7)))
    x = torch.randn(1, 3, 64, 64)
    splitter = _check_split(backbone, 'stride4', x, channels, 4)
    assert splitter.split == 1 and splitter.family == 'MobileNetV2'
    _check_split(backbone, 'stem', x, 32 if widen == 1.0 else 16, 2)
    # after layer6 (160 * widen channels, stride 32); out_indices (1, 7)
    # cannot be produced from there
    with pytest.raises(ValueError, match='before the split point'):
        BackboneSplitter(backbone, 5)
    backbone = _build(dict(type='MobileNetV2', widen_factor=widen))
    _check_split(backbone, 5, x, 160 if widen == 1.0 else 80, 32)


def test_inception_v3_stride4_point():
    backbone = _build(dict(type='InceptionV3', num_classes=10))
    # maxpool1: 64 ch; 107 -> 53 (3x3/2 valid) -> 51 (3x3 valid) -> 51
    # (3x3 pad 1) -> 25 (3x3/2 max pool): a nominal stride of 4.
    x = torch.randn(1, 3, 107, 107)
    splitter = _check_split(backbone, 'stride4', x, 64, 4, out_hw=(25, 25))
    assert splitter.split == 'maxpool1'
    aux, logits = splitter(x)
    assert aux is None and logits.shape == (1, 10)
    _check_split(backbone, 'Conv2d_4a_3x3', x, 192, 4, out_hw=(23, 23))


def test_inception_v3_aux_branch_in_training():
    # aux logits exist in train mode only; split right at Mixed_6e and
    # before it. Same seed for both passes (dropout), batch statistics.
    backbone = _build(
        dict(type='InceptionV3', num_classes=4, aux_logits=True))
    backbone.train()
    x = torch.randn(2, 3, 299, 299)
    with torch.no_grad():
        torch.manual_seed(3)
        aux, logits = backbone(x)
        for split in ('Mixed_6e', 'maxpool2'):
            splitter = BackboneSplitter(backbone, split)
            torch.manual_seed(3)
            aux2, logits2 = splitter(x)
            assert torch.equal(aux, aux2) and torch.equal(logits, logits2)


def test_state_dict_and_pretrained_untouched(tmp_path):
    source = _build(dict(type='ResNet', depth=18))
    path = tmp_path / 'r18.pth'
    torch.save(source.state_dict(), path)

    class Holder(nn.Module):

        def __init__(self):
            super().__init__()
            self.backbone = MODELS.build(
                dict(
                    type='ResNet',
                    depth=18,
                    init_cfg=dict(type='Pretrained', checkpoint=str(path))))
            self.splitter = BackboneSplitter(self.backbone)

    holder = Holder()
    holder.backbone.init_weights()
    keys = {'backbone.' + k for k in source.state_dict()}
    assert set(holder.state_dict()) == keys  # the splitter adds nothing
    for k, v in source.state_dict().items():
        assert torch.equal(holder.backbone.state_dict()[k], v)
    assert isinstance(holder.splitter, BackboneSplitter)
    assert not isinstance(holder.splitter, nn.Module)


def test_unsupported_backbones_and_splits():
    with pytest.raises(TypeError, match='Supported: VGG, ResNet'):
        BackboneSplitter(nn.Conv2d(3, 3, 1))
    with pytest.raises(TypeError, match='ResNet_CIFAR'):
        BackboneSplitter(MODELS.build(dict(type='ResNet_CIFAR', depth=18)))
    with pytest.raises(TypeError, match='built nn.Module'):
        BackboneSplitter(dict(type='ResNet', depth=18))
    resnet = MODELS.build(dict(type='ResNet', depth=18))
    with pytest.raises(ValueError, match=r"\['stem', 0, 1, 2, 3\]"):
        BackboneSplitter(resnet, 'layer9')
    with pytest.raises(ValueError, match=r'\[0, 1, 2, 3, 4\]'):
        BackboneSplitter(MODELS.build(dict(type='VGG', depth=11)), 'stem')
    with pytest.raises(ValueError, match='maxpool1'):
        BackboneSplitter(MODELS.build(dict(type='InceptionV3')), 3)


def test_not_a_registered_model():
    """Used directly by LowCAM (it holds a built backbone), never built by
    type name from a config."""
    assert MODELS.get('BackboneSplitter') is None
