"use strict";
// The explorer: step through the backward pass over a pannable, zoomable graph.
// Everything shown comes from the JSON in #steps, and text reaches the page only
// through textContent, so no label can become markup.
const DATA = JSON.parse(document.getElementById("steps").textContent);
const STEPS = DATA.steps;
const LAST = STEPS.length - 1;
let current = 0;

const view = document.getElementById("graph");
const svg = view.querySelector("svg");
const byId = id => document.getElementById(id);

// -- the boxes: which step each one belongs to, and the grad cells that fill in -------------

// Every box the page marks, with its step: the clickable boxes and each step's own box.
const boxes = new Map();
for (const [id, k] of Object.entries(DATA.boxes || {})) {
  const el = byId(id);
  if (el) { boxes.set(el, k); el.classList.add("clickable"); }
}
STEPS.forEach((step, k) => {
  const el = byId(step.id);
  if (el && !boxes.has(el)) boxes.set(el, k);
});

// A grad cell is Graphviz's <g id="a_KEY"> around an <a> with one <text>. A cell can be
// filled by more than one step; at step k it shows the latest value of a step <= k, and
// before its first step, its own text with the number as DATA.blank ("grad ?").
const cells = new Map();
const NUMBER = /-?(?:\d+\.?\d*(?:e[-+]?\d+)?|nan|inf)\s*$/;
STEPS.forEach((step, k) => {
  for (const [key, value] of Object.entries(step.fill || {})) {
    const holder = byId("a_" + key) || byId(key);
    const text = holder && holder.querySelector("text");
    if (!text) continue;
    if (!cells.has(text)) cells.set(text, { blank: text.textContent.replace(NUMBER, DATA.blank), values: [] });
    cells.get(text).values.push([k, String(value)]);
  }
});

// Graphviz gives a cell link the tooltip "<TABLE>" when it has none of its own.
const XLINK = "http://www.w3.org/1999/xlink";
for (const a of svg.querySelectorAll("a")) {
  if (a.getAttributeNS(XLINK, "title") === "<TABLE>") a.removeAttributeNS(XLINK, "title");
}

// -- pan and zoom ---------------------------------------------------------------------------

// The SVG is drawn at `scale` times its natural size (its width and height are set, so the
// browser draws it sharp at every zoom) and moved to (tx, ty) inside the viewport. Every
// move is synchronous: when a handler returns, the graph is where it will stay.
const NATURAL = naturalSize();
const MAX_SCALE = 4;
const MIN_TEXT = 12; // px: the smallest text at the opening zoom, legible in a classroom
const READABLE = readableScale();
const STEP_ZOOM = 1.25;
const PAD = 24; // px of slack around the graph when panning, and around the current box
let scale = 1, tx = 0, ty = 0;

function naturalSize() {
  // Graphviz writes width and height in pt and a viewBox in the same units; 1pt = 4/3 px.
  const px = name => {
    const m = /^([\d.]+)\s*(pt|px)?$/.exec(svg.getAttribute(name) || "");
    return m ? parseFloat(m[1]) * (m[2] === "pt" ? 4 / 3 : 1) : null;
  };
  const box = svg.viewBox.baseVal;
  return {
    w: px("width") || (box && box.width) || 1,
    h: px("height") || (box && box.height) || 1,
  };
}

function readableScale() {
  // The zoom at which the graph's smallest text is MIN_TEXT px tall.
  let smallest = Infinity;
  for (const t of svg.querySelectorAll("text[font-size]")) {
    const size = parseFloat(t.getAttribute("font-size"));
    if (size > 0 && size < smallest) smallest = size;
  }
  if (!isFinite(smallest)) smallest = 14;
  // The SVG's user units on screen at scale 1: its size over its viewBox, the smaller of the
  // two ratios, as the browser fits the viewBox (Graphviz rounds the size, not the viewBox).
  const box = svg.viewBox.baseVal;
  const ptToPx = box && box.width && box.height
    ? Math.min(NATURAL.w / box.width, NATURAL.h / box.height) : 1;
  return Math.min(MAX_SCALE, MIN_TEXT / (smallest * ptToPx) * 1.0001);
}

