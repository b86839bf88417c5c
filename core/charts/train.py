"""Figures of the Train page, built from a History snapshot (see core/history.py).

Each layer keeps one colour on every chart (style.series_colors over the layers).
Lines are already thinned by History.snapshot (<= ~500 points per line). Figures
are built from dicts (style.figure) because they are redrawn live.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.charts.style import figure, layout, series_colors

GRAD_LABELS = {
    "grad_w": "‖∂ℓ/∂Ω‖ (weights)",
    "grad_b": "‖∂ℓ/∂β‖ (biases)",
    "grad_f": "‖∂ℓ/∂f‖ (backprop signal)",
}
FEW_POINTS = 20
GRID = dict(gridcolor="#eee", zerolinecolor="#ddd")
STEP_AXIS = dict(title=dict(text="step"), **GRID)
LOG_AXIS = dict(type="log", exponentformat="power", **GRID)


def _finite_positive(y) -> np.ndarray:
    """Log axes cannot show 0, nan or inf: leave gaps there instead of breaking the chart."""
    y = np.asarray(y, dtype=float).copy()
    y[~np.isfinite(y) | (y <= 0)] = np.nan
    return y


def _line(x, y, name, color, width=1.5, **kw) -> dict:
    # A line of one or a few points (a probe after the first steps) would draw nothing:
    # show its points as markers until it is long enough to read as a line.
    mode = "lines+markers" if len(x) < FEW_POINTS else "lines"
    return dict(type="scatter", mode=mode, x=x, y=y, name=name, marker=dict(size=5),
                line=dict(color=color, width=width), **kw)  # fmt: skip


def loss_figure(snap: dict, log_y: bool = True, title: str = "Loss") -> go.Figure:
    s, p = snap["steps"], snap["probes"]
    f = _finite_positive if log_y else np.asarray
    traces = [
        _line(s["step"], f(s["loss"]), "train (batch)", "rgba(31,119,180,0.35)", 1),
        _line(p["step"], f(p["train_loss"]), "train", "#1f77b4", 2),
        _line(p["step"], f(p["val_loss"]), "validation", "#ff7f0e", 2),
    ]
    return figure(traces, layout(title, xaxis=STEP_AXIS, yaxis=LOG_AXIS if log_y else GRID))


def accuracy_figure(snap: dict) -> go.Figure:
    p = snap["probes"]
    traces = [
        _line(p["step"], p["train_acc"], "train", "#1f77b4", 2),
        _line(p["step"], p["val_acc"], "validation", "#ff7f0e", 2),
    ]
    y = dict(range=[0, 1.02], tickformat=".0%", **GRID)
    return figure(traces, layout("Accuracy", xaxis=STEP_AXIS, yaxis=y))


def per_layer_figure(x, series: dict, layers: list[str], title: str, log_y: bool) -> go.Figure:
    """One line per layer (series[name] -> y), in the layer's colour."""
    traces = [
        _line(x, _finite_positive(series[name]) if log_y else series[name], name, color)
        for name, color in zip(layers, series_colors(len(layers)))
    ]
    return figure(traces, layout(title, xaxis=STEP_AXIS, yaxis=LOG_AXIS if log_y else GRID))


def grad_norm_figure(snap: dict, layers: list[str], kind: str = "grad_w") -> go.Figure:
    """One line per layer, log scale: vanishing gradients sit decades below the others."""
    s = snap["steps"]
    series = {name: s[f"{kind}/{name}"] for name in layers}
    return per_layer_figure(s["step"], series, layers,
                            f"Gradient norm per layer: {GRAD_LABELS[kind]}", True)  # fmt: skip


def layer_stat_figure(snap: dict, layers: list[str], stat: str, title: str, log_y=False):
    """A per-layer statistic from the probes over time (update ratio, stuck units...)."""
    p = snap["probes"]
    series = {name: p[f"{stat}/{name}"] for name in layers}
    return per_layer_figure(p["step"], series, layers, title, log_y)


