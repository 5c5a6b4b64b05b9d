"""HTTP downloads into the cache, against a real server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import marc.data.download as dl
from marc.core.errors import MarcError
from marc.data.pull import ensure_report
from marc.data.sources import Registry, lock_path, read_lock, source_dir

CSV = b"unit,year,value\n" + b"".join(f"C{i:03d},2020,{i}.5\n".encode() for i in range(400))


def make_zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


class Server:
    """A tiny HTTP server: ``routes[path] = bytes``; ``drop_once`` paths close mid-body on the first GET."""

    def __init__(self) -> None:
        self.routes: dict[str, bytes] = {}
        self.status: dict[str, list[int]] = {}  # path -> statuses to answer first (then 200)
        self.drop_once: set[str] = set()
        self.ignore_range = False
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?")[0]
                rng = self.headers.get("Range")
                server.requests.append((path, rng))
                if server.status.get(path):
                    code = server.status[path].pop(0)
                    self.send_response(code)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if path not in server.routes:
                    self.send_error(404)
                    return
                data = server.routes[path]
                start = 0
                if rng and rng.startswith("bytes=") and not server.ignore_range:
                    start = int(rng[6:].split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                body = data[start:]
                if path in server.drop_once:
                    server.drop_once.discard(path)
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = Server()
    yield srv
    srv.close()


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    empty_mirror = tmp_path / "no-mirror"
    empty_mirror.mkdir()
    monkeypatch.setenv("MARC_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MARC_DATA_MIRROR", str(empty_mirror))
    monkeypatch.setattr(dl, "BACKOFF", 0.01)


def registry(server: Server, **extra: dict) -> Registry:
    sources = {
        "demo": {
            "title": "Demo", "publisher": "Test", "licence": "CC0", "redistribution": True, "commercial_use": True,
            "citation": "Test (2026)",
            "urls": [f"{server.base}/table.csv",
                     {"url": f"{server.base}/pack.zip", "extract": True, "to": "unzipped"}],
            "files": ["table.csv", "unzipped/inner/*.csv"],
        },
        **extra,
    }
    return Registry.model_validate({"sources": {k: {"id": k, **v} for k, v in sources.items()}})


def serve_demo(server: Server) -> bytes:
    zipped = make_zip({"inner/a.csv": CSV, "inner/readme.txt": b"hello"})
    server.routes["/table.csv"] = CSV
    server.routes["/pack.zip"] = zipped
    return zipped


def test_download_extracts_and_records_lock(server):
    serve_demo(server)
    outcomes = ensure_report(["demo"], progress=False, registry=registry(server))
    assert [(o.source_id, o.action, o.files) for o in outcomes] == [("demo", "downloaded", 3)]
    folder = source_dir("demo")
    assert (folder / "table.csv").read_bytes() == CSV
    assert (folder / "unzipped/inner/a.csv").read_bytes() == CSV
    entry = read_lock()["sources"]["demo"]
    assert entry["files"]["table.csv"]["sha256"] == hashlib.sha256(CSV).hexdigest()
    assert entry["files"]["table.csv"]["size"] == len(CSV)
    assert entry["files"]["table.csv"]["origin"] == f"{server.base}/table.csv"
    assert entry["files"]["unzipped/inner/readme.txt"]["origin"] == f"{server.base}/pack.zip"
    assert lock_path() == source_dir("demo").parent / "sources.lock"
    assert not list((folder.parent / ".partial").rglob("*.part"))
    # a second call finds everything in place and verified: nothing is fetched
    before = len(server.requests)
    assert ensure_report(["demo"], progress=False, registry=registry(server))[0].action == "cached"
    assert len(server.requests) == before


def test_resume_after_dropped_connection(server):
    serve_demo(server)
    server.drop_once.add("/table.csv")
    ensure_report(["demo"], progress=False, registry=registry(server))
    assert (source_dir("demo") / "table.csv").read_bytes() == CSV
    table_requests = [rng for path, rng in server.requests if path == "/table.csv"]
    assert table_requests == [None, f"bytes={len(CSV) // 2}-"]  # the second request resumed mid-file


def test_server_ignoring_range_restarts_cleanly(server):
    serve_demo(server)
    server.drop_once.add("/table.csv")
    server.ignore_range = True  # answers 200 with the whole file to our Range request
    ensure_report(["demo"], progress=False, registry=registry(server))
    assert (source_dir("demo") / "table.csv").read_bytes() == CSV  # not the half + the whole


def test_unreachable_host_gives_up_quickly(tmp_path):
    import socket

    with socket.socket() as sock:  # a port that nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(MarcError) as err:
        dl.fetch(f"http://127.0.0.1:{port}/x.csv", tmp_path / "x.part", source_id="demo")
    (problem,) = err.value.problems
    assert (problem.file, problem.code) == ("demo", "download-failed")
    assert f"gave up after {dl.CONNECT_RETRIES} attempts" in problem.message


def test_transient_server_error_is_retried(server):
    serve_demo(server)
    server.status["/table.csv"] = [503, 502]
    ensure_report(["demo"], progress=False, registry=registry(server))
    assert (source_dir("demo") / "table.csv").read_bytes() == CSV
    assert [p for p, _ in server.requests].count("/table.csv") == 3


def test_wrong_checksum_on_reverify_then_force(server):
    serve_demo(server)
    reg = registry(server)
    ensure_report(["demo"], progress=False, registry=reg)
    cached = source_dir("demo") / "table.csv"
    cached.write_bytes(CSV.replace(b"C001", b"C999"))  # same size, different content
    with pytest.raises(MarcError) as err:
        ensure_report(["demo"], progress=False, registry=reg)
    (problem,) = err.value.problems
    assert (problem.file, problem.code) == ("demo", "checksum-mismatch")
    assert "table.csv" in problem.message and "marc pull demo --force" in problem.message
    assert str(problem).startswith("demo: [checksum-mismatch]")
    ensure_report(["demo"], progress=False, registry=reg, force=True)
    assert cached.read_bytes() == CSV


def test_404_is_a_clear_error(server):
    serve_demo(server)
    del server.routes["/pack.zip"]
    with pytest.raises(MarcError) as err:
        ensure_report(["demo"], progress=False, registry=registry(server))
    (problem,) = err.value.problems
    assert (problem.file, problem.code) == ("demo", "download-not-found")
    assert f"{server.base}/pack.zip" in problem.message and "404" in problem.message
    assert not source_dir("demo").exists()
    assert [p for p, _ in server.requests].count("/pack.zip") == 1  # a 404 is not retried


def test_fallback_url_used_when_first_fails(server):
    serve_demo(server)
    extra = {"alt": {"title": "Alt", "publisher": "T", "licence": "CC0", "redistribution": True,
                     "commercial_use": True, "citation": "T",
                     "urls": [{"url": f"{server.base}/moved.csv", "to": "x.csv", "fallback": [f"{server.base}/table.csv"]}],
                     "files": ["x.csv"]}}
    ensure_report(["alt"], progress=False, registry=registry(server, **extra))
    assert (source_dir("alt") / "x.csv").read_bytes() == CSV
    assert read_lock()["sources"]["alt"]["files"]["x.csv"]["origin"] == f"{server.base}/table.csv"


def test_corrupt_zip_never_replaces_good_file(server):
    good = serve_demo(server)
    reg = registry(server)
    ensure_report(["demo"], progress=False, registry=reg)
    lock_before = lock_path().read_text()
    server.routes["/pack.zip"] = good[: len(good) - 40] + b"\0" * 40  # truncated central directory
    server.routes["/table.csv"] = b"new content that must not land"
    with pytest.raises(MarcError) as err:
        ensure_report(["demo"], progress=False, registry=reg, force=True)
    assert [p.code for p in err.value.problems] == ["corrupt-download"]
    folder = source_dir("demo")
    assert (folder / "unzipped/inner/a.csv").read_bytes() == CSV
    assert (folder / "table.csv").read_bytes() == CSV  # the whole source stays as it was
    assert lock_path().read_text() == lock_before
    assert not any(p.name.startswith(".staging-") for p in folder.parent.iterdir())


def test_missing_files_after_download_keep_cache(server):
    serve_demo(server)
    server.routes["/pack.zip"] = make_zip({"other/b.txt": b"x"})
    with pytest.raises(MarcError) as err:
        ensure_report(["demo"], progress=False, registry=registry(server))
    assert err.value.problems[0].code == "download-incomplete"
    assert "unzipped/inner/*.csv" in err.value.problems[0].message


def test_extract_refuses_path_traversal(tmp_path):
    evil = tmp_path / "evil.zip"
    evil.write_bytes(make_zip({"ok/a.txt": b"a", "../../escaped.txt": b"x"}))
    with pytest.raises(MarcError) as err:
        dl.extract(evil, tmp_path / "out", source_id="demo")
    assert err.value.problems[0].code == "unsafe-archive"
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path.parent / "escaped.txt").exists()


def test_extract_7z_with_strip(tmp_path):
    py7zr = pytest.importorskip("py7zr")
    archive = tmp_path / "a.7z"
    with py7zr.SevenZipFile(archive, "w") as sz:
        sz.writestr(CSV, "top/data/a.csv")
    written = dl.extract(archive, tmp_path / "out", source_id="demo", strip=1)
    assert [p.relative_to(tmp_path / "out").as_posix() for p in written] == ["data/a.csv"]
    assert (tmp_path / "out/data/a.csv").read_bytes() == CSV


def test_manual_source_says_where_to_download(server):
    extra = {"byhand": {"title": "H", "publisher": "T", "licence": "CC BY 4.0", "redistribution": True,
                        "commercial_use": True, "citation": "T", "manual": True,
                        "homepage": "https://example.org/get", "files": ["grid.asc"]}}
    reg = registry(server, **extra)
    with pytest.raises(MarcError) as err:
        ensure_report(["byhand"], progress=False, registry=reg)
    (problem,) = err.value.problems
    assert problem.code == "manual-download"
    assert "https://example.org/get" in problem.message and str(source_dir("byhand")) in problem.message
    source_dir("byhand").mkdir(parents=True)
    (source_dir("byhand") / "grid.asc").write_text("ncols 1\n")
    assert ensure_report(["byhand"], progress=False, registry=reg)[0].action == "adopted"
    assert json.loads(lock_path().read_text())["sources"]["byhand"]["files"]["grid.asc"]["size"] == 8


def test_geoboundaries_on_demand(server):
    geojson = json.dumps({"type": "FeatureCollection", "features": []}).encode()
    server.routes["/api/TUV/ADM1/"] = json.dumps({"gjDownloadURL": f"{server.base}/gb/TUV.geojson",
                                                  "boundaryLicense": "CC BY 4.0"}).encode()
    server.routes["/gb/TUV.geojson"] = geojson
    extra = {"geoboundaries": {"title": "gB", "publisher": "T", "licence": "CC BY 4.0", "redistribution": True,
                               "commercial_use": True, "citation": "T", "on_demand": True,
                               "api": server.base + "/api/{iso3}/{level}/"}}
    reg = registry(server, **extra)
    assert ensure_report(["geoboundaries"], progress=False, registry=reg)[0].action == "on-demand"  # never in bulk
    path = dl.fetch_geoboundaries("tuv", registry=reg)
    assert path == source_dir("geoboundaries") / "TUV/ADM1/geoBoundaries-TUV-ADM1.geojson"
    assert path.read_bytes() == geojson
    entry = read_lock()["sources"]["geoboundaries"]["files"]["TUV/ADM1/geoBoundaries-TUV-ADM1.geojson"]
    assert (entry["licence"], entry["origin"]) == ("CC BY 4.0", f"{server.base}/gb/TUV.geojson")
    n = len(server.requests)
    assert dl.fetch_geoboundaries("TUV", registry=reg) == path and len(server.requests) == n  # cached
    assert ensure_report(["geoboundaries"], progress=False, registry=reg)[0].action == "cached"  # verified
    with pytest.raises(MarcError) as err:
        dl.fetch_geoboundaries("XXX", registry=reg)
    assert err.value.problems[0].code == "download-not-found"


def test_on_demand_source_with_urls_is_pulled_only_when_named(server):
    serve_demo(server)
    server.routes["/dem.tif"] = b"II*\x00dem"
    extra = {"dem": {"title": "DEM", "publisher": "T", "licence": "PD", "redistribution": True, "commercial_use": True,
                     "citation": "T", "on_demand": True, "urls": [f"{server.base}/dem.tif"], "files": ["dem.tif"]}}
    reg = registry(server, **extra)
    bulk = ensure_report(None, progress=False, registry=reg)
    assert [o.source_id for o in bulk] == ["demo"] and not source_dir("dem").exists()   # a bulk pull skips it
    named = ensure_report(["dem"], progress=False, registry=reg)
    assert named[0].action == "downloaded" and (source_dir("dem") / "dem.tif").read_bytes() == b"II*\x00dem"
