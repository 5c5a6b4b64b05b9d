"""Evidence: advisers enter expert-coded indicator values, validated and saved to the expert CSV."""

import datetime as dt

import pandas as pd
import streamlit as st

from marc import evidence
from marc.errors import MarcError
from marc_app import state
from marc_app import auth

s = state.scored()
fw = s.outcome.framework
st.title("Expert evidence")
experts = [i for i in fw.indicators if i.kind == "expert"]
if not experts:
    st.info("The framework has no expert-coded indicators (kind: expert).")
    st.stop()
by_id = {i.id: i for i in experts}
ind_id = st.selectbox("Indicator", list(by_id), format_func=lambda i: by_id[i].name, key="ev_indicator")
ind = by_id[ind_id]
scale = {int(k): v for k, v in (ind.scale or {}).items()}
if ind.rationale:
    st.caption(ind.rationale)

may_write = auth.allowed("evidence")  # editors and reviewers only (marc/access.py)
with st.form("evidence"):
    c1, c2 = st.columns(2)
    with c1:
        unit = state.pick_country(s, key="ev_unit")
    year = c2.number_input("Year", min_value=1990, max_value=2100, value=int(s.latest), step=1, key="ev_year")
    level = st.radio("Scale level", list(scale), format_func=lambda k: f"{k}: {scale[k]}", horizontal=True, key="ev_level")
    url = st.text_input("Evidence URL", placeholder="https://…", key="ev_url")
    c3, c4, c5 = st.columns(3)
    coder = c3.text_input("Coder", key="ev_coder")
    when = c4.date_input("Date coded", value=dt.date.today(), key="ev_date")
    confidence = c5.selectbox("Confidence", evidence.CONFIDENCE, index=1, key="ev_conf")
    submitted = st.form_submit_button("Save value", type="primary")

submitted = submitted and may_write
if submitted:
    row = {"unit": unit, "year": int(year), "value": int(level), "evidence_url": url, "coder": coder,
           "date": when.isoformat(), "confidence": confidence}
    before = s.table[(s.table["unit"] == unit) & (s.table["year"] == int(year))]
    try:
        path = evidence.append_expert(s.folder, ind, row)
    except MarcError as exc:
        state.show_error(exc)
    else:
        ss = st.session_state
        ss["ev_saved"] = {"unit": unit, "year": int(year), "path": str(path),
                          "before": float(before[fw.index.id].iloc[0]) if len(before) else float("nan")}
        st.rerun()

saved = st.session_state.get("ev_saved")
if saved:
    now = s.table[(s.table["unit"] == saved["unit"]) & (s.table["year"] == saved["year"])]
    after = float(now[fw.index.id].iloc[0]) if len(now) else float("nan")
    st.success(f"Saved to {saved['path']}. {s.name(saved['unit'])} {saved['year']}: readiness "
               f"{saved['before']:.2f} → {after:.2f}.")

st.subheader("Values on file")
path = s.folder / "expert" / f"{ind.id}.csv"
if path.exists() and path.stat().st_size:
    st.dataframe(pd.read_csv(path, dtype=str, keep_default_na=False), hide_index=True, width="stretch")
else:
    st.write("No values yet: an empty slot means no data (never zero).")
