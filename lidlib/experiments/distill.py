r"""The maths teacher-student distillation proxy (a reconstruction).

The published abstract of the main paper mentions "a maths teacher-student
distillation task" as a second real-data proxy and gives no detail.  This module is
this book's own design of such a task, built so that every quantity of the LID model
(Definition 3.1) has a mechanical counterpart that can be computed exactly.

Problems
    A shop sells ``d`` kinds of item at fixed integer unit prices ``w`` (unknown to
    the student).  A problem states the quantities ``q`` of an order, ``q_v ~
    Poisson(lambda_v)`` with ``lambda_v = q_scale * v^-(1 + alpha)`` (a power-law
    feature spectrum, item 1 of Definition 3.1), and asks for the bill
    ``a = w . q``, an integer that a verifier can check exactly.  The worked solution
    takes ``L`` reasoning steps (restatements, conversions, distractor sentences,
    partial sums); ``L`` is drawn independently of ``q`` from the discrete Pareto law
    ``P(L >= l) = l^(-beta/2)``, ``l = 1, 2, ...`` (:func:`sample_steps`).

Teacher
    A stochastic solver that walks through the ``L`` steps; every step adds an
    independent integer slip ``D = P+ - P-`` with ``P+, P- ~ Poisson(mu)`` (over- and
    under-counting; for small ``mu`` this is "with probability about ``2 mu`` the step
    is off by one").  Its answer is ``a + sum of L slips``, whose law is exactly
    ``Skellam(L mu, L mu)`` (:func:`answer_pmf`): mean ``a`` (the teacher is unbiased)
    and variance ``2 mu L``.  With ``sigma_eta^2 = 2 mu`` (the variance of one step)
    the LID precision of a problem is ``tau = sigma_eta^2 / Var = 1 / L``, so

    .. math::

        \Pr(\tau \le t) = \Pr(L \ge \lceil 1/t\rceil) = \lceil 1/t\rceil^{-\beta/2}
        \asymp t^{\beta/2}, \qquad t \downarrow 0,

    the near-zero tail of comment (ii) of Definition 3.1, with tail constant 1.

Student
    A ridge head on the frozen features ``x = q`` (:func:`ridge_sweep`), trained on a
    single teacher answer per training problem.  The teacher's mean is exactly
    ``w . x``, so a linear head can represent it: the best achievable ``L_gen`` is 0.

Pass@k (:func:`student_failure`)
    Target-draw protocol: the student's rounded prediction ``r`` succeeds on one
    attempt when a fresh teacher answer equals ``r`` (tolerance ``delta = 1/2`` on the
    integer lattice): ``s = P(Skellam(L mu) = r - a)``.  The verifier protocol (the
    student samples ``r + slips`` like the teacher and the verifier checks the exact
    answer ``a``) has the same success law because the Skellam law is symmetric.

No lidlib infrastructure is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from lidlib._validation import as_float_array, nonnegative, positive, positive_int, rng_from
from lidlib.ridge import ridge_path

__all__ = [
    "DistillTask",
    "Problems",
    "sample_steps",
    "steps_survival",
    "skellam_pmf",
    "answer_pmf",
    "steps_precision_cdf",
    "teacher_answers",
    "empirical_precision",
    "ridge_sweep",
    "steps_grid",
    "student_failure",
    "failure_by_steps",
    "simulate_passk",
    "ols_asymptote",
    "TrainingSets",
    "draw_training_sets",
    "generalisation_loss",
    "pooled_failure",
    "describe",
    "budget_objective",
    "cross_fit_allocation",
]


# ----------------------------------------------------------------------- the steps law
def _beta(beta) -> float:
    return float(positive("beta", beta))


def steps_survival(l, beta: float) -> np.ndarray:
    r"""``P(L >= l) = floor(l)^(-beta/2)`` for ``l >= 1`` (1 below), the discrete Pareto law.

    Parameters
    ----------
    l : array_like
        Step counts (real values are floored; ``inf`` allowed).
    beta : float
        Tail index (``> 0``).

    Returns
    -------
    ndarray

    Examples
    --------
    >>> from lidlib.experiments.distill import steps_survival
    >>> steps_survival([0.5, 1.0, 4.0, 4.5], 2.0)  # P(L >= l) = l^-1
    array([1.  , 1.  , 0.25, 0.25])
    """
    b = _beta(beta)
    x = as_float_array("l", l, allow_inf=True)
    return np.where(x <= 1.0, 1.0, np.floor(np.maximum(x, 1.0)) ** (-b / 2.0))


def sample_steps(n: int, beta: float, rng) -> np.ndarray:
    r"""``n`` draws of the number of reasoning steps ``L`` (int64).

    ``L = floor(U^(-2/beta))`` with ``U`` uniform on ``(0, 1]``, which gives exactly
    ``P(L >= l) = l^(-beta/2)`` for integers ``l >= 1``.  Draws beyond ``2^62`` are
    clipped (probability below ``2^(-31 beta)``).

    Parameters
    ----------
    n : int
        Number of draws.
    beta : float
        Tail index (``> 0``).
    rng : numpy.random.Generator or int
        Source of randomness.

    Returns
    -------
    ndarray of int64, shape (n,)

    Examples
    --------
    >>> from lidlib.experiments.distill import sample_steps
    >>> L = sample_steps(100_000, 2.0, rng=0)
    >>> int(L.min()), round(float(np.mean(L >= 4)), 2)  # P(L >= 4) = 1/4
    (1, 0.25)
    """
    n = positive_int("n", n)
    b = _beta(beta)
    u = 1.0 - rng_from(rng).random(n)  # in (0, 1]
    L = np.floor(np.minimum(u ** (-2.0 / b), 2.0**62))
    return L.astype(np.int64)


def steps_precision_cdf(t, beta: float) -> np.ndarray:
    r"""Exact ``P(tau <= t)`` for ``tau = 1/L``: ``ceil(1/t)^(-beta/2)`` (0 for ``t <= 0``, 1 for ``t >= 1``).

    The law of the precision implied by the step count ``L``; the Gamma law of the LID
    model has :func:`lidlib.model.precision_cdf`.

    Parameters
    ----------
    t : array_like
        Precisions (``inf`` allowed).
    beta : float
        Tail index of ``L`` (positive).

    Returns
    -------
    ndarray
        ``P(tau <= t)``, same shape as ``t``.

    Examples
    --------
    >>> from lidlib.experiments import distill
    >>> distill.steps_precision_cdf([0.1, 0.25, 0.3, 1.0], 2.0)  # 1 / ceil(1/t) for beta = 2
    array([0.1 , 0.25, 0.25, 1.  ])
    """
    b = _beta(beta)
    t = as_float_array("t", t, allow_inf=True)
    with np.errstate(divide="ignore"):
        inv = np.where(t > 0, 1.0 / np.where(t > 0, t, 1.0), np.inf)
    out = np.where(t >= 1.0, 1.0, np.ceil(inv * (1 - 1e-12)) ** (-b / 2.0))
    return np.where(t <= 0, 0.0, out)


# ----------------------------------------------------------------------- answer law
def skellam_pmf(j, m) -> np.ndarray:
    r"""``P(P1 - P2 = j)`` for independent ``P1, P2 ~ Poisson(m)``: :math:`e^{-2m} I_{|j|}(2m)`.

    ``m = 0`` gives the point mass at 0.  For ``2m > 1e8`` (where SciPy's scaled
    Bessel function returns NaN) the two-term expansion
    :math:`e^{-j^2/4m}(1 - (4j^2 - 1)/16m)/\sqrt{4\pi m}` is used (relative error
    ``O(m^-2)`` there).  Broadcasts.

    Parameters
    ----------
    j : array_like
        Integer differences.
    m : array_like
        Poisson mean of each of the two counts (``>= 0``).

    Returns
    -------
    ndarray
        The probabilities, broadcast shape of ``j`` and ``m``.

    Examples
    --------
    >>> from lidlib.experiments.distill import skellam_pmf
    >>> np.round(skellam_pmf([0, 1, 2], 0.5), 4)
    array([0.4658, 0.2079, 0.0499])
    >>> float(skellam_pmf(0, 0.0))  # m = 0: the point mass at 0
    1.0
    """
    j = np.abs(as_float_array("j", j))
    m = nonnegative("m", m)
    j, m = np.broadcast_arrays(j, m)
    x = 2.0 * m
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        out = special.ive(j, x)
        big = ~np.isfinite(out) | (x > 1e8)
        if np.any(big):
            xb, jb = x[big], j[big]
            out = np.array(out, dtype=float)
            out[big] = (
                np.exp(-jb * jb / (2.0 * xb)) * (1.0 - (4.0 * jb * jb - 1.0) / (8.0 * xb)) / np.sqrt(2.0 * np.pi * xb)
            )
    out = np.where(m == 0.0, (j == 0).astype(float), out)
    return np.clip(out, 0.0, 1.0)


def answer_pmf(error, steps, mu: float) -> np.ndarray:
    r"""Probability that the teacher's answer is off by ``error`` after ``steps`` steps.

    The sum of ``L`` independent ``Skellam(mu, mu)`` slips is ``Skellam(L mu, L mu)``,
    so this is ``skellam_pmf(error, L mu)``: the exact single-attempt success of a
    prediction whose rounded value is off the true answer by ``error``.

    Parameters
    ----------
    error : array_like
        Rounded error of the prediction (an integer).
    steps : array_like
        Number of steps ``L`` (``>= 1``).
    mu : float
        Poisson rate of slips per step.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> from lidlib.experiments.distill import answer_pmf, skellam_pmf
    >>> bool(answer_pmf(1, 4, 0.125) == skellam_pmf(1, 0.5))  # four steps of rate 1/8
    True
    """
    mu = float(nonnegative("mu", mu))
    L = positive("steps", steps)
    return skellam_pmf(error, L * mu)


@dataclass(frozen=True)
class Problems:
    """A set of problems: quantities ``q`` (n x d ints), steps ``L`` and answers ``a = w . q``.

    Attributes
    ----------
    q : ndarray of shape (n, d)
        Quantities of each order.
    steps : ndarray of int, shape (n,)
        Steps ``L`` of the worked solutions.
    answer : ndarray of shape (n,)
        Exact bills ``a = w . q``.

    Examples
    --------
    >>> from lidlib.experiments import distill
    >>> task = distill.DistillTask(d=4, beta=3.0, mu=0.5)
    >>> w = np.array([3.0, 1.0, 4.0, 2.0])  # the unit prices
    >>> P = task.sample(3, w, rng=0)
    >>> len(P), bool((P.answer == P.q @ w).all())
    (3, True)
    """

    q: np.ndarray
    steps: np.ndarray
    answer: np.ndarray

    def __len__(self) -> int:
        return int(self.steps.size)


@dataclass(frozen=True)
class DistillTask:
    r"""The problem family, the teacher and the feature spectrum.

    Parameters
    ----------
    d : int
        Number of item kinds (the feature dimension of the student).
    beta : float
        Tail index: ``P(L >= l) = l^(-beta/2)``, so ``P(tau <= t) ~ t^(beta/2)``.
    mu : float
        Poisson rate of over- and under-counts per step; the variance of one step is
        ``sigma_eta^2 = 2 mu``.  ``mu = 0`` is a teacher that never slips.
    alpha : float
        Spectrum exponent: ``lambda_v = q_scale v^-(1 + alpha)``.
    q_scale : float
        Mean quantity of the most common item.
    price_max : int
        Unit prices are drawn uniformly from ``1 .. price_max`` by :meth:`prices`.

    Examples
    --------
    >>> from lidlib.experiments import distill
    >>> task = distill.DistillTask(d=4, beta=3.0, mu=0.5)
    >>> w = np.array([3.0, 1.0, 4.0, 2.0])  # the unit prices
    >>> task.sigma_eta2, round(task.mean_steps, 4)  # 2 mu and zeta(beta/2)
    (1.0, 2.6124)
    """

    d: int = 32
    beta: float = 3.0
    mu: float = 12.5
    alpha: float = 0.5
    q_scale: float = 40.0
    price_max: int = 20

    def __post_init__(self) -> None:
        positive_int("d", self.d)
        positive("beta", self.beta)
        nonnegative("mu", self.mu)
        positive("alpha", self.alpha)
        positive("q_scale", self.q_scale)
        positive_int("price_max", self.price_max)

    @property
    def sigma_eta2(self) -> float:
        """Variance of one step's slip, ``2 mu`` (the LID scale ``sigma_eta^2``)."""
        return 2.0 * float(self.mu)

    @property
    def rates(self) -> np.ndarray:
        """Poisson means ``lambda_v`` of the quantities."""
        v = np.arange(1, self.d + 1, dtype=float)
        return float(self.q_scale) * v ** (-(1.0 + float(self.alpha)))

    @property
    def feature_second_moment(self) -> np.ndarray:
        r"""``E[q q^T] = diag(lambda) + lambda lambda^T`` (independent Poisson quantities)."""
        lam = self.rates
        return np.diag(lam) + np.outer(lam, lam)

    @property
    def mean_steps(self) -> float:
        r"""``E[L] = zeta(beta/2)`` (finite for ``beta > 2``; ``inf`` otherwise)."""
        a = float(self.beta) / 2.0
        return float(special.zeta(a)) if a > 1.0 else float("inf")

    @property
    def noise_var(self) -> float:
        r"""Average teacher variance ``E[Var(y | problem)] = sigma_eta^2 E[L]`` (Eq. 4 analogue)."""
        return self.sigma_eta2 * self.mean_steps

    def prices(self, rng) -> np.ndarray:
        """Unit prices ``w`` (the teacher's hidden rule), uniform on ``1 .. price_max``.

        Parameters
        ----------
        rng : numpy.random.Generator or int
            Source of randomness.

        Returns
        -------
        ndarray of shape (d,)

        Examples
        --------
        >>> from lidlib.experiments.distill import DistillTask
        >>> w = DistillTask(d=5, price_max=3).prices(rng=0)
        >>> w.shape, bool(np.isin(w, [1.0, 2.0, 3.0]).all())
        ((5,), True)
        """
        return rng_from(rng).integers(1, int(self.price_max) + 1, size=self.d).astype(float)

    def sample(self, n: int, w, rng, steps=None) -> Problems:
        """``n`` problems with prices ``w``; ``steps`` fixes ``L`` (scalar or array) instead of sampling it.

        Parameters
        ----------
        n : int
            Number of problems.
        w : array_like of shape (d,)
            Unit prices.
        rng : numpy.random.Generator or int
            Source of randomness.
        steps : int or array_like, optional
            Fixed ``L`` (integers ``>= 1``).

        Returns
        -------
        Problems

        Raises
        ------
        ValueError
            If ``w`` has the wrong length or ``steps`` is not a positive integer.

        Examples
        --------
        >>> from lidlib.experiments import distill
        >>> task = distill.DistillTask(d=4, beta=3.0, mu=0.5)
        >>> w = np.array([3.0, 1.0, 4.0, 2.0])  # the unit prices
        >>> task.sample(4, w, rng=0, steps=7).steps
        array([7, 7, 7, 7])
        """
        n = positive_int("n", n)
        w = as_float_array("w", w).ravel()
        if w.size != self.d:
            raise ValueError(f"w must have d = {self.d} entries, got {w.size}")
        g = rng_from(rng)
        q = g.poisson(self.rates, size=(n, self.d)).astype(float)
        if steps is None:
            L = sample_steps(n, self.beta, g)
        else:
            L = np.broadcast_to(positive("steps", steps), (n,)).astype(np.int64)
            if np.any(L < 1):
                raise ValueError("steps must be integers >= 1")
        return Problems(q=q, steps=L, answer=q @ w)


