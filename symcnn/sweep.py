"""Design-space sweeps: a network's totals and output shape over a grid of values for its
free symbols, evaluated at once with NumPy instead of one ``subs`` per point.

>>> import symcnn
>>> net = symcnn.parse("I(n, n, 3) C(f, k) P(2) D(10)")
>>> table = net.sweep(n=[28, 32], k=[3, 5], f=[16])
>>> [int(p) for p in table["params"]]
[28218, 20378, 38458, 29338]

The arithmetic is exact (``_integer_eval``: integer operations only, no value ever
passes through a float, int64 where that cannot overflow and Python integers where it
could). The grid is kept "sparse" (each symbol varies along its own axis) until the end,
so a formula in ``n`` alone costs ``len(n)`` operations, not one per configuration.

NumPy is imported here only, on the first sweep: ``import symcnn`` does not need it (nor
installs it: ``pip install "symcnn[sweep]"``). A sweep's size is checked before any of
it is built: ``MAX_CONFIGURATIONS`` bounds the number of configurations, counting a
configuration once per 64 bits of its widest number, and ``MAX_BITS`` every number.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import sympy

from . import limits
from ._integer_eval import INT64_MAX, bound, evaluate
from .errors import SymcnnError

__all__ = ["Sweep", "sweep"]

_BLOCK = 65_536


class Sweep:
    """The result of :func:`sweep`: one row per configuration, one column per name.

    Columns: the swept symbols (in the order given), ``params``, ``non_trainable``,
    ``macs``, the output shape (``out_h``, ``out_w``, ``out_c`` for an image, ``out_f``
    for a vector) and ``valid`` (every condition of ``net.constraints`` holds). Each
    column is a NumPy array, of int64 where that is exact and of Python ints
    (``dtype=object``) where int64 would overflow; the arrays hold the formulas' values
    at every configuration, also where ``valid`` is false and they describe no real
    network. The rows, as iteration, ``rows()``, ``to_csv`` and ``to_pandas`` give
    them, leave those counts and sizes empty (``None``, an empty CSV cell, ``<NA>``).

    >>> import symcnn
    >>> table = symcnn.parse("I(n, n, 3) C(8, 3) P(2)").sweep(n=[3, 4, 6])
    >>> [(row["n"], row["macs"]) for row in table]
    [(3, None), (4, 864), (6, 3456)]
    """

    def __init__(self, columns: Mapping[str, Any]) -> None:
        self.columns = dict(columns)

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))

    def __getitem__(self, name: str) -> Any:
        return self.columns[name]

    def _computed(self) -> list[str]:
        """The columns the formulas give: all but the symbols' and ``valid``."""
        names = list(self.columns)
        return names[names.index("params"):names.index("valid")]

    def _blocks(self) -> Iterable[list[list[Any]]]:
        """The columns as Python values, a block of rows at a time, the computed ones
        ``None`` where the row is not valid."""
        names = list(self.columns)
        computed = [names.index(name) for name in self._computed()]
        for start in range(0, len(self), _BLOCK):
            columns = [self.columns[n][start:start + _BLOCK].tolist() for n in names]
            valid = columns[names.index("valid")]
            for i in computed:
                columns[i] = [v if ok else None for v, ok in zip(columns[i], valid)]
            yield columns

    def rows(self) -> Iterable[dict[str, Any]]:
        """Each configuration as a dict of plain Python values (``None`` for the counts
        and sizes of an invalid one)."""
        names = list(self.columns)
        for columns in self._blocks():
            for values in zip(*columns):
                yield dict(zip(names, values))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows())

    def to_csv(self, file: Any) -> None:
        """Writes the table as CSV (a header line, then one line per configuration; an
        invalid one's counts and sizes empty)."""
        writer = csv.writer(file, lineterminator="\n")
        names = list(self.columns)
        writer.writerow(names)
        valid = names.index("valid")
        for columns in self._blocks():
            columns[valid] = ["true" if v else "false" for v in columns[valid]]
            writer.writerows(zip(*columns))

    def to_pandas(self) -> Any:
        """The table as a pandas ``DataFrame`` (``pip install "symcnn[pandas]"``): the
        counts and sizes as nullable integers (``Int64``), ``<NA>`` where a row is not
        valid, or as Python ints (``object``) where int64 would overflow."""
        try:
            import pandas  # type: ignore[import-untyped]  # no stubs installed
        except ImportError:
            raise ImportError('to_pandas needs pandas, which symcnn\'s "pandas" extra '
                              'installs: pip install "symcnn[pandas]"') from None
        valid = self.columns["valid"]
        data = {}
        for name, column in self.columns.items():
            if name in self._computed():
                if column.dtype == object:
                    data[name] = pandas.Series([v if ok else None for v, ok in
                                                zip(column.tolist(), valid)], dtype=object)
                else:
                    data[name] = pandas.array(column, dtype="Int64")
                    data[name][~valid] = pandas.NA
            else:
                data[name] = column
        return pandas.DataFrame(data)

    def __repr__(self) -> str:
        return f"<symcnn.Sweep: {len(self)} configurations, columns {', '.join(self.columns)}>"


