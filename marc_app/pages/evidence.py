"""Evidence: advisers submit expert-coded values with their evidence; another person reviews them.

Submitted values count once a reviewer other than the coder approves them; baseline desk coding is
scored and labelled "unreviewed desk coding" until approved; disputed values are shown, not scored.
"""

import datetime as dt

import streamlit as st

from marc.core.errors import MarcError
from marc.method import evidence, review
from marc_app import auth, lang, state
from marc_app.lang import _

STATUS_LABEL = {"baseline": _("app_ev_status_baseline"), "submitted": _("app_ev_status_submitted"),
                "approved": _("app_ev_status_approved"), "rejected": _("app_ev_status_rejected"),
                "disputed": _("app_ev_status_disputed")}
CONFIDENCE_WORDS = {"low": _("app_ev_conf_low"), "medium": _("app_ev_conf_medium"), "high": _("app_ev_conf_high")}
ACTION_WORDS = {"approve": _("app_ev_approved"), "reject": _("app_ev_rejected"), "dispute": _("app_ev_disputed")}
#: column headings of the review tables
COLUMNS = {"status": _("app_col_status"), "indicator": _("app_col_indicator"), "unit": _("app_col_iso3"),
           "year": _("app_ev_year"), "value": _("app_col_value"), "coder": _("app_ev_coder"),
           "confidence": _("app_ev_confidence"), "evidence_url": _("app_ev_evidence"), "note": _("app_ev_note"),
           "date": _("app_ev_date"), "reviewer": _("app_ev_reviewer_col"), "reason": _("app_ev_reason_col")}

s = state.scored()
fw = s.outcome.framework
st.title(_("app_ev_title"))
experts = [i for i in fw.indicators if i.kind == "expert"]
if not experts:
    st.info(_("app_ev_none"))
    st.stop()
by_id = {i.id: i for i in experts}
ind_id = st.selectbox(_("app_col_indicator"), list(by_id), format_func=lambda i: lang.name(by_id[i].name), key="ev_indicator")
ind = by_id[ind_id]
scale = {int(k): v for k, v in (ind.scale or {}).items()}
if ind.rationale:
    st.caption(ind.rationale)

may_write = auth.allowed("evidence")  # editors and reviewers only (marc/reporting/access.py)

def readiness(unit: str, year: int) -> float:
    row = s.table[(s.table["unit"] == unit) & (s.table["year"] == year)]
    return float(row[fw.index.id].iloc[0]) if len(row) else float("nan")


st.subheader(_("app_ev_submit_title"))
with st.form("evidence"):
    c1, c2 = st.columns(2)
    with c1:
        unit = state.pick_country(s, key="ev_unit")
    year = c2.number_input(_("app_ev_year"), min_value=1990, max_value=2100, value=int(s.latest), step=1, key="ev_year")
    level = st.radio(_("app_ev_level"), list(scale), format_func=lambda k: f"{k}: {scale[k]}", horizontal=True, key="ev_level")
    url = st.text_input(_("app_ev_url"), placeholder="https://…", key="ev_url")
    note = st.text_input(_("app_ev_note_label"), key="ev_note")
    c3, c4, c5 = st.columns(3)
    coder = c3.text_input(_("app_ev_coder"), key="ev_coder")
    when = c4.date_input(_("app_ev_date_label"), value=dt.date.today(), key="ev_date", format="DD/MM/YYYY" if lang.current() == "fr" else "YYYY/MM/DD")
    confidence = c5.selectbox(_("app_ev_confidence"), evidence.CONFIDENCE, index=1, key="ev_conf",
                              format_func=lambda c: CONFIDENCE_WORDS.get(c, c))
    submitted = st.form_submit_button(_("app_ev_submit"), type="primary")

submitted = submitted and may_write
if submitted:
    row = {"unit": unit, "year": int(year), "value": int(level), "evidence_url": url, "coder": coder,
           "date": when.isoformat(), "confidence": confidence, "note": note}
    try:
        path = review.submit(s.folder, ind, row)
    except MarcError as exc:
        state.show_error(exc)
    else:
        st.session_state["ev_done"] = _("app_ev_done", indicator=ind.id, level=int(level), country=s.name(unit),
                                        year=int(year), file=path.name)
        st.rerun()
