"""Pydantic models from YAML documents: :func:`parse_model` validates a :class:`marc.core.yamlio.YamlDoc` and reports
every error as a located problem (:func:`locate` maps a pydantic error location back to ``file:line:column``) with a
stable MARC code and a message saying what to do.
"""

from __future__ import annotations

from typing import Any, Iterable, TypeVar

from pydantic import BaseModel, ValidationError

from marc.core.errors import MarcError, Problem
from marc.core.yamlio import YamlDoc

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


def locate(root: Any, loc: Iterable[Any]) -> tuple[int, int]:
    """1-based (line, column) of the deepest node on *loc* that exists in the tree.

    For a mapping key that is present we point at the key itself; for an unknown key too.
    """
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

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
