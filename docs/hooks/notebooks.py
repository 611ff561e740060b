"""The notebooks of ``examples/`` as pages of the site, at ``examples/*.html``, loading nothing.

The notebooks stay where the README and the tests expect them, in ``examples/``, with no
copy or link in ``docs/``: this hook hands them to MkDocs as files of the site's
``examples/`` folder, and ``mkdocs-jupyter`` executes and converts them. It runs each one
from a copy in a temporary folder, as the notebooks write pictures and pages beside
themselves, which must not land in the working tree. nbconvert's page
template also loads MathJax and Mermaid from a CDN, whether a notebook has math or diagrams
or not; the site is to load nothing from outside, so those scripts are taken out of the
converted page.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
FOLDER = "examples"

# nbconvert's MathJax block: the CDN script, then its configuration, up to its end comment.
_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
# Mermaid's loader: a module script that imports from a URL.
_REMOTE_MODULE = re.compile(
    r"<script type=\"module\">(?:(?!</script>).)*?https?://.*?</script>", re.S
)


_COPIES: list[Path] = []  # the temporary folders of this run, removed when the build ends


@event_priority(100)  # before mkdocs-jupyter's on_files, which must see these files
def on_files(files: Files, config: MkDocsConfig) -> Files:
    """MkDocs hook: add each ``examples/*.ipynb`` to the site, at the same path."""
    copies = Path(tempfile.mkdtemp(prefix="chainrule-notebooks-"))
    _COPIES.append(copies)
    for path in sorted((ROOT / FOLDER).glob("*.ipynb")):
        (copies / FOLDER).mkdir(exist_ok=True)
        shutil.copy2(path, copies / FOLDER / path.name)
        # A real file with its own source folder, not File.generated: mkdocs-jupyter wraps
        # each notebook's File and reads its path from src_dir.
        files.append(
            File(
                f"{FOLDER}/{path.name}",
                src_dir=str(copies),
                dest_dir=config.site_dir,
                use_directory_urls=config.use_directory_urls,
            )
        )
    return files


def without_remote_scripts(html: str) -> str:
    """``html`` without nbconvert's MathJax and Mermaid scripts, which load from a CDN."""
    return _REMOTE_MODULE.sub("", _MATHJAX.sub("", html))


def on_page_content(html: str, page: Any, config: MkDocsConfig, files: Files) -> str:
    """MkDocs hook: take the CDN scripts out of a notebook's page."""
    if page.file.src_uri.startswith(f"{FOLDER}/"):
        return without_remote_scripts(html)
    return html


def on_post_build(config: MkDocsConfig) -> None:
    """MkDocs hook: remove the notebooks' temporary copies and what they wrote."""
    while _COPIES:
        shutil.rmtree(_COPIES.pop(), ignore_errors=True)
