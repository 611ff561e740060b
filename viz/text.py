r"""Label text made safe for Graphviz's HTML-like labels and the SVG they become.

Any string shows as typed: markup characters are escaped, newlines break the
line, and characters XML cannot hold (NUL and the other control characters but
tab and newline, lone surrogates, U+FFFE/U+FFFF) show as visible escapes such as
``\x00``, so the SVG always stays valid XML and nothing in a label becomes markup.
"""

import html


def _visible(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def _xml_safe(ch: str) -> bool:
    code = ord(ch)
    if ch in "\t\n":
        return True
    if code < 0x20 or 0x7F <= code <= 0x9F:  # C0 and C1 controls, DEL
        return False
    # Lone surrogates and the non-characters U+FFFE, U+FFFF.
    return not (0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF))


def visible(text: str) -> str:
    """Return ``text`` with every character XML cannot hold written as a visible escape."""
    return "".join(ch if _xml_safe(ch) else _visible(ch) for ch in text)


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
