"""Tail asymptotics and tail-index estimation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, special, stats

from lidlib import _quadrature as quad
from lidlib._validation import as_float_array, check_array, nonnegative, positive, positive_int, rng_from
from lidlib.passk import log_single_trial_success, population_failure


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
    """Estimate the index ``a`` of a lower tail ``P(X <= t) ~ C t^a`` as ``t -> 0`` (Def. 3.1, comment (ii)).

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
    corrected : bool, default True
        Fit the second-order model (``True``) or return the Hill estimator (``False``).

    Returns
    -------
    a_hat, se : float
        For the LID precision, ``a = beta/2`` (Definition 3.1, comment (ii)).

    Raises
    ------
    ValueError
        If a sample is not positive, or ``k`` is not in ``[1, len(samples))``.

    Examples
    --------
    An exponential law, ``Gamma(1, 1)``, has the lower-tail index ``a = 1``:

    >>> import numpy as np
    >>> x = np.random.default_rng(0).gamma(1.0, size=20000)
    >>> a, se = lower_tail_index(x, 500)
    >>> abs(a - 1.0) < 3 * se
    True
    >>> a, se = lower_tail_index(x, 500, corrected=False)
    >>> round(a, 2), round(se, 3)
    (0.98, 0.044)
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

    res = optimize.minimize(nll, x0=[a_hill, 0.0], method="L-BFGS-B", bounds=[(1e-6, None), (-1.0 + 1e-9, None)])
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
    """Small-window slope ``c_delta = sqrt(2/pi) delta / sigma_eta`` (Eq. 14): ``s ≈ c_delta sqrt(tau)``.

    Parameters
    ----------
    delta : float
        Tolerance half-width (positive).
    sigma_eta : float
        Noise scale (positive).

    Returns
    -------
    float
        ``sqrt(2/pi) delta / sigma_eta``.

    Raises
    ------
    ValueError
        If ``delta`` or ``sigma_eta`` is not positive.

    Examples
    --------
    >>> import math
    >>> round(c_delta(0.05, 1.0), 6)
    0.039894
    >>> math.isclose(c_delta(0.05, 1.0), math.sqrt(2 / math.pi) * 0.05)
    True
    """
    delta = float(positive("delta", delta))
    sigma_eta = float(positive("sigma_eta", sigma_eta))
    return quad.c_delta(delta, sigma_eta)


def bias_free_constant(beta: float, delta: float, sigma_eta: float) -> float:
    r"""Constant of the bias-free pass@k law :math:`\mathcal L_{\inf}(k) \sim C_1 k^{-\beta}`.

    .. math::

        C_1 = \frac{2\,\Gamma(\beta)}{\Gamma(\beta/2)\, c_\delta^{\beta}},
        \qquad c_\delta = \sqrt{2/\pi}\,\delta/\sigma_\eta

    (Eq. 15 and 45), from :math:`\int_0^\infty e^{-k c_\delta\sqrt\tau}\,
    \tau^{\beta/2-1}\,d\tau/\Gamma(\beta/2)` with ``u = k c_delta sqrt(tau)``.
    Computed in log space, so it is finite wherever the result is representable.

    Parameters
    ----------
    beta : float
        Tail index (positive).
    delta, sigma_eta : float
        Tolerance and noise scale (positive).

    Returns
    -------
    float
        The constant :math:`C_1`.

    Raises
    ------
    ValueError
        If a parameter is not positive.

    Examples
    --------
    For ``beta = 2`` the constant is ``2 Gamma(2) / (Gamma(1) c_delta^2) = 2 / c_delta^2``:

    >>> round(bias_free_constant(2.0, 0.05, 1.0), 4)
    1256.6371
    >>> round(2.0 / c_delta(0.05, 1.0) ** 2, 4)
    1256.6371
    """
    beta = float(positive("beta", beta))
    c = c_delta(delta, sigma_eta)
    log_c1 = math.log(2.0) + special.gammaln(beta) - special.gammaln(beta / 2.0) - beta * math.log(c)
    return float(math.exp(log_c1))


