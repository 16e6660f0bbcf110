"""The ``symcnn`` command: a network's per-layer table and totals, or its closed form,
in text, Markdown, LaTeX, JSON or CSV; or a diagram of it (DOT, SVG, TikZ).

``symcnn NETWORK`` (or ``-f FILE``) is the main command; other commands are words in
``COMMANDS`` (``symcnn zoo``). A new command is two small functions, one that adds its
options to an ``argparse`` parser and one that runs it and returns the exit status, and
one line in ``COMMANDS``; ``_output_options`` and ``_show`` are there for commands that
print a network. Bad input ends as one short message on standard error and exit status
2, never a traceback; see ``docs/cli.md``. Every message goes out through ``_say``, which
escapes the control characters of whatever user text it quotes; every result through
``standard_output``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from . import limits
from ._version import __version__
from .errors import DSLSyntaxError, ShapeError, SymcnnError, warnings_as_lines

if TYPE_CHECKING:
    from ._memory import Memory
    from .network import Network

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 130, 141  # the shell's 128 + SIGINT, + SIGPIPE
MAX_ERROR_LINES = 20
MAX_ERROR_WIDTH = 120

EXAMPLES = """\
examples:
  symcnn "I(28,28,1) C(32,5) P(2) C(32,3) P(2) D(256) O(10)"
      the table: each layer's output shape, parameters (5·5·1 + 1)·32 = 832, MACs
  symcnn -f examples/vgg16.cnn --format markdown
  symcnn "I(n,n,1) C(32,k) P(2) D(10)" --set n=28 k=5
      values for the free symbols n and k; any left out stay symbols
  symcnn "I(n,n,c) C(f,k,s=s,p=p)" --formula --assume-divisible
      the totals in closed form, floors dropped: c·f·k²·((n + 2p − k)/s + 1)²
  symcnn -f net.cnn --format latex --latex document > net.tex
  echo "I(32,32,3) C(16,3,p=1) G O(10)" | symcnn -f - --format json
  symcnn -f model.onnx         an ONNX model's table; symcnn import model.onnx, its program
  symcnn zoo                   the zoo's networks and their totals at n = 224 (t = 16)
  symcnn zoo vgg16 --set n=224
  symcnn zoo resnet18 --format svg > resnet18.svg
      a diagram (also dot for Graphviz, tikz for LaTeX)
  symcnn plot resnet18 --range 32:512 -o plot.png

exit status: 0 success, 2 bad input or an invalid network (message on stderr).
"""


class _Parser(argparse.ArgumentParser):
    """argparse's parser, its messages (which quote the arguments) said by ``_say``."""

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            _say(message.rstrip("\n"))
        raise SystemExit(status)


@dataclass(frozen=True)
class Command:
    """A word after ``symcnn`` that does something other than print one network:
    ``arguments`` adds its options to its parser, ``run`` does the work."""
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


# ---- options shared by every command that prints a network -----------------------

