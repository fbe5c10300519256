"""Tests for gtanalytics.interventions.

Independent checks: statsmodels (OLS with the same design, DescrStatsW, CompareMeans) and scipy
(paired t) recompute every interval live; the judgement and regression-to-the-mean rules are checked on
a synthetic school with planted effects and on the sample trust.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from gtanalytics.effects import ratio_gain, ratio_gain_band
from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.comparison import comparison_data, match_comparison, school_calendar
from gtanalytics.interventions import intervention_impact, mini_review, termly_review


def make_school(seed=1, n_per_year=220, effect_boost=6.0, effect_null=0.0, n_sel=40):
    """One school, years 3-4, termly maths tests (Autumn, Spring, Summer 2023/24) with SD about 15.
    'Boost' (Spring, LSA-1) adds ``effect_boost`` points to the Summer test; 'Null' (Spring, LSA-2)
    adds ``effect_null``. Together they take 2 x ``n_sel`` pupils at random among the 4 x ``n_sel`` with the
    lowest Autumn scores (selection on an observed low score: regression to the mean)."""
    rng = np.random.default_rng(seed)
    pupils, tests = [], []
    for yg in (3, 4):
        for i in range(n_per_year):
            upn = f"P{yg}{i:04d}"
            pupils.append(dict(upn=upn, academic_year="2023/24", school_id="S1", year_group=yg,
                               disadvantaged=bool(rng.random() < 0.3), forename=f"F{i}", surname=f"S{i}"))
    pupils = pd.DataFrame(pupils)
    ability = rng.normal(100, 13, len(pupils))
    for term in ("Autumn", "Spring", "Summer"):
        tests.append(pd.DataFrame({"upn": pupils["upn"], "academic_year": "2023/24", "term": term,
                                   "subject": "maths", "assessment": "PUMA", "score_type": "standardised",
                                   "score": ability + rng.normal(0, 7, len(pupils))}))
    tests = pd.concat(tests, ignore_index=True)
    aut = tests[tests["term"] == "Autumn"].set_index("upn")["score"]
    lowest = rng.choice(aut.sort_values().index[: 4 * n_sel].to_numpy(), 2 * n_sel, replace=False)
    rows = []
    for prog, staff, ids, eff in (("Boost", "LSA-1", lowest[:n_sel], effect_boost),
                                  ("Null", "LSA-2", lowest[n_sel:], effect_null)):
        summer = (tests["term"] == "Summer") & tests["upn"].isin(ids)
        tests.loc[summer, "score"] += eff
        for u in ids:
            pre = aut[u] + rng.normal(0, 3)
            rows.append(dict(programme=prog, upn=u, staff=staff, staff_role="LSA", subject="maths",
                             start_date="2024-01-08", end_date="2024-03-22", sessions_planned=30,
                             sessions_attended=int(rng.integers(20, 31)), measure="standardised",
                             pre_score=pre, post_score=pre + 3 + eff + rng.normal(0, 4), cost=240.0,
                             selection="low pre-score"))
    return pd.DataFrame(rows), pupils, tests


@pytest.fixture(scope="module")
def school():
    return make_school()


def quiet(f, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        return f(*a, **k)


def test_school_calendar_boundaries():
    cal = school_calendar(["2023-09-01", "2023-10-31", "2023-11-01", "2024-01-02", "2024-02-20", "2024-02-21",
                           "2024-04-14", "2024-04-15", "2024-05-31", "2024-06-01", "2024-08-31", None])
    assert cal["half_term"].tolist()[:11] == ["Aut1", "Aut1", "Aut2", "Spr1", "Spr1", "Spr2", "Spr2", "Sum1",
                                              "Sum1", "Sum2", "Sum2"]
    assert cal["term"].tolist()[:11] == ["Autumn"] * 3 + ["Spring"] * 4 + ["Summer"] * 4
    assert set(cal["academic_year"].iloc[:11]) == {"2023/24"}
    assert cal["term_index"].iloc[0] == 2023 * 3 and cal["term_index"].iloc[10] == 2023 * 3 + 2
    assert pd.isna(cal["half_term"].iloc[11])


def test_ratio_gain_and_brooks_bands():
    """Ratio gain = months gained / months elapsed (Brooks); bands at 1.4 / 2 / 3 (UNCONFIRMED, configurable)."""
    assert ratio_gain(96, 108, 6) == 2.0
    assert np.isnan(ratio_gain(96, 108, 0))
    assert ratio_gain_band([1.0, 1.39, 1.4, 1.99, 2.0, 2.99, 3.0, np.nan]) == [
        "modest", "modest", "useful", "useful", "substantial", "substantial", "remarkable", "not available"]
    assert ratio_gain_band(1.5, thresholds=(1.6, 2.5, 3.5)) == "modest"
    with pytest.raises(GTDataError):
        ratio_gain_band(1.0, thresholds=(2, 1, 3))
    iv = pd.DataFrame({"programme": "Read", "upn": [f"u{i}" for i in range(12)], "staff": "T",
                       "start_date": "2024-01-08", "end_date": "2024-07-08", "measure": "age_months",
                       "pre_score": np.arange(90, 102), "post_score": np.arange(90, 102) + np.arange(6, 18)})
    r = intervention_impact(iv, comparison=None).iloc[0]
    elapsed = (pd.Timestamp("2024-07-08") - pd.Timestamp("2024-01-08")).days / (365.25 / 12)
    assert r["ratio_gain"] == pytest.approx(np.mean(np.arange(6, 18) / elapsed))
    assert r["ratio_gain_band"] == ratio_gain_band(r["ratio_gain"])


def test_paired_gain_matches_statsmodels(school):
    """Mean gain and its paired t interval = statsmodels DescrStatsW(gain).tconfint_mean()."""
    from statsmodels.stats.weightstats import DescrStatsW

    iv, _, _ = school
    r = quiet(intervention_impact, iv, comparison=None).set_index("programme")
    for prog in ("Boost", "Null"):
        g = iv[iv["programme"] == prog]
        gain = g["post_score"] - g["pre_score"]
        lo, hi = DescrStatsW(gain.to_numpy()).tconfint_mean(alpha=0.05)
        assert r.loc[prog, "gain"] == pytest.approx(gain.mean())
        assert (r.loc[prog, "gain_ci_low"], r.loc[prog, "gain_ci_high"]) == pytest.approx((lo, hi))
        assert r.loc[prog, "attendance_rate"] == pytest.approx(g["sessions_attended"].sum() / (30 * len(g)))
        assert r.loc[prog, "sessions_per_week"] == pytest.approx((g["sessions_attended"] / (74 / 7)).mean())


def same_rule(data):
    """Comparison pupils held to the participants' selection rule: a test before within their range."""
    t = data[data["treated"]]
    return data[data["treated"] | data["pre"].between(t["pre"].min(), t["pre"].max())]


