import json

import numpy as np
import pytest

from lidlib.book import bench


@pytest.mark.slowish
def test_small_bench_reports_every_figure_and_checks_correctness(tmp_path):
    (tmp_path / "book" / "timings").mkdir(parents=True)
    (tmp_path / "book" / "timings" / "quick.json").write_text(
        json.dumps({"profile": "quick", "seed": 0, "seconds": {"a": 1.5, "b": 2.0}})
    )
    # a saved benchmark sits beside the chapter timings and is not one of them
    (tmp_path / "book" / "timings" / "bench.json").write_text(json.dumps({"passk_exact_vs_literal_speedup": 1.0}))
    r = bench.run_all(tmp_path, small=True)
    for key in (
        "passk_exact_vs_literal_speedup",
        "passk_first_success_vs_literal_speedup",
        "ridge_sweep_speedup",
        "population_failure_curves_per_second",
        "fit_curve_seconds",
        "fit_curve_peak_mb",
        "fit_counts_seconds",
        "fit_counts_peak_mb",
    ):
        assert np.isfinite(r[key]) and r[key] > 0
    assert r["machine"]["cores"] >= 1 and r["machine"]["numpy"]
    assert r["book_quick_total_seconds"] == 3.5 and r["book_quick_a_seconds"] == 1.5
    # the fast paths compute the same thing as the slow ones
    assert r["ridge_max_rel_diff_loss"] < 1e-8
    assert r["passk_literal_max_abs_z"] < 5 and r["passk_first_success_max_abs_z"] < 5
    json.dumps(r)  # serialisable
