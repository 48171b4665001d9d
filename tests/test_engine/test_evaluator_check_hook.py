"""EvaluatorCheckHook: a missing, mismatched or absent evaluator F^e stops
the run before the first training iteration (not at the phase-2 switch)."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner
from toy_lowcam import (NUM_CLASSES, evaluator_model, runner_cfg,
                        save_evaluator_checkpoint)

from mmwsol.registry import MODELS
from mmwsol.utils import register_all_modules

register_all_modules()


class CountIterations(Hook):
    """Counts the training iterations that started."""

    def __init__(self):
        self.iterations = 0

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.iterations += 1


def checked_cfg(tmp_path, evaluator_checkpoint, counter):
    cfg = runner_cfg(tmp_path / 'run', evaluator_checkpoint, max_epochs=3,
                     switch_epoch=2)
    cfg['custom_hooks'] = cfg['custom_hooks'] + [
        dict(type='EvaluatorCheckHook'), counter
    ]
    return cfg


def test_missing_checkpoint_stops_before_the_first_iteration(tmp_path):
    missing = str(tmp_path / 'no_evaluator.pth')
    counter = CountIterations()
    runner = Runner(**checked_cfg(tmp_path, missing, counter))
    with pytest.raises(FileNotFoundError,
                       match='model.evaluator.checkpoint') as info:
        runner.train()
    assert missing in str(info.value)
    assert counter.iterations == 0
    assert not osp.exists(tmp_path / 'run' / 'epoch_1.pth')


def test_other_class_count_stops_before_the_first_iteration(tmp_path):
    other = evaluator_model()
    other['head']['num_classes'] = NUM_CLASSES + 1
    torch.manual_seed(0)
    path = str(tmp_path / 'five_classes.pth')
    torch.save({'state_dict': MODELS.build(other).state_dict()}, path)
    counter = CountIterations()
    runner = Runner(**checked_cfg(tmp_path, path, counter))
    with pytest.raises(ValueError, match='does not fit') as info:
        runner.train()
    message = str(info.value)
    assert f'classifies {NUM_CLASSES + 1} classes' in message
    assert f'(and LowCAM\'s head) {NUM_CLASSES}' in message
    assert counter.iterations == 0


def test_random_evaluator_is_refused(tmp_path):
    counter = CountIterations()
    cfg = checked_cfg(tmp_path, None, counter)
    runner = Runner(**cfg)
    with pytest.raises(ValueError, match='random classifier'):
        runner.train()
    assert counter.iterations == 0


def test_good_checkpoint_is_loaded_at_the_start(tmp_path):
    path = save_evaluator_checkpoint(str(tmp_path / 'evaluator.pth'))
    counter = CountIterations()
    cfg = checked_cfg(tmp_path, path, counter)
    runner = Runner(**cfg)
    runner.train()
    # the first (phase-1) checkpoint already carries the loaded F^e
    saved = torch.load(path, map_location='cpu')['state_dict']
    first = torch.load(tmp_path / 'run' / 'epoch_1.pth', map_location='cpu',
                       weights_only=False)['state_dict']
    assert int(first['evaluator.ready']) == 1
    for key, value in saved.items():
        assert torch.equal(first[f'evaluator.model.{key}'], value), key
    assert counter.iterations == 3 * 2  # 8 images, batch 4, 3 epochs
    # a resumed run does not need the file any more
    torch.save({}, path)
    resumed = copy.deepcopy(cfg)
    resumed.update(resume=True, train_cfg=dict(by_epoch=True, max_epochs=4))
    Runner(**resumed).train()
