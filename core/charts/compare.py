"""Figures of the Compare page: one colour per variant, the same colour on every chart.

Pure functions: (variant names, Run snapshots) -> plotly Figure. A snapshot is one
entry of core.run.Run.snapshot(): {"t", "status", "steps": {...}, "probes": {...}}.
Lines are thinned to at most `max_points` points, so a refresh stays small.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.charts.style import base_layout, series_colors
from core.history import thin_indices

# A gradient norm of exactly 0 (zero init, vanished signal) has no place on a log axis;
# it is drawn at this floor instead, and the hover text gives the true value.
GRAD_FLOOR = 1e-12


def _thin(series: dict, names: list[str], max_points: int) -> list[np.ndarray]:
    idx = thin_indices(len(series["step"]), max_points)
    return [np.asarray(series[n])[idx] for n in ["step", *names]]


def _finite(y: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(y), y, np.nan)  # inf after divergence would wreck the axis


def loss_figure(names: list[str], snaps: list[dict], max_points: int = 500) -> go.Figure:
    """Train (solid) and validation (dashed) loss of every variant, log scale."""
    fig = go.Figure()
    for name, snap, color in zip(names, snaps, series_colors(len(names))):
        steps, train, val = _thin(snap["probes"], ["train_loss", "val_loss"], max_points)
        for y, dash, kind in ((train, "solid", "train"), (val, "dash", "validation")):
            fig.add_trace(
                go.Scatter(
                    x=steps, y=_finite(y), mode="lines", name=name, legendgroup=name,
                    showlegend=kind == "train", line=dict(color=color, dash=dash),
                    hovertemplate=f"{name}<br>{kind} loss %{{y:.4g}} at step %{{x}}<extra></extra>",
                )
            )  # fmt: skip
    fig.update_yaxes(type="log", title="loss", dtick="D2")  # D2: label 1, 2, 5 per decade
    fig.update_xaxes(title="step")
    return base_layout(fig, "Loss: train (solid) and validation (dashed)", height=380)


def accuracy_figure(names: list[str], snaps: list[dict], max_points: int = 500) -> go.Figure:
    """Train (solid) and validation (dashed) accuracy; empty note for regression."""
    fig = go.Figure()
    for name, snap, color in zip(names, snaps, series_colors(len(names))):
        if "val_acc" not in snap["probes"]:
            continue
        steps, train, val = _thin(snap["probes"], ["train_acc", "val_acc"], max_points)
        for y, dash, kind in ((train, "solid", "train"), (val, "dash", "validation")):
            fig.add_trace(
                go.Scatter(
                    x=steps, y=y, mode="lines", name=name, legendgroup=name,
                    showlegend=kind == "train", line=dict(color=color, dash=dash),
                    hovertemplate=f"{name}<br>{kind} accuracy %{{y:.3f}} at step %{{x}}<extra></extra>",
                )
            )  # fmt: skip
    if not fig.data:
        fig.add_annotation(
            text="regression: no accuracy (see the loss)", showarrow=False, x=0.5, y=0.5,
            xref="paper", yref="paper",
        )  # fmt: skip
    fig.update_yaxes(title="accuracy", range=[0, 1.02])
    fig.update_xaxes(title="step")
    return base_layout(fig, "Accuracy: train (solid) and validation (dashed)", height=380)


def layer_names(snap: dict) -> list[str]:
    """Layer names of a variant, input side first ("hidden 1" ... "output")."""
    return [k.partition("/")[2] for k in snap["steps"] if k.startswith("grad_w/")]


def grad_figure(names: list[str], snaps: list[dict], max_points: int = 500) -> go.Figure:
    """‖∂loss/∂Ω‖ of the first and of the last layer over the steps, log scale."""
    fig = make_subplots(
        rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
        subplot_titles=("first layer (hidden 1)", "last layer (output)"),
    )  # fmt: skip
    for name, snap, color in zip(names, snaps, series_colors(len(names))):
        layers = layer_names(snap)
        for col, layer in ((1, layers[0]), (2, layers[-1])):
            steps, g = _thin(snap["steps"], [f"grad_w/{layer}"], max_points)
            g = _finite(g)
            fig.add_trace(
                go.Scatter(
                    x=steps, y=np.where(g > GRAD_FLOOR, g, GRAD_FLOOR), customdata=g,
                    mode="lines", name=name, legendgroup=name, showlegend=col == 1,
                    line=dict(color=color),
                    hovertemplate=f"{name}<br>{layer}: %{{customdata:.3g}} at step %{{x}}<extra></extra>",
                ),
                row=1, col=col,
            )  # fmt: skip
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_yaxes(title="gradient norm ‖∂L/∂Ω‖", row=1, col=1)
    fig.update_xaxes(title="step")
    fig = base_layout(fig, f"Weight-gradient norm (0 is drawn at {GRAD_FLOOR:g})", height=380)
    # The subplot titles sit where the shared style puts the legend: move it below.
    fig.update_layout(legend=dict(y=-0.22, yanchor="top"), margin=dict(b=90))
    return fig
