"""The backward-pass explorer: one self-contained HTML page that steps through the chain rule.

``make`` writes the page (``viz.explorer``, ``ExplorerPage``); ``steps`` says what each
step shows, from the engine's own pass; ``page`` and ``code_view`` lay it out, with the
styles and scripts in ``assets/``.
"""

from viz.explorer.make import ExplorerPage, explorer

__all__ = ["ExplorerPage", "explorer"]
