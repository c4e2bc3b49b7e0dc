"""The two-tail law (Proposition C.2, Corollary C.3): exact success-probability law
and the bias tail of the pass@k failure, computed by quadrature."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from lidlib._quadrature import composite, law_nodes, law_upper_end, log1m_exp, log_panels, log_window_prob, tau_cutoff
from lidlib._validation import check_array, nonnegative, positive, positive_int, rng_from
from lidlib.model import LIDModel
from lidlib.passk import population_failure, single_trial_success
from lidlib.ridge import excess_risk, ridge_path
from lidlib.slopes import local_slope
from lidlib.tails import c_delta


def intrinsic_constant(beta: float, delta: float, sigma_eta: float) -> float:
    r"""``A = c_delta^-beta / Gamma(beta/2 + 1)`` of the intrinsic tail ``A s^beta`` (Eq. 52).

    Parameters
    ----------
    beta : float
        Tail index (positive).
    delta, sigma_eta : float
        Tolerance and noise scale (positive).

    Returns
    -------
    float
        The constant ``A``.

    Raises
    ------
    ValueError
        If a parameter is not positive.

    Examples
    --------
    For ``beta = 2``, ``A = 1 / c_delta^2``:

    >>> from lidlib.tails import c_delta
    >>> round(intrinsic_constant(2.0, 0.05, 1.0), 4), round(1 / c_delta(0.05, 1.0) ** 2, 4)
    (628.3185, 628.3185)
    """
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
        grow = log_window_prob(hi, h, log_h) > log_s
        if not grow.any():
            break
        hi = np.where(grow, 2.0 * hi, hi)
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        above = log_window_prob(mid, h, log_h) > log_s
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
    r"""Exact law of the single-trial success :math:`S_N = s(B, \tau)`: :math:`\Pr(S_N \le s)` (Prop. C.2).

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

    Parameters
    ----------
    s : array_like
        Success probabilities in ``(0, 1)``.
    beta : float
        Tail index (positive).
    delta, sigma_eta : float
        Tolerance and noise scale (positive).
    bias_var : float, default 0
        Variance ``v`` of the model bias.
    part : {"total", "intrinsic", "bias"}
        Which term to return, see above.
    order : int, default 12
        Gauss-Legendre nodes per panel.
    panels_per_unit : float, default 2.0
        Panels per unit of ``log tau``.

    Returns
    -------
    ndarray
        :math:`\Pr(S_N \le s)` (or the selected part), same shape as ``s``.

    Raises
    ------
    ValueError
        If ``part`` is unknown, an ``s`` is outside ``(0, 1)`` or a parameter is out of range.

    Examples
    --------
    Without bias the law is the Gamma distribution function at ``tau_s``:

    >>> import numpy as np
    >>> from scipy import special
    >>> s = np.array([0.01, 0.1])
    >>> np.round(success_cdf(s, 2.0, 0.05, 1.0), 6)
    array([0.060902, 0.998193])
    >>> np.round(1 - np.exp(-2 * special.erfinv(s) ** 2 / 0.05**2), 6)
    array([0.060902, 0.998193])
    >>> np.round(success_cdf([0.01], 2.0, 0.05, 1.0, 0.1, part="bias"), 6)
    array([0.000466])
    """
    if part not in ("total", "intrinsic", "bias"):
        raise ValueError(f"part must be 'total', 'intrinsic' or 'bias', got {part!r}")
    s = check_array("s", s, min_val=0.0, max_val=1.0, include_boundaries="neither")
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
        u, wu = log_panels(u_lo, u_hi, panels_per_unit, order, 4)
        tau = np.exp(u)
        w = np.exp(np.log(wu) + a * u - tau - special.gammaln(a))
        h = delta * np.sqrt(tau) / sigma
        log_h = math.log(delta) + 0.5 * u - math.log(sigma)
        r_star = _bias_threshold(np.full_like(h, math.log(s[idx])), h, log_h)
        sd_r = np.sqrt(v * tau) / sigma
        out[idx] = float(np.sum(w * 2.0 * special.ndtr(-r_star / sd_r)))
    return out + intrinsic if part == "total" else out


def window_exponents(
    ks, window, bias_vars, beta: float, delta: float, sigma_eta: float, *, excess: bool = False
) -> np.ndarray:
    r"""Local exponent of the exact failure in a fixed ``k``-window, for several bias variances (Eq. 19/55).

    For each ``v`` in ``bias_vars``: :func:`lidlib.slopes.local_slope` of
    :func:`lidlib.passk.population_failure` evaluated on ``ks`` (``excess=True``: of the
    failure caused by the bias alone), i.e. :math:`\beta_{\mathrm{eff}}` of Eq. 19/55
    computed without simulation noise.

    Parameters
    ----------
    ks : array_like
        Strictly increasing positive numbers of attempts.
    window : (k1, k2) or array of shape (w, 2)
        The ``k``-window(s) of :func:`lidlib.slopes.local_slope`.
    bias_vars : array_like
        Bias variances ``v >= 0``.
    beta : float
        Tail index (positive).
    delta, sigma_eta : float
        Tolerance and noise scale (positive).
    excess : bool, default False
        Use the failure caused by the bias alone.

    Returns
    -------
    ndarray
        One exponent per bias variance (shape ``(len(bias_vars),)``, followed by
        ``(w,)`` for an array of windows).

    Raises
    ------
    ValueError
        If a bias variance is negative or a window holds fewer than two ``ks``.

    Examples
    --------
    Without bias the exponent tends to ``beta`` (Eq. 15); the bias lowers it:

    >>> import numpy as np
    >>> ks = np.geomspace(1e4, 1e6, 9)
    >>> np.round(window_exponents(ks, (1e4, 1e6), [0.0, 0.1], 2.0, 0.05, 1.0), 3)
    array([2.   , 1.957])
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

    Parameters
    ----------
    ks : array_like
        Numbers of attempts, each above ``1 / c_delta``.
    bias_var : float
        Bias variance ``v`` (positive).
    delta, sigma_eta : float
        Tolerance and noise scale (positive).

    Returns
    -------
    ndarray
        :math:`\gamma_{\mathrm{loc}}(k)`, same shape as ``ks``.

    Raises
    ------
    ValueError
        If a ``k`` is not above ``1 / c_delta`` or a parameter is not positive.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(bias_exponent_saddle([1e4, 1e6], 0.1, 0.05, 1.0), 4)
    array([1.2922, 0.9716])
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
    """Output of :func:`ridge_passk_experiment` (arrays indexed ``[seed, N, k]``).

    Attributes
    ----------
    Ns : ndarray, shape (n_N,)
        Training-set sizes.
    ks : ndarray, shape (n_k,)
        Numbers of attempts.
    failure : ndarray, shape (n_seeds, n_N, n_k)
        Simulated failure: Monte Carlo over test instances, exact per instance.
    failure_se : ndarray, shape (n_seeds, n_N, n_k)
        Standard error of ``failure`` over the test instances.
    l_gen : ndarray, shape (n_seeds, n_N)
        Exact ``L_gen`` of each fit.
    predicted : ndarray, shape (n_seeds, n_N, n_k)
        :func:`lidlib.passk.population_failure` with ``bias_var = l_gen``.
    predicted_se : ndarray, shape (n_seeds, n_N, n_k)
        Exact standard error of the Monte Carlo mean, from ``L(2k) - L(k)^2``.
    """

    Ns: np.ndarray  # (n_N,)
    ks: np.ndarray  # (n_k,)
    failure: np.ndarray  # (n_seeds, n_N, n_k): Monte Carlo over test instances, exact per instance
    failure_se: np.ndarray  # (n_seeds, n_N, n_k): standard error over test instances
    l_gen: np.ndarray  # (n_seeds, n_N): exact L_gen of each fit
    predicted: np.ndarray  # (n_seeds, n_N, n_k): population_failure with bias_var = l_gen
    predicted_se: np.ndarray  # (n_seeds, n_N, n_k): exact s.e. of the Monte Carlo mean, from L(2k) - L(k)^2

    def z_scores(self) -> np.ndarray:
        """``(failure - predicted) / predicted_se``: standard normal if simulation and theory agree.

        Returns
        -------
        ndarray, shape (n_seeds, n_N, n_k)
            The z-scores.

        Examples
        --------
        >>> from lidlib.model import LIDModel
        >>> lid = LIDModel(d=8, alpha=1.0, beta=2.0, sigma_eta=1.0)
        >>> res = ridge_passk_experiment(lid, [20, 40], [1, 10], n_test=50, n_seeds=1, delta=0.5, rng=0)
        >>> res.z_scores().shape
        (1, 2, 2)
        """
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

    Parameters
    ----------
    lid : LIDModel
        The data model (:class:`lidlib.model.LIDModel`).
    Ns : array_like of int
        Training-set sizes.
    ks : array_like
        Numbers of attempts (positive).
    n_test : int
        Test instances per fit (positive).
    n_seeds : int
        Independent training sets (positive).
    delta : float
        Tolerance (positive).
    lam : float, default 0
        Ridge penalty.
    rng : numpy.random.Generator or int
        Random generator or seed.

    Returns
    -------
    RidgePassk
        Simulated and predicted failure curves.

    Raises
    ------
    ValueError
        If ``ks``, ``n_test``, ``n_seeds`` or ``delta`` is not positive.

    Examples
    --------
    >>> from lidlib.model import LIDModel
    >>> lid = LIDModel(d=8, alpha=1.0, beta=2.0, sigma_eta=1.0)
    >>> res = ridge_passk_experiment(lid, [20, 40], [1, 10], n_test=50, n_seeds=1, delta=0.5, rng=0)
    >>> res.failure.shape, res.l_gen.shape
    ((1, 2, 2), (1, 2))
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
            both = np.asarray(
                population_failure(np.concatenate([ks, 2 * ks]), lid.beta, delta, lid.sigma_eta, bias_var=l_gen[i, j])
            )
            pred[i, j] = both[: ks.size]
            # per-instance variance of (1-s)^k is E[(1-s)^2k] - L(k)^2, known exactly
            pred_se[i, j] = np.sqrt(np.maximum(both[ks.size :] - pred[i, j] ** 2, 0.0) / n_test)
    return RidgePassk(Ns, ks, fail, fail_se, l_gen, pred, pred_se)


