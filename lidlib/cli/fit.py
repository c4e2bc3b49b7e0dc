"""``lidlib fit FILE``: forecast pass@k from what an LLM evaluation produced.

Input (see :mod:`lidlib.data.formats`; detected automatically, ``--format`` overrides): a
coverage curve ``k, coverage`` (or ``x, y``); per-problem counts ``n, c``; a long
per-sample table (CSV, JSONL or Parquet) with a problem and a correctness field; a
0/1 matrix (problems x samples); EvalPlus ``eval_results.json``; human-eval
``*_results.jsonl``; lm-evaluation-harness ``samples_*.jsonl``. Everything except a
curve is reduced to per-problem counts ``(n, c)``.

For counts it

* forecasts the dataset pass@k at every ``--predict`` k (also ``k > n``) with the
  forecaster ``--method`` (default :data:`DEFAULT_METHOD`, the one with the smallest
  error in the thinning backtest on real Pythia counts; ``auto`` chooses per file by
  self-thinning), with a two-level bootstrap interval (problems, then counts);
* reports which forecaster self-thinning on *this* file ranks best (``"best"``: an
  out-of-sample choice, never in-sample fit);
* fits the beta-binomial and zero-inflated likelihoods (profile-likelihood intervals)
  and, for comparison, the curve laws to the count-derived coverage curve;
* optionally writes each problem's estimated difficulty (``--per-problem OUT.csv``),
  plans a sampling budget (``--plan K --within EPS``) and draws a figure
  (``--plot OUT.png``).

For a curve it fits the Beta law (Eq. 8 of arXiv:2410.16377) and the effective-k law
(Eq. 12); ``"best"`` is the law with the smaller error on the held-out top of the
curve. With ``--max-k`` the points above it are held out and their error is printed.

Malformed input exits with status 2 and one line on stderr naming the file, line and
value; suspicious input (a decreasing or flat curve, a majority-vote curve, unscored
repeats) prints a warning on stderr.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from lidlib import counts as C
from lidlib.beta_model import PasskFit, fit_passk_curve
from lidlib.cli.parser import ArgumentParser, command, report
from lidlib.data import formats

K_DIGITIZATION_TOL = 0.01  # k in [0.99, 1) (digitization error of k = 1) is read as 1
MIN_PROBLEMS = 5  # fewest problems (rows) of a counts file: up to 3 likelihood parameters, plus slack
#: Forecaster used unless ``--method`` says otherwise: the smallest mean error in the
#: thinning backtest on the Pythia/MATH counts (``llm_hard_tail`` chapter, which checks
#: that this is still the backtest's winner).
DEFAULT_METHOD = "power_law"
MAX_CURVE_POINTS = 2000  # longer curves are averaged into log-spaced bins before fitting
LEVEL = 0.95


def _parser() -> ArgumentParser:
    p = ArgumentParser(
        prog="lidlib fit",
        description="Forecast pass@k from a coverage curve, per-problem counts or per-sample evaluation logs.",
    )
    p.add_argument("file", help="CSV/JSON/JSONL/Parquet/NPY file (see --format)")
    p.add_argument("--format", default="auto", choices=formats.FORMATS, help="input format (default: detect)")
    p.add_argument("--problem-col", default=None, help="problem field of a per-sample table")
    p.add_argument(
        "--correct-col",
        default=None,
        help="correctness field (lm-eval: metric; EvalPlus: base_status for base tests only)",
    )
    p.add_argument("--model", default=None, help="rows whose 'model' column equals this")
    p.add_argument("--predict", type=float, nargs="+", default=[], metavar="K", help="k at which to forecast pass@k")
    p.add_argument(
        "--method",
        default=DEFAULT_METHOD,
        choices=("auto", *C.FORECASTERS),
        help=f"forecaster for counts (default {DEFAULT_METHOD})",
    )
    p.add_argument("--n-boot", type=int, default=200, help="bootstrap replicates of the interval (default 200)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap and thinning (default 0)")
    p.add_argument("--per-problem", default=None, metavar="OUT.csv", help="write each problem's estimated difficulty")
    p.add_argument(
        "--plan", type=float, default=None, metavar="K", help="plan the samples per problem needed to forecast pass@K"
    )
    p.add_argument(
        "--within", type=float, default=0.02, metavar="EPS", help="tolerance of --plan on pass@K (default 0.02)"
    )
    p.add_argument(
        "--extra", type=int, default=None, help="with --plan: extra samples to spread over problems (default: P x n)"
    )
    p.add_argument(
        "--plot", default=None, metavar="OUT.png", help="draw data, forecast, interval band and forecast region"
    )
    p.add_argument(
        "--max-k", type=float, default=None, help="fit the curve laws only on k <= K (the rest is held out and scored)"
    )
    p.add_argument("--fix-amplitude", action="store_true", help="fix the ceiling A = 1 in the curve laws")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    return p


def _warn(msg: str) -> None:
    print(f"lidlib fit: warning: {msg}", file=sys.stderr)


class _Progress:
    """Progress lines on stderr for steps that take more than a second."""

    def __init__(self, label: str, force: bool = False):
        self.label, self.t0, self.force, self.last = label, time.perf_counter(), force, 0.0

    def __call__(self, done: int, total: int) -> None:
        t = time.perf_counter() - self.t0
        if (self.force or t > 1.0) and (t - self.last > 1.0 or done == total):
            print(f"lidlib fit: {self.label}: {done}/{total} ({t:.0f} s)", file=sys.stderr, flush=True)
            self.last = t


# ----------------------------------------------------------------------------- curves
def _bin_curve(k: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average a long curve into at most ``MAX_CURVE_POINTS`` log-spaced bins of k."""
    edges = np.geomspace(k.min(), k.max() * (1 + 1e-12), MAX_CURVE_POINTS + 1)
    idx = np.clip(np.searchsorted(edges, k, side="right") - 1, 0, MAX_CURVE_POINTS - 1)
    cnt = np.bincount(idx, minlength=MAX_CURVE_POINTS)
    ok = cnt > 0
    kb = np.exp(np.bincount(idx, weights=np.log(k), minlength=MAX_CURVE_POINTS)[ok] / cnt[ok])
    cb = np.bincount(idx, weights=cov, minlength=MAX_CURVE_POINTS)[ok] / cnt[ok]
    return kb, cb


