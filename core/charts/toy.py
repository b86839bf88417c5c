"""Figures, tables and the computation graph of the toy-model lesson: data in, picture out.

Plotly figures for the curves, Markdown (with KaTeX `$...$`) for the tables, and a DOT
string for the graph (st.graphviz_chart renders DOT in the browser, no system package).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from core import toy
from core.charts.style import base_layout, series_colors

C_MODEL, C_DATA, C_EXTRA, C_START = series_colors(4)
GREEK = {"beta": ("β", r"\beta"), "omega": ("ω", r"\omega")}
SUB = str.maketrans("0123", "₀₁₂₃")


def param_label(name: str, latex: bool = False) -> str:
    """'omega2' -> 'ω₂' (or '\\omega_2' for LaTeX)."""
    greek, k = name[:-1], name[-1]
    return f"{GREEK[greek][1]}_{k}" if latex else GREEK[greek][0] + k.translate(SUB)


def _num(v) -> str:
    """A number inside LaTeX: negatives in brackets so products read right, ∞ for overflow."""
    v = float(v)
    if np.isnan(v):
        return r"\text{nan}"
    if np.isinf(v):
        return r"\infty" if v > 0 else r"-\infty"
    s = toy.format_value(v)
    if "e" in s:
        mant, exp = s.split("e")
        s = rf"{mant}\times 10^{{{int(exp)}}}"
    return f"({s})" if v < 0 else s


def forward_numbers(p: Mapping[str, float], x: float, y: float, fwd, node: str) -> str:
    """The node's formula with the numbers put in (LaTeX)."""
    n = {k: _num(v) for k, v in {**p, **fwd, "x": x, "y": y}.items()}
    return {
        "f0": rf"{n['beta0']} + {n['omega0']} \cdot {n['x']}",
        "h1": rf"\sin[{n['f0']}]",
        "f1": rf"{n['beta1']} + {n['omega1']} \cdot {n['h1']}",
        "h2": rf"\exp[{n['f1']}]",
        "f2": rf"{n['beta2']} + {n['omega2']} \cdot {n['h2']}",
        "h3": rf"\cos[{n['f2']}]",
        "f3": rf"{n['beta3']} + {n['omega3']} \cdot {n['h3']}",
        "loss": rf"({n['f3']} - {n['y']})^2",
    }[node]


def backward_numbers(p: Mapping[str, float], y: float, fwd, bwd, node: str) -> str:
    n = {k: _num(v) for k, v in {**p, **fwd, "y": y}.items()}
    d = {k: _num(v) for k, v in bwd.items()}
    return {
        "f3": rf"2\,({n['f3']} - {n['y']})",
        "h3": rf"{n['omega3']} \cdot {d['f3']}",
        "f2": rf"-\sin[{n['f2']}] \cdot {d['h3']}",
        "h2": rf"{n['omega2']} \cdot {d['f2']}",
        "f1": rf"{n['h2']} \cdot {d['h2']}",
        "h1": rf"{n['omega1']} \cdot {d['f1']}",
        "f0": rf"\cos[{n['f0']}] \cdot {d['h1']}",
    }[node]


def _latex_table(header: str, rows: list[tuple[str, str, str, float]]) -> str:
    """Markdown table of (name, formula, with the numbers, value); LaTeX in the first three."""
    lines = [f"| {header} | with the numbers | value |", "|---|---|---|---:|"]
    lines += [f"| ${a}$ | ${b}$ | ${c}$ | {toy.format_value(v)} |" for a, b, c, v in rows]
    return "\n".join(lines)


def forward_table(p, x, y, fwd) -> str:
    """Markdown table: quantity, formula, numbers, value (overflow said in words)."""
    rows = [(toy.LATEX_NAME[n], toy.FORWARD_LATEX[n], forward_numbers(p, x, y, fwd, n), fwd[n])
            for n in toy.FORWARD]  # fmt: skip
    return _latex_table("quantity | formula", rows)


def backward_table(p, y, fwd, bwd) -> str:
    rows = [(toy.d_latex(n), toy.BACKWARD_LATEX[n], backward_numbers(p, y, fwd, bwd, n), bwd[n])
            for n in toy.BACKWARD]  # fmt: skip
    return _latex_table("derivative | chain rule", rows)


def step_latex(p, x, y, fwd, bwd, kind: str, node: str) -> str:
    """One line for the step-through: name = formula = numbers = value."""
    if kind == "forward":
        lhs, rule, nums, val = (
            toy.LATEX_NAME[node], toy.FORWARD_LATEX[node], forward_numbers(p, x, y, fwd, node),
            fwd[node],
        )  # fmt: skip
    else:
        lhs, rule, nums, val = (
            toy.d_latex(node), toy.BACKWARD_LATEX[node], backward_numbers(p, y, fwd, bwd, node),
            bwd[node],
        )  # fmt: skip
    return rf"{lhs} = {rule} = {nums} = {_num(val)}"


