"""The book pipeline: Jupytext sources -> papermill -> claims page -> jupyter-book.

``notebooks/<chapter>.md`` (MyST Markdown, Jupytext) is executed by papermill, which
injects ``profile`` and ``seed`` into the cell tagged ``parameters``; the executed
notebook goes to ``book/_generated/<chapter>.ipynb`` and the chapter writes
``results/<chapter>.json``.  The claims page is generated from those files, and
jupyter-book 1.x renders the site without executing anything (Sphinx warnings are
errors).  A cell that raises stops the pipeline with the chapter and cell named.

Execution cache
---------------
``lidlib book`` re-executes a chapter only when something it depends on changed. The
key of a chapter (:func:`chapter_key`) is a sha256 over its notebook source, every
file of the ``lidlib`` package, every file under ``data/``, the seed sweep's
``book/robustness.json`` (chapters mark fragile claims from it), the profile, the seed,
the overrides of the chapter's settings (the book injects none), the lock file and the
installed distributions with their versions (the environment that actually runs). After
a successful execution :func:`run_chapter` writes the key and the sha256 of the executed
notebook and of the results file to ``book/_generated/.keys/<chapter>.json``; a later
build skips the chapter when the key and both outputs still match (so a ``lidlib run``
at another seed, which overwrites the results, is noticed). ``--force`` re-executes
everything. A run with overrides (``lidlib run -p``, papermill's ``overrides``, the
parameters cell) writes its results, figures and notebook to
``results/overrides/<chapter>-<profile>-seed<seed>-<hash>/`` and leaves the book's
outputs and keys alone.

Why a small manifest and not jupyter-cache (which jupyter-book itself uses): jupyter-cache
keys a notebook by its code cells only. Our chapters' numbers also depend on the library
they call, the committed data, the injected profile and seed, and the environment, and
a chapter's products are not only the notebook outputs but also its results JSON and
figure files, which the claims page is built from. jupyter-cache sees none of these, so
a cache hit could show stale verdicts; a hash manifest of forty lines sees all of them.

Parallel chapters
-----------------
Chapters are independent (each writes its own notebook, results file and figure
folder), so ``lidlib book -j N`` executes up to N of them at once, each in its own
process with its own kernel, longest first (by the last recorded timings). BLAS is
single-threaded in every kernel, which keeps the numbers bit-for-bit identical to a
serial build (``tests/test_determinism.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from lidlib.book import claims
from lidlib.book.profiles import DEFAULT_SEED, PROFILES

GENERATED = Path("book") / "_generated"


class ChapterError(RuntimeError):
    """A chapter failed to execute; the message names the chapter and the cell."""


@dataclass(frozen=True)
class ChapterRun:
    chapter: str
    seconds: float
    notebook: Path
    results: Path
    cached: bool = False


KEYS = GENERATED / ".keys"


def _hash_files(h, paths) -> None:
    for p in paths:
        h.update(str(p).encode() + b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())


def environment_fingerprint() -> str:
    """sha256 of the Python version and every installed distribution with its version."""
    dists = sorted(
        {f"{d.metadata['Name']}=={d.version}".lower() for d in metadata.distributions() if d.metadata["Name"]}
    )
    return hashlib.sha256("\n".join([sys.version, *dists]).encode()).hexdigest()


def chapter_key(
    root: Path, chapter: str, profile: str, seed: int, env: str | None = None, overrides: dict | None = None
) -> str:
    """The cache key of one chapter execution (see the module docstring).

    Parameters
    ----------
    root : Path
        The book's root.
    chapter : str
        Notebook stem.
    profile, seed, overrides
        What papermill injects (the book injects no overrides).
    env : str, optional
        :func:`environment_fingerprint` (computed if not given).
    """
    import lidlib

    ov = json.dumps(overrides or {}, sort_keys=True)
    h = hashlib.sha256(f"{chapter}\0{profile}\0{int(seed)}\0{ov}\0{env or environment_fingerprint()}".encode())
    pkg = Path(lidlib.__file__).resolve().parent
    _hash_files(h, [root / "notebooks" / f"{chapter}.md"])
    _hash_files(
        h,
        sorted(
            p
            for p in pkg.rglob("*")
            if p.is_file() and p.suffix in (".py", ".txt", ".toml", ".json") and "__pycache__" not in p.parts
        ),
    )
    for extra in (root / "data", root / "requirements"):
        if extra.is_dir():
            _hash_files(h, sorted(p for p in extra.rglob("*") if p.is_file()))
    # the chapters mark claims that flip over seeds as fragile, read from the committed sweep
    _hash_files(h, [p for p in (root / claims.ROBUSTNESS_FILE,) if p.is_file()])
    return h.hexdigest()


def _sha(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _key_file(root: Path, chapter: str) -> Path:
    return root / KEYS / f"{chapter}.json"


def _record_key(root: Path, run: ChapterRun, key: str) -> None:
    f = _key_file(root, run.chapter)
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(
        json.dumps(
            {
                "key": key,
                "seconds": round(run.seconds, 2),
                "notebook": _sha(run.notebook),
                "results": _sha(run.results),
            },
            indent=1,
        )
        + "\n"
    )


def cached_run(root: Path, chapter: str, key: str) -> ChapterRun | None:
    """The recorded run of ``chapter`` if its key and both outputs still match, else None."""
    f = _key_file(root, chapter)
    if not f.is_file():
        return None
    rec = json.loads(f.read_text())
    nb, res = root / GENERATED / f"{chapter}.ipynb", root / "results" / f"{chapter}.json"
    if rec.get("key") != key or rec.get("notebook") != _sha(nb) or rec.get("results") != _sha(res):
        return None
    return ChapterRun(chapter, float(rec.get("seconds", 0.0)), nb, res, cached=True)


def find_root(start: Path | None = None) -> Path:
    """The book's root directory (holding ``_toc.yml`` and ``notebooks/``)."""
    root = claims.project_root(start)
    if root is None:
        raise ChapterError("not inside the book's source tree: no parent directory holds _toc.yml and notebooks/")
    return root


