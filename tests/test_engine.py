"""The exact engine (population_failure), the Tauberian constant, slopes and Eq. 20 fits."""

import math

import numpy as np
import pytest
from scipy import integrate, special

import lidlib
from lidlib import slopes, tails


def _s_direct(b, tau, delta, sigma):
    """Independent single-trial success: plain difference of normal CDFs (fine for moderate values)."""
    sd = sigma / math.sqrt(tau)
    return special.ndtr((delta - b) / sd) - special.ndtr((-delta - b) / sd)


def _ref_bias_free(k, beta, delta, sigma):
    a = beta / 2
    f = lambda u: (
        (1 - _s_direct(0.0, math.exp(u), delta, sigma)) ** k * math.exp(a * u - math.exp(u) - special.gammaln(a))
    )
    lo = 2 * math.log(1e-9 / (k * delta))
    val, _ = integrate.quad(f, lo, math.log(a + 60), limit=500, epsabs=0, epsrel=1e-10)
    return val + special.gammainc(a, math.exp(lo))


@pytest.mark.parametrize("beta", [0.5, 3.0, 10.0])
@pytest.mark.parametrize("k", [1, 10, 1000, 10**6])
def test_bias_free_matches_adaptive_quadrature(beta, k):
    ref = _ref_bias_free(k, beta, 0.05, 1.0)
    assert lidlib.population_failure(k, beta, 0.05, 1.0) == pytest.approx(ref, rel=1e-6)


def _ref_with_bias(k, beta, delta, sigma, v):
    a = beta / 2

    def inner(u):
        tau = math.exp(u)
        sd = math.sqrt(v)
        norm = 1 / (sd * math.sqrt(2 * math.pi))
        g = lambda b: (1 - _s_direct(b, tau, delta, sigma)) ** k * norm * math.exp(-0.5 * (b / sd) ** 2)
        val, _ = integrate.quad(g, 0, 12 * sd, limit=200, epsabs=0, epsrel=1e-9, points=[sigma / math.sqrt(tau)])
        return 2 * val * math.exp(a * u - tau - special.gammaln(a))

    lo = 2 * math.log(1e-9 / (k * delta))
    val, _ = integrate.quad(inner, lo, math.log(a + 60), limit=300, epsabs=0, epsrel=1e-8)
    return val + special.gammainc(a, math.exp(lo))


@pytest.mark.slowish
@pytest.mark.parametrize("beta, v, k", [(3.0, 0.05, 1), (3.0, 0.05, 300), (6.0, 0.5, 50), (1.0, 2.0, 1000)])
def test_biased_matches_nested_quadrature(beta, v, k):
    ref = _ref_with_bias(k, beta, 0.1, 1.0, v)
    assert lidlib.population_failure(k, beta, 0.1, 1.0, bias_var=v) == pytest.approx(ref, rel=1e-5)


@pytest.mark.slowish
@pytest.mark.parametrize("beta, v", [(2.5, 0.0), (5.0, 0.3)])
def test_agrees_with_monte_carlo_over_instances(beta, v):
    rng = np.random.default_rng(4)
    n = 400_000
    tau = rng.gamma(beta / 2, 1.0, n)
    b = rng.normal(0, math.sqrt(v), n) if v else np.zeros(n)
    s = lidlib.single_trial_success(b, tau, 0.05, 1.0)
    ks = np.array([1, 10, 100, 1000, 10000])
    per = np.exp(np.outer(np.log1p(-s), ks))  # (n, k): exact per-instance failure
    mc, se = per.mean(0), per.std(0) / math.sqrt(n)
    exact = lidlib.population_failure(ks, beta, 0.05, 1.0, bias_var=v)
    assert np.all(np.abs(mc - exact) < 5 * se)


@pytest.mark.parametrize("beta", [0.5, 3.0, 8.0])
def test_tauberian_ratio_tends_to_one(beta):
    k = np.array([1e6, 1e7, 1e8])
    ratio = lidlib.population_failure(k, beta, 0.05, 1.0) / tails.bias_free_asymptote(k, beta, 0.05, 1.0)
    assert np.all(np.diff(np.abs(1 - ratio)) < 0)  # approaches 1 monotonically here
    assert abs(1 - ratio[-1]) < 1e-3


def test_bias_free_constant_against_the_laplace_integral():
    # Eq. 43: (1/Gamma(b/2)) int exp(-k c sqrt(t)) t^(b/2-1) dt = C1 k^-b exactly
    beta, delta, sigma, k = 3.7, 0.2, 0.5, 50.0
    c = math.sqrt(2 / math.pi) * delta / sigma
    val, _ = integrate.quad(lambda t: math.exp(-k * c * math.sqrt(t)) * t ** (beta / 2 - 1), 0, np.inf, limit=400)
    assert val / special.gamma(beta / 2) == pytest.approx(
        lidlib.bias_free_constant(beta, delta, sigma) * k**-beta, rel=1e-7
    )


