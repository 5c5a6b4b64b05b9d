"""MARC app: ``streamlit run app.py`` (or ``make app``).

The framework folder is ``indicators/`` unless ``MARC_FRAMEWORK_DIR`` names another one.
"""

import streamlit as st

from marc_app import lang
from marc_app.auth import sidebar as auth_sidebar
from marc_app.lang import _
from marc_app.state import PAGES

st.set_page_config(page_title=_("app_page_title"), page_icon="🌍", layout="wide")
lang.selector()  # English / Français in the sidebar, kept in the URL as ?lang=fr (marc_app/lang.py)
auth_sidebar()  # sign-in box and read-only note (marc_app/auth.py)

pages = {
    _("app_nav_explore"): [
        st.Page(PAGES / "map.py", title=_("app_nav_map"), icon=":material/map:", default=True),
        st.Page(PAGES / "country.py", title=_("app_nav_country"), icon=":material/flag:", url_path="country"),
        st.Page(PAGES / "rankings.py", title=_("app_nav_rankings"), icon=":material/leaderboard:", url_path="rankings"),
        st.Page(PAGES / "matrix.py", title=_("app_nav_matrix"), icon=":material/scatter_plot:", url_path="matrix"),
    ],
    _("app_nav_method"): [
        st.Page(PAGES / "framework.py", title=_("app_nav_framework"), icon=":material/tune:", url_path="framework"),
        st.Page(PAGES / "evidence.py", title=_("app_nav_evidence"), icon=":material/edit_note:", url_path="evidence"),
        st.Page(PAGES / "uncertainty.py", title=_("app_nav_uncertainty"), icon=":material/casino:", url_path="uncertainty"),
    ],
    _("app_nav_output"): [
        st.Page(PAGES / "export.py", title=_("app_nav_export"), icon=":material/download:", url_path="export"),
        st.Page(PAGES / "data.py", title=_("app_nav_data"), icon=":material/database:", url_path="data"),
    ],
}
st.navigation(pages).run()
