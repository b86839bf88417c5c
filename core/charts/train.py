"""Figures of the Train page, built from a History snapshot (see core/history.py).

Each layer keeps one colour on every chart (style.series_colors over the layers).
Lines are already thinned by History.snapshot (<= ~500 points per line).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.charts.style import base_layout, series_colors

GRAD_LABELS = {
    "grad_w": "‖∂ℓ/∂Ω‖ (weights)",
    "grad_b": "‖∂ℓ/∂β‖ (biases)",
    "grad_f": "‖∂ℓ/∂f‖ (backprop signal)",
}


def _finite_positive(y: np.ndarray) -> np.ndarray:
    """Log axes cannot show 0, nan or inf: leave gaps there instead of breaking the chart."""
    y = np.asarray(y, dtype=float).copy()
    y[~np.isfinite(y) | (y <= 0)] = np.nan
    return y


def loss_figure(snap: dict, log_y: bool = True, title: str = "Loss") -> go.Figure:
    s, p = snap["steps"], snap["probes"]
    fig = go.Figure()
    fig.add_scatter(x=s["step"], y=s["loss"], name="train (batch)", mode="lines",
                    line=dict(color="rgba(31,119,180,0.35)", width=1))  # fmt: skip
    fig.add_scatter(x=p["step"], y=p["train_loss"], name="train", mode="lines",
                    line=dict(color="#1f77b4", width=2))  # fmt: skip
    fig.add_scatter(x=p["step"], y=p["val_loss"], name="validation", mode="lines",
                    line=dict(color="#ff7f0e", width=2))  # fmt: skip
    if log_y:
        for tr in fig.data:
            tr.y = _finite_positive(tr.y)
        fig.update_yaxes(type="log")
    fig.update_xaxes(title="step")
    return base_layout(fig, title)


def accuracy_figure(snap: dict) -> go.Figure:
    p = snap["probes"]
    fig = go.Figure()
    fig.add_scatter(x=p["step"], y=p["train_acc"], name="train", line=dict(color="#1f77b4"))
    fig.add_scatter(x=p["step"], y=p["val_acc"], name="validation", line=dict(color="#ff7f0e"))
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    fig.update_xaxes(title="step")
    return base_layout(fig, "Accuracy")


def grad_norm_figure(snap: dict, layers: list[str], kind: str = "grad_w") -> go.Figure:
    """One line per layer, log scale: vanishing gradients sit decades below the others."""
    s = snap["steps"]
    fig = go.Figure()
    for name, color in zip(layers, series_colors(len(layers))):
        fig.add_scatter(x=s["step"], y=_finite_positive(s[f"{kind}/{name}"]), name=name,
                        mode="lines", line=dict(color=color, width=1.5))  # fmt: skip
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_xaxes(title="step")
    return base_layout(fig, f"Gradient norm per layer: {GRAD_LABELS[kind]}")


def layer_stat_figure(snap: dict, layers: list[str], stat: str, title: str, log_y=False):
    """A per-layer statistic from the probes over time (update ratio, stuck units...)."""
    p = snap["probes"]
    fig = go.Figure()
    for name, color in zip(layers, series_colors(len(layers))):
        y = p[f"{stat}/{name}"]
        fig.add_scatter(x=p["step"], y=_finite_positive(y) if log_y else y, name=name,
                        mode="lines", line=dict(color=color, width=1.5))  # fmt: skip
    if log_y:
        fig.update_yaxes(type="log", exponentformat="power")
    fig.update_xaxes(title="step")
    return base_layout(fig, title)


def histogram_figure(hist, layers: list[str], show: str = "both", cols: int = 4) -> go.Figure:
    """Small multiples: one panel per layer, pre-activations f (outline) and h = a[f] (filled).

    `hist` is a HistSnapshot; counts are of every unit on the probe batch.
    """
    n = len(layers)
    rows = (n + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=layers,
                        horizontal_spacing=0.04, vertical_spacing=min(0.12, 0.5 / rows))  # fmt: skip
    colors = series_colors(n)
    for k in range(n):
        r, c = k // cols + 1, k % cols + 1
        for which, data in (("pre", hist.pre[k]), ("post", hist.post[k])):
            if show not in ("both", which) or (which == "post" and k == n - 1):
                continue  # the output layer has no nonlinearity
            edges, counts = data
            centers = (edges[:-1] + edges[1:]) / 2
            fill = which == "post"
            fig.add_bar(
                x=centers, y=counts, width=np.diff(edges), row=r, col=c,
                name=f"{'h' if fill else 'f'}: {layers[k]}", showlegend=False,
                marker=dict(color=colors[k] if fill else "rgba(0,0,0,0)",
                            line=dict(color=colors[k], width=1)),
                opacity=0.75 if fill else 1.0,
                hovertemplate=f"{'h' if fill else 'f'} %{{x:.3g}}: %{{y}}<extra>{layers[k]}</extra>",
            )  # fmt: skip
    fig.update_layout(barmode="overlay", bargap=0)
    fig.update_xaxes(tickfont=dict(size=9), exponentformat="power")
    fig.update_yaxes(showticklabels=False)
    return base_layout(fig, None, height=max(220, 170 * rows))


def boundary_figure(grid_x, grid_y, probs, x, y, n_classes: int) -> go.Figure:
    """Decision regions of a 2-D classifier with the data points on top.

    probs: (G, G, C) class probabilities on the grid; x: (N, 2) points; y: (N,) labels.
    """
    colors = series_colors(max(n_classes, 2))
    fig = go.Figure()
    if n_classes == 2:
        fig.add_heatmap(x=grid_x, y=grid_y, z=probs[..., 1], zmin=0, zmax=1, showscale=False,
                        colorscale=[[0, colors[0]], [0.5, "white"], [1, colors[1]]],
                        opacity=0.55, hoverinfo="skip")  # fmt: skip
    else:
        label = probs.argmax(-1)
        scale = [[i / (n_classes - 1), colors[i]] for i in range(n_classes)]
        fig.add_heatmap(x=grid_x, y=grid_y, z=label, zmin=0, zmax=n_classes - 1,
                        colorscale=scale, showscale=False, opacity=0.35, hoverinfo="skip")  # fmt: skip
    for c in range(n_classes):
        m = y == c
        fig.add_scatter(x=x[m, 0], y=x[m, 1], mode="markers", name=f"class {c}",
                        marker=dict(color=colors[c], size=6, line=dict(color="white", width=0.7)))  # fmt: skip
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return base_layout(fig, "Decision boundary (validation points)", height=400)


def fit_figure(x_line, y_line, x, y) -> go.Figure:
    """A 1-D regression: the data and the network's current curve."""
    fig = go.Figure()
    fig.add_scatter(x=x, y=y, mode="markers", name="data", marker=dict(color="#7f7f7f", size=5))
    fig.add_scatter(
        x=x_line, y=y_line, mode="lines", name="network", line=dict(color="#d62728", width=3)
    )
    fig.update_xaxes(title="x (standardized)")
    return base_layout(fig, "Fitted curve", height=400)


def confusion_figure(matrix: np.ndarray) -> go.Figure:
    """Validation confusion matrix (rows: true class, columns: predicted)."""
    fig = go.Figure(go.Heatmap(z=matrix, colorscale="Blues", showscale=False,
                               text=matrix, texttemplate="%{text}"))  # fmt: skip
    fig.update_xaxes(title="predicted", dtick=1)
    fig.update_yaxes(title="true", dtick=1, autorange="reversed")
    return base_layout(fig, "Confusion matrix (validation)", height=400)
