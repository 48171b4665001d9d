"""Activation-map generator ``F^g`` of LowCAM (ORNet, ICCV 2021)."""
from collections import OrderedDict
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmengine.model import BaseModule

from mmwsol.registry import MODELS


class DoubleConv(nn.Sequential):
    """(conv3x3 without bias, norm, activation) x 2; keeps ``H x W``.

    ``B x in_channels x H x W -> B x out_channels x H x W``. Children:
    ``conv1, bn1, act1, conv2, bn2, act2``.
    """

    def __init__(self, in_channels: int, out_channels: int, norm_cfg: dict,
                 act_cfg: dict) -> None:
        layers = OrderedDict()
        channels = in_channels
        for i in (1, 2):
            layers[f'conv{i}'] = nn.Conv2d(
                channels, out_channels, kernel_size=3, padding=1, bias=False)
            layers[f'bn{i}'] = build_norm_layer(norm_cfg, out_channels)[1]
            layers[f'act{i}'] = build_activation_layer(act_cfg)
            channels = out_channels
        super().__init__(layers)


class DownBlock(nn.Sequential):
    """2x2 max pooling, then :class:`DoubleConv`.

    ``B x in_channels x H x W -> B x out_channels x floor(H/2) x floor(W/2)``.
    """

    def __init__(self, in_channels: int, out_channels: int, norm_cfg: dict,
                 act_cfg: dict) -> None:
        super().__init__(
            OrderedDict(
                pool=nn.MaxPool2d(2),
                conv=DoubleConv(in_channels, out_channels, norm_cfg,
                                act_cfg)))


class UpBlock(nn.Module):
    """Bilinear upsampling to the skip's size, concat, :class:`DoubleConv`.

    ``forward(x, skip)``: ``x`` (``B x C_x x h x w``) is resized bilinearly
    (``align_corners=False``) to the skip's ``H x W`` (exactly ``x2`` when
    ``H = 2h, W = 2w``, the release's ``scale_factor=2``; any other size when
    the input of the generator was not divisible by 8), concatenated as
    ``[skip, x]`` along channels and passed through the double conv:
    ``-> B x out_channels x H x W`` with ``in_channels = C_skip + C_x``.
    """

    def __init__(self, in_channels: int, out_channels: int, norm_cfg: dict,
                 act_cfg: dict) -> None:
        super().__init__()
        self.conv = DoubleConv(in_channels, out_channels, norm_cfg, act_cfg)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(
            x, size=skip.shape[-2:], mode='bilinear', align_corners=False)
        return self.conv(torch.cat([skip, x], dim=1))


