"""Tests for gtanalytics.trends.

Independent implementations used:
* slope, its SE and interval: ``scipy.stats.linregress`` and statsmodels OLS ``conf_int``;
* difference of a school from the pupil-weighted trust mean: statsmodels OLS on pupil-level
  data with one dummy per school and a ``t_test`` contrast (same pooled SE per school);
* normal interval for a pair's difference: statsmodels ``_zconfint_generic``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.trends import (
    difference_in_differences,
    improvement,
    mentoring_pairs,
    school_comparison,
    year_number,
)

import statsmodels.api as sm
from statsmodels.stats.weightstats import _zconfint_generic  # noqa: E402

YEARS = ["2018/19", "2021/22", "2022/23", "2023/24", "2024/25"]  # COVID years simply absent


def test_slope_matches_linregress_and_statsmodels_with_missing_years():
    d = pd.DataFrame({"academic_year": YEARS, "pct": [41.0, 55.0, 60.0, 68.0, 74.0]})
    res = improvement(d, measure="pct").slopes.iloc[0]
    x = np.array([2018, 2021, 2022, 2023, 2024], float)
    lr = stats.linregress(x, d["pct"])
    assert res["estimate"] == pytest.approx(lr.slope)
    assert res["se"] == pytest.approx(lr.stderr)
    fit = sm.OLS(d["pct"].to_numpy(), sm.add_constant(x)).fit()
    assert (res["ci_low"], res["ci_high"]) == pytest.approx(tuple(fit.conf_int(0.05)[1]))
    assert res["n_years"] == 5 and res["df"] == 3 and res["first_year"] == "2018/19"
    assert np.isnan(res["national_slope"]) and pd.isna(res["compared_with_national"])


def test_faster_than_a_known_national_rate():
    """The Excellence for All comparison: about +7 points a year against +1.4 nationally."""
    d = pd.DataFrame({"academic_year": YEARS[1:], "pct": [48.0, 56.0, 62.0, 69.0]})
    res = improvement(d, measure="pct", national=1.4).slopes.iloc[0]
    fit = sm.OLS(d["pct"].to_numpy(), sm.add_constant(np.arange(4.0))).fit()
    lo, hi = fit.conf_int(0.05)[1]
    assert res["estimate"] == pytest.approx(6.9)
    assert res["difference"] == pytest.approx(6.9 - 1.4)
    assert (res["diff_ci_low"], res["diff_ci_high"]) == pytest.approx((lo - 1.4, hi - 1.4))
    assert res["compared_with_national"] == "faster"


def test_against_a_national_series_uses_overlapping_years():
    school = pd.DataFrame({"academic_year": YEARS[1:], "pct": [48.0, 56.0, 62.0, 69.0],
                           "school_id": "S1"})
    school = pd.concat([school, school.assign(school_id="S2", pct=[50.0, 50.5, 52.0, 51.0])])
    nat = pd.Series([65.0, 59.0, 60.0, 61.0, 61.5, 62.4], index=["2018/19"] + YEARS[1:] + ["2025/26"])
    res = improvement(school, measure="pct", by="school_id", national=nat)
    s1 = res.slopes.set_index("school_id").loc["S1"]
    nlr = stats.linregress([2021, 2022, 2023, 2024], [59.0, 60.0, 61.0, 61.5])
    slr = stats.linregress([2021, 2022, 2023, 2024], [48.0, 56.0, 62.0, 69.0])
    assert s1["national_slope"] == pytest.approx(nlr.slope)
    assert s1["national_se"] == pytest.approx(nlr.stderr)
    assert s1["diff_se"] == pytest.approx(np.hypot(slr.stderr, nlr.stderr))
    v1, v2 = slr.stderr ** 2, nlr.stderr ** 2
    assert s1["diff_df"] == pytest.approx((v1 + v2) ** 2 / (v1 ** 2 / 2 + v2 ** 2 / 2))
    q = stats.t.ppf(0.975, s1["diff_df"])
    assert s1["diff_ci_low"] == pytest.approx(slr.slope - nlr.slope - q * s1["diff_se"])
    assert s1["compared_with_national"] == "faster"
    assert res.slopes.set_index("school_id").loc["S2", "compared_with_national"] == "not significantly different"
    ch = res.changes.query("school_id == 'S1' and year == '2022/23'").iloc[0]
    assert ch["change"] == pytest.approx(8.0) and ch["national_change_per_year"] == pytest.approx(1.0)
    first = res.changes.query("school_id == 'S1' and year == '2021/22'").iloc[0]
    assert np.isnan(first["change"])


def test_year_on_year_change_intervals_and_gaps_in_years():
    d = pd.DataFrame({"academic_year": ["2018/19", "2021/22", "2022/23"], "va": [0.1, 0.7, 1.0],
                      "se": [0.2, 0.25, 0.3]})
    ch = improvement(d, measure="va", se="se").changes
    row = ch.iloc[1]
    assert row["years_elapsed"] == 3 and row["change_per_year"] == pytest.approx(0.2)
    lo, hi = _zconfint_generic(0.6, np.hypot(0.2, 0.25), 0.05, "two-sided")
    assert (row["change_ci_low"], row["change_ci_high"]) == pytest.approx((lo, hi))


def test_trend_bad_input():
    d = pd.DataFrame({"academic_year": ["2022/23", "2022/23"], "pct": [1.0, 2.0]})
    with pytest.raises(GTDataError, match="more than one value"):
        improvement(d, measure="pct")
    with pytest.raises(GTDataError, match="Cannot read"):
        improvement(d.assign(academic_year="last year"), measure="pct")
    with pytest.warns(GTWarning, match="fewer than 3 years"):
        res = improvement(pd.DataFrame({"academic_year": ["2022/23", "2023/24"], "pct": [1.0, 2.0]}),
                          measure="pct")
    assert res.slopes["estimate"].iloc[0] == pytest.approx(1.0) and np.isnan(res.slopes["se"].iloc[0])
    assert year_number(["2023-24", 2019]).tolist() == [2023.0, 2019.0]


def _pupil_residuals(rng, effects=None, sizes=None):
    effects = effects or {"A": 2.0, "B": 0.3, "C": 0.0, "D": -0.2, "E": -2.2}
    sizes = sizes or {"A": 60, "B": 45, "C": 80, "D": 50, "E": 40}
    rows = [(s, effects[s] + rng.normal(0, 3)) for s in effects for _ in range(sizes[s])]
    return pd.DataFrame(rows, columns=["school_id", "resid"])


def _groups_from(pupils: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Group va and an SE from one pooled within-school SD, as an OLS with school dummies gives."""
    fit = sm.OLS(pupils["resid"].to_numpy(), pd.get_dummies(pupils["school_id"]).astype(float)).fit()
    s = float(np.sqrt(fit.scale))
    g = pupils.groupby("school_id")["resid"].agg(n="size", va="mean").reset_index()
    g["se"] = s / np.sqrt(g["n"])
    g["ci_low"], g["ci_high"] = g["va"] - 1.96 * g["se"], g["va"] + 1.96 * g["se"]
    return g, fit


