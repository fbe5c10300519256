"""Smoke test of the benchmark harness (benchmarks/run.py) at a toy size.

Not a timing test: it runs the harness end to end on a tiny one-school dataset (the same
code path as ``make bench``, in a worker subprocess, without R and without building reports)
and checks that every step ran and that the side-by-side answers agree with the
independent implementations the harness compares against: statsmodels OLS (coefficients and
school mean residuals), statsmodels MixedLM (REML fixed effects, variances and BLUPs; as in
tests/test_multilevel.py), and a vectorised Welch gap computed with one pandas groupby.
"""

import json
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent


def test_harness_runs_at_toy_size(tmp_path):
    out = tmp_path / "results.json"
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "tiny", "--skip-r",
                        "--no-reports", "--repeat-once", "--out", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    res = json.loads(out.read_text())
    tiny = res["sizes"]["tiny"]
    steps = {s["step"]: s for s in tiny["steps"]}
    for name in ("generate", "write_csv", "write_parquet", "load_csv", "load_parquet", "pair_assessments",
                 "va_ols", "va_ols_statsmodels", "va_multilevel", "fit_random_intercept", "gap_by_group",
                 "gap_pandas_groupby_mean", "gap_vectorised_welch", "register_audit", "intervention_impact"):
        assert steps[name]["status"] == "ok", (name, steps[name]["error"])
        assert steps[name]["seconds"] > 0
    assert tiny["schools"] == 1 and tiny["va_pupils"] > 100
    assert tiny["peak_rss_mib"] > 0 and res["machine"]["cpus"] >= 1
    cmp = tiny["comparisons"]
    assert cmp["load_parquet_vs_csv"]["identical_tables"]
    assert cmp["va_ols_vs_statsmodels"]["max_abs_diff_beta"] < 1e-8
    assert cmp["va_ols_vs_statsmodels"]["max_abs_diff_group_va"] < 1e-8
    assert cmp["va_multilevel_vs_fit"]["max_abs_diff_blup"] < 1e-10
    mx = cmp["mixedlm"]
    assert mx["status"] == "ok" and mx["converged"]
    for k in ("max_abs_diff_beta", "max_abs_diff_sigma2_between", "max_abs_diff_sigma2_within",
              "max_abs_diff_blup"):
        assert mx[k] < 1e-4, (k, mx[k])
    g = cmp["gap_vs_vectorised_welch"]
    assert g["groups"] >= 3 and g["max_abs_diff_gap"] < 1e-10 and g["max_abs_diff_ci"] < 1e-8
