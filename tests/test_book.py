"""The pipeline on a miniature book: papermill parameters, results, failure reporting."""

import json
import textwrap

import pytest

from lidlib import book

HEADER = """---
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def _mini_book(tmp_path, body: str, name: str = "mini") -> None:
    (tmp_path / "_toc.yml").write_text(
        f"format: jb-book\nroot: book/intro\nchapters:\n  - file: book/_generated/{name}\n  - file: book/claims\n"
    )
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / f"{name}.md").write_text(HEADER + textwrap.dedent(body))


PARAMS = """
```{code-cell} ipython3
:tags: [parameters]
profile = "quick"
seed = 0
```
"""


@pytest.mark.slow
def test_parameters_are_injected_and_results_written(tmp_path, monkeypatch):
    monkeypatch.delenv("LIDLIB_RESULTS_DIR", raising=False)
    _mini_book(
        tmp_path,
        PARAMS
        + """
```{code-cell} ipython3
from lidlib.claims import Ledger
led = Ledger("mini", profile, seed)
led.check("seed-seen", "seed injected", "n/a", measured=seed, expected=7, tolerance=0, kind="method",
          fails_if="a seed other than the injected one")
led.save()
```
""",
    )
    run = book.run_chapter("mini", "paper", 7, root=tmp_path)
    data = json.loads((tmp_path / "results" / "mini.json").read_text())
    assert data["profile"] == "paper" and data["seed"] == 7
    assert data["claims"][0]["passed"] is True
    assert run.notebook == tmp_path / "book" / "_generated" / "mini.ipynb" and run.notebook.is_file()
    # the page shows the values the chapter ran with, not the defaults
    import nbformat

    cells = nbformat.read(run.notebook, as_version=4).cells
    tags = {i: c.metadata.get("tags", []) for i, c in enumerate(cells) if c.cell_type == "code"}
    default = [i for i, t in tags.items() if "parameters" in t]
    injected = [i for i, t in tags.items() if "injected-parameters" in t]
    assert len(default) == 1 and "remove-cell" in tags[default[0]]
    assert len(injected) == 1 and "remove-cell" not in tags[injected[0]] and "paper" in cells[injected[0]].source
    # the claim left an anchor in its cell, which the claims page links to
    anchors = [o for c in cells for o in c.get("outputs", []) if "claim-mini-seed-seen" in str(o.get("data", {}))]
    assert anchors
    page = book.write_claims(tmp_path)
    text = page.read_text()
    assert "| method | 1 | 1 | 0 | 0 | 0 |" in text and "_generated/mini.html#claim-mini-seed-seen" in text
    assert (tmp_path / "book" / "claims.csv").is_file() and (tmp_path / "book" / "robustness.md").is_file()


@pytest.mark.slow
def test_failing_cell_names_chapter_and_cell(tmp_path):
    _mini_book(
        tmp_path,
        PARAMS
        + """
```{code-cell} ipython3
x = 1
```

```{code-cell} ipython3
raise ZeroDivisionError("planted failure")
```
""",
        name="broken",
    )
    with pytest.raises(book.ChapterError) as exc:
        book.run_chapter("broken", "quick", 0, root=tmp_path)
    msg = str(exc.value)
    assert "'broken'" in msg and "code cell 3 of notebooks/broken.md" in msg and "planted failure" in msg


def test_unknown_chapter_and_profile(tmp_path):
    _mini_book(tmp_path, PARAMS)
    with pytest.raises(book.ChapterError, match="no chapter 'nope'"):
        book.run_chapter("nope", root=tmp_path)
    with pytest.raises(ValueError, match="profile"):
        book.run_chapter("mini", "huge", root=tmp_path)


def test_cli_reports_errors_in_one_line(tmp_path, monkeypatch, capsys):
    from lidlib.cli import main

    _mini_book(tmp_path, PARAMS)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "nope"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("lidlib run: error: no chapter 'nope'") and "\n" not in err


def test_toc_order_of_the_real_book():
    root = book.find_root(__import__("pathlib").Path(__file__).parent)
    chapters = book.toc_chapters(root)
    assert chapters[0] == "lid_model"
    notebooks = {p.stem for p in (root / "notebooks").glob("*.md")}
    assert set(chapters) == notebooks, "every notebook is a chapter of _toc.yml and vice versa"


@pytest.mark.slow
def test_a_stalled_cell_is_stopped_and_named(tmp_path, monkeypatch):
    monkeypatch.setenv("LIDLIB_CELL_TIMEOUT", "2")
    _mini_book(
        tmp_path,
        PARAMS
        + """
```{code-cell} ipython3
import time
time.sleep(30)
```
""",
        name="stall",
    )
    with pytest.raises(book.ChapterError, match="'stall' stalled: CellTimeoutError after 2 attempt"):
        book.run_chapter("stall", "quick", 0, root=tmp_path, retries=1)


def test_timings_page_shows_both_profiles_against_budgets(tmp_path):
    import json

    from lidlib import book

    d = tmp_path / "book" / "timings"
    d.mkdir(parents=True)
    (d / "quick.json").write_text(json.dumps({"profile": "quick", "seed": 0, "date": "2026-12-04",
                                              "seconds": {"a": 10.0, "b": 20.0}}))
    (d / "paper.json").write_text(json.dumps({"profile": "paper", "seed": 0, "seconds": {"a": 500.0, "b": 600.0}}))
    (d / "bench.json").write_text(json.dumps({"machine": {"cores": 2}, "passk_exact_vs_literal_speedup": 3800.0}))
    text = book.timings_markdown(tmp_path)
    assert "| a | 10.0 | 500.0 |" in text and "**30.0**" in text and "**1100.0**" in text
    assert "`quick`: 0.5 min of execution, within the 3-minute budget" in text
    assert "`paper`: 18.3 min of execution, **over** the 15-minute budget" in text
    assert "| 3.8e+03x |" in text
