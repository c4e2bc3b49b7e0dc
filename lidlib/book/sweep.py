"""Robustness over seeds: every chapter x seed as an independent papermill job on Dask.

``lidlib sweep --seeds 0-9 --profile quick`` submits one job per (chapter, seed) to a
:mod:`dask.distributed` cluster: a ``LocalCluster`` on this machine by default, or an
existing cluster with ``--scheduler tcp://host:8786`` (the only change needed to run on
many machines, provided each worker has this checkout and its environment). Each job is
:func:`lidlib.book.build.run_chapter` with its own results directory, so jobs share nothing.
The verdicts are combined by :func:`lidlib.book.claims.aggregate_sweep` into
``book/robustness.json``, which the Robustness page and the claims page read.

Needs the ``sweep`` extra (``pip install -e ".[book,sweep]"``).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from lidlib.book import claims

SWEEP_DIR = Path("results") / "sweep"


def parse_seeds(text: str) -> list[int]:
    """Seeds from ``"0-9"``, ``"1,3,5"`` or a mix (``"0-3,7"``).

    Raises
    ------
    ValueError
        On an empty list, a malformed range or a negative seed.
    """
    seeds: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part:
                lo, hi = (int(x) for x in part.split("-", 1))
                if hi < lo:
                    raise ValueError
                seeds += range(lo, hi + 1)
            else:
                seeds.append(int(part))
        except ValueError:
            raise ValueError(f"seeds must look like '0-9' or '1,3,5'; got {text!r}") from None
    if not seeds or min(seeds) < 0:
        raise ValueError(f"seeds must be a non-empty list of non-negative integers; got {text!r}")
    return sorted(set(seeds))


def run_job(root: str, chapter: str, profile: str, seed: int) -> dict[str, Any]:
    """One (chapter, seed) job, run on a Dask worker: execute the chapter, return its results.

    Results and the executed notebook go to ``results/sweep/seed<seed>/``; nothing the
    book build uses is touched.  A chapter that raises is reported, not retried here.
    """
    from lidlib.book.build import ChapterError, run_chapter

    out = Path(root) / SWEEP_DIR / f"seed{seed}"
    out.mkdir(parents=True, exist_ok=True)
    saved = os.environ.get(claims.RESULTS_ENV)
    os.environ[claims.RESULTS_ENV] = str(out)
    t0 = time.perf_counter()
    try:
        run = run_chapter(chapter, profile, seed, Path(root), notebook_dir=out)
        return {
            "chapter": chapter,
            "seed": seed,
            "ok": True,
            "seconds": time.perf_counter() - t0,
            "results": json.loads(run.results.read_text()),
        }
    except ChapterError as exc:
        return {"chapter": chapter, "seed": seed, "ok": False, "seconds": time.perf_counter() - t0, "error": str(exc)}
    finally:
        if saved is None:
            os.environ.pop(claims.RESULTS_ENV, None)
        else:
            os.environ[claims.RESULTS_ENV] = saved


def sweep(
    seeds: list[int],
    profile: str = "quick",
    chapters: list[str] | None = None,
    root: Path | None = None,
    scheduler: str | None = None,
    n_workers: int = 2,
    threads_per_worker: int = 1,
    log=print,
) -> Path:
    """Run chapters x seeds on Dask and write ``book/robustness.json``; return its path.

    Parameters
    ----------
    seeds : list of int
        The seeds (each chapter runs once per seed).
    profile : str
        ``quick`` or ``paper``.
    chapters : list of str, optional
        Default: every chapter of ``_toc.yml``.
    scheduler : str, optional
        Address of an existing Dask scheduler; default a ``LocalCluster`` with
        ``n_workers`` processes of ``threads_per_worker`` threads.

    Raises
    ------
    ValueError
        Unknown profile or chapter, or no seeds.
    RuntimeError
        If a job failed (the message names each failed chapter and seed).
    """
    from dask.distributed import Client, LocalCluster, as_completed

    from lidlib.book.build import check_profile, find_root, git_commit, toc_chapters

    check_profile(profile)
    if not seeds:
        raise ValueError("sweep needs at least one seed")
    root = find_root(root)
    known = toc_chapters(root)
    chapters = list(chapters or known)
    unknown = sorted(set(chapters) - set(known))
    if unknown:
        raise ValueError(f"unknown chapters {unknown}; chapters: {', '.join(known)}")
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(
            n_workers=n_workers, threads_per_worker=threads_per_worker, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    log(f"[lidlib sweep] {len(chapters)} chapters x {len(seeds)} seeds on {client.scheduler.address}")
    runs: dict[int, dict[str, dict]] = {s: {} for s in seeds}
    failed = []
    try:
        futures = [
            client.submit(run_job, str(root), ch, profile, s, key=f"{ch}-seed{s}", pure=False)
            for s in seeds
            for ch in chapters
        ]
        for fut in as_completed(futures):
            r = fut.result()
            if r["ok"]:
                runs[r["seed"]][r["chapter"]] = r["results"]
                st = claims.summary_line(r["results"]["claims"], f"{r['chapter']} seed {r['seed']}")
                log(f"[lidlib sweep] {st} ({r['seconds']:.0f} s)")
            else:
                failed.append(r)
                log(f"[lidlib sweep] {r['chapter']} seed {r['seed']} FAILED: {r['error'].splitlines()[0]}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    if failed:
        raise RuntimeError("sweep jobs failed: " + "; ".join(f"{r['chapter']} seed {r['seed']}" for r in failed))
    agg = claims.aggregate_sweep(runs, profile)
    agg["commit"] = git_commit(root)
    agg["date"] = time.strftime("%Y-%m-%d")
    agg["chapters"] = chapters
    out = root / "book" / "robustness.json"
    out.write_text(json.dumps(agg, indent=1, allow_nan=False) + "\n")
    n_frag = sum(v["fragile"] for v in agg["claims"].values())
    log(f"[lidlib sweep] {n_frag} of {len(agg['claims'])} claims fragile; wrote {out}")
    return out