def _output_options(parser: argparse.ArgumentParser) -> None:
    from ._memory import DTYPES, OPTIMIZERS
    from .render import FORMATS

    parser.add_argument("--set", action="extend", nargs="+", default=[],
                        metavar="NAME=VALUE",
                        help="values for free symbols, such as n=28 k=5 or m=2*k "
                             "(expressions in the network language)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format (default: text)")
    parser.add_argument("--layout", choices=("hwc", "chw"), default="hwc",
                        help="show image shapes channels last (hwc, default) or first (chw)")
    parser.add_argument("--latex", choices=("table", "align", "document"), default="table",
                        dest="latex_kind",
                        help="with --format latex: a booktabs table (default), an align "
                             "derivation, or a standalone document")
    parser.add_argument("--width", type=int, metavar="COLUMNS",
                        help="fit the text table to COLUMNS characters (default: the "
                             "terminal's width on a terminal, no limit when piped)")
    parser.add_argument("--percent", action="store_true",
                        help="add each layer's share of the trainable parameters and of "
                             "the MACs, rounded to 0.1%% for display (text or markdown)")
    parser.add_argument("--rf", action="store_true",
                        help="print each layer's receptive field (size, effective stride "
                             "and padding) instead of its counts (text or markdown)")
    memory = parser.add_argument_group(
        "memory", "any of these adds the memory to the totals: the activations per sample, "
                  "and the bytes of the weights, a batch's input and activations, and a "
                  "training step (see docs/conventions.md)")
    memory.add_argument("--batch", metavar="B",
                        help="the batch size: a whole number, or a symbol's name such as b "
                             "(default: 1)")
    memory.add_argument("--dtype", choices=tuple(DTYPES),
                        help="the number type of weights and activations (default: float32)")
    memory.add_argument("--optimizer", choices=tuple(OPTIMIZERS),
                        help="the optimiser whose state the training estimate counts: sgd "
                             "(none), momentum (1 value per parameter), adam (2; default)")
    closed = parser.add_argument_group("closed forms")
    closed.add_argument("--formula", action="store_true",
                        help="print only the totals in closed form")
    closed.add_argument("--assume-divisible", action="store_true",
                        help="drop the floors, as if every stride divided its size (exact "
                             "only where every division it drops is whole)")
    closed.add_argument("--multiples", action="store_true",
                        help="write n as a multiple of the total stride (n = 32·m for "
                             "ResNet): the floors vanish, exact at every such size")
    how = closed.add_mutually_exclusive_group()
    how.add_argument("--expand", action="store_true", help="expand the closed form")
    how.add_argument("--factor", action="store_true", help="factor the closed form")
    how.add_argument("--collect", metavar="SYMBOL", help="collect by powers of SYMBOL")


def _values(items: Sequence[str]) -> dict[str, str]:
    values = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise SymcnnError(f"--set takes NAME=VALUE, such as n=28, not {item!r} "
                              "(give the network before --set)")
        values[name.strip()] = value.strip()
    return values


def _width(args: argparse.Namespace) -> int | None:
    if args.width is not None:
        return max(int(args.width), 20)
    if sys.stdout is not None and sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


@contextlib.contextmanager
def standard_output() -> Iterator[TextIO]:
    """Standard output, for a command's result. A closed or full one is a failure the
    user can mend (``SymcnnError``, exit 2); a reader that went away (``| head``) raises
    ``BrokenPipeError``, which ``main`` ends quietly with 141."""
    out = sys.stdout
    if out is None:
        raise SymcnnError("standard output is closed")
    try:
        yield out
        out.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        _silence_stdout()  # or Python reports the unwritten rest again at exit
        raise SymcnnError(f"cannot write to standard output: {error.strerror or error}"
                          ) from None


def _print(text: str) -> None:
    """A command's whole result, on standard output. A file's bytes are handed to
    ``os.write`` until every one is out: one large buffered write that a closing pipe
    cuts short can report success having written only its first part."""
    with standard_output() as out:
        try:
            fd = out.fileno()
        except (OSError, ValueError):  # not a file (a caller's StringIO)
            out.write(text)
            return
        out.flush()
        data = memoryview(text.encode(out.encoding, out.errors or "strict"))
        while data:
            data = data[os.write(fd, data):]


def _at(text: str, args: argparse.Namespace) -> Network:
    """The network of ``text`` with the values of ``--set``: computed with them from
    the start (with numbers, without sympy), not parsed with symbols and then
    substituted."""
    from .network import parse, parse_at

    return parse_at(text, _values(args.set), strict=True) if args.set else parse(text)


