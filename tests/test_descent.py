"""The quick parser (``symcnn._descent``) reads valid programs by recursive descent: for
every text it must build exactly the tree Lark builds (every node, place and depth), or
give up and let Lark parse it (which is how every error keeps Lark's wording)."""

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symcnn import _descent, _syntax, limits, zoo
from symcnn.errors import SymcnnError

ROOT = Path(__file__).resolve().parent.parent
# grammar/symcnn.lark as the quick parser was written for it
GRAMMAR_SHA256 = "f0c062a227a8b2f1dfcb652d71caca2716bf3d512579e4f7a9f88be9694898be"


def _whole(node):
    """A node as nested tuples of all its fields, ``depth`` included (which the nodes'
    own equality leaves out)."""
    if dataclasses.is_dataclass(node):
        return (type(node).__name__,
                *(_whole(getattr(node, f.name)) for f in dataclasses.fields(node)))
    if isinstance(node, tuple):
        return tuple(_whole(n) for n in node)
    return (type(node).__name__, node)


def _outcome(parse, text: str, start: str = "program"):
    try:
        return "tree", _whole(parse(text, start))
    except (_descent.Fallback, SymcnnError) as error:
        return "refused", type(error).__name__


def _agrees(text: str, start: str = "program") -> str:
    """"quick" when the quick parser built Lark's tree, "lark" when it left the text to
    Lark; fails when it built anything else, or a tree where Lark refuses."""
    quick = _outcome(_descent.parse, text, start)
    lark = _outcome(_syntax._lark_parse, text, start)
    if quick[0] == "tree":
        assert lark == quick, text
        return "quick"
    return "lark"


def _programs() -> list[str]:
    texts = [zoo.source(name) for name in zoo.names()]
    texts += [p.read_text() for p in sorted((ROOT / "examples").glob("*.cnn"))]
    texts += [p.read_text() for p in sorted((ROOT / "fuzz" / "seeds").glob("*"))]
    for suite in sorted((ROOT / "tests" / "compliance").glob("*.json")):
        texts += [case["program"] for case in json.loads(suite.read_text())["cases"]]
    return texts


def test_the_quick_parser_was_written_for_the_grammar_as_it_is():
    """The grammar is the language's definition; the quick parser is its copy by hand.
    A change to the grammar must be made to symcnn/_descent.py as well (the tests here
    compare the two), and then this fingerprint updated."""
    fingerprint = hashlib.sha256(_syntax.grammar_text().encode()).hexdigest()
    assert fingerprint == GRAMMAR_SHA256, "grammar/symcnn.lark changed: change _descent too"


def test_the_quick_parser_builds_larks_tree_for_every_known_program():
    outcomes = [_agrees(text) for text in _programs()]
    assert outcomes.count("quick") > 0.9 * len(outcomes)  # all but the invalid ones


def test_the_quick_parser_reads_every_zoo_network_and_example():
    texts = [zoo.source(name) for name in zoo.names()]
    texts += [p.read_text() for p in sorted((ROOT / "examples").glob("**/*.cnn"))]
    assert len(texts) > 150
    for text in texts:
        assert _agrees(text) == "quick", text[:200]
        assert _agrees("n = 224\n" + text) == "quick"


def test_parsing_reads_a_valid_program_quickly_and_leaves_the_others_to_lark(monkeypatch):
    texts = []
    monkeypatch.setattr(_syntax, "_lark_parse", lambda text, start: texts.append(text))
    program = _syntax.parse_program(zoo.source("resnet50"))
    assert len(program.statements) > 3 and texts == []
    _syntax.parse_program("I(8) C(4, 3))")
    assert texts == ["I(8) C(4, 3))"]


@pytest.mark.parametrize("text", [
    "n = 224; I(n, n, 3)",
    "def f(a,) = C(a, 3)\nI(8, 8, 3) f(2,)",
    "def f() = C(2, 3)\ndef g(a, b) = f\nI(8, 8, 3) f() g(1, 2)",
    "I(8, 8, 3) [C(4, 1)\n  BN\n  ReLU] * 2 ; D(2)",
    "I(8, 8, 3) C(3, (1, 2)) P(2, p=((0, 1), (1, 0)))",
    "I(8, 8, 3) P(2, p=((0, 1),)) C(2, ((1) + 2, 3), s=((4, 5), (6, 7),))",
    "I(8, (n + 1) * 2, -(n) ^ 2, (n) - 1, ((n)), (2)^-1, ((1) + 2) * 3)",
    "x = -3 ** 2 // 4 % 3 - +2 ^ 2\r\nI(x)",
    "x = - - + -2 ^ - 3 ^ 2 * -4 + 1 - 2 - 3 * 4 * 5 / 6 // 7 % 8",
    "x = a - b + c * d / e ^ f ^ g - (h - i - j) - min(k, max(l, m,), 3)",
    "I(2^-1 * 4, 1.5 * 2, 2.0) C(2, .5 * 4) # a comment\n",
    "I(3., 007, 0.250, .5)",
    "I(8) C * 2 * 3 D * n (4) [C] * 2 [] [[C]] * (2) G",
    "I(8) C * 2e5",
    "def block = C(4, 3, p=same, bias=false)\nI(8, 8, 3) block",
    "I(8, 8, 3) Res([C(8, 3, p=same) BN], [C(8, 1)]) Res([]) C(2, 3, p=valid, bias=true)",
    "I(8, 8, 3) C(\n  8,\n  3 # the size\n  , p = 1\r\n)\n\n\n",
    "# only comments\n# and lines\n",
    "\n\n  \n",
    "",
    ";;; I(2) ;;",
    "I(8)\tC(\f2)\r",
    "x=1;y=x;z=x+y",
])
def test_the_quick_parser_reads_every_form_of_the_language(text):
    assert _agrees(text) == "quick"


