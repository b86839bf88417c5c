"""Shared look of every chart: one colour per layer (or per variant) everywhere."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.colors import qualitative, sample_colorscale

# Up to 10 series get distinct categorical colours; deeper nets get a sequential
# ramp so that layer order stays readable (first layers light, last layers dark).
_CATEGORICAL = qualitative.D3


def series_colors(n: int) -> list[str]:
    """n colours, stable for a given n: colour i is the same on every chart of a page."""
    if n <= len(_CATEGORICAL):
        return list(_CATEGORICAL[:n])
    return sample_colorscale("Viridis", [i / max(n - 1, 1) for i in range(n)])


def base_layout(fig: go.Figure, title: str | None = None, height: int = 320) -> go.Figure:
    # The title sits in the top margin and the legend just above the plot, so the two
    # never overlap however long the title is.
    fig.update_layout(
        title=dict(text=title, x=0.01, xanchor="left", y=0.985, yanchor="top", yref="container",
                   font=dict(size=15)) if title else None,
        height=height,
        margin=dict(l=50, r=20, t=70 if title else 40, b=40),
        legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0, font=dict(size=11)),
        template="plotly_white",
    )  # fmt: skip
    return fig
