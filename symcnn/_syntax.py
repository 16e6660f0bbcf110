"""Text to syntax tree: the Lark parser of ``grammar/symcnn.lark`` and the frozen
dataclasses it builds.

This module knows what can be written, not what it means; ``_evaluate`` gives the tree
its meaning. Every node carries the line and column it came from, so that any later
error can point at the text.
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterator, Union

import lark

from ._resources import data
from .errors import DSLSyntaxError


@dataclass(frozen=True)
class Pos:
    line: int
    column: int


# ---- expressions -------------------------------------------------------------------

@dataclass(frozen=True)
class Num:
    value: int | Fraction  # exact; the evaluator turns it into sympy where it needs to
    pos: Pos


@dataclass(frozen=True)
class Name:
    id: str
    pos: Pos


@dataclass(frozen=True)
class BinOp:
    op: str  # one of + - * / // % ^
    left: Expr
    right: Expr
    pos: Pos


@dataclass(frozen=True)
class Neg:
    operand: Expr
    pos: Pos


@dataclass(frozen=True)
class Func:
    name: str
    args: tuple[Expr, ...]
    pos: Pos


Expr = Union[Num, Name, BinOp, Neg, Func]

# ---- argument values and sequence items --------------------------------------------


@dataclass(frozen=True)
class Tuple:
    items: tuple[Expr, ...]
    pos: Pos


@dataclass(frozen=True)
class Word:
    """One of the words ``same``, ``valid``, ``true``, ``false``."""
    word: str
    pos: Pos


@dataclass(frozen=True)
class Group:
    items: tuple[Item, ...]
    pos: Pos


Value = Union[Num, Name, BinOp, Neg, Func, Tuple, Word, Group]


@dataclass(frozen=True)
class Keyword:
    key: str
    value: Value
    pos: Pos


@dataclass(frozen=True)
class Call:
    """A layer (``C(32, 3)``, ``ReLU``) or a call of a ``def`` block: which one is
    decided when the program is evaluated."""
    name: str
    args: tuple[Value | Keyword, ...]
    pos: Pos


@dataclass(frozen=True)
class Repeat:
    item: Item
    count: Expr
    pos: Pos


Item = Union[Call, Group, Repeat]

# ---- statements --------------------------------------------------------------------


@dataclass(frozen=True)
class Definition:
    name: str
    params: tuple[str, ...]
    body: tuple[Item, ...]
    pos: Pos


@dataclass(frozen=True)
class Binding:
    name: str
    value: Expr
    pos: Pos


@dataclass(frozen=True)
class Sequence:
    items: tuple[Item, ...]
    pos: Pos


Statement = Union[Definition, Binding, Sequence]


@dataclass(frozen=True)
class Program:
    statements: tuple[Statement, ...]
    text: str


def _pos(token: lark.Token) -> Pos:
    return Pos(token.line or 1, token.column or 1)


def pos_of(node: object) -> Pos:
    return node.pos  # type: ignore[attr-defined, no-any-return]


class _Build(lark.Transformer):
    """Turns parse-tree nodes into the dataclasses above; the grammar has already
    shaped the tree, so each method is a constructor call."""

    def program(self, statements):
        return tuple(statements)

    def definition(self, children):
        name, *rest = children
        *params, body = rest
        names = tuple(str(p) for p in params if p is not None)
        return Definition(str(name), names, body.items, _pos(name))

    def binding(self, children):
        name, value = children
        return Binding(str(name), value, _pos(name))

    def sequence(self, items):
        return Sequence(tuple(items), pos_of(items[0]))

    def repeat(self, children):
        item, count = children
        return Repeat(item, count, pos_of(item))

    def call(self, children):
        name = children[0]
        args = children[1] if len(children) > 1 and children[1] is not None else ()
        return Call(str(name), tuple(args), _pos(name))

    def group(self, children):
        (sequence,) = children
        items = sequence.items if sequence is not None else ()
        return Group(items, pos_of(items[0]) if items else Pos(0, 0))

    def arguments(self, children):
        return tuple(c for c in children if c is not None)

    def keyword(self, children):
        key, value = children
        return Keyword(str(key), value, _pos(key))

    def word(self, children):
        (token,) = children
        return Word(str(token), _pos(token))

    def tuple(self, children):
        items = tuple(c for c in children if c is not None)
        return Tuple(items, pos_of(items[0]))

    def _binop(self, op: str, children):
        left, right = children
        return BinOp(op, left, right, pos_of(left))

    def add(self, c): return self._binop("+", c)
    def sub(self, c): return self._binop("-", c)
    def mul(self, c): return self._binop("*", c)
    def div(self, c): return self._binop("/", c)
    def floordiv(self, c): return self._binop("//", c)
    def mod(self, c): return self._binop("%", c)
    def pow(self, c): return self._binop("^", c)

    def neg(self, children):
        (operand,) = children
        return Neg(operand, pos_of(operand))

    def integer(self, children):
        (token,) = children
        return Num(int(token), _pos(token))

    def decimal(self, children):
        (token,) = children
        return Num(Fraction(str(token)), _pos(token))

    def name(self, children):
        (token,) = children
        return Name(str(token), _pos(token))

    def function(self, children):
        name, *args = children
        return Func(str(name), tuple(a for a in args if a is not None), _pos(name))

    def expression(self, children):
        return children[0]


class _DropBracketedNewlines:
    """Post-lexer: inside ( ) and [ ] a newline is only whitespace."""

    always_accept = ("_SEP",)  # let the contextual lexer hand every newline to us

    def process(self, stream: Iterator[lark.Token]) -> Iterator[lark.Token]:
        depth = 0
        for token in stream:
            if token.type in ("LPAR", "LSQB"):
                depth += 1
            elif token.type in ("RPAR", "RSQB"):
                depth = max(depth - 1, 0)
            elif token.type == "_SEP" and depth and token.value != ";":
                continue
            yield token


def grammar_text() -> str:
    return data("grammar/symcnn.lark", "grammar/symcnn.lark").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def _parser() -> lark.Lark:
    return lark.Lark(
        grammar_text(), parser="lalr", start=["program", "expression"],
        postlex=_DropBracketedNewlines(), transformer=_Build(), maybe_placeholders=True,
        cache=_cache_file() or False,
    )


def _cache_file() -> str | None:
    """Where Lark keeps the analysed grammar between runs: building the LALR tables takes
    longer than a whole command-line run should (about 80 ms; loading them, 10 ms). Lark
    stores a hash of the grammar and its options with them and rebuilds when they
    differ. The folder is the user's own cache (``$XDG_CACHE_HOME`` or ``~/.cache``),
    never a shared temporary folder; without one, nothing is cached."""
    if os.environ.get("SYMCNN_NO_CACHE"):
        return None
    try:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        folder = root / "symcnn"
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # no home, or a read-only one
        return None
    python = "".join(map(str, sys.version_info[:2]))
    return str(folder / f"grammar-lark{lark.__version__}-py{python}.cache")


# What each terminal is, in words, for "expected ..." in error messages.
_WORDS = {
    "NAME": "a name", "INT": "a number", "DECIMAL": "a number", "WORD": "same/valid/true/false",
    "LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "COMMA": "','",
    "EQUAL": "'='", "_SEP": "a new line or ';'", "$END": "the end of the text",
    "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'", "SLASH": "'/'", "_POW": "'^'",
    "DEF": "'def'", "PERCENT": "'%'", "__ANON_0": "'//'",
}


def _expected_words(expected: set[str]) -> str:
    words = sorted({_WORDS.get(t, t.lower()) for t in expected})
    if {"a name", "a number"} <= set(words):
        words = [w for w in words if w not in ("'('", "'-'", "'+'")] + ["an expression"]
        words = [w for w in words if w not in ("a name", "a number")] + ["a name", "a number"]
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def context_lines(text: str, line: int, column: int) -> str:
    """The source line with a caret under ``column`` (both 1-based)."""
    lines = text.splitlines() or [""]
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    source = source.expandtabs(1)
    return f"    {source}\n    {' ' * (max(column, 1) - 1)}^"


def _syntax_error(text: str, error: lark.exceptions.UnexpectedInput) -> DSLSyntaxError:
    line, column = error.line, error.column
    if line is None or line < 1:
        lines = text.splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
    if isinstance(error, lark.exceptions.UnexpectedCharacters):
        char = text[error.pos_in_stream] if error.pos_in_stream < len(text) else ""
        message = f"unexpected character {char!r}"
        if error.allowed:
            message += f"; expected {_expected_words(set(error.allowed))}"
    elif isinstance(error, lark.exceptions.UnexpectedToken):
        token = error.token
        found = "the end of the text" if token.type == "$END" else repr(str(token))
        if token.type == "_SEP":
            found = "a new line" if str(token) != ";" else "';'"
        message = f"unexpected {found}; expected {_expected_words(set(error.expected))}"
    else:  # UnexpectedEOF
        message = f"the text ends too early; expected {_expected_words(set(error.expected))}"
    return DSLSyntaxError(message, line, column, context_lines(text, line, column))


def parse_program(text: str) -> Program:
    try:
        statements = _parser().parse(text, start="program")
    except lark.exceptions.UnexpectedInput as error:
        raise _syntax_error(text, error) from None
    return Program(statements, text)


def parse_expression(text: str) -> Expr:
    """One expression, as the command line's ``--set n=EXPR`` takes it."""
    try:
        return _parser().parse(text, start="expression")  # type: ignore[no-any-return]
    except lark.exceptions.UnexpectedInput as error:
        raise _syntax_error(text, error) from None
