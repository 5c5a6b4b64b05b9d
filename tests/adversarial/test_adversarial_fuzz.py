"""Class 9, fuzzing: the YAML loader, the expression parser and every user-CSV reader never crash.

Property-based (hypothesis), on random text and on inputs assembled from the grammar's own pieces
(anchors, aliases, brackets, odd numbers).  The only acceptable failure is a located
:class:`MarcError` (or :class:`ExpressionError` with an offset inside the text).  CI runs the
``marc-ci`` profile (200 examples per target); ``make fuzz`` runs ``marc-fuzz`` (5,000 per target)."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from builders import add_expert_slot, write_framework
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from marc.core import yamlio, yamlmodel
from marc.core.errors import MarcError
from marc.method import evidence, expression
from marc.method.framework import PillarFile
from marc.method.loader import load_framework

settings.register_profile("marc-ci", max_examples=200, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("marc-fuzz", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FUZZ = settings.get_profile(os.environ.get("MARC_FUZZ_PROFILE", "marc-ci"))

YAML_PIECES = ["pillar:", "indicators:", "  - id: a", "    weight: ", "&x ", "*x", "[", "]", "{", "}", ", ", ": ", "\n",
               "  ", "- ", ".nan", ".inf", "-.inf", "1e400", "١٢", "true", "no", "~", "'", '"', "#", "!!str ", "!!python/object ",
               "<<: *x", "? ", "|", ">", "---", "...", "%YAML 1.2", "\t", "0x1F", "0o17", "1_000", "-0", "9" * 30]
EXPR_PIECES = ["a", "b", "[wdi/x]", "[custom/y]", "[", "]", "(", ")", "+", "-", "*", "/", "^", ",", "log(", "min(", "max(",
               "sqrt(", "1", "0", "1e308", "1e-308", ".5", " ", "١", "nan", "inf", "__import__", "[]", "[a]"]
CSV_PIECES = ["unit", "year", "value", "evidence_url", "coder", "date", "confidence", ",", "\n", "\r\n", '"', "KEN", "NOR",
              "XKX", "2020", "1e999", "inf", "-inf", "nan", "NaN", "True", "١٢", "2020-01-01", "https://x.org/a", "low",
              "=1+1", "\x00", "\ufeff", "  ", "0x10", "1_0", "99999999999999999999999", "-", ";", "\t"]


def assembled(pieces):
    return st.lists(st.sampled_from(pieces), max_size=60).map("".join)


def located(exc: MarcError) -> None:
    assert exc.problems and all(p.file and p.code and p.message for p in exc.problems)


# ------------------------------------------------------------------------------- YAML loader
@FUZZ
@given(st.one_of(st.text(max_size=400), assembled(YAML_PIECES)))
def test_fuzz_yaml_parser(text):
    try:
        doc = yamlio.parse_text(text, "fuzz.yaml")
    except MarcError as exc:
        located(exc)
        return
    yamlio.to_plain(doc.root)  # the tree converts without recursion or overflow


PILLAR_HEAD = "pillar: {id: p, name: p}\nindicators:\n  - id: a\n    name: a\n    direction: higher_is_better\n"


@FUZZ
@given(assembled(YAML_PIECES + ["source: custom/a", "normalise: {method: goalposts, min: 0, max: ", "expression: ",
                                "transform: log", "outliers: {method: cap, lower: ", "    "]))
def test_fuzz_framework_loader(tail):
    with tempfile.TemporaryDirectory() as tmp:
        root = write_framework(Path(tmp) / "fw", {"p": []})
        (root / "p.yaml").write_text(PILLAR_HEAD + tail, encoding="utf-8")
        try:
            fw = load_framework(root)
        except MarcError as exc:
            located(exc)
            return
        for ind in fw.indicators:  # whatever loads is clean: no NaN or inf anywhere in the method
            for value in (ind.weight, getattr(ind.normalise, "min", 0.0), getattr(ind.normalise, "max", 1.0)):
                assert np.isfinite(value)


@FUZZ
@given(st.dictionaries(st.sampled_from(["id", "name", "weight", "aggregation", "min_coverage", "epsilon", "parent"]),
                       st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.booleans(),
                                 st.text(max_size=12), st.none()), max_size=7))
def test_fuzz_pillar_model(pillar):
    doc = yamlio.parse_text("pillar: {}\n", "fuzz.yaml")
    doc.root["pillar"].update(pillar)
    try:
        pf = yamlmodel.parse_model(doc, PillarFile)
    except MarcError as exc:
        located(exc)
        return
    assert np.isfinite(pf.pillar.weight) and pf.pillar.weight >= 0 and not isinstance(pillar.get("weight"), bool)


# ------------------------------------------------------------------------------- expressions
@FUZZ
@given(st.one_of(st.text(max_size=300), assembled(EXPR_PIECES)))
def test_fuzz_expression_parser(text):
    try:
        tree = expression.parse(text)
    except expression.ExpressionError as exc:
        assert 0 <= exc.offset <= max(len(text), expression.MAX_LENGTH)
        return
    refs = expression.references(tree)
    values = {r.name: np.array([0.0, 1.0, -1.0, np.nan, 1e308]) for r in refs}
    out = expression.evaluate(tree, values)
    assert out.shape == (5,) or out.shape == ()


# ------------------------------------------------------------------------------- user CSVs
@FUZZ
@given(st.one_of(st.binary(max_size=400), assembled(CSV_PIECES).map(lambda s: s.encode("utf-8", "surrogatepass"))))
def test_fuzz_custom_csv(data):
    problems: list = []
    frame = evidence.parse_custom(b"unit,year,value\n" + data if data[:1] != b"u" else data, "fuzzed", "fuzz.csv", problems)
    assert (frame is None) == bool(problems)  # either a frame or located problems, never an exception
    for problem in problems:
        assert problem.file == "fuzz.csv" and problem.code


@FUZZ
@given(assembled(CSV_PIECES))
@example(body=",,,\nunit")  # found by `make fuzz`: a ValueError in the custom reader
def test_fuzz_custom_csv_through_the_loader(body):
    with tempfile.TemporaryDirectory() as tmp:
        root = write_framework(Path(tmp) / "fw", {"p": [{"id": "a"}]})
        (root / "custom").mkdir()
        (root / "custom" / "c.csv").write_bytes(("unit,year,value\n" + body).encode("utf-8", "surrogatepass"))
        try:
            fw = load_framework(root)
        except MarcError as exc:
            located(exc)
            return
        assert np.isfinite(fw.custom["value"].to_numpy(dtype="float64")).all()


@FUZZ
@given(assembled(CSV_PIECES))
@example(body=",,1e999")  # found by `make fuzz`: an OverflowError in the expert reader
def test_fuzz_expert_csv(body):
    with tempfile.TemporaryDirectory() as tmp:
        root = write_framework(Path(tmp) / "fw", {"p": [{"id": "a"}]})
        add_expert_slot(root / "p.yaml", "slot")
        (root / "expert").mkdir()
        header = "unit,year,value,evidence_url,coder,date,confidence\n"
        (root / "expert" / "slot.csv").write_bytes((header + body).encode("utf-8", "surrogatepass"))
        try:
            fw = load_framework(root)
        except MarcError as exc:
            located(exc)
            return
        assert np.isfinite(fw.expert["value"].to_numpy(dtype="float64")).all()


@FUZZ
@given(assembled(CSV_PIECES + ["variable", "source", "custom/a", "t"]))
def test_fuzz_panel_csv(body):
    from marc.pipeline.project import read_panel_file

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "panel.csv"
        path.write_bytes(("unit,year,variable,value,source\n" + body).encode("utf-8", "surrogatepass"))
        try:
            panel = read_panel_file(path)
        except MarcError as exc:
            located(exc)
            return
        assert np.isfinite(panel["value"].to_numpy(dtype="float64")).all()
        assert panel["year"].between(1800, 2200).all()


def test_fuzz_profiles_are_registered():
    assert settings.get_profile("marc-ci").max_examples == 200
    assert settings.get_profile("marc-fuzz").max_examples >= 1000
    assert isinstance(pd.read_csv(io.StringIO("a\n1\n")), pd.DataFrame)


def test_parse_custom_fuzz_find_is_a_located_problem():
    problems: list = []
    frame = evidence.parse_custom(b"unit,year,value\n,,,\n\x00", "fuzzed", "fuzz.csv", problems)
    assert frame is None and problems
    problems = []
    assert evidence.parse_custom("unit,year,value\nKEN,²⁰²⁰,1\n".encode(), "fuzzed", "fuzz.csv", problems) is None
    assert [(p.line, p.code) for p in problems] == [(2, "bad-year")]
