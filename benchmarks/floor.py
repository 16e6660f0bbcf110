"""The hand-written floor: a plain-Python interpreter of the part of the symcnn language
that VGG16, ResNet-50/152, MobileNetV2 and EfficientNet-B0 use, for numbers only.

It is what symcnn's numeric path is measured against (``benchmarks/run.py``, the
"floor" column): regular-expression tokens, a recursive-descent parser, one tuple of
integers per layer and the text table, with none of symcnn's checks, error messages,
limits, symbols or kinds registry. Nothing in symcnn uses it; its totals are checked
against symcnn's before it is timed.

    python benchmarks/floor.py examples/vgg16.cnn
"""

from __future__ import annotations

import math
import re
import sys
from fractions import Fraction

TOKEN = re.compile(r"[ \t\r\f]*(?:(#[^\n]*)|(\n|;)|(\d+\.\d+|\d+)|([A-Za-z_]\w*)"
                   r"|(//|[-+*/^%=(),\[\]]))")


def tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if m is None:
            raise SyntaxError(f"bad character at {pos}")
        pos = m.end()
        comment, sep, number, name, op = m.groups()
        if sep:
            out.append(("sep", sep))
        elif number:
            out.append(("num", number))
        elif name:
            out.append(("name", name))
        elif op:
            out.append(("op", op))
    out.append(("end", ""))
    return out


class Parser:
    """Recursive descent over the tokens: a program is statements (``name = expr``,
    ``def name(params) = items``, or a line of items); items are calls, groups
    ``[...]`` and repetitions ``item * expr``. Newlines inside brackets are skipped."""

    def __init__(self, text: str):
        self.toks = tokens(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> tuple[str, str]:
        while self.depth and self.toks[self.i][0] == "sep":
            self.i += 1
        return self.toks[self.i]

    def take(self, value: str | None = None) -> str:
        kind, text = self.peek()
        if value is not None and text != value:
            raise SyntaxError(f"expected {value!r}, got {text!r}")
        self.i += 1
        if text in "([":
            self.depth += 1
        elif text in ")]":
            self.depth -= 1
        return text

    def program(self) -> list:
        statements = []
        while self.peek()[0] != "end":
            if self.peek()[0] == "sep":
                self.take()
                continue
            kind, text = self.peek()
            if text == "def":
                self.take()
                name = self.take()
                params = []
                if self.peek()[1] == "(":
                    self.take("(")
                    while self.peek()[1] != ")":
                        params.append(self.take())
                        if self.peek()[1] == ",":
                            self.take()
                    self.take(")")
                self.take("=")
                statements.append(("def", name, params, self.items()))
            elif kind == "name" and self.toks[self.i + 1][1] == "=":
                self.take()
                self.take("=")
                statements.append(("let", text, self.expr()))
            else:
                statements.append(("seq", self.items()))
        return statements

    def items(self) -> list:
        out = []
        while True:
            kind, text = self.peek()
            if kind == "sep" or kind == "end" or text in ")]":
                return out
            if text == ",":
                return out
            item = self.group() if text == "[" else self.call()
            while self.peek()[1] == "*":
                self.take()
                item = ("repeat", item, self.atom())
            out.append(item)

    def group(self) -> tuple:
        self.take("[")
        items = self.items()
        self.take("]")
        return ("group", items)

    def call(self) -> tuple:
        name = self.take()
        args: list = []
        if self.peek()[1] == "(":
            self.take("(")
            while self.peek()[1] != ")":
                if self.peek()[1] == "[":
                    args.append((None, self.group()))
                elif self.peek()[0] == "name" and self.toks[self.i + 1][1] == "=":
                    key = self.take()
                    self.take("=")
                    args.append((key, self.expr()))
                else:
                    args.append((None, self.expr()))
                if self.peek()[1] == ",":
                    self.take()
            self.take(")")
        return ("call", name, args)

    def expr(self) -> tuple:
        left = self.term()
        while self.peek()[1] in ("+", "-"):
            left = (self.take(), left, self.term())
        return left

    def term(self) -> tuple:
        left = self.power()
        while self.peek()[1] in ("*", "/", "//", "%"):
            left = (self.take(), left, self.power())
        return left

    def power(self) -> tuple:
        base = self.atom()
        if self.peek()[1] == "^":
            self.take()
            return ("^", base, self.power())
        return base

    def atom(self) -> tuple:
        kind, text = self.peek()
        if text == "(":
            self.take()
            inner = self.expr()
            self.take(")")
            return inner
        if text == "-":
            self.take()
            return ("neg", self.atom())
        self.take()
        if kind == "num":
            return ("num", Fraction(text) if "." in text else int(text))
        if self.peek()[1] == "(":  # min, max, floor, ceil
            self.take("(")
            args = [self.expr()]
            while self.peek()[1] == ",":
                self.take()
                args.append(self.expr())
            self.take(")")
            return ("fn", text, args)
        return ("name", text)


FUNCTIONS = {"min": min, "max": max, "floor": math.floor, "ceil": math.ceil}
OPERATORS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
             "/": lambda a, b: Fraction(a, b), "//": lambda a, b: a // b,
             "%": lambda a, b: a % b, "^": lambda a, b: a ** b}


