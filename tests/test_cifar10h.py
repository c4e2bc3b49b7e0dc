"""Tests of lidlib.experiments.cifar10h (the CIFAR-10H experiment of Sec. 5 on synthetic stand-ins)."""

from __future__ import annotations

import numpy as np
import pytest

from lidlib.experiments import cifar10h as C
from lidlib.passk import failure_curve


def test_label_moments_class_index_convention():
    counts = np.array(
        [
            [0, 0, 5, 0, 0, 0, 0, 0, 0, 0],  # unanimous "2"
            [5, 0, 0, 0, 0, 0, 0, 0, 0, 5],  # split 0 / 9
            [1, 3, 0, 0, 0, 0, 0, 0, 0, 0],
        ]
    )
    m, v = C.label_moments(counts)
    np.testing.assert_allclose(m, [2.0, 4.5, 0.75])
    np.testing.assert_allclose(v, [0.0, 20.25, 0.1875])
    assert v[0] == 0.0


@pytest.mark.parametrize("bad", [np.zeros((2, 10)), -np.ones((2, 10)), np.ones(10)])
def test_label_moments_rejects(bad):
    with pytest.raises(ValueError, match="counts"):
        C.label_moments(bad)


def test_target_precision():
    np.testing.assert_allclose(C.target_precision([0.0, 1.0], 1e-6), [1e6, 1 / (1 + 1e-6)])
    with pytest.raises(ValueError, match="eps_v"):
        C.target_precision([0.0], 0.0)


def test_pca_basis_orthonormal_and_ordered():
    rng = np.random.default_rng(1)
    Z = rng.standard_normal((400, 6)) * np.array([5, 4, 3, 2, 1, 0.5])
    mu, V = C.pca_basis(Z, 3)
    np.testing.assert_allclose(V.T @ V, np.eye(3), atol=1e-12)
    var = np.var((Z - mu) @ V, axis=0)
    assert np.all(np.diff(var) < 0)
    with pytest.raises(ValueError, match="d must"):
        C.pca_basis(Z, 7)


def _toy(n=600, D=8, seed=0):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, D))
    theta = rng.standard_normal(D)
    mean = np.clip(4.5 + Z @ theta * 0.8, 0, 9)
    counts = np.zeros((n, 10))
    for i, mu in enumerate(mean):  # 40 annotators, labels near the linear mean
        lab = np.clip(np.rint(mu + rng.standard_normal(40) * rng.choice([0.0, 0.5, 1.5])), 0, 9).astype(int)
        counts[i] = np.bincount(lab, minlength=10)
    return Z, counts


KW = dict(s=4.0, delta=0.05, eps_v=1e-3, lam_rel=1e-3, n_test=200, window=(10, 1000))


def test_scaling_experiment_matches_direct_refit():
    """L_gen and pass@k of the last N equal a from-scratch fit with the same draws."""
    Z, counts = _toy()
    Ns, ks = np.array([20, 50, 400]), np.geomspace(1, 1e4, 21)
    res = C.scaling_experiment(Z, counts, Ns, ks, reps=1, rng=3, **KW)
    # replay the same random stream by hand
    rng = np.random.default_rng(3)
    m, v = C.label_moments(counts)
    perm = rng.permutation(len(m))
    test, pool = perm[:200], perm[200:]
    mu = Z[pool].mean(0)
    Xp, Xt = Z[pool] - mu, Z[test] - mu
    lam = 1e-3 * np.mean(np.sum(Xp**2, 0) / len(pool))
    y = m[pool] / 4 + np.sqrt(v[pool] + 1e-3) * rng.standard_normal(len(pool))
    N = 400
    X, yc = Xp[:N] / 4, y[:N] - y[:N].mean()
    th = np.linalg.solve(X.T @ X / N + lam / 16 * np.eye(8), X.T @ yc / N)
    pred = Xt / 4 @ th + y[:N].mean()
    bias = pred - m[test] / 4
    assert res.L_gen[-1] == pytest.approx(np.mean(bias**2) * 16, rel=1e-9)
    # exact success vs Monte Carlo of the k inference draws (fresh generator)
    sd = np.sqrt(v[test] + 1e-3)
    draws = np.random.default_rng(9).standard_normal((4000, 200)) * sd + m[test] / 4
    s_mc = np.mean(np.abs(pred - draws) <= 0.05 / 4, axis=0)
    from lidlib.passk import single_trial_success

    s_ex = single_trial_success(bias, 1 / (v[test] + 1e-3), 0.05 / 4, 1.0)
    assert np.max(np.abs(s_mc - s_ex)) < 5 * np.sqrt(0.25 / 4000)
    np.testing.assert_allclose(res.failure[-1], failure_curve(s_ex, ks), rtol=1e-12)
    assert res.failure.shape == (3, ks.size) and np.all(np.diff(res.failure, axis=1) <= 1e-15)