# --- The computation graph ---------------------------------------------------------------
def _short(v) -> str:
    """Graph labels stay short (long ones shrink the whole drawing); the tables explain."""
    v = float(v)
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "+∞ overflow" if v > 0 else "−∞ overflow"
    return toy.format_value(v)


def graph_dot(p, x: float, y: float, fwd, bwd, grads, step: int) -> str:
    """DOT of the chain x → f0 → h1 → … → ℓ with the parameters feeding each f_k.

    The first `step` entries of toy.STEPS are revealed: a forward step shows the node's
    value, a backward step adds ∂ℓ/∂node (and the gradients of the layer's β, ω once
    ∂ℓ/∂f_k is known). The node of the current step is highlighted.
    """
    shown = toy.STEPS[:step]
    fwd_known = {n for kind, n in shown if kind == "forward"}
    bwd_known = {n for kind, n in shown if kind == "backward"}
    current = shown[-1] if shown else None
    unicode_name = {"loss": "ℓ", **{n: n[0] + n[1].translate(SUB) for n in toy.FORWARD[:-1]}}
    lines = [
        "digraph toy {",
        '  rankdir=LR; bgcolor="transparent"; nodesep=0.2; ranksep=0.3;',
        '  node [shape=box, style="rounded,filled", fillcolor="#f5f5f5", color="#9e9e9e",'
        ' fontname="Helvetica", fontsize=13];',
        '  edge [color="#757575"];',
        f'  x [label="x = {_short(x)}", shape=ellipse, fillcolor="#e0e0e0"];',
        f'  y [label="y = {_short(y)}", shape=ellipse, fillcolor="#e0e0e0"];',
    ]
    for node in toy.FORWARD:
        label = f"{unicode_name[node]}\\n" + (_short(fwd[node]) if node in fwd_known else "?")
        fill = "#e3f2fd" if node in fwd_known else "#fafafa"
        if node in bwd_known:
            label += f"\\n∂ℓ/∂{unicode_name[node]} = {_short(bwd[node])}"
            fill = "#fff3e0"
        attrs = f'label="{label}", fillcolor="{fill}"'
        if current is not None and current[1] == node:
            attrs += ', fillcolor="#ffd54f", color="#e65100", penwidth=3'
        lines.append(f"  {node} [{attrs}];")
    for k in range(4):
        b, w = f"beta{k}", f"omega{k}"
        label = f"{param_label(b)} = {_short(p[b])}\\n"
        label += f"{param_label(w)} = {_short(p[w])}"
        if f"f{k}" in bwd_known:
            label += f"\\n∂ℓ/∂{param_label(b)} = {_short(grads[b])}"
            label += f"\\n∂ℓ/∂{param_label(w)} = {_short(grads[w])}"
        fill = "#fff3e0" if f"f{k}" in bwd_known else "#eeeeee"
        lines.append(f'  p{k} [label="{label}", shape=note, fillcolor="{fill}", fontsize=12];')
        # Same rank as f_k: the box sits right above its layer, the chain stays one row.
        lines.append(f"  p{k} -> f{k}; {{rank=same; p{k}; f{k}}}")
    chain = ["x", *toy.FORWARD]
    for a, b in zip(chain, chain[1:]):
        lines.append(f"  {a} -> {b};")
    lines.append("  y -> loss; {rank=same; y; loss}")
    lines.append("}")
    return "\n".join(lines)


# --- Plotly figures ----------------------------------------------------------------------
def _layout(fig: go.Figure, title: str) -> go.Figure:
    """The shared look, with the legend under the axis: above it, it hid the titles."""
    base_layout(fig, title, height=380)
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.22, x=0),
                      margin=dict(b=100))  # fmt: skip
    return fig


def _note_if_empty(fig: go.Figure, values, what: str) -> None:
    """An all-overflow curve would leave a blank chart: say why instead."""
    if not np.isfinite(np.asarray(values, dtype=float)).any():
        fig.add_annotation(text=f"{what} is not finite anywhere here: it overflows",
                           xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                           font=dict(size=14, color="#c62828"))  # fmt: skip


