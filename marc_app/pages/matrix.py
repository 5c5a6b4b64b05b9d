"""Matrix: readiness against multi-hazard exposure, with quadrant lines, the notable countries
named, colours by context (conflict, transition, SIDS, LDC) and a tooltip; the view is in the URL."""

import streamlit as st

from marc import charts
from marc import matrix as mx
from marc_app import state

#: every user-facing string of this page (for the translation catalogues)
T = {
    "title": "Readiness against exposure",
    "no_exposure": "No hazard exposure: the framework has no hazards.yaml, so there is nothing to plot against.",
    "highlight": "Highlight", "label_notable": "Name the most extreme countries of each quadrant",
    "caption": "{n} countries with both scores in {year}. Dashed lines: {lines}. Top left (high exposure, low "
               "readiness) is where support matters most. Colour: context (a country in several groups takes the first "
               "listed). Hover a dot for its values.",
    "medians": "medians of those countries", "declared": "as declared in hazards.yaml",
    "table": "Table: every country's readiness, exposure and context (the same data as the chart)",
    "cols": {"name": "Country", "unit": "ISO3", "readiness": "Readiness", "exposure": "Exposure", "group": "Context",
             "quadrant": "Quadrant"},
}

s = state.scored()
idx = s.outcome.results.index_id
st.title(T["title"])
if "exposure" not in s.table.columns:
    st.info(T["no_exposure"])
    st.stop()
year = state.pick_year(s, key="matrix_year")
f = mx.frame(s.table, idx, year)
names = dict(zip(s.table["unit"], s.table["name"]))
options = sorted(f["unit"], key=lambda u: str(names.get(u, u)))
shared = [u for u in [st.session_state.get("country")] if u in options]
state.seed("matrix_pick", "highlight", options, kind="list", fallback=shared)
picked = st.multiselect(T["highlight"], options, format_func=lambda u: f"{names.get(u, u)} ({u})", key="matrix_pick")
state.set_param("highlight", picked)
state.seed("matrix_notable", "notable", kind="bool", fallback=True)
show_notable = st.toggle(T["label_notable"], key="matrix_notable")
state.set_param("notable", "1" if show_notable else "0", "1")
q = s.outcome.hazards.quadrant if s.outcome.hazards is not None else None  # the lines declared in hazards.yaml
x_line = None if q is None or q.readiness == "median" else float(q.readiness)
y_line = None if q is None or q.exposure == "median" else float(q.exposure)
xl = float(f["readiness"].median()) if x_line is None else x_line
yl = float(f["exposure"].median()) if y_line is None else y_line
labels = mx.notable(f, xl, yl) if show_notable else []
st.altair_chart(charts.matrix(f, picked, x_line=x_line, y_line=y_line, index_label=s.outcome.framework.index.name,
                              labels=labels), width="stretch")
lines = T["medians"] if x_line is None and y_line is None else T["declared"]
st.caption(T["caption"].format(n=len(f), year=year, lines=lines))
with st.expander(T["table"]):
    st.dataframe(f[["name", "unit", "readiness", "exposure", "group", "quadrant"]].rename(columns=T["cols"]),
                 hide_index=True, width="stretch",
                 column_config={T["cols"][c]: st.column_config.NumberColumn(format="%.1f") for c in ("readiness", "exposure")})
