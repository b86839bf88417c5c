"""From measured passes to what the Initialization page shows: float32 view, theory, verdicts.

Theory is the variance recursion of an infinitely wide net (Prince 7.5; Poole et al.
2016). With h ~ N(0, q_k) pooled over units and batch:
    forward   q_1 = D sigma_w^2 E[x^2],   q_{k+1} = D sigma_w^2 E[a(h_k)^2]
    backward  r_K = E[a'(h_K)^2] (the read-out r has unit variance),
              r_k = D sigma_w^2 E[a'(h_k)^2] r_{k+1}
For ReLU E[a(h)^2] = q/2 and E[a'^2] = 1/2, so the factor per layer is D sigma_w^2 / 2 both
ways: He (2/D) keeps it, Glorot's gain-1 Xavier (1/D for square layers) halves it. For
linear nets the factor is D sigma_w^2. Tanh and sigmoid have no closed form: we integrate
the Gaussian numerically, which is exact in the wide limit (their factor near 0 is
D sigma_w^2 a'(0)^2: 1 x and 1/16 x).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.init import LEAKY_SLOPE
from core.signal import SCHEMES, PassResult, PassSpec, SignalSettings, plan, run_pass, weight_var

LOG10_F32_MAX = math.log10(float(np.finfo(np.float32).max))  # beyond: inf
LOG10_F32_TINY = math.log10(2.0**-149)  # smallest float32 subnormal; below: 0
STABLE = 1.1  # a per-layer variance factor within [1/1.1, 1.1] counts as stable

# relu-like activations: E[a^2] = K2 q, E[a] = K1 sqrt(q), E[a'^2] = D2, E[a'] = D1
_HOMOG = {
    "relu": (0.5, 1 / math.sqrt(2 * math.pi), 0.5),
    "leaky_relu": ((1 + LEAKY_SLOPE**2) / 2, (1 - LEAKY_SLOPE) / math.sqrt(2 * math.pi), (1 + LEAKY_SLOPE**2) / 2),
    "linear": (1.0, 0.0, 1.0),
}  # fmt: skip
_Z = np.linspace(-12, 12, 24001)
_PZ = np.exp(-0.5 * _Z**2)
_PZ /= _PZ.sum()


def _moments(act: str, lq: float) -> tuple[float, float, float]:
    """log10 E[a^2], log10 std(a), E[a'^2] for h ~ N(0, 10**lq)."""
    if act in _HOMOG:
        k2, k1, d2 = _HOMOG[act]
        return (
            lq + math.log10(k2),
            0.5 * (lq + math.log10(k2 - k1 * k1)) if k2 > k1 * k1 else lq / 2,
            d2,
        )
    q = 10.0**lq if lq > -300 else 0.0
    h = math.sqrt(q) * _Z
    a = np.tanh(h) if act == "tanh" else 1 / (1 + np.exp(-h))
    da = 1 - a * a if act == "tanh" else a * (1 - a)
    m2, m1 = float(_PZ @ (a * a)), float(_PZ @ a)
    var = float(_PZ @ (a - m1) ** 2)
    if act == "tanh" and lq < -8:  # linear regime, analytic and free of round-off
        return lq, lq / 2, 1.0
    if act == "sigmoid" and lq < -8:
        return math.log10(0.25 + q / 16), lq / 2 - math.log10(4), 1 / 16
    return math.log10(m2), 0.5 * math.log10(var) if var > 0 else -math.inf, float(_PZ @ (da * da))


def theory(act: str, depth: int, width: int, var_w: float) -> tuple[np.ndarray, np.ndarray]:
    """log10 std of a_k and of dL/dh_k per layer in the wide limit (-inf: exactly zero)."""
    fwd, bwd, d2s = np.empty(depth), np.empty(depth), np.empty(depth)
    if var_w == 0:
        return np.full(depth, -math.inf), np.full(depth, -math.inf)
    lw = math.log10(width * var_w)
    lq = lw  # E[x^2] = 1
    for k in range(depth):
        lm2, fwd[k], d2s[k] = _moments(act, lq)
        lq = lw + lm2
    lr = math.log10(d2s[-1])
    for k in range(depth - 1, -1, -1):
        bwd[k] = lr / 2
        if k:
            lr += lw + math.log10(d2s[k - 1])
    return fwd, bwd


@dataclass
class Curve:
    std: np.ndarray  # what a float32 net shows: finite > 0, 0, inf at overflow, nan after
    events: list[str]
    end: int | None  # last layer drawn before the line stops (None: never stops)


@dataclass
class SchemeResult:
    key: str
    label: str
    var_w: float
    fwd: Curve
    bwd: Curve
    theory_fwd: np.ndarray | None  # std per layer (None: no theory for this scheme)
    theory_bwd: np.ndarray | None
    factor: tuple[float, float] | None  # theory per-layer variance factor (fwd, bwd)
    measured: tuple[float, float]  # same, measured (nan if undefined)
    verdict: str
    hists: list[tuple[int, np.ndarray | None, np.ndarray | None, float, str]]


@dataclass
class SignalResult:
    settings: SignalSettings
    schemes: list[SchemeResult]
    precision: str
    seconds: float  # CPU seconds the passes took when they were computed


def float32_view(log_std: np.ndarray, log_max: np.ndarray, order) -> Curve:
    """Where a float32 net would hold inf (> 3.4e38) or only zeros (< 1.4e-45)."""
    std = np.full(len(log_std), np.nan)
    events, prev = [], None
    for k in order:  # 1-based layers in the direction the signal travels
        i = k - 1
        if math.isnan(log_max[i]):
            events.append(f"nan at layer {k}")
            return Curve(std, events, prev)
        if log_max[i] > LOG10_F32_MAX:
            std[i] = np.inf
            events.append(f"inf at layer {k} (float32 overflow)")
            return Curve(std, events, prev)
        if log_max[i] < LOG10_F32_TINY:
            rest = [j - 1 for j in order[order.index(k) :]]
            std[rest] = 0.0
            exact = log_max[i] == -math.inf
            events.append(f"all zeros from layer {k}" + ("" if exact else " (float32 underflow)"))
            return Curve(std, events, prev)
        std[i] = 10.0 ** log_std[i]
        if std[i] == 0 and not events:
            events.append(f"std 0 (all values equal) at layer {k}")
        prev = k
    return Curve(std, events, None)


def _measured_factor(curve: Curve, order) -> float:
    """Per-layer variance factor: geometric mean between the first and last drawn layer."""
    ks = [k for k in order if np.isfinite(curve.std[k - 1]) and curve.std[k - 1] > 0]
    if len(ks) < 2:
        return math.nan
    return (curve.std[ks[-1] - 1] / curve.std[ks[0] - 1]) ** (2 / (len(ks) - 1))


def _trend(f: float) -> str:
    return "stable" if 1 / STABLE <= f <= STABLE else ("vanishing" if f < 1 else "exploding")


_FORMULA = {
    "relu": "D·σ²/2",
    "leaky_relu": "D·σ²·(1+0.01²)/2",
    "linear": "D·σ²",
    "tanh": "D·σ²·tanh′(0)² near 0",
    "sigmoid": "D·σ²/16 near 0",
}


def verdict(key: str, s: SignalSettings, var_w: float, factor, measured, fwd, bwd) -> str:
    label = SCHEMES[key].label if key != "custom" else f"custom N(0, {s.custom_var:.3g})"
    head = f"**{label}**: σ² = {var_w:.3g}"
    if key == "zeros":
        body = "every weight 0: activations and gradients die at once, nothing can learn"
    elif key == "constant":
        body = "every unit of a layer computes the same number: the units never differ"
    else:
        f_fwd, f_bwd = factor
        near0 = s.width * var_w * {"tanh": 1.0, "sigmoid": 1 / 16}.get(s.activation, 0.0)
        m_fwd, m_bwd = (f"{m:.3g}" if math.isfinite(m) else "n/a" for m in measured)
        if s.activation in ("relu", "leaky_relu", "linear"):
            body = (
                f"factor per layer {_FORMULA[s.activation]} = {f_fwd:.3g} → {_trend(f_fwd)} "
                f"(measured: forward ×{m_fwd}, backward ×{m_bwd})"
            )
        else:
            body = (
                f"{_FORMULA[s.activation]} = {near0:.3g}; through the net: forward "
                f"×{f_fwd:.3g} ({_trend(f_fwd)}), backward ×{f_bwd:.3g} ({_trend(f_bwd)}) per layer "
                f"(measured ×{m_fwd}, ×{m_bwd})"
            )
    notes = fwd.events + [f"backward: {e}" for e in bwd.events]
    return head + " · " + body + ("" if not notes else " · " + "; ".join(notes))


def assemble(settings: SignalSettings, passes: dict[PassSpec, PassResult]) -> SignalResult:
    """Turn pass results into per-scheme curves (rescaling shared passes by c^k)."""
    s, depth = settings, settings.depth
    up, down = list(range(1, depth + 1)), list(range(depth, 0, -1))
    ks = np.arange(1, depth + 1)
    out = []
    for key, (spec, c) in plan(s).items():
        p, lc = passes[spec], math.log10(c)
        fwd = float32_view(p.fwd_log_std + ks * lc, p.fwd_log_max + ks * lc, up)
        bwd = float32_view(
            p.bwd_log_std + (depth - ks) * lc, p.bwd_log_max + (depth - ks) * lc, down
        )
        blocked = [e for e in fwd.events if "float32" in e]
        if blocked:  # a float32 net's forward already holds inf or lost everything to 0
            bwd = Curve(np.full(depth, np.nan), [f"not computed: forward {blocked[0]}"], None)
        var_w = weight_var(key, s)
        has_theory = key != "constant"
        th_f, th_b = theory(s.activation, depth, s.width, var_w) if has_theory else (None, None)
        if has_theory and var_w > 0 and depth > 1:
            factor = (10 ** (2 * (th_f[-1] - th_f[0]) / (depth - 1)),
                      10 ** (2 * (th_b[0] - th_b[-1]) / (depth - 1)))  # fmt: skip
            if s.activation in ("relu", "leaky_relu", "linear"):  # exact, also for depth 1
                factor = (s.width * var_w * _HOMOG[s.activation][0],) * 2
        elif has_theory and var_w > 0:
            factor = (s.width * var_w * _moments(s.activation, 0.0)[2],) * 2
        else:
            factor = (0.0, 0.0)
        measured = (_measured_factor(fwd, up), _measured_factor(bwd, down))
        hists = []
        for layer, (edges, counts, zf) in sorted(p.hists.items()):
            st = fwd.std[layer - 1]
            if not np.isfinite(st):
                hists.append((layer, None, None, zf, "inf/nan in float32"))
            else:
                hists.append((layer, edges * c**layer, counts, zf, ""))
        out.append(
            SchemeResult(
                key, SCHEMES[key].label if key != "custom" else f"custom N(0, {s.custom_var:.3g})",
                var_w, fwd, bwd,
                None if th_f is None else 10.0**th_f, None if th_b is None else 10.0**th_b,
                factor, measured, verdict(key, s, var_w, factor, measured, fwd, bwd), hists,
            )
        )  # fmt: skip
    used = {p.precision for p in passes.values()}
    return SignalResult(s, out, "/".join(sorted(used)), sum(p.seconds for p in passes.values()))


def propagate(settings: SignalSettings, runner=run_pass) -> SignalResult:
    """Measure every chosen scheme; `runner` lets the page put a cache around run_pass."""
    s = settings
    specs = {spec for spec, _ in plan(s).values()}
    passes = {
        spec: runner(s.depth, s.width, s.activation, s.batch, s.seed, spec.family, spec.scale)
        for spec in sorted(specs, key=lambda sp: (sp.family, sp.scale or 0.0))
    }
    return assemble(s, passes)
