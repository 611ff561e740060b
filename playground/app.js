// The playground page: an editor whose code runs in a Web Worker (Python in WebAssembly, with
// the project's own engine, nn and viz), and a training panel. Text from Python reaches the
// page through textContent; pictures as images; explorer pages in sandboxed frames, so a
// program (or a shared link) can never script this page.
const $ = id => document.getElementById(id);
const timings = (window.playgroundTimings = { ready: null, run: null, stepsPerSecond: null,
  boundaries: 0 });
window.playgroundState = () => state; // for tests and for the curious, in the console

const EXAMPLES = {
  neuron: `from engine import Value

x = Value(2.0, label="x")
w = Value(-3.0, label="w")
b = Value(6.8813735870195432, label="b")
n = x * w + b
n.label = "n"
y = n.tanh()
y.label = "y"
y.backward()
print(f"y = {y.data:.4f}, dy/dx = {x.grad:.4f}, dy/dw = {w.grad:.4f}, dy/db = {b.grad:.4f}")
y  # a last line that is a Value shows its graph and its backward pass
`,
  reuse: `from engine import Value

x = Value(3.0, label="x")
y = x * x
y.label = "y"
z = y + x
z.label = "z"
z.backward()
print("dz/dx =", x.grad)  # 2x + 1 = 7: a term per use of x
z
`,
  mlp: `import nn
import viz

model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
out = model([1.0, -0.5])
L = (out - 1.0) ** 2
L.label = "L"
L.backward()
print(f"L = {L.data:.4f}")
show(L, model=model, detail="layers")  # show() draws any Value, with viz's options
`,
  newton: `import engine
from engine import Value

x = Value(2.0, label="x")
f = x**4 - 3 * x**2 + x
(df,) = engine.grad(f, [x], create_graph=True)  # f'(x), itself a graph
(d2f,) = engine.grad(df, [x])                    # f''(x)
print(f"f'(2) = {df.data}, f''(2) = {d2f.data}")  # 4x^3 - 6x + 1 = 21, 12x^2 - 6 = 42
`,
};

// -- the worker ------------------------------------------------------------------------------

let worker = null, ready = null, pending = new Map(), nextId = 1, started = 0;

function startWorker() {
  started = performance.now();
  worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  ready = new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => {
      if ("ready" in data) {
        if (data.ready) resolve(data); else reject(new Error(data.error));
        return;
      }
      if ("print" in data) { print(data.print, data.stream === "stderr" ? "stderr" : ""); return; }
      const job = pending.get(data.id);
      if (!job) return;
      pending.delete(data.id);
      if ("error" in data) {
        if (data.fatal) restart("Python stopped for good (a graph too deep for the browser's stack?) and was restarted.");
        job.reject(new Error(data.error));
      } else job.resolve(data.result);
    };
    worker.onerror = e => reject(new Error(e.message || "the worker failed to start"));
  });
  ready.then(({ version, phases }) => {
    timings.phases = phases;
    timings.ready = Math.round(performance.now() - started);
    status(`Python ${version} is ready (started in ${(timings.ready / 1000).toFixed(1)} s).`);
    for (const id of ["run", "reset", "play", "step", "detail"]) $(id).disabled = false;
    setupTraining();
    if (autorun) { autorun = false; run(); }
  }, error => status("Python could not start: " + error.message));
  return ready;
}

function call(name, args) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, call: name, args });
  });
}

function restart(why) {
  worker.terminate();
  for (const job of pending.values()) job.reject(new Error("stopped"));
  pending.clear();
  playing = false;
  updatePlay();
  status(why + " Python restarts…");
  for (const id of ["run", "stop", "reset", "play", "step", "detail"]) $(id).disabled = true;
  return startWorker();
}

function status(text) { $("status").textContent = text; }

// -- the editor and running code -------------------------------------------------------------

const editor = $("editor");
editor.addEventListener("keydown", e => {
  if (e.key === "Tab" && !e.shiftKey) {
    e.preventDefault();
    editor.setRangeText("    ", editor.selectionStart, editor.selectionEnd, "end");
  } else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    run();
  }
});
$("example").addEventListener("change", () => { editor.value = EXAMPLES[$("example").value]; });

