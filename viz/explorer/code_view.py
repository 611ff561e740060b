"""The data of the explorer's code panel: the graph's generated Python and each node's lines.

``engine.compile`` writes the graph out as one line per node. The panel shows that
source, and at each step of the backward pass it marks the lines of the node the
step is about (its forward line and its chain-rule step) and the lines whose terms
add up to its gradient, the same sum the explorer prints with numbers. The panel
itself (markup, style, script) is part of the page: ``viz.explorer.page`` and
``viz/explorer/assets``.
A graph of more than ``MAX_NODES`` nodes is not compiled: the panel says so instead.
"""

from typing import Any

import engine
from engine import Value

MAX_NODES = 2_000
"""The largest graph whose code the panel shows, in nodes (about two lines each).

The code of a bigger graph is slow to write and to show (100,000 nodes: 10 s, a
21 MB page that a browser opens in half a minute), and nobody reads it in a panel.
"""


def code_data(root: Value, walk: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the source lines, and add to each step of ``walk`` its lines (``own``, ``feeding``).

    A step's own lines are the forward and chain-rule lines of the nodes its box
    stands for (``step["nodes"]``, places in the topological order); its feeding
    lines are those whose terms add up to their gradients. Every leaf is an input,
    so each one's gradient is in the code; line numbers count from 1. Past
    ``MAX_NODES`` the lines are a note saying why the code is left out and how to get it.
    """
    order = engine.topological_order(root)
    if len(order) > MAX_NODES:  # counted before compiling, which is what takes the time
        for step in walk:
            step["own"], step["feeding"] = [], []
        return {"lines": _left_out(len(order))}
    leaves = [node for node in order if not node.parents]
    cg = engine.compile(root, leaves, loops=False)
    for step in walk:
        own = {n for i in step["nodes"] for n in cg.lines.get(i, [])}
        feeding = {n for i in step["nodes"] for n in cg.grad_lines.get(i, [])}
        step["own"], step["feeding"] = sorted(own), sorted(feeding - own)
    return {"lines": cg.source.splitlines()}


def _left_out(nodes: int) -> list[str]:
    return [
        f"# The code is left out: this graph has {nodes:,} nodes, more than the",
        f"# {MAX_NODES:,} whose code this panel shows (viz.explorer.code_view.MAX_NODES).",
        "# For the code, draw a smaller graph with code=True, or write it yourself:",
        "#     leaves = [v for v in engine.topological_order(root) if not v.parents]",
        "#     print(engine.compile(root, leaves).source)",
    ]
