"""``lidlib fit FILE.csv``: fit the predecessor paper's pass@k laws to a measured curve.

Input: a CSV with a header and either

- a coverage curve: columns ``k, coverage`` (or ``x, y``, as in the digitized curves
  shipped in ``data/llm-passk/``), rows in any order; or
- per-problem counts: columns ``n, c`` (samples and correct samples per problem).
  The counts are fitted by maximum likelihood (:func:`lidlib.counts.fit_passk_counts`:
  beta-binomial and zero-inflated beta-binomial, profile-likelihood intervals, AIC/BIC).
  For comparison the curve laws are also fitted to the coverage curve of the unbiased
  pass@k estimator at log-spaced integer ``k <= min n``
  (:func:`lidlib.beta_model.coverage_from_counts`); ``--max-k`` restricts only these
  curve fits (the likelihood always uses all counts). A ``model`` column with several
  values selects one group with ``--model``; without it the likelihood is fitted to
  every group separately.

For a curve it fits the Beta law (Eq. 8 of arXiv:2410.16377) and the effective-k law
(Eq. 12), prints the parameters with standard errors and the extrapolated coverage at
each ``--predict`` k. Malformed input exits with status 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path

import numpy as np

from lidlib.beta_model import PasskFit, coverage_from_counts, fit_passk_curve
from lidlib.counts import CountFit, fit_passk_counts

K_DIGITIZATION_TOL = 0.01  # k in [0.99, 1) (digitization error of k = 1) is read as 1
MIN_PROBLEMS = 5  # fewest problems (rows) of a counts file: up to 3 likelihood parameters, plus slack


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        raise ValueError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="lidlib fit", description="Fit pass@k laws (Beta, effective k) to a coverage curve or to per-problem counts.")
    p.add_argument("file", help="CSV with columns k,coverage (or x,y) or n,c")
    p.add_argument("--max-k", type=float, default=None, help="fit only points with k <= K (to test extrapolation)")
    p.add_argument("--predict", type=float, nargs="+", default=[], metavar="K", help="k at which to extrapolate the coverage")
    p.add_argument("--model", default=None, help="rows whose 'model' column equals this (counts files with several models)")
    p.add_argument("--fix-amplitude", action="store_true", help="fix the ceiling A = 1 instead of fitting it")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    return p


def _number(s: str, col: str, line: int) -> float:
    try:
        v = float(s)
    except (TypeError, ValueError):
        raise ValueError(f"column {col!r}, line {line}: not a number: {s!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"column {col!r}, line {line}: not a finite number: {s!r}")
    return v


def read_table(path: Path, model: str | None = None) -> tuple[str, dict[str, np.ndarray]]:
    """Read ``path``; return ``("curve", {"k", "coverage"})`` or ``("counts", {"n", "c"})``.

    Raises ``ValueError`` with a one-line message on any malformed input.
    """
    try:
        text = path.read_text()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    rows = list(csv.reader(line for line in text.splitlines() if line.strip()))
    if not rows:
        raise ValueError(f"{path} is empty")
    header = [h.strip().lower() for h in rows[0]]
    body = rows[1:]
    for kind, cols in (("curve", ("k", "coverage")), ("curve", ("x", "y")), ("counts", ("n", "c"))):
        if all(c in header for c in cols):
            break
    else:
        raise ValueError(f"{path}: missing columns: need 'k,coverage' (or 'x,y') or 'n,c'; found {','.join(header) or 'none'}")
    groups: list[str] | None = None
    if model is not None or (kind == "counts" and "model" in header):
        if "model" not in header:
            raise ValueError(f"{path}: --model given but the file has no 'model' column")
        mi = header.index("model")
        names = sorted({r[mi].strip() for r in body if len(r) > mi})
        if model is None and len(names) > 1:
            if kind != "counts":
                raise ValueError(f"{path}: several models ({', '.join(names)}); choose one with --model")
            groups = [r[mi].strip() if len(r) > mi else "" for r in body]
        if model is not None:
            if model not in names:
                raise ValueError(f"{path}: no rows with model {model!r}; models: {', '.join(names)}")
            body = [r for r in body if len(r) > mi and r[mi].strip() == model]
    idx = [header.index(c) for c in cols]
    vals: dict[str, list[float]] = {c: [] for c in cols}
    for i, r in enumerate(body, start=2):
        if len(r) < len(header):
            raise ValueError(f"{path}, line {i}: expected {len(header)} fields, got {len(r)}")
        for c, j in zip(cols, idx):
            vals[c].append(_number(r[j].strip(), c, i))
    arr = {c: np.array(v) for c, v in vals.items()}
    if kind == "curve":
        k, cov = arr[cols[0]], arr[cols[1]]
        if (k < 1 - K_DIGITIZATION_TOL).any():
            raise ValueError(f"{path}: column {cols[0]!r} (k) must be >= 1, got {k[k < 1 - K_DIGITIZATION_TOL][0]:g}")
        if ((cov < 0) | (cov > 1)).any():
            bad = cov[(cov < 0) | (cov > 1)][0]
            raise ValueError(f"{path}: column {cols[1]!r} (coverage) must lie in [0, 1], got {bad:g}")
        return "curve", {"k": np.maximum(k, 1.0), "coverage": cov}
    n, c = arr["n"], arr["c"]
    if n.size == 0:
        raise ValueError(f"{path}: no data rows")
    if (n < 1).any() or (n != np.round(n)).any():
        raise ValueError(f"{path}: column 'n' must hold integers >= 1")
    if (c < 0).any() or (c != np.round(c)).any() or (c > n).any():
        raise ValueError(f"{path}: column 'c' must hold integers with 0 <= c <= n")
    out = {"n": n, "c": c}
    if groups is not None:
        out["group"] = np.array(groups)
    sizes = [(g, int((out["group"] == g).sum())) for g in dict.fromkeys(groups)] if groups is not None else [(None, n.size)]
    for g, size in sizes:
        if size < MIN_PROBLEMS:
            where = f", model {g!r}" if g is not None else ""
            raise ValueError(f"{path}{where}: too few problems ({size}; the count likelihood needs at least {MIN_PROBLEMS})")
    return "counts", out


def _fits(k: np.ndarray, cov: np.ndarray, fix_amplitude: bool) -> dict[str, PasskFit]:
    out = {}
    for model in ("beta", "effective_k"):
        out[model] = fit_passk_curve(k, cov, model=model, fit_amplitude=not fix_amplitude)
    return out


def _count_fits(n: np.ndarray, c: np.ndarray) -> dict[str, CountFit]:
    return {m: fit_passk_counts(n, c, model=m) for m in ("beta_binomial", "zero_inflated")}


def _print_count_fits(fits: dict[str, CountFit], preds: np.ndarray, indent: str = "") -> None:
    best = min(fits, key=lambda m: fits[m].aic)
    print(f"{indent}Likelihood on the counts, failure p ~ Beta(a, b) (zero-inflated: never solved with prob. 1 - A); "
          f"95% profile-likelihood intervals")
    for name, f in fits.items():
        pars = ", ".join(f"{k} = {f.params[k]:.4g} [{f.ci[k][0]:.4g}, {f.ci[k][1]:.4g}]" for k in ("a", "b", "A"))
        flag = "  <- best AIC" if name == best else ""
        print(f"{indent}  {name:14} {pars};  logL = {f.loglik:.2f}, AIC = {f.aic:.2f}, BIC = {f.bic:.2f}{flag}")
    print(f"{indent}  tail exponent (b, {best}): {fits[best].tail_exponent:.4g}")
    if preds.size:
        print(f"{indent}{'k':>12}  " + "  ".join(f"{'coverage (' + m + ')':>30}" for m in fits))
        cols = [np.atleast_1d(f.predict(preds)) for f in fits.values()]
        for i, kp in enumerate(preds):
            print(f"{indent}{kp:12g}  " + "  ".join(f"{col[i]:30.4f}" for col in cols))


def _grouped_counts(args: argparse.Namespace, data: dict[str, np.ndarray]) -> int:
    """Fit the count likelihoods to every group of a counts file (a ``model`` column)."""
    preds = np.array(args.predict, dtype=float)
    groups = list(dict.fromkeys(data["group"].tolist()))
    res = {}
    for g in groups:
        sel = data["group"] == g
        try:
            res[g] = _count_fits(data["n"][sel], data["c"][sel])
        except ValueError as exc:
            raise ValueError(f"{args.file}, model {g!r}: {exc}") from None
    if args.json:
        out = {"file": str(args.file), "input": "counts", "groups": {}}
        for g, fits in res.items():
            out["groups"][g] = {
                "n_problems": int((data["group"] == g).sum()),
                "fits": {m: f.as_dict() for m, f in fits.items()},
                "best": min(fits, key=lambda m: fits[m].aic),
                "predict": {"k": preds.tolist(), **{m: np.atleast_1d(f.predict(preds)).tolist() if preds.size else [] for m, f in fits.items()}},
            }
        print(json.dumps(out, indent=1, allow_nan=False, default=lambda x: None))
        return 0
    print(f"{args.file}: per-problem counts, {len(groups)} models (column 'model'); the likelihood is fitted to each")
    for g, fits in res.items():
        print(f"model {g} ({int((data['group'] == g).sum())} problems)")
        _print_count_fits(fits, preds, indent="  ")
    return 0


def _fmt(v: float, se: float) -> str:
    return f"{v:.4g} +- {se:.2g}" if math.isfinite(se) else f"{v:.4g} (at bound)"


def cli_fit(argv: list[str]) -> int:
    """Run ``lidlib fit FILE.csv [--max-k K] [--predict K ...] [--json]``; return the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except ValueError as exc:
        print(f"lidlib fit: error: {exc}", file=sys.stderr)
        return 2
    try:
        for kp in args.predict:
            if not math.isfinite(kp) or kp < 1:
                raise ValueError(f"--predict values must be >= 1, got {kp:g}")
        if args.max_k is not None and not args.max_k >= 1:
            raise ValueError(f"--max-k must be >= 1, got {args.max_k:g}")
        kind, data = read_table(Path(args.file), args.model)
        if kind == "counts" and "group" in data:
            return _grouped_counts(args, data)
        count_fits: dict[str, CountFit] = {}
        if kind == "counts":
            count_fits = _count_fits(data["n"], data["c"])
            k, cov = coverage_from_counts(data["n"], data["c"])
        else:
            order = np.argsort(data["k"], kind="stable")
            k, cov = data["k"][order], data["coverage"][order]
        n_all = k.size
        if args.max_k is not None:
            keep = k <= args.max_k
            k, cov = k[keep], cov[keep]
        need = 3 if args.fix_amplitude else 4
        fits: dict[str, PasskFit] = {}
        if k.size < need or np.unique(k).size < need - 1:
            if kind != "counts":  # counts: the likelihood needs no curve; only the comparison is skipped
                raise ValueError(f"{args.file}: too few points to fit ({k.size} with k <= {args.max_k or 'inf'}; need at least {need})")
        else:
            fits = _fits(k, cov, args.fix_amplitude)
    except ValueError as exc:
        print(f"lidlib fit: error: {exc}", file=sys.stderr)
        return 2
    preds = np.array(args.predict, dtype=float)
    if fits:
        best = min(fits, key=lambda m: fits[m].rms_log_failure)
    if count_fits:
        best = min(count_fits, key=lambda m: count_fits[m].aic)
    if args.json:
        allf = {**fits, **count_fits}
        out = {
            "file": str(args.file),
            "input": kind,
            "n_points": int(n_all),
            "n_fitted": int(k.size),
            "max_k_fitted": float(k.max()) if fits else None,
            "fits": {m: f.as_dict() for m, f in allf.items()},
            "best": best,
            "predict": {"k": preds.tolist(), **{m: np.atleast_1d(f.predict(preds)).tolist() if preds.size else [] for m, f in allf.items()}},
        }
        if count_fits:
            out["n_problems"] = int(data["n"].size)
            out["likelihood_models"] = list(count_fits)
        print(json.dumps(out, indent=1, allow_nan=False, default=lambda x: None))
        return 0
    if count_fits:
        print(f"{args.file}: per-problem counts, {data['n'].size} problems, n from {data['n'].min():g} to {data['n'].max():g}")
        _print_count_fits(count_fits, preds)
        if not fits:
            print(f"(curve fits skipped: only {k.size} points of the count-derived curve with k <= {args.max_k:g})")
            return 0
        print("For comparison, curve fits to the unbiased pass@k estimator of these counts:")
    src = "per-problem counts (unbiased pass@k estimator)" if kind == "counts" else "coverage curve"
    print(f"{args.file}: {src}; fitted {k.size} of {n_all} points, k from {k.min():g} to {k.max():g}")
    b = fits["beta"]
    print(f"Beta law (Eq. 8), coverage = A (1 - B(a+k, b)/B(a, b)):  rms log-failure residual {b.rms_log_failure:.3f}")
    for name in ("a", "b", "A"):
        print(f"  {name:6} = {_fmt(b.params[name], b.stderr[name])}")
    e = fits["effective_k"]
    print(f"effective-k law (Eq. 12), coverage = A (1 - p^H_k(kappa)):  rms log-failure residual {e.rms_log_failure:.3f}")
    for name in ("p", "kappa", "A"):
        print(f"  {name:6} = {_fmt(e.params[name], e.stderr[name])}")
    print("  (standard errors from the least-squares Jacobian; they ignore correlations between points)")
    if preds.size:
        print(f"{'k':>12}  {'coverage (Beta)':>16}  {'coverage (eff. k)':>18}")
        pb, pe = np.atleast_1d(b.predict(preds)), np.atleast_1d(e.predict(preds))
        for kp, vb, ve in zip(preds, pb, pe):
            print(f"{kp:12g}  {vb:16.4f}  {ve:18.4f}")
    return 0
