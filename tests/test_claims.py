import csv
import json
import math

import numpy as np
import pytest

from lidlib.book import claims

K = dict(kind="paper", fails_if="measured outside the band")


def test_check_pass_and_fail_absolute_and_relative():
    led = claims.Ledger("demo", "quick", 0)
    assert led.check("a", "s", "Eq. 1", measured=1.05, expected=1.0, tolerance=0.1, **K)["passed"]
    assert not led.check("b", "s", "Eq. 1", measured=1.2, expected=1.0, tolerance=0.1, **K)["passed"]
    assert led.check("c", "s", "Eq. 1", measured=110.0, expected=100.0, tolerance=0.1, relative=True, **K)["passed"]
    assert not led.check("d", "s", "Eq. 1", measured=float("nan"), expected=1.0, tolerance=10.0, **K)["passed"]
    assert not led.check("e", "qualitative", "Sec. 4", measured="no peak", expected="peak", passed=False, **K)["passed"]
    assert [c["status"] for c in led.claims] == ["pass", "fail", "pass", "fail", "fail"]


def test_check_refuses_duplicates_and_missing_tolerance():
    led = claims.Ledger("demo", "quick", 0)
    led.check("a", "s", "r", measured=1, expected=1, tolerance=0, **K)
    with pytest.raises(ValueError, match="twice"):
        led.check("a", "s", "r", measured=1, expected=1, tolerance=0, **K)
    with pytest.raises(ValueError, match="tolerance"):
        led.check("b", "s", "r", measured=1, expected=1, **K)


@pytest.mark.parametrize("kind", [None, "", "claim", "Paper", "proxies"])
def test_kind_is_required_and_checked(kind):
    led = claims.Ledger("demo", "quick", 0)
    with pytest.raises(ValueError, match="kind must be one of"):
        led.check("a", "s", "r", measured=1, expected=1, tolerance=0.1, kind=kind, fails_if="x")
    assert led.claims == []


@pytest.mark.parametrize("fails_if", [None, "", "   "])
def test_fails_if_is_required(fails_if):
    led = claims.Ledger("demo", "quick", 0)
    with pytest.raises(ValueError, match="fails_if"):
        led.check("a", "s", "r", measured=1, expected=1, tolerance=0.1, kind="method", fails_if=fails_if)


def test_proxy_claims_need_a_setting():
    led = claims.Ledger("demo", "quick", 0)
    with pytest.raises(ValueError, match="proxy"):
        led.check("a", "s", "r", measured=1, expected=1, tolerance=0.1, kind="proxy", fails_if="x")
    rec = led.check(
        "b", "s", "r", measured=1, expected=1, tolerance=0.1, kind="proxy", fails_if="x", setting="digitized"
    )
    assert rec["setting"] == "digitized"
    led2 = claims.Ledger("demo", "quick", 0, proxy="other features")
    assert (
        led2.check("c", "s", "r", measured=1, expected=1, tolerance=0.1, kind="proxy", fails_if="x")["setting"]
        == "other features"
    )


def test_margin_and_knife_edge():
    led = claims.Ledger("demo", "quick", 0)
    far = led.check("far", "s", "r", measured=1.02, expected=1.0, tolerance=0.1, **K)
    edge_in = led.check("edge-in", "s", "r", measured=1.095, expected=1.0, tolerance=0.1, **K)
    edge_out = led.check("edge-out", "s", "r", measured=1.105, expected=1.0, tolerance=0.1, **K)
    fail = led.check("fail", "s", "r", measured=2.0, expected=1.0, tolerance=0.1, **K)
    assert far["margin"] == pytest.approx(0.2) and not far["knife_edge"]
    assert edge_in["passed"] and edge_in["knife_edge"] and edge_in["margin"] == pytest.approx(0.95)
    assert not edge_out["passed"] and edge_out["knife_edge"]
    assert not fail["passed"] and not fail["knife_edge"] and fail["margin"] == pytest.approx(10.0)
    # one-sided claims may state their margin; none given -> no margin shown
    q = led.check("q", "s", "r", measured=0.96, expected=">= 0.95", passed=True, margin=0.8, **K)
    assert q["margin"] == 0.8 and not q["knife_edge"]
    assert led.check("q2", "s", "r", measured="x", expected="y", passed=True, **K)["margin"] is None
    assert "knife-edge" in claims.ClaimRecord(edge_in)._repr_markdown_()


