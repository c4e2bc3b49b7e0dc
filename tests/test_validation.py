"""The validation layer (lidlib/_validation.py): one parametrised validator whose messages
name the argument and state the constraint."""

from __future__ import annotations

import numpy as np
import pytest

from lidlib._validation import (
    check_array,
    check_broadcast,
    check_generator,
    check_scalar,
    nonnegative,
    positive,
    positive_int,
    probability,
    scalar_or_array,
)


@pytest.mark.parametrize(
    "kwargs, value, message",
    [
        (dict(min_val=0.0, include_boundaries="neither"), 0.0, "x must be positive and finite, got 0.0"),
        (dict(min_val=0.0), -2.0, "x must be non-negative and finite, got -2.0"),
        (dict(min_val=1.0), [3.0, 0.5], "x must be >= 1 and finite, got 0.5"),
        (dict(min_val=1.0, include_boundaries="right"), 1.0, "x must be > 1 and finite, got 1.0"),
        (dict(max_val=1.0, include_boundaries="neither"), 1.0, "x must be < 1 and finite, got 1.0"),
        (dict(min_val=0.0, max_val=1.0), [0.5, 1.5], r"x must be in \[0, 1\] and finite, got 1.5"),
        (dict(min_val=0.0, max_val=1.0, include_boundaries="neither"), 0.0, r"x must be in \(0, 1\) and finite"),
        (dict(min_val=1.0, integer=True), 2.5, "x must be an integer >= 1, got 2.5"),
        (dict(min_val=0.0, integer=True), -1.0, "x must be a non-negative integer, got -1.0"),
        ({}, np.inf, "x must be finite, got inf"),
        ({}, [1.0, np.nan], "x must not contain NaN"),
        ({}, "abc", "x must be numeric"),
        (dict(min_val=0.0), [-1.0, -2.0, -3.0, -4.0], r"got -1.0, -2.0, -3.0, ... \(4 values\)"),
    ],
)
def test_check_array_names_the_argument_and_the_constraint(kwargs, value, message):
    with pytest.raises(ValueError, match=message):
        check_array("x", value, **kwargs)


def test_check_array_accepts_what_the_constraints_allow():
    np.testing.assert_array_equal(check_array("x", [0.0, 1.0], min_val=0.0, max_val=1.0), [0.0, 1.0])
    assert check_array("x", np.inf, min_val=0.0, include_boundaries="neither", allow_inf=True) == np.inf
    assert check_array("x", 4.0, integer=True) == 4.0
    a = np.arange(3.0)
    assert check_array("x", a) is a  # no copy of a float array
    with pytest.raises(ValueError, match="include_boundaries"):
        check_array("x", 1.0, min_val=0.0, include_boundaries="open")


def test_named_forms_and_scalars():
    with pytest.raises(ValueError, match="tau must be positive"):
        positive("tau", [1.0, 0.0])
    with pytest.raises(ValueError, match="v must be non-negative"):
        nonnegative("v", -1e-300)
    with pytest.raises(ValueError, match=r"s must be in \[0, 1\]"):
        probability("s", 1.0 + 1e-15)
    assert positive_int("n", 3.0) == 3 and isinstance(positive_int("n", 3.0), int)
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        positive_int("n", 1, minimum=2)
    with pytest.raises(ValueError, match="beta must be a single number"):
        check_scalar("beta", [1.0, 2.0])
    assert scalar_or_array(np.array(2.0)) == 2.0 and isinstance(scalar_or_array(np.array(2.0)), float)
    assert scalar_or_array(np.ones(2)).shape == (2,)


def test_check_broadcast_and_check_generator():
    a, b = check_broadcast(bias=np.zeros(3), tau=1.0)
    assert a.shape == b.shape == (3,)
    with pytest.raises(ValueError, match=r"bias \(3,\), tau \(2,\)"):
        check_broadcast(bias=np.zeros(3), tau=np.ones(2))
    rng = np.random.default_rng(0)
    assert check_generator("rng", rng) is rng
    with pytest.raises(ValueError, match="rng must be a numpy.random.Generator"):
        check_generator("rng", 0)
