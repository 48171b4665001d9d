"""Plot loss / metric curves of mmengine scalar logs, or time the training.

    python tools/analysis_tools/analyze_logs.py plot_curve LOG.json \\
        [LOG2.json ...] --keys loss 'loss_*' wsol/MaxBoxAccV2 --out c.png
    python tools/analysis_tools/analyze_logs.py cal_train_time LOG.json

``LOG.json`` is what mmengine writes for a run,
``<work_dir>/<timestamp>/vis_data/scalars.json`` or
``<work_dir>/<timestamp>/vis_data/<timestamp>.json`` (one JSON record per
line; a folder is searched for the newest ``vis_data/scalars.json``).
Training records carry ``iter``; validation records only ``step`` (the
epoch in epoch-based runs, placed at the end of that epoch). Keys may be
shell patterns (``'loss_*'``). Each key gets its own panel over the
training iterations.

**Phases.** A training whose loss terms change (LowCAM: ``loss_cls_side``
and ``loss_cls_main`` in phase 1, ``loss_eval``, ``loss_area`` and
``loss_entropy`` in phase 2, ``TwoPhaseTrainingHook``) is split into
phases where the set of ``loss_*`` keys changes; each switch is drawn as a
dashed line in every panel, at the iteration the text log
(``<timestamp>.log`` beside ``vis_data/``) names
(``TwoPhaseTrainingHook: phase 2 from ... iter N``), else half-way
between the last record of one phase and the first of the next.
"""
import argparse
import fnmatch
import glob
import json
import math
import os.path as osp
import re
import sys
from itertools import groupby

import numpy as np

SWITCH_MESSAGE = re.compile(r'TwoPhaseTrainingHook: phase 2 from epoch '
                            r'\d+, iter (\d+)')


class LogError(ValueError):
    """A log that cannot be read, naming the file (and line)."""


def find_json_log(path):
    """``path`` itself, or the newest ``vis_data/scalars.json`` under it."""
    if osp.isfile(path):
        return path
    if osp.isdir(path):
        found = sorted(
            glob.glob(osp.join(path, 'vis_data', 'scalars.json')) +
            glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))
        if found:
            return found[-1]
        raise LogError(f'{path}: no vis_data/scalars.json in this folder or '
                       'its <timestamp>/ subfolders')
    raise LogError(f'log not found: {path}')


def load_json_log(path):
    """Read one mmengine scalar log.

    Returns:
        dict: ``train`` (records with ``iter``), ``val`` (the others, each
        with ``step``), ``path`` and ``switch_iters`` (iterations of the
        phase switches named in the text log beside it; may be empty).
    """
    log = dict(train=[], val=[], path=path, switch_iters=[])
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise LogError(f'{path}:{lineno}: not a JSON record ({err})')
            if not isinstance(record, dict) or 'step' not in record:
                raise LogError(f'{path}:{lineno}: expected a JSON object '
                               'with a "step", as mmengine writes')
            log['train' if 'iter' in record else 'val'].append(record)
    if not log['train'] and not log['val']:
        raise LogError(f'{path}: the log holds no records')
    run_dir = osp.dirname(osp.dirname(osp.abspath(path)))
    text_log = osp.join(run_dir, osp.basename(run_dir) + '.log')
    if osp.isfile(text_log):
        with open(text_log, errors='replace') as f:
            log['switch_iters'] = [
                int(m.group(1)) for m in SWITCH_MESSAGE.finditer(f.read())
            ]
    return log


def iters_per_epoch(train):
    """Iterations per epoch of an epoch-based log (None: iter-based).

    A record of epoch ``e`` (1-based) at iteration ``i`` says ``(e - 1) *
    n < i <= e * n``; the smallest ``n`` that fits every record is exact
    when an epoch's last iteration is logged.
    """
    if not train or 'epoch' not in train[0]:
        return None
    return max(math.ceil(r['iter'] / r['epoch']) for r in train)


def loss_terms(record):
    return frozenset(k for k in record if k.startswith('loss_'))