function viewport() { return { w: view.clientWidth, h: view.clientHeight }; }

function fitScale() {
  const v = viewport();
  return Math.max(0.01, Math.min(1, (v.w - 2 * PAD) / NATURAL.w, (v.h - 2 * PAD) / NATURAL.h));
}

function minScale() { return Math.min(fitScale(), READABLE, 1) / 2; }

function clampPan() {
  // A graph narrower than the viewport stays wholly inside it; a wider one keeps its
  // edges within PAD of the viewport's, so it can never be panned out of sight.
  const v = viewport(), w = NATURAL.w * scale, h = NATURAL.h * scale;
  const clamp = (t, size, room) =>
    size + 2 * PAD <= room ? Math.min(Math.max(t, PAD), room - size - PAD)
      : Math.min(Math.max(t, room - size - PAD), PAD);
  tx = clamp(tx, w, v.w);
  ty = clamp(ty, h, v.h);
}

function apply() {
  absorbScroll();
  clampPan();
  svg.setAttribute("width", String(NATURAL.w * scale));
  svg.setAttribute("height", String(NATURAL.h * scale));
  svg.style.transform = `translate(${tx}px, ${ty}px)`;
  document.body.dataset.zoom = scale.toFixed(4);
}

// The viewport hides its overflow but the browser may still scroll it, to bring a focused
// cell link or a scrolled-to box into view: that scroll becomes part of the pan.
function absorbScroll() {
  if (!view.scrollLeft && !view.scrollTop) return;
  tx -= view.scrollLeft;
  ty -= view.scrollTop;
  view.scrollLeft = view.scrollTop = 0;
}
view.addEventListener("scroll", () => { if (view.scrollLeft || view.scrollTop) apply(); });

// Zoom to `next`, keeping the graph point under (x, y) (viewport px) where it is.
function zoomTo(next, x, y) {
  absorbScroll();
  next = Math.min(MAX_SCALE, Math.max(minScale(), next));
  tx = x - (x - tx) * next / scale;
  ty = y - (y - ty) * next / scale;
  scale = next;
  apply();
}

// Buttons and keys zoom about the current box when it is in view, else about the middle.
function zoomBy(factor) {
  const v = viewport();
  const r = boxRect(byId(STEPS[current].id));
  const inView = r && r.right > 0 && r.left < v.w && r.bottom > 0 && r.top < v.h;
  const x = inView ? (r.left + r.right) / 2 : v.w / 2;
  const y = inView ? (r.top + r.bottom) / 2 : v.h / 2;
  zoomTo(scale * factor, x, y);
  reveal();
}

function fit() {
  const v = viewport();
  scale = fitScale();
  tx = (v.w - NATURAL.w * scale) / 2;
  ty = (v.h - NATURAL.h * scale) / 2;
  apply();
}

// A box's rectangle in viewport px, or null when the SVG has no such box.
function boxRect(el) {
  if (!el) return null;
  const r = el.getBoundingClientRect(), o = view.getBoundingClientRect();
  return { left: r.left - o.left, top: r.top - o.top, right: r.right - o.left,
    bottom: r.bottom - o.top };
}

// Pan (and zoom out, if the box is larger than the view) so the current box is in view.
function reveal() {
  if (!framed) return; // not laid out yet: open() frames the page when it is
  absorbScroll();
  const box = byId(STEPS[current].id);
  let r = boxRect(box);
  if (!r) return;
  const v = viewport();
  const w = r.right - r.left, h = r.bottom - r.top;
  if (w > v.w - 2 * PAD || h > v.h - 2 * PAD) {
    const next = scale * Math.min((v.w - 2 * PAD) / w, (v.h - 2 * PAD) / h);
    zoomTo(next, (r.left + r.right) / 2, (r.top + r.bottom) / 2);
    r = boxRect(box);
  }
  if (r.left >= PAD && r.top >= PAD && r.right <= v.w - PAD && r.bottom <= v.h - PAD) return;
  // Out of view: bring it to the middle, so the next few steps near it need no move.
  tx += v.w / 2 - (r.left + r.right) / 2;
  ty += v.h / 2 - (r.top + r.bottom) / 2;
  apply();
}

