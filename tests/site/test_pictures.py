"""Every picture on the lessons' and notebooks' pages shows its text at 11 px or more.

Teachers put the pictures on slides and students read them on the site, so the test reads
each picture as a reader sees it: Chromium at 1280×800, each lesson and notebook page of
mkdocs.yml's navigation loaded once and measured in the light and the dark palette. It
measures the smallest text, in CSS px on the screen, of

- each ``<img>`` of an SVG (a file or a notebook's ``data:`` output): the SVG's text drawn
  at the image's displayed size, as the image draws it (its viewBox fitted into the box);
- each inline ``<svg>`` that holds text (a notebook output, where nbconvert inlines one);
- each ``<iframe>`` (the backward-pass explorers): the SVG text inside, at the zoom the
  explorer opens at;
- each PNG that records its smallest text (``SMALLEST_TEXT``, points at the PNG's dpi):
  its size in pixels of the PNG, times the displayed width over the PNG's width. A PNG
  holds no text to read, so one that does not record it is named in a warning instead.

A picture wider than the column is either drawn to fit (the lessons' own, rankdir="TB":
docs/lessons/make_pictures.py) or, a notebook's graph, shown at 3/4 of its natural size
(12 px text) in its output, which scrolls sideways (docs/assets/site.css). Either way
what the page shows is measured, not the full-size view a click opens (docs/assets/zoom.js).
"""

import base64
import re
import struct
import urllib.request
import warnings
import zlib
from pathlib import Path
from typing import Any

import pytest

from viz.plots import SMALLEST_TEXT  # the PNG text chunk a plot records its smallest font in

ROOT = Path(__file__).resolve().parents[2]
MIN_TEXT_PX = 11.0
VIEWPORT = {"width": 1280, "height": 800}
PALETTES = ("default", "slate")  # Material's light and dark palettes

# One function for the page and for each frame: the smallest text of each picture shown.
# An SVG's text is measured where the browser draws it: its font size times the scale of
# its screen transform (getScreenCTM), so viewBoxes, transforms and CSS sizes all count.
MEASURE = """
async () => {
  const scale = el => {
    const m = el.getScreenCTM();
    return m ? Math.sqrt(Math.abs(m.a * m.d - m.b * m.c)) : 0;
  };
  const shown = el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
  };
  const smallest = svg => {
    let least = null;
    for (const t of svg.querySelectorAll("text")) {
      if (!t.textContent.trim() || getComputedStyle(t).display === "none") continue;
      const px = parseFloat(getComputedStyle(t).fontSize) * scale(t);
      if (px > 0 && (least === null || px < least)) least = px;
    }
    return least;
  };
  // A picture's name: its file, or for a notebook's output its prompt (Out[3]) and type.
  const where = el => {
    const src = el.getAttribute("src") || "";
    if (src && !src.startsWith("data:")) return src.split("#")[0];
    const kind = src ? src.slice(5, src.search(/[;,]/)) : "inline svg";
    const cell = el.closest(".jp-OutputArea-child");
    const prompt = cell && cell.querySelector(".jp-OutputPrompt");
    const out = prompt && prompt.textContent.trim().replace(/:$/, "");
    if (out) return `output ${out}, ${kind}`;
    const all = [...document.querySelectorAll(el.tagName)];
    return `${kind} #${all.indexOf(el) + 1} of the page`;
  };
  // The box an <img> draws into: its content box, in CSS px.
  const contentBox = img => {
    const r = img.getBoundingClientRect(), s = getComputedStyle(img);
    const sum = (...names) => names.reduce((t, n) => t + parseFloat(s[n] || "0"), 0);
    return {
      w: r.width - sum("paddingLeft", "paddingRight", "borderLeftWidth", "borderRightWidth"),
      h: r.height - sum("paddingTop", "paddingBottom", "borderTopWidth", "borderBottomWidth"),
    };
  };
  const content = document.querySelector(".md-content") || document.body;
  const found = [];
  for (const img of content.querySelectorAll("img")) {
    if (!shown(img)) continue;
    const src = img.currentSrc || img.src;
    const box = contentBox(img);
    if (/^data:image\\/png|\\.png([?#]|$)/i.test(src)) {
      found.push({ kind: "PNG image", name: where(img), src, width: box.w });
      continue;
    }
    if (!/^data:image\\/svg\\+xml|\\.svg([?#]|$)/i.test(src)) continue;
    const text = await (await fetch(src)).text();
    const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
    // The SVG drawn as the <img> draws it: sized to its box, its viewBox fitted inside, in
    // a shadow root that keeps the page's styles out (as an image's own document does).
    const host = document.createElement("div");
    host.style.cssText = "all: initial; position: absolute; left: -1e5px; top: 0; font-size: 16px";
    const root = host.attachShadow({ mode: "open" });
    const copy = document.importNode(svg, true);
    copy.setAttribute("width", String(box.w));
    copy.setAttribute("height", String(box.h));
    copy.style.cssText = "display: block";
    root.append(copy);
    document.body.append(host);
    found.push({ kind: "SVG image", name: where(img), smallest: smallest(copy), width: box.w });
    host.remove();
  }
  for (const svg of content.querySelectorAll("svg")) {
    if (!svg.querySelector("text") || !shown(svg) || svg.parentElement.closest("svg")) continue;
    const width = svg.getBoundingClientRect().width;
    found.push({ kind: "inline SVG", name: where(svg), smallest: smallest(svg), width });
  }
  return found;
}
"""


