r"""The Tauberian chapter's experiments: from the precision tail to ``C_1 k^-beta`` (Sec. 4.2, App. B.3-B.4).

The chapter ``notebooks/tauberian.md`` checks each step of the Tauberian argument against
the exact engine (:func:`lidlib.passk.population_failure`) and against simulation. This module
holds its orchestration: the adaptive-quadrature oracles of Eq. 42-43
(:func:`eq42_quadrature`, :func:`eq43_quadrature`), the diagnostics of the approach to
``C_1 k^-beta`` (:func:`ratio_diagnostics`), the error maps of the small-window expansion
(:func:`instance_error_map`, :func:`population_error_map`, :func:`widest_window`), the
Monte-Carlo experiments (:func:`law_monte_carlo`, :func:`protocol_experiment`,
:func:`literal_vs_geometric`) and the calibrated test that turns one or several
simulated curves into a claim (:func:`pooled_survival_test`).

All randomness comes from the generators passed in.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import integrate, special

from lidlib import passk, simulate, tails
from lidlib.passk import population_failure, single_trial_success
from lidlib.slopes import local_slope

__all__ = [
    "eq43_quadrature",
    "eq42_quadrature",
    "RatioDiagnostics",
    "ratio_diagnostics",
    "instance_error_map",
    "population_error_map",
    "widest_window",
    "SurvivalTest",
    "pooled_survival_test",
    "law_monte_carlo",
    "protocol_experiment",
    "protocol_slopes",
    "literal_vs_geometric",
]


def eq43_quadrature(k: float, beta: float, c_delta: float) -> float:
    r"""Eq. 43 (``e^{-tau}`` dropped) by adaptive quadrature in ``log tau`` (App. B.3).

    :math:`\frac{1}{\Gamma(\beta/2)}\int_0^\infty e^{-k c_\delta\sqrt\tau}\,\tau^{\beta/2-1}d\tau`,
    which Eq. 44-45 evaluate to ``C_1 k^-beta``; the part below ``tau = (1e-12 / k c)^2`` is
    added in closed form.

    Parameters
    ----------
    k : float
        Number of attempts.
    beta : float
        Tail index.
    c_delta : float
        ``sqrt(2/pi) delta / sigma_eta`` (Eq. 14).

    Returns
    -------
    float
    """
    a = beta / 2
    lo, hi = 2 * math.log(1e-12 / (k * c_delta)), 2 * math.log(80 / (k * c_delta))

    def f(u):
        return math.exp(-k * c_delta * math.exp(u / 2) + a * u - special.gammaln(a))

    val, _ = integrate.quad(f, lo, hi, limit=400, epsabs=0, epsrel=1e-12)
    return val + math.exp(a * lo - special.gammaln(a + 1))


def eq42_quadrature(k: float, beta: float, c_delta: float) -> float:
    r"""Eq. 42 (``e^{-tau}`` kept) by adaptive quadrature in ``log tau`` (App. B.3).

    :math:`\frac{1}{\Gamma(\beta/2)}\int_0^\infty e^{-k c_\delta\sqrt\tau}\,\tau^{\beta/2-1}e^{-\tau}d\tau`,
    an independent check of the Tricomi closed form :func:`lidlib.tails.small_window_failure`.

    Parameters
    ----------
    k : float
        Number of attempts.
    beta : float
        Tail index.
    c_delta : float
        ``sqrt(2/pi) delta / sigma_eta`` (Eq. 14).

    Returns
    -------
    float
    """
    a = beta / 2
    lo = 2 * math.log(1e-12 / (k * c_delta))

    def f(u):
        return math.exp(-k * c_delta * math.exp(u / 2) + a * u - math.exp(u) - special.gammaln(a))

    val, _ = integrate.quad(f, lo, math.log(a + 80), limit=400, epsabs=0, epsrel=1e-12)
    return val + special.gammainc(a, math.exp(lo))


@dataclass
class RatioDiagnostics:
    """How the exact failure approaches ``C_1 k^-beta`` (Eq. 15, 45), per ``beta``.

    Attributes
    ----------
    betas : ndarray
        Tail indices.
    ratio_far : dict
        ``beta -> L_inf(k_far) / (C_1 k_far^-beta)``.
    rate : dict
        ``beta ->`` fitted power of ``k`` at which ``1 - ratio`` vanishes on the rate window.
    second_order_residual : dict
        ``beta -> max |ratio - second-order ratio| / (1 - ratio)`` for ``k >= k_second``.
    slope : dict
        ``beta ->`` local slope ``-d log L / d log k`` on the slope window.
    """

    betas: np.ndarray
    ratio_far: dict
    rate: dict
    second_order_residual: dict
    slope: dict


def ratio_diagnostics(
    ks,
    failure: dict,
    ratio: dict,
    ratio_second_order: dict,
    *,
    k_far: float = 1e6,
    rate_window: tuple[float, float] = (1e5, 1e6),
    k_second: float = 1e3,
    slope_window: tuple[float, float] = (1e4, 1e5),
) -> RatioDiagnostics:
    """Diagnostics of the ratio ``L_inf(k) / C_1 k^-beta`` on a ``k`` grid (Eq. 15, 45; App. B.3).

    Parameters
    ----------
    ks : array
        Increasing ``k`` grid.
    failure, ratio, ratio_second_order : dict
        ``beta -> array on ks``: the exact failure, its ratio to ``C_1 k^-beta`` and the
        second-order prediction of that ratio
        (:func:`lidlib.tails.tauberian_ratio_second_order`).
    k_far : float
        Where the ratio is read off (the grid point at or just above it).
    rate_window : (float, float)
        Window of the power-law fit of ``1 - ratio``.
    k_second : float
        Smallest ``k`` of the second-order comparison.
    slope_window : (float, float)
        Window of the local slope (:func:`lidlib.slopes.local_slope`).

    Returns
    -------
    RatioDiagnostics
    """
    ks = np.asarray(ks, dtype=float)
    betas = np.array(list(ratio))
    i_far = np.searchsorted(ks, k_far)
    sel = (ks >= rate_window[0]) & (ks <= rate_window[1])
    sel2 = ks >= k_second
    far, rate, res, slope = {}, {}, {}, {}
    for b in betas:
        r = ratio[b]
        far[b] = r[i_far]
        rate[b] = -np.polyfit(np.log(ks[sel]), np.log(1 - r[sel]), 1)[0]
        res[b] = np.max(np.abs(r[sel2] - ratio_second_order[b][sel2]) / (1 - r[sel2]))
        slope[b] = local_slope(ks, failure[b], slope_window)
    return RatioDiagnostics(betas, far, rate, res, slope)


def instance_error_map(h, m) -> np.ndarray:
    r"""Relative error ``s_sw / s - 1`` of Eq. 16 per instance on a grid of ``(h, m)`` (Eq. 14, 16, 58).

    ``h = delta sqrt(tau) / sigma_eta`` is the half-window and ``m = |B| sqrt(tau) /
    sigma_eta`` the bias, both in units of the instance's spread. The ratio is formed in
    log space, so it is exact even where ``s`` underflows.

    Parameters
    ----------
    h, m : array
        Grids of the half-window and the bias.

    Returns
    -------
    ndarray, shape (m.size, h.size)
    """
    H, M = np.meshgrid(np.asarray(h, dtype=float), np.asarray(m, dtype=float))
    log_exact = passk.log_single_trial_success(M, 1.0, H, 1.0)
    log_sw = np.log(np.sqrt(2 / np.pi) * H) - 0.5 * M**2
    return np.expm1(log_sw - log_exact)


def population_error_map(delta_over_sigma, bias_sd_over_sigma, k: float, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """Relative error of the small-window population failure against the exact engine (Eq. 16, 41).

    Parameters
    ----------
    delta_over_sigma : array
        Windows ``delta / sigma_eta`` (columns).
    bias_sd_over_sigma : array
        Bias standard deviations ``sqrt(Var B) / sigma_eta`` (rows), ``B ~ N(0, Var B)``.
    k : float
        Number of attempts.
    beta : float
        Tail index.

    Returns
    -------
    err_power, err_exp : ndarray, shape (n_bias, n_delta)
        ``(1 - s_sw)^k`` (Eq. 16 alone) and ``exp(-k s_sw)`` (Eq. 16 and 41), each over the
        exact :func:`lidlib.passk.population_failure`, minus one.
    """
    d_grid = np.asarray(delta_over_sigma, dtype=float)
    sb_grid = np.asarray(bias_sd_over_sigma, dtype=float)
    err_pow = np.empty((sb_grid.size, d_grid.size))
    err_exp = np.empty_like(err_pow)
    for i, sb in enumerate(sb_grid):
        for j, dd in enumerate(d_grid):
            ex = population_failure(k, beta, dd, 1.0, sb**2)
            err_pow[i, j] = tails.small_window_failure(k, beta, dd, 1.0, sb**2, form="power") / ex - 1
            err_exp[i, j] = tails.small_window_failure(k, beta, dd, 1.0, sb**2) / ex - 1
    return err_pow, err_exp


def widest_window(err, delta_over_sigma, level: float) -> float:
    """Largest window of the grid below which the error stays within ``level`` at every bias.

    Parameters
    ----------
    err : ndarray, shape (n_bias, n_delta)
        Relative errors (:func:`population_error_map`).
    delta_over_sigma : array
        The window grid (increasing, the columns of ``err``).
    level : float
        Accepted absolute relative error.

    Returns
    -------
    float
        The last ``delta / sigma`` before the first column with an error above ``level``
        (the whole grid if none; ``nan`` if already the first column fails).

    Examples
    --------
    >>> err = np.array([[1e-4, 1e-3, 0.2], [1e-4, 5e-2, 0.3]])
    >>> widest_window(err, [0.01, 0.1, 1.0], 1e-2), widest_window(err, [0.01, 0.1, 1.0], 0.1)
    (0.01, 0.1)
    """
    d_grid = np.asarray(delta_over_sigma, dtype=float)
    ok = np.all(np.abs(err) <= level, axis=0)
    bad = np.flatnonzero(~ok)
    j = bad[0] - 1 if bad.size else d_grid.size - 1
    return float(d_grid[j]) if j >= 0 else float("nan")


@dataclass
class SurvivalTest:
    """A calibrated Monte-Carlo test pooled over curves (:func:`lidlib.simulate.survival_check`).

    Attributes
    ----------
    max_abs_z : float
        The statistic: the largest ``|z|`` over ``k`` and over the curves.
    tolerance : float
        The ``level`` quantile of its null law (elementwise maximum of the curves' null
        replicates).
    p_value : float
        Share of null replicates at or above the statistic.
    level : float
        The quantile used.
    """

    max_abs_z: float
    tolerance: float
    p_value: float
    level: float

    @property
    def passed(self) -> bool:
        """Whether the statistic is within the tolerance."""
        return self.max_abs_z <= self.tolerance

    def claim_fields(self) -> dict:
        """The fields of a ledger claim recording this test.

        Returns
        -------
        dict
            ``measured``, ``expected``, ``tolerance``, ``note`` (the p-value) and ``fails_if``,
            to be passed to ``Ledger.check`` with the claim's id, statement and kind.
        """
        return {
            "measured": self.max_abs_z,
            "expected": 0.0,
            "tolerance": self.tolerance,
            "note": f"p-value {self.p_value:.3g}",
            "fails_if": f"max |z| over k above the {self.level:.1%} quantile of its null law "
            "(a gap between simulation and exact curve larger than sampling noise)",
        }

    @property
    def statement_suffix(self) -> str:
        """What the claim's statement adds: the statistic and its tolerance."""
        return f" (max |z| over k; tolerance: {self.level:.1%} quantile of its null law)"


