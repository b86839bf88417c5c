"""Backprop on the book's toy model: every intermediate number, forward then backward.

Thin page: widgets -> core.toy (maths) -> core.charts.toy (tables, figures, graph).
All session keys start with "toy_" so that other pages cannot collide with them.
"""

import numpy as np
import pandas as pd
import streamlit as st

from core import toy
from core.charts import toy as charts

INPUTS = (*toy.PARAMS, "x", "y")
BOOK = {**toy.BOOK_PARAMS, "x": toy.BOOK_X, "y": toy.BOOK_Y}
N_STEPS = len(toy.STEPS)
LIMIT = 1000.0  # the inputs' range: wide enough to make exp overflow on purpose

# The values live in "toy_values", not in the widgets' keys: a widget's state is lost when
# its page is left, or when a first run is interrupted before the widget is drawn (then it
# came back as min_value). Buttons write the store and bump "toy_gen", which gives the
# inputs fresh keys, so they are redrawn from the store.
st.session_state.setdefault("toy_values", dict(BOOK))
st.session_state.setdefault("toy_gen", 0)
st.session_state.setdefault("toy_step", 0)


def input_key(name: str) -> str:
    return f"toy_{name}_{st.session_state.toy_gen}"


def set_inputs(values: dict) -> None:
    """Callback: runs before the script, so the redrawn inputs show the new values."""
    for name, v in values.items():
        st.session_state.toy_values[name] = float(np.clip(v, -LIMIT, LIMIT))
    st.session_state.toy_gen += 1


def random_inputs() -> None:
    set_inputs(toy.random_params(int(st.session_state.toy_seed)))


def move_step(delta: int | None) -> None:
    s = 0 if delta is None else st.session_state.toy_step + delta
    st.session_state.toy_step = min(max(s, 0), N_STEPS)


def use_fitted() -> None:
    set_inputs(st.session_state.toy_fit.params)


def num6(v: float) -> str:
    return f"{v:.6f}" if np.isfinite(v) and abs(v) < 1e6 else toy.format_value(v)


def rule(name: str) -> str:
    """'omega2' -> 'h₂·∂ℓ/∂f₂' (and h₀ is x)."""
    k = int(name[-1])
    d = f"∂ℓ/∂f{str(k).translate(charts.SUB)}"
    if name.startswith("beta"):
        return d
    return ("x" if k == 0 else f"h{str(k).translate(charts.SUB)}") + "·" + d


def diff_text(d: float) -> str:
    return f"{d:.1e}" if np.isfinite(d) else "— (overflow)"


def verdict(c: toy.GradCheck) -> str:
    if not all(np.isfinite(v) for v in (c.hand, c.autograd, c.finite_diff)):
        return "⚠ overflow"
    return "✓ agree" if c.ok else "✗ DIFFER"


st.title("Backprop on the toy model")
st.latex(
    r"f[x,\phi] = \beta_3 + \omega_3 \cos\Bigl[\beta_2 + \omega_2 \exp\bigl[\beta_1 +"
    r" \omega_1 \sin[\beta_0 + \omega_0 x]\bigr]\Bigr], \qquad \ell = (f[x,\phi] - y)^2"
)
st.caption(
    "The toy model of *Understanding Deep Learning*, section 7.3. The inputs start at the "
    "values of the book's notebook 7.1, so every number below matches the book."
)

# --- Controls ---------------------------------------------------------------------------
values = st.session_state.toy_values
labels = {n: f"${charts.param_label(n, latex=True)}$" for n in toy.PARAMS}
labels.update(x="data point $x$", y="target $y$")
with st.container(border=True):
    rows = [*st.columns(4), *st.columns(4)]  # β row, ω row, then x, y and the buttons
    c_x, c_y, c_seed, c_buttons = st.columns([1, 1, 1, 1.2])
    cols = [*rows, c_x, c_y]
    for col, name in zip(cols, INPUTS):
        values[name] = col.number_input(
            labels[name], key=input_key(name), value=float(values[name]),
            min_value=-LIMIT, max_value=LIMIT, step=0.1, format="%.3f",
        )  # fmt: skip
    c_seed.number_input("seed", key="toy_seed", min_value=0, max_value=10**6, value=0, step=1)
    c_buttons.button("Reset to the book's values", key="toy_reset", on_click=set_inputs,
                     args=(BOOK,), icon=":material/menu_book:")  # fmt: skip
    c_buttons.button("Random parameters", key="toy_random", on_click=random_inputs,
                     icon=":material/casino:", help="β and ω uniform in [−2, 2], from the seed")  # fmt: skip