def test_regression_comparison_matches_statsmodels(school):
    """Effect against the comparison group = statsmodels OLS post ~ treated + pre + disadvantaged +
    C(year_group) on the analysis frame (comparison pupils with a test before in the participants' range; no
    earlier terms here, so the earlier-score columns are aliased and dropped); es = effect / SD(post) over all
    pupils before that restriction (EEF unconditional SD); balance = standardised mean difference of the test
    before with the two groups' variances averaged (Austin 2009), recomputed with numpy."""
    import statsmodels.formula.api as smf
    iv, pupils, tests = school
    r = quiet(intervention_impact, iv, pupils=pupils, assessments=tests).set_index("programme")
    full = comparison_data(iv[iv["programme"] == "Boost"], pupils=pupils, assessments=tests, all_interventions=iv)
    assert full["treated"].sum() == 40 and not full.loc[~full["treated"], "upn"].isin(iv["upn"]).any()
    data = same_rule(full)
    d = data.assign(t=data["treated"].astype(float), dis=data["disadvantaged"].astype(float))
    fit = smf.ols("post ~ t + pre + dis + C(year_group)", data=d).fit()
    lo, hi = fit.conf_int().loc["t"]
    row = r.loc["Boost"]
    assert row["n_comparison"] == (~data["treated"]).sum() < (~full["treated"]).sum()
    assert row["effect"] == pytest.approx(fit.params["t"], rel=1e-8)
    assert row["effect_se"] == pytest.approx(fit.bse["t"], rel=1e-8)
    assert (row["effect_ci_low"], row["effect_ci_high"]) == pytest.approx((lo, hi), rel=1e-8)
    assert row["estimate"] == pytest.approx(fit.params["t"] / full["post"].std(ddof=1), rel=1e-8)
    assert row["comparison_method"].startswith("regression") and "same selection rule" in row["comparison_method"]
    a, b = d.loc[d["treated"], "pre"], d.loc[~d["treated"], "pre"]
    assert row["smd_pre"] == pytest.approx((a.mean() - b.mean()) / np.sqrt((a.var() + b.var()) / 2))
    pad = 0.25 * d["pre"].std()   # the comparison range widened by a 0.25 SD caliper
    assert row["support"] == pytest.approx(a.between(b.min() - pad, b.max() + pad).mean())
    assert row["comparable"] == (abs(row["smd_pre"]) <= 0.25 and row["support"] >= 0.9)


