"""The package installs, registers and exposes the runner tools."""
import subprocess
import sys

import pytest


def run(args, env, cwd, timeout=300):
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def test_import_and_register_all_modules(tool_env, repo_root):
    code = ('import mmwsol; from mmwsol.utils import register_all_modules; '
            'register_all_modules(); print("OK", mmwsol.__version__)')
    proc = run([sys.executable, '-c', code], tool_env, repo_root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('OK ')


@pytest.mark.parametrize('tool,options', [
    ('tools/train.py', [
        '--work-dir', '--resume', '--amp', '--cfg-options', '--launcher',
        '--auto-scale-lr', '--no-validate'
    ]),
    ('tools/test.py', ['--work-dir', '--out', '--cfg-options', '--launcher']),
])
def test_tool_help_lists_options(tool_env, repo_root, tool, options):
    proc = run([sys.executable, tool, '--help'], tool_env, repo_root)
    assert proc.returncode == 0, proc.stderr
    for option in options:
        assert option in proc.stdout, f'{option} missing from {tool} --help'


def test_registries_resolve_mmwsol_and_mmpretrain_types():
    from mmengine.registry import DefaultScope

    from mmwsol.registry import MODELS, TRANSFORMS, VISUALIZERS
    from mmwsol.utils import register_all_modules

    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmwsol'):
        vgg = MODELS.build(dict(type='VGG', depth=11))
        clf = MODELS.build(
            dict(
                type='ImageClassifier',
                backbone=dict(type='ResNet', depth=18),
                neck=dict(type='GlobalAveragePooling'),
                head=dict(
                    type='LinearClsHead', num_classes=3, in_channels=512)))
        resize = TRANSFORMS.build(dict(type='Resize', scale=(32, 32)))
    assert type(vgg).__name__ == 'VGG'
    assert type(clf).__name__ == 'ImageClassifier'
    assert type(resize).__name__ == 'Resize'
    assert VISUALIZERS.get('UniversalVisualizer') is not None
    for registry in (MODELS, TRANSFORMS, VISUALIZERS):
        assert registry.scope == 'mmwsol'
        assert registry.parent.scope == 'mmpretrain'


def test_mmcv_is_not_a_hard_dependency(repo_root):
    """Full mmcv users must not get mmcv-lite pulled in by `pip install`."""
    import tomllib
    with open(f'{repo_root}/pyproject.toml', 'rb') as f:
        project = tomllib.load(f)['project']
    assert not any(dep.startswith('mmcv') for dep in project['dependencies'])
    assert any(dep.startswith('mmcv-lite')
               for dep in project['optional-dependencies']['lite'])
