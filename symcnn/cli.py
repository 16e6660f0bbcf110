"""The ``symcnn`` command: a network's per-layer table and totals.

Only bad input ends in an error, and then as one message on standard error and exit
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from . import __version__
from .errors import SymcnnError

EXAMPLES = """\
examples:
  symcnn "I(28,28,1) C(32,5) P(2) C(32,3) P(2) D(256) O(10)"
  symcnn -f examples/vgg16.cnn
  symcnn "I(n,n,1) C(32,k) P(2) D(10)" --set n=28 k=5
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symcnn", description="Exact shapes, parameter counts and MACs of a network.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("network", nargs="?", help="the network, in the symcnn language")
    parser.add_argument("-f", "--file", help="read the network from FILE ('-' for stdin)")
    parser.add_argument("--set", nargs="+", default=[], metavar="NAME=VALUE",
                        help="values for free symbols, such as n=28 k=5")
    parser.add_argument("--version", action="version", version=f"symcnn {__version__}")
    return parser


def _read(args: argparse.Namespace, parser: argparse.ArgumentParser) -> str:
    if (args.network is None) == (args.file is None):
        parser.error("give a network as text or with -f FILE, not both or neither")
    if args.file is None:
        return str(args.network)
    if args.file == "-":
        return sys.stdin.read()
    try:
        with open(args.file, encoding="utf-8") as handle:
            return handle.read()
    except UnicodeDecodeError:
        raise SymcnnError(f"{args.file} is not UTF-8 text") from None
    except OSError as error:
        raise SymcnnError(f"cannot read {args.file}: {error.strerror or error}") from None


def _values(items: Sequence[str]) -> dict[str, str]:
    values = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise SymcnnError(f"--set takes NAME=VALUE, such as n=28, not {item!r}")
        values[name.strip()] = value.strip()
    return values


def _shape(shape: tuple) -> str:
    return "(" + ", ".join(str(v) for v in shape) + ")"


def _table(net) -> str:
    rows = [("layer", "output shape", "params")]
    for r in net.layers:
        rows.append(("  " * r.depth + r.name, _shape(r.output_shape), str(r.params)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines += ["", f"trainable params:     {net.params}",
              f"non-trainable params: {net.non_trainable}",
              f"MACs:                 {net.macs}"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        from .network import parse

        net = parse(_read(args, parser))
        if args.set:
            net = net.subs(_values(args.set))
        print(_table(net))
    except SymcnnError as error:
        print(f"symcnn: error: {error}", file=sys.stderr)
        return 2
    return 0
