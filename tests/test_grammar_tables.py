"""The parser's tables ship with the package (``symcnn/_parser_tables.json``, written by
``python grammar/make_tables.py``): they must be the analysis of ``grammar/symcnn.lark``
as it is now, and loading them must give the parser that analysing the grammar gives."""

import json
from typing import Any

import lark

from symcnn import _syntax
from symcnn._tree import Call, Definition, Pos

REGENERATE = "run python grammar/make_tables.py"


def test_the_shipped_tables_are_made_from_the_grammar_as_it_is():
    assert _syntax.shipped_tables()["grammar"] == _syntax.grammar_text(), REGENERATE


def test_the_shipped_tables_are_made_by_the_installed_lark():
    """With another Lark the tables are not used (symcnn analyses the grammar at every
    start, about 80 ms): a new Lark means new tables."""
    assert _syntax.shipped_tables()["lark"] == lark.__version__, REGENERATE


def test_the_shipped_tables_are_the_automaton_of_the_grammar():
    """Lark numbers states and tokens in an order that changes with Python's string
    hashing, so the shipped automaton is compared with a fresh one up to numbering."""
    fresh = json.loads(_syntax.tables_json(), object_pairs_hook=_syntax._numbered)
    assert automaton(_syntax.shipped_tables()) == automaton(fresh), REGENERATE


def test_json_gives_back_what_lark_serialised():
    parser = _syntax.analyse()
    data, memo = parser.memo_serialize([lark.lexer.TerminalDef, lark.grammar.Rule])
    written = json.loads(_syntax.tables_json(parser), object_pairs_hook=_syntax._numbered)
    assert plain(written["memo"]) == plain(memo)
    assert plain(written["data"]["parser"]) == plain(data["parser"])
    assert plain(written["data"]["rules"]) == plain(data["rules"])


def test_the_parser_is_loaded_from_the_tables_not_analysed():
    assert _syntax._parser().source_path == "<deserialized>"


def test_an_edited_grammar_is_analysed_rather_than_loaded_stale(monkeypatch):
    edited = _syntax.grammar_text().replace('"def"', '"define"')
    assert edited != _syntax.grammar_text()
    monkeypatch.setattr(_syntax, "grammar_text", lambda: edited)
    parser = _syntax._parser.__wrapped__()
    assert parser.source_path != "<deserialized>"
    tree = parser.parse("define b = ReLU\nI(1) b\n", start="program")
    assert tree[0] == Definition("b", (), (Call("ReLU", (), Pos(1, 12)),), Pos(1, 8))


def plain(value: Any) -> Any:
    """Tuples as the lists JSON makes of them."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def automaton(tables: dict) -> tuple:
    """The LALR automaton with its states numbered in the order a walk from the start
    states reaches them (tokens taken in order of name), rules and terminals written
    out: the same for the same grammar, however Lark numbered them."""
    memo = tables["memo"]

    def resolve(value: Any) -> Any:
        if isinstance(value, dict):
            if "@" in value:
                return resolve(memo[value["@"]])
            return tuple(sorted((k, resolve(v)) for k, v in value.items()))
        if isinstance(value, list):
            return tuple(resolve(v) for v in value)
        return value

    parser = tables["data"]["parser"]
    table = parser["parser"]
    tokens, states = table["tokens"], table["states"]
    order: dict[int, int] = {}
    queue = [table["start_states"][s] for s in sorted(table["start_states"])]
    while queue:
        state = queue.pop(0)
        if state in order:
            continue
        order[state] = len(order)
        actions = sorted(states[state].items(), key=lambda item: tokens[item[0]])
        queue += [arg for _, (action, arg) in actions if action == 0]
    assert len(order) == len(states)
    canonical = []
    for state in sorted(order, key=order.get):
        row = []
        for token, (action, arg) in sorted(states[state].items(),
                                           key=lambda item: tokens[item[0]]):
            row.append((tokens[token], ("shift", order[arg]) if action == 0
                        else ("reduce", resolve(arg))))
        canonical.append(tuple(row))
    ends = {s: order[e] for s, e in table["end_states"].items()}
    terminals = sorted(resolve(parser["lexer_conf"]["terminals"]), key=repr)
    rules = sorted(resolve(tables["data"]["rules"]), key=repr)
    return tuple(canonical), ends, terminals, rules, parser["lexer_conf"]["ignore"]
