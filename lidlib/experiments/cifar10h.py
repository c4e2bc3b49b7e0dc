"""CIFAR-10H as a real-data LID test case (main paper, Sec. 5, Figs. 3-4).

Every CIFAR-10 test image ``i`` has a frozen-backbone feature vector ``z_i`` and a
human label histogram (CIFAR-10H). Sec. 5.1 turns the histogram into a stochastic
regression target:

* labels are class indices ``c = 0..9``; with ``P_i(c)`` the share of annotators who
  chose ``c``, the mean is ``m_i = sum_c c P_i(c)`` and the variance
  ``v_i = sum_c (c - m_i)^2 P_i(c)`` (:func:`label_moments`);
* with a scale ``s`` the features are ``z_i / s`` and the mean target ``m_i / s``
  (Eq. 26); each target draw is ``y ~ N(m_i / s, v_i + eps_v)`` (Eq. 27), so the
  instance precision is ``tau_i = 1 / (v_i + eps_v)`` (:func:`target_precision`);
* a ridge head ``theta = (Z^T Z / N + lam_eff I)^-1 Z^T y / N`` with
  ``lam_eff = lam / s^2`` (Eq. 28) is fitted on N training images;
* on held-out images ``L_gen`` is the mean squared error against ``m / s`` (times
  ``s^2`` to compare scales) and pass@k succeeds when one of k draws lands within
  ``delta / s`` of the prediction.

Because the target draw is Gaussian, the single-try success of a held-out image is
known exactly given the prediction: :func:`lidlib.passk.single_trial_success` with
bias ``yhat - m/s``, precision ``tau_i`` and ``sigma_eta = 1``. The pass@k failure is
then the exact average :func:`lidlib.passk.failure_curve`, with no Monte-Carlo noise
from the k inference draws (only the training draw and the split are random).

Two choices not fixed by the paper are explicit parameters here: an optional PCA to
``d`` components (``d=None`` uses the features as given; the book projects all 10000
images once with :func:`pca_project`, a label-free step; with an integer ``d`` the basis
is fitted on each replicate's training pool; the paper's ResNet-18 gives ``d = 512``
directly) and an unpenalised intercept (features centred on the training
pool and the training targets centred on their training mean; without it the
centred PCA features could not represent the mean label ``~ 4.5``). ``lam`` is given
relative to the mean feature variance, ``lam = lam_rel * tr(Sigma) / d``.

Science module: imports NumPy and lidlib science modules only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lidlib._validation import as_float_array, nonnegative, positive, positive_int, rng_from
from lidlib.passk import failure_curve, single_trial_success
from lidlib.ridge import ridge_path
from lidlib.slopes import local_slope
from lidlib.tails import lower_tail_index

__all__ = [
    "label_moments",
    "target_precision",
    "pca_basis",
    "pca_project",
    "ScalingResult",
    "scaling_experiment",
    "precision_tail_table",
    "variance_examples",
    "ols_variance_law",
    "robustness_table",
    "gaussian_features",
    "realisable_means",
    "subset_image",
    "paired_difference",
    "unpaired_difference",
    "exceeds",
    "power_law_rms",
    "break_even_size",
]


def label_moments(counts) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of each image's human label distribution (Sec. 5.1).

    Parameters
    ----------
    counts : array of shape (n, C)
        Annotator counts (or probabilities) per class ``c = 0..C-1``.

    Returns
    -------
    m, v : ndarray of shape (n,)
        ``m_i = sum_c c P_i(c)`` and ``v_i = sum_c (c - m_i)^2 P_i(c)`` with the class
        index as the label value; ``v_i = 0`` exactly for unanimous images.

    Examples
    --------
    >>> from lidlib.experiments.cifar10h import label_moments
    >>> m, v = label_moments([[10, 0, 0], [5, 0, 5]])  # unanimous class 0; split between 0 and 2
    >>> m, v
    (array([0., 1.]), array([0., 1.]))
    """
    c = nonnegative("counts", counts)
    if c.ndim != 2 or c.shape[1] < 2:
        raise ValueError(f"counts must have shape (n, C) with C >= 2, got {c.shape}")
    tot = c.sum(axis=1, keepdims=True)
    if (tot <= 0).any():
        raise ValueError("counts must have a positive total in every row")
    p = c / tot
    cls = np.arange(c.shape[1], dtype=float)
    m = p @ cls
    v = np.einsum("ic,ic->i", p, (cls[None, :] - m[:, None]) ** 2)
    v[(p.max(axis=1) == 1.0)] = 0.0  # exact zero for unanimous rows (no rounding residue)
    return m, v