def split_phases(log):
    """Phases of the training records: lists of records whose set of
    ``loss_*`` keys is the same, and the iteration of each switch."""
    phases = [list(g) for _, g in groupby(log['train'], key=loss_terms)]
    switches = []
    for i, (before, after) in enumerate(zip(phases, phases[1:])):
        if i < len(log['switch_iters']):
            switches.append(log['switch_iters'][i])
        else:
            switches.append((before[-1]['iter'] + after[0]['iter'] - 1) / 2)
    return phases, switches


def val_x(log, record):
    """Training iteration at which a validation record was taken."""
    per_epoch = iters_per_epoch(log['train'])
    return record['step'] * (per_epoch or 1)


def available_keys(log):
    keys = set()
    for record in log['train'] + log['val']:
        keys.update(record)
    return keys - {'step', 'iter', 'epoch'}


def expand_keys(patterns, logs):
    """The keys the patterns name, in order; an unmatched one stops with
    the keys each log has."""
    keys = []
    for pattern in patterns:
        matched = sorted({
            k
            for log in logs
            for k in available_keys(log) if fnmatch.fnmatchcase(k, pattern)
        })
        if not matched:
            lines = '\n'.join(f'  {log["path"]}: '
                              f'{", ".join(sorted(available_keys(log)))}'
                              for log in logs)
            raise LogError(f'key {pattern!r} is in none of the logs; their '
                           f'keys:\n{lines}')
        keys += [k for k in matched if k not in keys]
    return keys


def curve(log, key):
    """``(iterations, values, phase numbers)`` of ``key`` (1-based phase
    of each point; validation points take the phase they were run in)."""
    phases, switches = split_phases(log)
    xs, ys = [], []
    for record in log['train']:
        if key in record:
            xs.append(record['iter'])
            ys.append(record[key])
    if not xs:
        for record in log['val']:
            if key in record:
                xs.append(val_x(log, record))
                ys.append(record[key])
    xs = np.asarray(xs, dtype=float)
    phase = 1 + np.searchsorted(np.asarray(switches, float), xs, 'left')
    return xs, np.asarray(ys, dtype=float), phase


def legend_names(paths, given):
    if given is None:
        names = [osp.basename(osp.dirname(osp.dirname(osp.abspath(p))))
                 for p in paths]
        return names if len(set(names)) == len(names) else list(paths)
    if len(given) != len(paths):
        raise LogError(f'--legend gives {len(given)} names for '
                       f'{len(paths)} logs')
    return given


def plot_curve(logs, args):
    """One panel per key, every log a line, phase switches dashed.

    Returns:
        matplotlib.figure.Figure: the figure (saved to ``args.out``).
    """
    import matplotlib
    if args.out is not None:
        matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    keys = expand_keys(args.keys, logs)
    names = legend_names([log['path'] for log in logs], args.legend)
    ncols = 1 if len(keys) <= 3 else 2
    nrows = math.ceil(len(keys) / ncols)
    width, height = (int(v) for v in args.window_size.split('*'))
    fig, axes = plt.subplots(
        nrows, ncols, sharex=True, squeeze=False,
        figsize=(width, max(height, 2.6 * nrows)))
    colors = plt.rcParams['axes.prop_cycle'].by_key()['color']
    for ax, key in zip(axes.flat, keys):
        for i, (log, name) in enumerate(zip(logs, names)):
            xs, ys, phase = curve(log, key)
            if not len(xs):
                continue
            val = key not in {k for r in log['train'] for k in r}
            where = sorted(set(phase.tolist()))
            label = f'{name} (phase {", ".join(map(str, where))})' \
                if len(split_phases(log)[0]) > 1 else name
            ax.plot(xs, ys, marker='o' if val or len(xs) < 30 else None,
                    markersize=4, linewidth=1.2, label=label,
                    color=colors[i % len(colors)])
            print(f'{log["path"]}: {key}: {len(xs)} points, phases '
                  f'{where}')
        ax.set_title(key, fontsize=11)
        ax.set_ylabel(key.split('/')[-1])
        ax.grid(alpha=0.3)
        for log in logs:
            for n, x in enumerate(split_phases(log)[1], start=2):
                ax.axvline(x, color='0.3', linestyle='--', linewidth=1)
                ax.axvspan(x, log['train'][-1]['iter'], color='0.5',
                           alpha=0.08, linewidth=0)
                ax.annotate(f'phase {n} \u2192', (x, 1), xycoords=(
                    'data', 'axes fraction'), xytext=(3, -12),
                    textcoords='offset points', fontsize=9, color='0.2')
        ax.legend(fontsize=8, loc='best')
    for ax in axes.flat[len(keys):]:
        ax.set_visible(False)
    per_epoch = iters_per_epoch(logs[0]['train'])
    for ax in axes[-1]:
        ax.set_xlabel('training iteration' + (
            f' ({per_epoch} per epoch; validation at the end of its epoch)'
            if per_epoch else ''))
    fig.suptitle(args.title or 'Training curves: ' + ', '.join(names),
                 fontsize=13)
    fig.tight_layout()
    if args.out is None:
        plt.show()
    else:
        fig.savefig(args.out, dpi=110)
        print(f'save curve to: {args.out}')
    return fig


