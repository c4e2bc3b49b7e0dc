"""Docstrings: every Examples section of lidlib runs as a doctest, and the documented
modules keep a Parameters or Returns section on every public function.

The doctests compare output (unlike QuantEcon's sweep, which only runs the examples), so
the examples print rounded numbers; NumPy's print options are fixed here (legacy 1.25
scalar repr: ``0.5``, not ``np.float64(0.5)``) so that the output does not depend on the
NumPy version. A guard makes sure the sweep is not silently empty.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import re
from pathlib import Path

import numpy as np
import pytest

import lidlib

ROOT = Path(__file__).resolve().parents[1]
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
PRINT_OPTIONS: dict = dict(precision=8, threshold=1000, linewidth=75, suppress=False)
if int(np.__version__.split(".")[0]) >= 2:  # NumPy 1.x prints scalars this way already
    PRINT_OPTIONS["legacy"] = "1.25"


def _module_names() -> list[str]:
    # every file, not pkgutil.walk_packages: experiments/ and book/ are namespace packages,
    # which walk_packages does not enter
    pkg = Path(lidlib.__file__).parent
    names = []
    for f in sorted(pkg.rglob("*.py")):
        parts = ("lidlib",) + f.relative_to(pkg).with_suffix("").parts
        if parts[-1] == "__main__":  # importing it runs the CLI
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _doctests() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = []
    for name in _module_names():
        try:
            mod = importlib.import_module(name)
        except ImportError:  # an optional extra that is not installed (the module's own tests say so)
            continue
        found += [t for t in finder.find(mod, name) if t.examples and t.name.startswith(name)]
    # a function re-exported by lidlib/__init__ is found again under ``lidlib``: run it once
    seen, unique = set(), []
    for t in sorted(found, key=lambda t: (t.filename or "", t.lineno or 0, -len(t.name))):
        key = (t.filename, t.lineno)
        if key not in seen:
            seen.add(key)
            unique.append(t)
    return unique


DOCTESTS = _doctests()


def test_the_sweep_is_not_empty():
    assert len(DOCTESTS) >= 100, f"only {len(DOCTESTS)} docstrings with examples found"
    assert sum(len(t.examples) for t in DOCTESTS) >= 300


@pytest.mark.parametrize("test", DOCTESTS, ids=[t.name.removeprefix("lidlib.") for t in DOCTESTS])
def test_docstring_example(test):
    out: list[str] = []
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    with np.printoptions(**PRINT_OPTIONS):
        result = runner.run(test, out=out.append, clear_globs=True)
    assert result.failed == 0, "".join(out)


# ------------------------------------------------------------- numpydoc sections
# Modules whose public functions are documented completely (issue 21, part 5); each
# entry may leave out a few names that are documented elsewhere or are being renamed.
DOCUMENTED = {
    "lidlib/model.py": set(),
    "lidlib/ridge.py": set(),
    "lidlib/beta_model.py": set(),
    "lidlib/allocation.py": set(),
    "lidlib/experiments/distill.py": set(),
    "lidlib/experiments/cifar10h.py": set(),
    "lidlib/experiments/llm_passk.py": set(),
    "lidlib/experiments/simple_model.py": set(),
    "lidlib/experiments/training_law.py": set(),
    "lidlib/experiments/tauberian.py": set(),
    "lidlib/experiments/two_tail_law.py": set(),
    "lidlib/experiments/compute_allocation.py": set(),
    "lidlib/counts.py": set(),
    "lidlib/data/formats.py": set(),
    "lidlib/data/__init__.py": set(),
    "lidlib/tails.py": set(),
    "lidlib/two_tail.py": set(),
    "lidlib/slopes.py": set(),
    "lidlib/passk.py": set(),
    "lidlib/simulate.py": set(),
    "lidlib/experiments/vae.py": set(),
}
# counts.py: the forecasting section (from this marker on) is documented separately
STOP_AT = {"lidlib/counts.py": re.compile(r"^# -+ forecasting$", re.M)}
SECTION = re.compile(r"^\s*(Parameters|Returns|Attributes|Yields)\s*\n\s*-{3,}\s*$", re.M)


def _public_definitions(path: str) -> list[tuple[str, ast.AST]]:
    src = (ROOT / path).read_text()
    stop = STOP_AT.get(path)
    last = src[: m.start()].count("\n") + 1 if stop and (m := stop.search(src)) else None
    out: list[tuple[str, ast.AST]] = []
    for node in ast.parse(src).body:
        if last is not None and node.lineno >= last:
            break
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            out.append((node.name, node))
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            out.append((node.name, node))
            for sub in node.body:
                if not isinstance(sub, ast.FunctionDef) or sub.name.startswith("_"):
                    continue
                if any(isinstance(d, ast.Name) and d.id == "property" for d in sub.decorator_list):
                    continue  # a property documents an attribute: a one-line docstring
                out.append((f"{node.name}.{sub.name}", sub))
    return out


@pytest.mark.parametrize("path", sorted(DOCUMENTED))
def test_public_functions_have_parameters_or_returns(path):
    offenders = []
    for name, node in _public_definitions(path):
        if name.split(".")[0] in DOCUMENTED[path]:
            continue
        doc = ast.get_docstring(node) or ""
        if not SECTION.search(doc):
            offenders.append(f"{name} (line {node.lineno})")
    assert not offenders, f"{path}: no numpydoc Parameters/Returns/Attributes section: " + ", ".join(offenders)


def test_the_section_scan_sees_functions():
    # guard against a scan that silently finds nothing (a moved file, a changed marker)
    for path in DOCUMENTED:
        assert len(_public_definitions(path)) >= 3, path
    counts = [n for n, _ in _public_definitions("lidlib/counts.py")]
    assert "fit_passk_counts" in counts and "forecast_failure" not in counts
