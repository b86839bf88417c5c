"""The book's toy model (UDL section 7.3), backpropagated by hand and checked two ways.

    f[x, φ] = β3 + ω3·cos[β2 + ω2·exp[β1 + ω1·sin[β0 + ω0·x]]],   ℓ = (f − y)²

Everything here works on floats or on numpy arrays of data points (then the loss and the
parameter gradients are means over the points), so the lesson's page and the SGD fit use
the very same backward pass. Nothing here knows about Streamlit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import torch

PARAMS = ("beta0", "beta1", "beta2", "beta3", "omega0", "omega1", "omega2", "omega3")
# Notebook 7.1 "Backpropagation in Toy Model" (udlbook), so the page matches the book.
BOOK_PARAMS = {
    "beta0": 1.0, "beta1": 2.0, "beta2": -3.0, "beta3": 0.4,
    "omega0": 0.1, "omega1": -0.4, "omega2": 2.0, "omega3": 3.0,
}  # fmt: skip
BOOK_X, BOOK_Y = 2.3, 2.0

FORWARD = ("f0", "h1", "f1", "h2", "f2", "h3", "f3", "loss")
BACKWARD = ("f3", "h3", "f2", "h2", "f1", "h1", "f0")  # ∂ℓ/∂(node), in the order computed
# One step of the step-through per node: the forward pass, then the backward pass.
STEPS = tuple(("forward", n) for n in FORWARD) + tuple(("backward", n) for n in BACKWARD)
PARENT = {"f0": "x", "h1": "f0", "f1": "h1", "h2": "f1", "f2": "h2", "h3": "f2", "f3": "h3",
          "loss": "f3"}  # fmt: skip

# LaTeX for each forward node and for each backward derivative, the latter written in
# terms of the derivative computed just before it (that is the whole point of backprop).
LATEX_NAME = {"f0": "f_0", "h1": "h_1", "f1": "f_1", "h2": "h_2", "f2": "f_2", "h3": "h_3",
              "f3": "f_3", "loss": r"\ell", "x": "x"}  # fmt: skip
FORWARD_LATEX = {
    "f0": r"\beta_0 + \omega_0 x", "h1": r"\sin[f_0]", "f1": r"\beta_1 + \omega_1 h_1",
    "h2": r"\exp[f_1]", "f2": r"\beta_2 + \omega_2 h_2", "h3": r"\cos[f_2]",
    "f3": r"\beta_3 + \omega_3 h_3", "loss": r"(f_3 - y)^2",
}  # fmt: skip


def d_latex(node: str) -> str:
    return rf"\frac{{\partial \ell}}{{\partial {LATEX_NAME[node]}}}"


BACKWARD_LATEX = {
    "f3": r"2\,(f_3 - y)",
    "h3": r"\omega_3 \cdot " + d_latex("f3"),
    "f2": r"-\sin[f_2] \cdot " + d_latex("h3"),
    "h2": r"\omega_2 \cdot " + d_latex("f2"),
    "f1": r"\exp[f_1] \cdot " + d_latex("h2"),  # exp' = exp: the code reuses the stored h2
    "h1": r"\omega_1 \cdot " + d_latex("f1"),
    "f0": r"\cos[f_0] \cdot " + d_latex("h1"),
}
# ∂ℓ/∂βk = ∂ℓ/∂fk and ∂ℓ/∂ωk = (input of layer k)·∂ℓ/∂fk, with h0 = x.
LAYER_INPUT = {0: "x", 1: "h1", 2: "h2", 3: "h3"}
EXP_LIMIT = float(np.log(np.finfo(np.float64).max))  # ≈ 709.78: exp overflows above it


def forward(p: Mapping[str, float], x, y) -> dict[str, np.ndarray]:
    """Every intermediate quantity of the forward pass (stored: the backward pass needs them)."""
    with np.errstate(all="ignore"):  # overflow is detected and explained, not warned about
        f0 = p["beta0"] + p["omega0"] * np.asarray(x, dtype=np.float64)
        h1 = np.sin(f0)
        f1 = p["beta1"] + p["omega1"] * h1
        h2 = np.exp(f1)
        f2 = p["beta2"] + p["omega2"] * h2
        h3 = np.cos(f2)
        f3 = p["beta3"] + p["omega3"] * h3
        loss = (f3 - y) ** 2
    return dict(f0=f0, h1=h1, f1=f1, h2=h2, f2=f2, h3=h3, f3=f3, loss=loss)


def backward(p: Mapping[str, float], fwd: Mapping[str, np.ndarray], y) -> dict[str, np.ndarray]:
    """∂ℓ/∂(node) for every node, in reverse order, each from the one just before it."""
    with np.errstate(all="ignore"):
        d = {"f3": 2.0 * (fwd["f3"] - y)}
        d["h3"] = p["omega3"] * d["f3"]
        d["f2"] = -np.sin(fwd["f2"]) * d["h3"]
        d["h2"] = p["omega2"] * d["f2"]
        d["f1"] = fwd["h2"] * d["h2"]  # exp' = exp: reuse the stored h2
        d["h1"] = p["omega1"] * d["f1"]
        d["f0"] = np.cos(fwd["f0"]) * d["h1"]
    return d


def param_grads(fwd: Mapping[str, np.ndarray], bwd: Mapping[str, np.ndarray], x) -> dict:
    """∂ℓ/∂βk and ∂ℓ/∂ωk, averaged over the data points when x is an array."""
    inputs = {"x": np.asarray(x, dtype=np.float64), **fwd}
    g = {}
    with np.errstate(all="ignore"):
        for k, src in LAYER_INPUT.items():
            g[f"beta{k}"] = float(np.mean(bwd[f"f{k}"]))
            g[f"omega{k}"] = float(np.mean(inputs[src] * bwd[f"f{k}"]))
    return {name: g[name] for name in PARAMS}


def loss_value(p: Mapping[str, float], x, y) -> float:
    return float(np.mean(forward(p, x, y)["loss"]))


def hand_gradients(p: Mapping[str, float], x, y) -> dict[str, float]:
    fwd = forward(p, x, y)
    return param_grads(fwd, backward(p, fwd, y), x)


def autograd_gradients(p: Mapping[str, float], x, y) -> dict[str, float]:
    """The reference: the same model written in torch, float64, differentiated by autograd."""
    t = {k: torch.tensor(float(p[k]), dtype=torch.float64, requires_grad=True) for k in PARAMS}
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))
    yt = torch.as_tensor(np.asarray(y, dtype=np.float64))
    inner = t["beta1"] + t["omega1"] * torch.sin(t["beta0"] + t["omega0"] * xt)
    f = t["beta3"] + t["omega3"] * torch.cos(t["beta2"] + t["omega2"] * torch.exp(inner))
    ((f - yt) ** 2).mean().backward()
    return {k: float(t[k].grad) for k in PARAMS}


def finite_difference_gradients(p: Mapping[str, float], x, y, eps: float = 1e-6) -> dict:
    """Central differences, error O(eps²). The step is absolute, not relative to |θ|: ω0 is
    multiplied by x, so a step scaled up with a large ω0 would overshoot the wiggles."""
    g = {}
    for k in PARAMS:
        up, down = dict(p), dict(p)
        up[k] += eps
        down[k] -= eps
        g[k] = (loss_value(up, x, y) - loss_value(down, x, y)) / (2 * eps)
    return g


@dataclass(frozen=True)
class GradCheck:
    name: str
    hand: float
    autograd: float
    finite_diff: float
    diff_autograd: float
    diff_fd: float
    ok: bool


def check_gradients(p, x, y, tol_autograd=1e-9, tol_fd=1e-5) -> list[GradCheck]:
    """Hand vs autograd vs finite difference, per parameter. Tolerances are relative to
    max(1, |gradient|): float64 rounding and the FD truncation both grow with the values."""
    hand, auto, fd = (
        hand_gradients(p, x, y),
        autograd_gradients(p, x, y),
        finite_difference_gradients(p, x, y),
    )
    rows = []
    for k in PARAMS:
        scale = max(1.0, abs(hand[k]))
        da, dfd = abs(hand[k] - auto[k]), abs(hand[k] - fd[k])
        ok = bool(da <= tol_autograd * scale and dfd <= tol_fd * scale)  # False if nan
        rows.append(GradCheck(k, hand[k], auto[k], fd[k], da, dfd, ok))
    return rows


def format_value(v: float) -> str:
    """At least 3 decimals; overflow and its consequences said in words, never a bare nan."""
    v = float(v)
    if np.isnan(v):
        return "undefined (nan, after an overflow)"
    if np.isinf(v):
        return f"overflow ({'+' if v > 0 else '−'}∞)"
    if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
        return f"{v:.3e}"
    return f"{v:.3f}"


def overflow_messages(p: Mapping[str, float], x: float, fwd, bwd) -> list[str]:
    """Where the numbers first stop being finite, and why (forward first, then backward)."""
    msgs = []
    for node in FORWARD:
        if np.all(np.isfinite(fwd[node])):
            continue
        if node == "h2" and np.any(fwd["f1"] > EXP_LIMIT):
            msgs.append(
                f"Forward: h2 = exp(f1) overflows: f1 = {format_value(np.max(fwd['f1']))} is "
                f"above {EXP_LIMIT:.2f}, the largest x with exp(x) < 1.8e308 in float64."
            )
        elif np.isnan(fwd[node]).any() and not np.isinf(fwd[node]).any():
            msgs.append(f"Forward: {node} is undefined (nan): its input overflowed.")
        else:
            msgs.append(f"Forward: {node} overflows to infinity (beyond 1.8e308).")
        break  # later nodes only inherit the first overflow
    if not msgs:
        for node in BACKWARD:
            if not np.all(np.isfinite(bwd[node])):
                msgs.append(f"Backward: ∂ℓ/∂{node} overflows (its factors are huge).")
                break
    return msgs


def random_params(seed: int, scale: float = 2.0) -> dict[str, float]:
    """Uniform in [−scale, scale], rounded to 2 decimals so the inputs read cleanly."""
    rng = np.random.default_rng(seed)
    return {k: round(float(v), 2) for k, v in zip(PARAMS, rng.uniform(-scale, scale, 8))}


# --- Fitting with SGD, using the hand-written backward pass -------------------------------
# The data come from a "teacher" toy model near the book's values, so the student (the
# page's current parameters) has a reachable target.
TEACHER = {**BOOK_PARAMS, "beta0": 0.3, "omega0": 0.6, "beta2": -1.5, "omega3": 1.5}


def make_dataset(n: int = 24, noise: float = 0.1, seed: int = 0):
    rng = np.random.default_rng(seed)
    xs = np.sort(rng.uniform(-4.0, 4.0, n))  # shape (n,)
    ys = forward(TEACHER, xs, 0.0)["f3"] + noise * rng.standard_normal(n)
    return xs, ys


@dataclass
class FitResult:
    start: dict[str, float]
    params: dict[str, float]
    losses: list[float] = field(default_factory=list)  # full-data loss after each step
    diverged_at: int | None = None


def sgd_fit(
    p0: Mapping[str, float],
    xs: np.ndarray,
    ys: np.ndarray,
    lr: float = 0.01,
    steps: int = 500,
    batch_size: int = 4,
    seed: int = 0,
    progress: Callable[[int, float], None] | None = None,
) -> FitResult:
    """Minibatch SGD: φ ← φ − lr·∂ℓ/∂φ on a random batch. Stops (and says when) if the loss
    stops being finite, which is what too large a learning rate does to exp."""
    rng = np.random.default_rng(seed)
    p = {k: float(p0[k]) for k in PARAMS}
    res = FitResult(start=dict(p), params=p, losses=[loss_value(p, xs, ys)])
    for step in range(1, steps + 1):
        idx = rng.choice(len(xs), size=min(batch_size, len(xs)), replace=False)
        g = hand_gradients(p, xs[idx], ys[idx])
        p = {k: p[k] - lr * g[k] for k in PARAMS}
        loss = loss_value(p, xs, ys)
        res.losses.append(loss)
        if not np.isfinite(loss) or not all(np.isfinite(v) for v in p.values()):
            res.diverged_at = step
            break
        res.params = p
        if progress is not None:
            progress(step, loss)
    return res