// Drag to pan. The pointer is captured only once it has moved, so a plain click still
// reaches the box under it; the click that ends a drag is swallowed.
let drag = null, dragged = false;
view.addEventListener("pointerdown", e => {
  if (e.button !== 0) return;
  absorbScroll();
  drag = { id: e.pointerId, x: e.clientX, y: e.clientY, tx, ty, moving: false };
  dragged = false;
});
view.addEventListener("pointermove", e => {
  if (!drag || e.pointerId !== drag.id) return;
  const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
  if (!drag.moving && Math.hypot(dx, dy) < 4) return;
  if (!drag.moving) {
    drag.moving = true;
    view.setPointerCapture(e.pointerId);
    view.classList.add("dragging");
  }
  tx = drag.tx + dx;
  ty = drag.ty + dy;
  apply();
});
function endDrag(e) {
  if (!drag || e.pointerId !== drag.id) return;
  dragged = drag.moving;
  drag = null;
  view.classList.remove("dragging");
}
view.addEventListener("pointerup", endDrag);
view.addEventListener("pointercancel", endDrag);
view.addEventListener("dragstart", e => e.preventDefault()); // no dragging the cell links

// Ctrl (or ⌘) with the wheel, and a trackpad pinch (which arrives as ctrl+wheel), zoom at
// the pointer; a plain wheel or two-finger scroll pans, as in a long document.
view.addEventListener("wheel", e => {
  e.preventDefault();
  absorbScroll();
  const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? viewport().h : 1;
  if (e.ctrlKey || e.metaKey) {
    const o = view.getBoundingClientRect();
    zoomTo(scale * Math.exp(-e.deltaY * unit * 0.002), e.clientX - o.left, e.clientY - o.top);
  } else {
    const shift = e.shiftKey && !e.deltaX;
    tx -= (shift ? e.deltaY : e.deltaX) * unit;
    ty -= (shift ? 0 : e.deltaY) * unit;
    apply();
  }
}, { passive: false });

// -- the step's text: lines, then tables ----------------------------------------------------

const panel = byId("panel");
const holder = byId("lines");
let selected = null; // { step, table, row, col }: a row of the recursion or a gradient's cell

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

// A table block drawn with `chunk` columns per table: a wide matrix folds into blocks of
// columns, each headed by its column numbers, so the text never scrolls sideways.
function tables(block, chunk) {
  const out = [];
  const n = block.cols.length;
  for (let start = 0; start < n || (n === 0 && start === 0); start += chunk) {
    const table = element("table", block.role || "");
    if (block.name) table.dataset.name = block.name;
    const head = element("tr");
    head.append(element("th", "", block.corner || ""));
    block.cols.slice(start, start + chunk).forEach((c, i) => {
      const th = element("th", "", c);
      th.dataset.col = String(start + i);
      head.append(th);
    });
    table.append(element("thead"), element("tbody"));
    table.tHead.append(head);
    block.rows.forEach((row, j) => {
      const tr = element("tr");
      tr.dataset.row = String(j);
      tr.append(element("th", "", row.head));
      row.cells.slice(start, start + chunk).forEach((c, i) => {
        const td = element("td", "", c);
        td.dataset.col = String(start + i);
        tr.append(td);
      });
      table.tBodies[0].append(tr);
    });
    if (block.details) table.classList.add("details");
    out.push(table);
    if (n === 0) break;
  }
  return out;
}

function fits(figure) {
  return [...figure.querySelectorAll("table")].every(t => t.offsetWidth <= figure.clientWidth);
}

