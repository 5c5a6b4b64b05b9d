"""Robust HTTP downloads into the raw-data cache, and safe archive extraction.

A download streams to ``<cache>/.partial/<source_id>/<name>.part`` with a progress bar.  A dropped
connection or a 5xx/429 answer is retried with exponential backoff, resuming with an HTTP ``Range``
request when the server allows it.  The file is accepted only when its size matches the announced
length and, for archives, when the archive opens and its CRCs check.  A source is assembled in a
staging folder and swapped in whole (:func:`marc.data.bundle.install`), so a partial or corrupt download
never replaces a good cached file.  Archives (zip, 7z) are extracted member by member, refusing
absolute paths, ``..`` and links that would escape the target folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path, PurePosixPath
from typing import Iterator

import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from marc.core.atomic import file_hash
from marc.core.errors import MarcError
from marc.data.archives import (  # noqa: F401
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_UNCOMPRESSED,
    RATIO_FLOOR,
    archive_kind,
    check_archive,
    check_members,
    copy_member,
    extract,
    is_archive,
    safe_target,
)
from marc.data.sources import Source, UrlSpec, cache_root, source_dir

USER_AGENT = "marc/0.1 (+https://github.com/; climate-security readiness scorer)"
RETRIES = 5
CONNECT_RETRIES = 2  # consecutive connection failures before giving up
BACKOFF = 0.5  # seconds, doubled per attempt, capped at 20 s
TIMEOUT = httpx.Timeout(30.0, connect=15.0, read=60.0)
_CHUNK = 1 << 16


class _Retry(Exception):
    """A transient failure: try again (resuming).  ``connect``: we never reached the server."""

    def __init__(self, message: str, connect: bool = False) -> None:
        super().__init__(message)
        self.connect = connect


@contextlib.contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Progress | None]:
    """A rich progress bar on stderr (or None when disabled)."""
    if not enabled:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), DownloadColumn(),
               TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        yield bar


def _fail(source_id: str, code: str, message: str) -> MarcError:
    return MarcError.single(source_id, code, message)


def _attempt(client: httpx.Client, url: str, part: Path, headers: dict[str, str], source_id: str,
             bar: Progress | None, label: str) -> None:
    """One GET of *url* into *part*, resuming from its current size.  Raises _Retry on transient errors."""
    have = part.stat().st_size if part.exists() else 0
    # identity encoding: byte offsets on disk are the server's offsets, so Range resumes are exact
    req_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **headers}
    if have:
        req_headers["Range"] = f"bytes={have}-"
    try:
        with client.stream("GET", url, headers=req_headers) as resp:
            if resp.status_code in (404, 410):
                raise _fail(source_id, "download-not-found",
                            f"{url} answered {resp.status_code} (not found). The publisher may have moved the file: "
                            "update its URL in data/sources.yaml, or use `marc pull --mirror DIR`.")
            if resp.status_code == 416 and have:  # our partial file is stale or complete: start over
                part.unlink()
                raise _Retry("range not satisfiable; restarting")
            if resp.status_code == 429 or resp.status_code >= 500:
                raise _Retry(f"server answered {resp.status_code}")
            if resp.status_code >= 400:
                raise _fail(source_id, "download-failed",
                            f"{url} answered {resp.status_code} {resp.reason_phrase}; check the URL in data/sources.yaml "
                            "or download the file by hand")
            encoded = resp.headers.get("Content-Encoding", "identity") != "identity"
            if resp.status_code == 206 and (encoded or not have):  # a range we cannot append safely
                part.unlink(missing_ok=True)
                raise _Retry("unusable partial response; restarting from the beginning")
            if resp.status_code == 206 and have and not encoded:
                mode, start = "ab", have
                total = _range_total(resp.headers.get("Content-Range"), have, resp.headers.get("Content-Length"))
            else:  # 200: the server ignored Range (or there was none): write from the start
                mode, start = "wb", 0
                length = resp.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() and not encoded else None
            task = bar.add_task(label, total=total, completed=start) if bar is not None else None
            try:
                with open(part, mode) as fh:
                    # as it arrives, so a dropped connection keeps what came (decoded only if the
                    # server compressed anyway, and then a later attempt starts from scratch)
                    for chunk in resp.iter_bytes() if encoded else resp.iter_raw():
                        fh.write(chunk)
                        if bar is not None:
                            bar.advance(task, len(chunk))
            finally:
                if bar is not None:
                    bar.remove_task(task)
            got = part.stat().st_size
            if total is not None and got != total:
                raise _Retry(f"connection dropped after {got} of {total} bytes")
    except httpx.ConnectError as exc:  # no route, DNS failure: offline, most likely
        raise _Retry(f"cannot connect: {exc}", connect=True) from None
    except (httpx.TransportError, httpx.DecodingError) as exc:  # dropped connection, timeout ...
        raise _Retry(f"{type(exc).__name__}: {exc}") from None


def _range_total(content_range: str | None, have: int, length: str | None) -> int | None:
    if content_range and "/" in content_range:
        total = content_range.rsplit("/", 1)[1]
        if total.isdigit():
            return int(total)
    return have + int(length) if length and length.isdigit() else None


def fetch(url: str, part: Path, *, source_id: str, headers: dict[str, str] | None = None,
          bar: Progress | None = None, client: httpx.Client | None = None, retries: int | None = None,
          backoff: float | None = None) -> Path:
    """Download *url* into *part* (resuming what is there), retrying transient failures."""
    retries = RETRIES if retries is None else retries
    backoff = BACKOFF if backoff is None else backoff
    part.parent.mkdir(parents=True, exist_ok=True)
    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT, follow_redirects=True)
    label = f"{source_id}: {PurePosixPath(httpx.URL(url).path).name or url}"[:60]
    try:
        last, unreachable = "", 0
        for attempt in range(retries + 1):
            try:
                _attempt(client, url, part, headers or {}, source_id, bar, label)
                return part
            except _Retry as exc:
                last = str(exc)
                unreachable = unreachable + 1 if exc.connect else 0
                if unreachable >= CONNECT_RETRIES:  # offline or wrong host: do not wait for minutes
                    break
                if attempt < retries:
                    time.sleep(min(backoff * 2**attempt, 20.0))
        raise _fail(source_id, "download-failed",
                    f"{url}: gave up after {attempt + 1} attempts ({last}). Run `marc pull {source_id}` again to "
                    "resume, or use `marc pull --mirror DIR`.")
    finally:
        if own:
            client.close()


# --------------------------------------------------------------------------- a whole source


def _part_path(source_id: str, spec: UrlSpec, url: str) -> Path:
    key = hashlib.sha256(url.encode()).hexdigest()[:12]
    return cache_root() / ".partial" / source_id / f"{key}-{PurePosixPath(spec.target()).name}.part"


def _fetch_spec(spec: UrlSpec, source_id: str, bar: Progress | None, client: httpx.Client) -> tuple[Path, str]:
    """Fetch one URL (trying its fallbacks); returns the completed part file and the URL that worked."""
    errors: list[MarcError] = []
    for url in [spec.url, *spec.fallback]:
        part = _part_path(source_id, spec, url)
        try:
            fetch(url, part, source_id=source_id, headers=spec.headers, bar=bar, client=client)
        except MarcError as exc:
            errors.append(exc)
            continue
        if spec.extract or is_archive(spec.target()):
            try:
                check_archive(part, source_id, archive_kind(part))
            except MarcError:
                part.unlink(missing_ok=True)  # never resume onto a corrupt file
                raise
        return part, url
    raise MarcError([p for e in errors for p in e.problems])


def stage_download(source: Source, bar: Progress | None = None, client: httpx.Client | None = None,
                   before_install=None) -> dict[str, tuple[str, int, str]]:
    """Download every URL of *source* into a staging folder, check it, and swap it into the cache.

    Returns ``{relative path: (sha256, size, origin URL)}`` for the lock file.  On any failure the
    cached folder is left untouched (partial downloads stay in ``.partial/`` to resume next time).
    """
    from marc.data.bundle import hash_tree, install

    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{source.id}-", dir=root))
    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT, follow_redirects=True)
    origins: dict[str, str] = {}
    try:
        parts = []
        for spec in source.urls:
            part, url = _fetch_spec(spec, source.id, bar, client)
            if spec.extract:
                dest = staging / spec.to if spec.to else staging
                files = extract(part, dest, source_id=source.id, strip=spec.strip)
            else:
                target = staging / spec.target()
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(part, target)
                files = [target]
            origins.update({f.relative_to(staging).as_posix(): url for f in files})
            parts.append(part)
        from marc.data.sources import missing_patterns

        missing = missing_patterns(source, staging)
        if missing:
            raise _fail(source.id, "download-incomplete",
                        f"the download does not contain {', '.join(missing)}; the publisher may have changed the "
                        "layout: update 'files' or 'urls' in data/sources.yaml. The cached copy was kept.")
        hashed = hash_tree(staging)
        files = {rel: (sha, size, origins.get(rel, "download")) for rel, (sha, size, _o) in hashed.items()}
        if before_install is not None:
            from marc.data.sources import lock_entry

            before_install(source.id, lock_entry(files, "download"))
        install(staging, source_dir(source.id))
        for part in parts:
            part.unlink(missing_ok=True)
        return files
    finally:
        if own:
            client.close()
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


# --------------------------------------------------------------------------- on demand: geoBoundaries


def fetch_geoboundaries(iso3: str, level: str = "ADM1", *, registry=None, bar: Progress | None = None,
                        client: httpx.Client | None = None) -> Path:
    """The geoBoundaries (gbOpen) GeoJSON of one country and level, downloaded once into the cache.

    Cached as ``geoboundaries/<ISO3>/<LEVEL>/geoBoundaries-<ISO3>-<LEVEL>.geojson`` and recorded in
    the lock (with the boundary's own licence from the API metadata).  Online only.
    """
    import json

    from marc.data.sources import load_registry, lock_entry, read_lock, verify, write_lock

    iso3, level = iso3.upper(), level.upper()
    source = (registry or load_registry()).get("geoboundaries")
    rel = f"{iso3}/{level}/geoBoundaries-{iso3}-{level}.geojson"
    target = source_dir(source.id) / rel
    lock = read_lock()
    entry = lock["sources"].get(source.id, {"retrieved": "", "origin": "api", "files": {}})
    if target.is_file() and rel in entry["files"]:
        problems = verify(source.id, {"files": {rel: entry["files"][rel]}})
        if problems:
            raise MarcError(problems)
        return target
    api = (source.api or "").format(iso3=iso3, level=level)
    part = cache_root() / ".partial" / source.id / f"{iso3}-{level}.json.part"
    fetch(api, part, source_id=source.id, bar=bar, client=client)
    try:
        meta = json.loads(part.read_text(encoding="utf-8"))
        url = meta["gjDownloadURL"]
    except (ValueError, KeyError, TypeError):
        raise _fail(source.id, "download-failed", f"{api} did not answer geoBoundaries metadata for {iso3} {level}; "
                    "check the ISO3 code and level (ADM0-ADM5)") from None
    finally:
        part.unlink(missing_ok=True)
    part = part.with_name(f"{iso3}-{level}.geojson.part")
    fetch(url, part, source_id=source.id, bar=bar, client=client)
    try:
        if json.loads(part.read_bytes()).get("type") not in ("FeatureCollection", "Feature"):
            raise ValueError("not GeoJSON")
    except ValueError:
        part.unlink(missing_ok=True)
        raise _fail(source.id, "corrupt-download", f"{url} is not valid GeoJSON; try again later") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(part, target)
    new = lock_entry({rel: (file_hash(target), target.stat().st_size, url)}, "api")["files"][rel]
    new["licence"] = str(meta.get("boundaryLicense", ""))
    entry["files"][rel] = new
    entry["retrieved"] = new["retrieved"]
    lock["sources"][source.id] = entry
    write_lock(lock)
    return target
