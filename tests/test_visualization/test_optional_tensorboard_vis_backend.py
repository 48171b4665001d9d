"""OptionalTensorboardVisBackend: logs to TensorBoard when it can be
imported, does nothing (with one warning) when it cannot."""
import sys
import types

import numpy as np
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmwsol.registry import VISBACKENDS
from mmwsol.visualization import (LocalizationVisualizer,
                                  OptionalTensorboardVisBackend)


class FakeSummaryWriter:
    """Records the calls mmengine's TensorboardVisBackend makes."""

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self.calls = []
        self.closed = False

    def add_image(self, tag, img, step, dataformats):
        self.calls.append(('image', tag, img.shape, step, dataformats))

    def add_scalar(self, tag, value, step):
        self.calls.append(('scalar', tag, value, step))

    def add_text(self, tag, text):
        self.calls.append(('text', tag))

    def close(self):
        self.closed = True


def _fake_tensorboard(monkeypatch):
    module = types.ModuleType('torch.utils.tensorboard')
    module.SummaryWriter = FakeSummaryWriter
    monkeypatch.setitem(sys.modules, 'torch.utils.tensorboard', module)


def _no_tensorboard(monkeypatch):
    # a None entry makes `import torch.utils.tensorboard` raise ImportError
    monkeypatch.setitem(sys.modules, 'torch.utils.tensorboard', None)


def test_registered():
    assert VISBACKENDS.get('OptionalTensorboardVisBackend') is \
        OptionalTensorboardVisBackend


def test_logs_through_tensorboard_when_installed(tmp_path, monkeypatch):
    _fake_tensorboard(monkeypatch)
    backend = OptionalTensorboardVisBackend(save_dir=str(tmp_path / 'tb'))
    image = np.zeros((8, 6, 3), dtype=np.uint8)
    backend.add_image('0_bird', image, step=3)
    backend.add_scalars({'wsol/MaxBoxAccV2': 61.5, 'loss': 0.25}, step=7)
    backend.add_config(Config(dict(a=1)))
    assert backend.available
    writer = backend.experiment
    assert isinstance(writer, FakeSummaryWriter)
    assert writer.log_dir == str(tmp_path / 'tb')
    assert writer.calls == [
        ('image', '0_bird', (8, 6, 3), 3, 'HWC'),
        ('scalar', 'wsol/MaxBoxAccV2', 61.5, 7),
        ('scalar', 'loss', 0.25, 7),
        ('text', 'config'),
    ]
    backend.close()
    assert writer.closed


def test_no_op_with_one_warning_when_missing(tmp_path, monkeypatch):
    _no_tensorboard(monkeypatch)
    backend = OptionalTensorboardVisBackend(save_dir=str(tmp_path / 'tb'))
    messages = []
    monkeypatch.setattr(
        'mmwsol.visualization.optional_tensorboard_vis_backend.print_log',
        lambda msg, logger=None, level=None: messages.append((msg, level)))
    image = np.zeros((8, 6, 3), dtype=np.uint8)
    backend.add_image('0_bird', image, step=1)
    backend.add_scalar('loss', 1.0, step=1)
    backend.add_scalars({'loss': 1.0}, step=2)
    backend.add_config(Config(dict(a=1)))
    backend.close()
    assert not backend.available
    assert len(messages) == 1
    assert 'pip install tensorboard' in messages[0][0]
    assert messages[0][1] == 30  # logging.WARNING


def test_visualizer_with_both_backends_still_writes_local_files(
        tmp_path, monkeypatch):
    _no_tensorboard(monkeypatch)
    # as the runner builds it from default_runtime.py (scope mmwsol)
    with DefaultScope.overwrite_default_scope('mmwsol'):
        vis = LocalizationVisualizer(
            name='optional_tb_vis',
            vis_backends=[
                dict(type='LocalVisBackend'),
                dict(type='OptionalTensorboardVisBackend')
            ],
            save_dir=str(tmp_path))
    vis.add_image('0_bird', np.zeros((8, 6, 3), dtype=np.uint8), step=2)
    vis.add_scalars({'loss': 0.5}, step=2)
    assert (tmp_path / 'vis_data/vis_image/0_bird_2.png').is_file()
    assert (tmp_path / 'vis_data/scalars.json').is_file()
    assert not vis.get_backend('OptionalTensorboardVisBackend').available
