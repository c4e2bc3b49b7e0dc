"""Input validation shared by the public functions (a leaf module: no lidlib imports).

One parametrised validator, :func:`check_array` (in the spirit of scikit-learn's
``check_scalar``), and thin named forms of it (:func:`positive`, :func:`nonnegative`,
:func:`probability`, :func:`positive_int`, :func:`check_scalar`). Every check raises
:class:`ValueError` with a message that names the argument, so that bad input at the
public boundary never fails silently or deep inside NumPy. :func:`check_broadcast`
names the arguments whose shapes do not fit together, :func:`rng_from` is the single
entry point for randomness and :func:`scalar_or_array` the single rule for what a
public function returns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

_BOUNDARIES = ("both", "left", "right", "neither")


def check_array(
    name: str,
    x: ArrayLike,
    *,
    min_val: float | None = None,
    max_val: float | None = None,
    include_boundaries: str = "both",
    integer: bool = False,
    allow_inf: bool = False,
) -> NDArray[np.float64]:
    """``x`` as a float array whose every element meets the constraints, else ``ValueError``.

    Parameters
    ----------
    name : str
        The argument's name, used in the message.
    x : array_like
        The value to check.
    min_val, max_val : float, optional
        Bounds (none by default).
    include_boundaries : {"both", "left", "right", "neither"}
        Which bounds are allowed values, as in scikit-learn's ``check_scalar``.
    integer : bool
        Require integer values (floats such as ``3.0`` are accepted).
    allow_inf : bool
        Accept ``inf`` (``NaN`` is always refused).

    Returns
    -------
    ndarray
        ``np.asarray(x, dtype=float)`` (no copy when ``x`` already is one).

    Examples
    --------
    >>> check_array("ks", [1, 10], min_val=1.0)
    array([ 1., 10.])
    >>> check_array("tau", 0.0, min_val=0.0, include_boundaries="neither")
    Traceback (most recent call last):
    ...
    ValueError: tau must be positive and finite, got 0.0
    """
    if include_boundaries not in _BOUNDARIES:
        raise ValueError(f"include_boundaries must be one of {_BOUNDARIES}, got {include_boundaries!r}")
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric, got {x!r}") from exc
    if np.isnan(a).any():
        raise ValueError(f"{name} must not contain NaN")
    if not allow_inf and np.isinf(a).any():
        raise ValueError(f"{name} must be finite, got {_show(a[np.isinf(a)])}")
    ok = np.ones(a.shape, dtype=bool)
    if min_val is not None:
        ok &= (a >= min_val) if include_boundaries in ("both", "left") else (a > min_val)
    if max_val is not None:
        ok &= (a <= max_val) if include_boundaries in ("both", "right") else (a < max_val)
    if integer:
        with np.errstate(invalid="ignore"):
            ok &= a == np.floor(a)
    if not ok.all():
        requirement = _requirement(min_val, max_val, include_boundaries, integer)
        if not (integer or allow_inf or requirement == "finite"):
            requirement += " and finite"
        raise ValueError(f"{name} must be {requirement}, got {_show(a[~ok])}")
    return a


def check_scalar(name: str, x: Any, **constraints: Any) -> float:
    """A single number meeting the constraints of :func:`check_array`, as a ``float``.

    >>> check_scalar("beta", 3, min_val=0.0, include_boundaries="neither")
    3.0
    """
    a = check_array(name, x, **constraints)
    if a.size != 1:
        raise ValueError(f"{name} must be a single number, got shape {a.shape}")
    return float(a.reshape(()))


def as_float_array(name: str, x: ArrayLike, *, allow_inf: bool = False) -> NDArray[np.float64]:
    """``x`` as a float array; NaN (and inf unless allowed) raise ``ValueError``."""
    return check_array(name, x, allow_inf=allow_inf)


def positive(name: str, x: ArrayLike, *, allow_inf: bool = False) -> NDArray[np.float64]:
    """``x > 0`` elementwise (and finite unless ``allow_inf``)."""
    return check_array(name, x, min_val=0.0, include_boundaries="neither", allow_inf=allow_inf)


def nonnegative(name: str, x: ArrayLike) -> NDArray[np.float64]:
    """``x >= 0`` elementwise and finite."""
    return check_array(name, x, min_val=0.0)


def probability(name: str, x: ArrayLike) -> NDArray[np.float64]:
    """``0 <= x <= 1`` elementwise."""
    return check_array(name, x, min_val=0.0, max_val=1.0)


def positive_int(name: str, x: Any, *, minimum: int = 1) -> int:
    """A scalar integer ``>= minimum`` (floats with integer values are accepted).

    >>> positive_int("n", 3.0)
    3
    """
    return int(check_scalar(name, x, min_val=minimum, integer=True))


def check_broadcast(**arrays: NDArray) -> list[NDArray]:
    """The arrays broadcast together, else ``ValueError`` naming each argument and its shape.

    >>> [a.shape for a in check_broadcast(bias=np.zeros(3), tau=np.ones(1))]
    [(3,), (3,)]
    """
    try:
        return list(np.broadcast_arrays(*arrays.values()))
    except ValueError as exc:
        shapes = ", ".join(f"{n} {np.shape(a)}" for n, a in arrays.items())
        raise ValueError(f"arguments cannot be broadcast together: {shapes}") from exc


def scalar_or_array(a: NDArray[np.float64]) -> float | NDArray[np.float64]:
    """A Python ``float`` for a 0-d array, else the array itself (the rule for return values)."""
    return float(a) if a.ndim == 0 else a


def rng_from(seed_or_rng: Any) -> np.random.Generator:
    """A Generator from a Generator or an integer seed (``None`` is refused)."""
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    if seed_or_rng is None:
        raise ValueError("rng must be a numpy.random.Generator or an integer seed, got None")
    return np.random.default_rng(positive_int("rng", seed_or_rng, minimum=0))


def check_generator(name: str, rng: Any) -> np.random.Generator:
    """``rng`` itself if it is a ``numpy.random.Generator`` (no seeds), else ``ValueError``."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"{name} must be a numpy.random.Generator, got {rng!r}")
    return rng


def _requirement(min_val: float | None, max_val: float | None, include_boundaries: str, integer: bool) -> str:
    """The constraint in words: ``positive``, ``an integer >= 1``, ``in [0, 1]``, ... (finiteness aside)."""
    left = include_boundaries in ("both", "left")
    right = include_boundaries in ("both", "right")
    noun = "an integer " if integer else ""
    if min_val is not None and max_val is not None:
        return f"{noun}in {'[' if left else '('}{min_val:g}, {max_val:g}{']' if right else ')'}"
    if min_val == 0 and max_val is None:
        word = "non-negative" if left else "positive"
        return f"a {word} integer" if integer else word
    if min_val is not None:
        return f"{noun}{'>=' if left else '>'} {min_val:g}"
    if max_val is not None:
        return f"{noun}{'<=' if right else '<'} {max_val:g}"
    return "an integer" if integer else "finite"


def _show(bad: NDArray) -> str:
    """The first offending values (at most three) and their number."""
    bad = np.ravel(bad)
    s = ", ".join(repr(float(v)) for v in bad[:3])
    return s + (f", ... ({bad.size} values)" if bad.size > 3 else "")
