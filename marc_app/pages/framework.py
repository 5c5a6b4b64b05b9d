"""Framework: view and edit the YAML (weight sliders, or a code editor with line numbers and the
errors shown at their line), validate live, preview rank changes against the saved framework,
save safely; a searchable list of the panel's variables; upload a custom indicator CSV."""

import hashlib
import re

import pandas as pd
import streamlit as st

from marc.core.atomic import write_bytes
from marc.core.errors import MarcError, Problem
from marc.method import evidence, suggest
from marc.method.loader import KNOWN_DATASETS
from marc.reporting import views
from marc_app import auth, editing, lang, state
from marc_app.lang import _

#: every user-facing string of this page, from the translation catalogues (marc/core/locales, keys app_fw_*)
T = {
    "title": _("app_fw_title"),
    "folder": _("app_fw_folder"),
    "file": _("app_fw_file"),
    "tab_weights": _("app_fw_tab_weights"),
    "tab_yaml": _("app_fw_tab_yaml"),
    "fix_yaml": _("app_fw_fix_yaml"),
    "no_weights": _("app_fw_no_weights"),
    "weight_help": _("app_fw_weight_help"),
    "no_evidence": _("app_fw_no_evidence"),
    "evidence_link": _("app_fw_evidence_link"),
    "editor_mode": _("app_fw_editor_mode"),
    "mode_code": _("app_fw_mode_code"),
    "mode_plain": _("app_fw_mode_plain"),
    "editor_help": _("app_fw_editor_help"),
    "yaml": _("app_fw_yaml"),
    "upload": _("app_fw_upload"),
    "use_upload": _("app_fw_use_upload"),
    "download": _("app_fw_download"),
    "validation": _("app_fw_validation"),
    "valid": _("app_fw_valid"),
    "edited": _("app_fw_edited"),
    "no_edits": _("app_fw_no_edits"),
    "kept": _("app_fw_kept"),
    "preview_year": _("app_fw_preview_year"),
    "moved": _("app_fw_moved"),
    "last_good": _("app_fw_last_good"),
    "save": _("app_fw_save"),
    "saved": _("app_fw_saved"),
    "reload": _("app_fw_reload"),
    "variables": _("app_fw_variables"),
    "search": _("app_fw_search"),
    "variables_caption": _("app_fw_variables_caption"),
    "custom": _("app_fw_custom"),
    "custom_help": _("app_fw_custom_help"),
    "csv": _("app_fw_csv"),
    "name": _("app_fw_name"),
    "check_save": _("app_fw_check_save"),
    "custom_saved": _("app_fw_custom_saved"),
    "line_error": _("app_fw_line_error"),
}

s = state.scored()
folder = s.folder
panel, countries = state.base_data()
st.title(T["title"])
st.caption(T["folder"].format(folder=folder.name, digest=s.outcome.results.framework_digest))
saved_fw = s.outcome.framework
expert_ids = {i.id: lang.name(i.name) for i in saved_fw.indicators if i.kind == "expert"}
with_values = set(saved_fw.expert["indicator"]) if not saved_fw.expert.empty else set()


@st.cache_data(show_spinner=False, max_entries=2)
def variable_table(key: str) -> pd.DataFrame:
    p = state.base_data()[0]
    g = p.groupby("variable", observed=True).agg(source=("source", "first"), first_year=("year", "min"),
                                                 last_year=("year", "max"), units=("unit", "nunique")).reset_index()
    return g.sort_values("variable", ignore_index=True)


def friendly(exc: MarcError) -> MarcError:
    """Paths relative to the framework folder and "did you mean" hints."""
    return suggest.friendlier(exc, folder, variables=variable_table(s.key)["variable"], datasets=KNOWN_DATASETS,
                              indicators=[i.id for i in saved_fw.indicators], components=list(saved_fw.components))


ss = st.session_state
if "fw_flash" in ss:  # the message of the save that triggered this rerun
    st.success(ss.pop("fw_flash"))
if ss.get("fw_key") != s.key:  # first visit, or the files changed on disk (saved here or elsewhere)
    ss["fw_key"] = s.key
    ss["fw_loaded"] = {f.name: f.read_text(encoding="utf-8") for f in sorted(folder.glob("*.yaml"))}
    ss["fw_edits"] = dict(ss["fw_loaded"])
    ss["fw_version"] = ss.get("fw_version", 0) + 1
    ss["fw_scratch"] = editing.scratch_copy(folder)
    ss.pop("fw_check", None)
    ss["fw_derived"] = {}
loaded, edits, version = ss["fw_loaded"], ss["fw_edits"], ss["fw_version"]
revs = ss.setdefault("fw_revs", {})
#: file -> (text, {id: weight}) for texts the sliders made from the loaded text (weights-only edits)
derived = ss.setdefault("fw_derived", {})


