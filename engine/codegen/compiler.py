"""``engine.compile``: a graph written out once as straight-line Python, then run as code.

Every training step builds the same graph with new numbers. Compiling records it
once and writes a function with one line per node: the forward pass in
topological order, then the backward pass, the chain rule node by node, last to
first. Each line comes from the operation's own rules in ``engine.ops``, traced
into text by ``engine.codegen.tracer``, so the code computes exactly what the
engine does, in the same order, with no Value made.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from engine import edits
from engine.codegen.python_writer import Writer
from engine.graph import topological_order
from engine.network.repeats import (
    repeated_pieces,
    sum_chains,
    uses_of,
)
from engine.value import Value, real_number


class Result(NamedTuple):
    """What one run of a compiled graph gives: the output, its gradients, the watched values."""

    output: float
    grads: list[float]
    watched: list[float]


class CompiledGraph:
    """A graph's forward and backward pass as generated Python; call it with new inputs.

    ``cg(values)`` takes one number per input, in the order given to
    [`compile`][engine.compile], and returns ``(output, [d output / d input, ...])``
    as floats; ``cg(values, data)`` also takes one number per data leaf.
    ``cg.source`` is the generated module; its variables have the names the pictures
    give their nodes (``W1_3_0``, ``h1_3``, ``x_0``, a label), ``v<i>`` where there is
    none (see ``engine.codegen.names``). Like any tracer, the code holds the
    operations the graph recorded, not the Python ``if`` that chose them; see
    [`compile`][engine.compile].
    """

    __slots__ = (
        *("_function", "backend", "data", "grad_lines", "inputs"),
        *("lines", "notes", "repeats", "source", "watch"),
    )

    def __init__(
        self,
        source: str,
        function: Callable[..., Any],
        inputs: tuple[Value, ...],
        watch: tuple[Value, ...],
        lines: tuple[dict[int, list[int]], dict[int, list[int]]],
        backend: str = "python",
        notes: tuple[str, ...] = (),
        data: tuple[Value, ...] = (),
        repeats: int = 0,
    ) -> None:
        self.source = source
        """The generated Python module, one line per node."""
        self.backend = backend
        """The code the graph was written as: ``"python"`` or ``"numpy"``."""
        self.notes = notes
        """What of the graph could not be written as ``backend`` asked, and why (numpy only)."""
        self.inputs = inputs
        """The input leaves, in the order ``cg(values)`` takes their numbers."""
        self.data = data
        """The data leaves, in the order ``cg(values, data)`` takes their numbers."""
        self.repeats = repeats
        """How many repeated pieces (one per sample) the code runs once each, as a loop or
        as arrays; 0 when nothing repeats and the code is a line per node."""
        self.watch = watch
        """The nodes whose values ``run`` reports as ``watched``."""
        self.lines = lines[0]
        """For node ``i`` (its place in the topological order), the source lines (from 1)
        that compute it and pass its gradient on; a loop's lines count for its first copy."""
        self.grad_lines = lines[1]
        """For node ``i``, the source lines that add a chain-rule term to its gradient."""
        self._function = function

    def __call__(
        self, values: Sequence[float], data: Sequence[float] | None = None
    ) -> tuple[float, list[float]]:
        """Return the output and its gradient by each input, for these input and data numbers."""
        output, grads, _ = self.run(values, data)
        return output, grads

    def run(self, values: Sequence[float], data: Sequence[float] | None = None) -> Result:
        """Return the output, the gradient by each input and the watched nodes' values."""
        numbers = _numbers(values, "values", "input", len(self.inputs))
        self._refuse_stray(data)
        # The generated function takes data only when the graph has data leaves.
        given = [_numbers(data, "data", "data leaf", len(self.data))] if self.data else []
        if self.backend == "python":
            return Result(*self._function(numbers, *given))
        from engine.codegen import array_math as xp  # backend="numpy": numpy is there

        arrays = [xp.asarray(numbers, dtype=float), *(xp.asarray(d, dtype=float) for d in given)]
        output, grads, watched = self._function(*arrays)
        return Result(output, grads.tolist(), watched)

    def run_array(self, values: Any, data: Any = None) -> Result:
        """``run`` on numpy arrays, for ``backend="numpy"``: nothing is gathered or scattered.

        ``values`` is a 1-D float64 array of the inputs' numbers, in the order of
        ``inputs`` (and ``data`` one of the data leaves' numbers); the gradients come
        back as a new 1-D float64 array in the same order. A training loop that keeps its
        parameters in such an array and updates it in place runs at numpy's speed.
        """
        if self.backend != "numpy":
            raise ValueError(
                f"run_array needs a graph compiled with backend='numpy', this one is "
                f"{self.backend!r}; call it with a list: cg.run(values)"
            )
        _check_array(values, "values", "input", len(self.inputs))
        self._refuse_stray(data)
        if not self.data:
            return Result(*self._function(values))
        _check_array(data, "data", "data leaf", len(self.data))
        return Result(*self._function(values, data))

    def _refuse_stray(self, data: object) -> None:
        if data is not None and not self.data:
            raise ValueError("data was given, but this graph was compiled with no data leaves")

    def __repr__(self) -> str:
        lines = self.source.count("\n")
        backend = "" if self.backend == "python" else f", {self.backend}"
        return f"<CompiledGraph: {len(self.inputs)} inputs, {lines} lines of code{backend}>"