def bias_free_asymptote(ks, beta: float, delta: float, sigma_eta: float) -> np.ndarray:
    """The Tauberian approximation ``C_1 k^-beta`` (Eq. 15) on an array of ``k``.

    Parameters
    ----------
    ks : array_like
        Numbers of attempts (positive).
    beta : float
        Tail index (positive).
    delta, sigma_eta : float
        Tolerance and noise scale (positive).

    Returns
    -------
    ndarray
        ``C_1 k^-beta`` (:func:`bias_free_constant`), same shape as ``ks``.

    Raises
    ------
    ValueError
        If a ``k`` or a parameter is not positive.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(bias_free_asymptote([10, 100], 2.0, 0.05, 1.0), 4)
    array([12.5664,  0.1257])
    """
    k = positive("ks", ks)
    return bias_free_constant(beta, delta, sigma_eta) * k ** (-float(beta))


# ---------------------------------------------------------------------------
# Small-window approximation (Eq. 14, 16, 41-42, 58) and the Tauberian onset
# ---------------------------------------------------------------------------


def small_window_success(bias, tau, delta: float, sigma_eta: float) -> np.ndarray:
    r"""Small-window single-trial success :math:`c_\delta\sqrt\tau\,e^{-B^2\tau/2\sigma_\eta^2}`.

    Eq. 16 and 58 (Eq. 14 for ``B = 0``), with :math:`c_\delta = \sqrt{2/\pi}\,\delta/\sigma_\eta`:
    the Gaussian density of the trial error at the gap ``B`` times the window ``2 delta``.
    It is the leading term of the exact success (:func:`lidlib.passk.single_trial_success`) for
    ``h max(1, m) -> 0``, with ``h = delta sqrt(tau)/sigma_eta`` and
    ``m = |B| sqrt(tau)/sigma_eta``; it is not a probability (it exceeds 1 once
    ``c_delta sqrt(tau) > 1``).

    Parameters
    ----------
    bias : array_like
        Model bias ``B`` (finite).
    tau : array_like
        Latent precision (positive).
    delta, sigma_eta : float
        Tolerance and noise scale (positive).

    Returns
    -------
    ndarray
        Broadcast over ``bias`` and ``tau``.

    Raises
    ------
    ValueError
        If ``tau``, ``delta`` or ``sigma_eta`` is not positive.

    Examples
    --------
    Without bias the success grows as ``c_delta sqrt(tau)``:

    >>> import numpy as np
    >>> np.round(small_window_success(0.0, [1.0, 4.0], 0.05, 1.0), 6)
    array([0.039894, 0.079788])
    """
    b = as_float_array("bias", bias)
    t = positive("tau", tau)
    c = c_delta(delta, sigma_eta)
    return c * np.sqrt(t) * np.exp(-0.5 * b * b * t / float(sigma_eta) ** 2)


def _hyperu_ratio(a: float, z: np.ndarray) -> np.ndarray:
    """``z^a U(a, 1/2, z)`` (Tricomi), which tends to 1 as ``z -> inf``.

    SciPy's ``hyperu`` for moderate ``z``; for ``z > 40 (a + 1)^2`` the asymptotic
    series ``sum_n (a)_n (a + 1/2)_n / n! (-z)^-n`` (relative error < 1e-15 there).
    """
    out = np.empty_like(z)
    big = z > 40.0 * (a + 1.0) ** 2
    zs = z[~big]
    with np.errstate(over="ignore", under="ignore"):
        out[~big] = special.hyperu(a, 0.5, zs) * np.exp(a * np.log(zs))
    zb = z[big]
    term, acc = np.ones_like(zb), np.ones_like(zb)
    for n in range(12):
        term = term * (a + n) * (a + 0.5 + n) / ((n + 1.0) * -zb)
        acc += term
    out[big] = acc
    return out


