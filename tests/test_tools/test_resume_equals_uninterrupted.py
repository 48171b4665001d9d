"""Kill anywhere, resume, end bit for bit where the uninterrupted run ends.

The tiny LowCAM run (2 data-loader workers that persist between epochs,
validation after every epoch) is SIGKILLed from outside at a random
iteration of phase 1 and, in another run, of phase 2, then continued with
``tools/train.py --resume``. Each final checkpoint must hold exactly the
state dict of the uninterrupted run, and its last validation the same
figures. The iterations drawn are printed (``-s``) and named in every
failure message.
"""
import json
import random
import re
import sys

import pytest
import torch

from test_lowcam_tiny_e2e import (CAM, GENERATOR, LOWCAM, load, run,
                                  run_until_killed)

# 30 train images, batch 8: 4 iterations per epoch; phase 1 is epochs 0-1
# (iterations 1-8), phase 2 epochs 2-3 (iterations 9-16)
ITERS_PER_EPOCH, SWITCH_EPOCH, MAX_EPOCHS = 4, 2, 4
LAST_ITER = ITERS_PER_EPOCH * MAX_EPOCHS


def data_options():
    """The small benchmark copy; training with the configs' own 2
    persistent workers, validation in the main process."""
    opts = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts += [f'{loader}.dataset.generator.{key}={value}'
                 for key, value in GENERATOR.items()]
        opts.append(f'{loader}.batch_size=8')
    opts += ['train_dataloader.num_workers=2',
             'train_dataloader.persistent_workers=True',
             'val_dataloader.num_workers=0',
             'val_dataloader.persistent_workers=False',
             'test_dataloader.num_workers=0',
             'test_dataloader.persistent_workers=False']
    return opts


@pytest.fixture(scope='module')
def lowcam_command(tmp_path_factory, tool_env, repo_root):
    """``(command(work_dir, *extra), env)``: the tiny LowCAM run with a
    1-epoch F^e trained once here."""
    root = tmp_path_factory.mktemp('resume')
    env = dict(tool_env, MMWSOL_CACHE=str(root / 'cache'))
    run(['tools/train.py', CAM, '--work-dir', str(root / 'cam'),
         '--cfg-options', 'train_cfg.max_epochs=1', 'param_scheduler.end=1',
         'train_dataloader.num_workers=0',
         'train_dataloader.persistent_workers=False'] + data_options(),
        env, repo_root)
    evaluator = root / 'cam' / 'epoch_1.pth'

    def command(work_dir, *extra):
        return [
            'tools/train.py', LOWCAM, '--work-dir',
            str(work_dir), *extra, '--cfg-options',
            f'train_cfg.max_epochs={MAX_EPOCHS}', 'train_cfg.val_interval=1',
            f'custom_hooks.0.switch_epoch={SWITCH_EPOCH}',
            f'param_scheduler.end={SWITCH_EPOCH}',
            f'model.evaluator.checkpoint={evaluator}',
            # a log line per iteration: the test kills after one
            'default_hooks.logger.interval=1',
            'default_hooks.checkpoint.max_keep_ckpts=2'
        ] + data_options()

    return command, env


def last_val_figures(work_dir):
    """The ``wsol/`` figures of the last validation logged in the run's
    scalars files (a resumed run appends a second timestamped folder)."""
    records = []
    for path in sorted(work_dir.glob('*/vis_data/scalars.json')):
        records += [json.loads(line) for line in path.read_text().split('\n')
                    if line.strip()]
    val = [r for r in records if any(k.startswith('wsol/') for k in r)]
    assert val, f'no validation logged under {work_dir}'
    return {k: v for k, v in val[-1].items() if k.startswith('wsol/')}


def iteration_logged(log_path, iteration):
    """True once the killed run has logged training iteration
    ``iteration`` (1-based over the run)."""
    epoch, within = divmod(iteration - 1, ITERS_PER_EPOCH)
    pattern = (rf'Epoch\(train\)\s+\[{epoch + 1}\]\s*\[\s*{within + 1}/'
               rf'{ITERS_PER_EPOCH}\]')

    def logged():
        try:
            return re.search(pattern, log_path.read_text()) is not None
        except FileNotFoundError:
            return False

    return logged


@pytest.fixture(scope='module')
def uninterrupted(lowcam_command, repo_root, tmp_path_factory):
    command, env = lowcam_command
    work = tmp_path_factory.mktemp('uninterrupted')
    log = run(command(work), env, repo_root)
    assert 'TwoPhaseTrainingHook: phase 2 from epoch 2, iter 8' in log
    final = load(work / f'epoch_{MAX_EPOCHS}.pth')
    assert final['meta']['iter'] == LAST_ITER
    return final['state_dict'], last_val_figures(work)


@pytest.mark.parametrize('phase,first,last', [(1, 1, 8), (2, 9, 15)])
def test_killed_at_a_random_iteration_then_resumed_equals_uninterrupted(
        phase, first, last, lowcam_command, uninterrupted, repo_root,
        tmp_path):
    command, env = lowcam_command
    expected_state, expected_figures = uninterrupted
    kill_after = random.SystemRandom().randint(first, last)
    where = f'killed after iteration {kill_after} (phase {phase})'
    print(f'\n{where}', file=sys.stderr)
    work = tmp_path / 'work'
    log_path = tmp_path / 'killed.log'
    run_until_killed([sys.executable] + command(work), env, repo_root,
                     log_path, iteration_logged(log_path, kill_after))
    assert not (work / f'epoch_{MAX_EPOCHS}.pth').exists(), where

    log = run(command(work, '--resume'), env, repo_root)
    final = load(work / f'epoch_{MAX_EPOCHS}.pth')
    assert final['meta']['iter'] == LAST_ITER, where
    state = final['state_dict']
    assert state.keys() == expected_state.keys(), where
    differing = [
        k for k in state if not torch.equal(state[k], expected_state[k])
    ]
    assert not differing, (
        f'{where}: {len(differing)} of {len(state)} tensors differ from the '
        f'uninterrupted run, e.g. {differing[:5]}\n{log[-3000:]}')
    assert last_val_figures(work) == expected_figures, where
