"""Pure functions: data -> plotly Figure. No streamlit here, so they work in notebooks too."""
