"""Sections of the Train page's live dashboard. Each reads a snapshot and draws."""

from __future__ import annotations

import math

import streamlit as st

from core.charts import train as charts
from core.readout import boundary_grid, confusion, fitted_curve, layer_table, stuck_label
from core.run import Run

STATE_TEXT = {
    "ready": ":material/hourglass_empty: Ready: press **Train** or **Step**.",
    "running": ":material/play_arrow: Training…",
    "paused": ":material/pause: Paused.",
    "stopped": ":material/stop: Stopped.",
    "finished": ":material/check_circle: Finished.",
}


def chart(where, fig, key: str, live: bool) -> None:
    """A plotly chart; while training it is static: no hover or zoom layers for the
    browser to rebuild at every refresh (they return as soon as the run pauses)."""
    where.plotly_chart(fig, key=key, config={"staticPlot": live, "displaylogo": False})


def status(run: Run, snap: dict) -> None:
    tr = run.trainers[0]
    total = tr.cfg.train.steps
    if run.error:
        st.error(f"The run stopped on an error: {run.error}")
    if snap["status"] == "diverged":
        st.error(
            f":material/warning: Diverged at step {snap['diverged_at']}: the loss became "
            "nan or inf. Try a smaller learning rate (or a smaller init).",
        )
    else:
        note = f" ({run.note})" if run.note else ""
        st.markdown(STATE_TEXT.get(run.state, run.state) + note)
    rate = run.steps_per_second() if run.state == "running" else 0.0
    st.progress(
        min(snap["t"] / total, 1.0),
        text=f"step {snap['t']:,} / {total:,}" + (f" · {rate:,.0f} steps/s" if rate else "")
        + f" · lr {snap['lr']:.3g} · {tr.loss_name}",
    )  # fmt: skip


def curves(snap: dict, classification: bool, log_y: bool, live: bool) -> None:
    if not classification:  # regression: no accuracy, the loss gets the whole row
        chart(st, charts.loss_figure(snap, log_y), "tr_loss", live)
        return
    left, right = st.columns(2)
    chart(left, charts.loss_figure(snap, log_y), "tr_loss", live)
    chart(right, charts.accuracy_figure(snap), "tr_acc", live)


def gradients(snap: dict, layers: list[str], live: bool) -> None:
    kind = st.radio(
        "Gradient of the loss with respect to",
        list(charts.GRAD_LABELS), format_func=charts.GRAD_LABELS.get, horizontal=True,
        key="tr_grad_kind",
        help="Weights and biases: what the optimizer uses. f: the pre-activations, the "
        "signal that backpropagation passes down the layers.",
    )  # fmt: skip
    chart(st, charts.grad_norm_figure(snap, layers, kind), "tr_grads", live)


def picture(run: Run, live: bool) -> None:
    """Decision boundary (2-D), fitted curve (1-D) or confusion matrix (digits)."""
    tr = run.trainers[0]
    data = tr.data
    if data.in_dim == 2:
        gx, gy, probs = boundary_grid(tr)
        fig = charts.boundary_figure(
            gx, gy, probs, data.x_val.numpy(), data.y_val.numpy(), data.n_classes
        )
    elif data.task == "regression":
        xs, ys = fitted_curve(tr)
        fig = charts.fit_figure(xs, ys, data.x_train[:, 0].numpy(), data.y_train[:, 0].numpy())
    else:
        fig = charts.confusion_figure(confusion(tr))
    chart(st, fig, "tr_picture", live)


def histograms(snap: dict, layers: list[str], live: bool) -> None:
    hists = snap["hists"]
    if not hists:
        st.info("No activation snapshot yet: the first one is taken at step 0.")
        return
    c1, c2 = st.columns([2, 1])
    show = c2.segmented_control(
        "Show", ["both", "pre", "post"], default="both", key="tr_hist_show",
        format_func={"both": "f and h", "pre": "f (pre-activation)", "post": "h = a[f]"}.get,
    ) or "both"  # fmt: skip
    steps = [h.step for h in hists]
    follow = c2.toggle("Follow the latest", value=True, key="tr_hist_follow",
                       help="Turn off to scrub back through earlier snapshots.")  # fmt: skip
    if follow or len(steps) == 1:
        idx = len(steps) - 1
        c1.caption(f"Snapshot at step {steps[idx]:,} ({len(steps)} kept).")
    else:
        step = c1.select_slider("Scrub through snapshots (step)", options=steps,
                                value=steps[-1], key="tr_hist_step")  # fmt: skip
        idx = steps.index(step) if step in steps else len(steps) - 1
    chart(st, charts.histogram_figure(hists[idx], layers, show), "tr_hists", live)


def layer_stats(snap: dict, layers: list[str], activation: str, live: bool) -> None:
    rows = layer_table(snap, layers, activation)
    if not rows:
        return
    label = stuck_label(activation)
    st.dataframe(
        rows, hide_index=True, width="stretch",
        column_config={
            "activation mean": st.column_config.NumberColumn(format="%.3g"),
            "activation std": st.column_config.NumberColumn(format="%.3g"),
            f"% {label}": st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.0f%%"),
            "‖∂ℓ/∂Ω‖": st.column_config.NumberColumn(format="%.2e"),
            "update / weight": st.column_config.NumberColumn(format="%.1e"),
        },
    )  # fmt: skip
    left, right = st.columns(2)
    ratio = charts.layer_stat_figure(snap, layers, "update_ratio",
                                     "Update / weight ratio (target ≈ 1e-3)", log_y=True)  # fmt: skip
    chart(left, ratio, "tr_ratio", live)
    chart(right, charts.layer_stat_figure(snap, layers, "stuck", f"Share of {label} units"),
          "tr_stuck", live)  # fmt: skip


def has_data(snap: dict) -> bool:
    return len(snap["steps"]["step"]) > 0 and not all(
        math.isnan(v) for v in snap["steps"]["loss"][-1:]
    )
