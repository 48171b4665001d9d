"""AreaLoss: values worked out by hand, rank exemption, errors."""
import pytest
import torch

from mmwsol.models.losses import AreaLoss
from mmwsol.registry import MODELS


def _features_powers_of_two(batch, num_classes, height, width):
    """f^a[b, k] = 2 ** k at every pixel: each class's spatial sum is
    2 ** k * H * W, and any set of classes gives a unique total."""
    values = 2.0**torch.arange(num_classes, dtype=torch.float64)
    return values.view(1, -1, 1, 1).expand(batch, num_classes, height,
                                           width).clone()


def test_value_by_hand_with_rank_exemption():
    # C = 6, topk = 5, skip = 3, H = W = 2, B = 2.
    # sample 0 logits [0, 5, 1, 4, 2, 3]: ranks 0..5 are classes 1, 3, 5, 4,
    #   2, 0 -> exempt 1, 3, 5 (ranks 0-2); counted 4, 2 (ranks 3, 4);
    #   class 0 (rank 5 >= topk) not counted.
    #   spatial sums: class 4: 2^4 * 4 = 64, class 2: 2^2 * 4 = 16 -> 80
    # sample 1 logits [6, 5, 4, 3, 2, 1]: counted classes 3, 4 ->
    #   2^3 * 4 + 2^4 * 4 = 32 + 64 = 96
    # class term = (80 + 96) / (B*H*W = 8) = 22
    # p: sample 0 all 0.25 (sum 1), sample 1 [[0, 1], [1, 0]] (sum 2)
    # area term = 3 / 8 = 0.375; L_area = 22.375; x 0.02 = 0.4475
    logits = torch.tensor([[0., 5., 1., 4., 2., 3.], [6., 5., 4., 3., 2., 1.]],
                          dtype=torch.float64)
    features = _features_powers_of_two(2, 6, 2, 2).requires_grad_()
    p = torch.tensor([[[[0.25, 0.25], [0.25, 0.25]]], [[[0., 1.], [1., 0.]]]],
                     dtype=torch.float64, requires_grad=True)
    loss = AreaLoss(topk=5, skip=3)(p, logits, features)
    assert loss.item() == pytest.approx(0.4475, abs=1e-12)

    loss.backward()
    # d/dp = 0.02 / 8 = 0.0025 everywhere, finite at p = 0 and 1
    assert torch.allclose(p.grad, torch.full_like(p, 0.0025))
    # d/df^a = 0.0025 on the counted classes' channels only
    counted = torch.zeros(2, 6, dtype=torch.bool)
    counted[0, [4, 2]] = True
    counted[1, [3, 4]] = True
    expected = torch.where(counted, 0.0025, 0.0)[:, :, None, None].expand(
        2, 6, 2, 2)
    assert torch.allclose(features.grad, expected.double())


@pytest.mark.parametrize('exempt_rank', [0, 1, 2])
def test_top3_channels_contribute_nothing(exempt_rank):
    # Making the channel of the class at rank 0, 1 or 2 huge changes nothing.
    logits = torch.tensor([[9., 8., 7., 6., 5., 4., 3., 2.]])
    p = torch.zeros(1, 1, 3, 3)
    features = torch.zeros(1, 8, 3, 3)
    loss = AreaLoss(topk=6, skip=3, loss_weight=1.0)
    base = loss(p, logits, features).item()
    features[0, exempt_rank] = 1000.0
    assert loss(p, logits, features).item() == base == 0.0


@pytest.mark.parametrize('rank', [3, 4, 5])
def test_ranks_3_to_topk_minus_1_contribute(rank):
    # Channel of the class at rank 3..5 set to 9 on a 3 x 3 map, topk 6:
    # sum 81 / (1 * 3 * 3) = 9.
    logits = torch.tensor([[9., 8., 7., 6., 5., 4., 3., 2.]])
    p = torch.zeros(1, 1, 3, 3)
    features = torch.zeros(1, 8, 3, 3)
    features[0, rank] = 9.0
    loss = AreaLoss(topk=6, skip=3, loss_weight=1.0)(p, logits, features)
    assert loss.item() == pytest.approx(9.0)


