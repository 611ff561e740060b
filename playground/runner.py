"""The playground's Python side: runs a student's code and a training session in the browser.

This module runs inside Pyodide, in the page's Web Worker, beside the project's own
``engine``, ``nn`` and ``viz`` (installed from the wheel built with the site). The
worker calls its functions with plain values and sends what they return (dicts of
plain values) to the page. Graphviz's ``dot`` is Graphviz compiled to WebAssembly
(``@viz-js/viz``), which the worker hands in as ``render_dot``: ``viz`` draws with
it exactly as it draws with the program on a desktop.
"""

import ast
import contextlib
import linecache
import sys
import traceback
from collections.abc import Callable
from types import CodeType
from typing import Any

import engine
import nn
import viz
from engine import Value
from nn.training import accuracy
from viz.explorer import ExplorerPage

FILENAME = "<playground>"
"""The name the student's code goes by in tracebacks."""

TRACEBACK_LINES = 12
"""The most lines of a traceback the page shows: its last ones, where the error is."""

GRID = 36
"""The decision boundary's grid: GRID × GRID points across the plane."""

DATASETS: dict[str, Callable[..., tuple[list[list[float]], list[int]]]] = {
    "moons": nn.make_moons,
    "circles": nn.make_circles,
    "xor": nn.make_xor,
    "spiral": nn.make_spiral,
}

_render: Callable[[str], str] | None = None


def start(render_dot: Callable[[str], str]) -> str:
    """Take the worker's Graphviz (DOT text in, SVG text out) and draw every picture with it."""
    global _render
    _render = render_dot
    # The modules, not the functions of the same names that the package ``viz`` exports.
    for name in ("viz.drawing.output", "viz.explorer.make"):
        sys.modules[name].pipe = _pipe  # type: ignore[attr-defined]
    # Graphviz in WebAssembly has no fonts: it measures text with its own table of Arial's
    # widths, so the boxes fit the text only when the browser draws it in Arial (or its
    # metric twin, Liberation Sans).
    sys.modules["viz.drawing.graph"].FONT = "Arial"  # type: ignore[attr-defined]
    return sys.version.split()[0]


def _pipe(dot: Any, fmt: str, **graph_attrs: str) -> bytes:
    if fmt != "svg":
        raise viz.GraphvizError(
            f"the playground draws SVG only (Graphviz in WebAssembly), not {fmt}: "
            "use viz.to_svg or viz.draw_dot here, and viz.render on your own machine"
        )
    if graph_attrs:
        dot = dot.copy()
        dot.attr("graph", **graph_attrs)
    assert _render is not None, "start() was not called"
    return str(_render(dot.source)).encode("utf-8")


# -- running a program -----------------------------------------------------------------------


class Shown:
    """What a program shows, in order: pictures of Values and explorer pages."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def show(self, thing: object, **options: Any) -> None:
        """Show a Value's graph (``options`` as for ``viz.draw_dot``) or an explorer page."""
        if isinstance(thing, ExplorerPage):
            self.items.append({"kind": "explorer", "html": thing.html, "title": thing.title})
        elif isinstance(thing, Value):
            svg = viz.to_svg(thing, **options)
            page = viz.explorer(thing, **_explorer_options(options))
            assert isinstance(page, ExplorerPage)
            self.items.append({"kind": "graph", "svg": svg, "explorer": page.html,
                               "label": thing.label or thing.op or "Value"})  # fmt: skip
        else:
            print(repr(thing))


def _explorer_options(options: dict[str, Any]) -> dict[str, Any]:
    """The explorer takes what ``draw_dot`` takes, but ``show_grad`` (it fills grads in)."""
    return {k: v for k, v in options.items() if k != "show_grad"} | {"theme": "auto"}


def run(code: str) -> dict[str, Any]:
    """Run ``code`` as a program; return what it showed and its error, if any.

    Printed text goes to the worker's stdout as it is printed. Like a notebook cell, a
    last line that is an expression shows its value: a Value as its graph.
    """
    shown = Shown()
    namespace: dict[str, Any] = {"__name__": "__main__", "show": shown.show, ECHO: _echo}
    # The source lines a traceback quotes: linecache reads them from here, not from a file.
    linecache.cache[FILENAME] = (len(code), None, code.splitlines(keepends=True), FILENAME)
    error = None
    try:
        body, last = _compile(code)
        exec(body, namespace)
        if last is not None:
            value = eval(last, namespace)
            if value is not None:
                shown.show(value)
    except BaseException as e:  # the student's error, SystemExit too, is the result
        error = _traceback(e)
    finally:
        _unlink(namespace)
    return {"shown": shown.items, "error": error}


ECHO = "__echo__"
"""The name under which a program's bare expressions print their values."""


def _echo(value: object) -> None:
    """Print a bare expression's value, as the interactive prompt (and a doctest) does."""
    if value is not None:
        print(repr(value))


