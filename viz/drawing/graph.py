"""``draw_dot``: a Value's computation graph as a Graphviz digraph, at a detail that reads.

One neuron reads best as every Value and operation; a model reads best as a box
per neuron or per layer; a batch as one sample's piece. ``detail="auto"`` picks
the finest level that stays within ``READABLE`` boxes, and says in a caption
how to get more. Node names come from the topological order, so the same graph
gives the same DOT text on every run.
"""

import dataclasses
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import graphviz

import engine
from engine import Value
from nn import Module
from viz.drawing import levels, names, structure, style
from viz.drawing.options import check_font_size, check_number_format, checked, quoted
from viz.drawing.picture import Options, Picture
from viz.drawing.style import KIND_NAMES, KINDS
from viz.drawing.text import html_label_text, tooltip_text

RANKDIRS = ("LR", "TB", "RL", "BT")
DETAILS = ("auto", *levels.LEVELS)
CONSTANTS = ("small", "hidden", "boxes")
FONT = "Helvetica,Arial,sans-serif"
READABLE = 60
"""The most boxes a picture may have and still read on a slide."""
MAX_NODES = 500
_PORTS = {"LR": ("e", "w"), "RL": ("w", "e"), "TB": ("s", "n"), "BT": ("n", "s")}

_CAPTIONS = {
    "neurons": "one box per neuron, its weights and bias folded in; "
    'detail="values" draws every Value',
    "layers": "one box per layer (the backpropagation algorithm's a, h and delta); "
    'detail="neurons" or "values" for more',
    "values": 'the {shown} Values nearest the output; detail="values", max_nodes={total} for all',
}


@dataclass(frozen=True)
class PictureOptions:
    """What a picture is asked to show: ``draw_dot``'s options, in one place.

    ``draw_dot`` and the explorer fill it in; ``drawing`` checks each field once, with
    an error that names it.
    """

    rankdir: str = "LR"
    model: Module | None = None
    detail: str = "auto"
    sample: int | None = None
    show_grad: bool = True
    number_format: str = ".4f"
    parameters: Iterable[Value] = ()
    constants: str = "small"
    max_nodes: int | None = None
    theme: str = "light"
    font_size: float = 12.0


OPTION_NAMES = tuple(field.name for field in dataclasses.fields(PictureOptions))
"""The names of ``PictureOptions``' fields: what ``draw_dot`` and the explorer take."""


@dataclass(frozen=True)
class Drawing:
    """A picture ready for DOT, with what the explorer needs to know about it."""

    picture: Picture
    structure: structure.Structure
    index: dict[Value, int]
    options: Options


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    *,
    model: Module | None = None,
    detail: str = "auto",
    sample: int | None = None,
    show_grad: bool = True,
    number_format: str = ".4f",
    parameters: Iterable[Value] = (),
    constants: str = "small",
    max_nodes: int | None = None,
    legend: bool = True,
    theme: str = "light",
    font_size: float = 12.0,
) -> graphviz.Digraph:
    """Return the graph of ``root`` and everything it depends on, as a ``graphviz.Digraph``.

    ``model`` (an ``nn.Module``) names parameters as the backpropagation algorithm
    does (``W1[3,0]``) and lets ``detail`` be "neurons" (a box per neuron) or "layers"
    (a box per layer); "values" draws every Value, and "auto" the finest level that
    reads. A node with no label and no such name shows, muted, the name the explorer
    calls it: its operation when short (``x*w``), else its number (``v5``), ``L`` for the root.
    A batch (one per-sample piece gathered over samples) is drawn as sample
    ``sample``'s piece. ``parameters`` are coloured apart from inputs;
    ``constants`` ("small", "hidden" into their operation, "boxes") sets how
    unlabelled leaves show; beyond ``max_nodes`` Values the farthest fold into
    one note. ``theme`` is "light", "dark" or "transparent"; ``font_size`` is in
    points, from 1 to 200. A label longer than ``viz.drawing.text.LABEL_LENGTH`` (80)
    characters shows shortened in the middle with "…", in full (up to 1,000) in its tooltip.
    """
    asked = PictureOptions(
        rankdir, model, detail, sample, show_grad, number_format, parameters, constants,
        max_nodes, theme, font_size,
    )  # fmt: skip
    return digraph(drawing(root, asked), rankdir=rankdir, legend=legend)


