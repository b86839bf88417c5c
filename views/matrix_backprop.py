"""Backprop: matrix form. A deep ReLU network by hand, layer by layer, checked against
autograd and finite differences (Prince, Understanding Deep Learning, section 7.4)."""

import numpy as np
import pandas as pd
import streamlit as st

from core import backprop as bp
from core import backprop_report as rp
from core.charts import matrix as mc

OK, BAD = "✓ agree", "✗ differ"  # plain glyphs: emoji fonts are often missing
LOSS_TEX = {
    "least_squares": (
        r"\ell = \sum_{i=1}^{I} \tfrac12 \lVert \mathbf{f}_{K,i} - \mathbf{y}_i \rVert^2",
        r"\frac{\partial \ell}{\partial \mathbf{f}_K} = \mathbf{f}_K - \mathbf{y}",
    ),
    "softmax_ce": (
        r"\ell = -\sum_{i=1}^{I} \log \operatorname{softmax}(\mathbf{f}_{K,i})_{y_i}",
        r"\frac{\partial \ell}{\partial \mathbf{f}_K} = \operatorname{softmax}(\mathbf{f}_K)"
        r" - \operatorname{onehot}(\mathbf{y})",
    ),
    "sigmoid_bce": (
        r"\ell = -\sum_{i=1}^{I}\sum_{j} \big[y_{ji}\log \sigma(f_{K,ji}) + (1-y_{ji})"
        r"\log(1-\sigma(f_{K,ji}))\big]",
        r"\frac{\partial \ell}{\partial \mathbf{f}_K} = \sigma(\mathbf{f}_K) - \mathbf{y}",
    ),
}


def show(fig, key: str) -> None:
    # Explicit keys: two charts with equal data would otherwise share an element id.
    st.plotly_chart(fig, width="stretch", config={"displayModeBar": False}, key=f"mx_chart_{key}")


def heat(key: str, m, title: str, x_label="example i", y_label="unit") -> None:
    show(mc.matrix_heatmap(m, title, x_label, y_label, subtitle=f"shape {rp.shape(m)}"), key)


def table(rows: list[dict]) -> None:
    st.dataframe(pd.DataFrame(rows), hide_index=True)


st.title("Backprop in matrix form")
st.caption(
    "A deep ReLU network written as matrices, the backward pass by hand, checked against "
    "`torch.autograd` and finite differences (Prince, *Understanding Deep Learning*, §7.4)."
)

with st.sidebar:
    st.subheader("Network and batch")
    K = st.slider("Hidden layers K", *bp.RANGES["K"], 3, key="mx_K",
                  help="K hidden layers means K+1 weight matrices Ω_0..Ω_K")  # fmt: skip
    D = st.slider("Width D", *bp.RANGES["D"], 4, key="mx_D", help="units per hidden layer")
    D_in = st.number_input("Input dimension D_i", *bp.RANGES["D_in"], 3, key="mx_D_in",
                           help="rows of x: Ω_0 is D × D_i")  # fmt: skip
    D_out = st.number_input("Output dimension D_o", *bp.RANGES["D_out"], 3, key="mx_D_out",
                            help="rows of f_K; the number of classes for softmax")  # fmt: skip
    I = st.slider("Batch size I", *bp.RANGES["I"], 5, key="mx_I",  # noqa: E741
                  help="examples, stored as the columns of x")  # fmt: skip
    seed = st.number_input("Seed", 0, 2**31 - 1, 0, key="mx_seed",
                           help="draws weights, biases, inputs and targets")  # fmt: skip
    loss = st.selectbox("Loss", bp.LOSSES, format_func=bp.LOSS_LABELS.get, key="mx_loss",
                        help="decides the first backward step, ∂ℓ/∂f_K")  # fmt: skip

try:
    p = bp.make_problem(K, D, int(D_in), int(D_out), I, int(seed), loss)
except ValueError as e:
    st.error(str(e), icon=":material/error:")
    st.stop()