def _numbers(values: object, name: str, each: str, size: int) -> list[float] | tuple[float, ...]:
    """Check that ``values`` holds ``size`` real numbers; return them as floats."""
    numbers = values if type(values) is list or type(values) is tuple else None
    if numbers is None:
        if isinstance(values, str | bytes) or not isinstance(values, Sequence):
            raise TypeError(
                f"{name} must be a list of numbers (one per {each}), got {type(values).__name__}"
            )
        numbers = list(values)
    if len(numbers) != size:
        raise ValueError(f"{name} must hold {size} numbers (one per {each}), got {len(numbers)}")
    if not set(map(type, numbers)) <= {float}:
        numbers = [_float(x, f"{name}[{i}]") for i, x in enumerate(numbers)]
    return numbers


def _check_array(values: Any, name: str, each: str, size: int) -> None:
    shape, dtype = getattr(values, "shape", None), getattr(values, "dtype", None)
    # dtype.char "d" is float64 (a C double); str(dtype) took most of this check's time.
    if shape is None or getattr(dtype, "char", None) != "d" or len(shape) != 1:
        got = f"{type(values).__name__}" if shape is None else f"shape {shape}, dtype {dtype}"
        raise TypeError(
            f"{name} must be a 1-D numpy array of float64, one number per {each}; got {got}"
        )
    if shape[0] != size:
        raise ValueError(f"{name} must hold {size} numbers (one per {each}), got {shape[0]}")


def _float(x: object, where: str) -> float:
    number = real_number(x)
    if number is None:
        raise TypeError(f"{where} must be a real number, got {type(x).__name__}")
    return number


