"""The claims ledger: checked claims and key values of every chapter.

Each chapter creates one :class:`Ledger`, records the paper's claims it checks with
:meth:`Ledger.check` and the numbers behind its figures with :meth:`Ledger.value`,
saves its figures with :meth:`Ledger.figure`, and finally calls :meth:`Ledger.save`,
which writes ``results/<chapter>.json`` in the format of docs/architecture.md.
:func:`write_claims_page` turns all result files into ``book/claims.md``.

A claim the numbers contradict is recorded with ``passed = False``; it is a finding
and does not stop the build.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


#: Folder of ``results_dir()`` where runs with overrides go (one subfolder per run).
OVERRIDES_DIR = "overrides"


def override_tag(profile: str, seed: int, overrides: dict[str, Any]) -> str:
    """``<profile>-seed<seed>-<hash>``: names the results folder of a run with ``overrides``.

    ``overrides`` as :func:`lidlib.book.profiles.check_overrides` returns them (what the
    chapter's ``profiles.get`` records), so the driver of a run and the kernel agree.
    """
    import hashlib

    digest = hashlib.sha256(json.dumps(overrides, sort_keys=True).encode()).hexdigest()[:10]
    return f"{profile}-seed{int(seed)}-{digest}"


def run_dir(chapter: str, profile: str, seed: int, overrides: dict[str, Any], base: Path | None = None) -> Path:
    """Where a chapter run writes ``<chapter>.json`` and ``figures/<chapter>/``.

    The book's run (no overrides) writes to ``base`` (default :func:`results_dir`). A run
    with overrides is not the book's: it goes to
    ``<base>/overrides/<chapter>-<profile>-seed<seed>-<hash>/``, so it never replaces
    the results the claims page and the execution cache are built from, and runs with
    different overrides do not replace each other.
    """
    base = Path(base or results_dir())
    if not overrides:
        return base
    return base / OVERRIDES_DIR / f"{chapter}-{override_tag(profile, seed, overrides)}"


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


#: The kinds of claim, in the order the claims page shows them, with what each means.
KINDS: dict[str, str] = {
    "paper": "a statement of the papers, tested as stated",
    "derivation": "a step of the papers' derivations (an equation, an appendix result)",
    "finding": "our own result, beyond what the papers state",
    "proxy": "a statement of the papers tested in a setting that differs from theirs",
    "method": "a check of our own numerics or tools, not evidence about the papers",
}

#: A verdict is *knife-edge* when its margin (measured distance / tolerance) is within this
#: fraction of the pass/fail boundary at 1.
KNIFE_EDGE = 0.10

STATUSES = ("pass", "fail", "not run")


def status_of(c: dict[str, Any]) -> str:
    """``"pass"``, ``"fail"`` or ``"not run"`` for a claim record (old files: from ``passed``)."""
    if "status" in c:
        return c["status"]
    return "not run" if c.get("passed") is None else ("pass" if c["passed"] else "fail")


def anchor(chapter: str, id: str) -> str:
    """The HTML id of a claim on its chapter page (``claim-<chapter>-<id>``, URL-safe)."""
    import re

    return re.sub(r"[^A-Za-z0-9_-]+", "-", f"claim-{chapter}-{id}").strip("-").lower()


class ClaimRecord(dict):
    """A recorded claim (a plain ``dict``) that shows itself as one status line in a notebook."""

    def _repr_markdown_(self) -> str:
        st = status_of(self)
        head = {"pass": "**pass**", "fail": "**FAIL**", "not run": "**not run**"}[st]
        kind = self.get("kind")
        tag = f" [{kind}]" if kind else ""
        if st == "not run":
            return f"{head}{tag} · {self['statement']} ({self['paper_ref']}): {self.get('reason', '')}"
        return (
            f"{head}{tag} · {self['statement']} ({self['paper_ref']}): "
            f"measured {format_value(self['measured'])}, expected {format_value(self['expected'])}{_tol(self)}"
            f"{_margin_text(self)}{_fragile_text(self)}"
        )

    def __repr__(self) -> str:
        return f"[{status_of(self)}] {self['id']}: measured {format_value(self.get('measured'))}"


#: Output-metadata key that marks the inline copy of a ledger figure (see Ledger.figure).
FIGURE_KEY = "lidlib_figure"


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
    proxy : str, optional
        How the chapter's setting differs from the paper's (e.g. "EfficientNet-Lite0
        features in place of ResNet-18"); shown in every ``proxy`` row of the chapter.
    """

    chapter: str
    profile: str
    seed: int
    title: str = ""
    proxy: str = ""
    claims: list[dict[str, Any]] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    figures: list[str] = field(default_factory=list)

    def _common(
        self, id: str, statement: str, paper_ref: str, kind: Any, fails_if: Any, setting: str
    ) -> dict[str, Any]:
        if not isinstance(id, str) or not id:
            raise ValueError(f"claim id must be a non-empty string, got {id!r}")
        if any(c["id"] == id for c in self.claims):
            raise ValueError(f"claim id {id!r} recorded twice in chapter {self.chapter!r}")
        if kind not in KINDS:
            raise ValueError(f"claim {id!r}: kind must be one of {', '.join(KINDS)}; got {kind!r}")
        if not isinstance(fails_if, str) or not fails_if.strip():
            raise ValueError(
                f"claim {id!r}: fails_if must say which result would have failed the claim (a non-empty string)"
            )
        rec: dict[str, Any] = {
            "id": id,
            "kind": kind,
            "statement": statement,
            "paper_ref": paper_ref,
            "fails_if": fails_if.strip(),
            "anchor": anchor(self.chapter, id),
        }
        if kind == "proxy":
            setting = setting or self.proxy
            if not setting:
                raise ValueError(
                    f"claim {id!r}: a proxy claim needs setting= (or Ledger(proxy=...)) "
                    "saying how its setting differs from the paper's"
                )
            rec["setting"] = setting
        elif setting:
            rec["setting"] = setting
        return rec

    def check(
        self,
        id: str,
        statement: str,
        paper_ref: str,
        measured: Any,
        expected: Any,
        tolerance: float | None = None,
        *,
        kind: str | None = None,
        fails_if: str | None = None,
        passed: bool | None = None,
        relative: bool = False,
        margin: float | None = None,
        setting: str = "",
        note: str = "",
        fail_note: str = "",
    ) -> dict[str, Any]:
        """Record one checked claim and return its record.

        Parameters
        ----------
        id, statement, paper_ref : str
            Unique id within the chapter, the claim in words, and where the papers make it
            (section, equation, figure).
        measured, expected
            Our number (or description) and the papers' (or theory's).
        tolerance : float, optional
            With numeric ``measured`` and ``expected``, the claim passes when
            ``|measured - expected| <= tolerance`` (times ``|expected|`` if ``relative``).
            Its basis (standard errors at a stated level, or a stated modelling margin)
            belongs in ``statement`` or ``fails_if``.
        kind : str
            One of :data:`KINDS`: ``paper``, ``derivation``, ``finding``, ``proxy``, ``method``.
        fails_if : str
            The result that would have failed the claim, in words.
        passed : bool, optional
            The verdict of a qualitative or one-sided claim (then ``tolerance`` is not used).
        margin : float, optional
            For claims with ``passed`` given: the measured distance over the allowed
            distance (1 is the boundary; below 1 passes).  Computed for tolerance checks.
        setting : str, optional
            For ``proxy`` claims, how the setting differs from the paper's (default: the
            ledger's ``proxy``).
        note : str, optional
            Shown in italics after the statement.
        fail_note : str, optional
            What a failure means (an erratum, the chapter's reading of it); added to the
            note only when the claim fails, so a verdict that flips with the seed or the
            profile never carries the wrong explanation.

        Returns
        -------
        ClaimRecord
            The record, which a notebook shows as one status line.  Inside a notebook an
            invisible HTML anchor (:func:`anchor`) is displayed too, so the claims page can
            link to the cell that made the claim.

        Raises
        ------
        ValueError
            Duplicate id, unknown ``kind``, empty ``fails_if``, a proxy claim without a
            setting, or neither ``tolerance`` nor ``passed`` given.
        """
        rec = self._common(id, statement, paper_ref, kind, fails_if, setting)
        if passed is None:
            if tolerance is None:
                raise ValueError(f"claim {id!r}: give a tolerance or an explicit passed=")
            m, e = float(measured), float(expected)
            scale = abs(e) if relative else 1.0
            allowed = tolerance * scale
            if not math.isfinite(m):
                margin = math.inf
            elif allowed > 0:
                margin = abs(m - e) / allowed
            else:
                margin = 0.0 if m == e else math.inf
            passed = bool(margin <= 1.0)
        rec.update(
            {
                "measured": _jsonable(measured),
                "expected": _jsonable(expected),
                "tolerance": _jsonable(tolerance),
                "relative": relative,
                "passed": bool(passed),
                "status": "pass" if passed else "fail",
                "margin": _jsonable(None if margin is None else float(margin)),
                "knife_edge": bool(margin is not None and math.isfinite(margin) and abs(margin - 1.0) <= KNIFE_EDGE),
            }
        )
        if fail_note and not passed:
            note = f"{note}; {fail_note}" if note else fail_note
        if note:
            rec["note"] = note
        return self._add(ClaimRecord(rec))

    def not_run(
        self, id: str, statement: str, paper_ref: str, kind: str, reason: str, *, fails_if: str = "", setting: str = ""
    ) -> dict[str, Any]:
        """Record a claim that could not be checked in this run (its input is unavailable).

        The record has ``passed = None`` and status ``"not run"``; the claims page shows the
        ``reason``.  ``fails_if`` may be given so the row still says what would fail it.

        Raises
        ------
        ValueError
            Duplicate id, unknown ``kind`` or an empty ``reason``.
        """
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"claim {id!r}: not_run needs a reason (why the claim could not be checked)")
        rec = self._common(id, statement, paper_ref, kind, fails_if or "(not run)", setting)
        rec.update(
            {
                "measured": None,
                "expected": None,
                "tolerance": None,
                "relative": False,
                "passed": None,
                "status": "not run",
                "margin": None,
                "knife_edge": False,
                "reason": reason.strip(),
            }
        )
        return self._add(ClaimRecord(rec))

    def _add(self, rec: ClaimRecord) -> ClaimRecord:
        rob = robustness_of(self.chapter, rec["id"])
        if rob is not None:
            rec["robustness"] = rob
        self.claims.append(rec)
        if _in_notebook():
            from IPython.display import HTML, display

            display(HTML(f'<span id="{rec["anchor"]}" class="claim-anchor"></span>'))
        return rec

    def value(self, name: str, value: Any) -> None:
        """Record a key number or table (dict of arrays) behind a figure."""
        self.values[name] = _jsonable(value)

    def figure(self, fig: Any, name: str, directory: Path | None = None, *, show: bool = True) -> None:
        """Save a Matplotlib figure as PNG (and, at the paper profile, PDF) under
        ``results/figures/<chapter>/`` (of :meth:`directory`).

        The vector PDF is the print copy of the paper build; the quick profile skips
        it, which halves the time spent drawing figures.

        In a notebook (``show=True``) the figure is then closed and the saved PNG is
        displayed, so the page shows exactly the file on disk and the figure is not
        drawn a third time by the inline backend. The PNG is also glued as
        ``fig-<name>`` (``myst_nb.glue``), so the chapter can place it as a numbered,
        captioned figure::

            ```{glue:figure} fig-<name>
            :name: fig-<chapter>-<name>

            Caption with measured numbers ({glue:md}`key`); computed by
            {py:func}`lidlib.module.function`.
            ```

        and cite it as ``{numref}`fig-<chapter>-<name>```. On the site the inline copy
        of a figure that has such a caption is dropped
        (``lidlib.book.build.captioned_figures``); JupyterLab shows the inline copy.
        Returns nothing, so that a call ending a cell prints no path.
        """
        out = Path(directory or self.directory() / "figures" / self.chapter)
        out.mkdir(parents=True, exist_ok=True)
        png = out / f"{name}.png"
        fig.savefig(png, dpi=150, bbox_inches="tight")
        if self.profile == "paper":
            fig.savefig(out / f"{name}.pdf", bbox_inches="tight")
        if name not in self.figures:
            self.figures.append(name)
        if show and _in_notebook():
            import matplotlib.pyplot as plt

            width = int(110 * fig.get_figwidth())
            plt.close(fig)
            self.image(png, name, width)

    def image(self, png: Path | str, name: str, width: int) -> None:
        """Show an existing PNG as ledger figure ``name``: glued as ``fig-<name>`` for a
        ``{glue:figure}`` caption, and displayed inline (the copy the site drops once the
        caption exists). :meth:`figure` calls it for the PNG it saved; a chapter calls it
        directly for a picture made elsewhere (e.g. by ``lidlib fit --plot``).
        Outside a notebook it does nothing.
        """
        if not _in_notebook():
            return
        from IPython.display import Image, display

        image = Image(filename=str(png), width=width)
        try:
            from myst_nb import glue
        except ImportError:  # JupyterLab without the book extra: nothing to glue into
            pass
        else:
            glue(f"fig-{name}", image, display=False)
        display(image, metadata={FIGURE_KEY: name})

    def get(self, id: str) -> dict[str, Any]:
        """The record of claim ``id``; ``KeyError`` naming the chapter if there is none."""
        for c in self.claims:
            if c["id"] == id:
                return c
        raise KeyError(f"no claim {id!r} in chapter {self.chapter!r}")

    def summary(self) -> dict[str, int]:
        """Counts of ``pass``, ``fail`` and ``not run`` among the claims so far."""
        return summarize(self.claims)

    def overrides(self) -> dict[str, Any]:
        """The settings this run changed: the overrides of the chapter's ``profiles.get``."""
        from lidlib.book import profiles

        return profiles.applied_overrides(self.chapter)

    def directory(self) -> Path:
        """Where this run's results and figures go: :func:`run_dir` (apart from the book's
        results when the chapter was run with overrides)."""
        return run_dir(self.chapter, self.profile, self.seed, self.overrides())

    def as_dict(self) -> dict[str, Any]:
        return {
            "chapter": self.chapter,
            "title": self.title,
            "profile": self.profile,
            "seed": self.seed,
            "provenance": provenance(self.profile, self.seed, self.overrides()),
            "claims": self.claims,
            "values": self.values,
            "figures": self.figures,
        }

    def save(self, directory: Path | None = None) -> Path:
        """Write ``<directory>/<chapter>.json`` (default :meth:`directory`)."""
        out = Path(directory or self.directory())
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{self.chapter}.json"
        path.write_text(json.dumps(self.as_dict(), indent=1, allow_nan=False) + "\n")
        return path

    def _repr_markdown_(self) -> str:
        s = self.summary()
        rows = [
            f"{s['pass']} passed, {s['fail']} failed, {s['not run']} not run.",
            "",
            "| status | kind | claim | paper | expected | measured | margin |",
            "|---|---|---|---|---|---|---|",
        ]
        for c in self.claims:
            rows.append(
                f"| {_status(c)}{_fragile_cell(c)} | {_kind_cell(c)} | {escape_cell(c['statement'])} | {escape_cell(c['paper_ref'])} | "
                f"{format_value(c['expected'])}{_tol(c)} | {format_value(c['measured'])} | {_margin_cell(c)} |"
            )
        return "\n".join(rows)


