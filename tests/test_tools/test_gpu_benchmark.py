"""tools/analysis_tools/gpu_benchmark.sh --dry-run: every part of the GPU
measurement runs (toy sizes, on the CPU) and writes its table, so the one
shot on a lent GPU does not fail on a typo."""
import json
import subprocess
import sys


def test_gpu_benchmark_dry_run(tmp_path, tool_env, repo_root):
    out = tmp_path / 'out'
    env = dict(tool_env, PYTHON=sys.executable)
    proc = subprocess.run(
        ['bash', 'tools/analysis_tools/gpu_benchmark.sh', '--dry-run',
         str(out)], env=env, cwd=repo_root, capture_output=True, text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    # at most 8 files come back from the device tool
    files = sorted(p.name for p in out.iterdir())
    assert files == ['dataloader.txt', 'machine.txt', 'metric.txt',
                     'train.json', 'train.txt']
    train = (out / 'train.txt').read_text()
    for row in ('| 1 | - | fp32 | contiguous | off | 2 |',
                '| 1 | - | bf16 | contiguous | off | 2 |',
                '| 2 | batched | bf16 | contiguous | off | 2 |',
                '| 2 | loop | fp32 | contiguous | off | 2 |',
                '| 2 | batched | bf16 | channels_last | on | 2 |'):
        assert row in train, row
    results = json.loads((out / 'train.json').read_text())
    assert {(r['phase'], r['precision']) for r in results} == {
        (1, 'fp32'), (1, 'bf16'), (2, 'fp32'), (2, 'bf16')}
    assert 'identical figures: True' in (out / 'metric.txt').read_text()
    assert '| 2 | 16 |' in (out / 'dataloader.txt').read_text()
    assert '[gpu_benchmark] done' in proc.stdout


def test_gpu_benchmark_names_the_missing_stack(tmp_path, repo_root):
    """Without mmengine and without carried wheels it stops with the fix."""
    fake = tmp_path / 'python3'
    fake.write_text('#!/bin/sh\nexit 1\n')  # 'import mmengine' fails
    fake.chmod(0o755)
    proc = subprocess.run(
        ['bash', 'tools/analysis_tools/gpu_benchmark.sh',
         str(tmp_path / 'out')],
        env=dict(PATH='/usr/bin:/bin', PYTHON=str(fake),
                 MMWSOL_WHEELS=str(tmp_path / 'no_wheels')), cwd=repo_root,
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert 'no mmengine and there are no wheels in .whl/' in proc.stderr
    assert '--fetch-wheels' in proc.stderr
