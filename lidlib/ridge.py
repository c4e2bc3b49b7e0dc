"""Ridge / OLS on LID data: exact generalisation loss and theory curves (Sec. 4.1, App. B).

The learner minimises ``(1/N) ||y - X theta||^2 + lam ||theta||^2`` (Eq. 5), whose
minimiser is ``theta_hat = (X^T X / N + lam I)^-1 X^T y / N`` (Eq. 6 = Eq. 31).  The
loss is measured against the *mean* target, ``L_gen = (theta_hat - theta*)^T Sigma
(theta_hat - theta*)`` (Eq. 8 = Eq. 32), computed exactly rather than on a test set.

Contents

* :func:`ridge_fit` -- one fit from scratch (the reference / test oracle);
* :func:`ridge_path` -- all fits along nested training sets ``X[:N]``, reusing the
  Gram matrix (rank-k updates of ``X^T X`` and ``X^T y``, then one solve per ``N``);
* :func:`paper_lambda_schedule` -- ``lam = lam_tilde / N`` for ``N < d``, ``0`` else;
* :func:`excess_risk` -- the exact loss of Eq. 8 for given ``theta_hat``;
* :func:`learning_curves` -- the simulation driver on :class:`~lidlib.model.LIDModel`
  data, splitting each fit into its noise-free and noise parts;
* :func:`ols_noise_curves` -- exact OLS losses under LID noise for several ``beta``,
  including ``beta <= 2`` where ``E[1/tau]`` is infinite;
* :func:`ols_risk_exact` -- ``sigma^2 d / (N - d - 1)`` (inverse-Wishart mean; Eq. 38
  is its large-N form);
* :func:`effective_regularization`, :func:`ridge_risk_deterministic` -- the
  self-consistent (deterministic-equivalent) ridge risk for a general spectrum, in
  the asymptotic-equivalent form for ridge of Bach (2024), which for ``lam -> 0``
  matches the general-covariance results of Hastie et al. (2022);
* :func:`power_law_ridgeless_risk` -- its closed-form ``N << d`` limit for a pure
  power-law spectrum: the ``N^-alpha`` law of Eq. 9 with its prefactor;
* :func:`power_law_fit` -- a log-log line through seed-averaged losses, with a
  bootstrap over seeds.

Science module: imports only NumPy/SciPy and ``lidlib.model`` / ``lidlib._validation``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import linalg
from scipy.linalg import blas

from lidlib._validation import as_float_array, nonnegative, positive, positive_int, rng_from
from lidlib.model import LIDModel, power_law_spectrum

__all__ = [
    "ridge_fit",
    "ridge_path",
    "paper_lambda_schedule",
    "excess_risk",
    "LearningCurves",
    "learning_curves",
    "ols_noise_curves",
    "ols_risk_exact",
    "effective_regularization",
    "RidgeRisk",
    "ridge_risk_deterministic",
    "power_law_ridgeless_risk",
    "power_law_fit",
]


# --------------------------------------------------------------------------- inputs
def _design(X, y) -> tuple[np.ndarray, np.ndarray]:
    X = as_float_array("X", X)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"X must be a non-empty 2-D array (N, d), got shape {X.shape}")
    y = as_float_array("y", y)
    if y.ndim not in (1, 2) or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have shape ({X.shape[0]},) or ({X.shape[0]}, m), got {y.shape}")
    return X, y


def _sample_sizes(Ns, n_max: int) -> np.ndarray:
    a = as_float_array("Ns", Ns)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"Ns must be a non-empty 1-D sequence of sample sizes, got shape {a.shape}")
    if (a != np.round(a)).any() or (a < 1).any():
        raise ValueError("Ns must hold positive integers")
    if (np.diff(a) <= 0).any():
        raise ValueError("Ns must be strictly increasing (nested training sets)")
    if a[-1] > n_max:
        raise ValueError(f"Ns must not exceed the number of rows of X ({n_max}), got {int(a[-1])}")
    return a.astype(int)


def _lambdas(lam, n_N: int) -> np.ndarray:
    """``lam`` as an ``(n_N, n_lam)`` array: scalar, 1-D (shared by all N) or 2-D."""
    lam = nonnegative("lam", lam)
    if lam.ndim == 0:
        lam = lam.reshape(1, 1)
    elif lam.ndim == 1:
        lam = lam[None, :]
    elif lam.ndim != 2:
        raise ValueError(f"lam must be a scalar, a 1-D or a 2-D array, got shape {lam.shape}")
    try:
        return np.broadcast_to(lam, (n_N, lam.shape[1])).copy()
    except ValueError as exc:
        raise ValueError(f"lam of shape {lam.shape} does not broadcast to ({n_N}, n_lam)") from exc


def _spectrum(sigma) -> np.ndarray:
    s = as_float_array("sigma", sigma)
    if s.ndim == 1:
        positive("sigma", s)
    elif s.ndim != 2 or s.shape[0] != s.shape[1]:
        raise ValueError(f"sigma must be a 1-D spectrum or a square covariance matrix, got shape {s.shape}")
    return s


# --------------------------------------------------------------------------- fits
def ridge_fit(X, y, lam: float = 0.0) -> np.ndarray:
    """Ridge estimator on one training set, computed from scratch (Eq. 6 / Eq. 31).

    Parameters
    ----------
    X : array of shape (N, d)
        Training features.
    y : array of shape (N,) or (N, m)
        Labels (``m`` label vectors are fitted at once).
    lam : float
        Ridge parameter ``lambda >= 0`` of Eq. 5.  ``lam = 0`` gives ordinary least
        squares for ``N >= d`` and the minimum-norm interpolator for ``N < d`` (the
        ``lambda -> 0+`` limit).

    Returns
    -------
    ndarray of shape (d,) or (d, m)
        ``theta_hat = (X^T X / N + lam I)^-1 X^T y / N``.

    Notes
    -----
    This is the brute-force reference for :func:`ridge_path` and uses different
    linear algebra on purpose: a dense LU solve of the normal equations for
    ``lam > 0`` and an SVD-based least-squares solve for ``lam = 0``.

    Examples
    --------
    >>> from lidlib.ridge import ridge_fit
    >>> X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> np.round(ridge_fit(X, X @ np.array([1.0, -1.0])), 6)  # noise-free labels: OLS recovers theta
    array([ 1., -1.])
    """
    X, y = _design(X, y)
    lam = float(nonnegative("lam", lam))
    N, d = X.shape
    if lam == 0.0:
        return np.linalg.lstsq(X, y, rcond=None)[0]
    return np.linalg.solve(X.T @ X / N + lam * np.eye(d), X.T @ y / N)


def paper_lambda_schedule(Ns, d: int, lam_tilde: float) -> np.ndarray:
    """The paper's ridge schedule: ``lam = lam_tilde / N`` for ``N < d``, ``0`` for ``N >= d``.

    Sec. 3.1 (after Eq. 6) and App. B.2.2 (before Eq. 39): ridgeless OLS when it is
    well posed, a vanishing ridge ``lam_tilde / N`` in the overparameterised regime.

    Returns
    -------
    ndarray of shape (len(Ns), 1)
        A one-column schedule, ready for :func:`ridge_path` and
        :func:`learning_curves`.

    Examples
    --------
    >>> from lidlib.ridge import paper_lambda_schedule
    >>> paper_lambda_schedule([2, 4, 8], d=4, lam_tilde=1.0).ravel()
    array([0.5, 0. , 0. ])
    """
    Ns = as_float_array("Ns", Ns)
    positive("Ns", Ns)
    d = positive_int("d", d)
    lam_tilde = float(nonnegative("lam_tilde", lam_tilde))
    return np.where(Ns < d, lam_tilde / Ns, 0.0).reshape(-1, 1)


def _spd_solve(A_lower: np.ndarray, shift: float, B: np.ndarray) -> np.ndarray:
    """Solve ``(A + shift I) x = B`` for symmetric ``A`` given by its lower triangle.

    Cholesky first; if the matrix is singular to working precision (ridgeless at
    ``N = d``), fall back to the minimum-norm least-squares solution.
    """
    A = A_lower + shift * np.eye(A_lower.shape[0])
    try:
        return linalg.cho_solve(linalg.cho_factor(A, lower=True, check_finite=False), B, check_finite=False)
    except linalg.LinAlgError:
        full = np.tril(A) + np.tril(A, -1).T
        return linalg.lstsq(full, B, check_finite=False)[0]


def ridge_path(
    X,
    y,
    Ns,
    lam=0.0,
    *,
    solver: Literal["auto", "primal"] = "auto",
) -> np.ndarray:
    """Ridge estimators on nested training sets ``X[:N], y[:N]`` for every ``N`` in ``Ns``.

    The training sets are nested, so nothing is refitted from scratch:

    * ``N >= d`` (and every ``N`` with ``solver="primal"``): the Gram matrix ``X^T X``
      and the moment ``X^T y`` are updated with the rows ``X[N_prev:N]`` (a rank-k
      update), and ``(X^T X + N lam I) theta = X^T y`` is solved by Cholesky,
      one ``d x d`` factorisation per ``(N, lam)``;
    * ``N < d`` with ``solver="auto"``: the equivalent dual form
      ``theta = X^T (X X^T + N lam I)^-1 y`` on the leading ``N x N`` block of one
      kernel matrix ``X X^T``.  It is the same estimator (push-through identity),
      cheaper for ``N < d`` and well conditioned even for ``lam -> 0``, where it
      returns the minimum-norm interpolator.

    Parameters
    ----------
    X : array of shape (n, d)
        Features; row order defines the nesting.
    y : array of shape (n,) or (n, m)
        Labels; several label vectors share the factorisations.
    Ns : increasing sequence of int
        Training-set sizes, ``1 <= N <= n``.
    lam : float or array
        Ridge parameter of Eq. 5.  A scalar, a 1-D array of ``n_lam`` values used at
        every ``N``, or an ``(len(Ns), n_lam)`` array (a schedule per ``N``, e.g.
        :func:`paper_lambda_schedule`).
    solver : {"auto", "primal"}
        ``"primal"`` uses the Gram matrix for every ``N`` (needs ``lam > 0`` when
        ``N < d``).

    Returns
    -------
    ndarray of shape (len(Ns), n_lam, d) or (len(Ns), n_lam, m, d)
        ``theta_hat`` for every ``N`` and ``lam`` (parameters on the last axis).

    Examples
    --------
    >>> from lidlib.ridge import ridge_fit, ridge_path
    >>> g = np.random.default_rng(0)
    >>> X, y = g.standard_normal((20, 5)), g.standard_normal(20)
    >>> th = ridge_path(X, y, [3, 10, 20], lam=[0.1, 1.0])
    >>> th.shape
    (3, 2, 5)
    >>> bool(np.allclose(th[1, 0], ridge_fit(X[:10], y[:10], 0.1)))
    True
    """
    X, y = _design(X, y)
    n, d = X.shape
    Ns = _sample_sizes(Ns, n)
    lams = _lambdas(lam, Ns.size)
    if solver not in ("auto", "primal"):
        raise ValueError(f"solver must be 'auto' or 'primal', got {solver!r}")
    Y = y[:, None] if y.ndim == 1 else y
    m = Y.shape[1]
    out = np.empty((Ns.size, lams.shape[1], m, d))

    dual = (Ns < d) if solver == "auto" else np.zeros(Ns.size, bool)
    if solver == "primal" and ((Ns < d)[:, None] & (lams == 0)).any():
        raise ValueError("lam must be positive for N < d with solver='primal' (X^T X is singular)")

    # All BLAS/LAPACK work in the loops goes through SciPy's library: alternating with
    # NumPy's (separate) OpenBLAS thread pool makes the two pools spin against each
    # other.  Row blocks of a C-ordered X are passed transposed (Fortran order, no copy).
    X = np.ascontiguousarray(X)
    if dual.any():
        n_dual = int(Ns[dual].max())
        K = blas.dsyrk(1.0, X[:n_dual].T, trans=1, lower=1)  # lower triangle of X X^T
        for i in np.flatnonzero(dual):
            N = int(Ns[i])
            for j, lm in enumerate(lams[i]):
                coef = _spd_solve(K[:N, :N], N * lm, Y[:N])
                out[i, j] = blas.dgemm(1.0, X[:N].T, coef).T  # X^T coef
    if (~dual).any():
        G = np.zeros((d, d), order="F")
        b = np.zeros((d, m), order="F")
        done = 0
        for i in np.flatnonzero(~dual):
            N = int(Ns[i])
            if N > done:  # rank-(N - done) update of the lower triangle of X^T X and of X^T y
                G = blas.dsyrk(1.0, X[done:N].T, c=G, beta=1.0, trans=0, lower=1, overwrite_c=1)
                b = blas.dgemm(1.0, X[done:N].T, Y[done:N], c=b, beta=1.0, overwrite_c=1)
                done = N
            for j, lm in enumerate(lams[i]):
                out[i, j] = _spd_solve(G, N * lm, b).T
    return out[:, :, 0, :] if y.ndim == 1 else out


def excess_risk(theta_hat, theta_star, sigma) -> np.ndarray:
    """Exact generalisation loss against the mean target (Eq. 8, Eq. 32).

    ``L_gen = (theta_hat - theta*)^T Sigma (theta_hat - theta*)``, which equals
    ``E_x[(x^T theta_hat - x^T theta*)^2]`` for any ``x`` with covariance ``Sigma``.

    Parameters
    ----------
    theta_hat : array of shape (..., d)
        Estimators (parameters on the last axis).
    theta_star : array of shape (d,)
        Teacher.
    sigma : array of shape (d,) or (d, d)
        The spectrum of a diagonal ``Sigma``, or the full covariance.

    Returns
    -------
    ndarray of shape (...)

    Examples
    --------
    >>> from lidlib.ridge import excess_risk
    >>> float(excess_risk([1.0, 1.0], [0.0, 0.0], [1.0, 0.25]))  # sum_j s_j (theta_hat_j - theta*_j)^2
    1.25
    """
    th = as_float_array("theta_hat", theta_hat)
    ts = as_float_array("theta_star", theta_star)
    s = _spectrum(sigma)
    d = s.shape[0]
    if ts.shape != (d,) or th.shape[-1:] != (d,):
        raise ValueError(f"theta_hat (..., {d}) and theta_star ({d},) must match sigma, got {th.shape} and {ts.shape}")
    delta = th - ts
    if s.ndim == 1:
        return np.einsum("...i,i,...i->...", delta, s, delta)
    return np.einsum("...i,ij,...j->...", delta, s, delta)


# --------------------------------------------------------------------------- simulation
@dataclass(frozen=True)
class LearningCurves:
    """Exact losses of nested ridge fits on LID data, per seed.

    Attributes
    ----------
    Ns : ndarray (n_N,)
        Training-set sizes.
    lam : ndarray (n_N, n_lam)
        Ridge parameter used at each ``N``.
    loss : ndarray (n_seeds, n_N, n_lam)
        ``L_gen`` with the LID labels of Eq. 3 (heteroscedastic noise).
    loss_homo : ndarray (n_seeds, n_N, n_lam)
        ``L_gen`` on the same features and teacher with homoscedastic Gaussian noise of
        the same average variance ``sigma_eta^2 E[1/tau]`` (``nan`` if ``beta <= 2``).
    bias : ndarray (n_seeds, n_N, n_lam)
        Loss of the noise-free fit (labels ``X theta*``): the bias part.
    variance : ndarray (n_seeds, n_N, n_lam)
        ``Sigma``-norm of the fit to the LID noise alone: the variance part
        (``loss = bias + variance + cross term``, the cross term averaging to zero).
    variance_homo : ndarray (n_seeds, n_N, n_lam)
        The same for the homoscedastic comparison noise.
    noise_var : float
        ``sigma_eta^2 E[1/tau]`` (``inf`` for ``beta <= 2``).

    Examples
    --------
    See :func:`learning_curves`, which returns one.
    """

    Ns: np.ndarray
    lam: np.ndarray
    loss: np.ndarray
    loss_homo: np.ndarray
    bias: np.ndarray
    variance: np.ndarray
    variance_homo: np.ndarray
    noise_var: float


def learning_curves(
    lid: LIDModel,
    Ns,
    lam,
    n_seeds: int,
    rng,
    *,
    solver: Literal["auto", "primal"] = "auto",
) -> LearningCurves:
    """Simulate ``L_gen(N)`` for ridge on LID data (Eq. 5-8), ``n_seeds`` nested sweeps.

    For each seed one dataset of ``max(Ns)`` LID draws ``(x, tau, y)`` is sampled with
    :meth:`LIDModel.sample` (Eq. 1-3), followed by ``max(Ns)`` standard normals for the
    homoscedastic comparison labels; :func:`ridge_path` then fits the nested
    prefixes.  Because the estimator is linear in the labels, the three label vectors
    ``X theta*``, the LID noise and the homoscedastic noise are fitted as separate
    right-hand sides sharing one factorisation, which yields the total losses for
    both noise models and the bias / variance parts at once.

    Parameters
    ----------
    lid : LIDModel
        Data model (its ``teacher`` is ``theta*``).
    Ns : increasing sequence of int
        Training-set sizes.
    lam : float or array
        As in :func:`ridge_path`.
    n_seeds : int
        Number of independent datasets.
    rng : numpy.random.Generator or int
        Source of randomness.
    solver : {"auto", "primal"}
        Passed to :func:`ridge_path`.

    Returns
    -------
    LearningCurves
        Losses per seed, ``N`` and ``lam``, with the bias and variance parts and the
        homoscedastic comparison.

    Examples
    --------
    >>> from lidlib.model import LIDModel
    >>> from lidlib.ridge import learning_curves
    >>> lid = LIDModel(d=8, alpha=1.0, beta=6.0, sigma_eta=0.1)
    >>> lc = learning_curves(lid, [16, 64], lam=0.0, n_seeds=2, rng=0)
    >>> lc.loss.shape
    (2, 2, 1)
    >>> bool((lc.loss[:, 1] < lc.loss[:, 0]).all())  # more data, smaller loss
    True
    """
    if not isinstance(lid, LIDModel):
        raise ValueError(f"lid must be a lidlib.model.LIDModel, got {type(lid).__name__}")
    n_seeds = positive_int("n_seeds", n_seeds)
    rng = rng_from(rng)
    Ns = _sample_sizes(Ns, np.iinfo(np.int64).max)
    lams = _lambdas(lam, Ns.size)
    n_max = int(Ns[-1])
    noise_var = lid.noise_variance
    homo_sd = np.sqrt(noise_var) if np.isfinite(noise_var) else np.nan
    s, ts = lid.spectrum, lid.teacher
    shape = (n_seeds, Ns.size, lams.shape[1])
    loss, loss_homo, bias, var, var_homo = (np.empty(shape) for _ in range(5))
    for k in range(n_seeds):
        smp = lid.sample(n_max, rng)
        eta_homo = homo_sd * rng.standard_normal(n_max)
        Y = np.column_stack([smp.mean, smp.y - smp.mean, eta_homo if np.isfinite(homo_sd) else np.zeros(n_max)])
        th = ridge_path(smp.X, Y, Ns, lams, solver=solver)  # (n_N, n_lam, 3, d)
        th_sig, th_lid, th_hom = th[:, :, 0], th[:, :, 1], th[:, :, 2]
        zero = np.zeros_like(ts)
        loss[k] = excess_risk(th_sig + th_lid, ts, s)
        loss_homo[k] = excess_risk(th_sig + th_hom, ts, s) if np.isfinite(homo_sd) else np.nan
        bias[k] = excess_risk(th_sig, ts, s)
        var[k] = excess_risk(th_lid, zero, s)
        var_homo[k] = excess_risk(th_hom, zero, s) if np.isfinite(homo_sd) else np.nan
    return LearningCurves(Ns, lams, loss, loss_homo, bias, var, var_homo, noise_var)


def ols_noise_curves(
    d: int,
    alpha: float,
    betas,
    sigma_eta: float,
    Ns,
    n_seeds: int,
    rng,
) -> np.ndarray:
    """Exact OLS losses under LID noise for several ``beta``, including ``beta <= 2``.

    For ``N > d`` and ``lam = 0`` the estimator is unbiased and
    ``L_gen = eta^T X (X^T X)^-1 Sigma (X^T X)^-1 X^T eta`` depends on the teacher not
    at all, so only the noise has to be simulated.  Each seed draws one feature matrix
    ``X`` (spectrum ``j^-(1+alpha)``) and one vector of standard normals ``xi`` shared
    by all ``beta``; for every ``beta`` its own precisions ``tau ~ Gamma(beta/2, 1)``
    give the noise ``sigma_eta xi / sqrt(tau)`` (Eq. 1, 3).  Sharing ``X`` and ``xi``
    (common random numbers) makes the ``beta`` columns easier to compare; each column
    on its own has the exact LID law.

    Parameters
    ----------
    d : int
        Dimension.
    alpha : float
        Spectral exponent (irrelevant for the mean of ``L_gen``, kept for realism).
    betas : sequence of float
        Tail indices; ``beta <= 2`` is allowed (``E[1/tau]`` infinite).
    sigma_eta : float
        Noise scale of Eq. 2.
    Ns : increasing sequence of int
        Training-set sizes, all ``> d``.
    n_seeds : int
        Independent datasets.
    rng : Generator or int
        Source of randomness.

    Returns
    -------
    ndarray of shape (n_seeds, len(Ns), len(betas))

    Examples
    --------
    >>> from lidlib.ridge import ols_noise_curves
    >>> L = ols_noise_curves(4, 1.0, [1.5, 6.0], 1.0, [16, 64], n_seeds=3, rng=0)
    >>> L.shape
    (3, 2, 2)
    """
    d = positive_int("d", d)
    s = power_law_spectrum(d, alpha)
    betas = positive("betas", betas)
    if betas.ndim != 1:
        raise ValueError(f"betas must be a 1-D sequence, got shape {betas.shape}")
    sigma_eta = float(positive("sigma_eta", sigma_eta))
    Ns = _sample_sizes(Ns, np.iinfo(np.int64).max)
    if Ns[0] <= d:
        raise ValueError(f"Ns must all exceed d = {d} (OLS is unbiased only there), got {Ns[0]}")
    n_seeds = positive_int("n_seeds", n_seeds)
    rng = rng_from(rng)
    n_max = int(Ns[-1])
    out = np.empty((n_seeds, Ns.size, betas.size))
    for k in range(n_seeds):
        X = rng.standard_normal((n_max, d)) * np.sqrt(s)
        xi = rng.standard_normal(n_max)
        tau = rng.standard_gamma(betas / 2.0, size=(n_max, betas.size))
        tau = np.maximum(tau, np.finfo(float).tiny)  # guard against underflow to 0
        eta = sigma_eta * xi[:, None] / np.sqrt(tau)
        th = ridge_path(X, eta, Ns, 0.0, solver="primal")[:, 0]  # (n_N, n_beta, d)
        out[k] = excess_risk(th, np.zeros(d), s)
    return out


# --------------------------------------------------------------------------- theory
def ols_risk_exact(N, d: int, noise_var: float) -> np.ndarray:
    """Exact mean OLS loss for Gaussian features: ``noise_var * d / (N - d - 1)``.

    For ``x ~ N(0, Sigma)`` and noise of mean variance ``noise_var`` independent of
    ``x``, ``E[L_gen] = noise_var * E tr(Sigma (X^T X)^-1) = noise_var * E tr(W^-1)``
    with ``W`` a standard Wishart matrix of ``N`` degrees of freedom, whose inverse has
    mean ``I / (N - d - 1)``.  Eq. 38 is the large-``N`` form ``noise_var d / N``.
    The value is ``inf`` for ``N <= d + 1``; it does not depend on the spectrum.

    Parameters
    ----------
    N : int or array
        Sample sizes.
    d : int
        Dimension.
    noise_var : float
        ``sigma_noise^2 = sigma_eta^2 E[1/tau]`` (Eq. 4).

    Returns
    -------
    ndarray
        ``noise_var * d / (N - d - 1)`` (``inf`` where ``N <= d + 1``).

    Examples
    --------
    >>> from lidlib.ridge import ols_risk_exact
    >>> np.round(ols_risk_exact([5, 11, 101], 4, 1.0), 4)
    array([   inf, 0.6667, 0.0417])
    """
    N = positive("N", N)
    d = positive_int("d", d)
    noise_var = float(nonnegative("noise_var", noise_var))
    with np.errstate(divide="ignore"):
        return np.where(N > d + 1, noise_var * d / np.maximum(N - d - 1, 1e-300), np.inf)


def _df(s: np.ndarray, kappa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r = s / (s + kappa[..., None])
    return r.sum(-1), (r * r).sum(-1)


def effective_regularization(N, lam, sigma, *, iterations: int = 200) -> np.ndarray:
    """Effective regularisation ``kappa(N, lam)`` of ridge with spectrum ``sigma``.

    ``kappa`` is the root of the self-consistent equation

    ``kappa - lam = (kappa / N) * sum_j s_j / (s_j + kappa)``,

    i.e. ``lam = kappa (1 - df1(kappa) / N)`` with ``df1 = sum_j s_j / (s_j + kappa)``
    (Bach 2024, asymptotic equivalents for ridge; Hastie et al. 2022 for ``lam -> 0``;
    the paper's Eq. 40 sketches the same equation at ``lam = lam_tilde / N``).  For
    ``lam = 0`` it is the root of
    ``df1(kappa) = N`` when ``N < d`` and ``0`` when ``N >= d``.

    Parameters
    ----------
    N, lam : array_like
        Sample sizes (> 0) and ridge parameters (>= 0), broadcast together.
    sigma : array of shape (d,)
        Population eigenvalues ``s_j``.
    iterations : int
        Maximum bisection steps in ``log kappa``; the loop stops once the bracket is
        narrower than ``1e-13`` (fewer than 70 steps in practice).

    Returns
    -------
    ndarray
        ``kappa`` with the broadcast shape of ``N`` and ``lam``.

    Examples
    --------
    >>> from lidlib.model import power_law_spectrum
    >>> from lidlib.ridge import effective_regularization
    >>> s = power_law_spectrum(100, 1.0)
    >>> k = effective_regularization([10, 200], 0.0, s)  # ridgeless: df1(kappa) = N below d, 0 above
    >>> float(k[1]), round(float(np.sum(s / (s + k[0]))), 6)
    (0.0, 10.0)
    """
    N = positive("N", N)
    lam = nonnegative("lam", lam)
    s = positive("sigma", sigma)
    if s.ndim != 1:
        raise ValueError(f"sigma must be a 1-D spectrum, got shape {s.shape}")
    iterations = positive_int("iterations", iterations)
    N, lam = np.broadcast_arrays(N, lam)
    d, tr, s_min = s.size, s.sum(), s.min()
    ridgeless_full = (lam == 0) & (N >= d)
    # bracket: g(lo) < 0 <= g(hi) for g(k) = k - lam - k df1(k) / N (unique sign change)
    lo = np.where(lam > 0, lam, 0.5 * s_min * np.maximum(d - N, 1e-300) / N)
    hi = lam + tr / N
    lo, hi = np.log(lo), np.log(hi)
    for _ in range(iterations):
        if np.all(hi - lo < 1e-13):  # log-kappa bracket at machine precision
            break
        mid = 0.5 * (lo + hi)
        k = np.exp(mid)
        g = k - lam - k * _df(s, k)[0] / N
        neg = g < 0
        lo, hi = np.where(neg, mid, lo), np.where(neg, hi, mid)
    kappa = np.exp(0.5 * (lo + hi))
    return np.where(ridgeless_full, 0.0, kappa)


@dataclass(frozen=True)
class RidgeRisk:
    """Deterministic-equivalent ridge risk and its ingredients (arrays of one shape).

    Attributes
    ----------
    bias, variance : ndarray
        The two parts of the risk (:func:`ridge_risk_deterministic`).
    kappa : ndarray
        Effective regularisation (:func:`effective_regularization`).
    df1, df2 : ndarray
        ``sum_j s_j/(s_j + kappa)`` and ``sum_j s_j^2/(s_j + kappa)^2``.

    Examples
    --------
    See :func:`ridge_risk_deterministic`, which returns one.
    """

    bias: np.ndarray
    variance: np.ndarray
    kappa: np.ndarray
    df1: np.ndarray
    df2: np.ndarray

    @property
    def total(self) -> np.ndarray:
        """``bias + variance``."""
        return self.bias + self.variance


def ridge_risk_deterministic(N, lam, sigma, theta_star, noise_var: float) -> RidgeRisk:
    """Self-consistent (deterministic-equivalent) ridge risk for a general spectrum.

    With ``kappa`` from :func:`effective_regularization`,
    ``df1 = sum_j s_j/(s_j + kappa)`` and ``df2 = sum_j s_j^2/(s_j + kappa)^2``:

    * bias     ``= kappa^2 sum_j theta*_j^2 s_j / (s_j + kappa)^2 / (1 - df2/N)``,
    * variance ``= noise_var * df2 / (N - df2)``,

    the form of Bach (2024) (for ``lam -> 0`` equivalently the general-covariance
    results of Hastie et al. 2022), in the eigenbasis of a diagonal ``Sigma``.  It
    covers ``N < d``, the
    interpolation peak and ``N > d`` in one formula; for ``lam = 0, N > d`` it gives
    ``noise_var * d / (N - d)`` (Eq. 38), for ``lam = 0, N = d`` it is infinite.  The
    paper's Eq. 39-40 sketch the ``N < d`` part.

    Parameters
    ----------
    N, lam : array_like
        Sample sizes and ridge parameters of Eq. 5, broadcast together.
    sigma : array of shape (d,)
        Eigenvalues of ``Sigma`` (``Sigma`` diagonal in this basis).
    theta_star : array of shape (d,)
        Teacher in the same basis.
    noise_var : float
        Average label-noise variance ``sigma_eta^2 E[1/tau]`` (Eq. 4); may be ``inf``.

    Returns
    -------
    RidgeRisk
        Bias, variance, ``kappa``, ``df1``, ``df2`` with the broadcast shape of ``N`` and
        ``lam``; ``.total`` is their sum.

    Examples
    --------
    >>> from lidlib.ridge import ridge_risk_deterministic
    >>> s = np.ones(4)
    >>> r = ridge_risk_deterministic(14, 0.0, s, np.zeros(4), noise_var=1.0)
    >>> round(float(r.variance), 4)  # lam = 0, N > d: noise_var d / (N - d) (Eq. 38)
    0.4
    """
    s = positive("sigma", sigma)
    ts = as_float_array("theta_star", theta_star)
    if s.ndim != 1 or ts.shape != s.shape:
        raise ValueError(f"sigma and theta_star must be 1-D of the same length, got {s.shape} and {ts.shape}")
    try:
        noise_var = float(noise_var)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"noise_var must be a non-negative number, got {noise_var!r}") from exc
    if np.isnan(noise_var) or noise_var < 0:
        raise ValueError(f"noise_var must be non-negative (inf allowed), got {noise_var}")
    N = positive("N", N)
    lam = nonnegative("lam", lam)
    N, lam = np.broadcast_arrays(N, lam)
    kappa = effective_regularization(N, lam, s)
    df1, df2 = _df(s, kappa)
    slack = 1.0 - df2 / N  # > 0 except at the ridgeless interpolation threshold N = d
    at_peak = slack <= 1e-12
    safe = np.where(at_peak, 1.0, slack)
    w = (kappa[..., None] / (s + kappa[..., None])) ** 2
    b = (w * ts**2 * s).sum(-1) / safe
    b = np.where(at_peak & (b > 0), np.inf, b)
    if noise_var == 0:
        v = np.zeros_like(b)
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            v = np.where(at_peak, np.inf, noise_var * df2 / (N * safe))
    return RidgeRisk(bias=b, variance=v, kappa=kappa, df1=df1, df2=df2)


def power_law_ridgeless_risk(N, alpha: float, teacher_sq: float, noise_var: float) -> tuple[np.ndarray, np.ndarray]:
    """``N << d`` limit of the ridgeless risk for ``s_j = j^-(1+alpha)`` (Eq. 9 with its prefactor).

    Replacing the sums of :func:`ridge_risk_deterministic` by integrals over
    ``j in (0, inf)`` (valid for ``1 << N << d``) with an isotropic teacher of
    per-coordinate power ``theta*_j^2 = teacher_sq`` gives, with ``p = 1 + alpha`` and
    ``I = (pi/p) / sin(pi/p)``,

    * ``kappa = (N / I)^-p``, ``df2 / N = 1 - 1/p``;
    * bias ``= teacher_sq * I^(1+alpha) * N^-alpha`` -- the ``N^-alpha`` law of Eq. 9;
    * variance ``= noise_var * alpha`` -- a noise floor that does *not* decay with ``N``
      (the interpolator absorbs a fixed share of the noise: "tempered" overfitting).

    Returns
    -------
    bias, variance : ndarray

    Parameters
    ----------
    N : array_like
        Sample sizes (``> 0``; the law holds for ``1 << N << d``).
    alpha : float
        Spectral exponent (``> 0``).
    teacher_sq : float
        Per-coordinate teacher power ``theta*_j^2`` (``>= 0``).
    noise_var : float
        Average label-noise variance (``>= 0``).

    Examples
    --------
    >>> from lidlib.ridge import power_law_ridgeless_risk
    >>> b, v = power_law_ridgeless_risk([10.0, 100.0], 1.0, 1.0, 0.5)
    >>> round(float(b[0] / b[1]), 6), v  # bias ~ N^-alpha; the variance floor noise_var * alpha
    (10.0, array([0.5, 0.5]))
    """
    N = positive("N", N)
    alpha = float(positive("alpha", alpha))
    teacher_sq = float(nonnegative("teacher_sq", teacher_sq))
    noise_var = float(nonnegative("noise_var", noise_var))
    p = 1.0 + alpha
    I0 = (np.pi / p) / np.sin(np.pi / p)
    return teacher_sq * I0**p * N**-alpha, np.full_like(N, noise_var * alpha)


def power_law_fit(
    Ns,
    losses,
    *,
    rng,
    n_boot: int = 400,
    fixed_slope: float | None = None,
    statistic: Literal["mean", "median"] = "mean",
) -> dict[str, float]:
    """Least-squares line through ``log(statistic over seeds of L)`` against ``log N``.

    Parameters
    ----------
    Ns : array of shape (n_N,)
        Sample sizes (the fit window).
    losses : array of shape (n_seeds, n_N)
        Losses per seed.
    rng : Generator or int
        Randomness of the bootstrap (required: a chapter passes a stream derived from
        its seed).
    n_boot : int
        Bootstrap resamples of the seeds for the standard errors.
    fixed_slope : float, optional
        Fit only the intercept with this slope.
    statistic : {"mean", "median"}
        Seed average to fit (the median is finite even when ``E[L]`` is not).

    Returns
    -------
    dict
        ``slope``, ``intercept`` (of ``log L`` at ``log N = 0``, natural logs) and their
        bootstrap standard errors ``slope_se``, ``intercept_se``.

    Examples
    --------
    >>> from lidlib.ridge import power_law_fit
    >>> Ns = np.array([10.0, 100.0, 1000.0])
    >>> fit = power_law_fit(Ns, 3.0 * Ns**-0.5 * np.ones((4, 1)), rng=0)  # four identical seeds
    >>> round(fit["slope"], 6), round(float(np.exp(fit["intercept"])), 6)
    (-0.5, 3.0)
    """
    x = np.log(positive("Ns", Ns))
    L = positive("losses", losses)
    if L.ndim != 2 or L.shape[1] != x.size:
        raise ValueError(f"losses must have shape (n_seeds, {x.size}), got {L.shape}")
    n_boot = positive_int("n_boot", n_boot)
    rng = rng_from(rng)
    if statistic not in ("mean", "median"):
        raise ValueError(f"statistic must be 'mean' or 'median', got {statistic!r}")
    avg = np.mean if statistic == "mean" else np.median

    def fit(mean_L: np.ndarray) -> tuple[float, float]:
        yv = np.log(mean_L)
        if fixed_slope is not None:
            return float(fixed_slope), float(np.mean(yv - fixed_slope * x))
        sl, ic = np.polyfit(x, yv, 1)
        return float(sl), float(ic)

    slope, icept = fit(avg(L, axis=0))
    idx = rng.integers(0, L.shape[0], size=(n_boot, L.shape[0]))
    boots = np.array([fit(avg(L[i], axis=0)) for i in idx])
    return {
        "slope": slope,
        "intercept": icept,
        "slope_se": float(boots[:, 0].std(ddof=1)) if fixed_slope is None else 0.0,
        "intercept_se": float(boots[:, 1].std(ddof=1)),
    }


# ---------------------------------------------------------------------------
# Seed ensembles of learning curves (helpers of the training-law chapter)
# ---------------------------------------------------------------------------


def stack_ensembles(full: np.ndarray, partial: np.ndarray, mask) -> np.ndarray:
    """Stack a full-grid seed ensemble and one restricted to ``mask`` of the ``N`` grid.

    ``full`` has shape ``(n_seeds, n_N)``; ``partial`` has shape ``(n_extra, mask.sum())``
    (e.g. extra sweeps below ``d`` only).  Returns ``(n_seeds + n_extra, n_N)`` with NaN
    where the extra sweeps have no value.

    Parameters
    ----------
    full : ndarray of shape (n_seeds, n_N)
        Seed ensemble over the whole ``N`` grid.
    partial : ndarray of shape (n_extra, mask.sum())
        Extra seeds on part of the grid.
    mask : array_like of bool, shape (n_N,)
        Where on the grid ``partial`` has values.

    Returns
    -------
    ndarray of shape (n_seeds + n_extra, n_N)

    Raises
    ------
    ValueError
        If the shapes do not match.

    Examples
    --------
    >>> from lidlib.ridge import stack_ensembles
    >>> stack_ensembles(np.ones((1, 3)), np.zeros((1, 2)), [True, True, False])
    array([[ 1.,  1.,  1.],
           [ 0.,  0., nan]])
    """
    full = np.asarray(full, dtype=float)
    partial = np.asarray(partial, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    if full.ndim != 2 or partial.ndim != 2 or mask.shape != (full.shape[1],) or partial.shape[1] != mask.sum():
        raise ValueError("shapes must be full (s, n), partial (t, mask.sum()), mask (n,)")
    pad = np.full((partial.shape[0], full.shape[1]), np.nan)
    pad[:, mask] = partial
    return np.vstack([full, pad])


def seed_mean_se(x) -> tuple[np.ndarray, np.ndarray]:
    """Mean over seeds (axis 0, NaN ignored) and its standard error ``std / sqrt(n)`` per column.

    Parameters
    ----------
    x : array_like of shape (n_seeds, n_N)
        Values per seed (NaN where a seed has none).

    Returns
    -------
    mean, se : ndarray of shape (n_N,)

    Examples
    --------
    >>> from lidlib.ridge import seed_mean_se
    >>> m, se = seed_mean_se([[1.0, 2.0], [3.0, 6.0], [np.nan, 4.0]])  # NaN: no value for that seed
    >>> m, se
    (array([2., 4.]), array([1.        , 1.15470054]))
    """
    x = np.asarray(x, dtype=float)
    n = np.sum(np.isfinite(x), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nanmean(x, 0), np.nanstd(x, 0, ddof=1) / np.sqrt(n)


def paired_ratio(het, hom, ref, *, rng, n_boot: int = 400) -> tuple[float, float, float]:
    """Ratio of two seed ensembles on the same features, normalised point by point.

    ``het`` and ``hom`` have shape ``(n_seeds, n_N)`` (seed ``i`` of both uses the same
    features); each row is divided by ``ref`` (shape ``(n_N,)``) and averaged over ``N``.
    Returns the ratio of the seed means, its bootstrap standard error (seeds resampled,
    the two ensembles together) and the ratio of the seed-to-seed standard deviations.

    Parameters
    ----------
    het, hom : array_like of shape (n_seeds, n_N)
        The two ensembles (seed ``i`` of both on the same features).
    ref : array_like of shape (n_N,)
        Normaliser per ``N`` (e.g. the theory curve).
    rng : numpy.random.Generator or int
        Randomness of the bootstrap (required: a chapter passes a stream derived from
        its seed).
    n_boot : int
        Bootstrap resamples of the seeds.

    Returns
    -------
    ratio, ratio_se, sd_ratio : float

    Examples
    --------
    >>> from lidlib.ridge import paired_ratio
    >>> hom = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    >>> ratio, se, sd = paired_ratio(2 * hom, hom, np.ones(2), rng=0)
    >>> ratio, round(se, 6), sd
    (2.0, 0.0, 2.0)
    """
    a = (np.asarray(het, dtype=float) / ref).mean(1)
    b = (np.asarray(hom, dtype=float) / ref).mean(1)
    g = rng_from(rng)
    idx = g.integers(0, a.size, size=(n_boot, a.size))
    boots = a[idx].mean(1) / b[idx].mean(1)
    return float(a.mean() / b.mean()), float(boots.std(ddof=1)), float(a.std(ddof=1) / b.std(ddof=1))


def ols_reciprocal_extrapolation(N, mean_loss, d: int, noise_var: float) -> tuple[float, float]:
    r"""Constant of Eq. 10 by extrapolation in ``d/N``.

    The exact mean OLS loss makes :math:`\sigma^2 d/(N\mathcal L) = (1 - (d+1)/N)/A` with
    ``A = 1`` a straight line in ``d/N``; a least-squares line ``c0 + c1 d/N`` gives
    ``A = 1/c0`` and ``B = -c1/c0`` (exact: ``(d+1)/d``).

    Parameters
    ----------
    N : array_like
        Sample sizes (``> d + 1``).
    mean_loss : array_like
        Mean OLS loss at each ``N``.
    d : int
        Dimension.
    noise_var : float
        Average label-noise variance.

    Returns
    -------
    A, B : float
        The constant of Eq. 10 and the slope term (exact: ``1`` and ``(d+1)/d``).

    Examples
    --------
    >>> from lidlib.ridge import ols_reciprocal_extrapolation, ols_risk_exact
    >>> N = np.array([20.0, 40.0, 80.0])
    >>> A, B = ols_reciprocal_extrapolation(N, ols_risk_exact(N, 4, 1.0), 4, 1.0)
    >>> round(A, 6), round(B, 6)
    (1.0, 1.25)
    """
    N = np.asarray(N, dtype=float)
    recip = noise_var * d / (N * np.asarray(mean_loss, dtype=float))
    c1, c0 = np.polyfit(d / N, recip, 1)
    return float(1 / c0), float(-c1 / c0)
