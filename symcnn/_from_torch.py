"""``symcnn.from_torch``: a PyTorch module as a symcnn network.

``torch.fx`` traces the module into a graph of module calls and functions; the module
then runs once, on the ``meta`` device (shapes only: no memory, no arithmetic, its own
weights untouched), at example sizes, so that each operation's shapes are known; each
operation becomes an :class:`~symcnn.kinds.Op` for the kinds to read, and
``_importing`` does the rest. A module counts as one operation (fx does not trace into
it) when one of its classes is a ``torch.nn`` module that a kind reads, so a subclass of
``nn.Conv2d`` reads as a convolution.

This module imports torch; ``import symcnn`` does not import it.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Mapping, Sequence

import torch
from torch import fx, nn
from torch.fx.passes.shape_prop import ShapeProp, TensorMetadata

from ._importing import DEFAULT_SIZE, Node, _readers, build, sizes_text
from .errors import ImportFailed, SymcnnError
from .kinds._reading import Op

__all__ = ["from_torch"]

#: Calls that hand their tensor on unchanged, as far as shapes and counts go.
_PASSES = frozenset(("contiguous", "clone", "detach", "float", "to", "type_as"))
BATCH = 2  # the example's batch: 2, so that it cannot be mistaken for a size of 1


def _torch_class(module: nn.Module) -> str | None:
    """The name of the first ``torch.nn`` class of ``module`` that a kind reads."""
    readers = _readers("torch")
    for cls in type(module).__mro__:
        if cls.__module__.startswith("torch.nn") and cls.__name__ in readers:
            return cls.__name__
    return None


class _Tracer(fx.Tracer):
    def is_leaf_module(self, m: nn.Module, qualified_name: str) -> bool:
        return _torch_class(m) is not None or super().is_leaf_module(m, qualified_name)


@contextlib.contextmanager
def _evaluating(module: nn.Module) -> Iterator[None]:
    """The module in eval mode while it is traced, as it runs to predict; its modes are
    put back after."""
    modes = [(m, m.training) for m in module.modules()]
    module.train(False)  # eval mode
    try:
        yield
    finally:
        for m, training in modes:
            m.training = training


def _trace(module: nn.Module) -> fx.GraphModule:
    try:
        graph = _Tracer().trace(module)
    except Exception as error:  # fx raises whatever the module's Python code does
        raise ImportFailed(f"torch.fx cannot trace the model: {_first_line(error)}; "
                           "symcnn reads models whose forward is the same Python for every "
                           "input (no branching on a tensor's values)") from None
    return fx.GraphModule(module, graph)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


class _Shapes(nn.Module):
    """Runs the traced graph, recording each node's shape (``ShapeProp``), inside a
    module whose weights ``functional_call`` can swap for meta tensors."""

    def __init__(self, traced: fx.GraphModule):
        super().__init__()
        self.traced = traced

    def forward(self, x: torch.Tensor) -> Any:
        return ShapeProp(self.traced).propagate(x)


def _run(traced: fx.GraphModule, shape: tuple[int, ...]) -> None:
    shapes = _Shapes(traced)
    state = {name: torch.empty_like(value, device="meta")
             for name, value in [*shapes.named_parameters(), *shapes.named_buffers()]}
    x = torch.empty((BATCH, *shape), device="meta")
    try:
        with torch.no_grad():
            torch.func.functional_call(shapes, state, (x,))
    except Exception as error:
        raise ImportFailed(f"the model does not run on an input of {tuple(shape)}: "
                           f"{_first_line(error)}; give other sizes with example=") from None


def _shape(node: fx.Node) -> tuple[int, ...] | None:
    meta = node.meta.get("tensor_meta")
    return tuple(int(v) for v in meta.shape) if isinstance(meta, TensorMetadata) else None


def _stripped(value: Any, tensors: set[fx.Node]) -> Any:
    """A call's argument with its tensors as None (the kinds read only the others)."""
    if isinstance(value, fx.Node):
        return None if value in tensors else _constant(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_stripped(v, tensors) for v in value)
    return value


def _constant(node: fx.Node) -> Any:
    return node.meta.get("value", node)  # an int computed from shapes stays a node


