"""tools/analysis_tools/evaluate_maps.py on a tiny wsolevaluation-style folder."""
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'evaluate_maps.py')


def run_tool(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, TOOL, *map(str, args)],
                          capture_output=True, text=True, env=env,
                          timeout=300)
    return proc


def write(path, lines):
    path.write_text(''.join(line + '\n' for line in lines))


def test_boxes_and_predictions(tmp_path):
    meta = tmp_path / 'meta'
    maps = tmp_path / 'maps'
    meta.mkdir()
    (maps / 'a').mkdir(parents=True)
    ids = ['a/1.jpg', 'a/2.jpg']
    write(meta / 'image_ids.txt', ids)
    write(meta / 'image_sizes.txt', ['a/1.jpg,16,16', 'a/2.jpg,16,16'])
    # 16x16 images, 8x8 maps: boxes halve (int truncation)
    write(meta / 'localization.txt',
          ['a/1.jpg,4,4,12,10', 'a/2.jpg,8,8,14,14'])
    write(meta / 'class_labels.txt', ['a/1.jpg,3', 'a/2.jpg,1'])
    write(tmp_path / 'pred.txt', ['a/1.jpg,3,0', 'a/2.jpg,0,1'])
    m1 = np.zeros((8, 8))
    m1[2:5, 2:6] = 1.0  # box [2, 2, 6, 5] = the GT [4, 4, 12, 10] / 2
    np.save(maps / 'a' / '1.jpg.npy', m1)
    np.save(maps / 'a' / '2.jpg.npy', np.zeros((8, 8)))  # [0, 0, 0, 0]
    out = tmp_path / 'res.json'
    proc = run_tool(maps, meta, '--predictions', tmp_path / 'pred.txt',
                    '--out', out)
    assert proc.returncode == 0, proc.stderr
    res = json.loads(out.read_text())
    assert res['MaxBoxAcc'] == 50.0 and res['MaxBoxAccV2'] == 50.0
    assert res['Top-1_Cls'] == 50.0 and res['Top-1_Loc'] == 50.0
    assert 'MaxBoxAcc@70_thr' in proc.stdout

    # a NaN map stops naming its file, in one line; --nonfinite-maps zero
    # evaluates it as the all-zero map it was before
    nan_map = np.zeros((8, 8))
    nan_map[0, 0] = np.nan
    np.save(maps / 'a' / '2.jpg.npy', nan_map)
    proc = run_tool(maps, meta)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        f'error: 1 of 2 score maps hold NaN or inf: {maps}/a/2.jpg.npy. Did '
        'the model diverge? To evaluate such maps as all-zero maps '
        '(wsolevaluation does that for NaN), counted and named in the log, '
        'set nonfinite_maps="zero".')
    assert 'Traceback' not in proc.stderr
    proc = run_tool(maps, meta, '--nonfinite-maps', 'zero', '--out', out)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text())['MaxBoxAcc'] == 50.0
    assert '2.jpg.npy' in proc.stderr  # the warning names it

    # a missing map is reported by name
    os.remove(maps / 'a' / '2.jpg.npy')
    proc = run_tool(maps, meta)
    assert proc.returncode != 0 and '2.jpg.npy' in proc.stderr


def test_masks_give_pxap(tmp_path):
    meta = tmp_path / 'meta'
    meta.mkdir()
    (tmp_path / 'maps').mkdir()
    write(meta / 'image_ids.txt', ['x.jpg'])
    write(meta / 'image_sizes.txt', ['x.jpg,8,8'])
    write(meta / 'localization.txt', ['x.jpg,x_m.png,x_ignore.png'])
    fg = np.zeros((8, 8), np.uint8)
    fg[:4] = 255
    ignore = np.zeros((8, 8), np.uint8)
    ignore[6:] = 255
    cv2.imwrite(str(tmp_path / 'x_m.png'), fg)
    cv2.imwrite(str(tmp_path / 'x_ignore.png'), ignore)
    m = np.zeros((4, 4))
    m[:2] = 1.0  # fg exactly: precision 1 at every recall -> PxAP 100
    np.save(tmp_path / 'maps' / 'x.jpg.npy', m)
    out = tmp_path / 'res.json'
    proc = run_tool(tmp_path / 'maps', meta, '--mask-root', tmp_path,
                    '--out', out)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text()) == {'PxAP': 100.0}
