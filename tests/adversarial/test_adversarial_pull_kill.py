"""Class 7, crash-safe pulls: `kill -9` at a random moment of a pull from a mirror folder, a bundle zip
or a URL (a real HTTP server on 127.0.0.1) must leave cache and lock agreeing, or repaired by the next
pull, with no staging folder left behind.  24 rounds, the three origins in turn."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
import zipfile
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from marc.data import pull, recovery, sources

ROUNDS = 24
SIDS = ("kl_alpha", "kl_beta", "kl_gamma")
WORKER = Path(__file__).with_name("pull_worker.py")
REPO = Path(__file__).resolve().parents[2]


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # noqa: D401
        pass


def write_version(mirror: Path, serve: Path, bundle: Path, version: int) -> dict[str, dict[str, str]]:
    """Version *version* of every source in the mirror folder, the bundle and the served folder;
    returns {sid: {rel: sha256}}."""
    rng = random.Random(version)
    expected: dict[str, dict[str, str]] = {}
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_STORED) as zf:
        for sid in SIDS:
            expected[sid] = {}
            for k in range(3):
                rel = f"data/part{k}.bin"
                data = rng.randbytes(3 * 1024 * 1024) + f"{sid} v{version}".encode()
                (mirror / sid / "data").mkdir(parents=True, exist_ok=True)
                (mirror / sid / rel).write_bytes(data)
                (serve / f"{sid}-{k}.bin").write_bytes(data)
                zf.writestr(f"{sid}/{rel}", data)
                expected[sid][rel] = hashlib.sha256(data).hexdigest()
    return expected


def registry_yaml(port: int) -> str:
    lines = ["sources:"]
    for sid in SIDS:
        lines += [f"  {sid}:", f"    id: {sid}", f"    title: {sid}", "    publisher: test", "    licence: CC0",
                  "    redistribution: true", "    commercial_use: true", "    citation: test", "    files: [data/*.bin]",
                  "    urls:"]
        lines += [f"      - {{url: 'http://127.0.0.1:{port}/{sid}-{k}.bin', to: data/part{k}.bin}}" for k in range(3)]
    return "\n".join(lines) + "\n"


def folder_hashes(folder: Path) -> dict[str, str]:
    return {rel: hashlib.sha256((folder / rel).read_bytes()).hexdigest() for rel in sources.list_files(folder)}


@pytest.fixture
def setup(tmp_path):
    serve, mirror = tmp_path / "serve", tmp_path / "mirror"
    serve.mkdir()
    mirror.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(serve)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    reg = tmp_path / "sources.yaml"
    reg.write_text(registry_yaml(httpd.server_address[1]))
    env = {**os.environ, "MARC_DATA_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(REPO)}
    env.pop("MARC_DATA_MIRROR", None)
    yield tmp_path, serve, mirror, reg, env
    httpd.shutdown()


def test_kill_minus_nine_at_random_moments_leaves_cache_and_lock_agreeing(setup):
    tmp, serve, mirror, reg, env = setup
    bundle = tmp / "bundle.zip"
    cache = tmp / "cache"
    versions = {v: write_version(mirror, serve, bundle, v) for v in (0,)}
    # a first, complete pull (and how long one takes)
    start = time.monotonic()
    subprocess.run([sys.executable, str(WORKER), str(reg), str(mirror)], env=env, check=True, timeout=120)
    duration = time.monotonic() - start
    rng = random.Random(20261129)
    killed_mid_run = 0
    for rnd in range(1, ROUNDS + 1):
        versions[rnd] = write_version(mirror, serve, bundle, rnd)
        origin = ("mirror", "bundle", "url")[rnd % 3]
        args = [sys.executable, str(WORKER), str(reg)] + {"mirror": [str(mirror)], "bundle": [str(bundle)], "url": []}[origin]
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, duration * 1.1))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed_mid_run += 1
        proc.wait(timeout=60)

        # the next ordinary pull repairs whatever the kill left
        after = subprocess.run([sys.executable, str(WORKER), str(reg), str(mirror)], env={**env}, capture_output=True,
                               text=True, timeout=120)
        assert after.returncode == 0, f"round {rnd} ({origin}): {after.stderr[-2000:]}"
        leftovers = [p.name for p in cache.iterdir() if p.name.startswith((".staging-", ".old-")) or p.name.endswith(".tmp")]
        assert leftovers == [], f"round {rnd}: {leftovers}"
        assert not list((cache / ".pending").glob("*")) if (cache / ".pending").exists() else True
        lock = sources.read_lock(cache / "sources.lock")
        for sid in SIDS:
            assert sources.verify(sid, lock["sources"][sid], cache / sid) == [], f"round {rnd}: {sid} disagrees with the lock"
            assert folder_hashes(cache / sid) == versions[rnd][sid], f"round {rnd}: {sid} is not whole"
    print(f"kill loop: {ROUNDS} rounds, {killed_mid_run} kills landed inside a pull (first pull {duration:.2f} s)")
    assert killed_mid_run >= ROUNDS // 2, f"only {killed_mid_run} of {ROUNDS} kills landed inside a pull"


def test_kill_between_swap_and_lock_is_recorded_by_recover(setup, monkeypatch):
    """The narrowest window, forced: the source was swapped in, the lock not yet written."""
    tmp, serve, mirror, reg, env = setup
    monkeypatch.setenv("MARC_DATA_DIR", str(tmp / "cache"))
    write_version(mirror, serve, tmp / "b.zip", 1)
    registry = sources.load_registry(reg)
    pull.ensure_report(None, mirror=mirror, progress=False, registry=registry)
    new = write_version(mirror, serve, tmp / "b.zip", 2)
    from marc.data import bundle

    files, origin = bundle.stage_from_mirror(registry.sources["kl_alpha"], mirror, None,
                                             before_install=recovery.write_pending)
    # (killed here: the lock still describes version 1)
    assert sources.verify("kl_alpha", sources.read_lock()["sources"]["kl_alpha"]) != []
    done = recovery.recover()
    assert any("recorded kl_alpha" in d for d in done)
    assert sources.verify("kl_alpha", sources.read_lock()["sources"]["kl_alpha"]) == []
    assert folder_hashes(tmp / "cache" / "kl_alpha") == new["kl_alpha"]


def test_kill_between_the_two_renames_puts_the_old_folder_back(setup, monkeypatch):
    tmp, serve, mirror, reg, env = setup
    monkeypatch.setenv("MARC_DATA_DIR", str(tmp / "cache"))
    old = write_version(mirror, serve, tmp / "b.zip", 1)
    registry = sources.load_registry(reg)
    pull.ensure_report(None, mirror=mirror, progress=False, registry=registry)
    cache = tmp / "cache"
    os.replace(cache / "kl_beta", cache / f".old-kl_beta-{time.time_ns()}")  # killed after the first rename
    (cache / ".staging-kl_beta-xyz").mkdir()
    done = recovery.recover()
    assert any("restored kl_beta" in d for d in done)
    assert folder_hashes(cache / "kl_beta") == old["kl_beta"]
    assert not list(cache.glob(".staging-*")) and not list(cache.glob(".old-*"))


def test_cli_pull_repairs_leftovers_of_a_crash(setup, monkeypatch):
    """Leftovers of a kill (staging folder, half-written lock temp file, stale journal) are cleaned by
    the next `marc pull` (CLI), which then exits 0 with cache and lock agreeing."""
    tmp, serve, mirror, reg, env = setup
    monkeypatch.setenv("MARC_DATA_DIR", str(tmp / "cache"))
    write_version(mirror, serve, tmp / "b.zip", 1)
    pull.ensure_report(None, mirror=mirror, progress=False, registry=sources.load_registry(reg))
    cache = tmp / "cache"
    (cache / ".staging-kl_alpha-abc").mkdir()
    (cache / ".staging-kl_alpha-abc" / "half.bin").write_bytes(b"half")
    (cache / ".sources.lock.x1y2.tmp").write_text("{\"version\": 1, \"sour")
    (cache / ".pending").mkdir(exist_ok=True)
    (cache / ".pending" / "kl_gamma.json").write_text("{not json")
    done = recovery.recover()
    assert {"removed .staging-kl_alpha-abc", "removed .sources.lock.x1y2.tmp"} <= set(done)
    assert not list((cache / ".pending").iterdir())
    lock = sources.read_lock()
    assert all(sources.verify(sid, lock["sources"][sid]) == [] for sid in SIDS)
    # and through the CLI (with the project registry): a staging folder left by a kill is gone after a pull
    (cache / ".staging-paris_agreement_status-zz").mkdir()
    run = subprocess.run([sys.executable, "-m", "marc", "pull", "paris_agreement_status", "--mirror", str(tmp / "nomirror"),
                          "--no-progress"], capture_output=True, text=True, env=env)
    assert run.returncode == 2 and "[mirror-not-found]" in run.stderr  # refuses a wrong mirror before touching the cache
    shared = REPO.parent / "shared" / "data"
    if (shared / "paris_agreement_status").is_dir():
        run = subprocess.run([sys.executable, "-m", "marc", "pull", "paris_agreement_status", "--mirror", str(shared),
                              "--no-progress"], capture_output=True, text=True, env=env)
        assert run.returncode == 0, run.stderr
        assert not list(cache.glob(".staging-*"))


def test_kill_before_the_swap_discards_the_journal_and_keeps_the_old_copy(setup, monkeypatch):
    """Killed after the journal was written but before the swap: the cache still holds (and the lock
    still describes) the previous copy; recover() drops the journal and changes nothing else."""
    tmp, serve, mirror, reg, env = setup
    monkeypatch.setenv("MARC_DATA_DIR", str(tmp / "cache"))
    old = write_version(mirror, serve, tmp / "b.zip", 1)
    registry = sources.load_registry(reg)
    pull.ensure_report(None, mirror=mirror, progress=False, registry=registry)
    lock_before = (tmp / "cache" / "sources.lock").read_bytes()
    new = write_version(mirror, serve, tmp / "b.zip", 2)
    entry = sources.lock_entry({rel: (sha, 1, "x") for rel, sha in new["kl_gamma"].items()}, "mirror")
    recovery.write_pending("kl_gamma", entry)
    (tmp / "cache" / ".staging-kl_gamma-q").mkdir()
    recovery.recover()
    assert (tmp / "cache" / "sources.lock").read_bytes() == lock_before
    assert folder_hashes(tmp / "cache" / "kl_gamma") == old["kl_gamma"]
    assert not list((tmp / "cache" / ".pending").iterdir()) and not list((tmp / "cache").glob(".staging-*"))
