"""Sphinx extension: the ``{paper}`` and ``{set}`` roles for numbers typed in the prose.

Every *measured* number in a chapter's text is glued from the computation
(``{glue:md}`name```); ``tests/test_prose_numbers.py`` fails on any other number that
looks measured. Two kinds of typed number are legitimate, and each is marked so a reader
can see which is which:

- ``{paper}`0.35``` -- a number quoted from the papers. It renders with a small
  "paper" tag, so it is never mistaken for our own result.
- ``{set}`0.05``` -- a setting or threshold the book chose before running (a tolerance,
  a window, a quantile level). It renders as plain text with a dotted underline and a
  tooltip.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes

_STATIC = Path(__file__).parent / "static"


def _role(cls: str, title: str):
    def role(name, rawtext, text, lineno, inliner, options=None, content=None):
        node = nodes.inline(rawtext, text, classes=[cls])
        node["title"] = title
        return [node], []

    return role


def _add_static(app):
    app.config.html_static_path.append(str(_STATIC))


def setup(app):
    app.add_role("paper", _role("paper-number", "number quoted from the papers"))
    app.add_role("set", _role("setting-number", "a setting chosen by this book before running"))
    app.connect("builder-inited", _add_static)
    app.add_css_file("claim_roles.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
