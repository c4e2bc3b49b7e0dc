"""Property-based tests over the public API contract of docs/architecture.md.

For every contract function: outputs are probabilities where they should be,
failure curves do not increase with k, pass@k does not decrease with k or c, and
every invalid input raises ``ValueError`` whose message names the offending argument.
``fit_passk_counts`` has its own tests in ``test_counts.py``; its bad-input cases are
included here so that the whole contract is covered in one place.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import lidlib

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])

pos = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)
prob = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
tiny_to_one = st.one_of(prob, st.floats(min_value=1e-300, max_value=1e-10))
kgrid = st.lists(st.floats(min_value=1.0, max_value=1e8), min_size=2, max_size=12).map(sorted)
beta_st = st.floats(min_value=0.2, max_value=20.0)


def _nonincreasing(x: np.ndarray, rtol: float = 1e-12) -> bool:
    return bool(np.all(np.diff(x) <= rtol * np.abs(x[:-1]) + 1e-300))


# ---------------------------------------------------------------- single_trial_success


@FAST
@given(bias=st.floats(-50, 50), tau=pos, delta=pos, sigma=pos, grow=st.floats(1.0, 10.0))
def test_single_trial_success_is_monotone_probability(bias, tau, delta, sigma, grow):
    s = lidlib.single_trial_success(bias, tau, delta, sigma)
    assert 0.0 <= s <= 1.0
    # a wider window never hurts and a larger bias never helps
    assert lidlib.single_trial_success(bias, tau, delta * grow, sigma) >= s - 1e-15
    assert lidlib.single_trial_success(bias * grow, tau, delta, sigma) <= s + 1e-15
    # more precision (less noise) helps only when the prediction lies inside the window;
    # outside it, the noise is what carries a draw into the window
    if abs(bias) <= delta:
        assert lidlib.single_trial_success(bias, tau * grow, delta, sigma) >= s - 1e-15
        assert lidlib.single_trial_success(bias, tau, delta, sigma * grow) <= s + 1e-15


# ---------------------------------------------------------------- failure_curve


@pytest.mark.slowish
@FAST
@given(s=st.lists(tiny_to_one, min_size=1, max_size=30), ks=kgrid)
def test_failure_curve_is_a_nonincreasing_probability(s, ks):
    f = lidlib.failure_curve(np.array(s), np.array(ks))
    assert f.shape == (len(ks),)
    assert np.all((f >= 0) & (f <= 1)) and np.all(np.isfinite(f))
    assert _nonincreasing(f)


@pytest.mark.slowish
@FAST
@given(s=st.lists(prob, min_size=1, max_size=20), k=st.integers(1, 50))
def test_failure_curve_equals_mean_power_for_small_k(s, k):
    s = np.array(s)
    assert lidlib.failure_curve(s, [k])[0] == pytest.approx(np.mean((1 - s) ** k), rel=1e-12, abs=1e-300)


# ---------------------------------------------------------------- pass_at_k_unbiased


@st.composite
def nck(draw):
    n = draw(st.integers(1, 400))
    c = draw(st.integers(0, n))
    k = draw(st.integers(1, n))
    return n, c, k


@pytest.mark.slowish
@FAST
@given(nck())
def test_pass_at_k_monotone_in_k_and_c(args):
    n, c, k = args
    p = lidlib.pass_at_k_unbiased(n, c, k)
    assert 0.0 <= p <= 1.0
    if k < n:
        assert lidlib.pass_at_k_unbiased(n, c, k + 1) >= p - 1e-12
    if c < n:
        assert lidlib.pass_at_k_unbiased(n, c + 1, k) >= p - 1e-12
    # the combinatorial definition 1 - C(n-c, k) / C(n, k)
    assert p == pytest.approx(1 - math.comb(n - c, k) / math.comb(n, k), rel=1e-9, abs=1e-12)


# ---------------------------------------------------------------- bias_free_constant


@FAST
@given(beta=beta_st, delta=pos, sigma=pos)
def test_bias_free_constant_positive_and_scales_as_c_delta_power(beta, delta, sigma):
    c1 = lidlib.bias_free_constant(beta, delta, sigma)
    assert np.isfinite(c1) and c1 > 0
    # C1 depends on delta / sigma only, as c_delta^-beta
    c2 = lidlib.bias_free_constant(beta, 2 * delta, 2 * sigma)
    assert c2 == pytest.approx(c1, rel=1e-10)
    assert lidlib.bias_free_constant(beta, 2 * delta, sigma) == pytest.approx(c1 * 2.0**-beta, rel=1e-10)


# ---------------------------------------------------------------- population_failure


@pytest.mark.slowish
@SLOW
@given(beta=beta_st, delta=st.floats(0.01, 1.0), v=st.sampled_from([0.0, 0.01, 0.3]))
def test_population_failure_is_nonincreasing_probability_and_worse_with_bias(beta, delta, v):
    ks = np.geomspace(1, 1e8, 9)
    f = lidlib.population_failure(ks, beta, delta, 1.0, bias_var=v)
    assert np.all(np.isfinite(f)) and np.all((f >= 0) & (f <= 1))
    assert _nonincreasing(f, rtol=1e-6)
    if v > 0:
        f0 = lidlib.population_failure(ks, beta, delta, 1.0)
        assert np.all(f >= f0 * (1 - 1e-6))


# ---------------------------------------------------------------- local_slope, fit_saturating


@FAST
@given(b=st.floats(0.05, 20.0), amp=st.floats(1e-6, 1e3), lo=st.floats(1.0, 1e3), ratio=st.floats(2.0, 1e4))
def test_local_slope_of_power_law_is_its_exponent_and_scale_free(b, amp, lo, ratio):
    ks = np.geomspace(1, 1e8, 60)
    vals = amp * ks**-b
    w = (lo, lo * ratio)
    assert lidlib.local_slope(ks, vals, w) == pytest.approx(b, rel=1e-8)
    assert lidlib.local_slope(ks, 7.0 * vals, w) == pytest.approx(lidlib.local_slope(ks, vals, w), rel=1e-10)


@pytest.mark.slowish
@SLOW
@given(beta=st.floats(1.0, 10.0), frac=st.floats(0.2, 0.9), nu=st.floats(0.5, 2.0))
def test_fit_saturating_recovers_exact_curves(beta, frac, nu):
    Ns = np.geomspace(10, 1e5, 14)
    delta, c = frac * beta, 1e-2
    y = beta - delta / (1 + c * Ns**nu)
    assume(y[-1] - y[0] > 0.05 * beta)  # the curve must show its rise
    fit = lidlib.fit_saturating(Ns, y)
    assert fit(Ns) == pytest.approx(y, abs=1e-4 * beta)


# ---------------------------------------------------------------- beta_model_failure, fit_passk_curve


@FAST
@given(a=beta_st, b=beta_st, ks=kgrid)
def test_beta_model_failure_is_nonincreasing_probability(a, b, ks):
    f = lidlib.beta_model_failure(np.array(ks), a, b)
    assert np.all(np.isfinite(f)) and np.all((f >= 0) & (f <= 1))
    assert _nonincreasing(f, rtol=1e-10)


@pytest.mark.slowish
@SLOW
@given(a=st.floats(0.3, 3.0), b=st.floats(0.5, 5.0))
def test_fit_passk_curve_predicts_nondecreasing_coverage(a, b):
    ks = np.unique(np.round(np.geomspace(1, 1e4, 25)))
    cov = 1 - lidlib.beta_model_failure(ks, a, b)
    fit = lidlib.fit_passk_curve(ks, cov)
    pred = np.asarray(fit.predict(np.geomspace(1, 1e6, 30)))
    assert np.all((pred >= 0) & (pred <= 1)) and np.all(np.diff(pred) >= -1e-12)


# ---------------------------------------------------------------- bad input names the argument

BAD = [np.nan, -1.0, 0.0, np.inf]
CALLS = {
    "single_trial_success": (
        lidlib.single_trial_success,
        dict(bias=0.1, tau=1.0, delta=0.1, sigma_eta=1.0),
        {"bias": [np.nan, np.inf], "tau": BAD, "delta": BAD, "sigma_eta": BAD},
    ),
    "failure_curve": (
        lidlib.failure_curve,
        dict(success_probs=[0.2, 0.5], ks=[1, 10]),
        {"success_probs": [[np.nan], [-0.1], [1.5]], "ks": [[0.0], [0.5], [np.nan], [np.inf]]},
    ),
    "pass_at_k_unbiased": (
        lidlib.pass_at_k_unbiased,
        dict(n=10, c=3, k=2),
        {"n": [np.nan, 0, -3, 2.5], "c": [np.nan, -1, 11, 0.5], "k": [np.nan, 0, 11, 1.5]},
    ),
    "bias_free_constant": (
        lidlib.bias_free_constant,
        dict(beta=3.0, delta=0.1, sigma_eta=1.0),
        {"beta": BAD, "delta": BAD, "sigma_eta": BAD},
    ),
    "population_failure": (
        lidlib.population_failure,
        dict(ks=[1, 10], beta=3.0, delta=0.1, sigma_eta=1.0, bias_var=0.0),
        {"ks": [[0.0], [np.nan]], "beta": BAD, "delta": BAD, "sigma_eta": BAD, "bias_var": [np.nan, -1.0, np.inf]},
    ),
    "local_slope": (
        lidlib.local_slope,
        dict(ks=[1, 10, 100], values=[1.0, 0.1, 0.01], window=(1, 100)),
        {"ks": [[1, np.nan, 100], [0, 10, 100]], "values": [[1.0, np.nan, 0.01], [1.0, -0.1, 0.01]]},
    ),
    "fit_saturating": (
        lidlib.fit_saturating,
        dict(Ns=[10, 30, 100, 300, 1000], beta_eff=[1.0, 1.5, 2.0, 2.2, 2.3]),
        {"Ns": [[10, 30, np.nan, 300, 1000], [10, 30, -100, 300, 1000]], "beta_eff": [[1.0, 1.5, np.nan, 2.2, 2.3]]},
    ),
    "beta_model_failure": (
        lidlib.beta_model_failure,
        dict(ks=[1, 10], a=0.5, b=1.0),
        {"ks": [[0.0], [np.nan]], "a": BAD, "b": BAD},
    ),
    "fit_passk_curve": (
        lidlib.fit_passk_curve,
        dict(ks=[1, 2, 4, 8, 16, 32], coverage=[0.1, 0.18, 0.3, 0.42, 0.55, 0.65]),
        {
            "ks": [[1, 2, 4, np.nan, 16, 32], [0, 2, 4, 8, 16, 32]],
            "coverage": [
                [0.1, 0.18, 0.3, 0.42, 0.55, 1.5],
                [0.1, 0.18, np.nan, 0.42, 0.55, 0.65],
                [-0.1, 0.18, 0.3, 0.42, 0.55, 0.65],
            ],
        },
    ),
}
BAD_CASES = [(fname, arg, bad) for fname, (_, _, table) in CALLS.items() for arg, vals in table.items() for bad in vals]


@pytest.mark.parametrize("fname, arg, bad", BAD_CASES, ids=[f"{f}-{a}-{i}" for i, (f, a, _) in enumerate(BAD_CASES)])
def test_invalid_input_raises_value_error_naming_argument(fname, arg, bad):
    func, good, _ = CALLS[fname]
    kwargs = dict(good, **{arg: bad})
    with pytest.raises(ValueError, match=arg):
        func(**kwargs)


@pytest.mark.parametrize(
    "func, kwargs, names",
    [
        (lidlib.single_trial_success, dict(bias=np.zeros(3), tau=np.ones(2), delta=0.1, sigma_eta=1.0), "bias"),
        (lidlib.pass_at_k_unbiased, dict(n=[5, 6], c=[1, 2, 3], k=1), "n"),
        (lidlib.local_slope, dict(ks=[1, 10, 100], values=[1.0, 0.1], window=(1, 100)), "values"),
        (lidlib.fit_saturating, dict(Ns=[10, 30, 100, 300], beta_eff=[1.0, 1.5, 2.0]), "beta_eff"),
        (lidlib.fit_passk_curve, dict(ks=[1, 2, 4, 8, 16], coverage=[0.1, 0.2, 0.3, 0.4]), "coverage"),
    ],
)
def test_shape_mismatch_raises_value_error_naming_argument(func, kwargs, names):
    with pytest.raises(ValueError, match=names):
        func(**kwargs)


def test_every_contract_name_is_covered():
    contract = {
        "single_trial_success",
        "failure_curve",
        "pass_at_k_unbiased",
        "bias_free_constant",
        "population_failure",
        "local_slope",
        "fit_saturating",
        "beta_model_failure",
        "fit_passk_counts",
        "fit_passk_curve",
    }
    assert contract <= set(lidlib.__all__)
    assert contract - {"fit_passk_counts"} <= set(CALLS)  # fit_passk_counts: tests/test_counts.py


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(n=[10, 10], c=[11, 3]), "c"),
        (dict(n=[10, -1], c=[1, 0]), "n"),
        (dict(n=[10, 10], c=[np.nan, 3]), "c"),
        (dict(n=[10, 10, 10], c=[1, 2]), "c"),
    ],
)
def test_fit_passk_counts_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        lidlib.fit_passk_counts(**kwargs)