def toc_chapters(root: Path) -> list[str]:
    """Chapter names (notebook stems) in ``_toc.yml`` order: the entries under ``book/_generated/``."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if "file" in node:
                files.append(str(node["file"]))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(toc)
    prefix = GENERATED.as_posix() + "/"
    return [Path(f).stem for f in files if f.startswith(prefix)]


def check_profile(profile: str) -> None:
    """``ValueError`` unless ``profile`` is one of :data:`PROFILES`."""
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")


CELL_TIMEOUT_ENV = "LIDLIB_CELL_TIMEOUT"
#: Longest single wait on a kernel socket (seconds); see :func:`_bounded_socket_waits`.
POLL_SLICE = 0.5


def _bounded_socket_waits() -> None:
    """Make every wait for a kernel message end within ``POLL_SLICE`` of the message's arrival.

    The cause of the stalls seen in book builds (a chapter that takes exactly the cell time
    limit longer than usual, with no error): nbclient waits for a cell's execute reply with
    one ``zmq.asyncio`` poll as long as the whole cell time limit. That poll is woken by the
    socket's edge-triggered file descriptor; when the wake-up is lost, the reply sits
    unread in the socket and the poll only looks again when its timer fires, at the time
    limit, where a final non-blocking check finds the reply and execution goes on as if
    nothing had happened (``zmq/_future.py``, ``_AsyncPoller.poll``: ``trigger_timeout``
    then ``poll(0)``). The executed notebook shows it: the kernel stamped the reply under
    a second after the cell started, papermill recorded the cell as lasting the time limit
    (two_tail_law's widget cell, 600.02 s, seen here on 2026-12-04 with two chapters running
    at once). Polling in slices of ``POLL_SLICE`` seconds, each ending in that same
    non-blocking check, turns a lost wake-up into a delay of at most half a second while
    keeping nbclient's own timeout semantics. Installed in the process that drives the
    kernel (not in the kernel); idempotent.
    """
    from jupyter_client.channels import AsyncZMQSocketChannel

    if getattr(AsyncZMQSocketChannel.get_msg, "_lidlib_sliced", False):
        return
    from queue import Empty

    async def get_msg(self, timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = POLL_SLICE if deadline is None else min(POLL_SLICE, deadline - time.monotonic())
            if await self.socket.poll(max(1, int(left * 1000))):
                return await self._recv()
            if deadline is not None and time.monotonic() >= deadline:
                raise Empty

    get_msg._lidlib_sliced = True  # type: ignore[attr-defined]  # marks the patch so it is applied once
    get_msg.__doc__ = AsyncZMQSocketChannel.get_msg.__doc__
    AsyncZMQSocketChannel.get_msg = get_msg


def stalled_cells(path: Path, margin: float = 5.0) -> list[str]:
    """Cells whose client-side duration exceeds the kernel's own by more than ``margin`` s.

    papermill records when the client started and finished each cell; the kernel stamps
    its ``execute_input`` and ``execute_reply`` messages. A large difference means the
    client waited for a message the kernel had already sent (a stall), not computation.
    """
    from datetime import datetime

    import nbformat

    nb = nbformat.read(path, as_version=4)
    out = []
    for i, c in enumerate(nb.cells):
        ex, pm = c.metadata.get("execution", {}), c.metadata.get("papermill", {})
        try:
            kernel = (
                datetime.fromisoformat(ex["shell.execute_reply"].replace("Z", "+00:00"))
                - datetime.fromisoformat(ex["iopub.execute_input"].replace("Z", "+00:00"))
            ).total_seconds()
            client = float(pm["duration"])
        except (KeyError, TypeError, ValueError):
            continue
        if client - kernel > margin:
            out.append(f"cell {i}: {client:.1f} s in the client, {kernel:.1f} s in the kernel")
    return out


#: Code cells longer than this many lines are folded on the site unless tagged ``show-input``.
FOLD_LINES = 8
#: A code cell that calls any of these draws or lays out a figure: folded on the site.
_PLOTTING = (
    "plt.",
    "plotting.",
    ".plot(",
    ".loglog(",
    ".semilogx(",
    ".semilogy(",
    ".imshow(",
    ".bar(",
    ".hist(",
    ".set(",
    "ledger.figure(",
    "panels(",
    "interact(",
)


def fold_input(source: str, tags: list[str]) -> bool:
    """Whether a code cell's input is folded on the site (prose first, code one click away).

    Folded: cells that draw figures (they call matplotlib or ``lidlib.book.plotting``) and
    cells longer than :data:`FOLD_LINES` lines (orchestration and helpers). Shown: short
    cells that carry the argument (a call to lidlib and its printed result). The tags
    ``show-input`` and ``hide-input`` (or ``remove-input``/``remove-cell``) in the
    notebook override the rule.
    """
    if {"show-input", "hide-input", "remove-input", "remove-cell", "hide-cell"} & set(tags):
        return False  # the author decided
    lines = [ln for ln in source.splitlines() if ln.strip()]
    return len(lines) > FOLD_LINES or any(p in source for p in _PLOTTING)


_GLUE_FIGURE = re.compile(r"^[ \t]*[`:]{3,}\{glue:figure\}[ \t]+fig-(\S+)", re.M)


def captioned_figures(nb) -> set[str]:
    """Names of the ledger figures that the notebook places with a ``{glue:figure}``
    directive (``fig-<name>``; see :meth:`lidlib.book.claims.Ledger.figure`)."""
    return {m.group(1) for c in nb.cells if c.cell_type == "markdown" for m in _GLUE_FIGURE.finditer(c.source)}


def uncaptioned_figures(nb) -> list[str]:
    """Ledger figures shown inline but never placed as a numbered, captioned figure."""
    captioned = captioned_figures(nb)
    shown = [
        o.get("metadata", {}).get(claims.FIGURE_KEY)
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    ]
    return [n for n in shown if n and n not in captioned]


def _prepare_for_site(path: Path) -> list[str]:
    """Tag the executed notebook for the site.

    Shows readers only the parameters a chapter really ran with: papermill keeps the
    notebook's own ``parameters`` cell (the defaults) and adds an ``injected-parameters``
    cell after it; the defaults are tagged ``remove-cell``. Folds the input of plotting
    and long cells (:func:`fold_input`) with ``hide-input``. Drops the inline copy of
    every figure that the text places as a numbered figure (:func:`captioned_figures`),
    so each figure appears once, with its number and caption. Returns the figures
    left without a caption (:func:`uncaptioned_figures`).
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    injected = any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    captioned = captioned_figures(nb)
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        tags = list(c.metadata.get("tags", []))
        if injected and "parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
        elif "parameters" not in tags and "injected-parameters" not in tags and fold_input(c.source, tags):
            tags.append("hide-input")
        c.metadata["tags"] = tags
        c.outputs = [o for o in c.outputs if o.get("metadata", {}).get(claims.FIGURE_KEY) not in captioned]
    nbformat.write(nb, path)
    return uncaptioned_figures(nb)