def test_did_matches_statsmodels_welch(school):
    """Difference in differences = difference in mean gains of the analysed pupils, Welch interval
    (statsmodels CompareMeans)."""
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

    iv, pupils, tests = school
    r = quiet(intervention_impact, iv, pupils=pupils, assessments=tests).set_index("programme")
    data = same_rule(comparison_data(iv[iv["programme"] == "Null"], pupils=pupils, assessments=tests,
                                     all_interventions=iv))
    t, c = data.loc[data["treated"], "gain"], data.loc[~data["treated"], "gain"]
    lo, hi = CompareMeans(DescrStatsW(t.to_numpy()), DescrStatsW(c.to_numpy())).tconfint_diff(usevar="unequal")
    assert r.loc["Null", "did"] == pytest.approx(t.mean() - c.mean())
    assert (r.loc["Null", "did_ci_low"], r.loc["Null", "did_ci_high"]) == pytest.approx((lo, hi))


def test_matching_is_nearest_within_strata_and_matches_scipy(school):
    """1:1 nearest-neighbour matching stays inside year group x disadvantage strata, is reproducible with
    rng; the matched effect is the Abadie-Imbens bias-corrected pair difference (slope from statsmodels OLS
    of post on pre in the comparison pool) and its interval scipy's one-sample t interval on those."""
    from scipy import stats
    import statsmodels.api as sm

    iv, pupils, tests = school
    data = same_rule(comparison_data(iv[iv["programme"] == "Boost"], pupils=pupils, assessments=tests,
                                     all_interventions=iv))
    pairs = match_comparison(data, rng=7)
    assert 30 <= len(pairs) <= 40 and pairs["upn_comparison"].is_unique
    info = data.set_index("upn")
    for p in pairs.itertuples():
        a, b = info.loc[p.upn], info.loc[p.upn_comparison]
        assert (a["year_group"], a["disadvantaged"]) == (b["year_group"], b["disadvantaged"])
        # no comparison pupil in the stratum is closer than the match and still unused by anyone
        pool = data[~data["treated"] & (data["year_group"] == a["year_group"])
                    & (data["disadvantaged"] == a["disadvantaged"]) & ~data["upn"].isin(pairs["upn_comparison"])]
        assert pool.empty or (pool["pre"] - p.pre).abs().min() >= p.distance
    assert pairs.equals(match_comparison(data, rng=7))
    assert match_comparison(data, rng=7, caliper=0.0).empty or (match_comparison(data, rng=7, caliper=0.0)["distance"] == 0).all()
    r = quiet(intervention_impact, iv, pupils=pupils, assessments=tests, comparison="matched", rng=7)
    row = r.set_index("programme").loc["Boost"]
    ctrl = data[~data["treated"]]
    slope = sm.OLS(ctrl["post"], sm.add_constant(ctrl["pre"])).fit().params["pre"]
    adj = (pairs["post"] - pairs["post_comparison"]) - slope * (pairs["pre"] - pairs["pre_comparison"])
    ci = stats.ttest_1samp(adj, 0).confidence_interval(0.95)
    assert row["effect"] == pytest.approx(adj.mean())
    assert row["ci_low"] > 0  # the planted +0.4 SD is found by matching too
    assert (row["effect_ci_low"], row["effect_ci_high"]) == pytest.approx((ci.low, ci.high))
    assert row["comparison_method"].startswith("nearest-neighbour")


