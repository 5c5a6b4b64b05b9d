"""YAML 1.2 reading and comment-preserving writing, with source positions for every node.

One reader serves both scoring and saving: ruamel.yaml's round-trip loader, which follows YAML 1.2
(``no``, ``on`` and ``NO`` are strings), rejects duplicate keys, and remembers the line and column
of every key and item.  :func:`to_plain` turns the round-trip tree into plain Python data for the
pydantic models; :func:`locate` maps a pydantic error location back to ``file:line:column``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError

from marc.atomic import write_text
from marc.errors import MarcError, Problem

M = TypeVar("M", bound=BaseModel)

# pydantic error types -> stable MARC error codes
_CODES = {
    "extra_forbidden": "unknown-key",
    "missing": "missing-key",
    "literal_error": "bad-value",
    "enum": "bad-value",
    "union_tag_invalid": "bad-value",
    "union_tag_not_found": "missing-key",
    "string_pattern_mismatch": "bad-value",
    "greater_than_equal": "out-of-range",
    "greater_than": "out-of-range",
    "less_than_equal": "out-of-range",
    "less_than": "out-of-range",
}


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.version = None  # YAML 1.2 semantics (ruamel default)
    y.allow_duplicate_keys = False
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap a user's lines
    y.indent(mapping=2, sequence=4, offset=2)
    return y


@dataclass
class YamlDoc:
    """A parsed YAML file: its path, its round-trip tree (with comments and positions)."""

    path: Path
    root: Any
    text: str

    @property
    def data(self) -> Any:
        return to_plain(self.root)


def parse_text(text: str, path: Path | str = "<text>") -> YamlDoc:
    """Parse YAML text, raising :class:`MarcError` with the location of syntax errors and duplicate keys."""
    path = Path(path)
    try:
        root = _yaml().load(text)
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
    except Exception as exc:  # ruamel raises a few non-marked errors (e.g. bad tab use)
        raise MarcError([Problem(str(path), 0, 0, "yaml-syntax", str(exc).splitlines()[0])]) from None
    return YamlDoc(path=path, root=root, text=text)


def read(path: Path | str) -> YamlDoc:
    """Read and parse a YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MarcError.single(path, "not-found", "file does not exist") from None
    except UnicodeDecodeError as exc:
        raise MarcError.single(path, "encoding", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_text(text, path)


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


def locate(root: Any, loc: Iterable[Any]) -> tuple[int, int]:
    """1-based (line, column) of the deepest node on *loc* that exists in the tree.

    For a mapping key that is present we point at the key itself; for an unknown key too.
    """
    node = root
    line, col = (1, 1)
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            try:
                ln, cl = node.lc.key(part)
                line, col = ln + 1, cl + 1
            except (KeyError, TypeError):
                pass
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            try:
                ln, cl = node.lc.item(part)
                line, col = ln + 1, cl + 1
            except (KeyError, TypeError, IndexError):
                pass
            node = node[part]
        else:
            if hasattr(node, "lc") and not isinstance(part, int):
                # a union/tag part in pydantic's loc, or a missing key: stay on the parent node
                continue
            break
    return line, col


def _message(err: dict) -> str:
    msg = err["msg"]
    loc = [p for p in err["loc"] if isinstance(p, (str, int))]
    if err["type"] == "extra_forbidden":
        return f"unknown key {loc[-1]!r}; check its spelling against the schema (docs/framework.schema.json)"
    if err["type"] == "missing":
        return f"required key {loc[-1]!r} is missing"
    if err["type"] == "literal_error":
        return f"{err.get('input')!r} is not allowed here; {msg[0].lower()}{msg[1:]}"
    if err["type"] == "union_tag_not_found":
        tag = err.get("ctx", {}).get("discriminator", "").strip("'")
        return f"{loc[-1]!r} needs a {tag!r} key saying which kind it is"
    if err["type"] == "union_tag_invalid":
        ctx = err.get("ctx", {})
        return f"unknown {ctx.get('discriminator', 'kind')} {ctx.get('tag')!r}; use one of {ctx.get('expected_tags')}"
    if err["type"] == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        if "/" in pattern:
            return f"{err.get('input')!r} is not a variable; write dataset/code, e.g. wdi/SP.POP.TOTL"
        return f"{err.get('input')!r} is not a valid id; use lower-case letters, digits and _ (starting with a letter)"
    return msg.removeprefix("Value error, ")


def validation_problems(doc: YamlDoc, error: ValidationError, prefix: tuple = ()) -> list[Problem]:
    """Turn a pydantic ValidationError on *doc*'s data into located problems."""
    problems = []
    for err in error.errors(include_url=False):
        loc = prefix + tuple(err["loc"])
        line, col = locate(doc.root, loc)
        etype = err["type"]
        code = _CODES.get(etype)
        if code is None:
            if etype.endswith("_type") or etype.endswith("_parsing") or etype in {"model_type", "dict_type", "list_type"}:
                code = "wrong-type"
            else:
                code = etype  # custom PydanticCustomError codes (negative-weight, goalposts-order, ...)
        problems.append(Problem(str(doc.path), line, col, code, _message(err)))
    return problems


def parse_model(doc: YamlDoc, model: type[M], **context: Any) -> M:
    """Validate *doc* against *model*, raising :class:`MarcError` with located problems."""
    try:
        return model.model_validate(doc.data, context={"doc": doc, **context})
    except ValidationError as exc:
        raise MarcError(validation_problems(doc, exc)) from None


def dump(root: Any) -> str:
    """Serialise a round-trip tree, comments included."""
    buf = io.StringIO()
    _yaml().dump(root, buf)
    return buf.getvalue()


def save(doc: YamlDoc, *, expected_text: str | None = None) -> Path | None:
    """Write *doc* back to its path atomically, keeping comments and a backup.

    When *expected_text* is given (the text the editor loaded), refuse to overwrite a file that has
    changed on disk since, so that nobody's edit is lost.
    """
    if expected_text is not None and doc.path.exists():
        current = doc.path.read_text(encoding="utf-8")
        if current != expected_text:
            raise MarcError.single(doc.path, "changed-on-disk",
                                   "the file changed on disk since it was loaded; reload it and apply your edit again")
    text = dump(doc.root)
    parse_text(text, doc.path)  # never write something we cannot read back
    return write_text(doc.path, text)
