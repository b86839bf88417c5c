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

REFRESH_S = 0.3  # loss and gradients while training (>= 2 per second, measured in bench/)
SLOW_REFRESH_S = 1.0  # activations, picture and per-layer table

st.title(":material/model_training: Train")
st.caption(
    "Pick the data, the network, its initialization and the optimizer in the sidebar, then "
    "press **Train** and watch the loss, the gradient of every layer and the activations "
    "inside it, live. The learning rate can change while it trains."
)
cfg = config_sidebar(get_config(), on_lr_change=on_lr_change)
show_url_warnings()
set_config(cfg)


def load_preset(preset) -> None:
    new = preset.config()
    load_into_widgets(new)
    set_config(new)
    replace_run(new)


with st.expander(":material/science: Presets: initialization experiments in one click"):
    cols = st.columns(len(PRESETS) // 2 + 1)
    for i, p in enumerate(PRESETS):
        with cols[i % len(cols)]:
            st.button(p.name, key=f"tr_preset_{i}", on_click=load_preset, args=(p,),
                      help=p.lesson, width="stretch")  # fmt: skip
            st.caption(p.lesson)

run = current_run()
running = run is not None and run.state == "running"
paused = run is not None and run.state == "paused"
c = st.columns([1.2, 1, 1, 1, 1, 1, 1.6])
if running:
    c[0].button("Pause", icon=":material/pause:", on_click=on_pause, type="primary",
                key="tr_pause", width="stretch")  # fmt: skip
else:
    resumable = paused and not settings_differ(run, cfg)
    c[0].button("Resume" if resumable else "Train", icon=":material/play_arrow:",
                on_click=on_train, args=(cfg,), type="primary", key="tr_train",
                width="stretch")  # fmt: skip
c[1].button("Stop", icon=":material/stop:", on_click=on_stop, key="tr_stop",
            disabled=run is None or run.finished, width="stretch")  # fmt: skip
c[2].button("Step", icon=":material/skip_next:", on_click=on_step, args=(cfg, 1),
            key="tr_step1", width="stretch", help="One update, then pause.")  # fmt: skip
c[3].button("10 steps", icon=":material/fast_forward:", on_click=on_step, args=(cfg, 10),
            key="tr_step10", width="stretch", help="Ten updates, then pause.")  # fmt: skip
c[4].button("Reset", icon=":material/restart_alt:", on_click=on_reset, args=(cfg,),
            key="tr_reset", width="stretch",
            help="Back to step 0 with the same seeds: the same initial weights.")  # fmt: skip
c[5].selectbox("Speed", list(PACES), key=PACE_KEY, on_change=on_pace_change,
               label_visibility="collapsed", help="Slow training down to watch it.")  # fmt: skip
log_y = c[6].toggle("Log-scale loss", value=True, key="tr_log")
if settings_differ(run, cfg) and not (run and run.finished):
    st.caption(":material/info: Settings changed: **Train** or **Reset** applies them.")


def live_run():
    """The run to draw, or None (with a hint) when there is nothing to draw yet."""
    run = current_run()
    if run is None:
        st.info("Press **Train** to start, or **Step** to take one update at a time.")
        return None, None
    snap = run.snapshot(max_points=500)[0]
    return run, snap


@st.fragment(run_every=REFRESH_S if running else None)
def curves() -> None:
    run, snap = live_run()
    if run is None:
        return
    # The thread may stop on its own (finished, diverged, idle): refresh the whole
    # page once so the buttons follow and the fragments stop polling.
    if running and run.state != "running":
        st.rerun(scope="app")
    views.status(run, snap)
    if not views.has_data(snap):
        st.info("No step taken yet: the charts appear with the first step.")
        return
    tr = run.trainers[0]
    st.subheader("Loss", divider="gray")
    views.curves(snap, tr.classification, log_y)
    st.subheader("Gradient norm per layer", divider="gray")
    views.gradients(snap, tr.layers)


# What changes only at probe steps refreshes at a slower pace: it costs the
# training thread less of the one GIL it shares with the page.
@st.fragment(run_every=SLOW_REFRESH_S if running else None)
def inside() -> None:
    run = current_run()
    if run is None:
        return
    snap = run.snapshot(max_points=500)[0]
    if not views.has_data(snap):
        return
    tr = run.trainers[0]
    layers, activation = tr.layers, tr.cfg.model.activation
    left, right = st.columns([3, 2])
    with left:
        st.subheader("Activations per layer", divider="gray")
        views.histograms(snap, layers)
    with right:
        st.subheader("What the model does", divider="gray")
        views.picture(run)
    st.subheader(f"Layer by layer at step {int(snap['probes']['step'][-1]):,}", divider="gray")
    views.layer_stats(snap, layers, activation)


curves()
inside()
