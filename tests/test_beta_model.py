"""Tests of lidlib.beta_model and the `lidlib fit` command (predecessor paper, arXiv:2410.16377)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, special, stats

from lidlib import beta_model as bm
from lidlib.cli import main
from lidlib.cli.fit import cli_fit

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ["gemma2B.csv", "llama8BpassN.csv", "pythia28B.csv"]


# --------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("a,b", [(0.5, 0.35), (2.0, 1.0), (8.0, 0.3), (1.0, 3.0)])
def test_failure_equals_moment_by_quadrature(a, b):
    ks = np.array([1, 2, 7, 50])
    exact = bm.beta_model_failure(ks, a, b)
    # algebraic-weight quadrature: int_0^1 p^k * p^(a-1) (1-p)^(b-1) dp / B(a, b), independent of betaln
    quad = [integrate.quad(lambda p: p**k, 0, 1, weight="alg", wvar=(a - 1, b - 1))[0] / special.beta(a, b) for k in ks]
    np.testing.assert_allclose(exact, quad, rtol=1e-8)


def test_failure_gamma_form_and_integer_product():
    # B(a+k, b)/B(a, b) = Gamma(b) Gamma(k+a) / (B(a, b) Gamma(k+a+b)) = prod_{j<k} (a+j)/(a+b+j)
    a, b = 2.5, 0.4
    for k in (1, 3, 20):
        prod = np.prod([(a + j) / (a + b + j) for j in range(k)])
        gam = special.gamma(b) * special.gamma(k + a) / (special.beta(a, b) * special.gamma(k + a + b))
        assert bm.beta_model_failure(k, a, b) == pytest.approx(prod, rel=1e-13)
        assert gam == pytest.approx(prod, rel=1e-12)


def test_asymptote_constant_at_large_k():
    a, b = 3.0, 0.35
    ks = np.array([1e4, 1e6, 1e8, 1e12])
    ratio = bm.beta_model_failure(ks, a, b) / bm.beta_model_asymptote(ks, a, b)
    # next term of the expansion: 1 - b (2a + b - 1) / (2k)
    np.testing.assert_allclose(ratio, 1 - b * (2 * a + b - 1) / (2 * ks), rtol=10 / ks.min() ** 2)
    assert bm.beta_model_asymptote(1.0, a, b) == pytest.approx(special.gamma(b) / special.beta(a, b))


def test_local_slope_tends_to_b():
    a, b = 10.0, 0.3
    k = np.array([1e7, 1.01e7])
    f = bm.beta_model_failure(k, a, b)
    slope = -np.diff(np.log(f)) / np.diff(np.log(k))
    assert slope[0] == pytest.approx(b, rel=1e-4)


def test_monte_carlo_failure():
    rng = np.random.default_rng(3)
    a, b, k = 2.0, 0.5, 10
    p = rng.beta(a, b, 400_000)
    solved_never = (rng.random((p.size,)) < p**k).mean()  # one Bernoulli with prob p^k per problem
    se = np.sqrt(bm.beta_model_failure(k, a, b) * (1 - bm.beta_model_failure(k, a, b)) / p.size)
    assert abs(solved_never - bm.beta_model_failure(k, a, b)) < 5 * se


def test_laplace_view():
    a, b = 4.0, 0.35
    for k in (1.0, 10.0, 300.0):
        val = integrate.quad(lambda s: np.exp(-k * s) * bm.log_difficulty_density(s, a, b), 0, np.inf, limit=400)[0]
        assert val == pytest.approx(bm.beta_model_failure(k, a, b), rel=1e-7)


def test_pdf_and_coverage():
    p = np.linspace(0.01, 0.99, 7)
    np.testing.assert_allclose(bm.difficulty_pdf(p, 3.0, 0.4), stats.beta.pdf(p, 3.0, 0.4), rtol=1e-12)
    assert bm.beta_model_coverage(5, 2.0, 0.5, 0.9) == pytest.approx(0.9 * (1 - bm.beta_model_failure(5, 2.0, 0.5)))
    assert bm.inference_loss(5, 2.0, 0.5, 0.9) == pytest.approx(0.9 * bm.beta_model_failure(5, 2.0, 0.5))


def test_matching_a_reproduces_tail():
    b, c = 0.8, 2.5
    a = bm.matching_beta_a(b, c)
    s = 1e-7  # Pr(1 - p <= s) = I_s(b, a) ~ c s^b
    assert stats.beta.cdf(s, b, a) / (c * s**b) == pytest.approx(1.0, rel=1e-5)


@pytest.mark.parametrize("kappa", [0.0, 0.25, 0.7, 1.0, 1.0 + 1e-10, 1.8, 3.0])
def test_effective_k_equals_direct_sum(kappa):
    ks = np.array([1, 2, 3, 10, 17, 100, 2500])
    direct = np.array([np.sum(np.arange(1, k + 1, dtype=float) ** -kappa) for k in ks])
    np.testing.assert_allclose(bm.effective_k(ks, kappa), direct, rtol=1e-10)


def test_effective_k_limits():
    assert bm.effective_k(1e9, 2.0) == pytest.approx(np.pi**2 / 6, rel=1e-8)
    assert bm.effective_k(123.4, 0.0) == pytest.approx(123.4)


def test_cost_maps_to_attempts():
    a, b, n_p, n_d = 3.0, 0.4, 200.0, 50.0
    k = np.array([1, 10, 1000])
    cost = n_p + n_d * k
    np.testing.assert_allclose(bm.coverage_at_cost(cost, a, b, n_p, n_d, 0.9), bm.beta_model_coverage(k, a, b, 0.9))
    assert np.isnan(bm.coverage_at_cost(n_p + 0.5 * n_d, a, b, n_p, n_d))


@pytest.mark.parametrize(
    "call",
    [
        lambda: bm.beta_model_failure(0.5, 1.0, 1.0),
        lambda: bm.beta_model_failure(2, -1.0, 1.0),
        lambda: bm.beta_model_failure(2, 1.0, np.nan),
        lambda: bm.effective_k(3, -0.1),
        lambda: bm.fit_passk_curve([1, 2, 3, 4, 5], [0.1, 0.2, 1.2, 0.4, 0.5]),
        lambda: bm.fit_passk_curve([1, 2, 3], [0.1, 0.2, 0.3]),
        lambda: bm.fit_passk_curve([1, 2, 3, 4], [0.1, 0.2, 0.3]),
    ],
)
def test_bad_input_raises(call):
    with pytest.raises(ValueError):
        call()


# --------------------------------------------------------------------------- fitting


@pytest.mark.parametrize("a,b,A", [(3.0, 0.35, 0.95), (10.0, 0.5, 1.0), (1.5, 0.25, 0.8)])
def test_fit_recovers_beta_parameters(a, b, A):
    ks = np.unique(np.round(np.geomspace(1, 1e4, 40)))
    rng = np.random.default_rng(0)
    cov = bm.beta_model_coverage(ks, a, b, A) * (1 + 1e-3 * rng.standard_normal(ks.size))
    fit = bm.fit_passk_curve(ks, np.clip(cov, 0, 1))
    assert fit.params["b"] == pytest.approx(b, rel=0.05)
    assert fit.params["a"] == pytest.approx(a, rel=0.15)
    assert fit.params["A"] == pytest.approx(A, abs=0.01)
    np.testing.assert_allclose(fit.predict(ks), cov, atol=3e-3)


def test_fit_exact_curve_is_exact():
    ks = np.geomspace(1, 1e3, 25)
    fit = bm.fit_passk_curve(ks, bm.beta_model_coverage(ks, 4.0, 0.4, 0.9))
    assert fit.params["a"] == pytest.approx(4.0, rel=1e-5)
    assert fit.params["b"] == pytest.approx(0.4, rel=1e-5)
    assert fit.rms_log_failure < 1e-8


@pytest.mark.slowish
def test_fit_stderr_matches_scatter():
    # the Jacobian errors should match the spread of fits over noise realisations
    ks = np.geomspace(1, 1e3, 30)
    true = bm.beta_model_coverage(ks, 3.0, 0.4, 1.0)
    rng = np.random.default_rng(5)
    bs, ses = [], []
    for _ in range(40):
        fail = (1 - true) * np.exp(0.02 * rng.standard_normal(ks.size))
        f = bm.fit_passk_curve(ks, 1 - fail, fit_amplitude=False)
        bs.append(f.params["b"])
        ses.append(f.stderr["b"])
    assert np.std(bs) == pytest.approx(np.mean(ses), rel=0.35)


def test_fit_effective_k_recovers():
    ks = np.geomspace(1, 1e4, 30)
    cov = bm.effective_k_coverage(ks, 0.9, 0.6, 0.95)
    fit = bm.fit_passk_curve(ks, cov, model="effective_k")
    assert fit.params["p"] == pytest.approx(0.9, rel=1e-4)
    assert fit.params["kappa"] == pytest.approx(0.6, rel=1e-4)
    assert fit.params["A"] == pytest.approx(0.95, rel=1e-4)


def test_coverage_from_counts_matches_population():
    # counts drawn from p ~ Beta: the averaged unbiased estimator tracks A(1 - E[p^k])
    rng = np.random.default_rng(1)
    fail = rng.beta(3.0, 0.5, 4000)
    n = np.full(fail.size, 2000)
    c = rng.binomial(n, 1 - fail)
    ks, cov = bm.coverage_from_counts(n, c)
    assert ks[0] == 1 and ks[-1] == 2000
    np.testing.assert_allclose(cov, bm.beta_model_coverage(ks, 3.0, 0.5), atol=0.02)


# --------------------------------------------------------------------------- the CLI


@pytest.mark.slowish
@pytest.mark.parametrize("name", SHIPPED)
def test_cli_on_shipped_files(name, capsys):
    path = ROOT / "data" / "llm-passk" / name
    assert cli_fit([str(path), "--max-k", "100", "--predict", "1000", "10000", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["input"] == "curve" and out["max_k_fitted"] <= 100
    b = out["fits"]["beta"]["params"]["b"]
    assert 0.1 < b < 1.0
    pred = out["predict"]["beta"]
    assert len(pred) == 2 and 0 < pred[0] < pred[1] <= 1
    assert cli_fit([str(path)]) == 0
    assert "Beta law" in capsys.readouterr().out


@pytest.mark.slowish
def test_cli_through_main(capsys):
    assert main(["fit", str(ROOT / "data/llm-passk/pythia28B.csv"), "--predict", "100"]) == 0
    assert "kappa" in capsys.readouterr().out


@pytest.mark.slowish
def test_cli_counts(tmp_path, capsys):
    rng = np.random.default_rng(2)
    fail = rng.beta(4.0, 0.4, 300)
    n = np.full(fail.size, 1000)
    c = rng.binomial(n, 1 - fail)
    f = tmp_path / "counts.csv"
    f.write_text("n,c\n" + "\n".join(f"{a},{b}" for a, b in zip(n, c)) + "\n")
    assert cli_fit([str(f), "--json", "--predict", "1000"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["input"] == "counts" and out["max_k_fitted"] == 1000
    ks, cov = bm.coverage_from_counts(n, c, [1000])
    assert out["predict"]["beta"][0] == pytest.approx(cov[0], abs=0.03)  # 300 problems: s.e. of coverage ~0.017
    assert 0.25 < out["fits"]["beta"]["params"]["b"] < 0.6


@pytest.mark.parametrize(
    "content,extra,needle",
    [
        ("k,foo\n1,0.1\n2,0.2\n", [], "missing columns"),
        ("k,coverage\n1,0.1\n2,abc\n3,0.3\n4,0.4\n5,0.5\n", [], "not a number"),
        ("k,coverage\n1,0.1\n2,1.3\n3,0.3\n4,0.4\n5,0.5\n", [], "[0, 1]"),
        ("k,coverage\n1,0.1\n2,0.2\n", [], "too few points"),
        ("k,coverage\n0.5,0.1\n2,0.2\n3,0.3\n4,0.4\n5,0.5\n", [], ">= 1"),
        ("k,coverage\n1,0.1\n2,0.2\n3,0.3\n40,0.4\n50,0.5\n", ["--max-k", "3"], "too few points"),
        ("n,c\n10,3\n10,12\n", [], "0 <= c <= n"),
        ("", [], "empty"),
    ],
)
def test_cli_error_paths(tmp_path, capsys, content, extra, needle):
    f = tmp_path / "bad.csv"
    f.write_text(content)
    assert cli_fit([str(f), *extra]) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_cli_missing_file_and_bad_option(tmp_path, capsys):
    assert cli_fit([str(tmp_path / "nope.csv")]) == 2
    assert cli_fit([str(ROOT / "data/llm-passk/gemma2B.csv"), "--predict", "0"]) == 2
    assert cli_fit(["--bogus"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 3 and "Traceback" not in err


# --------------------------------------------------------------------------- the VAE experiment (Section 4)


def _small_vae():
    from lidlib.experiments import vae as V

    m = V.VAE.init(0, d_in=12, d_h=7, d_z=3)
    m.params = {k: v.astype(np.float64) for k, v in m.params.items()}
    return V, m


def test_vae_gradients_match_finite_differences():
    V, m = _small_vae()
    rng = np.random.default_rng(1)
    x = rng.random((5, 12))
    eps = rng.standard_normal((5, 3))
    _, gr = V.loss_and_grads(m, x, eps, temperature=1.1)
    h = 1e-6
    for name in ("W1", "bm", "Wl", "W3", "b4"):
        p = m.params[name]
        for idx in [(0,) * p.ndim, tuple(s - 1 for s in p.shape)]:
            old = p[idx]
            p[idx] = old + h
            up = V.loss_and_grads(m, x, eps, 1.1)[0]
            p[idx] = old - h
            dn = V.loss_and_grads(m, x, eps, 1.1)[0]
            p[idx] = old
            assert gr[name][idx] == pytest.approx((up - dn) / (2 * h), rel=1e-5, abs=1e-8)


def test_vae_training_lowers_loss_and_caches(tmp_path):
    from lidlib.experiments import vae as V

    protos = np.random.default_rng(0).random((2, 16)).round()
    x = protos[np.arange(40) % 2]  # two repeated patterns: learnable, loss far below the random-bit level
    m = V.train_vae(x, 30, 3, batch_size=16, lr=3e-3, cache_dir=tmp_path)
    assert m.losses[-1] < 0.9 * m.losses[0]
    again = V.train_vae(x, 30, 3, batch_size=16, lr=3e-3, cache_dir=tmp_path)
    np.testing.assert_array_equal(again.params["W4"], m.params["W4"])
    assert len(list(tmp_path.glob("vae-*.npz"))) == 1


def test_vae_cache_key_follows_the_training_code(tmp_path, monkeypatch):
    """An edit to vae.py changes the key, so stale weights are never reused."""
    from pathlib import Path

    from lidlib.experiments import vae as V

    x = np.zeros((4, 16))
    key = V._cache_key(x, epochs=1, seed=0)
    edited = tmp_path / "vae.py"
    edited.write_bytes(Path(V.__file__).read_bytes() + b"\n# an edit\n")
    monkeypatch.setattr(V, "__file__", str(edited))
    assert V._cache_key(x, epochs=1, seed=0) != key


def test_vae_errors_and_correlation():
    from lidlib.experiments import vae as V

    m = V.VAE.init(0, d_in=16, d_h=8, d_z=2)
    x = np.random.default_rng(0).random((6, 16))
    e = V.reconstruction_errors(m, x, 7, 1, chunk=3)
    y = m.decode(m.encode(x.astype(np.float32))[0])  # T = 0: the mean reconstruction
    e0 = V.reconstruction_errors(m, x, 2, 1, temperature=0.0)
    np.testing.assert_allclose(e0[:, 0], np.linalg.norm(y - x, axis=1) / np.linalg.norm(x, axis=1), rtol=1e-5)
    C = V.trial_correlation(e)
    brute = np.array([[np.mean(e[:, i] * e[:, j]) for j in range(7)] for i in range(7)])
    np.testing.assert_allclose(C, brute)
    kap, _ = V.eigen_decay_exponent(np.arange(1, 51.0) ** -1.3, 2, 40)
    assert kap == pytest.approx(1.3)


@pytest.mark.slowish
def test_coverage_space_fit_recovers_exact_law_and_reports_coverage_error():
    from scipy import special as sp

    k = np.geomspace(1, 1e4, 30)
    a, b, A = 3.0, 0.4, 0.95
    cov = A * (1 - np.exp(sp.betaln(a + k, b) - sp.betaln(a, b)))  # independent closed form
    for space in ("log_failure", "coverage"):
        f = bm.fit_passk_curve(k, cov, space=space)
        assert f.params["b"] == pytest.approx(b, rel=1e-4) and f.params["A"] == pytest.approx(A, rel=1e-5)
        assert f.extra["max_coverage_error"] < 1e-6
    # a distorted small-k end: the two objectives disagree, and the coverage metric sees it
    bad = cov.copy()
    bad[:5] += 0.05
    f_log = bm.fit_passk_curve(k, bad)
    f_cov = bm.fit_passk_curve(k, bad, space="coverage")
    assert abs(f_log.params["b"] - f_cov.params["b"]) > 1e-3
    pred = f_log.predict(k)
    assert f_log.extra["max_coverage_error"] == pytest.approx(np.max(np.abs(pred - bad)), rel=1e-9)
    with pytest.raises(ValueError, match="space"):
        bm.fit_passk_curve(k, cov, space="x")
