"""Draw the learning rate (or momentum, weight decay) of every parameter
group at every iteration of a config's schedule, phase switches included.

    python tools/visualization/vis_scheduler.py CONFIG [--dataset-size N] \\
        [--ngpus 1] [-p lr] --out lr.png [--cfg-options ...]

Nothing is trained: mmengine's Runner runs the config's train loop over a
dataset of placeholders with the config's real model (built, not
initialised: no pretrained weights are read), optimizer wrapper and
parameter schedulers, and the config's ``TwoPhaseTrainingHook`` if it has
one, so LowCAM's switch (``model.set_phase(2)``, the phase-2 optimizer and
schedulers built relative to the switch) is the hook's own code; the
model's ``train_step`` is replaced by a no-op and the evaluator's
checkpoint is not read. Other custom hooks are left out. Iterations per
epoch follow mmengine's ``DefaultSampler`` (``ceil(N / ngpus)`` samples
per process, ``ceil`` or, with ``drop_last``, ``floor`` over the batch
size); without ``--dataset-size`` the training dataset is built to count
it. ``auto_scale_lr`` is not applied. LowCAM's stage 0 (its evaluator's
own training) is another run: draw it from the evaluator's config.

Parameters that share a curve over the whole run are drawn as one line,
named by their top-level modules; one panel per phase.
"""
import argparse
import math
import os.path as osp
import re
import sys
import tempfile
import warnings
from unittest.mock import MagicMock

import numpy as np
from mmengine.hooks import Hook, ParamSchedulerHook
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.visualization import Visualizer

import mmwsol  # noqa: F401  (registers mmwsol's modules)
from mmwsol.engine.hooks import TwoPhaseTrainingHook
from mmwsol.utils.tool_config import (add_cfg_options_argument,
                                      load_tool_config)

PARAMETERS = dict(lr='Learning rate', momentum='Momentum',
                  wd='Weight decay')


def group_value(group, parameter):
    """``lr``, ``momentum`` (Adam: ``betas[0]``) or ``wd`` of a group."""
    if parameter == 'lr':
        return group['lr']
    if parameter == 'wd':
        return group.get('weight_decay', 0.0)
    if 'momentum' in group:
        return group['momentum']
    return group['betas'][0] if 'betas' in group else float('nan')


class ScheduleRecordHook(Hook):
    """Records, before every iteration (after any switch), the value of
    each parameter group and which group holds each parameter."""

    priority = 'LOWEST'

    def __init__(self, parameter):
        self.parameter = parameter
        #: one dict per optimizer the run used: ``start`` (iteration),
        #: ``optimizer`` (class name), ``members`` (parameter name -> group
        #: index), ``values`` (list of per-group values, one per iteration)
        self.eras = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        optimizer = runner.optim_wrapper.optimizer
        if not self.eras or self.eras[-1]['id'] != id(optimizer):
            names = {id(p): n for n, p in runner.model.named_parameters()}
            members = {
                names[id(p)]: g
                for g, group in enumerate(optimizer.param_groups)
                for p in group['params'] if id(p) in names
            }
            self.eras.append(
                dict(id=id(optimizer), start=runner.iter, values=[],
                     optimizer=type(optimizer).__name__, members=members))
        self.eras[-1]['values'].append([
            group_value(g, self.parameter) for g in optimizer.param_groups
        ])


class NoEvaluatorTwoPhaseHook(TwoPhaseTrainingHook):
    """The config's TwoPhaseTrainingHook, switching without reading the
    evaluator's checkpoint (its weights play no part in the schedule)."""

    def switch(self, runner, start_epoch, start_iter,
               prepare_evaluator=True):
        super().switch(runner, start_epoch, start_iter,
                       prepare_evaluator=False)


class ScheduleRunner(Runner):
    """A Runner that never initialises or moves the model's weights."""

    def _init_model_weights(self):
        pass

    def wrap_model(self, model_wrapper_cfg, model):
        return model


class Placeholders(list):
    """A training "dataloader" of ``n`` placeholder batches."""
    dataset = MagicMock(metainfo=None)


def iterations_per_epoch(cfg, dataset_size, ngpus):
    loader = cfg.train_dataloader
    per_rank = math.ceil(dataset_size / ngpus)
    if loader.get('drop_last', False):
        return per_rank // loader.batch_size
    return math.ceil(per_rank / loader.batch_size)


