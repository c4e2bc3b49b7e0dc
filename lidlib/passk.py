"""Exact pass@k engine (Section 4.2 and App. B.3 of "Learning Shrinks the Hard Tail").

For a test instance with latent precision ``tau`` and model bias
``B = E_gen(x) = x^T theta_hat - x^T theta*``, trial ``j`` draws a target
``y_j ~ N(x^T theta*, sigma_eta^2 / tau)`` (Eq. 11) and succeeds iff
``|e_j| = |B - eta_j| <= delta`` with ``eta_j ~ N(0, sigma_eta^2 / tau)`` (Eq. 12).
The pass@k failure is the average of the single-trial failure to the power k (Eq. 13).

The module is a leaf: it imports nothing from :mod:`lidlib`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

__all__ = [
    "single_trial_success",
    "log_single_trial_success",
    "failure_curve",
    "pass_at_k_unbiased",
]

_SQRT2 = math.sqrt(2.0)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SERIES_LIMIT = 1e-2  # Hermite series used when h * max(1, m) < _SERIES_LIMIT
_PRODUCT_TERMS = 64  # exact log1p product in pass@k when min(c, k) <= this
_CHUNK_ELEMENTS = 1 << 22  # bound on the temporary array in failure_curve (32 MiB)
# Stirling series B_2j / (2j (2j - 1)), j = 1..8: truncation error < 2e-15 for z >= 10
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400)


def _checked(
    name: str,
    value: ArrayLike,
    requirement: str,
    *,
    lower: float = -np.inf,
    upper: float = np.inf,
    strict: bool = False,
    integer: bool = False,
) -> NDArray[np.float64]:
    """``value`` as a finite float array within bounds, else ``ValueError`` naming ``name``."""
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be {requirement}, got {value!r}") from exc
    ok = np.isfinite(a) & (a <= upper) & ((a > lower) if strict else (a >= lower))
    if integer:
        ok &= a == np.floor(a)
    if not ok.all():
        raise ValueError(f"{name} must be {requirement}, got {float(a[~ok].flat[0])!r}")
    return a


def _broadcast(names: tuple[str, ...], arrays: tuple[NDArray, ...]) -> list[NDArray]:
    try:
        return np.broadcast_arrays(*arrays)
    except ValueError as exc:
        shapes = ", ".join(f"{n} {a.shape}" for n, a in zip(names, arrays))
        raise ValueError(f"arguments cannot be broadcast together: {shapes}") from exc


def _scalar_or_array(a: NDArray[np.float64]) -> float | NDArray[np.float64]:
    return float(a) if a.ndim == 0 else a


def _stirling_corr(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """``log Gamma(z) - [(z - 1/2) log z - z + log sqrt(2 pi)]`` for ``z >= 1``, to ~1e-15 absolute."""
    out = np.empty_like(z)
    small = z < 10.0
    zs, zl = z[small], z[~small]
    out[small] = special.gammaln(zs) - ((zs - 0.5) * np.log(zs) - zs + _LOG_SQRT_2PI)
    w, acc = 1.0 / (zl * zl), np.zeros_like(zl)
    for coef in reversed(_STIRLING):
        acc = acc * w + coef
    out[~small] = acc / zl
    return out


def _log_window_prob(
    m: NDArray[np.float64], h: NDArray[np.float64], log_h: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``log P(|Z - m| <= h)`` for standard normal ``Z``, ``m >= 0``, ``h > 0`` (``log_h = log h``).

    Three branches, none of which cancels catastrophically:

    * small window, ``h max(1, m) < 1e-2``: Taylor series of the density about ``m``,
      ``2 h phi(m) [1 + He2(m) h^2/3! + He4(m) h^4/5! + He6(m) h^6/7!]`` with
      ``He_n`` the probabilists' Hermite polynomials, written in ``x = h m`` and
      ``y = h^2`` so that it cannot overflow (truncation error < 3e-19);
    * straddling window, ``m <= h``: ``[erf((m+h)/sqrt2) + erf((h-m)/sqrt2)] / 2``;
    * tail, ``0 < m - h``: with ``Q(u) = erfcx(u/sqrt2) exp(-u^2/2) / 2`` and
      ``hi^2 - lo^2 = 4 h m``,
      ``Q(lo) - Q(hi) = exp(-lo^2/2) [erfcx(lo/sqrt2) - erfcx(hi/sqrt2) exp(-2hm)] / 2``.
    """
    out = np.empty_like(m)
    with np.errstate(over="ignore", invalid="ignore"):
        series = h * np.maximum(1.0, m) < _SERIES_LIMIT
    straddle = ~series & (m <= h)
    tail = ~(series | straddle)
    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
        if series.any():
            ms, hs = m[series], h[series]
            x2, y = (hs * ms) ** 2, hs * hs
            corr = (
                (x2 - y) / 6.0
                + (x2 * x2 - 6.0 * x2 * y + 3.0 * y * y) / 120.0
                + (x2**3 - 15.0 * x2 * x2 * y + 45.0 * x2 * y * y - 15.0 * y**3) / 5040.0
            )
            out[series] = math.log(2.0) + log_h[series] - 0.5 * ms * ms - _LOG_SQRT_2PI + np.log1p(corr)
        if straddle.any():
            ms, hs = m[straddle], h[straddle]
            p = 0.5 * (special.erf((ms + hs) / _SQRT2) + special.erf((hs - ms) / _SQRT2))
            out[straddle] = np.log(p)
        if tail.any():
            ms, hs = m[tail], h[tail]
            lo = ms - hs
            bracket = special.erfcx(lo / _SQRT2) - special.erfcx((ms + hs) / _SQRT2) * np.exp(-2.0 * hs * ms)
            out[tail] = math.log(0.5) - 0.5 * lo * lo + np.log(bracket)
    return out


