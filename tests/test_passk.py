"""Tests for lidlib.passk against independent oracles.

Oracles: brute-force enumeration of k-subsets and exact integer binomials for the
unbiased pass@k; mpmath at >= 50 significant digits and Monte Carlo for the
single-trial success; trial-by-trial simulation and closed forms for failure_curve.
"""

from __future__ import annotations

import itertools
import math
import warnings
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lidlib import passk
from lidlib.passk import (
    failure_curve,
    log_single_trial_success,
    pass_at_k_unbiased,
    single_trial_success,
)


# --------------------------------------------------------------------------- oracles
def mp_success(bias: float, tau: float, delta: float, sigma_eta: float, *, log: bool = False) -> mpmath.mpf:
    """P(|bias - eta| <= delta), eta ~ N(0, sigma^2/tau), as a difference of erfc's.

    Working precision is raised by the number of digits the subtraction cancels,
    so at least 50 significant digits survive.
    """
    b, t, d, s = (mpmath.mpf(float(v)) for v in (bias, tau, delta, sigma_eta))
    m = abs(b) * mpmath.sqrt(t) / s
    h = d * mpmath.sqrt(t) / s
    lost = max(0, int(-mpmath.log10(h * max(1, m))))
    with mpmath.workdps(60 + lost):
        r2 = mpmath.sqrt(2)
        p = (mpmath.erfc((m - h) / r2) - mpmath.erfc((m + h) / r2)) / 2
        return mpmath.log(p) if log else p


def brute_force_pass_at_k(n: int, c: int, k: int) -> Fraction:
    """Fraction of the k-subsets of n samples (the first c correct) with a correct one."""
    subsets = list(itertools.combinations(range(n), k))
    return Fraction(sum(any(i < c for i in sub) for sub in subsets), len(subsets))


# ------------------------------------------------------------------ pass_at_k_unbiased
def test_pass_at_k_matches_subset_enumeration():
    for n in range(1, 8):
        for c in range(n + 1):
            for k in range(1, n + 1):
                assert pass_at_k_unbiased(n, c, k) == pytest.approx(
                    float(brute_force_pass_at_k(n, c, k)), rel=1e-14, abs=1e-15
                )


def test_pass_at_k_broadcasts_like_scalar_calls():
    n = np.array([[5], [7]])
    c = np.array([0, 2, 4])
    out = pass_at_k_unbiased(n, c, 3)
    assert out.shape == (2, 3)
    for i, j in itertools.product(range(2), range(3)):
        assert out[i, j] == pytest.approx(float(brute_force_pass_at_k(int(n[i, 0]), int(c[j]), 3)), abs=1e-15)


@pytest.mark.parametrize("c", [1, 10, 64, 65, 100, 1000, 5000, 9990])
@pytest.mark.parametrize("k", [1, 10, 64, 65, 100, 1000, 5000])
def test_pass_at_k_matches_exact_binomials_n10000(c, k):
    n = 10_000
    if n - c < k:
        assert pass_at_k_unbiased(n, c, k) == 1.0
        return
    failure = Fraction(math.comb(n - c, k), math.comb(n, k))
    got = pass_at_k_unbiased(n, c, k)
    assert got == pytest.approx(float(1 - failure), rel=1e-12)
    if failure > 1e-6:  # 1 - got carries an absolute error of ~1e-16
        assert 1.0 - got == pytest.approx(float(failure), rel=1e-9)


def test_pass_at_k_log_gamma_branch_near_small_arguments():
    # min(c, k) > 64 with n - c - k + 1 small: the Stirling corrections matter most here.
    n = 200
    c, k = np.meshgrid(np.arange(65, 136), np.arange(65, 136), indexing="ij")
    keep = n - c >= k
    got = pass_at_k_unbiased(n, c[keep], k[keep])
    for ci, ki, g in zip(c[keep], k[keep], got):
        failure = Fraction(math.comb(n - int(ci), int(ki)), math.comb(n, int(ki)))
        assert g == pytest.approx(float(1 - failure), rel=1e-13)
        if failure > 1e-3:
            assert 1.0 - g == pytest.approx(float(failure), rel=1e-12)


def test_stirling_correction_matches_mpmath():
    z = np.array([1.0, 2.0, 9.0, 9.999, 10.0, 10.5, 30.0, 1e3, 1e6])
    with mpmath.workdps(50):
        ref = [
            float(mpmath.loggamma(v) - ((v - 0.5) * mpmath.log(v) - v + mpmath.log(2 * mpmath.pi) / 2))
            for v in map(mpmath.mpf, z)
        ]
    np.testing.assert_allclose(passk._stirling_corr(z), ref, rtol=0, atol=5e-15)


