"""Checkpoints survive a save that fails midway (a full disk): the
previous checkpoint stays, no truncated file takes a checkpoint's name,
``last_checkpoint`` names a complete file and resume works from it."""
import builtins
import errno
import os
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import DataLoader

import mmwsol  # noqa: F401  (registers the hook and the file backend)
from mmwsol.engine.checkpoint import AtomicWriteError, write_atomically
from mmwsol.engine.hooks.atomic_checkpoint_hook import \
    remove_stale_temporary_files

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


class LinearModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(64, 64))

    def forward(self, inputs, data_samples=None, mode='loss'):
        return dict(loss=(self.w**2).mean())


def checkpoint_hook_cfg(**kwargs):
    """The checkpoint hook of the project's default runtime."""
    cfg = Config.fromfile(osp.join(REPO, 'configs/_base_/default_runtime.py'))
    hook = cfg.default_hooks.checkpoint.to_dict()
    hook.pop('greater_keys')
    hook.update(kwargs)
    return hook


def build(work_dir, max_epochs, resume=False):
    return Runner(
        model=LinearModel(),
        work_dir=str(work_dir),
        train_dataloader=DataLoader([dict(inputs=torch.zeros(1))] * 2,
                                    batch_size=1),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(checkpoint=checkpoint_hook_cfg(max_keep_ckpts=1)),
        resume=resume,
        default_scope='mmwsol')


class DiskFullAfterHalf:
    """``open`` where writing a file whose name contains ``marker`` writes
    half of the bytes and then fails with ENOSPC."""

    def __init__(self, marker):
        self.marker = marker
        self.open = builtins.open

    def __call__(self, file, mode='r', *args, **kwargs):
        f = self.open(file, mode, *args, **kwargs)
        if 'w' not in mode or self.marker not in osp.basename(str(file)):
            return f
        write = f.write

        def failing_write(data):
            write(data[:len(data) // 2])
            f.flush()
            raise OSError(errno.ENOSPC, 'No space left on device')

        f.write = failing_write
        return f


def files(work_dir):
    return sorted(p for p in os.listdir(work_dir)
                  if osp.isfile(osp.join(work_dir, p)))


@pytest.mark.parametrize('marker', ['epoch_2', 'last_checkpoint'])
def test_a_save_failing_midway_loses_nothing(tmp_path, monkeypatch, marker):
    build(tmp_path, max_epochs=1).train()
    with open(tmp_path / 'epoch_1.pth', 'rb') as f:
        good = f.read()

    # epoch 2's save (the checkpoint, or the last_checkpoint after it)
    # fails with a full disk half way through
    monkeypatch.setattr(builtins, 'open', DiskFullAfterHalf(marker))
    with pytest.raises(OSError, match='No space left on device') as info:
        build(tmp_path, max_epochs=2, resume=True).train()
    monkeypatch.undo()
    assert isinstance(info.value, AtomicWriteError)
    assert marker in str(info.value)  # the message names the file

    # no partial file under any name (max_keep_ckpts=1: epoch_1 is only
    # removed once epoch_2 is complete)
    names = files(tmp_path)
    assert not [n for n in names if '.tmp-' in n], names
    with open(tmp_path / 'last_checkpoint') as f:
        last = f.read().strip()
    assert osp.isfile(last), names
    ckpt = torch.load(last, map_location='cpu', weights_only=False)
    if marker == 'epoch_2':
        assert 'epoch_2.pth' not in names
        assert last.endswith('epoch_1.pth')
        with open(tmp_path / 'epoch_1.pth', 'rb') as f:
            assert f.read() == good  # untouched
    else:  # epoch_2.pth was complete; last_checkpoint kept its old text
        assert last.endswith('epoch_1.pth')
        assert torch.load(tmp_path / 'epoch_2.pth', weights_only=False)[
            'meta']['epoch'] == 2
    assert ckpt['meta']['epoch'] == 1

    # and the run resumes from the complete checkpoint to its end
    build(tmp_path, max_epochs=2, resume=True).train()
    final = torch.load(tmp_path / 'epoch_2.pth', weights_only=False)
    assert final['meta']['epoch'] == 2
    assert not osp.exists(tmp_path / 'epoch_1.pth')  # max_keep_ckpts=1


def test_write_atomically_keeps_the_old_file_on_failure(tmp_path,
                                                        monkeypatch):
    path = tmp_path / 'f.bin'
    write_atomically(b'old content', path)
    monkeypatch.setattr(builtins, 'open', DiskFullAfterHalf('f.bin'))
    with pytest.raises(AtomicWriteError,
                       match=r'could not write .*f\.bin \(11 bytes\): No '
                       r'space left on device; the previous file there is '
                       r'unchanged'):
        write_atomically(b'new content', path)
    monkeypatch.undo()
    assert path.read_bytes() == b'old content'
    assert os.listdir(tmp_path) == ['f.bin']


def test_stale_temporary_files_of_dead_processes_are_removed(tmp_path):
    dead = tmp_path / '.epoch_3.pth.tmp-999999999'  # no such pid
    alive = tmp_path / f'.epoch_4.pth.tmp-{os.getpid()}'
    for p in (dead, alive, tmp_path / 'epoch_2.pth'):
        p.write_bytes(b'x')
    assert remove_stale_temporary_files(str(tmp_path)) == [dead.name]
    assert sorted(os.listdir(tmp_path)) == sorted(
        [alive.name, 'epoch_2.pth'])