def value(node: tuple, env: dict):
    op = node[0]
    if op == "num":
        return node[1]
    if op == "name":
        return env.get(node[1], node[1])  # words (false, SiLU) stand for themselves
    if op == "neg":
        return -value(node[1], env)
    if op == "fn":
        return FUNCTIONS[node[1]](*(value(a, env) for a in node[2]))
    return OPERATORS[op](value(node[1], env), value(node[2], env))


# ---- the layers: (name, depth, shape, params, non_trainable, macs, formula) -----------

def conv_size(n: int, k: int, s: int, p: int) -> int:
    return (n + 2 * p - k) // s + 1


class Interpreter:
    def __init__(self, text: str):
        self.defs: dict = {}
        self.env: dict = {}
        self.rows: list = []
        self.program = Parser(text).program()

    def run(self) -> list:
        x = None
        counts: dict = {}
        for statement in self.program:
            if statement[0] == "def":
                self.defs[statement[1]] = statement
            elif statement[0] == "let":
                self.env[statement[1]] = value(statement[2], self.env)
            else:
                x = self.items(statement[1], self.env, x, counts, "", 0)
        return self.rows

    def items(self, items, env, x, counts, prefix, depth):
        for item in items:
            x = self.item(item, env, x, counts, prefix, depth)
        return x

    def item(self, item, env, x, counts, prefix, depth):
        if item[0] == "group":
            return self.items(item[1], env, x, counts, prefix, depth)
        if item[0] == "repeat":
            for _ in range(value(item[2], env)):
                x = self.item(item[1], env, x, counts, prefix, depth)
            return x
        name, args = item[1], item[2]
        if name in self.defs:
            _, _, params, body = self.defs[name]
            inner = dict(self.env)
            inner.update(zip(params, (value(a, env) for _, a in args)))
            return self.items(body, inner, x, counts, prefix, depth)
        return self.layer(name, args, env, x, counts, prefix, depth)

    def layer(self, kind, args, env, x, counts, prefix, depth):
        label = "input" if kind == "I" else kind.lower() if kind in ("Res", "SE") else kind
        if kind != "I":
            counts[label] = counts.get(label, 0) + 1
        name = "input" if kind == "I" else f"{prefix}{label}{counts[label]}"
        pos = [value(a, env) for key, a in args if key is None and a[0] != "group"]
        kw = {key: value(a, env) for key, a in args if key is not None}
        groups = [a for key, a in args if a[0] == "group"]
        params = non_trainable = macs = 0
        formula = ""
        if kind == "I":
            out = tuple(pos)
        elif kind in ("C", "DW"):
            h, w, c = x
            if kind == "C":
                f, k = pos[0], pos[1]
                groups_ = kw.get("g", 1)
            else:
                k = pos[0]
                f, groups_ = c * kw.get("m", 1), c
            s, p = kw.get("s", 1), kw.get("p", 0)
            out = (conv_size(h, k, s, p), conv_size(w, k, s, p), f)
            weights = k * k * (c // groups_) * f
            bias = kw.get("bias", "true") != "false"
            params = weights + (f if bias else 0)
            formula = (f"({k}·{k}·{c // groups_} + 1)·{f}" if bias
                       else f"{k}·{k}·{c // groups_}·{f}")
            macs = weights * out[0] * out[1]
        elif kind == "BN":
            out = x
            params = non_trainable = 2 * x[-1]
            formula = f"2·{x[-1]}"
        elif kind == "P":
            h, w, c = x
            k = pos[0]
            s, p = kw.get("s", k), kw.get("p", 0)
            out = (conv_size(h, k, s, p), conv_size(w, k, s, p), c)
        elif kind == "G":
            out = (1, 1, x[-1])
        elif kind in ("D", "O"):
            units, inputs = pos[0], math.prod(x)
            out = (units,)
            params, macs = (inputs + 1) * units, inputs * units
            formula = f"({inputs} + 1)·{units}"
        elif kind in ("Res", "SE"):
            if kind == "Res":
                labels = ["body", "shortcut"]
                branches = [g[1] for g in groups] + [[]] * (2 - len(groups))
                envs = [env] * 2
            else:  # squeeze and excitation: a scale branch, multiplied in
                labels, act = ["scale"], kw.get("act", "ReLU")
                branches = [[("call", "G", []),
                             ("call", "C", [(None, ("num", pos[0])), (None, ("num", 1))]),
                             ("call", act, []),
                             ("call", "C", [(None, ("num", x[-1])), (None, ("num", 1))]),
                             ("call", "Sigmoid", [])]]
                envs = [env]
            row = len(self.rows)
            self.rows.append(None)  # the merge's row comes before its branches' rows
            shapes = [self.items(branch, e, x, {}, f"{name}.{label}.", depth + 1)
                      for branch, label, e in zip(branches, labels, envs)]
            out = shapes[0] if kind == "Res" else x
            self.rows[row] = (name, depth, out, 0, 0, 0, "")
            return out
        else:  # ReLU, ReLU6, SiLU, Sigmoid, Drop, ...: the shape passes through
            out = x
        self.rows.append((name, depth, out, params, non_trainable, macs, formula))
        return out


def human(n: int) -> str:
    for size, unit in ((10**9, "G"), (10**6, "M"), (10**3, "k")):
        if n >= size:
            return f" ({n / size:.1f} {unit})"
    return ""


def table(rows: list) -> str:
    lines = [("layer", "output shape", "params", "MACs")]
    for name, depth, shape, params, _, macs, formula in rows:
        shown = name.rsplit(".", 2)[-2] + "." + name.rsplit(".", 1)[-1] if depth else name
        lines.append(("  " * depth + shown, f"({', '.join(map(str, shape))})",
                      f"{formula} = {params:,}" if formula else f"{params:,}", f"{macs:,}"))
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    out = ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines]
    out.insert(1, "  ".join("-" * w for w in widths))
    trainable = sum(r[3] for r in rows)
    non_trainable = sum(r[4] for r in rows)
    macs = sum(r[5] for r in rows)
    out += ["", f"trainable params      {trainable:,}{human(trainable)}",
            f"non-trainable params  {non_trainable:,}{human(non_trainable)}",
            f"total params          {trainable + non_trainable:,}",
            f"MACs                  {macs:,}{human(macs)}"]
    return "\n".join(out) + "\n"


def totals(text: str) -> tuple[int, int, int]:
    rows = Interpreter(text).run()
    return sum(r[3] for r in rows), sum(r[4] for r in rows), sum(r[5] for r in rows)


def render(text: str) -> str:
    """The text to its table: parse, every record, totals, the text table."""
    return table(Interpreter(text).run())


if __name__ == "__main__":
    sys.stdout.write(render(open(sys.argv[1], encoding="utf-8").read()))
