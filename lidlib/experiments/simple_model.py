"""The predecessor's simple model on real curves: the machinery of the ``simple_model`` chapter.

"A Simple Model of Inference Scaling Laws" gives every problem a failure probability
``p ~ Beta(a, b)`` (Eq. 7) and reads pass@k off ``E[p^k] = B(a+k, b)/B(a, b)`` (Eq. 8-9).
The functions here repeat the science of :mod:`lidlib.beta_model` over curves, fitting
objectives, exponents and thresholds:

* :func:`beta_moment_monte_carlo`: Eq. 8 against a simulated benchmark;
* :func:`digitized_curves`, :func:`fit_objectives`, :func:`extrapolation_errors`: the
  Beta and effective-``k`` laws on digitized MATH coverage curves (Sec. 3.2-3.3);
* :func:`laplace_transform_error`: Eq. 10 by quadrature;
* :func:`lid_beta_bridge`: the main paper's LID model as a Beta law with the same tail;
* :func:`spectrum_power_law`, :func:`split_half_independence`, :func:`example_attempts`:
  the VAE experiment of Sec. 4 (with :mod:`lidlib.experiments.vae`).

Experiment module: imports NumPy, SciPy, lidlib science modules and ``lidlib.data``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import integrate, special, stats

from lidlib import beta_model as bm
from lidlib import bias_free_constant, data, local_slope, pass_at_k_unbiased, population_failure, two_tail
from lidlib.experiments.vae import eigen_decay_exponent

__all__ = [
    "beta_moment_monte_carlo",
    "digitized_curves",
    "fit_objectives",
    "extrapolation_errors",
    "laplace_transform_error",
    "lid_beta_bridge",
    "spectrum_power_law",
    "split_half_independence",
    "example_attempts",
    "format_estimate",
]


def beta_moment_monte_carlo(a: float, b: float, n_problems: int, ks, rng) -> dict[str, np.ndarray]:
    r"""Simulated unsolved share after ``k`` attempts against :math:`B(a+k,b)/B(a,b)` (predecessor Eq. 8).

    Draws ``n_problems`` failure probabilities ``p ~ Beta(a, b)``, gives each problem a
    geometric number of attempts until its first success, and counts the problems still
    unsolved after ``k`` attempts.

    Parameters
    ----------
    a, b : float
        Beta parameters of the failure probability.
    n_problems : int
    ks : array_like
        Numbers of attempts.
    rng : numpy.random.Generator

    Returns
    -------
    dict
        ``unsolved`` (simulated share), ``exact`` (the Beta moment) and ``z`` (their
        difference in binomial standard errors), one entry per ``k``.
    """
    p_fail = rng.beta(a, b, n_problems)
    first_success = rng.geometric(np.clip(1.0 - p_fail, 1e-300, None))  # attempts until the first success
    k = np.asarray(ks, dtype=float)
    unsolved = (first_success[:, None] > k[None, :]).mean(axis=0)
    exact = np.asarray(bm.beta_model_failure(k, a, b), float)
    z = (unsolved - exact) / np.sqrt(exact * (1 - exact) / n_problems)
    return {"unsolved": unsolved, "exact": exact, "z": z}


def digitized_curves(names: Sequence[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Digitized MATH coverage curves (predecessor Fig. 1), sorted by ``k``, from ``data/llm-passk/``.

    The files are read through :func:`lidlib.data.fetch` (sha256-checked). Their rows are
    unsorted; ``k`` below one (a digitization of ``k = 1``) is set to one.

    Parameters
    ----------
    names : sequence of str
        File stems, e.g. ``"pythia28B"``.

    Returns
    -------
    dict
        ``name -> (k, coverage)``.
    """
    out = {}
    for name in names:
        d = np.loadtxt(data.fetch(f"llm-passk/{name}.csv"), delimiter=",", skiprows=1)
        d = d[np.argsort(d[:, 0])]
        out[name] = (np.maximum(d[:, 0], 1.0), d[:, 1])
    return out


