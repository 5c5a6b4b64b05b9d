"""The MARC framework schema: pydantic models for the indicator YAML.

The framework *is* the method (after COINr's "log"): every choice that changes a score is declared
here, so a score can always be regenerated and two frameworks compared.  The same models validate
the YAML and generate the published JSON Schema (``marc schema``).

Layout of a framework folder::

    index.yaml            the index (MARC readiness): aggregation, coverage, editions, defaults, context
    <pillar>.yaml         one file per pillar (or the governance component): ``pillar:`` + ``indicators:``
                          and optional ``sub_pillars:`` for deeper trees
    hazards.yaml          hazard layers, exposure and priority (validated by ``marc.hazards``)
    expert/<id>.csv       expert-coded values for ``kind: expert`` indicators
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, PlainSerializer, PlainValidator, WithJsonSchema, field_validator, model_validator
from pydantic_core import PydanticCustomError

Direction = Literal["higher_is_better", "lower_is_better", "higher_is_worse", "lower_is_worse"]
Aggregation = Literal["arithmetic", "geometric", "harmonic", "complement", "min", "max"]
Orientation = Literal["readiness", "risk"]
#: The schema version this code writes; older folders are upgraded by ``marc migrate``.
SCHEMA_VERSION = 2
ID_PATTERN = r"^[a-z][a-z0-9_]*$"


class LocalText(str):
    """A name: its English text (the string itself) plus translations, e.g. ``{en: Mitigation, fr: Atténuation}``."""

    translations: dict[str, str]

    def __new__(cls, value: str, translations: dict[str, str] | None = None) -> "LocalText":
        obj = super().__new__(cls, value)
        obj.translations = {"en": str(value), **(translations or {})}
        return obj

    def in_lang(self, lang: str) -> str:
        return self.translations.get(lang) or str(self)


NAME_LANGS = ("en", "fr")


def _local_text(value) -> LocalText:
    if isinstance(value, LocalText):
        return value
    if isinstance(value, str):
        return LocalText(value)
    if isinstance(value, dict):
        bad = sorted(set(map(str, value)) - set(NAME_LANGS))
        if bad:
            raise PydanticCustomError("bad-name", "unknown language {bad} in a name; use {langs}",
                                      {"bad": ", ".join(bad), "langs": ", ".join(NAME_LANGS)})
        if not isinstance(value.get("en"), str) or not all(isinstance(v, str) and v.strip() for v in value.values()):
            raise PydanticCustomError("bad-name", "a bilingual name needs a non-empty text per language, English included "
                                      "(name: {{en: ..., fr: ...}})")
        return LocalText(value["en"], dict(value))
    raise PydanticCustomError("bad-name", "a name is a text or {{en: ..., fr: ...}}")


#: A name in the YAML: a plain string, or one text per language. Serialised (and hashed) as its English text.
Name = Annotated[str, PlainValidator(_local_text), PlainSerializer(str, return_type=str),
                 WithJsonSchema({"anyOf": [{"type": "string"}, {
                     "type": "object", "properties": {lang: {"type": "string", "minLength": 1} for lang in NAME_LANGS},
                     "required": ["en"], "additionalProperties": False}],
                     "description": "A name, or one name per language: {en: ..., fr: ...}."})]


def name_in(name: str, lang: str = "en") -> str:
    """*name* (a plain string or a bilingual :class:`LocalText`) in *lang*, falling back to English."""
    return name.in_lang(lang) if isinstance(name, LocalText) else str(name)


from marc.method.framework_base import Strict  # noqa: E402  (re-exported: models elsewhere share it)
from marc.method.treatment import (  # noqa: E402,F401  (part of the framework schema)
    VARIABLE_PATTERN,
    ChangeTransform,
    GapFill,
    Goalposts,
    LogTransform,
    MinMax,
    Missing,
    Normalise,
    Outliers,
    Percentile,
    Period,
    PerTransform,
    Rank,
    Target,
    Transform,
    ZScore,
    _coerce_transform,
)


def _nonnegative_weight(value: float) -> float:
    if value < 0:
        raise PydanticCustomError("negative-weight", "weight {w} is negative; weights are relative and must be ≥ 0 (0 excludes)",
                                  {"w": value})
    return value


# ---------------------------------------------------------------------------- indicators
class Indicator(Strict):
    id: str = Field(..., pattern=ID_PATTERN)
    name: Name
    kind: Literal["data", "expert"] = "data"
    source: str | None = Field(None, pattern=VARIABLE_PATTERN, description="Panel variable, dataset/code.")
    expression: str | None = Field(None, description="Derived indicator: arithmetic over [dataset/code] variables and indicator ids.")
    parent: str | None = Field(None, pattern=ID_PATTERN, description="Sub-pillar id; default: the file's pillar.")
    unit: str = ""
    direction: Direction = Field(..., description="Which raw values are good: higher_is_better (= lower_is_worse) or "
                                                  "lower_is_better (= higher_is_worse); the score follows the orientation "
                                                  "(readiness: 100 is best; risk: 100 is worst) of the component above.")
    gap_fill: GapFill | None = Field(None, description="Fill gaps in the raw yearly series (interpolation, nearest value).")
    absent_means: float | None = Field(None, description="Value for a unit with no record (e.g. 0 GCF projects), unlike missing data.")
    applies_to: str | None = Field(None, pattern=ID_PATTERN,
                                   description="A true/false column of the country table (e.g. non_annex_i); elsewhere the "
                                               "indicator is not applicable and leaves the mean without lowering coverage.")
    transform: Transform = Field(default_factory=Transform)
    normalise: Normalise | None = None
    outliers: Outliers | None = None
    missing: Missing | None = None
    max_lag: int | None = Field(None, ge=0, le=50, description="Edition window: a score for year Y uses data dated in [Y - max_lag, Y].")
    weight: float = 1.0
    scale: dict[int, str] | None = Field(None, description="Expert indicators: the ordinal scale, level -> label.")
    combine: Literal["median_low", "mean", "mode"] = Field(
        "median_low", description="Expert indicators: how several coders' values for one unit and year combine "
                                  "(median_low never produces a half level; mode breaks ties towards the lower level).")
    security_sector: bool = Field(False, description="True when the unit of observation is a security institution (armed "
                                                     "forces, police, civil protection, border or coast guard, their "
                                                     "oversight); reported as security-sector coverage.")
    rationale: str = ""
    caveat: str = ""
    references: list[str] = Field(default_factory=list)

    _w = field_validator("weight")(_nonnegative_weight)

    @field_validator("transform", mode="before")
    @classmethod
    def _transform(cls, value):
        return _coerce_transform(value)

    @model_validator(mode="after")
    def _sources(self) -> "Indicator":
        if self.kind == "expert":
            if not self.scale:
                raise PydanticCustomError("expert-scale", "an expert indicator needs a 'scale' of ordinal levels")
            if self.source or self.expression:
                raise PydanticCustomError("expert-source", "an expert indicator reads indicators/expert/<id>.csv; remove source/expression")
        else:
            if (self.source is None) == (self.expression is None):
                raise PydanticCustomError("source-or-expression", "give exactly one of 'source' or 'expression'")
            if self.normalise is None:
                raise PydanticCustomError("missing-key", "required key 'normalise' is missing")
            if "combine" in self.model_fields_set:
                raise PydanticCustomError("expert-only", "'combine' applies to expert indicators (kind: expert) only")
        if self.transform.log and self.absent_means is not None and self.absent_means + self.transform.log.offset <= 0:
            raise PydanticCustomError("log-nonpositive", "log transform on data whose absent value ({v}) is not positive; add an offset",
                                      {"v": self.absent_means})
        return self


# ---------------------------------------------------------------------------- components
class ComplementMean(Strict):
    """The complement geometric mean C = S − GM(S − x) over the engine's scale S = 100.

    With ``rescale: [a, b]`` each complement (S − x)/S is first mapped affinely to [a, b] and the result
    mapped back: C = S·(b − GM(a + (b − a)(S − x)/S))/(b − a).  INFORM declares [1, 10]
    (``(10 − GEOMEAN((10 − x)/10·9 + 1))/9·10``), so that one zero complement does not zero the mean.
    """

    rescale: list[float] | None = Field(None, min_length=2, max_length=2, description="[a, b] with 0 ≤ a < b: the range the complements are "
                                                                  "mapped to before the geometric mean (INFORM: [1, 10]).")

    @field_validator("rescale")
    @classmethod
    def _range(cls, value):
        if value is not None and not 0 <= value[0] < value[1]:
            raise PydanticCustomError("rescale-order", "rescale needs 0 ≤ a < b (got [{a}, {b}])", {"a": value[0], "b": value[1]})
        return value

    @property
    def epsilon(self) -> float:
        """The equivalent shift ε of C = S + ε − GM(S − x + ε) (the geometric mean is scale-equivariant)."""
        return 0.0 if self.rescale is None else 100.0 * self.rescale[0] / (self.rescale[1] - self.rescale[0])


class Component(Strict):
    id: str = Field(..., pattern=ID_PATTERN)
    name: Name
    parent: str | None = Field(None, pattern=ID_PATTERN, description="Parent component; default: the index (or the file's pillar).")
    weight: float = 1.0
    aggregation: Aggregation = "arithmetic"
    epsilon: float = Field(1.0, gt=0, description="Geometric/harmonic means: scores below epsilon count as epsilon.")
    min_coverage: float = Field(0.5, ge=0, le=1, description="Publish only with at least this share of the children's weight present.")
    max_imputed_share: float = Field(0.5, ge=0, le=1, description="Do not publish when more of the weight than this is imputed.")
    orientation: Orientation | None = Field(None, description="readiness (100 is best) or risk (100 is worst, higher means "
                                                              "worse); default: the parent's (the index: readiness).")
    complement: ComplementMean | None = Field(None, description="aggregation: complement: the affine rescaling of the complements.")
    round: int | None = Field(None, ge=0, le=6, description="Round this level's score (0–100) to this many decimals, half "
                                                            "away from zero, as publishers who round intermediate levels do.")
    description: str = ""

    _w = field_validator("weight")(_nonnegative_weight)

    @model_validator(mode="after")
    def _complement(self) -> "Component":
        if self.complement is not None and self.aggregation != "complement":
            raise PydanticCustomError("complement-only", "'complement' settings apply to aggregation: complement only")
        return self


class PillarFile(Strict):
    """One file per pillar, or for the cross-cutting governance component."""

    pillar: Component
    sub_pillars: list[Component] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
    role: Literal["pillar", "governance"] = "pillar"


class Defaults(Strict):
    max_lag: int = Field(5, ge=0, le=50)
    missing: Missing = Field(default_factory=Missing)


class Editions(Strict):
    first: int = Field(2010, ge=1900, le=2100)
    last: int | None = Field(None, ge=1900, le=2100, description="Default: the latest year with data.")

    @model_validator(mode="after")
    def _nonempty(self) -> "Editions":
        if self.last is not None and self.last < self.first:
            raise PydanticCustomError("editions-empty", "editions from {first} to {last} hold no year; 'last' must not be "
                                      "before 'first'", {"first": self.first, "last": self.last})
        return self


class ContextFlag(Strict):
    id: str = Field(..., pattern=ID_PATTERN)
    name: Name
    source: str | None = Field(None, pattern=VARIABLE_PATTERN)
    column: str | None = Field(None, description="A column of the country table (region, income_group, ldc, sids, ...).")
    rationale: str = ""


# --------------------------------------------------------------------------- uncertainty
from marc.method.uncertainty_settings import (  # noqa: E402,F401  (part of the schema; re-exported)
    AggregationAlternative,
    ExpertCoding,
    MeasurementError,
    MissingAlternative,
    NormalisationAlternative,
    SobolSettings,
    Uncertainty,
    WeightUncertainty,
)


class UnitList(Strict):
    """The framework's own units (cities, provinces, river basins, projects ...) from a CSV beside index.yaml.

    When declared, the framework scores exactly these units, custom CSVs may use their ids, and the
    group columns serve ``group_mean`` and ``applies_to`` as the country table's do (see marc.method.units)."""

    file: str = Field(..., pattern=r"^[^/\\][^:]*\.csv$", description="CSV path relative to the framework folder.")
    id: str = Field("id", description="Column with each unit's id (letters, digits, - and _).")
    name: str = Field("name", description="Column with each unit's display name.")
    parent: str | None = Field(None, description="Optional column with a parent id (another unit or an ISO3 country).")
    groups: list[str] = Field(default_factory=list, description="Optional grouping columns (e.g. region, basin).")


class IndexFile(Strict):
    schema_version: int = Field(1, ge=1, le=SCHEMA_VERSION, description=f"Version of this YAML schema (current: "
                                f"{SCHEMA_VERSION}); 'marc migrate' upgrades an older framework folder.")
    index: Component
    editions: Editions = Field(default_factory=Editions)
    defaults: Defaults = Field(default_factory=Defaults)
    context: list[ContextFlag] = Field(default_factory=list)
    uncertainty: Uncertainty = Field(default_factory=Uncertainty, description="Uncertainty analysis settings (see marc.analysis.uncertainty).")
    units: UnitList | None = Field(None, description="The framework's own unit list; default: countries (ISO3).")
    territories: Literal["exclude", "include"] = Field(
        "exclude", description="Countries only: 'include' scores territories with data (Puerto Rico, Greenland, Hong "
                               "Kong ...), ranked apart from sovereign states with their sovereign named; 'exclude' "
                               "(default) drops their rows and reports each source's dropped rows.")