def target_precision(v, eps_v: float) -> np.ndarray:
    """Instance precision ``tau_i = 1 / (v_i + eps_v)`` of the targets of Eq. 27.

    Parameters
    ----------
    v : array_like
        Label variances (``>= 0``).
    eps_v : float
        Variance floor (``> 0``), so that unanimous images keep a finite precision.

    Returns
    -------
    ndarray
        ``1 / (v + eps_v)``, same shape as ``v``.

    Examples
    --------
    >>> from lidlib.experiments.cifar10h import target_precision
    >>> target_precision([0.0, 1.0], 0.25)
    array([4. , 0.8])
    """
    v = nonnegative("v", v)
    eps_v = float(positive("eps_v", eps_v))
    return 1.0 / (v + eps_v)


def pca_basis(Z, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and top-``d`` principal directions of ``Z`` (rows are samples).

    Returns
    -------
    mu : ndarray of shape (D,)
    V : ndarray of shape (D, d)
        Orthonormal columns, by decreasing variance; project with ``(Z - mu) @ V``.

    Parameters
    ----------
    Z : array_like of shape (n, D)
        Samples in rows.
    d : int
        Number of directions (``1 <= d <= D``).

    Raises
    ------
    ValueError
        If ``Z`` is not 2-D or ``d`` exceeds ``D``.

    Examples
    --------
    >>> from lidlib.experiments.cifar10h import pca_basis
    >>> g = np.random.default_rng(0)
    >>> Z = g.standard_normal((500, 3)) * [3.0, 1.0, 0.1]
    >>> mu, V = pca_basis(Z, 1)
    >>> V.shape, round(abs(float(V[0, 0])), 2)  # the first direction is the first axis
    ((3, 1), 1.0)
    """
    Z = as_float_array("Z", Z)
    if Z.ndim != 2:
        raise ValueError(f"Z must be 2-D, got shape {Z.shape}")
    d = positive_int("d", d)
    if d > Z.shape[1]:
        raise ValueError(f"d must be at most the feature dimension {Z.shape[1]}, got {d}")
    mu = Z.mean(axis=0)
    Zc = Z - mu
    w, U = np.linalg.eigh(Zc.T @ Zc / Z.shape[0])
    return mu, U[:, ::-1][:, :d]


def pca_project(Z, d: int) -> np.ndarray:
    """Centred projection of all rows of ``Z`` on its top-``d`` principal directions.

    The basis is fitted on every row (label-free, so no target information of a
    later held-out split enters); use ``d=None`` in :func:`scaling_experiment` with
    the result to avoid refitting the basis for every split.

    Parameters
    ----------
    Z : array_like of shape (n, D)
        Samples in rows.
    d : int
        Number of components (``1 <= d <= D``).

    Returns
    -------
    ndarray of shape (n, d)
        Centred scores, by decreasing variance.

    Examples
    --------
    >>> from lidlib.experiments.cifar10h import pca_project
    >>> g = np.random.default_rng(0)
    >>> P = pca_project(g.standard_normal((500, 3)) * [3.0, 1.0, 0.1], 2)
    >>> P.shape, np.round(P.std(axis=0), 1)
    ((500, 2), array([2.9, 1. ]))
    """
    mu, V = pca_basis(Z, d)
    return (as_float_array("Z", Z) - mu) @ V


@dataclass(frozen=True)
class ScalingResult:
    """Output of :func:`scaling_experiment` (averages over ``reps`` replicates).

    Attributes
    ----------
    Ns, ks : ndarray
        Training sizes and numbers of inference attempts.
    L_gen : ndarray (len(Ns),)
        Held-out ``MSE(yhat, m/s) * s^2`` (original label units), replicate mean.
    L_gen_reps : ndarray (reps, len(Ns))
    failure : ndarray (len(Ns), len(ks))
        Exact pass@k failure, replicate mean.
    failure_reps : ndarray (reps, len(Ns), len(ks))
    beta_eff : ndarray (len(Ns),)
        Local slope of the mean failure curve over ``window``.
    beta_eff_reps : ndarray (reps, len(Ns))
    window : (k1, k2)
    d : int
        Feature dimension used by the head.
    floor : ndarray (len(Ns),)
        Share of held-out images whose single-try success is below ``1 / k_max``
        (these keep the failure curve from decaying inside the k range).
    failure_noisy, beta_eff_noisy : ndarray
        The same restricted to held-out images with ``v > 0`` (annotators disagreed),
        replicate mean and its local slope.
    beta_eff_noisy_reps : ndarray (reps, len(Ns))
        Local slope of each replicate's failure curve on the disputed images.
    L_gen_const, failure_const, beta_eff_const, beta_eff_const_noisy : ndarray
        The no-learning control on the same splits and training draws: the constant
        predictor ``ybar_N`` (the training mean of the N targets, i.e. the head with
        every weight set to zero). ``L_gen_const`` has shape (len(Ns),),
        ``failure_const`` (len(Ns), len(ks)); the slopes are of the replicate-mean
        curves (all held-out images and the disputed ones).
    L_gen_const_reps : ndarray (reps, len(Ns))
        The constant predictor's loss per replicate (paired with ``L_gen_reps``).
    beta_eff_const_reps, beta_eff_const_noisy_reps : ndarray (reps, len(Ns))
        The constant predictor's slopes per replicate (all and disputed images).
    failure_oracle, beta_eff_oracle, beta_eff_oracle_noisy :
        The oracle that predicts each held-out image's mean ``m/s`` exactly (bias 0):
        its failure curve (len(ks),) and its window slope, the *bias-free slope of the
        window* that Prop. 4.2 says ``beta_eff(N)`` approaches (all and disputed images).
    var_m : float
        Replicate mean of the held-out variance of ``m`` (label units squared): the
        population loss of the best constant.

    Examples
    --------
    See :func:`scaling_experiment`, which returns one.
    """

    Ns: np.ndarray
    ks: np.ndarray
    L_gen: np.ndarray
    L_gen_reps: np.ndarray
    failure: np.ndarray
    failure_reps: np.ndarray
    beta_eff: np.ndarray
    beta_eff_reps: np.ndarray
    window: tuple[float, float]
    d: int
    floor: np.ndarray
    failure_noisy: np.ndarray
    beta_eff_noisy: np.ndarray
    beta_eff_noisy_reps: np.ndarray
    L_gen_const: np.ndarray
    L_gen_const_reps: np.ndarray
    failure_const: np.ndarray
    beta_eff_const: np.ndarray
    beta_eff_const_noisy: np.ndarray
    beta_eff_const_reps: np.ndarray
    beta_eff_const_noisy_reps: np.ndarray
    failure_oracle: np.ndarray
    beta_eff_oracle: float
    beta_eff_oracle_noisy: float
    var_m: float


def _slopes(ks, F, window):
    """Local slope of each row of ``F`` (floored at 1e-300 so logs are finite)."""
    return np.array([local_slope(ks, np.maximum(f, 1e-300), window) for f in np.atleast_2d(F)])


def scaling_experiment(
    Z,
    counts,
    Ns,
    ks,
    *,
    s: float,
    delta: float,
    eps_v: float,
    lam_rel: float,
    n_test: int,
    reps: int,
    window: tuple[float, float],
    rng,
    d: int | None = None,
    means=None,
) -> ScalingResult:
    r"""Training and inference scaling of a ridge head on frozen features (Sec. 5.1).

    For each replicate: a random split into a held-out set of ``n_test`` images and a
    training pool (random order, so the training sets ``pool[:N]`` are nested); one
    draw of the training targets ``y ~ N(m/s, v + eps_v)`` (Eq. 27); ridge fits on
    ``z/s`` for every N with ``lam_eff = lam / s^2`` (Eq. 28) by
    :func:`lidlib.ridge.ridge_path`; held-out ``L_gen`` against ``m/s`` and the exact
    pass@k failure

    .. math::

        \mathcal L_{inf}(k; N) = \frac1{n_{test}} \sum_j \big(1 - s_j(N)\big)^k,\quad
        s_j = \Pr\big(|\hat y_j - y| \le \delta/s\big),\ y \sim \mathcal N(m_j/s, v_j + \epsilon_v),

    and its local slope :math:`\beta_{eff}(N)` over ``window`` (Prop. 4.2, Eq. 19).

    Parameters
    ----------
    Z : array (n, D)
        Frozen features (rows in the order of ``counts``).
    counts : array (n, C)
        Human label counts.
    Ns : increasing sequence of int
        Training sizes (at most ``n - n_test``).
    ks : increasing 1-D array
        Numbers of attempts (``>= 1``); ``window`` must contain two of them.
    s, delta, eps_v : float
        Scale of Eq. 26, tolerance (in original label units; ``delta/s`` is used) and
        the variance floor of Eq. 27.
    lam_rel : float
        Ridge parameter relative to the mean feature variance (``>= 0``).
    n_test, reps : int
        Held-out size and number of replicates (split + training draw).
    window : (k1, k2)
        k-window of the local slope.
    rng : numpy.random.Generator or int
    d : int, optional
        PCA dimension (``None``: all centred features).
    means : array (n,), optional
        Mean targets to use instead of the human label means ``m`` (e.g.
        :func:`realisable_means`); the variances ``v`` still come from ``counts``.

    Returns
    -------
    ScalingResult
        Includes the constant (no-learning) predictor and the oracle on the same
        splits and training draws.

    Examples
    --------
    >>> from lidlib.experiments import cifar10h
    >>> g = np.random.default_rng(0)
    >>> Z = g.standard_normal((300, 4))
    >>> counts = g.multinomial(50, [0.7, 0.2, 0.1], size=300)  # 300 images, 3 classes
    >>> r = cifar10h.scaling_experiment(
    ...     Z, counts, [20, 80], [1, 4, 16], s=1.0, delta=0.5, eps_v=0.05, lam_rel=1e-3,
    ...     n_test=100, reps=2, window=(4, 16), rng=0)
    >>> r.failure.shape, r.beta_eff.shape, r.d
    ((2, 3), (2,), 4)
    >>> bool((np.diff(r.failure, axis=1) <= 0).all())  # failure falls with k
    True
    """
    Z = as_float_array("Z", Z)
    m, v = label_moments(counts)
    if means is not None:
        means = as_float_array("means", means)
        if means.shape != m.shape:
            raise ValueError(f"means must have shape {m.shape}, got {means.shape}")
        m = means
    if Z.ndim != 2 or Z.shape[0] != m.size:
        raise ValueError(f"Z must have shape (n, D) with n = {m.size} rows, got {Z.shape}")
    s = float(positive("s", s))
    delta = float(positive("delta", delta))
    tau = target_precision(v, eps_v)
    lam_rel = float(nonnegative("lam_rel", lam_rel))
    n = m.size
    n_test = positive_int("n_test", n_test)
    reps = positive_int("reps", reps)
    if n_test >= n:
        raise ValueError(f"n_test must be smaller than the number of images {n}, got {n_test}")
    Ns = np.asarray(Ns, dtype=int)
    if Ns.ndim != 1 or Ns.size == 0 or Ns.min() < 1 or Ns.max() > n - n_test or np.any(np.diff(Ns) <= 0):
        raise ValueError(f"Ns must be increasing integers in [1, {n - n_test}], got {Ns}")
    ks = positive("ks", ks)
    rng = rng_from(rng)

    L = np.empty((reps, Ns.size))
    F = np.empty((reps, Ns.size, ks.size))
    B = np.empty((reps, Ns.size))
    Bn = np.empty((reps, Ns.size))
    floor = np.zeros(Ns.size)
    Fn = np.empty((reps, Ns.size, ks.size))
    Lc = np.empty((reps, Ns.size))
    Fc = np.empty((reps, Ns.size, ks.size))
    Fcn = np.empty((reps, Ns.size, ks.size))
    Fo = np.empty((reps, ks.size))
    Fon = np.empty((reps, ks.size))
    vm = np.empty(reps)
    for r in range(reps):
        perm = rng.permutation(n)
        test, pool = perm[:n_test], perm[n_test:]
        Zp = Z[pool]
        if d is None:
            mu, V = Zp.mean(axis=0), None
        else:
            mu, V = pca_basis(Zp, d)
        Xp = (Zp - mu) if V is None else (Zp - mu) @ V
        Xt = (Z[test] - mu) if V is None else (Z[test] - mu) @ V
        dim = Xp.shape[1]
        lam = lam_rel * float(np.mean(np.sum(Xp**2, axis=0) / Xp.shape[0]))
        y = m[pool] / s + np.sqrt(v[pool] + eps_v) * rng.standard_normal(pool.size)
        # unpenalised intercept: centre the training targets of each nested set
        csum = np.cumsum(y)
        ybar = csum[Ns - 1] / Ns
        # ridge_path fits uncentred targets; with u_N the ridge fit of the constant 1 on the
        # same nested set, the centred fit is theta - ybar_N u_N (one factorisation for both)
        both = ridge_path(Xp / s, np.column_stack([y, np.ones(pool.size)]), Ns, lam / s**2)[:, 0]
        theta, theta1 = both[:, 0, :], both[:, 1, :]
        theta_c = theta - ybar[:, None] * theta1
        pred = (Xt / s) @ theta_c.T + ybar[None, :]  # (n_test, nN)
        bias = pred - (m[test] / s)[:, None]
        L[r] = np.mean(bias**2, axis=0) * s**2
        succ = np.asarray(single_trial_success(bias.T, tau[test][None, :], delta / s, 1.0))  # (nN, n_test)
        F[r] = failure_curve(succ, ks)
        Fn[r] = failure_curve(succ[:, v[test] > 0], ks)
        floor += np.mean(succ < 1.0 / ks[-1], axis=1) / reps
        B[r] = _slopes(ks, F[r], window)
        Bn[r] = _slopes(ks, Fn[r], window)
        # controls on the same split and draw: constant ybar_N, and the oracle m/s
        bias_c = ybar[None, :] - (m[test] / s)[:, None]
        Lc[r] = np.mean(bias_c**2, axis=0) * s**2
        succ_c = np.asarray(single_trial_success(bias_c.T, tau[test][None, :], delta / s, 1.0))
        Fc[r] = failure_curve(succ_c, ks)
        Fcn[r] = failure_curve(succ_c[:, v[test] > 0], ks)
        succ_o = np.asarray(single_trial_success(np.zeros(n_test), tau[test], delta / s, 1.0))
        Fo[r] = failure_curve(succ_o, ks)
        Fon[r] = failure_curve(succ_o[v[test] > 0], ks)
        vm[r] = np.var(m[test])
    Fm = F.mean(axis=0)
    Fnm = Fn.mean(axis=0)
    Fcm = Fc.mean(axis=0)
    Fom = Fo.mean(axis=0)
    return ScalingResult(
        Ns=Ns,
        ks=ks,
        L_gen=L.mean(axis=0),
        L_gen_reps=L,
        failure=Fm,
        failure_reps=F,
        beta_eff=_slopes(ks, Fm, window),
        beta_eff_reps=B,
        window=(float(window[0]), float(window[1])),
        d=dim,
        floor=floor,
        failure_noisy=Fnm,
        beta_eff_noisy=_slopes(ks, Fnm, window),
        beta_eff_noisy_reps=Bn,
        L_gen_const=Lc.mean(axis=0),
        L_gen_const_reps=Lc,
        failure_const=Fcm,
        beta_eff_const=_slopes(ks, Fcm, window),
        beta_eff_const_noisy=_slopes(ks, Fcn.mean(axis=0), window),
        beta_eff_const_reps=np.array([_slopes(ks, f, window) for f in Fc]),
        beta_eff_const_noisy_reps=np.array([_slopes(ks, f, window) for f in Fcn]),
        failure_oracle=Fom,
        beta_eff_oracle=float(_slopes(ks, Fom, window)[0]),
        beta_eff_oracle_noisy=float(_slopes(ks, Fon.mean(axis=0), window)[0]),
        var_m=float(vm.mean()),
    )


def precision_tail_table(v, eps_vs, fractions, *, drop_unanimous: bool = False) -> dict[str, np.ndarray]:
    r"""Lower-tail index of the precision ``tau = 1/(v + eps_v)``, as ``beta = 2a``.

    In the LID model ``P(tau <= t) ~ C t^{beta/2}`` as ``t -> 0`` (Definition 3.1) and
    the bias-free pass@k failure decays as ``k^{-beta}`` (Eq. 15). Here the corrected
    Hill estimator :func:`lidlib.tails.lower_tail_index` is applied to the smallest
    ``k = fraction * n`` precisions, i.e. the images with the largest label variance.

    Parameters
    ----------
    v : array
        Label variances.
    eps_vs : sequence of float
        Variance floors.
    fractions : sequence of float in (0, 1)
        Share of the sample used as the tail.
    drop_unanimous : bool
        Remove the images with ``v = 0`` first (then ``n`` counts only the others).

    Returns
    -------
    dict of arrays (one row per (eps_v, fraction) pair)
        ``eps_v``, ``fraction``, ``k``, ``beta`` (= 2 a_hat), ``se`` (= 2 se_a),
        ``lo``, ``hi`` (95 % normal interval) and ``threshold_v`` (the label variance
        at the tail threshold).

    Examples
    --------
    >>> from lidlib.experiments.cifar10h import precision_tail_table
    >>> v = np.random.default_rng(0).exponential(1.0, 1000)
    >>> t = precision_tail_table(v, [0.1], [0.1])  # the corrected Hill estimator on the 100 smallest tau
    >>> sorted(t)[:4], t["k"]
    (['beta', 'eps_v', 'fraction', 'hi'], array([100.]))
    """
    v = nonnegative("v", v)
    if drop_unanimous:
        v = v[v > 0]
    rows = []
    for eps in np.atleast_1d(positive("eps_vs", eps_vs)):
        tau = target_precision(v, float(eps))
        srt = np.sort(tau)
        for f in np.atleast_1d(positive("fractions", fractions)):
            if f >= 1:
                raise ValueError(f"fractions must lie in (0, 1), got {f}")
            k = max(2, int(round(f * v.size)))
            a, se = lower_tail_index(tau, k)
            rows.append((eps, f, k, 2 * a, 2 * se, 1.0 / srt[k] - eps))
    arr = np.array(rows, dtype=float)
    out = {key: arr[:, i] for i, key in enumerate(("eps_v", "fraction", "k", "beta", "se", "threshold_v"))}
    out["lo"] = out["beta"] - 1.96 * out["se"]
    out["hi"] = out["beta"] + 1.96 * out["se"]
    return out


def variance_examples(v, n: int, rng, *, low_max: float = 0.0, high_quantile: float = 0.99, among=None):
    """Indices of ``n`` low-variance (``v <= low_max``) and ``n`` high-variance images.

    High variance means ``v`` at or above its ``high_quantile`` (over all images); both
    sets are drawn at random with ``rng`` (for the Fig. 4 gallery), from the images
    listed in ``among`` if given (e.g. the committed image subset), else from all.

    Parameters
    ----------
    v : array_like of shape (n,)
        Label variances.
    n : int
        Images per group.
    rng : numpy.random.Generator or int
        Randomness of the draw.
    low_max : float
        Largest variance counted as low.
    high_quantile : float
        Quantile of ``v`` from which the variance counts as high.
    among : array_like of int, optional
        Indices to draw from.

    Returns
    -------
    low, high : ndarray of int
        Sorted indices of the two groups.

    Raises
    ------
    ValueError
        If ``among`` is not a list of indices into ``v`` or a group has fewer than ``n``.

    Examples
    --------
    >>> from lidlib.experiments.cifar10h import variance_examples
    >>> v = np.r_[np.zeros(50), np.linspace(0.1, 2.0, 50)]
    >>> low, high = variance_examples(v, 2, rng=0, high_quantile=0.9)
    >>> bool((v[low] == 0).all()), bool((v[high] >= np.quantile(v, 0.9)).all())
    (True, True)
    """
    v = nonnegative("v", v)
    n = positive_int("n", n)
    rng = rng_from(rng)
    pool = np.zeros(v.size, bool)
    if among is None:
        pool[:] = True
    else:
        among = np.asarray(among)
        if (
            among.ndim != 1
            or among.size == 0
            or not np.issubdtype(among.dtype, np.integer)
            or among.min() < 0
            or among.max() >= v.size
        ):
            raise ValueError(f"among must be a non-empty 1-d array of indices into v (0..{v.size - 1})")
        pool[among] = True
    low = np.flatnonzero((v <= low_max) & pool)
    high = np.flatnonzero((v >= np.quantile(v, high_quantile)) & pool)
    if low.size < n or high.size < n:
        raise ValueError(f"n must be at most the size of both groups ({low.size}, {high.size}), got {n}")
    return np.sort(rng.choice(low, n, replace=False)), np.sort(rng.choice(high, n, replace=False))


def ols_variance_law(Ns, d: int, mean_noise_var: float, s: float) -> np.ndarray:
    r"""Noise part of the ridgeless ``L_gen`` for ``N > d + 1`` in original label units.

    With target noise of mean variance :math:`\bar v` (here ``E[v + eps_v]``) in scaled
    units, OLS on ``d`` Gaussian features has
    :math:`\mathbb E\,\mathcal L_{gen} = \bar v\, d / (N - d - 1)` (inverse-Wishart mean;
    the large-N form ``d/N`` is the 1/N tail of Sec. 4.1, Eq. 10); times ``s^2`` to
    return to label units (Sec. 5.1). Heteroscedastic noise and non-Gaussian
    features make this an approximation here; NaN for ``N <= d + 1``.

    Parameters
    ----------
    Ns : array_like
        Training sizes.
    d : int
        Feature dimension.
    mean_noise_var : float
        Mean target noise variance in scaled units.
    s : float
        Scale of Eq. 26.

    Returns
    -------
    ndarray
        ``s^2 mean_noise_var d / (N - d - 1)`` (NaN for ``N <= d + 1``).

    Examples
    --------
    >>> from lidlib.experiments.cifar10h import ols_variance_law
    >>> ols_variance_law([5, 15], d=4, mean_noise_var=1.0, s=2.0)
    array([nan, 1.6])
    """
    N = positive("Ns", Ns)
    d = positive_int("d", d)
    mean_noise_var = float(positive("mean_noise_var", mean_noise_var))
    s = float(positive("s", s))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = s**2 * mean_noise_var * d / (N - d - 1.0)
    return np.where(N > d + 1, out, np.nan)


def robustness_table(features: dict, counts, variants, *, Ns, ks, rng, **base) -> dict[str, np.ndarray]:
    """Rerun :func:`scaling_experiment` for variants of ``s``, ``delta``, ``d`` (and ``eps_v``, ``lam_rel``).

    Parameters
    ----------
    features : dict
        ``d -> Z`` (features already projected to ``d`` components).
    counts : array
        Human label counts.
    variants : sequence of dict
        Each with keys ``s``, ``delta``, ``d`` and optionally ``eps_v`` and
        ``lam_rel`` (which then override ``base``).
    Ns, ks : arrays
        Training sizes and attempts of every rerun.
    rng : Generator or int
        One generator shared by the reruns, in order.
    **base
        Remaining keyword arguments of :func:`scaling_experiment` (``eps_v``,
        ``lam_rel``, ``n_test``, ``reps``, ``window``).

    Returns
    -------
    dict of arrays, one row per variant
        ``s``, ``delta``, ``d``, ``eps_v``, ``lam_rel``, ``beta_eff`` (shape (rows,
        len(Ns))), ``L_gen_last``, ``rise`` (``beta_eff`` at the largest N minus at the
        smallest), and the controls on the same splits: ``L_gen_const_last`` (the
        constant predictor's loss at the largest N), ``beta_eff_const_last`` (its
        window slope), ``beta_eff_oracle`` (the bias-free window slope) and the
        disputed-image slopes ``beta_eff_noisy_first``/``beta_eff_noisy_last``.

    Examples
    --------
    >>> from lidlib.experiments import cifar10h
    >>> g = np.random.default_rng(0)
    >>> Z = g.standard_normal((300, 4))
    >>> counts = g.multinomial(50, [0.7, 0.2, 0.1], size=300)  # 300 images, 3 classes
    >>> t = cifar10h.robustness_table(
    ...     {4: Z}, counts, [{"s": 1.0, "delta": 0.5, "d": 4}, {"s": 2.0, "delta": 0.5, "d": 4}],
    ...     Ns=[20, 80], ks=[1, 4, 16], rng=0,
    ...     eps_v=0.05, lam_rel=1e-3, n_test=100, reps=1, window=(4, 16))
    >>> t["s"], t["beta_eff"].shape
    (array([1., 2.]), (2, 2))
    """
    rng = rng_from(rng)
    keys = ("s", "delta", "d", "eps_v", "lam_rel")
    out: dict[str, list] = {
        k: []
        for k in keys
        + (
            "beta_eff",
            "L_gen_last",
            "L_gen_const_last",
            "beta_eff_const_last",
            "beta_eff_oracle",
            "beta_eff_noisy_first",
            "beta_eff_noisy_last",
        )
    }
    for var in variants:
        if var["d"] not in features:
            raise ValueError(f"features has no entry for d = {var['d']}")
        kw = {**base, **{k: var[k] for k in ("eps_v", "lam_rel") if k in var}}
        r = scaling_experiment(features[var["d"]], counts, Ns, ks, s=var["s"], delta=var["delta"], rng=rng, **kw)
        for k, x in (
            ("s", var["s"]),
            ("delta", var["delta"]),
            ("d", var["d"]),
            ("eps_v", kw["eps_v"]),
            ("lam_rel", kw["lam_rel"]),
            ("beta_eff", r.beta_eff),
            ("L_gen_last", r.L_gen[-1]),
            ("L_gen_const_last", r.L_gen_const[-1]),
            ("beta_eff_const_last", r.beta_eff_const[-1]),
            ("beta_eff_oracle", r.beta_eff_oracle),
            ("beta_eff_noisy_first", r.beta_eff_noisy[0]),
            ("beta_eff_noisy_last", r.beta_eff_noisy[-1]),
        ):
            out[k].append(x)
    res = {k: np.array(x, dtype=float) for k, x in out.items()}
    res["rise"] = res["beta_eff"][:, -1] - res["beta_eff"][:, 0]
    return res


def gaussian_features(X, rng) -> np.ndarray:
    """Random features of the same shape and column variances as ``X``, independent of the images.

    The no-information control of the CIFAR-10H experiment: each column is i.i.d.
    Gaussian with the variance of the corresponding column of ``X`` (for principal
    components, the same spectrum), so a head fitted on them has the same width and
    conditioning as the real one but can learn nothing about any image.

    Parameters
    ----------
    X : array (n, d)
        Real features (e.g. principal components).
    rng : Generator or int

    Returns
    -------
    ndarray (n, d)

    Examples
    --------
    >>> from lidlib.experiments.cifar10h import gaussian_features
    >>> X = np.random.default_rng(1).standard_normal((2000, 2)) * [2.0, 0.5]
    >>> np.round(gaussian_features(X, rng=0).std(axis=0), 1)
    array([2. , 0.5])
    """
    X = as_float_array("X", X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {X.shape}")
    rng = rng_from(rng)
    return rng.standard_normal(X.shape) * X.std(axis=0)[None, :]


def realisable_means(X, m) -> np.ndarray:
    """Least-squares projection of the means ``m`` on an intercept and the columns of ``X``.

    Replacing the human label means by this projection gives a target that the linear
    head *can* represent exactly (zero approximation error) while each image keeps its
    own human variance ``v_i``: the well-specified setting of the LID analysis
    (Sec. 4, Prop. 4.2), built on the real features and the real difficulty.

    Parameters
    ----------
    X : array (n, d)
    m : array (n,)

    Returns
    -------
    ndarray (n,)
        ``A @ argmin_c ||A c - m||`` with ``A = [1, X]``.

    Examples
    --------
    >>> from lidlib.experiments.cifar10h import realisable_means
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> np.round(realisable_means(X, [1.0, 0.0, 5.0]), 6) + 0.0  # the least-squares line through the points
    array([0., 2., 4.])
    """
    X = as_float_array("X", X)
    m = as_float_array("m", m)
    if X.ndim != 2 or m.shape != (X.shape[0],):
        raise ValueError(f"X must be (n, d) and m (n,), got {X.shape} and {m.shape}")
    A = np.column_stack([np.ones(X.shape[0]), X])
    coef, *_ = np.linalg.lstsq(A, m, rcond=None)
    return A @ coef


def subset_image(images, labels, index, i: int) -> tuple[np.ndarray, int]:
    """Pixels and CIFAR-10 label of test image ``i`` from a committed subset of the test images (Sec. 5, Fig. 4).

    Parameters
    ----------
    images : array (m, 32, 32, 3)
    labels : array (m,)
    index : array (m,)
        Sorted test-set indices of the subset (as :func:`lidlib.data.load_cifar10_test_subset` returns them).
    i : int
        Test-set index.

    Returns
    -------
    pixels : ndarray
    label : int

    Raises
    ------
    ValueError
        If image ``i`` is not in the subset.
    """
    index = np.asarray(index)
    j = int(np.searchsorted(index, i))
    if j == index.size or index[j] != i:
        raise ValueError(f"test image {i} is not in the committed subset (data/cifar10-test/)")
    return images[j], int(labels[j])


def paired_difference(a, b) -> tuple[float, float]:
    """Mean and standard error of the replicate-paired difference ``a - b`` (the controls of Sec. 5.2).

    Each replicate of :func:`scaling_experiment` evaluates the head and its controls on
    the same split and training draw, so their difference is paired.

    Parameters
    ----------
    a, b : array_like (reps,)

    Returns
    -------
    mean, se : float

    Examples
    --------
    >>> paired_difference([3.0, 5.0], [1.0, 1.0])
    (3.0, 1.0)
    """
    diff = np.asarray(a, float) - np.asarray(b, float)
    return float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(diff.size))


def unpaired_difference(a, b) -> tuple[float, float]:
    """Difference of the means of two independent replicate sets and its standard error (Sec. 5.2 controls).

    Parameters
    ----------
    a, b : array_like
        Replicates of two experiments that share no split or draw.

    Returns
    -------
    diff, se : float
        ``mean(a) - mean(b)`` and ``hypot(se_a, se_b)``.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(a.mean() - b.mean()), float(np.hypot(a.std(ddof=1) / np.sqrt(a.size), b.std(ddof=1) / np.sqrt(b.size)))


def exceeds(gap: float, se: float, n_se: float = 2.0) -> dict[str, Any]:
    """Verdict and margin of the one-sided claim ``gap > n_se * se`` (a rise or gap of Sec. 5.2 beyond its noise).

    Returns
    -------
    dict
        ``passed`` and ``margin = n_se * se / gap`` (below 1 passes; infinite when
        ``gap <= 0``), as keyword arguments of :meth:`lidlib.book.claims.Ledger.check`.

    Examples
    --------
    >>> exceeds(0.5, 0.1)
    {'passed': True, 'margin': 0.4}
    >>> exceeds(-0.1, 0.1)["margin"]
    inf
    """
    return dict(passed=bool(gap > n_se * se), margin=n_se * se / gap if gap > 0 else float("inf"))


def power_law_rms(ks, F, window) -> float:
    """Root-mean-square deviation of ``log F`` from its least-squares line in ``log k`` over a window (Sec. 5.2: "approximate power law").

    Zero for an exact power law; it measures how much a failure curve bends inside the
    ``k``-window over which its local slope (Eq. 19) is read.

    Parameters
    ----------
    ks : array_like
    F : array_like
        Failure curve at ``ks`` (floored at 1e-300).
    window : (float, float)

    Returns
    -------
    float
    """
    ks = np.asarray(ks, float)
    sel = (ks >= window[0]) & (ks <= window[1])
    if sel.sum() < 3:
        raise ValueError("the window must contain at least three of the ks")
    x, y = np.log(ks[sel]), np.log(np.maximum(np.asarray(F, float)[sel], 1e-300))
    return float(np.sqrt(np.mean((y - np.polyval(np.polyfit(x, y, 1), x)) ** 2)))


def break_even_size(d: int, s: float, mean_noise_var: float, var_m: float) -> float:
    r"""Training size at which the OLS variance law falls to the variance of the mean labels (Sec. 4.1, 5.1).

    Solves :math:`s^2\,\overline{v+\epsilon_v}\,d/(N-d-1) = \operatorname{Var}(m)` for
    ``N`` (see :func:`ols_variance_law`): below it the trained head's estimation variance
    exceeds the loss of the constant (training-mean) predictor.

    Parameters
    ----------
    d : int
        Number of features.
    s : float
        Feature and target scale.
    mean_noise_var : float
        Mean target noise variance, ``mean(v + eps_v)``.
    var_m : float
        Variance of the mean labels over the images.

    Returns
    -------
    float

    Examples
    --------
    >>> break_even_size(10, 2.0, 1.0, 4.0)
    21.0
    """
    return d + 1 + s**2 * float(mean_noise_var) * d / var_m
