"""LowCAMHead: branches and the losses of both phases against references
written out here."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from mmwsol.registry import MODELS
from mmwsol.utils import register_all_modules

register_all_modules()


def samples(labels):
    return [DataSample().set_gt_label(int(y)) for y in labels]


def build(num_classes=6, in_channels=5, topk=4):
    head = MODELS.build(
        dict(type='LowCAMHead', num_classes=num_classes,
             in_channels=in_channels,
             area_loss=dict(type='AreaLoss', topk=topk)))
    head.init_weights()
    return head


def test_side_branch_is_conv1x1_then_mean():
    torch.manual_seed(0)
    head = build()
    f_a = torch.randn(3, 6, 7, 5)
    weight = head.side_conv.weight[:, :, 0, 0]  # C_out x C_in
    want = f_a.mean(dim=(2, 3)) @ weight.t()
    assert torch.allclose(head.forward_side(f_a), want, atol=1e-6)
    assert head.side_conv.bias is None


def test_main_branch_pools_and_classifies():
    torch.manual_seed(0)
    head = build()
    feats = torch.randn(2, 5, 3, 3)
    want = feats.mean(dim=(2, 3)) @ head.fc.weight.t() + head.fc.bias
    assert torch.allclose(head.forward_main((feats, )), want, atol=1e-6)
    assert torch.allclose(head(feats), want, atol=1e-6)


def test_phase1_losses():
    torch.manual_seed(0)
    head = build()
    side, main = torch.randn(4, 6), torch.randn(4, 6)
    labels = torch.tensor([0, 5, 2, 2])
    losses = head.loss_phase1(side, main, samples(labels))
    assert set(losses) == {'loss_cls_side', 'loss_cls_main'}
    assert torch.allclose(losses['loss_cls_side'],
                          F.cross_entropy(side, labels))
    assert torch.allclose(losses['loss_cls_main'],
                          F.cross_entropy(main, labels))


def test_phase2_losses_against_release_formulas():
    torch.manual_seed(0)
    head = build(topk=5)
    batch, classes, h, w = 3, 6, 4, 5
    logits = torch.randn(batch, classes)
    f_a = torch.randn(batch, classes, h, w)
    p_a = torch.rand(batch, 1, h, w)
    labels = torch.tensor([1, 0, 3])
    losses = head.loss_phase2(logits, f_a, p_a, samples(labels))
    assert set(losses) == {'loss_eval', 'loss_area', 'loss_entropy'}
    assert torch.allclose(losses['loss_eval'],
                          F.cross_entropy(logits, labels))
    # L_area: area + the f^a of the classes ranked 3..topk-1, loop form
    norm = batch * h * w
    area = p_a.sum() / norm
    order = torch.argsort(torch.softmax(logits, 1), dim=1, descending=True)
    for b in range(batch):
        for j in range(3, 5):
            area = area + f_a[b, order[b, j]].sum() / norm
    assert torch.allclose(losses['loss_area'], 0.02 * area, atol=1e-7)
    eps = torch.finfo(torch.float32).eps
    gauss = torch.exp(-(p_a - 0.5)**2 / (2 * 0.1**2))
    ent = -((p_a * torch.log(p_a + eps) +
             (1 - p_a) * torch.log(1 - p_a + eps)) * gauss).sum() / norm
    assert torch.allclose(losses['loss_entropy'], 1.5 * ent, atol=1e-7)


def test_loss_weights_come_from_config():
    head = MODELS.build(
        dict(type='LowCAMHead', num_classes=4, in_channels=3,
             eval_loss=dict(type='CrossEntropyLoss', loss_weight=2.0),
             area_loss=dict(type='AreaLoss', topk=0, loss_weight=1.0),
             entropy_loss=dict(type='WeightedEntropyLoss', loss_weight=0.)))
    logits = torch.zeros(2, 4)
    p_a = torch.full((2, 1, 2, 2), 0.25)
    losses = head.loss_phase2(logits, torch.zeros(2, 4, 2, 2), p_a,
                              samples([0, 1]))
    assert torch.allclose(losses['loss_eval'],
                          2 * torch.log(torch.tensor(4.)))
    assert torch.allclose(losses['loss_area'], torch.tensor(0.25))
    assert losses['loss_entropy'].item() == 0


def test_errors():
    head = build()
    with pytest.raises(ValueError, match='num_classes=6'):
        head.forward_side(torch.zeros(1, 5, 2, 2))
    with pytest.raises(ValueError, match='in_channels=5'):
        head.forward_main(torch.zeros(1, 4, 2, 2))
    with pytest.raises(ValueError, match='gt_label'):
        head.loss_phase1(torch.zeros(2, 6), torch.zeros(2, 6),
                         [DataSample(), DataSample()])
    with pytest.raises(ValueError, match='num_classes'):
        MODELS.build(dict(type='LowCAMHead', num_classes=0, in_channels=3))
    with pytest.raises(ValueError, match='area_loss.topk=25 exceeds '
                       'num_classes=3'):
        MODELS.build(dict(type='LowCAMHead', num_classes=3, in_channels=3))
