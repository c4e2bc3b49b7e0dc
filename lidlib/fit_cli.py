"""``lidlib fit FILE.csv``: fit the predecessor paper's pass@k laws to a measured curve.

Input: a CSV with a header and either

- a coverage curve: columns ``k, coverage`` (or ``x, y``, as in the digitized curves
  shipped in ``data/llm-passk/``), rows in any order; or
- per-problem counts: columns ``n, c`` (samples and correct samples per problem). The
  coverage curve is then the unbiased pass@k estimator averaged over problems at
  log-spaced integer ``k <= min n`` (:func:`lidlib.beta_model.coverage_from_counts`).
  A ``model`` column, if present with several values, is selected with ``--model``.

It fits the Beta law (Eq. 8 of arXiv:2410.16377) and the effective-k law (Eq. 12),
prints the parameters with standard errors and the extrapolated coverage at each
``--predict`` k. Malformed input exits with status 2 and one line on stderr.
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

K_DIGITIZATION_TOL = 0.01  # k in [0.99, 1) (digitization error of k = 1) is read as 1


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
    if model is not None or (kind == "counts" and "model" in header):
        if "model" not in header:
            raise ValueError(f"{path}: --model given but the file has no 'model' column")
        mi = header.index("model")
        names = sorted({r[mi].strip() for r in body if len(r) > mi})
        if model is None and len(names) > 1:
            raise ValueError(f"{path}: several models ({', '.join(names)}); choose one with --model")
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
    return "counts", {"n": n, "c": c}


def _fits(k: np.ndarray, cov: np.ndarray, fix_amplitude: bool) -> dict[str, PasskFit]:
    out = {}
    for model in ("beta", "effective_k"):
        out[model] = fit_passk_curve(k, cov, model=model, fit_amplitude=not fix_amplitude)
    return out


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
        if kind == "counts":
            k, cov = coverage_from_counts(data["n"], data["c"])
        else:
            order = np.argsort(data["k"], kind="stable")
            k, cov = data["k"][order], data["coverage"][order]
        n_all = k.size
        if args.max_k is not None:
            keep = k <= args.max_k
            k, cov = k[keep], cov[keep]
        need = 3 if args.fix_amplitude else 4
        if k.size < need or np.unique(k).size < need - 1:
            raise ValueError(f"{args.file}: too few points to fit ({k.size} with k <= {args.max_k or 'inf'}; need at least {need})")
        fits = _fits(k, cov, args.fix_amplitude)
    except ValueError as exc:
        print(f"lidlib fit: error: {exc}", file=sys.stderr)
        return 2
    preds = np.array(args.predict, dtype=float)
    best = min(fits, key=lambda m: fits[m].rms_log_failure)
    if args.json:
        out = {
            "file": str(args.file),
            "input": kind,
            "n_points": int(n_all),
            "n_fitted": int(k.size),
            "max_k_fitted": float(k.max()),
            "fits": {m: f.as_dict() for m, f in fits.items()},
            "best": best,
            "predict": {"k": preds.tolist(), **{m: np.atleast_1d(f.predict(preds)).tolist() if preds.size else [] for m, f in fits.items()}},
        }
        print(json.dumps(out, indent=1, allow_nan=False, default=lambda x: None))
        return 0
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