def test_not_run_records_a_reason_and_counts_separately():
    led = claims.Ledger("demo", "quick", 0)
    led.check("a", "s", "r", measured=1, expected=1, tolerance=0.1, **K)
    rec = led.not_run("b", "needs data", "Sec. 4", "paper", "Fashion-MNIST unavailable")
    assert rec["passed"] is None and rec["status"] == "not run" and rec["reason"] == "Fashion-MNIST unavailable"
    assert led.summary() == {"pass": 1, "fail": 0, "not run": 1}
    assert rec._repr_markdown_().startswith("**not run** [paper]")
    with pytest.raises(ValueError, match="reason"):
        led.not_run("c", "s", "r", "paper", "")
    with pytest.raises(ValueError, match="kind"):
        led.not_run("d", "s", "r", "opinion", "no data")


def test_saved_file_has_the_design_shape_and_provenance(tmp_path):
    led = claims.Ledger("training_law", "quick", 3, title="T")
    led.check("ols-tail-slope", "L ~ N^-1", "eq. (10)", measured=np.float64(-0.98), expected=-1.0, tolerance=0.1, **K)
    led.value("beta_eff", {"N": np.array([1, 2]), "value": np.array([0.5, np.nan])})
    path = led.save(tmp_path)
    data = json.loads(path.read_text())  # strict JSON: NaN was converted
    assert path.name == "training_law.json"
    assert {"chapter", "profile", "seed", "claims", "values", "provenance"} <= set(data)
    c = data["claims"][0]
    assert {
        "id",
        "kind",
        "fails_if",
        "statement",
        "paper_ref",
        "measured",
        "expected",
        "tolerance",
        "passed",
        "status",
        "margin",
        "knife_edge",
        "anchor",
    } <= set(c)
    assert c["passed"] is True and c["measured"] == -0.98 and c["anchor"] == "claim-training_law-ols-tail-slope"
    assert data["values"]["beta_eff"] == {"N": [1, 2], "value": [0.5, None]}
    prov = data["provenance"]
    assert prov["profile"] == "quick" and prov["seed"] == 3
    assert {"numpy", "scipy", "lidlib", "python"} <= set(prov["versions"])
    assert "commit" in prov and isinstance(prov["data"], dict)


def test_provenance_lists_the_data_files_read(monkeypatch):
    from lidlib import data

    monkeypatch.setattr(data, "FILES_READ", {"x/y.csv": "sha256:abc"})
    assert claims.provenance("quick", 0)["data"] == {"x/y.csv": "sha256:abc"}


def test_jsonable_handles_infinities_and_rejects_objects():
    assert claims._jsonable([math.inf, -math.inf]) == ["inf", "-inf"]
    with pytest.raises(TypeError):
        claims._jsonable(object())


def _two_chapters(tmp_path):
    a = claims.Ledger("a_chapter", "quick", 0, title="A_CHAPTER")
    a.check(
        "paper-ok",
        "a paper statement",
        "Eq. 9",
        measured=1.0,
        expected=1.0,
        tolerance=0.1,
        kind="paper",
        fails_if="off by 0.1",
    )
    a.check(
        "meth", "numerics", "this chapter", measured=0.0, expected=0.0, tolerance=1e-9, kind="method", fails_if="off"
    )
    a.save(tmp_path)
    b = claims.Ledger("b_chapter", "quick", 0, title="B_CHAPTER", proxy="digitized curves")
    b.check(
        "prox",
        "a proxy check",
        "Fig. 1",
        measured=1.095,
        expected=1.0,
        tolerance=0.1,
        kind="proxy",
        fails_if="off by 0.1",
    )
    b.check(
        "der-fail",
        "a derivation step",
        "App. B",
        measured=2.0,
        expected=1.0,
        tolerance=0.1,
        kind="derivation",
        fails_if="off",
    )
    b.not_run("absent", "needs data", "Sec. 4", "finding", "no data offline")
    b.save(tmp_path)
    return claims.load_results(tmp_path)


