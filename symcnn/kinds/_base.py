"""What a layer kind is: its names, its typed signature, its rule, its PyTorch module and
its row of the docs, in one definition.

A kind is a subclass of :class:`Kind` registered with :func:`register`; an instance
holds what the subclass's constructor was given (the activations are one class with many
instances). Every consumer asks the kind: the evaluator (``needs``, the signature,
:meth:`Kind.apply` or, for a merge, :meth:`Merge.combine`), ``to_dsl`` (:meth:`Kind.to_dsl`),
``to_torch`` (:meth:`Kind.to_torch`), the importers of models (``torch_ops``, ``onnx_ops``,
:meth:`Kind.from_torch`, :meth:`Kind.from_onnx`), "did you mean" (``foreign``) and the
random-network generator of the tests (the signature's types). None keeps a table of kinds.

Shapes are channels-last tuples: ``(f,)`` a vector, ``(l, c)`` a 1-D signal,
``(h, w, c)`` an image, ``(d, h, w, c)`` a volume; the entries before the channels are
the spatial sizes, and their number is the shape's *rank* (0 for a vector).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from .._math import ZERO
from ..errors import SymcnnError
from ._reading import Op
from ._types import DIMENSIONS, OPTIONAL, REQUIRED, Check, Like, Param

__all__ = ["DIMENSIONS", "REQUIRED", "OPTIONAL", "Check", "Like", "Param", "Kind", "Merge",
           "Out", "Needs", "register", "kinds", "lookup", "rank", "show"]

Shape = tuple[Any, ...]  # of ints or sympy expressions (see _math)


def rank(shape: Shape) -> int:
    """The number of spatial dimensions of a channels-last shape (0 for a vector)."""
    return len(shape) - 1


def show(shape: Shape) -> str:
    return "(" + ", ".join(str(v) for v in shape) + ")"


@dataclass(frozen=True)
class Out:
    """What a rule computes: the output shape, the trainable and non-trainable parameters
    (as a textbook writes them, see ``_math.formula``) and the multiply-accumulates."""
    shape: Shape
    params: Any = ZERO
    non_trainable: Any = ZERO
    macs: Any = ZERO


class Needs:
    """What a kind takes as its input."""
    NOTHING = "nothing"  # the input layer
    SPATIAL = "spatial"  # a signal, an image or a volume
    ANY = "any"


class Kind:
    """One layer kind. Subclasses set the class attributes and :meth:`apply`;
    :func:`register` makes an instance known by its name and aliases."""

    name: str = ""
    aliases: tuple[str, ...] = ()
    #: Keras, PyTorch and other spellings that mean this kind, for "did you mean";
    #: compared lower case, without underscores and without a ``1d``/``2d``/``3d`` end.
    foreign: tuple[str, ...] = ()
    signature: tuple[Param, ...] = ()
    needs: str = Needs.SPATIAL
    #: What the docs table says of the kind, after its signature.
    summary: str = ""

    # ---- the rule --------------------------------------------------------------------

    #: The rule, ``apply(check, x, **args) -> Out``: the output shape, parameters and MACs
    #: of a layer on input ``x``, with its arguments bound and converted by name. (A merge
    #: has :meth:`Merge.combine` instead.)
    apply: Callable[..., Out]

    @property
    def label(self) -> str:
        """What the layer's name in ``net.layers`` starts with: ``C`` in ``C2``."""
        return self.name

    # ---- printing ----------------------------------------------------------------------

    def signature_text(self) -> str:
        """``C(f, k, s=1, p=0, d=1, g=1, bias=true)``."""
        if not self.signature:
            return self.name
        return f"{self.name}({', '.join(p.text() for p in self.signature)})"

    def to_dsl(self, record: Any, branches: list[str]) -> str:
        """The layer of ``record`` in the language: required arguments by position, the
        others by keyword where they differ from their defaults; ``branches`` are a
        merge's branches, printed already."""
        args = record.args
        parts = []
        for param in self.signature:
            value = args.get(param.name)
            if param.default is REQUIRED:
                parts.append(param.type.show(value))
            elif value is not None and value != self.default_value(param, record):
                parts.append(f"{param.name}={param.type.show(value)}")
        return f"{self.name}({', '.join(parts)})" if parts else self.name

    def default_value(self, param: Param, record: Any) -> Any:
        """A parameter's default as its type holds values, for the layer of ``record``."""
        if param.default is OPTIONAL:
            return None
        if isinstance(param.default, Like):
            return record.args[param.default.other]
        return param.type.held(param.default, rank(record.input_shape))

    # ---- receptive field ---------------------------------------------------------------

    def window(self, record: Any) -> tuple[tuple[Any, Any, Any], ...]:
        """The layer's step in the receptive field (``symcnn._receptive``): per spatial
        dimension its effective kernel ``d(k - 1) + 1``, its stride and the padding
        before the first position. A kind whose outputs do not each see a window of its
        input has none, and says so."""
        raise NoWindow(f"{self.name} ({self.summary}) has no receptive field: its outputs "
                       "do not each see a window of its input")

    # ---- PyTorch -----------------------------------------------------------------------

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        """The ``torch.nn`` module of one layer (``record`` as ``net.layers`` has it,
        with numbers); ``children`` are a merge's branches, built already."""
        raise SymcnnError(f"{self.name} has no PyTorch module yet")

    # ---- importing (symcnn.from_torch, symcnn.from_onnx; see _reading) -----------------

    #: The PyTorch module classes, functions and tensor methods this kind reads
    #: (``Conv2d``, ``relu``), and the ONNX operator types (``Conv``). Where several kinds
    #: read one name, the one registered last is asked first: it is the more specific
    #: (``DW`` before ``C``, ``Res`` before ``Add``).
    torch_ops: tuple[str, ...] = ()
    onnx_ops: tuple[str, ...] = ()

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        """The layer's arguments for an imported PyTorch operation, as ``record.args``
        holds them, or ``None`` when this kind does not fit it; raises ``Unfit`` with a
        hint when it names the operation but cannot say it. A kind without arguments
        fits as it is."""
        return None if self.signature else {}

    def from_onnx(self, op: Op) -> dict[str, Any] | None:
        """As :meth:`from_torch`, for an ONNX node."""
        return None if self.signature else {}

    def from_merge(self, merge: str, branches: list[list[tuple[str, dict[str, Any]]]],
                   channels: Any) -> dict[str, Any] | None:
        """The layer's arguments when an imported merge of kind ``merge``, whose
        ``branches`` hold each layer as its kind's name and arguments, on an input of
        ``channels``, is a layer of this kind that writes those branches itself (``SE``
        for ``Mul([], [G C(q, 1) ReLU C(c, 1) Sigmoid])``); else None."""
        return None


