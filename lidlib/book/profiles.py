"""Run profiles: the one place where the size of every chapter is set.

``paper`` reproduces the scale of the paper's figures; ``quick`` runs the same code
at a size that keeps the whole book build within the CI budget (3 minutes on
2 cores).  Notebooks receive ``profile``, ``seed`` and ``overrides`` from papermill
(or from their parameters cell in JupyterLab) and call :func:`get` for their settings,
so no size is hard-coded in a notebook.

The settings are data, in ``profiles.toml`` beside this module: per chapter, a table
holding the paper profile (with comments saying where each value comes from) and a
``[<chapter>.quick]`` sub-table listing only what the quick profile changes.

Overrides
---------
``get(chapter, profile, **overrides)`` changes settings for one run. The same rules
apply to the ``[<chapter>.quick]`` sub-tables of the file:

* the name must be one of the chapter's settings;
* the value must have the setting's type: an ``int`` where the setting is an int (a
  float such as ``1e6`` is refused, not truncated: write ``1000000``), an ``int`` or a
  ``float`` where it is a float (an int is converted), a ``str`` where it is a string,
  a ``bool`` where it is a bool;
* an array takes a list or tuple whose items follow these rules against the default's
  items; when the default mixes types (``ks = [1.0, 1e6, 49]``: start, stop, number)
  the items are checked position by position and the length is fixed;
* a table (``errata = { d = 32, ... }``) takes a mapping naming some of its keys; only
  those change.

A bad name or value raises ``ValueError`` naming it and listing what is valid. Arrays
come back as tuples and the mapping is read-only, so a chapter cannot change its
settings behind the record. The overrides of the last :func:`get` of a chapter in this
process are :func:`applied_overrides`: the ledger writes such a run apart from the
book's results and records the overrides in its provenance (:mod:`lidlib.book.claims`).
"""

from __future__ import annotations

import functools
import numbers
import tomllib
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any

PROFILES: tuple[str, ...] = ("quick", "paper")
DEFAULT_SEED: int = 0
#: The profile whose values the chapter tables hold; the others are sub-tables of changes.
BASE_PROFILE = "paper"
SETTINGS_FILE = "profiles.toml"

# chapter -> overrides of the last get() in this process (see applied_overrides)
_APPLIED: dict[str, dict[str, Any]] = {}


def _freeze(value: Any) -> Any:
    """TOML arrays as tuples (immutable, as the settings always were), tables as dicts."""
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, Mapping):
        return {k: _freeze(v) for k, v in value.items()}
    return value


def _copy(value: Any) -> Any:
    """A fresh copy of the (only mutable) nested tables, so no caller shares them."""
    return {k: _copy(v) for k, v in value.items()} if isinstance(value, dict) else value


def _type_name(default: Any) -> str:
    for t, name in ((bool, "a bool"), (int, "an int"), (float, "a number"), (str, "a string")):
        if isinstance(default, t):
            return name
    return "a list" if isinstance(default, tuple) else "a table"


def _kind(x: Any) -> type:
    return bool if isinstance(x, bool) else type(x)


def coerce(value: Any, default: Any, name: str) -> Any:
    """``value`` as a setting whose default is ``default`` (the rules of the module docstring).

    Raises
    ------
    ValueError
        Naming ``name`` (``chapter: setting[i].key``), the expected type and the default.
    """
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, int):
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            return int(value)
        if isinstance(value, float) and value.is_integer():
            raise ValueError(f"{name} must be an int like its default {default!r}, got {value!r} (write {int(value)})")
    elif isinstance(default, float):
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return float(value)
    elif isinstance(default, str):
        if isinstance(value, str):
            return value
    elif isinstance(default, tuple):
        if isinstance(value, (list, tuple)):
            if not default:
                return _freeze(value)
            if len({_kind(d) for d in default}) == 1:  # homogeneous: any length
                return tuple(coerce(v, default[0], f"{name}[{i}]") for i, v in enumerate(value))
            if len(value) != len(default):
                raise ValueError(
                    f"{name} must be a list of {len(default)} items like its default {list(default)!r}, got {value!r}"
                )
            return tuple(coerce(v, d, f"{name}[{i}]") for i, (v, d) in enumerate(zip(value, default)))
    elif isinstance(default, dict):
        if isinstance(value, Mapping):
            unknown = [k for k in value if k not in default]
            if unknown:
                raise ValueError(f"{name} has no key {unknown[0]!r}; its keys: {', '.join(default)}")
            return {k: coerce(value[k], d, f"{name}.{k}") if k in value else d for k, d in default.items()}
    raise ValueError(f"{name} must be {_type_name(default)} like its default {default!r}, got {value!r}")