def _fits(k: np.ndarray, cov: np.ndarray, fix_amplitude: bool) -> dict[str, PasskFit]:
    return {m: fit_passk_curve(k, cov, model=m, fit_amplitude=not fix_amplitude) for m in ("beta", "effective_k")}


def _log_fail_err(fit, k, cov) -> float:
    pred = np.clip(1.0 - np.atleast_1d(fit.predict(k)), 1e-9, None)
    return float(np.sqrt(np.mean((np.log(pred) - np.log(np.clip(1.0 - cov, 1e-9, None))) ** 2)))


def _curve_best(
    k: np.ndarray, cov: np.ndarray, fix_amplitude: bool, need: int
) -> tuple[str | None, dict[str, float], str]:
    """The law with the smaller held-out error on the top of the curve (out of sample)."""
    for frac in (10.0, 3.0):
        cut = k.max() / frac
        tr = k <= cut
        if tr.sum() >= need and np.unique(k[tr]).size >= need - 1 and (~tr).sum() >= 2:
            try:
                fits = _fits(k[tr], cov[tr], fix_amplitude)
            except ValueError:
                continue
            errs = {m: _log_fail_err(f, k[~tr], cov[~tr]) for m, f in fits.items()}
            best = min(errs, key=lambda m: errs[m])
            return best, errs, f"fit on k <= {cut:g}, scored on the {(~tr).sum()} points above"
    return None, {}, "too few points to choose a law out of sample"


