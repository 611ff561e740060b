"""The playground's browser tests share the explorer's headless Chromium fixture."""

from tests.viz.conftest import browser

__all__ = ["browser"]
