"""tools/train.py, tools/test.py and tools/dist_train.sh end to end (CPU)."""
import os.path as osp
import subprocess
import sys

import torch

from tiny_classifier_cfg import write_config


def run(args, env, cwd, timeout=600):
    proc = subprocess.run(args, env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, (
        f'{" ".join(map(str, args))} failed:\n{proc.stdout[-3000:]}\n'
        f'{proc.stderr[-5000:]}')
    return proc


def load(path):
    return torch.load(path, map_location='cpu', weights_only=False)


def test_train_resume_and_load_from(tmp_path, tool_env, repo_root):
    cache = tmp_path / 'cache'
    work = tmp_path / 'work'
    cfg1 = write_config(tmp_path / 'cfg1.py', cache, max_epochs=1)
    cfg2 = write_config(tmp_path / 'cfg2.py', cache, max_epochs=2)

    run([sys.executable, 'tools/train.py', cfg1, '--work-dir', str(work)],
        tool_env, repo_root)
    first = load(work / 'epoch_1.pth')
    assert first['meta']['epoch'] == 1
    iters_per_epoch = first['meta']['iter']  # 24 train images, batch 4
    assert iters_per_epoch == 6

    # --resume with no path: the latest checkpoint of the work dir
    proc = run([sys.executable, 'tools/train.py', cfg2, '--work-dir',
                str(work), '--resume'], tool_env, repo_root)
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 1' in log
    second = load(work / 'epoch_2.pth')
    assert second['meta']['epoch'] == 2
    assert second['meta']['iter'] == 2 * iters_per_epoch
    # the optimizer state came back (SGD momentum buffers exist and moved)
    assert second['optimizer']['state'] != {}

    # --resume PATH from an explicit checkpoint
    proc = run([sys.executable, 'tools/train.py', cfg2, '--work-dir',
                str(tmp_path / 'work_explicit'), '--resume',
                str(work / 'epoch_1.pth')], tool_env, repo_root)
    assert 'resumed epoch: 1' in proc.stdout + proc.stderr
    assert osp.isfile(tmp_path / 'work_explicit' / 'epoch_2.pth')

    # load_from: weights only, training restarts at epoch 0
    proc = run([sys.executable, 'tools/train.py', cfg1, '--work-dir',
                str(tmp_path / 'work_load'), '--cfg-options',
                f'load_from={work / "epoch_2.pth"}'], tool_env, repo_root)
    assert 'Load checkpoint from' in proc.stdout + proc.stderr
    third = load(tmp_path / 'work_load' / 'epoch_1.pth')
    assert third['meta']['iter'] == iters_per_epoch

    # tools/test.py loads the Runner checkpoint and evaluates
    proc = run([sys.executable, 'tools/test.py', cfg2,
                str(work / 'epoch_2.pth'), '--work-dir',
                str(tmp_path / 'work_test')], tool_env, repo_root)
    assert 'accuracy/top1' in proc.stdout + proc.stderr


def test_dist_train_two_cpu_processes(tmp_path, tool_env, repo_root):
    cache = tmp_path / 'cache'
    cfg = write_config(tmp_path / 'cfg.py', cache, max_epochs=1)
    env = dict(tool_env, PORT='29611')
    proc = run(['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir',
                str(tmp_path / 'work')], env, repo_root)
    log = proc.stdout + proc.stderr
    assert 'Distributed launcher: pytorch' in log or 'world_size: 2' in log
    ckpt = load(tmp_path / 'work' / 'epoch_1.pth')
    # 24 images over 2 ranks at batch 4: 3 iterations per epoch
    assert ckpt['meta']['iter'] == 3
