"""Text to syntax tree (``_tree``): the Lark parser of ``grammar/symcnn.lark``, the
quick parser (``_descent``) that reads valid programs first, and the error messages.

This module knows what can be written, not what it means; ``_evaluate`` gives the tree
its meaning.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import TYPE_CHECKING, Any, Iterator

from . import _descent, limits
from ._resources import data
from ._tree import (Binding, Call, Definition, Expr, Group, Keyword, Name, Pos, Program,
                    Repeat, Sequence, Tuple, Word, binop, check_name, function, neg, number,
                    pos_of)
from .errors import DSLSyntaxError, SymcnnError

if TYPE_CHECKING:  # Lark is imported where it parses: a valid program never needs it
    import lark


def _pos(token: lark.Token) -> Pos:
    return Pos(token.line or 1, token.column or 1)


class _Build:
    """Turns parse-tree nodes into the syntax tree (``_tree``); the grammar has already
    shaped the tree, so each method is a constructor call."""

    def program(self, statements: list[Any]) -> Any:
        return tuple(statements)

    def definition(self, children: list[Any]) -> Any:
        name, *rest = children
        *params, body = rest
        names = tuple(check_name(str(p), _pos(p)) for p in params if p is not None)
        return Definition(check_name(str(name), _pos(name)), names, body.items, _pos(name))

    def binding(self, children: list[Any]) -> Any:
        name, value = children
        return Binding(check_name(str(name), _pos(name)), value, _pos(name))

    def sequence(self, items: list[Any]) -> Any:
        return Sequence(tuple(items), pos_of(items[0]))

    def repeat(self, children: list[Any]) -> Any:
        item, count = children
        return Repeat(item, count, pos_of(item))

    def call(self, children: list[Any]) -> Any:
        name = children[0]
        args = children[1] if len(children) > 1 and children[1] is not None else ()
        return Call(str(name), tuple(args), _pos(name))

    def group(self, children: list[Any]) -> Any:
        bracket, sequence = children
        return Group(sequence.items if sequence is not None else (), _pos(bracket))

    def arguments(self, children: list[Any]) -> Any:
        return tuple(c for c in children if c is not None)

    def keyword(self, children: list[Any]) -> Any:
        key, value = children
        return Keyword(str(key), value, _pos(key))

    def word(self, children: list[Any]) -> Any:
        (token,) = children
        return Word(str(token), _pos(token))

    def tuple(self, children: list[Any]) -> Any:
        items = tuple(c for c in children if c is not None)
        return Tuple(items, pos_of(items[0]))

    def add(self, c: list[Any]) -> Any: return binop("+", *c)
    def sub(self, c: list[Any]) -> Any: return binop("-", *c)
    def mul(self, c: list[Any]) -> Any: return binop("*", *c)
    def div(self, c: list[Any]) -> Any: return binop("/", *c)
    def floordiv(self, c: list[Any]) -> Any: return binop("//", *c)
    def mod(self, c: list[Any]) -> Any: return binop("%", *c)
    def pow(self, c: list[Any]) -> Any: return binop("^", *c)

    def neg(self, children: list[Any]) -> Any:
        (operand,) = children
        return neg(operand)

    def integer(self, children: list[Any]) -> Any:
        (token,) = children
        return number(str(token), _pos(token))

    decimal = integer

    def name(self, children: list[Any]) -> Any:
        (token,) = children
        return Name(check_name(str(token), _pos(token)), _pos(token))

    def function(self, children: list[Any]) -> Any:
        name, *args = children
        return function(str(name), tuple(a for a in args if a is not None), _pos(name))

    def expression(self, children: list[Any]) -> Any:
        return children[0]


_CLOSER = {"LPAR": "RPAR", "LSQB": "RSQB"}
_SHOWN = {"LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'"}


class _Brackets:
    """Post-lexer: pairs brackets and parentheses, so that a stray or unclosed one is
    reported where it is, bounds their nesting by ``MAX_DEPTH`` before any tree is
    built, and drops newlines inside them, where a newline is only whitespace."""

    always_accept = ("_SEP",)  # let the contextual lexer hand every newline to us

    def process(self, stream: Iterator[lark.Token]) -> Iterator[lark.Token]:
        open_: list[lark.Token] = []
        for token in stream:
            if token.type in _CLOSER:
                open_.append(token)
                if len(open_) > limits.MAX_DEPTH:
                    raise limits.exceeded(f"brackets and parentheses nest {len(open_)} deep",
                                          "MAX_DEPTH",
                                          *_at(token))
            elif token.type in ("RPAR", "RSQB"):
                if not open_:
                    raise DSLSyntaxError(f"{_SHOWN[token.type]} closes nothing: there is "
                                         f"no {_SHOWN['L' + token.type[1:]]} before it",
                                         *_at(token))
                opener = open_.pop()
                if _CLOSER[opener.type] != token.type:
                    line, column = _at(opener)
                    raise DSLSyntaxError(
                        f"{_SHOWN[token.type]} does not match the {_SHOWN[opener.type]} of "
                        f"line {line}, column {column}; expected "
                        f"{_SHOWN[_CLOSER[opener.type]]}", *_at(token))
            elif token.type == "_SEP" and open_ and token.value != ";":
                continue
            yield token
        if open_:
            line, column = _at(open_[-1])
            raise _AtEnd(f"the {_SHOWN[open_[-1].type]} of line {line}, column {column} is "
                         f"never closed; expected {_SHOWN[_CLOSER[open_[-1].type]]}")


class _AtEnd(DSLSyntaxError):
    """An error about the end of the text, whose place is known once the text is."""


def _at(token: lark.Token) -> tuple[int, int]:
    return token.line or 1, token.column or 1


def grammar_text() -> str:
    return data("grammar/symcnn.lark", "grammar/symcnn.lark").read_text(encoding="utf-8")


# Lark's analysis of the grammar (its LALR tables) takes longer than a whole
# command-line run should, about 80 ms, so it is done once, by grammar/make_tables.py,
# and shipped in the package as JSON; loading it takes a few milliseconds. JSON is data:
# Lark's own cache and its standalone parsers are pickles, which run code when read.
TABLES = "_parser_tables.json"


@functools.lru_cache(maxsize=None)
def _parser() -> lark.Lark:
    import lark

    tables = shipped_tables()
    if tables["grammar"] != grammar_text() or tables["lark"] != lark.__version__:
        # the grammar was edited since, or another Lark reads the tables differently
        return analyse()
    return lark.Lark._load_from_dict(  # type: ignore[no-untyped-call]
        tables["data"], tables["memo"], postlex=_Brackets(), transformer=_Build())


def analyse() -> lark.Lark:
    """The parser, built from the grammar's text: what the shipped tables hold."""
    import lark

    return lark.Lark(grammar_text(), parser="lalr", start=["program", "expression"],
                     maybe_placeholders=True, postlex=_Brackets(), transformer=_Build())


