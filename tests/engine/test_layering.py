"""engine stands on the standard library alone, codegen sits above the core, and examples run.

engine.network (the graph read as a network: the layers and the piece a batch repeats)
sits beside the core, below codegen, and viz reads it too.
"""

import ast
import doctest
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[2] / "engine"
CORE = sorted(p for p in ENGINE.glob("*.py") if p.name != "__init__.py")
CODEGEN = sorted((ENGINE / "codegen").glob("*.py"))
NETWORK = sorted((ENGINE / "network").glob("*.py"))
THIRD_PARTY = {"nn", "viz", "graphviz", "numpy", "tqdm", "matplotlib", "sympy", "hypothesis"}


def imports(path: Path) -> list[str]:
    """The modules a file imports, anywhere in it: ``from engine import ops`` gives engine.ops."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0 and node.module, (path.name, "engine imports absolutely")
            names += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return names


def test_importing_engine_loads_no_third_party_module() -> None:
    code = "import engine, sys; print('\\n'.join(sorted(sys.modules)))"
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True, cwd=ENGINE.parent).stdout.split())  # fmt: skip
    assert "engine" in loaded
    assert not {name.split(".")[0] for name in loaded} & THIRD_PARTY


# The array backend (engine.compile(..., backend="numpy")), imported only when asked for.
ARRAY_BACKEND = {"arrays.py", "array_math.py"}


def test_every_engine_import_is_standard_library_or_engine() -> None:
    for path in [ENGINE / "__init__.py", *CORE, *NETWORK, *CODEGEN]:
        allowed = {"engine", "numpy"} if path.name in ARRAY_BACKEND else {"engine"}
        for name in imports(path):
            top = name.split(".")[0]
            assert top in allowed or top in sys.stdlib_module_names, (path.name, name)


def test_only_the_array_backend_imports_the_array_backend() -> None:
    for path in [ENGINE / "__init__.py", *CORE, *NETWORK, *CODEGEN]:
        if path.name in ARRAY_BACKEND:
            continue
        for name in imports(path):
            module = name.split(".")[:3]
            assert module[-1] + ".py" not in ARRAY_BACKEND or path.name == "compiler.py", (
                path.name,
                name,
            )


def test_no_core_module_imports_codegen() -> None:
    """The lesson (Value → backward()) reads without the compiler; codegen is a layer above."""
    assert len(CORE) >= 5 and len(CODEGEN) >= 3 and len(NETWORK) >= 2
    for path in [*CORE, *NETWORK]:
        assert not [n for n in imports(path) if n.startswith("engine.codegen")], path.name


def test_engine_re_exports_compile_from_codegen_alone() -> None:
    codegen = {n for n in imports(ENGINE / "__init__.py") if n.startswith("engine.codegen")}
    assert codegen == {"engine.codegen", "engine.codegen.CompiledGraph", "engine.codegen.compile"}


def test_import_engine_loads_the_compiler_only_when_compile_is_used() -> None:
    code = (
        "import sys, engine; before = 'engine.codegen' in sys.modules\n"
        "from engine import compile\n"
        "print(before, 'engine.codegen' in sys.modules, compile.__module__,"
        " engine.CompiledGraph.__qualname__)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ENGINE.parent)  # fmt: skip
    assert run.stdout.split() == ["False", "True", "engine.codegen.compiler", "CompiledGraph"]


def test_codegen_imports_the_core_and_nothing_above_it() -> None:
    core = {f"engine.{path.stem}" for path in CORE} | {"engine.network"}
    for path in CODEGEN:
        for name in imports(path):
            if name.startswith("engine."):
                module = ".".join(name.split(".")[:2])
                assert module in core or name.startswith("engine.codegen"), (path.name, name)


@pytest.mark.parametrize(
    "module",
    [
        *("engine", "engine.value", "engine.fused", "engine.gradients", "engine.gradient_check"),
        "engine.codegen.compiler",
    ],
)
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
