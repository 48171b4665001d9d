"""ADL's Attention-based Dropout Layer (Choe & Shim, CVPR 2019)."""
import torch
import torch.nn as nn

from mmwsol.registry import MODELS


@MODELS.register_module()
class AttentionDropout(nn.Module):
    r"""Parameter-free dropout of a feature map by its self-attention.

    In training, for features ``F`` (``B x D x h x w``):

    - self-attention map ``A = 1/D sum_d F_d`` (``B x 1 x h x w``, the
      channel mean);
    - drop mask ``M_drop = [A < \gamma \max_{ij} A]`` (``max`` per sample):
      0 on the most activated positions, 1 elsewhere; no gradient;
    - importance map ``M_imp = sigmoid(A)`` (differentiable);
    - one draw per forward pass (the whole batch): ``M = M_drop`` with
      probability ``drop_rate``, else ``M = M_imp``;
    - output ``F * M`` (broadcast over the channels).

    In eval mode the layer is the identity. wsolevaluation's ``ADL``
    (``adl_drop_rate``, ``adl_drop_threshold`` = ``\gamma``); its draw
    ``floor(U[0, 1) + drop_rate)`` picks the drop mask exactly when
    ``U >= 1 - drop_rate``, here ``U < drop_rate``: the same probability.
    The draw comes from torch's default generator of the input's device
    (seeded by ``torch.manual_seed`` / mmengine's ``randomness.seed``) and
    stays on the device (no host sync). The last choice is kept in the
    non-persistent ``last_dropped`` buffer (0-d bool) for inspection.

    Args:
        drop_rate (float): probability of the drop mask, in [0, 1].
            Defaults to 0.75 (wsolevaluation's default).
        gamma (float): drop threshold as a fraction of the per-sample
            maximum of ``A``, in [0, 1]. Defaults to 0.9 (wsolevaluation's
            ``--adl_threshold`` default).
    """

    def __init__(self, drop_rate: float = 0.75, gamma: float = 0.9) -> None:
        super().__init__()
        for name, value in (('drop_rate', drop_rate), ('gamma', gamma)):
            if not 0.0 <= float(value) <= 1.0:
                raise ValueError(f'AttentionDropout: {name} must be in '
                                 f'[0, 1], got {value!r}.')
        self.drop_rate = float(drop_rate)
        self.gamma = float(gamma)
        self.register_buffer(
            'last_dropped', torch.zeros((), dtype=torch.bool),
            persistent=False)

    @staticmethod
    def attention(feats: torch.Tensor) -> torch.Tensor:
        """``A``: the channel mean, ``B x 1 x h x w``."""
        return feats.mean(dim=1, keepdim=True)

    def drop_mask(self, attention: torch.Tensor) -> torch.Tensor:
        """``M_drop = [A < gamma * max A]`` as floats, ``B x 1 x h x w``."""
        peak = attention.detach().flatten(1).amax(dim=1)
        return (attention.detach() <
                (self.gamma * peak)[:, None, None, None]).to(attention.dtype)

    @staticmethod
    def importance_map(attention: torch.Tensor) -> torch.Tensor:
        """``M_imp = sigmoid(A)``, ``B x 1 x h x w``."""
        return torch.sigmoid(attention)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        """``F * M`` in training, ``F`` in eval (``B x D x h x w``)."""
        if not self.training:
            return feats
        if feats.dim() != 4:
            raise ValueError('AttentionDropout: features must be B x D x h '
                             f'x w, got {tuple(feats.shape)}.')
        attention = self.attention(feats)
        dropped = torch.rand((), device=feats.device) < self.drop_rate
        self.last_dropped.copy_(dropped)
        selected = torch.where(dropped, self.drop_mask(attention),
                               self.importance_map(attention))
        return feats * selected

    def extra_repr(self) -> str:
        return f'drop_rate={self.drop_rate}, gamma={self.gamma}'
