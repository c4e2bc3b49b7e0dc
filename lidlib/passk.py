"""Exact pass@k engine (Section 4.2 and App. B.3 of "Learning Shrinks the Hard Tail").

For a test instance with latent precision ``tau`` and model bias
``B = E_gen(x) = x^T theta_hat - x^T theta*``, trial ``j`` draws a target
``y_j ~ N(x^T theta*, sigma_eta^2 / tau)`` (Eq. 11) and succeeds iff
``|e_j| = |B - eta_j| <= delta`` with ``eta_j ~ N(0, sigma_eta^2 / tau)`` (Eq. 12).
The pass@k failure is the average of the single-trial failure to the power k (Eq. 13).

Everything here is exact (closed forms and deterministic quadrature); the Monte Carlo
counterparts (first-success simulations of the protocols) live in :mod:`lidlib.simulate`.
The module imports only the private layers ``lidlib._validation`` and
``lidlib._quadrature``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from lidlib._quadrature import (
    CHUNK_ELEMENTS,
    LOG_SQRT_2PI,
    c_delta,
    composite,
    gamma_nodes,
    gap_mixture,
    log1m_exp,
    log_window_prob,
    tau_cutoff,
)
from lidlib._validation import (
    check_array,
    check_broadcast,
    nonnegative,
    positive,
    probability,
    scalar_or_array,
)

__all__ = [
    "single_trial_success",
    "log_single_trial_success",
    "failure_curve",
    "pass_at_k_unbiased",
    "population_failure",
    "PROTOCOLS",
    "check_protocol",
    "protocol_failure",
]

_PRODUCT_TERMS = 64  # exact log1p product in pass@k when min(c, k) <= this
# Stirling series B_2j / (2j (2j - 1)), j = 1..8: truncation error < 2e-15 for z >= 10
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400)


def _stirling_corr(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """``log Gamma(z) - [(z - 1/2) log z - z + log sqrt(2 pi)]`` for ``z >= 1``, to ~1e-15 absolute."""
    out = np.empty_like(z)
    small = z < 10.0
    zs, zl = z[small], z[~small]
    out[small] = special.gammaln(zs) - ((zs - 0.5) * np.log(zs) - zs + LOG_SQRT_2PI)
    w, acc = 1.0 / (zl * zl), np.zeros_like(zl)
    for coef in reversed(_STIRLING):
        acc = acc * w + coef
    out[~small] = acc / zl
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
    b = check_array("bias", bias)
    t = positive("tau", tau)
    d = positive("delta", delta)
    s = positive("sigma_eta", sigma_eta)
    b, t, d, s = check_broadcast(bias=b, tau=t, delta=d, sigma_eta=s)
    with np.errstate(over="ignore", under="ignore"):
        root_t = np.sqrt(t)
        m = np.abs(b) * root_t / s
        h = d * root_t / s
    log_h = np.log(d) + 0.5 * np.log(t) - np.log(s)
    return scalar_or_array(log_window_prob(m, h, log_h))


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
    return scalar_or_array(np.exp(log_single_trial_success(bias, tau, delta, sigma_eta)))


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
    s = probability("success_probs", success_probs)
    k = check_array("ks", ks, min_val=1.0)
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
    step = max(1, CHUNK_ELEMENTS // max(1, math.prod(batch) * k_flat.size))
    with np.errstate(under="ignore"):
        for start in range(0, n, step):
            block = log_q[..., None, start : start + step] * k_flat[:, None]
            total += np.exp(block, out=block).sum(axis=-1)  # contiguous axis: pairwise sum
    return scalar_or_array((total / n).reshape(batch + k.shape))


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
    n_a = check_array("n", n, min_val=1.0, integer=True)
    c_a = check_array("c", c, min_val=0.0, integer=True)
    k_a = check_array("k", k, min_val=1.0, integer=True)
    n_a, c_a, k_a = check_broadcast(n=n_a, c=c_a, k=k_a)
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
    return scalar_or_array(np.where(certain, 1.0, -np.expm1(log_ratio)))


# ---------------------------------------------------------------------------
# Population failure by deterministic quadrature
# ---------------------------------------------------------------------------


def _engine_inputs(ks, beta, delta, sigma_eta, bias_var) -> tuple[NDArray[np.float64], float, float, float, float]:
    """Validated ``(k, beta, delta, sigma_eta, bias_var)`` of the quadrature engines."""
    k = check_array("ks", ks, min_val=1.0)
    beta = float(positive("beta", beta))
    delta = float(positive("delta", delta))
    sigma = float(positive("sigma_eta", sigma_eta))
    v = float(nonnegative("bias_var", bias_var))
    return k, beta, delta, sigma, v


def _engine_scales(k: NDArray[np.float64], beta: float, delta: float, sigma: float) -> tuple[float, float, float]:
    """``(a = beta/2, c_delta, k_max)`` shared by the quadrature engines (``k`` non-empty)."""
    return beta / 2.0, c_delta(delta, sigma), float(k.max())


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
    excess: bool = False,
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
    excess : bool, default False
        Return the failure caused by the bias, :math:`\mathcal L_{\inf}(k; v) -
        \mathcal L_{\inf}(k; 0)`, computed node by node as
        ``(1-s_B)^k (1 - exp(-k [log(1-s_B) - log(1-s_0)]))`` so that it keeps its relative
        precision when it is many orders of magnitude below the total.

    Returns
    -------
    float or ndarray
        :math:`\mathcal L_{\inf}(k)` for each ``k`` (shape of ``ks``).
    """
    k, beta, delta, sigma, v = _engine_inputs(ks, beta, delta, sigma_eta, bias_var)
    if k.size == 0:
        return k.copy()
    a, c, k_max = _engine_scales(k, beta, delta, sigma)

    tau_lo = tau_cutoff(k_max, c, 1e-3)
    tau, w_tau, floor = gamma_nodes(a, tau_lo, panels_per_unit, order)  # floor: instances that always fail
    h = delta * np.sqrt(tau) / sigma
    log_h = math.log(delta) + 0.5 * np.log(tau) - math.log(sigma)

    log_fail0 = log1m_exp(log_window_prob(np.zeros_like(h), h, log_h))  # bias-free, (n_tau,)
    if v == 0.0:
        if excess:
            return scalar_or_array(np.zeros(k.shape))
        node_w, node_lf, node_lf0 = w_tau, log_fail0, log_fail0
        beyond = np.zeros(0)
        beyond_lf0 = np.zeros(0)
    else:
        sd_r = np.sqrt(v * tau) / sigma  # standard deviation of r = |B| sqrt(tau) / sigma
        r_fail = h - special.ndtri(1e-12 / k_max)  # beyond: k_max s < k_max Q(r - h) = 1e-12
        R = np.minimum(30.0 * sd_r, r_fail)
        # Rows where the bias cannot matter: over r in [0, R] the log-failure moves by at
        # most ~ k_max s_0 R^2 < 1e-10, so one bias-free node represents the row.
        flat_row = k_max * np.exp(log_window_prob(np.zeros_like(h), h, log_h)) * (1.0 + R * R) * R * R < 1e-10
        wide = ~flat_row
        t, wt = composite(0.0, 1.0, bias_panels, order)
        Rw, sdw = R[wide], sd_r[wide]
        r = Rw[:, None] * t[None, :]  # (n_wide, n_r)
        z = r / sdw[:, None]
        w2 = w_tau[wide, None] * (2.0 * wt[None, :] * Rw[:, None] / sdw[:, None]) * np.exp(-0.5 * z * z - LOG_SQRT_2PI)
        hh = np.broadcast_to(h[wide, None], r.shape).ravel()
        lh = np.broadcast_to(log_h[wide, None], r.shape).ravel()
        lf2 = log1m_exp(log_window_prob(r.ravel(), hh, lh))
        lf02 = np.broadcast_to(log_fail0[wide, None], r.shape).ravel()
        node_w = np.concatenate([w_tau[flat_row], w2.ravel()])
        node_lf = np.concatenate([log_fail0[flat_row], lf2])
        node_lf0 = np.concatenate([log_fail0[flat_row], lf02])
        beyond = w_tau[wide] * 2.0 * special.ndtr(-Rw / sdw)  # |r| > R: every attempt fails
        beyond_lf0 = log_fail0[wide]
    live = node_w > 0
    node_w, node_lf, node_lf0 = node_w[live], node_lf[live], node_lf0[live]
    with np.errstate(invalid="ignore"):  # -inf - -inf where both always succeed
        gap = np.maximum(np.nan_to_num(node_lf - node_lf0, nan=0.0), 0.0)  # bias only lowers success

    kk = k.ravel()
    out = np.empty(kk.size)
    step = max(1, CHUNK_ELEMENTS // max(1, node_w.size))
    for i in range(0, kk.size, step):
        kc = kk[i : i + step, None]
        if excess:  # (1-s_B)^k - (1-s_0)^k, node by node, without cancellation
            out[i : i + step] = (np.exp(kc * node_lf) * -np.expm1(-kc * gap)) @ node_w
            out[i : i + step] += -np.expm1(kc * beyond_lf0) @ beyond
        else:
            out[i : i + step] = np.exp(kc * node_lf) @ node_w
    if excess:
        return scalar_or_array(out.reshape(k.shape))
    extra = float(beyond.sum())
    return scalar_or_array((out + extra + floor).reshape(k.shape))


# ---------------------------------------------------------------------------
# Pass@k protocols: target draws (Sec. 4.2) and model draws (App. B.4)
# ---------------------------------------------------------------------------
#
# Every protocol has the same shape: for an instance, trial j errs by
# ``e_j = offset + scale * Z_j`` with i.i.d. standard normal ``Z_j`` and succeeds iff
# ``|e_j| <= delta``.  Only what ``offset`` and ``scale`` are differs:
#
# ``"target"``                  k fresh targets y_j ~ N(m, sigma^2/tau) against the fixed
#                               prediction m + B (Eq. 11-13): offset B, scale sigma/sqrt(tau).
# ``"model-calibrated-mean"``   k proposals m + B + xi_j, xi_j ~ N(0, sigma^2/tau), checked
#                               against the mean m: offset B, scale sigma/sqrt(tau).
# ``"model-calibrated-label"``  the same proposals checked against ONE realised label
#                               y* = m + eta_0: offset B - eta_0, scale sigma/sqrt(tau).
# ``"model-fixed-mean"``        proposals with a tau-independent spread sampler_sd (the
#                               assumption of App. B.4) against the mean: offset B,
#                               scale sampler_sd.
# ``"model-fixed-label"``       the same against one realised label: offset B - eta_0,
#                               scale sampler_sd.
#
# :func:`lidlib.simulate.trial_geometry` draws ``offset`` and ``scale`` per instance;
# :func:`protocol_failure` integrates over them exactly.

#: The pass@k protocols: ``"target"`` (Sec. 4.2) and the model-draw variants of App. B.4 (offset and scale of each in the source comment above).
PROTOCOLS: tuple[str, ...] = (
    "target",
    "model-calibrated-mean",
    "model-calibrated-label",
    "model-fixed-mean",
    "model-fixed-label",
)


def check_protocol(protocol: str, sampler_sd: float | None) -> float | None:
    """Validate a protocol of :data:`PROTOCOLS` (Sec. 4.2, App. B.4); return its fixed sampler spread (``None``: calibrated).

    The protocols are the target draw of Sec. 4.2 and the model draws of App. B.4.
    ``sampler_sd`` must be given (positive) for the ``model-fixed-*`` protocols and is
    ignored by the others.  Used by :func:`protocol_failure` and the simulations of
    :mod:`lidlib.simulate`.

    Parameters
    ----------
    protocol : str
        One of :data:`PROTOCOLS`.
    sampler_sd : float or None
        Proposal spread of the ``model-fixed-*`` protocols.

    Returns
    -------
    float or None
        ``sampler_sd`` for a ``model-fixed-*`` protocol, else ``None``.

    Raises
    ------
    ValueError
        If the protocol is unknown, or ``sampler_sd`` is missing or not positive for a
        ``model-fixed-*`` protocol.

    Examples
    --------
    >>> check_protocol("target", None) is None
    True
    >>> check_protocol("model-fixed-label", 0.5)
    0.5
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
    if protocol.startswith("model-fixed"):
        if sampler_sd is None:
            raise ValueError(f"sampler_sd must be given for protocol {protocol!r}")
        return float(positive("sampler_sd", sampler_sd))
    return None


def protocol_failure(
    ks: ArrayLike,
    beta: float,
    delta: float,
    sigma_eta: float,
    bias_var: float = 0.0,
    *,
    protocol: str = "target",
    sampler_sd: float | None = None,
    panels_per_unit: float = 1.0,
    order: int = 10,
    bias_panels: int = 24,
) -> float | NDArray[np.float64]:
    r"""Exact population pass@k failure under a target-draw or model-draw protocol.

    :math:`\mathcal L(k) = \mathbb E[(1 - s)^k]` with the exact single-trial success
    ``s = P(|offset + scale Z| <= delta)`` of the protocol (see :func:`lidlib.simulate.trial_geometry`
    and :data:`PROTOCOLS`), :math:`\tau \sim \mathrm{Gamma}(\beta/2, 1)` and model bias
    :math:`B \sim \mathcal N(0, v)`.  ``"target"`` and ``"model-calibrated-mean"`` are
    the same law and both return :func:`population_failure` (Eq. 13).  For the
    ``*-label`` protocols the offset ``B - eta_0`` is Gaussian with variance
    ``v + sigma_eta^2 / tau`` given ``tau``; the model-draw protocols are those of
    App. B.4.

    Method: the quadrature of :func:`population_failure` (Gauss-Legendre in
    ``log tau``; the offset integrated in units of the trial scale).  Under the
    ``model-fixed-label`` protocol very hard instances can still succeed, so there the
    lower cut-off of ``tau`` is also placed below the ``1e-14`` quantile (the mass
    below it, counted as failing, bounds the error); ``model-fixed-mean`` does not
    depend on ``tau`` and is a one-dimensional integral over ``B``.

    Parameters
    ----------
    ks : array_like
        Numbers of attempts, ``k >= 1``.
    beta, delta, sigma_eta : float
        Tail index, tolerance and noise scale (positive).
    bias_var : float, default 0
        Variance of the model bias ``B``.
    protocol : str, default "target"
        One of :data:`PROTOCOLS`.
    sampler_sd : float, optional
        Proposal spread of the ``model-fixed-*`` protocols.

    Returns
    -------
    float or ndarray
        The failure for each ``k``.
    """
    sd_fixed = check_protocol(protocol, sampler_sd)
    if protocol in ("target", "model-calibrated-mean"):
        return population_failure(
            ks, beta, delta, sigma_eta, bias_var, panels_per_unit=panels_per_unit, order=order, bias_panels=bias_panels
        )
    k, beta, delta, sigma, v = _engine_inputs(ks, beta, delta, sigma_eta, bias_var)
    if k.size == 0:
        return k.copy()
    a, c, k_max = _engine_scales(k, beta, delta, sigma)
    label = 1.0 if protocol.endswith("label") else 0.0
    if protocol == "model-fixed-mean":  # the success does not depend on tau at all
        assert sd_fixed is not None  # check_protocol returns it for every model-fixed-* protocol
        h, sd_r = np.array([delta / sd_fixed]), np.array([math.sqrt(v) / sd_fixed])
        out = gap_mixture(k.ravel(), np.ones(1), h, sd_r, bias_panels=bias_panels, order=order)
        return scalar_or_array(out.reshape(k.shape))
    tau_lo = tau_cutoff(k_max, c, 1e-3)  # calibrated sampler: below, every attempt fails
    if sd_fixed is not None:  # fixed sampler: hard instances can still succeed; cut at the 1e-14 quantile
        tau_lo = min(tau_lo, max(float(special.gammaincinv(a, 1e-14)), 1e-300))
    tau, w_tau, floor = gamma_nodes(a, tau_lo, panels_per_unit, order)
    if sd_fixed is None:  # calibrated sampler: trial scale sigma / sqrt(tau)
        h = delta * np.sqrt(tau) / sigma
        sd_r = np.sqrt(v * tau / sigma**2 + label)
    else:
        h = np.full(tau.shape, delta / sd_fixed)
        sd_r = np.sqrt(v + label * sigma**2 / tau) / sd_fixed
    out = gap_mixture(k.ravel(), w_tau, h, sd_r, bias_panels=bias_panels, order=order)
    return scalar_or_array((out + floor).reshape(k.shape))
