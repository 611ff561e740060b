"""The playground, assembled into ``site/playground/`` after each build of the course site.

The page and its scripts come from ``playground/``; Pyodide (CPython in WebAssembly) and
viz-js (Graphviz in WebAssembly) from ``playground/node_modules``, as
``playground/package-lock.json`` pins them (``scripts/setup.sh`` runs ``npm ci``); the
project's own packages as the wheel built from the repository now, so the browser runs
exactly the code in the repository, and ``graphviz`` (which ``viz`` imports) as the
installed package. Nothing is fetched: the site holds all it loads.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "playground"
MODULES = SOURCE / "node_modules"
CACHE = ROOT / "build" / "playground"
PAGE = ("index.html", "app.js", "worker.js", "runner.py", "playground.css")
PYODIDE = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
           "pyodide-lock.json")  # fmt: skip
"""What Pyodide loads at start; the rest of the npm package (consoles, maps) stays out."""
PACKAGES = ("engine", "nn", "viz")


def on_post_build(config: Any, **_: Any) -> None:
    """Write the playground into the built site."""
    build(Path(config["site_dir"]) / "playground")


def build(target: Path) -> Path:
    """Assemble the playground in ``target`` (made anew) and return it."""
    if not (MODULES / "pyodide" / "pyodide.mjs").exists():
        raise RuntimeError(
            "the playground needs its npm packages: run `npm ci` in playground/ "
            "(./scripts/docs and ./scripts/test do it once)"
        )
    shutil.rmtree(target, ignore_errors=True)
    (target / "pyodide").mkdir(parents=True)
    (target / "viz").mkdir()
    (target / "wheels").mkdir()
    for name in PAGE:
        shutil.copy2(SOURCE / name, target / name)
    for name in PYODIDE:
        shutil.copy2(MODULES / "pyodide" / name, target / "pyodide" / name)
    shutil.copy2(MODULES / "@viz-js" / "viz" / "dist" / "viz.js", target / "viz" / "viz.js")
    for package, folder in (("pyodide", "pyodide"), ("@viz-js/viz", "viz")):
        for licence in (MODULES / package).glob("LICEN[CS]E*"):
            shutil.copy2(licence, target / folder / licence.name)
    wheels = [_project_wheel(target / "wheels"), _package_zip("graphviz", target / "wheels")]
    (target / "manifest.json").write_text(json.dumps({"wheels": wheels}), encoding="utf-8")
    return target


def _project_wheel(folder: Path) -> str:
    """The project's wheel, built from the repository (cached by the sources' hash)."""
    digest = hashlib.sha256()
    files = [ROOT / "pyproject.toml", *(f for p in PACKAGES for f in sorted((ROOT / p).rglob("*")))]
    for f in files:
        if f.is_file() and "__pycache__" not in f.parts:
            digest.update(str(f.relative_to(ROOT)).encode() + b"\0" + f.read_bytes())
    cached = CACHE / digest.hexdigest()[:16]
    if not list(cached.glob("chainrule-*.whl")):
        with tempfile.TemporaryDirectory() as tmp:
            # setuptools writes beside the sources it builds: build from a copy.
            source = Path(tmp) / "source"
            source.mkdir()
            for name in ("pyproject.toml", "README.md", "LICENSE"):
                shutil.copy2(ROOT / name, source / name)
            for package in PACKAGES:
                shutil.copytree(ROOT / package, source / package,
                                ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
            cached.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                 "-w", str(cached), str(source)],
                check=True,
            )  # fmt: skip
    (wheel,) = cached.glob("chainrule-*.whl")
    shutil.copy2(wheel, folder / wheel.name)
    return wheel.name


def _package_zip(name: str, folder: Path) -> str:
    """A pure-Python package as installed here, zipped to unpack into Pyodide's site-packages."""
    module = __import__(name)
    assert module.__file__ is not None, f"{name} is not installed as files"
    package = Path(module.__file__).parent
    version = getattr(module, "__version__", "0")
    zipped = f"{name}-{version}.zip"
    with zipfile.ZipFile(folder / zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in sorted(package.rglob("*.py")):
            archive.write(f, f.relative_to(package.parent))
    return zipped
