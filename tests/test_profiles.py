"""Run profiles as data (lidlib/book/profiles.toml) and the overrides of one run."""

import json

import pytest

from lidlib.book import profiles


@pytest.fixture(autouse=True)
def _fresh_record(monkeypatch):
    monkeypatch.setattr(profiles, "_APPLIED", {})


def test_quick_is_the_paper_table_with_its_sub_table_applied():
    q, p = profiles.get("lid_model", "quick"), profiles.get("lid_model", "paper")
    assert p["n_tau"] == 4_000_000 and q["n_tau"] == 200_000  # changed by [lid_model.quick]
    assert q["betas"] == p["betas"] == (3.0, 5.0, 8.0)  # not listed there: the paper's
    # an inline table in [<chapter>.quick] changes only the keys it names
    ut_q, ut_p = (
        profiles.get("two_tail_law", "quick")["upper_tail"],
        profiles.get("two_tail_law", "paper")["upper_tail"],
    )
    assert (
        ut_q["n_v"] == 5
        and ut_p["n_v"] == 9
        and {k: v for k, v in ut_q.items() if k != "n_v"} == {k: v for k, v in ut_p.items() if k != "n_v"}
    )
    assert "n_tau" in profiles.differing("lid_model") and "betas" not in profiles.differing("lid_model")


def test_settings_are_read_only_and_not_shared():
    P = profiles.get("training_law", "quick")
    with pytest.raises(TypeError):
        P["d"] = 3  # type: ignore[index]
    assert isinstance(P["alphas"], tuple)
    P["errata"]["d"] = 999  # a nested table is the caller's own copy
    assert profiles.get("training_law", "quick")["errata"]["d"] == 32


def test_overrides_change_only_what_they_name_and_are_recorded():
    P = profiles.get("lid_model", "quick", n_tau=1000, betas=[2, 4])
    assert P["n_tau"] == 1000 and P["betas"] == (2.0, 4.0) and isinstance(P["betas"][0], float)
    assert P["d"] == profiles.get("lid_model", "quick")["d"]
    profiles.get("lid_model", "quick", n_tau=1000, betas=[2, 4])
    assert profiles.applied_overrides("lid_model") == {"n_tau": 1000, "betas": (2.0, 4.0)}
    profiles.get("lid_model", "quick")
    assert profiles.applied_overrides("lid_model") == {}
    tab = profiles.get("training_law", "paper", errata={"reps": 10})["errata"]
    assert tab == {"d": 32, "N": 128, "reps": 10}


@pytest.mark.parametrize(
    "chapter,profile,overrides,needle",
    [
        ("nope", "quick", {}, "chapter 'nope' has no profile settings; known: lid_model,"),
        ("lid_model", "huge", {}, "profile must be one of ('quick', 'paper'), got 'huge'"),
        ("lid_model", "quick", {"n_taus": 1}, "no setting 'n_taus'; its settings: betas, n_tau,"),
        (
            "lid_model",
            "quick",
            {"n_tau": 1e6},
            "n_tau must be an int like its default 200000, got 1000000.0 (write 1000000)",
        ),
        ("lid_model", "quick", {"n_tau": 2.5}, "n_tau must be an int"),
        ("lid_model", "quick", {"n_tau": True}, "n_tau must be an int"),
        ("lid_model", "quick", {"alpha": "1"}, "alpha must be a number like its default 1.0, got '1'"),
        ("lid_model", "quick", {"betas": 3.0}, "betas must be a list"),
        ("lid_model", "quick", {"betas": [3.0, "x"]}, "betas[1] must be a number"),
        ("cifar10h", "quick", {"ks": [1.0, 1e4]}, "ks must be a list of 3 items"),
        ("cifar10h", "quick", {"ks": [1.0, 1e4, 9.5]}, "ks[2] must be an int"),
        ("training_law", "quick", {"errata": {"D": 3}}, "errata has no key 'D'; its keys: d, N, reps"),
        ("training_law", "quick", {"errata": 3}, "errata must be a table"),
        ("forecasting", "quick", {"example_model": 1}, "example_model must be a string"),
    ],
)
def test_bad_chapter_profile_or_override_names_it(chapter, profile, overrides, needle):
    with pytest.raises(ValueError) as exc:
        profiles.get(chapter, profile, **overrides)
    assert needle in str(exc.value)
    assert profiles.applied_overrides(chapter) == {}  # a refused override is not recorded


def test_check_overrides_is_what_get_records_and_is_json():
    ov = profiles.check_overrides("allocation", "quick", {"N_max": 1000, "window": [10, 100]})
    assert ov == {"N_max": 1000.0, "window": (10.0, 100.0)} and isinstance(ov["N_max"], float)
    profiles.get("allocation", "quick", N_max=1000, window=[10, 100])
    assert json.dumps(profiles.applied_overrides("allocation")) == json.dumps(ov)


def test_the_file_is_checked_when_read(monkeypatch):
    """A quick sub-table naming an unknown setting, or with a value of the wrong type, stops the load."""
    from importlib import resources

    real = resources.files("lidlib.book").joinpath(profiles.SETTINGS_FILE).read_text()

    class Fake:
        def __init__(self, text):
            self.text = text

        def joinpath(self, name):
            return self

        def read_text(self, encoding=None):
            return self.text

    for planted, needle in [
        ("[lid_model.quick]\nn_tau = 200_000\n", "[lid_model.quick]\nn_tau = 200_000.0\n"),
        ("[lid_model.quick]\nn_tau = 200_000\n", "[lid_model.quick]\nn_taux = 200_000\n"),
    ]:
        assert planted in real
        fake = Fake(real.replace(planted, needle))
        monkeypatch.setattr(profiles.resources, "files", lambda pkg, fake=fake: fake)
        profiles._tables.cache_clear()
        with pytest.raises(ValueError, match=r"profiles.toml: \[lid_model.quick\]"):
            profiles.chapters()
    monkeypatch.undo()
    profiles._tables.cache_clear()
    assert "lid_model" in profiles.chapters()


def test_profiles_page_marks_the_settings_that_differ():
    from lidlib.book.build import profiles_markdown

    md = profiles_markdown()
    assert "**lid_model**: 4 of 10 settings differ between the profiles (in bold)." in md
    assert "| **`n_tau`** | **200000** | **4000000** |" in md
    assert "| `betas` | (3.0, 5.0, 8.0) | (3.0, 5.0, 8.0) |" in md
    assert md.count("| setting | quick | paper |") == len(profiles.chapters())