# ---------------------------------------------------------------------------
# The finite-N exponent and the upper tail of the precision law (issue 17, point 1)
# ---------------------------------------------------------------------------


def law_excess_failure(
    ks,
    law,
    delta: float,
    sigma_eta: float,
    bias_var: float,
    *,
    panels_per_unit: float = 2.0,
    order: int = 10,
    bias_panels: int = 24,
    tail_mass: float = 1e-60,
    bias_var_power: float = 0.0,
) -> np.ndarray:
    r"""Failure caused by the bias, :math:`\mathcal L(k; v) - \mathcal L(k; 0)`, for any precision law (Eq. 13).

    The same quantity as ``population_failure(..., excess=True)`` (Eq. 13 with the bias
    of Eq. 16 left exact) but with :math:`\tau` drawn from ``law`` (a
    :class:`lidlib.tails.PrecisionLaw`) instead of :math:`\mathrm{Gamma}(\beta/2,1)`:

    .. math::

        \mathcal L_{\rm bias}(k) = \mathbb E_{\tau}\,\mathbb E_{B\sim\mathcal N(0,v)}
        \bigl[(1-s(B,\tau))^k - (1-s(0,\tau))^k\bigr].

    Outer integral: composite Gauss-Legendre in ``u = log tau`` from the point below which
    ``k_max c_delta sqrt(tau) < 1e-8`` (no success is possible, so the bracket vanishes)
    to the upper end of the support or the ``1 - tail_mass`` quantile.  Inner integral:
    ``r = |B| sqrt(tau) / sigma_eta`` on ``[0, R]``, ``R`` the smaller of 40 standard
    deviations of ``r`` and the point beyond which ``k_max s < 1e-13`` (every attempt
    fails), with the mass beyond ``R`` added in closed form.  The
    bracket is formed node by node without cancellation, so the result keeps its
    relative precision far below the bias-free failure.

    Parameters
    ----------
    ks : array_like
        Numbers of attempts, ``k >= 1``.
    law : PrecisionLaw
        Law of the precision (e.g. :func:`lidlib.tails.power_precision`).
    delta, sigma_eta : float
        Tolerance and noise scale.
    bias_var : float
        ``v = Var B > 0`` (the average over instances).
    bias_var_power : float, default 0
        ``rho``: let the bias depend on the instance's precision (Def. 3.1, comment (iii):
        ``tau`` correlated with ``x``), with ``Var(B | tau) = v tau^rho / E[tau^rho]``.
        ``0`` is the paper's independent case.

    Returns
    -------
    ndarray
        :math:`\mathcal L_{\rm bias}(k)` for each ``k``.

    Raises
    ------
    ValueError
        If a ``k`` is below 1, a parameter is not positive, ``bias_var_power <= -1``,
        or the upper end of the precision grid cannot be placed.

    Examples
    --------
    For the Gamma law it agrees with ``population_failure(..., excess=True)``:

    >>> import numpy as np
    >>> from lidlib.passk import population_failure
    >>> from lidlib.tails import gamma_precision
    >>> np.round(law_excess_failure([10, 100], gamma_precision(2.0), 0.05, 1.0, 0.1), 6)
    array([0.014288, 0.003845])
    >>> np.round(population_failure([10, 100], 2.0, 0.05, 1.0, 0.1, excess=True), 6)
    array([0.014288, 0.003845])
    """
    k = check_array("ks", ks, min_val=1.0)
    delta = float(positive("delta", delta))
    sigma = float(positive("sigma_eta", sigma_eta))
    v = float(positive("bias_var", bias_var))
    c = c_delta(delta, sigma)
    k_max = float(k.max())
    tau_lo = tau_cutoff(k_max, c)
    tau_hi = law_upper_end(law.dist, tail_mass)
    if not (math.isfinite(tau_hi) and tau_hi > tau_lo):
        raise ValueError(f"cannot place the upper end of the precision grid for {law.name}")
    tau, w_tau, _ = law_nodes(law.dist, tau_lo, tau_hi, panels_per_unit, order)
    keep = w_tau > 0
    tau, w_tau = tau[keep], w_tau[keep]
    h = delta * np.sqrt(tau) / sigma
    log_h = np.log(h)
    log_fail0 = log1m_exp(log_window_prob(np.zeros_like(h), h, log_h))
    rho = float(bias_var_power)
    var_b: float | np.ndarray = v  # Var(B | tau)
    if rho != 0.0:
        if rho <= -1.0:
            raise ValueError("bias_var_power must exceed -1")
        norm = float(law.dist.expect(lambda t: t**rho))
        var_b = v * tau**rho / norm
    sd_r = np.sqrt(var_b * tau) / sigma
    # beyond r_fail, k_max s < 1e-13: every attempt fails (the engine's cut, passk.population_failure)
    R = np.minimum(40.0 * sd_r, h - special.ndtri(1e-13 / k_max))
    t, wt = composite(0.0, 1.0, bias_panels, order)
    r = R[:, None] * t[None, :]
    z = r / sd_r[:, None]
    w2 = w_tau[:, None] * 2.0 * wt[None, :] * (R / sd_r)[:, None] * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    lf = log1m_exp(log_window_prob(r.ravel(), np.repeat(h, t.size), np.repeat(log_h, t.size)))
    lf0 = np.repeat(log_fail0, t.size)
    with np.errstate(invalid="ignore"):
        gap = np.maximum(np.nan_to_num(lf - lf0, nan=0.0), 0.0)
    beyond = w_tau * 2.0 * special.ndtr(-R / sd_r)
    kk = k.ravel()[:, None]
    with np.errstate(under="ignore", over="ignore", invalid="ignore"):
        out = (np.exp(kk * lf[None, :]) * -np.expm1(-kk * gap[None, :])) @ w2.ravel()
        out += -np.expm1(kk * log_fail0[None, :]) @ beyond
    return out.reshape(k.shape)


