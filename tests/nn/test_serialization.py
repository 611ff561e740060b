"""nn.save / nn.load: exact round trips, atomic writes, and refusal of bad or hostile files."""

import json
import math
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn


def saved(tmp_path: Path, model: nn.MLP | None = None) -> Path:
    path = tmp_path / "model.json"
    nn.save(model or nn.MLP(2, [3, 1], activation="tanh", seed=4, init="xavier"), path)
    return path


@settings(max_examples=30)
@given(st.lists(st.floats(-5, 5), min_size=2, max_size=2), st.integers(0, 100))
def test_a_loaded_model_gives_bit_identical_outputs(x: list[float], seed: int) -> None:
    import tempfile

    model = nn.MLP(2, [4, 3], activation="sigmoid", seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.json"
        nn.save(model, path)
        loaded = nn.load(path)
    assert (loaded.nin, loaded.nouts, loaded.activation, loaded.init) == (
        2,
        [4, 3],
        "sigmoid",
        "uniform",
    )
    assert [o.data for o in loaded(x)] == [o.data for o in model(x)]  # type: ignore[union-attr]


def test_the_file_is_json_with_a_format_and_version(tmp_path: Path) -> None:
    document = json.loads(saved(tmp_path).read_text())
    assert document["format"] == "chainrule.mlp" and document["version"] == 1
    assert document["architecture"]["nouts"] == [3, 1]


def test_a_crash_mid_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = saved(tmp_path)
    old = path.read_bytes()

    def crash(src: str, dst: object) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        nn.save(nn.MLP(2, [5, 1], seed=9), path)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]


def test_a_model_with_a_nan_parameter_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[1].w[0].data = math.nan
    with pytest.raises(ValueError, match=r"'layers\.0\.neurons\.1\.w\.0' is nan"):
        nn.save(model, tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


def corrupt(document: dict) -> str:  # type: ignore[type-arg]
    return json.dumps(document)


def base(tmp_path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(saved(tmp_path).read_text())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d, raw: raw[: len(raw) // 2], "not a valid model file"),
        (lambda d, raw: b"\xff\xfe\x00garbage", "not a valid model file"),
        (lambda d, raw: "[1, 2, 3]", "not a chainrule model file"),
        (lambda d, raw: corrupt({**d, "format": "pickle"}), "not a chainrule model file"),
        (lambda d, raw: corrupt({**d, "version": 2}), "format version 2 is not supported"),
        (lambda d, raw: corrupt({**d, "version": "1"}), "format version '1' is not supported"),
        (lambda d, raw: corrupt({**d, "version": True}), "format version True is not supported"),
        (
            lambda d, raw: corrupt({k: v for k, v in d.items() if k != "parameters"}),
            "must both be JSON objects",
        ),
        (
            lambda d, raw: corrupt({**d, "architecture": {**d["architecture"], "nouts": [3, 2]}}),
            "do not fit",
        ),
        (
            lambda d, raw: corrupt(
                {**d, "architecture": {**d["architecture"], "nouts": [10**6] * 20}}
            ),
            "too large",
        ),
        (
            lambda d, raw: corrupt(
                {**d, "architecture": {**d["architecture"], "activation": "os.system"}}
            ),
            "activation",
        ),
        (
            lambda d, raw: raw.replace(
                b'"layers.0.neurons.0.b": 0.0', b'"layers.0.neurons.0.b": NaN'
            ),
            "NaN is not a finite",
        ),
        (
            lambda d, raw: raw.replace(
                b'"layers.0.neurons.0.b": 0.0', b'"layers.0.neurons.0.b": Infinity'
            ),
            "Infinity",
        ),
        (lambda d, raw: "[" * 100_000 + "]" * 100_000, "not a valid model file"),
    ],
)
def test_bad_files_are_model_file_errors_naming_the_path(
    tmp_path: Path, make, message: str
) -> None:
    path = saved(tmp_path)
    content = make(json.loads(path.read_text()), path.read_bytes())
    bad = tmp_path / "bad.json"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(nn.ModelFileError, match=message) as info:
        nn.load(bad)
    assert isinstance(info.value, ValueError) and str(bad) in str(info.value)


def test_a_hostile_file_runs_no_code(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    document = base(tmp_path)
    document["parameters"]["layers.0.neurons.0.b"] = f"__import__('os').system('touch {marker}')"
    bad = tmp_path / "hostile.json"
    bad.write_text(json.dumps(document))
    with pytest.raises(nn.ModelFileError):
        nn.load(bad)
    assert not marker.exists()


def test_a_missing_file_is_a_model_file_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(nn.ModelFileError, match=r"nowhere\.json"):
        nn.load(tmp_path / "nowhere.json")
