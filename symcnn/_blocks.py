"""The program of an imported model, written as a person would: repeated structure as
``def`` blocks with parameters, runs as repetitions.

The module tree is the hint. Consecutive layers that one module computes (a torchvision
``Bottleneck``, ``layer1``, an ``InvertedResidual``) are a *unit*. Units that compute the
same layers up to whole-number arguments (widths, strides, repetition counts) are
instances of one block: ``def bottleneck(c, s) = ...``, where a parameter stands for
each argument that differs between instances (``4 * c`` or ``c // 4`` where one is a
fixed multiple of another), and each instance is a call, ``bottleneck(64, 1)``. Blocks
are found from the innermost units out, so a block may call the blocks inside it (a
ResNet stage calls its bottlenecks). A unit that does not repeat is written as its
layers. In every sequence, a run of equal terms, or of equal groups of terms, is one
repetition: ``bottleneck(64) * 2``, ``[C(64, 3) ReLU] * 3``.

A block is named after its module's class (``Bottleneck`` as ``bottleneck``), or for a
container (``Sequential``), or in an ONNX graph, whose node names hold the module paths
but not their classes, after its path (``layer1`` as ``layer``); where one name fits
several blocks, the one called most keeps it and the others are numbered.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Hashable, Iterator, Protocol, Sequence, Union

from .kinds import Merge, lookup

__all__ = ["program"]


class Item(Protocol):
    """What a block reads of a layer of the program being written
    (``_importing.Item``)."""
    node: Any
    kind: Any
    args: dict[str, Any]
    branches: list[list[Any]]


_CONTAINERS = frozenset(("Sequential", "ModuleList", "ModuleDict", ""))
#: A parameter named after the argument it stands for; a convolution's filters as c.
_ROLES = {"f": "c"}


class _Record:
    """What ``Kind.to_dsl`` reads of a layer: its arguments and its input's rank."""

    def __init__(self, args: dict[str, Any], rank: int):
        self.args = args
        self.input_shape = (0,) * (rank + 1)


class _Expr(str):
    """A block's parameter, or an expression of one (``4 * c``), where a layer's
    argument is printed; printed as it is."""


# ---- the module tree: units ------------------------------------------------------------

@dataclass(eq=False)
class _Leaf:
    item: Item
    branches: list[list[_Part]]


@dataclass(eq=False)
class _Unit:
    owner: tuple[str, str]  # the module's path and class
    parts: list[_Part]
    height: int = 1
    terms: list[_Term] = field(default_factory=list)  # once written: a call, or its terms


_Part = Union[_Leaf, _Unit]


def _scopes(item: Item) -> list[tuple[tuple[str, str], ...]]:
    out = [item.node.scope]
    for branch in item.branches:
        for inner in branch:
            out.extend(_scopes(inner))
    return out


def _branches(item: Item) -> list[list[Any]]:
    """The branches the program writes: none for a kind that writes its own (``SE``)."""
    kind = item.kind
    return [] if isinstance(kind, Merge) and type(kind).expand is not Merge.expand \
        else item.branches


def _owners(item: Item) -> tuple[tuple[str, str], ...]:
    """The modules that compute all of ``item`` (its branches too), outermost first."""
    scopes = _scopes(item)
    common = 0
    while all(len(s) > common and s[common] == scopes[0][common] for s in scopes):
        common += 1
    return scopes[0][:common]


def _parts(items: Sequence[Item], depth: int, units: list[_Unit]) -> list[_Part]:
    """``items``, which the modules of their first ``depth`` scopes all compute, as
    leaves and the units of the modules at ``depth``."""
    runs: list[tuple[tuple[str, str] | None, list[Item]]] = []
    for item in items:
        owners = _owners(item)
        owner = owners[depth] if len(owners) > depth else None
        if runs and owner is not None and runs[-1][0] == owner:
            runs[-1][1].append(item)
        else:
            runs.append((owner, [item]))
    out: list[_Part] = []
    for owner, run in runs:
        if owner is None:
            for item in run:
                inner = len(_owners(item))
                out.append(_Leaf(item, [_parts(b, inner, units) for b in _branches(item)]))
            continue
        unit = _Unit(owner, _parts(run, depth + 1, units))
        unit.height = 1 + max((_height(p) for p in unit.parts), default=0)
        units.append(unit)
        out.append(unit)
    return out