def upper_tail_power(q: float, rho: float = 0.0) -> float:
    r"""Power ``p`` in :math:`\gamma(N) \propto \mathcal L_{\rm gen}^{-p}` for :math:`\Pr(\tau>t)\approx e^{-t^q}`.

    This book's saddle-point result (beyond the paper): ``p = q / (q + 1)``.  The bias
    failures at ``k`` attempts come from the precisions that maximise
    :math:`-\tau^q - \sigma_\eta^2 \ell/(v\tau)`, :math:`\ell=\ln(kc_\delta)` (see
    :func:`bias_log_failure_saddle`), which gives a local exponent
    :math:`\propto v^{-q/(q+1)}`.  ``q = 1`` (the Gamma law of Eq. 1) gives 1/2; a
    bounded precision (``q = inf``) gives 1, the value of Eq. 18; a power-law upper tail
    (``q -> 0``) gives 0.

    With a bias whose variance depends on the precision, ``Var(B | tau) ~ tau^rho``
    (``tau`` correlated with ``x``, Def. 3.1 comment (iii)), the integrand becomes
    :math:`\exp(-\tau^q - A\tau^{-(1+\rho)})` and ``p = q / (q + 1 + rho)``: the
    correlation changes the exponent, not only constants.

    Parameters
    ----------
    q : float
        Upper-tail shape (positive, or ``inf`` for a bounded precision).
    rho : float, default 0
        Power of ``tau`` in ``Var(B | tau)``; must exceed -1.

    Returns
    -------
    float
        ``p = q / (q + 1 + rho)``.

    Raises
    ------
    ValueError
        If ``rho <= -1`` or ``q`` is not positive.

    Examples
    --------
    >>> upper_tail_power(1.0), upper_tail_power(float("inf")), round(upper_tail_power(1.0, rho=1.0), 4)
    (0.5, 1.0, 0.3333)
    """
    q = float(q)
    rho = float(rho)
    if rho <= -1.0:
        raise ValueError("rho must exceed -1")
    if math.isinf(q) and q > 0:
        return 1.0
    q = float(positive("q", q))
    return q / (q + 1.0 + rho)