def sweep(net: Any, values: Mapping[Any, Any] | None = None, /, **more: Any) -> Sweep:
    """Evaluates ``net``'s totals and output shape at every combination of the values
    given for its free symbols (``n=range(32, 1025), k=[3, 5, 7]``); see :class:`Sweep`.
    Every free symbol needs values; a single integer is a one-value axis. A grid larger
    than :data:`symcnn.limits.MAX_CONFIGURATIONS` raises ``LimitError`` before any of it
    is built."""
    np = numpy()
    grid = _grid(net, {**dict(values or {}), **more})
    symbols = list(grid)
    shape = tuple(len(grid[s]) for s in symbols)
    totals = net.exact.totals
    outputs: dict[str, Any] = {"params": totals.trainable, "non_trainable": totals.non_trainable,
                               "macs": totals.macs}
    names = ("out_h", "out_w", "out_c") if len(net.output_shape) == 3 else ("out_f",)
    outputs.update(zip(names, net.output_shape))
    largest = {s: max(grid[s]) for s in symbols}  # every value is at least 0
    bounds = {expr: bound(expr, largest) for expr in [*outputs.values(), *net.constraints]}
    _check_width(shape, bounds)
    axes = _sparse_axes(np, [grid[s] for s in symbols])
    columns = {}
    for symbol, axis in zip(symbols, axes):
        columns[symbol.name] = np.broadcast_to(axis, shape).ravel()
    for name, expr in outputs.items():
        columns[name] = np.broadcast_to(evaluate(np, expr, symbols, axes, bounds[expr]),
                                        shape).ravel()
    valid = np.ones(shape, dtype=bool)
    for condition in net.constraints:
        valid &= np.broadcast_to(evaluate(np, condition, symbols, axes, bounds[condition]),
                                 shape)
    columns["valid"] = valid.ravel()
    return Sweep(columns)


def numpy() -> Any:
    """NumPy, which a default install of symcnn does not have."""
    try:
        import numpy
    except ImportError:
        raise ImportError('a sweep needs NumPy, which symcnn\'s "sweep" extra installs: '
                          'pip install "symcnn[sweep]"') from None
    return numpy


def check_size(sizes: Mapping[str, int]) -> None:
    """The number of configurations of a grid with ``sizes`` values for each symbol,
    checked before any of it is built."""
    total = math.prod(sizes.values())
    if total > limits.MAX_CONFIGURATIONS:
        counts = " × ".join(f"{size:,} value{'s' * (size != 1)} of {name}"
                            for name, size in sizes.items())
        raise limits.exceeded(f"this sweep has {total:,} configurations ({counts})",
                              "MAX_CONFIGURATIONS")


