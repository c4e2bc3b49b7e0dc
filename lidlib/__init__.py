"""lidlib: the library behind the companion to "Learning Shrinks the Hard Tail".

The public names below form the API contract of the book (docs/architecture.md).
The flat modules of this package are the paper's science; they never import the
subpackages ``data``, ``experiments``, ``book`` or ``cli`` (tests/test_layers.py).

Examples
--------
The exact pass@k engine of the LID model (Sec. 3-4 of the paper): one attempt's
success for a prediction with bias 0, precision 1 and tolerance 1/2 (Eq. 12), the
failure after ``k`` attempts averaged over instances (Eq. 13), and the unbiased
estimator from ``n`` samples with ``c`` correct:

>>> import numpy as np
>>> import lidlib
>>> round(float(lidlib.single_trial_success(0.0, 1.0, 0.5, 1.0)), 4)
0.3829
>>> lidlib.failure_curve([0.5, 0.1], [1, 2, 4])
array([0.7   , 0.53  , 0.3593])
>>> lidlib.pass_at_k_unbiased(10, 3, [1, 5])
array([0.3       , 0.91666667])

The population failure without bias decays like ``C_1 k^-beta`` (Eq. 15-16); its
local slope over a window is the effective exponent (Eq. 19):

>>> ks = np.geomspace(1e2, 1e4, 9)
>>> F = lidlib.population_failure(ks, beta=3.0, delta=0.1, sigma_eta=1.0)
>>> round(float(lidlib.local_slope(ks, F, (1e3, 1e4))), 3)
2.997
>>> round(float(F[-1] / (lidlib.bias_free_constant(3.0, 0.1, 1.0) * ks[-1] ** -3.0)), 3)
0.999

The saturating law of ``beta_eff(N)`` (Eq. 20), the predecessor's Beta law
(Levi 2024, Eq. 8-9), its fits to a coverage curve and to per-problem counts, and the
budget split between training and inference (Sec. 4.3):

>>> Ns = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0])
>>> beta, delta, c, nu = lidlib.fit_saturating(Ns, 2.0 - 1.5 / (1.0 + 0.1 * Ns**1.5))
>>> round(beta, 6), round(delta, 6), round(c, 6), round(nu, 6)
(2.0, 1.5, 0.1, 1.5)
>>> round(float(lidlib.beta_model_failure(1, 1.0, 1.0)), 6)
0.5
>>> ks = np.array([1, 2, 4, 8, 16, 32, 64, 128])
>>> cov = 0.9 * (1 - lidlib.beta_model_failure(ks, 2.0, 0.5))
>>> round(lidlib.fit_passk_curve(ks, cov).params["b"], 3)
0.5
>>> fit = lidlib.fit_passk_counts([64] * 4, [0, 3, 20, 64], ci=False)
>>> fit.model
'beta_binomial'
>>> from lidlib.allocation import PowerLawInference, PowerLawLoss
>>> a = lidlib.optimal_allocation(PowerLawLoss(1.0, 1.0), PowerLawInference(1.0, 1.0), 100.0, N_min=1.0)
>>> round(a.N, 3)
50.0
"""

from lidlib.allocation import optimal_allocation
from lidlib.beta_model import beta_model_failure, fit_passk_curve
from lidlib.counts import fit_passk_counts
from lidlib.passk import failure_curve, pass_at_k_unbiased, population_failure, single_trial_success
from lidlib.slopes import fit_saturating, local_slope
from lidlib.tails import bias_free_constant

__all__ = [
    "single_trial_success",
    "failure_curve",
    "pass_at_k_unbiased",
    "population_failure",
    "bias_free_constant",
    "local_slope",
    "fit_saturating",
    "beta_model_failure",
    "fit_passk_curve",
    "fit_passk_counts",
    "optimal_allocation",
]

#: The package version, the single source that pyproject.toml reads (``lidlib --version``).
__version__ = "0.2.0"