def bias_log_failure_saddle(
    ks, bias_var: float, delta: float, sigma_eta: float, q: float = 1.0, *, tau_max: float | None = None
) -> np.ndarray:
    r"""Leading-order :math:`\ln\mathcal L_{\rm bias}(k)` from the saddle over the precision (this book).

    An instance with precision :math:`\tau` and bias ``B`` fails ``k`` attempts when (small
    window, Eq. 51) :math:`B^2 > 2\sigma_\eta^2\ell/\tau`, :math:`\ell = \ln(k c_\delta)`; for
    Gaussian ``B`` of variance ``v`` this has log-probability
    :math:`-\sigma_\eta^2\ell/(v\tau) = -A/\tau`.  With an upper tail
    :math:`\ln\Pr(\tau>t) \approx -t^q` the integrand is :math:`\exp(-\tau^q - A/\tau)`,
    maximal at :math:`\tau_* = (A/q)^{1/(q+1)}`, so

    .. math::

        \ln\mathcal L_{\rm bias}(k) \approx -(1+q)\,(A/q)^{q/(q+1)},\qquad
        \gamma_{\rm loc} = -\frac{d\ln\mathcal L_{\rm bias}}{d\ln k}
        \approx q^{1/(q+1)}\Bigl(\frac{\sigma_\eta^2}{v}\Bigr)^{q/(q+1)}\ell^{-1/(q+1)} .

    For ``q = 1`` this is :math:`-2\sigma_\eta\sqrt{\ell/v}`.  With a bounded precision
    (``tau_max`` given; ``q`` is then ignored) the maximum sits at the end of the support
    and :math:`\ln\mathcal L_{\rm bias} \approx -A/\tau_{\max}`, the :math:`1/v` law of
    Eq. 18 with :math:`\tau = \tau_{\max}`.  Slowly varying prefactors are dropped.

    Parameters
    ----------
    ks : array_like
        Numbers of attempts, each above ``1 / c_delta``.
    bias_var : float
        Bias variance ``v`` (positive).
    delta, sigma_eta : float
        Tolerance and noise scale (positive).
    q : float, default 1.0
        Upper-tail shape of the precision law (positive).
    tau_max : float, optional
        Upper end of a bounded precision; if given, ``q`` is ignored.

    Returns
    -------
    ndarray
        :math:`\ln\mathcal L_{\rm bias}(k)`, same shape as ``ks``.

    Raises
    ------
    ValueError
        If a ``k`` is not above ``1 / c_delta`` or a parameter is not positive.

    Examples
    --------
    For ``q = 1`` it is ``-2 sigma_eta sqrt(ell / v)``:

    >>> import numpy as np
    >>> from lidlib.tails import c_delta
    >>> np.round(bias_log_failure_saddle([1e4], 0.1, 0.05, 1.0), 4)
    array([-15.4775])
    >>> round(float(-2 * np.sqrt(np.log(1e4 * c_delta(0.05, 1.0)) / 0.1)), 4)
    -15.4775
    """
    k = positive("ks", ks)
    v = float(positive("bias_var", bias_var))
    ell = np.log(k * c_delta(delta, sigma_eta))
    if (ell <= 0).any():
        raise ValueError("ks must exceed 1/c_delta for the saddle approximation")
    A = float(sigma_eta) ** 2 * ell / v
    if tau_max is not None:
        return -A / float(positive("tau_max", tau_max))
    q = float(positive("q", q))
    return -(1.0 + q) * (A / q) ** (q / (q + 1.0))


