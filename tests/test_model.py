import numpy as np
import pytest
from scipy import stats

from lidlib import model


def test_spectrum_power_law():
    s = model.power_law_spectrum(100, 0.5)
    assert s[0] == 1.0
    np.testing.assert_allclose(np.diff(np.log(s)) / np.diff(np.log(np.arange(1, 101))), -1.5)


@pytest.mark.parametrize("beta", [0.5, 3.0, 5.0, 12.0])
def test_precision_laws_match_scipy(beta):
    t = np.logspace(-6, 1.5, 50)
    ref = stats.gamma(beta / 2)
    np.testing.assert_allclose(model.precision_pdf(t, beta), ref.pdf(t), rtol=1e-10)
    np.testing.assert_allclose(model.precision_cdf(t, beta), ref.cdf(t), rtol=1e-10)


@pytest.mark.parametrize("beta", [1.0, 3.0, 8.0])
def test_tail_reference_is_the_small_t_limit(beta):
    for t in (1e-4, 1e-6, 1e-8):
        r = model.precision_cdf(t, beta) / model.precision_tail_reference(t, beta)
        # P(tau<=t) = t^a/Gamma(a+1) (1 - a t/(a+1) + O(t^2))
        a = beta / 2
        assert abs(r - (1 - a * t / (a + 1))) < 10 * t**2 + 1e-12


def test_mean_inverse_precision_closed_form_and_quadrature():
    from scipy import integrate

    for beta in (2.5, 5.0, 9.0):
        q, _ = integrate.quad(lambda x: model.precision_pdf(x, beta) / x, 0, np.inf, limit=200)
        assert model.mean_inverse_precision(beta) == pytest.approx(q, rel=1e-6)
    assert model.mean_inverse_precision(2.0) == np.inf


def test_inverse_precision_variance_monte_carlo():
    beta = 10.0
    x = 1 / model.sample_precision(400_000, beta, 3)
    v = model.inverse_precision_variance(beta)
    assert x.var() == pytest.approx(v, rel=0.05)
    assert model.inverse_precision_variance(4.0) == np.inf


def test_stable_scale_shrinks_slower_than_sqrt_n():
    s1 = model.inverse_precision_mean_scale(3.0, 10_000)
    s2 = model.inverse_precision_mean_scale(3.0, 80_000)
    assert s1 / s2 == pytest.approx(8 ** (1 - 2 / 3), rel=1e-12)  # n^(1/a - 1), a = 1.5
    with pytest.raises(ValueError, match="beta"):
        model.inverse_precision_mean_scale(2.0, 10)


def test_stable_scale_matches_spread_of_sample_means():
    # 2 < beta < 4: the median absolute deviation of the sample mean is a few scale units
    beta, n, reps = 3.0, 2_000, 400
    rng = np.random.default_rng(11)
    means = np.array([np.mean(1 / model.sample_precision(n, beta, rng)) for _ in range(reps)])
    dev = np.median(np.abs(means - model.mean_inverse_precision(beta)))
    scale = model.inverse_precision_mean_scale(beta, n)
    assert 0.2 * scale < dev < 3 * scale


def test_sample_is_deterministic_and_shaped():
    m = model.LIDModel(d=16, alpha=1.0, beta=5.0, sigma_eta=0.3)
    a = m.sample(50, np.random.default_rng(5))
    b = m.sample(50, np.random.default_rng(5))
    assert a.X.shape == (50, 16) and a.y.shape == a.tau.shape == a.mean.shape == (50,)
    for f in ("X", "y", "tau", "mean"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    np.testing.assert_allclose(a.mean, a.X @ m.teacher)


def test_label_noise_has_precision_dependent_variance():
    m = model.LIDModel(d=4, alpha=1.0, beta=6.0, sigma_eta=0.5)
    tau = np.array([0.1, 1.0, 10.0])
    y = m.draw_targets(np.zeros(3), tau, 200_000, 2)
    np.testing.assert_allclose(y.var(axis=1), 0.25 / tau, rtol=0.02)


def test_feature_covariance_matches_spectrum():
    m = model.LIDModel(d=8, alpha=1.0, beta=5.0, sigma_eta=1.0)
    X = m.sample(100_000, 0).X
    np.testing.assert_allclose(np.diag(X.T @ X) / X.shape[0], m.spectrum, rtol=0.03)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: model.power_law_spectrum(0, 1.0), "d"),
        (lambda: model.power_law_spectrum(10, -1.0), "alpha"),
        (lambda: model.sample_precision(10, 0.0, 0), "beta"),
        (lambda: model.sample_precision(10, float("nan"), 0), "beta"),
        (lambda: model.sample_precision(10, 3.0, None), "rng"),
        (lambda: model.LIDModel(d=4, alpha=1.0, beta=5.0, sigma_eta=-1.0), "sigma_eta"),
        (lambda: model.LIDModel(d=4, alpha=1.0, beta=5.0, sigma_eta=1.0, teacher=np.ones(3)), "teacher"),
        (lambda: model.precision_cdf(np.nan, 3.0), "t"),
    ],
)
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_precision_tail_constant_and_first_correction_against_mpmath():
    """Formerly the ledger claim tau-tail-constant: P(tau <= t) Gamma(beta/2+1) / t^(beta/2)
    = 1 - a t / (a + 1) + O(t^2), a = beta/2, with the CDF evaluated independently by mpmath."""
    mpmath = pytest.importorskip("mpmath")
    from lidlib import model

    for beta in (0.5, 3.0, 8.0):
        a = beta / 2
        for t in (1e-3, 1e-5):
            exact = float(mpmath.gammainc(a, 0, t, regularized=True))
            assert model.precision_cdf(t, beta) == pytest.approx(exact, rel=1e-12)
            ratio = model.precision_cdf(t, beta) / model.precision_tail_reference(t, beta)
            assert (1 - ratio) / t == pytest.approx(a / (a + 1), rel=5 * t)