def cal_train_time(logs, args):
    """Mean time per training iteration: per epoch, per phase, overall.

    Returns:
        list[dict]: per log, ``average`` and ``phases`` (s/iter).
    """
    summaries = []
    for log in logs:
        print(f'{"-" * 5}Analyze train time of {log["path"]}{"-" * 5}')
        train = [r for r in log['train'] if 'time' in r]
        if not train:
            raise LogError(f'{log["path"]}: no training record has "time"')
        if 'epoch' in train[0]:
            means = []
            for _, records in groupby(train, key=lambda r: r['epoch']):
                times = [r['time'] for r in records]
                if not args.include_outliers and len(times) > 1:
                    times = times[1:]
                means.append(float(np.mean(times)))
            means = np.array(means)
            print(f'slowest epoch {means.argmax() + 1}, average time is '
                  f'{means.max():.4f}')
            print(f'fastest epoch {means.argmin() + 1}, average time is '
                  f'{means.min():.4f}')
            print(f'time std over epochs is {means.std():.4f}')
        phases, _ = split_phases(dict(log, train=train))
        phase_means = [float(np.mean([r['time'] for r in p])) for p in phases]
        if len(phases) > 1:
            for n, (p, mean) in enumerate(zip(phases, phase_means), 1):
                print(f'phase {n} (iterations {p[0]["iter"]}-'
                      f'{p[-1]["iter"]}): average iter time {mean:.4f} s/iter')
        average = float(np.mean([r['time'] for r in train]))
        print(f'average iter time: {average:.4f} s/iter\n')
        summaries.append(dict(average=average, phases=phase_means))
    return summaries


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Analyze JSON logs')
    sub = parser.add_subparsers(dest='task', required=True)
    plot = sub.add_parser('plot_curve', help='plot loss / metric curves')
    plot.add_argument('json_logs', nargs='+', help='scalars.json files '
                      '(or run folders)')
    plot.add_argument('--keys', nargs='+', default=['loss'],
                      help='keys or shell patterns to plot, e.g. loss '
                      "'loss_*' wsol/MaxBoxAccV2")
    plot.add_argument('--title', help='title of the figure')
    plot.add_argument('--legend', nargs='+', help='one name per log')
    plot.add_argument('--out', help='save the figure here (PNG)')
    plot.add_argument('--window-size', default='12*7',
                      help='figure size in inches, "W*H"')
    timing = sub.add_parser('cal_train_time',
                            help='average time per training iteration')
    timing.add_argument('json_logs', nargs='+')
    timing.add_argument('--include-outliers', action='store_true',
                        help='count the first iteration of every epoch')
    args = parser.parse_args(argv)
    size = getattr(args, 'window_size', '1*1')
    if not re.fullmatch(r'\d+\*\d+', size):
        parser.error(f'--window-size must be "W*H", got {size}')
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        logs = [load_json_log(find_json_log(p)) for p in args.json_logs]
        if args.task == 'plot_curve':
            return plot_curve(logs, args)
        return cal_train_time(logs, args)
    except LogError as err:
        sys.exit(f'error: {err}')


if __name__ == '__main__':
    main()