def bias_exponent_saddle_q(
    ks, bias_var: float, delta: float, sigma_eta: float, q: float = 1.0, *, tau_max: float | None = None
) -> np.ndarray:
    r"""Local exponent :math:`-d\ln\mathcal L_{\rm bias}/d\ln k` of :func:`bias_log_failure_saddle`.

    :math:`q^{1/(q+1)}(\sigma_\eta^2/v)^{q/(q+1)}\ell^{-1/(q+1)}`; with ``tau_max``:
    :math:`\sigma_\eta^2/(v\,\tau_{\max})`.  ``q = 1`` reproduces :func:`bias_exponent_saddle`.

    Parameters
    ----------
    ks : array_like
        Numbers of attempts, each above ``1 / c_delta``.
    bias_var : float
        Bias variance ``v`` (positive).
    delta, sigma_eta : float
        Tolerance and noise scale (positive).
    q : float, default 1.0
        Upper-tail shape of the precision law (positive).
    tau_max : float, optional
        Upper end of a bounded precision; if given, ``q`` is ignored.

    Returns
    -------
    ndarray
        The local exponent, same shape as ``ks``.

    Raises
    ------
    ValueError
        If a ``k`` is not above ``1 / c_delta`` or a parameter is not positive.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(bias_exponent_saddle_q([1e4], 0.1, 0.05, 1.0), 4)
    array([1.2922])
    >>> np.round(bias_exponent_saddle_q([1e4], 0.1, 0.05, 1.0, tau_max=2.0), 4)
    array([5.])
    """
    k = positive("ks", ks)
    v = float(positive("bias_var", bias_var))
    ell = np.log(k * c_delta(delta, sigma_eta))
    if (ell <= 0).any():
        raise ValueError("ks must exceed 1/c_delta for the saddle approximation")
    s2 = float(sigma_eta) ** 2
    if tau_max is not None:
        return np.full(k.shape, s2 / (v * float(positive("tau_max", tau_max))))
    q = float(positive("q", q))
    return q ** (1.0 / (q + 1.0)) * (s2 / v) ** (q / (q + 1.0)) * ell ** (-1.0 / (q + 1.0))


