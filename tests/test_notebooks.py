"""The notebooks in examples/ run from top to bottom, show graphs inline, and are kept stripped."""

import shutil
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.ipynb"))
nbformat = pytest.importorskip("nbformat")


def test_there_are_two_to_four_notebooks() -> None:
    assert 2 <= len(NOTEBOOKS) <= 4


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_are_kept_without_outputs(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_run_top_to_bottom(path: Path, tmp_path: Path) -> None:
    nbclient = pytest.importorskip("nbclient")
    book = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        book, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [out for cell in book.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    if path.stem.startswith("01"):
        svgs = [out for out in outputs if "image/svg+xml" in out.get("data", {})]
        assert len(svgs) >= 2  # L and y shown as graphs, inline
        printed = "".join(out.get("text", "") for out in outputs if out.output_type == "stream")
        assert "-3.0 2.0 1.0" in printed and "x: grad -1.5000" in printed
