"""Two trainings into one work dir: the second refuses while the first
runs; after the first is killed, only ``--resume`` may continue it."""
import os
import signal
import subprocess
import sys

import pytest

from test_lowcam_tiny_e2e import CAM, data_options

from mmwsol.utils.work_dir_lock import WorkDirLockedError, work_dir_lock

HOLD = ('import sys, time\n'
        'from mmwsol.utils.work_dir_lock import work_dir_lock\n'
        'with work_dir_lock(sys.argv[1], resume=False, '
        'command="the first training"):\n'
        '    print("holding", flush=True)\n'
        '    time.sleep(600)\n')


def train(work, env, cwd, *extra):
    return subprocess.run(
        [sys.executable, 'tools/train.py', CAM, '--work-dir',
         str(work), *extra, '--cfg-options', 'train_cfg.max_epochs=1',
         'param_scheduler.end=1'] + data_options(),
        env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_second_training_refused_then_resume_only(tmp_path, tool_env,
                                                  repo_root):
    env = dict(tool_env, MMWSOL_CACHE=str(tmp_path / 'cache'))
    work = tmp_path / 'work'
    holder = subprocess.Popen([sys.executable, '-c', HOLD, str(work)],
                              env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'holding'
        for extra in ((), ('--resume', )):
            proc = train(work, env, repo_root, *extra)
            assert proc.returncode == 1, proc.stdout + proc.stderr
            last = proc.stderr.strip().splitlines()[-1]
            assert last.startswith(
                f'error: work dir {work} is in use by another training '
                f'(pid {holder.pid} '), last
            assert 'the first training' in last
            assert not (work / 'epoch_1.pth').exists()
    finally:
        os.kill(holder.pid, signal.SIGKILL)  # no clean-up: like a crash
        holder.wait()

    proc = train(work, env, repo_root)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert 'holds a training that was interrupted before its end' in last
    assert 'continue it with --resume' in last

    proc = train(work, env, repo_root, '--resume')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (work / 'epoch_1.pth').exists()
    # a finished run leaves the work dir free
    assert (work / '.train.lock').read_text() == ''


def test_lock_in_process(tmp_path):
    with work_dir_lock(str(tmp_path), resume=False):
        with pytest.raises(WorkDirLockedError, match='in use by another'):
            with work_dir_lock(str(tmp_path), resume=True):
                pass
    # released and emptied: free again, with or without resume
    with work_dir_lock(str(tmp_path), resume=False):
        pass
