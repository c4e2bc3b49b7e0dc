"""lidlib: the library behind the companion to "Learning Shrinks the Hard Tail".

The public names below form the API contract of the book (docs/architecture.md).
The flat modules of this package are the paper's science; they never import the
subpackages ``data``, ``experiments``, ``book`` or ``cli`` (tests/test_layers.py).
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
