"""The backward-pass explorer: one self-contained HTML page that steps through backprop.

The page shows the computation graph and walks the backward pass node by node, in
reverse topological order, forwards and back (buttons, or the arrow keys). At each
step it highlights the node whose gradient is now complete and shows the chain-rule
sum that gives it, with the numbers:
``dL/dx = dL/dy · dy/dx = 0.5000 · 2.0000 = 1.0000``.
Everything is inline (no network), and every label reaches the page as JSON text,
shown with ``textContent``, so no label can become markup or script.
"""

import json
import math
import os
from pathlib import Path
from typing import Any

import engine
from engine import Value
from viz import code_view
from viz.graph import draw_dot
from viz.output import pipe, write_atomically


def backward_steps(root: Value) -> list[dict[str, Any]]:
    """Return the backward pass as steps: each node with the chain-rule terms of its grad.

    Step 0 is the seed, d(root)/d(root) = 1. Each later step is the next node in
    reverse topological order: every node that uses it has been visited, so its
    gradient is complete. A term is (user node, its gradient, local derivative,
    product); the terms are summed in the order the engine's backward pass adds them.
    """
    order = engine.topological_order(root)
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    names = {node: node.label or ids[node] for node in order}
    grads: dict[Value, float] = {root: 1.0}
    terms: dict[Value, list[dict[str, Any]]] = {node: [] for node in order}
    steps = []
    for node in reversed(order):
        grad = grads[node]
        steps.append(
            {
                "id": ids[node],
                "name": names[node],
                "op": node.op,
                "data": _number(node.data),
                "grad": _number(grad),
                "terms": terms[node],
            }
        )
        for parent, local in zip(node.parents, engine.local_derivatives(node), strict=True):
            grads[parent] = grads.get(parent, 0.0) + grad * local
            terms[parent].append(
                {
                    "via": names[node],
                    "via_id": ids[node],
                    "upstream": _number(grad),
                    "local": _number(local),
                }
            )
    return steps


def explorer(
    root: Value,
    path: str | os.PathLike[str],
    *,
    number_format: str = ".4f",
    title: str = "Backward pass explorer",
    code: bool = False,
    **draw_options: Any,
) -> Path:
    """Write the explorer page for ``root`` to ``path`` (one HTML file) and return the path.

    ``draw_options`` go to :func:`viz.draw_dot` (``rankdir``, ``theme``,
    ``font_size``, ``parameters``, ...). No Value's ``.grad`` is touched: the
    page computes the gradients it shows, in the engine's order. With ``code``,
    a panel beside the graph shows the pass as the Python ``engine.compile``
    writes, and marks each step's lines.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explorer: root must be a Value, got {type(root).__name__}")
    target = Path(os.fspath(path))
    if not target.parent.is_dir():
        raise FileNotFoundError(f"explorer: the folder {str(target.parent)!r} does not exist")
    draw_options.setdefault("show_grad", False)
    svg = pipe(draw_dot(root, number_format=number_format, **draw_options), "svg").decode("utf-8")
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype: the SVG goes inline
    steps = backward_steps(root)
    root_name = steps[0]["name"]
    data: dict[str, Any] = {"root": root_name, "format": number_format, "steps": steps}
    if code:
        data["code"] = code_view.code_data(root)
    page = _PAGE.format(
        title=_html(title),
        svg=svg,
        data=_script_json(data),
        style=_STYLE + (code_view.STYLE if code else ""),
        script=_SCRIPT,
        main=' class="with-code"' if code else "",
        code=code_view.SECTION if code else "",
        code_script=f"<script>{code_view.SCRIPT}</script>\n" if code else "",
    )
    write_atomically(target, page.encode("utf-8"))
    return target


def _number(x: float) -> float | str:
    """A float for JSON, which has no nan or inf: those travel as the strings the page shows."""
    return x if math.isfinite(x) else str(x)


def _html(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _script_json(data: object) -> str:
    """JSON that cannot end its <script> element early, whatever the labels hold."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
<header>
  <h1>{title}</h1>
  <nav>
    <button id="first" title="First step (Home)">&#x00AB; First</button>
    <button id="prev" title="Previous step (Left arrow)">&#x25C0; Previous</button>
    <span id="counter" aria-live="polite"></span>
    <button id="next" title="Next step (Right arrow)">Next &#x25B6;</button>
    <button id="last" title="Last step (End)">Last &#x00BB;</button>
  </nav>
