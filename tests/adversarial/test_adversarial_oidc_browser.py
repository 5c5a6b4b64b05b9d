"""Class 8, the sign-in round trip in a real browser: Streamlit's st.login against a local OIDC
provider (oidc-provider-mock, a real OIDC server on 127.0.0.1), then the role from [marc] editors.

Chromium (Playwright) opens the served app in signin mode: read-only with a Sign in button; it signs
in at the provider as an editor and comes back signed in, with the Save button drawn; a second
browser signs in as someone not listed and stays read-only."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture(scope="module")
def provider():
    mock = pytest.importorskip("oidc_provider_mock")
    pytest.importorskip("authlib")
    with mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def served_signin(real_data, provider, tmp_path_factory):
    from marc_app import browser as B

    if not Path(B.CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    pytest.importorskip("playwright")
    tmp = tmp_path_factory.mktemp("oidc")
    fw = tmp / "indicators"
    shutil.copytree(REPO / "indicators", fw, ignore=shutil.ignore_patterns(".backups"))
    port = B.free_port()
    secrets = tmp / "secrets.toml"
    secrets.write_text(
        '[marc]\nediting = "signin"\neditors = ["editor@example.org"]\n\n'
        f'[auth]\nredirect_uri = "http://localhost:{port}/oauth2callback"\ncookie_secret = "test-cookie-secret-0123456789"\n'
        f'client_id = "marc-test"\nclient_secret = "marc-test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n')
    env = {**os.environ, "MARC_FRAMEWORK_DIR": str(fw)}
    for var in ("MARC_EDITING", "MARC_EDITORS", "MARC_REVIEWERS"):
        env.pop(var, None)
    log = open(tmp / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
                             "--server.address", "localhost", "--server.headless", "true", "--secrets.files", str(secrets),
                             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                            cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT)
    import time

    import httpx

    for _ in range(600):
        try:
            if httpx.get(f"http://localhost:{port}/_stcore/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield f"http://localhost:{port}", fw, tmp / "server.log"
    proc.terminate()
    proc.wait(30)
    log.close()


def _sign_in(browser, url: str, who: str):
    from marc_app import browser as B

    page = browser.new_page()
    page.goto(f"{url}/framework")
    page.locator("h1").first.wait_for(timeout=300_000)
    B.settle(page, timeout=300)
    assert page.get_by_text("Read-only: sign in").count() >= 1
    assert page.get_by_role("button", name="Save").count() == 0
    page.get_by_role("button", name="Sign in").click()
    page.locator('input[name="sub"]').wait_for(timeout=60_000)  # the provider's own sign-in form
    page.fill('input[name="sub"]', who)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{url}/**", timeout=60_000)
    page.goto(f"{url}/framework")
    page.locator("h1").first.wait_for(timeout=300_000)
    B.settle(page, timeout=300)
    return page


def test_oidc_round_trip_editor_and_viewer(served_signin):
    from playwright.sync_api import sync_playwright

    from marc_app import browser as B

    url, fw, log = served_signin
    with sync_playwright() as p:
        b = B.launch(p)
        try:
            page = _sign_in(b, url, "editor@example.org")
            assert page.get_by_text("Signed in as editor@example.org · editor").count() >= 1, log.read_text()[-3000:]
            assert page.get_by_role("button", name="Save").count() == 1
            page.close()
            other = b.new_context(viewport={"width": 1400, "height": 1000})  # a separate browser profile: no shared cookie
            page = _sign_in(other, url, "visitor@example.org")
            assert page.get_by_text("Signed in as visitor@example.org · viewer").count() >= 1
            assert page.get_by_role("button", name="Save").count() == 0
            assert page.get_by_text("is not listed as an editor").count() >= 1
        finally:
            b.close()
