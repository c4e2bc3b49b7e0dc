"""Tests of the maths teacher-student distillation proxy (lidlib.experiments.distill)."""

import numpy as np
import pytest
from scipy import special, stats

from lidlib import failure_curve, tails
from lidlib.experiments import distill as ds

SMALL = dict(d=8, beta=3.0, mu=2.0, alpha=0.5, q_scale=20.0, price_max=9)


def _task(**kw):
    return ds.DistillTask(**{**SMALL, **kw})


# ------------------------------------------------------------------ the teacher
def test_teacher_with_zero_slip_rate_answers_exactly():
    task = _task(mu=0.0)
    g = np.random.default_rng(1)
    w = task.prices(g)
    probs = task.sample(500, w, g)
    assert probs.steps.max() > 10  # long problems too
    ans = ds.teacher_answers(probs, 0.0, 7, g)
    assert ans.shape == (500, 7)
    np.testing.assert_array_equal(ans, np.broadcast_to(probs.answer[:, None], ans.shape))
    # and the answer is the verifiable bill w . q
    np.testing.assert_array_equal(probs.answer, probs.q @ w)
    # answer law at mu = 0: a point mass at the true answer
    np.testing.assert_array_equal(ds.answer_pmf([0, 1, 5], 100, 0.0), [1.0, 0.0, 0.0])


def test_teacher_answer_law_is_skellam():
    task = _task(mu=1.5)
    g = np.random.default_rng(2)
    w = task.prices(g)
    L = 6
    probs = task.sample(4000, w, g, steps=L)
    err = (ds.teacher_answers(probs, task.mu, 10, g) - probs.answer[:, None]).ravel()
    ref = stats.skellam(L * task.mu, L * task.mu)
    for j in (-3, 0, 1, 4):
        p = ds.answer_pmf(j, L, task.mu)
        assert p == pytest.approx(ref.pmf(j), rel=1e-10)
        assert abs(np.mean(err == j) - p) < 5 * np.sqrt(p * (1 - p) / err.size)
    # unbiased, variance 2 mu L
    assert abs(err.mean()) < 5 * np.sqrt(2 * task.mu * L / err.size)
    assert err.var() == pytest.approx(2 * task.mu * L, rel=0.05)


def test_skellam_large_argument_branch_is_continuous():
    j = np.array([0.0, 3.0, 1e3])
    m_lo, m_hi = 0.49e8, 0.51e8  # either side of the switch to the expansion
    np.testing.assert_allclose(ds.skellam_pmf(j, m_lo), ds.skellam_pmf(j, m_hi), rtol=0.05)
    assert np.all(ds.skellam_pmf(j, m_hi) > 0)


# ------------------------------------------------------------------ the difficulty law
def test_steps_law_exact_and_sampled():
    beta = 3.0
    l = np.array([1, 2, 5, 100])
    np.testing.assert_allclose(ds.steps_survival(l, beta), l ** (-beta / 2))
    L = ds.sample_steps(200_000, beta, np.random.default_rng(3))
    for li in (2, 10, 100):
        p = li ** (-beta / 2)
        assert abs(np.mean(L >= li) - p) < 5 * np.sqrt(p * (1 - p) / L.size)
    # precision tau = 1/L: P(tau <= t) = ceil(1/t)^(-beta/2)
    t = np.array([0.3, 0.05, 1e-3])
    np.testing.assert_allclose(ds.steps_precision_cdf(t, beta), np.ceil(1 / t) ** (-beta / 2))


@pytest.mark.slowish
@pytest.mark.parametrize("beta", [1.0, 3.0])
def test_tail_index_prediction_matches_simulation(beta):
    """The mechanism predicts P(tau_hat <= t) ~ t^(beta/2); the measured index agrees."""
    task = _task(beta=beta, mu=2.0)
    g = np.random.default_rng(4)
    w = task.prices(g)
    probs = task.sample(40_000, w, g)
    _, tau_hat = ds.empirical_precision(ds.teacher_answers(probs, task.mu, 24, g), task.sigma_eta2)
    finite = tau_hat[np.isfinite(tau_hat)]
    a, se = tails.lower_tail_index(finite, 800)
    assert abs(a - beta / 2) < 3 * se
    # a wrong prediction (the Gamma convention's beta, doubled) is rejected
    assert abs(a - beta) > 3 * se


