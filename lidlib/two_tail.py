"""The two-tail law (Proposition C.2, Corollary C.3): exact success-probability law
and the bias tail of the pass@k failure, computed by quadrature."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from lidlib._validation import nonnegative, positive, positive_int, rng_from
from lidlib.model import LIDModel
from lidlib.passk import _composite, _log_window_prob, population_failure, single_trial_success
from lidlib.ridge import excess_risk, ridge_path
from lidlib.slopes import local_slope
from lidlib.tails import c_delta


def intrinsic_constant(beta: float, delta: float, sigma_eta: float) -> float:
    r"""``A = c_delta^-beta / Gamma(beta/2 + 1)`` of the intrinsic tail ``A s^beta`` (Eq. 52)."""
    beta = float(positive("beta", beta))
    return float(math.exp(-beta * math.log(c_delta(delta, sigma_eta)) - special.gammaln(beta / 2.0 + 1.0)))


def _bias_threshold(log_s: np.ndarray, h: np.ndarray, log_h: np.ndarray) -> np.ndarray:
    """``r* >= 0`` with ``log P(|Z - r*| <= h) = log_s`` (the window probability falls with ``r``).

    Vectorised bisection (80 halvings of a bracket that is doubled until it holds).
    Requires ``log_s < log P(|Z| <= h)``.
    """
    lo = np.zeros_like(h)
    hi = np.maximum(2.0 * h, 1.0)
    for _ in range(60):
        grow = _log_window_prob(hi, h, log_h) > log_s
        if not grow.any():
            break
        hi = np.where(grow, 2.0 * hi, hi)
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        above = _log_window_prob(mid, h, log_h) > log_s
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    return 0.5 * (lo + hi)


def success_cdf(
    s,
    beta: float,
    delta: float,
    sigma_eta: float,
    bias_var: float = 0.0,
    *,
    part: str = "total",
    order: int = 12,
    panels_per_unit: float = 2.0,
) -> np.ndarray:
    r"""Exact law of the single-trial success :math:`S_N = s(B, \tau)`: :math:`\Pr(S_N \le s)`.

    With :math:`\tau\sim\mathrm{Gamma}(\beta/2,1)` and :math:`B\sim\mathcal N(0, v)` independent
    (Prop. C.2) and the exact window probability :math:`s(B,\tau)`, which falls with
    :math:`|B|` and rises with :math:`\tau`:

    .. math::

        \Pr(S_N \le s) = \Pr(\tau \le \tau_s)
          + \int_{\tau_s}^\infty f(\tau)\; 2\,Q\!\bigl(b_s(\tau)/\sqrt v\bigr)\, d\tau,

    where :math:`s(0, \tau_s) = s` (so :math:`\tau_s = 2\sigma_\eta^2\,\mathrm{erfinv}(s)^2/\delta^2`)
    and :math:`s(b_s(\tau), \tau) = s`. The first term is the intrinsic tail, asymptotically
    :math:`A s^\beta` with ``A`` of :func:`intrinsic_constant`; the second is the bias
    tail. ``b_s`` is found by bisection, the integral by Gauss-Legendre panels in
    ``log tau``. ``part`` selects ``"total"``, ``"intrinsic"`` (the first term) or
    ``"bias"`` (the integral, kept at full relative precision even when it is far
    below the first term).
    """
    if part not in ("total", "intrinsic", "bias"):
        raise ValueError(f"part must be 'total', 'intrinsic' or 'bias', got {part!r}")
    s = np.asarray(s, dtype=float)
    if np.isnan(s).any() or ((s <= 0) | (s >= 1)).any():
        raise ValueError("s must lie strictly between 0 and 1")
    beta = float(positive("beta", beta))
    delta = float(positive("delta", delta))
    sigma = float(positive("sigma_eta", sigma_eta))
    v = float(nonnegative("bias_var", bias_var))
    a = beta / 2.0
    tau_s = 2.0 * (sigma / delta) ** 2 * special.erfinv(s) ** 2
    intrinsic = special.gammainc(a, tau_s)
    if part == "intrinsic":
        return intrinsic
    if v == 0.0:
        return intrinsic if part == "total" else np.zeros(s.shape)
    out = np.empty(s.shape)
    tau_hi = a + 250.0
    for idx in np.ndindex(s.shape):
        u_lo, u_hi = math.log(tau_s[idx]), math.log(tau_hi)
        if u_lo >= u_hi:
            out[idx] = 0.0
            continue
        n = max(4, int(math.ceil((u_hi - u_lo) * panels_per_unit)))
        u, wu = _composite(u_lo, u_hi, n, order)
        tau = np.exp(u)
        w = np.exp(np.log(wu) + a * u - tau - special.gammaln(a))
        h = delta * np.sqrt(tau) / sigma
        log_h = math.log(delta) + 0.5 * u - math.log(sigma)
        r_star = _bias_threshold(np.full_like(h, math.log(s[idx])), h, log_h)
        sd_r = np.sqrt(v * tau) / sigma
        out[idx] = float(np.sum(w * 2.0 * special.ndtr(-r_star / sd_r)))
    return out + intrinsic if part == "total" else out


def window_exponents(ks, window, bias_vars, beta: float, delta: float, sigma_eta: float, *, excess: bool = False) -> np.ndarray:
    r"""Local exponent of the exact failure in a fixed ``k``-window, for several bias variances.

    For each ``v`` in ``bias_vars``: :func:`lidlib.slopes.local_slope` of
    :func:`lidlib.passk.population_failure` evaluated on ``ks`` (``excess=True``: of the
    failure caused by the bias alone), i.e. :math:`eta_{\mathrm{eff}}` of Eq. 19/55
    computed without simulation noise.
    """
    v = nonnegative("bias_vars", bias_vars).ravel()
    return np.array(
        [local_slope(ks, population_failure(ks, beta, delta, sigma_eta, vi, excess=excess), window) for vi in v]
    )


def bias_exponent_saddle(ks, bias_var: float, delta: float, sigma_eta: float) -> np.ndarray:
    r"""Local exponent of the bias tail from a saddle point over ``tau`` (this book's derivation).

    With the small-window form (Eq. 51) an attempt on instance ``(B, tau)`` fails ``k``
    times when :math:`B^2 > (2\sigma_\eta^2/\tau)\ln(k c_\delta\sqrt\tau)`. Averaging the
    Gaussian tail of ``B`` over the Gamma law of ``tau`` gives an integrand
    :math:`\exp[-\tau - \sigma_\eta^2 \ell / (v\tau)]` with :math:`\ell=\ln(k c_\delta)`, whose maximum
    sits at :math:`\tau_* = \sigma_\eta\sqrt{\ell/v}`: the bias failures come from *precise*
    instances. Hence :math:`\ln \mathcal L_{bias}(k) \approx -2\sigma_\eta\sqrt{\ln(k c_\delta)/v}` and
    the local exponent

    .. math::

        \gamma_{\mathrm{loc}}(k) = -\frac{d\ln\mathcal L_{bias}}{d\ln k}
        \approx \frac{\sigma_\eta}{\sqrt{v\,\ln(k c_\delta)}},

    which scales as :math:`v^{-1/2}`, not :math:`v^{-1}`, and decreases slowly with ``k``.
    Valid where :math:`k c_\delta \gg 1` and :math:`\tau_* \gg 1`.
    """
    k = positive("ks", ks)
    v = float(positive("bias_var", bias_var))
    c = c_delta(delta, sigma_eta)
    ell = np.log(k * c)
    if (ell <= 0).any():
        raise ValueError("ks must exceed 1/c_delta for the saddle approximation")
    return float(sigma_eta) / np.sqrt(v * ell)


@dataclass(frozen=True)
class RidgePassk:
    """Output of :func:`ridge_passk_experiment` (arrays indexed ``[seed, N, k]``)."""

    Ns: np.ndarray  # (n_N,)
    ks: np.ndarray  # (n_k,)
    failure: np.ndarray  # (n_seeds, n_N, n_k): Monte Carlo over test instances, exact per instance
    failure_se: np.ndarray  # (n_seeds, n_N, n_k): standard error over test instances
    l_gen: np.ndarray  # (n_seeds, n_N): exact L_gen of each fit
    predicted: np.ndarray  # (n_seeds, n_N, n_k): population_failure with bias_var = l_gen
    predicted_se: np.ndarray  # (n_seeds, n_N, n_k): exact s.e. of the Monte Carlo mean, from L(2k) - L(k)^2

    def z_scores(self) -> np.ndarray:
        """``(failure - predicted) / predicted_se``: standard normal if simulation and theory agree."""
        return (self.failure - self.predicted) / self.predicted_se

    @property
    def mean_failure(self) -> np.ndarray:
        return self.failure.mean(axis=0)

    @property
    def mean_predicted(self) -> np.ndarray:
        return self.predicted.mean(axis=0)

    @property
    def band(self) -> np.ndarray:
        """Standard error of :attr:`mean_failure`: instance noise plus the spread over training sets."""
        n = self.failure.shape[0]
        inst = np.sqrt((self.failure_se**2).sum(axis=0)) / n
        seeds = self.failure.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.zeros_like(inst)
        return np.maximum(inst, seeds)


def ridge_passk_experiment(
    lid: LIDModel,
    Ns,
    ks,
    *,
    n_test: int,
    n_seeds: int,
    delta: float,
    lam: float = 0.0,
    rng,
) -> RidgePassk:
    r"""Ridge on LID data at several ``N``, then pass@k on fresh test instances (Fig. 1 centre).

    For each seed: one training set of size ``max(Ns)`` (nested sub-sets for the smaller
    ``N``, fitted by :func:`lidlib.ridge.ridge_path`); for each fit, its own ``n_test`` fresh
    instances ``(x, tau)`` with bias ``B = x^T (theta_hat - theta*)`` and exact
    single-trial success ``s(B, tau)`` (:func:`lidlib.passk.single_trial_success`); the
    failure curve is the average of ``(1 - s)^k`` over instances (Eq. 13), i.e. the
    target-draw protocol averaged exactly over the ``k`` draws and by Monte Carlo over
    the instances. The prediction uses no fitted parameter: for Gaussian features,
    ``B`` given the fit is exactly ``N(0, L_gen)``, so
    ``population_failure(ks, beta, delta, sigma_eta, bias_var=L_gen)`` is the same
    quantity computed by quadrature, and ``L(2k) - L(k)^2`` is the exact variance of one
    instance's ``(1-s)^k``, which gives the exact standard error of the simulation.
    """
    Ns = np.asarray(Ns, dtype=int)
    ks = positive("ks", ks)
    rng = rng_from(rng)
    n_test = positive_int("n_test", n_test)
    n_seeds = positive_int("n_seeds", n_seeds)
    delta = float(positive("delta", delta))
    shape = (n_seeds, Ns.size, ks.size)
    fail, fail_se, pred, pred_se = np.empty(shape), np.empty(shape), np.empty(shape), np.empty(shape)
    l_gen = np.empty((n_seeds, Ns.size))
    for i in range(n_seeds):
        train = lid.sample(int(Ns.max()), rng)
        thetas = ridge_path(train.X, train.y, Ns, lam)[:, 0, :]
        dtheta = thetas - lid.teacher
        l_gen[i] = excess_risk(thetas, lid.teacher, lid.spectrum)
        for j in range(Ns.size):
            # a fresh test set for every fit, so that the Monte Carlo errors of different
            # curves are independent (a shared one would move all curves of a seed together)
            test = lid.sample(n_test, rng)
            s = single_trial_success(test.X @ dtheta[j], test.tau, delta, lid.sigma_eta)
            per = np.exp(np.outer(np.log1p(-s), ks))  # (n_test, n_k)
            fail[i, j] = per.mean(axis=0)
            fail_se[i, j] = per.std(axis=0, ddof=1) / np.sqrt(n_test)
            both = population_failure(np.concatenate([ks, 2 * ks]), lid.beta, delta, lid.sigma_eta, bias_var=l_gen[i, j])
            pred[i, j] = both[: ks.size]
            # per-instance variance of (1-s)^k is E[(1-s)^2k] - L(k)^2, known exactly
            pred_se[i, j] = np.sqrt(np.maximum(both[ks.size :] - pred[i, j] ** 2, 0.0) / n_test)
    return RidgePassk(Ns, ks, fail, fail_se, l_gen, pred, pred_se)
