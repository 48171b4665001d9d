"""A :class:`BackboneSplitter` whose VGG cut can sit before a pooling."""
import torch
import torch.nn as nn

from .backbone_split import STRIDE4, BackboneSplitter, SplitPoint


class PrePoolBackboneSplitter(BackboneSplitter):
    """:class:`BackboneSplitter` that can cut a VGG *before* the max pool of
    stage ``split``.

    With ``before_pool=True`` and a VGG backbone, ``forward_low`` stops after
    the last conv block of stage ``split`` (e.g. VGG16, ``split=3``:
    ``conv4_3`` + ReLU, 512 channels, stride 8: the BAS release's ``x_4``,
    28 x 28 at 224 px) and ``forward_high`` starts with that stage's max
    pool (``pool4``), so ``forward_high(forward_low(x)) == backbone(x)``
    still holds. ``stride_low`` is the stride before the pool. Every other
    case (``before_pool=False``, other families) is the parent's.

    Args:
        backbone (nn.Module): a built mmpretrain backbone.
        split (str | int): the split point (see :class:`BackboneSplitter`).
        before_pool (bool): cut before the stage's pool (VGG only). Defaults
            to False.
    """

    def __init__(self,
                 backbone: nn.Module,
                 split: SplitPoint = STRIDE4,
                 before_pool: bool = False) -> None:
        self.before_pool = bool(before_pool)
        super().__init__(backbone, split)
        if not self.before_pool:
            return
        if self.family != 'VGG':
            raise ValueError(
                'PrePoolBackboneSplitter: before_pool=True cuts inside a VGG '
                f'stage; the backbone is {type(backbone).__name__} (its '
                'split points already sit between stages: use before_pool='
                'False).')
        layers = getattr(backbone, backbone.module_name)
        self._pool_index = backbone.range_sub_modules[self.split][1] - 1
        pool = layers[self._pool_index]
        if not isinstance(pool, nn.MaxPool2d):
            raise ValueError(
                f'PrePoolBackboneSplitter: stage {self.split} of the VGG has '
                'no max pool to cut before (the last stage without '
                '`with_last_pool`); choose an earlier split.')
        stride = pool.stride if isinstance(pool.stride, int) else \
            pool.stride[0]
        self.stride_low //= stride

    def _vgg_low(self, x: torch.Tensor) -> torch.Tensor:
        if not self.before_pool:
            return super()._vgg_low(x)
        layers = getattr(self.backbone, self.backbone.module_name)
        for j in range(self._pool_index):
            x = layers[j](x)
        return x

    def _vgg_high(self, x: torch.Tensor):
        if not self.before_pool:
            return super()._vgg_high(x)
        layers = getattr(self.backbone, self.backbone.module_name)
        return super()._vgg_high(layers[self._pool_index](x))

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f', before_pool={self.before_pool})'
