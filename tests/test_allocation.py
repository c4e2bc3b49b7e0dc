"""Tests of lidlib.allocation (Section 4.3, Eq. 21-25): brute-force grids and closed forms."""

import numpy as np
import pytest

import lidlib
from lidlib import allocation as al


def brute_force(gen, inf_fn, C, R, c_N, c_k, lo, hi, n=200_001):
    """Dense grid minimum of Eq. 21 in log N (the oracle)."""
    N = np.geomspace(lo, hi, n)
    L = R * gen(N) + inf_fn((C - N * c_N) / c_k, N)
    i = int(np.argmin(L))
    return N[i], L[i]


def saturating_beta(N):
    return 3.0 - 2.0 / (1.0 + (N / 500.0) ** 1.5)


def pure_power_surface(Ns, ks, prefactor=1.0):
    """L = P k^-beta(N): a surface whose prefactor does not move with N."""
    return prefactor * ks[None, :] ** -saturating_beta(Ns)[:, None]


NS = np.geomspace(50, 2e4, 40)
KS = np.geomspace(1, 2e4, 45)


def test_power_law_optimum_matches_grid_and_closed_form():
    # gamma = beta = 1: R P c_N / Nt^2 = Pk c_k / (C - Nt)^2  =>  Nt / (C - Nt) = sqrt(R P c_N / (Pk c_k))
    gen, inf = al.PowerLawLoss(3.0, 1.0), al.PowerLawInference(0.5, 1.0)
    C, R, c_N, c_k = 1e4, 0.2, 2.0, 0.5
    r = np.sqrt(R * gen.P * c_N / (inf.P * c_k))
    N_closed = C * r / (1 + r) / c_N
    N25, kind = al.solve_power_law_optimum(gen, inf, C, R=R, c_N=c_N, c_k=c_k, N_min=1.0)
    assert kind == "interior" and N25 == pytest.approx(N_closed, rel=1e-9)
    res = al.optimal_allocation(gen, inf, C, R=R, c_N=c_N, c_k=c_k, N_min=1.0)
    assert res.kind == "interior"
    assert res.N == pytest.approx(N_closed, rel=1e-5)
    assert res.N * c_N + res.k * c_k == pytest.approx(C)
    assert res.share == pytest.approx(res.N * c_N / C)
    assert res.loss <= min(res.loss_all_training, res.loss_all_inference)


@pytest.mark.parametrize("R,c_N", [(1e-3, 1.0), (0.1, 1.0), (3.0, 0.3), (0.01, 5.0)])
def test_eq25_is_the_optimum_of_the_baseline(R, c_N):
    gen, inf = al.PowerLawLoss(200.0, 1.07), al.PowerLawInference(40.0, 2.6)
    C, c_k = 3000.0, 1.0
    lo, hi = al.feasible_range(gen, inf, C, c_N, c_k, N_min=20.0)
    Nb, Lb = brute_force(gen, inf, C, R, c_N, c_k, lo, hi)
    N25, kind = al.solve_power_law_optimum(gen, inf, C, R=R, c_N=c_N, c_k=c_k, N_min=20.0)
    res = al.optimal_allocation(gen, inf, C, R=R, c_N=c_N, c_k=c_k, N_min=20.0)
    assert res.loss <= Lb * (1 + 1e-9)
    assert res.N == pytest.approx(Nb, rel=2e-4)
    assert N25 == pytest.approx(Nb, rel=2e-4)


