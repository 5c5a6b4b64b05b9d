"""The ``uncertainty:`` block of index.yaml: what ``marc uncertainty`` samples (pydantic models).

Part of the framework schema (:mod:`marc.method.framework` re-exports every model here); the analysis
itself is :mod:`marc.analysis.uncertainty`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from marc.method.framework_base import Strict


class WeightUncertainty(Strict):
    """How weights are drawn in each replication (weights stay relative; 0 stays 0)."""

    method: Literal["perturb", "dirichlet"] = Field(
        "perturb", description="perturb: each weight × U(1 − range, 1 + range); dirichlet: the siblings' weight shares "
                               "~ Dirichlet(concentration × declared shares).")
    range: float = Field(0.25, ge=0, lt=1, description="perturb: relative half-width (0.25 = ±25%); 0 keeps the declared weights.")
    concentration: float = Field(50.0, gt=0, description="dirichlet: larger is tighter around the declared shares.")
    levels: Literal["indicators", "components", "all"] = Field("all", description="Which weights are drawn.")
    range_by_level: dict[Literal["indicators", "sub_pillars", "pillars"], float] = Field(
        default_factory=dict, description="perturb: the half-width per level (indicators, sub-pillars, pillars and "
                                          "governance), overriding 'range' there; 0 keeps that level's weights.")

    @field_validator("range_by_level")
    @classmethod
    def _ranges(cls, value: dict) -> dict:
        for k, r in value.items():
            if not 0 <= r < 1:
                raise PydanticCustomError("out-of-range", "range_by_level.{k} must lie in [0, 1)", {"k": k})
        return value

    def range_of(self, level: str) -> float:
        """The perturbation half-width of a node at *level* (indicators, sub_pillars or pillars)."""
        return self.range_by_level.get(level, self.range)


class MeasurementError(Strict):
    """Measurement error where the source publishes standard errors (the WGI ``<variable>.se``)."""

    enabled: bool = True
    suffix: str = Field(".se", description="Standard errors are read from the panel variable <source><suffix> when present.")
    variables: dict[str, str] = Field(default_factory=dict,
                                      description="Explicit map indicator id -> panel variable holding its standard error.")


class ExpertCoding(Strict):
    """Uncertainty of expert-coded values (see marc.analysis.coding_uncertainty)."""

    enabled: bool = True
    shift_probability: dict[Literal["low", "medium", "high"], float] = Field(
        default_factory=lambda: {"high": 0.1, "medium": 0.25, "low": 0.5},
        description="Probability that a cell's level moves one step down or up (half each), by the cell's confidence.")

    @field_validator("shift_probability")
    @classmethod
    def _probabilities(cls, value: dict) -> dict:
        for k, p in value.items():
            if not 0 <= p <= 1:
                raise PydanticCustomError("out-of-range", "shift probability of {k} must lie in [0, 1]", {"k": k})
        return value


class SobolSettings(Strict):
    n: int = Field(1024, ge=16, le=65536, description="Base sample N (a power of 2); first and total order cost N(G + 2) runs.")
    resamples: int = Field(100, ge=10, le=10000, description="Bootstrap resamples for the confidence intervals.")
    confidence: float = Field(0.95, gt=0, lt=1)


class ZScoreParameters(Strict):
    """Declared mean and spread of one indicator's (transformed) values for the zscore alternative."""

    mean: float
    sd: float = Field(..., gt=0, description="Standard deviation (spread); must be positive.")


class MinMaxRange(Strict):
    """Declared lower and upper bounds of one indicator's (transformed) values for the minmax alternative."""

    lower: float = Field(..., description="Value that scores 0 (100 when lower is better).")
    upper: float = Field(..., description="Value that scores 100 (0 when lower is better); values outside are capped.")

    @model_validator(mode="after")
    def _order(self) -> "MinMaxRange":
        if self.lower >= self.upper:
            raise PydanticCustomError("range-order", "minmax range needs lower < upper (got lower={lower}, upper={upper})",
                                      {"lower": self.lower, "upper": self.upper})
        return self


