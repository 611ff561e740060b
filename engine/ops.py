"""The table of operations: each one's forward rule beside its local derivatives.

This is the one place where an operation is defined. A row gives its name (the node's
``op``), its arity (1 or 2 operands, 0 for a list), ``forward`` (the result from the
operands' floats, then the operation's parameters, as the 2 of ``x ** 2``) and ``local``
(one local derivative d(result)/d(operand) per operand, written with ordinary operators
and the functions of a math namespace ``m``). Its keywords say how it is reached:
``function``, the name compiled code calls the forward rule by; ``called=False`` when a
student does not call it by its name (``-x``, not ``neg(x)``); ``activation=True`` when
``nn`` offers it to neurons. Everything else reads the rows: ``Value``'s operators and
methods make these nodes, and the command line, ``nn`` and ``engine.compile`` find them here.

The backward pass calls ``local`` with floats and ``m = engine.float_math`` to get
numbers; ``engine.grad(..., create_graph=True)`` calls the *same* function with Values
and ``m = engine.value_math`` to get differentiable Values. So higher derivatives need
no rules of their own, and the two paths cannot drift apart.

In ``local``, ``x`` (or ``a``, ``b``) are the operands, ``out`` the result, ``m`` the math
namespace, then come the parameters. A test of an operand's number is written
``m.number(b) == 0`` (on Values it reads ``.data``); ``engine.compile`` writes such
tests as conditions of the generated code.
"""

import operator
import pickle

from engine import float_math as f  # the float functions: f.exp, f.div, ...
from engine.op import Op as Op  # re-exported: ops.Op names a row's class

# fmt: off
# A leaf has no operands, so nothing to differentiate.
LEAF = Op("", 0, lambda xs: 0.0, lambda xs, out, m: ())

# Binary operations: local(a, b, out, m) -> (d out/d a, d out/d b).
ADD = Op("+",  2, operator.add, lambda a, b, out, m: (1.0, 1.0),  function="add")
SUB = Op("-",  2, operator.sub, lambda a, b, out, m: (1.0, -1.0), function="sub")
MUL = Op("*",  2, operator.mul, lambda a, b, out, m: (b, a),      function="mul")
DIV = Op("/",  2, f.div,        lambda a, b, out, m: (m.div(1.0, b), -m.div(out, b)),
         function="div")
# d/da b*a^(b-1) and d/db a^b*log(a); PyTorch's zeros where b == 0, and where a == 0 <= b.
POW = Op("**", 2, f.pow,        lambda a, b, out, m: (
    0.0 if m.number(b) == 0.0 else b * m.pow(a, b - 1.0),
    0.0 if m.number(a) == 0.0 and m.number(b) >= 0.0 else out * m.log(a)), function="pow")

# Unary operations: local(x, out, m, *params) -> (d out/d x,).
NEG        = Op("neg",        1, operator.neg, lambda x, out, m: (-1.0,),
                function="neg", called=False)
POW_CONST  = Op("**",         1, f.pow,        lambda x, out, m, c: (
    0.0 if c == 0.0 else c * m.pow(x, c - 1.0),), "**{0:g}", function="pow")
EXP        = Op("exp",        1, f.exp,        lambda x, out, m: (out,),            function="exp")
LOG        = Op("log",        1, f.log,        lambda x, out, m: (m.div(1.0, x),),  function="log")
SQRT       = Op("sqrt",       1, f.sqrt,       lambda x, out, m: (m.div(0.5, out),),
                function="sqrt")
ABS        = Op("abs",        1, abs,          lambda x, out, m: (m.sign(x),),      function="abs")
SIN        = Op("sin",        1, f.sin,        lambda x, out, m: (m.cos(x),),       function="sin")
COS        = Op("cos",        1, f.cos,        lambda x, out, m: (-m.sin(x),),      function="cos")
RELU       = Op("relu",       1, lambda x: 0.0 if x <= 0.0 else x,  # nan stays nan, as in PyTorch
                lambda x, out, m: (0.0 if x <= 0.0 else 1.0,), function="relu", activation=True)
TANH       = Op("tanh",       1, f.tanh,       lambda x, out, m: (1.0 - out * out,),
                function="tanh", activation=True)
SIGMOID    = Op("sigmoid",    1, f.sigmoid,    lambda x, out, m: (out * (1.0 - out),),
                function="sigmoid", activation=True)
LEAKY_RELU = Op("leaky_relu", 1, lambda x, slope: x if x > 0.0 else x * slope,
                lambda x, out, m, slope: (1.0 if x > 0.0 else slope,), function="leaky_relu")
SOFTPLUS   = Op("softplus",   1, f.softplus,   lambda x, out, m, beta, threshold: (
    1.0 if x * beta > threshold else m.sigmoid(x * beta),), function="softplus")

# N-ary operations: local(xs, out, m) -> one derivative per operand.
SUM       = Op("sum",       0, f.add_all,   lambda xs, out, m: [1.0] * len(xs),
               function="add_all")
# The operands are w_1..w_n then x_1..x_n; d/dw_i = x_i and d/dx_i = w_i. A finite sum
# of products has finite factors, so with a zero gradient every term is an exact zero.
DOT       = Op("dot",       0, f.dot,       lambda xs, out, m: [
    *xs[len(xs) // 2:], *xs[:len(xs) // 2]], function="dot", called=False, skips_zero=True)
# A neuron's pre-activation w.x + b: DOT's operands, then b, whose derivative is 1.
DOT_PLUS  = Op("dot+b",     0, f.dot_plus,  lambda xs, out, m: [
    *xs[len(xs) // 2:-1], *xs[:len(xs) // 2], 1.0], function="dot_plus", skips_zero=True)
# d/dx_i logsumexp(x) = softmax(x)_i = exp(x_i - out).
LOGSUMEXP = Op("logsumexp", 0, f.logsumexp, lambda xs, out, m: [m.exp(x - out) for x in xs],
               function="logsumexp")
# fmt: on

TABLE = tuple(row for row in list(globals().values()) if isinstance(row, Op) and row is not LEAF)
"""Every operation a node can have (leaves aside): the rows above, in their order."""


def row(name: str) -> Op:
    """Return the row of that name here (``"ADD"``); a pickled graph names its rows so."""
    found = globals().get(name)
    if not isinstance(found, Op):
        raise pickle.UnpicklingError(f"engine.ops has no row {name!r}")
    return found