def _show(net: Network, args: argparse.Namespace) -> int:
    """Prints ``net`` as the output options ask; ``--set`` has been applied."""
    from .render import render, render_formulas

    if getattr(args, "multiples", False):
        stride = net.total_stride()
        net = net.on_multiples("n", stride, "m")
        if args.format == "text":
            _print(f"n = {stride}·m\n")
    width = _width(args)
    if args.rf:
        from .render import render_receptive

        out = render_receptive(net, args.format, width=width)
    elif args.formula:
        out = render_formulas(net, args.format, width=width, collect=args.collect,
                              factor=args.factor, expand=args.expand,
                              assume_divisible=args.assume_divisible)
    else:
        out = render(net, args.format, layout=args.layout, width=width,
                     latex_kind=args.latex_kind, memory=_memory(net, args),
                     percents=args.percent)
    _print(out)
    return EXIT_OK


def _memory(net: Network, args: argparse.Namespace) -> Memory | None:
    """The memory that ``--batch``, ``--dtype`` or ``--optimizer`` ask for, or None."""
    if args.batch is None and args.dtype is None and args.optimizer is None:
        return None
    batch: int | str = 1 if args.batch is None else args.batch.strip()
    if isinstance(batch, str) and batch.isdigit():
        if len(batch) > 20:
            raise SymcnnError(f"--batch {batch[:20]}…: a batch of more than 20 digits")
        batch = int(batch)
    return net.memory(batch, args.dtype or "float32", args.optimizer or "adam")


# ---- the main command: symcnn NETWORK | -f FILE ------------------------------------

def _main_parser() -> argparse.ArgumentParser:
    commands = "\n".join(f"  symcnn {name:<6} {c.help}" for name, c in COMMANDS.items())
    parser = _Parser(
        prog="symcnn",
        description="Exact, symbolic output shapes, parameter counts and MACs of a\n"
                    "convolutional network written in the symcnn language.",
        epilog=(f"commands:\n{commands}\n\n" if commands else "") + EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("network", nargs="?", help="the network, in the symcnn language")
    parser.add_argument("-f", "--file", help="read the network from FILE ('-': standard input)")
    _output_options(parser)
    parser.add_argument("--version", action="version", version=f"symcnn {__version__}")
    return parser


def _read(args: argparse.Namespace, parser: argparse.ArgumentParser) -> str:
    if (args.network is None) == (args.file is None):
        parser.error("give the network as text or with -f FILE (one of them)")
    if args.file is None:
        return str(args.network)
    return read_source(args.file)


def read_source(name: str) -> str:
    """The text that ``-f NAME`` names: the file NAME, or standard input for ``-``, as
    UTF-8 and no further than ``MAX_TEXT`` characters (``parse`` refuses the rest)."""
    from . import limits

    if name != "-":
        from .network import read_text

        try:
            return read_text(name)
        except UnicodeDecodeError:
            raise SymcnnError(f"{name} is not UTF-8 text") from None
        except (OSError, ValueError) as error:  # ValueError: a NUL in the name
            raise SymcnnError(f"cannot read {name}: {getattr(error, 'strerror', None) or error}"
                              ) from None
    stdin = sys.stdin
    if stdin is None:
        raise SymcnnError("standard input is closed")
    binary = getattr(stdin, "buffer", None)
    if binary is None:  # a caller's text stream
        return stdin.read(limits.MAX_TEXT + 1)
    try:
        data = binary.read(4 * limits.MAX_TEXT + 4)  # enough for MAX_TEXT + 1 characters
    except OSError as error:
        raise SymcnnError(f"cannot read standard input: {error.strerror or error}") from None
    if len(data) > 4 * limits.MAX_TEXT:
        raise limits.exceeded(f"standard input has more than {limits.MAX_TEXT:,} characters",
                              "MAX_TEXT")
    try:  # decoded here, strictly, whatever the locale's encoding
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SymcnnError("standard input is not UTF-8 text") from None


def _table_command(argv: Sequence[str]) -> int:
    parser = _main_parser()
    args = parser.parse_args(argv)
    if args.file is not None and args.network is None and _is_model(args.file):
        net = _imported(args.file)
        return _show(net.subs(_values(args.set)) if args.set else net, args)
    return _show(_at(_read(args, parser), args), args)


# ---- symcnn import: a model file's program ------------------------------------------

def _is_model(name: str) -> bool:
    from ._importing import PICKLED

    return name.lower().endswith((".onnx", *PICKLED))


def _imported(path: str) -> Network:
    """The network of an ONNX file; a pickled PyTorch file is refused unread."""
    from ._importing import refuse_pickled
    from .importing import from_onnx

    refuse_pickled(path)
    if not path.lower().endswith(".onnx"):
        raise SymcnnError(f"{path}: symcnn imports ONNX files (.onnx)")
    return from_onnx(path)


def _import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="an ONNX file (.onnx)")


