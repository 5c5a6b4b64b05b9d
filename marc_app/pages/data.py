"""Data: the sources with licence, vintage and coverage; pull or refresh from the mirror or the web."""

import pandas as pd
import streamlit as st

from marc import sources, views
from marc.errors import MarcError
from marc_app import state

st.title("Data sources")
registry = sources.load_registry()
lock = sources.read_lock()


@st.cache_data(show_spinner="Measuring coverage…")
def _report(key: str) -> pd.DataFrame:
    from marc.panel import build_panel
    from marc.quality import data_report

    _panel, countries = state.base_data()
    return data_report(build_panel(None, None, progress=False), countries)


try:
    report = _report(str(lock.get("sources", {}).keys()) + str(len(state.base_data()[0])))
except MarcError as exc:
    state.show_error(exc)
    report = None
table = views.sources_table(registry, lock, report)
st.dataframe(table, hide_index=True, width="stretch",
             column_config={"homepage": st.column_config.LinkColumn(),
                            "coverage_latest": st.column_config.ProgressColumn("coverage (latest year)", min_value=0,
                                                                               max_value=1, format="%.2f")})
st.caption("Vintage = when the file was retrieved into the cache (data/sources.lock); coverage = mean share of "
           "countries with a value in the latest year, over the source's variables.")
if report is not None:
    with st.expander("Coverage per variable"):
        st.dataframe(report, hide_index=True, width="stretch")

st.subheader("Pull or refresh")
mirror = sources.default_mirror()
st.write(f"Mirror: `{mirror}`" if mirror else "No local mirror: sources are downloaded from their official URLs.")
ids = st.multiselect("Sources (empty = all)", list(registry.sources), key="data_ids")
force = st.checkbox("Refresh: fetch again even when the cached copy is intact (a failed fetch keeps the old copy)",
                    key="data_force")
if st.button("Pull", type="primary", key="data_pull"):
    chosen = ids or [sid for sid, src in registry.sources.items() if not src.on_demand]
    bar = st.progress(0.0, text="Starting…")
    failed = []
    for k, sid in enumerate(chosen, 1):
        bar.progress((k - 1) / len(chosen), text=f"{sid} ({k}/{len(chosen)})")
        try:
            sources.ensure([sid], mirror=mirror, progress=False, force=force)
        except MarcError as exc:
            failed.append(sid)
            state.show_error(exc)
    bar.progress(1.0, text="Done")
    state.base_data.clear()
    state.refresh()
    _report.clear()
    st.success(f"Pulled {len(chosen) - len(failed)} of {len(chosen)} sources; the panel will be rebuilt on the next page.")