def parsed_weights(text: str, file: str) -> list[editing.Weight]:
    """``editing.weights`` memoised on the text (a slider rerun parses each text once)."""
    memo = ss.setdefault("fw_weights_memo", {})
    k = (file, hashlib.sha256(text.encode()).hexdigest())
    if k not in memo:
        if len(memo) > 32:
            memo.clear()
        memo[k] = editing.weights(text, file)
    return memo[k]


def check() -> tuple[object, MarcError | None]:
    """The edited framework (or the error), memoised on the texts: weights-only edits reuse the saved
    framework with the new weights; anything else is validated from the texts in a scratch copy."""
    digest = hashlib.sha256("\0".join(f"{k}\0{v}" for k, v in sorted(edits.items())).encode()).hexdigest()
    memo = ss.get("fw_check")
    if memo and memo[0] == digest:
        return memo[1], memo[2]
    changed_now = [n for n in edits if edits[n] != loaded.get(n)]
    if changed_now and all(derived.get(n, (None,))[0] == edits[n] for n in changed_now):  # sliders only
        new: dict[str, float] = {}
        for n in changed_now:
            new |= derived[n][1]
        fw, err = editing.with_weights(saved_fw, new), None
    else:
        fw, err = editing.weights_only(saved_fw, loaded, edits), None
    if fw is None:
        try:
            fw = editing.validate(folder, ss["fw_scratch"], edits, panel)
        except MarcError as exc:
            fw, err = None, friendly(exc)
    ss["fw_check"] = (digest, fw, err)
    return fw, err


files = list(loaded)
default = files.index("adaptation.yaml") if "adaptation.yaml" in files else 0
name = st.selectbox(T["file"], files, index=default, key="fw_file")
tab_w, tab_y = st.tabs([T["tab_weights"], T["tab_yaml"]])
with tab_w:
    try:
        found = parsed_weights(edits[name], name)
    except MarcError:
        found = []
        st.info(T["fix_yaml"])
    if not found and name in ("index.yaml", "hazards.yaml"):
        st.info(T["no_weights"])
    values = {}
    for w in found:
        values[w.path] = st.slider(w.label_in(lang.current()), min(0.0, w.value), max(5.0, w.value), float(w.value), 0.25,
                                   key=f"w_{version}_{name}_{w.id}_{w.path[0]}", help=T["weight_help"].format(id=w.id))
        if w.id in expert_ids and w.id not in with_values:
            st.caption(T["no_evidence"].format(name=expert_ids[w.id]))
            state.link_page("evidence.py", T["evidence_link"].format(name=expert_ids[w.id]), {"indicator": w.id},
                            icon=":material/edit_note:")
    if found and any(values[w.path] != w.value for w in found):
        new = editing.set_weights(edits[name], values, name)
        if new != edits[name]:
            from_loaded = edits[name] == loaded[name] or derived.get(name, (None,))[0] == edits[name]
            edits[name] = new
            if from_loaded:
                derived[name] = (new, {w.id: float(values[w.path]) for w in found})
            else:
                derived.pop(name, None)
            revs[name] = revs.get(name, 0) + 1  # the text box shows the new text
fw_new, error = check()
with tab_y:
    mode = st.radio(T["editor_mode"], ["code", "plain"], horizontal=True, key="fw_editor_mode",
                    format_func=lambda m: T["mode_code"] if m == "code" else T["mode_plain"])
    here = [p for p in (error.problems if error else []) if p.file == name and p.line]
    if mode == "code":
        from code_editor import code_editor

        st.caption(T["editor_help"])
        notes = [{"row": p.line - 1, "column": max(p.column - 1, 0), "type": "error", "text": f"[{p.code}] {p.message}"}
                 for p in here]
        marks = [{"startRow": p.line - 1, "endRow": p.line - 1, "startCol": 0, "endCol": 200, "className": "marc-error",
                  "type": "fullLine"} for p in here]
        reply = code_editor(edits[name], lang="yaml", height=[18, 30], response_mode=["blur", "debounce"], allow_reset=True,
                            key=f"ce_{version}_{name}_{revs.get(name, 0)}",
                            props={"annotations": notes, "markers": marks, "showGutter": True,
                                   "setOptions": {"showLineNumbers": True, "useWorker": False}},
                            options={"showLineNumbers": True, "tabSize": 2, "useSoftTabs": True, "useWorker": False})
        seen = ss.setdefault("fw_editor_seen", set())
        if reply and reply.get("id") and reply["id"] not in seen:
            seen.add(reply["id"])
            if reply.get("text") is not None and reply["text"] != edits[name]:
                edits[name] = reply["text"]
                st.rerun()
    else:
        text = st.text_area(T["yaml"], edits[name], height=420, key=f"y_{version}_{name}_{revs.get(name, 0)}")
        if text != edits[name]:
            edits[name] = text
            st.rerun()
    for p in here:
        st.error(T["line_error"].format(line=p.line, column=p.column, code=p.code, message=p.message))
    up = st.file_uploader(T["upload"], type=["yaml", "yml"], key=f"yup_{version}_{name}")
    if up is not None and st.button(T["use_upload"], key="yup_use"):
        edits[name] = up.getvalue().decode("utf-8", errors="replace")
        revs[name] = revs.get(name, 0) + 1
        st.rerun()
    st.download_button(T["download"], edits[name].encode(), file_name=name, mime="application/x-yaml")

