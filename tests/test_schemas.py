"""The JSON Schemas in docs/ are the ones the validating models generate, and editors find them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marc.cli.framework import json_schemas

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["framework", "index", "hazards", "sources"])
def test_published_schema_is_up_to_date(name):
    published = json.loads((REPO / "docs" / f"{name}.schema.json").read_text())
    assert published == json.loads(json.dumps(json_schemas()[name])), f"run `marc schema --out docs` to refresh {name}"


@pytest.mark.parametrize("path", sorted((REPO / "indicators").glob("*.yaml")) + [REPO / "data" / "sources.yaml"],
                         ids=lambda p: p.name)
def test_yaml_files_point_editors_at_an_existing_schema(path):
    first = path.read_text().splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    target = (path.parent / first.split("$schema=", 1)[1].strip()).resolve()
    assert target.exists(), target
