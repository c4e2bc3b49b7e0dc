"""Sphinx extension: drop repeated inline scripts from each page.

With jupyter-book 1.x, sphinx-thebe registers its inline configuration script twice
(``const THEBE_JS_URL = ...``), and a repeated ``const`` declaration is a JavaScript
error on every page (found by ``.ci/browser_check.py``).  This keeps the first copy
of every script with the same file name (inline scripts: the same body) and attributes.

The book has no live-code (thebe) button, so sphinx-thebe's scripts are dropped too:
its inline configuration names a script on unpkg.com, and no page of the site refers to
another host.
"""

from __future__ import annotations


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for js in scripts:
        attrs = getattr(js, "attributes", {}) or {}
        name = getattr(js, "filename", js) or ""  # inline scripts come as None or ""
        body = str(attrs.get("body", ""))
        if "thebe" in str(name).lower() or "THEBE" in body:
            continue
        key = (str(name), tuple(sorted((k, str(v)) for k, v in attrs.items())))
        if key in seen:
            continue
        seen.add(key)
        kept.append(js)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
