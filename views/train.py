"""Train: the live lab. Change the network, press Train, watch inside it learn."""

import streamlit as st

from core.presets import PRESETS
from ui import train_views as views
from ui.config_form import config_sidebar, load_into_widgets
from ui.state import get_config, set_config, show_url_warnings
from ui.train_session import (
    PACE_KEY,
    PACES,
    current_run,
    drawing,
    ensure_run,
    on_lr_change,
    on_pace_change,
    on_pause,
    on_reset,
    on_step,
    on_stop,
    on_train,
    replace_run,
    settings_differ,
)

REFRESH_S = 0.45  # loss and gradients while training (>= 2 per second, measured in bench/)
SLOW_REFRESH_S = 1.5  # activations, picture and per-layer table
# Points per line sent to the browser: plotly redraws every line at every refresh, and on
# a 2-core machine the browser's redraws competed with training and delayed clicks.
POINTS = 300


def load_preset(preset) -> None:
    new = preset.config()
    load_into_widgets(new)
    set_config(new)
    replace_run(new)


def header_and_controls() -> None:
    """Title, settings, presets and the run buttons."""
    st.title(":material/model_training: Train")
    st.caption(
        "Pick the data, the network, its initialization and the optimizer in the sidebar, "
        "then press **Train** and watch the loss, the gradient of every layer and the "
        "activations inside it, live. The learning rate can change while it trains."
    )
    cfg = config_sidebar(get_config(), on_lr_change=on_lr_change)
    show_url_warnings()
    set_config(cfg)
    with st.expander(":material/science: Presets: initialization experiments in one click"):
        cols = st.columns(len(PRESETS) // 2 + 1)
        for i, p in enumerate(PRESETS):
            with cols[i % len(cols)]:
                st.button(p.name, key=f"tr_preset_{i}", on_click=load_preset, args=(p,),
                          help=p.lesson, width="stretch")  # fmt: skip
                st.caption(p.lesson)

    ensure_run(cfg)  # from the first visit on, the untrained net is drawn


# Callbacks have run by now: this is the state this rerun draws, and it decides
# whether the fragments below poll.
running = current_run() is not None and current_run().state == "running"


def controls(run, cfg) -> None:
    """The run buttons. They live in the live fragment: a click reruns only the
    fragment, so Pause is acknowledged without redrawing the whole page."""
    c = st.columns([1.2, 1, 1, 1, 1, 1, 1.6])
    if run.state == "running":
        c[0].button("Pause", icon=":material/pause:", on_click=on_pause, type="primary",
                    key="tr_pause", width="stretch")  # fmt: skip
    else:
        resumable = run.state == "paused" and not settings_differ(run, cfg)
        c[0].button("Resume" if resumable else "Train", icon=":material/play_arrow:",
                    on_click=on_train, args=(cfg,), type="primary", key="tr_train",
                    width="stretch")  # fmt: skip
    c[1].button("Stop", icon=":material/stop:", on_click=on_stop, key="tr_stop",
                disabled=run.state in ("ready", "stopped", "finished", "diverged"),
                width="stretch")  # fmt: skip
    c[2].button("Step", icon=":material/skip_next:", on_click=on_step, args=(cfg, 1),
                key="tr_step1", width="stretch", help="One update, then pause.")  # fmt: skip
    c[3].button("10 steps", icon=":material/fast_forward:", on_click=on_step, args=(cfg, 10),
                key="tr_step10", width="stretch", help="Ten updates, then pause.")  # fmt: skip
    c[4].button("Reset", icon=":material/restart_alt:", on_click=on_reset, args=(cfg,),
                key="tr_reset", width="stretch",
                help="Back to step 0 with the same seeds: the same initial weights.")  # fmt: skip
    c[5].selectbox("Speed", list(PACES), key=PACE_KEY, on_change=on_pace_change,
                   label_visibility="collapsed", help="Slow training down to watch it.")  # fmt: skip
    c[6].toggle("Log-scale loss", value=True, key="tr_log")
    if settings_differ(run, cfg) and not run.finished:
        st.caption(":material/info: Settings changed: **Train** or **Reset** applies them.")


def drawn_state(run) -> tuple:
    """What the whole page shows of a run: when it changes, only a full rerun follows."""
    return (id(run), run.state, None if run.state == "running" else run.trainers[0].t)


@st.fragment(run_every=REFRESH_S if running else None)
def curves() -> None:
    run = current_run()
    if run is None:
        return
    with drawing():
        controls(run, get_config())
        run = current_run()  # a click on Reset here replaced it
        draw_curves(run)
    # Started, paused, stepped, reset or ended (by a click here, or the thread on its
    # own): rerun the whole page once, so polling starts or stops and all panels follow.
    if drawn_state(run) != st.session_state.get("tr_drawn"):
        st.rerun(scope="app")


def draw_curves(run) -> None:
    snap = run.snapshot(max_points=POINTS)[0]
    views.status(run, snap)
    if not views.has_data(snap):
        st.info("Press **Train** to start, or **Step** to take one update at a time.")
        return
    tr = run.trainers[0]
    st.subheader("Loss", divider="gray")
    live = run.state == "running"
    views.curves(snap, tr.classification, st.session_state.get("tr_log", True), live)
    st.subheader("Gradient norm per layer", divider="gray")
    views.gradients(snap, tr.layers, live)


# What changes only at probe steps refreshes at a slower pace: it costs the
# training thread less of the one GIL it shares with the page.
@st.fragment(run_every=SLOW_REFRESH_S if running else None)
def inside() -> None:
    with drawing():
        run = current_run()
        if run is None:
            return
        snap = run.snapshot(max_points=POINTS)[0]
        tr = run.trainers[0]
        live = run.state == "running"
        left, right = st.columns([3, 2])
        with right:
            st.subheader("What the model does", divider="gray")
            if snap["t"] == 0:
                st.caption("Before training: the network as initialized.")
            views.picture(run, live)
        if not views.has_data(snap):
            return
        with left:
            st.subheader("Activations per layer", divider="gray")
            views.histograms(snap, tr.layers, live)
        step = int(snap["probes"]["step"][-1])
        st.subheader(f"Layer by layer at step {step:,}", divider="gray")
        views.layer_stats(snap, tr.layers, tr.cfg.model.activation, live)


with drawing():
    header_and_controls()
    st.session_state["tr_drawn"] = drawn_state(current_run())
    curves()
    inside()