def function_figure(p, x: float, y: float) -> go.Figure:
    """f[x, φ] over x, the data point (x, y) and the model's prediction at x."""
    lo, hi = min(-5.0, x - 1.0), max(5.0, x + 1.0)
    xs = np.linspace(lo, hi, 400)
    f = toy.forward(p, xs, 0.0)["f3"]
    f_at = float(toy.forward(p, x, y)["f3"])
    fig = go.Figure()
    fig.add_scatter(x=xs, y=f, mode="lines", name="f[x, φ]", line=dict(color=C_MODEL))
    fig.add_scatter(x=[x, x], y=[y, f_at], mode="lines", name="residual f − y",
                    line=dict(color=C_EXTRA, dash="dot"))  # fmt: skip
    fig.add_scatter(x=[x], y=[y], mode="markers", name="data point (x, y)",
                    marker=dict(color=C_DATA, size=11, symbol="x"))  # fmt: skip
    fig.add_scatter(x=[x], y=[f_at], mode="markers", name="prediction f[x, φ]",
                    marker=dict(color=C_MODEL, size=9))  # fmt: skip
    _note_if_empty(fig, f, "f[x, φ]")
    fig.update_layout(xaxis_title="x", yaxis_title="f[x, φ]")
    return _layout(fig, "The toy function and the data point")


def loss_slice_figure(p, x: float, y: float, name: str, grad: float, half: float = 1.0):
    """ℓ as a function of one parameter (the others fixed), with the tangent line at the
    current value whose slope is the backprop gradient: if it touches, the gradient is right."""
    theta0 = float(p[name])
    thetas = np.linspace(theta0 - half, theta0 + half, 301)
    losses = np.array([toy.loss_value({**p, name: t}, x, y) for t in thetas])
    l0 = toy.loss_value(p, x, y)
    # The tangent is drawn only near the point so it cannot swamp the curve's scale.
    span = 0.35 * half
    tx = np.array([theta0 - span, theta0 + span])
    fig = go.Figure()
    fig.add_scatter(x=thetas, y=losses, mode="lines", name="ℓ", line=dict(color=C_MODEL))
    fig.add_scatter(x=tx, y=l0 + grad * (tx - theta0), mode="lines",
                    name=f"tangent, slope ∂ℓ/∂{param_label(name)} = {toy.format_value(grad)}",
                    line=dict(color=C_EXTRA, width=3))  # fmt: skip
    fig.add_scatter(x=[theta0], y=[l0], mode="markers", name="current value",
                    marker=dict(color=C_DATA, size=10))  # fmt: skip
    _note_if_empty(fig, losses, "The loss")
    finite = losses[np.isfinite(losses)]
    if finite.size:
        pad = 0.1 * (finite.max() - finite.min()) + 1e-3
        fig.update_yaxes(range=[finite.min() - pad, finite.max() + pad])
    fig.update_layout(xaxis_title=param_label(name), yaxis_title="loss ℓ")
    return _layout(fig, f"Loss along {param_label(name)}, other parameters fixed")


def fit_loss_figure(losses) -> go.Figure:
    """Full-data loss after each SGD step (log scale: it falls over decades)."""
    losses = np.asarray(losses, dtype=float)
    steps = np.arange(len(losses))
    if len(losses) > 500:  # thin what goes to the browser
        keep = np.unique(np.linspace(0, len(losses) - 1, 500).astype(int))
        steps, losses = steps[keep], losses[keep]
    fig = go.Figure()
    fig.add_scatter(x=steps, y=losses, mode="lines", name="loss", line=dict(color=C_MODEL))
    fig.update_layout(xaxis_title="SGD step", yaxis_title="mean loss", yaxis_type="log")
    fig.update_yaxes(dtick="D2")  # label 1, 2, 5 per decade, not every digit
    return _layout(fig, "Training loss (all data points)")


def fit_curve_figure(xs, ys, start: Mapping[str, float], fitted: Mapping[str, float]):
    """The dataset, the model before fitting and after."""
    lo, hi = float(np.min(xs)) - 0.5, float(np.max(xs)) + 0.5
    grid = np.linspace(lo, hi, 400)
    fig = go.Figure()
    fig.add_scatter(x=xs, y=ys, mode="markers", name="data", marker=dict(color=C_DATA, size=8))
    fig.add_scatter(x=grid, y=toy.forward(start, grid, 0.0)["f3"], mode="lines",
                    name="before (starting parameters)", line=dict(color=C_START, dash="dash"))  # fmt: skip
    fig.add_scatter(x=grid, y=toy.forward(fitted, grid, 0.0)["f3"], mode="lines",
                    name="after SGD", line=dict(color=C_MODEL, width=3))  # fmt: skip
    fig.update_layout(xaxis_title="x", yaxis_title="y")
    return _layout(fig, "The fit")
