"""The command line: ``python -m viz graph "tanh(x*w + b)" x=2 w=-3 b=6.88 -o graph.svg``.

``main`` is the entry point (``python -m viz`` calls it); ``run`` is the installed
command ``chainrule``, the same under its own name. It builds the expression's graph with
``viz.cli.expression.parse`` (parsed, never evaluated), runs ``backward()`` so every node
shows its gradient, and then writes a picture (``-o``), the backward-pass explorer
(``--explorer``), or, with neither, prints the DOT text. Every error is one line,
``viz: error: ...`` (``chainrule: error: ...`` from the command), with exit status 2 for
bad usage (the expression, a variable, an option) and 1 when the work itself fails
(Graphviz missing, a file that cannot be written).
"""

import argparse
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import engine
from engine import Value
from viz.cli.expression import FUNCTIONS, ExpressionError, parse, parse_variable
from viz.drawing.graph import RANKDIRS, draw_dot
from viz.drawing.options import QUOTE_LENGTH, check_font_size, check_number_format
from viz.drawing.output import FORMATS, GraphvizError, render
from viz.drawing.style import THEMES
from viz.drawing.text import shorten

T = TypeVar("T")

PROG = "python -m viz"
"""How ``python -m viz`` names itself in usage and help; its messages start ``viz:``."""
COMMAND = "chainrule"
"""The installed command (``[project.scripts]``); its messages start ``chainrule:``."""
USAGE_ERROR = 2
"""The exit status for a bad expression, variable or option."""
RUNTIME_ERROR = 1
"""The exit status when the work fails: Graphviz missing, a file that cannot be written."""
PAGES = (".html", ".htm")
"""The extensions ``--explorer`` accepts: the explorer is one HTML page."""


def _examples(prog: str) -> str:
    """The help's closing text: examples, then what an expression may hold."""
    optional = _and(f"{n}(x, {f.parameter})" for n, f in FUNCTIONS.items() if f.parameter)
    lists = _and(f"{n}(a, b, ...)" for n, f in FUNCTIONS.items() if f.nary)
    return f"""\
examples:
  {prog} graph "tanh(x*w + b)" x=2 w=-3 b=6.88 -o graph.svg
  {prog} graph "tanh(x*w + b)" x=2 w=-3 b=6.88 --explorer page.html
  {prog} graph "tanh(x*w + b)" x=2 w=-3 b=6.88 --explorer page.html --code
  {prog} graph "x*x + sin(x)" x=0.5 -o slide.png --theme dark --font-size 16
  {prog} graph "leaky_relu(a*b - 1, 0.1)" a=2 b=0.3 --rankdir TB -o g.pdf
  {prog} graph "logsumexp(a, b, c)" a=1 b=2 c=3 | dot -Tsvg > g.svg

expressions:
  numbers, the variables given as NAME=VALUE (each one leaf, used as often as it
  appears), + - * / ** and unary - +, parentheses, and the functions
  {", ".join(FUNCTIONS)}
  ({optional} take an optional number;
  {lists} take any number of arguments).
  The expression is parsed, never run as Python. An expression that starts with
  '-' goes after --, or gets a space or parentheses first: " -x*y" or "(-x)*y".

Without -o or --explorer the DOT text goes to stdout. backward() runs first, so
every node shows its gradient. Exit status: 0 done, 1 failed, 2 bad usage."""


def _and(items: Iterable[str]) -> str:
    """Return ``a, b and c``."""
    *rest, last = items
    return f"{', '.join(rest)} and {last}" if rest else last


class _UsageError(Exception):
    """A command line argparse refused; the message is argparse's."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors become one line, printed by ``main``."""

    def error(self, message: str) -> NoReturn:
        """Raise the error instead of printing the usage and exiting."""
        raise _UsageError(message)


