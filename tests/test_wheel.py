"""The built wheel works on its own (issue 17): package data (the gettext catalogues) moves with the code, and
``marc pull`` + ``marc score`` run from a fresh virtual environment that holds the wheel, not the source tree.

Build: ``pip wheel --no-deps --no-build-isolation`` on a copy of the project (no network; needs ``setuptools`` and
``wheel`` in the running environment).  The fresh environment gets the wheel's dependencies from the running
environment's site-packages through a ``.pth`` line (no download), and runs from a project folder holding only
``data/sources.yaml`` and ``indicators/``.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.integration


def _run(args: list, cwd: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    for build_dep in ("setuptools", "wheel"):  # dev extras; without them the wheel cannot be built offline
        pytest.importorskip(build_dep, reason=f"building the wheel offline needs {build_dep} (pip install -e '.[dev]')")
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    shutil.copytree(REPO / "marc", src / "marc", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", out],
         cwd=src, env={**os.environ, "PIP_NO_INPUT": "1"})
    (built,) = out.glob("marc-*.whl")
    return built


def test_the_wheel_carries_the_code_and_the_catalogues(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for lang in ("en", "fr"):
        assert f"marc/core/locales/{lang}/LC_MESSAGES/marc.po" in names
    for module in ("marc/core/moved.py", "marc/data/readers/wdi.py", "marc/scoring/engine.py", "marc/sources.py",
                   "marc/readers/__init__.py", "marc/cli/__init__.py", "marc/py.typed"):
        assert module in names, module
    assert not [n for n in names if n.startswith(("tests/", "indicators/", "data/"))]


def test_marc_pull_and_score_from_a_fresh_environment(wheel, mirror, tmp_path):
    venv = tmp_path / "venv"
    _run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", venv], cwd=tmp_path, env=dict(os.environ))
    python = venv / "bin" / "python"
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path,
                        dict(os.environ)).stdout.strip())
    (purelib / "_marc_test_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")  # dependencies, no download
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel], tmp_path,
         dict(os.environ))

    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    shutil.copy2(REPO / "data" / "sources.yaml", project / "data" / "sources.yaml")
    shutil.copytree(REPO / "indicators", project / "indicators")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "MARC_"))}
    env["MARC_PARSE_CACHE"] = "off"

    where = _run([python, "-c", "import marc, marc.core.i18n as i; print(marc.__file__); print(i.LOCALES); "
                  "print(i.t('rank_none', 'fr'))"], project, env).stdout.splitlines()
    assert Path(where[0]).is_relative_to(venv) and Path(where[1]).is_relative_to(venv), where  # never the source tree
    assert where[2] == "non classé"

    marc = venv / "bin" / "marc"
    _run([marc, "pull", "--mirror", mirror], project, env)
    assert (project / "data" / "cache" / "wb_wgi").is_dir() and (project / "data" / "sources.lock").is_file()
    _run([marc, "score", "--out", project / "x.csv"], project, env)
    scores = pd.read_csv(project / "x.csv")
    assert len(scores) == 195 and scores["unit"].is_unique
    assert {"readiness", "rank", "mitigation", "adaptation", "response", "cooperation", "governance"} <= set(scores.columns)
    ready = scores["readiness"].dropna()
    assert len(ready) >= 150 and ready.between(0, 100).all()
    assert scores.set_index("unit").loc["FRA", "name"] == "France"

    _run([marc, "schema", "--out", project / "schema"], project, env)
    assert '"$defs"' in (project / "schema" / "framework.schema.json").read_text()
