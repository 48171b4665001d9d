"""Split an mmpretrain backbone ``F^c`` into ``F^c_1`` and the rest."""
from typing import Callable, Dict, List, Tuple, Union

import torch
import torch.nn as nn
from mmpretrain.models.backbones import VGG, InceptionV3, MobileNetV2, ResNet

SplitPoint = Union[str, int]

#: the alias every family accepts for its stride-4 point.
STRIDE4 = 'stride4'

# InceptionV3's forward, in order, up to the last conv block.
_INCEPTION_V3_ORDER = (('Conv2d_1a_3x3', 32, 2), ('Conv2d_2a_3x3', 32, 2),
                       ('Conv2d_2b_3x3', 64, 2), ('maxpool1', 64, 4),
                       ('Conv2d_3b_1x1', 80, 4), ('Conv2d_4a_3x3', 192, 4),
                       ('maxpool2', 192, 8), ('Mixed_5b', 256, 8),
                       ('Mixed_5c', 288, 8), ('Mixed_5d', 288,
                                              8), ('Mixed_6a', 768,
                                                   16), ('Mixed_6b', 768, 16),
                       ('Mixed_6c', 768, 16), ('Mixed_6d', 768,
                                               16), ('Mixed_6e', 768, 16),
                       ('Mixed_7a', 1280, 32), ('Mixed_7b', 2048,
                                                32), ('Mixed_7c', 2048, 32))


def _last_conv_out_channels(module: nn.Module) -> int:
    convs = [m for m in module.modules() if isinstance(m, nn.Conv2d)]
    return convs[-1].out_channels