def _compile(code: str) -> tuple[CodeType, CodeType | None]:
    """The program, and its last line apart when that is an expression (it is shown).

    Like the interactive prompt, every other expression standing alone on its line
    prints its value, so a lesson's examples run here as they read there.
    """
    tree = ast.parse(code, FILENAME)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        expression = tree.body.pop()
        assert isinstance(expression, ast.Expr)
        last = compile(ast.Expression(expression.value), FILENAME, "eval")
    for i, statement in enumerate(tree.body):
        if isinstance(statement, ast.Expr) and not _is_call_of_print(statement.value):
            echo = ast.Call(ast.Name(ECHO, ast.Load()), [statement.value], [])
            tree.body[i] = ast.copy_location(ast.Expr(echo), statement)
    ast.fix_missing_locations(tree)
    return compile(tree, FILENAME, "exec"), last


def _is_call_of_print(node: ast.expr) -> bool:
    call = node.func if isinstance(node, ast.Call) else None
    return isinstance(call, ast.Name) and call.id == "print"


def _traceback(error: BaseException) -> str:
    """The error as Python prints it, from the student's code on: the last lines."""
    frames = traceback.extract_tb(error.__traceback__)
    # Drop the frames of this module that run the code; keep the student's and below.
    while frames and frames[0].filename != FILENAME:
        frames.pop(0)
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)]
    lines += traceback.format_exception_only(type(error), error)
    text = "".join(lines if frames else traceback.format_exception_only(type(error), error))
    kept = text.rstrip("\n").splitlines()
    if len(kept) > TRACEBACK_LINES:
        kept = ["...", *kept[-TRACEBACK_LINES:]]
    return "\n".join(kept)


def _unlink(namespace: dict[str, Any]) -> None:
    """Take apart the graphs a program leaves, node by node, before they are freed.

    CPython frees a chain of objects by recursion, one level per node, and in WebAssembly
    that recursion runs on the browser's small stack: a graph a few thousand nodes deep
    would end the interpreter. Emptied of their parents first, the nodes free one by one.
    """
    seen: set[int] = set()
    for value in list(namespace.values()):
        for root in _values_in(value):
            if id(root) in seen:
                continue
            for node in engine.topological_order(root):
                seen.add(id(node))
                with contextlib.suppress(AttributeError, TypeError):
                    node._parents = ()
    namespace.clear()


def _values_in(thing: object) -> list[Value]:
    if isinstance(thing, Value):
        return [thing]
    if isinstance(thing, list | tuple):
        return [v for v in thing if isinstance(v, Value)]
    return []


# -- training --------------------------------------------------------------------------------