def picture_pages() -> list[str]:
    """The built lesson and notebook pages, from mkdocs.yml's navigation, in its order."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = text.split("\nnav:\n", 1)[1].split("\n\n", 1)[0]
    sources = re.findall(r":\s*((?:lessons|examples)/\S+\.(?:md|ipynb))\s*$", nav, re.M)
    return [re.sub(r"\.(md|ipynb)$", ".html", source) for source in sources]


def png_chunks(data: bytes) -> dict[bytes, list[bytes]]:
    """The chunks of a PNG, by type."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    chunks: dict[bytes, list[bytes]] = {}
    at = 8
    while at + 8 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        chunks.setdefault(kind, []).append(data[at + 8 : at + 8 + length])
        at += 12 + length
    return chunks


def png_text_px(data: bytes, shown_width: float) -> float | None:
    """The smallest text of a PNG on screen, in CSS px; None when the PNG does not record it.

    Its smallest font in points (``SMALLEST_TEXT``) is that many 72nds of an inch at the
    PNG's resolution (pHYs, pixels per metre), and the picture is shown ``shown_width`` px
    wide for its IHDR width in pixels.
    """
    chunks = png_chunks(data)
    (width,) = struct.unpack(">I", chunks[b"IHDR"][0][:4])
    texts = dict(chunk.split(b"\0", 1) for chunk in chunks.get(b"tEXt", []))
    for chunk in chunks.get(b"zTXt", []):
        key, rest = chunk.split(b"\0", 1)
        texts[key] = zlib.decompress(rest[1:])
    if SMALLEST_TEXT.encode("latin-1") not in texts or b"pHYs" not in chunks:
        return None
    points = float(texts[SMALLEST_TEXT.encode("latin-1")])
    per_metre, _, unit = struct.unpack(">IIB", chunks[b"pHYs"][0])
    assert unit == 1, "the PNG's pHYs gives no physical resolution"
    dpi = per_metre * 0.0254
    return points / 72 * dpi * shown_width / width


def png_bytes(src: str) -> bytes:
    if src.startswith("data:"):
        return base64.b64decode(src.split(",", 1)[1])
    with urllib.request.urlopen(src) as response:
        data: bytes = response.read()
        return data


def measure_frames(page: Any) -> list[dict[str, Any]]:
    """The pictures of each <iframe> in the content, loaded (they are lazy) and measured."""
    found = []
    for index, frame_element in enumerate(page.query_selector_all(".md-content iframe")):
        if not frame_element.is_visible():
            continue
        frame_element.scroll_into_view_if_needed()
        frame = frame_element.content_frame()
        assert frame is not None
        frame.wait_for_load_state("load")
        name = (
            frame_element.get_attribute("src")
            or frame_element.get_attribute("title")
            or f"iframe #{index + 1} of the page"
        )
        pictures = frame.evaluate(MEASURE)
        assert pictures, f"the frame {name} shows no picture with text"
        least = min((p["smallest"] for p in pictures if p["smallest"] is not None), default=None)
        found.append({"kind": "frame", "name": name, "smallest": least})
    page.evaluate("window.scrollTo(0, 0)")
    return found


def measure(page: Any) -> list[dict[str, Any]]:
    """Every picture the page shows now, with its smallest text in CSS px (None: unknown)."""
    found: list[dict[str, Any]] = page.evaluate(MEASURE)
    for picture in found:
        if picture["kind"] == "PNG image":
            picture["smallest"] = png_text_px(png_bytes(picture["src"]), picture["width"])
    return found + measure_frames(page)


