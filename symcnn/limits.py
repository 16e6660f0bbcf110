"""How much work one program may ask for, in one place.

symcnn reads text from anywhere; a few characters can describe a billion layers
(``[[[C(8, 3)]*1000]*1000]*1000``), a number with more digits than atoms in the
universe (``2^2^2^2^2^2``) or a nesting deeper than Python's stack. Each limit below
stops such a program early, with a :class:`~symcnn.LimitError` that names the limit and
says how to raise it. Raise one by assigning to it (``symcnn.limits.MAX_LAYERS =
5_000_000``) or, for the command line, with the environment variable of the same name
prefixed by ``SYMCNN_`` (``SYMCNN_MAX_LAYERS=5000000 symcnn ...``).

The limits are read when they are checked, so an assignment takes effect at once.
"""

from __future__ import annotations

import math
import os
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .errors import LimitError

if TYPE_CHECKING:  # sympy is imported only where a value is symbolic
    import sympy


def _setting(name: str, default: int) -> int:
    text = os.environ.get(f"SYMCNN_{name}", "").replace("_", "")
    return int(text) if text.isdigit() and len(text) < 19 else default


#: Characters in one program (and in one value given to ``subs`` or ``--set``):
#: parsing takes some 5 µs a character, so 100,000 parse in about half a second.
MAX_TEXT = _setting("MAX_TEXT", 100_000)
#: Layers in one network, branches included. Measured for issue 15 (2 cores, Python
#: 3.11), in processor time through the command line, on the dearest kind of program:
#: layers that each meet a new shape, so none is replayed (``I(8,8,3)
#: [C(3,(3,5),p=(2,3),g=3)] * N``): 10,000 take 0.35 s for the text table and 1.35 s
#: for LaTeX, the slowest format (JSON 0.75 s, SVG 0.65 s), which leaves room for a
#: slower machine within about 2 s.
#: Layers that repeat a block or a round of a repetition on a shape met before cost a
#: fraction of that. Symbolic layers cost more and are bounded by
#: ``MAX_SYMBOLIC_NODES`` as well.
MAX_LAYERS = _setting("MAX_LAYERS", 10_000)
#: Nesting of brackets, parentheses, operators, branches and block calls. Python's own
#: stack is what bounds this one: far above 100, evaluation needs a larger
#: ``sys.setrecursionlimit``.
MAX_DEPTH = _setting("MAX_DEPTH", 100)
#: Polynomial degree of one expression in the free symbols: ``(n + 1)^3 * m`` has
#: degree 4. A network's counts rarely pass 6; sympy's work grows fast with it.
MAX_DEGREE = _setting("MAX_DEGREE", 16)
#: Operations in one expression, counted as written out: a value used twice counts
#: twice, as sympy's walks visit it twice.
MAX_NODES = _setting("MAX_NODES", 5_000)
#: Operations in the distinct values of all the layers of a symbolic network together
#: (each layer's output shape, parameter count and MACs written out; a value met again
#: counts once), counted as the layers are made. Measured on the same machine: sympy
#: builds and prints them at some 100-200 µs an operation (1,000 dense layers of
#: distinct floors, 20,000 operations: 2 s before this limit), so 10,000 is about 1 s
#: of it; the zoo's networks need at most 952 (GoogLeNet; ResNet-152: 235).
MAX_SYMBOLIC_NODES = _setting("MAX_SYMBOLIC_NODES", 10_000)
#: Terms of a closed form rearranged by ``formula(expand=True)`` (``--expand``), counted
#: before sympy starts; ``collect`` and ``factor`` cost more per term and count as
#: more (see ``_formula.check_rearrangement``). Measured: expand takes about 450 µs a
#: term, so 3,000 terms are about 1.5 s.
MAX_TERMS = _setting("MAX_TERMS", 3_000)
#: Size of one number, in bits: 2^10000 has 3,011 digits, below the 4,300 that Python
#: converts to text by default, so every number symcnn makes can be printed.
MAX_BITS = _setting("MAX_BITS", 10_000)
#: Configurations in one sweep (``net.sweep``, ``symcnn sweep``): the product of the
#: numbers of values given for each symbol, counted before any is made. A million take
#: about 0.3 s and 150 MB in ``net.sweep``, and two seconds (37 MB of text) as CSV. Where
#: numbers pass 64 bits, each configuration counts once per 64 bits of the widest.
MAX_CONFIGURATIONS = _setting("MAX_CONFIGURATIONS", 1_000_000)

def exceeded(what: str, name: str, line: int | None = None, column: int | None = None,
             context: str = "") -> LimitError:
    """The error for ``what`` going past the limit ``name``: "this repetition makes
    2,000,000 layers; the limit is MAX_LAYERS = 1,000,000 (...)"."""
    limit = globals()[name]
    message = (f"{what}; the limit is {name} = {limit:,} (raise it with "
               f"symcnn.limits.{name} = ... or the environment variable SYMCNN_{name})")
    return LimitError(message, line, column, context)


