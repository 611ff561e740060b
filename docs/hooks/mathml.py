"""Math in the docs as MathML, made at build time: ``$...$`` inline, ``$$ ... $$`` displayed.

The browser lays MathML out itself, so the site needs no script and no network for its
equations, and a page works from a local folder as it does from a server. The TeX goes
through ``latex2mathml``; the Markdown extension here only finds it. MkDocs loads this file
as a hook (``hooks:`` in ``mkdocs.yml``), which registers the extension for every page and
for the API reference's docstrings alike.

The notebooks' Markdown cells are another matter: ``mkdocs-jupyter`` has nbconvert render
them, which leaves their TeX in the page as text, ``$...$`` and ``$$...$$``, for MathJax to
typeset in the reader's browser (as Jupyter does). The site loads no MathJax, so the hook
here writes that TeX as MathML too, once the page is HTML (``on_page_content``).
"""

from __future__ import annotations

import html as entities
import re
from typing import Any
from xml.etree.ElementTree import Element, SubElement

from latex2mathml.converter import convert
from markdown import Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

# $...$ on one line: not $$, no space just inside the dollars, and no digit right after the
# closing one, so that prices and shell variables ("costs $5 and $6") stay text.
_INLINE = r"(?<![\\$])\$(?![\s$])(.+?)(?<![\s\\$])\$(?![\d$])"
# Backticks (190) come first, so a `$` in code stays code; emphasis (60) comes after, so the
# `_` and `*` of TeX are not read as Markdown.
_INLINE_PRIORITY = 185
_DISPLAY = re.compile(r"^\$\$\s*\n?(.+?)\n?\s*\$\$$", re.S)
# latex2mathml writes f' as a superscript prime, <msup><mi>f</mi><mi>′</mi></msup>; but the
# prime sign is drawn raised already, so browsers set it twice as high. Written after its
# base, it stands where TeX puts it.
_PRIMED = re.compile(r"<msup><mi>([^<]*)</mi><mi>(&#x02032;|&#x02033;)</mi></msup>")


def to_mathml(tex: str, display: bool) -> str:
    """The MathML of the TeX formula ``tex``, as a ``<math>`` element in text."""
    mathml = convert(tex.strip(), display="block" if display else "inline")
    return _PRIMED.sub(r'<mi>\1</mi><mo lspace="0" rspace="0">\2</mo>', mathml)


class _InlineMath(InlineProcessor):
    # InlineProcessor changes the signature of its base class's handleMatch, as Markdown
    # itself does; its stubs say so the same way.
    def handleMatch(  # type: ignore[override]  # noqa: N802  (the name Markdown calls)
        self, m: re.Match[str], data: str
    ) -> tuple[str, int, int]:
        html = to_mathml(m.group(1), display=False)
        return self.md.htmlStash.store(html), m.start(0), m.end(0)


class _DisplayMath(BlockProcessor):
    def test(self, parent: Element, block: str) -> bool:
        return _DISPLAY.match(block.strip()) is not None

    def run(self, parent: Element, blocks: list[str]) -> bool:
        match = _DISPLAY.match(blocks.pop(0).strip())
        assert match is not None  # test() said so
        html = to_mathml(match.group(1), display=True)
        # A <div> is block-level, so Markdown puts the stashed MathML in no <p> of its own.
        placeholder = self.parser.md.htmlStash.store(f'<div class="math">{html}</div>')
        SubElement(parent, "p").text = placeholder
        return True


class MathMLExtension(Extension):
    """A Markdown extension that writes ``$...$`` and ``$$...$$`` as MathML."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802  (the name Markdown calls)
        """Register the inline and the display processors with ``md``."""
        md.inlinePatterns.register(_InlineMath(_INLINE, md), "mathml-inline", _INLINE_PRIORITY)
        # Before the paragraph processor (10), after lists and quotes.
        md.parser.blockprocessors.register(_DisplayMath(md.parser), "mathml-display", 15)


# The HTML of a notebook's page, cut into comments, elements whose text is no prose (code,
# scripts, pictures, math already made: skipped whole), other tags, and text.
_TOKENS = re.compile(
    r"<!--.*?-->"
    r"|<(?P<skip>pre|code|script|style|textarea|svg|math)\b.*?</(?P=skip)\s*>"
    r"|<[^>]*>"
    r"|[^<]+|<",
    re.S | re.I,
)
# nbconvert's rendered Markdown cell: TeX is looked for only inside one, not in outputs.
_MARKDOWN_CELL = re.compile(r"""<div\b[^>]*\bclass\s*=\s*["'][^"']*\bjp-RenderedMarkdown\b""", re.I)
_DIV_OPEN = re.compile(r"<div\b", re.I)
_DIV_CLOSE = re.compile(r"</div\s*>", re.I)
# The TeX nbconvert leaves as text; its inline form is the Markdown pages' (_INLINE), though
# it may run over a line break, as the cell's source does.
_DISPLAY_TEXT = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE_TEXT = re.compile(_INLINE, re.S)


def text_math_to_mathml(html: str) -> str:
    """``html`` with the TeX left as text in its rendered Markdown cells written as MathML.

    Only text inside nbconvert's Markdown cells (``class="jp-RenderedMarkdown"``) changes,
    outside code, scripts and pictures: a code cell's output is what the code printed. A
    paragraph that is one ``$$...$$`` becomes a displayed equation, as on a Markdown page.
    """
    tokens = [m.group(0) for m in _TOKENS.finditer(html)]
    out: list[str] = []
    cells: list[bool] = []  # for each open <div>: whether it is a Markdown cell
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if _DIV_OPEN.match(token):
            cells.append(_MARKDOWN_CELL.match(token) is not None)
        elif _DIV_CLOSE.match(token):
            if cells:
                cells.pop()
        elif any(cells) and not token.startswith("<"):
            display = _DISPLAY_TEXT.fullmatch(token.strip())
            if display and out and out[-1].lower() == "<p>" and tokens[i : i + 1] == ["</p>"]:
                out[-1] = f'<div class="math">{_mathml_of_text(display.group(1), True)}</div>'
                i += 1  # the </p>
                continue
            token = _DISPLAY_TEXT.sub(lambda m: _mathml_of_text(m.group(1), True), token)
            token = _INLINE_TEXT.sub(lambda m: _mathml_of_text(m.group(1), False), token)
        out.append(token)
    return "".join(out)


def _mathml_of_text(tex: str, display: bool) -> str:
    """The MathML of TeX found in HTML text, where ``<``, ``>`` and ``&`` are escaped."""
    return to_mathml(entities.unescape(tex), display)


def on_page_content(html: str, page: Any, **_: Any) -> str:
    """MkDocs hook: a notebook's page with its TeX as MathML (Markdown pages have it already)."""
    if page.file.src_uri.endswith(".ipynb"):
        return text_math_to_mathml(html)
    return html


def on_config(config: Any) -> Any:
    """MkDocs hook: add the extension to the site's Markdown, pages and docstrings."""
    config.markdown_extensions.append(MathMLExtension())
    return config


def makeExtension(**kwargs: Any) -> MathMLExtension:  # noqa: N802  (the name Markdown looks up)
    """The extension, for tools that load Markdown extensions by module name (Zensical)."""
    return MathMLExtension(**kwargs)
