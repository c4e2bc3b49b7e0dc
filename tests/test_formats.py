"""Every input adapter of ``lidlib fit`` reduces its format to the same (n, c) table.

The fixture files in ``tests/data/fit_formats`` are small hand-written examples of each
documented format (EvalPlus ``eval_results.json``, human-eval ``*_results.jsonl``,
lm-evaluation-harness ``samples_*.jsonl``, ...); the expected counts are worked out by
hand in the comments.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from lidlib.data import formats

FIX = Path(__file__).parent / "data" / "fit_formats"


def _as_dict(d):
    return {str(p): (int(a), int(b)) for p, a, b in zip(d.problems, d.n, d.c)}


@pytest.mark.parametrize(
    "name,fmt,expected",
    [
        # algebra/1: 1,0,1 -> 2 of 3; geometry/7: none; count/3: true,false,True -> 2 of 3
        ("samples.csv", "samples", {"algebra/1": (3, 2), "geometry/7": (3, 0), "count/3": (3, 2)}),
        ("samples.jsonl", "samples", {"t1": (2, 1), "t2": (2, 0), "t3": (2, 2)}),
        ("matrix.csv", "matrix", {"p1": (4, 2), "p2": (4, 0), "p3": (4, 3)}),
        # plus level: HumanEval/0 only the first sample passes base and plus; HumanEval/1 two of three
        ("eval_results.json", "evalplus", {"HumanEval/0": (3, 1), "HumanEval/1": (3, 2)}),
        (
            "samples.jsonl_results.jsonl",
            "humaneval",
            {"HumanEval/0": (2, 1), "HumanEval/1": (2, 0), "HumanEval/2": (2, 2)},
        ),
        # every repeat scored: metric is a list per document
        ("samples_gsm8k_repeats.jsonl", "lm_eval", {"0": (3, 2), "1": (3, 0)}),
    ],
)
def test_each_format_detected_and_reduced(name, fmt, expected):
    d = formats.read_input(FIX / name)
    assert d.kind == "counts" and d.fmt == fmt
    assert _as_dict(d) == expected
    d2 = formats.read_input(FIX / name, fmt)  # the --format override gives the same table
    assert _as_dict(d2) == expected


def test_evalplus_base_level():
    d = formats.read_input(FIX / "eval_results.json", correct_col="base_status")
    assert _as_dict(d) == {"HumanEval/0": (3, 2), "HumanEval/1": (3, 2)}


def test_lm_eval_first_repeat_only_warns():
    d = formats.read_input(FIX / "samples_gsm8k_take_first.jsonl")
    assert _as_dict(d) == {"0": (1, 1), "1": (1, 0)}
    assert len(d.warnings) == 1 and "only the first repeat" in d.warnings[0] and "take_first" in d.warnings[0]


def test_column_synonyms_and_overrides(tmp_path):
    f = tmp_path / "s.csv"
    f.write_text("question,verdict\nq1,pass\nq1,fail\nq2,fail\n")
    with pytest.raises(ValueError, match="missing columns"):
        formats.read_input(f)
    d = formats.read_input(f, problem_col="question", correct_col="verdict")
    assert _as_dict(d) == {"q1": (2, 1), "q2": (1, 0)}
    g = tmp_path / "t.csv"
    g.write_text("task_id,is_correct\na,1\na,1\nb,0\n")
    assert _as_dict(formats.read_input(g)) == {"a": (2, 2), "b": (1, 0)}


def test_counts_from_samples_matches_bincount():
    rng = np.random.default_rng(0)
    p = rng.integers(0, 50, 5000)
    y = rng.integers(0, 2, 5000)
    d = formats.counts_from_samples(p.astype(str), y.astype(np.int8))
    for name, n, c in zip(d.problems, d.n, d.c):
        sel = p == int(name)
        assert n == sel.sum() and c == y[sel].sum()


def test_matrix_npy_and_missing_entries(tmp_path):
    M = np.array([[1, 0, np.nan], [0, 0, 0]])
    np.save(tmp_path / "m.npy", M)
    d = formats.read_input(tmp_path / "m.npy")
    assert d.n.tolist() == [2, 3] and d.c.tolist() == [1, 0]


def test_bom_and_tab_and_comment(tmp_path):
    f = tmp_path / "bom.csv"
    f.write_bytes(b"\xef\xbb\xbfk,coverage\n1,0.1\n10,0.3\n100,0.5\n1000,0.6\n")
    d = formats.read_input(f)
    assert d.kind == "curve" and d.k.tolist() == [1, 10, 100, 1000]
    g = tmp_path / "tab.tsv"
    g.write_text("# a comment\nn\tc\n10\t3\n10\t0\n")
    assert formats.read_input(g).c.tolist() == [3, 0]


@pytest.mark.parametrize(
    "content,needle",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file (a PNG image"),
        (b"\x7fELF\x02\x01\x01\x00", "not a text file (an executable"),
        (b"k,coverage\n1,0.1\n2,\xff\n", "line 3: not UTF-8"),
        (b"k,coverage,n,c\n1,0.1,10,1\n", "both curve columns"),
        (b"k,k\n1,0.1\n", "duplicate column 'k'"),
        (b"problem,correct\na,1\na,0.5\n", "line 3, column 'correct': correctness must be 0 or 1"),
        (b"problem,correct\na,1\na,maybe\n", "got 'maybe'"),
        (b"p,s1,s2,s3,s4\nx,1,0,1,1\ny,1,2,0,0\n", "line 3, column 2: matrix entries must be 0 or 1, got 2"),
        (b"k,coverage\n1,0\n2,0\n3,0\n4,0\n", "coverage is 0 at every k"),
        (b"k,coverage\n1,1\n2,1\n3,1\n4,1\n", "coverage is 1 at every k"),
        (b"k,coverage\n1,0.1\n2,50\n", "line 3: coverage must lie in [0, 1], got 50 (percentages?"),
        (b"n,c\n10,3\n10,12\n", "line 3: column 'c' must hold integers with 0 <= c <= n, got c = 12"),
        (b'{"doc_id": 0, "resps": [["a"]], "filtered_resps": ["a"], "metrics": ["f1"], "f1": 0.37}\n', "line 1"),
        (b'{"doc_id": 0, "resps": [["a"]]}\n{not json\n', "line 2: not valid JSON"),
        (b'{"results": {}}', "without an EvalPlus 'eval' field"),
    ],
)
def test_bad_input_one_line_naming_file(tmp_path, content, needle):
    f = tmp_path / "bad.csv"
    if content.startswith(b"{"):
        f = tmp_path / ("bad.jsonl" if b"\n" in content else "bad.json")
    f.write_bytes(content)
    with pytest.raises(ValueError) as exc:
        formats.read_input(f)
    msg = str(exc.value)
    assert needle in msg and str(f) in msg and "\n" not in msg


@pytest.mark.parametrize(
    "content,needle",
    [
        ("k,coverage\n1,0.5\n10,0.4\n100,0.3\n1000,0.2\n", "decreases with k"),
        ("k,coverage\n1,0.1\n10,0.5\n100,0.3\n1000,0.6\n", "is not monotone"),
        ("k,coverage\n1,0.3\n10,0.3\n100,0.3\n1000,0.3\n", "flat"),
        ("k,majority_vote\n1,0.3\n10,0.4\n100,0.5\n1000,0.55\n", None),
    ],
)
def test_suspicious_curves_warn(tmp_path, content, needle):
    f = tmp_path / "curve.csv"
    f.write_text(content)
    if needle is None:  # a majority-vote column is refused; a coverage file named like one gets a warning
        with pytest.raises(ValueError, match="majority-vote curve, not coverage"):
            formats.read_input(f)
        g = tmp_path / "maj_at_k.csv"
        g.write_text(content.replace("majority_vote", "coverage"))
        d = formats.read_input(g)
        assert any("majority" in w for w in d.warnings)
        return
    d = formats.read_input(f)
    assert any(needle in w for w in d.warnings)


def test_parquet_without_pyarrow_says_how_to_install(tmp_path, monkeypatch):
    f = tmp_path / "s.parquet"
    f.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(ValueError, match=r"needs pyarrow: pip install"):
        formats.read_input(f)


def test_parquet_samples(tmp_path):
    pa = pytest.importorskip(
        "pyarrow", reason="needs the parquet extra: pip install -c requirements/lock.txt -e '.[parquet]'"
    )
    import pyarrow.parquet as pq

    t = pa.table({"problem_id": ["a", "a", "b", "b", "b"], "passed": [True, False, False, False, True]})
    pq.write_table(t, tmp_path / "s.parquet")
    d = formats.read_input(tmp_path / "s.parquet")
    assert _as_dict(d) == {"a": (2, 1), "b": (3, 1)}
