"""A scored framework saved to disk, so that the app's first page draws in a fraction of a second.

``build`` scores a framework folder on the pulled data (every edition, hazards, context flags),
adds the wide table the app draws from, the rank intervals of every offered edition and the
display geometry, and writes them to ``<cache>/_snapshots/<key>/`` (Parquet and JSON, atomically).
``load`` reads them back into an :class:`~marc.pipeline.project.Outcome` whose ``panel`` is loaded only
when something asks for it.

The key covers everything that changes a number: the framework's files (YAML, expert and custom
CSVs: :func:`fingerprint`), the processed panel file (its name is a hash of the raw data and of the
reader code) and this module's format version.  ``marc snapshot`` builds it after ``marc pull``;
the app writes one whenever it scores a new framework fingerprint (for example after a save).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from marc.core.atomic import write_bytes
from marc.pipeline.project import Outcome
from marc.scoring.engine import Results

FORMAT = "4"  # bump when the stored table changes shape (3: coverage, ranks with ties, composition, flag years;
#                4: rank intervals of every offered edition, with a year column)
SNAPSHOT_DIR = "_snapshots"
TABLES = ("indicators", "components", "countries", "hazard_table", "priority", "context", "table", "data_years",
          "intervals")


def fingerprint(folder: Path) -> str:
    """Hash of every file of a framework folder that changes a score: YAML, expert and custom CSVs."""
    folder = Path(folder)
    h = hashlib.sha256()
    files = sorted([*folder.glob("*.yaml"), *folder.glob("expert/*.csv"), *folder.glob("custom/*.csv")])
    for f in files:
        h.update(str(f.relative_to(folder)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def data_key(cache_root: Path | None = None) -> str | None:
    """The processed panel's file name (a hash of the raw files and reader code), None before a build."""
    from marc.data.panel_build import PROCESSED_DIR
    from marc.data.sources import cache_root as default_root

    files = sorted((Path(cache_root or default_root()) / PROCESSED_DIR).glob("panel-*.parquet"),
                   key=lambda p: p.stat().st_mtime)
    return files[-1].stem if files else None


def key(folder: Path, cache_root: Path | None = None) -> str | None:
    data = data_key(cache_root)
    if data is None:
        return None
    return hashlib.sha256(f"{fingerprint(folder)}|{data}|{FORMAT}".encode()).hexdigest()[:20]


def _dir(snapshot_key: str, cache_root: Path | None = None) -> Path:
    from marc.data.sources import cache_root as default_root

    return Path(cache_root or default_root()) / SNAPSHOT_DIR / snapshot_key


@dataclass
class Snapshot:
    """What the app's pages draw from, for one framework fingerprint and one data version."""

    key: str
    outcome: Outcome
    table: pd.DataFrame        # Outcome.table() with every hazard layer and its data year
    data_years: pd.DataFrame   # unit, year, component, data_year
    latest: int                # the latest complete edition
    intervals: pd.DataFrame    # Monte Carlo rank intervals of every offered edition (column ``year``)
    features: list[dict] | None  # display geometry (GeoJSON features, compact, clockwise); None until needed
    points: list[dict]         # small states: unit, name, lon, lat, area_km2
    geometry_id: str           # hash of the display geometry (names the static file)
    folder: Path | None = None  # where it was loaded from (the features are read from there on demand)

    def feature_list(self) -> list[dict]:
        """The display geometry's features (read from disk the first time: ~1 MB of JSON)."""
        if self.features is None and self.folder is not None:
            self.features = json.loads((self.folder / "geometry.json").read_text(encoding="utf-8"))["features"]
        return self.features or []

    def intervals_of(self, year: int) -> pd.DataFrame | None:
        """The rank intervals of edition *year* (as ``UncertaintyResult.summary()``), or None when the
        snapshot has none for it (an edition that is not offered)."""
        rows = self.intervals[self.intervals["year"] == int(year)]
        return rows.reset_index(drop=True) if len(rows) else None

    @property
    def hazard_labels(self) -> dict[str, str]:
        """Layer id -> label of the enabled hazard layers (empty without hazards)."""
        hz = self.outcome.hazards
        return {layer.id: layer.label for layer in hz.enabled} if hz is not None else {}


