"""Training-step time and peak memory of LowCAM's two phases.

    python tools/analysis_tools/benchmark_train.py [--phases 1 2]
        [--precisions fp32 bf16] [--memory-formats contiguous channels_last]
        [--batch-sizes 16] [--compile off on] [--device cpu|cuda]

Phase 2 is the expensive phase: every step runs the frozen evaluator F^e
(VGG16 in the release) forward *and* backward to its input, on the image
masked by the erased map p~. Phase 1 trains F^c with its two
classification losses. This script times one full training step (data
preprocessor, forward, the losses, backward, optimizer step through
mmengine's ``train_step``; SGD in phase 1, Adam in phase 2) at the
release's batch 16 and 224 px, for every combination of

- ``--variants`` (phase 2 only), the attentive erasing: ``batched``,
  mmwsol's :class:`AttentiveErasing` (vectorised on the device, no host
  round trip), or ``loop``, a straightforward per-sample Python loop
  written below (the shape of the authors' release: ``torch.nonzero`` per
  sample, NumPy ``randint``/``binomial`` on host copies of the map, one
  host-device round trip per sample);
- ``--precisions``: ``fp32``; ``bf16`` (autocast: on the CPU
  :class:`~mmwsol.engine.optimizers.BF16AutocastOptimWrapper`, what
  ``tools/train.py --amp`` uses there; on CUDA ``AmpOptimWrapper`` with
  ``dtype='bfloat16'``); ``fp16`` (CUDA only: ``AmpOptimWrapper``, dynamic
  loss scale, what ``--amp`` uses on a GPU);
- ``--memory-formats``: ``contiguous`` or ``channels_last`` (the model's
  4-D weights, hence its convolutions);
- ``--compile``: ``off`` or ``on`` (``torch.compile`` of the model's
  forward; AOTAutograd compiles its backward);
- ``--batch-sizes``.

Each combination runs in a fresh subprocess (``--in-process`` runs them
one after another in this one, saving the start-up on a GPU), so its peak
memory is its own: on the CPU the peak resident set size (``ru_maxrss``)
and its increase over the RSS after building the model; on CUDA
``torch.cuda.max_memory_allocated``. Every run starts from the same weights
and batch, so the first step's loss compares the precisions (bf16 and
fp16 against fp32). It also times the erasing op alone (forward,
``B x 1 x 56 x 56`` maps). Weights are random (nothing is downloaded);
timings do not depend on them. ``--dry-run``: the tiny synthetic LowCAM
at 32 px, batch 2, one step, ``torch.compile`` with the ``eager`` backend
(graph capture without code generation), to check the script in seconds.
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


def build_model(config, device, phase, erasing='batched'):
    """LowCAM of ``config`` in ``phase`` (random weights, evaluator marked
    ready), with the batched or the loop erasing, in train mode."""
    from mmengine.config import Config

    from mmwsol.registry import MODELS
    from mmwsol.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(config)
    model = MODELS.build(cfg.model)
    model.neck.init_weights()
    model.head.init_weights()
    if phase == 2:
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


def to_channels_last(model):
    """``model`` with channels_last 4-D weights (hence activations).

    mmpretrain's VGG flattens its last feature map with ``view``, which a
    channels_last tensor does not allow: its last feature layer returns a
    contiguous tensor here (one copy of a ``B x 512 x 7 x 7`` map).
    """
    from mmpretrain.models.backbones import VGG
    model = model.to(memory_format=torch.channels_last)
    for module in model.modules():
        if isinstance(module, VGG) and module.num_classes > 0:
            last = getattr(module, module.module_name)[
                module.range_sub_modules[-1][1] - 1]
            last.register_forward_hook(
                lambda mod, args, out: out.contiguous())
    return model


def build_optim_wrapper(params, phase, precision, device):
    """The wrapper ``tools/train.py`` would use for ``precision``."""
    from mmengine.optim import AmpOptimWrapper, OptimWrapper

    from mmwsol.engine.optimizers import BF16AutocastOptimWrapper
    optimizer = (torch.optim.SGD(params, lr=1e-3, momentum=0.9)
                 if phase == 1 else torch.optim.Adam(params, lr=1e-4))
    if precision == 'fp32':
        return OptimWrapper(optimizer=optimizer)
    if device.startswith('cuda'):
        return AmpOptimWrapper(
            optimizer=optimizer, loss_scale='dynamic',
            dtype='bfloat16' if precision == 'bf16' else 'float16')
    if precision == 'fp16':
        raise SystemExit('fp16 autocast is for CUDA; use bf16 on the CPU.')
    return BF16AutocastOptimWrapper(optimizer=optimizer, device_type='cpu')


def run_single(args, phase, erasing, precision, memory_format, compiled,
               batch_size):
    """One combination in this process; returns its result dict."""
    torch.manual_seed(0)
    np.random.seed(0)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = args.device
    model = build_model(args.config, device, phase, erasing)
    if memory_format == 'channels_last':
        model = to_channels_last(model)
    params = [p for p in model.parameters() if p.requires_grad]
    wrapper = build_optim_wrapper(params, phase, precision, device)
    if compiled == 'on':
        model.forward = torch.compile(
            model.forward, backend=args.compile_backend)
    data = make_batch(batch_size, args.img_size, model.head.num_classes)

    # the erasing op alone, on maps of the model's size
    with torch.no_grad():
        probe = model.data_preprocessor(data, True)['inputs']
        p_a = model.neck(model.splitter.forward_low(probe))[1]
    erase_times = []
    if phase == 2:
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
    step_times, first_loss, first_step = [], None, None
    for i in range(args.warmup + args.steps):
        sync(device)
        start = time.perf_counter()
        logs = model.train_step(data, optim_wrapper=wrapper)
        sync(device)
        if i == 0:
            first_loss = float(logs['loss'])
            first_step = time.perf_counter() - start
        if i >= args.warmup:
            step_times.append(time.perf_counter() - start)
    step = statistics.median(step_times)
    result = dict(
        phase=phase,
        erasing=erasing if phase == 2 else '-',
        device=device,
        precision=precision,
        memory_format=memory_format,
        compile=compiled,
        batch_size=batch_size,
        img_size=args.img_size,
        threads=torch.get_num_threads(),
        map_size=list(p_a.shape[-2:]),
        step_time_s=step,
        step_times_s=step_times,
        first_step_s=first_step,
        images_per_s=batch_size / step,
        erasing_ms=(1000 * statistics.median(erase_times)
                    if erase_times else None),
        loss=first_loss,
        rss_after_build_mib=base_rss,
        peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss /
        1024)
    result['peak_rss_increase_mib'] = result['peak_rss_mib'] - base_rss
    if device.startswith('cuda'):
        result['peak_gpu_mib'] = torch.cuda.max_memory_allocated() / 2**20
        result['peak_gpu_increase_mib'] = result['peak_gpu_mib'] - base_gpu
        result['gpu'] = torch.cuda.get_device_name()
    return result


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Time and memory of LowCAM training steps (phases 1 '
        'and 2; batched vs per-sample-loop erasing; fp32 / bf16 / fp16; '
        'channels_last; torch.compile).')
    parser.add_argument(
        '--config',
        default=osp.join(REPO_ROOT, 'configs/lowcam/lowcam_resnet50_cub.py'),
        help='a LowCAM config with an evaluator (default: the release '
        'architecture, ResNet-50 stem + VGG16 evaluator)')
    parser.add_argument('--phases', type=int, nargs='+', default=[2],
                        choices=[1, 2])
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[16])
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
        choices=['batched', 'loop'], help='phase-2 erasing')
    parser.add_argument(
        '--precisions', nargs='+', choices=['fp32', 'bf16', 'fp16'],
        help='default: fp32 and bf16 where the device has bf16 kernels')
    parser.add_argument(
        '--memory-formats', nargs='+', default=['contiguous'],
        choices=['contiguous', 'channels_last'])
    parser.add_argument('--compile', nargs='+', default=['off'],
                        choices=['off', 'on'])
    parser.add_argument('--compile-backend', default='inductor')
    parser.add_argument(
        '--in-process', action='store_true',
        help='run the combinations in this process (no start-up per '
        'combination; on the CPU the peak RSS is then cumulative)')
    parser.add_argument(
        '--dry-run', action='store_true',
        help='tiny LowCAM, 32 px, batch 2, one step, compile backend eager')
    parser.add_argument('--out', help='write all results to this JSON file')
    # internal: run one combination and write its result here
    parser.add_argument('--single', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.dry_run:
        args.config = osp.join(REPO_ROOT,
                               'configs/lowcam/lowcam_tiny_synthetic.py')
        args.batch_sizes = [2]
        args.img_size = 32
        args.steps, args.warmup, args.erase_reps = 1, 0, 1
        if args.compile_backend == 'inductor':
            args.compile_backend = 'eager'
    if args.precisions is None:
        from mmwsol.engine.optimizers import cpu_supports_bf16
        bf16 = (torch.cuda.is_bf16_supported() if args.device.startswith(
            'cuda') else cpu_supports_bf16())
        args.precisions = ['fp32', 'bf16'] if bf16 else ['fp32']
    return args


COMBINATION = ('phase', 'erasing', 'precision', 'memory_format', 'compile',
               'batch_size')


def combinations(args):
    for phase in args.phases:
        for batch_size in args.batch_sizes:
            for variant in (args.variants if phase == 2 else ['batched']):
                for precision in args.precisions:
                    for memory_format in args.memory_formats:
                        for compiled in args.compile:
                            yield (phase, variant, precision, memory_format,
                                   compiled, batch_size)


def run_subprocess(argv, combo, tmp):
    out = osp.join(tmp, '_'.join(map(str, combo)) + '.json')
    cmd = [sys.executable, osp.abspath(__file__)] + list(argv) + [
        '--single', json.dumps(list(combo))
    ]
    env = dict(os.environ, MMWSOL_BENCHMARK_RESULT=out)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f'{dict(zip(COMBINATION, combo))} failed:\n'
                 f'{proc.stderr[-4000:]}')
    with open(out) as f:
        return json.load(f)


def print_table(results):
    first = results[0]
    print(f'device {first.get("gpu", first["device"])}, '
          f'{first["img_size"]} px, {first["threads"]} threads, map '
          f'{first["map_size"]}; median of the timed steps')
    print('| phase | erasing | precision | memory format | compile | batch '
          '| step (s) | images/s | first step (s) | erasing op (ms) | '
          'first-step loss | peak memory (MiB) | increase (MiB) |')
    print('|' + ' --- |' * 13)
    for r in results:
        cuda = r['device'].startswith('cuda')
        peak = r['peak_gpu_mib'] if cuda else r['peak_rss_mib']
        inc = r['peak_gpu_increase_mib'] if cuda else \
            r['peak_rss_increase_mib']
        erase = '-' if r['erasing_ms'] is None else f"{r['erasing_ms']:.3f}"
        print(f"| {r['phase']} | {r['erasing']} | {r['precision']} | "
              f"{r['memory_format']} | {r['compile']} | {r['batch_size']} | "
              f"{r['step_time_s']:.3f} | {r['images_per_s']:.2f} | "
              f"{r['first_step_s']:.2f} | {erase} | {r['loss']:.5f} | "
              f"{peak:.0f} | {inc:.0f} |")
    # the ratios the issue asks for: against the fp32 per-sample loop, and
    # each precision's loss against fp32's
    for r in results:
        if r['phase'] != 2 or r['erasing'] != 'batched':
            continue
        ref = [
            q for q in results if q['phase'] == 2 and q['erasing'] == 'loop'
            and q['precision'] == 'fp32' and q['memory_format'] ==
            'contiguous' and q['compile'] == 'off' and q['batch_size'] ==
            r['batch_size']
        ]
        if ref:
            print(f"phase 2, batch {r['batch_size']}: batched "
                  f"{r['precision']} {r['memory_format']} compile "
                  f"{r['compile']} takes "
                  f"{r['step_time_s'] / ref[0]['step_time_s']:.2f}x the "
                  'fp32 per-sample loop\'s step')
    for r in results:
        if r['precision'] == 'fp32':
            continue
        ref = [
            q for q in results if q['precision'] == 'fp32' and all(
                q[k] == r[k] for k in COMBINATION if k != 'precision')
        ]
        if ref:
            rel = abs(r['loss'] / ref[0]['loss'] - 1)
            what = ' '.join(
                str(r[k]) for k in ('erasing', 'memory_format')
                if r[k] != '-')
            print(f"phase {r['phase']} {what} compile {r['compile']} batch "
                  f"{r['batch_size']}: first-step loss {r['precision']} "
                  f"{r['loss']:.5f} vs fp32 {ref[0]['loss']:.5f} "
                  f"({100 * rel:.2f} %)")


def main(argv=None):
    raw = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(raw)
    if args.single:
        result = run_single(args, *json.loads(args.single))
        with open(os.environ['MMWSOL_BENCHMARK_RESULT'], 'w') as f:
            json.dump(result, f)
        return None
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        sys.exit('error: --device cuda but torch.cuda.is_available() is '
                 'False.')
    if 'fp16' in args.precisions and not args.device.startswith('cuda'):
        sys.exit('error: fp16 autocast is for CUDA; use bf16 on the CPU.')
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for combo in combinations(args):
            print('running', dict(zip(COMBINATION, combo)), flush=True)
            if args.in_process:
                results.append(run_single(args, *combo))
                if args.device.startswith('cuda'):
                    torch.cuda.empty_cache()
            else:
                results.append(run_subprocess(raw, combo, tmp))
    print_table(results)
    if args.out:
        mmengine.dump(results, args.out, file_format='json', indent=2)
    return results


if __name__ == '__main__':
    main()
