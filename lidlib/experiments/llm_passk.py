"""Pythia on MATH: the hard tail of real language models from per-problem counts.

The machinery of the ``llm_hard_tail`` chapter. Seven Pythia models answer the same 128
MATH problems ``10^4`` times each; model size stands in for the main paper's number of
training samples ``N`` (Sec. 4.2, Eq. 19-20). The functions here repeat the science of
:mod:`lidlib.counts` over models, windows, budgets and size axes:

* :func:`bootstrap_error_sources`: the two-level bootstrap of the failure curve, with
  and without resampling the problems (what the error bar includes);
* :func:`paired_window_exponents`: ``beta_eff`` (Eq. 19) of every model in fixed
  ``k``-windows, with a paired bootstrap over the shared problems;
* :func:`adjacent_reversals`: where a larger model has the smaller exponent;
* :func:`compare_growth_laws`: Eq. 20 against log-linear growth by GLS and AIC, on every
  size axis, without the smallest model and with the variances only;
* :func:`best_model_at_budgets`: the best measured model at a fixed inference budget.

Experiment module: imports NumPy and lidlib science modules only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lidlib.counts import (
    SaturationComparison,
    bootstrap_failure,
    compare_saturation_gls,
    paired_bootstrap_failure,
    paired_differences,
)
from lidlib.slopes import local_slope

__all__ = [
    "PYTHIA_PARAMS",
    "PYTHIA_TOKENS",
    "model_sizes",
    "count_summary",
    "aligned_counts",
    "ErrorBarSources",
    "bootstrap_error_sources",
    "WindowExponents",
    "paired_window_exponents",
    "adjacent_reversals",
    "GrowthLawComparison",
    "compare_growth_laws",
    "best_model_at_budgets",
    "interval_text",
]

#: Official parameter counts of the Pythia suite (Biderman et al. 2023, model cards):
#: ``(total, non-embedding)``.
PYTHIA_PARAMS: dict[str, tuple[int, int]] = {
    "Pythia 70M": (70_426_624, 18_915_328),
    "Pythia 160M": (162_322_944, 85_056_000),
    "Pythia 410M": (405_334_016, 302_311_424),
    "Pythia 1B": (1_011_781_632, 805_736_448),
    "Pythia 2.8B": (2_775_208_960, 2_517_652_480),
    "Pythia 6.9B": (6_857_302_016, 6_444_163_072),
    "Pythia 12B": (11_846_072_320, 11_327_027_200),
}
#: Training tokens seen by every Pythia model.
PYTHIA_TOKENS = 300e9


def model_sizes(models: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Total and non-embedding parameter counts of Pythia models (the proxy for ``N`` of Sec. 4.2).

    Parameters
    ----------
    models : sequence of str
        Names as in :data:`PYTHIA_PARAMS` (``"Pythia 70M"``, ...).

    Returns
    -------
    total, non_embedding : ndarray of float, shape (len(models),)

    Examples
    --------
    >>> model_sizes(["Pythia 70M"])[0]
    array([70426624.])
    """
    unknown = [m for m in models if m not in PYTHIA_PARAMS]
    if unknown:
        raise ValueError(f"models must be Pythia models of PYTHIA_PARAMS, got {unknown}")
    total = np.array([PYTHIA_PARAMS[m][0] for m in models], float)
    non_embedding = np.array([PYTHIA_PARAMS[m][1] for m in models], float)
    return total, non_embedding


def count_summary(counts: Mapping[str, Mapping[str, Any]], models: Sequence[str]) -> list[tuple]:
    """One row per model describing its per-problem counts (the data of the hard-tail chapter).

    Parameters
    ----------
    counts : mapping
        ``counts[model]["n"]``, ``counts[model]["c"]``: samples and correct samples per
        problem (as ``lidlib.data.load_pass_counts`` returns them).
    models : sequence of str

    Returns
    -------
    list of tuple
        ``(model, problems, smallest n, share of problems with c = 0, mean single-sample
        success sum(c) / sum(n))`` per model.
    """
    rows = []
    for m in models:
        n, c = np.asarray(counts[m]["n"], float), np.asarray(counts[m]["c"], float)
        rows.append((m, int(n.size), int(n.min()), float((c == 0).mean()), float(c.sum() / n.sum())))
    return rows