def _plain(value):
    """Tuples as lists: papermill writes lists, dicts and scalars as Python literals, other types as strings."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def run_chapter(
    chapter: str,
    profile: str = "quick",
    seed: int = DEFAULT_SEED,
    root: Path | None = None,
    *,
    retries: int = 1,
    key: str | None = None,
    notebook_dir: Path | None = None,
    overrides: dict | None = None,
) -> ChapterRun:
    """Execute one chapter with papermill and return where its outputs went.

    Every cell has a time limit (``$LIDLIB_CELL_TIMEOUT`` seconds, default 600, far
    above the slowest cell at the paper profile). A cell that times out, or a kernel
    that dies, is retried ``retries`` times from a fresh kernel. (The stalls once seen
    here were a lost socket wake-up in the client, now bounded by
    :func:`_bounded_socket_waits`; :func:`stalled_cells` reports any that remain.)

    ``key`` is the chapter's cache key if the caller has computed it already
    (:func:`chapter_key`); it is recorded beside the outputs.

    The executed notebook goes to ``book/_generated/<chapter>.ipynb`` unless
    ``notebook_dir`` is given (the seed sweep keeps one copy per seed there).

    ``overrides`` (settings of ``lidlib/book/profiles.toml`` to change, checked by
    :func:`lidlib.book.profiles.check_overrides`) are injected as the notebook's
    ``overrides`` parameter. Such a run is not the book's: its results, figures and
    executed notebook all go to :func:`lidlib.book.claims.run_dir`
    (``results/overrides/<chapter>-<profile>-seed<seed>-<hash>/``), and the book's
    outputs and cache keys are left alone.

    Raises
    ------
    ChapterError
        If the notebook does not exist, a cell raises, or no results file was written.
    ValueError
        If the profile or an override is not valid.
    """
    import jupytext
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    check_profile(profile)
    root = find_root(root)
    src = root / "notebooks" / f"{chapter}.md"
    if not src.is_file():
        known = sorted(p.stem for p in (root / "notebooks").glob("*.md"))
        raise ChapterError(f"no chapter {chapter!r} (no {src}); chapters: {', '.join(known)}")
    from lidlib.book import profiles

    overrides = profiles.check_overrides(chapter, profile, overrides) if overrides else {}
    res_dir = claims.results_dir() if os.environ.get(claims.RESULTS_ENV) else root / "results"
    run_dir = claims.run_dir(chapter, profile, seed, overrides, base=res_dir)
    if overrides and notebook_dir is None:
        notebook_dir = run_dir
    out = Path(notebook_dir or root / GENERATED) / f"{chapter}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    res = run_dir / f"{chapter}.json"
    res.unlink(missing_ok=True)
    book_nb, book_res = out == root / GENERATED / f"{chapter}.ipynb", run_dir == root / "results"
    if book_nb or book_res:  # the book's own outputs are about to change
        _key_file(root, chapter).unlink(missing_ok=True)
    nb = jupytext.read(src)
    # The kernel inherits the environment: tell it where results go, and keep figures
    # inline even if the caller has MPLBACKEND=Agg set (that would drop every figure).
    # BLAS runs single-threaded unless the caller says otherwise: the chapters do many
    # small factorisations, where threads gain nothing and lose badly when another
    # process shares the cores, and one thread keeps results bit-for-bit stable.
    threads = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {k: os.environ.get(k) for k in (claims.RESULTS_ENV, "MPLBACKEND", *threads)}
    os.environ[claims.RESULTS_ENV] = str(res_dir)
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    for k in threads:
        os.environ.setdefault(k, "1")
    timeout = int(os.environ.get(CELL_TIMEOUT_ENV, "600"))
    _bounded_socket_waits()
    t0 = time.perf_counter()
    try:
        for attempt in range(retries + 1):
            try:
                papermill.execute_notebook(
                    nb,
                    str(out),
                    # the book injects no overrides: its notebooks show only profile and seed
                    parameters={
                        "profile": profile,
                        "seed": int(seed),
                        **({"overrides": _plain(overrides)} if overrides else {}),
                    },
                    kernel_name="python3",
                    language="python",
                    cwd=str(root / "notebooks"),
                    progress_bar=False,
                    execution_timeout=timeout,
                )
                break
            except (CellTimeoutError, DeadKernelError, TimeoutError) as exc:
                if attempt == retries:
                    raise ChapterError(
                        f"chapter {chapter!r} stalled: {type(exc).__name__} after {attempt + 1} attempt(s) "
                        f"(cell time limit {timeout} s, ${CELL_TIMEOUT_ENV})"
                    ) from None
                print(
                    f"[lidlib] chapter {chapter!r}: {type(exc).__name__}; retrying with a fresh kernel", file=sys.stderr
                )
    except PapermillExecutionError as exc:
        src_cells = [c.source.strip() for c in nb.cells if c.cell_type == "code"]
        failed = (exc.source or "").strip()
        where = f"code cell {src_cells.index(failed) + 1}" if failed in src_cells else "the injected parameters cell"
        first = failed.splitlines()[0][:60] if failed else ""
        raise ChapterError(
            f"chapter {chapter!r} failed in {where} of notebooks/{chapter}.md "
            f"(starting {first!r}): {exc.ename}: {exc.evalue}\n"
            f"  the executed notebook with the traceback is {out}"
        ) from None
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    seconds = time.perf_counter() - t0
    for line in stalled_cells(out):
        print(f"[lidlib] chapter {chapter!r} stalled in {line}", file=sys.stderr)
    bare = _prepare_for_site(out)
    if not res.is_file():
        raise ChapterError(f"chapter {chapter!r} ran but wrote no {res} (call ledger.save())")
    if bare:
        raise ChapterError(
            f"chapter {chapter!r}: figure(s) {', '.join(bare)} have no numbered caption; place each with "
            "a {glue:figure} fig-<name> block (see Ledger.figure)"
        )
    run = ChapterRun(chapter, seconds, out, res)
    if book_nb and book_res:  # the book's own outputs: remember what made them
        _record_key(
            root, run, key if key is not None else chapter_key(root, chapter, profile, seed, overrides=overrides)
        )
    return run


ROBUSTNESS = Path("book") / "robustness.json"
BASELINE = Path("book") / "verdicts_quick_seed0.json"


def load_robustness(root: Path) -> dict:
    """The committed seed-sweep aggregate ``book/robustness.json`` (``{}`` if absent)."""
    f = root / ROBUSTNESS
    return json.loads(f.read_text()) if f.is_file() else {}


def write_claims(root: Path) -> Path:
    """Regenerate ``book/claims.md``, its downloads and ``book/robustness.md`` from the results.

    ``book/claims.csv`` and ``book/claims.json`` hold every claim (the page links them);
    the Robustness page is rendered from the committed ``book/robustness.json``.
    """
    results = claims.load_results(root / "results")
    order = toc_chapters(root)
    rob = load_robustness(root)
    claims.write_claims_downloads(root / "book", results, order)
    claims.write_robustness_page(root / "book" / "robustness.md", rob)
    return claims.write_claims_page(root / "book" / "claims.md", results, order=order, robustness=rob)


def load_baseline(root: Path) -> dict:
    """The committed verdict baseline (``book/verdicts_quick_seed0.json``).

    Raises
    ------
    ChapterError
        If the file does not exist (create it with ``lidlib baseline --update``).
    """
    f = root / BASELINE
    if not f.is_file():
        raise ChapterError(f"no verdict baseline {f}; create it with `lidlib baseline --update`")
    return json.loads(f.read_text())


def baseline_changes(root: Path, chapters: list[str] | None = None) -> list[tuple[str, str | None, str | None]]:
    """Verdicts in ``results/`` that differ from the committed baseline (``(key, old, new)``)."""
    base = load_baseline(root)["verdicts"]
    current = claims.verdicts(claims.load_results(root / "results"))
    return claims.verdict_changes(current, base, chapters)


def update_baseline(root: Path) -> Path:
    """Write ``book/verdicts_quick_seed0.json`` from ``results/`` (every chapter, quick, seed 0).

    Raises
    ------
    ChapterError
        If a chapter's results are missing or were not made at the quick profile, seed 0.
    """
    results = claims.load_results(root / "results")
    chapters = toc_chapters(root)
    missing = [ch for ch in chapters if ch not in results]
    wrong = [ch for ch in chapters if ch in results and (results[ch]["profile"], results[ch]["seed"]) != ("quick", 0)]
    if missing or wrong:
        raise ChapterError(
            "the baseline needs every chapter run at --profile quick --seed 0 "
            f"(missing: {', '.join(missing) or 'none'}; other profile or seed: {', '.join(wrong) or 'none'}); "
            "run `lidlib book --profile quick` first"
        )
    data = {
        "profile": "quick",
        "seed": 0,
        "commit": git_commit(root),
        "verdicts": claims.verdicts({ch: results[ch] for ch in chapters}),
    }
    out = root / BASELINE
    out.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
    return out


def write_generated_pages(root: Path) -> None:
    """Write the generated parts of the reproducibility page into ``book/_generated/``.

    ``profiles.md``: every chapter's settings at both profiles (:func:`profiles_markdown`);
    ``timings.md``: the per-chapter wall times of the last ``lidlib book`` run.
    """
    from lidlib.book import concordance

    out = root / GENERATED
    out.mkdir(parents=True, exist_ok=True)
    _write_if_changed(out / "profiles.md", profiles_markdown())
    _write_if_changed(out / "timings.md", timings_markdown(root) + "\n")
    _write_if_changed(out / "findings.md", findings_markdown(root) + "\n")
    concordance.write(root)  # book/_generated/concordance.md; raises if book/concordance.yml is stale


def profiles_markdown() -> str:
    """Every chapter's settings at both profiles; those that differ between them in bold."""
    from lidlib.book import profiles

    lines = []
    for ch in profiles.chapters():
        q, p = profiles.get(ch, "quick"), profiles.get(ch, "paper")
        diff = set(profiles.differing(ch))
        lines += [
            f"**{ch}**: {len(diff)} of {len(q)} settings differ between the profiles (in bold).",
            "",
            "| setting | quick | paper |",
            "|---|---|---|",
        ]
        for k in q:
            b = "**" if k in diff else ""
            lines.append(f"| {b}`{k}`{b} | {b}{q[k]}{b} | {b}{p[k]}{b} |")
        lines.append("")
    return "\n".join(lines)


