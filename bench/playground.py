"""The playground's budgets, measured in headless Chromium: ``python -m bench.playground``.

Assembles the playground as the site build does, serves it on 127.0.0.1, and measures
what a student waits for: the page ready to run code (Pyodide's start included), the
neuron example run and drawn, and live training on the moons (steps per second, and
how often the boundary is redrawn). Each is printed beside its target; a missed target
is a non-zero exit. Targets, not tests: the machine's load moves these numbers.
"""

import importlib.util
import shutil
import sys
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
TARGETS = {"ready (s)": (5.0, "at most"), "neuron example (s)": (1.0, "at most"),
           "training steps per second": (10.0, "at least"),
           "boundary redraws per second": (1.0, "at least")}  # fmt: skip


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def measure(url: str, seconds: float = 5.0) -> dict[str, float]:
    """Open the playground at ``url`` and measure each budget once."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.wait_for_function("window.playgroundTimings.ready !== null", timeout=120_000)
        found = {"ready (s)": page.evaluate("window.playgroundTimings.ready") / 1000}
        phases = page.evaluate("window.playgroundTimings.phases")
        print("ready, by phase (s):", {k: round(v / 1000, 2) for k, v in phases.items()})
        page.wait_for_function("document.body.dataset.step === '0'", timeout=60_000)
        page.click("#run")
        page.wait_for_function("document.querySelector('#shown img')", timeout=60_000)
        found["neuron example (s)"] = page.evaluate("window.playgroundTimings.run") / 1000
        start = int(page.evaluate("document.body.dataset.step"))
        boundaries = page.evaluate("window.playgroundTimings.boundaries")
        page.click("#play")
        page.wait_for_timeout(seconds * 1000)
        page.click("#play")
        steps = int(page.evaluate("document.body.dataset.step")) - start
        found["training steps per second"] = steps / seconds
        redrawn = page.evaluate("window.playgroundTimings.boundaries") - boundaries
        found["boundary redraws per second"] = redrawn / seconds
        browser.close()
    return found


def main() -> int:
    """Serve the playground, measure it, print each budget against its target."""
    spec = importlib.util.spec_from_file_location("hook", ROOT / "docs/hooks/playground.py")
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    with tempfile.TemporaryDirectory() as tmp:
        built = hook.build(Path(tmp) / "playground")
        size = sum(f.stat().st_size for f in built.rglob("*") if f.is_file()) / 1e6
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=tmp))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            found = measure(f"http://127.0.0.1:{server.server_address[1]}/playground/index.html")
        finally:
            server.shutdown()
    print(f"the playground adds {size:.1f} MB to the site")
    missed = 0
    for name, value in found.items():
        target, how = TARGETS[name]
        met = value <= target if how == "at most" else value >= target
        missed += not met
        print(f"{name:30} {value:8.2f}   target: {how} {target:g}   {'met' if met else 'MISSED'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