def small_window_failure(
    ks, beta: float, delta: float, sigma_eta: float, bias_var: float = 0.0, *, form: str = "exp"
) -> np.ndarray:
    r"""Population failure under the small-window approximation, :math:`\mathbb E[e^{-k\,s_{sw}}]` (Eq. 41-42).

    The approximation chain of Sec. 4.2 and App. B.3: the single-trial success is
    replaced by :func:`small_window_success` and :math:`(1-s)^k` by
    :math:`e^{-ks}` (Eq. 41), averaged over :math:`\tau\sim\mathrm{Gamma}(\beta/2,1)`
    and :math:`B\sim\mathcal N(0, v)`.  Only the final step of App. B.3 (dropping
    :math:`e^{-\tau}`, Eq. 43) is not taken.

    For ``v = 0`` this is Eq. 42, which has the closed form (put ``tau = x^2`` and use
    the integral representation of the Tricomi function ``U``)

    .. math::

        \frac{1}{\Gamma(\beta/2)}\int_0^\infty e^{-\lambda\sqrt\tau}\,\tau^{\beta/2-1}e^{-\tau}\,d\tau
        = \frac{2^{1-\beta}\,\Gamma(\beta)}{\Gamma(\beta/2)}\;U\!\left(\tfrac\beta2, \tfrac12, \tfrac{\lambda^2}{4}\right),
        \qquad \lambda = k c_\delta ,

    which equals :math:`C_1 k^{-\beta}\,[1 - \beta(\beta+1)/\lambda^2 + O(\lambda^{-4})]`:
    the Gamma integral of Eq. 44-45 is its leading term.  For ``v > 0`` the double
    integral is done by the quadrature of :func:`lidlib.passk.population_failure`.

    ``form="power"`` keeps the power instead, :math:`\mathbb E[(1 - \min(s_{sw}, 1))^k]`,
    which isolates the error of the window expansion (Eq. 14/16) from that of the
    exponentiation step of Eq. 41 (always by quadrature).

    Parameters
    ----------
    ks : array_like
        Numbers of attempts, ``k >= 1``.
    beta, delta, sigma_eta : float
        Tail index, tolerance, noise scale (positive).
    bias_var : float, default 0
        Variance of the model bias.
    form : {"exp", "power"}
        Exponentiated (Eq. 41) or power form, see above.

    Returns
    -------
    ndarray
        Same shape as ``ks``.

    Raises
    ------
    ValueError
        If ``form`` is unknown, a ``k`` is below 1, or a parameter is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(small_window_failure([10, 1000], 2.0, 0.05, 1.0), 5)
    array([0.71382, 0.00125])
    """
    if form not in ("exp", "power"):
        raise ValueError(f"form must be 'exp' or 'power', got {form!r}")

    k = check_array("ks", ks, min_val=1.0)
    beta = float(positive("beta", beta))
    c = c_delta(delta, sigma_eta)
    v = float(nonnegative("bias_var", bias_var))
    a = beta / 2.0
    if v == 0.0 and form == "exp":
        z = (k.ravel() * c) ** 2 / 4.0
        return (bias_free_asymptote(k.ravel(), beta, delta, sigma_eta) * _hyperu_ratio(a, z)).reshape(k.shape)
    k_max = float(k.max())
    tau, w_tau, floor = quad.gamma_nodes(a, quad.tau_cutoff(k_max, c, 1e-3), 1.0, 10)
    sigma = float(sigma_eta)
    h = float(delta) * np.sqrt(tau) / sigma
    sd_r = np.sqrt(v * tau) / sigma
    out = quad.gap_mixture(k.ravel(), w_tau, h, sd_r, window="sw-" + form)
    return (out + floor).reshape(k.shape)