def test_pass_at_k_closed_forms():
    n = np.arange(1, 200)
    np.testing.assert_allclose(pass_at_k_unbiased(n, 1, 1), 1.0 / n, rtol=4e-16)  # pass@1 = c/n
    np.testing.assert_allclose(pass_at_k_unbiased(1000, 37, 1), 0.037, rtol=2e-16)
    assert pass_at_k_unbiased(10, 0, 10) == 0.0
    assert pass_at_k_unbiased(10, 4, 7) == 1.0  # n - c < k
    assert pass_at_k_unbiased(10.0, 10.0, 1.0) == 1.0
    assert isinstance(pass_at_k_unbiased(10, 3, 2), float)
    # k = n with c >= 1 always passes; c = n - k + 1 is the boundary.
    assert pass_at_k_unbiased(50, 1, 50) == 1.0
    assert pass_at_k_unbiased(50, 3, 47) == pytest.approx(1 - 1 / math.comb(50, 47), rel=1e-14)


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((0, 0, 1), "n"),
        ((5.5, 1, 1), "n"),
        ((np.nan, 1, 1), "n"),
        ((10, -1, 1), "c"),
        ((10, 1.5, 1), "c"),
        ((10, 11, 1), "c"),
        ((10, 1, 0), "k"),
        ((10, 1, np.inf), "k"),
        ((10, 1, 11), "undefined for k > n"),
        ((np.ones(3) * 10, np.ones(2), 1), "broadcast"),
    ],
)
def test_pass_at_k_rejects_bad_input(args, name):
    with pytest.raises(ValueError, match=name):
        pass_at_k_unbiased(*args)


# --------------------------------------------------------------- single_trial_success
_M_GRID = [0.0, 1e-8, 1e-3, 0.3, 1.0, 3.0, 8.0, 15.0, 21.0, 30.0, 37.5]
_H_GRID = [1e-300, 1e-14, 1e-12, 1e-8, 1e-5, 1e-3, 9.9e-3, 1.01e-2, 0.1, 0.5, 1.0, 2.5, 10.0]


def _random_cases(n: int, seed: int) -> list[tuple[float, float, float, float]]:
    rng = np.random.default_rng(seed)
    return [
        (
            rng.normal() * 10 ** rng.uniform(-3, 1.5),
            10 ** rng.uniform(-3, 3),
            10 ** rng.uniform(-8, 1),
            10 ** rng.uniform(-1, 1),
        )
        for _ in range(n)
    ]


@pytest.mark.slowish
def test_single_trial_success_matches_mpmath():
    cases = [(m, 1.0, h, 1.0) for m in _M_GRID for h in _H_GRID]
    cases += [(-3.0 * m, 9.0, 0.5 * h, 0.5) for m in (0.0, 2.0, 20.0) for h in (1e-12, 0.02, 4.0)]
    cases += _random_cases(60, seed=7)
    for case in cases:
        ref = mp_success(*case)
        if ref < 1e-300:  # tested in log space below
            continue
        assert single_trial_success(*case) == pytest.approx(float(ref), rel=1e-11, abs=0), case


def test_single_trial_success_far_tail_and_tiny_window():
    # 1e-100-ish and 1e-300-ish probabilities, and a window 1e-12 wide around the mode.
    for case, order in [((21.3, 1.0, 0.1, 1.0), -100), ((37.0, 1.0, 0.2, 1.0), -298), ((0.0, 1.0, 1e-12, 1.0), -12)]:
        ref = mp_success(*case)
        assert abs(int(mpmath.floor(mpmath.log10(ref)) - order)) <= 1
        assert single_trial_success(*case) == pytest.approx(float(ref), rel=1e-12)


def test_single_trial_success_is_even_in_bias_and_broadcasts():
    b = np.linspace(-5, 5, 11)
    tau = np.array([[0.1], [1.0], [10.0]])
    s = single_trial_success(b, tau, 0.3, 1.2)
    assert s.shape == (3, 11)
    np.testing.assert_array_equal(s, s[:, ::-1])
    assert np.all((s >= 0) & (s <= 1))
    assert isinstance(single_trial_success(0.1, 1.0, 0.2, 1.0), float)


