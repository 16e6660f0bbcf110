"""Symbolic networks agree with numeric ones.

A random valid program (``random_networks.networks``) has some of its numbers replaced
by free names: sizes and counts by positive names (``n1``, ``k2``), zeros by padding
names (``p3``), a name sometimes shared by equal numbers. The symbolic network's
expressions (every layer's shape, parameters, MACs, the totals), with the numbers put
back in, must equal the numeric program's; so must ``net.subs``. For other values the
constraints must hold exactly when the numeric program is valid. Then the forms docs/language.md
promises: floors that vanish at stride 1, ceil-mode pools, 'same' padding, transposed
convolutions, and errors from ``subs`` that name the layer.
"""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from random_networks import networks

import symcnn

# An integer literal that is not part of a decimal nor a dropout rate.
LITERAL = re.compile(r"(?<![\w.])(?<!Drop\()(?<!Dropout\()(?<!r=)(\d+)(?![\w.])")
POSITIVE_NAMES = ["n", "k", "s", "f", "c", "d", "u", "m", "g", "h", "w"]


@st.composite
def symbolic_programs(draw):
    """(symbolic text, numeric text, {name: value}) for a random valid network."""
    numeric, _ = draw(networks(max_layers=5))
    values: dict[str, int] = {}
    pieces, last = [], 0
    for match in LITERAL.finditer(numeric):
        value = int(match.group(1))
        if not draw(st.booleans()):
            continue
        same = [name for name, v in values.items() if v == value]
        if same and draw(st.booleans()):
            name = draw(st.sampled_from(same))
        else:
            stem = "p" if value == 0 or draw(st.integers(0, 5)) == 0 else draw(
                st.sampled_from(POSITIVE_NAMES))
            name = f"{stem}{len(values) + 1}"
            values[name] = value
        pieces += [numeric[last:match.start()], name]
        last = match.end()
    pieces.append(numeric[last:])
    return "".join(pieces), numeric, values


def write_in(text: str, values: dict[str, int]) -> str:
    return re.sub(r"\b[a-z]\d+\b", lambda m: str(values.get(m.group(0), m.group(0))), text)


def at(net, values):
    """The substitution ``{Symbol: Integer}`` for a network's free names."""
    return {s: sympy.Integer(values[s.name]) for s in net.symbols}


def same_numbers(symbolic, numeric, values):
    """The symbolic network's expressions at ``values`` equal the numeric network's."""
    point = at(symbolic, values)
    assert [r.name for r in symbolic.layers] == [r.name for r in numeric.layers]
    for sym, num in zip(symbolic.exact.layers, numeric.layers):
        assert tuple(v.xreplace(point) for v in sym.output_shape) == num.output_shape, sym.name
        assert sym.params.xreplace(point) == num.params, sym.name
        assert sym.non_trainable.xreplace(point) == num.non_trainable, sym.name
        assert sym.macs.xreplace(point) == num.macs, sym.name
    sums = symbolic.exact.totals
    assert sums.trainable.xreplace(point) == numeric.params
    assert sums.macs.xreplace(point) == numeric.macs
    assert sums.non_trainable.xreplace(point) == numeric.non_trainable


def constraints_hold(net, values) -> bool:
    """Whether every constraint holds at ``values``. They are checked in order, as the
    layers are: once a stride is 0, a later size divided by it has no value."""
    point = at(net, values)
    for constraint in net.constraints:
        truth = constraint.xreplace(point)
        assert truth in (sympy.true, sympy.false), (constraint, truth)
        if truth == sympy.false:
            return False
    return True