def tauberian_ratio_second_order(ks, beta: float, delta: float, sigma_eta: float) -> np.ndarray:
    r"""Second-order prediction of :math:`\mathcal L_{\inf}(k) / (C_1 k^{-\beta})` (bias-free).

    .. math::

        \frac{\mathcal L_{\inf}(k)}{C_1 k^{-\beta}} = 1 - \beta(\beta+1)\Bigl[\frac{1}{2k}
            + \frac{1}{(k c_\delta)^2}\Bigr] + \dots

    With ``u = k c_delta sqrt(tau)`` the dominant instances have ``u = O(1)``, where
    the Gamma-weighted mean of ``u^2`` is ``beta (beta + 1)``.  The ``1/(2k)`` term is
    the difference between :math:`(1-s)^k` and :math:`e^{-ks}` (``log(1 - s) = -s - s^2/2``,
    ``k s^2/2 = u^2 / 2k``); the ``(k c_delta)^-2`` term is the factor :math:`e^{-\tau}`
    dropped in Eq. 43 (``tau = u^2 / (k c_delta)^2``).  The curvature of the window
    (Eq. 14 is only the first term of ``erf``) enters at order ``k^-2``.

    Parameters
    ----------
    ks : array_like
        Numbers of attempts (positive).
    beta : float
        Tail index (positive).
    delta, sigma_eta : float
        Tolerance and noise scale (positive).

    Returns
    -------
    ndarray
        The predicted ratio, same shape as ``ks``.

    Raises
    ------
    ValueError
        If a ``k`` or a parameter is not positive.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(tauberian_ratio_second_order([100, 1000], 2.0, 0.05, 1.0), 4)
    array([0.593 , 0.9932])
    """
    k = positive("ks", ks)
    beta = float(positive("beta", beta))
    c = c_delta(delta, sigma_eta)
    return 1.0 - beta * (beta + 1.0) * (0.5 / k + 1.0 / (k * c) ** 2)


def tauberian_onset_second_order(beta: float, delta: float, sigma_eta: float, rel_tol: float = 0.01) -> float:
    """The ``k`` at which :func:`tauberian_ratio_second_order` equals ``1 - rel_tol``.

    Solves ``beta (beta + 1) (x / 2 + x^2 / c_delta^2) = rel_tol`` for ``x = 1/k``.

    Parameters
    ----------
    beta : float
        Tail index (positive).
    delta, sigma_eta : float
        Tolerance and noise scale (positive).
    rel_tol : float, default 0.01
        Relative distance from the asymptote (positive).

    Returns
    -------
    float
        The onset ``k``.

    Raises
    ------
    ValueError
        If a parameter is not positive.

    Examples
    --------
    >>> k = tauberian_onset_second_order(2.0, 0.05, 1.0)
    >>> round(k, 1)
    782.1
    >>> round(float(tauberian_ratio_second_order(k, 2.0, 0.05, 1.0)), 6)
    0.99
    """
    beta = float(positive("beta", beta))
    tol = float(positive("rel_tol", rel_tol))
    c = c_delta(delta, sigma_eta)
    A, B = beta * (beta + 1.0) / c**2, beta * (beta + 1.0) / 2.0
    x = 2.0 * tol / (B + math.sqrt(B * B + 4.0 * A * tol))  # stable root of A x^2 + B x - tol
    return 1.0 / x


