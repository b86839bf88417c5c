"""Code & export: take the experiment away as a PyTorch script, a JSON config, a metrics
CSV or a link. Thin page over core.script, core.config_file and core.export; the config
is the one the Train page uses (ui.state). Session keys start with "code_".
"""

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from core.compare import describe
from core.config_file import MAX_BYTES, config_from_upload
from core.export import metrics_csv
from core.script import generate_script
from ui.state import get_config, set_config, show_url_warnings, sync_url

ss = st.session_state


def apply_upload() -> None:
    """Callback: validate the uploaded file; only a valid one replaces the settings."""
    f = ss.get("code_upload")
    if f is None:
        return
    try:
        cfg = config_from_upload(f.getvalue())
    except ValueError as e:
        ss.code_upload_msg = (
            "error",
            f"**{f.name}** was refused: {e}. Your settings are unchanged.",
        )
        return
    set_config(cfg)
    changed = len(cfg.to_params(only_changed=True))
    ss.code_upload_msg = (
        "success",
        f"Loaded **{f.name}**: {changed} setting(s) differ from the defaults. "
        "The Train and Compare pages use it now.",
    )


st.title("Code & export")
show_url_warnings()
cfg = get_config()
sync_url(cfg)  # the address bar always holds the settings, so it can be copied as is
st.markdown(f"**Current settings:** {describe(cfg)}")

tab_code, tab_config, tab_metrics, tab_link = st.tabs(
    ["PyTorch script", "Config file", "Metrics", "Shareable link"]
)

with tab_code:
    st.caption(
        "A standalone script of this experiment: make the data, define the network, "
        "initialize it with torch.nn.init, define the loss, choose the optimizer, learning "
        "rate and schedule, then train and print the loss. It needs only torch, numpy and "
        "scikit-learn, and reproduces the app's run: same data, same weights, same losses."
    )
    script = generate_script(cfg)
    st.download_button(
        "Download experiment.py", script, file_name="experiment.py", mime="text/x-python",
        icon=":material/download:", on_click="ignore",
    )  # fmt: skip
    st.code(script, language="python", line_numbers=True)

with tab_config:
    st.download_button(
        "Download the config (JSON)", cfg.to_json(), file_name="backprop_lab_config.json",
        mime="application/json", icon=":material/download:", on_click="ignore",
    )  # fmt: skip
    st.file_uploader(
        f"Upload a config (JSON, at most {MAX_BYTES // 1000} kB)", type=["json"], key="code_upload",
        on_change=apply_upload,
        max_upload_size=1,
        help=f"A file downloaded from this page (at most {MAX_BYTES // 1000} kB). It is "
        "checked before use: a bad file changes nothing.",
    )  # fmt: skip
    kind, text = ss.get("code_upload_msg", (None, ""))
    if kind == "error":
        st.error(text, icon=":material/error:")
    elif kind == "success":
        st.success(text, icon=":material/check_circle:")
    with st.expander("The current config as JSON"):
        st.code(cfg.to_json(), language="json")

with tab_metrics:
    run = ss.get("train_run")
    if run is None:
        st.info(
            "No run yet: train one on the Train page, then download its metrics here. "
            "(The Compare page downloads all its variants at once.)",
            icon=":material/info:",
        )
    else:
        snap = run.snapshot(max_points=None)[0]
        n_rows = len(snap["steps"]["step"])
        st.markdown(
            f"The Train page's run: step {snap['t']}, {snap['status']}. One CSV row per "
            f"recorded step ({n_rows} rows), per-layer columns named by layer "
            "(`grad_w/hidden 1`, ...); probe columns are filled every few steps."
        )
        st.download_button(
            "Download the metrics (CSV)", lambda: metrics_csv(run.snapshot(max_points=None)[0]),
            file_name="train_metrics.csv", mime="text/csv", icon=":material/download:",
            on_click="ignore",
        )  # fmt: skip

with tab_link:
    params = cfg.to_params(only_changed=True)
    if not params:
        st.info("Every setting is at its default: the page's plain address opens them.")
    else:
        url = st.context.url or ""
        st.markdown("Send this link: it opens the app with exactly these settings.")
        st.code(f"{url}?{urlencode(params)}", language=None, wrap_lines=True)
        st.dataframe(
            pd.DataFrame({"parameter": list(params), "value": list(params.values())}),
            hide_index=True,
        )
