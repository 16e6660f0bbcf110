"""The quick parse (``symcnn._lalr``) runs Lark's tables without Lark's lexer: for every
text it must build exactly the tree Lark builds, or give up and let Lark parse it (which
is how every error keeps Lark's wording)."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symcnn import _syntax, zoo
from symcnn._lalr import Fallback
from symcnn.errors import SymcnnError

ROOT = Path(__file__).resolve().parent.parent


def _outcome(parse, text: str, start: str = "program"):
    try:
        return "tree", parse(text, start)
    except (Fallback, SymcnnError) as error:
        return "refused", type(error).__name__


def _agrees(text: str, start: str = "program") -> str:
    """"quick" when the quick parse built Lark's tree, "lark" when it left the text to
    Lark; fails when it built anything else, or a tree where Lark refuses."""
    driver = _syntax._driver()
    assert driver is not None
    quick = _outcome(driver.parse, text, start)
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


def test_the_quick_parse_builds_larks_tree_for_every_known_program():
    outcomes = [_agrees(text) for text in _programs()]
    assert outcomes.count("quick") > 0.6 * len(outcomes)  # most are valid programs


@pytest.mark.parametrize("text", [
    "n = 224; I(n, n, 3)",
    "def f(a,) = C(a, 3)\nI(8, 8, 3) f(2,)",
    "I(8, 8, 3) [C(4, 1)\n  BN\n  ReLU] * 2 ; D(2)",
    "I(8, 8, 3) C(3, (1, 2)) P(2, p=((0, 1), (1, 0)))",
    "x = -3 ** 2 // 4 % 3 - +2 ^ 2\r\nI(x)",
    "I(2^-1 * 4, 1.5 * 2, 2.0) C(2, .5 * 4) # a comment\n",
    "def block = C(4, 3, p=same, bias=false)\nI(8, 8, 3) block",
    "\n\n  \n",
])
def test_the_quick_parse_reads_every_form_of_the_language(text):
    assert _agrees(text) == "quick"


@pytest.mark.parametrize("text", [
    "I(8, 8, 3) C(4, 3))", "I(8, 8, 3) [C(4, 3)", "I(8, 8, 3) C(4, 3]", "def = 3",
    "same = 3", "definitely = 3\nI(definitely)", "I(8, 8, 3) C(4 3)", "I(3) $",
    "I(" * 200 + "3" + ")" * 200, "I(8, 8, 3) C(4, 3); ;; C(4, 3,)",
])
def test_text_that_is_not_plainly_valid_gets_larks_answer(text):
    _agrees(text)


def test_an_expression_alone_parses_as_lark_parses_it():
    for text in ("224", "2*m + 1", "floor(n / 2)", "(3)", "-x^2"):
        assert _agrees(text, "expression") == "quick"


PIECES = ["I(", "C(", "P(", "D(", "Res(", "BN", "ReLU", "def ", "f", "n", "=", "(", ")",
          "[", "]", ",", "*", "**", "^", "//", "/", "%", "+", "-", "1", "28", "3.5", ".5",
          "same", "false", "p=", " ", "\n", ";", "# c\n", "e5", "1e5", "\r\n", "é", "_x"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_any_text_gets_larks_tree_or_larks_answer(pieces):
    _agrees("".join(pieces))
