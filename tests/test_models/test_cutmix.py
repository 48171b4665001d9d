"""CutMix as a WSOL method (configs/cutmix): CAM trained on CutMix batches
by mmpretrain's CutMix through the classifier's batch augments. The box
and label mixing worked out by hand, the per-batch probability, CAM's loss
on the soft labels, the configs against CAM's, and the tiny config through
tools/train.py and tools/test.py."""
import math
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmpretrain.structures import DataSample

from mmwsol.registry import MODELS
from mmwsol.utils import register_all_modules

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(__file__)), 'test_tools'))
from tiny_method_runs import train_then_test  # noqa: E402

register_all_modules()

TINY = 'configs/cutmix/cutmix_tiny_synthetic.py'


def tiny_model(repo_root, **train_cfg):
    cfg = Config.fromfile(osp.join(repo_root, TINY))
    cfg.model.train_cfg.update(train_cfg)
    return MODELS.build(cfg.model)


def batch(n=4, size=8):
    """``n`` uint8 images whose pixels all differ between images (image
    ``k`` holds ``40 k + (pixel index mod 40)``), labels ``0 .. n-1``."""
    base = torch.arange(3 * size * size).reshape(3, size, size) % 40
    images = [(base + 40 * k).to(torch.uint8) for k in range(n)]
    samples = [DataSample().set_gt_label(k) for k in range(n)]
    return dict(inputs=images, data_samples=samples)


def originals(model, n=4, size=8):
    """The normalised batch without mixing (``training=False``)."""
    return model.data_preprocessor(batch(n, size), False)['inputs']


def test_fixed_lambda_and_box_by_hand(repo_root, monkeypatch):
    model = tiny_model(repo_root)
    orig = originals(model)
    # lambda = 0.75 -> side ratio sqrt(1 - 0.75) = 0.5 -> a 4 x 4 box on
    # the 8 x 8 images, centred at (cy, cx) = (1, 6): rows 1-2..1+2 clipped
    # to [0, 3), columns [4, 8): 3 x 4 = 12 pixels, so the corrected
    # lambda = 1 - 12 / 64 = 0.8125; partners: 0<->1, 2<->3
    draws = iter([1, 6])
    monkeypatch.setattr(np.random, 'beta', lambda a, b: 0.75)
    monkeypatch.setattr(np.random, 'randint',
                        lambda low, high, size=None: next(draws))
    monkeypatch.setattr(torch, 'randperm',
                        lambda n, **kw: torch.tensor([1, 0, 3, 2]))
    out = model.data_preprocessor(batch(), True)
    mixed = out['inputs']
    box = torch.zeros(8, 8, dtype=torch.bool)
    box[0:3, 4:8] = True
    for k, partner in enumerate((1, 0, 3, 2)):
        assert torch.equal(mixed[k][:, box], orig[partner][:, box]), k
        assert torch.equal(mixed[k][:, ~box], orig[k][:, ~box]), k
        want = torch.zeros(10)
        want[k], want[partner] = 0.8125, 0.1875
        assert torch.allclose(out['data_samples'][k].gt_score, want), k
        assert out['data_samples'][k].gt_label.tolist() == [k]


def test_seeded_batches_paste_one_box_and_weigh_labels_by_its_area(
        repo_root):
    model = tiny_model(repo_root)
    orig = originals(model, n=6, size=16)
    np.random.seed(0)
    torch.manual_seed(0)
    areas = set()
    for _ in range(5):
        out = model.data_preprocessor(batch(6, 16), True)
        mixed = out['inputs']
        changed = (mixed != orig).any(dim=1)  # B x H x W
        scores = torch.stack([s.gt_score for s in out['data_samples']])
        # the pasted pixels of image k are one partner's, found by value
        partners = []
        for k in range(6):
            hits = changed[k]
            ys, xs = torch.nonzero(hits, as_tuple=True)
            if len(ys) == 0:  # an empty box, or k paired with itself
                assert scores[k, k].item() == pytest.approx(1.0)
                partners.append(k)
                continue
            # a filled rectangle ...
            rect = torch.zeros_like(hits)
            rect[ys.min():ys.max() + 1, xs.min():xs.max() + 1] = True
            assert torch.equal(hits, rect)
            partner = [j for j in range(6) if j != k and torch.equal(
                mixed[k][:, hits], orig[j][:, hits])]
            assert len(partner) == 1
            partners.append(partner[0])
            # ... whose area fraction is the partner's label weight
            area = hits.sum().item() / 256.
            areas.add(round(area, 4))
            assert scores[k, partner[0]].item() == pytest.approx(area)
            assert scores[k, k].item() == pytest.approx(1 - area)
        # one box for the whole batch, one permutation
        boxes = {tuple(torch.nonzero(changed[k]).amin(0).tolist() +
                       torch.nonzero(changed[k]).amax(0).tolist())
                 for k in range(6) if changed[k].any()}
        assert len(boxes) <= 1
        assert sorted(partners) == list(range(6))
    assert len(areas) >= 3  # lambda is drawn per batch


