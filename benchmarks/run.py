#!/usr/bin/env python
"""Benchmarks of gtanalytics at the size of one school, a trust and a national cohort.

Usage (from the repository root)::

    .venv/bin/python benchmarks/run.py                     # school, trust and national (a few minutes)
    .venv/bin/python benchmarks/run.py --quick             # school and trust only
    .venv/bin/python benchmarks/run.py --sizes national --skip-r --out /tmp/results.json

Each size runs in a fresh subprocess, so its peak resident memory (``ru_maxrss``) is its own.
Inside it every step is timed with ``time.perf_counter`` (the best of ``repeat`` runs for the
cheap steps, the median is recorded too) and its own peak RSS is measured by resetting the
kernel's high-water mark (``/proc/self/clear_refs``) before the step and reading ``VmHWM``
after it.  Steps: generate the data (:mod:`gtanalytics.datasets`), write it as CSV and as Parquet,
``gtanalytics.data.load`` both, pair outcome and prior (``pair_assessments``), OLS and multilevel
value added, gaps by school, the register audit, intervention impact and (school size) one
governor report and a two-school batch.  Alternatives are measured side by side in the same
run: statsmodels OLS, statsmodels MixedLM (in a subprocess with a timeout), R's lme4 via
``Rscript benchmarks/lme4_fit.R`` and a plain pandas groupby for gaps; the answers are compared
(max abs difference) next to the timings.  Results go to JSON (``--out``); see
``benchmarks/README.md`` for the numbers of the last full run.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_OUT = HERE / "out" / "results.json"

#: Sizes.  ``trust`` kinds come from :func:`gtanalytics.datasets.generate` (every table, three
#: academic years); ``keep`` keeps one school of it.  ``national`` kinds come from
#: :func:`gtanalytics.datasets.generate_national` (one Year 6 cohort: schools, pupils and KS1/KS2
#: assessments in reading, writing and maths).  ``by`` is the grouping of value added (the
#: random intercept), ``gap_by`` the grouping of gaps.  The tiny sizes are for the smoke test.
SIZES = {
    "school": dict(kind="trust", gen=dict(n_primary=1, n_secondary=1,
                                          pupils_per_year_group={"primary": 50, "secondary": 200}),
                   keep="secondary", by="teaching_group", gap_by="year_group", repeat=5, reports=True),
    "trust": dict(kind="trust", gen=dict(n_primary=40, n_secondary=46), by="school_id", gap_by="school_id",
                  repeat=3, batch_schools=4),
    "national": dict(kind="national", gen=dict(n_pupils=650_000, n_schools=16_000), by="school_id",
                     gap_by="school_id", repeat=1),
    "tiny": dict(kind="trust", gen=dict(n_primary=1, n_secondary=1, scale=0.3), keep="secondary",
                 by="teaching_group", gap_by="year_group", repeat=1),
    "tiny-national": dict(kind="national", gen=dict(n_pupils=3_000, n_schools=60), by="school_id",
                          gap_by="school_id", repeat=1),
}
METRIC_STEPS = ("pair_assessments", "va_ols", "va_multilevel", "gap_by_group", "register_audit",
                "intervention_impact")


# --------------------------------------------------------------------------- memory and timing
def _status_mib(key: str) -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _trim() -> None:
    """Hand memory freed by earlier steps back to the OS (glibc), so that a step's peak is its own."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class _StepTimeout(BaseException):
    """Raised by SIGALRM; a BaseException so that library ``except Exception`` does not swallow it."""


def _alarm(signum, frame):
    raise _StepTimeout()