def test_school_comparison_difference_from_trust_mean_matches_ols_contrast():
    pupils = _pupil_residuals(np.random.default_rng(2))
    groups, fit = _groups_from(pupils)
    res = school_comparison(groups).set_index("school_id")
    n = groups.set_index("school_id")["n"]
    w = (n / n.sum()).reindex(sorted(n.index))
    for school in n.index:
        c = -w.to_numpy().copy()
        c[list(w.index).index(school)] += 1
        tt = fit.t_test(c)
        assert res.loc[school, "diff_from_trust"] == pytest.approx(float(tt.effect[0]))
        assert res.loc[school, "diff_se"] == pytest.approx(float(tt.sd[0, 0]))
    assert res.loc["A", "vs_trust_mean"] == "significantly above"
    assert res.loc["E", "vs_trust_mean"] == "significantly below"
    assert res.loc["E", "bottom_quarter"] and res.loc["E", "bottom_quarter_significant"]
    # bottom quarter: va at or below the 25th percentile of the five schools (2nd lowest, by
    # linear interpolation), so the two lowest schools
    lowest_two = set(groups.nsmallest(2, "va")["school_id"])
    assert set(res.index[res["bottom_quarter"]]) == lowest_two
    assert res.loc["A", "rank"] == 1
    assert res["trust_mean"].iloc[0] == pytest.approx(pupils["resid"].mean())


def test_mentoring_pairs_strong_school_helps_weak_school():
    rng = np.random.default_rng(4)
    # maths: A strong, E weak; reading (disadvantaged pupils): D strong, B weak
    maths, _ = _groups_from(_pupil_residuals(rng))
    reading, _ = _groups_from(_pupil_residuals(rng, effects={"A": 0.0, "B": -2.5, "C": 0.2, "D": 2.4,
                                                             "E": 0.1}))
    frame = pd.concat([maths.assign(measure="maths", group="all"),
                       reading.assign(measure="reading", group="disadvantaged")], ignore_index=True)
    pairs = mentoring_pairs(frame, strata=["measure", "group"])
    best = pairs.loc[pairs["choice"] == 1, ["measure", "mentor_school", "mentee_school"]].values.tolist()
    assert ["maths", "A", "E"] in best and ["reading", "D", "B"] in best
    row = pairs.query("measure == 'reading' and mentor_school == 'D' and mentee_school == 'B'").iloc[0]
    a = reading.set_index("school_id").loc["D"]
    b = reading.set_index("school_id").loc["B"]
    lo, hi = _zconfint_generic(a["va"] - b["va"], np.hypot(a["se"], b["se"]), 0.05, "two-sided")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi))
    assert row["estimate"] == pytest.approx(a["va"] - b["va"]) and row["n"] == a["n"] + b["n"]
    assert "school D" in row["evidence"] and "school B" in row["evidence"]
    assert f"{a['va']:+.2f}" in row["evidence"] and "significantly below" in row["evidence"]
    # nobody significantly weak: no pairs, same columns
    flat = maths.assign(va=0.0)
    none = mentoring_pairs(flat)
    assert none.empty and "evidence" in none.columns


