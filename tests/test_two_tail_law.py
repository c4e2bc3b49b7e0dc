"""Tests of the two-tail-law chapter's experiments (lidlib.experiments.two_tail_law).

Independent checks: closed forms (the saddle-point exponent, q/(q+1)), a second route
to the same number (the engine's excess failure against the law quadrature, totals
against the instance-wise excess), hand-built power laws for the window slopes, hand
cases, and a planted defect for the Monte Carlo check."""

import numpy as np
import pytest

from lidlib import population_failure, single_trial_success, tails, two_tail
from lidlib.experiments import two_tail_law as ttl
from lidlib.slopes import local_slope

BETA, SIGMA, DELTA = 3.0, 1.0, 0.1


def test_success_law_mc_z_is_a_literal_recount_and_small():
    z = ttl.success_law_mc_z((1e-2, 1e-1), BETA, DELTA, SIGMA, (0.0, 1.0), 20000, np.random.default_rng(3))
    g, ref = np.random.default_rng(3), 0.0
    for v in (0.0, 1.0):
        tau, B = g.gamma(BETA / 2, 1.0, 20000), g.normal(0.0, np.sqrt(v) * SIGMA, 20000)
        S = single_trial_success(B, tau, DELTA, SIGMA)
        for s0 in (1e-2, 1e-1):
            p = two_tail.success_cdf(s0, BETA, DELTA, SIGMA, v * SIGMA**2)
            ref = max(ref, abs(np.mean(S <= s0) - p) / np.sqrt(p * (1 - p) / 20000))
    assert z == pytest.approx(ref, rel=1e-12)
    assert z < 4.5


def test_success_law_mc_z_catches_a_wrong_law(monkeypatch):
    honest = two_tail.success_cdf
    monkeypatch.setattr(two_tail, "success_cdf", lambda s, *a, **k: 1.1 * honest(s, *a, **k))
    assert ttl.success_law_mc_z((1e-1,), BETA, DELTA, SIGMA, (1.0,), 20000, np.random.default_rng(3)) > 5


def test_bias_local_exponent_follows_the_saddle_point_deep_in_the_tail():
    # ln P_bias ~ -2 sigma sqrt(ln(1/s) / v): exponent sigma / sqrt(v ln(1/s)), up to O(1/ln(1/s))
    v = 0.1
    for s0 in (1e-30, 1e-60):
        ell = np.log(1 / s0)
        e = ttl.bias_local_exponent(s0, BETA, DELTA, SIGMA, v)
        assert e == pytest.approx(SIGMA / np.sqrt(v * ell), rel=3 / np.sqrt(ell))
    # and it is the slope of the bias part, checked over a wider bracket
    lo, hi = two_tail.success_cdf(np.array([1e-20 / 1.5, 1e-20 * 1.5]), BETA, DELTA, SIGMA, v, part="bias")
    assert ttl.bias_local_exponent(1e-20, BETA, DELTA, SIGMA, v) == pytest.approx(
        np.log(hi / lo) / np.log(1.5**2), rel=1e-3
    )


def test_gamma_scaling_matches_the_engine_and_the_closed_form_saddle():
    wins, vs = [(1e3, 1e4), (1e5, 1e6)], np.array([0.1, 0.3, 1.0])
    gs = ttl.gamma_scaling(wins, vs, BETA, DELTA, SIGMA)
    ks = np.logspace(3, 6, 31)
    by_hand = local_slope(ks, population_failure(ks, BETA, DELTA, SIGMA, 0.3, excess=True), wins[1])
    assert gs.gamma[1, 1] == pytest.approx(by_hand, rel=1e-12)
    c = tails.c_delta(DELTA, SIGMA)
    for i, v in enumerate(vs):
        for j, w in enumerate(wins):
            assert float(gs.saddle[i, j]) == pytest.approx(SIGMA / np.sqrt(v * np.log(np.sqrt(w[0] * w[1]) * c)))
    for j in range(2):
        assert gs.p[j] == pytest.approx(-np.polyfit(np.log(vs), np.log(gs.gamma[:, j]), 1)[0], rel=1e-10)
    assert 0.3 < gs.p[-1] < 0.7  # p = 1/2 (the book's finding), not 1 (Eq. 18)