def fit_objectives(k, coverage, max_k: float) -> dict[str, bm.PasskFit]:
    """The Beta law (predecessor Eq. 8) fitted to one coverage curve under four objectives.

    The fitted tail exponent ``b`` depends on the objective; the spread over these four
    is the systematic uncertainty of ``b`` (Sec. 3.2). All use
    :func:`lidlib.beta_model.fit_passk_curve`.

    Parameters
    ----------
    k, coverage : array_like
        The measured curve.
    max_k : float
        Largest ``k`` of the short-range fit.

    Returns
    -------
    dict
        ``"log failure, A free"``, ``"coverage, A free"``, ``"log failure, A = 1"`` and
        ``"log failure, k <= <max_k>"`` -> :class:`lidlib.beta_model.PasskFit`.
    """
    k = np.asarray(k, float)
    c = np.asarray(coverage, float)
    short = k <= max_k
    if short.sum() < 4:
        raise ValueError(f"max_k = {max_k:g} leaves fewer than 4 points for the short-range fit")
    return {
        "log failure, A free": bm.fit_passk_curve(k, c),
        "coverage, A free": bm.fit_passk_curve(k, c, space="coverage"),
        "log failure, A = 1": bm.fit_passk_curve(k, c, fit_amplitude=False),
        f"log failure, k <= {max_k:g}": bm.fit_passk_curve(k[short], c[short]),
    }


def extrapolation_errors(k, coverage, max_k: float) -> dict[str, Any]:
    """Forecast errors of the Beta (Eq. 8) and effective-``k`` (Eq. 12) laws fitted on ``k <= max_k``.

    Both laws are fitted to the points with ``k <= max_k`` and forecast the coverage at
    every measured ``k > max_k``.

    Parameters
    ----------
    k, coverage : array_like
        The measured curve.
    max_k : float

    Returns
    -------
    dict
        ``k`` and ``measured`` beyond ``max_k``; ``beta`` and ``effective_k``, the
        forecast minus the measured coverage; ``fit_beta`` and ``fit_eff``, the fits.
    """
    k = np.asarray(k, float)
    c = np.asarray(coverage, float)
    m = k <= max_k
    if m.all():
        raise ValueError(f"no measured k beyond max_k = {max_k:g}")
    fb = bm.fit_passk_curve(k[m], c[m])
    fe = bm.fit_passk_curve(k[m], c[m], model="effective_k")
    return {
        "k": k[~m],
        "measured": c[~m],
        "beta": fb.predict(k[~m]) - c[~m],
        "effective_k": fe.predict(k[~m]) - c[~m],
        "fit_beta": fb,
        "fit_eff": fe,
    }


def laplace_transform_error(a: float, b: float, ks) -> float:
    r"""Largest relative error of :math:`\int_0^\infty e^{-k\sigma} f(\sigma)\,d\sigma` against :math:`B(a+k,b)/B(a,b)` (Eq. 10).

    ``f`` is the density of :math:`\sigma = \log(1/p)` for ``p ~ Beta(a, b)``
    (:func:`lidlib.beta_model.log_difficulty_density`). In ``t = k sigma`` the integrand
    has width of order one for every ``k``; the pieces ``[0, 1]`` and ``[1, inf)`` are
    integrated by adaptive quadrature.

    Parameters
    ----------
    a, b : float
    ks : array_like
        Positive numbers of attempts.

    Returns
    -------
    float
    """
    k_arr = np.asarray(ks, float)
    lap = np.array(
        [
            sum(
                integrate.quad(
                    lambda t, k=k: np.exp(-t) * bm.log_difficulty_density(t / k, a, b) / k, lo, hi, limit=200
                )[0]
                for lo, hi in ((0.0, 1.0), (1.0, np.inf))
            )
            for k in k_arr
        ]
    )
    return float(np.max(np.abs(lap / bm.beta_model_failure(k_arr, a, b) - 1)))


