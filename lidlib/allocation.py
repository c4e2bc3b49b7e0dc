r"""Compute allocation between training and inference (Section 4.3, Eq. 21-25).

A budget ``C`` buys ``N`` training samples at ``c_N`` each and ``k`` attempts at
``c_k`` each, ``C = N c_N + k c_k`` (Eq. 21).  The objective is

.. math::

    \mathcal L_{tot} = R\,\mathcal L_{gen}(N) + \mathcal L_{\inf}(k; N),
    \qquad k = (C - N c_N)/c_k .

The module takes *fitted laws* rather than a model:

* ``gen`` -- the training law :math:`\mathcal L_{gen}(N)`: a :class:`PowerLawLoss`
  (``P_N N^-gamma``), a :class:`TabulatedLoss` (measured values, interpolated in
  log-log), or any vectorised callable of ``N``;
* ``inf`` -- the inference law :math:`\mathcal L_{\inf}(k; N)`: an
  :class:`InferenceSurface` (a grid of failure curves at several ``N``, from the exact
  LID engine with :meth:`InferenceSurface.from_lid` or from measured curves with
  :meth:`InferenceSurface.from_curves`, interpolated by a bicubic spline in
  ``(log N, log k)``), or the constant-exponent baseline :class:`PowerLawInference`
  (``P k^-beta``, Eq. 22 with ``beta_eff`` fixed).

:func:`optimal_allocation` returns the optimum with a bounded scalar optimiser;
:func:`solve_first_order_condition` (Eq. 24, via :func:`first_order_residual`) and
:func:`solve_power_law_optimum` (Eq. 25) solve the first-order conditions of
Proposition 4.3.  No lidlib infrastructure is imported here.

Boundaries.  The paper lets the training spend ``N c_N`` run over ``(0, C)``.  A
trained model needs some data, so here the "all inference" policy trains on the
smallest admissible ``N_min`` (for OLS, ``N > d + 1``) and spends the rest on attempts;
the "all training" policy keeps a single attempt, ``k = k_min = 1``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import interpolate, optimize

from lidlib._validation import as_float_array, positive
from lidlib.passk import population_failure

__all__ = [
    "PowerLawLoss",
    "TabulatedLoss",
    "InferenceSurface",
    "PowerLawInference",
    "WindowSlopeInference",
    "Allocation",
    "total_loss",
    "loss_map",
    "attempts_left",
    "feasible_range",
    "dtotal_dN",
    "optimal_allocation",
    "first_order_residual",
    "solve_first_order_condition",
    "solve_power_law_optimum",
    "marginal_training_share",
    "budget_sweep",
]

_LOG_STEP = 1e-4  # relative step of central differences in log N


# ----------------------------------------------------------------------------- laws
@dataclass(frozen=True)
class PowerLawLoss:
    r"""Training law :math:`\mathcal L_{gen}(N) = P_N N^{-\gamma}` (Prop. 4.3, Eq. 23).

    Parameters
    ----------
    P : float
        Prefactor ``P_N > 0``.
    gamma : float
        Exponent ``> 0``.

    Examples
    --------
    >>> from lidlib.allocation import PowerLawLoss
    >>> gen = PowerLawLoss(P=2.0, gamma=1.0)
    >>> gen(4.0), gen.derivative(4.0)
    (0.5, -0.125)
    """

    P: float
    gamma: float

    def __post_init__(self) -> None:
        positive("P", self.P)
        positive("gamma", self.gamma)

    def __call__(self, N) -> np.ndarray:
        return self.P * positive("N", N) ** -self.gamma

    def derivative(self, N) -> np.ndarray:
        """``d L_gen / d N``.

        Parameters
        ----------
        N : array_like
            Positive training sizes.

        Returns
        -------
        ndarray
            ``-gamma P N^(-gamma-1)``.
        """
        N = positive("N", N)
        return -self.gamma * self.P * N ** (-self.gamma - 1.0)

    @classmethod
    def fit(cls, Ns, values) -> PowerLawLoss:
        """Least-squares fit of ``log values = log P - gamma log N``.

        Parameters
        ----------
        Ns, values : array_like
            Training sizes and losses (positive, same length, at least 2).

        Returns
        -------
        PowerLawLoss

        Examples
        --------
        >>> from lidlib.allocation import PowerLawLoss
        >>> fit = PowerLawLoss.fit([10.0, 100.0, 1000.0], [0.3, 0.03, 0.003])
        >>> round(fit.P, 6), round(fit.gamma, 6)
        (3.0, 1.0)
        """
        N = positive("Ns", Ns).ravel()
        v = positive("values", values).ravel()
        if N.size != v.size or N.size < 2:
            raise ValueError("Ns and values must have the same length (at least 2)")
        slope, icpt = np.polyfit(np.log(N), np.log(v), 1)
        return cls(float(np.exp(icpt)), float(-slope))


class TabulatedLoss:
    r"""Training law from a table ``(N_i, L_i)``: cubic spline of ``log L`` in ``log N``.

    Only defined on ``[min N_i, max N_i]``; evaluating outside raises ``ValueError``.

    Parameters
    ----------
    Ns, values : array_like
        Distinct training sizes and positive losses (same length, at least 3).

    Examples
    --------
    >>> from lidlib.allocation import TabulatedLoss
    >>> gen = TabulatedLoss([10.0, 100.0, 1000.0], [0.3, 0.03, 0.003])
    >>> round(float(gen(31.6227766)), 4)  # log-log interpolation of an exact power law
    0.0949
    """

    def __init__(self, Ns, values) -> None:
        N = positive("Ns", Ns).ravel()
        v = positive("values", values).ravel()
        if N.size != v.size or N.size < 3:
            raise ValueError("Ns and values must have the same length (at least 3)")
        order = np.argsort(N)
        N, v = N[order], v[order]
        if np.any(np.diff(N) <= 0):
            raise ValueError("Ns must be distinct")
        self.N_range = (float(N[0]), float(N[-1]))
        self._spl = interpolate.CubicSpline(np.log(N), np.log(v))

    def _x(self, N) -> np.ndarray:
        N = positive("N", N)
        lo, hi = self.N_range
        if np.any(N < lo * (1 - 1e-9)) or np.any(N > hi * (1 + 1e-9)):
            raise ValueError(f"N must lie in the tabulated range [{lo:g}, {hi:g}]")
        return np.log(N)

    def __call__(self, N) -> np.ndarray:
        return np.exp(self._spl(self._x(N)))

    def derivative(self, N) -> np.ndarray:
        """``d L_gen / d N`` from the spline.

        Parameters
        ----------
        N : array_like
            Training sizes inside the tabulated range.

        Returns
        -------
        ndarray
        """
        x = self._x(N)
        return np.exp(self._spl(x)) * self._spl(x, 1) / np.exp(x)


def _gen_derivative(gen: Callable, N: np.ndarray) -> np.ndarray:
    if hasattr(gen, "derivative"):
        return np.asarray(gen.derivative(N), dtype=float)
    h = _LOG_STEP
    return (np.asarray(gen(N * (1 + h)), float) - np.asarray(gen(N * (1 - h)), float)) / (2 * h * N)


class InferenceSurface:
    r"""Pass@k failure :math:`\mathcal L_{\inf}(k; N)` interpolated from a grid of curves.

    A bicubic spline of ``log L`` over ``(log N, log k)``; its derivatives give the
    local exponent :math:`\beta_{\mathrm{eff}}(N; k) = -\partial\log L/\partial\log k`
    (Eq. 19, pointwise) and the ``N``-derivatives needed in Eq. 24.  Evaluation outside
    the grid raises ``ValueError``.

    Parameters
    ----------
    Ns : array_like, shape (n_N,)
        Strictly increasing training sizes (at least 4).
    ks : array_like, shape (n_k,)
        Strictly increasing numbers of attempts ``>= 1`` (at least 4).
    values : array_like, shape (n_N, n_k)
        Failure probabilities in ``(0, 1]``.

    Examples
    --------
    >>> from lidlib.allocation import InferenceSurface
    >>> Ns, ks = np.array([10.0, 20.0, 40.0, 80.0]), np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    >>> b = 0.5 + 0.1 * np.log(Ns)  # an exponent that grows with N
    >>> surf = InferenceSurface.from_curves(Ns, ks, 0.5 * ks[None, :] ** -b[:, None])
    >>> round(float(surf.beta_eff(20.0, 4.0)), 4)  # -d log L / d log k
    0.7996
    >>> round(float(surf(4.0, 20.0)), 4)  # L_inf(k = 4; N = 20)
    0.165
    """

    def __init__(self, Ns, ks, values) -> None:
        N = positive("Ns", Ns).ravel()
        k = as_float_array("ks", ks).ravel()
        L = positive("values", values)
        if np.any(k < 1):
            raise ValueError("ks must be >= 1")
        if N.size < 4 or k.size < 4:
            raise ValueError("Ns and ks must hold at least 4 points each (bicubic spline)")
        if np.any(np.diff(N) <= 0) or np.any(np.diff(k) <= 0):
            raise ValueError("Ns and ks must be strictly increasing")
        if L.shape != (N.size, k.size):
            raise ValueError(f"values must have shape (len(Ns), len(ks)) = {(N.size, k.size)}, got {L.shape}")
        if np.any(L > 1 + 1e-12):
            raise ValueError("values must be failure probabilities <= 1")
        self.Ns, self.ks, self.values = N, k, np.minimum(L, 1.0)
        self.N_range = (float(N[0]), float(N[-1]))
        self.k_range = (float(k[0]), float(k[-1]))
        self._spl = interpolate.RectBivariateSpline(np.log(N), np.log(k), np.log(self.values), kx=3, ky=3)

    # -- constructors ---------------------------------------------------------------
    @classmethod
    def from_lid(cls, Ns, ks, beta: float, delta: float, sigma_eta: float, bias_var) -> InferenceSurface:
        r"""Grid from the exact LID engine, ``bias_var = L_gen(N)`` (Eq. 13, 16).

        ``bias_var`` is an array (one variance per ``N``) or a callable of ``N``.
        One :func:`lidlib.passk.population_failure` call per ``N``.

        Parameters
        ----------
        Ns : array_like
            Strictly increasing training sizes (at least 4).
        ks : array_like
            Strictly increasing numbers of attempts ``>= 1`` (at least 4).
        beta, delta, sigma_eta : float
            LID tail index, tolerance and noise scale.
        bias_var : array_like or callable
            ``L_gen(N)``, one value per ``N`` or a function of ``N``.

        Returns
        -------
        InferenceSurface

        Examples
        --------
        >>> from lidlib.allocation import InferenceSurface, PowerLawLoss
        >>> surf = InferenceSurface.from_lid([10, 20, 40, 80], [1, 4, 16, 64], beta=3.0, delta=0.1,
        ...                                  sigma_eta=1.0, bias_var=PowerLawLoss(1.0, 1.0))
        >>> bool(surf.beta_eff(80.0, 16.0) > surf.beta_eff(10.0, 16.0))  # less bias, steeper decay
        True
        """
        N = positive("Ns", Ns).ravel()
        v = bias_var(N) if callable(bias_var) else bias_var
        v = as_float_array("bias_var", v).ravel()
        if v.size != N.size:
            raise ValueError(f"bias_var must give one value per N, got {v.size} for {N.size}")
        k = as_float_array("ks", ks).ravel()
        L = np.array([population_failure(k, beta, delta, sigma_eta, float(vi)) for vi in v])
        return cls(N, k, L)

    @classmethod
    def from_curves(cls, Ns, ks, curves) -> InferenceSurface:
        """Grid from measured failure curves (one row per ``N``), e.g. pass@k data.

        Parameters
        ----------
        Ns : array_like
            Strictly increasing training sizes (at least 4).
        ks : array_like
            Strictly increasing numbers of attempts ``>= 1`` (at least 4).
        curves : array_like of shape (len(Ns), len(ks))
            Failure probabilities.

        Returns
        -------
        InferenceSurface
        """
        return cls(Ns, ks, curves)

    # -- evaluation -----------------------------------------------------------------
    def _xy(self, N, k) -> tuple[np.ndarray, np.ndarray]:
        N, k = np.broadcast_arrays(positive("N", N), positive("k", k))
        (n0, n1), (k0, k1) = self.N_range, self.k_range
        eps = 1e-9
        if np.any(N < n0 * (1 - eps)) or np.any(N > n1 * (1 + eps)):
            raise ValueError(f"N must lie in the grid range [{n0:g}, {n1:g}]")
        if np.any(k < k0 * (1 - eps)) or np.any(k > k1 * (1 + eps)):
            raise ValueError(f"k must lie in the grid range [{k0:g}, {k1:g}]")
        return np.log(N), np.log(k)

    def log_value(self, N, k, dN: int = 0, dk: int = 0) -> np.ndarray:
        """``log L`` or its partial derivatives in ``(log N, log k)``.

        Parameters
        ----------
        N, k : array_like
            Points inside the grid (broadcast together).
        dN, dk : int
            Orders of the partial derivatives in ``log N`` and ``log k``.

        Returns
        -------
        ndarray
        """
        x, y = self._xy(N, k)
        return self._spl.ev(x.ravel(), y.ravel(), dx=dN, dy=dk).reshape(x.shape)

    def __call__(self, k, N) -> np.ndarray:
        """:math:`\\mathcal L_{\\inf}(k; N)` (capped at 1)."""
        return np.minimum(np.exp(self.log_value(N, k)), 1.0)

    def beta_eff(self, N, k) -> np.ndarray:
        r"""Pointwise local exponent :math:`-\partial \log L / \partial \log k`.

        Parameters
        ----------
        N, k : array_like
            Training sizes and numbers of attempts (broadcast together).

        Returns
        -------
        ndarray
        """
        return -self.log_value(N, k, dk=1)

    def beta_eff_dN(self, N, k) -> np.ndarray:
        r"""Discrete derivative :math:`\partial\beta_{\mathrm{eff}}/\partial N` at fixed ``k``.

        A central difference of :meth:`beta_eff` in ``log N``, one-sided at the grid ends.

        Parameters
        ----------
        N, k : array_like
            Training sizes and numbers of attempts (broadcast together).

        Returns
        -------
        ndarray
        """
        N, k = np.broadcast_arrays(positive("N", N), positive("k", k))
        n0, n1 = self.N_range
        h = 1e-3
        up = np.minimum(N * (1 + h), n1)
        dn = np.maximum(N * (1 - h), n0)
        return (self.beta_eff(up, k) - self.beta_eff(dn, k)) / (up - dn)

    def dlog_dN(self, N, k) -> np.ndarray:
        r""":math:`\partial \log \mathcal L_{\inf}/\partial N` at fixed ``k``.

        Parameters
        ----------
        N, k : array_like
            Training sizes and numbers of attempts (broadcast together).

        Returns
        -------
        ndarray
        """
        return self.log_value(N, k, dN=1) / positive("N", N)


class WindowSlopeInference:
    r"""An inference surface read with the *window* exponent of Eq. 20 in Eq. 24.

    Eq. 24 needs :math:`\beta_{\mathrm{eff}}` and :math:`\beta_{\mathrm{eff}}'`. The
    pointwise reading (:class:`InferenceSurface`) takes the local slope at the ``(N, k)``
    in question. This class gives the other reading that the paper's Fig. 1, Eq. 20
    and the caption of Fig. 2 support: :math:`\beta_{\mathrm{eff}}(N)` is the
    least-squares log-log slope of :math:`\mathcal L_{\inf}(\cdot; N)` over a fixed
    ``window = (k1, k2)``, a function of ``N`` only, and
    :math:`\beta_{\mathrm{eff}}'(N)` its derivative (central difference in ``log N``).
    The loss itself is the surface's, so only the two exponent terms of Eq. 24 change.

    Parameters
    ----------
    surface : InferenceSurface
    window : (k1, k2)
        Inside the surface's ``k`` range.
    n_points : int
        Log-spaced points of the least-squares slope over the window.

    Examples
    --------
    >>> from lidlib.allocation import InferenceSurface
    >>> Ns, ks = np.array([10.0, 20.0, 40.0, 80.0]), np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    >>> b = 0.5 + 0.1 * np.log(Ns)  # an exponent that grows with N
    >>> surf = InferenceSurface.from_curves(Ns, ks, 0.5 * ks[None, :] ** -b[:, None])
    >>> from lidlib.allocation import WindowSlopeInference
    >>> w = WindowSlopeInference(surf, window=(2.0, 8.0))
    >>> np.round(w.window_slope(np.array([10.0, 80.0])), 4)  # 0.5 + 0.1 log N
    array([0.7303, 0.9382])
    """

    def __init__(self, surface: InferenceSurface, window, n_points: int = 33) -> None:
        k1, k2 = positive("window", window)
        if not (surface.k_range[0] <= k1 < k2 <= surface.k_range[1]):
            raise ValueError(f"window must satisfy {surface.k_range[0]:g} <= k1 < k2 <= {surface.k_range[1]:g}")
        self.surface = surface
        self.window = (float(k1), float(k2))
        self.N_range, self.k_range = surface.N_range, surface.k_range
        lk = np.linspace(np.log(k1), np.log(k2), int(n_points))
        self._lk = lk
        self._w = (lk - lk.mean()) / np.sum((lk - lk.mean()) ** 2)  # least-squares slope weights

    def __call__(self, k, N) -> np.ndarray:
        return self.surface(k, N)

    def window_slope(self, N) -> np.ndarray:
        r""":math:`\beta_{\mathrm{eff}}(N)`: minus the least-squares slope over the window.

        Parameters
        ----------
        N : array_like
            Training sizes inside the surface's range.

        Returns
        -------
        ndarray
        """
        N = positive("N", N)
        logL = self.surface.log_value(N[..., None], np.exp(self._lk))
        return -(logL @ self._w)

    def beta_eff(self, N, k) -> np.ndarray:
        r"""The window exponent :math:`\beta_{\mathrm{eff}}(N)`, the same for every ``k``.

        Parameters
        ----------
        N, k : array_like
            Training sizes and numbers of attempts (broadcast together).

        Returns
        -------
        ndarray
        """
        N, k = np.broadcast_arrays(positive("N", N), positive("k", k))
        return self.window_slope(N)

    def beta_eff_dN(self, N, k) -> np.ndarray:
        r""":math:`d\beta_{\mathrm{eff}}/dN` of the window exponent (central difference in ``N``).

        Parameters
        ----------
        N, k : array_like
            Training sizes and numbers of attempts (broadcast together).

        Returns
        -------
        ndarray
        """
        N, k = np.broadcast_arrays(positive("N", N), positive("k", k))
        n0, n1 = self.N_range
        h = 1e-3
        up = np.minimum(N * (1 + h), n1)
        dn = np.maximum(N * (1 - h), n0)
        return (self.window_slope(up) - self.window_slope(dn)) / (up - dn)

    def dlog_dN(self, N, k) -> np.ndarray:
        r""":math:`\partial \log \mathcal L_{\inf}/\partial N` at fixed ``k``, from the surface.

        Parameters
        ----------
        N, k : array_like
            Training sizes and numbers of attempts (broadcast together).

        Returns
        -------
        ndarray
        """
        return self.surface.dlog_dN(N, k)


@dataclass(frozen=True)
class PowerLawInference:
    r"""Constant-exponent inference law :math:`\tilde P k^{-\beta}`, independent of ``N``.

    The baseline of Eq. 25.  Values are *not* capped at 1 (the closed-form optimum of
    Eq. 25 assumes the pure power law).

    Parameters
    ----------
    P : float
        Prefactor ``> 0``.
    beta : float
        Exponent ``> 0``.

    Examples
    --------
    >>> from lidlib.allocation import PowerLawInference
    >>> inf = PowerLawInference(P=0.5, beta=1.0)
    >>> inf(4.0), float(inf.beta_eff(10.0, 4.0))
    (0.125, 1.0)
    """

    P: float
    beta: float

    def __post_init__(self) -> None:
        positive("P", self.P)
        positive("beta", self.beta)

    def __call__(self, k, N=None) -> np.ndarray:
        return self.P * positive("k", k) ** -self.beta

    def beta_eff(self, N, k) -> np.ndarray:
        r"""The constant exponent ``beta``, broadcast to the shape of ``N`` and ``k``.

        Parameters
        ----------
        N, k : array_like
            Training sizes and numbers of attempts (broadcast together).

        Returns
        -------
        ndarray
        """
        return np.broadcast_to(self.beta, np.broadcast_shapes(np.shape(N), np.shape(k))).astype(float)

    def beta_eff_dN(self, N, k) -> np.ndarray:
        r"""Zero: the exponent does not depend on ``N``.

        Parameters
        ----------
        N, k : array_like
            Training sizes and numbers of attempts (broadcast together).

        Returns
        -------
        ndarray
        """
        return np.zeros(np.broadcast_shapes(np.shape(N), np.shape(k)))

    def dlog_dN(self, N, k) -> np.ndarray:
        r"""Zero: the law does not depend on ``N``.

        Parameters
        ----------
        N, k : array_like
            Training sizes and numbers of attempts (broadcast together).

        Returns
        -------
        ndarray
        """
        return np.zeros(np.broadcast_shapes(np.shape(N), np.shape(k)))

    @classmethod
    def fit(cls, ks, curve, window, beta: float | None = None) -> PowerLawInference:
        """Calibrate on one failure curve over ``window = (k1, k2)``.

        With ``beta`` given only the prefactor is fitted (geometric mean of
        ``L k^beta`` over the window); otherwise both by least squares in log-log.

        Parameters
        ----------
        ks, curve : array_like
            Numbers of attempts and the failure at each (positive).
        window : (k1, k2)
            The range of ``k`` used; it must hold at least two of ``ks``.
        beta : float, optional
            Fixed exponent.

        Returns
        -------
        PowerLawInference

        Examples
        --------
        >>> from lidlib.allocation import PowerLawInference
        >>> ks = np.array([1.0, 2.0, 4.0, 8.0])
        >>> fit = PowerLawInference.fit(ks, 0.5 / ks, window=(1, 8))
        >>> round(fit.P, 6), round(fit.beta, 6)
        (0.5, 1.0)
        """
        k = positive("ks", ks).ravel()
        L = positive("curve", curve).ravel()
        k1, k2 = positive("window", window)
        sel = (k >= k1) & (k <= k2)
        if sel.sum() < 2:
            raise ValueError("window must contain at least two of the ks")
        if beta is None:
            slope, icpt = np.polyfit(np.log(k[sel]), np.log(L[sel]), 1)
            return cls(float(np.exp(icpt)), float(-slope))
        b = float(positive("beta", beta))
        return cls(float(np.exp(np.mean(np.log(L[sel]) + b * np.log(k[sel])))), b)


# ------------------------------------------------------------------------ objective
def _costs(budget, c_N, c_k) -> tuple[float, float, float]:
    return float(positive("budget", budget)), float(positive("c_N", c_N)), float(positive("c_k", c_k))


def attempts_left(N, budget: float, c_N: float = 1.0, c_k: float = 1.0) -> np.ndarray:
    """``k = (C - N c_N) / c_k``, the attempts the rest of the budget buys (Eq. 21).

    Parameters
    ----------
    N : array_like
        Training sizes.
    budget : float
        The budget ``C``.
    c_N, c_k : float
        Unit costs of a training sample and of an attempt.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> from lidlib.allocation import attempts_left
    >>> attempts_left([10.0, 50.0], budget=100.0, c_N=1.0, c_k=2.0)
    array([45., 25.])
    """
    C, cN, ck = _costs(budget, c_N, c_k)
    return (C - positive("N", N) * cN) / ck


def total_loss(N, k, R, gen: Callable, inf: Callable) -> np.ndarray:
    r"""Eq. 21: :math:`R\,\mathcal L_{gen}(N) + \mathcal L_{\inf}(k; N)` (broadcasts).

    Parameters
    ----------
    N, k : array_like
        Training sizes and numbers of attempts.
    R : float
        Weight of the training loss.
    gen, inf : callable
        ``gen(N)`` and ``inf(k, N)``.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> from lidlib.allocation import PowerLawInference, PowerLawLoss, total_loss
    >>> total_loss(10.0, 10.0, 1.0, PowerLawLoss(1.0, 1.0), PowerLawInference(1.0, 1.0))
    0.2
    """
    R = positive("R", R)
    return R * np.asarray(gen(N), float) + np.asarray(inf(k, N), float)


def loss_map(gen, inf, budget, shares, Rs, c_N: float = 1.0, c_k: float = 1.0) -> np.ndarray:
    r"""Eq. 21 on a grid: rows are weights ``R``, columns training shares ``N c_N / C``.

    Returns an array of shape ``(len(Rs), len(shares))`` (Figure 2 heat maps).

    Parameters
    ----------
    gen, inf : callable
        ``gen(N)`` and ``inf(k, N)``.
    budget : float
        The budget ``C``.
    shares : array_like
        Training shares in ``(0, 1)``.
    Rs : array_like
        Weights ``R``.
    c_N, c_k : float
        Unit costs.

    Returns
    -------
    ndarray of shape (len(Rs), len(shares))

    Examples
    --------
    >>> from lidlib.allocation import PowerLawInference, PowerLawLoss, loss_map
    >>> loss_map(PowerLawLoss(1.0, 1.0), PowerLawInference(1.0, 1.0), 100.0, [0.2, 0.5], [1.0, 2.0])
    array([[0.0625, 0.04  ],
           [0.1125, 0.06  ]])
    """
    C, cN, ck = _costs(budget, c_N, c_k)
    s = as_float_array("shares", shares).ravel()
    if np.any((s <= 0) | (s >= 1)):
        raise ValueError("shares must lie strictly between 0 and 1")
    R = positive("Rs", Rs).ravel()
    N, k = s * C / cN, (1.0 - s) * C / ck
    return R[:, None] * np.asarray(gen(N), float)[None, :] + np.asarray(inf(k, N), float)[None, :]


def feasible_range(gen, inf, budget, c_N=1.0, c_k=1.0, N_min=None, N_max=None, k_min=1.0) -> tuple[float, float]:
    """The interval of ``N`` compatible with the budget and with the laws' domains.

    Lower end: ``N_min`` (default: the smallest ``N`` the laws accept) and the ``N``
    at which ``k`` would exceed the largest tabulated ``k``; upper end: ``N_max``, the
    largest accepted ``N``, and ``k >= k_min``.  Raises ``ValueError`` if empty.

    Parameters
    ----------
    gen, inf : callable
        The laws (their ``N_range`` and ``k_range``, if any, bound ``N``).
    budget : float
        The budget ``C``.
    c_N, c_k : float
        Unit costs.
    N_min, N_max : float, optional
        Bounds on ``N``.
    k_min : float
        Fewest attempts.

    Returns
    -------
    (N_lo, N_hi) : tuple of float

    Raises
    ------
    ValueError
        If the range is empty, or unbounded below without ``N_min``.

    Examples
    --------
    >>> from lidlib.allocation import PowerLawInference, PowerLawLoss, feasible_range
    >>> feasible_range(PowerLawLoss(1.0, 1.0), PowerLawInference(1.0, 1.0), 100.0, N_min=5.0)
    (5.0, 99.0)
    """
    C, cN, ck = _costs(budget, c_N, c_k)
    lo, hi = 0.0, np.inf
    for law in (gen, inf):
        if hasattr(law, "N_range"):
            lo, hi = max(lo, law.N_range[0]), min(hi, law.N_range[1])
    if hasattr(inf, "k_range"):
        lo = max(lo, (C - inf.k_range[1] * ck) / cN)
        k_min = max(float(k_min), inf.k_range[0])
    if N_min is not None:
        lo = max(lo, float(positive("N_min", N_min)))
    if N_max is not None:
        hi = min(hi, float(positive("N_max", N_max)))
    hi = min(hi, (C - float(positive("k_min", k_min)) * ck) / cN)
    if not lo > 0:
        raise ValueError("N_min must be given when the laws do not bound N from below")
    if lo >= hi:
        raise ValueError(f"budget {C:g} leaves no feasible N (need {lo:g} < N < {hi:g})")
    return float(lo), float(hi)


def dtotal_dN(N, budget, R, gen, inf, c_N=1.0, c_k=1.0) -> np.ndarray:
    r"""Exact :math:`d\mathcal L_{tot}/dN` along the budget line (``dk/dN = -c_N/c_k``).

    :math:`R\,\mathcal L_{gen}'(N) + \mathcal L_{\inf}\,[\partial_N \log\mathcal L_{\inf}
    + (c_N/c_k)\,\beta_{\mathrm{eff}}(N;k)/k]`; its sign at the ends of the feasible
    range decides boundary optima (Sec. 4.3, regime iii).  Multiply by ``1/c_N`` for
    the derivative in the training spend ``N c_N``.

    Parameters
    ----------
    N : array_like
        Training sizes.
    budget : float
        The budget ``C``.
    R : float
        Weight of the training loss.
    gen, inf
        The laws (``inf`` with ``beta_eff`` and ``dlog_dN``).
    c_N, c_k : float
        Unit costs.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> from lidlib.allocation import PowerLawInference, PowerLawLoss, dtotal_dN
    >>> gen, inf = PowerLawLoss(1.0, 1.0), PowerLawInference(1.0, 1.0)
    >>> dtotal_dN(np.array([25.0, 50.0]), 100.0, 1.0, gen, inf)  # zero at the optimum N = C/2
    array([-0.00142222,  0.        ])
    """
    C, cN, ck = _costs(budget, c_N, c_k)
    N = positive("N", N)
    k = (C - N * cN) / ck
    L = np.asarray(inf(k, N), float)
    return float(positive("R", R)) * _gen_derivative(gen, N) + L * (
        inf.dlog_dN(N, k) + (cN / ck) * inf.beta_eff(N, k) / k
    )


@dataclass(frozen=True)
class Allocation:
    """Result of :func:`optimal_allocation`.

    ``kind`` is ``"interior"``, ``"all-training"`` (``k = k_min``) or ``"all-inference"``
    (``N = N_min``); ``slope_ends`` holds ``dL_tot/dN`` at the two ends of ``N_bounds``.

    Attributes
    ----------
    N, k : float
        The optimal training size and attempts.
    share : float
        Training share ``N c_N / C``.
    loss, loss_all_training, loss_all_inference : float
        Eq. 21 at the optimum and at the two boundary policies.
    N_bounds : (float, float)
        The feasible range of ``N``.
    kind : str
        ``"interior"``, ``"all-training"`` or ``"all-inference"``.
    slope_ends : (float, float)
        ``dL_tot/dN`` at the two ends of ``N_bounds``.

    Examples
    --------
    See :func:`optimal_allocation`, which returns one.
    """

    N: float
    k: float
    share: float  # training share N c_N / C
    loss: float
    loss_all_training: float
    loss_all_inference: float
    N_bounds: tuple[float, float]
    kind: str
    slope_ends: tuple[float, float]

    @property
    def gain_over_best_boundary(self) -> float:
        """Ratio of the better boundary policy's loss to the optimal loss (>= 1)."""
        return min(self.loss_all_training, self.loss_all_inference) / self.loss


