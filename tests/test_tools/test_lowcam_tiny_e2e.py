"""The tiny synthetic configs end to end with the project's tools (CPU):
CAM (also LowCAM's evaluator) -> LowCAM through both phases in one run ->
resume in phase 2 -> tools/test.py on both with the same metric."""
import os
import os.path as osp
import pickle
import signal
import subprocess
import sys
import time

import torch

LOWCAM = 'configs/lowcam/lowcam_tiny_synthetic.py'
CAM = 'configs/cam/cam_tiny_synthetic.py'

# a small copy of the benchmark (10 classes: the configs' heads), fast
# loaders, batch 8: 30 train images -> 4 iterations per epoch
GENERATOR = dict(train_per_class=3, test_per_class=2,
                 train_fullsup_per_class=1)


def data_options():
    opts = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for key, value in GENERATOR.items():
            opts.append(f'{loader}.dataset.generator.{key}={value}')
        opts += [
            f'{loader}.batch_size=8', f'{loader}.num_workers=0',
            f'{loader}.persistent_workers=False'
        ]
    return opts


def run(args, env, cwd, timeout=600):
    proc = subprocess.run([sys.executable] + args,
                          env=env,
                          cwd=cwd,
                          capture_output=True,
                          text=True,
                          timeout=timeout)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, (
        f'{" ".join(map(str, args))} failed:\n{log[-6000:]}')
    return log


def load(path):
    return torch.load(path, map_location='cpu', weights_only=False)


def checkpoint_named(last_checkpoint):
    """The epoch of the checkpoint a ``last_checkpoint`` file names."""
    if not last_checkpoint.exists():
        return None
    name = last_checkpoint.read_text().strip()
    if not name.endswith('.pth'):
        return None
    return int(name.rsplit('_', 1)[1][:-4])


def run_until_killed(cmd, env, cwd, log_path, should_kill, timeout=400):
    """Start ``cmd``, SIGKILL its process group once ``should_kill()``."""
    with open(log_path, 'w') as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log,
                                stderr=subprocess.STDOUT,
                                start_new_session=True)
    deadline = time.time() + timeout
    try:
        while time.time() < deadline and proc.poll() is None:
            if should_kill():
                os.killpg(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.02)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL, (
        'the run was not killed where the test wanted:\n' +
        log_path.read_text()[-4000:])


def test_tiny_cam_then_lowcam_two_phases_resume_and_test(
        tmp_path, tool_env, repo_root):
    env = dict(tool_env, MMWSOL_CACHE=str(tmp_path / 'cache'))
    cam_dir = tmp_path / 'cam'
    low_dir = tmp_path / 'lowcam'

    # 1. the CAM baseline, one epoch: LowCAM's evaluator checkpoint
    run([
        'tools/train.py', CAM, '--work-dir',
        str(cam_dir), '--cfg-options', 'train_cfg.max_epochs=1',
        'param_scheduler.end=1'
    ] + data_options(), env, repo_root)
    evaluator_ckpt = str(cam_dir / 'epoch_1.pth')
    assert osp.isfile(evaluator_ckpt)

    # 2. LowCAM: epoch 0 in phase 1, epoch 1 in phase 2, one run
    low_opts = [
        'train_cfg.max_epochs=2', 'train_cfg.val_interval=2',
        'custom_hooks.0.switch_epoch=1', 'param_scheduler.end=1',
        f'model.evaluator.checkpoint={evaluator_ckpt}'
    ] + data_options()
    log = run(['tools/train.py', LOWCAM, '--work-dir',
               str(low_dir), '--cfg-options'] + low_opts, env, repo_root)
    assert 'TwoPhaseTrainingHook: phase 2 from epoch 1, iter 4' in log
    for term in ('loss_cls_side', 'loss_cls_main', 'loss_eval', 'loss_area',
                 'loss_entropy', 'erase_skipped', 'erase_selected'):
        assert term in log, term
    first, second = load(low_dir / 'epoch_1.pth'), load(low_dir /
                                                         'epoch_2.pth')
    assert int(first['state_dict']['phase']) == 1
    assert int(second['state_dict']['phase']) == 2
    first_state = next(iter(first['optimizer']['state'].values()))
    assert 'momentum_buffer' in first_state
    assert 'exp_avg' in next(iter(second['optimizer']['state'].values()))
    # the evaluator's weights travel in the LowCAM checkpoint
    cam_state = load(evaluator_ckpt)['state_dict']
    key = 'head.fc.weight'
    assert torch.equal(second['state_dict'][f'evaluator.model.{key}'],
                       cam_state[key])
    # phase 2 moved only the generator's up2/up3/map head
    moved = {
        k
        for k, v in second['state_dict'].items()
        if k in first['state_dict'] and v.is_floating_point()
        and not k.startswith('evaluator.') and 'running_' not in k
        and not torch.equal(v, first['state_dict'][k])
    }
    assert moved and all(
        k.startswith(('neck.up2.', 'neck.up3.', 'neck.map_conv.',
                      'neck.map_bn.')) for k in moved), moved

    # 3. resume from the phase-2 checkpoint with one more epoch
    log = run([
        'tools/train.py', LOWCAM, '--work-dir',
        str(low_dir), '--resume',
        str(low_dir / 'epoch_2.pth'), '--cfg-options'
    ] + low_opts + ['train_cfg.max_epochs=3', 'train_cfg.val_interval=3'],
              env, repo_root)
    assert 'resumed epoch: 2' in log
    third = load(low_dir / 'epoch_3.pth')
    assert int(third['state_dict']['phase']) == 2
    assert 'exp_avg' in next(iter(third['optimizer']['state'].values()))
    # the saved phase-2 cosine (over the original run's 4 phase-2 steps)
    # went on counting: 4 steps before the resume and 4 after
    sched = third['param_schedulers'][0]
    assert (sched['begin'], sched['end'], sched['_global_step']) == (0, 4, 8)

    # 4. tools/test.py: the same metric on LowCAM and on CAM; the evaluator
    # file is not needed any more (its weights are in the checkpoint)
    preds = tmp_path / 'lowcam_preds.pkl'
    log = run([
        'tools/test.py', LOWCAM,
        str(low_dir / 'epoch_3.pth'), '--work-dir',
        str(tmp_path / 'test_lowcam'), '--out',
        str(preds), '--cfg-options',
        f'model.evaluator.checkpoint={tmp_path / "gone.pth"}'
    ] + data_options(), env, repo_root)
    assert 'wsol/' in log
    with open(preds, 'rb') as f:
        samples = pickle.load(f)
    assert len(samples) == 20
    assert tuple(samples[0]['score_map'].shape) == (28, 28)  # 112 / 4
    assert tuple(samples[0]['pred_bboxes'].shape) == (1, 4)
    assert tuple(samples[0]['pred_score'].shape) == (10, )
    log = run([
        'tools/test.py', CAM, evaluator_ckpt, '--work-dir',
        str(tmp_path / 'test_cam'), '--cfg-options'
    ] + data_options(), env, repo_root)
    assert 'wsol/' in log