def fitted_power(vs, gammas) -> tuple[float, float]:
    r"""Least-squares ``p`` (and its regression s.e.) in :math:`\gamma \propto v^{-p}`.

    Parameters
    ----------
    vs : array_like
        Bias variances (positive).
    gammas : array_like
        Exponents at those variances (positive).

    Returns
    -------
    p, se : float
        The fitted power and its standard error from the regression.

    Raises
    ------
    ValueError
        If a value is not positive.

    Examples
    --------
    >>> p, se = fitted_power([0.01, 0.1, 1.0], [10.0, 10**0.5, 1.0])
    >>> round(p, 6)
    0.5
    """
    lv, lg = np.log(positive("vs", vs)), np.log(positive("gammas", gammas))
    (slope, _), cov = np.polyfit(lv, lg, 1, cov=True)
    return float(-slope), float(np.sqrt(cov[0, 0]))


# ---------------------------------------------------------------------------
# Order of limits: the crossover k*(N) between the two tails (issue 17, point 2)
# ---------------------------------------------------------------------------


def crossover_log_k(beta: float, delta: float, sigma_eta: float, bias_var: float, *, log_k_max: float = 60.0) -> float:
    r"""Exact ``ln(k* c_delta)``: where the bias causes half of the failures (Gamma precision).

    ``k*`` solves :math:`\mathcal L(k;v)-\mathcal L(k;0) = \mathcal L(k;0)` (the share of
    failures due to the training error, :math:`1-\mathcal L(k;0)/\mathcal L(k;v)`, crosses
    1/2), found by bisection in ``ln k`` with :func:`lidlib.passk.population_failure`
    (``excess=True`` for the bias part).  The share grows with ``k`` beyond the
    perturbative region, because the bias tail decays more slowly than any power
    (:func:`bias_exponent_saddle`).  Returns ``nan`` if the share is already above 1/2 at
    ``k = 1`` or still below it at ``k = e^log_k_max``.

    Parameters
    ----------
    beta : float
        Tail index (positive).
    delta, sigma_eta : float
        Tolerance and noise scale (positive).
    bias_var : float
        Bias variance ``v`` (positive).
    log_k_max : float, default 60
        Upper end of the search in ``ln k``.

    Returns
    -------
    float
        ``ln(k* c_delta)``, or ``nan``.

    Examples
    --------
    >>> round(crossover_log_k(2.0, 0.5, 1.0, 0.5, log_k_max=20.0), 3)
    3.446
    """
    c = c_delta(delta, sigma_eta)

    def gap(lk: float) -> float:
        k = np.array([math.exp(lk)])
        ex = np.asarray(population_failure(k, beta, delta, sigma_eta, bias_var, excess=True))[0]
        free = np.asarray(population_failure(k, beta, delta, sigma_eta))[0]
        return math.log(ex) - math.log(free)

    lo, hi = 0.0, float(log_k_max)
    g_lo, g_hi = gap(lo), gap(hi)
    if g_lo >= 0 or g_hi <= 0:
        return float("nan")
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if gap(mid) > 0:
            hi = mid
        else:
            lo = mid
        if hi - lo < 1e-4:
            break
    return 0.5 * (lo + hi) + math.log(c)


