import numpy as np
import pytest

import lidlib
from lidlib import model, two_tail


def test_success_cdf_matches_monte_carlo():
    rng = np.random.default_rng(3)
    n, beta, delta, v = 1_000_000, 3.0, 0.05, 0.3
    tau = rng.gamma(beta / 2, 1.0, n)
    S = lidlib.single_trial_success(rng.normal(0, np.sqrt(v), n), tau, delta, 1.0)
    for s0 in (1e-3, 1e-2, 3e-2):
        exact = two_tail.success_cdf(s0, beta, delta, 1.0, v)
        assert abs(np.mean(S <= s0) - exact) < 5 * np.sqrt(exact * (1 - exact) / n)


def test_success_cdf_parts_add_up_and_intrinsic_limit():
    s = np.logspace(-8, -1, 8)
    args = (4.0, 0.1, 1.0, 0.2)
    total = two_tail.success_cdf(s, *args)
    parts = two_tail.success_cdf(s, *args, part="intrinsic") + two_tail.success_cdf(s, *args, part="bias")
    np.testing.assert_allclose(total, parts, rtol=1e-12)
    A = two_tail.intrinsic_constant(4.0, 0.1, 1.0)
    assert two_tail.success_cdf(1e-7, 4.0, 0.1, 1.0, 0.0) / (A * 1e-7**4) == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError, match="part"):
        two_tail.success_cdf(s, *args, part="other")
    with pytest.raises(ValueError, match="s must"):
        two_tail.success_cdf(1.5, *args)


def test_excess_equals_difference_where_representable():
    ks = np.logspace(0, 5, 11)
    for v in (0.05, 1.0):
        ex = lidlib.population_failure(ks, 3.0, 0.1, 1.0, v, excess=True)
        diff = lidlib.population_failure(ks, 3.0, 0.1, 1.0, v) - lidlib.population_failure(ks, 3.0, 0.1, 1.0)
        ok = diff > 1e-10
        np.testing.assert_allclose(ex[ok], diff[ok], rtol=1e-6)
        assert np.all(ex > 0)


def test_saddle_point_exponent_matches_the_exact_bias_tail():
    ks = np.logspace(5, 6, 11)
    for v in (0.3, 3.0):
        exact = lidlib.local_slope(ks, lidlib.population_failure(ks, 3.0, 0.1, 1.0, v, excess=True), (1e5, 1e6))
        saddle = two_tail.bias_exponent_saddle(np.sqrt(1e5 * 1e6), v, 0.1, 1.0)
        assert exact == pytest.approx(saddle, rel=0.15)
    # and it scales as v^-1/2 (Eq. 18 would give v^-1)
    g = [lidlib.local_slope(ks, lidlib.population_failure(ks, 3.0, 0.1, 1.0, v, excess=True), (1e5, 1e6)) for v in (0.1, 10.0)]
    p = np.log(g[0] / g[1]) / np.log(100.0)
    assert 0.4 < p < 0.6


def test_ridge_passk_experiment_agrees_with_exact_prediction():
    lid = model.LIDModel(d=16, alpha=1.0, beta=3.0, sigma_eta=1.0)
    ks = np.array([1.0, 3, 10, 30, 100])
    r = two_tail.ridge_passk_experiment(lid, [32, 64, 256], ks, n_test=50_000, n_seeds=2, delta=0.1, rng=1)
    z = r.z_scores()
    assert np.abs(z).max() < 5
    assert r.failure.shape == (2, 3, 5) and np.all(np.diff(r.l_gen, axis=1) < 0)


def test_window_exponents_match_direct_slopes():
    ks = np.logspace(1, 3, 9)
    vs = [0.0, 0.1, 1.0]
    got = two_tail.window_exponents(ks, (10, 1000), vs, 3.0, 0.1, 1.0)
    direct = [lidlib.local_slope(ks, lidlib.population_failure(ks, 3.0, 0.1, 1.0, v), (10, 1000)) for v in vs]
    np.testing.assert_allclose(got, direct, rtol=1e-12)
    assert got[0] > got[1] > got[2]  # more bias, flatter curve