class Bench:
    """Runs steps, records seconds, peak RSS and status."""

    def __init__(self, timeout: float):
        self.steps: list[dict] = []
        self.timeout = timeout
        self.peak_resets = _reset_peak()

    def record(self, step: str, rec: dict, **info) -> None:
        """Add a step measured elsewhere (e.g. in its own process)."""
        rec = {"step": step, "status": rec.get("status", "ok"), "seconds": rec.get("seconds"),
               "seconds_median": rec.get("seconds"), "repeat": 1, "peak_rss_mib": rec.get("peak_rss_mib"),
               "rss_before_mib": None, "rss_after_mib": None, "error": rec.get("error", ""),
               **{k: v for k, v in rec.items() if k not in ("status", "seconds", "peak_rss_mib", "error")}, **info}
        self.steps.append(rec)
        sec = f"{rec['seconds']:.4f} s" if rec["seconds"] is not None else rec["status"]
        print(f"  {step:<28} {sec:>12}  peak {rec['peak_rss_mib']} MiB {rec['error']}", flush=True)

    def run(self, step, fn, *, repeat: int = 1, timeout: float | None = None, **info):
        gc.collect()
        _trim()
        self.peak_resets = _reset_peak()
        rss0 = _status_mib("VmRSS")
        times, out, status, error = [], None, "ok", ""
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout or self.timeout)
        try:
            for _ in range(repeat):
                t0 = time.perf_counter()
                out = fn()
                times.append(time.perf_counter() - t0)
        except _StepTimeout:
            status, error = "timeout", f"stopped after {timeout or self.timeout:.0f} s"
        except Exception as exc:  # recorded, the benchmark goes on
            status, error = "error", f"{type(exc).__name__}: {exc}"[:400]
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        rec = {"step": step, "status": status, "seconds": min(times) if times else None,
               "seconds_median": statistics.median(times) if times else None, "repeat": len(times),
               "peak_rss_mib": round(_status_mib("VmHWM"), 1) if self.peak_resets else None,
               "rss_before_mib": round(rss0, 1), "rss_after_mib": round(_status_mib("VmRSS"), 1),
               "error": error, **info}
        self.steps.append(rec)
        sec = f"{rec['seconds']:.4f} s" if rec["seconds"] is not None else status
        print(f"  {step:<28} {sec:>12}  peak {rec['peak_rss_mib']} MiB {error}", flush=True)
        return out if status == "ok" else None


# --------------------------------------------------------------------------- data
def make_tables(cfg: dict) -> tuple[dict, dict | None]:
    """The tables of one size (and, for one school, the two-school trust it was cut from)."""
    from gtanalytics.datasets import generate, generate_national

    if cfg["kind"] == "national":
        return generate_national(**cfg["gen"], seed=2024), None
    full = generate(seed=2024, **cfg["gen"])
    if not cfg.get("keep"):
        return full, None
    sid = full["schools"].loc[full["schools"]["phase"] == cfg["keep"], "school_id"].iloc[0]
    upns = set(full["pupils"].loc[full["pupils"]["school_id"] == sid, "upn"])
    one = {}
    for name, df in full.items():
        if name == "pupils":
            one[name] = df[df["school_id"] == sid].reset_index(drop=True)
        elif "upn" in df.columns:
            one[name] = df[df["upn"].isin(upns)].reset_index(drop=True)
        elif "school_id" in df.columns:
            one[name] = df[df["school_id"] == sid].reset_index(drop=True)
        else:
            one[name] = df
    return one, full


def _prepare(cfg: dict, work: Path, timeout: float, queue) -> None:
    """Generate one size's tables and write them as CSV and Parquet (run in a child process)."""
    b = Bench(timeout)
    info: dict = {}
    made = b.run("generate", lambda: make_tables(cfg))
    if made is not None:
        tables, full = made
        pupils = tables["pupils"]
        latest = pupils["academic_year"].max()
        info = {"rows": {k: len(v) for k, v in tables.items()}, "latest_year": latest,
                "pupils_latest_year": int((pupils["academic_year"] == latest).sum()),
                "schools": int(pupils["school_id"].nunique())}
        info["csv_bytes"] = b.run("write_csv", lambda: write_csv(tables, work / "csv"))
        info["parquet_bytes"] = b.run("write_parquet", lambda: write_parquet(tables, work / "parquet"))
        if full is not None and cfg.get("reports"):
            write_csv(full, work / "csv2")
        if info["csv_bytes"] is None or info["parquet_bytes"] is None:
            info = {}
    for st in b.steps:
        st["note"] = "in a child process (its own peak)"
    queue.put((b.steps, info))