def _import(args: argparse.Namespace) -> int:
    _print(_imported(args.model).source + "\n")
    return EXIT_OK


# ---- symcnn zoo ----------------------------------------------------------------------

def _zoo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", help="a zoo network (symcnn zoo lists them)")
    _output_options(parser)


def _zoo(args: argparse.Namespace) -> int:
    from . import zoo
    from .render import overview

    if args.name is not None:
        # h= and w= make the zoo's square input I(n, n, c) into I(h, w, c)
        sides = any(key in ("h", "w") for key in _values(args.set or []))
        return _show(_at(zoo.source(args.name, rectangular=sides), args), args)
    if args.formula:
        raise SymcnnError("--formula needs a network: symcnn zoo NAME --formula")
    # The listing compares networks at one size: ImageNet's 224, and 16 frames for the
    # video networks, unless --set says otherwise; each network takes the values of the
    # symbols it has.
    values = {"n": "224", "t": "16", **_values(args.set)}
    nets = []
    for name in zoo.names():
        try:
            nets.append((name, zoo.load(name, values)))
        except ShapeError as error:
            first_line = str(error).splitlines()[0]
            _say(f"symcnn: {name} is left out, it is invalid here: {first_line}")
    _print(overview(nets, args.format, width=_width(args)))
    return EXIT_OK


# ---- symcnn sweep: the work is in symcnn/sweep.py; here, reading its arguments ----------

_ITEM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=([0-9.,:]+)$")
_RANGE = re.compile(r"^([0-9]+)(?:\.\.([0-9]+)(?::([0-9]+))?)?$")

SWEEP_EXAMPLES = """\
values: NAME=LIST, where LIST is comma-separated integers and ranges A..B (both ends
included), optionally with a step A..B:STEP; every free symbol needs a LIST.

examples:
  symcnn sweep "I(n,n,3) C(f,k) P(2) D(10)" n=32..64 k=3,5,7 f=16..128:16
  symcnn sweep -f examples/zoo/vgg16.cnn n=32..1024:32 -o vgg16.csv
  symcnn sweep resnet50 h=224..512:32 w=224,384
"""


