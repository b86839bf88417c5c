"""Backpropagation in matrix form (Prince, Understanding Deep Learning, section 7.4).

A deep ReLU network in the book's notation, for a batch of I examples stored as
columns (each f_k and h_k is a D_k x I matrix):

    h_0 = x                              (D_in x I)
    f_k = beta_k + Omega_k h_k            k = 0..K   (D_{k+1} x I)
    h_{k+1} = ReLU(f_k)                   k = 0..K-1

So K hidden layers of width D and K+1 weight matrices: Omega_0 is D x D_in,
Omega_1..Omega_{K-1} are D x D, Omega_K is D_out x D.

The hand backward pass uses numpy only; the reference uses torch.autograd in
float64. Losses are SUMS over the batch (as the book writes them), so every
parameter gradient is a sum of per-example gradients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

LOSSES = ("least_squares", "softmax_ce", "sigmoid_bce")
LOSS_LABELS = {
    "least_squares": "least squares (regression)",
    "softmax_ce": "softmax cross-entropy (multiclass)",
    "sigmoid_bce": "sigmoid binary cross-entropy (binary)",
}
# Inclusive bounds the page offers; core accepts any positive sizes.
RANGES = {"K": (1, 8), "D": (1, 16), "D_in": (1, 16), "D_out": (1, 16), "I": (1, 64)}
BIAS_STD = 0.1  # small nonzero biases, so dl/dbeta differs visibly from zero
FD_EPS = 1e-6  # central-difference step: float64 rounding ~1e-10*|l| at this step


@dataclass
class Problem:
    """One network, one batch, one loss: everything the passes need."""

    omegas: list[np.ndarray]  # Omega_k: (D_{k+1}, D_k), k = 0..K
    betas: list[np.ndarray]  # beta_k: (D_{k+1}, 1), a column so it broadcasts over I
    x: np.ndarray  # (D_in, I)
    y: np.ndarray  # (D_out, I) floats; softmax_ce: (I,) class indices
    loss: str

    @property
    def K(self) -> int:
        return len(self.omegas) - 1

    @property
    def I(self) -> int:  # noqa: E743 - the book's name for the batch size
        return self.x.shape[1]

    def example(self, i: int) -> Problem:
        """The same network with only example i (column i) as its batch."""
        y = self.y[i : i + 1] if self.y.ndim == 1 else self.y[:, i : i + 1]
        return Problem(self.omegas, self.betas, self.x[:, i : i + 1], y, self.loss)


def validate(K: int, D: int, D_in: int, D_out: int, I: int, loss: str) -> None:  # noqa: E741
    """Raise ValueError with a message a student can act on."""
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    for name, v in {"K": K, "D": D, "D_in": D_in, "D_out": D_out, "I": I}.items():
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if loss == "softmax_ce" and D_out < 2:
        raise ValueError(
            "softmax cross-entropy needs at least 2 outputs (one per class): with one "
            "output softmax is always 1 and the gradient is 0. Raise the output dimension."
        )


def make_problem(K, D, D_in, D_out, I, seed, loss) -> Problem:  # noqa: E741
    """He-initialized weights (std sqrt(2/fan_in)), random data; all from `seed`."""
    validate(K, D, D_in, D_out, I, loss)
    rng = np.random.default_rng(seed)
    dims = [D_in] + [D] * K + [D_out]
    omegas = [rng.normal(0, np.sqrt(2 / dims[k]), (dims[k + 1], dims[k])) for k in range(K + 1)]
    betas = [rng.normal(0, BIAS_STD, (dims[k + 1], 1)) for k in range(K + 1)]
    x = rng.normal(size=(D_in, I))
    if loss == "least_squares":
        y = rng.normal(size=(D_out, I))
    elif loss == "softmax_ce":
        y = rng.integers(0, D_out, size=I)
    else:
        y = rng.integers(0, 2, size=(D_out, I)).astype(float)
    return Problem(omegas, betas, x, y, loss)


# ---- losses ------------------------------------------------------------------
def softmax(f: np.ndarray) -> np.ndarray:
    e = np.exp(f - f.max(axis=0, keepdims=True))  # shift per column: no overflow
    return e / e.sum(axis=0, keepdims=True)


def sigmoid(f: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(0.5 * f))  # same function, never overflows


def onehot(y: np.ndarray, n: int) -> np.ndarray:
    """(I,) class indices -> (n, I) columns of zeros with a single one."""
    out = np.zeros((n, y.shape[0]))
    out[y, np.arange(y.shape[0])] = 1.0
    return out


def loss_value(f_K: np.ndarray, y: np.ndarray, loss: str) -> float:
    """l = sum over the batch of l_i (the book's convention, no 1/I).

    least_squares: l_i = 1/2 ||f_i - y_i||^2    (the 1/2 makes dl/df = f - y)
    softmax_ce:    l_i = -log softmax(f_i)[y_i]
    sigmoid_bce:   l_i = -sum_j [y log s(f) + (1-y) log(1-s(f))] = sum_j softplus(f) - y f
    """
    if loss == "least_squares":
        return float(0.5 * np.sum((f_K - y) ** 2))
    if loss == "softmax_ce":
        m = f_K.max(axis=0)
        logsumexp = m + np.log(np.exp(f_K - m).sum(axis=0))
        return float(np.sum(logsumexp - f_K[y, np.arange(f_K.shape[1])]))
    return float(np.sum(np.logaddexp(0.0, f_K) - y * f_K))


def dloss_df(f_K: np.ndarray, y: np.ndarray, loss: str) -> np.ndarray:
    """dl/df_K, (D_out, I): column i is the derivative of l_i alone."""
    if loss == "least_squares":
        return f_K - y
    if loss == "softmax_ce":
        return softmax(f_K) - onehot(y, f_K.shape[0])
    return sigmoid(f_K) - y


# ---- the two passes, by hand ---------------------------------------------------
@dataclass
class Forward:
    f: list[np.ndarray]  # f_k, k = 0..K, (D_{k+1}, I)
    h: list[np.ndarray]  # h_k, k = 0..K, (D_k, I); h_0 = x
    loss: float


@dataclass
class Backward:
    df: list[np.ndarray]  # dl/df_k, k = 0..K, shape of f_k
    dh: list[np.ndarray]  # dl/dh_k = Omega_k^T dl/df_k, k = 0..K (dh[0] = dl/dx)
    masks: list[np.ndarray]  # I[f_k > 0], k = 0..K-1: the ReLU derivative
    d_omega: list[np.ndarray]  # dl/dOmega_k, shape of Omega_k
    d_beta: list[np.ndarray]  # dl/dbeta_k, shape of beta_k


def forward(p: Problem) -> Forward:
    h = [p.x]
    f = []
    for k in range(p.K + 1):
        f.append(p.betas[k] + p.omegas[k] @ h[k])
        if k < p.K:  # no ReLU after the last layer: f_K is the output
            h.append(np.maximum(f[k], 0.0))
    return Forward(f, h, loss_value(f[-1], p.y, p.loss))


def backward(p: Problem, fw: Forward) -> Backward:
    K = p.K
    df: list = [None] * (K + 1)
    dh: list = [None] * (K + 1)
    masks: list = [None] * K
    d_omega: list = [None] * (K + 1)
    d_beta: list = [None] * (K + 1)
    df[K] = dloss_df(fw.f[K], p.y, p.loss)
    for k in range(K, -1, -1):
        # (D_{k+1}, I) @ (I, D_k): the product sums over the batch by itself.
        d_omega[k] = df[k] @ fw.h[k].T
        d_beta[k] = df[k].sum(axis=1, keepdims=True)
        dh[k] = p.omegas[k].T @ df[k]  # (D_k, I)
        if k > 0:
            # diag(I[f > 0]) @ dh, computed as an elementwise product: never build diag.
            masks[k - 1] = (fw.f[k - 1] > 0).astype(float)
            df[k - 1] = masks[k - 1] * dh[k]
    return Backward(df, dh, masks, d_omega, d_beta)


# ---- the reference: torch.autograd in float64 ------------------------------------
def autograd_grads(p: Problem) -> tuple[list[np.ndarray], list[np.ndarray], float]:
    """(dl/dOmega_k, dl/dbeta_k, l) from torch.autograd, same losses, same sums."""
    om = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in p.omegas]
    be = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in p.betas]
    h = torch.tensor(p.x, dtype=torch.float64)
    for k in range(p.K + 1):
        f = be[k] + om[k] @ h
        if k < p.K:
            h = torch.relu(f)  # relu'(0) = 0 in torch, as I[f > 0] by hand
    if p.loss == "least_squares":
        loss = 0.5 * ((f - torch.tensor(p.y)) ** 2).sum()
    elif p.loss == "softmax_ce":  # torch wants (I, classes)
        loss = F.cross_entropy(f.T, torch.tensor(p.y, dtype=torch.long), reduction="sum")
    else:
        loss = F.binary_cross_entropy_with_logits(f, torch.tensor(p.y), reduction="sum")
    grads = torch.autograd.grad(loss, om + be)
    g = [t.numpy() for t in grads]
    return g[: p.K + 1], g[p.K + 1 :], float(loss.detach())


# ---- finite differences ---------------------------------------------------------
@dataclass
class FDEntry:
    param: str  # "Omega" or "beta"
    k: int
    index: tuple[int, int]
    hand: float
    fd: float
    kink: bool  # a pre-activation crossed 0 within +-eps: FD is meaningless there

    @property
    def error(self) -> float:
        return abs(self.hand - self.fd)


def _masks(p: Problem) -> list[np.ndarray]:
    return [f > 0 for f in forward(p).f[:-1]]


def finite_differences(
    p: Problem, bw: Backward, per_param: int = 3, seed: int = 0, eps: float = FD_EPS
) -> list[FDEntry]:
    """Central differences (l(t+eps) - l(t-eps)) / 2eps for sampled entries of every
    Omega_k and beta_k; each entry flags whether a ReLU switched during the probe."""
    rng = np.random.default_rng(seed)
    base = _masks(p)
    out = []
    for name, params, grads in (("Omega", p.omegas, bw.d_omega), ("beta", p.betas, bw.d_beta)):
        for k, (w, g) in enumerate(zip(params, grads, strict=True)):
            flat = rng.choice(w.size, size=min(per_param, w.size), replace=False)
            for idx in (np.unravel_index(int(j), w.shape) for j in flat):
                idx = (int(idx[0]), int(idx[1]))
                old = w[idx]
                vals, kink = [], False
                for step in (eps, -eps):
                    w[idx] = old + step
                    vals.append(forward(p).loss)
                    kink |= any((a != b).any() for a, b in zip(_masks(p), base, strict=True))
                w[idx] = old  # restore: the Problem is shared with the caller
                fd = (vals[0] - vals[1]) / (2 * eps)
                out.append(FDEntry(name, k, idx, float(g[idx]), fd, kink))
    return out


def fd_tolerance(loss: float) -> float:
    """Rounding in l(t+eps) - l(t-eps) is ~1e-16|l|/eps = 1e-10|l|; allow 1e4 times that."""
    return 1e-6 * (1.0 + abs(loss))


# ---- batches ---------------------------------------------------------------------
def per_example_grads(p: Problem) -> tuple[list[list[np.ndarray]], list[list[np.ndarray]]]:
    """[i][k] -> dl_i/dOmega_k and dl_i/dbeta_k, each example run through alone."""
    d_om, d_be = [], []
    for i in range(p.I):
        q = p.example(i)
        bw = backward(q, forward(q))
        d_om.append(bw.d_omega)
        d_be.append(bw.d_beta)
    return d_om, d_be


# ---- cost -----------------------------------------------------------------------
def costs(K: int, D: int, D_in: int, D_out: int, I: int, itemsize: int = 8) -> dict:  # noqa: E741
    """The slides' point, in numbers (float64: itemsize 8).

    diag: the ReLU Jacobian diag(I[f > 0]) as a dense D x D matrix vs its D-vector.
    ops: one layer, whole batch: dense (D x D)(D x I) product = D*I*D multiplications
         + D*I*(D-1) additions, vs D*I elementwise multiplications; times K hidden layers.
    activations: what forward() keeps for backward(): h_0 = x, h_1..h_K, f_0..f_K.
    params: every Omega_k and beta_k.
    """
    dims = [D_in] + [D] * K + [D_out]
    act_elems = I * (D_in + K * D + K * D + D_out)
    param_elems = sum(dims[k + 1] * dims[k] + dims[k + 1] for k in range(K + 1))
    dense_ops = D * I * (2 * D - 1)
    return {
        "diag_bytes": D * D * itemsize,
        "vector_bytes": D * itemsize,
        "diag_ops_per_layer": dense_ops,
        "elementwise_ops_per_layer": D * I,
        "diag_ops_total": K * dense_ops,
        "elementwise_ops_total": K * D * I,
        "activation_elems": act_elems,
        "activation_bytes": act_elems * itemsize,
        "param_elems": param_elems,
        "param_bytes": param_elems * itemsize,
    }


# ---- the page's check table ---------------------------------------------------------
AUTOGRAD_TOL = 1e-9


def check_rows(p: Problem, bw: Backward, fd: list[FDEntry], fd_tol: float) -> list[dict]:
    """Per layer k: max |hand - autograd| for Omega_k and beta_k, worst FD error, verdict.

    FD entries where a ReLU switched during the probe are left out of the verdict:
    the loss has a kink there, so the difference quotient is not a derivative."""
    ag_om, ag_be, _ = autograd_grads(p)
    rows = []
    for k in range(p.K + 1):
        d_om = float(np.abs(bw.d_omega[k] - ag_om[k]).max())
        d_be = float(np.abs(bw.d_beta[k] - ag_be[k]).max())
        mine = [e for e in fd if e.k == k and not e.kink]
        fd_err = max((e.error for e in mine), default=0.0)
        ok = d_om <= AUTOGRAD_TOL and d_be <= AUTOGRAD_TOL and fd_err <= fd_tol
        rows.append({"k": k, "omega_diff": d_om, "beta_diff": d_be, "fd_err": fd_err,
                     "fd_n": len(mine), "ok": ok})  # fmt: skip
    return rows
