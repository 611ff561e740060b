"""Themes for pictures: colours for each kind of node, the background, the text."""

from dataclasses import dataclass, replace

KINDS = ("output", "parameter", "input", "constant", "intermediate", "neuron", "layer")
"""The kinds of Value a picture tells apart, in the legend's order."""

KIND_NAMES = {
    "output": "output (the root)",
    "parameter": "parameter",
    "input": "input (x, or a labelled leaf)",
    "constant": "constant (an unlabelled leaf)",
    "intermediate": "intermediate result",
    "neuron": "neuron: h = f(w·x + b), weights folded in",
    "layer": "layer: its vectors a, h and δ",
}


@dataclass(frozen=True)
class Theme:
    """The colours of one theme."""

    background: str
    text: str
    line: str
    op_fill: str
    fills: dict[str, str]


LIGHT = Theme(
    background="white",
    text="#1f2937",
    line="#4b5563",
    op_fill="#f3f4f6",
    fills={
        "output": "#fde68a",
        "parameter": "#bfdbfe",
        "input": "#bbf7d0",
        "constant": "#e5e7eb",
        "intermediate": "#ffffff",
        "neuron": "#e9d5ff",
        "layer": "#e9d5ff",
    },
)

THEMES = {
    "light": LIGHT,
    "dark": Theme(
        background="#111827",
        text="#f9fafb",
        line="#9ca3af",
        op_fill="#374151",
        fills={
            "output": "#92400e",
            "parameter": "#1e3a8a",
            "input": "#14532d",
            "constant": "#374151",
            "intermediate": "#1f2937",
            "neuron": "#4c1d95",
            "layer": "#4c1d95",
        },
    ),
    # For slides with a background of their own: the light colours on nothing.
    "transparent": replace(LIGHT, background="transparent"),
}


def theme(name: str) -> Theme:
    """Return the theme called ``name``, or raise a ValueError listing the themes."""
    if name not in THEMES:
        raise ValueError(f"theme must be one of {', '.join(map(repr, THEMES))}; got {name!r}")
    return THEMES[name]
