"""Tail asymptotics and tail-index estimation."""

from __future__ import annotations

import numpy as np
from scipy import optimize

from lidlib._validation import as_float_array, positive_int


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
