"""The design card's one command: ``tools/train.py CONFIG`` runs LowCAM's
whole pipeline (the evaluator F^e, phase 1, phase 2) with no F^e checkpoint,
survives a SIGKILL in each of the three stages with ``--resume``, and stops
before the first training iteration when F^e or the data cannot work."""
import os.path as osp
import subprocess
import sys
from pathlib import Path

import torch
from mmengine.config import Config
from test_lowcam_tiny_e2e import (LOWCAM, checkpoint_named, data_options,
                                  load, run, run_until_killed)

TOP_LEVEL = 'configs/lowcam_tiny_synthetic.py'
# 30 train images, batch 8: 4 iterations per epoch (F^e and LowCAM)
ITERS = 4
EVALUATOR_EPOCHS = 6
SWITCH, MAX_EPOCHS = 3, 7


def pipeline_options():
    """Small data for the run *and* for F^e's stage, short schedules."""
    stage = [f'evaluator_stage.cfg_options.{o}' for o in data_options()]
    return data_options() + stage + [
        f'evaluator_stage.cfg_options.train_cfg.max_epochs={EVALUATOR_EPOCHS}',
        f'evaluator_stage.cfg_options.train_cfg.val_interval='
        f'{EVALUATOR_EPOCHS}',
        f'evaluator_stage.cfg_options.param_scheduler.end={EVALUATOR_EPOCHS}',
        f'train_cfg.max_epochs={MAX_EPOCHS}',
        f'train_cfg.val_interval={MAX_EPOCHS}',
        f'custom_hooks.0.switch_epoch={SWITCH}',
        f'param_scheduler.end={SWITCH}',
    ]


def test_top_level_configs_are_the_method_configs(repo_root):
    repo_root = Path(repo_root)
    for name, home in (('lowcam_vgg16_cub', 'lowcam'),
                       ('lowcam_tiny_synthetic', 'lowcam'),
                       ('cam_tiny_synthetic', 'cam')):
        top = Config.fromfile(str(repo_root / 'configs' / f'{name}.py'))
        real = Config.fromfile(str(repo_root / 'configs' / home /
                                   f'{name}.py'))
        assert top._cfg_dict.to_dict() == real._cfg_dict.to_dict(), name
    cub = Config.fromfile(str(repo_root / 'configs' / 'lowcam_vgg16_cub.py'))
    # the real LowCAM VGG16 CUB config: F^e trained by the run itself
    assert cub.model.type == 'LowCAM' and cub.model.head.num_classes == 200
    assert cub.model.evaluator.checkpoint is None
    assert cub.evaluator_stage.train is True
    assert cub.model.evaluator.config.endswith('evaluator/vgg16_cub.py')


def test_one_command_killed_in_each_stage_resumes_to_the_end(
        tmp_path, tool_env, repo_root):
    env = dict(tool_env, MMWSOL_CACHE=str(tmp_path / 'cache'))
    work = tmp_path / 'work'
    stage_dir = work / 'evaluator'
    cmd = [sys.executable, 'tools/train.py', TOP_LEVEL, '--work-dir',
           str(work)]
    options = ['--cfg-options'] + pipeline_options()

    # 1. one command, no F^e: killed in stage 0, after F^e's first epoch
    run_until_killed(
        cmd + options, env, repo_root, tmp_path / 'stage0.log',
        lambda: (checkpoint_named(stage_dir / 'last_checkpoint') or 0) >= 1)
    log = (tmp_path / 'stage0.log').read_text()
    assert 'evaluator_stage: training F^e' in log
    assert not (stage_dir / f'epoch_{EVALUATOR_EPOCHS}.pth').exists()
    assert not (work / 'last_checkpoint').exists()  # phase 1 not begun

    # 2. --resume finishes F^e, starts phase 1: killed in phase 1
    run_until_killed(
        cmd + ['--resume'] + options, env, repo_root,
        tmp_path / 'phase1.log',
        lambda: (checkpoint_named(work / 'last_checkpoint') or 0) >= 1)
    log = (tmp_path / 'phase1.log').read_text()
    assert 'resumed epoch' in log  # F^e continued from its checkpoint
    assert (stage_dir / f'epoch_{EVALUATOR_EPOCHS}.pth').exists()
    killed_at = checkpoint_named(work / 'last_checkpoint')
    assert 1 <= killed_at < SWITCH, killed_at
    assert int(load(work / f'epoch_{killed_at}.pth')['state_dict']
               ['phase']) == 1

    # 3. --resume: F^e is done (skipped), phase 1 continues, then phase 2:
    #    killed in phase 2
    run_until_killed(
        cmd + ['--resume'] + options, env, repo_root,
        tmp_path / 'phase2.log',
        lambda: (checkpoint_named(work / 'last_checkpoint') or 0) >= SWITCH
        + 1)
    log = (tmp_path / 'phase2.log').read_text()
    assert 'F^e is trained already' in log
    assert f'resumed epoch: {killed_at}' in log
    killed_at = checkpoint_named(work / 'last_checkpoint')
    assert SWITCH < killed_at < MAX_EPOCHS, killed_at
    assert int(load(work / f'epoch_{killed_at}.pth')['state_dict']
               ['phase']) == 2

    # 4. --resume to the end
    log = run(cmd[1:] + ['--resume'] + options, env, repo_root)
    assert f'resumed epoch: {killed_at}' in log
    final = load(work / f'epoch_{MAX_EPOCHS}.pth')
    assert int(final['state_dict']['phase']) == 2
    assert final['meta']['iter'] == MAX_EPOCHS * ITERS
    # phase 2 read the F^e that stage 0 trained (only BN statistics of F^e
    # move in phase 2; its parameters are frozen)
    fe = load(stage_dir / f'epoch_{EVALUATOR_EPOCHS}.pth')['state_dict']
    assert torch.equal(final['state_dict']['evaluator.model.head.fc.weight'],
                       fe['head.fc.weight'])
    assert fe['head.fc.weight'].shape[0] == 10