# ----------------------------------------------------------------------- the teacher
def teacher_answers(problems: Problems, mu: float, n_samples: int, rng) -> np.ndarray:
    r"""``n_samples`` independent teacher answers per problem, shape ``(n, n_samples)``.

    Each answer is ``a + P+ - P-`` with ``P+, P- ~ Poisson(L mu)``: the total of ``L``
    per-step slips drawn by the mechanism (a sum of Poisson counts is Poisson, so the
    ``L`` steps are drawn in one call; the law is that of summing them one by one).

    Parameters
    ----------
    problems : Problems
        The problems.
    mu : float
        Poisson rate of slips per step.
    n_samples : int
        Answers per problem.
    rng : numpy.random.Generator or int
        Source of randomness.

    Returns
    -------
    ndarray of shape (n, n_samples)

    Examples
    --------
    >>> from lidlib.experiments import distill
    >>> task = distill.DistillTask(d=4, beta=3.0, mu=0.5)
    >>> w = np.array([3.0, 1.0, 4.0, 2.0])  # the unit prices
    >>> P = task.sample(20_000, w, rng=0, steps=2)
    >>> y = distill.teacher_answers(P, 0.5, 1, rng=1)[:, 0]
    >>> round(float(np.mean(y - P.answer)), 1) + 0.0, round(float(np.var(y - P.answer)), 1)  # mean 0, variance 2 mu L
    (0.0, 2.0)
    """
    mu = float(nonnegative("mu", mu))
    m = positive_int("n_samples", n_samples)
    g = rng_from(rng)
    lam = (problems.steps.astype(float) * mu)[:, None]
    size = (len(problems), m)
    if mu == 0.0:
        return np.broadcast_to(problems.answer[:, None], size).astype(float).copy()
    return problems.answer[:, None] + (g.poisson(lam, size=size) - g.poisson(lam, size=size)).astype(float)


