"""The country brief: facts from the results, rendered PDF/DOCX text against the facts (traceability)."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from marc.core import i18n
from marc.core.errors import MarcError
from marc.reporting import brief
from marc.reporting import brief_text as bt

# --------------------------------------------------------------------------- unit tests


def test_catalogues_have_the_same_keys_and_placeholders():
    import string

    en, fr = i18n.catalogue("en"), i18n.catalogue("fr")
    ids = lambda cat: {(m.context, m.id) for m in cat if m.id}  # noqa: E731
    assert ids(en) == ids(fr) and len(i18n.keys("en")) > 100
    for key in i18n.keys("en"):
        fields = {f for _, f, _, _ in string.Formatter().parse(i18n.t(key, "en")) if f}
        assert fields == {f for _, f, _, _ in string.Formatter().parse(i18n.t(key, "fr")) if f}, key
        assert fr.get(key).string, f"{key} has no French text"
    assert i18n.t("yes", "en") == "yes" and i18n.t("no", "fr") == "non"
    assert i18n.tr("Sub-Saharan Africa", "fr", "region") == "Afrique subsaharienne"
    assert i18n.tr("an unknown unit", "fr", "unit") == "an unknown unit"


def test_unknown_language_is_a_marc_error():
    with pytest.raises(MarcError) as err:
        i18n.t("title", "de", name="x")
    assert err.value.problems[0].code == "bad-language"


def test_number_formatting():
    assert brief.num(45.7) == "45.7" and brief.num(45.7, "fr") == "45,7"
    assert brief.num(1234.5, "fr") == "1\u202f234,5" and brief.num(1234) == "1,234"
    assert brief.num(-0.2) == "−0.2" and brief.num(None) == "–"
    assert i18n.fmt_number(-0.04, "en", 1) == "0.0" and i18n.fmt_number(2.345, "fr", 2) == "2,35"
    assert i18n.country_name("CIV", "fr") == "Côte d’Ivoire" and i18n.country_name("DEU", "fr") == "Allemagne"
    assert brief.numbers_in("rank 126 of 190, score 45,7 and −0.2; 2021–2024") == ["126", "190", "45,7", "−0.2", "2021", "2024"]


def test_competition_rank_shares_the_best_rank():
    from marc.scoring.ranking import competition_rank

    rank, n_tied = competition_rank(pd.Series([100, 100, 100, 50, None, 70], index=list("abcdef")))
    assert rank.tolist()[:4] == [1, 1, 1, 5] and rank["f"] == 4
    assert n_tied["a"] == 3 and n_tied["d"] == 1 and pd.isna(rank["e"])
    item = {"score": 100.0, "rank": 1, "n_ranked": 195, "n_tied": 49}
    assert bt.rank_text(item, "en") == "= 1st of 195, shared with 48" and bt.rank_text({**item, "n_tied": 1}, "fr") == "1er sur 195"


def test_bilingual_names_in_the_framework():
    from marc.method.framework import Component, name_in

    c = Component(id="m", name={"en": "Mitigation", "fr": "Atténuation"})
    assert c.name == "Mitigation" and name_in(c.name, "fr") == "Atténuation" and c.model_dump()["name"] == "Mitigation"
    assert name_in(Component(id="m", name="Plain").name, "fr") == "Plain"
    with pytest.raises(Exception, match="unknown language de"):
        Component(id="m", name={"en": "x", "de": "y"})


def test_intervals_from_uncertainty_summary():
    summary = pd.DataFrame({"unit": ["CIV", "HTI"], "rank_p05": [110.4, float("nan")], "rank_p95": [131.6, 180.0]})
    out = brief.intervals_from(summary)
    assert out.to_dict("records") == [{"unit": "CIV", "rank_low": 110, "rank_high": 132}]
    with pytest.raises(MarcError):
        brief.intervals_from(pd.DataFrame({"unit": ["CIV"]}))


# --------------------------------------------------------------------------- integration (real data)

UNITS = ["CIV", "HTI", "TUV", "NOR", "BGD", "PER"]


@pytest.fixture(scope="session")
def outcome(real_outcome):
    return real_outcome


@pytest.fixture(scope="session")
def uncertainty_run(outcome):
    from marc.analysis.uncertainty import from_outcome

    result = from_outcome(outcome, year=outcome.years[-1], n=40)
    return brief.rank_intervals(result), brief.uncertainty_meta(result)


@pytest.fixture(scope="session")
def facts_by_unit(outcome, uncertainty_run):
    ranks, meta = uncertainty_run
    return {u: brief.facts(outcome, u, intervals=ranks, uncertainty=meta) for u in UNITS}


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
    return {a.replace("\u00a0", "").replace("\u202f", "") for a in allowed}


def _check_traced(text: str, f: dict, lang: str) -> None:
    text = text.replace("\u00a0", "").replace("\u202f", "")
    allowed = _allowed_numbers(f, lang)
    for h in f["headline"]:  # every headline figure, at the displayed precision, with its rank
        if h["score"] is not None:
            assert brief.num(h["score"], lang) in text and num_free(bt.rank_text(h, lang)) in num_free(text)
    stray = sorted({t for t in brief.numbers_in(text) if t not in allowed and t.lstrip("-−") not in allowed})
    assert not stray, f"numbers in the {lang} brief that are not in its facts: {stray[:20]}"
    head = f["headline"][0]
    for must in (brief.num(head["score"], lang), str(head["rank"]), str(head["n_ranked"])):
        assert must in text


def num_free(text: str) -> str:
    return text.replace("\u00a0", "").replace("\u202f", "").replace("\n", " ")


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


TRACED = ["CIV", "HTI", "TUV", "NOR", "BGD", "PER"]


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("unit", TRACED)
def test_pdf_renders_and_every_number_traces(facts_by_unit, unit, lang):
    f = facts_by_unit[unit]
    text, pages = _pdf_text(brief.render(f, "pdf", lang))
    assert 3 <= pages <= 6
    assert bt.country(f, lang) in text
    assert ("Headline scores" if lang == "en" else "Scores principaux") in text
    assert "INFORM Climate Change" in text and "2080" in text
    _check_traced(text, f, lang)


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("unit", TRACED)
def test_docx_is_editable_and_every_number_traces(facts_by_unit, unit, lang):
    f = facts_by_unit[unit]
    text, headings, images = _docx_text(brief.render(f, "docx", lang))
    m = brief.messages(lang)
    assert m["h_headline"] in headings and m["h_sources"] in headings and len(headings) >= 12
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
    from PIL import ImageStat

    pypdfium2 = pytest.importorskip("pypdfium2")
    doc = pypdfium2.PdfDocument(brief.render(facts_by_unit["CIV"], "pdf", "fr"))
    image = doc[0].render(scale=40 / 72).to_pil().convert("L")
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


def _english_fragments() -> list[tuple[str, str]]:
    """(key, fragment) of every English catalogue text that French translates differently."""
    import re
    import string

    out = []
    en, fr = i18n.catalogue("en"), i18n.catalogue("fr")
    for m in en:
        if not m.id:
            continue
        text_en = m.string or m.id
        text_fr = fr.get(m.id, context=m.context).string
        if text_en == text_fr:
            continue
        for literal, *_ in string.Formatter().parse(text_en):
            for frag in re.split(r"[()\[\];:,.“”]", literal):
                frag = frag.strip()
                if len(frag) >= 8 and " " in frag and frag not in text_fr:
                    out.append((m.id, frag))
    return out


def _french_text(f: dict, fmt: str) -> str:
    """The French brief's text up to the sources annex (publishers' titles and licences are exempt)."""
    if fmt == "pdf":
        text, _ = _pdf_text(brief.render(f, "pdf", "fr"))
    else:
        text, _, _ = _docx_text(brief.render(f, "docx", "fr"))
    cut = text.find(i18n.t("h_sources", "fr"))
    return " ".join(text[:cut if cut > 0 else None].split())


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
@pytest.mark.parametrize("unit", ["CIV", "HTI", "NOR"])
def test_french_brief_has_no_english_source_string(facts_by_unit, unit, fmt):
    frags = _english_fragments()
    assert len(frags) > 150  # the check has teeth
    text = _french_text(facts_by_unit[unit], fmt)
    leaks = sorted({f"{k}: {frag}" for k, frag in frags if frag in text})
    assert not leaks, leaks[:10]
    for word in ("Mitigation", "Adaptation capacity", "Sub-Saharan", "Lower middle income", "percentage points", "Headline"):
        assert word not in text


def test_english_leak_is_caught(facts_by_unit):
    """The French check fails on an English sentence (a brief built with one English string left)."""
    text = _french_text(facts_by_unit["CIV"], "docx") + " " + i18n.t("not_measured", "en")
    assert any(frag in text for _, frag in _english_fragments())


def test_brief_shows_intervals_for_every_pillar_and_defines_them(facts_by_unit):
    f = facts_by_unit["CIV"]
    assert all(h["rank_low"] is not None and h["rank_low"] <= h["rank"] + 0 or h["score"] is None for h in f["headline"])
    text, _, _ = _docx_text(brief.render(f, "docx", "en"))
    assert "5th to 95th percentile of the rank over 40 Monte Carlo replications" in text
    assert "competition ranking" in text and "Climate rationale: a GCF climate rationale rests on climate data" in text
    assert "What MARC does not measure" in text and "Do no harm" in text
    assert "gdis_subset_MODIFIED" not in text and "inform_risk" not in text  # no internal ids
    meta = f["meta"]
    assert f"Cite as: MARC v{meta['version']}, edition {meta['year']}, framework {meta['framework']}" in text


def test_transformed_indicator_shows_the_scored_change(outcome, facts_by_unit):
    ind = outcome.results.indicators
    for f in facts_by_unit.values():
        for item in f["strengths"] + f["weaknesses"]:
            if item["id"] == "forest_area_change":
                row = ind[(ind.unit == f["meta"]["unit"]) & (ind.year == f["meta"]["year"]) & (ind.indicator == item["id"])].iloc[0]
                assert item["value"] == round(float(row.transformed), 1) and item["period"] == [int(row.data_year) - 10,
                                                                                                 int(row.data_year)]
                assert item["value_unit"] == "percentage points of land area"


def test_headline_uses_intended_and_security_coverage_when_present(outcome, facts_by_unit):
    """Issue 10's columns (coverage_intended, security_*): the headline shows them; today's coverage is the fallback."""
    import copy

    year = outcome.years[-1]
    o = copy.copy(outcome)
    o.results = copy.copy(outcome.results)
    comp = outcome.results.components.copy()
    comp["coverage_intended"] = 0.6
    comp["security_coverage"] = 0.125
    comp["security_observed"] = 1
    comp["security_total"] = 8
    o.results.components = comp
    f = brief.facts(o, "CIV", year)
    head = f["headline"][0]
    assert head["coverage_kind"] == "intended" and head["coverage_pct"] == 60
    assert (head["security_observed"], head["security_total"]) == (1, 8)
    text, _, _ = _docx_text(brief.render(f, "docx", "en"))
    assert "Coverage (intended weight)" in text and "Security-sector evidence: 1 of 8 indicators." in text
    assert "60 %" in text
    civ = facts_by_unit["CIV"]["headline"][0]  # the real scores carry the columns: the headline uses them
    row = outcome.table(year).set_index("unit").loc["CIV"]
    assert civ["coverage_kind"] == "intended" and civ["coverage_pct"] == round(100 * row["coverage_intended"])
    assert (civ["security_observed"], civ["security_total"]) == (row["security_observed"], row["security_total"])


def test_a_slot_that_does_not_apply_is_not_listed_as_missing_evidence(outcome, facts_by_unit):
    """Military-emissions reporting is an Annex I duty: a non-Annex I brief does not list it as missing,
    an Annex I Party without a coded row does."""
    year = outcome.years[-1]
    civ = {i["id"] for i in facts_by_unit["CIV"]["coverage"]["missing"]}
    assert "military_emissions_reporting" not in civ and civ  # other slots without a row are still listed
    nor = {i["id"] for i in brief.facts(outcome, "NOR", year)["coverage"]["missing"]}
    assert "military_emissions_reporting" in nor


def test_hazard_layers_carry_their_own_data_year(outcome, facts_by_unit):
    """A layer read from the panel shows the year of its data (WDI low-elevation population 2015, INFORM
    Climate Change 2022), not the edition's hazard year, which max_age carries forward."""
    layers = {layer["id"]: layer for layer in facts_by_unit["TUV"]["hazards"]["layers"]}
    panel = outcome.panel
    wdi = panel[(panel["unit"] == "TUV") & (panel["variable"] == "wdi/EN.POP.EL5M.ZS")]["year"].max()
    assert layers["coastal_low_elevation"]["window"] == [int(wdi)] and int(wdi) <= 2015
    assert layers["informcc_risk_2050_pessimistic"]["window"] == [2022]


