"""The numerical range of the contract: k up to 1e8, success probabilities down to
1e-300, beta from 0.2 to 20.  Every value is finite and agrees with a 50-digit
mpmath reference."""

from __future__ import annotations

import itertools

import mpmath as mp
import numpy as np
import pytest

import lidlib

mp.mp.dps = 50
KS = [1.0, 10.0, 1e3, 1e5, 1e8]
SS = [1e-300, 1e-200, 1e-100, 1e-30, 1e-12, 1e-4, 0.3, 0.999999]
BETAS = [0.2, 0.5, 1.0, 3.0, 8.0, 20.0]


@pytest.mark.parametrize("s", SS)
def test_failure_curve_single_instance_against_mpmath(s):
    got = lidlib.failure_curve([s], KS)
    ref = [float(mp.power(1 - mp.mpf(s), k)) for k in KS]
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=0)


def test_failure_curve_mixture_of_extremes_against_mpmath():
    s = np.array(SS)
    got = lidlib.failure_curve(s, KS)
    ref = [float(sum(mp.power(1 - mp.mpf(x), k) for x in SS) / len(SS)) for k in KS]
    np.testing.assert_allclose(got, ref, rtol=1e-12)


@pytest.mark.parametrize("a, b", list(itertools.product(BETAS, BETAS)))
def test_beta_model_failure_against_mpmath(a, b):
    got = lidlib.beta_model_failure(KS, a, b)
    assert np.all(np.isfinite(got)) and np.all((got >= 0) & (got <= 1))
    # E[p^k] for a failure probability p ~ Beta(a, b) is B(a + k, b) / B(a, b) (Eq. 8-9)
    ref = [float(mp.beta(a + k, b) / mp.beta(a, b)) for k in KS]
    np.testing.assert_allclose(got, ref, rtol=1e-9)


@pytest.mark.parametrize(
    "n, c, k",
    [
        (10**8, 1, 10**7),
        (10**8, 3, 10**8 - 5),
        (10**8, 10**4, 10**3),
        (10**6, 999_000, 500),
        (10**8, 0, 10**8),
        (10**4, 1, 1),
    ],
)
def test_pass_at_k_unbiased_large_n_against_mpmath(n, c, k):
    got = lidlib.pass_at_k_unbiased(n, c, k)
    ref = 1 - mp.binomial(n - c, k) / mp.binomial(n, k) if n - c >= k else mp.mpf(1)
    assert np.isfinite(got)
    assert got == pytest.approx(float(ref), rel=1e-10, abs=1e-15)


def _mp_bias_free(k, beta, delta, sigma):
    """E_tau[(1 - erf(delta sqrt(tau / 2) / sigma))^k], tau ~ Gamma(beta/2, 1), by mpmath
    quadrature in u = log tau with break points around where the integrand lives."""
    a = mp.mpf(beta) / 2
    c = mp.mpf(delta) / (mp.sqrt(2) * sigma)
    lg = mp.loggamma(a)

    def f(u):
        t = mp.e**u
        s = mp.erf(c * mp.sqrt(t))
        return mp.e ** (k * mp.log1p(-s) + a * u - t - lg)

    # at large k the integrand peaks where a u - k (2c / sqrt(pi)) e^(u/2) is largest; at
    # small k, where the Gamma weight does (tau ~ a).  Dense break points around both.
    u_peak = float(2 * mp.log(2 * a / (k * 2 * c / mp.sqrt(mp.pi))))
    u_gamma = float(mp.log(a))
    pts = {-800.0, 80.0}
    for centre in (u_peak, u_gamma):
        pts.update(centre + np.linspace(-12, 12, 25))
    return mp.quad(f, sorted(p for p in pts if -800.0 <= p <= 80.0))


@pytest.mark.slowish
@pytest.mark.parametrize("beta", BETAS)
def test_population_failure_bias_free_against_mpmath(beta):
    delta, sigma = 0.05, 1.0
    ks = [1.0, 1e2, 1e4, 1e6, 1e8]
    got = lidlib.population_failure(ks, beta, delta, sigma)
    assert np.all(np.isfinite(got)) and np.all((got > 0) & (got <= 1))
    ref = np.array([float(_mp_bias_free(k, beta, delta, sigma)) for k in ks])
    np.testing.assert_allclose(got, ref, rtol=1e-5)


@pytest.mark.parametrize("beta", BETAS)
def test_bias_free_constant_finite_against_mpmath(beta):
    delta, sigma = 0.05, 1.0
    c = mp.sqrt(2 / mp.pi) * delta / sigma
    ref = 2 * mp.gamma(beta) / (mp.gamma(mp.mpf(beta) / 2) * c**beta)
    got = lidlib.bias_free_constant(beta, delta, sigma)
    assert np.isfinite(got)
    assert got == pytest.approx(float(ref), rel=1e-12)


@pytest.mark.parametrize("beta", [0.2, 20.0])
def test_population_failure_with_bias_finite_at_the_extremes(beta):
    ks = np.geomspace(1, 1e8, 12)
    got = lidlib.population_failure(ks, beta, 0.05, 1.0, bias_var=0.01)
    assert np.all(np.isfinite(got)) and np.all((got >= 0) & (got <= 1))
    assert np.all(np.diff(got) <= 1e-9)
