"""The tiny LowCAM config as users run it (CPU): 2 processes through
tools/dist_train.sh across both phases, the same metric from tools/test.py
on 1 process and tools/dist_test.sh on 2, and a run killed in phase 2 that
``--resume`` continues to the end."""
import glob
import os.path as osp
import subprocess
import sys

import pytest
import torch

from test_lowcam_tiny_e2e import (CAM, LOWCAM, checkpoint_named, data_options,
                                  load, run, run_until_killed)

sys.path.insert(
    0,
    osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
             'tools', 'analysis_tools'))
from synthetic_benchmark import read_test_metrics  # noqa: E402

# 30 train images, batch 8: 4 iterations per epoch on 1 process, 2 on 2
ITERS_1P = 4


@pytest.fixture(scope='module')
def evaluator_ckpt(tmp_path_factory, tool_env, repo_root):
    """One epoch of the CAM baseline: LowCAM's evaluator F^e."""
    root = tmp_path_factory.mktemp('cam')
    env = dict(tool_env, MMWSOL_CACHE=str(root / 'cache'))
    run([
        'tools/train.py', CAM, '--work-dir',
        str(root / 'work'), '--cfg-options', 'train_cfg.max_epochs=1',
        'param_scheduler.end=1'
    ] + data_options(), env, repo_root)
    return str(root / 'work' / 'epoch_1.pth'), str(root / 'cache')


def lowcam_options(evaluator, max_epochs):
    return [
        f'train_cfg.max_epochs={max_epochs}',
        f'train_cfg.val_interval={max_epochs}',
        'custom_hooks.0.switch_epoch=1', 'param_scheduler.end=1',
        f'model.evaluator.checkpoint={evaluator}'
    ] + data_options()


def run_sh(args, env, cwd, timeout=600):
    proc = subprocess.run(['bash'] + args, env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{" ".join(args)} failed:\n{log[-6000:]}'
    return log


def wsol_metrics(work_dir):
    """The ``wsol/`` figures of the tools/test.py run in ``work_dir``."""
    metrics = read_test_metrics(str(work_dir))
    assert metrics is not None, f'no metric file under {work_dir}'
    return {k: v for k, v in metrics.items() if k.startswith('wsol/')}


def test_dist_train_both_phases_and_dist_test(tmp_path, tool_env, repo_root,
                                              evaluator_ckpt):
    evaluator, cache = evaluator_ckpt
    env = dict(tool_env, MMWSOL_CACHE=cache, PORT='29623')
    work = tmp_path / 'work'
    log = run_sh([
        'tools/dist_train.sh', LOWCAM, '2', '--work-dir',
        str(work), '--cfg-options'
    ] + lowcam_options(evaluator, 2), env, repo_root)
    assert 'Distributed launcher: pytorch' in log
    # the switch after epoch 0 on 2 ranks: 2 iterations per epoch each
    assert 'TwoPhaseTrainingHook: phase 2 from epoch 1, iter 2' in log
    for term in ('loss_cls_side', 'loss_eval', 'loss_area', 'loss_entropy'):
        assert term in log, term
    final = load(work / 'epoch_2.pth')
    assert int(final['state_dict']['phase']) == 2
    assert final['meta']['iter'] == ITERS_1P  # 2 epochs x 2 per rank
    assert 'exp_avg' in next(iter(final['optimizer']['state'].values()))

    # validation at the end of training logged every figure of the metric
    val_line = [
        line for line in log.splitlines() if 'Epoch(val)' in line
        and 'wsol/' in line
    ]
    assert val_line, log[-3000:]
    for key in ('wsol/MaxBoxAccV2', 'wsol/GT-known_Loc', 'wsol/PxAP',
                'wsol/Top-1_Cls', 'wsol/Top-1_Loc', 'wsol/MaxBoxAcc@70'):
        assert key in val_line[-1], key
    # ... and kept the best checkpoint by the configured figure
    assert glob.glob(str(work / 'best_wsol_MaxBoxAccV2_epoch_2.pth'))

    # the same checkpoint evaluated on 1 and on 2 processes: same figures
    one_dir, two_dir = tmp_path / 'test1', tmp_path / 'test2'
    run([
        'tools/test.py', LOWCAM,
        str(work / 'epoch_2.pth'), '--work-dir',
        str(one_dir), '--show-dir',
        str(tmp_path / 'show'), '--cfg-options'
    ] + data_options(), env, repo_root)
    # --show-dir: a picture of every one of the 20 test images
    assert len(glob.glob(str(tmp_path / 'show' / '*.png'))) == 20
    run_sh([
        'tools/dist_test.sh', LOWCAM,
        str(work / 'epoch_2.pth'), '2', '--work-dir',
        str(two_dir), '--cfg-options'
    ] + data_options(), dict(env, PORT='29624'), repo_root)
    one, two = wsol_metrics(one_dir), wsol_metrics(two_dir)
    assert len(one) >= 15 and one == two


def test_kill_in_phase2_then_resume(tmp_path, tool_env, repo_root,
                                    evaluator_ckpt):
    evaluator, cache = evaluator_ckpt
    env = dict(tool_env, MMWSOL_CACHE=cache)
    work = tmp_path / 'work'
    max_epochs = 6
    cmd = [
        sys.executable, 'tools/train.py', LOWCAM, '--work-dir',
        str(work), '--cfg-options'
    ] + lowcam_options(evaluator, max_epochs)
    # kill it (SIGKILL: no clean-up) once the first phase-2 checkpoint is
    # recorded in last_checkpoint
    last = work / 'last_checkpoint'
    run_until_killed(cmd, env, repo_root, tmp_path / 'killed.log',
                     lambda: (checkpoint_named(last) or 0) >= 2)
    assert not (work / f'epoch_{max_epochs}.pth').exists()
    killed_at = int(last.read_text().strip().rsplit('_', 1)[1][:-4])
    assert 2 <= killed_at < max_epochs
    before = load(work / f'epoch_{killed_at}.pth')['state_dict']
    assert int(before['phase']) == 2

    # --resume (latest checkpoint of the work dir) continues and finishes
    log = run(['tools/train.py', LOWCAM, '--work-dir',
               str(work), '--resume', '--cfg-options'] +
              lowcam_options(evaluator, max_epochs), env, repo_root)
    assert f'resumed epoch: {killed_at}' in log
    # resumed straight into phase 2 (the saved schedule state is loaded
    # over the rebuilt one: see _global_step below)
    assert (f'TwoPhaseTrainingHook: phase 2 from epoch {killed_at}, iter '
            f'{killed_at * ITERS_1P}') in log
    final = load(work / f'epoch_{max_epochs}.pth')
    assert int(final['state_dict']['phase']) == 2
    assert final['meta']['iter'] == max_epochs * ITERS_1P
    assert 'exp_avg' in next(iter(final['optimizer']['state'].values()))
    # the phase-2 cosine counted every phase-2 step across the kill
    sched = final['param_schedulers'][0]
    assert sched['_global_step'] == (max_epochs - 1) * ITERS_1P
    # only the phase-2 modules moved between the killed run's checkpoint
    # and the end
    moved = {
        k
        for k, v in final['state_dict'].items()
        if v.is_floating_point() and not k.startswith('evaluator.')
        and 'running_' not in k and not torch.equal(v, before[k])
    }
    assert moved and all(
        k.startswith(('neck.up2.', 'neck.up3.', 'neck.map_conv.',
                      'neck.map_bn.')) for k in moved), moved
    assert 'wsol/MaxBoxAccV2' in log
