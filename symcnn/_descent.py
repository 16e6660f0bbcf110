"""The quick parser: recursive descent for text that is a valid program.

``grammar/symcnn.lark`` stays the language's one definition, and Lark's parser of it
the one that says what is wrong with a text. This module reads the programs that are
plainly valid about five times quicker than Lark does (``docs/performance.md``), into
the same tree, built by the same functions (``_tree``). At the first thing that is not
plainly valid (a character no token starts with, a token where the grammar has none, a
bracket that does not pair, nesting past ``MAX_DEPTH``, a name that is a word) it gives
up with :class:`Fallback`, and ``_syntax`` parses the text again with Lark, whose
errors are the ones symcnn reports. ``tests/test_descent.py`` checks that the two build
the same tree, every place and depth included, for every known program (the zoo, the
examples, the fuzzer's seeds, the compliance suites) and for random texts, valid and
not; and that the grammar is still the one this parser was written for.

The tokens are those of Lark's lexer: the grammar's terminals tried in Lark's order
(priority, then the longest possible match). Lark's lexer is contextual: ``def`` is
the keyword only where a statement starts, a word (``same``, ``valid``, ``true``,
``false``) only where an argument's value goes, and elsewhere either is a name. This
parser takes them where they are keyword and word, and leaves any text that has them
elsewhere to Lark.
"""

from __future__ import annotations

import re

from . import limits
from ._tree import (Binding, Call, Definition, Expr, Group, Item, Keyword, Name, Pos,
                    Repeat, Sequence, Statement, Tuple, Value, Word, binop, check_name,
                    function, neg, number)

__all__ = ["Fallback", "parse"]


class Fallback(Exception):
    """The text is not plainly valid: Lark parses it and says what is wrong."""


# One regular expression for every token, its alternatives in the order of Lark's lexer.
# The spaces and comments it skips match no group; each other alternative is a group,
# numbered as in _KINDS.
_TOKEN = re.compile("|".join((
    r"[ \t\f\r]+|#[^\n]*",
    r"((?:same|valid|true|false)\b)",     # 1: WORD, which Lark tries first (priority 2)
    r"(def(?![A-Za-z0-9_]))",             # 2: the keyword, a NAME spelled def
    r"([A-Za-z_][A-Za-z0-9_]*)",          # 3: NAME
    r"([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)",  # 4: DECIMAL or INT
    r"(\*\*|//|[-+*/%^=(),\[\]\n;])",     # 5: punctuation, operators and separators
    r"([\s\S])")))                        # 6: a character that starts no token
_KINDS = ("", "word", "def", "name", "number")  # punctuation is its own kind
_END = "end"
_OPENERS = {")": "(", "]": "["}
_PRODUCT = frozenset(("*", "/", "//", "%"))
_SUM = frozenset(("+", "-"))
# How deep brackets, and powers (2^3^4), may nest before a text is left to Lark,
# whatever MAX_DEPTH allows: each level costs this parser's recursion up to four Python
# frames.
_DEEPEST = 100
# the place of the tokens whose place no node takes (punctuation)
_NOWHERE = Pos(0, 0)


def parse(text: str, start: str) -> object:
    """What Lark's parser and ``_syntax._Build`` make of ``text`` from the grammar's
    rule ``start`` (``"program"``: the tuple of statements; ``"expression"``: one
    expression); raises :class:`Fallback` where Lark should read the text instead."""
    parser = _Parser(text)
    if start == "program":
        return parser.program()
    node = parser.expr()
    if parser.kinds[parser.i] != _END:
        raise Fallback
    return node