def test_scaling_experiment_deterministic_and_pca():
    Z, counts = _toy()
    Ns, ks = np.array([20, 100, 400]), np.geomspace(1, 1e4, 21)
    a = C.scaling_experiment(Z, counts, Ns, ks, reps=2, rng=5, d=4, **KW)
    b = C.scaling_experiment(Z, counts, Ns, ks, reps=2, rng=5, d=4, **KW)
    np.testing.assert_array_equal(a.failure, b.failure)
    assert a.d == 4 and a.L_gen_reps.shape == (2, 3) and a.beta_eff.shape == (3,)
    assert np.all(a.failure_noisy >= 0) and np.all(a.failure_noisy <= 1)


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(s=0.0), "s must"),
        (dict(delta=-1.0), "delta"),
        (dict(eps_v=0.0), "eps_v"),
        (dict(n_test=600), "n_test"),
        (dict(lam_rel=-1.0), "lam_rel"),
    ],
)
def test_scaling_experiment_rejects(kw, match):
    Z, counts = _toy(n=300)
    args = {**KW, "n_test": 100, **kw}
    with pytest.raises(ValueError, match=match):
        C.scaling_experiment(Z, counts, [10, 50], np.geomspace(1, 1e3, 10), reps=1, rng=0, **args)
    with pytest.raises(ValueError, match="Ns"):
        C.scaling_experiment(Z, counts, [50, 10], np.geomspace(1, 1e3, 10), reps=1, rng=0, **KW | {"n_test": 100})


def test_precision_tail_table_recovers_power_law():
    """v = 1/tau with P(tau <= t) = t^a on (0, 1): beta = 2a is recovered."""
    a = 1.5
    tau = np.random.default_rng(0).uniform(size=20_000) ** (1 / a)
    t = C.precision_tail_table(1 / tau, [1e-9], [0.05])
    assert abs(t["beta"][0] - 2 * a) < 3 * t["se"][0]
    assert t["lo"][0] < 2 * a < t["hi"][0]


def test_variance_examples():
    v = np.r_[np.zeros(50), np.linspace(0.1, 10, 100)]
    lo, hi = C.variance_examples(v, 3, 0, high_quantile=0.9)
    assert np.all(v[lo] == 0) and np.all(v[hi] >= np.quantile(v, 0.9))
    with pytest.raises(ValueError, match="n must"):
        C.variance_examples(v, 60, 0)


@pytest.mark.slowish
def test_constant_and_oracle_controls_replayed_by_hand():
    """The no-learning (training-mean) predictor and the oracle, recomputed from the same draws.

    The constant predictor's pass@k and the oracle's are computed here by Monte Carlo of
    the inference draws (not with lidlib.passk), and the oracle's window slope by a
    direct least-squares fit of log failure on log k.
    """
    Z, counts = _toy()
    Ns, ks = np.array([20, 50, 400]), np.geomspace(1, 1e4, 21)
    res = C.scaling_experiment(Z, counts, Ns, ks, reps=1, rng=3, **KW)
    rng = np.random.default_rng(3)
    m, v = C.label_moments(counts)
    perm = rng.permutation(len(m))
    test, pool = perm[:200], perm[200:]
    y = m[pool] / 4 + np.sqrt(v[pool] + 1e-3) * rng.standard_normal(len(pool))
    for j, N in enumerate(Ns):
        ybar = y[:N].mean()
        assert res.L_gen_const[j] == pytest.approx(np.mean((ybar - m[test] / 4) ** 2) * 16, rel=1e-12)
    assert res.var_m == pytest.approx(np.var(m[test]), rel=1e-12)
    # Monte Carlo single-try success of the constant at the largest N and of the oracle
    sd = np.sqrt(v[test] + 1e-3)
    draws = np.random.default_rng(11).standard_normal((20000, 200)) * sd + m[test] / 4
    s_c = np.mean(np.abs(y[:400].mean() - draws) <= 0.05 / 4, axis=0)
    s_o = np.mean(np.abs(m[test] / 4 - draws) <= 0.05 / 4, axis=0)
    f_c = np.mean((1 - s_c[None, :]) ** ks[:, None], axis=1)
    f_o = np.mean((1 - s_o[None, :]) ** ks[:, None], axis=1)
    np.testing.assert_allclose(res.failure_const[-1][:8], f_c[:8], rtol=0.02)
    np.testing.assert_allclose(res.failure_oracle[:8], f_o[:8], rtol=0.02)
    sel = (ks >= 10) & (ks <= 1000)
    exact = -np.polyfit(np.log(ks[sel]), np.log(res.failure_oracle[sel]), 1)[0]
    assert res.beta_eff_oracle == pytest.approx(exact, rel=1e-10)
    # the oracle has no bias: its failure is below every fitted head's and the constant's
    assert np.all(res.failure_oracle <= res.failure.min(axis=0) + 1e-12)
    assert np.all(res.failure_oracle <= res.failure_const.min(axis=0) + 1e-12)