@pytest.mark.filterwarnings("ignore::symcnn.SymcnnWarning")  # random sizes: I(4, 35, 22)
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(symbolic_programs(), st.data())
def test_symbolic_network_equals_numeric_evaluation(program, data):
    symbolic_text, numeric_text, values = program
    symbolic = symcnn.parse(symbolic_text)
    assert {s.name for s in symbolic.symbols} == set(values)
    numeric = symcnn.parse(numeric_text)
    same_numbers(symbolic, numeric, values)
    assert constraints_hold(symbolic, values)
    substituted = symbolic.subs(values)
    assert [r.output_shape for r in substituted.layers] == [r.output_shape
                                                           for r in numeric.layers]
    assert substituted.params == numeric.params and substituted.macs == numeric.macs

    # other values: the constraints hold exactly when the numbers give a valid network
    for _ in range(3):
        other = {name: data.draw(st.integers(0 if name.startswith("p") else 1, 2 * v + 3))
                 for name, v in values.items()}
        try:
            numeric = symcnn.parse(write_in(symbolic_text, other))
        except symcnn.ShapeError:
            assert not constraints_hold(symbolic, other), other
            continue
        assert constraints_hold(symbolic, other), other
        same_numbers(symbolic, numeric, other)


# ---- the forms docs/language.md promises ------------------------------------------------------

def sym(name, padding=False):
    if padding:
        return sympy.Symbol(name, integer=True, nonnegative=True)
    return sympy.Symbol(name, integer=True, positive=True)


n, k, s, f, c, m = (sym(x) for x in "nksfcm")
p = sym("p", padding=True)


@pytest.mark.parametrize("layer, size", [
    ("C(f, k)", n - k + 1),
    ("C(f, k, p=p)", n + 2 * p - k + 1),
    ("C(f, k, 1, p)", n + 2 * p - k + 1),
    ("C(f, 3, p=1)", n),
    ("C(f, k, d=2)", n - 2 * k + 2),
    ("P(k, s=1)", n - k + 1),
    ("A(3, 1, 1)", n),
    ("C(f, k, s=1, p=same)", n),
    ("C(f, k, s, p=same)", sympy.ceiling(n / s)),
    ("DW(k, 2, same)", sympy.ceiling(n / 2)),
    ("P(2, p=same)", sympy.ceiling(n / 2)),
    ("A(3, 2, same)", sympy.ceiling(n / 2)),
    ("T(f, k)", n + k - 1),
    ("T(f, k, s)", (n - 1) * s + k),
    ("T(f, k, s, p)", (n - 1) * s - 2 * p + k),
    ("T(f, k, s, p=same)", n * s),
    ("T(f, 4, 2, 1)", 2 * n),
    ("C(f, k, s)", sympy.floor((n - k) / s) + 1),
    ("P(2)", sympy.floor(n / 2)),
    ("P(2) P(2) P(2)", sympy.floor(n / 8)),
    ("P(2, ceil=true)", sympy.ceiling(n / 2)),
])
def test_output_size_forms(layer, size):
    net = symcnn.parse(f"I(n, n, c) {layer}")
    assert sympy.simplify(net.output_shape[0] - size) == 0
    assert net.output_shape[0] == net.output_shape[1]


@pytest.mark.parametrize("layer, size", [
    ("C(f, k)", "-k + n + 1"),
    ("C(f, k, p=p)", "-k + n + 2*p + 1"),
    ("P(k, 1)", "-k + n + 1"),
    ("C(f, 3, p=1)", "n"),
])
def test_stride_one_has_no_floor(layer, size):
    assert str(symcnn.parse(f"I(n, n, c) {layer}").output_shape[0]) == size


@pytest.mark.parametrize("layer, params, macs", [
    ("C(f, k)", f * (c * k**2 + 1), c * f * k**2 * (n - k + 1) ** 2),
    ("C(f, k, bias=false)", f * c * k**2, c * f * k**2 * (n - k + 1) ** 2),
    ("C(f, 3, g=2, p=1)", f * (9 * c / 2 + 1), 9 * c * f * n**2 / 2),
    ("T(f, k, s, p=same)", f * (c * k**2 + 1), c * f * k**2 * n**2),
    ("DW(3, m=m, p=1)", 9 * c * m + c * m, 9 * c * m * n**2),
    ("BN", 2 * c, 0),
    ("D(f)", (n**2 * c + 1) * f, n**2 * c * f),
    ("G D(f)", (c + 1) * f, c * f),
])
def test_params_and_macs_forms(layer, params, macs):
    net = symcnn.parse(f"I(n, n, c) {layer}")
    assert sympy.expand(net.params - params) == 0
    assert sympy.expand(net.macs - macs) == 0