if st.session_state.get("ev_done"):
    st.success(st.session_state["ev_done"])

st.subheader(_("app_ev_queue"))
with_baseline = st.checkbox(_("app_ev_with_baseline"), key="ev_with_baseline")
waiting = review.queue(fw.expert_rows, include_baseline=with_baseline)
if waiting.empty:
    st.write(_("app_ev_queue_empty"))
else:
    shown = waiting.assign(status=waiting["status"].map(STATUS_LABEL))
    st.dataframe(**lang.table(shown[["status", "indicator", "unit", "year", "value", "coder", "confidence", "evidence_url", "note"]],
                              {c: COLUMNS[c] for c in ("status", "indicator", "unit", "year", "value", "coder", "confidence", "note")}
                              | {"evidence_url": st.column_config.LinkColumn(COLUMNS["evidence_url"])}),
                 hide_index=True, width="stretch")
    labels = [_("app_ev_row", indicator=r.indicator, unit=r.unit, year=r.year, coder=r.coder, level=lang.num(r.value, 0),
                status=STATUS_LABEL[r.status]) for r in waiting.itertuples(index=False)]
    pick = st.selectbox(_("app_ev_pick"), range(len(labels)), format_func=labels.__getitem__, key="ev_pick")
    chosen = waiting.iloc[int(pick)]
    account = auth.current()
    may_review = account.can("review")  # reviewers and editors (marc/reporting/access.py)
    c6, c7 = st.columns(2)
    reviewer = c6.text_input(_("app_ev_reviewer"), key="ev_reviewer", value=account.user or "",
                             disabled=bool(account.user))  # a signed-in reviewer reviews under their own name
    reason = c7.text_input(_("app_ev_reason"), key="ev_reason")
    b1, b2, b3 = st.columns(3)
    action = ("approve" if b1.button(_("app_ev_approve"), key="ev_approve", disabled=not may_review)
              else "reject" if b2.button(_("app_ev_reject"), key="ev_reject", disabled=not may_review)
              else "dispute" if b3.button(_("app_ev_dispute"), key="ev_dispute", disabled=not may_review) else None)
    if action:
        before = readiness(chosen["unit"], int(chosen["year"]))
        try:
            review.review(s.folder, fw.indicator(chosen["indicator"]), chosen["unit"], int(chosen["year"]), chosen["coder"],
                          action, reviewer, reason)
        except MarcError as exc:
            state.show_error(exc)
        else:
            st.session_state["ev_reviewed"] = {"unit": chosen["unit"], "year": int(chosen["year"]), "before": before,
                                               "action": action, "indicator": chosen["indicator"], "coder": chosen["coder"]}
            st.rerun()
done = st.session_state.get("ev_reviewed")
if done:
    st.success(_("app_ev_reviewed", what=ACTION_WORDS[done["action"]], indicator=done["indicator"], coder=done["coder"],
                 country=s.name(done["unit"]), year=done["year"], before=lang.num(done["before"], 2),
                 after=lang.num(readiness(done["unit"], done["year"]), 2)))

st.subheader(_("app_ev_on_file"))
rows = fw.expert_rows[fw.expert_rows["indicator"] == ind.id] if not fw.expert_rows.empty else fw.expert_rows
if rows.empty:
    st.write(_("app_ev_no_values"))
else:
    on_file = rows.assign(status=rows["status"].map(STATUS_LABEL)).drop(columns=["indicator", "line"])
    st.dataframe(**lang.table(on_file, {c: v for c, v in COLUMNS.items() if c in on_file.columns and c != "evidence_url"}
                              | {"evidence_url": st.column_config.LinkColumn(COLUMNS["evidence_url"])}),
                 hide_index=True, width="stretch")

st.subheader(_("app_ev_log", country=s.name(unit)))
log = review.country_log(s.folder, unit)
if log.empty:
    st.write(_("app_ev_log_empty"))
else:
    st.dataframe(**lang.table(log), hide_index=True, width="stretch")
