"""The pipeline on a miniature book: papermill parameters, results, failure reporting."""

import json
import textwrap

import pytest

from lidlib.book import build as book

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
from lidlib.book.claims import Ledger
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


@pytest.mark.slowish
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
    assert main(["run", "nope"]) == 2  # a usage error, like every bad argument
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

    from lidlib.book import build as book

    d = tmp_path / "book" / "timings"
    d.mkdir(parents=True)
    (d / "quick.json").write_text(
        json.dumps(
            {
                "profile": "quick",
                "seed": 0,
                "date": "2026-12-04",
                "jobs": 2,
                "execution_wall_seconds": 21.0,
                "seconds": {"a": 10.0, "b": 20.0},
            }
        )
    )
    (d / "builds.json").write_text(
        json.dumps(
            {
                "quick": {
                    "seconds": {"scratch": 55.0, "unchanged": 2.0, "one_chapter": 9.0},
                    "jobs": 2,
                    "date": "2026-12-04",
                    "commit": "abc",
                }
            }
        )
    )
    (d / "paper.json").write_text(json.dumps({"profile": "paper", "seed": 0, "seconds": {"a": 500.0, "b": 600.0}}))
    (d / "bench.json").write_text(json.dumps({"machine": {"cores": 2}, "passk_exact_vs_literal_speedup": 3800.0}))
    text = book.timings_markdown(tmp_path)
    assert "| a | 10.0 | 500.0 |" in text and "**30.0**" in text and "**1100.0**" in text
    assert (
        "`quick`: 0.5 min of execution summed over chapters (21 s of wall time with 2 chapters at a time), "
        "within the 3-minute budget"
    ) in text
    assert "`paper`: 18.3 min of execution summed over chapters, **over** the 15-minute budget" in text
    assert "| `quick` | 55 | 60 | 2 | 15 | 9 | 2 | 2026-12-04, commit abc |" in text
    assert "- `quick`: within the targets." in text
    (d / "builds.json").write_text(
        json.dumps(
            {
                "paper": {
                    "seconds": {"scratch": 500.0, "unchanged": 3.0, "one_chapter": 9.0},
                    "jobs": 2,
                    "load": 3.5,
                    "date": "2026-12-04",
                }
            }
        )
    )
    text = book.timings_markdown(tmp_path)
    assert "- `paper`: **over target**: from scratch (500 s against 150 s) (5-minute load average 3.5" in text
    assert "| 3.8e+03x |" in text


# execution cache, parallel chapters, stalls -------------------------------------


def _two_chapter_book(tmp_path):
    """Two chapters that record the seed and the process they ran in."""
    body = (
        PARAMS
        + """
```{code-cell} ipython3
import os
from lidlib.book.claims import Ledger
led = Ledger(NAME, profile, seed)
led.value("pid", os.getpid())
led.check("seed-seen", "seed injected", "n/a", measured=seed, expected=seed, tolerance=0, kind="method",
          fails_if="another seed")
led.save()
```
"""
    )
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: book/_generated/one\n  - file: book/_generated/two\n"
    )
    (tmp_path / "notebooks").mkdir()
    for name in ("one", "two"):
        (tmp_path / "notebooks" / f"{name}.md").write_text(HEADER + textwrap.dedent(body).replace("NAME", repr(name)))


@pytest.mark.slow
def test_cache_reexecutes_only_what_changed_and_parallel_runs_agree(tmp_path, monkeypatch):
    monkeypatch.delenv("LIDLIB_RESULTS_DIR", raising=False)
    _two_chapter_book(tmp_path)
    logs: list[str] = []
    runs = book.execute_chapters(tmp_path, ["one", "two"], "quick", 3, jobs=2, log=logs.append)
    assert not any(r.cached for r in runs.values())
    pids = {ch: json.loads(r.results.read_text())["values"]["pid"] for ch, r in runs.items()}
    assert pids["one"] != pids["two"]  # two kernels at once
    first = {ch: json.loads(r.results.read_text())["claims"] for ch, r in runs.items()}
    # nothing changed: nothing runs
    again = book.execute_chapters(tmp_path, ["one", "two"], "quick", 3, jobs=2, log=logs.append)
    assert all(r.cached for r in again.values())
    # an edited chapter runs alone; a serial run gives the same claims as the parallel one
    src = tmp_path / "notebooks" / "two.md"
    src.write_text(src.read_text() + "\n% an edit\n")
    third = book.execute_chapters(tmp_path, ["one", "two"], "quick", 3, jobs=1, log=logs.append)
    assert third["one"].cached and not third["two"].cached
    assert json.loads(third["two"].results.read_text())["claims"] == first["two"]
    # another seed, or results overwritten by a run at another seed, re-execute
    assert not any(r.cached for r in book.execute_chapters(tmp_path, ["one", "two"], "quick", 4, jobs=2).values())
    book.run_chapter("one", "quick", 3, root=tmp_path)
    book.run_chapter("one", "quick", 5, root=tmp_path)  # overwrites results/one.json
    fourth = book.execute_chapters(tmp_path, ["one", "two"], "quick", 3, jobs=1)
    assert not fourth["one"].cached
    assert book.execute_chapters(tmp_path, ["one"], "quick", 3, force=True)["one"].cached is False


