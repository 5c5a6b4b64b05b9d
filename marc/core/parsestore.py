"""On-disk store of parsed framework files, so that a new process need not parse them again.

:mod:`marc.core.parsecache` keeps parsed files for the life of one process; this store keeps them across
processes (``marc score`` run after run, a restarted app).  An entry is keyed by a BLAKE2 hash of
the *bytes* it was parsed from (never by a file's name, size or modification time), together with
the store's format and everything else the parse depends on: the source of the MARC module that
parses and checks it (so changing a reader or a limit invalidates its entries) and the versions of
the packages it uses (ruamel.yaml, pycountry, pandas, pyarrow).  So an edited file, even one edited within the same clock tick or
restored to an older content, is never served stale, and an upgrade makes every entry a miss.

Only successful parses are stored, and only as data (JSON, or Arrow IPC for tables): nothing
in the store is ever executed (no pickle).  Every entry carries a checksum of its body; a
truncated, corrupt or unreadable entry is a miss, and the file is parsed again as if there were no
store.  Writes are atomic (:func:`marc.core.atomic.write_bytes`); a store that cannot be written (a
read-only install) just stays empty.  The store lives in ``<data cache>/_parsed`` (see
:func:`marc.data.sources.cache_root`), or in ``$MARC_PARSE_CACHE`` when that is set; ``MARC_PARSE_CACHE=off``
turns it off.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

#: Bump when the layout of an entry or of what is stored in it changes.
FORMAT = 1
#: Entries and bytes kept; beyond either the least recently written entries are removed when a new
#: one is written.
MAX_ENTRIES = 2000
MAX_TOTAL_BYTES = 256 * 1024 * 1024
_MAGIC = b"MARC-PARSED"


def enabled() -> bool:
    return os.environ.get("MARC_PARSE_CACHE", "").strip().lower() not in {"off", "0", "no", "false"}


def folder() -> Path:
    """Where entries are kept (``$MARC_PARSE_CACHE``, else ``<data cache>/_parsed``)."""
    env = os.environ.get("MARC_PARSE_CACHE", "").strip()
    if env and env.lower() not in {"on", "1", "yes", "true"}:
        return Path(env).expanduser()
    from marc.core.paths import cache_root

    return cache_root() / "_parsed"


@lru_cache(maxsize=None)
def package(name: str, *files: str) -> str:
    """The identity of installed package *name* (part of an entry's key) without importing it: a digest
    of its ``__init__.py`` (ruamel.yaml's holds its version) and of *files* inside it (pycountry's
    country list).  ``importlib.metadata`` would cost more start-up time than the store saves."""
    import importlib.util

    spec = importlib.util.find_spec(name)
    folder = Path(spec.origin).parent if spec is not None and spec.origin else None
    h = hashlib.blake2b(digest_size=16)
    for rel in ("__init__.py", *files):
        try:
            h.update(folder.joinpath(rel).read_bytes() if folder is not None else b"absent")
        except OSError:
            h.update(b"unreadable")
    return f"{name} {h.hexdigest()}"


@lru_cache(maxsize=None)
def code(module: str) -> str:
    """A digest of the source of MARC module *module* (the code that parses is part of every key, so
    a change to a reader or to its checks makes its old entries misses), with MARC's version."""
    import importlib.util

    import marc

    spec = importlib.util.find_spec(module)
    try:
        source = Path(spec.origin).read_bytes() if spec and spec.origin else b""
    except OSError:
        source = b""
    return f"marc {marc.__version__} {module} {digest(source)}"


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def key(kind: str, *parts: str) -> str:
    """The entry name for *kind* (``yaml``, ``custom``, ...) made from *parts*: the content digests, and
    everything else that decides what parsing yields (package versions, limits, names)."""
    blob = "\x00".join((str(FORMAT), kind, *parts)).encode()
    return f"{kind.split(':', 1)[0]}-{hashlib.blake2b(blob, digest_size=20).hexdigest()}"


#: A JSON object with this one key stands for a mapping whose keys JSON cannot hold as they are
#: (YAML's integer keys, such as an expert scale's ``0: none``), as a list of [key, value] pairs.
_PAIRS = "\x00pairs"


def dumps_plain(value: Any) -> bytes | None:
    """Plain YAML data as JSON bytes that :func:`loads_plain` gives back equal and of the same types,
    or None when *value* holds what JSON cannot (a date, a tag, a non-finite number, a lone surrogate)."""
    try:
        return json.dumps(_encode(value), ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError):
        return None


def loads_plain(body: bytes | str) -> Any:
    """The plain data that :func:`dumps_plain` stored (raises ValueError when *body* is not such JSON)."""
    return json.loads(body, object_hook=_decode)


def _scalar(value: Any) -> Any:
    """*value* as a built-in JSON scalar (ruamel's ``ScalarInt`` and ``ScalarFloat`` are subclasses)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("non-finite number")
        return float(value)
    if isinstance(value, str):
        return str(value)
    raise TypeError(f"not plain JSON data: {type(value).__name__}")


def _encode(value: Any) -> Any:
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and _PAIRS not in value:
            return {str(k): _encode(v) for k, v in value.items()}
        return {_PAIRS: [[_scalar(k), _encode(v)] for k, v in value.items()]}
    return _scalar(value)


def _decode(obj: dict) -> Any:
    if len(obj) == 1 and _PAIRS in obj:
        return {k: v for k, v in obj[_PAIRS]}
    return obj


def get(name: str) -> bytes | None:
    """The body of entry *name*, or None when it is absent, unreadable or fails its checksum."""
    if not enabled():
        return None
    try:
        raw = (folder() / name).read_bytes()
    except OSError:
        return None
    head, sep, body = raw.partition(b"\n")
    parts = head.split(b" ")
    if not sep or len(parts) != 3 or parts[0] != _MAGIC or parts[1] != str(FORMAT).encode():
        return None
    if parts[2].decode("ascii", "replace") != digest(body):
        return None
    return body


def put(name: str, body: bytes) -> None:
    """Store *body* as entry *name* atomically; any failure to write is ignored (the store is only a cache)."""
    if not enabled():
        return
    from marc.core.atomic import write_bytes

    where = folder()
    try:
        write_bytes(where / name, b"%s %d %s\n" % (_MAGIC, FORMAT, digest(body).encode()) + body, keep_backup=False)
        _prune(where)
    except OSError:
        pass


def _prune(where: Path) -> None:
    entries = [(e.stat(), e.path) for e in os.scandir(where) if e.is_file() and not e.name.startswith(".")]
    total = sum(st.st_size for st, _ in entries)
    if len(entries) <= MAX_ENTRIES and total <= MAX_TOTAL_BYTES:
        return
    entries.sort(key=lambda e: e[0].st_mtime_ns)
    for k, (st, path) in enumerate(entries[:-1]):  # never the newest: it was just written
        if len(entries) - k <= MAX_ENTRIES and total <= MAX_TOTAL_BYTES:
            break
        try:
            os.unlink(path)
        except OSError:
            pass
        total -= st.st_size


def table_key(kind: str, module: str, *parts: str) -> str:
    """The entry name of tables that MARC module *module* parsed and checked from CSV files (*parts*:
    the files' digests and whatever else the checks depend on), with the country list and the
    pandas and pyarrow versions that shape the stored table."""
    import pandas as pd
    import pyarrow

    return key(kind, code(module), package("pycountry", "databases/iso3166-1.json"),
               f"pandas {pd.__version__} pyarrow {pyarrow.__version__}", *parts)


def get_frame(name: str, columns: list[str]) -> pd.DataFrame | None:
    """The table stored as entry *name* (Arrow IPC), or None when it is absent, unreadable or does not
    have exactly *columns*."""
    body = get(name)
    if body is None:
        return None
    try:
        import pyarrow as pa
        import pyarrow.ipc

        frame = pyarrow.ipc.open_file(pa.py_buffer(body)).read_all().to_pandas()
    except Exception:  # any damage the checksum did not catch: a miss, never a crash
        return None
    return frame if list(frame.columns) == columns else None


def put_frame(name: str, frame: pd.DataFrame) -> None:
    """Store *frame* (its columns, not its index) as entry *name* in Arrow IPC."""
    if not enabled():
        return
    import pyarrow as pa
    import pyarrow.ipc

    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = pa.BufferOutputStream()
    with pyarrow.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    put(name, sink.getvalue().to_pybytes())


def clear() -> None:
    """Remove every entry (benchmarks measure a first-ever load with it)."""
    where = folder()
    if where.is_dir():
        for entry in os.scandir(where):
            if entry.is_file():
                os.unlink(entry.path)
