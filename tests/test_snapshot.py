"""The app's snapshot on disk (marc.reporting.snapshot): saved after scoring, read back identical, keyed by the
framework's files and the data version."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from marc.analysis import uncertainty
from marc.reporting import snapshot

REPO = Path(__file__).resolve().parents[1]


def test_fingerprint_follows_every_scoring_file(tmp_path):
    (tmp_path / "expert").mkdir()
    (tmp_path / "index.yaml").write_text("a: 1\n")
    first = snapshot.fingerprint(tmp_path)
    (tmp_path / "expert" / "x.csv").write_text("unit,year,value\n")
    second = snapshot.fingerprint(tmp_path)
    (tmp_path / "notes.txt").write_text("not part of the method")
    assert first != second == snapshot.fingerprint(tmp_path)


@pytest.mark.integration
def test_snapshot_round_trip(real_data, tmp_path):
    fw = tmp_path / "indicators"
    shutil.copytree(REPO / "indicators", fw, ignore=shutil.ignore_patterns(".backups"))
    if (old := snapshot.key(fw)) is not None:  # (None before the session's first panel build: run alone)
        shutil.rmtree(snapshot._dir(old), ignore_errors=True)  # (the app tests may have saved this one)
    assert snapshot.load(fw) is None
    built = snapshot.build(fw)
    again = snapshot.load(fw)
    assert again is not None and again.key == built.key == snapshot.key(fw)
    def plain(t: pd.DataFrame) -> pd.DataFrame:  # Parquet reads text as str with NaN, the engine writes object/None
        return t.astype(object).where(t.notna(), None)

    pd.testing.assert_frame_equal(plain(again.table), plain(built.table))
    pd.testing.assert_frame_equal(again.intervals.reset_index(drop=True), built.intervals.reset_index(drop=True),
                                  check_dtype=False)
    assert again.latest == built.latest and again.points == built.points
    # every edition the slider offers has its intervals on disk (no Monte Carlo on the app's path)
    assert sorted(again.intervals["year"].unique()) == sorted({*built.outcome.years, built.latest})
    other = min(built.outcome.years)
    direct = uncertainty.from_outcome(built.outcome, year=other).summary().reset_index(drop=True)
    pd.testing.assert_frame_equal(again.intervals_of(other), direct, check_dtype=False)
    assert again.intervals_of(1990) is None
    assert len(again.feature_list()) == len(built.feature_list()) > 200
    assert again.hazard_labels == built.hazard_labels and again.hazard_labels
    assert again.outcome.panel is not None and len(again.outcome.panel) > 100_000  # loaded on first access
    text = (fw / "adaptation.yaml").read_text()
    (fw / "adaptation.yaml").write_text(text.replace("weight: 1", "weight: 2", 1))
    assert snapshot.key(fw) != built.key and snapshot.load(fw) is None  # a changed weight is a new snapshot
