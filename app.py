"""MARC app: ``streamlit run app.py`` (or ``make app``).

The framework folder is ``indicators/`` unless ``MARC_FRAMEWORK_DIR`` names another one.
"""

import streamlit as st

from marc_app.auth import sidebar as auth_sidebar
from marc_app.state import PAGES

st.set_page_config(page_title="MARC readiness", page_icon="🌍", layout="wide")
auth_sidebar()  # sign-in box and read-only note (marc_app/auth.py)

pages = {
    "Explore": [
        st.Page(PAGES / "map.py", title="Map", icon=":material/map:", default=True),
        st.Page(PAGES / "country.py", title="Country", icon=":material/flag:", url_path="country"),
        st.Page(PAGES / "rankings.py", title="Rankings & Compare", icon=":material/leaderboard:", url_path="rankings"),
        st.Page(PAGES / "matrix.py", title="Matrix", icon=":material/scatter_plot:", url_path="matrix"),
    ],
    "Method": [
        st.Page(PAGES / "framework.py", title="Framework", icon=":material/tune:", url_path="framework"),
        st.Page(PAGES / "evidence.py", title="Evidence", icon=":material/edit_note:", url_path="evidence"),
        st.Page(PAGES / "uncertainty.py", title="Uncertainty", icon=":material/casino:", url_path="uncertainty"),
    ],
    "Output": [
        st.Page(PAGES / "export.py", title="Export", icon=":material/download:", url_path="export"),
        st.Page(PAGES / "data.py", title="Data", icon=":material/database:", url_path="data"),
    ],
}
st.navigation(pages).run()
