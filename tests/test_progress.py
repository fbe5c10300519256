"""Tests for gtanalytics.progress.

Independent implementations:
* statsmodels OLS (live): coefficients, their SEs and residuals; group CIs recomputed by hand from
  the DfE formula (SD of all pupil residuals with N-1 over sqrt(n), normal quantile: methodology §1.5).
* R lme4 (fixture tests/reference/lme4_reference.csv, see tests/test_multilevel.py for how to
  regenerate): the multilevel group va (BLUP) and se (condVar) through value_added.
* DfE 2024 Progress 8 table values (methodology §2.3-2.5) for benchmark_progress (and its alias
  value_added(method="benchmark")).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.prior_attainment import pair_assessments, prior_band
from gtanalytics.progress import (benchmark_progress, pooled_value_added, predict_expected, va_summary,
                                  value_added)

REF = Path(__file__).parent / "reference"
Z95 = stats.norm.ppf(0.975)


def _cohort(seed=3, n=400):
    rng = np.random.default_rng(seed)
    school = rng.choice(["A", "B", "C", "D"], n)
    cls = rng.choice(["x", "y"], n)
    ks2 = np.round(rng.normal(104, 6, n) * 2) / 2
    dis = rng.random(n) < 0.3
    sen = rng.choice(["N", "K", "E"], n, p=[0.8, 0.15, 0.05])
    eff = pd.Series({"A": 0.4, "B": 0.0, "C": -0.4, "D": 0.1})[school].to_numpy()
    y = -25 + 0.3 * ks2 - 0.5 * dis - 0.6 * (sen != "N") + eff + rng.normal(0, 1, n)
    return pd.DataFrame({"upn": [f"U{i:04d}" for i in range(n)], "school_id": school, "class_name": cls,
                         "ks2": ks2, "disadvantaged": dis, "sen": sen, "gcse": y,
                         "gt_register": rng.random(n) < 0.1})


def test_ols_matches_statsmodels_and_dfe_group_ci():
    import statsmodels.formula.api as smf
    d = _cohort()
    r = value_added(d, outcome="gcse", prior="ks2", by="school_id", covariates=["disadvantaged", "sen"])
    ref = smf.ols("gcse ~ ks2 + disadvantaged + C(sen)", data=d.assign(disadvantaged=d.disadvantaged.astype(float))).fit()
    # statsmodels names C(sen)[T.K]; ours sen[K] — same reference level (E, sorted first)
    ours = r.model.coefficients.set_index("term")
    mapping = {"(Intercept)": "Intercept", "ks2": "ks2", "disadvantaged": "disadvantaged",
               "sen[K]": "C(sen)[T.K]", "sen[N]": "C(sen)[T.N]"}
    for ours_name, sm_name in mapping.items():
        assert ours.loc[ours_name, "estimate"] == pytest.approx(ref.params[sm_name], rel=1e-9, abs=1e-10)
        assert ours.loc[ours_name, "se"] == pytest.approx(ref.bse[sm_name], rel=1e-9)
    np.testing.assert_allclose(r.pupils["va"], ref.resid, atol=1e-9)
    np.testing.assert_allclose(r.pupils["expected"], ref.fittedvalues, atol=1e-9)
    assert r.model.residual_sd == pytest.approx(np.sqrt(ref.scale), rel=1e-12)
    assert r.model.r2 == pytest.approx(ref.rsquared, rel=1e-10)
    # DfE-style group SE: SD of ALL residuals (N-1) / sqrt(n_group)
    sd_all = np.std(ref.resid, ddof=1)
    g = r.groups.set_index("school_id")
    for s, rows in d.groupby("school_id"):
        res = ref.resid[rows.index]
        assert g.loc[s, "n"] == len(rows)
        assert g.loc[s, "va"] == pytest.approx(res.mean(), abs=1e-12)
        assert g.loc[s, "se"] == pytest.approx(sd_all / np.sqrt(len(rows)), rel=1e-12)
        assert g.loc[s, "ci_low"] == pytest.approx(res.mean() - Z95 * sd_all / np.sqrt(len(rows)), abs=1e-12)
        assert g.loc[s, "ci_high"] == pytest.approx(res.mean() + Z95 * sd_all / np.sqrt(len(rows)), abs=1e-12)
    # the planted school differences are found: A above, C below
    assert g.loc["A", "band"] == "above average" and g.loc["C", "band"] == "below average"
    assert list(r.groups.columns) == ["school_id", "n", "va", "se", "ci_low", "ci_high", "band", "low_n", "ci_method"]


def test_group_se_option_polynomial_and_confidence():
    import statsmodels.formula.api as smf
    d = _cohort(seed=5)
    r = value_added(d, outcome="gcse", prior="ks2", by=["school_id", "class_name"], degree=2, se="group",
                    confidence=0.9, group_sd=True)
    ref = smf.ols("gcse ~ ks2 + I(ks2**2)", data=d).fit()
    np.testing.assert_allclose(r.model.coefficients["estimate"], ref.params, rtol=1e-7)
    np.testing.assert_allclose(r.pupils["va"], ref.resid, atol=1e-8)
    assert len(r.groups) == 8
    row = r.groups.iloc[0]
    res = ref.resid[(d.school_id == row.school_id) & (d.class_name == row.class_name)]
    assert row.se == pytest.approx(stats.sem(res), rel=1e-10)  # scipy: group's own SD / sqrt(n)
    assert row.sd == pytest.approx(np.std(res, ddof=1), rel=1e-10)
    assert row.ci_high - row.va == pytest.approx(stats.norm.ppf(0.95) * row.se, rel=1e-12)
    assert "0.9" in row.ci_method or "90%" in row.ci_method


def test_overall_row_missing_rows_and_low_n_are_reported():
    d = _cohort(n=60)
    d.loc[[0, 1], "gcse"] = np.nan
    with pytest.warns(GTWarning, match="2 of 60 pupils"):
        r = value_added(d, outcome="gcse", prior="ks2")
    assert len(r.groups) == 1 and r.groups.n.iloc[0] == 58 and r.model.n_excluded == 2
    assert r.pupils["va"].isna().sum() == 2 and len(r.pupils) == 60
    small = d.iloc[2:12]
    with pytest.warns(GTWarning, match="fewer than 6"):
        r2 = value_added(small, outcome="gcse", prior="ks2", by="school_id", min_n=6)
    assert r2.groups["low_n"].any()
    # the default threshold is the package-wide stats.LOW_N (10)
    with pytest.warns(GTWarning, match="fewer than 10"):
        r3 = value_added(small, outcome="gcse", prior="ks2", by="school_id")
    assert r3.groups["low_n"].tolist() == (r3.groups["n"] < 10).tolist()


def test_bad_input_raises_plain_errors():
    d = _cohort(n=50)
    with pytest.raises(GTDataError, match="'score'"):
        value_added(d, outcome="score", prior="ks2")
    with pytest.raises(GTDataError, match="needs by="):
        value_added(d, outcome="gcse", prior="ks2", method="multilevel")
    with pytest.raises(GTDataError, match="method must be"):
        value_added(d, outcome="gcse", prior="ks2", method="fft")
    with pytest.raises(GTDataError, match="constant"):
        value_added(d.assign(k=1.0), outcome="gcse", prior="ks2", covariates=["k"])


def _lme4(dataset, method, quantity):
    t = pd.read_csv(REF / "lme4_reference.csv", comment="#", keep_default_na=False)
    t = t[(t.dataset == dataset) & (t.method == method) & (t.quantity == quantity)]
    return t.assign(value=t.value.astype(float))


@pytest.mark.parametrize("reml", [True, False])
def test_multilevel_groups_are_lme4_blups(reml):
    d = pd.read_csv(REF / "ml_schools.csv")
    meth = "REML" if reml else "ML"
    r = value_added(d, outcome="y", prior="prior", covariates=["disadvantaged"], by="school",
                    method="multilevel", reml=reml, min_n=1)
    blup = _lme4("schools", meth, "blup")
    assert r.groups["school"].tolist() == blup.term.tolist()
    np.testing.assert_allclose(r.groups["va"], blup.value, atol=1e-4)
    np.testing.assert_allclose(r.groups["se"], _lme4("schools", meth, "blup_se").value, atol=1e-4)
    np.testing.assert_allclose(r.model.coefficients["estimate"], _lme4("schools", meth, "beta").value, atol=1e-4)
    assert r.model.sigma2_between == pytest.approx(_lme4("schools", meth, "sigma2_between").value.iloc[0], abs=1e-4)
    assert r.model.sigma2_within == pytest.approx(_lme4("schools", meth, "sigma2_within").value.iloc[0], abs=1e-4)
    assert r.model.loglik == pytest.approx(_lme4("schools", meth, "loglik").value.iloc[0], abs=1e-4)
    g = r.groups
    np.testing.assert_allclose(g.ci_high - g.va, Z95 * g.se, rtol=1e-12)
    # shrinkage: BLUPs are pulled towards 0 relative to the raw mean residuals
    assert np.all(np.abs(g.va) <= np.abs(g.mean_residual) + 1e-12)
    assert 0 < r.model.icc < 1
    # expected is the fixed part
    X = np.column_stack([np.ones(len(d)), d.prior, d.disadvantaged])
    np.testing.assert_allclose(r.pupils["expected"], X @ r.model.coefficients["estimate"].to_numpy(), rtol=1e-12)


def test_benchmark_p8_worked_example_and_dfe_ci():
    d = pd.DataFrame({"ks2": [105.0] * 30, "a8": [50.0] * 30})
    r = benchmark_progress(d, outcome="a8", prior="ks2", divisor=10)
    assert (r.pupils["pag"] == 19).all()
    assert r.pupils["expected"].iloc[0] == 45.12
    assert r.pupils["va"].iloc[0] == pytest.approx((50 - 45.12) / 10, abs=1e-12)
    g = r.groups.iloc[0]
    # CI half-width at the national 2024 P8 SD with n = 30: +/-0.51 (methodology §2.4)
    assert round(g.ci_high - g.va, 2) == 0.51
    assert g.se == pytest.approx(1.41628 / np.sqrt(30), rel=1e-12)
    assert g.band == "average"  # 0.488 - 0.507 < 0: the interval includes 0
    # in A8 units (divisor 1) the same school: SD x 10, threshold x 10, same band
    r1 = benchmark_progress(d, outcome="a8", prior="ks2")
    assert r1.groups.va.iloc[0] == pytest.approx(4.88) and r1.groups.band.iloc[0] == "average"
    assert r1.groups.se.iloc[0] == pytest.approx(14.1628 / np.sqrt(30))
    d2 = pd.DataFrame({"ks2": [105.0] * 60, "a8": [52.0] * 60})
    r2 = benchmark_progress(d2, outcome="a8", prior="ks2", divisor=10)
    assert round(r2.groups.ci_high.iloc[0] - r2.groups.va.iloc[0], 2) == 0.36
    assert r2.groups.band.iloc[0] == "well above average"  # 0.688 >= 0.5 and lower limit 0.33 > 0
    d3 = pd.DataFrame({"ks2": [105.0] * 150, "a8": [48.0] * 150})
    r3 = benchmark_progress(d3, outcome="a8", prior="ks2", divisor=10)
    assert round(r3.groups.ci_high.iloc[0] - r3.groups.va.iloc[0], 2) == 0.23
    assert r3.groups.band.iloc[0] == "above average"  # 0.288 < 0.5, lower limit 0.06 > 0
    r1b = benchmark_progress(d3, outcome="a8", prior="ks2")  # A8 units: same band
    assert r1b.groups.band.iloc[0] == "above average"
    # the alias value_added(method="benchmark") is the same measure
    a = value_added(d2, outcome="a8", prior="ks2", method="benchmark", divisor=10)
    assert round(a.groups.ci_high.iloc[0] - a.groups.va.iloc[0], 2) == 0.36
    assert a.groups.band.iloc[0] == "well above average"


def test_benchmark_cap_and_custom_table():
    table = pd.DataFrame({"pag": [1, 2, 3], "upper": [8.0, 14.0, 99.0], "ks2_reading": [95.0, 102.0, 109.0]})
    d = pd.DataFrame({"ks1": [6.0, 10.0, 16.0, 16.0], "read": [80.0, 104.0, 110.0, 112.0]})
    r = benchmark_progress(d, outcome="read", prior="ks1", table=table, estimate="ks2_reading",
                           national_sd=6.0, cap=pd.DataFrame({"pag": [1], "min_score": [-10.0]}), min_n=1)
    assert r.pupils["expected"].tolist() == [95.0, 102.0, 109.0, 109.0]
    assert r.pupils["va"].tolist() == [-15.0, 2.0, 1.0, 3.0]
    assert r.pupils["va_capped"].tolist() == [-10.0, 2.0, 1.0, 3.0]
    assert r.groups.va.iloc[0] == pytest.approx((-10 + 2 + 1 + 3) / 4)  # school average uses capped scores
    assert r.groups.se.iloc[0] == pytest.approx(6.0 / 2)
    assert r.groups.band.iloc[0] in {"average", "above average", "below average"}  # no KS2 "well" threshold
    assert r.model.well is None and r.model.se_sd == 6.0


def test_value_added_benchmark_alias_equals_benchmark_progress():
    """value_added(method="benchmark", **options) forwards to benchmark_progress: the same pupils, groups and model."""
    rng = np.random.default_rng(20)
    n = 200
    d = pd.DataFrame({"ks2": np.clip(rng.normal(104, 6, n), 80, 120), "school_id": rng.choice(list("ABC"), n)})
    d["a8"] = np.clip(0.9 * d["ks2"] - 45 + rng.normal(0, 12, n), 0, 90)
    d.loc[3, "a8"] = np.nan
    cap = pd.DataFrame({"pag": range(1, 35), "min_score": -2.5})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        for kw in ({}, dict(divisor=10, cap=cap, se="group", confidence=0.9, group_sd=True),
                   dict(estimate="english", divisor=2, by="school_id", well=None, national_sd=1.2)):
            kw = {"by": None, **kw}
            outcome = "a8"
            new = benchmark_progress(d, outcome=outcome, prior="ks2", **kw)
            old = value_added(d, outcome=outcome, prior="ks2", method="benchmark", **kw)
            pd.testing.assert_frame_equal(new.pupils, old.pupils)
            pd.testing.assert_frame_equal(new.groups, old.groups)
            assert (new.model.se_sd, new.model.divisor, new.model.well, new.model.n) == \
                   (old.model.se_sd, old.model.divisor, old.model.well, old.model.n)
    # benchmark options do not apply to OLS, nor OLS options to the benchmark
    with pytest.raises(TypeError, match="divisor"):
        value_added(d, outcome="a8", prior="ks2", divisor=10)
    with pytest.raises(GTDataError, match="covariates"):
        value_added(d, outcome="a8", prior="ks2", method="benchmark", covariates=["school_id"])


def test_pooled_benchmark_uses_the_national_sd_and_p8_bands():
    rng = np.random.default_rng(7)
    d = pd.DataFrame({"academic_year": np.repeat(["2022/23", "2023/24"], 40), "ks2": 105.0,
                      "a8": 45.12 + 10 * rng.normal(0.7, 1, 80)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        out = pooled_value_added(d, outcome="a8", prior="ks2", method="benchmark", years=2, divisor=10)
    pooled = out.iloc[-1]
    assert pooled.n == 80 and pooled.va == pytest.approx(((d["a8"] - 45.12) / 10).mean(), rel=1e-12)
    assert pooled.se == pytest.approx(1.41628 / np.sqrt(80), rel=1e-12)  # DfE 2024 national P8 SD
    # P8's "well above" threshold (0.5) applies to the pooled row: va 0.69, lower limit 0.38 > 0
    assert pooled.va - Z95 * pooled.se > 0 and pooled.va >= 0.5 and pooled.band == "well above average"


def test_predict_expected_for_new_pupils_and_va_summary():
    d = _cohort()
    r = value_added(d, outcome="gcse", prior="ks2", covariates=["sen"])
    new = d.iloc[:5].drop(columns="gcse")
    np.testing.assert_allclose(predict_expected(r, new), r.pupils["expected"].iloc[:5], rtol=1e-12)
    s = va_summary(r, by={"G&T": "gt_register", "Disadvantaged": "disadvantaged", "SEN x sex": ["sen", "class_name"]})
    assert set(s.breakdown) == {"G&T", "Disadvantaged", "SEN x sex"}
    row = s[(s.breakdown == "Disadvantaged") & (s.level == "True")].iloc[0]
    res = r.pupils.loc[d.disadvantaged, "va"]
    assert row.n == len(res) and row.va == pytest.approx(res.mean())
    assert row.se == pytest.approx(np.std(r.pupils.va, ddof=1) / np.sqrt(len(res)))


def test_prior_bands():
    assert prior_band([99.5, 100, 109.5, 110]).tolist() == ["low", "middle", "middle", "high"]
    assert prior_band([11.5, 12, 17.5, 18], scheme="ks1_levels").tolist() == ["low", "middle", "middle", "high"]
    assert prior_band([84, 85, 115, 116], scheme="standardised").tolist() == ["low", "middle", "middle", "high"]
    t = prior_band(np.arange(1, 10), scheme="tertiles")
    assert t.value_counts().to_dict() == {"low": 3, "middle": 3, "high": 3}
    assert prior_band([np.nan]).isna().all()
    with pytest.raises(GTDataError):
        prior_band([100], scheme="levels")


def test_pair_assessments_long_to_wide():
    a = pd.DataFrame({
        "upn": ["A"] * 6 + ["B"] * 4,
        "academic_year": ["2016/17"] * 3 + ["2020/21"] * 2 + ["2020/21"] + ["2016/17"] * 3 + ["2020/21"],
        "term": ["Summer"] * 10,
        "subject": ["reading", "writing", "maths", "reading", "maths", "writing"] + ["reading", "writing", "maths", "reading"],
        "assessment": ["KS1"] * 3 + ["KS2"] * 3 + ["KS1"] * 3 + ["KS2"],
        "score": [np.nan, 8, 8, 104, 110, 103, 6, 6, 8, 99],
        "result": ["GDS", "EXS", "EXS", "", "", "EXS", "WTS", "WTS", "EXS", ""],
    })
    pupils = pd.DataFrame({"upn": ["A", "B"], "academic_year": ["2020/21", "2020/21"], "gt_register": [True, False]})
    out = pair_assessments(a, pupils, outcome=dict(assessment="KS2", subject=["reading", "maths"]),
                           prior=dict(assessment="KS1", subject=["reading", "writing", "maths"], combine="ks1_aps"))
    assert out.upn.tolist() == ["A"]  # B has no KS2 maths: no outcome (all subjects required)
    assert out.outcome.iloc[0] == 107 and out.prior.iloc[0] == ((10 + 8) / 2 + 8) / 2 and out.gt_register.iloc[0]
    with pytest.raises(GTDataError, match="No assessment rows"):
        pair_assessments(a, outcome=dict(assessment="KS4"), prior=dict(assessment="KS2"))


def test_pooled_three_years_for_a_small_school():
    rng = np.random.default_rng(11)
    rows = []
    for yr, n in (("2021/22", 15), ("2022/23", 15), ("2023/24", 15), ("2020/21", 15)):
        ks2 = rng.normal(104, 6, n)
        rows.append(pd.DataFrame({"academic_year": yr, "ks2": ks2, "gcse": 0.3 * ks2 - 26 + rng.normal(0, 1, n)}))
    d = pd.concat(rows, ignore_index=True)
    out = pooled_value_added(d, outcome="gcse", prior="ks2", small_n=30)
    assert out.period.tolist() == ["2021/22", "2022/23", "2023/24", "pooled"]
    pooled = out.iloc[-1]
    # independent recomputation: per-year OLS residuals (statsmodels), pooled mean, DfE SE with pooled SD
    import statsmodels.formula.api as smf
    res = np.concatenate([smf.ols("gcse ~ ks2", data=d[d.academic_year == y]).fit().resid
                          for y in ("2021/22", "2022/23", "2023/24")])
    assert pooled.n == 45 and pooled.va == pytest.approx(res.mean(), abs=1e-12)
    assert pooled.se == pytest.approx(np.std(res, ddof=1) / np.sqrt(45), rel=1e-12)
    assert not pooled.small_n and out.small_n.iloc[:3].all()
    assert "too few" in out.note.iloc[0] and "2021/22 to 2023/24" in pooled.note and "45 pupils" in pooled.note


def test_national_size_smoke():
    """A 20,000-pupil, 500-school multilevel fit through value_added stays fast (timing is in the report)."""
    rng = np.random.default_rng(1)
    s = rng.integers(0, 500, 20_000)
    prior = rng.normal(0, 1, 20_000)
    d = pd.DataFrame({"school_id": s, "prior": prior, "y": 0.6 * prior + rng.normal(0, 0.3, 500)[s] + rng.normal(0, 1, 20_000)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        r = value_added(d, outcome="y", prior="prior", by="school_id", method="multilevel")
    assert r.model.fit.converged and len(r.groups) == 500
    assert r.model.sigma2_between == pytest.approx(0.09, abs=0.03)
