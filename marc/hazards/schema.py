"""The hazard-layer schema (``indicators/hazards.yaml``): pydantic models with located errors.

A layer is either a **panel** layer (a variable already in the tidy panel, e.g. INFORM's modelled
hazard scores) or a **geospatial** layer built by :func:`marc.hazards.build.build_hazards` from a
raster or a vector source.  ``exposure`` combines layers grouped into components, ``priority`` sets
exposure against the readiness gap, ``quadrant`` declares the matrix lines and ``context`` the flags.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from marc.core import yamlio, yamlmodel

ID = r"^[a-z][a-z0-9_]*$"
VARIABLE = r"^[a-z][a-z0-9_]*/[^\s]+$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


class FileRef(Strict):
    """A file inside a source folder laid out like the mirror: ``<data_root>/<dataset>/<file>``."""

    dataset: str = Field(..., description="Source id (folder name), e.g. gpw_v4_popcount_2020_1deg.")
    file: str = Field(..., description="Path inside the source folder; zip:// paths are allowed for OGR files.")
    crs: str | None = Field(None, description="CRS to assume when the file declares none (e.g. EPSG:4326).")


class RasterSource(FileRef):
    kind: Literal["raster"] = "raster"
    variable: str | None = Field(None, description="NetCDF variable name (NetCDF files only).")
    band: int = Field(1, ge=1, description="Band (GeoTIFF) or 1-based index along the first dimension (NetCDF).")
    resampling: Literal["nearest", "bilinear", "average"] = Field(
        "nearest", description="How a raster in another CRS is resampled when it is reprojected to EPSG:4326.")


class CsvSource(FileRef):
    kind: Literal["csv"] = "csv"
    lat: str = "latitude"
    lon: str = "longitude"
    year: str | None = Field(None, description="Column holding the year (or a date: its year is used).")
    encoding: str = "utf-8"
    sep: str = ","
    sheet: str | None = Field(None, description="Worksheet name when the file is .xls/.xlsx.")
    skiprows: int = Field(0, ge=0, description="Rows to skip above the header.")


class TracksSource(FileRef):
    """IBTrACS-style NetCDF: (storm, time) arrays of lat/lon/time, radii with a quadrant dimension."""

    kind: Literal["tracks"] = "tracks"
    storm_id: str = "sid"
    time: str = "iso_time"
    lat: str = "lat"
    lon: str = "lon"
    fields: list[str] = Field(default_factory=list, description="Extra (storm, time) variables to read for filters.")


class OgrSource(FileRef):
    kind: Literal["ogr"] = "ogr"
    layer: str | None = None
    year: str | None = None


class Filter(Strict):
    """Keep rows whose ``field`` satisfies every comparison given."""

    field: str
    eq: str | float | None = None
    ne: str | float | None = None
    lt: float | None = None
    le: float | None = None
    gt: float | None = None
    ge: float | None = None
    in_: list[str | float] | None = Field(None, alias="in")

    @model_validator(mode="after")
    def _some(self) -> "Filter":
        if all(getattr(self, k) is None for k in ("eq", "ne", "lt", "le", "gt", "ge", "in_")):
            raise PydanticCustomError("empty-filter", "a filter needs at least one of eq, ne, lt, le, gt, ge, in")
        return self


class Radius(Strict):
    """A buffer distance, fixed or read from attribute(s)."""

    distance: float | None = Field(None, gt=0, description="Fixed distance in `units`.")
    field: str | None = Field(None, description="Attribute holding the distance (per point).")
    quadrants: str | None = Field(None, description="Variable with a quadrant dimension (NE, SE, SW, NW), e.g. usa_r34.")
    units: Literal["m", "km", "nmi"] = "km"

    @model_validator(mode="after")
    def _one(self) -> "Radius":
        if sum(x is not None for x in (self.distance, self.field, self.quadrants)) != 1:
            raise PydanticCustomError("radius-choice", "give exactly one of distance, field, quadrants")
        return self

    @property
    def factor(self) -> float:
        return {"m": 1.0, "km": 1000.0, "nmi": 1852.0}[self.units]


class Swath(Strict):
    """Per-storm wind swaths: radii around track points, joined along each track, unioned per storm."""

    radius: Radius
    join_track: bool = Field(True, description="Join consecutive points' footprints by their convex hull.")


class TimeSpec(Strict):
    per: Literal["year", "decade", "window"] = "window"
    window: tuple[int, int] | None = Field(None, description="Inclusive [first, last] year.")
    aggregate: Literal["mean", "sum", "max"] = Field(
        "mean", description="With per: window, how yearly values combine (years without events count as 0).")
    max_age: int = Field(10, ge=0, description="Years a value stays current when scoring later years.")

    @model_validator(mode="after")
    def _order(self) -> "TimeSpec":
        if self.window and self.window[0] > self.window[1]:
            raise PydanticCustomError("window-order", "window must be [first, last] with first <= last")
        return self


class Statistic(Strict):
    """The zonal statistic.  Raster layers: mean, max, sum, area_share_above, population_weighted_mean
    (cells weighted by the population grid).  Footprint layers
    (buffers, swaths, polygons): population_exposed, population_share, area_share.  Point layers
    without a buffer: count, count_distinct (of `field`)."""

    kind: Literal["mean", "max", "sum", "area_share_above", "population_weighted_mean", "population_exposed", "population_share",
                  "area_share", "count", "count_distinct", "population_share_below"]
    threshold: float | None = None
    field: str | None = None

    @model_validator(mode="after")
    def _needs(self) -> "Statistic":
        if self.kind in ("area_share_above", "population_share_below") and self.threshold is None:
            raise PydanticCustomError("missing-threshold", "area_share_above needs a threshold")
        if self.kind == "count_distinct" and not self.field:
            raise PydanticCustomError("missing-field", "count_distinct needs the field to count, e.g. disasterno")
        return self


class Normalise(Strict):
    method: Literal["goalposts"] = "goalposts"
    min: float
    max: float
    direction: Literal["higher_is_more_exposed", "lower_is_more_exposed"] = "higher_is_more_exposed"

    @model_validator(mode="after")
    def _order(self) -> "Normalise":
        if not self.max > self.min:
            raise PydanticCustomError("goalposts-order", "goalposts need max > min")
        return self


class Layer(Strict):
    id: str = Field(..., pattern=ID)
    label: str
    enabled: bool = True
    component: str | None = Field(None, pattern=ID, description="Exposure component; none = shown beside, not scored.")
    weight: float = Field(1.0, ge=0, description="Weight inside its component.")
    variable: str | None = Field(None, pattern=VARIABLE, description="Panel variable (panel layers only).")
    source: RasterSource | CsvSource | TracksSource | OgrSource | None = Field(None, discriminator="kind")
    filters: list[Filter] = Field(default_factory=list)
    buffer: Radius | None = None
    swath: Swath | None = None
    unassigned_points: Literal["drop", "nearest"] = Field(
        "drop", description="Points outside every unit: drop them, or give them to the nearest unit within snap_km.")
    snap_km: float = Field(0.0, ge=0)
    statistic: Statistic | None = None
    time: TimeSpec = TimeSpec()
    transform: Literal["none", "log1p", "sqrt"] = "none"
    normalise: Normalise
    caveat: str | None = None
    citation: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> "Layer":
        if (self.variable is None) == (self.source is None):
            raise PydanticCustomError("layer-source", "give either `variable` (panel layer) or `source` (geospatial layer)")
        if self.source is not None and self.statistic is None:
            raise PydanticCustomError("missing-statistic", "a geospatial layer needs a `statistic`")
        if self.buffer and self.swath:
            raise PydanticCustomError("buffer-and-swath", "declare buffer or swath, not both")
        if self.swath and not isinstance(self.source, TracksSource):
            raise PydanticCustomError("swath-needs-tracks", "swath applies to a tracks source")
        st = self.statistic.kind if self.statistic else None
        footprint = bool(self.buffer or self.swath) or isinstance(self.source, OgrSource)
        if isinstance(self.source, RasterSource) and st not in ("mean", "max", "sum", "area_share_above",
                                                                 "population_weighted_mean", "population_share_below"):
            raise PydanticCustomError("bad-statistic", f"raster layers take mean, max, sum or area_share_above, not {st}")
        if st in ("population_exposed", "population_share", "area_share") and not footprint:
            raise PydanticCustomError("bad-statistic", f"{st} needs a footprint: a buffer, a swath or a polygon source")
        if st in ("count", "count_distinct") and (footprint or isinstance(self.source, RasterSource)):
            raise PydanticCustomError("bad-statistic", f"{st} counts points: use a csv or tracks source without buffer")
        return self

    @property
    def panel_variable(self) -> str:
        return self.variable or f"hazard/{self.id}"


class Population(FileRef):
    """The population grid used by population_exposed / population_share."""

    kind: Literal["raster"] = "raster"
    variable: str | None = None
    band: int = 1


Combine = Literal["arithmetic", "geometric", "max", "inform"]


class Component(Strict):
    """An exposure component: its weight and how the layers inside it combine."""

    weight: float = Field(..., ge=0, description="Relative weight of the component in exposure; 0 excludes it.")
    combine: Combine = Field("arithmetic", description=(
        "How the component's layers combine: arithmetic mean, geometric, max (the worst layer counts in "
        "full: one severe hazard is not diluted, and a unit exposed on two layers is not counted twice) or "
        "inform (100 - GM(100 - x), INFORM's complement mean)."))
    epsilon: float | None = Field(None, gt=0, description="Epsilon of the geometric and inform methods "
                                  "(default: exposure.epsilon; 11.1111 = 100/9 reproduces INFORM's formula).")


class Exposure(Strict):
    combine: Combine = "arithmetic"
    components: dict[str, float | Component] = Field(..., min_length=1, description=(
        "Component -> weight (layers averaged arithmetically) or {weight, combine, epsilon}."))
    epsilon: float = Field(1.0, gt=0, description="Added before a geometric mean so a 0 does not zero everything.")
    min_coverage: float = Field(0.5, ge=0, le=1, description="Share of component weight needed to publish exposure.")

    @field_validator("components")
    @classmethod
    def _weights(cls, value: dict[str, float | Component]) -> dict[str, float | Component]:
        for k, c in value.items():
            w = c.weight if isinstance(c, Component) else c
            if w < 0:
                raise PydanticCustomError("negative-weight", f"component {k!r} has a negative weight ({w}); use 0 to exclude")
        if not any((c.weight if isinstance(c, Component) else c) > 0 for c in value.values()):
            raise PydanticCustomError("zero-weights", "at least one component needs a positive weight")
        return value

    def weight(self, component: str) -> float:
        c = self.components[component]
        return float(c.weight if isinstance(c, Component) else c)

    def method(self, component: str) -> tuple[str, float]:
        """How the layers inside *component* combine, and the epsilon they use."""
        c = self.components[component]
        if isinstance(c, Component):
            return c.combine, float(c.epsilon if c.epsilon is not None else self.epsilon)
        return "arithmetic", float(self.epsilon)


class Priority(Strict):
    gap_of: list[str] = Field(["adaptation", "response"], min_length=1)
    method: Literal["gap_product", "geometric", "bivariate"] = "geometric"
    breaks: tuple[float, float] = Field((100 / 3, 200 / 3), description="Class breaks (0-100) for the 3x3 classes.")
    align: Literal["latest", "asof"] = Field(
        "latest", description="latest: each readiness year meets the latest exposure; asof: exposure dated <= that year.")
    min_coverage: float = Field(1.0, ge=0, le=1, description=(
        "Share of the gap pillars that must be present to compute the gap (the mean of those present); "
        "below 1, a gap from fewer pillars is flagged gap_partial."))

    @model_validator(mode="after")
    def _breaks(self) -> "Priority":
        if not 0 < self.breaks[0] < self.breaks[1] < 100:
            raise PydanticCustomError("breaks-order", "breaks must be two increasing values strictly between 0 and 100")
        return self


class Quadrant(Strict):
    exposure: Literal["median"] | float = "median"
    readiness: Literal["median"] | float = "median"


class ConflictFlag(Strict):
    variable: str = Field("ucdp/active_conflict", pattern=VARIABLE)
    years: int = Field(5, ge=1, description="Active conflict in any of the last N years (including this one).")


class TransitionFlag(Strict):
    ended_variable: str = Field("pko/years_since_end", pattern=VARIABLE)
    host_variable: str = Field("pko/host", pattern=VARIABLE)
    years: int = Field(5, ge=0, description="A UN peace operation ended within N years and none is active.")


class Context(Strict):
    conflict_affected: ConflictFlag = ConflictFlag()
    transition: TransitionFlag = TransitionFlag()


class LevelLayer(Strict):
    """A geospatial layer as used at one unit level: its own goalposts and component (never the countries')."""

    component: str | None = Field(None, pattern=ID, description="Exposure component at this level; none = shown beside.")
    weight: float = Field(1.0, ge=0)
    normalise: Normalise
    optional: bool = Field(False, description="Used only when its source file is in the data folder (else reported "
                                              "as disabled), e.g. a raster that is an online-only pull.")
    caveat: str | None = Field(None, description="Replaces the layer's caveat at this level.")


class UnitLevel(Strict):
    """Exposure for a subnational unit level (e.g. admin1): per-polygon layers only, goalposts of their own."""

    label: str
    population: Population | None = Field(None, description="Population grid at this level (default: the top-level one).")
    layers: dict[str, LevelLayer] = Field(..., min_length=1, description="Geospatial layer id -> its use at this level.")
    exposure: Exposure


class HazardConfig(Strict):
    population: Population | None = None
    layers: list[Layer] = Field(..., min_length=1)
    exposure: Exposure
    priority: Priority = Priority()
    quadrant: Quadrant = Quadrant()
    context: Context = Context()
    levels: dict[str, UnitLevel] = Field(default_factory=dict, description="Subnational unit levels (e.g. admin1).")

    @model_validator(mode="after")
    def _levels(self) -> "HazardConfig":
        by_id = {layer.id: layer for layer in self.layers}
        for name, level in self.levels.items():
            bad = sorted(i for i in level.layers if i not in by_id or by_id[i].source is None)
            if bad:
                raise PydanticCustomError("level-layer", f"level {name}: {bad} are not geospatial layers of `layers` "
                                          "(a subnational level takes per-polygon layers only)")
            used = {spec.component for spec in level.layers.values() if spec.component}
            unknown = sorted(set(level.exposure.components) - used)
            if unknown:
                raise PydanticCustomError("unknown-component", f"level {name}: exposure components {unknown} have no layer")
        return self

    def for_level(self, level: str, available: "Callable[[Layer], bool] | None" = None) -> "tuple[HazardConfig, list[str]]":
        """The configuration seen at a unit level: only its layers, with its goalposts, components,
        population and exposure.  Optional layers whose source *available* rejects are left out; their
        ids come back as the second value."""
        spec = self.levels[level]
        by_id = {layer.id: layer for layer in self.layers}
        layers, disabled = [], []
        for lid, use in spec.layers.items():
            base = by_id[lid]
            if use.optional and available is not None and not available(base):
                disabled.append(lid)
                continue
            layers.append(base.model_copy(update={"enabled": True, "component": use.component, "weight": use.weight,
                                                  "normalise": use.normalise, "caveat": use.caveat or base.caveat}))
        comps = {c: w for c, w in spec.exposure.components.items() if any(lyr.component == c for lyr in layers)}
        exposure = spec.exposure.model_copy(update={"components": comps or spec.exposure.components})
        cfg = self.model_copy(update={"layers": layers, "exposure": exposure, "levels": {},
                                      "population": spec.population or self.population})
        return cfg, disabled

    @model_validator(mode="after")
    def _refs(self) -> "HazardConfig":
        ids = [layer.id for layer in self.layers]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise PydanticCustomError("duplicate-id", f"layer ids repeat: {dup}")
        used = {layer.component for layer in self.layers if layer.enabled and layer.component}
        unknown = sorted(set(self.exposure.components) - used)
        if unknown:
            raise PydanticCustomError("unknown-component",
                                      f"exposure components {unknown} have no enabled layer (known: {sorted(used)})")
        needs_pop = any(layer.enabled and layer.statistic and layer.statistic.kind.startswith("population")
                        for layer in self.layers)
        if needs_pop and self.population is None:
            raise PydanticCustomError("missing-population", "population_* statistics need a top-level `population:` grid")
        return self

    @property
    def enabled(self) -> list[Layer]:
        return [layer for layer in self.layers if layer.enabled]

    @property
    def geospatial(self) -> list[Layer]:
        return [layer for layer in self.enabled if layer.source is not None]


def load_hazards(path: Path | str) -> HazardConfig:
    """Read and validate a hazards YAML file (errors carry file:line:column)."""
    return yamlmodel.parse_model(yamlio.read(path), HazardConfig)


def json_schema() -> dict:
    """The JSON Schema of hazards.yaml (docs/hazards.schema.json)."""
    return HazardConfig.model_json_schema()