class BackboneSplitter:
    """View of a backbone ``F^c`` as ``F^c_1`` (low) followed by the rest.

    Nothing is copied or rewritten: the splitter keeps a *reference* to the
    mmpretrain backbone, which stays a submodule of whoever owns it (so its
    ``init_cfg=dict(type='Pretrained', ...)``, state-dict keys and
    checkpoints are untouched; the splitter itself holds no parameters and
    is not an ``nn.Module``). :meth:`forward_low` and :meth:`forward_high`
    walk the backbone's own submodules in the order of its ``forward``, so
    ``forward_high(forward_low(x))`` returns exactly what ``backbone(x)``
    returns (same ops, same order). Train/eval mode, frozen stages and
    ``norm_eval`` stay the backbone's business (``backbone.train()``).

    Supported families and split points (``split``):

    - ``VGG`` (depths 11/13/16/19, with or without norm): an int stage
      index ``i`` (after stage ``i``'s pooling, 0-based);
      ``'stride4'`` = 1 (after the second pooling: 128 channels, stride 4).
    - ``ResNet`` and subclasses that keep ``ResNet.forward`` (ResNetV1c,
      ResNetV1d, ResNeXt, SEResNet, ...; any depth, ``stem_channels``,
      ``base_channels``): ``'stem'`` (conv1-bn-relu or the deep stem, then
      the max pool: ``stem_channels`` channels, stride 4) or an int ``i``
      (after ``layer{i+1}``); ``'stride4'`` = ``'stem'``.
    - ``MobileNetV2``: ``'stem'`` (after ``conv1``, stride 2) or an int
      ``i`` (after ``layers[i]``, i.e. ``layer{i+1}``, 7 = ``conv2``);
      ``'stride4'`` = 1 (after ``layer2``: 24 channels x widen factor,
      rounded to 8).
    - ``InceptionV3``: a submodule name of its forward, ``'Conv2d_1a_3x3'``
      ... ``'Mixed_7c'``; ``'stride4'`` = ``'maxpool1'`` (64 channels; the
      valid convolutions make it ``floor``-ish: 299 -> 73, 224 -> 54, a
      nominal stride of 4).

    ``forward_high`` returns the backbone's own output type: VGG, ResNet and
    MobileNetV2 a tuple with the stages of ``out_indices`` (plus VGG's
    classifier output when ``num_classes > 0``); InceptionV3 ``(aux,
    logits)``. An ``out_indices`` entry before the split point cannot be
    produced from the low features and raises at construction; an entry
    *at* the split point is the low features themselves.

    Args:
        backbone (nn.Module): a built mmpretrain backbone (not a config).
        split (str | int): the split point. Defaults to ``'stride4'``.

    Attributes:
        backbone (nn.Module): the wrapped backbone (same object).
        family (str): ``'VGG'``, ``'ResNet'``, ``'MobileNetV2'`` or
            ``'InceptionV3'``.
        split (str | int): the resolved split point (aliases replaced).
        out_channels_low (int): channels of ``F^c_1(x)``, the generator's
            ``C_in``.
        stride_low (int): nominal stride of ``F^c_1(x)`` w.r.t. the input.
    """

    def __init__(self, backbone: nn.Module, split: SplitPoint = STRIDE4):
        if not isinstance(backbone, nn.Module):
            raise TypeError(
                'BackboneSplitter: `backbone` must be a built nn.Module owned '
                'by the model (build it with MODELS.build and register it as '
                f'a submodule first), got {type(backbone)}.')
        self.backbone = backbone
        for family, cls, setup in self._families():
            if isinstance(backbone, cls):
                if cls is ResNet and type(backbone).forward is not \
                        ResNet.forward:
                    continue
                self.family = family
                setup(split)
                return
        raise TypeError(
            'BackboneSplitter: unsupported backbone '
            f'{type(backbone).__name__}. Supported: VGG, ResNet and its '
            'subclasses that keep ResNet.forward (ResNetV1c, ResNetV1d, '
            'ResNeXt, SEResNet, ...), MobileNetV2, InceptionV3 (mmpretrain).')

    def _families(self) -> List[Tuple[str, type, Callable]]:
        return [('VGG', VGG, self._setup_vgg),
                ('ResNet', ResNet, self._setup_resnet),
                ('MobileNetV2', MobileNetV2, self._setup_mobilenet_v2),
                ('InceptionV3', InceptionV3, self._setup_inception_v3)]

    # ------------------------------------------------------------------
    # helpers
    def _bad_split(self, split, allowed):
        return ValueError(
            f'BackboneSplitter: split={split!r} is not supported for '
            f'{type(self.backbone).__name__}; choose one of {allowed} '
            f"(or '{STRIDE4}').")

    def _check_out_indices(self, low_index: int):
        """Out indices must be >= the split's stage index.

        ``low_index`` is the stage whose output is the low features (it is
        reproduced from them); anything below cannot be.
        """
        out_indices = tuple(self.backbone.out_indices)
        bad = [i for i in out_indices if i < low_index]
        if bad:
            raise ValueError(
                f'BackboneSplitter: out_indices={out_indices} of '
                f'{type(self.backbone).__name__} include stages {bad} before '
                f'the split point {self.split!r}; forward_high cannot '
                'produce them. Drop them from out_indices or split earlier.')

    # ------------------------------------------------------------------
    # families split at 'stem' or after a stage (ResNet, MobileNetV2)
    def _setup_stem_or_stage(self, split, num_stages: int, stride4):
        """Resolve and check ``split``: ``'stem'`` or a stage index in
        ``[0, num_stages)``; the ``'stride4'`` alias becomes ``stride4``."""
        allowed = ['stem'] + list(range(num_stages))
        if split == STRIDE4:
            split = stride4
        if not (split == 'stem' or
                (isinstance(split, int) and split in allowed[1:])):
            raise self._bad_split(split, allowed)
        self.split = split
        self._check_out_indices(0 if split == 'stem' else split)

    def _stages_low(self, x, stage_names):
        """The stem's output ``x`` through the stages (the backbone's
        submodules ``stage_names``) up to the split point."""
        if self.split != 'stem':
            for name in stage_names[:self.split + 1]:
                x = getattr(self.backbone, name)(x)
        return x

    def _stages_high(self, x, stage_names) -> tuple:
        """The low features ``x`` through the stages after the split point,
        collecting the ``out_indices`` outputs as the backbone's forward
        does (the low features themselves when the split stage is one)."""
        bb = self.backbone
        start = 0 if self.split == 'stem' else self.split + 1
        outs = [x] if (self.split != 'stem'
                       and self.split in bb.out_indices) else []
        for i in range(start, len(stage_names)):
            x = getattr(bb, stage_names[i])(x)
            if i in bb.out_indices:
                outs.append(x)
        return tuple(outs)

    # ------------------------------------------------------------------
    # VGG
    def _setup_vgg(self, split):
        bb = self.backbone
        num_stages = len(bb.stage_blocks)
        allowed = list(range(num_stages))
        if split == STRIDE4:
            split = 1
        if not (isinstance(split, int) and split in allowed):
            raise self._bad_split(split, allowed)
        self.split = split
        self._check_out_indices(split)
        layers = getattr(bb, bb.module_name)
        low = [
            layers[j] for i in range(split + 1)
            for j in range(*bb.range_sub_modules[i])
        ]
        self.out_channels_low = _last_conv_out_channels(nn.Sequential(*low))
        stride = 1
        for m in low:
            if isinstance(m, nn.MaxPool2d):
                stride *= m.stride if isinstance(m.stride, int) else \
                    m.stride[0]
        self.stride_low = stride

    def _vgg_low(self, x):
        bb = self.backbone
        layers = getattr(bb, bb.module_name)
        for i in range(self.split + 1):
            for j in range(*bb.range_sub_modules[i]):
                x = layers[j](x)
        return x

    def _vgg_high(self, x):
        bb = self.backbone
        layers = getattr(bb, bb.module_name)
        outs = [x] if self.split in bb.out_indices else []
        for i in range(self.split + 1, len(bb.stage_blocks)):
            for j in range(*bb.range_sub_modules[i]):
                x = layers[j](x)
            if i in bb.out_indices:
                outs.append(x)
        if bb.num_classes > 0:
            x = x.view(x.size(0), -1)
            outs.append(bb.classifier(x))
        return tuple(outs)

    # ------------------------------------------------------------------
    # ResNet
    def _setup_resnet(self, split):
        bb = self.backbone
        self._setup_stem_or_stage(split, len(bb.res_layers), stride4='stem')
        split = self.split
        stem_stride = 4
        if split == 'stem':
            self.out_channels_low = bb.stem_channels
            self.stride_low = stem_stride
        else:
            self.out_channels_low = getattr(
                bb, bb.res_layers[split])[-1].out_channels
            stride = stem_stride
            for s in bb.strides[:split + 1]:
                stride *= s
            self.stride_low = stride

    def _resnet_low(self, x):
        bb = self.backbone
        if bb.deep_stem:
            x = bb.stem(x)
        else:
            x = bb.conv1(x)
            x = bb.norm1(x)
            x = bb.relu(x)
        x = bb.maxpool(x)
        return self._stages_low(x, bb.res_layers)

    def _resnet_high(self, x):
        return self._stages_high(x, self.backbone.res_layers)

    # ------------------------------------------------------------------
    # MobileNetV2
    def _setup_mobilenet_v2(self, split):
        bb = self.backbone
        self._setup_stem_or_stage(split, len(bb.layers), stride4=1)
        split = self.split
        if split == 'stem':
            self.out_channels_low = bb.conv1.conv.out_channels
            self.stride_low = 2
        else:
            self.out_channels_low = _last_conv_out_channels(
                getattr(bb, bb.layers[split]))
            stride = 2
            for i in range(min(split + 1, len(bb.arch_settings))):
                stride *= bb.arch_settings[i][3]
            self.stride_low = stride

    def _mobilenet_v2_low(self, x):
        return self._stages_low(self.backbone.conv1(x), self.backbone.layers)

    def _mobilenet_v2_high(self, x):
        return self._stages_high(x, self.backbone.layers)

    # ------------------------------------------------------------------
    # InceptionV3
    def _setup_inception_v3(self, split):
        names = [n for n, _, _ in _INCEPTION_V3_ORDER]
        if split == STRIDE4:
            split = 'maxpool1'
        if split not in names:
            raise self._bad_split(split, names)
        self.split = split
        index = names.index(split)
        _, self.out_channels_low, self.stride_low = _INCEPTION_V3_ORDER[index]
        self._inception_low_names = names[:index + 1]
        self._inception_high_names = names[index + 1:]

    def _inception_v3_low(self, x):
        for name in self._inception_low_names:
            x = getattr(self.backbone, name)(x)
        return x

    def _inception_v3_high(self, x):
        bb = self.backbone
        aux = None

        def maybe_aux(feat):
            if bb.aux_logits and bb.training:
                return bb.AuxLogits(feat)
            return None

        if self.split == 'Mixed_6e':
            aux = maybe_aux(x)
        for name in self._inception_high_names:
            x = getattr(bb, name)(x)
            if name == 'Mixed_6e':
                aux = maybe_aux(x)
        x = bb.avgpool(x)
        x = bb.dropout(x)
        x = torch.flatten(x, 1)
        x = bb.fc(x)
        return aux, x

    # ------------------------------------------------------------------
    # public API
    _LOW: Dict[str, str] = {
        'VGG': '_vgg_low',
        'ResNet': '_resnet_low',
        'MobileNetV2': '_mobilenet_v2_low',
        'InceptionV3': '_inception_v3_low'
    }
    _HIGH: Dict[str, str] = {
        'VGG': '_vgg_high',
        'ResNet': '_resnet_high',
        'MobileNetV2': '_mobilenet_v2_high',
        'InceptionV3': '_inception_v3_high'
    }

    def forward_low(self, x: torch.Tensor) -> torch.Tensor:
        """``F^c_1``: image ``B x 3 x H x W`` -> low-level features
        ``B x out_channels_low x ~H/stride_low x ~W/stride_low``."""
        return getattr(self, self._LOW[self.family])(x)

    def forward_high(self, low_feats: torch.Tensor):
        """The rest of ``F^c``: low-level features -> the backbone's output
        (what ``backbone(x)`` returns; see the class docstring)."""
        return getattr(self, self._HIGH[self.family])(low_feats)

    def __call__(self, x: torch.Tensor):
        """``forward_high(forward_low(x))``, i.e. ``backbone(x)``."""
        return self.forward_high(self.forward_low(x))

    def __repr__(self) -> str:
        fields = ', '.join(f'{name}={getattr(self, name, None)!r}'
                           for name in ('split', 'out_channels_low',
                                        'stride_low'))
        backbone = type(getattr(self, 'backbone', None)).__name__
        return f'{type(self).__name__}(backbone={backbone}, {fields})'
