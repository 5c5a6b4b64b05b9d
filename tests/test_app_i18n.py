"""The app's French interface (issue 13): every app string comes from the gettext catalogues, and
every page opened with ``?lang=fr`` speaks French.

The catalogue checks need no data; the page checks run the real pages (Streamlit's AppTest) on the
real data and a temporary copy of the framework, and skip when the data mirror is absent."""

from __future__ import annotations

import re
import string
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # marc_app sits beside marc/ (as `streamlit run app.py` sees it)

from marc.core import i18n

PAGES = REPO / "marc_app" / "pages"
#: where app messages are used: the app, and the library modules that draw its charts and tables
SOURCES = [REPO / "app.py", *sorted((REPO / "marc_app").rglob("*.py")),
           *(REPO / "marc" / f"{m}.py" for m in ("reporting/charts", "reporting/webmap", "reporting/views", "reporting/profile",
                                                  "analysis/explain", "reporting/subnational_charts"))]
KEY = re.compile(r"""["'](app_[a-z0-9_]+)["']""")
#: French texts that are rightly the same as the English ones (codes, proper nouns, words shared by both languages)
SAME_IN_FRENCH = {"app_axis_score_100", "app_col_citation", "app_col_contribution", "app_col_iso3", "app_col_population",
                  "app_col_quadrant", "app_col_score", "app_col_source", "app_data_col_id", "app_data_col_licence",
                  "app_data_col_variables", "app_error_at", "app_error_in", "app_ev_date", "app_ev_note", "app_export_format",
                  "app_fw_col_variable", "app_fw_csv", "app_fw_tab_yaml", "app_fw_yaml"}


def app_messages(lang: str) -> dict[str, str]:
    return {m.id: m.string for m in i18n.catalogue(lang) if m.id and not m.context and m.id.startswith("app_")}


def used_keys() -> dict[str, set[str]]:
    """app_ key -> the files that use it."""
    out: dict[str, set[str]] = {}
    for path in SOURCES:
        for key in KEY.findall(path.read_text(encoding="utf-8")):
            out.setdefault(key, set()).add(str(path.relative_to(REPO)))
    return out


def test_every_app_key_used_is_in_both_catalogues_and_translated():
    used = used_keys()
    assert len(used) > 250  # the check has teeth: the app's strings really go through the catalogues
    en, fr = app_messages("en"), app_messages("fr")
    missing = {lang: sorted(k for k in used if not cat.get(k)) for lang, cat in (("en", en), ("fr", fr))}
    assert missing == {"en": [], "fr": []}, missing
    untranslated = sorted(k for k in used if fr[k] == en[k] and k not in SAME_IN_FRENCH)
    assert not untranslated, untranslated
    unused = sorted(set(en) - set(used))
    assert not unused, f"catalogue messages no page uses: {unused}"


def test_french_app_messages_follow_french_typography():
    """A no-break space before : and a narrow one before ; ! ? and %, « » with inner spaces; never "..."."""
    for key, text in app_messages("fr").items():
        literal = re.sub(r"`[^`]*`", "", "".join(lit for lit, *_ in string.Formatter().parse(text)))  # code stays code
        assert not re.search(r"[^\s\u00a0\u202f`(\[][;!?]", literal.replace("…", "")), (key, text)
        assert not re.search(r" [:;!?%]", literal), (key, text)  # a plain space would break the line before the mark
        assert not re.search(r"\w:(?![/\w`])", literal.replace("1:50m", "")), (key, text)  # "mot:" without a space
        assert '"' not in literal and "..." not in literal, (key, text)


def test_placeholders_agree_between_languages():
    en, fr = app_messages("en"), app_messages("fr")
    for key in en:
        fields = {f for _, f, _, _ in string.Formatter().parse(en[key]) if f}
        assert fields == {f for _, f, _, _ in string.Formatter().parse(fr[key]) if f}, key


def test_library_pieces_of_the_app_speak_french():
    import pandas as pd

    from marc.reporting import webmap
    from marc.reporting.views import FILTERED, NO_DATA, Metric

    assert webmap.bivariate_words("E3-G1", "fr") == "exposition élevée, déficit de préparation faible"
    assert webmap.bivariate_words("E3-G1") == "high exposure, low readiness gap"
    assert webmap.bivariate_words(NO_DATA, "fr") == "Pas de données" and webmap.bivariate_words(FILTERED, "fr") == "Hors filtre"
    spec = webmap.choropleth_spec("g.json", Metric("readiness", "Préparation MARC", "score"), lang="fr")
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    # the metric's name travels with the values (one spec per metric kind), under a French title
    assert [t["title"] for t in spec["layer"][1]["encoding"]["tooltip"]][:4] == ["Pays", "Indicateur affiché", "Valeur", "Rang"]
    frame = pd.DataFrame({"unit": ["CIV"], "name": ["Côte d’Ivoire"], "value": [42.2], "rank": [1], "n_ranked": [1],
                          "data_year": [2024], "cls": ["40–60"], "rank_interval": [None]})
    assert webmap.choropleth_data(frame, [], "Préparation MARC")[webmap.VALUES][0]["metric"] == "Préparation MARC"
    legend = webmap.bivariate_legend_spec(lang="fr")
    assert legend["title"]["text"] == "Classe de priorité"
    assert {r["exposure"] for r in legend["data"]["values"]} == {"faible", "moyenne", "élevée"}
    from marc.reporting.profile import fmt_value

    assert fmt_value(1234.5, "%", lang="fr") == "1\u202f234\u202f%" and fmt_value(0.4123, lang="fr") == "0,412"
    assert fmt_value(0.4123) == "0.412" and fmt_value(True, lang="fr") == "oui"
    frame = pd.DataFrame({"unit": ["A"], "name": ["A"], "exposure": [1.0], "gap": [2.0], "bivariate": ["E1-G1"]})
    assert webmap.bivariate_data(frame, [], "fr")[webmap.VALUES][0]["words"] == "exposition faible, déficit de préparation faible"


