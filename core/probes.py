"""What we measure inside the network. Pure functions over tensors the Trainer hands in.

Every step: norms of the weight gradients, bias gradients and of dloss/df_k (the
backprop signal) -- from one torch.autograd.grad call, before optimizer.step().
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
    return stuck_fractions([f], activation)[0]


def stuck_fractions(fs: list[torch.Tensor], activation: str) -> list[float]:
    """stuck_fraction of each pre-activation, in one pass over all layers."""
    if not fs:
        return []
    if activation_slope(fs[0][:1], activation) is None:
        return [0.0] * len(fs)
    widths = [f.shape[1] for f in fs]
    slope = activation_slope(torch.cat(fs, dim=1), activation)  # (B, sum of widths)
    stuck = (slope < STUCK_SLOPE * _MAX_SLOPE[activation]).all(dim=0).float()
    if len(set(widths)) == 1:  # hidden layers share one width: one reduction for all
        return stuck.view(len(fs), widths[0]).mean(dim=1).tolist()
    return torch.stack([s.mean() for s in stuck.split(widths)]).tolist()


def histogram(t: torch.Tensor, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """(edges (bins+1,), counts (bins,)) of the finite values of t."""
    return segment_stats([t], bins)["hist"][0]


def segment_stats(tensors: list[torch.Tensor], bins: int) -> dict:
    """Mean, std and histogram of each tensor, for all tensors in a handful of torch ops.

    A probe looks at 2 x (layers) tensors; doing them one by one costs ~10 small ops
    each, which at 30 layers dominated a training step. Tensors of the same size (all
    hidden layers) are stacked into one (n, size) matrix and reduced row by row.
    Non-finite values are left out of every statistic.
    """
    out = [None] * len(tensors)
    groups: dict[int, list[int]] = {}
    for i, t in enumerate(tensors):
        groups.setdefault(t.numel(), []).append(i)
    for idx in groups.values():
        rows = torch.stack([tensors[i].detach().reshape(-1).float() for i in idx])
        for i, stat in zip(idx, _row_stats(rows, bins)):
            out[i] = stat
    return {
        "mean": [o[0] for o in out],
        "std": [o[1] for o in out],
        "hist": [(o[2], o[3]) for o in out],
    }


def _row_stats(v: torch.Tensor, bins: int):
    """(mean, std, edges, counts) of each row of v (n, size), finite values only."""
    n = v.shape[0]
    finite = torch.isfinite(v)
    all_finite = bool(finite.all())
    x = v if all_finite else torch.where(finite, v, torch.zeros(()))
    count = finite.sum(dim=1).double()
    total = x.double().sum(dim=1)
    mean = total / count.clamp(min=1)
    dev = torch.where(finite, x - mean[:, None].float(), torch.zeros(())).double()
    var = (dev**2).sum(dim=1) / (count - 1).clamp(min=1)
    std = torch.where(count > 1, var.sqrt(), torch.zeros((), dtype=torch.float64))
    big = torch.finfo(torch.float32).max
    lo = (x if all_finite else torch.where(finite, x, torch.full((), big))).amin(dim=1)
    hi = (x if all_finite else torch.where(finite, x, torch.full((), -big))).amax(dim=1)
    empty = count == 0
    lo = torch.where(empty, torch.full((), -1.0), lo)
    hi = torch.where(empty, torch.full((), 1.0), hi)
    flat_range = (hi - lo) < 1e-12  # a constant layer (zero init): one bar around the value
    lo = torch.where(flat_range, lo - 0.5, lo)
    hi = torch.where(flat_range, hi + 0.5, hi)
    b = ((x - lo[:, None]) / (hi - lo)[:, None] * bins).floor().long().clamp(0, bins - 1)
    b = b + torch.arange(n)[:, None] * bins
    if not all_finite:
        b = torch.where(finite, b, torch.full((), n * bins))  # an extra, dropped bin
    counts = torch.bincount(b.reshape(-1), minlength=n * bins + 1)[: n * bins].view(n, bins)
    lo_np, hi_np = lo.numpy()[:, None], hi.numpy()[:, None]
    edges = (lo_np + (hi_np - lo_np) * np.linspace(0, 1, bins + 1)[None]).astype(np.float32)
    counts_np = counts.numpy().astype(np.int64)
    mean_l, std_l = mean.tolist(), std.tolist()
    return [(mean_l[k], std_l[k], edges[k], counts_np[k]) for k in range(n)]


@torch.no_grad()
def layer_probe(
    pre: list[torch.Tensor],
    post: list[torch.Tensor],
    weights: list[torch.Tensor],
    weights_before: list[torch.Tensor],
    activation: str,
    bins: int,
) -> dict:
    """Per-layer statistics at a snapshot step. Lists run over layers (output last).

    The output layer has no nonlinearity: its "post" statistics repeat its "pre".
    """
    L = len(pre)
    stats = segment_stats(pre + post, bins)
    out = {}
    for name, sl in (("pre", slice(0, L)), ("post", slice(L, 2 * L - 1))):
        out[f"{name}_mean"] = stats["mean"][sl] + ([stats["mean"][L - 1]] if name == "post" else [])
        out[f"{name}_std"] = stats["std"][sl] + ([stats["std"][L - 1]] if name == "post" else [])
        out[f"{name}_hist"] = stats["hist"][sl] + ([stats["hist"][L - 1]] if name == "post" else [])
    out["stuck"] = stuck_fractions(pre[:-1], activation) + [0.0]
    w_norm = torch.stack(torch._foreach_norm(list(weights)))
    w0_norm = torch.stack(torch._foreach_norm(list(weights_before)))
    d_norm = torch.stack(torch._foreach_norm(torch._foreach_sub(list(weights), weights_before)))
    ratio = torch.where(w0_norm > 0, d_norm / w0_norm, torch.full((), float("nan")))
    out["weight_norm"] = w_norm.tolist()
    out["update_ratio"] = ratio.tolist()
    return out
