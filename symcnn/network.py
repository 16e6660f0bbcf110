"""The public face of an evaluated program: :class:`Network`, and the ``parse`` and
``load`` that make one."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import functools
import gc
import re
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, Sequence, TypeVar

from . import limits
from ._diagnostics import Diagnostics
from ._evaluate import Evaluator
from ._expressions import Expressions, NeedsSymbols
from ._math import NUMBER, symbol, to_sympy
from ._model import LayerRecord, Node, Totals, View, totals_of
from ._syntax import parse_expression, parse_program
from ._tree import WORDS, Pos, Program
from .errors import LimitError, SymcnnError

if TYPE_CHECKING:
    import sympy
    from sympy import Expr

T = TypeVar("T")

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")  # the grammar's NAME


def _guarded(work: Callable[[], T]) -> T:
    """Runs ``work`` so that running out of stack ends in a ``LimitError``, never in
    Python's own exception. The limits in :mod:`symcnn.limits` are meant to stop every
    program long before this; it is the last line of defence, and ``fuzz/`` counts
    reaching it as a finding."""
    try:
        with _collector_paused():
            return work()
    except RecursionError:
        raise LimitError(_TOO_DEEP) from None


_TOO_DEEP = "the program is nested too deeply to evaluate (Python's stack ran out)"


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Parsing and evaluating make many small objects that all stay alive; Python's
    cyclic garbage collector would walk the growing heap again and again, a third of the
    time of a 10,000-layer network, and find nothing to free. It runs again after."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class _Unused(SymcnnError):
    """Values given for names that the program binds itself or never reads."""

    def __init__(self, names: list[str]):
        super().__init__(f"{', '.join(names)} is not a free symbol of this network")
        self.names = names


class Network:
    """A network: its layers, with shapes, parameters and MACs as exact sympy values.

    Made by :func:`parse` or :func:`load`; :meth:`subs` gives a new network with values
    for free symbols.

    >>> net = parse("I(n, n, 1) C(32, k) P(2) C(32, 3) P(2) D(256) O(10)")
    >>> net.symbols
    (k, n)
    >>> int(net.subs(n=28, k=5).params)
    217706
    """

    def __init__(self, program: Program, values: Mapping[str, Expr] | None = None, *,
                 written: bool = False):
        self._program = program
        self._values = dict(values or {})
        # symcnn's own writing of the network (an import, see _blocks), which to_dsl()
        # gives as it is until values are substituted
        self._written = written and not self._values
        # Without free symbols Python's numbers do the work; sympy comes in only when a
        # symbol does (or when a caller asks for sympy values: see ``layers``).
        evaluator = Evaluator(program, self._values,
                              numeric=all(type(v) in NUMBER or v.is_Rational
                                          for v in self._values.values()))
        try:
            result = _guarded(evaluator.run)
        except NeedsSymbols:
            result = None
        if result is None:  # outside the except clause: an error here is no "During
            # handling of the above exception" of the internal NeedsSymbols
            evaluator = Evaluator(program, self._values)
            result = _guarded(evaluator.run)
        expressions = evaluator.expressions
        unused = [name for name in self._values if name not in expressions.used_values]
        if unused:
            raise _Unused(unused)
        self._numeric = evaluator.numeric
        # the records as evaluated: Python numbers in a numeric network
        self._records: tuple[LayerRecord, ...] = tuple(result.records)
        self._tree: tuple[Node, ...] = result.nodes
        self._output_shape = result.output_shape
        # A value may itself hold symbols (n = 2*m): they are as free as those never given.
        inside = set().union(*(getattr(self._values[name], "free_symbols", ())
                               for name in expressions.used_values))
        self.symbols: tuple[sympy.Symbol, ...] = tuple(
            sorted(set(result.symbols) | inside, key=lambda s: s.name))
        self.constraints: tuple[Any, ...] = tuple(result.constraints)
        # the names the program itself leaves free, given values or not
        self._program_names = frozenset(expressions.unbound)

    @functools.cached_property
    def evaluated(self) -> View:
        """The layers, their tree and the totals as evaluated: Python ints and Fractions
        in a network without free symbols (which print without importing sympy), sympy
        values otherwise."""
        records = self._records
        with _collector_paused():  # the sums of many terms, among many objects
            if self._numeric:
                totals = totals_of(records)
            else:
                totals = Totals(_bounded_total([r.params for r in records], "trainable params"),
                                _bounded_total([r.non_trainable for r in records],
                                               "non-trainable params"),
                                _bounded_total([r.macs for r in records], "MACs"),
                                _bounded_total([r.activations for r in records[1:]],
                                               "activations"))
        return View(records, self._tree, totals, self._output_shape)

    @functools.cached_property
    def exact(self) -> View:
        """The layers, their tree and the totals with sympy values."""
        if not self._numeric:
            return self.evaluated
        layers = tuple(dataclasses.replace(
            r, input_shape=to_sympy(r.input_shape), output_shape=to_sympy(r.output_shape),
            params=to_sympy(r.params), non_trainable=to_sympy(r.non_trainable),
            macs=to_sympy(r.macs), formula=to_sympy(r.formula),
            args={key: to_sympy(value) for key, value in r.args.items()})
            for r in self._records)
        public = {id(raw): record for raw, record in zip(self._records, layers)}

        def convert(node: Node) -> Node:
            return Node(public[id(node.record)], node.kind,
                        tuple(tuple(convert(n) for n in branch) for branch in node.branches))
        totals = self.evaluated.totals
        return View(layers, tuple(convert(node) for node in self._tree),
                    Totals(to_sympy(totals.trainable), to_sympy(totals.non_trainable),
                           to_sympy(totals.macs), to_sympy(totals.activations)),
                    to_sympy(self._output_shape))

    @functools.cached_property
    def layers(self) -> tuple[LayerRecord, ...]:
        """One record per layer. In a network without free symbols its shapes and counts
        are Python ints (``json.dumps`` and ``f"{r.params:,}"`` take them); otherwise,
        and always for ``formula`` and ``args``, sympy values (``net.exact.layers``)."""
        if not self._numeric:
            return self.exact.layers
        return tuple(dataclasses.replace(
            public, input_shape=_ints(raw.input_shape),
            output_shape=tuple(_int(v) for v in raw.output_shape),
            params=_int(raw.params), non_trainable=_int(raw.non_trainable),
            macs=_int(raw.macs)) for raw, public in zip(self._records, self.exact.layers))

    @property
    def tree(self) -> tuple[Node, ...]:
        """The layers as a tree, with sympy values: a merge holds its branches."""
        return self.exact.tree

    @property
    def totals(self) -> Totals:
        """Trainable and non-trainable parameters, MACs and activations, with FLOPs and
        the weights' bytes derived from them: Python ints in a network without free
        symbols, sympy values otherwise (``net.exact.totals`` always)."""
        return self.evaluated.totals

    @property
    def output_shape(self) -> tuple[Any, ...]:
        return to_sympy(self._output_shape)

    @property
    def source(self) -> str:
        """The program text the network came from."""
        return self._program.text

    @property
    def input_shape(self) -> tuple[Expr, ...]:
        return self.exact.layers[0].output_shape

    @functools.cached_property
    def receptive_fields(self) -> dict[str, Any]:
        """Each layer's receptive field by its name (``net.receptive_field_of(name)``)."""
        from ._receptive import fields

        return fields(self.exact.tree)

    def receptive_field_of(self, name: str) -> Any:
        """The receptive field of the layer called ``name`` (``"C3"``, ``"res1.body.C1"``):
        ``.size``, ``.stride`` and ``.padding``, one entry per spatial dimension. Raises
        ``SymcnnError`` saying why a layer has none (it comes after ``G`` or ``D``)."""
        from ._receptive import field_of

        if name not in self.receptive_fields:
            raise SymcnnError(f"this network has no layer {name!r}")
        return field_of(self.receptive_fields, name)

    @property
    def receptive_field(self) -> Any:
        """The receptive field of the network's output; see :meth:`receptive_field_of`."""
        return self.receptive_field_of(self.layers[-1].name)

    def total_stride(self) -> int:
        """How far the last window moves when the output moves by one, over every layer
        that has a receptive field (the least common multiple over dimensions and
        layers): 32 for ResNet-50. A size that is a multiple of it passes every stride
        without a remainder."""
        import math

        strides = [int(v) for f in self.receptive_fields.values() if not isinstance(f, str)
                   for v in f.stride if getattr(v, "is_Integer", False) or type(v) is int]
        return math.lcm(*strides) if strides else 1

    def on_multiples(self, name: str = "n", of: int | None = None,
                     symbol: str = "m") -> Network:
        """The network for sizes ``name = of·symbol`` (``of`` is the total stride unless
        given): the floors of sizes that strides divide disappear, and the formulas are
        exact at every such size. ResNet-50's MACs become ``83410944·m² + 2048000``,
        the value at n = 224 for m = 7.

        >>> from symcnn import zoo
        >>> zoo.load("resnet50").on_multiples().macs
        83410944*m**2 + 2048000
        """
        if of is None:
            of = self.total_stride()
        if isinstance(of, bool) or not isinstance(of, int) or of < 1:
            raise SymcnnError(f"of= is a whole number of at least 1, not {of!r}")
        return self.subs({name: f"{of}*{symbol}"})

    def compare(self, *others: Network, names: Sequence[str] | None = None,
                fmt: str = "text") -> str:
        """This network's totals next to others', one row each (``symcnn compare``), in
        any format: parameters, MACs, weights in bytes (float32), activations per sample
        and the receptive field of the last feature map; ``names`` label the rows
        (``A``, ``B``, ... by default).

        >>> a, b = parse("I(32, 32, 3) C(16, 3)"), parse("I(32, 32, 3) C(16, 5)")
        >>> print(a.compare(b, names=["3x3", "5x5"]), end="")
        network  input        params  MACs     weights (bytes)  activations  receptive field
        -------  -----------  ------  -------  ---------------  -----------  ---------------
        3x3      (32, 32, 3)  448     388,800  1,792            14,400       3 × 3
        5x5      (32, 32, 3)  1,216   940,800  4,864            12,544       5 × 5
        """
        from .render import overview

        nets = (self, *others)
        labels = list(names) if names is not None else [chr(65 + i) for i in range(len(nets))]
        if len(labels) != len(nets):
            raise SymcnnError(f"{len(labels)} names for {len(nets)} networks")
        return overview(list(zip(labels, nets)), fmt, detail=True)

    def largest(self, name: str, **bounds: int) -> int:
        """The largest valid value of the free symbol ``name`` whose totals are at most
        the bounds: ``net.largest("n", macs=10**10)``; bounds are ``params``,
        ``non_trainable``, ``total``, ``macs``, ``flops``, ``weights_bytes`` (float32) and
        ``activations`` (output elements per sample), several at once. Exact: a search on
        the closed forms, floors included, invalid sizes skipped. Every other symbol needs
        a value first (``subs``)."""
        from ._solve import solve

        return solve(self, name, bounds, largest=True)

    def smallest(self, name: str, **bounds: int) -> int:
        """The smallest valid value of ``name`` whose totals are at least the bounds;
        see :meth:`largest`."""
        from ._solve import solve

        return solve(self, name, bounds, largest=False)

    def valid_sizes(self, name: str = "n") -> Any:
        """Every value of the free symbol ``name`` for which the network is valid (every
        condition of ``constraints`` holds), exactly: a :class:`symcnn._solve.ValidSizes`
        with ``least``, ``modulus``, ``residues`` and ``exceptions``. Sizes are floors and
        ceilings of affine maps of ``name``, so validity repeats with a period past some
        point (``docs/formulas.md`` gives the argument). Every other symbol needs a value
        first (``subs``); a condition of another shape (``name²``) is refused.

        >>> print(parse("I(n, n, 3) Add([C(8, 3, s=2, p=1)], [P(2) C(8, 1)])").valid_sizes())
        n ≥ 2, n ≡ 0 (mod 2)
        """
        from ._solve import valid_sizes

        return valid_sizes(self, name)

    @property
    def params(self) -> Expr:
        """Trainable parameters, in total: an ``int`` in a network without free symbols,
        a sympy value otherwise (as are ``non_trainable``, ``macs`` and ``activations``)."""
        return self.totals.trainable

    @property
    def non_trainable(self) -> Expr:
        """Parameters that are not trained: BatchNorm's running mean and variance."""
        return self.totals.non_trainable

    @property
    def macs(self) -> Expr:
        """Multiply-accumulates of one forward pass of one sample."""
        return self.totals.macs

    @property
    def activations(self) -> Expr:
        """Output elements of every layer but the input, for one sample: what a training
        step keeps for the backward pass (``record.activations`` for one layer)."""
        return self.totals.activations

    def memory(self, batch: Any = 1, dtype: str = "float32",
               optimizer: str = "adam") -> Any:
        """Bytes of the weights, of a batch's input and activations, and of a training
        step (weights, gradients, optimiser state and activations), exact: ``dtype`` is
        ``float32``, ``float16``, ``bfloat16``, ``int8`` or ``float64``; ``optimizer``
        ``sgd``, ``momentum`` or ``adam``; ``batch`` a whole number or a symbol's name.
        Returns a :class:`symcnn._memory.Memory`; see ``docs/conventions.md``.

        >>> m = parse("I(32, 32, 3) C(16, 3) G O(10)").memory(batch=8, dtype="float16")
        >>> m.weights, m.activations_bytes, m.training
        (1236, 230816, 284912)
        """
        from ._memory import memory

        return memory(self, batch, dtype, optimizer)

    @property
    def is_numeric(self) -> bool:
        return not self.symbols

    def subs(self, values: Mapping[Any, Any] | None = None, /, **more: Any) -> Network:
        """A new network with values for free symbols: ``net.subs(n=28, k=5)`` or
        ``net.subs({"n": 28})``. Values are integers, sympy expressions or expression
        text (``"2*m"``); symbols not given stay free. Raises ``ShapeError`` if the
        network is invalid for these values."""
        import sympy

        given: dict[str, Expr] = {}
        if values is not None and not isinstance(values, Mapping):
            raise SymcnnError("subs takes a mapping of names to values, such as "
                              f"{{'n': 28}}, not {type(values).__name__}")
        for key, value in {**dict(values or {}), **more}.items():
            name = key.name if isinstance(key, sympy.Symbol) else key
            if not isinstance(name, str):
                raise SymcnnError(f"a value is given for {key!r}; name a symbol by its "
                                  "name or its sympy Symbol")
            given[name] = _exact(name, value)
        free = {s.name: s for s in self.symbols}
        unknown = [name for name in given if name not in free]
        if unknown:
            known = ", ".join(free) or "none"
            raise SymcnnError(f"{', '.join(unknown)} is not a free symbol of this network "
                              f"(its free symbols: {known})")
        given = _resolved(given)
        replace = {free[name]: value for name, value in given.items()}
        kept = {name: _replaced(name, value, replace) for name, value in self._values.items()}
        # A name that only lives inside earlier values (q after subs(n="2*q")) has been
        # put into them; the program itself never reads it.
        values = {name: value for name, value in {**given, **kept}.items()
                  if name in self._program_names}
        return Network(self._program, values)

    def formula(self, what: str = "params", *, collect: Any = None, factor: bool = False,
                expand: bool = False, assume_divisible: bool = False) -> Expr:
        """A total in closed form: ``what`` is ``params`` (trainable), ``non_trainable``,
        ``total``, ``macs`` or ``flops``. ``assume_divisible=True`` drops the floors
        (exact when every stride divides the size it slides over), giving the
        textbook ``(n + 2p - k)/s + 1``; then ``expand``, ``factor`` or ``collect`` (a
        symbol or its name, or several) rearranges it.

        >>> from symcnn.render import text
        >>> net = parse("I(n, n, c) C(f, k, s=s, p=p)")
        >>> print(text(net.formula("macs", assume_divisible=True)))
        c·f·k²·((n + 2p − k)/s + 1)²
        """
        from ._formula import closed_form

        return closed_form(self, what, collect=collect, factor=factor, expand=expand,
                           assume_divisible=assume_divisible)

    def render(self, fmt: str = "text", *, layout: str = "hwc",
               width: int | None = None, memory: Any = None, percents: bool = False
               ) -> str:
        """The per-layer table and totals as ``text``, ``markdown``, ``latex``, ``json``
        or ``csv``, or a diagram as ``dot``, ``svg`` or ``tikz`` (see
        ``docs/formats.md``); ``memory=net.memory(...)`` adds the memory to the totals,
        ``percents`` each layer's share of the parameters and MACs (text and Markdown)."""
        from .render import render

        return render(self, fmt, layout=layout, width=width, memory=memory,
                      percents=percents)

    def to_latex(self, kind: str = "table", *, layout: str = "hwc") -> str:
        """LaTeX: a booktabs ``table``, an ``align`` derivation or a whole ``document``."""
        from .render import render

        return render(self, "latex", layout=layout, latex_kind=kind)

    def to_dot(self, *, layout: str = "hwc") -> str:
        """A Graphviz DOT graph: one node per layer, edges as data flows, each merge a
        cluster of its branches (``dot -Tsvg``; see ``docs/formats.md``)."""
        return self.render("dot", layout=layout)

    def to_svg(self, *, layout: str = "hwc") -> str:
        """A self-contained SVG diagram, laid out by symcnn itself: layers top to
        bottom, branches side by side, one ``<g class="layer">`` per layer."""
        return self.render("svg", layout=layout)

    def to_tikz(self, *, document: bool = False, layout: str = "hwc") -> str:
        """The SVG's diagram as a TikZ picture, or with ``document`` a standalone
        document that pdflatex compiles."""
        from .render import render

        return render(self, "tikz", layout=layout,
                      latex_kind="document" if document else "table")

    def to_markdown(self, *, layout: str = "hwc") -> str:
        return self.render("markdown", layout=layout)

    def to_json(self, *, layout: str = "hwc") -> str:
        return self.render("json", layout=layout)

    def to_csv(self, *, layout: str = "hwc") -> str:
        return self.render("csv", layout=layout)

    def _repr_markdown_(self) -> str:
        return self.render("markdown")

    def _repr_latex_(self) -> str:
        from .render import latex_math

        return latex_math(self)

    def sweep(self, values: Mapping[Any, Any] | None = None, /, **more: Any) -> Any:
        """The totals and output shape at every combination of values for the free
        symbols, computed exactly with NumPy: ``net.sweep(n=range(32, 1025), k=[3, 5])``.
        Returns a :class:`symcnn.sweep.Sweep` table; see :func:`symcnn.sweep.sweep`."""
        from .sweep import sweep

        return sweep(self, values, **more)

    def plot(self, path: str, values: Mapping[str, Any] | None = None, /,
             **more: Any) -> int:
        """Plots the trainable parameters and MACs against the one free symbol into the
        file ``path`` (PNG, SVG, PDF, ... by its extension), with matplotlib (the
        ``plot`` extra): ``net.plot("plot.png", n=range(32, 513))``. Sizes where the
        network is invalid are left out; returns how many were drawn."""
        from .render._plot import plot

        given = {**dict(values or {}), **more}
        if len(given) != 1:
            raise SymcnnError("plot takes the values of one free symbol, such as "
                              "n=range(32, 513)")
        ((name, axis),) = given.items()
        free = [str(s) for s in self.symbols]
        if name not in free:
            raise SymcnnError(f"{name} is not a free symbol of this network (its free "
                              f"symbols: {', '.join(free) or 'none'})")
        return plot(self, path, axis)

    def to_dsl(self) -> str:
        """The network in its canonical form: one statement per line, every layer
        written out with its arguments as evaluated (blocks, repetitions and bindings
        expanded, values substituted), so that ``parse(net.to_dsl())`` is the same
        network. An imported network's (``symcnn.from_torch``, ``symcnn.from_onnx``) is
        the program symcnn wrote for it, with its repeated blocks as ``def`` blocks,
        until values are substituted.

        >>> print(parse("def two(c) = [C(c, 3, p=1) ReLU] * 2\\nI(8, 8, 3) two(16)").to_dsl())
        I(8, 8, 3)
        C(16, 3, p=1)
        ReLU
        C(16, 3, p=1)
        ReLU
        """
        if self._written:
            return self._program.text
        from ._dsl import to_dsl

        return to_dsl(self.tree)

    def __repr__(self) -> str:
        shape = ", ".join(str(v) for v in self.output_shape)
        return (f"<symcnn.Network: {len(self.layers)} layers, output ({shape}), "
                f"params {self.params}>")