def optimal_allocation(
    gen: Callable,
    inf: Callable,
    budget: float,
    *,
    R: float = 1.0,
    c_N: float = 1.0,
    c_k: float = 1.0,
    N_min: float | None = None,
    N_max: float | None = None,
    k_min: float = 1.0,
    n_scan: int = 48,
    xatol: float = 1e-7,
) -> Allocation:
    r"""Minimise Eq. 21 over the training share under :math:`C = N c_N + k c_k`.

    A scan of ``n_scan`` log-spaced training sizes brackets the best basin, then
    :func:`scipy.optimize.minimize_scalar` (``method="bounded"``) refines it in
    ``log N`` (equivalently, in the log training share ``N c_N / C``); the two
    boundary policies are evaluated and kept if better.

    Parameters
    ----------
    gen : callable
        :math:`\mathcal L_{gen}(N)` (:class:`PowerLawLoss`, :class:`TabulatedLoss` or
        any vectorised function).
    inf : InferenceSurface or PowerLawInference
        :math:`\mathcal L_{\inf}(k; N)`, called as ``inf(k, N)``.
    budget, c_N, c_k : float
        Budget ``C`` and unit costs.
    R : float
        Weight of the training loss.
    N_min, N_max, k_min : float, optional
        Admissible range (see :func:`feasible_range`).

    Returns
    -------
    Allocation

    Examples
    --------
    >>> from lidlib import optimal_allocation
    >>> from lidlib.allocation import PowerLawInference, PowerLawLoss
    >>> a = optimal_allocation(PowerLawLoss(1.0, 1.0), PowerLawInference(1.0, 1.0), 100.0, N_min=1.0)
    >>> a.kind, round(a.N, 3), round(a.share, 3), round(a.loss, 4)  # 1/N + 1/(100 - N): N = 50
    ('interior', 50.0, 0.5, 0.04)
    """
    C, cN, ck = _costs(budget, c_N, c_k)
    R = float(positive("R", R))
    if int(n_scan) < 3:
        raise ValueError(f"n_scan must be >= 3, got {n_scan}")
    lo, hi = feasible_range(gen, inf, C, cN, ck, N_min, N_max, k_min)

    def f(logN):
        N = np.exp(logN)
        return float(total_loss(N, (C - N * cN) / ck, R, gen, inf))

    x = np.linspace(np.log(lo), np.log(hi), int(n_scan))
    Nx = np.exp(x)
    vals = total_loss(Nx, (C - Nx * cN) / ck, R, gen, inf)
    i = int(np.argmin(vals))
    a, b = x[max(i - 1, 0)], x[min(i + 1, x.size - 1)]
    res = optimize.minimize_scalar(f, bounds=(a, b), method="bounded", options={"xatol": xatol})
    cands = [
        (float(res.fun), float(res.x)),
        (float(vals[i]), float(x[i])),
        (float(vals[0]), float(x[0])),
        (float(vals[-1]), float(x[-1])),
    ]
    best_val, best_x = min(cands)
    N = float(np.exp(best_x))
    span = x[-1] - x[0]
    if abs(best_x - x[0]) <= 1e-6 * span + 1e-12:
        kind = "all-inference"
    elif abs(best_x - x[-1]) <= 1e-6 * span + 1e-12:
        kind = "all-training"
    else:
        kind = "interior"
    slopes = dtotal_dN(np.array([lo, hi]), C, R, gen, inf, cN, ck)
    return Allocation(
        N=N,
        k=(C - N * cN) / ck,
        share=N * cN / C,
        loss=best_val,
        loss_all_training=float(vals[-1]),
        loss_all_inference=float(vals[0]),
        N_bounds=(lo, hi),
        kind=kind,
        slope_ends=(float(slopes[0]), float(slopes[1])),
    )


