"""nn.to_torch and compare_with_torch: the same numbers as PyTorch, when torch is installed."""

import builtins
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn


@settings(max_examples=25)
@given(
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "linear"]),
    sizes=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    seed=st.integers(0, 1000),
    x=st.lists(st.floats(-2, 2), min_size=3, max_size=3),
)
def test_to_torch_gives_equal_outputs_and_gradients(
    activation: str, sizes: list[int], seed: int, x: list[float]
) -> None:
    torch = pytest.importorskip("torch")
    model = nn.MLP(3, sizes, activation, seed=seed)
    net = to_torch_checked(model)
    ours = model(x)
    outs = ours if isinstance(ours, list) else [ours]
    theirs = net(torch.tensor(x, dtype=torch.float64)).tolist()
    assert all(abs(a.data - b) <= 1e-12 for a, b in zip(outs, theirs, strict=True))
    assert nn.compare_with_torch(model, x, [1.0] * sizes[-1]) <= 1e-12
    assert all(p.grad == 0.0 for p in model.parameters())


def to_torch_checked(model: nn.MLP) -> Any:
    net = nn.to_torch(model)
    layers = [m for m in net if m.__class__.__name__ == "Linear"]
    assert len(layers) == len(model.layers)
    return net


def test_without_torch_the_error_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_torch(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "torch" or name.startswith("torch."):
            raise ImportError("No module named 'torch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    hint = r"pip install \"chainrule\[torch\]\" \(torch 2\.1 or newer"
    with pytest.raises(ImportError, match=hint):
        nn.to_torch(nn.MLP(2, [1], seed=0))


def test_to_torch_needs_an_mlp() -> None:
    with pytest.raises(TypeError, match=r"model must be an nn\.MLP, got int"):
        nn.to_torch(3)  # type: ignore[arg-type]