def test_gaussian_features_carry_no_information():
    """Random features match the spectrum, and a head on them cannot beat the constant."""
    Z, counts = _toy(n=1500, D=8, seed=2)
    G = C.gaussian_features(Z * np.arange(1, 9), 0)
    assert G.shape == Z.shape
    np.testing.assert_allclose(G.std(0) / (Z * np.arange(1, 9)).std(0), 1, atol=0.1)
    kw = {**KW, "s": 1.0, "n_test": 500}
    real = C.scaling_experiment(Z, counts, [1000], np.geomspace(1, 1e3, 10), reps=2, rng=1, **kw)
    rand = C.scaling_experiment(G, counts, [1000], np.geomspace(1, 1e3, 10), reps=2, rng=1, **kw)
    assert real.L_gen[0] < 0.5 * real.L_gen_const[0]  # the toy means are linear in Z
    assert rand.L_gen[0] > 0.95 * rand.L_gen_const[0]  # nothing to learn from noise


def test_realisable_means_is_the_least_squares_projection():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((300, 5))
    m = 2 + X @ np.arange(1.0, 6.0) + np.sin(X[:, 0] * 3)
    p = C.realisable_means(X, m)
    resid = m - p
    A = np.column_stack([np.ones(300), X])
    np.testing.assert_allclose(A.T @ resid, 0, atol=1e-9)  # normal equations
    lin = 2 + X @ np.arange(1.0, 6.0)
    np.testing.assert_allclose(C.realisable_means(X, lin), lin, atol=1e-10)  # a linear mean is kept
    with pytest.raises(ValueError, match="m"):
        C.realisable_means(X, m[:10])


def test_robustness_table_eps_v_variant_and_controls():
    Z, counts = _toy()
    feats = {8: Z}
    variants = [{"s": 4.0, "delta": 0.05, "d": 8}, {"s": 4.0, "delta": 0.05, "d": 8, "eps_v": 0.1}]
    base = {k: KW[k] for k in ("eps_v", "lam_rel", "n_test", "window")}
    t = C.robustness_table(feats, counts, variants, Ns=[50, 400], ks=np.geomspace(1, 1e4, 21), rng=0, reps=1, **base)
    np.testing.assert_array_equal(t["eps_v"], [1e-3, 0.1])
    assert t["beta_eff"].shape == (2, 2) and np.all(np.isfinite(t["L_gen_const_last"]))
    # a larger variance floor widens every target law: the bias-free slope changes
    assert t["beta_eff_oracle"][0] != t["beta_eff_oracle"][1]


# ---------------------------------------------------------------- chapter helpers (issue 21)
def test_subset_image_lookup_and_missing():
    imgs = np.arange(3 * 2 * 2 * 3).reshape(3, 2, 2, 3)
    px, lab = C.subset_image(imgs, np.array([7, 8, 9]), np.array([4, 10, 50]), 10)
    np.testing.assert_array_equal(px, imgs[1])
    assert lab == 8
    with pytest.raises(ValueError, match="not in the committed subset"):
        C.subset_image(imgs, np.array([7, 8, 9]), np.array([4, 10, 50]), 11)


def test_paired_and_unpaired_differences_hand_case():
    a, b = np.array([3.0, 5.0, 7.0]), np.array([1.0, 2.0, 3.0])
    mean, se = C.paired_difference(a, b)  # differences 2, 3, 4: mean 3, sd 1, se 1/sqrt(3)
    assert mean == 3.0 and se == pytest.approx(1 / np.sqrt(3))
    diff, se_u = C.unpaired_difference(a, b)  # sds 2 and 1: se = sqrt(4/3 + 1/3)
    assert diff == 3.0 and se_u == pytest.approx(np.sqrt(5 / 3))
    # pairing removes shared noise: a shared offset leaves the paired s.e. unchanged, not the unpaired one
    shift = np.array([0.0, 100.0, -50.0])
    assert C.paired_difference(a + shift, b + shift) == pytest.approx((mean, se))
    assert C.unpaired_difference(a + shift, b + shift)[1] > 10 * se_u


def test_exceeds_verdict_and_margin():
    assert C.exceeds(0.5, 0.1) == {"passed": True, "margin": pytest.approx(0.4)}
    assert C.exceeds(0.15, 0.1)["passed"] is False
    assert C.exceeds(0.0, 0.1)["margin"] == float("inf")
    assert C.exceeds(0.25, 0.1, n_se=3.0)["passed"] is False


def test_power_law_rms_zero_for_power_law_positive_for_curved():
    ks = np.geomspace(1, 1e4, 50)
    assert C.power_law_rms(ks, 3.0 * ks**-0.4, (10, 1e3)) == pytest.approx(0.0, abs=1e-12)
    curved = 0.3 + 0.7 * ks**-0.5  # bends onto a floor
    x = np.log(ks[(ks >= 10) & (ks <= 1e3)])
    y = np.log(curved[(ks >= 10) & (ks <= 1e3)])
    resid = y - np.polyval(np.polyfit(x, y, 1), x)
    assert C.power_law_rms(ks, curved, (10, 1e3)) == pytest.approx(np.sqrt(np.mean(resid**2)))
    assert C.power_law_rms(ks, curved, (10, 1e3)) > 0.01


def test_break_even_size_solves_the_variance_law():
    d, s, nv, var_m = 50, 4.0, 1.3, 0.8
    N = C.break_even_size(d, s, nv, var_m)
    assert C.ols_variance_law(np.array([N]), d, nv, s)[0] == pytest.approx(var_m, rel=1e-12)
