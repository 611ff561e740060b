r"""Text made safe and bounded for Graphviz's labels and attributes, and the SVG they become.

Any string shows as typed: markup characters are escaped, newlines break the
line, and characters XML cannot hold (NUL and the other control characters but
tab and newline, lone surrogates, U+FFFE/U+FFFF) show as visible escapes such as
``\x00``, so the SVG always stays valid XML and nothing in a label becomes markup.
Graphviz reads no quoted string longer than 16 KB, so what goes in is bounded:
a label past ``LABEL_LENGTH`` characters, a tooltip past ``TOOLTIP_LENGTH``, is
shortened in the middle with an ellipsis (``…``).
"""

import html
import re

LABEL_LENGTH = 80
"""The longest name a picture or the explorer shows, in characters; longer ones are shortened."""
TOOLTIP_LENGTH = 1_000
"""The longest tooltip, in characters: the full text of a shortened label, up to this."""
ELLIPSIS = "…"

# C0 and C1 controls but tab and newline, DEL, lone surrogates, and U+FFFE, U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """Return ``text`` with every character XML cannot hold written as a visible escape."""
    return _NOT_XML.sub(_visible, text)


def encodable(text: str) -> str:
    """Return ``text`` with every lone surrogate, which UTF-8 cannot hold, as a visible escape."""
    return _SURROGATE.sub(_visible, text)


def shorten(text: str, limit: int) -> str:
    """Return ``text``, or past ``limit`` characters its start and end with … between.

    The end stays because it is what tells long names apart (``..._0``, ``..._1``).
    """
    if len(text) <= limit:
        return text
    tail = (limit - 1) // 3
    return text[: limit - 1 - tail] + ELLIPSIS + text[len(text) - tail :]


def html_label_text(text: str) -> str:
    """Return ``text`` escaped for the inside of a Graphviz HTML-like label."""
    escaped = html.escape(visible(text), quote=True)
    # Graphviz reads backslash escapes even in HTML-like labels ("\\" shows as "\"), and it
    # drops tabs: double each backslash, and let four spaces keep the gap a tab makes.
    escaped = escaped.replace("\\", "\\\\").replace("\t", "    ")
    # Graphviz (2.43 at least) feeds each run of text between tags to expat as an unfinished
    # chunk, and expat holds back a trailing "]" or "]]" (it may begin "]]>"). The held-back
    # text arrives with a later token: a run of only "]" or "]]" is a syntax error, and a
    # "]" before a line break moves into the next line or cell. A character reference is
    # never held back.
    escaped = escaped.replace("]", "&#93;")
    return escaped.replace("\n", '<BR ALIGN="CENTER"/>')


def tooltip_text(text: str) -> str:
    """Return ``text``, shortened to ``TOOLTIP_LENGTH``, escaped for a Graphviz tooltip attribute.

    Every character shows as typed: markup as character references (which also keeps
    a quote from ending the attribute), and each backslash written four times.
    """
    escaped = html.escape(visible(shorten(text, TOOLTIP_LENGTH)), quote=True)
    # Found by trying Graphviz 2.43: a tooltip goes through its escape processing twice
    # ("\\N" becomes the node's name), so a backslash shows as typed only written as four.
    return escaped.replace("\\", "\\" * 4)
