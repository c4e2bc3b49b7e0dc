"""The verdict baseline (`lidlib baseline`) and the seed sweep (`lidlib sweep`)."""

import json

import pytest

from lidlib import cli
from lidlib.book import build as book
from lidlib.book import claims
from lidlib.book.sweep import parse_seeds


def _project(tmp_path, verdict_x="pass", seed=0, profile="quick"):
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: book/_generated/c\n")
    (tmp_path / "notebooks").mkdir(exist_ok=True)
    (tmp_path / "book").mkdir(exist_ok=True)
    led = claims.Ledger("c", profile, seed)
    led.check(
        "x",
        "s",
        "r",
        measured=0.0 if verdict_x == "pass" else 5.0,
        expected=0.0,
        tolerance=1.0,
        kind="paper",
        fails_if="off by more than 1",
    )
    led.not_run("y", "s", "r", "finding", "no data")
    led.save(tmp_path / "results")


def test_baseline_update_then_check(tmp_path, monkeypatch, capsys):
    _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["baseline", "--update"]) == 0
    base = json.loads((tmp_path / book.BASELINE).read_text())
    assert base["verdicts"] == {"c/x": "pass", "c/y": "not run"} and base["profile"] == "quick" and base["seed"] == 0
    assert cli.main(["baseline"]) == 0
    _project(tmp_path, verdict_x="fail")  # a verdict flips: the check must fail and name it
    assert cli.main(["baseline"]) == 1
    out = capsys.readouterr().out
    assert "c/x: pass -> fail" in out and "lidlib baseline --update" in out


def test_baseline_update_refuses_other_profiles_and_missing_baseline(tmp_path, monkeypatch, capsys):
    _project(tmp_path, seed=3)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["baseline"]) == 1  # no baseline yet: an error, not a silent pass
    assert "no verdict baseline" in capsys.readouterr().err
    assert cli.main(["baseline", "--update"]) == 1
    assert "--seed 0" in capsys.readouterr().err


def test_committed_baseline_covers_every_chapter():
    root = book.find_root()
    base = json.loads((root / book.BASELINE).read_text())
    assert base["profile"] == "quick" and base["seed"] == 0
    chapters = {k.split("/", 1)[0] for k in base["verdicts"]}
    assert chapters == set(book.toc_chapters(root))
    assert set(base["verdicts"].values()) <= set(claims.STATUSES)


@pytest.mark.parametrize(
    "text, seeds", [("0-9", list(range(10))), ("1,3,5", [1, 3, 5]), ("0-2,7", [0, 1, 2, 7]), ("4", [4])]
)
def test_parse_seeds(text, seeds):
    assert parse_seeds(text) == seeds


@pytest.mark.parametrize("text", ["", "a", "3-1", "-2", "1-x"])
def test_parse_seeds_rejects_bad_input(text):
    with pytest.raises(ValueError, match="seeds"):
        parse_seeds(text)


@pytest.mark.slow
def test_sweep_runs_seeds_on_a_local_dask_cluster(tmp_path, monkeypatch):
    pytest.importorskip(
        "distributed", reason="needs the sweep extra: pip install -c requirements/lock.txt -e '.[sweep]'"
    )
    from lidlib.book.sweep import sweep

    monkeypatch.delenv("LIDLIB_RESULTS_DIR", raising=False)
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: book/_generated/mini\n")
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "book").mkdir()
    (tmp_path / "notebooks" / "mini.md").write_text(
        "---\nkernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n\n"
        '```{code-cell} ipython3\n:tags: [parameters]\nprofile = "quick"\nseed = 0\n```\n\n'
        '```{code-cell} ipython3\nfrom lidlib.book.claims import Ledger\nled = Ledger("mini", profile, seed)\n'
        'led.check("odd", "seed is even", "n/a", measured=seed % 2, expected=0, tolerance=0, kind="method", fails_if="odd seed")\n'
        'led.check("same", "always", "n/a", measured=0, expected=0, tolerance=0, kind="method", fails_if="never")\n'
        "led.save()\n```\n"
    )
    out = sweep([0, 1, 2], "quick", root=tmp_path, n_workers=1, log=lambda *a: None)
    agg = json.loads(out.read_text())
    assert agg["seeds"] == [0, 1, 2]
    assert agg["claims"]["mini/odd"]["verdicts"] == ["pass", "fail", "pass"] and agg["claims"]["mini/odd"]["fragile"]
    assert not agg["claims"]["mini/same"]["fragile"]
    assert not (tmp_path / "results" / "mini.json").exists()  # the sweep does not touch the book's results
    assert (tmp_path / "results" / "sweep" / "seed1" / "mini.json").is_file()
