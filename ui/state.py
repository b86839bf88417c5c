"""The current experiment's Config, shared by the Train, Compare and Code pages.

It lives in st.session_state (one per browser session, never in module globals)
and mirrors itself into the URL, so a copied link reopens the same settings.
"""

from __future__ import annotations

import streamlit as st

from core.config import Config, config_from_params_lenient

KEY = "bp_config"
WARN_KEY = "bp_url_warnings"


def get_config() -> Config:
    """The session's Config; the first call in a session reads it from the URL."""
    if KEY not in st.session_state:
        params = {k: st.query_params[k] for k in st.query_params}
        cfg, problems = config_from_params_lenient(params)
        st.session_state[KEY] = cfg
        st.session_state[WARN_KEY] = problems
    return st.session_state[KEY]


def set_config(cfg: Config) -> None:
    st.session_state[KEY] = cfg
    sync_url(cfg)


def sync_url(cfg: Config) -> None:
    """Write the settings that differ from the defaults into the URL (only when changed)."""
    wanted = cfg.to_params(only_changed=True)
    current = {k: st.query_params[k] for k in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)


def show_url_warnings() -> None:
    """Explain, once, which link parameters were bad and ignored."""
    problems = st.session_state.get(WARN_KEY) or []
    if problems:
        st.warning(
            "Some settings in the link could not be used:\n\n"
            + "\n".join(f"- {p}" for p in problems),
            icon=":material/link_off:",
        )
        st.session_state[WARN_KEY] = []
