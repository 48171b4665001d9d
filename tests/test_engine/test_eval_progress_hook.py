import glob
import os.path as osp
import re

import pytest
import torch
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

from mmwsol.engine.hooks import EvalProgressHook

VAL_PROGRESS = r'Epoch\(val\)\s*\[\d+\]\[\s*(\d+)/10\]\s+eta'


class TenItems(Dataset):

    def __len__(self):
        return 10

    def __getitem__(self, idx):
        return dict(inputs=torch.full((2, ), float(idx)))


class Echo(BaseModel):

    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(1))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        # pseudo_collate: a list of (2,) tensors
        return [dict(value=float((v * self.weight).sum())) for v in inputs]


class CountMetric(BaseMetric):

    def process(self, data_batch, data_samples):
        self.results += data_samples

    def compute_metrics(self, results):
        return dict(count=len(results))


def test_progress_iterations_skip_the_logger_hook_ones():
    hook = EvalProgressHook(num_lines=4)
    # 10 iterations, logger every 50: every ceil(10 / 4) = 3 iterations
    assert hook.progress_iterations(10, 50) == [3, 6, 9]
    # logger every 4 logs 4 and 8 (only 2 lines): 3, 6, 9 are not its
    assert hook.progress_iterations(10, 4) == [3, 6, 9]
    # logger every 3 logs 3, 6, 9 itself
    assert hook.progress_iterations(10, 3) == []
    # enough lines from the logger alone (200 / 50 = 4)
    assert hook.progress_iterations(200, 50) == []
    # 199: every 50, where the logger logs already
    assert hook.progress_iterations(199, 50) == []
    assert hook.progress_iterations(150, 50) == [38, 76, 114]
    # no logger hook: logs on its own
    assert hook.progress_iterations(8, None) == [2, 4, 6]
    assert hook.progress_iterations(1, 50) == []
    assert EvalProgressHook(num_lines=0).progress_iterations(10, 50) == []
    with pytest.raises(ValueError, match='num_lines'):
        EvalProgressHook(num_lines=-1)


def _test_log(tmp_path, num_lines):
    """The log of a 10-iteration test run, then a validation run."""
    loader = dict(
        dataset=TenItems(),
        sampler=dict(type='DefaultSampler', shuffle=False),
        batch_size=1,
        num_workers=0)
    runner = Runner(
        model=Echo(),
        work_dir=str(tmp_path / f'lines{num_lines}'),
        test_dataloader=loader,
        test_evaluator=Evaluator([CountMetric()]),
        test_cfg=dict(),
        val_dataloader=loader,
        val_evaluator=Evaluator([CountMetric()]),
        val_cfg=dict(),
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=50),
            eval_progress=dict(type='EvalProgressHook',
                               num_lines=num_lines)),
        default_scope='mmwsol',
        experiment_name=f'eval_progress_{num_lines}')
    assert runner.test() == dict(count=10)
    assert runner.val() == dict(count=10)
    logs = glob.glob(
        osp.join(str(tmp_path), f'lines{num_lines}', '*', '*.log'))
    assert len(logs) == 1
    with open(logs[0]) as f:
        return f.read()


def test_short_test_run_logs_its_progress(tmp_path):
    text = _test_log(tmp_path, 4)
    # the LoggerHook's progress line at iterations 3, 6, 9 of 10
    assert re.findall(r'Epoch\(test\) \[\s*(\d+)/10\]\s+eta', text) == [
        '3', '6', '9'
    ]
    # the metrics line still closes the run
    assert re.search(r'Epoch\(test\) \[10/10\]\s+count: 10', text)
    # validation too (``Epoch(val)[<epoch>][ 3/10]``)
    assert re.findall(VAL_PROGRESS, text) == [
        '3', '6', '9'
    ]
    # turned off: mmengine's LoggerHook alone prints no progress line
    text = _test_log(tmp_path, 0)
    assert not re.findall(r'Epoch\(test\) \[\s*\d+/10\]\s+eta', text)
    assert not re.findall(VAL_PROGRESS, text)
    assert re.search(r'Epoch\(test\) \[10/10\]\s+count: 10', text)
