"""Figures of the matrix-form backprop page: pure functions, data -> plotly Figure."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.charts.style import base_layout, series_colors

# Print the numbers in the cells only while they stay legible in a third of the page.
MAX_TEXT_ROWS, MAX_TEXT_COLS = 16, 8


def _cell_height(rows: int) -> int:
    return int(min(max(140, 60 + 26 * rows), 520))


def _titled(fig: go.Figure, title: str, subtitle: str, rows: int) -> go.Figure:
    base_layout(fig, title=title, height=_cell_height(rows) + (20 if subtitle else 0))
    if subtitle:  # the shape, on its own line under the title
        fig.update_layout(
            title={"text": title, "subtitle": {"text": subtitle}},
            margin={"t": 60},
        )
    return fig


def _grid(z, text, title, subtitle, x_label, y_label, hover, **style) -> go.Figure:
    """A small 2-D array as a heatmap: row 0 at the top, like print; numbers in the
    cells while the array is small enough to read them."""
    rows, cols = z.shape
    show_text = rows <= MAX_TEXT_ROWS and cols <= MAX_TEXT_COLS
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(cols)),
            y=list(range(rows)),
            text=text if show_text else None,
            texttemplate="%{text}" if show_text else None,
            textfont={"size": 9},
            hovertemplate=hover,
            **style,
        )
    )
    _titled(fig, title, subtitle, rows)
    fig.update_yaxes(autorange="reversed", title=y_label, dtick=1 if rows <= 16 else None)
    fig.update_xaxes(title=x_label, dtick=1 if cols <= 16 else None)
    return fig


def matrix_heatmap(
    m: np.ndarray, title: str, x_label: str = "", y_label: str = "", subtitle: str = ""
) -> go.Figure:
    """A small matrix as a diverging heatmap centred on 0."""
    m = np.atleast_2d(np.asarray(m, dtype=float))
    bound = float(np.abs(m).max()) or 1.0  # all-zero matrix: any symmetric range works
    return _grid(
        m, np.round(m, 2), title, subtitle, x_label, y_label,
        "row %{y}, col %{x}: %{z:.4g}<extra></extra>",
        colorscale="RdBu", reversescale=True,  # red positive, blue negative
        zmin=-bound, zmax=bound, colorbar={"thickness": 10},
    )  # fmt: skip


def mask_heatmap(mask: np.ndarray, title: str, subtitle: str = "") -> go.Figure:
    """The ReLU derivative I[f > 0] as black (1, unit passes gradient) and white (0)."""
    mask = np.atleast_2d(np.asarray(mask, dtype=float))
    return _grid(
        mask, mask.astype(int), title, subtitle, "example i", "unit",
        "unit %{y}, example %{x}: %{z:.0f}<extra></extra>",
        zmin=0, zmax=1, colorscale=[[0, "#f4f4f4"], [1, "#2b2b2b"]], showscale=False,
        xgap=1, ygap=1,
    )  # fmt: skip


def _human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # unreachable; keeps type checkers calm


def comparison_bars(
    labels: list[str], values: list[float], title: str, unit: str = "bytes", log: bool = False
) -> go.Figure:
    """Horizontal bars, one per quantity, each labelled with its value."""
    text = [_human_bytes(v) if unit == "bytes" else f"{v:,.0f} {unit}" for v in values]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker_color=series_colors(len(labels)),
            text=text,
            textposition="auto",
            hovertemplate="%{y}: %{x:,.0f} " + unit + "<extra></extra>",
        )
    )
    base_layout(fig, title=title, height=60 + 45 * len(labels))
    fig.update_xaxes(title=unit, type="log" if log else "linear")
    fig.update_yaxes(autorange="reversed")
    return fig


def memory_bars(c: dict) -> go.Figure:
    """Stored activations vs parameters, from core.backprop.costs()."""
    return comparison_bars(
        ["parameters (all Ω_k, β_k)", "stored activations (all f_k, h_k)"],
        [c["param_bytes"], c["activation_bytes"]],
        "Memory for one backward pass (float64)",
    )


def diag_bytes_bars(c: dict) -> go.Figure:
    """Storing the ReLU Jacobian as a dense D×D diagonal matrix vs as its D-vector."""
    return comparison_bars(
        ["D×D diagonal matrix", "D-vector (the mask)"],
        [c["diag_bytes"], c["vector_bytes"]],
        "Storing the ReLU derivative (float64)",
    )


def ops_bars(c: dict) -> go.Figure:
    """Operations of diag(mask) @ ∂ℓ/∂h vs mask ⊙ ∂ℓ/∂h, over all K hidden layers."""
    return comparison_bars(
        ["diag(mask) @ ∂ℓ/∂h", "mask ⊙ ∂ℓ/∂h"],
        [c["diag_ops_total"], c["elementwise_ops_total"]],
        "Operations for the whole batch, all K layers",
        unit="ops",
    )
