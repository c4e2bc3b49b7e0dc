"""Input validation shared by the public functions (a leaf module: no lidlib imports).

Every check raises :class:`ValueError` with a message that names the argument, so
that bad input at the public boundary never fails silently or deep inside NumPy.
"""

from __future__ import annotations

import numpy as np


def as_float_array(name: str, x, *, allow_inf: bool = False) -> np.ndarray:
    """``x`` as a float array; NaN (and inf unless allowed) raise ``ValueError``."""
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric, got {x!r}") from exc
    if np.isnan(a).any():
        raise ValueError(f"{name} must not contain NaN")
    if not allow_inf and np.isinf(a).any():
        raise ValueError(f"{name} must be finite")
    return a


def positive(name: str, x, *, allow_inf: bool = False) -> np.ndarray:
    """``x > 0`` elementwise (and finite unless ``allow_inf``)."""
    a = as_float_array(name, x, allow_inf=allow_inf)
    if (a <= 0).any():
        raise ValueError(f"{name} must be positive, got {_show(a[a <= 0])}")
    return a


def nonnegative(name: str, x) -> np.ndarray:
    """``x >= 0`` elementwise and finite."""
    a = as_float_array(name, x)
    if (a < 0).any():
        raise ValueError(f"{name} must be non-negative, got {_show(a[a < 0])}")
    return a


def probability(name: str, x) -> np.ndarray:
    """``0 <= x <= 1`` elementwise."""
    a = as_float_array(name, x)
    if ((a < 0) | (a > 1)).any():
        raise ValueError(f"{name} must lie in [0, 1], got {_show(a[(a < 0) | (a > 1)])}")
    return a


def positive_int(name: str, x, *, minimum: int = 1) -> int:
    """A scalar integer ``>= minimum`` (floats with integer values are accepted)."""
    try:
        v = float(x)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {x!r}") from exc
    if not np.isfinite(v) or v != int(v) or v < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {x!r}")
    return int(v)


def rng_from(seed_or_rng) -> np.random.Generator:
    """A Generator from a Generator or an integer seed (``None`` is refused)."""
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    if seed_or_rng is None:
        raise ValueError("rng must be a numpy.random.Generator or an integer seed, got None")
    return np.random.default_rng(positive_int("rng", seed_or_rng, minimum=0))


def _show(bad: np.ndarray) -> str:
    bad = np.ravel(bad)
    s = ", ".join(f"{v:g}" for v in bad[:3])
    return s + (f", ... ({bad.size} values)" if bad.size > 3 else "")
