"""Hypothesis profiles "ci" (the default), "matrix", "dev" and "thorough", by HYPOTHESIS_PROFILE.

"ci" is derandomized: each test draws the same examples on every run (they change only
with the test itself or with Hypothesis's version), so a landing never depends on luck.
"matrix" is "ci" with a quarter of the examples, for the fast part that scripts/test runs
on the other Pythons: there the interpreter changes, not the mathematics.
"thorough" draws new, random examples, ten times as many; run it now and then with
``HYPOTHESIS_PROFILE=thorough ./scripts/test``, and when it finds a failure, pin the
example it prints with ``@example(...)`` on the test.

No profile has a deadline: speed is measured by the benchmarks in bench/, never by tests.

Under Pyodide (``sys.platform == "emscripten"``: the "3.14 (Pyodide)" entry of scripts/test,
playground/pyodide-pytest.mjs) the tests that need what WebAssembly lacks skip, with the
reason, by the lists below; and wherever numpy is missing (Pyodide has no numpy from PyPI),
those that need it do.
"""

import fnmatch
import importlib.util
import os
import sys
import warnings
from pathlib import Path
from typing import NoReturn

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", deadline=None, max_examples=200, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow], print_blob=True,
)  # fmt: skip
settings.register_profile("matrix", settings.get_profile("ci"), max_examples=50)
settings.register_profile("dev", deadline=None, max_examples=50)
settings.register_profile(
    "thorough", deadline=None, max_examples=2000, suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)  # fmt: skip
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# -- what cannot run everywhere --------------------------------------------------------------

ROOT = Path(__file__).parent.parent
HAS_NUMPY = importlib.util.find_spec("numpy") is not None
NO_NUMPY = "numpy is not installed (Pyodide: PyPI has no numpy for WebAssembly)"

# Where numpy is missing, these skip (node id patterns, as fnmatch reads them, without the
# parameters), and so does every test with a parameter "numpy" (backend="numpy", ...).
# test_array_math.py imports numpy, and test_array_backend.py tests the numpy backend.
NEEDS_NUMPY = [
    "tests/engine/test_array_math.py",
    "tests/engine/test_array_backend.py::*",
    "tests/nn/test_compiled.py::test_fit_on_arrays_follows_the_engines_fit_step_by_step",
]

NO_THREADS = "Pyodide cannot start a thread"
NO_SUBPROCESSES = "Pyodide cannot start a subprocess"
NO_ASYNCIO_RUN = "asyncio.run needs WebAssembly stack switching (JSPI), which Node 20 lacks"
# Under Pyodide (sys.platform "emscripten"), these skip, with the reason.
PYODIDE_SKIPS = {
    "tests/engine/test_backward.py::test_passes_on_many_threads_*": NO_THREADS,
    "tests/engine/test_compiler.py::test_compiling_in_two_threads_at_once_*": NO_THREADS,
    "tests/engine/test_modes.py::test_no_grad_in_one_thread_*": NO_THREADS,
    "tests/engine/test_array_backend.py::test_without_numpy_the_array_backend_*": NO_SUBPROCESSES,
    "tests/engine/test_array_backend.py::test_importing_engine_and_compiling_*": NO_SUBPROCESSES,
    "tests/engine/test_layering.py::test_importing_engine_loads_no_third_party_*": NO_SUBPROCESSES,
    "tests/engine/test_layering.py::test_import_engine_loads_the_compiler_only_*": NO_SUBPROCESSES,
    "tests/engine/test_hostile.py::test_no_grad_on_a_coroutine_*": NO_ASYNCIO_RUN,
    "tests/engine/test_hostile.py::test_no_grad_on_an_async_generator_*": NO_ASYNCIO_RUN,
    "tests/engine/test_modes.py::test_no_grad_in_one_asyncio_task_*": NO_ASYNCIO_RUN,
}


class SkippedModule(pytest.Module):
    """A test module that is not imported, only reported as skipped, with ``reason``."""

    reason = ""

    def collect(self) -> NoReturn:
        pytest.skip(self.reason)


def pytest_pycollect_makemodule(
    module_path: Path, parent: pytest.Collector
) -> pytest.Module | None:
    """Skip, without importing it, a module listed in NEEDS_NUMPY where numpy is missing."""
    if HAS_NUMPY or not module_path.is_relative_to(ROOT):
        return None
    name = module_path.relative_to(ROOT).as_posix()
    if name not in NEEDS_NUMPY:
        return None
    module = SkippedModule.from_parent(parent, path=module_path)
    module.reason = f"{name}: {NO_NUMPY}"
    return module


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that skip here, by NEEDS_NUMPY and PYODIDE_SKIPS."""
    skips = {} if HAS_NUMPY else dict.fromkeys(NEEDS_NUMPY, NO_NUMPY)
    if sys.platform == "emscripten":
        skips |= PYODIDE_SKIPS
    for item in items:
        test = item.nodeid.split("[")[0]
        reasons = [
            reason for pattern, reason in skips.items() if fnmatch.fnmatchcase(test, pattern)
        ]
        # isinstance first: a Value parameter refuses == with a str.
        params = getattr(item, "callspec", None)
        values = params.params.values() if params is not None else ()
        if not HAS_NUMPY and any(isinstance(v, str) and v == "numpy" for v in values):
            reasons.append(NO_NUMPY)
        if reasons:
            item.add_marker(pytest.mark.skip(reason=reasons[0]))
    # A pattern that matches no test of its module (when that module was collected): renamed?
    modules = {item.nodeid.split("::")[0]: getattr(item, "module", None) for item in items}
    for pattern in skips:
        file, _, function = pattern.partition("::")
        module = modules.get(file)
        if module is None or not function:
            continue
        if not any(fnmatch.fnmatchcase(name, function) for name in vars(module)):
            warnings.warn(f"tests/conftest.py: no test matches {pattern}", stacklevel=1)
