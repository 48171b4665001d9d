"""TwoPhaseTrainingHook: the switch (frozen parameters, optimizer, schedule)
and resume in either phase, with a tiny LowCAM on the CPU."""
import copy
import math
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner
from toy_lowcam import runner_cfg, save_evaluator_checkpoint

from mmwsol.engine.hooks import TwoPhaseTrainingHook
from mmwsol.utils import register_all_modules

register_all_modules()

PHASE2_PREFIXES = ('neck.up2.', 'neck.up3.', 'neck.map_conv.',
                   'neck.map_bn.')


class Snapshot(Hook):
    """Records, before every train iteration, the optimizer type, the lr
    and (once per phase) the parameters."""

    priority = 'LOWEST'  # after TwoPhaseTrainingHook

    def __init__(self):
        self.optimizers, self.lrs, self.params = [], [], {}

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        model = runner.model
        self.optimizers.append(type(runner.optim_wrapper.optimizer).__name__)
        self.lrs.append(runner.optim_wrapper.optimizer.param_groups[0]['lr'])
        phase = model.current_phase
        if phase not in self.params:
            self.params[phase] = {
                n: p.detach().clone()
                for n, p in model.named_parameters()
            }


@pytest.fixture
def evaluator_ckpt(tmp_path):
    return save_evaluator_checkpoint(str(tmp_path / 'evaluator.pth'))


def cosine(k, total, base=1e-4):
    return base * (1 + math.cos(math.pi * k / total)) / 2


def train(cfg, snapshot=None):
    cfg = dict(cfg)
    if snapshot is not None:
        cfg['custom_hooks'] = cfg['custom_hooks'] + [snapshot]
    runner = Runner(**cfg)
    runner.train()
    return runner


def test_switch_at_epoch(tmp_path, evaluator_ckpt):
    snap = Snapshot()
    # 8 images, batch 4: 2 iterations per epoch; phase 2 = epochs 2, 3
    runner = train(
        runner_cfg(tmp_path / 'run', evaluator_ckpt, max_epochs=4,
                   switch_epoch=2), snap)
    model = runner.model
    assert model.current_phase == 2

    names = [n for n, _ in model.named_parameters()]
    expected = {n for n in names if n.startswith(PHASE2_PREFIXES)}
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == expected
    # the generator's up2/up3 double convs (2 conv + 2 BN each) + map head
    assert len(expected) == 2 * 6 + 3

    assert snap.optimizers == ['SGD'] * 4 + ['Adam'] * 4
    # the log shows phase 2's terms, not phase 1's last values
    logged = set(runner.message_hub.log_scalars)
    assert {'train/loss_eval', 'train/loss_area', 'train/loss_entropy',
            'train/erase_skipped', 'train/erase_selected'} <= logged
    assert not {'train/loss_cls_side', 'train/loss_cls_main'} & logged
    opt = runner.optim_wrapper.optimizer
    assert isinstance(opt, torch.optim.Adam)
    assert opt.param_groups[0]['initial_lr'] == pytest.approx(1e-4)
    assert opt.param_groups[0]['weight_decay'] == 0
    # phase 1: constant 0.01; phase 2: a fresh cosine over its 4 iterations
    want = [0.01] * 4 + [cosine(k, 4) for k in range(4)]
    assert snap.lrs == pytest.approx(want, rel=1e-9, abs=1e-15)

    # in phase 2 only the listed parameters moved
    before = snap.params[2]
    after = {n: p.detach() for n, p in model.named_parameters()}
    for name in names:
        moved = not torch.equal(before[name], after[name])
        assert moved == (name in expected), name
    # the evaluator holds its checkpoint's weights (read at the switch;
    # its BN statistics move: train mode by default, as the release)
    saved = torch.load(evaluator_ckpt, weights_only=True)['state_dict']
    for key, value in model.evaluator.model.named_parameters():
        assert torch.equal(saved[key], value), key
    assert model.evaluator.is_ready


def test_switch_at_iteration(tmp_path, evaluator_ckpt):
    snap = Snapshot()
    runner = train(
        runner_cfg(tmp_path / 'run', evaluator_ckpt, max_epochs=4,
                   switch_iter=3), snap)
    assert runner.model.current_phase == 2
    # mid-epoch switch: iterations 3..7 are phase 2 (5 iterations)
    assert snap.optimizers == ['SGD'] * 3 + ['Adam'] * 5
    want = [0.01] * 3 + [cosine(k, 5) for k in range(5)]
    assert snap.lrs == pytest.approx(want, rel=1e-9, abs=1e-15)


