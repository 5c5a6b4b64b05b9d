"""Schema versions and ``marc migrate`` (issue 15, item 7) on folders written here."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest
from builders import add_expert_slot, write_framework

from marc.core.errors import MarcError
from marc.method.framework import SCHEMA_VERSION
from marc.method.loader import load_framework
from marc.method.migrate import declared_version, migrate

OLD_EXPERT = "unit,year,value,evidence_url,coder,date,confidence\nKEN,2004,2,https://example.org/a,ana,2024-01-02,high\n"


def old_folder(tmp_path):
    root = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]}, first=2004, last=2004)
    add_expert_slot(root / "p.yaml", "doctrine")
    (root / "expert").mkdir()
    (root / "expert" / "doctrine.csv").write_text(OLD_EXPERT)
    return root


def test_an_old_folder_loads_with_warnings_and_reads_as_approved(tmp_path):
    fw = load_framework(old_folder(tmp_path))
    assert len(fw.warnings) == 2
    assert "schema_version 1" in fw.warnings[0] and "marc migrate" in fw.warnings[0]
    assert "doctrine.csv: no status column" in fw.warnings[1]
    assert fw.expert_rows["status"].tolist() == ["approved"]


def test_migrate_stamps_keeps_comments_and_backs_up(tmp_path):
    root = old_folder(tmp_path)
    before = (root / "index.yaml").read_text()
    result = migrate(root)
    after = (root / "index.yaml").read_text()
    assert result.from_version == 1 and result.to_version == SCHEMA_VERSION == 2
    assert after == before.replace("index:\n", f"schema_version: {SCHEMA_VERSION}\nindex:\n", 1)
    assert after.startswith("# a test framework\n")  # the leading comment stays first
    assert declared_version(after) == 2
    csv_text = (root / "expert" / "doctrine.csv").read_text()
    assert csv_text.splitlines()[0].endswith(",status,reviewer,review_date,note,review_note")
    row = csv_text.splitlines()[1].split(",")
    assert row[:8] == ["KEN", "2004", "2", "https://example.org/a", "ana", "2024-01-02", "high", "approved"]
    assert row[8] == "schema 1 (no review recorded)" and row[9] == date.today().isoformat() and row[10] == ""
    assert row[11].startswith("approved under schema 1")
    assert len(result.backups) == 2 and all(b.parent.name == ".backups" for b in result.backups)
    assert sorted(b.read_text() for b in result.backups) == sorted([before, OLD_EXPERT])
    fw = load_framework(root)
    assert fw.warnings == [] and fw.expert_rows["status"].tolist() == ["approved"]
    assert migrate(root).changed == []  # idempotent


def test_migrate_dry_run_writes_nothing_and_newer_is_refused(tmp_path):
    root = old_folder(tmp_path)
    before = (root / "index.yaml").read_text()
    assert len(migrate(root, dry_run=True).changed) == 2 and (root / "index.yaml").read_text() == before
    (root / "index.yaml").write_text(f"schema_version: {SCHEMA_VERSION + 1}\n" + before)
    with pytest.raises(MarcError) as err:
        migrate(root)
    assert err.value.problems[0].code == "schema-newer"
    with pytest.raises(MarcError) as err:
        load_framework(root)
    assert err.value.problems[0].line == 1 and err.value.problems[0].file.endswith("index.yaml")


def test_cli_migrate_and_warning(tmp_path):
    root = old_folder(tmp_path)
    run = subprocess.run([sys.executable, "-m", "marc", "migrate", str(root)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "schema version 1 -> 2" in " ".join(run.stdout.split())
    assert (root / "index.yaml").read_text().count("schema_version: 2") == 1
