"""Tests of gtanalytics.gaps against independent implementations.

* Welch gaps: scipy.stats.ttest_ind(equal_var=False), its ``df`` and ``confidence_interval()``.
* Threshold gaps: statsmodels ``confint_proportions_2indep`` (method="newcomb" / "wald"); the
  Wilson and Newcombe helpers themselves are checked in ``tests/test_stats.py``.
* Gap index: the hand-worked example in methodology.md §3.2 (7.08); its interval against
  scipy.stats.brunnermunzel (statistic and p-value).
* Gap trends: the change in gap against the interaction coefficient of a saturated OLS model with
  HC2 standard errors (statsmodels), whose HC2 cell variances are exactly s²/n; group trajectories
  against scipy.stats.ttest_1samp(...).confidence_interval().
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.gap_trends import gap_trend, national_gap_index
from gtanalytics.gaps import excellence_gap, gap, gap_index, threshold_gap, value_added_gap
from gtanalytics._stats import LOW_N


def _two_groups(rng, n1, n2, shift=-4.0, by=None):
    rng = np.random.default_rng(rng)
    d = pd.DataFrame({
        "score": np.r_[rng.normal(100 + shift, 6, n1), rng.normal(100, 9, n2)],
        "disadvantaged": np.r_[np.ones(n1, bool), np.zeros(n2, bool)],
    })
    if by is not None:
        d["school_id"] = by
    return d


@pytest.mark.parametrize("n1,n2,conf", [(7, 25, 0.95), (30, 12, 0.9), (3, 4, 0.99)])
def test_gap_matches_scipy_welch(n1, n2, conf):
    d = _two_groups(1, n1, n2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        r = gap(d, outcome="score", group="disadvantaged", focus=True, confidence=conf).iloc[0]
    f = d.loc[d.disadvantaged, "score"]
    o = d.loc[~d.disadvantaged, "score"]
    ref = stats.ttest_ind(f, o, equal_var=False)
    ci = ref.confidence_interval(confidence_level=conf)
    assert r["gap"] == pytest.approx(f.mean() - o.mean(), rel=1e-12)
    assert r["gap"] / r["se"] == pytest.approx(ref.statistic, rel=1e-10)
    assert r["df"] == pytest.approx(ref.df, rel=1e-10)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-10)
    assert r["low_n"] == (min(n1, n2) < LOW_N)
    assert "Welch" in r["ci_method"]


def test_gap_by_groups_and_exclusions():
    d = pd.concat([_two_groups(2, 10, 20, by="A"), _two_groups(3, 8, 15, shift=2, by="B")], ignore_index=True)
    d.loc[0, "score"] = np.nan
    r = gap(d, outcome="score", group="disadvantaged", focus=True, by="school_id", min_n=6)
    assert list(r["school_id"]) == ["A", "B"]
    assert list(r["n_focus"]) == [9, 8] and list(r["n_excluded"]) == [1, 0]
    b = d[d.school_id == "B"]
    ref = stats.ttest_ind(b.score[b.disadvantaged], b.score[~b.disadvantaged], equal_var=False)
    assert r.loc[1, "ci_low"] == pytest.approx(ref.confidence_interval().low)


def test_gap_small_group_warns_and_flags():
    d = _two_groups(4, 3, 20)
    with pytest.warns(GTWarning, match="fewer than 6"):
        r = gap(d, outcome="score", group="disadvantaged", focus=True, min_n=6)
    assert bool(r["low_n"][0])
    # the default threshold is stats.LOW_N (10): 9 pupils are too few to conclude
    d = _two_groups(4, 9, 20)
    with pytest.warns(GTWarning, match=f"fewer than {LOW_N} pupils"):
        r = gap(d, outcome="score", group="disadvantaged", focus=True)
    assert LOW_N == 10 and bool(r["low_n"][0])


def test_gap_bad_input_messages():
    d = _two_groups(5, 10, 10)
    with pytest.raises(GTDataError, match="no column 'ks2'"):
        gap(d, outcome="ks2", group="disadvantaged", focus=True)
    with pytest.raises(GTDataError, match="No row has disadvantaged == 'Y'"):
        gap(d, outcome="score", group="disadvantaged", focus="Y")
    d2 = d.astype({"score": object})
    d2.loc[0, "score"] = "absent"
    with pytest.raises(GTDataError, match="must be numeric"):
        gap(d2, outcome="score", group="disadvantaged", focus=True)


def test_value_added_gap_accepts_result_object():
    d = _two_groups(6, 12, 30).rename(columns={"score": "va"})
    d["va"] -= d["va"].mean()

    class Result:  # the shape of gtanalytics.progress.value_added(...)
        pupils = d

    a = value_added_gap(Result(), group="disadvantaged", focus=True)
    b = gap(d, outcome="va", group="disadvantaged", focus=True)
    assert a["gap"][0] == pytest.approx(b["gap"][0]) and a["ci_low"][0] == pytest.approx(b["ci_low"][0])
    assert a["ci_method"][0].startswith("difference in mean pupil value added")


# ------------------------------------------------------------------ proportions
@pytest.mark.parametrize("x1,n1,x2,n2", [(10, 40, 20, 45), (0, 12, 9, 30), (15, 15, 3, 20), (56, 70, 48, 80)])
@pytest.mark.parametrize("method,sm_method", [("newcombe", "newcomb"), ("wald", "wald")])
def test_threshold_gap_matches_statsmodels(x1, n1, x2, n2, method, sm_method):
    from statsmodels.stats.proportion import confint_proportions_2indep

    d = pd.DataFrame({
        "ks2": [105] * x1 + [95] * (n1 - x1) + [100] * x2 + [99] * (n2 - x2),
        "dis": ["Y"] * n1 + ["N"] * n2,
    })
    r = threshold_gap(d, outcome="ks2", group="dis", focus="Y", threshold=100, method=method).iloc[0]
    lo, hi = confint_proportions_2indep(x1, n1, x2, n2, method=sm_method, compare="diff")
    assert (r["x_focus"], r["x_other"]) == (x1, x2)
    assert r["gap"] == pytest.approx(100 * (x1 / n1 - x2 / n2))
    assert r["ci_low"] == pytest.approx(100 * lo, abs=1e-9)
    assert r["ci_high"] == pytest.approx(100 * hi, abs=1e-9)
    # se: the Wald standard error, half of statsmodels' Wald interval over z
    wlo, whi = confint_proportions_2indep(x1, n1, x2, n2, method="wald", compare="diff")
    assert r["se"] == pytest.approx(100 * (whi - wlo) / (2 * 1.959963984540054), rel=1e-9)


def test_threshold_gap_on_flag_column_and_error():
    d = pd.DataFrame({"met": [True, False, True, True, False, False, True, False],
                      "dis": [1, 1, 1, 1, 0, 0, 0, 0]})
    r = threshold_gap(d, outcome="met", group="dis", focus=1, min_n=2)
    assert r["pct_focus"][0] == 75 and r["pct_other"][0] == 25 and r["gap"][0] == 50
    d["score"] = [100, 90, 101, 99, 98, 97, 96, 95]
    with pytest.raises(GTDataError, match="threshold="):
        threshold_gap(d, outcome="score", group="dis", focus=1)


# ------------------------------------------------------------------ gap index
TOY = pd.DataFrame({"score": [95, 98, 100, 100, 103, 105, 107, 108, 110, 112],
                    "dis": [1, 1, 0, 1, 0, 0, 1, 0, 0, 0]})


def test_gap_index_hand_worked_example():
    """methodology.md §3.2: mean p 0.3375 (disadvantaged), 0.6917 (other), gap index 7.08."""
    r = gap_index(TOY, score="score", group="dis", focus=1, min_n=2).iloc[0]
    assert r["mean_pct_focus"] == pytest.approx(0.3375)
    assert r["mean_pct_other"] == pytest.approx(0.691667, abs=1e-6)
    assert round(r["estimate"], 2) == 7.08
    assert not r["comparable_with_national"] and "NOT comparable" in r["reference"]


@pytest.mark.parametrize("seed", [0, 1])
def test_gap_index_interval_matches_brunner_munzel(seed):
    d = _two_groups(seed, 14, 31).round({"score": 0})  # rounding makes ties
    r = gap_index(d, score="score", group="disadvantaged", focus=True, by=None).iloc[0]
    f, o = d.score[d.disadvantaged], d.score[~d.disadvantaged]
    bm = stats.brunnermunzel(f, o)
    assert r["estimate"] / r["se"] == pytest.approx(bm.statistic, rel=1e-10)
    assert 2 * stats.t.sf(abs(r["estimate"] / r["se"]), r["df"]) == pytest.approx(bm.pvalue, rel=1e-8)
    # the index is 10 x (1 - 2 P(focus > other) - P(tie)): the Mann-Whitney AUC
    auc = stats.mannwhitneyu(f, o).statistic / (len(f) * len(o))
    assert r["estimate"] == pytest.approx(10 * (1 - 2 * auc))


def test_gap_index_national_lookup():
    table = pd.DataFrame({"score": TOY.score.unique()})
    table["percentile"] = np.linspace(0.05, 0.95, len(table))
    r = gap_index(TOY, score="score", group="dis", focus=1, percentile=table, min_n=2).iloc[0]
    p = TOY.score.map(table.set_index("score").percentile)
    assert r["estimate"] == pytest.approx(20 * (p[TOY.dis == 0].mean() - p[TOY.dis == 1].mean()))
    ref = stats.ttest_ind(20 * p[TOY.dis == 0], 20 * p[TOY.dis == 1], equal_var=False).confidence_interval()
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((ref.low, ref.high))
    assert r["comparable_with_national"]
    with pytest.raises(GTDataError, match="not in the national percentile table"):
        gap_index(TOY, score="score", group="dis", focus=1, percentile=table.iloc[:3])


def test_national_gap_index_reference():
    ks2, ks4 = national_gap_index("KS2"), national_gap_index("ks4")
    assert ks2.set_index("year").loc[2011, "gap_index"] == pytest.approx(3.3408)
    assert ks4.set_index("year").loc[2019, "gap_index"] == pytest.approx(3.70)
    assert set(ks2.status) | set(ks4.status) <= {"CONFIRMED", "SECONDARY", "UNCONFIRMED"}
    assert (ks2.set_index("year").loc[[2016, 2017, 2018], "status"] == "UNCONFIRMED").all()
    assert ks2.source.str.len().gt(0).all()


# ------------------------------------------------------------------ excellence gap
def test_excellence_gap_is_gap_among_high_prior_attainers():
    rng = np.random.default_rng(7)
    d = pd.DataFrame({"ks2": rng.normal(105, 7, 200).round(), "dis": rng.random(200) < 0.3})
    d["gcse"] = (d.ks2 - 100) / 3 + 4 - 0.8 * d.dis + rng.normal(0, 1, 200)
    r = excellence_gap(d, outcome="gcse", group="dis", focus=True, prior="ks2", prior_cutoff=110)
    ref = gap(d[d.ks2 >= 110], outcome="gcse", group="dis", focus=True)
    assert r["gap"][0] == pytest.approx(ref["gap"][0]) and r["ci_high"][0] == pytest.approx(ref["ci_high"][0])
    top = excellence_gap(d, outcome="gcse", group="dis", focus=True, prior="ks2", top_share=0.25, threshold=7)
    k = d.ks2.rank(ascending=False, method="min") <= 50
    assert top["n_focus"][0] + top["n_other"][0] == k.sum()
    adv = excellence_gap(d, outcome="ks2", group="dis", focus=True, threshold=110)
    assert adv["pct_focus"][0] == pytest.approx(100 * (d.ks2[d.dis] >= 110).mean())
    with pytest.raises(GTDataError, match="exactly one of"):
        excellence_gap(d, outcome="gcse", group="dis", focus=True, prior="ks2")


# ------------------------------------------------------------------ trends
def _trend_data(rng, means, n=(40, 60)):
    """means: {year: (focus mean, other mean)}; successive independent cohorts."""
    rng = np.random.default_rng(rng)
    parts = []
    for y, (mf, mo) in means.items():
        parts.append(pd.DataFrame({"academic_year": y, "dis": np.r_[np.ones(n[0], bool), np.zeros(n[1], bool)],
                                   "score": np.r_[rng.normal(mf, 5, n[0]), rng.normal(mo, 6, n[1])]}))
    return pd.concat(parts, ignore_index=True)


def test_gap_trend_change_se_matches_ols_hc2():
    import statsmodels.formula.api as smf

    d = _trend_data(11, {"2021/22": (97, 104), "2022/23": (99, 104), "2023/24": (102, 105)})
    t = gap_trend(d, outcome="score", group="dis", focus=True)
    ends = d[d.academic_year.isin(["2021/22", "2023/24"])].assign(last=lambda x: x.academic_year == "2023/24")
    fit = smf.ols("score ~ dis * last", data=ends.astype({"dis": int, "last": int})).fit(cov_type="HC2")
    row = t.change.iloc[0]
    assert row["estimate"] == pytest.approx(fit.params["dis:last"])
    assert row["se"] == pytest.approx(fit.bse["dis:last"], rel=1e-10)
    # each group's own trajectory: one-sample t intervals
    g = t.groups.query("academic_year == '2022/23' and group == 'focus'").iloc[0]
    ci = stats.ttest_1samp(d.score[(d.academic_year == "2022/23") & d.dis], 0).confidence_interval()
    assert (g["ci_low"], g["ci_high"]) == pytest.approx((ci.low, ci.high))
    assert len(t.gaps) == 3 and len(t.groups) == 6


@pytest.mark.parametrize("means,expected", [
    ({"2022/23": (96, 106), "2023/24": (103, 106)}, "narrowing because the focus group improved"),
    ({"2022/23": (96, 106), "2023/24": (96, 99)}, "narrowing because the other group fell"),
    ({"2022/23": (96, 106), "2023/24": (100, 103)}, "narrowing: the focus group improved and the other group fell"),
    ({"2022/23": (100, 103), "2023/24": (94, 104)}, "widening"),
    ({"2022/23": (98, 103), "2023/24": (98.5, 103.2)}, "no clear change"),
])
def test_gap_trend_classification(means, expected):
    d = _trend_data(3, means, n=(80, 120))
    t = gap_trend(d, outcome="score", group="dis", focus=True)
    assert t.change["classification"][0] == expected
    assert t.change["explanation"][0].startswith("Gap ")


def test_gap_trend_national_comparison_and_errors():
    d = _trend_data(5, {"2022/23": (97, 104), "2023/24": (99, 104)})
    t = gap_trend(d, outcome="score", group="dis", focus=True, national="KS2")
    assert list(t.national["year"]) == [2023, 2024]
    assert list(t.national["national_gap_index"]) == pytest.approx([3.21, 3.13])
    assert "NOT comparable" in t.national["reference"][0]
    with pytest.raises(GTDataError, match="at least two values"):
        gap_trend(d[d.academic_year == "2023/24"], outcome="score", group="dis", focus=True)


def test_gap_trend_followed_pupils_matches_scipy_paired_and_welch():
    rng = np.random.default_rng(21)
    n = 90
    dis = rng.random(n) < 0.35
    base = rng.normal(100, 12, n) - 6 * dis
    d = pd.concat([
        pd.DataFrame({"upn": np.arange(n), "academic_year": "2021/22", "dis": dis, "score": base}),
        pd.DataFrame({"upn": np.arange(n), "academic_year": "2022/23", "dis": dis,
                      "score": base + rng.normal(1, 3, n)}),
        pd.DataFrame({"upn": np.arange(n - 5), "academic_year": "2023/24", "dis": dis[:-5],
                      "score": base[:-5] + 2 + 5 * dis[:-5] + rng.normal(0, 3, n - 5)}),
    ], ignore_index=True)
    t = gap_trend(d, outcome="score", group="dis", focus=True, pupil="upn")
    r = t.change.iloc[0]
    x1 = d[d.academic_year == "2021/22"].set_index("upn").score.iloc[: n - 5]
    x2 = d[d.academic_year == "2023/24"].set_index("upn").score
    f = dis[: n - 5]
    ref = stats.ttest_ind((x2 - x1)[f], (x2 - x1)[~f], equal_var=False)
    assert r["estimate"] == pytest.approx((x2 - x1)[f].mean() - (x2 - x1)[~f].mean())
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(tuple(ref.confidence_interval()))
    paired = stats.ttest_rel(x2[f], x1[f]).confidence_interval()
    assert (r["focus_ci_low"], r["focus_ci_high"]) == pytest.approx((paired.low, paired.high))
    assert r["n_focus"] + r["n_other"] == n - 5
    assert r["classification"] == "narrowing because the focus group improved"
    dup = pd.concat([d, d.head(1)])
    with pytest.raises(GTDataError, match="several"):
        gap_trend(dup, outcome="score", group="dis", focus=True, pupil="upn")


def test_gap_that_closes_and_reverses_counts_as_narrowing():
    d = _trend_data(9, {"2022/23": (99, 102), "2023/24": (106, 103)}, n=(80, 120))
    r = gap_trend(d, outcome="score", group="dis", focus=True).change.iloc[0]
    assert r["gap_first"] < 0 < r["gap_last"]
    assert r["classification"] == "narrowing because the focus group improved"
    assert r["explanation"].endswith("the gap has reversed.")


# ------------------------------------------------------------------ the sample trust
def _sample_gap_trends(data):
    """Gap trends on each school's summer standardised tests, following the same pupils."""
    a, p = data.assessments, data.pupils
    s = a[(a.score_type == "standardised") & (a.term == "Summer")].merge(
        p[["upn", "academic_year", "school_id", "disadvantaged"]], on=["upn", "academic_year"])
    out = {}
    for subject in ("reading", "maths"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GTWarning)
            t = gap_trend(s[s.subject == subject], outcome="score", group="disadvantaged", focus=True,
                          by="school_id", pupil="upn")
        out[subject] = t.change.set_index("school_id")
    return out