def findings_markdown(root: Path) -> str:
    """The intro page's summary of what the book found, generated from the results.

    Every claim of kind ``paper`` (a statement of the papers, tested as stated), chapter
    by chapter in book order, with its verdict, what was measured against what was
    expected, and whether the verdict is fragile over seeds; then the count per kind.
    """
    results = claims.load_results(root / "results")
    if not results:
        return "No results yet: run `lidlib book`."
    order = [ch for ch in toc_chapters(root) if ch in results]
    rows = claims.claim_rows(results, order, doc_prefix="_generated/")
    paper = [r for r in rows if r["kind"] == "paper"]
    counts = {k: [r for r in rows if r["kind"] == k] for k in claims.KINDS}
    prof = sorted({(r["profile"], r["seed"]) for r in rows})
    lines = [
        "The statements of the papers that this book tests as stated, with the verdict of the "
        "last build (" + ", ".join(f"profile `{p}`, seed {s}" for p, s in prof) + "). Each row links "
        "to the cell that decided it; the {doc}`claims page <claims>` has every claim, with what "
        "would have failed it and its margin.",
        "",
        "| verdict | statement of the paper | where | measured | expected |",
        "|---|---|---|---|---|",
    ]
    for r in paper:
        rob = claims.robustness_of(r["chapter"], r["id"])
        verdict = {"pass": "pass", "fail": "**FAIL**", "not run": "not run"}[r["status"]]
        if rob and rob.get("fragile"):
            verdict += f" (*fragile*: {rob['passed']}/{rob['n']} seeds)"
        if r.get("knife_edge"):
            verdict += " (knife-edge)"
        stmt = claims.escape_cell(r["statement"])
        lines.append(
            f'| {verdict} | <a href="{r["link"]}">{stmt}</a> | {claims.escape_cell(r["paper_ref"] or "")} '
            f"| {claims.format_value(r['measured'])} | {claims.format_value(r['expected'])} |"
        )
    lines += [
        "",
        "All claims by kind:",
        "",
        "| kind | what it means | pass | fail | not run |",
        "|---|---|---|---|---|",
    ]
    for k, meaning in claims.KINDS.items():
        st = [r["status"] for r in counts[k]]
        lines.append(f"| {k} | {meaning} | {st.count('pass')} | {st.count('fail')} | {st.count('not run')} |")
    return "\n".join(lines)