def _parsers(prog: str) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """Return the parser of the command ``prog`` and that of its ``graph`` command."""
    parser = _Parser(
        prog=prog,
        description="Draw the computation graph of an expression of the engine's Values.",
        epilog=_examples(prog),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    graph = commands.add_parser(
        "graph",
        help="draw the graph of an expression (graph --help tells more)",
        usage=f"{prog} graph EXPR [NAME=VALUE ...] [-o OUT] [--explorer PAGE.html] [options]",
        description="Build an expression's graph, run backward(), and draw it.",
        epilog=_examples(prog),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # Both positionals are optional to argparse, so that options may come anywhere and
    # "--" may come before an expression that starts with "-"; _parse_arguments checks.
    graph.add_argument(
        "expression", nargs="?", metavar="EXPR", help='the expression, e.g. "tanh(x*w + b)"'
    )
    graph.add_argument(
        "variables", nargs="*", metavar="NAME=VALUE", help="the value of each variable, e.g. x=2"
    )
    graph.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        type=_output_path,
        help=f"write the picture here; the extension picks the format ({', '.join(FORMATS)})",
    )
    graph.add_argument(
        "--explorer",
        metavar="PAGE.html",
        type=_page_path,
        help="write the backward-pass explorer page here (.html or .htm)",
    )
    graph.add_argument(
        "--code",
        action="store_true",
        help="with --explorer: show the pass as the Python engine.compile writes, beside the graph",
    )
    graph.add_argument(
        "--rankdir", choices=RANKDIRS, default="LR", help="layout direction (default: LR)"
    )
    graph.add_argument(
        "--theme", choices=list(THEMES), default="light", help="colours (default: light)"
    )
    graph.add_argument("--no-grad", action="store_true", help="leave the gradients out")
    graph.add_argument(
        "--format",
        metavar="SPEC",
        type=_option(check_number_format),
        default=".4f",
        help="how numbers show, a float format spec (default: .4f)",
    )
    graph.add_argument(
        "--font-size",
        metavar="N",
        type=_option(check_font_size, float),
        default=12.0,
        help="label size in points (default: 12)",
    )
    return parser, graph


def main(argv: Sequence[str] | None = None, *, prog: str = PROG) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); return the exit status.

    0 when done, 1 when the work failed, 2 for bad usage. Errors are one line on
    stderr, ``viz: error: ...``, never a traceback. ``prog`` is the command's name in
    the usage and help; its last word starts every message (``viz``, or ``chainrule``
    for the installed command).
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    program = prog.split()[-1]
    try:
        args = _parse_arguments(arguments, prog)
    except _UsageError as e:
        return _error(program, _usage_message(str(e), arguments, prog), USAGE_ERROR)
    except SystemExit as e:  # --help and --version exit through argparse
        return e.code if isinstance(e.code, int) else 0
    try:
        return _graph(args, program)
    except KeyboardInterrupt:
        return _error(program, "interrupted", 130)


def run() -> NoReturn:
    """The installed command ``chainrule``: run ``main`` and exit with its status."""
    raise SystemExit(main(prog=COMMAND))


def _parse_arguments(arguments: list[str], prog: str) -> argparse.Namespace:
    """Parse the command line; ``graph``'s options may come before or after the variables."""
    parser, graph = _parsers(prog)
    if arguments[:1] != ["graph"]:
        return parser.parse_args(arguments)  # --help, or an error: no or an unknown command
    rest = arguments[1:]
    after: list[str] = []
    if "--" in rest:  # parse_intermixed_args would take an "-x" after "--" for an option
        rest, after = rest[: rest.index("--")], rest[rest.index("--") + 1 :]
    args = graph.parse_intermixed_args(rest)
    positionals = [*([args.expression] if args.expression is not None else []), *args.variables]
    positionals += after
    if not positionals:
        graph.error("the following arguments are required: EXPR")
    args.expression, args.variables = positionals[0], positionals[1:]
    args.command = "graph"
    if args.code and not args.explorer:
        graph.error("--code needs --explorer PAGE.html: the code shows in the explorer page")
    if args.output and args.explorer and args.output.resolve() == args.explorer.resolve():
        graph.error(
            f"-o and --explorer name the same file, {str(args.output)!r}: "
            "the picture and the page each need a file of their own"
        )
    return args


def _usage_message(message: str, arguments: list[str], prog: str) -> str:
    """Argparse's complaint, made clearer for the usual slips, with where to read more."""
    unrecognized = "unrecognized arguments: "
    if message.startswith(unrecognized):  # argparse lists them all, as typed
        message = unrecognized + shorten(message.removeprefix(unrecognized), QUOTE_LENGTH)
    if arguments[:1] != ["graph"]:
        return f"{message} (see {prog} --help)"
    if message.startswith("the following arguments are required: EXPR"):
        message = f'the expression is missing, as in: {prog} graph "x*w + b" x=2 w=3 b=1'
    elif message.startswith("unrecognized arguments: -"):
        message += (
            "; an expression that starts with '-' goes after --,"
            ' or gets a space or parentheses first: " -x*y" or "(-x)*y"'
        )
    return f"{message} (see {prog} graph --help)"


