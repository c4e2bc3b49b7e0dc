r"""A small NumPy VAE for the predecessor paper's reconstruction experiment (Section 4, App. A).

Architecture of Appendix A of arXiv:2410.16377: encoder 784 -> 400 (ReLU) -> (mu, log var)
in 20 dimensions; decoder 20 -> 400 (ReLU) -> 784 (sigmoid). Loss: binary cross-entropy
(summed over pixels) plus the KL divergence to N(0, I), averaged over the batch; Adam.
A temperature ``T`` scales the noise of the reparameterisation, ``z = mu + T sigma eps``.

Each "attempt" at reconstructing a training image draws a fresh ``eps``; its relative
error ``||y_hat - y|| / ||y||`` (Eq. 16) is a success when below a threshold. Pure NumPy
(float32), so it runs anywhere; about 0.1-0.2 s per epoch on 400 images on one core.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from lidlib._validation import positive, positive_int, rng_from

__all__ = [
    "VAE",
    "train_vae",
    "loss_and_grads",
    "reconstruction_errors",
    "trial_correlation",
    "eigen_decay_exponent",
    "passk_curves",
]

_NAMES = ("W1", "b1", "Wm", "bm", "Wl", "bl", "W3", "b3", "W4", "b4")


@dataclass
class VAE:
    """Weights of the VAE of App. A (float32 arrays) and its training history.

    Attributes
    ----------
    params : dict of str to ndarray
        Weights and biases ``W1, b1`` (encoder), ``Wm, bm`` and ``Wl, bl`` (mean and log
        variance), ``W3, b3, W4, b4`` (decoder).
    losses : list of float
        Mean training loss of each epoch.
    """

    params: dict[str, NDArray[np.float32]]
    losses: list[float] = field(default_factory=list)

    @classmethod
    def init(cls, rng, d_in: int = 784, d_h: int = 400, d_z: int = 20) -> VAE:
        """PyTorch-style uniform initialisation ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.

        Parameters
        ----------
        rng : numpy.random.Generator or int
            Random generator or seed.
        d_in, d_h, d_z : int
            Input, hidden and latent dimensions (App. A: 784, 400, 20).

        Returns
        -------
        VAE
            Untrained, with an empty loss history.

        Examples
        --------
        >>> vae = VAE.init(0, d_in=4, d_h=3, d_z=2)
        >>> vae.params["W1"].shape, vae.params["W1"].dtype, vae.losses
        ((4, 3), dtype('float32'), [])
        """
        g = rng_from(rng)
        shapes = {"W1": (d_in, d_h), "Wm": (d_h, d_z), "Wl": (d_h, d_z), "W3": (d_z, d_h), "W4": (d_h, d_in)}
        p: dict[str, NDArray[np.float32]] = {}
        for w, (fi, fo) in shapes.items():
            bound = 1.0 / np.sqrt(fi)
            p[w] = g.uniform(-bound, bound, (fi, fo)).astype(np.float32)
            p["b" + w[1:]] = g.uniform(-bound, bound, fo).astype(np.float32)
        return cls(p)

    def encode(self, x: NDArray) -> tuple[NDArray, NDArray]:
        """Mean and log variance of the latent code of each image (the encoder of App. A).

        Parameters
        ----------
        x : ndarray, shape (n, d_in)
            Images scaled to [0, 1].

        Returns
        -------
        mu, logvar : ndarray, shape (n, d_z)

        Examples
        --------
        >>> import numpy as np
        >>> vae = VAE.init(0, d_in=4, d_h=3, d_z=2)
        >>> mu, logvar = vae.encode(np.full((5, 4), 0.5, dtype=np.float32))
        >>> mu.shape, logvar.shape
        ((5, 2), (5, 2))
        """
        p = self.params
        h = np.maximum(x @ p["W1"] + p["b1"], 0)
        return h @ p["Wm"] + p["bm"], h @ p["Wl"] + p["bl"]

    def decode(self, z: NDArray) -> NDArray:
        """Reconstructed images (sigmoid outputs) of latent codes (the decoder of App. A).

        Parameters
        ----------
        z : ndarray, shape (n, d_z)
            Latent codes.

        Returns
        -------
        ndarray, shape (n, d_in)
            Pixel intensities in ``(0, 1)``.

        Examples
        --------
        >>> import numpy as np
        >>> y = VAE.init(0, d_in=4, d_h=3, d_z=2).decode(np.zeros((5, 2), dtype=np.float32))
        >>> y.shape, bool(((y > 0) & (y < 1)).all())
        ((5, 4), True)
        """
        p = self.params
        g = np.maximum(z @ p["W3"] + p["b3"], 0)
        return _sigmoid(g @ p["W4"] + p["b4"])


def _sigmoid(t: NDArray) -> NDArray:
    return 0.5 * (1.0 + np.tanh(0.5 * t))


def loss_and_grads(vae: VAE, x: NDArray, eps: NDArray, temperature: float = 1.0) -> tuple[float, dict[str, NDArray]]:
    r"""Batch-mean of BCE (summed over pixels) + KL, and its gradients (back-propagation).

    ``z = mu + T exp(logvar / 2) eps``; KL ``= -1/2 sum(1 + logvar - mu^2 - exp(logvar))``
    (the loss of App. A).

    Parameters
    ----------
    vae : VAE
        The model.
    x : ndarray, shape (B, d_in)
        A batch of images in [0, 1].
    eps : ndarray, shape (B, d_z)
        Standard normal reparameterisation noise.
    temperature : float, default 1.0
        Noise temperature ``T``.

    Returns
    -------
    loss : float
        The batch-mean loss.
    grads : dict of str to ndarray
        Its gradient with respect to each entry of ``vae.params`` (same shapes).

    Examples
    --------
    >>> import numpy as np
    >>> vae = VAE.init(0, d_in=4, d_h=3, d_z=2)
    >>> x = np.full((8, 4), 0.5, dtype=np.float32)
    >>> loss, grads = loss_and_grads(vae, x, np.zeros((8, 2), dtype=np.float32))
    >>> sorted(grads) == sorted(vae.params), grads["W1"].shape
    (True, (4, 3))
    """
    p = vae.params
    B = x.shape[0]
    a1 = x @ p["W1"] + p["b1"]
    h = np.maximum(a1, 0)
    mu = h @ p["Wm"] + p["bm"]
    lv = h @ p["Wl"] + p["bl"]
    sd = np.exp(0.5 * lv)
    z = mu + temperature * sd * eps
    a3 = z @ p["W3"] + p["b3"]
    g = np.maximum(a3, 0)
    logits = g @ p["W4"] + p["b4"]
    bce = np.sum(np.logaddexp(0, logits) - x * logits)
    kl = -0.5 * np.sum(1 + lv - mu**2 - np.exp(lv))
    loss = float((bce + kl) / B)
    d_logits = (_sigmoid(logits) - x) / B
    gr = {"W4": g.T @ d_logits, "b4": d_logits.sum(0)}
    dg = (d_logits @ p["W4"].T) * (a3 > 0)
    gr["W3"], gr["b3"] = z.T @ dg, dg.sum(0)
    dz = dg @ p["W3"].T
    dmu = dz + mu / B
    dlv = dz * eps * temperature * 0.5 * sd + 0.5 * (np.exp(lv) - 1) / B
    gr["Wm"], gr["bm"] = h.T @ dmu, dmu.sum(0)
    gr["Wl"], gr["bl"] = h.T @ dlv, dlv.sum(0)
    dh = (dmu @ p["Wm"].T + dlv @ p["Wl"].T) * (a1 > 0)
    gr["W1"], gr["b1"] = x.T @ dh, dh.sum(0)
    return loss, gr


def _cache_key(x: NDArray, **kw) -> str:
    """Hash of the data, the settings, this module's source and NumPy's version.

    The source is part of the key so that an edit to the training code (or to the
    model it trains) never silently reuses weights trained by the old code.
    """
    h = hashlib.sha256(np.ascontiguousarray(x, dtype=np.float32).tobytes())
    h.update(json.dumps(kw, sort_keys=True).encode())
    h.update(Path(__file__).read_bytes())
    h.update(np.__version__.encode())
    return h.hexdigest()[:20]


def train_vae(
    x: NDArray,
    epochs: int,
    rng,
    *,
    batch_size: int = 64,
    lr: float = 1e-3,
    temperature: float = 1.0,
    cache_dir: Path | None = None,
) -> VAE:
    """Train the VAE of Appendix A with Adam (beta1 = 0.9, beta2 = 0.999, eps = 1e-8).

    Parameters
    ----------
    x : ndarray, shape (n, 784)
        Images scaled to [0, 1].
    epochs : int
        Passes over the data (the paper: 1000), reshuffled each epoch.
    rng : Generator or int
        Initialisation, shuffling and reparameterisation noise.
    batch_size, lr, temperature
        Mini-batch size (not stated in the paper), Adam step size (paper: 1e-3), and the
        noise temperature used while training (1 unless stated).
    cache_dir : Path, optional
        If given, the trained weights are stored there as ``.npz``, keyed by a hash of
        the data, all settings (an integer seed is required for the key), the source of
        this module and the NumPy version, and loaded instead of retraining when present.

    Returns
    -------
    VAE
        The trained model, with the mean loss of each epoch in ``losses``.

    Raises
    ------
    ValueError
        If ``x`` is empty, not 2-d or outside [0, 1], a setting is not positive, or
        ``cache_dir`` is given with an ``rng`` that is not an integer seed.

    Examples
    --------
    A few epochs on eight random 4-pixel images (cached in a temporary directory; the
    second call loads the weights):

    >>> import tempfile
    >>> import numpy as np
    >>> x = np.random.default_rng(1).uniform(size=(8, 4)).astype(np.float32)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     vae = train_vae(x, 3, 0, batch_size=4, cache_dir=d)
    ...     again = train_vae(x, 3, 0, batch_size=4, cache_dir=d)
    >>> len(vae.losses), vae.losses[-1] < vae.losses[0], again.losses == vae.losses
    (3, True, True)
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or x.size == 0 or (x < 0).any() or (x > 1).any():
        raise ValueError("x must be a non-empty (n, d) array with values in [0, 1]")
    epochs = positive_int("epochs", epochs)
    batch_size = positive_int("batch_size", batch_size)
    lr = float(positive("lr", lr))
    path = None
    if cache_dir is not None:
        if not isinstance(rng, (int, np.integer)):
            raise ValueError("rng must be an integer seed when cache_dir is given (it is part of the cache key)")
        key = _cache_key(x, epochs=epochs, seed=int(rng), batch_size=batch_size, lr=lr, temperature=temperature)
        path = Path(cache_dir) / f"vae-{key}.npz"
        if path.is_file():
            with np.load(path, allow_pickle=False) as f:
                return VAE({n: f[n] for n in _NAMES}, list(f["losses"]))
    g = rng_from(rng)
    vae = VAE.init(g, d_in=x.shape[1])
    # Adam moments: float32 at first, float64 once the (float64) gradients are mixed in
    m: dict[str, NDArray[np.floating]] = {n: np.zeros_like(v) for n, v in vae.params.items()}
    v2: dict[str, NDArray[np.floating]] = {n: np.zeros_like(v) for n, v in vae.params.items()}
    b1, b2, tiny = 0.9, 0.999, 1e-8
    t = 0
    n = x.shape[0]
    for _ in range(epochs):
        order = g.permutation(n)
        total = 0.0
        for s in range(0, n, batch_size):
            xb = x[order[s : s + batch_size]]
            eps = g.standard_normal((xb.shape[0], vae.params["Wm"].shape[1])).astype(np.float32)
            loss, gr = loss_and_grads(vae, xb, eps, temperature)
            total += loss * xb.shape[0]
            t += 1
            for k_, gk in gr.items():
                m[k_] = b1 * m[k_] + (1 - b1) * gk
                v2[k_] = b2 * v2[k_] + (1 - b2) * gk * gk
                mh = m[k_] / (1 - b1**t)
                vh = v2[k_] / (1 - b2**t)
                vae.params[k_] -= (lr * mh / (np.sqrt(vh) + tiny)).astype(np.float32)
        vae.losses.append(total / n)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # the keys are the parameter names (_NAMES), never one of savez's own keywords
        np.savez(path, losses=np.array(vae.losses), **vae.params)  # type: ignore[arg-type]
    return vae


