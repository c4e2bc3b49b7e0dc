"""Tests of lidlib.ridge against independent references.

References used: explicit normal equations and SVD least squares (fits), fresh-sample
averages (the exact loss), the inverse-Wishart mean (OLS), closed forms for isotropic
features (self-consistent risk), the integral limit for power laws, and Monte Carlo.
"""

import numpy as np
import pytest

from lidlib import model, ridge


def _data(n, d, alpha=1.0, seed=0):
    lid = model.LIDModel(d=d, alpha=alpha, beta=6.0, sigma_eta=0.1)
    smp = lid.sample(n, seed)
    return lid, smp.X, smp.y


# ----------------------------------------------------------------------------- fits
def test_ridge_fit_closed_forms():
    _, X, y = _data(60, 12)
    # OLS: normal equations
    ref = np.linalg.solve(X.T @ X, X.T @ y)
    np.testing.assert_allclose(ridge.ridge_fit(X, y, 0.0), ref, rtol=1e-9)
    # ridge with the 1/N convention of Eq. 5-6
    lam = 0.3
    ref = np.linalg.inv(X.T @ X / 60 + lam * np.eye(12)) @ (X.T @ y / 60)
    np.testing.assert_allclose(ridge.ridge_fit(X, y, lam), ref, rtol=1e-9)
    # N < d, lam = 0: the minimum-norm interpolator X^T (X X^T)^-1 y
    Xs, ys = X[:7], y[:7]
    th = ridge.ridge_fit(Xs, ys, 0.0)
    np.testing.assert_allclose(th, Xs.T @ np.linalg.solve(Xs @ Xs.T, ys), rtol=1e-8)
    np.testing.assert_allclose(Xs @ th, ys, rtol=1e-8)


@pytest.mark.parametrize("alpha", [0.5, 2.0])
def test_incremental_path_equals_refit(alpha):
    d = 40
    _, X, y = _data(6 * d, d, alpha=alpha, seed=1)
    Y = np.column_stack([y, np.sin(np.arange(y.size))])
    Ns = np.array([3, 10, 25, 38, 45, 80, 160, 240])
    lams = np.array([0.0, 1e-6, 1e-2])
    th = ridge.ridge_path(X, Y, Ns, lams)
    assert th.shape == (Ns.size, lams.size, 2, d)
    for i, N in enumerate(Ns):
        for j, lam in enumerate(lams):
            ref = ridge.ridge_fit(X[:N], Y[:N], lam).T
            rel = np.linalg.norm(th[i, j] - ref) / np.linalg.norm(ref)
            assert rel < 1e-8, (N, lam, rel)
    # one label vector gives the same numbers without the extra axis
    np.testing.assert_allclose(ridge.ridge_path(X, y, Ns, lams), th[:, :, 0], rtol=1e-12)


def test_primal_and_dual_agree_and_schedules():
    d = 30
    _, X, y = _data(4 * d, d, seed=2)
    Ns = np.array([5, 12, 29, 31, 90])
    sched = np.array([[1e-3], [2e-3], [1e-4], [1e-4], [0.0]])
    a = ridge.ridge_path(X, y, Ns, sched, solver="auto")
    b = ridge.ridge_path(X, y, Ns, sched, solver="primal")
    np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-12)
    for i, N in enumerate(Ns):
        np.testing.assert_allclose(a[i, 0], ridge.ridge_fit(X[:N], y[:N], sched[i, 0]), rtol=1e-8)


def test_paper_lambda_schedule():
    s = ridge.paper_lambda_schedule([10, 50, 100, 200], 100, 2.0)
    np.testing.assert_allclose(s[:, 0], [0.2, 0.04, 0.0, 0.0])
    assert s.shape == (4, 1)


# ----------------------------------------------------------------------------- loss
@pytest.mark.slowish
def test_excess_risk_is_the_fresh_input_average():
    rng = np.random.default_rng(3)
    d = 20
    s = model.power_law_spectrum(d, 1.0)
    ts, th = rng.standard_normal(d), rng.standard_normal(d)
    x = rng.standard_normal((400_000, d)) * np.sqrt(s)
    mc = np.mean((x @ (th - ts)) ** 2)
    exact = ridge.excess_risk(th, ts, s)
    assert exact == pytest.approx(mc, rel=0.01)
    # full-matrix and diagonal forms agree, and leading axes broadcast
    np.testing.assert_allclose(ridge.excess_risk(np.stack([th, ts]), ts, np.diag(s)), [exact, 0.0])


