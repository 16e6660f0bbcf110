"""symcnn._integer_eval, the integer-only code that sweeps and valid_sizes compute with:
on NumPy arrays and, without NumPy (as in the browser playground), one Python integer at
a time, each equal to sympy's own exact value of the formula at every point."""

import sys

import pytest
import sympy

from symcnn import _integer_eval
from symcnn.errors import SymcnnError

n = sympy.Symbol("n", integer=True, positive=True)

# every rule of the printers: floor and ceiling of fractions, a whole formula with a
# denominator, Mod, Max, Min, Piecewise, and a relation between fractions
FORMULAS = [
    sympy.floor(n / 3 - sympy.Rational(7, 3)) + 1,
    sympy.ceiling(sympy.floor(n / 2 - sympy.Rational(1, 2)) / 4 - sympy.Rational(3, 2)),
    (n**2 + n) / 2,
    sympy.Mod(sympy.floor(n / 4 - sympy.Rational(1, 4)) + 1, 7),
    sympy.Max(sympy.floor(n / 3), n - 20, 2),
    sympy.Min(sympy.ceiling(n / 5), 30 - n),
    sympy.Piecewise((sympy.floor(n / 2), n > 11), (sympy.ceiling(n / 3), True)),
]
CONDITIONS = [
    sympy.floor(n / 2 - sympy.Rational(3, 2)) - 1 >= 1,
    sympy.Eq(sympy.Mod(sympy.floor(n / 8 - sympy.Rational(1, 8)) + 1, 7), 0),
    sympy.Ne(sympy.ceiling(n / 2), sympy.ceiling(n / 3)),
    n / 3 < 11 - n / 2,
]
VALUES = range(1, 61)


@pytest.fixture(params=["numpy", "one at a time"])
def backend(request, monkeypatch):
    if request.param == "numpy":
        pytest.importorskip("numpy")
    else:
        monkeypatch.setitem(sys.modules, "numpy", None)
    return request.param


def test_formulas_at_each_value_are_sympys(backend):
    for v in VALUES:  # one value at a time: magnitudes then give the values themselves
        expected = [abs(int(f.subs(n, v))) for f in FORMULAS]
        assert _integer_eval.magnitudes(FORMULAS, n, [v]) == expected, v
    assert _integer_eval.magnitudes(FORMULAS, n, VALUES) == [
        max(abs(int(f.subs(n, v))) for v in VALUES) for f in FORMULAS]


def test_conditions_at_each_value_are_sympys(backend):
    for condition in CONDITIONS:
        assert _integer_eval.all_hold([condition], n, VALUES) == [
            bool(condition.subs(n, v)) for v in VALUES], condition
    assert _integer_eval.all_hold(CONDITIONS, n, VALUES) == [
        all(bool(c.subs(n, v)) for c in CONDITIONS) for v in VALUES]
    assert _integer_eval.all_hold([], n, [3, 4]) == [True, True]


def test_beyond_int64_the_values_stay_exact(backend):
    huge = 10**30 + 7
    assert _integer_eval.magnitudes([(n**2 + n) / 2], n, [huge]) == [(huge**2 + huge) // 2]
    assert _integer_eval.all_hold([sympy.floor(n / 3) >= 10**29], n, [huge, 3]) == [True,
                                                                                   False]


def test_without_numpy_the_work_is_bounded(monkeypatch):
    monkeypatch.setitem(sys.modules, "numpy", None)
    too_many = range(1, _integer_eval.MAX_ONE_AT_A_TIME // len(CONDITIONS) + 2)
    with pytest.raises(SymcnnError, match=r"too many to compute without NumPy"):
        _integer_eval.all_hold(CONDITIONS, n, too_many)


@pytest.mark.parametrize("name", ["max", "min", "numpy", "math", "x0", "x_max", "_", "lambda",
                                  "print"])
def test_a_symbol_named_as_what_the_code_calls(backend, name):
    x = sympy.Symbol(name, integer=True, positive=True)
    formula = sympy.Max(sympy.floor(x / 3), x - 20) + sympy.Piecewise((x, x > 5), (-x, True))
    assert _integer_eval.magnitudes([formula], x, [4]) == [abs(int(formula.subs(x, 4)))]
    assert _integer_eval.all_hold([sympy.Min(x, 9) > 4], x, [3, 7]) == [False, True]
