"""Random valid symcnn programs, for property tests (hypothesis strategies).

``networks()`` builds a program layer by layer from the current shape, over inputs of
every rank (a vector, a signal, an image, a volume). Nothing here names a layer kind:
the kinds, their aliases and their arguments come from the registry
(``symcnn.kinds.kinds()``), and each argument is drawn by the type of its ``Param``
(``DRAWERS``): whole numbers, one number or a tuple per spatial dimension, paddings
with ``same`` and ``valid``, flags, exact decimal rates, activations' names, an input's
sizes, an adaptive pool's sizes and a merge's branches, which are drawn recursively.
Arguments are written by position or by keyword, defaults sometimes left out, a kind
now and then by an alias.
A type this module does not know is a ``TypeError``: a new type is taught here once.

Which layers are valid, and the shape each gives, is decided one layer at a time, on an
input of the current shape:

1. symcnn parses ``I(current shape) LAYER``. If it refuses (``ShapeError``), the
   arguments are drawn again a few times, then the layer is left out. This is the one
   place where symcnn itself decides: a layer it wrongly refuses is only left out here,
   so test_torch_differential.py's refusal test draws C, T, DW, P, A, Add and Cat with
   unfiltered arguments and checks every refusal against PyTorch modules built from
   the raw arguments.
2. The layer is exported (``symcnn.torch.to_torch``) and PyTorch runs it on one sample:
   PyTorch's output shape is the next shape, so the output shape ``networks()`` promises
   is PyTorch's, and test_torch_differential.py checks every record against PyTorch. A
   layer symcnn accepts and PyTorch refuses (an error or an empty tensor) is a failure
   here, at once. (An export builds its module from symcnn's record, so where a
   module's size is taken from symcnn's own answer, such as the output channels or the
   crop of ``T(p=same)``, PyTorch cannot disagree; the refusal test compares the shapes
   of C, T, DW, P and A with modules built from the raw arguments.)

Without PyTorch, symcnn's own output shapes are the next shapes: test_symbolic.py only
needs valid programs.

Merges: a merge's first branch is free; every other one is a copy of it, or follows it
layer by layer with layers drawn to give the same shape (or the same spatial sizes)
after each step; when the kind completes the written branches with identity shortcuts
(``Merge.complete``), the branches keep the input's shape. Whether the branches suit the
merge is then decided as for any layer.
"""

from __future__ import annotations

import contextvars
import functools
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

from hypothesis import strategies as st

import symcnn
from symcnn.kinds import OPTIONAL, REQUIRED, Kind, Like, Merge, Needs, Param, kinds, rank
from symcnn.kinds._types import Flag, Padding, PerDim, Rate, Real, Whole
from symcnn.kinds.gate import ActivationName
from symcnn.kinds.input import FORMS, Sizes
from symcnn.kinds.merge import Branches
from symcnn.kinds._types import LETTERS
from symcnn.kinds.pool import OutputSizes
from symcnn.kinds.reshape import INPUT, UpSize

try:
    import torch

    from symcnn.torch import example_input, to_torch

    # The tensors here are tiny: a second thread only costs (AvgPool2d waits ~10 ms).
    torch.set_num_threads(1)
except ImportError:  # pragma: no cover - torch is an optional part
    torch = None

RANKS = (0, 1, 2, 3)
MAX_VECTOR = 64  # the longest input vector
MAX_UNITS = 16  # the most filters or units a layer is given
MAX_SIZE = {1: 40, 2: 24, 3: 10}  # spatial sizes stay at most this, by rank
MAX_TOKENS = 1001  # a signal made of a map's positions (Tokens, Cls): a volume's and one
MAX_CHANNELS = {1: 12, 2: 12, 3: 6}
SMALL = 4  # the largest small number drawn (a kernel, a stride, a group count)
MAX_DEPTH = 2  # nesting of merges
ATTEMPTS = 3  # draws of one layer's arguments before the layer is left out
RATES = ("0", "0.5", ".25", "1", "0.0", "0.125", "0.75", "1.0")
# no division: test_symbolic.py replaces whole numbers by names, and 1/255 could become 1/0
REALS = ("2", "-1", "0.5", "-0.25", "0.0078125", "0")

#: PyTorch refusals that symcnn is known not to share yet (a part of the message), each
#: with the test that reproduces it, marked xfail: a layer PyTorch refuses so is left
#: out instead of failing. Remove an entry when the library is fixed.
KNOWN_BUGS: dict[str, str] = {}

