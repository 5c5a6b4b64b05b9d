"""Matrix: readiness against multi-hazard exposure, with quadrant lines, the notable countries
named, colours by context (conflict, transition, SIDS, LDC) and a tooltip; the view is in the URL."""

import streamlit as st

from marc.reporting import charts
from marc.reporting import matrix as mx
from marc_app import lang, state
from marc_app.lang import _

#: every user-facing string of this page, from the translation catalogues (marc/core/locales, keys app_matrix_*)
T = {
    "title": _("app_matrix_title"), "no_exposure": _("app_matrix_no_exposure"), "highlight": _("app_matrix_highlight"),
    "label_notable": _("app_matrix_label_notable"), "caption": _("app_matrix_caption"), "medians": _("app_matrix_medians"),
    "declared": _("app_matrix_declared"), "table": _("app_matrix_table"),
    "cols": {"name": _("app_col_country"), "unit": _("app_col_iso3"), "readiness": _("app_col_readiness"),
             "exposure": _("app_col_exposure"), "group": _("app_col_context"), "quadrant": _("app_col_quadrant")},
}

s = state.scored()
idx = s.outcome.results.index_id
st.title(T["title"])
if "exposure" not in s.table.columns:
    st.info(T["no_exposure"])
    st.stop()
year = state.pick_year(s, key="matrix_year")
f = mx.frame(s.table, idx, year)
names = s.names()
f = f.assign(name=f["unit"].map(names).fillna(f["name"]))
options = sorted(f["unit"], key=lambda u: lang.sort_key(names.get(u, u)))
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
st.altair_chart(charts.matrix(f, picked, x_line=x_line, y_line=y_line, index_label=lang.name(s.outcome.framework.index.name),
                              labels=labels, lang=lang.current()), width="stretch")
lines = T["medians"] if x_line is None and y_line is None else T["declared"]
st.caption(T["caption"].format(n=len(f), year=year, lines=lines))
with st.expander(T["table"]):
    shown = f[["name", "unit", "readiness", "exposure", "group", "quadrant"]].assign(
        group=lambda d: d["group"].map(lambda g: _(charts.GROUP_KEYS[g]) if g in charts.GROUP_KEYS else g),
        quadrant=lambda d: d["quadrant"].map(lambda q: lang.term(q) if isinstance(q, str) else q))
    st.dataframe(**lang.table(shown.rename(columns=T["cols"]),
                              {T["cols"][c]: st.column_config.NumberColumn(format="%.1f") for c in ("readiness", "exposure")}),
                 hide_index=True, width="stretch")
