"""Every method (CAM, LowCAM, Hide-and-Seek, ACoL, ADL, CutMix, SPG, BAS and
the post-hoc maps of the CAM) on the embedded synthetic benchmark, from
scratch and fine-tuned from the pretrained backbone, over seeds, under both
protocols with oracle and calibrated thresholds, on 2 CPU cores with the
project's own tools.

    python tools/analysis_tools/synthetic_benchmark.py \
        [--seeds 0 1 2] [--methods cam lowcam hide_and_seek acol ...] \
        [--settings scratch pretrained] \
        [--work-dir work_dirs/synthetic_benchmark] [--generator KEY=VALUE ...]

For every setting (``scratch``: the ``*_tiny_synthetic.py`` configs;
``pretrained``: the ``*_tiny_synthetic_pretrained.py`` configs, whose
backbones start from the weights pretrained on the generated pretraining
set) and seed S (``randomness.seed=S``; the data are the same for every
seed) it runs, as a user would:

1. ``tools/train.py`` on the LowCAM config: the one-command pipeline
   (stage 0 trains F^e, the CAM config of the same setting and seed, 8
   epochs; then phases 1 + 2, 6 + 2 epochs). The CAM row is that F^e: the
   CAM config trained with the same seed, so it is what a separate
   ``tools/train.py`` of the CAM config gives (without LowCAM, CAM is
   trained on its own);
2. ``tools/train.py`` on the Hide-and-Seek project config and on the
   ACoL, ADL, CutMix, SPG and BAS configs (each the tiny CAM plus the
   method: same data, backbone, 8-epoch schedule, seed); the post-hoc maps
   (Grad-CAM, ..., Eigen-CAM: ``configs/post_hoc_cam`` with
   ``model.method``) are not trained, they score the CAM's checkpoint;
3. per model two ``tools/test.py`` runs, each scoring the maps with four
   metrics at once (wsolevaluation: MaxBoxAcc, MaxBoxAccV2, PxAP; ORNet:
   GT-known Loc, Top-1 Loc, with LowCAM's p^a as it is and CAM maps min-max
   normalised): (a) on the held-out ``train_fullsup`` split (train images
   with boxes, never trained on) with the oracle, whose thresholds are
   saved; (b) on the test split, with the oracle (what papers report) and
   with the thresholds calibrated in (a) (Choe et al. 2020).

A run whose checkpoint or metric file exists is not run again, so an
interrupted benchmark continues where it stopped. The progress of every
training and test run (and the progress bar of the dataset generation on
first use) is echoed to the console (``--quiet``: not), the whole output of
each run goes to its ``train_stdout.log`` / ``test_stdout.log``. The table
(mean and sample standard deviation over seeds, and every seed) is
printed with the wall seconds of every training and test and written to
``<work-dir>/results.md``; the figures and times to ``results.json``.
"""
import argparse
import glob
import io
import json
import os
import os.path as osp
import subprocess
import sys
import time

import numpy as np

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

#: method -> (name in the table, {setting: config})
METHODS = {
    'cam': ('CAM', {
        'scratch': 'configs/cam/cam_tiny_synthetic.py',
        'pretrained': 'configs/cam/cam_tiny_synthetic_pretrained.py',
    }),
    'lowcam': ('LowCAM', {
        'scratch': 'configs/lowcam/lowcam_tiny_synthetic.py',
        'pretrained': 'configs/lowcam/lowcam_tiny_synthetic_pretrained.py',
    }),
    'hide_and_seek': ('Hide-and-Seek', {
        'scratch':
        'projects/hide_and_seek/configs/hide_and_seek_cam_tiny_synthetic.py',
        'pretrained':
        'projects/hide_and_seek/configs/'
        'hide_and_seek_cam_tiny_synthetic_pretrained.py',
    }),
}
# the rest of the field's methods, each exactly the tiny CAM plus itself
for _key, _name in (('acol', 'ACoL'), ('adl', 'ADL'), ('cutmix', 'CutMix'),
                    ('spg', 'SPG'), ('bas', 'BAS')):
    METHODS[_key] = (_name, {
        'scratch': f'configs/{_key}/{_key}_tiny_synthetic.py',
        'pretrained': f'configs/{_key}/{_key}_tiny_synthetic_pretrained.py',
    })