def test_planted_effects_judged_and_rtm_warning(school):
    """Planted +6 points (0.4 SD): clear positive impact with an interval above zero; planted 0: no evidence
    of impact; no regression-to-the-mean flag when a comparison group is used."""
    iv, pupils, tests = school
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = intervention_impact(iv, pupils=pupils, assessments=tests).set_index("programme")
    assert not any("regression to the mean" in str(w.message) for w in caught)
    assert r.loc["Boost", "judgement"] == "clear positive impact" and r.loc["Boost", "ci_low"] > 0
    assert 0.2 < r.loc["Boost", "estimate"] < 0.6
    assert r.loc["Null", "judgement"] == "no evidence of impact"
    assert r.loc["Null", "ci_low"] < 0 < r.loc["Null", "ci_high"]
    assert not r["rtm_risk"].any() and r["low_pre_selection"].all()
    # without a comparison group: the naive gains look good for both, and the RTM warning fires
    with pytest.warns(GTWarning, match="regression to the mean"):
        naive = intervention_impact(iv, comparison=None).set_index("programme")
    assert naive["rtm_risk"].all() and (naive["comparison_method"] == "none").all()
    assert naive.loc["Null", "judgement"] in ("promising", "no evidence of impact")
    assert "clear positive impact" not in set(naive["judgement"])


def test_rtm_from_low_pre_scores_without_selection_column(school):
    iv, _, _ = school
    with pytest.warns(GTWarning, match="regression to the mean"):
        r = intervention_impact(iv.drop(columns="selection"), comparison=None)
    assert r["rtm_risk"].all()
    high = iv.drop(columns="selection").assign(pre_score=105.0, post_score=108.0)
    assert not quiet(intervention_impact, high, comparison=None)["rtm_risk"].any()


def test_grouping_costs_and_small_n(school):
    iv, pupils, tests = school
    r = quiet(intervention_impact, iv, by=("staff", "half_term"), pupils=pupils, assessments=tests)
    assert list(r[["staff", "half_term"]].itertuples(index=False, name=None)) == [("LSA-1", "Spr1"), ("LSA-2", "Spr1")]
    row = r.iloc[0]
    assert row["cost_per_pupil"] == 240.0 and row["cost_total"] == 240.0 * 40
    assert row["cost_per_month"] == pytest.approx(240.0 / row["months"])
    small = iv[iv["programme"] == "Boost"].iloc[:6]
    with pytest.warns(GTWarning, match="only 6 pupils"):
        s = intervention_impact(small, pupils=pupils, assessments=tests)
    assert s["judgement"].iloc[0] == "too few pupils to judge" and s["low_n"].iloc[0]
    with pytest.raises(GTDataError, match="no column 'colour'"):
        intervention_impact(iv, by="colour")
    with pytest.raises(GTDataError, match="comparison"):
        intervention_impact(iv, comparison="magic")


def test_judgement_rules_on_constructed_intervals():
    from gtanalytics.interventions import judge_impact

    def judge(n, est, lo, hi, has_comparison, comparable=True):
        return judge_impact(n, est, lo, hi, has_comparison=has_comparison, comparable=comparable,
                            min_effect=0.1, min_n=10)[0]

    assert judge(5, 0.5, 0.2, 0.8, True) == "too few pupils to judge"
    assert judge(30, np.nan, np.nan, np.nan, True) == "too few pupils to judge"
    assert judge(30, -0.4, -0.7, -0.1, True) == "negative"
    assert judge(30, 0.4, 0.1, 0.7, True) == "clear positive impact"
    assert judge(30, 0.4, 0.1, 0.7, False) == "promising"
    assert judge(30, 0.4, 0.1, 0.7, True, comparable=False) == "promising"
    assert judge(30, 0.3, -0.1, 0.7, True) == "promising"
    assert judge(30, 0.05, -0.2, 0.3, True) == "no evidence of impact"
    assert judge(30, -0.1, -0.4, 0.2, True) == "no evidence of impact"