fw = bp.forward(p)
bw = bp.backward(p, fw)

# ---- the model ------------------------------------------------------------------------
st.header("The network")
st.latex(
    r"\mathbf{h}_0 = \mathbf{x},\qquad \mathbf{f}_k = \boldsymbol{\beta}_k + "
    r"\boldsymbol{\Omega}_k \mathbf{h}_k \;(k=0..K),\qquad "
    r"\mathbf{h}_{k+1} = \operatorname{ReLU}[\mathbf{f}_k] \;(k=0..K-1)"
)
st.markdown(
    f"$K={K}$ hidden layers of width $D={D}$, so $K+1={K + 1}$ weight matrices. The batch "
    f"of $I={I}$ examples is stored as **columns**: $\\mathbf{{x}}$ is ${D_in}\\times{I}$ "
    f"and every $\\mathbf{{f}}_k$, $\\mathbf{{h}}_k$ has one column per example. Weights "
    f"are He-initialized, $\\Omega \\sim \\mathcal{{N}}(0, 2/\\text{{fan-in}})$; biases "
    f"$\\mathcal{{N}}(0, {bp.BIAS_STD}^2)$. The loss is a **sum** over the batch:"
)
st.latex(LOSS_TEX[loss][0] + r"\qquad\Longrightarrow\qquad " + LOSS_TEX[loss][1])
if loss == "least_squares":
    st.caption(
        "The ½ is there so the derivative is exactly f − y (the book's (f − y)² gives 2(f − y))."
    )

# ---- forward pass ---------------------------------------------------------------------
st.header("Forward pass")
table(rp.forward_rows(p, fw))
st.markdown(f"Loss on this batch: $\\ell = {fw.loss:.6f}$")
kf = st.select_slider("Layer to inspect (forward)", list(range(K + 1)), value=0, key="mx_fwd_k")
cols = st.columns(3)
with cols[0]:
    heat("w", p.omegas[kf], f"Ω_{kf}", "input unit", "output unit")
with cols[1]:
    heat("h", fw.h[kf], f"h_{kf}" + (" = x" if kf == 0 else f" = ReLU(f_{kf - 1})"))
with cols[2]:
    heat("f", fw.f[kf], f"f_{kf} = β_{kf} + Ω_{kf} h_{kf}")

# ---- backward pass --------------------------------------------------------------------
st.header("Backward pass")
st.info(
    "**Denominator layout**, once for the whole page: the derivative of the scalar $\\ell$ "
    "by a vector or matrix has the shape of that vector or matrix, and "
    "$\\partial \\mathbf{f}/\\partial \\mathbf{h}$ has entry $(i, j) = \\partial f_j/\\partial h_i$, "
    "so chain-rule products run right to left: "
    "$\\frac{\\partial \\ell}{\\partial \\mathbf{h}_k} = \\frac{\\partial \\mathbf{f}_k}"
    "{\\partial \\mathbf{h}_k} \\frac{\\partial \\ell}{\\partial \\mathbf{f}_k} = "
    "\\boldsymbol{\\Omega}_k^T \\frac{\\partial \\ell}{\\partial \\mathbf{f}_k}$.",
    icon=":material/straighten:",
)
st.latex(
    r"\frac{\partial \ell}{\partial \boldsymbol{\Omega}_k} = \frac{\partial \ell}{\partial "
    r"\mathbf{f}_k}\mathbf{h}_k^T,\quad \frac{\partial \ell}{\partial \boldsymbol{\beta}_k} = "
    r"\sum_{i=1}^{I}\Big[\frac{\partial \ell}{\partial \mathbf{f}_k}\Big]_{:,i},\quad "
    r"\frac{\partial \ell}{\partial \mathbf{h}_k} = \boldsymbol{\Omega}_k^T \frac{\partial "
    r"\ell}{\partial \mathbf{f}_k},\quad \frac{\partial \ell}{\partial \mathbf{f}_{k-1}} = "
    r"\mathbb{I}[\mathbf{f}_{k-1} > 0] \odot \frac{\partial \ell}{\partial \mathbf{h}_k}"
)
table(rp.backward_rows(bw))
kb = st.select_slider("Layer to inspect (backward)", list(range(K + 1)), value=K, key="mx_bwd_k")
cols = st.columns(3)
with cols[0]:
    heat("df", bw.df[kb], f"∂ℓ/∂f_{kb}")
