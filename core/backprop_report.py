"""Tables of the matrix-backprop page as plain rows (list of dicts): no streamlit here,
so the page stays thin and the rows can be tested as data."""

from __future__ import annotations

import numpy as np

from core.backprop import Backward, FDEntry, Forward, Problem


def shape(a) -> str:
    """'3×5' for a 3 x 5 array."""
    return "×".join(str(n) for n in np.shape(a))


def forward_rows(p: Problem, fw: Forward) -> list[dict]:
    """One row per layer k: the shapes of Omega_k, beta_k, h_k, f_k and ReLU's output."""
    K = p.K
    return [
        {
            "k": k,
            "Ω_k": shape(p.omegas[k]),
            "β_k": shape(p.betas[k]),
            "h_k (input)": shape(fw.h[k]),
            "f_k = β_k + Ω_k h_k": shape(fw.f[k]),
            "h_{k+1} = ReLU(f_k)": shape(fw.f[k]) if k < K else "— (f_K is the output)",
            "active units in f_k": f"{(fw.f[k] > 0).mean():.0%}" if k < K else "—",
        }
        for k in range(K + 1)
    ]


def backward_rows(bw: Backward) -> list[dict]:
    """The backward pass in the order it runs (k = K down to 0), each with its shape."""
    K = len(bw.df) - 1
    rows = []
    for k in range(K, -1, -1):
        src = "∂ℓ/∂f_K from the loss (formula above)" if k == K else f"I[f_{k} > 0] ⊙ ∂ℓ/∂h_{k + 1}"
        rows += [
            (f"∂ℓ/∂f_{k}", src, shape(bw.df[k])),
            (f"∂ℓ/∂Ω_{k}", f"∂ℓ/∂f_{k} · h_{k}ᵀ", shape(bw.d_omega[k])),
            (f"∂ℓ/∂β_{k}", f"∂ℓ/∂f_{k} summed over the batch (columns)", shape(bw.d_beta[k])),
        ]
        if k > 0:  # dl/dh_0 = dl/dx is not needed: x is data, not a parameter
            rows.append((f"∂ℓ/∂h_{k}", f"Ω_{k}ᵀ · ∂ℓ/∂f_{k}", shape(bw.dh[k])))
    return [{"quantity": q, "computed as": how, "shape": s} for q, how, s in rows]


def check_table(rows: list[dict], ok: str, bad: str) -> list[dict]:
    """core.backprop.check_rows formatted for display."""
    return [
        {
            "layer k": r["k"],
            "max |hand − autograd| ∂ℓ/∂Ω_k": f"{r['omega_diff']:.1e}",
            "max |hand − autograd| ∂ℓ/∂β_k": f"{r['beta_diff']:.1e}",
            "max |hand − finite diff.|": f"{r['fd_err']:.1e}",
            "entries checked by FD": r["fd_n"],
            "verdict": ok if r["ok"] else bad,
        }
        for r in rows
    ]


def fd_table(fd: list[FDEntry], tol: float, ok: str, bad: str) -> list[dict]:
    """Each sampled finite-difference entry, its two values and its verdict."""
    return [
        {
            "parameter": f"{'Ω' if e.param == 'Omega' else 'β'}_{e.k}[{e.index[0]},{e.index[1]}]",
            "hand": f"{e.hand:+.10f}",
            "(ℓ(θ+ε) − ℓ(θ−ε)) / 2ε": f"{e.fd:+.10f}",
            "|difference|": f"{e.error:.1e}",
            "verdict": "kink: a ReLU switched, skipped"
            if e.kink
            else (ok if e.error <= tol else bad),
        }
        for e in fd
    ]


BATCH_COLS = ("max |Σ_i ∂ℓ_i/∂Ω_k − ∂ℓ/∂Ω_k|", "max |Σ_i ∂ℓ_i/∂β_k − ∂ℓ/∂β_k|")


def batch_rows(bw: Backward, per_om: list, per_be: list) -> list[dict]:
    """Per layer: how far the sum of per-example gradients is from the batch gradient."""
    return [
        {
            "layer k": k,
            BATCH_COLS[0]: float(np.abs(sum(g[k] for g in per_om) - bw.d_omega[k]).max()),
            BATCH_COLS[1]: float(np.abs(sum(g[k] for g in per_be) - bw.d_beta[k]).max()),
        }
        for k in range(len(bw.d_omega))
    ]


def entry_rows(bw: Backward, per_om: list, k: int, idx: tuple[int, int]) -> list[dict]:
    """One entry of dl/dOmega_k, example by example, then their sum and the batch value."""
    terms = [float(g[k][idx]) for g in per_om]
    label = f"∂ℓ_i/∂Ω_{k}[{idx[0]},{idx[1]}]"
    rows = [{"example i": str(i), label: f"{t:+.10f}"} for i, t in enumerate(terms)]
    rows.append({"example i": "sum over examples", label: f"{sum(terms):+.10f}"})
    rows.append({"example i": "batch gradient", label: f"{bw.d_omega[k][idx]:+.10f}"})
    return rows
