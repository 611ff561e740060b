"""Weight initialisation schemes for neurons.

* ``"uniform"`` (the default, micrograd's): weights uniform in [-1, 1], biases 0. Its
  classic two-moons demo is tuned for it, and it suits small networks.
* ``"he"``: weights normal with standard deviation sqrt(2 / fan_in) (He et al., 2015).
  Choose it for ReLU and leaky ReLU networks more than a few layers deep: it keeps
  the activations' variance steady through the layers.
* ``"xavier"``: weights uniform in [-a, a] with a = sqrt(6 / (fan_in + fan_out))
  (Glorot and Bengio, 2010). Choose it for tanh and sigmoid networks.
"""

import math
import random

SCHEMES = ("uniform", "he", "xavier")


def check_scheme(init: str) -> str:
    """Return ``init`` if it names a scheme, else raise a ValueError listing the schemes."""
    if init not in SCHEMES:
        raise ValueError(f"init must be one of {', '.join(map(repr, SCHEMES))}; got {init!r}")
    return init


def weights(init: str, fan_in: int, fan_out: int, rng: random.Random) -> list[float]:
    """Return ``fan_in`` initial weights for one neuron of a layer of ``fan_out`` neurons."""
    if init == "he":
        std = math.sqrt(2.0 / fan_in)
        return [rng.gauss(0.0, std) for _ in range(fan_in)]
    bound = 1.0 if init == "uniform" else math.sqrt(6.0 / (fan_in + fan_out))
    return [rng.uniform(-bound, bound) for _ in range(fan_in)]
