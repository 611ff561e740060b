"""A new built-in operation is one row of the table: everything else reads it from there.

The fixture adds ``atan`` as a developer would: a row of ``engine.ops`` (its forward rule
and its local derivative), the ``Value`` method that makes its node, and, for the array
backend, its array version in ``engine.codegen.array_math``. Then the row reaches the
backward pass, second derivatives, both compile backends, the command line and the
pictures, with no other list edited. A row added without its array version fails when
the array backend is imported, naming it.
"""

import math
import pickle
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sympy as sp

import engine
import viz
from engine import Value, float_math, ops
from engine.value import _unary
from viz.cli import main
from viz.cli.expression import FUNCTIONS, parse

ROOT = Path(__file__).resolve().parents[2]

# The row, as it would stand in engine/ops.py among the unary operations.
ATAN = ops.Op("atan", 1, math.atan, lambda x, out, m: (m.div(1.0, 1.0 + x * x),), function="atan")


def atan(self: Value) -> Value:
    """Return the arc tangent: the Value method, the row's one other line."""
    return _unary(ATAN, self)


@pytest.fixture
def with_atan(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The table with ``atan`` as its last row, for one test; removed after it."""
    try:  # a fast array version, as a developer would write one (without, see below)
        import numpy as np

        from engine.codegen import array_math
    except ImportError:
        pass
    else:  # the array version: numpy's arctan is IEEE's, inf and nan included
        monkeypatch.setattr(array_math, "atan", np.arctan, raising=False)
    monkeypatch.setattr(ops, "TABLE", (*ops.TABLE, ATAN))
    monkeypatch.setattr(ops, "ATAN", ATAN, raising=False)  # a row is found by name to unpickle
    monkeypatch.setattr(Value, "atan", atan, raising=False)
    yield


def d2_atan(x: float) -> float:
    """The second derivative of atan, from SymPy."""
    s = sp.Symbol("s")
    return float(sp.diff(sp.atan(s), s, 2).subs(s, x))


@pytest.mark.usefixtures("with_atan")
def test_a_new_row_reaches_backward_and_second_derivatives() -> None:
    x = Value(0.5)
    y = x.atan()  # type: ignore[attr-defined]
    assert (y.op, y.data, y.parents) == ("atan", math.atan(0.5), (x,))
    y.backward()
    assert x.grad == 1.0 / 1.25 and engine.local_derivatives(y) == (0.8,)
    (dy,) = engine.grad(y, [x], create_graph=True)
    (d2y,) = engine.grad(dy, [x])
    assert dy.data == 0.8 and d2y.data == pytest.approx(d2_atan(0.5), rel=1e-12)
    assert engine.gradcheck(lambda v: v.atan() * v, [0.3])
    assert pickle.loads(pickle.dumps(y)).op == "atan"


def batch(w: float, b: float, samples: list[float]) -> tuple[Value, list[Value]]:
    """The mean over samples of ``atan(w * x + b)``: a piece the compiler finds repeated."""
    wv, bv = Value(w, label="w"), Value(b, label="b")
    pieces = [(wv * x + bv).atan() for x in samples]  # type: ignore[attr-defined]
    return engine.sum(pieces) * (1 / len(samples)), [wv, bv]


@pytest.mark.usefixtures("with_atan")
@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_new_row_compiles_with_both_backends(backend: str) -> None:
    if backend == "numpy":
        pytest.importorskip("numpy")
    samples = [0.1 * k - 1.0 for k in range(20)]
    cg = engine.compile(*batch(0.7, -0.2, samples), backend=backend)
    assert ("xp.atan(" if backend == "numpy" else " atan(") in cg.source
    assert "ops." not in cg.source  # a row of the table, not an operation of the user's
    for w, b in [(0.7, -0.2), (2.0, 0.5), (-1.0, math.inf)]:
        loss, params = batch(w, b, samples)
        grads = engine.grad(loss, params)
        out, got = cg([w, b])
        assert out == pytest.approx(loss.data, rel=1e-12, nan_ok=True)
        assert got == pytest.approx([g.data for g in grads], rel=1e-12, nan_ok=True)


@pytest.mark.usefixtures("with_atan")
def test_a_new_row_is_a_function_of_the_command_line_and_is_drawn(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert "atan" in FUNCTIONS
    y = parse("atan(x) * 2", {"x": 0.5})
    assert y.parents[0].op == "atan" and y.data == 2 * math.atan(0.5)
    assert main(["graph", "atan(x)", "x=0.5"]) == 0
    assert "atan" in capsys.readouterr().out
    assert "atan" in viz.draw_dot(y).source
    if shutil.which("dot"):
        assert main(["graph", "atan(x)", "x=0.5", "-o", str(tmp_path / "g.svg")]) == 0
        assert "atan" in (tmp_path / "g.svg").read_text()


def test_without_the_fixture_the_row_is_nowhere() -> None:
    assert "atan" not in FUNCTIONS and not hasattr(Value, "atan")
    assert ATAN not in ops.TABLE


def test_each_name_of_the_array_backend_and_the_command_line_is_there_at_import() -> None:
    array_math = pytest.importorskip("engine.codegen.array_math")
    assert {op.function for op in ops.TABLE} | set(float_math.NAMES) <= array_math.NAMES
    for name in array_math.NAMES:
        assert callable(getattr(array_math, name)), name
    assert set(FUNCTIONS) == {op.name for op in ops.TABLE if op.called}
    for name, function in FUNCTIONS.items():
        expected = getattr(engine if function.nary else Value, name)
        assert function.apply == expected, name


def test_a_row_without_an_array_version_runs_its_forward_rule_element_by_element(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("numpy")
    from engine.codegen import array_math

    monkeypatch.setattr(ops, "TABLE", (*ops.TABLE, ATAN))
    monkeypatch.setattr(ops, "ATAN", ATAN, raising=False)
    monkeypatch.setattr(Value, "atan", atan, raising=False)
    assert "atan" not in vars(array_math)  # none written: the row's own rule serves
    samples = [0.1 * k - 1.0 for k in range(20)]
    cg = engine.compile(*batch(0.7, -0.2, samples), backend="numpy")
    assert "xp.atan(" in cg.source
    for w, b in [(0.7, -0.2), (2.0, 0.5)]:
        loss, params = batch(w, b, samples)
        out, got = cg([w, b])
        assert out == pytest.approx(loss.data, rel=1e-12)
        assert got == pytest.approx([g.data for g in engine.grad(loss, params)], rel=1e-12)
    assert array_math.atan([math.inf, math.nan]).tolist()[0] == math.atan(math.inf)


def test_the_development_guide_says_how_to_add_an_operation_in_five_lines() -> None:
    guide = (ROOT / "docs" / "development.md").read_text()
    section = guide.split("## Adding an operation\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.strip().splitlines() if line.strip()]
    assert 1 <= len(lines) <= 5