@pytest.mark.parametrize('rank', [6, 7])
def test_ranks_from_topk_contribute_nothing(rank):
    logits = torch.tensor([[9., 8., 7., 6., 5., 4., 3., 2.]])
    p = torch.zeros(1, 1, 3, 3)
    features = torch.zeros(1, 8, 3, 3)
    features[0, rank] = 9.0
    loss = AreaLoss(topk=6, skip=3, loss_weight=1.0)(p, logits, features)
    assert loss.item() == 0.0


def test_defaults_against_straightforward_reference():
    # topk 25, skip 3, weight 0.02, C = 40: a per-sample, per-rank loop.
    torch.manual_seed(0)
    batch, num_classes, height, width = 3, 40, 5, 4
    logits = torch.randn(batch, num_classes, dtype=torch.float64)
    features = torch.randn(batch, num_classes, height, width,
                           dtype=torch.float64)
    p = torch.rand(batch, 1, height, width, dtype=torch.float64)
    total = float(p.sum())
    for b in range(batch):
        order = sorted(range(num_classes), key=lambda k: -float(logits[b, k]))
        for k in order[3:25]:
            total += float(features[b, k].sum())
    expected = 0.02 * total / (batch * height * width)
    loss = AreaLoss()
    assert (loss.topk, loss.skip, loss.loss_weight) == (25, 3, 0.02)
    assert loss(p, logits, features).item() == pytest.approx(
        expected, rel=1e-12)


@pytest.mark.parametrize('topk', [0, 2, 3])
def test_area_term_only_when_no_rank_counted(topk):
    # topk 0 (the release's switch) or topk <= skip: sum(p) / (B*H*W).
    # p: 2 x 1 x 2 x 2 of 0.5 -> 4 / 8 = 0.5
    p = torch.full((2, 1, 2, 2), 0.5)
    features = torch.full((2, 5, 2, 2), 7.0)
    logits = torch.randn(2, 5)
    loss = AreaLoss(topk=topk, skip=3, loss_weight=1.0)(p, logits, features)
    assert loss.item() == pytest.approx(0.5)


def test_finite_at_p_exactly_0_and_1():
    p = torch.tensor([[[[0., 1.], [1., 0.]]]], requires_grad=True)
    features = torch.randn(1, 30, 2, 2, requires_grad=True)
    logits = torch.randn(1, 30)
    loss = AreaLoss()(p, logits, features)
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(p.grad).all() and torch.isfinite(
        features.grad).all()


def test_errors():
    loss = AreaLoss(topk=5)
    p = torch.rand(2, 1, 4, 4)
    feats = torch.rand(2, 6, 4, 4)
    logits = torch.rand(2, 6)
    with pytest.raises(ValueError, match='topk=5 exceeds .* C=4'):
        loss(p, logits[:, :4], feats[:, :4])
    with pytest.raises(ValueError, match='shapes disagree'):
        loss(p, logits, feats[:, :5])  # C of features != C of logits
    with pytest.raises(ValueError, match='shapes disagree'):
        loss(p, logits, feats[:, :, :3])  # H of features != H of p
    with pytest.raises(ValueError, match='shapes disagree'):
        loss(p, logits[:1], feats)  # B of logits != B of p
    with pytest.raises(ValueError, match='`p`'):
        loss(torch.rand(2, 2, 4, 4), logits, feats)
    with pytest.raises(ValueError, match='`logits`'):
        loss(p, torch.rand(2, 6, 1), feats)
    with pytest.raises(TypeError, match='`features`'):
        loss(p, logits, None)
    with pytest.raises(ValueError, match='topk'):
        AreaLoss(topk=-1)
    with pytest.raises(ValueError, match='skip'):
        AreaLoss(skip=1.5)


def test_registered():
    loss = MODELS.build(dict(type='AreaLoss', topk=10))
    assert isinstance(loss, AreaLoss) and loss.topk == 10