def pooled_survival_test(checks: Sequence[simulate.SurvivalCheck], level: float) -> SurvivalTest:
    """Pool several simulated-versus-exact curves into one calibrated test (Eq. 13; App. B.4).

    Parameters
    ----------
    checks : sequence of SurvivalCheck
        Independent curves (:func:`lidlib.simulate.survival_check`).
    level : float
        Quantile of the null law of the pooled maximum used as tolerance (false-alarm rate
        ``1 - level``).

    Returns
    -------
    SurvivalTest
    """
    stat = max(c.max_abs_z for c in checks)
    null = np.max([c.null_max_abs_z for c in checks], axis=0)
    return SurvivalTest(stat, float(np.quantile(null, level)), float(np.mean(null >= stat)), level)


def law_monte_carlo(
    laws, ks, exact: dict, n: int, delta: float, sigma_eta: float, rng, rng_null, *, min_expected: float, n_rep: int
) -> dict:
    """Simulate the bias-free failure of several precision laws and test each against its exact curve (Def. 3.1 (ii)).

    For each law in turn (one stream per law, spawned from ``rng``): ``n`` precisions from
    the law, one geometric first-success draw per instance
    (:func:`lidlib.simulate.first_success_geometric`), and :func:`lidlib.simulate.survival_check`
    against ``exact[law.name]`` with null replicates from ``rng_null``.

    Parameters
    ----------
    laws : sequence of PrecisionLaw
        The precision laws (:mod:`lidlib.tails`).
    ks : array
        Integer budgets.
    exact : dict
        ``law.name ->`` exact failure on ``ks``.
    n : int
        Instances per law.
    delta, sigma_eta : float
        Window and noise scale.
    rng, rng_null : numpy.random.Generator
        Simulation and null-law randomness.
    min_expected, n_rep : float, int
        Passed to :func:`lidlib.simulate.survival_check`.

    Returns
    -------
    dict
        ``law.name -> SurvivalCheck``.
    """
    out = {}
    for law, r in zip(laws, rng.spawn(len(laws))):
        tau = np.maximum(law.sample(n, r), np.finfo(float).tiny)  # a draw can underflow to 0
        T = simulate.first_success_geometric(single_trial_success(0.0, tau, delta, sigma_eta), r)
        out[law.name] = simulate.survival_check(
            T, ks, exact[law.name], rng_null, min_expected=min_expected, n_rep=n_rep
        )
    return out