def count_dataset(cfg):
    from mmwsol.registry import DATASETS
    try:
        return len(DATASETS.build(cfg.train_dataloader.dataset))
    except Exception as err:  # the dataset's own message, then the way out
        sys.exit(f'error: cannot build the training dataset to count its '
                 f'images ({type(err).__name__}: {err}); pass '
                 '--dataset-size N instead')


def custom_hooks(cfg):
    """The TwoPhaseTrainingHook of the config (as the no-evaluator one)."""
    hooks = []
    for hook in cfg.get('custom_hooks', None) or []:
        if hook.get('type') in ('TwoPhaseTrainingHook', TwoPhaseTrainingHook):
            hooks.append(
                NoEvaluatorTwoPhaseHook(
                    **{k: v
                       for k, v in hook.items() if k != 'type'}))
    return hooks


def simulate(cfg, iters_per_epoch, parameter='lr'):
    """Run the schedule without training.

    Returns:
        tuple[list[dict], dict]: the eras (see :class:`ScheduleRecordHook`)
        and ``dict(by_epoch=..., iters_per_epoch=..., max_iters=...)``.
    """
    by_epoch = cfg.train_cfg.get(
        'by_epoch', cfg.train_cfg.get('type') == 'EpochBasedTrainLoop')
    num_batches = iters_per_epoch if by_epoch else 1
    record = ScheduleRecordHook(parameter)
    default_hooks = dict(
        param_scheduler=ParamSchedulerHook(), runtime_info=None, timer=None,
        logger=None, checkpoint=None, sampler_seed=None, record=record)
    with tempfile.TemporaryDirectory() as work_dir:
        runner = ScheduleRunner(
            model=cfg.model,
            work_dir=work_dir,
            train_dataloader=Placeholders(range(num_batches)),
            train_cfg=cfg.train_cfg,
            optim_wrapper=cfg.optim_wrapper,
            param_scheduler=cfg.get('param_scheduler', None),
            default_scope=cfg.get('default_scope', 'mmwsol'),
            default_hooks=default_hooks,
            custom_hooks=custom_hooks(cfg),
            visualizer=MagicMock(spec=Visualizer),
            log_level='WARNING')
        runner.model.train_step = lambda data, optim_wrapper: {}
        with warnings.catch_warnings():  # no optimizer.step() is the point
            warnings.filterwarnings(
                'ignore', message='Detected call of `scheduler.step')
            runner.train()
    info = dict(by_epoch=by_epoch, iters_per_epoch=iters_per_epoch,
                max_iters=runner.max_iters)
    return record.eras, info


def curves(eras):
    """Lines of parameters sharing a trajectory.

    Returns:
        list[dict]: ``names`` (parameter names), ``values`` ``(T,)`` (NaN
        where the parameter is in no group of that era's optimizer).
    """
    per_era = []  # per era: parameter -> index of its distinct column
    columns = []
    for era in eras:
        values = np.asarray(era['values'], dtype=float)  # (T_era, groups)
        unique, inverse = np.unique(values, axis=1, return_inverse=True)
        columns.append(unique)
        per_era.append({n: int(inverse.reshape(-1)[g])
                        for n, g in era['members'].items()})
    names = sorted({n for m in per_era for n in m})
    lines = {}
    for name in names:
        key = tuple(m.get(name, -1) for m in per_era)
        lines.setdefault(key, []).append(name)
    result = []
    for key, members in lines.items():
        parts = [
            columns[e][:, c] if c >= 0 else np.full(len(columns[e]), np.nan)
            for e, c in enumerate(key)
        ]
        result.append(dict(names=members, values=np.concatenate(parts)))
    return result


def describe(names):
    tops = sorted({n.split('.')[0] for n in names})
    return f'{", ".join(tops)} ({len(names)} tensors)'