# ---------------------------------------------------------------- first-order conditions
def first_order_residual(N, budget, R, gen, inf, c_N=1.0, c_k=1.0) -> np.ndarray:
    r"""Residual of the first-order condition (Eq. 24): left minus right side, per unit of ``N`` (times ``c_N``).

    .. math::

        -R\,\mathcal L_{gen}'(N) \;-\; \mathcal L_{\inf}(k;N)\Bigl[\frac{c_N}{c_k}
        \frac{\beta_{\mathrm{eff}}}{k} - \beta_{\mathrm{eff}}'(N)\ln k\Bigr],
        \qquad k = (C - N c_N)/c_k,

    with :math:`\beta_{\mathrm{eff}}` the local log-log slope of the inference law at
    ``(N, k)`` and :math:`\beta_{\mathrm{eff}}'` its derivative in ``N`` at fixed ``k``;
    the prefactor :math:`\tilde P(N)` is held fixed, as Proposition 4.3 assumes.  For
    a power law :math:`P_N N^{-\gamma}` the first term is the left side of Eq. 24.
    Positive: more training pays (according to Eq. 24).

    Parameters
    ----------
    N : array_like
        Training sizes (positive), each leaving ``k = (C - N c_N) / c_k`` attempts.
    budget, R, c_N, c_k : float
        Budget ``C``, weight of the training loss and unit costs (Eq. 21).
    gen : callable
        :math:`\mathcal L_{gen}(N)` (:class:`PowerLawLoss`, :class:`TabulatedLoss` or
        any vectorised function).
    inf : InferenceSurface or PowerLawInference
        :math:`\mathcal L_{\inf}(k; N)` with its ``beta_eff`` and ``beta_eff_dN``.

    Returns
    -------
    ndarray
        The residual at each ``N``.

    Examples
    --------
    >>> from lidlib.allocation import PowerLawInference, PowerLawLoss, first_order_residual
    >>> r = first_order_residual([40.0, 50.0, 60.0], 100.0, 1.0, PowerLawLoss(1.0, 1.0), PowerLawInference(1.0, 1.0))
    >>> np.round(r * 1e4, 3)  # 1/N^2 - 1/k^2: zero at N = k = 50
    array([ 3.472,  0.   , -3.472])
    """
    C, cN, ck = _costs(budget, c_N, c_k)
    N = positive("N", N)
    k = (C - N * cN) / ck
    L = np.asarray(inf(k, N), float)
    rhs = L * ((cN / ck) * inf.beta_eff(N, k) / k - inf.beta_eff_dN(N, k) * np.log(k))
    return -float(positive("R", R)) * _gen_derivative(gen, N) - rhs


