"""The package's layering, checked on every import statement (also those inside functions).

Layers, from the bottom (docs/architecture.md):

* **science**: the flat modules ``lidlib/*.py`` whose names map onto the paper
  (``passk``, ``tails``, ``ridge``, ...) and the private helpers ``_validation`` and
  ``_quadrature``. They import only each other.
* **data** (``lidlib.data``): the registry of data files and the readers of evaluators'
  formats. Imports science only.
* **experiments** (``lidlib.experiments``): one chapter's experiment each. Imports
  science and data.
* **book** (``lidlib.book``) and **cli** (``lidlib.cli``): the machinery that builds the
  book and the command line. They may import anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "lidlib"

# layer -> the layers it may import from
ALLOWED = {
    "science": {"science"},
    "data": {"science", "data"},
    "experiments": {"science", "data", "experiments"},
    "book": {"science", "data", "experiments", "book", "cli"},
    "cli": {"science", "data", "experiments", "book", "cli"},
}


def layer_of(module: str) -> str:
    """The layer of a dotted ``lidlib`` module name (``lidlib`` itself is science)."""
    parts = module.split(".")
    assert parts[0] == "lidlib", module
    if len(parts) > 1 and parts[1] in ("data", "experiments", "book", "cli"):
        return parts[1]
    return "science"


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def lidlib_imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """Every ``lidlib`` import in a file: (line, module, imported names)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name, []) for a in node.names if a.name.split(".")[0] == "lidlib"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "lidlib":
                out.append((node.lineno, node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}:{node.lineno}: relative import; use absolute lidlib imports")
    return out


def targets(module: str, names: list[str]) -> list[str]:
    """The modules an import statement reaches (``from lidlib.book import claims`` reaches
    ``lidlib.book.claims``; ``from lidlib import passk`` reaches ``lidlib.passk``)."""
    reached = [module]
    for n in names:
        candidate = PKG.parent / Path(*module.split("."), n)
        if candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists():
            reached.append(f"{module}.{n}")
    return reached


FILES = sorted(PKG.rglob("*.py"))


def test_the_layers_cover_every_module():
    assert len(FILES) > 20
    assert {layer_of(module_name(f)) for f in FILES} == set(ALLOWED)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PKG)))
def test_imports_respect_the_layers(path):
    here = layer_of(module_name(path))
    bad = []
    for line, module, names in lidlib_imports(path):
        for target in targets(module, names):
            if module == "lidlib" and target == "lidlib":
                continue  # public names re-exported by lidlib/__init__ are science
            if layer_of(target) not in ALLOWED[here]:
                bad.append(f"{path.relative_to(PKG.parent)}:{line} ({here}) imports {target} ({layer_of(target)})")
    assert not bad, "\n".join(bad)


def test_the_checker_sees_a_violation(tmp_path):
    """The rule can fail: a science module importing the book is caught."""
    bad = PKG.parent / "lidlib" / "_layers_probe.py"
    try:
        bad.write_text("def f():\n    from lidlib.book import claims\n    return claims\n")
        ((line, module, names),) = lidlib_imports(bad)
        reached = targets(module, names)
        assert "lidlib.book.claims" in reached
        assert layer_of("lidlib.book.claims") not in ALLOWED[layer_of(module_name(bad))]
    finally:
        bad.unlink()


def test_argument_parsing_lives_in_the_cli_with_one_parser():
    """Only lidlib/cli parses command lines, with the one parser class of lidlib/cli/parser.py."""
    outside = [f for f in FILES if "argparse" in f.read_text() and f.parent.name != "cli"]
    assert not outside, outside
    subclasses = [
        f"{f.relative_to(PKG)}:{node.name}"
        for f in FILES
        for node in ast.walk(ast.parse(f.read_text()))
        if isinstance(node, ast.ClassDef) and any(ast.unparse(b).endswith("ArgumentParser") for b in node.bases)
    ]
    assert subclasses == ["cli/parser.py:ArgumentParser"], subclasses
