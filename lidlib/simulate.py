r"""Monte Carlo pass@k: the literal protocols, simulated (Sec. 4.2, App. B.4).

The exact engines of :mod:`lidlib.passk` integrate the pass@k failure; this module
draws it.  For each test instance it draws the trial geometry of a protocol
(:func:`trial_geometry`, offset and scale of the trial error, see
:data:`lidlib.passk.PROTOCOLS`), then the index ``T`` of the first successful trial,
literally (:func:`first_success_literal`) or by one geometric draw from the exact
single-trial success (:func:`first_success_geometric`); :func:`simulate_first_success`
does both steps for the LID model.  Instance ``i`` fails pass@k iff ``T_i > k``, so
:func:`survival_from_first_success` gives the whole failure curve with its standard
error, and :func:`survival_check` compares it with an exact curve by a calibrated test.

Randomness always comes from an explicit ``numpy.random.Generator``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from lidlib._quadrature import CHUNK_ELEMENTS
from lidlib._validation import (
    check_array,
    check_broadcast,
    check_generator,
    nonnegative,
    positive,
    positive_int,
    probability,
)
from lidlib.passk import check_protocol, single_trial_success

__all__ = [
    "trial_geometry",
    "first_success_geometric",
    "first_success_literal",
    "survival_from_first_success",
    "simulate_first_success",
    "SurvivalCheck",
    "survival_check",
]


def trial_geometry(
    tau: ArrayLike,
    bias: ArrayLike,
    sigma_eta: float,
    rng: np.random.Generator | None = None,
    *,
    protocol: str = "target",
    sampler_sd: float | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Per-instance ``(offset, scale)`` of the trial error ``e_j = offset + scale Z_j``.

    A trial succeeds iff :math:`|e_j| \le \delta`, so the single-trial success of an
    instance is ``single_trial_success(offset, 1, delta, scale)``.  For the
    target-draw protocol of Sec. 4.2 (Eq. 11-12) ``offset = B`` and
    ``scale = sigma_eta / sqrt(tau)``; the model-draw variants of App. B.4 are listed
    in :data:`lidlib.passk.PROTOCOLS` (see the comment above it).

    Parameters
    ----------
    tau : array_like
        Latent precisions, positive.
    bias : array_like
        Model biases ``B = x^T theta_hat - x^T theta*`` (broadcast against ``tau``).
    sigma_eta : float
        Global noise scale.
    rng : numpy.random.Generator, optional
        Needed only by the ``*-label`` protocols, which draw one realised label
        ``y* = m + eta_0``, ``eta_0 ~ N(0, sigma_eta^2 / tau)``, per instance.
    protocol : str
        One of :data:`PROTOCOLS`.
    sampler_sd : float, optional
        The tau-independent proposal spread of the ``model-fixed-*`` protocols.

    Returns
    -------
    offset, scale : ndarray
        Arrays of the broadcast shape of ``tau`` and ``bias``.
    """
    sd_fixed = check_protocol(protocol, sampler_sd)
    t = positive("tau", tau)
    b = check_array("bias", bias)
    s = float(positive("sigma_eta", sigma_eta))
    t, b = check_broadcast(tau=t, bias=b)
    noise_sd = s / np.sqrt(t)
    offset = b.astype(float, copy=True)
    if protocol.endswith("label"):
        if not isinstance(rng, np.random.Generator):
            raise ValueError(f"rng must be a numpy.random.Generator for protocol {protocol!r}, got {rng!r}")
        offset = offset - noise_sd * rng.standard_normal(t.shape)
    scale = np.full(t.shape, sd_fixed) if sd_fixed is not None else noise_sd
    return offset, scale