def protocol_experiment(
    betas, rows, ks, n: int, delta: float, sigma_eta: float, rng, rng_null, *, min_expected: float, n_rep: int
) -> tuple[dict, dict]:
    """Exact failure and simulation of several pass@k protocols (Sec. 4.2 remark, App. B.4).

    For every ``beta`` and every protocol row ``(protocol, sampler_sd, bias_var)``: the
    exact curve (:func:`lidlib.passk.protocol_failure`), a simulation of ``n`` instances
    (:func:`lidlib.simulate.simulate_first_success`, one stream per case spawned from ``rng``)
    and its test (:func:`lidlib.simulate.survival_check`). The calibrated model-draw protocol
    against the mean is tested against the *target-draw* curve, since the claim is that the
    two coincide.

    Parameters
    ----------
    betas : sequence of float
        Tail indices.
    rows : sequence of (str, float or None, float)
        Protocol, sampler spread (``None``: the instance's own), bias variance.
    ks : array
        Integer budgets.
    n : int
        Instances per case.
    delta, sigma_eta : float
        Window and noise scale.
    rng, rng_null : numpy.random.Generator
        Simulation and null-law randomness.
    min_expected, n_rep : float, int
        Passed to :func:`lidlib.simulate.survival_check`.

    Returns
    -------
    curves, checks : dict
        Keyed by ``(beta, protocol, bias_var)``.
    """
    curves, checks = {}, {}
    streams = iter(rng.spawn(len(betas) * len(rows)))
    for b in betas:
        for prot, sd, v in rows:
            key = (b, prot, v)
            curves[key] = passk.protocol_failure(ks, b, delta, sigma_eta, v, protocol=prot, sampler_sd=sd)
            T = simulate.simulate_first_success(
                n, b, delta, sigma_eta, next(streams), bias_var=v, protocol=prot, sampler_sd=sd
            )
            ref = curves[(b, "target", 0.0)] if prot == "model-calibrated-mean" else curves[key]
            checks[key] = simulate.survival_check(T, ks, ref, rng_null, min_expected=min_expected, n_rep=n_rep)
    return curves, checks


