"""``python -m viz``: the command line (see ``viz.cli``)."""

from viz.cli import main

raise SystemExit(main())