def crossover_log_k_leading(beta: float, sigma_eta: float, bias_var: float, q: float = 1.0) -> float:
    r"""Leading-order ``ln(k* c_delta)`` from the saddle (this book's derivation).

    Equating the intrinsic tail :math:`C_1k^{-\beta}` (Eq. 15), i.e.
    :math:`\ln\mathcal L\approx -\beta\ell + O(1)`, with the saddle form of the bias tail
    :math:`-(1+q)(\sigma_\eta^2\ell/(qv))^{q/(q+1)}` (:func:`bias_log_failure_saddle`) gives

    .. math::

        \ell_* = \ln(k_* c_\delta) \approx \Bigl(\frac{1+q}{\beta}\Bigr)^{q+1}\,
        \frac{1}{q^q}\Bigl(\frac{\sigma_\eta^2}{v}\Bigr)^{q},

    which for the Gamma law (``q = 1``) is :math:`4\sigma_\eta^2/(\beta^2 v)`: with
    :math:`v = \mathcal L_{\rm gen}(N)\propto 1/N`, ``k*`` grows exponentially in ``N``.

    Parameters
    ----------
    beta : float
        Tail index (positive).
    sigma_eta : float
        Noise scale.
    bias_var : float
        Bias variance ``v`` (positive).
    q : float, default 1.0
        Upper-tail shape of the precision law (positive).

    Returns
    -------
    float
        :math:`\ell_*`.

    Raises
    ------
    ValueError
        If ``beta``, ``bias_var`` or ``q`` is not positive.

    Examples
    --------
    ``q = 1``: ``4 sigma_eta^2 / (beta^2 v)``:

    >>> crossover_log_k_leading(2.0, 1.0, 0.5)
    2.0
    """
    beta = float(positive("beta", beta))
    v = float(positive("bias_var", bias_var))
    q = float(positive("q", q))
    return ((1.0 + q) / beta) ** (q + 1.0) / q**q * (float(sigma_eta) ** 2 / v) ** q


def bias_exponent_offset(
    beta: float, ks, delta: float, sigma_eta: float, q: float = 1.0, *, bounded: bool = False
) -> np.ndarray:
    r"""Next-order, ``v``-independent term of the local bias exponent (this book's derivation).

    Laplace's method around the saddle :math:`\tau_*` of :func:`bias_log_failure_saddle`,
    keeping the prefactors: the density :math:`\tau^{\beta/2-1}`, the Gaussian-tail
    factor :math:`(\tau/A)^{1/2}` and the width :math:`\propto\tau_*^{1-q/2}` of the saddle
    give :math:`\mathcal L_{\rm bias}\propto\tau_*^{\beta/2-q}e^{-g_*}` with
    :math:`\tau_*\propto\ell^{1/(q+1)}`, hence

    .. math::

        \gamma_{\rm loc} = \gamma_{\rm saddle} - \frac{\beta/2-q}{(q+1)\,\ell} + O(\ell^{-2}).

    For a precision bounded by :math:`\tau_{\max}` with a positive density there
    (``bounded=True``) the integral ends at the boundary:
    :math:`\mathcal L_{\rm bias}\propto A^{-3/2}e^{-A/\tau_{\max}}` and the term is
    :math:`+3/(2\ell)`.  The term does not depend on ``v``, so it biases a power-law fit
    of :math:`\gamma` against ``v`` (most where :math:`\gamma` is small).

    Parameters
    ----------
    beta : float
        Tail index.
    ks : array_like
        Numbers of attempts (positive).
    delta, sigma_eta : float
        Tolerance and noise scale (positive).
    q : float, default 1.0
        Upper-tail shape of the precision law (positive).
    bounded : bool, default False
        A precision bounded by :math:`\tau_{\max}` (``q`` is then ignored).

    Returns
    -------
    ndarray
        The offset, same shape as ``ks``.

    Raises
    ------
    ValueError
        If a ``k``, ``delta``, ``sigma_eta`` or ``q`` is not positive.

    Examples
    --------
    ``beta = 2 q`` cancels the term; a bounded precision gives ``3 / (2 ell)``:

    >>> import numpy as np
    >>> np.round(bias_exponent_offset(2.0, [1e4], 0.05, 1.0), 4)
    array([-0.])
    >>> np.round(bias_exponent_offset(2.0, [1e4], 0.05, 1.0, bounded=True), 4)
    array([0.2505])
    """
    k = positive("ks", ks)
    ell = np.log(k * c_delta(delta, sigma_eta))
    if bounded:
        return 1.5 / ell
    q = float(positive("q", q))
    return -(float(beta) / 2.0 - q) / ((q + 1.0) * ell)


