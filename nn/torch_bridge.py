"""The step up to PyTorch: the same model as a ``torch.nn.Sequential``, and a gradient check.

torch is an optional extra (``pip install "chainrule[torch]"``); it is imported only
when these functions run, so ``import nn`` never needs it.
"""

from collections.abc import Sequence
from typing import Any

import engine
from nn.layers import MLP

_INSTALL = (
    'this needs PyTorch: pip install "chainrule[torch]" (torch 2.1 or newer; for the CPU '
    "build, which spares CUDA's several GB, first pip install torch --index-url "
    "https://download.pytorch.org/whl/cpu)"
)


def _torch() -> Any:
    try:
        import torch
    except ImportError as e:
        raise ImportError(_INSTALL) from e
    return torch


def to_torch(model: MLP) -> Any:
    """Return a ``torch.nn.Sequential`` (float64) with the model's weights and activations.

    Each ``Layer`` becomes a ``torch.nn.Linear`` (its ``weight[j][i]`` is neuron j's
    ``w[i]``), followed by the layer's activation unless it is linear.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"to_torch: model must be an nn.MLP, got {type(model).__name__}")
    torch = _torch()
    modules = []
    for layer in model.layers:
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
            )
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        if layer.activation != "linear":
            modules.append(torch_activation(layer.activation)())
    return torch.nn.Sequential(*modules)


def torch_activation(name: str) -> Any:
    """Return torch.nn's module for one of ``nn.ACTIVATIONS`` (but "linear"), by its name.

    torch.nn spells the engine's ``relu``, ``tanh`` and ``sigmoid`` as ``ReLU``, ``Tanh``
    and ``Sigmoid``: the module whose name is the activation's, but for case.
    """
    torch = _torch()
    spelt = {module.lower(): module for module in dir(torch.nn)}.get(name.lower())
    if spelt is None:
        raise ValueError(f"to_torch: torch.nn has no module for the activation {name!r}")
    return getattr(torch.nn, spelt)


def compare_with_torch(model: MLP, x: Sequence[float], grad_output: Sequence[float]) -> float:
    """Return the largest gap between the engine's and PyTorch's parameter gradients.

    Both compute ``L = sum_k grad_output[k] * output_k`` for the input ``x`` and
    backpropagate; a gap near 1e-16 shows that PyTorch does what the engine does.
    The model's ``.grad`` values are left as they were.
    """
    torch = _torch()
    saved = [p.grad for p in model.parameters()]
    try:
        model.zero_grad()
        out = model(list(x))
        outs = out if isinstance(out, list) else [out]
        if len(outs) != len(grad_output):
            raise ValueError(
                f"compare_with_torch: grad_output must hold {len(outs)} numbers "
                f"(one per output), got {len(grad_output)}"
            )
        engine.dot(list(grad_output), outs).backward()
        ours = [
            [[w.grad for w in n.w] + [n.b.grad] for n in layer.neurons] for layer in model.layers
        ]
    finally:
        for p, g in zip(model.parameters(), saved, strict=True):
            p.grad = g
    net = to_torch(model)
    result = net(torch.tensor(list(x), dtype=torch.float64))
    (result * torch.tensor(list(grad_output), dtype=torch.float64)).sum().backward()
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    gap = 0.0
    for layer_grads, linear in zip(ours, linears, strict=True):
        for j, row in enumerate(layer_grads):
            theirs = [*linear.weight.grad[j].tolist(), float(linear.bias.grad[j])]
            gap = max(gap, *(abs(a - b) for a, b in zip(row, theirs, strict=True)))
    return gap