# ------------------------------------------------------------------ the student
def test_student_recovers_teacher_mean_when_teacher_is_noise_free():
    task = _task(mu=0.0)
    g = np.random.default_rng(5)
    w = task.prices(g)
    sets = ds.draw_training_sets(task, w, 6 * task.d, 2, g)
    th = sets.fit([3 * task.d, 6 * task.d])
    np.testing.assert_allclose(th, np.broadcast_to(w, th.shape), atol=1e-8)
    assert np.all(ds.generalisation_loss(task, w, th) < 1e-12)
    test = task.sample(300, w, g)
    # perfect student: pass@1 failure of the rounded answer against a noise-free teacher is 0
    assert ds.student_failure(test.q @ th[0, 1], test.answer, 0.0, task.beta, [1, 10])[0] == pytest.approx(
        0.0, abs=1e-12
    )


@pytest.mark.slowish
def test_student_loss_matches_expected_loss_on_average():
    task = _task(mu=2.0, beta=5.0)  # beta > 4: finite-variance noise, quick convergence
    g = np.random.default_rng(6)
    w = task.prices(g)
    Ns = np.array([40, 160])
    sets = ds.draw_training_sets(task, w, int(Ns[-1]), 200, g)
    Lg = ds.generalisation_loss(task, w, sets.fit(Ns)).mean(0)
    ratio = Lg / sets.expected_loss(Ns, task).mean(0)
    np.testing.assert_allclose(ratio, 1.0, atol=0.15)


def test_ridge_sweep_matches_lstsq_and_ridge_shrinks():
    g = np.random.default_rng(7)
    X = g.normal(size=(100, 5))
    y = X @ np.arange(1.0, 6.0) + g.normal(size=100)
    th = ds.ridge_sweep(X, y, [20, 100])
    np.testing.assert_allclose(th[0], np.linalg.lstsq(X[:20], y[:20], rcond=None)[0], rtol=1e-10)
    np.testing.assert_allclose(th[1], np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-10)
    assert np.linalg.norm(ds.ridge_sweep(X, y, [100], lam=10.0)[0]) < np.linalg.norm(th[1])


# ------------------------------------------------------------------ pass@k
def test_bias_free_failure_approaches_tauberian_asymptote():
    beta, mu = 3.0, 12.5
    ks = np.array([1e4, 1e5])
    f = ds.student_failure([0.0], [0.0], mu, beta, ks)
    c = 1 / np.sqrt(2 * np.pi * 2 * mu)
    np.testing.assert_allclose(f / (special.gamma(beta + 1) * (ks * c) ** (-beta)), 1.0, rtol=0.01)


def test_failure_by_steps_equals_failure_curve():
    g = np.random.default_rng(8)
    pred = g.normal(scale=3.0, size=200)
    ans = np.zeros(200)
    ks = [1, 5, 50]
    F = ds.failure_by_steps(pred, ans, [4], 1.0, ks)[0]
    s = ds.answer_pmf(np.abs(np.round(pred)), 4, 1.0)
    np.testing.assert_allclose(F, failure_curve(s, ks), rtol=1e-12)


def test_both_protocols_match_exact_failure():
    task = _task(mu=1.0)
    g = np.random.default_rng(9)
    w = task.prices(g)
    probs = task.sample(4000, w, g)
    pred = probs.answer + g.normal(scale=2.0, size=len(probs))
    s = ds.answer_pmf(np.abs(np.round(pred) - probs.answer), probs.steps, task.mu)
    exact = failure_curve(s, np.arange(1, 21))
    se = np.sqrt(exact * (1 - exact) / len(probs))
    for protocol in ("target", "verifier"):
        sim = ds.simulate_passk(pred, probs, task.mu, 20, g, protocol=protocol)
        assert np.max(np.abs(sim - exact) / se) < 4.5


# ------------------------------------------------------------------ determinism
def _run(seed):
    task = _task()
    g = np.random.default_rng(seed)
    w = task.prices(g)
    sets = ds.draw_training_sets(task, w, 64, 2, g)
    th = sets.fit([32, 64])
    test = task.sample(200, w, g)
    return np.concatenate(
        [
            ds.generalisation_loss(task, w, th).ravel(),
            ds.pooled_failure(task, th[:, 1], test, [1.0, 30.0]),
            sets.y.ravel(),
        ]
    )


