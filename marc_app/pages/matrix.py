"""Matrix: readiness against multi-hazard exposure, with quadrant lines and highlighted countries."""

import streamlit as st

from marc import charts
from marc_app import state

s = state.scored()
idx = s.outcome.results.index_id
st.title("Readiness against exposure")
if "exposure" not in s.table.columns:
    st.info("No hazard exposure: the framework has no hazards.yaml, so there is nothing to plot against.")
    st.stop()
year = state.pick_year(s, key="matrix_year")
t = s.table[s.table["year"] == year].rename(columns={idx: "readiness"})[["unit", "name", "readiness", "exposure"]]
names = dict(zip(t["unit"], t["name"]))
default = [u for u in [st.session_state.get("country")] if u in names]
picked = st.multiselect("Highlight", sorted(names, key=lambda u: str(names[u])), default=default,
                        format_func=lambda u: f"{names.get(u, u)} ({u})", key="matrix_pick")
q = s.outcome.hazards.quadrant if s.outcome.hazards is not None else None  # the lines declared in hazards.yaml
x_line = None if q is None or q.readiness == "median" else float(q.readiness)
y_line = None if q is None or q.exposure == "median" else float(q.exposure)
st.altair_chart(charts.matrix(t, picked, x_line=x_line, y_line=y_line, index_label=s.outcome.framework.index.name),
                width="stretch")
n = int(t.dropna(subset=["readiness", "exposure"]).shape[0])
lines = "medians of those countries" if x_line is None and y_line is None else "as declared in hazards.yaml"
st.caption(f"{n} countries with both scores in {year}. Dashed lines: {lines}. "
           "Top left (high exposure, low readiness) is where support matters most.")