@pytest.mark.parametrize("text", [
    "I(8, 8, 3) C(4, 3))", "I(8, 8, 3) [C(4, 3)", "I(8, 8, 3) C(4, 3]", "def = 3",
    "same = 3", "definitely = 3\nI(definitely)", "I(8, 8, 3) C(4 3)", "I(3) $",
    "I(" * 200 + "3" + ")" * 200, "I(8, 8, 3) C(4, 3); ;; C(4, 3,)",
    # not plainly valid: Lark's contextual lexer may read def or a word as a name
    "I(8) C(def=1)", "x = def", "I(8) def", "I(8) same", "x = same(1)", "C(same=1)",
    "p = 0 + same", "def f(same) = C", "def same = C", "x = 2 ^ true",
    # the grammar's corners
    "I((3,))", "I(((1, 2)))", "I((1, 2) + 1)", "I(-(1, 2))", "I((1, 2)(3))", "I(())",
    "I(f())", "I(,)", "I(1,,2)", "I([C]*2)", "I(8) C(p=[C] * 2)", "I(8) C ** 2",
    "def f(,) = C", "def f(a b) = C", "def f(a,,) = C", "def f = ", "def f", "def f(a)",
    "x = 1 I(2)", "x = ", "x == 1", "I(8) [C; D]", "I(8) (C)", "3", "I(8) C * ",
    "I(8) C * [D]", "I(8) C * same", "x = 1 2", "x = 1.2.3", "x = 1..2", "x = .",
    "I(8) C(a=b=1)", "I(8) C(same, =1)", "x = -", "x = 2 ^", "x = (1", "I(8) [C]]",
    "I(8) C(1)(2)", "x = 10^" + "9" * 5000, "x = " + "-" * 100000 + "1",
    "x = " + "+" * 5000 + "1", "x = " + "2^" * 5000 + "2", "x = " + "2^" * 101 + "2",
    "x = " + "(" * 100 + "1" + ")" * 100, "x = " + "(" * 101 + "1" + ")" * 101,
    "I(8) " + "[" * 101 + "C" + "]" * 101, "x = " + "f(" * 120 + "1" + ")" * 120,
    "I(8) é", "I(8) sameé", "I(8)\vC", "I(8)\u00a0C", "I(8) C(1)\r\r\nD",
])
def test_corners_and_invalid_texts_get_larks_tree_or_larks_answer(text):
    _agrees(text)


def test_an_expression_alone_parses_as_lark_parses_it():
    for text in ("224", "2*m + 1", "floor(n / 2)", "(3)", "-x^2", " 2 # two", "2^-1^2",
                 "C(2)", "C"):
        assert _agrees(text, "expression") == "quick"
    for text in ("", "2\n", "2;", "same", "def", "(1, 2)", "n = 2", "2 +", "[2]", "2 3"):
        assert _agrees(text, "expression") == "lark"


def test_recursion_stays_bounded_whatever_max_depth_allows(monkeypatch):
    monkeypatch.setattr(limits, "MAX_DEPTH", 10**6)
    for text in ("x = " + "2^" * 10**5 + "2", "x = " + "(" * 10**5 + "1" + ")" * 10**5,
                 "I(8) " + "[" * 10**5 + "C" + "]" * 10**5,
                 "I(8) C(" + "(" * 10**5 + "1" + ")" * 10**5 + ")"):
        with pytest.raises(_descent.Fallback):
            _descent.parse(text, "program")
    # signs are read in a loop, not by recursion
    (binding,) = _descent.parse("x = " + "-" * 10**5 + "1", "program")
    assert binding.value.depth == 10**5 + 1


# ---- random texts ---------------------------------------------------------------------

