"""Tests of lidlib.experiments.training_law against closed forms, hand-computed cases and
independent recomputations (the training-law chapter's orchestration)."""

import numpy as np
import pytest
from scipy import optimize

from lidlib import model, ridge
from lidlib.experiments import training_law as tl


def _fake_runs(Ns, d, full_loss, over_loss=None, alphas=(1.0,)):
    """A Figure1Runs whose losses (and every other field) are the given arrays."""
    Ns = np.asarray(Ns)
    below = Ns < d
    lam = np.zeros((Ns.size, 1))

    def lc(L, Nsub):
        L = np.asarray(L, dtype=float)[:, :, None]
        return ridge.LearningCurves(Nsub, lam[: Nsub.size], L, L, L, L, L, 1.0)

    over_loss = full_loss[:, below] if over_loss is None else over_loss
    models = {a: model.LIDModel(d=d, alpha=a, beta=5.0, sigma_eta=1.0) for a in alphas}
    return tl.Figure1Runs(
        d,
        Ns,
        lam,
        below,
        models,
        {a: lc(full_loss, Ns) for a in alphas},
        {a: lc(over_loss, Ns[below]) for a in alphas},
        1.0,
    )


def test_sample_size_grid_properties():
    d = 100
    Ns = tl.sample_size_grid(d, 25, (0.9, 0.99, 1.01, 1.1))
    assert Ns.dtype.kind == "i"
    assert np.all(np.diff(Ns) > 0)
    assert Ns[0] == 5 and Ns[-1] == 2000  # d/20 and 20 d
    assert 90 in Ns and 110 in Ns
    assert np.all(np.abs(Ns - d) > 1)  # 99 and 101 removed


def test_per_seed_stacks_both_ensembles():
    d, Ns = 10, np.array([2, 5, 20, 40])
    full = np.arange(8.0).reshape(2, 4) + 1
    over = np.array([[100.0, 200.0], [300.0, 400.0], [500.0, 600.0]])
    runs = _fake_runs(Ns, d, full, over)
    x = runs.per_seed(1.0)
    assert x.shape == (5, 4)
    np.testing.assert_array_equal(x[:2], full)
    np.testing.assert_array_equal(x[2:, :2], over)
    assert np.all(np.isnan(x[2:, 2:]))
    m, se = runs.mean_se(1.0)
    np.testing.assert_allclose(m, [(1 + 5 + 900) / 5, (2 + 6 + 1200) / 5, 5.0, 6.0])
    np.testing.assert_allclose(se[2], np.std([3.0, 7.0], ddof=1) / np.sqrt(2))
    np.testing.assert_array_equal(runs.pooled("loss", Ns > d), full[:, 2:])


def test_simulate_figure1_matches_direct_calls():
    d, Ns, alphas = 12, np.array([3, 6, 20, 30]), (0.5, 1.0)
    runs = tl.simulate_figure1(d, alphas, 5.0, 0.1, Ns, 1e-9, 2, 3, np.random.default_rng(1), np.random.default_rng(2))
    g1, g2 = np.random.default_rng(1), np.random.default_rng(2)
    lam = ridge.paper_lambda_schedule(Ns, d, 1e-9)
    for a in alphas:  # same order of draws as the function promises
        lid = model.LIDModel(d=d, alpha=a, beta=5.0, sigma_eta=0.1)
        full = ridge.learning_curves(lid, Ns, lam, 2, g1)
        over = ridge.learning_curves(lid, Ns[Ns < d], lam[Ns < d], 3, g2)
        np.testing.assert_array_equal(runs.full[a].loss, full.loss)
        np.testing.assert_array_equal(runs.over[a].variance, over.variance)
    assert runs.noise_var == pytest.approx(0.01 * 2 / 3)  # sigma^2 2/(beta - 2)


def test_figure1_theory_large_N_is_ols():
    d = 20
    runs = _fake_runs(np.array([5, 100, 400]), d, np.ones((2, 3)))
    th = tl.figure1_theory(runs, 1e-9, n_fine=200)
    N = th.N_fine[th.N_fine > 4 * d]
    # the deterministic equivalent for lam = 0, N > d is sigma^2 d / (N - d) (its OLS form)
    np.testing.assert_allclose(th.fine[1.0].variance[th.N_fine > 4 * d], d / (N - d), rtol=1e-6)
    up = th.N_fine > d + 1
    np.testing.assert_allclose(th.ols_fine[up], d / (th.N_fine[up] - d - 1))