@pytest.mark.slowish
def test_ols_loss_matches_inverse_wishart_mean():
    """E[L] = sigma^2 d / (N - d - 1) for Gaussian features, any spectrum."""
    rng = np.random.default_rng(4)
    d, N, reps, sig2 = 6, 20, 4000, 0.5
    s = model.power_law_spectrum(d, 1.5)
    L = np.empty(reps)
    for k in range(reps):
        X = rng.standard_normal((N, d)) * np.sqrt(s)
        eta = np.sqrt(sig2) * rng.standard_normal(N)
        L[k] = ridge.excess_risk(ridge.ridge_fit(X, eta, 0.0), np.zeros(d), s)
    exact = ridge.ols_risk_exact(N, d, sig2)
    assert exact == pytest.approx(sig2 * d / (N - d - 1))
    assert abs(L.mean() - exact) < 4 * L.std() / np.sqrt(reps)
    assert np.isinf(ridge.ols_risk_exact(d + 1, d, sig2))


# ----------------------------------------------------------------------------- theory
def test_deterministic_equivalent_ols_limit():
    d, sig2 = 50, 2.0
    s = model.power_law_spectrum(d, 1.0)
    Ns = np.array([60.0, 100.0, 1000.0, 100_000.0])
    r = ridge.ridge_risk_deterministic(Ns, 0.0, s, np.ones(d), sig2)
    np.testing.assert_allclose(r.kappa, 0.0)
    np.testing.assert_allclose(r.bias, 0.0)
    np.testing.assert_allclose(r.variance, sig2 * d / (Ns - d), rtol=1e-12)
    # and it approaches the exact finite-N answer as N grows
    ratio = r.variance / ridge.ols_risk_exact(Ns, d, sig2)
    np.testing.assert_allclose(ratio, (Ns - d - 1) / (Ns - d), rtol=1e-12)
    assert abs(ratio[-1] - 1) < 1e-4
    assert np.isinf(ridge.ridge_risk_deterministic(float(d), 0.0, s, np.ones(d), sig2).variance)


def test_deterministic_equivalent_isotropic_closed_forms():
    """Isotropic features: ridgeless N < d gives bias |theta|^2 (1 - N/d), variance sigma^2 N/(d-N);
    ridge gives the root of a quadratic for kappa."""
    d, sig2 = 200, 0.7
    s = np.ones(d)
    theta = np.linspace(-1, 1, d)
    Ns = np.array([20.0, 100.0, 180.0])
    r = ridge.ridge_risk_deterministic(Ns, 0.0, s, theta, sig2)
    np.testing.assert_allclose(r.kappa, d / Ns - 1, rtol=1e-10)
    np.testing.assert_allclose(r.bias, theta @ theta * (1 - Ns / d), rtol=1e-10)
    np.testing.assert_allclose(r.variance, sig2 * Ns / (d - Ns), rtol=1e-10)
    # lam > 0: kappa - lam = kappa d / (N (1 + kappa))  =>  kappa^2 + (1 - lam - d/N) kappa - lam = 0
    lam, N = 0.05, 150.0
    b = 1 - lam - d / N
    kappa = (-b + np.sqrt(b * b + 4 * lam)) / 2
    assert ridge.effective_regularization(N, lam, s) == pytest.approx(kappa, rel=1e-10)


def test_effective_regularization_monotone():
    s = model.power_law_spectrum(300, 1.0)
    lam = np.logspace(-8, 0, 9)
    k = ridge.effective_regularization(100.0, lam, s)
    assert np.all(k >= lam) and np.all(np.diff(k) > 0)
    kN = ridge.effective_regularization(np.array([10.0, 50.0, 200.0, 299.0]), 0.0, s)
    assert np.all(np.diff(kN) < 0) and np.all(kN > 0)


@pytest.mark.slowish
def test_power_law_limit_matches_deterministic_equivalent():
    """For 1 << N << d the sums become integrals: bias r^2 I^(1+a) N^-a, variance a sigma^2."""
    d, r2, sig2 = 200_000, 1e-3, 0.1
    for alpha in (0.5, 1.0, 2.0):
        s = model.power_law_spectrum(d, alpha)
        Ns = np.array([100.0, 200.0])
        de = ridge.ridge_risk_deterministic(Ns, 0.0, s, np.full(d, np.sqrt(r2)), sig2)
        pb, pv = ridge.power_law_ridgeless_risk(Ns, alpha, r2, sig2)
        np.testing.assert_allclose(de.bias, pb, rtol=0.04)
        np.testing.assert_allclose(de.variance, pv, rtol=0.04)