def test_ceil_mode_pool_with_the_correction_is_one_floor():
    """When the last window may start in the padding (p + s > k), PyTorch's correction
    is in the floor's numerator: ``floor((n + p - 1)/s) + 1``, no Piecewise."""
    net = symcnn.parse("I(n, n, 1) P(2, s=3, ceil=true)")
    size = net.output_shape[0]
    assert size == sympy.floor((n - 1) / 3) + 1
    # PyTorch: ceil((n-2)/3) + 1, one less when the last window starts at or past n
    for value in range(2, 40):
        out = -(-(value - 2) // 3) + 1
        if (out - 1) * 3 >= value:
            out -= 1
        assert size.subs(n, value) == out
        assert net.subs(n=value).output_shape[0] == out


def test_ceil_mode_without_the_correction_is_the_ceiling():
    net = symcnn.parse("I(n, n, 1) P(3, s=2, p=1, ceil=true)")
    assert net.output_shape[0] == sympy.ceiling((n - 1) / 2) + 1


def test_ceil_mode_pools_in_a_chain_stay_one_floor():
    """issue 9: [P(2, s=3, ceil=true)] * 4 nested a Piecewise per pool (16 s for 3)."""
    net = symcnn.parse("I(n, n, 3) [P(2, s=3, ceil=true)] * 4")
    assert net.output_shape[0] == sympy.floor((n - 1) / 81) + 1
    for value in (2, 80, 81, 82, 300):
        numeric = symcnn.parse(f"I({value}, {value}, 3) [P(2, s=3, ceil=true)] * 4")
        assert net.subs(n=value).output_shape == numeric.output_shape


def test_ceil_mode_with_symbolic_arguments_is_a_floor_of_a_min():
    net = symcnn.parse("I(n, n, c) P(k, s=s, p=p, ceil=true)")
    size = net.output_shape[0]
    assert size == sympy.floor((n + sympy.Min(p - 1, 2 * p - k + s - 1)) / s) + 1
    for k_, s_, p_, n_ in [(2, 3, 0, 9), (2, 3, 0, 10), (3, 2, 1, 112), (4, 5, 2, 17)]:
        numeric = symcnn.parse(f"I({n_}, {n_}, 1) P({k_}, s={s_}, p={p_}, ceil=true)")
        assert size.subs({n: n_, k: k_, s: s_, p: p_}) == numeric.output_shape[0]


def test_constraints_of_a_network():
    net = symcnn.parse("I(n, n, c) C(f, k, g=2) P(2)")
    assert sympy.Eq(sympy.Mod(c, 2), 0) in net.constraints
    assert sympy.Eq(sympy.Mod(f, 2), 0) in net.constraints
    assert sympy.Ge(n - k + 1, 1) in net.constraints
    assert sympy.Ge(net.output_shape[0], 1) in net.constraints
    assert len(net.constraints) == 4
    for values in ({"n": 9, "k": 3, "c": 4, "f": 6}, {"n": 9, "k": 8, "c": 4, "f": 6},
                   {"n": 9, "k": 9, "c": 4, "f": 6}, {"n": 9, "k": 3, "c": 3, "f": 6}):
        try:
            net.subs(values)
            valid = True
        except symcnn.ShapeError:
            valid = False
        assert constraints_hold(net, values) == valid == (values["k"] <= 8 and values["c"] == 4)


def test_symbols_are_sorted_with_their_assumptions():
    net = symcnn.parse("I(n, n, c) C(f, k, p=p1) T(f, 3, op=op)")
    assert [x.name for x in net.symbols] == ["c", "f", "k", "n", "op", "p1"]
    positive = {x.name: x.is_positive for x in net.symbols}
    assert positive == {"c": True, "f": True, "k": True, "n": True, "op": None, "p1": None}
    assert all(x.is_integer and x.is_nonnegative for x in net.symbols)


def test_a_non_integer_size_is_a_constraint():
    net = symcnn.parse("I(n/2, n/2, 3) C(4, 3)")
    assert constraints_hold(net, {"n": 8})
    assert not constraints_hold(net, {"n": 9})
    with pytest.raises(symcnn.SymcnnError, match="whole number"):
        net.subs(n=9)


# ---- errors from subs --------------------------------------------------------------

@pytest.mark.parametrize("text, values, index, layer, kind, line, column", [
    ("I(n, n, 3)\nC(8, k)", {"n": 3, "k": 4}, 1, "C1", "C", 2, 1),
    ("I(n, n, 3) C(8, 3) P(2)\n  P(k)", {"n": 7, "k": 3}, 3, "P2", "P", 2, 3),
    ("I(n, n, c) C(8, 3, g=g)", {"n": 7, "c": 6, "g": 4}, 1, "C1", "C", 1, 12),
    ("I(n, n, 3)\nRes([C(3, k, p=1)])", {"n": 7, "k": 5}, 2, "res1", "Res", 2, 1),
    ("I(n, n, 3)\nRes([P(2) C(3, k)])", {"n": 7, "k": 4}, 2, "res1.body.C1", "C", 2, 11),
    ("I(n, n, 3) T(4, 3, s=s, op=o)", {"n": 7, "s": 2, "o": 2}, 1, "T1", "T", 1, 12),
])
def test_subs_names_the_layer_that_went_wrong(text, values, index, layer, kind, line,
                                               column):
    net = symcnn.parse(text)
    assert net.constraints
    assert not constraints_hold(net, values)
    with pytest.raises(symcnn.ShapeError) as caught:
        net.subs(values)
    error = caught.value
    assert (error.index, error.layer, error.kind) == (index, layer, kind)
    assert (error.line, error.column) == (line, column)
    assert f"layer {index} ({layer})" in str(error)
    assert f"line {line}, column {column}" in str(error)


def test_subs_outside_a_symbols_assumptions_names_the_layer():
    with pytest.raises(symcnn.ShapeError) as caught:
        symcnn.parse("I(n) D(4)").subs(n=0)
    assert (caught.value.index, caught.value.layer, caught.value.kind) == (0, "input", "I")


def test_subs_with_an_expression_keeps_its_new_symbols():
    net = symcnn.parse("I(n, n, 3) C(8, k)").subs(n="2*q", k=3)
    assert [x.name for x in net.symbols] == ["q"]
    assert not net.is_numeric
    assert net.output_shape == (2 * sym("q") - 2, 2 * sym("q") - 2, 8)


def test_a_symbolic_rate_is_a_constraint():
    net = symcnn.parse("I(4) Drop(r) D(2)")
    assert constraints_hold(net, {"r": 1})
    assert not constraints_hold(net, {"r": 2})
    with pytest.raises(symcnn.ShapeError, match="between 0 and 1"):
        net.subs(r=2)


@pytest.mark.parametrize("program, values, valid", [
    ("I(n, n, c) C(f, k, p=(k - 1) / 2)", {"n": 9, "c": 2, "f": 3, "k": 5}, True),
    ("I(n, n, c) C(f, k, p=(k - 1) / 2)", {"n": 9, "c": 2, "f": 3, "k": 4}, False),
    ("I(n, n, c) Res([C(c, k, p=p) BN ReLU])", {"n": 9, "c": 2, "k": 3, "p": 1}, True),
    ("I(n, n, c) Res([C(c, k, p=p) BN ReLU])", {"n": 9, "c": 2, "k": 3, "p": 2}, False),
    ("I(n, n, c) Cat([C(f, 1)], [P(3, 1, p=p)])", {"n": 9, "c": 2, "f": 3, "p": 1}, True),
    ("I(n, n, c) Cat([C(f, 1)], [P(3, 1, p=p)])", {"n": 9, "c": 2, "f": 3, "p": 0}, False),
    ("I(n, n, c) C(f, 3, g=g) DW(3, m=m, p=1)", {"n": 9, "c": 4, "f": 6, "g": 2, "m": 3},
     True),
    ("I(n, n, c) C(f, 3, g=g) DW(3, m=m, p=1)", {"n": 9, "c": 4, "f": 6, "g": 4, "m": 3},
     False),
    ("I(n, n, c) T(f, k, s, op=o)", {"n": 3, "c": 1, "f": 1, "k": 2, "s": 2, "o": 1}, True),
    ("I(n, n, c) T(f, k, s, op=o)", {"n": 3, "c": 1, "f": 1, "k": 2, "s": 1, "o": 1}, False),
    ("I(n, n, c) P(k, p=p)", {"n": 3, "c": 1, "k": 3, "p": 1}, True),
    ("I(n, n, c) P(k, p=p)", {"n": 3, "c": 1, "k": 3, "p": 2}, False),
])
def test_constraints_decide_validity(program, values, valid):
    """Expressions as arguments, branches that must agree, groups, output padding and
    pool padding: each becomes a constraint that holds exactly for valid values."""
    net = symcnn.parse(program)
    assert constraints_hold(net, values) == valid
    if valid:
        numeric = net.subs(values)
        same_numbers(net, numeric, values)
    else:
        with pytest.raises(symcnn.SymcnnError):
            net.subs(values)



def expression(text: str):
    """An expression as a program's argument evaluates it, symbols and all."""
    from symcnn._diagnostics import Diagnostics
    from symcnn._expressions import Expressions
    from symcnn._syntax import parse_expression

    return Expressions(Diagnostics(text)).expr(parse_expression(text), {})


MONOTONE = st.recursive(
    st.sampled_from(["n", "k", "p", "1", "2", "3", "1/2"]),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda t: f"({t[0]} + {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]} * {t[1]})"),
        st.tuples(inner, st.sampled_from(["2", "3", "7"])).map(
            lambda t: f"floor({t[0]} / {t[1]})"),
        st.tuples(inner, st.sampled_from(["2", "5"])).map(lambda t: f"ceil({t[0]} / {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"max({t[0]}, {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"min({t[0]}, {t[1]})"),
        st.tuples(inner, st.sampled_from(["1", "2", "3"])).map(lambda t: f"({t[0]} - {t[1]})"),
    ), max_leaves=6)


@settings(max_examples=200, deadline=None)
@given(MONOTONE)
def test_the_quick_lower_bound_is_the_least_value(text):
    """``_math.lower_bound``, which decides most 'size >= 1' checks without sympy: the
    least value of an expression that never decreases as n, k (from 1) or p (from 0)
    grow, found here by trying values, since each term only grows with them."""
    from symcnn._math import lower_bound, symbol

    expr = expression(text)
    n, k, p = symbol("n"), symbol("k"), symbol("p")
    tried = [expr.subs({n: a, k: b, p: c}) if hasattr(expr, "subs") else expr
             for a in (1, 2, 5) for b in (1, 3) for c in (0, 2)]
    least = lower_bound(expr)
    if least is not None:  # None: a term may fall (n·(n − 2)), and sympy is asked
        assert least == min(tried)


@pytest.mark.parametrize("text, least", [
    ("floor((n - 1) / 2) + 1", 1), ("floor((n + 2*p) / 2) + k", 1),
    ("ceil(n / 3) * 64", 64), ("max(n, 3) - 2", 1), ("min(n, k) * 2 + p", 2),
    ("n^2 * k + 1/2", Fraction(3, 2)), ("floor(floor(n / 2) / 2)", 0)])
def test_the_quick_lower_bound_of_sizes(text, least):
    from symcnn._math import lower_bound

    assert lower_bound(expression(text)) == least


@pytest.mark.parametrize("text", ["5 - n", "n - k", "floor((n - 2*k) / 2)", "2^(-n) * 8",
                                  "n * (1 - k)", "n / k"])
def test_no_quick_lower_bound_where_a_term_falls(text):
    from symcnn._math import lower_bound

    assert lower_bound(expression(text)) is None
