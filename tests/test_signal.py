"""Signal propagation at init: measurement vs autograd and finite differences, vs theory,
the shared-pass shortcut, float32 overflow/underflow reporting, and the figures."""

import math

import numpy as np
import pytest
import torch

import core.signal as sig
from core.charts import signal as charts
from core.init import init_linear
from core.signal_report import propagate, theory

ACT = {
    "relu": torch.relu,
    "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t, 0.01),
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "linear": lambda t: t,
}


def run(key="kaiming_normal", **kw):
    s = sig.SignalSettings(schemes=(key,), **kw)
    return propagate(s).schemes[0]


def reference(key, depth, width, batch, act, seed=0, dtype=torch.float32):
    """Plain nn.Linear net + autograd: per-layer std of a_k and of dL/dh_k."""
    layers = [torch.nn.Linear(width, width, bias=False) for _ in range(depth)]
    for layer, w in zip(layers, sig.draw_weights(key, depth, width, act, seed), strict=True):
        layer.weight.data = w.to(dtype)
    x, r = (t.to(dtype) for t in sig.draw_inputs(batch, width, seed))
    hs, a = [], x
    for layer in layers:
        h = layer(a)
        h.retain_grad()
        hs.append(h)
        a = ACT[act](h)
    (r * a).sum().backward()
    fwd = [ACT[act](h).std(unbiased=False).item() for h in hs]
    return np.array(fwd), np.array([h.grad.std(unbiased=False).item() for h in hs])


@pytest.mark.parametrize("act", list(ACT))
@pytest.mark.parametrize("key", ["kaiming_normal", "xavier_uniform", "orthogonal", "constant"])
def test_measurement_matches_autograd(act, key):
    fwd, bwd = reference(key, depth=6, width=16, batch=40, act=act)
    sr = run(key, depth=6, width=16, batch=40, activation=act)
    np.testing.assert_allclose(sr.fwd.std, fwd, rtol=1e-4, atol=1e-9)
    np.testing.assert_allclose(sr.bwd.std, bwd, rtol=1e-4, atol=1e-9)


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid"])
def test_backward_std_matches_finite_differences(act):
    """Perturb each pre-activation h_k[n, i] in float64: (L(+e) - L(-e)) / 2e is dL/dh."""
    depth, width, batch = 3, 4, 3
    ws = [w.double() for w in sig.draw_weights("kaiming_normal", depth, width, act, 0)]
    x, r = (t.double() for t in sig.draw_inputs(batch, width, 0))

    def loss_from(k, h):  # run layers k.. from pre-activation h of layer k (0-based)
        a = ACT[act](h)
        for w in ws[k + 1 :]:
            a = ACT[act](a @ w.T)
        return float((r * a).sum())

    hs, a = [], x
    for w in ws:
        hs.append(a @ w.T)
        a = ACT[act](hs[-1])
    eps, stds = 1e-6, []
    for k, h in enumerate(hs):
        g = torch.zeros_like(h)
        for idx in np.ndindex(*h.shape):
            hp, hm = h.clone(), h.clone()
            hp[idx] += eps
            hm[idx] -= eps
            g[idx] = (loss_from(k, hp) - loss_from(k, hm)) / (2 * eps)
        stds.append(g.std(unbiased=False).item())
    sr = run(depth=depth, width=width, batch=batch, activation=act)
    np.testing.assert_allclose(sr.bwd.std, stds, rtol=1e-4)


def test_he_with_relu_keeps_the_activation_std():
    sr = run("kaiming_normal", depth=50, width=512, batch=500, activation="relu")
    ratio = sr.fwd.std[49] / sr.fwd.std[0]
    assert 0.5 < ratio < 2, ratio
    assert sr.factor == pytest.approx((1.0, 1.0)) and "stable" in sr.verdict


def test_xavier_with_relu_shrinks_by_sqrt2_per_layer():
    sr = run("xavier_normal", depth=20, width=512, batch=500, activation="relu")
    per_layer = (sr.fwd.std[19] / sr.fwd.std[0]) ** (1 / 19)
    assert per_layer == pytest.approx(1 / math.sqrt(2), rel=0.04)
    back = (sr.bwd.std[0] / sr.bwd.std[19]) ** (1 / 19)
    assert back == pytest.approx(1 / math.sqrt(2), rel=0.04)
    assert sr.factor == pytest.approx((0.5, 0.5)) and "vanishing" in sr.verdict


