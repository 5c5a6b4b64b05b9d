"""Adversarial inputs, classes 2-4 (resource limits, numeric hygiene, framework edge cases).

Each case breaks a freshly built framework in one way and checks, through the library
(``load_framework``) and through the CLI (``marc validate``): the located message
(file:line:column and code), exit code 2 with no traceback, and that no file of the framework
changed (sha256 of every file before and after)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from builders import add_expert_slot, write_framework

from marc.core.errors import MarcError
from marc.method.loader import load_framework

REPO = Path(__file__).resolve().parents[2]

BOMB = "".join(f"l{k}: &l{k} [" + ", ".join([f"*l{k - 1}"] * 9 if k else ['"lol"'] * 9) + "]\n" for k in range(9))


def fw(tmp: Path) -> Path:
    root = write_framework(tmp / "fw", {"p": [{"id": "a"}, {"id": "b"}]})
    add_expert_slot(root / "p.yaml", "slot")
    return root


def sub(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, count))


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def line_of(path: Path, needle: str) -> int:
    return next(k for k, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def col_of(path: Path, needle: str) -> int:
    return next(line.index(needle) + 1 for line in path.read_text().splitlines() if needle in line)


# Each case: (name, mutate(root) -> (file, line, column, code)).  Line/column 0 = the file itself.
def c_bomb(root):
    append(root / "p.yaml", "x_" + BOMB.replace("\nl", "\nx_l"))  # an unknown key, but the bomb must fail first
    p = root / "p.yaml"
    return p, line_of(p, "x_l1:"), 12, "alias-bomb"  # the first alias


def c_deep(root):
    append(root / "p.yaml", "deep: " + "[" * 80 + "]" * 80 + "\n")
    p = root / "p.yaml"
    return p, line_of(p, "deep:"), 6 + 64, "too-deep"


def c_aliases(root):
    p = root / "p.yaml"
    append(p, "anchor: &v 1\nmany: [" + ", ".join(["*v"] * 1200) + "]\n")
    return p, line_of(p, "many:"), 8 + 4 * 1000, "too-many-aliases"


def c_big_file(root):
    p = root / "p.yaml"
    append(p, "# " + "x" * (2 * 1024 * 1024) + "\n")
    return p, 1, 1, "too-large"


def c_long_expression(root):
    p = root / "p.yaml"
    sub(p, "source: custom/a", 'expression: "' + " + ".join(["[custom/a]"] * 200) + '"')
    return p, line_of(p, "expression:"), 18 + 2000, "expression-syntax"


def c_deep_expression(root):
    p = root / "p.yaml"
    sub(p, "source: custom/a", "expression: " + "(" * 60 + "[custom/a]" + ")" * 60)
    return p, line_of(p, "expression:"), 17 + 40, "expression-syntax"  # the 41st bracket


def c_nan_weight(root):
    p = root / "p.yaml"
    sub(p, "    weight: 1\n", "    weight: .nan\n")
    return p, line_of(p, "weight: .nan"), 5, "non-finite"


def c_inf_goalpost(root):
    p = root / "p.yaml"
    sub(p, "max: 100}", "max: .inf}")
    return p, line_of(p, ".inf"), col_of(p, "max: .inf"), "non-finite"


def c_overflow_weight(root):
    p = root / "p.yaml"
    sub(p, "    weight: 1\n", "    weight: 1e400\n")
    return p, line_of(p, "1e400"), 5, "non-finite"


def c_huge_goalpost(root):
    p = root / "p.yaml"
    sub(p, "min: 0,", "min: -1e30,")
    return p, line_of(p, "-1e30"), col_of(p, "min: -1e30"), "too-large"


def c_bool_weight(root):
    p = root / "p.yaml"
    sub(p, "    weight: 1\n", "    weight: true\n")
    return p, line_of(p, "weight: true"), 5, "wrong-type"


def c_arabic_digits(root):
    p = root / "p.yaml"
    sub(p, "    weight: 1\n", "    weight: ١٢\n")
    return p, line_of(p, "١٢"), 5, "wrong-type"


def c_string_number(root):
    p = root / "p.yaml"
    sub(p, "max: 100}", 'max: "100"}')
    return p, line_of(p, '"100"'), col_of(p, 'max: "100"'), "wrong-type"


def c_nan_threshold(root):
    p = root / "index.yaml"
    sub(p, "min_coverage: 0.0", "min_coverage: .NaN")
    return p, line_of(p, ".NaN"), 3, "non-finite"


def c_editions_empty(root):
    p = root / "index.yaml"
    sub(p, "editions: {first: 2000, last: 2005}", "editions: {first: 2005, last: 2000}")
    return p, line_of(p, "editions:"), 1, "editions-empty"


def c_all_weights_zero(root):
    p = root / "p.yaml"
    text = p.read_text().replace("    weight: 1\n", "    weight: 0\n")
    p.write_text(text + "    weight: 0\n")  # the expert slot, last in the file, too
    return p, line_of(p, "  id: p"), 3, "all-weights-zero"


def c_pillar_weights_zero(root):
    p = root / "p.yaml"
    sub(p, "  weight: 1\n", "  weight: 0\n")  # the only pillar weighs 0: the index has nothing to average
    return root / "index.yaml", 3, 3, "all-weights-zero"


def c_folder_as_yaml(root):
    (root / "q.yaml").mkdir()
    return root / "q.yaml", 1, 1, "not-a-file"


def c_index_is_folder(root):
    (root / "index.yaml").unlink()
    (root / "index.yaml").mkdir()
    return root / "index.yaml", 1, 1, "not-a-file"


def c_symlink_loop(root):
    os.symlink(root / "loop.yaml", root / "loop.yaml")
    return root / "loop.yaml", 1, 1, "unreadable"


def c_expert_folder(root):
    (root / "expert" / "slot.csv").mkdir(parents=True)
    return root / "expert" / "slot.csv", 1, 1, "not-a-file"


def c_custom_folder(root):
    (root / "custom" / "c.csv").mkdir(parents=True)
    return root / "custom" / "c.csv", 1, 1, "not-a-file"


def c_custom_inf(root):
    (root / "custom").mkdir()
    (root / "custom" / "c.csv").write_text("unit,year,value\nKEN,2003,1\nNOR,2003,inf\n")
    return root / "custom" / "c.csv", 0, 0, "non-finite"


def c_custom_overflow(root):
    (root / "custom").mkdir()
    (root / "custom" / "c.csv").write_text("unit,year,value\nKEN,2003,1e999\n")
    return root / "custom" / "c.csv", 0, 0, "non-finite"


def c_custom_too_large(root):
    (root / "custom").mkdir()
    (root / "custom" / "c.csv").write_text("unit,year,value\n" + "KEN,2003,1\n" * 600_000)
    return root / "custom" / "c.csv", 0, 0, "too-large"


CASES = {
    # class 2: resource limits
    "2-billion-laughs": c_bomb, "2-nesting-depth": c_deep, "2-alias-count": c_aliases, "2-file-size": c_big_file,
    "2-expression-length": c_long_expression, "2-expression-depth": c_deep_expression, "2-custom-csv-size": c_custom_too_large,
    # class 3: numeric hygiene
    "3-nan-weight": c_nan_weight, "3-inf-goalpost": c_inf_goalpost, "3-overflow-weight": c_overflow_weight,
    "3-huge-goalpost": c_huge_goalpost, "3-bool-weight": c_bool_weight, "3-arabic-digits": c_arabic_digits,
    "3-string-number": c_string_number, "3-nan-threshold": c_nan_threshold, "3-custom-inf": c_custom_inf,
    "3-custom-overflow": c_custom_overflow,
    # class 4: framework edge cases
    "4-editions-empty": c_editions_empty, "4-all-weights-zero": c_all_weights_zero,
    "4-pillar-weights-zero": c_pillar_weights_zero, "4-folder-as-yaml": c_folder_as_yaml,
    "4-index-is-folder": c_index_is_folder, "4-symlink-loop": c_symlink_loop, "4-expert-csv-folder": c_expert_folder,
    "4-custom-csv-folder": c_custom_folder,
}


def hashes(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[p.relative_to(root).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def where(file: Path, line: int, col: int) -> str:
    return f"{file}" + (f":{line}" if line else "") + (f":{col}" if line and col else "")


@pytest.mark.parametrize("name", sorted(CASES))
def test_adversarial_input(name, tmp_path):
    root = fw(tmp_path)
    file, line, col, code = CASES[name](root)
    before = hashes(root)
    with pytest.raises(MarcError) as err:  # the library
        load_framework(root)
    rendered = err.value.render()
    assert f"{where(file, line, col)}: [{code}]" in rendered, rendered[:3000]
    run = subprocess.run([sys.executable, "-m", "marc", "validate", str(root)], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stderr and f"{where(file, line, col)}: [{code}]" in run.stderr, run.stderr[:3000]
    assert hashes(root) == before  # nothing written, nothing lost


def test_editions_after_the_data_are_located_through_score(tmp_path):
    """Class 4: editions whose range holds no year of data (no `last`): located through `marc score`."""
    import pandas as pd

    root = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]})
    sub(root / "index.yaml", "editions: {first: 2000, last: 2005}", "editions: {first: 2030}")
    panel = tmp_path / "panel.csv"
    pd.DataFrame({"unit": ["KEN"], "year": [2003], "variable": ["custom/a"], "value": [1.0], "source": ["t"]}).to_csv(panel, index=False)
    before = hashes(root)
    out = tmp_path / "out.csv"
    run = subprocess.run([sys.executable, "-m", "marc", "score", "--framework", str(root), "--panel", str(panel),
                          "--out", str(out)], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 2 and f"{root / 'index.yaml'}:7:12: [editions-empty]" in run.stderr, run.stderr
    assert not out.exists() and hashes(root) == before


def test_oversized_expert_csv_is_refused_before_reading(tmp_path):
    """Class 2: the expert CSV size limit (the custom one is in the table above)."""
    root = fw(tmp_path)
    (root / "expert").mkdir()
    path = root / "expert" / "slot.csv"
    path.write_text("unit,year,value,evidence_url,coder,date,confidence\n" + "KEN,2003,1,https://x.org,a,2020-01-01,low\n" * 140_000)
    before = hashes(root)
    with pytest.raises(MarcError) as err:
        load_framework(root)
    assert f"{path}: [too-large]" in err.value.render()
    run = subprocess.run([sys.executable, "-m", "marc", "validate", str(root)], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 2 and f"{path}: [too-large]" in run.stderr and "Traceback" not in run.stderr
    assert hashes(root) == before


def test_expert_value_too_large_for_a_number_is_located(tmp_path):
    """Class 3, found by `make fuzz` (body ',,1e999'): the expert reader's int(float('1e999')) overflowed.
    The loader turns it into a problem at the file; LEAD: marc.method.evidence.validate_expert_rows should also
    catch OverflowError beside ValueError (line `value = int(float(...))`) to give the row."""
    root = fw(tmp_path)
    (root / "expert").mkdir()
    path = root / "expert" / "slot.csv"
    path.write_text("unit,year,value,evidence_url,coder,date,confidence\nKEN,2003,1e999,https://x.org,a,2020-01-01,low\n")
    before = hashes(root)
    with pytest.raises(MarcError) as err:
        load_framework(root)
    assert f"{path}" in err.value.render() and "[bad-value]" in err.value.render()
    run = subprocess.run([sys.executable, "-m", "marc", "validate", str(root)], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 2 and f"{path}" in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert hashes(root) == before