_CHUNK = 256  # terms added to a total at a time, between checks of its size


def _int(value: Any) -> Any:
    """A whole number as an ``int``; anything else (a Fraction) as it is."""
    return int(value) if type(value) is int or getattr(value, "is_Integer", False) else value


def _ints(shape: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    return None if shape is None else tuple(_int(v) for v in shape)


def _bounded_total(terms: list[Any], what: str) -> Any:
    """The sum of a symbolic network's terms, checked against ``MAX_NODES`` while it is
    built: like terms collect (a ResNet's 2,000 terms of MACs make 62 operations), so
    the sum is built a chunk at a time and measured after each, never growing far past
    the limit before it is refused."""
    import sympy

    # a layer repeated (a block replayed) gives the same term again: added once, times
    # the number of times it comes, as sympy's sum would collect it
    terms = [term if count == 1 else count * term
             for term, count in collections.Counter(terms).items()]
    result = sympy.Integer(0)
    for start in range(0, len(terms), _CHUNK):
        result = sympy.Add(result, *terms[start:start + _CHUNK])
        nodes = limits.written_nodes(result)
        if nodes > limits.MAX_NODES:
            raise limits.exceeded(f"the total {what} has more than {nodes:,} operations",
                                  "MAX_NODES")
    return result


def _resolved(given: dict[str, Expr]) -> dict[str, Expr]:
    """The values of one ``subs`` call with the other names of the call put in, so that
    ``subs(n="k + 4", k=3)`` gives n = 7. A value may use its own name (n = 2*n keeps n
    free); values that use each other in a circle are an error."""
    uses = {name: {s.name for s in value.free_symbols} & set(given) - {name}
            for name, value in given.items()}
    done: dict[str, Expr] = {}

    def resolve(name: str, chain: tuple[str, ...]) -> Expr:
        if name in chain:
            circle = " -> ".join([*chain[chain.index(name):], name])
            raise SymcnnError(f"the values given refer to each other in a circle ({circle})")
        if name not in done:
            inner = {symbol(other): resolve(other, (*chain, name)) for other in uses[name]}
            done[name] = _replaced(name, given[name], inner)
        return done[name]

    return {name: resolve(name, ()) for name in given}


def _exact(name: str, value: Any) -> Expr:
    import sympy

    if isinstance(value, bool) or isinstance(value, float):
        raise SymcnnError(f"the value of {name} must be exact (an int or a sympy "
                          f"expression), not {value!r}")
    if isinstance(value, int):
        return sympy.Integer(value)
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, str):
        _check_length(value, f"the value of {name}")
        expressions = Expressions(Diagnostics(value))
        return _guarded(lambda: expressions.bounded(
            expressions.expr(parse_expression(value), {}), Pos(1, 1), f"the value of {name}"))
    if isinstance(value, sympy.Expr):
        value = Expressions(Diagnostics("")).bounded(value, Pos(1, 1), f"the value of {name}")
        _in_the_language(name, value)
        return value
    raise SymcnnError(f"the value of {name} must be an int or a sympy expression, "
                      f"not {type(value).__name__}")


