"""Figures of the Initialization page: signal std per layer (log axis) and histograms.

Pure functions: SignalResult -> plotly Figure. A float32 net's inf, nan and zeros cannot
sit on a log axis, so lines are cut there and the cut is written at the line's end.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.charts.style import base_layout, series_colors
from core.signal_report import LOG10_F32_MAX, LOG10_F32_TINY, SignalResult

# Theory beyond float32's range has no float32 counterpart to compare with: not drawn.
_LO, _HI = 10.0**LOG10_F32_TINY, 10.0**LOG10_F32_MAX


def drawable(values: np.ndarray) -> tuple[list[int], list[float]]:
    """(layers, values) that a log axis can show: finite and > 0."""
    layers, ys = [], []
    for i, v in enumerate(np.asarray(values, dtype=float)):
        if math.isfinite(v) and v > 0:
            layers.append(i + 1)
            ys.append(float(v))
    return layers, ys


def std_figure(result: SignalResult, direction: str = "forward") -> go.Figure:
    """One solid line (measured) and one dashed (theory) per scheme, same colour."""
    fwd = direction == "forward"
    fig = go.Figure()
    colors = series_colors(len(result.schemes))
    missing = []
    for sr, color in zip(result.schemes, colors, strict=True):
        curve = sr.fwd if fwd else sr.bwd
        theory = sr.theory_fwd if fwd else sr.theory_bwd
        xs, ys = drawable(curve.std)
        fig.add_trace(
            go.Scatter(
                x=xs, y=ys, mode="lines+markers" if len(xs) < 3 else "lines",
                name=sr.label, legendgroup=sr.key, line=dict(color=color, width=2),
                hovertemplate="layer %{x}: std %{y:.3g}<extra>" + sr.label + "</extra>",
            )
        )  # fmt: skip
        if theory is not None:
            tx, ty = drawable(np.where((theory >= _LO) & (theory <= _HI), theory, np.nan))
            fig.add_trace(
                go.Scatter(
                    x=tx, y=ty, mode="lines", name=f"{sr.label}: theory",
                    legendgroup=sr.key, showlegend=False,
                    line=dict(color=color, width=1.5, dash="dash"),
                    hovertemplate="layer %{x}: theory %{y:.3g}<extra>" + sr.label + "</extra>",
                )
            )  # fmt: skip
        if curve.events and xs:
            # the line ends where the trouble starts: say so at its last drawn point
            end = xs[-1] if fwd else xs[0]
            fig.add_annotation(
                x=end, y=math.log10(ys[xs.index(end)]), text=curve.events[0],
                showarrow=True, arrowhead=2, ax=-30 if fwd else 30, ay=-25,
                font=dict(color=color, size=11), bgcolor="rgba(255,255,255,0.8)",
            )  # fmt: skip
        elif curve.events:
            missing.append(f"{sr.label}: {curve.events[0]}")  # no point to pin it to
    for i, text in enumerate(missing):
        fig.add_annotation(
            xref="paper", yref="paper", x=0.01, y=0.98 - 0.08 * i, showarrow=False,
            xanchor="left", text=text.replace(": ", ":<br>", 1), font=dict(size=11),
            bgcolor="rgba(255,255,255,0.8)", align="left",
        )  # fmt: skip
    depth = result.settings.depth
    what = "activations a_k" if fwd else "gradient ∂L/∂h_k"
    fig.update_xaxes(title="layer k", range=[0.5, depth + 0.5])
    fig.update_yaxes(title=f"std of {what}", type="log", exponentformat="power")
    title = "Forward: activations" if fwd else "Backward: gradients w.r.t. pre-activations"
    base_layout(fig, title=title, height=460)
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.15, x=0))
    return fig


def histogram_figure(result: SignalResult) -> go.Figure:
    """Rows: schemes; columns: first, middle and last layer; bars of the nonzero values."""
    rows = result.schemes
    layers = sorted({layer for sr in rows for layer, *_ in sr.hists})
    titles = []
    for sr in rows:
        by_layer = {h[0]: h for h in sr.hists}
        for layer in layers:
            _, _, _, zf, note = by_layer[layer]
            extra = note or (f"{zf:.0%} exactly 0" if zf > 0 else "")
            titles.append(f"{sr.label} · layer {layer}" + (f" ({extra})" if extra else ""))
    fig = make_subplots(
        rows=len(rows), cols=len(layers), subplot_titles=titles,
        vertical_spacing=min(0.12, 0.5 / max(len(rows), 1)), horizontal_spacing=0.06,
    )  # fmt: skip
    colors = series_colors(len(rows))
    for r, (sr, color) in enumerate(zip(rows, colors, strict=True), start=1):
        for c, (_, edges, counts, _, _) in enumerate(sr.hists, start=1):
            if edges is None or counts is None or counts.sum() == 0:
                continue
            centers = (edges[:-1] + edges[1:]) / 2
            fig.add_trace(
                go.Bar(
                    x=centers, y=counts, width=np.diff(edges), marker_color=color,
                    showlegend=False, name=sr.label,
                    hovertemplate="%{x:.3g}: %{y}<extra>" + sr.label + "</extra>",
                ),
                row=r, col=c,
            )  # fmt: skip
    fig.update_annotations(font_size=11)
    fig.update_xaxes(exponentformat="power")
    base_layout(fig, height=190 * len(rows) + 60)
    fig.update_layout(bargap=0, margin=dict(t=40))
    return fig