def first_success_geometric(success_probs: ArrayLike, rng: np.random.Generator) -> NDArray[np.float64]:
    r"""Index of the first successful trial, one draw per instance (geometric law).

    With independent trials of success probability ``s``, the index ``T`` of the first
    success is geometric, :math:`\Pr(T > k) = (1 - s)^k`, so one draw of ``T`` per
    instance gives the literal pass@k outcome for *every* ``k`` at once:
    instance ``i`` fails pass@k iff ``T_i > k``.  ``T`` is drawn by inversion,
    ``T = max(1, ceil(E / -log1p(-s)))`` with ``E ~ Exp(1)``, in floating point, so
    ``s = 1e-300`` gives ``T ~ 1e300`` and ``s = 0`` gives ``inf``.

    Parameters
    ----------
    success_probs : array_like
        Per-instance single-trial success probabilities in [0, 1].
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray
        ``T`` as floats (``inf`` if ``s = 0``), same shape as ``success_probs``.
    """
    s = probability("success_probs", success_probs)
    check_generator("rng", rng)
    e = rng.standard_exponential(s.shape)
    with np.errstate(divide="ignore", over="ignore"):
        rate = -np.log1p(-s)  # inf where s == 1
        t = np.ceil(e / rate)  # e / 0 = inf where s == 0; beyond float64: inf
    return np.maximum(t, 1.0)