def histogram_figure(hist, layers: list[str], show: str = "both", cols: int = 4) -> go.Figure:
    """Small multiples: one panel per layer, pre-activations f (outline) and h = a[f] (filled).

    `hist` is a HistSnapshot; counts are of every unit on the probe batch. Panels are
    laid out by hand (axis domains) rather than with make_subplots, which is slow.
    """
    n = len(layers)
    rows = (n + cols - 1) // cols
    # room between rows for the x tick labels above and the panel title below
    gap_x, gap_y = 0.04, min(0.2, 0.6 / rows)
    w, h = (1 - gap_x * (cols - 1)) / cols, (1 - gap_y * (rows - 1)) / rows
    colors = series_colors(n)
    traces, lay, notes = [], layout(None, height=max(230, 175 * rows)), []
    for k in range(n):
        r, c = divmod(k, cols)
        ax = "" if k == 0 else str(k + 1)
        x0, y1 = c * (w + gap_x), 1 - r * (h + gap_y)
        x1, y0 = min(1.0, x0 + w), max(0.0, round(y1 - h, 9))  # float dust must stay in [0, 1]
        lay[f"xaxis{ax}"] = dict(domain=[x0, x1], anchor=f"y{ax}", tickfont=dict(size=9),
                                 exponentformat="power", **GRID)  # fmt: skip
        lay[f"yaxis{ax}"] = dict(domain=[y0, y1], anchor=f"x{ax}", showticklabels=False, **GRID)
        notes.append(dict(text=layers[k], x=x0 + w / 2, y=y1, xref="paper", yref="paper",
                          yanchor="bottom", showarrow=False, font=dict(size=12)))  # fmt: skip
        for which, data in (("pre", hist.pre[k]), ("post", hist.post[k])):
            if show not in ("both", which) or (which == "post" and k == n - 1):
                continue  # the output layer has no nonlinearity
            edges, counts = data
            sym = "h" if which == "post" else "f"
            traces.append(dict(
                type="bar", x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges),
                xaxis=f"x{ax}", yaxis=f"y{ax}", name=f"{sym}: {layers[k]}", showlegend=False,
                marker=dict(color=colors[k] if sym == "h" else "rgba(0,0,0,0)",
                            line=dict(color=colors[k], width=1)),
                opacity=0.75 if sym == "h" else 1.0,
                hovertemplate=f"{sym} %{{x:.3g}}: %{{y}}<extra>{layers[k]}</extra>",
            ))  # fmt: skip
    lay.update(barmode="overlay", bargap=0, annotations=notes, margin=dict(l=20, r=20, t=30, b=30))
    return figure(traces, lay)


def boundary_figure(grid_x, grid_y, probs, x, y, n_classes: int) -> go.Figure:
    """Decision regions of a 2-D classifier with the data points on top.

    probs: (G, G, C) class probabilities on the grid; x: (N, 2) points; y: (N,) labels.
    """
    colors = series_colors(max(n_classes, 2))
    if n_classes == 2:
        heat = dict(z=probs[..., 1], zmin=0, zmax=1, opacity=0.55,
                    colorscale=[[0, colors[0]], [0.5, "white"], [1, colors[1]]])  # fmt: skip
    else:
        scale = [[i / (n_classes - 1), colors[i]] for i in range(n_classes)]
        heat = dict(z=probs.argmax(-1), zmin=0, zmax=n_classes - 1, colorscale=scale, opacity=0.35)
    traces = [dict(type="heatmap", x=grid_x, y=grid_y, showscale=False, hoverinfo="skip", **heat)]
    for c in range(n_classes):
        m = y == c
        traces.append(dict(type="scatter", mode="markers", x=x[m, 0], y=x[m, 1], name=f"class {c}",
                           marker=dict(color=colors[c], size=6, line=dict(color="white", width=0.7))))  # fmt: skip
    lay = layout("Decision boundary (validation points)", height=400,
                 yaxis=dict(scaleanchor="x", scaleratio=1))  # fmt: skip
    return figure(traces, lay)


def fit_figure(x_line, y_line, x, y) -> go.Figure:
    """A 1-D regression: the data and the network's current curve."""
    traces = [
        dict(type="scatter", mode="markers", x=x, y=y, name="data",
             marker=dict(color="#7f7f7f", size=5)),
        _line(x_line, y_line, "network", "#d62728", 3),
    ]  # fmt: skip
    return figure(traces, layout("Fitted curve", height=400,
                                 xaxis=dict(title=dict(text="x (standardized)"), **GRID)))  # fmt: skip


def confusion_figure(matrix: np.ndarray) -> go.Figure:
    """Validation confusion matrix (rows: true class, columns: predicted)."""
    trace = dict(type="heatmap", z=matrix, colorscale="Blues", showscale=False,
                 text=matrix, texttemplate="%{text}")  # fmt: skip
    lay = layout("Confusion matrix (validation)", height=400,
                 xaxis=dict(title=dict(text="predicted"), dtick=1),
                 yaxis=dict(title=dict(text="true"), dtick=1, autorange="reversed"))  # fmt: skip
    return figure([trace], lay)
