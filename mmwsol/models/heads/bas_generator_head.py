"""The foreground-map generator of BAS and its losses (Wu et al., CVPR
2022)."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmwsol.registry import MODELS


@MODELS.register_module()
class BASGeneratorHead(BaseModule):
    r"""Class-specific foreground prediction maps and the BAS losses.

    **Generator** (the release's ``classifier_loc``): a ``k x k`` conv
    ``C_in -> C`` on the mid-level features ``x_low`` (``B x C_in x h x
    w``; VGG16 ``conv4_3``) and a sigmoid: :meth:`forward` gives the maps
    of every class, ``B x C x h x w`` in (0, 1). The foreground map of a
    sample is one class's channel (:meth:`select`: the ground-truth class in
    training) or the mean of several (:meth:`topk_mean`: the top-k
    predicted classes at test time), ``M``: ``B x 1 x h x w``.

    **Losses** (:meth:`loss`), each under its own key:

    - ``loss_bg = background_loss(S^bg, S)``: the background activation
      ratio (:class:`BackgroundActivationLoss`);
    - ``loss_area = area_loss(M)``: the mean of ``M`` over the batch and the
      map (:class:`AreaLoss` with ``topk=0``: the area term only), weight
      0.7 for VGG16 on CUB in the release (1.2 ResNet-50, 1.5 MobileNetV1,
      1.0 InceptionV3);
    - ``loss_fg = foreground_loss(logits^fg, y)``: the foreground guidance,
      cross-entropy of the logits of the foreground-masked class maps;
      weight 0 for VGG16 in the release (0.5 for its other backbones; the
      key is still logged).

    Init: conv weights ``N(0, 0.02)`` as the release's ``weight_init``
    (bias 0 here; PyTorch's default uniform there).

    Args:
        num_classes (int): ``C``.
        in_channels (int): ``C_in``.
        kernel_size (int): odd conv size (padding ``k // 2``). Defaults to
            3 (the release).
        background_loss (dict): :class:`BackgroundActivationLoss` config.
        area_loss (dict): an area loss called as ``area_loss(M, logits,
            maps)`` (:class:`AreaLoss`; ``topk=0`` keeps the mean of ``M``).
        foreground_loss (dict): a classification loss of ``(logits, y)``.
        init_cfg (dict | list[dict], optional): mmengine init config.
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        kernel_size: int = 3,
        background_loss: dict = dict(
            type='BackgroundActivationLoss', loss_weight=1.0),
        area_loss: dict = dict(
            type='AreaLoss', topk=0, skip=0, loss_weight=0.7),
        foreground_loss: dict = dict(
            type='CrossEntropyLoss', loss_weight=0.0),
        init_cfg: Optional[Union[dict, List[dict]]] = dict(
            type='Normal', layer='Conv2d', std=0.02)
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        for name, value in (('num_classes', num_classes),
                            ('in_channels', in_channels)):
            if not (isinstance(value, int) and value > 0):
                raise ValueError(f'BASGeneratorHead: {name} must be a '
                                 f'positive int, got {value!r}.')
        if not (isinstance(kernel_size, int) and kernel_size % 2 == 1):
            raise ValueError('BASGeneratorHead: kernel_size must be an odd '
                             f'int, got {kernel_size!r}.')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.conv = nn.Conv2d(
            in_channels,
            num_classes,
            kernel_size=kernel_size,
            padding=kernel_size // 2)
        self.background_loss = MODELS.build(background_loss)
        self.area_loss = MODELS.build(area_loss)
        self.foreground_loss = MODELS.build(foreground_loss)

    def forward(self, x_low: torch.Tensor) -> torch.Tensor:
        """Maps of all classes: ``B x C_in x h x w`` -> ``B x C x h x w``."""
        if x_low.dim() != 4 or x_low.size(1) != self.in_channels:
            raise ValueError(
                'BASGeneratorHead: the generator input must be B x '
                f'in_channels x h x w with in_channels={self.in_channels}, '
                f'got {tuple(x_low.shape)}.')
        return torch.sigmoid(self.conv(x_low))

    @staticmethod
    def select(maps: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
        """``M``: the channel ``classes[b]`` of each sample.

        Args:
            maps (Tensor): ``B x C x h x w``.
            classes (Tensor): ``(B,)`` class indices.

        Returns:
            Tensor: ``B x 1 x h x w``.
        """
        index = classes.reshape(-1, 1, 1, 1).expand(-1, 1, *maps.shape[-2:])
        return maps.gather(1, index)

    @staticmethod
    def topk_mean(maps: torch.Tensor, logits: torch.Tensor,
                  k: int) -> torch.Tensor:
        """``M``: the mean of the maps of each sample's ``k`` top classes.

        The release's test-time map (``score_1.topk(N)``, then the mean of
        those channels).

        Args:
            maps (Tensor): ``B x C x h x w``.
            logits (Tensor): ``B x C``, ranks the classes.
            k (int): ``1 <= k <= C``.

        Returns:
            Tensor: ``B x 1 x h x w``.
        """
        top = logits.topk(k, dim=1).indices  # B x k
        index = top[:, :, None, None].expand(-1, -1, *maps.shape[-2:])
        return maps.gather(1, index).mean(dim=1, keepdim=True)

    def loss(self, m: torch.Tensor, s: torch.Tensor, s_bg: torch.Tensor,
             fg_logits: torch.Tensor, maps: torch.Tensor,
             logits: torch.Tensor,
             labels: torch.Tensor) -> Dict[str, torch.Tensor]:
        """``loss_bg``, ``loss_area`` and ``loss_fg``.

        Args:
            m (Tensor): ``M`` of the ground-truth class, ``B x 1 x h x w``.
            s (Tensor): ``S``, ``(B,)``.
            s_bg (Tensor): ``S^bg``, ``(B,)``.
            fg_logits (Tensor): logits of the foreground-masked class maps,
                ``B x C``.
            maps (Tensor): all classes' maps, ``B x C x h x w`` (the
                ``features`` argument of :class:`AreaLoss`, unused by its
                area term).
            logits (Tensor): the classifier's logits, ``B x C`` (likewise).
            labels (Tensor): ``(B,)``.
        """
        return dict(
            loss_bg=self.background_loss(s_bg, s),
            loss_area=self.area_loss(m, logits, maps),
            loss_fg=self.foreground_loss(fg_logits, labels))