def test_fixed_seed_gives_fixed_numbers():
    a, b = _run(11), _run(11)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, _run(12))


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: ds.DistillTask(d=0), "d"),
        (lambda: ds.DistillTask(beta=-1.0), "beta"),
        (lambda: ds.DistillTask(mu=-0.5), "mu"),
        (lambda: ds.DistillTask(alpha=0.0), "alpha"),
        (lambda: ds.sample_steps(10, float("nan"), 0), "beta"),
        (lambda: ds.sample_steps(0, 3.0, 0), "n"),
        (lambda: ds.skellam_pmf(1, -1.0), "m"),
        (lambda: ds.empirical_precision(np.ones((5, 1)), 1.0), "samples"),
        (lambda: ds.empirical_precision(np.ones((5, 3)), 0.0), "sigma_eta2"),
        (lambda: ds.ridge_sweep(np.ones((10, 2)), np.ones(9), [5]), "X"),
        (lambda: ds.ridge_sweep(np.ones((10, 2)), np.ones(10), [5, 4]), "Ns"),
        (lambda: ds.failure_by_steps([0.0], [0.0], [1], 1.0, [0.5]), "ks"),
        (lambda: ds.student_failure([0.0, 1.0], [0.0], 1.0, 3.0, [1]), "pred"),
        (
            lambda: ds.simulate_passk([0.0], ds.DistillTask(d=2).sample(1, [1, 1], 0), 1.0, 5, 0, protocol="x"),
            "protocol",
        ),
        (lambda: ds.DistillTask(d=2).sample(3, [1.0, 2.0, 3.0], 0), "w"),
        (lambda: ds.teacher_answers(ds.DistillTask(d=2).sample(3, [1, 1], 0), 1.0, 0, 0), "n_samples"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def _alloc_setup(n_seeds=4):
    task = _task()
    rng = np.random.default_rng(5)
    w = task.prices(rng)
    sets = ds.draw_training_sets(task, w, 200, n_seeds, rng)
    test = task.sample(400, w, rng)
    return task, w, sets, test


def test_budget_objective_matches_a_hand_computation():
    task, w, sets, test = _alloc_setup()
    Ns = np.array([20, 60, 150])
    th = sets.fit(Ns)
    settings = [(1e-3, 1.0, 100.0), (1e-2, 2.0, 200.0)]
    T = ds.budget_objective(task, w, th, test, Ns, settings)
    # independent: loss from the definition, failure from the per-step law, averaged by hand
    for i, N in enumerate(Ns):
        for j, (R, cr, C) in enumerate(settings):
            k = np.floor(C - N * cr)
            if k < 1:
                assert T[i, j] == np.inf
                continue
            lam = task.rates  # E[q q^T] of independent Poisson quantities, written out
            M = np.diag(lam) + np.outer(lam, lam)
            Lg = np.mean([(t - w) @ M @ (t - w) for t in th[:, i]])
            fail = np.mean([ds.student_failure(test.q @ t, test.answer, task.mu, task.beta, [k])[0] for t in th[:, i]])
            assert T[i, j] == pytest.approx(R * Lg / task.sigma_eta2 + fail, rel=1e-9)


@pytest.mark.slowish
def test_cross_fit_with_identical_halves_has_no_out_of_sample_regret():
    task, w, sets, test = _alloc_setup(n_seeds=2)
    twin = ds.TrainingSets(np.stack([sets.q[0]] * 2), np.stack([sets.y[0]] * 2), np.stack([sets.steps[0]] * 2))
    Ns = np.unique(np.geomspace(16, 200, 12).astype(int))
    res = ds.cross_fit_allocation(task, w, twin, test, Ns, np.geomspace(1, 100, 20), Ns, [(1e-3, 1.0, 150.0)])
    np.testing.assert_allclose(res["regret_bf_oos"], 0.0, atol=1e-12)  # the same data on both halves
    assert np.all(res["regret_tool_vs_min"] >= 0)
    real = ds.cross_fit_allocation(task, w, sets, test, Ns, np.geomspace(1, 100, 20), Ns, [(1e-3, 1.0, 150.0)])
    assert real["T_bf"].shape == (2, 1) and np.all(real["regret_bf_oos"] >= 0)