changed = [n for n in edits if edits[n] != loaded[n]]
st.subheader(T["validation"])
if fw_new is not None:
    st.success(T["valid"].format(n=len(fw_new.indicators), c=len(fw_new.components))
               + (T["edited"].format(files=", ".join(changed)) if changed else T["no_edits"]))
else:
    state.show_error(error)
    st.caption(T["kept"])

if fw_new is not None and changed:
    with state.timing("weight_preview"):
        wide, how = editing.preview(fw_new, state.prepared(), panel, countries)
        ss["fw_last_good"] = wide
        year = state.pick_year(s, key="fw_year", label=T["preview_year"])
        moves = views.rank_changes(s.table, wide, s.outcome.results.index_id, year, n=0)
        moved = int((moves["change"].fillna(0) != 0).sum())
        st.write(T["moved"].format(how=_("app_fw_how_reaggregated") if how.startswith("re-aggregated") else _("app_fw_how_rescored"),
                                   moved=moved, year=year))
        top = moves.head(15)
        top = top.assign(name=top["unit"].map(s.names()).fillna(top["name"])) if "name" in top.columns and "unit" in top.columns else top
        st.dataframe(**lang.table(top, {c: st.column_config.NumberColumn(_(k), format="%.1f")
                                        for c, k in (("score_saved", "app_fw_col_saved"), ("score_edited", "app_fw_col_edited"))}
                                  | {"unit": _("app_col_iso3"), "name": _("app_col_country"), "rank_saved": _("app_fw_col_rank_saved"),
                                     "rank_edited": _("app_fw_col_rank_edited"), "change": _("app_fw_col_change")}),
                     hide_index=True, width="stretch")
elif fw_new is None and "fw_last_good" in ss:
    st.caption(T["last_good"])

auth.stop_unless("framework")  # saving and uploads: editors only (marc/reporting/access.py)
c1, c2 = st.columns(2)
if c1.button(T["save"], type="primary", disabled=fw_new is None or not changed, key="fw_save"):
    try:
        saved = editing.save(folder, edits, loaded)
        ss["fw_flash"] = T["saved"].format(files=", ".join(p.name for p in saved))
        ss.pop("fw_key", None)
        st.rerun()
    except MarcError as exc:
        state.show_error(friendly(exc))
if c2.button(T["reload"], key="fw_reload"):
    ss.pop("fw_key", None)
    state.refresh()
    st.rerun()

if st.toggle(T["variables"], key="fw_variables"):  # drawn only when asked (keeps slider reruns light)
    table = variable_table(s.key)
    q = st.text_input(T["search"], key="fw_var_search")
    shown = table
    if q:
        needle = q.strip().lower()
        shown = table[table["variable"].str.lower().str.contains(needle, regex=False)
                      | table["source"].astype(str).str.lower().str.contains(needle, regex=False)]
    st.caption(T["variables_caption"].format(n=len(shown), total=len(table)))
    st.dataframe(shown, hide_index=True, width="stretch", height=300,
                 column_config={"variable": _("app_fw_col_variable"), "source": _("app_col_source"),
                                "first_year": _("app_fw_col_first_year"), "last_year": _("app_data_col_last_year"),
                                "units": _("app_fw_col_units")})

st.subheader(T["custom"])
st.write(T["custom_help"])
up = st.file_uploader(T["csv"], type=["csv"], key="custom_csv")
if up is not None:
    stem = re.sub(r"[^a-z0-9_]", "_", up.name.rsplit(".", 1)[0].lower()).strip("_") or "custom"
    cname = st.text_input(T["name"], value=stem if stem[0].isalpha() else f"c_{stem}", key=f"custom_name_{up.file_id}")
    if st.button(T["check_save"], key="custom_save"):
        problems: list[Problem] = []
        data = up.getvalue()
        frame = evidence.parse_custom(data, cname, up.name, problems)
        if problems or frame is None:
            state.show_error(MarcError(problems or [Problem(up.name, 0, 0, "empty", "no rows")]))
        else:
            write_bytes(folder / "custom" / f"{cname}.csv", data)
            # kept in the session: the new file changes the framework's fingerprint, and the rescoring rerun
            # that follows must not wipe the confirmation
            st.session_state["custom_flash"] = (up.file_id, T["custom_saved"].format(
                name=cname, n=len(frame), units=frame["unit"].nunique(), y0=frame["year"].min(), y1=frame["year"].max()))
    flash = st.session_state.get("custom_flash")
    if flash and flash[0] == up.file_id:  # shown while that file stays in the uploader
        st.success(flash[1])
