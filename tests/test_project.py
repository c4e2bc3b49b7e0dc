"""Consistency of the project files: environment, profiles, notebooks, README."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pyproject():
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_matches_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    py = [d for d in deps if isinstance(d, str) and d.startswith("python")]
    assert py == ["python=3.11"]
    req = _pyproject()["project"]["requires-python"]
    assert req == ">=3.11"
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert pip == ["-c requirements/lock.txt", "-e .[book,test]"]  # pytest is in the test extra
    assert {"book", "test"} <= set(_pyproject()["project"]["optional-dependencies"])


def test_lock_pins_every_requirement_within_its_range():
    """requirements/lock.txt pins each dependency of every extra, at a version pyproject allows."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    lock = {}
    for line in (ROOT / "requirements" / "lock.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            lock[canonicalize_name(name)] = version.strip()
    proj = _pyproject()["project"]
    reqs = [*proj["dependencies"], *(r for extra in proj["optional-dependencies"].values() for r in extra)]
    for r in map(Requirement, reqs):
        name = canonicalize_name(r.name)
        assert name in lock, f"{r.name} is not in requirements/lock.txt (run `make lock`)"
        assert r.specifier.contains(lock[name], prereleases=True), (
            f"lock pins {r.name}=={lock[name]}, pyproject says {r}"
        )
    assert "lidlib" not in lock and "setuptools" in lock and "pip" in lock


def test_version_has_one_source():
    import lidlib

    proj = _pyproject()["project"]
    assert "version" not in proj and "version" in proj["dynamic"]
    assert _pyproject()["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "lidlib.__version__"}
    from importlib.metadata import version

    assert version("lidlib") == lidlib.__version__
    assert proj["license"] == "MIT"  # an SPDX expression, not the deprecated table


def test_extras_exist():
    extras = _pyproject()["project"]["optional-dependencies"]
    assert {"book", "test", "lab"} <= set(extras)
    assert any(r.startswith("jupyter-book>=1.0.4,<2") for r in extras["book"])


def test_readme_gives_two_setup_commands_that_the_makefile_has():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Set-up.*?```bash\n(.*?)```", readme, re.S).group(1)
    cmds = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert cmds == ["make book", "make test"]
    mk = (ROOT / "Makefile").read_text()
    assert re.search(r"^book:", mk, re.M) and re.search(r"^test:", mk, re.M)


def test_profiles_file_is_paper_tables_with_quick_changes():
    """profiles.toml: per chapter a table of paper settings and a [<chapter>.quick] sub-table
    that changes some of them (no new keys, no [<chapter>.paper]); every chapter has settings."""
    import tomllib

    from lidlib.book import profiles

    raw = tomllib.loads((ROOT / "lidlib" / "book" / "profiles.toml").read_text())
    chapters = sorted(p.stem for p in (ROOT / "notebooks").glob("*.md"))
    assert sorted(raw) == sorted(profiles.chapters()) == chapters
    for ch, table in raw.items():
        assert "paper" not in table, ch
        quick = table.get("quick", {})
        paper = {k: v for k, v in table.items() if k != "quick"}
        assert quick and set(quick) <= set(paper), (ch, set(quick) - set(paper))
        assert set(profiles.get(ch, "quick")) == set(profiles.get(ch, "paper")) == set(paper), ch
        # every quick entry changes its setting (an entry equal to the paper's is noise in the file)
        assert set(quick) <= set(profiles.differing(ch)), ch


def test_profiles_toml_is_package_data():
    assert "profiles.toml" in _pyproject()["tool"]["setuptools"]["package-data"]["lidlib.book"]


@pytest.mark.parametrize("nb", sorted((ROOT / "notebooks").glob("*.md")), ids=lambda p: p.stem)
def test_notebooks_have_a_parameters_cell_and_save_a_ledger(nb):
    import jupytext

    cells = jupytext.read(nb).cells
    params = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, "exactly one cell tagged parameters"
    assert re.search(r"^profile = ", params[0].source, re.M) and re.search(r"^seed = ", params[0].source, re.M)
    assert re.search(r"^overrides = \{\}", params[0].source, re.M), "the parameters cell holds overrides = {}"
    code = "\n".join(c.source for c in cells if c.cell_type == "code")
    assert f'profiles.get("{nb.stem}", profile, **overrides)' in code
    assert f'Ledger("{nb.stem}"' in code and "ledger.save()" in code


def test_public_api_contract_names():
    import lidlib

    for name in ("single_trial_success", "failure_curve", "pass_at_k_unbiased"):
        assert callable(getattr(lidlib, name))


def test_no_control_characters_in_sources():
    """A stray control character (a ``\\b`` typed into a non-raw docstring became a
    backspace once and broke the maths on the API page) fails here, not in a browser."""
    import re

    bad = []
    for pattern in ("lidlib/**/*.py", "tests/*.py", "notebooks/*.md", "book/*.md", "docs/*.md", "*.md"):
        for path in ROOT.glob(pattern):
            text = path.read_text(encoding="utf-8")
            for m in re.finditer(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
                bad.append(f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}: {m.group()!r}")
    assert not bad, "\n".join(bad)


def test_chapters_open_unmodified_in_jupyterlab():
    """JupyterLab marks a notebook modified on open when the kernel reports metadata the
    file lacks: the kernelspec's display name and ``language_info`` (found with a headless
    JupyterLab 4 session: after both were added to the header the dirty mark is gone).
    Saving then rewrites the file through jupytext with jupytext.toml, so the file must
    already be jupytext's own rendering of itself, or a save would add noise."""
    import jupytext
    from jupytext.config import load_jupytext_configuration_file

    config = load_jupytext_configuration_file(str(ROOT / "jupytext.toml"))
    for path in sorted((ROOT / "notebooks").glob("*.md")):
        text = path.read_text()
        nb = jupytext.reads(text, fmt="md:myst")
        assert nb.metadata["kernelspec"]["display_name"] == "Python 3 (ipykernel)", path.name
        assert nb.metadata["language_info"]["name"] == "python", path.name
        assert jupytext.writes(nb, fmt="md:myst", config=config) == text, (
            f"{path.name} is not in jupytext's canonical form: run `jupytext --to md:myst {path}`"
        )


def test_no_code_cell_over_30_lines():
    """Chapters stay thin: orchestration lives in lidlib (with tests), cells hold one idea."""
    import jupytext

    long = []
    for path in sorted((ROOT / "notebooks").glob("*.md")):
        for i, cell in enumerate(jupytext.read(path).cells):
            n = sum(1 for line in cell.source.splitlines() if line.strip())
            if cell.cell_type == "code" and n > 30:
                long.append(f"{path.name}: cell {i} has {n} non-blank lines")
    assert not long, "\n".join(long)