def lid_beta_bridge(
    betas: Sequence[float], delta_over_sigma: float, ks, slope_window: tuple[float, float]
) -> dict[float, dict[str, Any]]:
    r"""The main paper's LID model and the Beta law with the same tail (main paper Prop. C.2, predecessor Eq. 9).

    For each ``beta`` the bias-free LID model has the success tail
    :math:`\Pr(S\le s)\simeq A_\beta s^\beta`; the Beta law with ``b = beta`` and the
    ``a`` of :func:`lidlib.beta_model.matching_beta_a` has the same tail, hence the same
    pass@k asymptote.

    Parameters
    ----------
    betas : sequence of float
        Tail indices of the main paper.
    delta_over_sigma : float
        Tolerance window over the noise scale.
    ks : array_like
        Numbers of attempts.
    slope_window : (float, float)
        ``k``-window of the local slopes (Eq. 19).

    Returns
    -------
    dict
        ``beta -> {a, lid, beta_law, slope_lid, slope_beta, C1, C_beta}``: the matched
        ``a``, both failure curves at ``ks``, their local slopes, the main paper's
        constant ``C1`` and the Beta law's :math:`\Gamma(b)/B(a,b)`.
    """
    ks = np.asarray(ks, float)
    out = {}
    for beta in betas:
        A_tail = two_tail.intrinsic_constant(beta, delta_over_sigma, 1.0)
        a_match = bm.matching_beta_a(beta, A_tail)
        L_lid = np.asarray(population_failure(ks, beta, delta_over_sigma, 1.0))
        L_beta = np.asarray(bm.beta_model_failure(ks, a_match, beta))
        out[beta] = dict(
            a=a_match,
            lid=L_lid,
            beta_law=L_beta,
            slope_lid=local_slope(ks, L_lid, slope_window),
            slope_beta=local_slope(ks, L_beta, slope_window),
            C1=bias_free_constant(beta, delta_over_sigma, 1.0),
            C_beta=float(np.exp(special.gammaln(beta) - special.betaln(a_match, beta))),
        )
    return out


def spectrum_power_law(eigenvalues, lo: int, hi: int) -> tuple[float, float, float]:
    r"""Power-law decay :math:`\lambda_i\propto i^{-\kappa}` of the trial-trial spectrum (predecessor Eq. 17, Fig. 6).

    Parameters
    ----------
    eigenvalues : array_like
        Eigenvalues in decreasing order.
    lo, hi : int
        Rank window (1-based, inclusive).

    Returns
    -------
    kappa, se, r2 : float
        The exponent and its standard error (:func:`lidlib.experiments.vae.eigen_decay_exponent`)
        and the :math:`R^2` of the log-log line over the window.
    """
    lam = np.asarray(eigenvalues, float)
    kappa, se = eigen_decay_exponent(lam, lo, hi)
    i_rank = np.arange(1, lam.size + 1)
    sel = (i_rank >= lo) & (i_rank <= hi)
    x, y = np.log(i_rank[sel]), np.log(lam[sel])
    resid = y - np.polyval(np.polyfit(x, y, 1), x)
    return kappa, se, float(1 - resid.var() / y.var())