def protocol_slopes(curves: dict, ks, delta: float, sigma_eta: float) -> dict:
    """Local slopes of each protocol's exact failure and its ratio to ``C_1 k^-beta`` at the largest ``k`` (App. B.4).

    Parameters
    ----------
    curves : dict
        ``(beta, protocol, bias_var) ->`` exact failure on ``ks``
        (:func:`protocol_experiment`).
    ks : array
        Budgets up to at least ``1e6``.
    delta, sigma_eta : float
        Window and noise scale (for ``C_1``).

    Returns
    -------
    dict
        Same keys, values ``(slope on [1e2, 1e3], slope on [1e5, 1e6], L(k_max) / C_1
        k_max^-beta)``; the far slope is ``inf`` when the curve underflows before ``k_max``.
    """
    ks = np.asarray(ks, dtype=float)
    out = {}
    for (b, prot, v), Lc in curves.items():
        good = Lc > 1e-280
        s1 = local_slope(ks[good], Lc[good], (1e2, 1e3))
        s2 = local_slope(ks[good], Lc[good], (1e5, 1e6)) if good[-1] else float("inf")
        out[(b, prot, v)] = (s1, s2, Lc[-1] / tails.bias_free_asymptote(ks[-1], b, delta, sigma_eta))
    return out


def literal_vs_geometric(
    cases,
    delta: float,
    sigma_eta: float,
    n_literal: int,
    k_literal: int,
    n_geometric: int,
    rng_literal,
    rng_geometric,
    rng_null,
    *,
    min_expected: float,
    n_rep: int,
) -> tuple[dict, dict]:
    """The literal pass@k protocol and the one-draw geometric shortcut against the exact engine (Eq. 13, Ass. 4.1).

    For each case ``(beta, Var B / sigma_eta^2)``: ``n_literal`` instances with ``k_literal``
    literal target draws each and ``n_geometric`` instances with one geometric draw each
    (:func:`lidlib.simulate.simulate_first_success`, streams spawned per case), both tested
    with :func:`lidlib.simulate.survival_check` against :func:`lidlib.passk.population_failure`.

    Parameters
    ----------
    cases : sequence of (float, float)
        ``(beta, Var B / sigma_eta^2)``.
    delta, sigma_eta : float
        Window and noise scale.
    n_literal, k_literal, n_geometric : int
        Sizes of the two simulations.
    rng_literal, rng_geometric, rng_null : numpy.random.Generator
        Randomness of the two simulations and of the null laws.
    min_expected, n_rep : float, int
        Passed to :func:`lidlib.simulate.survival_check`.

    Returns
    -------
    checks : dict
        ``(beta, var) -> {"literal": SurvivalCheck, "geometric": SurvivalCheck}``.
    seconds_per_instance : dict
        Wall-clock time per simulated instance of each method, summed over the cases.
    """
    k_grid_lit = np.unique(np.round(np.logspace(0, np.log10(k_literal), 40)))
    k_grid_geo = np.unique(np.round(np.logspace(0, 6, 49)))
    out, timing = {}, {"literal": 0.0, "geometric": 0.0}
    for (b, v_rel), r_lit, r_geo in zip(cases, rng_literal.spawn(len(cases)), rng_geometric.spawn(len(cases))):
        v = v_rel * sigma_eta**2
        t0 = time.perf_counter()
        T_lit = simulate.simulate_first_success(
            n_literal, b, delta, sigma_eta, r_lit, bias_var=v, method="literal", k_max=k_literal
        )
        t1 = time.perf_counter()
        T_geo = simulate.simulate_first_success(n_geometric, b, delta, sigma_eta, r_geo, bias_var=v)
        t2 = time.perf_counter()
        timing["literal"] += (t1 - t0) / n_literal
        timing["geometric"] += (t2 - t1) / n_geometric
        out[(b, v_rel)] = {
            name: simulate.survival_check(
                T,
                kg,
                population_failure(kg, b, delta, sigma_eta, v),
                rng_null,
                min_expected=min_expected,
                n_rep=n_rep,
            )
            for name, T, kg in (("literal", T_lit, k_grid_lit), ("geometric", T_geo, k_grid_geo))
        }
    return out, timing
