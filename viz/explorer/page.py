"""The explorer's page: one self-contained HTML file around an SVG and its steps.

The styles and scripts live in ``viz/explorer/assets`` and are inlined, so the page needs no
network. The steps travel as JSON in a ``<script type="application/json">`` element,
escaped so that no label can end it, and the scripts put every text on the page with
``textContent``, so no label can become markup or script.
"""

import json
import re
from functools import cache
from importlib import resources
from typing import Any

from viz.drawing import style


def page_html(*, title: str, svg: str, data: dict[str, Any], theme: str, code: bool) -> str:
    """Return the self-contained explorer page.

    It holds the inline SVG, the steps as JSON (``data``), styles and scripts; ``theme``
    ("light", "dark" or "transparent") colours the whole page, "auto" follows the
    reader's palette (the system's, or the embedding page's), and ``code`` adds the
    code panel, which reads ``data["code"]["lines"]`` and each step's ``own`` and
    ``feeding`` line numbers.
    """
    if not svg.startswith("<svg"):
        raise ValueError("page_html: svg must start at '<svg' (the XML prolog stripped)")
    if theme == "auto":
        data = {**data, "palette": _palette()}
    colours = style.theme("light" if theme == "auto" else theme)
    # "transparent" is for pictures laid on a slide; a page of its own is light.
    background = style.theme("light").background if theme == "transparent" else colours.background
    css = _asset("explorer.css") + (_asset("code.css") if code else "")
    scripts = [_asset("explorer.js")] + ([_asset("code.js")] if code else [])
    return _PAGE.format(
        title=_html(title),
        css=css,
        vars=_html("; ".join(f"{k}: {v}" for k, v in _vars(colours, background).items())),
        scheme="dark" if _is_dark(background) else "light",
        with_code=' class="with-code"' if code else "",
        svg=svg,
        code=_CODE_SECTION if code else "",
        data=_script_json(data),
        scripts="".join(f"<script>\n{_script_text(s)}</script>\n" for s in scripts),
    )


def _vars(colours: style.Theme, background: str) -> dict[str, str]:
    """The page's colours as CSS custom properties."""
    return {"--bg": background, "--fg": colours.text, "--line": colours.line}


def _palette() -> dict[str, Any]:
    """For theme="auto": each palette's page colours, and the dark colour of each light one."""
    light, dark = style.theme("light"), style.theme("dark")
    pairs = [(light.background, dark.background), (light.text, dark.text),
             (light.line, dark.line), (light.op_fill, dark.op_fill)]  # fmt: skip
    pairs += [(light.fills[k], dark.fills[k]) for k in light.fills]
    return {
        "light": {"vars": _vars(light, light.background)},
        "dark": {"vars": _vars(dark, dark.background)},
        "map": {a.lower(): b for a, b in pairs},
    }


@cache
def _asset(name: str) -> str:
    return (resources.files("viz.explorer") / "assets" / name).read_text(encoding="utf-8")


def _html(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _script_json(data: object) -> str:
    """JSON that cannot end its <script> element early, whatever the labels hold."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


def _script_text(script: str) -> str:
    """An asset script as it goes inline; one that could end its element is a bug here."""
    if re.search(r"</script|<!--", script, re.IGNORECASE):
        raise ValueError("page_html: an asset script holds '</script' or '<!--'")
    return script


def _is_dark(colour: str) -> bool:
    """Whether a ``#rgb`` or ``#rrggbb`` colour is dark; a named colour counts as light."""
    digits = colour.removeprefix("#")
    if not colour.startswith("#") or len(digits) not in (3, 6):
        return False
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    r, g, b = (int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5


_PAGE = """<!DOCTYPE html>
<html lang="en" style="{vars}" data-scheme="{scheme}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{css}</style>
</head>
<body{with_code}>
<header>
  <h1>{title}</h1>
  <nav aria-label="Steps">
    <button id="first" title="First step (Home)">&#x00AB; First</button>
    <button id="prev" title="Previous step (Left arrow)">&#x25C0; Previous</button>
    <span id="counter"></span>
    <button id="next" title="Next step (Right arrow)">Next &#x25B6;</button>
    <button id="last" title="Last step (End)">Last &#x00BB;</button>
  </nav>
  <nav id="zoom" aria-label="Zoom">
    <button id="zoom-out" title="Zoom out (-)" aria-label="Zoom out">&#x2212;</button>
    <button id="zoom-in" title="Zoom in (+)" aria-label="Zoom in">+</button>
    <button id="fit" title="Fit the whole graph (0)">Fit</button>
  </nav>
  <nav id="view" aria-label="View">
    <button id="toggle-text" title="Hide or show the text beside the graph (T)"
      aria-pressed="false">Hide text</button>
    <button id="present" title="Presentation mode: everything larger, for a projector (P)"
      aria-pressed="false">Present</button>
  </nav>
  <details id="help"><summary>Help</summary>
    <p>Drag or scroll to pan; Ctrl+scroll or pinch to zoom; click a box to go to its step.
    Keys: &#x2190; &#x2192; Home End step, + &#x2212; 0 zoom, T text, P presentation.</p>
    <p><b>dL/dx</b> is a total derivative: how the root L changes with x along every path
    from x to L. <b>&#x2202;n/&#x2202;x</b> is a local one: how the one operation n changes
    with its operand x. The chain rule: dL/dx = &#x3A3; dL/dn &#xB7; &#x2202;n/&#x2202;x,
    a term per use of x. &#x3B4; = dL/da is a neuron&#x2019;s error signal.</p>
  </details>
</header>
<main{with_code}>
<section id="graph" aria-label="The computation graph">{svg}</section>
<aside id="side">
<section id="panel" aria-live="polite">
  <p id="heading"></p>
  <div id="lines"></div>
  <p id="hint"></p>
</section>
{code}</aside>
</main>
<script type="application/json" id="steps">{data}</script>
{scripts}</body>
</html>
"""

_CODE_SECTION = """<section id="code">
  <h2>The same pass as code <small>(engine.compile)</small></h2>
  <p class="legend"><span class="own">this step's lines</span>
    <span class="feeding">the terms of its gradient</span></p>
  <pre id="source"></pre>
</section>
"""
