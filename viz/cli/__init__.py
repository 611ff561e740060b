"""The command line: ``python -m viz`` and the installed ``chainrule`` command.

``commands`` parses the arguments and draws; ``expression`` reads the formula a user
types (``"tanh(x*w + b)"``) into Values, against a whitelist, never as Python.
"""

from viz.cli.commands import main, run

__all__ = ["main", "run"]
