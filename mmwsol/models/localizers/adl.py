"""ADL (Choe & Shim, CVPR 2019): CAM with Attention-based Dropout Layers
inserted after chosen layers of the (unchanged) backbone."""
import copy
from typing import Sequence

import torch.nn as nn

from mmwsol.registry import MODELS
from .cam import CAM


class _ApplyToOutput:
    """Forward hook ``output -> module(output)``.

    A callable object rather than a closure so that ``copy.deepcopy`` of the
    model (EMA, model soups) re-points the copy's hooks at the copy's
    modules, and the model pickles.
    """

    def __init__(self, module: nn.Module) -> None:
        self.module = module

    def __call__(self, _layer, _inputs, output):
        return self.module(output)


@MODELS.register_module()
class ADL(CAM):
    r"""CAM whose training passes drop the attended regions of inner maps.

    The model of :class:`CAM` (backbone, optional ``extra_convs``, GAP,
    linear head; ``score_map`` the CAM of the chosen class) with one
    :class:`~mmwsol.models.utils.AttentionDropout` applied to the output of
    each module named in ``adl_layers`` (names as in
    ``model.named_modules()``, e.g. ``'backbone.layer3.0'``). The layers
    are inserted with forward hooks: the mmpretrain backbone is neither
    copied nor rewritten, its ``state_dict`` keys are unchanged (ImageNet
    weights and CAM checkpoints load as they are) and the ADL modules have
    no parameters. They are children of the model (``attention_dropouts``),
    so ``model.eval()`` turns them into identities: ``predict`` and
    ``'tensor'`` mode equal CAM's for the same weights.

    wsolevaluation's positions: VGG16 (``wsol/vgg.py``, 14x14) after pool3,
    conv4_3 and conv5_3 (mmpretrain's VGG16: ``backbone.features.9``,
    ``.12``, ``.16``; its ``ConvModule`` includes the ReLU, as the ADL
    there follows the ReLU); ResNet50 (``wsol/resnet.py``,
    ``_ADL_POSITION``) after block 0 of layer3 and blocks 0 and 2 of layer4
    (``backbone.layer3.0``, ``backbone.layer4.0``, ``backbone.layer4.2``).

    Args:
        adl_layers (Sequence[str]): modules after which to drop; each
            must exist and appear once.
        adl_cfg (dict): the :class:`AttentionDropout` config (``drop_rate``,
            ``gamma``), one module built per layer.
        **kwargs: :class:`CAM`'s arguments.
    """

    def __init__(self,
                 *args,
                 adl_layers: Sequence[str] = (),
                 adl_cfg: dict = dict(type='AttentionDropout'),
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(adl_layers, str) or not adl_layers:
            raise ValueError('ADL: adl_layers must be a non-empty list of '
                             f'module names, got {adl_layers!r}.')
        if len(set(adl_layers)) != len(adl_layers):
            raise ValueError(f'ADL: adl_layers repeats a name: {adl_layers}.')
        modules = dict(self.named_modules())
        missing = [name for name in adl_layers if name not in modules]
        if missing:
            candidates = [
                n for n in modules if n.startswith('backbone.')
                and n.count('.') <= 2
            ]
            raise ValueError(
                f'ADL: adl_layers {missing} are not modules of the model; '
                f'e.g. {candidates[:12]}.')
        self.adl_layers = tuple(adl_layers)
        self.attention_dropouts = nn.ModuleList(
            MODELS.build(copy.deepcopy(dict(adl_cfg))) for _ in adl_layers)
        for name, adl in zip(self.adl_layers, self.attention_dropouts):
            modules[name].register_forward_hook(_ApplyToOutput(adl))

    def extra_repr(self) -> str:
        return f'adl_layers={list(self.adl_layers)}'
