import numpy as np
import pytest

from lidlib import model, tails


@pytest.mark.parametrize("a", [0.5, 1.5, 3.0])
def test_hill_on_exact_power_law(a):
    # X = U^(1/a) has P(X <= t) = t^a on (0, 1] exactly: Hill is unbiased there
    u = np.random.default_rng(1).uniform(size=50_000)
    est, se = tails.lower_tail_index(u ** (1 / a), 5_000, corrected=False)
    assert abs(est - a) < 4 * se
    assert se == pytest.approx(est / np.sqrt(5_000))


@pytest.mark.slowish
@pytest.mark.parametrize("beta", [3.0, 5.0, 8.0])
def test_corrected_estimator_removes_gamma_bias(beta):
    x = model.sample_precision(1_000_000, beta, 7)
    hill, se_h = tails.lower_tail_index(x, 10_000, corrected=False)
    corr, se_c = tails.lower_tail_index(x, 10_000)
    assert abs(corr - beta / 2) < 3 * se_c
    if beta >= 5:  # the plain estimator is visibly biased once the threshold is not tiny
        assert abs(hill - beta / 2) > 3 * se_h


def test_bad_input():
    with pytest.raises(ValueError, match="samples"):
        tails.lower_tail_index([1.0, -1.0, 2.0], 1)
    with pytest.raises(ValueError, match="k"):
        tails.lower_tail_index([1.0, 2.0, 3.0], 3)
