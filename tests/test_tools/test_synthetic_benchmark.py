"""tools/analysis_tools/synthetic_benchmark.py: options and the table (the
training it drives is covered by the e2e tests of the tiny configs)."""
import os.path as osp
import sys

import pytest

sys.path.insert(
    0,
    osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
             'tools', 'analysis_tools'))
import synthetic_benchmark as bench  # noqa: E402


def test_generator_options_reach_every_dataloader():
    opts = bench.generator_options(['body_hue_window=0.5'])
    assert opts == [
        'train_dataloader.dataset.generator.body_hue_window=0.5',
        'val_dataloader.dataset.generator.body_hue_window=0.5',
        'test_dataloader.dataset.generator.body_hue_window=0.5',
    ]
    with pytest.raises(SystemExit):
        bench.parse_args(['--generator', 'body_hue_window'])


def figures(value, calibrated=None):
    """One run's figures: ``value`` everywhere, ``calibrated`` for the
    calibrated variants (default: value - 1)."""
    out = {}
    for name, _, cal_key in bench.COLUMNS:
        out[name] = value
        if cal_key is not None:
            out[f'{name} cal'] = value - 1 if calibrated is None else \
                calibrated
    return out


def test_table_mean_sample_spread_and_calibrated_cells():
    results = {
        'scratch': {
            'cam': {s: figures(v) for s, v in ((0, 10.), (1, 20.), (2, 30.))},
            'lowcam': {s: figures(50., 40.) for s in (0, 1, 2)},
        },
        'pretrained': {
            'cam': {s: figures(60.) for s in (0, 1, 2)},
            'lowcam': {s: figures(70.) for s in (0, 1, 2)},
        },
    }
    text = bench.table(results, [0, 1, 2], ['cam', 'lowcam'],
                       ['scratch', 'pretrained'])
    lines = text.splitlines()
    # Top-1_Cls (no threshold), then GT-known_Loc: oracle / calibrated
    assert lines[2].startswith('| CAM | from scratch | 20.0 ± 10.0 | '
                               '20.0 ± 10.0 / 19.0 ± 10.0 |')
    assert lines[3].startswith('| LowCAM | from scratch | 50.0 ± 0.0 | '
                               '50.0 ± 0.0 / 40.0 ± 0.0 |')
    assert lines[3].endswith('| 50.0 ± 0.0 |')  # PxAP: threshold-free
    assert lines[5].startswith('| LowCAM | pretrained | 70.0 ± 0.0 |')
    assert '| CAM | from scratch | 2 | 30.0 | 30.0 / 29.0 |' in text
    cells = bench.figures_of({
        **{c[1]: 1.0 for c in bench.COLUMNS},
        **{c[2]: 2.0 for c in bench.COLUMNS if c[2]}
    })
    assert cells['MaxBoxAcc'] == 1.0 and cells['MaxBoxAcc cal'] == 2.0


def test_evaluation_config_scores_both_protocols_and_calibrates(tmp_path):
    from mmengine.config import Config
    path = bench.evaluation_config('cam', 'pretrained', 'train_fullsup',
                                   str(tmp_path))
    cfg = Config.fromfile(path)
    assert cfg.test_dataloader.dataset.split == 'train_fullsup'
    assert [m['prefix'] for m in cfg.test_evaluator] == ['wsol', 'ornet']
    assert all(m['save_thresholds'].startswith(str(tmp_path))
               for m in cfg.test_evaluator)
    # a CAM is min-max normalised for ORNet's fixed thresholds
    assert cfg.test_evaluator[1]['map_normalization'] == 'minmax'
    assert cfg.model.backbone.init_cfg.type == 'Pretrained'
    path = bench.evaluation_config('lowcam', 'scratch', 'test',
                                   str(tmp_path), calibration='/c')
    cfg = Config.fromfile(path)
    assert [m['prefix'] for m in cfg.test_evaluator] == [
        'wsol', 'ornet', 'wsolcal', 'ornetcal'
    ]
    assert cfg.test_evaluator[3]['calibration_file'] == \
        '/c/thresholds_ornet.json'
    assert cfg.test_evaluator[3]['map_normalization'] == 'none'
    assert cfg.model.type == 'LowCAM'


def test_part_analysis_parses_generator_variants_and_hides_parts():
    import numpy as np
    import synthetic_part_analysis as parts
    assert parts.parse_args([
        'cfg.py', 'ckpt.pth', '--generator', 'body_hue_window=0.5',
        'num_classes=3', 'head_fraction=[0.1, 0.3]'
    ]).generator == dict(
        body_hue_window=0.5, num_classes=3, head_fraction=[0.1, 0.3])
    img = np.arange(2 * 2 * 3, dtype=np.uint8).reshape(2, 2, 3)
    keep = np.array([[True, False], [False, True]])
    out = parts.hide(img, keep)
    assert (out[0, 1] == parts.GREY).all() and (out[1, 0] == 118).all()
    assert (out[0, 0] == img[0, 0]).all() and (out[1, 1] == img[1, 1]).all()


def test_table_of_one_seed_has_no_spread():
    results = {'scratch': {'cam': {0: figures(12.34, 11.11)}}}
    text = bench.table(results, [0], ['cam'])
    assert text.splitlines()[2].startswith(
        '| CAM | from scratch | 12.3 | 12.3 / 11.1 |')
    assert '±' not in text.splitlines()[2]