@pytest.mark.parametrize(
    ("bias", "tau", "delta", "sigma_eta"), [(0.0, 1.0, 0.1, 1.0), (1.3, 2.0, 0.4, 1.5), (-0.7, 0.05, 1.0, 0.3)]
)
def test_single_trial_success_matches_monte_carlo(bias, tau, delta, sigma_eta):
    rng = np.random.default_rng(20240611)
    n = 200_000
    eta = rng.normal(0.0, sigma_eta / math.sqrt(tau), size=n)
    hits = np.mean(np.abs(bias - eta) <= delta)
    p = single_trial_success(bias, tau, delta, sigma_eta)
    assert abs(hits - p) <= 5 * math.sqrt(p * (1 - p) / n)


def test_small_window_limits_eq14_eq16():
    tau = np.array([1e-4, 0.3, 2.0])
    sigma = 1.7
    for delta in (1e-2, 1e-4, 1e-6):
        c_delta = math.sqrt(2 / math.pi) * delta / sigma
        h = delta * np.sqrt(tau) / sigma
        # Eq. (14): bias = 0, relative correction -h^2/6.
        ratio = single_trial_success(0.0, tau, delta, sigma) / (c_delta * np.sqrt(tau))
        np.testing.assert_allclose(ratio - 1, -(h**2) / 6, rtol=1e-3, atol=5e-15)
        # Eq. (16): with a bias B, relative correction (m^2 - 1) h^2 / 6.
        bias = 0.8
        m = bias * np.sqrt(tau) / sigma
        eq16 = c_delta * np.sqrt(tau) * np.exp(-(bias**2) * tau / (2 * sigma**2))
        ratio = single_trial_success(bias, tau, delta, sigma) / eq16
        np.testing.assert_allclose(ratio - 1, (m**2 - 1) * h**2 / 6, rtol=1e-3, atol=5e-15)


@settings(max_examples=60, deadline=None)
@given(
    bias=st.floats(-50, 50),
    tau=st.floats(1e-6, 1e6),
    delta=st.floats(1e-9, 1e3),
    sigma=st.floats(1e-3, 1e3),
)
def test_single_trial_success_is_a_monotone_probability(bias, tau, delta, sigma):
    s = single_trial_success(bias, tau, delta, sigma)
    assert 0.0 <= s <= 1.0
    assert single_trial_success(bias, tau, 2 * delta, sigma) >= s  # wider window
    assert single_trial_success(abs(bias) + 1.0, tau, delta, sigma) <= s  # larger |bias|


def test_log_single_trial_success_consistent_and_finite_in_underflow():
    cases = [(m, 1.0, h, 1.0) for m in _M_GRID for h in _H_GRID] + _random_cases(40, seed=3)
    b, t, d, s = (np.array(col) for col in zip(*cases))
    p = single_trial_success(b, t, d, s)
    logp = log_single_trial_success(b, t, d, s)
    ok = p > 1e-300
    np.testing.assert_allclose(logp[ok], np.log(p[ok]), rtol=1e-13, atol=1e-13)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        under = [
            (40.0, 1.0, 1e-3, 1.0),
            (100.0, 1.0, 1.0, 1.0),
            (1e3, 4.0, 10.0, 2.0),
            (-1e5, 1.0, 1e-20, 1.0),
            (0.0, 1e-300, 1e-300, 1e10),  # the window width h underflows to 0
        ]
        for case in under:
            assert single_trial_success(*case) == 0.0
            got = log_single_trial_success(*case)
            assert np.isfinite(got)
            assert got == pytest.approx(float(mp_success(*case, log=True)), rel=1e-13)


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((np.nan, 1.0, 0.1, 1.0), "bias"),
        ((np.inf, 1.0, 0.1, 1.0), "bias"),
        ((0.0, 0.0, 0.1, 1.0), "tau"),
        ((0.0, np.inf, 0.1, 1.0), "tau"),
        ((0.0, [1.0, -1.0], 0.1, 1.0), "tau"),
        ((0.0, 1.0, -1.0, 1.0), r"delta must be positive and finite, got -1\.0"),
        ((0.0, 1.0, np.nan, 1.0), "delta"),
        ((0.0, 1.0, 0.1, 0.0), "sigma_eta"),
        ((0.0, 1.0, 0.1, "abc"), "sigma_eta"),
        ((np.zeros(3), np.ones(2), 0.1, 1.0), "broadcast"),
    ],
)
@pytest.mark.parametrize("func", [single_trial_success, log_single_trial_success])
def test_single_trial_success_rejects_bad_input(func, args, name):
    with pytest.raises(ValueError, match=name):
        func(*args)


