"""Changing a chapter's settings for one run: lidlib run -p, papermill's overrides, the ledger."""

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lidlib.book import build as book
from lidlib.book import claims, profiles
from lidlib.cli import main, parse_overrides, parse_value

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _fresh_record(monkeypatch):
    monkeypatch.setattr(profiles, "_APPLIED", {})


@pytest.mark.parametrize(
    "text,value",
    [
        ("1000", 1000),
        ("1_000", 1000),
        ("1e3", 1000.0),
        ("0.5", 0.5),
        ("[3.0, 5]", [3.0, 5]),
        ("[[1, 10], [10, 100]]", [[1, 10], [10, 100]]),
        ('"Pythia 1B"', "Pythia 1B"),
        ("Pythia 1B", "Pythia 1B"),  # neither TOML nor JSON: the text itself
        ("{reps = 10}", {"reps": 10}),  # TOML inline table
        ('{"reps": 10}', {"reps": 10}),  # JSON object
        ("true", True),
    ],
)
def test_values_are_toml_or_json_literals(text, value):
    got = parse_value(text)
    assert got == value and type(got) is type(value)


def test_overrides_parse_key_value_pairs():
    assert parse_overrides(["n_tau=1000", "betas = [3.0, 5.0]", "n_tau=2000"]) == {"n_tau": 2000, "betas": [3.0, 5.0]}
    for bad in ("n_tau", "=3", "n tau=3"):
        with pytest.raises(ValueError, match="-p takes KEY=VALUE"):
            parse_overrides([bad])