def aligned_counts(
    counts: Mapping[str, Mapping[str, Any]], models: Sequence[str]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per-problem counts of several models in one common problem order (the paired design).

    Parameters
    ----------
    counts : mapping
        ``counts[model]`` with arrays ``"n"``, ``"c"`` and ``"problem_idx"``.
    models : sequence of str

    Returns
    -------
    n, c : list of ndarray
        One array per model, sorted by problem index.

    Raises
    ------
    ValueError
        If the models were not evaluated on the same problems.
    """
    order = [np.argsort(counts[m]["problem_idx"]) for m in models]
    ref = np.asarray(counts[models[0]]["problem_idx"])[order[0]]
    for m, o in zip(models, order):
        if not np.array_equal(np.asarray(counts[m]["problem_idx"])[o], ref):
            raise ValueError(f"model {m!r} was not evaluated on the same problems as {models[0]!r}")
    n = [np.asarray(counts[m]["n"])[o] for m, o in zip(models, order)]
    c = [np.asarray(counts[m]["c"])[o] for m, o in zip(models, order)]
    return n, c


@dataclass(frozen=True)
class ErrorBarSources:
    """Bootstrap replicates of the failure curve of several models (:func:`bootstrap_error_sources`).

    Attributes
    ----------
    two_level : ndarray, shape (n_models, n_boot, len(ks))
        Problems resampled, counts redrawn from a binomial at the plug-in rate.
    counts_only : ndarray, same shape
        Problems fixed, counts redrawn: the error bar that ignores the choice of problems.
    jeffreys : ndarray, same shape
        Problems resampled, rates drawn from the Jeffreys posterior, then counts.
    """

    two_level: np.ndarray
    counts_only: np.ndarray
    jeffreys: np.ndarray

    def sd_at(self, ks, k: float) -> dict[str, np.ndarray]:
        """Bootstrap standard deviation of each variant at the budget ``k`` (one of ``ks``).

        Parameters
        ----------
        ks : array_like
            The budgets the replicates were drawn at.
        k : float
            One of them.

        Returns
        -------
        dict
            ``two_level``, ``counts_only``, ``jeffreys``: ndarray of shape (n_models,).
        """
        i = int(np.searchsorted(np.asarray(ks, float), k))
        return {
            name: np.array([b[:, i].std() for b in getattr(self, name)])
            for name in ("two_level", "counts_only", "jeffreys")
        }


def bootstrap_error_sources(n_by_model: Sequence, c_by_model: Sequence, ks, n_boot: int, rng) -> ErrorBarSources:
    """Two-level, counts-only and Jeffreys bootstraps of the failure ``1 - pass@k`` of each model.

    The three variants of :func:`lidlib.counts.bootstrap_failure` that separate the two
    sources of uncertainty of a coverage curve measured on a finite benchmark (the
    choice of problems; the finite number of samples per problem), drawn model by model
    from one generator in a fixed order (two-level, counts-only, Jeffreys).

    Parameters
    ----------
    n_by_model, c_by_model : sequence of array_like
        Per-problem counts of each model.
    ks : array_like
        Integer budgets ``<= min(n)``.
    n_boot : int
        Replicates per variant and model.
    rng : numpy.random.Generator

    Returns
    -------
    ErrorBarSources
    """
    two, fixed, jeff = [], [], []
    for n, c in zip(n_by_model, c_by_model, strict=True):
        two.append(bootstrap_failure(n, c, ks, n_boot, rng))
        fixed.append(bootstrap_failure(n, c, ks, n_boot, rng, problems=False))
        jeff.append(bootstrap_failure(n, c, ks, n_boot, rng, within="beta"))
    return ErrorBarSources(np.array(two), np.array(fixed), np.array(jeff))


@dataclass(frozen=True)
class WindowExponents:
    """``beta_eff`` of several models in fixed ``k``-windows (:func:`paired_window_exponents`).

    Attributes
    ----------
    windows : ndarray, shape (w, 2)
    value : ndarray, shape (n_models, w)
        Point estimates, Eq. 19 on the measured curves.
    boot : ndarray, shape (n_models, n_boot, w)
        Paired replicates: replicate ``b`` of every model uses the same resampled problems.
    lo, hi : ndarray, shape (n_models, w)
        Percentile interval of the replicates at ``level``.
    """

    windows: np.ndarray
    value: np.ndarray
    boot: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    def covariance(self, j: int) -> np.ndarray:
        """Covariance of the exponents across models in window ``j`` (from the paired replicates).

        Parameters
        ----------
        j : int
            Window index.

        Returns
        -------
        ndarray, shape (n_models, n_models)
        """
        return np.cov(self.boot[:, :, j])


def paired_window_exponents(
    curves, n_by_model: Sequence, c_by_model: Sequence, ks, windows, n_boot: int, rng, *, level: float = 0.95
) -> WindowExponents:
    r"""Effective exponents :math:`\beta_{\rm eff}` (Eq. 19) in ``k``-windows, with a paired bootstrap.

    The point estimates are the least-squares log-log slopes of ``curves`` in each window
    (:func:`lidlib.slopes.local_slope`, the closed form for a stack of curves); the replicates are the same slopes of the
    curves of :func:`lidlib.counts.paired_bootstrap_failure`, which resamples one set of
    problems per replicate for all models, so that the replicates carry the correlation
    between models that share a benchmark.

    Parameters
    ----------
    curves : array_like, shape (n_models, len(ks))
        Measured failure ``1 - pass@k`` of each model at ``ks``.
    n_by_model, c_by_model : sequence of array_like
        Per-problem counts, in one common problem order (:func:`aligned_counts`).
    ks : array_like
        Increasing integer budgets.
    windows : array_like, shape (w, 2)
    n_boot : int
    rng : numpy.random.Generator
    level : float
        Coverage of the percentile intervals.

    Returns
    -------
    WindowExponents
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    W = np.atleast_2d(np.asarray(windows, float))
    value = np.asarray(local_slope(ks, np.asarray(curves, float), W))
    pboot = paired_bootstrap_failure(n_by_model, c_by_model, ks, n_boot, rng)
    boot = np.array([local_slope(ks, pboot[i], W) for i in range(pboot.shape[0])])
    q = round(50 * (1 - level), 12)  # 2.5 exactly for level 0.95
    lo, hi = np.percentile(boot, [q, 100 - q], axis=1)
    return WindowExponents(W, value, boot, lo, hi)


def adjacent_reversals(exps: WindowExponents, names: Sequence[str], *, level: float = 0.95) -> list[dict[str, Any]]:
    """Neighbouring models whose exponents run against size (Sec. 4.2: ``beta_eff`` grows with ``N``).

    Models are taken in the order given (smallest first). For each window, a pair of
    neighbours is *reversed* when the larger model has the smaller point estimate, and
    *resolved* when the whole paired interval of the difference lies below 0
    (:func:`lidlib.counts.paired_differences`).

    Parameters
    ----------
    exps : WindowExponents
    names : sequence of str
        Short model names, in the order of ``exps``.
    level : float

    Returns
    -------
    list of dict
        Per window: ``window`` (k1, k2), ``reversed`` and ``resolved``, lists of
        ``"<smaller> > <larger>"`` strings.
    """
    if len(names) != exps.value.shape[0]:
        raise ValueError(f"names must hold {exps.value.shape[0]} names, got {len(names)}")
    adjacent = [(i + 1, i) for i in range(len(names) - 1)]
    out = []
    for j, (a, b) in enumerate(exps.windows):
        diffs = paired_differences(exps.value[:, j], exps.boot[:, :, j], adjacent, level=level)
        out.append(
            {
                "window": (float(a), float(b)),
                "reversed": [f"{names[int(d['j'])]} > {names[int(d['i'])]}" for d in diffs if d["diff"] < 0],
                "resolved": [f"{names[int(d['j'])]} > {names[int(d['i'])]}" for d in diffs if d["hi"] < 0],
            }
        )
    return out


@dataclass(frozen=True)
class GrowthLawComparison:
    """Eq. 20 against log-linear growth on several views of the same data (:func:`compare_growth_laws`).

    Attributes
    ----------
    axes : dict of str to SaturationComparison
        One GLS comparison per size axis, with the full covariance.
    without_smallest : SaturationComparison
        First axis, the smallest model left out.
    diagonal : SaturationComparison
        First axis, variances only (the models treated as independent).
    correlation : ndarray
        Correlation matrix of the exponents implied by the covariance.
    """

    axes: dict[str, SaturationComparison]
    without_smallest: SaturationComparison
    diagonal: SaturationComparison
    correlation: np.ndarray


def compare_growth_laws(sizes: Mapping[str, Any], beta_eff, cov) -> GrowthLawComparison:
    r"""Saturating (Eq. 20) against log-linear growth of :math:`\beta_{\rm eff}(N)`, by GLS and AIC.

    Runs :func:`lidlib.counts.compare_saturation_gls` on every size axis of ``sizes``
    with the full covariance, then on the first axis twice more: without the smallest
    model (does the preference rest on one point?) and with the diagonal of ``cov``
    only (what treating correlated models as independent would conclude). A positive
    ``delta_aic`` favours saturation.

    Parameters
    ----------
    sizes : mapping of str to array_like, each shape (m,)
        Size axes (e.g. total and non-embedding parameters), in increasing order of the
        first axis; the first is the main axis.
    beta_eff : array_like, shape (m,)
        Exponents of the ``m`` models.
    cov : array_like, shape (m, m)
        Their covariance (e.g. :meth:`WindowExponents.covariance`).

    Returns
    -------
    GrowthLawComparison
    """
    if not sizes:
        raise ValueError("sizes must hold at least one size axis")
    y = np.asarray(beta_eff, float).ravel()
    S = np.asarray(cov, float)
    axes = {name: compare_saturation_gls(np.asarray(x, float), y, S) for name, x in sizes.items()}
    x0 = np.asarray(next(iter(sizes.values())), float)
    if np.any(np.diff(x0) <= 0):
        raise ValueError("the first size axis must be strictly increasing (smallest model first)")
    without = compare_saturation_gls(x0[1:], y[1:], S[1:, 1:])
    diagonal = compare_saturation_gls(x0, y, np.diag(np.diag(S)))
    return GrowthLawComparison(axes, without, diagonal, S / np.sqrt(np.outer(np.diag(S), np.diag(S))))


def best_model_at_budgets(
    sizes, failure_curves: Sequence, budgets: Sequence[float], surface=None
) -> list[dict[str, Any]]:
    """The best measured model when a budget ``B`` buys ``k = B / N`` samples of an ``N``-parameter model.

    The inference side of the allocation question (main paper, Sec. 6): the cost of a
    sample is taken proportional to the parameter count, training cost as sunk. At each
    budget every model that affords ``1 <= k <= k_max`` samples is scored by its measured
    failure at ``floor(k)``; the best is the one with the smallest failure. With an
    :class:`lidlib.allocation.InferenceSurface`, the elasticity in ``N`` and
    ``beta_eff`` of the surface at the best model are reported too (grow ``N`` while
    the first exceeds the second).

    Parameters
    ----------
    sizes : array_like, shape (m,)
        Parameter counts of the models.
    failure_curves : sequence of array_like
        Measured failure of each model at ``k = 1, 2, ..., k_max`` (index ``k - 1``).
    budgets : sequence of float
        Budgets in parameter-samples.
    surface : InferenceSurface, optional

    Returns
    -------
    list of dict
        Per budget: ``budget``, ``k`` (affordable samples per model), ``affordable``
        (bool per model), ``best`` (index), ``failure`` (of the best model at
        ``floor(k)``), ``elasticity`` and ``beta_eff`` (NaN without a surface).

    Examples
    --------
    >>> rows = best_model_at_budgets([1.0, 10.0], [[0.5, 0.25, 0.125], [0.1, 0.05, 0.02]], [3.0, 20.0])
    >>> [r["best"] for r in rows], [r["failure"] for r in rows]
    ([0, 1], [0.125, 0.05])
    """
    N = np.asarray(sizes, float).ravel()
    curves = [np.asarray(f, float).ravel() for f in failure_curves]
    if len(curves) != N.size:
        raise ValueError(f"failure_curves must hold one curve per model ({N.size}), got {len(curves)}")
    k_max = min(f.size for f in curves)
    rows = []
    for B in budgets:
        kk = float(B) / N
        ok = (kk >= 1) & (kk <= k_max)
        if not ok.any():
            raise ValueError(f"no model affords between 1 and {k_max} samples at budget {B:g}")
        L = np.full(N.size, np.nan)
        for i in np.where(ok)[0]:
            L[i] = curves[i][int(np.floor(kk[i])) - 1]
        ib = int(np.nanargmin(L))
        eps = bet = float("nan")
        if surface is not None:
            eps = float(-surface.log_value(N[ib], kk[ib], dN=1))
            bet = float(surface.beta_eff(N[ib], kk[ib]))
        rows.append(
            {
                "budget": float(B),
                "k": kk,
                "affordable": ok,
                "best": ib,
                "failure": float(L[ib]),
                "elasticity": eps,
                "beta_eff": bet,
            }
        )
    return rows


def interval_text(interval, fmt: str = ".3f") -> str:
    """An interval as ``"[lo, hi]"`` for the chapter's tables (profile intervals of :func:`lidlib.counts.fit_passk_counts`).

    Parameters
    ----------
    interval : (float, float)
    fmt : str
        Format spec of both ends.

    Returns
    -------
    str

    Examples
    --------
    >>> interval_text((0.1234, 0.5))
    '[0.123, 0.500]'
    """
    lo, hi = interval
    return f"[{format(lo, fmt)}, {format(hi, fmt)}]"