def _apply(chapter: str, settings: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(settings)
    for key, value in overrides.items():
        if key not in settings:
            raise ValueError(f"chapter {chapter!r} has no setting {key!r}; its settings: {', '.join(settings)}")
        out[key] = coerce(value, settings[key], f"{chapter}: {key}")
    return out


@functools.cache
def _tables() -> dict[str, dict[str, dict[str, Any]]]:
    """chapter -> profile -> settings, read once from ``profiles.toml``."""
    text = resources.files(__package__).joinpath(SETTINGS_FILE).read_text(encoding="utf-8")
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for chapter, table in tomllib.loads(text).items():
        if BASE_PROFILE in table:
            raise ValueError(
                f"{SETTINGS_FILE}: [{chapter}.{BASE_PROFILE}]: the chapter's own table is the {BASE_PROFILE} profile"
            )
        base = {k: _freeze(v) for k, v in table.items() if k not in PROFILES}
        out[chapter] = {BASE_PROFILE: base}
        for prof in PROFILES:
            if prof != BASE_PROFILE:
                try:
                    out[chapter][prof] = _apply(chapter, base, table.get(prof, {}))
                except ValueError as exc:
                    raise ValueError(f"{SETTINGS_FILE}: [{chapter}.{prof}]: {exc}") from None
    return out


def chapters() -> tuple[str, ...]:
    """Names of the chapters that have profile settings."""
    return tuple(_tables())


def _settings(chapter: str, profile: str) -> dict[str, Any]:
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    if chapter not in _tables():
        raise ValueError(f"chapter {chapter!r} has no profile settings; known: {', '.join(chapters())}")
    return _tables()[chapter][profile]


def check_overrides(chapter: str, profile: str, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The overrides as :func:`get` applies them: checked, with ints made floats where the
    setting is a float and a table override completed to the whole table.

    Raises
    ------
    ValueError
        If the chapter, the profile, a name or a value is not valid (see the module docstring).
    """
    settings = _apply(chapter, _settings(chapter, profile), overrides)
    return {k: _copy(settings[k]) for k in overrides}


def get(chapter: str, profile: str = "quick", **overrides: Any) -> Mapping[str, Any]:
    """Settings of ``chapter`` at ``profile``, with ``overrides`` (a read-only mapping).

    Parameters
    ----------
    chapter : str
        Notebook file stem, e.g. ``"lid_model"``.
    profile : {"quick", "paper"}
        Run size.
    **overrides
        Settings to change for this run, e.g. ``n_tau=1000`` (rules in the module
        docstring). They are remembered for :func:`applied_overrides`.

    Raises
    ------
    ValueError
        If the chapter, the profile, an override's name or its type is not valid; the
        message names it and lists the valid ones.
    """
    settings = _apply(chapter, _settings(chapter, profile), overrides)
    _APPLIED[chapter] = {k: _copy(settings[k]) for k in overrides}
    return MappingProxyType({k: _copy(v) for k, v in settings.items()})


def applied_overrides(chapter: str) -> dict[str, Any]:
    """The overrides of the last :func:`get` of ``chapter`` in this process (``{}`` if none)."""
    return _copy(_APPLIED.get(chapter, {}))


def differing(chapter: str) -> tuple[str, ...]:
    """The settings of ``chapter`` whose value is not the same at every profile."""
    tables = [_settings(chapter, p) for p in PROFILES]
    return tuple(
        k for k in tables[0] if any(t[k] != tables[0][k] or type(t[k]) is not type(tables[0][k]) for t in tables)
    )