def test_upper_tail_study_gamma_law_agrees_with_the_engine():
    window, vs = (1e4, 1e5), np.array([0.1, 0.3, 1.0])
    rows = ttl.upper_tail_study({"g": (tails.gamma_precision(BETA), 1.0, None)}, window, vs, BETA, DELTA, SIGMA)
    ks = np.logspace(4, 5, 7)
    engine = [local_slope(ks, population_failure(ks, BETA, DELTA, SIGMA, v, excess=True), window) for v in vs]
    np.testing.assert_allclose(rows["g"]["gamma"], engine, rtol=1e-3)  # two quadratures of the same integral
    assert rows["g"]["p_pred"] == 0.5
    corr = ttl.correlated_bias_study([0.0, 1.0], window, vs, BETA, DELTA, SIGMA)
    np.testing.assert_allclose(corr[0.0]["gamma"], rows["g"]["gamma"], rtol=1e-12)
    assert corr[1.0]["p_pred"] == pytest.approx(1 / 3)
    assert corr[1.0]["p"] < corr[0.0]["p"]  # larger errors on easy instances lower p


class _FakeRidge:
    """A RidgePassk stand-in with exact power-law curves."""

    def __init__(self, prefactors, exponents):
        self.ks = np.geomspace(1, 1e4, 41)
        self.Ns = np.arange(exponents.shape[1])
        self.failure = prefactors[..., None] * self.ks[None, None, :] ** -exponents[..., None]
        self.mean_failure = self.failure.mean(axis=0)
        self.mean_predicted = self.failure[0]


def test_window_slopes_on_exact_power_laws():
    b = np.array([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]])
    fake = _FakeRidge(np.array([[1.0, 1.0], [2.0, 0.5], [0.3, 3.0]]), b)
    mc, th, se = ttl.window_slopes(fake, (10.0, 1000.0))
    np.testing.assert_allclose(mc, [1.0, 2.0], rtol=1e-10)
    np.testing.assert_allclose(th, [1.0, 2.0], rtol=1e-10)
    np.testing.assert_allclose(se, 0.0, atol=1e-10)
    b2 = np.array([[1.0, 2.0], [1.5, 2.0], [2.0, 3.0]])
    _, th2, se2 = ttl.window_slopes(_FakeRidge(np.ones((3, 2)), b2), (10.0, 1000.0))
    np.testing.assert_allclose(se2, b2.std(axis=0, ddof=1) / np.sqrt(3), rtol=1e-10)
    np.testing.assert_allclose(th2, b2[0], rtol=1e-10)


def test_crossover_map_against_totals():
    d, noise = 16, 2.0
    N = np.array([40, 200])
    cm = ttl.crossover_map(N, d, noise, np.logspace(0, 6, 7), (1e2, 1e3), BETA, DELTA, SIGMA)
    v = noise * d / (N - d - 1.0)
    np.testing.assert_allclose(cm.bias_var, v)
    assert np.all((cm.share >= 0) & (cm.share <= 1))
    for i, vi in enumerate(v):
        tot = population_failure(np.array([1e2, 1e3]), BETA, DELTA, SIGMA, vi)
        free = population_failure(np.array([1e2, 1e3]), BETA, DELTA, SIGMA)
        np.testing.assert_allclose(cm.rel_excess[i], tot / free - 1, rtol=1e-6)
    assert np.all(np.diff(cm.share, axis=0) <= 1e-12)  # more data, smaller share


def test_plateau_vs_delta_rows_by_hand():
    ks = np.logspace(np.log10(20), np.log10(500), 30)
    vb = np.array([1.0, 0.1, 0.01])
    rows = ttl.plateau_vs_delta(ks, (20, 500), vb, BETA, [0.1, 0.3], SIGMA)
    assert rows.shape == (2, 5)
    np.testing.assert_array_equal(rows[:, 0], [0.1, 0.3])
    for r in rows:
        dl = r[0] * SIGMA
        assert r[1] == pytest.approx(local_slope(ks, population_failure(ks, BETA, dl, SIGMA), (20, 500)), rel=1e-10)
        assert r[3] == pytest.approx(tails.tauberian_onset(BETA, dl, SIGMA))
        assert r[2] >= 0
        assert r[4] == pytest.approx(BETA, rel=0.02)  # beyond the onset the plateau is beta


def test_first_settled_hand_cases():
    assert ttl.first_settled([0.0, 5.0, 1.0, 1.005, 2.0, 1.0, 0.995], 1.0) == 5
    assert ttl.first_settled([1.0, 1.0], 1.0) == 0
    assert ttl.first_settled([3.0, 1.0, 1.02], 1.0, rel=0.05) == 1
