"use strict";
// The code panel: the pass as engine.compile writes it, one row per line, and each step's
// lines marked. It follows the explorer's "explorer:step" event, sent synchronously, so
// the marks are in place when a step's handler returns. Text goes in by textContent only.
(() => {
  const source = document.getElementById("source");
  const rows = DATA.code.lines.map((text, i) => {
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
  function highlight(step) {
    rows.forEach(row => row.classList.remove("own", "feeding"));
    const valid = n => Number.isInteger(n) && n >= 1 && n <= rows.length;
    const own = (step.own || []).filter(valid);
    const feeding = (step.feeding || []).filter(valid);
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
  document.addEventListener("explorer:step", e => highlight(e.detail.step));
  highlight(STEPS[current]);
})();
