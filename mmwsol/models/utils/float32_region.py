"""Leave mixed precision for the numerically delicate parts of a model."""
from contextlib import contextmanager

import torch

__all__ = ['float32_region']


@contextmanager
def float32_region(*tensors: torch.Tensor):
    """Autocast off, and the given tensors as float32.

    Under ``torch.autocast`` (``--amp``: bf16 on the CPU, fp16 / bf16 on a
    GPU) the networks' convolutions run in low precision; losses,
    probabilities fed to sampling (LowCAM's attentive erasing draws
    ``Bernoulli(1 - p~)``) and reductions over a batch belong in float32.
    Use as::

        with float32_region(p_a, f_a) as (p_a, f_a):
            ...  # float32 ops, autocast disabled on p_a's device type

    Args:
        *tensors (Tensor): tensors to cast (floating ones become float32,
            others are passed through); at least one, for the device type.

    Yields:
        tuple[Tensor, ...]: the cast tensors.
    """
    if not tensors:
        raise ValueError('float32_region needs at least one tensor')
    with torch.autocast(device_type=tensors[0].device.type, enabled=False):
        yield tuple(
            t.float() if t.is_floating_point() else t for t in tensors)
