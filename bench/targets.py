"""The targets the benchmark holds this project to, each checked on one run's medians.

``python -m bench --check`` (``./scripts/bench --check``) fails when one is missed. Ratios
are of two engines measured side by side in the same process, so the machine's speed
cancels out; compile costs are times, so they hold on this project's 2-core machine.
"""

from typing import Any

Result = dict[str, Any]

COMPILE = "compile the moons graph"
TARGETS = (
    # (what, measured from, at most)
    (
        "nn.fit with its defaults / graph steps (100 steps, compiling included)",
        "fit defaults",
        0.15,
    ),
    ("nn.fit(batch_size=32, compile=True) / graph steps", "fit batch_size=32, compile=True", 0.3),
    ("array step / hand-written numpy, 100 samples", "ratio numpy 100", 1.3),
    ("array step / hand-written numpy, 10,000 samples", "ratio numpy 10000", 1.1),
    ("array step / torch (batched), 100 samples", "ratio torch 100", 0.5),
    (f"{COMPILE} (fused loss, 100 samples)", "compile fused 100 python", 0.050),
    (f"{COMPILE} (micrograd's loss, 100 samples)", "compile micrograd 100 python", 0.050),
    (f"{COMPILE} (fused loss, 1,000 samples)", "compile fused 1000 python", 0.5),
    (f"{COMPILE} (micrograd's loss, 1,000 samples)", "compile micrograd 1000 python", 0.5),
    (f"{COMPILE} with backend='numpy' (100 samples)", "compile fused 100 numpy", 0.100),
    (f"{COMPILE} with backend='numpy', micrograd's loss", "compile micrograd 100 numpy", 0.100),
)


def measured(report: Result) -> dict[str, float]:
    """Every figure a target reads, by its key, from what this run measured."""
    from bench.engines import ChainruleArrays, HandwrittenNumpy, TorchBatched

    values: dict[str, float] = {}
    for name, pair in report.get("fit", {}).items():
        if (pair["samples"], pair["steps"]) == (100, 100):  # not a --quick run's
            values[f"fit {name}"] = pair["ratio"]
    for row in report.get("compile_costs", []):
        values[f"compile {row['loss']} {row['samples']} {row['backend']}"] = row["compile_s"]
    results = report.get("sweep", {}).get("results", {})
    arrays = results.get(ChainruleArrays.name, {})
    for peer, short in ((TorchBatched.name, "torch"), (HandwrittenNumpy.name, "numpy")):
        for size, r in arrays.items():
            other = results.get(peer, {}).get(size, {})
            if r.get("status") == "ok" and other.get("status") == "ok":
                values[f"ratio {short} {size}"] = r["median_s"] / other["median_s"]
    return values


def targets(report: Result) -> list[Result]:
    """Each target with its measured value (None if not measured here) and whether it is met."""
    values = measured(report)
    rows = []
    for what, key, bound in TARGETS:
        value = values.get(key)
        met = None if value is None else value <= bound
        rows.append({"target": what, "bound": bound, "value": value, "met": met})
    return rows


def markdown(rows: list[Result]) -> list[str]:
    """The targets as a Markdown table: each bound, the value measured, whether it is met."""
    lines = ["### targets, on this run\n"]
    lines.append("| target | at most | measured | met |")
    lines.append("| --- | ---: | ---: | :---: |")
    for t in rows:
        unit = "ms" if t["target"].startswith("compile") else "×"
        scale = 1e3 if unit == "ms" else 1.0
        value = "-" if t["value"] is None else f"{t['value'] * scale:.2f} {unit}"
        met = {True: "yes", False: "**no**", None: "-"}[t["met"]]
        lines.append(f"| {t['target']} | {t['bound'] * scale:g} {unit} | {value} | {met} |")
    lines.append("")
    return lines