function renderBlock(block, index) {
  const figure = element("figure");
  figure.dataset.block = String(index);
  if (block.title) figure.append(element("figcaption", "", block.title));
  if (block.kind === "text") {
    figure.append(element("pre", "", block.lines.join("\n")));
    return figure;
  }
  const body = element("div");
  figure.append(body);
  for (const note of block.notes || []) figure.append(element("p", "note", note));
  figure.append(element("pre", "drill"));
  figure.lastChild.hidden = true;
  holder.append(figure);
  // The most columns per table that fit the panel's width.
  for (let chunk = Math.max(block.cols.length, 1); chunk >= 1; chunk--) {
    body.replaceChildren(...tables(block, chunk));
    if (fits(figure)) break;
  }
  return figure;
}

function renderPanel(step) {
  holder.replaceChildren();
  if ((step.lines || []).length) holder.append(element("pre", "", step.lines.join("\n")));
  (step.blocks || []).forEach((block, i) => holder.append(renderBlock(block, i)));
  panel.dataset.width = String(panel.clientWidth);
  if (selected && selected.step === current) select(selected.table, selected.row, selected.col);
  else selected = null;
}

// Row j of a layer's recursion: column j of the weights above and the whole delta above are
// marked, and the sum over k is written out below the table.
function select(tableIndex, row, col) {
  const step = STEPS[current];
  const block = (step.blocks || [])[tableIndex];
  const figure = holder.querySelector(`figure[data-block="${tableIndex}"]`);
  if (!block || !figure) return;
  for (const el of holder.querySelectorAll(".selected, .marked")) el.classList.remove("selected", "marked");
  const drill = figure.querySelector("pre.drill");
  let text = null;
  if (block.drill && block.drill[row]) {
    for (const tr of figure.querySelectorAll(`tbody tr[data-row="${row}"]`)) tr.classList.add("selected");
    const marks = block.highlight || {};
    for (const td of holder.querySelectorAll(`table[data-name="${marks.column}"] td[data-col="${row}"]`)) {
      td.classList.add("marked");
    }
    for (const td of holder.querySelectorAll(`table[data-name="${marks.all}"] td`)) td.classList.add("marked");
    text = block.drill[row].join("\n");
  } else if (block.details && block.details[row] && block.details[row][col] !== undefined) {
    const td = figure.querySelector(`tbody tr[data-row="${row}"] td[data-col="${col}"]`);
    if (td) td.classList.add("selected");
    text = block.details[row][col];
  }
  drill.hidden = text === null;
  drill.textContent = text || "";
  selected = text === null ? null : { step: current, table: tableIndex, row, col };
  document.body.dataset.selected = selected ? `${tableIndex}:${row}:${col}` : "";
}

holder.addEventListener("click", e => {
  const cell = e.target instanceof Element && e.target.closest("tbody td, tbody th");
  const figure = cell && cell.closest("figure");
  if (!figure) return;
  const row = Number(cell.parentElement.dataset.row);
  const col = cell.dataset.col === undefined ? -1 : Number(cell.dataset.col);
  select(Number(figure.dataset.block), row, col);
});

// The table of a step that a click on a layer box's delta cell selects: its recursion.
function recursionTable(step) {
  return (step.blocks || []).findIndex(b => b.role === "recursion" && b.drill);
}

// -- steps ----------------------------------------------------------------------------------