def tauberian_onset(
    beta: float, delta: float, sigma_eta: float, rel_tol: float = 0.01, *, k_max: float = 1e8, bias_var: float = 0.0
) -> float:
    r"""Smallest ``k`` beyond which the exact failure is within ``rel_tol`` of :math:`C_1 k^{-\beta}` (Eq. 15).

    Root-finding on the exact engine (:func:`lidlib.passk.population_failure`): the ratio
    :math:`\mathcal L_{\inf}(k) / (C_1 k^{-\beta})` (Eq. 15/45) is evaluated on a
    logarithmic grid of ``k`` in ``[1, k_max]``; the last grid interval where
    ``|ratio - 1|`` crosses ``rel_tol`` is refined with Brent's method.

    Parameters
    ----------
    beta : float
        Tail index (positive).
    delta, sigma_eta : float
        Tolerance and noise scale (positive).
    rel_tol : float, default 0.01
        Relative distance from the asymptote (positive).
    k_max : float, default 1e8
        Upper end of the search grid (at least 2).
    bias_var : float, default 0
        Variance of the model bias.

    Returns
    -------
    float
        The onset ``k`` (1.0 if the ratio is within tolerance everywhere; ``inf`` if it
        is not within tolerance at ``k_max``, e.g. with a large ``bias_var``).

    Raises
    ------
    ValueError
        If a parameter is not positive or ``k_max < 2``.

    Examples
    --------
    >>> round(tauberian_onset(2.0, 0.5, 1.0, k_max=1e4), 1)
    307.6
    """
    beta = float(positive("beta", beta))
    tol = float(positive("rel_tol", rel_tol))
    k_max = float(positive("k_max", k_max))
    if k_max < 2:
        raise ValueError(f"k_max must be at least 2, got {k_max}")

    def gap(k):
        k = np.asarray(k, dtype=float)
        r = population_failure(k, beta, delta, sigma_eta, bias_var) / bias_free_asymptote(k, beta, delta, sigma_eta)
        return np.abs(r - 1.0) - tol

    grid = np.logspace(0.0, math.log10(k_max), 241)
    g = gap(grid)
    if g[-1] > 0:
        return float("inf")
    outside = np.nonzero(g > 0)[0]
    if outside.size == 0:
        return 1.0
    i = int(outside[-1])
    return math.exp(
        optimize.brentq(lambda lk: float(gap(math.exp(lk))), math.log(grid[i]), math.log(grid[i + 1]), xtol=1e-10)
    )