# --- the pages, opened in French -------------------------------------------------------------------

def english_fragments() -> list[tuple[str, str]]:
    """(key, fragment) of the English app texts that French says differently (fragments of 2+ words and 8+
    characters: shorter ones, such as "in the", also occur in the library's English messages the app may show)."""
    en, fr = app_messages("en"), app_messages("fr")
    out = []
    for key, text in en.items():
        if text == fr[key]:
            continue
        for literal, *_ in string.Formatter().parse(text):
            for frag in re.split(r"[()\[\];:,.*`“”]", literal):
                frag = frag.strip()
                if len(frag) >= 8 and " " in frag and frag not in fr[key]:
                    out.append((key, frag))
    return out


def shown_text(at) -> list[str]:
    """Every label, heading, message and column heading a page shows (not the data cells)."""
    texts = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success"):
        texts += [str(e.value) for e in getattr(at, kind)]
    for kind in ("selectbox", "multiselect", "radio", "toggle", "checkbox", "button", "select_slider", "slider",
                 "text_input", "text_area", "number_input", "date_input", "metric", "expander", "tabs"):
        texts += [str(getattr(e, "label", "")) for e in getattr(at, kind)]
    for frame in at.dataframe:
        value = frame.value
        texts += [str(c) for c in getattr(value, "columns", [])]
    return [t for t in texts if t]


#: a French message each page must show (its title or a section heading)
FRENCH = {"map": "app_map_title_index", "country": "app_country_why", "rankings": "app_rank_title",
          "matrix": "app_matrix_title", "framework": "app_fw_validation", "evidence": "app_ev_title",
          "uncertainty": "app_unc_sensitivity", "export": "app_export_brief", "data": "app_data_title"}


@pytest.mark.integration
@pytest.mark.parametrize("name", list(FRENCH))
def test_each_page_in_french(fw_copy, name):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=300)
    at.query_params["lang"] = "fr"
    at.session_state["country"] = "MLI"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    texts = shown_text(at)
    assert i18n.t(FRENCH[name], "fr") in texts, texts[:20]
    frags = english_fragments()
    assert len(frags) > 200
    leaks = sorted({f"{k}: {frag}" for k, frag in frags for text in texts if frag in text})
    assert not leaks, leaks[:10]
    if name == "country":  # French numbers, names and country name
        assert at.title[0].value == "Mali"
        assert re.fullmatch(r"\d{1,3},\d", at.metric[0].value), at.metric[0].value
        assert at.metric[0].label == "Préparation MARC" and "Atténuation" in [m.label for m in at.metric]
        assert any("Afrique subsaharienne" in m.value for m in at.markdown)
        tables = {tuple(d.value.columns): d.value for d in at.dataframe}
        indicators = next(v for c, v in tables.items() if "Lien vers la source" in c)
        gaps = next(v for c, v in tables.items() if "Statut" in c)
        assert "Manque de capacité d’adaptation (ND-GAIN)" in set(indicators["Indicateur"])  # the YAML's French names
        assert set(indicators["Pilier"]) >= {"Atténuation", "Coopération"}
        assert set(gaps["Statut"]) <= {"manquant", "imputé", "reporté d’une année antérieure"} and len(gaps)
        assert not {"Women among police officers", "Social readiness (ND-GAIN)"} & (set(indicators["Indicateur"]) | set(gaps["Indicateur"]))
    if name == "map":
        options = set(at.selectbox(key="map_metric").options)  # the labels shown
        assert {"Préparation MARC", "Atténuation", "Exposition multi-aléas", "Priorité climat-sécurité"} <= options
        assert at.checkbox(key="map_ldc").label == "PMA uniquement"


@pytest.mark.integration
def test_language_choice_is_kept_in_the_url(fw_copy):
    """app.py: ?lang=fr opens the app in French; choosing English drops the parameter (English is the default)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.query_params["lang"] = "fr"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Carte de la préparation MARC"
    assert at.sidebar.radio(key="lang_choice").value == "fr" and at.query_params.get("lang") == "fr"
    at.sidebar.radio(key="lang_choice").set_value("en").run()
    assert at.title[0].value == "MARC readiness map"
    assert "lang" not in at.query_params
    at.sidebar.radio(key="lang_choice").set_value("fr").run()
    assert at.query_params.get("lang") == "fr" and at.title[0].value == "Carte de la préparation MARC"