def log_single_trial_success(
    bias: ArrayLike, tau: ArrayLike, delta: ArrayLike, sigma_eta: ArrayLike
) -> float | NDArray[np.float64]:
    r"""Natural log of the single-trial success probability (Eq. 12-13).

    Same arguments and equation as :func:`single_trial_success`, evaluated in log
    space so that the result stays finite where the probability itself underflows
    float64 (e.g. ``|bias| sqrt(tau) / sigma_eta > 39``). It is ``-inf`` only when
    the log itself overflows (``(|bias| - delta)^2 tau / sigma_eta^2 > 1.8e308``).

    Returns
    -------
    float or ndarray
        :math:`\log \Pr(|B - \eta| \le \delta)`, broadcast over the inputs.
    """
    b = _checked("bias", bias, "finite")
    t = _checked("tau", tau, "positive and finite", lower=0.0, strict=True)
    d = _checked("delta", delta, "positive and finite", lower=0.0, strict=True)
    s = _checked("sigma_eta", sigma_eta, "positive and finite", lower=0.0, strict=True)
    b, t, d, s = _broadcast(("bias", "tau", "delta", "sigma_eta"), (b, t, d, s))
    with np.errstate(over="ignore", under="ignore"):
        root_t = np.sqrt(t)
        m = np.abs(b) * root_t / s
        h = d * root_t / s
    log_h = np.log(d) + 0.5 * np.log(t) - np.log(s)
    return _scalar_or_array(_log_window_prob(m, h, log_h))