def _sweep_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``symcnn sweep``."""
    parser.epilog = SWEEP_EXAMPLES
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("items", nargs="*", metavar="NETWORK | NAME=LIST",
                        help="the network, in the symcnn language or a zoo name (or -f "
                             "FILE), then the values of each free symbol; a zoo network "
                             "takes h= and w= for its height and width apart")
    parser.add_argument("-f", "--file", help="read the network from FILE ('-' for stdin)")
    parser.add_argument("-o", "--output", help="write the CSV to OUTPUT instead of standard "
                                               "output")


def _sweep(args: argparse.Namespace) -> int:
    """``symcnn sweep`` (registered in ``cli.COMMANDS``): writes one CSV line per
    configuration (see :class:`symcnn.sweep.Sweep` for the columns). Raises ``SymcnnError`` for bad
    input."""
    from . import zoo
    from .network import parse
    from .sweep import check_size, numpy

    try:
        numpy()
    except ImportError as error:
        raise SymcnnError(str(error)) from None
    texts = [item for item in args.items if not _ITEM.match(item)]
    if len(texts) + (args.file is not None) != 1:
        raise SymcnnError("give one network, as text or with -f FILE, then NAME=LIST "
                          "values such as n=32..64 k=3,5,7" +
                          (f" (not understood: {', '.join(texts[1:] or texts)})"
                           if texts else ""))
    ranges = dict(_ranges(item) for item in args.items if _ITEM.match(item))
    check_size({name: sum(map(len, parts)) for name, parts in ranges.items()})
    grid = {name: list(itertools.chain(*parts)) for name, parts in ranges.items()}
    if texts and texts[0] in zoo.names():  # h= and w= make its square input I(h, w, c)
        sides: dict[str, Any] = {side: side for side in ("h", "w") if side in grid}
        net = zoo.load(texts[0], sides)
    else:
        net = parse(texts[0] if texts else read_source(args.file))
    table = net.sweep(grid)
    if args.output is None:
        with standard_output() as out:
            table.to_csv(out)
        return 0
    try:
        with open(args.output, "w", encoding="utf-8", newline="") as file:
            table.to_csv(file)
    except OSError as error:
        raise SymcnnError(f"cannot write {args.output}: {error.strerror or error}") from None
    return 0


def _ranges(item: str) -> tuple[str, list[range]]:
    """``n=1,4..8:2`` as ``("n", [range(1, 2), range(4, 9, 2)])``: ranges, whose lengths
    are known before their values are made."""
    match = _ITEM.match(item)
    assert match is not None
    name, text = match.groups()
    parts = []
    for part in text.split(","):
        bounds = _RANGE.match(part)
        if bounds is None:
            raise SymcnnError(f"{item}: {part!r} is not an integer or a range A..B or "
                              "A..B:STEP")
        start, stop, step = bounds.groups()
        digits = max(len(number) for number in (start, stop, step) if number)
        if digits * 3.33 > limits.MAX_BITS + 4:  # before int() converts them
            raise limits.exceeded(f"{name}: a number of {digits:,} digits", "MAX_BITS")
        if step is not None and int(step) == 0:
            raise SymcnnError(f"{item}: the step of a range must be at least 1")
        last = start if stop is None else stop
        parts.append(range(int(start), int(last) + 1, int(step or 1)))
    return name, parts


# ---- symcnn compare ------------------------------------------------------------------

def _compare_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("networks", nargs="+", metavar="NETWORK",
                        help="zoo names, files or network texts")
    _output_options(parser)


def _compare(args: argparse.Namespace) -> int:
    from .render import overview

    values = _values(args.set)
    nets = [(item, _named_network(item, values)) for item in args.networks]
    _print(overview(nets, args.format, width=_width(args), detail=True))
    return EXIT_OK


def _named_network(item: str, values: dict[str, str]) -> Network:
    """The network ``item`` names: a zoo name, a file or a network's text, with those
    of ``values`` that are its free symbols put in."""
    from . import zoo
    from .network import parse

    if item in zoo.names():
        net = zoo.load(item)
    elif os.path.isfile(item):
        net = parse(read_source(item))
    else:
        net = parse(item)
    free = {s.name for s in net.symbols}
    given = {k: v for k, v in values.items() if k in free}
    return net.subs(given) if given else net


# ---- symcnn plot: the drawing is in symcnn/render/_plot.py -----------------------------

_PLOT_RANGE = re.compile(r"^([0-9]+):([0-9]+(?::[0-9]+)?)$")


def _plot_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("network", metavar="NETWORK",
                        help="a zoo name, a file or a network's text, with one free symbol")
    parser.add_argument("--range", required=True, metavar="A:B[:STEP]", dest="values",
                        help="the values of the free symbol: A to B, both included")
    parser.add_argument("-o", "--output", required=True,
                        help="the picture's file; its extension picks the format (.png, "
                             ".svg, .pdf)")
    parser.add_argument("--set", action="extend", nargs="+", default=[], metavar="NAME=VALUE",
                        help="values for the other free symbols")


def _plot(args: argparse.Namespace) -> int:
    """``symcnn plot``: the trainable parameters and MACs against the free symbol."""
    from .render._plot import free_symbol, plot

    match = _PLOT_RANGE.match(args.values)
    if match is None:
        raise SymcnnError(f"--range takes A:B or A:B:STEP, such as 32:512, not {args.values!r}")
    if match[2].partition(":")[2].lstrip("0") == "" and ":" in match[2]:
        raise SymcnnError(f"--range {args.values}: the step must be at least 1")
    net = _named_network(args.network, _values(args.set))
    symbol = free_symbol(net)
    _, parts = _ranges(f"{symbol}={match[1]}..{match[2]}")
    values = list(itertools.chain(*parts))
    drawn = plot(net, args.output, values, title=args.network if len(args.network) <= 60
                 else None)
    _print(f"{args.output}: {drawn} of {len(values)} values of {symbol} "
           f"({len(values) - drawn} invalid, left out)\n")
    return EXIT_OK


# ---- symcnn solve ----------------------------------------------------------------------

def _solve_arguments(parser: argparse.ArgumentParser) -> None:
    from ._solve import BOUNDS

    parser.add_argument("network", nargs="?", help="the network, in the symcnn language")
    parser.add_argument("-f", "--file", help="read the network from FILE ('-': standard input)")
    parser.add_argument("--zoo", metavar="NAME", help="a zoo network instead")
    parser.add_argument("--set", action="extend", nargs="+", default=[], metavar="NAME=VALUE",
                        help="values for the other free symbols")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--largest", metavar="SYMBOL",
                       help="the largest valid SYMBOL whose totals are at most the bounds")
    which.add_argument("--smallest", metavar="SYMBOL",
                       help="the smallest valid SYMBOL whose totals are at least the bounds")
    which.add_argument("--valid", metavar="SYMBOL",
                       help="every value of SYMBOL for which the network is valid, as a "
                            "congruence (no bounds)")
    for bound in BOUNDS:
        parser.add_argument(f"--{bound.replace('_', '-')}", dest=bound, type=int,
                            metavar="N", help=f"a bound on {bound}")


def _solve(args: argparse.Namespace) -> int:
    from . import zoo
    from ._solve import BOUNDS
    from .network import parse

    given = [args.network is not None, args.file is not None, args.zoo is not None]
    if sum(given) != 1:
        raise SymcnnError("give one network: as text, with -f FILE or with --zoo NAME")
    net = (zoo.load(args.zoo) if args.zoo is not None else
           parse(args.network if args.network is not None else read_source(args.file)))
    if args.set:
        net = net.subs(_values(args.set))
    bounds = {b: getattr(args, b) for b in BOUNDS if getattr(args, b) is not None}
    if args.valid is not None:
        if bounds:
            raise SymcnnError("--valid takes no bounds: it describes every valid value")
        _print(f"{net.valid_sizes(args.valid)}\n")
        return EXIT_OK
    if args.largest is not None:
        value = net.largest(args.largest, **bounds)
    else:
        value = net.smallest(args.smallest, **bounds)
    _print(f"{args.largest or args.smallest} = {value}\n")
    return EXIT_OK


COMMANDS = {
    "zoo": Command("list the zoo's networks with their totals (at n=224, t=16 frames, "
                   "unless --set says otherwise); zoo NAME shows one",
                   _zoo_arguments, _zoo),
    "sweep": Command("a network's totals over a grid of values, as CSV",
                     _sweep_arguments, _sweep),
    "compare": Command("several networks' totals side by side (zoo names, files or texts)",
                       _compare_arguments, _compare),
    "plot": Command("a plot of a network's parameters and MACs against its free symbol "
                    "(needs matplotlib)", _plot_arguments, _plot),
    "solve": Command("the largest (or smallest) size whose totals stay within bounds, or "
                     "every valid size (--valid)",
                     _solve_arguments, _solve),
    "import": Command("print the program of an ONNX model (symcnn -f MODEL.onnx shows its "
                      "table)", _import_arguments, _import),
}


# ---- entry point -----------------------------------------------------------------------

def _run(argv: Sequence[str]) -> int:
    if argv and argv[0] in COMMANDS:
        name, entry = argv[0], COMMANDS[argv[0]]
        parser = _Parser(prog=f"symcnn {name}", description=entry.help)
        entry.arguments(parser)
        return entry.run(parser.parse_args(argv[1:]))
    return _table_command(argv)


def _report(error: SymcnnError) -> None:
    kind = "syntax error" if isinstance(error, DSLSyntaxError) else "error"
    text, context = str(error), error.context
    if context and text.endswith("\n" + context):
        lines = context.split("\n")
        if error.column:
            lines = _window(lines, error.column)
        _say(f"symcnn: {kind}: {text[:-len(context) - 1]}", lines)
    else:
        _say(f"symcnn: {kind}: {text}")


def _window(context: list[str], column: int) -> list[str]:
    """The source line and its caret, cut to a window around the caret."""
    if len(context) != 2 or len(context[0]) <= MAX_ERROR_WIDTH:
        return context
    source, indent = context[0][4:], "    "
    half = (MAX_ERROR_WIDTH - 10) // 2
    start = max(column - 1 - half, 0)
    piece = source[start:start + 2 * half]
    left = "…" if start else ""
    right = "…" if start + 2 * half < len(source) else ""
    caret = " " * (len(left) + column - 1 - start) + "^"
    return [indent + left + piece + right, indent + caret]


def _say(message: str, context: Sequence[str] = ()) -> None:
    """Writes a message on standard error: the one way the command line does. Whatever
    user text the message quotes (a file name, a --set key, a sweep value, a line of the
    program), a character a terminal would act on is shown escaped (``\\x1b``), never
    sent. On a terminal, long lines are wrapped to its width; the ``context`` lines (the
    program's line and its caret) are not: they are cut to a window around the caret
    already. The whole fits one screen."""
    stderr = sys.stderr
    if stderr is None:
        return
    width = _terminal_width(stderr)
    lines = [piece for line in message.split("\n") for piece in _wrap(_printable(line), width)]
    room = max(MAX_ERROR_LINES - len(context), 2)
    if len(lines) > room:
        lines = lines[:room - 1] + ["…"]
    try:
        stderr.write("\n".join(lines + [_printable(line) for line in context]) + "\n")
        stderr.flush()
    except (OSError, ValueError):
        pass  # standard error is gone too: there is nowhere to say it


def _printable(text: str) -> str:
    """``text`` with each character that is not printable (escape, bell, a line
    separator, a lone surrogate from undecodable bytes in an argument) written as its
    Python escape, so that printing it cannot drive the terminal."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
                   for ch in text)


