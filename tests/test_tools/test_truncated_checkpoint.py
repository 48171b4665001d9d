"""A truncated checkpoint (``head -c 50000 epoch_1.pth > bad.pth``) given
to any tool: one ``error: checkpoint ... cannot be read, it is corrupt or
truncated (N bytes): ...`` line and exit status 1, never a traceback or
"does not fit the model"."""
import io
import os.path as osp
import re
import subprocess
import sys

import mmcv
import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer

from tiny_classifier_cfg import REPO_ROOT, write_config

CAM_CFG = osp.join(REPO_ROOT, 'configs/cam/cam_tiny_synthetic.py')
CUT = 50000


@pytest.fixture(scope='module')
def bad_checkpoint(tmp_path_factory):
    """A Runner-style checkpoint (state dict, meta, message hub) of about
    200 kB cut to its first 50000 bytes."""
    buffer = HistoryBuffer()
    buffer.update(0.5)
    checkpoint = dict(
        meta=dict(epoch=1, iter=6, seed=np.int64(0)),
        state_dict={f'layer{i}.weight': torch.randn(64, 64)
                    for i in range(12)},
        message_hub=dict(log_scalars={'train/loss': buffer}))
    data = io.BytesIO()
    torch.save(checkpoint, data)
    assert len(data.getvalue()) > 4 * CUT
    path = tmp_path_factory.mktemp('ckpt') / 'bad.pth'
    path.write_bytes(data.getvalue()[:CUT])
    return str(path)


def expected_error(path):
    """The one line every tool ends with (a regular expression)."""
    return (rf'error: checkpoint {re.escape(path)} cannot be read, it is '
            rf'corrupt or truncated \({CUT} bytes\): \w+: .+')


def run_tool(args, env):
    return subprocess.run(
        [sys.executable, *args], cwd=REPO_ROOT, env=env,
        capture_output=True, text=True, timeout=300)


def test_test_py_says_corrupt_in_one_line(tmp_path, tool_env, bad_checkpoint):
    """tools/test.py CONFIG bad.pth (the Runner's load_from)."""
    config = write_config(tmp_path / 'cfg.py', tmp_path / 'cache')
    proc = run_tool(['tools/test.py', config, bad_checkpoint, '--work-dir',
                     str(tmp_path / 'work')], tool_env)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    last_line = proc.stderr.strip().splitlines()[-1]
    assert re.fullmatch(expected_error(bad_checkpoint), last_line), last_line


def test_train_py_resume_names_the_truncated_file(tmp_path, tool_env,
                                                  bad_checkpoint):
    """tools/train.py --resume bad.pth: the loader's message (tools/train.py
    turns CheckpointReadError into the one `error:` line)."""
    config = write_config(tmp_path / 'cfg.py', tmp_path / 'cache')
    proc = run_tool(['tools/train.py', config, '--work-dir',
                     str(tmp_path / 'work'), '--resume', bad_checkpoint],
                    tool_env)
    assert proc.returncode != 0
    assert re.search(expected_error(bad_checkpoint)[len('error: '):],
                     proc.stderr), proc.stderr[-3000:]
    assert 'does not fit' not in proc.stderr


def _load_script(relative_path):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        osp.splitext(osp.basename(relative_path))[0],
        osp.join(REPO_ROOT, relative_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: a tiny benchmark for synthetic_part_analysis.py (the checkpoint fails
#: first, so nothing needs it to be generated)
TINY_GENERATOR = ['num_classes=3', 'image_size=48', 'train_per_class=2',
                  'test_per_class=2', 'train_fullsup_per_class=1']


@pytest.mark.parametrize('script, argv', [
    ('tools/visualization/vis_localization.py',
     lambda ckpt, image, tmp: [CAM_CFG, ckpt, image, '--out-dir', str(tmp)]),
    ('demo/image_demo.py', lambda ckpt, image, tmp: [image, CAM_CFG, ckpt]),
    ('tools/analysis_tools/synthetic_part_analysis.py',
     lambda ckpt, image, tmp: [CAM_CFG, ckpt, '--generator',
                               *TINY_GENERATOR]),
])
def test_inference_tools_say_corrupt_in_one_line(script, argv, tmp_path,
                                                 monkeypatch,
                                                 bad_checkpoint):
    """The tools on get_model / LocalizationInferencer exit with the
    error line (SystemExit's message goes to stderr, status 1)."""
    monkeypatch.setenv('MMWSOL_CACHE', str(tmp_path / 'cache'))
    image = str(tmp_path / 'image.png')
    mmcv.imwrite(np.zeros((40, 60, 3), np.uint8), image)
    tool = _load_script(script)
    with pytest.raises(SystemExit) as info:
        tool.main(argv(bad_checkpoint, image, tmp_path))
    message = info.value.code
    assert isinstance(message, str), message
    # get_model names itself before the checkpoint
    assert re.fullmatch(
        expected_error(bad_checkpoint).replace(
            'checkpoint ', r'(get_model\(.+\): )?checkpoint ', 1),
        message), message
