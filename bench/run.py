"""Run every workload on every engine in one process, interleaved, and report medians.

``python -m bench [--quick] [--repeats N] [--out DIR] [--check]`` prints Markdown tables
with ratios to micrograd and to the hand-written pass, and writes ``DIR/bench.json``,
``DIR/scaling.svg`` (time per node against graph size) and, with numpy, ``DIR/sweep.svg``
(time per sample against batch size). ``--check`` fails when a target of
``bench.targets`` is missed on this run.
"""

import argparse
import gc
import importlib.util
import json
import math
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import targets, training
from bench.engines import ChainruleCompiled, Engine, available, moons_loss

Result = dict[str, Any]
ENGINE_COMPILED = ChainruleCompiled.name


def timed(fn: Callable[[], Any]) -> tuple[float | None, str | None]:
    """Run fn once; return (seconds, None), or (None, the error) if it crashed."""
    gc.collect()
    start = time.perf_counter()
    try:
        fn()
    except (RecursionError, MemoryError) as e:
        return None, f"crash: {type(e).__name__}"
    return time.perf_counter() - start, None


def interleaved(
    engines: list[Engine], make: Callable[[Engine], Callable[[], Any]], repeats: int
) -> dict[str, Result]:
    """Time each engine ``repeats`` times, rotating the order every round; medians per engine."""
    runs: dict[str, list[float]] = {e.name: [] for e in engines}
    crashed: dict[str, str] = {}
    skipped: set[str] = set()
    jobs: dict[str, Callable[[], Any]] = {}
    for e in engines:
        try:
            jobs[e.name] = make(e)
        except NotImplementedError:
            skipped.add(e.name)
    for r in range(repeats):
        turn = [e for e in engines[r % len(engines) :] + engines[: r % len(engines)]]
        for e in turn:
            if e.name in skipped or e.name in crashed:
                continue
            seconds, error = timed(jobs[e.name])
            if error:
                crashed[e.name] = error
            else:
                runs[e.name].append(seconds)  # type: ignore[arg-type]
    out: dict[str, Result] = {}
    for e in engines:
        if e.name in skipped:
            out[e.name] = {"status": "not applicable"}
        elif e.name in crashed:
            out[e.name] = {"status": crashed[e.name]}
        else:
            out[e.name] = {
                "status": "ok",
                "median_s": statistics.median(runs[e.name]),
                "runs": runs[e.name],
            }
    return out