function print(text, kind) {
  const span = document.createElement("span");
  if (kind) span.className = kind;
  span.textContent = text;
  $("output").append(span);
}

async function run() {
  $("output").replaceChildren();
  $("shown").replaceChildren();
  $("run").disabled = true;
  $("stop").disabled = false;
  status("Running…");
  const began = performance.now();
  try {
    const { shown, error } = await call("run", { code: editor.value });
    for (const item of shown) $("shown").append(figure(item));
    if (error) print(error + "\n", "error");
    timings.run = Math.round(performance.now() - began);
    status(`Ran in ${(timings.run / 1000).toFixed(2)} s.`);
  } catch (e) {
    if (e.message !== "stopped") print(String(e.message) + "\n", "error");
  } finally {
    $("run").disabled = false;
    $("stop").disabled = true;
  }
}
$("run").addEventListener("click", run);
$("stop").addEventListener("click", () => {
  print("Stopped.\n", "error");
  restart("Stopped.");
});

function svgImage(svg) {
  const img = document.createElement("img");
  img.src = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  img.alt = "The computation graph";
  return img;
}

function explorerFrame(html, title) {
  const frame = document.createElement("iframe");
  frame.sandbox = "allow-scripts";
  frame.title = title;
  frame.srcdoc = html;
  frame.addEventListener("load", () => tellPalette(frame));
  return frame;
}

function figure(item) {
  const fig = document.createElement("figure");
  const caption = document.createElement("figcaption");
  fig.append(caption);
  if (item.kind === "graph") {
    caption.textContent = item.label;
    const box = document.createElement("div");
    box.className = "graph";
    box.append(svgImage(item.svg));
    const button = document.createElement("button");
    button.textContent = "Step through its backward pass";
    button.addEventListener("click", () => {
      button.replaceWith(explorerFrame(item.explorer, "The backward pass of " + item.label));
    });
    fig.append(box, button);
  } else {
    caption.textContent = item.title;
    fig.append(explorerFrame(item.html, item.title));
  }
  return fig;
}

// -- the palette: the page's, told to the explorers it holds ---------------------------------

function palette() { return document.documentElement.dataset.palette || "light"; }
function tellPalette(frame) {
  if (frame.contentWindow) frame.contentWindow.postMessage({ chainrule: "palette", palette: palette() }, "*");
}
function setPalette(name) {
  document.documentElement.dataset.palette = name;
  $("palette").textContent = name === "dark" ? "Light" : "Dark";
  for (const frame of document.querySelectorAll("iframe")) tellPalette(frame);
  draw();
}
$("palette").addEventListener("click", () => setPalette(palette() === "dark" ? "light" : "dark"));
window.addEventListener("message", e => {
  if (!e.data || e.data.chainrule !== "ready") return;
  for (const frame of document.querySelectorAll("iframe")) if (frame.contentWindow === e.source) tellPalette(frame);
});

// -- sharing: the code and the training set-up live in the address's fragment ---------------

function encode(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
function decode(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(binary, c => c.charCodeAt(0)));
}
function config() {
  return {
    dataset: $("dataset").value,
    layers: $("layers").value.split(/[\s,]+/).filter(Boolean).map(Number),
    activation: $("activation").value,
    lr: Number($("lr").value),
  };
}
function shareLink() {
  const c = config();
  const params = new URLSearchParams({ code: encode(editor.value), data: c.dataset,
    layers: c.layers.join(","), activation: c.activation, lr: String(c.lr) });
  return location.href.split("#")[0] + "#" + params.toString();
}
$("share").addEventListener("click", async () => {
  const link = shareLink();
  history.replaceState(null, "", link);
  try { await navigator.clipboard.writeText(link); status("The link is copied: it opens this code and this set-up."); }
  catch { status("The address now holds this code and set-up: copy it from the address bar."); }
});
let autorun = false; // a link may ask to run its code at once (&run=1)
function restore() {
  const params = new URLSearchParams(location.hash.slice(1));
  autorun = params.get("run") === "1";
  editor.value = params.has("code") ? decode(params.get("code")) : EXAMPLES.neuron;
  if (params.has("data")) $("dataset").value = params.get("data");
  if (params.has("layers")) $("layers").value = params.get("layers");
  if (params.has("activation")) $("activation").value = params.get("activation");
  if (params.has("lr")) $("lr").value = params.get("lr");
}

