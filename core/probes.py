"""What we measure inside the network. Pure functions over tensors the Trainer hands in.

Every step: norms of the weight gradients, bias gradients and of dloss/df_k (the
backprop signal) -- read from .grad after backward(), before optimizer.step().
Every K steps: activation statistics and histograms (stored as edges and counts,
never raw tensors), stuck units, weight norms and update-to-weight ratios.
"""

from __future__ import annotations

import numpy as np
import torch

# A unit is "stuck" when its activation's slope a'(f) is below this share of the
# slope's maximum on every example of the batch: a dead ReLU (slope 0) or a
# saturated tanh/sigmoid. Such a unit passes (almost) no gradient back.
STUCK_SLOPE = 0.05

_MAX_SLOPE = {"relu": 1.0, "leaky_relu": 1.0, "gelu": 1.13, "tanh": 1.0, "sigmoid": 0.25}


def grad_norms(grads: list[torch.Tensor]) -> list[float]:
    """L2 norm of each tensor, in one fused call and one conversion to Python."""
    if not grads:
        return []
    return torch.stack(torch._foreach_norm(grads)).tolist()


def activation_slope(f: torch.Tensor, activation: str) -> torch.Tensor | None:
    """a'(f) elementwise, or None where no unit can get stuck (linear)."""
    if activation in ("relu", "leaky_relu"):
        return (f > 0).to(f.dtype)  # leaky's 0.01 counts as stuck too: 1% < STUCK_SLOPE
    if activation == "tanh":
        return 1 - torch.tanh(f) ** 2
    if activation == "sigmoid":
        s = torch.sigmoid(f)
        return s * (1 - s)
    if activation == "gelu":
        return torch.func.grad(lambda z: torch.nn.functional.gelu(z).sum())(f)
    return None


def stuck_fraction(f: torch.Tensor, activation: str) -> float:
    """Share of units (columns of f, shape (B, units)) stuck on the whole batch."""
    slope = activation_slope(f, activation)
    if slope is None:
        return 0.0
    stuck = (slope < STUCK_SLOPE * _MAX_SLOPE[activation]).all(dim=0)
    return stuck.float().mean().item()


def histogram(t: torch.Tensor, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """(edges (bins+1,), counts (bins,)) of the finite values of t."""
    v = t.detach().reshape(-1)
    v = v[torch.isfinite(v)]
    if v.numel() == 0:
        return np.linspace(-1, 1, bins + 1, dtype=np.float32), np.zeros(bins, np.int64)
    lo, hi = v.min().item(), v.max().item()
    if hi - lo < 1e-12:  # a constant layer (zero init): one visible bar around the value
        lo, hi = lo - 0.5, hi + 0.5
    counts = torch.histc(v.float(), bins=bins, min=lo, max=hi)
    edges = np.linspace(lo, hi, bins + 1, dtype=np.float64)
    return edges.astype(np.float32), counts.numpy().astype(np.int64)


def mean_std(t: torch.Tensor) -> tuple[float, float]:
    t = t.detach()
    return t.mean().item(), (t.std().item() if t.numel() > 1 else 0.0)


@torch.no_grad()
def layer_probe(
    pre: list[torch.Tensor],
    post: list[torch.Tensor],
    weights: list[torch.Tensor],
    weights_before: list[torch.Tensor],
    activation: str,
    bins: int,
) -> dict:
    """Per-layer statistics at a snapshot step. Lists run over layers (output last)."""
    out = {k: [] for k in ("pre_mean", "pre_std", "post_mean", "post_std", "stuck")}
    out.update(weight_norm=[], update_ratio=[], pre_hist=[], post_hist=[])
    for k, f in enumerate(pre):
        h = post[k] if k < len(post) else f  # the output layer has no nonlinearity
        for name, t in (("pre", f), ("post", h)):
            m, s = mean_std(t)
            out[f"{name}_mean"].append(m)
            out[f"{name}_std"].append(s)
            out[f"{name}_hist"].append(histogram(t, bins))
        out["stuck"].append(stuck_fraction(f, activation) if k < len(post) else 0.0)
    for w, w0 in zip(weights, weights_before):
        wn = w0.norm().item()
        out["weight_norm"].append(w.norm().item())
        out["update_ratio"].append((w - w0).norm().item() / wn if wn > 0 else float("nan"))
    return out
