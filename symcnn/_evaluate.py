"""Syntax tree to network: gives the program its meaning.

The interpreter walks the statements in order, binding names, remembering ``def`` blocks
and expanding calls, groups and repetitions into layers. Each layer's kind
(``symcnn.kinds``) binds its arguments, checks its input and computes the output shape,
parameters and MACs from the shape before it. Sizes that are symbolic become conditions
in ``constraints``; sizes that are numbers and wrong raise ``ShapeError`` with the
layer's name and place.

The walk over statements, groups, repetitions and block calls is written once
(:class:`_Walk`); the evaluator and the layer-count forecast are its two uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, NoReturn

from . import _suggest as suggest
from . import limits
from ._binding import Binding, bind, place
from ._diagnostics import Diagnostics
from ._expressions import Bound, BoundGroup, Expressions, NeedsSymbols, count_text
from ._math import NUMBER, divisible, evaluated, ge, is_integer, truth
from ._model import LayerRecord, Node
from ._tree import (BinOp, Call, Definition, Func, Group, Keyword, Name, Neg, Pos, Program,
                    Repeat, Sequence, Tuple)
from .errors import SymcnnError
from .kinds import Kind, Merge, Needs, kinds, lookup, rank, show

if TYPE_CHECKING:
    import sympy
    from sympy import Expr

__all__ = ["Evaluator", "Result", "NeedsSymbols"]


@dataclass
class _Scope:
    """Gives layers their names: a counter per kind, under a prefix for branches."""
    prefix: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.depth = self.prefix.count(".") // 2  # the branches the layers sit in

    def name(self, label: str) -> str:
        count = self.counts[label] = self.counts.get(label, 0) + 1
        return f"{self.prefix}{label}{count}"


@dataclass
class _Path:
    """Where the evaluator is: the current shape, the names in use, the layers made."""
    x: tuple[Any, ...] | None
    scope: _Scope
    nodes: list[Node]


@dataclass
class Result:
    nodes: tuple[Node, ...]
    records: list[LayerRecord]
    constraints: list[Any]
    symbols: list[sympy.Symbol]
    output_shape: tuple[Any, ...]


class _Walk:
    """Statements, groups, repetitions and block calls: the structure of a program,
    walked with a state ``at`` that each use defines (the evaluator's :class:`_Path`,
    the forecast's layer count)."""

    def __init__(self, program: Program, errors: Diagnostics, expressions: Expressions,
                 defs: dict[str, Definition], env: dict[str, Bound]):
        self.program, self.errors, self.expressions = program, errors, expressions
        self.defs, self.globals = defs, env
        self.calls: list[str] = []
        self.depth = 0

    def too_deep(self, pos: Pos) -> NoReturn:
        self.errors.limit(f"groups, branches and block calls nest {self.depth + 1} deep",
                          "MAX_DEPTH", pos)

    def sequence(self, items: Any, env: Mapping[str, Any], at: Any) -> Any:
        for item in items:
            at = self.item(item, env, at)
        return at

    def item(self, item: Any, env: Mapping[str, Any], at: Any) -> Any:
        if isinstance(item, Call):
            if item.name in self.defs:
                return self.block(item, env, at)
            return self.layer(item, env, at)
        if isinstance(item, Group):
            return self.nested(item.items, env, at, item.pos)
        return self.repeat(item, env, at)

    def nested(self, items: Any, env: Mapping[str, Any], at: Any, pos: Pos) -> Any:
        if self.depth >= limits.MAX_DEPTH:
            self.too_deep(pos)
        self.depth += 1
        try:
            return self.sequence(items, env, at)
        finally:
            self.depth -= 1

    def count(self, item: Repeat, env: Mapping[str, Any]) -> int:
        count = self.expressions.expr(item.count, env)
        if type(count) not in NUMBER and count.free_symbols:
            self.errors.syntax(
                f"a repetition count must be a number, but {count} has the free symbol(s) "
                f"{', '.join(sorted(map(str, count.free_symbols)))}; bind them first "
                "(n = 3) or give them values", item.count.pos)
        if not is_integer(count) or count < 0:
            self.errors.syntax(f"a repetition count must be a whole number of at least 0, "
                               f"not {count}", item.count.pos)
        return int(count)

    def block(self, call: Call, env: Mapping[str, Any], at: Any) -> Any:
        definition = self.defs[call.name]
        if call.name in self.calls:
            chain = " → ".join([*self.calls[self.calls.index(call.name):], call.name])
            self.errors.syntax(f"block {call.name} reaches itself ({chain}); a block may "
                               "only call blocks other than itself", call.pos)
        self.calls.append(call.name)
        try:
            return self.enter(call, definition, self.block_env(call, definition, env), at)
        finally:
            self.calls.pop()

    def enter(self, call: Call, definition: Definition, env: dict[str, Any], at: Any) -> Any:
        """The body of a block call, with its names ``env``."""
        return self.nested(definition.body, env, at, call.pos)

    def block_env(self, call: Call, definition: Definition,
                  env: Mapping[str, Any]) -> dict[str, Any]:
        """The names inside a block call: the globals and the call's arguments."""
        params = definition.params
        positional = [a for a in call.args if not isinstance(a, Keyword)]
        if len(positional) > len(params):
            self.errors.syntax(f"block {call.name} takes {len(params)} argument(s) "
                               f"({', '.join(params) or 'none'}), not {len(positional)}",
                               call.pos)
        bound: dict[str, Bound] = {}
        value, bounded = self.expressions.value, self.expressions.bounded
        for name, given in zip(params, positional):
            bound[name] = bounded(value(given, env), place(given, call),
                                  f"the value of {name}")
        for arg in call.args:
            if isinstance(arg, Keyword):
                if arg.key not in params:
                    self.errors.syntax(f"block {call.name} has no parameter {arg.key}"
                                       + suggest.keyword(arg.key, params), arg.pos)
                if arg.key in bound:
                    self.errors.syntax(f"{arg.key} is given twice", arg.pos)
                bound[arg.key] = bounded(value(arg.value, env), arg.pos,
                                         f"the value of {arg.key}")
        missing = [p for p in params if p not in bound]
        if missing:
            self.errors.syntax(f"block {call.name} needs a value for {', '.join(missing)}",
                               call.pos)
        return {**self.globals, **bound}

    def kind(self, call: Call) -> Kind:
        kind = lookup(call.name)
        if kind is None:
            hint = suggest.kind(call.name, self.defs) or (
                "; the layer kinds are " + " ".join(k.name for k in kinds())
                + ", and a block is made with def")
            self.errors.syntax(f"unknown layer kind or block {call.name!r}{hint}", call.pos)
        return kind

    def repeat(self, item: Repeat, env: Mapping[str, Any], at: Any) -> Any:
        raise NotImplementedError

    def layer(self, call: Call, env: Mapping[str, Any], at: Any) -> Any:
        raise NotImplementedError


class _LayerCheck:
    """The evaluator's answer to a kind's questions, for one layer."""

    def __init__(self, ev: Evaluator, name: str, kind: str, pos: Pos, x: tuple[Any, ...] | None):
        self.ev, self.name, self.kind, self.pos, self.x = ev, name, kind, pos, x

    def fail(self, message: str) -> NoReturn:
        self.ev.errors.shape(message, layer=self.name, index=len(self.ev.records),
                             kind=self.kind, pos=self.pos)

    def at_least(self, value: Expr, bound: int, what: str) -> None:
        if is_integer(value):
            if int(value) < bound:  # sympy's own comparison sympifies its operand: slow
                where = f" (input {show(self.x)})" if self.x else ""
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


_Bound = tuple[dict[str, Any], tuple[tuple[str, Any], ...]]  # a layer's arguments, and as items

#: Layers a statement makes before its forecast is asked for (see ``Evaluator.foresee``):
#: a fraction of a second of evaluation at most (a tenth of MAX_LAYERS), and a
#: forecast that the networks of the zoo but one (EfficientNetV2-L) never need.
FORESEE_AFTER = 1000


class Evaluator(_Walk):
    #: Whether layers made before are replayed (block calls and rounds of a repetition
    #: met again); off, every call and round is evaluated afresh, as tests compare.
    replays = True

    def __init__(self, program: Program, values: Mapping[str, Expr] | None = None,
                 numeric: bool = False):
        errors = Diagnostics(program.text)
        super().__init__(program, errors, Expressions(errors, values, numeric), {}, {})
        self.constraints: dict[Any, None] = {}  # an ordered set
        # (size, least) -> size >= least, decided or not
        self.bounds: dict[tuple[Any, ...], Any] = {}
        self.records: list[LayerRecord] = []
        self.work = limits.SymbolicWork()  # the records' values, for MAX_SYMBOLIC_NODES
        # what each block call made, by all that decides it (see ``enter``)
        self.made: dict[tuple[Any, ...], tuple[Node, ...]] = {}
        # a layer's values by its kind, input shape and arguments (see ``layer``)
        self.applied: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        # each call's names read and arguments bound (see ``bound``), by its id
        self.sites: dict[int, tuple[Call, tuple[str, ...] | None, dict[Any, _Bound]]] = {}
        # the statement not yet forecast, and the layers before it; the number of
        # layers at which to forecast it or to stop at the limit
        self.unforeseen: tuple[Sequence, int] | None = None
        self.watch = limits.MAX_LAYERS

    @property
    def numeric(self) -> bool:
        return self.expressions.numeric

    def run(self) -> Result:
        path = _Path(None, _Scope(), [])
        for statement in self.program.statements:
            if isinstance(statement, Definition):
                self.define(statement)
            elif isinstance(statement, Sequence):
                self.unforeseen = statement, len(self.records)
                self.watch = min(len(self.records) + FORESEE_AFTER, limits.MAX_LAYERS)
                path = self.sequence(statement.items, self.globals, path)
            else:
                self.made.clear()  # block calls read the globals
                self.globals[statement.name] = self.expressions.bounded(
                    self.expressions.expr(statement.value, self.globals), statement.pos,
                    f"the value of {statement.name}")
        if path.x is None:
            self.errors.syntax("the program has no layers; a network starts with an input, "
                               "such as I(28, 28, 1)", Pos(1, 1))
        return Result(tuple(path.nodes), self.records, list(self.constraints),
                      sorted(self.expressions.free.values(), key=lambda s: s.name), path.x)

    def foresee(self) -> None:
        """Fails if the statement being evaluated will make more layers than the limit
        (:class:`_Forecast`); it is asked once per statement, when the statement has made
        ``FORESEE_AFTER`` layers or is about to pass the limit, which most never do."""
        if self.unforeseen is None:
            return
        statement, before = self.unforeseen
        self.unforeseen = None
        count = _Forecast(self).layers(statement.items, statement.pos)
        if count is not None and before + count > limits.MAX_LAYERS:
            self.errors.limit(f"this line would make {count_text(count)} layers",
                              "MAX_LAYERS", statement.pos)

    def watched(self, pos: Pos) -> None:
        """What happens when the layers reach ``watch``: the forecast, then the limit."""
        self.foresee()
        if len(self.records) >= limits.MAX_LAYERS:
            self.errors.limit(f"this layer would be layer {len(self.records) + 1:,}",
                              "MAX_LAYERS", pos)
        self.watch = limits.MAX_LAYERS

    def define(self, definition: Definition) -> None:
        if lookup(definition.name) is not None:
            self.errors.syntax(f"{definition.name} is a layer kind; give the block another "
                               "name", definition.pos)
        if len(set(definition.params)) != len(definition.params):
            self.errors.syntax(f"block {definition.name} names a parameter twice",
                               definition.pos)
        self.defs[definition.name] = definition
        self.made.clear()

    def enter(self, call: Call, definition: Definition, env: dict[str, Any],
              at: _Path) -> _Path:
        """A block's body, evaluated once for each distinct call: what a block makes is
        decided by its arguments, the shape it starts from, the globals (the memo is
        emptied when one is bound), how deep it is called and from which blocks (the
        limits and the self-call check). A call met again makes the same layers under
        new names, without binding, checking or computing them again: a ResNet-152 is
        50 calls of 4 blocks."""
        key: tuple[Any, ...] | None = (call.name, tuple(env[p] for p in definition.params),
                                       at.x, self.depth, tuple(self.calls))
        try:
            hash(key)
        except TypeError:  # a group passed as an argument
            key = None
        if not self.replays:
            key = None
        made = self.made.get(key) if key is not None else None
        if made is not None:
            self.replay(made, at)
            return at
        start = len(at.nodes)
        super().enter(call, definition, env, at)
        if key is not None:
            self.made[key] = tuple(at.nodes[start:])
        return at

    def replay(self, nodes: tuple[Node, ...], at: _Path) -> None:
        """The layers of ``nodes`` made again at ``at``: named in its scope and numbered
        after the layers so far, as :meth:`layer` names and numbers them (a merge's
        name before its branches', its record after theirs)."""
        depth = at.scope.depth
        records = self.records
        for node in nodes:
            kind, old = node.kind, node.record
            if len(records) >= self.watch:
                self.watched(Pos(old.line, old.column))
            name = "input" if kind.needs == Needs.NOTHING else at.scope.name(kind.label)
            branches: tuple[tuple[Node, ...], ...] = ()
            if node.branches:
                labels = kind.branch_labels(len(node.branches))  # type: ignore[attr-defined]
                for label, branch in zip(labels, node.branches):
                    inner = _Path(None, _Scope(f"{name}.{label}."), [])
                    self.replay(branch, inner)
                    branches += (tuple(inner.nodes),)
            record = old.moved(name, depth, len(records))
            records.append(record)
            at.nodes.append(Node(record, kind, branches))
            at.x = record.output_shape

    def repeat(self, item: Repeat, env: Mapping[str, Any], at: _Path) -> _Path:
        count = self.count(item, env)
        before = len(self.records)
        # the same item with the same names: what it makes depends only on the shape it
        # starts from, and a repetition usually keeps that shape after its first round
        made: dict[Any, tuple[Node, ...]] = {}
        for done in range(count):
            if self.replays and at.x in made:
                self.replay(made[at.x], at)
            else:
                start, x = len(at.nodes), at.x
                at = self.item(item.item, env, at)
                made[x] = tuple(at.nodes[start:])
            each = len(self.records) - before
            if done == 0:
                if each == 0:
                    break
                if before + each * count > limits.MAX_LAYERS:
                    self.foresee()  # says how many layers the whole line would make
                    self.errors.limit(f"with this repetition the network would have "
                                      f"{count_text(before + each * count)} layers",
                                      "MAX_LAYERS", item.count.pos)
        return at

    def layer(self, call: Call, env: Mapping[str, Any], at: _Path) -> _Path:
        kind = lookup(call.name) or self.kind(call)
        records = self.records
        if len(records) >= self.watch:
            self.watched(call.pos)
        x = at.x
        name = "input" if kind.needs == Needs.NOTHING else at.scope.name(kind.label)
        self.check_input(kind, name, call.pos, x)
        check = _LayerCheck(self, name, kind.name, call.pos, x)
        binding = Binding(kind, rank(x) if x else 0, check, self.errors, self.expressions,
                          call.pos, records[0].output_shape if records else None)
        branches: tuple[tuple[Node, ...], ...] = ()
        if isinstance(kind, Merge):
            args = bind(kind, call, env, binding)
            own = kind.expand(check, x or (), args, call.pos)
            groups = args.pop("branches") if own is None else [
                BoundGroup(group, names) for group, names in own]
            groups += [BoundGroup(Group((), call.pos), env)] * (kind.complete(len(groups))
                                                                 - len(groups))
            shapes = []
            start = kind.branch_input(check, x or (), len(groups))
            for label, group in zip(kind.branch_labels(len(groups)), groups):
                inner = _Path(start, _Scope(f"{name}.{label}."), [])
                shapes.append(self.nested(group.group.items, group.env, inner, call.pos).x)
                branches += (tuple(inner.nodes),)
            values = self.values(kind.combine(check, x or (), shapes), name, call.pos)
        else:
            args, held = self.bound(kind, call, env, binding)
            # A rule's answer depends only on its input and its arguments (its checks
            # record conditions once, or fail on the first layer they meet)
            key: tuple[Any, ...] | None = (kind.name, x, held)
            try:
                known = self.applied.get(key) if self.replays else None  # type: ignore[arg-type]
            except TypeError:  # an argument no dict can hold
                known = key = None
            if known is None:
                known = self.values(kind.apply(check, x or (), **args), name, call.pos)
                if key is not None:
                    self.applied[key] = known
            values = known
        shape, params, non_trainable, macs, formula = values
        pos = call.pos
        record = LayerRecord(name, kind.name, x, shape, params, non_trainable, macs, formula,
                             args, pos.line, pos.column, at.scope.depth, len(records))
        records.append(record)
        at.nodes.append(Node(record, kind, branches))
        at.x = shape
        return at

    def bound(self, kind: Kind, call: Call, env: Mapping[str, Any],
              binding: Binding) -> _Bound:
        """The arguments of a layer (``bind``), as a dict and as a tuple of its items.
        They depend only on the call, the rank of its input, the network's input and
        the values of the names the call reads, so a call met again with the same ones
        takes them as bound before (a ``BN`` in every block, a ``C(c, 3, p=1)`` in every
        round): their checks have passed, or recorded their conditions, already."""
        site = self.sites.get(id(call))
        if site is None or site[0] is not call:  # the call kept: its id stays its own
            site = self.sites[id(call)] = (call, names_read(call.args), {})
        _, names, known = site
        key: Any = None
        if names is not None and self.replays:
            key = (binding.rank, binding.network_input, *[env.get(n) for n in names])
        found: _Bound | None = None
        try:
            found = known.get(key) if key is not None else None
        except TypeError:  # a value no dict can hold
            key = None
        if found is None:
            args = bind(kind, call, env, binding)
            found = (args, tuple(args.items()))
            if key is not None:
                known[key] = found
        return found

    def values(self, out: Any, name: str, pos: Pos) -> tuple[Any, ...]:
        """A rule's answer as a record holds it: the output shape, the parameters, the
        non-trainable parameters, the MACs and the parameters' formula, each checked
        against the limits."""
        number = self.expressions.number  # kinds may answer with Python ints even in sympy's world
        shape, params = number(tuple(out.shape)), number(evaluated(out.params))
        macs = number(out.macs)
        for what, values in (("its output shape", shape), ("its parameter count", (params,)),
                             ("its MACs", (macs,))):
            for value in values:
                # most values of a numeric network: an int checked here, without a message
                if type(value) is not int or value.bit_length() > limits.MAX_BITS:
                    self.expressions.bounded(value, pos, f"layer {name}: {what}")
        if not self.numeric:
            work = self.work.charge(shape, params, macs)
            if work > limits.MAX_SYMBOLIC_NODES:
                self.errors.limit(f"layers so far: {work:,} symbolic operations",
                                  "MAX_SYMBOLIC_NODES", pos)
        return (shape, params, number(out.non_trainable), macs,
                out.params if self.numeric else number(out.params))

    def check_input(self, kind: Kind, name: str, pos: Pos, x: tuple[Any, ...] | None) -> None:
        needs = kind.needs
        if needs == Needs.NOTHING:
            if x is not None:
                self.wrong_input(kind, name, pos, "the input layer I must come first, and "
                                 "only once")
            return
        if x is None:
            self.wrong_input(kind, name, pos, f"{kind.name} comes before any input; start "
                             "the network with I(h, w, c) or I(f)")
        if needs == Needs.SPATIAL and rank(x) == 0:
            self.wrong_input(kind, name, pos, f"{kind.name} needs an image (h, w, c), a "
                             "signal (l, c) or a volume (d, h, w, c) as input, but its input "
                             f"is the vector {show(x)}")

    def wrong_input(self, kind: Kind, name: str, pos: Pos, message: str) -> NoReturn:
        self.errors.shape(message, layer=name, index=len(self.records), kind=kind.name,
                          pos=pos)


def names_read(nodes: Any) -> tuple[str, ...] | None:
    """The names that arguments read, each once; ``None`` if a group is among them."""
    found: dict[str, None] = {}
    stack = list(nodes)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is Name:
            found[node.id] = None
        elif kind is Keyword:
            stack.append(node.value)
        elif kind is BinOp:
            stack += (node.left, node.right)
        elif kind is Neg:
            stack.append(node.operand)
        elif kind in (Func, Tuple):
            stack += node.args if kind is Func else node.items
        elif kind is Group:
            return None  # a group is bound with all the names of its caller
    return tuple(found)


class _Unknown(Exception):
    """The count cannot be told without evaluating."""


class _Forecast(_Walk):
    """How many layers a statement will make, known before it makes most of them.

    A few lines can describe more layers than anyone can compute: blocks that each call
    the one before twice (``def b = a a``, ``def c = b b``, ...) double the count with
    every line. The evaluator would only notice at ``MAX_LAYERS`` layers, seconds later.
    This walk counts, without shapes: a block called again with the same arguments is
    counted once, a repetition multiplies, so counting costs about as much as reading
    the text. The evaluator asks for it once a statement has made ``FORESEE_AFTER``
    layers (or a repetition would pass the limit), so that the many statements that
    never get there do not pay for it.

    The count is a forecast, not a judgement: where it cannot tell (a count it cannot
    evaluate, a block that reaches itself) it gives up and lets the evaluator meet the
    problem and report it in its own words. One thing it does judge: a line that calls
    blocks with more than a hundredth of ``MAX_LAYERS`` different arguments cannot be
    counted quickly, and would take the evaluator at least as long, so it is refused as
    too large.
    """

    def __init__(self, ev: Evaluator):
        # its own expressions: counting evaluates arguments, and must leave no trace
        expressions = Expressions(ev.errors, ev.expressions.values, ev.expressions.numeric)
        super().__init__(ev.program, ev.errors, expressions, ev.defs, ev.globals)
        self.memo: dict[tuple[Any, ...], int] = {}
        self.budget = max(limits.MAX_LAYERS // 100, 1000)
        self.misses = 0

    def layers(self, items: tuple[Any, ...], pos: Pos) -> int | None:
        """The number of layers ``items`` will make, or ``None`` when it cannot be told."""
        try:
            count: int = self.sequence(items, self.globals, 0)
            return count
        except (_Unknown, SymcnnError, NeedsSymbols, RecursionError):
            if self.misses > self.budget:
                self.errors.limit(
                    f"this line calls blocks with more than {self.budget:,} different "
                    "arguments (a hundredth of the layer limit)", "MAX_LAYERS", pos)
            return None

    def too_deep(self, pos: Pos) -> NoReturn:
        raise _Unknown

    def repeat(self, item: Repeat, env: Mapping[str, Any], at: int) -> int:
        count = self.count(item, env)
        return at + (count * self.item(item.item, env, 0) if count else 0)

    def layer(self, call: Call, env: Mapping[str, Any], at: int) -> int:
        kind = self.kind(call)
        count = 1
        if isinstance(kind, Merge):
            for arg in call.args:
                value = None if isinstance(arg, Keyword) else self.expressions.value(arg, env)
                if not isinstance(value, BoundGroup):
                    raise _Unknown
                count += self.nested(value.group.items, value.env, 0, call.pos)
        return at + count

    def block(self, call: Call, env: Mapping[str, Any], at: int) -> int:
        if any(isinstance(a, Keyword) for a in call.args):
            raise _Unknown
        values = tuple(self.expressions.value(arg, env) for arg in call.args)
        try:
            key: tuple[Any, ...] | None = (call.name, values)
            hash(key)
        except TypeError:  # a group passed as an argument
            key = None
        if key is not None and key in self.memo:
            return at + self.memo[key]
        self.misses += 1
        if self.misses > self.budget:
            raise _Unknown
        count: int = super().block(call, env, 0)
        if key is not None:
            self.memo[key] = count
        return at + count