def first_success_literal(
    offset: ArrayLike,
    scale: ArrayLike,
    delta: float,
    k_max: int,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    r"""The literal protocol: draw ``k_max`` trials per instance and record the first hit.

    Trial ``j`` of instance ``i`` errs by ``offset_i + scale_i Z_ij`` with fresh
    ``Z_ij ~ N(0, 1)`` and succeeds iff the error is at most ``delta`` in absolute value
    (Assumption 4.1, perfect verification).  The first ``k`` trials of each instance
    are the literal pass@k experiment for every ``k <= k_max`` (common random numbers
    across ``k``).  Cost ``O(n k_max)``; see :func:`first_success_geometric` for the
    equivalent one-draw-per-instance sampler.

    Parameters
    ----------
    offset, scale : array_like
        Per-instance geometry from :func:`trial_geometry` (1-D, same length).
    delta : float
        Tolerance.
    k_max : int
        Trials drawn per instance.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray
        Index (1-based, as float) of the first success, ``inf`` if none of the
        ``k_max`` trials succeeded.
    """
    o = check_array("offset", offset)
    sc = positive("scale", scale)
    o, sc = check_broadcast(offset=o, scale=sc)
    o, sc = o.ravel(), sc.ravel()
    d = float(positive("delta", delta))
    km = positive_int("k_max", k_max)
    check_generator("rng", rng)
    out = np.full(o.size, np.inf)
    step = max(1, CHUNK_ELEMENTS // km)
    for i in range(0, o.size, step):
        z = rng.standard_normal((min(step, o.size - i), km))
        hit = np.abs(o[i : i + step, None] + sc[i : i + step, None] * z) <= d
        any_hit = hit.any(axis=1)
        first = np.argmax(hit, axis=1) + 1.0
        out[i : i + step] = np.where(any_hit, first, np.inf)
    return out


def survival_from_first_success(
    first_success: ArrayLike, ks: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Monte-Carlo pass@k failure :math:`\widehat{\mathcal L}(k) = \#\{i: T_i > k\}/n` and its s.e.

    Each instance contributes the indicator that its first success comes after trial
    ``k``, a Bernoulli variable of mean :math:`\mathcal L_{\inf}(k)` (Eq. 13), so the
    standard error is :math:`\sqrt{\hat L (1 - \hat L) / n}`.

    Parameters
    ----------
    first_success : array_like
        First-success indices ``T_i >= 1`` (``inf`` allowed), e.g. from
        :func:`first_success_geometric` or :func:`first_success_literal`.
    ks : array_like
        1-D numbers of trials.

    Returns
    -------
    estimate, standard_error : ndarray
        Both of the shape of ``ks``.
    """
    t = np.asarray(first_success, dtype=float).ravel()
    if t.size == 0 or np.isnan(t).any() or (t < 1).any():
        raise ValueError("first_success must be a non-empty array of indices >= 1 (inf allowed)")
    k = check_array("ks", ks, min_val=1.0)
    if k.ndim > 1:
        raise ValueError(f"ks must be a scalar or a 1-D array, got shape {k.shape}")
    ts = np.sort(t)
    est = 1.0 - np.searchsorted(ts, k, side="right") / t.size
    se = np.sqrt(est * (1.0 - est) / t.size)
    return est, se


def simulate_first_success(
    n: int,
    beta: float,
    delta: float,
    sigma_eta: float,
    rng: np.random.Generator,
    *,
    bias_var: float = 0.0,
    protocol: str = "target",
    sampler_sd: float | None = None,
    method: str = "geometric",
    k_max: int | None = None,
) -> NDArray[np.float64]:
    r"""Simulate ``n`` test instances of a pass@k protocol; return their first-success indices.

    Draws ``tau ~ Gamma(beta/2, 1)`` (Eq. 1), ``B ~ N(0, bias_var)``, the protocol's
    geometry (:func:`trial_geometry`) and then either the literal trials
    (``method="literal"``, :func:`first_success_literal`, up to ``k_max``) or one
    geometric draw per instance from the exact single-trial success
    (``method="geometric"``, :func:`first_success_geometric`).  Feed the result to
    :func:`survival_from_first_success` for the failure curve and its standard error.

    Returns
    -------
    ndarray
        First-success index per instance (``inf``: none within ``k_max`` for the
        literal method, or ``s = 0`` in float64).
    """
    n_i = positive_int("n", n)
    beta = float(positive("beta", beta))
    delta = float(positive("delta", delta))
    v = float(nonnegative("bias_var", bias_var))
    if method not in ("geometric", "literal"):
        raise ValueError(f"method must be 'geometric' or 'literal', got {method!r}")
    if method == "literal" and k_max is None:
        raise ValueError("k_max must be given for method='literal'")
    check_generator("rng", rng)
    check_protocol(protocol, sampler_sd)
    tau = rng.gamma(beta / 2.0, 1.0, n_i)
    tau = np.maximum(tau, np.finfo(float).tiny)  # a Gamma draw can underflow to 0 for small beta
    bias = rng.normal(0.0, math.sqrt(v), n_i) if v > 0 else np.zeros(n_i)
    offset, scale = trial_geometry(tau, bias, sigma_eta, rng, protocol=protocol, sampler_sd=sampler_sd)
    if method == "literal":
        assert k_max is not None  # checked above, before any random draw
        return first_success_literal(offset, scale, delta, k_max, rng)
    s = single_trial_success(offset, 1.0, delta, scale)
    return first_success_geometric(s, rng)


@dataclass(frozen=True)
class SurvivalCheck:
    r"""Result of :func:`survival_check` (all arrays are over the ``ks`` given).

    Attributes
    ----------
    ks : ndarray
        The budgets ``k``.
    estimate : ndarray
        Simulated failure :math:`\hat L(k)`.
    standard_error : ndarray
        Its standard error.
    exact : ndarray
        The exact failure :math:`L(k)` (made non-increasing).
    z : ndarray
        :math:`(\hat L - L) / \sqrt{L(1-L)/n}`.
    testable : ndarray of bool
        The ``k`` that enter the statistic (enough expected successes and failures).
    n : int
        Number of simulated instances.
    max_abs_z : float
        The statistic :math:`\max_j |z_j|` over the testable ``k``.
    null_max_abs_z : ndarray
        Replicates of the statistic under the hypothesis.
    """

    ks: NDArray[np.float64]
    estimate: NDArray[np.float64]
    standard_error: NDArray[np.float64]
    exact: NDArray[np.float64]
    z: NDArray[np.float64]
    testable: NDArray[np.bool_]
    n: int
    max_abs_z: float
    null_max_abs_z: NDArray[np.float64]

    def null_quantile(self, level: float = 0.999) -> float:
        """Quantile of ``max |z|`` under the hypothesis that ``exact`` is the true curve.

        Parameters
        ----------
        level : float, default 0.999
            Quantile level in ``[0, 1]``.

        Returns
        -------
        float
            The quantile of :attr:`null_max_abs_z`.

        Examples
        --------
        First successes of a geometric law with success probability 0.1, whose exact
        failure is ``0.9^k``:

        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> t = rng.geometric(0.1, size=2000)
        >>> ks = np.array([1.0, 5.0, 10.0, 20.0])
        >>> check = survival_check(t, ks, 0.9**ks, rng, n_rep=2000)
        >>> check.max_abs_z < check.null_quantile(0.999)
        True
        """
        return float(np.quantile(self.null_max_abs_z, level))


def survival_check(
    first_success: ArrayLike,
    ks: ArrayLike,
    exact: ArrayLike,
    rng: np.random.Generator,
    *,
    min_expected: float = 20.0,
    n_rep: int = 20_000,
) -> SurvivalCheck:
    r"""Compare a simulated pass@k failure curve with an exact one, with a calibrated test.

    The statistic is :math:`\max_j |z_j|`, :math:`z_j = (\hat L(k_j) - L(k_j)) /
    \sqrt{L(k_j)(1 - L(k_j))/n}`, over the ``k_j`` where both ``n L`` and ``n (1 - L)``
    are at least ``min_expected`` (where the normal approximation holds).  Because the
    estimates at different ``k`` share the same instances, the ``z_j`` are strongly
    correlated and their maximum has no simple law; its null distribution is
    simulated exactly instead.  Under the hypothesis, ``T_i > k`` iff ``U_i < L(k)`` for
    i.i.d. uniform ``U_i`` (``L`` is non-increasing), so the counts at all ``k_j`` follow
    from one multinomial draw over the gaps between consecutive ``L(k_j)``.

    Parameters
    ----------
    first_success : array_like
        Simulated first-success indices (see :func:`simulate_first_success`).
    ks : array_like
        Increasing integer budgets.
    exact : array_like
        The exact failure :math:`L(k)` at ``ks`` (non-increasing).
    rng : numpy.random.Generator
        For the null replicates.
    min_expected : float
        Minimum expected count for a ``k`` to enter the statistic.
    n_rep : int
        Number of null replicates.

    Returns
    -------
    SurvivalCheck
        With ``max_abs_z`` and the replicates ``null_max_abs_z``; combine several
        independent curves by taking the elementwise maximum of their replicates.
    """
    k = check_array("ks", ks, min_val=1.0)
    L = probability("exact", exact)
    if k.ndim != 1 or L.shape != k.shape:
        raise ValueError(f"ks and exact must be 1-D of the same length, got {k.shape} and {L.shape}")
    if np.any(np.diff(k) <= 0):
        raise ValueError("ks must be strictly increasing")
    if np.any(np.diff(L) > 1e-12):
        raise ValueError("exact must be non-increasing in k")
    check_generator("rng", rng)
    n_rep = positive_int("n_rep", n_rep)
    est, se = survival_from_first_success(first_success, k)
    n = int(np.asarray(first_success).size)
    L = np.minimum.accumulate(L)  # remove rounding-level increases
    testable = (n * L >= min_expected) & (n * (1.0 - L) >= min_expected)
    if not testable.any():
        raise ValueError("no k has enough expected successes and failures; raise n or lower min_expected")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (est - L) / np.sqrt(L * (1.0 - L) / n)
    Lt = L[testable]
    q = -np.diff(np.concatenate(([1.0], Lt, [0.0])))  # P(U in each gap), from the top
    q = np.maximum(q, 0.0)
    counts = rng.multinomial(n, q / q.sum(), size=n_rep)  # (n_rep, m + 1)
    above = n - np.cumsum(counts, axis=1)[:, :-1]  # #{U < L(k_j)} for j = 1..m
    z_null = (above / n - Lt) / np.sqrt(Lt * (1.0 - Lt) / n)
    return SurvivalCheck(
        ks=k,
        estimate=est,
        standard_error=se,
        exact=L,
        z=z,
        testable=testable,
        n=n,
        max_abs_z=float(np.max(np.abs(z[testable]))),
        null_max_abs_z=np.max(np.abs(z_null), axis=1),
    )