def start_check(args, env, cwd, timeout=300):
    """Run a command that must stop before the first training iteration;
    return its log."""
    proc = subprocess.run([sys.executable] + args, env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0, log[-3000:]
    assert 'Epoch(train)' not in log, log[-3000:]
    return log


def test_wrong_evaluator_class_count_stops_at_the_start(
        tmp_path, tool_env, repo_root):
    env = dict(tool_env, MMWSOL_CACHE=str(tmp_path / 'cache'))
    # a CAM checkpoint trained for 7 classes, not the head's 10
    from mmwsol.registry import MODELS
    from mmwsol.utils import register_all_modules
    register_all_modules()
    cam = Config.fromfile(osp.join(repo_root, 'configs', 'cam',
                                   'cam_tiny_synthetic.py'))
    cam.model.head.num_classes = 7
    ckpt = tmp_path / 'cam7.pth'
    torch.save({'state_dict': MODELS.build(cam.model).state_dict()}, ckpt)
    log = start_check([
        'tools/train.py', LOWCAM, '--work-dir',
        str(tmp_path / 'work'), '--cfg-options',
        f'model.evaluator.checkpoint={ckpt}'
    ] + data_options(), env, repo_root)
    assert 'classifies 7 classes' in log
    assert 'LowCAM\'s head) 10' in log


def test_missing_evaluator_with_training_disabled_stops_at_the_start(
        tmp_path, tool_env, repo_root):
    env = dict(tool_env, MMWSOL_CACHE=str(tmp_path / 'cache'))
    log = start_check([
        'tools/train.py', LOWCAM, '--work-dir',
        str(tmp_path / 'work'), '--cfg-options', 'evaluator_stage.train=False'
    ] + data_options(), env, repo_root)
    assert 'model.evaluator.checkpoint is None' in log
    assert 'model.evaluator.checkpoint=PATH' in log
    assert not (tmp_path / 'work' / 'evaluator').exists()
    # a given checkpoint that does not exist: the same, with its path
    missing = tmp_path / 'gone.pth'
    log = start_check([
        'tools/train.py', LOWCAM, '--work-dir',
        str(tmp_path / 'work2'), '--cfg-options',
        f'model.evaluator.checkpoint={missing}'
    ] + data_options(), env, repo_root)
    assert f'evaluator checkpoint not found: {missing}' in log


def test_missing_data_root_stops_at_the_start(tmp_path, tool_env,
                                              repo_root):
    repo_root = Path(repo_root)
    # the design card's command where there is no CUB: stops in stage 0
    # before its first batch, saying where the data should be
    log = start_check(
        [str(repo_root / 'tools/train.py'),
         str(repo_root / 'configs/lowcam_vgg16_cub.py')], tool_env,
        tmp_path)
    assert 'data/CUB_200_2011/: the CUB200WSOL dataset folder (data_root) ' \
        'does not exist' in log
    assert 'docs/datasets.md' in log
    assert 'train_dataloader.dataset.data_root=PATH' in log
