"""engine.network: a graph read as a network. Not needed to read the lesson.

``engine`` knows nothing of modules, so the network is read off the graph, once, for
everything that shows or writes it: ``engine.compile`` (a loop per repeated piece,
array code with a matrix product per layer, variables named as the pictures name
them) and ``viz`` (neurons and layers as boxes, a batch drawn as one sample, the
explorer's layer steps).

- ``engine.network.layers``: neurons (``a = w·x + b`` and ``h = f(a)``) and the layers
  they form, numbered from 1 as the backpropagation algorithm numbers them.
- ``engine.network.repeats``: the piece a batch repeats, the same model on each
  sample, and the chains of ``+`` that Python's ``sum`` builds.

It reads the graph only: the core (``Value`` → ``backward()``) never imports it.
"""

from engine.network.layers import ACTIVATIONS, Layer, Network, Neuron, find_network, weight_slots
from engine.network.repeats import Repeat, repeated_pieces

__all__ = [
    "ACTIVATIONS",
    "Layer",
    "Network",
    "Neuron",
    "Repeat",
    "find_network",
    "repeated_pieces",
    "weight_slots",
]