def test_expert_status_is_shown():
    item = {"kind": "expert", "status": "baseline", "imputed": False}
    assert bt.status_text(item, "en") == "unreviewed desk coding"
    assert bt.status_text({**item, "status": "disputed"}, "fr") == "contesté"


def test_a_bad_bilingual_name_is_a_located_error(tmp_path):
    from builders import write_framework

    from marc.method.loader import load_framework

    fw = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]})
    text = (fw / "p.yaml").read_text().replace("  name: p\n", "  name: {en: P, de: Q}\n")
    (fw / "p.yaml").write_text(text)
    with pytest.raises(MarcError) as err:
        load_framework(fw)
    problem = err.value.problems[0]
    assert problem.code == "bad-name" and "unknown language de" in problem.message and problem.line == 3
    (fw / "p.yaml").write_text(text.replace("{en: P, de: Q}", "{en: P, fr: Q}"))
    from marc.method.framework import name_in

    assert name_in(load_framework(fw).components["p"].name, "fr") == "Q"


def test_every_default_unit_and_name_has_french():
    """Units and names of the default framework are translated (a new indicator cannot leak English into a French brief)."""
    from pathlib import Path

    from marc.method.framework import name_in
    from marc.method.loader import load_framework

    fw = load_framework(Path(__file__).resolve().parents[1] / "indicators")
    same = {"", "%", "0/1"}  # the same in both languages (expert slots declare a scale, not a unit)
    missing = sorted({i.unit for i in fw.indicators if i.unit not in same and i18n.tr(i.unit, "fr", "unit") == i.unit})
    assert not missing, missing
    untranslated = sorted(i.id for i in fw.indicators if name_in(i.name, "fr") == name_in(i.name, "en"))
    assert not untranslated, untranslated


def test_admin1_note_names_unnamed_areas_and_counts_people():
    """Natural Earth's unassigned parts ("KIR+99?") read as an unnamed area; small populations are counted
    in people (two significant figures), not as "0.0 million"."""
    from marc.reporting import brief_blocks
    from marc.reporting import subnational_brief as sb

    assert sb._people(7321.0) == 7300 and sb._people(128_874.0) == 130_000 and sb._people(None) is None
    f = {"admin1": {"vintage": "Natural Earth 4.0 (2017)", "view": "", "n_units": 2, "n_zero": 0, "regions": [],
                    "disabled": [], "top": [{"name": None, "unit": "KIR+99?", "exposure": 33.3, "population": 7300},
                                            {"name": "Kiribati", "unit": "KIR+00?", "exposure": 29.9, "population": 130_000}]}}
    for lang, want in (("en", "unnamed area (KIR+99?) 33.3 (7,300 people); Kiribati 29.9 (130,000 people)"),
                       ("fr", "zone sans nom (KIR+99?) 33,3 (7\u202f300 habitants)")):
        note = brief_blocks.admin1_blocks(f, brief.messages(lang), lang, chart=False)[-1].text
        assert want in note, note
