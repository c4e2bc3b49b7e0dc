r"""The two-tail-law chapter's experiments (Sec. 4.2, Prop. 4.2, Prop. C.2, App. C of the main paper).

The exact engine (:func:`lidlib.passk.population_failure`) and the quadrature law of
the single-attempt success (:mod:`lidlib.two_tail`) live in the science layer; this
module holds the chapter's orchestration: Monte Carlo checks of the law, the scans of
the finite-:math:`N` exponent over the bias variance, the precision law and the
correlation of the bias with the precision, the window slopes of the ridge
simulations, the crossover map and the plateau over the tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lidlib import population_failure, single_trial_success, tails, two_tail
from lidlib._validation import positive, positive_int, rng_from
from lidlib.slopes import local_slope

__all__ = [
    "success_law_mc_z",
    "bias_local_exponent",
    "GammaScaling",
    "gamma_scaling",
    "upper_tail_study",
    "correlated_bias_study",
    "window_slopes",
    "CrossoverMap",
    "crossover_map",
    "plateau_vs_delta",
    "first_settled",
]


def success_law_mc_z(s_points, beta: float, delta: float, sigma_eta: float, vs, n_mc: int, rng) -> float:
    r"""Largest :math:`|z|` between the quadrature law of :math:`S_N` and Monte Carlo (Prop. C.2).

    For each bias variance :math:`v\sigma_\eta^2` (``v`` in ``vs``) draws ``n_mc``
    instances :math:`\tau\sim\mathrm{Gamma}(\beta/2, 1)`, :math:`B\sim\mathcal N(0, v\sigma_\eta^2)`,
    computes each exact success :math:`s(B, \tau)` and compares the fraction with
    :math:`S\le s_0` with :func:`lidlib.two_tail.success_cdf` at every ``s_0``, using the
    binomial standard error of the exact probability.

    Parameters
    ----------
    s_points : sequence of float
        The levels ``s_0``.
    beta, delta, sigma_eta : float
        LID parameters.
    vs : sequence of float
        Bias variances in units of :math:`\sigma_\eta^2`.
    n_mc : int
        Instances per variance.
    rng : numpy.random.Generator

    Returns
    -------
    float
        :math:`\max |\hat p - p| / \sqrt{p(1-p)/n}` over variances and levels.
    """
    g = rng_from(rng)
    n_mc = positive_int("n_mc", n_mc)
    z_max = 0.0
    for v in vs:
        tau = g.gamma(beta / 2, 1.0, n_mc)
        B = g.normal(0.0, np.sqrt(v) * sigma_eta, n_mc)
        S = single_trial_success(B, tau, delta, sigma_eta)
        for s0 in s_points:
            p_hat = np.mean(S <= s0)
            exact = two_tail.success_cdf(s0, beta, delta, sigma_eta, v * sigma_eta**2)
            se = np.sqrt(exact * (1 - exact) / n_mc)
            z_max = max(z_max, abs(p_hat - exact) / se)
    return float(z_max)


def bias_local_exponent(
    s0: float, beta: float, delta: float, sigma_eta: float, bias_var: float, eps: float = 0.05
) -> float:
    r"""Local exponent :math:`d\log P_{bias}/d\log s` of the bias part of the law of :math:`S_N` at ``s0`` (Prop. C.2, Eq. 52).

    A centred difference of :func:`lidlib.two_tail.success_cdf` (``part="bias"``) at
    :math:`s_0(1\pm\varepsilon)`; a power law :math:`B(N)s^{\gamma}` would give the same
    value at every ``s0``.

    Parameters
    ----------
    s0 : float
        The success level.
    beta, delta, sigma_eta : float
        LID parameters.
    bias_var : float
        :math:`\operatorname{Var} B_N`.
    eps : float
        Relative half-width of the difference.

    Returns
    -------
    float
    """
    lo, hi = two_tail.success_cdf(
        np.array([s0 * (1 - eps), s0 * (1 + eps)]), beta, delta, sigma_eta, bias_var, part="bias"
    )
    return float(np.log(hi / lo) / np.log((1 + eps) / (1 - eps)))


@dataclass(frozen=True)
class GammaScaling:
    r"""Result of :func:`gamma_scaling`: the finite-:math:`N` exponent against the bias variance.

    Attributes
    ----------
    vs : np.ndarray
        Bias variances in units of :math:`\sigma_\eta^2`.
    windows : list
        The ``k``-windows.
    gamma : np.ndarray
        Exact local exponent of the excess failure, shape ``(len(vs), len(windows))``.
    saddle : np.ndarray
        Saddle-point exponent at the geometric centre of each window, same shape.
    p : np.ndarray
        Fitted power in :math:`\gamma\propto v^{-p}`, one per window.
    p_se : np.ndarray
        Regression standard error of ``p``.
    """

    vs: np.ndarray
    windows: list
    gamma: np.ndarray
    saddle: np.ndarray
    p: np.ndarray
    p_se: np.ndarray


def gamma_scaling(windows, vs, beta: float, delta: float, sigma_eta: float, n_k: int = 31) -> GammaScaling:
    r"""The exponent of the bias tail against :math:`\operatorname{Var}B` in fixed ``k``-windows (Eq. 18, Eq. 53).

    For every window the local slope of the exact excess failure
    (:func:`lidlib.two_tail.window_exponents` with ``excess=True``) on ``n_k``
    log-spaced ``k`` spanning all windows, the saddle-point value
    (:func:`lidlib.two_tail.bias_exponent_saddle`) and the least-squares power ``p``
    (:func:`lidlib.two_tail.fitted_power`). Eq. 18 says ``p = 1``.

    Parameters
    ----------
    windows : sequence of (k_lo, k_hi)
    vs : array
        Bias variances in units of :math:`\sigma_\eta^2`.
    beta, delta, sigma_eta : float
    n_k : int

    Returns
    -------
    GammaScaling
    """
    wins = np.array(windows)
    ks = np.logspace(np.log10(wins.min()), np.log10(wins.max()), positive_int("n_k", n_k))
    vs = positive("vs", vs).ravel()
    s2 = sigma_eta**2
    gam = np.stack(
        [two_tail.window_exponents(ks, w, vs * s2, beta, delta, sigma_eta, excess=True) for w in windows], axis=1
    )
    saddle = np.array(
        [[two_tail.bias_exponent_saddle(np.sqrt(w[0] * w[1]), v * s2, delta, sigma_eta) for w in windows] for v in vs]
    )
    fits = [two_tail.fitted_power(vs, gam[:, j]) for j in range(len(windows))]
    return GammaScaling(vs, list(windows), gam, saddle, np.array([f[0] for f in fits]), np.array([f[1] for f in fits]))


def upper_tail_study(laws: dict, window, vs, beta: float, delta: float, sigma_eta: float, n_k: int = 7) -> dict:
    r"""The power ``p`` in :math:`\gamma\propto v^{-p}` for precision laws with different upper tails (this book, beyond Eq. 18).

    For every law the local slope in ``window`` of the exact excess failure
    (:func:`lidlib.two_tail.law_excess_failure`) at each bias variance, the saddle-point
    exponent (:func:`lidlib.two_tail.bias_exponent_saddle_q`), the next-order offset
    (:func:`lidlib.two_tail.bias_exponent_offset`) and the fitted power with and without
    that offset; the prediction is :math:`q/(q+1)` (:func:`lidlib.two_tail.upper_tail_power`).

    Parameters
    ----------
    laws : dict
        ``name -> (law, q, tau_max)``, ``q = inf`` and a ``tau_max`` for a bounded law.
    window : (k_lo, k_hi)
    vs : array
        Bias variances in units of :math:`\sigma_\eta^2`.
    beta, delta, sigma_eta : float
    n_k : int
        Points in the window.

    Returns
    -------
    dict
        ``name -> {q, gamma, lead, offset, p_raw, p_raw_se, p, p_se, p_pred}``.
    """
    ks = np.logspace(np.log10(window[0]), np.log10(window[1]), positive_int("n_k", n_k))
    k_mid = float(np.sqrt(np.prod(window)))
    s2 = sigma_eta**2
    out = {}
    for name, (law, q, tmax) in laws.items():
        g = np.array(
            [local_slope(ks, two_tail.law_excess_failure(ks, law, delta, sigma_eta, v * s2), window) for v in vs]
        )
        off = float(
            two_tail.bias_exponent_offset(
                beta, k_mid, delta, sigma_eta, q if np.isfinite(q) else 1.0, bounded=tmax is not None
            )
        )
        lead = np.array(
            [float(two_tail.bias_exponent_saddle_q(k_mid, v * s2, delta, sigma_eta, q, tau_max=tmax)) for v in vs]
        )
        p_raw, p_raw_se = two_tail.fitted_power(vs, g)
        p_cor, p_cor_se = two_tail.fitted_power(vs, g - off)
        out[name] = dict(
            q=q,
            gamma=g,
            lead=lead,
            offset=off,
            p_raw=p_raw,
            p_raw_se=p_raw_se,
            p=p_cor,
            p_se=p_cor_se,
            p_pred=two_tail.upper_tail_power(q),
        )
    return out


def correlated_bias_study(rhos, window, vs, beta: float, delta: float, sigma_eta: float, n_k: int = 7) -> dict:
    r"""The power ``p`` when :math:`\operatorname{Var}(B\mid\tau)\propto\tau^\rho` (Def. 3.1 comment (iii); this book).

    Gamma precision law; for every ``rho`` the local slope in ``window`` of
    :func:`lidlib.two_tail.law_excess_failure` with ``bias_var_power=rho`` at each
    variance and the fitted power; the prediction is :math:`1/(2+\rho)`.

    Parameters
    ----------
    rhos : sequence of float
    window : (k_lo, k_hi)
    vs : array
        Mean bias variances in units of :math:`\sigma_\eta^2`.
    beta, delta, sigma_eta : float
    n_k : int

    Returns
    -------
    dict
        ``rho -> {gamma, p, p_se, p_pred}``.
    """
    ks = np.logspace(np.log10(window[0]), np.log10(window[1]), positive_int("n_k", n_k))
    law = tails.gamma_precision(beta)
    out = {}
    for rho in rhos:
        g = np.array(
            [
                local_slope(
                    ks,
                    two_tail.law_excess_failure(ks, law, delta, sigma_eta, v * sigma_eta**2, bias_var_power=rho),
                    window,
                )
                for v in vs
            ]
        )
        p, p_se = two_tail.fitted_power(vs, g)
        out[rho] = dict(gamma=g, p=p, p_se=p_se, p_pred=two_tail.upper_tail_power(1.0, rho))
    return out


def window_slopes(exp: two_tail.RidgePassk, window) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r""":math:`\beta_{\text{eff}}(N)` of a ridge simulation (Eq. 19, Fig. 1 right): simulated, exact, and the standard error.

    The local slope in ``window`` (:func:`lidlib.slopes.local_slope`) of the mean
    simulated failure and of the mean exact prediction at every ``N``; the standard error
    is the spread of the per-training-set slopes over the square root of their number.

    Parameters
    ----------
    exp : lidlib.two_tail.RidgePassk
    window : (k_lo, k_hi)

    Returns
    -------
    (simulated, exact, se) : arrays, one value per ``N``
    """
    n_N = exp.Ns.size
    mc = np.array([local_slope(exp.ks, exp.mean_failure[j], window) for j in range(n_N)])
    th = np.array([local_slope(exp.ks, exp.mean_predicted[j], window) for j in range(n_N)])
    per_seed = np.array(
        [[local_slope(exp.ks, exp.failure[i, j], window) for j in range(n_N)] for i in range(exp.failure.shape[0])]
    )
    return mc, th, per_seed.std(axis=0, ddof=1) / np.sqrt(per_seed.shape[0])


@dataclass(frozen=True)
class CrossoverMap:
    r"""Result of :func:`crossover_map`: which tail carries the failure over the :math:`(N, k)` plane.

    Attributes
    ----------
    N : np.ndarray
        Training sizes.
    bias_var : np.ndarray
        :math:`\operatorname{Var}B_N` (the mean OLS loss) at each ``N``.
    k : np.ndarray
        Attempts.
    share : np.ndarray
        Share :math:`1-\mathcal L_{\inf}(k;\infty)/\mathcal L_{\inf}(k;N)` of failures due to the training error, ``(len(N), len(k))``.
    k_refs : np.ndarray
        The attempts of ``rel_excess``.
    rel_excess : np.ndarray
        :math:`\mathcal L_{\inf}(k;N)/\mathcal L_{\inf}(k;\infty)-1` at ``k_refs``, ``(len(N), len(k_refs))``.
    """

    N: np.ndarray
    bias_var: np.ndarray
    k: np.ndarray
    share: np.ndarray
    k_refs: np.ndarray
    rel_excess: np.ndarray


def crossover_map(N, d: int, noise_var: float, k, k_refs, beta: float, delta: float, sigma_eta: float) -> CrossoverMap:
    r"""The share of failures caused by the training error over :math:`(N, k)` (Prop. 4.2, Sec. 1 predictions (i), (iii)).

    The bias variance is the exact mean OLS loss :math:`\sigma^2_{noise}d/(N-d-1)`; the
    failures come from :func:`lidlib.passk.population_failure` (the excess at ``k_refs``
    computed instance by instance, ``excess=True``).

    Parameters
    ----------
    N : array of int
        Training sizes (``> d + 1``).
    d : int
    noise_var : float
        Mean label-noise variance.
    k, k_refs : arrays
        Attempts of the map and of the excess curves.
    beta, delta, sigma_eta : float

    Returns
    -------
    CrossoverMap
    """
    N = np.asarray(N)
    v = noise_var * d / (N - d - 1.0)
    L_free = np.asarray(population_failure(k, beta, delta, sigma_eta))
    L = np.array([population_failure(k, beta, delta, sigma_eta, vi) for vi in v])
    k_refs = np.array(k_refs)
    excess = np.array([population_failure(k_refs, beta, delta, sigma_eta, vi, excess=True) for vi in v])
    rel = excess / population_failure(k_refs, beta, delta, sigma_eta)
    return CrossoverMap(N, v, np.asarray(k), 1.0 - L_free[None, :] / L, k_refs, rel)


def plateau_vs_delta(ks, window, bias_vars, beta: float, deltas, sigma_eta: float) -> np.ndarray:
    r"""Where :math:`\beta_{\text{eff}}(N)` levels off in a window, for several tolerances (Prop. 4.2, Fig. 1 right).

    For each :math:`\delta/\sigma_\eta` in ``deltas``: the bias-free slope in ``window``
    (the plateau), the largest overshoot of the exact :math:`\beta_{\text{eff}}` over the
    bias variances ``bias_vars`` above its last value, the 1% Tauberian onset
    :math:`k_{1\%}` (:func:`lidlib.tails.tauberian_onset`) and the bias-free slope in
    :math:`[k_{1\%}, 10k_{1\%}]`.

    Parameters
    ----------
    ks : array
        Attempts on which the window slopes are taken.
    window : (k_lo, k_hi)
    bias_vars : array
        Bias variances along the transition (ending in the most-trained one).
    beta : float
    deltas : sequence of float
        Tolerances in units of :math:`\sigma_\eta`.
    sigma_eta : float

    Returns
    -------
    ndarray (len(deltas), 5)
        Columns: delta / sigma, plateau, overshoot, onset, plateau above the onset.
    """
    rows = []
    for dos in deltas:
        dl = dos * sigma_eta
        curve = two_tail.window_exponents(ks, window, bias_vars, beta, dl, sigma_eta)
        plateau = float(two_tail.window_exponents(ks, window, [0.0], beta, dl, sigma_eta)[0])
        onset = tails.tauberian_onset(beta, dl, sigma_eta)
        k_above = np.logspace(np.log10(onset), np.log10(onset) + 1, 9)
        above = float(two_tail.window_exponents(k_above, (k_above[0], k_above[-1]), [0.0], beta, dl, sigma_eta)[0])
        rows.append((dos, plateau, float(curve.max() - curve[-1]), onset, above))
    return np.array(rows)


def first_settled(values, target: float, rel: float = 0.01) -> int:
    r"""First index from which ``values`` stay within ``rel`` of ``target`` (the book's "at the plateau", Prop. 4.2).

    Parameters
    ----------
    values : array
    target : float
    rel : float
        Relative tolerance.

    Returns
    -------
    int
        The index; ``0`` if the last value is not settled either (no such index).

    Examples
    --------
    >>> from lidlib.experiments.two_tail_law import first_settled
    >>> first_settled([0.0, 5.0, 1.0, 1.005, 2.0, 1.0, 0.995], 1.0)  # leaves the band at index 4
    5
    """
    settled = np.abs(np.asarray(values) - target) < rel * target
    return int(np.argmax(settled & np.flip(np.cumprod(np.flip(settled)) > 0)))
