"""``save`` and ``load``: a model as a small JSON file, written atomically, read safely.

The file holds a format name and version, the architecture (``MLP``'s arguments)
and every parameter by name. Loading parses JSON and nothing else: no pickle, no
``eval``, no import of anything the file names, so a hostile file can only be
refused.
"""

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from nn.init import SCHEMES
from nn.layers import ACTIVATIONS, MLP

FORMAT = "chainrule.mlp"
VERSION = 1
_MAX_BYTES = 64 * 1024 * 1024  # far above any scalar-engine model; refuses a runaway file


class ModelFileError(ValueError):
    """A model file that cannot be loaded: its message names the path and what is wrong."""


def save(model: MLP, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` as JSON, atomically: a crash mid-write leaves the old file.

    A model with a non-finite parameter is refused with a ``ValueError`` naming it,
    so every file ``save`` writes can be loaded.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"save: model must be an nn.MLP, got {type(model).__name__}")
    target = Path(os.fspath(path))
    state = model.state_dict()
    for name, value in state.items():
        if not math.isfinite(value):
            raise ValueError(f"save: parameter {name!r} is {value!r}; only finite models are saved")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": {
            "nin": model.nin,
            "nouts": model.nouts,
            "activation": model.activation,
            "init": model.init,
        },
        "parameters": state,
    }
    text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    # Write a temporary file beside the target, then rename it over the target in one step.
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); give it the old file's mode, or a usual one.
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: str | os.PathLike[str]) -> MLP:
    """Read a model written by [`save`][nn.save].

    A bad file raises [`ModelFileError`][nn.ModelFileError], naming the file and the fault.
    """
    source = Path(os.fspath(path))
    try:
        with source.open("rb") as f:
            raw = f.read(_MAX_BYTES + 1)
    except OSError as e:
        raise ModelFileError(f"{source}: cannot read the file ({e.strerror or e})") from e
    if len(raw) > _MAX_BYTES:
        raise ModelFileError(f"{source}: the file is larger than {_MAX_BYTES} bytes")
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, _ConstantError) as e:
        raise ModelFileError(f"{source}: not a valid model file ({e})") from e

    def fail(what: str) -> ModelFileError:
        return ModelFileError(f"{source}: {what}")

    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise fail(f"not a chainrule model file (expected format {FORMAT!r})")
    version = document.get("version")
    if version != VERSION or isinstance(version, bool):
        raise fail(f"format version {version!r} is not supported (this chainrule reads {VERSION})")
    arch = document.get("architecture")
    params = document.get("parameters")
    if not isinstance(arch, dict) or not isinstance(params, dict):
        raise fail("'architecture' and 'parameters' must both be JSON objects")
    model = _build(arch, fail)
    try:
        model.load_state_dict(params)
    except (KeyError, ValueError, TypeError) as e:
        message = e.args[0] if e.args else str(e)
        raise fail(f"parameters do not fit the architecture: {message}") from e
    return model


def _build(arch: dict[str, Any], fail: Any) -> MLP:
    expected = {"nin", "nouts", "activation", "init"}
    if set(arch) != expected:
        raise fail(f"'architecture' must have exactly the keys {sorted(expected)}")
    nin, nouts = arch["nin"], arch["nouts"]
    if not _is_size(nin):
        raise fail(f"architecture 'nin' must be an int >= 1, got {nin!r}")
    if not isinstance(nouts, list) or not nouts or not all(_is_size(n) for n in nouts):
        raise fail(f"architecture 'nouts' must be a non-empty list of ints >= 1, got {nouts!r}")
    if arch["activation"] not in ACTIVATIONS:
        raise fail(f"architecture 'activation' must be one of {list(ACTIVATIONS)}")
    if arch["init"] not in SCHEMES:
        raise fail(f"architecture 'init' {arch['init']!r} is not one of {list(SCHEMES)}")
    if _parameter_count(nin, nouts) > 10_000_000:
        raise fail("the architecture is too large for a scalar engine (over 10 million parameters)")
    return MLP(nin, nouts, arch["activation"], seed=0, init=arch["init"])


def _is_size(n: object) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and n >= 1


def _parameter_count(nin: int, nouts: list[int]) -> int:
    sizes = [nin, *nouts]
    return sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(nouts)))


class _ConstantError(ValueError):
    pass


def _refuse_constant(name: str) -> float:
    raise _ConstantError(f"{name} is not a finite number")