def test_nested_vs_refit_is_rounding_only():
    lid = model.LIDModel(d=16, alpha=1.0, beta=5.0, sigma_eta=0.1)
    smp = lid.sample(48, np.random.default_rng(3))
    assert tl.nested_vs_refit(smp.X, smp.y, [4, 8, 24, 48], [0.0, 1e-3]) < 1e-8


def test_overparam_slopes_recover_exact_power_law():
    d, Ns = 1000, np.array([10, 20, 40, 80])
    L = np.vstack([3.0 * Ns**-0.7] * 4)  # identical seeds: exact law, zero bootstrap spread
    runs = _fake_runs(Ns, d, L)
    bias = 5.0 * Ns**-1.0
    at = ridge.RidgeRisk(bias, 0.5 * bias, *(np.zeros(4),) * 3)
    theory = tl.Figure1Theory(Ns, {}, {}, {}, {1.0: at}, Ns)
    (f,) = tl.overparam_slopes(runs, theory, np.ones(4, bool), rng=np.random.default_rng(0), n_boot=20)
    assert f.slope == pytest.approx(-0.7, abs=1e-12)
    assert f.slope_se == pytest.approx(0.0, abs=1e-12)
    assert f.theory_slope == pytest.approx(-1.0, abs=1e-12)
    assert f.bias_over_floor == pytest.approx(2.0)


def test_long_spectrum_slope_approaches_minus_alpha():
    Ns = np.array([50.0, 100.0, 200.0, 400.0])
    short, long_ = (tl.long_spectrum_slopes([1.0], [1.0], Ns, size=n)[0] for n in (2_000, 200_000))
    assert abs(long_ + 1.0) < 0.02  # Eq. 9 for a long spectrum
    assert abs(long_ + 1.0) < abs(short + 1.0)  # the finite-d correction shrinks


def test_ols_tail_on_exact_inverse_wishart_losses():
    d, nv = 20, 2.0
    Ns = np.array([40, 60, 100, 150, 200, 300, 400])
    exact = ridge.ols_risk_exact(Ns, d, nv)
    c = np.array([0.9, 1.1, 1.0, 0.8, 1.2])  # per-seed factors with mean one
    t = tl.ols_tail(Ns, c[:, None] * exact, d, nv, rng_fit=np.random.default_rng(0), rng_boot=np.random.default_rng(1))
    assert t.A == pytest.approx(1.0, rel=1e-10)
    assert t.B == pytest.approx((d + 1) / d, rel=1e-10)
    assert t.slope == pytest.approx(t.slope_exact, abs=1e-12)
    assert t.ratio_mean == pytest.approx(1.0)
    assert t.ratio_sd == pytest.approx(np.std(c, ddof=1))
    assert t.n_seeds == 5


def test_theory_deviation_hand_case():
    # N = 10, d = 100: allowance 2/10 of the theory plus 3 s.e.
    r = tl.theory_deviation([1.5], [0.1], [1.0], [10], 100)
    assert r[0] == pytest.approx(0.5 / (0.3 + 0.2))
    w = tl.comparison_window([10, 30, 85, 100, 120, 130], 100)
    np.testing.assert_array_equal(w, [False, True, False, False, False, True])


def test_eq37_ratio_is_one_over_N():
    # E[loss] = d/(N-d-1) (inverse Wishart, unit noise); E[Eq. 37] = N d/(N-d-1): ratio 1/N, not 1
    N = 40
    r, se = tl.eq37_monte_carlo(6, N, 400, np.random.default_rng(0))
    assert abs(r * N - 1) < 4 * se * N
    assert se * N < 0.1


def test_eq38_asymmetry():
    assert tl.eq38_asymmetry(1, 30, np.random.default_rng(0)) == 0.0  # a 1 x 1 matrix is symmetric
    assert tl.eq38_asymmetry(8, 30, np.random.default_rng(0)) > 0.1


def test_eq40_bias_against_root_finding():
    s = model.power_law_spectrum(50, 1.0)
    theta = np.linspace(0.5, 1.5, 50)
    N = 10.0
    kap = optimize.brentq(lambda k: np.sum(s / (s + k)) / N - 1.0, 1e-12, 10.0, xtol=1e-15)
    bias, factor = tl.eq40_bias(N, s, theta)
    assert bias == pytest.approx(kap**2 * np.sum(theta**2 * s / (s + kap) ** 2), rel=1e-6)
    assert factor == pytest.approx(1 / (1 - np.sum(s**2 / (s + kap) ** 2) / N), rel=1e-6)


