"""Shared test helpers: tests that need data which is not committed say so.

Every input the book reads is committed under ``data/``; only the full CIFAR-10 test
batch (30 MB) and the offline mirror's own README are not. A test that needs one of
them calls :func:`require_mirror_data`, which skips with a reason naming the command
that provides the file. ``.ci/run`` runs those tests in a second step with the
mirror and ``LIDLIB_REQUIRE_DATA=1``, which turns the skip into a failure, so CI
never skips them silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REQUIRE_ENV = "LIDLIB_REQUIRE_DATA"
#: The mirror as the caller's environment named it (read once: fixtures may unset it).
MIRROR = os.environ.get("LIDLIB_DATA_DIR")


def skip_unless_required(reason: str) -> None:
    """Skip with ``reason``; with ``LIDLIB_REQUIRE_DATA=1`` (CI's data step) fail instead."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def require_mirror_data(*names: str) -> None:
    """Skip (or, with ``LIDLIB_REQUIRE_DATA=1``, fail) unless ``names`` are available locally.

    Available means present and verified in the repository, the mirror or the cache
    (no download is attempted).
    """
    from lidlib import data

    missing = [r["name"] for r in data.verify(list(names)) if r["status"] != "ok"]
    if not missing:
        return
    reason = (
        f"needs {', '.join(missing)}, which is not in the repository: run "
        f"`lidlib data fetch {' '.join(missing)}` with internet access, or set "
        f"LIDLIB_DATA_DIR to a local mirror (set {REQUIRE_ENV}=1 to fail instead of skipping)"
    )
    skip_unless_required(reason)


def require_mirror_dir() -> Path:
    """The mirror directory named by ``LIDLIB_DATA_DIR``, or skip/fail as above."""
    if MIRROR and Path(MIRROR).is_dir():
        return Path(MIRROR)
    reason = (
        f"checks the project's offline data mirror itself (a folder of the original data files, as on "
        f"the CI machine; users do not need one): set LIDLIB_DATA_DIR to it (now {MIRROR or 'unset'}; "
        f"{REQUIRE_ENV}=1 fails instead of skipping)"
    )
    skip_unless_required(reason)