// -- training --------------------------------------------------------------------------------

let state = null, selected = -1, playing = false; // -1: the first sample the loss reads

async function train(command, args = {}) {
  const next = await call("train", { command, args });
  state = { ...state, ...next };
  if (next.boundary) timings.boundaries++;
  if (next.detail) showDetail(next.detail);
  draw();
  return next;
}

function setupTraining() {
  const c = config();
  if (!c.layers.length || c.layers.some(n => !Number.isInteger(n) || n < 1 || n > 64)) {
    $("train-note").textContent = "Hidden layers: whole numbers from 1 to 64, such as 16, 16.";
    return Promise.resolve();
  }
  selected = -1;
  $("detail-view").hidden = true;
  return train("setup", c).catch(e => { $("train-note").textContent = e.message; });
}
$("reset").addEventListener("click", setupTraining);
for (const id of ["dataset", "activation", "layers", "lr"]) $(id).addEventListener("change", () => {
  if (!$("reset").disabled) setupTraining();
});

function updatePlay() { $("play").textContent = playing ? "Pause \u23F8" : "Train \u25B6"; }
$("play").addEventListener("click", async () => {
  playing = !playing;
  updatePlay();
  let last = 0, counted = 0, since = performance.now();
  while (playing) {
    // A few steps at a time; the boundary about twice a second.
    const now = performance.now();
    const boundary = now - last > 500;
    if (boundary) last = now;
    try { await train("steps", { n: 5, boundary }); } catch { playing = false; break; }
    counted += 5;
    const elapsed = (performance.now() - since) / 1000;
    if (elapsed > 1) {
      timings.stepsPerSecond = counted / elapsed;
      $("train-note").textContent = `${timings.stepsPerSecond.toFixed(0)} steps per second, compiled.`;
      counted = 0;
      since = performance.now();
    }
  }
  updatePlay();
});
$("step").addEventListener("click", () => train("steps", { n: 1 }));
$("detail").addEventListener("click", () => {
  $("train-note").textContent = "Building the step's graph…";
  return train("detail", { sample: selected }).then(() => { $("train-note").textContent = ""; });
});
$("apply").addEventListener("click", () => train("apply").then(
  () => { $("detail-view").hidden = true; },
  e => { $("train-note").textContent = e.message.split("\n").pop(); },
));

function number(x) { return Math.abs(x) >= 1e-4 || x === 0 ? x.toPrecision(4) : x.toExponential(3); }

function showDetail(detail) {
  selected = detail.sample;
  $("detail-view").hidden = false;
  $("detail-title").textContent =
    `Step ${state.step + 1} in detail: loss ${number(detail.loss)}; sample X[${detail.sample}] (score ${number(detail.score)}) is drawn`;
  const frame = $("detail-explorer");
  frame.srcdoc = detail.explorer;
  frame.onload = () => tellPalette(frame);
  const table = document.createElement("table");
  const head = table.insertRow();
  for (const h of ["θ", "p", "grad = dL/dθ", "η·grad", "p − η·grad"]) {
    const th = document.createElement("th");
    th.textContent = h;
    head.append(th);
  }
  for (const [name, p, g] of detail.rows) {
    const row = table.insertRow();
    for (const text of [name, number(p), number(g), number(detail.lr * g), number(p - detail.lr * g)]) {
      row.insertCell().textContent = text;
    }
  }
  $("update-table").replaceChildren(table);
}

// -- the plane: the boundary, the points, clicks ---------------------------------------------

const plane = $("plane");
const CLASS_COLOURS = ["#f59e0b", "#2563eb"];