def test_mini_review_expected_progress_matches_statsmodels(school):
    """Expected post = prediction of the whole-cohort OLS of post on pre (statsmodels); names are present
    and the pupil list is marked internal (the summary, by programme, lists no pupil)."""
    import statsmodels.api as sm
    iv, pupils, tests = school
    rev = quiet(mini_review, iv, staff="LSA-1", half_term="Spr2", academic_year="2023/24", pupils=pupils,
                assessments=tests)
    assert len(rev.pupils) == 40 and {"forename", "surname", "upn"} <= set(rev.pupils.columns)
    assert rev.pupils.attrs["audience"] == "internal" and "audience" not in rev.summary.attrs
    fit = sm.OLS(iv["post_score"], sm.add_constant(iv["pre_score"])).fit()
    merged = rev.pupils.merge(iv[["upn", "pre_score"]], on=["upn", "pre_score"])
    pred = fit.params["const"] + fit.params["pre_score"] * merged["pre_score"]
    assert np.allclose(merged["expected_post"], pred)
    z = (merged["post_score"] - pred) / np.sqrt(fit.scale)
    assert np.allclose(merged["progress_vs_expected"], z)
    assert set(rev.pupils["progress_judgement"]) <= {"above expected", "as expected", "below expected"}
    assert rev.summary["staff"].iloc[0] == "LSA-1" and rev.summary["programme"].iloc[0] == "Boost"
    with pytest.raises(GTDataError, match="No interventions"):
        mini_review(iv, staff="LSA-1", half_term="Sum2", academic_year="2023/24")
    t = quiet(termly_review, iv, term="Spring", academic_year="2023/24", pupils=pupils, assessments=tests)
    assert list(t["programme"]) == ["Boost", "Null"] and (t["term"] == "Spring").all()


def _check_planted(iv, pupils, tests):
    from gtanalytics.datasets import PLANTED

    planted = {p: v["effect_sd"] for p, v in PLANTED["interventions"].items()}
    null_prog = [p for p, e in planted.items() if abs(e) < 0.05]
    good_prog = [p for p, e in planted.items() if e >= 0.35]
    assert null_prog and good_prog
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = intervention_impact(iv, pupils=pupils, assessments=tests).set_index("programme")
    assert not any("regression to the mean" in str(w.message) for w in caught)
    for p in null_prog:
        assert r.loc[p, "judgement"] == "no evidence of impact", r.loc[p, ["es", "es_ci_low", "ci_high"]]
    for p in good_prog:
        assert r.loc[p, "ci_low"] > 0 and r.loc[p, "judgement"] == "clear positive impact"
        assert r.loc[p, "ci_low"] < planted[p] < r.loc[p, "ci_high"]
    assert not r["rtm_risk"].any() and r["low_pre_selection"].all()
    with pytest.warns(GTWarning, match="regression to the mean"):
        naive = intervention_impact(iv, comparison=None).set_index("programme")
    assert naive["rtm_risk"].all()
    # the naive pre->post gain of the planted-zero programme is positive: regression to the mean
    assert naive.loc[null_prog, "gain"].gt(0).all()
    return r


def test_generated_trust_planted_programmes():
    """The sample generator's frames (raw, flags as text): planted 0.00 SD -> 'no evidence of impact';
    planted 0.40 SD -> interval above zero and covering 0.40; RTM flag only without a comparison group."""
    from gtanalytics.datasets import PLANTED, generate

    d = generate(seed=PLANTED["seed"])
    _check_planted(d["interventions"], d["pupils"], d["assessments"])


def test_sample_trust_planted_programmes(sample):
    """The same on the committed sample trust, read through gtanalytics.data.load."""
    _check_planted(sample.interventions, sample.pupils, sample.assessments)


