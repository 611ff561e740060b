// Run pytest inside Pyodide (CPython 3.14 in WebAssembly) in Node, on the repository's own
// code: the Python matrix's "3.14 (Pyodide)" entry in scripts/test.
//
// Usage: node playground/pyodide-pytest.mjs [pytest arguments]
//   e.g. node playground/pyodide-pytest.mjs tests/engine tests/nn
//        HYPOTHESIS_PROFILE=matrix node playground/pyodide-pytest.mjs -x tests/engine/test_value.py
// Exits with pytest's exit status, or 3 (as for pytest's internal error) when Pyodide failed.
//
// Pyodide comes from playground/node_modules (npm ci, scripts/setup.sh's ensure_npm). The
// repository is mounted with NODEFS at its own path, put first on sys.path and made the
// working directory, so the tests import engine, nn and viz from the working tree, and
// pytest reads pyproject.toml as it does natively. Nothing is written into the tree: the
// bytecode goes to .cache/pyodide-pycache/, and there is no .pytest_cache (the native runs'
// --lf stays theirs).
// The test dependencies are pure-Python wheels, pinned in playground/pyodide-test-requirements.txt
// and downloaded once with pip (from the host Python: $PYTHON, else .venv's, else python3)
// into .cache/pyodide-wheels/; each run unpacks them into Pyodide's in-memory site-packages.
// Pyodide runs in a worker thread with a large stack (CHAINRULE_PYODIDE_STACK_MB, 1024 MB):
// WebAssembly calls use the JavaScript engine's stack, and CPython frees a deep graph by
// recursion, which overflows Node's default one (about 1 MB) after some thousand nodes.
// A worker's stack is a real thread stack of that size, unlike `node --stack-size`, which
// only tells V8 to trust that the main thread's (8 MB, ulimit -s) is larger than it is.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const REQUIREMENTS = path.join(HERE, "pyodide-test-requirements.txt");
const WHEELS = path.join(ROOT, ".cache", "pyodide-wheels");
const PYCACHE = path.join(ROOT, ".cache", "pyodide-pycache");
const PYODIDE = path.join(HERE, "node_modules", "pyodide");
// Environment variables that reach Python: the rest of Node's (PYTHONPATH, HOME...) would
// describe the host, not Pyodide.
const PASSED_ENV = /^(HYPOTHESIS_PROFILE|PYTEST_ADDOPTS|CI|CHAINRULE_.*)$/;

const normalize = (name) => name.toLowerCase().replace(/[-_.]+/g, "_");

// The pinned requirements, as [name, version] pairs: "name==version" lines, # comments.
function pins() {
  return fs
    .readFileSync(REQUIREMENTS, "utf8")
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter(Boolean)
    .map((line) => {
      const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)$/.exec(line);
      if (!match) throw new Error(`${REQUIREMENTS}: not name==version: ${line}`);
      return [match[1], match[2]];
    });
}

// The wheel file in WHEELS for each pin, or null where there is none.
function findWheels() {
  const files = fs.existsSync(WHEELS) ? fs.readdirSync(WHEELS) : [];
  return pins().map(([name, version]) => {
    const file = files.find((f) => {
      const [fname, fversion] = f.split("-");
      return f.endsWith(".whl") && normalize(fname) === normalize(name) && fversion === version;
    });
    return { name, version, file: file ? path.join(WHEELS, file) : null };
  });
}

// Download the pinned wheels that are missing, once: pure-Python ones only, checked against
// the Requires-Python of Pyodide's CPython.
function ensureWheels() {
  let wheels = findWheels();
  if (wheels.every((w) => w.file)) return wheels;
  const venvPython = path.join(ROOT, ".venv", "bin", "python");
  const python = process.env.PYTHON || (fs.existsSync(venvPython) ? venvPython : "python3");
  const missing = wheels.filter((w) => !w.file).map((w) => `${w.name}==${w.version}`);
  const lock = JSON.parse(fs.readFileSync(path.join(PYODIDE, "pyodide-lock.json"), "utf8"));
  const pythonVersion = lock.info.python.split(".").slice(0, 2).join("."); // 3.14
  console.error(`[pyodide] downloading into .cache/pyodide-wheels (once): ${missing.join(" ")}`);
  fs.mkdirSync(WHEELS, { recursive: true });
  const pip = spawnSync(
    python,
    ["-m", "pip", "download", "--disable-pip-version-check", "--quiet", "--no-deps",
     "--only-binary=:all:", "--python-version", pythonVersion, "--implementation", "py",
     "--abi", "none", "--platform", "any", "--dest", WHEELS, ...missing],
    { encoding: "utf8" },
  );
  if (pip.status !== 0) {
    process.stderr.write(`${pip.stdout}${pip.stderr}`);
    throw new Error(`pip download failed (${python}); its output is above`);
  }
  wheels = findWheels();
  const still = wheels.filter((w) => !w.file).map((w) => w.name);
  if (still.length) throw new Error(`no wheel in ${WHEELS} for: ${still.join(", ")}`);
  return wheels;
}

