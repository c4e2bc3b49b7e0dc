r"""The quadrature layer of the exact pass@k engines (private; science modules only).

The pieces that :mod:`lidlib.passk`, :mod:`lidlib.tails` and :mod:`lidlib.two_tail`
share, kept in one place so that every engine uses the same rules:

* the single-trial window probability in log space (:func:`log_window_prob`, Eq. 12-13)
  and ``log(1 - exp(x))`` (:func:`log1m_exp`);
* Gauss-Legendre rules: :func:`gauss_legendre` on ``[0, 1]``, the composite rule
  :func:`composite` on equal panels and :func:`log_panels` (panels per unit of
  ``u = log tau``);
* the precision laws in ``u = log tau``: :func:`gamma_nodes` (the Gamma law of Eq. 1),
  :func:`law_nodes` and :func:`law_upper_end` (any ``scipy.stats`` law);
* the small-window slope :func:`c_delta` (Eq. 14) and the lower cut-off
  :func:`tau_cutoff` of the precision, below which every attempt fails;
* :func:`gap_mixture`, the average over a Gaussian offset used by the protocols
  and the small-window engines.

Nothing here validates its input: the public functions that call it do.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import special

__all__ = [
    "CHUNK_ELEMENTS",
    "LOG_SQRT_2PI",
    "log_window_prob",
    "log1m_exp",
    "gauss_legendre",
    "composite",
    "log_panels",
    "gamma_nodes",
    "law_nodes",
    "law_upper_end",
    "c_delta",
    "tau_cutoff",
    "gap_mixture",
]

CHUNK_ELEMENTS = 1 << 22  # bound on the temporary (k, node) arrays of the engines (32 MiB)
LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT2 = math.sqrt(2.0)
_SERIES_LIMIT = 1e-2  # Hermite series used when h * max(1, m) < _SERIES_LIMIT
_TAU_CUT = 1e-8  # below tau_cutoff, k_max c_delta sqrt(tau) < 1e-8: every attempt fails


def log_window_prob(m: NDArray[np.float64], h: NDArray[np.float64], log_h: NDArray[np.float64]) -> NDArray[np.float64]:
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
            out[series] = math.log(2.0) + log_h[series] - 0.5 * ms * ms - LOG_SQRT_2PI + np.log1p(corr)
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


def log1m_exp(log_s: NDArray[np.float64]) -> NDArray[np.float64]:
    """``log(1 - exp(log_s))`` for ``log_s <= 0``, accurate on both ends."""
    out = np.empty_like(log_s)
    near_one = log_s > -math.log(2.0)
    with np.errstate(divide="ignore"):
        out[near_one] = np.log(-np.expm1(log_s[near_one]))
    out[~near_one] = np.log1p(-np.exp(log_s[~near_one]))
    return out


_GL_CACHE: dict[int, tuple[NDArray[np.float64], NDArray[np.float64]]] = {}


def gauss_legendre(n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Gauss-Legendre nodes and weights on ``[0, 1]``."""
    if n not in _GL_CACHE:
        x, w = np.polynomial.legendre.leggauss(n)
        _GL_CACHE[n] = (0.5 * (x + 1.0), 0.5 * w)
    return _GL_CACHE[n]


