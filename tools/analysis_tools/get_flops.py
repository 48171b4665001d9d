"""FLOPs and parameters of a WSOL model, per forward path (mmpretrain
1.x's ``get_flops.py``, for CAM and LowCAM).

    python tools/analysis_tools/get_flops.py CONFIG [--shape H [W]]

Counts with :func:`mmengine.analysis.get_model_complexity_info` (one FLOP
is one multiply-add, as fvcore; a batch of one image) for each path:

- CAM: ``classifier``, the network's logits (``mode='tensor'``), and
  ``test``, what ``predict`` runs: the logits and the CAM of the top class.
- LowCAM: ``classifier``, the phase-1 main branch ``fc(GAP(F^c_high(
  F^c_1(x) * p^a)))`` with the generator ``F^g`` giving ``p^a`` (the side
  branch, a training loss only, is not counted); ``test``, what ``predict``
  runs: ``F^c_1`` and ``F^g`` for ``p^a``, and the class scores from the
  evaluator ``F^e`` on the image or from the main branch, as
  ``model.test_cfg.cls_source`` says (``'auto'``: ``F^e`` when the model
  has one, as a trained LowCAM does). The part not used at test (``F^e``
  or ``F^c_high`` + ``fc``) is not counted, and the output says which.
- any other model: ``classifier`` (``mode='tensor'``).

"Params" counts the parameters of the modules the path runs (each once).
Thresholding the map into a box does no multiply-adds and is not counted.
"""
import argparse
import logging
import sys
from typing import Callable, List, Tuple

import torch
import torch.nn as nn
from mmengine.analysis import get_model_complexity_info
from mmengine.logging import MMLogger

from mmwsol.registry import MODELS
from mmwsol.utils import register_all_modules
from mmwsol.utils.tool_config import (add_cfg_options_argument,
                                      load_tool_config)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='FLOPs and parameters of a WSOL model per path')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        help='input image size, H [W] (default: the config\'s `img_size` '
        'if it sets one, else 224)')
    parser.add_argument(
        '--no-table',
        action='store_true',
        help='print only the summary, not the per-module table')
    add_cfg_options_argument(parser)
    return parser.parse_args(argv)


def input_shape(args, cfg) -> Tuple[int, int, int]:
    shape = args.shape
    if shape is None:
        size = cfg.get('img_size', 224)
        shape = list(size) if isinstance(size, (list, tuple)) else [size]
    if len(shape) == 1:
        shape = [shape[0], shape[0]]
    if len(shape) != 2 or min(shape) <= 0:
        sys.exit(f'error: --shape takes H [W], positive, got {shape}')
    return (3, int(shape[0]), int(shape[1]))


class Path(nn.Module):
    """One forward path of ``model``: ``forward(x)`` calls ``run(model,
    x)``; ``model`` is a submodule so that the table names its modules.

    Args:
        model (nn.Module): the whole model.
        run (Callable): ``(model, x) -> tensor or tuple of tensors``.
    """

    def __init__(self, model: nn.Module, run: Callable):
        super().__init__()
        self.model = model
        self.run = run

    def forward(self, x):
        return self.run(self.model, x)


def cam_paths(model) -> List[Tuple[str, str, Callable]]:

    def predict(m, x):
        feats = m.feature_map(x)
        logits = m.head((m.neck((feats, ))[-1], ))
        return logits, m.class_activation_maps(feats, logits.argmax(dim=1))

    return [
        ('classifier', 'backbone -> GAP -> fc: the logits (tensor mode)',
         lambda m, x: m(x, mode='tensor')),
        ('test', 'predict: the logits and the CAM of the top class (the '
         'same network; the CAM, a weighted channel mean, is elementwise '
         'and not counted)', predict),
    ]


