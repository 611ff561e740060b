"""Careless and hostile model files: a ModelFileError every time, in bounded time and memory.

Also the one atomic write (nn.files) that nn.save uses: through symbolic links, onto
pipes and folders, and on a full disk.
"""

import contextlib
import errno
import json
import os
import stat
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
import nn.files
import nn.serialization
from nn.serialization import MAX_PARAMETERS

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
needs_symlinks = pytest.mark.skipif(os.name == "nt", reason="symbolic links need privileges")
REAL_OPEN = os.open  # kept before any test patches os.open
PATIENCE = 10.0  # seconds a load may take before it counts as hanging; loads take ms


def model_document(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "good.json"
    nn.save(nn.MLP(2, [3, 1], activation="tanh", seed=4), path)
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def refused(path: Path, message: str) -> nn.ModelFileError:
    """Load ``path`` expecting a ModelFileError that names it and matches ``message``.

    nn.MLP is replaced during the load by a class that fails when made: each refusal
    must come before anything is built.
    """
    with (
        mock.patch.object(nn.serialization, "MLP", NotBuilt),
        pytest.raises(nn.ModelFileError, match=message) as info,
    ):
        nn.load(path)
    assert str(info.value).startswith(f"{path}: ")
    return info.value


class NotBuilt:
    """Stands in for nn.MLP inside nn.serialization: a refusal must come before building."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError(f"nn.load built MLP{args} before refusing the file")


# -- wrong types in the architecture ----------------------------------------------------------


@pytest.mark.parametrize("value", [["relu"], {}, 1, None, True, "softmax", "RELU"])
def test_an_activation_that_is_not_a_known_name_is_refused(tmp_path: Path, value: object) -> None:
    document = model_document(tmp_path)
    document["architecture"]["activation"] = value
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    error = refused(bad, "architecture 'activation' must be one of 'relu', 'tanh', 'sigmoid'")
    assert str(error).endswith(f"; got {value!r}")


@pytest.mark.parametrize("value", [["uniform"], {"he": 1}, 0, "glorot"])
def test_an_init_that_is_not_a_known_scheme_is_refused(tmp_path: Path, value: object) -> None:
    document = model_document(tmp_path)
    document["architecture"]["init"] = value
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    refused(bad, r"architecture 'init' must be one of 'uniform', 'he', 'xavier'; got ")


@pytest.mark.parametrize(
    ("key", "value"),
    [("nin", "2"), ("nin", 0), ("nin", 2.0), ("nin", True), ("nouts", 3), ("nouts", [])],
)
def test_sizes_that_are_not_positive_ints_are_refused(
    tmp_path: Path, key: str, value: object
) -> None:
    document = model_document(tmp_path)
    document["architecture"][key] = value
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    refused(bad, f"architecture '{key}' must be ")


# -- numbers ----------------------------------------------------------------------------------


def with_bias(tmp_path: Path, number: str) -> Path:
    """The good file with one parameter's value written as ``number``, verbatim."""
    text = json.dumps(model_document(tmp_path))
    assert '"layers.0.neurons.0.b": 0.0' in text
    bad = tmp_path / "bad.json"
    bad.write_text(text.replace('"layers.0.neurons.0.b": 0.0', f'"layers.0.neurons.0.b": {number}'))
    return bad


@pytest.mark.parametrize("digits", [310, 400, 4300, 5000, 100_000])
def test_an_integer_longer_than_any_float_is_refused_unparsed(tmp_path: Path, digits: int) -> None:
    bad = with_bias(tmp_path, "9" * digits)
    refused(bad, f"an integer of {digits:,} digits, larger than any finite float")


@pytest.mark.parametrize("number", ["9" * 309, "-" + "9" * 309, "1e400", "-1e400"])
def test_a_number_beyond_the_float_range_is_refused_naming_the_parameter(
    tmp_path: Path, number: str
) -> None:
    bad = with_bias(tmp_path, number)
    refused(bad, r"parameter 'layers\.0\.neurons\.0\.b' must be a finite number, got ")


@pytest.mark.parametrize("value", ['"0.5"', "[0.5]", "{}", "null", "true"])
def test_a_parameter_that_is_not_a_number_is_refused_naming_it(tmp_path: Path, value: str) -> None:
    bad = with_bias(tmp_path, value)
    refused(bad, r"parameter 'layers\.0\.neurons\.0\.b' must be a number, got ")


def test_an_integer_parameter_is_that_number(tmp_path: Path) -> None:
    bad = with_bias(tmp_path, "-3")
    assert nn.load(bad).state_dict()["layers.0.neurons.0.b"] == -3.0


# -- sizes: refused before anything is built --------------------------------------------------


def test_a_few_bytes_declaring_a_huge_layer_are_refused_at_once(tmp_path: Path) -> None:
    # The file: 5 million neurons declared, no parameters given (130 s, 4.5 GB before).
    bad = tmp_path / "huge.json"
    bad.write_text(
        '{"format": "chainrule.mlp", "version": 1, "architecture": {"nin": 2, '
        '"nouts": [4999999], "activation": "relu", "init": "uniform"}, "parameters": {}}'
    )
    assert bad.stat().st_size < 150
    refused(
        bad,
        f"too large: it declares at least 14,999,997 parameters, and nn.load reads at most "
        f"{MAX_PARAMETERS:,}",
    )


def test_a_long_list_of_huge_layers_is_refused_without_multiplying_it_out(tmp_path: Path) -> None:
    document = model_document(tmp_path)
    document["architecture"]["nouts"] = [10**300] * 10_000
    bad = tmp_path / "huge.json"
    bad.write_text(json.dumps(document))
    refused(bad, "too large")


def test_an_architecture_under_the_maximum_must_match_the_parameter_count(tmp_path: Path) -> None:
    document = model_document(tmp_path)
    document["architecture"]["nouts"] = [300_000]  # 900,000 parameters: allowed, not given
    bad = tmp_path / "big.json"
    bad.write_text(json.dumps(document))
    refused(bad, "it declares 900,000 parameters and 'parameters' holds 13")


def test_parameter_names_must_be_the_architectures_before_building(tmp_path: Path) -> None:
    document = model_document(tmp_path)
    parameters = document["parameters"]
    parameters["x" * 10_000] = parameters.pop("layers.1.neurons.0.w.2")
    bad = tmp_path / "renamed.json"
    bad.write_text(json.dumps(document))
    error = refused(bad, r"the file has no 'layers\.1\.neurons\.0\.w\.2', a parameter of MLP")
    assert len(str(error)) < 300  # the 10,000-character name is not echoed


@settings(max_examples=25)
@given(st.integers(1, 6), st.lists(st.integers(1, 6), min_size=1, max_size=4))
def test_the_names_checked_before_building_are_the_models(nin: int, nouts: list[int]) -> None:
    names = list(nn.serialization._parameter_names(nin, nouts))
    assert sorted(names) == sorted(nn.MLP(nin, nouts).state_dict())
    assert len(names) == nn.serialization._parameter_count(nin, nouts)


def test_the_maximum_is_documented_and_holds_at_its_edge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert f"{MAX_PARAMETERS:,}" in (nn.load.__doc__ or "")
    assert "MAX_PARAMETERS" in (nn.save.__doc__ or "")
    model = nn.MLP(2, [3, 1], seed=0)  # 13 parameters
    path = tmp_path / "m.json"
    monkeypatch.setattr(nn.serialization, "MAX_PARAMETERS", 13)
    nn.save(model, path)
    assert nn.load(path).state_dict() == model.state_dict()
    monkeypatch.setattr(nn.serialization, "MAX_PARAMETERS", 12)
    refused(path, "too large: it declares at least 13 parameters, and nn.load reads at most 12")
    with pytest.raises(ValueError, match=r"the model has 13 parameters; nn\.load reads at most 12"):
        nn.save(model, tmp_path / "other.json")
    assert not (tmp_path / "other.json").exists()


@pytest.mark.parametrize(("nin", "nouts"), [(1, [1] * 3000), (20_000, [2]), (400, [90, 90, 9])])
def test_the_byte_limit_holds_the_largest_model_save_writes(
    tmp_path: Path, nin: int, nouts: list[int]
) -> None:
    # The longest lines: long names, and the longest float repr, for every parameter.
    model = nn.MLP(nin, nouts, seed=0)
    model.load_state_dict(dict.fromkeys(model.state_dict(), -2.2250738585072014e-308))
    path = tmp_path / "m.json"
    nn.save(model, path)
    per_parameter = path.stat().st_size / len(model.parameters())
    assert per_parameter * MAX_PARAMETERS < nn.serialization._MAX_BYTES


def test_save_refuses_a_file_load_would_refuse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nn.serialization, "_MAX_BYTES", 500)
    with pytest.raises(ValueError, match=r"nn\.load reads 500"):
        nn.save(nn.MLP(2, [3, 1], seed=0), tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


# -- files that are not regular files ---------------------------------------------------------


def load_within(path: Path, seconds: float = PATIENCE) -> BaseException | nn.MLP:
    """Run nn.load in a thread; fail (after unblocking it) if it takes longer than ``seconds``."""
    result: list[BaseException | nn.MLP] = []

    def run() -> None:
        try:
            result.append(nn.load(path))
        except BaseException as e:
            result.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        # A reader blocked opening a pipe returns once a writer opens it: let it go.
        with contextlib.suppress(OSError):
            os.close(REAL_OPEN(path, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(seconds)
        pytest.fail(f"nn.load({str(path)!r}) was still running after {seconds} s")
    return result[0]


@needs_fifo
def test_a_named_pipe_is_refused_without_being_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    opened: list[str] = []

    def spy(path: Any, *args: Any, **kwargs: Any) -> int:
        opened.append(os.fspath(path))
        return REAL_OPEN(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    error = load_within(fifo)
    assert isinstance(error, nn.ModelFileError), error
    assert str(error) == f"{fifo}: it is a named pipe (FIFO); nn.load reads only a regular file"
    assert str(fifo) not in opened


@needs_fifo
def test_a_file_swapped_for_a_pipe_after_the_look_is_refused_without_blocking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.json"
    nn.save(nn.MLP(2, [1], seed=0), path)

    def swap_then_open(target: Any, *args: Any, **kwargs: Any) -> int:
        if os.fspath(target) == str(path):  # between load's stat and its open
            path.unlink()
            os.mkfifo(path)
        return REAL_OPEN(target, *args, **kwargs)

    monkeypatch.setattr(os, "open", swap_then_open)
    error = load_within(path)
    assert isinstance(error, nn.ModelFileError), error
    assert "it is a named pipe (FIFO); nn.load reads only a regular file" in str(error)


@needs_symlinks
@needs_fifo
def test_a_link_to_a_named_pipe_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "model.json").symlink_to("pipe")
    error = load_within(tmp_path / "model.json")
    assert isinstance(error, nn.ModelFileError) and "named pipe" in str(error)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    refused(tmp_path, "it is a folder; nn.load reads only a regular file")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_refused_unread() -> None:
    refused(Path("/dev/zero"), "it is a character device; nn.load reads only a regular file")


def test_a_path_with_a_nul_is_a_model_file_error() -> None:
    with pytest.raises(nn.ModelFileError, match="cannot read the file"):
        nn.load("model\0.json")


def test_a_file_over_the_byte_limit_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b" " * 2000)
    monkeypatch.setattr(nn.serialization, "_MAX_BYTES", 1000)
    refused(path, "the file is 2,000 bytes; a model file has at most 1,000")


def test_many_brackets_are_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "nested.json"
    path.write_text('{"a": ' * 50 + "[" * 20 + "]" * 20 + "}" * 50)
    refused(path, "it holds 70 '\\[' or '{' characters, and a model file has 4")


# -- hostile mutations of a saved file --------------------------------------------------------

JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
# Written verbatim in place of a value: what json.dumps cannot write, or would not.
RAW_VALUES = st.one_of(
    st.integers(300, 6000).map(lambda n: "9" * n),
    st.integers(300, 6000).map(lambda n: "-1" + "0" * n),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "1" * 5000 + ".5", "-0.0", "1E-400"]),
    st.integers(1, 100_000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 20_000).map(lambda n: '{"a": ' * n + "1" + "}" * n),
    st.integers(0, 50_000).map(lambda n: "[" + ", ".join(["0"] * n) + "]"),
    st.integers(1, 10**7).map(lambda n: f"[{n}]"),  # a plausible-looking size list
    st.text(max_size=30).map(lambda s: json.dumps(s, ensure_ascii=False)),  # odd characters
)
MARK = "\x00raw\x00"