def png_file(width: int, height: int, **texts: str) -> bytes:
    """A blank 150 dpi PNG, with ``texts`` as tEXt chunks (a ``_`` in a key for a space)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    per_metre = round(150 / 0.0254)
    rows = (b"\0" + b"\xff" * 3 * width) * height  # each row: filter 0, then white RGB
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
            chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
            *(
                chunk(b"tEXt", key.replace("_", " ").encode("latin-1") + b"\0" + value.encode())
                for key, value in texts.items()
            ),
            chunk(b"IDAT", zlib.compress(rows)),
            chunk(b"IEND", b""),
        ]
    )


def test_the_measure_sees_each_kind_of_picture_at_its_size(browser: Any) -> None:
    """The measure itself: known sizes come out as drawn, so small text cannot slip by."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300pt" height="30pt" viewBox="0 0 300 30">'
        '<g transform="scale(1 1)"><text font-size="12" y="20">data 1.0</text></g></svg>'
    )
    url = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    frame_svg = svg.replace('font-size="12"', 'font-size="6"')
    # A 150 dpi PNG 1500 px wide, whose smallest text is 10 pt, shown 720 px wide: 10 pt is
    # 20.83 px of the PNG, times 720 / 1500: 10 px.
    png = png_file(1500, 60, **{SMALLEST_TEXT.replace(" ", "_"): "10"})
    png_url = "data:image/png;base64," + base64.b64encode(png).decode()
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.set_content(
            '<div class="md-content">'
            f'<img src="{url}" style="width: 150px">'  # 12 of 300 units, 150 px wide: 6 px
            f'<div style="width: 100px">{svg.replace("300pt", "100%")}</div>'  # 100/300: 4 px
            f"<iframe srcdoc='{frame_svg}' style=\"width: 450px\"></iframe>"  # 6pt * 4/3: 8 px
            f'<img src="{png_url}" style="width: 720px">'
            "</div>"
        )
        page.wait_for_load_state("load")
        found = {p["kind"]: p["smallest"] for p in measure(page)}
    finally:
        page.close()
    assert found["SVG image"] == pytest.approx(6.0, abs=0.05)
    assert found["inline SVG"] == pytest.approx(4.0, abs=0.05)
    assert found["frame"] == pytest.approx(8.0, abs=0.05)
    assert found["PNG image"] == pytest.approx(10.0, abs=0.05)
    assert png_text_px(png_file(1500, 60), 720) is None  # a PNG that does not say


def test_every_picture_shows_its_text_at_11_px_or_more(
    browser: Any, served_site: str, built_site: Path
) -> None:
    pages = picture_pages()
    assert pages, "mkdocs.yml's navigation lists no lesson or notebook"
    failures: list[str] = []
    unmeasured: dict[str, None] = {}  # in order, once each
    counted = dict.fromkeys(PALETTES, 0)
    page = browser.new_page(viewport=VIEWPORT)
    try:
        for path in pages:
            assert (built_site / path).exists(), f"{path} is in the navigation but not built"
            page.goto(served_site + path)
            for palette in PALETTES:
                # Material's palette is body[data-md-color-scheme]: it shows one of each pair
                # of #gh-light-mode-only and #gh-dark-mode-only images, and the explorers
                # follow it (docs/assets/palette.js).
                page.evaluate(f"document.body.setAttribute('data-md-color-scheme', '{palette}')")
                for picture in measure(page):
                    counted[palette] += 1
                    where = f"{path}: {picture['kind']} {picture['name']}"
                    if picture["smallest"] is None:
                        unmeasured[where] = None
                    elif picture["smallest"] < MIN_TEXT_PX:
                        failures.append(
                            f"{where} ({palette} palette): smallest text "
                            f"{picture['smallest']:.1f} px"
                        )
    finally:
        page.close()
    assert all(counted.values()), f"no picture found in a palette: {counted}"
    if unmeasured:
        warnings.warn(
            "pictures whose text size is unknown (a PNG that does not record its smallest "
            f"text, or an SVG with no text): {'; '.join(unmeasured)}",
            stacklevel=1,
        )
    assert not failures, (
        f"text smaller than {MIN_TEXT_PX:g} px at {VIEWPORT['width']}×{VIEWPORT['height']}:\n"
        + "\n".join(failures)
    )


def test_a_click_opens_a_picture_at_its_natural_size_and_esc_closes_it(
    browser: Any, served_site: str
) -> None:
    """docs/assets/zoom.js, on a notebook's graph, which the column shows only in part."""
    notebook = next(path for path in picture_pages() if path.startswith("examples/"))
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.goto(served_site + notebook)
        picture = page.locator(".jp-RenderedSVG .zoomable").first
        natural = picture.evaluate("img => img.naturalWidth")
        picture.click()
        overlay = page.locator(".picture-zoom")
        shown = overlay.locator(".picture-zoom__view > *")
        assert shown.evaluate("e => e.getBoundingClientRect().width") == pytest.approx(natural)
        assert overlay.locator("output").text_content() == "100%"
        page.keyboard.press("+")
        assert shown.evaluate("e => e.getBoundingClientRect().width") == pytest.approx(
            natural * 1.25
        )
        page.keyboard.press("Escape")
        assert overlay.count() == 0
        assert picture.evaluate("img => document.activeElement === img")
        picture.press("Enter")  # from the keyboard too
        assert overlay.count() == 1
        overlay.get_by_role("button", name="Close").click()
        assert overlay.count() == 0
    finally:
        page.close()
