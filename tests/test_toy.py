"""The toy model's hand backprop against torch.autograd and finite differences, the book's
numbers, overflow reporting, SGD, and the lesson's figures/tables/graph as data."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core import toy
from core.charts import toy as charts

P, X, Y = toy.BOOK_PARAMS, toy.BOOK_X, toy.BOOK_Y

# Printed in the book's notebook 7.1 ("true value"), to 3 decimals.
BOOK_FORWARD = dict(f0=1.230, h1=0.942, f1=1.623, h2=5.068, f2=7.137, h3=0.657, f3=2.372,
                    loss=0.139)  # fmt: skip
BOOK_BACKWARD = dict(f3=0.745, h3=2.234, f2=-1.683, h2=-3.366, f1=-17.060, h1=6.824, f0=2.281)
BOOK_GRADS = dict(beta3=0.745, omega3=0.489, beta2=-1.683, omega2=-8.530, beta1=-17.060,
                  omega1=-16.079, beta0=2.281, omega0=5.246)  # fmt: skip


def torch_intermediates(p, x, y):
    """Autograd's value and ∂ℓ/∂(node) for every intermediate node (retain_grad on each)."""
    t = {k: torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for k, v in p.items()}
    n = {"f0": t["beta0"] + t["omega0"] * float(x)}
    n["h1"] = torch.sin(n["f0"])
    n["f1"] = t["beta1"] + t["omega1"] * n["h1"]
    n["h2"] = torch.exp(n["f1"])
    n["f2"] = t["beta2"] + t["omega2"] * n["h2"]
    n["h3"] = torch.cos(n["f2"])
    n["f3"] = t["beta3"] + t["omega3"] * n["h3"]
    for v in n.values():
        v.retain_grad()
    ((n["f3"] - float(y)) ** 2).backward()
    return {k: float(v.detach()) for k, v in n.items()}, {k: float(v.grad) for k, v in n.items()}


# --- The book's example --------------------------------------------------------------------
def test_book_forward_and_backward_match_the_notebook_and_autograd():
    fwd = toy.forward(P, X, Y)
    bwd = toy.backward(P, fwd, Y)
    for k, v in BOOK_FORWARD.items():
        assert float(fwd[k]) == pytest.approx(v, abs=5e-4), k
    for k, v in BOOK_BACKWARD.items():
        assert float(bwd[k]) == pytest.approx(v, abs=5e-4), k
    t_fwd, t_bwd = torch_intermediates(P, X, Y)
    for k in toy.BACKWARD:
        assert float(fwd[k]) == pytest.approx(t_fwd[k], abs=1e-12), k
        assert float(bwd[k]) == pytest.approx(t_bwd[k], abs=1e-12), k


def test_book_parameter_gradients_three_ways():
    rows = {r.name: r for r in toy.check_gradients(P, X, Y)}
    for k, v in BOOK_GRADS.items():
        assert rows[k].hand == pytest.approx(v, abs=5e-4), k
        assert rows[k].autograd == pytest.approx(rows[k].hand, abs=1e-12), k
        assert rows[k].finite_diff == pytest.approx(rows[k].hand, abs=1e-6), k
        assert rows[k].ok
    # The notebook's closed-form dℓ/dω0 (the "nightmare" expression) agrees as well.
    b0, b1, b2, b3, w0, w1, w2, w3 = (P[k] for k in toy.PARAMS)
    closed = (
        -2 * (b3 + w3 * math.cos(b2 + w2 * math.exp(b1 + w1 * math.sin(b0 + w0 * X))) - Y)
        * w1 * w2 * w3 * X * math.cos(b0 + w0 * X) * math.exp(b1 + w1 * math.sin(b0 + w0 * X))
        * math.sin(b2 + w2 * math.exp(b1 + w1 * math.sin(b0 + w0 * X)))
    )  # fmt: skip
    assert rows["omega0"].hand == pytest.approx(closed, abs=1e-12)


# --- Property-based: any parameters ----------------------------------------------------------
finite = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)
params = st.fixed_dictionaries({k: finite for k in toy.PARAMS})


def _tol(g: float, rel: float) -> float:
    return rel * max(1.0, abs(g))


@settings(max_examples=150, deadline=None)
@given(p=params, x=st.floats(-5, 5), y=st.floats(-5, 5))
def test_hand_equals_autograd_and_finite_differences(p, x, y):
    hand = toy.hand_gradients(p, x, y)
    auto = toy.autograd_gradients(p, x, y)
    fd = toy.finite_difference_gradients(p, x, y)
    for k in toy.PARAMS:
        assert abs(hand[k] - auto[k]) <= _tol(hand[k], 1e-9), (k, hand[k], auto[k])
        assert abs(hand[k] - fd[k]) <= _tol(hand[k], 1e-5), (k, hand[k], fd[k])
    assert all(r.ok for r in toy.check_gradients(p, x, y))