</header>
<main{main}>
  <section id="panel" aria-live="polite">
    <p id="node"></p>
    <p id="formula"></p>
    <p id="hint"></p>
  </section>
  <section id="graph">{svg}</section>
{code}</main>
<script type="application/json" id="steps">{data}</script>
<script>{script}</script>
{code_script}</body>
</html>
"""

_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 0; color: #1f2937; background: #fff; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 1.5rem; padding: 0.8rem 1.2rem;
  border-bottom: 1px solid #d1d5db; }
h1 { font-size: 1.3rem; margin: 0; }
nav { display: flex; align-items: center; gap: 0.5rem; }
button { font-size: 1.05rem; padding: 0.35rem 0.8rem; cursor: pointer; }
#counter { min-width: 8rem; text-align: center; font-weight: bold; }
#panel { padding: 0.6rem 1.2rem; font-size: 1.25rem; border-bottom: 1px solid #e5e7eb; }
#panel p { margin: 0.35rem 0; }
#formula { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; white-space: pre-wrap; }
#hint { color: #6b7280; font-size: 1rem; }
#graph { padding: 1rem; overflow: auto; }
#graph svg { max-width: 100%; height: auto; }
/* The node whose gradient this step completes, and the nodes its gradient comes from. */
g.current > polygon:first-of-type, g.current > ellipse { stroke: #dc2626 !important;
  stroke-width: 4px; }
g.source > polygon:first-of-type, g.source > ellipse { stroke: #f59e0b !important;
  stroke-width: 3px; }
g.pending { opacity: 0.35; }
"""

# The page's logic: show step k; every number shown comes from the embedded JSON.
_SCRIPT = """
"use strict";
const DATA = JSON.parse(document.getElementById("steps").textContent);
const STEPS = DATA.steps;
const ROOT = DATA.root;
const DIGITS = (/\\.(\\d+)/.exec(DATA.format) || [null, "4"])[1] | 0;
let current = 0;

function num(x) {
  return typeof x === "string" ? x : x.toFixed(DIGITS);  // "nan", "inf", "-inf" come as text
}

function d(top, bottom) { return "d" + top + "/d" + bottom; }

function formula(step) {
  if (step.terms.length === 0) return d(ROOT, ROOT) + " = 1 (the seed)";
  const symbols = step.terms.map(t => d(ROOT, t.via) + " \\u00b7 " + d(t.via, step.name));
  const numbers = step.terms.map(t => num(t.upstream) + " \\u00b7 " + num(t.local));
  return d(ROOT, step.name) + " = " + symbols.join(" + ") + "\\n    = " +
    numbers.join(" + ") + "\\n    = " + num(step.grad);
}

function mark(id, cls, on) {
  const el = document.getElementById(id);
  if (el) el.classList.toggle(cls, on);
}

function show(k) {
  current = Math.max(0, Math.min(STEPS.length - 1, k));
  const step = STEPS[current];
  STEPS.forEach((s, i) => {
    mark(s.id, "current", i === current);
    mark(s.id, "pending", i > current);
    mark(s.id, "source", false);
  });
  step.terms.forEach(t => mark(t.via_id, "source", true));
  document.getElementById("counter").textContent =
    "step " + current + " of " + (STEPS.length - 1);
  document.getElementById("node").textContent = "node " + step.name +
    (step.op ? " (made by " + step.op + ")" : " (a leaf)") +
    ": data " + num(step.data) + ", grad " + num(step.grad);
  document.getElementById("formula").textContent = formula(step);
  document.getElementById("hint").textContent = current === STEPS.length - 1
    ? "Every gradient is complete: the backward pass is done."
    : "Next: the gradient of " + STEPS[current + 1].name + ".";
  document.body.dataset.step = String(current);
  document.body.dataset.node = step.id;
}

document.getElementById("first").addEventListener("click", () => show(0));
document.getElementById("prev").addEventListener("click", () => show(current - 1));
document.getElementById("next").addEventListener("click", () => show(current + 1));
document.getElementById("last").addEventListener("click", () => show(STEPS.length - 1));
document.addEventListener("keydown", e => {
  const moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0,
    End: STEPS.length - 1 };
  if (e.key in moves) { show(moves[e.key]); e.preventDefault(); }
});
show(0);
"""
