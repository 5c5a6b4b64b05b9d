"""The statistical audit of a framework on its data: the JRC/OECD coherence checks.

For one edition, over the units with scores (pairwise-complete observations):

* correlations between the indicators within each pillar, and between the pillars and the index;
* Cronbach's alpha per pillar (complete cases):  α = k/(k − 1) · (1 − Σ var(xᵢ) / var(Σ xᵢ));
* PCA per pillar: eigenvalues of the indicators' correlation matrix, the share of variance each
  explains, and the loadings on the first component;
* each indicator's correlation with its own pillar and with the index.

Flags (what ``marc audit --strict`` fails on):

* ``double-counting``: two indicators of one pillar with |r| > threshold (0.9): they measure the same thing;
* ``negative-correlation``: an indicator that correlates negatively with its own pillar: it pulls
  against the concept, usually a wrong direction;
* ``low-agreement``: the coders of an expert slot agree at Krippendorff's alpha below 0.667
  (:mod:`marc.analysis.agreement`; computed only where 10 or more cells have two or more coders).

"Pillar" means every direct child of the index (the MARC pillars and the governance component);
indicators under sub-pillars count in the pillar that holds them.  Indicators with fewer than
``min_units`` values (empty expert slots) are listed as skipped, not tested.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from marc.method.loader import Framework
from marc.scoring.engine import Results

DOUBLE_COUNTING = "double-counting"
NEGATIVE = "negative-correlation"
LOW_AGREEMENT = "low-agreement"


@dataclass(frozen=True)
class Flag:
    code: str
    pillar: str
    indicators: tuple[str, ...]
    value: float
    message: str


@dataclass
class AuditReport:
    year: int
    n_units: int
    method: str
    threshold: float
    indicators: pd.DataFrame  # indicator, pillar, n, r_pillar, r_index
    within: dict[str, pd.DataFrame]  # pillar -> indicator correlation matrix
    between: pd.DataFrame  # pillars and the index
    alpha: pd.DataFrame  # pillar, k, n, alpha
    pca: pd.DataFrame  # pillar, component, eigenvalue, explained, cumulative
    loadings: pd.DataFrame  # pillar, indicator, loading (first principal component)
    flags: list[Flag] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    agreement: pd.DataFrame = field(default_factory=pd.DataFrame)  # expert slots: Krippendorff's alpha (marc.analysis.agreement)

    @property
    def passed(self) -> bool:
        return not self.flags

    def flag_table(self) -> pd.DataFrame:
        rows = [asdict(f) | {"indicators": ", ".join(f.indicators)} for f in self.flags]
        return pd.DataFrame(rows, columns=["code", "pillar", "indicators", "value", "message"])

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the report, by name (for XLSX sheets or the app)."""
        within = pd.concat([m.rename_axis("indicator").reset_index().assign(pillar=p) for p, m in self.within.items()],
                           ignore_index=True) if self.within else pd.DataFrame()
        return {"flags": self.flag_table(), "indicators": self.indicators, "alpha": self.alpha, "pca": self.pca,
                "loadings": self.loadings, "between": self.between.rename_axis("component").reset_index(),
                "within": within, "agreement": self.agreement}

    def to_dict(self) -> dict:
        def frame(df: pd.DataFrame) -> list[dict]:
            return df.replace({np.nan: None}).to_dict(orient="records")

        return {"year": self.year, "n_units": self.n_units, "method": self.method, "threshold": self.threshold,
                "passed": self.passed, "flags": frame(self.flag_table()), "skipped": self.skipped,
                "indicators": frame(self.indicators), "alpha": frame(self.alpha), "pca": frame(self.pca),
                "loadings": frame(self.loadings), "agreement": frame(self.agreement),
                "between": {k: {c: (None if pd.isna(v) else float(v)) for c, v in row.items()}
                            for k, row in self.between.to_dict(orient="index").items()},
                "within": {p: {k: {c: (None if pd.isna(v) else float(v)) for c, v in row.items()}
                               for k, row in m.to_dict(orient="index").items()} for p, m in self.within.items()}}


def cronbach_alpha(x: np.ndarray) -> float:
    """Cronbach's alpha of the columns of *x* (complete rows only); NaN with fewer than 2 columns or rows."""
    x = np.asarray(x, dtype="float64")
    x = x[~np.isnan(x).any(axis=1)]
    n, k = x.shape
    if k < 2 or n < 2:
        return float("nan")
    total = x.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total)) if total > 0 else float("nan")