@MODELS.register_module()
class ActivationMapGenerator(BaseModule):
    r"""LowCAM's activation-map generator ``F^g`` and map head.

    A 3-level U-Net on the low-level features ``F^c_1(x)`` (``C_in``
    channels, stride 4 in LowCAM) followed by the map head:

    - ``down1..3``: 2x2 max pool + :class:`DoubleConv` to
      ``down_channels`` (default ``2c, 4c, 8c`` with ``c = base_channels``);
    - ``up1``: ``up(down3) ++ down2 -> up_channels[0]`` (default ``4c``),
      ``up2``: ``up(up1) ++ down1 -> up_channels[1]`` (default ``3c``),
      ``up3``: ``up(up2) ++ input -> num_classes``; this is ``f^a``;
    - ``p^a = sigmoid(map_bn(map_conv(f^a)))`` with ``map_conv`` a 3x3
      conv ``num_classes -> 1`` without bias; no min-max normalisation.

    Double conv = (conv3x3 no bias, BN momentum 0.01, LeakyReLU 0.01) x 2
    (``norm_cfg``/``act_cfg``); ``map_bn`` is a 1-channel BN with PyTorch's
    default momentum 0.1 (``map_norm_cfg``), as in the authors' release
    (``UNet(c_in, num_classes, c_base=64, activation='leakyrelu')`` plus
    ``att_conv3``/``bn_att3``). Default init (applied by
    :meth:`init_weights`, which mmengine's runner calls): every conv Kaiming
    normal, ``mode='fan_out'``, ReLU gain; every BN weight 1, bias 0.

    Input sizes not divisible by 8 are handled: each up block resizes to its
    skip's size. Stage 2 of LowCAM trains only :attr:`PHASE2_TRAINABLE`
    (``up2``, ``up3``, ``map_conv``, ``map_bn``); see
    :meth:`phase2_trainable_modules`.

    Args:
        in_channels (int): ``C_in`` of ``F^c_1(x)`` (64 for a ResNet stem,
            128 for VGG after the second pooling).
        num_classes (int): channels of ``f^a`` (number of classes).
        base_channels (int): ``c``. Defaults to 64 (the release's C_BASE).
        down_channels (Sequence[int], optional): outputs of down1..3.
            Defaults to ``(2c, 4c, 8c)``.
        up_channels (Sequence[int], optional): outputs of up1, up2.
            Defaults to ``(4c, 3c)``.
        norm_cfg (dict): norm of the double convs.
        act_cfg (dict): activation of the double convs.
        map_norm_cfg (dict): norm of the map head (1 channel).
        init_cfg (dict | list[dict], optional): mmengine init config.
    """

    #: names of the submodules that stage 2 trains (the rest is frozen).
    PHASE2_TRAINABLE = ('up2', 'up3', 'map_conv', 'map_bn')

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 base_channels: int = 64,
                 down_channels: Optional[Sequence[int]] = None,
                 up_channels: Optional[Sequence[int]] = None,
                 norm_cfg: dict = dict(type='BN', momentum=0.01),
                 act_cfg: dict = dict(
                     type='LeakyReLU', negative_slope=0.01, inplace=True),
                 map_norm_cfg: dict = dict(type='BN', momentum=0.1),
                 init_cfg: Optional[Union[dict, list]] = [
                     dict(
                         type='Kaiming',
                         layer='Conv2d',
                         mode='fan_out',
                         nonlinearity='relu',
                         distribution='normal'),
                     dict(type='Constant', layer='_BatchNorm', val=1, bias=0)
                 ]) -> None:
        super().__init__(init_cfg=init_cfg)
        c = base_channels
        down_channels = tuple(down_channels or (2 * c, 4 * c, 8 * c))
        up_channels = tuple(up_channels or (4 * c, 3 * c))
        if len(down_channels) != 3 or len(up_channels) != 2:
            raise ValueError(
                'ActivationMapGenerator: down_channels needs 3 entries and '
                f'up_channels 2, got {down_channels} and {up_channels}.')
        for name, value in (('in_channels', in_channels),
                            ('num_classes', num_classes)):
            if not (isinstance(value, int) and value > 0):
                raise ValueError(f'ActivationMapGenerator: {name} must be a '
                                 f'positive int, got {value!r}.')
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.base_channels = base_channels
        self.down_channels = down_channels
        self.up_channels = up_channels

        d1, d2, d3 = down_channels
        u1, u2 = up_channels
        self.down1 = DownBlock(in_channels, d1, norm_cfg, act_cfg)
        self.down2 = DownBlock(d1, d2, norm_cfg, act_cfg)
        self.down3 = DownBlock(d2, d3, norm_cfg, act_cfg)
        self.up1 = UpBlock(d3 + d2, u1, norm_cfg, act_cfg)
        self.up2 = UpBlock(u1 + d1, u2, norm_cfg, act_cfg)
        self.up3 = UpBlock(u2 + in_channels, num_classes, norm_cfg, act_cfg)
        self.map_conv = nn.Conv2d(
            num_classes, 1, kernel_size=3, padding=1, bias=False)
        self.map_bn = build_norm_layer(map_norm_cfg, 1)[1]

    def phase2_trainable_modules(self) -> Dict[str, nn.Module]:
        """``{name: module}`` of the parts stage 2 trains.

        The last two up blocks and the map head, as the release's
        ``FineModel`` (``up_2``, ``up_3``, ``att_conv3``, ``bn_att3``).
        """
        return {name: getattr(self, name) for name in self.PHASE2_TRAINABLE}

    def forward(
        self, x: Union[torch.Tensor, Sequence[torch.Tensor]]
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Compute ``f^a`` and ``p^a``.

        Args:
            x (Tensor | Sequence[Tensor]): the low-level features
                ``F^c_1(image)``, ``B x C_in x H x W``; a tuple/list (a
                backbone's output) uses its last element.

        Returns:
            tuple[Tensor, Tensor]: ``(f_a, p_a)``: ``f^a`` of shape
            ``B x num_classes x H x W`` and ``p^a = sigmoid(BN(conv(f^a)))``
            of shape ``B x 1 x H x W`` in [0, 1], both at ``x``'s size.
        """
        if isinstance(x, (tuple, list)):
            x = x[-1]
        if not (isinstance(x, torch.Tensor) and x.dim() == 4
                and x.size(1) == self.in_channels):
            desc = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x)
            raise ValueError(
                'ActivationMapGenerator: input must be B x in_channels x H x '
                f'W with in_channels={self.in_channels}, got {desc}.')
        if x.size(2) < 8 or x.size(3) < 8:
            raise ValueError(
                'ActivationMapGenerator: input must be at least 8 x 8 (three '
                f'2x2 poolings), got {tuple(x.shape[-2:])}.')
        x1 = self.down1(x)
        x2 = self.down2(x1)
        x3 = self.down3(x2)
        y = self.up1(x3, x2)
        y = self.up2(y, x1)
        f_a = self.up3(y, x)
        p_a = torch.sigmoid(self.map_bn(self.map_conv(f_a)))
        return f_a, p_a
