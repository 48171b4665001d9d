"""mmwsol the mim way (OpenMMLab's MIM, ``openmim``, the ``mim`` extra that
tools/setup_env.sh installs): the ``.mim`` package data, a wheel that
carries real files, and ``mim train`` / ``mim test`` / ``mim run`` on the
tiny synthetic CAM, as a user runs them (no PYTHONPATH)."""
import glob
import os
import os.path as osp
import shutil
import subprocess
import sys
import zipfile

import pytest
import torch

from test_lowcam_tiny_e2e import data_options

import mmwsol

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MIM = osp.join(osp.dirname(sys.executable), 'mim')
MIM_ITEMS = ('configs', 'tools', 'model-index.yml')


def user_env(tool_env, tmp_path):
    env = {k: v for k, v in tool_env.items() if k != 'PYTHONPATH'}
    env['MMWSOL_CACHE'] = str(tmp_path / 'cache')
    return env


NO_MIM = ('openmim is not installed in this environment (bash '
          'tools/setup_env.sh installs the `mim` extra)')


def mim(args, env, cwd, timeout=600):
    if not osp.isfile(MIM):
        pytest.fail(f'{MIM} not found: {NO_MIM}')
    proc = subprocess.run([MIM] + args, env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'mim {args[:3]} failed:\n{log[-6000:]}'
    return log


def test_package_data_is_the_checkout():
    """mmwsol/.mim/{configs,tools,model-index.yml} are the repository's
    own (committed symlinks), as mmpretrain's installed .mim holds them."""
    mim_dir = osp.join(osp.dirname(mmwsol.__file__), '.mim')
    for item in MIM_ITEMS:
        assert osp.realpath(osp.join(mim_dir, item)) == osp.realpath(
            osp.join(REPO, item)), item
    for rel in ('tools/train.py', 'tools/test.py', 'tools/slurm_train.sh',
                'configs/cam/cam_tiny_synthetic.py'):
        assert osp.isfile(osp.join(mim_dir, rel)), rel


def test_mim_finds_the_package():
    try:
        from mim.utils import get_installed_path
    except ImportError as err:
        pytest.fail(f'{err}: {NO_MIM}')
    path = get_installed_path('mmwsol')
    assert osp.realpath(path) == osp.realpath(osp.dirname(mmwsol.__file__))
    assert osp.isfile(osp.join(path, '.mim', 'tools', 'train.py'))


def test_wheel_holds_real_files(tmp_path):
    """`pip wheel .` copies what the .mim symlinks point to."""
    src = tmp_path / 'src'
    os.makedirs(src)
    for item in ('pyproject.toml', 'README.md', 'model-index.yml'):
        shutil.copy(osp.join(REPO, item), src / item)
    ignore = shutil.ignore_patterns('__pycache__', '*.pyc')
    for item in ('mmwsol', 'configs', 'tools'):
        shutil.copytree(osp.join(REPO, item), src / item, symlinks=True,
                        ignore=ignore)
    proc = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps',
         '--no-build-isolation', '-q', '-w', str(tmp_path / 'dist'),
         str(src)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    wheel, = glob.glob(str(tmp_path / 'dist' / 'mmwsol-*.whl'))
    with zipfile.ZipFile(wheel) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        for rel in ('model-index.yml', 'tools/train.py', 'tools/test.py',
                    'tools/slurm_train.sh', 'tools/misc/print_config.py',
                    'configs/cam/cam_tiny_synthetic.py',
                    'configs/_base_/default_runtime.py',
                    'configs/cam/metafile.yml'):
            name = f'mmwsol/.mim/{rel}'
            assert name in infos, name
            # a regular file, with the file's bytes (not a link)
            assert (infos[name].external_attr >> 28) != 0o12, name
            assert zf.read(name) == open(osp.join(REPO, rel), 'rb').read()
        assert not [n for n in infos if '__pycache__' in n]


def test_mim_train_test_and_run(tmp_path, tool_env):
    env = user_env(tool_env, tmp_path)
    work = tmp_path / 'work'
    # as the README: from the repository, the config by its path
    schedule = ['train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
                'param_scheduler.end=1', 'default_hooks.logger.interval=1']
    log = mim(['train', 'mmwsol', 'configs/cam_tiny_synthetic.py',
               '--work-dir', str(work), '--cfg-options'] + schedule +
              data_options(), env, REPO)
    assert '.mim/tools/train.py configs/cam_tiny_synthetic.py' in log
    ckpt = torch.load(work / 'epoch_1.pth', map_location='cpu',
                      weights_only=False)
    # 30 train images, batch 8: 4 iterations in the one epoch
    assert (ckpt['meta']['epoch'], ckpt['meta']['iter']) == (1, 4)
    assert glob.glob(str(work / '*' / 'vis_data' / 'scalars.json'))
    assert 'Epoch(val) [1]' in log and 'wsol/MaxBoxAccV2' in log

    # from elsewhere, the config by its name: mim finds it in .mim/configs
    log = mim(['test', 'mmwsol', 'cam_tiny_synthetic_shape.py',
               '--checkpoint', str(work / 'epoch_1.pth'), '--work-dir',
               str(tmp_path / 'test'), '--cfg-options'] + data_options(),
              env, tmp_path)
    assert (osp.join('configs', 'cam', 'cam_tiny_synthetic_shape.py')
            in log.split('will use ')[1].split('\n')[0])
    assert 'Epoch(test) [3/3]' in log and 'wsol/Top-1_Cls' in log

    # mim run: a tool under tools/misc, on a projects/ config whose
    # custom_imports need the repository root (mmwsol.utils.project_root)
    config = osp.join(REPO, 'projects', 'hide_and_seek', 'configs',
                      'hide_and_seek_cam_tiny_synthetic.py')
    log = mim(['run', 'mmwsol', 'print_config', config], env, tmp_path)
    assert '.mim/tools/misc/print_config.py' in log
    assert "type='HideAndSeek'" in log
