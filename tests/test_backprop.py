"""Matrix-form backprop (core/backprop.py): hand = autograd = finite differences,
for random shapes and all three losses; the ReLU mask; the cost numbers; the tables
and figures as data."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core import backprop as bp
from core import backprop_report as rp
from core.charts import matrix as mc


@st.composite
def problems(draw, max_K=5, max_D=8, max_I=6):
    loss = draw(st.sampled_from(bp.LOSSES))
    K = draw(st.integers(1, max_K))
    D = draw(st.integers(1, max_D))
    D_in = draw(st.integers(1, 5))
    D_out = draw(st.integers(2 if loss == "softmax_ce" else 1, 5))
    I = draw(st.integers(1, max_I))  # noqa: E741
    seed = draw(st.integers(0, 2**31 - 1))
    return bp.make_problem(K, D, D_in, D_out, I, seed, loss)


@settings(max_examples=80, deadline=None)
@given(problems())
def test_hand_equals_autograd(p):
    fw = bp.forward(p)
    bw = bp.backward(p, fw)
    ag_om, ag_be, ag_loss = bp.autograd_grads(p)
    assert fw.loss == pytest.approx(ag_loss, rel=1e-12, abs=1e-12)
    for k in range(p.K + 1):
        assert bw.d_omega[k].shape == p.omegas[k].shape
        assert bw.d_beta[k].shape == p.betas[k].shape
        np.testing.assert_allclose(bw.d_omega[k], ag_om[k], rtol=0, atol=1e-9)
        np.testing.assert_allclose(bw.d_beta[k], ag_be[k], rtol=0, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(problems(max_K=4, max_D=6, max_I=4))
def test_finite_differences_pass(p):
    bw = bp.backward(p, bp.forward(p))
    fd = bp.finite_differences(p, bw, per_param=4, seed=1)
    tol = bp.fd_tolerance(bp.forward(p).loss)
    smooth = [e for e in fd if not e.kink]
    # Kinks need a pre-activation within ~1e-5 of 0: rare with Gaussian draws.
    assert len(smooth) >= len(fd) - 2
    for e in smooth:
        assert e.error <= tol, e


def test_finite_differences_restore_parameters():
    p = bp.make_problem(2, 3, 2, 2, 3, 0, "sigmoid_bce")
    before = [w.copy() for w in p.omegas + p.betas]
    bp.finite_differences(p, bp.backward(p, bp.forward(p)))
    for a, b in zip(before, p.omegas + p.betas, strict=True):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=40, deadline=None)
@given(problems())
def test_relu_mask_is_the_sign_of_the_preactivations(p):
    fw = bp.forward(p)
    bw = bp.backward(p, fw)
    assert len(bw.masks) == p.K
    for k, mask in enumerate(bw.masks):
        np.testing.assert_array_equal(mask, (np.sign(fw.f[k]) == 1).astype(float))
        np.testing.assert_array_equal(fw.h[k + 1], mask * fw.f[k])  # ReLU(f) = I[f>0] f
        np.testing.assert_array_equal(bw.df[k], mask * bw.dh[k + 1])


def test_mask_matches_torch_relu_derivative():
    p = bp.make_problem(3, 6, 4, 3, 5, 7, "least_squares")
    fw, bw = bp.forward(p), None
    bw = bp.backward(p, fw)
    for k, mask in enumerate(bw.masks):
        f = torch.tensor(fw.f[k], requires_grad=True)
        torch.relu(f).sum().backward()
        np.testing.assert_array_equal(mask, f.grad.numpy())


@settings(max_examples=30, deadline=None)
@given(problems())
def test_batch_gradient_is_the_sum_of_per_example_gradients(p):
    bw = bp.backward(p, bp.forward(p))
    per_om, per_be = bp.per_example_grads(p)
    assert len(per_om) == p.I
    rows = rp.batch_rows(bw, per_om, per_be)
    for r in rows:
        assert r[rp.BATCH_COLS[0]] <= 1e-12 and r[rp.BATCH_COLS[1]] <= 1e-12
    # the loss is a sum (not a mean) over the batch
    total = sum(bp.forward(p.example(i)).loss for i in range(p.I))
    assert bp.forward(p).loss == pytest.approx(total, rel=1e-12)


def test_loss_values_by_hand():
    f = np.array([[1.0, -2.0], [0.5, 3.0]])
    y_reg = np.array([[0.0, -1.0], [0.5, 1.0]])
    assert bp.loss_value(f, y_reg, "least_squares") == pytest.approx(0.5 * (1 + 1 + 0 + 4))
    np.testing.assert_allclose(bp.dloss_df(f, y_reg, "least_squares"), f - y_reg)
    y_cls = np.array([0, 1])
    expect = -np.log(np.exp(1) / (np.exp(1) + np.exp(0.5))) - np.log(
        np.exp(3) / (np.exp(-2) + np.exp(3))
    )
    assert bp.loss_value(f, y_cls, "softmax_ce") == pytest.approx(expect)
    y_bin = np.array([[1.0, 0.0], [0.0, 1.0]])
    s = 1 / (1 + np.exp(-f))
    expect = -np.sum(y_bin * np.log(s) + (1 - y_bin) * np.log(1 - s))
    assert bp.loss_value(f, y_bin, "sigmoid_bce") == pytest.approx(expect)
    np.testing.assert_allclose(bp.dloss_df(f, y_bin, "sigmoid_bce"), s - y_bin)


def test_a_wrong_gradient_is_caught():
    p = bp.make_problem(2, 4, 3, 3, 4, 3, "softmax_ce")
    bw = bp.backward(p, bp.forward(p))
    fd = bp.finite_differences(p, bw)
    tol = bp.fd_tolerance(bp.forward(p).loss)
    assert all(r["ok"] for r in bp.check_rows(p, bw, fd, tol))
    bw.d_omega[1] = bw.d_omega[1] * 1.001  # a 0.1% error in one layer
    rows = bp.check_rows(p, bw, fd, tol)
    assert [r["ok"] for r in rows] == [True, False, True]


def test_validation_messages():
    with pytest.raises(ValueError, match="at least 2 outputs"):
        bp.make_problem(2, 3, 2, 1, 4, 0, "softmax_ce")
    with pytest.raises(ValueError, match="K must be a positive"):
        bp.make_problem(0, 3, 2, 2, 4, 0, "least_squares")
    with pytest.raises(ValueError, match="unknown loss"):
        bp.make_problem(1, 3, 2, 2, 4, 0, "hinge")


def _naive_matmul_ops(a: np.ndarray, b: np.ndarray) -> int:
    """Count the multiplications and additions of the textbook triple loop."""
    ops = 0
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            acc = a[i, 0] * b[0, j]
            ops += 1
            for t in range(1, a.shape[1]):
                acc += a[i, t] * b[t, j]
                ops += 2
    return ops


@settings(max_examples=30, deadline=None)
@given(problems(max_K=6, max_D=10, max_I=8))
def test_cost_numbers(p):
    D_in, D_out, I = p.x.shape[0], p.omegas[-1].shape[0], p.I  # noqa: E741
    D = p.omegas[0].shape[0]
    c = bp.costs(p.K, D, D_in, D_out, I)
    fw = bp.forward(p)
    assert c["activation_bytes"] == sum(a.nbytes for a in fw.f + fw.h)
    assert c["param_bytes"] == sum(a.nbytes for a in p.omegas + p.betas)
    assert c["diag_bytes"] == np.diag(np.ones(D)).nbytes
    assert c["vector_bytes"] == np.ones(D).nbytes
    assert c["elementwise_ops_per_layer"] == fw.f[0].size  # one multiply per entry
    assert c["diag_ops_per_layer"] == _naive_matmul_ops(np.eye(D), np.ones((D, I)))
    assert c["diag_ops_total"] == p.K * c["diag_ops_per_layer"]


def test_memory_grows_with_the_batch_parameters_do_not():
    small, big = bp.costs(3, 8, 4, 2, 1), bp.costs(3, 8, 4, 2, 64)
    assert big["param_bytes"] == small["param_bytes"]
    assert big["activation_bytes"] == 64 * small["activation_bytes"]
    assert big["activation_bytes"] > big["param_bytes"]


def test_report_rows():
    p = bp.make_problem(3, 4, 2, 3, 5, 0, "least_squares")
    fw = bp.forward(p)
    bw = bp.backward(p, fw)
    fwd = rp.forward_rows(p, fw)
    assert [r["k"] for r in fwd] == [0, 1, 2, 3]
    assert (
        fwd[0]["Ω_k"] == "4×2" and fwd[3]["Ω_k"] == "3×4" and fwd[3]["f_k = β_k + Ω_k h_k"] == "3×5"
    )
    steps = rp.backward_rows(bw)
    assert len(steps) == 3 * 4 + 3  # f, Omega, beta per layer; h for layers 3..1
    assert steps[0] == {
        "quantity": "∂ℓ/∂f_3",
        "computed as": "∂ℓ/∂f_K from the loss (formula above)",
        "shape": "3×5",
    }
    by_q = {r["quantity"]: r["shape"] for r in steps}
    assert by_q["∂ℓ/∂Ω_0"] == "4×2" and by_q["∂ℓ/∂β_2"] == "4×1" and by_q["∂ℓ/∂h_1"] == "4×5"
    entry = rp.entry_rows(bw, bp.per_example_grads(p)[0], 3, (0, 0))
    assert len(entry) == 5 + 2 and entry[-1]["example i"] == "batch gradient"
    assert entry[-2][list(entry[-2])[1]] == entry[-1][list(entry[-1])[1]]


def test_charts_carry_the_data():
    m = np.array([[1.0, -3.0], [0.5, 2.0], [0.0, 0.0]])
    fig = mc.matrix_heatmap(m, "Ω_0", subtitle="shape 3×2")
    hm = fig.data[0]
    np.testing.assert_array_equal(np.asarray(hm.z), m)
    assert hm.zmin == -3.0 and hm.zmax == 3.0  # symmetric: 0 is the white midpoint
    assert fig.layout.title.text == "Ω_0" and fig.layout.title.subtitle.text == "shape 3×2"
    zeros = mc.matrix_heatmap(np.zeros((2, 2)), "z")
    assert zeros.data[0].zmax > zeros.data[0].zmin  # no degenerate colour range
    mask = np.array([[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(np.asarray(mc.mask_heatmap(mask, "I").data[0].z), mask)
    c = bp.costs(2, 5, 3, 2, 4)
    assert list(mc.memory_bars(c).data[0].x) == [c["param_bytes"], c["activation_bytes"]]
    assert list(mc.diag_bytes_bars(c).data[0].x) == [c["diag_bytes"], c["vector_bytes"]]
    assert list(mc.ops_bars(c).data[0].x) == [c["diag_ops_total"], c["elementwise_ops_total"]]
