"""analyze_logs.py, vis_scheduler.py and eval_metric.py on a real tiny
LowCAM run (phase 1 for an epoch, phase 2 for an epoch) of the synthetic
benchmark."""
import glob
import importlib.util
import json
import math
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from test_lowcam_tiny_e2e import LOWCAM, data_options

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CAM = 'configs/cam/cam_tiny_synthetic.py'


def load_tool(relpath):
    """The tool script as a module (tools/ is not a package)."""
    name = osp.splitext(osp.basename(relpath))[0]
    spec = importlib.util.spec_from_file_location(name,
                                                  osp.join(REPO, relpath))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(args, env):
    proc = subprocess.run([sys.executable] + args, env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{args} failed:\n{log[-6000:]}'
    return log


def logged_test_metrics(work_dir):
    """The metrics a tools/test.py run wrote to its JSON log."""
    path, = glob.glob(osp.join(work_dir, '*', '*.json'))
    with open(path) as f:
        metrics = json.load(f)
    return {k: v for k, v in metrics.items() if k.startswith('wsol/')}


@pytest.fixture(scope='module')
def lowcam_run(tmp_path_factory, tool_env):
    """Tiny LowCAM: 4 iterations of phase 1, 4 of phase 2 (the evaluator a
    random CAM: the tools only need a real log and real predictions)."""
    root = tmp_path_factory.mktemp('analysis_tools')
    env = dict(tool_env, MMWSOL_CACHE=str(root / 'cache'))
    init_default_scope('mmwsol')
    from mmwsol.registry import MODELS
    torch.manual_seed(0)
    evaluator = MODELS.build(Config.fromfile(osp.join(REPO, CAM)).model)
    torch.save({'state_dict': evaluator.state_dict()}, root / 'fe.pth')
    work = root / 'lowcam'
    run(['tools/train.py', LOWCAM, '--work-dir', str(work), '--cfg-options',
         'train_cfg.max_epochs=2', 'train_cfg.val_interval=1',
         'custom_hooks.0.switch_epoch=1', 'param_scheduler.end=1',
         'default_hooks.logger.interval=1',
         f'model.evaluator.checkpoint={root / "fe.pth"}'] + data_options(),
        env)
    return dict(root=root, env=env, work=work,
                checkpoint=str(work / 'epoch_2.pth'))


def test_analyze_logs_both_phases(lowcam_run, tmp_path):
    tool = load_tool('tools/analysis_tools/analyze_logs.py')
    log, = glob.glob(str(lowcam_run['work'] / '*' / 'vis_data' /
                         'scalars.json'))
    out = tmp_path / 'curves.png'
    fig = tool.main(['plot_curve', log, '--keys', 'loss', 'loss_*',
                     'wsol/MaxBoxAccV2', '--out', str(out)])
    import matplotlib.image
    assert matplotlib.image.imread(str(out)).shape[0] > 500
    panels = {ax.get_title(): ax for ax in fig.axes if ax.get_visible()}
    assert set(panels) == {'loss', 'loss_cls_side', 'loss_cls_main',
                           'loss_eval', 'loss_area', 'loss_entropy',
                           'wsol/MaxBoxAccV2'}

    def points(key):
        line, = [ln for ln in panels[key].get_lines()
                 if len(ln.get_xdata()) > 1 and ln.get_linestyle() == '-']
        return np.asarray(line.get_xdata())

    # 4 iterations per epoch, switch before iteration 5 (the hook's log)
    np.testing.assert_array_equal(points('loss'), np.arange(1, 9))
    for key in ('loss_cls_side', 'loss_cls_main'):
        np.testing.assert_array_equal(points(key), [1, 2, 3, 4])
    for key in ('loss_eval', 'loss_area', 'loss_entropy'):
        np.testing.assert_array_equal(points(key), [5, 6, 7, 8])
    np.testing.assert_array_equal(points('wsol/MaxBoxAccV2'), [4, 8])
    switch_lines = [ln for ln in panels['loss'].get_lines()
                    if ln.get_linestyle() == '--']
    assert [ln.get_xdata()[0] for ln in switch_lines] == [4]

    times, = tool.main(['cal_train_time', log])
    assert len(times['phases']) == 2 and times['average'] > 0

    with pytest.raises(SystemExit, match='wsol/nothing.*is in none'):
        tool.main(['plot_curve', log, '--keys', 'wsol/nothing'])
    bad = tmp_path / 'bad.json'
    bad.write_text('{"step": 1, "iter": 1, "loss": 1.0}\nnot json\n')
    with pytest.raises(SystemExit, match='bad.json:2: not a JSON record'):
        tool.main(['plot_curve', str(bad)])


def test_vis_scheduler_phase_switch(tmp_path, tool_env):
    tool = load_tool('tools/visualization/vis_scheduler.py')
    out = tmp_path / 'lr.png'
    # 30 images, batch 8: 4 iterations per epoch; phase 1 = epochs 0-1
    # (cosine over 8 iterations from 0.05), phase 2 = epoch 2 (Adam 1e-4,
    # cosine over the 4 remaining iterations)
    eras, info = tool.main([
        osp.join(REPO, LOWCAM), '--dataset-size', '30', '--out', str(out),
        '--cfg-options', 'train_dataloader.batch_size=8',
        'train_cfg.max_epochs=3', 'custom_hooks.0.switch_epoch=2',
        'param_scheduler.end=2'
    ])
    import matplotlib.image
    assert matplotlib.image.imread(str(out)).shape[1] > 800
    assert info['iters_per_epoch'] == 4
    assert [(e['optimizer'], e['start'], len(e['values']))
            for e in eras] == [('SGD', 0, 8), ('Adam', 8, 4)]
    phase1 = [v[0] for v in eras[0]['values']]
    phase2 = [v[0] for v in eras[1]['values']]
    assert phase1 == pytest.approx(
        [0.025 * (1 + math.cos(math.pi * i / 8)) for i in range(8)],
        rel=1e-9, abs=1e-15)
    assert phase2 == pytest.approx(
        [0.5e-4 * (1 + math.cos(math.pi * j / 4)) for j in range(4)],
        rel=1e-9, abs=1e-15)
    # 2 processes: 15 images each, 2 iterations per epoch
    assert tool.iterations_per_epoch(
        Config(dict(train_dataloader=dict(batch_size=8))), 30, 2) == 2


def test_vis_scheduler_param_groups(tmp_path):
    tool = load_tool('tools/visualization/vis_scheduler.py')
    cfg = tmp_path / 'cam_mult.py'
    cfg.write_text(
        f'_base_ = [{osp.join(REPO, CAM)!r}]\n'
        'optim_wrapper = dict(paramwise_cfg=dict(custom_keys={"head": '
        'dict(lr_mult=10.0)}))\n')
    eras, _ = tool.main([str(cfg), '-d', '64', '--out',
                         str(tmp_path / 'lr.png'), '--cfg-options',
                         'train_cfg.max_epochs=1', 'param_scheduler.end=1'])
    lines = tool.curves(eras)
    by_module = {tool.describe(line['names']).split(' (')[0]: line['values']
                 for line in lines}
    assert set(by_module) == {'backbone', 'head'}
    np.testing.assert_allclose(by_module['head'], 10 * by_module['backbone'])
    assert by_module['backbone'][0] == pytest.approx(0.05)


def test_eval_metric_rescore_equals_test_runs(lowcam_run, tmp_path):
    tool = load_tool('tools/analysis_tools/eval_metric.py')
    env, ckpt = lowcam_run['env'], lowcam_run['checkpoint']
    preds = tmp_path / 'preds.pkl'
    run(['tools/test.py', LOWCAM, ckpt, '--work-dir',
         str(tmp_path / 'test_wsol'), '--out', str(preds), '--cfg-options']
        + data_options(), env)
    ornet = ['test_evaluator.protocol=ornet',
             'test_evaluator.threshold_selection=fixed',
             'test_evaluator.fixed_threshold=0.5']
    run(['tools/test.py', LOWCAM, ckpt, '--work-dir',
         str(tmp_path / 'test_ornet'), '--cfg-options'] + data_options() +
        ornet, env)
    with open(preds, 'rb') as f:
        samples = pickle.load(f)
    for key in ('score_map', 'pred_score', 'gt_label', 'gt_mask',
                'ori_gt_bboxes', 'ori_shape', 'img_shape'):
        assert key in samples[0], key

    same = tool.main([osp.join(REPO, LOWCAM), str(preds), '--device', 'cpu',
                      '--cfg-options'] + data_options())
    assert same == logged_test_metrics(tmp_path / 'test_wsol')
    other = tool.main([osp.join(REPO, LOWCAM), str(preds), '--device',
                       'cpu', '--out', str(tmp_path / 'm.json'),
                       '--cfg-options'] + data_options() + ornet)
    assert other == logged_test_metrics(tmp_path / 'test_ornet')
    assert other != same
    with open(tmp_path / 'm.json') as f:
        assert json.load(f) == other

    bad = tmp_path / 'bad.pkl'
    bad.write_bytes(pickle.dumps([dict(a=1)]))
    with pytest.raises(SystemExit, match='item 0 is not a data sample'):
        tool.main([osp.join(REPO, LOWCAM), str(bad)])