def test_run_tool_echoes_progress_and_keeps_the_whole_log(tmp_path, capsys):
    """Progress lines and the last state of a progress bar reach the
    console (not a terminal here); the log keeps every byte."""
    script = ('import sys; w = sys.stdout.write; '
              "w('generating 3 synthetic images\\n'); "
              "w('[  ] 0/3'); w('\\r[> ] 1/3'); w('\\r[>>] 3/3'); w('\\n'); "
              "w('some detail\\n'); "
              "w('12/02 - mmengine - INFO - Epoch(test) [ 4/16]  eta: 0:01"
              "\\n')")
    log = tmp_path / 'tool.log'
    bench.run_tool(['-c', script], str(log))
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith('$ python -c ')
    assert out[1:-1] == [
        '  generating 3 synthetic images', '  [>>] 3/3',
        '  12/02 - mmengine - INFO - Epoch(test) [ 4/16]  eta: 0:01'
    ]
    assert out[-1].startswith('  done in ')
    with open(log, newline='') as f:
        assert f.read() == (
            'generating 3 synthetic images\n[  ] 0/3\r[> ] 1/3\r[>>] 3/3\n'
            'some detail\n'
            '12/02 - mmengine - INFO - Epoch(test) [ 4/16]  eta: 0:01\n')
    bench.run_tool(['-c', script], str(log), echo=False)
    assert len(capsys.readouterr().out.splitlines()) == 2  # command, time


def test_every_method_by_default_and_post_hoc_scores_the_cam(tmp_path):
    from mmengine.config import Config
    args = bench.parse_args([])
    assert {'acol', 'adl', 'cutmix', 'spg', 'bas', 'gradcam',
            'scorecam'} <= set(args.methods)
    for method in args.methods:  # every config of every setting exists
        for config in bench.METHODS[method][1].values():
            assert osp.isfile(osp.join(bench.REPO_ROOT, config)), config
    path = bench.evaluation_config('scorecam', 'scratch', 'test',
                                   str(tmp_path), calibration='/c')
    cfg = Config.fromfile(path)
    assert cfg.model.type == 'PostHocCAM' and cfg.model.method == 'scorecam'
    assert cfg.model.classifier.type == 'CAM'
    text = bench.times_table(
        {'scratch': {'bas': {0: 100.0, 1: 120.4}, 'cam': {0: 50.0}}},
        {'scratch': {'bas': {0: 20.0, 1: None}, 'gradcam': {0: 9.6},
                     'cam': {0: 10.0}}},
        ['cam', 'bas', 'gradcam'], ['scratch'])
    assert '| CAM | from scratch | 50 | 10 |' in text
    assert '| BAS | from scratch | 100-120 | 20 |' in text
    assert ("| Grad-CAM (post hoc, CAM) | from scratch | none (the CAM's "
            'checkpoint) | 10 |') in text


def test_last_checkpoint_of_every_config_as_the_script_runs(tmp_path):
    # run as `python tools/analysis_tools/synthetic_benchmark.py`: the
    # repository root is not on sys.path, yet the projects/ config's
    # custom_imports must load (the benchmark stopped there once)
    import subprocess
    code = ('import synthetic_benchmark as b\n'
            'for m in b.DEFAULT_METHODS:\n'
            '    for c in b.METHODS[m][1].values():\n'
            '        print(b.last_checkpoint(c, "/w/" + m))\n')
    proc = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True,
        cwd=str(tmp_path), timeout=300,
        env={k: v for k, v in __import__('os').environ.items()
             if k != 'PYTHONPATH'} | {
                 'PYTHONPATH': osp.join(bench.REPO_ROOT, 'tools',
                                        'analysis_tools')})
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.split()
    assert '/w/hide_and_seek/epoch_8.pth' in lines, lines


def test_a_resumed_benchmark_keeps_the_wall_seconds(tmp_path, monkeypatch):
    """A run found done reports the seconds it saved (the table of a
    benchmark continued after an interruption keeps every time)."""
    calls = []

    def fake_run_tool(args, log_file, echo=True):
        calls.append(args[0])
        out = args[args.index('--work-dir') + 1]
        if args[0] == 'tools/train.py':  # leave the final checkpoint
            open(osp.join(out, 'epoch_8.pth'), 'w').close()
        else:
            import json
            stamp = osp.join(out, '20260101_000000')
            __import__('os').makedirs(stamp)
            with open(osp.join(stamp, '20260101_000000.json'), 'w') as f:
                f.write(json.dumps({'wsol/Top-1_Cls': 90.0}) + '\n')
        return 12.5

    monkeypatch.setattr(bench, 'run_tool', fake_run_tool)
    work = str(tmp_path)
    ckpt, took = bench.train('acol', 'scratch', 0, work, [], echo=False)
    assert took == 12.5 and osp.isfile(ckpt)
    _, took_eval = bench.evaluate('acol', 'scratch', 0, ckpt, work, [],
                                  echo=False)
    assert took_eval == 25.0  # calibration split + test split
    # found done: nothing runs, the saved seconds come back
    calls.clear()
    assert bench.train('acol', 'scratch', 0, work, [], echo=False)[1] == 12.5
    assert bench.evaluate('acol', 'scratch', 0, ckpt, work, [],
                          echo=False)[1] == 25.0
    assert calls == []