def test_claims_page_leads_with_paper_rows_counts_kinds_and_marks_proxies(tmp_path):
    res = _two_chapters(tmp_path)
    page = claims.write_claims_page(tmp_path / "claims.md", res, order=["b_chapter"])
    text = page.read_text()
    assert "Statements of the papers: 1 of 1 pass" in text
    assert (
        text.index("## Statements of the papers")
        < text.index("## Steps of the derivations")
        < text.index("## Statements of the papers in a proxy setting")
        < text.index("## Checks of our own numerics")
    )
    assert "| paper | 1 | 1 | 0 | 0 | 0 |" in text and "| proxy | 1 | 1 | 0 | 0 | 1 |" in text
    assert "| all | 5 | 3 | 1 | 1 | 1 |" in text
    assert "**proxy**: digitized curves" in text and "**knife-edge**" in text
    assert "not run: no data offline" in text and "fails if: off by 0.1" in text
    assert '<a href="_generated/b_chapter.html#claim-b_chapter-prox">' in text
    assert "{download}`claims.csv <claims.csv>`" in text
    assert text.index("B_CHAPTER") < text.index("A_CHAPTER")  # toc order first
    assert "| **FAIL** |" in text


def test_claims_page_refuses_results_without_kinds(tmp_path):
    res = {
        "x": {
            "chapter": "x",
            "profile": "quick",
            "seed": 0,
            "claims": [{"id": "a", "statement": "s", "paper_ref": "r", "passed": True}],
        }
    }
    with pytest.raises(ValueError, match="no valid kind"):
        claims.write_claims_page(tmp_path / "c.md", res)


def test_downloads_hold_every_claim(tmp_path):
    res = _two_chapters(tmp_path)
    csv_path, json_path = claims.write_claims_downloads(tmp_path, res, ["a_chapter", "b_chapter"])
    rows = list(csv.DictReader(csv_path.open()))
    assert [r["id"] for r in rows] == ["paper-ok", "meth", "prox", "der-fail", "absent"]
    assert rows[4]["status"] == "not run" and rows[2]["setting"] == "digitized curves"
    assert json.loads(json_path.read_text())[0]["link"] == "_generated/a_chapter.html#claim-a_chapter-paper-ok"


def test_verdict_changes_and_summary_line(tmp_path):
    res = _two_chapters(tmp_path)
    cur = claims.verdicts(res)
    assert cur["b_chapter/absent"] == "not run" and cur["a_chapter/paper-ok"] == "pass"
    base = dict(cur, **{"a_chapter/paper-ok": "fail", "gone/x": "pass"})
    del base["b_chapter/prox"]
    ch = claims.verdict_changes(cur, base)
    assert ("a_chapter/paper-ok", "fail", "pass") in ch and ("gone/x", "pass", None) in ch
    assert ("b_chapter/prox", None, "pass") in ch
    assert claims.verdict_changes(cur, base, ["b_chapter"]) == [("b_chapter/prox", None, "pass")]
    assert claims.verdict_changes(cur, cur) == []
    line = claims.summary_line(res["b_chapter"]["claims"], "b")
    assert line == "b: 3 claims: 1 passed, 1 failed, 1 not run"


def test_aggregate_sweep_marks_flipping_verdicts_fragile(tmp_path):
    def run(m):
        led = claims.Ledger("c", "quick", 0)
        led.check("x", "s", "r", measured=m, expected=0.0, tolerance=1.0, **K)
        led.check("y", "s", "r", measured=0.0, expected=0.0, tolerance=1.0, **K)
        return {"c": led.as_dict()}

    agg = claims.aggregate_sweep({0: run(0.5), 1: run(1.5), 2: run(0.7), 3: {}}, "quick")
    x, y = agg["claims"]["c/x"], agg["claims"]["c/y"]
    assert agg["seeds"] == [0, 1, 2, 3]
    assert x["verdicts"] == ["pass", "fail", "pass", "not run"] and x["passed"] == 2 and x["n_run"] == 3
    assert x["fragile"] and not y["fragile"]
    assert x["measured_mean"] == pytest.approx(0.9) and x["measured_sd"] == pytest.approx(
        np.std([0.5, 1.5, 0.7], ddof=1)
    )
    page = claims.write_robustness_page(tmp_path / "r.md", agg).read_text()
    assert "1 of 2 claims are fragile" in page and "c/x</a> *fragile*" in page and "`P F P -`" in page
    with pytest.raises(ValueError):
        claims.aggregate_sweep({}, "quick")


