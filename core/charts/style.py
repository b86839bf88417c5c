"""Shared look of every chart: one colour per layer (or per variant) everywhere.

Live charts are rebuilt several times a second while a model trains in another
thread of the same process, so they are built from plain dicts and wrapped with
plotly's validation switched off (`figure()`): about 10x less Python time than
add_scatter()/make_subplots(), time that the training thread gets back.
"""

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


def layout(title: str | None = None, height: int = 320, **extra) -> dict:
    # The title sits in the top margin and the legend just above the plot, so the two
    # never overlap however long the title is.
    base = dict(
        height=height,
        margin=dict(l=50, r=20, t=70 if title else 40, b=40),
        legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0, font=dict(size=11)),
        plot_bgcolor="white",
    )
    if title:
        base["title"] = dict(text=title, x=0.01, xanchor="left", y=0.985, yanchor="top",
                             yref="container", font=dict(size=15))  # fmt: skip
    base.update(extra)
    return base


def figure(traces: list[dict], layout_: dict) -> go.Figure:
    """A Figure from trusted dicts, without plotly's (slow) property validation."""
    return go.Figure({"data": traces, "layout": layout_}, _validate=False)


def base_layout(fig: go.Figure, title: str | None = None, height: int = 320) -> go.Figure:
    """The same look applied to a Figure built the usual (validated) way."""
    fig.update_layout(**layout(title, height), template="plotly_white")
    return fig
