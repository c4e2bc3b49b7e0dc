"""lidlib.experiments.llm_passk: the hard-tail chapter's orchestration, against independent checks."""

from __future__ import annotations

import numpy as np
import pytest

from lidlib.counts import compare_saturation_gls
from lidlib.experiments import llm_passk
from lidlib.slopes import local_slope


def test_model_sizes_order_and_unknown():
    tot, non = llm_passk.model_sizes(["Pythia 12B", "Pythia 70M"])
    assert tot[0] > tot[1] and np.all(non < tot)
    with pytest.raises(ValueError, match="models"):
        llm_passk.model_sizes(["GPT-2"])


def test_count_summary_hand_case():
    D = {"m": {"n": np.array([10.0, 10.0, 20.0, 10.0]), "c": np.array([0.0, 5.0, 0.0, 10.0])}}
    (row,) = llm_passk.count_summary(D, ["m"])
    assert row == ("m", 4, 10, 0.5, 15 / 50)


def test_aligned_counts_sorts_and_rejects_other_problems():
    D = {
        "a": {"n": np.array([5.0, 6.0, 7.0]), "c": np.array([1.0, 2.0, 3.0]), "problem_idx": np.array([2, 0, 1])},
        "b": {"n": np.array([8.0, 9.0, 10.0]), "c": np.array([0.0, 0.0, 4.0]), "problem_idx": np.array([0, 1, 2])},
    }
    n, c = llm_passk.aligned_counts(D, ["a", "b"])
    np.testing.assert_array_equal(n[0], [6.0, 7.0, 5.0])
    np.testing.assert_array_equal(c[1], [0.0, 0.0, 4.0])
    D["b"]["problem_idx"] = np.array([0, 1, 3])
    with pytest.raises(ValueError, match="same problems"):
        llm_passk.aligned_counts(D, ["a", "b"])


def test_error_bar_sources_counts_only_matches_binomial_variance():
    """At k = 1 the failure is 1 - mean(c'/n); with the problems fixed its variance is
    sum_i p_i (1 - p_i) / n / P^2 (closed form), and the two-level sd is larger."""
    rng = np.random.default_rng(1)
    P, n = 60, 50
    p = np.linspace(0.05, 0.95, P)
    c = np.round(p * n)
    eb = llm_passk.bootstrap_error_sources([np.full(P, float(n))], [c], [1, 5], 4000, rng)
    assert eb.two_level.shape == eb.counts_only.shape == eb.jeffreys.shape == (1, 4000, 2)
    q = c / n
    sd_exact = np.sqrt(np.sum(q * (1 - q) / n)) / P
    sd = eb.sd_at([1, 5], 1)
    assert sd["counts_only"][0] == pytest.approx(sd_exact, rel=0.06)  # sd of an sd estimate ~ 1/sqrt(2B)
    assert sd["two_level"][0] > 3 * sd["counts_only"][0]  # the spread of p across problems dominates


def _counts_for(models_s, P=40, n=200, seed=3):
    g = np.random.default_rng(seed)
    out_n, out_c = [], []
    for s in models_s:
        rate = g.beta(s, 1.0, size=P)
        out_n.append(np.full(P, float(n)))
        out_c.append(g.binomial(n, rate).astype(float))
    return out_n, out_c


def test_paired_window_exponents_point_values_equal_local_slope():
    from lidlib.counts import dataset_failure

    n, c = _counts_for([0.2, 0.4, 0.8])
    ks = np.unique(np.round(np.geomspace(1, 100, 25)))
    curves = np.array([dataset_failure(a, b, ks)[1] for a, b in zip(n, c)])
    W = [[1, 10], [10, 100]]
    ex = llm_passk.paired_window_exponents(curves, n, c, ks, W, 200, np.random.default_rng(0))
    ref = np.array([local_slope(ks, curves[i], W) for i in range(3)])  # independent implementation (Eq. 19)
    np.testing.assert_allclose(ex.value, ref, rtol=1e-10)
    assert ex.boot.shape == (3, 200, 2)
    assert np.all(ex.lo <= ex.hi)
    assert ex.covariance(0).shape == (3, 3)


def test_paired_bootstrap_cancels_shared_problem_noise():
    """Two models with the same counts share the problem resampling: the spread of their
    paired difference is only the count noise, far below either model's own spread
    (unpaired replicates would give sqrt(2) times the single-model spread)."""
    from lidlib.counts import dataset_failure

    n, c = _counts_for([0.3], P=80, n=2000)
    ks = np.unique(np.round(np.geomspace(1, 1000, 25)))
    curve = dataset_failure(n[0], c[0], ks)[1]
    ex = llm_passk.paired_window_exponents(np.array([curve, curve]), n * 2, c * 2, ks, [[10, 1000]], 300, 7)
    d = ex.boot[1, :, 0] - ex.boot[0, :, 0]
    assert d.std() < 0.5 * ex.boot[0, :, 0].std()