class LazyOutcome(Outcome):
    """An Outcome whose panel is loaded on first access (a snapshot does not store the panel)."""

    loader: Callable[[], pd.DataFrame] | None = None

    @property  # type: ignore[override]
    def panel(self) -> pd.DataFrame | None:
        if self.__dict__.get("_panel") is None and self.loader is not None:
            self.__dict__["_panel"] = self.loader()
        return self.__dict__.get("_panel")

    @panel.setter
    def panel(self, value: pd.DataFrame | None) -> None:
        self.__dict__["_panel"] = value


def from_outcome(snapshot_key: str, outcome: Outcome, features: list[dict], points: list[dict], *,
                 intervals: pd.DataFrame | None = None) -> Snapshot:
    """The app's tables for a scored outcome.  The rank intervals of every offered edition are computed
    unless given (a frame with a ``year`` column; one without it is taken as the latest edition's), so
    no page waits for a Monte Carlo run on an edition the slider offers."""
    from marc.pipeline import project
    from marc.reporting import views

    latest = project.latest_complete(outcome.results)
    table = views.with_hazard_layers(outcome, outcome.table())
    if intervals is None:
        from marc.analysis import uncertainty

        intervals = pd.concat([uncertainty.from_outcome(outcome, year=int(y)).summary()
                               for y in sorted({*outcome.years, latest})], ignore_index=True)
    elif "year" not in intervals.columns:
        intervals = intervals.assign(year=latest)
    geometry_id = hashlib.sha256(json.dumps([features, points], separators=(",", ":")).encode()).hexdigest()[:16]
    return Snapshot(key=snapshot_key, outcome=outcome, table=table, data_years=views.data_years(outcome), latest=latest,
                    intervals=intervals, features=features, points=points, geometry_id=geometry_id)


def display_geometry() -> tuple[list[dict], list[dict]]:
    """Natural Earth countries, simplified, snapped and oriented for Vega (cached on disk by boundaries)."""
    from marc.data import boundaries, sources
    from marc.reporting import charts

    display = boundaries.display_geojson(boundaries.countries(sources.source_dir("natural_earth")))
    return charts.compact(display["features"]), display["points"]


def build(folder: Path, *, panel: pd.DataFrame | None = None, countries: pd.DataFrame | None = None,
          cache_root: Path | None = None) -> Snapshot:
    """Score *folder* on the pulled data and save the snapshot (see the module docstring)."""
    from marc.pipeline import project

    lock = _lock(folder, cache_root)
    write_bytes(lock, str(os.getpid()).encode(), keep_backup=False)  # tells the app a build is under way
    try:
        if panel is None:
            panel, countries = project.load_data(None, progress=False)
        snap_key = key(folder, cache_root)
        outcome = project.compute(Path(folder), years="offered", panel=panel, countries=countries, progress=False)
        features, points = display_geometry()
        snap = from_outcome(snap_key or "unsaved", outcome, features, points)
        if snap_key:
            save(snap, cache_root)
        return snap
    finally:
        lock.unlink(missing_ok=True)


def _lock(folder: Path, cache_root: Path | None = None) -> Path:
    from marc.data.sources import cache_root as default_root

    name = hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:16]
    return Path(cache_root or default_root()) / SNAPSHOT_DIR / f".building-{name}"


def building(folder: Path, cache_root: Path | None = None) -> bool:
    """True while another process (``marc snapshot``, started by ``make app``) builds *folder*'s snapshot."""
    lock = _lock(folder, cache_root)
    try:
        pid = int(lock.read_text())
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid != os.getpid()