def paths_in(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (a tuple of keys and indexes) to a sub-value, the root's () included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths_in(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += paths_in(child, (*prefix, i))
    return found


def put(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return document


def drop(document: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return document
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    return document


def mutated_file(data: st.DataObject, document: dict[str, Any]) -> bytes:
    """The saved file with one to three random changes, at the JSON level or in its bytes."""
    raw: list[str] = []
    for _ in range(data.draw(st.integers(1, 3), label="changes")):
        where = data.draw(st.sampled_from(paths_in(document)), label="where")
        kind = data.draw(st.sampled_from(["replace", "drop", "raw"]), label="kind")
        if kind == "replace":
            document = put(document, where, data.draw(JSON_VALUES, label="value"))
        elif kind == "drop":
            document = drop(document, where)
        else:
            document = put(document, where, f"{MARK}{len(raw)}")
            raw.append(data.draw(RAW_VALUES, label="raw"))
    text = json.dumps(document, indent=data.draw(st.sampled_from([None, 1])))
    for i, token in enumerate(raw):
        text = text.replace(json.dumps(f"{MARK}{i}"), token)
    content = text.encode("utf-8", "surrogatepass")  # a lone surrogate is bad UTF-8 to refuse
    if data.draw(st.booleans(), label="bytes too"):
        cut = data.draw(st.integers(0, len(content)), label="at")
        junk = data.draw(st.binary(max_size=4), label="junk")
        content = content[:cut] + junk + content[cut + data.draw(st.integers(0, 3)) :]
    return content


@settings(max_examples=150)
@given(st.data())
def test_a_mutated_file_loads_exactly_or_is_a_model_file_error(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        path = tmp / "model.json"
        content = mutated_file(data, model_document(tmp))
        path.write_bytes(content)
        built: list[object] = []
        real_mlp = nn.MLP

        def counting_mlp(*args: Any, **kwargs: Any) -> nn.MLP:
            built.append(args)
            return real_mlp(*args, **kwargs)

        with mock.patch.object(nn.serialization, "MLP", counting_mlp):
            start = time.perf_counter()
            try:
                model = nn.load(path)
            except nn.ModelFileError as e:
                model = None
                assert str(e).startswith(f"{path}: ")
                assert len(str(e)) < 1000  # a message names the fault, it does not echo the file
                assert built == []  # every refusal comes before the model is built
            elapsed = time.perf_counter() - start
    # A bound, not a measurement: the files are a few hundred kB at most, and load takes ms.
    assert elapsed < 5.0
    if model is not None:
        # Loaded: exactly the file's numbers, so nothing was misread.
        document = json.loads(content)
        assert model.state_dict() == {k: float(v) for k, v in document["parameters"].items()}


# -- the atomic write that nn.save uses -------------------------------------------------------


def old_and_new() -> tuple[nn.MLP, nn.MLP]:
    return nn.MLP(2, [3, 1], seed=1), nn.MLP(2, [3, 1], seed=2)


def files_in(*folders: Path) -> list[str]:
    return sorted(p.name for folder in folders for p in folder.iterdir())


@needs_symlinks
def test_save_writes_through_a_symbolic_link_and_keeps_it(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "links").mkdir()
    target = tmp_path / "models" / "model.json"
    link = tmp_path / "links" / "model.json"
    link.symlink_to(Path("..") / "models" / "model.json")  # relative, to another folder
    old, new = old_and_new()
    nn.save(old, target)
    target.chmod(0o600)
    nn.save(new, link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("..", "models", "model.json")
    assert nn.load(target).state_dict() == new.state_dict()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # the replaced file keeps its mode
    assert files_in(tmp_path / "models", tmp_path / "links") == ["model.json", "model.json"]


@needs_symlinks
def test_save_follows_a_chain_of_links_and_a_dangling_one(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("c.json")  # c.json does not exist yet
    _, new = old_and_new()
    nn.save(new, tmp_path / "a")
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()
    assert nn.load(tmp_path / "c.json").state_dict() == new.state_dict()
    assert stat.S_IMODE((tmp_path / "c.json").stat().st_mode) == nn.files.NEW_FILE_MODE
    assert files_in(tmp_path) == ["a", "b", "c.json"]


@needs_symlinks
def test_a_symbolic_link_loop_is_refused_and_kept(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(OSError, match="leads back to itself") as info:
        nn.save(nn.MLP(2, [1]), tmp_path / "a")
    assert info.value.errno == errno.ELOOP
    assert os.readlink(tmp_path / "a") == "b" and os.readlink(tmp_path / "b") == "a"
    assert files_in(tmp_path) == ["a", "b"]


@needs_fifo
def test_save_onto_a_named_pipe_is_refused_and_leaves_it(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "model.json")
    with pytest.raises(OSError, match=r"it is a named pipe \(FIFO\); only a regular file can be"):
        nn.save(nn.MLP(2, [1]), tmp_path / "model.json")  # not opened, so it cannot block
    assert stat.S_ISFIFO((tmp_path / "model.json").stat().st_mode)
    assert files_in(tmp_path) == ["model.json"]


def test_save_onto_a_folder_or_into_a_missing_one_is_refused(tmp_path: Path) -> None:
    (tmp_path / "model.json").mkdir()
    with pytest.raises(IsADirectoryError, match="it is a folder, not a file"):
        nn.save(nn.MLP(2, [1]), tmp_path / "model.json")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        nn.save(nn.MLP(2, [1]), tmp_path / "missing" / "model.json")
    assert files_in(tmp_path) == ["model.json"] and not any((tmp_path / "model.json").iterdir())


@pytest.mark.parametrize("through_a_link", [False, True])
@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_full_disk_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, through_a_link: bool, failing: str
) -> None:
    if through_a_link and os.name == "nt":
        pytest.skip("symbolic links need privileges")
    old, new = old_and_new()
    target = tmp_path / "model.json"
    nn.save(old, target)
    before = target.read_bytes()
    path = target
    if through_a_link:
        path = tmp_path / "link.json"
        path.symlink_to("model.json")

    def no_space(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, failing, no_space)
    with pytest.raises(OSError, match="No space left on device"):
        nn.save(new, path)
    monkeypatch.undo()
    assert target.read_bytes() == before
    assert path.is_symlink() == through_a_link
    assert files_in(tmp_path) == sorted(["model.json", *(["link.json"] * through_a_link)])


def test_save_has_no_atomic_write_of_its_own() -> None:
    # nn.files holds the one atomic write (viz's test checks that viz.drawing.output uses it too).
    source = Path(nn.serialization.__file__).read_text()
    assert "os.replace(" not in source and "tempfile" not in source
    assert "import viz" not in Path(nn.files.__file__).read_text()
