"""Signal propagation at initialization: does a deep MLP keep, lose or blow up its signal?

The net: `depth` layers nn.Linear(D, D, bias=False), each followed by the activation
(the last one too), initialized through core.init.init_linear. Input x ~ N(0, 1),
shape (batch, D). Loss L = sum(r * a_K) with a fixed random read-out r ~ N(0, 1) of the
last layer's activations, so the gradient entering the top is r: zero mean, unit
variance, whatever size the forward signal reached. Per layer k we measure the std of
the activations a_k (forward) and of dL/dh_k, the gradient with respect to the
pre-activations h_k = W_k a_{k-1} (backward), both pooled over batch and units.

Speed: depth 100 x width 512 x batch 1000 is 0.5 GFLOP per layer per direction, about
1.3 s for one float32 forward + backward on one core here. What makes it affordable:
- Gaussian schemes draw the same standard normals times their own std (likewise uniform
  ones), so their weights are c * W_base. ReLU, LeakyReLU and the identity are positively
  homogeneous and there is no bias, so a_k scales by c^k and dL/dh_k by c^(K-k): one pass
  of the family's base scheme serves every member (tests check this is exact). Tanh and
  sigmoid need one pass per scheme.
- The backward pass is explicit matrix products under no_grad, not autograd.
- Above ~0.15 s of float32 work a pass multiplies in bfloat16 (float32 accumulation):
  2.5x faster here, std curves within about 1% of float32 (tested).

Values are carried as scale x tensor with the log10 scale kept apart, so nothing
overflows in our arithmetic; core.signal_report says where a float32 net would hold inf
or underflow to zeros, and turns these numbers into curves, theory and verdicts.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from core.config import InitConfig
from core.init import LABELS, LEAKY_SLOPE, init_linear, seeded, weight_std

ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid", "linear")
HOMOGENEOUS = ("relu", "leaky_relu", "linear")  # a(c h) = c a(h) for c > 0
HIST_BINS = 40
FP32_BUDGET_FLOPS = 1.2e10  # ~0.15 s of float32 matmul on one core here; above: bfloat16


@dataclass(frozen=True)
class Scheme:
    label: str
    family: str  # schemes of one family draw the same numbers up to a factor
    registry: str  # name in core.init.WEIGHT_INITS


# Every registry scheme (Xavier and orthogonal keep gain 1 there, as in Glorot's paper:
# with ReLU they halve the variance per layer), with fixed parameters, plus "custom".
SCHEMES: dict[str, Scheme] = {
    "kaiming_normal": Scheme(LABELS["kaiming_normal"], "gauss", "kaiming_normal"),
    "kaiming_uniform": Scheme(LABELS["kaiming_uniform"], "uniform", "kaiming_uniform"),
    "xavier_normal": Scheme(LABELS["xavier_normal"], "gauss", "xavier_normal"),
    "xavier_uniform": Scheme(LABELS["xavier_uniform"], "uniform", "xavier_uniform"),
    "lecun_normal": Scheme(LABELS["lecun_normal"], "gauss", "lecun_normal"),
    "orthogonal": Scheme(LABELS["orthogonal"], "orthogonal", "orthogonal"),
    "default": Scheme(LABELS["default"], "uniform", "default"),
    "normal": Scheme("normal N(0, 1)", "gauss", "normal"),
    "uniform": Scheme("uniform U(−1, 1)", "uniform", "uniform"),
    "constant": Scheme("constant 1/D", "constant", "constant"),
    "zeros": Scheme(LABELS["zeros"], "constant", "zeros"),
    "custom": Scheme("custom N(0, σ²)", "gauss", "normal"),
}
DEFAULT_SCHEMES = ("kaiming_normal", "xavier_normal", "normal", "custom")
# The member of each family that is drawn for real (the others are multiples of it).
_BASE = {"gauss": "kaiming_normal", "uniform": "kaiming_uniform", "orthogonal": "orthogonal"}


@dataclass(frozen=True)
class SignalSettings:
    depth: int = 50  # the book's Figure 7.7: 50 layers of width 100
    width: int = 100
    activation: str = "relu"
    batch: int = 1000  # at most 1000: a pass keeps every layer's activations (B x D x K)
    seed: int = 0
    schemes: tuple[str, ...] = DEFAULT_SCHEMES
    custom_var: float = 0.1  # sigma^2 of the "custom" scheme (the book tries 0.001..1)

    def __post_init__(self):
        checks = [
            (1 <= self.depth <= 100, f"depth must be 1-100, got {self.depth}"),
            (4 <= self.width <= 1024, f"width must be 4-1024, got {self.width}"),
            (1 <= self.batch <= 1000, f"batch must be 1-1000, got {self.batch}"),
            (0 <= self.seed < 2**31, f"seed must be 0..2^31-1, got {self.seed}"),
            (self.activation in ACTIVATIONS, f"activation must be one of {ACTIVATIONS}"),
            (1e-8 <= self.custom_var <= 1e4, f"custom σ² must be 1e-8..1e4, got {self.custom_var}"),
            (len(self.schemes) > 0, "pick at least one scheme"),
        ]
        checks += [(s in SCHEMES, f"unknown scheme {s!r}") for s in self.schemes]
        for ok, msg in checks:
            if not ok:
                raise ValueError(msg)


def scheme_init(key: str, width: int, custom_var: float) -> InitConfig:
    """The registry config of a scheme: N(0, 1), U(-1, 1), constant 1/D, custom sigma."""
    params = {"normal": 1.0, "custom": math.sqrt(custom_var)}
    return InitConfig(
        scheme=SCHEMES[key].registry,
        sigma=params.get(key, 0.1),
        a=1.0,
        value=1.0 / width if key == "constant" else 0.0,
        bias="zeros",
    )


def weight_var(key: str, settings: SignalSettings) -> float:
    """sigma_w^2 of a scheme for this net, in closed form (core.init.weight_std)."""
    s, d = settings, settings.width
    cfg = scheme_init(key, d, s.custom_var)
    if key == "constant":
        return 0.0  # every weight equal: no spread at all
    return weight_std(cfg.scheme, d, d, cfg, s.activation) ** 2


@dataclass(frozen=True)
class PassSpec:
    family: str
    scale: float | None  # multiplier of the family's base weights; None: the shared pass


def plan(settings: SignalSettings) -> dict[str, tuple[PassSpec, float]]:
    """scheme -> (the pass that measures it, factor c its weights have over that pass's)."""
    out = {}
    for key in settings.schemes:
        fam = SCHEMES[key].family
        if fam == "constant":  # rank-1 and cheap: always its own exact pass
            value = scheme_init(key, settings.width, settings.custom_var).value
            out[key] = (PassSpec(fam, value), 1.0)
            continue
        base_var = weight_var(_BASE[fam], settings)
        c = math.sqrt(weight_var(key, settings) / base_var)
        if settings.activation in HOMOGENEOUS:
            out[key] = (PassSpec(fam, None), c)
        else:
            out[key] = (PassSpec(fam, c), 1.0)
    return out


@dataclass
class PassResult:
    """log10 of std and max|.| per layer (index k-1 for layer k); -inf means exactly 0."""

    fwd_log_std: np.ndarray
    fwd_log_max: np.ndarray
    bwd_log_std: np.ndarray
    bwd_log_max: np.ndarray
    hists: dict[int, tuple[np.ndarray, np.ndarray, float]] = field(default_factory=dict)
    precision: str = "float32"
    seconds: float = 0.0  # CPU time of this thread (torch runs on it: 1 thread)


def draw_inputs(batch: int, width: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """x (batch, D) and the read-out r (batch, D), from their own generator.

    Seeded with seed + 2**31, a number no weight seed (0..2**31-1) can take: with the
    same seed, x would repeat the weights' own normals and correlate with them.
    """
    g = torch.Generator().manual_seed(seed + 2**31)
    return torch.randn(batch, width, generator=g), torch.randn(batch, width, generator=g)


def draw_weights(
    key: str,
    depth: int,
    width: int,
    activation: str,
    seed: int,
    custom_var: float = 0.01,
    dtype: torch.dtype = torch.float32,
) -> list[torch.Tensor]:
    """Per-layer weights (out, in) exactly as init_linear draws them after seeding torch.

    init_linear uses torch's global RNG, so we fork it: other users' state is restored.
    """
    cfg = scheme_init(key, width, custom_var)
    layer = nn.utils.skip_init(nn.Linear, width, width, bias=False)
    out = []
    with seeded(seed):
        for _ in range(depth):
            init_linear(layer, cfg, activation)
            out.append(layer.weight.detach().to(dtype, copy=True))
    return out


def run_pass(
    depth: int, width: int, activation: str, batch: int, seed: int, family: str, scale
) -> PassResult:
    """One forward + backward pass for a family (the expensive part; pure, so cacheable)."""
    t0 = time.thread_time()
    flops = 4.0 * batch * width * width * depth
    dtype = torch.float32 if family == "constant" or flops <= FP32_BUDGET_FLOPS else torch.bfloat16
    if family == "constant":  # W = scale * ones: keep the number, multiply as rank 1
        weights = [float(scale)] * depth
        c = 1.0
    else:
        weights = draw_weights(_BASE[family], depth, width, activation, seed, dtype=dtype)
        c = 1.0 if scale is None else float(scale)
    x, r = draw_inputs(batch, width, seed)
    with torch.no_grad():
        res = _propagate(x.to(dtype), r.to(dtype), weights, c, activation)
    res.precision = str(dtype).replace("torch.", "")
    res.seconds = time.thread_time() - t0
    return res


def _matmul(a: torch.Tensor, w, transpose: bool, width: int) -> torch.Tensor:
    if isinstance(w, float):
        # Constant matrix: every unit gets w * (sum of inputs), the same number, so one
        # column (B, 1) stands for all D; pooled std and max are the same either way.
        total = a.sum(1, keepdim=True, dtype=torch.float32) * (width // a.shape[1])
        return (total * w).to(a.dtype)
    return a @ w.T if transpose else a @ w


def _stats(u: torch.Tensor, log_scale: float, centre: bool = False) -> tuple[float, float, float]:
    """log10 std and log10 max|.| of the true values 10**log_scale * u; rms of u."""
    n = u.numel()
    mean = float(u.sum(dtype=torch.float32)) / n
    rms = float(torch.linalg.vector_norm(u, dtype=torch.float32)) / math.sqrt(n)
    if centre:  # sigmoid sits near a large mean: rms^2 - mean^2 would cancel to noise
        std = float(torch.linalg.vector_norm(u - mean, dtype=torch.float32)) / math.sqrt(n)
    else:
        std = math.sqrt(max(rms * rms - mean * mean, 0.0))
    lo, hi = torch.aminmax(u)  # one pass, no |u| temporary
    mx = max(-float(lo), float(hi))
    if not (math.isfinite(std) and math.isfinite(mx)):
        return math.nan, math.nan, math.nan  # never expected: the scale is kept apart
    return _log10(std) + log_scale, _log10(mx) + log_scale, rms


def _rescale(u: torch.Tensor, rms: float, log_scale: float) -> float:
    """Bring u back to unit rms when it drifts 1000x away; exact for linear maps."""
    if rms > 0 and math.isfinite(rms) and abs(math.log10(rms)) > 3:
        u.div_(rms)
        return log_scale + math.log10(rms)
    return log_scale


def _log10(v: float) -> float:
    return math.log10(v) if v > 0 else -math.inf


def _histogram(u: torch.Tensor, log_scale: float, width: int) -> tuple:
    """(edges, counts) of the nonzero values (ReLU zeros would drown the rest), zero share."""
    flat = u.reshape(-1).float()
    nz = flat[flat != 0]
    zero_frac = 1.0 - nz.numel() / max(flat.numel(), 1)
    if nz.numel() == 0:
        return np.array([0.0, 0.0]), np.array([0]), zero_frac
    lo, hi = float(nz.min()), float(nz.max())
    hi = hi if hi > lo else lo + abs(lo) * 1e-6 + 1e-30
    counts = torch.histc(nz, HIST_BINS, lo, hi).numpy().astype(np.int64)
    counts *= width // u.shape[1]  # a (B, 1) column stands for D equal units
    edges = np.linspace(lo, hi, HIST_BINS + 1) * 10.0**log_scale
    return edges, counts, zero_frac


def _propagate(x, r, weights, c: float, act: str) -> PassResult:
    depth = len(weights)
    hist_at = sorted({1, (depth + 1) // 2, depth})
    fwd, bwd = np.empty((2, depth)), np.empty((2, depth))
    hists, saved = {}, []
    a, s = x, 0.0  # true activations = 10**s * a
    for k, w in enumerate(weights, start=1):
        h = _matmul(a, w, True, x.shape[1])  # (B, D): h_k = W_k a_{k-1}
        if c != 1.0:
            h.mul_(c)
        a, s, d = _activate(h, s, act)
        saved.append(d)
        fwd[0, k - 1], fwd[1, k - 1], rms = _stats(a, s, centre=act == "sigmoid")
        if k in hist_at:
            hists[k] = _histogram(a, s, x.shape[1])
        if act in HOMOGENEOUS or (act == "tanh" and d is None):  # a(c h) = c a(h) here
            s = _rescale(a, rms, s)  # (a ReLU mask saved in d keeps its signs)
    # Backward: g_K = r * a'(h_K); g_{k-1} = c (g_k W_k) * a'(h_{k-1}); linear in g, so
    # its scale t (log10) is kept apart exactly like the forward's.
    g, t = _apply_deriv(r, saved[-1], act), 0.0
    for k in range(depth, 0, -1):
        bwd[0, k - 1], bwd[1, k - 1], rms = _stats(g, t)
        if k == 1:
            break
        t = _rescale(g, rms, t) + (math.log10(c) if c > 0 else -math.inf)
        g = _apply_deriv(_matmul(g, weights[k - 1], False, x.shape[1]), saved[k - 2], act)
    return PassResult(fwd[0], fwd[1], bwd[0], bwd[1], hists)


def _activate(h: torch.Tensor, s: float, act: str):
    """a = act(10**s * h) carried as (u, s'), plus what the backward needs for a'(h)."""
    if act in HOMOGENEOUS:
        if act == "relu":
            a = h.relu_()
        elif act == "leaky_relu":
            a = torch.nn.functional.leaky_relu_(h, LEAKY_SLOPE)
        else:
            a = h
        return a, s, (a if act != "linear" else None)
    lo, hi = torch.aminmax(h)
    if act == "tanh" and max(-float(lo), float(hi)) * 10.0**s < 1e-4:
        # tanh(x) = x to float precision here: stay linear with the scale kept apart, so
        # a vanishing tanh net does not crawl through (slow, lossy) subnormal numbers.
        return h, s, None
    if s != 0.0:
        h.mul_(10.0**s)
    a = torch.tanh(h) if act == "tanh" else torch.sigmoid(h)
    d = 1 - a * a if act == "tanh" else a * (1 - a)
    return a, 0.0, d


def _apply_deriv(g: torch.Tensor, d, act: str) -> torch.Tensor:
    """g * a'(h): d is the saved activation (ReLU-like), a'(h) itself, or None for 1."""
    if d is None:
        return g
    d = d.expand_as(g)  # the top layer of a constant net: (B, 1) against the read-out
    if act == "relu":  # PyTorch's convention: relu'(0) = 0
        return torch.ops.aten.threshold_backward(g, d, 0)
    if act == "leaky_relu":
        return torch.ops.aten.leaky_relu_backward(g, d, LEAKY_SLOPE, True)
    return g * d
