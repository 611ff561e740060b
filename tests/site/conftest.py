"""The course site, built once for all its tests, and served on 127.0.0.1.

``./scripts/test`` builds the site anyway (with warnings as errors) and passes its folder
in ``CHAINRULE_SITE``; run alone, the tests build it themselves, once for all xdist
workers (the first one builds under a lock, the others wait and reuse it).
"""

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.viz.conftest import browser

__all__ = ["browser", "built_site", "served_site"]

ROOT = Path(__file__).resolve().parents[2]


def _build(folder: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"]
    subprocess.run([*command, "--site-dir", str(folder)], cwd=ROOT, env=env, check=True)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the built site."""
    given = os.environ.get("CHAINRULE_SITE")
    if given:
        return Path(given)
    pytest.importorskip("mkdocs")
    if "PYTEST_XDIST_WORKER" not in os.environ:  # one process: no one to share with
        folder = tmp_path_factory.mktemp("site")
        _build(folder)
        return folder
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent  # the same for every worker of a run
    folder = shared / "site"
    with FileLock(str(shared / "site.lock")):
        if not (folder / "index.html").exists():
            _build(folder)
    return folder


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def served_site(built_site: Path) -> Iterator[str]:
    """The built site on a local server: its address, ending in '/'."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(built_site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
