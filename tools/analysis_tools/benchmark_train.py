"""Training-step time and peak memory of LowCAM's phase 2.

    python tools/analysis_tools/benchmark_train.py [--config CONFIG] [--device cpu]

Phase 2 is the expensive phase: every step runs the frozen evaluator F^e
(VGG16 in the release) forward *and* backward to its input, on the image
masked by the erased map p~. This script times one full training step
(data preprocessor, forward, the three losses, backward, Adam step through
mmengine's ``train_step``) at the release's batch 16 and 224 px, for two
implementations of the attentive erasing:

- ``batched``: mmwsol's :class:`AttentiveErasing` (vectorised on the
  device, no host round trip);
- ``loop``: a straightforward per-sample Python loop written below (the
  shape of the authors' release: ``torch.nonzero`` per sample, NumPy
  ``randint``/``binomial`` on host copies of the map, one host-device round
  trip per sample).

Each variant runs in a fresh subprocess, so its peak memory is its own:
on the CPU the peak resident set size (``ru_maxrss``) and its increase over
the RSS after building the model; on CUDA ``torch.cuda.max_memory_
allocated``. It also times the erasing op alone (forward, ``B x 1 x 56 x
56`` maps). With ``--device cuda`` both AMP off and on are measured (images
per second). Weights are random (nothing is downloaded); timings do not
depend on them.
"""
import argparse
import json
import os
import os.path as osp
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import mmengine
import numpy as np
import torch
import torch.nn as nn

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


class LoopAttentiveErasing(nn.Module):
    """Attentive erasing written as a plain per-sample loop (reference for
    the benchmark; same distribution as :class:`AttentiveErasing` with its
    release quirks off, except for its random streams)."""

    def __init__(self, prob=0.5, min_factor=0.0, max_factor=0.5,
                 min_height=4, min_width=4, scale=0.6, shift=0.2):
        super().__init__()
        self.prob, self.min_factor, self.max_factor = prob, min_factor, \
            max_factor
        self.min_height, self.min_width = min_height, min_width
        self.scale, self.shift = scale, shift
        self.register_buffer('num_selected', torch.zeros((), dtype=torch.long),
                             persistent=False)
        self.register_buffer('num_skipped', torch.zeros((), dtype=torch.long),
                             persistent=False)

    def forward(self, p_a):
        x_prime = self.scale * p_a + self.shift
        if not self.training:
            return x_prime
        batch, _, height, width = p_a.shape
        factor = np.random.uniform(self.min_factor, self.max_factor)
        noise = torch.ones_like(p_a)
        for b in range(batch):
            if np.random.rand() >= self.prob:
                continue
            self.num_selected += 1
            amap = p_a[b, 0].detach()
            top, centre = amap.flatten().max(0)
            cy, cx = int(centre) // width, int(centre) % width
            low = amap.min()
            threshold = top - (top - low) * factor
            hits = torch.nonzero(amap > threshold)
            if len(hits) == 0:
                self.num_skipped += 1
                continue
            span_h = int(hits[:, 0].max() - hits[:, 0].min()) // 2
            span_w = int(hits[:, 1].max() - hits[:, 1].min()) // 2
            if span_h <= self.min_height or span_w <= self.min_width:
                self.num_skipped += 1
                continue
            h = np.random.randint(self.min_height, span_h)
            w = np.random.randint(self.min_width, span_w)
            inside = ((hits[:, 0] - cy).abs() < h) & (
                (hits[:, 1] - cx).abs() < w)
            region = hits[inside]
            drop_prob = x_prime[b, 0].detach().cpu().numpy().astype(
                np.float64)
            keep = torch.as_tensor(
                np.random.binomial(1, 1 - drop_prob),
                dtype=p_a.dtype,
                device=p_a.device)
            noise[b, 0, region[:, 0], region[:, 1]] = keep[region[:, 0],
                                                           region[:, 1]]
        return x_prime * noise


def build_phase2_model(config, device, erasing):
    from mmengine.config import Config

    from mmwsol.registry import MODELS
    from mmwsol.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(config)
    model = MODELS.build(cfg.model)
    model.neck.init_weights()
    model.head.init_weights()
    if model.evaluator is None:
        raise SystemExit(f'{config}: the model has no evaluator.')
    model.evaluator.ready.fill_(1)  # random weights are fine for timing
    model.set_phase(2, prepare_evaluator=False)
    if erasing == 'loop':
        old = model.erasing
        model.erasing = LoopAttentiveErasing(
            old.prob, old.min_factor, old.max_factor, old.min_height,
            old.min_width, old.scale, old.shift)
    return model.to(device).train()


def make_batch(batch_size, img_size, num_classes):
    from mmpretrain.structures import DataSample
    gen = torch.Generator().manual_seed(0)
    inputs = [
        torch.randint(0, 256, (3, img_size, img_size), generator=gen,
                      dtype=torch.uint8) for _ in range(batch_size)
    ]
    samples = [
        DataSample(metainfo=dict(img_shape=(img_size, img_size))
                   ).set_gt_label(i % num_classes) for i in range(batch_size)
    ]
    return dict(inputs=inputs, data_samples=samples)


def rss_mib():
    with open('/proc/self/statm') as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf('SC_PAGE_SIZE') / 2**20