def write_csv(tables: dict, folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(folder / f"{name}.csv", index=False, float_format="%.10g", lineterminator="\n")
    return sum(p.stat().st_size for p in folder.iterdir())


def write_parquet(tables: dict, folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_parquet(folder / f"{name}.parquet", index=False)
    return sum(p.stat().st_size for p in folder.iterdir())


_LOAD = r"""
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
from gtanalytics.data import load
t0 = time.perf_counter()
d = load(sys.argv[1])
sec = time.perf_counter() - t0
json.dump({"seconds": sec, "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
           "loaded_tables_mib": round(sum(df.memory_usage(deep=True).sum() for df in d.tables.values()) / 2**20, 1)},
          sys.stdout)
"""


def load_own_process(folder: Path, timeout: float) -> dict:
    """``load(folder)`` in a fresh Python process: its seconds and the process's peak resident memory."""
    try:
        r = subprocess.run([sys.executable, "-c", _LOAD, str(folder)], capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "error": f"stopped after {timeout:.0f} s"}
    if r.returncode:
        return {"status": "error", "error": r.stderr[-400:]}
    return {"status": "ok", **json.loads(r.stdout)}


def fingerprint(data) -> dict:
    """Shape, dtypes and a content hash of every loaded table (to compare two loads without holding both)."""
    return {n: (df.shape, tuple(map(str, df.dtypes)), int(pd.util.hash_pandas_object(df, index=False).sum()))
            for n, df in data.tables.items()}


def pair(data, cfg: dict) -> pd.DataFrame:
    """One row per pupil: outcome, prior and characteristics (complete cases)."""
    from gtanalytics.prior_attainment import pair_assessments

    if cfg["kind"] == "national":    # KS2 reading+maths against the KS1 average point score
        out = pair_assessments(data, outcome=dict(assessment="KS2", subject=["reading", "maths"]),
                               prior=dict(assessment="KS1", subject=["reading", "writing", "maths"],
                                          combine="ks1_aps"))
    else:                            # Summer maths test against the Autumn one, latest year
        year = data.pupils["academic_year"].max()
        spec = dict(subject="maths", score_type="standardised", academic_year=year)
        out = pair_assessments(data, outcome={**spec, "term": "Summer"}, prior={**spec, "term": "Autumn"})
    cols = ["outcome", "prior", "disadvantaged", cfg["by"], cfg["gap_by"]]
    return out.dropna(subset=cols).reset_index(drop=True)


def design(va: pd.DataFrame, by: str):
    y = va["outcome"].to_numpy(float)
    X = np.column_stack([va["prior"].to_numpy(float), va["disadvantaged"].to_numpy(float)])
    codes, _ = pd.factorize(va[by], sort=True)
    return y, X, codes


# --------------------------------------------------------------------------- alternatives
def statsmodels_ols(y, X, codes):
    import statsmodels.api as sm
    fit = sm.OLS(y, sm.add_constant(X, has_constant="add")).fit()
    means = pd.Series(fit.resid).groupby(codes).agg(["size", "mean"])
    return fit.params, means


def gap_pandas_mean(va: pd.DataFrame, by: str) -> pd.DataFrame:
    m = va.groupby([by, "disadvantaged"], observed=True)["outcome"].mean().unstack()
    return (m[True] - m[False]).rename("gap").reset_index()


def gap_vectorised_welch(va: pd.DataFrame, by: str, confidence: float = 0.95) -> pd.DataFrame:
    """The Welch gap per group computed with one groupby (for agreement and as a speed baseline)."""
    from scipy import stats
    a = va.groupby([by, "disadvantaged"], observed=True)["outcome"].agg(["size", "mean", "var"]).unstack()
    n1, n2 = a[("size", True)], a[("size", False)]
    v1, v2 = a[("var", True)] / n1, a[("var", False)] / n2
    g = a[("mean", True)] - a[("mean", False)]
    se = np.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1))
    h = stats.t.ppf(0.5 + confidence / 2, df) * se
    return pd.DataFrame({"gap": g, "ci_low": g - h, "ci_high": g + h}).reset_index()


def run_lme4(design_csv: Path, work: Path, timeout: float) -> dict:
    if not shutil.which("Rscript"):
        return {"status": "skipped", "error": "Rscript not found"}
    chk = subprocess.run(["Rscript", "-e", "cat(requireNamespace('lme4', quietly=TRUE))"],
                         capture_output=True, text=True)
    if chk.stdout.strip() != "TRUE":
        return {"status": "skipped", "error": "R package lme4 not installed"}
    res_csv = work / "lme4_result.csv"
    t0 = time.perf_counter()
    try:
        r = subprocess.run(["Rscript", str(HERE / "lme4_fit.R"), str(design_csv), str(res_csv)],
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "error": f"stopped after {timeout:.0f} s"}
    wall = time.perf_counter() - t0
    if r.returncode:
        return {"status": "error", "error": r.stderr[-400:]}
    d = pd.read_csv(res_csv, dtype={"term": str}, keep_default_na=False)
    d["value"] = d["value"].astype(float)
    return {"status": "ok", "wall_seconds_incl_startup_and_read": wall, "table": d}


