"""AttentiveErasing: region geometry, statistics, gradient, skips, seeding."""
import math

import numpy as np
import pytest
import torch

from mmwsol.models.utils import AttentiveErasing
from mmwsol.registry import MODELS


def _plateau_map(batch, height, width, rows, cols, peak, value=0.9,
                 peak_value=0.95, background=0.1):
    """Background ``background``; a plateau ``value`` on rows x cols
    (inclusive ranges) and one peak pixel."""
    amap = torch.full((height, width), background)
    amap[rows[0]:rows[1] + 1, cols[0]:cols[1] + 1] = value
    amap[peak] = peak_value
    return amap.expand(batch, 1, height, width).clone()


# ----------------------------------------------------------------------------
# An independent, straightforward per-sample reference of the release's
# region rule (models/erasing.py), written from its semantics: S, its
# bounding extent, randint ranges, the clamped window, the strict tests and
# the failure cases its bare ``except`` swallows.
def _reference_region(amap, factor, selected, u_h, u_w, min_h, min_w,
                      quirks):
    height, width = amap.shape
    region = np.zeros((height, width), dtype=bool)
    if not selected:
        return region, False
    values = amap.numpy().astype(np.float32)
    peak = int(np.argmax(values))  # first maximum, row-major
    cy, cx = peak // width, peak % width
    top, bottom = np.float32(values.max()), np.float32(values.min())
    thr = top - (top - bottom) * np.float32(factor)
    pts = [(r, c) for r in range(height) for c in range(width)
           if values[r, c] > thr]
    if not pts:  # min() of an empty tensor raises in the release
        return region, True
    ys = [r for r, _ in pts]
    xs = [c for _, c in pts]
    high_h = (max(ys) - min(ys)) // 2
    high_w = (max(xs) - min(xs)) // 2
    if high_h <= min_h or high_w <= min_w:  # randint(low, high<=low) raises
        return region, True
    h = min(min_h + int(math.floor(float(u_h) * (high_h - min_h))),
            high_h - 1)
    w = min(min_w + int(math.floor(float(u_w) * (high_w - min_w))),
            high_w - 1)
    if quirks:
        r0 = cy - h if cy - h >= 0 else 0
        r1 = cy + h if cy + h <= width else width  # the release uses size(3)
        c0 = cx - w if cx - w >= 0 else 0
        c1 = cx + w if cx + w <= width else width
        # rows/cols outside (start, end) are zeroed, then r * c > 0 is kept
        chosen = [(r, c) for r, c in pts
                  if r0 < r < r1 and c0 < c < c1 and r * c > 0]
        if len(chosen) == 1:  # squeeze() -> 1-D index -> IndexError
            return region, True
    else:
        chosen = [(r, c) for r, c in pts if abs(r - cy) < h
                  and abs(c - cx) < w]
    for r, c in chosen:
        region[r, c] = True
    return region, False


def _random_maps(gen, batch, height, width):
    """Sums of 1-3 Gaussian blobs, centres anywhere including the borders."""
    ys = torch.arange(height, dtype=torch.float32)[:, None]
    xs = torch.arange(width, dtype=torch.float32)[None, :]
    maps = torch.rand(batch, 1, height, width, generator=gen) * 0.05
    for b in range(batch):
        for _ in range(int(torch.randint(1, 4, (1, ), generator=gen))):
            cy = float(torch.randint(0, height, (1, ), generator=gen))
            cx = float(torch.randint(0, width, (1, ), generator=gen))
            sy = 3 + float(torch.rand(1, generator=gen)) * height / 2
            sx = 3 + float(torch.rand(1, generator=gen)) * width / 2
            maps[b, 0] += float(torch.rand(1, generator=gen)) * torch.exp(
                -(ys - cy)**2 / (2 * sy**2) - (xs - cx)**2 / (2 * sx**2))
    return maps / maps.amax(dim=(2, 3), keepdim=True)