def sync(device):
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def run_single(args):
    """One variant in this process; writes a JSON result."""
    from mmengine.optim import AmpOptimWrapper, OptimWrapper
    torch.manual_seed(0)
    np.random.seed(0)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = args.device
    model = build_phase2_model(args.config, device, args.erasing)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=1e-4, weight_decay=0)
    wrapper = (AmpOptimWrapper(optimizer=optimizer) if args.amp else
               OptimWrapper(optimizer=optimizer))
    data = make_batch(args.batch_size, args.img_size, model.head.num_classes)

    # the erasing op alone, on maps of the model's size
    with torch.no_grad():
        probe = model.data_preprocessor(data, True)['inputs']
        p_a = model.neck(model.splitter.forward_low(probe))[1]
    erase_times = []
    for i in range(args.erase_reps + 2):
        sync(device)
        start = time.perf_counter()
        model.erasing(p_a)
        sync(device)
        if i >= 2:
            erase_times.append(time.perf_counter() - start)

    base_rss = rss_mib()
    if device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
        base_gpu = torch.cuda.memory_allocated() / 2**20
    step_times, logs = [], None
    for i in range(args.warmup + args.steps):
        sync(device)
        start = time.perf_counter()
        logs = model.train_step(data, optim_wrapper=wrapper)
        sync(device)
        if i >= args.warmup:
            step_times.append(time.perf_counter() - start)
    step = statistics.median(step_times)
    result = dict(
        erasing=args.erasing,
        device=device,
        amp=bool(args.amp),
        batch_size=args.batch_size,
        img_size=args.img_size,
        threads=torch.get_num_threads(),
        map_size=list(p_a.shape[-2:]),
        step_time_s=step,
        step_times_s=step_times,
        images_per_s=args.batch_size / step,
        erasing_ms=1000 * statistics.median(erase_times),
        loss=float(logs['loss']),
        rss_after_build_mib=base_rss,
        peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss /
        1024)
    result['peak_rss_increase_mib'] = result['peak_rss_mib'] - base_rss
    if device.startswith('cuda'):
        result['peak_gpu_mib'] = torch.cuda.max_memory_allocated() / 2**20
        result['peak_gpu_increase_mib'] = result['peak_gpu_mib'] - base_gpu
        result['gpu'] = torch.cuda.get_device_name()
    with open(args.result, 'w') as f:
        json.dump(result, f)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Time and memory of a LowCAM phase-2 training step '
        '(batched vs per-sample-loop erasing).')
    parser.add_argument(
        '--config',
        default=osp.join(REPO_ROOT, 'configs/lowcam/lowcam_resnet50_cub.py'),
        help='a LowCAM config with an evaluator (default: the release '
        'architecture, ResNet-50 stem + VGG16 evaluator)')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--img-size', type=int, default=224)
    parser.add_argument('--steps', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--erase-reps', type=int, default=20)
    parser.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument(
        '--threads', type=int, default=0,
        help='torch threads (0: torch default)')
    parser.add_argument(
        '--variants', nargs='+', default=['batched', 'loop'],
        choices=['batched', 'loop'])
    parser.add_argument('--out', help='write all results to this JSON file')
    # internal: run one variant
    parser.add_argument(
        '--single', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--erasing', help=argparse.SUPPRESS)
    parser.add_argument('--amp', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--result', help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.single:
        run_single(args)
        return None
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        sys.exit('error: --device cuda but torch.cuda.is_available() is '
                 'False.')
    amp_modes = [False, True] if args.device.startswith('cuda') else [False]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for amp in amp_modes:
            for variant in args.variants:
                out = osp.join(tmp, f'{variant}_{int(amp)}.json')
                cmd = [
                    sys.executable,
                    osp.abspath(__file__), '--single', '--erasing', variant,
                    '--result', out, '--config', args.config,
                    '--batch-size', str(args.batch_size), '--img-size',
                    str(args.img_size), '--steps', str(args.steps),
                    '--warmup', str(args.warmup), '--erase-reps',
                    str(args.erase_reps), '--device', args.device,
                    '--threads', str(args.threads)
                ] + (['--amp'] if amp else [])
                proc = subprocess.run(cmd, capture_output=True, text=True)
                if proc.returncode != 0:
                    sys.exit(f'variant {variant} (amp={amp}) failed:\n'
                             f'{proc.stderr[-4000:]}')
                with open(out) as f:
                    results.append(json.load(f))
    header = ('| erasing | device | AMP | step (s) | images/s | erasing op '
              '(ms) | peak memory (MiB) | increase (MiB) |')
    print(f'config {args.config}, batch {args.batch_size}, '
          f'{args.img_size} px, {results[0]["threads"]} threads, map '
          f'{results[0]["map_size"]}')
    print(header)
    print('|' + ' --- |' * 8)
    for r in results:
        cuda = r['device'].startswith('cuda')
        peak = r['peak_gpu_mib'] if cuda else r['peak_rss_mib']
        inc = r['peak_gpu_increase_mib'] if cuda else \
            r['peak_rss_increase_mib']
        print(f"| {r['erasing']} | {r.get('gpu', r['device'])} | "
              f"{'on' if r['amp'] else 'off'} | {r['step_time_s']:.3f} | "
              f"{r['images_per_s']:.2f} | {r['erasing_ms']:.3f} | "
              f"{peak:.0f} | {inc:.0f} |")
    if args.out:
        mmengine.dump(results, args.out, file_format='json', indent=2)
    return results


if __name__ == '__main__':
    main()
