"""Modes of the engine: whether operations record a graph, and anomaly detection.

Both live in one ``contextvars.ContextVar``, so each thread and each asyncio
task sees only the modes it entered, and making a node costs one lookup.
"""

import functools
import gc
import inspect
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any, TypeVar

from engine.float_math import isfinite

F = TypeVar("F", bound=Callable[..., Any])

# Bit flags; 0, the default, is the fast path: record the graph, check nothing.
NO_GRAD = 1
ANOMALY = 2

state: ContextVar[int] = ContextVar("engine_mode", default=0)


class Mode:
    """A mode switched on or off inside a ``with`` block, or while a decorated function runs.

    As a decorator it works on plain functions, generator functions, coroutines
    (``async def``) and async generators, as PyTorch's does: the mode holds while
    the body runs and is put back at each ``yield`` or ``await`` suspension, so the
    caller never runs in it.
    """

    def __init__(self, flag: int, on: bool) -> None:
        self.flag, self.on = flag, on
        self._tokens: list[Token[int]] = []  # a stack: one instance may be entered again

    def __enter__(self) -> None:
        current = state.get()
        self._tokens.append(state.set(current | self.flag if self.on else current & ~self.flag))

    def __exit__(self, *exc: object) -> None:
        state.reset(self._tokens.pop())

    def _fresh(self) -> "Mode":
        # Each call of a decorated function enters a Mode of its own: calls in two threads
        # at once would otherwise push and pop each other's tokens.
        return Mode(self.flag, self.on)

    def __call__(self, function: F) -> F:
        """Decorate ``function`` so that its body runs in this mode."""
        if inspect.isasyncgenfunction(function):
            wrapper: Callable[..., Any] = self._async_generator(function)
        elif inspect.iscoroutinefunction(function):
            wrapper = self._coroutine(function)
        elif inspect.isgeneratorfunction(function):

            def wrapper(*args: Any, **kwargs: Any) -> Any:
                return (yield from self._stepwise(function(*args, **kwargs)))

        else:

            def wrapper(*args: Any, **kwargs: Any) -> Any:
                with self._fresh():
                    return function(*args, **kwargs)

        return functools.wraps(function)(wrapper)  # type: ignore[return-value]

    def _stepwise(self, steps: Any) -> Generator[Any, Any, Any]:
        """Run ``steps`` (a generator, or an awaitable's iterator) in this mode, step by step."""
        advance, value = steps.send, None
        while True:
            try:
                with self._fresh():
                    suspended = advance(value)
            except StopIteration as finished:
                return finished.value
            try:
                value, advance = (yield suspended), steps.send
            except GeneratorExit:
                with self._fresh():
                    steps.close()
                raise
            except BaseException as error:  # thrown in by the caller: pass it on, in the mode
                value, advance = error, steps.throw

    def _coroutine(self, function: Callable[..., Any]) -> Callable[..., Any]:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            return await _Awaiting(self._stepwise(function(*args, **kwargs).__await__()))

        return wrapper

    def _async_generator(self, function: Callable[..., Any]) -> Callable[..., Any]:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            inner = function(*args, **kwargs)
            step = inner.asend(None)
            while True:
                try:
                    value = await _Awaiting(self._stepwise(step.__await__()))
                except StopAsyncIteration:
                    return
                try:
                    step = inner.asend((yield value))
                except GeneratorExit:
                    await _Awaiting(self._stepwise(inner.aclose().__await__()))
                    raise
                except BaseException as error:
                    step = inner.athrow(error)

        return wrapper


class _Awaiting:
    """An awaitable over an iterator that ``_stepwise`` runs in the mode."""

    def __init__(self, steps: Generator[Any, Any, Any]) -> None:
        self.steps = steps

    def __await__(self) -> Generator[Any, Any, Any]:
        return self.steps


def no_grad() -> Mode:
    """Make Values inside the block record no parents (a context manager or decorator).

    Values made inside are leaves, as with ``torch.no_grad()``: use it for
    parameter updates and evaluation. It holds only for the current thread or
    asyncio task. As a decorator it also works on generators and coroutines,
    off only while their body runs. But ``with no_grad(): yield`` inside a
    generator leaves grad mode off in the caller while the generator waits at
    that ``yield`` (PyTorch behaves the same): decorate the generator instead.
    """
    return Mode(NO_GRAD, on=True)


def enable_grad() -> Mode:
    """Record the graph again inside a ``no_grad`` block (a context manager or decorator)."""
    return Mode(NO_GRAD, on=False)


def is_grad_enabled() -> bool:
    """Return whether operations in the current context record their parents."""
    return not state.get() & NO_GRAD


def detect_anomaly() -> Mode:
    """Raise at the first operation that turns finite inputs into ``nan`` or ``inf``.

    Inside the block (or a decorated function), an operation (its forward rule,
    or its step of a backward pass) whose result is not finite while its inputs
    are raises ``FloatingPointError`` naming the operation and its inputs.
    Outside it, results follow IEEE rules, as PyTorch's do.
    """
    return Mode(ANOMALY, on=True)


def check_forward(op: Any, parents: Sequence[Any], data: float, params: Sequence[float]) -> None:
    """Raise if ``op`` made a non-finite ``data`` from finite inputs (under ``detect_anomaly``)."""
    inputs = [p.data for p in parents] + list(params)
    if not isfinite(data) and all(isfinite(x) for x in inputs):
        shown = ", ".join(repr(x) for x in inputs)
        raise FloatingPointError(
            f"detect_anomaly: operation {op.name!r} turned finite inputs ({shown}) into {data!r}"
        )


def check_step(node: Any, g: float, derivatives: Sequence[float]) -> None:
    """Raise if a chain-rule step at ``node`` made a non-finite term from finite numbers."""
    inputs = [g, node.data, *(p.data for p in node._parents)]
    if not all(isfinite(x) for x in inputs):
        return
    for i, d in enumerate(derivatives):
        if not isfinite(g * d):
            operands = ", ".join(repr(p.data) for p in node._parents)
            raise FloatingPointError(
                f"detect_anomaly: backward of {node._operation.name!r} with inputs ({operands}) "
                f"gave the non-finite gradient {g * d!r} for its input {i} "
                f"(upstream gradient {g!r}, local derivative {d!r})"
            )


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
