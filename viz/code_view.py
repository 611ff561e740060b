"""The data of the explorer's code panel: the graph's generated Python and each node's lines.

``engine.compile`` writes the graph out as one line per node. The panel shows that
source, and at each step of the backward pass it marks the lines of the node the
step is about (its forward line and its chain-rule step) and the lines whose terms
add up to its gradient, the same sum the explorer prints with numbers. The panel
itself (markup, style, script) is part of the page: ``viz.page`` and ``viz/assets``.
"""

from typing import Any

import engine
from engine import Value


def code_data(root: Value, walk: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the source lines, and add to each step of ``walk`` its lines (``own``, ``feeding``).

    A step's own lines are the forward and chain-rule lines of the nodes its box
    stands for (``step["nodes"]``, places in the topological order); its feeding
    lines are those whose terms add up to their gradients. Every leaf is an input,
    so each one's gradient is in the code; line numbers count from 1.
    """
    order = engine.topological_order(root)
    leaves = [node for node in order if not node.parents]
    cg = engine.compile(root, leaves, loops=False)
    for step in walk:
        own = {n for i in step["nodes"] for n in cg.lines.get(i, [])}
        feeding = {n for i in step["nodes"] for n in cg.grad_lines.get(i, [])}
        step["own"], step["feeding"] = sorted(own), sorted(feeding - own)
    return {"lines": cg.source.splitlines()}
