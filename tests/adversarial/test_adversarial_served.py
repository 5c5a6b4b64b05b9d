"""Class 8, served safely: the role checks through Streamlit's AppTest with a configured user (the
Framework and Evidence pages on the real data), the pure role functions, and `marc access`."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from marc.core.errors import MarcError
from marc.reporting import access

REPO = Path(__file__).resolve().parents[2]
PAGES = REPO / "marc_app" / "pages"
sys.path.insert(0, str(REPO))
SIGNIN = {"editing": "signin", "editors": ["Editor@Example.org"], "reviewers": ["reviewer@example.org"]}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): sha(p) for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------------- pure role functions
def test_default_mode_follows_the_bind_address():
    assert access.load_config({}, "127.0.0.1", env={}).mode == "local"
    assert access.load_config({}, "0.0.0.0", env={}).mode == "off"
    assert access.load_config({}, None, env={}).mode == "off"  # streamlit's default binds every interface
    assert access.load_config({"editing": "local"}, "0.0.0.0", env={"MARC_EDITING": "off"}).mode == "off"


def test_roles_from_configuration():
    cfg = access.load_config(SIGNIN, "0.0.0.0", env={})
    assert access.resolve(cfg, {}).needs_signin and access.resolve(cfg, {}).read_only
    assert access.resolve(cfg, {"is_logged_in": True, "email": "editor@example.org"}).role == "editor"
    assert access.resolve(cfg, {"is_logged_in": True, "email": "REVIEWER@example.org"}).role == "reviewer"
    assert access.resolve(cfg, {"is_logged_in": True, "email": "someone@example.org"}).role == "viewer"
    unverified = {"is_logged_in": True, "email": "editor@example.org", "email_verified": False}
    assert access.resolve(cfg, unverified).role == "viewer"
    rev = access.resolve(cfg, {"is_logged_in": True, "email": "reviewer@example.org"})
    assert rev.can("evidence") and not rev.can("framework")


@pytest.mark.parametrize("section, where", [({"editing": "open"}, "[marc] editing"),
                                            ({"editing": "signin"}, "[marc] editors"),
                                            ({"editing": "signin", "editors": [3]}, "[marc] editors")])
def test_bad_access_configuration_is_located(section, where, tmp_path):
    with pytest.raises(MarcError) as err:
        access.load_config(section, "0.0.0.0", env={})
    assert err.value.problems[0].file == where and err.value.problems[0].code == "bad-config"
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("[marc]\n" + "".join(f"{k} = {v!r}\n".replace("'", '"') for k, v in section.items()))
    before = sha(secrets)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARC_EDIT")}
    run = subprocess.run([sys.executable, "-m", "marc", "access", "--secrets", str(secrets), "--address", "0.0.0.0"],
                         capture_output=True, text=True, env={**env, "PYTHONPATH": str(REPO)})
    assert run.returncode == 2 and where in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert sha(secrets) == before


def test_signin_mode_without_an_auth_section_is_refused_by_the_cli(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[marc]\nediting = "signin"\neditors = ["a@example.org"]\n')
    run = subprocess.run([sys.executable, "-m", "marc", "access", "--secrets", str(secrets), "--address", "0.0.0.0"],
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 2 and f"{secrets}: [bad-config]" in run.stderr


def test_uploads_are_limited_in_size_and_type():
    access.check_upload("values.csv", 1000, "custom")
    with pytest.raises(MarcError) as err:
        access.check_upload("values.xlsx", 1000, "custom")
    assert err.value.problems[0].code == "bad-upload-type" and err.value.problems[0].file == "values.xlsx"
    with pytest.raises(MarcError) as err:
        access.check_upload("values.csv", access.MAX_UPLOAD_BYTES + 1, "custom")
    assert err.value.problems[0].code == "too-large"
    config = (REPO / ".streamlit" / "config.toml").read_text()
    assert "maxUploadSize = 5" in config and 'address = "127.0.0.1"' in config


# ------------------------------------------------------------------------------- AppTest
@pytest.fixture()
def served(real_data, tmp_path, monkeypatch):
    dest = tmp_path / "indicators"
    shutil.copytree(REPO / "indicators", dest, ignore=shutil.ignore_patterns(".backups"))
    monkeypatch.setenv("MARC_FRAMEWORK_DIR", str(dest))
    for var in ("MARC_EDITING", "MARC_EDITORS", "MARC_REVIEWERS"):
        monkeypatch.delenv(var, raising=False)
    return dest


def app_page(name: str, *, secrets: dict | None = None, user: dict | None = None, **state):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=300)
    if secrets is not None:
        at.secrets["marc"] = secrets
    if user is not None:
        at.user = user
    for k, v in state.items():
        at.session_state[k] = v
    return at.run()


def keys(at) -> set[str]:
    return {b.key for b in at.button}


@pytest.mark.integration
@pytest.mark.parametrize("secrets, user, expect", [
    ({"editing": "off"}, None, "not enabled on this server"),
    (SIGNIN, {"is_logged_in": False}, "sign in"),
    (SIGNIN, {"is_logged_in": True, "email": "someone@example.org"}, "someone@example.org"),
    (SIGNIN, {"is_logged_in": True, "email": "reviewer@example.org"}, "not listed as an editor"),
])
def test_framework_page_is_read_only_unless_editor(served, secrets, user, expect):
    before = folder_hashes(served)
    at = app_page("framework", secrets=secrets, user=user)
    assert not at.exception, [e.value for e in at.exception]
    assert "fw_save" not in keys(at) and "custom_save" not in keys(at)
    assert any(expect.lower() in i.value.lower() for i in at.info), [i.value for i in at.info]
    assert folder_hashes(served) == before


@pytest.mark.integration
def test_framework_page_editor_can_save(served):
    at = app_page("framework", secrets=SIGNIN, user={"is_logged_in": True, "email": "editor@example.org"})
    assert "fw_save" in keys(at)
    before = sha(served / "adaptation.yaml")
    [s for s in at.slider if "Indicator:" in s.label][0].set_value(3.0).run()
    at.button(key="fw_save").click().run()
    assert not at.exception
    assert sha(served / "adaptation.yaml") != before


@pytest.mark.integration
@pytest.mark.parametrize("user, writes", [({"is_logged_in": False}, False),
                                          ({"is_logged_in": True, "email": "someone@example.org"}, False),
                                          ({"is_logged_in": True, "email": "reviewer@example.org"}, True)])
def test_evidence_page_saves_only_for_editors_and_reviewers(served, user, writes):
    before = folder_hashes(served)
    at = app_page("evidence", secrets=SIGNIN, user=user, country="KEN")
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="ev_indicator").set_value("defence_climate_strategy")
    at.run()
    at.radio(key="ev_level").set_value(2)
    at.text_input(key="ev_url").input("https://example.org/evidence")
    at.text_input(key="ev_coder").input("test coder")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert (folder_hashes(served) != before) is writes
