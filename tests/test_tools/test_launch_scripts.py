"""tools/slurm_{train,test}.sh and tools/dist_{train,test}.sh without a
cluster: a fake ``srun`` / ``python`` first on PATH records the command
line the script runs, which is compared with the one mmpretrain 1.x's
scripts run for the same arguments and environment."""
import json
import os
import os.path as osp
import stat
import subprocess

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS = osp.join(REPO, 'tools')

RECORDER = """#!/usr/bin/env python3
import json, os, sys
with open(os.environ['ARGV_LOG'], 'w') as f:
    json.dump(sys.argv[1:], f)
"""


def run_with_fake(tmp_path, fake, script_args, env_vars=()):
    """Run ``bash tools/<script> ...`` with ``fake`` (a command name)
    recording its argv; returns the recorded argument list."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir(exist_ok=True)
    exe = bin_dir / fake
    exe.write_text(RECORDER)
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / 'argv.json'
    env = {k: v for k, v in os.environ.items()
           if k not in ('GPUS', 'GPUS_PER_NODE', 'CPUS_PER_TASK',
                        'SRUN_ARGS', 'NNODES', 'NODE_RANK', 'MASTER_ADDR',
                        'PORT')}
    env.update(dict(env_vars), ARGV_LOG=str(log),
               PATH=f'{bin_dir}{os.pathsep}{env["PATH"]}')
    proc = subprocess.run(['bash'] + script_args, env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(log.read_text())


def srun_line(partition, job, gpus, per_node, cpus, extra=()):
    return ['-p', partition, f'--job-name={job}', f'--gres=gpu:{per_node}',
            f'--ntasks={gpus}', f'--ntasks-per-node={per_node}',
            f'--cpus-per-task={cpus}', '--kill-on-bad-exit=1', *extra,
            'python', '-u']


def test_slurm_train_defaults(tmp_path):
    argv = run_with_fake(tmp_path, 'srun', [
        f'{TOOLS}/slurm_train.sh', 'gpu_part', 'lowcam', 'configs/x.py',
        'work_dirs/x', '--amp', '--cfg-options', 'a=1'
    ])
    assert argv == srun_line('gpu_part', 'lowcam', 8, 8, 5) + [
        f'{TOOLS}/train.py', 'configs/x.py', '--work-dir=work_dirs/x',
        '--launcher=slurm', '--amp', '--cfg-options', 'a=1'
    ]


def test_slurm_train_environment(tmp_path):
    argv = run_with_fake(
        tmp_path, 'srun',
        [f'{TOOLS}/slurm_train.sh', 'p', 'j', 'c.py', 'w'],
        env_vars=dict(GPUS='16', GPUS_PER_NODE='4', CPUS_PER_TASK='2',
                      SRUN_ARGS='--quotatype=auto --time=10'))
    assert argv == srun_line('p', 'j', 16, 4, 2, [
        '--quotatype=auto', '--time=10'
    ]) + [f'{TOOLS}/train.py', 'c.py', '--work-dir=w', '--launcher=slurm']


def test_slurm_test(tmp_path):
    argv = run_with_fake(
        tmp_path, 'srun', [
            f'{TOOLS}/slurm_test.sh', 'p', 'eval', 'c.py', 'epoch_8.pth',
            '--out', 'preds.pkl'
        ],
        env_vars=dict(GPUS='2', GPUS_PER_NODE='2'))
    assert argv == srun_line('p', 'eval', 2, 2, 5) + [
        f'{TOOLS}/test.py', 'c.py', 'epoch_8.pth', '--launcher=slurm',
        '--out', 'preds.pkl'
    ]


def torchrun_line(nproc, nnodes=1, node_rank=0, addr='127.0.0.1',
                  port=29500):
    return ['-m', 'torch.distributed.run', f'--nnodes={nnodes}',
            f'--node_rank={node_rank}', f'--master_addr={addr}',
            f'--nproc_per_node={nproc}', f'--master_port={port}']


@pytest.mark.parametrize('env_vars,expected', [
    ({}, torchrun_line(4)),
    (dict(NNODES='2', NODE_RANK='1', MASTER_ADDR='10.1.2.3', PORT='29700'),
     torchrun_line(4, 2, 1, '10.1.2.3', 29700)),
])
def test_dist_train_multi_node_variables(tmp_path, env_vars, expected):
    argv = run_with_fake(tmp_path, 'python', [
        f'{TOOLS}/dist_train.sh', 'c.py', '4', '--work-dir', 'w'
    ], env_vars)
    assert argv == expected + [
        f'{TOOLS}/train.py', 'c.py', '--launcher', 'pytorch', '--work-dir',
        'w'
    ]


def test_dist_test_multi_node_variables(tmp_path):
    argv = run_with_fake(
        tmp_path, 'python',
        [f'{TOOLS}/dist_test.sh', 'c.py', 'ckpt.pth', '2', '--out', 'p.pkl'],
        dict(NNODES='3', NODE_RANK='2', MASTER_ADDR='node0', PORT='29600'))
    assert argv == torchrun_line(2, 3, 2, 'node0', 29600) + [
        f'{TOOLS}/test.py', 'c.py', 'ckpt.pth', '--launcher', 'pytorch',
        '--out', 'p.pkl'
    ]
