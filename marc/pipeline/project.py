"""The project's defaults and the whole pipeline, shared by the CLI and the app.

``compute`` runs: framework → (pull if needed) → tidy panel → scores for every edition → hazard
exposure, priority and context flags when ``hazards.yaml`` is present → one :class:`Outcome`.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from marc.core.errors import MarcError
from marc.core.paths import project_root
from marc.data.panel import validate_panel
from marc.method.loader import Framework, load_framework
from marc.scoring.engine import Results, score
from marc.scoring.ranking import competition_rank

ROOT = project_root()
#: an edition is "complete" when its total index coverage (the sum over units of the index's
#: coverage where published) reaches this share of the best edition's
COMPLETE_SHARE = 0.95


def default_framework_dir() -> Path:
    here = Path.cwd() / "indicators"
    return here if (here / "index.yaml").exists() else ROOT / "indicators"


def read_panel_file(path: Path) -> pd.DataFrame:
    """A tidy panel from Parquet or CSV, validated (source = file name, row numbers in errors)."""
    if not Path(path).exists():
        raise MarcError.single(path, "not-found", "panel file does not exist")
    try:
        df = pd.read_parquet(path) if str(path).endswith(".parquet") else pd.read_csv(path, encoding="utf-8")
    except UnicodeDecodeError:
        raise MarcError.single(path, "encoding", "not UTF-8 text; save the CSV as UTF-8", 1, 1) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError) as exc:
        raise MarcError.single(path, "csv-syntax", (str(exc).splitlines() or [type(exc).__name__])[0], 1, 1) from None
    return validate_panel(df, origin=str(path))


def cached_panel() -> pd.DataFrame | None:
    """The processed panel when the data have been pulled and built once (no pulling, no first build)."""
    from marc.data.panel_build import PROCESSED_DIR, load_panel
    from marc.data.sources import cache_root

    if not any((cache_root() / PROCESSED_DIR).glob("panel-*.parquet")):
        return None
    return load_panel()


def load_data(mirror: Path | None = None, progress: bool = True) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Make sure the sources are in the cache (pulling from the mirror or the internet), then load
    the tidy panel and the country table."""
    from marc.data import pull
    from marc.data.countries import country_table
    from marc.data.panel_build import load_panel

    pull.ensure(None, mirror=mirror, progress=progress)
    return load_panel(), country_table()


def validate_hazards(folder: Path) -> None:
    path = Path(folder) / "hazards.yaml"
    if path.exists() and importlib.util.find_spec("marc.hazards") is not None:
        from marc.hazards import load_hazards

        load_hazards(path)


def latest_complete(results: Results) -> int:
    """The latest edition whose published index coverage reaches COMPLETE_SHARE of the best edition's."""
    comp = results.components
    counts = comp[(comp["component"] == results.index_id) & comp["published"]].groupby("year")["coverage"].sum()
    if counts.empty:
        raise MarcError.single("scores", "no-scores", "no edition publishes any index score; check the data and coverage thresholds")
    ok = counts[counts >= COMPLETE_SHARE * counts.max()]
    return int(ok.index.max())