if (isMainThread) {
  let wheels;
  try {
    wheels = ensureWheels();
  } catch (error) {
    console.error(`[pyodide] ${error.message}`);
    process.exit(3);
  }
  const impure = wheels.filter((w) => !w.file.endsWith("-none-any.whl"));
  if (impure.length) {
    console.error(`[pyodide] not pure-Python wheels: ${impure.map((w) => w.file).join(", ")}`);
    process.exit(3);
  }
  const stackSizeMb = Number(process.env.CHAINRULE_PYODIDE_STACK_MB || 1024);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => PASSED_ENV.test(k)));
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { args: process.argv.slice(2), wheels: wheels.map((w) => w.file), env },
    resourceLimits: { stackSizeMb },
  });
  let status = 3;
  worker.on("message", (code) => (status = code));
  worker.on("error", (error) => {
    console.error("[pyodide] the worker failed:", error);
    status = 3;
  });
  worker.on("exit", () => process.exit(status));
} else {
  const { args, wheels, env } = workerData;
  // Write straight to the file descriptors: a worker's process.stdout is forwarded to the
  // main thread asynchronously, and what is still on its way is lost when it exits.
  const writer = (fd) => ({ write: (buffer) => fs.writeSync(fd, buffer), isatty: false });
  let status = 3;
  try {
    const { loadPyodide } = await import(pathToFileURL(path.join(PYODIDE, "pyodide.mjs")).href);
    const started = Date.now();
    const py = await loadPyodide({
      indexURL: PYODIDE + path.sep,
      env: { ...env, HOME: "/home/pyodide" },
    });
    py.setStdout(writer(1));
    py.setStderr(writer(2));
    py.setStdin({ error: true }); // a worker has no stdin of its own; pytest needs none
    // Each wheel's files get the wheel file's time: then the bytecode compiled from them
    // (below) stays valid from run to run, until the wheel changes.
    const sitePackages = py.runPython("import sysconfig; sysconfig.get_path('purelib')");
    const stamp = py.runPython(`
import os
def stamp(folder, names, seconds):
    for name in set(os.listdir(folder)) - set(names):
        os.utime(os.path.join(folder, name), (seconds, seconds))
        for top, _, files in os.walk(os.path.join(folder, name)):
            for file in files:
                os.utime(os.path.join(top, file), (seconds, seconds))
stamp`);
    for (const wheel of wheels) {
      const before = py.toPy(py.FS.readdir(sitePackages));
      const bytes = fs.readFileSync(wheel); // a Buffer, which unpackArchive does not take
      const data = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      py.unpackArchive(data, "wheel", { extractDir: sitePackages });
      stamp(sitePackages, before, Math.floor(fs.statSync(wheel).mtimeMs / 1000));
      before.destroy();
    }
    stamp.destroy();
    // Bytecode goes to .cache/pyodide-pycache (sys.pycache_prefix), kept for the next run:
    // compiling sympy, Hypothesis and pytest anew would cost some 10 s each time.
    fs.mkdirSync(PYCACHE, { recursive: true });
    py.mountNodeFS("/pycache", PYCACHE);
    // The repository at its own path, so that paths in reports read as they do natively.
    // (A path inside Pyodide's own folders would be mounted at /repo instead.)
    const mountAt = /^\/(lib|dev|proc|home\/pyodide)(\/|$)/.test(ROOT) ? "/repo" : ROOT;
    py.mountNodeFS(mountAt, ROOT);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const command = ["pytest", ...args].join(" ");
    fs.writeSync(2, `[pyodide] Pyodide ${py.version} ready in ${seconds} s; ${command}\n`);
    py.globals.set("ROOT", mountAt);
    py.globals.set("ARGS", py.toPy(args));
    status = py.runPython(`
import os, sys
sys.pycache_prefix = "/pycache"  # pytest's rewritten tests go there too, not into the tree
sys.dont_write_bytecode = False  # Pyodide's default is True
os.chdir(ROOT)
sys.path.insert(0, ROOT)
import pytest
int(pytest.main(["-p", "no:cacheprovider", *ARGS]))
`);
  } catch (error) {
    fs.writeSync(2, `[pyodide] ${error && error.stack ? error.stack : error}\n`);
    if (error && error.pyodide_fatal_error) {
      fs.writeSync(2, "[pyodide] a fatal error: pytest -v names the test it was running\n");
    }
    status = 3;
  }
  parentPort.postMessage(status);
}
