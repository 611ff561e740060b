"""The demo runs end to end: the chain rule, training (graph and compiled), the pictures."""

import runpy
import shutil
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo.py"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
def test_demo_trains_both_ways_to_the_same_losses_and_writes_its_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.setattr(sys, "argv", [str(DEMO), str(tmp_path)])
    runpy.run_path(str(DEMO), run_name="__main__")
    out = capsys.readouterr().out
    assert "step  99  loss 0.0120  accuracy 100%" in out
    assert "the 100 losses differ from the engine's by at most 0.0e+00" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "decision_boundary.png", "explorer.html", "layers.html", "model.svg", "moons_step.py",
        "neuron.svg", "training.png",
    ]  # fmt: skip
    assert "× 100 samples" in (tmp_path / "model.svg").read_text()
    compile((tmp_path / "moons_step.py").read_text(), "moons_step.py", "exec")
