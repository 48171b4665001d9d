"""The auxiliary branches of SPG (Zhang et al., ECCV 2018): SPG-B1, SPG-B2
and SPG-C."""
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmwsol.registry import MODELS


def _conv3x3_relu(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.ReLU())


@MODELS.register_module()
class SPGHead(BaseModule):
    """SPG-B (two side branches sharing their top) and SPG-C.

    wsolevaluation's ``VggSpg`` / ``ResNetSpg`` branches:

    - SPG-B1: ``B_1a`` (3x3 conv ``in_channels_b1 -> channels_b``, ReLU)
      then ``B_shared``;
    - SPG-B2: ``B_2a`` (3x3 conv ``in_channels_b2 -> channels_b``, ReLU)
      then the same ``B_shared`` (3x3 conv ``channels_b -> channels_b``,
      ReLU, 1x1 conv ``channels_b -> 1``);
    - SPG-C: 3x3 conv ``in_channels_c -> channels_c``, ReLU, 1x1 conv
      ``channels_c -> 1``, on the classifier's feature map ``A``.

    Each returns one-channel logits at its input's resolution; SPG's
    losses (:class:`~mmwsol.models.localizers.SPG`) upsample them to the
    input image. wsolevaluation's sizes: VGG16 ``in_channels_b1 =
    in_channels_b2 = channels_b = 512``, ``in_channels_c = channels_c =
    512``; ResNet-50 ``1024`` for B, ``in_channels_c = 2048``,
    ``channels_c = 512``. Init: Xavier uniform convolutions, zero biases
    (wsolevaluation's ``initialize_weights(..., 'xavier')``).

    Args:
        in_channels_b1 (int): channels of SPG-B1's input feature.
        in_channels_b2 (int): channels of SPG-B2's input feature.
        in_channels_c (int): channels of ``A``.
        channels_b (int): width of SPG-B.
        channels_c (int): width of SPG-C.
        init_cfg (dict | list[dict], optional): mmengine init config.
    """

    def __init__(self,
                 in_channels_b1: int,
                 in_channels_b2: int,
                 in_channels_c: int,
                 channels_b: int,
                 channels_c: int,
                 init_cfg: Optional[Union[dict, list]] = dict(
                     type='Xavier', layer='Conv2d',
                     distribution='uniform')) -> None:
        super().__init__(init_cfg=init_cfg)
        self.b1_in = _conv3x3_relu(in_channels_b1, channels_b)
        self.b2_in = _conv3x3_relu(in_channels_b2, channels_b)
        self.b_shared = nn.Sequential(
            _conv3x3_relu(channels_b, channels_b),
            nn.Conv2d(channels_b, 1, kernel_size=1))
        self.c = nn.Sequential(
            _conv3x3_relu(in_channels_c, channels_c),
            nn.Conv2d(channels_c, 1, kernel_size=1))

    def forward(self, feat_b1: torch.Tensor, feat_b2: torch.Tensor,
                feat_a: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The branches' logits.

        Args:
            feat_b1 (Tensor): ``B x in_channels_b1 x h1 x w1``.
            feat_b2 (Tensor): ``B x in_channels_b2 x h2 x w2``.
            feat_a (Tensor): ``B x in_channels_c x h x w``.

        Returns:
            tuple[Tensor]: ``logits_b1`` (``B x 1 x h1 x w1``),
            ``logits_b2`` (``B x 1 x h2 x w2``), ``logits_c``
            (``B x 1 x h x w``).
        """
        logits_b1 = self.b_shared(self.b1_in(feat_b1))
        logits_b2 = self.b_shared(self.b2_in(feat_b2))
        return logits_b1, logits_b2, self.c(feat_a)
