"""The notebooks of ``examples/`` as pages of the site, at ``examples/*.html``, loading nothing.

The notebooks stay where the README and the tests expect them, in ``examples/``, with no
copy or link in ``docs/``: this hook hands them to MkDocs as files of the site's
``examples/`` folder, and ``mkdocs-jupyter`` executes and converts them. It runs each one
from a copy in a temporary folder, as the notebooks write pictures and pages beside
themselves, which must not land in the working tree. nbconvert's page
template also loads MathJax and Mermaid from a CDN, whether a notebook has math or diagrams
or not; the site is to load nothing from outside, so those scripts are taken out of the
converted page (the notebooks' TeX is written as MathML by ``docs/hooks/mathml.py``).

A notebook links to the course's pages as they lie in the repository, from ``examples/``:
``[the algorithm](../docs/algorithm.md)``, a link that works in Jupyter and on GitHub. On
the site those pages are ``../algorithm.html``, so this hook writes each such link as the
site's, and warns (an error in ``--strict``) when it leads to no page.
"""

from __future__ import annotations

import logging
import posixpath
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


# A link in a page with a relative address: the path, then the anchor if any.
_RELATIVE_LINK = re.compile(r'(<a\b[^>]*?\bhref=")([^"#:?]+)((?:#[^"]*)?")', re.I)

log = logging.getLogger(f"mkdocs.hooks.{Path(__file__).stem}")  # MkDocs counts its warnings

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


def with_site_links(html: str, page: Any, files: Files) -> str:
    """``html`` of a notebook's page with its links to pages of the site as the site's.

    A link is read as the notebook's source writes it, relative to ``examples/`` in the
    repository: ``../docs/algorithm.md`` is the page ``algorithm.md`` of the site, and
    ``02_error_signal.ipynb`` the notebook beside it. Other links stay as they are.
    """
    here = posixpath.dirname(page.file.src_uri)  # examples, in the repository and the site

    def site_link(match: re.Match[str]) -> str:
        href = match.group(2)
        target = posixpath.normpath(posixpath.join(here, href))
        if target.startswith("docs/"):
            source = target.removeprefix("docs/")
        elif target.startswith(f"{FOLDER}/") and target.endswith(".ipynb"):
            source = target
        else:
            return match.group(0)
        file = files.get_file_from_path(source)
        if file is None:
            log.warning(f"{page.file.src_uri}: the link {href!r} leads to no page of the site")
            return match.group(0)
        return f"{match.group(1)}{file.url_relative_to(page.file)}{match.group(3)}"

    return _RELATIVE_LINK.sub(site_link, html)


def on_page_content(html: str, page: Any, config: MkDocsConfig, files: Files) -> str:
    """MkDocs hook: a notebook's page without CDN scripts, and with the site's links."""
    if page.file.src_uri.startswith(f"{FOLDER}/"):
        return with_site_links(without_remote_scripts(html), page, files)
    return html


def on_post_build(config: MkDocsConfig) -> None:
    """MkDocs hook: remove the notebooks' temporary copies and what they wrote."""
    while _COPIES:
        shutil.rmtree(_COPIES.pop(), ignore_errors=True)
