"""The concordance page: book/concordance.yml against the tree and against the papers.

The real file must validate (chapters, section headings, functions, tests and, where
result files exist, claim ids), the validator must catch planted defects, and every
numbered item that the paper texts mention must have an entry. The paper texts are not
part of the repository: the completeness tests (marked ``needs_data``) read them from
``$LIDLIB_PAPERS_DIR``, else from ``shared/papers`` beside the checkout (where the data
mirror ``shared/data`` lives), and skip without them, failing instead when
``LIDLIB_REQUIRE_DATA=1``.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest
from conftest import REQUIRE_ENV, skip_unless_required

from lidlib.book import concordance

ROOT = Path(__file__).resolve().parents[1]
PAPERS_DIR = Path(os.environ.get("LIDLIB_PAPERS_DIR") or ROOT.parent / "shared" / "papers")
#: Paper texts by concordance paper key (file-name prefixes of the papers' README).
PAPER_FILES = {"main": "002_*.txt", "predecessor": "003_*.txt"}


@pytest.fixture(scope="module")
def entries():
    return concordance.load(ROOT / concordance.SOURCE)


def paper_text(paper: str) -> str:
    found = sorted(PAPERS_DIR.glob(PAPER_FILES[paper]))
    if not found:
        reason = (
            f"needs the plain-text papers, which are not in the repository ({PAPER_FILES[paper]}: "
            f"the text of arXiv:2601.03764 or arXiv:2410.16377, as in the project's shared/papers): "
            f"set LIDLIB_PAPERS_DIR to their folder (now {PAPERS_DIR}); {REQUIRE_ENV}=1 fails instead"
        )
        skip_unless_required(reason)
    return found[0].read_text()


def numbered_items(text: str) -> set[str]:
    """Labels of the numbered items a paper text mentions, in the concordance's spelling.

    Equation numbers are read from the end of display lines (``\\tag{N}``, or ``(N)``
    after the mathematics); the other items from their names in the running text and,
    for appendices, from the section headings.
    """
    items = set()
    for line in text.splitlines():
        s = line.strip()
        m = re.search(r"(?:\\tag\{(\d+)\}|\((\d{1,3})\))\s*(?:\$\$)?$", s)
        if m and ("$" in s or "\\displaystyle" in s or re.fullmatch(r"\(\d+\)", s)):
            items.add(f"Eq. {m.group(1) or m.group(2)}")
    items |= {f"Fig. {n}" for n in re.findall(r"\b(?:Figure|Fig\.)\s*(\d+)", text)}
    number = r"\s+((?:[A-Z]\.)?\d+(?:\.\d+)?)\b"
    for word, short in (
        ("Proposition", "Prop."),
        ("Corollary", "Cor."),
        ("Definition", "Def."),
        ("Assumption", "Ass."),
        ("Lemma", "Lemma"),
        ("Theorem", "Thm."),
        ("Table", "Table"),
    ):
        items |= {f"{short} {n}" for n in re.findall(rf"\b(?:{word}|{re.escape(short)}){number}", text)}
    items |= {f"App. {a}" for a in re.findall(r"\b(?:Appendix|App\.)\s+([A-D](?:\.\d){0,2})\b", text)}
    items |= {f"App. {a}" for a in re.findall(r"^([A-D](?:\.\d){0,2}) [A-Z]", text, re.M)}
    return items


def has_entry(label: str, items: set[str]) -> bool:
    """``Fig. 1`` is covered by ``Fig. 1`` or by its panels ``Fig. 1 (left)``, ...."""
    return label in items or any(i.startswith(label + " (") for i in items)


# --- the real file ------------------------------------------------------------------


@pytest.mark.slowish
def test_real_concordance_validates(entries):
    results = concordance.load_results(ROOT)
    problems = concordance.validate(entries, ROOT, results)
    assert problems == [], "\n".join(problems)
    assert {e["paper"] for e in entries} == set(concordance.PAPERS)
    functions = {f for e in entries for f in e["functions"]}
    tests = {t for e in entries for t in e["tests"]}
    assert len(functions) > 50 and len(tests) > 50  # the file really names code and tests


@pytest.mark.slowish
def test_each_listed_test_exercises_a_listed_function(entries):
    """A test belongs to an entry only if its body calls one of the entry's functions."""
    bodies: dict[str, dict[str, str]] = {}
    loose = []
    for e in entries:
        names = {f.rsplit(".", 1)[-1] for f in e["functions"]}
        for node in e["tests"]:
            file, _, name = node.partition("::")
            if file not in bodies:
                text = (ROOT / file).read_text()
                bodies[file] = {
                    n.name: ast.get_source_segment(text, n) or ""
                    for n in ast.walk(ast.parse(text))
                    if isinstance(n, ast.FunctionDef)
                }
            body = bodies[file].get(name.split("::")[-1], "")
            if not any(re.search(rf"\b{re.escape(n)}\b", body) for n in names):
                loose.append(f"{e['paper']} {e['item']}: {node} calls none of {sorted(names)}")
    assert loose == [], "\n".join(loose)


