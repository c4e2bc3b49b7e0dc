"""lidlib.experiments.simple_model: the predecessor chapter's orchestration, against independent checks."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from lidlib.experiments import simple_model as sim


def _beta_coverage(k, a, b, A=1.0):
    """Coverage of the Beta model straight from scipy's Beta function (Eq. 8)."""
    return A * (1.0 - np.exp(special.betaln(a + k, b) - special.betaln(a, b)))


def test_beta_moment_monte_carlo_matches_closed_form():
    ks = [1.0, 10.0, 100.0]
    mc = sim.beta_moment_monte_carlo(3.0, 0.35, 200_000, ks, np.random.default_rng(2))
    np.testing.assert_allclose(mc["exact"], 1 - _beta_coverage(np.array(ks), 3.0, 0.35), rtol=1e-12)
    assert np.abs(mc["z"]).max() < 4.5
    # a wrong law is caught: the same simulation against b = 0.45 is many standard errors off
    wrong = (mc["unsolved"] - (1 - _beta_coverage(np.array(ks), 3.0, 0.45))) / np.sqrt(mc["exact"] / 200_000)
    assert np.abs(wrong).max() > 10


def test_digitized_curves_sorted_and_clipped():
    curves = sim.digitized_curves(["pythia28B", "llama8BpassN"])
    for k, c in curves.values():
        assert np.all(np.diff(k) >= 0) and k.min() >= 1.0
        assert np.all((c >= 0) & (c <= 1)) and k.size == c.size


def test_fit_objectives_recover_an_exact_beta_curve():
    k = np.unique(np.round(np.geomspace(1, 10_000, 30)))
    c = _beta_coverage(k, 4.0, 0.3)
    fits = sim.fit_objectives(k, c, 100)
    assert list(fits) == ["log failure, A free", "coverage, A free", "log failure, A = 1", "log failure, k <= 100"]
    for f in fits.values():
        assert f.params["b"] == pytest.approx(0.3, abs=2e-3)
    with pytest.raises(ValueError, match="fewer than 4"):
        sim.fit_objectives(k, c, 2)


def test_extrapolation_errors_exact_curve_and_wrong_law():
    k = np.unique(np.round(np.geomspace(1, 10_000, 30)))
    e = sim.extrapolation_errors(k, _beta_coverage(k, 4.0, 0.3), 100)
    assert np.all(e["k"] > 100) and e["k"].size == np.sum(k > 100)
    assert np.abs(e["beta"]).max() < 2e-3  # the right law forecasts an exact curve
    assert np.abs(e["effective_k"]).max() > 10 * np.abs(e["beta"]).max()  # a stretched exponential cannot
    with pytest.raises(ValueError, match="beyond"):
        sim.extrapolation_errors(k, _beta_coverage(k, 4.0, 0.3), 1e5)


def test_laplace_transform_error_small_for_a_closed_form():
    # a = 2, b = 1: E[p^k] = 2 / (k + 2); the function compares quadrature with the Beta moment
    assert sim.laplace_transform_error(2.0, 1.0, [1.0, 10.0, 1e3]) < 1e-8
    assert sim.laplace_transform_error(5.0, 0.3, [1.0, 100.0, 1e4]) < 1e-6


def test_lid_beta_bridge_constant_and_tail():
    ks = np.logspace(0, 7, 57)
    out = sim.lid_beta_bridge([0.5, 2.0], 0.1, ks, (1e6, 1e7))
    for beta, r in out.items():
        assert r["C_beta"] == pytest.approx(r["C1"], rel=1e-8)
        assert r["slope_lid"] == pytest.approx(beta, abs=0.02)
        assert r["slope_beta"] == pytest.approx(beta, abs=0.02)
        # the Beta law with the matched a has Gamma(b)/B(a, b) = C1 (scipy, independently)
        assert np.exp(special.gammaln(beta) - special.betaln(r["a"], beta)) == pytest.approx(r["C1"], rel=1e-8)


def test_spectrum_power_law_exact_and_noisy():
    i = np.arange(1, 201)
    kappa, se, r2 = sim.spectrum_power_law(3.0 * i**-0.7, 2, 100)
    assert kappa == pytest.approx(0.7, abs=1e-10) and r2 == pytest.approx(1.0, abs=1e-12)
    noisy = np.sort(3.0 * i**-0.7 * np.exp(0.3 * np.random.default_rng(0).standard_normal(200)))[::-1]
    assert sim.spectrum_power_law(noisy, 2, 100)[2] < 0.999


def test_split_half_independence_accepts_iid_and_rejects_drift():
    g = np.random.default_rng(4)
    n, K = 300, 256
    difficulty = g.uniform(0.2, 0.8, size=(n, 1))
    iid = difficulty + 0.3 * g.standard_normal((n, K))
    ok = sim.split_half_independence(iid, [0.3, 0.5])
    assert ok["worst_z"] < ok["z_crit"] and ok["half"] == K // 2 and ok["n_cmp"] == 2 * ok["ks"].size
    drift = iid + np.linspace(-0.3, 0.3, K)[None, :]  # later attempts worse: p_i drifts
    bad = sim.split_half_independence(drift, [0.3, 0.5])
    assert bad["worst_z"] > bad["z_crit"]


class _ToyVAE:
    """Encoder returns the first two pixels as mu and log var 0; decoder repeats z."""

    def encode(self, x):
        return x[:, :2].copy(), np.zeros((x.shape[0], 2), np.float32)

    def decode(self, z):
        return np.repeat(z, 2, axis=1)


def test_example_attempts_shapes_and_errors():
    x = np.array([[1.0, 2.0, 1.0, 2.0], [0.5, 0.5, 0.5, 0.5]])
    recs, err = sim.example_attempts(_ToyVAE(), x, 3, 0.0, np.random.default_rng(0))
    assert recs.shape == (3, 2, 4) and err.shape == (3, 2)
    # at temperature 0 the reconstruction is [x0, x0, x1, x1]
    expected = [np.linalg.norm(np.repeat(x[r, :2], 2) - x[r]) / np.linalg.norm(x[r]) for r in range(2)]
    np.testing.assert_allclose(err, np.tile(expected, (3, 1)), rtol=1e-6)
