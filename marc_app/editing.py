"""Framework editing behind the Framework page: weights in a YAML text, validation of edited texts
in a scratch copy of the folder, and the preview of the edited framework.  Plain functions (no
Streamlit), so they are tested directly."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from marc.core import yamlio
from marc.core.errors import MarcError, Problem
from marc.method.loader import Framework, load_framework
from marc.scoring import engine

#: the catalogue keys of a weight's label, by the kind of node it weighs
LABEL_KEYS = {"pillar": "app_weight_pillar", "sub_pillar": "app_weight_sub_pillar", "indicator": "app_weight_indicator"}


@dataclass
class Weight:
    path: tuple            # location in the YAML tree, e.g. ("indicators", 2, "weight")
    id: str
    label: str             # "Indicator: <English name>"
    value: float
    kind: str = "indicator"
    names: dict[str, str] = field(default_factory=dict)  # the node's name per language, as the YAML gives it

    def label_in(self, lang: str = "en") -> str:
        """``Indicator: <name>`` in *lang* (the YAML's name in that language, else the English one)."""
        from marc.core.i18n import t

        return t(LABEL_KEYS[self.kind], lang, name=self.names.get(lang) or self.names.get("en") or self.id)


def _names(value: object, fallback: str) -> dict[str, str]:
    """A YAML name (plain, or ``{en: ..., fr: ...}``) as language -> text."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return {"en": str(value if value is not None else fallback)}


def _weight(path: tuple, item: dict, kind: str) -> Weight:
    names = _names(item.get("name"), str(item.get("id")))
    from marc.core.i18n import t

    return Weight(path, str(item.get("id")), t(LABEL_KEYS[kind], "en", name=names.get("en", str(item.get("id")))),
                  float(item["weight"]), kind, names)


def weights(text: str, name: str = "<text>") -> list[Weight]:
    """Every weight declared in a pillar file: the pillar's, its sub-pillars' and its indicators'."""
    data = yamlio.parse_text(text, name).data
    out: list[Weight] = []
    if not isinstance(data, dict):
        return out
    pillar = data.get("pillar")
    if isinstance(pillar, dict) and "weight" in pillar:
        out.append(_weight(("pillar", "weight"), pillar, "pillar"))
    for key, kind in (("sub_pillars", "sub_pillar"), ("indicators", "indicator")):
        for k, item in enumerate(data.get(key) or []):
            if isinstance(item, dict) and "weight" in item:
                out.append(_weight((key, k, "weight"), item, kind))
    return out


def set_weights(text: str, values: dict[tuple, float], name: str = "<text>") -> str:
    """The YAML text with the weights at the given locations replaced, comments and layout kept."""
    doc = yamlio.parse_text(text, name)
    changed = False
    for path, value in values.items():
        node = doc.root
        for part in path[:-1]:
            node = node[part]
        old = node[path[-1]]
        new = int(value) if float(value).is_integer() and isinstance(old, int) else float(value)
        if old != new:
            node[path[-1]] = new
            changed = True
    return yamlio.dump(doc.root) if changed else text


def scratch_copy(folder: Path) -> Path:
    """A temporary copy of the framework folder (YAML, expert and custom CSVs) for validation."""
    tmp = Path(tempfile.mkdtemp(prefix="marc-edit-"))
    dest = tmp / folder.name
    shutil.copytree(folder, dest, ignore=shutil.ignore_patterns(".backups", "__pycache__"))
    return dest


def _relocate(exc: MarcError, scratch: Path, folder: Path) -> MarcError:
    """Problems in the scratch copy, reported against the real file names."""
    return MarcError([Problem(p.file.replace(str(scratch), str(folder)), p.line, p.column, p.code, p.message)
                      for p in exc.problems])


def validate(folder: Path, scratch: Path, edits: dict[str, str], panel: pd.DataFrame | None) -> Framework:
    """Load the framework with *edits* (file name -> text) applied in *scratch*; MarcError (with the
    real file names, line and column) when anything is wrong."""
    for f in scratch.glob("*.yaml"):
        if f.name not in edits:
            f.write_text((folder / f.name).read_text(encoding="utf-8"), encoding="utf-8")
    for name, text in edits.items():
        (scratch / name).write_text(text, encoding="utf-8")
    try:
        fw = load_framework(scratch, panel=panel)
        if (scratch / "hazards.yaml").exists() and "hazards.yaml" in edits:
            from marc.hazards import load_hazards

            load_hazards(scratch / "hazards.yaml")
        return fw
    except MarcError as exc:
        raise _relocate(exc, scratch, folder) from None


def weights_only(saved: Framework, loaded: dict[str, str], edits: dict[str, str]) -> Framework | None:
    """The saved framework with the edited weights, when every edited file differs from what was
    loaded only in its weights (the sliders' case); None otherwise (validate the text then).

    This skips writing and re-reading every file, so a slider preview costs only the
    re-aggregation.  The check is exact: the loaded text with the edited weights written back
    must equal the edited text."""
    new: dict[str, float] = {}
    for name, text in edits.items():
        if text == loaded.get(name):
            continue
        if name not in loaded or name in ("index.yaml", "hazards.yaml"):
            return None
        try:
            found = weights(text, name)
            base = {w.path: w for w in weights(loaded[name], name)}
        except MarcError:
            return None
        if [w.path for w in found] != list(base) or any(w.value < 0 for w in found):
            return None
        if set_weights(loaded[name], {w.path: w.value for w in found}, name) != text:
            return None
        new |= {w.id: w.value for w in found}
    return with_weights(saved, new) if new else saved


def with_weights(saved: Framework, new: dict[str, float]) -> Framework:
    """The saved framework with some weights replaced (indicator, pillar or sub-pillar id -> weight)."""
    indicators = [i.model_copy(update={"weight": new[i.id]}) if i.id in new else i for i in saved.indicators]
    components = {k: c.model_copy(update={"weight": new[k]}) if k in new else c for k, c in saved.components.items()}
    return replace(saved, indicators=indicators, components=components)


def preview(fw: Framework, prepared: engine.Prepared, panel: pd.DataFrame, countries: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The edited framework's scores (``unit, name, year`` and one column per component and the
    index, every edition) and how they were computed: re-aggregated from the saved indicator stage
    when only weights or aggregation changed (milliseconds), else a full ``score``."""
    if engine._signature(fw) == prepared.signature:
        comps = engine.aggregate_components(fw, prepared)
        wide = comps.pivot(index=["unit", "year"], columns="component", values="score").reset_index()
        wide.columns.name = None
        how = "re-aggregated (weights only)"
    else:
        units = sorted(set(countries["unit"]) & set(panel["unit"]))
        wide, how = engine.score(fw, panel, None, groups=countries.set_index("unit"), units=units).wide(), "re-scored"
    wide.insert(1, "name", wide["unit"].map(countries.set_index("unit")["name"]))
    return wide, how


def save(folder: Path, edits: dict[str, str], loaded: dict[str, str]) -> list[Path]:
    """Save every edited file whose text differs from what was loaded: atomically, with a backup and
    the comments kept, refusing a file that changed on disk since it was loaded."""
    saved = []
    for name, text in edits.items():
        if text == loaded.get(name):
            continue
        doc = yamlio.parse_text(text, folder / name)
        yamlio.save(doc, expected_text=loaded.get(name))
        saved.append(folder / name)
    return saved