def reconstruction_errors(
    vae: VAE, x: NDArray, n_trials: int, rng, *, temperature: float = 1.1, chunk: int = 50
) -> NDArray[np.float64]:
    r"""Relative error ``||y_hat - y|| / ||y||`` (Eq. 16) of ``n_trials`` reconstructions per image.

    Each trial decodes ``z = mu + T sigma eps`` with fresh ``eps``. Returns an array of
    shape ``(n_images, n_trials)``.

    Parameters
    ----------
    vae : VAE
        A (trained) model.
    x : ndarray, shape (n_images, d_in)
        Images in [0, 1] (not all zero).
    n_trials : int
        Reconstruction attempts per image (positive).
    rng : numpy.random.Generator or int
        Random generator or seed for the noise ``eps``.
    temperature : float, default 1.1
        Noise temperature ``T``.
    chunk : int, default 50
        Trials decoded at once (memory only).

    Returns
    -------
    ndarray, shape (n_images, n_trials)
        The relative errors.

    Raises
    ------
    ValueError
        If ``n_trials`` is not a positive integer.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(1).uniform(size=(8, 4)).astype(np.float32)
    >>> errors = reconstruction_errors(VAE.init(0, d_in=4, d_h=3, d_z=2), x, 5, rng=0)
    >>> errors.shape, bool((errors > 0).all())
    ((8, 5), True)
    """
    x = np.asarray(x, dtype=np.float32)
    n_trials = positive_int("n_trials", n_trials)
    g = rng_from(rng)
    mu, lv = vae.encode(x)
    sd = np.exp(0.5 * lv)
    norm = np.linalg.norm(x, axis=1)
    out = np.empty((x.shape[0], n_trials))
    for s in range(0, n_trials, chunk):
        m = min(chunk, n_trials - s)
        eps = g.standard_normal((m, *mu.shape)).astype(np.float32)
        y = vae.decode((mu + temperature * sd * eps).reshape(-1, mu.shape[1])).reshape(m, *x.shape)
        out[:, s : s + m] = (np.linalg.norm(y - x, axis=2) / norm).T
    return out