def _solve_sign_changes(g: Callable, lo: float, hi: float, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.linspace(np.log(lo), np.log(hi), n)
    vals = g(np.exp(x))
    roots = []
    for j in np.flatnonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0):
        roots.append(optimize.brentq(lambda t: float(g(np.exp(t))), x[j], x[j + 1], xtol=1e-12))
    return np.exp(np.array(roots)), np.exp(x), vals


def solve_first_order_condition(
    gen, inf, budget, *, R=1.0, c_N=1.0, c_k=1.0, N_min=None, N_max=None, k_min=1.0, n_scan=200
) -> tuple[float, str]:
    """Allocation predicted by the first-order condition of Proposition 4.3 (Eq. 24): ``(N, kind)``.

    Roots of :func:`first_order_residual` where it changes sign from + to - (a minimum of the
    approximated objective); with several, the one with the lowest true Eq. 21 loss.
    Without a root the sign decides the boundary: residual > 0 throughout gives
    ``"all-training"``, < 0 ``"all-inference"``.

    Parameters
    ----------
    gen, inf : callable
        The training and inference laws, as in :func:`first_order_residual`.
    budget : float
        Budget ``C``.
    R, c_N, c_k : float
        Weight of the training loss and unit costs.
    N_min, N_max, k_min : float, optional
        Admissible range (see :func:`feasible_range`).
    n_scan : int
        Log-spaced training sizes scanned for sign changes.

    Returns
    -------
    N : float
        The predicted training size.
    kind : str
        ``"interior"``, ``"all-training"`` or ``"all-inference"``.

    Examples
    --------
    >>> from lidlib.allocation import PowerLawInference, PowerLawLoss, solve_first_order_condition
    >>> N, kind = solve_first_order_condition(PowerLawLoss(1.0, 1.0), PowerLawInference(1.0, 1.0), 100.0, N_min=1.0)
    >>> kind, round(N, 6)
    ('interior', 50.0)
    """
    C, cN, ck = _costs(budget, c_N, c_k)
    lo, hi = feasible_range(gen, inf, C, cN, ck, N_min, N_max, k_min)
    roots, _, vals = _solve_sign_changes(lambda N: first_order_residual(N, C, R, gen, inf, cN, ck), lo, hi, n_scan)
    minima = [r for r in roots if first_order_residual(r * (1 - 1e-6), C, R, gen, inf, cN, ck) > 0]
    cands = [(float(total_loss(r, (C - r * cN) / ck, R, gen, inf)), float(r), "interior") for r in minima]
    # ends that are local minima of the approximated objective
    if vals[0] < 0:
        cands.append((float(total_loss(lo, (C - lo * cN) / ck, R, gen, inf)), lo, "all-inference"))
    if vals[-1] > 0:
        cands.append((float(total_loss(hi, (C - hi * cN) / ck, R, gen, inf)), hi, "all-training"))
    _, N, kind = min(cands)
    return float(N), kind


