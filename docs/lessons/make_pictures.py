"""Make the pictures the lessons show: ``python docs/lessons/make_pictures.py``.

Writes images/neuron.svg (lesson 2), images/decision_boundary.png and
images/training.png (lesson 5) beside this file.
"""

from pathlib import Path

import engine
import nn
import viz
from engine import Value

HERE = Path(__file__).resolve().parent / "images"


def neuron() -> None:
    """Lesson 2's neuron, after backward()."""
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    b = Value(6.8813735870195432, label="b")
    n = x * w + b
    n.label = "n"
    y = n.tanh()
    y.label = "y"
    y.backward()
    viz.save_svg(y, HERE / "neuron.svg", legend=False)


def score(model: nn.MLP, x: list[float]) -> Value:
    """The model's one output for x."""
    out = model(x)
    assert isinstance(out, Value)
    return out


def training() -> None:
    """Lesson 5's run: the same loop, the same seeds."""
    X, y = nn.make_moons(n_samples=100, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    params = model.parameters()
    optimizer = nn.SGD(params, lr=1.0)
    schedule = nn.LinearLR(optimizer, start_factor=1.0, end_factor=0.1, total_steps=100)
    history = nn.History()
    for _ in range(100):
        scores = [score(model, x) for x in X]
        loss = nn.hinge_loss(scores, y) + 1e-4 * engine.sum([p * p for p in params])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        right = sum((s.data > 0) == (label == 1) for s, label in zip(scores, y, strict=True))
        history.loss.append(loss.data)
        history.accuracy.append(right / len(y))
    viz.plot_decision_boundary(model, X, y, HERE / "decision_boundary.png")
    viz.plot_history(history, HERE / "training.png")


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    neuron()
    training()
    print(f"wrote the lesson pictures into {HERE}")