def test_school_comparison_accepts_value_added_result():
    from gtanalytics import progress
    rng = np.random.default_rng(8)
    n = 300
    df = pd.DataFrame({"school_id": rng.choice(list("PQRS"), n), "prior": rng.normal(100, 15, n)})
    df["outcome"] = 0.8 * df["prior"] + df["school_id"].map({"P": 3, "Q": 0, "R": 0, "S": -3}) + rng.normal(0, 5, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        va = progress.value_added(df, outcome="outcome", prior="prior", by="school_id")
    res = school_comparison(va)
    assert set(res["school_id"]) == set("PQRS")
    assert res.set_index("school_id").loc["P", "rank"] == 1


def test_difference_in_differences_matches_pooled_t_test():
    """Without strata the estimator is the pooled two-sample t test of the changes (scipy)."""
    rng = np.random.default_rng(12)
    d = pd.DataFrame({"pre": rng.normal(100, 15, 50), "t": rng.random(50) < 0.4})
    d["post"] = d["pre"] + rng.normal(2, 5, 50) + 4 * d["t"]
    d.loc[3, "post"] = np.nan  # a unit without an "after" value is left out (and counted if treated)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        res = difference_in_differences(d, before="pre", after="post", treated="t").iloc[0]
    ok = d.dropna()
    ch = ok["post"] - ok["pre"]
    ref = stats.ttest_ind(ch[ok["t"]], ch[~ok["t"]], equal_var=True)
    ci = ref.confidence_interval(0.95)
    assert res["estimate"] == pytest.approx(ch[ok["t"]].mean() - ch[~ok["t"]].mean())
    assert (res["ci_low"], res["ci_high"], res["p_value"]) == pytest.approx((ci.low, ci.high, ref.pvalue))
    assert res["n_treatment"] + res["n_comparison"] == res["n"] == 49
    assert res["n_excluded"] == int(d.loc[3, "t"])


# ----------------------------------------------------------------------------- sample trust
def _sample_maths(sample):
    a = sample.assessments
    s = a.loc[(a["score_type"] == "standardised") & (a["subject"] == "maths")]
    return s.merge(sample.pupils[["upn", "academic_year", "school_id", "disadvantaged"]],
                   on=["upn", "academic_year"])


def test_sample_narrowing_school_mentors_widening_school(sample):
    """PLANTED: the disadvantage gap narrows in one school and widens in another; over 2023/24
    the first is strong and the second weak for disadvantaged pupils, so the first should mentor."""
    from gtanalytics import progress
    from gtanalytics.datasets import PLANTED

    strong = PLANTED["disadvantage_gap"]["narrowing"]["school_id"]
    weak = PLANTED["disadvantage_gap"]["widening"]["school_id"]
    s = _sample_maths(sample)
    pre = s.loc[(s["academic_year"] == "2022/23") & (s["term"] == "Autumn"), ["upn", "score"]]
    post = s.loc[(s["academic_year"] == "2023/24") & (s["term"] == "Summer"),
                 ["upn", "score", "school_id", "disadvantaged"]]
    df = post.merge(pre.rename(columns={"score": "prior"}), on="upn").rename(columns={"score": "outcome"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        va = progress.value_added(df, outcome="outcome", prior="prior", by=["school_id", "disadvantaged"])
    pairs = mentoring_pairs(va.groups, strata=["disadvantaged"])
    dis = pairs.loc[pairs["disadvantaged"].astype(bool)]
    top = dis.loc[(dis["mentee_school"] == weak) & (dis["choice"] == 1)]
    assert top["mentor_school"].tolist() == [strong], dis[["mentor_school", "mentee_school", "estimate"]]
    assert (top["ci_low"] > 0).all()
    comp = school_comparison(va.groups, strata=["disadvantaged"])
    row = comp.loc[comp["disadvantaged"].astype(bool) & (comp["school_id"] == weak)].iloc[0]
    assert row["bottom_quarter_significant"]


def test_sample_gap_trend_direction(sample):
    """PLANTED: the disadvantage gap widens in one school (negative slope of the gap, the most
    negative in the trust) and narrows in another (positive slope)."""
    from gtanalytics.datasets import PLANTED

    s = _sample_maths(sample)
    s = s.loc[s["term"] == "Summer"]
    m = s.groupby(["school_id", "academic_year", "disadvantaged"])["score"].mean().unstack("disadvantaged")
    gaps = (m[True] - m[False]).rename("gap").reset_index()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        slopes = improvement(gaps, measure="gap", by="school_id").slopes.set_index("school_id")["estimate"]
    assert slopes[PLANTED["disadvantage_gap"]["widening"]["school_id"]] == slopes.min() < 0
    assert slopes[PLANTED["disadvantage_gap"]["narrowing"]["school_id"]] > 0
