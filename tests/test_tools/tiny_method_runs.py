"""One tiny ``tools/train.py`` + ``tools/test.py`` run of a method config,
shared by the method tests (tests/test_models/test_<method>.py)."""
import re

from test_lowcam_tiny_e2e import data_options, run

#: the figures every method's test run must report (wsolevaluation metric)
FIGURES = ('Top-1_Cls', 'GT-known_Loc', 'Top-1_Loc', 'MaxBoxAcc',
           'MaxBoxAccV2', 'PxAP')


def last_test_figures(log, prefix='wsol'):
    """``{figure: value}`` of the last ``Epoch(test)`` line of ``log``."""
    lines = re.findall(r'Epoch\(test\) \[\d+/\d+\](.*)', log)
    assert lines, log[-3000:]
    return {
        key: float(value)
        for key, value in re.findall(
            rf'{prefix}/([\w@-]+): ([-\d.]+)', lines[-1])
    }


def train_then_test(config, tmp_path, env, repo_root):
    """Train ``config`` one epoch on the tiny data, test its checkpoint.

    Returns:
        tuple[str, dict]: the training log and the test figures, each
        checked to be in [0, 100].
    """
    env = dict(env, MMWSOL_CACHE=str(tmp_path / 'cache'))
    work = tmp_path / 'train'
    train_log = run(['tools/train.py', config, '--work-dir', str(work),
                     '--cfg-options', 'train_cfg.max_epochs=1',
                     'param_scheduler.end=1'] + data_options(), env,
                    repo_root)
    test_log = run(['tools/test.py', config, str(work / 'epoch_1.pth'),
                    '--work-dir', str(tmp_path / 'test'), '--cfg-options'] +
                   data_options(), env, repo_root)
    figures = last_test_figures(test_log)
    for key in FIGURES:
        assert key in figures and 0 <= figures[key] <= 100, (key, figures)
    return train_log, figures