def empirical_precision(samples, sigma_eta2: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Per-problem mean target and precision measured from teacher samples.

    Returns ``(mean, tau_hat)`` with ``tau_hat = sigma_eta^2 / s^2`` (``s^2`` the
    unbiased sample variance across a problem's samples); ``inf`` where all samples
    agree.  The CIFAR-10H analogue: annotators -> teacher samples (Sec. 5).

    Parameters
    ----------
    samples : array_like of shape (n_problems, n_samples)
        At least two teacher answers per problem.
    sigma_eta2 : float
        The variance of one step, ``2 mu``.

    Returns
    -------
    mean, tau_hat : ndarray of shape (n_problems,)

    Raises
    ------
    ValueError
        If there are fewer than two samples per problem.

    Examples
    --------
    >>> from lidlib.experiments.distill import empirical_precision
    >>> empirical_precision([[10.0, 12.0], [5.0, 5.0]], 1.0)
    (array([11.,  5.]), array([0.5, inf]))
    """
    y = as_float_array("samples", samples)
    if y.ndim != 2 or y.shape[1] < 2:
        raise ValueError(f"samples must have shape (n_problems, n_samples >= 2), got {y.shape}")
    s2 = float(positive("sigma_eta2", sigma_eta2))
    var = y.var(axis=1, ddof=1)
    with np.errstate(divide="ignore"):
        tau = np.where(var > 0, s2 / np.where(var > 0, var, 1.0), np.inf)
    return y.mean(axis=1), tau


# ----------------------------------------------------------------------- the student
def ridge_sweep(X, y, Ns, lam: float = 0.0) -> np.ndarray:
    r"""Ridge heads fitted on the first ``N`` rows of ``(X, y)`` for each ``N`` (nested).

    :math:`\hat\theta_N = (X_N^\top X_N + \lambda N I)^{-1} X_N^\top y_N`, computed by
    :func:`lidlib.ridge.ridge_path` (one Gram matrix updated along the nested sets) for a
    single label vector and a single ``lam``.

    Returns an array of shape ``(len(Ns), d)``.

    Parameters
    ----------
    X : array_like of shape (n, d)
        Features.
    y : array_like of shape (n,)
        One label per row.
    Ns : array_like of int
        Strictly increasing training sizes ``<= n``.
    lam : float
        Ridge parameter (``>= 0``).

    Returns
    -------
    ndarray of shape (len(Ns), d)

    Examples
    --------
    >>> from lidlib.experiments.distill import ridge_sweep
    >>> X = np.random.default_rng(0).poisson(3.0, size=(20, 2)).astype(float)
    >>> np.round(ridge_sweep(X, X @ [2.0, 5.0], [10, 20]), 6)  # exact labels: OLS recovers the prices
    array([[2., 5.],
           [2., 5.]])
    """
    X = as_float_array("X", X)
    y = as_float_array("y", y).ravel()
    if X.ndim != 2 or X.shape[0] != y.size:
        raise ValueError(f"X must have shape (n, d) with n = len(y) = {y.size}, got {X.shape}")
    N = np.asarray(positive("Ns", Ns)).ravel()
    if np.any(N != np.round(N)) or np.any(np.diff(N) <= 0) or N[-1] > y.size:
        raise ValueError(f"Ns must be strictly increasing integers <= {y.size}")
    lam = float(nonnegative("lam", lam))
    return ridge_path(X, y, N.astype(int), lam)[:, 0]


def ols_asymptote(task: DistillTask, N) -> np.ndarray:
    r"""Large-``N`` OLS loss against the teacher's mean, ``E[sigma^2] d / (N - d - 1)``.

    The teacher's variance ``sigma_eta^2 L`` is independent of the features, so the
    conditional risk is :math:`E[\sigma^2]\,\mathrm{tr}(\Sigma (X^\top X)^{-1})`; the
    Gaussian-design value of its mean (training-law chapter) is used as the reference.
    Finite only for ``beta > 2``.

    Parameters
    ----------
    task : DistillTask
        The task (its ``d`` and ``noise_var``).
    N : array_like
        Training sizes ``> d + 1``.

    Returns
    -------
    ndarray

    Raises
    ------
    ValueError
        If some ``N <= d + 1``.

    Examples
    --------
    >>> from lidlib.experiments import distill
    >>> task = distill.DistillTask(d=4, beta=3.0, mu=0.5)
    >>> w = np.array([3.0, 1.0, 4.0, 2.0])  # the unit prices
    >>> np.round(distill.ols_asymptote(task, [9, 45]), 4)  # noise_var d / (N - d - 1)
    array([2.6124, 0.2612])
    """
    N = positive("N", N)
    d = task.d
    if np.any(N <= d + 1):
        raise ValueError(f"N must exceed d + 1 = {d + 1}")
    return task.noise_var * d / (N - d - 1.0)


# ----------------------------------------------------------------------- pass@k
def steps_grid(
    beta: float, l_exact: int = 2000, l_max: float = 1e12, per_decade: int = 40
) -> tuple[np.ndarray, np.ndarray, float]:
    r"""Quadrature over the law of ``L``: nodes, weights and the mass left beyond ``l_max``.

    Every ``l <= l_exact`` is a node with weight ``P(L = l)``; beyond, log-spaced bins
    ``[l_lo, l_hi)`` carry ``P(l_lo <= L < l_hi)`` at their geometric centre (the
    per-step success varies by ``O(1/per_decade)`` across a bin there).

    Parameters
    ----------
    beta : float
        Tail index.
    l_exact : int
        Last step count that is a node of its own.
    l_max : float
        End of the log-spaced bins.
    per_decade : int
        Bins per decade beyond ``l_exact``.

    Returns
    -------
    nodes, weights : ndarray
    rest : float
        ``P(L >= l_max)`` (counted as failure by the pass@k average over ``L``).

    Examples
    --------
    >>> from lidlib.experiments.distill import steps_grid
    >>> nodes, weights, rest = steps_grid(3.0, l_exact=10, l_max=1e4, per_decade=5)
    >>> nodes[:3], round(float(weights.sum() + rest), 12)  # the weights and the rest add up to 1
    (array([1., 2., 3.]), 1.0)
    """
    b = _beta(beta)
    le = positive_int("l_exact", l_exact)
    lm = float(positive("l_max", l_max))
    if lm <= le + 1:
        raise ValueError(f"l_max must exceed l_exact + 1, got {lm:g}")
    pd = positive_int("per_decade", per_decade)
    l1 = np.arange(1, le + 1, dtype=float)
    w1 = l1 ** (-b / 2) - (l1 + 1) ** (-b / 2)
    edges = np.unique(np.round(np.geomspace(le + 1, lm, max(2, int(pd * np.log10(lm / le)) + 1))))
    lo, hi = edges[:-1], edges[1:]
    w2 = lo ** (-b / 2) - hi ** (-b / 2)
    l2 = np.sqrt(lo * (hi - 1.0))
    return np.concatenate([l1, l2]), np.concatenate([w1, w2]), float(hi[-1] ** (-b / 2))


def _rounded_errors(pred, answer) -> tuple[np.ndarray, np.ndarray]:
    p = as_float_array("pred", pred).ravel()
    a = as_float_array("answer", answer).ravel()
    if p.size != a.size:
        raise ValueError(f"pred and answer must have the same length, got {p.size} and {a.size}")
    r = np.abs(np.round(p) - a)
    vals, counts = np.unique(r, return_counts=True)
    return vals, counts / r.size


def failure_by_steps(pred, answer, steps, mu: float, ks) -> np.ndarray:
    r"""Pass@k failure at a fixed number of steps: rows ``steps``, columns ``ks``.

    ``mean_i (1 - s(r_i, L))^k`` over the test problems ``i``, with ``r_i`` the rounded
    error of the prediction and ``s = answer_pmf(r_i, L, mu)``.

    Parameters
    ----------
    pred, answer : array_like
        Predictions and exact answers of the test problems.
    steps : array_like
        Step counts ``L`` (rows of the result).
    mu : float
        Poisson rate of slips per step.
    ks : array_like
        Numbers of attempts (``>= 1``).

    Returns
    -------
    ndarray of shape (len(steps), len(ks))

    Examples
    --------
    >>> from lidlib.experiments.distill import failure_by_steps, skellam_pmf
    >>> F = failure_by_steps([10.0], [10.0], [1, 4], 0.5, [1, 2])  # an exact prediction
    >>> bool(np.isclose(F[0, 1], (1 - skellam_pmf(0, 0.5)) ** 2))
    True
    """
    vals, frac = _rounded_errors(pred, answer)
    L = positive("steps", steps).ravel()
    k = as_float_array("ks", ks).ravel()
    if np.any(k < 1):
        raise ValueError("ks must be >= 1")
    s = answer_pmf(vals[None, :], L[:, None], mu)  # (n_L, n_r)
    with np.errstate(divide="ignore"):
        logq = np.log1p(-np.minimum(s, 1.0))  # -inf where s = 1
    f = np.exp(logq[:, :, None] * k[None, None, :])  # (n_L, n_r, n_k)
    return np.einsum("lrk,r->lk", f, frac)


def student_failure(pred, answer, mu: float, beta: float, ks, grid=None) -> np.ndarray:
    r"""Pass@k failure of a student, averaged over test problems and *exactly* over ``L``.

    .. math::

        \mathcal L_{\inf}(k) = \sum_l \Pr(L = l)\;\frac1n\sum_i
            \bigl(1 - s(r_i, l)\bigr)^k,\qquad s(r, l) = \Pr(\mathrm{Skellam}(l\mu) = r),

    with ``r_i = round(pred_i) - answer_i``.  ``L`` is independent of the features,
    so the test problems need not carry their own ``L``; the sum over ``l`` uses
    :func:`steps_grid` (the mass beyond its last node counts as failure).  A perfect
    student (``pred = answer``) gives the bias-free curve.  The counterpart, for this
    task, of :func:`lidlib.passk.population_failure` (Eq. 13).

    Parameters
    ----------
    pred, answer : array_like
        The student's predictions and the true answers, one per test problem.
    mu : float
        Noise rate of a step (the Skellam parameter per step).
    beta : float
        Tail index of the step count ``L``.
    ks : array_like
        Numbers of attempts.
    grid : tuple, optional
        :func:`steps_grid` output, to reuse.

    Returns
    -------
    ndarray of shape (len(ks),)

    Examples
    --------
    >>> from lidlib.experiments import distill
    >>> distill.student_failure([0.0, 0.0], [0.0, 0.0], 0.5, 3.0, [1, 10, 100]).round(4).tolist()  # perfect
    [0.6129, 0.0345, 0.0001]
    >>> distill.student_failure([0.0, 3.0], [0.0, 0.0], 0.5, 3.0, [1, 10, 100]).round(4).tolist()  # one off by 3
    [0.7955, 0.4263, 0.1473]
    """
    nodes, w, rest = steps_grid(beta) if grid is None else grid
    F = failure_by_steps(pred, answer, nodes, mu, ks)
    return w @ F + rest


def simulate_passk(pred, problems: Problems, mu: float, k_max: int, rng, protocol: str = "target") -> np.ndarray:
    r"""Literal simulation of pass@k failure for ``k = 1 .. k_max`` on given test problems.

    ``protocol="target"``: ``k`` fresh teacher answers are drawn and the attempt
    succeeds when one equals the rounded prediction (target-draw, Sec. 3).
    ``protocol="verifier"``: the student emits ``round(pred) +`` its own slips (same
    mechanism as the teacher) and a verifier checks equality with the true answer.
    Returns the fraction of problems not solved within ``k`` attempts, shape ``(k_max,)``.

    Parameters
    ----------
    pred : array_like
        One prediction per problem.
    problems : Problems
        The test problems (with their own ``L``).
    mu : float
        Poisson rate of slips per step.
    k_max : int
        Largest number of attempts.
    rng : numpy.random.Generator or int
        Source of randomness.
    protocol : {"target", "verifier"}
        How an attempt is judged.

    Returns
    -------
    ndarray of shape (k_max,)

    Raises
    ------
    ValueError
        On an unknown ``protocol`` or a wrong number of predictions.

    Examples
    --------
    >>> from lidlib.experiments import distill
    >>> task = distill.DistillTask(d=4, beta=3.0, mu=0.5)
    >>> w = np.array([3.0, 1.0, 4.0, 2.0])  # the unit prices
    >>> P = task.sample(500, w, rng=0)
    >>> F = distill.simulate_passk(P.answer, P, task.mu, 8, rng=1)
    >>> F.shape, bool((np.diff(F) <= 0).all())
    ((8,), True)
    """
    if protocol not in ("target", "verifier"):
        raise ValueError(f"protocol must be 'target' or 'verifier', got {protocol!r}")
    p = as_float_array("pred", pred).ravel()
    if p.size != len(problems):
        raise ValueError(f"pred must have one entry per problem ({len(problems)}), got {p.size}")
    k_max = positive_int("k_max", k_max)
    draws = teacher_answers(problems, mu, k_max, rng)
    r = np.round(p)[:, None]
    if protocol == "target":
        hit = draws == r
    else:
        hit = (r + (draws - problems.answer[:, None])) == problems.answer[:, None]
    solved_by = np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, k_max + 1)
    return np.array([np.mean(solved_by > k) for k in range(1, k_max + 1)])


# ----------------------------------------------------------------------- experiments
@dataclass(frozen=True)
class TrainingSets:
    """Independent training sets (one per seed): quantities ``q`` (s x n x d) and one teacher answer each (s x n).

    Attributes
    ----------
    q : ndarray of shape (n_seeds, n, d)
        Quantities of the training problems.
    y : ndarray of shape (n_seeds, n)
        One teacher answer per problem.
    steps : ndarray of shape (n_seeds, n)
        Their ``L``.

    Examples
    --------
    >>> from lidlib.experiments import distill
    >>> task = distill.DistillTask(d=4, beta=3.0, mu=0.5)
    >>> w = np.array([3.0, 1.0, 4.0, 2.0])  # the unit prices
    >>> sets = distill.draw_training_sets(task, w, n=40, n_seeds=2, rng=0)
    >>> sets.fit([10, 40]).shape
    (2, 2, 4)
    """

    q: np.ndarray
    y: np.ndarray
    steps: np.ndarray

    def fit(self, Ns, lam: float = 0.0) -> np.ndarray:
        """Nested ridge heads for every seed: shape ``(n_seeds, len(Ns), d)`` (:func:`ridge_sweep`).

        Parameters
        ----------
        Ns : array_like of int
            Strictly increasing training sizes.
        lam : float
            Ridge parameter.

        Returns
        -------
        ndarray of shape (n_seeds, len(Ns), d)
        """
        return np.stack([ridge_sweep(q, y, Ns, lam) for q, y in zip(self.q, self.y)])

    def expected_loss(self, Ns, task: DistillTask) -> np.ndarray:
        r"""OLS loss averaged over the teacher's answers, given each seed's problems.

        :math:`E[\sigma^2]\,\mathrm{tr}\bigl(E[qq^\top](X_N^\top X_N)^{-1}\bigr)`, exact
        because the teacher's variance ``sigma_eta^2 L`` is independent of ``q``
        (``L`` of the training problems averaged out).  Shape ``(n_seeds, len(Ns))``;
        needs ``N >= d`` with an invertible Gram matrix.

        Parameters
        ----------
        Ns : array_like of int
            Training sizes (``>= d``).
        task : DistillTask
            The task (its feature moments and noise).

        Returns
        -------
        ndarray of shape (n_seeds, len(Ns))
        """
        N = np.asarray(positive("Ns", Ns)).ravel().astype(int)
        S = task.feature_second_moment
        out = np.empty((self.q.shape[0], N.size))
        for s, q in enumerate(self.q):
            for i, n in enumerate(N):
                out[s, i] = np.trace(np.linalg.pinv(q[:n].T @ q[:n]) @ S)
        return task.noise_var * out


def draw_training_sets(task: DistillTask, w, n: int, n_seeds: int, rng) -> TrainingSets:
    """``n_seeds`` training sets of ``n`` problems, each labelled by a *single* teacher answer.

    Parameters
    ----------
    task : DistillTask
        The task.
    w : array_like of shape (d,)
        Unit prices.
    n : int
        Problems per set.
    n_seeds : int
        Number of sets.
    rng : numpy.random.Generator or int
        Source of randomness.

    Returns
    -------
    TrainingSets

    Examples
    --------
    >>> from lidlib.experiments import distill
    >>> task = distill.DistillTask(d=4, beta=3.0, mu=0.5)
    >>> w = np.array([3.0, 1.0, 4.0, 2.0])  # the unit prices
    >>> distill.draw_training_sets(task, w, n=30, n_seeds=3, rng=0).y.shape
    (3, 30)
    """
    n = positive_int("n", n)
    s = positive_int("n_seeds", n_seeds)
    g = rng_from(rng)
    qs, ys, Ls = [], [], []
    for _ in range(s):
        P = task.sample(n, w, g)
        qs.append(P.q)
        ys.append(teacher_answers(P, task.mu, 1, g)[:, 0])
        Ls.append(P.steps)
    return TrainingSets(np.stack(qs), np.stack(ys), np.stack(Ls))


def generalisation_loss(task: DistillTask, w, thetas) -> np.ndarray:
    r"""Exact ``L_gen = (theta - w)^T E[q q^T] (theta - w)`` against the teacher's mean (Eq. 6 analogue).

    ``thetas`` has ``d`` as its last axis; the result has the other axes.

    Parameters
    ----------
    task : DistillTask
        The task (its feature second moment).
    w : array_like of shape (d,)
        The teacher's prices.
    thetas : array_like of shape (..., d)
        Student heads.

    Returns
    -------
    ndarray of shape thetas.shape[:-1]

    Examples
    --------
    >>> from lidlib.experiments import distill
    >>> task = distill.DistillTask(d=4, beta=3.0, mu=0.5)
    >>> w = np.array([3.0, 1.0, 4.0, 2.0])  # the unit prices
    >>> float(distill.generalisation_loss(task, w, w))  # the teacher's own head
    0.0
    """
    th = as_float_array("thetas", thetas)
    w = as_float_array("w", w).ravel()
    if th.shape[-1] != task.d or w.size != task.d:
        raise ValueError(f"thetas and w must have last dimension d = {task.d}")
    e = th - w
    return np.einsum("...i,ij,...j->...", e, task.feature_second_moment, e)


def pooled_failure(task: DistillTask, thetas, test: Problems, ks, grid=None) -> np.ndarray:
    r"""Pass@k failure averaged over heads (seeds), test problems and exactly over ``L``.

    ``thetas`` has shape ``(n_heads, d)`` (or ``(d,)``); the mean over heads is the
    expected curve of the training procedure at one ``N`` (one call of
    :func:`student_failure` on the pooled rounded errors).

    Parameters
    ----------
    task : DistillTask
        The task (``mu``, ``beta``).
    thetas : array_like of shape (n_heads, d) or (d,)
        Student heads.
    test : Problems
        Test problems.
    ks : array_like
        Numbers of attempts.
    grid : tuple, optional
        :func:`steps_grid` output, to reuse.

    Returns
    -------
    ndarray of shape (len(ks),)

    Examples
    --------
    >>> from lidlib.experiments import distill
    >>> task = distill.DistillTask(d=4, beta=3.0, mu=0.5)
    >>> w = np.array([3.0, 1.0, 4.0, 2.0])  # the unit prices
    >>> test = task.sample(200, w, rng=0)
    >>> F = distill.pooled_failure(task, w, test, [1, 10, 100], grid=distill.steps_grid(3.0, 50, 1e6))
    >>> bool((np.diff(F) < 0).all())  # a perfect student: the bias-free curve
    True
    """
    th = np.atleast_2d(as_float_array("thetas", thetas))
    pred = (test.q @ th.T).T.ravel()
    ans = np.tile(test.answer, th.shape[0])
    return student_failure(pred, ans, task.mu, task.beta, ks, grid)


def describe(problems: Problems, i: int, w, max_items: int = 6) -> str:
    """A one-line word-problem rendering of problem ``i`` (for the book's examples).

    Parameters
    ----------
    problems : Problems
        The problems.
    i : int
        Which one.
    w : array_like of shape (d,)
        Unit prices.
    max_items : int
        Order lines shown.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If ``i`` is not a problem index.

    Examples
    --------
    >>> from lidlib.experiments.distill import Problems, describe
    >>> P = Problems(q=np.array([[2.0, 0.0, 1.0]]), steps=np.array([3]), answer=np.array([10.0]))
    >>> print(describe(P, 0, [3.0, 5.0, 4.0]))
    An order has 2 of item 1, 1 of item 3. At the shop's prices, what is the bill? (worked solution: 3 steps; answer 10)
    """
    i = int(i)
    if not 0 <= i < len(problems):
        raise ValueError(f"i must index a problem (0 .. {len(problems) - 1}), got {i}")
    w = as_float_array("w", w).ravel()
    q = problems.q[i]
    items = [f"{int(n)} of item {v + 1}" for v, n in enumerate(q) if n > 0]
    shown = ", ".join(items[:max_items]) + (
        f" and {len(items) - max_items} more lines" if len(items) > max_items else ""
    )
    return (
        f"An order has {shown or 'nothing'}. At the shop's prices, what is the bill? "
        f"(worked solution: {int(problems.steps[i])} steps; answer {int(problems.answer[i])})"
    )


# ------------------------------------------------------------------ budget allocation
def budget_objective(task: DistillTask, w, thetas, test: Problems, Ns, settings, grid=None) -> np.ndarray:
    r"""Eq. 21 evaluated with trained students: ``R L_gen(N)/sigma_eta^2 + L_inf(k; N)``.

    Parameters
    ----------
    task, w, test, grid
        As in :func:`pooled_failure`.
    thetas : array (n_heads, len(Ns), d)
        Heads trained on each ``N`` (one per training set).
    Ns : array of int
        Training sizes of ``thetas``.
    settings : sequence of (R, c_N / c_k, C)
        Weight, cost ratio and budget in units of ``c_k``; ``k = floor(C - N c_N / c_k)``.

    Returns
    -------
    ndarray (len(Ns), len(settings))
        ``inf`` where no attempt is left (``k < 1``).

    Examples
    --------
    >>> from lidlib.experiments import distill
    >>> task = distill.DistillTask(d=4, beta=3.0, mu=0.5)
    >>> w = np.array([3.0, 1.0, 4.0, 2.0])  # the unit prices
    >>> sets = distill.draw_training_sets(task, w, n=40, n_seeds=2, rng=0)
    >>> Ns = np.array([10, 40])
    >>> test = task.sample(100, w, rng=1)
    >>> T = distill.budget_objective(task, w, sets.fit(Ns), test, Ns, [(1.0, 1.0, 30.0)],
    ...                              grid=distill.steps_grid(3.0, 50, 1e6))
    >>> T.shape, np.isinf(T[:, 0])  # N = 10 leaves 20 attempts, N = 40 none
    ((2, 1), array([False,  True]))
    """
    th = as_float_array("thetas", thetas)
    N = np.asarray(Ns, dtype=float).ravel()
    if th.ndim != 3 or th.shape[1] != N.size:
        raise ValueError(f"thetas must have shape (n_heads, len(Ns), d), got {th.shape}")
    S = [(float(R), float(cr), float(C)) for R, cr, C in settings]
    Lg = generalisation_loss(task, w, th).mean(axis=0) / task.sigma_eta2
    k = np.array([[np.floor(C - n * cr) for (_, cr, C) in S] for n in N])
    out = np.full(k.shape, np.inf)
    R = np.array([r for r, _, _ in S])
    for i in range(N.size):
        ok = k[i] >= 1
        if ok.any():
            out[i, ok] = R[ok] * Lg[i] + pooled_failure(task, th[:, i], test, k[i, ok], grid)
    return out


def cross_fit_allocation(
    task: DistillTask, w, sets: TrainingSets, test: Problems, Ns, ks, N_dense, settings, *, stride: int = 1, grid=None
) -> dict[str, np.ndarray]:
    r"""Allocation tool against brute force, chosen on one half of the training sets and scored on the other.

    The brute-force optimum of a Monte-Carlo objective is the argmin of a jagged
    function; scored on the data it was chosen on, it is biased low, and a tool cannot
    be shown to be within 1% of it. Here the training sets are split into two halves
    (even and odd seeds). On the *fit* half we (i) take the brute-force argmin over
    ``N_dense`` and (ii) build the tool of :mod:`lidlib.allocation` from the measured
    ``L_gen`` (every ``stride``-th N of ``Ns``) and failure curves; both choices are then
    scored on the *other* half, and the roles are swapped.

    Parameters
    ----------
    task, w, test, grid
        As in :func:`pooled_failure`.
    sets : TrainingSets
        At least two training sets.
    Ns, ks : arrays
        The measured grid of training sizes and attempts the tool sees.
    N_dense : array of int
        The brute-force grid.
    settings : sequence of (R, c_N / c_k, C)
    stride : int
        The tool sees ``Ns[::stride]``.

    Returns
    -------
    dict of arrays, shape (2, len(settings)) (one row per direction)
        ``N_bf``, ``N_tool``: the choices made on the fit half; ``T_bf``, ``T_tool``,
        ``T_min``: their losses on the score half and the score half's own minimum over
        ``N_dense``; ``regret_bf_oos = T_bf / T_min - 1`` (the noise level of the
        benchmark), ``regret_tool_vs_bf = T_tool / T_bf - 1`` (negative: the tool did
        better) and ``regret_tool_vs_min = T_tool / min(T_min, T_tool) - 1``.

    Examples
    --------
    >>> from lidlib.experiments import distill
    >>> task = distill.DistillTask(d=4, beta=3.0, mu=0.5)
    >>> w = np.array([3.0, 1.0, 4.0, 2.0])  # the unit prices
    >>> sets = distill.draw_training_sets(task, w, n=40, n_seeds=2, rng=0)
    >>> test = task.sample(100, w, rng=1)
    >>> out = distill.cross_fit_allocation(task, w, sets, test, np.array([10, 20, 30, 40]), np.array([1, 4, 16, 64]),
    ...                                    np.array([10, 20, 30, 40]), [(1.0, 1.0, 60.0)],
    ...                                    grid=distill.steps_grid(3.0, 50, 1e6))
    >>> out["N_bf"].shape
    (2, 1)
    """
    from lidlib import allocation as al  # local import: allocation is a consumer-level module

    n_sets = sets.q.shape[0]
    if n_sets < 2:
        raise ValueError("cross-fitting needs at least two training sets")
    Ns = np.asarray(Ns, dtype=int).ravel()
    N_dense = np.asarray(N_dense, dtype=int).ravel()
    ks = positive("ks", ks)
    stride = positive_int("stride", stride)
    S = [(float(R), float(cr), float(C)) for R, cr, C in settings]
    halves = (np.arange(0, n_sets, 2), np.arange(1, n_sets, 2))
    th_dense = sets.fit(N_dense)
    th_grid = sets.fit(Ns)
    T_half = [budget_objective(task, w, th_dense[h], test, N_dense, S, grid) for h in halves]
    keys = ("N_bf", "N_tool", "T_bf", "T_tool", "T_min")
    out = {k: np.empty((2, len(S))) for k in keys}
    sub = slice(None, None, stride)
    for r, (fit_h, score_h) in enumerate(((0, 1), (1, 0))):
        Tf, Ts = T_half[fit_h], T_half[score_h]
        ib = np.argmin(Tf, axis=0)
        th_f = th_grid[halves[fit_h]]
        Lg = generalisation_loss(task, w, th_f).mean(axis=0) / task.sigma_eta2
        curves = np.array([pooled_failure(task, th_f[:, i], test, ks, grid) for i in range(Ns.size)])
        gen = al.TabulatedLoss(Ns[sub], Lg[sub])
        surf = al.InferenceSurface.from_curves(Ns[sub], ks, curves[sub])
        for j, (R, cr, C) in enumerate(S):
            rec = al.optimal_allocation(
                gen, surf, C, R=R, c_N=cr, c_k=1.0, N_min=Ns[0], N_max=min(Ns[sub][-1], (C - 1) / cr)
            )
            n_t = int(round(rec.N))
            th_t = sets.fit([n_t])[halves[score_h]]
            out["N_bf"][r, j] = N_dense[ib[j]]
            out["N_tool"][r, j] = n_t
            out["T_bf"][r, j] = Ts[ib[j], j]
            out["T_tool"][r, j] = budget_objective(task, w, th_t, test, [n_t], [(R, cr, C)], grid)[0, 0]
            out["T_min"][r, j] = Ts[:, j].min()
    out["regret_bf_oos"] = out["T_bf"] / out["T_min"] - 1.0
    out["regret_tool_vs_bf"] = out["T_tool"] / out["T_bf"] - 1.0
    out["regret_tool_vs_min"] = out["T_tool"] / np.minimum(out["T_min"], out["T_tool"]) - 1.0
    return out