@pytest.mark.parametrize(
    "args,needle",
    [
        (["-p", "n_taus=1000"], "chapter 'lid_model' has no setting 'n_taus'; its settings: betas, n_tau,"),
        (["-p", "n_tau=1e6"], "lid_model: n_tau must be an int like its default 200000, got 1000000.0 (write 1000000)"),
        (["-p", "betas=3"], "betas must be a list"),
        (["-p", "n_tau"], "-p takes KEY=VALUE"),
    ],
)
def test_run_refuses_bad_overrides_in_one_line_before_executing(args, needle, capsys, monkeypatch):
    def no_run(*a, **k):
        raise AssertionError("executed despite a bad override")

    monkeypatch.setattr(book, "run_chapter", no_run)
    monkeypatch.chdir(ROOT)
    assert main(["run", "notebooks/lid_model.md", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lidlib run: error: ") and needle in err and err.count("\n") == 1


def test_a_ledger_run_with_overrides_is_written_apart(tmp_path, monkeypatch):
    monkeypatch.setenv(claims.RESULTS_ENV, str(tmp_path))
    led = claims.Ledger("lid_model", "quick", 0)
    assert led.directory() == tmp_path and led.save() == tmp_path / "lid_model.json"
    assert json.loads((tmp_path / "lid_model.json").read_text())["provenance"]["overrides"] == {}

    profiles.get("lid_model", "quick", n_tau=1000)
    led = claims.Ledger("lid_model", "quick", 0)
    where = tmp_path / "overrides" / f"lid_model-{claims.override_tag('quick', 0, {'n_tau': 1000})}"
    assert led.directory() == where and re.fullmatch(r"lid_model-quick-seed0-[0-9a-f]{10}", where.name)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    led.figure(plt.figure(), "f")
    assert led.save() == where / "lid_model.json" and (where / "figures" / "lid_model" / "f.png").is_file()
    assert json.loads((where / "lid_model.json").read_text())["provenance"]["overrides"] == {"n_tau": 1000}
    assert not (tmp_path / "figures").exists()
    # other overrides, another seed: another folder
    assert claims.override_tag("quick", 0, {"n_tau": 999}) != claims.override_tag("quick", 0, {"n_tau": 1000})
    assert claims.override_tag("quick", 1, {"n_tau": 1000}) != claims.override_tag("quick", 0, {"n_tau": 1000})


CHAPTER = """---
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

```{code-cell} ipython3
:tags: [parameters]
profile = "quick"
seed = 0
overrides = {}
```

```{code-cell} ipython3
from lidlib.book import profiles
from lidlib.book.claims import Ledger
P = profiles.get("lid_model", profile, **overrides)
led = Ledger("lid_model", profile, seed)
led.value("n_tau", P["n_tau"])
led.value("betas", P["betas"])
led.check("ran", "ran", "n/a", measured=1, expected=1, tolerance=0, kind="method", fails_if="never")
led.save()
```
"""


@pytest.mark.slow
def test_run_chapter_with_overrides_leaves_the_book_alone(tmp_path, monkeypatch):
    """A chapter named lid_model (reading the real settings) in a miniature book: the book's run
    and a run with overrides write to different places, and the override run touches neither the
    book's results nor its cache key."""
    monkeypatch.delenv(claims.RESULTS_ENV, raising=False)
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/_generated/lid_model\n"
    )
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "lid_model.md").write_text(textwrap.dedent(CHAPTER))
    runs = book.execute_chapters(tmp_path, ["lid_model"], "quick", 0)
    base = json.loads(runs["lid_model"].results.read_text())
    assert base["values"]["n_tau"] == 200_000 and base["provenance"]["overrides"] == {}
    keyfile = (tmp_path / book.KEYS / "lid_model.json").read_text()
    before = {p: p.read_bytes() for p in [runs["lid_model"].results, runs["lid_model"].notebook]}

    run = book.run_chapter("lid_model", "quick", 0, root=tmp_path, overrides={"n_tau": 1000, "betas": [2, 4]})
    changed = json.loads(run.results.read_text())
    assert changed["values"]["n_tau"] == 1000 and changed["values"]["betas"] == [2.0, 4.0]
    assert changed["provenance"]["overrides"] == {"n_tau": 1000, "betas": [2.0, 4.0]}
    assert run.results.parent.parent == tmp_path / "results" / "overrides" and run.notebook.parent == run.results.parent
    assert {p: p.read_bytes() for p in before} == before  # the book's outputs ...
    assert (tmp_path / book.KEYS / "lid_model.json").read_text() == keyfile  # ... and cache are untouched
    assert book.execute_chapters(tmp_path, ["lid_model"], "quick", 0)["lid_model"].cached
    assert claims.load_results(tmp_path / "results")["lid_model"]["values"]["n_tau"] == 200_000
    with pytest.raises(ValueError, match="no setting 'n_taus'"):
        book.run_chapter("lid_model", "quick", 0, root=tmp_path, overrides={"n_taus": 1})


@pytest.mark.slow
def test_the_readme_papermill_recipe_with_overrides(tmp_path):
    """The README's papermill command with -y "overrides: {...}" runs the real chapter with the
    override, writing apart from the book's results."""
    readme = (ROOT / "README.md").read_text()
    cmd = next(m for m in re.findall(r"`(jupytext [^`]*)`", readme) if "overrides:" in m)
    assert '-y "overrides: {n_tau: 1000}"' in cmd
    exe = Path(sys.executable).parent
    if not (exe / "jupytext").exists() or not (exe / "papermill").exists():
        pytest.skip("jupytext and papermill command-line tools not installed beside this Python")
    out = tmp_path / "out.ipynb"
    cmd = re.sub(r"results/\S+\.ipynb", str(out), cmd)
    env = {**__import__("os").environ, "PATH": f"{exe}:{__import__('os').environ['PATH']}"}
    env[claims.RESULTS_ENV] = str(tmp_path / "results")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    proc = subprocess.run(["bash", "-c", cmd], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (res,) = (tmp_path / "results" / "overrides").glob("lid_model-quick-seed0-*/lid_model.json")
    data = json.loads(res.read_text())
    assert data["provenance"]["overrides"] == {"n_tau": 1000}
    assert not (tmp_path / "results" / "lid_model.json").exists()
    shutil.rmtree(tmp_path / "results")
