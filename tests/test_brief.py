"""The country brief: facts from the results, rendered PDF/DOCX text against the facts (traceability)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import pandas as pd
import pytest

from marc import brief
from marc.errors import MarcError


# --------------------------------------------------------------------------- unit tests


def test_catalogues_have_the_same_keys_and_placeholders():
    en, fr = brief.messages("en"), brief.messages("fr")
    assert set(en) == set(fr) and len(en) > 80
    assert set(en["names"]) == set(fr["names"])
    import string

    for key, text in en.items():
        if isinstance(text, str):
            fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            assert fields == {f for _, f, _, _ in string.Formatter().parse(fr[key]) if f}, key
    assert en["yes"] == "yes" and fr["no"] == "non"  # YAML 1.2: yes/no are strings


def test_unknown_language_is_a_marc_error():
    with pytest.raises(MarcError) as err:
        brief.messages("de")
    assert err.value.problems[0].code == "bad-language"


def test_number_formatting():
    assert brief.num(45.7) == "45.7" and brief.num(45.7, "fr") == "45,7"
    assert brief.num(1234.5, "fr") == "1\u00a0234,5" and brief.num(1234) == "1,234"
    assert brief.num(-0.2) == "−0.2" and brief.num(None) == "–"
    assert brief.numbers_in("rank 126 of 190, score 45,7 and −0.2; 2021–2024") == ["126", "190", "45,7", "−0.2", "2021", "2024"]


def test_intervals_from_uncertainty_summary():
    summary = pd.DataFrame({"unit": ["CIV", "HTI"], "rank_p05": [110.4, float("nan")], "rank_p95": [131.6, 180.0]})
    out = brief.intervals_from(summary)
    assert out.to_dict("records") == [{"unit": "CIV", "rank_low": 110, "rank_high": 132}]
    with pytest.raises(MarcError):
        brief.intervals_from(pd.DataFrame({"unit": ["CIV"]}))


# --------------------------------------------------------------------------- integration (real data)

UNITS = ["CIV", "HTI", "TUV", "NOR"]


@pytest.fixture(scope="session")
def outcome(real_outcome):
    return real_outcome


@pytest.fixture(scope="session")
def facts_by_unit(outcome):
    return {u: brief.facts(outcome, u) for u in UNITS}


def _table_value(table: pd.DataFrame, unit: str, col: str):
    return table.set_index("unit").loc[unit, col]


def test_facts_trace_to_the_results_table(outcome, facts_by_unit):
    table = outcome.table(outcome.years[-1])
    for unit, f in facts_by_unit.items():
        json.dumps(f, allow_nan=False)  # JSON-serialisable, no NaN
        assert f["meta"]["unit"] == unit and f["meta"]["year"] == outcome.years[-1]
        for h in f["headline"]:
            value = _table_value(table, unit, h["id"])
            if pd.isna(value):
                assert h["score"] is None and h["rank"] is None
                continue
            assert h["score"] == round(float(value), 1)
            ranks = pd.to_numeric(table[h["id"]]).rank(ascending=False, method="min")
            assert h["rank"] == int(ranks[table["unit"] == unit].iloc[0])
        assert f["headline"][0]["rank"] == int(_table_value(table, unit, "rank"))
        ind = outcome.results.indicators
        mine = ind[(ind["unit"] == unit) & (ind["year"] == outcome.years[-1])].set_index("indicator")
        for item in f["strengths"] + f["weaknesses"]:
            assert item["score"] == round(float(mine.loc[item["id"], "score"]), 1)
        scores = [i["score"] for i in f["strengths"]]
        assert scores == sorted(scores, reverse=True)
        assert f["strengths"][0]["score"] == round(float(mine["score"].max()), 1)


def test_facts_trace_to_the_panel(outcome, facts_by_unit):
    p = outcome.panel
    f = facts_by_unit["CIV"]
    def latest(var):
        rows = p[(p["unit"] == "CIV") & (p["variable"] == var) & (p["year"] <= f["meta"]["year"])]
        return float(rows.loc[rows["year"].idxmax(), "value"])
    assert f["gcf"]["readiness_grants"] == round(latest("gcf/readiness_grants"))
    assert f["gcf"]["funded_activities"] == round(latest("gcf/funded_activities"))
    assert f["gcf"]["funded_usd_m"] == round(latest("gcf/fa_usd") / 1e6, 1)
    risk = {(r["horizon"], r["scenario"]): r["value"] for r in f["projections"]["risk"]}
    assert set(risk) == {(2050, "optimistic"), (2050, "pessimistic"), (2080, "optimistic"), (2080, "pessimistic")}
    assert risk[(2080, "pessimistic")] == round(latest("informcc/risk_2080_pessimistic"), 1)
    assert f["projections"]["baseline"] == round(latest("informcc/risk"), 1)
    assert f["context"]["gcf_eligible"] is True and facts_by_unit["NOR"]["context"]["gcf_eligible"] is False
    assert facts_by_unit["TUV"]["context"]["sids"] is True
    ids = {s["source"] for s in f["sources"]}
    assert {"inform_climate_change", "gcf_open_data", "nd_gain"} <= ids
    assert all(s["open_licence"] is False for s in f["sources"] if s["source"] == "gcf_open_data")


def test_facts_match_marc_score_output(outcome, facts_by_unit, tmp_path):
    from typer.testing import CliRunner

    from marc.cli import app

    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(app, ["score", "--out", str(out)])
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(out).set_index("unit")
    for unit, f in facts_by_unit.items():
        assert f["headline"][0]["score"] == round(float(scores.loc[unit, "readiness"]), 1)
        assert f["headline"][0]["rank"] == int(scores.loc[unit, "rank"])
        pillars = {h["id"]: h["score"] for h in f["headline"]}
        for pid in ("mitigation", "adaptation", "response", "cooperation", "governance"):
            v = scores.loc[unit, pid]
            assert pillars[pid] == (None if pd.isna(v) else round(float(v), 1))


def _allowed_numbers(f: dict, lang: str) -> set[str]:
    """Every number the facts hold (as displayed) and every number in the fixed text."""
    allowed: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, bool) or node is None:
            return
        elif isinstance(node, (int, float)):
            allowed.add(brief.num(node, lang))
            allowed.add(brief.num(node, "en"))
            allowed.add(str(node))
        elif isinstance(node, str):
            allowed.update(brief.numbers_in(node))
    walk(f)
    walk(brief.messages(lang))
    allowed.update(str(i) for i in range(1, 5))  # page numbers
    return {a.replace("\u00a0", "") for a in allowed}


def _check_traced(text: str, f: dict, lang: str) -> None:
    text = text.replace("\u00a0", "").replace("\u202f", "")
    allowed = _allowed_numbers(f, lang)
    stray = sorted({t for t in brief.numbers_in(text) if t not in allowed and t.lstrip("-−") not in allowed})
    assert not stray, f"numbers in the {lang} brief that are not in its facts: {stray[:20]}"
    head = f["headline"][0]
    for must in (brief.num(head["score"], lang), str(head["rank"]), str(head["n_ranked"])):
        assert must in text


def _pdf_text(data: bytes) -> tuple[str, int]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def _docx_text(data: bytes) -> tuple[str, list[str], int]:
    import docx

    doc = docx.Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    return "\n".join(parts), headings, len(doc.inline_shapes)


@pytest.mark.parametrize("unit,lang", [("CIV", "en"), ("CIV", "fr"), ("HTI", "en"), ("TUV", "fr"), ("NOR", "en")])
def test_pdf_renders_and_every_number_traces(facts_by_unit, unit, lang):
    f = facts_by_unit[unit]
    text, pages = _pdf_text(brief.render(f, "pdf", lang))
    assert 2 <= pages <= 5  # 4 pages of scores and annexes, plus the admin-1 map section (issue 16)
    assert f["meta"]["name"] in text
    assert ("Headline scores" if lang == "en" else "Scores principaux") in text
    assert "INFORM Climate Change" in text and "2080" in text
    _check_traced(text, f, lang)


@pytest.mark.parametrize("unit,lang", [("CIV", "fr"), ("HTI", "en"), ("TUV", "en"), ("NOR", "fr")])
def test_docx_is_editable_and_every_number_traces(facts_by_unit, unit, lang):
    f = facts_by_unit[unit]
    text, headings, images = _docx_text(brief.render(f, "docx", lang))
    m = brief.messages(lang)
    assert m["h_headline"] in headings and m["h_sources"] in headings and len(headings) >= 10
    assert images == 1 + (f["admin1"] is not None)  # the pillar chart, and the admin-1 map when there is one
    assert f["admin1"] is not None and m["h_admin1"] in headings
    assert m["licence_flag"] in text  # GCF, ND-GAIN, UN terms are flagged
    _check_traced(text, f, lang)


def test_unicode_renders_in_pdf(facts_by_unit):
    f = json.loads(json.dumps(facts_by_unit["CIV"]))
    f["meta"]["name"] = "Côte d’Ivoire"
    text, _ = _pdf_text(brief.render(f, "pdf", "en"))
    assert "Côte d’Ivoire" in text and "≥" in text and "–" in text


def test_pdf_page_looks_like_a_page(facts_by_unit, tmp_path):
    from PIL import Image, ImageStat

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) not installed")
    pdf = tmp_path / "civ.pdf"
    pdf.write_bytes(brief.render(facts_by_unit["CIV"], "pdf", "fr"))
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "page")], check=True)
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    assert ImageStat.Stat(image).var[0] > 200  # text, tables and the chart, not a blank page


def test_unknown_unit_and_region(outcome):
    with pytest.raises(MarcError) as err:
        brief.facts(outcome, "XXX")
    assert err.value.problems[0].code == "unknown-unit"
    with pytest.raises(MarcError):
        brief.select_units(outcome, [], "Atlantis")
    small = brief.select_units(outcome, ["civ"], "South Asia")
    assert small[0] == "CIV" and "IND" in small and len(small) == len(set(small))


def test_batch_cli_writes_every_brief(tmp_path, outcome):
    from typer.testing import CliRunner

    from marc.cli import app

    result = CliRunner().invoke(app, ["brief", "TUV", "NOR", "--format", "docx", "--lang", "fr", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("*.docx")) == [f"MARC-brief-NOR-{outcome.years[-1]}-fr.docx",
                                                                f"MARC-brief-TUV-{outcome.years[-1]}-fr.docx"]