def trial_correlation(errors: NDArray) -> NDArray[np.float64]:
    r"""The trial-trial matrix of Eq. 17, ``eps_{kk'} = (1/n) sum_i error_{i,k} error_{i,k'}``.

    Parameters
    ----------
    errors : ndarray, shape (n_images, K)
        Relative errors of every attempt.

    Returns
    -------
    ndarray, shape (K, K)
        The matrix ``errors^T errors / n_images``.

    Raises
    ------
    ValueError
        If ``errors`` is not 2-d.

    Examples
    --------
    >>> import numpy as np
    >>> trial_correlation(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[ 5.,  7.],
           [ 7., 10.]])
    """
    e = np.asarray(errors, dtype=float)
    if e.ndim != 2:
        raise ValueError("errors must be a 2-d array (images x trials)")
    return e.T @ e / e.shape[0]


def eigen_decay_exponent(eigenvalues: NDArray, lo: int, hi: int) -> tuple[float, float]:
    """Power-law exponent ``kappa`` of ``lambda_i ~ i^-kappa`` fitted for ranks ``lo..hi`` (1-based).

    Returns ``(kappa, standard error)`` of an ordinary least-squares fit in log-log;
    applied to the spectrum of the Eq. 17 matrix (:func:`trial_correlation`).

    Parameters
    ----------
    eigenvalues : array_like
        The eigenvalues (any order; sorted in decreasing order here).
    lo, hi : int
        The rank window, 1-based and inclusive.

    Returns
    -------
    kappa, se : float
        The exponent and its standard error.

    Raises
    ------
    ValueError
        If fewer than three positive eigenvalues lie in the rank window.

    Examples
    --------
    >>> import numpy as np
    >>> kappa, se = eigen_decay_exponent(np.arange(1, 11) ** -2.0, 2, 8)
    >>> round(kappa, 6)
    2.0
    """
    lam = np.sort(np.asarray(eigenvalues, dtype=float))[::-1]
    i = np.arange(1, lam.size + 1)
    sel = (i >= lo) & (i <= hi) & (lam > 0)
    if sel.sum() < 3:
        raise ValueError("need at least 3 positive eigenvalues in the rank window")
    (slope, _), cov = np.polyfit(np.log(i[sel]), np.log(lam[sel]), 1, cov=True)
    return float(-slope), float(np.sqrt(cov[0, 0]))