p = {name: float(values[name]) for name in toy.PARAMS}
x, y = float(values["x"]), float(values["y"])
fwd = {k: float(v) for k, v in toy.forward(p, x, y).items()}
bwd = {k: float(v) for k, v in toy.backward(p, fwd, y).items()}
grads = toy.param_grads(fwd, bwd, x)
for msg in toy.overflow_messages(p, x, fwd, bwd):
    st.error(msg + " The tables say where; try smaller parameters.", icon=":material/warning:")

# --- Forward and backward tables --------------------------------------------------------
col_f, col_b = st.columns(2, gap="medium")
with col_f:
    st.subheader("1 · Forward pass")
    st.caption("Compute and store every intermediate quantity, from x to the loss.")
    st.markdown(charts.forward_table(p, x, y, fwd))
with col_b:
    st.subheader("2 · Backward pass")
    st.caption("In reverse order; each derivative reuses the one computed just before it.")
    st.markdown(charts.backward_table(p, y, fwd, bwd))

# --- Parameter gradients, checked three ways --------------------------------------------
st.subheader("3 · Parameter gradients, checked three ways")
st.latex(
    r"\frac{\partial \ell}{\partial \beta_k} = \frac{\partial \ell}{\partial f_k}, \qquad"
    r"\frac{\partial \ell}{\partial \omega_k} = h_k \, \frac{\partial \ell}{\partial f_k}"
    r"\quad (h_0 = x)"
)
checks = toy.check_gradients(p, x, y)


table = pd.DataFrame(
    {
        "parameter": [charts.param_label(c.name) for c in checks],
        "rule": [rule(c.name) for c in checks],
        "hand (backprop)": [num6(c.hand) for c in checks],
        "torch.autograd": [num6(c.autograd) for c in checks],
        "finite difference": [num6(c.finite_diff) for c in checks],
        "|hand − autograd|": [diff_text(c.diff_autograd) for c in checks],
        "|hand − finite diff.|": [diff_text(c.diff_fd) for c in checks],
        "check": [verdict(c) for c in checks],
    }
)
st.dataframe(table, hide_index=True, width="stretch")
bad = [charts.param_label(c.name) for c in checks if not c.ok]
if bad:
    st.error(
        f"Not all three agree for: {', '.join(bad)}. Where the numbers overflow or the loss "
        "wiggles faster than the finite-difference step (1e-6), that check breaks down.",
        icon=":material/cancel:",
    )
else:
    st.success(
        "All 8 gradients agree: hand = autograd within 1e-9 and hand = central finite "
        "difference within 1e-5 (relative to max(1, |gradient|)).",
        icon=":material/check_circle:",
    )

# --- Step through -----------------------------------------------------------------------
st.subheader("4 · Step through the computation graph")
step = st.session_state.toy_step
b1, b2, b3, b4, info = st.columns([1, 1, 1, 1, 3])
b1.button("Previous", key="toy_prev", on_click=move_step, args=(-1,), disabled=step == 0,
          icon=":material/arrow_back:")  # fmt: skip
b2.button("Next step", key="toy_next", on_click=move_step, args=(1,), type="primary",
          disabled=step == N_STEPS, icon=":material/arrow_forward:")  # fmt: skip
b3.button("Restart", key="toy_restart", on_click=move_step, args=(None,),
          icon=":material/restart_alt:")  # fmt: skip
b4.button("Show all", key="toy_all", on_click=move_step, args=(N_STEPS,),
          icon=":material/fast_forward:")  # fmt: skip
if step == 0:
    info.info("Press **Next step**: the forward pass fills the graph from x to ℓ, then the "
              "backward pass runs from ℓ back to x.")  # fmt: skip
