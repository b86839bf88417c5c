"""Compare: 2-6 variants of one experiment, trained together on the same data and seed.

Thin page: widgets -> core.compare (variants, presets, table, CSV) -> core.charts.compare.
Training runs in one core.run.Run (all variants round-robin in one background thread);
buttons only call its methods from on_click callbacks, and the live part is a fragment
that re-reads a snapshot every 0.3 s while the run trains. Session keys start with "cmp_".
"""

import pandas as pd
import streamlit as st

from core import compare as cmp
from core.charts import compare as charts
from core.charts.style import series_colors
from core.config import field_info
from core.run import Run
from ui.state import get_config, show_url_warnings, sync_url

ss = st.session_state
SOURCES = {"train": "the current Train settings"} | {k: p.title for k, p in cmp.PRESETS.items()}
DEFAULT_VARIANTS = [{"init.scheme": "xavier_normal"}, {"init.scheme": "kaiming_normal"}]

if "cmp_base" not in ss:
    ss.cmp_base = get_config()
    ss.cmp_variants = [dict(v) for v in DEFAULT_VARIANTS]
    ss.cmp_target = 0.3
    ss.cmp_about = ""  # what the loaded preset demonstrates


# ---- callbacks: they change session state or call Run methods, nothing else -------------
def load_source() -> None:
    src = ss.cmp_source
    if src == "train":
        ss.cmp_base, ss.cmp_about = get_config(), ""
        ss.cmp_variants = [dict(v) for v in DEFAULT_VARIANTS]
    else:
        p = cmp.PRESETS[src]
        ss.cmp_base, ss.cmp_about, ss.cmp_target = p.config(), p.why, p.target
        ss.cmp_variants = [dict(v) for v in p.variants]
    ss.cmp_steps = ss.cmp_base.train.steps
    ss.cmp_error = ""


def set_steps() -> None:
    ss.cmp_base = ss.cmp_base.replace(**{"train.steps": int(ss.cmp_steps)})


def add_change() -> None:
    key = ss.cmp_add_key
    target = None if ss.cmp_add_to == "new" else int(ss.cmp_add_to)
    try:
        ss.cmp_variants = cmp.with_change(
            ss.cmp_base, ss.cmp_variants, target, key, ss[f"cmp_val_{key}"]
        )
        ss.cmp_error = ""
    except ValueError as e:
        ss.cmp_error = f"Not added: {e}."


def remove_variant(i: int) -> None:
    if len(ss.cmp_variants) > cmp.MIN_VARIANTS:
        ss.cmp_variants = ss.cmp_variants[:i] + ss.cmp_variants[i + 1 :]
        ss.cmp_add_to = "new"  # the chosen index may no longer exist


def train_all() -> None:
    stop_all()  # a new run replaces the old one: never leave its thread behind
    try:
        configs = cmp.check_variants(ss.cmp_base, ss.cmp_variants)
    except ValueError as e:
        ss.cmp_error = f"Cannot train: {e}."
        return
    ss.cmp_error = ""
    ss.cmp_names = [cmp.variant_name(v) for v in ss.cmp_variants]
    ss.cmp_run_steps = ss.cmp_base.train.steps
    ss.cmp_run = Run(cmp.build_trainers(configs))
    ss.cmp_run.start()


def stop_all() -> None:
    run = ss.get("cmp_run")
    if run is not None:
        run.stop()


def resume() -> None:
    ss.cmp_run.resume()


# ---- page --------------------------------------------------------------------------------
st.title("Compare runs")
st.caption(
    "Several variants of one experiment on the same data, the same seeds and the same "
    "step budget: only the settings in a variant's name differ."
)
show_url_warnings()
sync_url(get_config())  # the address bar keeps the shared (Train) settings on every page

with st.container(border=True):
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    c1.selectbox(
        "Start from", list(SOURCES), format_func=SOURCES.get, key="cmp_source",
        help="The current Train settings as the base, or a preset built to show one effect.",
    )  # fmt: skip
    c2.button("Load", on_click=load_source, width="stretch", icon=":material/input:")
    base = ss.cmp_base
    st.markdown(f"**Base:** {cmp.describe(base)}")
    if ss.cmp_about:
        st.info(ss.cmp_about, icon=":material/school:")
    ss.setdefault("cmp_steps", base.train.steps)
    c1, c2 = st.columns(2)
    lo, hi = field_info("train.steps")["range"]
    c1.number_input(
        "Step budget (shared)", min_value=lo, max_value=hi, step=100,
        key="cmp_steps", on_change=set_steps,
    )  # fmt: skip
    c2.number_input(
        "Target loss (for 'steps to target')", min_value=1e-6, max_value=100.0,
        step=0.05, format="%g", key="cmp_target",
    )  # fmt: skip

