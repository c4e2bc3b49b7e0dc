"""Nothing read from disk is unpickled (issue 9, data integrity).

Every ``np.load`` in the library and the chapters passes ``allow_pickle=False``, every
``torch.load`` passes ``weights_only=True``, and no module imports ``pickle``, ``joblib``
or ``dill``. The check walks the syntax tree, so a new call without the keyword fails.
"""

import ast
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "lidlib").glob("*.py"))


def _calls(tree, attr):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == attr:
            base = node.func.value
            if isinstance(base, ast.Name):
                yield base.id, node


def _kw(node, name):
    for kw in node.keywords:
        if kw.arg == name and isinstance(kw.value, ast.Constant):
            return kw.value.value
    return None


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_loads_refuse_pickles(path):
    tree = ast.parse(path.read_text())
    for base, call in _calls(tree, "load"):
        if base in ("np", "numpy"):
            assert _kw(call, "allow_pickle") is False, f"{path.name}:{call.lineno}: np.load without allow_pickle=False"
        if base == "torch":
            assert _kw(call, "weights_only") is True, f"{path.name}:{call.lineno}: torch.load without weights_only=True"
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        for n in names:
            assert n.split(".")[0] not in ("pickle", "joblib", "dill", "cloudpickle"), f"{path.name} imports {n}"


def test_the_checker_sees_a_bad_call():
    bad = ast.parse("import numpy as np\nnp.load('x.npy')\n")
    ((base, call),) = list(_calls(bad, "load"))
    assert base == "np" and _kw(call, "allow_pickle") is None


def test_the_npy_reader_refuses_object_arrays(tmp_path):
    from lidlib import data

    path = tmp_path / "features.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="pickle"):
        data._read_npy(path)
