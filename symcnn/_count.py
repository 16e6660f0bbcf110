"""How many layers a statement will make, known before it makes them.

A few lines can describe more layers than anyone can compute: blocks that each call the
one before twice (``def b = a a``, ``def c = b b``, ...) double the count with every line.
The evaluator would only notice at ``MAX_LAYERS`` layers, seconds later. This pass counts
first, without shapes: a block called again with the same arguments is counted once, a
repetition multiplies, so counting costs about as much as reading the text.

The count is a forecast, not a judgement: where it cannot tell (a count it cannot
evaluate, a block that reaches itself) it gives up and lets the evaluator meet the
problem and report it in its own words. One thing it does judge: a line that calls
blocks with more than a hundredth of ``MAX_LAYERS`` different arguments cannot be counted
quickly, and would take the evaluator at least as long, so it is refused as too large.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from . import layers as L
from ._math import is_integer
from ._syntax import Call, Group, Keyword, Repeat
from .errors import SymcnnError

if TYPE_CHECKING:
    from ._evaluate import Evaluator

def budget(max_layers: int) -> int:
    """Block calls with new arguments that one line may make."""
    return max(max_layers // 100, 1000)


class _Unknown(Exception):
    """The count cannot be told without evaluating."""


class TooManySteps(Exception):
    """Counting alone took more steps than the budget."""


def layers_of(evaluator: Evaluator, items: tuple[Any, ...], env: Mapping[str, Any]) -> int | None:
    """The number of layers ``items`` will make, or ``None`` when it cannot be told."""
    from . import limits

    counter = _Counter(evaluator, budget(limits.MAX_LAYERS))
    free, unbound = dict(evaluator.free), set(evaluator.unbound)
    from ._evaluate import NeedsSymbols

    try:
        return counter.sequence(items, env, 0)
    except (_Unknown, SymcnnError, NeedsSymbols, RecursionError):
        return None
    finally:  # counting evaluates arguments; it must leave no trace
        evaluator.free.clear()
        evaluator.free.update(free)
        evaluator.unbound.clear()
        evaluator.unbound.update(unbound)


class _Counter:
    def __init__(self, evaluator: Evaluator, budget: int):
        self.ev = evaluator
        self.budget = budget
        self.memo: dict[tuple[Any, ...], int] = {}
        self.calls: list[str] = []
        self.misses = 0

    def sequence(self, items: tuple[Any, ...], env: Mapping[str, Any], depth: int) -> int:
        from . import limits

        if depth > limits.MAX_DEPTH:
            raise _Unknown
        return sum(self.item(item, env, depth) for item in items)

    def item(self, item: Any, env: Mapping[str, Any], depth: int) -> int:
        from ._evaluate import BoundGroup

        if isinstance(item, Group):
            return self.sequence(item.items, env, depth + 1)
        if isinstance(item, Repeat):
            count = self.ev.expr(item.count, env)
            if not is_integer(count) or count < 0:
                raise _Unknown
            return int(count) * self.item(item.item, env, depth) if count else 0
        assert isinstance(item, Call)
        if item.name in self.ev.defs:
            return self.block(item, env, depth)
        rule = L.RULES.get(item.name)
        if rule is None:
            raise _Unknown
        total = 1
        if rule.variadic:
            for arg in item.args:
                value = None if isinstance(arg, Keyword) else self.ev.value(arg, env)
                if not isinstance(value, BoundGroup):
                    raise _Unknown
                total += self.sequence(value.group.items, value.env, depth + 1)
        return total

    def block(self, call: Call, env: Mapping[str, Any], depth: int) -> int:
        definition = self.ev.defs[call.name]
        if call.name in self.calls or any(isinstance(a, Keyword) for a in call.args):
            raise _Unknown
        if len(call.args) != len(definition.params):
            raise _Unknown
        values = tuple(self.ev.value(arg, env) for arg in call.args)
        try:
            key: tuple[Any, ...] | None = (call.name, values)
            hash(key)
        except TypeError:  # a group passed as an argument
            key = None
        if key is not None and key in self.memo:
            return self.memo[key]
        self.misses += 1
        if self.misses > self.budget:
            raise TooManySteps
        self.calls.append(call.name)
        try:
            bound = {**self.ev.globals, **dict(zip(definition.params, values))}
            count = self.sequence(definition.body, bound, depth + 1)
        finally:
            self.calls.pop()
        if key is not None:
            self.memo[key] = count
        return count
