"""engine: a scalar autograd engine on the standard library only.

A [`Value`][engine.Value] records its parents and how to get its local derivatives;
``backward()`` applies the chain rule in reverse topological order.

Examples:
    >>> from engine import Value
    >>> x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.8813735870195432)
    >>> y = (x * w + b).tanh()
    >>> y.backward()
    >>> round(y.data, 4), round(x.grad, 4), round(w.grad, 4)
    (0.7071, -1.5, 1.0)
"""

from engine.backward import local_derivatives
from engine.codegen import CompiledGraph, compile  # noqa: A004 - engine.compile is the contract
from engine.fused import dot, logsumexp, sum  # noqa: A004 - engine.sum is the contract
from engine.gradient_check import GradcheckError, gradcheck
from engine.gradients import grad
from engine.graph import topological_order
from engine.mode import (
    collector_paused,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
)
from engine.operation import operation
from engine.value import Value

__all__ = [
    "CompiledGraph",
    "GradcheckError",
    "Value",
    "collector_paused",
    "compile",
    "detect_anomaly",
    "dot",
    "enable_grad",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "local_derivatives",
    "logsumexp",
    "no_grad",
    "operation",
    "sum",
    "topological_order",
]
