"""``symcnn.from_torch``: a PyTorch module as a symcnn network.

``torch.fx`` traces the module into a graph of module calls and functions (or where it
cannot, ``torch.export`` does, at the example sizes, see ``_exported``); the module
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
import io
import logging
from typing import Any, Iterator, Mapping, Sequence

import torch
from torch import fx, nn
from torch.nn import functional as F
from torch.fx.passes.shape_prop import ShapeProp, TensorMetadata

from ._importing import DEFAULT_SIZE, Node, _readers, build, sizes_text
from .errors import ImportFailed, SymcnnError
from .kinds._reading import Op

__all__ = ["from_torch"]

#: Calls that hand their tensor on unchanged, as far as shapes and counts go.
#: torchvision's stochastic depth drops a residual branch while training, and while
#: predicting passes it on.
_PASSES = frozenset(("contiguous", "clone", "detach", "float", "to", "type_as",
                     "stochastic_depth"))
BATCH = 2  # the example's batch: 2, so that it cannot be mistaken for a size of 1
#: torchvision's (MaxViT's) modules that cut a map (batch, c, h, w) into partitions
#: (batch, partitions, positions, c), swap partitions and positions (grid partitions:
#: positions spread over the map), and put the map back together: a layout, which the
#: operations between them see through, as the map with its channels last
_PARTITIONING = ("WindowPartition", "SwapAxes", "WindowDepartition")


def _torch_class(module: nn.Module) -> str | None:
    """The name of the first ``torch.nn`` (or torchvision) class of ``module`` that a
    kind reads: torchvision's Swin attention is read whole, as ``WMSA``."""
    readers = _readers("torch")
    for cls in type(module).__mro__:
        if cls.__module__.startswith(("torch.nn", "torchvision.")) and \
                cls.__name__ in readers:
            return cls.__name__
    return None


def _partitioning(module: nn.Module) -> str | None:
    """The name of ``module``'s class if it is one of torchvision's ``_PARTITIONING``."""
    cls = type(module)
    return cls.__name__ if cls.__module__.startswith("torchvision.") and \
        cls.__name__ in _PARTITIONING else None


class _Tracer(fx.Tracer):
    def is_leaf_module(self, m: nn.Module, qualified_name: str) -> bool:
        return (_torch_class(m) is not None or _partitioning(m) is not None
                or super().is_leaf_module(m, qualified_name))


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


def _trace(module: nn.Module, shape: tuple[int, ...]) -> fx.GraphModule:
    """The module's graph of module calls and functions: torch.fx's, or where fx
    cannot trace the forward (Python that reads sizes, ``if x.shape[-1] > 32``),
    torch.export's at the example ``shape``, read back into such a graph."""
    try:
        graph = _Tracer().trace(module)
    except Exception as error:  # fx raises whatever the module's Python code does
        try:
            return _exported(module, shape)
        except Exception as second:  # and export whatever it meets
            raise ImportFailed(
                f"torch.fx cannot trace the model: {_first_line(error)}; nor can "
                f"torch.export: {_first_line(second)}; symcnn reads models whose forward "
                "does the same for every input of a shape (no branching on a tensor's "
                "values)") from None
    return fx.GraphModule(module, graph)


