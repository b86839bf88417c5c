"""Backprop Lab: the router and frame. Pages live in pages/, the engine in core/."""

from pathlib import Path

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

HERE = Path(__file__).parent
SECTIONS = {
    "Lab": [
        ("pages/train.py", "Train", ":material/model_training:"),
        ("pages/compare.py", "Compare", ":material/compare_arrows:"),
        ("pages/code.py", "Code & export", ":material/code:"),
    ],
    "Lessons": [
        ("pages/toy_backprop.py", "Backprop: toy model", ":material/calculate:"),
        ("pages/matrix_backprop.py", "Backprop: matrix form", ":material/grid_on:"),
        ("pages/initialization.py", "Initialization", ":material/stacked_line_chart:"),
    ],
}

nav = {
    section: [
        st.Page(path, title=title, icon=icon, default=(path == "pages/train.py"))
        for path, title, icon in entries
        if (HERE / path).exists()  # TEMP until every page has landed
    ]
    for section, entries in SECTIONS.items()
}
nav = {k: v for k, v in nav.items() if v}
if not nav:
    nav = {"": [st.Page(lambda: st.title("Backprop Lab"), title="Backprop Lab")]}

with st.sidebar:
    st.caption(
        "Backprop Lab · gradients, backpropagation and initialization, after chapter 7 "
        "of Prince, *Understanding Deep Learning*."
    )

st.navigation(nav).run()