@dataclass
class Outcome:
    """Everything one run produced: scores, and when hazards.yaml exists, exposure and priority.

    ``hazard_table``: unit, year, one 0–100 column per hazard layer, component and ``exposure``;
    ``priority``: unit, year, exposure, gap, priority, priority_class, quadrant;
    ``context``: unit, year, conflict_affected, transition.
    """

    framework: Framework
    results: Results
    years: list[int]
    countries: pd.DataFrame | None = None
    panel: pd.DataFrame | None = None
    hazards: object | None = None  # marc.hazards.HazardConfig
    hazard_table: pd.DataFrame | None = None
    priority: pd.DataFrame | None = None
    context: pd.DataFrame | None = None
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)
    territories: pd.DataFrame | None = None  # unit, sovereign, sovereign_name of the territories scored (marc.data.territories)
    dropped: pd.DataFrame | None = None  # panel rows left out, per source and unit (marc.data.territories.dropped_rows)

    def rank_groups(self, units) -> pd.Series:
        """``state`` (a sovereign state, or any unit of a framework's own list) or ``territory`` for each
        of *units*: ranks, percentiles and ``n_ranked`` are computed within each group."""
        terr = set(self.territories["unit"]) if self.territories is not None else set()
        return pd.Series(["territory" if u in terr else "state" for u in units], index=getattr(units, "index", None))

    def add_uncertainty(self, n: int | None = None, seed: int | None = None) -> pd.DataFrame:
        """Monte Carlo rank and score intervals for the latest chosen edition (``uncertainty:`` block),
        attached to :meth:`table` as ``rank_p05``, ``rank_p95``, ``mean_rank``, ``score_p05``, ``score_p95``."""
        from marc.analysis.uncertainty import from_outcome

        summary = from_outcome(self, year=self.years[-1], n=n, seed=seed).summary()
        keep = ["unit", "year", "mean_rank", "median_rank", "rank_p05", "rank_p95", "score_p05", "score_p95",
                "mean_abs_rank_shift"]
        self.extra["uncertainty"] = summary[keep]
        return summary

    @property
    def n_units(self) -> int:
        return int(self.results.components["unit"].nunique())

    def published_count(self, year: int) -> int:
        c = self.results.components
        return int(((c["component"] == self.results.index_id) & (c["year"] == year) & c["published"]).sum())

    def tidy(self, year: int | None = None) -> pd.DataFrame:
        """The tidy indicator rows of the chosen editions (or *year*), with each unit-edition's
        ``composition_changed`` / ``composition_change`` (:mod:`marc.scoring.editions`)."""
        ind = self.results.indicators
        out = ind[ind["year"].isin([year] if year else self.years)]
        comp = self.extra.get("composition")
        if comp is not None:
            out = out.merge(comp, on=["unit", "year"], how="left")
        return out.reset_index(drop=True)

    def table(self, year: int | None = None) -> pd.DataFrame:
        """The wide view for the chosen editions, with names, ranks and percentiles."""
        wide = self.results.wide()
        wide = wide[wide["year"].isin([year] if year else self.years)].copy()
        idx = self.results.index_id
        group = self.rank_groups(wide["unit"])  # territories are ranked apart from sovereign states
        grp = wide.groupby([wide["year"], group])[idx]
        ranked = [competition_rank(s) for _, s in grp]
        wide.insert(3, "rank", pd.concat([r for r, _ in ranked]) if ranked else pd.Series(dtype=float))
        wide.insert(4, "percentile", grp.rank(pct=True) * 100)
        wide.insert(5, "n_ranked", grp.transform("count"))
        wide.insert(6, "n_tied", pd.concat([t for _, t in ranked]) if ranked else pd.Series(dtype=float))
        if self.territories is not None and len(self.territories):
            sov = self.territories.set_index("unit")
            wide.insert(7, "ranked_among", group.to_numpy())
            wide.insert(8, "sovereign", wide["unit"].map(sov["sovereign"]))
            wide.insert(9, "sovereign_name", wide["unit"].map(sov["sovereign_name"]))
        for col in ("coverage_intended", "security_coverage"):  # 0-100, for maps and tables
            if col in wide.columns:
                wide[f"{col}_pct"] = 100.0 * wide[col]
        if self.countries is not None and "name" in self.countries.columns:
            names = self.countries.set_index("unit")["name"]
            wide.insert(1, "name", wide["unit"].map(names))
        if self.priority is not None:
            wide = wide.merge(self.priority, on=["unit", "year"], how="left")
        if self.context is not None:
            wide = _merge_asof_flags(wide, self.context)
        for extra in self.extra.values():
            wide = wide.merge(extra, on=["unit", "year"], how="left")
        order = ["year", "ranked_among", "rank", "unit"] if "ranked_among" in wide.columns else ["year", "rank", "unit"]
        return wide.sort_values(order, ignore_index=True)


