"""The chain rule worked by hand, then by the engine: the project's demo.

Run it with ``./scripts/demo``. It builds one neuron, ``y = tanh(x*w + b)``, walks
the backward pass node by node printing each chain-rule product, and checks the
result against ``backward()``, ``engine.grad`` and a second derivative.
"""

import math

import engine
from engine import Value


def name(node: Value) -> str:
    """Return the node's label, or a short description of how it was made."""
    return node.label or f"({node.op} node)"


def main() -> None:
    """Print the worked example."""
    x = Value(2.0, label="x")
    w = Value(-3.0, label="w")
    b = Value(6.8813735870195432, label="b")
    xw = x * w
    xw.label = "x*w"
    n = xw + b
    n.label = "n"
    y = n.tanh()
    y.label = "y"

    print("The chain rule on one neuron: y = tanh(x*w + b)\n")
    print("Forward pass, each node from its parents:")
    for node in engine.topological_order(y):
        if node.parents:
            operands = ", ".join(name(p) for p in node.parents)
            print(f"  {name(node):>4} = {node.op}({operands}) = {node.data:.4f}")
        else:
            print(f"  {name(node):>4} = {node.data:.4f}  (input)")

    print("\nBackward pass, in reverse topological order.")
    print("Each parent receives dy/d(node) * d(node)/d(parent):")
    grads = {y: 1.0}
    print("  dy/dy = 1 (the seed)")
    for node in reversed(engine.topological_order(y)):
        for parent, local in zip(node.parents, engine.local_derivatives(node), strict=True):
            upstream = grads[node]
            grads[parent] = grads.get(parent, 0.0) + upstream * local
            print(
                f"  dy/d{name(parent)} += dy/d{name(node)} * d{name(node)}/d{name(parent)}"
                f" = {upstream:.4f} * {local:.4f} = {upstream * local:.4f}"
            )

    y.backward()
    print("\nThe engine's backward() gives the same numbers:")
    for leaf in (x, w, b):
        print(f"  {leaf.label}.grad = {leaf.grad:.4f}   (by hand: {grads[leaf]:.4f})")
        assert math.isclose(leaf.grad, grads[leaf], rel_tol=1e-12, abs_tol=1e-12)

    (dy_dx,) = engine.grad(y, [x], create_graph=True)
    (d2y_dx2,) = engine.grad(dy_dx, [x])
    closed_form = -2.0 * y.data * (1.0 - y.data**2) * w.data**2
    print("\nDifferentiating the derivative (create_graph=True):")
    print(f"  d2y/dx2 = {d2y_dx2.data:.4f}   (closed form -2y(1-y^2)w^2 = {closed_form:.4f})")


if __name__ == "__main__":
    main()
