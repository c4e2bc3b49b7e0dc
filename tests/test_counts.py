"""Tests of lidlib.counts: estimators from counts, bootstrap, count likelihoods, the counts CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import lidlib
from lidlib import counts as C
from lidlib.cli.fit import cli_fit


def _bb_sample(rng, a, b, n, P, zero=0.0):
    s = rng.beta(b, a, P)  # success ~ Beta(b, a), failure p = 1 - s ~ Beta(a, b)
    s[rng.random(P) < zero] = 0.0
    return np.full(P, float(n)), rng.binomial(n, s).astype(float)


# --------------------------------------------------------------------------- estimators
def test_all_k_matches_math_comb_and_pass_at_k():
    rng = np.random.default_rng(0)
    n = rng.integers(5, 40, 25).astype(float)
    n[:3] = 30
    c = np.array([rng.integers(0, int(m) + 1) for m in n], float)
    c[0], c[1] = 0, 30  # never and always solved
    K = int(n.min())
    F = C.failure_all_k(n, c)
    assert F.shape == (n.size, K)
    for i in range(n.size):
        for k in range(1, K + 1):
            exact = math.comb(int(n[i] - c[i]), k) / math.comb(int(n[i]), k)
            assert F[i, k - 1] == pytest.approx(exact, rel=1e-12, abs=1e-15)
    ks = np.arange(1, K + 1)
    ref = 1.0 - np.asarray(lidlib.pass_at_k_unbiased(n[:, None], c[:, None], ks[None, :]))
    np.testing.assert_allclose(F, ref, atol=1e-13)
    # dataset average and selected-k evaluation agree
    k_sel, mean_sel = C.dataset_failure(n, c, [K, 1, 2])
    np.testing.assert_allclose(mean_sel, F.mean(axis=0)[[K - 1, 0, 1]], atol=1e-14)
    np.testing.assert_allclose(C.failure_at(n, c, ks), F, atol=1e-12)


def test_all_k_large_n_no_nan():
    n, c = np.array([10_000.0, 10_000.0, 10_000.0]), np.array([0.0, 3.0, 9_999.0])
    k, F = C.dataset_failure(n, c)
    assert k.size == 10_000 and np.isfinite(F).all()
    assert F[-1] == pytest.approx(1 / 3)  # only the c = 0 problem fails at k = n


def test_k_above_n_policy():
    n, c = np.array([10.0, 20.0]), np.array([2.0, 5.0])
    with pytest.raises(ValueError, match="k > n"):
        C.dataset_failure(n, c, [5, 11])
    k, F = C.dataset_failure(n, c, [5, 11], beyond_n="nan")
    assert np.isfinite(F[0]) and np.isnan(F[1])  # flagged, never 1.0 and never dropped
    assert k.size == 2
    with pytest.raises(ValueError, match="k_max"):
        C.failure_all_k(n, c, k_max=11)
    with pytest.raises(ValueError, match="beyond_n"):
        C.dataset_failure(n, c, [5], beyond_n="clip")


@pytest.mark.parametrize(
    "n,c,needle",
    [
        ([10, 10], [3, 11], "c must satisfy c <= n"),
        ([10, 10], [3, -1], "c must hold integers >= 0"),
        ([10, 10], [3, np.nan], "c must not contain NaN"),
        ([10, np.nan], [3, 1], "n must not contain NaN"),
        ([10, 0], [3, 0], "n must hold integers >= 1"),
        ([10, 10, 10], [3, 1], "n and c must have the same shape"),
        ([10, 10], [2.5, 1], "c must hold integers"),
    ],
)
def test_input_validation_names_argument(n, c, needle):
    with pytest.raises(ValueError, match=needle.replace("(", r"\(")):
        C.dataset_failure(n, c)
    with pytest.raises(ValueError, match=needle.split()[0]):
        lidlib.fit_passk_counts(n, c)


def test_bootstrap_seeded_and_shapes():
    rng = np.random.default_rng(1)
    n, c = _bb_sample(rng, 5.0, 0.4, 500, 60)
    ks = np.array([1, 10, 100, 500])
    b1 = C.bootstrap_failure(n, c, ks, 50, 7)
    b2 = C.bootstrap_failure(n, c, ks, 50, np.random.default_rng(7))
    assert b1.shape == (50, 4)
    np.testing.assert_array_equal(b1, b2)
    assert not np.array_equal(b1, C.bootstrap_failure(n, c, ks, 50, 8))
    fixed = C.bootstrap_failure(n, c, ks, 200, 3, problems=False)
    both = C.bootstrap_failure(n, c, ks, 200, 3)
    assert both[:, 2].std() > fixed[:, 2].std()  # problem choice adds variance
    beta = C.bootstrap_failure(n, c, ks, 20, 3, within="beta")
    assert np.isfinite(beta).all()
    with pytest.raises(ValueError, match="within"):
        C.bootstrap_failure(n, c, ks, 5, 0, within="poisson")
    with pytest.raises(ValueError, match="k > n"):
        C.bootstrap_failure(n, c, [1000], 5, 0)


# --------------------------------------------------------------------------- likelihood
def test_fit_recovers_beta_binomial_within_ci():
    rng = np.random.default_rng(4)
    a, b = 8.0, 0.4
    n, c = _bb_sample(rng, a, b, 2000, 800)
    f = lidlib.fit_passk_counts(n, c)
    assert f.model == "beta_binomial" and f.params["A"] == 1.0
    assert f.ci["b"][0] <= b <= f.ci["b"][1]
    assert f.ci["a"][0] <= a <= f.ci["a"][1]
    assert f.tail_exponent == f.params["b"]
    assert f.ci["b"][1] - f.ci["b"][0] < 0.2
    ks = np.array([1.0, 100.0, 1e5])
    np.testing.assert_allclose(
        f.predict(ks), 1 - np.asarray(lidlib.beta_model_failure(ks, f.params["a"], f.params["b"]))
    )
    assert f.loglik == pytest.approx(C.count_loglik(n, c, f.params["a"], f.params["b"]), rel=1e-12)


@pytest.mark.slowish
def test_zero_inflated_finds_point_mass_and_wins_aic():
    rng = np.random.default_rng(5)
    n, c = _bb_sample(rng, 3.0, 1.0, 1000, 600, zero=0.3)
    bb = lidlib.fit_passk_counts(n, c)
    zi = lidlib.fit_passk_counts(n, c, model="zero_inflated")
    assert zi.ci["A"][0] <= 0.7 <= zi.ci["A"][1]
    assert zi.aic < bb.aic - 10 and zi.bic < bb.bic
    assert zi.predict(1e9) == pytest.approx(zi.params["A"], abs=1e-3)  # ceiling A of Eq. 8


def test_fit_rejects_bad_model_and_no_success():
    with pytest.raises(ValueError, match="model"):
        lidlib.fit_passk_counts([10, 10], [1, 2], model="poisson")
    with pytest.raises(ValueError, match="c must contain"):
        lidlib.fit_passk_counts([10, 10], [0, 0])


def test_thinning_is_hypergeometric_and_baseline():
    rng = np.random.default_rng(6)
    n = np.full(4000, 100.0)
    c = np.full(4000, 30.0)
    cm = C.thin_counts(n, c, 10, rng)
    assert cm.mean() == pytest.approx(3.0, abs=0.1)
    var_hyp = 10 * 0.3 * 0.7 * (100 - 10) / 99  # smaller than the binomial 2.1
    assert cm.var() == pytest.approx(var_hyp, rel=0.1)
    with pytest.raises(ValueError, match="m must be"):
        C.thin_counts(n, c, 101, rng)
    n2, c2 = _bb_sample(rng, 5.0, 0.3, 1000, 200)
    base = C.power_law_baseline(n2, c2)
    assert base.B > 0 and 0 < base.failure(1000) < 1
    bt = C.backtest_thinning(n2, c2, [100], [1000], 2, 0, methods=("beta_binomial", "power_law"))
    assert bt["beta_binomial"].shape == (1, 2, 1) and np.isfinite(bt["power_law"]).all()


# --------------------------------------------------------------------------- CLI
@pytest.mark.slowish
def test_cli_counts_uses_likelihood(tmp_path, capsys):
    rng = np.random.default_rng(8)
    n, c = _bb_sample(rng, 6.0, 0.35, 1000, 300)
    f = tmp_path / "counts.csv"
    f.write_text("n,c\n" + "\n".join(f"{int(a)},{int(b)}" for a, b in zip(n, c)) + "\n")
    assert cli_fit([str(f), "--json", "--predict", "1000", "100000"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["input"] == "counts" and out["n_problems"] == 300
    sc = out["forecast"][
        "selection_scores"
    ]  # "best" is the out-of-sample (self-thinning) winner, not the best in-sample fit
    assert out["best"] == min(sc, key=sc.get) and "self-thinning" in out["best_criterion"]
    direct = lidlib.fit_passk_counts(n, c)
    assert out["fits"]["beta_binomial"]["params"]["b"] == pytest.approx(direct.params["b"], rel=1e-6)
    assert out["predict"]["beta_binomial"] == pytest.approx(list(direct.predict([1000, 100000])), rel=1e-6)
    assert cli_fit([str(f)]) == 0
    text = capsys.readouterr().out
    assert "profile-likelihood" in text and "interval" in text


@pytest.mark.slowish
def test_cli_counts_grouped(tmp_path, capsys):
    rng = np.random.default_rng(9)
    lines = ["model,benchmark,problem_idx,n,c"]
    for name, b in (("small", 0.2), ("big", 0.5)):
        n, c = _bb_sample(rng, 5.0, b, 500, 150)
        lines += [f"{name},X,{i},{int(x)},{int(y)}" for i, (x, y) in enumerate(zip(n, c))]
    f = tmp_path / "g.csv"
    f.write_text("\n".join(lines) + "\n")
    assert cli_fit([str(f), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["groups"]) == {"small", "big"}
    assert (
        out["groups"]["small"]["fits"]["beta_binomial"]["params"]["b"]
        < out["groups"]["big"]["fits"]["beta_binomial"]["params"]["b"]
    )
    assert cli_fit([str(f), "--model", "big", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_problems"] == 150


@pytest.mark.slowish
@pytest.mark.parametrize(
    "content,needle",
    [
        ("n,c\n10,3\n10,12\n", "0 <= c <= n"),
        ("n,c\n10,3\n10,-1\n", "0 <= c <= n"),
        ("n,c\n10,3\n10,nan\n", "not a finite number"),
        ("n,c\n10,3\n10\n", "expected 2 fields"),
        ("n,c\n" + "10,0\n" * 6, "c > 0"),
        ("model,n,c\n" + "A,10,1\nA,10,2\n" * 3 + "B,10,0\n" * 6, "model 'B'"),
        ("n,correct\n10,3\n10,4\n", "missing columns"),
        ("n,c\n10,3\n10,abc\n", "not a number: 'abc'"),
        ("n,c\n10,3\n10,4\n10,5\n", "too few problems (3"),
        ("model,n,c\n" + "A,10,1\n" * 6 + "B,10,2\nB,10,3\n", "model 'B': too few problems (2"),
        ("n,c\n10.5,3\n" + "10,4\n" * 5, "column 'n' must hold integers"),
        ("", "is empty"),
    ],
)
def test_cli_counts_malformed(tmp_path, capsys, content, needle):
    f = tmp_path / "bad.csv"
    f.write_text(content)
    assert cli_fit([str(f)]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_committed_counts_copy_is_checked(tmp_path, monkeypatch):
    from lidlib import data

    name = "llm-passk/pythia_math_counts.csv"
    src = data.REPO_DATA / name
    monkeypatch.setattr(data, "REPO_DATA", tmp_path / "repo" / "data")
    monkeypatch.setenv("LIDLIB_DATA_DIR", str(tmp_path / "empty_mirror"))
    monkeypatch.setenv("LIDLIB_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(data.DataUnavailableError, match="not committed"):
        data.fetch(name)  # no committed copy, no mirror, no URL
    dst = tmp_path / "repo" / "data" / name
    dst.parent.mkdir(parents=True)
    dst.write_bytes(src.read_bytes())
    assert data.fetch(name) == dst
    assert data.provenance(name)["origin"] == "repository"
    dst.write_bytes(src.read_bytes().replace(b",10000,0", b",10000,1", 1))
    with pytest.raises(data.DataIntegrityError, match="sha256"):
        data.fetch(name)


@pytest.mark.slowish
def test_cli_console_exit_status(tmp_path):
    import subprocess
    import sys

    f = tmp_path / "bad.csv"
    f.write_text("n,c\n10,3\n10,12\n")
    r = subprocess.run([sys.executable, "-m", "lidlib.cli", "fit", str(f)], capture_output=True, text=True)
    assert r.returncode != 0 and "0 <= c <= n" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slowish
def test_cli_counts_max_k_only_limits_curve_fits(tmp_path, capsys):
    rng = np.random.default_rng(10)
    n, c = _bb_sample(rng, 6.0, 0.35, 200, 40)
    f = tmp_path / "counts.csv"
    f.write_text("n,c\n" + "\n".join(f"{int(a)},{int(b)}" for a, b in zip(n, c)) + "\n")
    assert cli_fit([str(f), "--max-k", "2", "--json"]) == 0  # too few curve points: likelihood only
    out = json.loads(capsys.readouterr().out)
    assert set(out["fits"]) == {"beta_binomial", "zero_inflated"} and out["max_k_fitted"] is None
    assert cli_fit([str(f), "--max-k", "2"]) == 0
    assert "curve fits skipped" in capsys.readouterr().out
    assert cli_fit([str(f), "--max-k", "50", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"beta", "effective_k", "beta_binomial"} <= set(out["fits"]) and out["max_k_fitted"] <= 50


# --------------------------------------------------------------------------- forecasters
def test_pairs_aggregate_and_pair_failure_matches_dataset_failure():
    rng = np.random.default_rng(20)
    n = rng.integers(20, 40, 500).astype(float)
    c = rng.binomial(n.astype(int), 0.2).astype(float)
    nu, cu, w = C.count_pairs(n, c)
    assert w.sum() == 500 and nu.size < 500
    ks = np.array([1.0, 5.0, 20.0])
    np.testing.assert_allclose(C._pair_failure(nu, cu, w, ks), C.dataset_failure(n, c, ks)[1], rtol=1e-10)


def test_mixture_recovers_a_two_point_law():
    rng = np.random.default_rng(21)
    s = np.where(rng.random(4000) < 0.5, 0.3, 0.01)
    n = np.full(s.size, 1000.0)
    c = rng.binomial(1000, s).astype(float)
    fit = C.fit_mixture_counts(n, c)
    ks = np.array([10.0, 100.0, 1000.0])
    q = np.mean(s == 0.3)
    truth = q * 0.7**ks + (1 - q) * 0.99**ks
    np.testing.assert_allclose(fit.failure(ks), truth, atol=0.01)  # the smoothing blurs the atoms a little
    assert abs(fit.weights.sum() - 1) < 1e-12


@pytest.mark.slowish
def test_select_forecaster_prefers_the_true_law_on_large_benchmarks():
    rng = np.random.default_rng(22)
    n, c = _bb_sample(rng, 4.0, 0.3, 300, 4000)
    best, scores = C.select_forecaster(n, c, rng=0)
    assert best in ("beta_binomial", "zero_inflated") and scores[best] < scores["power_law"]
    with pytest.raises(ValueError, match="candidates"):
        C.select_forecaster(n, c, candidates=("nope",))
    with pytest.raises(ValueError, match="at least"):
        C.select_forecaster(np.full(10, 5.0), np.ones(10), rng=0)


@pytest.mark.slowish
def test_forecast_failure_beyond_n_and_auto():
    rng = np.random.default_rng(23)
    n, c = _bb_sample(rng, 4.0, 0.3, 200, 300)
    f, used = C.forecast_failure(n, c, [10, 1000, 10**5], "beta_binomial")
    assert used == "beta_binomial" and np.all(np.diff(f) < 0) and (f > 0).all()
    _, used = C.forecast_failure(n, c, [1000], "auto")
    assert used in C.AUTO_CANDIDATES
    with pytest.raises(ValueError, match="ks must be >= 1"):
        C.forecast_failure(n, c, [0.5])


def test_bootstrap_forecast_levels():
    n = np.full(50, 100.0)
    c = np.full(50, 7.0)
    c[:5] = 0
    same = C.bootstrap_forecast(np.full(50, 100.0), np.full(50, 7.0), [1000.0], "beta_binomial", 10, 0, within="none")
    assert np.isnan(same).all() or np.ptp(same) < 1e-9  # identical problems, nothing redrawn: no spread
    b1 = C.bootstrap_forecast(n, c, [1000.0], "power_law", 40, 1, within="none")
    b2 = C.bootstrap_forecast(n, c, [1000.0], "power_law", 40, 1, within="binomial")
    assert np.nanstd(b2) > np.nanstd(b1) > 0
    assert np.array_equal(b1, C.bootstrap_forecast(n, c, [1000.0], "power_law", 40, 1, within="none"), equal_nan=True)


@pytest.mark.slowish
def test_backtest_forecasters_structure_and_measured():
    rng = np.random.default_rng(24)
    n, c = _bb_sample(rng, 4.0, 0.3, 600, 120)
    bt = C.backtest_forecasters(n, c, [10, 20], 2, 0, methods=("power_law", "beta_binomial", "auto"))
    assert bt["abs_log_error"]["power_law"].shape == (2, 2, 2)
    np.testing.assert_allclose(bt["measured"][0], C.dataset_failure(n, c, [100, 300])[1])
    assert set(bt["selected"].ravel()) <= set(C.AUTO_CANDIDATES)
    s = C.backtest_summary(bt)
    assert s["power_law"]["mae"].shape == (2,) and np.isfinite(s["power_law"]["se"]).all()
    with pytest.raises(ValueError, match="max\\(ratios\\)"):
        C.backtest_forecasters(n, c, [30], 1, 0)


def test_failure_variance_is_unbiased_for_the_variance_of_the_estimator():
    n, s, ks = 20, 0.2, np.array([1.0, 3.0, 7.0])
    c = np.arange(n + 1, dtype=float)
    pmf = np.array([math.comb(n, j) * s**j * (1 - s) ** (n - j) for j in range(n + 1)])
    h = np.array([[math.comb(n - j, int(k)) / math.comb(n, int(k)) for k in ks] for j in range(n + 1)])  # unbiased p^k
    np.testing.assert_allclose(pmf @ h, (1 - s) ** ks, rtol=1e-12)
    var_exact = pmf @ h**2 - (pmf @ h) ** 2
    est = np.array([C._failure_variance(np.array([float(n)]), np.array([cj]), np.array([1.0]), ks)[1] for cj in c])
    np.testing.assert_allclose(pmf @ est, var_exact, rtol=1e-9)
    # P identical problems: the mean of P estimates has 1/P of the variance
    F, v = C._failure_variance(np.array([float(n)]), np.array([4.0]), np.array([5.0]), ks)
    np.testing.assert_allclose(F, h[4]) and np.testing.assert_allclose(v, est[4] / 5)


def test_power_law_top_is_least_squares_on_the_top_decade():
    rng = np.random.default_rng(25)
    n, c = _bb_sample(rng, 3.0, 0.4, 200, 300)
    ks = np.unique(np.round(np.geomspace(20, 200, 40)))
    cov = lidlib.pass_at_k_unbiased(n[:, None], c[:, None], ks[None, :]).mean(axis=0)
    slope, icpt = np.polyfit(np.log(ks), np.log(-np.log(cov)), 1)
    want = 1 - np.exp(-np.exp(icpt) * np.array([2000.0, 6000.0]) ** slope)
    got = C.TRIED_FORECASTERS["power_law_top"](*C.count_pairs(n, c), np.array([2000.0, 6000.0]))
    np.testing.assert_allclose(got, want, rtol=1e-9)


def test_tail_beta_recovers_a_beta_law_from_the_hard_problems():
    from scipy import special

    a, b = 4.0, 0.3
    ks = np.array([1000.0, 3000.0])
    truth = np.exp(special.betaln(a + ks, b) - special.betaln(a, b))  # E[p^k], p ~ Beta(a, b)
    for seed in (26, 27):  # 2e4 problems: the sampling error of the forecast is about 1-2%
        n, c = _bb_sample(np.random.default_rng(seed), a, b, 100, 20000)
        got = C.TRIED_FORECASTERS["tail_beta"](*C.count_pairs(n, c), ks)
        np.testing.assert_allclose(got, truth, rtol=0.06)


def test_npmle_tail_continues_a_power_law_density():
    bs = 0.5  # success s ~ Beta(bs, 1): density bs s^(bs - 1), so E[(1-s)^k] = Gamma(bs + 1) Gamma(k + 1) / Gamma(k + bs + 1)
    ks = np.array([1000.0, 3000.0])
    truth = np.exp(math.lgamma(bs + 1) + np.array([math.lgamma(k + 1) - math.lgamma(k + bs + 1) for k in ks]))
    rng = np.random.default_rng(28)
    s = rng.beta(bs, 1.0, 4000)
    n = np.full(s.size, 100.0)
    c = rng.binomial(100, s).astype(float)
    got = C.TRIED_FORECASTERS["npmle_tail"](*C.count_pairs(n, c), ks)
    np.testing.assert_allclose(got, truth, rtol=0.15)


def test_tried_forecasters_backtest_only_and_blend():
    rng = np.random.default_rng(29)
    n, c = _bb_sample(rng, 4.0, 0.3, 600, 120)
    assert not set(C.TRIED_FORECASTERS) & set(C.FORECASTERS)  # not offered by lidlib fit
    bt = C.backtest_forecasters(n, c, [20], 2, 0, methods=("power_law", "power_law_selfcal", "stack_tail"))
    for me, e in bt["log_error"].items():
        np.testing.assert_array_equal(np.abs(e), bt["abs_log_error"][me])
    pr = C.count_pairs(n, c)
    ks = np.array([300.0, 3000.0])
    st = C.TRIED_FORECASTERS["stack_tail"](*pr, ks)
    lo = np.minimum(C.FORECASTERS["power_law"](*pr, ks), C.TRIED_FORECASTERS["tail_beta"](*pr, ks))
    hi = np.maximum(C.FORECASTERS["power_law"](*pr, ks), C.TRIED_FORECASTERS["tail_beta"](*pr, ks))
    assert ((st >= lo * (1 - 1e-12)) & (st <= hi * (1 + 1e-12))).all()
    np.testing.assert_array_equal(st, C.TRIED_FORECASTERS["stack_tail"](*pr, ks))  # deterministic
    with pytest.raises(ValueError, match="methods must be among"):
        C.backtest_forecasters(n, c, [20], 1, 0, methods=("nope",))


def test_plan_samples_monotone_and_floor():
    rng = np.random.default_rng(25)
    n, c = _bb_sample(rng, 4.0, 0.4, 1000, 200)
    pl = C.plan_samples(n, c, 300, 0.2, n_rep=6, rng=0)
    assert pl["error_q"][0] > pl["error_q"][-1] and pl["m_needed"] is not None and pl["m_needed"] <= 1000
    assert 0 < pl["problems_halfwidth"] < 0.2
    with pytest.raises(ValueError, match="eps"):
        C.plan_samples(n, c, 300, 0.0)


# ------------------------------------------------------------ paired statistics (issue 18)
def _direct_failure(n, c, k):
    """Unbiased dataset failure at one k from the product formula (independent of lidlib)."""
    out = []
    for ni, ci in zip(n, c):
        f = 1.0
        for j in range(k):
            f *= max(ni - ci - j, 0) / (ni - j)
        out.append(f)
    return float(np.mean(out))


def test_paired_bootstrap_uses_the_same_problems_for_every_model():
    rng = np.random.default_rng(0)
    P = 30
    n = np.full(P, 50.0)
    c1 = rng.integers(0, 50, P).astype(float)
    c2 = np.minimum(c1 + rng.integers(0, 5, P), 50).astype(float)
    B, ks = 6, [1, 5]
    out = C.paired_bootstrap_failure([n, n], [c1, c2], ks, B, 7, within="none")
    idx = np.random.default_rng(7).integers(0, P, size=(B, P))  # replay the index draw
    for b in range(B):
        for j, c in enumerate((c1, c2)):
            assert out[j, b, 1] == pytest.approx(_direct_failure(n[idx[b]], c[idx[b]], 5), rel=1e-12)
    # identical models: every paired difference is exactly zero
    same = C.paired_bootstrap_failure([n, n], [c1, c1], ks, 50, 3, within="none")
    assert np.array_equal(same[0], same[1])
    # shared difficulty makes the models strongly correlated across replicates
    rep = C.paired_bootstrap_failure([n, n], [c1, c2], [1], 400, 4, within="binomial")[:, :, 0]
    assert np.corrcoef(rep)[0, 1] > 0.8
    with pytest.raises(ValueError, match="same number of problems"):
        C.paired_bootstrap_failure([n, n[:10]], [c1, c1[:10]], ks, 5, 0)


def test_aic_is_minus_two_loglik_plus_two_q():
    assert C.aic(10.0, 3) == 16.0
    rng = np.random.default_rng(1)
    n = np.full(60, 200.0)
    c = rng.binomial(200, rng.beta(0.5, 3.0, 60)).astype(float)
    f = C.fit_passk_counts(n, c)
    assert f.aic == pytest.approx(-2 * f.loglik + 2 * f.n_params, rel=1e-12)


def test_paired_differences_percentiles():
    rng = np.random.default_rng(2)
    boot = rng.standard_normal((3, 1000)) + np.array([[0.0], [0.5], [1.0]])
    res = C.paired_differences([0.0, 0.5, 1.0], boot, [(2, 0), (1, 0)])
    d = boot[2] - boot[0]
    assert res[0]["diff"] == 1.0
    assert res[0]["lo"] == pytest.approx(np.percentile(d, 2.5)) and res[0]["hi"] == pytest.approx(
        np.percentile(d, 97.5)
    )
    assert res[0]["p_le_0"] == pytest.approx(np.mean(d <= 0))


@pytest.mark.slowish
def test_compare_saturation_gls_diagonal_matches_weighted_least_squares_and_recovers_eq20():
    x = np.geomspace(1e7, 1e10, 7)
    y = 0.3 - 0.25 / (1 + (x / 3e8) ** 0.8)
    s = np.full(7, 0.01)
    cmp = C.compare_saturation_gls(x, y, np.diag(s**2))
    # exact Eq. 20 data: the saturating fit is perfect and better than the line by AIC
    assert cmp.chi2_saturating < 1e-6 and cmp.delta_aic > 0
    assert cmp.params_saturating[0] == pytest.approx(0.3, abs=1e-3)
    # the line: same chi^2 as numpy's weighted polyfit
    lin = np.polyfit(np.log(x), y, 1, w=1 / s)
    chi2 = float(np.sum(((np.polyval(lin, np.log(x)) - y) / s) ** 2))
    assert cmp.chi2_loglinear == pytest.approx(chi2, rel=1e-8)
    # log-linear data with correlated noise: the line wins
    y2 = 0.05 + 0.02 * np.log(x / 1e7)
    cov = 1e-4 * (0.2 * np.eye(7) + 0.8)
    assert C.compare_saturation_gls(x, y2, cov).delta_aic < 0