def test_boundary_policies_and_end_slopes():
    gen, inf = al.PowerLawLoss(200.0, 1.0), al.PowerLawInference(40.0, 2.6)
    C = 1000.0
    low = al.optimal_allocation(gen, inf, C, R=1e-9, N_min=50.0)  # training nearly free of weight
    assert low.kind == "all-inference" and low.N == pytest.approx(50.0)
    assert low.slope_ends[0] > 0  # dL/dN > 0 at N_min: training does not pay
    assert al.solve_power_law_optimum(gen, inf, C, R=1e-9, N_min=50.0)[1] == "all-inference"
    high = al.optimal_allocation(gen, inf, C, R=1e6, N_min=50.0)
    assert high.kind == "all-training" and high.k == pytest.approx(1.0)
    assert high.slope_ends[1] < 0  # still falling at k = 1
    assert al.solve_power_law_optimum(gen, inf, C, R=1e6, N_min=50.0)[1] == "all-training"
    assert high.loss == pytest.approx(high.loss_all_training)
    assert low.loss == pytest.approx(low.loss_all_inference)


def test_surface_optimum_matches_brute_force_on_the_analytic_law():
    # interpolated surface vs the analytic function it was built from
    L_fn = lambda k, N: (1 + k / 5.0) ** -saturating_beta(N)  # noqa: E731
    surf = al.InferenceSurface(NS, KS, L_fn(KS[None, :], NS[:, None]))
    gen = al.PowerLawLoss(100.0, 1.0)
    C = 5000.0
    for R in (1e-4, 1e-2, 1.0):
        res = al.optimal_allocation(gen, surf, C, R=R, N_min=60.0)
        Nb, Lb = brute_force(gen, L_fn, C, R, 1.0, 1.0, *res.N_bounds)
        assert res.N == pytest.approx(Nb, rel=1e-2)
        assert res.loss == pytest.approx(Lb, rel=2e-3)


def test_eq24_is_exact_when_the_prefactor_is_constant():
    # For L = k^-beta(N) exactly, Eq. 24 is the exact first-order condition.
    surf = al.InferenceSurface(NS, KS, pure_power_surface(NS, KS))
    L_fn = lambda k, N: k ** -saturating_beta(N)  # noqa: E731
    gen = al.PowerLawLoss(100.0, 1.0)
    C = 1000.0  # small budget: the optimum sits where beta_eff(N) still rises
    for R in (1e-5, 1e-4, 1e-3):
        N24, kind = al.solve_first_order_condition(gen, surf, C, R=R, N_min=60.0)
        lo, hi = al.feasible_range(gen, surf, C, N_min=60.0)
        Nb, _ = brute_force(gen, L_fn, C, R, 1.0, 1.0, lo, hi)
        assert kind == "interior"
        assert N24 == pytest.approx(Nb, rel=2e-3)


def test_first_order_residual_is_minus_the_exact_derivative_without_prefactor_drift():
    surf = al.InferenceSurface(NS, KS, pure_power_surface(NS, KS, 0.7))
    gen = al.PowerLawLoss(100.0, 1.0)
    N = np.array([200.0, 800.0, 2000.0])
    res = al.first_order_residual(N, 4000.0, 0.01, gen, surf, c_N=1.5, c_k=0.5)
    exact = al.dtotal_dN(N, 4000.0, 0.01, gen, surf, c_N=1.5, c_k=0.5)
    np.testing.assert_allclose(res, -exact, rtol=2e-3, atol=1e-12)


def test_dtotal_dN_matches_finite_difference():
    L_fn = lambda k, N: (1 + k / 5.0) ** -saturating_beta(N)  # noqa: E731
    surf = al.InferenceSurface(NS, KS, L_fn(KS[None, :], NS[:, None]))
    gen = al.TabulatedLoss(NS, 100.0 / (NS - 40.0))
    C, R, c_N, c_k = 6000.0, 0.05, 2.0, 1.0
    for N in (100.0, 700.0, 2500.0):
        h = N * 1e-5
        f = lambda n: al.total_loss(n, (C - n * c_N) / c_k, R, gen, surf)  # noqa: E731
        fd = (f(N + h) - f(N - h)) / (2 * h)
        assert al.dtotal_dN(N, C, R, gen, surf, c_N, c_k) == pytest.approx(fd, rel=1e-4)