def wait(folder: Path, timeout: float = 900.0, **kwargs) -> Snapshot | None:
    """Wait for a build under way in another process, then load it (None if none came)."""
    deadline = time.monotonic() + timeout
    while building(folder, kwargs.get("cache_root")) and time.monotonic() < deadline:
        time.sleep(0.5)
    return load(folder, **kwargs)


def _parquet(frame: pd.DataFrame) -> bytes:
    import io

    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def save(snap: Snapshot, cache_root: Path | None = None) -> Path:
    """Write the snapshot's tables and geometry; older snapshots beyond the newest 8 are removed."""
    folder = _dir(snap.key, cache_root)
    o = snap.outcome
    frames = {"indicators": o.results.indicators, "components": o.results.components, "countries": o.countries,
              "hazard_table": o.hazard_table, "priority": o.priority, "context": o.context, "table": snap.table,
              "data_years": snap.data_years, "intervals": snap.intervals}
    frames |= {f"extra_{k}": v for k, v in o.extra.items()}
    for name, frame in frames.items():
        if frame is not None:
            write_bytes(folder / f"{name}.parquet", _parquet(frame), keep_backup=False)
    write_bytes(folder / "geometry.json", json.dumps({"features": snap.feature_list()}, separators=(",", ":")).encode(),
                keep_backup=False)
    write_bytes(folder / "points.json", json.dumps(snap.points, separators=(",", ":")).encode(), keep_backup=False)
    meta = {"format": FORMAT, "framework": str(o.framework.root), "years": [int(y) for y in o.years],
            "latest": snap.latest, "index_id": o.results.index_id, "digest": o.results.framework_digest,
            "geometry_id": snap.geometry_id, "tables": sorted(frames), "extra": sorted(o.extra)}
    write_bytes(folder / "meta.json", json.dumps(meta, indent=1).encode(), keep_backup=False)  # last: marks it complete
    others = sorted((p for p in folder.parent.iterdir() if p.is_dir() and p != folder), key=lambda p: p.stat().st_mtime)
    for old in others[:-7]:
        shutil.rmtree(old, ignore_errors=True)
    return folder


def _cached_panel() -> pd.DataFrame | None:
    from marc.pipeline.project import cached_panel

    return cached_panel()


def load(folder: Path, *, cache_root: Path | None = None, panel_loader: Callable[[], pd.DataFrame] | None = None
         ) -> Snapshot | None:
    """The saved snapshot of *folder* for the current data, or None when there is none (or it is damaged)."""
    snap_key = key(folder, cache_root)
    if snap_key is None:
        return None
    where = _dir(snap_key, cache_root)
    try:
        meta = json.loads((where / "meta.json").read_text(encoding="utf-8"))
        frames = {p.stem: pd.read_parquet(p) for p in where.glob("*.parquet")}
        points = json.loads((where / "points.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("format") != FORMAT:
        return None
    from marc.method.loader import load_framework

    fw = load_framework(Path(folder))
    hazards = None
    if (Path(folder) / "hazards.yaml").exists() and "hazard_table" in frames:
        from marc.hazards import load_hazards

        hazards = load_hazards(Path(folder) / "hazards.yaml")
    results = Results(indicators=frames["indicators"], components=frames["components"], index_id=meta["index_id"],
                      framework_digest=meta["digest"])
    outcome = LazyOutcome(framework=fw, results=results, years=meta["years"], countries=frames.get("countries"),
                          hazards=hazards, hazard_table=frames.get("hazard_table"), priority=frames.get("priority"),
                          context=frames.get("context"), extra={k: frames[f"extra_{k}"] for k in meta["extra"]})
    outcome.loader = panel_loader or _cached_panel
    return Snapshot(key=snap_key, outcome=outcome, table=frames["table"], data_years=frames["data_years"],
                    latest=int(meta["latest"]), intervals=frames["intervals"], features=None, points=points,
                    geometry_id=meta["geometry_id"], folder=where)