with cols[1]:
    heat("dw", bw.d_omega[kb], f"∂ℓ/∂Ω_{kb} = ∂ℓ/∂f_{kb} h_{kb}ᵀ", "input unit", "output unit")
with cols[2]:
    heat("db", bw.d_beta[kb], f"∂ℓ/∂β_{kb}", "", "unit")

st.subheader("ReLU's derivative is an indicator")
if kb == 0:
    st.markdown(
        "Layer 0 reads the input $\\mathbf{x}$ directly: no ReLU lies below it. Pick a "
        "layer $k \\geq 1$ above to see the mask $\\mathbb{I}[\\mathbf{f}_{k-1} > 0]$."
    )
else:
    j, mask = kb - 1, bw.masks[kb - 1]
    st.latex(
        rf"\frac{{\partial \mathbf{{h}}_{kb}}}{{\partial \mathbf{{f}}_{j}}} = "
        rf"\operatorname{{diag}}\big(\mathbb{{I}}[\mathbf{{f}}_{j} > 0]\big)\;\Longrightarrow\;"
        rf"\frac{{\partial \ell}}{{\partial \mathbf{{f}}_{j}}} = \mathbb{{I}}[\mathbf{{f}}_{j}"
        rf" > 0] \odot \frac{{\partial \ell}}{{\partial \mathbf{{h}}_{kb}}}"
    )
    cols = st.columns(3)
    with cols[0]:
        heat("dh", bw.dh[kb], f"∂ℓ/∂h_{kb} = Ω_{kb}ᵀ ∂ℓ/∂f_{kb}")
    with cols[1]:
        show(mc.mask_heatmap(mask, f"I[f_{j} > 0]", f"shape {rp.shape(mask)}"), "mask")
    with cols[2]:
        heat("dfm", bw.df[j], f"∂ℓ/∂f_{j} = I[f_{j} > 0] ⊙ ∂ℓ/∂h_{kb}")
    # Built once, for example 0 only, to show that the dense product gives the same numbers.
    dense = np.diag(mask[:, 0]) @ bw.dh[kb][:, :1]
    gap = float(np.abs(dense - bw.df[j][:, :1]).max())
    st.markdown(
        f"ReLU's Jacobian is diagonal: unit $j$ of $\\mathbf{{h}}$ depends only on unit $j$ of "
        f"$\\mathbf{{f}}$, with slope 1 where $f_j > 0$ and 0 elsewhere. Multiplying by a "
        f"diagonal matrix only scales each entry, so the code keeps the **mask** (a "
        f"${D}$-vector per example) and multiplies elementwise; the ${D}\\times{D}$ matrix is "
        f"never built. Built here once, for example 0 only: "
        f"$\\max|\\operatorname{{diag}}(m)\\,\\partial\\ell/\\partial\\mathbf{{h}} - m \\odot "
        f"\\partial\\ell/\\partial\\mathbf{{h}}| = {gap:.1e}$. The mask is the sign of the "
        f"pre-activations: {int(mask.sum())} of {mask.size} entries of $\\mathbf{{f}}_{j}$ are "
        f"positive and pass gradient down; the rest block it."
    )