def test_sample_planted_narrowing_and_widening_found(sample):
    from gtanalytics.datasets import PLANTED

    narrow = PLANTED["disadvantage_gap"]["narrowing"]["school_id"]
    widen = PLANTED["disadvantage_gap"]["widening"]["school_id"]
    for subject, change in _sample_gap_trends(sample).items():
        assert change.loc[narrow, "classification"] == "narrowing because the focus group improved", subject
        assert change.loc[narrow, "ci_low"] > 0
        assert change.loc[widen, "classification"] == "widening", subject
        assert change.loc[widen, "ci_high"] < 0


def test_national_attainment_reference_has_status_and_source_per_value():
    from gtanalytics.reference import load_reference

    t = load_reference("national_attainment")
    assert set(t.status) <= {"CONFIRMED", "SECONDARY", "UNCONFIRMED"} and t.source.str.startswith("http").all()
    ks2 = t[(t.key_stage == "KS2") & (t.measure == "RWM expected standard")].set_index("year")["value"]
    assert ks2.loc[2024] == 61 and ks2.loc[2019] == 65  # methodology.md §1.8


def test_gap_by_group_equals_welch_group_by_group():
    """The vectorised gap(by=) equals stats.welch_diff (checked against scipy) applied per group,
    including blank group labels, groups without a focus pupil and groups of one."""
    from gtanalytics._stats import welch_diff

    rng = np.random.default_rng(7)
    n = 400
    d = pd.DataFrame({"score": rng.normal(100, 15, n), "dis": rng.random(n) < 0.3,
                      "school": rng.choice(["a", "b", "c", "d", None], n)})
    d.loc[d["school"] == "d", "dis"] = False            # a school with no focus pupil
    d.loc[rng.choice(n, 20, replace=False), "score"] = np.nan
    d = pd.concat([d, pd.DataFrame({"score": [90.0], "dis": [True], "school": ["e"]})], ignore_index=True)
    with pytest.warns(GTWarning):
        got = gap(d, outcome="score", group="dis", focus=True, by="school")
    for _, row in got.iterrows():
        sub = d[d["school"].isna()] if pd.isna(row["school"]) else d[d["school"] == row["school"]]
        use = sub.dropna(subset=["score"])
        ref = welch_diff(use.loc[use["dis"], "score"], use.loc[~use["dis"], "score"])
        assert row["n_focus"] == ref["n1"] and row["n_other"] == ref["n2"]
        assert row["n_excluded"] == sub["score"].isna().sum()
        for ours, theirs in [("mean_focus", "mean1"), ("mean_other", "mean2"), ("gap", "diff"), ("se", "se"),
                             ("df", "df"), ("ci_low", "ci_low"), ("ci_high", "ci_high")]:
            assert np.isclose(row[ours], ref[theirs], rtol=1e-12, atol=1e-12, equal_nan=True), (row["school"], ours)
    assert len(got) == 6