def passk_curves(errors, thresholds, ks, kappa: float) -> dict[float, dict[str, NDArray[np.float64]]]:
    r"""Measured and predicted pass@k of the reconstruction experiment (Sec. 4, Fig. 5).

    For each threshold ``eps`` an attempt on image ``i`` succeeds when its relative error
    is below ``eps``; ``c_i`` counts the successes among the ``K`` attempts.

    Parameters
    ----------
    errors : array (n_images, K)
        Relative errors (Eq. 16) of every attempt.
    thresholds : sequence of float
        Success thresholds on the relative error.
    ks : array of int
        Numbers of attempts, ``1 <= k <= K``.
    kappa : float
        Exponent of the effective-k law (Eq. 12), e.g. from the Eq. 17 spectrum.

    Returns
    -------
    dict
        ``threshold -> {"measured", "independent", "effective_k"}``: the unbiased
        estimator from the counts (Chen et al.), ``1 - mean_i p_i^k`` and
        ``1 - mean_i p_i^{H_k(kappa)}`` with the plug-in ``p_i = 1 - c_i / K``.

    Raises
    ------
    ValueError
        If ``errors`` is not 2-d or a ``k`` lies outside ``[1, K]``.

    Examples
    --------
    Two images, two attempts each; below the threshold 0.25 each image succeeds once
    (``c_i = 1``), so pass@1 is 1/2 and pass@2 is 1:

    >>> import numpy as np
    >>> curves = passk_curves(np.array([[0.1, 0.3], [0.2, 0.4]]), [0.25], [1, 2], kappa=1.0)
    >>> np.round(curves[0.25]["measured"], 4), np.round(curves[0.25]["independent"], 4)
    (array([0.5, 1. ]), array([0.5 , 0.75]))
    """
    from scipy import special

    from lidlib.beta_model import effective_k

    e = np.asarray(errors, dtype=float)
    if e.ndim != 2:
        raise ValueError(f"errors must have shape (n_images, K), got {e.shape}")
    K = e.shape[1]
    k = np.asarray(ks, dtype=float).ravel()
    if np.any(k < 1) or np.any(k > K):
        raise ValueError(f"ks must lie in [1, {K}]")
    hk = np.asarray(effective_k(k, float(kappa)), dtype=float)
    out = {}
    for th in np.atleast_1d(thresholds):
        c = (e < th).sum(axis=1).astype(float)[:, None]
        with np.errstate(invalid="ignore"):
            log_fail = (
                special.gammaln(K - c + 1)
                - special.gammaln(K - c - k + 1)
                - special.gammaln(K + 1)
                + special.gammaln(K - k + 1)
            )
        fail = np.where(K - c >= k, np.exp(log_fail), 0.0)
        p = 1.0 - c / K
        out[float(th)] = {
            "measured": 1.0 - fail.mean(axis=0),
            "independent": 1.0 - np.mean(p**k, axis=0),
            "effective_k": 1.0 - np.mean(p**hk, axis=0),
        }
    return out