@pytest.mark.needs_data
@pytest.mark.parametrize("paper", list(PAPER_FILES))
def test_every_numbered_item_of_the_paper_has_an_entry(entries, paper):
    text = paper_text(paper)
    mentioned = numbered_items(text)
    have = {e["item"] for e in entries if e["paper"] == paper}
    missing = sorted(i for i in mentioned if not has_entry(i, have))
    assert missing == [], f"{paper}: no concordance entry for {', '.join(missing)}"
    # the parser sees the papers, so this test can fail
    eqs = {i for i in mentioned if i.startswith("Eq. ")}
    assert len(eqs) >= (55 if paper == "main" else 14)
    assert {"Fig. 1", "Fig. 2", "Fig. 3", "Fig. 4"} <= mentioned


@pytest.mark.needs_data
@pytest.mark.parametrize("paper", list(PAPER_FILES))
def test_equation_entries_exist_in_the_paper_or_say_why(entries, paper):
    """An equation number absent from the extracted text needs a reason that says so."""
    mentioned = numbered_items(paper_text(paper))
    for e in entries:
        if e["paper"] == paper and e["item"].startswith("Eq. ") and e["item"] not in mentioned:
            assert "extract" in (e.get("reason") or ""), f"{paper} {e['item']}: not in the text, and no reason says so"


@pytest.mark.needs_data
def test_paper_texts_parse_as_expected():
    main = numbered_items(paper_text("main"))
    assert {
        "Prop. 4.2",
        "Prop. 4.3",
        "Prop. C.2",
        "Cor. 1",
        "Cor. C.3",
        "Def. 3.1",
        "Ass. 3.2",
        "Ass. 4.1",
        "Ass. C.1",
        "App. B.2.2",
        "App. D",
        "Eq. 60",
    } <= main
    pred = numbered_items(paper_text("predecessor"))
    assert {"Eq. 1", "Eq. 17", "Fig. 7", "App. A"} <= pred


def test_entries_are_in_paper_order(entries):
    for paper in concordance.PAPERS:
        eqs = [
            int(e["item"].split()[1]) for e in entries if e["paper"] == paper and re.fullmatch(r"Eq\. \d+", e["item"])
        ]
        figs = [
            int(re.match(r"Fig\. (\d+)", e["item"]).group(1))
            for e in entries
            if e["paper"] == paper and e["item"].startswith("Fig. ")
        ]
        assert eqs == sorted(eqs) and len(eqs) == len(set(eqs)), paper
        assert figs == sorted(figs), paper


def test_markdown_has_a_table_per_paper_with_links_and_counts(entries):
    results = {
        "lid_model": {
            "title": "The LID model",
            "claims": [
                {"id": "label-noise-variance", "passed": True},
                {"id": "tau-tail-index-beta3", "passed": True},
                {"id": "tau-tail-index-beta5", "passed": False},
            ],
        }
    }
    text = concordance.markdown(entries, results)
    for title in concordance.PAPERS.values():
        assert f"## {title}" in text
    n = {s: sum(e["status"] == s for e in entries) for s in concordance.STATUSES}
    assert (
        f"{len(entries)} items: **{n['covered']} covered**, {n['partly']} partly covered, "
        f"{n['not covered']} not covered." in text
    )
    assert "{doc}`The LID model <_generated/lid_model>` § The latent precision and its near-zero tail" in text
    code = concordance._code
    assert f"{code('label-noise-variance')} pass" in text and f"{code('tau-tail-index-beta*')} **1 of 2 pass**" in text
    assert code("model.sample_precision") in text
    assert code("test_model.py::test_precision_laws_match_scipy") in text
    rows = [line for line in text.splitlines() if line.startswith("| **")]
    assert len(rows) == len(entries) and all(line.count(" | ") == 2 for line in rows)
    assert all("not covered:* " in r for r in rows if "**not covered**" in r)  # the reason is shown


# --- planted defects ------------------------------------------------------------------


def good_entry(**change):
    e = {
        "paper": "main",
        "item": "Eq. 1",
        "what": "latent precision",
        "chapter": "lid_model",
        "section": "The latent precision and its near-zero tail",
        "functions": ["lidlib.model.sample_precision"],
        "tests": ["tests/test_model.py::test_precision_laws_match_scipy"],
        "claims": ["tau-tail-constant"],
        "status": "covered",
        "reason": None,
    }
    e.update(change)
    return e


def problems_of(*entries, results=None):
    return concordance.validate(list(entries), ROOT, results if results is not None else {})


