"""The types of layer arguments: each converts a value as written into the form a rule
takes, describes itself for error messages and prints its values back in the language.

A value reaches a type as the evaluator made it: an expression (a Python number or a
sympy expression), a tuple of expressions, a word (``same``) or a group ``[ ... ]``.
Spatial arguments (a kernel, a stride) take one value for every spatial dimension or a
tuple with one entry per dimension, and are held as tuples of the input's rank.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Callable, NoReturn, Protocol, Sequence

from .._math import NUMBER, eq, ge, is_integer, is_number, le, mod

if TYPE_CHECKING:
    from sympy import Expr


#: The names of the spatial dimensions, by rank.
DIMENSIONS = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}
#: Their letters, as keywords name them: ``I(h=28, w=28, c=1)``, ``AP(h=6, w=4)``.
LETTERS = {rank: tuple(name[0] for name in names) for rank, names in DIMENSIONS.items()}
MAX_RANK = 3


class Check(Protocol):
    """What a rule may ask of the evaluator about the layer it is computing."""

    def fail(self, message: str) -> NoReturn: ...

    def at_least(self, value: Expr, bound: int, what: str) -> None: ...

    def holds(self, condition: Any, message: str | Callable[[], str]) -> None: ...

    def divides(self, divisor: Expr, value: Expr, what: str | Callable[[], str]) -> None: ...


class Required:
    """The default of a parameter that must be given."""

    def __repr__(self) -> str:
        return "REQUIRED"


class Optional:
    """The default of a parameter the rule receives as ``None`` when it is left out."""

    def __repr__(self) -> str:
        return "OPTIONAL"


@dataclass(frozen=True)
class Like:
    """The default of a parameter that copies another: a pool's stride is its kernel."""
    other: str


REQUIRED, OPTIONAL = Required(), Optional()


@dataclass(frozen=True)
class Param:
    """One argument of a layer kind: its name, its type (which converts, describes and
    prints its values), its default and the Keras or PyTorch keywords that mean it
    (for "did you mean")."""
    name: str
    type: ParamType
    default: Any = REQUIRED
    foreign: tuple[str, ...] = ()

    def text(self) -> str:
        """How a signature shows it: ``k``, ``s=1``, ``s=k``, ``[w]``."""
        if self.default is REQUIRED:
            return self.name
        if self.default is OPTIONAL:
            return f"[{self.name}]"
        if isinstance(self.default, Like):
            return f"{self.name}={self.default.other}"
        return f"{self.name}={self.type.show(self.default)}"


class Context(Protocol):
    """What a type may ask of the evaluator while it converts one argument."""
    kind: Any  # the Kind whose argument this is
    rank: int  # of the layer's input; 0 for a vector
    check: Check

    def error(self, message: str, pos: Any = None) -> NoReturn:
        """A syntax error at ``pos``, by default the argument being converted."""

    def number(self, value: Any) -> Any: ...


def describe(value: Any) -> str:
    """A value as an error message names it."""
    if isinstance(value, tuple):
        return "the tuple (" + ", ".join(str(v) for v in value) + ")"
    if isinstance(value, str):
        return f"the word {value}"
    if hasattr(value, "group"):
        return "a group [ ... ]"
    return str(value)


def expression(value: Any) -> str:
    if type(value) in (int, Fraction):  # as a numeric network holds them: no sympy needed
        return str(value)
    from .._expression_text import expression as printed

    return printed(value)


def _word_or_group(value: Any) -> bool:
    """Whether an argument is a word or a group, not an expression (numbers first: a
    failed ``hasattr`` costs an exception)."""
    return type(value) not in NUMBER and (isinstance(value, str) or hasattr(value, "group"))


