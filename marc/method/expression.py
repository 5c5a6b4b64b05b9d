"""A small, safe arithmetic language for derived indicators.

Grammar (precedence climbing, never Python ``eval``)::

    expr    := term (("+" | "-") term)*
    term    := power (("*" | "/") power)*
    power   := unary ("^" unary)?
    unary   := "-" unary | atom
    atom    := NUMBER | NAME | "[" VARIABLE "]" | FUNC "(" expr ("," expr)* ")" | "(" expr ")"
    FUNC    := log | log10 | sqrt | abs | min | max

``NAME`` refers to another indicator by id (its raw value); ``[dataset/code]`` refers to a panel
variable, e.g. ``[wdi/NY.GDP.MKTP.CD] / [wdi/SP.POP.TOTL]``.  Evaluation is vectorised over numpy
arrays; division by zero gives NaN, never an exception.

Limits (see docs/security.md): at most :data:`MAX_LENGTH` characters, brackets and signs nested at
most :data:`MAX_NESTING` deep, and a tree at most :data:`MAX_DEPTH` deep (long chains like
``a + b + c ...`` count too); beyond them parsing fails with a located :class:`ExpressionError`,
never a ``RecursionError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping, Union

import numpy as np

FUNCTIONS: dict[str, Callable[..., np.ndarray]] = {
    "log": np.log,
    "log10": np.log10,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "min": np.fmin,
    "max": np.fmax,
}
MAX_LENGTH = 2000
MAX_NESTING = 40
MAX_DEPTH = 100
_TOKEN = re.compile(
    r"\s*(?:(?P<num>[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?)"
    r"|(?P<var>\[[^\]\[]+\])|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+*/^(),]))"
)


class ExpressionError(ValueError):
    """A syntax error at a 0-based character *offset* in the expression."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Ref:
    name: str  # indicator id, or "dataset/code" for a panel variable
    is_variable: bool


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple["Node", ...]


@dataclass(frozen=True)
class BinOp:
    op: str
    left: "Node"
    right: "Node"


@dataclass(frozen=True)
class Neg:
    operand: "Node"


Node = Union[Num, Ref, Call, BinOp, Neg]


def _tokenise(text: str) -> list[tuple[str, str, int]]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExpressionError(f"unexpected character {text[pos:].lstrip()[:1]!r}", len(text) - len(text[pos:].lstrip()))
        kind = m.lastgroup or "op"
        start = m.start(kind)
        tokens.append((kind, m.group(kind), start))
        pos = m.end()
    tokens.append(("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokenise(text)
        self.i = 0
        self.nesting = 0
        self.depths: dict[int, int] = {}

    def node(self, node: "Node", offset: int, *children: "Node") -> "Node":
        """Record *node*'s tree depth; refuse a tree deeper than MAX_DEPTH."""
        depth = 1 + max((self.depths.get(id(c), 1) for c in children), default=0)
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression is nested or chained more than {MAX_DEPTH} levels deep; split it into "
                                  "several derived indicators", offset)
        self.depths[id(node)] = depth
        return node

    def enter(self, offset: int) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise ExpressionError(f"brackets, calls or signs nested more than {MAX_NESTING} deep", offset)

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self, value: str | None = None) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        if value is not None and tok[1] != value:
            found = tok[1] or "end of expression"
            raise ExpressionError(f"expected {value!r} but found {found!r}", tok[2])
        self.i += 1
        return tok

    def parse(self) -> Node:
        node = self.expr()
        kind, value, offset = self.peek()
        if kind != "end":
            raise ExpressionError(f"unexpected {value!r}", offset)
        return node

    def expr(self) -> Node:
        node = self.term()
        while self.peek()[1] in ("+", "-"):
            _k, op, at = self.take()
            right = self.term()
            node = self.node(BinOp(op, node, right), at, node, right)
        return node

    def term(self) -> Node:
        node = self.power()
        while self.peek()[1] in ("*", "/"):
            _k, op, at = self.take()
            right = self.power()
            node = self.node(BinOp(op, node, right), at, node, right)
        return node

    def power(self) -> Node:
        node = self.unary()
        if self.peek()[1] == "^":
            at = self.take()[2]
            right = self.unary()
            node = self.node(BinOp("^", node, right), at, node, right)
        return node

    def unary(self) -> Node:
        if self.peek()[1] in ("-", "+"):
            _k, sign, at = self.take()
            self.enter(at)
            operand = self.unary()
            self.nesting -= 1
            return self.node(Neg(operand), at, operand) if sign == "-" else operand
        return self.atom()

    def atom(self) -> Node:
        kind, value, offset = self.take()
        if kind == "num":
            return Num(float(value))
        if kind == "var":
            name = value[1:-1].strip()
            if "/" not in name:
                raise ExpressionError(f"variable {name!r} must be written as [dataset/code]", offset)
            return Ref(name, True)
        if kind == "name":
            if self.peek()[1] == "(":
                if value not in FUNCTIONS:
                    raise ExpressionError(f"unknown function {value!r}; allowed: {', '.join(FUNCTIONS)}", offset)
                self.enter(offset)
                self.take("(")
                args = [self.expr()]
                while self.peek()[1] == ",":
                    self.take()
                    args.append(self.expr())
                self.take(")")
                self.nesting -= 1
                want = 2 if value in ("min", "max") else 1
                if len(args) != want:
                    raise ExpressionError(f"{value}() takes {want} argument(s), got {len(args)}", offset)
                return self.node(Call(value, tuple(args)), offset, *args)
            return Ref(value, False)
        if value == "(":
            self.enter(offset)
            node = self.expr()
            self.take(")")
            self.nesting -= 1
            return node
        raise ExpressionError(f"unexpected {value or 'end of expression'!r}", offset)


def parse(text: str) -> Node:
    """Parse *text*; raises :class:`ExpressionError` with the offset of the problem."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("empty expression", 0)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is {len(text):,} characters long; the limit is {MAX_LENGTH:,}", MAX_LENGTH)
    return _Parser(text).parse()


def references(node: Node) -> set[Ref]:
    """Every indicator or variable the expression reads."""
    if isinstance(node, Ref):
        return {node}
    if isinstance(node, BinOp):
        return references(node.left) | references(node.right)
    if isinstance(node, Neg):
        return references(node.operand)
    if isinstance(node, Call):
        return set().union(*(references(a) for a in node.args))
    return set()


def evaluate(node: Node, values: Mapping[str, np.ndarray]) -> np.ndarray:
    """Evaluate vectorised; *values* maps each reference name to an array (all the same shape)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.asarray(_eval(node, values), dtype="float64")


def _eval(node: Node, values: Mapping[str, np.ndarray]):
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Ref):
        return values[node.name]
    if isinstance(node, Neg):
        return -_eval(node.operand, values)
    if isinstance(node, Call):
        out = FUNCTIONS[node.func](*(_eval(a, values) for a in node.args))
        return np.where(np.isfinite(out), out, np.nan)
    left, right = _eval(node.left, values), _eval(node.right, values)
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    if node.op == "/":
        out = np.divide(left, right)
        return np.where(np.isfinite(out), out, np.nan)
    out = np.power(left, right)
    return np.where(np.isfinite(out), out, np.nan)
