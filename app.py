"""Backprop Lab: the router and frame. Pages live in views/, the engine in core/.

The page files are in views/, not pages/: with a pages/ folder next to the entry
file, Streamlit 1.67 serves a deep link (/code?...) to a fresh server with its
legacy folder navigation and never runs this file.
"""

import streamlit as st
import torch

# Process-wide, so set once here: on these 2-core machines torch's default thread
# pool made a live run about 4x slower (it fights the server for the cores).
torch.set_num_threads(1)

st.set_page_config(
    page_title="Backprop Lab",
    page_icon=":material/neurology:",
    layout="wide",
    initial_sidebar_state="expanded",
)

PAGES = {
    "Lab": [
        st.Page("views/train.py", title="Train", icon=":material/model_training:", default=True),
        st.Page("views/compare.py", title="Compare", icon=":material/compare_arrows:"),
        st.Page("views/code.py", title="Code & export", icon=":material/code:"),
    ],
    "Lessons": [
        st.Page("views/toy_backprop.py", title="Backprop: toy model", icon=":material/calculate:"),
        st.Page("views/matrix_backprop.py", title="Backprop: matrix form", icon=":material/grid_on:"),
        st.Page("views/initialization.py", title="Initialization", icon=":material/stacked_line_chart:"),
    ],
}  # fmt: skip

with st.sidebar:
    st.caption(
        "Backprop Lab · gradients, backpropagation and initialization, after chapter 7 "
        "of Prince, *Understanding Deep Learning*."
    )

st.navigation(PAGES).run()
