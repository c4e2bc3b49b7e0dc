import math

import numpy as np
import pytest

import lidlib
from lidlib import model, two_tail


@pytest.mark.slowish
def test_success_cdf_matches_monte_carlo():
    rng = np.random.default_rng(3)
    n, beta, delta, v = 1_000_000, 3.0, 0.05, 0.3
    tau = rng.gamma(beta / 2, 1.0, n)
    S = lidlib.single_trial_success(rng.normal(0, np.sqrt(v), n), tau, delta, 1.0)
    for s0 in (1e-3, 1e-2, 3e-2):
        exact = two_tail.success_cdf(s0, beta, delta, 1.0, v)
        assert abs(np.mean(S <= s0) - exact) < 5 * np.sqrt(exact * (1 - exact) / n)


@pytest.mark.slowish
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


@pytest.mark.slowish
def test_excess_equals_difference_where_representable():
    ks = np.logspace(0, 5, 11)
    for v in (0.05, 1.0):
        ex = lidlib.population_failure(ks, 3.0, 0.1, 1.0, v, excess=True)
        diff = lidlib.population_failure(ks, 3.0, 0.1, 1.0, v) - lidlib.population_failure(ks, 3.0, 0.1, 1.0)
        ok = diff > 1e-10
        np.testing.assert_allclose(ex[ok], diff[ok], rtol=1e-6)
        assert np.all(ex > 0)


@pytest.mark.slowish
def test_saddle_point_exponent_matches_the_exact_bias_tail():
    ks = np.logspace(5, 6, 11)
    for v in (0.3, 3.0):
        exact = lidlib.local_slope(ks, lidlib.population_failure(ks, 3.0, 0.1, 1.0, v, excess=True), (1e5, 1e6))
        saddle = two_tail.bias_exponent_saddle(np.sqrt(1e5 * 1e6), v, 0.1, 1.0)
        assert exact == pytest.approx(saddle, rel=0.15)
    # and it scales as v^-1/2 (Eq. 18 would give v^-1)
    g = [
        lidlib.local_slope(ks, lidlib.population_failure(ks, 3.0, 0.1, 1.0, v, excess=True), (1e5, 1e6))
        for v in (0.1, 10.0)
    ]
    p = np.log(g[0] / g[1]) / np.log(100.0)
    assert 0.4 < p < 0.6


@pytest.mark.slowish
def test_ridge_passk_experiment_agrees_with_exact_prediction():
    lid = model.LIDModel(d=16, alpha=1.0, beta=3.0, sigma_eta=1.0)
    ks = np.array([1.0, 3, 10, 30, 100])
    r = two_tail.ridge_passk_experiment(lid, [32, 64, 256], ks, n_test=50_000, n_seeds=2, delta=0.1, rng=1)
    z = r.z_scores()
    assert np.abs(z).max() < 5
    assert r.failure.shape == (2, 3, 5) and np.all(np.diff(r.l_gen, axis=1) < 0)


@pytest.mark.slowish
def test_window_exponents_match_direct_slopes():
    ks = np.logspace(1, 3, 9)
    vs = [0.0, 0.1, 1.0]
    got = two_tail.window_exponents(ks, (10, 1000), vs, 3.0, 0.1, 1.0)
    direct = [lidlib.local_slope(ks, lidlib.population_failure(ks, 3.0, 0.1, 1.0, v), (10, 1000)) for v in vs]
    np.testing.assert_allclose(got, direct, rtol=1e-12)
    assert got[0] > got[1] > got[2]  # more bias, flatter curve


# --- issue 17: the upper tail of the precision law and the crossover k*(N) -------------------------

from scipy import integrate, stats  # noqa: E402

from lidlib import tails  # noqa: E402


