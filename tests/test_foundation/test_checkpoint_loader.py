"""torch>=2.6 weights-only default vs mmengine Runner checkpoints; truncated
files."""
import io

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


def _runner_checkpoint_bytes(legacy=False):
    buffer = HistoryBuffer()
    buffer.update(0.5)
    ckpt = {
        'meta': {'epoch': 1, 'seed': np.int64(7)},
        'state_dict': {f'w{i}': torch.randn(50 + i) for i in range(20)},
        'message_hub': {'log_scalars': {'train/loss': buffer}},
    }
    data = io.BytesIO()
    torch.save(ckpt, data, _use_new_zipfile_serialization=not legacy)
    return data.getvalue()


@pytest.mark.parametrize('legacy', [False, True], ids=['zip', 'legacy'])
def test_truncated_checkpoint_is_called_corrupt_at_every_length(
        tmp_path, legacy):
    """Cut at 60 lengths, torch raises EOFError, UnpicklingError,
    OSError(EINVAL), RuntimeError, struct.error, IndexError; every one
    reads 'cannot be read, it is corrupt or truncated (N bytes)'."""
    data = _runner_checkpoint_bytes(legacy)
    path = tmp_path / 'cut.pth'
    for size in range(0, len(data), len(data) // 60):
        path.write_bytes(data[:size])
        with pytest.raises(RuntimeError) as info:
            CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
        assert str(info.value).startswith(
            f'checkpoint {path} cannot be read, it is corrupt or truncated '
            f'({size} bytes): '), (size, str(info.value))
        assert '\n' not in str(info.value)


def test_intact_checkpoint_error_is_not_called_corrupt(tmp_path,
                                                       monkeypatch):
    """An error of a complete file (here: a CUDA tensor on a CPU-only
    machine) is torch's, unchanged."""
    path = tmp_path / 'intact.pth'
    path.write_bytes(_runner_checkpoint_bytes())

    def cuda_error(*args, **kwargs):
        raise RuntimeError('Attempting to deserialize object on a CUDA '
                           'device but torch.cuda.is_available() is False.')

    monkeypatch.setattr(torch, 'load', cuda_error)
    with pytest.raises(RuntimeError, match='^Attempting to deserialize'):
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