def test_standard_normal_at_width_100_explodes_and_overflows():
    sr = run("normal", depth=100, width=100, batch=200, activation="relu")
    k = int(next(e for e in sr.fwd.events if e.startswith("inf at layer")).split()[3])
    # std grows ~sqrt(50) = 7.1x per layer: float32's 3.4e38 is reached in the 40s
    assert 35 <= k <= 55
    assert sr.fwd.std[k - 1] == np.inf and np.isnan(sr.fwd.std[k:]).all()
    assert np.all(np.diff(np.log(sr.fwd.std[: k - 1])) > 1.0)
    assert np.isnan(sr.bwd.std).all() and "not computed" in sr.bwd.events[0]
    assert "exploding" in sr.verdict and f"inf at layer {k}" in sr.verdict


def test_zero_init_gives_zero_activations_and_gradients():
    sr = run("zeros", depth=10, width=32, batch=50, activation="relu")
    assert (sr.fwd.std == 0).all() and (sr.bwd.std == 0).all()
    assert sr.fwd.events == ["all zeros from layer 1"]
    model = torch.nn.Sequential(*[torch.nn.Linear(32, 32, bias=False) for _ in range(10)])
    for layer, w in zip(model, sig.draw_weights("zeros", 10, 32, "relu", 0), strict=True):
        layer.weight.data = w
    out = model(torch.randn(50, 32)).relu()
    out.sum().backward()
    assert all(float(p.grad.abs().max()) == 0 for p in model.parameters())


def test_vanishing_signal_is_reported_as_float32_underflow():
    sr = run("custom", depth=100, width=4, batch=100, activation="relu", custom_var=1e-5)
    assert any(e.startswith("all zeros from layer") and "underflow" in e for e in sr.fwd.events)
    sr = run("custom", depth=100, width=16, batch=100, activation="tanh", custom_var=1e-5)
    assert any("underflow" in e for e in sr.fwd.events)


@pytest.mark.parametrize("act", ["relu", "linear", "leaky_relu"])
@pytest.mark.parametrize("key", ["kaiming_normal", "xavier_normal", "lecun_normal"])
def test_theory_matches_measurement_at_large_width(act, key):
    sr = run(key, depth=12, width=1024, batch=400, activation=act)
    for measured, th in ((sr.fwd.std, sr.theory_fwd), (sr.bwd.std, sr.theory_bwd)):
        assert np.abs(np.log(measured / th)).max() < 0.1


@pytest.mark.parametrize("act", ["tanh", "sigmoid"])
def test_mean_field_theory_tracks_tanh_and_sigmoid(act):
    sr = run("xavier_normal", depth=12, width=1024, batch=400, activation=act)
    assert np.abs(np.log(sr.fwd.std / sr.theory_fwd)).max() < 0.15
    assert np.abs(np.log(sr.bwd.std / sr.theory_bwd)).max() < 0.15


def test_theory_factor_per_layer():
    fwd, bwd = theory("relu", 5, 100, 2 / 100)
    assert np.allclose(np.diff(fwd), 0) and np.allclose(np.diff(bwd), 0)
    fwd, _ = theory("linear", 5, 100, 3 / 100)
    assert np.allclose(np.diff(fwd), 0.5 * math.log10(3))
    assert np.isneginf(theory("relu", 3, 10, 0.0)[0]).all()


@pytest.mark.parametrize("family", ["gauss", "uniform"])
def test_family_members_are_multiples_of_one_draw(family):
    """The shortcut's premise: same seed, weights = c * the base scheme's weights."""
    members = tuple(k for k, v in sig.SCHEMES.items() if v.family == family)
    s = sig.SignalSettings(width=64, activation="tanh", custom_var=0.3, schemes=members)
    base = sig.draw_weights(sig._BASE[family], 3, 64, "tanh", 5)
    for key, (spec, _) in sig.plan(s).items():  # tanh: each member's own pass, scale c
        own = sig.draw_weights(key, 3, 64, "tanh", 5, custom_var=0.3)
        for w, b in zip(own, base, strict=True):
            torch.testing.assert_close(w, spec.scale * b, rtol=1e-5, atol=1e-7)