@settings(max_examples=60, deadline=None)
@given(p=params, x=st.floats(-5, 5), y=st.floats(-5, 5))
def test_every_intermediate_derivative_equals_autograd(p, x, y):
    fwd = toy.forward(p, x, y)
    bwd = toy.backward(p, fwd, y)
    _, t_bwd = torch_intermediates(p, x, y)
    for k in toy.BACKWARD:
        assert abs(float(bwd[k]) - t_bwd[k]) <= _tol(t_bwd[k], 1e-9), k


@settings(max_examples=40, deadline=None)
@given(p=params, seed=st.integers(0, 10_000))
def test_batched_gradients_are_the_mean_over_points(p, seed):
    rng = np.random.default_rng(seed)
    xs, ys = rng.uniform(-3, 3, 7), rng.uniform(-3, 3, 7)
    hand = toy.hand_gradients(p, xs, ys)
    auto = toy.autograd_gradients(p, xs, ys)
    per_point = [toy.hand_gradients(p, a, b) for a, b in zip(xs, ys)]
    for k in toy.PARAMS:
        assert abs(hand[k] - auto[k]) <= _tol(hand[k], 1e-9), k
        assert hand[k] == pytest.approx(np.mean([g[k] for g in per_point]), abs=1e-9)


def test_a_wrong_gradient_is_caught():
    """The check can fail: a hand gradient with a flipped sign does not agree."""
    hand = toy.hand_gradients(P, X, Y)
    fd = toy.finite_difference_gradients(P, X, Y)
    assert abs(-hand["omega0"] - fd["omega0"]) > 1e-5


# --- Overflow and formatting ---------------------------------------------------------------
def test_exp_overflow_is_reported_in_words():
    p = {**P, "beta1": 800.0}
    fwd = toy.forward(p, X, Y)
    bwd = toy.backward(p, fwd, Y)
    assert np.isinf(fwd["h2"])
    msgs = toy.overflow_messages(p, X, fwd, bwd)
    assert len(msgs) == 1 and "exp(f1) overflows" in msgs[0] and "709.78" in msgs[0]
    table = charts.forward_table(p, X, Y, {k: float(v) for k, v in fwd.items()})
    assert "overflow (+∞)" in table
    assert "| nan |" not in table and "undefined (nan" in table  # later rows say why
    assert not any(r.ok for r in toy.check_gradients(p, X, Y) if r.name != "beta3")
    # The graph says it briefly; the charts say why they are empty instead of being blank.
    fwd_f = {k: float(v) for k, v in fwd.items()}
    bwd_f = {k: float(v) for k, v in bwd.items()}
    dot = charts.graph_dot(p, X, Y, fwd_f, bwd_f, toy.param_grads(fwd_f, bwd_f, X), 15)
    assert "+∞ overflow" in dot and "undefined" not in dot
    for fig in (charts.function_figure(p, X, Y), charts.loss_slice_figure(p, X, Y, "beta0", 0.0)):
        assert "overflows" in fig.layout.annotations[0].text
    assert not charts.function_figure(P, X, Y).layout.annotations


def test_no_overflow_message_when_finite():
    fwd = toy.forward(P, X, Y)
    assert toy.overflow_messages(P, X, fwd, toy.backward(P, fwd, Y)) == []


@pytest.mark.parametrize(
    "v, text",
    [(1.23, "1.230"), (-17.0605, "-17.061"), (0.0, "0.000"), (2e-5, "2.000e-05"),
     (3.2e6, "3.200e+06"), (float("inf"), "overflow (+∞)"), (float("-inf"), "overflow (−∞)"),
     (float("nan"), "undefined (nan, after an overflow)")],
)  # fmt: skip
def test_format_value(v, text):
    assert toy.format_value(v) == text


def test_random_params_are_seeded_and_bounded():
    a, b = toy.random_params(7), toy.random_params(7)
    assert a == b and a != toy.random_params(8)
    assert set(a) == set(toy.PARAMS) and all(-2 <= v <= 2 for v in a.values())


# --- SGD with the hand gradients -------------------------------------------------------------
def test_sgd_from_the_book_values_fits_the_dataset():
    xs, ys = toy.make_dataset(n=24, seed=0)
    seen = []
    res = toy.sgd_fit(P, xs, ys, lr=0.003, steps=1000, batch_size=8, seed=0,
                      progress=lambda i, loss: seen.append(i))  # fmt: skip
    assert res.diverged_at is None and len(res.losses) == 1001 and seen[-1] == 1000
    assert res.losses[0] > 5 and toy.loss_value(res.params, xs, ys) < 0.5
    assert res.start == P
    again = toy.sgd_fit(P, xs, ys, lr=0.003, steps=1000, batch_size=8, seed=0)
    assert again.losses == res.losses  # deterministic by seed