st.subheader("Variants")
colors = series_colors(len(ss.cmp_variants))
for i, (changes, color) in enumerate(zip(ss.cmp_variants, colors)):
    c1, c2 = st.columns([4, 1], vertical_alignment="center")
    c1.markdown(
        f"<span style='color:{color};font-size:1.3em'>●</span> "
        f"**{i + 1}.** {cmp.variant_name(changes)}",
        unsafe_allow_html=True,
    )
    c2.button(
        "Remove", key=f"cmp_remove_{i}", on_click=remove_variant, args=(i,),
        disabled=len(ss.cmp_variants) <= cmp.MIN_VARIANTS, icon=":material/delete:",
        help=f"Keep at least {cmp.MIN_VARIANTS} variants",
    )  # fmt: skip

with st.container(border=True):
    targets = ["new"] + [str(i) for i in range(len(ss.cmp_variants))]
    if ss.get("cmp_add_to") not in targets:
        ss.cmp_add_to = "new"
    c1, c2, c3, c4 = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
    c1.selectbox(
        "Add to", targets, key="cmp_add_to",
        format_func=lambda t: "a new variant" if t == "new" else f"variant {int(t) + 1}",
    )  # fmt: skip
    key = c2.selectbox(
        "Setting", cmp.VARIANT_KEYS, key="cmp_add_key", help="What this variant changes"
    )
    info = field_info(key)
    widget = f"cmp_val_{key}"
    if "choices" in info:
        c3.selectbox("Value", info["choices"], key=widget, help=info["why"])
    else:
        lo, hi = info["range"]
        is_int = isinstance(info["default"], int)
        c3.number_input(
            "Value", min_value=lo, max_value=hi, value=info["default"], key=widget,
            help=info["why"], format=None if is_int else "%g",
            step=1 if is_int else max(float(info["default"]) / 10, 1e-4),
        )  # fmt: skip
    c4.button(
        "Add", on_click=add_change, width="stretch", icon=":material/add:",
        disabled=ss.cmp_add_to == "new" and len(ss.cmp_variants) >= cmp.MAX_VARIANTS,
        help=f"At most {cmp.MAX_VARIANTS} variants",
    )  # fmt: skip
if ss.get("cmp_error"):
    st.error(ss.cmp_error, icon=":material/error:")

run: Run | None = ss.get("cmp_run")
running = run is not None and run.state == "running"
c1, c2, c3, _ = st.columns([1, 1, 1, 3])
c1.button("Train all", type="primary", on_click=train_all, icon=":material/play_arrow:")
c2.button("Stop all", on_click=stop_all, disabled=not running, icon=":material/stop:")
if run is not None and run.state == "paused":
    c3.button("Resume", on_click=resume, icon=":material/play_arrow:")


@st.fragment(run_every=0.3 if running else None)
def live() -> None:
    run = ss.get("cmp_run")
    if run is None:
        st.info("Press **Train all** to train every variant side by side.")
        return
    names, steps = ss.cmp_names, ss.cmp_run_steps
    snaps = run.snapshot(max_points=None)  # full rows: the table needs exact steps
    if [cmp.variant_name(v) for v in ss.cmp_variants] != names:
        st.caption(
            "The variants above changed: press Train all to train them. Shown: the last run."
        )
    if run.error:
        st.error(f"Training stopped on an error: {run.error}")
    elif run.note:
        st.warning(run.note)
    for name, snap in zip(names, snaps):
        # a variant that ended on its own says so; the others share the run's state
        status = snap["status"] if snap["status"] in ("finished", "diverged") else run.state
        st.progress(
            cmp.progress(snap, steps), text=f"{name}: step {snap['t']} of {steps} ({status})"
        )
    c1, c2 = st.columns(2)
    c1.plotly_chart(charts.loss_figure(names, snaps), key="cmp_loss", width="stretch")
    c2.plotly_chart(charts.accuracy_figure(names, snaps), key="cmp_acc", width="stretch")
    st.plotly_chart(charts.grad_figure(names, snaps), key="cmp_grad", width="stretch")
    st.subheader("Final table" if run.finished else "Table so far")
    rows = cmp.final_rows(names, snaps, steps, float(ss.cmp_target))
    for row in rows:  # words read better than an empty cell here
        hit = row["steps to target"]
        row["steps to target"] = "not reached" if hit is None else str(hit)
    number = st.column_config.NumberColumn
    st.dataframe(
        pd.DataFrame(rows), hide_index=True, width="stretch",
        column_config={
            **{c: number(format="%.4f") for c in ("train loss", "val loss")},
            **{c: number(format="%.3f") for c in ("train acc", "val acc")},
            "steps to target": st.column_config.TextColumn(f"steps to loss ≤ {ss.cmp_target:g}"),
        },
    )  # fmt: skip
    st.caption(
        "Losses and accuracies are the last probe (training: averaged over the batches since "
        "the probe before; validation: the whole validation set). A diverged run has no "
        "final values."
    )
    if not run.alive:
        st.download_button(
            "Download all variants' metrics (CSV)", icon=":material/download:",
            data=lambda: cmp.compare_csv(names, run.snapshot(max_points=None)),
            file_name="compare_metrics.csv", mime="text/csv", on_click="ignore",
        )  # fmt: skip
    if running and not run.alive:
        st.rerun()  # the run ended: a full rerun stops the polling and updates the buttons


live()
