"""tools/analysis_tools/benchmark_train.py runs (tiny settings) and its
per-sample-loop erasing reference behaves as AttentiveErasing."""
import json
import os.path as osp
import subprocess
import sys

import torch

sys.path.insert(
    0,
    osp.join(
        osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
        'tools', 'analysis_tools'))
from benchmark_train import LoopAttentiveErasing  # noqa: E402


def test_benchmark_script_tiny(tmp_path, tool_env, repo_root):
    out = tmp_path / 'bench.json'
    proc = subprocess.run([
        sys.executable, 'tools/analysis_tools/benchmark_train.py', '--config',
        'configs/lowcam/lowcam_tiny_synthetic.py', '--batch-size', '2',
        '--img-size', '64', '--steps', '1', '--warmup', '0',
        '--erase-reps', '2', '--device', 'cpu', '--out',
        str(out)
    ], env=tool_env, cwd=repo_root, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(out.read_text())
    assert [r['erasing'] for r in results] == ['batched', 'loop']
    for r in results:
        assert r['map_size'] == [16, 16]
        assert r['step_time_s'] > 0 and r['peak_rss_mib'] > 0
        assert r['images_per_s'] == 2 / r['step_time_s']
    assert '| batched | cpu | off |' in proc.stdout


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
