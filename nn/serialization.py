"""``save`` and ``load``: a model as a small JSON file, written atomically, read safely.

The file holds a format name and version, the architecture (``MLP``'s arguments)
and every parameter by name. Loading parses JSON and nothing else: no pickle, no
``eval``, no import of anything the file names, so a hostile file can only be
refused. Every size is checked before anything is built, so a file cannot make
``load`` take more time or memory than its own bytes call for.
"""

import json
import math
import os
import reprlib
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from nn.files import kind_of, write_atomically
from nn.init import SCHEMES
from nn.layers import ACTIVATIONS, MLP

FORMAT = "chainrule.mlp"
VERSION = 1

MAX_PARAMETERS = 1_000_000
"""The most parameters ``save`` writes and ``load`` reads: a million scalars.

MNIST's 784-512-512-10 network (669,706) fits, and a million loads in seconds and
under 1 GB (one ``Value`` per parameter); a file declaring more is refused unbuilt.
"""

# A saved parameter's line ("layers.L.neurons.J.w.I": value) is under 80 bytes, so this
# holds the largest model that save writes; load refuses a larger file before reading it.
_MAX_BYTES = 80 * MAX_PARAMETERS
# A model file has one list and three objects. Counting '[' and '{' before parsing bounds
# nesting (no recursion) and the memory that many small containers would take.
_MAX_BRACKETS = 64
# An integer longer than this is larger than any finite float (about 1.8e308), and int()
# of a long digit string is slow (Python refuses beyond 4300 digits): refuse it unread.
_MAX_INT_DIGITS = 309

_show = reprlib.Repr()
_show.maxstring = _show.maxother = 60
_show.maxlist = _show.maxdict = 6


class ModelFileError(ValueError):
    """A model file that cannot be loaded: its message names the path and what is wrong."""


