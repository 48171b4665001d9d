"""FiniteLossCheckHook: a diverged run stops at its first non-finite loss,
keeps the last good checkpoint and makes tools/train.py exit 1."""
import hashlib
import os.path as osp
import subprocess
import sys

import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import DataLoader

import mmwsol  # noqa: F401  (registers the hook)
from mmwsol.engine.hooks import FiniteLossCheckHook, NonFiniteLossError

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(__file__)),
                            'test_tools'))
from tiny_classifier_cfg import write_config  # noqa: E402


class DivergingModel(BaseModel):
    """Loss ``w^2``, finite until call ``nan_at`` (1-based), NaN there."""

    def __init__(self, nan_at):
        super().__init__()
        self.w = nn.Parameter(torch.ones(1))
        self.nan_at = nan_at
        self.calls = 0

    def forward(self, inputs, data_samples=None, mode='loss'):
        self.calls += 1
        loss = (self.w**2).sum()
        if self.calls == self.nan_at:
            loss = loss * float('nan')
        return dict(loss_main=loss)


def build(tmp_path, nan_at, hook=True):
    loader = DataLoader([dict(inputs=torch.zeros(1))] * 4,
                        batch_size=2)  # 2 iterations an epoch
    return Runner(
        model=DivergingModel(nan_at),
        work_dir=str(tmp_path),
        train_dataloader=loader,
        train_cfg=dict(by_epoch=True, max_epochs=3),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook',
                                           interval=1)),
        custom_hooks=[dict(type='FiniteLossCheckHook')] if hook else [],
        default_scope='mmwsol')


def sha(path):
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()


def test_stops_at_the_first_nan_and_keeps_the_last_good_checkpoint(
        tmp_path):
    runner = build(tmp_path, nan_at=4)  # epoch 2, batch 2: iteration 4
    with pytest.raises(NonFiniteLossError,
                       match=r'iteration 4 \(epoch 2, batch 2\): '
                       r'loss=nan, loss_main=nan') as info:
        runner.train()
    assert 'epoch_1.pth' in str(info.value)  # the last good one is named
    assert osp.isfile(tmp_path / 'epoch_1.pth')
    assert not osp.exists(tmp_path / 'epoch_2.pth')
    with open(tmp_path / 'last_checkpoint') as f:
        assert f.read().strip().endswith('epoch_1.pth')
    # the saved weights are the finite ones after 2 SGD steps on w^2:
    # w <- w - 0.1 * 2w twice = 0.64
    saved = torch.load(tmp_path / 'epoch_1.pth', weights_only=False)
    assert saved['state_dict']['w'].item() == pytest.approx(0.64)


def test_without_the_hook_the_run_goes_on(tmp_path):
    """What happened before the hook: NaN weights, every checkpoint saved."""
    runner = build(tmp_path, nan_at=4, hook=False)
    runner.train()
    saved = torch.load(tmp_path / 'epoch_3.pth', weights_only=False)
    assert torch.isnan(saved['state_dict']['w']).all()


@pytest.mark.parametrize('value', [float('inf'), float('-inf')])
def test_inf_is_refused_too(value):
    hook = FiniteLossCheckHook()

    class FakeRunner:
        iter, epoch, work_dir = 6, 1, '/nonexistent'

    with pytest.raises(NonFiniteLossError, match='loss_area=-?inf'):
        hook.after_train_iter(FakeRunner(), 0, outputs=dict(
            loss=torch.tensor(1.), loss_area=torch.tensor(value),
            acc=torch.tensor(float('nan'))))  # not a loss: not checked
    hook.after_train_iter(FakeRunner(), 0, outputs=dict(
        loss=torch.tensor(1.), acc=torch.tensor(float('nan'))))


def test_train_py_exits_1_with_one_line(tmp_path, tool_env, repo_root):
    """Epoch 1 trains; restarted from its weights with an overflowing
    learning rate, the run diverges in its first epoch: train.py exits 1
    with one error line and epoch_1.pth, in the same work dir, is
    untouched."""
    cache, work = tmp_path / 'cache', tmp_path / 'work'
    cfg1 = write_config(tmp_path / 'cfg1.py', cache, max_epochs=1)
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', cfg1, '--work-dir', str(work)],
        env=tool_env, cwd=repo_root, capture_output=True, text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    before = sha(work / 'epoch_1.pth')
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', cfg1, '--work-dir', str(work),
         '--cfg-options', f'load_from={work / "epoch_1.pth"}',
         'optim_wrapper.optimizer.lr=1e38'],
        env=tool_env, cwd=repo_root, capture_output=True, text=True,
        timeout=600)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: non-finite training loss at iteration ')
    assert '(epoch 1, batch ' in last and 'epoch_1.pth' in last
    assert 'Traceback' not in proc.stderr
    assert sha(work / 'epoch_1.pth') == before