def composite(lo: float, hi: float, n_panels: int, order: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Composite Gauss-Legendre rule on ``[lo, hi]`` with equal panels."""
    x, w = gauss_legendre(order)
    edges = np.linspace(lo, hi, n_panels + 1)
    width = np.diff(edges)[:, None]
    return (edges[:-1, None] + width * x).ravel(), (width * w).ravel()


def log_panels(
    u_lo: float, u_hi: float, panels_per_unit: float, order: int, min_panels: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """:func:`composite` on ``[u_lo, u_hi]`` with ``panels_per_unit`` panels per unit (at least ``min_panels``)."""
    n_panels = max(min_panels, int(math.ceil((u_hi - u_lo) * panels_per_unit)))
    return composite(u_lo, u_hi, n_panels, order)


def gamma_nodes(
    a: float, tau_lo: float, panels_per_unit: float, order: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    """Nodes and weights of ``Gamma(a, 1)`` in ``u = log tau`` on ``[tau_lo, a + 250]``, and ``P(tau <= tau_lo)``.

    Above ``a + 250`` the Gamma mass is below ``1e-100``; nodes whose weight underflows
    are dropped.
    """
    u, wu = log_panels(math.log(tau_lo), math.log(a + 250.0), panels_per_unit, order, 4)
    log_w = np.log(wu) + a * u - np.exp(u) - special.gammaln(a)
    keep = log_w > -745.0
    return np.exp(u[keep]), np.exp(log_w[keep]), float(special.gammainc(a, tau_lo))


def law_upper_end(dist: Any, tail_mass: float) -> float:
    """Upper end of a precision grid: the end of the support, else the ``1 - tail_mass`` quantile.

    ``dist`` is a frozen ``scipy.stats`` law; where its ``isf`` fails far out in a heavy
    right tail, the end is found by decades from the median (``inf`` if never reached).
    """
    upper = float(dist.support()[1])
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        tau_hi = upper if math.isfinite(upper) else float(dist.isf(tail_mass))
    if not math.isfinite(tau_hi):  # isf can fail far out in a heavy right tail
        tau_hi = max(float(dist.median()), 1.0)
        while dist.sf(tau_hi) > tail_mass and tau_hi < 1e300:
            tau_hi *= 10.0
    return tau_hi


def law_nodes(
    dist: Any, tau_lo: float, tau_hi: float, panels_per_unit: float, order: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Nodes ``tau``, weights (density times ``d tau``) and ``u = log tau`` of a law on ``[tau_lo, tau_hi]``.

    Composite Gauss-Legendre in ``u`` with at least 8 panels; ``dist`` is a frozen
    ``scipy.stats`` law (weights outside its support are 0).
    """
    u, wu = log_panels(math.log(tau_lo), math.log(tau_hi), panels_per_unit, order, 8)
    tau = np.exp(u)
    with np.errstate(divide="ignore", under="ignore"):
        w = wu * np.exp(dist.logpdf(tau) + u)
    return tau, w, u


def c_delta(delta: float, sigma_eta: float) -> float:
    """Small-window slope ``c_delta = sqrt(2/pi) delta / sigma_eta`` (Eq. 14), unvalidated."""
    return math.sqrt(2.0 / math.pi) * delta / sigma_eta


def tau_cutoff(k_max: float, c: float, cap: float | None = None) -> float:
    """Lower end ``tau_lo`` of the precision grid of the bias-free engines.

    Below ``tau_lo = (1e-8 / (k_max c_delta))^2`` the exact success is at most
    ``c_delta sqrt(tau) < 1e-8 / k_max``, so all ``k <= k_max`` attempts fail up to a
    relative ``1e-8`` and the law's mass there is added in closed form.  ``cap`` lowers
    ``tau_lo`` further (``min``), e.g. to keep a quantile of the law on the grid.
    """
    tau_lo = (_TAU_CUT / (k_max * c)) ** 2
    return tau_lo if cap is None else min(tau_lo, cap)


def gap_mixture(
    k: NDArray[np.float64],
    w_tau: NDArray[np.float64],
    h: NDArray[np.float64],
    sd_r: NDArray[np.float64],
    *,
    window: str = "exact",
    bias_panels: int = 24,
    order: int = 10,
) -> NDArray[np.float64]:
    r"""``sum_i w_i E_r[(1 - s(r, h_i))^k]`` with ``r = |N(0, sd_r_i^2)|``.

    The building block shared by the protocols (``h_i`` = tolerance and ``r`` = offset,
    both in units of the trial scale, at quadrature node ``i`` of the precision).  The
    offset is integrated on ``[0, R]`` with ``R = min(30 sd_r, r_fail)``, where beyond
    ``r_fail`` every one of ``k_max`` attempts fails up to ``1e-12``; the mass beyond
    ``R`` is added in closed form (as failing).  ``sd_r == 0`` is a point mass at 0.
    ``window="exact"`` uses the exact Gaussian-window success; ``"sw-exp"`` the factor
    ``exp(-k s_sw)`` with the small-window success ``s_sw = sqrt(2/pi) h exp(-r^2/2)``
    (Eq. 16/58, exponentiated as in Eq. 41); ``"sw-power"`` the factor
    ``(1 - min(s_sw, 1))^k`` (Eq. 16 alone).
    """
    k_max = float(k.max())
    log_h = np.log(h)
    # r > r_fail: every attempt fails up to 1e-12, since s < Q(r - h) < 1e-12 / k_max
    # (exact window) or s_sw = sqrt(2/pi) h exp(-r^2/2) < 1e-12 / k_max (small window)
    r_fail = h - special.ndtri(1e-12 / k_max)
    small_window = window != "exact"
    if small_window:
        r_sw = np.sqrt(2.0 * np.maximum(0.0, np.log(math.sqrt(2.0 / math.pi) * 1e12 * k_max) + log_h))
        r_fail = np.maximum(r_fail, r_sw)
    point = sd_r == 0.0
    R = np.where(point, 0.0, np.minimum(30.0 * np.where(point, 1.0, sd_r), r_fail))
    t, wt = composite(0.0, 1.0, bias_panels, order)
    r = R[:, None] * t[None, :]
    safe_sd = np.where(point, 1.0, sd_r)
    z = r / safe_sd[:, None]
    weights = w_tau[:, None] * (2.0 * wt[None, :] * R[:, None] / safe_sd[:, None]) * np.exp(-0.5 * z * z - LOG_SQRT_2PI)
    weights[point] = 0.0
    weights[point, 0] = w_tau[point]  # point mass: r = 0 (r[point] is all zeros)
    hh = np.broadcast_to(h[:, None], r.shape)
    if small_window:
        s_sw = math.sqrt(2.0 / math.pi) * hh * np.exp(-0.5 * r * r)
        with np.errstate(divide="ignore"):
            log_fail = -s_sw if window == "sw-exp" else np.log1p(-np.minimum(s_sw, 1.0))
    else:
        lh = np.broadcast_to(log_h[:, None], r.shape)
        log_fail = log1m_exp(log_window_prob(r.ravel(), hh.ravel(), lh.ravel())).reshape(r.shape)
    extra = float(np.sum(np.where(point, 0.0, w_tau * 2.0 * special.ndtr(-R / safe_sd))))
    flat_w, flat_lf = weights.ravel(), log_fail.ravel()
    live = flat_w > 0
    flat_w, flat_lf = flat_w[live], flat_lf[live]
    out = np.empty(k.size)
    step = max(1, CHUNK_ELEMENTS // max(1, flat_w.size))
    with np.errstate(under="ignore"):
        for i in range(0, k.size, step):
            out[i : i + step] = np.exp(np.outer(k[i : i + step], flat_lf)) @ flat_w
    return out + extra
