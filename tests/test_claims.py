import json
import math

import numpy as np
import pytest

from lidlib import claims


def test_check_pass_and_fail_absolute_and_relative():
    led = claims.Ledger("demo", "quick", 0)
    assert led.check("a", "s", "Eq. 1", measured=1.05, expected=1.0, tolerance=0.1)["passed"]
    assert not led.check("b", "s", "Eq. 1", measured=1.2, expected=1.0, tolerance=0.1)["passed"]
    assert led.check("c", "s", "Eq. 1", measured=110.0, expected=100.0, tolerance=0.1, relative=True)["passed"]
    assert not led.check("d", "s", "Eq. 1", measured=float("nan"), expected=1.0, tolerance=10.0)["passed"]
    assert not led.check("e", "qualitative", "Sec. 4", measured="no peak", expected="peak", passed=False)["passed"]


def test_check_refuses_duplicates_and_missing_tolerance():
    led = claims.Ledger("demo", "quick", 0)
    led.check("a", "s", "r", measured=1, expected=1, tolerance=0)
    with pytest.raises(ValueError, match="twice"):
        led.check("a", "s", "r", measured=1, expected=1, tolerance=0)
    with pytest.raises(ValueError, match="tolerance"):
        led.check("b", "s", "r", measured=1, expected=1)


def test_saved_file_has_the_design_shape(tmp_path):
    led = claims.Ledger("training_law", "quick", 3, title="T")
    led.check("ols-tail-slope", "L ~ N^-1", "eq. (10)", measured=np.float64(-0.98), expected=-1.0, tolerance=0.1)
    led.value("beta_eff", {"N": np.array([1, 2]), "value": np.array([0.5, np.nan])})
    path = led.save(tmp_path)
    data = json.loads(path.read_text())  # strict JSON: NaN was converted
    assert path.name == "training_law.json"
    assert {"chapter", "profile", "seed", "claims", "values"} <= set(data)
    c = data["claims"][0]
    assert {"id", "statement", "paper_ref", "measured", "expected", "tolerance", "passed"} <= set(c)
    assert c["passed"] is True and c["measured"] == -0.98
    assert data["values"]["beta_eff"] == {"N": [1, 2], "value": [0.5, None]}


def test_jsonable_handles_infinities_and_rejects_objects():
    assert claims._jsonable([math.inf, -math.inf]) == ["inf", "-inf"]
    with pytest.raises(TypeError):
        claims._jsonable(object())


def test_claims_page_lists_every_claim_with_status(tmp_path):
    for ch, ok in (("b_chapter", False), ("a_chapter", True)):
        led = claims.Ledger(ch, "quick", 0, title=ch.upper())
        led.check(f"{ch}-x", "a statement", "Eq. 9", measured=1.0, expected=1.0 if ok else 2.0, tolerance=0.1)
        led.save(tmp_path)
    page = claims.write_claims_page(tmp_path / "claims.md", claims.load_results(tmp_path), order=["b_chapter"])
    text = page.read_text()
    assert "1 of 2 claims pass" in text
    assert text.index("B_CHAPTER") < text.index("A_CHAPTER")  # toc order first
    assert "| **FAIL** |" in text and "| pass |" in text
    assert "{doc}`B_CHAPTER <_generated/b_chapter>`" in text


def test_results_dir_env_and_project_root(tmp_path, monkeypatch):
    monkeypatch.setenv(claims.RESULTS_ENV, str(tmp_path / "r"))
    assert claims.results_dir() == tmp_path / "r"
    monkeypatch.delenv(claims.RESULTS_ENV)
    (tmp_path / "_toc.yml").write_text("root: x\n")
    (tmp_path / "notebooks" / "deep").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "notebooks" / "deep")
    assert claims.results_dir() == tmp_path / "results"


def test_status_line_is_bold_once():
    from lidlib.claims import ClaimRecord

    rec = ClaimRecord(id="x", statement="s", paper_ref="Eq. 1", measured=1.0, expected=2.0,
                      tolerance=0.1, relative=False, passed=False)
    line = rec._repr_markdown_()
    assert line.startswith("**FAIL** · s (Eq. 1)") and "****" not in line
    rec["passed"] = True
    assert rec._repr_markdown_().startswith("**pass** · ")