def test_phase1_schedule_is_replaced(tmp_path, evaluator_ckpt):
    """A phase-1 cosine (per iteration, over phase 1) gives way to the
    phase-2 cosine at the switch."""
    snap = Snapshot()
    sched = [dict(type='CosineAnnealingLR', by_epoch=False, begin=0,
                  end=4)]
    train(
        runner_cfg(tmp_path / 'run', evaluator_ckpt, max_epochs=4,
                   switch_epoch=2, phase1_scheduler=sched), snap)
    want = [cosine(k, 4, 0.01) for k in range(4)]
    want += [cosine(k, 4) for k in range(4)]
    assert snap.lrs == pytest.approx(want, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize('resume_epoch', [3, 1])
def test_resume_continues_exactly(tmp_path, evaluator_ckpt, resume_epoch):
    """Resuming from a checkpoint of phase 2 (epoch 3) or of phase 1
    (epoch 1) ends with the same weights, optimizer state and lr history
    as the uninterrupted run."""
    full_snap = Snapshot()
    full = train(
        runner_cfg(tmp_path / 'full', evaluator_ckpt, max_epochs=4,
                   switch_epoch=2), full_snap)
    ckpt = str(tmp_path / 'full' / f'epoch_{resume_epoch}.pth')
    saved = torch.load(ckpt, map_location='cpu', weights_only=False)
    assert int(saved['state_dict']['phase']) == (2 if resume_epoch == 3
                                                 else 1)

    cfg = runner_cfg(tmp_path / 'resumed', evaluator_ckpt, max_epochs=4,
                     switch_epoch=2)
    cfg.update(resume=True, load_from=ckpt)
    snap = Snapshot()
    resumed = train(cfg, snap)

    done = resume_epoch * 2  # iterations before the checkpoint
    assert snap.lrs == pytest.approx(full_snap.lrs[done:], rel=1e-12)
    assert snap.optimizers == full_snap.optimizers[done:]
    sd_full = full.model.state_dict()
    sd_resumed = resumed.model.state_dict()
    assert sd_full.keys() == sd_resumed.keys()
    for key in sd_full:
        assert torch.allclose(sd_full[key].float(), sd_resumed[key].float(),
                              atol=1e-6, rtol=1e-5), key
    assert {n for n, p in resumed.model.named_parameters()
            if p.requires_grad} == {n for n, p in
                                    full.model.named_parameters()
                                    if p.requires_grad}
    st_full = full.optim_wrapper.optimizer.state_dict()
    st_res = resumed.optim_wrapper.optimizer.state_dict()
    assert isinstance(resumed.optim_wrapper.optimizer, torch.optim.Adam)
    assert st_full['state'].keys() == st_res['state'].keys()
    for idx, state in st_full['state'].items():
        for k, v in state.items():
            assert torch.allclose(
                torch.as_tensor(v).float(),
                torch.as_tensor(st_res['state'][idx][k]).float(),
                atol=1e-6, rtol=1e-5), (idx, k)
    sched_full = full.param_schedulers[0]
    sched_res = resumed.param_schedulers[0]
    assert (sched_res.begin, sched_res.end, sched_res.last_step) == (
        sched_full.begin, sched_full.end, sched_full.last_step)


def test_resume_phase2_restores_adam_before_training(tmp_path,
                                                     evaluator_ckpt):
    """Right after Runner.resume (before any step) the optimizer is Adam
    with the checkpoint's moments and the cosine is at its saved step."""
    train(
        runner_cfg(tmp_path / 'full', evaluator_ckpt, max_epochs=4,
                   switch_epoch=2))
    ckpt = str(tmp_path / 'full' / 'epoch_3.pth')
    saved = torch.load(ckpt, map_location='cpu', weights_only=False)
    cfg = runner_cfg(tmp_path / 'resumed', evaluator_ckpt, max_epochs=4,
                     switch_epoch=2)
    runner = Runner(**cfg)
    runner._train_loop = runner.build_train_loop(runner._train_loop)
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    runner.resume(ckpt)
    opt = runner.optim_wrapper.optimizer
    assert isinstance(opt, torch.optim.Adam)
    assert opt.state_dict()['param_groups'][0]['lr'] == pytest.approx(
        saved['optimizer']['param_groups'][0]['lr'])
    some = next(iter(saved['optimizer']['state']))
    assert torch.equal(opt.state_dict()['state'][some]['exp_avg'],
                       saved['optimizer']['state'][some]['exp_avg'])
    assert runner.param_schedulers[0].last_step == \
        saved['param_schedulers'][0]['last_step']
    assert runner.model.current_phase == 2
    assert runner.iter == 6 and runner.epoch == 3


def test_test_only_runner_loads_phase2(tmp_path, evaluator_ckpt):
    train(
        runner_cfg(tmp_path / 'full', evaluator_ckpt, max_epochs=3,
                   switch_epoch=2))
    cfg = runner_cfg(tmp_path / 'test', evaluator_ckpt)
    for key in ('train_dataloader', 'optim_wrapper', 'train_cfg',
                'param_scheduler'):
        cfg.pop(key)
    # the evaluator file is gone: its weights come from the LowCAM ckpt
    cfg['model']['evaluator']['checkpoint'] = str(tmp_path / 'gone.pth')
    runner = Runner(**cfg)
    runner.load_checkpoint(str(tmp_path / 'full' / 'epoch_3.pth'))
    model = runner.model
    assert model.current_phase == 2
    assert model.evaluator.is_ready
    assert {n for n, p in model.named_parameters() if p.requires_grad} == {
        n for n, _ in model.named_parameters()
        if n.startswith(PHASE2_PREFIXES)
    }


def test_missing_evaluator_checkpoint_fails_at_the_switch(tmp_path):
    missing = str(tmp_path / 'no_evaluator.pth')
    runner = Runner(**runner_cfg(tmp_path / 'run', missing, max_epochs=3,
                                 switch_epoch=2))
    with pytest.raises(FileNotFoundError,
                       match='model.evaluator.checkpoint') as info:
        runner.train()
    assert missing in str(info.value)
    # phase 1 ran to the end before the error
    assert osp.isfile(tmp_path / 'run' / 'epoch_2.pth')


def test_hook_arguments():
    with pytest.raises(ValueError, match='exactly one'):
        TwoPhaseTrainingHook()
    with pytest.raises(ValueError, match='exactly one'):
        TwoPhaseTrainingHook(switch_epoch=1, switch_iter=2)
    with pytest.raises(ValueError, match='switch_epoch'):
        TwoPhaseTrainingHook(switch_epoch=-1)
    with pytest.raises(ValueError, match='optimizer'):
        TwoPhaseTrainingHook(switch_epoch=1, phase2_optim_wrapper=dict())
    hook = TwoPhaseTrainingHook(switch_epoch=1, phase2_param_scheduler=None)
    assert hook.phase2_param_scheduler == []
    assert TwoPhaseTrainingHook.checkpoint_phase(
        {'state_dict': {'module.phase': torch.tensor(2)}}) == 2
    assert TwoPhaseTrainingHook.checkpoint_phase({'state_dict': {}}) == 1


def test_hook_needs_a_model_with_phases(tmp_path):
    class Dummy:
        model = torch.nn.Linear(2, 2)

    with pytest.raises(TypeError, match='LowCAM'):
        TwoPhaseTrainingHook(switch_epoch=0).before_train(Dummy())


def test_constant_phase2_lr(tmp_path, evaluator_ckpt):
    snap = Snapshot()
    cfg = runner_cfg(tmp_path / 'run', evaluator_ckpt, max_epochs=3,
                     switch_epoch=2)
    cfg['custom_hooks'] = [
        dict(type='TwoPhaseTrainingHook', switch_epoch=2,
             phase2_optim_wrapper=dict(
                 optimizer=dict(type='SGD', lr=0.5)),
             phase2_param_scheduler=None)
    ]
    runner = train(copy.deepcopy(cfg), snap)
    assert snap.lrs == [0.01] * 4 + [0.5] * 2
    assert runner.param_schedulers is None


def test_epoch_based_phase2_schedule_is_relative(tmp_path, evaluator_ckpt):
    """A by-epoch phase-2 scheduler counts epochs from the switch: a
    milestone at 1 decays after the first phase-2 epoch."""
    snap = Snapshot()
    cfg = runner_cfg(tmp_path / 'run', evaluator_ckpt, max_epochs=4,
                     switch_epoch=2)
    cfg['custom_hooks'] = [
        dict(type='TwoPhaseTrainingHook', switch_epoch=2,
             phase2_param_scheduler=dict(
                 type='MultiStepLR', by_epoch=True, milestones=[1],
                 gamma=0.1))
    ]
    runner = train(cfg, snap)
    assert snap.lrs == pytest.approx([0.01] * 4 + [1e-4] * 2 + [1e-5] * 2)
    sched = runner.param_schedulers[0]
    assert (sched.begin, sched.end) == (0, 2)  # the 2 epochs left
