"""The array backend's measures: compile cost and the batch-size sweep.

- compile cost of the moons graph, the loss written this project's way and micrograd's
  way (Python's ``sum``), on both backends, at 100 and at 1,000 samples;
- the batch-size sweep: one moons step per sample, from 100 to 100,000 samples, for
  the array backend, the hand-written numpy pass and PyTorch's batched step.

The targets these are held to are in ``bench.targets``.
"""

import functools
import gc
import importlib.util
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.engines import (
    ChainruleArrays,
    Engine,
    HandwrittenNumpy,
    TorchBatched,
    moons_loss,
    moons_loss_micrograd,
)

Result = dict[str, Any]
LOSSES: dict[str, Callable[..., Any]] = {"fused": moons_loss, "micrograd": moons_loss_micrograd}


def compile_costs(sizes: list[int], repeats: int) -> list[Result]:
    """Median seconds to compile the moons graph, per loss style, backend and sample count."""
    import engine
    import nn
    from bench.run import moons_data

    rows = []
    for samples in sizes:
        weights, _, X, y = moons_data(samples)
        for style, build in LOSSES.items():
            model = nn.MLP(2, [len(layer) for layer in weights], seed=0)
            loss = build(engine, nn, model, X, y, 1e-4)
            for backend in ("python", "numpy"):
                times, lines = [], 0
                for _ in range(repeats):
                    gc.collect()
                    start = time.perf_counter()
                    graph = engine.compile(loss, model.parameters(), backend=backend)
                    times.append(time.perf_counter() - start)
                    lines = graph.source.count("\n")
                rows.append(
                    {
                        "samples": samples,
                        "loss": style,
                        "backend": backend,
                        "compile_s": statistics.median(times),
                        "source_lines": lines,
                    }
                )
            del loss
    return rows


def sweep(sizes: list[int], repeats: int) -> Result:
    """Median seconds per moons step and per sample, for each batch size and array engine."""
    from bench.run import interleaved, moons_data

    engines: list[Engine] = [ChainruleArrays(), HandwrittenNumpy()]
    if importlib.util.find_spec("torch") is not None:
        engines.append(TorchBatched())
    results: dict[str, dict[str, Result]] = {e.name: {} for e in engines}
    for samples in sizes:
        data = moons_data(samples)
        measured = interleaved(engines, functools.partial(_moons, data), repeats)
        for name, r in measured.items():
            if r.get("status") == "ok":
                r = {**r, "per_sample_s": r["median_s"] / samples}
            results[name][str(samples)] = r
        gc.collect()
    return {"sizes": sizes, "results": results}


def _moons(data: tuple[Any, ...], engine: Engine) -> Callable[[], Any]:
    weights, biases, X, y = data
    return engine.moons(weights, biases, X, y, 1e-4)


def markdown(report: Result) -> list[str]:
    """The compile costs and the sweep as Markdown lines."""
    lines = ["### compiling the moons graph: each loss style and backend (ms)\n"]
    lines.append("| samples | loss written | backend | compile (ms) | lines of code |")
    lines.append("| ---: | --- | --- | ---: | ---: |")
    for row in report["compile_costs"]:
        lines.append(
            f"| {row['samples']:,} | {row['loss']} | {row['backend']} "
            f"| {row['compile_s'] * 1e3:.1f} | {row['source_lines']:,} |"
        )
    lines.append("")
    swept = report["sweep"]
    sizes = swept["sizes"]
    lines.append("### batch-size sweep: one moons step, microseconds per sample\n")
    lines.append("| engine | " + " | ".join(f"{n:,} samples" for n in sizes) + " |")
    lines.append("| --- |" + " ---: |" * len(sizes))
    for name, by_size in swept["results"].items():
        cells = []
        for n in sizes:
            r = by_size.get(str(n), {})
            ok = r.get("status") == "ok"
            cells.append(f"{r['per_sample_s'] * 1e6:.2f}" if ok else r.get("status", "-"))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def plot(report: Result, path: Any) -> None:
    """Microseconds per sample against batch size, one line per engine, as SVG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4.5))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    swept = report["sweep"]
    for name, by_size in swept["results"].items():
        points = [
            (n, by_size[str(n)]["per_sample_s"] * 1e6)
            for n in swept["sizes"]
            if by_size.get(str(n), {}).get("status") == "ok"
        ]
        if points:
            axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("samples in the batch")
    axes.set_ylabel("microseconds per sample (one moons step)")
    axes.set_title("Batch-size sweep: the whole batch as arrays")
    axes.grid(alpha=0.3, which="both")
    axes.legend()
    figure.savefig(path, format="svg", bbox_inches="tight")