def _run_curve(args, data: formats.Curve) -> int:
    k, cov = data.k, data.coverage
    n_all = k.size
    binned = False
    if k.size > MAX_CURVE_POINTS:
        k, cov = _bin_curve(k, cov)
        binned = True
    held_k = held_c = None
    if args.max_k is not None:
        keep = k <= args.max_k
        held_k, held_c = k[~keep], cov[~keep]
        k, cov = k[keep], cov[keep]
    need = 3 if args.fix_amplitude else 4
    if k.size < need or np.unique(k).size < need - 1:
        raise ValueError(
            f"{args.file}: too few points to fit ({k.size} with k <= {args.max_k or 'inf'}; need at least {need})"
        )
    fits = _fits(k, cov, args.fix_amplitude)
    best, best_err, best_how = _curve_best(k, cov, args.fix_amplitude, need)
    held = {m: _log_fail_err(f, held_k, held_c) for m, f in fits.items()} if held_k is not None and held_k.size else {}
    preds = np.array(args.predict, dtype=float)
    if args.plot:
        _plot_curve(args, data, fits, best or "beta")
    if args.json:
        out = {
            "file": str(args.file),
            "input": "curve",
            "format": data.fmt,
            "n_points": int(n_all),
            "n_fitted": int(k.size),
            "binned": binned,
            "max_k_fitted": float(k.max()),
            "fits": {m: f.as_dict() for m, f in fits.items()},
            "best": best,
            "best_criterion": best_how,
            "best_heldout_rms_log_failure": best_err,
            "heldout_rms_log_failure": held,
            "n_heldout": int(held_k.size) if held_k is not None else 0,
            "predict": {
                "k": preds.tolist(),
                **{m: np.atleast_1d(f.predict(preds)).tolist() if preds.size else [] for m, f in fits.items()},
            },
            "warnings": data.warnings,
        }
        print(json.dumps(out, indent=1, allow_nan=False, default=lambda x: None))
        return 0
    print(
        f"{args.file}: coverage curve; fitted {k.size} of {n_all} points{' (averaged into log-spaced bins)' if binned else ''}, "
        f"k from {k.min():g} to {k.max():g}"
    )
    b = fits["beta"]
    print(f"Beta law (Eq. 8), coverage = A (1 - B(a+k, b)/B(a, b)):  rms log-failure residual {b.rms_log_failure:.3f}")
    for name in ("a", "b", "A"):
        print(f"  {name:6} = {_fmt(b.params[name], b.stderr[name])}")
    e = fits["effective_k"]
    print(
        f"effective-k law (Eq. 12), coverage = A (1 - p^H_k(kappa)):  rms log-failure residual {e.rms_log_failure:.3f}"
    )
    for name in ("p", "kappa", "A"):
        print(f"  {name:6} = {_fmt(e.params[name], e.stderr[name])}")
    print("  (standard errors from the least-squares Jacobian; they ignore correlations between points)")
    if best:
        print(
            f"best law out of sample: {best} ({best_how}; rms log-failure error "
            + ", ".join(f"{m} {v:.3f}" for m, v in best_err.items())
            + ")"
        )
    else:
        print(f"best law: not chosen ({best_how})")
    if held and held_k is not None:
        print(
            f"held-out points k > {args.max_k:g} ({held_k.size}): rms log-failure error "
            + ", ".join(f"{m} {v:.3f}" for m, v in held.items())
        )
    if preds.size:
        print(f"{'k':>12}  {'coverage (Beta)':>16}  {'coverage (eff. k)':>18}")
        pb, pe = np.atleast_1d(b.predict(preds)), np.atleast_1d(e.predict(preds))
        for kp, vb, ve in zip(preds, pb, pe):
            print(f"{kp:12g}  {vb:16.4f}  {ve:18.4f}")
    return 0


def _fmt(v: float, se: float) -> str:
    return f"{v:.4g} +- {se:.2g}" if math.isfinite(se) else f"{v:.4g} (at bound)"


# ----------------------------------------------------------------------------- counts
def _count_fits(n: np.ndarray, c: np.ndarray) -> dict[str, C.CountFit]:
    return {m: C.fit_passk_counts(n, c, model=m) for m in ("beta_binomial", "zero_inflated")}


