"""The layer kinds of SPEC.md section 2: one rule each, with its output shape, parameters
and multiply-accumulates side by side.

A rule receives its arguments already checked and bound to names (see :class:`Param`)
and the input shape, channels-last: ``(h, w, c)`` for images, ``(f,)`` for vectors. It
reports what can go wrong through the :class:`Check` it is given, which knows the layer's
name and place in the source. Parameter counts are built unevaluated, in the order a
textbook writes them (``(5·5·1 + 1)·32``); the evaluator takes their value.

Adding a kind touches this file only: write the rule and register it with ``@rule``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Protocol

from ._math import (ONE, ZERO, ceil_div, ceil_mode_steps, divide, eq, floor_div, formula, le,
                    lt, maximum, product, total)

if TYPE_CHECKING:
    from sympy import Expr

Shape = tuple[Any, ...]  # of ints or sympy expressions (see _math): (h, w, c) or (f,)


class Check(Protocol):
    """What a rule may ask of the evaluator about the layer it is computing."""

    def fail(self, message: str) -> None: ...

    def at_least(self, value: Expr, bound: int, what: str) -> None: ...

    def holds(self, condition: Any, message: str | Callable[[], str]) -> None: ...

    def divides(self, divisor: Expr, value: Expr, what: str | Callable[[], str]) -> None: ...


OPTIONAL = "<optional>"


@dataclass(frozen=True)
class Param:
    """One argument of a layer kind.

    ``type``: ``int`` (one integer expression), ``pair`` (an integer or an ``(h, w)``
    tuple), ``pad`` (a pair or the words ``same``/``valid``), ``bool``, ``rate`` (a number
    in [0, 1]) or ``branch`` (a group ``[ ... ]``). ``least`` is the smallest allowed value
    of integers. A ``default`` of ``None`` means the argument is required; a string names
    the argument whose value it copies (a pool's stride is its kernel); ``OPTIONAL``
    gives the rule ``None`` when the argument is left out.
    """
    name: str
    type: str
    default: Any = None
    least: int = 1


@dataclass(frozen=True)
class Out:
    shape: Shape
    params: Expr = ZERO
    non_trainable: Expr = ZERO
    macs: Expr = ZERO


@dataclass(frozen=True)
class Rule:
    kind: str
    aliases: tuple[str, ...]
    params: tuple[Param, ...]
    compute: Callable[..., Out]
    needs: str  # "image", "vector", "any" or "none" (the input layer)
    doc: str
    variadic: bool = False  # Add, Cat, Res: any number of branches


RULES: dict[str, Rule] = {}  # by kind and by every alias


def rule(kind: str, *aliases: str, params: tuple[Param, ...] = (), needs: str = "image",
         variadic: bool = False) -> Callable[[Callable[..., Out]], Callable[..., Out]]:
    def register(compute: Callable[..., Out]) -> Callable[..., Out]:
        entry = Rule(kind, aliases, params, compute, needs, (compute.__doc__ or "").strip(),
                     variadic)
        for name in (kind, *aliases):
            RULES[name] = entry
        return compute
    return register


def kinds() -> list[Rule]:
    """Each rule once, in the order of SPEC.md."""
    return list({id(r): r for r in RULES.values()}.values())


# ---- formula building blocks ------------------------------------------------------

def _mul(*factors: Expr | None) -> Expr:
    """A product kept as written (``5·5·1``), numbers and all; a symbol that repeats
    is written once, as a power (``k·k·c`` is ``k²·c``)."""
    return formula("*", factors)


def _add(*terms: Expr | None) -> Expr:
    return formula("+", terms)


def _per_group(channels: Expr, groups: Expr) -> Expr:
    return channels if groups == 1 else divide(channels, groups)


def _bias(on: bool) -> Expr | None:
    return ONE if on else None


def _window_out(check: Check, n: Expr, k: Expr, s: Expr, p: Any, d: Expr, what: str) -> Expr:
    """Output length of a sliding window: ``floor((n + 2p - d(k-1) - 1)/s) + 1``, or
    TensorFlow's ``ceil(n/s)`` for ``p=same``."""
    if isinstance(p, str):  # "same"; comparing a sympy number with a str is slow
        out = ceil_div(n, s)
    else:
        out = floor_div(n + 2 * p - d * (k - 1) - 1, s) + 1
    check.at_least(out, 1, f"output {what}")
    return out


SIZE = Param("k", "pair")
STRIDE = Param("s", "pair", 1)
PAD = Param("p", "pad", 0, least=0)
DILATION = Param("d", "pair", 1)
BIAS = Param("bias", "bool", True)

# ---- the rules ----------------------------------------------------------------------


@rule("I", "Input", params=(Param("h", "int"), Param("w", "int", OPTIONAL),
                           Param("c", "int", OPTIONAL)), needs="none")
def input_layer(check: Check, x: Shape, h: Expr, w: Expr | None, c: Expr | None) -> Out:
    """The input: ``I(h, w, c)`` for an image, ``I(f)`` for a vector."""
    if w is None and c is None:
        return Out((h,))
    if c is None:
        check.fail("an input is I(h, w, c) for an image or I(f) for a vector, "
                   "not two sizes")
    return Out((h, w, c))


def _conv(check: Check, x: Shape, f: Expr, k: Any, s: Any, p: Any, d: Any, g: Expr,
          bias: bool) -> Out:
    h, w, c = x
    check.divides(g, c, lambda: f"the groups g={g} must divide the input channels {c}")
    check.divides(g, f, lambda: f"the groups g={g} must divide the output channels {f}")
    oh = _window_out(check, h, k[0], s[0], p if p == "same" else p[0], d[0], "height")
    ow = _window_out(check, w, k[1], s[1], p if p == "same" else p[1], d[1], "width")
    per_filter = _mul(k[0], k[1], _per_group(c, g))
    params = _mul(_add(per_filter, _bias(bias)), f)
    macs = product((oh, ow, f, k[0], k[1], _per_group(c, g)))
    return Out((oh, ow, f), params, ZERO, macs)


@rule("C", "Conv", params=(Param("f", "int"), SIZE, STRIDE, PAD, DILATION, Param("g", "int", 1),
                           BIAS))
def conv(check: Check, x: Shape, f: Any, k: Any, s: Any, p: Any, d: Any, g: Any, bias: Any) -> Out:
    """2-D convolution: ``f`` filters of size ``k``, stride ``s``, padding ``p``,
    dilation ``d``, ``g`` groups."""
    return _conv(check, x, f, k, s, p, d, g, bias)


@rule("T", "ConvT", params=(Param("f", "int"), SIZE, STRIDE, PAD, Param("op", "pair", 0, least=0),
                            DILATION, Param("g", "int", 1), BIAS))
def conv_transpose(check: Check, x: Shape, f: Any, k: Any, s: Any, p: Any, op: Any, d: Any,
                   g: Any, bias: Any) -> Out:
    """Transposed convolution: ``(n-1)s - 2p + d(k-1) + op + 1`` per spatial size,
    ``n·s`` with ``p=same``."""
    h, w, c = x
    check.divides(g, c, lambda: f"the groups g={g} must divide the input channels {c}")
    check.divides(g, f, lambda: f"the groups g={g} must divide the output channels {f}")
    sizes = []
    for i, (n, what) in enumerate(((h, "height"), (w, "width"))):
        check.holds(lt(op[i], maximum(s[i], d[i])),
                    lambda i=i: f"output padding op={op[i]} must be smaller than the stride "
                    "or the dilation, as in PyTorch")
        if p == "same":
            out = n * s[i]
        else:
            out = (n - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + op[i] + 1
        check.at_least(out, 1, f"output {what}")
        sizes.append(out)
    per_filter = _mul(k[0], k[1], _per_group(c, g))
    params = _mul(_add(per_filter, _bias(bias)), f)
    macs = product((h, w, c, k[0], k[1], _per_group(f, g)))
    return Out((sizes[0], sizes[1], f), params, ZERO, macs)


@rule("DW", "Depthwise", params=(SIZE, STRIDE, PAD, Param("m", "int", 1), DILATION, BIAS))
def depthwise(check: Check, x: Shape, k: Any, s: Any, p: Any, m: Any, d: Any, bias: Any) -> Out:
    """Depthwise convolution: ``m`` filters per input channel, ``f = c·m``, ``g = c``."""
    c = x[2]
    out = _conv(check, x, c * m, k, s, p, d, c, False)
    params = _add(_mul(c, m, k[0], k[1]), _mul(c, m) if bias else None)
    return Out(out.shape, params, ZERO, out.macs)


def _pool(check: Check, x: Shape, k: Any, s: Any, p: Any, ceil: bool) -> Out:
    h, w, c = x
    sizes = []
    for i, (n, what) in enumerate(((h, "height"), (w, "width"))):
        if p == "same":
            out = ceil_div(n, s[i])
        else:
            check.holds(le(2 * p[i], k[i]), lambda i=i: f"pool padding p={p[i]} must be at "
                        f"most half the kernel k={k[i]}")
            span = n + 2 * p[i] - k[i]
            if ceil:  # PyTorch's ceil_mode, its correction included: see _math
                out = ceil_mode_steps(span, n, k[i], s[i], p[i]) + 1
            else:
                out = floor_div(span, s[i]) + 1
        check.at_least(out, 1, f"output {what}")
        sizes.append(out)
    return Out((sizes[0], sizes[1], c))


POOL = (SIZE, Param("s", "pair", "k"), PAD, Param("ceil", "bool", False))


@rule("P", "MaxPool", params=POOL)
def max_pool(check: Check, x: Shape, k: Any, s: Any, p: Any, ceil: Any) -> Out:
    """Max pooling; ``ceil=true`` is PyTorch's ``ceil_mode``."""
    return _pool(check, x, k, s, p, ceil)


@rule("A", "AvgPool", params=POOL)
def avg_pool(check: Check, x: Shape, k: Any, s: Any, p: Any, ceil: Any) -> Out:
    """Average pooling, as ``P``."""
    return _pool(check, x, k, s, p, ceil)


@rule("G", "GlobalPool")
def global_pool(check: Check, x: Shape) -> Out:
    """Global average pooling to ``(1, 1, c)``."""
    return Out((ONE, ONE, x[2]))


@rule("AP", "AdaptivePool", params=(Param("h", "int"), Param("w", "int", "h")))
def adaptive_pool(check: Check, x: Shape, h: Any, w: Any) -> Out:
    """PyTorch's adaptive average pooling to ``(h, w, c)``."""
    return Out((h, w, x[2]))


@rule("F", "Flatten", needs="any")
def flatten(check: Check, x: Shape) -> Out:
    """Flatten to a vector of ``h·w·c``."""
    return Out((product(x),))


def _dense(x: Shape, u: Expr, bias: bool) -> Out:
    inputs = product(x)
    params = _mul(_add(inputs, _bias(bias)), u)
    return Out((u,), params, ZERO, inputs * u)


@rule("D", "Dense", "H", params=(Param("u", "int"), BIAS), needs="any")
def dense(check: Check, x: Shape, u: Any, bias: Any) -> Out:
    """Fully connected layer of ``u`` units; an image input is flattened first."""
    return _dense(x, u, bias)


@rule("O", "Output", params=(Param("u", "int"), BIAS), needs="any")
def output(check: Check, x: Shape, u: Any, bias: Any) -> Out:
    """Output layer: dense with softmax."""
    return _dense(x, u, bias)


@rule("BN", "BatchNorm", needs="any")
def batch_norm(check: Check, x: Shape) -> Out:
    """Batch normalisation: a scale and a shift per channel, and the running mean and
    variance, which are not trained."""
    c = x[-1]
    return Out(x, _mul(2, c), 2 * c)


@rule("Drop", "Dropout", params=(Param("r", "rate"),), needs="any")
def dropout(check: Check, x: Shape, r: Any) -> Out:
    """Dropout with rate ``r``."""
    return Out(x)


ACTIVATIONS = ("ReLU", "ReLU6", "LeakyReLU", "ELU", "GELU", "SiLU", "Hardswish", "Tanh",
               "Sigmoid", "Softmax", "LRN", "Identity")


def _unchanged(check: Check, x: Shape) -> Out:
    """An element-wise layer: shape unchanged, no parameters."""
    return Out(x)


for _kind in ACTIVATIONS:
    rule(_kind, needs="any")(_unchanged)


BRANCHES = Param("branches", "branch")


@rule("Add", params=(BRANCHES,), needs="any", variadic=True)
def add(check: Check, x: Shape, branches: list[Shape]) -> Out:
    """Element-wise sum of branches that give one shape."""
    if len(branches) < 2:
        check.fail("Add needs at least two branches, such as Add([C(64, 3)], [])")
    first = branches[0]
    for i, shape in enumerate(branches[1:], start=2):
        if len(shape) != len(first):
            check.fail(f"branch {i} gives a shape of {len(shape)} dimensions, "
                       f"branch 1 one of {len(first)}; Add needs one shape")
        for a, b in zip(first, shape):
            check.holds(eq(a, b),
                        lambda i=i, shape=shape: f"branch {i} gives {_show(shape)} but "
                        f"branch 1 gives {_show(first)}; Add needs one shape")
    return Out(first)


@rule("Cat", params=(BRANCHES,), needs="any", variadic=True)
def concatenate(check: Check, x: Shape, branches: list[Shape]) -> Out:
    """Concatenation on channels; the spatial sizes must agree."""
    if len(branches) < 2:
        check.fail("Cat needs at least two branches, such as Cat([C(64, 1)], [C(32, 3, p=1)])")
    first = branches[0]
    for i, shape in enumerate(branches[1:], start=2):
        if len(shape) != len(first):
            check.fail(f"branch {i} gives a shape of {len(shape)} dimensions, "
                       f"branch 1 one of {len(first)}; Cat needs the same kind of shape")
        for a, b in zip(first[:-1], shape[:-1]):
            check.holds(eq(a, b),
                        lambda i=i, shape=shape: f"branch {i} gives {_show(shape)} but "
                        f"branch 1 gives {_show(first)}; Cat needs the same spatial size")
    return Out((*first[:-1], total(s[-1] for s in branches)))


@rule("Res", params=(BRANCHES,), needs="any", variadic=True)
def residual(check: Check, x: Shape, branches: list[Shape]) -> Out:
    """``Res([BODY], [SHORTCUT])`` is ``Add([BODY], [SHORTCUT])``; the shortcut is the
    identity when it is left out."""
    return add(check, x, branches)


def _show(shape: Shape) -> str:
    return "(" + ", ".join(str(v) for v in shape) + ")"