# ---------------------------------------------------------------------------
# Tail universality: other precision laws (comment (ii) of Definition 3.1)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PrecisionLaw:
    r"""A law of the latent precision and its exact bias-free pass@k failure (Def. 3.1, comment (ii)).

    Definition 3.1, comment (ii): only the near-zero tail
    :math:`\Pr(\tau\le t)\sim L_0\,t^{\beta/2}` should matter for the exponent.  For a
    regularly varying law the Karamata Tauberian argument of App. B.3 gives

    .. math::

        \mathcal L_{\inf}(k) \sim L_0\,\Gamma(\beta+1)\,(k c_\delta)^{-\beta},

    which for :math:`\mathrm{Gamma}(\beta/2,1)` (``L0 = 1/Gamma(beta/2+1)``) is
    :math:`C_1 k^{-\beta}` of Eq. 45.

    Attributes
    ----------
    name : str
        Label for tables and legends.
    dist : scipy.stats frozen distribution
        The law of ``tau`` (support in ``[0, inf)``).
    beta : float
        Twice the lower-tail index; ``nan`` if the law is not regularly varying at 0.
    tail_constant : float
        ``L0``; ``nan`` if not regularly varying.
    """

    name: str
    dist: Any
    beta: float
    tail_constant: float

    @property
    def regularly_varying(self) -> bool:
        """Whether ``P(tau <= t) / t^(beta/2)`` has a positive finite limit at 0."""
        return math.isfinite(self.beta)

    def cdf(self, t) -> np.ndarray:
        """``P(tau <= t)``.

        Parameters
        ----------
        t : array_like
            Points at which to evaluate the distribution function.

        Returns
        -------
        ndarray
            ``P(tau <= t)``, same shape as ``t``.

        Examples
        --------
        >>> import numpy as np
        >>> np.round(gamma_precision(2.0).cdf([0.5, 1.0]), 6)
        array([0.393469, 0.632121])
        """
        return self.dist.cdf(as_float_array("t", t, allow_inf=True))

    def sample(self, n: int, rng) -> np.ndarray:
        """``n`` draws of ``tau`` from an explicit generator (or integer seed).

        Parameters
        ----------
        n : int
            Number of draws (positive).
        rng : numpy.random.Generator or int
            Random generator or seed.

        Returns
        -------
        ndarray
            Shape ``(n,)``.

        Raises
        ------
        ValueError
            If ``n`` is not a positive integer.

        Examples
        --------
        >>> gamma_precision(2.0).sample(3, 0).shape
        (3,)
        """
        return np.asarray(self.dist.rvs(size=positive_int("n", n), random_state=rng_from(rng)), dtype=float)

    def asymptote(self, ks, delta: float, sigma_eta: float) -> np.ndarray:
        r"""Tauberian prediction ``L0 Gamma(beta + 1) (k c_delta)^-beta`` (NaN if not regularly varying).

        Parameters
        ----------
        ks : array_like
            Numbers of attempts (positive).
        delta, sigma_eta : float
            Tolerance and noise scale (positive).

        Returns
        -------
        ndarray
            Same shape as ``ks``.

        Raises
        ------
        ValueError
            If a ``k``, ``delta`` or ``sigma_eta`` is not positive.

        Examples
        --------
        For the Gamma law of Eq. 1 it is :math:`C_1 k^{-\beta}` (:func:`bias_free_asymptote`):

        >>> import numpy as np
        >>> np.round(gamma_precision(2.0).asymptote([100.0], 0.05, 1.0), 4)
        array([0.1257])
        """
        k = positive("ks", ks)
        c = c_delta(delta, sigma_eta)
        if not self.regularly_varying:
            return np.full(k.shape, np.nan)
        return self.tail_constant * special.gamma(self.beta + 1.0) * (k * c) ** (-self.beta)

    def failure(
        self, ks, delta: float, sigma_eta: float, *, panels_per_unit: float = 2.0, order: int = 10
    ) -> np.ndarray:
        r"""Exact bias-free failure :math:`\mathbb E[(1 - s(0, \tau))^k]` (Eq. 13) by Gauss-Legendre quadrature in ``log tau``.

        Below ``tau_lo = min((1e-8 / (k_max c_delta))^2, F^-1(1e-10))`` every attempt
        fails up to a relative ``1e-8`` (the exact success is at most ``c_delta sqrt(tau)``)
        and that mass is added in closed form; the grid ends at the upper end of the
        support or at the ``1 - 1e-17`` quantile.

        Parameters
        ----------
        ks : array_like
            Numbers of attempts, ``k >= 1``.
        delta, sigma_eta : float
            Tolerance and noise scale (positive).
        panels_per_unit : float, default 2.0
            Quadrature panels per unit of ``log tau``.
        order : int, default 10
            Gauss-Legendre nodes per panel.

        Returns
        -------
        ndarray
            The failure probability, same shape as ``ks``.

        Raises
        ------
        ValueError
            If a ``k`` is below 1, or ``delta`` or ``sigma_eta`` is not positive.

        Examples
        --------
        >>> import numpy as np
        >>> np.round(gamma_precision(2.0).failure([100.0], 0.05, 1.0), 4)
        array([0.0934])
        """
        k = check_array("ks", ks, min_val=1.0)
        c = c_delta(delta, sigma_eta)
        k_max = float(k.max())
        lo_q = float(self.dist.ppf(1e-10))
        tau_lo = quad.tau_cutoff(k_max, c, lo_q if lo_q > 0 else None)
        tau_hi = quad.law_upper_end(self.dist, 1e-17)
        tau, wt, _ = quad.law_nodes(self.dist, tau_lo, tau_hi, panels_per_unit, order)
        log_fail = quad.log1m_exp(np.asarray(log_single_trial_success(0.0, tau, delta, sigma_eta)))
        with np.errstate(under="ignore"):
            out = np.exp(np.outer(k.ravel(), log_fail)) @ wt
        return (out + float(self.dist.cdf(tau_lo))).reshape(k.shape)


