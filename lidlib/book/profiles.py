"""Run profiles: the one place where the size of every chapter is set.

``paper`` reproduces the scale of the paper's figures; ``quick`` runs the same code
at a size that keeps the whole book build within the CI budget (3 minutes on
2 cores).  Notebooks receive ``profile`` and ``seed`` from papermill and call
:func:`get` for their sizes, so no size is hard-coded in a notebook.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

PROFILES: tuple[str, ...] = ("quick", "paper")
DEFAULT_SEED: int = 0

# chapter -> profile -> parameters.  Keep both profiles on the same keys.
_SETTINGS: dict[str, dict[str, dict[str, Any]]] = {
    "lid_model": {
        "quick": {
            "betas": (3.0, 5.0, 8.0),
            "n_tau": 200_000,  # precision draws per beta for E[1/tau] and the tail
            "tail_fraction": 0.01,  # share of smallest draws used by the lower-tail estimator
            "d": 512,
            "alpha": 1.0,
            "n_instances_plot": 12,
            "draws_per_instance": 200,
            "n_labels": 20_000,  # LID draws (x, tau, y) to check the label-noise variance
            "delta": 0.05,
            "sigma_eta": 1.0,
        },
        "paper": {
            "betas": (3.0, 5.0, 8.0),
            "n_tau": 4_000_000,
            "tail_fraction": 0.005,
            "d": 512,
            "alpha": 1.0,
            "n_instances_plot": 12,
            "draws_per_instance": 400,
            "n_labels": 100_000,
            "delta": 0.05,
            "sigma_eta": 1.0,
        },
    },
    "tauberian": {
        "quick": {
            "delta": 0.05,  # tolerance; with sigma_eta = 1, c_delta = 0.040
            "sigma_eta": 1.0,
            "betas": (0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0),  # ratio curves and onset table
            "onset_deltas": (0.01, 0.05, 0.2),  # delta / sigma_eta columns of the onset table
            "onset_tol": 0.01,
            "map_beta": 3.0,
            "map_k": 1000.0,
            "map_n": 11,  # population error map: map_n x map_n exact-engine evaluations
            "law_beta": 3.0,
            "law_n_mc": 200_000,  # geometric draws per precision law
            "proto_betas": (0.6, 3.0),
            "proto_sampler_sd": 1.0,  # tau-independent proposal spread (in units of sigma_eta)
            "proto_bias_var": 0.5,  # bias variance of the model-fixed-mean row (slope ~ sampler_sd^2 / Var B = 2)
            "proto_n_mc": 200_000,
            "sim_cases": ((1.5, 0.0), (3.0, 0.0), (3.0, 0.5)),  # (beta, Var B / sigma_eta^2) of the literal check
            "sim_n_literal": 20_000,
            "sim_k_literal": 300,
            "sim_n_geometric": 1_000_000,
            "null_level": 0.999,  # Monte-Carlo claims: max |z| over k below this quantile of its null law
            "null_reps": 5_000,  # replicates of that null law per curve
            "min_expected": 20.0,  # ... restricted to k with n L(k) and n (1 - L(k)) >= this
        },
        "paper": {
            "delta": 0.05,
            "sigma_eta": 1.0,
            "betas": (0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0),
            "onset_deltas": (0.01, 0.05, 0.2),
            "onset_tol": 0.01,
            "map_beta": 3.0,
            "map_k": 1000.0,
            "map_n": 17,
            "law_beta": 3.0,
            "law_n_mc": 2_000_000,
            "proto_betas": (0.6, 3.0),
            "proto_sampler_sd": 1.0,
            "proto_bias_var": 0.5,
            "proto_n_mc": 2_000_000,
            "sim_cases": ((1.5, 0.0), (3.0, 0.0), (3.0, 0.5)),
            "sim_n_literal": 100_000,
            "sim_k_literal": 1000,
            "sim_n_geometric": 10_000_000,
            "null_level": 0.999,
            "null_reps": 20_000,
            "min_expected": 20.0,
        },
    },
    "training_law": {
        "quick": {
            "d": 128,
            "alphas": (0.5, 1.0, 2.0),
            "beta": 5.0,
            "sigma_eta": 1e-3,  # Fig. 1 of the paper
            "lam_tilde": 1e-9,  # lam = lam_tilde / N for N < d, 0 for N > d
            "n_grid": 25,  # log grid of N over [d/20, 20 d]
            "near_d": (0.9, 0.97, 1.03, 1.1),  # extra N / d around the threshold
            "n_seeds": 20,  # nested sweeps over the whole range [d/20, 20 d]
            "n_seeds_over": 100,  # extra, cheaper sweeps over N < d only
            "peak_alpha": 1.0,
            "peak_sigma_eta": 0.02,  # noisier labels make the peak visible
            "peak_lams": (1e-8, 1e-7, 1e-6, 1e-5),
            "peak_n_grid": 17,  # N over [d/2, 2 d]
            "peak_n_seeds": 12,
            "bias_floor_ratio": 10.0,  # Eq. 9 is checked only where the bias is this far above the floor
            "errata": {"d": 32, "N": 128, "reps": 400, "seed": 17},  # App. B.2 errata checks
            "bn_n_test": 20_000,  # fresh inputs for the B_N(x) check
            "bn_factors": (0.25, 2.0),  # N / d of the two fits checked
            "heavy_d": 32,
            "heavy_betas": (0.8, 1.0, 1.5, 2.0, 5.0),
            "heavy_n_grid": 9,  # N over [2 d, 64 d]
            "heavy_n_seeds": 400,
            "explorer_d": 64,
            "explorer_n_seeds": 2,
        },
        "paper": {
            "d": 512,
            "alphas": (0.5, 1.0, 2.0),
            "beta": 5.0,
            "sigma_eta": 1e-3,
            "lam_tilde": 1e-9,
            "n_grid": 33,
            "near_d": (0.9, 0.97, 0.99, 1.01, 1.03, 1.1),
            "n_seeds": 6,
            "n_seeds_over": 60,
            "peak_alpha": 1.0,
            "peak_sigma_eta": 0.02,
            "peak_lams": (1e-9, 1e-8, 1e-7, 1e-6),
            "peak_n_grid": 15,
            "peak_n_seeds": 10,
            "bias_floor_ratio": 10.0,  # Eq. 9 is checked only where the bias is this far above the floor
            "errata": {"d": 32, "N": 128, "reps": 400, "seed": 17},  # App. B.2 errata checks
            "bn_n_test": 40_000,
            "bn_factors": (0.25, 2.0),
            "heavy_d": 64,
            "heavy_betas": (0.8, 1.0, 1.5, 2.0, 5.0),
            "heavy_n_grid": 11,
            "heavy_n_seeds": 250,
            "explorer_d": 128,
            "explorer_n_seeds": 2,
        },
    },
    "two_tail_law": {
        "quick": {
            "beta": 3.0,
            "delta_over_sigma": 0.1,
            "sigma_eta": 1e-3,  # Fig. 1 of the paper; only delta / sigma_eta matters
            "cdf_vs": (0.0, 0.03, 0.1, 1.0),  # Var B / sigma_eta^2 for the law of S_N
            "cdf_mc": 200_000,  # Monte Carlo instances checking the exact law of S_N
            "gamma_vs": (0.1, 0.178, 0.316, 0.562, 1.0, 1.78, 3.16, 5.62, 10.0),
            "gamma_windows": ((1e3, 1e4), (1e4, 1e5), (1e5, 1e6)),
            "d": 64,
            "alpha": 1.0,
            "lam": 1e-9,  # Fig. 1 of the paper
            "N_over_d": (2, 4, 8, 16, 32, 64),
            "n_seeds": 3,
            "n_test": 60_000,
            "k_max": 3_000,
            "window": (20.0, 500.0),
            "map_N_over_d": 20,  # grid size of the (N, k) crossover map
            # issue 17: p for precision laws with other upper tails (saddle regime Var B / sigma^2 <= 1)
            "upper_tail": {
                "window": (1e5, 1e6),
                "v_range": (0.1, 1.0),
                "n_v": 5,
                "tau_max": 2.5,
                "rhos": (-0.5, 0.5, 1.0),
            },
            "crossover_N_over_d": (16, 32, 64, 128),  # exact k*(N) against the saddle law
            "delta_scan": (0.05, 0.1, 0.3, 1.0),  # delta / sigma_eta: plateau and overshoot of beta_eff(N)
            "dense_N": 24,  # grid of the exact beta_eff(N) curves
            "beta_low": {
                "beta": 1.5,
                "N_over_d": (8, 64, 512),
                "n_seeds": 3,
                "n_test": 10_000,
            },  # training with beta <= 2
        },
        "paper": {
            "beta": 3.0,
            "delta_over_sigma": 0.1,
            "sigma_eta": 1e-3,
            "cdf_vs": (0.0, 0.03, 0.1, 1.0),
            "cdf_mc": 4_000_000,
            "gamma_vs": (0.1, 0.178, 0.316, 0.562, 1.0, 1.78, 3.16, 5.62, 10.0),
            "gamma_windows": ((1e3, 1e4), (1e4, 1e5), (1e5, 1e6)),
            "d": 64,
            "alpha": 1.0,
            "lam": 1e-9,
            "N_over_d": (2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64),
            "n_seeds": 10,
            "n_test": 100_000,  # per fit; every (seed, N) has its own test set
            "k_max": 3_000,
            "window": (20.0, 500.0),
            "map_N_over_d": 48,
            "upper_tail": {
                "window": (1e5, 1e6),
                "v_range": (0.1, 1.0),
                "n_v": 9,
                "tau_max": 2.5,
                "rhos": (-0.5, 0.5, 1.0),
            },
            "crossover_N_over_d": (12, 16, 24, 32, 48, 64, 96, 128),
            "delta_scan": (0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0),
            "dense_N": 40,
            "beta_low": {"beta": 1.5, "N_over_d": (2, 8, 32, 128, 512), "n_seeds": 6, "n_test": 50_000},
        },
    },
    "simple_model": {
        "quick": {
            "curves": ("gemma2B", "llama8BpassN", "pythia28B"),  # data/llm-passk/<name>.csv
            "fit_max_k": 100.0,  # extrapolation test: fit on k <= this, score at every larger k
            "paper_b": 0.35,  # the predecessor's reading of the hard-problem exponent (Sec. 3.2)
            "b_tolerance": 0.1,  # what "about 0.35" is taken to mean
            "mc_problems": 50_000,  # simulated benchmark checking E[p^k] (Eq. 8)
            "mc_k": (1, 10, 100, 1000),
            "fig2_a": 5.0,  # Fig. 2 (bottom left): fixed a
            "fig2_bs": (0.2, 0.35, 0.5, 1.0, 2.0),
            "fig2_k": 1e4,  # Fig. 2 (bottom right): fixed k
            "cost_n_prompt": 500.0,  # Fig. 3: tokens per prompt and per decoded answer (illustrative)
            "cost_n_decode": 500.0,
            "bridge_betas": (0.5, 1.0, 2.0),  # main-paper beta (tau ~ Gamma(beta/2))
            "bridge_delta_over_sigma": 0.1,
            "bridge_mc": 200_000,  # LID instances for the histogram of implied failure probabilities
            "vae_images": 400,  # first Fashion-MNIST training images (App. A: 400)
            "vae_epochs": 150,  # App. A: 1000
            "vae_batch": 128,  # not stated in the paper
            "vae_temperature": 1.1,  # App. A, applied when sampling reconstructions
            "vae_trials": 300,  # reconstructions per image
            "vae_quantiles": (0.01, 0.05, 0.2),  # thresholds = these quantiles of all trial errors
        },
        "paper": {
            "curves": ("gemma2B", "llama8BpassN", "pythia28B"),
            "fit_max_k": 100.0,
            "paper_b": 0.35,
            "b_tolerance": 0.1,
            "mc_problems": 1_000_000,
            "mc_k": (1, 10, 100, 1000),
            "fig2_a": 5.0,
            "fig2_bs": (0.2, 0.35, 0.5, 1.0, 2.0),
            "fig2_k": 1e4,
            "cost_n_prompt": 500.0,
            "cost_n_decode": 500.0,
            "bridge_betas": (0.5, 1.0, 2.0),
            "bridge_delta_over_sigma": 0.1,
            "bridge_mc": 2_000_000,
            "vae_images": 400,
            "vae_epochs": 1000,
            "vae_batch": 128,
            "vae_temperature": 1.1,
            "vae_trials": 1000,
            "vae_quantiles": (0.01, 0.05, 0.2),
        },
    },
    "allocation": {
        "quick": {
            # over-parameterised regime (gamma = alpha): power-law spectrum, N < d, ridgeless
            "over_d": 1024,
            "over_alpha": 1.0,
            "over_teacher_sq": 100.0,  # per-coordinate teacher power (signal >> noise at small N)
            "over_N": (4.0, 256.0, 16),  # geomspace of N (up to d/4)
            "over_R": (1e-4, 1e-2, 1.0),
            "over_budget": 300.0,  # in units of c_k: N <= d/4 must be a real trade-off
            "beta": 3.0,
            "delta_over_sigma": 0.1,
            "sigma_eta": 1.0,  # L_gen in units of sigma_eta^2
            "d": 64,
            "N_min_over_d": 1.5,  # smallest training set ("all inference" policy)
            "grid_N": 36,  # exact-engine curves of the interpolated surface
            "grid_k": 41,
            "N_max": 3e4,
            "k_max": 3e4,
            "n_check": 12,  # random off-grid points checking the interpolation
            "window": (20.0, 500.0),  # k-window of beta_eff (two-tail chapter)
            "budget": 1000.0,  # in units of c_k (Figure 2)
            "c_N_over_c_k": 1.0,
            "R_range": (1e-6, 1e4),
            "n_R": 41,
            "n_share": 301,
            "R_budget": 0.01,  # weight of the budget view
            "budget_range": (200.0, 1e4),
            "n_budget": 31,
            "rule_R": (1e-3, 1e-1),
            "rule_cost_ratios": (0.1, 1.0, 10.0),
            "rule_n_budget": 40,
        },
        "paper": {
            # over-parameterised regime (gamma = alpha): power-law spectrum, N < d, ridgeless
            "over_d": 1024,
            "over_alpha": 1.0,
            "over_teacher_sq": 100.0,  # per-coordinate teacher power (signal >> noise at small N)
            "over_N": (4.0, 256.0, 16),  # geomspace of N (up to d/4)
            "over_R": (1e-4, 1e-2, 1.0),
            "over_budget": 300.0,  # in units of c_k: N <= d/4 must be a real trade-off
            "beta": 3.0,
            "delta_over_sigma": 0.1,
            "sigma_eta": 1.0,
            "d": 64,
            "N_min_over_d": 1.5,
            "grid_N": 64,
            "grid_k": 71,
            "N_max": 3e4,
            "k_max": 3e4,
            "n_check": 40,
            "window": (20.0, 500.0),
            "budget": 1000.0,
            "c_N_over_c_k": 1.0,
            "R_range": (1e-6, 1e4),
            "n_R": 81,
            "n_share": 801,
            "R_budget": 0.01,
            "budget_range": (200.0, 1e4),
            "n_budget": 61,
            "rule_R": (1e-3, 1e-1),
            "rule_cost_ratios": (0.1, 1.0, 10.0),
            "rule_n_budget": 80,
        },
    },
    "forecasting": {
        "quick": {
            "example_model": "Pythia 1B",  # the model whose samples make the worked example
            "example_m": 100,  # samples per problem kept in the example file
            "example_predict": (10, 100, 1000, 3000, 100000),  # --predict budgets (k <= 10^4 can be checked)
            "check_k": (1000, 3000),  # budgets at which the intervals are checked against all 10^4 samples
            "n_boot": 100,  # bootstrap refits per interval
            "backtest_m": (30, 100, 300),
            "backtest_seeds": 2,
            "backtest_methods": ("power_law", "beta_binomial", "ensemble"),
            "plan_K": 1000.0,  # --plan K of the planner example
            "plan_eps": 0.03,  # --within EPS
        },
        "paper": {
            "example_model": "Pythia 1B",
            "example_m": 100,
            "example_predict": (10, 100, 1000, 3000, 100000),
            "check_k": (1000, 3000),
            "n_boot": 400,
            "backtest_m": (30, 100, 300),
            "backtest_seeds": 10,
            "backtest_methods": ("power_law", "beta_binomial", "zero_inflated", "ensemble", "auto"),
            "plan_K": 1000.0,
            "plan_eps": 0.03,
        },
    },
    "llm_hard_tail": {
        "quick": {
            "n_boot": 200,  # two-level bootstrap replicates (problems, then counts)
            "n_k_grid": 40,  # log-spaced k of the plotted curves and bootstrap
            "windows": ((1.0, 10.0), (10.0, 100.0), (100.0, 1000.0)),  # k-windows of beta_eff
            "wide_window": (300.0, 3000.0),  # a wider window, still below n/3
            "backtest_m": (30, 100, 300),  # samples per problem kept by the thinning
            "backtest_ratios": (10, 30),  # forecasts at k = ratio * m, scored on all 10^4 samples
            "backtest_seeds": 3,
            "budgets": (1e10, 1e11, 1e12, 1e13),  # inference budgets (parameter-samples)
        },
        "paper": {
            "n_boot": 1000,
            "n_k_grid": 60,
            "windows": ((1.0, 10.0), (10.0, 100.0), (100.0, 1000.0)),
            "wide_window": (300.0, 3000.0),  # a wider window, still below n/3
            "backtest_m": (30, 100, 300),
            "backtest_ratios": (10, 30),
            "backtest_seeds": 10,  # 20 doubled the paper build for a sqrt(2) smaller s.e.
            "budgets": (1e10, 1e11, 1e12, 1e13),
        },
    },
    "distillation": {
        "quick": {
            "d": 32,  # item kinds = student features
            "beta": 3.0,  # P(L >= l) = l^(-beta/2)
            "mu": 12.5,  # Poisson rate of over-/under-counts per step: sigma_eta^2 = 25, delta / sigma_eta = 0.1
            "alpha": 0.5,
            "q_scale": 40.0,
            "price_max": 20,
            "n_problems": 50_000,  # problems answered many times by the teacher (difficulty census)
            "n_teacher": 32,  # teacher answers per problem in the census
            "tail_fraction": 0.01,  # share of smallest measured precisions used by the tail estimator
            "pmf_check_steps": (1, 4, 16, 64, 256),  # strata checking the exact answer law
            "pmf_check_n": 4_000,  # problems per stratum x n_teacher answers
            "N_over_d": (2.0, 128.0),  # range of training sizes
            "n_N": 25,
            "n_seeds": 16,  # independent training sets
            "n_test": 5_000,  # test problems (L is summed out exactly)
            "k_max": 1e5,
            "n_k": 61,
            "slope_tol": 0.02,  # window starts where the bias-free slope reaches (1 - this) beta
            "mid_window": (20.0, 500.0),  # the mid-range window of the two-tail chapter
            "show_N_over_d": (2, 4, 8, 16, 32, 128),
            "sim_n": 3_000,  # literal pass@k simulation (both protocols)
            "sim_k": 200,
            "sim_N_over_d": 8,
            "alloc_stride": 3,  # the tool sees every 3rd N of the grid
            "alloc_n_dense": 81,  # brute force: students trained on this many N values
            "alloc_R": (1e-4, 1e-3, 1e-2),
            "alloc_settings": (
                (1.0, 500.0),
                (1.0, 1000.0),
                (1.0, 2000.0),
                (1.0, 4000.0),
                (10.0, 10000.0),
                (10.0, 30000.0),
            ),
        },
        "paper": {
            "d": 32,
            "beta": 3.0,
            "mu": 12.5,
            "alpha": 0.5,
            "q_scale": 40.0,
            "price_max": 20,
            "n_problems": 400_000,
            "n_teacher": 64,
            "tail_fraction": 0.005,
            "pmf_check_steps": (1, 4, 16, 64, 256),
            "pmf_check_n": 20_000,
            "N_over_d": (2.0, 128.0),
            "n_N": 49,
            "n_seeds": 64,
            "n_test": 20_000,
            "k_max": 1e5,
            "n_k": 81,
            "slope_tol": 0.02,
            "mid_window": (20.0, 500.0),
            "show_N_over_d": (2, 4, 8, 16, 32, 128),
            "sim_n": 20_000,
            "sim_k": 500,
            "sim_N_over_d": 8,
            "alloc_stride": 3,
            "alloc_n_dense": 193,
            "alloc_R": (1e-4, 1e-3, 1e-2),
            "alloc_settings": (
                (1.0, 500.0),
                (1.0, 1000.0),
                (1.0, 2000.0),
                (1.0, 4000.0),
                (10.0, 10000.0),
                (10.0, 30000.0),
            ),
        },
    },
    "cifar10h": {
        "quick": {
            "backbone": "efficientnet-lite0",
            "s": 32.0,  # scale of Eq. 26 (the paper's Fig. 3 value)
            "delta": 0.05,  # tolerance in label units; delta / s is used (Sec. 5.1)
            "eps_v": 1e-6,  # variance floor of Eq. 27 (the paper's example value)
            "lam_rel": 1e-3,  # ridge lambda / mean feature variance
            "d": 512,  # PCA dimension (the paper's ResNet-18 width)
            "n_test": 2000,  # held-out images; the other 8000 form the training pool
            "Ns": (32, 64, 128, 256, 384, 640, 1024, 2048, 4096, 8000),
            "ks": (1.0, 1e6, 49),  # geomspace(start, stop, num) of attempts
            "window": (1e2, 1e4),  # central k-window of beta_eff
            "reps": 4,  # random splits x training draws
            "tail_fractions": (0.02, 0.05, 0.1, 0.2),
            "tail_fraction": 0.05,  # the one compared with the beta_eff plateau
            "eps_vs": (1e-6, 1e-3, 1e-1),
            "robust_s": (8.0, 32.0, 128.0),
            "robust_delta": (0.02, 0.05, 0.2),
            "robust_d": (128, 512, 1280),
            "robust_Ns": (128, 640, 2048, 8000),
            "robust_reps": 1,
            "robust_eps_v": (1e-3, 0.1),  # eps_v variants of the robustness table (it sets the floor)
            "rf_reps": 2,  # replicates of the Gaussian random-feature control
            # a setting where the head learns: s = 1 with the same delta/s as the paper
            # (same pass@k geometry), realisable means, fewer dimensions
            "learn_s": 1.0,
            "learn_delta": 0.05 / 32,
            "learn_d": 64,
            "learn_reps": 3,
            # the same s and delta/s with the real class-index means, d = 512 and a ridge
            "learn_real_d": 512,
            "learn_real_lam_rel": 1.0,
            "learn_real_reps": 1,
            "n_examples": 4,
        },
        "paper": {
            "backbone": "efficientnet-lite0",
            "s": 32.0,
            "delta": 0.05,
            "eps_v": 1e-6,
            "lam_rel": 1e-3,
            "d": 512,
            "n_test": 2000,
            "Ns": (32, 48, 64, 96, 128, 192, 256, 384, 512, 640, 768, 1024, 1536, 2048, 3072, 4096, 6000, 8000),
            "ks": (1.0, 1e6, 73),
            "window": (1e2, 1e4),
            "reps": 10,
            "tail_fractions": (0.02, 0.05, 0.1, 0.2),
            "tail_fraction": 0.05,
            "eps_vs": (1e-6, 1e-3, 1e-1),
            "robust_s": (8.0, 32.0, 128.0),
            "robust_delta": (0.02, 0.05, 0.2),
            "robust_d": (128, 512, 1280),
            "robust_Ns": (128, 256, 640, 1024, 2048, 4096, 8000),
            "robust_reps": 3,
            "robust_eps_v": (1e-3, 0.1),
            "rf_reps": 4,
            "learn_s": 1.0,
            "learn_delta": 0.05 / 32,
            "learn_d": 64,
            "learn_reps": 6,
            "learn_real_d": 512,
            "learn_real_lam_rel": 1.0,
            "learn_real_reps": 3,
            "n_examples": 6,
        },
    },
}


def chapters() -> tuple[str, ...]:
    """Names of the chapters that have profile settings."""
    return tuple(_SETTINGS)


def get(chapter: str, profile: str = "quick") -> Mapping[str, Any]:
    """Parameters of ``chapter`` at ``profile`` (a read-only mapping).

    Parameters
    ----------
    chapter : str
        Notebook file stem, e.g. ``"lid_model"``.
    profile : {"quick", "paper"}
        Run size.

    Raises
    ------
    ValueError
        If the chapter or the profile is unknown.
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    if chapter not in _SETTINGS:
        raise ValueError(f"chapter {chapter!r} has no profile settings; known: {chapters()}")
    return MappingProxyType(dict(_SETTINGS[chapter][profile]))