NormalisationAlternative = Literal["declared", "minmax", "zscore", "rank", "percentile"]
AggregationAlternative = Literal["declared", "arithmetic", "geometric", "harmonic"]
MissingAlternative = Literal["declared", "none", "carry_forward", "group_mean", "drop"]


class Uncertainty(Strict):
    """The ``uncertainty:`` block of index.yaml: the alternatives sampled by ``marc uncertainty``.

    Every replication draws one value of each: weights, a normalisation method, an aggregation
    method, a missing-data policy, the set of indicators, and measurement error. An alternative
    list of ``[declared]`` (and range 0, exclusion 0, measurement error off) reproduces the
    published scores in every replication.
    """

    replications: int = Field(1000, ge=1, le=100000, description="Monte Carlo replications.")
    seed: int = Field(20240601, ge=0, description="Random seed: the same seed gives the same output.")
    weights: WeightUncertainty = Field(default_factory=WeightUncertainty)
    weight_sets: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="Named alternative weight sets (name -> {indicator or component id: weight}); "
                                          "each replication uses the declared weights or one set, equally likely, "
                                          "before the weight noise. Ids not listed keep their declared weight.")
    normalisation: list[NormalisationAlternative] = Field(
        default_factory=lambda: ["declared", "minmax", "zscore"], min_length=1,
        description="Alternatives for every data indicator (minmax/zscore over each edition's cross-section, zscore clipped at ±3).")
    @field_validator("weight_sets")
    @classmethod
    def _weight_sets(cls, value: dict) -> dict:
        for name, weights in value.items():
            for node, w in weights.items():
                if w < 0:
                    raise PydanticCustomError("negative-weight", "weight set {name}: weight of {node} is negative",
                                              {"name": name, "node": node})
        return value

    zscore_clip: float = Field(3.0, gt=0, description="The zscore alternative: z clipped to ±clip and mapped to 0–100.")
    zscore_parameters: dict[str, ZScoreParameters] = Field(
        default_factory=dict, description="The zscore alternative: indicator id -> declared {mean, sd}; indicators not "
                                          "listed use the mean and sample sd observed in each edition's cross-section.")
    minmax_ranges: dict[str, MinMaxRange] = Field(
        default_factory=dict, description="The minmax alternative: indicator id -> declared {lower, upper} (capped); "
                                          "indicators not listed use the range observed in each edition's cross-section.")
    aggregation: list[AggregationAlternative] = Field(default_factory=lambda: ["declared", "geometric"], min_length=1)
    aggregation_levels: Literal["index", "all"] = Field("index", description="Components whose aggregation is sampled.")
    missing: list[MissingAlternative] = Field(default_factory=lambda: ["declared", "none", "group_mean"], min_length=1,
                                              description="Missing-data policies for every data indicator.")
    exclusion: float = Field(0.1, ge=0, lt=1, description="Probability that each indicator is left out of a replication.")
    measurement_error: MeasurementError = Field(default_factory=MeasurementError)
    expert_coding: ExpertCoding = Field(default_factory=ExpertCoding,
                                        description="Coder disagreement and confidence of expert-coded values.")
    sobol: SobolSettings = Field(default_factory=SobolSettings)


def reference_problems(settings: Uncertainty, indicators: set[str], nodes: set[str]) -> list[tuple[tuple, str]]:
    """``(location in index.yaml, message)`` for every id of the ``uncertainty:`` block that names no
    indicator (or, for weight sets, no indicator or component); the loader locates them."""
    out = []
    for name, weights in settings.weight_sets.items():
        out += [(("uncertainty", "weight_sets", name, node), f"uncertainty.weight_sets.{name} names {node!r}, which is "
                 "not an indicator or component id") for node in weights if node not in nodes]
    for key in ("zscore_parameters", "minmax_ranges"):
        out += [(("uncertainty", key, ind), f"uncertainty.{key} names {ind!r}, which is not an indicator id")
                for ind in getattr(settings, key) if ind not in indicators]
    out += [(("uncertainty", "measurement_error", "variables", ind), f"uncertainty.measurement_error.variables names "
             f"{ind!r}, which is not an indicator id") for ind in settings.measurement_error.variables if ind not in indicators]
    return out
