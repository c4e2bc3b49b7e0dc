"""Tail asymptotics and tail-index estimation."""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special

from lidlib._validation import as_float_array, positive, positive_int


def _lowest(samples, k: int) -> tuple[np.ndarray, float]:
    """The ``k`` smallest positive samples divided by the ``(k+1)``-th, and that threshold."""
    x = as_float_array("samples", samples).ravel()
    if (x <= 0).any():
        raise ValueError("samples must be positive for a lower-tail index")
    k = positive_int("k", k)
    if k >= x.size:
        raise ValueError(f"k must be smaller than the number of samples ({x.size}), got {k}")
    low = np.sort(np.partition(x, k)[: k + 1])
    return low[:k] / low[k], float(low[k])


def lower_tail_index(samples, k: int, *, corrected: bool = True) -> tuple[float, float]:
    """Estimate the index ``a`` of a lower tail ``P(X <= t) ~ C t^a`` as ``t -> 0``.

    Uses the ``k`` smallest samples, rescaled by the threshold ``u = x_(k+1)`` to
    ``t_i = x_(i)/u`` in ``(0, 1]``.

    * ``corrected=False``: the Hill estimator ``a = k / sum_i log(1/t_i)``, the MLE of
      a pure power law below ``u``; standard error ``a/sqrt(k)``.  It is biased when
      the density bends below ``u`` (for the Gamma law by the factor ``e^-t``).
    * ``corrected=True`` (default): the MLE of the second-order model
      ``f(t) ∝ t^(a-1) (1 + b t)`` on ``(0, 1]``, which absorbs the first correction
      to regular variation (for ``Gamma(beta/2, 1)``, ``b ≈ -u``); standard error from
      the observed Fisher information.  Its bias is of order ``u^2`` instead of ``u``.

    Parameters
    ----------
    samples : array_like
        Positive samples.
    k : int
        Number of smallest order statistics used (``1 <= k < len(samples)``).

    Returns
    -------
    a_hat, se : float
        For the LID precision, ``a = beta/2`` (Definition 3.1, comment (ii)).
    """
    t, _ = _lowest(samples, k)
    k = t.size
    L = float(np.log(t).sum())
    a_hill = -k / L
    if not corrected:
        return float(a_hill), float(a_hill / np.sqrt(k))

    def nll(p: np.ndarray) -> float:
        a, b = p
        return -(a - 1.0) * L - float(np.log1p(b * t).sum()) + k * np.log(1.0 / a + b / (a + 1.0))

    res = optimize.minimize(
        nll, x0=[a_hill, 0.0], method="L-BFGS-B", bounds=[(1e-6, None), (-1.0 + 1e-9, None)]
    )
    a, b = res.x
    # observed information: Hessian of nll (closed form)
    Z = 1.0 / a + b / (a + 1.0)
    Za, Zb = -1.0 / a**2 - b / (a + 1.0) ** 2, 1.0 / (a + 1.0)
    Zaa, Zab = 2.0 / a**3 + 2.0 * b / (a + 1.0) ** 3, -1.0 / (a + 1.0) ** 2
    H = np.array(
        [
            [k * (Zaa / Z - Za * Za / Z**2), k * (Zab / Z - Za * Zb / Z**2)],
            [k * (Zab / Z - Za * Zb / Z**2), float(np.sum(t**2 / (1.0 + b * t) ** 2)) - k * Zb * Zb / Z**2],
        ]
    )
    se = float(np.sqrt(np.linalg.inv(H)[0, 0]))
    return float(a), se


def c_delta(delta: float, sigma_eta: float) -> float:
    """Small-window slope ``c_delta = sqrt(2/pi) delta / sigma_eta`` (Eq. 14): ``s ≈ c_delta sqrt(tau)``."""
    delta = float(positive("delta", delta))
    sigma_eta = float(positive("sigma_eta", sigma_eta))
    return math.sqrt(2.0 / math.pi) * delta / sigma_eta


def bias_free_constant(beta: float, delta: float, sigma_eta: float) -> float:
    r"""Constant of the bias-free pass@k law :math:`\mathcal L_{\inf}(k) \sim C_1 k^{-\beta}`.

    .. math::

        C_1 = \frac{2\,\Gamma(\beta)}{\Gamma(\beta/2)\, c_\delta^{\beta}},
        \qquad c_\delta = \sqrt{2/\pi}\,\delta/\sigma_\eta

    (Eq. 15 and 45), from :math:`\int_0^\infty e^{-k c_\delta\sqrt\tau}\,
    \tau^{\beta/2-1}\,d\tau/\Gamma(\beta/2)` with ``u = k c_delta sqrt(tau)``.
    Computed in log space, so it is finite wherever the result is representable.
    """
    beta = float(positive("beta", beta))
    c = c_delta(delta, sigma_eta)
    log_c1 = math.log(2.0) + special.gammaln(beta) - special.gammaln(beta / 2.0) - beta * math.log(c)
    return float(math.exp(log_c1))


def bias_free_asymptote(ks, beta: float, delta: float, sigma_eta: float) -> np.ndarray:
    """The Tauberian approximation ``C_1 k^-beta`` (Eq. 15) on an array of ``k``."""
    k = positive("ks", ks)
    return bias_free_constant(beta, delta, sigma_eta) * k ** (-float(beta))
