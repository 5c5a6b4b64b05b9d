"""Evidence: advisers submit expert-coded values with their evidence; another person reviews them.

Submitted values count once a reviewer other than the coder approves them; baseline desk coding is
scored and labelled "unreviewed desk coding" until approved; disputed values are shown, not scored.
"""

import datetime as dt

import streamlit as st

from marc import evidence, review
from marc.errors import MarcError
from marc_app import auth, state

STATUS_LABEL = {"baseline": "unreviewed desk coding", "submitted": "waiting for review", "approved": "approved",
                "rejected": "rejected", "disputed": "disputed (not scored)"}

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

def readiness(unit: str, year: int) -> float:
    row = s.table[(s.table["unit"] == unit) & (s.table["year"] == year)]
    return float(row[fw.index.id].iloc[0]) if len(row) else float("nan")


st.subheader("Submit a value")
with st.form("evidence"):
    c1, c2 = st.columns(2)
    with c1:
        unit = state.pick_country(s, key="ev_unit")
    year = c2.number_input("Year", min_value=1990, max_value=2100, value=int(s.latest), step=1, key="ev_year")
    level = st.radio("Scale level", list(scale), format_func=lambda k: f"{k}: {scale[k]}", horizontal=True, key="ev_level")
    url = st.text_input("Evidence URL", placeholder="https://…", key="ev_url")
    note = st.text_input("What the source says (one line)", key="ev_note")
    c3, c4, c5 = st.columns(3)
    coder = c3.text_input("Coder", key="ev_coder")
    when = c4.date_input("Date coded", value=dt.date.today(), key="ev_date")
    confidence = c5.selectbox("Confidence", evidence.CONFIDENCE, index=1, key="ev_conf")
    submitted = st.form_submit_button("Submit for review", type="primary")

submitted = submitted and may_write
if submitted:
    row = {"unit": unit, "year": int(year), "value": int(level), "evidence_url": url, "coder": coder,
           "date": when.isoformat(), "confidence": confidence, "note": note}
    try:
        path = review.submit(s.folder, ind, row)
    except MarcError as exc:
        state.show_error(exc)
    else:
        st.session_state["ev_done"] = (f"Submitted {ind.id} = {int(level)} for {s.name(unit)} {int(year)} "
                                       f"({path.name}). It counts once another person approves it below.")
        st.rerun()
if st.session_state.get("ev_done"):
    st.success(st.session_state["ev_done"])

st.subheader("Review queue")
with_baseline = st.checkbox("Include unreviewed desk coding", key="ev_with_baseline")
waiting = review.queue(fw.expert_rows, include_baseline=with_baseline)
if waiting.empty:
    st.write("Nothing is waiting for review.")
else:
    shown = waiting.assign(status=waiting["status"].map(STATUS_LABEL))
    st.dataframe(shown[["status", "indicator", "unit", "year", "value", "coder", "confidence", "evidence_url", "note"]],
                 hide_index=True, width="stretch",
                 column_config={"evidence_url": st.column_config.LinkColumn("evidence")})
    labels = [f"{r.indicator} · {r.unit} {r.year} · {r.coder} · level {r.value:g} ({STATUS_LABEL[r.status]})"
              for r in waiting.itertuples(index=False)]
    pick = st.selectbox("Row to review", range(len(labels)), format_func=labels.__getitem__, key="ev_pick")
    chosen = waiting.iloc[int(pick)]
    account = auth.current()
    may_review = account.can("review")  # reviewers and editors (marc/access.py)
    c6, c7 = st.columns(2)
    reviewer = c6.text_input("Reviewer (not the coder)", key="ev_reviewer", value=account.user or "",
                             disabled=bool(account.user))  # a signed-in reviewer reviews under their own name
    reason = c7.text_input("Reason (required to reject or dispute)", key="ev_reason")
    b1, b2, b3 = st.columns(3)
    action = ("approve" if b1.button("Approve", key="ev_approve", disabled=not may_review)
              else "reject" if b2.button("Reject", key="ev_reject", disabled=not may_review)
              else "dispute" if b3.button("Dispute", key="ev_dispute", disabled=not may_review) else None)
    if action:
        before = readiness(chosen["unit"], int(chosen["year"]))
        try:
            review.review(s.folder, fw.indicator(chosen["indicator"]), chosen["unit"], int(chosen["year"]), chosen["coder"],
                          action, reviewer, reason)
        except MarcError as exc:
            state.show_error(exc)
        else:
            st.session_state["ev_reviewed"] = {"unit": chosen["unit"], "year": int(chosen["year"]), "before": before,
                                               "what": f"{action}d {chosen['indicator']} by {chosen['coder']}"}
            st.rerun()
done = st.session_state.get("ev_reviewed")
if done:
    st.success(f"{done['what'].capitalize()}. {s.name(done['unit'])} {done['year']}: readiness "
               f"{done['before']:.2f} → {readiness(done['unit'], done['year']):.2f}.")

st.subheader("Values on file")
rows = fw.expert_rows[fw.expert_rows["indicator"] == ind.id] if not fw.expert_rows.empty else fw.expert_rows
if rows.empty:
    st.write("No values yet: an empty slot means no data (never zero).")
else:
    st.dataframe(rows.assign(status=rows["status"].map(STATUS_LABEL)).drop(columns=["indicator", "line"]),
                 hide_index=True, width="stretch", column_config={"evidence_url": st.column_config.LinkColumn("evidence")})

st.subheader(f"Evidence log: {s.name(unit)}")
log = review.country_log(s.folder, unit)
if log.empty:
    st.write("No change to this country's evidence has been recorded.")
else:
    st.dataframe(log, hide_index=True, width="stretch")