Shape = tuple[int, ...]


# ---- a layer's validity and output shape -------------------------------------------

def channels_last(shape: Any) -> Shape:
    """A PyTorch output's shape (batch first, channels first) as symcnn writes it."""
    shape = tuple(int(v) for v in shape[1:])
    return (*shape[1:], shape[0]) if len(shape) > 1 else shape


def input_text(x: Shape) -> str:
    return "I(" + ", ".join(str(v) for v in x) + ")"


def fits(shape: Shape) -> bool:
    r = rank(shape)
    if r == 0:
        return True
    longest = MAX_TOKENS if r == 1 else MAX_SIZE[r]
    return max(shape[:-1]) <= longest and shape[-1] <= MAX_CHANNELS[r]


def known_bug(message: str) -> bool:
    return any(text in message for text in KNOWN_BUGS)


@functools.lru_cache(maxsize=4096)
def outcome(x: Shape, text: str) -> Shape | None:
    """The output shape of the layer ``text`` on input ``x``, as PyTorch runs symcnn's
    export of it; None when symcnn refuses it or the shape is too large to keep."""
    program = f"{input_text(x)} {text}"
    try:
        net = symcnn.parse(program)
    except symcnn.ShapeError:
        return None
    if torch is None:
        shape = tuple(int(v) for v in net.output_shape)
    else:
        with torch.no_grad():
            try:
                output = to_torch(net).eval()(example_input(net))
            except (RuntimeError, ValueError) as error:
                if known_bug(str(error)):
                    return None
                raise AssertionError(f"symcnn accepts {program!r}, PyTorch refuses it: "
                                     f"{error}") from None
        if output.numel() == 0:
            raise AssertionError(f"symcnn accepts {program!r}, PyTorch gives an empty "
                                 f"tensor of shape {tuple(output.shape)}")
        shape = channels_last(output.shape)
    return shape if fits(shape) else None


# ---- drawing arguments, by their type ---------------------------------------------

@dataclass
class Arg:
    name: str | None  # None: written by position only (a merge's branches)
    text: str | None  # None: left out (an OPTIONAL parameter)
    value: Any = None
    default: bool = False  # the value is the default, so it may be left out


@dataclass
class Place:
    """Where a layer is drawn: its kind, its input shape, its depth among merges, and
    the arguments drawn so far (a ``Like`` default reads them)."""
    kind: Kind
    x: Shape
    depth: int
    args: dict[str, Arg] = field(default_factory=dict)


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def per_dim_text(draw, values: tuple[int, ...]) -> str:
    """``3`` or ``(3, 3)`` for equal entries, ``(3, 5)`` otherwise; a signal's one
    entry is a plain number (the language has no one-tuples)."""
    if len(set(values)) <= 1 and (len(values) < 2 or draw(st.booleans())):
        return str(values[0]) if values else "1"
    return "(" + ", ".join(str(v) for v in values) + ")"


def write(draw, param: Param, value: Any) -> str:
    """A value of ``param``'s type as the language writes it."""
    kind = type(param.type)
    if kind is Flag:
        return "true" if value else "false"
    if kind is Rate:
        return str(value)
    if kind is Padding:
        if value == "same":
            return value
        if not any(value) and draw(st.booleans()):
            return "valid"
    if kind in (PerDim, Padding):
        return per_dim_text(draw, value)
    return str(value)


def whole(draw, param: Param, at: Place) -> list[Arg]:
    least = param.type.least
    if param.default is REQUIRED:  # a count: filters, units
        most = MAX_UNITS if rank(at.x) == 0 else MAX_CHANNELS[rank(at.x)]
        value = draw(st.integers(max(least, 1), max(least, most)))
    else:  # a small number, or one that divides the input's channels (groups)
        value = draw(st.integers(least, SMALL) | st.sampled_from(divisors(at.x[-1])))
    return [Arg(param.name, str(value), value)]


def per_dim(draw, param: Param, at: Place) -> list[Arg]:
    least = param.type.least
    if draw(st.booleans()):
        value = (draw(st.integers(least, SMALL)),) * rank(at.x)
    else:
        value = tuple(draw(st.integers(least, SMALL)) for _ in range(rank(at.x)))
    return [Arg(param.name, per_dim_text(draw, value), value)]


# The spatial sizes of the input of the network being drawn: ``Up(size=input)`` names
# them, and a layer's outcome is found on an input of its own shape (see ``outcome``),
# so ``input`` is drawn only where the two agree.
NETWORK_INPUT: contextvars.ContextVar[Shape | None] = contextvars.ContextVar(
    "NETWORK_INPUT", default=None)


