"""The book pipeline: Jupytext sources -> papermill -> claims page -> jupyter-book.

``notebooks/<chapter>.md`` (MyST Markdown, Jupytext) is executed by papermill, which
injects ``profile`` and ``seed`` into the cell tagged ``parameters``; the executed
notebook goes to ``book/_generated/<chapter>.ipynb`` and the chapter writes
``results/<chapter>.json``.  The claims page is generated from those files, and
jupyter-book 1.x renders the site without executing anything (Sphinx warnings are
errors).  A cell that raises stops the pipeline with the chapter and cell named.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from lidlib import claims
from lidlib.profiles import DEFAULT_SEED, PROFILES

GENERATED = Path("book") / "_generated"


class ChapterError(RuntimeError):
    """A chapter failed to execute; the message names the chapter and the cell."""


@dataclass(frozen=True)
class ChapterRun:
    chapter: str
    seconds: float
    notebook: Path
    results: Path


def find_root(start: Path | None = None) -> Path:
    """The book's root directory (holding ``_toc.yml`` and ``notebooks/``)."""
    root = claims.project_root(start)
    if root is None:
        raise ChapterError(
            "not inside the book's source tree: no parent directory holds _toc.yml and notebooks/"
        )
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


def _check_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")


CELL_TIMEOUT_ENV = "LIDLIB_CELL_TIMEOUT"