function show(k) {
  current = Math.max(0, Math.min(LAST, k));
  const step = STEPS[current];
  for (const [el, i] of boxes) {
    el.classList.toggle("current", el.id === step.id);
    el.classList.toggle("pending", i > current);
    el.classList.toggle("done", i <= current && el.id !== step.id);
  }
  for (const el of document.querySelectorAll("#graph .source")) el.classList.remove("source");
  for (const id of step.sources || []) { const el = byId(id); if (el) el.classList.add("source"); }
  for (const [text, { blank, values }] of cells) {
    let shown = blank;
    for (const [i, value] of values) if (i <= current) shown = value;
    if (text.textContent !== shown) text.textContent = shown;
  }
  byId("counter").textContent = "step " + current + " of " + LAST;
  byId("heading").textContent = step.heading;
  renderPanel(step);
  panel.scrollTop = 0;
  byId("hint").textContent = current === LAST
    ? "Every gradient is complete: the backward pass is done."
    : "Next (\u2192): " + STEPS[current + 1].heading;
  byId("first").disabled = byId("prev").disabled = current === 0;
  byId("next").disabled = byId("last").disabled = current === LAST;
  document.body.dataset.step = String(current);
  document.body.dataset.node = step.id;
  remember();
  reveal();
  // The code panel (and anything else) follows the step; dispatching is synchronous.
  document.dispatchEvent(new CustomEvent("explorer:step", { detail: { step, index: current } }));
}

// The step is kept in the address (#step=5), so a reload or a shared link opens at it.
function remember() {
  try { history.replaceState(null, "", "#step=" + current); } catch (e) { /* a sandboxed frame */ }
}
function remembered() {
  const m = /^#step=(\d+)$/.exec(location.hash);
  return m ? Number(m[1]) : null;
}

// A click on anything inside a box jumps to that box's step; the innermost box wins.
// Cell links never navigate, whether or not they are inside a box. A layer's delta cell
// also selects its row of the recursion.
const DELTA_CELL = /^a_(layer\d+)_d(\d+)_grad$/;
view.addEventListener("click", e => {
  const link = e.target instanceof Element && e.target.closest("a");
  if (link) e.preventDefault();
  if (dragged) { dragged = false; return; }
  for (let el = e.target; el && el !== view; el = el.parentNode) {
    if (boxes.has(el) && el.classList.contains("clickable")) {
      show(boxes.get(el));
      const cell = link && link.parentNode && DELTA_CELL.exec(link.parentNode.id || "");
      const table = cell ? recursionTable(STEPS[current]) : -1;
      if (table >= 0) select(table, Number(cell[2]), -1);
      return;
    }
  }
});

// -- the text beside the graph, and the presentation mode -----------------------------------

function toggleText() {
  const hidden = document.body.classList.toggle("text-hidden");
  byId("toggle-text").textContent = hidden ? "Show text" : "Hide text";
  byId("toggle-text").setAttribute("aria-pressed", String(hidden));
}

const PRESENT_ZOOM = 1.5;
function togglePresent() {
  const on = document.body.classList.toggle("presenting");
  byId("present").setAttribute("aria-pressed", String(on));
  zoomBy(on ? PRESENT_ZOOM : 1 / PRESENT_ZOOM);
  renderPanel(STEPS[current]);
}

byId("first").addEventListener("click", () => show(0));
byId("prev").addEventListener("click", () => show(current - 1));
byId("next").addEventListener("click", () => show(current + 1));
byId("last").addEventListener("click", () => show(LAST));
byId("zoom-in").addEventListener("click", () => zoomBy(STEP_ZOOM));
byId("zoom-out").addEventListener("click", () => zoomBy(1 / STEP_ZOOM));
byId("fit").addEventListener("click", fit);
byId("toggle-text").addEventListener("click", toggleText);
byId("present").addEventListener("click", togglePresent);
document.addEventListener("keydown", e => {
  if (e.ctrlKey || e.metaKey || e.altKey) return; // the browser's own zoom and shortcuts
  const moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: LAST };
  const keys = { "+": () => zoomBy(STEP_ZOOM), "=": () => zoomBy(STEP_ZOOM),
    "-": () => zoomBy(1 / STEP_ZOOM), "_": () => zoomBy(1 / STEP_ZOOM), "0": fit,
    t: toggleText, T: toggleText, p: togglePresent, P: togglePresent };
  if (e.key in moves) show(moves[e.key]);
  else if (e.key in keys) keys[e.key]();
  else return;
  e.preventDefault();
});

