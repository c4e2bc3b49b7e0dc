"""The claims ledger: checked claims and key values of every chapter.

Each chapter creates one :class:`Ledger`, records the paper's claims it checks with
:meth:`Ledger.check` and the numbers behind its figures with :meth:`Ledger.value`,
saves its figures with :meth:`Ledger.figure`, and finally calls :meth:`Ledger.save`,
which writes ``results/<chapter>.json`` in the format of ``DESIGN.md``.
:func:`write_claims_page` turns all result files into ``book/claims.md``.

A claim the numbers contradict is recorded with ``passed = False``; it is a finding
and does not stop the build.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

RESULTS_ENV = "LIDLIB_RESULTS_DIR"


def project_root(start: Path | None = None) -> Path | None:
    """The book's root (the first parent holding ``_toc.yml`` and ``notebooks/``)."""
    here = Path(start or Path.cwd()).resolve()
    for p in (here, *here.parents):
        if (p / "_toc.yml").is_file() and (p / "notebooks").is_dir():
            return p
    return None


def results_dir() -> Path:
    """Where result files go: ``$LIDLIB_RESULTS_DIR``, else ``<project root>/results``.

    Outside a checkout of the book, ``./results`` is used.
    """
    env = os.environ.get(RESULTS_ENV)
    if env:
        return Path(env)
    root = project_root()
    return (root if root is not None else Path.cwd()) / "results"


def _jsonable(x: Any) -> Any:
    """Convert NumPy scalars/arrays (and nested containers) to plain JSON types.

    Non-finite floats become ``None`` (NaN) or the strings ``"inf"``/``"-inf"``,
    so the files are strict JSON.
    """
    if hasattr(x, "tolist") and not isinstance(x, (str, bytes)):
        x = x.tolist()
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, bool) or x is None or isinstance(x, (int, str)):
        return x
    if isinstance(x, float):
        if math.isnan(x):
            return None
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    raise TypeError(f"cannot record a value of type {type(x).__name__} in the ledger")


class ClaimRecord(dict):
    """A recorded claim (a plain ``dict``) that shows itself as one status line in a notebook."""

    def _repr_markdown_(self) -> str:
        return (
            f"**{'pass' if self['passed'] else 'FAIL'}** · {self['statement']} ({self['paper_ref']}): "
            f"measured {_fmt(self['measured'])}, expected {_fmt(self['expected'])}{_tol(self)}"
        )

    def __repr__(self) -> str:
        return f"[{'pass' if self['passed'] else 'FAIL'}] {self['id']}: measured {_fmt(self['measured'])}"


@dataclass
class Ledger:
    """Claims and values of one chapter run.

    Parameters
    ----------
    chapter : str
        Notebook file stem (``lid_model`` for ``notebooks/lid_model.md``).
    profile, seed
        The papermill parameters of the run.
    title : str, optional
        Human title of the chapter, shown on the claims page.
    """

    chapter: str
    profile: str
    seed: int
    title: str = ""
    claims: list[dict[str, Any]] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    figures: list[str] = field(default_factory=list)

    def check(
        self,
        id: str,
        statement: str,
        paper_ref: str,
        measured: Any,
        expected: Any,
        tolerance: float | None = None,
        *,
        passed: bool | None = None,
        relative: bool = False,
        note: str = "",
        kind: str | None = None,
        fails_if: str | None = None,
        margin: float | None = None,
    ) -> dict[str, Any]:
        """Record one checked claim and return its record.

        With numeric ``measured`` and ``expected`` and a ``tolerance``, the claim
        passes when ``|measured - expected| <= tolerance`` (times ``|expected|``
        if ``relative``).  Qualitative claims pass ``passed`` explicitly.
        """
        if any(c["id"] == id for c in self.claims):
            raise ValueError(f"claim id {id!r} recorded twice in chapter {self.chapter!r}")
        if passed is None:
            if tolerance is None:
                raise ValueError(f"claim {id!r}: give a tolerance or an explicit passed=")
            m, e = float(measured), float(expected)
            scale = abs(e) if relative else 1.0
            passed = bool(math.isfinite(m) and abs(m - e) <= tolerance * scale)
        rec = ClaimRecord({
            "id": id,
            "statement": statement,
            "paper_ref": paper_ref,
            "measured": _jsonable(measured),
            "expected": _jsonable(expected),
            "tolerance": _jsonable(tolerance),
            "relative": relative,
            "passed": bool(passed),
        })
        if note:
            rec["note"] = note
        # forward-compatible fields of the claims-ledger work (issue 16), recorded as given
        for key, val in (("kind", kind), ("fails_if", fails_if), ("margin", margin)):
            if val is not None:
                rec[key] = _jsonable(val)
        self.claims.append(rec)
        return rec

    def value(self, name: str, value: Any) -> None:
        """Record a key number or table (dict of arrays) behind a figure."""
        self.values[name] = _jsonable(value)

    def figure(self, fig: Any, name: str, directory: Path | None = None, *, show: bool = True) -> None:
        """Save a Matplotlib figure as PNG (and, at the paper profile, PDF) under
        ``results/figures/<chapter>/``.

        The vector PDF is the print copy of the paper build; the quick profile skips
        it, which halves the time spent drawing figures.

        In a notebook (``show=True``) the figure is then closed and the saved PNG is
        displayed, so the page shows exactly the file on disk and the figure is not
        drawn a third time by the inline backend. Returns nothing, so that a call
        ending a cell prints no path.
        """
        out = Path(directory or results_dir() / "figures" / self.chapter)
        out.mkdir(parents=True, exist_ok=True)
        png = out / f"{name}.png"
        fig.savefig(png, dpi=150, bbox_inches="tight")
        if self.profile == "paper":
            fig.savefig(out / f"{name}.pdf", bbox_inches="tight")
        if name not in self.figures:
            self.figures.append(name)
        if show and _in_notebook():
            import matplotlib.pyplot as plt
            from IPython.display import Image, display

            width = int(110 * fig.get_figwidth())
            plt.close(fig)
            display(Image(filename=str(png), width=width))

    def as_dict(self) -> dict[str, Any]:
        return {
            "chapter": self.chapter,
            "title": self.title,
            "profile": self.profile,
            "seed": self.seed,
            "claims": self.claims,
            "values": self.values,
            "figures": self.figures,
        }

    def save(self, directory: Path | None = None) -> Path:
        """Write ``<directory>/<chapter>.json`` (default :func:`results_dir`)."""
        out = Path(directory or results_dir())
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{self.chapter}.json"
        path.write_text(json.dumps(self.as_dict(), indent=1, allow_nan=False) + "\n")
        return path

    def _repr_markdown_(self) -> str:
        rows = ["| status | claim | paper | expected | measured |", "|---|---|---|---|---|"]
        for c in self.claims:
            rows.append(
                f"| {_status(c['passed'])} | {c['statement']} | {c['paper_ref']} | "
                f"{_fmt(c['expected'])}{_tol(c)} | {_fmt(c['measured'])} |"
            )
        return "\n".join(rows)


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (where figures are displayed inline)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _status(passed: bool) -> str:
    return "pass" if passed else "**FAIL**"


