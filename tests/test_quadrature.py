"""The quadrature layer (lidlib/_quadrature.py) against closed forms and SciPy.

The engines built on it (population_failure, protocol_failure, small_window_failure,
PrecisionLaw.failure, law_excess_failure) are tested against adaptive quadrature in
test_engine, test_tauberian and test_two_tail; here the building blocks themselves.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from lidlib import _quadrature as quad
from lidlib import passk


def test_composite_rule_is_exact_for_polynomials_of_degree_2_order_minus_1():
    x, w = quad.composite(-1.0, 3.0, 3, 5)  # exact up to degree 9 on each panel
    assert x.shape == w.shape == (15,)
    assert np.sum(w * x**9) == pytest.approx((3.0**10 - 1.0) / 10, rel=1e-13)
    assert np.sum(w * x**10) != pytest.approx((3.0**11 + 1.0) / 11, rel=1e-13)  # degree 10: not exact
    u, wu = quad.log_panels(0.0, 2.5, 2.0, 4, 8)
    assert u.size == 8 * 4  # at least min_panels panels


def test_gamma_nodes_carry_the_gamma_law():
    a = 1.5
    tau, w, floor = quad.gamma_nodes(a, 1e-6, 1.0, 10)
    assert floor == pytest.approx(special.gammainc(a, 1e-6), rel=1e-14)
    assert w.sum() + floor == pytest.approx(1.0, abs=1e-12)
    assert np.sum(w * tau) == pytest.approx(a, rel=1e-10)  # the mean of Gamma(a, 1)


def test_law_nodes_and_upper_end():
    law = stats.betaprime(1.5, 2.0)  # heavy right tail: P(tau > t) ~ t^-2
    hi = quad.law_upper_end(law, 1e-17)
    assert law.sf(hi) == pytest.approx(1e-17, rel=1e-3)
    assert quad.law_upper_end(stats.beta(2.0, 1.0, scale=3.0), 1e-17) == 3.0  # bounded support
    tau, w, u = quad.law_nodes(law, 1e-12, hi, 2.0, 10)
    np.testing.assert_allclose(np.log(tau), u, rtol=0, atol=1e-15)
    assert w.sum() == pytest.approx(law.cdf(hi) - law.cdf(1e-12), rel=1e-10)


def test_tau_cutoff_is_where_no_attempt_can_succeed():
    delta, sigma, k_max = 0.1, 1.0, 1e6
    c = quad.c_delta(delta, sigma)
    assert c == math.sqrt(2 / math.pi) * 0.1
    t = quad.tau_cutoff(k_max, c)
    assert k_max * passk.single_trial_success(0.0, t, delta, sigma) == pytest.approx(1e-8, rel=1e-6)
    assert quad.tau_cutoff(k_max, c, 1e-30) == 1e-30 and quad.tau_cutoff(k_max, c, 1.0) == t


def test_log1m_exp_on_both_ends():
    x = np.array([-1e-20, -1e-10, -0.5, -math.log(2.0), -1.0, -40.0, -800.0, 0.0])
    got = quad.log1m_exp(x)
    ref = [math.log(1e-20), math.log(-math.expm1(-1e-10)), math.log(-math.expm1(-0.5)), math.log(0.5)]
    ref += [math.log1p(-math.exp(-1.0)), -math.exp(-40.0), 0.0, -math.inf]
    np.testing.assert_allclose(got, ref, rtol=1e-15)


def test_log_window_prob_matches_the_normal_law_where_that_is_accurate():
    m = np.array([0.0, 0.3, 2.0, 5.0, 0.0, 1.0])
    h = np.array([1e-3, 0.5, 0.7, 0.2, 3.0, 1e-4])
    ref = np.log(stats.norm.cdf(m + h) - stats.norm.cdf(m - h))
    np.testing.assert_allclose(quad.log_window_prob(m, h, np.log(h)), ref, rtol=1e-9)


def test_gap_mixture_point_mass_is_the_bias_free_failure():
    k = np.array([1.0, 10.0, 100.0])
    h = np.array([0.05, 0.4])
    w = np.array([0.3, 0.7])
    got = quad.gap_mixture(k, w, h, np.zeros(2))
    s = np.exp(quad.log_window_prob(np.zeros(2), h, np.log(h)))
    np.testing.assert_allclose(got, ((1 - s)[None, :] ** k[:, None]) @ w, rtol=1e-13)
