"""Modes of the engine: whether operations record a graph, and anomaly detection.

Both live in one ``contextvars.ContextVar``, so each thread and each asyncio
task sees only the modes it entered, and making a node costs one lookup.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# Bit flags; 0, the default, is the fast path: record the graph, check nothing.
NO_GRAD = 1
ANOMALY = 2

state: ContextVar[int] = ContextVar("engine_mode", default=0)


def _flagged(flag: int, on: bool) -> Iterator[None]:
    current = state.get()
    token = state.set(current | flag if on else current & ~flag)
    try:
        yield
    finally:
        state.reset(token)


@contextmanager
def no_grad() -> Iterator[None]:
    """Make Values inside the block record no parents (a context manager or decorator).

    Values made inside are leaves, as with ``torch.no_grad()``: use it for
    parameter updates and evaluation. It holds only for the current thread or
    asyncio task.
    """
    yield from _flagged(NO_GRAD, on=True)


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record the graph again inside a ``no_grad`` block."""
    yield from _flagged(NO_GRAD, on=False)


def is_grad_enabled() -> bool:
    """Return whether operations in the current context record their parents."""
    return not state.get() & NO_GRAD


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise at the first operation that turns finite inputs into ``nan`` or ``inf``.

    Inside the block, an operation (its forward rule, or its step of a backward
    pass) whose result is not finite while its inputs are raises
    ``FloatingPointError`` naming the operation and its inputs. Outside it,
    results follow IEEE rules, as PyTorch's do.
    """
    yield from _flagged(ANOMALY, on=True)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block, then restore it as it was.

    Building a graph or running a backward pass allocates many small objects and
    makes no reference cycles, so the collector's passes would only walk the whole
    graph again and again: on a graph of a million nodes they take a third of the
    time, and more as graphs grow. The backward passes run inside it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
