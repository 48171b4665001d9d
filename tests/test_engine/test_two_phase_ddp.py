"""The phase switch under DDP: 2 CPU processes (gloo), parameters frozen
after the model was wrapped (needs find_unused_parameters=True)."""
import socket

import torch
import torch.multiprocessing as mp
from toy_lowcam import ddp_worker, save_evaluator_checkpoint

PHASE2_PREFIXES = ('neck.up2.', 'neck.up3.', 'neck.map_conv.',
                   'neck.map_bn.')


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_two_process_switch(tmp_path):
    ckpt = save_evaluator_checkpoint(str(tmp_path / 'evaluator.pth'))
    work_dir = str(tmp_path / 'run')
    ctx = mp.get_context('spawn')
    port = free_port()
    procs = [
        ctx.Process(
            target=ddp_worker,
            args=(rank, 2, port, work_dir, ckpt, str(tmp_path)))
        for rank in range(2)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=180)
    alive = [p for p in procs if p.is_alive()]
    for proc in alive:
        proc.terminate()
    assert not alive, 'DDP run did not finish (hang?)'
    assert [p.exitcode for p in procs] == [0, 0]

    results = [torch.load(tmp_path / f'rank{r}.pt') for r in range(2)]
    names = list(results[0]['params'])
    expected = sorted(n for n in names if n.startswith(PHASE2_PREFIXES))
    for res in results:
        assert res['phase'] == 2
        assert res['optimizer'] == 'Adam'
        assert res['trainable'] == expected
    # gradients were averaged: both ranks hold the same weights
    for name in names:
        assert torch.equal(results[0]['params'][name],
                           results[1]['params'][name]), name
    # phase 2 moved exactly the trainable parameters (epoch_2.pth: the end
    # of phase 1; the evaluator's weights are loaded at the switch)
    phase1_end = torch.load(
        f'{work_dir}/epoch_2.pth', map_location='cpu',
        weights_only=False)['state_dict']
    for name in names:
        if name.startswith('evaluator.'):
            continue
        moved = not torch.equal(phase1_end[name], results[0]['params'][name])
        assert moved == (name in expected), name


def test_switch_refuses_ddp_without_find_unused(tmp_path):
    """One gloo process: a DDP-wrapped LowCAM without
    find_unused_parameters is refused at the switch, with the fix."""
    import pytest
    import torch.distributed as dist
    from mmengine.logging import MMLogger
    from torch.nn.parallel import DistributedDataParallel
    from toy_lowcam import lowcam_model

    from mmwsol.engine.hooks import TwoPhaseTrainingHook
    from mmwsol.registry import MODELS
    from mmwsol.utils import register_all_modules

    register_all_modules()
    dist.init_process_group(
        'gloo', init_method=f'file://{tmp_path}/store', rank=0,
        world_size=1)
    try:
        model = MODELS.build(lowcam_model(str(tmp_path / 'e.pth')))
        wrapped = DistributedDataParallel(model, device_ids=None)

        class FakeRunner:
            logger = MMLogger.get_current_instance()

        runner = FakeRunner()
        runner.model = wrapped
        with pytest.raises(RuntimeError, match='find_unused_parameters'):
            TwoPhaseTrainingHook(switch_epoch=0).switch(runner, 0, 0)
        assert model.current_phase == 1
    finally:
        dist.destroy_process_group()
