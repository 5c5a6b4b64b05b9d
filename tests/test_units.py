"""A framework's own unit list (issue 15, item 5): cities scored from custom CSVs, located errors."""

from __future__ import annotations

import pandas as pd
import pytest
from builders import write_framework

from marc.core.errors import MarcError
from marc.method.loader import load_framework
from marc.pipeline import project

UNITS_CSV = "id,name,parent,basin,coastal\nnairobi,Nairobi,KEN,athi,no\nmombasa,Mombasa,KEN,athi,yes\nkampala,Kampala,UGA,nile,no\n"
EMPTY = pd.DataFrame({"unit": pd.Series([], dtype=object), "year": pd.Series([], dtype="int64"),
                      "variable": pd.Series([], dtype=object), "value": pd.Series([], dtype="float64"),
                      "source": pd.Series([], dtype=object)})


def city_framework(tmp_path, units_csv=UNITS_CSV, rows="nairobi,2005,30\nmombasa,2005,70\n"):
    root = write_framework(tmp_path / "fw", {"p": [{"id": "a"}, {"id": "b", "extra": ["applies_to: coastal"]}]})
    (root / "index.yaml").write_text((root / "index.yaml").read_text() +
                                     "units: {file: units.csv, parent: parent, groups: [basin, coastal]}\n")
    (root / "units.csv").write_text(units_csv)
    (root / "custom").mkdir()
    (root / "custom" / "a.csv").write_text("unit,year,value\n" + rows)
    (root / "custom" / "b.csv").write_text("unit,year,value\nmombasa,2005,50\n")
    return root


def test_cities_are_scored_from_the_unit_list(tmp_path):
    root = city_framework(tmp_path)
    fw = load_framework(root)
    assert fw.units["unit"].tolist() == ["nairobi", "mombasa", "kampala"]
    assert fw.units.set_index("unit")["coastal"].tolist() == [False, True, False]
    out = project.compute(root, years=[2005], panel=EMPTY, hazards=False)
    table = out.table().set_index("unit")
    assert set(table.index) == {"nairobi", "mombasa", "kampala"}  # kampala listed, with no data: not dropped
    assert table.loc["mombasa", "name"] == "Mombasa" and table.loc["mombasa", "readiness"] == pytest.approx(60)
    assert table.loc["nairobi", "readiness"] == pytest.approx(30)  # b does not apply inland: no coverage lost
    assert pd.isna(table.loc["kampala", "readiness"])


def test_unknown_units_and_bad_lists_are_located(tmp_path):
    root = city_framework(tmp_path, rows="nairobi,2005,30\nnairobbi,2005,70\n")
    with pytest.raises(MarcError) as err:
        load_framework(root)
    (p,) = err.value.problems
    assert p.file.endswith("a.csv") and p.line == 3 and p.code == "unknown-unit" and "unit list" in p.message
    bad = "id,name,parent,basin,coastal\nnairobi,Nairobi,KEN,athi,no\nnairobi,Again,KEN,athi,no\nx y,,XXX,nile,no\n"
    root = city_framework(tmp_path / "b", units_csv=bad)
    with pytest.raises(MarcError) as err:
        load_framework(root)
    got = {(p.line, p.column, p.code) for p in err.value.problems if p.file.endswith("units.csv")}
    assert got == {(3, 1, "duplicate-id"), (4, 1, "bad-unit-id")}
    root = city_framework(tmp_path / "c", units_csv="code,name\nnairobi,Nairobi\n")
    with pytest.raises(MarcError) as err:
        load_framework(root)
    assert [p.code for p in err.value.problems] == ["csv-columns"]


def test_unknown_parent_is_located(tmp_path):
    root = city_framework(tmp_path, units_csv=UNITS_CSV + "gulu,Gulu,ZZZ,nile,no\n")
    with pytest.raises(MarcError) as err:
        load_framework(root)
    (p,) = err.value.problems
    assert (p.line, p.column, p.code) == (5, 3, "unknown-parent")