def lowcam_paths(model) -> List[Tuple[str, str, Callable]]:
    source = model.cls_source
    if source == 'auto':
        source = 'evaluator' if model.evaluator is not None else 'main'

    def with_source(name):

        def run(m, x):
            kept = m.cls_source
            m.cls_source = name
            try:
                return m(x, mode='tensor')
            finally:
                m.cls_source = kept

        return run

    if source == 'evaluator':
        test = ('F^c_1 -> F^g: p^a; F^e on the image: the class scores '
                f"(test_cfg.cls_source={model.cls_source!r}). Not counted: "
                'F^c_high and fc, which the test does not run')
    else:
        test = ('F^c_1 -> F^g: p^a; the main branch: the class scores '
                f"(test_cfg.cls_source={model.cls_source!r}). Not counted: "
                + ('the evaluator F^e, not used at test'
                   if model.evaluator is not None else 'no evaluator'))
    return [
        ('classifier', 'F^c_1 -> F^g: p^a -> F^c_high(F^c_1(x) * p^a) -> '
         'GAP -> fc (phase-1 main branch; the side branch, a training '
         'loss, not counted)', with_source('main')),
        ('test', test, with_source(source)),
    ]


def model_paths(model) -> List[Tuple[str, str, Callable]]:
    kind = type(model).__name__
    if kind == 'LowCAM' or hasattr(model, 'cls_source'):
        return lowcam_paths(model)
    if hasattr(model, 'class_activation_maps'):
        return cam_paths(model)
    return [('classifier', f'{kind} in tensor mode',
             lambda m, x: m(x, mode='tensor'))]


def used_parameters(module: nn.Module, inputs: torch.Tensor) -> int:
    """Number of parameters of the modules that run in ``module(inputs)``
    (each counted once)."""
    ran = {}

    def record(mod, _inputs):  # returns None: the inputs stay as they are
        ran[id(mod)] = mod

    handles = [
        m.register_forward_pre_hook(record) for m in module.modules()
        if any(True for _ in m.parameters(recurse=False))
    ]
    try:
        with torch.no_grad():
            module(inputs)
    finally:
        for handle in handles:
            handle.remove()
    seen = {}
    for mod in ran.values():
        for param in mod.parameters(recurse=False):
            seen[id(param)] = param.numel()
    return sum(seen.values())


class _UncalledModulesFilter(logging.Filter):
    """Drops the analyzer's list of modules a path does not run (each path
    leaves parts of the model out by design; the summary says which)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return 'never called during the trace' not in record.getMessage()


def complexity(path: nn.Module, inputs: torch.Tensor, show_table: bool):
    """:func:`get_model_complexity_info` of ``path`` on ``inputs``."""
    logger = MMLogger.get_current_instance()
    quiet = _UncalledModulesFilter()
    logger.addFilter(quiet)
    try:
        return get_model_complexity_info(
            path, inputs=(inputs, ), show_table=show_table, show_arch=False)
    finally:
        logger.removeFilter(quiet)


def format_count(count: int) -> str:
    for unit, size in (('G', 1e9), ('M', 1e6), ('K', 1e3)):
        if count >= size:
            return f'{count / size:.3f}{unit}'
    return str(count)


def main(argv=None):
    args = parse_args(argv)
    cfg = load_tool_config(args.config, args.cfg_options)
    register_all_modules()
    shape = input_shape(args, cfg)
    model = MODELS.build(cfg.model)
    model.eval()
    inputs = torch.randn(1, *shape)

    rows = []
    for name, description, run in model_paths(model):
        path = Path(model, run).eval()
        info = complexity(path, inputs, not args.no_table)
        params = used_parameters(path, inputs)
        rows.append((name, description, info['flops'], params))
        if not args.no_table:
            print(f'== {name} path ==')
            print(info['out_table'])
            print()

    line = '=' * 72
    print(line)
    print(f'Model: {type(model).__name__} ({args.config})')
    print(f'Input shape: {shape} (C, H, W), batch 1')
    for name, description, flops, params in rows:
        print(f'{name}: Flops {format_count(flops)} ({flops})  '
              f'Params {format_count(params)} ({params})')
        print(f'    {description}')
    print(line)
    print('One FLOP is one multiply-add (fvcore). Not counted: the ops the '
          '"Unsupported operator" warnings above name (activations, '
          'max pooling, elementwise products; the activation counter '
          'also warns about batch_norm and upsampling, whose FLOPs are '
          'counted) '
          'and thresholding the map into a box. Check them before citing '
          'these numbers.')


if __name__ == '__main__':
    main()
