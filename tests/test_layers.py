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


def test_no_private_names_cross_modules():
    """``from lidlib.x import _private`` only inside the module's own package helpers."""
    bad = []
    for path in FILES:
        for line, module, names in lidlib_imports(path):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            private = [n for n in private if f"{module}.{n}" not in targets(module, [n])[1:]]
            if private:
                bad.append(f"{path.relative_to(PKG.parent)}:{line} imports {private} from {module}")
    assert not bad, "\n".join(bad)


def is_module(dotted: str) -> bool:
    """Whether a dotted ``lidlib`` name is a module or package of the source tree."""
    candidate = PKG.parent / Path(*dotted.split("."))
    return candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists()


def module_aliases(tree: ast.AST) -> dict[str, str]:
    """Local names bound to ``lidlib`` modules anywhere in a file (``from lidlib import passk``
    binds ``passk``; ``import lidlib.book.claims as claims`` binds ``claims``; ``import lidlib``
    binds ``lidlib``)."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "lidlib":
                    out[a.asname or a.name.split(".")[0]] = a.name if a.asname else "lidlib"
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "lidlib":
                for a in node.names:
                    if is_module(f"{node.module}.{a.name}"):
                        out[a.asname or a.name] = f"{node.module}.{a.name}"
    return out


def private_attribute_uses(tree: ast.AST, here: str) -> list[tuple[int, str]]:
    """``(line, "module._name")`` for every attribute access to a private name of another
    ``lidlib`` module (``passk._gamma_nodes``, ``lidlib.book.claims._esc``); private
    *modules* reached as attributes (``lidlib._validation``) are the package's helpers."""
    aliases = module_aliases(tree)

    def resolve(node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = resolve(node.value)
            if base is not None and is_module(f"{base}.{node.attr}"):
                return f"{base}.{node.attr}"
        return None

    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            owner = resolve(node.value)
            if owner is not None and owner != here and not is_module(f"{owner}.{node.attr}"):
                bad.append((node.lineno, f"{owner}.{node.attr}"))
    return bad


def test_no_private_attributes_cross_modules():
    """No ``passk._x`` or ``claims._esc``: another module's private names stay private."""
    bad = []
    for path in FILES:
        tree = ast.parse(path.read_text(), filename=str(path))
        for line, name in private_attribute_uses(tree, module_name(path)):
            bad.append(f"{path.relative_to(PKG.parent)}:{line} uses {name}")
    assert not bad, "\n".join(bad)


def test_the_private_attribute_checker_sees_violations():
    """The rule can fail: each spelling of a cross-module private access is caught."""
    src = (
        "import lidlib\n"
        "import lidlib.passk as pk\n"
        "from lidlib import passk, _quadrature\n"
        "from lidlib.book import claims\n"
        "def f():\n"
        "    return (passk._gamma_nodes, claims._esc, lidlib.passk._x, pk._y,\n"
        "            lidlib._quadrature.composite, _quadrature.gap_mixture, passk.__name__)\n"
    )
    found = sorted(name for _, name in private_attribute_uses(ast.parse(src), "lidlib.tails"))
    assert found == ["lidlib.book.claims._esc", "lidlib.passk._gamma_nodes", "lidlib.passk._x", "lidlib.passk._y"]
    assert private_attribute_uses(ast.parse(src), "lidlib.passk") == [(6, "lidlib.book.claims._esc")]
