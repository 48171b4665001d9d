"""tools/visualization/vis_localization.py with a corrupt image among good
ones: the good ones are drawn, the bad one is named in an ``error:`` line
at the end, exit status 1."""
import os.path as osp
import subprocess
import sys

import mmcv
import numpy as np
import pytest
import torch

from mmwsol.apis import get_model

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CAM_CFG = osp.join(REPO_ROOT, 'configs/cam/cam_tiny_synthetic.py')


def test_bad_image_among_good_ones(tmp_path, tool_env):
    torch.manual_seed(0)
    with pytest.warns(UserWarning, match='no checkpoint'):
        model = get_model(CAM_CFG)
    checkpoint = str(tmp_path / 'cam.pth')
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    rng = np.random.default_rng(0)
    images = []
    for name in ('a.png', 'b.png', 'c.png'):
        image = rng.integers(0, 80, (90, 150, 3), dtype=np.uint8)
        image[20:70, 40:110] = (40, 200, 230)  # a bright object
        images.append(str(tmp_path / 'images' / name))
        mmcv.imwrite(image, images[-1])
    with open(images[1], 'wb') as f:  # b.png: the PNG signature, no image
        f.write(b'\x89PNG\r\n\x1a\n not really a png')
    out_dir = tmp_path / 'vis'
    proc = subprocess.run(
        [sys.executable, 'tools/visualization/vis_localization.py', CAM_CFG,
         checkpoint, *images, '--out-dir', str(out_dir)],
        cwd=REPO_ROOT, env=tool_env, capture_output=True, text=True,
        timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr[-3000:]
    assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    assert sorted(p.name for p in out_dir.iterdir()) == ['a.png', 'c.png']
    for name in ('a', 'c'):
        assert f'{out_dir}/{name}.png  CAM: ' in proc.stdout
        # 90 x 150 upscaled x4 (short side >= 320), a caption below
        picture = mmcv.imread(str(out_dir / f'{name}.png'))
        assert picture.shape[1] == 600 and picture.shape[0] > 360
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f'error: {images[1]}: cannot read the image '
                           '(corrupt or not an image'), last
    assert proc.stderr.count('error: ') == 1
