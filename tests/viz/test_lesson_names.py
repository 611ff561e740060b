"""The lessons' names agree with the pictures', and the pictures' marks with the lessons' letters.

Lesson 2 shows its neuron three ways: the text, the picture (``viz.save_svg``) and the
explorer beside it. A student must read the same name for a node in all three.
"""

import doctest
import re
import unicodedata
from pathlib import Path

import pytest

import engine
import viz
from engine import Value
from tests.viz.test_levels import Dot, parse
from tests.viz.test_names import box_names, heading_names, needs_dot
from viz.drawing.picture import MARKS

LESSONS = Path(__file__).resolve().parents[2] / "docs" / "lessons"
LESSON_2 = LESSONS / "02-a-neuron.md"


def lesson_2_neuron() -> Value:
    """``y`` as lesson 2 builds it: the lesson's own examples, run in order."""
    namespace: dict[str, object] = {}
    for example in doctest.DocTestParser().get_examples(LESSON_2.read_text(encoding="utf-8")):
        exec(example.source, namespace)  # the lesson's own examples
    y = namespace["y"]
    assert isinstance(y, Value)
    return y


def prose(text: str) -> str:
    """A lesson's text without its code blocks."""
    return re.sub(r"```.*?```", "", text, flags=re.S)


def node_names_in_text(text: str, labels: set[str]) -> set[str]:
    """The code spans of ``text`` that name a node: a label, or labels joined by operators."""
    spans = re.findall(r"`([^`\n]+)`", prose(text))
    return {
        s
        for s in spans
        if re.fullmatch(r"\w+(?:[-+*/]\w+)*", s) and set(re.findall(r"\w+", s)) <= labels
    }


@needs_dot
def test_lesson_2s_text_picture_and_explorer_give_each_node_one_name(tmp_path: Path) -> None:
    y = lesson_2_neuron()
    order = engine.topological_order(y)
    svg = viz.save_svg(y, tmp_path / "neuron.svg").read_text(encoding="utf-8")
    picture = box_names(svg)
    page = viz.explorer(y)
    headings = heading_names(page)
    # Every node has a step, and its box in the picture shows the name its step gives it.
    assert set(headings) == {f"v{i}" for i in range(len(order))}
    for box, name in headings.items():
        assert picture[box] == name, (box, picture[box], name)
    # The names the lesson's text gives nodes are the picture's and the explorer's.
    labels = {v.label for v in order if v.label}
    used = node_names_in_text(LESSON_2.read_text(encoding="utf-8"), labels)
    assert used >= {"x", "w", "b", "n", "y", "x*w"}
    lines = "\n".join(page.text(k) for k in range(len(page.steps)))
    for name in used:
        assert name in picture.values(), name
        assert name in headings.values(), name
        n = re.escape(name)
        assert re.search(rf"/[d∂](?:{n}|\({n}\))(?=\s|$)", lines, re.M), name  # dy/d(x*w)
    product = next(v for v in order if v.op == "*")
    assert headings[f"v{order.index(product)}"] == "x*w"


def test_lesson_2s_text_says_where_the_backward_pass_starts() -> None:
    text = prose(LESSON_2.read_text(encoding="utf-8"))
    assert "the seed" not in text
    assert "the start of the backward pass" in text


@needs_dot
def test_the_explorers_first_step_is_the_start_of_the_backward_pass() -> None:
    page = viz.explorer(lesson_2_neuron())
    assert page.text(0).splitlines()[1:] == ["the start of the backward pass:", "dy/dy = 1"]


# Operand marks: a mark reads as the operand's own name, never as a letter a lesson defines.


GREEK = re.compile(r"\\([a-z]+)")


def lesson_letters() -> set[str]:
    """Every one-letter word of the lessons and the algorithm's page: code, maths and prose."""
    pages = [*sorted(LESSONS.glob("*.md")), LESSONS.parent / "algorithm.md"]
    letters: set[str] = set()
    for page in pages:
        text = page.read_text(encoding="utf-8")
        text = GREEK.sub(lambda m: _greek(m[1]), text)  # \delta is δ, \ell is ℓ
        letters |= set(re.findall(r"(?<![^\W\d_])[^\W\d_](?![^\W\d_])", text))
    return letters


def _greek(name: str) -> str:
    for kind in ("GREEK SMALL LETTER", "SCRIPT SMALL"):
        try:
            return unicodedata.lookup(f"{kind} {name.upper()}")
        except KeyError:
            pass
    return " "


def marks(dot: Dot, target: str) -> list[str]:
    """The marks on the edges into box ``target``, in the order of the edges."""
    found = []
    for (_, head), attrs in zip(dot.edges, dot.attrs, strict=True):
        if head == target:
            m = re.search(r'label=(?:"([^"]*)"|(\S+))', attrs)
            found.append((m[1] or m[2]) if m else "")
    return found


def test_the_neutral_marks_are_no_letter_a_lesson_gives_a_meaning() -> None:
    letters = lesson_letters()
    assert letters >= set("abxyhwWLnzfcδ")  # the letters the lessons are known to use
    assert not set(MARKS) & letters
    assert len(set(MARKS)) == 2


@pytest.mark.parametrize("op", ["-", "/", "**"])
def test_an_operand_is_marked_with_its_name_or_number_else_a_neutral_mark(op: str) -> None:
    def apply(a: Value, b: Value) -> Value:
        return a - b if op == "-" else a / b if op == "/" else a**b

    p, q = Value(3.0, label="p"), Value(2.0)  # q: a parameter with no name
    long = Value(1.5, label="a_name_too_long_for_a_mark")
    cases = [
        (apply(p, q), ["p", MARKS[1]]),
        (apply(p, Value(2.0)), ["p", "2"]),
        (apply(long, p), [MARKS[0], "p"]),
        (apply(Value(2.0), Value(2.0)), list(MARKS)),  # two constants that read the same
        (apply(p, p), ["p", "p"]),  # one node, used twice
    ]
    letters = lesson_letters()
    for node, expected in cases:
        root = node * 1.0
        index = {v: f"v{i}" for i, v in enumerate(engine.topological_order(root))}
        dot = parse(viz.draw_dot(root, parameters=[q]).source)
        got = marks(dot, f"{index[node]}_op")
        assert got == expected, (op, got, expected)
        own = {name for v in node.parents for name in (v.label, f"{v.data:g}")}
        assert not (set(got) & letters) - own  # a lesson's letter only as the operand's name


def test_lesson_4s_loss_marks_its_operands_with_the_algorithms_names() -> None:
    import nn

    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    out = model([1.0, -0.5])
    assert isinstance(out, Value)
    L = (out - 1.0) ** 2
    L.label = "L"
    index = {v: f"v{i}" for i, v in enumerate(engine.topological_order(L))}
    error = L.parents[0]
    source = viz.draw_dot(L, rankdir="TB", model=model, detail="layers").source
    dot = parse(source)
    assert marks(dot, index[error]) == ["h2[0]", "1"]
    assert "h2[0]-1" in dot.boxes[index[error]]
    assert not re.search(r"label=[ab]\b", source)