#: post-hoc maps (PostHocCAM, ``model.method``) of the CAM checkpoint of
#: the same setting and seed: scored, never trained
POST_HOC = {
    'gradcam': 'Grad-CAM', 'gradcam++': 'Grad-CAM++',
    'xgradcam': 'XGrad-CAM', 'scorecam': 'Score-CAM',
    'layercam': 'Layer-CAM', 'eigencam': 'Eigen-CAM',
}
for _key, _name in POST_HOC.items():
    METHODS[_key] = (f'{_name} (post hoc, CAM)', {
        'scratch': 'configs/post_hoc_cam/post_hoc_cam_tiny_synthetic.py',
        'pretrained':
        'configs/post_hoc_cam/post_hoc_cam_tiny_synthetic_pretrained.py',
    })
#: every method by default; ``--methods`` picks some
DEFAULT_METHODS = ['cam', 'lowcam', 'hide_and_seek', 'acol', 'adl', 'cutmix',
                   'spg', 'bas', *POST_HOC]
# the recipe for colour-free data (CAM only; its config sets the
# class_cue='shape' variant itself): pretrained, 30 epochs, random crops
METHODS['cam'][1]['shape_recipe'] = 'configs/cam/cam_tiny_synthetic_shape.py'
SETTINGS = {
    'scratch': 'from scratch',
    'pretrained': 'pretrained',
    'shape_recipe': 'pretrained, 30 ep, crops',
}
# (column, oracle key, calibrated key or None); prefixes: the four metrics
# of the evaluation config (wsol / ornet oracle, wsolcal / ornetcal
# calibrated on train_fullsup)
COLUMNS = [
    ('Top-1 Cls', 'wsol/Top-1_Cls', None),
    ('GT-known Loc (ORNet)', 'ornet/GT-known_Loc', 'ornetcal/GT-known_Loc'),
    ('Top-1 Loc (ORNet)', 'ornet/Top-1_Loc', 'ornetcal/Top-1_Loc'),
    ('MaxBoxAcc', 'wsol/MaxBoxAcc', 'wsolcal/GT-known_Loc'),
    ('MaxBoxAccV2', 'wsol/MaxBoxAccV2', 'wsolcal/BoxAccV2'),
    ('PxAP', 'wsol/PxAP', None),
]
#: lines of a training or test log echoed to the console (and the
#: progress bar of the dataset generation on first use)
PROGRESS = ('Epoch(train)', 'Epoch(val)', 'Epoch(test)', 'evaluator_stage:',
            'TwoPhaseTrainingHook:', 'generating ', 'Saving checkpoint')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument(
        '--methods',
        nargs='+',
        choices=sorted(METHODS),
        default=DEFAULT_METHODS)
    parser.add_argument(
        '--settings',
        nargs='+',
        choices=sorted(SETTINGS),
        default=['scratch', 'pretrained'])
    parser.add_argument(
        '--work-dir', default=osp.join('work_dirs', 'synthetic_benchmark'))
    parser.add_argument(
        '--generator',
        nargs='+',
        default=[],
        metavar='KEY=VALUE',
        help='a variant of the benchmark: generator parameters for every '
        'dataloader (SyntheticWSOLParams, e.g. class_cue=shape); use a '
        'separate --work-dir')
    parser.add_argument(
        '--quiet',
        action='store_true',
        help='no training and test progress lines')
    args = parser.parse_args(argv)
    for item in args.generator:
        if '=' not in item:
            parser.error(f'--generator takes KEY=VALUE, got {item!r}')
    return args


def generator_options(items, prefix=''):
    """``--cfg-options`` giving every dataloader the generator params."""
    return [
        f'{prefix}{loader}.dataset.generator.{item}' for item in items
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader')
    ]


def echo_progress(line, in_bar):
    """Print ``line`` of a tool's output if it is a :data:`PROGRESS` line
    or a progress-bar update (a line ended by ``\\r``, redrawn in place on
    a terminal; elsewhere only the bar's last state is printed). Returns
    whether a progress bar is being drawn."""
    text = '  ' + line.rstrip()[:200]
    if line.endswith('\r'):
        if sys.stdout.isatty():
            print('\r' + text, end='', flush=True)
        return True
    if in_bar:  # the bar's last update, ended by a newline
        print(('\r' if sys.stdout.isatty() else '') + text, flush=True)
    elif any(mark in line for mark in PROGRESS):
        print(text, flush=True)
    return False