def save(model: MLP, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` as JSON, atomically: a failure mid-write leaves the old file.

    A symbolic link is written through (the file it leads to is replaced). A model with a
    non-finite parameter, or more than ``MAX_PARAMETERS``, is a ``ValueError``.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"save: model must be an nn.MLP, got {type(model).__name__}")
    state = model.state_dict()
    # Refused here so that every file save writes can be loaded.
    if len(state) > MAX_PARAMETERS:
        raise ValueError(
            f"save: the model has {len(state):,} parameters; nn.load reads at most "
            f"{MAX_PARAMETERS:,} (nn.serialization.MAX_PARAMETERS)"
        )
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
    data = (json.dumps(document, indent=1, allow_nan=False) + "\n").encode("utf-8")
    if len(data) > _MAX_BYTES:  # not expected below MAX_PARAMETERS; kept as a guarantee
        raise ValueError(
            f"save: the file would be {len(data):,} bytes; nn.load reads {_MAX_BYTES:,}"
        )
    write_atomically(path, data)


def load(path: str | os.PathLike[str]) -> MLP:
    """Read a model written by [`save`][nn.save].

    A pipe, device or folder is refused unopened, and a model over ``MAX_PARAMETERS``
    (1,000,000) before it is built: a [`ModelFileError`][nn.ModelFileError] naming the fault.
    """
    source = Path(os.fspath(path))

    def fail(what: str) -> ModelFileError:
        return ModelFileError(f"{source}: {what}")

    raw = _read(source, fail)
    brackets = raw.count(b"[") + raw.count(b"{")
    if brackets > _MAX_BRACKETS:
        raise fail(
            f"not a valid model file: it holds {brackets:,} '[' or '{{' characters, and a model "
            f"file has 4 (at most {_MAX_BRACKETS} are read)"
        )
    try:
        document = json.loads(
            raw.decode("utf-8"), parse_constant=_refuse_constant, parse_int=_parse_int
        )
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, _NumberError) as e:
        raise fail(f"not a valid model file ({e})") from e

    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise fail(f"not a chainrule model file (expected format {FORMAT!r})")
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        raise fail(
            f"format version {_show.repr(version)} is not supported "
            f"(this chainrule reads {VERSION})"
        )
    arch = document.get("architecture")
    params = document.get("parameters")
    if not isinstance(arch, dict) or not isinstance(params, dict):
        raise fail("'architecture' and 'parameters' must both be JSON objects")
    nin, nouts, activation, init = _architecture(arch, fail)
    # Sizes first, against the maximum and then the file's own parameters, so a few bytes
    # declaring a huge network are refused before anything is built.
    declared = _parameter_count(nin, nouts)
    if declared > MAX_PARAMETERS:
        raise fail(
            f"the architecture is too large: it declares at least {declared:,} parameters, and "
            f"nn.load reads at most {MAX_PARAMETERS:,} (nn.serialization.MAX_PARAMETERS)"
        )
    if declared != len(params):
        raise fail(
            f"parameters do not fit the architecture: it declares {declared:,} parameters "
            f"and 'parameters' holds {len(params):,}"
        )
    # Names and numbers too, so that only a file that loads gets a model built.
    missing = next((name for name in _parameter_names(nin, nouts) if name not in params), None)
    if missing is not None:
        raise fail(
            f"parameters do not fit the architecture: the file has no {missing!r}, a parameter "
            f"of MLP({nin}, {_show.repr(nouts)})"
        )
    values = {name: _parameter(name, value, fail) for name, value in params.items()}
    model = MLP(nin, nouts, activation, seed=0, init=init)
    try:
        model.load_state_dict(values)
    except (KeyError, ValueError, TypeError) as e:
        message = e.args[0] if e.args else str(e)
        raise fail(f"parameters do not fit the architecture: {message}") from e
    return model


def _read(source: Path, fail: Callable[[str], ModelFileError]) -> bytes:
    """The file's bytes, if it is a regular file of at most _MAX_BYTES; never blocks."""
    try:
        # Look before opening: opening a named pipe waits for a writer, and opening a
        # device can act on it.
        mode = os.stat(source).st_mode
    except (OSError, ValueError) as e:  # ValueError: a NUL in the path
        raise fail(f"cannot read the file ({_reason(e)})") from e
    if not stat.S_ISREG(mode):
        raise fail(f"it is {kind_of(mode)}; nn.load reads only a regular file")
    # The file may be swapped for a pipe after the look: O_NONBLOCK makes that open return
    # at once, and fstat checks what was opened. Reads of a regular file ignore O_NONBLOCK.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(source, flags | getattr(os, "O_BINARY", 0))
    except OSError as e:
        raise fail(f"cannot read the file ({_reason(e)})") from e
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise fail(f"it is {kind_of(info.st_mode)}; nn.load reads only a regular file")
        if info.st_size > _MAX_BYTES:
            raise fail(
                f"the file is {info.st_size:,} bytes; a model file has at most {_MAX_BYTES:,}"
            )
        try:
            raw = f.read(_MAX_BYTES + 1)  # the file may grow after fstat
        except OSError as e:
            raise fail(f"cannot read the file ({_reason(e)})") from e
    if len(raw) > _MAX_BYTES:
        raise fail(f"the file is larger than {_MAX_BYTES:,} bytes, the most a model file has")
    return raw


def _reason(e: Exception) -> str:
    return e.strerror if isinstance(e, OSError) and e.strerror else str(e)


def _architecture(
    arch: dict[str, Any], fail: Callable[[str], ModelFileError]
) -> tuple[int, list[int], str, str]:
    """``MLP``'s arguments from the file, each checked for type and value, or a fail()."""
    expected = {"nin", "nouts", "activation", "init"}
    if set(arch) != expected:
        raise fail(f"'architecture' must have exactly the keys {sorted(expected)}")
    nin, nouts = arch["nin"], arch["nouts"]
    activation, init = arch["activation"], arch["init"]
    if not _is_size(nin):
        raise fail(f"architecture 'nin' must be an int >= 1, got {_show.repr(nin)}")
    if not isinstance(nouts, list) or not nouts or not all(_is_size(n) for n in nouts):
        raise fail(
            f"architecture 'nouts' must be a non-empty list of ints >= 1, got {_show.repr(nouts)}"
        )
    # Strings only: a list or an object is not hashable, so `in` would raise a TypeError.
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise fail(
            f"architecture 'activation' must be one of {', '.join(map(repr, ACTIVATIONS))}; "
            f"got {_show.repr(activation)}"
        )
    if not isinstance(init, str) or init not in SCHEMES:
        raise fail(
            f"architecture 'init' must be one of {', '.join(map(repr, SCHEMES))}; "
            f"got {_show.repr(init)}"
        )
    return nin, nouts, activation, init


def _is_size(n: object) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and n >= 1


def _parameter_count(nin: int, nouts: list[int]) -> int:
    """The MLP's parameter count, or the first partial sum above MAX_PARAMETERS."""
    count, fan_in = 0, nin
    for nout in nouts:
        count += (fan_in + 1) * nout
        if count > MAX_PARAMETERS:
            break  # enough to refuse; a long list of huge sizes is not multiplied out
        fan_in = nout
    return count


def _parameter_names(nin: int, nouts: list[int]) -> Iterator[str]:
    """The names ``MLP(nin, nouts).state_dict()`` has, made without building the model."""
    fan_in = nin
    for layer, nout in enumerate(nouts):
        for j in range(nout):
            for i in range(fan_in):
                yield f"layers.{layer}.neurons.{j}.w.{i}"
            yield f"layers.{layer}.neurons.{j}.b"
        fan_in = nout


def _parameter(name: str, value: object, fail: Callable[[str], ModelFileError]) -> float:
    """A parameter's value as a finite float, or a fail() naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(
            f"parameter {_show.repr(name)} must be a number, got {type(value).__name__} "
            f"{_show.repr(value)}"
        )
    try:
        number = float(value)
    except OverflowError:  # an int of up to _MAX_INT_DIGITS digits above the largest float
        number = math.inf
    if not math.isfinite(number):
        raise fail(f"parameter {_show.repr(name)} must be a finite number, got {_show.repr(value)}")
    return number


class _NumberError(ValueError):
    pass


def _refuse_constant(name: str) -> float:
    raise _NumberError(f"{name} is not a finite number")


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > _MAX_INT_DIGITS:
        raise _NumberError(
            f"an integer of {len(digits.lstrip('-')):,} digits, larger than any finite float "
            f"(at most {_MAX_INT_DIGITS} digits are read)"
        )
    return int(digits)