def test_sgd_divergence_is_detected_and_last_finite_params_kept():
    xs, ys = toy.make_dataset()
    res = toy.sgd_fit(P, xs, ys, lr=10.0, steps=100)
    assert res.diverged_at == 1
    assert all(np.isfinite(v) for v in res.params.values())


# --- Tables, figures, graph as data -----------------------------------------------------
def _fwd_bwd(p=P, x=X, y=Y):
    fwd = {k: float(v) for k, v in toy.forward(p, x, y).items()}
    return fwd, {k: float(v) for k, v in toy.backward(p, fwd, y).items()}


def test_tables_hold_the_book_numbers_and_formulas():
    fwd, bwd = _fwd_bwd()
    ftab, btab = charts.forward_table(P, X, Y, fwd), charts.backward_table(P, Y, fwd, bwd)
    assert len(ftab.splitlines()) == 2 + 8 and len(btab.splitlines()) == 2 + 7
    for v in BOOK_FORWARD.values():
        assert f"| {v:.3f} |" in ftab
    for v in BOOK_BACKWARD.values():
        assert f"| {v:.3f} |" in btab
    assert r"\exp[f_1]" in ftab and r"2.000 + (-0.400) \cdot 0.942" in ftab
    assert r"\omega_3 \cdot \frac{\partial \ell}{\partial f_3}" in btab
    assert charts.step_latex(P, X, Y, fwd, bwd, "backward", "h3").endswith("= 2.234")


def test_graph_dot_reveals_nodes_step_by_step():
    fwd, bwd = _fwd_bwd()
    grads = toy.param_grads(fwd, bwd, X)
    dot0 = charts.graph_dot(P, X, Y, fwd, bwd, grads, 0)
    assert dot0.startswith("digraph") and "#ffd54f" not in dot0 and "1.230" not in dot0
    dot3 = charts.graph_dot(P, X, Y, fwd, bwd, grads, 3)  # f0, h1, f1 known; f1 current
    highlighted = [ln for ln in dot3.splitlines() if "#ffd54f" in ln]
    assert len(highlighted) == 1 and highlighted[0].strip().startswith("f1 ")
    assert "1.623" in dot3 and "5.068" not in dot3 and "∂ℓ" not in dot3
    dot_all = charts.graph_dot(P, X, Y, fwd, bwd, grads, len(toy.STEPS))
    assert "∂ℓ/∂f₀ = 2.281" in dot_all and "∂ℓ/∂ω₀ = 5.246" in dot_all
    assert [ln for ln in dot_all.splitlines() if "#ffd54f" in ln][0].strip().startswith("f0 ")


def test_loss_slice_tangent_has_the_gradient_as_slope():
    g = toy.hand_gradients(P, X, Y)
    fig = charts.loss_slice_figure(P, X, Y, "omega0", g["omega0"])
    curve, tangent, point = fig.data
    slope = (tangent.y[1] - tangent.y[0]) / (tangent.x[1] - tangent.x[0])
    assert slope == pytest.approx(5.246, abs=5e-4)
    assert point.x[0] == P["omega0"] and point.y[0] == pytest.approx(0.139, abs=5e-4)
    # The tangent touches the curve: numerically the curve's slope at θ0 is the same.
    i = int(np.argmin(np.abs(np.asarray(curve.x) - P["omega0"])))
    num = (curve.y[i + 1] - curve.y[i - 1]) / (curve.x[i + 1] - curve.x[i - 1])
    assert num == pytest.approx(slope, rel=0.02)


def test_function_figure_marks_data_point_and_prediction():
    fig = charts.function_figure(P, X, Y)
    by_name = {t.name: t for t in fig.data}
    assert tuple(by_name["data point (x, y)"].x) == (X,)
    assert by_name["prediction f[x, φ]"].y[0] == pytest.approx(2.372, abs=5e-4)


def test_fit_figures():
    xs, ys = toy.make_dataset()
    res = toy.sgd_fit(P, xs, ys, steps=1200)
    loss_fig = charts.fit_loss_figure(res.losses)
    assert len(loss_fig.data[0].x) <= 500 and loss_fig.layout.yaxis.type == "log"
    curve = charts.fit_curve_figure(xs, ys, res.start, res.params)
    assert [t.name for t in curve.data] == ["data", "before (starting parameters)", "after SGD"]
    assert len(curve.data[0].x) == 24
