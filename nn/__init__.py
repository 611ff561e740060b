"""nn: neural-network modules, losses, optimizers, data sets and training, on ``engine``.

``nn.backprop`` is a module: the backpropagation algorithm, layer by layer on plain floats,
``nn.backprop.backprop``.

Examples:
    >>> from nn import MLP
    >>> model = MLP(2, [16, 16, 1], seed=1)
    >>> len(model.parameters())
    337
"""

from nn.compiled import CompiledLoss, compile_loss
from nn.datasets import make_circles, make_moons, make_spiral, make_xor
from nn.layers import MLP, Layer, Neuron
from nn.losses import binary_cross_entropy, cross_entropy, hinge_loss, mse_loss
from nn.module import Module
from nn.optim import SGD, Adam, LinearLR, Optimizer
from nn.serialization import ModelFileError, load, save
from nn.torch_bridge import compare_with_torch, to_torch
from nn.training import History, fit

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "CompiledLoss",
    "History",
    "Layer",
    "LinearLR",
    "ModelFileError",
    "Module",
    "Neuron",
    "Optimizer",
    "binary_cross_entropy",
    "compare_with_torch",
    "compile_loss",
    "cross_entropy",
    "fit",
    "hinge_loss",
    "load",
    "make_circles",
    "make_moons",
    "make_spiral",
    "make_xor",
    "mse_loss",
    "save",
    "to_torch",
]
