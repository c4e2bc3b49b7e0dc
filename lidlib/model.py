"""The Latent Instance Difficulty (LID) data model (Definition 3.1 of the main paper).

Features ``x ~ N(0, Sigma)`` with a power-law spectrum ``sigma_j^2 = j^-(1+alpha)``;
a latent precision ``tau ~ Gamma(beta/2, rate 1)`` drawn independently of ``x``;
targets ``Y ~ N(x^T theta*, sigma_eta^2 / tau)``; one realisation per training input.
Randomness enters only through an explicit :class:`numpy.random.Generator`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import special

from lidlib._validation import as_float_array, positive, positive_int, rng_from


def power_law_spectrum(d: int, alpha: float) -> np.ndarray:
    """Eigenvalues ``sigma_j^2 = j^-(1+alpha)``, ``j = 1..d`` (Def. 3.1, item 1).

    Parameters
    ----------
    d : int
        Feature dimension (``>= 1``).
    alpha : float
        Spectral exponent (``> 0``).

    Returns
    -------
    ndarray of shape (d,)
        The population eigenvalues, decreasing from ``sigma_1^2 = 1``.

    Raises
    ------
    ValueError
        If ``d`` is not a positive integer or ``alpha <= 0``.

    Examples
    --------
    >>> from lidlib.model import power_law_spectrum
    >>> np.round(power_law_spectrum(4, 1.0), 4)
    array([1.    , 0.25  , 0.1111, 0.0625])
    """
    d = positive_int("d", d)
    alpha = float(positive("alpha", alpha))
    return np.arange(1, d + 1, dtype=float) ** (-(1.0 + alpha))


def sample_precision(n: int, beta: float, rng) -> np.ndarray:
    """Draw ``n`` latent precisions ``tau ~ Gamma(shape=beta/2, rate=1)`` (Eq. 1).

    Parameters
    ----------
    n : int
        Number of draws (``>= 1``).
    beta : float
        Tail index (``> 0``); the shape of the Gamma law is ``beta/2``.
    rng : numpy.random.Generator or int
        Source of randomness (an integer is a seed).

    Returns
    -------
    ndarray of shape (n,)
        Positive precisions; their mean is ``beta/2``.

    Examples
    --------
    >>> from lidlib.model import sample_precision
    >>> tau = sample_precision(100_000, 4.0, rng=0)
    >>> tau.shape, round(float(tau.mean()), 1)
    ((100000,), 2.0)
    """
    n = positive_int("n", n)
    beta = float(positive("beta", beta))
    return rng_from(rng).gamma(beta / 2.0, 1.0, size=n)


def precision_pdf(t, beta: float) -> np.ndarray:
    """Density of ``tau ~ Gamma(beta/2, 1)``: ``t^(beta/2-1) e^-t / Gamma(beta/2)`` (Eq. 1).

    Parameters
    ----------
    t : array_like
        Points (``t <= 0`` gives density 0; ``inf`` is allowed).
    beta : float
        Tail index (``> 0``).

    Returns
    -------
    ndarray
        The density at ``t``, same shape as ``t``.

    Examples
    --------
    >>> from lidlib.model import precision_pdf
    >>> np.round(precision_pdf([0.0, 1.0, 2.0], 4.0), 4)  # beta = 4: Gamma(2, 1), density t e^-t
    array([0.    , 0.3679, 0.2707])
    """
    t = as_float_array("t", t, allow_inf=True)
    beta = float(positive("beta", beta))
    a = beta / 2.0
    with np.errstate(divide="ignore"):
        logp = (a - 1.0) * np.log(t) - t - special.gammaln(a)
    return np.where(t > 0, np.exp(logp), 0.0)


def precision_cdf(t, beta: float) -> np.ndarray:
    """Exact ``P(tau <= t)`` for ``tau ~ Gamma(beta/2, 1)`` (regularised incomplete gamma, Eq. 1).

    Parameters
    ----------
    t : array_like
        Points (negative ``t`` gives 0; ``inf`` gives 1).
    beta : float
        Tail index (``> 0``).

    Returns
    -------
    ndarray
        ``P(tau <= t)``, same shape as ``t``.

    See Also
    --------
    precision_tail_reference : its leading behaviour as ``t -> 0``.

    Examples
    --------
    >>> from lidlib.model import precision_cdf
    >>> np.round(precision_cdf([0.0, 1.0, float("inf")], 2.0), 4)  # beta = 2: Exp(1), 1 - e^-t
    array([0.    , 0.6321, 1.    ])
    """
    t = as_float_array("t", t, allow_inf=True)
    beta = float(positive("beta", beta))
    return special.gammainc(beta / 2.0, np.maximum(t, 0.0))


def precision_tail_reference(t, beta: float) -> np.ndarray:
    """Near-zero law ``P(tau <= t) ~ t^(beta/2) / Gamma(beta/2 + 1)`` as ``t -> 0`` (Def. 3.1).

    This is the only property of the Gamma law that the inference exponents use
    (comment (ii) of Definition 3.1).

    Parameters
    ----------
    t : array_like
        Positive points (small ones are where the law applies).
    beta : float
        Tail index (``> 0``).

    Returns
    -------
    ndarray
        ``t^(beta/2) / Gamma(beta/2 + 1)``, same shape as ``t``.

    Examples
    --------
    >>> from lidlib.model import precision_cdf, precision_tail_reference
    >>> t = 1e-4
    >>> round(float(precision_cdf(t, 3.0) / precision_tail_reference(t, 3.0)), 4)
    0.9999
    """
    t = as_float_array("t", t)
    beta = float(positive("beta", beta))
    return np.exp(beta / 2.0 * np.log(t) - special.gammaln(beta / 2.0 + 1.0))


def mean_inverse_precision(beta: float) -> float:
    """``E[1/tau] = Gamma(beta/2 - 1)/Gamma(beta/2) = 2/(beta - 2)`` (Corollary 1).

    Parameters
    ----------
    beta : float
        Tail index (``> 0``).

    Returns
    -------
    float
        ``2/(beta - 2)``, or ``inf`` for ``beta <= 2``, where the average target
        variance diverges (Assumption 3.2 excludes that case).

    Examples
    --------
    >>> from lidlib.model import mean_inverse_precision
    >>> mean_inverse_precision(6.0), mean_inverse_precision(2.0)
    (0.5, inf)
    """
    beta = float(positive("beta", beta))
    return 2.0 / (beta - 2.0) if beta > 2 else float("inf")


def inverse_precision_variance(beta: float) -> float:
    """``Var[1/tau]`` for ``tau ~ Gamma(beta/2, 1)``; finite only for ``beta > 4`` (Corollary 1).

    With ``a = beta/2``: ``E[1/tau^2] = 1/((a-1)(a-2))``, so
    ``Var[1/tau] = 1/((a-1)^2 (a-2))``.  For ``2 < beta <= 4`` the sample mean of
    ``1/tau`` converges, but without a finite standard error.

    Parameters
    ----------
    beta : float
        Tail index (``> 0``).

    Returns
    -------
    float
        ``1/((a-1)^2 (a-2))`` for ``beta > 4``, else ``inf``.

    See Also
    --------
    inverse_precision_mean_scale : the fluctuation scale of the sample mean in every case.

    Examples
    --------
    >>> from lidlib.model import inverse_precision_variance
    >>> inverse_precision_variance(6.0), inverse_precision_variance(4.0)
    (0.25, inf)
    """
    beta = float(positive("beta", beta))
    a = beta / 2.0
    return 1.0 / ((a - 1.0) ** 2 * (a - 2.0)) if beta > 4 else float("inf")


@dataclass(frozen=True)
class LIDSample:
    """A draw from the LID model: features, mean targets, precisions, one label each (Eq. 1-3).

    Attributes
    ----------
    X : ndarray of shape (n, d)
        Features ``x ~ N(0, Sigma)``.
    mean : ndarray of shape (n,)
        Mean targets ``x^T theta*``.
    tau : ndarray of shape (n,)
        Latent precisions.
    y : ndarray of shape (n,)
        One realised label per input (Eq. 3).

    Examples
    --------
    >>> from lidlib.model import LIDModel
    >>> s = LIDModel(d=3, alpha=1.0, beta=6.0, sigma_eta=1.0).sample(4, rng=0)
    >>> s.X.shape, s.mean.shape, bool((s.tau > 0).all())
    ((4, 3), (4,), True)
    """

    X: np.ndarray  # (n, d) features
    mean: np.ndarray  # (n,) mean targets x^T theta*
    tau: np.ndarray  # (n,) latent precisions
    y: np.ndarray  # (n,) one realised label per input (Eq. 3)


@dataclass(frozen=True)
class LIDModel:
    """The LID model of Definition 3.1.

    Parameters
    ----------
    d : int
        Feature dimension.
    alpha : float
        Spectral exponent: ``sigma_j^2 = j^-(1+alpha)``.
    beta : float
        Tail index: ``tau ~ Gamma(beta/2, 1)``.
    sigma_eta : float
        Global noise scale: ``Var(Y | x, tau) = sigma_eta^2 / tau``.
    teacher : array of shape (d,), optional
        ``theta*``.  Default: :func:`default_teacher` with seed 0.

    Raises
    ------
    ValueError
        If a size or scale is not positive, or ``teacher`` has the wrong shape.

    Examples
    --------
    >>> from lidlib.model import LIDModel
    >>> m = LIDModel(d=8, alpha=1.0, beta=6.0, sigma_eta=1.0)
    >>> m.noise_variance  # sigma_eta^2 E[1/tau] = 2/(beta - 2)
    0.5
    >>> s = m.sample(5, rng=0)
    >>> s.X.shape, s.y.shape
    ((5, 8), (5,))
    """

    d: int
    alpha: float
    beta: float
    sigma_eta: float
    # None stands for default_teacher(d, 0); __post_init__ replaces it, so the attribute is always an array
    teacher: np.ndarray = field(default=None, repr=False)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        positive_int("d", self.d)
        positive("alpha", self.alpha)
        positive("beta", self.beta)
        positive("sigma_eta", self.sigma_eta)
        if self.teacher is None:
            object.__setattr__(self, "teacher", default_teacher(self.d, 0))
        t = as_float_array("teacher", self.teacher)
        if t.shape != (self.d,):
            raise ValueError(f"teacher must have shape ({self.d},), got {t.shape}")
        object.__setattr__(self, "teacher", t)

    @property
    def spectrum(self) -> np.ndarray:
        """Population eigenvalues ``sigma_j^2`` (diagonal of ``Sigma``; Def. 3.1, item 1)."""
        return power_law_spectrum(self.d, self.alpha)

    @property
    def noise_variance(self) -> float:
        """Average target variance ``sigma_eta^2 E[1/tau] = 2 sigma_eta^2/(beta-2)`` (Eq. 4)."""
        return self.sigma_eta**2 * mean_inverse_precision(self.beta)

    def sample(self, n: int, rng) -> LIDSample:
        """Draw ``n`` instances ``(x, tau)`` and one label each (Eq. 1-3).

        Parameters
        ----------
        n : int
            Number of instances (``>= 1``).
        rng : numpy.random.Generator or int
            Source of randomness (an integer is a seed).

        Returns
        -------
        LIDSample
            Features, mean targets, precisions and one label per instance.

        Examples
        --------
        >>> from lidlib.model import LIDModel
        >>> s = LIDModel(d=4, alpha=1.0, beta=6.0, sigma_eta=1.0).sample(3, rng=0)
        >>> s.X.shape, s.tau.shape
        ((3, 4), (3,))
        """
        n = positive_int("n", n)
        rng = rng_from(rng)
        X = rng.standard_normal((n, self.d)) * np.sqrt(self.spectrum)
        tau = sample_precision(n, self.beta, rng)
        mean = X @ self.teacher
        y = self.draw_targets(mean, tau, 1, rng)[:, 0]
        return LIDSample(X=X, mean=mean, tau=tau, y=y)

    def draw_targets(self, mean, tau, k: int, rng) -> np.ndarray:
        """``k`` fresh realisations ``Y ~ N(mean, sigma_eta^2/tau)`` per instance (Eq. 2).

        Parameters
        ----------
        mean : array_like of shape (n,)
            Mean targets ``x^T theta*``.
        tau : array_like of shape (n,)
            Positive precisions of the same instances.
        k : int
            Realisations per instance (``>= 1``).
        rng : numpy.random.Generator or int
            Source of randomness (an integer is a seed).

        Returns
        -------
        ndarray of shape (n, k)

        Raises
        ------
        ValueError
            If ``mean`` and ``tau`` differ in shape or ``tau`` is not positive.

        Examples
        --------
        >>> from lidlib.model import LIDModel
        >>> m = LIDModel(d=4, alpha=1.0, beta=6.0, sigma_eta=1.0)
        >>> y = m.draw_targets([0.0, 1.0], [1e6, 1e6], 3, rng=0)  # huge tau: almost no noise
        >>> y.shape, np.round(y, 2).tolist()
        ((2, 3), [[0.0, -0.0, 0.0], [1.0, 1.0, 1.0]])
        """
        mean = as_float_array("mean", mean)
        tau = positive("tau", tau)
        k = positive_int("k", k)
        if mean.shape != tau.shape:
            raise ValueError(f"mean and tau must have the same shape, got {mean.shape} and {tau.shape}")
        sd = self.sigma_eta / np.sqrt(tau)
        return mean[..., None] + sd[..., None] * rng_from(rng).standard_normal((*mean.shape, k))


def default_teacher(d: int, rng) -> np.ndarray:
    """A teacher ``theta* ~ N(0, I_d / d)`` (Def. 3.1; the paper does not fix one).

    Not a unit-order signal: with the spectrum ``j^-(1+alpha)`` the signal variance is
    ``E[(x^T theta*)^2] = sum_j j^-(1+alpha) / d ~ zeta(1+alpha) / d`` (about 3e-3 for
    ``alpha = 1``, ``d = 512``).

    Parameters
    ----------
    d : int
        Feature dimension (``>= 1``).
    rng : numpy.random.Generator or int
        Source of randomness (an integer is a seed).

    Returns
    -------
    ndarray of shape (d,)

    Examples
    --------
    >>> from lidlib.model import default_teacher
    >>> t = default_teacher(10_000, rng=0)
    >>> round(float(t @ t), 1)  # |theta*|^2 is about 1
    1.0
    """
    d = positive_int("d", d)
    return rng_from(rng).standard_normal(d) / np.sqrt(d)


def inverse_precision_mean_scale(beta: float, n: int) -> float:
    """Fluctuation scale of the sample mean of ``1/tau`` over ``n`` draws.

    * ``beta > 4``: the standard error ``sqrt(Var[1/tau] / n)``.
    * ``2 < beta < 4``: ``1/tau`` has the upper tail ``P(1/tau > x) ~ C x^-a`` with
      ``a = beta/2 in (1, 2)`` and ``C = 1/Gamma(a+1)``, so its variance is infinite and
      the generalised central limit theorem applies: the sample mean minus ``E[1/tau]``
      is ``sigma_a n^(1/a - 1)`` times a totally skewed ``a``-stable variable, with
      ``sigma_a^a = C Gamma(2-a) cos(pi a / 2) / (1 - a)`` (Samorodnitsky & Taqqu 1994,
      Thm. 1.8.1 with Eq. 1.8.10).  The error shrinks like ``n^(1/a - 1)``, slower than
      ``n^-1/2``.
    * ``beta == 4``: the boundary case, scale ``sqrt(C log(n) / n)`` with ``C = 1/2``.

    Parameters
    ----------
    beta : float
        Tail index (``> 2``).
    n : int
        Number of draws (``>= 1``).

    Returns
    -------
    float
        The scale by which the sample mean of ``1/tau`` fluctuates around ``E[1/tau]``.

    Raises
    ------
    ValueError
        If ``beta <= 2``: the mean itself is infinite.

    Examples
    --------
    >>> from lidlib.model import inverse_precision_mean_scale
    >>> inverse_precision_mean_scale(6.0, 100)  # sqrt(Var[1/tau] / n) = sqrt(0.25 / 100)
    0.05
    >>> round(inverse_precision_mean_scale(3.0, 100), 3)  # beta = 3: the stable-law scale, n^(1/a - 1)
    0.329
    """
    beta = float(positive("beta", beta))
    n = positive_int("n", n)
    if beta <= 2:
        raise ValueError(f"beta must exceed 2 for E[1/tau] to be finite, got {beta}")
    if beta > 4:
        return float(np.sqrt(inverse_precision_variance(beta) / n))
    if beta == 4:
        return float(np.sqrt(0.5 * np.log(n) / n))
    a = beta / 2.0
    C = 1.0 / special.gamma(a + 1.0)
    sigma = (C * special.gamma(2.0 - a) * np.cos(np.pi * a / 2.0) / (1.0 - a)) ** (1.0 / a)
    return float(sigma * n ** (1.0 / a - 1.0))