def _graph(args: argparse.Namespace, program: str) -> int:
    """Run ``graph``: build, backward, then write what was asked for."""
    try:
        variables: dict[str, float] = {}
        for item in args.variables:
            name, value = parse_variable(item)
            if name in variables:
                raise ExpressionError(f"the variable {name!r} is given twice")
            variables[name] = value
        root = parse(args.expression, variables)
    except ExpressionError as e:
        return _error(program, str(e), USAGE_ERROR)
    root.backward()
    options: dict[str, Any] = {
        "rankdir": args.rankdir,
        "theme": args.theme,
        "font_size": args.font_size,
        "number_format": args.format,
    }
    if not args.output and not args.explorer:
        try:
            source = draw_dot(root, show_grad=not args.no_grad, **options).source
        except ValueError as e:
            return _error(program, str(e), USAGE_ERROR)
        if not _print_stdout(source):
            return RUNTIME_ERROR
        print(f"{program}: wrote the DOT text of {_size(root)} to stdout", file=sys.stderr)
        return 0
    written: list[str] = []
    target = ""
    try:
        if args.output:
            target = str(args.output)
            render(root, args.output, show_grad=not args.no_grad, **options)
            written.append(target)
        if args.explorer:
            try:
                from viz.explorer import explorer  # imported here: only this option needs it
            except ImportError as e:
                return _error(
                    program, f"the explorer is not available: {e}", RUNTIME_ERROR, written
                )
            target = str(args.explorer)
            explorer(root, args.explorer, code=args.code, **options)
            written.append(f"{target} (the backward-pass explorer)")
    except GraphvizError as e:  # dot missing, or failed: the message says which, on one line
        return _error(program, " ".join(str(e).split()), RUNTIME_ERROR, written)
    except ValueError as e:
        return _error(program, str(e), USAGE_ERROR, written)
    except OSError as e:
        message = f"cannot write {target!r}: {e.strerror}" if e.strerror else str(e)
        return _error(program, message, RUNTIME_ERROR, written)
    print(f"{program}: wrote {' and '.join(written)}: {_size(root)}")
    return 0


def _size(root: Value) -> str:
    nodes = engine.topological_order(root)
    operations = sum(1 for node in nodes if node.parents)
    return f"{_count(len(nodes), 'value')}, {_count(operations, 'operation')}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _print_stdout(text: str) -> bool:
    """Write ``text`` to stdout; False (quietly) when the reader went away, as ``| head`` does."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would complain again when it flushes stdout at exit; point it at nothing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return False
    return True


def _error(program: str, message: str, status: int, written: Sequence[str] = ()) -> int:
    """Print ``{program}: error: message`` as one line on stderr and return ``status``.

    In a usage error each quoted text (what was typed) is shortened to ``QUOTE_LENGTH``.
    """
    line = " ".join(message.split())
    if status == USAGE_ERROR:
        line = _clip_quotes(line)
    if written:
        line += f" (already written: {', '.join(written)})"
    print(f"{program}: error: {line}", file=sys.stderr)
    return status


# -- option types: each checks its value, so a bad one is a usage error naming it ---------


def _output_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in FORMATS:
        formats = ", ".join(FORMATS)
        raise argparse.ArgumentTypeError(
            f"the file name {text!r} must end in one of {formats} (the extension picks the format)"
        )
    return path


def _page_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in PAGES:
        raise argparse.ArgumentTypeError(
            f"the file name {text!r} must end in {' or '.join(PAGES)}: the explorer is an HTML page"
        )
    return path


def _option(
    check: Callable[[object], T], read: Callable[[str], object] = str
) -> Callable[[str], T]:
    """The argparse type of an option: the text ``read``, then checked as Python's API checks it."""

    def option(text: str) -> T:
        try:
            value = read(text)
        except ValueError:
            value = text  # the check refuses it in its own words, not read's "could not convert"
        try:
            return check(value)
        except ValueError as e:
            raise argparse.ArgumentTypeError(f"{e}, got {text!r}") from None

    return option


# Python's repr of a str, standing alone (an apostrophe in "dot's" neither opens nor closes one).
_QUOTED = re.compile(r"""(?<!\w)(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")(?!\w)""")


def _clip_quotes(message: str) -> str:
    """``message`` with every quoted text shortened to ``QUOTE_LENGTH`` characters."""

    def clip(quoted: re.Match[str]) -> str:
        text = quoted[0]
        return text[0] + shorten(text[1:-1], QUOTE_LENGTH) + text[0]

    return _QUOTED.sub(clip, message)
