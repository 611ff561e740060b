"""The command line: ``python -m viz graph "tanh(x*w + b)" x=2 w=-3 b=6.88 -o graph.svg``."""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from viz.expression import FUNCTIONS, ExpressionError, parse, parse_variable
from viz.graph import RANKDIRS, draw_dot
from viz.output import FORMATS, GraphvizNotFoundError, render
from viz.style import THEMES

EXAMPLES = f"""examples:
  python -m viz graph "tanh(x*w + b)" x=2 w=-3 b=6.88 -o graph.svg
  python -m viz graph "tanh(x*w + b)" x=2 w=-3 b=6.88 --explorer page.html
  python -m viz graph "x*x + sin(x)" x=0.5 -o slide.png --theme dark --font-size 16
  python -m viz graph "relu(a*b - 1)" a=2 b=3          (prints the DOT text)

functions: {", ".join(FUNCTIONS)}
operators: + - * / ** and unary -, with parentheses
The expression is parsed, never run as Python. The result's backward() runs first,
so every node shows its gradient."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m viz",
        description="Draw computation graphs of the engine's Values.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    graph = commands.add_parser(
        "graph",
        help="draw the graph of an expression",
        description="Build an expression's graph, run backward(), and draw it.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    graph.add_argument("expression", help='the expression, e.g. "tanh(x*w + b)"')
    graph.add_argument("variables", nargs="*", metavar="NAME=VALUE", help="the inputs' values")
    graph.add_argument("-o", "--output", help=f"write the picture here ({', '.join(FORMATS)})")
    graph.add_argument("--explorer", metavar="PAGE.html", help="write the backward-pass explorer")
    graph.add_argument("--rankdir", choices=RANKDIRS, default="LR", help="layout direction")
    graph.add_argument("--theme", choices=list(THEMES), default="light")
    graph.add_argument("--font-size", type=float, default=12.0, help="label size in points")
    graph.add_argument("--format", default=".4f", help="number format, e.g. .4f or .3g")
    graph.add_argument("--no-grad", action="store_true", help="leave the gradients out")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 done, 1 failed, 2 bad usage)."""
    args = _parser().parse_args(argv)
    try:
        variables: dict[str, float] = {}
        for item in args.variables:
            name, value = parse_variable(item)
            if name in variables:
                raise ExpressionError(f"the variable {name} is given twice")
            variables[name] = value
        root = parse(args.expression, variables)
    except ExpressionError as e:
        return _error(str(e), 2)
    if args.output and Path(args.output).suffix.lower() not in FORMATS:
        return _error(f"the output {args.output!r} must end in {', '.join(FORMATS)}", 2)
    root.backward()
    options = {
        "rankdir": args.rankdir,
        "theme": args.theme,
        "font_size": args.font_size,
        "number_format": args.format,
        "show_grad": not args.no_grad,
    }
    try:
        dot = draw_dot(root, **options)  # checks the options before anything is written
        if not args.output and not args.explorer:
            print(dot.source, end="")
            return 0
        if args.output:
            print(f"wrote {render(root, args.output, **options)}", file=sys.stderr)
        if args.explorer:
            from viz.explorer import explorer

            page_options = {k: v for k, v in options.items() if k != "show_grad"}
            print(f"wrote {explorer(root, args.explorer, **page_options)}", file=sys.stderr)
    except ValueError as e:
        return _error(str(e), 2)
    except (GraphvizNotFoundError, OSError) as e:
        return _error(str(e), 1)
    return 0


def _error(message: str, status: int) -> int:
    print(f"viz: error: {message}", file=sys.stderr)
    return status
