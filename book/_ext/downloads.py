"""Sphinx extension: each chapter page offers its executed notebook, source and results.

For every page ``book/_generated/<chapter>`` this copies, when the build finishes,
``book/_generated/<chapter>.ipynb`` (the executed notebook), ``notebooks/<chapter>.md``
(its Jupytext source) and ``results/<chapter>.json`` (its claims and key values) to
``_build/html/downloads/<chapter>/``, and puts one line of links under the page title.
Files that do not exist (a chapter rendered without its results) are not linked.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path

PREFIX = "book/_generated/"


def _files(root: Path, chapter: str) -> list[tuple[str, Path]]:
    cands = [
        ("executed notebook (.ipynb)", root / "book" / "_generated" / f"{chapter}.ipynb"),
        ("Jupytext source (.md)", root / "notebooks" / f"{chapter}.md"),
        ("results (.json)", root / "results" / f"{chapter}.json"),
    ]
    return [(label, p) for label, p in cands if p.is_file()]


def _links(app, pagename, templatename, context, doctree):
    if not pagename.startswith(PREFIX) or "body" not in context:
        return
    chapter = pagename[len(PREFIX) :]
    root = Path(app.srcdir)
    links = [
        f'<a href="../../downloads/{chapter}/{p.name}" download>{html.escape(label)}</a>'
        for label, p in _files(root, chapter)
    ]
    if not links:
        return
    bar = f'<p class="lidlib-downloads" style="font-size:90%">Download: {" · ".join(links)}</p>'
    body = context["body"]
    end = body.find("</h1>")
    context["body"] = body[: end + 5] + bar + body[end + 5 :] if end >= 0 else bar + body


def _copy(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    root = Path(app.srcdir)
    for nb in sorted((root / "book" / "_generated").glob("*.ipynb")):
        out = Path(app.outdir) / "downloads" / nb.stem
        out.mkdir(parents=True, exist_ok=True)
        for _, p in _files(root, nb.stem):
            shutil.copyfile(p, out / p.name)


def setup(app):
    app.connect("html-page-context", _links)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
