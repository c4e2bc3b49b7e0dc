"""Tests of the allocation chapter's experiments (lidlib.experiments.compute_allocation).

Independent checks: closed forms of the constant-exponent problem (Eq. 25, the
marginal k-gain, the asymptotic split), a bilinear log-log surface whose prefactor and
exponent derivatives are known exactly, brute force over the objective, hand counts."""

import numpy as np
import pytest
from scipy import optimize

from lidlib import allocation as al
from lidlib.experiments import compute_allocation as ca

# a constant-exponent problem: L_gen = P_N N^-gamma, L_inf = k^-b (P = 1)
P_N, GAMMA, B = 0.5, 1.0, 2.0
gen = al.PowerLawLoss(P_N, GAMMA)
inf = al.PowerLawInference(1.0, B)
Ns = np.geomspace(2.0, 5000.0, 30)
ks = np.geomspace(1.0, 1e4, 40)
surf = al.InferenceSurface.from_curves(Ns, ks, np.tile(ks**-B, (Ns.size, 1)))  # exact in log-log


def _eq25_closed(C, R):
    """Root of R P_N gamma N^-(gamma+1) = b (C - N)^-(b+1) (c_N = c_k = 1), by brentq on the plain equation."""
    f = lambda N: R * P_N * GAMMA * N ** -(GAMMA + 1) - B * (C - N) ** -(B + 1)  # noqa: E731
    return optimize.brentq(f, 2.0 + 1e-9, C - 1.0 - 1e-9, xtol=1e-12)


def test_ols_loss_is_the_closed_form():
    L = ca.OLSLoss(10, 2.0)
    np.testing.assert_allclose(L(np.array([20.0, 111.0])), [2.0 * 10 / 9, 2.0 * 10 / 100], rtol=1e-14)


def test_weight_sweep_on_a_constant_exponent_problem_matches_eq25_and_brute_force():
    C, Rs = 400.0, np.geomspace(1e-3, 1.0, 5)
    ws = ca.weight_sweep(gen, surf, gen, inf, C, Rs, n_share=300, window=(10.0, 100.0), N_min=2.0)
    for i, R in enumerate(Rs):
        N_true = _eq25_closed(C, R)
        assert ws.N_eq25[i] == pytest.approx(N_true, rel=1e-8)
        assert ws.N_opt["base"][i] == pytest.approx(N_true, rel=1e-4)
        assert ws.N_opt["finite"][i] == pytest.approx(N_true, rel=1e-3)  # the spline surface is the same law
        assert ws.N_eq24[i] == pytest.approx(N_true, rel=1e-3)  # beta_eff' = 0 and P constant: Eq. 24 is exact
    gap, never_worse = ws.optimizer_gap(C, 1.0)
    assert never_worse and gap <= 1.0
    # brute force over the map itself
    for m in ("finite", "base"):
        best = ws.shares[np.argmin(ws.maps[m], axis=1)]
        np.testing.assert_array_equal(ws.grid_share[m], best)


def test_regret_is_zero_at_the_optimum_and_matches_a_hand_evaluation():
    C, Rs = 400.0, np.array([1e-2, 1e-1])
    opt = [al.optimal_allocation(gen, inf, C, R=R, N_min=2.0) for R in Rs]
    r0 = ca.regret([o.N for o in opt], C, Rs, gen, inf, opt)
    np.testing.assert_allclose(r0, 0.0, atol=1e-12)
    N_off = np.array([o.N * 1.5 for o in opt])
    hand = [(R * P_N / n + (C - n) ** -B) / (R * P_N / o.N + (C - o.N) ** -B) - 1 for n, R, o in zip(N_off, Rs, opt)]
    np.testing.assert_allclose(ca.regret(N_off, C, Rs, gen, inf, opt), hand, rtol=1e-10)
    assert np.all(np.asarray(hand) > 0)


def test_prefactor_terms_on_a_bilinear_log_log_surface():
    # log L = a log N - (b0 + b1 log N) log k: P(N) = N^a, beta_eff(N) = b0 + b1 log N (exact for the spline)
    a, b0, b1 = 0.3, 1.0, 0.1
    lN, lk = np.log(Ns)[:, None], np.log(ks)[None, :]
    S = al.InferenceSurface.from_curves(Ns, ks, np.minimum(np.exp(a * lN - (b0 + b1 * lN) * lk - 9.0), 1.0))
    N, k = np.array([20.0, 300.0]), np.array([50.0, 700.0])
    dlogP, kept = ca.prefactor_terms(S, N, k)
    np.testing.assert_allclose(dlogP, a, atol=1e-6)
    np.testing.assert_allclose(kept, -b1 * np.log(k), rtol=1e-6)


