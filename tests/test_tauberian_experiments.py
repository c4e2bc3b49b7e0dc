"""Tests of lidlib.experiments.tauberian against closed forms, hand-computed cases and
direct simulation (the Tauberian chapter's orchestration)."""

import math

import numpy as np
import pytest
from scipy import special

from lidlib import population_failure, simulate, tails
from lidlib.experiments import tauberian as tb

DELTA, SIGMA = 0.05, 1.0
C = math.sqrt(2 / math.pi) * DELTA / SIGMA


@pytest.mark.parametrize("beta", [0.5, 3.0])
def test_eq43_quadrature_is_gamma_integral(beta):
    # Eq. 44-45: the integral is 2 Gamma(beta) / (Gamma(beta/2) (k c)^beta), by hand
    for k in (10.0, 1e4):
        exact = 2 * special.gamma(beta) / (special.gamma(beta / 2) * (k * C) ** beta)
        assert tb.eq43_quadrature(k, beta, C) == pytest.approx(exact, rel=1e-9)


def test_eq42_quadrature_limits():
    # k -> 0: the integrand is the Gamma density, integral one; large k: Eq. 43 times (1 - O((kc)^-2))
    assert tb.eq42_quadrature(1e-9, 3.0, C) == pytest.approx(1.0, rel=1e-6)
    k = 1e6
    assert tb.eq42_quadrature(k, 3.0, C) == pytest.approx(tb.eq43_quadrature(k, 3.0, C), rel=1e-6)
    assert tb.eq42_quadrature(k, 3.0, C) < tb.eq43_quadrature(k, 3.0, C)  # e^-tau < 1


def test_ratio_diagnostics_on_synthetic_curves():
    ks = np.logspace(0, 7, 281)
    beta = 2.5
    ks = ks[ks >= 10]
    ratio = {beta: 1 - 3.0 / ks}  # deficit exactly 3/k
    failure = {beta: 7.0 * ks**-beta * ratio[beta]}
    second = {beta: 1 - 3.0 / ks + 0.1 * (3.0 / ks)}  # leaves 10% of the deficit unexplained
    d = tb.ratio_diagnostics(ks, failure, ratio, second)
    assert d.rate[beta] == pytest.approx(1.0, abs=1e-9)
    assert d.second_order_residual[beta] == pytest.approx(0.1, rel=1e-6)
    assert d.ratio_far[beta] == pytest.approx(1 - 3.0 / ks[np.searchsorted(ks, 1e6)])
    assert d.slope[beta] == pytest.approx(beta, abs=1e-3)


def test_instance_error_map_small_window_expansion():
    # for h m << 1: s_sw / s - 1 ~ (1 - m^2) h^2 / 6
    h, m = np.array([1e-3, 1e-2]), np.array([0.1, 0.5])
    err = tb.instance_error_map(h, m)
    H, M = np.meshgrid(h, m)
    np.testing.assert_allclose(err, (1 - M**2) * H**2 / 6, rtol=0.02)
    # far in the bias tail the ratio is hm / sinh(hm), even where s underflows
    far = tb.instance_error_map([0.1], [60.0])[0, 0]
    assert far == pytest.approx(6.0 / math.sinh(6.0) - 1, rel=1e-3)


def test_population_error_map_against_engine():
    d_grid, sb_grid = np.array([0.01, 0.3]), np.array([0.05, 1.0])
    e_pow, e_exp = tb.population_error_map(d_grid, sb_grid, 100.0, 3.0)  # rows: bias sd, columns: window
    assert e_pow.shape == (2, 2)
    ex = population_failure(100.0, 3.0, 0.3, 1.0, 1.0)
    sw = tails.small_window_failure(100.0, 3.0, 0.3, 1.0, 1.0)
    assert e_exp[1, 1] == pytest.approx(sw / ex - 1, rel=1e-12)
    assert abs(e_pow[0, 0]) < 1e-3  # narrow window, small bias: Eq. 16 is accurate