def _height(part: _Part) -> int:
    if isinstance(part, _Unit):
        return part.height
    return max((_height(p) for b in part.branches for p in b), default=0)


# ---- terms: what a sequence of the program holds ---------------------------------------

@dataclass(eq=False)
class _Layer:
    item: Item
    branches: list[list[_Term]]


@dataclass(eq=False)
class _Block:
    units: list[_Unit]
    body: list[_Term]
    fills: list[Any]  # for each of the body's numbers: a number, or a parameter's _Expr
    params: list[str]
    name: str = ""


@dataclass(eq=False)
class _Call:
    block: _Block
    values: tuple[int, ...]


@dataclass(eq=False)
class _Repeat:
    body: list[_Term]
    count: int


_Term = Union[_Layer, _Call, _Repeat]
_HOLE = "#"


def _skeleton(term: _Term, values: list[tuple[int, str]]) -> Hashable:
    """What ``term`` is with its whole numbers left out; they are appended to ``values``
    in order, each with the name of what it stands for."""
    if isinstance(term, _Layer):
        args = tuple((name, _holes(value, name, values))
                     for name, value in sorted(term.item.args.items()))
        branches = tuple(tuple(_skeleton(t, values) for t in b) for b in term.branches)
        return (term.item.kind.name, args, branches)
    if isinstance(term, _Call):
        values.extend(zip(term.values, term.block.params))
        return ("call", id(term.block))
    body = tuple(_skeleton(t, values) for t in term.body)
    values.append((term.count, "r"))
    return ("*", body)


def _holes(value: Any, name: str, values: list[tuple[int, str]]) -> Hashable:
    if type(value) is int:
        values.append((value, name))
        return _HOLE
    if isinstance(value, (tuple, list)):
        return tuple(_holes(v, name, values) for v in value)
    return value  # a word, a flag, a rate, None


def _signature(term: _Term) -> Hashable:
    values: list[tuple[int, str]] = []
    return _skeleton(term, values), tuple(v for v, _ in values)


