"""tools/analysis_tools/benchmark_train.py runs (tiny settings) and its
per-sample-loop erasing reference behaves as AttentiveErasing."""
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch

sys.path.insert(
    0,
    osp.join(
        osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
        'tools', 'analysis_tools'))
from benchmark_train import LoopAttentiveErasing  # noqa: E402


def _run(args, tmp_path, tool_env, repo_root):
    out = tmp_path / 'bench.json'
    proc = subprocess.run([
        sys.executable, 'tools/analysis_tools/benchmark_train.py',
        '--dry-run', '--device', 'cpu', '--out', str(out)
    ] + args, env=tool_env, cwd=repo_root, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text()), proc.stdout


def test_each_combination_in_its_own_process(tmp_path, tool_env, repo_root):
    results, stdout = _run(['--phases', '2', '--precisions', 'fp32'],
                           tmp_path, tool_env, repo_root)
    assert [r['erasing'] for r in results] == ['batched', 'loop']
    for r in results:
        assert r['map_size'] == [8, 8]  # 32 px, stride 4
        assert r['step_time_s'] > 0 and r['peak_rss_mib'] > 0
        assert r['images_per_s'] == 2 / r['step_time_s']
        assert r['erasing_ms'] > 0
    assert '| 2 | batched | fp32 | contiguous | off | 2 |' in stdout
    assert 'takes' in stdout and "the fp32 per-sample loop's step" in stdout


def test_precision_and_memory_format_matrix(tmp_path, tool_env, repo_root):
    results, stdout = _run([
        '--phases', '1', '2', '--precisions', 'fp32', 'bf16',
        '--memory-formats', 'contiguous', 'channels_last', '--in-process'
    ], tmp_path, tool_env, repo_root)
    combos = [(r['phase'], r['erasing'], r['precision'], r['memory_format'])
              for r in results]
    expected = [(1, '-', p, m) for p in ('fp32', 'bf16')
                for m in ('contiguous', 'channels_last')]
    expected += [(2, e, p, m) for e in ('batched', 'loop')
                 for p in ('fp32', 'bf16')
                 for m in ('contiguous', 'channels_last')]
    assert combos == expected
    by = {c: r for c, r in zip(combos, results)}
    for phase, erasing in ((1, '-'), (2, 'batched')):
        fp32 = by[(phase, erasing, 'fp32', 'contiguous')]['loss']
        bf16 = by[(phase, erasing, 'bf16', 'contiguous')]['loss']
        # same weights and batch: bf16 moves the loss, not by much
        assert bf16 != fp32
        assert abs(bf16 / fp32 - 1) < 0.1, (phase, bf16, fp32)
    assert all(r['erasing_ms'] is None for r in results if r['phase'] == 1)
    assert 'first-step loss bf16' in stdout


def test_compiled_forward_runs(tmp_path, tool_env, repo_root):
    """``--compile on`` (the dry run captures graphs with the eager
    backend): the loss is the uncompiled one's."""
    results, _ = _run([
        '--phases', '2', '--variants', 'batched', '--precisions', 'fp32',
        '--compile', 'off', 'on', '--in-process'
    ], tmp_path, tool_env, repo_root)
    assert [r['compile'] for r in results] == ['off', 'on']
    assert results[0]['loss'] == pytest.approx(results[1]['loss'], rel=1e-5)


def test_loop_reference_erases_inside_the_top_region():
    torch.manual_seed(0)
    p_a = torch.full((4, 1, 20, 20), 0.1)
    p_a[:, :, 5:15, 5:15] = 0.9  # S for any factor in [0, 0.5]
    erasing = LoopAttentiveErasing(prob=1.0, min_height=1,
                                   min_width=1).train()
    out = erasing(p_a)
    x_prime = 0.6 * p_a + 0.2
    dropped = out == 0
    kept = out == x_prime
    assert bool((dropped | kept).all())
    assert bool(dropped.any())
    assert not bool(dropped[:, :, :5].any() or dropped[:, :, 15:].any())
    assert erasing.num_selected.item() == 4
    assert torch.equal(erasing.eval()(p_a), x_prime)


def test_channels_last_vgg_with_classifier():
    """mmpretrain's VGG flattens with ``view``: the benchmark's
    channels_last conversion keeps it working and its output unchanged."""
    from benchmark_train import to_channels_last
    from mmpretrain.models.backbones import VGG
    torch.manual_seed(0)
    vgg = VGG(depth=11, num_classes=3)
    vgg.eval()  # (mmpretrain's VGG.train returns None)
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        expected = vgg(x)[-1]
        with pytest.raises(RuntimeError, match='view size'):
            vgg.to(memory_format=torch.channels_last)(x)
        got = to_channels_last(vgg)(x)[-1]
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
