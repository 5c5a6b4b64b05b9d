"""In-process cache of parsed framework files, keyed by their exact bytes.

Parsing is most of the cost of loading a framework (ruamel's round-trip YAML parser, pandas' CSV
reader), and an app or a notebook loads the same folder again and again.  A file is parsed and
validated once per distinct content: a hit needs only to read the bytes and hash them, so an edited
file (even one edited within the same clock tick, or restored to an older content) is never served
stale.  Parsed objects are shared, so they are treated as read-only: pydantic models are frozen, and
the DataFrames are copied by ``pd.concat`` before anyone can change them.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable

from marc.core import yamlio, yamlmodel
from marc.core.errors import MarcError, Problem

MAX_ENTRIES = 512
_cache: OrderedDict[tuple, Any] = OrderedDict()


def _get(key: tuple, build: Callable[[], Any]) -> Any:
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    value = build()
    _cache[key] = value
    if len(_cache) > MAX_ENTRIES:
        _cache.popitem(last=False)
    return value


def lookup(key: tuple) -> Any:
    """The value remembered under *key* (see :func:`remember`), or None."""
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    return None


def remember(key: tuple, value: Any) -> None:
    """Keep *value* (never None) under *key* for the rest of the process."""
    _get(key, lambda: value)


def clear() -> None:
    """Forget every parsed file (tests and benchmarks measure a cold load with it)."""
    _cache.clear()


def _digest(path: Path) -> str | None:
    try:
        return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
    except OSError:
        return None  # let the parser report the file's problem with its own message


def yaml_model(path: Path, model: type) -> tuple[yamlio.YamlDoc, Any]:
    """The parsed YAML file at *path* and its validated *model*; raises :class:`MarcError` as
    ``yamlio`` does (errors are not cached: a broken file is re-read until it is fixed)."""
    digest = _digest(path)

    def build():
        doc = yamlio.read(path)
        if not isinstance(doc.data, dict):
            raise MarcError.single(path, "wrong-type", "the file must hold a mapping at the top level", 1, 1)
        return doc, yamlmodel.parse_model(doc, model)

    if digest is None:
        return build()
    return _get(("yaml", str(path), model.__name__, digest), build)


def csv_frame(path: Path, parse: Callable[[bytes, list[Problem]], Any], kind: str, problems: list[Problem],
              data: bytes | None = None) -> Any:
    """``parse(data, problems)`` of the CSV at *path* (whose bytes, *data*, the caller may have read
    already), once per content; its problems are replayed on a hit."""
    data = path.read_bytes() if data is None else data
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()

    def build():
        found: list[Problem] = []
        return parse(data, found), tuple(found)

    value, found = _get((kind, str(path), digest), build)
    problems.extend(found)
    return value


def stored_tables(name: str, columns: dict[str, list[str]]) -> dict[str, Any] | None:
    """The tables kept under *name* (one per suffix in *columns*, with exactly those columns): this
    process's if it read them already, else the on-disk store's (:mod:`marc.core.parsestore`); copies
    the caller owns, or None when any of them is missing."""
    from marc.core import parsestore

    got = lookup(("tables", name))
    if got is None:
        got = {suffix: parsestore.get_frame(name + suffix, cols) for suffix, cols in columns.items()}
        if any(frame is None for frame in got.values()):
            return None
        remember(("tables", name), got)
    return {suffix: frame.copy() for suffix, frame in got.items()}


def keep_tables(name: str, tables: dict[str, Any]) -> None:
    """Keep *tables* (suffix -> DataFrame) under *name*, for this process and on disk."""
    from marc.core import parsestore

    for suffix, frame in tables.items():
        parsestore.put_frame(name + suffix, frame)
    remember(("tables", name), {suffix: frame.copy() for suffix, frame in tables.items()})
