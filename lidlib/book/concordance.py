"""The concordance: every numbered item of both papers -> chapter -> code -> tests -> claims.

``book/concordance.yml`` is written by hand, one entry per numbered item of the two
papers (equations, propositions, corollaries, definitions, assumptions, figures and
appendix sections), in paper order. Each entry says where the book treats the item,
which ``lidlib`` functions compute it, which tests check those functions and which
claim ids the chapters record for it, or why the item is not covered.

:func:`validate` checks the file against the tree (chapters, section headings,
importable functions, test functions, claim ids of the result files that exist);
:func:`markdown` renders the tables that ``book/concordance.md`` includes, and
:func:`write` does both for the book pipeline, refusing to write a page from a stale
file.

Entry fields
------------
``paper``
    ``main`` (Learning Shrinks the Hard Tail) or ``predecessor`` (A Simple Model of
    Inference Scaling Laws).
``item``
    The paper's label, abbreviated: ``Eq. 15``, ``Prop. 4.2``, ``Fig. 1 (left)``,
    ``App. B.4``, ``Def. 3.1``, ``Ass. C.1``, ``Cor. 1``.
``what``
    A few words on what the item is, in our own words.
``chapter``, ``section``
    Notebook stem and the exact text of one of its Markdown headings (without the
    leading ``#``), or null.
``functions``
    Dotted names of ``lidlib`` callables (``lidlib.tails.bias_free_constant``).
``tests``
    Pytest node ids (``tests/test_tails.py::test_hill_on_exact_power_law``).
``claims``
    Claim ids of the entry's chapter; a claim of another chapter is written
    ``chapter:claim-id``. An id may end in ``*`` for a family of ids that carry a
    parameter (``tau-tail-index-beta*``), which also keeps ids that depend on the
    profile (``bn-variance-N*``) valid at both profiles.
``status``
    ``covered``, ``partly`` or ``not covered``.
``reason``
    Required unless ``covered``: what is missing and why.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: The two papers, in the order the page shows them.
PAPERS = {
    "main": "Learning Shrinks the Hard Tail (main paper)",
    "predecessor": "A Simple Model of Inference Scaling Laws (predecessor)",
}
STATUSES = ("covered", "partly", "not covered")
FIELDS = ("paper", "item", "what", "chapter", "section", "functions", "tests", "claims", "status", "reason")
REQUIRED = ("paper", "item", "what", "status")
#: Where the hand-written file lives, relative to the book's root.
SOURCE = Path("book") / "concordance.yml"
#: Where :func:`write` puts the generated tables, relative to the book's root.
TARGET = Path("book") / "_generated" / "concordance.md"

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


class ConcordanceError(RuntimeError):
    """``book/concordance.yml`` does not match the tree; the message lists every problem."""


def load(path: Path | str) -> list[dict[str, Any]]:
    """Read the concordance file.

    Parameters
    ----------
    path : Path or str
        A YAML file holding a list of entries (see the module docstring), or a
        mapping with the list under ``items``.

    Returns
    -------
    list of dict
        The entries in file order, with list fields defaulted to ``[]`` and
        ``section``/``chapter``/``reason`` to ``None``.
    """
    import yaml

    data = yaml.safe_load(Path(path).read_text())
    if isinstance(data, dict):
        data = data.get("items")
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of entries (or a mapping with 'items')")
    out = []
    for e in data:
        if not isinstance(e, dict):
            raise ValueError(f"{path}: every entry must be a mapping, got {e!r}")
        e = dict(e)
        for key in ("functions", "tests", "claims"):
            v = e.get(key)
            e[key] = [] if v is None else ([v] if isinstance(v, str) else list(v))
        for key in ("chapter", "section", "reason"):
            e.setdefault(key, None)
        out.append(e)
    return out


def headings(notebook: Path | str) -> list[str]:
    """The Markdown headings of a Jupytext MyST notebook, outside code fences.

    Parameters
    ----------
    notebook : Path or str
        ``notebooks/<chapter>.md``.

    Returns
    -------
    list of str
        Heading texts without the leading ``#`` characters, in file order.
    """
    out, fenced = [], False
    lines = Path(notebook).read_text().splitlines()
    if lines and lines[0].strip() == "---":  # the Jupytext header
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
        lines = lines[end + 1 :]
    for line in lines:
        if _FENCE.match(line):
            fenced = not fenced
            continue
        m = None if fenced else _HEADING.match(line)
        if m:
            out.append(m.group(2))
    return out


def _resolve(name: str) -> str | None:
    """None if the dotted ``name`` imports, else the reason it does not."""
    if not name.startswith("lidlib"):
        return "not a lidlib name"
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            if not hasattr(obj, attr):
                return f"{'.'.join(parts[:i])} has no attribute {attr!r}"
            obj = getattr(obj, attr)
        return None if i < len(parts) or callable(obj) or hasattr(obj, "__path__") else "not callable"
    return "does not import"


def _test_names(path: Path) -> set[str]:
    """Test node names defined in a test file: ``test_x`` and ``TestClass::test_x``."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names.add(f"{node.name}::{sub.name}")
    return names


