"""engine stands on the standard library alone, and its docstring examples run."""

import ast
import doctest
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[2] / "engine"
THIRD_PARTY = {"nn", "viz", "graphviz", "numpy", "tqdm", "matplotlib", "sympy", "hypothesis"}


def test_importing_engine_loads_no_third_party_module() -> None:
    code = "import engine, sys; print('\\n'.join(sorted(sys.modules)))"
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True, cwd=ENGINE.parent).stdout.split())  # fmt: skip
    assert "engine" in loaded
    assert not {name.split(".")[0] for name in loaded} & THIRD_PARTY


def test_every_engine_import_is_standard_library_or_engine() -> None:
    for path in ENGINE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top == "engine" or top in sys.stdlib_module_names, (path.name, name)


@pytest.mark.parametrize(
    "module",
    [
        *("engine", "engine.value", "engine.fused", "engine.gradients", "engine.gradient_check"),
        "engine.compiler",
    ],
)
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