@pytest.mark.slowish
def test_lid_surface_interpolation_against_engine():
    beta, delta, sigma, d = 3.0, 0.1, 1.0, 64
    v = lambda N: 2.0 * d / (N - d - 1.0)  # noqa: E731  exact mean OLS loss, sigma_noise^2 = 2
    Ns = np.geomspace(96, 3e4, 24)
    ks = np.geomspace(1, 1e4, 33)
    surf = al.InferenceSurface.from_lid(Ns, ks, beta, delta, sigma, v)
    rng = np.random.default_rng(7)
    Nt = np.exp(rng.uniform(np.log(Ns[0]), np.log(Ns[-1]), 6))
    kt = np.exp(rng.uniform(0, np.log(ks[-1]), 6))
    for N, k in zip(Nt, kt):
        direct = lidlib.population_failure(k, beta, delta, sigma, v(N))
        assert surf(k, N) == pytest.approx(direct, rel=3e-3)
    # pointwise slope agrees with a finite difference of the engine
    N, k = 300.0, 200.0
    e = lidlib.population_failure(np.array([k / 1.01, k * 1.01]), beta, delta, sigma, v(N))
    assert surf.beta_eff(N, k) == pytest.approx(-np.diff(np.log(e))[0] / (2 * np.log(1.01)), rel=1e-2)


def test_tabulated_and_fitted_training_laws():
    Ns = np.geomspace(10, 1e4, 20)
    tab = al.TabulatedLoss(Ns, 5.0 * Ns**-1.3)
    x = np.array([17.0, 333.0, 5000.0])
    np.testing.assert_allclose(tab(x), 5.0 * x**-1.3, rtol=1e-6)
    np.testing.assert_allclose(tab.derivative(x), -1.3 * 5.0 * x**-2.3, rtol=1e-4)
    fit = al.PowerLawLoss.fit(Ns, 5.0 * Ns**-1.3)
    assert (fit.P, fit.gamma) == pytest.approx((5.0, 1.3))
    with pytest.raises(ValueError, match="N must lie"):
        tab(1e5)


def test_power_law_inference_fit():
    ks = np.geomspace(1, 1e4, 30)
    f = al.PowerLawInference.fit(ks, 3.0 * ks**-2.2, (10, 1e3))
    assert (f.P, f.beta) == pytest.approx((3.0, 2.2))
    g = al.PowerLawInference.fit(ks, 3.0 * ks**-2.2, (10, 1e3), beta=2.2)
    assert g.P == pytest.approx(3.0)


def test_marginal_share_constant_for_scale_free_problem():
    # gamma = beta = 1: N* is proportional to C, so every extra unit is split like the budget
    gen, inf = al.PowerLawLoss(3.0, 1.0), al.PowerLawInference(0.5, 1.0)
    Cs = np.geomspace(1e3, 1e5, 6)
    Ns, marg = al.marginal_training_share(gen, inf, Cs, R=0.2, N_min=1.0)
    r = np.sqrt(0.2 * 3.0 / 0.5)
    np.testing.assert_allclose(marg[1:], r / (1 + r), rtol=1e-4)
    assert np.isnan(marg[0])


def test_bad_input_names_the_argument():
    gen, inf = al.PowerLawLoss(3.0, 1.0), al.PowerLawInference(0.5, 1.0)
    with pytest.raises(ValueError, match="budget"):
        al.optimal_allocation(gen, inf, -1.0, N_min=1.0)
    with pytest.raises(ValueError, match="c_N"):
        al.optimal_allocation(gen, inf, 10.0, c_N=0.0, N_min=1.0)
    with pytest.raises(ValueError, match="R"):
        al.optimal_allocation(gen, inf, 10.0, R=np.nan, N_min=1.0)
    with pytest.raises(ValueError, match="feasible"):
        al.optimal_allocation(gen, inf, 10.0, N_min=20.0)
    with pytest.raises(ValueError, match="N_min"):
        al.optimal_allocation(gen, inf, 10.0)
    with pytest.raises(ValueError, match="values"):
        al.InferenceSurface(NS, KS, np.ones((3, 3)))
    with pytest.raises(ValueError, match="gamma"):
        al.PowerLawLoss(1.0, -1.0)
    surf = al.InferenceSurface(NS, KS, pure_power_surface(NS, KS))
    with pytest.raises(ValueError, match="k must lie"):
        surf(1e6, 100.0)