def _terminal_width(stream: TextIO) -> int | None:
    try:
        if stream.isatty():
            return max(os.get_terminal_size(stream.fileno()).columns, 40)
    except (AttributeError, OSError, ValueError):
        pass
    return None


def _wrap(line: str, width: int | None) -> list[str]:
    if width is None or len(line) <= width:
        return [line]
    import textwrap

    return textwrap.wrap(line, width, subsequent_indent="  ", break_on_hyphens=False) or [line]


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    try:  # Lark and sympy are imported in here, so Ctrl-C during their import is caught
        with warnings_as_lines():
            return _run(list(sys.argv[1:] if argv is None else argv))
    except SymcnnError as error:
        _report(error)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _say("symcnn: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (symcnn ... | head): say nothing, and keep Python from
        # complaining when it flushes stdout at exit.
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except RecursionError:
        _say("symcnn: error: the network is nested too deeply to print")
        return EXIT_BAD_INPUT
    except Exception as error:  # a bug in symcnn: still no traceback for the user
        if os.environ.get("SYMCNN_DEBUG") == "1":
            raise
        _say(f"symcnn: internal error: {type(error).__name__}: {error}\n"
             "please report it; SYMCNN_DEBUG=1 shows the traceback")
        return EXIT_INTERNAL


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):
        pass
