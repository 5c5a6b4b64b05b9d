"""Export: tables, maps and the citable country brief (the same files as `marc export` and `marc brief`)."""

import streamlit as st

from marc.reporting import brief, export
from marc_app import lang, state
from marc_app.lang import _

s = state.scored()
st.title(_("app_export_title"))
year = state.pick_year(s, key="exp_year")
digest, default = s.outcome.framework.digest, export.default_digest()
scored_with = (_("framework_default", digest=digest) if digest == default
               else _("framework_custom", digest=digest, default=default or "–"))
st.caption(_("app_export_caption", framework=scored_with))

st.subheader(_("app_export_tables"))
c1, c2 = st.columns(2)
fmt = c1.selectbox(_("app_export_format"), list(export.FORMATS), key="exp_fmt", help=_("app_export_format_help"))
metrics = {m.column: m.label for m in s.metrics_in(lang.current())}
metric = c2.selectbox(_("app_export_metric"), list(metrics), format_func=metrics.get, key="exp_metric",
                      disabled=fmt not in ("png", "svg", "html"))
if st.button(_("app_export_prepare"), key="exp_make"):
    with st.spinner(_("app_export_spinner")):
        st.session_state["exp_file"] = (fmt, year, metric, export.export_bytes(s.outcome, fmt, year, metric=metric))
if "exp_file" in st.session_state:
    f, y, m, data = st.session_state["exp_file"]
    name = f"marc_{m}_{y}.{f}" if f in ("png", "svg", "html") else f"marc_{y}.{f}"
    st.download_button(_("app_export_download", name=name, size=lang.num(len(data) / 1e6)), data, file_name=name,
                       key="exp_download")

st.subheader(_("app_export_brief"))
st.caption(_("app_export_brief_caption"))
b1, b2, b3 = st.columns([3, 1, 1])
with b1:
    unit = state.pick_country(s, key="exp_country")
bfmt = b2.selectbox(_("app_export_format"), ["pdf", "docx"], key="exp_brief_fmt")
if "exp_lang" not in st.session_state:  # the brief's language follows the app's until the user picks another
    st.session_state["exp_lang"] = lang.current()
brief_lang = b3.selectbox(_("app_export_language"), list(brief.LANGS), format_func=lang.NAMES.get, key="exp_lang")
if st.button(_("app_export_write"), type="primary", key="exp_brief"):
    with st.spinner(_("app_export_brief_spinner")):
        ranks = brief.intervals_from(state.intervals(year))
        facts = brief.facts(s.outcome, unit, year, intervals=ranks)
        st.session_state["exp_brief_file"] = (unit, year, bfmt, brief_lang, brief.render(facts, bfmt, brief_lang))
if "exp_brief_file" in st.session_state:
    u, y, f, lg, data = st.session_state["exp_brief_file"]
    st.download_button(_("app_export_download_brief", name=f"MARC-brief-{u}-{y}-{lg}.{f}"), data,
                       file_name=f"MARC-brief-{u}-{y}-{lg}.{f}", key="exp_brief_download")
