"""The corpus of broken framework files: each gives one located message with the right code,
through the library and through ``marc validate`` (exit 2, no traceback)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from marc.core.errors import MarcError
from marc.method.loader import load_framework

BROKEN = Path(__file__).parent / "broken"
BASE_INDEX = "index:\n  id: readiness\n  name: Readiness\n"
BASE_PILLAR = """\
pillar: {id: base, name: Base}
indicators:
  - id: population
    name: Population
    source: wdi/SP.POP.TOTL
    direction: higher_is_better
    normalise: {method: goalposts, min: 0, max: 1}
"""

# file in the corpus -> (file the problem is reported in, line, column, code)
EXPECTED = {
    "bad_id.yaml": (None, 3, 5, "bad-value"),
    "bad_variable_format.yaml": (None, 5, 5, "bad-value"),
    "change_zero_years.yaml": (None, 7, 26, "out-of-range"),
    "derived_cycle.yaml": (None, 10, 5, "cycle"),
    "direction_no_is_a_string.yaml": (None, 6, 5, "bad-value"),
    "duplicate_id.yaml": (None, 3, 5, "duplicate-id"),
    "duplicate_key.yaml": (None, 5, 3, "duplicate-key"),
    "duplicate_key_nested.yaml": (None, 10, 7, "duplicate-key"),
    "expert_without_scale.yaml": (None, 3, 5, "expert-scale"),
    "expression_syntax.yaml": (None, 5, 61, "expression-syntax"),
    "expression_unknown_reference.yaml": (None, 5, 5, "unknown-reference"),
    "goalposts_equal.yaml": (None, 7, 5, "goalposts-order"),
    "goalposts_order.yaml": (None, 7, 5, "goalposts-order"),
    "index__coverage_out_of_range.yaml": ("index.yaml", 4, 3, "out-of-range"),
    "index__duplicate_pillar_id.yaml": ("base.yaml", 1, 10, "duplicate-id"),
    "log_of_absent_zero.yaml": (None, 3, 5, "log-nonpositive"),
    "log_of_signed_variable.yaml": (None, 7, 5, "log-nonpositive"),
    "missing_name.yaml": (None, 3, 5, "missing-key"),
    "negative_weight_indicator.yaml": (None, 8, 5, "negative-weight"),
    "negative_weight_pillar.yaml": (None, 4, 3, "negative-weight"),
    "normalise_without_method.yaml": (None, 7, 5, "missing-key"),
    "source_and_expression.yaml": (None, 3, 5, "source-or-expression"),
    "syntax_bad_indent.yaml": (None, 4, 2, "yaml-syntax"),
    "syntax_tab.yaml": (None, 3, 1, "yaml-syntax"),
    "syntax_unclosed_bracket.yaml": (None, 5, 11, "yaml-syntax"),
    "two_transforms.yaml": (None, 7, 5, "transform-conflict"),
    "missing_then_without_carry_forward.yaml": (None, 7, 5, "missing-then"),
    "unknown_dataset.yaml": (None, 5, 5, "unknown-variable"),
    "unknown_direction.yaml": (None, 6, 5, "bad-value"),
    "unknown_key_indicator.yaml": (None, 8, 5, "unknown-key"),
    "unknown_key_pillar.yaml": (None, 4, 3, "unknown-key"),
    "unknown_normalise_method.yaml": (None, 7, 5, "bad-value"),
    "unknown_parent.yaml": (None, 5, 5, "unknown-parent"),
    "unknown_top_level.yaml": (None, 2, 1, "unknown-key"),
    "wrong_type_indicators.yaml": (None, 2, 1, "wrong-type"),
    "wrong_type_weight.yaml": (None, 8, 5, "wrong-type"),
}


def _framework_with(tmp_path: Path, case: str) -> tuple[Path, str]:
    folder = tmp_path / "fw"
    folder.mkdir()
    (folder / "index.yaml").write_text(BASE_INDEX)
    (folder / "base.yaml").write_text(BASE_PILLAR)
    target = "index.yaml" if case.startswith("index__") else case
    shutil.copy(BROKEN / case, folder / target)
    return folder, target


def test_corpus_is_complete():
    files = {p.name for p in BROKEN.glob("*.yaml")}
    assert len(files) >= 25
    assert files == set(EXPECTED), "every broken file needs an expectation, and every expectation a file"


def test_base_framework_is_valid(tmp_path):
    folder = tmp_path / "fw"
    folder.mkdir()
    (folder / "index.yaml").write_text(BASE_INDEX)
    (folder / "base.yaml").write_text(BASE_PILLAR)
    fw = load_framework(folder)
    assert [i.id for i in fw.indicators] == ["population"]


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_broken_file_gives_one_located_error(tmp_path, case):
    folder, target = _framework_with(tmp_path, case)
    with pytest.raises(MarcError) as info:
        load_framework(folder)
    problems = info.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    (p,) = problems
    file, line, column, code = EXPECTED[case]
    assert Path(p.file).name == (file or target)
    assert (p.line, p.column, p.code) == (line, column, code), str(p)
    assert p.message and "Traceback" not in p.message


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_cli_validate_exits_2_with_one_located_message(tmp_path, case, monkeypatch, capsys):
    from marc.cli import main

    folder, target = _framework_with(tmp_path, case)
    monkeypatch.setattr(sys, "argv", ["marc", "validate", str(folder)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    file, line, column, code = EXPECTED[case]
    located = [ln for ln in err.splitlines() if ": [" in ln]
    assert len(located) == 1 and f"{file or target}:{line}:{column}: [{code}]" in located[0], err
    assert "Traceback" not in err


def test_cli_validate_in_a_subprocess_prints_no_traceback(tmp_path):
    folder, target = _framework_with(tmp_path, "duplicate_key.yaml")
    run = subprocess.run([sys.executable, "-m", "marc", "validate", str(folder)], capture_output=True, text=True)
    assert run.returncode == 2
    assert f"{target}:5:3: [duplicate-key]" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout


def test_all_problems_reported_at_once(tmp_path):
    folder, _ = _framework_with(tmp_path, "negative_weight_indicator.yaml")
    shutil.copy(BROKEN / "unknown_direction.yaml", folder / "unknown_direction.yaml")
    with pytest.raises(MarcError) as info:
        load_framework(folder)
    assert sorted(p.code for p in info.value.problems) == ["bad-value", "negative-weight"]