def test_marginal_k_gain_exponent_is_minus_beta_plus_one():
    assert ca.marginal_k_gain_exponent(al.PowerLawInference(3.0, 2.5), 1000.0) == pytest.approx(-3.5, abs=1e-6)


def test_boundary_sign_test_counts_by_hand():
    def A(kind, ends):
        return al.Allocation(1.0, 1.0, 0.5, 1.0, 2.0, 2.0, (1.0, 2.0), kind, ends)

    opt = {
        "x": [A("all-inference", (1.0, 2.0)), A("interior", (-1.0, 1.0)), A("all-training", (-2.0, -1.0))],
        "y": [A("interior", (1.0, 2.0))],  # mispredicted: the sign says all-inference
    }
    frac, counts = ca.boundary_sign_test(opt)
    assert frac == 0.75
    assert counts == {
        "x": {"all-inference": 1, "interior": 1, "all-training": 1},
        "y": {"all-inference": 0, "interior": 1, "all-training": 0},
    }


def test_optimum_regimes_on_a_constant_exponent_surface_find_nothing_rising():
    C, Rs = 400.0, np.geomspace(1e-3, 1.0, 4)
    opt = [al.optimal_allocation(gen, surf, C, R=R, N_min=2.0) for R in Rs]
    N_b = np.array([o.N for o in opt]) / 2.0
    win = al.WindowSlopeInference(surf, (10.0, 100.0))
    reg = ca.optimum_regimes(surf, win, opt, N_b, C, Rs)
    np.testing.assert_allclose(reg.ratio, 1.0, atol=1e-8)
    assert not reg.rising.any() and reg.saturated.all() == reg.interior.all()
    np.testing.assert_allclose(reg.shift, np.log10(2.0), rtol=1e-12)
    np.testing.assert_allclose(reg.k, C - reg.N)


def test_budget_view_base_theory_is_the_eq25_closed_form():
    Cs = np.array([100.0, 300.0, 1000.0])
    bv = ca.budget_view(gen, surf, gen, inf, Cs, R=0.05, n_share=50, N_min=2.0)
    np.testing.assert_allclose(bv.theory["base"], [_eq25_closed(C, 0.05) / C for C in Cs], rtol=1e-8)
    assert bv.maps["finite"].shape == (3, 50)
    assert np.isnan(bv.maps["finite"][0]).any()  # small budgets cannot reach the largest shares of the grid


def test_marginal_rule_asymptotic_split_is_gamma_plus_one_over_beta_plus_one():
    mr = ca.marginal_rule(gen, surf, B, [0.05], [1.0], N_min=2.0, N_max=Ns[-1], k_max=ks[-1], n_budget=40)
    (R, cr, before, after, down, up, expo) = mr.rows[0]
    assert expo == pytest.approx((GAMMA + 1) / (B + 1), abs=0.02)
    Cr, Nr, kr, marg, rel = mr.curves[(0.05, 1.0)]
    np.testing.assert_allclose(kr, Cr - Nr)
    np.testing.assert_allclose(rel, 1.0, atol=1e-8)  # constant exponent: always saturated
    assert np.isnan(before) and after == pytest.approx(np.nanmean(marg))
    assert mr.switch_up == ([] if up == "none" else [float(up)])


def test_overparameterised_rows_are_consistent_and_regrets_nonnegative():
    ov = ca.overparameterised(
        64, 1.0, (4.0, 16.0, 8), 4.0, 2.0, np.geomspace(1, 1e4, 30), 3.0, 0.1, 1.0,
        window=(20.0, 500.0), budget=60.0, Rs=[1e-3, 1e-1],
    )  # fmt: skip
    np.testing.assert_allclose(ov.L_gen, ov.risk.bias + ov.risk.variance)
    assert ov.gamma == pytest.approx(-np.polyfit(np.log(ov.N), np.log(ov.L_gen), 1)[0])
    for key in ("pointwise", "window", "eq25"):
        assert min(ov.regret[key]) >= -1e-9  # the exact optimum is never beaten
    assert [r[0] for r in ov.rows] == [1e-3, 1e-1]