def _merge_asof_flags(wide: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """Attach the latest context flags dated at or before each row's year."""
    if flags.empty:
        return wide.assign(conflict_affected=pd.NA, transition=pd.NA)
    f = flags.astype({"year": "int64"}).sort_values("year")
    w = wide.astype({"year": "int64"}).reset_index().sort_values("year")
    merged = pd.merge_asof(w, f, on="year", by="unit", direction="backward")
    return merged.sort_values("index").drop(columns="index").reset_index(drop=True)


def hazard_results(fw_dir: Path, results: Results, panel: pd.DataFrame, *, units_gdf=None,
                   data_root: Path | None = None, engine: str = "local", progress=None):
    """Build (or read from cache) the geospatial layers, then exposure, priority and context flags."""
    from marc.data import boundaries, sources
    from marc.hazards import build_hazards, context_flags, hazard_scores, load_hazards
    from marc.hazards import priority as priority_of

    config = load_hazards(Path(fw_dir) / "hazards.yaml")
    if units_gdf is None:
        units_gdf = boundaries.countries(sources.source_dir("natural_earth"))
    elif units_gdf.attrs.get("level", "admin1") in config.levels:  # subnational: per-polygon layers, own goalposts
        from marc.hazards.subnational import level_config

        config, _ = level_config(config, data_root or sources.cache_root(), units_gdf.attrs.get("level", "admin1"))
    rows = build_hazards(config, units_gdf, data_root or sources.cache_root(), engine=engine, progress=progress)
    full = pd.concat([panel, rows], ignore_index=True) if len(rows) else panel
    table = hazard_scores(config, full)
    readiness = results.wide()
    prio = priority_of(config, readiness, table[["unit", "year", "exposure"]])
    return config, table, prio, context_flags(config, full)


def compute(framework_dir: Path, years: list[int] | str | None = "latest", *, panel: pd.DataFrame | None = None,
            countries: pd.DataFrame | None = None, mirror: Path | None = None, progress: bool = True,
            hazards: bool = True, units_gdf=None, engine: str = "local") -> Outcome:
    """Run the pipeline. *years*: a list of editions, ``"latest"`` (the last offered edition),
    ``"offered"`` (the editions offered, :func:`marc.scoring.editions.offered_editions`), or None (every computed
    edition).  The table carries ``composition_changed`` / ``composition_change`` per unit and edition.

    With *units_gdf* (a subnational boundary layer with a ``parent`` ISO3 column), subunits inherit
    their country's indicators (flagged ``inherited``) and get their own hazard exposure: the view is
    national readiness against subnational exposure.
    """
    if panel is None:
        panel, countries = load_data(mirror, progress)
    if units_gdf is not None:
        panel, countries = inherit_national(panel, countries, units_gdf)
    fw = load_framework(framework_dir, panel=panel)
    from marc.data import territories
    from marc.data.sources import cache_root

    # the framework's own units (marc.method.units), or the countries we know (aggregates never reach here) and,
    # when the framework opts in, territories ranked apart; every panel row left out is reported
    selection = territories.select(fw, panel, countries, cache_root())
    countries, units = selection.countries, selection.units
    fw.warnings.extend(selection.messages)
    groups = countries.set_index("unit") if countries is not None else None
    results = score(fw, panel, None, groups=groups, units=units)
    from marc.method.evidence import with_status

    results.indicators = with_status(results.indicators, fw.expert)  # "unreviewed desk coding" travels with each value
    from marc.scoring import editions

    if years == "latest":
        chosen = [editions.offered_editions(results, fw.roles)[-1]]
    elif years == "offered":
        chosen = editions.offered_editions(results, fw.roles)
    elif years is None:
        chosen = sorted(results.components["year"].unique().tolist())
    else:
        chosen = sorted(int(y) for y in years)
        have = set(results.components["year"].unique())
        if not set(chosen) <= have:
            raise MarcError.single(framework_dir / "index.yaml", "bad-edition",
                                   f"edition(s) {sorted(set(chosen) - have)} are outside the framework's editions "
                                   f"{min(have)}–{max(have)}")
    outcome = Outcome(framework=fw, results=results, years=chosen, countries=countries, panel=panel,
                      territories=selection.territories, dropped=selection.dropped)
    outcome.extra["composition"] = editions.composition_changes(results, fw.roles)
    if fw.context:
        from marc.method.context import context_table

        flags = context_table(fw, panel, countries, chosen)
        outcome.extra["context"] = flags
    if hazards and (Path(framework_dir) / "hazards.yaml").exists():
        outcome.hazards, outcome.hazard_table, outcome.priority, outcome.context = hazard_results(
            framework_dir, results, panel, units_gdf=units_gdf, engine=engine)
    if units_gdf is not None:  # national readiness (inherited) × subnational exposure
        from marc.hazards.subnational import attach

        attach(outcome, units_gdf)
    return outcome


def inherit_national(panel: pd.DataFrame, countries: pd.DataFrame | None, units_gdf) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Copy each country's panel rows to its subunits (source flagged ``inherited:<ISO3>``)."""
    if "parent" not in units_gdf.columns:
        raise MarcError.single("units", "missing-parent",
                               "a subnational unit layer needs a parent column with each unit's ISO3 country code")
    link = pd.DataFrame({"sub": units_gdf["unit"].astype(str), "unit": units_gdf["parent"].astype(str)})
    rows = panel.merge(link, on="unit", how="inner")
    rows["source"] = "inherited:" + rows["unit"].astype(str) + ":" + rows["source"].astype(str)
    rows = rows.drop(columns="unit").rename(columns={"sub": "unit"})[panel.columns]
    table = None
    if countries is not None:
        table = link.merge(countries, on="unit", how="left").drop(columns="unit").rename(columns={"sub": "unit"})
        table["country"] = link["unit"].to_numpy()
        if "name" in units_gdf.columns:
            table["name"] = units_gdf["name"].astype(str).to_numpy()
    return rows.reset_index(drop=True), table