def test_shared_pass_equals_separate_passes():
    """ReLU: one pass at the base scale, shifted by k log10 c, is each scheme's own pass
    (to float rounding: 1e-3 in log10 is 0.2 %)."""
    s = sig.SignalSettings(depth=30, width=64, batch=100, activation="relu",
                           schemes=("kaiming_normal", "xavier_normal", "custom", "normal"),
                           custom_var=0.05)  # fmt: skip
    base = sig.run_pass(30, 64, "relu", 100, 0, "gauss", None)
    k = np.arange(1, 31)
    for spec, c in sig.plan(s).values():
        assert spec == sig.PassSpec("gauss", None)
        own = sig.run_pass(30, 64, "relu", 100, 0, "gauss", c)  # weights c * W for real
        np.testing.assert_allclose(own.fwd_log_std, base.fwd_log_std + k * math.log10(c), atol=1e-3)
        np.testing.assert_allclose(
            own.bwd_log_std, base.bwd_log_std + (30 - k) * math.log10(c), atol=1e-3
        )


def test_bfloat16_stays_close_to_float32(monkeypatch):
    s = sig.SignalSettings(depth=30, width=256, batch=500, schemes=("kaiming_normal",))
    monkeypatch.setattr(sig, "FP32_BUDGET_FLOPS", float("inf"))
    f32 = propagate(s)
    monkeypatch.setattr(sig, "FP32_BUDGET_FLOPS", 0.0)
    bf16 = propagate(s)
    assert (f32.precision, bf16.precision) == ("float32", "bfloat16")
    a, b = f32.schemes[0], bf16.schemes[0]
    np.testing.assert_allclose(b.fwd.std, a.fwd.std, rtol=0.03)
    np.testing.assert_allclose(b.bwd.std, a.bwd.std, rtol=0.03)


def test_settings_are_validated():
    for bad in (dict(depth=0), dict(width=2000), dict(activation="gelu"),
                dict(schemes=("nope",)), dict(schemes=()), dict(custom_var=0.0)):  # fmt: skip
        with pytest.raises(ValueError):
            sig.SignalSettings(**bad)


def test_init_linear_is_what_draw_weights_uses():
    layer = torch.nn.Linear(8, 8, bias=False)
    torch.manual_seed(3)
    init_linear(layer, sig.scheme_init("kaiming_normal", 8, 0.01), "relu")
    torch.testing.assert_close(sig.draw_weights("kaiming_normal", 1, 8, "relu", 3)[0], layer.weight)


def test_figures_drop_non_finite_values_and_say_where_lines_end():
    s = sig.SignalSettings(depth=100, width=100, batch=50,
                           schemes=("kaiming_normal", "normal", "zeros"))  # fmt: skip
    res = propagate(s)
    fig = charts.std_figure(res, "forward")
    for tr in fig.data:
        ys = np.array(tr.y, dtype=float)
        assert np.isfinite(ys).all() and (ys > 0).all()
    solid = [tr for tr in fig.data if tr.line.dash is None]
    dashed = [tr for tr in fig.data if tr.line.dash == "dash"]
    assert [t.line.color for t in solid] == [t.line.color for t in dashed]
    texts = [a.text for a in fig.layout.annotations]
    assert any(t.startswith("inf at layer") for t in texts)
    assert any(t.startswith("zeros:") and "all zeros from layer 1" in t for t in texts)  # no line
    back = charts.std_figure(res, "backward")
    assert any("not computed" in a.text for a in back.layout.annotations)
    hist = charts.histogram_figure(res)
    assert len(hist.layout.annotations) == 3 * 3  # a title per scheme x layer
    assert any("exactly 0" in a.text for a in hist.layout.annotations)
    assert any("inf/nan" in a.text for a in hist.layout.annotations)
