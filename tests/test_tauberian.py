"""Tests for the Tauberian chapter's library code (lidlib.tails, lidlib.passk and lidlib.simulate).

Oracles: adaptive quadrature (scipy.integrate.quad, nested where needed), closed forms
(Gamma integrals, geometric laws), and seeded simulation with 5-sigma tolerances.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special

from lidlib import passk, population_failure, simulate, single_trial_success, tails

DELTA, SIGMA = 0.05, 1.0
C = math.sqrt(2 / math.pi) * DELTA / SIGMA


# --------------------------------------------------------------------------- small window
@pytest.mark.parametrize("beta", [0.5, 3.0, 10.0])
def test_small_window_failure_bias_free_is_eq42(beta):
    # Eq. 42 by adaptive quadrature in log tau; the Tricomi closed form must match it
    a = beta / 2
    ks = np.array([1.0, 30.0, 1e3, 1e5])
    got = tails.small_window_failure(ks, beta, DELTA, SIGMA)
    for k, g in zip(ks, got):
        f = lambda u: math.exp(-k * C * math.exp(u / 2) + a * u - math.exp(u) - special.gammaln(a))
        lo = 2 * math.log(1e-12 / (k * C))
        ref, _ = integrate.quad(f, lo, math.log(a + 80), limit=400, epsabs=0, epsrel=1e-11)
        ref += special.gammainc(a, math.exp(lo))
        assert g == pytest.approx(ref, rel=1e-8)


def test_small_window_failure_large_argument_series_matches_hyperu():
    # the asymptotic branch of the Tricomi ratio joins SciPy's hyperu continuously
    a = 1.5
    z = np.array([40.0 * (a + 1) ** 2 * 0.999, 40.0 * (a + 1) ** 2 * 1.001])
    r = tails._hyperu_ratio(a, z)
    direct = special.hyperu(a, 0.5, z) * z**a
    np.testing.assert_allclose(r, direct, rtol=1e-10)


@pytest.mark.slowish
@pytest.mark.parametrize("form", ["exp", "power"])
def test_small_window_failure_with_bias_matches_nested_quadrature(form):
    beta, delta, sigma, v, k = 3.0, 0.1, 1.0, 0.3, 200.0
    a, c = beta / 2, math.sqrt(2 / math.pi) * delta / sigma

    def factor(s):
        return math.exp(-k * s) if form == "exp" else (1 - min(s, 1.0)) ** k

    def inner(u):
        tau = math.exp(u)
        sd = math.sqrt(v)
        g = lambda b: (
            factor(c * math.sqrt(tau) * math.exp(-b * b * tau / (2 * sigma**2))) * math.exp(-0.5 * (b / sd) ** 2)
        )
        val, _ = integrate.quad(g, 0, 12 * sd, limit=200, epsabs=0, epsrel=1e-10)
        return 2 * val / (sd * math.sqrt(2 * math.pi)) * math.exp(a * u - tau - special.gammaln(a))

    lo = 2 * math.log(1e-9 / (k * c))
    ref, _ = integrate.quad(inner, lo, math.log(a + 60), limit=300, epsabs=0, epsrel=1e-9)
    ref += special.gammainc(a, math.exp(lo))
    assert tails.small_window_failure(k, beta, delta, sigma, v, form=form) == pytest.approx(ref, rel=1e-7)


def test_small_window_success_is_the_leading_term():
    # s_sw / s - 1 = (1 - m^2) h^2 / 6 + O(h^4) for h max(1, m) -> 0
    h, tau = 1e-3, 2.0
    for m in (0.0, 0.5, 2.0, 5.0):
        bias = m * SIGMA / math.sqrt(tau)
        delta = h * SIGMA / math.sqrt(tau)
        ratio = tails.small_window_success(bias, tau, delta, SIGMA) / single_trial_success(bias, tau, delta, SIGMA)
        assert ratio - 1 == pytest.approx((1 - m * m) * h * h / 6, rel=1e-3, abs=1e-12)
    with pytest.raises(ValueError, match="tau"):
        tails.small_window_success(0.0, -1.0, DELTA, SIGMA)


# --------------------------------------------------------------------------- second order and onset
@pytest.mark.parametrize("beta", [0.5, 3.0, 8.0])
def test_second_order_ratio_against_exact_engine(beta):
    # the residual of the second-order prediction is O(k^-2) relative to the deficit O(1/k)
    ks = np.array([1e4, 1e5, 1e6])
    exact = population_failure(ks, beta, DELTA, SIGMA) / tails.bias_free_asymptote(ks, beta, DELTA, SIGMA)
    pred = tails.tauberian_ratio_second_order(ks, beta, DELTA, SIGMA)
    resid = np.abs(exact - pred) / (1 - exact)
    assert np.all(resid < 0.02) and resid[-1] < resid[0]


@pytest.mark.slowish
def test_onset_is_a_root_and_agrees_with_second_order():
    beta = 3.0
    k1 = tails.tauberian_onset(beta, DELTA, SIGMA, 0.01)
    r = lambda k: population_failure(k, beta, DELTA, SIGMA) / tails.bias_free_asymptote(k, beta, DELTA, SIGMA)
    assert abs(1 - r(k1)) == pytest.approx(0.01, rel=1e-6)
    assert abs(1 - r(0.98 * k1)) > 0.01 > abs(1 - r(1.02 * k1))
    assert tails.tauberian_onset_second_order(beta, DELTA, SIGMA, 0.01) == pytest.approx(k1, rel=0.03)
    # closed form of the quadratic: the prediction satisfies its own equation
    k2 = tails.tauberian_onset_second_order(beta, DELTA, SIGMA, 0.01)
    assert 1 - tails.tauberian_ratio_second_order(k2, beta, DELTA, SIGMA) == pytest.approx(0.01, rel=1e-12)
    assert tails.tauberian_onset(beta, DELTA, SIGMA, 0.01, bias_var=1.0, k_max=1e4) == math.inf
    with pytest.raises(ValueError, match="rel_tol"):
        tails.tauberian_onset(beta, DELTA, SIGMA, 0.0)


# --------------------------------------------------------------------------- precision laws
def test_gamma_law_reproduces_the_engine():
    ks = np.array([1.0, 10.0, 1e3, 1e6])
    for beta in (0.5, 3.0, 10.0):
        law = tails.gamma_precision(beta)
        np.testing.assert_allclose(law.failure(ks, DELTA, SIGMA), population_failure(ks, beta, DELTA, SIGMA), rtol=1e-8)
        assert law.tail_constant == pytest.approx(1 / special.gamma(beta / 2 + 1))


@pytest.mark.slowish
@pytest.mark.parametrize(
    "make",
    [
        lambda: tails.power_precision(3.0),
        lambda: tails.beta_prime_precision(3.0, 2.0),
        lambda: tails.lognormal_precision(-0.1, 1.0),
    ],
)
def test_law_failure_matches_adaptive_quadrature(make):
    law = make()
    hi = law.dist.support()[1]
    u_hi = math.log(hi) if math.isfinite(hi) else math.log(1e12)
    for k in (1.0, 100.0, 1e5):
        f = lambda u: (
            (1 - single_trial_success(0.0, math.exp(u), DELTA, SIGMA)) ** k * math.exp(law.dist.logpdf(math.exp(u)) + u)
        )
        lo = 2 * math.log(1e-10 / (k * C))
        ref, _ = integrate.quad(f, lo, u_hi, limit=1000, epsrel=1e-10, epsabs=0)
        ref += law.dist.cdf(math.exp(lo))
        assert law.failure(k, DELTA, SIGMA) == pytest.approx(ref, rel=1e-7)


def test_tail_constants_and_karamata_asymptote():
    # L0 from the closed-form CDFs, and L_inf ~ L0 Gamma(beta+1) (k c)^-beta at large k
    t = 1e-9
    for law in (tails.power_precision(3.0), tails.beta_prime_precision(3.0, 2.0), tails.gamma_precision(3.0, rate=2.0)):
        assert law.cdf(t) / t**1.5 == pytest.approx(law.tail_constant, rel=1e-5)
        assert law.failure(1e6, DELTA, SIGMA) / law.asymptote(1e6, DELTA, SIGMA) == pytest.approx(1.0, abs=1e-4)
    ln = tails.lognormal_precision(0.0, 1.0)
    assert not ln.regularly_varying and np.isnan(ln.asymptote(10.0, DELTA, SIGMA))


def test_lognormal_saddle_slope_tracks_the_local_slope():
    ln = tails.lognormal_precision(0.0, 1.0)
    ks = np.logspace(3, 7, 41)
    from lidlib.slopes import pointwise_slope

    slope = pointwise_slope(ks, ln.failure(ks, DELTA, SIGMA))
    pred = tails.lognormal_saddle_slope(ks, 0.0, 1.0, DELTA, SIGMA)
    np.testing.assert_allclose(slope[5:-5], pred[5:-5], rtol=0.03)
    assert np.all(np.diff(slope) > 0)  # no power law: the slope keeps growing


def test_law_sampling_matches_cdf():
    law = tails.beta_prime_precision(3.0, 2.0)
    x = law.sample(200_000, 3)
    for t in (0.1, 1.0, 5.0):
        p = law.cdf(t)
        assert abs(np.mean(x <= t) - p) < 5 * math.sqrt(p * (1 - p) / x.size)


# --------------------------------------------------------------------------- first success
def test_geometric_first_success_law_and_edges():
    rng = np.random.default_rng(11)
    s = np.full(400_000, 0.03)
    T = simulate.first_success_geometric(s, rng)
    assert np.all(T >= 1) and np.all(T == np.round(T))
    for k in (1, 10, 50, 200):
        p = (1 - 0.03) ** k
        assert abs(np.mean(T > k) - p) < 5 * math.sqrt(p * (1 - p) / T.size)
    edge = simulate.first_success_geometric([0.0, 1.0, 1e-300], rng)
    assert edge[0] == np.inf and edge[1] == 1.0 and 1e295 < edge[2] < np.inf
    with pytest.raises(ValueError, match="success_probs"):
        simulate.first_success_geometric([1.5], rng)
    with pytest.raises(ValueError, match="rng"):
        simulate.first_success_geometric([0.5], 3)


@pytest.mark.slowish
def test_literal_first_success_is_geometric_with_exact_success():
    rng = np.random.default_rng(12)
    n, k_max = 30_000, 200
    offset, scale = np.full(n, 0.3), np.full(n, 1.5)
    s = float(single_trial_success(0.3, 1.0, 0.05, 1.5))
    T = simulate.first_success_literal(offset, scale, 0.05, k_max, rng)
    for k in (1, 20, 100, 200):
        p = (1 - s) ** k
        assert abs(np.mean(T > k) - p) < 5 * math.sqrt(p * (1 - p) / n)
    assert np.all((T <= k_max) | np.isinf(T))


def test_survival_from_first_success_counts():
    est, se = simulate.survival_from_first_success([1, 2, 2, 5, np.inf], [1, 2, 4, 10])
    np.testing.assert_allclose(est, [0.8, 0.4, 0.4, 0.2])
    np.testing.assert_allclose(se, np.sqrt(est * (1 - est) / 5))
    with pytest.raises(ValueError, match="first_success"):
        simulate.survival_from_first_success([0.5, 2], [1])


@pytest.mark.slowish
def test_survival_check_null_is_calibrated():
    # under the null the observed max |z| exceeds the 90% null quantile about 10% of the time
    ks = np.unique(np.round(np.logspace(0, 3, 30)))
    L = np.exp(-0.01 * ks)  # a single instance type with s = 1 - e^-0.01
    rng = np.random.default_rng(5)
    s = -math.expm1(-0.01)
    exceed = 0
    reps = 300
    for _ in range(reps):
        T = simulate.first_success_geometric(np.full(2_000, s), rng)
        chk = simulate.survival_check(T, ks, L, rng, n_rep=2_000)
        exceed += chk.max_abs_z > chk.null_quantile(0.9)
    frac = exceed / reps
    assert abs(frac - 0.1) < 5 * math.sqrt(0.09 / reps)
    with pytest.raises(ValueError, match="non-increasing"):
        simulate.survival_check(T, ks, L[::-1], rng)


# --------------------------------------------------------------------------- protocols
def test_trial_geometry():
    tau, bias = np.array([0.5, 2.0]), np.array([0.1, -0.2])
    o, sc = simulate.trial_geometry(tau, bias, 2.0)
    np.testing.assert_allclose(o, bias)
    np.testing.assert_allclose(sc, 2.0 / np.sqrt(tau))
    o, sc = simulate.trial_geometry(tau, bias, 2.0, protocol="model-fixed-mean", sampler_sd=0.7)
    np.testing.assert_allclose(sc, 0.7)
    o, _ = simulate.trial_geometry(
        np.full(100_000, 4.0), np.zeros(100_000), 2.0, np.random.default_rng(0), protocol="model-calibrated-label"
    )
    assert o.std() == pytest.approx(1.0, rel=0.02)  # eta_0 ~ N(0, sigma^2 / tau) = N(0, 1)
    with pytest.raises(ValueError, match="protocol"):
        simulate.trial_geometry(tau, bias, 2.0, protocol="bogus")
    with pytest.raises(ValueError, match="sampler_sd"):
        simulate.trial_geometry(tau, bias, 2.0, protocol="model-fixed-label", rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="rng"):
        simulate.trial_geometry(tau, bias, 2.0, protocol="model-calibrated-label")


def _ref_protocol(k, beta, delta, sigma, v, label, sampler_sd):
    """Nested adaptive quadrature over log tau and the Gaussian offset."""
    a = beta / 2

    def inner(u):
        tau = math.exp(u)
        var = v + (sigma**2 / tau if label else 0.0)
        sd = math.sqrt(var)
        scale = sampler_sd if sampler_sd else sigma / math.sqrt(tau)
        s_of = lambda g: special.ndtr((delta - g) / scale) - special.ndtr((-delta - g) / scale)
        g = lambda x: (1 - s_of(x)) ** k * math.exp(-0.5 * (x / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
        # beyond A every trial fails (s < 1e-23): that Gaussian mass is added in closed form
        A = min(delta + 10 * scale, 12 * sd)
        val, _ = integrate.quad(g, 0, A, limit=300, epsabs=0, epsrel=1e-11)
        val += special.ndtr(-A / sd) if A < 12 * sd else 0.0
        return 2 * val * math.exp(a * u - tau - special.gammaln(a))

    lo = math.log(special.gammaincinv(a, 1e-13))
    val, _ = integrate.quad(inner, lo, math.log(a + 60), limit=400, epsabs=1e-13, epsrel=1e-9)
    return val + special.gammainc(a, math.exp(lo))


@pytest.mark.slowish
@pytest.mark.parametrize(
    "protocol, beta, v, sd, k",
    [
        ("model-calibrated-label", 0.6, 0.0, None, 300.0),
        ("model-calibrated-label", 3.0, 0.2, None, 50.0),
        ("model-fixed-label", 3.0, 0.0, 1.0, 1000.0),
        ("model-fixed-label", 1.0, 0.1, 0.5, 20.0),
    ],
)
def test_protocol_failure_matches_nested_quadrature(protocol, beta, v, sd, k):
    ref = _ref_protocol(k, beta, 0.1, 1.0, v, protocol.endswith("label"), sd)
    got = passk.protocol_failure(k, beta, 0.1, 1.0, v, protocol=protocol, sampler_sd=sd)
    assert got == pytest.approx(ref, rel=1e-6)


def test_protocol_failure_closed_forms():
    ks = np.array([1.0, 10.0, 100.0])
    # calibrated sampler vs the mean is the target-draw protocol
    np.testing.assert_array_equal(
        passk.protocol_failure(ks, 3.0, DELTA, SIGMA, 0.1, protocol="model-calibrated-mean"),
        population_failure(ks, 3.0, DELTA, SIGMA, 0.1),
    )
    # a tau-independent sampler against the mean, no bias: every instance has the same success
    s0 = math.erf(0.05 / (0.8 * math.sqrt(2)))
    got = passk.protocol_failure(ks, 3.0, 0.05, SIGMA, protocol="model-fixed-mean", sampler_sd=0.8)
    np.testing.assert_allclose(got, (1 - s0) ** ks, rtol=1e-12)
    # ... with a Gaussian bias it is a one-dimensional Gaussian average
    v, sd = 0.3, 0.8
    for k in ks:
        f = lambda b: (
            (1 - (special.ndtr((0.05 - b) / sd) - special.ndtr((-0.05 - b) / sd))) ** k * math.exp(-b * b / (2 * v))
        )
        ref, _ = integrate.quad(f, -12 * math.sqrt(v), 12 * math.sqrt(v), epsrel=1e-12, epsabs=0, limit=200)
        ref /= math.sqrt(2 * math.pi * v)
        assert passk.protocol_failure(
            k, 3.0, 0.05, SIGMA, v, protocol="model-fixed-mean", sampler_sd=sd
        ) == pytest.approx(ref, rel=1e-8)


def test_calibrated_label_constant_below_one():
    # beta < 1: L ~ C1 (1 - beta)^(-1/2) k^-beta (our derivation)
    beta = 0.3
    k = 1e8
    got = passk.protocol_failure(k, beta, DELTA, SIGMA, protocol="model-calibrated-label")
    assert got / tails.bias_free_asymptote(k, beta, DELTA, SIGMA) == pytest.approx((1 - beta) ** -0.5, rel=1e-4)


@pytest.mark.parametrize(
    "protocol, sd", [("target", None), ("model-calibrated-label", None), ("model-fixed-label", 1.0)]
)
def test_simulated_protocols_agree_with_exact_curves(protocol, sd):
    rng = np.random.default_rng(21)
    ks = np.array([1, 10, 100, 1000])
    n = 200_000
    T = simulate.simulate_first_success(n, 2.0, DELTA, SIGMA, rng, bias_var=0.1, protocol=protocol, sampler_sd=sd)
    est, _ = simulate.survival_from_first_success(T, ks)
    exact = passk.protocol_failure(ks, 2.0, DELTA, SIGMA, 0.1, protocol=protocol, sampler_sd=sd)
    assert np.all(np.abs(est - exact) < 5 * np.sqrt(exact * (1 - exact) / n))


@pytest.mark.slowish
def test_literal_simulation_agrees_with_engine():
    rng = np.random.default_rng(22)
    n, k_max = 20_000, 100
    T = simulate.simulate_first_success(n, 2.0, 0.2, SIGMA, rng, bias_var=0.2, method="literal", k_max=k_max)
    ks = np.array([1, 5, 20, 100])
    est, _ = simulate.survival_from_first_success(T, ks)
    exact = population_failure(ks, 2.0, 0.2, SIGMA, 0.2)
    assert np.all(np.abs(est - exact) < 5 * np.sqrt(exact * (1 - exact) / n))
    with pytest.raises(ValueError, match="k_max"):
        simulate.simulate_first_success(10, 2.0, 0.2, SIGMA, rng, method="literal")
    with pytest.raises(ValueError, match="method"):
        simulate.simulate_first_success(10, 2.0, 0.2, SIGMA, rng, method="magic")


def test_simulation_is_reproducible():
    a = simulate.simulate_first_success(
        1000, 3.0, DELTA, SIGMA, np.random.default_rng(7), protocol="model-calibrated-label"
    )
    b = simulate.simulate_first_success(
        1000, 3.0, DELTA, SIGMA, np.random.default_rng(7), protocol="model-calibrated-label"
    )
    np.testing.assert_array_equal(a, b)