def _claim_ref(entry: dict[str, Any], claim: str) -> tuple[str | None, str]:
    """(chapter, id) of a claim written ``id`` (the entry's chapter) or ``chapter:id``."""
    if ":" in claim:
        ch, cid = claim.split(":", 1)
        return ch, cid
    return entry.get("chapter"), claim


def _matching(cid: str, known: Iterable[str]) -> list[str]:
    """The known ids that ``cid`` names (itself, or every match of a trailing-``*`` pattern)."""
    if cid.endswith("*"):
        return sorted(k for k in known if fnmatch.fnmatchcase(k, cid))
    return [cid] if cid in known else []


def _label(e: dict[str, Any]) -> str:
    return f"{e.get('paper')} {e.get('item')!s}"


def load_results(root: Path) -> dict[str, dict[str, Any]]:
    """The result files of ``root/results`` by chapter (empty if there are none)."""
    from lidlib.book import claims

    d = Path(root) / "results"
    return claims.load_results(d) if d.is_dir() else {}


def validate(
    entries: Iterable[dict[str, Any]], root: Path | str, results: dict[str, dict[str, Any]] | None = None
) -> list[str]:
    """Check the concordance against the tree.

    Parameters
    ----------
    entries : iterable of dict
        Output of :func:`load`.
    root : Path or str
        The book's root (holding ``notebooks/``, ``tests/`` and ``_toc.yml``).
    results : dict, optional
        Chapter results as returned by :func:`lidlib.book.claims.load_results`; default:
        whatever ``root/results/*.json`` holds. Claim ids are checked only against
        chapters that have a results file, since ids are renamed as chapters evolve.

    Returns
    -------
    list of str
        One line per problem, naming the item and what is wrong; empty if none.
        Checked: required fields and known values, duplicate items, unknown chapters
        (no notebook, or not in ``_toc.yml``), section headings absent from the
        notebook, functions that do not import, test nodes whose file or function is
        missing, claim ids absent from their chapter's results file, and a missing
        reason for anything not fully covered.
    """
    root = Path(root)
    if results is None:
        results = load_results(root)
    toc: set[str] | None = None
    if (root / "_toc.yml").is_file():
        from lidlib.book.build import toc_chapters

        toc = set(toc_chapters(root))
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    heads: dict[str, list[str]] = {}
    tests: dict[str, set[str] | None] = {}
    imports: dict[str, str | None] = {}
    ids: dict[str, set[str]] = {ch: {c["id"] for c in r.get("claims", [])} for ch, r in results.items()}

    def chapter_problem(ch: str) -> str | None:
        if not (root / "notebooks" / f"{ch}.md").is_file():
            return f"unknown chapter {ch!r} (no notebooks/{ch}.md)"
        if toc is not None and ch not in toc:
            return f"chapter {ch!r} is not in _toc.yml, so it has no page"
        return None

    for e in entries:
        what = _label(e)
        for key in REQUIRED:
            if not e.get(key):
                problems.append(f"{what}: missing {key!r}")
        extra = sorted(set(e) - set(FIELDS))
        if extra:
            problems.append(f"{what}: unknown field(s) {', '.join(extra)}")
        if e.get("paper") not in PAPERS:
            problems.append(f"{what}: paper must be one of {', '.join(PAPERS)}, got {e.get('paper')!r}")
        item = (str(e.get("paper")), str(e.get("item")))
        if item in seen:
            problems.append(f"{what}: duplicate item")
        seen.add(item)
        status = e.get("status")
        if status not in STATUSES:
            problems.append(f"{what}: status must be one of {', '.join(STATUSES)}, got {status!r}")
        if status in ("partly", "not covered") and not (e.get("reason") or "").strip():
            problems.append(f"{what}: status {status!r} needs a reason")
        ch = e.get("chapter")
        if status in ("covered", "partly") and not ch:
            problems.append(f"{what}: status {status!r} needs a chapter")
        if ch:
            p = chapter_problem(ch)
            if p:
                problems.append(f"{what}: {p}")
            else:
                if ch not in heads:
                    heads[ch] = headings(root / "notebooks" / f"{ch}.md")
                sec = e.get("section")
                if sec and sec not in heads[ch]:
                    problems.append(f"{what}: section heading {sec!r} not found in notebooks/{ch}.md")
        elif e.get("section"):
            problems.append(f"{what}: a section without a chapter")
        for fn in e.get("functions") or []:
            if fn not in imports:
                imports[fn] = _resolve(fn)
            if imports[fn]:
                problems.append(f"{what}: function {fn!r}: {imports[fn]}")
        for node in e.get("tests") or []:
            file, _, name = node.partition("::")
            name = re.sub(r"\[.*\]$", "", name)
            if file not in tests:
                f = root / file
                tests[file] = _test_names(f) if f.is_file() else None
            names = tests[file]
            if names is None:
                problems.append(f"{what}: test file {file!r} does not exist")
            elif not name or name not in names:
                problems.append(f"{what}: test {node!r}: no test {name!r} in {file}")
        for claim in e.get("claims") or []:
            cch, cid = _claim_ref(e, claim)
            if not cch:
                problems.append(f"{what}: claim {claim!r} has no chapter")
                continue
            p = chapter_problem(cch)
            if p:
                problems.append(f"{what}: claim {claim!r}: {p}")
            elif cch in ids and not _matching(cid, ids[cch]):
                problems.append(
                    f"{what}: stale claim id {cid!r}: {'matches nothing' if '*' in cid else 'not'} "
                    f"in results/{cch}.json (rename it in {SOURCE.as_posix()} or drop it)"
                )
    return problems


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _code(name: str) -> str:
    """``name`` as inline code that may wrap after ``_``, ``.``, ``-`` and ``::``.

    A Markdown code span has no break opportunity, and long test names would make the
    tables wider than the page; raw ``<code>`` with ``<wbr>`` hints wraps and still
    copies as the plain name.
    """
    text = re.sub(r"(::|[_.\-])", r"\1<wbr>", name)
    text = text.replace("_", "\\_").replace("*", "\\*")
    return f'<code class="docutils literal notranslate">{text}</code>'