class NoWindow(SymcnnError):
    """A kind without a receptive field (``G``, ``D``, ``T``, ...)."""


def same_window(record: Any) -> tuple[tuple[Any, Any, Any], ...]:
    """The window of a layer that keeps every position: size 1, stride 1, no padding
    (``BN``, activations, ``Drop``)."""
    return ((1, 1, 0),) * rank(record.input_shape)


class Merge(Kind):
    """A kind whose arguments are branches, each a group that starts from the same
    input: :meth:`combine` joins their output shapes, :meth:`torch_combine` their
    tensors."""

    needs = Needs.ANY
    #: Whether the merge's output positions are its input's (a side output, a gate),
    #: so that its receptive field is its input's rather than its branches'.
    keeps_input_field = False
    #: Whether the branches may come in any order (a sum), as an import writes them.
    unordered = False
    #: Whether the branches' outputs leave the network (a side output) instead of
    #: meeting in the merge, which passes its input on; diagrams draw them so.
    side_output = False
    #: Whether the merge interpolates its branch's output to another size (``Resize``),
    #: so that its outputs do not each see one window of its input.
    interpolates = False

    @property
    def label(self) -> str:
        return self.name.lower()

    def too_many(self, count: int) -> str | None:
        """What is wrong with a ``count``-th branch, as the branches are read."""
        return None

    def too_few(self, count: int) -> str | None:
        """What is wrong with ``count`` branches written, once all are read."""
        return None

    def complete(self, count: int) -> int:
        """How many branches the merge has when ``count`` are written (``Res`` adds the
        identity shortcut)."""
        return count

    def branch_labels(self, count: int) -> list[str]:
        return [f"branch{i}" for i in range(1, count + 1)]

    def branch_input(self, check: Check, x: Shape, count: int) -> Shape:
        """The shape each of ``count`` branches starts from: the merge's input, or a
        part of it (``Split`` gives each branch its share of the channels)."""
        return x

    def expand(self, check: Check, x: Shape, args: dict[str, Any],
               at: Any) -> list[tuple[Any, dict[str, Any]]] | None:
        """The branches of a merge that writes its own from its arguments (``SE``): each
        a group of the language (``_tree.Group``, placed at ``at``) and the values of
        the names it reads. ``None``: the branches are those written, bound to the
        ``branches`` argument."""
        return None

    def combine(self, check: Check, x: Shape, branches: list[Shape]) -> Out:
        raise NotImplementedError(f"{type(self).__name__}.combine")

    def torch_combine(self, outputs: list[Any]) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.torch_combine")

    def to_dsl(self, record: Any, branches: list[str]) -> str:
        return f"{self.name}(" + ", ".join(f"[{b}]" for b in branches) + ")"

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from .._torch_modules import Branches

        return Branches(self.torch_combine, children)


# ---- the registry ------------------------------------------------------------------------

REGISTRY: dict[str, Kind] = {}  # by name and by every alias
_KINDS: list[Kind] = []  # each once, in the order of docs/language.md

K = TypeVar("K", bound=Kind)


def register(kind: K | type[K]) -> Any:
    """Makes ``kind`` known by its name and aliases; a name taken twice is a bug. As a
    class decorator it registers an instance of the class and returns the class."""
    if isinstance(kind, type):
        register(kind())
        return kind
    for key in (kind.name, *kind.aliases):
        if key in REGISTRY:
            raise AssertionError(f"the kind name {key} is taken twice")
        REGISTRY[key] = kind
    _KINDS.append(kind)
    return kind


def kinds() -> list[Kind]:
    """Every kind once, in the order of docs/language.md."""
    return list(_KINDS)


def lookup(name: str) -> Kind | None:
    return REGISTRY.get(name)