def _check_width(shape: tuple[int, ...], bounds: Mapping[Any, int]) -> None:
    """Every number of the table (and of the work towards it) within ``MAX_BITS``; and,
    where some need Python integers, the table within ``MAX_CONFIGURATIONS`` counting
    a configuration once per 64 bits of its widest number."""
    bits = max([bound.bit_length() for bound in bounds.values()] + [64])
    if bits > limits.MAX_BITS:
        raise limits.exceeded(f"at these values the sweep's numbers reach {bits:,} bits",
                              "MAX_BITS")
    configurations = math.prod(shape)
    if configurations * math.ceil(bits / 64) > limits.MAX_CONFIGURATIONS:
        raise limits.exceeded(
            f"this sweep has {configurations:,} configurations whose numbers reach "
            f"{bits:,} bits, as much work as {configurations * math.ceil(bits / 64):,} "
            "configurations of 64-bit numbers", "MAX_CONFIGURATIONS")


# ---- the grid --------------------------------------------------------------------

def _grid(net: Any, given: Mapping[Any, Any]) -> dict[sympy.Symbol, list[int]]:
    free = {s.name: s for s in net.symbols}
    named: dict[sympy.Symbol, Any] = {}
    for key, values in given.items():
        name = key.name if isinstance(key, sympy.Symbol) else key
        if name not in free:
            known = ", ".join(free) or "none"
            raise SymcnnError(f"{name} is not a free symbol of this network "
                              f"(its free symbols: {known})")
        named[free[name]] = values
    missing = [name for name in free if free[name] not in named]
    if missing:
        raise SymcnnError(f"a sweep needs values for every free symbol; give values for "
                          f"{', '.join(missing)}")
    check_size({s.name: _length(values) for s, values in named.items()})
    grid = {symbol: _axis(symbol, values) for symbol, values in named.items()}
    check_size({s.name: len(axis) for s, axis in grid.items()})
    return grid


def _length(values: Any) -> int:
    """How many values there are, where that is known without making them (a list, a
    range, an array); 1 where it is not (an iterator: ``_axis`` takes only as many as
    the limit allows)."""
    if isinstance(values, range):  # len() fails past sys.maxsize
        return max(0, -((values.start - values.stop) // values.step))
    if isinstance(values, (int, sympy.Integer)) or not hasattr(values, "__len__"):
        return 1
    try:
        return len(values)
    except TypeError:  # a 0-d array
        return 1


def _axis(symbol: sympy.Symbol, values: Any) -> list[int]:
    if isinstance(values, (int, sympy.Integer)) and not isinstance(values, bool):
        values = [values]
    try:
        axis = list(itertools.islice(values, limits.MAX_CONFIGURATIONS + 1))
    except TypeError:
        raise SymcnnError(f"the values of {symbol} must be integers or an iterable of "
                          f"integers, not {values!r}") from None
    if len(axis) > limits.MAX_CONFIGURATIONS:
        raise limits.exceeded(f"{symbol} has more than {limits.MAX_CONFIGURATIONS:,} values",
                              "MAX_CONFIGURATIONS")
    if not axis:
        raise SymcnnError(f"no values are given for {symbol}")
    if not all(type(value) is int for value in axis):
        axis = [_integer(symbol, value) for value in axis]
    least = 0 if symbol.is_nonnegative and not symbol.is_positive else 1
    if min(axis) < least:
        raise SymcnnError(f"{symbol} is {'a padding' if least == 0 else 'a size'}: "
                          f"its values must be at least {least}, not {min(axis)}")
    bits = max(axis).bit_length()
    if bits > limits.MAX_BITS:
        raise limits.exceeded(f"a value of {symbol} has {bits:,} bits", "MAX_BITS")
    return axis


def _integer(symbol: sympy.Symbol, value: Any) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise SymcnnError(f"the values of {symbol} must be integers, not {value!r}")
    return int(value)


def _sparse_axes(np: Any, axes: Sequence[list[int]]) -> list[Any]:
    """Each axis as an array that varies along its own dimension only; NumPy
    broadcasting builds the whole grid where a formula needs it."""
    arrays = []
    for i, axis in enumerate(axes):
        dtype = np.int64 if max(map(abs, axis)) <= INT64_MAX else object
        shape = [1] * len(axes)
        shape[i] = len(axis)
        arrays.append(np.array(axis, dtype=dtype).reshape(shape))
    return arrays
