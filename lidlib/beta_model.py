r"""The predecessor paper's pass@k laws: Beta-distributed failure, effective k, cost.

"A Simple Model of Inference Scaling Laws" (N. Levi, 2024, arXiv:2410.16377) models
the per-problem probability that one attempt fails as ``p ~ Beta(a, b)`` (its Eq. 7,
where the Beta parameters are called alpha and beta). With independent attempts a
problem is still unsolved after ``k`` attempts with probability ``p^k``, so

.. math::

    \mathbb{E}[p^k] = \frac{B(a+k, b)}{B(a, b)}
    = \frac{\Gamma(b)\,\Gamma(k+a)}{B(a, b)\,\Gamma(k+a+b)}
    \;\xrightarrow{k\to\infty}\; \frac{\Gamma(b)}{B(a, b)}\,k^{-b}
    \qquad\text{(Eq. 8-9)},

and the coverage is ``pass@k = A (1 - E[p^k])`` with a ceiling ``A`` (Eq. 8). The
alternative of Section 3.3 keeps one failure probability ``p`` but lets the attempts be
correlated: ``k`` is replaced by ``k_eff = H_k(kappa) = sum_{i<=k} i^-kappa`` (Eq. 11-12).
Section 3.4 turns attempts into cost, ``C/F = N_p + N_d k`` (Eq. 13-15).

This module is a science module: it imports only NumPy, SciPy and :mod:`lidlib.passk`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

from lidlib._validation import as_float_array, check_array, positive, probability
from lidlib.passk import pass_at_k_unbiased

__all__ = [
    "beta_model_failure",
    "beta_model_asymptote",
    "beta_model_coverage",
    "inference_loss",
    "difficulty_pdf",
    "log_difficulty_density",
    "effective_k",
    "effective_k_coverage",
    "coverage_at_cost",
    "coverage_from_counts",
    "matching_beta_a",
    "PasskFit",
    "fit_passk_curve",
]


def _ks(ks: ArrayLike, name: str = "ks") -> NDArray[np.float64]:
    return check_array(name, ks, min_val=1.0)


def _out(x: NDArray[np.float64]) -> float | NDArray[np.float64]:
    return float(x) if x.ndim == 0 else x


# ---------------------------------------------------------------------------
# The Beta model (Sections 3.1-3.2)
# ---------------------------------------------------------------------------


def beta_model_failure(ks: ArrayLike, a: ArrayLike, b: ArrayLike) -> float | NDArray[np.float64]:
    r"""Exact ``E[p^k]`` for a failure probability ``p ~ Beta(a, b)`` (Eq. 8-9).

    .. math:: \mathbb{E}[p^k] = B(a+k, b) / B(a, b),

    the probability that a random problem is unsolved after ``k`` independent attempts
    (``1 - pass@k`` with ``A = 1``).

    Parameters
    ----------
    ks : array_like
        Numbers of attempts, ``>= 1`` (real values are allowed: the formula is analytic).
    a, b : array_like
        Positive Beta parameters (the paper's alpha, beta); ``b`` is the tail exponent.
        Broadcast against ``ks``.

    Returns
    -------
    float or ndarray
        ``E[p^k]``, computed as ``exp(betaln(a+k, b) - betaln(a, b))``: accurate to a
        few ulps in the log for any ``k`` up to 1e15.

    Examples
    --------
    >>> from lidlib.beta_model import beta_model_failure
    >>> beta_model_failure([1, 10], 1.0, 1.0)  # p ~ Uniform(0, 1): E[p^k] = 1/(k+1)
    array([0.5       , 0.09090909])
    """
    k = _ks(ks)
    a_ = positive("a", a)
    b_ = positive("b", b)
    return _out(np.exp(special.betaln(a_ + k, b_) - special.betaln(a_, b_)))


def beta_model_asymptote(ks: ArrayLike, a: ArrayLike, b: ArrayLike) -> float | NDArray[np.float64]:
    r"""Large-``k`` form ``Gamma(b) / B(a, b) * k^-b`` of ``E[p^k]`` (Eq. 9).

    The relative error is ``O(1/k)``: ``E[p^k] / asymptote = 1 - b(2a+b-1)/(2k) + ...``.

    Parameters
    ----------
    ks : array_like
        Numbers of attempts, ``>= 1``.
    a, b : array_like
        Positive Beta parameters, broadcast against ``ks``.

    Returns
    -------
    float or ndarray
        ``Gamma(b) / B(a, b) * k^-b``.

    Examples
    --------
    >>> from lidlib.beta_model import beta_model_asymptote, beta_model_failure
    >>> k = 1e4
    >>> round(float(beta_model_failure(k, 2.0, 0.5) / beta_model_asymptote(k, 2.0, 0.5)), 4)
    0.9999
    """
    k = _ks(ks)
    a_ = positive("a", a)
    b_ = positive("b", b)
    return _out(np.exp(special.gammaln(b_) - special.betaln(a_, b_) - b_ * np.log(k)))


def beta_model_coverage(
    ks: ArrayLike, a: ArrayLike, b: ArrayLike, amplitude: ArrayLike = 1.0
) -> float | NDArray[np.float64]:
    r"""Coverage ``pass@k = A (1 - E[p^k])`` of the Beta model (Eq. 8).

    ``amplitude`` (the paper's A, in ``(0, 1]``) is the share of problems the model can
    solve at all.

    Parameters
    ----------
    ks : array_like
        Numbers of attempts, ``>= 1``.
    a, b : array_like
        Positive Beta parameters.
    amplitude : array_like
        The ceiling ``A`` in ``[0, 1]``.

    Returns
    -------
    float or ndarray
        ``A (1 - E[p^k])``.

    Examples
    --------
    >>> from lidlib.beta_model import beta_model_coverage
    >>> beta_model_coverage([1, 10], 1.0, 1.0, amplitude=0.8)
    array([0.4       , 0.72727273])
    """
    A = probability("amplitude", amplitude)
    return _out(A * (1.0 - np.asarray(beta_model_failure(ks, a, b))))


def inference_loss(
    ks: ArrayLike, a: ArrayLike, b: ArrayLike, amplitude: ArrayLike = 1.0
) -> float | NDArray[np.float64]:
    r"""The inference loss ``L_inference(k) = A E[p^k]`` (Eq. 9).

    Parameters
    ----------
    ks : array_like
        Numbers of attempts, ``>= 1``.
    a, b : array_like
        Positive Beta parameters.
    amplitude : array_like
        The ceiling ``A`` in ``[0, 1]``.

    Returns
    -------
    float or ndarray
        ``A E[p^k]``.

    Examples
    --------
    >>> from lidlib.beta_model import inference_loss
    >>> inference_loss(1, 1.0, 1.0, amplitude=0.8)
    0.4
    """
    A = probability("amplitude", amplitude)
    return _out(A * np.asarray(beta_model_failure(ks, a, b)))


def difficulty_pdf(p: ArrayLike, a: ArrayLike, b: ArrayLike) -> float | NDArray[np.float64]:
    r"""Density ``p^(a-1) (1-p)^(b-1) / B(a, b)`` of the failure probability (Eq. 7).

    Parameters
    ----------
    p : array_like
        Failure probabilities in ``[0, 1]``.
    a, b : array_like
        Positive Beta parameters.

    Returns
    -------
    float or ndarray
        The Beta density at ``p``.

    Examples
    --------
    >>> from lidlib.beta_model import difficulty_pdf
    >>> difficulty_pdf([0.25, 0.5], 2.0, 2.0)  # 6 p (1 - p)
    array([1.125, 1.5  ])
    """
    p_ = probability("p", p)
    a_ = positive("a", a)
    b_ = positive("b", b)
    with np.errstate(divide="ignore"):
        log = special.xlogy(a_ - 1, p_) + special.xlog1py(b_ - 1, -p_) - special.betaln(a_, b_)
    return _out(np.exp(log))


def log_difficulty_density(sigma: ArrayLike, a: ArrayLike, b: ArrayLike) -> float | NDArray[np.float64]:
    r"""Density of ``sigma = log(1/p)`` for ``p ~ Beta(a, b)`` (Eq. 10).

    .. math:: f(\sigma) = e^{-a\sigma}(1-e^{-\sigma})^{b-1} / B(a, b),

    whose Laplace transform ``int_0^inf e^{-k sigma} f(sigma) d sigma`` is ``E[p^k]``.

    Parameters
    ----------
    sigma : array_like
        Positive, finite values of ``log(1/p)``.
    a, b : array_like
        Positive Beta parameters.

    Returns
    -------
    float or ndarray
        The density of ``sigma`` at ``sigma``.

    Examples
    --------
    >>> from lidlib.beta_model import log_difficulty_density
    >>> round(float(log_difficulty_density(np.log(2.0), 1.0, 1.0)), 6)  # Uniform p: f(sigma) = e^-sigma
    0.5
    """
    s = positive("sigma", sigma, allow_inf=False)
    a_ = positive("a", a)
    b_ = positive("b", b)
    return _out(np.exp(-a_ * s + (b_ - 1) * np.log(-np.expm1(-s)) - special.betaln(a_, b_)))


def matching_beta_a(b: float, tail_constant: float) -> float:
    r"""The ``a`` for which ``Beta(a, b)`` has a given lower tail of ``1 - p``.

    For ``p ~ Beta(a, b)``, ``Pr(1 - p <= s) = s^b / (b B(a, b)) (1 + O(s))``. Given a
    law of the single-attempt success ``s = 1 - p`` with ``Pr(s' <= s) ~ A_tail s^b``
    (for example the LID model of the main paper, Prop. C.2 with ``b = beta``), the Beta
    model with the same tail has ``B(a, b) = 1 / (b A_tail)``; ``B(., b)`` decreases from
    infinity to 0, so the root is unique. Both laws then share the pass@k asymptote
    ``Gamma(b+1) A_tail k^-b``.

    Parameters
    ----------
    b : float
        Tail exponent, positive.
    tail_constant : float
        ``A_tail > 0``.

    Returns
    -------
    float
        The ``a`` with ``B(a, b) = 1 / (b A_tail)``.

    Raises
    ------
    ValueError
        If no ``a`` in ``[e^-50, e^50]`` matches.

    Examples
    --------
    >>> from scipy import special
    >>> from lidlib.beta_model import matching_beta_a
    >>> a = matching_beta_a(0.5, 0.4)
    >>> round(float(special.beta(a, 0.5) * 0.5 * 0.4), 10)  # B(a, b) b A_tail = 1
    1.0
    """
    b_ = float(positive("b", b))
    c = float(positive("tail_constant", tail_constant))
    target = -np.log(b_ * c)  # log B(a, b)
    f = lambda la: special.betaln(np.exp(la), b_) - target  # noqa: E731  (decreasing in log a)
    lo, hi = -50.0, 50.0
    if f(lo) < 0 or f(hi) > 0:
        raise ValueError(f"tail_constant {c:g} cannot be matched by a Beta law with b = {b_:g}")
    return float(np.exp(optimize.brentq(f, lo, hi, xtol=1e-14, rtol=1e-14)))


# ---------------------------------------------------------------------------
# Correlated trials: effective k (Section 3.3)
# ---------------------------------------------------------------------------

_EM_SHIFT = 16  # terms summed exactly before the Euler-Maclaurin tail


def _hurwitz_tail(kappa: NDArray, q: NDArray | float) -> NDArray:
    """``zeta(kappa, q)`` minus its divergent leading term, for q >= _EM_SHIFT (EM series)."""
    return q**-kappa / 2 + kappa * q ** (-kappa - 1) / 12 - kappa * (kappa + 1) * (kappa + 2) * q ** (-kappa - 3) / 720


def _lead_diff(kappa: NDArray, q1: NDArray | float, q2: NDArray | float) -> NDArray:
    """``(q1^(1-kappa) - q2^(1-kappa)) / (kappa - 1)``, continuous at kappa = 1."""
    l1, l2 = np.log(q1), np.log(q2)
    e = 1.0 - kappa
    small = e == 0
    e_safe = np.where(small, 1.0, e)
    general = np.exp(e * l2) * np.expm1(e * (l1 - l2)) / (-e_safe)  # no cancellation near kappa = 1
    return np.where(small, l2 - l1, general)


def effective_k(ks: ArrayLike, kappa: ArrayLike) -> float | NDArray[np.float64]:
    r"""Effective number of independent trials ``H_k(kappa) = sum_{i=1}^k i^-kappa`` (Eq. 11).

    Extended to real ``k`` by ``H_k = zeta(kappa) - zeta(kappa, k+1)`` (analytic
    continuation in ``kappa``), evaluated without the Riemann zeta as a difference of two
    Hurwitz zetas, each shifted by 16 exact terms and completed by an Euler-Maclaurin
    series (absolute error below 1e-12 for ``0 <= kappa <= 4``). ``kappa = 0`` gives
    ``k``, ``kappa = 1`` the harmonic numbers; for ``kappa < 1`` it grows like
    ``k^(1-kappa) / (1-kappa)``, for ``kappa > 1`` it saturates at ``zeta(kappa)``.

    Parameters
    ----------
    ks : array_like
        Numbers of attempts, ``>= 1`` (real values allowed).
    kappa : array_like
        Correlation exponent, ``>= 0``; broadcast against ``ks``.

    Returns
    -------
    float or ndarray
        ``H_k(kappa)``.

    Raises
    ------
    ValueError
        If ``kappa < 0``.

    Examples
    --------
    >>> from lidlib.beta_model import effective_k
    >>> np.round(effective_k(4, [0.0, 1.0]), 6)  # k, then the harmonic number 1 + 1/2 + 1/3 + 1/4
    array([4.      , 2.083333])
    """
    k = _ks(ks)
    kap = as_float_array("kappa", kappa)
    if (kap < 0).any():
        raise ValueError(f"kappa must be >= 0, got {float(kap[kap < 0].flat[0])!r}")
    k, kap = np.broadcast_arrays(k, kap)
    j = np.arange(_EM_SHIFT, dtype=float)
    # zeta(kappa, 1) - zeta(kappa, k + 1): the exact sums over the first _EM_SHIFT terms
    # of each, then the tails at q1 = 1 + M and q2 = k + 1 + M.
    head1 = np.sum((1.0 + j) ** -kap[..., None], axis=-1)
    head2 = np.sum((k[..., None] + 1.0 + j) ** -kap[..., None], axis=-1)
    q1, q2 = 1.0 + _EM_SHIFT, k + 1.0 + _EM_SHIFT
    tail = _lead_diff(kap, q1, q2) + _hurwitz_tail(kap, q1) - _hurwitz_tail(kap, q2)
    return _out(head1 - head2 + tail)


def effective_k_coverage(
    ks: ArrayLike, p: ArrayLike, kappa: ArrayLike, amplitude: ArrayLike = 1.0
) -> float | NDArray[np.float64]:
    r"""Coverage ``A (1 - p^{H_k(kappa)})`` of the correlated-trials model (Eq. 12).

    Parameters
    ----------
    ks : array_like
        Numbers of attempts, ``>= 1``.
    p : array_like
        Single-attempt failure probability in ``[0, 1]``.
    kappa : array_like
        Correlation exponent, ``>= 0``.
    amplitude : array_like
        The ceiling ``A`` in ``[0, 1]``.

    Returns
    -------
    float or ndarray
        ``A (1 - p^{H_k(kappa)})``.

    Examples
    --------
    >>> from lidlib.beta_model import effective_k_coverage
    >>> round(float(effective_k_coverage(3, 0.5, 0.0)), 6)  # independent attempts: 1 - 0.5^3
    0.875
    """
    A = probability("amplitude", amplitude)
    p_ = probability("p", p)
    return _out(A * -np.expm1(np.asarray(effective_k(ks, kappa)) * np.log(p_)))


# ---------------------------------------------------------------------------
# Inference cost (Section 3.4)
# ---------------------------------------------------------------------------


def coverage_at_cost(
    cost: ArrayLike,
    a: float,
    b: float,
    n_prompt: ArrayLike,
    n_decode: ArrayLike,
    amplitude: float = 1.0,
    *,
    asymptotic: bool = False,
) -> float | NDArray[np.float64]:
    r"""Coverage against the normalised total inference cost (Eq. 13-14).

    With ``C / F = N_p + N_d k`` (Eq. 13) the number of attempts a budget buys is
    ``k = (C/F - N_p) / N_d``; the coverage is ``A (1 - E[p^k])``, or with
    ``asymptotic=True`` the large-``k`` form of Eq. 14,
    ``A (1 - Gamma(b)/B(a,b) ((C/F - N_p)/N_d)^-b)``. Budgets that buy fewer than one
    attempt give NaN.

    Parameters
    ----------
    cost : array_like
        Normalised cost ``C / F`` (tokens), positive.
    a, b, amplitude
        Beta-model parameters.
    n_prompt, n_decode : array_like
        Prompt and decoded tokens per attempt; broadcast against ``cost``.

    Returns
    -------
    float or ndarray
        Coverage at each budget (NaN below one attempt).

    Examples
    --------
    >>> from lidlib.beta_model import coverage_at_cost
    >>> c = coverage_at_cost([50.0, 110.0, 1010.0], 1.0, 1.0, n_prompt=10, n_decode=100)
    >>> np.round(c, 4)  # 1/2 and 10/11 of the problems at k = 1 and 10; nothing below one attempt
    array([   nan, 0.5   , 0.9091])
    """
    c = positive("cost", cost)
    n_p = as_float_array("n_prompt", n_prompt)
    if (n_p < 0).any():
        raise ValueError("n_prompt must be non-negative")
    n_d = positive("n_decode", n_decode)
    k = (c - n_p) / n_d
    ok = k >= 1
    k_safe = np.where(ok, k, 1.0)
    fail = beta_model_asymptote(k_safe, a, b) if asymptotic else beta_model_failure(k_safe, a, b)
    A = float(probability("amplitude", amplitude))
    return _out(np.where(ok, A * (1.0 - np.asarray(fail)), np.nan))


# ---------------------------------------------------------------------------
# Per-problem counts -> a coverage curve
# ---------------------------------------------------------------------------


def coverage_from_counts(
    n: ArrayLike, c: ArrayLike, ks: ArrayLike | None = None, n_k: int = 40
) -> tuple[NDArray, NDArray]:
    r"""Dataset coverage from per-problem counts with the unbiased pass@k estimator.

    ``coverage(k) = mean_i [1 - C(n_i - c_i, k) / C(n_i, k)]`` (Chen et al. 2021),
    defined for integer ``k <= min_i n_i``.

    Parameters
    ----------
    n, c : array_like
        Samples and correct samples per problem (1-d, same length).
    ks : array_like, optional
        Integer budgets; default ``n_k`` log-spaced integers from 1 to ``min n``.

    Returns
    -------
    ks, coverage : ndarray

    Examples
    --------
    >>> from lidlib.beta_model import coverage_from_counts
    >>> ks, cov = coverage_from_counts([4, 4], [1, 0], ks=[1, 2, 4])
    >>> ks, cov  # the solved problem: 1 - C(3, k)/C(4, k); the other stays at 0
    (array([1., 2., 4.]), array([0.125, 0.25 , 0.5  ]))
    """
    n_a = as_float_array("n", n).ravel()
    c_a = as_float_array("c", c).ravel()
    if n_a.size == 0:
        raise ValueError("n must hold at least one problem")
    if n_a.shape != c_a.shape:
        raise ValueError(f"n and c must have the same length, got {n_a.size} and {c_a.size}")
    n_min = float(n_a.min())
    if ks is None:
        if n_min < 1:
            raise ValueError(f"n must be >= 1, got {n_min:g}")
        ks_a = np.unique(np.round(np.geomspace(1.0, n_min, n_k)))
    else:
        ks_a = _ks(ks).ravel()
        if (ks_a > n_min).any():
            raise ValueError(f"ks must be <= min(n) = {n_min:g} for the unbiased estimator")
    est = pass_at_k_unbiased(n_a[:, None], c_a[:, None], ks_a[None, :])
    return ks_a, np.asarray(est).mean(axis=0)


# ---------------------------------------------------------------------------
# Fitting a measured coverage curve
# ---------------------------------------------------------------------------


@dataclass
class PasskFit:
    r"""A fitted pass@k law.

    Attributes
    ----------
    model : {"beta", "effective_k"}
        ``"beta"``: ``A (1 - B(a+k, b)/B(a, b))`` (Eq. 8); ``"effective_k"``:
        ``A (1 - p^{H_k(kappa)})`` (Eq. 12).
    params, stderr : dict
        Fitted parameters and their standard errors (Jacobian, see
        :func:`fit_passk_curve`). NaN where not identifiable.
    cov : ndarray
        Covariance of the parameters in ``params`` order.
    rms_log_failure : float
        Root-mean-square residual of ``log(1 - coverage)``.
    n_points, max_k : int, float
        Points used and the largest ``k`` among them.
    at_bound : tuple of str
        Parameters that ended on a bound (their standard errors are not meaningful).

    Examples
    --------
    >>> from lidlib.beta_model import beta_model_coverage, fit_passk_curve
    >>> ks = np.array([1, 2, 4, 8, 16, 32, 64, 128])
    >>> fit = fit_passk_curve(ks, beta_model_coverage(ks, 2.0, 0.5, 0.9))
    >>> fit.model, round(fit.params["b"], 3), round(fit.params["A"], 3)
    ('beta', 0.5, 0.9)
    >>> round(float(fit.predict(1000)), 4) == round(float(beta_model_coverage(1000, 2.0, 0.5, 0.9)), 4)
    True
    """

    model: str
    params: dict[str, float]
    stderr: dict[str, float]
    cov: NDArray[np.float64]
    rms_log_failure: float
    n_points: int
    max_k: float
    at_bound: tuple[str, ...] = ()
    method: str = "least squares on log(1 - coverage); errors from the Jacobian scaled by the residual variance"
    extra: dict[str, Any] = field(default_factory=dict)

    def predict(self, ks: ArrayLike) -> float | NDArray[np.float64]:
        """Coverage of the fitted law at ``ks``.

        Parameters
        ----------
        ks : array_like
            Numbers of attempts, ``>= 1``.

        Returns
        -------
        float or ndarray
            The fitted coverage (pass@k).
        """
        p = self.params
        if self.model == "beta":
            return beta_model_coverage(ks, p["a"], p["b"], p["A"])
        return effective_k_coverage(ks, p["p"], p["kappa"], p["A"])

    def failure(self, ks: ArrayLike) -> float | NDArray[np.float64]:
        """``1 - coverage`` of the fitted law (with the ceiling: ``1 - A + A E[p^k]``).

        Parameters
        ----------
        ks : array_like
            Numbers of attempts, ``>= 1``.

        Returns
        -------
        float or ndarray
            ``1 - coverage``.
        """
        return 1.0 - np.asarray(self.predict(ks))

    def as_dict(self) -> dict[str, Any]:
        """Plain-JSON summary (NaN standard errors become ``None``).

        Returns
        -------
        dict
            ``model``, ``params``, ``stderr``, ``rms_log_failure``, ``n_points``, ``max_k``,
            ``at_bound`` and ``method``.
        """
        clean = lambda d: {n: (v if np.isfinite(v) else None) for n, v in d.items()}  # noqa: E731
        return {
            "model": self.model,
            "params": clean(self.params),
            "stderr": clean(self.stderr),
            "rms_log_failure": self.rms_log_failure,
            "n_points": self.n_points,
            "max_k": self.max_k,
            "at_bound": list(self.at_bound),
            "method": self.method,
        }


_FAILURE_FLOOR = 1e-9  # 1 - coverage is clipped here before taking logs


def _log_fail_beta(theta: NDArray, k: NDArray) -> NDArray:
    la, lb, A = theta
    a, b = np.exp(la), np.exp(lb)
    e = np.exp(special.betaln(a + k, b) - special.betaln(a, b))
    return np.log(np.maximum(1.0 - A + A * e, 1e-300))


def _log_fail_eff(theta: NDArray, k: NDArray) -> NDArray:
    lp, kappa, A = theta  # lp = log p < 0
    h = np.asarray(effective_k(k, kappa))
    return np.log(np.maximum(1.0 - A + A * np.exp(h * lp), 1e-300))


def fit_passk_curve(
    ks: ArrayLike,
    coverage: ArrayLike,
    *,
    model: str = "beta",
    fit_amplitude: bool = True,
    space: str = "log_failure",
) -> PasskFit:
    r"""Fit the predecessor's pass@k law to a measured coverage curve.

    Minimises ``sum_j [log(1 - C_model(k_j)) - log(1 - C_j)]^2`` (log failure, so that
    the tail at large ``k`` counts as much as the bulk), with ``1 - C_j`` clipped at
    1e-9. Parameters: ``log a, log b, A`` for the Beta law (Eq. 8) or
    ``log p, kappa, A`` for the effective-k law (Eq. 12), ``A`` in ``[0.05, 1]`` (or
    fixed to 1 with ``fit_amplitude=False``). Several starting points are tried and the
    best kept.

    Uncertainties: the covariance ``s^2 (J^T J)^{-1}`` of the least-squares solution,
    with ``s^2`` the residual variance (``RSS / (n - n_params)``), carried to ``a`` and
    ``b`` by the delta method. They treat the residuals as independent and equal in
    size; digitized points and pass@k values at neighbouring ``k`` are correlated, so
    read them as lower bounds. Parameters on a bound get NaN.

    Parameters
    ----------
    ks : array_like
        Numbers of attempts, ``>= 1``, any order.
    coverage : array_like
        Coverage (pass@k) in ``[0, 1]``, same length.
    model : {"beta", "effective_k"}
    fit_amplitude : bool
        Fit the ceiling ``A``; otherwise ``A = 1``.
    space : {"log_failure", "coverage"}
        The objective: residuals of ``log(1 - coverage)`` (default) or of the coverage
        itself (``A (1 - E[p^k]) - C_j``, which weighs the small-``k`` bulk and is how a
        coverage plot is read). The fitted exponent depends on this choice; the
        difference is a systematic uncertainty of ``b``.

    Returns
    -------
    PasskFit
        ``extra["max_coverage_error"]`` is the largest in-sample ``|fitted - measured|``
        coverage, a quality measure that, unlike ``rms_log_failure``, sees the small-``k``
        end; ``rms_log_failure`` is always the log-failure residual.

    Raises
    ------
    ValueError
        On an unknown ``model`` or ``space``, or too few or invalid points.

    Examples
    --------
    >>> from lidlib.beta_model import effective_k_coverage, fit_passk_curve
    >>> ks = np.array([1, 2, 4, 8, 16, 32, 64])
    >>> fit = fit_passk_curve(ks, effective_k_coverage(ks, 0.8, 0.3), model="effective_k", fit_amplitude=False)
    >>> round(fit.params["p"], 3), round(fit.params["kappa"], 3)
    (0.8, 0.3)
    """
    if space not in ("log_failure", "coverage"):
        raise ValueError(f"space must be 'log_failure' or 'coverage', got {space!r}")
    k = _ks(ks).ravel()
    cov_ = probability("coverage", coverage).ravel()
    if k.shape != cov_.shape:
        raise ValueError(f"ks and coverage must have the same length, got {k.size} and {cov_.size}")
    if model not in ("beta", "effective_k"):
        raise ValueError(f"model must be 'beta' or 'effective_k', got {model!r}")
    n_par = 3 if fit_amplitude else 2
    if k.size < n_par + 1:
        raise ValueError(f"coverage must hold at least {n_par + 1} points to fit {n_par} parameters, got {k.size}")
    if np.unique(k).size < n_par:
        raise ValueError("ks must hold at least as many distinct values as parameters")
    y = np.log(np.maximum(1.0 - cov_, _FAILURE_FLOOR))
    f = _log_fail_beta if model == "beta" else _log_fail_eff
    if model == "beta":
        lo, hi = [-9.0, -9.0, 0.05], [9.0, 4.0, 1.0]
        starts = [
            (la, lb)
            for la in (np.log(0.5), np.log(3.0), np.log(20.0))
            for lb in (np.log(0.1), np.log(0.4), np.log(1.5))
        ]
        names = ("a", "b", "A")
    else:
        lo, hi = [-30.0, 0.0, 0.05], [-1e-9, 4.0, 1.0]
        starts = [(lp, kp) for lp in (-0.01, -0.1, -1.0) for kp in (0.2, 0.6, 1.0)]
        names = ("p", "kappa", "A")
    if not fit_amplitude:
        lo, hi = lo[:2], hi[:2]

    def resid(th: NDArray) -> NDArray:
        full = th if fit_amplitude else np.append(th, 1.0)
        if space == "coverage":
            return (1.0 - np.exp(f(full, k))) - cov_
        return f(full, k) - y

    best = None
    for s in starts:
        x0 = np.array([*s, 0.98][:n_par])
        x0 = np.clip(x0, np.array(lo) + 1e-6, np.array(hi) - 1e-6)
        try:
            r = optimize.least_squares(
                resid, x0, bounds=(lo, hi), method="trf", x_scale="jac", xtol=1e-12, ftol=1e-12, gtol=1e-12
            )
        except (ValueError, FloatingPointError):  # pragma: no cover - defensive
            continue
        if best is None or r.cost < best.cost:
            best = r
    assert best is not None
    th = best.x
    rss = float(2 * best.cost)
    dof = max(k.size - n_par, 1)
    J = best.jac
    try:
        cov_th = np.linalg.inv(J.T @ J) * rss / dof
    except np.linalg.LinAlgError:
        cov_th = np.full((n_par, n_par), np.nan)
    tol = 1e-6 * (np.array(hi) - np.array(lo))
    on_bound = (np.abs(th - lo) < tol) | (np.abs(th - hi) < tol)
    # transform to the reported parameters (delta method: d a = a d log a, d p = p d log p)
    if model == "beta":
        vals = [np.exp(th[0]), np.exp(th[1])]
    else:
        vals = [np.exp(th[0]), th[1]]
    grad = np.array([vals[0], vals[1] if model == "beta" else 1.0] + ([1.0] if fit_amplitude else []))
    cov_out = cov_th * np.outer(grad, grad)
    se = np.sqrt(np.clip(np.diag(cov_out), 0, None))
    at_bound = tuple(nm for nm, ob in zip(names, on_bound) if ob)
    se = np.where(on_bound, np.nan, se)
    params = {names[0]: float(vals[0]), names[1]: float(vals[1]), "A": float(th[2]) if fit_amplitude else 1.0}
    stderr = {names[0]: float(se[0]), names[1]: float(se[1]), "A": float(se[2]) if fit_amplitude else 0.0}
    full = th if fit_amplitude else np.append(th, 1.0)
    lf = f(full, k)
    return PasskFit(
        model=model,
        params=params,
        stderr=stderr,
        cov=cov_out,
        rms_log_failure=float(np.sqrt(np.mean((lf - y) ** 2))),
        n_points=int(k.size),
        max_k=float(k.max()),
        at_bound=at_bound,
        method=("least squares on log(1 - coverage)" if space == "log_failure" else "least squares on coverage")
        + "; errors from the Jacobian scaled by the residual variance",
        extra={"max_coverage_error": float(np.max(np.abs((1.0 - np.exp(lf)) - cov_))), "space": space},
    )
