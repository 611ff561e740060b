"""The playground in headless Chromium, served from a local server, with no other request.

The playground is assembled as the site build assembles it (docs/hooks/playground.py),
then served on 127.0.0.1; every request elsewhere is blocked and counted, and none may
happen. Python starts in a Web Worker in a few seconds, so a page is shared by the tests
that only run code.
"""

import importlib.util
import re
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
READY = "window.playgroundTimings.ready !== null"
STARTUP = 60_000  # ms: Pyodide starts in about 5 s; a loaded CI machine may take longer

pytestmark = pytest.mark.skipif(
    not (ROOT / "playground" / "node_modules" / "pyodide").exists(),
    reason="the playground's npm packages are missing: run npm ci in playground/",
)


def hook() -> Any:
    spec = importlib.util.spec_from_file_location(
        "playground_hook", ROOT / "docs/hooks/playground.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The playground, served at the returned address."""
    folder = tmp_path_factory.mktemp("site")
    hook().build(folder / "playground")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/playground/index.html"
    server.shutdown()


def opened(browser: Any, url: str, *, python: bool = True) -> tuple[Any, list[str]]:
    """A page at ``url``, with Python ready unless ``python`` is False.

    The list collects the page's errors and its requests outside the site.
    """
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    here = url.split("/playground/")[0]

    def elsewhere(route: Any) -> None:
        problems.append(f"request outside the site: {route.request.url}")
        route.abort()

    page.route(re.compile(rf"^(?!{re.escape(here)}/|data:|blob:|about:)"), elsewhere)
    page.goto(url)
    if python:
        page.wait_for_function(READY, timeout=STARTUP)
    return page, problems


def run(page: Any, code: str) -> str:
    page.evaluate("window.playgroundTimings.run = null")
    page.fill("#editor", code)
    page.click("#run")
    page.wait_for_function("window.playgroundTimings.run !== null", timeout=STARTUP)
    return str(page.inner_text("#output"))


@pytest.fixture(scope="module")
def coding(browser: Any, site: str) -> Iterator[tuple[Any, list[str]]]:
    page, problems = opened(browser, site)
    yield page, problems
    page.close()


def favicon(problems: list[str]) -> list[str]:
    return [p for p in problems if "404" not in p]  # the browser asks for /favicon.ico


def test_the_neuron_example_prints_the_engines_numbers_and_draws_its_graph(
    coding: tuple[Any, list[str]],
) -> None:
    page, problems = coding
    page.select_option("#example", "neuron")
    page.click("#run")
    page.wait_for_function("document.querySelector('#shown img')", timeout=STARTUP)
    text = page.inner_text("#output")
    assert "y = 0.7071, dy/dx = -1.5000, dy/dw = 1.0000, dy/db = 0.5000" in text
    src = page.get_attribute("#shown img", "src")
    svg = page.evaluate("async src => await (await fetch(src)).text()", src)
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg[:400]
    # The engine's numbers, drawn (Graphviz may join words with a no-break space).
    assert re.search(r"data\s0\.7071", svg) and re.search(r"grad\s(-|&#45;)1\.5000", svg)
    assert favicon(problems) == []


def test_a_typed_program_runs_and_its_errors_show_as_tracebacks(
    coding: tuple[Any, list[str]],
) -> None:
    page, problems = coding
    assert run(page, "import engine\nprint(engine.Value(3.0) * 2)").startswith("Value(data=6.0")
    # A bare expression prints its value, as at the prompt: a lesson's examples run as read.
    assert run(page, "x = 2\nx * 3\nNone\nprint('done')\n") == "6\ndone\n"
    out = run(page, "x = 1\ny = x / 0\n")
    assert (
        "Traceback (most recent call last)" in out and "ZeroDivisionError: division by zero" in out
    )
    assert 'File "<playground>", line 2' in out and "y = x / 0" in out
    out = run(page, "print(undefined)")
    assert "NameError: name 'undefined' is not defined" in out
    assert page.locator("#output .error").count() == 1
    assert favicon(problems) == []


def test_the_explorer_steps_through_a_shown_values_backward_pass(
    coding: tuple[Any, list[str]],
) -> None:
    page, problems = coding
    run(
        page, "from engine import Value\nx = Value(3.0, label='x')\ny = x * x + x\ny.label = 'y'\ny"
    )
    page.click("text=Step through its backward pass")
    frame = page.frame_locator("#shown iframe")
    frame.locator("#next").click()
    assert frame.locator("#counter").inner_text() == "step 1 of 2"  # y, x*x, x
    frame.locator("#last").click()
    lines = frame.locator("#lines").inner_text()
    assert "dy/dx = " in lines and "∂(x*x)/∂x₍₁₎" in lines and "\n      = 7\n" in lines
    assert favicon(problems) == []


def test_training_raises_the_accuracy_and_a_click_adds_a_point(browser: Any, site: str) -> None:
    page, problems = opened(browser, site)
    page.wait_for_function("document.body.dataset.step === '0'", timeout=STARTUP)
    page.click("#play")
    page.wait_for_function("Number(document.body.dataset.step) >= 50", timeout=STARTUP)
    page.click("#play")
    history = page.evaluate("window.playgroundState().history.accuracy")
    assert len(history) >= 50 and history[49] > history[0] + 0.2
    points = int(page.evaluate("document.body.dataset.points"))
    page.check('input[name="click"][value="1"]')
    page.click("#plane", position={"x": 30, "y": 30})
    page.wait_for_function(f"Number(document.body.dataset.points) === {points + 1}")
    page.click("#detail")
    page.wait_for_function("!document.getElementById('detail-view').hidden", timeout=STARTUP)
    assert page.locator("#update-table tr").count() == 337 + 1  # every parameter, and a head
    explorer = page.frame_locator("#detail-explorer")
    explorer.locator("body[data-step='0']").wait_for(timeout=STARTUP)  # the page in its frame
    assert "X[" in explorer.locator("#graph").inner_text()  # one sample drawn, named
    step = int(page.evaluate("document.body.dataset.step"))
    page.locator("#apply").scroll_into_view_if_needed()
    page.click("#apply")
    page.wait_for_function(f"Number(document.body.dataset.step) === {step + 1}")
    assert favicon(problems) == []
    page.close()


def test_a_shared_link_restores_the_code(browser: Any, site: str) -> None:
    # The editor and the set-up are restored as the page loads, before Python starts.
    page, problems = opened(browser, site, python=False)
    code = "print('shared: ∂L/∂w')  # a comment & <b>markup</b>\n"
    page.fill("#editor", code)
    page.select_option("#dataset", "circles")
    page.fill("#layers", "8, 4")
    page.click("#share")
    link = page.url
    assert "#" in link and "code=" in link
    page.close()
    again, more = opened(browser, link, python=False)
    assert again.input_value("#editor") == code
    assert again.input_value("#dataset") == "circles" and again.input_value("#layers") == "8,4"
    assert favicon(problems + more) == []
    again.close()


def test_an_endless_loop_can_be_stopped(browser: Any, site: str) -> None:
    page, problems = opened(browser, site)
    page.fill("#editor", "while True:\n    pass\n")
    page.click("#run")
    page.wait_for_timeout(500)
    assert page.is_enabled("#stop") and not page.is_enabled("#run")
    page.click("#stop")
    page.wait_for_function(READY, timeout=STARTUP)
    assert "after" in run(page, "print('after')")
    assert favicon(problems) == []
    page.close()


def test_from_a_folder_the_page_says_how_to_serve_it(browser: Any, tmp_path: Path) -> None:
    built = hook().build(tmp_path / "playground")
    page = browser.new_page()
    page.goto((built / "index.html").as_uri())
    hint = page.locator("#file-hint")
    assert hint.is_visible() and "./scripts/docs serve" in hint.inner_text()
    assert page.inner_text("#status") == "Python cannot start from a folder: see below."
    page.close()


def test_the_build_holds_everything_the_page_loads(tmp_path: Path) -> None:
    built = hook().build(tmp_path / "playground")
    names = {p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file()}
    assert {"index.html", "app.js", "worker.js", "runner.py", "manifest.json"} <= names
    assert {"pyodide/pyodide.mjs", "pyodide/pyodide.asm.wasm", "viz/viz.js"} <= names
    assert any(re.fullmatch(r"wheels/chainrule-.*\.whl", n) for n in names)