function toData(px, py) {
  const [x0, x1, y0, y1] = state.boundary.extent;
  return [x0 + (x1 - x0) * px / plane.width, y1 - (y1 - y0) * py / plane.height];
}
function toCanvas(x, y) {
  const [x0, x1, y0, y1] = state.boundary.extent;
  return [(x - x0) / (x1 - x0) * plane.width, (y1 - y) / (y1 - y0) * plane.height];
}

function draw() {
  if (!state || !state.boundary) return;
  const ctx = plane.getContext("2d");
  const { grid, scores } = state.boundary;
  const image = new ImageData(grid, grid);
  scores.forEach((s, i) => {
    const [r, g, b] = s > 0 ? [37, 99, 235] : [245, 158, 11];
    const strength = 0.15 + 0.45 * Math.tanh(Math.abs(s));
    image.data.set([r, g, b, Math.round(255 * strength)], 4 * i);
  });
  const small = new OffscreenCanvas(grid, grid);
  small.getContext("2d").putImageData(image, 0, 0);
  ctx.fillStyle = palette() === "dark" ? "#111827" : "#ffffff";
  ctx.fillRect(0, 0, plane.width, plane.height);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, 0, 0, plane.width, plane.height);
  state.X.forEach(([x, y], i) => {
    const [cx, cy] = toCanvas(x, y);
    ctx.beginPath();
    ctx.arc(cx, cy, i === selected ? 7 : 4.5, 0, 2 * Math.PI);
    ctx.fillStyle = CLASS_COLOURS[state.y[i]];
    ctx.fill();
    ctx.lineWidth = i === selected ? 3 : 1;
    ctx.strokeStyle = i === selected ? "#dc2626" : "#ffffff";
    ctx.stroke();
  });
  $("step-count").textContent = `step ${state.step} · ${state.X.length} points`;
  drawCurves();
  document.body.dataset.points = String(state.X.length);
  document.body.dataset.step = String(state.step);
}

function drawCurves() {
  const svg = $("curves");
  const { loss, accuracy } = state.history;
  const ns = "http://www.w3.org/2000/svg";
  svg.replaceChildren();
  const line = (values, top, colour, label) => {
    if (!values.length) return;
    const n = Math.max(values.length - 1, 1);
    const points = values.map((v, i) => `${(10 + 280 * i / n).toFixed(1)},${(190 - 170 * v / top).toFixed(1)}`);
    const path = document.createElementNS(ns, "polyline");
    path.setAttribute("points", points.join(" "));
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", colour);
    path.setAttribute("stroke-width", "2");
    const text = document.createElementNS(ns, "text");
    text.setAttribute("x", "12");
    text.setAttribute("y", colour === "#dc2626" ? "14" : "28");
    text.textContent = `${label}: ${values[values.length - 1].toFixed(3)}`;
    text.setAttribute("style", `fill: ${colour}`);
    svg.append(path, text);
  };
  line(loss, Math.max(...loss, 1e-9), "#dc2626", "loss");
  line(accuracy, 1, "#16a34a", "accuracy");
}

plane.addEventListener("click", async e => {
  if (!state) return;
  const r = plane.getBoundingClientRect();
  const px = (e.clientX - r.left) * plane.width / r.width, py = (e.clientY - r.top) * plane.height / r.height;
  const mode = document.querySelector('input[name="click"]:checked').value;
  const nearest = () => {
    let best = -1, distance = Infinity;
    state.X.forEach(([x, y], i) => {
      const [cx, cy] = toCanvas(x, y);
      const d = Math.hypot(cx - px, cy - py);
      if (d < distance) { best = i; distance = d; }
    });
    return distance < 14 ? best : -1;
  };
  if (mode === "select") {
    const i = nearest();
    if (i >= 0) { selected = i; draw(); $("train-note").textContent = `Sample X[${i}] chosen: Step in detail draws it.`; }
  } else if (mode === "remove") {
    const i = nearest();
    if (i >= 0) { selected = -1; await train("remove", { index: i }); }
  } else {
    const [x, y] = toData(px, py);
    await train("add", { x, y, label: Number(mode) });
  }
});

// -- start -----------------------------------------------------------------------------------

restore();
if (matchMedia("(prefers-color-scheme: dark)").matches) setPalette("dark");
if (location.protocol !== "file:") startWorker();
