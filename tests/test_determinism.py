"""Same seed, same numbers: two chapters executed twice give identical claims and values."""

import json
import shutil
from pathlib import Path

import pytest

from lidlib import book

ROOT = Path(__file__).resolve().parents[1]


def _copy_book(dst: Path, chapters) -> None:
    (dst / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "_toc.yml", dst / "_toc.yml")
    for ch in chapters:
        shutil.copy(ROOT / "notebooks" / f"{ch}.md", dst / "notebooks" / f"{ch}.md")


@pytest.mark.slow
@pytest.mark.parametrize("chapter", ["lid_model", "two_tail_law"])
def test_same_seed_same_results(tmp_path, monkeypatch, chapter):
    monkeypatch.delenv("LIDLIB_RESULTS_DIR", raising=False)
    runs = []
    for i in range(2):
        root = tmp_path / f"run{i}"
        _copy_book(root, [chapter])
        book.run_chapter(chapter, "quick", 3, root=root)
        runs.append(json.loads((root / "results" / f"{chapter}.json").read_text()))
    assert runs[0]["claims"] == runs[1]["claims"]
    assert runs[0]["values"] == runs[1]["values"]
