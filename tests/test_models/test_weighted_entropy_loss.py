"""WeightedEntropyLoss: values and gradients worked out by hand."""
import math

import pytest
import torch

from mmwsol.models.losses import WeightedEntropyLoss
from mmwsol.registry import MODELS

EPS = 1.1920928955078125e-07  # float32 machine epsilon, 2 ** -23


def test_eps_is_float32_machine_epsilon():
    assert EPS == 2.0**-23 == torch.finfo(torch.float32).eps


def test_value_by_hand_including_p_0_and_1():
    # p = [0.5, 0.6, 0, 1] on a 1 x 1 x 2 x 2 map, mu 0.5, sigma 0.1, beta 0.
    #  p = 0.5: p ln p + (1-p) ln(1-p) = ln 0.5 = -0.693147; g = exp(0) = 1
    #           -> term -(-0.693147) * 1 = 0.693147
    #  p = 0.6: 0.6 ln 0.6 + 0.4 ln 0.4 = -0.306495 - 0.366516 = -0.673012
    #           g = exp(-0.01 / 0.02) = exp(-0.5) = 0.606531
    #           -> term 0.673012 * 0.606531 = 0.408199
    #  p = 0:   0 * ln(eps) + 1 * ln(1 + eps) = 1.19e-7, g = exp(-12.5) = 3.7e-6
    #           -> term -4.4e-13 (0 to 6 decimals); p = 1 is the mirror image.
    #  L_we = (0.693147 + 0.408199 + 0 + 0) / (1 * 2 * 2) = 0.275337
    #  times loss_weight 1.5 = 0.413005
    p = torch.tensor([[[[0.5, 0.6], [0.0, 1.0]]]], requires_grad=True)
    loss = WeightedEntropyLoss()(p)
    assert loss.shape == ()
    assert loss.item() == pytest.approx(0.413005, abs=2e-6)
    loss.backward()
    assert torch.isfinite(p.grad).all()


def test_normalised_by_batch_and_pixels():
    # The same four values as a 2 x 1 x 1 x 2 batch: the same mean.
    p = torch.tensor([0.5, 0.6, 0.0, 1.0]).view(2, 1, 1, 2)
    assert WeightedEntropyLoss(loss_weight=1.0)(p).item() == pytest.approx(
        0.275337, abs=2e-6)
    # A constant 0.5 map of any size: ln 2 = 0.693147 per pixel.
    p = torch.full((3, 1, 5, 7), 0.5)
    assert WeightedEntropyLoss(loss_weight=1.0)(p).item() == pytest.approx(
        0.693147, abs=2e-6)


def test_beta_and_custom_mu_sigma():
    # beta = 1 at p = 0.5: g = 1 + 1 = 2 -> 2 * ln 2 = 1.386294.
    p = torch.full((1, 1, 2, 2), 0.5)
    assert WeightedEntropyLoss(
        beta=1.0, loss_weight=1.0)(p).item() == pytest.approx(1.386294,
                                                              abs=3e-6)
    # mu = 0.6, sigma = 0.2 at p = 0.6: g = 1 -> entropy 0.673012.
    p = torch.full((1, 1, 1, 1), 0.6)
    assert WeightedEntropyLoss(mu=0.6, sigma=0.2,
                               loss_weight=1.0)(p).item() == pytest.approx(
                                   0.673012, abs=2e-6)


def _hand_gradient(p, mu=0.5, sigma=0.1, weight=1.5):
    """d/dp of -weight * n(p) * g(p) for a 1-pixel map, by calculus.

    n(p)  = p ln(p + e) + (1 - p) ln(1 - p + e)
    n'(p) = ln(p + e) + p / (p + e) - ln(1 - p + e) - (1 - p) / (1 - p + e)
    g(p)  = exp(-(p - mu)^2 / (2 sigma^2)),  g'(p) = -(p - mu) / sigma^2 g(p)
    """
    n = p * math.log(p + EPS) + (1 - p) * math.log(1 - p + EPS)
    dn = (math.log(p + EPS) + p / (p + EPS) - math.log(1 - p + EPS) - (1 - p) /
          (1 - p + EPS))
    g = math.exp(-(p - mu)**2 / (2 * sigma**2))
    dg = -(p - mu) / sigma**2 * g
    return -weight * (dn * g + n * dg)


@pytest.mark.parametrize('value, approx', [(0.0, 9.4709e-05),
                                           (1.0, -9.4709e-05), (0.5, 0.0)])
def test_gradient_finite_and_by_hand_at_0_half_1(value, approx):
    # At p = 0: n' = ln(eps) - ln(1 + eps) - 1/(1 + eps) = -16.942385,
    # g(0) = exp(-12.5) = 3.7267e-6, n(0) g'(0) ~ 2e-11, so
    # dL/dp = -1.5 * (-16.942385 * 3.7267e-6) = 9.4709e-5; p = 1 mirrors it;
    # p = 0.5 is the maximum of both n and g: gradient 0.
    p = torch.tensor([[[[value]]]], dtype=torch.float64, requires_grad=True)
    WeightedEntropyLoss()(p).backward()
    grad = p.grad.item()
    assert math.isfinite(grad)
    assert grad == pytest.approx(_hand_gradient(value), rel=1e-9, abs=1e-15)
    assert grad == pytest.approx(approx, rel=1e-4, abs=1e-12)


def test_float32_gradient_finite_at_exact_0_and_1():
    p = torch.tensor([0.0, 1.0, 0.0, 1.0]).view(1, 1, 2, 2).requires_grad_()
    loss = WeightedEntropyLoss()(p)
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(p.grad).all()
    assert (p.grad[0, 0, :, 0] > 0).all() and (p.grad[0, 0, :, 1] < 0).all()


def test_gradient_flows_through_g():
    # With g detached the gradient at p = 0.6 would be -1.5 * n'(0.6) g(0.6)
    # only; the release keeps g in the graph, adding -1.5 * n(0.6) g'(0.6).
    p = torch.tensor([[[[0.6]]]], dtype=torch.float64, requires_grad=True)
    WeightedEntropyLoss()(p).backward()
    dn = math.log(0.6 +
                  EPS) + 0.6 / (0.6 + EPS) - math.log(0.4 +
                                                      EPS) - 0.4 / (0.4 + EPS)
    detached = -1.5 * dn * math.exp(-0.5)
    assert p.grad.item() == pytest.approx(_hand_gradient(0.6), rel=1e-9)
    assert abs(p.grad.item() - detached) > 0.1


def test_half_precision_is_computed_in_float32():
    p = torch.tensor([0.5, 0.6, 0.0, 1.0]).view(1, 1, 2, 2).half()
    loss = WeightedEntropyLoss()(p)
    assert loss.dtype == torch.float32
    assert loss.item() == pytest.approx(0.413005, abs=2e-4)


def test_bad_input_and_args():
    loss = WeightedEntropyLoss()
    with pytest.raises(ValueError, match='B x 1 x H x W'):
        loss(torch.rand(2, 3, 4, 4))
    with pytest.raises(ValueError, match='B x 1 x H x W'):
        loss(torch.rand(4, 4))
    with pytest.raises(ValueError, match='sigma'):
        WeightedEntropyLoss(sigma=0)


def test_registered():
    loss = MODELS.build(dict(type='WeightedEntropyLoss', loss_weight=2.0))
    assert isinstance(loss, WeightedEntropyLoss) and loss.loss_weight == 2.0
    assert (loss.mu, loss.sigma, loss.beta) == (0.5, 0.1, 0.0)
