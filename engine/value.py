"""``Value``: a scalar node of the computation graph, and its operators."""

from __future__ import annotations

import numbers
from typing import Any, NoReturn, Union

from engine import edits, ieee, mode, ops
from engine.backward import add_into_grad, local_derivatives
from engine.graph import topological_order
from engine.ops import Op

Operand = Union["Value", float, int]
"""What arithmetic accepts on either side of a Value."""


class Value:
    """A scalar with a gradient, and the record of how it was computed.

    A Value made by the user is a *leaf*. Every operation on Values makes a new
    node that keeps its operands (``parents``) and its operation, whose local
    derivatives (see ``engine.ops``) the backward pass multiplies by the chain rule.

    Examples:
        >>> x = Value(2.0, label="x")
        >>> y = x * x + 3 * x
        >>> y.backward()
        >>> y.data, x.grad
        (10.0, 7.0)
    """

    # The numbers live in slots behind properties: the engine reads and writes the slots
    # (``_data``, ``_grad``) directly, and the properties check what a user assigns.
    __slots__ = ("_ctx", "_data", "_g", "_grad", "_label", "_parents", "_rule", "_stamp")

    def __init__(self, data: float | int | numbers.Real, label: str = "") -> None:
        self._data = data if type(data) is float else _as_float(data, "data")
        self._label = label if type(label) is str else _as_label(label)
        self._grad = 0.0
        self._g = 0.0
        self._parents: tuple[Value, ...] = ()
        self._rule = ops.LEAF
        self._ctx: tuple[float, ...] = ()
        self._stamp = edits.count

    # -- the numbers and the name: each assignment checked --------------------------

    @property
    def data(self) -> float:
        """The number this node holds.

        Assigning it takes a real number (a ``TypeError`` otherwise). A graph built
        from this Value before the edit can no longer run its backward pass (a
        ``RuntimeError`` names the node): its local derivatives would read the new
        number. Update parameters after ``backward()``, then build the next graph.
        """
        return self._data

    @data.setter
    def data(self, number: float) -> None:
        self._data = number if type(number) is float else _as_float(number, "data")
        edits.note(self)

    @property
    def grad(self) -> float:
        """d(root)/d(this node), summed over every ``backward()`` since it was last reset.

        Assigning it takes a real number, stored as a float: ``v.grad = 0.0`` resets it.
        ``None`` (which PyTorch allows) and anything else are a ``TypeError`` at once,
        so a later backward pass always has a number to add to.
        """
        return self._grad

    @grad.setter
    def grad(self, number: float) -> None:
        if type(number) is float:
            self._grad = number
        elif number is None:
            raise TypeError(
                "Value: grad must be a real number, got None: write v.grad = 0.0 to reset it "
                "(backward() adds to it)"
            )
        else:
            self._grad = _as_float(number, "grad")

    @property
    def label(self) -> str:
        """A name for pictures and ``repr``; "" when none was given. Assigning it takes a str."""
        return self._label

    @label.setter
    def label(self, label: str) -> None:
        self._label = _as_label(label)

    # -- what the node is: read-only, as the operation that made it set it -----------

    @property
    def parents(self) -> tuple[Value, ...]:
        """The operands this node was computed from, in order; () for a leaf."""
        return self._parents

    @parents.setter
    def parents(self, _: object) -> NoReturn:
        raise _read_only("parents")

    @property
    def op(self) -> str:
        """The operation that made this node ("+", "tanh", "**2", ...), or "" for a leaf."""
        op = self._rule
        return op.fmt.format(*self._ctx) if op.fmt else op.name

    @op.setter
    def op(self, _: object) -> NoReturn:
        raise _read_only("op")

    # -- micrograd's names, so the lecture's code runs (read-only) ---------------------

    @property
    def _prev(self) -> set[Value]:
        """The parents as a set: micrograd's name (``parents`` keeps their order)."""
        return set(self._parents)

    @_prev.setter
    def _prev(self, _: object) -> NoReturn:
        raise _read_only("_prev")

    @property
    def _op(self) -> str:
        """The operation: micrograd's name for [`op`][engine.Value.op], "" for a leaf."""
        return self.op

    @_op.setter
    def _op(self, _: object) -> NoReturn:
        raise _read_only("_op")

    def _backward(self) -> None:
        """One chain-rule step, micrograd's: each parent's ``.grad`` gains local derivative × grad.

        Called on every node in reverse topological order, after ``self.grad = 1.0`` on
        the output, it gives what [`backward`][engine.Value.backward] gives: the same table,
        one step here.
        """
        for parent, d in zip(self._parents, local_derivatives(self), strict=True):
            parent.grad += d * self.grad

    def is_leaf(self) -> bool:
        """Return whether this Value has no parents (made by the user, or under ``no_grad``)."""
        return not self._parents

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self._data!r}, grad={self._grad!r}{label})"

    def item(self) -> float:
        """Return the data as a Python float, as ``torch.Tensor.item`` does."""
        return self._data

    def __format__(self, spec: str) -> str:
        return format(self._data, spec) if spec else repr(self)

    # -- no silent wrong gradient: what would quietly leave the graph raises -----------
    # A float made from a Value drops out of the graph, so math.exp(x) * x would give
    # x.grad = exp(1) instead of 2 exp(1). Each conversion says what to write instead.

    def __float__(self) -> NoReturn:
        raise _left_the_graph(
            "a plain float",
            "Use v.exp() (or v.log(), v.sqrt(), ...) to stay in the graph, "
            "or v.data for the number",
        )

    def __complex__(self) -> NoReturn:
        raise _left_the_graph("a complex number", "Use v.data for the number")

    def __int__(self) -> NoReturn:
        raise _left_the_graph("an int", "Use int(v.data) for the number")

    def __index__(self) -> NoReturn:  # range(v), a list index, "ab" * v
        raise _left_the_graph("an int", "Use int(v.data) for the number")

    def __round__(self, ndigits: int | None = None) -> NoReturn:
        raise _left_the_graph("a rounded number", "Use round(v.data) for the number")

    def __trunc__(self) -> NoReturn:
        raise _left_the_graph("an int", "Use math.trunc(v.data) for the number")

    def __floor__(self) -> NoReturn:
        raise _left_the_graph("an int", "Use math.floor(v.data) for the number")

    def __ceil__(self) -> NoReturn:
        raise _left_the_graph("an int", "Use math.ceil(v.data) for the number")

    def __bool__(self) -> NoReturn:
        raise TypeError(
            "a Value has no truth value: `if loss:` would hold even for Value(0.0). "
            "Compare its number instead, e.g. `if v.data > 0:`."
        )

    # Between Values == is identity, as in micrograd, so sets and dicts of Values work;
    # against anything else it would always be False (Value(0) == 0), so it raises.
    def __eq__(self, other: object) -> bool:
        if isinstance(other, Value):
            return self is other
        raise _not_comparable("==", other)

    def __ne__(self, other: object) -> bool:
        if isinstance(other, Value):
            return self is not other
        raise _not_comparable("!=", other)

    __hash__ = object.__hash__

    # Ordering reads the data and gives a bool.
    def __lt__(self, other: Operand) -> bool:
        number = _data_of(other)
        return NotImplemented if number is None else self._data < number

    def __le__(self, other: Operand) -> bool:
        number = _data_of(other)
        return NotImplemented if number is None else self._data <= number

    def __gt__(self, other: Operand) -> bool:
        number = _data_of(other)
        return NotImplemented if number is None else self._data > number

    def __ge__(self, other: Operand) -> bool:
        number = _data_of(other)
        return NotImplemented if number is None else self._data >= number

    # -- arithmetic: each operator once, with its reflected form --------------------

    def __add__(self, other: Operand) -> Value:
        return _binary(ops.ADD, self, other)

    def __radd__(self, other: Operand) -> Value:
        return _binary(ops.ADD, other, self)

    def __sub__(self, other: Operand) -> Value:
        return _binary(ops.SUB, self, other)

    def __rsub__(self, other: Operand) -> Value:
        return _binary(ops.SUB, other, self)

    def __mul__(self, other: Operand) -> Value:
        return _binary(ops.MUL, self, other)

    def __rmul__(self, other: Operand) -> Value:
        return _binary(ops.MUL, other, self)

    def __truediv__(self, other: Operand) -> Value:
        return _binary(ops.DIV, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return _binary(ops.DIV, other, self)

    def __pow__(self, exponent: Operand) -> Value:
        if type(exponent) is Value:
            return _binary(ops.POW, self, exponent)
        c = _number(exponent)
        if c is None:
            return NotImplemented
        return _unary(ops.POW_CONST, self, (c,))

    def __rpow__(self, base: Operand) -> Value:
        return _binary(ops.POW, base, self)

    def __neg__(self) -> Value:
        return _unary(ops.NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _unary(ops.ABS, self)

    # -- functions ------------------------------------------------------------------

    def exp(self) -> Value:
        """Return e to the power of this Value (``inf`` on overflow)."""
        return _unary(ops.EXP, self)

    def log(self) -> Value:
        """Return the natural logarithm (``-inf`` at 0, ``nan`` below 0)."""
        return _unary(ops.LOG, self)

    def sqrt(self) -> Value:
        """Return the square root (``nan`` below 0)."""
        return _unary(ops.SQRT, self)

    def abs(self) -> Value:
        """Return the absolute value; its derivative at 0 is 0, as in PyTorch."""
        return _unary(ops.ABS, self)

    def sin(self) -> Value:
        """Return the sine."""
        return _unary(ops.SIN, self)

    def cos(self) -> Value:
        """Return the cosine."""
        return _unary(ops.COS, self)

    def tanh(self) -> Value:
        """Return the hyperbolic tangent."""
        return _unary(ops.TANH, self)

    def sigmoid(self) -> Value:
        """Return the logistic function ``1 / (1 + exp(-x))``, stable for large ``|x|``."""
        return _unary(ops.SIGMOID, self)

    def relu(self) -> Value:
        """Return ``max(0, x)``; its derivative at 0 is 0, as in PyTorch."""
        return _unary(ops.RELU, self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """Return ``x`` where ``x > 0``, else ``negative_slope * x`` (PyTorch's default slope)."""
        slope = _as_float(negative_slope, "negative_slope")
        return _unary(ops.LEAKY_RELU, self, (slope,))

    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> Value:
        """Return ``log(1 + exp(beta*x)) / beta``, linear above ``threshold``, as in PyTorch."""
        b = _as_float(beta, "beta")
        if not b > 0.0:
            raise ValueError(f"softplus: beta must be positive, got {beta!r}")
        return _unary(ops.SOFTPLUS, self, (b, _as_float(threshold, "threshold")))

    # -- the backward pass ----------------------------------------------------------

    def backward(self) -> None:
        """Add d(self)/d(node) to the ``.grad`` of every node this Value depends on.

        One pass in reverse topological order; ``self.grad`` gains 1.0. Gradients
        accumulate, so call ``zero_grad()`` (or set ``.grad = 0.0``) between steps.
        No ``.grad`` changes unless the whole pass succeeds.

        The local derivatives read the numbers the nodes hold now, so a ``.data``
        edited between building the graph and this call (``y = x * x; x.data = 5.0;
        y.backward()``) is a ``RuntimeError`` naming the node, as in PyTorch. Editing
        parameters after ``backward()`` and then building a new graph, as every
        training loop does, is what the engine expects.
        """
        add_into_grad(self, check=bool(mode.state.get() & mode.ANOMALY))

    # -- pickling: a graph as a flat list, so that no depth is too deep -------------

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the data, grad and label, and for a node the graph it was computed from.

        A leaf pickles alone. A node pickles its graph as a list in topological order,
        each node as its operation and its operands' places, so the unpickled node can
        still ``backward()``, however deep its graph. Leaves keep their identity within
        one pickle (parameters pickled beside a loss are the loss's own); inner nodes
        come back once for each node pickled.
        """
        if not self._parents:
            return _leaf, (self._data, self._grad, self._label)
        order = topological_order(self)
        place = {node: i for i, node in enumerate(order)}
        graph: list[Value | tuple[Any, ...]] = [
            node
            if not node._parents
            else (
                *(node._rule, node._ctx, tuple(place[p] for p in node._parents)),
                *(node._data, node._grad, node._label, edits.culprit(node) is not None),
            )
            for node in order
        ]
        return _graph, (graph,)


# -- making nodes: the hot path -------------------------------------------------------

_new = object.__new__


def _node(op: Op, parents: tuple[Value, ...], data: float, ctx: tuple[float, ...]) -> Value:
    """Make the result node of ``op``; the one place operations make nodes."""
    # Its fields set here, not through Value(data), which checks the number again: 5%
    # of the moons step.
    out: Value = _new(Value)
    out._data = data
    out._grad = 0.0
    out._g = 0.0
    out._label = ""
    out._stamp = edits.count  # when it was made, for the backward pass (engine.edits)
    flags = mode.state.get()
    if flags:
        if flags & mode.ANOMALY:
            _check_forward(op, parents, data, ctx)
        if flags & mode.NO_GRAD:
            out._parents = ()
            out._rule = ops.LEAF
            out._ctx = ()
            return out
    out._parents = parents
    out._rule = op
    out._ctx = ctx
    return out


def _unary(op: Op, x: Value, ctx: tuple[float, ...] = ()) -> Value:
    # Most operations have no parameters, and a plain call is cheaper than unpacking ().
    return _node(op, (x,), op.forward(x._data, *ctx) if ctx else op.forward(x._data), ctx)


def _binary(op: Op, a: Operand, b: Operand) -> Value:
    x = a if type(a) is Value else _constant(a)
    y = b if type(b) is Value else _constant(b)
    if x is None or y is None:
        return NotImplemented  # type: ignore[no-any-return]  # Python then raises TypeError
    return _node(op, (x, y), op.forward(x._data, y._data), ())


def nary(op: Op, parents: tuple[Value, ...]) -> Value:
    """Make the node of an n-ary operation (``engine.sum``, ``dot``, ``logsumexp``)."""
    return _node(op, parents, op.forward([p._data for p in parents]), ())


def _leaf(data: float, grad: float, label: str) -> Value:
    """Unpickle a leaf."""
    leaf = Value(data, label)
    leaf._grad = grad
    return leaf


def _graph(records: list[Value | tuple[Any, ...]]) -> Value:
    """Unpickle a node and its graph, from ``Value.__reduce__``'s list; return the node."""
    nodes: list[Value] = []
    for record in records:
        if isinstance(record, Value):
            nodes.append(record)
            continue
        op, ctx, places, data, grad, label, edited = record
        node = _new(Value)
        node._data, node._grad, node._g, node._label = data, grad, 0.0, label
        node._parents = tuple(nodes[i] for i in places)
        node._rule, node._ctx, node._stamp = op, ctx, edits.count
        if edited:  # an operand's number had changed since: its backward pass still refuses
            edits.note(node)
        nodes.append(node)
    return nodes[-1]


# -- turning operands into numbers and Values -----------------------------------------


def _number(x: object) -> float | None:
    """Return a real number as a float, or None for anything else (bool counts as 0/1)."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, Value):
        return float(x)
    return None


def _constant(x: object) -> Value | None:
    """Wrap a plain number met in arithmetic as a leaf; None for an unsupported type."""
    if isinstance(x, Value):
        return x
    number = _number(x)
    if number is None:
        return None
    return Value(number)


def as_value(x: object, name: str) -> Value:
    """Return ``x`` as a Value (a number becomes a leaf), or raise a TypeError naming ``name``."""
    value = _constant(x)
    if value is None:
        raise TypeError(f"{name} must be a Value or a real number, got {type(x).__name__}")
    return value


def _as_float(x: object, name: str) -> float:
    number = _number(x)
    if number is None:
        hint = " (use its .data, or the Value itself)" if isinstance(x, Value) else ""
        raise TypeError(f"Value: {name} must be a real number, got {type(x).__name__}{hint}")
    return number


def _as_label(label: object) -> str:
    if type(label) is not str:
        raise TypeError(f"Value: label must be a str, got {type(label).__name__}")
    return label


def _data_of(x: object) -> float | None:
    return x._data if type(x) is Value else _number(x)


# -- the messages of the traps above --------------------------------------------------


def _left_the_graph(what: str, instead: str) -> TypeError:
    return TypeError(
        f"a Value cannot become {what} silently: it would drop out of the graph and its "
        f"gradient would be wrong. {instead}."
    )


def _not_comparable(sign: str, other: object) -> TypeError:
    if other is None:
        test = "is not" if sign == "!=" else "is"
        return TypeError(f"a Value is never None: write `v {test} None`, not `v {sign} None`")
    return TypeError(
        f"`v {sign} x` (x of type {type(other).__name__}) would always be {sign == '!='}: "
        f"between Values {sign} compares identity (so sets and dicts of Values work), not "
        f"numbers. Compare the number: `v.data {sign} x`."
    )


def _read_only(name: str) -> AttributeError:
    return AttributeError(
        f"Value.{name} is read-only: the operation that made the node sets it. To make a "
        "node of your own operation, use engine.operation(name, forward, local)."
    )


def _check_forward(op: Op, parents: tuple[Value, ...], data: float, ctx: tuple[float, ...]) -> None:
    inputs = [p.data for p in parents] + list(ctx)
    if not ieee.isfinite(data) and all(ieee.isfinite(x) for x in inputs):
        shown = ", ".join(repr(x) for x in inputs)
        raise FloatingPointError(
            f"detect_anomaly: operation {op.name!r} turned finite inputs ({shown}) into {data!r}"
        )
