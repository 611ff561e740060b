"""The explorer's code panel: the graph's generated Python beside the picture.

``engine.compile`` writes the graph out as one line per node. The panel shows that
source, and at each step of the backward pass it marks the lines of the node the
step is about (its forward line and its chain-rule step) and the lines whose terms
add up to its gradient, the same sum the explorer prints with numbers.
"""

from typing import Any

import engine
from engine import Value


def code_data(root: Value) -> dict[str, Any]:
    """Return the source lines and, per node id ``v<i>``, its lines and its gradient's lines.

    Every leaf is an input, so each one's gradient is in the code; line numbers
    count from 1.
    """
    order = engine.topological_order(root)
    leaves = [node for node in order if not node.parents]
    cg = engine.compile(root, leaves, loops=False)
    return {
        "lines": cg.source.splitlines(),
        "own": {f"v{i}": cg.lines.get(i, []) for i in range(len(order))},
        "feeding": {f"v{i}": cg.grad_lines.get(i, []) for i in range(len(order))},
    }


SECTION = """<section id="code">
  <h2>The same pass as code <small>(engine.compile)</small></h2>
  <p class="legend"><span class="own">this node's lines</span>
    <span class="feeding">the terms of its gradient</span></p>
  <pre id="source"></pre>
</section>"""

STYLE = """
main.with-code { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); }
main.with-code #panel { grid-column: 1 / -1; }
#code { padding: 0.6rem 1rem; border-left: 1px solid #e5e7eb; min-width: 0; }
@media (max-width: 900px) {
  main.with-code { grid-template-columns: minmax(0, 1fr); }
  #code { border-left: 0; border-top: 1px solid #e5e7eb; }
}
#code h2 { font-size: 1.05rem; margin: 0.2rem 0 0.4rem; }
#code .legend span { padding: 0 0.4rem; margin-right: 0.6rem; }
#source { font: 0.85rem/1.35 "DejaVu Sans Mono", Menlo, Consolas, monospace; margin: 0;
  max-height: 75vh; overflow: auto; background: #f9fafb; border: 1px solid #e5e7eb; }
#source .line { display: block; white-space: pre; padding-right: 0.5rem; }
#source .number { display: inline-block; width: 3.2em; color: #9ca3af; text-align: right;
  margin-right: 0.8em; user-select: none; }
.own { background: #fecaca; }
.feeding { background: #fde68a; }
"""

# Follows the step the main script shows (it writes body's data-step), so the panel
# needs no hook in that script. Text goes in with textContent only: labels stay text.
SCRIPT = """
"use strict";
(() => {
  const CODE = DATA.code;
  const source = document.getElementById("source");
  const rows = CODE.lines.map((text, i) => {
    const row = document.createElement("span");
    row.className = "line";
    row.dataset.line = String(i + 1);
    const number = document.createElement("span");
    number.className = "number";
    number.textContent = String(i + 1);
    row.append(number, document.createTextNode(text));
    source.append(row);
    return row;
  });
  function highlight() {
    const id = STEPS[current].id;
    rows.forEach(row => row.classList.remove("own", "feeding"));
    const own = CODE.own[id] || [];
    const feeding = CODE.feeding[id] || [];
    own.forEach(n => rows[n - 1].classList.add("own"));
    feeding.forEach(n => rows[n - 1].classList.add("feeding"));
    document.body.dataset.own = own.join(",");
    document.body.dataset.feeding = feeding.join(",");
    const marked = own.concat(feeding);
    if (marked.length) {
      // The first marked line a third of the way down the panel; only the panel scrolls.
      const first = rows[Math.min(...marked) - 1];
      const offset = first.getBoundingClientRect().top - source.getBoundingClientRect().top;
      source.scrollTop += offset - source.clientHeight / 3;
    }
  }
  new MutationObserver(highlight).observe(document.body, { attributeFilter: ["data-step"] });
  highlight();
})();
"""