def summarize(claims: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Counts of each status (``pass``, ``fail``, ``not run``) in a list of claim records."""
    out = dict.fromkeys(STATUSES, 0)
    for c in claims:
        out[status_of(c)] += 1
    return out


def _git(root: Path | None, *args: str) -> str | None:
    import subprocess

    try:
        out = subprocess.run(["git", *args], cwd=root or Path.cwd(), capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def provenance(profile: str, seed: int, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a results file was made from: commit, package versions, data files read, profile,
    seed and the overrides of the profile's settings (``{}`` for the book's runs).

    ``data`` lists every file :mod:`lidlib.data` verified in this process (name -> sha256),
    so a chapter's JSON names exactly the data it read.  ``commit`` is ``None`` outside a
    git checkout; ``dirty`` says whether tracked files differed from it.
    """
    import platform
    import time

    import numpy
    import scipy

    import lidlib
    from lidlib import data

    root = project_root()
    commit = _git(root, "rev-parse", "HEAD")
    dirty = None
    if commit is not None:
        st = _git(root, "status", "--porcelain", "--untracked-files=no")
        dirty = bool(st)
    return {
        "commit": commit,
        "dirty": dirty,
        "versions": {
            "python": platform.python_version(),
            "numpy": numpy.__version__,
            "scipy": scipy.__version__,
            "lidlib": getattr(lidlib, "__version__", "unknown"),
        },
        "data": data.files_read(),
        "profile": profile,
        "seed": int(seed),
        "overrides": _jsonable(overrides or {}),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (where figures are displayed inline)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _status(c: dict[str, Any] | bool | None) -> str:
    st = status_of(c) if isinstance(c, dict) else ("not run" if c is None else ("pass" if c else "fail"))
    return {"pass": "pass", "fail": "**FAIL**", "not run": "*not run*"}[st]


def _kind_cell(c: dict[str, Any]) -> str:
    k = c.get("kind", "?")
    if k == "proxy":
        return f"**proxy**: {escape_cell(c.get('setting', ''))}"
    return k


def escape_cell(x: str) -> str:
    """``x`` as text for a cell of a Markdown table (``|`` escaped)."""
    return str(x).replace("|", "\\|")


def _margin(c: dict[str, Any]) -> float | None:
    m = c.get("margin")
    if m == "inf":
        return math.inf
    return m


def _margin_cell(c: dict[str, Any]) -> str:
    m = _margin(c)
    if m is None:
        return "n/a"
    txt = "∞" if math.isinf(m) else f"{m:.2f}"
    return f"{txt} **knife-edge**" if c.get("knife_edge") else txt


def _margin_text(c: dict[str, Any]) -> str:
    m = _margin(c)
    if m is None:
        return ""
    txt = "∞" if math.isinf(m) else f"{m:.2f}"
    return f"; margin {txt}{' (knife-edge)' if c.get('knife_edge') else ''}"


def _fragile_cell(c: dict[str, Any]) -> str:
    r = c.get("robustness")
    if not r or not r.get("fragile"):
        return ""
    return f" *fragile* ({r['passed']}/{r['n']} seeds)"


def _fragile_text(c: dict[str, Any]) -> str:
    r = c.get("robustness")
    if not r or not r.get("fragile"):
        return ""
    return f"; *fragile*: passes at {r['passed']} of {r['n']} seeds (quick profile)"


def format_value(x: Any) -> str:
    """A measured or expected value as table text: 4 significant digits, yes/no, ``n/a``, short lists."""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:.4g}"
    if isinstance(x, list):
        inner = ", ".join(format_value(v) for v in x[:6])
        return f"[{inner}{', ...' if len(x) > 6 else ''}]"
    return "n/a" if x is None else str(x).replace("|", "\\|")


def _tol(c: dict[str, Any]) -> str:
    t = c.get("tolerance")
    if t is None:
        return ""
    return f" ± {format_value(t)}{' (rel.)' if c.get('relative') else ''}"


ROBUSTNESS_FILE = Path("book") / "robustness.json"
_ROBUSTNESS_CACHE: dict[str, Any] = {}


def robustness_of(chapter: str, id: str) -> dict[str, Any] | None:
    """Pass count over seeds of one claim from the committed ``book/robustness.json``, if any."""
    if "data" not in _ROBUSTNESS_CACHE:
        root = project_root()
        f = root / ROBUSTNESS_FILE if root is not None else None
        _ROBUSTNESS_CACHE["data"] = json.loads(f.read_text()) if f is not None and f.is_file() else None
    rob = _ROBUSTNESS_CACHE["data"]
    if not rob:
        return None
    r = rob.get("claims", {}).get(f"{chapter}/{id}")
    if r is None:
        return None
    return {"passed": r["passed"], "n": r["n_run"], "fragile": r["fragile"]}


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


CSV_FIELDS = (
    "chapter",
    "id",
    "kind",
    "status",
    "statement",
    "paper_ref",
    "fails_if",
    "setting",
    "measured",
    "expected",
    "tolerance",
    "relative",
    "margin",
    "knife_edge",
    "reason",
    "note",
    "profile",
    "seed",
    "commit",
    "link",
)


def claim_rows(
    results: dict[str, dict[str, Any]], order: Iterable[str] = (), doc_prefix: str = "_generated/"
) -> list[dict[str, Any]]:
    """Every claim of every chapter as one flat dict (the rows of ``claims.csv`` / ``claims.json``).

    ``link`` is the claim's anchor on its chapter page, relative to the claims page.
    """
    order = [c for c in order if c in results] + sorted(set(results) - set(order))
    rows = []
    for ch in order:
        r = results[ch]
        prov = r.get("provenance", {})
        for c in r["claims"]:
            row = {k: c.get(k) for k in CSV_FIELDS}
            row.update(
                chapter=ch,
                status=status_of(c),
                profile=r["profile"],
                seed=r["seed"],
                commit=prov.get("commit"),
                link=f"{doc_prefix}{ch}.html#{c.get('anchor') or anchor(ch, c['id'])}",
            )
            rows.append(row)
    return rows


def write_claims_downloads(
    directory: Path, results: dict[str, dict[str, Any]], order: Iterable[str] = ()
) -> tuple[Path, Path]:
    """Write ``claims.csv`` and ``claims.json`` (all claims, one row each) into ``directory``."""
    import csv

    rows = claim_rows(results, order)
    directory = Path(directory)
    csv_path, json_path = directory / "claims.csv", directory / "claims.json"
    with open(csv_path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        w.writeheader()
        for row in rows:
            w.writerow({k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in row.items()})
    json_path.write_text(json.dumps(rows, indent=1, allow_nan=False) + "\n")
    return csv_path, json_path


def write_claims_page(
    out_path: Path,
    results: dict[str, dict[str, Any]],
    order: Iterable[str] = (),
    doc_prefix: str = "_generated/",
    robustness: dict[str, Any] | None = None,
) -> Path:
    """Render the generated claims page (MyST Markdown) from chapter results.

    The page leads with the statements of the papers and the steps of their derivations,
    gives the count per kind, marks every proxy row with its setting, shows each claim's
    margin (measured distance / tolerance; *knife-edge* within :data:`KNIFE_EDGE` of 1)
    and what would have failed it, links each claim to the cell that made it, and offers
    ``claims.csv`` / ``claims.json`` (written beside the page) for download.

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
    robustness : dict, optional
        The seed-sweep aggregate (``book/robustness.json``); fragile claims are marked.

    Raises
    ------
    ValueError
        If a claim has no ``kind`` (a results file from before kinds existed).
    """
    order = [c for c in order if c in results] + sorted(set(results) - set(order))
    allc = [(ch, c) for ch in order for c in results[ch]["claims"]]
    for ch, c in allc:
        if c.get("kind") not in KINDS:
            raise ValueError(f"claim {ch}/{c['id']} has no valid kind ({c.get('kind')!r}); re-run the chapter")
    profiles = sorted({results[c]["profile"] for c in order})
    seeds = sorted({results[c]["seed"] for c in order})
    rob = (robustness or {}).get("claims", {})

    def link(ch: str) -> str:
        title = results[ch].get("title") or ch
        return f"{{doc}}`{title} <{doc_prefix}{ch}>`"

    def cell_link(ch: str, c: dict[str, Any]) -> str:
        a = c.get("anchor") or anchor(ch, c["id"])
        return f'<a href="{doc_prefix}{ch}.html#{a}">{ch}</a>'

    def fragile(ch: str, c: dict[str, Any]) -> str:
        r = rob.get(f"{ch}/{c['id']}")
        if not r:
            return ""
        if r.get("fragile"):
            return f"<br>*fragile*: {r['passed']}/{r['n_run']} seeds pass"
        return ""

    def row(ch: str, c: dict[str, Any]) -> str:
        note = f" *{escape_cell(c['note'])}*" if c.get("note") else ""
        st = status_of(c)
        if st == "not run":
            detail = f"not run: {escape_cell(c.get('reason', ''))}"
            exp = meas = "n/a"
        else:
            detail = f"fails if: {escape_cell(c.get('fails_if', '(not stated)'))}"
            exp, meas = f"{format_value(c['expected'])}{_tol(c)}", format_value(c["measured"])
        return (
            f"| {_status(c)}{fragile(ch, c)} | {_kind_cell(c)} | {escape_cell(c['statement'])}{note} "
            f"<br><small>{detail}</small> <br>`{c['id']}` | {escape_cell(c['paper_ref'])} | {exp} | {meas} | "
            f"{_margin_cell(c)} | {cell_link(ch, c)} |"
        )

    header = [
        "| status | kind | claim | paper | expected | measured | margin | cell |",
        "|---|---|---|---|---|---|---|---|",
    ]
    counts = {k: summarize(c for _, c in allc if c["kind"] == k) for k in KINDS}
    knife = {k: sum(1 for _, c in allc if c["kind"] == k and c.get("knife_edge")) for k in KINDS}
    n_fragile = sum(1 for ch, c in allc if rob.get(f"{ch}/{c['id']}", {}).get("fragile"))
    paper = counts["paper"]
    lines = [
        "# Claims ledger",
        "",
        "This page is generated by `lidlib book` from the `results/<chapter>.json` files "
        "that the chapters write; do not edit it by hand. Each row is one claim checked against "
        "our own computation. Its **kind** says what a verdict means:",
        "",
        *(f"- **{k}**: {v};" for k, v in KINDS.items()),
        "",
        "Each row states what result would have failed it, and its **margin**: the measured distance "
        "from the expected value divided by the allowed distance (below 1 passes). A margin within "
        f"{KNIFE_EDGE:.0%} of 1 is marked **knife-edge**: another seed or a slightly different "
        "tolerance could flip that verdict. The *cell* link opens the chapter at the cell that made "
        "the claim. A failed row is a finding, discussed in its chapter, not a build error.",
        "",
        f"**Statements of the papers: {paper['pass']} of {paper['pass'] + paper['fail']} pass** "
        f"(derivation steps: {counts['derivation']['pass']} of "
        f"{counts['derivation']['pass'] + counts['derivation']['fail']}); "
        f"profile {', '.join(profiles) or 'none'}, seed {', '.join(map(str, seeds)) or 'none'}.",
        "",
        "| kind | claims | pass | fail | not run | knife-edge |",
        "|---|---|---|---|---|---|",
    ]
    for k in KINDS:
        n = counts[k]
        lines.append(f"| {k} | {sum(n.values())} | {n['pass']} | {n['fail']} | {n['not run']} | {knife[k]} |")
    tot = summarize(c for _, c in allc)
    lines.append(f"| all | {len(allc)} | {tot['pass']} | {tot['fail']} | {tot['not run']} | {sum(knife.values())} |")
    lines += [
        "",
        "Download every row: {download}`claims.csv <claims.csv>` · {download}`claims.json <claims.json>`"
        " (with profile, seed and commit of each run)."
        + (
            f" Robustness over seeds: {n_fragile} claims are *fragile* (see {{doc}}`robustness`)." if robustness else ""
        ),
        "",
        "| chapter | claims | pass | fail | not run |",
        "|---|---|---|---|---|",
    ]
    for ch in order:
        n = summarize(results[ch]["claims"])
        lines.append(f"| {link(ch)} | {sum(n.values())} | {n['pass']} | {n['fail']} | {n['not run']} |")
    sections = [
        ("paper", "Statements of the papers"),
        ("derivation", "Steps of the derivations"),
        ("finding", "Our own findings"),
        ("proxy", "Statements of the papers in a proxy setting"),
        ("method", "Checks of our own numerics and tools"),
    ]
    for kind, title in sections:
        rows = [(ch, c) for ch, c in allc if c["kind"] == kind]
        lines += ["", f"## {title}", "", f"*{KINDS[kind][0].upper() + KINDS[kind][1:]}.*", ""]
        if not rows:
            lines += ["None.", ""]
            continue
        for ch in order:
            rr = [row(ch, c) for ch2, c in rows if ch2 == ch]
            if rr:
                lines += [f"**{link(ch)}**", "", *header, *rr, ""]
    out_path = Path(out_path)
    text = "\n".join(lines) + "\n"
    if not out_path.is_file() or out_path.read_text() != text:  # unchanged: keep the mtime for Sphinx
        out_path.write_text(text)
    return out_path


def verdicts(results: dict[str, dict[str, Any]]) -> dict[str, str]:
    """``{"chapter/id": status}`` for every claim of a set of results."""
    return {f"{ch}/{c['id']}": status_of(c) for ch, r in sorted(results.items()) for c in r["claims"]}


def verdict_changes(
    current: dict[str, str], baseline: dict[str, str], chapters: Iterable[str] | None = None
) -> list[tuple[str, str | None, str | None]]:
    """Claims whose verdict differs between ``current`` and ``baseline``: ``(key, old, new)``.

    ``None`` stands for a claim missing on one side.  With ``chapters``, only keys of those
    chapters are compared (a single-chapter run is compared with its own part of the baseline).
    """
    chs = None if chapters is None else set(chapters)
    keys = sorted(set(current) | set(baseline))
    out = []
    for k in keys:
        if chs is not None and k.split("/", 1)[0] not in chs:
            continue
        old, new = baseline.get(k), current.get(k)
        if old != new:
            out.append((k, old, new))
    return out


def summary_line(claims_list: Iterable[dict[str, Any]], label: str = "") -> str:
    """One line: ``<label>: N claims: P passed, F failed, R not run``."""
    cl = list(claims_list)
    s = summarize(cl)
    head = f"{label}: " if label else ""
    return f"{head}{len(cl)} claims: {s['pass']} passed, {s['fail']} failed, {s['not run']} not run"


def write_robustness_page(out_path: Path, robustness: dict[str, Any], doc_prefix: str = "_generated/") -> Path:
    """Render the Robustness page (pass rate of every claim over the seeds of a sweep).

    Parameters
    ----------
    out_path : Path
        Normally ``book/robustness.md``.
    robustness : dict
        The aggregate written by ``lidlib sweep`` (``book/robustness.json``), or ``{}``.
    """
    lines = ["# Robustness over seeds", ""]
    claims_ = robustness.get("claims", {}) if robustness else {}
    if not claims_:
        lines += ["No seed sweep has been recorded yet (`lidlib sweep --seeds 0-9 --profile quick`).", ""]
        Path(out_path).write_text("\n".join(lines))
        return Path(out_path)
    seeds = robustness["seeds"]
    fragile = [k for k, v in claims_.items() if v["fragile"]]
    lines += [
        "This page is generated from `book/robustness.json`, written by "
        f"`lidlib sweep --seeds {_seed_range(seeds)} --profile {robustness['profile']}`: every chapter "
        f"was executed once per seed ({len(seeds)} seeds: {', '.join(map(str, seeds))}) as independent "
        "papermill jobs on a Dask cluster. A claim whose verdict is not the same at every seed is "
        "marked *fragile*; its tolerance was not retuned. Measured values are summarised by their "
        f"mean and standard deviation over seeds. Commit `{robustness.get('commit') or 'unknown'}`, "
        f"{robustness.get('date', '')}.",
        "",
        f"**{len(fragile)} of {len(claims_)} claims are fragile** at the {robustness['profile']} profile.",
        "",
        "| claim | kind | pass rate | verdicts by seed | measured mean | spread (sd) |",
        "|---|---|---|---|---|---|",
    ]

    def key_order(item):
        k, v = item
        return (not v["fragile"], k)

    for k, v in sorted(claims_.items(), key=key_order):
        ch, cid = k.split("/", 1)
        a = anchor(ch, cid)
        name = f'<a href="{doc_prefix}{ch}.html#{a}">{ch}/{cid}</a>'
        rate = f"{v['passed']}/{v['n_run']}" if v["n_run"] else "not run"
        tag = " *fragile*" if v["fragile"] else ""
        verd = " ".join({"pass": "P", "fail": "F", "not run": "-"}.get(x, "?") for x in v["verdicts"])
        mean = "n/a" if v.get("measured_mean") is None else f"{v['measured_mean']:.4g}"
        sd = "n/a" if v.get("measured_sd") is None else f"{v['measured_sd']:.2g}"
        lines.append(f"| {name}{tag} | {v.get('kind', '?')} | {rate} | `{verd}` | {mean} | {sd} |")
    lines += ["", "Verdicts by seed: P pass, F fail, - not run, in the seed order above.", ""]
    Path(out_path).write_text("\n".join(lines))
    return Path(out_path)


def _seed_range(seeds: list[int]) -> str:
    if seeds and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}-{seeds[-1]}"
    return ",".join(map(str, seeds))


def aggregate_sweep(runs: dict[int, dict[str, dict[str, Any]]], profile: str) -> dict[str, Any]:
    """Combine results of several seeds into the robustness aggregate.

    Parameters
    ----------
    runs : dict
        ``{seed: {chapter: results dict}}`` (missing chapters count as not run at that seed).
    profile : str
        The profile every run used.

    Returns
    -------
    dict
        ``{"profile", "seeds", "claims": {"chapter/id": {kind, verdicts, passed, n_run,
        fragile, measured_mean, measured_sd}}}``.  A claim is *fragile* when it both passed
        and failed among the seeds where it ran.
    """
    import statistics

    if not runs:
        raise ValueError("aggregate_sweep needs at least one seed")
    seeds = sorted(runs)
    keys: dict[str, str] = {}
    for s in seeds:
        for ch, r in runs[s].items():
            for c in r["claims"]:
                keys.setdefault(f"{ch}/{c['id']}", c.get("kind", "?"))
    out = {}
    for k in sorted(keys):
        ch, cid = k.split("/", 1)
        verd, meas = [], []
        for s in seeds:
            c = next((c for c in runs[s].get(ch, {}).get("claims", []) if c["id"] == cid), None)
            verd.append("not run" if c is None else status_of(c))
            if c is not None and isinstance(c.get("measured"), (int, float)) and not isinstance(c["measured"], bool):
                meas.append(float(c["measured"]))
        ran = [v for v in verd if v != "not run"]
        out[k] = {
            "kind": keys[k],
            "verdicts": verd,
            "passed": sum(v == "pass" for v in ran),
            "n_run": len(ran),
            "fragile": len(set(ran)) > 1,
            "measured_mean": statistics.fmean(meas) if meas else None,
            "measured_sd": statistics.stdev(meas) if len(meas) > 1 else None,
        }
    return {"profile": profile, "seeds": seeds, "claims": out}


def verdict_words(c: dict[str, Any]) -> str:
    """The verdict of a claim in words, for computed prose ("passes", "fails, on a knife edge").

    Knife-edge verdicts say so, with the margin; a fragile verdict (from the committed seed
    sweep) adds how many seeds pass.
    """
    st = status_of(c)
    if st == "not run":
        return "was not run"
    word = "passes" if st == "pass" else "fails"
    m = _margin(c)
    if c.get("knife_edge") and m is not None:
        word += f", on a knife edge (margin {m:.2f})"
    r = c.get("robustness")
    if r and r.get("fragile"):
        word += f" (fragile: it passes at {r['passed']} of {r['n']} seeds)"
    return word


def glue_text(name: str, value: Any, fmt: str = "") -> str:
    """Glue a computed number or phrase into the chapter's prose, and return its text.

    The Markdown cites it as ``{glue:md}`name```, so the page shows whatever this run
    computed (no hand-typed measured numbers).  ``fmt`` is a format spec for numbers
    (``".2f"``, ``".0%"``).  Outside a notebook (or without myst-nb) nothing is glued.
    """
    text = format(value, fmt) if fmt else str(value)
    if _in_notebook():
        try:
            from IPython.display import Markdown
            from myst_nb import glue
        except ImportError:  # pragma: no cover - myst-nb is in the book extra
            return text
        glue(name, Markdown(text), display=False)
    return text


def markdown_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str | Sequence[str] = "") -> str:
    """A Markdown table of ``rows`` under the header ``columns``.

    ``fmt`` is a format spec for the numbers (``".3f"``), one for all columns or one
    per column (``""`` leaves a column as ``str``); strings are never formatted. A ``|``
    inside a cell is escaped.

    Examples
    --------
    >>> print(markdown_table(["beta", "slope"], [(3, 1.23456), (5, 2.5)], ["g", ".2f"]))
    | beta | slope |
    |---|---|
    | 3 | 1.23 |
    | 5 | 2.50 |
    """
    columns = list(columns)
    fmts = [fmt] * len(columns) if isinstance(fmt, str) else list(fmt)
    if len(fmts) != len(columns):
        raise ValueError(f"fmt has {len(fmts)} entries for {len(columns)} columns")

    def cell(x: Any, f: str) -> str:
        return escape_cell(format(x, f) if f and not isinstance(x, str) else str(x))

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        r = list(r)
        if len(r) != len(columns):
            raise ValueError(f"row {r!r} has {len(r)} cells for {len(columns)} columns")
        lines.append("| " + " | ".join(cell(x, f) for x, f in zip(r, fmts)) + " |")
    return "\n".join(lines)


def show_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str | Sequence[str] = "") -> None:
    """Display :func:`markdown_table` in a notebook (print it elsewhere); returns nothing,
    so a cell ending with it shows only the table."""
    text = markdown_table(columns, rows, fmt)
    if _in_notebook():
        from IPython.display import Markdown, display

        display(Markdown(text))
    else:
        print(text)
