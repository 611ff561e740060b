"""One name per node: the picture's boxes, the explorer's headings and its lines agree.

A node goes by its label, else the backpropagation algorithm's name, else a name made
up for it: its operation when short and its operands named (``x*w``), else its number
``v<i>`` (as ``engine.compile`` numbers it), ``L`` for the root.
"""

import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
import viz
from engine import Value
from viz.drawing.graph import PictureOptions, drawing

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
SVG = "{http://www.w3.org/2000/svg}"


def box_names(svg: str) -> dict[str, str]:
    """Per box id (``v2``): the first text the box shows, its name if it has one."""
    svg = svg[svg.index("<svg") : svg.index("</svg>") + len("</svg>")]
    found = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if "node" in (g.get("class") or "").split():
            texts = ["".join(t.itertext()) for t in g.iter(f"{SVG}text")]
            if texts:
                found[g.get("id", "")] = texts[0]
    return found


def box_text(svg: str, box: str) -> list[ET.Element]:
    """The <text> elements of box ``box``."""
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("id") == box:
            return list(g.iter(f"{SVG}text"))
    raise AssertionError(f"no box {box}")


def heading_names(page: viz.ExplorerPage) -> dict[str, str]:
    """Per step's box id: the name its heading gives the node ("x*w (made by *): ...")."""
    return {s["id"]: s["heading"].split(" (")[0] for s in page.steps}


def shown_names(root: Value, **options: object) -> dict[Value, str]:
    return drawing(root, PictureOptions(**options)).options.names  # type: ignore[arg-type]


def test_an_unlabelled_node_goes_by_its_operation_when_short_and_its_operands_named() -> None:
    x, w, n = Value(2.0, label="x"), Value(-3.0, label="w"), Value(0.5, label="n")
    cases = {
        x * w: "x*w", n.tanh(): "tanh(n)", x**2: "x**2", -x: "-x", x - 1.0: "x-1",
        x / -4.0: "x/(-4)", x.relu(): "relu(x)", x**w: "x**w",
    }  # fmt: skip
    for node, expected in cases.items():
        root = node + n  # not the root: the root goes by L
        assert shown_names(root)[node] == expected


def test_other_unlabelled_nodes_go_by_their_number_in_the_code_engine_compile_writes() -> None:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    long = Value(1.0, label="a_long_name")
    unnamed_operand = x * w + b  # x*w has a made-up name: no operand of another
    too_long = long * long
    many = engine.sum([x, w, b])
    root = unnamed_operand * too_long * many
    order = engine.topological_order(root)
    shown = shown_names(root)
    source = engine.compile(root, [v for v in order if not v.parents]).source
    for node in (unnamed_operand, too_long, many):
        i = order.index(node)
        assert shown[node] == f"v{i}"
        assert re.search(rf"^\s*v{i} = ", source, re.M), f"v{i} is not node {i} of the code"
    assert shown[root] == "L"


def test_a_made_up_name_never_repeats_a_given_one() -> None:
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    product = x * w
    taken = Value(1.0, label="x*w")  # a label that reads as the product's expression
    v_label = Value(1.0, label="v3")  # and one that reads as its number
    root = product + taken * v_label
    shown = shown_names(root)
    assert shown[taken] == "x*w" and shown[v_label] == "v3"
    assert shown[product] not in {"x*w", "v3"}
    assert len(set(shown.values())) == len(shown)


def test_the_algorithms_names_are_operands_too() -> None:
    import nn

    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    out = model([1.0, -0.5])
    assert isinstance(out, Value)
    error = out - 1.0
    loss = error**2
    for detail in ("values", "neurons", "layers"):
        shown = shown_names(loss, model=model, detail=detail)
        assert (shown[out], shown[error], shown[loss]) == ("h2[0]", "h2[0]-1", "L")


def test_the_same_graph_built_twice_names_its_nodes_the_same() -> None:
    def build() -> Value:
        x, y = Value(1.0, label="x"), Value(2.0)
        return ((x * y).tanh() - x * 3.0) ** 2

    first, second = build(), build()
    assert list(shown_names(first).values()) == list(shown_names(second).values())


@st.composite
def graphs(draw: st.DrawFn) -> Value:
    """Small graphs whose nodes have labels or not, the root among them."""
    nodes = [Value(draw(st.floats(-2, 2)), label=f"x{i}") for i in range(draw(st.integers(1, 3)))]
    for i in range(draw(st.integers(1, 8))):
        a, b = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
        node = draw(st.sampled_from([a + b, a * b, a.tanh(), a - b * 2.0, 1.0 - a, a / b, -a]))
        if draw(st.booleans()):
            node.label = f"n{i}"
        nodes.append(node)
    return nodes[-1]


@needs_dot
@settings(max_examples=10, deadline=None)
@given(graphs())
def test_the_picture_and_the_explorer_give_every_node_the_same_name(root: Value) -> None:
    picture = box_names(viz.draw_dot(root, detail="values").pipe("svg").decode("utf-8"))
    page = viz.explorer(root, detail="values")
    headings = heading_names(page)
    in_explorer = box_names(page.html)
    for box, name in headings.items():
        assert picture[box] == in_explorer[box] == name, (box, name)
    lines = " ".join(line for k in range(len(page.steps)) for line in page.text(k).splitlines())
    for name in re.findall(r"d([^\s/·=₍]+)/d", lines):  # every dL/d<name> names a box
        assert name.removeprefix("(").removesuffix(")") in headings.values(), name


@needs_dot
def test_a_made_up_name_is_muted_and_a_given_one_bold() -> None:
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    product = x * w
    root = product.tanh()
    root.label = "y"
    svg = viz.draw_dot(root).pipe("svg").decode("utf-8")
    index = {v: f"v{i}" for i, v in enumerate(engine.topological_order(root))}
    (made_up, *_) = box_text(svg, index[product])
    (given_name, *_) = box_text(svg, index[root])
    assert made_up.text == "x*w" and made_up.get("font-weight") != "bold"
    assert made_up.get("fill") == "#4b5563"  # the theme's line colour
    assert given_name.text == "y" and given_name.get("font-weight") == "bold"
