"""tools/analysis_tools/get_flops.py on the tiny CAM and LowCAM configs:
its parameter counts equal the modules' ``numel`` sums, its FLOPs the
multiply-adds of the convolutions and linear layers counted here with
forward hooks (plus the few of BN and pooling)."""
import re
import subprocess
import sys

import torch
import torch.nn as nn
from mmengine.config import Config

from mmwsol.registry import MODELS
from mmwsol.utils import register_all_modules

CAM = 'configs/cam/cam_tiny_synthetic.py'
LOWCAM = 'configs/lowcam/lowcam_tiny_synthetic.py'
SIZE = 112


def get_flops(config, env, cwd):
    proc = subprocess.run([
        sys.executable, 'tools/analysis_tools/get_flops.py', config,
        '--shape', str(SIZE), '--no-table'
    ],
                          env=env,
                          cwd=cwd,
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = dict(
        (name, (int(flops), int(params))) for name, flops, params in
        re.findall(r'^(\w+): Flops \S+ \((\d+)\)  Params \S+ \((\d+)\)$',
                   proc.stdout, re.M))
    return rows, proc.stdout


def build(config, repo_root):
    register_all_modules()
    return MODELS.build(Config.fromfile(f'{repo_root}/{config}').model).eval()


def numel(*modules):
    return sum(p.numel() for m in modules for p in m.parameters())


def conv_linear_macs(module, run):
    """Multiply-adds of every Conv2d and Linear that ``run()`` calls."""
    total = []

    def hook(mod, inputs, output):
        if isinstance(mod, nn.Conv2d):
            kh, kw = mod.kernel_size
            total.append(output.numel() * mod.in_channels // mod.groups *
                         kh * kw)
        else:
            total.append(output.numel() * mod.in_features)

    handles = [
        m.register_forward_hook(hook) for m in module.modules()
        if isinstance(m, (nn.Conv2d, nn.Linear))
    ]
    with torch.no_grad():
        run()
    for handle in handles:
        handle.remove()
    return sum(total)


def test_get_flops_cam(tool_env, repo_root):
    rows, _ = get_flops(CAM, tool_env, repo_root)
    model = build(CAM, repo_root)
    x = torch.randn(1, 3, SIZE, SIZE)
    macs = conv_linear_macs(model, lambda: model(x, mode='tensor'))
    assert set(rows) == {'classifier', 'test'}
    for flops, params in rows.values():
        # the whole CAM runs in both paths
        assert params == numel(model) == 703386
        # BN and pooling add well under 2 % to the convolutions here
        assert macs <= flops <= 1.02 * macs, (flops, macs)


def test_get_flops_lowcam(tool_env, repo_root):
    rows, out = get_flops(LOWCAM, tool_env, repo_root)
    cam_rows, _ = get_flops(CAM, tool_env, repo_root)
    model = build(LOWCAM, repo_root)
    x = torch.randn(1, 3, SIZE, SIZE)

    # classifier: all of F^c, the generator F^g and the main fc; not the
    # side branch nor the evaluator
    flops, params = rows['classifier']
    assert params == numel(model.backbone, model.neck, model.head.fc)
    model.cls_source = 'main'
    macs = conv_linear_macs(model, lambda: model(x, mode='tensor'))
    assert macs <= flops <= 1.03 * macs, (flops, macs)

    # test (cls_source 'auto', an evaluator): the stem F^c_1, F^g and F^e
    # (the CAM of cam_tiny_synthetic.py), without F^c_high and fc
    flops, params = rows['test']
    stem = [model.backbone.conv1, model.backbone.bn1]
    assert params == numel(*stem, model.neck, model.evaluator)
    low_macs = conv_linear_macs(
        model, lambda: model.neck(model.splitter.forward_low(x)))
    evaluator_flops = cam_rows['classifier'][0]
    assert low_macs <= flops - evaluator_flops <= 1.03 * low_macs
    assert "cls_source='auto'" in out and 'F^c_high and fc' in out
