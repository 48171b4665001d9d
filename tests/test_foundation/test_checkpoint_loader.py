"""torch>=2.6 weights-only default vs mmengine Runner checkpoints."""
import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

import mmwsol  # noqa: F401  (registers the loader)


def test_plain_state_dict_loads_weights_only(tmp_path, monkeypatch):
    path = tmp_path / 'backbone.pth'
    state = {'conv.weight': torch.randn(2, 3, 3, 3)}
    torch.save(state, path)

    calls = []
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs.get('weights_only'))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, 'load', spy)
    loaded = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert torch.equal(loaded['conv.weight'], state['conv.weight'])
    assert calls == [True]  # never fell back to a full unpickle


def test_runner_style_checkpoint_loads(tmp_path):
    buffer = HistoryBuffer()
    buffer.update(0.5)
    ckpt = {
        'meta': {'epoch': 3, 'iter': 30, 'seed': np.int64(7)},
        'state_dict': {'w': torch.ones(2)},
        'message_hub': {'log_scalars': {'train/loss': buffer}},
    }
    path = tmp_path / 'epoch_3.pth'
    torch.save(ckpt, path)
    with pytest.raises(Exception):  # what broke mmengine 0.10 on torch 2.6+
        torch.load(path, weights_only=True)
    loaded = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert loaded['meta']['epoch'] == 3
    assert loaded['message_hub']['log_scalars']['train/loss'].current() == 0.5


def test_missing_checkpoint_names_the_file(tmp_path):
    missing = tmp_path / 'nope.pth'
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        CheckpointLoader.load_checkpoint(str(missing))