def test_adjacent_reversals_hand_case():
    # three models, one window; the middle model has a higher exponent than the largest
    value = np.array([[0.1], [0.3], [0.2]])
    boot = np.stack([v + np.linspace(-0.01, 0.01, 101)[:, None] for v in value])  # paired, same noise: diff exact
    ex = llm_passk.WindowExponents(np.array([[1.0, 10.0]]), value, boot, value - 0.01, value + 0.01)
    (r,) = llm_passk.adjacent_reversals(ex, ["S", "M", "L"])
    assert r["window"] == (1.0, 10.0)
    assert r["reversed"] == ["M > L"]
    assert r["resolved"] == ["M > L"]  # the paired interval of L - M is exactly -0.1
    with pytest.raises(ValueError, match="names"):
        llm_passk.adjacent_reversals(ex, ["S", "M"])


def _cov(m, rho=0.5, sd=0.01):
    i = np.arange(m)
    return sd**2 * rho ** np.abs(i[:, None] - i[None, :])


def test_compare_growth_laws_loglinear_chi2_is_the_closed_form_gls():
    x = np.geomspace(1e7, 1e10, 7)
    g = np.random.default_rng(5)
    S = _cov(7)
    y = 0.02 * np.log(x) - 0.3 + np.linalg.cholesky(S) @ g.standard_normal(7)
    res = llm_passk.compare_growth_laws({"N": x, "N2": 2 * x}, y, S)
    # closed-form GLS via the normal equations (no Cholesky whitening)
    A = np.column_stack([np.ones(7), np.log(x)])
    Si = np.linalg.inv(S)
    beta = np.linalg.solve(A.T @ Si @ A, A.T @ Si @ y)
    r = y - A @ beta
    assert res.axes["N"].chi2_loglinear == pytest.approx(float(r @ Si @ r), rel=1e-6)
    np.testing.assert_allclose(res.axes["N"].params_loglinear, beta, rtol=1e-6)
    # an exact line: AIC(log-linear) - AIC(Eq. 20) = -4 - chi2_sat <= -4
    exact = llm_passk.compare_growth_laws({"N": x}, A @ beta, S)
    assert exact.axes["N"].delta_aic <= -4 + 1e-6
    np.testing.assert_allclose(np.diag(res.correlation), 1.0)
    assert res.correlation[0, 1] == pytest.approx(0.5)


def test_compare_growth_laws_views_and_saturating_data():
    x = np.geomspace(1e7, 1e10, 7)
    y = 0.3 - 0.3 / (1 + (x / 1e8) ** 1.5)  # Eq. 20, strongly saturating
    S = _cov(7, rho=0.3, sd=0.005)
    res = llm_passk.compare_growth_laws({"N": x}, y, S)
    assert res.axes["N"].delta_aic > 10  # saturation clearly preferred on exact Eq. 20 data
    ref6 = compare_saturation_gls(x[1:], y[1:], S[1:, 1:])
    assert res.without_smallest.delta_aic == pytest.approx(ref6.delta_aic)
    refd = compare_saturation_gls(x, y, np.diag(np.diag(S)))
    assert res.diagonal.chi2_loglinear == pytest.approx(refd.chi2_loglinear)
    with pytest.raises(ValueError, match="increasing"):
        llm_passk.compare_growth_laws({"N": x[::-1]}, y, S)


def test_best_model_at_budgets_hand_case():
    curves = [[0.5, 0.25, 0.125, 0.0625], [0.2, 0.1, 0.05, 0.04]]
    rows = llm_passk.best_model_at_budgets([1.0, 2.0], curves, [2.0, 4.0, 7.0])
    # B=2: k = (2, 1): 0.25 vs 0.2 -> model 1; B=4: k = (4, 2): 0.0625 vs 0.1 -> model 0;
    # B=7: k = (7, 3.5): model 0 cannot afford 7 > 4 samples, model 1 at floor(3.5) = 3: 0.05
    assert [r["best"] for r in rows] == [1, 0, 1]
    assert [r["failure"] for r in rows] == [0.2, 0.0625, 0.05]
    np.testing.assert_array_equal(rows[2]["affordable"], [False, True])
    assert np.isnan(rows[0]["elasticity"])
    with pytest.raises(ValueError, match="affords"):
        llm_passk.best_model_at_budgets([1.0, 2.0], curves, [100.0])