def run_tool(args, log_file, echo=True):
    """Run ``python <args>`` from the repository root; its output goes to
    ``log_file`` as it is and its progress lines (:func:`echo_progress`) to
    the console."""
    start = time.time()
    print(f'$ python {" ".join(args)}', flush=True)
    with open(log_file, 'w', newline='') as log:
        proc = subprocess.Popen([sys.executable] + args,
                                cwd=REPO_ROOT,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        in_bar = False
        # newline='': '\r' ends a line too, and stays in it
        for line in io.TextIOWrapper(
                proc.stdout, encoding='utf-8', errors='replace',
                newline=''):
            log.write(line)
            log.flush()
            if echo:
                in_bar = echo_progress(line, in_bar)
        proc.wait()
    if proc.returncode != 0:
        with open(log_file) as f:
            tail = f.read()[-4000:]
        sys.exit(f'error: the command above failed (exit {proc.returncode}); '
                 f'the end of its log {log_file}:\n{tail}')
    seconds = time.time() - start
    print(f'  done in {seconds:.0f} s', flush=True)
    return seconds


def run_dir(work_dir, setting, seed, method):
    return osp.join(work_dir, setting, f'seed{seed}', method)


def last_checkpoint(config, work_dir):
    """The checkpoint a finished ``tools/train.py`` of ``config`` in
    ``work_dir`` leaves (:func:`mmwsol.engine.pipeline.final_checkpoint`)."""
    from mmwsol.engine.pipeline import final_checkpoint
    from mmwsol.utils.tool_config import load_tool_config

    # as tools/train.py loads it (a projects/ config imports its package)
    cfg = load_tool_config(osp.join(REPO_ROOT, config))
    cfg.work_dir = work_dir
    return final_checkpoint(cfg)


#: each run's wall seconds, kept beside its outputs so that a resumed
#: benchmark still reports them
SECONDS_FILE = 'wall_seconds.txt'


def saved_seconds(folder):
    """The wall seconds a finished run saved in ``folder``, or None."""
    path = osp.join(folder, SECONDS_FILE)
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return float(f.read())


def save_seconds(folder, seconds):
    with open(osp.join(folder, SECONDS_FILE), 'w') as f:
        f.write(f'{seconds:.1f}\n')


def train(method, setting, seed, work_dir, generator, echo=True):
    """Train ``method``; return ``(checkpoint, seconds or None)`` (a run
    found done: the seconds it saved, if any)."""
    out = run_dir(work_dir, setting, seed, method)
    ckpt = last_checkpoint(METHODS[method][1][setting], out)
    if osp.isfile(ckpt):
        print(f'{ckpt} exists: training of {method} ({setting}, seed {seed}) '
              'skipped')
        return ckpt, saved_seconds(out)
    options = [f'randomness.seed={seed}'] + generator_options(generator)
    if method == 'lowcam':  # F^e's stage gets the same data
        options += generator_options(generator,
                                     'evaluator_stage.cfg_options.')
    os.makedirs(out, exist_ok=True)
    seconds = run_tool([
        'tools/train.py', METHODS[method][1][setting], '--work-dir', out,
        '--cfg-options'
    ] + options, osp.join(out, 'train_stdout.log'), echo)
    save_seconds(out, seconds)
    return ckpt, seconds


def read_test_metrics(work_dir):
    """The metric dict of the latest ``tools/test.py`` run in ``work_dir``
    (mmengine writes it to ``<work_dir>/<time>/<time>.json``), or None."""
    found = sorted(glob.glob(osp.join(work_dir, '*', '*.json')))
    if not found:
        return None
    with open(found[-1]) as f:
        return json.loads(f.read().strip().splitlines()[-1])


def evaluation_config(method, setting, split, out_dir, calibration=None):
    """Write a config that tests ``method``'s config on ``split`` with the
    four metrics (see the module docstring); return its path."""
    normalization = "'none'" if method == 'lowcam' else "'minmax'"
    if calibration is None:  # oracle, thresholds saved for calibration
        metrics = f'''[
    dict(type='LocalizationMetric', protocol='wsolevaluation', prefix='wsol',
         pxap_upsample='bicubic',
         save_thresholds={osp.join(out_dir, 'thresholds_wsol.json')!r}),
    dict(type='LocalizationMetric', protocol='ornet', prefix='ornet',
         pxap_upsample='bicubic', map_normalization={normalization},
         save_thresholds={osp.join(out_dir, 'thresholds_ornet.json')!r}),
]'''
    else:
        wsol, ornet = (osp.join(calibration, f'thresholds_{p}.json')
                       for p in ('wsol', 'ornet'))
        metrics = f'''[
    dict(type='LocalizationMetric', protocol='wsolevaluation', prefix='wsol',
         pxap_upsample='bicubic'),
    dict(type='LocalizationMetric', protocol='ornet', prefix='ornet',
         pxap_upsample='bicubic', map_normalization={normalization}),
    dict(type='LocalizationMetric', protocol='wsolevaluation',
         prefix='wsolcal', pxap_upsample='bicubic',
         threshold_selection='calibrated', calibration_file={wsol!r}),
    dict(type='LocalizationMetric', protocol='ornet', prefix='ornetcal',
         pxap_upsample='bicubic', map_normalization={normalization},
         threshold_selection='calibrated', calibration_file={ornet!r}),
]'''
    post_hoc = (f'model = dict(method={method!r})\n'
                if method in POST_HOC else '')
    text = f'''# written by tools/analysis_tools/synthetic_benchmark.py
_base_ = [{osp.join(REPO_ROOT, METHODS[method][1][setting])!r}]
{post_hoc}test_dataloader = dict(dataset=dict(split={split!r}))
test_evaluator = {metrics}
# no pictures of every image here
default_hooks = dict(visualization=dict(enable=False))
'''
    path = osp.join(out_dir, f'evaluate_{split}.py')
    with open(path, 'w') as f:
        f.write(text)
    return path


def evaluate(method, setting, seed, ckpt, work_dir, generator, echo=True):
    """Calibrate on train_fullsup, then test; ``(the test metric dict,
    seconds of both test runs or None when they ran before)``."""
    base = run_dir(work_dir, setting, seed, method) + '_eval'
    calib_dir, test_dir = osp.join(base, 'train_fullsup'), osp.join(
        base, 'test')
    result = osp.join(test_dir, 'metrics.json')
    if osp.isfile(result):
        with open(result) as f:
            return json.load(f), saved_seconds(base)
    options = generator_options(generator)
    seconds = 0.0
    for out, calibration in ((calib_dir, None), (test_dir, calib_dir)):
        os.makedirs(out, exist_ok=True)
        split = 'train_fullsup' if calibration is None else 'test'
        cfg = evaluation_config(method, setting, split, out, calibration)
        seconds += run_tool(
            ['tools/test.py', cfg, ckpt, '--work-dir', out] +
            (['--cfg-options'] + options if options else []),
            osp.join(out, 'test_stdout.log'), echo)
    metrics = read_test_metrics(test_dir)
    if metrics is None:
        sys.exit(f'error: no metric file under {test_dir}')
    with open(result, 'w') as f:
        json.dump(metrics, f, indent=1)
    save_seconds(base, seconds)
    return metrics, seconds


def figures_of(metrics):
    """The table's figures of one test metric dict: ``{column: value}``,
    calibrated ones under ``'<column> cal'``."""
    out = {}
    for name, oracle, calibrated in COLUMNS:
        out[name] = float(metrics[oracle])
        if calibrated is not None:
            out[f'{name} cal'] = float(metrics[calibrated])
    return out


def _cell(values):
    values = np.asarray(values, np.float64)
    if len(values) > 1:
        return f'{values.mean():.1f} ± {values.std(ddof=1):.1f}'
    return f'{values.mean():.1f}'  # one seed: no spread to show


def table(results, seeds, methods, settings=('scratch', )):
    """Markdown: the mean (± sample std over seeds) table, then every
    seed. ``results[setting][method][seed]`` are :func:`figures_of`
    dicts; a thresholded figure's cell is ``oracle / calibrated``."""
    header = ['Method', 'Backbone'] + [c[0] for c in COLUMNS]
    lines = [
        '| ' + ' | '.join(header) + ' |',
        '|' + '---|' * len(header),
    ]

    def cells(rows):
        out = []
        for name, _, calibrated in COLUMNS:
            text = _cell([r[name] for r in rows])
            if calibrated is not None and all(f'{name} cal' in r
                                              for r in rows):
                text += ' / ' + _cell([r[f'{name} cal'] for r in rows])
            out.append(text)
        return out

    for setting in settings:
        for method in methods:
            rows = [results[setting][method][s] for s in seeds]
            lines.append(f'| {METHODS[method][0]} | {SETTINGS[setting]} | ' +
                         ' | '.join(cells(rows)) + ' |')
    lines.append('')
    lines.append(
        (f'Mean ± sample standard deviation over seeds {seeds}'
         if len(seeds) > 1 else
         f'One seed ({seeds[0]}): rerun with --seeds 0 1 2 for the spread') +
        '; thresholded figures: oracle / calibrated on train_fullsup. Per '
        'seed:')
    lines.append('')
    lines.append('| Method | Backbone | Seed | ' +
                 ' | '.join(c[0] for c in COLUMNS) + ' |')
    lines.append('|' + '---|' * (len(COLUMNS) + 3))
    for setting in settings:
        for method in methods:
            for s in seeds:
                lines.append(f'| {METHODS[method][0]} | {SETTINGS[setting]} '
                             f'| {s} | ' +
                             ' | '.join(cells([results[setting][method][s]]))
                             + ' |')
    return '\n'.join(lines)


def _seconds_cell(values):
    values = [v for v in values if v is not None]
    if not values:
        return '-'
    return f'{min(values):.0f}-{max(values):.0f}' if len(values) > 1 else \
        f'{values[0]:.0f}'


def times_table(train_seconds, test_seconds, methods, settings):
    """Markdown: wall seconds per method (range over the seeds; '-' for
    runs found done without saved seconds): training, and both test runs
    (calibration split + test split)."""
    lines = ['| Method | Backbone | Training (s) | Testing (s) |',
             '|---|---|---|---|']
    for setting in settings:
        for method in methods:
            train = train_seconds[setting].get(method, {})
            if method == 'cam' and 'lowcam' in methods:
                cell = 'in LowCAM\'s stage 0'
            elif method in POST_HOC:
                cell = 'none (the CAM\'s checkpoint)'
            else:
                cell = _seconds_cell(train.values())
            lines.append(
                f'| {METHODS[method][0]} | {SETTINGS[setting]} | {cell} | '
                f'{_seconds_cell(test_seconds[setting][method].values())} |')
    lines.append('')
    lines.append('Wall seconds on this machine, range over the seeds.')
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    methods = [m for m in METHODS if m in args.methods]
    settings = [s for s in SETTINGS if s in args.settings]
    for setting in settings:
        missing = [m for m in methods if setting not in METHODS[m][1]]
        if missing:
            sys.exit(f'error: setting {setting!r} has no config for '
                     f'{missing}; it exists for '
                     f'{[m for m in METHODS if setting in METHODS[m][1]]}')
    work_dir = osp.abspath(args.work_dir)
    results = {s: {m: {} for m in methods} for s in settings}
    seconds = {s: {m: {} for m in methods} for s in settings}
    eval_seconds = {s: {m: {} for m in methods} for s in settings}
    for setting in settings:
        for seed in args.seeds:
            ckpts = {}
            # LowCAM first: its stage 0 trains the CAM config (F^e)
            trained = sorted((m for m in methods if m not in POST_HOC),
                             key=lambda m: m != 'lowcam')
            if any(m in POST_HOC for m in methods) and 'cam' not in trained:
                trained.append('cam')  # the classifier they explain
            for method in trained:
                if method == 'cam' and 'lowcam' in methods:
                    # F^e of the LowCAM run: the CAM config of the setting
                    ckpts['cam'] = last_checkpoint(
                        METHODS['cam'][1][setting],
                        osp.join(run_dir(work_dir, setting, seed, 'lowcam'),
                                 'evaluator'))
                    continue
                ckpts[method], took = train(method, setting, seed,
                                            work_dir, args.generator,
                                            not args.quiet)
                seconds[setting].setdefault(method, {})[seed] = took
            for method in methods:
                if method in POST_HOC:  # no training: the CAM's checkpoint
                    ckpts[method] = ckpts['cam']
            for method in methods:
                metrics, eval_seconds[setting][method][seed] = evaluate(
                    method, setting, seed, ckpts[method], work_dir,
                    args.generator, not args.quiet)
                results[setting][method][seed] = figures_of(metrics)
    text = table(results, args.seeds, methods, settings)
    text += '\n\n' + times_table(seconds, eval_seconds, methods, settings)
    if args.generator:
        text = (f'Benchmark variant: generator {" ".join(args.generator)}'
                '\n\n' + text)
    print(text)
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, 'results.md'), 'w') as f:
        f.write(text + '\n')
    with open(osp.join(work_dir, 'results.json'), 'w') as f:
        json.dump(
            dict(
                figures={
                    s: {m: {str(k): v
                            for k, v in r.items()}
                        for m, r in res.items()}
                    for s, res in results.items()
                },
                train_seconds={
                    s: {m: {str(k): v
                            for k, v in r.items()}
                        for m, r in res.items()}
                    for s, res in seconds.items()
                },
                test_seconds={
                    s: {m: {str(k): v
                            for k, v in r.items()}
                        for m, r in res.items()}
                    for s, res in eval_seconds.items()
                }),
            f,
            indent=1)
    return results


if __name__ == '__main__':
    main()
