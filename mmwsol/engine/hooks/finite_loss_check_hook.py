"""Stop training at the first non-finite loss."""
import math
import os.path as osp
from typing import Optional, Sequence

import torch
from mmengine.hooks import Hook

from mmwsol.registry import HOOKS


class NonFiniteLossError(FloatingPointError):
    """A training loss was NaN or infinite; training stopped there."""


@HOOKS.register_module()
class FiniteLossCheckHook(Hook):
    """Stop at the first training iteration whose loss is NaN or inf.

    Without it a diverged run goes on: the parameters become NaN, the
    validation reports figures of NaN scores, a "best" checkpoint is saved
    and the process exits 0. This hook checks every ``loss*`` value the
    model's ``train_step`` returned (its log variables, e.g. ``loss``,
    ``loss_cls_side``, ``loss_area``) after each iteration and raises
    :class:`NonFiniteLossError` naming the iteration, the epoch and the
    non-finite terms. It runs before ``CheckpointHook`` (priority
    ``ABOVE_NORMAL`` against its ``VERY_LOW``), so no checkpoint of the
    diverged state is written: the last checkpoint on disk, and the one
    ``last_checkpoint`` names, is the last good one. ``tools/train.py``
    reports the error in one line and exits with status 1.

    Config: ``default_hooks.finite_loss = dict(type='FiniteLossCheckHook')``
    (in ``configs/_base_/default_runtime.py``).
    """

    priority = 'ABOVE_NORMAL'

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if not outputs:
            return
        bad = {k: v for k, v in outputs.items()
               if k.startswith('loss') and not _finite(v)}
        if not bad:
            return
        terms = ', '.join(f'{k}={_as_float(v)}' for k, v in bad.items())
        last = _last_checkpoint(runner)
        raise NonFiniteLossError(
            f'non-finite training loss at iteration {runner.iter + 1} '
            f'(epoch {runner.epoch + 1}, batch {batch_idx + 1}): {terms}. '
            f'Training stopped; no checkpoint of this state was saved '
            f'(last checkpoint: {last or "none yet"}). Lower the learning '
            f'rate, check the data of this batch, or resume from the last '
            f'checkpoint.')


def _finite(value) -> bool:
    if isinstance(value, torch.Tensor):
        return bool(torch.isfinite(value).all())
    if isinstance(value, (int, float)):
        return math.isfinite(value)
    if isinstance(value, Sequence):
        return all(_finite(v) for v in value)
    return True


def _as_float(value):
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value)
    return value


def _last_checkpoint(runner) -> Optional[str]:
    """The checkpoint ``last_checkpoint`` names in the work dir, if any."""
    path = osp.join(runner.work_dir, 'last_checkpoint')
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return f.read().strip() or None
