"""The word "seed" means a random seed, or dL/dL = 1 where the backward pass starts; no text.

The team once called the source text of the backpropagation algorithm "the seed", and the
name leaked into what users read ("the seed's recursion", "as the seed numbers them").
Users never saw that text: the course's page docs/algorithm.md states the algorithm, with
numbered equations, so the words to use are "the backpropagation algorithm" or "equation
(4), the recursion". This test reads what users and contributors read: the site's pages
(docs/**/*.md), README.md, the notebooks' cells, examples/*.py whole, and the docstrings,
comments and other string literals (messages, legends, generated code) of the packages and
of the site's build code. Each "seed" there must be one of the uses ALLOWED lists.
"""

import json
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

WORD = re.compile(r"\bseed\w*", re.I)
"""The word "seed" and the words it begins ("seeds", "seed_names"), wherever they stand."""

ALLOWED = [
    re.compile(pattern, re.I)
    for pattern in (
        # A random seed, as code: the keyword argument (seed=1337, seed=None) ...
        r"\bseed\s*=",
        # ... the parameter named in backticks (``seed`` is an int; drawn with `seed`) ...
        r"`{1,2}seed`{1,2}",
        # ... a Google-style "Args:" entry for it ...
        r"^\s*seed\s*(?:\([^)]*\))?:",
        # ... and an error message that names it ("seed must be None or an int").
        r"\bseed must be\b",
        # A random seed, in words: an indefinite or qualified seed, never "the seed" alone
        # ("generated here with a seed", "weights from one seed", "the same seed").
        r"\b(?:a|one|random|same|another|different)\s+seeds?\b",
        # dL/dL = 1, where the backward pass starts: named so ...
        r"\bseed of the backward pass\b",
        # ... or right beside its equation ("the seed, `dy/dy = 1`", "d(root)/d(root) = 1,
        # the seed").
        r"\bseed\W{1,4}d\(?(\w+)\)?/d\(?\1\)?\s*=\s*1\b",
        r"\bd\(?(\w+)\)?/d\(?\1\)?\s*=\s*1\W{1,4}(?:the\s+)?seed\b",
    )
]

PACKAGES = ("engine", "nn", "viz", "bench")
# Python tokens users and contributors read: comments, and strings (docstrings among them).
_READ = {tokenize.COMMENT, tokenize.STRING} | (
    {tokenize.FSTRING_MIDDLE} if hasattr(tokenize, "FSTRING_MIDDLE") else set()
)

_QUOTED = re.compile(r"['\"].*", re.S)  # a string literal from its first quote: no prefix
_FIELD = re.compile(r"(?<!\{)\{(?!\{)[^{}]*\}")  # {expression}, not {{ (a brace)


def offending(line: str) -> bool:
    """Whether ``line`` has a "seed" that no allowed pattern covers."""
    allowed = [m.span() for pattern in ALLOWED for m in pattern.finditer(line)]
    return any(
        not any(start <= word.start() and word.end() <= end for start, end in allowed)
        for word in WORD.finditer(line)
    )


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def whole_lines(path: Path) -> Iterator[tuple[str, str]]:
    """Each line of a text file, as ("file:line", text)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        yield f"{_relative(path)}:{number}", line


def notebook_lines(path: Path) -> Iterator[tuple[str, str]]:
    """Each line of each cell's source, with its line in the .ipynb file where it is found."""
    raw = path.read_text(encoding="utf-8")
    cursor = 0
    for index, cell in enumerate(json.loads(raw)["cells"]):
        source = cell["source"]
        text = source if isinstance(source, str) else "".join(source)
        for line in text.splitlines(keepends=True):
            found = raw.find(json.dumps(line, ensure_ascii=False), cursor)
            if found < 0:  # not laid out one line a line, as nbformat writes it
                where = f"{_relative(path)}:cell {index}"
            else:
                cursor = found
                where = f"{_relative(path)}:{raw.count(chr(10), 0, found) + 1}"
            yield where, line.rstrip("\n")


def python_read_lines(path: Path) -> Iterator[tuple[str, str]]:
    """Each line of the comments and string literals of a Python file.

    An f-string's replacement fields are code (``{type(seed).__name__}``), left out.
    """
    with path.open("rb") as source:
        for token in tokenize.tokenize(source.readline):
            if token.type in _READ:
                text = token.string
                if token.type == tokenize.STRING and "f" in _QUOTED.sub("", text).lower():
                    text = _FIELD.sub("{}", text)
                for offset, line in enumerate(text.splitlines()):
                    yield f"{_relative(path)}:{token.start[0] + offset}", line


SOURCES = ["docs pages", "docs build code", "README", "notebooks", "examples", *PACKAGES]


def lines_of(source: str) -> Iterator[tuple[str, str]]:
    """The lines users and contributors read in one of SOURCES, as ("file:line", text)."""
    if source == "docs pages":
        for page in sorted((ROOT / "docs").rglob("*.md")):
            yield from whole_lines(page)
    elif source == "README":
        yield from whole_lines(ROOT / "README.md")
    elif source == "notebooks":
        for path in sorted((ROOT / "examples").glob("*.ipynb")):
            yield from notebook_lines(path)
    elif source == "examples":
        for path in sorted((ROOT / "examples").glob("*.py")):
            yield from whole_lines(path)
    else:  # Python: the packages, and the site's build code (docs/hooks, make_pictures.py)
        folder = ROOT / ("docs" if source == "docs build code" else source)
        for path in sorted(folder.rglob("*.py")):
            yield from python_read_lines(path)


@pytest.mark.parametrize("source", SOURCES)
def test_seed_means_a_random_seed_or_the_start_of_the_backward_pass(source: str) -> None:
    bad = [f"{where}: {line.strip()}" for where, line in lines_of(source) if offending(line)]
    assert not bad, (
        f'"seed" for the backpropagation algorithm\'s text in {len(bad)} line(s); write "the '
        'backpropagation algorithm" or name its equation ("equation (4), the recursion"), '
        "see docs/algorithm.md:\n" + "\n".join(bad)
    )


@pytest.mark.parametrize(
    "line",
    [
        "model = nn.MLP(2, [16, 16, 1], seed=1337)",
        "``seed`` is an int (the same weights on every machine)",
        "    seed: the random seed of the mini-batches.",
        '"seed must be None or an int, got "',
        "Toy data sets, generated here with a seed.",
        "MLP(2, [16, 16, 1]) weights from one seed.",
        "Two runs with the same seed give the same losses.",
        "the seed of the backward pass: dL/dL = 1",
        "- `y` has `grad 1.0000`: the seed, `dy/dy = 1`.",
        "``seed`` is the start of the backward pass, d(root)/d(root)",
        'print("  dy/dy = 1 (the seed)")',
        "The backpropagation algorithm, equation (4), the recursion.",
    ],
)
def test_a_random_seed_and_the_start_of_the_backward_pass_are_allowed(line: str) -> None:
    assert not offending(line)


@pytest.mark.parametrize(
    "line",
    [
        "The seed's backpropagation, layer by layer on plain floats.",
        "Layers are numbered as the seed numbers them.",
        "the moons step is the seed's recursion written plainly",
        "Read it against the seed:",
        "The seed writes backpropagation twice.",
        "Return the seed's name for each parameter: its seed name, else its label.",
        "names = seed_names(structure)  # and a seed for the data, seed=1",
    ],
)
def test_the_seed_as_the_algorithms_text_is_not(line: str) -> None:
    assert offending(line)
