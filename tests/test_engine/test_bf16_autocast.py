"""Mixed precision on the CPU: BF16AutocastOptimWrapper, LowCAM's float32
losses and erasing under it, the phase switch keeping it, and
``tools/train.py --amp`` choosing it."""
import importlib.util
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper
from mmengine.runner import Runner
from toy_lowcam import (ToyLabelledImages, lowcam_model, runner_cfg,
                        save_evaluator_checkpoint)

from mmwsol.engine.optimizers import (BF16AutocastOptimWrapper,
                                      cpu_supports_bf16)
from mmwsol.registry import MODELS, OPTIM_WRAPPERS
from mmwsol.utils import register_all_modules

register_all_modules()

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# The stated tolerance of bf16 training (bf16 keeps 8 significant bits,
# ~0.4 % per rounding, compounded over the layers). Measured on the toy
# LowCAM below: p^a max |bf16 - fp32| 0.039, mean 0.0084; losses 0.1-1.7 %
# (loss_area, a mean over few top cells, moves most).
P_A_MAX_ATOL = 0.05
P_A_MEAN_ATOL = 0.015
LOSS_RTOL = 0.03


def test_wrapper_autocasts_the_forward_only():
    torch.manual_seed(0)
    layer = nn.Linear(8, 3)
    wrapper = OPTIM_WRAPPERS.build(
        dict(type='BF16AutocastOptimWrapper',
             optimizer=torch.optim.SGD(layer.parameters(), lr=0.5)))
    before = layer.weight.detach().clone()
    x = torch.randn(4, 8)
    with wrapper.optim_context(layer):
        y = layer(x)
    assert y.dtype == torch.bfloat16
    loss = y.float().square().mean()
    wrapper.update_params(loss)
    # fp32 weights, moved by an fp32 step; no loss scaler in the state
    assert layer.weight.dtype == torch.float32
    assert not torch.equal(layer.weight, before)
    plain = OptimWrapper(torch.optim.SGD(layer.parameters(), lr=0.5))
    assert wrapper.state_dict().keys() == plain.state_dict().keys()
    # outside the context: float32 again
    assert layer(x).dtype == torch.float32


@pytest.fixture(scope='module')
def evaluator_ckpt(tmp_path_factory):
    return save_evaluator_checkpoint(
        str(tmp_path_factory.mktemp('bf16') / 'evaluator.pth'))


def _toy_lowcam(ckpt, phase):
    torch.manual_seed(0)
    model = MODELS.build(lowcam_model(ckpt, erasing_prob=0.0))
    model.init_weights()
    if phase == 2:
        model.set_phase(2)
    return model.train()


def _batch(n=4):
    data = ToyLabelledImages(n)
    items = [data[i] for i in range(n)]
    return dict(
        inputs=[d['inputs'] for d in items],
        data_samples=[d['data_samples'] for d in items])


def _losses(model, autocast):
    wrapper = BF16AutocastOptimWrapper(
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1)) if autocast \
        else OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    seen = {}

    def record(module, args):
        seen['erasing_input'] = args[0].dtype

    handle = model.erasing.register_forward_pre_hook(record)
    with wrapper.optim_context(model):
        data = model.data_preprocessor(_batch(), True)
        losses = model(**data, mode='loss')
        _, p_a = model(data['inputs'], mode='tensor')
    handle.remove()
    return losses, p_a, seen


@pytest.mark.parametrize('phase', [1, 2])
def test_lowcam_in_bf16_stays_close_to_float32(evaluator_ckpt, phase):
    fp32, p_a32, _ = _losses(_toy_lowcam(evaluator_ckpt, phase), False)
    bf16, p_a16, seen = _losses(_toy_lowcam(evaluator_ckpt, phase), True)
    # the networks did run in bf16 (p^a differs) ...
    assert p_a16.dtype == torch.bfloat16
    diff = (p_a16.float() - p_a32).abs()
    assert 0 < diff.max().item() <= P_A_MAX_ATOL, diff.max()
    assert diff.mean().item() <= P_A_MEAN_ATOL, diff.mean()
    # ... the losses are float32 and close to the float32 run's
    keys = [k for k in fp32 if k.startswith('loss')]
    assert keys == ([
        'loss_cls_side', 'loss_cls_main'
    ] if phase == 1 else ['loss_eval', 'loss_area', 'loss_entropy'])
    for k in keys:
        assert bf16[k].dtype == torch.float32, k
        assert torch.allclose(bf16[k], fp32[k], rtol=LOSS_RTOL), (k, bf16[k],
                                                                 fp32[k])
    if phase == 2:
        # the erasing draws its Bernoulli masks from float32 maps
        assert seen['erasing_input'] == torch.float32


def test_phase_switch_keeps_the_bf16_wrapper(tmp_path, evaluator_ckpt):
    cfg = runner_cfg(tmp_path, evaluator_ckpt, max_epochs=2, switch_epoch=1)
    cfg['optim_wrapper']['type'] = 'BF16AutocastOptimWrapper'
    runner = Runner(**cfg)
    runner.train()
    assert runner.model.current_phase == 2
    assert isinstance(runner.optim_wrapper, BF16AutocastOptimWrapper)
    assert isinstance(runner.optim_wrapper.optimizer, torch.optim.Adam)


def _train_tool():
    spec = importlib.util.spec_from_file_location(
        'mmwsol_train_tool', osp.join(REPO, 'tools', 'train.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_train_amp_picks_the_machines_wrapper(monkeypatch):
    from mmengine.config import Config
    train = _train_tool()
    args = train.parse_args(['cfg.py', '--amp'])
    import mmwsol.engine.optimizers as optimizers

    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(optimizers, 'cpu_supports_bf16', lambda: True)
    cfg = Config(dict(optim_wrapper=dict(optimizer=dict(type='SGD', lr=1))))
    train.apply_training_switches(cfg, args)
    assert cfg.optim_wrapper.type == 'BF16AutocastOptimWrapper'
    assert cfg.optim_wrapper.device_type == 'cpu'

    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = Config(dict(optim_wrapper=dict(optimizer=dict(type='SGD', lr=1))))
    train.apply_training_switches(cfg, args)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'

    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(optimizers, 'cpu_supports_bf16', lambda: False)
    with pytest.raises(SystemExit, match='--amp needs a CUDA GPU .* or a '
                       'CPU with bf16 kernels'):
        train.apply_training_switches(cfg, args)


def test_this_machine_reports_bf16():
    """The CI machines are AMD EPYC with avx512_bf16: the CPU path of
    ``--amp`` is exercised for real here."""
    with open('/proc/cpuinfo') as f:
        flags = f.read()
    has_flag = 'avx512_bf16' in flags or 'amx_bf16' in flags
    if not has_flag:
        pytest.skip('this CPU has no bf16 instructions')
    assert cpu_supports_bf16()
