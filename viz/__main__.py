"""``python -m viz``: the command line (see :mod:`viz.cli`)."""

from viz.cli import main

raise SystemExit(main())
