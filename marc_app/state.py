"""Loading and caching for the app: the only place that knows about Streamlit's caches.

What is cached, and keyed by what:

* the panel and the country table: once per process (``st.cache_resource``; the Data page clears it
  after a pull);
* the display geometry: simplified, oriented and snapped once per process;
* the scored outcome of the saved framework: keyed by the framework folder and a fingerprint of its
  files (YAML, expert and custom CSVs), so saving a weight or an expert value re-scores once;
* the indicator stage (``marc.engine.prepare``) of the saved framework, keyed the same way, so an
  edited weight re-aggregates with ``marc.engine.rescore`` in milliseconds.

A metric, year or filter change touches none of these: it only rebuilds the small map frame.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from marc import charts, engine, project, views
from marc.errors import MarcError

PAGES = Path(__file__).resolve().parent / "pages"


def framework_dir() -> Path:
    """``$MARC_FRAMEWORK_DIR`` when set (tests point it at a copy), else the default ``indicators/``."""
    env = os.environ.get("MARC_FRAMEWORK_DIR")
    return Path(env).resolve() if env else project.default_framework_dir().resolve()


def fingerprint(folder: Path) -> str:
    """Hash of every file that changes a score: the YAML files and the expert and custom CSVs."""
    h = hashlib.sha256()
    files = sorted([*folder.glob("*.yaml"), *folder.glob("expert/*.csv"), *folder.glob("custom/*.csv")])
    for f in files:
        h.update(str(f.relative_to(folder)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


@st.cache_resource(show_spinner="Loading the data panel…")
def base_data() -> tuple[pd.DataFrame, pd.DataFrame]:
    from marc import sources

    panel, countries = project.load_data(sources.default_mirror(), progress=False)
    return panel, countries


@st.cache_resource(show_spinner="Preparing the map geometry…")
def geometry() -> tuple[list[dict], list[dict]]:
    from marc import boundaries, sources

    display = boundaries.display_geojson(boundaries.countries(sources.source_dir("natural_earth")))
    return charts.compact(display["features"]), display["points"]


@dataclass
class Scored:
    """The saved framework's outcome and the tables the pages draw from (read-only: shared)."""

    folder: Path
    key: str
    outcome: project.Outcome
    table: pd.DataFrame          # every edition, with names, ranks, hazards and context flags
    data_years: pd.DataFrame
    metrics: list[views.Metric]
    hazard_labels: dict[str, str]
    latest: int

    @property
    def years(self) -> list[int]:
        return self.outcome.years

    def name(self, unit: str) -> str:
        c = self.outcome.countries
        hit = c.loc[c["unit"] == unit, "name"] if c is not None else pd.Series(dtype=object)
        return str(hit.iloc[0]) if len(hit) else unit


@st.cache_resource(show_spinner="Scoring the framework…", max_entries=4)
def _scored(folder: str, key: str) -> Scored:
    panel, countries = base_data()
    outcome = project.compute(Path(folder), years="offered", panel=panel, countries=countries, progress=False)
    table = views.with_hazard_layers(outcome, outcome.table())
    labels = views.hazard_labels(Path(folder))
    return Scored(folder=Path(folder), key=key, outcome=outcome, table=table, data_years=views.data_years(outcome),
                  metrics=views.metrics(outcome.framework, table, labels), hazard_labels=labels,
                  latest=outcome.years[-1])


@st.cache_resource(show_spinner="Preparing the indicator stage…", max_entries=2)
def _prepared(folder: str, key: str) -> engine.Prepared:
    panel, countries = base_data()
    fw = scored().outcome.framework
    units = sorted(set(countries["unit"]) & set(panel["unit"]))
    return engine.prepare(fw, panel, None, groups=countries.set_index("unit"), units=units)


def scored() -> Scored:
    """The saved framework, scored (cached by file fingerprint).  A framework that no longer loads
    (e.g. someone broke a file on disk) shows its problems and keeps the last good results."""
    folder = framework_dir()
    try:
        result = _scored(str(folder), fingerprint(folder))
    except MarcError as exc:
        last = st.session_state.get("_last_scored")
        show_error(exc)
        if last is None:
            st.stop()
        st.warning("Showing the last results that scored without errors.")
        return last
    st.session_state["_last_scored"] = result
    return result


@st.cache_resource(show_spinner="Computing rank intervals (Monte Carlo)…", max_entries=32)
def _intervals(folder: str, key: str, year: int) -> pd.DataFrame:
    from marc import uncertainty

    return uncertainty.from_outcome(scored().outcome, year=year).summary()


def intervals(year: int) -> pd.DataFrame:
    """Per-unit 5–95% rank and score intervals of the index for an edition (the framework's
    ``uncertainty:`` settings and seed), computed once per edition and framework."""
    folder = framework_dir()
    return _intervals(str(folder), fingerprint(folder), int(year))


def prepared() -> engine.Prepared:
    folder = framework_dir()
    return _prepared(str(folder), fingerprint(folder))


def refresh() -> None:
    """Forget the scored results (after a pull or a change made outside the app)."""
    _scored.clear()
    _prepared.clear()
    _intervals.clear()


def show_error(exc: MarcError) -> None:
    """Every problem of a MarcError as one message: file:line:column [code] message."""
    lines = [f"`{p.file}:{p.line}:{p.column}` [{p.code}] {p.message}" if p.line else f"`{p.file}` [{p.code}] {p.message}"
             for p in exc.problems]
    st.error("\n\n".join(lines))


def pick_year(s: Scored, key: str, label: str = "Edition") -> int:
    """An edition slider shared across pages (the choice follows the user)."""
    years = s.years
    default = st.session_state.get("year", s.latest)
    if default not in years:
        default = s.latest
    year = st.select_slider(label, options=years, value=default, key=key)
    st.session_state["year"] = year
    return int(year)


def pick_country(s: Scored, key: str, label: str = "Country") -> str | None:
    """A country picker over the scored units (names sorted), remembering the last choice."""
    t = s.table[s.table["year"] == s.latest][["unit", "name"]].dropna().sort_values("name")
    units = t["unit"].tolist()
    names = dict(zip(t["unit"], t["name"]))
    current = st.session_state.get("country")
    idx = units.index(current) if current in units else 0
    unit = st.selectbox(label, units, index=idx, format_func=lambda u: f"{names.get(u, u)} ({u})", key=key)
    st.session_state["country"] = unit
    return unit
