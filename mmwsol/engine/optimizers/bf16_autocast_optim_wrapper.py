"""Mixed precision on a CPU: bf16 autocast, fp32 everything else."""
from contextlib import contextmanager

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper

from mmwsol.registry import OPTIM_WRAPPERS

__all__ = ['BF16AutocastOptimWrapper', 'cpu_supports_bf16']


def cpu_supports_bf16() -> bool:
    """Whether oneDNN runs bf16 kernels on this CPU (AVX512-BF16 or AMX;
    without them torch emulates bf16, slower than fp32)."""
    try:
        return bool(torch.backends.mkldnn.is_available()
                    and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


@OPTIM_WRAPPERS.register_module()
class BF16AutocastOptimWrapper(OptimWrapper):
    """An :class:`~mmengine.optim.OptimWrapper` whose forward runs under
    ``torch.autocast(device_type, dtype=torch.bfloat16)``.

    mmengine's ``AmpOptimWrapper`` is for accelerators only (it refuses to
    be built without CUDA / NPU / MLU / MUSA). This is the CPU's: the
    convolutions and matrix products of the networks run in bf16 (oneDNN's
    AVX512-BF16 / AMX kernels); weights, gradients and the optimizer state
    stay float32. bf16 has float32's exponent range, so no loss scaling is
    needed (and none is done): ``backward``, ``step`` and the state dict are
    the plain wrapper's, and checkpoints interchange with fp32 runs.

    Models decide what leaves autocast: LowCAM computes its losses and the
    attentive erasing in float32 (:func:`~mmwsol.models.utils.float32_region`).
    ``tools/train.py --amp`` picks this wrapper on a CPU that has bf16
    kernels (:func:`cpu_supports_bf16`).

    Args:
        device_type (str): autocast's device type. Defaults to ``'cpu'``.
        **kwargs: :class:`~mmengine.optim.OptimWrapper`'s arguments
            (``optimizer``, ``accumulative_counts``, ``clip_grad``).
    """

    def __init__(self, device_type: str = 'cpu', **kwargs):
        super().__init__(**kwargs)
        self.device_type = device_type

    @contextmanager
    def optim_context(self, model: nn.Module):
        """Gradient-accumulation context plus bf16 autocast."""
        with super().optim_context(model), torch.autocast(
                device_type=self.device_type, dtype=torch.bfloat16):
            yield
