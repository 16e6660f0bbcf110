"""A layer's arguments as written, bound to its kind's signature and converted by each
parameter's type (``kinds._types``): positional then keyword arguments, defaults
filled in, every problem reported at the argument it concerns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, NoReturn

from . import _suggest as suggest
from ._tree import Call, Keyword, Name, Pos
from .kinds import OPTIONAL, REQUIRED, Check, Kind, Like, Param, Variadic

if TYPE_CHECKING:
    from ._diagnostics import Diagnostics
    from ._expressions import Expressions


class Binding:
    """The context in which one layer's arguments are converted (``kinds._types.Context``)."""

    def __init__(self, kind: Kind, rank: int, check: Check, errors: Diagnostics,
                 expressions: Expressions, pos: Pos, network_input: tuple[Any, ...] | None = None):
        self.kind, self.rank, self.check = kind, rank, check
        self.errors, self.expressions, self.pos = errors, expressions, pos
        #: The output shape of the network's input layer (``Up(size=input)``), or None
        #: before it.
        self.network_input = network_input

    def error(self, message: str, pos: Any = None) -> NoReturn:
        self.errors.syntax(message, pos or self.pos)

    def number(self, value: Any) -> Any:
        return self.expressions.number(value) if isinstance(value, int) else value


def bind(kind: Kind, call: Call, env: Mapping[str, Any], ctx: Binding) -> dict[str, Any]:
    """The arguments of ``call`` by name, converted, defaults filled in."""
    value = ctx.expressions.value
    params = kind.signature
    if len(params) == 1 and isinstance(params[0].type, Variadic):
        given = [(arg.key, value(arg.value, env), arg.pos) if isinstance(arg, Keyword)
                 else (None, value(arg, env), place(arg, call)) for arg in call.args]
        return params[0].type.bind(ctx, params[0], given, call.pos)
    names = [p.name for p in params]
    given_by_name: dict[str, tuple[Any, Pos]] = {}
    seen_keyword = False
    for i, arg in enumerate(call.args):
        if isinstance(arg, Keyword):
            seen_keyword = True
            if arg.key not in names:
                ctx.error(f"{kind.name} has no argument {arg.key}="
                          + (suggest.keyword(arg.key, params)
                             or f"; it takes {kind.signature_text()}"), arg.pos)
            if arg.key in given_by_name:
                ctx.error(f"{arg.key} is given twice", arg.pos)
            given_by_name[arg.key] = (argument(params[names.index(arg.key)], arg.value, env,
                                               ctx), arg.pos)
        else:
            if seen_keyword:
                ctx.error("a positional argument cannot follow a keyword argument",
                          place(arg, call))
            if i >= len(params):
                ctx.error(f"{kind.name} takes at most {len(params)} argument(s): "
                          f"{kind.signature_text()}", place(arg, call))
            given_by_name[names[i]] = (argument(params[i], arg, env, ctx), place(arg, call))
    args: dict[str, Any] = {}
    for param in params:
        if param.name in given_by_name:
            ctx.pos = given_by_name[param.name][1]
            args[param.name] = param.type.convert(ctx, param, given_by_name[param.name][0])
        elif param.default is REQUIRED:
            ctx.error(f"{kind.name} needs {param.name}: {kind.signature_text()}", call.pos)
        elif param.default is OPTIONAL:
            args[param.name] = None
        elif isinstance(param.default, Like):
            args[param.name] = args[param.default.other]
        else:
            # a default is the same value for every layer of a rank: converted once
            key = (id(param), ctx.rank, ctx.expressions.numeric)
            if key not in _DEFAULTS:
                ctx.pos = call.pos
                _DEFAULTS[key] = param.type.convert(ctx, param, param.default)
            args[param.name] = _DEFAULTS[key]
    return args


_DEFAULTS: dict[tuple[int, int, bool], Any] = {}


def argument(param: Param, node: Any, env: Mapping[str, Any], ctx: Binding) -> Any:
    """The value of one argument as written: for a type that takes names, a name that
    nothing binds is the name itself (``act=SiLU``), never a free symbol."""
    if param.type.takes_names and isinstance(node, Name) and node.id not in env:
        return node.id
    return ctx.expressions.value(node, env)


def place(arg: Any, call: Call) -> Pos:
    pos = getattr(arg, "pos", None)
    return pos if pos is not None and pos.line > 0 else call.pos