def test_window_slope_reading_on_exact_power_laws():
    """L = k^-b(N) with a known b(N): the window reading returns b and b' exactly (to spline accuracy),
    and on such a surface Eq. 24 has the same root under both readings."""
    Ns = np.geomspace(50, 5000, 40)
    ks = np.geomspace(1, 1e4, 60)
    b = lambda N: 0.5 + 0.4 * np.log(N)  # noqa: E731
    surf = al.InferenceSurface(Ns, ks, ks[None, :] ** -b(Ns)[:, None])
    win = al.WindowSlopeInference(surf, (20.0, 500.0))
    N = np.array([80.0, 300.0, 2000.0])
    np.testing.assert_allclose(win.beta_eff(N, 7.0), b(N), rtol=1e-6)
    np.testing.assert_allclose(win.beta_eff_dN(N, 7.0), 0.4 / N, rtol=1e-4)
    np.testing.assert_allclose(win(30.0, N), 30.0 ** -b(N), rtol=1e-6)
    gen = al.PowerLawLoss(10.0, 1.0)
    for R in (1e-3, 1.0):
        n_p, _ = al.solve_first_order_condition(gen, surf, 3000.0, R=R, N_min=60.0)
        n_w, _ = al.solve_first_order_condition(gen, win, 3000.0, R=R, N_min=60.0)
        assert n_w == pytest.approx(n_p, rel=1e-3)


def test_window_slope_reading_differs_when_curves_bend():
    """On a curve that steepens with k the window slope is not the pointwise slope."""
    Ns = np.geomspace(50, 5000, 10)
    ks = np.geomspace(1, 1e4, 60)
    L = np.exp(-np.outer(np.sqrt(Ns) / 50, np.sqrt(ks)))  # slope grows like sqrt(k)
    L = np.maximum(L, 1e-300)
    surf = al.InferenceSurface(Ns, ks, np.maximum(L, 1e-250))
    win = al.WindowSlopeInference(surf, (2.0, 8.0))
    # independent least-squares slope of the exact log curve over the window
    lk = np.linspace(np.log(2.0), np.log(8.0), 200)
    exact = -np.polyfit(lk, -(np.sqrt(100.0) / 50) * np.sqrt(np.exp(lk)), 1)[0]
    assert float(win.beta_eff(100.0, 1.0)) == pytest.approx(exact, rel=1e-3)
    assert float(win.beta_eff(100.0, 8.0)) < float(surf.beta_eff(100.0, 8.0))
    with pytest.raises(ValueError, match="window"):
        al.WindowSlopeInference(surf, (0.5, 8.0))


def test_budget_sweep_matches_direct_calls():
    gen = al.PowerLawLoss(10.0, 1.0)
    inf = al.PowerLawInference(2.0, 1.5)
    Cs = np.array([200.0, 800.0])
    shares = np.linspace(0.1, 0.9, 9)
    out = al.budget_sweep({"m": (gen, inf)}, Cs, shares, R=0.1, N_min=5.0)
    for i, C in enumerate(Cs):
        N = shares * C
        direct = 0.1 * 10.0 / N + 2.0 * (C - N) ** -1.5  # Eq. 21 written out
        np.testing.assert_allclose(out["m"]["map"][i], direct, rtol=1e-12)
        o = al.optimal_allocation(gen, inf, C, R=0.1, N_min=5.0)
        assert out["m"]["optima"][i].N == pytest.approx(o.N)
