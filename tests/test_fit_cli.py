"""``lidlib fit`` end to end: formats, intervals, per-problem output, planner, plot, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lidlib import counts as C
from lidlib.cli import chapter_name, main
from lidlib.cli.fit import DEFAULT_METHOD, centred_interval, cli_fit

ROOT = Path(__file__).resolve().parents[1]
FIX = Path(__file__).parent / "data" / "fit_formats"


def _samples_file(tmp_path, P=60, n=40, seed=3):
    """A long per-sample JSONL file (problem_id, passed) drawn from a Beta law."""
    rng = np.random.default_rng(seed)
    s = rng.beta(0.4, 2.0, P)
    lines = []
    for i in range(P):
        for j, y in enumerate(rng.random(n) < s[i]):
            lines.append(json.dumps({"problem_id": f"q{i}", "sample": j, "passed": bool(y)}))
    f = tmp_path / "samples.jsonl"
    f.write_text("\n".join(lines) + "\n")
    return f


@pytest.mark.slowish
def test_per_sample_forecast_with_interval_json(tmp_path, capsys):
    f = _samples_file(tmp_path)
    assert cli_fit([str(f), "--predict", "10", "400", "--json", "--n-boot", "60"]) == 0
    out = json.loads(capsys.readouterr().out)
    fc = out["forecast"]
    assert out["format"] == "samples" and out["n_problems"] == 60 and fc["method"] == DEFAULT_METHOD
    for v, lo, hi in zip(fc["pass_at_k"], fc["lo"], fc["hi"]):
        assert 0 <= lo <= v <= hi <= 1 and hi - lo > 0.005  # a real interval around the forecast
    assert fc["measured"][0] is not None and fc["measured"][1] is None  # k = 400 > n = 40
    assert abs(fc["pass_at_k"][0] - fc["measured"][0]) < 0.05
    sc = fc["selection_scores"]
    assert out["best"] == min(sc, key=sc.get)


@pytest.mark.slowish
def test_interval_is_two_level_and_widens_with_fewer_problems(tmp_path, capsys):
    wide = []
    for P in (30, 240):
        f = _samples_file(tmp_path, P=P, seed=5)
        assert cli_fit([str(f), "--predict", "400", "--json", "--n-boot", "80"]) == 0
        fc = json.loads(capsys.readouterr().out)["forecast"]
        wide.append(fc["hi"][0] - fc["lo"][0])
    assert wide[0] > 1.5 * wide[1]  # ~ sqrt(8) = 2.8 from resampling problems


def test_centred_interval_contains_point():
    rng = np.random.default_rng(0)
    point = np.array([0.2, 0.1])
    boot = point * np.exp(0.3 + 0.05 * rng.standard_normal((200, 2)))  # shifted replicates
    lo, hi, ok = centred_interval(point, boot, 0.95)
    assert ok.all() and (lo < point).all() and (point < hi).all()
    assert np.allclose(np.log(hi / lo), np.log(hi / lo)[0], rtol=0.3)


@pytest.mark.slowish
def test_per_problem_output(tmp_path, capsys):
    f = FIX / "samples.csv"
    out = tmp_path / "pp.csv"
    g = tmp_path / "more.csv"
    g.write_text(f.read_text() + "".join(f"extra{i},0,{int(i % 2)}\nextra{i},1,0\n" for i in range(4)))
    assert cli_fit([str(g), "--per-problem", str(out), "--n-boot", "20", "--predict", "10"]) == 0
    rows = out.read_text().splitlines()
    assert rows[0].startswith("problem,n,c,success_raw,success_mean,success_lo90,success_hi90,failure_at_10")
    assert len(rows) == 1 + 7
    r = {ln.split(",")[0]: ln.split(",") for ln in rows[1:]}
    assert r["geometry/7"][1:3] == ["3", "0"] and float(r["geometry/7"][3]) == 0.0
    assert (
        0 < float(r["geometry/7"][4]) < float(r["geometry/7"][6])
    )  # shrunk towards the benchmark, inside its interval
    assert float(r["algebra/1"][4]) > float(r["geometry/7"][4])  # more successes, easier


@pytest.mark.slowish
def test_plan_and_allocation(tmp_path, capsys):
    f = ROOT / "data/llm-passk/pythia_math_counts.csv"
    assert (
        cli_fit([str(f), "--model", "Pythia 1B", "--plan", "1000", "--within", "0.05", "--json", "--n-boot", "20"]) == 0
    )
    pl = json.loads(capsys.readouterr().out)["plan"]
    assert pl["m"] == 10000 and len(pl["grid"]) == len(pl["error_q"])
    assert np.all(np.diff(np.array(pl["error_q"])[[0, -1]]) < 0)  # more samples, smaller error
    by = {r["c_from"]: r for r in pl["allocation"]["by_successes"]}
    per_problem = {k: v["extra_samples"] / max(v["problems"], 1) for k, v in by.items()}
    assert per_problem[0] > per_problem[10] and per_problem[1] > per_problem[10]  # more on rarely solved problems
    assert sum(v["extra_samples"] for v in by.values()) == pl["allocation"]["extra"]


def test_allocate_samples_exact_total_and_order():
    n = np.full(5, 100.0)
    c = np.array([0, 1, 5, 50, 100.0])
    a = C.allocate_samples(n, c, 1000, 1001)
    assert a.sum() == 1001 and a[-1] == 0 and a[0] >= a[3]


@pytest.mark.slowish
def test_plot_written(tmp_path, capsys):
    png = tmp_path / "fc.png"
    assert cli_fit([str(_samples_file(tmp_path)), "--predict", "1000", "--plot", str(png), "--n-boot", "20"]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 10_000
    png2 = tmp_path / "curve.png"
    assert cli_fit([str(ROOT / "data/llm-passk/pythia28B.csv"), "--max-k", "100", "--plot", str(png2)]) == 0
    assert png2.stat().st_size > 10_000


@pytest.mark.slowish
def test_curve_best_is_out_of_sample_and_heldout_reported(capsys):
    f = ROOT / "data/llm-passk/pythia28B.csv"
    assert cli_fit([str(f), "--max-k", "100", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["best"] in ("beta", "effective_k") and "scored on" in out["best_criterion"]
    errs = out["best_heldout_rms_log_failure"]
    assert out["best"] == min(errs, key=errs.get)
    assert out["n_heldout"] > 0 and set(out["heldout_rms_log_failure"]) == {"beta", "effective_k"}


@pytest.mark.slowish
@pytest.mark.parametrize(
    "content,needle",
    [
        ("k,coverage\n1,0.5\n10,0.4\n100,0.3\n1000,0.2\n", "decreases with k"),
        ("k,coverage\n1,0.3\n10,0.3\n100,0.3\n1000,0.3\n2000,0.3\n", "flat"),
    ],
)
def test_suspicious_curve_warns_on_stderr(tmp_path, capsys, content, needle):
    f = tmp_path / "c.csv"
    f.write_text(content)
    cli_fit([str(f)])
    err = capsys.readouterr().err
    assert "warning" in err and needle in err


def test_first_repeat_only_warns_and_fits(tmp_path, capsys):
    rows = []
    for i in range(8):
        rows.append(
            json.dumps(
                {
                    "doc_id": i,
                    "resps": [["a", "b", "c"]],
                    "filtered_resps": ["a"],
                    "filter": "take_first",
                    "metrics": ["exact_match"],
                    "exact_match": float(i % 3 == 0),
                }
            )
        )
    f = tmp_path / "samples_task_2024.jsonl"
    f.write_text("\n".join(rows) + "\n")
    cli_fit([str(f), "--n-boot", "20"])
    assert "only the first repeat" in capsys.readouterr().err


@pytest.mark.parametrize(
    "content,args,needle",
    [
        (b"\x89PNG\r\n\x1a\n\x00", [], "not a text file"),
        (b"k,coverage,n,c\n1,0.1,10,1\n", [], "both curve columns"),
        (b"n,c\n10,1\n10,2\n10,3\n10,4\n10,5\n", ["--n-boot", "3"], "--n-boot must be >= 10"),
        (b"n,c\n10,1\n10,2\n10,3\n10,4\n10,5\n", ["--predict", "inf"], "finite"),
        (b"n,c\n10,10\n10,10\n10,10\n10,10\n10,10\n", [], "every sample of every problem is correct"),
        (b"k,coverage\n1,0.1\n10,0.3\n100,0.5\n1000,0.6\n", ["--plan", "100"], "need per-problem data"),
        (b"n,c\n10,1\n10,2\n10,3\n10,4\n10,5\n", ["--format", "samples"], "per-sample table needs a problem column"),
    ],
)
def test_bad_input_exit_2_one_line(tmp_path, capsys, content, args, needle):
    f = tmp_path / "bad.csv"
    f.write_bytes(content)
    assert cli_fit([str(f), *args]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.slowish
def test_bom_counts_through_main(tmp_path, capsys):
    f = tmp_path / "bom.csv"
    f.write_bytes(b"\xef\xbb\xbfn,c\n" + b"".join(f"20,{i % 7}\n".encode() for i in range(12)))
    assert main(["fit", str(f), "--n-boot", "20", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_problems"] == 12


def test_run_accepts_paths_and_unknown_chapter_exits_2(capsys):
    assert (
        chapter_name("lid_model.md")
        == chapter_name("notebooks/lid_model.md")
        == chapter_name("lid_model")
        == "lid_model"
    )
    assert main(["run", "no_such_chapter.md"]) == 2
    assert "no chapter" in capsys.readouterr().err


@pytest.mark.parametrize(
    "opt", [["--plot", "x.png"], ["--per-problem", "pp.csv"], ["--plan", "100", "--within", "0.05"]]
)
def test_single_model_options_on_a_multi_model_file_name_the_fix(tmp_path, capsys, opt):
    f = tmp_path / "two.csv"
    f.write_text("model,n,c\n" + "".join(f"{m},20,{c}\n" for m in ("a", "b") for c in (0, 3, 7, 12, 20)))
    opt = [str(tmp_path / o) if o.endswith((".png", ".csv")) else o for o in opt]
    assert cli_fit([str(f), *opt]) == 2
    err = capsys.readouterr().err
    assert "--model" in err and "2 models" in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.glob("x.png")) and not list(tmp_path.glob("pp.csv"))


@pytest.mark.slowish
def test_plot_band_uses_the_replicates_of_the_printed_interval(tmp_path, capsys):
    """--plot draws its band from the same bootstrap as the printed interval, so asking for
    a plot does not change the printed numbers."""
    f = _samples_file(tmp_path, P=40, n=30)
    base = [str(f), "--predict", "10", "300", "--json", "--n-boot", "40", "--seed", "5"]
    assert cli_fit(base) == 0
    plain = json.loads(capsys.readouterr().out)["forecast"]
    assert cli_fit([*base, "--plot", str(tmp_path / "p.png")]) == 0
    plotted = json.loads(capsys.readouterr().out)["forecast"]
    assert (tmp_path / "p.png").stat().st_size > 0
    for key in ("pass_at_k", "lo", "hi", "n_boot_ok"):
        assert plain[key] == plotted[key]