def _exported(module: nn.Module, shape: tuple[int, ...]) -> fx.GraphModule:
    """torch.export's graph of ATen operations, as a graph of module calls (each module
    that a kind reads, from the operations that ran inside it) and of the functions
    of ``torch`` and ``torch.nn.functional`` named as the other operations are."""
    device = next((p.device for p in module.parameters()), torch.device("cpu"))
    x = torch.empty((BATCH, *shape), device=device)
    # where export fails, it writes the graph to standard error and logs, then raises
    disabled = logging.root.manager.disable
    logging.disable(max(disabled, logging.WARNING))
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            program = torch.export.export(module, (x,), strict=False)
    finally:
        logging.disable(disabled)
    signature = program.graph_signature
    weights = {**signature.inputs_to_parameters, **signature.inputs_to_buffers}
    graph = fx.Graph()
    env: dict[fx.Node, fx.Node] = {}
    call: tuple[str, fx.Node] | None = None  # the module call being read
    for n in program.graph.nodes:
        if n.op == "placeholder":
            env[n] = (graph.get_attr(weights[n.name]) if n.name in weights
                      else graph.placeholder(n.name))
            continue
        if n.op == "output":
            graph.output(env[n.args[0][0]])
            continue
        stack = [(str(path), str(cls).rpartition(".")[2])
                 for path, cls in (n.meta.get("nn_module_stack") or {}).values() if path]
        leaf = next((i for i, (path, _) in enumerate(stack)
                     if _torch_class(module.get_submodule(path)) is not None), None)
        if leaf is not None:
            path = stack[leaf][0]
            if call is None or call[0] != path:
                data = [a for a in n.all_input_nodes if a.name not in weights]
                call = (path, graph.call_module(path, (env[data[0]],) if data else ()))
                call[1].meta["nn_module_stack"] = {p: (p, c) for p, c in stack[:leaf + 1]}
            env[n] = call[1]
            continue
        call = None
        args, kwargs = fx.node.map_arg((n.args, n.kwargs), lambda a: env[a])
        if not hasattr(n.target, "overloadpacket"):  # operator.getitem of a split
            made = graph.call_function(n.target, args, kwargs)
        else:
            plain = n.target.overloadpacket.__name__.rstrip("_")  # in place or not
            function = getattr(F, plain, None) or getattr(torch, plain, None)
            if callable(function):
                made = graph.call_function(function, args, kwargs)
            elif hasattr(torch.Tensor, plain):  # view, contiguous
                made = graph.call_method(plain, args, kwargs)
            else:
                made = graph.call_function(n.target, args, kwargs)
        made.meta["nn_module_stack"] = {p: (p, c) for p, c in stack}
        env[n] = made
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
        # where a node fails, ShapeProp prints its traceback before it raises
        with torch.no_grad(), contextlib.redirect_stderr(io.StringIO()):
            torch.func.functional_call(shapes, state, (x,))
    except Exception as error:
        raise ImportFailed(f"the model does not run on an input of {tuple(shape)}: "
                           f"{_first_line(error)}; give other sizes with example=") from None


def _shape(node: fx.Node, first: bool = False) -> tuple[int, ...] | None:
    """The shape of the tensor a node gives (``first``: of the first of the tensors)."""
    meta: Any = node.meta.get("tensor_meta")
    if first and _several(meta):
        meta = meta[0]
    return tuple(int(v) for v in meta.shape) if isinstance(meta, TensorMetadata) else None


def _several(meta: Any) -> bool:
    """Whether a node's ``tensor_meta`` is of several results (a ``TensorMetadata``
    is a named tuple too)."""
    return isinstance(meta, (tuple, list)) and not isinstance(meta, TensorMetadata) \
        and bool(meta)


def _constants(traced: fx.GraphModule) -> set[fx.Node]:
    """The nodes computed from the model's parameters and buffers alone, not from its
    input: ``self.class_token.expand(n, -1, -1)`` is a weight, as its parameter is."""
    found: set[fx.Node] = set()
    for n in traced.graph.nodes:
        inputs = [i for i in n.all_input_nodes if "tensor_meta" in i.meta]  # not sizes
        if n.op == "get_attr" or (n.op in ("call_function", "call_method") and inputs
                                  and all(i in found for i in inputs)):
            found.add(n)
    return found


def _weight(arg: Any, constants: set[fx.Node]) -> tuple[int, ...] | None:
    """The shape of a weight that a call takes as an argument (or, in a list such as
    ``torch.cat``'s, first), else None."""
    if isinstance(arg, (list, tuple)):
        return next((w for w in (_weight(a, constants) for a in arg) if w is not None), None)
    return _shape(arg) if isinstance(arg, fx.Node) and arg in constants else None