def compile(  # noqa: A001 - engine.compile is the contract
    output: Value,
    inputs: Sequence[Value],
    *,
    data: Sequence[Value] = (),
    watch: Sequence[Value] = (),
    loops: bool = True,
    backend: str = "python",
) -> CompiledGraph:
    """Write ``output``'s graph as a Python function of ``inputs``; return it compiled.

    ``inputs`` are the leaves that change between calls (parameters, data), each
    once. Every other leaf, and every node computed from those alone, is a
    constant: its number is written into the code. Operations that test their
    operand (``relu``, ``abs``, ``leaky_relu``, ``softplus``, ``**``) become
    conditional expressions, right for any input. But the code follows the graph,
    not the program that built it: a Python ``if`` on ``.data`` made while the
    graph was recorded is not recorded, so keep such choices inside operations.
    A constant computed before one of its operands' ``.data`` was edited is refused
    (``RuntimeError``), as ``backward()`` refuses it. An operation of your own
    (``engine.operation``) is called in the code as ``ops.<its name>``.

    With ``loops`` (the default), an n-ary node whose operands are copies of one
    piece of graph (the same model on each sample) runs that piece as a loop.
    Anything else is one line per node, and Python compiles a function of a
    hundred thousand lines in seconds, so compile graphs that repeat.
    ``watch`` lists nodes whose values ``CompiledGraph.run`` also returns.

    ``data`` lists leaves whose numbers also change between calls but need no
    gradient: a batch's samples and labels. ``cg(values, data)`` takes their numbers,
    so one compiled function serves every batch of the same shape; the nodes computed
    from them are computed at each call, not written in as constants.

    ``backend="numpy"`` writes the repeated piece as array code instead of a loop:
    it runs once for all samples, each layer's neurons as one matrix product (numpy
    is the extra ``chainrule[numpy]``). Its numbers equal the engine's to about 1e-12
    (sums over samples and neurons add in another order); ``cg.notes`` says which
    parts still run as Python, and why.

    Examples:
        >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
        >>> cg = compile((x * w).tanh(), [x, w])
        >>> out, (dx, dw) = cg([0.5, 1.0])
        >>> round(out, 4), round(dx, 4), round(dw, 4)
        (0.4621, 0.7864, 0.3932)
    """
    if not isinstance(output, Value):
        raise TypeError(f"compile: output must be a Value, got {type(output).__name__}")
    leaves = _leaves(inputs, "inputs")
    given = _leaves(data, "data")
    known = set(leaves)
    for i, leaf in enumerate(given):
        if leaf in known:
            raise ValueError(
                f"compile: data[{i}] is also in inputs; a leaf is an input (with a gradient) "
                "or data (without one), not both"
            )
    watched = _leaves(watch, "watch", leaves_only=False)
    order = topological_order(output)
    position = {node: i for i, node in enumerate(order)}
    for i, node in enumerate(watched):
        if node not in position:
            raise ValueError(f"compile: watch[{i}] is not a node of output's graph")
    make = _writer_for(backend)
    writer = make(
        order,
        position,
        {leaf: j for j, leaf in enumerate(leaves)},
        watched,
        {leaf: k for k, leaf in enumerate(given)},
    )
    for node in order:
        # The code holds the numbers of the nodes that do not vary: one whose operand was
        # edited since it was made would put two points in it (see engine.edits).
        if node.parents and node not in writer.varies:
            edits.check(node, "compile")
    if loops:
        uses = uses_of(order)
        chains = sum_chains(order, keep=watched, min_terms=2, uses=uses, varies=writer.varies)
        repeats = repeated_pieces(
            order, leaves, keep=watched, varies=writer.varies, uses=uses, chains=chains
        )
        fan_ins = {repeat.fan_in for repeat in repeats}
        writer.sums([c for c in chains if len(c) > 1 and c[-1] not in fan_ins], uses)
    else:
        repeats = []
    writer.choose_names(repeats)
    writer.write(repeats)
    source = "\n".join(line[0] for line in writer.lines) + "\n"
    lines: dict[int, list[int]] = {}
    grad_lines: dict[int, list[int]] = {}
    for number, (_, at, target) in enumerate(writer.lines, start=1):
        if at >= 0:
            lines.setdefault(at, []).append(number)
        if target >= 0:
            grad_lines.setdefault(target, []).append(number)
    namespace = dict(writer.namespace)
    exec(builtins.compile(source, "<engine.compile>", "exec"), namespace)
    function = namespace["forward_backward"]
    if backend == "numpy":
        # Array code meets inf and nan as floats do, quietly: no RuntimeWarning per call.
        function = namespace["xp"].errstate(all="ignore")(function)
    notes = tuple(getattr(writer, "notes", ()))
    return CompiledGraph(
        source, function, leaves, watched, (lines, grad_lines), backend, notes, given, len(repeats)
    )


def _writer_for(backend: object) -> type[Writer]:
    if backend == "python":
        return Writer
    if backend != "numpy":
        raise ValueError(f"compile: backend must be 'python' or 'numpy', got {backend!r}")
    try:
        from engine.codegen.arrays import ArrayWriter
    except ModuleNotFoundError as error:
        if error.name != "numpy":
            raise
        raise ImportError(
            "compile: backend='numpy' needs numpy, the optional extra chainrule[numpy]: "
            "pip install 'chainrule[numpy]'"
        ) from None
    return ArrayWriter


def _leaves(nodes: Sequence[Value], name: str, *, leaves_only: bool = True) -> tuple[Value, ...]:
    if isinstance(nodes, Value | str | bytes) or not isinstance(nodes, Sequence):
        raise TypeError(f"compile: {name} must be a list of Values, got {type(nodes).__name__}")
    seen: dict[Value, int] = {}
    for i, node in enumerate(nodes):
        if not isinstance(node, Value):
            raise TypeError(f"compile: {name}[{i}] must be a Value, got {type(node).__name__}")
        if leaves_only and node.parents:
            raise ValueError(
                f"compile: {name}[{i}] is the result of {node.op!r}, not a leaf; inputs "
                "must be leaves (parameters or data), whose numbers the compiled code takes"
            )
        if leaves_only and node in seen:
            raise ValueError(f"compile: {name}[{i}] is {name}[{seen[node]}] again; list each once")
        seen.setdefault(node, i)
    return tuple(nodes)