def moons_data(
    samples: int,
) -> tuple[list[list[list[float]]], list[list[float]], list[list[float]], list[int]]:
    """The shared starting point: two moons, and MLP(2, [16, 16, 1]) weights from one seed."""
    import nn

    X, y = nn.make_moons(n_samples=samples, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    weights = [[[w.data for w in n.w] for n in layer.neurons] for layer in model.layers]
    biases = [[n.b.data for n in layer.neurons] for layer in model.layers]
    return weights, biases, X, y


def check_moons_agree(engines: list[Engine], samples: int) -> dict[str, float]:
    """Run one step on each engine from the same weights; raise unless losses and grads agree."""
    weights, biases, X, y = moons_data(samples)
    results = {e.name: e.moons(weights, biases, X, y, 1e-4)() for e in engines}
    ref_loss, ref_grads = results["hand-written"]
    gaps = {}
    ref_grads = ref_grads() if callable(ref_grads) else ref_grads
    for name, (loss, grads) in results.items():
        grads = grads() if callable(grads) else grads
        gap = max(
            abs(loss - ref_loss), *(abs(a - b) for a, b in zip(grads, ref_grads, strict=True))
        )
        if not gap <= 1e-9 * max(1.0, abs(ref_loss)):
            raise AssertionError(f"{name} disagrees with the hand-written pass by {gap:g}")
        gaps[name] = gap
    return gaps


def compile_cost(samples: int, repeats: int) -> Result:
    """Seconds to build the moons step's graph and to compile it (medians), and the break-even.

    Compiling pays for itself after ``compile / (engine step - compiled step)`` steps.
    """
    import engine
    import nn

    weights, _, X, y = moons_data(samples)
    builds, compiles = [], []
    for _ in range(repeats):
        model = nn.MLP(2, [len(layer) for layer in weights], seed=0)
        gc.collect()
        start = time.perf_counter()
        loss = moons_loss(engine, nn, model, X, y, 1e-4)
        built = time.perf_counter()
        graph = engine.compile(loss, model.parameters())
        compiles.append(time.perf_counter() - built)
        builds.append(built - start)
    return {
        "build_s": statistics.median(builds),
        "compile_s": statistics.median(compiles),
        "source_lines": graph.source.count("\n"),
    }


def memory(engine: Engine, nodes: int) -> Result:
    """Bytes per node kept by a graph of binary products and sums, and what is left after it."""
    if "memory" not in engine.workloads:
        return {"status": "not applicable"}
    ws, xs = engine.memory_leaves(nodes // 2)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    root = engine.memory_graph(ws, xs)
    used = tracemalloc.get_traced_memory()[0] - base
    del root
    gc.collect()
    left = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    graph_nodes = 2 * (nodes // 2) - 1  # n products and n - 1 sums
    return {"status": "ok", "bytes_per_node": used / graph_nodes, "bytes_left": left}


def run(quick: bool, repeats: int) -> Result:
    """Run every workload; return everything measured."""
    engines = available()
    samples = 20 if quick else 100
    depths = [100, 1000] if quick else [1_000, 10_000, 100_000, 1_000_000]
    pairs = 1_000 if quick else 100_000
    nodes = 2_000 if quick else 200_000
    report: Result = {
        "machine": {
            "python": platform.python_version(),
            "cpus": _cpus(),
            "platform": platform.platform(),
        },
        "engines": [e.name for e in engines],
        "agreement": check_moons_agree(engines, samples),
    }
    weights, biases, X, y = moons_data(samples)
    report["moons_step"] = interleaved(
        engines, lambda e: e.moons(weights, biases, X, y, 1e-4), repeats
    )
    cost = compile_cost(samples, repeats)
    steps = report["moons_step"]
    if all(steps.get(name, {}).get("status") == "ok" for name in ("chainrule", ENGINE_COMPILED)):
        saved = steps["chainrule"]["median_s"] - steps[ENGINE_COMPILED]["median_s"]
        if saved > 0:  # on a busy machine the compiled step may not measure faster
            cost["break_even_steps"] = (cost["build_s"] + cost["compile_s"]) / saved
    report["compile"] = cost
    chain: dict[str, Result] = {e.name: {} for e in engines}
    for depth in depths:
        reps = repeats if depth < 1_000_000 else max(1, min(repeats, 3))
        # An engine that crashed at a smaller N is not run on larger ones.
        alive = [e for e in engines if "crashed_at" not in chain[e.name]]
        results = interleaved(alive, _chain_job(depth), reps)
        for e in engines:
            if e.name not in results:
                crashed_at = chain[e.name]["crashed_at"]
                chain[e.name][str(depth)] = {"status": f"crash (at N = {crashed_at:,})"}
                continue
            chain[e.name][str(depth)] = results[e.name]
            if results[e.name]["status"].startswith("crash"):
                chain[e.name]["crashed_at"] = depth
    report["chain_depth"] = {"depths": depths, "results": chain}
    ws = [0.5 + (i % 7) / 10 for i in range(pairs)]
    xs = [1.0 - (i % 5) / 10 for i in range(pairs)]
    report["wide_sum"] = interleaved(engines, _wide_sum_job(ws, xs), repeats)
    report["memory"] = {e.name: memory(e, nodes) for e in engines}
    report["sizes"] = {"samples": samples, "depths": depths, "pairs": pairs, "memory_nodes": nodes}
    numpy = importlib.util.find_spec("numpy") is not None
    if numpy:
        from bench import arrays

        report["compile_costs"] = arrays.compile_costs([20] if quick else [100, 1000], repeats)
        sizes = [20, 50] if quick else [100, 1_000, 10_000, 100_000]
        report["sweep"] = arrays.sweep(sizes, repeats)
    report["fit"] = training.fit_pairs(
        samples, 10 if quick else training.STEPS, max(1, repeats // 2), numpy
    )
    report["targets"] = targets.targets(report)
    return report


def _chain_job(depth: int) -> Callable[[Engine], Callable[[], Any]]:
    def make(engine: Engine) -> Callable[[], Any]:
        if "chain" not in engine.workloads:
            raise NotImplementedError
        return lambda: engine.chain(depth)

    return make


def _wide_sum_job(ws: list[float], xs: list[float]) -> Callable[[Engine], Callable[[], Any]]:
    def make(engine: Engine) -> Callable[[], Any]:
        if "wide_sum" not in engine.workloads:
            raise NotImplementedError
        return lambda: engine.wide_sum(ws, xs)

    return make


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


def ratio(value: float | None, reference: float | None) -> str:
    """``value / reference`` as text, or a dash."""
    if value is None or not reference:
        return "-"
    return f"{value / reference:.3f}"


def markdown(report: Result) -> str:
    """The report as Markdown tables."""
    lines = []
    machine = report["machine"]
    lines.append(f"Python {machine['python']}, {machine['cpus']} CPUs, {machine['platform']}\n")

    def table(title: str, results: dict[str, Result], unit: float = 1e3, label: str = "ms") -> None:
        mg = results.get("micrograd", {}).get("median_s")
        hw = results.get("hand-written", {}).get("median_s")
        lines.append(f"### {title}\n")
        lines.append(f"| engine | median ({label}) | / micrograd | / hand-written |")
        lines.append("| --- | ---: | ---: | ---: |")
        for name, r in results.items():
            if r.get("status") != "ok":
                lines.append(f"| {name} | {r['status']} | - | - |")
                continue
            t = r["median_s"]
            lines.append(f"| {name} | {t * unit:.2f} | {ratio(t, mg)} | {ratio(t, hw)} |")
        lines.append("")

    table(
        f"moons_step ({report['sizes']['samples']} points, MLP(2, [16, 16, 1]))",
        report["moons_step"],
    )
    cost = report["compile"]
    lines.append("### compiling the moons step (engine.compile)\n")
    lines.append("| build the graph (ms) | compile it (ms) | lines of code | pays off after |")
    lines.append("| ---: | ---: | ---: | ---: |")
    even = cost.get("break_even_steps")
    lines.append(
        f"| {cost['build_s'] * 1e3:.1f} | {cost['compile_s'] * 1e3:.1f} | {cost['source_lines']} "
        f"| {'-' if even is None else f'{even:.1f} steps'} |"
    )
    lines.append("")
    depths = report["chain_depth"]["depths"]
    lines.append("### chain_depth: relu(y * 1.0001 + 0.0001), N times, then backward (ms)\n")
    lines.append("| engine | " + " | ".join(f"N = {d:,}" for d in depths) + " |")
    lines.append("| --- |" + " ---: |" * len(depths))
    for name, r in report["chain_depth"]["results"].items():
        cells = []
        for d in depths:
            entry = r.get(str(d), {})
            ok = entry.get("status") == "ok"
            cells.append(f"{entry['median_s'] * 1e3:.1f}" if ok else entry.get("status", "-"))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    table(
        f"wide_sum: sum(w_i * x_i) over {report['sizes']['pairs']:,} pairs, then backward",
        report["wide_sum"],
    )
    lines.append(
        f"### memory: {report['sizes']['memory_nodes']:,}-node graph of binary products and sums\n"
    )
    lines.append("| engine | bytes per node | bytes left after dropping it |")
    lines.append("| --- | ---: | ---: |")
    for name, r in report["memory"].items():
        if r["status"] == "ok":
            lines.append(f"| {name} | {r['bytes_per_node']:.0f} | {r['bytes_left']} |")
    lines.append("")
    if "sweep" in report:
        from bench import arrays

        lines += arrays.markdown(report)
    lines += training.markdown(report["fit"])
    lines += targets.markdown(report["targets"])
    return "\n".join(lines)


def plot(report: Result, path: Path) -> None:
    """Time per node against chain length, one line per engine, as SVG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4.5))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for name, r in report["chain_depth"]["results"].items():
        points = [
            (d, r[str(d)]["median_s"] / (3 * d) * 1e6)
            for d in report["chain_depth"]["depths"]
            if r.get(str(d), {}).get("status") == "ok"
        ]
        if points:
            axes.plot([p[0] * 3 for p in points], [p[1] for p in points], marker="o", label=name)
    axes.set_xscale("log")
    axes.set_xlabel("operation nodes in the chain")
    axes.set_ylabel("microseconds per node (build + backward)")
    axes.set_title("Scaling: time per node against graph size")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.savefig(path, format="svg", bbox_inches="tight")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check it works")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per engine (median)")
    parser.add_argument("--out", default="bench/results", help="folder for bench.json and the plot")
    parser.add_argument(
        "--check", action="store_true", help="fail if a target of bench.targets is missed"
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    sys.setrecursionlimit(1000)  # micrograd's recursion meets Python's default limit
    report = run(args.quick, args.repeats)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(report, indent=1, default=_finite))
    text = markdown(report)
    (out / "bench.md").write_text(text)
    plot(report, out / "scaling.svg")
    print(text)
    print(f"wrote {out / 'bench.json'}, {out / 'bench.md'} and {out / 'scaling.svg'}")
    if "sweep" in report:
        from bench import arrays

        arrays.plot(report, out / "sweep.svg")
        print(f"wrote {out / 'sweep.svg'}")
    missed = [t["target"] for t in report["targets"] if t["met"] is False]
    if args.check and missed:
        print("missed: " + "; ".join(missed))
        return 1
    return 0


def _finite(x: object) -> object:
    return None if isinstance(x, float) and not math.isfinite(x) else str(x)
