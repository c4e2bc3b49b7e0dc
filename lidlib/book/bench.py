"""The performance suite behind ``lidlib bench``.

Each benchmark returns one flat dictionary of numbers; :func:`run_all` adds the machine
description. Timings are wall-clock medians of ``repeat`` runs (``time.perf_counter``).
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy

from lidlib import model, passk, ridge, simulate


def _timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Median wall time of ``repeat`` calls and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def _literal_failure(mean_gap, sd, delta, ks, rng, chunk=2_000_000) -> np.ndarray:
    """The literal protocol, vectorised: for each k draw k targets per instance, count all-miss."""
    n = mean_gap.size
    out = np.empty(len(ks))
    for j, k in enumerate(ks):
        k = int(k)
        rows = max(1, chunk // k)
        fails = 0
        for i in range(0, n, rows):
            g, s = mean_gap[i : i + rows, None], sd[i : i + rows, None]
            draws = g + s * rng.standard_normal((g.shape[0], k))  # prediction minus target
            fails += int(np.count_nonzero(~(np.abs(draws) <= delta).any(axis=1)))
        out[j] = fails / n
    return out


def bench_passk(n: int = 10_000, n_k: int = 40, k_max: int = 10_000, seed: int = 0) -> dict[str, float]:
    """pass@k curve on ``n`` LID instances: literal simulation vs exact per-instance probabilities.

    Instances: ``tau ~ Gamma(3/2, 1)``, bias ``B ~ N(0, 0.1)``, ``sigma_eta = 1``,
    ``delta = 0.1``. (a) the literal protocol (k fresh targets per instance for every k),
    (b) :func:`lidlib.passk.failure_curve` on the exact success probabilities, (c) the
    first-success simulation (one geometric draw per instance gives every k).
    """
    rng = np.random.default_rng(seed)
    tau = rng.gamma(1.5, 1.0, n)
    bias = rng.normal(0.0, np.sqrt(0.1), n)
    sd = 1.0 / np.sqrt(tau)
    ks = np.unique(np.logspace(0, np.log10(k_max), n_k).astype(int))
    t_lit, lit = _timed(lambda: _literal_failure(bias, sd, 0.1, ks, np.random.default_rng(seed + 1)), repeat=1)

    def exact():
        s = passk.single_trial_success(bias, tau, 0.1, 1.0)
        return passk.failure_curve(s, ks)

    t_exact, ex = _timed(exact, repeat=5)

    def geometric():
        s = passk.single_trial_success(bias, tau, 0.1, 1.0)
        t = simulate.first_success_geometric(s, np.random.default_rng(seed + 2))
        return simulate.survival_from_first_success(t, ks)[0]

    t_geo, geo = _timed(geometric, repeat=5)
    se = np.sqrt(ex * (1 - ex) / n)
    return {
        "passk_instances": n,
        "passk_n_k": int(ks.size),
        "passk_literal_seconds": t_lit,
        "passk_exact_seconds": t_exact,
        "passk_first_success_seconds": t_geo,
        "passk_exact_vs_literal_speedup": t_lit / t_exact,
        "passk_first_success_vs_literal_speedup": t_lit / t_geo,
        "passk_literal_max_abs_z": float(np.max(np.abs(lit - ex) / np.maximum(se, 1e-12))),
        "passk_first_success_max_abs_z": float(np.max(np.abs(geo - ex) / np.maximum(se, 1e-12))),
    }


def bench_ridge_sweep(d: int = 256, n_N: int = 30, seed: int = 0) -> dict[str, float]:
    """Nested-N ridge sweep (rank-k Gram updates) against refitting from scratch at every N.

    The paper's schedule: ``lambda = 1e-9 / N`` below ``d``, ridgeless above. The refit
    solves each ``N`` independently (dual form below ``d``, least squares above).
    """
    lid = model.LIDModel(d=d, alpha=1.0, beta=5.0, sigma_eta=1e-3)
    Ns = np.unique(np.geomspace(d // 20, 20 * d, n_N).astype(int))
    lams = ridge.paper_lambda_schedule(Ns, d, 1e-9)
    data = lid.sample(int(Ns.max()), seed)
    t_path, path = _timed(lambda: ridge.ridge_path(data.X, data.y, Ns, lams)[:, 0, :], repeat=3)

    def one_fit(N: int, lam: float) -> np.ndarray:
        X, y = data.X[:N], data.y[:N]
        if N < d:  # dual form from scratch: the primal normal equations are ill-conditioned at lam ~ 1e-11
            return X.T @ np.linalg.solve(X @ X.T + N * lam * np.eye(N), y)
        return ridge.ridge_fit(X, y, lam)

    def refit():
        return np.stack([one_fit(int(N), float(np.ravel(lam)[0])) for N, lam in zip(Ns, lams)])

    t_refit, ref = _timed(refit, repeat=1)
    l_path = ridge.excess_risk(path, lid.teacher, lid.spectrum)
    l_ref = ridge.excess_risk(ref, lid.teacher, lid.spectrum)
    return {
        "ridge_d": d,
        "ridge_n_N": int(Ns.size),
        "ridge_sweep_seconds": t_path,
        "ridge_refit_seconds": t_refit,
        "ridge_sweep_speedup": t_refit / t_path,
        "ridge_max_rel_diff_loss": float(np.max(np.abs(l_path / l_ref - 1))),
    }


def bench_population_failure(n_k: int = 60, seed: int = 0) -> dict[str, float]:
    """Exact engine: curves per second at ``n_k`` values of k, with and without bias."""
    ks = np.logspace(0, 6, n_k)
    rng = np.random.default_rng(seed)
    cases = [(b, v) for b, v in zip(rng.uniform(1.0, 8.0, 8), 10 ** rng.uniform(-3, 0, 8))]
    t_bias, _ = _timed(lambda: [passk.population_failure(ks, b, 0.1, 1.0, v) for b, v in cases], repeat=3)
    t_free, _ = _timed(lambda: [passk.population_failure(ks, b, 0.1, 1.0) for b, _ in cases], repeat=3)
    return {
        "population_failure_n_k": n_k,
        "population_failure_curves_per_second": len(cases) / t_bias,
        "population_failure_bias_free_curves_per_second": len(cases) / t_free,
    }


def book_timings(root: Path | None) -> dict[str, float]:
    """Per-chapter wall times of the last ``lidlib book`` run at each profile.

    Read from ``book/timings/<profile>.json``, written by :func:`lidlib.book.build.build_book`.
    """
    out: dict[str, float] = {}
    if root is None:
        return out
    for profile in ("quick", "paper"):  # the directory also holds bench.json
        f = root / "book" / "timings" / f"{profile}.json"
        if not f.is_file():
            continue
        t = json.loads(f.read_text())
        for ch, sec in t["seconds"].items():
            out[f"book_{t['profile']}_{ch}_seconds"] = sec
        out[f"book_{t['profile']}_total_seconds"] = float(sum(t["seconds"].values()))
    return out


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "platform": platform.platform(),
    }


def _fit_child(args: list[str]) -> tuple[float, float, int]:
    """Run ``lidlib fit`` in a fresh interpreter; return (wall seconds, peak RSS in MB, exit status)."""
    import subprocess
    import sys

    code = (
        "import resource, sys, io, contextlib\n"
        "from lidlib.cli.fit import cli_fit\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    rc = cli_fit(sys.argv[1:])\n"
        "print(rc, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    t0 = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
    )
    wall = time.perf_counter() - t0
    try:
        rc, rss_kb = (int(x) for x in r.stdout.split()[-2:])
    except ValueError:
        raise RuntimeError(f"lidlib fit failed in the benchmark: {r.stderr.strip().splitlines()[-1:]}") from None
    return wall, rss_kb / 1024.0, rc


def bench_fit_scale(
    n_curve: int = 1_000_000, n_problems: int = 1_000_000, n_boot: int = 20, seed: int = 0
) -> dict[str, float]:
    """``lidlib fit`` on a long coverage curve and on a count file with many problems.

    Wall time (including interpreter start-up and reading the file) and peak resident
    memory of a fresh process. The curve is ``1 - (1 + k/3)^-0.4`` at every
    ``k = 1 .. n_curve``; the counts are ``n = 1000`` samples of ``n_problems`` problems
    with success rates from ``Beta(0.3, 3)``, forecast with ``n_boot`` bootstrap refits.
    Targets (issue 20): seconds and under 500 MB for 10^6 rows or problems.
    """
    import tempfile

    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        fc = Path(tmp) / "curve.csv"
        k = np.arange(1, n_curve + 1)
        np.savetxt(
            fc, np.c_[k, 1 - (1 + k / 3.0) ** -0.4], delimiter=",", header="k,coverage", comments="", fmt=["%d", "%.8f"]
        )
        fn = Path(tmp) / "counts.csv"
        n = np.full(n_problems, 1000)
        np.savetxt(
            fn,
            np.c_[n, rng.binomial(n, rng.beta(0.3, 3.0, n_problems))],
            delimiter=",",
            header="n,c",
            comments="",
            fmt="%d",
        )
        t_c, m_c, rc_c = _fit_child([str(fc), "--predict", "1e7"])
        t_n, m_n, rc_n = _fit_child([str(fn), "--predict", "1e4", "--n-boot", str(n_boot)])
    if rc_c or rc_n:
        raise RuntimeError(f"lidlib fit exited {rc_c} (curve) / {rc_n} (counts) in the benchmark")
    return {
        "fit_curve_rows": n_curve,
        "fit_curve_seconds": t_c,
        "fit_curve_peak_mb": m_c,
        "fit_counts_problems": n_problems,
        "fit_counts_n_boot": n_boot,
        "fit_counts_seconds": t_n,
        "fit_counts_peak_mb": m_n,
    }


def run_all(root: Path | None = None, *, small: bool = False) -> dict[str, Any]:
    """Every benchmark (``small`` shrinks them for tests), plus the machine description."""
    res: dict[str, Any] = {"machine": machine()}
    if small:
        res |= bench_passk(n=500, n_k=8, k_max=200)
        res |= bench_ridge_sweep(d=32, n_N=8)
        res |= bench_population_failure(n_k=10)
        res |= bench_fit_scale(n_curve=20_000, n_problems=20_000, n_boot=10)
    else:
        res |= bench_passk()
        res |= bench_ridge_sweep()
        res |= bench_population_failure()
        res |= bench_fit_scale()
    res |= book_timings(root)
    return res