# What a sympy value given to ``subs`` may be made of: what the language itself makes.
_OPERATIONS = ("Add", "Mul", "Pow", "floor", "ceiling", "Min", "Max", "Mod")


def _in_the_language(name: str, value: sympy.Expr) -> None:
    """Refuses a sympy value the language could not have written: only whole and
    rational numbers, the symbols ``_math.symbol`` makes (integers, with its assumptions,
    named as the grammar names them) and the language's operations. Anything else
    (``Integral``, an undefined ``Function``, a real or non-integer ``Symbol``, ``pi``, a
    float) would reach the evaluator and ``to_dsl`` as something they cannot write."""
    import sympy

    operations = tuple(getattr(sympy, op) for op in _OPERATIONS)
    for node in sympy.preorder_traversal(value):
        if isinstance(node, sympy.Symbol):
            if not (_NAME.match(node.name) and node.name not in WORDS):
                raise SymcnnError(f"the value of {name} has the symbol {node.name!r}, which "
                                  "is no name of the language (a letter or _, then letters, "
                                  "digits or _; not same, valid, true or false)")
            if node != symbol(node.name):
                raise SymcnnError(
                    f"the value of {name} has a symbol {node.name} with other assumptions "
                    "than symcnn's (free symbols are integers, positive or, for paddings, "
                    f"non-negative); use {node.name!r} in the text, or "
                    "symcnn._math.symbol(name)")
        elif not (node.is_Rational or isinstance(node, operations)):
            raise SymcnnError(f"the value of {name} has {_shown(node)} "
                              f"({type(node).__name__}), which the language cannot write; "
                              "values are whole or rational numbers and expressions of "
                              "+ - * / ^ floor ceil min max % over free symbols")