# ---------------------------------------------------------------------- failure_curve
def test_failure_curve_matches_trial_simulation():
    rng = np.random.default_rng(12345)
    s = rng.beta(0.5, 2.0, size=200)
    ks = np.array([1, 3, 10, 30])
    reps = 60
    curve = failure_curve(s, ks)
    trials = rng.random((reps, s.size, ks.max())) < s[None, :, None]
    for k, expected in zip(ks, curve):
        failed = ~trials[:, :, :k].any(axis=-1)  # no success in the first k trials
        sd = math.sqrt(expected * (1 - expected) / failed.size)  # bounds the heterogeneous variance
        assert abs(failed.mean() - expected) <= 5 * sd


def test_failure_curve_closed_forms():
    ks = np.array([1.0, 2.0, 7.5, 100.0])
    # exp(k log1p(-s)) is conditioned like k * eps (k = 100 here)
    np.testing.assert_allclose(failure_curve(np.full(17, 0.3), ks), 0.7**ks, rtol=1e-13)
    np.testing.assert_array_equal(failure_curve([1.0, 1.0], ks), 0.0)
    np.testing.assert_array_equal(failure_curve([0.0], ks), 1.0)
    np.testing.assert_allclose(failure_curve([0.0, 1.0, 0.5], ks), (1 + 0.5**ks) / 3, rtol=1e-15)
    assert failure_curve(0.25, 2) == pytest.approx(0.5625, rel=1e-15)


def test_failure_curve_extreme_k_and_s():
    tiny = failure_curve([1e-300], 1e8)
    assert np.isfinite(tiny) and tiny == math.exp(1e8 * math.log1p(-1e-300)) == 1.0
    with mpmath.workdps(50):
        ref = float(mpmath.power(1 - mpmath.mpf(1e-9), 10**8))
    assert failure_curve([1e-9], 1e8) == pytest.approx(ref, rel=1e-12)
    assert ref == pytest.approx(math.exp(-0.1), rel=1e-8)
    assert failure_curve([1e-12, 0.5], 1e8) == pytest.approx(0.5 * math.exp(-1e-4), rel=1e-12)


def test_failure_curve_is_non_increasing_in_k():
    s = np.random.default_rng(5).uniform(0, 1, size=500) ** 4
    curve = failure_curve(s, np.logspace(0, 6, 60))
    assert np.all(np.diff(curve) <= 0)


def test_failure_curve_shapes_and_axis():
    s = np.random.default_rng(8).uniform(size=(3, 50, 4))
    ks = np.array([1, 2, 5, 9, 20])
    out = failure_curve(s, ks, axis=1)
    assert out.shape == (3, 4, 5)
    manual = np.mean((1 - s)[..., None] ** ks, axis=1)
    np.testing.assert_allclose(out, manual, rtol=1e-13)
    np.testing.assert_allclose(failure_curve(np.moveaxis(s, 1, 0), ks, axis=0), out, rtol=1e-15)
    assert failure_curve(s, 3, axis=-2).shape == (3, 4)
    assert isinstance(failure_curve(s[0, :, 0], 3), float)
    assert failure_curve(s[0, :, 0], ks).shape == (5,)


def test_failure_curve_chunking_matches_unchunked(monkeypatch):
    s = np.random.default_rng(9).uniform(size=(2, 1001)) ** 3
    ks = np.arange(1, 12)
    full = failure_curve(s, ks)
    monkeypatch.setattr(passk, "CHUNK_ELEMENTS", 50)  # forces 1001 / 2 = 501 chunks
    np.testing.assert_allclose(failure_curve(s, ks), full, rtol=1e-14)


@pytest.mark.parametrize(
    ("s", "ks", "kwargs", "name"),
    [
        ([0.5, 1.5], 1, {}, "success_probs"),
        ([0.5, -0.1], 1, {}, "success_probs"),
        ([0.5, np.nan], 1, {}, "success_probs"),
        (np.empty(0), 1, {}, "success_probs"),
        ([0.5], 0.5, {}, "ks"),
        ([0.5], np.inf, {}, "ks"),
        ([0.5], [[1, 2]], {}, "ks"),
        ([0.5], 1, {"axis": 1}, "axis"),
        ([0.5], 1, {"axis": 0.5}, "axis"),
    ],
)
def test_failure_curve_rejects_bad_input(s, ks, kwargs, name):
    with pytest.raises(ValueError, match=name):
        failure_curve(s, ks, **kwargs)
