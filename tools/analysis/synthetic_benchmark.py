"""CAM vs LowCAM (vs Hide-and-Seek) on the embedded synthetic benchmark,
trained from scratch on CPU with the project's own tools, over seeds.

    python tools/analysis/synthetic_benchmark.py \
        [--seeds 0 1 2] [--methods cam lowcam hide_and_seek] \
        [--work-dir work_dirs/synthetic_benchmark]

For every seed S (``randomness.seed=S``; the data are the same for every
seed: the generator has its own fixed seed) it runs, as a user would:

1. ``tools/train.py configs/cam/cam_tiny_synthetic.py`` (8 epochs);
2. ``tools/train.py configs/lowcam/lowcam_tiny_synthetic.py`` (6 + 2 epochs:
   the same number of images seen), whose evaluator F^e is the CAM model
   of step 1 of the same seed (the method needs a trained classifier);
3. ``tools/train.py projects/hide_and_seek/configs/...`` (8 epochs);
4. ``tools/test.py`` on the last checkpoint of each, under the
   wsolevaluation protocol (the configs' default: MaxBoxAcc, MaxBoxAccV2,
   PxAP) and under the ORNet protocol (GT-known Loc, Top-1 Loc: LowCAM's
   p^a as it is, as the release; CAM maps min-max normalised); both pick
   the oracle threshold on the test split, as papers do.

A run whose checkpoint or metric file already exists is not run again, so
an interrupted benchmark continues where it stopped. The table (mean and
sample standard deviation over seeds, and every seed) is printed and
written to ``<work-dir>/results.md``; the figures to ``results.json``.
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time

import numpy as np

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

METHODS = {
    'cam': ('CAM', 'configs/cam/cam_tiny_synthetic.py'),
    'lowcam': ('LowCAM', 'configs/lowcam/lowcam_tiny_synthetic.py'),
    'hide_and_seek':
    ('Hide-and-Seek',
     'projects/hide_and_seek/configs/hide_and_seek_cam_tiny_synthetic.py'),
}
# (column, protocol, metric key)
COLUMNS = [
    ('Top-1 Cls', 'wsolevaluation', 'wsol/Top-1 Cls'),
    ('GT-known Loc (ORNet)', 'ornet', 'wsol/GT-known Loc'),
    ('Top-1 Loc (ORNet)', 'ornet', 'wsol/Top-1 Loc'),
    ('MaxBoxAcc', 'wsolevaluation', 'wsol/MaxBoxAcc'),
    ('MaxBoxAccV2', 'wsolevaluation', 'wsol/MaxBoxAccV2'),
    ('PxAP', 'wsolevaluation', 'wsol/PxAP'),
]
MAX_EPOCHS = 8


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument(
        '--methods',
        nargs='+',
        choices=sorted(METHODS),
        default=['cam', 'lowcam', 'hide_and_seek'])
    parser.add_argument(
        '--work-dir', default=osp.join('work_dirs', 'synthetic_benchmark'))
    parser.add_argument(
        '--generator',
        nargs='+',
        default=[],
        metavar='KEY=VALUE',
        help='a variant of the benchmark: generator parameters for every '
        'dataloader (SyntheticWSOLParams, e.g. body_hue_window=0.5); use a '
        'separate --work-dir')
    args = parser.parse_args(argv)
    for item in args.generator:
        if '=' not in item:
            parser.error(f'--generator takes KEY=VALUE, got {item!r}')
    return args


def generator_options(items):
    return [
        f'{loader}.dataset.generator.{item}' for item in items
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader')
    ]


def run_tool(args, log_file):
    """Run ``python <args>`` from the repository root, log to a file."""
    start = time.time()
    print(f'$ python {" ".join(args)}', flush=True)
    with open(log_file, 'w') as log:
        proc = subprocess.run([sys.executable] + args,
                              cwd=REPO_ROOT,
                              stdout=log,
                              stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        with open(log_file) as f:
            tail = f.read()[-4000:]
        sys.exit(f'error: the command above failed (exit {proc.returncode}); '
                 f'the end of its log {log_file}:\n{tail}')
    print(f'  done in {time.time() - start:.0f} s', flush=True)


def train(method, seed, work_dir, generator, evaluator_ckpt=None):
    run_dir = osp.join(work_dir, f'seed{seed}', method)
    ckpt = osp.join(run_dir, f'epoch_{MAX_EPOCHS}.pth')
    if osp.isfile(ckpt):
        print(f'{ckpt} exists: training of {method}, seed {seed} skipped')
        return ckpt
    options = [f'randomness.seed={seed}'] + generator_options(generator)
    if evaluator_ckpt is not None:
        options.append(f'model.evaluator.checkpoint={evaluator_ckpt}')
    os.makedirs(run_dir, exist_ok=True)
    run_tool([
        'tools/train.py', METHODS[method][1], '--work-dir', run_dir,
        '--cfg-options'
    ] + options, osp.join(run_dir, 'train_stdout.log'))
    return ckpt


def read_test_metrics(work_dir):
    """The metric dict of the latest ``tools/test.py`` run in ``work_dir``
    (mmengine writes it to ``<work_dir>/<time>/<time>.json``), or None."""
    found = sorted(glob.glob(osp.join(work_dir, '*', '*.json')))
    if not found:
        return None
    with open(found[-1]) as f:
        return json.loads(f.read().strip().splitlines()[-1])


def test(method, seed, ckpt, protocol, work_dir, generator):
    test_dir = osp.join(work_dir, f'seed{seed}', f'{method}_test_{protocol}')
    result = osp.join(test_dir, 'metrics.json')
    if not osp.isfile(result):
        os.makedirs(test_dir, exist_ok=True)
        options = [
            f'test_evaluator.protocol={protocol}',
            # no pictures of every validation image here
            'default_hooks.visualization.enable=False'
        ] + generator_options(generator)
        if protocol == 'ornet' and method != 'lowcam':
            # ORNet thresholds LowCAM's p^a (a probability) as it is; a CAM
            # is min-max normalised first (the metric refuses raw CAMs)
            options.append('test_evaluator.map_normalization=minmax')
        run_tool([
            'tools/test.py', METHODS[method][1], ckpt, '--work-dir',
            test_dir, '--cfg-options'
        ] + options, osp.join(test_dir, 'test_stdout.log'))
        metrics = read_test_metrics(test_dir)
        if metrics is None:
            sys.exit(f'error: no metric file under {test_dir}')
        with open(result, 'w') as f:
            json.dump(metrics, f, indent=1)
    with open(result) as f:
        return json.load(f)


def table(results, seeds, methods):
    header = ['Method'] + [c[0] for c in COLUMNS]
    lines = [
        '| ' + ' | '.join(header) + ' |',
        '|' + '---|' * len(header),
    ]
    for method in methods:
        cells = [METHODS[method][0]]
        for name, _, _ in COLUMNS:
            values = np.array([results[method][s][name] for s in seeds])
            if len(values) > 1:
                cells.append(
                    f'{values.mean():.1f} ± {values.std(ddof=1):.1f}')
            else:  # one seed: no spread to show
                cells.append(f'{values.mean():.1f}')
        lines.append('| ' + ' | '.join(cells) + ' |')
    lines.append('')
    lines.append(f'Mean ± sample standard deviation over seeds {seeds}. '
                 'Per seed:' if len(seeds) > 1 else
                 f'One seed ({seeds[0]}): rerun with --seeds 0 1 2 for the '
                 'spread. Per seed:')
    lines.append('')
    lines.append('| Method | Seed | ' + ' | '.join(c[0] for c in COLUMNS) +
                 ' |')
    lines.append('|' + '---|' * (len(COLUMNS) + 2))
    for method in methods:
        for s in seeds:
            row = [f'{results[method][s][c[0]]:.1f}' for c in COLUMNS]
            lines.append(f'| {METHODS[method][0]} | {s} | ' + ' | '.join(row) +
                         ' |')
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    methods = [m for m in METHODS if m in args.methods]
    work_dir = osp.abspath(args.work_dir)
    results = {m: {} for m in methods}
    for seed in args.seeds:
        cam_ckpt = None
        if 'cam' in methods or 'lowcam' in methods:
            cam_ckpt = train('cam', seed, work_dir, args.generator)
        for method in methods:
            ckpt = (cam_ckpt if method == 'cam' else train(
                method, seed, work_dir, args.generator,
                cam_ckpt if method == 'lowcam' else None))
            figures = {}
            for protocol in ('wsolevaluation', 'ornet'):
                metrics = test(method, seed, ckpt, protocol, work_dir,
                               args.generator)
                for name, proto, key in COLUMNS:
                    if proto == protocol:
                        figures[name] = float(metrics[key])
            results[method][seed] = figures
    text = table(results, args.seeds, methods)
    if args.generator:
        text = (f'Benchmark variant: generator {" ".join(args.generator)}'
                '\n\n' + text)
    print(text)
    with open(osp.join(work_dir, 'results.md'), 'w') as f:
        f.write(text + '\n')
    with open(osp.join(work_dir, 'results.json'), 'w') as f:
        json.dump({m: {str(s): v
                       for s, v in r.items()}
                   for m, r in results.items()},
                  f,
                  indent=1)
    return results


if __name__ == '__main__':
    main()
