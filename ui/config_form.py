"""The experiment's settings as sidebar widgets, grouped and labelled in plain words.

Widgets are keyed "w.<section>.<field>". Their values are seeded from the
session's Config (ui/state.py) whenever Streamlit has dropped them (after a visit
to another page), and a preset or an uploaded config is loaded by writing the keys.
Help text comes from each field's `why` in core/config.py.
"""

from __future__ import annotations

import streamlit as st

from core.config import Config, field_info
from core.init import LABELS as INIT_LABELS

LR_STEPS = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.05, 0.1, 0.3, 1.0, 3.0, 10.0]
BATCH_STEPS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]
DATA_LABELS = {
    "moons": "two moons",
    "circles": "circles",
    "spiral": "spiral",
    "xor": "XOR",
    "blobs": "Gaussian blobs",
    "regression": "1-D regression curve",
    "digits": "digits (8×8 images, 10 classes)",
}
ACT_LABELS = {"relu": "ReLU", "leaky_relu": "LeakyReLU (0.01)", "tanh": "tanh",
              "sigmoid": "sigmoid", "gelu": "GELU", "linear": "linear (none)"}  # fmt: skip
OPT_LABELS = {"sgd": "SGD", "momentum": "SGD + momentum", "adam": "Adam"}


def _key(flat: str) -> str:
    return f"w.{flat}"


def load_into_widgets(cfg: Config) -> None:
    """Point every widget at cfg (call from a callback, or before the widgets render)."""
    for flat, _ in cfg.to_params(only_changed=False).items():
        section, _, name = flat.partition(".")
        st.session_state[_key(flat)] = getattr(getattr(cfg, section), name)


def _seed(cfg: Config) -> None:
    for flat in cfg.to_params(only_changed=False):
        if _key(flat) not in st.session_state:
            section, _, name = flat.partition(".")
            st.session_state[_key(flat)] = getattr(getattr(cfg, section), name)


def _help(flat: str) -> str:
    info = field_info(flat)
    bounds = f" (range {info['range'][0]:g} to {info['range'][1]:g})" if "range" in info else ""
    return info["why"].capitalize() + bounds + "."


def _select(flat, label, labels=None, **kw):
    opts = field_info(flat)["choices"]
    fmt = (lambda v: labels.get(v, v)) if labels else str
    return st.selectbox(label, opts, key=_key(flat), format_func=fmt, help=_help(flat), **kw)


def _number(flat, label, step=None, fmt=None, **kw):
    lo, hi = field_info(flat)["range"]
    return st.number_input(label, min_value=lo, max_value=hi, step=step, format=fmt,
                           key=_key(flat), help=_help(flat), **kw)  # fmt: skip


def _steps_slider(flat, label, steps, fmt, **kw):
    # Preset steps on a log scale, plus whatever value a link or file brought in.
    options = sorted(set(steps) | {st.session_state[_key(flat)]})
    return st.select_slider(label, options=options, key=_key(flat), format_func=fmt,
                            help=_help(flat), **kw)  # fmt: skip


def config_sidebar(cfg: Config, on_lr_change=None) -> Config:
    """Draw the settings in the sidebar; return the Config they describe."""
    _seed(cfg)
    ss = st.session_state
    with st.sidebar:
        st.header("Settings", divider="gray")
        with st.expander(":material/scatter_plot: Data", expanded=True):
            _select("data.dataset", "Dataset", DATA_LABELS)
            if ss[_key("data.dataset")] in ("spiral", "blobs"):
                _number("data.n_classes", "Classes", step=1)
            st.slider(
                "Noise", 0.0, 1.0, step=0.05, key=_key("data.noise"), help=_help("data.noise")
            )
            _number("data.n_samples", "Samples", step=50)
            _number("data.seed", "Data seed", step=1)
        with st.expander(":material/account_tree: Architecture", expanded=True):
            st.slider("Hidden layers", 1, 30, key=_key("model.depth"), help=_help("model.depth"))
            _number("model.width", "Units per layer", step=1)
            _select("model.activation", "Activation", ACT_LABELS)
            if ss[_key("data.dataset")] in ("moons", "circles", "xor"):
                _select("model.binary_head", "Output for 2 classes",
                        {"sigmoid": "1 sigmoid unit (binary CE)", "softmax": "2 softmax units (CE)"})  # fmt: skip
        with st.expander(":material/casino: Initialization", expanded=True):
            scheme = _select("init.scheme", "Weight init", INIT_LABELS)
            if scheme == "normal":
                _number("init.sigma", "σ (std of the weights)", step=0.01, fmt="%.4f")
            elif scheme == "uniform":
                _number("init.a", "a (weights in [−a, a])", step=0.01, fmt="%.4f")
            elif scheme == "constant":
                _number("init.value", "Every weight =", step=0.1)
            elif scheme.startswith("kaiming"):
                _select(
                    "init.mode",
                    "He mode",
                    {"fan_in": "fan_in (forward)", "fan_out": "fan_out (backward)"},
                )
            _select("init.bias", "Bias init", {"zeros": "zeros", "constant": "constant",
                                               "default": "PyTorch default"})  # fmt: skip
            if ss[_key("init.bias")] == "constant":
                _number("init.bias_value", "Every bias =", step=0.1)
            _number("init.seed", "Init seed (also the batch order)", step=1)
        with st.expander(":material/speed: Optimization", expanded=True):
            opt = _select("optim.optimizer", "Optimizer", OPT_LABELS)
            _steps_slider("optim.lr", "Learning rate (log steps; changes apply mid-run)",
                          LR_STEPS, lambda v: f"{v:g}", on_change=on_lr_change)  # fmt: skip
            if opt == "momentum":
                st.slider("Momentum", 0.0, 0.99, step=0.01, key=_key("optim.momentum"),
                          help=_help("optim.momentum"))  # fmt: skip
            _steps_slider("optim.batch_size", "Batch size", BATCH_STEPS, str)
            _number("optim.weight_decay", "Weight decay", step=1e-4, fmt="%.4f")
            sched = _select("optim.schedule", "LR schedule",
                            {"none": "constant", "step": "step decay", "cosine": "cosine"})  # fmt: skip
            if sched == "step":
                _number("optim.step_size", "Decay every (steps)", step=50)
                st.slider("Decay factor γ", 0.01, 1.0, step=0.01, key=_key("optim.gamma"),
                          help=_help("optim.gamma"))  # fmt: skip
        with st.expander(":material/monitoring: Run and probes"):
            _number("train.steps", "Steps", step=500)
            _number("train.probe_every", "Look inside every K steps", step=5)
            _number("train.hist_bins", "Histogram bins", step=5)
    return widgets_config(cfg)


def widgets_config(fallback: Config) -> Config:
    """The Config the widgets describe; on an impossible mix, say why and keep `fallback`."""
    d = fallback.to_dict()
    for flat in fallback.to_params(only_changed=False):
        section, _, name = flat.partition(".")
        if _key(flat) in st.session_state:
            d[section][name] = st.session_state[_key(flat)]
    try:
        return Config.from_dict(d)
    except ValueError as e:
        st.sidebar.error(f"Setting not applied: {e}")
        return fallback