def _tensor_inputs(node: fx.Node, tensors: set[fx.Node]) -> list[fx.Node]:
    found: list[fx.Node] = []
    fx.node.map_arg((node.args, node.kwargs),
                    lambda n: found.append(n) if n in tensors and n not in found else None)
    return found


def _scope(node: fx.Node) -> tuple[tuple[str, str], ...]:
    stack = node.meta.get("nn_module_stack") or {}
    scope = tuple((str(path), getattr(cls, "__name__", str(cls)))
                  for path, cls in stack.values())
    if node.op == "call_module" and scope and scope[-1][0] == node.target:
        scope = scope[:-1]
    return scope


def _statistics(module: nn.Module) -> int:
    return sum(b.numel() for name, b in module.named_buffers()
               if name.endswith(("running_mean", "running_var")))


def from_torch(module: Any, input_shape: Sequence[Any], *,
               example: Mapping[str, int] | None = None) -> Any:
    """The network of a PyTorch module, as ``symcnn.from_torch`` documents it."""
    if not isinstance(module, nn.Module):
        raise SymcnnError(f"from_torch takes a torch.nn.Module, not {type(module).__name__}")
    sizes, names = sizes_text(input_shape, "the input shape")
    for name, value in (example or {}).items():
        if name not in names:
            raise SymcnnError(f"example gives {name!r}, which is no name of the input shape")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SymcnnError(f"example: {name} takes a whole number of at least 1, "
                              f"not {value!r}")
        names[name] = value
    shape = tuple(names.get(v, DEFAULT_SIZE) if isinstance(v, str) else v
                  for v in input_shape)
    with _evaluating(module):
        traced = _trace(module)
        _run(traced, shape)
    return _build(module, traced, sizes, names)


def _build(module: nn.Module, traced: fx.GraphModule, sizes: list[str],
           example: Mapping[str, int]) -> Any:
    # the nodes that give tensors (a parameter read by get_attr is no operation)
    tensors = {n for n in traced.graph.nodes if "tensor_meta" in n.meta and n.op != "get_attr"}
    nodes: dict[fx.Node, Node] = {}
    output: Node | None = None
    called: set[str] = set()
    for n in traced.graph.nodes:
        if n.op == "output":
            result = n.args[0]
            if not isinstance(result, fx.Node) or result not in nodes:
                raise ImportFailed("the model returns something other than one tensor; "
                                   "symcnn reads models with one output")
            output = nodes[result]
            continue
        if n not in tensors:
            continue  # sizes and arithmetic on them, parameters
        inputs = [nodes[i] for i in _tensor_inputs(n, tensors)]
        shapes = tuple(i.op.output for i in inputs)
        out = _shape(n) or ()
        args = dict(args=_stripped(n.args, tensors), kwargs=_stripped(n.kwargs, tensors))
        if n.op == "placeholder":
            nodes[n] = Node(Op("input" if not nodes else "placeholder", str(n.target), (), out),
                            [])
        elif n.op == "call_module":
            sub = traced.get_submodule(str(n.target))
            params = sum(p.numel() for p in sub.parameters())
            nodes[n] = Node(Op(_torch_class(sub) or type(sub).__name__, str(n.target), shapes,
                               out, module=sub, **args),
                            inputs, str(n.target) if params else None, params,
                            _statistics(sub), _scope(n))
            called.add(str(n.target))
        else:
            name = n.target if isinstance(n.target, str) else getattr(
                n.target, "__name__", str(n.target))
            scope = _scope(n)
            nodes[n] = Node(Op(name, scope[-1][0] if scope else "forward", shapes, out, **args),
                            inputs, scope=scope, passes=name in _PASSES and len(inputs) == 1)
    assert output is not None
    owners: dict[str, int] = {}
    for path, sub in module.named_modules():
        own = sum(p.numel() for p in sub.parameters(recurse=False))
        if own:  # a module called as one operation holds all its parameters
            key = next((p for p in _prefixes(path) if p in called), path)
            owners[key] = owners.get(key, 0) + own
    totals = (sum(p.numel() for p in module.parameters()), _statistics(module))
    return build(next(iter(nodes.values())), output, sizes, example, "torch", owners, totals)


def _prefixes(path: str) -> list[str]:
    parts = path.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