def solve_power_law_optimum(
    gen: PowerLawLoss, inf: PowerLawInference, budget, *, R=1.0, c_N=1.0, c_k=1.0, N_min=None, N_max=None, k_min=1.0
) -> tuple[float, str]:
    r"""Optimum of the constant-exponent (power-law) problem, the root of Eq. 25: ``(N, kind)``.

    With :math:`\tilde N = N c_N`, Eq. 25 reads
    :math:`R P_N c_N^{\gamma}\gamma\tilde N^{-(\gamma+1)} = \tilde P c_k^{\beta}\beta
    (C-\tilde N)^{-(\beta+1)}`.  Its left side falls and its right side rises with
    :math:`\tilde N`, so the root is unique; it is found by bisection in ``log N``
    (``gamma = 1, beta`` generic has no elementary solution).  A root outside the
    feasible range means a boundary optimum.

    Parameters
    ----------
    gen : PowerLawLoss
        :math:`P_N N^{-\gamma}`.
    inf : PowerLawInference
        :math:`\tilde P k^{-\beta}` (Eq. 22 with a constant exponent).
    budget : float
        Budget ``C``.
    R, c_N, c_k : float
        Weight of the training loss and unit costs.
    N_min, N_max, k_min : float, optional
        Admissible range (see :func:`feasible_range`).

    Returns
    -------
    N : float
        The optimal training size.
    kind : str
        ``"interior"``, ``"all-training"`` or ``"all-inference"``.

    Examples
    --------
    >>> from lidlib.allocation import PowerLawInference, PowerLawLoss, solve_power_law_optimum
    >>> gen, inf = PowerLawLoss(1.0, 1.0), PowerLawInference(1.0, 1.0)
    >>> N, kind = solve_power_law_optimum(gen, inf, 100.0, N_min=1.0)
    >>> kind, round(N, 6)
    ('interior', 50.0)
    >>> solve_power_law_optimum(gen, inf, 100.0, R=1e-9, N_min=1.0)  # training barely counts
    (1.0, 'all-inference')
    """
    if not isinstance(gen, PowerLawLoss) or not isinstance(inf, PowerLawInference):
        raise ValueError("solve_power_law_optimum needs gen as PowerLawLoss and inf as PowerLawInference")
    C, cN, ck = _costs(budget, c_N, c_k)
    R = float(positive("R", R))
    lo, hi = feasible_range(gen, inf, C, cN, ck, N_min, N_max, k_min)

    def h(logN):  # log LHS - log RHS, decreasing in N
        Nt = np.exp(logN) * cN
        lhs = np.log(R * gen.P * gen.gamma) + gen.gamma * np.log(cN) - (gen.gamma + 1) * np.log(Nt)
        rhs = np.log(inf.P * inf.beta) + inf.beta * np.log(ck) - (inf.beta + 1) * np.log(C - Nt)
        return lhs - rhs

    a, b = np.log(lo), np.log(hi)
    if h(a) <= 0:
        return lo, "all-inference"
    if h(b) >= 0:
        return hi, "all-training"
    return float(np.exp(optimize.brentq(h, a, b, xtol=1e-13))), "interior"