def _forecast(args, n: np.ndarray, c: np.ndarray, ks: np.ndarray, label: str = "") -> dict[str, Any]:
    """Forecast with interval, the self-thinning ranking, and measured values where k <= n."""
    rng = np.random.default_rng(args.seed)
    scores: dict[str, Any]
    try:
        best, scores = C.select_forecaster(n, c, rng=rng)
    except ValueError as exc:
        best, scores = None, {"note": str(exc)}
    method = args.method
    if method == "auto":
        if best is None:
            raise ValueError(f"{args.file}: --method auto: {scores['note']}")
        method = best
    fail, _ = C.forecast_failure(n, c, ks, method)
    big = n.size * args.n_boot > 2e6
    prog = _Progress(f"bootstrap{label}", force=big)
    if big:
        print(
            f"lidlib fit: bootstrap{label}: {args.n_boot} replicates of {n.size} problems", file=sys.stderr, flush=True
        )
    # with --plot, the band is drawn from the same replicates as the printed interval: the
    # resampling does not depend on k, so the plot grid is appended to the same bootstrap
    grid = _plot_grid(n, ks) if getattr(args, "plot", None) else np.empty(0)
    boot = C.bootstrap_forecast(n, c, np.r_[ks, grid] if grid.size else ks, method, args.n_boot, rng, progress=prog)
    boot, boot_grid = boot[:, : ks.size], boot[:, ks.size :]
    lo_f, hi_f, ok = centred_interval(fail, boot, LEVEL)
    nmin = float(n.min())
    meas = np.full(ks.size, np.nan)
    inside = ks <= nmin
    if inside.any():
        nu, cu, w = C.count_pairs(n, c)
        meas[inside] = 1.0 - (w @ C.failure_at(nu, cu, np.floor(ks[inside]))) / w.sum()
    return {
        "method": method,
        "k": ks.tolist(),
        "pass_at_k": (1 - fail).tolist(),
        "lo": (1 - hi_f).tolist(),
        "hi": (1 - lo_f).tolist(),
        "level": LEVEL,
        "n_boot": int(args.n_boot),
        "n_boot_ok": int(ok.sum()),
        "measured": [None if not np.isfinite(v) else float(v) for v in meas],
        "best": best,
        "selection_scores": scores,
        "boot": boot,
        "band": (grid, boot_grid),
    }


def _plot_grid(n: np.ndarray, preds: np.ndarray) -> np.ndarray:
    """The budgets at which ``--plot`` draws the forecast and its band."""
    kmax = float(max(preds.max() if preds.size else 0, 30 * int(n.min())))
    return np.geomspace(1, kmax, 80)