def _repeated(terms: list[_Term]) -> list[_Term]:
    """Each run of equal terms, or of equal groups of terms, as one repetition; where
    runs overlap, the one that covers most."""
    signatures = [_signature(t) for t in terms]
    out: list[_Term] = []
    i, n = 0, len(terms)
    while i < n:
        best_length, best_count = 1, 1
        for length in range(1, (n - i) // 2 + 1):
            count = 1
            while (i + (count + 1) * length <= n and
                   signatures[i + count * length:i + (count + 1) * length]
                   == signatures[i:i + length]):
                count += 1
            if count > 1 and count * length > best_length * best_count:
                best_length, best_count = length, count
        if best_count > 1:
            body = terms[i:i + best_length]
            out.append(_Repeat(_repeated(body) if best_length > 1 else body, best_count))
        else:
            out.append(terms[i])
        i += best_length * best_count
    return out


def _terms(parts: list[_Part]) -> list[_Term]:
    out: list[_Term] = []
    for part in parts:
        if isinstance(part, _Unit):
            out.extend(part.terms)
        else:
            out.append(_Layer(part.item, [_terms(b) for b in part.branches]))
    return _repeated(out)


def _worth_a_block(terms: list[_Term]) -> bool:
    """Whether a unit says enough for a block: more than one term, or one merge."""
    return len(terms) > 1 or (isinstance(terms[0], _Layer) and bool(terms[0].branches))


# ---- blocks -----------------------------------------------------------------------------

#: Numbers written in terms of each other, by the arguments they are: widths (filters,
#: units, groups, multipliers), windows (kernel, padding, dilation); the others (strides,
#: repetitions) each only as itself.
_FAMILIES = {"c": "width", "u": "width", "g": "width", "m": "width",
             "k": "window", "p": "window", "d": "window"}


def _role(role: str) -> str:
    """A parameter's name without its number: ``c`` for ``f`` and for ``c2``."""
    return re.sub(r"\d+\Z", "", _ROLES.get(role, role)) or "v"


def _family(role: str) -> str:
    return _FAMILIES.get(_role(role), _role(role))


def _parameters(columns: list[tuple[int, ...]],
                roles: list[str]) -> tuple[list[Any], list[str], list[int]]:
    """For each number of a block's body (its values in every instance, ``columns``,
    each with the argument it is, ``roles``): a number where all instances agree, else
    a parameter, or a whole multiple or part of one of its family (``4 * c``,
    ``k // 2``). Of numbers of one argument that are multiples of each other, the
    smallest is the parameter. Returns those, the parameters' names, and for each
    parameter the column it takes its values from."""
    varying = [j for j, column in enumerate(columns) if len(set(column)) > 1]
    sources: list[int] = []
    for j in varying:
        smaller = any(_role(roles[i]) == _role(roles[j]) and columns[i] != columns[j]
                      and _factor(columns[j], columns[i]) for i in varying)
        kin = [("", columns[i]) for i in sources if _family(roles[i]) == _family(roles[j])]
        if not smaller and _related(columns[j], kin) is None:
            sources.append(j)
    names: list[str] = []
    for j in sources:
        name, number = _role(roles[j]), 2
        while name in names:
            name, number = f"{_role(roles[j])}{number}", number + 1
        names.append(name)
    fills: list[Any] = []
    for j, column in enumerate(columns):
        if j not in varying:
            fills.append(column[0])
            continue
        kin = [(names[i], columns[s]) for i, s in enumerate(sources)
               if _family(roles[s]) == _family(roles[j])]
        related = _related(column, kin)
        if related is None:  # no relation after all: a parameter of its own
            related = _Expr(f"{_role(roles[j])}{len(names) + 1}")
            names.append(related)
            sources.append(j)
        fills.append(related)
    return fills, names, sources


def _factor(column: tuple[int, ...], values: tuple[int, ...]) -> int | None:
    """``t`` where ``column`` is ``t`` times ``values`` throughout."""
    if not all(v and c % v == 0 for c, v in zip(column, values)):
        return None
    factors = {c // v for c, v in zip(column, values)}
    return factors.pop() if len(factors) == 1 else None


def _related(column: tuple[int, ...], params: list[tuple[str, tuple[int, ...]]]) -> Any:
    """``column`` as a parameter, a whole multiple of one or a part of one (``c // 4``,
    rounded down), if it is."""
    for name, values in params:
        if column == values:
            return _Expr(name)
        factor = _factor(column, values)
        if factor is not None:
            return _Expr(f"{factor} * {name}")
        for divisor in _DIVISORS:
            if all(c == v // divisor for c, v in zip(column, values)):
                return _Expr(f"{name} // {divisor}")
    return None


#: The divisors tried for a number that is a part of another (``k // 2``, ``c // 4``).
_DIVISORS = (2, 3, 4, 6, 8, 16)


def _blocks(units: list[_Unit]) -> list[_Block]:
    """The units written from the innermost out: those that repeat as calls of blocks,
    the others as their terms. Returns the blocks, each after those it calls."""
    blocks: list[_Block] = []
    for height in sorted({u.height for u in units}):
        found: dict[Hashable, list[tuple[_Unit, list[tuple[int, str]]]]] = defaultdict(list)
        for unit in units:
            if unit.height != height:
                continue
            unit.terms = _terms(unit.parts)
            if _worth_a_block(unit.terms):
                values: list[tuple[int, str]] = []
                key = tuple(_skeleton(t, values) for t in unit.terms)
                found[key].append((unit, values))
        for instances in found.values():
            if len(instances) < 2:
                continue
            columns = list(zip(*(tuple(v for v, _ in values) for _, values in instances)))
            roles = [role for _, role in instances[0][1]]
            fills, params, sources = _parameters(columns, roles)
            block = _Block([u for u, _ in instances], instances[0][0].terms, fills, params)
            blocks.append(block)
            for unit, values in instances:
                unit.terms = [_Call(block, tuple(values[s][0] for s in sources))]
    _name(blocks)
    return blocks


def _base_name(owner: tuple[str, str]) -> str:
    """``Bottleneck`` as ``bottleneck``, ``_DenseLayer`` as ``dense_layer``; a container
    by its path: ``layer1`` as ``layer``, ``features.3`` as ``features_block``."""
    path, cls = owner
    if cls in _CONTAINERS:  # or a module whose class an ONNX graph does not say
        parts = [w for w in path.split(".") if w]
        numbered = bool(parts) and parts[-1].isdigit()
        names = [w for w in parts if not w.isdigit()]
        if not names:
            return "stage"
        cls = re.sub(r"\d+\Z", "", names[-1]) + ("_block" if numbered else "")
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", cls.strip("_")).lower()
    base = re.sub(r"\W", "_", snake).strip("_") or "block"
    return base if re.match(r"[a-z]", base) else f"b_{base}"


def _name(blocks: list[_Block]) -> None:
    """Each block's name: its module's, the block called most keeping it where blocks
    share one."""
    by_base: dict[str, list[_Block]] = defaultdict(list)
    for block in blocks:
        names = Counter(_base_name(unit.owner) for unit in block.units)
        by_base[names.most_common(1)[0][0]].append(block)
    taken: set[str] = set()
    for base, group in by_base.items():
        group = sorted(group, key=lambda b: -len(b.units))  # stable: else the first
        number = 1
        for block in group:
            name = base if number == 1 else f"{base}_{number}"
            while name in taken or lookup(name) is not None:
                number += 1
                name = f"{base}_{number}"
            taken.add(name)
            block.name = name
            number += 1


# ---- text ----------------------------------------------------------------------------

def _text(term: _Term, fills: Iterator[Any]) -> str:
    """A term as the language writes it; its numbers, in order, are taken from
    ``fills`` (the numbers themselves, or in a block's body its parameters)."""
    if isinstance(term, _Layer):
        item = term.item
        args = {name: _filled(value, fills) for name, value in sorted(item.args.items())}
        branches = [" ".join(_text(t, fills) for t in b) for b in term.branches]
        return item.kind.to_dsl(_Record(args, item.node.op.rank), branches)
    if isinstance(term, _Call):
        values = [str(next(fills)) for _ in term.values]
        return f"{term.block.name}({', '.join(values)})" if values else term.block.name
    body = [_text(t, fills) for t in term.body]
    count = next(fills)
    group = body[0] if len(body) == 1 else f"[{' '.join(body)}]"
    return f"{group} * {count if isinstance(count, int) or ' ' not in count else f'({count})'}"


def _filled(value: Any, fills: Iterator[Any]) -> Any:
    if type(value) is int:
        return next(fills)
    if isinstance(value, (tuple, list)):
        return type(value)(_filled(v, fills) for v in value)
    return value


def _own(term: _Term) -> Iterator[int]:
    """A term's numbers, in order, as its text takes them."""
    values: list[tuple[int, str]] = []
    _skeleton(term, values)
    return iter([v for v, _ in values])


def program(head: str, sequence: Sequence[Item]) -> str:
    """The program: the blocks, the input ``head``, then a line for each layer, call
    or repetition of the model's top level."""
    units: list[_Unit] = []
    top = _parts(sequence, 0, units)
    blocks = _blocks(units)
    lines = []
    for block in blocks:
        params = f"({', '.join(block.params)})" if block.params else ""
        fills = iter(block.fills)
        body = " ".join(_text(t, fills) for t in block.body)
        lines.append(f"def {block.name}{params} = {body}")
    lines.append(head)
    lines.extend(_text(term, _own(term)) for term in _terms(top))
    return "\n".join(lines)

