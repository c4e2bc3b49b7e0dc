"""Tests of lidlib.experiments.vae.passk_curves (the pass@k analysis of the VAE experiment)."""

from math import comb

import numpy as np
import pytest

from lidlib.experiments import vae


def test_passk_curves_against_combinatorics():
    rng = np.random.default_rng(0)
    errs = rng.uniform(size=(6, 20)) * rng.uniform(0.5, 2.0, size=(6, 1))
    ks = np.array([1, 2, 5, 10, 20])
    out = vae.passk_curves(errs, [0.3], ks, kappa=0.7)[0.3]
    c = (errs < 0.3).sum(axis=1)
    K = errs.shape[1]
    exact = [1 - np.mean([comb(K - ci, int(k)) / comb(K, int(k)) for ci in c]) for k in ks]
    np.testing.assert_allclose(out["measured"], exact, rtol=1e-10)
    p = 1 - c / K
    np.testing.assert_allclose(out["independent"], [1 - np.mean(p**k) for k in ks], rtol=1e-12)
    assert out["measured"][-1] == pytest.approx(np.mean(c > 0))  # k = K: any success at all
    with pytest.raises(ValueError, match="ks"):
        vae.passk_curves(errs, [0.3], [0, 3], 0.7)
