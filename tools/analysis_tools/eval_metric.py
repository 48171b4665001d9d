"""Re-score saved predictions without running the model.

    python tools/test.py CONFIG CKPT --out preds.pkl
    python tools/analysis_tools/eval_metric.py CONFIG preds.pkl \\
        [--cfg-options test_evaluator.protocol=ornet \\
                       test_evaluator.threshold_selection=fixed \\
                       test_evaluator.fixed_threshold=0.5] [--out m.json]

``preds.pkl`` is what ``tools/test.py --out`` dumps (mmengine's
``DumpResults``): one dict per test image with everything the metric reads
(``score_map`` at native size, ``pred_score``, ``gt_label``,
``gt_bboxes``, ``gt_mask`` and the metainfo ``ori_gt_bboxes``,
``ori_shape``, ``img_shape``, ``scale_factor``, ...). The config's
``test_evaluator`` (after ``--cfg-options``) scores them in batches of the
test dataloader's size, as ``tools/test.py`` does, so the same settings
give the same figures, to the last digit on the same device. The maps are
moved to ``--device`` first (default: CUDA when available, as
``tools/test.py`` runs). Calibrated thresholds: re-score a ``train_fullsup``
pickle with ``test_evaluator.save_thresholds=thr.json``, then the test
pickle with ``threshold_selection=calibrated calibration_file=thr.json``.
"""
import argparse
import json
import os.path as osp
import sys

import mmengine
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope

import mmwsol  # noqa: F401  (registers LocalizationMetric)
from mmwsol.utils.tool_config import (add_cfg_options_argument,
                                      load_tool_config)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Re-score a tools/test.py --out pickle with the '
        "config's test_evaluator")
    parser.add_argument('config', help='config file path')
    parser.add_argument('pkl_results', help='tools/test.py --out pickle')
    add_cfg_options_argument(parser)
    parser.add_argument('--out', help='also write the metrics to this JSON')
    parser.add_argument('--device', default=None,
                        help='device of the metric (default: cuda when '
                        'available, else cpu)')
    return parser.parse_args(argv)


def load_predictions(path):
    """The pickle's list of per-image dicts, checked."""
    if not osp.isfile(path):
        sys.exit(f'error: predictions file not found: {path}')
    try:
        predictions = mmengine.load(path, file_format='pkl')
    except Exception as err:
        sys.exit(f'error: {path}: not a readable pickle ({err})')
    if not isinstance(predictions, list) or not predictions:
        sys.exit(f'error: {path}: expected a non-empty list of data samples '
                 '(tools/test.py --out), got '
                 f'{type(predictions).__name__}')
    for i, sample in enumerate(predictions):
        if not isinstance(sample, dict) or 'score_map' not in sample:
            sys.exit(f'error: {path}: item {i} is not a data sample with a '
                     '"score_map" (write the file with tools/test.py --out '
                     'on a WSOL model)')
    return predictions


def to_device(sample, device):
    return {
        k: v.to(device) if isinstance(v, torch.Tensor) else v
        for k, v in sample.items()
    }


def main(argv=None):
    """Returns the metrics (dict)."""
    args = parse_args(argv)
    cfg = load_tool_config(args.config, args.cfg_options)
    if cfg.get('test_evaluator') is None:
        sys.exit(f'error: {args.config} has no test_evaluator')
    init_default_scope(cfg.get('default_scope', 'mmwsol'))
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    predictions = [
        to_device(s, device) for s in load_predictions(args.pkl_results)
    ]
    evaluator = Evaluator(cfg.test_evaluator)
    batch_size = cfg.get('test_dataloader', {}).get('batch_size', 32)
    metrics = evaluator.offline_evaluate(
        predictions, None, chunk_size=batch_size)
    print('  '.join(f'{k}: {v:.4f}' if isinstance(v, float) else f'{k}: {v}'
                    for k, v in metrics.items()))
    if args.out is not None:
        with open(args.out, 'w') as f:
            json.dump(metrics, f, indent=2)
        print(f'metrics written to {args.out}')
    return metrics


if __name__ == '__main__':
    main()