def gamma_precision(beta: float, rate: float = 1.0) -> PrecisionLaw:
    """``tau ~ Gamma(beta/2, rate)`` (Eq. 1 for ``rate = 1``): ``L0 = rate^(beta/2) / Gamma(beta/2 + 1)``.

    Parameters
    ----------
    beta : float
        Tail index (positive).
    rate : float, default 1.0
        Rate of the Gamma law (positive).

    Returns
    -------
    PrecisionLaw

    Raises
    ------
    ValueError
        If ``beta`` or ``rate`` is not positive.

    Examples
    --------
    >>> law = gamma_precision(2.0)
    >>> law.name, float(law.tail_constant)
    ('Gamma(1, 1)', 1.0)
    """
    beta = float(positive("beta", beta))
    rate = float(positive("rate", rate))
    a = beta / 2.0
    return PrecisionLaw(
        f"Gamma({a:g}, {rate:g})", stats.gamma(a, scale=1.0 / rate), beta, rate**a / special.gamma(a + 1.0)
    )


def power_precision(beta: float, upper: float | None = None) -> PrecisionLaw:
    """``P(tau <= t) = (t / upper)^(beta/2)`` on ``[0, upper]`` (a scaled ``Beta(beta/2, 1)``).

    A pure power law: ``L0 = upper^(-beta/2)``.  The default ``upper = beta/2 + 1``
    gives the mean ``beta/2`` of the Gamma law of Eq. 1.

    Parameters
    ----------
    beta : float
        Tail index (positive).
    upper : float, optional
        Upper end of the support (positive); default ``beta/2 + 1``.

    Returns
    -------
    PrecisionLaw

    Raises
    ------
    ValueError
        If ``beta`` or ``upper`` is not positive.

    Examples
    --------
    >>> law = power_precision(2.0)
    >>> law.name, float(law.tail_constant)
    ('power law on [0, 2]', 0.5)
    """
    beta = float(positive("beta", beta))
    a = beta / 2.0
    upper = a + 1.0 if upper is None else float(positive("upper", upper))
    return PrecisionLaw(f"power law on [0, {upper:g}]", stats.beta(a, 1.0, scale=upper), beta, upper ** (-a))


def beta_prime_precision(beta: float, b: float = 2.0) -> PrecisionLaw:
    """``tau ~ BetaPrime(beta/2, b)``, density ``t^(a-1) (1+t)^(-a-b) / B(a, b)``: ``L0 = 1/(a B(a, b))``.

    Heavy right tail (``P(tau > t) ~ t^-b``); ``b = 2`` gives the mean ``beta/2``.

    Parameters
    ----------
    beta : float
        Tail index (positive).
    b : float, default 2.0
        Upper-tail index (positive).

    Returns
    -------
    PrecisionLaw

    Raises
    ------
    ValueError
        If ``beta`` or ``b`` is not positive.

    Examples
    --------
    >>> law = beta_prime_precision(2.0)
    >>> law.name, round(float(law.tail_constant), 6)
    ('BetaPrime(1, 2)', 2.0)
    """
    beta = float(positive("beta", beta))
    b = float(positive("b", b))
    a = beta / 2.0
    return PrecisionLaw(f"BetaPrime({a:g}, {b:g})", stats.betaprime(a, b), beta, 1.0 / (a * special.beta(a, b)))


def lognormal_precision(mu: float, s: float) -> PrecisionLaw:
    """``log tau ~ N(mu, s^2)``: ``P(tau <= t)`` vanishes faster than any power, so not regularly varying.

    Parameters
    ----------
    mu : float
        Mean of ``log tau``.
    s : float
        Standard deviation of ``log tau`` (positive).

    Returns
    -------
    PrecisionLaw
        With ``beta`` and ``tail_constant`` set to ``nan``.

    Raises
    ------
    ValueError
        If ``s`` is not positive.

    Examples
    --------
    >>> law = lognormal_precision(0.0, 1.0)
    >>> law.name, law.regularly_varying
    ('lognormal(0, 1)', False)
    """
    mu = float(as_float_array("mu", mu))
    s = float(positive("s", s))
    return PrecisionLaw(f"lognormal({mu:.3g}, {s:g})", stats.lognorm(s, scale=math.exp(mu)), float("nan"), float("nan"))