// When the window (or the panel beside the graph) changes size, keep the graph in reach and
// the current box in view, and fold the tables anew to the panel's width.
new ResizeObserver(() => {
  if (!framed) { open(); return; } // a page first shown hidden (a closed frame) opens now
  apply();
  reveal();
}).observe(view);
new ResizeObserver(() => {
  if (panel.dataset.width !== String(panel.clientWidth)) renderPanel(STEPS[current]);
}).observe(panel);

// -- the palette: light or dark, for theme="auto" ---------------------------------------------

// With theme="auto" the page follows the reader's palette: the system's, or the one the page
// that embeds it announces (the course site posts {chainrule: "palette", palette}).
const PALETTE = DATA.palette;
const painted = [];
if (PALETTE) {
  for (const el of svg.querySelectorAll("[fill], [stroke]")) {
    painted.push([el, el.getAttribute("fill"), el.getAttribute("stroke")]);
  }
}
function setPalette(name) {
  if (!PALETTE || !PALETTE[name]) return;
  const map = name === "dark" ? PALETTE.map : {};
  const swap = c => (c && map[c.toLowerCase()]) || c;
  for (const [el, fill, stroke] of painted) {
    if (fill) el.setAttribute("fill", swap(fill));
    if (stroke) el.setAttribute("stroke", swap(stroke));
  }
  const root = document.documentElement;
  for (const [key, value] of Object.entries(PALETTE[name].vars)) root.style.setProperty(key, value);
  root.dataset.scheme = name;
  document.body.dataset.palette = name;
}
if (PALETTE) {
  const system = matchMedia("(prefers-color-scheme: dark)");
  let told = false;
  setPalette(system.matches ? "dark" : "light");
  system.addEventListener("change", () => { if (!told) setPalette(system.matches ? "dark" : "light"); });
  window.addEventListener("message", e => {
    if (e.data && e.data.chainrule === "palette") { told = true; setPalette(e.data.palette); }
  });
  if (window.parent !== window) window.parent.postMessage({ chainrule: "ready" }, "*");
}

// -- the opening view -----------------------------------------------------------------------

// Open at a zoom whose smallest text is legible (MIN_TEXT px), or the whole graph when it
// fits at that zoom; framed on the boxes the page was asked to focus on, else the first step.
function frame(ids) {
  const v = viewport();
  scale = Math.max(READABLE, Math.min(1, fitScale()));
  tx = (v.w - NATURAL.w * scale) / 2;
  ty = (v.h - NATURAL.h * scale) / 2;
  apply();
  const bounds = () => {
    const rects = ids.map(id => boxRect(byId(id))).filter(Boolean);
    if (!rects.length) return null;
    const left = Math.min(...rects.map(r => r.left)), right = Math.max(...rects.map(r => r.right));
    const top = Math.min(...rects.map(r => r.top)), bottom = Math.max(...rects.map(r => r.bottom));
    return { left, right, top, bottom, x: (left + right) / 2, y: (top + bottom) / 2 };
  };
  let b = bounds();
  if (!b) return;
  const room = Math.min((v.w - 2 * PAD) / (b.right - b.left), (v.h - 2 * PAD) / (b.bottom - b.top));
  if (room < 1) {
    zoomTo(Math.max(READABLE, scale * room), b.x, b.y);
    b = bounds();
  }
  tx += v.w / 2 - b.x;
  ty += v.h / 2 - b.y;
  apply();
}

// The opening view needs the graph's area: a page laid out with none (in a hidden frame)
// opens when it gets one.
let framed = false;
function open() {
  if (view.clientWidth < 2 * PAD || view.clientHeight < 2 * PAD) return;
  framed = true;
  const focus = DATA.focus && DATA.focus.length ? DATA.focus : [STEPS[current].id];
  frame(focus);
  reveal();
}

document.body.dataset.mode = DATA.mode || "nodes";
current = Math.max(0, Math.min(LAST, remembered() ?? DATA.start ?? 0));
open();
show(current);