@pytest.mark.parametrize('prob,low,high', [(0.0, 0, 0), (0.5, 70, 130),
                                           (1.0, 200, 200)])
def test_cutmix_prob_is_the_chance_a_batch_is_mixed(repo_root, monkeypatch,
                                                    prob, low, high):
    """wsolevaluation: ``cutmix_prob > np.random.rand(1)`` per batch. Over
    200 batches at 0.5: 100 +- 30 (about 4 standard deviations)."""
    model = tiny_model(repo_root, probs=prob)
    cutmix = model.data_preprocessor.batch_augments.augments[0]
    assert type(cutmix).__name__ == 'CutMix' and cutmix.alpha == 1.0
    calls = []
    mix = cutmix.mix
    monkeypatch.setattr(cutmix, 'mix',
                        lambda *args: calls.append(1) or mix(*args))
    orig = originals(model)
    np.random.seed(1)
    torch.manual_seed(1)
    for _ in range(200):
        before = len(calls)
        out = model.data_preprocessor(batch(), True)
        if len(calls) == before:  # not mixed: images and one-hot labels
            scores = torch.stack([s.gt_score for s in out['data_samples']])
            assert torch.equal(scores, torch.eye(4, 10))
            assert torch.equal(out['inputs'], orig)
    assert low <= len(calls) <= high


def test_cam_loss_takes_the_mixed_labels():
    """C = 2, fc weights 0 and bias (0, ln 3): p = (1/4, 3/4) for every
    image. Soft target (0.75, 0.25): 0.75 ln 4 + 0.25 ln 4/3."""
    model = MODELS.build(
        dict(type='CAM',
             backbone=dict(type='VGG', depth=11, num_stages=1,
                           dilations=(1, ), out_indices=(0, )),
             head=dict(type='LinearClsHead', num_classes=2, in_channels=64)))
    with torch.no_grad():
        model.head.fc.weight.zero_()
        model.head.fc.bias.copy_(torch.tensor([0., math.log(3.)]))
    x = torch.randn(2, 3, 8, 8)
    soft = [DataSample().set_gt_label(0).set_gt_score(
        torch.tensor([0.75, 0.25])) for _ in range(2)]
    losses = model.train()(x, soft, mode='loss')
    assert losses['loss'].item() == pytest.approx(
        0.75 * math.log(4.) + 0.25 * math.log(4. / 3.), abs=1e-6)
    hard = [DataSample().set_gt_label(0) for _ in range(2)]
    assert model(x, hard, mode='loss')['loss'].item() == pytest.approx(
        math.log(4.), abs=1e-6)


def test_configs_are_cams_plus_cutmix(repo_root):
    for cutmix, cam in (('cutmix_tiny_synthetic', 'cam_tiny_synthetic'),
                        ('cutmix_tiny_synthetic_pretrained',
                         'cam_tiny_synthetic_pretrained'),
                        ('cutmix_vgg16_cub', 'cam_vgg16_cub')):
        a = Config.fromfile(
            osp.join(repo_root, f'configs/cutmix/{cutmix}.py'))
        b = Config.fromfile(osp.join(repo_root, f'configs/cam/{cam}.py'))
        for key in ('train_dataloader', 'val_dataloader', 'optim_wrapper',
                    'param_scheduler', 'train_cfg', 'randomness',
                    'val_evaluator', 'test_evaluator', 'default_hooks'):
            assert a.get(key) == b.get(key), (cutmix, key)
        model = a.model.to_dict()
        # wsolevaluation's defaults: cutmix_beta 1, cutmix_prob 1
        assert model.pop('train_cfg') == dict(
            augments=[dict(type='CutMix', alpha=1.0)], probs=1.0)
        assert model == b.model.to_dict(), cutmix
    # RandomBatchAugment appends to a list `probs`: the float keeps the
    # config reusable (a second build from the same config works)
    cfg = Config.fromfile(osp.join(repo_root, TINY))
    for _ in range(2):
        MODELS.build(cfg.model)
    assert cfg.model.train_cfg.probs == 1.0


def test_tiny_cutmix_trains_and_tests_with_the_tools(tmp_path, tool_env,
                                                     repo_root):
    log, _ = train_then_test(TINY, tmp_path, tool_env, repo_root)
    assert 'to_onehot' in log  # the batch augments are on