def crossover_log_k_next(beta: float, sigma_eta: float, bias_var: float) -> float:
    r"""``ln(k* c_delta)`` to next order for the Gamma precision law (this book's derivation).

    Solves, for :math:`\ell = \ln(k c_\delta)`,

    .. math::

        \ln\frac{2\Gamma(\beta)}{\Gamma(\beta/2)} - \beta\ell
        = -2\tau_* + \Bigl(\frac{\beta}{4}-1\Bigr)\ln\tau_* - \ln\Gamma(\beta/2),
        \qquad \tau_* = \sigma_\eta\sqrt{\ell/v},

    whose left side is the intrinsic tail :math:`C_1 k^{-\beta}` (Eq. 15) and whose right
    side is the Laplace approximation :math:`\tau_*^{\beta/2-1}e^{-2\tau_*}/\Gamma(\beta/2)`
    of the bias tail, with the :math:`\tfrac12\ln\tau` of :math:`\ln(kc_\delta\sqrt\tau)`
    kept (it contributes :math:`-(\tau_*/2\ell)\ln\tau_* = -(\beta/4)\ln\tau_*` at the
    crossover).  Neglected: the width of the window at the saddle,
    :math:`\delta\sqrt{\tau_*}/\sigma_\eta`, whose first effect raises the bias
    threshold by about :math:`\delta\sigma_\eta\sqrt{2\ell/\tau_*}/v` in the exponent; see
    :func:`crossover_next_order_margin`.

    Parameters
    ----------
    beta : float
        Tail index (positive).
    sigma_eta : float
        Noise scale (positive).
    bias_var : float
        Bias variance ``v`` (positive).

    Returns
    -------
    float
        ``ln(k* c_delta)``, or ``nan`` if the two sides do not cross.

    Raises
    ------
    ValueError
        If a parameter is not positive.

    Examples
    --------
    >>> round(crossover_log_k_next(2.0, 1.0, 0.5), 4)
    3.0363
    """
    beta = float(positive("beta", beta))
    v = float(positive("bias_var", bias_var))
    s = float(positive("sigma_eta", sigma_eta))
    a = beta / 2.0
    lhs0 = math.log(2.0) + special.gammaln(beta) - special.gammaln(a)

    def f(ell: float) -> float:
        ts = s * math.sqrt(ell / v)
        return lhs0 - beta * ell + 2.0 * ts - (beta / 4.0 - 1.0) * math.log(ts) + special.gammaln(a)

    grid = np.geomspace(1e-3, 1e6, 400)
    vals = np.array([f(g) for g in grid])
    # the crossover is the last sign change: beyond it the bias tail dominates for good
    idx = np.nonzero((vals[:-1] > 0) & (vals[1:] <= 0))[0]
    if idx.size == 0:
        return float("nan")
    i = int(idx[-1])
    return float(optimize.brentq(f, grid[i], grid[i + 1]))


def crossover_next_order_margin(beta: float, delta: float, sigma_eta: float, bias_var: float) -> float:
    r"""Size in ``ln k*`` of the first term :func:`crossover_log_k_next` neglects.

    The finite window raises the bias threshold from :math:`\sigma_\eta\sqrt{2\ell/\tau}` to
    about :math:`\delta + \sigma_\eta\sqrt{2\ell/\tau}`; the cross term adds
    :math:`\delta\sigma_\eta\sqrt{2\ell_*/\tau_*}/v` to :math:`-\ln\mathcal L_{\rm bias}`, and
    since :math:`d(\beta\ell - 2\tau_*)/d\ell = \beta/2` at the crossover, it moves
    :math:`\ell_*` by that amount divided by :math:`\beta/2`.  Used as the modelling margin
    of the crossover claim.

    Parameters
    ----------
    beta : float
        Tail index (positive).
    delta, sigma_eta : float
        Tolerance and noise scale (positive).
    bias_var : float
        Bias variance ``v`` (positive).

    Returns
    -------
    float
        The margin in ``ln k*``.

    Raises
    ------
    ValueError
        If ``beta``, ``sigma_eta`` or ``bias_var`` is not positive.

    Examples
    --------
    >>> round(crossover_next_order_margin(2.0, 0.5, 1.0, 0.5), 4)
    1.5698
    """
    ell = crossover_log_k_next(beta, sigma_eta, bias_var)
    ts = float(sigma_eta) * math.sqrt(ell / float(bias_var))
    return float(delta) * float(sigma_eta) * math.sqrt(2.0 * ell / ts) / float(bias_var) / (float(beta) / 2.0)
