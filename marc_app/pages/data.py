"""Data: the sources with licence, vintage and coverage; pull or refresh from the mirror or the web."""

import pandas as pd
import streamlit as st

from marc.core.errors import MarcError
from marc.data import pull, sources
from marc.reporting import views
from marc_app import lang, state
from marc_app.lang import _

st.title(_("app_data_title"))
registry = sources.load_registry()
lock = sources.read_lock()


@st.cache_data(show_spinner=False)
def _report(key: str) -> pd.DataFrame:
    from marc.data.panel_build import build_panel
    from marc.data.quality import data_report

    _panel, countries = state.base_data()
    return data_report(build_panel(None, None, progress=False), countries)


try:
    report_key = str(lock.get("sources", {}).keys()) + str(len(state.base_data()[0]))
    report = state.cached(("report", report_key), _("app_data_spinner"), _report, report_key)
except MarcError as exc:
    state.show_error(exc)
    report = None
table = views.sources_table(registry, lock, report)
text = st.column_config.TextColumn
number = st.column_config.NumberColumn
st.dataframe(**lang.table(table, {
    "id": text(_("app_data_col_id")), "title": text(_("app_data_col_title")), "publisher": text(_("app_data_col_publisher")),
    "licence": text(_("app_data_col_licence")), "open_licence": st.column_config.CheckboxColumn(_("app_data_col_open")),
    "retrieved": text(_("app_data_col_retrieved")), "origin": text(_("app_data_col_origin")),
    "homepage": st.column_config.LinkColumn(_("app_data_col_homepage")), "citation": text(_("app_col_citation")),
    "variables": number(_("app_data_col_variables"), format="%d"), "last_year": number(_("app_data_col_last_year"), format="%d"),
    "coverage_latest": st.column_config.ProgressColumn(_("app_data_col_coverage"), min_value=0, max_value=1, format="%.2f")}),
    hide_index=True, width="stretch")
st.caption(_("app_data_caption"))
if report is not None:
    with st.expander(_("app_data_per_variable")):
        st.dataframe(**lang.table(report), hide_index=True, width="stretch")

st.subheader(_("app_data_pull_title"))
mirror = sources.default_mirror()
st.write(_("app_data_mirror", mirror=mirror) if mirror else _("app_data_no_mirror"))
ids = st.multiselect(_("app_data_sources"), list(registry.sources), key="data_ids")
force = st.checkbox(_("app_data_force"), key="data_force")
if st.button(_("app_data_pull"), type="primary", key="data_pull"):
    chosen = ids or [sid for sid, src in registry.sources.items() if not src.on_demand]
    bar = st.progress(0.0, text=_("app_data_starting"))
    failed = []
    for k, sid in enumerate(chosen, 1):
        bar.progress((k - 1) / len(chosen), text=f"{sid} ({k}/{len(chosen)})")
        try:
            pull.ensure([sid], mirror=mirror, progress=False, force=force)
        except MarcError as exc:
            failed.append(sid)
            state.show_error(exc)
    bar.progress(1.0, text=_("app_data_done"))
    state.base_data.clear()
    state.refresh()
    _report.clear()
    st.success(_("app_data_pulled", n=len(chosen) - len(failed), total=len(chosen)))
