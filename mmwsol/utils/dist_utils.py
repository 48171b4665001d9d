"""Distributed training on machines without a GPU (gloo on the CPU)."""
import os

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config) -> bool:
    """Prepare ``cfg`` for a distributed run when no CUDA device is visible.

    mmengine 0.10's ``init_dist('pytorch')`` calls ``torch.cuda.set_device``
    and its default DDP wrapper passes ``device_ids=[LOCAL_RANK]``; both fail
    without a GPU. This function

    - initialises the default process group with the ``gloo`` backend itself
      (the Runner then skips its own initialisation), and
    - wraps the model in ``MMDistributedDataParallel`` with
      ``device_ids=None``, which is what DDP wants for CPU modules.

    It does nothing when CUDA is available or the launcher is ``none``.

    Args:
        cfg (Config): The full config; ``cfg.launcher`` must be set.

    Returns:
        bool: True if the CPU/gloo setup was applied.
    """
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return False
    if cfg.launcher != 'pytorch':
        raise RuntimeError(
            f'launcher "{cfg.launcher}" needs GPUs; on a CPU-only machine use '
            '`--launcher pytorch` (tools/dist_train.sh does), which runs '
            'with the gloo backend.')
    env_cfg = cfg.setdefault('env_cfg', {})
    dist_cfg = env_cfg.setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    if not torch_dist.is_initialized():
        kwargs = {k: v for k, v in dist_cfg.items() if k != 'backend'}
        if 'timeout' in kwargs and not hasattr(kwargs['timeout'], 'seconds'):
            import datetime
            kwargs['timeout'] = datetime.timedelta(seconds=kwargs['timeout'])
        torch_dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            **kwargs)
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    wrapper.setdefault('broadcast_buffers', False)
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    return True


def teardown_distributed() -> None:
    """Wait for every rank, then destroy the default process group.

    mmengine leaves the process group to the interpreter's exit, where a
    rank that finishes first can tear gloo's threads down under the other
    rank's last collective (seen as ``terminate called without an active
    exception`` and exit code -6 at the end of a 2-process CPU run). The
    tools call this after training or testing; it does nothing outside a
    distributed run.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
