"""``Value``: a scalar node of the computation graph, and its operators."""

from __future__ import annotations

import numbers
from typing import Any, NoReturn, Union

from engine import edits, mode, ops
from engine.backward import add_into_grad, step
from engine.op import Op
from engine.traps import Traps, not_comparable

Operand = Union["Value", float, int]
"""What arithmetic accepts on either side of a Value."""


class Value(Traps):
    """A scalar with a gradient, and the record of how it was computed.

    A Value made by the user is a *leaf*. Every operation on Values makes a new
    node that keeps its operands (``parents``) and its operation, whose local
    derivatives (see ``engine.ops``) the backward pass multiplies by the chain rule.
    What would silently take it out of the graph (``float(v)``, ``if v:``) raises
    (see ``engine.traps``).

    Fields:
        Each a slot, which the engine reads and writes directly (the properties below
        check what a user assigns):

        - ``_data``: the number, behind ``data``.
        - ``_grad``: d(root)/d(node) summed over every ``backward()``, behind ``grad``.
        - ``_label``: the name for pictures, behind ``label``.
        - ``_parents``: the operands, behind ``parents``; () for a leaf.
        - ``_operation``: the row of ``engine.ops`` that made the node, an ``Op`` (``op`` is
          its name as text); ``engine.ops.LEAF`` for a leaf.
        - ``_params``: the operation's parameters, as the exponent 2 of ``x ** 2``; often ().
        - ``_pass_grad``: d(root)/d(node) while a backward pass runs, 0.0 between passes.
        - ``_stamp``: when the node was made, against edits of ``.data`` (``engine.edits``).

    Examples:
        >>> x = Value(2.0, label="x")
        >>> y = x * x + 3 * x
        >>> y.backward()
        >>> y.data, x.grad
        (10.0, 7.0)
    """

    __slots__ = (
        *("_data", "_grad", "_label", "_operation", "_params", "_parents", "_pass_grad"),
        "_stamp",
    )

    def __init__(self, data: float | int | numbers.Real, label: str = "") -> None:
        self._data = data if type(data) is float else _as_float(data, "data")
        self._label = label if type(label) is str else _as_label(label)
        self._grad = 0.0
        self._pass_grad = 0.0
        self._parents: tuple[Value, ...] = ()
        self._operation = ops.LEAF
        self._params: tuple[float, ...] = ()
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
        op = self._operation
        return op.fmt.format(*self._params) if op.fmt else op.name

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
        """One chain-rule step, micrograd's: each parent's ``.grad`` gains grad × local derivative.

        Called on every node in reverse topological order, after ``self.grad = 1.0`` on
        the output, it gives what [`backward`][engine.Value.backward] gives: the same
        step (``engine.backward.step``), adding into ``.grad``.
        """
        for parent, term in step(self, self._grad):
            parent.grad += term

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

    # Between Values == is identity, as in micrograd, so sets and dicts of Values work.
    # Against a number it would always be False (Value(0) == 0), so it raises; against
    # anything else Python's default holds (v == None is False, v in [None, v] works).
    def __eq__(self, other: object) -> bool:
        if isinstance(other, Value):
            return self is other
        if isinstance(other, numbers.Number):
            raise not_comparable("==", other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        if isinstance(other, Value):
            return self is not other
        if isinstance(other, numbers.Number):
            raise not_comparable("!=", other)
        return NotImplemented

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
        c = real_number(exponent)
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

    # -- functions: each makes the node of its row of the table (engine.ops) -----------

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

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the data, grad and label, and for a node its graph (see ``engine.pickling``)."""
        from engine.pickling import reduce  # engine.pickling makes Values: it imports this module

        return reduce(self)


# -- making nodes: the hot path -------------------------------------------------------

_new = object.__new__


def result_node(
    op: Op, parents: tuple[Value, ...], data: float, params: tuple[float, ...]
) -> Value:
    """Make the result node of ``op``; the one place operations make nodes."""
    # Its fields set here, not through Value(data), which checks the number again: 5%
    # of the moons step.
    out: Value = _new(Value)
    out._data = data
    out._grad = 0.0
    out._pass_grad = 0.0
    out._label = ""
    out._stamp = edits.count  # when it was made, for the backward pass (engine.edits)
    flags = mode.state.get()
    if flags:
        if flags & mode.ANOMALY:
            mode.check_forward(op, parents, data, params)
        if flags & mode.NO_GRAD:
            out._parents = ()
            out._operation = ops.LEAF
            out._params = ()
            return out
    out._parents = parents
    out._operation = op
    out._params = params
    return out


def _unary(op: Op, x: Value, params: tuple[float, ...] = ()) -> Value:
    # Most operations have no parameters, and a plain call is cheaper than unpacking ().
    return result_node(
        op, (x,), op.forward(x._data, *params) if params else op.forward(x._data), params
    )


def _binary(op: Op, a: Operand, b: Operand) -> Value:
    x = a if type(a) is Value else _constant(a)
    y = b if type(b) is Value else _constant(b)
    if x is None or y is None:
        return NotImplemented  # type: ignore[no-any-return]  # Python then raises TypeError
    return result_node(op, (x, y), op.forward(x._data, y._data), ())


def nary(op: Op, parents: tuple[Value, ...]) -> Value:
    """Make the node of an n-ary operation (``engine.sum``, ``dot``, ``logsumexp``)."""
    return result_node(op, parents, op.forward([p._data for p in parents]), ())


# -- turning operands into numbers and Values -----------------------------------------


def real_number(x: object) -> float | None:
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
    number = real_number(x)
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
    number = real_number(x)
    if number is None:
        hint = " (use its .data, or the Value itself)" if isinstance(x, Value) else ""
        raise TypeError(f"Value: {name} must be a real number, got {type(x).__name__}{hint}")
    return number


def _as_label(label: object) -> str:
    if type(label) is not str:
        raise TypeError(f"Value: label must be a str, got {type(label).__name__}")
    return label


def _data_of(x: object) -> float | None:
    return x._data if type(x) is Value else real_number(x)


# -- the message of the read-only properties ------------------------------------------


def _read_only(name: str) -> AttributeError:
    return AttributeError(
        f"Value.{name} is read-only: the operation that made the node sets it. To make a "
        "node of your own operation, use engine.operation(name, forward, local)."
    )


# Each row of the table a student calls by name is a method here (``x.exp()``): a row
# added without its method fails now, not at a user's first call.
_missing = [r.name for r in ops.TABLE if r.called and r.arity and not hasattr(Value, r.name)]
if _missing:
    raise ImportError(f"engine.ops has rows that Value has no method for: {', '.join(_missing)}")