def _first_result_only(n: fx.Node) -> bool:
    """Whether ``n`` gives several results of which only the first is used
    (``nn.MultiheadAttention``'s output and its unused weights)."""
    return (_several(n.meta.get("tensor_meta")) and bool(n.users)
            and all(_name_of(u) == "getitem" and u.args[1] == 0
                    for u in n.users if u.users))


def _takes_first(n: fx.Node) -> bool:
    """Whether ``n`` is ``result[0]`` of a module call that only its first result is
    used of."""
    args: Any = n.args
    return (_name_of(n) == "getitem" and isinstance(args[0], fx.Node) and args[1] == 0
            and args[0].op == "call_module" and _first_result_only(args[0]))


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


def _statistics(module: nn.Module, called: frozenset[str] = frozenset(("",))) -> int:
    """The buffers that symcnn counts: BatchNorm's running statistics, and every buffer
    of a module called as one operation (Swin's relative position index) but BatchNorm's
    counter of batches; ``called`` are those modules' paths."""
    return sum(b.numel() for name, b in module.named_buffers()
               if name.endswith(("running_mean", "running_var")) or (
                   not name.endswith("num_batches_tracked")
                   and any(p in called for p in ("", *_prefixes(name)[:-1]))))


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
        traced = _trace(module, shape)
        _run(traced, shape)
    return _build(module, traced, sizes, names)


