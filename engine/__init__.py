"""engine: a scalar autograd engine on the standard library only.

A [`Value`][engine.Value] records its parents and how to get its local derivatives;
``backward()`` applies the chain rule in reverse topological order.

To read it, in this order: ``value`` (the node and its operators), ``ops`` (the table:
each operation's forward rule beside its local derivatives), ``graph`` (the
topological order), ``backward`` (the chain rule, node by node) and ``gradients``
(``engine.grad``, the same pass returning its results): about 800 lines. A first
reading skips the rest: ``op`` (the class behind a row), ``fused`` (``engine.sum``,
``dot``, ``logsumexp``), ``mode`` (``no_grad``, ``detect_anomaly``), ``float_math`` and
``value_math`` (IEEE details: ``inf`` and ``nan`` where ``math`` raises, and the same
functions on Values), ``traps`` (what would silently leave the graph raises), ``edits``
(an edited ``.data`` refused), ``running_sums`` (one pass at a time), ``pickling``,
``operation`` (an operation of your own), ``gradient_check``, and ``codegen``
(``engine.compile``), which ``import engine`` loads only when it is first used.

Examples:
    >>> from engine import Value
    >>> x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.8813735870195432)
    >>> y = (x * w + b).tanh()
    >>> y.backward()
    >>> round(y.data, 4), round(x.grad, 4), round(w.grad, 4)
    (0.7071, -1.5, 1.0)
"""

from typing import TYPE_CHECKING, Any

from engine.backward import local_derivatives
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

if TYPE_CHECKING:
    from engine.codegen import CompiledGraph, compile  # noqa: A004 - engine.compile is the contract

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


def __getattr__(name: str) -> Any:
    """Return ``compile`` or ``CompiledGraph``, loading the compiler (``engine.codegen``) once."""
    if name in ("compile", "CompiledGraph"):
        from engine import codegen

        globals()[name] = found = getattr(codegen, name)
        return found
    raise AttributeError(f"module 'engine' has no attribute {name!r}")