def _status_line(entries: list[dict[str, Any]]) -> str:
    n = {s: sum(e.get("status") == s for e in entries) for s in STATUSES}
    return (
        f"{len(entries)} items: **{n['covered']} covered**, {n['partly']} partly covered, "
        f"{n['not covered']} not covered."
    )


def markdown(
    entries: Iterable[dict[str, Any]], results: dict[str, dict[str, Any]] | None = None, doc_prefix: str = "_generated/"
) -> str:
    """The concordance tables as MyST Markdown (one table per paper, in file order).

    Parameters
    ----------
    entries : iterable of dict
        Output of :func:`load`, in paper order.
    results : dict, optional
        Chapter results (:func:`lidlib.book.claims.load_results`); when given, each claim
        is marked with its recorded verdict and chapter links use chapter titles.
    doc_prefix : str
        Path of the chapter pages relative to the page that shows the tables.

    Returns
    -------
    str
        A summary line overall and per paper, then a table per paper with three
        columns: the item and its status; what it is, the chapter link and section,
        and the reason when not fully covered; the lidlib functions, the tests and the
        claim ids (with their verdicts when ``results`` are given).
    """
    entries = list(entries)
    results = results or {}

    def link(ch: str) -> str:
        title = results.get(ch, {}).get("title") or ch
        return f"{{doc}}`{title} <{doc_prefix}{ch}>`"

    def verdict(claim: str, e: dict[str, Any]) -> str:
        ch, cid = _claim_ref(e, claim)
        shown = _code(cid) if ch == e.get("chapter") or not ch else f"{_code(cid)} ({link(ch)})"
        recorded = {c["id"]: c["passed"] for c in (results.get(ch, {}) if ch else {}).get("claims", [])}
        hits = _matching(cid, recorded)
        if not hits:
            return shown
        run = [h for h in hits if recorded[h] is not None]  # None: recorded as not run
        n_pass = sum(bool(recorded[h]) for h in run)
        not_run = f" ({len(hits) - len(run)} not run)" if len(run) < len(hits) else ""
        if len(hits) == 1 and not cid.endswith("*"):
            return f"{shown} {'not run' if not run else 'pass' if n_pass else '**fail**'}"
        if n_pass == len(run):
            return f"{shown} {n_pass} of {len(run)} pass{not_run}"
        return f"{shown} **{n_pass} of {len(run)} pass**{not_run}"

    def test(node: str) -> str:
        file, _, name = node.partition("::")
        return _code(f"{Path(file).name}::{name}" if name else Path(file).name)

    lines = [f"**All papers:** {_status_line(entries)}", ""]
    for paper, title in PAPERS.items():
        rows = [e for e in entries if e.get("paper") == paper]
        lines += [
            f"## {title}",
            "",
            _status_line(rows),
            "",
            "| item | what it is, and where the book treats it | lidlib, tests and claims |",
            "|---|---|---|",
        ]
        for e in rows:
            status, note = e.get("status"), (e.get("reason") or "").strip()
            item = f"**{e['item']}**<br>" + ("covered" if status == "covered" else f"**{status}**")
            where = [e.get("what", "")]
            if e.get("chapter"):
                where.append(f"→ {link(e['chapter'])}" + (f" § {e['section']}" if e.get("section") else ""))
            if note:
                where.append(f"*{'note' if status == 'covered' else status}:* {note}")
            code = []
            for label, names in (
                ("lidlib", [_code(f.removeprefix("lidlib.")) for f in e.get("functions") or []]),
                ("tests", [test(t) for t in e.get("tests") or []]),
                ("claims", [verdict(c, e) for c in e.get("claims") or []]),
            ):
                if names:
                    code.append(f"**{label}:** " + ", ".join(names))
            cells = [item, "<br>".join(where), "<br>".join(code) or "-"]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def write(root: Path | str, results: dict[str, dict[str, Any]] | None = None) -> Path | None:
    """Validate ``book/concordance.yml`` and write ``book/_generated/concordance.md``.

    Parameters
    ----------
    root : Path or str
        The book's root.
    results : dict, optional
        Chapter results (default: ``root/results/*.json``).

    Returns
    -------
    Path or None
        The generated file (rewritten only when its text changes); None, with nothing
        written, in a tree without ``book/concordance.yml`` (such as a test's scratch
        book, which has no concordance page to include it).

    Raises
    ------
    ConcordanceError
        If :func:`validate` finds any problem; the message lists them all.
    """
    root = Path(root)
    if not (root / SOURCE).is_file():
        return None
    if results is None:
        results = load_results(root)
    entries = load(root / SOURCE)
    problems = validate(entries, root, results)
    if problems:
        raise ConcordanceError(f"{SOURCE.as_posix()} has {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    out = root / TARGET
    out.parent.mkdir(parents=True, exist_ok=True)
    text = markdown(entries, results)
    if not out.is_file() or out.read_text() != text:
        out.write_text(text)
    return out
