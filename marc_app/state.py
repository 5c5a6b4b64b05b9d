"""Loading and caching for the app: the only place that knows about Streamlit's caches.

What is cached, and keyed by what:

* the scored outcome of the saved framework: keyed by the framework folder and a fingerprint of its
  files (YAML, expert and custom CSVs), so saving a weight or an expert value re-scores once.  It is
  read from a snapshot on disk (:mod:`marc.reporting.snapshot`: tables, every offered edition's rank
  intervals and display geometry, written by ``marc snapshot`` after a pull and by the app after each new fingerprint),
  so the first map needs neither the panel nor the scoring engine;
* the panel and the country table: once per process, loaded only by the pages that need them
  (``st.cache_resource``; the Data page clears it after a pull);
* the display geometry: projected once and served as a static file (``static/world-ee-<hash>.json``); each rerun
  sends only the values, joined to the shapes in the browser (:mod:`marc.reporting.webmap`);
* the indicator stage (``marc.scoring.engine.prepare``) of the saved framework, keyed the same way, so an
  edited weight re-aggregates with ``marc.scoring.engine.rescore`` in milliseconds.

A metric, year or filter change touches none of these: it only rebuilds the small map frame.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from marc.core.errors import MarcError
from marc.pipeline import project
from marc.reporting import snapshot, views
from marc.scoring import engine
from marc_app.lang import _

PAGES = Path(__file__).resolve().parent / "pages"
#: Streamlit serves ``<app folder>/static`` at ``app/static/`` (server.enableStaticServing)
STATIC = Path(__file__).resolve().parents[1] / "static"


def framework_dir() -> Path:
    """``$MARC_FRAMEWORK_DIR`` when set (tests point it at a copy), else the default ``indicators/``."""
    env = os.environ.get("MARC_FRAMEWORK_DIR")
    return Path(env).resolve() if env else project.default_framework_dir().resolve()


_FINGERPRINTS: dict[tuple, str] = {}


def fingerprint(folder: Path) -> str:
    """Hash of every file that changes a score: the YAML files and the expert and custom CSVs (hashed
    again only when a file's size or modification time changed; called several times per rerun)."""
    files = sorted([*folder.glob("*.yaml"), *folder.glob("expert/*.csv"), *folder.glob("custom/*.csv")])
    stats = (str(folder), *((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files))
    if stats not in _FINGERPRINTS:
        if len(_FINGERPRINTS) > 64:
            _FINGERPRINTS.clear()
        _FINGERPRINTS[stats] = snapshot.fingerprint(folder)
    return _FINGERPRINTS[stats]


_WARM: set = set()


def cached(key: object, message: str, fn, *args):
    """``fn(*args)`` (a Streamlit-cached function), with a spinner saying *message* (in the app's
    language) the first time this process computes *key*; a cache hit draws nothing.  (Streamlit's own
    ``show_spinner`` takes one fixed text at decoration time, so it cannot follow the language.)"""
    if key in _WARM:
        return fn(*args)
    with st.spinner(message):
        out = fn(*args)
    if len(_WARM) > 256:
        _WARM.clear()
    _WARM.add(key)
    return out


@st.cache_resource(show_spinner=False)
def _base_data() -> tuple[pd.DataFrame, pd.DataFrame]:
    from marc.data import sources

    panel, countries = project.load_data(sources.default_mirror(), progress=False)
    return panel, countries


def base_data() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The data panel and the country table (loaded once per process)."""
    return cached("panel", _("app_spinner_panel"), _base_data)


def _forget_panel() -> None:
    _base_data.clear()
    _WARM.discard("panel")


base_data.clear = _forget_panel  # the Data page forgets the panel after a pull


def _panel() -> pd.DataFrame:
    return base_data()[0]


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
    snap: snapshot.Snapshot

    @property
    def years(self) -> list[int]:
        return self.outcome.years

    def name(self, unit: str) -> str:
        """The country's name in the app's language (CLDR), else the data's name."""
        from marc_app import lang

        c = self.outcome.countries
        hit = c.loc[c["unit"] == unit, "name"] if c is not None else pd.Series(dtype=object)
        return lang.country(unit, str(hit.iloc[0]) if len(hit) else unit)

    def names(self) -> dict[str, str]:
        """unit -> name in the app's language, for every unit of the table."""
        from marc_app import lang

        pairs = self.table[["unit", "name"]].drop_duplicates("unit")
        return {u: lang.country(u, str(n)) for u, n in zip(pairs["unit"], pairs["name"])}

    def metrics_in(self, lang: str) -> list[views.Metric]:
        """The map's metrics with their labels in *lang*."""
        return self.metrics if lang == "en" else views.metrics(self.outcome.framework, self.table, self.hazard_labels, lang)


_PRELOADED: dict[tuple[str, str], snapshot.Snapshot] = {}
_PRELOAD_LOCK = threading.Lock()


def warm() -> None:
    """Before the first visitor asks: import what the first page uses, read the saved framework's
    snapshot and write its geometry file (the launcher, :mod:`marc_app.serve`, runs this in a thread
    while the server starts).  A framework that does not load is left for the page to report."""
    with _PRELOAD_LOCK:
        import pyarrow.parquet  # noqa: F401  (the snapshot's tables)
        import streamlit.emojis  # noqa: F401  (compiles its emoji pattern on import: the page icon)

        from marc.core import i18n
        from marc.reporting import webmap  # noqa: F401  (the map page's spec and values)

        for lang in i18n.LANGS:  # the catalogues, parsed and compiled once per process
            i18n.translations(lang)

        folder = framework_dir()
        try:
            key = fingerprint(folder)
            snap = snapshot.load(folder, panel_loader=_panel)
        except (MarcError, OSError):
            return
        if snap is not None:
            _geometry_file(snap)
            _PRELOADED.clear()
            _PRELOADED[(str(folder), key)] = snap


@st.cache_resource(show_spinner=False, max_entries=4)
def _scored(folder: str, key: str) -> Scored:
    """From the snapshot on disk when there is one for these files and data (a fraction of a second),
    else scored now and saved as a snapshot for the next start."""
    with _PRELOAD_LOCK:  # (the launcher's thread may be reading it right now: wait, then take it)
        snap = _PRELOADED.pop((folder, key), None)
    if snap is None:
        snap = snapshot.load(Path(folder), panel_loader=_panel)
    if snap is None and snapshot.building(Path(folder)):  # `make app` is scoring it in the background
        snap = snapshot.wait(Path(folder), panel_loader=_panel)
    if snap is None:
        panel, countries = base_data()
        outcome = project.compute(Path(folder), years="offered", panel=panel, countries=countries, progress=False)
        features, points = snapshot.display_geometry()
        snap_key = snapshot.key(Path(folder))
        snap = snapshot.from_outcome(snap_key or key, outcome, features, points)
        if snap_key:
            snapshot.save(snap)
    outcome = snap.outcome
    labels = snap.hazard_labels
    return Scored(folder=Path(folder), key=key, outcome=outcome, table=snap.table, data_years=snap.data_years,
                  metrics=views.metrics(outcome.framework, snap.table, labels), hazard_labels=labels,
                  latest=snap.latest, snap=snap)


def geometry() -> tuple[list[dict], list[dict]]:
    """Display geometry (features, small-state points) of the saved framework's snapshot."""
    snap = scored().snap
    return snap.feature_list(), snap.points


def small_states() -> list[dict]:
    """The small states drawn as dots (unit, name, lon, lat, area_km2)."""
    return scored().snap.points


def geometry_url() -> str:
    """URL (relative to the app) of the display geometry, served once as a static file and cached by
    the browser; written to ``static/`` the first time (content-addressed, so never stale)."""
    return _geometry_file(scored().snap)


def _geometry_file(snap: snapshot.Snapshot) -> str:
    name = f"world-ee-{snap.geometry_id}.json"  # projected to Equal Earth once (marc.reporting.webmap.planar)
    path = STATIC / name
    if not path.exists():
        from marc.core.atomic import write_bytes
        from marc.reporting import webmap

        features = webmap.planar(snap.feature_list())
        write_bytes(path, json.dumps({"features": features}, separators=(",", ":")).encode(), keep_backup=False)
    return f"app/static/{name}"


@st.cache_resource(show_spinner=False, max_entries=2)
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
        key = fingerprint(folder)
        result = cached(("scored", str(folder), key), _("app_spinner_scoring"), _scored, str(folder), key)
    except MarcError as exc:
        last = st.session_state.get("_last_scored")
        show_error(exc)
        if last is None:
            st.stop()
        st.warning(_("app_last_good"))
        return last
    st.session_state["_last_scored"] = result
    return result


_INTERVALS: dict[tuple[str, str, int], pd.DataFrame] = {}
_RUNNING: dict[tuple[str, str, int], threading.Thread] = {}
_LOCK = threading.Lock()


def _interval_key(year: int) -> tuple[str, str, int]:
    folder = framework_dir()
    return str(folder), fingerprint(folder), int(year)


def _remember(key: tuple[str, str, int], result: pd.DataFrame) -> pd.DataFrame:
    with _LOCK:
        if len(_INTERVALS) > 64:
            _INTERVALS.clear()
        _INTERVALS[key] = result
    return result


def _monte_carlo(s: Scored, key: tuple[str, str, int]) -> pd.DataFrame:
    """The intervals of an edition the snapshot does not hold (not offered): a Monte Carlo run."""
    from marc.analysis import uncertainty

    return _remember(key, uncertainty.from_outcome(s.outcome, panel=_panel(), year=key[2]).summary())


def intervals(year: int) -> pd.DataFrame:
    """Per-unit 5–95% rank and score intervals of the index for an edition (the framework's
    ``uncertainty:`` settings and seed), computed once per edition and framework (every offered
    edition's come with the snapshot)."""
    key = _interval_key(year)
    if key in _INTERVALS:
        return _INTERVALS[key]
    s = scored()
    saved = s.snap.intervals_of(year)
    if saved is not None:
        return _remember(key, saved)
    running = _RUNNING.get(key)
    if running is not None:
        running.join()
        return _INTERVALS[key]
    with st.spinner(_("app_spinner_intervals")):
        return _monte_carlo(s, key)


def intervals_ready(year: int) -> pd.DataFrame | None:
    """The edition's rank intervals if they are known, else None at once while they are computed in
    the background (the map does not wait for a Monte Carlo run: the next rerun shows them)."""
    key = _interval_key(year)
    if key in _INTERVALS:
        return _INTERVALS[key]
    s = scored()
    saved = s.snap.intervals_of(year)
    if saved is not None:
        return _remember(key, saved)
    with _LOCK:
        if key not in _RUNNING or not _RUNNING[key].is_alive():
            t = threading.Thread(target=_monte_carlo, args=(s, key), daemon=True, name=f"marc-intervals-{year}")
            _RUNNING[key] = t
            t.start()
    return None


def prepared() -> engine.Prepared:
    folder = framework_dir()
    key = fingerprint(folder)
    return cached(("prepared", str(folder), key), _("app_spinner_prepare"), _prepared, str(folder), key)


def refresh() -> None:
    """Forget the scored results (after a pull or a change made outside the app)."""
    _scored.clear()
    _prepared.clear()
    _WARM.clear()
    with _LOCK:
        _INTERVALS.clear()


def link_page(page: str, label: str, query: dict[str, str] | None = None, icon: str | None = None) -> None:
    """A link to another page of the app (keeps the session); a plain link when the page runs alone
    (Streamlit's AppTest runs one page without the navigation)."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.page_link(PAGES / page, label=label, icon=icon, query_params=query)
    except StreamlitAPIException:
        qs = "&".join(f"{k}={v}" for k, v in (query or {}).items())
        st.markdown(f"[{label}]({page.removesuffix('.py')}{'?' + qs if qs else ''})")


@contextmanager
def timing(name: str):
    """Log the wall time of a block to the server's stderr when ``$MARC_APP_TIMING`` is set (bench)."""
    if not os.environ.get("MARC_APP_TIMING"):
        yield
        return
    t = time.perf_counter()
    try:
        yield
    finally:
        print(f"marc-timing {name} {(time.perf_counter() - t) * 1000:.1f} ms", file=sys.stderr, flush=True)


def show_error(exc: MarcError) -> None:
    """Every problem of a MarcError as one message: file:line:column [code] message."""
    lines = [_("app_error_at", file=p.file, line=p.line, column=p.column, code=p.code, message=p.message) if p.line
             else _("app_error_in", file=p.file, code=p.code, message=p.message) for p in exc.problems]
    st.error("\n\n".join([_("app_errors_intro"), *lines]))


# --- shareable state: every page reads its view from the URL query and writes it back --------------
# (country, edition, metric, filters; never unsaved edits or uploads)


def param(name: str) -> str | None:
    """A query-string value of the current URL (None when absent or empty)."""
    value = st.query_params.get(name)
    return value or None


def param_list(name: str) -> list[str]:
    """A comma-separated query-string list (``?region=a,b``)."""
    value = param(name)
    return [v for v in value.split(",") if v] if value else []


def set_param(name: str, value: object, default: object = None) -> None:
    """Write *value* to the URL (comma-joined when a list); remove it when empty or the default."""
    if isinstance(value, (list, tuple, set)):
        text = ",".join(str(v) for v in value)
    elif isinstance(value, bool):
        text = "1" if value else ""
    else:
        text = "" if value is None else str(value)
    if not text or value == default:
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != text:
        st.query_params[name] = text


def seed(key: str, name: str, options: list | None = None, *, kind: str = "str", fallback: object = None,
         upper: bool = False) -> None:
    """Give the widget *key* its first value from the URL parameter *name* (else *fallback*), once:
    later reruns keep what the user chose.  *kind*: str, int, list or bool."""
    if key in st.session_state:
        return
    if kind == "list":
        value: object = [v for v in param_list(name) if options is None or v in options]
        value = value or (fallback if fallback is not None else [])
    elif kind == "bool":
        raw = param(name)
        value = (raw in ("1", "true", "yes")) if raw is not None else bool(fallback)
    else:
        raw = param(name)
        if upper and raw is not None:  # ISO3 codes: ?country=mli works too
            raw = raw.upper()
        if kind == "int" and raw is not None:
            raw = int(raw) if raw.lstrip("-").isdigit() else None
        value = raw if raw is not None and (options is None or raw in options) else fallback
    if value is not None:
        st.session_state[key] = value


def pick_year(s: Scored, key: str, label: str | None = None) -> int:
    """An edition slider shared across pages (the choice follows the user and the URL's ``year``)."""
    years = s.years
    shared = st.session_state.get("year")
    seed(key, "year", years, kind="int", fallback=shared if shared in years else s.latest)
    if st.session_state.get(key) not in years:
        st.session_state[key] = s.latest
    year = st.select_slider(label or _("app_edition"), options=years, key=key)
    st.session_state["year"] = year
    set_param("year", year, s.latest)
    return int(year)


def pick_country(s: Scored, key: str, label: str | None = None, *, in_url: bool = True) -> str | None:
    """A country picker over the scored units (names sorted), remembering the last choice (and the
    URL's ``country``); type to search, arrows to move, Enter to choose."""
    t = s.table[s.table["year"] == s.latest][["unit", "name"]].dropna().sort_values("name")
    names = s.names()
    from marc_app.lang import sort_key

    units = sorted(t["unit"].tolist(), key=lambda u: sort_key(names.get(u, u)))
    current = st.session_state.get("country")
    seed(key, "country" if in_url else "-", units, fallback=current if current in units else (units[0] if units else None),
         upper=True)
    if st.session_state.get(key) not in units and units:
        st.session_state[key] = units[0]
    unit = st.selectbox(label or _("app_country"), units, format_func=lambda u: f"{names.get(u, u)} ({u})", key=key)
    st.session_state["country"] = unit
    if in_url:
        set_param("country", unit)
    return unit
