"""The wheel works outside the repository: built, installed into a clean venv, and run there.

This is what ``pip install chainrule`` gives a user: the three packages with their data
(``py.typed``, the explorer's styles and scripts), the runtime dependencies from PyPI, no
test tools, and the ``chainrule`` command. The venv is made with Python 3.13 where the
machine has it (the newest we support), else with the Python running the tests. Nothing
is written into the repository: the wheel is built from a copy of its sources.
"""

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "nn", "viz")
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", *PACKAGES)
PUBLISHED_EXTRAS = ("torch", "plot", "numpy", "notebook")
NEURON = ["graph", "tanh(x*w + b)", "x=2", "w=-3", "b=6.88"]

# Run by the installed Python, from a directory outside the repository.
USE_THE_PACKAGE = """
import importlib.resources, importlib.util, json
import engine, nn, viz
from engine import Value

x, w, b = Value(2.0), Value(-3.0), Value(6.8813735870195432)
y = (x * w + b).tanh()
y.backward()
model = nn.MLP(2, [4, 1], seed=0)
loss = nn.mse_loss([model([1.0, -1.0]), model([0.5, 2.0])], [1.0, 0.0])
loss.backward()
files = importlib.resources.files
print(json.dumps({
    "files": [m.__file__ for m in (engine, nn, viz)],
    "grads": [x.grad, w.grad, b.grad],
    "model_grads": sum(p.grad != 0.0 for p in model.parameters()),
    "typed": [files(p).joinpath("py.typed").is_file() for p in ("engine", "nn", "viz")],
    "assets": sorted(f.name for f in files("viz.explorer").joinpath("assets").iterdir()),
    "test_tools": [m for m in ("pytest", "hypothesis", "sympy") if importlib.util.find_spec(m)],
}))
"""


@pytest.mark.slow
def test_the_wheel_installs_into_a_clean_venv_and_works_outside_the_repository(
    tmp_path: Path,
) -> None:
    wheel = build_wheel(tmp_path)
    check_the_wheels_contents(wheel, tmp_path / "source")

    venv = tmp_path / "venv"
    python = wheel_python()
    run([python, "-m", "venv", str(venv)])
    run([venv / "bin/python", "-m", "pip", "install", "-q", str(wheel)], timeout=600)

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    used = json.loads(run([venv / "bin/python", "-c", USE_THE_PACKAGE], cwd=outside).stdout)
    assert all(Path(f).is_relative_to(venv) for f in used["files"]), used["files"]
    assert used["grads"] == pytest.approx([-1.5, 1.0, 0.5])
    assert used["model_grads"] > 0
    assert used["typed"] == [True, True, True]
    assert used["assets"] == sorted(p.name for p in (ROOT / "viz/explorer/assets").iterdir())
    assert used["test_tools"] == []  # the package needs none of them

    chainrule = venv / "bin/chainrule"
    helped = run([chainrule, "--help"], cwd=outside).stdout
    assert helped.startswith("usage: chainrule ") and 'chainrule graph "tanh(x*w + b)"' in helped
    assert run([venv / "bin/python", "-m", "viz", "--help"], cwd=outside).stdout.startswith(
        "usage: python -m viz "
    )
    refused = run([chainrule, "graph", "__import__('os')"], cwd=outside, expect=2)
    assert refused.stderr.startswith("chainrule: error: ") and "Traceback" not in refused.stderr
    assert run([chainrule, *NEURON], cwd=outside).stdout.startswith("digraph")
    if shutil.which("dot") is None:
        pytest.skip("all but the pictures checked: chainrule -o needs Graphviz's dot")
    drawn = run([chainrule, *NEURON, "-o", "g.svg"], cwd=outside)
    assert drawn.stdout == "chainrule: wrote g.svg: 6 values, 3 operations\n"
    assert ET.parse(outside / "g.svg").getroot().tag.endswith("svg")
    run([chainrule, *NEURON, "--explorer", "page.html", "--code"], cwd=outside)  # every asset
    assert "<svg" in (outside / "page.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in outside.iterdir()) == ["g.svg", "page.html"]


def build_wheel(tmp_path: Path) -> Path:
    """Build the wheel from a copy of what the build reads (setuptools writes beside it)."""
    source = tmp_path / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path / "dist"
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist)]
    run([*pip_wheel, str(source)], timeout=600)
    (wheel,) = dist.glob("chainrule-*.whl")
    return wheel


def check_the_wheels_contents(wheel: Path, source: Path) -> None:
    """Every file of the three packages, the command, and extras that install anywhere."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (info,) = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")}
        metadata = archive.read(f"{info}/METADATA").decode()
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    shipped = {
        p.relative_to(source).as_posix()
        for package in PACKAGES
        for p in (source / package).rglob("*")
        if p.is_file()
    }
    assert not shipped - names, f"missing from the wheel: {sorted(shipped - names)}"
    assert {n.split("/")[0] for n in names} == {*PACKAGES, info}  # no tests, bench or docs
    assert "chainrule = viz.cli:run" in entry_points
    requires = [
        line.removeprefix("Requires-Dist: ")
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist: ")
    ]
    published = [
        r
        for r in requires
        if "extra ==" not in r or any(f'extra == "{e}"' in r for e in PUBLISHED_EXTRAS)
    ]
    pinned = [r for r in published if "==" in r.split(";")[0]]
    assert not pinned, f"pinned where users install: {pinned}"
    for extra in PUBLISHED_EXTRAS:
        assert f"Provides-Extra: {extra}" in metadata


def wheel_python() -> str:
    """Python 3.13 where the machine has it (scripts/find-python finds it), else this one."""
    found = subprocess.run(
        [ROOT / "scripts/find-python", "3.13"], capture_output=True, text=True, check=False
    )
    return found.stdout.strip() if found.returncode == 0 else sys.executable


def run(
    command: list[Any], *, cwd: Path | None = None, expect: int = 0, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run a command with no trace of this repository or its venv in the environment."""
    hidden = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    done = subprocess.run(
        [str(c) for c in command],
        capture_output=True, text=True, check=False, cwd=cwd, env=env, timeout=timeout,
    )  # fmt: skip
    assert done.returncode == expect, (
        f"{' '.join(map(str, command))} exited {done.returncode}, not {expect}\n"
        f"stdout: {done.stdout[-2000:]}\nstderr: {done.stderr[-2000:]}"
    )
    return done
