import subprocess
import sys
from types import SimpleNamespace

import pytest
from mmengine.config import Config

from mmwsol.engine.hooks import ClassCountCheckHook


class FakeLogger:

    def __init__(self):
        self.warnings = []

    def warning(self, msg):
        self.warnings.append(msg)


def fake_runner(num_model, num_data):
    dataset = SimpleNamespace(
        metainfo=dict(classes=[f'c{i}' for i in range(num_data)]),
        data_root='data/CUB_200_2011')
    loader = SimpleNamespace(dataset=dataset)
    # a DDP-like wrapper: the hook unwraps .module
    model = SimpleNamespace(
        module=SimpleNamespace(head=SimpleNamespace(num_classes=num_model)))
    return SimpleNamespace(model=model, train_dataloader=loader,
                           val_dataloader=loader, test_dataloader=loader,
                           logger=FakeLogger())


def test_more_dataset_classes_than_head_outputs_is_an_error():
    runner = fake_runner(num_model=10, num_data=200)
    with pytest.raises(ValueError) as err:
        ClassCountCheckHook().before_train(runner)
    msg = str(err.value)
    assert '200 classes' in msg and '10 outputs' in msg
    assert 'data/CUB_200_2011' in msg and 'num_classes=200' in msg


def test_fewer_classes_warns_and_equal_is_silent():
    runner = fake_runner(num_model=10, num_data=3)
    hook = ClassCountCheckHook()
    hook.before_val(runner)
    assert len(runner.logger.warnings) == 1
    hook.before_test(runner)  # the same dataset is checked once
    assert len(runner.logger.warnings) == 1
    runner = fake_runner(num_model=10, num_data=10)
    ClassCountCheckHook().before_test(runner)
    assert runner.logger.warnings == []


def test_in_the_default_runtime():
    cfg = Config.fromfile('configs/cam/cam_tiny_synthetic.py')
    assert cfg.default_hooks.class_count.type == 'ClassCountCheckHook'


def test_train_tool_stops_before_the_first_batch(tmp_path, tool_env,
                                                  repo_root):
    opts = []
    for key, value in (('num_classes', 3), ('image_size', 48),
                       ('train_per_class', 2), ('test_per_class', 1),
                       ('train_fullsup_per_class', 1)):
        opts.append(f'train_dataloader.dataset.generator.{key}={value}')
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', 'configs/cam/cam_tiny_synthetic.py',
         '--work-dir', str(tmp_path / 'work'), '--no-validate',
         '--cfg-options', 'model.head.num_classes=2',
         f'train_dataloader.dataset.cache_root={tmp_path}',
         'train_dataloader.num_workers=0',
         'train_dataloader.persistent_workers=False'] + opts,
        cwd=repo_root, env=tool_env, capture_output=True, text=True,
        timeout=300)
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert 'has 3 classes but the model\'s head has 2 outputs' in log
    assert 'Epoch(train)' not in log


def test_exact_refuses_fewer_classes_and_differing_class_lists():
    runner = fake_runner(num_model=10, num_data=3)
    with pytest.raises(ValueError, match='has 3 classes but the model'):
        ClassCountCheckHook(exact=True).before_val(runner)
    runner = fake_runner(num_model=3, num_data=3)
    hook = ClassCountCheckHook(exact=True)
    hook.before_train(runner)
    runner.val_dataloader = SimpleNamespace(dataset=SimpleNamespace(
        metainfo=dict(classes=['c0', 'dog', 'c2']), data_root='val/'))
    with pytest.raises(ValueError) as err:
        hook.before_val(runner)
    assert ("gt_label 1 (0-based): 'dog' vs gt_label 1 (0-based): 'c1'"
            in str(err.value))
    assert 'val dataset' in str(err.value)


def test_differing_class_lists_quote_the_files_numbering():
    """CUB numbers classes from 1 in classes.txt: the second class
    (gt_label 1) is quoted as class id 2 of classes.txt."""

    def cub_like(classes, root):
        return SimpleNamespace(
            metainfo=dict(classes=classes), data_root=root,
            describe_label=lambda label: f'class id {label + 1} of '
            f'classes.txt (gt_label {label})')

    runner = fake_runner(num_model=3, num_data=3)
    runner.train_dataloader = SimpleNamespace(
        dataset=cub_like(['a', 'b', 'c'], 'train/'))
    runner.val_dataloader = SimpleNamespace(
        dataset=cub_like(['a', 'x', 'c'], 'val/'))
    hook = ClassCountCheckHook(exact=True)
    hook.before_train(runner)
    with pytest.raises(ValueError) as err:
        hook.before_val(runner)
    assert ("(class id 2 of classes.txt (gt_label 1): 'x' vs class id 2 of "
            "classes.txt (gt_label 1): 'b')" in str(err.value))


def test_message_names_the_variable_and_the_keys(tmp_path):
    """A config that takes its class count from a `num_classes` variable
    of a base file: the error gives that file and line, and every key that
    holds the count (found in the config, not a fixed list)."""
    (tmp_path / 'base').mkdir()
    (tmp_path / 'base' / 'data.py').write_text(
        "# data\ndata_root = 'x'\nnum_classes = 3\n")
    (tmp_path / 'method.py').write_text(
        "_base_ = ['./base/data.py']\n"
        'model = dict(data_preprocessor=dict(num_classes=_base_.num_classes),'
        '\n             head=dict(num_classes=_base_.num_classes,\n'
        "                       area_loss=dict(topk=3)))\n")
    runner = fake_runner(num_model=3, num_data=2)
    runner.cfg = Config.fromfile(str(tmp_path / 'method.py'))
    with pytest.raises(ValueError) as err:
        ClassCountCheckHook(exact=True).before_train(runner)
    msg = str(err.value)
    assert f'Set `num_classes = 2` at {tmp_path}/base/data.py:3' in msg
    assert ('--cfg-options model.data_preprocessor.num_classes=2 '
            'model.head.num_classes=2') in msg
    assert 'model.head.area_loss.topk=3 must then be at most 2' in msg