def test_a_good_entry_has_no_problem():
    assert problems_of(good_entry()) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"functions": ["lidlib.model.no_such_function"]}, "function 'lidlib.model.no_such_function'"),
        ({"functions": ["lidlib.no_such_module.f"]}, "lidlib.no_such_module.f"),
        ({"functions": ["numpy.mean"]}, "not a lidlib name"),
        ({"tests": ["tests/test_model.py::test_that_does_not_exist"]}, "no test 'test_that_does_not_exist'"),
        ({"tests": ["tests/test_nowhere.py::test_x"]}, "test file 'tests/test_nowhere.py' does not exist"),
        (
            {"section": "A heading nobody wrote"},
            "section heading 'A heading nobody wrote' not found in notebooks/lid_model.md",
        ),
        ({"section": "Corollary 1"}, "not found"),  # a prefix of a heading is not the heading
        ({"chapter": "no_such_chapter"}, "unknown chapter 'no_such_chapter'"),
        ({"status": "not covered", "reason": None}, "needs a reason"),
        ({"status": "partly", "reason": "  "}, "needs a reason"),
        ({"status": "done"}, "status must be one of"),
        ({"paper": "other"}, "paper must be one of"),
        ({"what": ""}, "missing 'what'"),
        ({"chapter": None}, "needs a chapter"),
        ({"comment": "x"}, "unknown field(s) comment"),
        ({"claims": ["no_such_chapter:some-id"]}, "unknown chapter 'no_such_chapter'"),
    ],
)
def test_planted_defects_are_caught(change, expected):
    problems = problems_of(good_entry(**change))
    assert any(expected in p for p in problems), problems


def test_duplicates_are_caught():
    assert any("duplicate item" in p for p in problems_of(good_entry(), good_entry()))
    assert problems_of(good_entry(), good_entry(paper="predecessor")) == []


def test_claim_ids_are_checked_only_against_existing_results_and_name_the_stale_id():
    results = {
        "lid_model": {
            "claims": [{"id": "tau-tail-constant", "passed": True}, {"id": "tau-tail-index-beta3", "passed": True}]
        }
    }
    assert problems_of(good_entry(claims=["tau-tail-constant", "tau-tail-index-beta*"]), results=results) == []
    stale = problems_of(good_entry(claims=["tau-tail-constant-old"]), results=results)
    assert (
        len(stale) == 1
        and "stale claim id 'tau-tail-constant-old'" in stale[0]
        and "results/lid_model.json" in stale[0]
    )
    assert "matches nothing" in problems_of(good_entry(claims=["tau-tail-index-alpha*"]), results=results)[0]
    # another chapter's claim, written chapter:id, is checked against that chapter's file
    results["tauberian"] = {"claims": [{"id": "ratio-to-one", "passed": True}]}
    assert problems_of(good_entry(claims=["tauberian:ratio-to-one"]), results=results) == []
    assert "results/tauberian.json" in problems_of(good_entry(claims=["tauberian:gone"]), results=results)[0]
    # no results file for the chapter: ids cannot be checked and are accepted
    assert problems_of(good_entry(claims=["anything"]), results={}) == []


def test_headings_ignore_code_cells_and_the_header(tmp_path):
    nb = tmp_path / "x.md"
    nb.write_text(
        "---\njupytext:\n  x: 1\n---\n\n# Title\n\n```{code-cell} ipython3\n# a comment\n```\n\n"
        "## Section: with $\\beta$\n\n~~~\n## fenced\n~~~\n"
    )
    assert concordance.headings(nb) == ["Title", "Section: with $\\beta$"]


def test_write_refuses_a_stale_file_and_writes_a_valid_one(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "ch.md").write_text("# Chapter\n\n## Part one\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_ch.py").write_text("def test_one():\n    pass\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: book/_generated/ch\n")
    (tmp_path / "book").mkdir()
    src = tmp_path / concordance.SOURCE
    entry = (
        "- paper: main\n  item: Eq. 1\n  what: something\n  chapter: ch\n  section: Part one\n"
        "  functions: [lidlib.tails.c_delta]\n  tests: [tests/test_ch.py::test_one]\n  status: covered\n"
    )
    src.write_text(entry.replace("Part one", "Part two"))
    with pytest.raises(concordance.ConcordanceError, match="section heading 'Part two' not found"):
        concordance.write(tmp_path)
    assert not (tmp_path / concordance.TARGET).exists()
    src.write_text(entry)
    out = concordance.write(tmp_path)
    assert out == tmp_path / concordance.TARGET
    text = out.read_text()
    assert "{doc}`ch <_generated/ch>` § Part one" in text and concordance._code("tails.c_delta") in text
    mtime = out.stat().st_mtime_ns
    concordance.write(tmp_path)  # unchanged text: the file is not rewritten (Sphinx stays incremental)
    assert out.stat().st_mtime_ns == mtime
    src.unlink()  # a scratch tree without a concordance: nothing to do
    assert concordance.write(tmp_path) is None


def test_not_run_claims_are_shown_as_such():
    entries = [
        {
            "paper": "main",
            "item": "Eq. 9",
            "what": "x",
            "chapter": "ch",
            "section": None,
            "functions": [],
            "tests": [],
            "claims": ["a", "b*"],
            "status": "covered",
        }
    ]
    results = {
        "ch": {"claims": [{"id": "a", "passed": None}, {"id": "b1", "passed": True}, {"id": "b2", "passed": None}]}
    }
    text = concordance.markdown(entries, results)
    assert re.search(r">a</code> not run", text), text[-400:]
    assert re.search(r">b\\\*</code> 1 of 1 pass \(1 not run\)", text), text[-400:]