class Session:
    """One model learning one data set, a step at a time."""

    def __init__(self, config: dict[str, Any]) -> None:
        make = DATASETS[config.get("dataset", "moons")]
        n = int(config.get("samples", 100))
        X, y = make(n_samples=n, noise=float(config.get("noise", 0.1)), seed=1)  # noqa: N806
        self.X, self.y = [list(map(float, x)) for x in X], [int(v) for v in y]
        hidden = [int(h) for h in config.get("layers", [16, 16])]
        self.model = nn.MLP(2, [*hidden, 1], activation=config.get("activation", "relu"),
                            seed=int(config.get("seed", 1337)))  # fmt: skip
        self.lr = float(config.get("lr", 0.1))
        self.alpha = 1e-4
        self.optimizer = nn.SGD(self.model.parameters(), lr=self.lr, momentum=0.9)
        self.step = 0
        self.history: dict[str, list[float]] = {"loss": [], "accuracy": []}
        self.compiled: Any = None
        self.boundary_graph: Any = None
        self.pending: list[float] = []
        """The gradients ``detail`` showed, for ``apply`` to step with."""

    # The data: the compiled step holds the data it was compiled with, so a change
    # recompiles it at the next step.

    def add(self, x: float, y: float, label: int) -> None:
        """Add the point (x, y) of class ``label`` (0 or 1)."""
        self.X.append([float(x), float(y)])
        self.y.append(1 if label else 0)
        self.compiled = None

    def remove(self, index: int) -> None:
        """Remove the point at ``index``."""
        if not 0 <= index < len(self.X) or len(self.X) <= 2:
            raise ValueError(f"remove: there is no point {index} to remove (keep two at least)")
        del self.X[index], self.y[index]
        self.compiled = None

    def train(self, steps: int) -> None:
        """Run ``steps`` training steps, compiled (the same numbers as the graph's, faster)."""
        self.pending = []  # a shown update belongs to the parameters it was shown for
        if self.compiled is None:
            self.compiled = nn.compile_loss(self.model, self.X, self.y, alpha=self.alpha)
        for _ in range(steps):
            self.optimizer.zero_grad()
            loss = self.compiled()
            right = accuracy(self.compiled.outputs, self.y, "hinge")
            self.optimizer.step()
            self.step += 1
            self.history["loss"].append(loss)
            self.history["accuracy"].append(right)

    def boundary(self) -> dict[str, Any]:
        """The model's score on a GRID × GRID grid over the data, and the grid's extent."""
        xs, ys = [p[0] for p in self.X], [p[1] for p in self.X]
        pad = 0.25
        x0, x1 = min(xs) - pad, max(xs) + pad
        y0, y1 = min(ys) - pad, max(ys) + pad
        if self.boundary_graph is None:
            # One sample's score, compiled once with the parameters as inputs: each point
            # of the grid is then one call on plain floats.
            point = [Value(0.0), Value(0.0)]
            score = self.model(point)
            assert isinstance(score, Value)  # one output: the score
            self.boundary_graph = engine.compile(score, [*point, *self.model.parameters()])
        params = [p.data for p in self.model.parameters()]
        scores = []
        for row in range(GRID):
            gy = y1 - (y1 - y0) * row / (GRID - 1)
            for col in range(GRID):
                gx = x0 + (x1 - x0) * col / (GRID - 1)
                scores.append(self.boundary_graph([gx, gy, *params])[0])
        return {"grid": GRID, "extent": [x0, x1, y0, y1], "scores": scores}

    def state(self, *, boundary: bool = True) -> dict[str, Any]:
        """What the page draws: the data, the curves, the step and the boundary."""
        found: dict[str, Any] = {"X": self.X, "y": self.y, "step": self.step,
                                 "history": self.history}  # fmt: skip
        if boundary:
            found["boundary"] = self.boundary()
        return found

    def detail(self, sample: int) -> dict[str, Any]:
        """One step told in full: the batch's loss as a graph, sample ``sample`` drawn.

        Returns the explorer page of its backward pass, layer by layer, and the update
        ``p ← p − η·grad`` it leads to, parameter by parameter; ``apply`` makes it.
        """
        params = self.model.parameters()
        scores = [self._score(x) for x in self.X]
        if sample < 0:
            # The first sample the loss does not ignore: a met margin passes back only zeros.
            terms = [
                max(0.0, 1 - (2 * label - 1) * s.data)
                for s, label in zip(scores, self.y, strict=True)
            ]
            sample = next((i for i, t in enumerate(terms) if t > 0), 0)
        if not 0 <= sample < len(self.X):
            raise ValueError(f"detail: sample must be from 0 to {len(self.X) - 1}, got {sample}")
        loss = nn.hinge_loss(scores, self.y) + self.alpha * engine.dot(params, params)
        title = f"Step {self.step + 1}: the backward pass"
        page = viz.explorer(loss, model=self.model, detail="layers", sample=sample,
                            theme="auto", title=title)  # fmt: skip
        assert isinstance(page, ExplorerPage)
        grads = engine.grad(loss, params)
        names = [name for name, _ in self.model.named_parameters()]
        rows = []
        for name, p, g in zip(names, params, grads, strict=True):
            rows.append([_short(name), p.data, g.data])
        self.pending = [g.data for g in grads]
        return {"explorer": page.html, "loss": loss.data, "lr": self.lr, "rows": rows,
                "sample": sample, "score": scores[sample].data}  # fmt: skip

    def _score(self, x: list[float]) -> Value:
        score = self.model(x)
        assert isinstance(score, Value)  # one output: the score
        return score

    def apply(self) -> None:
        """Make the update that ``detail`` showed: plain gradient descent, p ← p − η·grad."""
        if not self.pending:
            raise ValueError("apply: there is no update to make: run a step in detail first")
        params = self.model.parameters()
        with engine.no_grad():
            for p, g in zip(params, self.pending, strict=True):
                p.data -= self.lr * g
        self.step += 1
        self.pending = []
        self.optimizer = nn.SGD(params, lr=self.lr, momentum=0.9)  # the momentum starts anew


def _short(name: str) -> str:
    """``layers.0.neurons.3.w.1`` as the algorithm writes it: ``W1[3,1]``; a bias ``b1[3]``."""
    parts = name.split(".")
    layer, neuron = int(parts[1]) + 1, parts[3]
    return f"W{layer}[{neuron},{parts[5]}]" if parts[4] == "w" else f"b{layer}[{neuron}]"


_session: Session | None = None


def train(command: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run one command of the training panel and return the state the page draws."""
    global _session
    if command == "setup" or _session is None:
        _session = Session(args)
        if command == "setup":
            return _session.state()
    session = _session
    if command == "steps":
        session.train(int(args.get("n", 1)))
        return session.state(boundary=bool(args.get("boundary", True)))
    if command == "add":
        session.add(args["x"], args["y"], args["label"])
    elif command == "remove":
        session.remove(int(args["index"]))
    elif command == "detail":
        return {"detail": session.detail(int(args["sample"])), **session.state(boundary=False)}
    elif command == "apply":
        session.apply()
    elif command != "state":
        raise ValueError(f"train: unknown command {command!r}")
    return session.state()