def shipped_tables() -> dict[str, Any]:
    text = resources.files("symcnn").joinpath(TABLES).read_text(encoding="utf-8")
    return json.loads(text, object_pairs_hook=_numbered)


def _numbered(pairs: list[tuple[str, Any]]) -> dict[Any, Any]:
    """A JSON object, its keys made integers again where Lark's were (state and token
    numbers); JSON keys are always strings."""
    return {int(k) if k.isascii() and k.isdigit() else k: v for k, v in pairs}


def tables_json(parser: lark.Lark | None = None) -> str:
    """The text of the tables file: the grammar it was made from, the Lark version that
    made it, and Lark's serialised parser (rules, terminals and LALR states)."""
    import lark

    parser = parser or analyse()
    tables, memo = parser.memo_serialize([lark.lexer.TerminalDef, lark.grammar.Rule])
    tables["options"] = {k: v for k, v in tables["options"].items()
                         if k not in ("postlex", "transformer")}  # given when loading
    return json.dumps({"grammar": grammar_text(), "lark": lark.__version__, "data": tables,
                       "memo": memo}, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


# ---- errors ---------------------------------------------------------------------------

# Terminals in words, for "expected ..." and "unexpected ..."; literal terminals ('(',
# '//', 'def') are shown as written.
_WORDS = {"NAME": "a name", "WORD": "same, valid, true or false", "_SEP": "a new line or ';'",
          "$END": "the end of the text"}
_EXPRESSION = {"INT", "DECIMAL", "NAME", "LPAR", "MINUS", "PLUS"}
_OPERATORS = {"PLUS", "MINUS", "STAR", "SLASH", "PERCENT", "_POW"}
# The order in which expected things are listed.
_ORDER = ["a layer", "an expression", "a name", "same, valid, true or false", "'def'",
          "'['", "'('", "'='", "','", "')'", "']'", "'*'", "an operator (+ - * / // % ^)",
          "a new line or ';'", "the end of the text"]


def _literal(terminal: str) -> str | None:
    import lark

    for definition in _parser().terminals:
        if definition.name == terminal and isinstance(definition.pattern, lark.lexer.PatternStr):
            return f"'{definition.pattern.value}'"
    return None


def _expected_words(expected: set[str], inside: str | None = None) -> str:
    """``{'RPAR', 'COMMA', 'PLUS', ...}`` as ``',', ')' or an operator (+ - * / // % ^)``."""
    expected = set(expected)
    words = set()
    if _EXPRESSION <= expected | {"PLUS"} and "INT" in expected:
        words.add("an expression")
        expected -= _EXPRESSION
    elif "NAME" in expected and "LSQB" in expected:
        words.add("a layer")  # where a sequence may go on: a layer, a block or a group
        expected.discard("NAME")
    operators = {t for t in expected if t in _OPERATORS or _literal(t) == "'//'"}
    if len(operators) > 2:
        words.add("an operator (+ - * / // % ^)")
        expected -= operators
        if "STAR" in operators and "RSQB" not in expected and "LSQB" in expected:
            words.add("'*'")  # after a layer, '*' repeats it
    for terminal in expected:
        words.add(_WORDS.get(terminal) or _literal(terminal) or terminal.lower())
    if "an expression" not in words:
        words.discard("same, valid, true or false")
        if inside == "(":
            words.discard("'['")
    words = words - _OUT_OF_PLACE[inside] or words
    ordered = sorted(words, key=lambda w: _ORDER.index(w) if w in _ORDER else len(_ORDER))
    if len(ordered) == 1:
        return ordered[0]
    return ", ".join(ordered[:-1]) + " or " + ordered[-1]


def _found(token: lark.Token) -> str:
    if token.type == "_SEP":
        return "';'" if token.value == ";" else "new line"
    if token.type == "NAME":
        return f"name {str(token)!r}"
    if token.type in ("INT", "DECIMAL"):
        return f"number {_short(str(token))}"
    return repr(str(token))


# What cannot come next inside ( ), inside [ ] and outside both, whatever the parser's
# state lists (its states are shared between these places).
_OUT_OF_PLACE = {"(": {"a layer", "']'", "a new line or ';'"},
                 "[": {"')'", "a new line or ';'"},
                 None: {"')'", "']'"}}


def _enclosing(text: str, line: int, column: int) -> str | None:
    """The bracket that is open at a place in the text, if any."""
    end = sum(len(t) + 1 for t in _lines(text)[:line - 1]) + column - 1
    open_: list[str] = []
    comment = False
    for ch in text[:end]:
        if comment:
            comment = ch != "\n"
        elif ch == "#":
            comment = True
        elif ch in "([":
            open_.append(ch)
        elif ch in ")]" and open_:
            open_.pop()
    return open_[-1] if open_ else None


def _short(text: str) -> str:
    return text if len(text) <= 20 else text[:8] + "…" + text[-8:]


def _lines(text: str) -> list[str]:
    """The lines as the parser counts them: only ``\\n`` ends a line."""
    return text.split("\n")


def end_of(text: str) -> tuple[int, int]:
    """The line and column just past the last character of the text, not counting
    newlines at its end."""
    lines = _lines(text.rstrip("\r\n"))
    return len(lines), len(lines[-1]) + 1


_SHOWN_WIDTH = 72  # characters of a long line shown around the caret


def context_lines(text: str, line: int, column: int) -> str:
    """The source line with a caret under ``column`` (both 1-based). A long line is
    cut to the part around the column; characters that a terminal would act on are
    shown as '?', so an error message can be printed safely."""
    lines = _lines(text)
    source = lines[line - 1].removesuffix("\r") if 0 < line <= len(lines) else ""
    source = "".join(ch if ch.isprintable() else "?" for ch in source)
    caret = max(column, 1) - 1
    if len(source) > _SHOWN_WIDTH:
        start = max(0, min(caret - _SHOWN_WIDTH // 2, len(source) - _SHOWN_WIDTH))
        shown = source[start:start + _SHOWN_WIDTH]
        if start > 0:
            shown = "…" + shown[1:]
        if start + _SHOWN_WIDTH < len(source):
            shown = shown[:-1] + "…"
        source, caret = shown, caret - start
    return f"    {source}\n    {' ' * caret}^"


def located(error: SymcnnError, text: str) -> SymcnnError:
    """The error with the line of ``text`` it points at; an error about the end of the
    text gets its place here."""
    if isinstance(error, _AtEnd):
        line, column = end_of(text)
        return DSLSyntaxError(error.message, line, column, context_lines(text, line, column))
    if error.line is None or error.context:
        return error
    return type(error)(error.message, error.line, error.column,
                       context_lines(text, error.line, error.column or 1))


def _syntax_error(text: str, error: lark.exceptions.UnexpectedInput) -> DSLSyntaxError:
    import lark

    if isinstance(error, lark.exceptions.UnexpectedCharacters):
        line, column = error.line, error.column
        at = error.pos_in_stream or 0
        char = text[at] if at < len(text) else ""
        message = f"unexpected character {char!r}"
        if error.allowed:
            inside = _enclosing(text, line, column)
            message += f"; expected {_expected_words(set(error.allowed), inside)}"
    elif isinstance(error, lark.exceptions.UnexpectedToken):
        token = error.token
        if token.type == "$END":
            line, column = end_of(text)
            inside = None  # an open bracket is reported by _Brackets before this
            message = "the text ends too early"
        else:
            line, column = _at(token)
            inside = _enclosing(text, line, column)
            if token.type in ("RPAR", "RSQB") and inside is None:
                opener = _SHOWN["L" + token.type[1:]]
                message = f"{_SHOWN[token.type]} closes nothing: there is no {opener} before it"
                return DSLSyntaxError(message, line, column, context_lines(text, line, column))
            message = f"unexpected {_found(token)}"
            if (token.type == "NAME" and str(token)[:1] in "eE" and str(token)[1:].isdigit()
                    and text[(token.start_pos or 1) - 1].isdigit()):
                message += f" (symcnn has no 1e5 notation: write 10^{str(token)[1:]})"
        message += f"; expected {_expected_words(set(error.expected), inside)}"
    else:  # UnexpectedEOF
        assert isinstance(error, lark.exceptions.UnexpectedEOF)
        line, column = end_of(text)
        message = f"the text ends too early; expected {_expected_words(set(error.expected))}"
    return DSLSyntaxError(message, line, column, context_lines(text, line, column))


def _parse(text: str, start: str) -> Any:
    try:
        return _descent.parse(text, start)
    except (_descent.Fallback, SymcnnError):
        pass  # Lark parses it again, and reports what is wrong as it always has
    return _lark_parse(text, start)


def _lark_parse(text: str, start: str) -> Any:
    import lark

    try:
        return _parser().parse(text, start=start)
    except lark.exceptions.UnexpectedInput as error:
        raise _syntax_error(text, error) from None
    except SymcnnError as error:
        raise located(error, text) from None


def parse_program(text: str) -> Program:
    return Program(_parse(text, "program"), text)


def parse_expression(text: str) -> Expr:
    """One expression, as the command line's ``--set n=EXPR`` takes it."""
    return _parse(text, "expression")  # type: ignore[no-any-return, unused-ignore]
