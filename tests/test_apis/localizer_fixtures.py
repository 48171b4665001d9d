"""Helpers of tests/test_apis: tiny localizers saved as checkpoints."""
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch

from mmwsol.apis import get_model

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CAM_CFG = osp.join(REPO_ROOT, 'configs/cam/cam_tiny_synthetic.py')
LOWCAM_CFG = osp.join(REPO_ROOT, 'configs/lowcam/lowcam_tiny_synthetic.py')
CLASSES = [f'class_{i}' for i in range(10)]


def save_fresh_checkpoint(config, path, classes=None):
    """Build the model of ``config`` with fresh weights (drawn from torch's
    current seed) and save its state dict to ``path``, with ``classes`` in
    ``meta.dataset_meta`` when given; returns ``str(path)``."""
    with pytest.warns(UserWarning, match='no checkpoint'):
        model = get_model(config)
    checkpoint = dict(state_dict=model.state_dict())
    if classes is not None:
        checkpoint['meta'] = dict(dataset_meta=dict(classes=list(classes)))
    torch.save(checkpoint, path)
    return str(path)


def make_localizer_files(root, cam_config, lowcam_config, classes,
                         wide_name='wide.jpg'):
    """Two images under ``root/images`` and fresh CAM and LowCAM
    checkpoints (seed 0) under ``root``.

    - ``image``: ``images/obj.png``, 90 x 150 dark noise with a bright
      object at rows 20..69, columns 40..109;
    - ``wide``: ``images/<wide_name>``, 100 x 200 noise.

    Returns:
        dict: ``root``, ``image``, ``wide``, ``cam``, ``lowcam`` (paths).
    """
    rng = np.random.default_rng(0)
    img = rng.integers(0, 80, (90, 150, 3), dtype=np.uint8)
    img[20:70, 40:110] = (40, 200, 230)  # a bright object
    mmcv.imwrite(img, str(root / 'images/obj.png'))
    wide = rng.integers(0, 255, (100, 200, 3), dtype=np.uint8)
    mmcv.imwrite(wide, str(root / 'images' / wide_name))
    # fixed initial weights: an unseeded draw can give a degenerate map
    # (e.g. a zero-width box), which made the suite flaky
    torch.manual_seed(0)
    return dict(
        root=root,
        image=str(root / 'images/obj.png'),
        wide=str(root / 'images' / wide_name),
        cam=save_fresh_checkpoint(cam_config, root / 'cam.pth', classes),
        lowcam=save_fresh_checkpoint(lowcam_config, root / 'lowcam.pth',
                                     classes))