_MIXEDLM = r"""
import json, sys, time
import pandas as pd, statsmodels.api as sm
d = pd.read_csv(sys.argv[1])
X = sm.add_constant(d[[c for c in d.columns if c not in ("y", "g")]], has_constant="add")
t0 = time.perf_counter()
fit = sm.MixedLM(d["y"], X, groups=d["g"]).fit(reml=True)
sec = time.perf_counter() - t0
json.dump({"seconds_fit": sec, "beta": list(map(float, fit.fe_params)), "converged": bool(fit.converged),
           "sigma2_between": float(fit.cov_re.iloc[0, 0]), "sigma2_within": float(fit.scale),
           "blup": {str(k): float(v.iloc[0]) for k, v in fit.random_effects.items()}}, open(sys.argv[2], "w"))
"""


def run_mixedlm(design_csv: Path, work: Path, timeout: float) -> dict:
    out = work / "mixedlm.json"
    try:
        r = subprocess.run([sys.executable, "-c", _MIXEDLM, str(design_csv), str(out)], capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "error": f"statsmodels MixedLM.fit did not finish within {timeout:.0f} s"}
    if r.returncode:
        return {"status": "error", "error": r.stderr[-400:]}
    return {"status": "ok", **json.loads(out.read_text())}


def _maxdiff(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b))) if a.size else float("nan")


