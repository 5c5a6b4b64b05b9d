"""Framework: view and edit the YAML (weight sliders or text), validate live, preview rank changes
against the saved framework, save safely; upload a custom indicator CSV."""

import re

import streamlit as st

from marc import evidence, views
from marc.atomic import write_bytes
from marc.errors import MarcError, Problem
from marc_app import editing, state
from marc_app import auth

s = state.scored()
folder = s.folder
panel, countries = state.base_data()
st.title("Framework")
st.caption(f"Folder `{folder}` · framework {s.outcome.results.framework_digest}")

ss = st.session_state
if "fw_flash" in ss:  # the message of the save that triggered this rerun
    st.success(ss.pop("fw_flash"))
if ss.get("fw_key") != s.key:  # first visit, or the files changed on disk (saved here or elsewhere)
    ss["fw_key"] = s.key
    ss["fw_loaded"] = {f.name: f.read_text(encoding="utf-8") for f in sorted(folder.glob("*.yaml"))}
    ss["fw_edits"] = dict(ss["fw_loaded"])
    ss["fw_version"] = ss.get("fw_version", 0) + 1
    ss["fw_scratch"] = editing.scratch_copy(folder)
loaded, edits, version = ss["fw_loaded"], ss["fw_edits"], ss["fw_version"]
revs = ss.setdefault("fw_revs", {})

files = list(loaded)
default = files.index("adaptation.yaml") if "adaptation.yaml" in files else 0
name = st.selectbox("File", files, index=default, key="fw_file")
tab_w, tab_y = st.tabs(["Weights", "YAML"])
with tab_w:
    try:
        found = editing.weights(edits[name], name)
    except MarcError:
        found = []
        st.info("Fix the YAML errors below to edit weights with sliders.")
    if not found and name in ("index.yaml", "hazards.yaml"):
        st.info("This file declares no pillar or indicator weights: edit it as YAML.")
    values = {}
    for w in found:
        values[w.path] = st.slider(w.label, min(0.0, w.value), max(5.0, w.value), float(w.value), 0.25, key=f"w_{version}_{name}_{w.id}_{w.path[0]}",
                                   help=f"{w.id}: relative weight; 0 leaves it out")
    if found:
        new = editing.set_weights(edits[name], values, name)
        if new != edits[name]:
            edits[name] = new
            revs[name] = revs.get(name, 0) + 1  # the text box shows the new text
with tab_y:
    text = st.text_area("YAML", edits[name], height=420, key=f"y_{version}_{name}_{revs.get(name, 0)}")
    edits[name] = text
    up = st.file_uploader("Replace with an uploaded YAML", type=["yaml", "yml"], key=f"yup_{version}_{name}")
    if up is not None and st.button("Use the uploaded file", key="yup_use"):
        edits[name] = up.getvalue().decode("utf-8", errors="replace")
        revs[name] = revs.get(name, 0) + 1
        st.rerun()
    st.download_button("Download this YAML", edits[name].encode(), file_name=name, mime="application/x-yaml")

changed = [n for n in edits if edits[n] != loaded[n]]
st.subheader("Validation and preview")
fw_new = None
try:
    fw_new = editing.validate(folder, ss["fw_scratch"], edits, panel)
    st.success(f"Valid: {len(fw_new.indicators)} indicators in {len(fw_new.components)} components"
               + (f"; edited: {', '.join(changed)}" if changed else "; no edits"))
except MarcError as exc:
    state.show_error(exc)
    st.caption("The results shown elsewhere stay those of the saved framework until the edit is valid and saved.")

if fw_new is not None and changed:
    wide, how = editing.preview(fw_new, state.prepared(), panel, countries)
    ss["fw_last_good"] = wide
    year = state.pick_year(s, key="fw_year", label="Edition for the preview")
    moves = views.rank_changes(s.table, wide, s.outcome.results.index_id, year, n=0)
    moved = int((moves["change"].fillna(0) != 0).sum())
    st.write(f"Edited framework {how}: **{moved}** countries change rank in {year}. Biggest movers:")
    st.dataframe(moves.head(15), hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.1f") for c in ("score_saved", "score_edited")})
elif fw_new is None and "fw_last_good" in ss:
    st.caption("Preview of the last valid edit is kept until the YAML is fixed.")

auth.stop_unless("framework")  # saving and uploads: editors only (marc/access.py)
c1, c2 = st.columns(2)
if c1.button("Save", type="primary", disabled=fw_new is None or not changed, key="fw_save"):
    try:
        saved = editing.save(folder, edits, loaded)
        ss["fw_flash"] = "Saved " + ", ".join(p.name for p in saved) + " (backup kept in .backups/)."
        ss.pop("fw_key", None)
        st.rerun()
    except MarcError as exc:
        state.show_error(exc)
if c2.button("Discard edits and reload from disk", key="fw_reload"):
    ss.pop("fw_key", None)
    state.refresh()
    st.rerun()

st.subheader("Custom indicator CSV")
st.write("Columns `unit, year, value` (ISO3 codes, UTF-8, at most 5 MB). Saved as `custom/<name>.csv`; "
         "use it in an indicator with `source: custom/<name>`.")
up = st.file_uploader("CSV", type=["csv"], key="custom_csv")
if up is not None:
    stem = re.sub(r"[^a-z0-9_]", "_", up.name.rsplit(".", 1)[0].lower()).strip("_") or "custom"
    cname = st.text_input("Name", value=stem if stem[0].isalpha() else f"c_{stem}", key=f"custom_name_{up.file_id}")
    if st.button("Check and save", key="custom_save"):
        problems: list[Problem] = []
        data = up.getvalue()
        frame = evidence.parse_custom(data, cname, up.name, problems)
        if problems or frame is None:
            state.show_error(MarcError(problems or [Problem(up.name, 0, 0, "empty", "no rows")]))
        else:
            write_bytes(folder / "custom" / f"{cname}.csv", data)
            st.success(f"Saved custom/{cname}.csv: {len(frame)} values for {frame['unit'].nunique()} units, "
                       f"{frame['year'].min()}–{frame['year'].max()}. Variable `custom/{cname}`.")
