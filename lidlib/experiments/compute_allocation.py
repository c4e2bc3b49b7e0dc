r"""The compute-allocation chapter's experiments (Sec. 4.3 of the main paper).

The chapter splits a budget ``C = N c_N + k c_k`` between training samples and
attempts and scores a split by Eq. 21, :math:`R\,\mathcal L_{gen}(N) +
\mathcal L_{\inf}(k; N)`. The optimiser and the first-order conditions (Eq. 24, 25)
live in :mod:`lidlib.allocation`; this module holds the chapter's orchestration: the
sweeps over weights and budgets that make Figure 2, the regrets of the approximate
rules against the exact optimum, the classification of optima into rising and
saturated :math:`\beta_{\text{eff}}`, the marginal split along the optimal path and the
over-parameterised variant.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import special

from lidlib import allocation as al
from lidlib import model, population_failure, ridge
from lidlib._validation import positive, positive_int, rng_from

__all__ = [
    "OLSLoss",
    "lid_surface",
    "lid_interpolation_error",
    "kinds",
    "WeightSweep",
    "weight_sweep",
    "OptimumRegimes",
    "optimum_regimes",
    "regret",
    "prefactor_terms",
    "marginal_k_gain_exponent",
    "boundary_sign_test",
    "BudgetView",
    "budget_view",
    "MarginalRule",
    "marginal_rule",
    "Overparameterised",
    "overparameterised",
]


@dataclass(frozen=True)
class OLSLoss:
    r"""The exact mean OLS loss :math:`\sigma^2_{noise}\,d/(N-d-1)` of Gaussian features as a training law.

    A callable of ``N`` for :mod:`lidlib.allocation` (:func:`lidlib.ridge.ols_risk_exact`).

    Parameters
    ----------
    d : int
        Feature dimension.
    noise_var : float
        Mean label-noise variance :math:`\sigma_\eta^2\,\mathbb E[1/\tau]` (Eq. 4).

    Examples
    --------
    >>> from lidlib.experiments.compute_allocation import OLSLoss
    >>> round(float(OLSLoss(d=10, noise_var=2.0)(111.0)), 6)  # 2 * 10 / (111 - 10 - 1)
    0.2
    """

    d: int
    noise_var: float

    def __call__(self, N) -> np.ndarray:
        """The loss at training size(s) ``N > d + 1``."""
        return ridge.ols_risk_exact(N, self.d, self.noise_var)


def lid_surface(Ns, ks, beta: float, delta: float, sigma_eta: float, d: int) -> al.InferenceSurface:
    r"""The exact LID failure surface :math:`\mathcal L_{\inf}(k; N)` with the bias variance of OLS (Eq. 13, 16).

    The label-noise variance is :math:`\sigma_\eta^2\cdot 2/(\beta-2)` (Cor. 1), the bias
    variance at each ``N`` the mean OLS loss (:class:`OLSLoss`).

    Parameters
    ----------
    Ns, ks : arrays
        Grid of training sizes (all ``> d + 1``) and attempts.
    beta, delta, sigma_eta : float
        Tail index (``> 2``), tolerance and noise scale.
    d : int
        Feature dimension.

    Returns
    -------
    lidlib.allocation.InferenceSurface
    """
    noise_var = sigma_eta**2 * 2.0 / (beta - 2.0)
    return al.InferenceSurface.from_lid(Ns, ks, beta, delta, sigma_eta, OLSLoss(d, noise_var))


def lid_interpolation_error(surface, gen, beta: float, delta: float, sigma_eta: float, n: int, rng) -> float:
    r"""Worst relative error of the interpolated surface against direct engine calls (Eq. 13).

    Draws ``n`` points uniformly in :math:`(\log N, \log k)` over the grid of
    ``surface`` and compares ``surface(k, N)`` with
    :func:`lidlib.passk.population_failure` at bias variance ``gen(N)``.

    Parameters
    ----------
    surface : lidlib.allocation.InferenceSurface
    gen : callable
        The training law whose value is the bias variance.
    beta, delta, sigma_eta : float
        The LID parameters of the surface.
    n : int
        Number of random check points.
    rng : numpy.random.Generator

    Returns
    -------
    float
        :math:`\max|\text{surface}/\text{engine} - 1|`.
    """
    g = rng_from(rng)
    n = positive_int("n", n)
    Ns, ks = surface.Ns, surface.ks
    N_chk = np.exp(g.uniform(np.log(Ns[0]), np.log(Ns[-1]), n))
    k_chk = np.exp(g.uniform(0.0, np.log(ks[-1]), n))
    direct = np.array([population_failure(k, beta, delta, sigma_eta, float(gen(N))) for N, k in zip(N_chk, k_chk)])
    return float(np.max(np.abs(surface(k_chk, N_chk) / direct - 1.0)))


def kinds(optima) -> np.ndarray:
    """The ``kind`` of each :class:`lidlib.allocation.Allocation` (interior or a boundary; Sec. 4.3 (iii)).

    Parameters
    ----------
    optima : sequence of Allocation

    Returns
    -------
    ndarray of str
    """
    return np.array([o.kind for o in optima])


@dataclass(frozen=True)
class WeightSweep:
    """Result of :func:`weight_sweep`: Figure 2 (weight view) for an exact and a baseline model.

    Attributes
    ----------
    Rs : np.ndarray
        The weights.
    shares : np.ndarray
        Training shares ``N c_N / C`` of the grid (uniform on the logit axis).
    maps : dict
        ``model -> (len(Rs), len(shares))`` objective of Eq. 21.
    optima : dict
        ``model -> list of Allocation`` (one per weight).
    N_eq24 : np.ndarray
        Eq. 24 with the pointwise slope of the exact surface (``nan``-free, one per weight).
    kind_eq24 : np.ndarray
        Kind of each Eq. 24 solution.
    N_eq24_window : np.ndarray
        Eq. 24 with the window slope of Eq. 20 (``allocation.WindowSlopeInference``).
    N_eq25 : np.ndarray
        Closed-form Eq. 25 of the baseline.
    kind_eq25 : np.ndarray
        Kind of each Eq. 25 solution.
    window : object
        The window-slope reading of the exact surface.
    """

    Rs: np.ndarray
    shares: np.ndarray
    maps: dict
    optima: dict
    N_eq24: np.ndarray
    kind_eq24: np.ndarray
    N_eq24_window: np.ndarray
    N_eq25: np.ndarray
    kind_eq25: np.ndarray
    window: object

    @property
    def N_opt(self) -> dict:
        """``model -> optimal N per weight``."""
        return {m: np.array([o.N for o in res]) for m, res in self.optima.items()}

    @property
    def grid_share(self) -> dict:
        """``model -> share of the grid minimum per weight``."""
        return {m: self.shares[np.argmin(Z, axis=1)] for m, Z in self.maps.items()}

    def optimizer_gap(self, budget: float, c_N: float) -> tuple[float, bool]:
        """Largest distance between optimiser and grid minimum, and whether the optimiser is never worse.

        Parameters
        ----------
        budget, c_N : float
            As given to :func:`weight_sweep`.

        Returns
        -------
        (gap, never_worse) : (float, bool)
            The distance in grid steps on the logit axis (over models and weights), and
            whether every optimum's loss is at most the grid minimum.
        """
        step = special.logit(self.shares[1]) - special.logit(self.shares[0])
        N_opt, grid = self.N_opt, self.grid_share
        worst = max(
            float(np.max(np.abs(special.logit(N_opt[m] * c_N / budget) - special.logit(grid[m])))) / step
            for m in self.maps
        )
        never_worse = all(
            o.loss <= self.maps[m][i].min() * (1 + 1e-12) for m in self.maps for i, o in enumerate(self.optima[m])
        )
        return worst, bool(never_worse)


def weight_sweep(
    gen, surface, base_gen, base_inf, budget: float, Rs, *, n_share: int, window, c_N=1.0, c_k=1.0, N_min=None
) -> WeightSweep:
    r"""The objective of Eq. 21 over training share and weight, its optima and the Eq. 24/25 predictions (Fig. 2).

    Parameters
    ----------
    gen, surface
        The exact training law and inference surface (``"finite"``).
    base_gen, base_inf : PowerLawLoss, PowerLawInference
        The constant-exponent baseline (``"base"``).
    budget : float
        ``C`` in units of ``c_k``.
    Rs : array
        Weights.
    n_share : int
        Points of the share grid, uniform in logit between the feasible ends of ``gen``/``surface``.
    window : (k_lo, k_hi)
        The ``k``-window of the window-slope reading of Eq. 24.
    c_N, c_k, N_min
        As in :func:`lidlib.allocation.optimal_allocation`.

    Returns
    -------
    WeightSweep
    """
    C, cN, ck = float(budget), float(c_N), float(c_k)
    Rs = positive("Rs", Rs).ravel()
    lo, hi = al.feasible_range(gen, surface, C, cN, ck, N_min=N_min)
    shares = special.expit(
        np.linspace(special.logit(lo * cN / C), special.logit(hi * cN / C), positive_int("n_share", n_share))
    )
    models = {"finite": (gen, surface), "base": (base_gen, base_inf)}
    maps = {m: al.loss_map(g, f, C, shares, Rs, cN, ck) for m, (g, f) in models.items()}
    opt = {
        m: [al.optimal_allocation(g, f, C, R=R, c_N=cN, c_k=ck, N_min=N_min) for R in Rs]
        for m, (g, f) in models.items()
    }
    kw = dict(c_N=cN, c_k=ck, N_min=N_min)
    e24 = [al.solve_first_order_condition(gen, surface, C, R=R, **kw) for R in Rs]
    win = al.WindowSlopeInference(surface, window)
    e24w = np.array([al.solve_first_order_condition(gen, win, C, R=R, **kw)[0] for R in Rs], float)
    e25 = [al.solve_power_law_optimum(base_gen, base_inf, C, R=R, **kw) for R in Rs]
    return WeightSweep(
        Rs,
        shares,
        maps,
        opt,
        np.array([n for n, _ in e24], float),
        np.array([k for _, k in e24]),
        e24w,
        np.array([n for n, _ in e25], float),
        np.array([k for _, k in e25]),
        win,
    )


@dataclass(frozen=True)
class OptimumRegimes:
    r"""Result of :func:`optimum_regimes`: where each optimum sits on the rise of :math:`\beta_{\text{eff}}`.

    Attributes
    ----------
    Rs : np.ndarray
        The weights.
    N : np.ndarray
        Exact optimum per weight.
    N_baseline : np.ndarray
        Baseline optimum per weight.
    k : np.ndarray
        Attempts bought at the exact optimum.
    beta_eff : np.ndarray
        Pointwise slope at the optimum.
    ratio : np.ndarray
        ``beta_eff`` over the slope at the same ``k`` and the largest ``N`` of the surface.
    interior : np.ndarray
        Interior optima.
    rising : np.ndarray
        Interior optima whose window slope is below ``level`` of its saturated value.
    rising_pointwise : np.ndarray
        Interior optima whose pointwise ``ratio`` is below ``level``.
    saturated : np.ndarray
        Interior optima with ``ratio >= level``.
    window_slope_saturated : float
        Window slope at the largest ``N`` of the surface.
    """

    Rs: np.ndarray
    N: np.ndarray
    N_baseline: np.ndarray
    k: np.ndarray
    beta_eff: np.ndarray
    ratio: np.ndarray
    interior: np.ndarray
    rising: np.ndarray
    rising_pointwise: np.ndarray
    saturated: np.ndarray
    window_slope_saturated: float

    @property
    def shift(self) -> np.ndarray:
        """``log10(N / N_baseline)``."""
        return np.log10(self.N / self.N_baseline)

    def bands(self) -> tuple[np.ndarray, np.ndarray]:
        """Split the rising weights by the sign of the shift against the baseline.

        Returns
        -------
        (larger, reversed) : boolean arrays
            Rising weights where the exact optimum trains more than the baseline, kept
            only below the smallest reversed weight, and rising weights where it trains
            less or equal.
        """
        larger, reversed_ = self.rising & (self.N > self.N_baseline), self.rising & (self.N <= self.N_baseline)
        if reversed_.any():
            larger = larger & (self.Rs < self.Rs[reversed_].min())
        return larger, reversed_


def optimum_regimes(
    surface, window, optima, N_baseline, budget: float, Rs, *, c_N=1.0, c_k=1.0, level: float = 0.95
) -> OptimumRegimes:
    r"""Classify optima as rising or saturated in :math:`\beta_{\text{eff}}` (Prop. 4.3, Fig. 2).

    "Rising" means the window exponent :math:`\beta_{\text{eff}}(N_\star)` of Eq. 20 is
    below ``level`` of its value at the largest ``N`` of the surface; "saturated" that the
    pointwise slope at :math:`(N_\star, k_\star)` is at least ``level`` of the slope at the
    same ``k`` and the largest ``N``.

    Parameters
    ----------
    surface : lidlib.allocation.InferenceSurface
    window : lidlib.allocation.WindowSlopeInference
        The window reading of the same surface.
    optima : list of Allocation
        Exact optima, one per weight.
    N_baseline : array
        The baseline's optimal ``N`` per weight.
    budget : float
    Rs : array
        The weights.
    c_N, c_k : float
    level : float
        The fraction that counts as saturated.

    Returns
    -------
    OptimumRegimes
    """
    N = np.array([o.N for o in optima])
    k = (float(budget) - N * c_N) / c_k
    beff = surface.beta_eff(N, k)
    ratio = beff / surface.beta_eff(surface.Ns[-1], k)
    interior = kinds(optima) == "interior"
    bw_sat = float(window.window_slope(surface.Ns[-1]))
    rising = interior & (window.window_slope(N) < level * bw_sat)
    return OptimumRegimes(
        np.asarray(Rs),
        N,
        np.asarray(N_baseline),
        k,
        beff,
        ratio,
        interior,
        rising,
        interior & (ratio < level),
        interior & (ratio >= level),
        bw_sat,
    )


def regret(N_pred, budget: float, Rs, gen, inf, optima, *, c_N=1.0, c_k=1.0) -> np.ndarray:
    r"""Regret of predicted allocations: :math:`\mathcal L_{tot}(N_{pred})/\mathcal L_{tot}(N_\star) - 1` (Eq. 21).

    Parameters
    ----------
    N_pred : array
        Predicted training sizes, one per weight (clipped to the optimiser's bounds).
    budget : float
    Rs : array
        Weights.
    gen, inf
        The exact laws on which both are scored.
    optima : list of Allocation
        The exact optima (their ``loss`` and ``N_bounds``).
    c_N, c_k : float

    Returns
    -------
    ndarray
        One regret per weight, ``>= 0`` up to rounding.
    """
    N_pred = np.clip(np.asarray(N_pred, float), *optima[0].N_bounds)
    L_pred = np.array([al.total_loss(n, (budget - n * c_N) / c_k, R, gen, inf) for n, R in zip(N_pred, Rs)])
    return L_pred / np.array([o.loss for o in optima]) - 1.0


def prefactor_terms(surface, N, k) -> tuple[np.ndarray, np.ndarray]:
    r"""The two parts of :math:`N\,\partial_N\log\mathcal L_{\inf}` at fixed ``k`` (Prop. 4.3, Eq. 24).

    With the local power law :math:`\mathcal L_{\inf}\approx\tilde P(N)k^{-\beta_{\text{eff}}(N)}`,
    :math:`N\partial_N\log\mathcal L = d\log\tilde P/d\log N - N\beta_{\text{eff}}'\ln k`;
    Eq. 24 keeps only the second term.

    Parameters
    ----------
    surface : lidlib.allocation.InferenceSurface
    N, k : arrays

    Returns
    -------
    (dlogP, kept) : arrays
        :math:`d\log\tilde P/d\log N` (dropped by Eq. 24) and :math:`-N\beta_{\text{eff}}'\ln k` (kept).
    """
    N, k = np.asarray(N, float), np.asarray(k, float)
    bdn = surface.beta_eff_dN(N, k)
    return N * (surface.dlog_dN(N, k) + bdn * np.log(k)), -N * bdn * np.log(k)


def marginal_k_gain_exponent(inf, budget: float, *, c_k=1.0, n: int = 40) -> float:
    r"""Log-log slope in :math:`C-\tilde N` of the marginal gain of attempts (Sec. 4.3 regime (i)).

    The gain is the rise of :math:`\mathcal L_{\inf}` per unit of budget moved from attempts
    to training, by a central difference, at training spends :math:`\tilde N` from 5% to
    90% of the budget. For :math:`\tilde P k^{-\beta}` it is :math:`-(\beta+1)`.

    Parameters
    ----------
    inf : callable
        Inference law ``inf(k)``.
    budget : float
    c_k : float
    n : int
        Number of training spends.

    Returns
    -------
    float

    Examples
    --------
    >>> from lidlib.allocation import PowerLawInference
    >>> from lidlib.experiments.compute_allocation import marginal_k_gain_exponent
    >>> round(marginal_k_gain_exponent(PowerLawInference(1.0, 2.5), 1000.0), 4)  # -(beta + 1)
    -3.5
    """
    C = float(budget)
    Nt = np.geomspace(0.05 * C, 0.9 * C, positive_int("n", n))
    h = 1e-4 * Nt
    gain_k = (inf((C - Nt - h) / c_k) - inf((C - Nt + h) / c_k)) / (2 * h)
    return float(np.polyfit(np.log(C - Nt), np.log(gain_k), 1)[0])


def boundary_sign_test(optima: dict) -> tuple[float, dict]:
    r"""Does the sign of :math:`d\mathcal L_{tot}/dN` at the two ends predict each optimum's kind (Sec. 4.3 (iii))?

    Predicted kind: ``"all-inference"`` if the slope at the small-``N`` end is positive,
    ``"all-training"`` if the slope at the large-``N`` end is negative, else ``"interior"``.

    Parameters
    ----------
    optima : dict
        ``model -> list of Allocation``.

    Returns
    -------
    (fraction, counts)
        Fraction of optima whose kind is predicted, and ``model -> {kind: count}``.
    """
    agree = []
    for res in optima.values():
        for o in res:
            pred = "all-inference" if o.slope_ends[0] > 0 else ("all-training" if o.slope_ends[1] < 0 else "interior")
            agree.append(pred == o.kind)
    counts = {
        m: {kd: int(np.sum(kinds(res) == kd)) for kd in ("all-inference", "interior", "all-training")}
        for m, res in optima.items()
    }
    return float(np.mean(agree)), counts


@dataclass(frozen=True)
class BudgetView:
    """Result of :func:`budget_view`: Figure 2 with the budget on the vertical axis.

    Attributes
    ----------
    budgets : np.ndarray
        Budgets ``C`` in units of ``c_k``.
    shares : np.ndarray
        Training shares of the grid.
    maps : dict
        ``model -> (n_C, n_share)`` objective (NaN where infeasible).
    optima : dict
        ``model -> list of Allocation``.
    theory : dict
        ``model -> predicted share``: Eq. 24 for ``"finite"``, Eq. 25 for ``"base"``.
    """

    budgets: np.ndarray
    shares: np.ndarray
    maps: dict
    optima: dict
    theory: dict


def budget_view(
    gen, surface, base_gen, base_inf, budgets, *, R: float, n_share: int, c_N=1.0, c_k=1.0, N_min=None
) -> BudgetView:
    r"""The objective of Eq. 21 over training share and budget at a fixed weight, with Eq. 24/25 (Fig. 2, budget view).

    The share grid is uniform in logit between ``N_min c_N / C_max`` and
    ``1 - c_k / C_max``; feasibility follows the exact laws
    (:func:`lidlib.allocation.budget_sweep`).

    Parameters
    ----------
    gen, surface, base_gen, base_inf
        As in :func:`weight_sweep`.
    budgets : array
        Increasing budgets.
    R : float
        The weight.
    n_share : int
    c_N, c_k, N_min
        As in :func:`lidlib.allocation.optimal_allocation`.

    Returns
    -------
    BudgetView
    """
    Cs = positive("budgets", budgets).ravel()
    cN, ck = float(c_N), float(c_k)
    sh = special.expit(
        np.linspace(
            special.logit(N_min * cN / Cs[-1]), special.logit(1 - ck / Cs[-1]), positive_int("n_share", n_share)
        )
    )
    models = {"finite": (gen, surface), "base": (base_gen, base_inf)}
    sweep = al.budget_sweep(models, Cs, sh, R=R, c_N=cN, c_k=ck, N_min=N_min, feasible=(gen, surface))
    kw = dict(R=R, c_N=cN, c_k=ck, N_min=N_min)
    theory = {
        "finite": np.array([al.solve_first_order_condition(gen, surface, C, **kw)[0] for C in Cs]) * cN / Cs,
        "base": np.array([al.solve_power_law_optimum(base_gen, base_inf, C, **kw)[0] for C in Cs]) * cN / Cs,
    }
    return BudgetView(
        Cs, sh, {m: s["map"] for m, s in sweep.items()}, {m: s["optima"] for m, s in sweep.items()}, theory
    )


@dataclass(frozen=True)
class MarginalRule:
    """Result of :func:`marginal_rule`.

    Attributes
    ----------
    rows : list
        Per ``(R, c_N/c_k)``: ``(R, c_N/c_k, mean marginal share while rising, after saturation,
        beta_eff/beta at a switch training -> inference or "none", at a switch inference -> training
        or "none", d log k*/d log N* over the largest budgets)``.
    curves : dict
        ``(R, c_N/c_k) -> (budgets, N*, k*, marginal share, beta_eff(N*; k*)/beta)``.
    """

    rows: list
    curves: dict = field(default_factory=dict)

    @property
    def switch_up(self) -> list:
        """``beta_eff/beta`` at every switch from attempts to training."""
        return [float(r[5]) for r in self.rows if r[5] != "none"]


def marginal_rule(
    gen, surface, beta: float, Rs, cost_ratios, *, N_min: float, N_max: float, k_max: float, n_budget: int, c_k=1.0
) -> MarginalRule:
    r"""Where the next unit of budget goes along the optimal path (Sec. 1 and 6, "train until :math:`\beta_{\text{eff}}\approx\beta`").

    For every weight and cost ratio, budgets from ``2 N_min c_N + 10 c_k`` to
    ``0.9 min(N_max c_N, k_max c_k)`` (geometric); the marginal training share
    :math:`c_N\Delta N_\star/\Delta C` (:func:`lidlib.allocation.marginal_training_share`)
    is averaged where the pointwise slope at the optimum is below 90% of its saturated
    value and above 99%; switches are crossings of one half; the last column is the
    log-log slope of :math:`k_\star` against :math:`N_\star` over the eight largest budgets
    (Eq. 25: :math:`(\gamma+1)/(\beta+1)`).

    Parameters
    ----------
    gen, surface
        The exact laws.
    beta : float
        The tail index (for ``beta_eff / beta``).
    Rs, cost_ratios : sequences
        Weights and ratios ``c_N / c_k``.
    N_min, N_max, k_max : float
        Smallest training set and the extent of the surface.
    n_budget : int
        Budgets per path.
    c_k : float

    Returns
    -------
    MarginalRule
    """
    rows, curves = [], {}
    ck = float(c_k)
    for R in Rs:
        for cr in cost_ratios:
            C_lo = 2.0 * N_min * cr + 10.0 * ck
            C_hi = 0.9 * min(N_max * cr, k_max * ck)
            Cr = np.geomspace(C_lo, C_hi, positive_int("n_budget", n_budget))
            Nr, marg = al.marginal_training_share(gen, surface, Cr, R=R, c_N=cr, c_k=ck, N_min=N_min)
            kr = (Cr - Nr * cr) / ck
            rel = surface.beta_eff(Nr, kr) / beta
            sat_r = surface.beta_eff(Nr, kr) / surface.beta_eff(surface.Ns[-1], kr)
            curves[(R, cr)] = (Cr, Nr, kr, marg, rel)
            before = marg[(sat_r < 0.9)]
            after = marg[(sat_r > 0.99)]
            down = np.flatnonzero((marg[:-1] >= 0.5) & (marg[1:] < 0.5))
            up = np.flatnonzero((marg[:-1] < 0.5) & (marg[1:] >= 0.5))
            rows.append(
                (
                    R,
                    cr,
                    np.nanmean(before) if before.size else np.nan,
                    np.nanmean(after) if after.size else np.nan,
                    f"{rel[down[0] + 1]:.2f}" if down.size else "none",
                    f"{rel[up[0] + 1]:.2f}" if up.size else "none",
                    float(np.polyfit(np.log(Nr[-8:]), np.log(kr[-8:]), 1)[0]),
                )
            )
    return MarginalRule(rows, curves)


@dataclass(frozen=True)
class Overparameterised:
    r"""Result of :func:`overparameterised`: the allocation below the interpolation threshold (:math:`\gamma=\alpha`).

    Attributes
    ----------
    N : np.ndarray
        Training sizes (all below ``d``).
    risk : object
        ``ridge.ridge_risk_deterministic`` result (``bias``, ``variance``).
    L_gen : np.ndarray
        Bias plus variance.
    gen : al.TabulatedLoss
        Training law.
    surface : al.InferenceSurface
        Exact failure surface with bias variance ``L_gen``.
    window : al.WindowSlopeInference
        Its window reading.
    gamma : float
        Log-log slope (sign flipped) of ``L_gen`` over all ``N``.
    gamma_small : float
        The same over the five smallest ``N``.
    window_beta_eff : np.ndarray
        Window slope at every ``N``.
    baseline_gamma : float
        Exponent of the power-law fit used by Eq. 25.
    rows : list
        Per weight: ``(R, N*, kind, window beta_eff(N*), N Eq. 24 pointwise, regret, N Eq. 24 window, regret, N Eq. 25, regret)``.
    regret : dict
        ``"pointwise"``, ``"window"``, ``"eq25"`` -> regrets over the weights.
    """

    N: np.ndarray
    risk: object
    L_gen: np.ndarray
    gen: al.TabulatedLoss
    surface: al.InferenceSurface
    window: al.WindowSlopeInference
    gamma: float
    gamma_small: float
    window_beta_eff: np.ndarray
    baseline_gamma: float
    rows: list
    regret: dict


def overparameterised(
    d: int,
    alpha: float,
    N_range,
    teacher_sq: float,
    noise_var: float,
    ks,
    beta: float,
    delta: float,
    sigma_eta: float,
    *,
    window,
    budget: float,
    Rs,
    c_N=1.0,
    c_k=1.0,
) -> Overparameterised:
    r"""Allocation in the over-parameterised regime, :math:`\gamma=\alpha` (Sec. 4.3 with Sec. 4.1).

    The training loss is the deterministic-equivalent ridgeless risk of a power-law
    spectrum :math:`j^{-(1+\alpha)}` with an isotropic teacher
    (:func:`lidlib.ridge.ridge_risk_deterministic`, ``lambda = 1e-10``), the failure
    surface the exact engine at that bias variance; for each weight the exact optimum is
    compared with Eq. 24 (pointwise and window readings) and the Eq. 25 baseline fitted
    on the same laws, by their regret.

    Parameters
    ----------
    d : int
        Width of the head.
    alpha : float
        Spectral exponent.
    N_range : (N_lo, N_hi, n)
        Arguments of ``numpy.geomspace`` for the training sizes.
    teacher_sq : float
        Squared teacher coefficient per direction.
    noise_var : float
        Mean label-noise variance.
    ks : array
        Attempts of the surface.
    beta, delta, sigma_eta : float
        LID parameters.
    window : (k_lo, k_hi)
    budget : float
    Rs : sequence
        Weights.
    c_N, c_k : float

    Returns
    -------
    Overparameterised
    """
    spectrum = model.power_law_spectrum(d, alpha)
    N = np.geomspace(*N_range)
    risk = ridge.ridge_risk_deterministic(N, 1e-10, spectrum, np.full(d, np.sqrt(teacher_sq)), noise_var)
    Lg = risk.bias + risk.variance
    gen = al.TabulatedLoss(N, Lg)
    surf = al.InferenceSurface.from_lid(N, ks, beta, delta, sigma_eta, Lg)
    win = al.WindowSlopeInference(surf, window)
    gamma = -np.polyfit(np.log(N), np.log(Lg), 1)[0]
    gamma_lo = -np.polyfit(np.log(N[:5]), np.log(Lg[:5]), 1)[0]
    base = al.PowerLawInference.fit(ks, surf.values[-1], window)
    base_gen = al.PowerLawLoss.fit(N, Lg)
    C = float(budget)
    kw = dict(c_N=c_N, c_k=c_k, N_min=N[0], N_max=N[-1])
    rows: list = []
    reg: dict[str, list[float]] = {"pointwise": [], "window": [], "eq25": []}
    for R in Rs:
        o = al.optimal_allocation(gen, surf, C, R=R, **kw)
        n_p = al.solve_first_order_condition(gen, surf, C, R=R, **kw)[0]
        n_w = al.solve_first_order_condition(gen, win, C, R=R, **kw)[0]
        n_25 = al.solve_power_law_optimum(base_gen, base, C, R=R, **kw)[0]
        regs = [float(al.total_loss(n, (C - n * c_N) / c_k, R, gen, surf) / o.loss - 1) for n in (n_p, n_w, n_25)]
        for key, r_ in zip(reg, regs):
            reg[key].append(r_)
        rows.append((R, o.N, o.kind, float(win.window_slope(o.N)), n_p, regs[0], n_w, regs[1], n_25, regs[2]))
    return Overparameterised(
        N, risk, Lg, gen, surf, win, gamma, gamma_lo, win.window_slope(N), base_gen.gamma, rows, reg
    )