def _build(module: nn.Module, traced: fx.GraphModule, sizes: list[str],
           example: Mapping[str, int]) -> Any:
    # the nodes that give tensors (a parameter, read by get_attr and perhaps broadcast,
    # is no operation)
    constants = _constants(traced)
    tensors = {n for n in traced.graph.nodes if "tensor_meta" in n.meta and n not in constants}
    unread = tensors | constants  # the arguments that kinds see as None
    nodes: dict[fx.Node, Node] = {}
    output: Node | None = None
    called: set[str] = set()
    last: set[fx.Node] = set()  # tensors permuted to channels last
    shares: dict[fx.Node, tuple[fx.Node, int]] = {}  # the share of a chunk it started from
    pads: dict[fx.Node, tuple[tuple[int, int], ...]] = {}  # zeros put around a conv's input
    # tensors of a map cut into partitions: the map's shape (channels first) and
    # whether the partitions are a grid's
    cut: dict[fx.Node, tuple[tuple[int, ...], bool]] = {}
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
        given = _tensor_inputs(n, tensors)
        inputs = [nodes[i] for i in given]
        if given and given[0] in last:
            last.add(n)
        if len(given) == 1 and given[0] in shares:
            shares[n] = shares[given[0]]
        out = _shape(n) or ()
        if n.op == "call_module" and _first_result_only(n):
            out = _shape(n, first=True) or ()
        if n.op == "placeholder":
            nodes[n] = Node(Op("input" if not nodes else "placeholder", str(n.target), (), out),
                            [])
            continue
        scope = _scope(n)
        share = _share(n)
        if share is not None:  # x.chunk(2, dim=1)[i]: a branch from x, on its i-th share
            shares[n] = share
            whole: Any = share[0].args[0]
            nodes[n] = Node(Op("getitem", str(n), output=out), [nodes[whole]], passes=True)
            continue
        shuffled = _shuffled(n)
        if shuffled is not None:  # torchvision's channel_shuffle: view, transpose, view
            x, groups = shuffled
            nodes[n] = Node(Op("channel_shuffle", scope[-1][0] if scope else "forward",
                               (_shape(x) or (),), out, args=(None, groups)),
                            [nodes[x]], scope=scope)
            continue
        step = _partitioning(traced.get_submodule(str(n.target))) \
            if n.op == "call_module" else None
        if step is not None and given:  # MaxViT's partitions: the layout, not the data
            if step == "WindowDepartition":
                last.discard(n)
            else:
                map_shape, grid = cut.get(given[0], (inputs[0].op.output, False))
                cut[n] = (map_shape, grid != (step == "SwapAxes"))
                last.add(n)
            nodes[n] = Node(Op(step, str(n), output=cut[n][0] if n in cut else out),
                            inputs, passes=True)
            continue
        if given and given[0] in cut and n not in cut:
            cut[n] = cut[given[0]]
        turned = _permuted(n, given[0] in last if given else False)
        if turned is not None:  # to channels last and back: the layout, not the data
            (last.add if turned else last.discard)(n)
            nodes[n] = Node(Op("permute", str(n), output=_first(out) if turned else out),
                            inputs, passes=True)
            continue
        # a node's output is channels first (as symcnn reads it) where it is permuted
        # last, and so are its inputs' already
        layout = _first if n in last else tuple
        shapes = tuple(i.op.output for i in inputs)
        args = dict(args=_stripped(n.args, unread), kwargs=_stripped(n.kwargs, unread),
                    channels_last=n in last)
        out = layout(out)
        if n in cut:  # on partitions: the map's sizes, with the channels the call gives
            map_shape, grid = cut[n]
            out = (map_shape[0], out[1], *map_shape[2:])
            args["partition"] = "grid" if grid else "window"
        if _takes_first(n):  # x, _ = attention(x, x, x): the module's first result
            nodes[n] = Node(Op("getitem", str(n), output=out), inputs, passes=True)
            continue
        zeros = _zero_pads(traced, n)
        if zeros is not None and len(n.users) == 1 and _takes_pads(traced, next(iter(n.users))):
            pads[n] = zeros  # taken in by the convolution that follows
            nodes[n] = Node(Op("pad", str(n), output=out), inputs, passes=True)
            continue
        if n.op == "call_module":
            sub = traced.get_submodule(str(n.target))
            params = sum(p.numel() for p in sub.parameters())
            nodes[n] = Node(Op(_torch_class(sub) or type(sub).__name__, str(n.target), shapes,
                               out, module=sub, pads=pads.get(given[0], ()) if given else (),
                               **args),
                            inputs, str(n.target) if params else None, params,
                            _statistics(sub), scope)
            called.add(str(n.target))
            continue
        name = n.target if isinstance(n.target, str) else getattr(
            n.target, "__name__", str(n.target))
        where = scope[-1][0] if scope else "forward"
        weights = tuple(_weight(a, constants) for a in n.args)
        owner, params = _parameters_used(traced, n, constants)
        if name == "mean" and _drops_spatial(n, shapes):  # x.mean((2, 3)): G, then F
            kept = (*out, *(1,) * (len(shapes[0]) - 2))
            pooled = Node(Op(name, where, shapes, kept, args=(None, tuple(range(2, len(kept)))),
                             kwargs={"keepdim": True}), inputs, scope=scope)
            nodes[n] = Node(Op("flatten", where, (kept,), out), [pooled], scope=scope)
            continue
        nodes[n] = Node(Op(name, where, shapes, out, weights=weights,
                           shares=_shares(given, shares), **args),
                        inputs, owner, params, scope=scope,
                        passes=name in _PASSES and len(inputs) == 1)
    assert output is not None
    # a module called as one operation holds all its parameters; a parameter used
    # directly goes to the operation that uses it (ViT's class token, its position
    # embedding), with the others that operation uses
    direct = {path: node.owner for node in nodes.values() if node.op.module is None
              and node.owner for path in node.owner.split(", ")}
    owners: dict[str, int] = {}
    for path, sub in module.named_modules():
        for name, parameter in sub.named_parameters(recurse=False):
            full = f"{path}.{name}" if path else name
            key = next((p for p in _prefixes(path) if p in called), None) if path else None
            key = key or direct.get(full, path)
            owners[key] = owners.get(key, 0) + parameter.numel()
    totals = (sum(p.numel() for p in module.parameters()),
              _statistics(module, frozenset(called)))
    return build(next(iter(nodes.values())), output, sizes, example, "torch", owners, totals)


