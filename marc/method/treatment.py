"""How an indicator's raw values are treated before aggregation (part of the framework schema, :mod:`marc.method.framework`):
transforms (log, per capita, change), normalisation (goalposts, min-max, z-score, rank, percentile, target), outlier
treatment, missing data and gap-filling, as pydantic models.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from marc.method.framework_base import Strict

VARIABLE_PATTERN = r"^[a-z][a-z0-9_]*/[^\s]+$"


# --------------------------------------------------------------------------- transforms
class LogTransform(Strict):
    offset: float = Field(0.0, description="Added before taking the natural log (log(x + offset)).")


class PerTransform(Strict):
    denominator: str = Field(..., pattern=VARIABLE_PATTERN, description="Panel variable to divide by, e.g. wdi/SP.POP.TOTL.")
    scale: float = Field(1.0, gt=0, description="Multiply the ratio by this, e.g. 1e6 for 'per million'.")


class ChangeTransform(Strict):
    years: int = Field(..., ge=1, le=50, description="Change over this many years (value in year t against t - years).")
    kind: Literal["percent", "absolute"] = "percent"


class Transform(Strict):
    """Exactly one of ``log``, ``per`` or ``change`` (or none at all)."""

    log: LogTransform | None = None
    per: PerTransform | None = None
    change: ChangeTransform | None = None

    @model_validator(mode="after")
    def _one(self) -> "Transform":
        n = sum(x is not None for x in (self.log, self.per, self.change))
        if n > 1:
            raise PydanticCustomError("transform-conflict", "declare at most one of log, per, change")
        return self

    @property
    def kind(self) -> str:
        return "log" if self.log else "per" if self.per else "change" if self.change else "none"


def _coerce_transform(value):
    if value is None or value == "none":
        return {}
    if value == "log":
        return {"log": {}}
    return value


# ------------------------------------------------------------------------ normalisation
class Period(Strict):
    start: int = Field(..., alias="from", ge=1900, le=2100)
    end: int = Field(..., alias="to", ge=1900, le=2100)
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True, allow_inf_nan=False)

    @model_validator(mode="after")
    def _order(self) -> "Period":
        if self.start > self.end:
            raise PydanticCustomError("period-order", "reference period 'from' must not be after 'to'")
        return self


class Goalposts(Strict):
    method: Literal["goalposts"]
    min: float = Field(..., description="Value that scores 0 (or 100 when lower is better).")
    max: float = Field(..., description="Value that scores 100 (or 0 when lower is better).")

    @model_validator(mode="after")
    def _order(self) -> "Goalposts":
        if self.min >= self.max:
            raise PydanticCustomError("goalposts-order", "goalposts need min < max (got min={min}, max={max})",
                                      {"min": self.min, "max": self.max})
        return self


class MinMax(Strict):
    method: Literal["minmax"]
    reference: Period | None = Field(None, description="Reference period for min and max; default: each edition's cross-section.")


class ZScore(Strict):
    method: Literal["zscore"]
    clip: float = Field(3.0, gt=0, description="z is clipped to ±clip and mapped linearly to 0–100.")
    reference: Period | None = None
    mean: float | None = Field(None, description="Declared mean μ of the (transformed) values; with sd, replaces the "
                                                 "observed mean and standard deviation.")
    sd: float | None = Field(None, gt=0, description="Declared spread σ (standard deviation); given with mean.")

    @model_validator(mode="after")
    def _declared(self) -> "ZScore":
        if (self.mean is None) != (self.sd is None):
            raise PydanticCustomError("zscore-parameters", "declare both mean and sd, or neither (observed)")
        if self.mean is not None and self.reference is not None:
            raise PydanticCustomError("zscore-parameters", "declared mean and sd replace a reference period; give one or "
                                                           "the other")
        return self


class Rank(Strict):
    method: Literal["rank"]


class Percentile(Strict):
    method: Literal["percentile"]


class Target(Strict):
    method: Literal["target"]
    target: float = Field(..., description="Value that scores 100.")
    worst: float = Field(..., description="Value that scores 0; the score is linear in between and capped.")

    @model_validator(mode="after")
    def _distinct(self) -> "Target":
        if self.target == self.worst:
            raise PydanticCustomError("goalposts-order", "target and worst must differ")
        return self


Normalise = Annotated[Union[Goalposts, MinMax, ZScore, Rank, Percentile, Target], Field(discriminator="method")]


class Outliers(Strict):
    method: Literal["winsorise", "cap"]
    lower: float | None = Field(None, description="winsorise: lower quantile (e.g. 0.025); cap: lowest value kept.")
    upper: float | None = Field(None, description="winsorise: upper quantile (e.g. 0.975); cap: highest value kept.")

    @model_validator(mode="after")
    def _check(self) -> "Outliers":
        if self.lower is None and self.upper is None:
            raise PydanticCustomError("outliers-empty", "give lower, upper or both")
        if self.method == "winsorise":
            for q in (self.lower, self.upper):
                if q is not None and not 0 <= q <= 1:
                    raise PydanticCustomError("out-of-range", "winsorise quantiles must lie in [0, 1]")
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise PydanticCustomError("goalposts-order", "outliers need lower < upper")
        return self


class Missing(Strict):
    policy: Literal["none", "carry_forward", "group_mean", "drop"] = "carry_forward"
    max_years: int = Field(3, ge=0, le=30, description="carry_forward (and drop, when given): oldest value used, in years "
                                                      "before the edition's data year; flagged carried forward.")
    group: Literal["region", "income_group"] = Field("region", description="group_mean: the grouping.")
    then: Literal["group_mean"] | None = Field(None, description="carry_forward: what fills a unit still missing after it "
                                                                 "(group_mean of `group`, flagged group_mean and imputed).")

    @model_validator(mode="after")
    def _then_after_carry_forward(self) -> "Missing":
        if self.then is not None and self.policy != "carry_forward":
            raise PydanticCustomError("missing-then", "then: applies to policy carry_forward only")
        return self


class GapFill(Strict):
    """Gap-filling of the raw yearly series, as publishers do before scoring; every filled value is
    flagged ``gap_filled`` and counts as imputed (see :mod:`marc.scoring.gapfill`)."""

    interpolate: bool = Field(False, description="Linear interpolation between two observations of the unit.")
    max_gap: int | None = Field(None, ge=1, le=50, description="interpolate: fill only gaps of at most this many missing years.")
    before_first: bool = Field(False, description="Years before the unit's first observation take that value (nearest).")
    after_last: bool = Field(False, description="Years after the unit's last observation take that value (nearest), up to "
                                                "the last edition.")
    max_extend: int | None = Field(None, ge=1, le=50, description="before_first / after_last: at most this many years.")

    @model_validator(mode="after")
    def _something(self) -> "GapFill":
        if not (self.interpolate or self.before_first or self.after_last):
            raise PydanticCustomError("gap-fill-empty", "declare interpolate, before_first or after_last (or remove gap_fill)")
        if self.max_gap is not None and not self.interpolate:
            raise PydanticCustomError("gap-fill-conflict", "max_gap applies to interpolate: true only")
        if self.max_extend is not None and not (self.before_first or self.after_last):
            raise PydanticCustomError("gap-fill-conflict", "max_extend applies to before_first or after_last only")
        return self