class ParamType:
    """A type of argument. ``words`` says in an error message what it takes."""
    words = ""
    #: Whether a bare name written for it is taken as written (``act=SiLU``, a string to
    #: :meth:`convert`) rather than as an expression, where it would be a free symbol; a
    #: name bound by a binding or a block's parameter is still its value.
    takes_names = False

    def convert(self, ctx: Context, param: Param, value: Any) -> Any:
        raise NotImplementedError

    def show(self, value: Any) -> str:
        """A value as the language writes it."""
        return expression(value)

    def held(self, default: Any, rank: int) -> Any:
        """A default as the type holds values, for an input of ``rank``."""
        return default

    def _not(self, ctx: Context, param: Param, value: Any) -> NoReturn:
        ctx.error(f"{param.name} of {ctx.kind.name} takes {self.words}, not {describe(value)}")


class Flag(ParamType):
    words = "true or false"

    def convert(self, ctx: Context, param: Param, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value in ("true", "false"):
            return value == "true"
        hint = ""
        if getattr(value, "is_Symbol", False) and str(value).lower() in ("true", "false"):
            hint = f"; did you mean {str(value).lower()}?"
        ctx.error(f"{param.name} of {ctx.kind.name} is true or false, not "
                  f"{describe(value)}{hint}")

    def show(self, value: Any) -> str:
        return "true" if value else "false"


class Rate(ParamType):
    words = "a number between 0 and 1"

    def convert(self, ctx: Context, param: Param, value: Any) -> Any:
        if isinstance(value, tuple) or _word_or_group(value):
            if isinstance(value, tuple):
                ctx.error(f"{param.name} of {ctx.kind.name} is one number")
            self._not(ctx, param, value)
        value = ctx.number(value)
        message = f"the rate {param.name}={value} must lie between 0 and 1"
        if is_number(value) and not (0 <= value <= 1):
            ctx.check.fail(message)
        for bound in (ge(value, 0), le(value, 1)):
            ctx.check.holds(bound, message)
        return value


class Real(ParamType):
    """An exact number of any sign: a factor, an offset (``1/255``, ``-1``, ``0.5``)."""
    words = "a number"

    def convert(self, ctx: Context, param: Param, value: Any) -> Any:
        if isinstance(value, tuple):
            ctx.error(f"{param.name} of {ctx.kind.name} is one number")
        if isinstance(value, str) or hasattr(value, "group"):
            self._not(ctx, param, value)
        return ctx.number(value)


class Whole(ParamType):
    """A whole number of at least ``least``: a count of filters, units, groups."""
    words = "a whole number"

    def __init__(self, least: int = 1):
        self.least = least

    def convert(self, ctx: Context, param: Param, value: Any) -> Any:
        if isinstance(value, tuple):
            ctx.error(f"{param.name} of {ctx.kind.name} takes {self.words}, "
                      f"not a tuple of {len(value)}")
        if _word_or_group(value):
            self._not(ctx, param, value)
        return self.whole(ctx, param, ctx.number(value))

    def whole(self, ctx: Context, param: Param, v: Any) -> Any:
        if is_number(v) and not is_integer(v):
            ctx.error(f"{param.name} of {ctx.kind.name} must be a whole number, not {v}")
        if type(v) not in NUMBER and v.is_integer is not True:
            ctx.check.holds(eq(mod(v, 1), 0),
                            f"{param.name} of {ctx.kind.name} must be a whole number, not {v}")
        ctx.check.at_least(v, self.least, param.name)
        return v


class PerDim(Whole):
    """One whole number for every spatial dimension, or a tuple of one per dimension:
    ``3`` or ``(3, 5)`` on an image."""

    words = "a whole number or a tuple of one per spatial dimension"

    def convert(self, ctx: Context, param: Param, value: Any) -> Any:
        if _word_or_group(value):
            self._not(ctx, param, value)
        if isinstance(value, tuple):
            if len(value) != ctx.rank:
                ctx.error(f"{param.name} of {ctx.kind.name} takes one number or "
                          f"{_per_dim(ctx.rank)}, not a tuple of {len(value)}")
            if any(isinstance(v, tuple) for v in value):
                ctx.error(f"{param.name} of {ctx.kind.name} takes {self.words}, "
                          "not a tuple of tuples")
            values = tuple(ctx.number(v) for v in value)
        else:
            values = (ctx.number(value),) * ctx.rank
        for v in values:
            self.whole(ctx, param, v)
        return values

    def show(self, value: Any) -> str:
        if not isinstance(value, tuple):  # a default, as a signature shows it
            return expression(value)
        if len(set(value)) == 1:
            return expression(value[0])
        return "(" + ", ".join(expression(v) for v in value) + ")"

    def held(self, default: Any, rank: int) -> Any:
        return (default,) * rank


class Padding(PerDim):
    """A :class:`PerDim` of at least 0, or the words ``same`` (TensorFlow's padding,
    held as the string) and ``valid`` (no padding). With ``uneven``, an entry of the
    tuple may be a pair ``(before, after)``: ``p=((0, 1), (0, 1))``. Padding that is even
    is held as :class:`PerDim` holds it, one number per dimension; padding that is not,
    as one ``(before, after)`` pair per dimension."""

    def __init__(self, uneven: bool = True) -> None:
        super().__init__(least=0)
        self.uneven = uneven

    words = "a whole number, a tuple of one per spatial dimension, same or valid"

    def convert(self, ctx: Context, param: Param, value: Any) -> Any:
        if isinstance(value, str) and value in ("same", "valid"):
            return "same" if value == "same" else (ctx.number(0),) * ctx.rank
        if isinstance(value, tuple) and any(isinstance(v, tuple) for v in value):
            return self.pairs(ctx, param, value)
        return super().convert(ctx, param, value)

    def pairs(self, ctx: Context, param: Param, value: tuple[Any, ...]) -> Any:
        """A tuple whose entries are numbers or ``(before, after)`` pairs."""
        if not self.uneven:
            ctx.error(f"{param.name} of {ctx.kind.name} takes the same padding on both "
                      "sides of a dimension, not (before, after) pairs")
        if len(value) != ctx.rank:
            ctx.error(f"{param.name} of {ctx.kind.name} takes one number or "
                      f"{_per_dim(ctx.rank)}, not a tuple of {len(value)}")
        pairs = []
        for v in value:
            if isinstance(v, tuple):
                if len(v) != 2 or any(isinstance(e, tuple) for e in v):
                    ctx.error(f"{param.name} of {ctx.kind.name} takes a pair (before, after) "
                              f"for a dimension, not {describe(v)}")
                pair = tuple(self.whole(ctx, param, ctx.number(e)) for e in v)
            else:
                pair = (self.whole(ctx, param, ctx.number(v)),) * 2
            pairs.append(pair)
        if all(before == after for before, after in pairs):
            return tuple(before for before, _ in pairs)  # even after all: held as today
        return tuple(pairs)

    def show(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, tuple) and any(isinstance(v, tuple) for v in value):
            pairs = ["(" + ", ".join(expression(e) for e in v) + ")" for v in value]
            return "(" + ", ".join(pairs) + ("," if len(pairs) == 1 else "") + ")"
        return super().show(value)


def sides(p: Any, i: int) -> tuple[Any, Any]:
    """The padding ``(before, after)`` of dimension ``i`` of a :class:`Padding` that is
    not ``same``."""
    v = p[i]
    return v if isinstance(v, tuple) else (v, v)


def is_uneven(p: Any) -> bool:
    """Whether a :class:`Padding` value holds ``(before, after)`` pairs."""
    return not isinstance(p, str) and any(isinstance(v, tuple) for v in p)


def _per_dim(rank: int) -> str:
    names = DIMENSIONS.get(rank, ())
    return f"a tuple of {rank} ({', '.join(names)})" if names else "a tuple"


class Variadic(ParamType):
    """A parameter that takes every positional argument: a merge's branches, an input's
    sizes. The evaluator hands it the arguments as ``(keyword or None, value, place)``."""

    def bind(self, ctx: Context, param: Param, given: Sequence[tuple[str | None, Any, Any]],
             at: Any) -> dict[str, Any]:
        raise NotImplementedError