def _hide_default_parameters(path: Path) -> None:
    """Show readers only the parameters a chapter really ran with.

    papermill keeps the notebook's own ``parameters`` cell (the defaults) and adds an
    ``injected-parameters`` cell after it; both would be rendered.  Tag the defaults
    ``remove-cell`` so the page shows the injected values alone.
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    if not any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells):
        return
    for c in nb.cells:
        tags = c.metadata.get("tags", [])
        if "parameters" in tags and "remove-cell" not in tags:
            c.metadata["tags"] = [*tags, "remove-cell"]
    nbformat.write(nb, path)


def run_chapter(
    chapter: str, profile: str = "quick", seed: int = DEFAULT_SEED, root: Path | None = None, *, retries: int = 1,
    notebook_dir: Path | None = None,
) -> ChapterRun:
    """Execute one chapter with papermill and return where its outputs went.

    Every cell has a time limit (``$LIDLIB_CELL_TIMEOUT`` seconds, default 600, far
    above the slowest cell at the paper profile). A cell that times out, or a kernel
    that dies, is retried ``retries`` times from a fresh kernel: the known way for
    notebook execution to stall is a lost reply from the kernel after a cell that
    opens widget comms (jupyter/nbclient#312), which is not a property of the chapter.

    The executed notebook goes to ``book/_generated/<chapter>.ipynb`` unless
    ``notebook_dir`` is given (the seed sweep keeps one copy per seed there).

    Raises
    ------
    ChapterError
        If the notebook does not exist, a cell raises, or no results file was written.
    """
    import jupytext
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    _check_profile(profile)
    root = find_root(root)
    src = root / "notebooks" / f"{chapter}.md"
    if not src.is_file():
        known = sorted(p.stem for p in (root / "notebooks").glob("*.md"))
        raise ChapterError(f"no chapter {chapter!r} (no {src}); chapters: {', '.join(known)}")
    out = Path(notebook_dir or root / GENERATED) / f"{chapter}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    res_dir = claims.results_dir() if os.environ.get(claims.RESULTS_ENV) else root / "results"
    res = res_dir / f"{chapter}.json"
    res.unlink(missing_ok=True)
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
    t0 = time.perf_counter()
    try:
        for attempt in range(retries + 1):
            try:
                papermill.execute_notebook(
                    nb,
                    str(out),
                    parameters={"profile": profile, "seed": int(seed)},
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
                print(f"[lidlib] chapter {chapter!r}: {type(exc).__name__}; retrying with a fresh kernel", file=sys.stderr)
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
    _hide_default_parameters(out)
    if not res.is_file():
        raise ChapterError(f"chapter {chapter!r} ran but wrote no {res} (call ledger.save())")
    return ChapterRun(chapter, seconds, out, res)


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
            "run `lidlib book --profile quick` first")
    data = {"profile": "quick", "seed": 0, "commit": _git_commit(root),
            "verdicts": claims.verdicts({ch: results[ch] for ch in chapters})}
    out = root / BASELINE
    out.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
    return out


def write_generated_pages(root: Path) -> None:
    """Write the generated parts of the reproducibility page into ``book/_generated/``.

    ``profiles.md``: every chapter's profile sizes, read from :mod:`lidlib.profiles`;
    ``timings.md``: the per-chapter wall times of the last ``lidlib book`` run.
    """
    from lidlib import profiles

    out = root / GENERATED
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for ch in profiles.chapters():
        q, p = profiles.get(ch, "quick"), profiles.get(ch, "paper")
        lines += [f"**{ch}**", "", "| parameter | quick | paper |", "|---|---|---|"]
        lines += [f"| `{k}` | {q[k]} | {p[k]} |" for k in q]
        lines.append("")
    (out / "profiles.md").write_text("\n".join(lines))

    (out / "timings.md").write_text(timings_markdown(root) + "\n")


#: Wall-time budgets of a whole book build on the reference machine (2 cores), install excluded.
BUDGET_SECONDS = {"quick": 180.0, "paper": 900.0}
TIMINGS_DIR = Path("book") / "timings"


def timings_markdown(root: Path) -> str:
    """The per-chapter wall times of the last build at each profile, against the budgets.

    Reads ``book/timings/<profile>.json``, which :func:`build_book` writes after executing
    every chapter.  The files are committed, so the page shows the last measured paper
    build even when CI renders the site at the quick profile.
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
        notes.append(
            f"- `{p}`: {totals[p] / 60:.1f} min of execution, {verdict} the {BUDGET_SECONDS[p] / 60:.0f}-minute budget; "
            f"measured {t.get('date', 'at an unrecorded date')} on {t.get('machine', 'this machine')}, "
            f"seed {t['seed']}{', commit ' + t['commit'] if t.get('commit') else ''}."
        )
    intro = (
        "Wall time of each chapter in the last `lidlib book` run at each profile (execution only; "
        "rendering the site adds about half a minute). Generated from `book/timings/*.json`, not typed."
    )
    return "\n".join([intro, "", *lines, "", *notes, "", bench_markdown(root)])


def bench_markdown(root: Path) -> str:
    """The headline figures of the last saved ``lidlib bench --save`` run."""
    f = root / TIMINGS_DIR / "bench.json"
    if not f.is_file():
        return "No benchmark saved yet (`lidlib bench --save`)."
    b = json.loads(f.read_text())
    m = b.get("machine", {})
    rows = [
        ("pass@k curve, exact probabilities vs the literal protocol (speed-up)", b.get("passk_exact_vs_literal_speedup"), "x"),
        ("pass@k curve, first-success simulation vs the literal protocol (speed-up)",
         b.get("passk_first_success_vs_literal_speedup"), "x"),
        ("nested-N ridge sweep vs refitting at every N (speed-up)", b.get("ridge_sweep_speedup"), "x"),
        ("largest relative difference of the two ridge sweeps", b.get("ridge_max_rel_diff_loss"), ""),
        ("`population_failure` curves per second (60 k, with bias)", b.get("population_failure_curves_per_second"), "/s"),
        ("`population_failure` curves per second (60 k, no bias)",
         b.get("population_failure_bias_free_curves_per_second"), "/s"),
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


def _git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def build_site(root: Path) -> Path:
    """Render the site with jupyter-book 1.x (no execution; warnings are errors)."""
    exe = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(exe) if exe.exists() else (shutil.which("jupyter-book") or "jupyter-book")]
    cmd += ["build", str(root), "--all", "-W", "-n", "--keep-going"]
    proc = subprocess.run(cmd, cwd=root)
    if proc.returncode != 0:
        raise ChapterError(f"jupyter-book build failed (exit {proc.returncode}); see the warnings above")
    return root / "_build" / "html" / "index.html"


def build_book(profile: str = "paper", seed: int = DEFAULT_SEED, root: Path | None = None, *, execute: bool = True, log=print) -> Path:
    """Execute every chapter in ``_toc.yml`` order, write the claims page, render the site."""
    _check_profile(profile)
    root = find_root(root)
    chapters = toc_chapters(root)
    timings: dict[str, float] = {}
    if execute:
        res_dir = root / "results"
        for old in res_dir.glob("*.json"):
            old.unlink()
        for ch in chapters:
            log(f"[lidlib book] executing {ch} (profile={profile}, seed={seed})")
            run = run_chapter(ch, profile, seed, root)
            timings[ch] = round(run.seconds, 2)
            log(f"[lidlib book]   done in {run.seconds:.1f} s")
        res_dir.mkdir(exist_ok=True)
        record = {
            "profile": profile,
            "seed": seed,
            "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
            "date": time.strftime("%Y-%m-%d"),
            "commit": _git_commit(root),
            "seconds": timings,
        }
        (root / TIMINGS_DIR).mkdir(parents=True, exist_ok=True)
        (root / TIMINGS_DIR / f"{profile}.json").write_text(json.dumps(record, indent=1) + "\n")
    missing = [ch for ch in chapters if not (root / GENERATED / f"{ch}.ipynb").is_file()]
    if missing:
        raise ChapterError(f"not executed yet: {', '.join(missing)} (run without --no-execute)")
    page = write_claims(root)
    write_generated_pages(root)
    log(f"[lidlib book] wrote {page.relative_to(root)}")
    index = build_site(root)
    log(f"[lidlib book] site: {index}")
    return index