else:
    kind, node = toy.STEPS[step - 1]
    info.markdown(f"**Step {step} of {N_STEPS}** · {kind} pass · node `{node}`")
    st.latex(charts.step_latex(p, x, y, fwd, bwd, kind, node))
st.graphviz_chart(charts.graph_dot(p, x, y, fwd, bwd, grads, step), width="stretch")

# --- Pictures ---------------------------------------------------------------------------
st.subheader("5 · Pictures")
col_fn, col_slice = st.columns(2, gap="medium")
col_fn.plotly_chart(charts.function_figure(p, x, y), key="toy_fn_fig")
with col_slice:
    chosen = st.selectbox("parameter to vary", toy.PARAMS, index=toy.PARAMS.index("omega0"),
                          format_func=charts.param_label, key="toy_slice_param")  # fmt: skip
    st.plotly_chart(charts.loss_slice_figure(p, x, y, chosen, grads[chosen]),
                    key="toy_slice_fig")  # fmt: skip
    st.caption("The straight segment's slope is the backprop gradient: it touches the "
               "curve because the gradient is right.")  # fmt: skip

# --- Fitting with SGD -------------------------------------------------------------------
st.subheader("6 · Fitting: SGD with the hand-written gradients")
st.caption(
    f"{24} noisy points from a toy model with other parameters. SGD starts from the "
    "parameters above and follows the backward pass's gradients on random minibatches."
)
c_lr, c_steps, c_bs, c_fseed = st.columns(4)
lr = c_lr.number_input("learning rate", min_value=1e-5, max_value=1.0, value=0.003,
                       step=0.001, format="%.4f", key="toy_lr")  # fmt: skip
steps = c_steps.number_input("steps", min_value=10, max_value=5000, value=1000, step=100,
                             key="toy_steps")  # fmt: skip
batch = c_bs.number_input("batch size", min_value=1, max_value=24, value=8, key="toy_batch")
fit_seed = c_fseed.number_input("data & batch seed", min_value=0, max_value=10**6, value=0,
                                key="toy_fit_seed")  # fmt: skip
xs, ys = toy.make_dataset(n=24, seed=int(fit_seed))
if st.button("Fit with SGD", key="toy_fit_button", type="primary", icon=":material/play_arrow:"):
    bar = st.progress(0.0, text="SGD step 0")
    every = max(1, int(steps) // 50)  # ~50 redraws whatever the number of steps

    def report(i: int, loss: float) -> None:
        if i % every == 0 or i == steps:
            bar.progress(i / steps, text=f"SGD step {i} of {steps}: loss {loss:.4f}")

    st.session_state.toy_fit = toy.sgd_fit(p, xs, ys, lr=float(lr), steps=int(steps),
                                           batch_size=int(batch), seed=int(fit_seed),
                                           progress=report)  # fmt: skip
    st.session_state.toy_fit_data = (xs, ys)
fit = st.session_state.get("toy_fit")
if fit is None:
    st.info("Press **Fit with SGD** to train from the current parameters.")
else:
    fxs, fys = st.session_state.toy_fit_data
    if fit.diverged_at is not None:
        st.error(f"SGD diverged at step {fit.diverged_at}: the loss overflowed. Lower the "
                 "learning rate. Shown: the last finite parameters.")  # fmt: skip
    last = float(toy.loss_value(fit.params, fxs, fys))
    st.markdown(f"Loss: **{fit.losses[0]:.4f}** before → **{last:.4f}** after "
                f"{len(fit.losses) - 1} steps.")  # fmt: skip
    c_loss, c_curve = st.columns(2, gap="medium")
    c_loss.plotly_chart(charts.fit_loss_figure(fit.losses), key="toy_fit_loss_fig")
    c_curve.plotly_chart(charts.fit_curve_figure(fxs, fys, fit.start, fit.params),
                         key="toy_fit_curve_fig")  # fmt: skip
    st.button("Use the fitted parameters above", key="toy_use_fit", on_click=use_fitted,
              icon=":material/upload:")  # fmt: skip