def test_widest_window_hand_case():
    grid = np.array([0.01, 0.1, 1.0])
    err = np.array([[1e-4, 1e-3, 0.2], [1e-4, 5e-2, 0.3]])
    assert tb.widest_window(err, grid, 1e-2) == 0.01
    assert tb.widest_window(err, grid, 0.1) == 0.1
    assert tb.widest_window(err, grid, 5e-2) == 0.1  # the level itself is accepted
    assert tb.widest_window(err, grid, 1.0) == 1.0
    assert math.isnan(tb.widest_window(err, grid, 1e-5))


def test_pooled_survival_test_takes_worst_curve():
    rng = np.random.default_rng(0)
    ks = np.arange(1.0, 50.0)
    exact = 0.9**ks
    checks = [
        simulate.survival_check(simulate.first_success_geometric(np.full(5000, 0.1), r), ks, exact, rng, n_rep=2000)
        for r in rng.spawn(2)
    ]
    t = tb.pooled_survival_test(checks, 0.999)
    assert t.max_abs_z == max(c.max_abs_z for c in checks)
    assert t.tolerance >= max(c.null_quantile(0.999) for c in checks) - 1e-12  # the max of the nulls is larger
    assert t.passed and 0 < t.p_value <= 1  # correct curves
    f = t.claim_fields()
    assert f["measured"] == t.max_abs_z and f["tolerance"] == t.tolerance and "99.9%" in f["fails_if"]
    wrong = simulate.survival_check(
        simulate.first_success_geometric(np.full(5000, 0.1), rng), ks, 0.88**ks, rng, n_rep=2000
    )
    assert not tb.pooled_survival_test([wrong], 0.999).passed  # a wrong curve is caught


def test_law_monte_carlo_matches_engine():
    rng = np.random.default_rng(1)
    laws = [tails.gamma_precision(3.0), tails.power_precision(3.0)]
    ks = np.unique(np.round(np.logspace(0, 4, 30)))
    exact = {law.name: law.failure(ks, DELTA, SIGMA) for law in laws}
    out = tb.law_monte_carlo(
        laws, ks, exact, 20_000, DELTA, SIGMA, rng, np.random.default_rng(2), min_expected=20, n_rep=2000
    )
    assert set(out) == set(exact)
    assert tb.pooled_survival_test(list(out.values()), 0.999).passed


def test_protocol_experiment_and_slopes():
    rows = [("target", None, 0.0), ("model-calibrated-mean", None, 0.0)]
    ks = np.unique(np.round(np.logspace(0, 6, 61)))
    curves, checks = tb.protocol_experiment(
        [3.0],
        rows,
        ks,
        20_000,
        DELTA,
        SIGMA,
        np.random.default_rng(0),
        np.random.default_rng(1),
        min_expected=20,
        n_rep=1000,
    )
    # the calibrated sampler against the mean is the target protocol (Sec. 4.2 remark)
    np.testing.assert_allclose(curves[(3.0, "model-calibrated-mean", 0.0)], curves[(3.0, "target", 0.0)], rtol=1e-10)
    assert tb.pooled_survival_test(list(checks.values()), 0.999).passed
    sl = tb.protocol_slopes(curves, ks, DELTA, SIGMA)
    s1, s2, ratio = sl[(3.0, "target", 0.0)]
    assert s2 == pytest.approx(3.0, abs=0.01)  # Eq. 15 on [1e5, 1e6]
    assert ratio == pytest.approx(1.0, abs=1e-3)


def test_literal_vs_geometric_small():
    sim, timing = tb.literal_vs_geometric(
        [(3.0, 0.0)], DELTA, SIGMA, 2000, 50, 20_000, *np.random.default_rng(0).spawn(3), min_expected=20, n_rep=1000
    )
    out = sim[(3.0, 0.0)]
    assert set(out) == {"literal", "geometric"}
    assert out["literal"].n == 2000 and out["geometric"].n == 20_000
    assert out["literal"].ks.max() <= 50
    assert all(tb.pooled_survival_test([o], 0.999).passed for o in out.values())
    assert timing["literal"] > 0 and timing["geometric"] > 0