# --------------------------------------------------------------------------- one size
def worker(size: str, args) -> dict:
    import gtanalytics
    from gtanalytics.gaps import gap
    from gtanalytics.interventions import intervention_impact
    from gtanalytics.data import load
    from gtanalytics.multilevel import fit_random_intercept
    from gtanalytics.progress import value_added
    from gtanalytics.register import register_representation

    warnings.simplefilter("ignore")          # GTWarnings about small groups are expected here
    import scipy.stats  # noqa: F401  (imports done before timing, so a single run is not charged for them)
    try:
        import statsmodels.api  # noqa: F401
    except ImportError:
        pass
    cfg = SIZES[size]
    rep = 1 if args.repeat_once else cfg["repeat"]
    b = Bench(args.step_timeout)
    work = Path(tempfile.mkdtemp(prefix=f"gtbench-{size}-"))
    res: dict = {"size": size, "config": {k: v for k, v in cfg.items()}, "comparisons": {}}
    print(f"[{size}] working in {work}", flush=True)
    try:
        # the data are made and written in a child process, so that what generating them leaves in this
        # process's heap does not count towards the peaks of loading and the metrics
        import multiprocessing
        mp = multiprocessing.get_context("fork")
        queue = mp.Queue()
        child = mp.Process(target=_prepare, args=(cfg, work, args.step_timeout, queue))
        child.start()
        steps, info = queue.get()
        child.join()
        if not info:
            raise RuntimeError("generating or writing the data failed: nothing else can be measured")
        b.steps += steps
        res.update(info)
        latest = info["latest_year"]
        csv_dir, pq_dir = work / "csv", work / "parquet"
        load_rep = rep if size in ("school", "tiny") else 1
        if size not in ("school", "tiny"):   # as a user runs it: a fresh Python that loads the folder, nothing else
            for fmt, folder in (("csv", csv_dir), ("parquet", pq_dir)):
                b.record(f"load_{fmt}_own_process", load_own_process(folder, args.step_timeout),
                         note="a fresh process: import gtanalytics, load(folder); peak RSS of that process")
        data_pq = b.run("load_parquet", lambda: load(pq_dir), repeat=load_rep)
        prints = fingerprint(data_pq) if data_pq is not None else None
        del data_pq                            # one loaded copy at a time
        data = b.run("load_csv", lambda: load(csv_dir), repeat=load_rep)
        if data is not None and prints is not None:
            res["comparisons"]["load_parquet_vs_csv"] = {"identical_tables": fingerprint(data) == prints}
        if data is None:
            raise RuntimeError("loading failed: nothing else can be measured")
        if cfg["kind"] == "trust":       # what a report kernel reads instead of loading the exports itself
            import pickle
            from gtanalytics.data import load_trust
            cache = work / "trust-data.pickle"
            b.run("write_report_cache", lambda: cache.write_bytes(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)),
                  note="build_reports: once per batch")
            b.run("load_report_cache", lambda: load_trust(csv_dir, cache=cache), repeat=load_rep,
                  alternative_to="load_csv", note="each report kernel: the build's loaded copy (pickle)")
        res["loaded_mib"] = {n: round(df.memory_usage(deep=True).sum() / 2**20, 2)
                             for n, df in data.tables.items() if len(df)}
        res["loaded_dtypes_pupils"] = {c: str(t) for c, t in data.pupils.dtypes.items()}
        res["quality_records"] = int(len(data.quality))

        va = b.run("pair_assessments", lambda: pair(data, cfg), repeat=rep)
        by, gap_by = cfg["by"], cfg["gap_by"]
        res["va_pupils"], res["va_groups"] = len(va), int(va[by].nunique())
        y, X, codes = design(va, by)
        kw = dict(outcome="outcome", prior="prior", by=by, covariates=("disadvantaged",))

        ols = b.run("va_ols", lambda: value_added(va, method="ols", **kw), repeat=rep)
        sm_ols = b.run("va_ols_statsmodels", lambda: statsmodels_ols(y, X, codes), repeat=rep,
                       alternative_to="va_ols")
        if ols is not None and sm_ols is not None:
            params, means = sm_ols
            res["comparisons"]["va_ols_vs_statsmodels"] = {
                "max_abs_diff_beta": _maxdiff(ols.model.coefficients["estimate"], params),
                "max_abs_diff_group_va": _maxdiff(ols.groups.sort_values(by)["va"], means["mean"])}

        ml = b.run("va_multilevel", lambda: value_added(va, method="multilevel", **kw), repeat=rep)
        Xc = np.column_stack([np.ones(len(y)), X])
        fit = b.run("fit_random_intercept", lambda: fit_random_intercept(y, Xc, codes), repeat=max(rep, 3),
                    note="the REML fit alone (design already built)")
        design_csv = work / "design.csv"
        pd.DataFrame({"y": y, "g": codes, "x1": X[:, 0], "x2": X[:, 1]}).to_csv(design_csv, index=False,
                                                                                  float_format="%.17g")
        if ml is not None and fit is not None:
            res["comparisons"]["va_multilevel_vs_fit"] = {
                "max_abs_diff_blup": _maxdiff(ml.groups.sort_values(by)["va"], fit.blup)}
        if not args.skip_r:
            lm = run_lme4(design_csv, work, args.r_timeout)
            rec = {k: v for k, v in lm.items() if k != "table"}
            if lm["status"] == "ok" and fit is not None:
                t = lm["table"]
                for which in ("default", "tight"):
                    q = t[t["fit"] == which]
                    get = (lambda name: q.loc[q["quantity"] == name, "value"].to_numpy())
                    blup = q[q["quantity"] == "blup"].assign(g=lambda d: d["term"].astype(int)).sort_values("g")
                    bse = q[q["quantity"] == "blup_se"].assign(g=lambda d: d["term"].astype(int)).sort_values("g")
                    rec[which] = {
                        "seconds_fit": float(get("seconds_fit")[0]),
                        "seconds_extract_ranef_condvar": float(get("seconds_extract")[0]),
                        "max_abs_diff_beta": _maxdiff(fit.beta, get("beta")),
                        "max_abs_diff_sigma2_between": _maxdiff(fit.sigma2_between, get("sigma2_between")),
                        "max_abs_diff_sigma2_within": _maxdiff(fit.sigma2_within, get("sigma2_within")),
                        "max_abs_diff_blup": _maxdiff(fit.blup, blup["value"]),
                        "max_abs_diff_blup_se": _maxdiff(fit.blup_se, bse["value"])}
                rec["seconds_read_csv_in_R"] = float(t.loc[t["quantity"] == "seconds_read_csv", "value"].iloc[0])
                rec["versions"] = " ".join(t.loc[t["fit"] == "versions", ["quantity", "term"]].iloc[0])
                ours = next(s for s in b.steps if s["step"] == "fit_random_intercept")["seconds"]
                rec["ratio_lme4_default_fit_over_ours"] = rec["default"]["seconds_fit"] / ours
                rec["ratio_lme4_default_fit_over_value_added_multilevel"] = (
                    rec["default"]["seconds_fit"] / next(s for s in b.steps if s["step"] == "va_multilevel")["seconds"])
            res["comparisons"]["lme4"] = rec
            print(f"  lme4: {json.dumps({k: v for k, v in rec.items() if k in ('status', 'error', 'default')})}",
                  flush=True)
        if size == "national":
            res["comparisons"]["mixedlm"] = {"status": "not attempted",
                                             "error": "not attempted at national size: MixedLM's time grows with the number of "
                                                      "groups (16,000 here); see the trust size for the ratio"}
        else:
            mx = run_mixedlm(design_csv, work, args.mixedlm_timeout)
            if mx["status"] == "ok" and fit is not None:
                bl = pd.Series(mx.pop("blup"))
                bl.index = bl.index.astype(int)
                mx.update(max_abs_diff_beta=_maxdiff(fit.beta, mx["beta"]),
                          max_abs_diff_sigma2_between=_maxdiff(fit.sigma2_between, mx["sigma2_between"]),
                          max_abs_diff_sigma2_within=_maxdiff(fit.sigma2_within, mx["sigma2_within"]),
                          max_abs_diff_blup=_maxdiff(fit.blup, bl.sort_index().to_numpy()),
                          ratio_mixedlm_fit_over_ours=mx["seconds_fit"] / next(
                              s for s in b.steps if s["step"] == "fit_random_intercept")["seconds"])
                mx.pop("beta")
            res["comparisons"]["mixedlm"] = mx
            print(f"  mixedlm: {mx.get('status')} {mx.get('seconds_fit', mx.get('error', ''))}", flush=True)

        gkw = dict(outcome="outcome", group="disadvantaged", focus=True, by=gap_by)
        g = b.run("gap_by_group", lambda: gap(va, **gkw), repeat=rep, by=gap_by)
        b.run("gap_pandas_groupby_mean", lambda: gap_pandas_mean(va, gap_by), repeat=rep,
              alternative_to="gap_by_group", note="mean per group only: no SE, interval, n or flags")
        vw = b.run("gap_vectorised_welch", lambda: gap_vectorised_welch(va, gap_by), repeat=rep,
                   alternative_to="gap_by_group", note="the same Welch interval from one groupby")
        if g is not None and vw is not None:
            m = g.merge(vw, on=gap_by, suffixes=("", "_vec"))
            ok = m["ci_low"].notna()
            res["comparisons"]["gap_vs_vectorised_welch"] = {
                "groups": int(ok.sum()),
                "max_abs_diff_gap": _maxdiff(m.loc[ok, "gap"], m.loc[ok, "gap_vec"]),
                "max_abs_diff_ci": max(_maxdiff(m.loc[ok, "ci_low"], m.loc[ok, "ci_low_vec"]),
                                       _maxdiff(m.loc[ok, "ci_high"], m.loc[ok, "ci_high_vec"]))}

        roll = data.pupils[data.pupils["academic_year"] == latest]
        reg = b.run("register_audit", lambda: register_representation(roll), repeat=rep,
                    timeout=args.register_timeout)
        if reg is None and cfg["kind"] == "national":      # extrapolate from a subset of schools
            some = roll["school_id"].drop_duplicates().iloc[:500]
            sub = roll[roll["school_id"].isin(some)]
            b.run("register_audit_500_schools", lambda: register_representation(sub),
                  note="500 schools, to extrapolate: seconds x schools/500")
        elif reg is not None:
            res["register_rows"] = len(reg)

        if len(data.interventions):
            b.run("intervention_impact", lambda: intervention_impact(
                data.interventions, pupils=data.pupils, assessments=data.assessments), repeat=rep)

        if cfg.get("reports") and not args.no_reports:
            from gtanalytics.report import build_reports
            s1 = b.run("governor_report_one_school", lambda: build_reports(
                csv_dir, work / "reports1", jobs=1, progress=False, trust_overview=False))
            if s1 is not None:
                res["report_one_school"] = s1.to_dict("records")
            s2 = b.run("governor_reports_2_school_batch", lambda: build_reports(
                work / "csv2", work / "reports2", jobs=2, progress=False, trust_overview=False))
            if s2 is not None:
                res["report_batch"] = s2.to_dict("records")
                res["report_batch_seconds_per_school"] = next(
                    s for s in b.steps if s["step"] == "governor_reports_2_school_batch")["seconds"] / len(s2)
        if cfg.get("batch_schools") and not args.no_reports:
            from gtanalytics.report import build_reports
            some = sorted(data.pupils["school_id"].unique())[:cfg["batch_schools"]]
            sb = b.run("governor_reports_trust_batch", lambda: build_reports(
                csv_dir, work / "reports_trust", schools=some, jobs=2, progress=False, trust_overview=False),
                note=f"{len(some)} schools of the trust, two kernels; the trust's exports loaded once")
            if sb is not None:
                res["report_trust_batch"] = sb.to_dict("records")
                res["report_trust_batch_seconds_per_school"] = b.steps[-1]["seconds"] / len(sb)
    finally:
        res["steps"] = b.steps
        import resource
        # clearing the high-water mark per step also resets ru_maxrss, so the size's peak is the max over steps
        res["peak_rss_mib"] = max([s["peak_rss_mib"] or 0 for s in b.steps]
                                  + [round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)])
        res["peak_rss_children_mib"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
        res["gtanalytics_version"] = getattr(gtanalytics, "__version__", "")
        if not args.keep_data:
            shutil.rmtree(work, ignore_errors=True)
    suite = [s["seconds"] for s in b.steps if s["step"] in METRIC_STEPS and s["seconds"] is not None]
    res["metric_suite_seconds"] = sum(suite)
    return res


# --------------------------------------------------------------------------- machine and driver
def machine() -> dict:
    import numpy, pandas, scipy
    info = {"python": sys.version.split()[0], "platform": platform.platform(), "machine": platform.machine(),
            "processor": platform.processor(), "cpus": os.cpu_count(),
            "numpy": numpy.__version__, "pandas": pandas.__version__, "scipy": scipy.__version__}
    for mod in ("statsmodels", "pyarrow"):
        try:
            info[mod] = __import__(mod).__version__
        except ImportError:
            info[mod] = None
    try:
        cpu = [l for l in open("/proc/cpuinfo") if l.startswith("model name")]
        info["cpu_model"] = cpu[0].split(":", 1)[1].strip() if cpu else ""
        mem = [l for l in open("/proc/meminfo") if l.startswith("MemTotal")]
        info["memory_gib"] = round(int(mem[0].split()[1]) / 2**20, 1)
    except OSError:
        pass
    git = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "gtanalytics"],
                           capture_output=True, text=True)
    info["git_head"] = git.stdout.strip()
    info["gtanalytics_uncommitted"] = [l[3:] for l in dirty.stdout.splitlines()]
    if shutil.which("Rscript"):
        r = subprocess.run(["Rscript", "-e", "cat(as.character(getRversion()), "
                            "tryCatch(as.character(packageVersion('lme4')), error=function(e) 'absent'))"],
                           capture_output=True, text=True)
        info["R"], _, info["lme4"] = r.stdout.strip().partition(" ")
    return info