#: Wall-time budgets of a whole book build on the reference machine (2 cores), install excluded.
BUDGET_SECONDS = {"quick": 180.0, "paper": 900.0}
TIMINGS_DIR = Path("book") / "timings"


def timings_markdown(root: Path) -> str:
    """The per-chapter wall times of the last build at each profile, against the budgets.

    Reads ``book/timings/<profile>.json``, which :func:`measure_builds` copies from the
    from-scratch build it times (a normal build writes ``results/_timings-<profile>.json``
    only).  The files are committed, so the page shows the last measured paper build
    even when CI renders the site at the quick profile.
    """
    runs = {}
    for prof in BUDGET_SECONDS:
        f = root / TIMINGS_DIR / f"{prof}.json"
        if f.is_file():
            runs[prof] = json.loads(f.read_text())
    if not runs:
        return "No timings recorded: the site was rendered without executing the chapters.\n\n" + bench_markdown(root)
    chapters: list[str] = []
    for t in runs.values():
        chapters += [ch for ch in t["seconds"] if ch not in chapters]
    head = "| chapter | " + " | ".join(f"{p} (s)" for p in runs) + " |"
    lines = [head, "|---|" + "---|" * len(runs)]
    for ch in chapters:
        cells = [f"{runs[p]['seconds'][ch]:.1f}" if ch in runs[p]["seconds"] else "-" for p in runs]
        lines.append(f"| {ch} | " + " | ".join(cells) + " |")
    totals = {p: float(sum(t["seconds"].values())) for p, t in runs.items()}
    lines.append("| **all chapters** | " + " | ".join(f"**{totals[p]:.1f}**" for p in runs) + " |")
    lines.append("| budget | " + " | ".join(f"{BUDGET_SECONDS[p]:.0f}" for p in runs) + " |")
    notes = []
    for p, t in runs.items():
        verdict = "within" if totals[p] <= BUDGET_SECONDS[p] else "**over**"
        wall = (
            f" ({t['execution_wall_seconds']:.0f} s of wall time with {t['jobs']} chapters at a time)"
            if t.get("execution_wall_seconds") is not None and t.get("jobs")
            else ""
        )
        notes.append(
            f"- `{p}`: {totals[p] / 60:.1f} min of execution summed over chapters{wall}, {verdict} the "
            f"{BUDGET_SECONDS[p] / 60:.0f}-minute budget; "
            f"measured {t.get('date', 'at an unrecorded date')} on {t.get('machine', 'this machine')}, "
            f"seed {t['seed']}{', commit ' + t['commit'] if t.get('commit') else ''}."
        )
    intro = (
        "Wall time of each chapter in the last `lidlib book` run at each profile (execution only; "
        "the whole-build table below adds rendering). Generated from `book/timings/*.json`, not typed."
    )
    return "\n".join([intro, "", *lines, "", *notes, "", builds_markdown(root), "", bench_markdown(root)])