def _ratio(value: Any) -> tuple[int, int] | None:
    """Numerator and denominator of an exact rational number (a Python int or Fraction,
    or a sympy Rational), or ``None`` for anything else."""
    kind = type(value)
    if kind is int:
        return value, 1
    if kind is Fraction:
        return value.numerator, value.denominator
    if getattr(value, "is_Rational", False):
        return int(value.p), int(value.q)
    return None


def bits(value: Any) -> int:
    """The size of an exact rational number: the bits of its numerator or denominator,
    whichever is larger; 0 for anything else."""
    ratio = _ratio(value)
    if ratio is None:
        return 0
    return max(abs(ratio[0]).bit_length(), ratio[1].bit_length())


def power_bits(base: Any, exponent: Any) -> float:
    """An estimate of ``bits(base ** exponent)`` made without computing the power, for
    a rational base and an integer exponent; 0 when the power cannot grow (a symbolic
    exponent, a base of -1, 0 or 1). A symbolic base counts as at least 2, since every
    free symbol is an integer and sizes are positive: ``n^(10^9)`` is too large for any
    ``n`` other than 1."""
    ratio = _ratio(exponent)
    if ratio is None or ratio[1] != 1 or ratio[0] == 0:
        return 0
    base_ratio = _ratio(base)
    if base_ratio is not None:
        size = max(abs(base_ratio[0]), base_ratio[1])
        if size <= 1:
            return 0
        log = math.log2(size)
    elif getattr(base, "is_number", True):
        return 0
    else:
        log = 1.0
    exponent_size = abs(ratio[0])
    if exponent_size.bit_length() > 64:
        return math.inf
    return exponent_size * log


def too_large(value: Any) -> bool:
    """Whether an exact value, or a number inside an expression, has more than
    ``MAX_BITS`` bits."""
    if _ratio(value) is not None:
        return bits(value) > MAX_BITS
    if not hasattr(value, "atoms") or value.is_Atom:
        return False
    return _measured(value)[3] > MAX_BITS


def written_nodes(*values: Any) -> int:
    """The operations of values written out: nodes of each expression's tree (a number
    or a tuple's element counts one)."""
    count = 0
    for value in values:
        if isinstance(value, tuple):
            count += written_nodes(*value)
        elif hasattr(value, "atoms") and not value.is_Atom:
            count += measure(value)[2]
        else:
            count += 1
    return count


class SymbolicWork:
    """The written-out operations of one network's distinct layer values, against
    ``MAX_SYMBOLIC_NODES``: a value met again (the same shape after every ReLU, the same
    block repeated) is cached by sympy and printed once, and costs nothing more."""

    def __init__(self) -> None:
        self.nodes = 0
        self._seen: set[Any] = set()

    def charge(self, *values: Any) -> int:
        """Counts the values not met before; returns the total so far."""
        for value in values:
            if isinstance(value, tuple):
                self.charge(*value)
            elif value not in self._seen:
                self._seen.add(value)
                self.nodes += written_nodes(value)
        return self.nodes


_MEASURED: dict[sympy.Basic, tuple[int, int, int, int]] = {}


def measure(value: Any) -> tuple[int, int, int]:
    """The nesting depth, the polynomial degree (``(n + 1)^3 * m`` has degree 4) and the
    number of nodes of an expression written out as a tree. sympy's simplifications can
    take time exponential in the degree and in the size, and its walks recurse as deep
    as the expression, so all three are checked before it meets a value. Counted
    without recursion, remembering sub-expressions, so that checking each step of a
    long sum costs only the new terms."""
    depth, degree, nodes, _ = _measured(value)
    return depth, degree, nodes


def _measured(value: Any) -> tuple[int, int, int, int]:
    """:func:`measure`'s three numbers, and the bits of the largest number inside (what
    :func:`too_large` asks), from one walk that remembers sub-expressions."""
    if len(_MEASURED) > 100_000:
        _MEASURED.clear()
    import sympy

    stack: list[tuple[sympy.Basic, bool]] = [(value, False)]
    while stack:
        node, ready = stack.pop()
        if node in _MEASURED:
            continue
        if not node.args:
            _MEASURED[node] = (1, 1 if node.is_Symbol else 0, 1, bits(node))
            continue
        if not ready:
            stack.append((node, True))
            stack.extend((arg, False) for arg in node.args if arg not in _MEASURED)
            continue
        parts = [_MEASURED[arg] for arg in node.args]
        depth = 1 + max(p[0] for p in parts)
        nodes = 1 + sum(p[2] for p in parts)
        if isinstance(node, sympy.Mul):
            degree = sum(p[1] for p in parts)
        elif isinstance(node, sympy.Pow):
            (_, base, _, _), (_, exponent, _, _) = parts
            power = node.exp
            if power.is_Rational:
                degree = base * math.ceil(abs(power))
            else:
                degree = base + exponent
        else:
            degree = max(p[1] for p in parts)
        _MEASURED[node] = (depth, degree, nodes, max(p[3] for p in parts))
    return _MEASURED[value]