def summarise(results: dict) -> str:
    lines = []
    for size, r in results["sizes"].items():
        lines.append(f"\n== {size}: {r.get('pupils_latest_year')} pupils on roll, {r.get('schools')} schools, "
                     f"peak RSS {r.get('peak_rss_mib')} MiB, worker wall {r.get('wall_seconds', 0):.1f} s")
        for s in r.get("steps", []):
            sec = f"{s['seconds']:.4f}" if s["seconds"] is not None else s["status"]
            lines.append(f"   {s['step']:<34}{sec:>12} s   peak {s['peak_rss_mib']} MiB")
        lines.append(f"   metric suite (pair + VA + gaps + register + interventions): "
                     f"{r.get('metric_suite_seconds', float('nan')):.4f} s")
        for k, v in r.get("comparisons", {}).items():
            lines.append(f"   {k}: {json.dumps(v, default=str)}")
    return "\n".join(lines)


def markdown(results: dict) -> str:
    """Markdown tables of a results JSON (``--markdown results.json``), as pasted into the README."""
    sizes = list(results["sizes"])
    steps = list(dict.fromkeys(s["step"] for r in results["sizes"].values() for s in r.get("steps", [])))
    cell = {(k, s["step"]): s for k, r in results["sizes"].items() for s in r.get("steps", [])}
    out = ["| step | " + " | ".join(sizes) + " |", "|---|" + "---:|" * len(sizes)]
    for st in steps:
        row = []
        for k in sizes:
            c = cell.get((k, st))
            row.append("" if c is None else f"{c['seconds']:.4g} s ({c['peak_rss_mib']:.0f} MiB)"
                       if c["seconds"] is not None else c["status"])
        out.append(f"| {st} | " + " | ".join(row) + " |")
    out.append("| **metric suite** | " + " | ".join(
        f"**{results['sizes'][k].get('metric_suite_seconds', float('nan')):.3g} s**" for k in sizes) + " |")
    out.append("| peak RSS of the size (MiB) | " + " | ".join(
        f"{results['sizes'][k].get('peak_rss_mib')}" for k in sizes) + " |")
    return "\n".join(out)