#: Targets for whole-book builds on the reference machine (2 cores), execution + render, seconds.
BUILD_TARGETS: dict[str, Any] = {"scratch": {"quick": 60.0, "paper": 150.0}, "unchanged": 15.0}


def measure_builds(root: Path | None = None, profile: str = "quick", jobs: int | None = None, log=print) -> dict:
    """Time three builds of the book and save them to ``book/timings/builds.json``.

    (1) from scratch (executed notebooks, results, keys and the rendered site removed
    first), (2) again with nothing changed, (3) after invalidating one chapter's cache
    key (``lid_model``: the cost of editing one chapter). Each time is wall-clock,
    execution plus render. Destroys the current ``_build/`` and outputs of ``root``.
    """
    check_profile(profile)
    root = find_root(root)
    for d in (root / "_build", root / GENERATED, root / "results"):
        shutil.rmtree(d, ignore_errors=True)
    times = {}
    for step in ("scratch", "unchanged", "one_chapter"):
        if step == "one_chapter":
            _key_file(root, "lid_model").unlink(missing_ok=True)
        t0 = time.perf_counter()
        build_book(profile, DEFAULT_SEED, root, jobs=jobs, log=log)
        times[step] = round(time.perf_counter() - t0, 1)
        log(f"[lidlib bench] {step}: {times[step]} s")
        if step == "scratch":  # the per-chapter times of this whole build go on the page
            (root / TIMINGS_DIR).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / "results" / f"_timings-{profile}.json", root / TIMINGS_DIR / f"{profile}.json")
    f = root / TIMINGS_DIR / "builds.json"
    allp = json.loads(f.read_text()) if f.is_file() else {}
    allp[profile] = {
        "seconds": times,
        "jobs": jobs or os.cpu_count(),
        "date": time.strftime("%Y-%m-%d"),
        "load": round(os.getloadavg()[1], 2),  # 5-minute load average at the end
        "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
        "commit": git_commit(root),
    }
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(json.dumps(allp, indent=1) + "\n")
    return allp[profile]


