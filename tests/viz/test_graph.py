"""draw_dot: structure equals the engine's graph; options; the DOT text is stable."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine import Value
from viz import draw_dot


def neuron() -> tuple[Value, list[Value]]:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    return y, [x, w, b]


def edges_of(source: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s*(\w+) -> (\w+)", source, flags=re.MULTILINE)


def value_nodes(source: str) -> list[str]:
    return re.findall(r"^\s*(v\d+) \[", source, flags=re.MULTILINE)


@st.composite
def graphs(draw: st.DrawFn) -> Value:
    """Random expression graphs over reused inputs."""
    nodes = [Value(draw(st.floats(-2, 2)), label=f"x{i}") for i in range(draw(st.integers(1, 3)))]
    for _ in range(draw(st.integers(1, 12))):
        a = draw(st.sampled_from(nodes))
        b = draw(st.sampled_from(nodes))
        op = draw(st.sampled_from(["+", "*", "-", "tanh", "relu", "const"]))
        if op == "+":
            nodes.append(a + b)
        elif op == "*":
            nodes.append(a * b)
        elif op == "-":
            nodes.append(a - b)
        elif op == "tanh":
            nodes.append(a.tanh())
        elif op == "relu":
            nodes.append(a.relu())
        else:
            nodes.append(a * 0.5)
    return nodes[-1]


@given(graphs())
def test_every_value_is_one_record_and_every_edge_follows_the_data(root: Value) -> None:
    source = draw_dot(root, legend=False).source
    order = engine.topological_order(root)
    assert value_nodes(source) == [f"v{i}" for i in range(len(order))]
    index = {node: i for i, node in enumerate(order)}
    expected = []
    for node in order:
        for parent in node.parents:
            expected.append((f"v{index[parent]}", f"v{index[node]}_op"))
        if node.parents:
            expected.append((f"v{index[node]}_op", f"v{index[node]}"))
    assert edges_of(source) == expected


@given(graphs())
def test_the_same_graph_gives_the_same_dot_text(root: Value) -> None:
    assert draw_dot(root).source == draw_dot(root).source


def test_a_value_used_twice_has_two_edges_into_its_operation() -> None:
    x = Value(3.0, label="x")
    source = draw_dot(x * x, legend=False).source
    assert edges_of(source) == [("v0", "v1_op"), ("v0", "v1_op"), ("v1_op", "v1")]


def test_records_show_label_data_and_grad_in_the_number_format() -> None:
    y, _ = neuron()
    y.backward()
    source = draw_dot(y, number_format=".2f").source
    assert "<B>x</B></TD><TD>data 2.00</TD><TD>grad -1.50</TD>" in source
    assert "grad" not in draw_dot(y, show_grad=False).source


def test_kinds_are_coloured_apart_and_named_in_the_legend() -> None:
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    y = w * x * 3.0
    source = draw_dot(y, parameters=[w]).source
    assert 'class="value parameter"' in source and 'class="value input"' in source
    assert 'class="value constant"' in source and 'class="value output"' in source
    for name in ("parameter", "input (x, or a labelled leaf)", "constant", "output (the root)"):
        assert name in source
    assert "legend" not in draw_dot(y, legend=False).source


def test_a_graph_beyond_max_nodes_is_folded_and_says_how_many_are_hidden() -> None:
    y = Value(1.0, label="start")
    for _ in range(50):
        y = y * 1.01
    total = len(engine.topological_order(y))
    source = draw_dot(y, max_nodes=10).source
    assert len(value_nodes(source)) == 10
    assert f"{total - 10} more values not shown (max_nodes=10)" in source
    assert any(
        target.endswith("_op")
        for source_name, target in edges_of(source)
        if source_name == "hidden"
    )


def test_themes_and_font_size_reach_the_graph_attributes() -> None:
    y, _ = neuron()
    assert "bgcolor=transparent" in draw_dot(y, theme="transparent").source
    assert 'bgcolor="#111827"' in draw_dot(y, theme="dark").source
    assert "fontsize=20" in draw_dot(y, font_size=20).source
    assert "rankdir=TB" in draw_dot(y, "TB").source


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rankdir": "XY"}, "rankdir must be one of"),
        ({"number_format": "q"}, "number_format"),
        ({"max_nodes": 0}, "max_nodes must be None or an int >= 1"),
        ({"theme": "neon"}, "theme must be one of"),
        ({"font_size": -1}, "font_size must be a positive number"),
    ],
)
def test_bad_options_are_clear_errors(kwargs: dict[str, object], message: str) -> None:
    y, _ = neuron()
    with pytest.raises(ValueError, match=message):
        draw_dot(y, **kwargs)  # type: ignore[arg-type]


def test_a_root_that_is_not_a_value_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="root must be a Value, got float"):
        draw_dot(1.0)  # type: ignore[arg-type]


def test_drawing_changes_no_value() -> None:
    y, _ = neuron()
    y.backward()
    before = [(v.data, v.grad, v.label) for v in engine.topological_order(y)]
    draw_dot(y)
    assert [(v.data, v.grad, v.label) for v in engine.topological_order(y)] == before
