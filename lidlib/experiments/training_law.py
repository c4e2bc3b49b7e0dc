r"""The training-law chapter's experiments: ridge on LID data against its theory (Sec. 4.1, App. B).

The chapter ``notebooks/training_law.md`` simulates the learning curve of Figure 1 (left),
compares it with the exact OLS variance and the deterministic equivalent of
:mod:`lidlib.ridge`, and probes the assumptions of Appendix B. This module holds the
orchestration of those experiments: the ensembles of nested sweeps over several
``alpha`` (:func:`simulate_figure1`) and their theory curves (:func:`figure1_theory`), the
slope fits with bootstrap errors (:func:`overparam_slopes`, :func:`ols_tail`,
:func:`heavy_tail_slopes`), the Monte-Carlo checks of the errata of App. B.2
(:func:`eq37_monte_carlo`, :func:`eq38_asymmetry`, :func:`eq40_bias`), the peak-versus-ridge
experiment (:func:`peak_experiment`), the comparison of LID with homoscedastic noise
(:func:`noise_model_comparison`) and the Gaussianity of ``B_N(x)``
(:func:`bn_given_training_set`, :func:`scale_mixture_quantiles`,
:func:`excess_kurtosis_bootstrap`).

All randomness comes from the generators passed in; nothing here seeds itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from lidlib import ridge
from lidlib._validation import positive_int, rng_from
from lidlib.model import LIDModel, power_law_spectrum

__all__ = [
    "sample_size_grid",
    "Figure1Runs",
    "simulate_figure1",
    "Figure1Theory",
    "figure1_theory",
    "nested_vs_refit",
    "SlopeFit",
    "overparam_slopes",
    "long_spectrum_slopes",
    "OlsTail",
    "ols_tail",
    "comparison_window",
    "theory_deviation",
    "eq37_monte_carlo",
    "eq38_asymmetry",
    "eq40_bias",
    "PeakExperiment",
    "peak_experiment",
    "NoiseModelComparison",
    "noise_model_comparison",
    "bn_given_training_set",
    "scale_mixture_quantiles",
    "excess_kurtosis_bootstrap",
    "HeavySlope",
    "heavy_tail_slopes",
    "explorer_curves",
]


def sample_size_grid(d: int, n_grid: int, near_d: Sequence[float], span: float = 20.0) -> np.ndarray:
    """Training-set sizes of Figure 1 (left): a log grid over ``[d/span, span d]`` plus points near ``d``.

    Parameters
    ----------
    d : int
        Feature dimension.
    n_grid : int
        Points of the logarithmic grid.
    near_d : sequence of float
        Extra values of ``N/d`` close to the interpolation threshold.
    span : float
        The grid covers ``[d/span, span d]``.

    Returns
    -------
    ndarray of int
        Sorted, distinct sizes with ``|N - d| > 1`` (the ridgeless loss has no finite mean
        at ``N = d +- 1``).

    Examples
    --------
    >>> sample_size_grid(100, 5, (0.99, 1.1)).tolist()
    [5, 22, 110, 447, 2000]
    """
    d = positive_int("d", d)
    Ns = np.round(
        np.concatenate([np.geomspace(d / span, span * d, positive_int("n_grid", n_grid)), d * np.array(near_d)])
    )
    Ns = np.unique(Ns).astype(int)
    return Ns[np.abs(Ns - d) > 1]


@dataclass
class Figure1Runs:
    """Nested-sweep ensembles of Figure 1 (left), one per ``alpha`` (Sec. 4.1).

    Attributes
    ----------
    d : int
        Feature dimension.
    Ns : ndarray of int
        Training-set sizes.
    lam : ndarray, shape (n_N, 1)
        Ridge schedule (``lam_tilde / N`` below ``d``, zero above; after Eq. 6).
    below : ndarray of bool
        ``Ns < d``: where the extra ensemble ``over`` has values.
    models : dict
        ``alpha -> LIDModel``.
    full : dict
        ``alpha -> LearningCurves`` over all ``Ns``.
    over : dict
        ``alpha -> LearningCurves`` over ``Ns[below]`` only.
    noise_var : float
        ``sigma_eta^2 E[1/tau]`` (Cor. 1).
    """

    d: int
    Ns: np.ndarray
    lam: np.ndarray
    below: np.ndarray
    models: dict
    full: dict
    over: dict
    noise_var: float

    @property
    def alphas(self) -> list[float]:
        """The spectral exponents simulated."""
        return list(self.models)

    def per_seed(self, alpha: float, field: str = "loss") -> np.ndarray:
        """Seed-by-``N`` array of one field: the full sweeps, then the ``N < d`` sweeps, NaN-padded.

        Parameters
        ----------
        alpha : float
            Which ensemble.
        field : str
            A field of :class:`lidlib.ridge.LearningCurves` (``loss``, ``bias``, ``variance``, ...).

        Returns
        -------
        ndarray, shape (n_seeds + n_seeds_over, n_N)
        """
        full = getattr(self.full[alpha], field)[:, :, 0]
        over = getattr(self.over[alpha], field)[:, :, 0]
        return ridge.stack_ensembles(full, over, self.below)

    def mean_se(self, alpha: float, field: str = "loss") -> tuple[np.ndarray, np.ndarray]:
        """Mean over both ensembles and its standard error, per ``N``.

        Parameters
        ----------
        alpha : float
            Which ensemble.
        field : str
            As in :meth:`per_seed`.

        Returns
        -------
        mean, se : ndarray, shape (n_N,)
            NaN-aware mean over seeds and ``std / sqrt(n)``.
        """
        return ridge.seed_mean_se(self.per_seed(alpha, field))

    def pooled(self, field: str = "loss", mask=None) -> np.ndarray:
        """The full sweeps of every ``alpha`` stacked (the loss for ``N > d`` does not depend on ``alpha``).

        Parameters
        ----------
        field : str
            As in :meth:`per_seed`.
        mask : array of bool, optional
            Columns (sizes) to keep; all by default.

        Returns
        -------
        ndarray, shape (n_alpha n_seeds, n_kept)
        """
        mask = slice(None) if mask is None else mask
        return np.concatenate([getattr(self.full[a], field)[:, mask, 0] for a in self.models])


def simulate_figure1(
    d: int,
    alphas: Sequence[float],
    beta: float,
    sigma_eta: float,
    Ns,
    lam_tilde: float,
    n_seeds: int,
    n_seeds_over: int,
    rng_full,
    rng_over,
) -> Figure1Runs:
    """Simulate the learning curves of Figure 1 (left), Eq. 5-8, for several ``alpha``.

    For each ``alpha`` in turn, ``n_seeds`` nested sweeps over all ``Ns`` are drawn from
    ``rng_full`` and ``n_seeds_over`` sweeps restricted to ``N < d`` (cheap: they need
    only ``d`` samples) from ``rng_over`` (:func:`lidlib.ridge.learning_curves`).

    Parameters
    ----------
    d : int
        Feature dimension.
    alphas : sequence of float
        Spectral exponents (``sigma_j^2 = j^-(1+alpha)``).
    beta, sigma_eta : float
        Precision tail index and noise scale of the LID model (Eq. 1-3).
    Ns : array of int
        Training-set sizes (:func:`sample_size_grid`).
    lam_tilde : float
        Ridge ``lam = lam_tilde / N`` for ``N < d`` (:func:`lidlib.ridge.paper_lambda_schedule`).
    n_seeds, n_seeds_over : int
        Sweeps over all ``Ns`` and over ``N < d`` only.
    rng_full, rng_over : numpy.random.Generator
        Streams of the two ensembles.

    Returns
    -------
    Figure1Runs
    """
    Ns = np.asarray(Ns, dtype=int)
    lam = ridge.paper_lambda_schedule(Ns, d, lam_tilde)
    below = Ns < d
    rng_full, rng_over = rng_from(rng_full), rng_from(rng_over)
    models, full, over = {}, {}, {}
    for a in alphas:
        lid = LIDModel(d=d, alpha=a, beta=beta, sigma_eta=sigma_eta)
        models[a] = lid
        full[a] = ridge.learning_curves(lid, Ns, lam, n_seeds, rng_full)
        over[a] = ridge.learning_curves(lid, Ns[below], lam[below], n_seeds_over, rng_over)
    return Figure1Runs(d, Ns, lam, below, models, full, over, models[alphas[0]].noise_variance)


@dataclass
class Figure1Theory:
    """Theory curves of Figure 1 (left) on a fine grid and at the simulated sizes.

    Attributes
    ----------
    N_fine : ndarray
        Fine grid of ``N`` (points within 0.5 of ``d`` removed).
    fine : dict
        ``alpha -> RidgeRisk``, the deterministic equivalent on ``N_fine`` (App. B.2).
    limit_bias, limit_variance : dict
        ``alpha -> ndarray``, the ``N << d`` power-law limit (Eq. 9 with its prefactor, and
        the floor ``alpha sigma_noise^2``) on ``N_fine``.
    at_grid : dict
        ``alpha -> RidgeRisk`` at the simulated ``Ns``.
    ols_fine : ndarray
        Exact OLS risk ``sigma_noise^2 d / (N - d - 1)`` on ``N_fine`` (Eq. 38, exact form).
    """

    N_fine: np.ndarray
    fine: dict
    limit_bias: dict
    limit_variance: dict
    at_grid: dict
    ols_fine: np.ndarray


def figure1_theory(runs: Figure1Runs, lam_tilde: float, n_fine: int = 800, span: float = 20.0) -> Figure1Theory:
    """Deterministic-equivalent, power-law-limit and exact-OLS curves for :class:`Figure1Runs` (Eq. 9, 10, 38-40).

    Parameters
    ----------
    runs : Figure1Runs
        The simulation (its models, sizes and noise variance).
    lam_tilde : float
        The ridge schedule of the simulation.
    n_fine : int
        Points of the fine grid over ``[d/span, span d]``.
    span : float
        Extent of the fine grid.

    Returns
    -------
    Figure1Theory
    """
    d, nv = runs.d, runs.noise_var
    N_fine = np.geomspace(d / span, span * d, n_fine)
    N_fine = N_fine[np.abs(N_fine - d) > 0.5]
    lam_fine = ridge.paper_lambda_schedule(N_fine, d, lam_tilde)[:, 0]
    fine, lb, lv, at = {}, {}, {}, {}
    for a, lid in runs.models.items():
        fine[a] = ridge.ridge_risk_deterministic(N_fine, lam_fine, lid.spectrum, lid.teacher, nv)
        lb[a], lv[a] = ridge.power_law_ridgeless_risk(N_fine, a, np.mean(lid.teacher**2), nv)
        at[a] = ridge.ridge_risk_deterministic(runs.Ns, runs.lam[:, 0], lid.spectrum, lid.teacher, nv)
    return Figure1Theory(N_fine, fine, lb, lv, at, ridge.ols_risk_exact(N_fine, d, nv))


def nested_vs_refit(X, y, Ns, lams) -> float:
    """Largest relative difference between :func:`lidlib.ridge.ridge_path` and fits from scratch (Eq. 6).

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Features.
    y : ndarray, shape (n,)
        Labels.
    Ns : sequence of int
        Prefix lengths.
    lams : sequence of float
        Ridge parameters (the same at every ``N``).

    Returns
    -------
    float
        ``max ||path - refit|| / ||refit||`` over ``N`` and ``lam``, with the refits from
        :func:`lidlib.ridge.ridge_fit` (LU solve or SVD least squares).
    """
    Ns, lams = np.asarray(Ns, dtype=int), np.asarray(lams, dtype=float)
    path = ridge.ridge_path(X, y, Ns, lams)
    refit = np.array([[ridge.ridge_fit(X[:N], y[:N], lm) for lm in lams] for N in Ns])
    return float(np.max(np.linalg.norm(path - refit, axis=-1) / np.linalg.norm(refit, axis=-1)))


@dataclass
class SlopeFit:
    """A fitted log-log slope of the seed-averaged loss against the theory's.

    Attributes
    ----------
    alpha : float
        Spectral exponent.
    slope, slope_se : float
        Fitted slope and its bootstrap standard error (seeds resampled).
    theory_slope : float
        Slope of the deterministic equivalent on the same ``N``.
    bias_over_floor : float
        Deterministic-equivalent bias over variance at the window's largest ``N``.
    """

    alpha: float
    slope: float
    slope_se: float
    theory_slope: float
    bias_over_floor: float


def overparam_slopes(runs: Figure1Runs, theory: Figure1Theory, window, rng, n_boot: int = 400) -> list[SlopeFit]:
    """Slope of ``log L_gen`` against ``log N`` below ``d``, per ``alpha`` (Eq. 9; App. B.2.2).

    Parameters
    ----------
    runs : Figure1Runs
        The simulation (both ensembles are used).
    theory : Figure1Theory
        Its theory curves (``at_grid``).
    window : array of bool
        Mask of ``runs.Ns``: the fit window (e.g. ``N in [d/20, d/5]``).
    rng : numpy.random.Generator or int
        Bootstrap randomness, passed to :func:`lidlib.ridge.power_law_fit` for every
        ``alpha`` in turn (a Generator is one stream; an int restarts for each ``alpha``).
    n_boot : int
        Bootstrap resamples.

    Returns
    -------
    list of SlopeFit
        One per ``alpha``.
    """
    window = np.asarray(window, dtype=bool)
    Nw = runs.Ns[window]
    out = []
    for a in runs.alphas:
        f = ridge.power_law_fit(Nw, runs.per_seed(a, "loss")[:, window], n_boot=n_boot, rng=rng)
        de = theory.at_grid[a]
        s_de = float(np.polyfit(np.log(Nw), np.log(de.total[window]), 1)[0])
        ratio = float(de.bias[window][-1] / de.variance[window][-1])
        out.append(SlopeFit(a, f["slope"], f["slope_se"], s_de, ratio))
    return out


def long_spectrum_slopes(alphas, teacher_sq, Ns, size: int = 100_000) -> list[float]:
    """Slope of the noise-free deterministic-equivalent bias with a long spectrum (Eq. 9 limit).

    Parameters
    ----------
    alphas : sequence of float
        Spectral exponents.
    teacher_sq : sequence of float
        Per-coordinate teacher power ``r^2`` for each ``alpha`` (an isotropic teacher).
    Ns : array
        The fit window.
    size : int
        Length of the spectrum ``j^-(1+alpha)``, ``j <= size``.

    Returns
    -------
    list of float
        Least-squares slope of ``log Bias^2`` against ``log N``, one per ``alpha``; it
        approaches ``-alpha`` as ``size`` grows.
    """
    Nw = np.asarray(Ns, dtype=float)
    out = []
    for a, r2 in zip(alphas, teacher_sq):
        s_big = power_law_spectrum(size, a)
        de = ridge.ridge_risk_deterministic(Nw, 0.0, s_big, np.full(size, np.sqrt(r2)), 0.0)
        out.append(float(np.polyfit(np.log(Nw), np.log(de.bias), 1)[0]))
    return out


@dataclass
class OlsTail:
    """The ``N >> d`` law (Eq. 10, 38) measured on pooled OLS losses.

    Attributes
    ----------
    slope, slope_se : float
        Fitted slope of the mean loss on the tail window and its bootstrap s.e.
    slope_exact : float
        Slope of the exact ``d/(N - d - 1)`` on the same ``N``.
    A, A_se : float
        Constant of Eq. 10 extrapolated to ``N/d -> infinity`` and its bootstrap s.e.
    B : float
        Coefficient of ``d/N`` of the reciprocal (exact: ``(d+1)/d``).
    ratio_mean, ratio_sd : float
        Mean and standard deviation over seeds of the average (simulated / exact
        inverse-Wishart loss) over ``N >= 2d``.
    n_seeds : int
        Number of seeds (the standard error of ``ratio_mean`` is ``ratio_sd / sqrt(n_seeds)``).
    """

    slope: float
    slope_se: float
    slope_exact: float
    A: float
    A_se: float
    B: float
    ratio_mean: float
    ratio_sd: float
    n_seeds: int


def ols_tail(Ns, losses, d: int, noise_var: float, rng_fit, rng_boot, n_boot: int = 400, span: float = 20.0) -> OlsTail:
    """Slope, constant and exact form of the OLS loss for ``N >> d`` (Eq. 10, 38).

    The slope is fitted on the upper half decade ``N >= span d / sqrt(10)``; the constant
    ``A`` extrapolates ``sigma^2 d / (N L) = (1 - (d+1)/N) / A`` linearly in ``d/N`` over
    ``N >= 2d`` (:func:`lidlib.ridge.ols_reciprocal_extrapolation`), with a bootstrap over
    seeds for its error.

    Parameters
    ----------
    Ns : array of int
        Training-set sizes.
    losses : ndarray, shape (n_seeds, n_N)
        OLS losses (``lam = 0`` above ``d``).
    d : int
        Dimension.
    noise_var : float
        ``sigma_noise^2``.
    rng_fit, rng_boot : numpy.random.Generator or int
        Bootstrap randomness of the slope fit and of the extrapolation.
    n_boot : int
        Bootstrap resamples.
    span : float
        The largest ``N`` is ``span d``.

    Returns
    -------
    OlsTail
    """
    Ns = np.asarray(Ns)
    L = np.asarray(losses, dtype=float)
    w_tail = Ns >= span * d / np.sqrt(10)
    f = ridge.power_law_fit(Ns[w_tail], L[:, w_tail], n_boot=n_boot, rng=rng_fit)
    slope_exact = float(np.polyfit(np.log(Ns[w_tail]), np.log(ridge.ols_risk_exact(Ns[w_tail], d, noise_var)), 1)[0])
    w2 = Ns >= 2 * d

    def extrapolate(Lx):
        return ridge.ols_reciprocal_extrapolation(Ns[w2], Lx.mean(0)[w2], d, noise_var)

    A, B = extrapolate(L)
    g = rng_from(rng_boot)
    n = L.shape[0]
    boots = np.array([extrapolate(L[g.integers(0, n, n)]) for _ in range(positive_int("n_boot", n_boot))])
    seed_ratio = (L[:, w2] / ridge.ols_risk_exact(Ns[w2], d, noise_var)).mean(1)
    return OlsTail(
        f["slope"],
        f["slope_se"],
        slope_exact,
        A,
        float(boots[:, 0].std(ddof=1)),
        B,
        float(seed_ratio.mean()),
        float(seed_ratio.std(ddof=1)),
        seed_ratio.size,
    )


def comparison_window(Ns, d: int, n_min: int = 20, lo: float = 0.8, hi: float = 1.25) -> np.ndarray:
    """Sizes at which theory and simulation are compared point by point (App. B.2, Eq. 36-40).

    Parameters
    ----------
    Ns : array of int
        Training-set sizes.
    d : int
        Dimension.
    n_min : int
        Smallest size compared (the deterministic equivalent is asymptotic in ``N``).
    lo, hi : float
        The threshold window ``[lo d, hi d]`` left out (no useful standard error there).

    Returns
    -------
    ndarray of bool
        ``N >= n_min`` and ``N`` outside ``[lo d, hi d]``.
    """
    Ns = np.asarray(Ns)
    return (Ns >= n_min) & ((Ns < lo * d) | (Ns > hi * d))


def theory_deviation(mean, se, theory, Ns, d: int, n_se: float = 3.0, order: float = 2.0) -> np.ndarray:
    """Deviation of simulation from theory over its allowance, point by point (App. B.2, Eq. 36-40).

    The allowance is ``n_se`` standard errors of the simulated mean plus a modelling
    margin ``order / min(N, |N - d|)`` of the theory (the finite-size order of the
    deterministic equivalent, doubled); a value above one is a disagreement.

    Parameters
    ----------
    mean, se : array
        Simulated mean loss and its standard error at ``Ns``.
    theory : array
        Theory at ``Ns``.
    Ns : array
        Training-set sizes.
    d : int
        Dimension.
    n_se, order : float
        The two parts of the allowance.

    Returns
    -------
    ndarray
        ``|mean - theory| / (n_se se + order / min(N, |N - d|) theory)``.

    Examples
    --------
    >>> theory_deviation([1.5], [0.1], [1.0], [10], 100)  # 0.5 / (0.3 + 0.2)
    array([1.])
    """
    N = np.asarray(Ns, dtype=float)
    allow = order / np.minimum(N, np.abs(N - d))
    return np.abs(np.asarray(mean) - theory) / (n_se * np.asarray(se) + allow * np.asarray(theory))


def eq37_monte_carlo(d: int, N: int, reps: int, rng, alpha: float = 1.0) -> tuple[float, float]:
    """Monte Carlo of the OLS loss against Eq. 37 as printed, ``Tr(Sigma Sigma_hat^-1)`` (App. B.2.1).

    Each of ``reps`` fits draws Gaussian features with spectrum ``j^-(1+alpha)`` and unit
    noise; the exact loss is ``dtheta^T Sigma dtheta`` with ``dtheta = (X^T X)^-1 X^T eta``.

    Parameters
    ----------
    d, N : int
        Dimension and training-set size (``N > d + 1``).
    reps : int
        Number of fits.
    rng : numpy.random.Generator
        Randomness (features, then noise, fit by fit).
    alpha : float
        Spectral exponent.

    Returns
    -------
    ratio, se : float
        Mean loss over the mean of Eq. 37 and its standard error. The correct value is
        ``1/N`` (Eq. 37 lacks that factor); the printed equation claims one.
    """
    g = rng_from(rng)
    reps = positive_int("reps", reps)
    s = power_law_spectrum(d, alpha)
    loss, eq37 = np.empty(reps), np.empty(reps)
    for i in range(reps):
        X = g.standard_normal((N, d)) * np.sqrt(s)
        dth = np.linalg.inv(X.T @ X) @ (X.T @ g.standard_normal(N))
        loss[i] = dth @ (s * dth)
        eq37[i] = np.trace(s[:, None] * np.linalg.inv(X.T @ X / N))
    return float(loss.mean() / eq37.mean()), float(loss.std(ddof=1) / np.sqrt(reps) / eq37.mean())


def eq38_asymmetry(d: int, N: int, rng, alpha: float = 1.0) -> float:
    """Relative asymmetry ``||LW - (LW)^T|| / ||LW||`` of Eq. 38's ``Sigma_hat = Lambda W`` (App. B.2.1).

    Parameters
    ----------
    d, N : int
        Dimension and degrees of freedom of the Wishart draw ``W = Z^T Z / N``.
    rng : numpy.random.Generator
        Randomness.
    alpha : float
        Spectral exponent of ``Lambda``.

    Returns
    -------
    float
        Zero for a symmetric matrix (a covariance); of order one for ``Lambda W``.
    """
    g = rng_from(rng)
    Z = g.standard_normal((N, d))
    W = Z.T @ Z / N
    LW = power_law_spectrum(d, alpha)[:, None] * W
    return float(np.linalg.norm(LW - LW.T) / np.linalg.norm(LW))


def eq40_bias(N: float, spectrum, teacher) -> tuple[float, float]:
    """Bias of Eq. 40 with the sums running to ``d``, and the factor it omits (App. B.2.2).

    Parameters
    ----------
    N : float
        Training-set size (``N < d``).
    spectrum : array
        Eigenvalues ``sigma_i^2``.
    teacher : array
        ``theta*`` in the eigenbasis.

    Returns
    -------
    bias, factor : float
        ``kappa^2 sum theta_i^2 sigma_i^2 / (sigma_i^2 + kappa)^2`` at the ridgeless
        ``kappa`` of :func:`lidlib.ridge.effective_regularization`, and
        ``1 / (1 - df2/N)`` with ``df2 = sum sigma_i^4 / (sigma_i^2 + kappa)^2``, the
        multiplier of the deterministic equivalent that Eq. 40 lacks.
    """
    s, th2 = np.asarray(spectrum, dtype=float), np.asarray(teacher, dtype=float) ** 2
    kap = float(ridge.effective_regularization(N, 0.0, s))
    bias = float(kap**2 * np.sum(th2 * s / (s + kap) ** 2))
    df2 = float(np.sum(s**2 / (s + kap) ** 2))
    return bias, 1 / (1 - df2 / N)


@dataclass
class PeakExperiment:
    """The interpolation peak at several fixed ridges (Sec. 4.1, App. B.2.1).

    Attributes
    ----------
    Ns : ndarray of int
        Simulated sizes over ``[d/2, 2d]`` (contains ``d``).
    lams : ndarray
        Ridge parameters (held fixed over ``N``).
    mean : ndarray, shape (n_N, n_lam)
        Seed-averaged loss.
    N_fine : ndarray
        Fine grid for the theory (contains ``d``).
    theory_fine : list of RidgeRisk
        Deterministic equivalent on ``N_fine``, one per ``lam``.
    theory_ridgeless : RidgeRisk
        The same for ``lam = 0`` on ``N_fine`` without ``d``.
    theory_grid : ndarray, shape (n_N, n_lam)
        Deterministic-equivalent risk at ``Ns``.
    N_peak, height : ndarray
        Location and height of the largest simulated mean, per ``lam``.
    N_peak_theory, height_theory : ndarray
        The same for the theory on ``Ns``.
    """

    Ns: np.ndarray
    lams: np.ndarray
    mean: np.ndarray
    N_fine: np.ndarray
    theory_fine: list
    theory_ridgeless: ridge.RidgeRisk
    theory_grid: np.ndarray
    N_peak: np.ndarray
    height: np.ndarray
    N_peak_theory: np.ndarray
    height_theory: np.ndarray


def peak_experiment(
    lid: LIDModel, n_grid: int, lams, n_seeds: int, rng, n_fine: int = 800, span: float = 20.0
) -> PeakExperiment:
    """Simulate the double-descent peak near ``N = d`` at fixed ridges and its theory (Sec. 4.1, Eq. 5).

    Parameters
    ----------
    lid : LIDModel
        Data model (a noise level at which the peak is visible).
    n_grid : int
        Log-grid points over ``[d/2, 2d]`` (``d`` is added).
    lams : sequence of float
        Ridge parameters, increasing.
    n_seeds : int
        Nested sweeps (:func:`lidlib.ridge.learning_curves`).
    rng : numpy.random.Generator
        Randomness of the sweeps.
    n_fine : int
        Points of the theory grid over ``[d/span, span d]``.
    span : float
        Extent of the theory grid.

    Returns
    -------
    PeakExperiment
    """
    d, nv = lid.d, lid.noise_variance
    Ns = np.unique(np.concatenate([np.round(np.geomspace(d / 2, 2 * d, n_grid)), [d]])).astype(int)
    lams = np.array(lams, dtype=float)
    mean = ridge.learning_curves(lid, Ns, lams, n_seeds, rng).loss.mean(0)
    N_fine = np.unique(np.concatenate([np.geomspace(d / span, span * d, n_fine), [d]]))
    fine = [ridge.ridge_risk_deterministic(N_fine, lm, lid.spectrum, lid.teacher, nv) for lm in lams]
    ridgeless = ridge.ridge_risk_deterministic(N_fine[N_fine != d], 0.0, lid.spectrum, lid.teacher, nv)
    grid = np.array([ridge.ridge_risk_deterministic(Ns, lm, lid.spectrum, lid.teacher, nv).total for lm in lams]).T
    return PeakExperiment(
        Ns, lams, mean, N_fine, fine, ridgeless, grid, Ns[mean.argmax(0)], mean.max(0), Ns[grid.argmax(0)], grid.max(0)
    )


@dataclass
class NoiseModelComparison:
    """LID noise against homoscedastic noise of the same average variance (Sec. 3.1, App. B.1).

    Attributes
    ----------
    ratio_under, se_under, spread_under : float
        For ``N >= 2d`` (total loss over the exact OLS risk): ratio of the seed means
        (LID / homoscedastic), its bootstrap s.e. and the ratio of the seed-to-seed
        standard deviations.
    ratio_over, se_over, spread_over : float
        The same for ``N <= d/2`` (variance part over its deterministic equivalent).
    ratio_by_N : ndarray
        Ratio of the seed-averaged variance parts at every ``N`` (all ``alpha`` pooled).
    cv_lid, cv_homo : ndarray
        Seed-to-seed coefficient of variation of the variance part at every ``N``.
    """

    ratio_under: float
    se_under: float
    spread_under: float
    ratio_over: float
    se_over: float
    spread_over: float
    ratio_by_N: np.ndarray
    cv_lid: np.ndarray
    cv_homo: np.ndarray


def noise_model_comparison(runs: Figure1Runs, theory: Figure1Theory, rng_under, rng_over) -> NoiseModelComparison:
    """Compare the LID and homoscedastic labels of every sweep, above and below ``d`` (Cor. 1, App. B.1).

    Parameters
    ----------
    runs : Figure1Runs
        The simulation (each sweep fits both label vectors on the same features).
    theory : Figure1Theory
        Normalisation below ``d`` (the deterministic-equivalent variance).
    rng_under, rng_over : numpy.random.Generator or int
        Bootstrap randomness of the two comparisons (:func:`lidlib.ridge.paired_ratio`).

    Returns
    -------
    NoiseModelComparison
    """
    Ns, d = runs.Ns, runs.d
    w2 = Ns >= 2 * d
    het_u, hom_u = runs.pooled("loss", w2), runs.pooled("loss_homo", w2)
    under = ridge.paired_ratio(het_u, hom_u, ridge.ols_risk_exact(Ns[w2], d, runs.noise_var), rng=rng_under)
    w_lo = Ns <= d / 2
    sub = w_lo[runs.below]
    het_o = np.concatenate([runs.over[a].variance[:, sub, 0] / theory.at_grid[a].variance[w_lo] for a in runs.alphas])
    hom_o = np.concatenate(
        [runs.over[a].variance_homo[:, sub, 0] / theory.at_grid[a].variance[w_lo] for a in runs.alphas]
    )
    over = ridge.paired_ratio(het_o, hom_o, np.ones(w_lo.sum()), rng=rng_over)
    var_het = np.vstack([runs.per_seed(a, "variance") for a in runs.alphas])
    var_hom = np.vstack([runs.per_seed(a, "variance_homo") for a in runs.alphas])
    ratio_N = np.nanmean(var_het, 0) / np.nanmean(var_hom, 0)
    cv_het = np.nanstd(var_het, 0) / np.nanmean(var_het, 0)
    cv_hom = np.nanstd(var_hom, 0) / np.nanmean(var_hom, 0)
    return NoiseModelComparison(*under, *over, ratio_N, cv_het, cv_hom)


def bn_given_training_set(lid: LIDModel, Ns, lam_tilde: float, n_test: int, rng) -> list[dict]:
    """``B_N(x) = x^T (theta_hat - theta*)`` on fresh inputs, one training set per ``N`` (App. C, Prop. C.2).

    One sample of ``max(Ns)`` LID draws is fitted along its prefixes
    (:func:`lidlib.ridge.ridge_path`, ridge schedule of the paper), then ``n_test`` fresh
    inputs are drawn; given the training set, ``B_N / sqrt(L)`` with ``L`` the realised
    loss is exactly standard normal for Gaussian features.

    Parameters
    ----------
    lid : LIDModel
        Data model.
    Ns : sequence of int
        Training-set sizes.
    lam_tilde : float
        Ridge ``lam_tilde / N`` below ``d``.
    n_test : int
        Fresh inputs.
    rng : numpy.random.Generator
        Randomness (training sample, then test inputs).

    Returns
    -------
    list of dict
        Per ``N``: ``N``, ``z`` (the standardised deviations), ``var_ratio``
        (``Var[B] / L``) and ``ks`` (Kolmogorov-Smirnov distance of ``z`` from N(0, 1)).
    """
    g = rng_from(rng)
    Ns = np.asarray(Ns, dtype=int)
    smp = lid.sample(int(Ns.max()), g)
    th = ridge.ridge_path(smp.X, smp.y, Ns, ridge.paper_lambda_schedule(Ns, lid.d, lam_tilde))[:, 0]
    X_test = lid.sample(positive_int("n_test", n_test), g).X
    out = []
    for N, t in zip(Ns, th):
        B = X_test @ (t - lid.teacher)
        L = float(ridge.excess_risk(t, lid.teacher, lid.spectrum))
        z = B / np.sqrt(L)
        out.append(
            {"N": int(N), "z": z, "var_ratio": float(B.var() / L), "ks": float(stats.kstest(z, "norm").statistic)}
        )
    return out


def scale_mixture_quantiles(losses, n: int, rng) -> np.ndarray:
    """Draws of ``B_N / sqrt(E L)`` pooled over training sets: a Gaussian scale mixture (App. C).

    Given training set ``i`` with realised loss ``L_i``, ``B_N ~ N(0, L_i)`` exactly; pooled
    over the training sets the law is the mixture. About ``n`` draws are made, equally
    many per training set.

    Parameters
    ----------
    losses : array
        Realised losses ``L_i``.
    n : int
        Total number of draws (at least one per training set).
    rng : numpy.random.Generator
        Randomness.

    Returns
    -------
    ndarray
        The pooled draws divided by ``sqrt(mean L)``.
    """
    L = np.asarray(losses, dtype=float)
    g = rng_from(rng)
    per = max(1, int(n) // L.size)
    return (np.sqrt(L)[:, None] * g.standard_normal((L.size, per))).ravel() / np.sqrt(L.mean())


def excess_kurtosis_bootstrap(losses, rng, n_boot: int = 400) -> tuple[float, float]:
    """Excess kurtosis ``3 Var(L) / E[L]^2`` of the scale mixture over training sets, with a bootstrap s.e. (App. C).

    A Gaussian mixed over its variance ``L`` has excess kurtosis ``3 Var(L)/E[L]^2``; it
    is zero only if every training set has the same loss.

    Parameters
    ----------
    losses : array
        Realised losses, one per training set (non-finite values are dropped).
    rng : numpy.random.Generator or int
        Bootstrap randomness.
    n_boot : int
        Resamples of the training sets.

    Returns
    -------
    kurtosis, se : float
    """
    L = np.asarray(losses, dtype=float)
    L = L[np.isfinite(L)]
    g = rng_from(rng)
    kurt = 3 * L.var(ddof=1) / L.mean() ** 2
    kb = [3 * x.var(ddof=1) / x.mean() ** 2 for x in (L[g.integers(0, L.size, L.size)] for _ in range(n_boot))]
    return float(kurt), float(np.std(kb, ddof=1))


@dataclass
class HeavySlope:
    """Growth of the median OLS loss for one ``beta`` (beyond the paper, ``beta <= 2``).

    Attributes
    ----------
    beta : float
        Tail index.
    predicted : float
        ``max(2/beta - 1, 0)``, the slope of the typical noise level.
    slope, slope_se : float
        Fitted slope of the median noise level ``L (N - d - 1) / (d sigma_eta^2)``.
    raw_slope, raw_slope_se : float
        Fitted slope of the median loss itself.
    """

    beta: float
    predicted: float
    slope: float
    slope_se: float
    raw_slope: float
    raw_slope_se: float


def heavy_tail_slopes(Ns, losses, d: int, sigma_eta: float, betas, rng_level, rng_raw) -> list[HeavySlope]:
    """Slopes in ``N`` of the median OLS noise level and loss for each ``beta`` (Ass. 3.2 relaxed).

    For ``beta < 2`` the sample mean of ``1/tau`` grows like ``N^(2/beta - 1)`` (a one-sided
    stable law), so the typical effective noise level ``L (N - d - 1)/d`` does too.

    Parameters
    ----------
    Ns : array of int
        Training-set sizes (``N > d + 1``).
    losses : ndarray, shape (n_seeds, n_N, n_beta)
        OLS losses (:func:`lidlib.ridge.ols_noise_curves`).
    d : int
        Dimension.
    sigma_eta : float
        Noise scale.
    betas : sequence of float
        Tail indices (last axis of ``losses``).
    rng_level, rng_raw : numpy.random.Generator or int
        Bootstrap randomness of the two fits (:func:`lidlib.ridge.power_law_fit`).

    Returns
    -------
    list of HeavySlope
    """
    Ns = np.asarray(Ns)
    L = np.asarray(losses, dtype=float)
    level = L * ((Ns - d - 1) / d)[None, :, None] / sigma_eta**2
    out = []
    for j, b in enumerate(betas):
        f = ridge.power_law_fit(Ns, level[:, :, j], statistic="median", rng=rng_level)
        r = ridge.power_law_fit(Ns, L[:, :, j], statistic="median", rng=rng_raw)
        out.append(HeavySlope(float(b), max(2 / b - 1, 0.0), f["slope"], f["slope_se"], r["slope"], r["slope_se"]))
    return out


def explorer_curves(d: int, alpha: float, lam: float, sigma_eta: float, beta: float, Ns, N_fine, n_seeds: int, rng):
    """Theory and a small simulation of ``L_gen(N)`` at one setting, for the chapter's explorer (Eq. 5-10).

    Parameters
    ----------
    d : int
        Dimension.
    alpha, lam, sigma_eta, beta : float
        Spectrum, fixed ridge, noise scale and tail index.
    Ns : array of int
        Simulated sizes.
    N_fine : array
        Theory grid.
    n_seeds : int
        Nested sweeps.
    rng : numpy.random.Generator
        Randomness of the sweeps.

    Returns
    -------
    theory : RidgeRisk
        Deterministic equivalent on ``N_fine`` (infinite variance if ``beta <= 2``).
    losses : ndarray, shape (n_seeds, n_N)
        Simulated losses.
    """
    lid = LIDModel(d=d, alpha=alpha, beta=beta, sigma_eta=sigma_eta)
    de = ridge.ridge_risk_deterministic(N_fine, lam, lid.spectrum, lid.teacher, lid.noise_variance)
    return de, ridge.learning_curves(lid, Ns, lam, n_seeds, rng).loss[:, :, 0]
