"""tools/analysis_tools/benchmark_metric.py on a few small maps: every row
of its table, every figure identical to the references."""
import subprocess
import sys


def test_benchmark_metric_small(tool_env, repo_root):
    proc = subprocess.run([
        sys.executable, 'tools/analysis_tools/benchmark_metric.py',
        '--num-images', '12', '--unique', '6', '--size', '64', '--repeat',
        '1', '--worst-case-images', '2', '--threads', '2'
    ], env=tool_env, cwd=repo_root, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert '12 maps 64x64 (6 distinct)' in out
    for name in ('evaluate_score_maps, 1 thread',
                 'evaluate_score_maps, 2 threads', 'single-pass floor',
                 'straightforward loop (OpenCV per threshold)',
                 'PxAP, evaluate_score_maps',
                 "PxAP, wsolevaluation's np.histogram recipe",
                 'ORNet protocol, evaluate_score_maps',
                 'ORNet protocol, reference loop', 'worst case: noise',
                 'worst case: islands'):
        assert f'| {name}' in out, name
    for check in ('straightforward loop figures identical: True',
                  'PxAP identical: True', 'ORNet GT-known_Loc identical: '
                  'True', 'identical figures: True'):
        assert check in out, check
