"""Effective exponents: local log-log slopes and the saturating fit of Eq. 20."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from lidlib._validation import as_float_array, positive


def _curve(ks, values) -> tuple[np.ndarray, np.ndarray]:
    k = positive("ks", ks).ravel()
    v = positive("values", values).ravel()
    if k.size != v.size:
        raise ValueError(f"ks and values must have the same length, got {k.size} and {v.size}")
    if k.size < 2:
        raise ValueError("ks must hold at least two points")
    if np.any(np.diff(k) <= 0):
        raise ValueError("ks must be strictly increasing")
    return k, v


def local_slope(ks, values, window) -> float | np.ndarray:
    r"""Effective exponent :math:`-\,d\log L / d\log k` over a ``k``-window, for one curve or many.

    The least-squares slope of ``log values`` against ``log ks`` over the points with
    ``k1 <= k <= k2``, with the sign flipped so that ``L ~ k^-beta`` gives ``beta``
    (the estimator of :math:`\beta_{\mathrm{eff}}` in Proposition 4.2 and Eq. 19).

    Parameters
    ----------
    ks : array_like, shape (m,)
        Strictly increasing positive ``k`` values.
    values : array_like, shape (m,) or (..., m)
        Positive values ``L(k)``: one curve, or a stack of curves along the leading
        axes (e.g. one per model, or bootstrap replicates), each with one slope.
    window : (k1, k2) or array of shape (w, 2)
        One window, or several. Each window must contain at least two of the ``ks``.

    Returns
    -------
    float or ndarray
        Shape ``values.shape[:-1]``, followed by ``(w,)`` for an array of windows; a
        float for one curve and one window.

    Raises
    ------
    ValueError
        If a ``k`` or value is not positive, the lengths differ, ``ks`` is not strictly
        increasing, or a window is malformed or holds fewer than two ``ks``.

    Notes
    -----
    One curve is fitted by ``np.polyfit``; a stack of curves by the closed form of the
    same least-squares slope, ``-sum(x y) / sum(x x)`` with ``x`` and ``y`` the centred
    ``log k`` and ``log L`` in the window, vectorised over the leading axes. The two
    agree to rounding (~1e-15); each is kept so that the book's numbers stay bit-for-bit
    those computed before the two estimators were one function.

    Examples
    --------
    A pure power law ``L = 3 k^-1.5`` has the slope 1.5 in any window; two curves and
    two windows give a ``(2, 2)`` array:

    >>> import numpy as np
    >>> k = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    >>> round(local_slope(k, 3 * k**-1.5, (2, 16)), 6)
    1.5
    >>> np.round(local_slope(k, np.stack([k**-1.5, k**-0.5]), [(1, 4), (4, 16)]), 6)
    array([[1.5, 1.5],
           [0.5, 0.5]])
    """
    one_curve = np.ndim(values) <= 1
    k, L = _curve(ks, values) if one_curve else _curves(ks, values)
    w = positive("window", window)
    single = w.ndim == 1
    w = np.atleast_2d(w)
    if w.shape[-1] != 2 or w.ndim != 2:
        raise ValueError(f"window must be (k1, k2) or an array of shape (w, 2), got shape {w.shape}")
    if one_curve:
        lk, lv = np.log(k), np.log(L)
        out = np.empty(w.shape[0])
        for i, (k1, k2) in enumerate(w):
            sel = _window(k, k1, k2)
            out[i] = -np.polyfit(lk[sel], lv[sel], 1)[0]
        return float(out[0]) if single else out
    lk, lL = np.log(k), np.log(L)
    out = np.empty(L.shape[:-1] + (w.shape[0],))
    for i, (k1, k2) in enumerate(w):
        sel = _window(k, k1, k2)
        x = lk[sel] - lk[sel].mean()
        y = lL[..., sel] - lL[..., sel].mean(axis=-1, keepdims=True)
        out[..., i] = -(y @ x) / (x @ x)
    return out[..., 0] if single else out


def _window(k: np.ndarray, k1: float, k2: float) -> np.ndarray:
    """The points of ``k`` in ``[k1, k2]`` (at least two, else ``ValueError`` naming the window)."""
    sel = (k >= k1) & (k <= k2)
    if k1 >= k2 or sel.sum() < 2:
        raise ValueError(f"window ({k1:g}, {k2:g}) must contain at least two of the ks")
    return sel


def _curves(ks, values) -> tuple[np.ndarray, np.ndarray]:
    """``ks`` and a stack of curves along the last axis of ``values``, validated."""
    k = positive("ks", ks).ravel()
    L = positive("values", values)
    if L.shape[-1] != k.size:
        raise ValueError(f"values must have a last axis of length len(ks) = {k.size}, got shape {L.shape}")
    if k.size < 2:
        raise ValueError("ks must hold at least two points")
    if np.any(np.diff(k) <= 0):
        raise ValueError("ks must be strictly increasing")
    return k, L


def pointwise_slope(ks, values) -> np.ndarray:
    r"""``-d log L / d log k`` at every point (second-order finite differences; Eq. 19).

    The pointwise counterpart of :func:`local_slope`, the estimator of
    :math:`\beta_{\mathrm{eff}}` of Eq. 19.

    Parameters
    ----------
    ks : array_like, shape (m,)
        Strictly increasing positive ``k`` values (at least two).
    values : array_like, shape (m,)
        Positive values ``L(k)``.

    Returns
    -------
    ndarray, shape (m,)
        The local slope at each ``k``.

    Raises
    ------
    ValueError
        If the lengths differ, a value is not positive, or ``ks`` is not strictly increasing.

    Examples
    --------
    A pure power law ``L = 3 k^-1.5`` has the slope 1.5 everywhere:

    >>> import numpy as np
    >>> k = np.array([1.0, 2.0, 4.0, 8.0])
    >>> np.round(pointwise_slope(k, 3 * k**-1.5), 6)
    array([1.5, 1.5, 1.5, 1.5])
    """
    k, v = _curve(ks, values)
    return -np.gradient(np.log(v), np.log(k))


@dataclass(frozen=True)
class SaturatingFit:
    r"""Result of :func:`fit_saturating`: :math:`\beta_{\mathrm{eff}}(N) = \beta - \Delta/(1 + c N^\nu)`.

    Unpacks as ``beta, delta, c, nu = fit``; ``cov`` is the covariance of
    ``(beta, delta, log c, nu)`` from the least-squares Jacobian (``None`` if singular).
    Calling the fit evaluates :func:`saturating` at its parameters.

    Attributes
    ----------
    beta : float
        Asymptotic exponent :math:`\beta`.
    delta : float
        Depth :math:`\Delta` of the finite-``N`` deficit.
    c : float
        Scale ``c > 0``.
    nu : float
        Power ``nu > 0``.
    cov : ndarray of shape (4, 4) or None
        Covariance of ``(beta, delta, log c, nu)``.
    """

    beta: float
    delta: float
    c: float
    nu: float
    cov: np.ndarray | None = None

    def __iter__(self):
        return iter((self.beta, self.delta, self.c, self.nu))

    def __call__(self, N) -> np.ndarray:
        return saturating(N, self.beta, self.delta, self.c, self.nu)

    @property
    def beta_se(self) -> float:
        """Standard error of the fitted asymptote ``beta`` (NaN if unavailable)."""
        return float(np.sqrt(self.cov[0, 0])) if self.cov is not None else float("nan")


def saturating(N, beta: float, delta: float, c: float, nu: float) -> np.ndarray:
    r"""The saturating law :math:`\beta - \Delta/(1 + c N^\nu)` of Eq. 20.

    Parameters
    ----------
    N : array_like
        Sample sizes (positive).
    beta, delta, c, nu : float
        The parameters of the law.

    Returns
    -------
    ndarray
        :math:`\beta_{\mathrm{eff}}(N)`, same shape as ``N``.

    Raises
    ------
    ValueError
        If an ``N`` is not positive.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(saturating([1.0, 100.0], 2.0, 1.0, 1.0, 1.0), 6)
    array([1.5     , 1.990099])
    """
    N = positive("N", N)
    return beta - delta / (1.0 + c * N**nu)


def fit_saturating(Ns, beta_eff, sigma=None) -> SaturatingFit:
    r"""Fit :math:`\beta_{\mathrm{eff}}(N) = \beta - \Delta/(1 + c N^\nu)` (Eq. 20).

    Nonlinear least squares in ``(beta, Delta, log c, nu)`` (``c > 0``, ``nu > 0``),
    started from the last point as the asymptote and a grid of ``nu``; optional
    per-point standard deviations ``sigma`` weight the residuals.

    Parameters
    ----------
    Ns : array_like
        Positive sample sizes (at least four distinct values).
    beta_eff : array_like
        Measured effective exponents, same length.
    sigma : array_like, optional
        Their standard errors.

    Returns
    -------
    SaturatingFit
        Unpacks to ``(beta, delta, c, nu)``.

    Raises
    ------
    ValueError
        If the lengths differ, ``Ns`` has fewer than four distinct values, a ``N`` or
        ``sigma`` is not positive, or the fit fails from every starting point.

    Examples
    --------
    Noise-free points of the law are fitted back:

    >>> import numpy as np
    >>> Ns = np.geomspace(10, 1e4, 8)
    >>> fit = fit_saturating(Ns, saturating(Ns, 2.0, 1.0, 0.01, 1.0))
    >>> beta, delta, c, nu = fit
    >>> round(beta, 4), round(delta, 4), round(c, 4), round(nu, 4)
    (2.0, 1.0, 0.01, 1.0)
    """
    N = positive("Ns", Ns).ravel()
    y = as_float_array("beta_eff", beta_eff).ravel()
    if N.size != y.size:
        raise ValueError(f"Ns and beta_eff must have the same length, got {N.size} and {y.size}")
    if np.unique(N).size < 4:
        raise ValueError("Ns must hold at least four distinct values to fit four parameters")
    s = np.ones_like(y) if sigma is None else positive("sigma", sigma).ravel()
    if s.size != y.size:
        raise ValueError(f"sigma must have the same length as beta_eff, got {s.size} and {y.size}")
    order = np.argsort(N)
    N, y, s = N[order], y[order], s[order]
    logN = np.log(N)

    def resid(p):
        b, d, lc, nu = p
        return (b - d / (1.0 + np.exp(lc + nu * logN)) - y) / s

    best = None
    span = max(float(np.ptp(y)), 1e-3)
    for nu0 in (0.25, 0.5, 1.0, 2.0):
        lc0 = -nu0 * float(np.median(logN))  # c N^nu ~ 1 mid-range
        p0 = [y[-1] + 0.1 * span, 2.0 * span, lc0, nu0]
        try:
            r = optimize.least_squares(resid, p0, bounds=([-np.inf, -np.inf, -200, 1e-4], [np.inf, np.inf, 200, 20]))
        except (ValueError, np.linalg.LinAlgError):
            continue
        if best is None or r.cost < best.cost:
            best = r
    if best is None:
        raise ValueError("the saturating fit failed for every starting point")
    b, d, lc, nu = best.x
    cov = None
    try:
        J = best.jac
        dof = max(1, y.size - 4)
        scale = 2.0 * best.cost / dof if sigma is None else 1.0
        cov = np.linalg.inv(J.T @ J) * scale
    except np.linalg.LinAlgError:
        pass
    return SaturatingFit(float(b), float(d), float(np.exp(lc)), float(nu), cov)
