"""A network as Graphviz DOT text (``dot -Tsvg net.dot``): one node per layer record
(``L`` and its index), an edge for each way data goes, each merge a cluster holding its
branches and its own node, a join drawn as an ellipse. Graphviz lays it out; the long
sizes' short names are listed in the graph's label.
"""

from __future__ import annotations

from collections.abc import Sequence

from .._model import Node, Viewed
from ._diagram import LINE, Diagram, diagram
from ._text import text


def draw(net: Viewed, layout: str = "hwc", latex_kind: str = "table") -> str:
    """The DOT text of ``net``'s diagram; shapes in ``layout``."""
    drawn = diagram(net, layout)
    out = ["digraph symcnn {",
           '  graph [rankdir=TB, nodesep=0.25, ranksep=0.3, fontname="monospace", '
           'fontsize=10, labeljust=l, labelloc=b' + _legend(drawn) + "];",
           f'  node [shape=box, style="rounded,filled", fontname="monospace", fontsize=10, '
           f'color="{LINE}", penwidth=0.8];',
           f'  edge [color="{LINE}", arrowsize=0.6];']
    _nodes(drawn, drawn.tree, out, "  ")
    out.extend(f"  L{edge.source} -> L{edge.target};" for edge in drawn.edges)
    out.append("}")
    return "\n".join(out) + "\n"


def _nodes(drawn: Diagram, nodes: Sequence[Node], out: list[str], indent: str) -> None:
    for node in nodes:
        block = drawn.blocks[node.record.index]
        if node.branches:
            out.append(f"{indent}subgraph cluster_L{block.index} {{")
            out.append(f"{indent}  label={_quoted(block.record.name)}; labelloc=t; "
                       'style="rounded,dashed"; color="#999999"; fontcolor="#777777";')
            for branch in node.branches:
                _nodes(drawn, branch, out, indent + "  ")
        attributes = [f'label="{_escaped(block.title)}\\n{_escaped(block.shape_text)}"',
                      f'fillcolor="{block.color}"', f"tooltip={_quoted(block.record.name)}"]
        if block.join:
            attributes.append("shape=ellipse, style=filled")
        if block.side_output:
            attributes.append("peripheries=2")
        out.append(f"{indent}{'  ' if node.branches else ''}L{block.index} "
                   f"[{', '.join(attributes)}];")
        if node.branches:
            out.append(f"{indent}}}")


def _legend(drawn: Diagram) -> str:
    if not drawn.legend:
        return ""
    lines = "".join(f"{_escaped(f'{short} = {text(size)}')}\\l" for short, size in drawn.legend)
    return f', label="{lines}"'


def _escaped(text: str) -> str:
    """Text inside a DOT string: a backslash and a quote escaped."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _quoted(text: str) -> str:
    return f'"{_escaped(text)}"'