def drawing(
    root: Value,
    asked: PictureOptions = PictureOptions(),
    *,
    cells: bool = False,
    grads: dict[Value, float] | None = None,
) -> Drawing:
    """Check the options of [`draw_dot`][viz.draw_dot] and build its picture.

    For the explorer: ``cells`` gives grad cells ids, and ``grads`` are shown instead
    of ``.grad``. Every picture names its nodes as the explorer does (``viz.drawing.names``).
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot: root must be a Value, got {type(root).__name__}")
    if asked.rankdir not in RANKDIRS:
        raise ValueError(
            f"draw_dot: rankdir must be one of {', '.join(RANKDIRS)}; got {quoted(asked.rankdir)}"
        )
    _choice("detail", asked.detail, DETAILS)
    _choice("constants", asked.constants, CONSTANTS)
    number_format = checked("draw_dot", "number_format", check_number_format, asked.number_format)
    font_size = checked("draw_dot", "font_size", check_font_size, asked.font_size)
    if asked.max_nodes is not None and (
        isinstance(asked.max_nodes, bool)
        or not isinstance(asked.max_nodes, int)
        or asked.max_nodes < 1
    ):
        raise ValueError(
            f"draw_dot: max_nodes must be None or an int >= 1, got {quoted(asked.max_nodes)}"
        )
    if asked.model is not None and not isinstance(asked.model, Module):
        raise TypeError(
            f"draw_dot: model must be an nn.Module or None, got {type(asked.model).__name__}"
        )
    if asked.sample is not None and (
        isinstance(asked.sample, bool) or not isinstance(asked.sample, int)
    ):
        raise TypeError(
            f"draw_dot: sample must be None or an int, got {type(asked.sample).__name__}"
        )
    colours = style.theme(asked.theme)
    params = _values("parameters", asked.parameters)
    try:
        found = structure.read(root, asked.model, params, asked.sample)
    except ValueError as e:
        raise ValueError(f"draw_dot: {e}") from None
    index = {node: i for i, node in enumerate(engine.topological_order(root))}
    shown = names.display_names(found, index)
    options = Options(
        number_format=number_format,
        show_grad=asked.show_grad,
        colours=colours,
        font_size=font_size,
        constants=asked.constants,
        names=shown.names,
        tooltips={v: tooltip_text(t) for v, t in names.tooltips(found, shown.names).items()},
        made_up=shown.made_up,
        expressions=shown.expressions,
        operand_names=names.operand_names(found, shown.names),
        rankdir=asked.rankdir,
        cells=cells,
        grads=grads,
    )
    picture = _level(found, options, index, asked.detail, asked.max_nodes)
    return Drawing(picture, found, index, options)


def _values(name: str, values: object) -> list[Value]:
    """``values`` as a list of Values, or a TypeError naming the argument."""
    hint = "an iterable of Values, such as model.parameters()"
    if isinstance(values, Value | str | bytes) or not isinstance(values, Iterable):
        raise TypeError(f"draw_dot: {name} must be {hint}; got {type(values).__name__}")
    found = list(values)
    for i, v in enumerate(found):
        if not isinstance(v, Value):
            raise TypeError(
                f"draw_dot: {name}[{i}] must be a Value ({hint}); got {type(v).__name__}"
            )
    return found


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(
            f"draw_dot: {name} must be one of {', '.join(map(repr, allowed))}; got {quoted(value)}"
        )


def _level(
    found: structure.Structure,
    options: Options,
    index: dict[Value, int],
    detail: str,
    max_nodes: int | None,
) -> Picture:
    if detail == "neurons" or detail == "layers":
        available = found.neurons if detail == "neurons" else found.layers
        if not available:
            raise ValueError(
                f'draw_dot: detail="{detail}" needs {detail} in the graph: pass model= '
                "(an nn.Module whose parameters the graph uses), or build neurons with "
                'engine.dot(ws, xs, bias=b); detail="values" draws any graph'
            )
        return (
            levels.neurons(found, options, index)
            if detail == "neurons"
            else levels.layers(found, options, index)
        )
    total = len(found.order)
    if detail == "values":
        return levels.values(found, options, index, max_nodes or MAX_NODES)
    # auto: the finest level that reads.
    candidates = [levels.values(found, options, index, max_nodes or MAX_NODES)]
    if found.neurons:
        candidates.append(levels.neurons(found, options, index))
    if found.layers:
        candidates.append(levels.layers(found, options, index))
    for picture in candidates:
        if len(picture.boxes) <= READABLE:
            break
    else:
        picture = min(candidates, key=lambda p: len(p.boxes))
        if len(picture.boxes) > READABLE and picture.level == "values":
            # About READABLE boxes: each Value comes with the node of its operation.
            picture = levels.values(found, options, index, max_nodes or READABLE // 2)
    if picture is not candidates[0] or picture.level != "values":
        shown = sum(1 for box in picture.boxes if box.id.startswith("v") and "_" not in box.id)
        picture.caption = _CAPTIONS[picture.level].format(shown=shown, total=total)
    return picture


def digraph(drawing: Drawing, *, rankdir: str, legend: bool) -> graphviz.Digraph:
    """Write a built picture out as a ``graphviz.Digraph`` (clusters, edges, legend)."""
    picture, options = drawing.picture, drawing.options
    colours = options.colours
    size = str(options.font_size)
    dot = graphviz.Digraph(name="computation_graph")
    graph_attrs = {
        "rankdir": rankdir, "bgcolor": colours.background, "fontname": FONT,
        "fontsize": size, "fontcolor": colours.text,
    }  # fmt: skip
    if picture.level != "values":
        graph_attrs |= {"nodesep": "0.12", "ranksep": "1.1"}
    if picture.chains:
        # A second crossing-minimisation pass would rotate each layer's order of neurons.
        graph_attrs["remincross"] = "false"
    if picture.caption:
        graph_attrs |= {"label": picture.caption, "labelloc": "b", "labeljust": "l"}
    dot.attr("graph", **graph_attrs)
    dot.attr("node", fontname=FONT, fontsize=size, fontcolor=colours.text)
    dot.attr("edge", color=colours.line, arrowsize="0.7", fontname=FONT, fontcolor=colours.text)
    if picture.level != "values":
        # Edges leave and enter wide boxes at their sides, not across the names on them.
        tail, head = _PORTS[rankdir]
        dot.attr("edge", tailport=tail, headport=head)
    _write_clusters(dot, picture, "", options, rankdir)
    for tail, head, attrs in picture.edges:
        dot.edge(tail, head, **attrs)
    if legend and picture.kinds:
        _legend(dot, [k for k in KINDS if k in picture.kinds], options)
    return dot


def _write_clusters(
    dot: graphviz.Digraph, picture: Picture, parent: str, options: Options, rankdir: str
) -> None:
    """Write the boxes of cluster ``parent``, and its sub-clusters nested inside it."""
    for box in picture.boxes:
        if box.cluster == parent:
            dot.node(box.id, _label(box.label), **box.attrs)
    for key, (label, outer) in picture.clusters.items():
        if outer != parent:
            continue
        with dot.subgraph(name=f"cluster_{key}") as sub:
            sub.attr(
                label=html_label_text(label), style="rounded,dashed", id=f"cluster_{key}",
                color=options.colours.line, fontcolor=options.colours.text,
            )  # fmt: skip
            _write_clusters(sub, picture, key, options, rankdir)
    for cluster, chain in picture.chains:
        if cluster == parent and len(chain) > 1:
            # Invisible edges within one rank keep the boxes in order (j = 0, 1, ...).
            with dot.subgraph() as rank:
                rank.attr(rank="same")
                # Found by trying Graphviz 2.43: in LR a chain in a cluster comes out bottom
                # to top, one outside clusters top to bottom (tests pin both orders).
                ordered = chain[::-1] if rankdir == "LR" and cluster else chain
                for a, b in itertools.pairwise(ordered):
                    rank.edge(a, b, style="invis")


def _label(label: str) -> str:
    return label if label.startswith("<<") else f"<{label}>"


def _legend(dot: graphviz.Digraph, kinds: list[str], options: Options) -> None:
    colours = options.colours
    rows = "".join(
        f'<TR><TD BGCOLOR="{colours.fills[k]}" WIDTH="16"> </TD>'
        f'<TD ALIGN="LEFT">{html_label_text(KIND_NAMES[k])}</TD></TR>'
        for k in kinds
    )
    with dot.subgraph(name="cluster_legend") as legend:
        legend.attr(label="legend", color=colours.line, fontcolor=colours.text, style="solid")
        legend.node(
            "legend",
            f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="2" COLOR="{colours.line}">'
            f"{rows}</TABLE>>",
            shape="plain",
        )