class _Parser:
    """The grammar's rules as methods over the list of tokens, with one token of
    lookahead (two where a statement or an argument may begin ``name =``)."""

    def __init__(self, text: str):
        # each token's kind, text and place; newlines inside brackets are dropped, as the
        # grammar's post-lexer drops them
        kinds: list[str] = []
        values: list[str] = []
        places: list[Pos] = []
        line, line_start = 1, 0
        opened: list[str] = []
        deepest = min(limits.MAX_DEPTH, _DEEPEST)
        for found in _TOKEN.finditer(text):
            group = found.lastindex
            if group is None:
                continue
            value = found.group()
            place = _NOWHERE
            if group == 5:
                kind = value
                if value == "\n":
                    line += 1
                    line_start = found.end()
                    if opened:
                        continue
                    kind = ";"
                elif value == "(" or value == "[":
                    opened.append(value)
                    if len(opened) > deepest:
                        raise Fallback
                    if value == "[":
                        place = Pos(line, found.start() - line_start + 1)
                elif value == ")" or value == "]":
                    if not opened or opened.pop() != _OPENERS[value]:
                        raise Fallback
                elif value == "**":
                    kind = "^"
                elif value == ";" and opened:
                    raise Fallback  # a ';' inside brackets ends nothing
            elif group == 6:
                raise Fallback
            else:
                kind = _KINDS[group]
                place = Pos(line, found.start() - line_start + 1)
            kinds.append(kind)
            values.append(value)
            places.append(place)
        if opened:
            raise Fallback
        kinds += (_END, _END)
        self.kinds, self.values, self.places = kinds, values, places
        self.i = 0
        self.powers = 0  # powers open in the recursion: 2^3^4 nests
        self.deepest = deepest

    # ---- statements ------------------------------------------------------------------

    def program(self) -> tuple[Statement, ...]:
        kinds = self.kinds
        statements: list[Statement] = []
        while True:
            while kinds[self.i] == ";":
                self.i += 1
            if kinds[self.i] == _END:
                return tuple(statements)
            statements.append(self.statement())
            if kinds[self.i] != ";" and kinds[self.i] != _END:
                raise Fallback

    def statement(self) -> Statement:
        kinds, i = self.kinds, self.i
        if kinds[i] == "def":
            return self.definition()
        if kinds[i] == "name" and kinds[i + 1] == "=":
            self.i = i + 2
            value = self.expr()
            place = self.places[i]
            return Binding(check_name(self.values[i], place), value, place)
        items = self.sequence()
        return Sequence(items, items[0].pos)

    def definition(self) -> Definition:
        kinds, values, places = self.kinds, self.values, self.places
        i = self.i + 1  # the block's name
        if kinds[i] != "name":
            raise Fallback
        params = []
        j = i + 1
        if kinds[j] == "(":
            j += 1
            while kinds[j] == "name":
                params.append(check_name(values[j], places[j]))
                j += 1
                if kinds[j] == ",":
                    j += 1
                elif kinds[j] != ")":
                    raise Fallback
            if kinds[j] != ")":
                raise Fallback
            j += 1
        if kinds[j] != "=":
            raise Fallback
        self.i = j + 1
        body = self.sequence()
        return Definition(check_name(values[i], places[i]), tuple(params), body, places[i])

    # ---- sequences and their items ---------------------------------------------------

    def sequence(self) -> tuple[Item, ...]:
        """One or more items: layers and block calls, groups, and either repeated."""
        kinds, values, places = self.kinds, self.values, self.places
        items: list[Item] = []
        while True:
            i = self.i
            kind = kinds[i]
            item: Item
            if kind == "name":
                if kinds[i + 1] == "(":
                    self.i = i + 2
                    item = Call(values[i], self.arguments(), places[i])
                else:
                    self.i = i + 1
                    item = Call(values[i], (), places[i])
            elif kind == "[":
                item = self.group()
            elif items:
                return tuple(items)
            else:
                raise Fallback
            if kinds[self.i] == "*":
                self.i += 1
                item = Repeat(item, self.expr(), item.pos)
            items.append(item)

    def group(self) -> Group:
        i = self.i  # the '['
        self.i = i + 1
        items = () if self.kinds[self.i] == "]" else self.sequence()
        if self.kinds[self.i] != "]":
            raise Fallback
        self.i += 1
        return Group(items, self.places[i])

    def arguments(self) -> tuple[Value | Keyword, ...]:
        """A layer's arguments after its '(', and the ')'."""
        kinds = self.kinds
        args: list[Value | Keyword] = []
        while kinds[self.i] != ")":
            i = self.i
            if kinds[i] == "name" and kinds[i + 1] == "=":
                self.i = i + 2
                args.append(Keyword(self.values[i], self.value(), self.places[i]))
            else:
                args.append(self.value())
            if kinds[self.i] == ",":
                self.i += 1
            elif kinds[self.i] != ")":
                raise Fallback
        self.i += 1
        return tuple(args)

    def value(self) -> Value:
        i = self.i
        kind = self.kinds[i]
        if kind == "word":
            self.i = i + 1
            return Word(self.values[i], self.places[i])
        if kind == "[":
            return self.group()
        if kind == "(":
            return self.tuple_or_expr()
        return self.expr()

    def tuple_or_expr(self) -> Tuple | Expr:
        """At a '(' where a tuple may go: a tuple (``(1, 2)``, ``((0, 1),)``), or an
        expression that begins with a parenthesised one (``(n + 1) * 2``)."""
        kinds = self.kinds
        self.i += 1
        first = self.tuple_or_expr() if kinds[self.i] == "(" else self.expr()
        if kinds[self.i] == ")":
            if isinstance(first, Tuple):
                raise Fallback  # ((1, 2)) is neither
            self.i += 1
            return self.expr(first)
        items = [first]
        while kinds[self.i] == ",":
            self.i += 1
            if kinds[self.i] == ")":
                break
            items.append(self.tuple_or_expr() if kinds[self.i] == "(" else self.expr())
        if kinds[self.i] != ")" or (len(items) == 1 and not isinstance(first, Tuple)):
            raise Fallback  # (3,) is no tuple; ((0, 1),) is one
        self.i += 1
        return Tuple(tuple(items), items[0].pos)

    # ---- expressions -----------------------------------------------------------------

    def expr(self, first: Expr | None = None) -> Expr:
        """A sum of products, each left to right; ``first`` is its first operand when
        the caller has read it already (a parenthesised expression)."""
        kinds = self.kinds
        total: Expr | None = None
        total_op = ""
        product = self.unary(first)
        while True:
            kind = kinds[self.i]
            if kind in _PRODUCT:
                self.i += 1
                product = binop(kind, product, self.unary())
            elif kind in _SUM:
                total = product if total is None else binop(total_op, total, product)
                total_op = kind
                self.i += 1
                product = self.unary()
            elif total is None:
                return product
            else:
                return binop(total_op, total, product)

    def unary(self, first: Expr | None = None) -> Expr:
        """Signs, then a primary, then perhaps ``^`` and its exponent, itself a unary
        (``2^-1``; ``2^3^4`` is ``2^(3^4)``); ``-2^2`` is ``-(2^2)``. The signs are
        counted, not recursed into: ``-----1`` costs no stack."""
        kinds = self.kinds
        negations = 0
        if first is None:
            while kinds[self.i] in _SUM:
                negations += kinds[self.i] == "-"
                self.i += 1
            node = self.primary()
        else:
            node = first
        if kinds[self.i] == "^":
            self.i += 1
            self.powers += 1
            if self.powers > self.deepest:
                raise Fallback
            node = binop("^", node, self.unary())
            self.powers -= 1
        for _ in range(negations):
            node = neg(node)
        return node

    def primary(self) -> Expr:
        """A number, a name, a function's value (``min(a, b)``) or an expression in
        parentheses."""
        kinds = self.kinds
        i = self.i
        kind = kinds[i]
        if kind == "number":
            self.i = i + 1
            return number(self.values[i], self.places[i])
        if kind == "name":
            if kinds[i + 1] != "(":
                self.i = i + 1
                return Name(check_name(self.values[i], self.places[i]), self.places[i])
            self.i = i + 2
            args = [self.expr()]
            while kinds[self.i] == ",":
                self.i += 1
                if kinds[self.i] == ")":
                    break
                args.append(self.expr())
            if kinds[self.i] != ")":
                raise Fallback
            self.i += 1
            return function(self.values[i], tuple(args), self.places[i])
        if kind == "(":
            self.i = i + 1
            node = self.expr()
            if kinds[self.i] != ")":
                raise Fallback
            self.i += 1
            return node
        raise Fallback