def builds_markdown(root: Path) -> str:
    """The last :func:`measure_builds` results against :data:`BUILD_TARGETS`."""
    f = root / TIMINGS_DIR / "builds.json"
    if not f.is_file():
        return "No whole-build timings saved yet (`lidlib bench --builds PROFILE`)."
    b = json.loads(f.read_text())
    lines = [
        "Whole builds (`lidlib bench --builds PROFILE`: wall clock, execution plus render, all chapters in parallel):",
        "",
        "| profile | from scratch (s) | target | nothing changed (s) | target "
        "| one chapter changed (s) | cores | measured |",
        "|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    for prof, r in b.items():
        t = r["seconds"]
        lines.append(
            f"| `{prof}` | {t['scratch']:.0f} | {BUILD_TARGETS['scratch'][prof]:.0f} | {t['unchanged']:.0f} | "
            f"{BUILD_TARGETS['unchanged']:.0f} | {t['one_chapter']:.0f} | {r['jobs']} | {r['date']}, "
            f"commit {r.get('commit') or '?'} |"
        )
        over = [
            f"from scratch ({t['scratch']:.0f} s against {BUILD_TARGETS['scratch'][prof]:.0f} s)"
            for _ in [0]
            if t["scratch"] > BUILD_TARGETS["scratch"][prof]
        ]
        over += [
            f"unchanged ({t['unchanged']:.0f} s against {BUILD_TARGETS['unchanged']:.0f} s)"
            for _ in [0]
            if t["unchanged"] > BUILD_TARGETS["unchanged"]
        ]
        load = (
            f" (5-minute load average {r['load']:.1f} on {r['jobs']} cores at the end)"
            if r.get("load") is not None
            else ""
        )
        notes.append(
            f"- `{prof}`: " + ("**over target**: " + "; ".join(over) if over else "within the targets") + load + "."
        )
    return "\n".join(lines + [""] + notes)


def bench_markdown(root: Path) -> str:
    """The headline figures of the last saved ``lidlib bench --save`` run."""
    f = root / TIMINGS_DIR / "bench.json"
    if not f.is_file():
        return "No benchmark saved yet (`lidlib bench --save`)."
    b = json.loads(f.read_text())
    m = b.get("machine", {})
    rows = [
        (
            "pass@k curve, exact probabilities vs the literal protocol (speed-up)",
            b.get("passk_exact_vs_literal_speedup"),
            "x",
        ),
        (
            "pass@k curve, first-success simulation vs the literal protocol (speed-up)",
            b.get("passk_first_success_vs_literal_speedup"),
            "x",
        ),
        ("nested-N ridge sweep vs refitting at every N (speed-up)", b.get("ridge_sweep_speedup"), "x"),
        ("largest relative difference of the two ridge sweeps", b.get("ridge_max_rel_diff_loss"), ""),
        (
            "`population_failure` curves per second (60 k, with bias)",
            b.get("population_failure_curves_per_second"),
            "/s",
        ),
        (
            "`population_failure` curves per second (60 k, no bias)",
            b.get("population_failure_bias_free_curves_per_second"),
            "/s",
        ),
    ]
    lines = [
        f"Benchmarks (`lidlib bench --save`, {m.get('cores', '?')} cores, Python {m.get('python', '?')}, "
        f"NumPy {m.get('numpy', '?')}):",
        "",
        "| benchmark | value |",
        "|---|---|",
    ]
    lines += [f"| {name} | {val:.3g}{unit} |" for name, val, unit in rows if val is not None]
    return "\n".join(lines)


def git_commit(root: Path) -> str | None:
    """The short hash of ``HEAD`` in ``root``, or ``None`` outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def build_site(root: Path) -> Path:
    """Render the site with jupyter-book 1.x (no execution; warnings are errors).

    The build is incremental: Sphinx re-reads only the pages whose sources changed
    (generated pages are rewritten only when their text changes), so a rebuild with
    nothing re-executed takes seconds. ``LIDLIB_FULL_RENDER=1`` forces a full render.
    """
    exe = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(exe) if exe.exists() else (shutil.which("jupyter-book") or "jupyter-book")]
    cmd += ["build", str(root), "-W", "-n", "--keep-going"]
    if os.environ.get("LIDLIB_FULL_RENDER") == "1" or not (root / "_build" / "html" / "index.html").is_file():
        cmd.insert(-3, "--all")
    proc = subprocess.run(cmd, cwd=root)
    if proc.returncode != 0:
        raise ChapterError(f"jupyter-book build failed (exit {proc.returncode}); see the warnings above")
    return root / "_build" / "html" / "index.html"


def _run_in_worker(chapter: str, profile: str, seed: int, root: str, key: str) -> ChapterRun:
    """``run_chapter`` in a worker process (module-level, so that it can be pickled)."""
    return run_chapter(chapter, profile, seed, Path(root), key=key)


def execute_chapters(
    root: Path, chapters: list[str], profile: str, seed: int, *, jobs: int = 1, force: bool = False, log=print
) -> dict[str, ChapterRun]:
    """Execute the chapters whose cache key changed (all with ``force``), ``jobs`` at a time.

    Returns every chapter's :class:`ChapterRun` (``cached=True`` for those not re-executed).
    The first failing chapter raises :class:`ChapterError` once the others running
    alongside it have finished.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    env = environment_fingerprint()
    keys = {ch: chapter_key(root, ch, profile, seed, env) for ch in chapters}
    runs: dict[str, ChapterRun] = {}
    todo = []
    for ch in chapters:
        hit = None if force else cached_run(root, ch, keys[ch])
        if hit is not None:
            runs[ch] = hit
            log(f"[lidlib book] {ch}: unchanged, not re-executed (ran in {hit.seconds:.1f} s)")
        else:
            todo.append(ch)
    # longest first (by the last recorded timings), so that the slowest chapter starts at once
    last = {}
    f = root / TIMINGS_DIR / f"{profile}.json"
    if f.is_file():
        last = json.loads(f.read_text()).get("seconds", {})
    todo.sort(key=lambda ch: -float(last.get(ch, 0.0)))
    if not todo:
        return runs
    log(
        f"[lidlib book] executing {len(todo)} chapter(s) at profile={profile}, seed={seed}, {min(jobs, len(todo))} at a time"
    )
    if jobs == 1 or len(todo) == 1:
        for ch in todo:
            runs[ch] = run_chapter(ch, profile, seed, root, key=keys[ch])
            log(f"[lidlib book] {ch}: done in {runs[ch].seconds:.1f} s")
        return {ch: runs[ch] for ch in chapters}
    error: Exception | None = None
    with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(_run_in_worker, ch, profile, seed, str(root), keys[ch]): ch for ch in todo}
        for fut in as_completed(futures):
            ch = futures[fut]
            try:
                runs[ch] = fut.result()
                log(f"[lidlib book] {ch}: done in {runs[ch].seconds:.1f} s")
            except Exception as exc:  # noqa: BLE001 - reported after the others finish
                log(f"[lidlib book] {ch}: FAILED")
                error = error or exc
                for other in futures:
                    other.cancel()
    if error is not None:
        raise error
    return {ch: runs[ch] for ch in chapters}