def lognormal_saddle_slope(ks, mu: float, s: float, delta: float, sigma_eta: float) -> np.ndarray:
    r"""Saddle-point local slope of the bias-free failure for a lognormal precision.

    With ``tau = exp(mu - s z)``, :math:`\mathbb E[e^{-\lambda\sqrt\tau}]`, ``lambda = k c_delta``,
    is dominated by the ``z`` maximising :math:`-\lambda e^{(\mu - sz)/2} - z^2/2`, i.e.
    ``z* = (2/s) W(lambda s^2 e^{mu/2} / 4)`` (Lambert ``W``), and the envelope theorem
    gives

    .. math::

        -\frac{d\log\mathcal L}{d\log k} \approx \frac{4}{s^2}\,
            W\!\left(\frac{k c_\delta s^2 e^{\mu/2}}{4}\right) \sim \frac{4}{s^2}\log k ,

    a slope that grows without bound: no power law.

    Parameters
    ----------
    ks : array_like
        Numbers of attempts (positive).
    mu, s : float
        Mean and standard deviation (positive) of ``log tau``.
    delta, sigma_eta : float
        Tolerance and noise scale (positive).

    Returns
    -------
    ndarray
        The local slope, same shape as ``ks``.

    Raises
    ------
    ValueError
        If a ``k``, ``s``, ``delta`` or ``sigma_eta`` is not positive.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(lognormal_saddle_slope([10.0, 1000.0], 0.0, 1.0, 0.05, 1.0), 4)
    array([0.3642, 6.9754])
    """
    k = positive("ks", ks)
    s = float(positive("s", s))
    c = c_delta(delta, sigma_eta)
    return 4.0 / s**2 * np.real(special.lambertw(k * c * s**2 * math.exp(float(mu) / 2.0) / 4.0))


def generalized_gamma_precision(beta: float, q: float) -> PrecisionLaw:
    r"""Precision law with density :math:`\propto t^{\beta/2-1} e^{-t^q}` (a generalised Gamma law).

    The near-zero tail is the same as that of :math:`\mathrm{Gamma}(\beta/2,1)` (index
    :math:`\beta/2`, Definition 3.1), but the upper tail is
    :math:`\Pr(\tau>t) \approx e^{-t^q}` up to a power of ``t``: ``q = 1`` is Eq. 1 itself,
    ``q < 1`` a heavier and ``q > 1`` a lighter upper tail (``q -> inf``: bounded).  In
    SciPy's parametrisation this is ``gengamma(a = beta / (2 q), c = q)``;
    ``L0 = q / (Gamma(beta / (2 q)) (beta / 2))``.

    Parameters
    ----------
    beta : float
        Tail index (positive).
    q : float
        Upper-tail shape (positive); ``q = 1`` is the Gamma law.

    Returns
    -------
    PrecisionLaw

    Raises
    ------
    ValueError
        If ``beta`` or ``q`` is not positive.

    Examples
    --------
    ``q = 1`` has the tail constant of ``Gamma(1, 1)``:

    >>> round(float(generalized_gamma_precision(2.0, 1.0).tail_constant), 6)
    1.0
    """
    beta = float(positive("beta", beta))
    q = float(positive("q", q))
    a = beta / (2.0 * q)
    L0 = q / (special.gamma(a) * beta / 2.0)
    return PrecisionLaw(f"generalised Gamma (beta/2 = {beta / 2:g}, q = {q:g})", stats.gengamma(a, q), beta, L0)
