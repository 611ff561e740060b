"""Quick figures for the autograd core: backward on a deep chain, and bytes per node.

Run: .venv/bin/python bench/core.py [--depth N] [--nodes N]
The peer comparisons (micrograd, hand-written, PyTorch) belong to the full benchmark.
"""

import argparse
import gc
import sys
import time
import tracemalloc

import engine
from engine import Value


def chain_backward(depth: int) -> tuple[float, float, int]:
    """Build y = relu(y * 1.0001 + 0.0001) until the chain holds ``depth`` operation nodes."""
    x = Value(0.5)
    y = x
    start = time.perf_counter()
    for _ in range(depth // 3):
        y = (y * 1.0001 + 0.0001).relu()
    built = time.perf_counter()
    y.backward()
    done = time.perf_counter()
    return built - start, done - built, len(engine.topological_order(y))


def bytes_per_node(n: int) -> tuple[float, int]:
    """Retained bytes per node of sum(w_i * x_i) as binary products and sums, leaves made first."""
    ws = [Value(1.0) for _ in range(n // 2)]
    xs = [Value(2.0) for _ in range(n // 2)]
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    total = ws[0] * xs[0]
    for w, x in zip(ws[1:], xs[1:], strict=True):
        total = total + w * x
    nodes = len(engine.topological_order(total)) - len(ws) - len(xs)
    used = tracemalloc.get_traced_memory()[0] - base
    del total
    gc.collect()
    left = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return used / nodes, left


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--depth", type=int, default=1_000_000)
    parser.add_argument("--nodes", type=int, default=200_000)
    args = parser.parse_args()
    build, backward, total = chain_backward(args.depth)
    print(f"python {sys.version.split()[0]}")
    print(
        f"chain of {args.depth:,} operation nodes ({total:,} with constants): "
        f"build {build:.2f} s, backward {backward:.2f} s "
        f"({backward / total * 1e6:.2f} us per node)"
    )
    per_node, left = bytes_per_node(args.nodes)
    print(f"memory: {per_node:.0f} bytes per node retained; {left} bytes left after dropping it")


if __name__ == "__main__":
    main()