# ---- check ----------------------------------------------------------------------------
st.header("Check: hand vs autograd vs finite differences")
fd = bp.finite_differences(p, bw, per_param=3, seed=int(seed))
tol = bp.fd_tolerance(fw.loss)
rows = bp.check_rows(p, bw, fd, tol)
all_ok = all(r["ok"] for r in rows)
(st.success if all_ok else st.error)(
    f"{'All layers agree' if all_ok else 'Some layers differ'}: hand vs `torch.autograd` "
    f"(float64) within {bp.AUTOGRAD_TOL:g}; hand vs finite differences within {tol:.1e} "
    f"(= 1e-6·(1+|ℓ|), central step ε = {bp.FD_EPS:g}, 3 sampled entries per Ω_k and β_k)."
)
table(rp.check_table(rows, OK, BAD))
with st.expander(f"The {len(fd)} sampled finite-difference entries"):
    table(rp.fd_table(fd, tol, OK, BAD))

# ---- cost -----------------------------------------------------------------------------
st.header("Cost: the diagonal matrix, and why backprop is memory hungry")
c = bp.costs(K, D, int(D_in), int(D_out), I)
m = st.columns(4)
m[0].metric("D×D diagonal", f"{c['diag_bytes']:,} B", help="D² float64, all but D of them 0")
m[1].metric("D-vector mask", f"{c['vector_bytes']:,} B", help="D float64 numbers")
m[2].metric("ops per layer: diag @ ∂ℓ/∂h", f"{c['diag_ops_per_layer']:,}", help="one layer, whole batch: D·I·D multiplications + D·I·(D−1) additions")  # fmt: skip
m[3].metric("ops per layer: mask ⊙ ∂ℓ/∂h", f"{c['elementwise_ops_per_layer']:,}", help="one layer, whole batch: D·I multiplications")  # fmt: skip
cols = st.columns(2)
with cols[0]:
    show(mc.diag_bytes_bars(c), "bytes")
with cols[1]:
    show(mc.ops_bars(c), "ops")
st.markdown(
    f"The backward pass needs every $\\mathbf{{h}}_k$ (for $\\partial\\ell/\\partial"
    f"\\boldsymbol{{\\Omega}}_k$) and every mask, so the forward pass keeps them: here "
    f"$\\mathbf{{x}}$, $\\mathbf{{h}}_1..\\mathbf{{h}}_{{{K}}}$ and $\\mathbf{{f}}_0.."
    f"\\mathbf{{f}}_{{{K}}}$ for all ${I}$ examples, **{c['activation_elems']:,} numbers = "
    f"{c['activation_bytes']:,} bytes**, against {c['param_elems']:,} numbers = "
    f"{c['param_bytes']:,} bytes of parameters (ratio "
    f"{c['activation_bytes'] / c['param_bytes']:.2f}). Activations grow with the batch size "
    f"$I$; parameters do not."
)
show(mc.memory_bars(c), "memory")

# ---- batches --------------------------------------------------------------------------
st.header("Batches: parameter gradients are sums over the examples")
st.markdown(
    "Column $i$ of $\\partial\\ell/\\partial\\mathbf{f}_k$ depends on example $i$ alone. "
    "The product $\\frac{\\partial\\ell}{\\partial\\mathbf{f}_k}\\mathbf{h}_k^T = "
    "\\sum_i \\frac{\\partial\\ell_i}{\\partial\\mathbf{f}_{k,i}}\\mathbf{h}_{k,i}^T$ adds up "
    "the per-example outer products, and $\\partial\\ell/\\partial\\boldsymbol{\\beta}_k$ sums "
    "the columns. Below, each example is run through the network **alone** and its "
    "gradients are added up: the sums equal the batch gradients."
)
per_om, per_be = bp.per_example_grads(p)
st.dataframe(
    pd.DataFrame(rp.batch_rows(bw, per_om, per_be)),
    hide_index=True,
    column_config={c: st.column_config.NumberColumn(format="%.1e") for c in rp.BATCH_COLS},
)
st.markdown(f"One entry, $\\partial\\ell/\\partial\\Omega_{{{K}}}[0,0]$, example by example:")
table(rp.entry_rows(bw, per_om, K, (0, 0)))