def plot(eras, info, args, title):
    """One panel per optimizer era (phase), a line per curve.

    Returns:
        matplotlib.figure.Figure
    """
    import matplotlib
    if args.out is not None:
        matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FormatStrFormatter

    lines = curves(eras)
    width, height = (int(v) for v in args.window_size.split('*'))
    spans = [len(e['values']) for e in eras]
    fig, axes = plt.subplots(
        1, len(eras), squeeze=False, figsize=(width, height),
        gridspec_kw=dict(width_ratios=[max(s, 0.45 * max(spans))
                                       for s in spans]))
    colors = plt.rcParams['axes.prop_cycle'].by_key()['color']
    label = PARAMETERS[args.parameter]
    per_epoch = info['iters_per_epoch'] if info['by_epoch'] else None
    for n, (ax, era) in enumerate(zip(axes[0], eras)):
        start, stop = era['start'], era['start'] + len(era['values'])
        xs = np.arange(start, stop)
        for i, line in enumerate(lines):
            ys = line['values'][start:stop]
            if np.isnan(ys).all():
                continue
            ax.plot(xs, ys, linewidth=1.5, color=colors[i % len(colors)],
                    label=describe(line['names']))
        phase = f'phase {n + 1}: ' if len(eras) > 1 else ''
        ax.set_title(f'{phase}{era["optimizer"]}, iterations '
                     f'{start}-{stop - 1}', fontsize=11,
                     pad=30 if per_epoch else 6)
        ax.set_xlabel('iteration')
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.yaxis.set_major_formatter(FormatStrFormatter('%.3g'))
        if per_epoch:
            top = ax.secondary_xaxis(
                'top', functions=(lambda x: x / per_epoch,
                                  lambda e: e * per_epoch))
            top.set_xlabel('epoch')
    handles = {}
    for ax in axes[0]:
        for handle, name in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(name, handle)
    fig.legend(handles.values(), handles.keys(), loc='lower center',
               ncol=min(len(handles), 3), fontsize=9)
    fig.suptitle(title, fontsize=13)
    fig.tight_layout(rect=(0, 0.04 * math.ceil(len(handles) / 3) + 0.02,
                           1, 1))
    if args.out is None:
        plt.show()
    else:
        fig.savefig(args.out, dpi=110)
        print(f'The {label} graph is saved at {args.out}')
    return fig


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Draw the parameter schedule of a config')
    parser.add_argument('config', help='config file path')
    parser.add_argument('-p', '--parameter', default='lr',
                        choices=list(PARAMETERS),
                        help='what to draw (default: lr)')
    parser.add_argument('-d', '--dataset-size', type=int,
                        help='training images; default: build the dataset '
                        'and count them')
    parser.add_argument('-n', '--ngpus', type=int, default=1,
                        help='processes of the training (default 1)')
    parser.add_argument('--out', '-s', '--save-path', dest='out',
                        help='save the figure here (PNG); default: show it')
    parser.add_argument('--title', help='title of the figure')
    parser.add_argument('--window-size', default='12*6',
                        help='figure size in inches, "W*H"')
    add_cfg_options_argument(parser)
    args = parser.parse_args(argv)
    if not re.fullmatch(r'\d+\*\d+', args.window_size):
        parser.error(f'--window-size must be "W*H", got {args.window_size}')
    for name in ('dataset_size', 'ngpus'):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f'--{name.replace("_", "-")} must be >= 1')
    return args


def main(argv=None):
    """Returns ``(eras, info)`` (see :func:`simulate`)."""
    args = parse_args(argv)
    cfg = load_tool_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmwsol'))
    size = args.dataset_size or count_dataset(cfg)
    per_epoch = iterations_per_epoch(cfg, size, args.ngpus)
    if per_epoch < 1:
        sys.exit(f'error: {size} images over {args.ngpus} processes give no '
                 'full batch (drop_last)')
    print(f'dataset size {size}, batch {cfg.train_dataloader.batch_size} '
          f'per process x {args.ngpus}: {per_epoch} iterations per epoch')
    eras, info = simulate(cfg, per_epoch, args.parameter)
    for n, era in enumerate(eras, 1):
        first, last = era['values'][0], era['values'][-1]
        print(f'phase {n}: {era["optimizer"]} from iteration {era["start"]}'
              f', {len(era["values"])} iterations, {args.parameter} of the '
              f'first group {first[0]:.6g} -> {last[0]:.6g}')
    if 'evaluator_stage' in cfg:
        print('(stage 0, the evaluator, is trained by its own config: draw '
              'its schedule from model.evaluator.config)')
    plot(eras, info, args,
         args.title or f'{osp.basename(args.config)}: '
         f'{PARAMETERS[args.parameter].lower()} per parameter group')
    return eras, info


if __name__ == '__main__':
    main()