@pytest.mark.parametrize('quirks', [True, False])
def test_region_matches_reference_on_random_maps(quirks):
    gen = torch.Generator().manual_seed(1)
    module = AttentiveErasing(release_quirks=quirks)
    checked = regions = skips = 0
    for height, width in [(56, 56), (28, 28), (33, 47), (48, 24), (9, 31)]:
        batch = 24
        maps = _random_maps(gen, batch, height, width)
        # a few border peaks, to exercise the row-0 / column-0 rule
        maps[0, 0, 0, width // 2] = 1.5
        maps[1, 0, height // 2, 0] = 1.5
        maps[2, 0, height - 1, width - 1] = 1.5
        for factor in (0.1, 0.3, 0.5):
            selected = torch.rand(batch, generator=gen) < 0.8
            u_h = torch.rand(batch, generator=gen)
            u_w = torch.rand(batch, generator=gen)
            region, skipped = module.region_from_draws(
                maps, torch.tensor(factor), selected, u_h, u_w)
            assert region.shape == (batch, 1, height, width)
            assert region.dtype == torch.bool and skipped.shape == (batch, )
            for b in range(batch):
                ref, ref_skip = _reference_region(maps[b, 0], factor,
                                                  bool(selected[b]), u_h[b],
                                                  u_w[b], 4, 4, quirks)
                assert np.array_equal(region[b, 0].numpy(), ref), (height,
                                                                    width, b)
                assert bool(skipped[b]) == ref_skip
                checked += 1
                regions += int(ref.any())
                skips += int(ref_skip)
    # the comparison covered both erased and skipped samples
    assert checked == 360 and regions > 80 and skips > 50


def test_drop_rate_inside_region_and_nothing_outside():
    # 32 x 32 map: background 0.1, plateau 0.9 on rows/cols 10..20, peak
    # 0.95 at (15, 15). factor ~ U(0.3, 0.5): threshold = 0.95 - 0.85 * factor
    # is in [0.525, 0.695], so S = the plateau (rows 10..20, height 10):
    # randint(4, 10 // 2 = 5) gives h = w = 4, and R = rows/cols 12..18
    # (|r - 15| < 4): 7 x 7 = 49 pixels, the same for every sample.
    torch.manual_seed(517)
    batch = 256
    p_a = _plateau_map(batch, 32, 32, (10, 20), (10, 20), (15, 15))
    module = AttentiveErasing(prob=1.0, min_factor=0.3, max_factor=0.5).train()
    out, region = module(p_a, return_region=True)

    expected = torch.zeros(32, 32, dtype=torch.bool)
    expected[12:19, 12:19] = True
    assert (region[:, 0] == expected).all()

    x_prime = 0.6 * p_a + 0.2  # 0.74 on the plateau, 0.77 at the peak
    kept = out > 0
    # outside R: N = 1, the output is x' exactly
    assert torch.equal(out[~region], x_prime[~region])
    # inside R: N in {0, 1}; kept pixels equal x'
    assert torch.equal(out[region & kept], x_prime[region & kept])
    # N ~ Bernoulli(1 - x'): kept with probability 1 - 0.74 = 0.26, dropped
    # with probability x' = 0.74. 256 * 48 plateau pixels: std of the rate
    # sqrt(0.26 * 0.74 / 12288) = 0.004; tolerance 0.015 (~4 std).
    plateau = region.clone()
    plateau[:, 0, 15, 15] = False
    keep_rate = kept[plateau].float().mean().item()
    assert abs(keep_rate - 0.26) < 0.015
    assert module.num_selected.item() == batch
    assert module.num_skipped.item() == 0


def test_half_sizes_drawn_uniformly_in_randint_range():
    # S = plateau rows 5..25 (height 20 -> h in randint(4, 10) = 4..9) and
    # cols 8..22 (width 14 -> w in randint(4, 7) = 4..6), centre (15, 15):
    # every window stays inside S, so R is (2h - 1) x (2w - 1).
    torch.manual_seed(0)
    batch = 1200
    p_a = _plateau_map(batch, 32, 32, (5, 25), (8, 22), (15, 15))
    module = AttentiveErasing(prob=1.0, min_factor=0.3, max_factor=0.5)
    region, skipped, selected = module.sample_region(p_a)
    assert selected.all() and not skipped.any()
    rows = region[:, 0].any(dim=2).sum(dim=1)
    cols = region[:, 0].any(dim=1).sum(dim=1)
    half_h = (rows + 1) // 2
    half_w = (cols + 1) // 2
    assert torch.equal(rows, 2 * half_h - 1)
    counts_h = torch.bincount(half_h, minlength=10)[4:]
    counts_w = torch.bincount(half_w, minlength=7)[4:]
    assert set(half_h.tolist()) == set(range(4, 10))
    assert set(half_w.tolist()) == {4, 5, 6}
    # uniform: 200 per h value (std 13), 400 per w value (std 16)
    assert (counts_h - 200).abs().max() < 60
    assert (counts_w - 400).abs().max() < 70


def test_selection_probability():
    torch.manual_seed(3)
    batch = 4000
    p_a = _plateau_map(batch, 24, 24, (4, 20), (4, 20), (12, 12))
    module = AttentiveErasing(prob=0.5, min_factor=0.3, max_factor=0.5)
    _, _, selected = module.sample_region(p_a)
    # std of the rate sqrt(0.25 / 4000) = 0.008
    assert abs(selected.float().mean().item() - 0.5) < 0.035


def test_release_quirks_row0_width_clamp_single_pixel():
    module_q = AttentiveErasing(prob=1.0, min_factor=0.3, max_factor=0.5)
    module_p = AttentiveErasing(
        prob=1.0, min_factor=0.3, max_factor=0.5, release_quirks=False)
    ones = torch.ones(1, dtype=torch.bool)
    u = torch.zeros(1)  # h = w = 4 in every case below
    factor = torch.tensor(0.4)

    # (a) peak in row 0, S = rows 0..10, cols 5..15 (h = w = 4 as
    #     10 // 2 = 5): quirks -> rows 1..3 (0 < r < 4); plain -> rows 0..3.
    p_a = _plateau_map(1, 20, 20, (0, 10), (5, 15), (0, 10))
    r_q, s_q = module_q.region_from_draws(p_a, factor, ones, u, u)
    r_p, s_p = module_p.region_from_draws(p_a, factor, ones, u, u)
    assert not s_q.any() and not s_p.any()
    assert r_q[0, 0].nonzero()[:, 0].unique().tolist() == [1, 2, 3]
    assert r_p[0, 0].nonzero()[:, 0].unique().tolist() == [0, 1, 2, 3]
    assert r_q.sum() == 3 * 7 and r_p.sum() == 4 * 7

    # (b) taller than wide (40 x 16): S = rows 10..39, cols 2..13, peak
    #     (20, 8); height 29 -> h in 4..13, here u = 0.999 -> h = 13.
    #     The release clamps the row end to the width 16: rows 7 < r < 16
    #     -> 10..15 of S; the plain window has rows 10..32 of S.
    p_a = _plateau_map(1, 40, 16, (10, 39), (2, 13), (20, 8))
    u_h = torch.tensor([0.999])
    r_q, _ = module_q.region_from_draws(p_a, factor, ones, u_h, u)
    r_p, _ = module_p.region_from_draws(p_a, factor, ones, u_h, u)
    assert r_q[0, 0].nonzero()[:, 0].unique().tolist() == list(range(10, 16))
    assert r_p[0, 0].nonzero()[:, 0].unique().tolist() == list(range(10, 33))
    assert not r_q[0, 0, 20, 8]  # even the peak is left out

    # (c) S = {(10, 10), (0, 25), (25, 0)} on 30 x 30: extents 25 -> h, w in
    #     4..11; only the peak falls in the window: a one-pixel region,
    #     which the release fails to erase.
    p_a = torch.full((1, 1, 30, 30), 0.1)
    p_a[0, 0, 10, 10] = 0.95
    p_a[0, 0, 0, 25] = 0.9
    p_a[0, 0, 25, 0] = 0.9
    r_q, s_q = module_q.region_from_draws(p_a, factor, ones, u, u)
    r_p, s_p = module_p.region_from_draws(p_a, factor, ones, u, u)
    assert not r_q.any() and s_q.all()
    assert r_p.sum() == 1 and r_p[0, 0, 10, 10] and not s_p.any()


def test_gradient_is_masked_by_noise():
    torch.manual_seed(5)
    p_a = _plateau_map(16, 32, 32, (10, 20), (10, 20), (15, 15))
    p_a = (p_a + 0.01 * torch.rand_like(p_a)).clamp(0, 1).requires_grad_()
    module = AttentiveErasing(prob=1.0, min_factor=0.3, max_factor=0.5)
    out, region = module(p_a, return_region=True)
    upstream = torch.randn_like(out)
    out.backward(upstream)
    noise = (out > 0).float()  # x' >= 0.2, so p~ = 0 exactly where N = 0
    assert (noise[region] == 0).any() and (noise[~region] == 1).all()
    # d p~ / d p^a = 0.6 * N (the release: grad * N through 0.6 p + 0.2)
    assert torch.allclose(p_a.grad, 0.6 * upstream * noise)
    assert (p_a.grad[noise == 0] == 0).all()


def test_skipped_samples_are_counted_and_left_unerased():
    # 8 samples, all selected (prob 1):
    #  0-1: constant map -> S empty (max == min, nothing > threshold)
    #  2-3: blob of height 8 -> 8 // 2 = 4 <= min_height: randint range empty
    #  4-7: plateau rows/cols 10..20 -> erasable
    torch.manual_seed(11)
    maps = torch.empty(8, 1, 32, 32)
    maps[0:2] = 0.4
    maps[2:4] = _plateau_map(2, 32, 32, (10, 18), (10, 25), (14, 14))
    maps[4:8] = _plateau_map(4, 32, 32, (10, 20), (10, 20), (15, 15))
    module = AttentiveErasing(prob=1.0, min_factor=0.3, max_factor=0.5)
    out, region = module(maps, return_region=True)
    assert not region[:4].any() and region[4:].flatten(1).any(dim=1).all()
    assert torch.equal(out[:4], 0.6 * maps[:4] + 0.2)  # no erasing
    assert module.num_selected.item() == 8
    assert module.num_skipped.item() == 4
    module(maps)
    assert module.num_selected.item() == 16
    assert module.num_skipped.item() == 8
    # counters are non-persistent: not in checkpoints
    assert 'num_skipped' not in module.state_dict()
    module.reset_counts()
    assert module.num_selected.item() == module.num_skipped.item() == 0


def test_nothing_selected_with_prob_0():
    p_a = _plateau_map(8, 32, 32, (10, 20), (10, 20), (15, 15))
    module = AttentiveErasing(prob=0.0)
    out = module(p_a)
    assert torch.equal(out, 0.6 * p_a + 0.2)
    assert module.num_selected.item() == 0


def test_deterministic_under_seed_and_generator():
    p_a = torch.rand(32, 1, 28, 28)
    module = AttentiveErasing(prob=0.7)
    torch.manual_seed(517)
    first = module(p_a)
    torch.manual_seed(517)
    second = module(p_a)
    assert torch.equal(first, second)
    third = module(p_a)
    assert not torch.equal(first, third)

    state = torch.get_rng_state()
    a = module(p_a, generator=torch.Generator().manual_seed(3))
    b = module(p_a, generator=torch.Generator().manual_seed(3))
    c = module(p_a, generator=torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.equal(a, c)
    # an explicit generator leaves the global one alone
    assert torch.equal(state, torch.get_rng_state())


def test_eval_mode_is_the_affine_map_without_randomness():
    p_a = torch.rand(4, 1, 20, 20)
    module = AttentiveErasing(prob=1.0).eval()
    state = torch.get_rng_state()
    out, region = module(p_a, return_region=True)
    assert torch.equal(out, 0.6 * p_a + 0.2)
    assert not region.any()
    assert torch.equal(state, torch.get_rng_state())
    assert module.num_selected.item() == 0


def test_batched_without_host_sync(monkeypatch):
    """No .item()/.cpu()/bool()/int() on tensors: it runs with those
    disabled, and on the 'meta' device (no data at all)."""
    p_meta = torch.rand(64, 1, 56, 56, device='meta', requires_grad=True)
    out = AttentiveErasing().to('meta')(p_meta)
    out.sum().backward()
    assert out.shape == (64, 1, 56, 56) and out.device.type == 'meta'

    module = AttentiveErasing()

    def host_sync(*args, **kwargs):
        raise AssertionError('device-to-host copy in AttentiveErasing')

    p_a = torch.rand(64, 1, 56, 56, requires_grad=True)
    for name in ('item', 'tolist', 'cpu', 'numpy', '__bool__', '__int__',
                 '__float__', '__index__'):
        monkeypatch.setattr(torch.Tensor, name, host_sync)
    with pytest.raises(AssertionError):
        torch.zeros(1).item()  # the trap works
    out = module(p_a)
    out.sum().backward()
    monkeypatch.undo()
    assert out.shape == p_a.shape and p_a.grad.shape == p_a.shape
    assert module.num_selected.item() > 0


def test_bad_input_and_args():
    module = AttentiveErasing()
    with pytest.raises(ValueError, match='B x 1 x H x W'):
        module(torch.rand(2, 3, 8, 8))
    with pytest.raises(ValueError, match='B x 1 x H x W'):
        module(torch.zeros(2, 1, 8, 8, dtype=torch.long))
    with pytest.raises(ValueError, match='prob'):
        AttentiveErasing(prob=1.5)
    with pytest.raises(ValueError, match='max_factor'):
        AttentiveErasing(min_factor=0.6, max_factor=0.5)
    with pytest.raises(ValueError, match='min_height'):
        AttentiveErasing(min_height=-1)


def test_registered_with_release_defaults():
    module = MODELS.build(dict(type='AttentiveErasing'))
    assert isinstance(module, AttentiveErasing)
    assert (module.prob, module.min_factor, module.max_factor,
            module.min_height, module.min_width, module.scale, module.shift,
            module.release_quirks) == (0.5, 0.0, 0.5, 4, 4, 0.6, 0.2, True)