def test_verdict_words():
    led = claims.Ledger("demo", "quick", 0)
    assert claims.verdict_words(led.check("a", "s", "r", measured=1.0, expected=1.0, tolerance=0.1, **K)) == "passes"
    w = claims.verdict_words(led.check("b", "s", "r", measured=1.105, expected=1.0, tolerance=0.1, **K))
    assert w.startswith("fails, on a knife edge (margin 1.05")
    assert claims.verdict_words(led.not_run("c", "s", "r", "paper", "no data")) == "was not run"


def test_results_dir_env_and_project_root(tmp_path, monkeypatch):
    monkeypatch.setenv(claims.RESULTS_ENV, str(tmp_path / "r"))
    assert claims.results_dir() == tmp_path / "r"
    monkeypatch.delenv(claims.RESULTS_ENV)
    (tmp_path / "_toc.yml").write_text("root: x\n")
    (tmp_path / "notebooks" / "deep").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "notebooks" / "deep")
    assert claims.results_dir() == tmp_path / "results"


def test_status_line_is_bold_once():
    from lidlib.book.claims import ClaimRecord

    rec = ClaimRecord(
        id="x",
        statement="s",
        paper_ref="Eq. 1",
        measured=1.0,
        expected=2.0,
        tolerance=0.1,
        relative=False,
        passed=False,
        kind="paper",
    )
    line = rec._repr_markdown_()
    assert line.startswith("**FAIL** [paper] · s (Eq. 1)") and "****" not in line
    rec["passed"] = True
    assert rec._repr_markdown_().startswith("**pass** [paper] · ")


def test_chapter_table_escapes_pipes_in_statements():
    led = claims.Ledger("demo", "quick", 0)
    led.check("a", "max |z| <= 4", "r", measured=1.0, expected=0.0, tolerance=4.0, kind="method", fails_if="x")
    row = led._repr_markdown_().splitlines()[-1]
    assert row.count("|") - row.count("\\|") == 8  # seven cells


def test_verdict_words_cite_fragile_claims(monkeypatch):
    monkeypatch.setattr(claims, "robustness_of", lambda ch, id: {"passed": 5, "n": 10, "fragile": True})
    led = claims.Ledger("demo", "quick", 0)
    rec = led.check("a", "s", "r", measured=2.0, expected=1.0, tolerance=0.1, **K)
    assert claims.verdict_words(rec) == "fails (fragile: it passes at 5 of 10 seeds)"
    assert "*fragile* (5/10 seeds)" in led._repr_markdown_()


def test_markdown_table_formats_escapes_and_checks_shape():
    from lidlib.book.claims import markdown_table

    text = markdown_table(["x", "name"], [(0.5, "a|b"), (2, "c")], [".1f", ""])
    assert text.splitlines() == ["| x | name |", "|---|---|", "| 0.5 | a\\|b |", "| 2.0 | c |"]
    with pytest.raises(ValueError, match="2 cells for 3 columns|has 2 cells"):
        markdown_table(["a", "b", "c"], [(1, 2)])
    with pytest.raises(ValueError, match="fmt has 1 entries"):
        markdown_table(["a", "b"], [(1, 2)], [".2f"])


def test_fail_note_only_on_failure():
    from lidlib.book.claims import Ledger

    led = Ledger("mini", "quick", 0)
    kw = dict(kind="finding", fails_if="x off by more than 1", fail_note="an erratum")
    ok = led.check("ok", "x is 1", "Eq. 1", measured=1.2, expected=1.0, tolerance=1.0, **kw)
    bad = led.check("bad", "x is 1", "Eq. 1", measured=3.0, expected=1.0, tolerance=1.0, note="n", **kw)
    assert "note" not in ok and bad["note"] == "n; an erratum"