def _write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` unless the file already holds it (keeps Sphinx's incremental build incremental)."""
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)


def build_book(
    profile: str = "paper",
    seed: int = DEFAULT_SEED,
    root: Path | None = None,
    *,
    execute: bool = True,
    jobs: int | None = None,
    force: bool = False,
    log=print,
) -> Path:
    """Execute what changed (every chapter with ``force``), write the claims page, render the site.

    Parameters
    ----------
    profile, seed
        Injected into every chapter.
    root : Path, optional
        The book's root (default: found from the working directory).
    execute : bool
        False: only regenerate the claims page and the site from existing outputs.
    jobs : int, optional
        Chapters executed at once (default: the number of cores).
    force : bool
        Re-execute every chapter even if its cache key is unchanged.
    """
    check_profile(profile)
    root = find_root(root)
    chapters = toc_chapters(root)
    jobs = jobs or os.cpu_count() or 1
    if execute:
        t0 = time.perf_counter()
        runs = execute_chapters(root, chapters, profile, seed, jobs=jobs, force=force, log=log)
        wall = time.perf_counter() - t0
        fresh = [ch for ch, r in runs.items() if not r.cached]
        res_dir = root / "results"
        res_dir.mkdir(exist_ok=True)
        known = set(chapters)
        for old in res_dir.glob("*.json"):  # results of chapters no longer in the book
            if old.stem not in known and not old.name.startswith("_"):
                old.unlink()
        if len(fresh) == len(chapters):  # a whole build: the timings page shows whole builds only
            record = {
                "profile": profile,
                "seed": seed,
                "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
                "date": time.strftime("%Y-%m-%d"),
                "commit": git_commit(root),
                "jobs": jobs,
                "seconds": {ch: round(r.seconds, 2) for ch, r in runs.items()},
                "execution_wall_seconds": round(wall, 2),
            }
            # results/ (ignored by git): a build leaves the tree clean; the committed
            # book/timings/ are written only by a deliberate `lidlib bench --builds`
            (res_dir / f"_timings-{profile}.json").write_text(json.dumps(record, indent=1) + "\n")
        log(f"[lidlib book] executed {len(fresh)} of {len(chapters)} chapters in {wall:.1f} s")
    missing = [ch for ch in chapters if not (root / GENERATED / f"{ch}.ipynb").is_file()]
    if missing:
        raise ChapterError(f"not executed yet: {', '.join(missing)} (run without --no-execute)")
    page = write_claims(root)
    write_generated_pages(root)
    log(f"[lidlib book] wrote {page.relative_to(root)}")
    index = build_site(root)
    log(f"[lidlib book] site: {index}")
    return index
