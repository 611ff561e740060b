"""The benchmark runs at tiny sizes with whichever peers are installed.

No test here asserts a time or what the allocator has left over: those belong to the
machine, not the code. The tests pin what the code decides: the report's structure, its
own arithmetic, and (without tracemalloc) that a dropped graph is freed.
"""

import gc
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bench import handwritten
from bench.engines import Chainrule, available
from bench.run import check_moons_agree, main


def test_the_benchmark_runs_and_writes_its_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    assert main(["--quick", "--repeats", "2", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "bench.json").read_text())
    names = report["engines"]
    assert {"chainrule", "hand-written"} <= set(names)
    for workload in ("moons_step", "wide_sum"):
        assert report[workload]["chainrule"]["status"] == "ok"
        assert len(report[workload]["chainrule"]["runs"]) == 2
    chain = report["chain_depth"]["results"]
    assert all(
        chain["chainrule"][str(d)]["status"] == "ok" for d in report["chain_depth"]["depths"]
    )
    memory = report["memory"]["chainrule"]
    assert memory["bytes_per_node"] > 0  # a live graph holds memory
    assert isinstance(memory["bytes_left"], int)  # reported; how much is the allocator's business
    ET.fromstring((tmp_path / "scaling.svg").read_bytes())
    out = capsys.readouterr().out
    assert "| chainrule |" in out
    # the compiled engine runs the moons step only, and its compile cost has its own table
    compiled = "chainrule (compiled)"
    assert report["moons_step"][compiled]["status"] == "ok"
    assert report["wide_sum"][compiled]["status"] == "not applicable"
    # the same engine with the collector paused runs three workloads, and restores it
    paused = "chainrule (collector paused)"
    assert gc.isenabled()
    for workload in ("moons_step", "wide_sum"):
        assert report[workload][paused]["status"] == "ok"
    assert all(chain[paused][str(d)]["status"] == "ok" for d in report["chain_depth"]["depths"])
    assert report["memory"][paused]["status"] == "not applicable"
    cost = report["compile"]
    assert cost["build_s"] > 0 and cost["compile_s"] > 0 and cost["source_lines"] > 100
    # The break-even is the report's own arithmetic on its medians. Whether it comes out
    # as a few steps (or, on a busy machine, negative) depends on the machine.
    step = report["moons_step"]
    saved = step["chainrule"]["median_s"] - step[compiled]["median_s"]
    assert cost["break_even_steps"] == pytest.approx((cost["build_s"] + cost["compile_s"]) / saved)
    assert "### compiling the moons step" in out


def test_micrograd_is_a_peer_and_its_recursion_crash_is_recorded(tmp_path: Path) -> None:
    pytest.importorskip("micrograd")
    pytest.importorskip("matplotlib")
    main(["--quick", "--repeats", "1", "--out", str(tmp_path)])
    report = json.loads((tmp_path / "bench.json").read_text())
    assert "micrograd" in report["engines"]
    assert (
        report["chain_depth"]["results"]["micrograd"]["1000"]["status"] == "crash: RecursionError"
    )
    assert (
        report["memory"]["micrograd"]["bytes_per_node"]
        > report["memory"]["chainrule"]["bytes_per_node"]
    )


def test_every_engine_agrees_with_the_hand_written_pass() -> None:
    gaps = check_moons_agree(available(), samples=10)
    assert set(gaps) == {e.name for e in available()}
    assert all(gap <= 1e-9 for gap in gaps.values())


def test_the_hand_written_chain_and_sum_are_right() -> None:
    assert handwritten.chain(10) == pytest.approx(1.0001**10)
    total, gw, gx = handwritten.wide_sum([1.0, 2.0], [3.0, 4.0])
    assert (total, gw, gx) == (11.0, [3.0, 4.0], [1.0, 2.0])


def test_the_memory_workloads_graph_is_freed_by_reference_counting_alone() -> None:
    # What bytes_left shows on a quiet machine, checked exactly: with the cyclic collector
    # off, no Value of the graph outlives it, because a graph holds no reference cycles.
    # The count also pins the bench's divisor for bytes per node: n products, n - 1 sums.
    chainrule = Chainrule()
    n = 500
    ws, xs = chainrule.memory_leaves(n)

    def values_alive() -> int:
        return sum(type(o) is chainrule.value for o in gc.get_objects())

    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        before = values_alive()
        root = chainrule.memory_graph(ws, xs)
        root.backward()
        assert values_alive() == before + 2 * n - 1
        del root
        assert values_alive() == before
    finally:
        if was_enabled:
            gc.enable()