def trust_overview_bench(out: Path) -> dict:
    """Build time of the trust overview on the shipped sample trust (4 schools), alone: cheap, no generation.

    Times :func:`gtanalytics.sections.trust_overview` (every school's figures, the findings and the
    comparison table) and one ``build_reports`` batch of the trust overview with one school's governor
    report beside it (two kernels; HTML only), whose summary gives the seconds of each.
    """
    from gtanalytics import load_sample, sections
    from gtanalytics.report import build_reports

    warnings.simplefilter("ignore")
    data = load_sample()
    t0 = time.perf_counter()
    sections.trust_overview(data)
    library = time.perf_counter() - t0
    first = min(data.pupils["school_id"].astype(str).unique())
    with tempfile.TemporaryDirectory(prefix="gtbench-trust-") as work:
        t0 = time.perf_counter()
        summary = build_reports(ROOT / "data" / "sample", Path(work) / "reports", schools=[first], jobs=2,
                                progress=False, trust_overview=True)
        batch = time.perf_counter() - t0
    seconds = dict(zip(summary["school"], summary["seconds"]))
    res = {"command": "benchmarks/run.py --trust-overview", "started": time.strftime("%Y-%m-%d %H:%M:%S"),
           "machine": machine(), "trust_overview_library_seconds": round(library, 2),
           "trust_overview_build_seconds": seconds.get("trust"), "school_report_build_seconds": seconds.get(first),
           "batch_wall_seconds": round(batch, 1), "status": dict(zip(summary["school"], summary["status"]))}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1, default=str))
    print(json.dumps(res, indent=1, default=str))
    return res


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="school,trust,national", help="comma-separated: school,trust,national")
    p.add_argument("--quick", action="store_true", help="school and trust only")
    p.add_argument("--skip-r", action="store_true", help="do not run lme4 with Rscript")
    p.add_argument("--no-reports", action="store_true", help="do not build governor reports")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="results JSON (default benchmarks/out/results.json)")
    p.add_argument("--step-timeout", type=float, default=600.0, help="seconds before a step is stopped")
    p.add_argument("--register-timeout", type=float, default=240.0)
    p.add_argument("--mixedlm-timeout", type=float, default=180.0)
    p.add_argument("--r-timeout", type=float, default=900.0)
    p.add_argument("--repeat-once", action="store_true", help="run every step once (no best-of-n)")
    p.add_argument("--keep-data", action="store_true", help="keep the generated files in the temp folder")
    p.add_argument("--markdown", metavar="RESULTS_JSON", help="print the tables of a results file and exit")
    p.add_argument("--trust-overview", action="store_true",
                   help="only time the trust overview on the shipped sample (library call and notebook build)")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--worker-out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.markdown:
        print(markdown(json.loads(Path(args.markdown).read_text())))
        return 0
    if args.trust_overview:
        res = trust_overview_bench(Path(args.out))
        return 0 if all(v == "ok" for v in res["status"].values()) else 1
    if args.worker:
        res = worker(args.worker, args)
        Path(args.worker_out).write_text(json.dumps(res, default=str))
        return 0

    sizes = ["school", "trust"] if args.quick else [s.strip() for s in args.sizes.split(",") if s.strip()]
    bad = [s for s in sizes if s not in SIZES]
    if bad:
        p.error(f"unknown size(s) {bad}; choose from {', '.join(SIZES)}")
    results = {"command": " ".join([Path(sys.executable).name, "benchmarks/run.py", *(argv or sys.argv[1:])]),
               "started": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(), "sizes": {}}
    raw = argv if argv is not None else sys.argv[1:]
    clean = []
    i = 0
    while i < len(raw):
        if raw[i] in ("--sizes", "--out"):
            i += 2
            continue
        if raw[i] == "--quick" or raw[i].startswith(("--sizes=", "--out=")):
            i += 1
            continue
        clean.append(raw[i])
        i += 1
    for size in sizes:
        print(f"=== {size}", flush=True)
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
            wout = Path(f.name)
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker", size,
                                 "--worker-out", str(wout), *clean], cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        if proc.returncode == 0 and wout.stat().st_size:
            r = json.loads(wout.read_text())
        else:
            r = {"size": size, "error": f"worker exited with {proc.returncode}", "steps": []}
        r["wall_seconds"] = wall
        r["peak_rss_last_step_incl_waited_children_mib"] = round(usage.ru_maxrss / 1024, 1)
        results["sizes"][size] = r
        wout.unlink(missing_ok=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, default=str))
    print(summarise(results))
    print(f"\nresults written to {out}")
    return 0 if all("error" not in r for r in results["sizes"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