def up_size(draw, param: Param, at: Place) -> list[Arg]:
    """``Up``'s size: sizes, or the network input's (``input``) where the layer's input
    has the network input's sizes."""
    network_input = NETWORK_INPUT.get()
    here = network_input is not None and network_input[:-1] == at.x[:-1]
    if here and draw(st.integers(0, 3)) == 0:
        return [Arg(param.name, INPUT, INPUT)]
    return per_dim(draw, param, at)


def padding(draw, param: Param, at: Place) -> list[Arg]:
    if draw(st.integers(0, 3)) == 0:
        return [Arg(param.name, "same", "same")]
    if param.type.uneven and draw(st.integers(0, 4)) == 0:
        return uneven_padding(draw, param, at)
    value = tuple(draw(st.integers(0, 2)) for _ in range(rank(at.x)))
    return [Arg(param.name, write(draw, param, value), value)]


def uneven_padding(draw, param: Param, at: Place) -> list[Arg]:
    """``p=((0, 1), (1, 1))``, ``p=((0, 1), 1)``, ``p=((1, 0),)``: one (before, after) pair
    per dimension, one at least uneven; an even pair is sometimes one number."""
    pairs = [(draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(rank(at.x))]
    if all(b == a for b, a in pairs):
        pairs[0] = (pairs[0][0], pairs[0][1] + 1)
    entries = [str(b) if b == a and draw(st.booleans()) else f"({b}, {a})" for b, a in pairs]
    text = "(" + ", ".join(entries) + ("," if len(entries) == 1 else "") + ")"
    return [Arg(param.name, text, tuple(pairs))]


def flag(draw, param: Param, at: Place) -> list[Arg]:
    value = draw(st.booleans())
    return [Arg(param.name, write(draw, param, value), value)]


def rate(draw, param: Param, at: Place) -> list[Arg]:
    text = draw(st.sampled_from(RATES))
    return [Arg(param.name, text, Fraction(text))]


def real(draw, param: Param, at: Place) -> list[Arg]:
    text = draw(st.sampled_from(REALS))
    return [Arg(param.name, text, Fraction(text))]


def activation_name(draw, param: Param, at: Place) -> list[Arg]:
    name = draw(st.sampled_from(param.type.choices()))
    return [Arg(param.name, name, name)]


def input_sizes(draw, param: Param, at: Place) -> list[Arg]:
    """An input of the rank of ``at.x`` (the rank is all the input's place says)."""
    r = rank(at.x)
    if r == 0:
        sizes = (draw(st.integers(1, MAX_VECTOR)),)
    else:
        sizes = (*(draw(st.integers(1, MAX_SIZE[r])) for _ in range(r)),
                 draw(st.integers(1, MAX_CHANNELS[r])))
    return [Arg(name, str(v), v) for name, v in zip(FORMS[len(sizes)], sizes)]


def output_sizes(draw, param: Param, at: Place) -> list[Arg]:
    names = LETTERS[rank(at.x)]
    sizes = [draw(st.integers(1, 6)) for _ in names]
    if draw(st.booleans()):  # one size for every dimension
        return [Arg(names[0], str(sizes[0]), sizes[0])]
    return [Arg(name, str(v), v) for name, v in zip(names, sizes)]


class _NoBranch(Exception):
    pass


class _OnNumbers:
    """A merge's answer about the input its branches start from (``Merge.branch_input``),
    on numbers: a condition that fails means that no branches fit."""

    def fail(self, message: str) -> None:
        raise _NoBranch

    def at_least(self, value: int, bound: int, what: str) -> None:
        self.holds(value >= bound, what)

    def holds(self, condition: Any, message: Any) -> None:
        if condition is not True:
            raise _NoBranch

    def divides(self, divisor: int, value: int, what: Any) -> None:
        self.holds(value % divisor == 0, what)


def branches(draw, param: Param, at: Place) -> list[Arg] | None:
    """2 or 3 branches, the one a kind completes with identity shortcuts, or the one a
    kind of one branch takes (``Aux``); None when a branch cannot follow the first.
    Branches start from the shape the kind gives them (``Merge.branch_input``)."""
    kind: Merge = at.kind
    counts = [n for n in (1, 2, 3) if kind.too_few(n) is None
              and all(kind.too_many(i) is None for i in range(1, n + 1))
              and (kind.complete(n) >= 2 or kind.too_many(n + 1) is not None)]
    count = draw(st.sampled_from(counts))
    try:
        x = kind.branch_input(_OnNumbers(), at.x, kind.complete(count))
    except _NoBranch:
        return None
    depth = at.depth + 1
    if kind.complete(count) > count:  # identity shortcuts are added: keep the shape
        first = steps(draw, x, depth, want=lambda shape: shape == x)
    else:
        first = steps(draw, x, depth)
    written = [first]
    for _ in range(count - 1):
        how = draw(st.sampled_from(["copy", "shape", "shape", "spatial"]))
        branch = first if how == "copy" else follow(draw, x, depth, first, how)
        if branch is None:
            return None
        written.append(branch)
    return [Arg(None, f"[{join(draw, [text for text, _ in b], depth)}]") for b in written]


#: How each type of argument is drawn: ``(draw, param, place) -> [Arg]`` (None when no
#: value fits). Looked up by the exact type, so that a new type fails loudly.
DRAWERS: dict[type, Callable[..., list[Arg] | None]] = {
    Whole: whole, PerDim: per_dim, Padding: padding, Flag: flag, Rate: rate, Real: real,
    ActivationName: activation_name, Sizes: input_sizes, OutputSizes: output_sizes,
    Branches: branches, UpSize: up_size,
}


def argument(draw, param: Param, at: Place) -> list[Arg] | None:
    drawer = DRAWERS.get(type(param.type))
    if drawer is None:
        raise TypeError(f"random_networks draws no {type(param.type).__name__} "
                        f"({at.kind.name}'s {param.name}); add it to DRAWERS")
    if param.default is REQUIRED:
        return drawer(draw, param, at)
    if param.default is OPTIONAL:  # left out, or given: None cannot be written
        if draw(st.booleans()):
            return [Arg(param.name, None, None, True)]
        return drawer(draw, param, at)
    if isinstance(param.default, Like):
        default = at.args[param.default.other].value
    else:
        default = param.type.held(param.default, rank(at.x))
    if default is not None and draw(st.booleans()):
        return [Arg(param.name, write(draw, param, default), default, True)]
    args = drawer(draw, param, at)
    for arg in args or ():
        arg.default = arg.value == default
    return args


def call_text(draw, kind: Kind, args: list[Arg]) -> str:
    """``KIND(args)`` with a random split into positional and keyword arguments and
    defaults sometimes left out; an alias of the kind now and then."""
    name = kind.name
    if kind.aliases and draw(st.integers(0, 4)) == 0:
        name = draw(st.sampled_from(kind.aliases))
    left_out = [i for i, a in enumerate(args) if a.text is None]
    most = left_out[0] if left_out else len(args)  # nothing by position after a gap
    positional = draw(st.integers(0, most))
    parts = []
    for i, a in enumerate(args):
        if a.text is None:
            continue
        if i < positional or a.name is None:
            parts.append(a.text)
        elif not a.default or draw(st.booleans()):
            parts.append(f"{a.name}={a.text}")
    if not parts and draw(st.booleans()):
        return name
    return f"{name}({', '.join(parts)})"


def layer_text(draw, kind: Kind, x: Shape, depth: int) -> str | None:
    at = Place(kind, x, depth)
    args: list[Arg] = []
    for param in kind.signature:
        drawn = argument(draw, param, at)
        if drawn is None:
            return None
        args += drawn
        if drawn:
            at.args[param.name] = drawn[0]
    return call_text(draw, kind, args)


# ---- layers and sequences -------------------------------------------------------------

def fits_input(kind: Kind, x: Shape) -> bool:
    if kind.needs == Needs.NOTHING:
        return False
    if kind.needs == Needs.SPATIAL:
        return rank(x) > 0
    if kind.needs == Needs.ANY:
        return True
    raise ValueError(f"random_networks does not know what {kind.name} needs: {kind.needs}")


def weight(kind: Kind) -> int:
    """How often a kind is drawn: kinds with more arguments more often, so that the
    dozen activations do not crowd out the convolutions."""
    return 1 + len(kind.signature)


def choices(x: Shape, depth: int) -> list[Kind]:
    return [kind for kind in kinds() for _ in range(weight(kind))
            if fits_input(kind, x) and (depth < MAX_DEPTH or not isinstance(kind, Merge))]


def layer(draw, x: Shape, depth: int, want: Callable[[Shape], bool] | None = None,
          kind: Kind | None = None) -> tuple[str, Shape] | None:
    """One layer on input ``x`` whose output shape satisfies ``want``: its text and its
    output shape, or None when none was found."""
    kind = kind or draw(st.sampled_from(choices(x, depth)))
    for _ in range(ATTEMPTS):
        text = layer_text(draw, kind, x, depth)
        if text is None:
            continue
        shape = outcome(x, text)
        if shape is None or (want is not None and not want(shape)):
            continue
        if want is None and rank(shape) < rank(x) and draw(st.booleans()):
            continue  # flatten, dense, ... half as often: keep signals, images, volumes longer
        return text, shape
    return None


def steps(draw, x: Shape, depth: int, max_layers: int = 3,
          want: Callable[[Shape], bool] | None = None) -> list[tuple[str, Shape]]:
    made = []
    for _ in range(draw(st.integers(0, max_layers))):
        one = layer(draw, x, depth, want)
        if one is not None:
            made.append(one)
            x = one[1]
    return made


def follow(draw, x: Shape, depth: int, first: list[tuple[str, Shape]],
           how: str) -> list[tuple[str, Shape]] | None:
    """A branch from ``x`` that gives, after each layer, the shape the first branch gives
    after its own (``how="shape"``) or the same spatial sizes (``"spatial"``); a layer
    that cannot be drawn is the first branch's own."""
    made = []
    for text, target in first:
        def same(shape: Shape, target: Shape = target) -> bool:
            if how == "shape":
                return shape == target
            return len(shape) == len(target) and shape[:-1] == target[:-1]
        one = layer(draw, x, depth, same)
        if one is None:
            shape = outcome(x, text)
            if shape is None or not same(shape):
                return None
            one = text, shape
        made.append(one)
        x = one[1]
    return made


def join(draw, parts: list[str], depth: int) -> str:
    separators = [" ", " ", "\n", " ; "] if depth == 0 else [" ", " ", "\n"]
    text = ""
    for part in parts:
        text += (draw(st.sampled_from(separators)) if text else "") + part
    return text


def sequence(draw, x: Shape, depth: int, max_layers: int) -> tuple[str, Shape]:
    """Up to ``max_layers`` layers from shape ``x``, as program text and output shape."""
    made = steps(draw, x, depth, max_layers)
    return join(draw, [text for text, _ in made], depth), (made[-1][1] if made else x)


def sizes(draw, low: int, high: int, count: int = 2) -> tuple[int, ...]:
    return tuple(draw(st.integers(low, high)) for _ in range(count))


# ---- strategies ------------------------------------------------------------------------

def input_kinds() -> list[Kind]:
    return [kind for kind in kinds() if kind.needs == Needs.NOTHING]


@st.composite
def inputs(draw, ranks: tuple[int, ...] = RANKS) -> tuple[str, Shape]:
    """An input layer of one of ``ranks``: its text and its shape."""
    kind = draw(st.sampled_from(input_kinds()))
    r = draw(st.sampled_from([r for r in (2, 3, 1, 0) if r in ranks
                              for _ in range(1 if r == 0 else 2)]))  # a vector less often
    at = Place(kind, (0,) * (r + 1), 0)
    args = [a for param in kind.signature for a in argument(draw, param, at) or ()]
    return call_text(draw, kind, args), tuple(a.value for a in args)


@st.composite
def layers(draw, kind: Kind, x: Shape, depth: int = 0) -> tuple[str, Shape] | None:
    """One layer of ``kind`` on input ``x`` (an input of ``x``'s rank for the input
    kind): its text and output shape, or None when no arguments drawn fit."""
    if kind.needs == Needs.NOTHING:
        at = Place(kind, x, depth)
        args = [a for param in kind.signature for a in argument(draw, param, at) or ()]
        return call_text(draw, kind, args), tuple(a.value for a in args)
    token = NETWORK_INPUT.set(x)
    try:
        return layer(draw, x, depth, kind=kind)
    finally:
        NETWORK_INPUT.reset(token)


@st.composite
def networks(draw, max_layers: int = 8, ranks: tuple[int, ...] = RANKS) -> tuple[str, Shape]:
    """A valid program of up to ``max_layers`` layers (and branches) on an input of
    one of ``ranks``, and its output shape as PyTorch computes it."""
    head, x = draw(inputs(ranks))
    token = NETWORK_INPUT.set(x)
    try:
        body, out = sequence(draw, x, 0, max_layers)
    finally:
        NETWORK_INPUT.reset(token)
    return f"{head}\n{body}" if body else head, out
