"""The project's demo: the chain rule on one neuron, then micrograd's two-moons classifier.

Run it with ``./scripts/demo``. Part 1 builds ``y = tanh(x*w + b)``, walks the
backward pass node by node printing each chain-rule product, and checks the result
against ``backward()``, ``engine.grad`` and a second derivative. Part 2 trains
``MLP(2, [16, 16, 1])`` on two moons as micrograd's demo does, and prints the error
signal of every layer for one example, by the backpropagation algorithm layer by layer
(``nn.backprop``); then it trains again on compiled code (``engine.compile``) and
compares the losses. Part 3 draws pictures into the output folder (``out/`` unless a
folder is given).
"""

import math
import sys
import time
from pathlib import Path

import engine
import nn
import viz
from engine import Value
from nn.backprop import backprop


def name(node: Value) -> str:
    """Return the node's label, or a short description of how it was made."""
    return node.label or f"({node.op} node)"


def neuron() -> tuple[Value, list[Value]]:
    """Return micrograd's example neuron ``y = tanh(x*w + b)`` and its inputs x, w, b."""
    x = Value(2.0, label="x")
    w = Value(-3.0, label="w")
    b = Value(6.8813735870195432, label="b")
    xw = x * w
    xw.label = "x*w"
    n = xw + b
    n.label = "n"
    y = n.tanh()
    y.label = "y"
    return y, [x, w, b]


def chain_rule() -> None:
    """Part 1: print the worked example."""
    y, (x, w, b) = neuron()
    print("Part 1. The chain rule on one neuron: y = tanh(x*w + b)\n")
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
    print("  dy/dy = 1 (the start of the backward pass)")
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


def score(model: nn.MLP, x: list[float]) -> Value:
    """Return the model's single output for x."""
    out = model(x)
    assert isinstance(out, Value), "the model has one output"
    return out


def train_moons() -> tuple[nn.MLP, list[list[float]], list[int], nn.History, float]:
    """Part 2: micrograd's demo: 100 points, hinge loss + L2, SGD with linear decay, 100 steps.

    Returns the model, the data, the history and the seconds the 100 steps took.
    """
    print("\nPart 2. Training MLP(2, [16, 16, 1]) on two moons, as micrograd's demo does")
    X, y = nn.make_moons(n_samples=100, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    params = model.parameters()
    optimizer = nn.SGD(params, lr=1.0)
    schedule = nn.LinearLR(optimizer, start_factor=1.0, end_factor=0.1, total_steps=100)
    history = nn.History()
    start = time.perf_counter()
    for step in range(100):
        scores = [score(model, x) for x in X]
        loss = nn.hinge_loss(scores, y) + 1e-4 * engine.sum([p * p for p in params])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        accuracy = sum((s.data > 0) == (label == 1) for s, label in zip(scores, y, strict=True))
        history.loss.append(loss.data)
        history.accuracy.append(accuracy / len(y))
        if step % 10 == 0 or step == 99:
            print(f"  step {step:3d}  loss {loss.data:.4f}  accuracy {accuracy / len(y):.0%}")
    seconds = time.perf_counter() - start

    example = X[0]
    output = score(model, example)
    # Take L = the output score itself, so dL/dh at the output layer is 1.
    trace = backprop(model, example, grad_output=[1.0])
    model.zero_grad()
    output.backward()
    gap = max(
        abs(neuron.w[i].grad - trace.grad_W[layer][j][i])
        for layer, lay in enumerate(model.layers)
        for j, neuron in enumerate(lay.neurons)
        for i in range(neuron.nin)
    )
    print(
        f"\nError signals delta = dL/da per layer, for L = the score of x = {example[0]:.3f}, "
        f"{example[1]:.3f}"
    )
    print("  (nn.backprop on floats: equations (3) and (4) of the backpropagation algorithm)")
    for layer, delta in enumerate(trace.delta):
        shown = " ".join(f"{d + 0.0:+.3f}" for d in delta)
        print(f"  layer {layer} ({len(delta):2d} neurons): {shown}")
    print(f"  its weight gradients differ from the engine's backward() by at most {gap:.1e}")
    return model, X, y, history, seconds


def train_compiled(history: nn.History, engine_seconds: float) -> str:
    """Part 2, again: the same 100 steps on compiled code; return the generated source."""
    print("\nThe same 100 steps on compiled code: the graph recorded once (nn.compile_loss)")
    X, y = nn.make_moons(n_samples=100, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    start = time.perf_counter()
    loss_fn = nn.compile_loss(model, X, y, loss="hinge", alpha=1e-4)
    compiled_in = time.perf_counter() - start
    optimizer = nn.SGD(model.parameters(), lr=1.0)
    schedule = nn.LinearLR(optimizer, start_factor=1.0, end_factor=0.1, total_steps=100)
    losses = []
    start = time.perf_counter()
    for _ in range(100):
        optimizer.zero_grad()
        losses.append(loss_fn())
        optimizer.step()
        schedule.step()
    seconds = time.perf_counter() - start
    gap = max(abs(a - b) for a, b in zip(losses, history.loss, strict=True))
    lines = loss_fn.graph.source.count("\n")
    print(f"  compiled in {compiled_in * 1e3:.0f} ms: {lines} lines of Python for {len(X)} samples")
    print(f"  the 100 losses differ from the engine's by at most {gap:.1e}")
    print(
        f"  {seconds / 100 * 1e3:.1f} ms per step against {engine_seconds / 100 * 1e3:.1f} ms "
        f"building the graph each step ({engine_seconds / seconds:.0f} times faster)"
    )
    return loss_fn.graph.source


def pictures(
    out: Path, model: nn.MLP, X: list[list[float]], y: list[int], history: nn.History
) -> None:
    """Part 3: the neuron's graph and explorer, the model's, the boundary and the curves."""
    out.mkdir(parents=True, exist_ok=True)
    root, (_, w, b) = neuron()
    page = viz.explorer(root, out / "explorer.html", parameters=[w, b], code=True)
    root.backward()
    # The trained model on the whole batch: one sample's piece, a box per neuron or layer.
    params = model.parameters()
    loss = nn.hinge_loss([model(x) for x in X], y) + 1e-4 * engine.dot(params, params)  # type: ignore[misc]
    layers_page = viz.explorer(loss, out / "layers.html", model=model, detail="layers")
    model.zero_grad()
    loss.backward()
    written = [
        viz.save_svg(root, out / "neuron.svg", parameters=[w, b]),
        page,
        viz.save_svg(loss, out / "model.svg", model=model),
        layers_page,
        viz.plot_decision_boundary(
            model, X, y, out / "decision_boundary.png", title="MLP(2, [16, 16, 1]) on two moons"
        ),
        viz.plot_history(history, out / "training.png", title="Training, micrograd's recipe"),
    ]
    print(
        "\nPart 3. Pictures written (open explorer.html or layers.html in a browser and press "
        "the arrow keys):"
    )
    for path in written:
        print(f"  {path}")


def main(argv: list[str]) -> None:
    """Run the three parts; the first argument, if any, is the output folder."""
    chain_rule()
    model, X, y, history, seconds = train_moons()
    source = train_compiled(history, seconds)
    out = Path(argv[0]) if argv else Path("out")
    pictures(out, model, X, y, history)
    (out / "moons_step.py").write_text(source)
    print(f"  {out / 'moons_step.py'} (the compiled step's code)")


if __name__ == "__main__":
    main(sys.argv[1:])