def _excess_brute(k, tau_pdf, tau_hi, delta, v):
    """E_{tau, B}[(1 - s_B)^k - (1 - s_0)^k] by nested scipy quadrature (sigma_eta = 1), written from Eq. 12-13."""

    def s(b, t):
        sd = 1.0 / np.sqrt(t)
        return stats.norm.cdf((b + delta) / sd) - stats.norm.cdf((b - delta) / sd)

    def inner(t):
        f0 = (1.0 - s(0.0, t)) ** k
        g = lambda b: ((1.0 - s(b, t)) ** k - f0) * stats.norm.pdf(b, scale=np.sqrt(v))
        return 2.0 * integrate.quad(g, 0.0, 12.0 * np.sqrt(v), limit=200, epsabs=1e-14, epsrel=1e-9)[0]

    return integrate.quad(
        lambda t: inner(t) * tau_pdf(t), 0.0, tau_hi, limit=200, epsabs=0, epsrel=1e-8, points=[0.01, 0.1, 1.0]
    )[0]


@pytest.mark.slowish
@pytest.mark.parametrize("which", ["bounded", "gengamma2"])
def test_law_excess_failure_against_nested_quadrature(which):
    beta, delta, v = 3.0, 0.3, 0.5
    if which == "bounded":
        law, pdf, hi = tails.power_precision(beta, 2.5), (lambda t: 1.5 * t**0.5 / 2.5**1.5), 2.5
    else:  # density t^(beta/2 - 1) exp(-t^2) / Gamma(beta/4) * 2, written out by hand
        law = tails.generalized_gamma_precision(beta, 2.0)
        pdf, hi = (lambda t: 2.0 * t**0.5 * np.exp(-t * t) / math.gamma(0.75)), 8.0
    ks = np.array([3.0, 30.0])
    got = two_tail.law_excess_failure(ks, law, delta, 1.0, v)
    want = [_excess_brute(k, pdf, hi, delta, v) for k in ks]
    np.testing.assert_allclose(got, want, rtol=2e-5)


def test_generalized_gamma_precision_near_zero_tail_and_q1():
    for q in (0.5, 2.0):
        law = tails.generalized_gamma_precision(3.0, q)
        t = 1e-8
        assert law.cdf(t) / t**1.5 == pytest.approx(law.tail_constant, rel=1e-4)  # same index beta/2 as Eq. 1
    np.testing.assert_allclose(
        tails.generalized_gamma_precision(3.0, 1.0).cdf([0.1, 1, 5]), stats.gamma(1.5).cdf([0.1, 1, 5]), rtol=1e-12
    )


