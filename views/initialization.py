"""Initialization: watch the signal vanish or explode through depth, next to the theory
(Prince, Understanding Deep Learning, section 7.5). No training: one forward and one
backward pass of random inputs through freshly initialized nets."""

import time

import numpy as np
import streamlit as st

from core import signal as sig
from core import signal_report as rep
from core.charts import signal as charts

WIDTHS = [4, 8, 16, 32, 50, 64, 100, 128, 200, 256, 512, 768, 1024]
BATCHES = [1, 10, 50, 100, 250, 500, 1000]
# sigma^2 of the custom scheme: 1e-5 .. 10 in steps of 1/20 decade (a log-scale slider)
VARIANCES = [float(f"{v:.3g}") for v in np.logspace(-5, 1, 121)]
ACT_LABELS = {"relu": "ReLU", "leaky_relu": "LeakyReLU (0.01)", "tanh": "tanh",
              "sigmoid": "sigmoid", "linear": "linear (none)"}  # fmt: skip

# The passes are the expensive part; cached per pass, so moving the custom σ² slider
# re-uses the shared pass of a ReLU net and the same settings twice cost nothing.
run_pass = st.cache_data(max_entries=64, show_spinner=False)(sig.run_pass)


def show(fig, key: str) -> None:
    st.plotly_chart(fig, width="stretch", config={"displayModeBar": False}, key=f"init_{key}")


st.title("Initialization")
st.caption(
    "Random inputs x ~ N(0, 1) go forward through a deep net of `nn.Linear` layers (no bias) "
    "initialized by each scheme; a gradient comes back. Where the spread shrinks to nothing "
    "or blows up, a deep net cannot train (Prince, *Understanding Deep Learning*, §7.5)."
)

with st.sidebar:
    st.subheader("Network")
    depth = st.slider("Depth (layers)", 1, 100, 50, key="init_depth",
                      help="number of Linear + activation layers, all D × D")  # fmt: skip
    width = st.select_slider("Width D", WIDTHS, 100, key="init_width",
                             help="units per layer (and input size)")  # fmt: skip
    activation = st.selectbox("Activation", sig.ACTIVATIONS, key="init_act",
                              format_func=ACT_LABELS.get)  # fmt: skip
    batch = st.select_slider("Batch of random inputs", BATCHES, 1000, key="init_batch",
                             help="the std per layer is pooled over batch × units")  # fmt: skip
    seed = st.number_input("Seed", 0, 2**31 - 1, 0, key="init_seed",
                           help="same seed, same weights and inputs")  # fmt: skip
    st.subheader("Schemes")
    schemes = st.multiselect(
        "Initialization schemes", list(sig.SCHEMES), list(sig.DEFAULT_SCHEMES),
        format_func=lambda k: sig.SCHEMES[k].label, key="init_schemes",
        help="all are compared on the same inputs and seed",
    )  # fmt: skip
    custom_var = st.select_slider(
        "Custom σ² (log scale)", VARIANCES, sig.SignalSettings.custom_var, key="init_custom_var",
        format_func=lambda v: f"{v:.3g}", help="variance of the 'custom N(0, σ²)' scheme",
    )  # fmt: skip
    he = 2 / width
    st.caption(
        f"**He: 2/D = {he:.2g}** for D = {width} (nearest stop "
        f"{min(VARIANCES, key=lambda v: abs(np.log(v / he))):.3g}). Slide to it: the custom "
        "line goes flat for ReLU."
    )

if not schemes:
    st.info("Pick at least one initialization scheme in the sidebar.")
    st.stop()
try:
    settings = sig.SignalSettings(
        depth=depth, width=width, activation=activation, batch=batch, seed=int(seed),
        schemes=tuple(schemes), custom_var=custom_var,
    )  # fmt: skip
except ValueError as e:
    st.error(f"Cannot run these settings: {e}")
    st.stop()

t0 = time.perf_counter()
with st.spinner("Propagating…"):
    result = rep.propagate(settings, runner=run_pass)
elapsed = time.perf_counter() - t0

col_verdict, col_why = st.columns([2, 1], gap="large")
with col_verdict:
    st.subheader("Verdict per scheme")
    st.caption(
        "The factor is how much the variance grows per layer in theory (wide layers); "
        "stable means within ×1.1 either way. Measured: the same from the solid lines."
    )
    st.markdown("\n".join(f"- {sr.verdict}" for sr in result.schemes))
with col_why:
    st.markdown(
        "**Why He uses 2 for ReLU.** Each pre-activation sums D terms w·a, so its "
        "variance is D·σ²·E[a²]. ReLU zeroes the negative half of its input, so only half "
        "of the variance gets through: E[a²] = σ_f²/2. To keep σ_f² the same from layer "
        "to layer, D·σ²/2 must be 1: σ² = 2/D. Xavier's 1/D makes the factor ½, and the "
        "variance halves at every layer. The backward pass sees the same factor: ReLU's "
        "slope is 0 for half of the units."
    )

left, right = st.columns(2)
with left:
    show(charts.std_figure(result, "forward"), "fwd")
with right:
    show(charts.std_figure(result, "backward"), "bwd")
st.caption(
    "Solid: measured. Dashed: theory for infinitely wide layers (for tanh and sigmoid, "
    "the Gaussian integral of the activation, layer by layer); at small width the "
    "measured line wanders around it (each random matrix scales the signal by a random "
    "factor near 1); widen the net and it hugs the dashed line. Loss: L = Σ r·a_K with a "
    "fixed random read-out r ~ N(0, 1), so the gradient entering the top has unit spread."
)

st.subheader("Activations at the first, middle and last layer")
st.caption("Exact zeros (ReLU's dead half) are counted in each title, not drawn.")
show(charts.histogram_figure(result), "hist")

st.caption(
    f"Computed in {elapsed:.2f} s ({result.precision}; big nets multiply in bfloat16 "
    "with float32 sums, within about 1 % of float32). Lines stop where a float32 net "
    "would hold inf (above 3.4·10³⁸) or only zeros (below 1.4·10⁻⁴⁵); our arithmetic "
    "keeps the scale apart, so it never overflows itself."
)