def single_trial_success(
    bias: ArrayLike, tau: ArrayLike, delta: ArrayLike, sigma_eta: ArrayLike
) -> float | NDArray[np.float64]:
    r"""Exact probability that one target draw lands within ``delta`` of the prediction.

    With :math:`\eta \sim \mathcal N(0, \sigma_\eta^2/\tau)` (Eq. 11-12), the single-trial
    success is :math:`s = 1 - p` with ``p`` the failure of Eq. (13):

    .. math::

        s(B, \tau) = \Pr(|B - \eta| \le \delta)
                   = \Phi\!\left((|B| + \delta)\tfrac{\sqrt\tau}{\sigma_\eta}\right)
                   - \Phi\!\left((|B| - \delta)\tfrac{\sqrt\tau}{\sigma_\eta}\right).

    For small windows :math:`s \approx c_\delta \sqrt\tau\, e^{-B^2\tau/2\sigma_\eta^2}`,
    :math:`c_\delta = \sqrt{2/\pi}\,\delta/\sigma_\eta` (Eq. 14 for ``B = 0``, Eq. 16).

    Parameters
    ----------
    bias : array_like
        Model bias :math:`B = \mathcal E_{gen}(x)`, any finite real.
    tau : array_like
        Latent precision, positive and finite.
    delta : array_like
        Tolerance half-width, positive and finite.
    sigma_eta : array_like
        Noise scale, positive and finite.

    Returns
    -------
    float or ndarray
        ``s`` broadcast over the inputs (a float if all inputs are scalars).

    Notes
    -----
    The difference of CDFs is never formed: it is evaluated from the midpoint
    ``m = |B| sqrt(tau)/sigma_eta`` and half-width ``h = delta sqrt(tau)/sigma_eta`` by a
    Hermite series (tiny windows), a sum of ``erf`` (window straddling 0) or an
    ``erfcx`` tail form, so the relative error is ~1e-13 even for
    ``h ~ 1e-12`` or ``s ~ 1e-300`` (it grows like ``m^2 * 1e-16``, the conditioning
    of ``exp(-m^2/2)``). Values below the float64 range are returned as 0; use
    :func:`log_single_trial_success` there.
    """
    return _scalar_or_array(np.exp(log_single_trial_success(bias, tau, delta, sigma_eta)))


