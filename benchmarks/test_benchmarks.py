"""The performance suite of ``lidlib bench`` as pytest-benchmark tests.

Run with ``pip install -e ".[test,bench]"`` then ``pytest benchmarks/`` (they are not
part of ``make test``).  pytest-benchmark repeats each call, reports the statistics and
can compare runs (``--benchmark-autosave``, ``--benchmark-compare``).  The workloads are
the ones of :mod:`lidlib.book.bench`, so the two tools measure the same thing.
"""

from __future__ import annotations

import numpy as np
import pytest

from lidlib import model, passk, ridge, simulate
from lidlib.book import bench

N_INST, K_MAX, N_K = 10_000, 10_000, 40


@pytest.fixture(scope="module")
def instances():
    rng = np.random.default_rng(0)
    tau = rng.gamma(1.5, 1.0, N_INST)
    bias = rng.normal(0.0, np.sqrt(0.1), N_INST)
    ks = np.unique(np.logspace(0, np.log10(K_MAX), N_K).astype(int))
    return tau, bias, ks


def test_passk_exact(benchmark, instances):
    tau, bias, ks = instances
    out = benchmark(lambda: passk.failure_curve(passk.single_trial_success(bias, tau, 0.1, 1.0), ks))
    assert np.all(np.diff(out) <= 0)


def test_passk_first_success_simulation(benchmark, instances):
    tau, bias, ks = instances

    def run():
        s = passk.single_trial_success(bias, tau, 0.1, 1.0)
        t = simulate.first_success_geometric(s, np.random.default_rng(1))
        return simulate.survival_from_first_success(t, ks)[0]

    benchmark(run)


def test_passk_literal_protocol(benchmark, instances):
    tau, bias, ks = instances
    benchmark.pedantic(
        lambda: bench._literal_failure(bias, 1 / np.sqrt(tau), 0.1, ks, np.random.default_rng(1)),
        rounds=1,
        iterations=1,
    )


@pytest.fixture(scope="module")
def ridge_problem():
    d = 256
    lid = model.LIDModel(d=d, alpha=1.0, beta=5.0, sigma_eta=1e-3)
    Ns = np.unique(np.geomspace(d // 20, 20 * d, 30).astype(int))
    return lid.sample(int(Ns.max()), 0), Ns, ridge.paper_lambda_schedule(Ns, d, 1e-9)


def test_ridge_nested_sweep(benchmark, ridge_problem):
    data, Ns, lams = ridge_problem
    benchmark(lambda: ridge.ridge_path(data.X, data.y, Ns, lams))


def test_population_failure_with_bias(benchmark):
    ks = np.logspace(0, 6, 60)
    out = benchmark(lambda: passk.population_failure(ks, 3.0, 0.1, 1.0, 0.05))
    assert np.all(np.isfinite(out))