def _fmt(x: Any) -> str:
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:.4g}"
    if isinstance(x, list):
        inner = ", ".join(_fmt(v) for v in x[:6])
        return f"[{inner}{', ...' if len(x) > 6 else ''}]"
    return "n/a" if x is None else str(x).replace("|", "\\|")


def _tol(c: dict[str, Any]) -> str:
    t = c.get("tolerance")
    if t is None:
        return ""
    return f" ± {_fmt(t)}{' (rel.)' if c.get('relative') else ''}"


def load_results(directory: Path | None = None) -> dict[str, dict[str, Any]]:
    """All ``<chapter>.json`` files of a results directory, by chapter name."""
    d = Path(directory or results_dir())
    out = {}
    for p in sorted(d.glob("*.json")):
        if p.name.startswith("_"):
            continue  # bookkeeping files such as _timings.json
        data = json.loads(p.read_text())
        out[data["chapter"]] = data
    return out


def write_claims_page(
    out_path: Path,
    results: dict[str, dict[str, Any]],
    order: Iterable[str] = (),
    doc_prefix: str = "_generated/",
) -> Path:
    """Render the generated claims page (MyST Markdown) from chapter results.

    Parameters
    ----------
    out_path : Path
        Where to write, normally ``book/claims.md``.
    results : dict
        Output of :func:`load_results`.
    order : iterable of str
        Chapter order (from ``_toc.yml``); chapters not listed follow alphabetically.
    doc_prefix : str
        Path of the executed notebooks relative to the claims page.
    """
    order = [c for c in order if c in results] + sorted(set(results) - set(order))
    n = sum(len(results[c]["claims"]) for c in order)
    n_pass = sum(cl["passed"] for c in order for cl in results[c]["claims"])
    profiles = sorted({results[c]["profile"] for c in order})

    def link(ch: str) -> str:
        title = results[ch].get("title") or ch
        return f"{{doc}}`{title} <{doc_prefix}{ch}>`"

    def row(c: dict[str, Any]) -> str:
        note = f" *{c['note']}*" if c.get("note") else ""
        return (
            f"| {_status(c['passed'])} | {c['statement']}{note} <br>`{c['id']}` | {c['paper_ref']} | "
            f"{_fmt(c['expected'])}{_tol(c)} | {_fmt(c['measured'])} |"
        )

    header = ["| status | claim | paper | expected | measured |", "|---|---|---|---|---|"]
    lines = [
        "# Claims ledger",
        "",
        "This page is generated by `lidlib book` from the `results/<chapter>.json` files "
        "that the chapters write; do not edit it by hand. Each row is a statement of the "
        "paper (or a fact the book relies on) checked against our own computation, with the "
        "tolerance stated next to the expected value. A failed row is a finding, discussed "
        "in its chapter, not a build error.",
        "",
        f"**{n_pass} of {n} claims pass** (profile: {', '.join(profiles) or 'none'}).",
        "",
        "| chapter | claims | pass | fail |",
        "|---|---|---|---|",
    ]
    for ch in order:
        cl = results[ch]["claims"]
        k = sum(c["passed"] for c in cl)
        lines.append(f"| {link(ch)} | {len(cl)} | {k} | {len(cl) - k} |")
    failed = [(ch, c) for ch in order for c in results[ch]["claims"] if not c["passed"]]
    lines += ["", "## Where our numbers disagree with the paper", ""]
    if failed:
        lines += ["Every failed check, gathered in one place; the chapter linked on the left of each "
                  "group explains what the numbers show instead.", ""]
        for ch in order:
            rows = [row(c) for c2, c in failed if c2 == ch]
            if rows:
                lines += [f"**{link(ch)}**", "", *header, *rows, ""]
    else:
        lines += ["No check failed.", ""]
    lines += ["## All claims by chapter", ""]
    for ch in order:
        r = results[ch]
        title = r.get("title") or ch
        lines += [
            f"### {title}",
            "",
            f"Chapter: {link(ch)} · profile `{r['profile']}` · seed {r['seed']}",
            "",
            *header,
            *(row(c) for c in r["claims"]),
            "",
        ]
    out_path = Path(out_path)
    text = "\n".join(lines)
    if not out_path.is_file() or out_path.read_text() != text:  # unchanged: keep the mtime for Sphinx
        out_path.write_text(text)
    return out_path