@pytest.mark.parametrize("q", [0.5, 1.0, 2.0])
def test_saddle_exponent_against_mpmath_laplace_integral(q):
    """d ln I / dA for I(A) = int t^m exp(-t^q - A/t) dt tends to -1/tau_* = -(q/A)^(1/(q+1))."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40

    def logI(A):
        ts = (A / q) ** (1.0 / (q + 1.0))
        f = lambda t: t**0.5 * mpmath.exp(-(t**q) - A / t)
        return float(mpmath.log(mpmath.quad(f, [0, ts / 4, ts, 4 * ts, mpmath.inf])))

    A, dA = 1e6, 100.0
    ts = (A / q) ** (1.0 / (q + 1.0))
    g_star = (1.0 + q) * (A / q) ** (q / (q + 1.0))
    slope = (logI(A + dA) - logI(A - dA)) / (2 * dA)
    # Laplace corrections: relative variance of tau under the tilted law, 1/(q(q+1) tau*^q), and the
    # prefactor t^m, O(1/tau*); 3x the first plus the second is the allowance
    assert -slope * ts == pytest.approx(1.0, abs=3.0 / (q * (q + 1) * ts**q) + 1.0 / ts)
    # the level: ln I / (-g*) -> 1, up to the O(ln tau*) prefactor terms
    assert logI(A) / -g_star == pytest.approx(1.0, abs=2.0 * math.log(ts) / g_star)
    # the library's local exponent is this slope times dA/d ln k = sigma^2 / v (A = sigma^2 ln(kc) / v)
    v, delta = 0.5, 0.1
    A = 200.0
    k = np.exp(A * v) / tails.c_delta(delta, 1.0)
    assert two_tail.bias_exponent_saddle_q(k, v, delta, 1.0, q) == pytest.approx(
        (q / A) ** (1.0 / (q + 1.0)) / v, rel=1e-9
    )


def test_upper_tail_power_and_q1_limit():
    assert two_tail.upper_tail_power(1.0) == 0.5
    assert two_tail.upper_tail_power(np.inf) == 1.0
    assert two_tail.upper_tail_power(2.0) == pytest.approx(2 / 3)
    ks = np.array([1e4, 1e6])
    np.testing.assert_allclose(
        two_tail.bias_exponent_saddle_q(ks, 0.3, 0.1, 1.0, 1.0),
        two_tail.bias_exponent_saddle(ks, 0.3, 0.1, 1.0),
        rtol=1e-12,
    )


@pytest.mark.slowish
def test_finite_n_power_depends_on_the_upper_tail():
    """Same near-zero index beta/2, different upper tail: different p (Def. 3.1 comment (ii) fails here)."""
    ks = np.logspace(5, 6, 5)
    vs = np.array([0.1, 0.316, 1.0])
    p = {}
    for name, law in {"gamma": tails.gamma_precision(3.0), "bounded": tails.power_precision(3.0, 2.5)}.items():
        g = [lidlib.local_slope(ks, two_tail.law_excess_failure(ks, law, 0.1, 1.0, v), (1e5, 1e6)) for v in vs]
        p[name] = two_tail.fitted_power(vs, g)[0]
    assert p["gamma"] == pytest.approx(0.5, abs=0.05)
    assert p["bounded"] > 0.85  # -> 1 (Eq. 18) for a bounded precision


@pytest.mark.slowish
def test_crossover_is_where_half_the_failures_are_due_to_bias():
    """Independent check of k* at v = 0.2: nested scipy quadrature of the share at the returned k*."""
    beta, delta, v = 3.0, 0.3, 0.2
    ell = two_tail.crossover_log_k(beta, delta, 1.0, v)
    k = math.exp(ell) / tails.c_delta(delta, 1.0)
    pdf = lambda t: stats.gamma(beta / 2).pdf(t)
    excess = _excess_brute(k, pdf, 60.0, delta, v)
    free = integrate.quad(
        lambda t: (1 - math.erf(delta * math.sqrt(t / 2))) ** k * pdf(t),
        0,
        60,
        limit=200,
        points=[0.01, 0.1, 1.0],
        epsrel=1e-10,
    )[0]
    assert excess / free == pytest.approx(1.0, abs=2e-3)


@pytest.mark.slowish
def test_crossover_leading_and_next_order_laws():
    # leading order: beta ell = (1+q) (ell / (q v))^(q/(q+1)), solved by brentq, equals the closed form
    from scipy import optimize

    for q in (0.5, 1.0, 2.0):
        v, beta = 0.05, 3.0
        root = optimize.brentq(lambda l: beta * l - (1 + q) * (l / (q * v)) ** (q / (q + 1)), 1e-3, 1e5)
        assert two_tail.crossover_log_k_leading(beta, 1.0, v, q) == pytest.approx(root, rel=1e-9)
    assert two_tail.crossover_log_k_leading(3.0, 1.0, 0.1) == pytest.approx(4 / 9 / 0.1)
    # next order agrees with the exact engine within its stated margin, and better than leading order
    for v in (0.13, 0.064):
        exact = two_tail.crossover_log_k(3.0, 0.1, 1.0, v)
        nxt = two_tail.crossover_log_k_next(3.0, 1.0, v)
        assert abs(exact - nxt) < two_tail.crossover_next_order_margin(3.0, 0.1, 1.0, v)
        assert abs(exact - nxt) < abs(exact - two_tail.crossover_log_k_leading(3.0, 1.0, v))


@pytest.mark.slowish
def test_beta_eff_increases_with_n_up_to_its_maximum():
    """Formerly the ledger claim beta-eff-increasing (it could not fail there): the exact window slope
    rises monotonically as Var B falls, from far below the plateau, until the overshoot maximum."""
    d, beta = 64, 3.0
    N = np.unique(np.geomspace(1.5 * d, 400 * d, 24).astype(int))
    v = 2.0 * d / (N - d - 1.0)  # mean OLS loss / sigma^2 for beta = 3 (E[1/tau] = 2)
    ks = np.logspace(np.log10(20), np.log10(500), 20)
    be = two_tail.window_exponents(ks, (20, 500), v, beta, 0.1, 1.0)
    i = int(np.argmax(be))
    assert np.all(np.diff(be[: i + 1]) > 0)
    assert be[i] > be[0] + 1.0
    assert be[i] - be[-1] < 0.01 * be[-1]  # the overshoot stays below 1% of the plateau


@pytest.mark.slowish
def test_law_excess_failure_with_precision_dependent_bias_against_nested_quadrature():
    """Def. 3.1 comment (iii): Var(B | tau) = v tau^rho / E[tau^rho], here with the Gamma(3/2) law (E[tau] = 3/2)."""
    beta, delta, v, rho = 3.0, 0.3, 0.5, 1.0
    law = tails.gamma_precision(beta)
    pdf = lambda t: stats.gamma(beta / 2).pdf(t)

    def s(b, t):
        sd = 1.0 / np.sqrt(t)
        return stats.norm.cdf((b + delta) / sd) - stats.norm.cdf((b - delta) / sd)

    def brute(k):
        def inner(t):
            vt = v * t / 1.5
            f0 = (1.0 - s(0.0, t)) ** k
            g = lambda b: ((1.0 - s(b, t)) ** k - f0) * stats.norm.pdf(b, scale=np.sqrt(vt))
            return 2.0 * integrate.quad(g, 0.0, 12.0 * np.sqrt(vt), limit=200, epsabs=1e-14, epsrel=1e-9)[0]

        return integrate.quad(lambda t: inner(t) * pdf(t), 0.0, 60.0, limit=200, points=[0.01, 0.1, 1.0], epsrel=1e-8)[
            0
        ]

    ks = np.array([3.0, 30.0])
    got = two_tail.law_excess_failure(ks, law, delta, 1.0, v, bias_var_power=rho)
    np.testing.assert_allclose(got, [brute(k) for k in ks], rtol=2e-5)


@pytest.mark.parametrize("rho", [-0.5, 0.5])
def test_exponent_with_correlated_bias_against_mpmath(rho):
    """-d ln I / dA for I(A) = int t^m exp(-t - A t^-(1+rho)) dt is E[t^-(1+rho)] -> tau_*^-(1+rho), and
    ln I ~ -A^(1/(2+rho)) (1+rho)^(...) ... ; we check the implied power p = 1/(2 + rho)."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    q = 1.0

    def logI(A):
        ts = ((1 + rho) * A / q) ** (1.0 / (q + 1.0 + rho))
        f = lambda t: t**0.5 * mpmath.exp(-(t**q) - A / t ** (1 + rho))
        return float(mpmath.log(mpmath.quad(f, [0, ts / 4, ts, 4 * ts, mpmath.inf])))

    # ln I at A and 10 A: the leading term scales as A^p with p = q/(q+1+rho)
    A = 1e5
    ratio = logI(10 * A) / logI(A)
    p = math.log(ratio) / math.log(10.0)
    assert p == pytest.approx(two_tail.upper_tail_power(q, rho), abs=0.02)
    assert two_tail.upper_tail_power(1.0, 0.0) == 0.5
