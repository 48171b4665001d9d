"""Run part of a model with a gradient-free snapshot of its weights."""
from typing import Any, Callable

import torch
import torch.nn as nn


class _BoundCall(nn.Module):
    """``module`` as a submodule and ``fn`` (a plain callable, not a
    submodule) as the forward, so :func:`torch.func.functional_call` can
    swap ``module``'s tensors while ``fn`` runs."""

    def __init__(self, module: nn.Module, fn: Callable) -> None:
        super().__init__()
        self.module = module
        # not a submodule even when ``fn`` is a Module (``module`` itself)
        object.__setattr__(self, '_fn', fn)

    def forward(self, *args, **kwargs):
        return self._fn(*args, **kwargs)


def call_with_frozen_weights(module: nn.Module, fn: Callable, *args,
                             **kwargs) -> Any:
    """``fn(*args, **kwargs)`` with ``module``'s parameters detached and its
    buffers copied.

    The outputs stay differentiable w.r.t. the *inputs* ``args``, but no
    gradient reaches ``module``'s parameters, and whatever ``fn`` writes into
    the buffers (BatchNorm running statistics in train mode) lands in the
    copies and is dropped. This is what the BAS release gets by running
    ``copy.deepcopy`` of its classifier layers on the erased features at
    every step, without copying any weight: the parameters are swapped for
    ``detach()`` views (no memory) for the duration of the call
    (:func:`torch.func.functional_call`). Train/eval modes are the
    module's own.

    Args:
        module (nn.Module): the module whose tensors ``fn`` uses (``fn`` may
            be a bound method of it or call any of its submodules).
        fn (callable): the computation.
        *args, **kwargs: passed to ``fn``.

    Returns:
        What ``fn`` returns.
    """
    state = {
        f'module.{name}': param.detach()
        for name, param in module.named_parameters()
    }
    state.update({
        f'module.{name}': buf.clone()
        for name, buf in module.named_buffers()
    })
    return torch.func.functional_call(
        _BoundCall(module, fn), state, args, kwargs, strict=False)
