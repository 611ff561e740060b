"""Edits of ``.data`` between building a graph and its backward pass: refused, not wrong.

The local derivatives read the operands' numbers when the backward pass runs. After
``y = x * x; x.data = 5.0`` the pass would give ``x.grad = 10.0`` while ``y.data`` is
still 4.0: the gradient of neither point. So, as PyTorch does, the pass refuses.

A clock counts the edits of ``.data`` made so far. Each node keeps the clock's reading
when it is made (its ``_stamp``); an edited Value keeps minus the reading of its edit.
A node made after the last edit anywhere, as a training loop makes each step's graph
after its update, passes with one comparison; only older nodes are looked at closely.
"""

from typing import Any

count = 0
"""How many times a Value's ``.data`` has been edited (set after it was made)."""


def note(value: Any) -> None:
    """Record that ``value.data`` was just edited."""
    global count
    count += 1
    value._stamp = -count


def check(node: Any, doing: str = "backward") -> None:
    """Raise ``RuntimeError`` if ``node``'s number or an operand's was edited after it was made.

    ``doing`` names what refuses: ``"backward"``, or ``"compile"``.
    """
    edited = culprit(node)
    if edited is node:
        raise RuntimeError(
            f"{doing}: the .data of {_describe(node)} was edited after the operation "
            f"computed it; its local derivatives would read a number its operands did not "
            f"give. {_AGAIN}"
        )
    if edited is not None:
        raise RuntimeError(
            f"{doing}: the .data of {_describe(edited)} was edited after "
            f"{_describe(node)} was computed from it; its local derivatives would mix the "
            f"two numbers, giving the gradient of neither. {_AGAIN}"
        )


def culprit(node: Any) -> Any:
    """Return ``node`` or the operand whose number was edited after ``node`` was made, or None."""
    made = node._stamp
    if made < 0:
        return node
    for parent in node._parents:
        if -parent._stamp > made:  # edited (negative), and after the node was made
            return parent
    return None


_AGAIN = (
    "Build the graph again after editing .data, as a training loop does (update the "
    "parameters after backward(), then run a new forward pass)."
)


def _describe(node: Any) -> str:
    label = f" {node.label!r}" if node.label else ""
    if not node._parents:
        return f"the leaf{label} (now {node.data!r})"
    return f"the {node.op!r} node{label} (now {node.data!r})"
