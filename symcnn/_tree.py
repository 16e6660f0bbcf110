"""The syntax tree: the frozen dataclasses a program is parsed into, and the functions
that build the nodes which need more than their fields (a name that must not be a word, a
number whose digits are bounded, an operation whose nesting depth is bounded).

Both parsers build their trees with these (``_syntax``'s Lark transformer and
``_descent``'s quick parser), so the two cannot differ in what a node holds. Every
node carries the line and column it came from, so that any later error can point at the
text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Union

from . import limits
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
    depth: int = field(default=1, compare=False, repr=False)


@dataclass(frozen=True)
class Neg:
    operand: Expr
    pos: Pos
    depth: int = field(default=1, compare=False, repr=False)


@dataclass(frozen=True)
class Func:
    name: str
    args: tuple[Expr, ...]
    pos: Pos
    depth: int = field(default=1, compare=False, repr=False)


Expr = Union[Num, Name, BinOp, Neg, Func]

# ---- argument values and sequence items --------------------------------------------


@dataclass(frozen=True)
class Tuple:
    items: tuple[Expr | Tuple, ...]  # a tuple of pairs: p=((0, 1), (0, 1))
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


def pos_of(node: object) -> Pos:
    return node.pos  # type: ignore[attr-defined]


def depth_of(node: object) -> int:
    return getattr(node, "depth", 1)


def deeper(pos: Pos, *children: object) -> int:
    """The nesting depth of an expression node over its children, checked against
    ``MAX_DEPTH`` as the tree is built, bottom-up and without recursion, so that no
    later recursive walk (ours or sympy's) can meet a deeper tree."""
    depth = 1 + max([getattr(c, "depth", 1) for c in children])
    if depth > limits.MAX_DEPTH:
        raise limits.exceeded(f"an expression nests {depth} operations deep", "MAX_DEPTH",
                              pos.line, pos.column)
    return depth


#: The language's words: values of an argument (``p=same``, ``bias=false``), so never a
#: name. Outside an argument the lexer would read one as a name (``p=0+same``), and
#: ``to_dsl`` would then print a symbol that reads back as the word.
WORDS = frozenset(("same", "valid", "true", "false"))


def check_name(name: str, pos: Pos) -> str:
    """``name``, refused if it is one of the language's :data:`WORDS`."""
    if name in WORDS:
        raise DSLSyntaxError(f"{name} is a word of the language (same, valid, true, false "
                             "are argument values, as in p=same or bias=false), not a name; "
                             "choose another name", pos.line, pos.column)
    return name


def number(text: str, pos: Pos) -> Num:
    """The number a literal spells (``224``, ``0.5``, ``.5``, ``3.``), exact. Its digits
    are bounded before Python converts them, which it refuses beyond 4,300 digits;
    10^k has about 3.32·k bits."""
    if len(text) * 3.33 > limits.MAX_BITS + 4:  # never true of a number's usual length
        digits = sum(ch.isdigit() for ch in text)
        if digits * 3.33 > limits.MAX_BITS + 4:
            raise limits.exceeded(f"this number has {digits:,} digits, about "
                                  f"{int(digits * 3.32):,} bits", "MAX_BITS",
                                  pos.line, pos.column)
    return Num(Fraction(text) if "." in text else int(text), pos)


# Operators that chain into one flat sum or product: a - b + c, a * b / c // d.
CHAINS = {"+": "sum", "-": "sum", "*": "product", "/": "product", "//": "product",
          "%": "product"}


def binop(op: str, left: Expr, right: Expr) -> BinOp:
    """``left op right``, at the place of ``left``."""
    pos = left.pos
    if isinstance(left, BinOp) and CHAINS.get(left.op, "^") == CHAINS.get(op):
        # a + b + c is one flat sum, evaluated as a loop: its length is no depth
        depth = max(left.depth, deeper(pos, right))
    else:
        depth = deeper(pos, left, right)
    return BinOp(op, left, right, pos, depth)


def neg(operand: Expr) -> Neg:
    """``-operand``, at the place of the operand."""
    pos = operand.pos
    return Neg(operand, pos, deeper(pos, operand))


def function(name: str, args: tuple[Expr, ...], pos: Pos) -> Func:
    return Func(name, args, pos, deeper(pos, *args))
