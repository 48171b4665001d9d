"""The metric's first call in an environment compiles its numba kernel
(seconds): it says so, and a later process loads the cache silently."""
import subprocess
import sys

SCRIPT = """
import numpy as np
from mmwsol.evaluation.functional import contour_box_ious
maps = np.zeros((2, 12, 12), np.uint8)
maps[:, 3:8, 2:9] = 200
# wsolevaluation's box of columns 2-8, rows 3-7: [x, y, x + w, y + h]
iou = contour_box_ious(maps, [np.array([[2, 3, 9, 8]])] * 2)[0]
print('IoU at level 0:', iou[0, 0])
"""


def test_compile_is_logged_once(tmp_path, tool_env, repo_root):
    env = dict(tool_env, NUMBA_CACHE_DIR=str(tmp_path / 'numba'))
    outputs = []
    for _ in range(2):
        proc = subprocess.run([sys.executable, '-c', SCRIPT], env=env,
                              cwd=repo_root, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert 'IoU at level 0: 1.0' in proc.stdout
        outputs.append(proc.stdout + proc.stderr)
    first, second = outputs
    assert 'compiling the metric\'s box kernel with numba' in first
    assert str(tmp_path / 'numba') in first
    assert 'compiled the box kernel in' in first
    assert 'box kernel' not in second  # loaded from the cache, silently