def centred_interval(point: np.ndarray, boot: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bootstrap interval of a failure forecast, centred on the point forecast.

    The spread is taken from the bootstrap quantiles of ``log failure`` around their
    median and placed around the point forecast. Redrawing counts ``c' ~ Binomial(n, c/n)``
    adds a second helping of binomial noise, which shifts refitted forecasts (visibly
    when there are many problems and the spread is small); centring removes that shift.

    Parameters
    ----------
    point : ndarray, shape (len(ks),)
        Forecast failure ``1 - pass@k``.
    boot : ndarray, shape (n_boot, len(ks))
        Refitted forecasts (:func:`lidlib.counts.bootstrap_forecast`); NaN rows are skipped.
    level : float
        Coverage of the interval, e.g. 0.95.

    Returns
    -------
    lo, hi : ndarray
        Interval of the failure (NaN if fewer than 10 replicates could be refitted).
    ok : ndarray of bool
        Which replicates were used.
    """
    ok = np.isfinite(boot).all(axis=1) & (boot > 0).all(axis=1)
    if ok.sum() < 10:
        nan = np.full(point.shape, np.nan)
        return nan, nan, ok
    lb = np.log(boot[ok])
    a = (1 - level) / 2
    q_lo, med, q_hi = np.percentile(lb, [100 * a, 50, 100 * (1 - a)], axis=0)
    lp = np.log(np.clip(point, 1e-300, None))
    return np.exp(lp + q_lo - med), np.minimum(np.exp(lp + q_hi - med), 1.0), ok


def _print_forecast(fc: dict[str, Any], indent: str = "") -> None:
    how = "the default: smallest error in the built-in Pythia backtest" if fc["method"] == DEFAULT_METHOD else "chosen"
    print(
        f"{indent}Forecast of pass@k by {fc['method']} ({how}); {fc['level']:.0%} interval: two-level bootstrap "
        f"(problems, then counts; {fc['n_boot_ok']} of {fc['n_boot']} replicates refitted; centred on the forecast)"
    )
    if fc["best"] is not None:
        sc = fc["selection_scores"]
        print(
            f"{indent}  self-thinning on this file (forecast 3-10x ahead, mean |log error| of the failure): "
            + ", ".join(f"{m} {v:.3f}" for m, v in sorted(sc.items(), key=lambda t: t[1]))
            + f"  -> best: {fc['best']}"
        )
    if fc["k"]:
        print(f"{indent}{'k':>12}  {'pass@k':>8}  {'interval':>19}  {'measured':>9}")
        for k, v, lo, hi, m in zip(fc["k"], fc["pass_at_k"], fc["lo"], fc["hi"], fc["measured"]):
            ms = f"{m:9.4f}" if m is not None else f"{'(k > n)':>9}"
            print(f"{indent}{k:12g}  {v:8.4f}  [{lo:8.4f}, {hi:8.4f}]  {ms}")


def _print_count_fits(fits: dict[str, C.CountFit], preds: np.ndarray, indent: str = "") -> None:
    print(
        f"{indent}Likelihood on the counts, failure p ~ Beta(a, b) (zero-inflated: never solved with prob. 1 - A); "
        f"95% profile-likelihood intervals"
    )
    for name, f in fits.items():
        pars = ", ".join(f"{k} = {f.params[k]:.4g} [{f.ci[k][0]:.4g}, {f.ci[k][1]:.4g}]" for k in ("a", "b", "A"))
        print(f"{indent}  {name:14} {pars};  logL = {f.loglik:.2f}, AIC = {f.aic:.2f}, BIC = {f.bic:.2f}")
    print(f"{indent}  tail exponent b: " + ", ".join(f"{m} {f.tail_exponent:.4g}" for m, f in fits.items()))
    if preds.size:
        print(f"{indent}{'k':>12}  " + "  ".join(f"{'coverage (' + m + ')':>30}" for m in fits))
        cols = [np.atleast_1d(f.predict(preds)) for f in fits.values()]
        for i, kp in enumerate(preds):
            print(f"{indent}{kp:12g}  " + "  ".join(f"{col[i]:30.4f}" for col in cols))


def _check_problems(path, n: np.ndarray, c: np.ndarray, group: str | None = None) -> None:
    where = f", model {group!r}" if group is not None else ""
    if n.size < MIN_PROBLEMS:
        raise ValueError(
            f"{path}{where}: too few problems ({n.size}; the count likelihood needs at least {MIN_PROBLEMS})"
        )
    if (c == 0).all():
        raise ValueError(
            f"{path}{where}: no problem was ever solved (c = 0 everywhere): c > 0 needed somewhere to fit anything"
        )
    if (c == n).all():
        raise ValueError(
            f"{path}{where}: every sample of every problem is correct (c = n everywhere): nothing to forecast"
        )


def _grouped_counts(args, data: formats.Counts) -> int:
    preds = np.array(args.predict, dtype=float)
    assert data.group is not None  # _run_counts calls this only for files with several models
    groups = list(dict.fromkeys(data.group.tolist()))
    single = [
        opt
        for opt, val in (("--plot", args.plot), ("--per-problem", args.per_problem), ("--plan", args.plan))
        if val is not None
    ]
    if single:
        raise ValueError(
            f"{args.file} holds {len(groups)} models; {', '.join(single)} work on one model at a time: "
            f"add --model NAME (one of {', '.join(map(str, groups))})"
        )
    res, fcs = {}, {}
    for g in groups:
        sel = data.group == g
        _check_problems(args.file, data.n[sel], data.c[sel], g)
        try:
            res[g] = _count_fits(data.n[sel], data.c[sel])
            fcs[g] = _forecast(args, data.n[sel], data.c[sel], preds, f" ({g})")
        except ValueError as exc:
            raise ValueError(f"{args.file}, model {g!r}: {exc}") from None
    if args.json:
        out: dict[str, Any] = {"file": str(args.file), "input": "counts", "format": data.fmt, "groups": {}}
        for g, fits in res.items():
            fc = {k: v for k, v in fcs[g].items() if k not in ("boot", "band")}
            out["groups"][g] = {
                "n_problems": int((data.group == g).sum()),
                "fits": {m: f.as_dict() for m, f in fits.items()},
                "best": fc["best"],
                "forecast": fc,
                "predict": {
                    "k": preds.tolist(),
                    **{m: np.atleast_1d(f.predict(preds)).tolist() if preds.size else [] for m, f in fits.items()},
                },
            }
        print(json.dumps(out, indent=1, allow_nan=False, default=lambda x: None))
        return 0
    print(f"{args.file}: per-problem counts, {len(groups)} models (column 'model'); each is fitted separately")
    for g, fits in res.items():
        print(f"model {g} ({int((data.group == g).sum())} problems)")
        _print_forecast(fcs[g], indent="  ")
        _print_count_fits(fits, preds, indent="  ")
    return 0


def _write_per_problem(args, data: formats.Counts, K: float) -> None:
    d = C.problem_difficulty(data.n, data.c, K)
    out = Path(args.per_problem)
    try:
        with out.open("w") as fh:
            fh.write(f"problem,n,c,success_raw,success_mean,success_lo90,success_hi90,failure_at_{K:g}\n")
            for i in range(data.n.size):
                p = str(data.problems[i]).replace('"', '""')
                p = f'"{p}"' if ("," in p or '"' in p) else p
                fh.write(
                    f"{p},{data.n[i]:g},{data.c[i]:g},{d['s_raw'][i]:.6g},{d['s_mean'][i]:.6g},{d['s_lo'][i]:.6g},{d['s_hi'][i]:.6g},{d['failure_K'][i]:.6g}\n"
                )
    except OSError as exc:
        raise ValueError(f"cannot write {out}: {exc.strerror or exc}") from None


def _plan(args, n: np.ndarray, c: np.ndarray, method: str) -> dict[str, Any]:
    K, eps = float(args.plan), float(args.within)
    pl = C.plan_samples(n, c, K, eps, method=method, rng=np.random.default_rng(args.seed))
    extra = int(args.extra if args.extra is not None else n.sum())
    alloc = C.allocate_samples(n, c, K, extra)
    bins = [(0, 0), (1, 2), (3, 9), (10, math.inf)]
    rows = []
    for lo, hi in bins:
        sel = (c >= lo) & (c <= hi)
        rows.append(
            {
                "c_from": lo,
                "c_to": None if hi == math.inf else hi,
                "problems": int(sel.sum()),
                "extra_samples": int(alloc[sel].sum()),
            }
        )
    pl = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in pl.items()}
    pl["allocation"] = {"extra": extra, "by_successes": rows}
    return pl


def _print_plan(pl: dict[str, Any]) -> None:
    K, eps, q = pl["K"], pl["eps"], pl["quantile"]
    print(
        f"Plan: forecast pass@{K:g} within +-{eps:g} ({q:.0%} of thinning replicates), from {pl['n_problems']} problems with m = {pl['m']} samples each"
    )
    print("  samples/problem   " + "  ".join(f"{m:>7g}" for m in pl["grid"]))
    print(f"  error ({q:.0%} quantile) " + "  ".join(f"{e:7.4f}" for e in pl["error_q"]))
    if pl["m_needed"] is None:
        print(
            "  needed: not reached within the simulated budgets, and the errors do not fall steadily enough to extrapolate"
        )
    elif pl["extrapolated"]:
        print(
            f"  needed: about {pl['m_needed']:.0f} samples per problem (extrapolated beyond the {pl['m']} you have: error ~ power of m)"
        )
    else:
        print(f"  needed: {pl['m_needed']:g} samples per problem (you have {pl['m']})")
    hw = pl["problems_halfwidth"]
    if hw > eps:
        print(
            f"  but the choice of problems alone gives +-{hw:.3f} at {q:.0%} (bootstrap over problems): no number of samples per problem "
            f"reaches +-{eps:g}; about {pl['n_problems'] * (hw / eps) ** 2:.0f} problems would"
        )
    else:
        print(f"  the choice of problems alone contributes +-{hw:.3f} ({q:.0%} bootstrap over problems)")
    a = pl["allocation"]
    print(
        f"  spending {a['extra']} extra samples where they reduce the uncertainty of pass@{K:g} most (Neyman rule, Jeffreys posterior):"
    )
    for r in a["by_successes"]:
        rng = (
            f"c = {r['c_from']}"
            if r["c_to"] == r["c_from"]
            else (f"c = {r['c_from']}-{r['c_to']}" if r["c_to"] is not None else f"c >= {r['c_from']}")
        )
        print(f"    {rng:10s} {r['problems']:7d} problems  -> {r['extra_samples']:9d} extra samples")


def _run_counts(args, data: formats.Counts) -> int:
    if data.group is not None:
        return _grouped_counts(args, data)
    n, c = data.n, data.c
    _check_problems(args.file, n, c)
    preds = np.array(args.predict, dtype=float)
    big = n.size > 100_000
    if big:
        print(
            f"lidlib fit: {n.size} problems ({C.count_pairs(n, c)[0].size} distinct (n, c) pairs): fitting",
            file=sys.stderr,
            flush=True,
        )
    count_fits = _count_fits(n, c)
    nu, cu, w = C.count_pairs(n, c)
    kc = np.unique(np.round(np.geomspace(1, nu.min(), 40)))
    covc = 1.0 - (w @ C.failure_at(nu, cu, kc)) / w.sum()
    k, cov = kc, covc
    if args.max_k is not None:
        keep = k <= args.max_k
        k, cov = k[keep], cov[keep]
    need = 3 if args.fix_amplitude else 4
    fits: dict[str, PasskFit] = {}
    if k.size >= need and np.unique(k).size >= need - 1 and 0 < cov.max() and cov.min() < 1:
        try:
            fits = _fits(k, cov, args.fix_amplitude)
        except ValueError:
            fits = {}
    fc = _forecast(args, n, c, preds)
    K_pp = float(max(preds.max() if preds.size else 0, n.min()))
    if args.per_problem:
        _write_per_problem(args, data, K_pp)
    plan = _plan(args, n, c, fc["method"]) if args.plan is not None else None
    if args.plot:
        _plot_counts(args, n, c, fc, preds)
    if args.json:
        allf: dict[str, Any] = {**fits, **count_fits}  # PasskFit and CountFit: as_dict() and predict()
        out = {
            "file": str(args.file),
            "input": "counts",
            "format": data.fmt,
            "n_problems": int(n.size),
            "n_points": int(kc.size),
            "n_fitted": int(k.size),
            "max_k_fitted": float(k.max()) if fits else None,
            "fits": {m: f.as_dict() for m, f in allf.items()},
            "likelihood_models": list(count_fits),
            "best": fc["best"],
            "best_criterion": "self-thinning: smallest out-of-sample error forecasting this file's own counts",
            "forecast": {k_: v for k_, v in fc.items() if k_ not in ("boot", "band")},
            "predict": {
                "k": preds.tolist(),
                **{m: np.atleast_1d(f.predict(preds)).tolist() if preds.size else [] for m, f in allf.items()},
            },
            "warnings": data.warnings,
        }
        if plan is not None:
            out["plan"] = plan
        if args.per_problem:
            out["per_problem"] = str(args.per_problem)
        print(json.dumps(out, indent=1, allow_nan=False, default=lambda x: None))
        return 0
    print(
        f"{args.file}: {data.fmt}, {n.size} problems, n from {n.min():g} to {n.max():g} samples, {int(c.sum())} correct in all"
    )
    _print_forecast(fc)
    _print_count_fits(count_fits, preds)
    if fits:
        print("Curve laws fitted to the coverage curve of these counts (unbiased estimator, for comparison):")
        for m, f in fits.items():
            print(
                f"  {m:12} "
                + ", ".join(f"{p} = {_fmt(v, f.stderr[p])}" for p, v in f.params.items())
                + f"; rms log-failure {f.rms_log_failure:.3f}"
            )
    elif args.max_k is not None:
        print(f"(curve fits skipped: only {k.size} points of the count-derived curve with k <= {args.max_k:g})")
    if plan is not None:
        _print_plan(plan)
    if args.per_problem:
        print(
            f"per-problem difficulty written to {args.per_problem} (empirical-Bayes posterior of the success rate; failure at k = {K_pp:g})"
        )
    if args.plot:
        print(f"figure written to {args.plot}")
    return 0


# ----------------------------------------------------------------------------- plots
def _save(fig, path: str) -> None:
    import matplotlib.pyplot as plt

    try:
        fig.savefig(path)
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot write {path}: {exc}") from None
    finally:
        plt.close(fig)


def _plot_counts(args, n, c, fc, preds) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from lidlib.book import plotting

    nmin = int(n.min())
    kg, boot = fc["band"]  # the replicates of the printed interval (see _forecast)
    kmax = float(kg[-1])
    ks_d = np.unique(np.round(np.geomspace(1, nmin, 60)))
    nu, cu, w = C.count_pairs(n, c)
    f_d = (w @ C.failure_at(nu, cu, ks_d)) / w.sum()
    fg, _ = C.forecast_failure(n, c, kg, fc["method"])
    lo, hi, ok = centred_interval(fg, boot, LEVEL)
    fig, ax = plotting.panels(1, width=6.0, height=4.2)
    if ok.sum() >= 10:
        ax.fill_between(kg, lo, hi, color="C0", alpha=0.2, lw=0, label=f"95% interval ({ok.sum()} bootstrap refits)")
    ax.plot(kg, fg, color="C0", label=f"fit and forecast: {fc['method']}")
    ax.plot(ks_d, f_d, "o", ms=3, color="k", label=f"measured (unbiased estimator, k <= n = {nmin})")
    ax.axvspan(nmin, kmax, color="0.85", alpha=0.5, lw=0, label="forecast region (k > n)")
    if preds.size:
        ax.plot(preds, 1 - np.array(fc["pass_at_k"]), "D", color="C3", ms=5, label="--predict")
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="number of samples k",
        ylabel="failure 1 - pass@k",
        xlim=(1, kmax),
        title=f"{Path(args.file).name}{f' ({args.model})' if getattr(args, 'model', None) else ''}: {n.size} problems",
    )
    ax.legend(loc="lower left")
    _save(fig, args.plot)


def _plot_curve(args, data, fits, best) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from lidlib.book import plotting

    k, cov = data.k, data.coverage
    preds = np.array(args.predict, dtype=float)
    kmax = float(max(preds.max() if preds.size else 0, 30 * k.max()))
    kg = np.geomspace(1, kmax, 200)
    fig, ax = plotting.panels(1, width=6.0, height=4.2)
    kk, cc = _bin_curve(k, cov) if k.size > MAX_CURVE_POINTS else (k, cov)
    ax.plot(kk, np.clip(1 - cc, 1e-9, None), "o", ms=3, color="k", label="data")
    for i, (m, f) in enumerate(fits.items()):
        ax.plot(
            kg,
            np.clip(1 - np.atleast_1d(f.predict(kg)), 1e-9, None),
            color=f"C{i}",
            lw=2.2 if m == best else 1.2,
            label=f"{m} law" + (" (best out of sample)" if m == best else ""),
        )
    ax.axvspan(k.max(), kmax, color="0.85", alpha=0.5, lw=0, label="forecast region (beyond the data)")
    if args.max_k is not None:
        ax.axvline(args.max_k, color="0.4", ls=":", label=f"--max-k {args.max_k:g}")
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="number of samples k",
        ylabel="failure 1 - pass@k",
        xlim=(1, kmax),
        title=f"{Path(args.file).name} (curve laws: no bootstrap interval)",
    )
    ax.legend(loc="lower left")
    _save(fig, args.plot)


# ----------------------------------------------------------------------------- entry
def read_table(path: Path, model: str | None = None) -> tuple[str, dict[str, np.ndarray]]:
    """Read ``path``; return ``("curve", {"k", "coverage"})`` or ``("counts", {"n", "c"[, "group"]})``.

    Kept for callers of the CSV-only reader; :func:`lidlib.data.formats.read_input` reads
    every supported format. Raises ``ValueError`` with a one-line message.
    """
    d = formats.read_input(path, model=model)
    if isinstance(d, formats.Curve):
        return "curve", {"k": d.k, "coverage": d.coverage}
    out = {"n": d.n, "c": d.c}
    if d.group is not None:
        out["group"] = d.group
    return "counts", out


@command("lidlib fit")
def cli_fit(argv: list[str]) -> int:
    """Run ``lidlib fit FILE [options]``; return the exit status (2 on bad input)."""
    args = _parser().parse_args(argv)
    try:
        for kp in args.predict:
            if not math.isfinite(kp):
                raise ValueError(f"--predict values must be finite numbers >= 1, got {kp:g}")
            if kp < 1:
                raise ValueError(f"--predict values must be >= 1, got {kp:g}")
        if args.max_k is not None and not (math.isfinite(args.max_k) and args.max_k >= 1):
            raise ValueError(f"--max-k must be a finite number >= 1, got {args.max_k:g}")
        if args.n_boot < 10:
            raise ValueError(f"--n-boot must be >= 10, got {args.n_boot}")
        if args.plan is not None and not (math.isfinite(args.plan) and args.plan >= 1):
            raise ValueError(f"--plan must be a finite number >= 1, got {args.plan:g}")
        if not (0 < args.within < 1):
            raise ValueError(f"--within must lie in (0, 1), got {args.within:g}")
        if args.extra is not None and args.extra < 0:
            raise ValueError(f"--extra must be >= 0, got {args.extra}")
        data = formats.read_input(
            Path(args.file), args.format, problem_col=args.problem_col, correct_col=args.correct_col, model=args.model
        )
        for w in data.warnings:
            _warn(w)
        if isinstance(data, formats.Curve):
            if args.plan is not None or args.per_problem:
                raise ValueError(
                    f"{args.file}: --plan and --per-problem need per-problem data (counts or samples), not a coverage curve"
                )
            return _run_curve(args, data)
        return _run_counts(args, data)
    except ValueError as exc:  # bad input: one line naming the file, line and value
        return report("lidlib fit", exc)