def _shown(node: Any) -> str:
    text = str(node)
    return text if len(text) <= 40 else text[:39] + "…"


def _replaced(name: str, value: Expr, replace: Mapping[sympy.Symbol, Expr]) -> Expr:
    """A value given earlier, with values for its symbols: a power in it is checked
    against ``MAX_BITS`` before sympy computes it."""
    if type(value) in NUMBER:
        return value
    import sympy

    for power in value.atoms(sympy.Pow):
        if power.base.free_symbols & set(replace):
            base = power.base.xreplace(replace)
            if limits.power_bits(base, power.exp) > limits.MAX_BITS:
                raise limits.exceeded(f"the value of {name}, {power}, would have about "
                                      f"{int(limits.power_bits(base, power.exp)):,} bits",
                                      "MAX_BITS")
    return value.xreplace(replace)


def _check_length(text: str, what: str) -> None:
    if len(text) > limits.MAX_TEXT:
        raise limits.exceeded(f"{what} has {len(text):,} characters", "MAX_TEXT")


def parse(text: str) -> Network:
    """The network a program describes.

    Raises ``DSLSyntaxError`` for text that is not a program, ``ShapeError`` for a
    network that is invalid and ``LimitError`` for one that is too large to compute
    (see :mod:`symcnn.limits`); all derive from ``SymcnnError``, and no other exception
    escapes for any text. A ``text`` that is not a ``str`` (``bytes``, ``None``) is a
    mistake in the calling program, not bad input, and raises ``TypeError``.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse() takes the program as a str, not {type(text).__name__}")
    return _parsed(text, {})


def parse_at(text: str, values: Mapping[str, Any], *, strict: bool = False) -> Network:
    """``parse(text).subs(values)`` with those of ``values`` that name free symbols of
    the network, the others left out (``strict=True``: refused, as ``subs`` refuses
    them); with numbers for values, it is computed with numbers from the start, without
    the symbolic network that ``parse`` computes, and without importing sympy."""
    numbers = {name: _number(name, value) for name, value in values.items()}
    if all(value is not None for value in numbers.values()):
        given: dict[str, Any] = numbers  # numbers use no other name: nothing to resolve
    else:
        given = _resolved({name: _exact(name, value) for name, value in values.items()})
    try:
        return _parsed(text, given)
    except _Unused as unused:
        if strict:
            return parse(text).subs(values)  # refuses the names as subs does
        return _parsed(text, {k: v for k, v in given.items() if k not in unused.names})


def parse_written(text: str) -> Network:
    """The network of a program that symcnn wrote (an import's): ``to_dsl()`` gives
    that program back as it is."""
    return _parsed(text, {}, written=True)


def _number(name: str, value: Any) -> int | Fraction | None:
    """A value given as a Python number or as the text of a number (``"224"``,
    ``"2^5"``), checked as ``_exact`` checks it; ``None`` for anything else, which
    ``_exact`` reads with sympy."""
    if type(value) in NUMBER:
        return value
    if not isinstance(value, str):
        return None
    _check_length(value, f"the value of {name}")
    expressions = Expressions(Diagnostics(value), numeric=True)
    try:
        return _guarded(lambda: expressions.bounded(
            expressions.expr(parse_expression(value), {}), Pos(1, 1), f"the value of {name}"))
    except NeedsSymbols:
        return None


def _parsed(text: str, values: Mapping[str, Expr], written: bool = False) -> Network:
    _check_length(text, "the program")
    program = _guarded(lambda: parse_program(text))
    net = Network(program, values, written=written)
    from ._lint import warn

    warn(program, net._records)
    return net


def load(path: str | Path) -> Network:
    """The network in a file (UTF-8 text). A file that cannot be read, is not UTF-8
    or is longer than ``MAX_TEXT`` raises ``SymcnnError``; a ``path`` that is not a
    ``str`` or ``Path`` raises ``TypeError``."""
    if not isinstance(path, (str, Path)):
        raise TypeError(f"load() takes a path as a str or Path, not {type(path).__name__}")
    try:
        text = read_text(path)
    except UnicodeDecodeError as error:
        raise SymcnnError(f"{path} is not UTF-8 text ({error.reason} at byte "
                          f"{error.start})") from None
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        raise SymcnnError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}"
                          ) from None
    return parse(text)


def read_text(path: str | Path) -> str:
    """A file's text, reading no more than one character past ``MAX_TEXT``, so that
    ``/dev/zero`` or a huge file costs no memory before it is refused."""
    with open(path, encoding="utf-8") as handle:
        return handle.read(limits.MAX_TEXT + 1)
