"""``symcnn.from_onnx``: an ONNX graph as a symcnn network.

The graph's one input gives the input's sizes, its named ones (``dim_param``) as names;
ONNX's shape inference, on a copy whose names take example values, gives each value's
shape. A node works on the data when one of its inputs comes from the input; the rest
(weights, ``Shape`` and the arithmetic on sizes that follows it) are constants. Each
data node becomes an :class:`~symcnn.kinds.Op` for the kinds to read; ``_importing``
does the rest.

This module imports onnx; ``import symcnn`` does not import it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import onnx
from onnx import helper, numpy_helper, shape_inference

from ._importing import Node, build, refuse_pickled, sizes_text
from .errors import ImportFailed, SymcnnError
from .kinds._reading import Op

__all__ = ["from_onnx"]

BATCH = 2
_FLOATS = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.DOUBLE,
           onnx.TensorProto.BFLOAT16}
#: Inputs that are running statistics, not trained: BN's mean and variance.
_STATISTICS = {"BatchNormalization": (3, 4)}
#: Operators whose result is about the data's shape, not the data.
_SHAPES = frozenset(("Shape", "Size"))
#: Inputs that later opsets take where earlier ones had attributes, read as those.
_AS_ATTRIBUTES = {"Clip": ("min", "max"), "Dropout": ("ratio",)}


def _load(model: Any) -> onnx.ModelProto:
    if isinstance(model, onnx.ModelProto):
        return model
    if not isinstance(model, (str, Path)):
        raise SymcnnError(f"from_onnx takes a path or an onnx.ModelProto, not "
                          f"{type(model).__name__}")
    refuse_pickled(model)
    try:
        return onnx.load(str(model))
    except OSError as error:
        raise SymcnnError(f"cannot read {model}: {error.strerror or error}") from None
    except Exception as error:  # protobuf's DecodeError, and what else a bad file raises
        raise SymcnnError(f"{model} is not an ONNX model ({type(error).__name__})") from None


def _shape(value: onnx.ValueInfoProto) -> tuple[Any, ...]:
    dims = value.type.tensor_type.shape.dim
    return tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or None)
                 for d in dims)


def _attributes(node: onnx.NodeProto) -> dict[str, Any]:
    out = {}
    for attribute in node.attribute:
        value = helper.get_attribute_value(attribute)
        out[attribute.name] = value.decode() if isinstance(value, bytes) else value
    return out


def from_onnx(model: Any, *, example: Mapping[str, int] | None = None) -> Any:
    proto = _load(model)
    graph = proto.graph
    constants: dict[str, onnx.TensorProto] = {t.name: t for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and node.attribute and node.attribute[0].t.dims:
            constants[node.output[0]] = node.attribute[0].t
        elif node.op_type == "Identity" and node.input[0] in constants:
            constants[node.output[0]] = constants[node.input[0]]
    inputs = [value for value in graph.input if value.name not in constants]
    if len(inputs) != 1:
        raise ImportFailed(f"the graph has {len(inputs)} inputs; symcnn reads models of one")
    given = _shape(inputs[0])
    if len(given) < 2 or None in given[1:]:
        raise ImportFailed(f"the input {inputs[0].name!r} has the shape {given}; symcnn reads "
                           "a batch, then channels-first sizes, each a number or a name")
    sizes, names = sizes_text(given[1:], f"the shape of the input {inputs[0].name!r}")
    for name, value in (example or {}).items():
        if name not in names:
            raise SymcnnError(f"example gives {name!r}, which is no name of the input shape")
        names[name] = int(value)
    shapes = _inferred(proto, inputs[0], names)
    return _build(graph, inputs[0].name, constants, shapes, sizes, names)


def _inferred(proto: onnx.ModelProto, x: onnx.ValueInfoProto,
              names: Mapping[str, int]) -> dict[str, tuple[int, ...]]:
    """Every value's shape, on a copy whose input has the example sizes (and whose
    weights have their shapes but not their values: copying them takes long)."""
    copy = onnx.ModelProto(ir_version=proto.ir_version, opset_import=proto.opset_import,
                           functions=proto.functions)
    graph = copy.graph
    for part in ("node", "input", "output", "value_info"):
        getattr(graph, part).extend(getattr(proto.graph, part))
    for w in proto.graph.initializer:
        if w.data_type in _FLOATS:
            graph.initializer.add(name=w.name, data_type=w.data_type, dims=w.dims)
        else:  # sizes, which the shapes may depend on
            graph.initializer.append(w)
    value = next(v for v in copy.graph.input if v.name == x.name)
    for i, dim in enumerate(value.type.tensor_type.shape.dim):
        size = BATCH if i == 0 else (dim.dim_value or names[dim.dim_param])
        dim.Clear()
        dim.dim_value = size
    try:
        inferred = shape_inference.infer_shapes(copy, data_prop=True)
    except Exception as error:
        raise ImportFailed(f"ONNX's shape inference fails on this graph: {error}") from None
    g = inferred.graph
    return {v.name: tuple(int(d) if isinstance(d, int) else 0 for d in _shape(v))
            for v in [*g.input, *g.value_info, *g.output]}


def _build(graph: onnx.GraphProto, x: str, constants: Mapping[str, onnx.TensorProto],
           shapes: Mapping[str, tuple[int, ...]], sizes: list[str],
           example: Mapping[str, int]) -> Any:
    first = Node(Op("input", x, (), shapes.get(x, ())), [])
    data: dict[str, Node] = {x: first}
    owners: dict[str, int] = {}
    params = statistics = 0
    for index, node in enumerate(graph.node):
        inputs = [data[i] for i in node.input if i in data]
        if not inputs or node.op_type in _SHAPES:
            continue
        weights = tuple(tuple(constants[i].dims) if i in constants else None
                        for i in node.input)
        counts = [_numel(constants[i]) if i in constants and
                  constants[i].data_type in _FLOATS else 0 for i in node.input]
        stats = sum(counts[i] for i in _STATISTICS.get(node.op_type, ()) if i < len(counts))
        attrs = _attributes(node)
        for i, name in enumerate(_AS_ATTRIBUTES.get(node.op_type, ()), start=1):
            if i < len(node.input) and node.input[i] in constants:
                attrs[name] = numpy_helper.to_array(constants[node.input[i]]).item()
        where = node.name or f"node {index}"
        op = Op(node.op_type, where, tuple(i.op.output for i in inputs),
                shapes.get(node.output[0], ()), attrs=attrs, weights=weights)
        trained = sum(counts) - stats
        made = Node(op, inputs, where if sum(counts) else None, trained, stats,
                    _scope(node.name))
        if sum(counts):
            owners[where] = sum(counts)
        params, statistics = params + trained, statistics + stats
        for out in node.output[:1]:
            data[out] = made
    outputs = [data[o.name] for o in graph.output if o.name in data]
    if len(graph.output) != 1 or not outputs:
        raise ImportFailed("the graph has more than one output, or none computed from its "
                           "input; symcnn reads models with one output")
    return build(first, outputs[0], sizes, example, "onnx", owners, (params, statistics))


def _scope(name: str) -> tuple[tuple[str, str], ...]:
    """The modules a node ran in, as ``torch.onnx.export`` names nodes
    (``/layer1/layer1.0/conv1/Conv``): their paths, without their classes."""
    if not name.startswith("/"):
        return ()
    return tuple((path, "") for path in name.split("/")[1:-1])


def _numel(tensor: onnx.TensorProto) -> int:
    count = 1
    for d in tensor.dims:
        count *= int(d)
    return count
