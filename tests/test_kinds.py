"""Every registered layer kind, each on its own.

For each kind of ``symcnn.kinds.kinds()`` (a parameter of every test here, so a new kind
is checked without a line added): the random-network generator draws it; a layer of it,
drawn on an input of every rank the kind takes, parses, evaluates, prints back through
``net.to_dsl()`` to the same network and agrees with its PyTorch export (parameters,
statistics, MACs, every record's shapes); docs/language.md's table of kinds names it;
and each of its Keras and PyTorch names, written as a layer, is answered with "did you
mean" and the kind. A kind without a PyTorch module fails loudly in ``to_torch``.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, assume, find, given, settings
from hypothesis import strategies as st
from random_networks import RANKS, input_text, layers, networks

import symcnn
from symcnn.kinds import Kind, Needs, Out, kinds
from symcnn.kinds._base import REGISTRY

KINDS = kinds()
NAMES = [kind.name for kind in KINDS]
DOCS = Path(__file__).resolve().parent.parent / "docs" / "language.md"

#: An input of each rank, large enough that most drawn arguments fit.
INPUTS = {0: (12,), 1: (11, 4), 2: (9, 8, 4), 3: (6, 7, 5, 4)}


def ranks(kind: Kind) -> tuple[int, ...]:
    """The ranks of input the kind takes (for the input kind, the ranks it gives)."""
    return (1, 2, 3) if kind.needs == Needs.SPATIAL else RANKS


def records(net):
    return [(r.name, r.kind, r.input_shape, r.output_shape, r.params, r.non_trainable,
             r.macs) for r in net.layers]


def test_every_kind_is_registered_once():
    assert len(NAMES) == len(set(NAMES))
    assert len(set(map(id, KINDS))) == len(KINDS)


# ---- the generator draws it ----------------------------------------------------------

GENERATE = settings(database=None, derandomize=True, phases=[Phase.generate], deadline=None,
                    suppress_health_check=list(HealthCheck))


@functools.lru_cache(maxsize=None)
def drawn_kinds() -> frozenset[str]:
    """The kinds of a fixed sample of random networks (one sample per test process)."""
    seen: set[str] = set()

    @settings(GENERATE, max_examples=150)
    @given(networks())
    def draw(generated):
        seen.update(r.kind for r in symcnn.parse(generated[0]).layers)

    draw()
    return frozenset(seen)


@pytest.mark.parametrize("kind", KINDS, ids=NAMES)
def test_the_random_network_generator_draws_it(kind):
    if kind.name in drawn_kinds():
        return

    def has_it(generated):  # a rare kind: look further
        return any(r.kind == kind.name for r in symcnn.parse(generated[0]).layers)

    assert has_it(find(networks(), has_it, settings=settings(GENERATE, max_examples=500)))


# ---- it parses, evaluates, prints back and agrees with PyTorch, on every rank ---------

#: Bugs of the library these tests found, by (test, kind): each an xfail until fixed.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


#: A failing example is one layer, printed as drawn; shrinking the generator's retries
#: can take minutes.
PER_KIND = settings(max_examples=4, deadline=None, database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck))


def checked(test: str) -> list:
    """Every kind, those with a known bug in ``test`` as xfail (not strict: a few random
    layers may miss the bug; each has a strict reproduction below)."""
    return [pytest.param(kind, id=kind.name, marks=[pytest.mark.xfail(
        reason=KNOWN_BUGS[test, kind.name])] if (test, kind.name) in KNOWN_BUGS
        else []) for kind in KINDS]


def on_each_rank(data, kind: Kind, test: str):
    """A network of one layer of ``kind`` on an input of each rank it takes, with the
    output shape PyTorch gives it; none with a kind, in a merge's branches, that has a
    known bug in ``test``."""
    for r in ranks(kind):
        x = INPUTS[r]
        text, shape = data.draw(layers(kind, x).filter(lambda made: made is not None),
                                label=f"rank {r}")
        net = symcnn.parse(text if kind.needs == Needs.NOTHING else f"{input_text(x)} {text}")
        assert [rec.kind for rec in net.layers if rec.depth == 0][-1] == kind.name
        assume(not any((test, rec.kind) in KNOWN_BUGS for rec in net.layers
                       if rec.kind != kind.name))
        yield net, shape


@pytest.mark.parametrize("kind", checked("agrees"))
@settings(PER_KIND)
@given(data=st.data())
def test_it_agrees_with_pytorch_on_each_rank(kind, data):
    torch_checks = pytest.importorskip("test_torch_differential")
    for net, shape in on_each_rank(data, kind, "agrees"):
        assert net.output_shape == shape
        torch_checks.agrees_with_pytorch(net)


@pytest.mark.parametrize("kind", checked("prints back"))
@settings(PER_KIND)
@given(data=st.data())
def test_it_prints_back_to_the_same_network_on_each_rank(kind, data):
    for net, _ in on_each_rank(data, kind, "prints back"):
        again = symcnn.parse(net.to_dsl())
        assert records(again) == records(net), net.to_dsl()
        assert again.to_dsl() == net.to_dsl()


def test_an_adaptive_pool_of_two_sizes_prints_back():
    """Found by this file: AP(1, 2) printed back as AP((1, 2)), which did not parse."""
    net = symcnn.parse("I(9, 8, 4) AP(1, 2)")
    assert records(symcnn.parse(net.to_dsl())) == records(net)


# ---- docs and suggestions ------------------------------------------------------------

def kinds_table() -> list[str]:
    """The rows of docs/language.md's table of layer kinds."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("\n## Layer kinds", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("|")]


@pytest.mark.parametrize("kind", KINDS, ids=NAMES)
def test_the_docs_table_names_it(kind):
    named = re.compile(rf"`{re.escape(kind.name)}[`(]")  # `C` or `Add([A], ...)`
    assert any(named.search(row) for row in kinds_table()), kind.name


def suggested(message: str) -> list[str]:
    """The kinds a "did you mean" offers: ``C (Conv)`` -> ``C``."""
    match = re.search(r"did you mean (.*)\?", message)
    assert match, message
    return [option.split(" (")[0] for option in match.group(1).split(" or ")]


@pytest.mark.parametrize("kind", KINDS, ids=NAMES)
def test_its_foreign_names_suggest_it(kind):
    assert kind.foreign, f"{kind.name} has no Keras or PyTorch name to suggest it by"
    for foreign in kind.foreign:
        with pytest.raises(symcnn.DSLSyntaxError) as caught:
            symcnn.parse(f"I(8, 8, 3) {foreign}")
        assert kind.name in suggested(str(caught.value)), foreign


# ---- an unknown case fails loudly -----------------------------------------------------

def test_a_kind_without_a_pytorch_module_fails_loudly(monkeypatch):
    torch_export = pytest.importorskip("symcnn.torch")

    class Mystery(Kind):  # its rule, and no to_torch
        name = "Mystery"
        needs = Needs.ANY

        def apply(self, check, x):
            return Out(x)

    # known by name for this test only: kinds() and the registry are as before after it
    monkeypatch.setitem(REGISTRY, Mystery.name, Mystery())
    net = symcnn.parse("I(5) Mystery")
    assert [r.kind for r in net.layers] == ["I", "Mystery"]
    with pytest.raises(symcnn.SymcnnError, match="Mystery has no PyTorch module"):
        torch_export.to_torch(net)
