"""Run profiles: the one place where the size of every chapter is set.

``paper`` reproduces the scale of the paper's figures; ``quick`` runs the same code
at a size that keeps the whole book build within the CI budget (3 minutes on
2 cores).  Notebooks receive ``profile`` and ``seed`` from papermill and call
:func:`get` for their sizes, so no size is hard-coded in a notebook.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping

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