def split_half_independence(errors, thresholds, *, alpha: float = 0.01) -> dict[str, Any]:
    """Are attempts independent given the image? pass@k from the first half of the attempts against the second half (predecessor Sec. 4).

    For each threshold, each image's pass@k is estimated without bias from its first
    ``K // 2`` attempts (:func:`lidlib.passk.pass_at_k_unbiased`) and compared with whether
    one of the next ``k`` attempts, in the order drawn, succeeded. Under independence the
    mean difference over images is zero at every ``k``; it is tested with a
    Bonferroni-corrected two-sided z-test (family-wise level ``alpha``) over the ``k``
    values (log-spaced up to ``K // 8``) and thresholds.

    Parameters
    ----------
    errors : array_like, shape (n_images, K)
        Relative errors of the attempts, in drawing order.
    thresholds : sequence of float
        An attempt succeeds when its error is below the threshold.
    alpha : float
        Family-wise level.

    Returns
    -------
    dict
        ``worst_z`` (largest ``|mean difference| / s.e.``), ``worst_gap`` (largest
        ``|mean difference|``), ``z_crit``, ``n_cmp`` (number of comparisons), ``half``
        and ``ks``.
    """
    e = np.asarray(errors, float)
    if e.ndim != 2 or e.shape[1] < 16:
        raise ValueError(f"errors must have shape (n_images, K) with K >= 16, got {e.shape}")
    K = e.shape[1]
    half = K // 2
    k_sp = np.unique(np.round(np.geomspace(1, half // 4, 12))).astype(int)
    thr = np.atleast_1d(thresholds)
    n_cmp = k_sp.size * thr.size
    z_crit = float(stats.norm.isf(alpha / (2 * n_cmp)))
    worst_z, worst_gap = 0.0, 0.0
    for th in thr:
        succ = e < th
        cA = succ[:, :half].sum(axis=1)
        predA = pass_at_k_unbiased(half, cA[:, None], k_sp[None, :])  # per image, unbiased for 1 - p_i^k
        seqB = np.logical_or.accumulate(succ[:, half:], axis=1)[:, k_sp - 1]  # success among the first k of half B
        diff = predA - seqB
        z = np.abs(diff.mean(0)) / (diff.std(0, ddof=1) / np.sqrt(diff.shape[0]))
        worst_z, worst_gap = max(worst_z, float(z.max())), max(worst_gap, float(np.abs(diff.mean(0)).max()))
    return {"worst_z": worst_z, "worst_gap": worst_gap, "z_crit": z_crit, "n_cmp": n_cmp, "half": half, "ks": k_sp}


def example_attempts(model, images, n_attempts: int, temperature: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """Fresh reconstructions of a few images at a sampling temperature, and their relative errors (predecessor Eq. 16).

    Parameters
    ----------
    model : lidlib.experiments.vae.VAE
    images : array_like, shape (m, 784)
    n_attempts : int
    temperature : float
        Scale of the reparameterisation noise, ``z = mu + T sigma eps``.
    rng : numpy.random.Generator

    Returns
    -------
    recs : ndarray, shape (n_attempts, m, 784)
    errors : ndarray, shape (n_attempts, m)
        ``||y_hat - y|| / ||y||`` of each attempt.
    """
    x64 = np.asarray(images, float)
    x = x64.astype(np.float32)
    mu_z, lv_z = model.encode(x)
    eps_z = rng.standard_normal((n_attempts, *mu_z.shape)).astype(np.float32)
    z = mu_z + temperature * np.exp(0.5 * lv_z) * eps_z
    recs = model.decode(z.reshape(-1, mu_z.shape[1])).reshape(n_attempts, x.shape[0], x.shape[1])
    errs = np.array(
        [
            [float(np.linalg.norm(recs[a, r] - x64[r]) / np.linalg.norm(x64[r])) for r in range(x.shape[0])]
            for a in range(n_attempts)
        ]
    )
    return recs, errs


def format_estimate(fit: bm.PasskFit, name: str) -> str:
    """``"value ± se"`` of one fitted parameter, or ``"value (bound)"`` when it sits on a bound (no standard error).

    For the tables of fits of predecessor Eq. 8 and 12 (:func:`lidlib.beta_model.fit_passk_curve`).

    Parameters
    ----------
    fit : PasskFit
        With ``params`` and ``stderr`` dictionaries.
    name : str
        Parameter name.

    Returns
    -------
    str

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> format_estimate(SimpleNamespace(params={"b": 0.3512}, stderr={"b": 0.0123}), "b")
    '0.351 ± 0.012'
    >>> format_estimate(SimpleNamespace(params={"A": 1.0}, stderr={"A": float("nan")}), "A")
    '1 (bound)'
    """
    se = fit.stderr[name]
    return f"{fit.params[name]:.3g} ± {se:.2g}" if np.isfinite(se) else f"{fit.params[name]:.3g} (bound)"
