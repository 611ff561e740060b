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
const READABLE = readableScale();
const MAX_SCALE = 4;
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
  // The zoom at which the graph's most common text is 12 px tall, never above natural size.
  const counts = new Map();
  for (const t of svg.querySelectorAll("text[font-size]")) {
    const size = parseFloat(t.getAttribute("font-size"));
    if (size > 0) counts.set(size, (counts.get(size) || 0) + 1);
  }
  let common = 14, most = 0;
  for (const [size, n] of counts) if (n > most) { common = size; most = n; }
  const ptToPx = NATURAL.w / ((svg.viewBox.baseVal && svg.viewBox.baseVal.width) || NATURAL.w);
  return Math.min(1, 12 / (common * ptToPx));
}

function viewport() { return { w: view.clientWidth, h: view.clientHeight }; }

function fitScale() {
  const v = viewport();
  return Math.min(1, (v.w - 2 * PAD) / NATURAL.w, (v.h - 2 * PAD) / NATURAL.h);
}

function minScale() { return Math.min(fitScale(), READABLE) / 2; }

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
  byId("lines").textContent = (step.lines || []).join("\n");
  byId("hint").textContent = current === LAST
    ? "Every gradient is complete: the backward pass is done."
    : "Next (\u2192): " + STEPS[current + 1].heading;
  byId("first").disabled = byId("prev").disabled = current === 0;
  byId("next").disabled = byId("last").disabled = current === LAST;
  document.body.dataset.step = String(current);
  document.body.dataset.node = step.id;
  reveal();
  // The code panel (and anything else) follows the step; dispatching is synchronous.
  document.dispatchEvent(new CustomEvent("explorer:step", { detail: { step, index: current } }));
}

// A click on anything inside a box jumps to that box's step; the innermost box wins.
// Cell links never navigate, whether or not they are inside a box.
view.addEventListener("click", e => {
  if (e.target instanceof Element && e.target.closest("a")) e.preventDefault();
  if (dragged) { dragged = false; return; }
  for (let el = e.target; el && el !== view; el = el.parentNode) {
    if (boxes.has(el) && el.classList.contains("clickable")) { show(boxes.get(el)); return; }
  }
});

byId("first").addEventListener("click", () => show(0));
byId("prev").addEventListener("click", () => show(current - 1));
byId("next").addEventListener("click", () => show(current + 1));
byId("last").addEventListener("click", () => show(LAST));
byId("zoom-in").addEventListener("click", () => zoomBy(STEP_ZOOM));
byId("zoom-out").addEventListener("click", () => zoomBy(1 / STEP_ZOOM));
byId("fit").addEventListener("click", fit);
document.addEventListener("keydown", e => {
  if (e.ctrlKey || e.metaKey || e.altKey) return; // the browser's own zoom and shortcuts
  const moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: LAST };
  const zooms = { "+": () => zoomBy(STEP_ZOOM), "=": () => zoomBy(STEP_ZOOM),
    "-": () => zoomBy(1 / STEP_ZOOM), "_": () => zoomBy(1 / STEP_ZOOM), "0": fit };
  if (e.key in moves) show(moves[e.key]);
  else if (e.key in zooms) zooms[e.key]();
  else return;
  e.preventDefault();
});

// When the window (or the code panel beside the graph) changes size, keep the graph in
// reach and the current box in view.
new ResizeObserver(() => { apply(); reveal(); }).observe(view);

// Start at the graph's width, but never smaller than readable (a large graph opens at a
// scale one can read, not as a thumbnail) nor larger than natural; show(0) then pans to
// the first box.
{
  const v = viewport();
  scale = Math.min(1, Math.max((v.w - 2 * PAD) / NATURAL.w, READABLE));
  tx = (v.w - NATURAL.w * scale) / 2;
  ty = (v.h - NATURAL.h * scale) / 2;
  apply();
}
document.body.dataset.mode = DATA.mode || "nodes";
show(0);
