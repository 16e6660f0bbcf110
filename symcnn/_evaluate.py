"""Syntax tree to network: gives the program its meaning.

The evaluator walks the statements in order, binding names, remembering ``def`` blocks
and expanding calls, groups and repetitions into layers. Each layer's arguments are
checked against its kind's signature (``layers.RULES``) and its rule computes the output
shape, parameters and MACs from the shape before it. Sizes that are symbolic become
conditions in ``constraints``; sizes that are numbers and wrong raise ``ShapeError`` with
the layer's name and place.

A network without free symbols is evaluated with Python numbers (``numeric=True``, see
``_math``); the first free name met ends that attempt with :class:`NeedsSymbols`, and
``network`` evaluates the program again with sympy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Callable, Mapping, Union

from . import _suggest as suggest
from . import layers as L
from . import limits
from ._count import TooManySteps, budget, layers_of
from ._math import (NUMBER, ZERO, ceiling, divide, divisible, eq, evaluated, floor, ge,
                    is_integer, is_number, le, maximum, minimum, mod, symbol, to_python,
                    to_sympy, truth)
from ._syntax import (CHAINS, BinOp, Call, Definition, Func, Group, Keyword, Name, Neg, Num,
                      Pos, Program, Repeat, Sequence, Tuple, Word, context_lines)
from .errors import DSLSyntaxError, LimitError, ShapeError

if TYPE_CHECKING:
    import sympy
    from sympy import Expr


@dataclass(frozen=True)
class LayerRecord:
    """One layer of a network, with its sizes as exact sympy values.

    ``name`` shows where the layer sits (``C2``, ``res1.body.C1``); ``kind`` is the short
    kind (``C``, ``P``, ``res``'s merge is ``Res``). ``formula`` is ``params`` as a textbook
    writes it, unexpanded. ``args`` holds the layer's arguments after checking, by name.
    ``depth`` counts the branches the layer sits in.
    """
    name: str
    kind: str
    input_shape: tuple[Any, ...] | None
    output_shape: tuple[Any, ...]
    params: Expr
    non_trainable: Expr
    macs: Expr
    formula: Expr
    args: Mapping[str, Any]
    line: int
    column: int
    depth: int
    index: int


@dataclass(frozen=True)
class Node:
    """A layer in the network's tree; a merge (Add, Cat, Res) holds its branches."""
    record: LayerRecord
    branches: tuple[tuple[Node, ...], ...] = ()


@dataclass(frozen=True)
class BoundGroup:
    """A group passed to a block: it is evaluated with the names of its caller."""
    group: Group
    env: Mapping[str, Any]


Bound = Union["Expr", int, Fraction, tuple[Any, ...], str, BoundGroup]  # what a name may stand for
NOT_NUMBERS = (tuple, str, BoundGroup)  # the Bound values that are no expression


class NeedsSymbols(Exception):
    """A numeric evaluation met what only sympy can hold: a free symbol, or a power
    with a fractional exponent."""


@dataclass
class _Scope:
    """Gives layers their names: a counter per kind, under a prefix for branches."""
    prefix: str = ""
    depth: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def name(self, kind: str) -> str:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return f"{self.prefix}{kind}{self.counts[kind]}"


@dataclass
class Result:
    nodes: tuple[Node, ...]
    records: list[LayerRecord]
    constraints: list[Any]
    symbols: list[sympy.Symbol]
    output_shape: tuple[Any, ...]


class _LayerCheck:
    """The evaluator's answer to a rule's questions, for one layer."""

    def __init__(self, ev: Evaluator, name: str, kind: str, pos: Pos, x: tuple[Any, ...] | None):
        self.ev, self.name, self.kind, self.pos, self.x = ev, name, kind, pos, x

    def fail(self, message: str) -> None:
        raise self.ev.shape_error(message, self.name, self.kind, self.pos)

    def at_least(self, value: Expr, bound: int, what: str) -> None:
        if is_integer(value):
            if int(value) < bound:  # sympy's own comparison sympifies its operand: slow
                where = f" (input {L._show(self.x)})" if self.x else ""
                self.fail(f"{what} is {value}{where}; it must be at least {bound}")
            return
        key = (value, bound)
        if key not in self.ev.bounds:  # a network asks about the same few sizes again and again
            self.ev.bounds[key] = ge(value, bound)
        self.holds(self.ev.bounds[key], lambda: f"{what} {value} must be at least {bound}")

    def holds(self, condition: Any, message: str | Callable[[], str]) -> None:
        """Records a condition for a valid network, or fails now if it is false.
        ``message`` may be a function, so that a condition that holds costs no
        printing."""
        decided = truth(condition)
        if decided is True:
            return
        if decided is False:
            self.fail(message if isinstance(message, str) else message())
        self.ev.constraints.setdefault(condition, None)

    def divides(self, divisor: Expr, value: Expr, what: str | Callable[[], str]) -> None:
        if divisor == 1:
            return
        self.holds(divisible(value, divisor), what)


class Evaluator:
    def __init__(self, program: Program, values: Mapping[str, Expr] | None = None,
                 numeric: bool = False):
        self.program = program
        self.numeric = numeric
        self.number = to_python if numeric else to_sympy  # a number in this evaluation
        self.values = {name: to_python(v) if numeric else v
                       for name, v in (values or {}).items()}
        self.unbound: set[str] = set()  # names the program reads that it never binds
        self.defs: dict[str, Definition] = {}
        self.globals: dict[str, Bound] = {}
        self.free: dict[str, sympy.Symbol] = {}
        self.constraints: dict[Any, None] = {}  # an ordered set
        # (size, least) -> size >= least, decided or not
        self.bounds: dict[tuple[Any, ...], Any] = {}
        self.records: list[LayerRecord] = []
        self.calls: list[str] = []
        self.work = limits.SymbolicWork()  # the records' values, for MAX_SYMBOLIC_NODES

    # ---- errors ----------------------------------------------------------------

    @property
    def used_values(self) -> set[str]:
        """The names given values that the program reads."""
        return self.unbound & self.values.keys()

    def syntax_error(self, message: str, pos: Pos) -> DSLSyntaxError:
        return DSLSyntaxError(message, pos.line, pos.column,
                              context_lines(self.program.text, pos.line, pos.column))

    def shape_error(self, message: str, name: str, kind: str, pos: Pos) -> ShapeError:
        return ShapeError(message, layer=name, index=len(self.records), kind=kind,
                          line=pos.line, column=pos.column,
                          context=context_lines(self.program.text, pos.line, pos.column))

    def limit_error(self, what: str, limit: str, pos: Pos) -> LimitError:
        return limits.exceeded(what, limit, pos.line, pos.column,
                               context_lines(self.program.text, pos.line, pos.column))

    def bounded(self, value: Any, pos: Pos, what: str = "this value") -> Any:
        """``value``, after checking that it is neither too large a number nor too deep
        an expression for the limits (values flow from statement to statement and from
        layer to layer, so their size is checked where they are made)."""
        if isinstance(value, tuple):
            for v in value:
                self.bounded(v, pos, what)
            return value
        if type(value) in NUMBER:
            if limits.bits(value) > limits.MAX_BITS:
                raise self.limit_error(f"{what} has a number of more than "
                                       f"{limits.MAX_BITS:,} bits", "MAX_BITS", pos)
            return value
        if not hasattr(value, "atoms") or value.is_Integer and value.p.bit_length() < 64:
            return value
        if limits.too_large(value):
            raise self.limit_error(f"{what} has a number of more than "
                                   f"{limits.MAX_BITS:,} bits", "MAX_BITS", pos)
        depth, degree, nodes = limits.measure(value)
        if depth > limits.MAX_DEPTH:
            raise self.limit_error(f"{what} nests {depth} deep",
                                   "MAX_DEPTH", pos)
        if nodes > limits.MAX_NODES:
            raise self.limit_error(f"{what} has {nodes:,} operations",
                                   "MAX_NODES", pos)
        if degree > limits.MAX_DEGREE:
            raise self.limit_error(f"{what} has polynomial degree {degree}",
                                   "MAX_DEGREE", pos)
        return value

    # ---- the program -----------------------------------------------------------

    def run(self) -> Result:
        scope = _Scope()
        nodes: list[Node] = []
        x: tuple[Any, ...] | None = None
        for statement in self.program.statements:
            if isinstance(statement, Definition):
                self.define(statement)
            elif isinstance(statement, Sequence):
                self.forecast(statement)
                x = self.sequence(statement.items, self.globals, x, scope, nodes)
            else:
                self.globals[statement.name] = self.bounded(
                    self.expr(statement.value, self.globals), statement.pos,
                    f"the value of {statement.name}")
        if x is None:
            raise self.syntax_error("the program has no layers; a network starts with an "
                                    "input, such as I(28, 28, 1)",
                                    Pos(1, 1))
        return Result(tuple(nodes), self.records, list(self.constraints),
                      sorted(self.free.values(), key=lambda s: s.name), x)

    def forecast(self, statement: Sequence) -> None:
        """Fails at once if the statement will make more layers than the limit."""
        try:
            count = layers_of(self, statement.items, self.globals)
        except TooManySteps:
            raise self.limit_error(
                f"this line calls blocks with more than {budget(limits.MAX_LAYERS):,} "
                "different arguments (a hundredth of the layer limit)", "MAX_LAYERS",
                statement.pos) from None
        if count is not None and len(self.records) + count > limits.MAX_LAYERS:
            raise self.limit_error(f"this line would make {_count(count)} layers",
                                   "MAX_LAYERS", statement.pos)

    def define(self, definition: Definition) -> None:
        if definition.name in L.RULES:
            raise self.syntax_error(f"{definition.name} is a layer kind; give the block "
                                    "another name", definition.pos)
        if len(set(definition.params)) != len(definition.params):
            raise self.syntax_error(f"block {definition.name} names a parameter twice",
                                    definition.pos)
        self.defs[definition.name] = definition

    def sequence(self, items: Any, env: Any, x: Any, scope: _Scope,
                 nodes: list[Node]) -> tuple[Any, ...] | None:
        for item in items:
            x = self.item(item, env, x, scope, nodes)
        return x

    def item(self, item: Any, env: Any, x: Any, scope: _Scope, nodes: list[Node]) -> tuple[Any,
             ...] | None:
        if isinstance(item, Call):
            if item.name in self.defs:
                return self.block(item, env, x, scope, nodes)
            return self.layer(item, env, x, scope, nodes)
        if isinstance(item, Group):
            return self.nested(item.items, env, x, scope, nodes, item.pos)
        return self.repeat(item, env, x, scope, nodes)

    def nested(self, items: Any, env: Any, x: Any, scope: _Scope, nodes: Any,
               pos: Pos) -> tuple[Any, ...] | None:
        if scope.depth >= limits.MAX_DEPTH:
            raise self.limit_error("groups, branches and block calls nest "
                                   f"{scope.depth + 1} deep", "MAX_DEPTH", pos)
        scope.depth += 1
        try:
            return self.sequence(items, env, x, scope, nodes)
        finally:
            scope.depth -= 1

    def repeat(self, item: Repeat, env: Any, x: Any, scope: _Scope, nodes: Any) -> tuple[Any,
               ...] | None:
        count = self.expr(item.count, env)
        if type(count) not in NUMBER and count.free_symbols:
            raise self.syntax_error(
                f"a repetition count must be a number, but {count} has the free symbol(s) "
                f"{', '.join(sorted(map(str, count.free_symbols)))}; bind them first "
                "(n = 3) or give them values", item.count.pos)
        if not is_integer(count) or count < 0:
            raise self.syntax_error(f"a repetition count must be a whole number of at least 0, "
                                    f"not {count}", item.count.pos)
        before = len(self.records)
        for done in range(int(count)):
            x = self.item(item.item, env, x, scope, nodes)
            each = len(self.records) - before
            if done == 0:
                if each == 0:
                    break
                if before + each * int(count) > limits.MAX_LAYERS:
                    raise self.limit_error(
                        f"with this repetition the network would have "
                        f"{_count(before + each * int(count))} layers",
                        "MAX_LAYERS", item.count.pos)
        return x

    def block(self, call: Call, env: Any, x: Any, scope: _Scope, nodes: Any) -> tuple[Any,
              ...] | None:
        definition = self.defs[call.name]
        if call.name in self.calls:
            chain = " → ".join([*self.calls[self.calls.index(call.name):], call.name])
            raise self.syntax_error(f"block {call.name} reaches itself ({chain}); a block "
                                    "may only call blocks other than itself", call.pos)
        params = definition.params
        positional = [a for a in call.args if not isinstance(a, Keyword)]
        if len(positional) > len(params):
            raise self.syntax_error(
                f"block {call.name} takes {len(params)} argument(s) "
                f"({', '.join(params) or 'none'}), not {len(positional)}", call.pos)
        bound: dict[str, Bound] = {}
        for name, value in zip(params, positional):
            bound[name] = self.bounded(self.value(value, env), _pos(value, call),
                                       f"the value of {name}")
        for arg in call.args:
            if isinstance(arg, Keyword):
                if arg.key not in params:
                    raise self.syntax_error(f"block {call.name} has no parameter {arg.key}"
                                            + suggest.keyword(arg.key, params), arg.pos)
                if arg.key in bound:
                    raise self.syntax_error(f"{arg.key} is given twice", arg.pos)
                bound[arg.key] = self.bounded(self.value(arg.value, env), arg.pos,
                                              f"the value of {arg.key}")
        missing = [p for p in params if p not in bound]
        if missing:
            raise self.syntax_error(f"block {call.name} needs a value for "
                                    f"{', '.join(missing)}", call.pos)
        self.calls.append(call.name)
        try:
            return self.nested(definition.body, {**self.globals, **bound}, x, scope, nodes,
                               call.pos)
        finally:
            self.calls.pop()

    # ---- layers ----------------------------------------------------------------

    def layer(self, call: Call, env: Any, x: Any, scope: _Scope, nodes: list[Node]) -> tuple[Any,
              ...]:
        rule = L.RULES.get(call.name)
        if rule is None:
            hint = suggest.kind(call.name, self.defs) or (
                "; the layer kinds are " + " ".join(r.kind for r in L.kinds())
                + ", and a block is made with def")
            raise self.syntax_error(f"unknown layer kind or block {call.name!r}{hint}",
                                    call.pos)
        if len(self.records) >= limits.MAX_LAYERS:
            raise self.limit_error(f"this layer would be layer {len(self.records) + 1:,}",
                                   "MAX_LAYERS", call.pos)
        merge = rule.variadic
        name = "input" if rule.kind == "I" else scope.name(
            rule.kind.lower() if merge else rule.kind)
        self.check_input(rule, name, call.pos, x)
        check = _LayerCheck(self, name, rule.kind, call.pos, x)
        args = self.arguments(rule, call, env, check)
        branches: tuple[tuple[Node, ...], ...] = ()
        if merge:
            groups = args.pop("branches")
            if rule.kind == "Res" and len(groups) == 1:
                groups.append(BoundGroup(Group((), call.pos), env))
            labels = (["body", "shortcut"] if rule.kind == "Res"
                      else [f"branch{i}" for i in range(1, len(groups) + 1)])
            shapes = []
            for label, bound in zip(labels, groups):
                inner = _Scope(f"{name}.{label}.", scope.depth + 1)
                if inner.depth > limits.MAX_DEPTH:
                    raise self.limit_error("groups, branches and block calls nest "
                                           f"{inner.depth} deep", "MAX_DEPTH", call.pos)
                branch_nodes: list[Node] = []
                shapes.append(self.sequence(bound.group.items, bound.env, x, inner,
                                            branch_nodes))
                branches += (tuple(branch_nodes),)
            out = rule.compute(check, x, shapes)
        else:
            out = rule.compute(check, x, **args)
        number = self.number  # rules may answer with Python ints even in sympy's world
        record = LayerRecord(
            name=name, kind=rule.kind, input_shape=x, output_shape=number(tuple(out.shape)),
            params=number(evaluated(out.params)), non_trainable=number(out.non_trainable),
            macs=number(out.macs), formula=out.params if self.numeric else number(out.params),
            args=args, line=call.pos.line, column=call.pos.column,
            depth=scope.prefix.count(".") // 2,
            index=len(self.records))
        for what, value in (("its output shape", record.output_shape),
                            ("its parameter count", record.params), ("its MACs", record.macs)):
            self.bounded(value, call.pos, f"layer {name}: {what}")
        if not self.numeric:
            work = self.work.charge(record.output_shape, record.params, record.macs)
            if work > limits.MAX_SYMBOLIC_NODES:
                raise self.limit_error(f"layers so far: {work:,} symbolic operations",
                                       "MAX_SYMBOLIC_NODES", call.pos)
        self.records.append(record)
        nodes.append(Node(record, branches))
        return record.output_shape

    def check_input(self, rule: L.Rule, name: str, pos: Pos, x: tuple[Any, ...] | None) -> None:
        if rule.needs == "none":
            if x is not None:
                raise self.shape_error("the input layer I must come first, and only once",
                                       name, rule.kind, pos)
            return
        if x is None:
            raise self.shape_error(f"{rule.kind} comes before any input; start the network "
                                   "with I(h, w, c) or I(f)", name, rule.kind, pos)
        if rule.needs == "image" and len(x) != 3:
            raise self.shape_error(f"{rule.kind} needs an image (h, w, c) as input, but its "
                                   f"input is the vector {L._show(x)}", name, rule.kind, pos)

    def arguments(self, rule: L.Rule, call: Call, env: Any, check: _LayerCheck) -> dict[str, Any]:
        if rule.variadic:
            groups: list[Any] = []
            for arg in call.args:
                value = None if isinstance(arg, Keyword) else self.value(arg, env)
                if not isinstance(value, BoundGroup):
                    raise self.syntax_error(f"{rule.kind} takes branches in brackets, such as "
                                            f"{rule.kind}([C(64, 3)], [])", _pos(arg, call))
                if rule.kind == "Res" and len(groups) == 2:
                    raise self.syntax_error(_RES_FORMS.format("takes a body and at most one "
                                                              "shortcut"), _pos(arg, call))
                groups.append(value)
            if rule.kind == "Res" and not groups:
                raise self.syntax_error(_RES_FORMS.format("needs a body"), call.pos)
            return {"branches": groups}
        params = rule.params
        names = [p.name for p in params]
        given: dict[str, tuple[Any, Pos]] = {}
        seen_keyword = False
        for i, arg in enumerate(call.args):
            if isinstance(arg, Keyword):
                seen_keyword = True
                if arg.key not in names:
                    raise self.syntax_error(
                        f"{rule.kind} has no argument {arg.key}="
                        + (suggest.keyword(arg.key, names) or f"; it takes {_signature(rule)}"),
                        arg.pos)
                if arg.key in given:
                    raise self.syntax_error(f"{arg.key} is given twice", arg.pos)
                given[arg.key] = (self.value(arg.value, env), arg.pos)
            else:
                if seen_keyword:
                    raise self.syntax_error("a positional argument cannot follow a keyword "
                                            "argument", _pos(arg, call))
                if i >= len(params):
                    raise self.syntax_error(f"{rule.kind} takes at most {len(params)} "
                                            f"argument(s): {_signature(rule)}", _pos(arg, call))
                given[names[i]] = (self.value(arg, env), _pos(arg, call))
        args: dict[str, Any] = {}
        for param in params:
            if param.name in given:
                value, pos = given[param.name]
                args[param.name] = self.coerce(rule, param, value, pos, check)
            elif param.default is None:
                raise self.syntax_error(f"{rule.kind} needs {param.name}: {_signature(rule)}",
                                        call.pos)
            elif param.default == L.OPTIONAL:
                args[param.name] = None
            elif isinstance(param.default, str):
                args[param.name] = args[param.default]
            else:
                args[param.name] = self.coerce(rule, param, param.default, call.pos, check)
        return args

    def coerce(self, rule: L.Rule, param: L.Param, value: Any, pos: Pos,
               check: _LayerCheck) -> Any:
        """Checks one argument against its declared type and returns it in the form the
        rule takes: an expression, an ``(h, w)`` pair, a word or a bool."""
        kind = param.type
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value in ("true", "false"):
                return value == "true"
            hint = (suggest.one_of(str(value), ("true", "false"))
                    if getattr(value, "is_Symbol", False) else "")
            raise self.syntax_error(f"{param.name} of {rule.kind} is true or false, not "
                                    f"{_describe(value)}{hint}", pos)
        if isinstance(value, int):
            value = self.number(value)
        # (a sympy number compared with a str tries to sympify it: test the type first)
        if kind == "pad" and isinstance(value, str) and value in ("same", "valid"):
            return "same" if value == "same" else (self.number(ZERO), self.number(ZERO))
        if isinstance(value, (str, BoundGroup)):
            raise self.syntax_error(f"{param.name} of {rule.kind} takes "
                                    f"{_TYPE_WORDS[kind]}, not {_describe(value)}", pos)
        if kind == "rate":
            if isinstance(value, tuple):
                raise self.syntax_error(f"{param.name} of {rule.kind} is one number", pos)
            if is_number(value) and not (0 <= value <= 1):
                check.fail(f"the rate {param.name}={value} must lie between 0 and 1")
            for bound in (ge(value, 0), le(value, 1)):
                check.holds(bound, f"the rate {param.name}={value} must lie between 0 and 1")
            return value
        if isinstance(value, tuple):
            if kind == "int" or len(value) != 2:
                raise self.syntax_error(
                    f"{param.name} of {rule.kind} takes "
                    f"{_TYPE_WORDS[kind]}, not a tuple of {len(value)}", pos)
            pair = value
        else:
            pair = (value, value)
        for v in pair:
            if is_number(v) and not is_integer(v):
                raise self.syntax_error(f"{param.name} of {rule.kind} must be a whole number, "
                                        f"not {v}", pos)
            if type(v) not in NUMBER and v.is_integer is not True:
                check.holds(eq(mod(v, 1), 0),
                            f"{param.name} of {rule.kind} must be a whole number, not {v}")
            check.at_least(v, param.least, param.name)
        return pair[0] if kind == "int" else pair

    # ---- values and expressions ------------------------------------------------

    def value(self, node: Any, env: Any) -> Bound:
        """An argument: an expression, or a tuple, a word or a group as written or as
        passed to a block."""
        if isinstance(node, Tuple):
            return tuple(self.expr(item, env) for item in node.items)
        if isinstance(node, Word):
            return node.word
        if isinstance(node, Group):
            return BoundGroup(node, env)
        if isinstance(node, Name) and node.id in env and isinstance(env[node.id], NOT_NUMBERS):
            return env[node.id]
        return self.expr(node, env)

    def expr(self, node: Any, env: Any) -> Expr:
        value = self._expr(node, env)
        if type(value) is Fraction and value.denominator == 1:
            return value.numerator  # 2^-1 * 4 is the whole number 2, as sympy has it
        return value

    def _expr(self, node: Any, env: Any) -> Expr:
        if isinstance(node, Num):
            return self.number(node.value)
        if isinstance(node, Name):
            return self.name(node, env)
        if isinstance(node, BinOp):
            return self.binop(node, env)
        if isinstance(node, Neg):
            return -self.expr(node.operand, env)
        return self.function(node, env)

    def name(self, node: Name, env: Any) -> Expr:
        if node.id in env:
            value = env[node.id]
            if isinstance(value, NOT_NUMBERS):
                raise self.syntax_error(f"{node.id} stands for {_describe(value)}, which "
                                        "cannot be used in arithmetic", node.pos)
            return value
        self.unbound.add(node.id)
        if node.id in self.values:
            value = self.values[node.id]
            if type(value) not in NUMBER:  # subs(n="2*q") makes q a free symbol
                for free in value.free_symbols:
                    self.free.setdefault(free.name, free)
            return value
        if self.numeric:
            raise NeedsSymbols(node.id)
        if node.id not in self.free:
            self.free[node.id] = symbol(node.id)
        return self.free[node.id]

    def binop(self, node: BinOp, env: Any) -> Expr:
        # A chain a + b - c + ... is a left-leaning tree as long as the chain: walk its
        # spine in a loop, so that its length costs no stack.
        chain = [node]
        while (isinstance(chain[-1].left, BinOp)
               and CHAINS.get(chain[-1].left.op, "^") == CHAINS.get(node.op)):
            chain.append(chain[-1].left)
        value = self.expr(chain[-1].left, env)
        if CHAINS.get(node.op) == "sum":
            # one Add of all the terms: adding them one by one would rebuild the sum
            # each time, quadratic in its length
            terms = [value]
            for link in reversed(chain):
                term = self.expr(link.right, env)
                terms.append(term if link.op == "+" else -term)
            if all(type(t) in NUMBER for t in terms):
                result = sum(terms)
            else:
                import sympy

                terms = [to_sympy(t) for t in terms]
                if limits.written_nodes(*terms) >= limits.MAX_NODES:  # before sympy adds
                    raise self.limit_error(f"this sum has {limits.written_nodes(*terms):,} "
                                           "operations", "MAX_NODES", node.pos)
                result = sympy.Add(*terms)
            return self.bounded(result, node.pos, "this sum")
        for link in reversed(chain):
            value = self.operate(link, value, self.expr(link.right, env))
        return value

    def operate(self, node: BinOp, a: Expr, b: Expr) -> Expr:
        op = node.op
        if op in ("/", "//", "%") and b == 0:
            raise self.syntax_error("division by zero", node.right.pos)
        if op == "+":
            result = a + b
        elif op == "-":
            result = a - b
        elif op == "*":
            result = a * b
        elif op == "/":
            result = divide(a, b)
        elif op == "//":
            result = floor(divide(a, b))
        elif op == "%":
            result = mod(a, b)
        else:
            result = self.power(node, a, b)
        return self.bounded(result, node.pos, "this expression")

    def power(self, node: BinOp, a: Any, b: Any) -> Any:
        if a == 0 and is_number(b) and b < 0:
            raise self.syntax_error("division by zero (0 to a negative power)", node.pos)
        if is_integer(b) and not is_number(a):
            degree = limits.measure(a)[1] * abs(int(b)) if abs(b) < 10**6 else math.inf
            if degree > limits.MAX_DEGREE:
                raise self.limit_error(f"this power has polynomial degree {degree}",
                                       "MAX_DEGREE", node.pos)
        if limits.power_bits(a, b) > limits.MAX_BITS:
            raise self.limit_error(f"{_short(a)}^{_short(b)} would have about "
                                   f"{_count(limits.power_bits(a, b))} bits", "MAX_BITS",
                                   node.pos)
        if not self.numeric:
            power = a**b
            if power.is_real is False:  # (-1)^0.5: nothing else can compare it with a size
                raise self.syntax_error(f"{a}^{_short(b)} is not a real number", node.pos)
            return power
        if type(b) is not int:
            raise NeedsSymbols(f"{a}^{b}")  # a root: sympy keeps it exact
        return a**b if b >= 0 else divide(1, a ** -b)

    def function(self, node: Func, env: Any) -> Expr:
        arity = {"floor": 1, "ceil": 1, "min": 2, "max": 2}
        if node.name not in arity:
            raise self.syntax_error(f"unknown function {node.name}(); the functions are "
                                    "floor, ceil, min and max" + suggest.one_of(node.name, arity),
                                    node.pos)
        if len(node.args) != arity[node.name]:
            raise self.syntax_error(f"{node.name} takes {arity[node.name]} argument(s), "
                                    f"not {len(node.args)}", node.pos)
        args = [self.expr(a, env) for a in node.args]
        if node.name == "floor":
            return floor(args[0])
        if node.name == "ceil":
            return ceiling(args[0])
        if node.name == "min":
            return minimum(*args)
        return maximum(*args)


_RES_FORMS = "Res {}: Res([BODY]) or Res([BODY], [SHORTCUT])"

_TYPE_WORDS = {"int": "a whole number", "pair": "a whole number or an (h, w) pair",
               "pad": "a whole number, an (h, w) pair, same or valid",
               "rate": "a number between 0 and 1", "bool": "true or false",
               "branch": "a group in brackets"}


def _describe(value: Any) -> str:
    if isinstance(value, BoundGroup):
        return "a group [ ... ]"
    if isinstance(value, tuple):
        return f"the tuple {L._show(value)}"
    if isinstance(value, str):
        return f"the word {value}"
    return str(value)


def _log2(value: Any) -> float:
    if isinstance(value, Fraction):
        return math.log2(value.numerator) - math.log2(value.denominator)
    return math.log2(value)


def _short(value: Expr) -> str:
    if limits.bits(value) > 100:
        return f"(a number of about {int(limits.bits(value) * 0.30103) + 1} digits)"
    text = str(value)
    return text if len(text) < 30 else "(" + text[:12] + "…)"


def _count(n: float) -> str:
    """A count for a message: exact while it is readable, then its order of magnitude."""
    if n < 10**15:
        return f"{int(n):,}"
    if n == math.inf:
        return "infinitely many"
    return f"about 10^{int(math.log10(n))}"


def _signature(rule: L.Rule) -> str:
    parts = []
    for p in rule.params:
        if p.default is None:
            parts.append(p.name)
        elif p.default == L.OPTIONAL:
            parts.append(f"[{p.name}]")
        elif isinstance(p.default, str):
            parts.append(f"{p.name}={p.default}")
        else:
            default = p.default
            if isinstance(default, bool):
                default = str(default).lower()
            parts.append(f"{p.name}={default}")
    return f"{rule.kind}({', '.join(parts)})"


def _pos(arg: Any, call: Call) -> Pos:
    pos = getattr(arg, "pos", None)
    return pos if pos is not None and pos.line > 0 else call.pos

