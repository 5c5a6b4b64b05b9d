"""YAML 1.2 reading and comment-preserving writing, with source positions for every node.

One reader serves both scoring and saving: ruamel.yaml's round-trip loader, which follows YAML 1.2
(``no``, ``on`` and ``NO`` are strings), rejects duplicate keys, and remembers the line and column
of every key and item.  :func:`to_plain` turns the round-trip tree into plain Python data for the
pydantic models; :func:`marc.core.yamlmodel.locate` maps a pydantic error location back to ``file:line:column``.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

# ruamel.yaml is imported where it is used: a load served from the parse store never needs it
from marc.core.atomic import locked, replace_if_unchanged, write_bytes
from marc.core.errors import MarcError, Problem

#: Limits on a YAML file (see docs/security.md): bytes, nesting depth, aliases, and the number of
#: nodes once every alias is expanded (a one-kilobyte "billion laughs" file fails here, fast).
MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIASES = 1000
MAX_NODES = 200_000
#: Largest magnitude a number in the YAML may have; larger ones (and inf, nan) are errors.
MAX_NUMBER = 1e18



def _yaml() -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.version = None  # YAML 1.2 semantics (ruamel default)
    y.allow_duplicate_keys = False
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap a user's lines
    y.indent(mapping=2, sequence=4, offset=2)
    return y


_UNPARSED = object()


class YamlDoc:
    """A parsed YAML file: its path, its text and its round-trip tree (with comments and positions).

    A document found in the parse store (:mod:`marc.core.parsestore`) arrives as plain data; its
    round-trip tree is parsed from the same text only when something asks for it (an error's
    location, an edit), so a clean load never runs ruamel's parser twice.
    """

    def __init__(self, path: Path | str, root: Any = _UNPARSED, text: str = "", *, plain: str | None = None) -> None:
        self.path = Path(path)
        self.text = text
        self._root = root
        self._plain = plain  # the plain data as JSON (from the parse store), while no tree is built

    @property
    def root(self) -> Any:
        if self._root is _UNPARSED:
            self._root = parse_text(self.text, self.path).root
        return self._root

    @root.setter
    def root(self, value: Any) -> None:
        self._root = value

    @property
    def data(self) -> Any:
        """The document as plain dicts, lists and scalars (a fresh copy on every call)."""
        if self._root is _UNPARSED and self._plain is not None:
            from marc.core.parsestore import loads_plain

            return loads_plain(self._plain)
        return to_plain(self.root)

    def __repr__(self) -> str:
        return f"YamlDoc(path={str(self.path)!r})"


def _check_events(y: Any, text: str, path: Path) -> tuple[int, int]:
    """Depth and alias limits, checked on the event stream before anything is built (no recursion).

    Returns the 1-based (line, column) of the first alias (1, 1 when there is none)."""
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent

    depth, aliases, first = 0, 0, (1, 1)
    for event in y.parse(text):
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                m = event.start_mark
                raise MarcError([Problem(str(path), m.line + 1, m.column + 1, "too-deep",
                                         f"nesting deeper than {MAX_DEPTH} levels; a framework file never needs that many")])
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
        elif isinstance(event, AliasEvent):
            aliases += 1
            if aliases == 1:
                first = (event.start_mark.line + 1, event.start_mark.column + 1)
            if aliases > MAX_ALIASES:
                m = event.start_mark
                raise MarcError([Problem(str(path), m.line + 1, m.column + 1, "too-many-aliases",
                                         f"more than {MAX_ALIASES} aliases (*name); write the values out")])
    return first


def _node_mark(parent: Any, key: Any) -> tuple[int, int]:
    from ruamel.yaml.comments import CommentedMap

    try:
        ln, cl = parent.lc.key(key) if isinstance(parent, CommentedMap) else parent.lc.item(key)
        return ln + 1, cl + 1
    except Exception:
        return 0, 0


def _check_tree(root: Any, path: Path, alias_at: tuple[int, int] = (1, 1)) -> None:
    """Expanded size (aliases counted every time they are used), recursion, and number hygiene."""
    sizes: dict[int, int] = {}
    problems: list[Problem] = []

    def number(value: Any, where: tuple[int, int], label: str) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return
        if isinstance(value, float) and value != value:
            problems.append(Problem(str(path), *where, "non-finite", f"{label} is NaN (not a number); write a number"))
        elif isinstance(value, float) and value in (float("inf"), float("-inf")):
            problems.append(Problem(str(path), *where, "non-finite",
                                    f"{label} is infinite (or too large for a number); write a finite number"))
        elif abs(value) > MAX_NUMBER:
            problems.append(Problem(str(path), *where, "too-large", f"{label} is larger than {MAX_NUMBER:g}; "
                                    "write a smaller number (change the unit, e.g. millions)"))

    stack: list[tuple[Any, bool]] = [(root, False)]
    active: set[int] = set()
    while stack:  # iterative post-order walk: no recursion however the aliases nest
        node, done = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        key = id(node)
        if done:
            items = node.values() if isinstance(node, dict) else node
            sizes[key] = 1 + sum(sizes.get(id(v), 1) for v in items)
            active.discard(key)
            if sizes[key] > MAX_NODES:
                raise MarcError([Problem(str(path), *alias_at, "alias-bomb",
                                         f"the document expands to over {MAX_NODES:,} values (aliases repeated); "
                                         "this looks like an alias bomb; write the values out")])
            continue
        if key in sizes:
            continue
        if key in active:
            raise MarcError([Problem(str(path), 1, 1, "recursive-alias", "an alias refers to its own anchor; remove it")])
        active.add(key)
        stack.append((node, True))
        pairs = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        for k, v in pairs:
            if id(v) in active:
                ln, cl = _node_mark(node, k)
                raise MarcError([Problem(str(path), ln, cl, "recursive-alias",
                                         "an alias refers to its own anchor (a loop); remove it")])
            if isinstance(node, dict):
                number(k, _node_mark(node, k), f"key {k!r}")
            number(v, _node_mark(node, k), repr(k) if isinstance(node, dict) else f"item {k + 1}")
            stack.append((v, False))
    if problems:
        raise MarcError(problems)


def parse_text(text: str, path: Path | str = "<text>") -> YamlDoc:
    """Parse YAML text, raising :class:`MarcError` with the location of syntax errors and duplicate keys.

    Also enforces the limits above (size, depth, aliases, expanded size) and refuses ``inf``,
    ``nan`` and numbers beyond :data:`MAX_NUMBER`, each as a located problem.
    """
    path = Path(path)
    if len(text) > MAX_BYTES:
        raise MarcError([Problem(str(path), 0, 0, "too-large",
                                 f"{len(text):,} characters; a YAML file may have at most {MAX_BYTES:,}")])
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError

    y = _yaml()
    try:
        alias_at = _check_events(y, text, path)
        root = y.load(text)
    except MarcError:
        raise
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        key = str(exc.problem).split('"')[1] if '"' in str(exc.problem) else "?"
        raise MarcError([Problem(str(path), mark.line + 1, mark.column + 1, "duplicate-key",
                                 f"key {key!r} appears twice in the same mapping; keep one")]) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        what = (exc.problem or exc.context or "syntax error").strip()
        raise MarcError([Problem(str(path), line, col, "yaml-syntax", f"{what}; check indentation and quoting")]) from None
    except RecursionError:
        raise MarcError([Problem(str(path), 0, 0, "too-deep", "the document nests too deeply to read")]) from None
    except Exception as exc:  # ruamel raises a few non-marked errors (e.g. bad tab use)
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise MarcError([Problem(str(path), 0, 0, "yaml-syntax", first)]) from None
    _check_tree(root, path, alias_at)
    return YamlDoc(path=path, root=root, text=text)


def read(path: Path | str) -> YamlDoc:
    """Read and parse a YAML file (a folder, an unreadable or an oversized file is a located problem)."""
    path = Path(path)
    try:
        if path.is_dir():
            raise MarcError.single(path, "not-a-file", "is a folder where a YAML file is expected; rename or remove it", 1, 1)
        if path.exists() and path.stat().st_size > MAX_BYTES:
            raise MarcError.single(path, "too-large", f"{path.stat().st_size:,} bytes; a YAML file may have at most "
                                   f"{MAX_BYTES:,}", 1, 1)
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise MarcError.single(path, "not-found", "file does not exist") from None
    except PermissionError:
        raise MarcError.single(path, "unreadable", "permission denied; make the file readable (chmod u+r)", 1, 1) from None
    except UnicodeDecodeError as exc:
        raise MarcError.single(path, "encoding", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise MarcError.single(path, "unreadable", f"cannot read the file ({exc.strerror or exc})", 1, 1) from None
    return _parse_stored(raw, text, path)


def _parse_stored(raw: bytes, text: str, path: Path) -> YamlDoc:
    """:func:`parse_text`, through the on-disk parse store: a file parsed before (the same bytes, the
    same ruamel.yaml and the same checks) is not parsed again; only clean parses are stored."""
    from marc.core import parsestore

    name = parsestore.key("yaml", parsestore.digest(raw), parsestore.code(__name__), parsestore.package("ruamel.yaml"))
    body = parsestore.get(name)
    if body is not None:
        try:
            plain = body.decode("utf-8")
            parsestore.loads_plain(plain)
            return YamlDoc(path, text=text, plain=plain)
        except ValueError:
            pass  # an unreadable entry: parse as if there were none
    doc = parse_text(text, path)
    body = parsestore.dumps_plain(to_plain(doc.root))
    if body is not None:  # (a date, a tag or a non-finite number is parsed every time)
        parsestore.put(name, body)
    return doc


def to_plain(node: Any) -> Any:
    """Convert a round-trip tree to plain dicts, lists and scalars."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, (int, float, bool)) else k: to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [to_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def dump(root: Any) -> str:
    """Serialise a round-trip tree, comments included."""
    buf = io.StringIO()
    _yaml().dump(root, buf)
    return buf.getvalue()


def save(doc: YamlDoc, *, expected_text: str | None = None) -> Path | None:
    """Write *doc* back to its path atomically, keeping comments and a backup.

    When *expected_text* is given (the text the editor loaded), refuse to overwrite a file that has
    changed on disk since, so that nobody's edit is lost: the check and the replace run under one
    file lock (:func:`marc.core.atomic.replace_if_unchanged`); the loser's edit is kept for re-applying.
    """
    text = dump(doc.root)
    parse_text(text, doc.path)  # never write something we cannot read back
    data = text.encode("utf-8")
    if expected_text is None:
        with locked(doc.path):
            return write_bytes(doc.path, data)
    expected = hashlib.sha256(expected_text.encode("utf-8")).hexdigest()
    if not doc.path.exists():
        expected = None  # a new file: nobody else may create it first
    return replace_if_unchanged(doc.path, expected, data)
