"""Export: tables, maps and the citable country brief (the same files as `marc export` and `marc brief`)."""

import streamlit as st

from marc import brief, export
from marc_app import state

s = state.scored()
st.title("Export")
year = state.pick_year(s, key="exp_year")
st.caption(f"{export.framework_label(s.outcome)}. Every file carries the licence and citation of each source "
           "it uses; non-open licences are flagged.")

st.subheader("Tables and maps")
c1, c2 = st.columns(2)
fmt = c1.selectbox("Format", list(export.FORMATS), key="exp_fmt",
                   help="csv/xlsx tables, geojson/gpkg with boundaries, png/svg/html maps")
metrics = {m.column: m.label for m in s.metrics}
metric = c2.selectbox("Map metric", list(metrics), format_func=metrics.get, key="exp_metric",
                      disabled=fmt not in ("png", "svg", "html"))
if st.button("Prepare the file", key="exp_make"):
    with st.spinner("Exporting…"):
        st.session_state["exp_file"] = (fmt, year, metric, export.export_bytes(s.outcome, fmt, year, metric=metric))
if "exp_file" in st.session_state:
    f, y, m, data = st.session_state["exp_file"]
    name = f"marc_{m}_{y}.{f}" if f in ("png", "svg", "html") else f"marc_{y}.{f}"
    st.download_button(f"Download {name} ({len(data) / 1e6:.1f} MB)", data, file_name=name, key="exp_download")

st.subheader("Country brief")
st.caption("2–4 pages for a proposal: headline scores with rank intervals, pillars against peers, hazards and "
           "INFORM Climate Change projections, GCF engagement, context flags, coverage, method and sources.")
b1, b2, b3 = st.columns([3, 1, 1])
with b1:
    unit = state.pick_country(s, key="exp_country")
bfmt = b2.selectbox("Format", ["pdf", "docx"], key="exp_brief_fmt")
lang = b3.selectbox("Language", list(brief.LANGS), format_func={"en": "English", "fr": "Français"}.get, key="exp_lang")
if st.button("Write the brief", type="primary", key="exp_brief"):
    with st.spinner("Writing the brief…"):
        ranks = brief.intervals_from(state.intervals(year))
        facts = brief.facts(s.outcome, unit, year, intervals=ranks)
        st.session_state["exp_brief_file"] = (unit, year, bfmt, lang, brief.render(facts, bfmt, lang))
if "exp_brief_file" in st.session_state:
    u, y, f, lg, data = st.session_state["exp_brief_file"]
    st.download_button(f"Download MARC-brief-{u}-{y}-{lg}.{f}", data, file_name=f"MARC-brief-{u}-{y}-{lg}.{f}",
                       key="exp_brief_download")