def _zero_pads(traced: fx.GraphModule, n: fx.Node) -> tuple[tuple[int, int], ...] | None:
    """The ``(before, after)`` zeros of each spatial dimension that ``n`` pads its input
    with, if it is ``nn.ZeroPad2d`` (``ConstantPad`` of 0) or ``F.pad`` with zeros."""
    args: Any = n.args
    if n.op == "call_module":
        sub = traced.get_submodule(str(n.target))
        if not isinstance(sub, (nn.ConstantPad1d, nn.ConstantPad2d, nn.ConstantPad3d)) \
                or sub.value != 0:
            return None
        flat = tuple(sub.padding)
    elif _name_of(n) == "pad" and n.op == "call_function":
        flat = tuple(_int_arg(n, "pad", 1, ()))
        if _int_arg(n, "mode", 2, "constant") != "constant" or _int_arg(n, "value", 3, 0):
            return None
    else:
        return None
    shape = _shape(args[0]) if isinstance(args[0], fx.Node) else None
    if shape is None or len(flat) != 2 * (len(shape) - 2) or \
            not all(isinstance(v, int) and v >= 0 for v in flat):
        return None
    # PyTorch's pads start from the last dimension: (left, right, top, bottom)
    return tuple(reversed([(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]))


def _takes_pads(traced: fx.GraphModule, n: fx.Node) -> bool:
    """Whether ``n`` is a convolution (not transposed) that pads with zeros."""
    if n.op != "call_module":
        return False
    sub = traced.get_submodule(str(n.target))
    return isinstance(sub, (nn.Conv1d, nn.Conv2d, nn.Conv3d)) and sub.padding_mode == "zeros"


def _first(shape: tuple[int, ...]) -> tuple[int, ...]:
    """A channels-last shape, (batch, ..., channels), channels first."""
    return (shape[0], shape[-1], *shape[1:-1]) if len(shape) > 2 else shape


def _parameters_used(traced: fx.GraphModule, n: fx.Node,
                     constants: set[fx.Node]) -> tuple[str | None, int]:
    """The parameters a call uses directly (ConvNeXt's ``layer_scale * x``; ViT's class
    token, broadcast to the batch first), their paths joined by ", ", and their number."""
    used: list[fx.Node] = []
    stack = [a for a in n.all_input_nodes if a in constants]
    while stack:
        a = stack.pop()
        if a.op != "get_attr":
            stack.extend(a.all_input_nodes)
        elif a not in used:
            used.append(a)
    params = 0
    paths = []
    for a in used:
        try:
            params += traced.get_parameter(str(a.target)).numel()
        except AttributeError:  # a buffer, not a parameter
            continue
        paths.append(str(a.target))
    return ", ".join(sorted(paths)) or None, params


def _name_of(n: fx.Node) -> str:
    return n.target if isinstance(n.target, str) else getattr(n.target, "__name__", "")


def _int_arg(n: fx.Node, name: str, index: int, default: Any) -> Any:
    value = n.kwargs.get(name, n.args[index] if index < len(n.args) else default)
    return value.meta.get("value", value) if isinstance(value, fx.Node) else value


def _share(n: fx.Node) -> tuple[fx.Node, int] | None:
    """``(chunk, i)`` for the ``i``-th of equal shares of a tensor's channels."""
    args: Any = n.args
    if _name_of(n) != "getitem" or not isinstance(args[0], fx.Node):
        return None
    whole, index = args
    if _name_of(whole) not in ("chunk", "split", "tensor_split") or not isinstance(index, int):
        return None
    pieces = whole.meta.get("tensor_meta")
    x = whole.args[0]
    if (_int_arg(whole, "dim", 2, 0) != 1 or not isinstance(pieces, (tuple, list))
            or not isinstance(x, fx.Node) or _shape(x) is None):
        return None
    channels = {int(p.shape[1]) for p in pieces if isinstance(p, TensorMetadata)}
    shape = _shape(x) or ()
    if len(channels) != 1 or channels.pop() * len(pieces) != shape[1]:
        return None
    return whole, index


def _shares(given: list[fx.Node], shares: Mapping[fx.Node, tuple[fx.Node, int]]) -> int:
    """How many shares of one chunk the inputs start from, each in order; else 0."""
    found = [shares.get(g) for g in given]
    if not found or any(f is None for f in found):
        return 0
    whole = found[0][0] if found[0] else None
    pieces = whole.meta.get("tensor_meta") if whole is not None else None
    if (any(f[0] is not whole or f[1] != i for i, f in enumerate(found) if f)
            or not isinstance(pieces, (tuple, list)) or len(pieces) != len(found)):
        return 0
    return len(found)


def _shuffled(n: fx.Node) -> tuple[fx.Node, int] | None:
    """``(x, g)`` where ``n`` ends a channel shuffle of ``x`` in ``g`` groups written as
    torchvision writes it: ``x.view(b, g, c // g, h, w)``, ``transpose(1, 2)``
    (``.contiguous()``), ``view(b, c, h, w)``."""
    args: Any = n.args
    if _name_of(n) not in ("view", "reshape") or not isinstance(args[0], fx.Node):
        return None
    turned: Any = args[0]
    while _name_of(turned) in _PASSES and isinstance(turned.args[0], fx.Node):
        turned = turned.args[0]
    if _name_of(turned) != "transpose" or sorted(turned.args[1:3]) != [1, 2]:
        return None
    grouped = turned.args[0]
    if not isinstance(grouped, fx.Node) or _name_of(grouped) not in ("view", "reshape"):
        return None
    x: Any = grouped.args[0]
    shape, split, out = (_shape(x) if isinstance(x, fx.Node) else None), _shape(grouped), \
        _shape(n)
    if shape is None or split is None or out != shape or len(split) != len(shape) + 1:
        return None
    if split[:1] + split[3:] != shape[:1] + shape[2:] or split[1] * split[2] != shape[1]:
        return None
    return x, split[1]


def _permuted(n: fx.Node, last: bool) -> bool | None:
    """Whether ``n`` permutes a tensor to channels last (True) or back (False), as
    ConvNeXt's ``Permute([0, 2, 3, 1])`` does; None for any other call."""
    args: Any = n.args
    if _name_of(n) not in ("permute", "transpose") or not isinstance(args[0], fx.Node):
        return None
    if _name_of(n) == "transpose":  # tokens' x.transpose(1, 2): (batch, c, l) and back
        pair = {_int_arg(n, "dim0", 1, None), _int_arg(n, "dim1", 2, None)}
        if len(_shape(args[0]) or ()) != 3 or pair not in ({1, 2}, {-1, -2}, {1, -1},
                                                            {-2, 2}):
            return None
        dims: Any = (0, 2, 1)
    else:
        dims = args[1] if len(args) == 2 and isinstance(args[1], (tuple, list)) else args[1:]
        given: Any = n.kwargs.get("dims", dims)
        dims = tuple(given)
    rank = len(dims) - 2
    if rank < 1:
        return None
    to_last = (0, *range(2, rank + 2), 1)
    back = (0, rank + 1, *range(1, rank + 1))
    if dims == to_last and not last:
        return True
    return False if dims == back and last else None


def _drops_spatial(n: fx.Node, shapes: tuple[tuple[int, ...], ...]) -> bool:
    """Whether ``n`` is ``x.mean((2, 3))``: a mean over every spatial size that leaves
    (batch, channels)."""
    if len(shapes) != 1 or len(shapes[0]) < 3 or _int_arg(n, "keepdim", 2, False):
        return False
    dims = _int_arg(n, "dim", 1, None)
    dims = dims if isinstance(dims, (tuple, list)) else (dims,)
    rank = len(shapes[0])
    return {d % rank for d in dims if isinstance(d, int)} == set(range(2, rank))


def _prefixes(path: str) -> list[str]:
    parts = path.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