@pytest.mark.slowish
def test_cache_key_covers_library_data_profile_seed_and_environment(tmp_path):
    _two_chapter_book(tmp_path)
    k = book.chapter_key(tmp_path, "one", "quick", 0, env="e")
    assert book.chapter_key(tmp_path, "one", "quick", 0, env="e") == k
    assert book.chapter_key(tmp_path, "one", "paper", 0, env="e") != k
    assert book.chapter_key(tmp_path, "one", "quick", 1, env="e") != k
    assert book.chapter_key(tmp_path, "one", "quick", 0, env="f") != k
    assert book.chapter_key(tmp_path, "two", "quick", 0, env="e") != k
    ov = book.chapter_key(tmp_path, "one", "quick", 0, env="e", overrides={"n": 3})
    assert ov != k and ov != book.chapter_key(tmp_path, "one", "quick", 0, env="e", overrides={"n": 4})
    assert book.chapter_key(tmp_path, "one", "quick", 0, env="e", overrides={}) == k  # the book's runs
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.csv").write_text("a\n")
    k2 = book.chapter_key(tmp_path, "one", "quick", 0, env="e")
    assert k2 != k
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "robustness.json").write_text("{}")
    assert book.chapter_key(tmp_path, "one", "quick", 0, env="e") != k2  # fragile marks come from the sweep
    assert len(book.environment_fingerprint()) == 64
    with pytest.raises(ValueError, match="jobs"):
        book.execute_chapters(tmp_path, ["one"], "quick", 0, jobs=0)


@pytest.mark.slowish
def test_socket_waits_end_soon_after_a_lost_wakeup():
    """A poll that never wakes early (a lost wake-up) costs at most a slice, not the whole timeout."""
    import asyncio
    import time as _time

    from jupyter_client.channels import AsyncZMQSocketChannel

    class DeafSocket:  # sees a message only when a poll's timer fires, like a lost edge
        def __init__(self, ready_at):
            self.ready_at = ready_at

        async def poll(self, timeout_ms):
            await asyncio.sleep(timeout_ms / 1000)
            return int(_time.monotonic() >= self.ready_at)

    async def recv(self):
        return {"msg": "reply"}

    book._bounded_socket_waits()
    ch = object.__new__(AsyncZMQSocketChannel)
    ch.socket = DeafSocket(_time.monotonic() + 0.2)
    ch._recv = recv.__get__(ch)
    t0 = _time.monotonic()
    assert asyncio.run(AsyncZMQSocketChannel.get_msg(ch, timeout=20)) == {"msg": "reply"}
    assert _time.monotonic() - t0 < 0.2 + 2 * book.POLL_SLICE
    from queue import Empty

    ch.socket = DeafSocket(_time.monotonic() + 60)
    with pytest.raises(Empty):
        asyncio.run(AsyncZMQSocketChannel.get_msg(ch, timeout=0.3))


@pytest.mark.slowish
def test_stalled_cells_compares_client_and_kernel_times(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    for client, reply in ((600.02, "2026-12-04T18:30:57.278Z"), (1.0, "2026-12-04T18:30:57.278Z")):
        c = nbformat.v4.new_code_cell("x")
        c.metadata["execution"] = {"iopub.execute_input": "2026-12-04T18:30:56.498Z", "shell.execute_reply": reply}
        c.metadata["papermill"] = {"duration": client}
        nb.cells.append(c)
    nb.cells.append(nbformat.v4.new_code_cell("no timing"))
    nbformat.write(nb, tmp_path / "x.ipynb")
    assert book.stalled_cells(tmp_path / "x.ipynb") == ["cell 0: 600.0 s in the client, 0.8 s in the kernel"]


def test_plotting_and_long_cells_are_folded_short_argument_cells_shown():
    assert book.fold_input("fig, ax = plotting.panels(1)\nax.loglog(k, L)", [])
    assert book.fold_input("\n".join(f"x{i} = {i}" for i in range(book.FOLD_LINES + 1)), [])
    assert not book.fold_input("L = lidlib.population_failure(ks, 3.0, 0.1, 1.0)\nL[:3]", [])
    assert not book.fold_input("fig, ax = plotting.panels(1)", ["show-input"])  # the author decides
    assert not book.fold_input("x = 1", ["hide-input"])  # already folded: nothing to add


def test_captioned_figures_replace_their_inline_copy(tmp_path):
    """A ledger figure placed with {glue:figure} loses its inline copy on the site; an
    uncaptioned one keeps it and is reported."""
    import nbformat

    from lidlib.book import build
    from lidlib.book.claims import FIGURE_KEY

    def fig_output(name):
        return nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="}, metadata={FIGURE_KEY: name})

    code = nbformat.v4.new_code_cell("ledger.figure(fig, 'a'); ledger.figure(fig, 'b')")
    code.outputs = [fig_output("a"), fig_output("b"), nbformat.v4.new_output("stream", text="x\n")]
    md = nbformat.v4.new_markdown_cell("```{glue:figure} fig-a\n:name: fig-ch-a\n\nCaption.\n```")
    nb = nbformat.v4.new_notebook(cells=[code, md])
    assert build.captioned_figures(nb) == {"a"}
    assert build.uncaptioned_figures(nb) == ["b"]
    path = tmp_path / "ch.ipynb"
    nbformat.write(nb, path)
    build._prepare_for_site(path)
    out = nbformat.read(path, as_version=4).cells[0].outputs
    assert [o.get("metadata", {}).get(FIGURE_KEY) for o in out] == ["b", None]