@pytest.mark.slowish
def test_deterministic_equivalent_matches_monte_carlo():
    d = 48
    lid = model.LIDModel(d=d, alpha=1.0, beta=6.0, sigma_eta=0.05)
    Ns = np.array([12, 30, 90, 200])
    for lam in (0.0, 1e-3):
        lc = ridge.learning_curves(lid, Ns, lam, 300, 5)
        m = lc.loss[:, :, 0].mean(0)
        se = lc.loss[:, :, 0].std(0) / np.sqrt(300)
        de = ridge.ridge_risk_deterministic(Ns, lam, lid.spectrum, lid.teacher, lid.noise_variance).total
        assert np.all(np.abs(m - de) < 0.06 * de + 4 * se), (lam, m / de)


# ----------------------------------------------------------------------------- drivers
def test_learning_curves_reproducible_and_decomposed():
    lid = model.LIDModel(d=16, alpha=1.0, beta=5.0, sigma_eta=0.1)
    Ns = np.array([4, 10, 30, 64])
    a = ridge.learning_curves(lid, Ns, 0.0, 3, 7)
    b = ridge.learning_curves(lid, Ns, 0.0, 3, 7)
    np.testing.assert_array_equal(a.loss, b.loss)
    np.testing.assert_array_equal(a.loss_homo, b.loss_homo)
    # OLS (N > d) is unbiased: the noise-free fit recovers theta* exactly
    assert np.all(a.bias[:, 2:] < 1e-20)
    np.testing.assert_allclose(a.loss[:, 2:], a.variance[:, 2:], rtol=1e-8)
    # beta <= 2: no homoscedastic counterpart, but finite LID losses
    c = ridge.learning_curves(model.LIDModel(d=16, alpha=1.0, beta=1.5, sigma_eta=0.1), Ns, 0.0, 2, 0)
    assert np.isnan(c.loss_homo).all() and np.isfinite(c.loss).all()


@pytest.mark.slowish
def test_ols_noise_curves_mean_level():
    """For beta = 6, L (N-d-1) / (d sigma_eta^2) averages to E[1/tau] = 1/2."""
    d, sig = 8, 0.3
    L = ridge.ols_noise_curves(d, 1.0, [6.0, 1.0], sig, [40, 80], 1500, 9)
    lvl = L[:, :, 0] * (np.array([40, 80]) - d - 1) / (d * sig**2)
    assert abs(lvl.mean() - 0.5) < 4 * lvl.std() / np.sqrt(lvl.size)
    assert L.shape == (1500, 2, 2) and np.isfinite(L).all()


