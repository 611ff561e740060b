"""Make the pictures the lessons show: ``python docs/lessons/make_pictures.py``.

Writes images/neuron.svg (lesson 2), images/decision_boundary.png and
images/training.png (lesson 5) beside this file.
"""

from pathlib import Path

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


def training() -> None:
    """Lesson 5's run: nn.fit is the lesson's loop (hinge + 1e-4 L2, SGD 1.0 -> 0.1, 100 steps)."""
    X, y = nn.make_moons(n_samples=100, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    history = nn.fit(model, X, y, steps=100, progress=False)
    viz.plot_decision_boundary(model, X, y, HERE / "decision_boundary.png")
    viz.plot_history(history, HERE / "training.png")


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    neuron()
    training()
    print(f"wrote the lesson pictures into {HERE}")
