"""Tests of the distillation chapter's orchestration (lidlib.experiments.distill):
answer_law_z, loss_tail and allocation_regret."""

import numpy as np
import pytest
from scipy import stats

from lidlib import allocation as al
from lidlib.experiments import distill as ds

SMALL = dict(d=8, beta=3.0, mu=1.5, alpha=0.5, q_scale=20.0, price_max=9)


def _task(**kw):
    return ds.DistillTask(**{**SMALL, **kw})


# ------------------------------------------------------------------ answer_law_z
def test_answer_law_z_matches_a_hand_count():
    task = _task()
    g = np.random.default_rng(5)
    w = task.prices(g)
    z = ds.answer_law_z(task, w, [1, 4], 300, 20, (0, 1, 3), np.random.default_rng(7))
    assert z.shape == (2, 3)
    # the same draws counted by hand against scipy's Skellam law
    g2 = np.random.default_rng(7)
    for i, L in enumerate([1, 4]):
        probs = task.sample(300, w, g2, steps=L)
        err = ds.teacher_answers(probs, task.mu, 20, g2) - probs.answer[:, None]
        for j, e in enumerate((0, 1, 3)):
            p = stats.skellam(L * task.mu, L * task.mu).pmf(e)
            assert z[i, j] == pytest.approx(abs(np.mean(err == e) - p) / np.sqrt(p * (1 - p) / 6000), rel=1e-9)
    assert z.max() < 4.5  # the simulator draws the stated law


def test_answer_law_z_catches_a_teacher_that_slips_too_often(monkeypatch):
    task = _task()
    w = task.prices(np.random.default_rng(5))
    honest = ds.teacher_answers
    monkeypatch.setattr(ds, "teacher_answers", lambda probs, mu, n, g: honest(probs, 2 * mu, n, g))
    z = ds.answer_law_z(task, w, [4], 300, 20, (0, 1), np.random.default_rng(7))
    assert z.max() > 5  # far beyond the 4 of the chapter


# ------------------------------------------------------------------ loss_tail
def test_loss_tail_on_an_exact_power_law_with_known_factors():
    Ns = np.array([50, 100, 200, 400, 800])
    factors = np.array([0.5, 1.0, 1.5, 3.0])  # one per training set
    expected = 7.0 / Ns
    losses = factors[:, None] * 2.0 * 7.0 / Ns**1.0
    res = ds.loss_tail(Ns, losses, expected, 100, 200, np.random.default_rng(0))
    assert res.gamma == pytest.approx(1.0, abs=1e-12)
    assert res.gamma_se == pytest.approx(0.0, abs=1e-12)  # every resample is an exact N^-1 law
    assert res.ratio == pytest.approx(2.0 * factors.mean(), rel=1e-12)
    # the bootstrap s.e. of a mean of four factors: close to the plug-in s.e. sd/sqrt(n)
    assert res.ratio_se == pytest.approx(2.0 * factors.std() / 2.0, rel=0.25)
    np.testing.assert_allclose(res.quantiles, 2.0 * np.quantile(factors, [0.1, 0.5, 0.9]), rtol=1e-12)
    np.testing.assert_array_equal(res.tail, Ns >= 100)
    steeper = ds.loss_tail(Ns, losses / Ns**0.5, expected, 100, 10, np.random.default_rng(0))
    assert steeper.gamma == pytest.approx(1.5, abs=1e-12)
    with pytest.raises(ValueError):
        ds.loss_tail(Ns, losses, expected, 800, 10, np.random.default_rng(0))  # one point is no tail


# ------------------------------------------------------------------ allocation_regret
def test_allocation_regret_against_brute_force_on_a_small_task():
    task = ds.DistillTask(d=6, beta=3.0, mu=1.0, alpha=0.5, q_scale=20.0, price_max=9)
    g = np.random.default_rng(11)
    w = task.prices(g)
    sets = ds.draw_training_sets(task, w, 200, 4, g)
    test = task.sample(300, w, g)
    Ns = np.unique(np.geomspace(12, 200, 10).astype(int))
    ks = np.geomspace(1, 300, 25)
    th = sets.fit(Ns)
    curves = np.array([ds.pooled_failure(task, th[:, i], test, ks) for i in range(Ns.size)])
    losses = ds.generalisation_loss(task, w, th).mean(0)
    settings = [(1e-3, 1.0, 150.0), (1e-2, 1.0, 250.0)]
    res = ds.allocation_regret(task, w, sets, test, Ns, ks, curves, losses, settings, n_dense=15, stride=2)
    # brute force: the objective of each dense N evaluated on its own, and its argmin
    for j, (R, cr, C) in enumerate(settings):
        T = [ds.budget_objective(task, w, sets.fit([n]), test, [n], [(R, cr, C)])[0, 0] for n in res.N_dense]
        np.testing.assert_allclose(res.objective[:, j], T, rtol=1e-12)
        assert res.N_brute[j] == res.N_dense[int(np.argmin(T))]
        # the tool's optimum is the best point of its own objective on a fine grid (never beaten)
        rec = res.recommendations[j]
        NN = np.geomspace(Ns[0], min(Ns[::2][-1], (C - 1) / cr), 400)
        assert rec.loss <= np.min(al.total_loss(NN, C - NN * cr, R, res.gen, res.surface)) * (1 + 1e-9)
        assert res.N_tool[j] == int(round(rec.N))
    # summaries are those of the cross-fitted regrets
    r = res.cross_fit[2]["regret_tool_vs_bf"]
    assert res.mean_regret(2)[0] == pytest.approx(r.mean())
    assert res.mean_regret(2)[1] == pytest.approx(r.std(ddof=1) / 2.0)
    assert res.worst_regret(1) == res.cross_fit[1]["regret_tool_vs_bf"].max()
    np.testing.assert_array_equal(res.noise, res.cross_fit[1]["regret_bf_oos"])
    assert set(res.cross_fit) == {1, 2}
