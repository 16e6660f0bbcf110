"""A quicker way through Lark's own tables, for text that is a valid program.

The grammar (``grammar/symcnn.lark``) stays the language's one definition, and Lark's
LALR analysis of it (its terminals, parse table and tree-building callbacks) is what
this module runs. What it leaves out is the machinery around them: Lark's contextual
lexer, post-lexer pipeline, parser-state objects and per-token generator hops, which
cost about twice the work itself (10,000 layers: 0.3 s of a 0.9 s evaluation).

It handles valid programs only. At the first thing that is not plainly valid (a
character no terminal matches, a token the table has no action for, a bracket that
does not pair, nesting past ``MAX_DEPTH``) it gives up with :class:`Fallback`, and the
caller parses the text again with Lark, whose errors are the ones symcnn reports; so
every message stays as it was.

The tokens are those of Lark's basic lexer: the terminals in its order (priority, then
longest possible match, then the longest pattern) as one regular expression, with
keywords that a name's pattern also matches (``def``) turned into their own type. Where
that differs from the contextual lexer on a valid program, the table has no action
for the token, and the text falls back to Lark.
"""

from __future__ import annotations

import re
from typing import Any

import lark
from lark.lexer import PatternStr
from lark.parsers.lalr_analysis import Shift

from . import limits

__all__ = ["Fallback", "Driver"]

_CLOSERS = {"RPAR": "LPAR", "RSQB": "LSQB"}


class Fallback(Exception):
    """The text is not plainly valid: Lark parses it and says what is wrong."""


class Driver:
    """Lark's LALR tables and callbacks for one parser, driven without its lexer."""

    def __init__(self, parser: lark.Lark, separator: str = "_SEP", newline: str = "\n"):
        terminals = sorted(parser.terminals, key=lambda t: (
            -t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name))
        patterns = {t.name: t.pattern.to_regexp() for t in terminals}
        # keywords: a string that a pattern of the same priority matches whole
        self.keywords: dict[str, dict[str, str]] = {}
        kept = []
        for t in terminals:
            owner = next((r for r in terminals if not isinstance(r.pattern, PatternStr)
                          and r.priority == t.priority
                          and re.fullmatch(patterns[r.name], t.pattern.value)), None)
            if isinstance(t.pattern, PatternStr) and owner is not None:
                self.keywords.setdefault(owner.name, {})[t.pattern.value] = t.name
            else:
                kept.append(t)
        self.scanner = re.compile("|".join(f"(?P<{t.name}>{patterns[t.name]})" for t in kept))
        self.ignore = frozenset(parser.lexer_conf.ignore)
        table = parser.parser.parser._parse_table
        callbacks = parser.parser.parser.parser.callbacks
        # each action as the loop uses it: a shift is the next state (an int), a
        # reduction is (length, callback, the rule's name), looked up once here rather
        # than hashing Lark's Rule objects for every token
        self.states = {
            state: {kind: arg if action is Shift else
                    (len(arg.expansion), callbacks[arg], arg.origin.name)
                    for kind, (action, arg) in actions.items()}
            for state, actions in table.states.items()}
        self.start_states, self.end_states = table.start_states, table.end_states
        self.token_callbacks = {k: v for k, v in callbacks.items() if isinstance(k, str)}
        # the terminals some rule keeps as a child; the others (punctuation) are left
        # out of every tree, and need no Token
        self.kept = frozenset(symbol.name for rule in callbacks if not isinstance(rule, str)
                              for symbol in rule.expansion if symbol.is_term
                              and (not symbol.filter_out or rule.options.keep_all_tokens))
        self.kept |= self.token_callbacks.keys()
        self.separator, self.newline = separator, newline

    def parse(self, text: str, start: str) -> Any:
        """The value Lark's callbacks build for ``text`` from rule ``start``; raises
        :class:`Fallback` where Lark should say what is wrong."""
        states, keywords, kept = self.states, self.keywords, self.kept
        token_callbacks = self.token_callbacks
        ignore, separator, newline = self.ignore, self.separator, self.newline
        match = self.scanner.match
        end_state = self.end_states[start]
        state_stack = [self.start_states[start]]
        value_stack: list[Any] = []
        opened: list[str] = []
        token_class = lark.Token
        pos, line, line_start, size = 0, 1, 0, len(text)
        while True:
            if pos < size:
                found = match(text, pos)
                if found is None:
                    raise Fallback
                kind: Any = found.lastgroup  # every alternative is a named group
                start_pos, pos = pos, found.end()
                if kind in ignore:
                    continue
                value = found.group()
                column = start_pos - line_start + 1
                if kind == separator and value.endswith(newline):
                    line += 1
                    line_start = pos
                    if opened:  # a newline inside brackets is whitespace
                        continue
                elif kind in keywords:
                    kind = keywords[kind].get(value, kind)
                elif kind == "LPAR" or kind == "LSQB":
                    opened.append(kind)
                    if len(opened) > limits.MAX_DEPTH:
                        raise Fallback
                elif kind in _CLOSERS:
                    if not opened or opened.pop() != _CLOSERS[kind]:
                        raise Fallback
                token = (token_class(kind, value, start_pos, line, column) if kind in kept
                         else value)
            else:
                if opened:
                    raise Fallback
                kind = "$END"
            while True:
                action = states[state_stack[-1]].get(kind)
                if action is None:
                    raise Fallback
                if type(action) is int:
                    if kind == "$END":
                        raise Fallback  # as Lark: the end is never shifted
                    state_stack.append(action)
                    value_stack.append(token_callbacks[kind](token) if kind in token_callbacks
                                       else token)
                    break
                length, callback, origin = action
                if length:
                    children = value_stack[-length:]
                    del state_stack[-length:]
                    del value_stack[-length:]
                else:
                    children = []
                value = callback(children)
                goto = states[state_stack[-1]][origin]
                state_stack.append(goto)
                value_stack.append(value)
                if kind == "$END" and goto == end_state:
                    return value