@pytest.mark.slowish
def test_engine_is_a_failure_curve():
    ks = np.unique(np.logspace(0, 6, 50).round())
    for v in (0.0, 0.01, 10.0):
        L = lidlib.population_failure(ks, 2.0, 0.05, 1.0, bias_var=v)
        assert np.all((L > 0) & (L <= 1)) and np.all(np.diff(L) <= 0)
    # more bias, more failure
    assert np.all(
        lidlib.population_failure(ks, 2.0, 0.05, 1.0, 1.0) > lidlib.population_failure(ks, 2.0, 0.05, 1.0, 0.01)
    )


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(ks=0.5), "ks"),
        (dict(beta=0.0), "beta"),
        (dict(delta=-1.0), "delta"),
        (dict(sigma_eta=float("nan")), "sigma_eta"),
        (dict(bias_var=-0.1), "bias_var"),
    ],
)
def test_engine_bad_input(kwargs, name):
    args = dict(ks=[1, 10], beta=3.0, delta=0.05, sigma_eta=1.0, bias_var=0.0) | kwargs
    with pytest.raises(ValueError, match=name):
        lidlib.population_failure(**args)


def test_local_slope_of_a_power_law_and_windows():
    k = np.logspace(0, 4, 41)
    L = 3.0 * k**-1.7
    assert lidlib.local_slope(k, L, (10, 1000)) == pytest.approx(1.7, rel=1e-12)
    np.testing.assert_allclose(lidlib.local_slope(k, L, [(1, 10), (100, 1e4)]), [1.7, 1.7])
    np.testing.assert_allclose(slopes.pointwise_slope(k, L), 1.7)
    with pytest.raises(ValueError, match="window"):
        lidlib.local_slope(k, L, (2000, 2100))
    with pytest.raises(ValueError, match="values"):
        lidlib.local_slope(k, -L, (10, 100))
    with pytest.raises(ValueError, match="increasing"):
        lidlib.local_slope(k[::-1], L, (10, 100))


def test_local_slope_of_a_stack_of_curves():
    """values of shape (..., m): one slope per curve, checked against known exponents and
    the one-curve fit (np.polyfit), which is an independent computation of the same slope."""
    ks = np.geomspace(1, 1e4, 30)
    L = np.array([ks**-0.3, 2 * ks**-0.7, 0.5 * ks**-1.1 * (1 + 1 / ks)])
    W = np.array([(1, 10), (100, 1e4)])
    s = lidlib.local_slope(ks, L, W)
    assert s.shape == (3, 2)
    np.testing.assert_allclose(s[:2], [[0.3, 0.3], [0.7, 0.7]], atol=1e-12)
    for i in range(3):
        np.testing.assert_allclose(s[i], lidlib.local_slope(ks, L[i], W), rtol=1e-12)
    one = lidlib.local_slope(ks, L, (100, 1e4))  # one window: no window axis
    assert one.shape == (3,)
    np.testing.assert_allclose(one, s[:, 1], rtol=1e-14)
    boot = np.stack([L, 3 * L])  # (replicates, curves, m)
    np.testing.assert_allclose(lidlib.local_slope(ks, boot, W), np.stack([s, s]), rtol=1e-12)
    with pytest.raises(ValueError, match="values"):
        lidlib.local_slope(ks, L[:, :-1], W)
    with pytest.raises(ValueError, match="values"):
        lidlib.local_slope(ks, -L, W)
    with pytest.raises(ValueError, match="window"):
        lidlib.local_slope(ks, L, (2000, 2100))


def test_fit_saturating_recovers_parameters_from_noisy_data():
    rng = np.random.default_rng(0)
    N = np.logspace(1.5, 5, 25)
    truth = (4.0, 2.5, 0.02, 0.8)
    y = slopes.saturating(N, *truth) + rng.normal(0, 0.01, N.size)
    fit = lidlib.fit_saturating(N, y)
    b, d, c, nu = fit
    assert abs(b - 4.0) < 4 * fit.beta_se and fit.beta_se < 0.05
    assert d == pytest.approx(2.5, rel=0.1) and nu == pytest.approx(0.8, rel=0.15)
    np.testing.assert_allclose(fit(N), slopes.saturating(N, *truth), atol=0.02)
    with pytest.raises(ValueError, match="four"):
        lidlib.fit_saturating([1, 2, 3], [1, 2, 3])