def test_peak_experiment_small():
    lid = model.LIDModel(d=12, alpha=1.0, beta=5.0, sigma_eta=0.05)
    pk = tl.peak_experiment(lid, 7, [1e-6, 1e-2], 3, np.random.default_rng(0), n_fine=50)
    assert 12 in pk.Ns and pk.mean.shape == (pk.Ns.size, 2)
    np.testing.assert_array_equal(pk.height, pk.mean.max(0))
    np.testing.assert_array_equal(pk.N_peak, pk.Ns[pk.mean.argmax(0)])
    assert pk.height[1] < pk.height[0]  # a large ridge removes the peak
    assert len(pk.theory_fine) == 2 and d_not_in(pk)


def d_not_in(pk):
    return pk.N_fine[pk.N_fine != 12].size == pk.theory_ridgeless.total.size


def test_noise_model_comparison_identical_labels():
    # with the LID and homoscedastic fields equal, every ratio is exactly one
    d, Ns = 10, np.array([2, 4, 20, 40])
    rng = np.random.default_rng(0)
    runs = _fake_runs(Ns, d, rng.uniform(1, 2, (4, 4)), rng.uniform(1, 2, (6, 2)), alphas=(0.5, 1.0))
    ones = ridge.RidgeRisk(np.ones(4), np.ones(4), *(np.zeros(4),) * 3)
    nm = tl.noise_model_comparison(runs, tl.Figure1Theory(Ns, {}, {}, {}, {0.5: ones, 1.0: ones}, Ns), 0, 1)
    assert nm.ratio_under == pytest.approx(1.0) and nm.ratio_over == pytest.approx(1.0)
    assert nm.spread_under == pytest.approx(1.0) and nm.se_over == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(nm.ratio_by_N, 1.0)
    np.testing.assert_allclose(nm.cv_lid, nm.cv_homo)


def test_bn_given_training_set_is_standard_normal():
    lid = model.LIDModel(d=16, alpha=1.0, beta=5.0, sigma_eta=0.1)
    out = tl.bn_given_training_set(lid, [4, 32], 1e-9, 20_000, np.random.default_rng(0))
    for r in out:
        assert r["z"].size == 20_000
        assert abs(r["var_ratio"] - 1) < 5 * np.sqrt(2 / 20_000)
        assert r["ks"] < 1.95 / np.sqrt(20_000)  # 0.1% critical value


def test_scale_mixture_and_kurtosis():
    z = tl.scale_mixture_quantiles(np.full(10, 4.0), 50_000, np.random.default_rng(0))
    assert z.size == 50_000 and abs(z.var() - 1) < 0.03  # equal losses: no mixing
    k, se = tl.excess_kurtosis_bootstrap(np.full(7, 3.0), np.random.default_rng(0), n_boot=10)
    assert k == 0 and se == 0
    L = np.array([1.0, 2.0, 3.0, np.nan])
    k, _ = tl.excess_kurtosis_bootstrap(L, np.random.default_rng(0), n_boot=10)
    assert k == pytest.approx(3 * 1.0 / 4.0)  # 3 Var/E^2 with Var = 1, E = 2; NaN dropped


def test_heavy_tail_slopes_exact_law():
    d, sigma = 10, 0.5
    Ns = np.array([30.0, 60.0, 120.0, 240.0])
    betas = [0.8, 5.0]
    L = np.empty((3, Ns.size, 2))
    for j, b in enumerate(betas):
        L[:, :, j] = sigma**2 * d / (Ns - d - 1) * Ns ** max(2 / b - 1, 0.0)
    hs = tl.heavy_tail_slopes(Ns, L, d, sigma, betas, np.random.default_rng(0), np.random.default_rng(1))
    assert hs[0].predicted == pytest.approx(1.5) and hs[1].predicted == 0.0
    for h in hs:
        assert h.slope == pytest.approx(h.predicted, abs=1e-10)
        assert h.slope_se == pytest.approx(0.0, abs=1e-12)
    assert hs[1].raw_slope < -1  # d/(N-d-1) is steeper than 1/N