PIECES = ["I(", "C(", "P(", "D(", "Res(", "BN", "ReLU", "def ", "f", "n", "=", "(", ")",
          "[", "]", ",", "*", "**", "^", "//", "/", "%", "+", "-", "1", "28", "3.5", ".5",
          "3.", "same", "false", "valid", "p=", "p=same", "s=(1, 2)", "((0, 1),)", "(1,)",
          "def f(a, b) = ", "x = ", " ", "\n", ";", "# c\n", "e5", "1e5", "\r\n", "é", "_x",
          "min(", "[C(2, 3) BN]", "Res([", "])", "* 2", "\t", "define", "true_"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_any_text_gets_larks_tree_or_larks_answer(pieces):
    _agrees("".join(pieces))


# Random valid programs shaped by the grammar, with spaces between the tokens, and
# newlines and comments inside brackets.
_GAP = st.sampled_from(["", "", "", " ", "  ", "\t"])
_INSIDE = st.sampled_from(["", "", " ", "\n", "\r\n  ", " # note\n"])  # within brackets
_NAMES = st.sampled_from(["n", "m", "k", "x_1", "_y", "Cin", "same_", "truex", "de", "e5"])


def _expressions():
    atoms = st.one_of(st.from_regex(r"[0-9]{1,3}(\.[0-9]{0,2})?|\.[0-9]{1,2}",
                                    fullmatch=True), _NAMES)

    def combine(children):
        operator = st.sampled_from(["+", "-", "*", "/", "//", "%", "^", "**"])
        return st.one_of(
            st.tuples(children, _GAP, operator, _GAP, children).map("".join),
            st.tuples(st.sampled_from(["-", "+", "- "]), children).map("".join),
            children.map(lambda e: f"({e})"),
            st.tuples(st.sampled_from(["min", "max", "floor"]),
                      st.lists(children, min_size=1, max_size=3),
                      st.sampled_from(["", ","])).map(
                lambda t: f"{t[0]}({', '.join(t[1])}{t[2]})"))
    return st.recursive(atoms, combine, max_leaves=8)


def _values(expressions):
    tuples = st.recursive(
        st.lists(expressions, min_size=2, max_size=3).map(lambda v: f"({', '.join(v)})"),
        lambda inner: st.one_of(
            st.lists(st.one_of(inner, expressions), min_size=2, max_size=3).map(
                lambda v: f"({', '.join(v)},)"),
            inner.map(lambda t: f"({t},)")),
        max_leaves=4)
    words = st.sampled_from(["same", "valid", "true", "false"])
    return st.one_of(expressions, expressions, tuples, words)


def _items(values):
    def call(draw_args):
        name, args, comma = draw_args
        if args is None:
            return name
        return f"{name}({', '.join(args)}{comma if args else ''})"

    arguments = st.lists(st.one_of(values, st.tuples(_NAMES, _GAP, values).map(
        lambda t: f"{t[0]}{t[1]}={t[2]}")), max_size=3)
    calls = st.tuples(st.sampled_from(["C", "BN", "Res", "f", "g"]),
                      st.one_of(st.none(), arguments), st.sampled_from(["", ","])).map(call)

    def nest(children):
        sequences = st.lists(children, max_size=3)
        return st.one_of(
            st.tuples(_INSIDE, sequences).map(lambda t: f"[{t[0]}{' '.join(t[1])}]"),
            st.tuples(children, _GAP, _expressions()).map(lambda t: f"{t[0]} *{t[1]}{t[2]}"),
            st.tuples(st.sampled_from(["Res", "C"]), st.lists(
                sequences.map(lambda s: f"[{' '.join(s)}]"), min_size=1, max_size=2)).map(
                lambda t: f"{t[0]}({', '.join(t[1])})"))
    return st.recursive(calls, nest, max_leaves=6)


def _statements():
    expressions = _expressions()
    items = _items(_values(expressions))
    sequence = st.lists(items, min_size=1, max_size=4).map(" ".join)
    params = st.one_of(st.just(""), st.lists(_NAMES, max_size=3).map(
        lambda p: f"({', '.join(p)})"))
    return st.one_of(
        sequence, sequence,
        st.tuples(_NAMES, _GAP, expressions).map(lambda t: f"{t[0]}{t[1]}= {t[2]}"),
        st.tuples(_NAMES, params, sequence).map(lambda t: f"def {t[0]}{t[1]} = {t[2]}"))


_STATEMENTS = _statements()
_EXPRESSIONS = _expressions()


@st.composite
def programs(draw):
    statements = draw(st.lists(st.tuples(_STATEMENTS, st.sampled_from(
        ["\n", ";", "\n\n", " ;\r\n", "# note\n"])), max_size=4))
    return draw(_GAP) + "".join(s + sep for s, sep in statements)


@st.composite
def lone_expressions(draw):
    return draw(_EXPRESSIONS)


# (drawing a program costs hypothesis some 15 ms: 500 of each)
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_random_programs_get_larks_tree(text):
    assert _agrees(text) == "quick"


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.data())
def test_random_programs_with_one_change_get_larks_tree_or_larks_answer(text, data):
    """A piece put in or a stretch cut out: near-valid texts, where a parser that
    accepts too much would show it."""
    at = data.draw(st.integers(0, len(text)))
    if data.draw(st.booleans()):
        text = text[:at] + data.draw(st.sampled_from(PIECES)) + text[at:]
    else:
        text = text[:at] + text[at + data.draw(st.integers(1, 4)):]
    _agrees(text)


@settings(max_examples=300, deadline=None)
@given(lone_expressions())
def test_random_expressions_get_larks_tree(text):
    assert _agrees(text, "expression") == "quick"
    assert _agrees(f"x = {text}") == "quick"
