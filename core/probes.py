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


def segment_stats(tensors: list[torch.Tensor], bins: int) -> dict:
    """Mean, std and histogram of each tensor, for all tensors in a handful of torch ops.

    A probe looks at 2 x (layers) tensors; doing them one by one costs ~10 small ops
    each, which at 30 layers dominated a training step. Here every value is tagged
    with its tensor's index (segment) and reduced with scatter/bincount at once.
    Non-finite values are left out of every statistic.
    """
    n = len(tensors)
    flat = [t.detach().reshape(-1).float() for t in tensors]
    v = torch.cat(flat)
    seg = torch.repeat_interleave(torch.arange(n), torch.tensor([f.numel() for f in flat]))
    finite = torch.isfinite(v)
    v = torch.where(finite, v, torch.zeros(()))
    seg = torch.where(finite, seg, torch.full((), n))  # non-finite -> an extra, ignored segment
    count = torch.bincount(seg, minlength=n + 1)[:n].double()
    total = torch.zeros(n + 1, dtype=torch.float64).index_add_(0, seg, v.double())[:n]
    sq = torch.zeros(n + 1, dtype=torch.float64).index_add_(0, seg, v.double() ** 2)[:n]
    mean = total / count.clamp(min=1)
    var = (sq - count * mean**2) / (count - 1).clamp(min=1)
    big = torch.finfo(torch.float32).max
    lo = torch.full((n + 1,), big).scatter_reduce(0, seg, v, "amin")[:n]
    hi = torch.full((n + 1,), -big).scatter_reduce(0, seg, v, "amax")[:n]
    empty = count == 0
    lo = torch.where(empty, torch.full((), -1.0), lo)
    hi = torch.where(empty, torch.full((), 1.0), hi)
    flat_range = (hi - lo) < 1e-12  # a constant layer (zero init): one bar around the value
    lo = torch.where(flat_range, lo - 0.5, lo)
    hi = torch.where(flat_range, hi + 0.5, hi)
    lo_all, hi_all = torch.cat([lo, lo[:1]]), torch.cat([hi, hi[:1]])
    pos = (v - lo_all[seg]) / (hi_all[seg] - lo_all[seg]) * bins
    b = pos.floor().long().clamp(0, bins - 1)
    counts = torch.bincount(seg * bins + b, minlength=(n + 1) * bins)[: n * bins].view(n, bins)
    lo_np, hi_np = lo.numpy()[:, None], hi.numpy()[:, None]
    edges = (lo_np + (hi_np - lo_np) * np.linspace(0, 1, bins + 1)[None]).astype(np.float32)
    counts_np = counts.numpy().astype(np.int64)
    hists = [(edges[k], counts_np[k]) for k in range(n)]
    std = torch.where(count > 1, var.clamp(min=0).sqrt(), torch.zeros(()))
    return {"mean": mean.tolist(), "std": std.tolist(), "hist": hists}


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