def test_power_law_fit_recovers_exact_law():
    Ns = np.array([10.0, 20.0, 40.0, 80.0])
    L = np.vstack([3.0 * Ns**-1.5, 3.0 * Ns**-1.5])
    f = ridge.power_law_fit(Ns, L, n_boot=20, rng=0)
    assert f["slope"] == pytest.approx(-1.5) and np.exp(f["intercept"]) == pytest.approx(3.0)
    assert f["slope_se"] < 1e-12
    g = ridge.power_law_fit(Ns, L, fixed_slope=-1.5, statistic="median", n_boot=5, rng=0)
    assert np.exp(g["intercept"]) == pytest.approx(3.0)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "call, name",
    [
        (lambda X, y: ridge.ridge_path(X[:, 0], y, [5]), "X"),
        (lambda X, y: ridge.ridge_path(X, y[:-1], [5]), "y"),
        (lambda X, y: ridge.ridge_path(X, y, [10, 5]), "Ns"),
        (lambda X, y: ridge.ridge_path(X, y, [5, 500]), "Ns"),
        (lambda X, y: ridge.ridge_path(X, y, [5], -1.0), "lam"),
        (lambda X, y: ridge.ridge_path(X, y, [5], np.nan), "lam"),
        (lambda X, y: ridge.ridge_path(X, y, [5], 0.0, solver="primal"), "lam"),
        (lambda X, y: ridge.ridge_path(X, y, [5], solver="qr"), "solver"),
        (lambda X, y: ridge.ridge_path(np.where(np.arange(X.size).reshape(X.shape) == 3, np.nan, X), y, [5]), "X"),
        (lambda X, y: ridge.ridge_fit(X, y, -0.1), "lam"),
        (lambda X, y: ridge.excess_risk(np.zeros(3), np.zeros(4), np.ones(4)), "theta"),
        (lambda X, y: ridge.excess_risk(np.zeros(4), np.zeros(4), -np.ones(4)), "sigma"),
        (lambda X, y: ridge.ridge_risk_deterministic(10, 0.0, np.ones(4), np.ones(4), -1.0), "noise_var"),
        (lambda X, y: ridge.ridge_risk_deterministic(0, 0.0, np.ones(4), np.ones(4), 1.0), "N"),
        (lambda X, y: ridge.ridge_risk_deterministic(10, 0.0, np.ones(4), np.ones(3), 1.0), "theta_star"),
        (lambda X, y: ridge.effective_regularization(10, -1e-3, np.ones(4)), "lam"),
        (lambda X, y: ridge.ols_risk_exact(10, 0, 1.0), "d"),
        (lambda X, y: ridge.ols_noise_curves(8, 1.0, [3.0], 0.1, [5, 20], 2, 0), "Ns"),
        (lambda X, y: ridge.ols_noise_curves(8, 1.0, [0.0], 0.1, [20], 2, 0), "betas"),
        (lambda X, y: ridge.learning_curves("model", [5], 0.0, 1, 0), "lid"),
        (
            lambda X, y: ridge.learning_curves(model.LIDModel(d=4, alpha=1, beta=3, sigma_eta=1), [5], 0.0, 0, 0),
            "n_seeds",
        ),
        (lambda X, y: ridge.power_law_fit([1, 2], np.ones((3, 3)), rng=0), "losses"),
        (lambda X, y: ridge.power_law_fit([1, 2], np.ones((3, 2)), statistic="mode", rng=0), "statistic"),
        (lambda X, y: ridge.paper_lambda_schedule([10], 0, 1.0), "d"),
    ],
)
def test_bad_input_names_the_argument(call, name):
    _, X, y = _data(20, 6)
    with pytest.raises(ValueError, match=name):
        call(X, y)


def test_bias_on_fresh_inputs_is_gaussian_with_the_realised_loss():
    """Formerly the ledger claims bn-variance-* / bn-gaussian-* (they tested the generator):
    for a fixed fit, B = x^T (theta_hat - theta*) over fresh Gaussian x is N(0, realised L)."""
    from scipy import stats

    from lidlib import model, ridge

    lid = model.LIDModel(d=32, alpha=1.0, beta=5.0, sigma_eta=0.1)
    rng = np.random.default_rng(11)
    train = lid.sample(64, rng)
    th = ridge.ridge_fit(train.X, train.y, 0.0)
    L = float(ridge.excess_risk(th, lid.teacher, lid.spectrum))
    X = lid.sample(40_000, rng).X
    z = X @ (th - lid.teacher) / np.sqrt(L)
    assert abs(z.var() - 1.0) < 4 * np.sqrt(2 / z.size)
    assert stats.kstest(z, "norm").statistic < 1.95 / np.sqrt(z.size)  # 0.1% critical value


def test_seed_ensemble_helpers():
    from lidlib.book import plotting

    full = np.arange(6.0).reshape(2, 3)
    st = ridge.stack_ensembles(full, np.array([[10.0], [20.0]]), np.array([True, False, False]))
    assert st.shape == (4, 3) and np.isnan(st[2:, 1:]).all() and list(st[2:, 0]) == [10.0, 20.0]
    m, se = ridge.seed_mean_se(st)
    assert m[0] == pytest.approx(np.mean([0, 3, 10, 20])) and se[1] == pytest.approx(
        np.std([1, 4], ddof=1) / np.sqrt(2)
    )
    # exact OLS loss gives A = 1 and B = (d+1)/d in the reciprocal extrapolation
    N = np.array([200.0, 400, 800, 1600])
    A, B = ridge.ols_reciprocal_extrapolation(N, ridge.ols_risk_exact(N, 50, 2.0), 50, 2.0)
    assert A == pytest.approx(1.0, abs=1e-12) and B == pytest.approx(51 / 50, abs=1e-12)
    r, r_se, spread = ridge.paired_ratio(2 * full + 1, full + 1, np.ones(3), rng=0)
    assert r == pytest.approx((2 * full + 1).mean() / (full + 1).mean()) and spread == pytest.approx(2.0) and r_se >= 0
    assert plotting.tex_num(1e-3) == "10^{-3}" and plotting.tex_num(2.5e-7) == r"2.5\times10^{-7}"
