// The playground's Web Worker: CPython (Pyodide) with the project's own engine, nn and viz,
// and Graphviz (viz-js) to draw, so the page never freezes while Python runs. It answers
// each message {id, call, args} with {id, result} or {id, error}; printed text arrives as
// {print} messages as it is printed. Everything loads from this folder: nothing leaves the
// site. Chromium runs Pyodide 314 only in a module worker, hence the imports.
import { loadPyodide } from "./pyodide/pyodide.mjs";
import { instance } from "./viz/viz.js";

const here = name => new URL(name, import.meta.url).href;

async function start() {
  const began = performance.now();
  const manifest = await (await fetch(here("manifest.json"))).json();
  // Everything loads at once: the interpreter, Graphviz, the wheels and the runner.
  const fetched = name => fetch(here(name)).then(r => r.arrayBuffer());
  const [py, graphviz, wheels, runnerSource] = await Promise.all([
    loadPyodide({ indexURL: here("pyodide/") }),
    instance(),
    Promise.all(manifest.wheels.map(name => fetched("wheels/" + name))),
    fetch(here("runner.py")).then(r => r.text()),
  ]);
  py.setStdout({ batched: text => postMessage({ print: text + "\n" }) });
  py.setStderr({ batched: text => postMessage({ print: text + "\n", stream: "stderr" }) });
  const loaded = performance.now();
  const site = py.runPython("import sysconfig; sysconfig.get_paths()['purelib']");
  // The project's wheel, built from the repository with the site, and what viz needs.
  manifest.wheels.forEach((name, i) => {
    py.unpackArchive(wheels[i], name.endsWith(".whl") ? "wheel" : "zip", { extractDir: site });
  });
  py.FS.writeFile("/home/pyodide/playground_runner.py", runnerSource);
  const unpacked = performance.now();
  const runner = py.pyimport("playground_runner");
  const version = runner.start(dot => graphviz.renderString(dot, { format: "svg", engine: "dot" }));
  const done = performance.now();
  // Where the start goes, for the benchmark: loading, unpacking, importing engine, nn, viz.
  const phases = { load: loaded - began, unpack: unpacked - loaded, import: done - unpacked };
  return { py, runner, version, ms: Math.round(done - began), phases };
}

const ready = start();
ready.then(
  ({ version, ms, phases }) => postMessage({ ready: true, version, ms, phases }),
  error => postMessage({ ready: false, error: String(error && error.message || error) }),
);

// Python's dicts and lists as plain JavaScript, for postMessage.
const plain = value => (value && typeof value.toJs === "function")
  ? value.toJs({ dict_converter: Object.fromEntries, create_proxies: false }) : value;

onmessage = async ({ data: { id, call, args } }) => {
  let py;
  try {
    const started = await ready;
    py = started.py;
    const runner = started.runner;
    let result;
    if (call === "run") result = runner.run(args.code);
    else if (call === "train") result = runner.train(args.command, py.toPy(args.args || {}));
    else throw new Error("unknown call " + call);
    const out = plain(result);
    if (result && result.destroy) result.destroy();
    postMessage({ id, result: out });
  } catch (error) {
    // A Python error in the playground's own code, or Pyodide failed for good (a stack
    // overflow in WebAssembly): the page restarts the worker when it says "fatal".
    const text = String(error && error.message || error);
    postMessage({ id, error: text, fatal: /fatally failed|can no longer be used/.test(text) });
  }
};