def failure_curve(success_probs: ArrayLike, ks: ArrayLike, axis: int = -1) -> float | NDArray[np.float64]:
    r"""Pass@k failure :math:`\mathcal L_{inf}(k)` averaged over instances (Eq. 13).

    .. math::

        \mathcal L_{inf}(k) = \frac1n \sum_{i=1}^n (1 - s_i)^k
                            = \frac1n \sum_{i=1}^n \exp\!\big(k \,\mathrm{log1p}(-s_i)\big),

    the empirical-average version of :math:`\mathbb E[p(x,\tau_x)^k] = 1 - \mathrm{pass@}k`.
    The log1p form is exact for tiny ``s`` and huge ``k`` (``s = 1e-9, k = 1e8`` gives
    ``exp(-0.1)``); ``s = 1`` contributes 0 and ``s = 0`` contributes 1.

    Parameters
    ----------
    success_probs : array_like
        Single-trial success probabilities in [0, 1], instances along ``axis``
        (a scalar is one instance).
    ks : array_like
        Scalar or 1-D array of numbers of trials, each finite and ``>= 1``.
        Non-integer ``k`` gives the continuous extension ``(1 - s)^k``.
    axis : int, optional
        Axis of ``success_probs`` that indexes instances (averaged out).

    Returns
    -------
    float or ndarray
        Shape ``success_probs.shape`` without ``axis``, followed by ``ks.shape``
        (a float for scalar ``ks`` and 1-D ``success_probs``).

    Notes
    -----
    Instances are processed in chunks so the temporary array has at most about
    4 million elements, whatever the number of instances.
    """
    s = _checked("success_probs", success_probs, "a probability in [0, 1]", lower=0.0, upper=1.0)
    k = _checked("ks", ks, "finite and >= 1", lower=1.0)
    if k.ndim > 1:
        raise ValueError(f"ks must be a scalar or a 1-D array, got shape {k.shape}")
    s = np.atleast_1d(s)
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool) or not -s.ndim <= axis < s.ndim:
        raise ValueError(f"axis must be an integer in [-{s.ndim}, {s.ndim}) for success_probs, got {axis!r}")
    s = np.moveaxis(s, axis, -1)
    n = s.shape[-1]
    if n == 0:
        raise ValueError("success_probs must hold at least one instance along axis")
    with np.errstate(divide="ignore"):
        log_q = np.log1p(-s)  # -inf where s == 1; k * -inf = -inf for k >= 1
    batch, k_flat = s.shape[:-1], k.reshape(-1)
    total = np.zeros(batch + (k_flat.size,))
    step = max(1, _CHUNK_ELEMENTS // max(1, math.prod(batch) * k_flat.size))
    with np.errstate(under="ignore"):
        for start in range(0, n, step):
            block = log_q[..., None, start : start + step] * k_flat[:, None]
            total += np.exp(block, out=block).sum(axis=-1)  # contiguous axis: pairwise sum
    return _scalar_or_array((total / n).reshape(batch + k.shape))


def pass_at_k_unbiased(n: ArrayLike, c: ArrayLike, k: ArrayLike) -> float | NDArray[np.float64]:
    r"""Unbiased pass@k estimator from ``n`` samples of which ``c`` are correct.

    Chen et al. (2021), Eq. (1) of the Codex paper:

    .. math::

        \widehat{\mathrm{pass@}k} = 1 - \binom{n-c}{k} \Big/ \binom{n}{k}
            = 1 - \prod_{j=0}^{t-1} \Big(1 - \frac{M}{n - j}\Big),
        \quad t = \min(c, k),\ M = \max(c, k).

    Parameters
    ----------
    n : array_like
        Number of samples, integer-valued ``>= 1``.
    c : array_like
        Number of correct samples, integer-valued, ``0 <= c <= n``.
    k : array_like
        Budget, integer-valued, ``1 <= k <= n`` (undefined for ``k > n``).

    Returns
    -------
    float or ndarray
        The estimate broadcast over ``n, c, k``; exactly 1.0 when ``n - c < k``
        and exactly 0.0 when ``c = 0``.

    Notes
    -----
    The ratio is formed in log space. If ``min(c, k) <= 64`` the product above is
    summed as ``log1p`` terms (relative error ~``min(c, k) eps`` on both pass@k
    and ``1 - pass@k``). Otherwise the log-Gamma ratio
    ``lgamma(n-c+1) - lgamma(n-c-k+1) - lgamma(n+1) + lgamma(n-k+1)`` is split into
    Stirling main parts, whose large terms cancel analytically, plus the small
    Stirling corrections; its absolute error is a few ``k eps``. Measured against
    60-digit references: relative error <= 1e-13 on ``1 - pass@k`` for
    ``n <= 1e8``, and on pass@k <= 2e-14 at ``n = 1e4``, growing like
    ``eps n / min(c, k)`` (4e-10 at ``n = 1e8``). Naive ``gammaln`` differences
    have an absolute error ~``n log(n) eps`` on the log ratio (5e-11 at ``n = 1e4``).
    """
    n_a = _checked("n", n, "an integer >= 1", lower=1.0, integer=True)
    c_a = _checked("c", c, "an integer >= 0", lower=0.0, integer=True)
    k_a = _checked("k", k, "an integer >= 1", lower=1.0, integer=True)
    n_a, c_a, k_a = _broadcast(("n", "c", "k"), (n_a, c_a, k_a))
    if (c_a > n_a).any():
        i = np.argmax(c_a > n_a)
        raise ValueError(f"c must satisfy c <= n, got c={c_a.flat[i]:g} > n={n_a.flat[i]:g}")
    if (k_a > n_a).any():
        i = np.argmax(k_a > n_a)
        raise ValueError(
            f"k must satisfy k <= n (the unbiased estimator is undefined for k > n), "
            f"got k={k_a.flat[i]:g} > n={n_a.flat[i]:g}"
        )
    certain = n_a - c_a < k_a
    t = np.where(certain, 0.0, np.minimum(c_a, k_a))
    log_ratio = np.zeros(n_a.shape)
    prod = t <= _PRODUCT_TERMS
    tp, mp, nump = t[prod], np.maximum(c_a, k_a)[prod], n_a[prod]
    acc = np.zeros(tp.shape)
    for j in range(int(tp.max(initial=0.0))):
        act = j < tp  # n - j > max(c, k) here, so every factor lies in (0, 1]
        acc[act] += np.log1p(-mp[act] / (nump[act] - j))
    log_ratio[prod] = acc
    # Otherwise: the four log-Gammas split as Stirling main part + correction, with the
    # large main parts cancelled analytically (x1 = n-c-k+1, x2 = n-k+1):
    # (x1-1/2) log1p(k/x1) - (x2-1/2) log1p(k/x2) + k log1p(-c/(n+1)) + sum of corrections.
    g = ~prod
    ng, cg, kg = n_a[g], c_a[g], k_a[g]
    x1, x2 = ng - cg - kg + 1.0, ng - kg + 1.0
    log_ratio[g] = (
        (x1 - 0.5) * np.log1p(kg / x1)
        - (x2 - 0.5) * np.log1p(kg / x2)
        + kg * np.log1p(-cg / (ng + 1.0))
        + (_stirling_corr(ng - cg + 1.0) - _stirling_corr(x1))
        - (_stirling_corr(ng + 1.0) - _stirling_corr(x2))
    )
    return _scalar_or_array(np.where(certain, 1.0, -np.expm1(log_ratio)))


# ---------------------------------------------------------------------------
# Population failure by deterministic quadrature
# ---------------------------------------------------------------------------

_GL_CACHE: dict[int, tuple[NDArray[np.float64], NDArray[np.float64]]] = {}


def _gauss_legendre(n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Gauss-Legendre nodes and weights on ``[0, 1]``."""
    if n not in _GL_CACHE:
        x, w = np.polynomial.legendre.leggauss(n)
        _GL_CACHE[n] = (0.5 * (x + 1.0), 0.5 * w)
    return _GL_CACHE[n]


def _composite(lo: float, hi: float, n_panels: int, order: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Composite Gauss-Legendre rule on ``[lo, hi]`` with equal panels."""
    x, w = _gauss_legendre(order)
    edges = np.linspace(lo, hi, n_panels + 1)
    width = np.diff(edges)[:, None]
    return (edges[:-1, None] + width * x).ravel(), (width * w).ravel()


def _log1m_exp(log_s: NDArray[np.float64]) -> NDArray[np.float64]:
    """``log(1 - exp(log_s))`` for ``log_s <= 0``, accurate on both ends."""
    out = np.empty_like(log_s)
    near_one = log_s > -math.log(2.0)
    with np.errstate(divide="ignore"):
        out[near_one] = np.log(-np.expm1(log_s[near_one]))
    out[~near_one] = np.log1p(-np.exp(log_s[~near_one]))
    return out


def population_failure(
    ks: ArrayLike,
    beta: float,
    delta: float,
    sigma_eta: float,
    bias_var: float = 0.0,
    *,
    panels_per_unit: float = 1.0,
    order: int = 10,
    bias_panels: int = 24,
) -> float | NDArray[np.float64]:
    r"""Exact population pass@k failure of the LID model, by deterministic quadrature.

    .. math::

        \mathcal L_{\inf}(k) = \mathbb E_{\tau, B}\bigl[(1 - s(B, \tau))^k\bigr],
        \qquad \tau \sim \mathrm{Gamma}(\beta/2, 1),\quad B \sim \mathcal N(0, v),

    with the exact Gaussian-window success ``s`` of :func:`single_trial_success`
    (Eq. 13 with the bias of Eq. 16 left exact; ``v = bias_var`` plays the role of
    :math:`\mathrm{Var}\,B_N \approx \mathcal L_{gen}(N)`; ``v = 0`` is the bias-free
    reference of Eq. 15).

    Method. The outer integral is over ``u = log tau`` on ``[log tau_lo, log tau_hi]``
    with composite Gauss-Legendre panels (``panels_per_unit`` panels per unit of ``u``,
    ``order`` nodes each). In ``u`` the factor :math:`(1-s)^k` is a smooth step of
    Gumbel shape whose width does not shrink with ``k``, so one grid serves every
    ``k``. Below ``tau_lo = (1e-8 / (k_max c_delta))^2`` every attempt fails up to a
    relative ``1e-8``, and that mass, :math:`\Pr(\tau \le \tau_{lo})`, is added in closed
    form; above ``tau_hi = beta/2 + 250`` the Gamma mass is below ``1e-100``. For
    ``v > 0`` the bias is integrated, for each ``tau``, in units of the instance's own
    noise scale, ``r = |B| sqrt(tau) / sigma_eta``, on ``[0, R]`` with ``bias_panels``
    panels, where ``R`` is the smaller of 30 standard deviations of ``r`` and the
    point beyond which ``k_max s < 1e-12``; beyond ``R`` every attempt fails (or the
    Gaussian mass is below ``1e-190``) and the mass ``2 Q(R / sd(r))`` is added in
    closed form. The defaults give a relative error below ``1e-6`` for
    ``k <= 1e6``, ``0.5 <= beta <= 10`` (checked against adaptive quadrature in the
    tests).

    Parameters
    ----------
    ks : array_like
        Numbers of attempts, ``k >= 1`` (real values are the continuous extension).
    beta : float
        Tail index, ``beta > 0``.
    delta, sigma_eta : float
        Tolerance and noise scale, positive.
    bias_var : float, default 0
        Variance ``v >= 0`` of the Gaussian model bias ``B``.

    Returns
    -------
    float or ndarray
        :math:`\mathcal L_{\inf}(k)` for each ``k`` (shape of ``ks``).
    """
    k = _checked("ks", ks, "a number >= 1", lower=1.0)
    beta = float(_checked("beta", beta, "positive and finite", lower=0.0, strict=True))
    delta = float(_checked("delta", delta, "positive and finite", lower=0.0, strict=True))
    sigma = float(_checked("sigma_eta", sigma_eta, "positive and finite", lower=0.0, strict=True))
    v = float(_checked("bias_var", bias_var, "non-negative and finite", lower=0.0))
    if k.size == 0:
        return k.copy()
    a = beta / 2.0
    c = math.sqrt(2.0 / math.pi) * delta / sigma
    k_max = float(k.max())

    tau_lo = min((1e-8 / (k_max * c)) ** 2, 1e-3)
    tau_hi = a + 250.0
    u_lo, u_hi = math.log(tau_lo), math.log(tau_hi)
    n_panels = max(4, int(math.ceil((u_hi - u_lo) * panels_per_unit)))
    u, wu = _composite(u_lo, u_hi, n_panels, order)
    tau = np.exp(u)
    log_w = np.log(wu) + a * u - tau - special.gammaln(a)  # Gamma density in u
    keep = log_w > -745.0  # drop nodes whose weight underflows
    tau, log_w = tau[keep], log_w[keep]
    w_tau = np.exp(log_w)
    h = delta * np.sqrt(tau) / sigma
    log_h = math.log(delta) + 0.5 * np.log(tau) - math.log(sigma)
    floor = float(special.gammainc(a, tau_lo))  # instances that always fail

    if v == 0.0:
        log_fail = _log1m_exp(_log_window_prob(np.zeros_like(h), h, log_h))[:, None]  # (n_tau, 1)
        weights = w_tau[:, None]
        extra = 0.0
    else:
        sd_r = np.sqrt(v * tau) / sigma  # standard deviation of r = |B| sqrt(tau) / sigma
        r_fail = h - special.ndtri(1e-12 / k_max)  # beyond: k_max s < k_max Q(r - h) = 1e-12
        R = np.minimum(30.0 * sd_r, r_fail)
        t, wt = _composite(0.0, 1.0, bias_panels, order)
        r = R[:, None] * t[None, :]  # (n_tau, n_r)
        z = r / sd_r[:, None]
        weights = w_tau[:, None] * (2.0 * wt[None, :] * R[:, None] / sd_r[:, None]) * np.exp(
            -0.5 * z * z - _LOG_SQRT_2PI
        )
        hh = np.broadcast_to(h[:, None], r.shape)
        lh = np.broadcast_to(log_h[:, None], r.shape)
        log_fail = _log1m_exp(_log_window_prob(r.ravel(), hh.ravel(), lh.ravel())).reshape(r.shape)
        extra = float(np.sum(w_tau * 2.0 * special.ndtr(-R / sd_r)))  # |r| > R: all attempts fail

    flat_w = weights.ravel()
    flat_lf = np.broadcast_to(log_fail, weights.shape).ravel()
    live = flat_w > 0
    flat_w, flat_lf = flat_w[live], flat_lf[live]
    kk = k.ravel()
    out = np.empty(kk.size)
    step = max(1, _CHUNK_ELEMENTS // max(1, flat_w.size))
    for i in range(0, kk.size, step):
        out[i : i + step] = np.exp(np.outer(kk[i : i + step], flat_lf)) @ flat_w
    return _scalar_or_array((out + extra + floor).reshape(k.shape))