def marginal_training_share(
    gen, inf, budgets, *, R=1.0, c_N=1.0, c_k=1.0, N_min=None, N_max=None, k_min=1.0
) -> tuple[np.ndarray, np.ndarray]:
    r"""Optimal ``N`` along budgets, and the share of each extra unit of budget spent on training (Eq. 21).

    The share is :math:`c_N\,\Delta N_\star/\Delta C` between consecutive budgets
    (the first entry is NaN).  A marginal share above 1/2 means the next
    unit of budget goes mostly to training; below 1/2, mostly to attempts.

    Parameters
    ----------
    gen, inf : callable
        The laws, as in :func:`optimal_allocation`.
    budgets : array_like
        Strictly increasing budgets.
    R, c_N, c_k, N_min, N_max, k_min
        As in :func:`optimal_allocation`.

    Returns
    -------
    N_star, marginal_share : ndarray

    Examples
    --------
    >>> from lidlib.allocation import PowerLawInference, PowerLawLoss, marginal_training_share
    >>> N, m = marginal_training_share(PowerLawLoss(1.0, 1.0), PowerLawInference(1.0, 1.0), [100.0, 200.0], N_min=1.0)
    >>> np.round(N, 3), np.round(m, 3)  # equal laws: half of every extra unit goes to training
    (array([ 50., 100.]), array([nan, 0.5]))
    """
    Cs = positive("budgets", budgets).ravel()
    if np.any(np.diff(Cs) <= 0):
        raise ValueError("budgets must be strictly increasing")
    Ns = np.array(
        [optimal_allocation(gen, inf, C, R=R, c_N=c_N, c_k=c_k, N_min=N_min, N_max=N_max, k_min=k_min).N for C in Cs]
    )
    marg = np.full(Cs.size, np.nan)
    marg[1:] = float(c_N) * np.diff(Ns) / np.diff(Cs)
    return Ns, marg


