"""``nn.fit``'s speed: its defaults, and compiled mini-batches, each against graph steps.

Each pair runs the same training (the moons, MLP(2, [16, 16, 1]) from one seed, 100
steps) twice, once as ``fit`` chooses and once with ``compile=False``, the graph built
at every step; the runs alternate, and the ratio is of the medians of whole runs, the
compiling included. A pair that must give identical losses is checked first.
"""

import gc
import statistics
import time
import warnings
from typing import Any

Result = dict[str, Any]

STEPS = 100
PAIRS: dict[str, tuple[dict[str, Any], dict[str, Any], bool]] = {
    # name: (fit's arguments, the graph run's, whether the losses must be identical)
    "defaults": ({}, {"compile": False}, True),
    "batch_size=32, compile=True": (
        {"batch_size": 32, "compile": True},
        {"batch_size": 32, "compile": False},
        True,
    ),
    "compile='numpy'": ({"compile": "numpy"}, {"compile": False}, False),
}


def fit_pairs(samples: int, steps: int, repeats: int, numpy: bool) -> dict[str, Result]:
    """Median seconds of each pair's two runs, their ratio and whether the losses agree."""
    import nn

    X, y = nn.make_moons(samples, noise=0.1, seed=1)

    def run(arguments: dict[str, Any]) -> tuple[float, list[float]]:
        model = nn.MLP(2, [16, 16, 1], seed=1337)
        gc.collect()
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a fallback to graph steps would be a wrong figure
            history = nn.fit(model, X, y, steps=steps, seed=0, progress=False, **arguments)
        return time.perf_counter() - start, history.loss

    out: dict[str, Result] = {}
    for name, (fast, graph, identical) in PAIRS.items():
        if fast.get("compile") == "numpy" and not numpy:
            continue
        times: dict[str, list[float]] = {"fit": [], "graph": []}
        losses: dict[str, list[float]] = {}
        for r in range(repeats):
            turn = [("fit", fast), ("graph", graph)]
            for which, arguments in turn if r % 2 == 0 else turn[::-1]:
                seconds, losses[which] = run(arguments)
                times[which].append(seconds)
        same = losses["fit"] == losses["graph"]
        if identical and not same:
            raise AssertionError(f"fit with {fast} gave other losses than graph steps")
        fit_s, graph_s = statistics.median(times["fit"]), statistics.median(times["graph"])
        out[name] = {
            "fit_s": fit_s,
            "graph_s": graph_s,
            "ratio": fit_s / graph_s,
            "identical_losses": same,
            "largest_loss_gap": max(
                abs(a - b) for a, b in zip(losses["fit"], losses["graph"], strict=True)
            ),
            "steps": steps,
            "samples": samples,
        }
    return out


def markdown(pairs: dict[str, Result]) -> list[str]:
    """The pairs as a Markdown table."""
    first = next(iter(pairs.values()), {"steps": STEPS, "samples": 100})
    lines = [
        f"### nn.fit: {first['steps']} steps on {first['samples']} moons points, "
        "each run against graph steps\n"
    ]
    lines.append("| fit(...) | run (ms) | graph steps (ms) | ratio | losses |")
    lines.append("| --- | ---: | ---: | ---: | --- |")
    for name, r in pairs.items():
        same = "identical" if r["identical_losses"] else f"within {r['largest_loss_gap']:.0e}"
        lines.append(
            f"| {name} | {r['fit_s'] * 1e3:.0f} | {r['graph_s'] * 1e3:.0f} "
            f"| {r['ratio']:.3f} | {same} |"
        )
    lines.append("")
    return lines