def programme_runs(seed, *, effect=0.0, runs=200, n=150, n_sel=16):
    """``runs`` independent schools' worth of pupils in one table: run r's 150 pupils are tested (SD about 15)
    in subject ``s<r>`` in Spring and Summer 2022/23 (earlier), Autumn 2023/24 (the selection test) and Summer
    2023/24 (after). As schools choose, programme ``P<r>`` (Spring 2023/24, two members of staff) takes up to
    ``n_sel`` pupils at random among those scoring below 90 on the Autumn test, and adds ``effect`` points to
    their Summer test. One call of intervention_impact then gives ``runs`` independent estimates."""
    rng = np.random.default_rng(seed)
    N = runs * n
    run = np.repeat(np.arange(runs), n)
    upn = np.char.add("Q", np.arange(N).astype("U6"))
    score = rng.normal(100, 13, N)[:, None] + rng.normal(0, 7, (N, 4))
    low = score[:, 2] < 90
    order = pd.Series(np.where(low, rng.random(N), np.inf)).groupby(run).rank(method="first").to_numpy()
    chosen = low & (order <= n_sel)
    score[chosen, 3] += effect
    terms = [("2022/23", "Spring"), ("2022/23", "Summer"), ("2023/24", "Autumn"), ("2023/24", "Summer")]
    subject = np.char.add("s", run.astype("U3"))
    tests = pd.DataFrame({"upn": np.repeat(upn, 4), "academic_year": [y for y, _ in terms] * N,
                          "term": [t for _, t in terms] * N, "subject": np.repeat(subject, 4),
                          "score_type": "standardised", "score": score.ravel()})
    pupils = pd.DataFrame({"upn": upn, "academic_year": "2023/24", "school_id": "S1", "year_group": 5,
                           "disadvantaged": rng.random(N) < 0.3})
    k = np.flatnonzero(chosen)
    iv = pd.DataFrame({"programme": np.char.add("P", run[k].astype("U3")), "upn": upn[k],
                       "staff": np.char.add(np.char.add("LSA-", run[k].astype("U3")), np.where(k % 2, "a", "b")),
                       "subject": subject[k], "start_date": "2024-01-08", "end_date": "2024-03-22",
                       "measure": "standardised", "pre_score": score[k, 2], "post_score": score[k, 3],
                       "selection": "low pre-score"})
    return iv, pupils, tests


def _rate_bounds(p, runs):
    """Bounds for the share of intervals excluding the truth: p +/- 3.3 binomial SDs (a two-sided 0.1% band,
    so a correct method fails this seeded check about once in a thousand seeds)."""
    sd = np.sqrt(p * (1 - p) / runs)
    return p - 3.3 * sd, p + 3.3 * sd


@pytest.mark.parametrize("by", ["programme", "staff"])
def test_null_and_planted_simulation_programmes_and_staff(by):
    """Simulation with known truth, pupils chosen for a low observed score as schools choose them
    (``programme_runs``: 100 programmes, or 50 programmes with two members of staff each, per truth).
    Truth 0: the mean estimate is within 4 simulation SEs of 0, while the raw gain is inflated by regression
    to the mean; truth +6 points: within 4 SEs of 6. Over both truths (200 intervals) the 95% intervals miss
    the truth in about 5% of runs (binomial band, ``_rate_bounds``)."""
    misses = []
    for effect in (0.0, 6.0):
        iv, pupils, tests = programme_runs(11 if effect else 12, effect=effect, runs=100 if by == "programme" else 50)
        r = quiet(intervention_impact, iv, by=by, pupils=pupils, assessments=tests)
        assert len(r) == 100 and r["comparison_method"].str.startswith("regression").all()
        est = r["effect"]
        assert abs(est.mean() - effect) < 4 * est.std() / np.sqrt(len(r))
        misses += ((r["effect_ci_low"] > effect) | (r["effect_ci_high"] < effect)).tolist()
        if effect == 0:
            assert r["gain"].mean() > 3   # the raw gain counts regression to the mean as impact
            # the same selection rule gives comparison pupils like the participants on the test before
            assert abs(r["smd_pre"].median()) < 0.15 and r["support"].median() >= 0.8
    lo, hi = _rate_bounds(0.05, len(misses))
    assert lo < np.mean(misses) < hi, np.mean(misses)