def budget_sweep(
    models: dict, budgets, shares, *, R: float, c_N: float = 1.0, c_k: float = 1.0, N_min=None, feasible=None
) -> dict[str, dict[str, Any]]:
    """The objective over training share and budget, and the optimum at every budget (Fig. 2, budget view).

    Parameters
    ----------
    models : dict
        ``name -> (gen, inf)`` laws (e.g. the exact LID surface and a baseline).
    budgets : array (n_C,)
        Budgets in units of ``c_k``.
    shares : array (n_share,)
        Training shares ``N c_N / C`` at which the objective is tabulated.
    R, c_N, c_k, N_min
        As in :func:`optimal_allocation`.
    feasible : (gen, inf), optional
        The laws whose domain decides which shares are feasible at each budget (default:
        each model's own); infeasible cells are NaN.

    Returns
    -------
    dict
        ``name -> {"map": (n_C, n_share) array, "optima": list of Allocation}``.

    Examples
    --------
    >>> from lidlib.allocation import PowerLawInference, PowerLawLoss, budget_sweep
    >>> laws = {"power": (PowerLawLoss(1.0, 1.0), PowerLawInference(1.0, 1.0))}
    >>> out = budget_sweep(laws, [100.0, 200.0], [0.25, 0.5, 0.75], R=1.0, N_min=1.0)
    >>> out["power"]["map"].shape, [round(a.N, 3) for a in out["power"]["optima"]]
    ((2, 3), [50.0, 100.0])
    """
    Cs = positive("budgets", budgets).ravel()
    sh = positive("shares", shares).ravel()
    out: dict[str, dict[str, Any]] = {}
    for name, (gen, inf) in models.items():
        fg, fi = feasible if feasible is not None else (gen, inf)
        Z = np.full((Cs.size, sh.size), np.nan)
        for i, C in enumerate(Cs):
            lo, hi = feasible_range(fg, fi, C, c_N, c_k, N_min=N_min)
            ok = (sh * C / c_N >= lo) & (sh * C / c_N <= hi)
            if ok.any():
                Z[i, ok] = loss_map(gen, inf, C, sh[ok], [R], c_N, c_k)[0]
        out[name] = {
            "map": Z,
            "optima": [optimal_allocation(gen, inf, C, R=R, c_N=c_N, c_k=c_k, N_min=N_min) for C in Cs],
        }
    return out