def pca(x: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (descending) and first-component loadings of the correlation matrix of complete rows."""
    c = x.dropna()
    sd = c.std(ddof=1)
    z = (c - c.mean()) / sd.where(sd > 0, 1.0)
    corr = np.corrcoef(z.to_numpy(), rowvar=False) if len(z) > 1 else np.full((x.shape[1],) * 2, np.nan)
    if np.isnan(corr).any():
        return np.full(x.shape[1], np.nan), np.full(x.shape[1], np.nan)
    vals, vecs = np.linalg.eigh(corr)
    order = np.argsort(vals)[::-1]
    vals, first = vals[order], vecs[:, order[0]]
    first = first * (1 if first.sum() >= 0 else -1)  # sign convention: loadings mostly positive
    return vals, first * np.sqrt(max(vals[0], 0.0))


def _pillar_of(fw: Framework, node: str) -> str:
    while fw.parents.get(node) not in (fw.index.id, None):
        node = fw.parents[node]
    return node


def audit(fw: Framework, results: Results, year: int, *, threshold: float = 0.9, min_units: int = 10,
          method: str = "pearson") -> AuditReport:
    """Run the coherence checks on edition *year* of *results* (scored with *fw*)."""
    wide = results.wide(year).set_index("unit")
    pillars = fw.children(fw.index.id)
    index = wide[fw.index.id] if fw.index.id in wide else pd.Series(dtype=float)
    ind_ids = [i.id for i in fw.indicators if i.weight > 0]
    scores = pd.DataFrame({i: wide.get(f"ind:{i}", pd.Series(np.nan, index=wide.index)) for i in ind_ids})
    counts = scores.notna().sum()
    skipped = [i for i in ind_ids if counts[i] < min_units]
    flags: list[Flag] = []
    rows, within, alpha_rows, pca_rows, load_rows = [], {}, [], [], []
    for p in pillars:
        members = [i for i in ind_ids if _pillar_of(fw, i) == p and i not in skipped]
        pillar_score = wide[p] if p in wide else pd.Series(np.nan, index=wide.index)
        for i in members:
            rows.append({"indicator": i, "pillar": p, "n": int(counts[i]),
                         "r_pillar": scores[i].corr(pillar_score, method=method, min_periods=min_units),
                         "r_index": scores[i].corr(index, method=method, min_periods=min_units)})
            r = rows[-1]["r_pillar"]
            if pd.notna(r) and r < 0:
                flags.append(Flag(NEGATIVE, p, (i,), float(r),
                                  f"{i} correlates negatively with its pillar {p} (r = {r:.2f}): check its direction"))
        if len(members) < 2:
            continue
        sub = scores[members]
        corr = sub.corr(method=method, min_periods=min_units)
        within[p] = corr
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                r = corr.iat[a, b]
                if pd.notna(r) and abs(r) > threshold:
                    flags.append(Flag(DOUBLE_COUNTING, p, (members[a], members[b]), float(r),
                                      f"{members[a]} and {members[b]} in {p} correlate at r = {r:.2f} (> {threshold}): "
                                      "they count the same thing twice; drop or merge one, or lower their weights"))
        complete = sub.dropna()
        alpha_rows.append({"pillar": p, "k": len(members), "n": len(complete), "alpha": cronbach_alpha(complete.to_numpy())})
        vals, load = pca(sub)
        total = np.nansum(vals)
        for j, v in enumerate(vals):
            pca_rows.append({"pillar": p, "component": j + 1, "eigenvalue": float(v),
                             "explained": float(v / total) if total > 0 else np.nan,
                             "cumulative": float(np.nansum(vals[: j + 1]) / total) if total > 0 else np.nan})
        load_rows += [{"pillar": p, "indicator": i, "loading": float(x)} for i, x in zip(members, load)]
    from marc.analysis.agreement import THRESHOLD, agreement

    agree = agreement(fw.expert_rows, fw.indicators)
    for row in agree.itertuples(index=False):
        if pd.notna(row.alpha) and row.alpha < THRESHOLD:
            flags.append(Flag(LOW_AGREEMENT, _pillar_of(fw, row.indicator), (row.indicator,), float(row.alpha),
                              f"coders of {row.indicator} agree at Krippendorff's alpha = {row.alpha:.2f} (< {THRESHOLD}, "
                              f"{row.cells_multi} cells coded twice): review the codebook and the disputed values"))
    comp_cols = [c for c in [*pillars, fw.index.id] if c in wide]
    between = wide[comp_cols].corr(method=method, min_periods=min_units)
    return AuditReport(
        year=int(year), n_units=int(index.notna().sum()), method=method, threshold=threshold,
        indicators=pd.DataFrame(rows, columns=["indicator", "pillar", "n", "r_pillar", "r_index"]),
        within=within, between=between,
        alpha=pd.DataFrame(alpha_rows, columns=["pillar", "k", "n", "alpha"]),
        pca=pd.DataFrame(pca_rows, columns=["pillar", "component", "eigenvalue", "explained", "cumulative"]),
        loadings=pd.DataFrame(load_rows, columns=["pillar", "indicator", "loading"]),
        flags=flags, skipped=skipped, agreement=agree)
