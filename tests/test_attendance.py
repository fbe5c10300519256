"""Tests for gtanalytics.attendance.

Independent implementations used (the interval helpers themselves are checked in
``tests/test_stats.py``):
* Wilson intervals: statsmodels ``proportion_confint(method="wilson")``.
* Exact Poisson intervals: statsmodels ``confint_poisson(method="exact-c")``.
* Session rate with a pupil-cluster SE: statsmodels WLS of each row's absence rate on a
  constant, weighted by possible sessions, with cluster-robust (by pupil) covariance.
* Difference in differences: ``scipy.stats.ttest_ind`` (pooled) and a saturated statsmodels
  OLS with a ``t_test`` contrast.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gtanalytics.attendance import (
    absence_rates,
    attendance_before_after,
    exclusion_rates,
    pupil_absence,
)
from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics._stats import ratio_cluster_ci

import statsmodels.api as sm
from statsmodels.stats.proportion import proportion_confint, std_prop  # noqa: E402
from statsmodels.stats.rates import confint_poisson  # noqa: E402


def _hand_example() -> pd.DataFrame:
    """Six pupils in 2023/24, three of them with partial-year enrolments.

    Worked by hand (each pupil against its OWN possible sessions):
    P1 full year 380 possible, 38 missed = 10.0%   -> persistent (>= 10%), not severe
    P2 full year 380, 37 missed = 9.74%            -> not persistent
    P3 joined in spring: 240 possible, 24 missed = 10.0% -> persistent
       (24/380 = 6.3% would wrongly say "not persistent")
    P4 left after autumn: 140 possible, 70 missed = 50.0% -> severe and persistent
    P5 left after autumn: 140 possible, 69 missed = 49.3% -> persistent, not severe
    P6 full year 380, none missed
    Overall absence = 238 / 1660 = 14.337...%; persistent 4/6; severe 1/6.
    """
    rows = [
        ("P1", "Autumn", 140, 14, 0), ("P1", "Spring", 120, 10, 2), ("P1", "Summer", 120, 10, 2),
        ("P2", "Autumn", 140, 17, 0), ("P2", "Spring", 120, 10, 0), ("P2", "Summer", 120, 10, 0),
        ("P3", "Spring", 120, 10, 4), ("P3", "Summer", 120, 10, 0),
        ("P4", "Autumn", 140, 40, 30),
        ("P5", "Autumn", 140, 60, 9),
        ("P6", "Autumn", 140, 0, 0), ("P6", "Spring", 120, 0, 0), ("P6", "Summer", 120, 0, 0),
    ]
    df = pd.DataFrame(rows, columns=["upn", "period", "possible_sessions", "authorised_absence",
                                     "unauthorised_absence"])
    df.insert(1, "academic_year", "2023/24")
    return df


def test_persistent_and_severe_against_own_possible_sessions():
    per = pupil_absence(_hand_example()).set_index("upn")
    assert per["possible_sessions"].to_dict() == {"P1": 380, "P2": 380, "P3": 240, "P4": 140,
                                                  "P5": 140, "P6": 380}
    assert per["persistent"].to_dict() == {"P1": True, "P2": False, "P3": True, "P4": True,
                                           "P5": True, "P6": False}
    assert per["severe"].to_dict() == {"P1": False, "P2": False, "P3": False, "P4": True,
                                       "P5": False, "P6": False}

    res = absence_rates(_hand_example(), min_n=1, national=False).set_index("measure")
    assert res.loc["overall_absence", "estimate"] == pytest.approx(100 * 238 / 1660)
    assert res.loc["unauthorised_absence", "estimate"] == pytest.approx(100 * 47 / 1660)
    assert res.loc["authorised_absence", "estimate"] == pytest.approx(100 * 191 / 1660)
    assert res.loc["persistent_absence", ["count", "n"]].tolist() == [4, 6]
    assert res.loc["severe_absence", "estimate"] == pytest.approx(100 / 6)


def test_overall_rate_cluster_se_matches_statsmodels_cluster_robust():
    att = _hand_example()
    res = absence_rates(att, min_n=1, national=False).set_index("measure").loc["overall_absence"]
    # row-level rates regressed on a constant, weighted by possible sessions, clustered by pupil:
    # the WLS coefficient is sum(missed)/sum(possible); the sandwich SE with statsmodels' default
    # small-sample correction G/(G-1) * (N-1)/(N-K) reduces to G/(G-1) for one parameter.
    y = (att["authorised_absence"] + att["unauthorised_absence"]) / att["possible_sessions"]
    fit = sm.WLS(y.to_numpy(), np.ones(len(att)), weights=att["possible_sessions"].to_numpy()).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(att["upn"])[0]})
    assert res["estimate"] == pytest.approx(100 * fit.params[0])
    assert res["se"] == pytest.approx(100 * fit.bse[0], rel=1e-9)
    z = stats.norm.ppf(0.975)
    assert res["ci_low"] == pytest.approx(100 * (fit.params[0] - z * fit.bse[0]))
    # a single pupil gives no SE
    r, se, lo, hi = ratio_cluster_ci([5], [100])
    assert r == 0.05 and np.isnan(se)


def test_groups_years_and_national_comparison():
    att = pd.concat([_hand_example(), _hand_example().assign(academic_year="2022/23")])
    pupils = pd.DataFrame({"upn": [f"P{i}" for i in range(1, 7)] * 2,
                           "academic_year": ["2023/24"] * 6 + ["2022/23"] * 6,
                           "disadvantaged": [True, False, True, True, False, False] * 2})
    with pytest.warns(GTWarning, match="low_n"):
        res = absence_rates(att, pupils=pupils, by="disadvantaged")
    assert len(res) == 2 * 2 * 5
    assert res["low_n"].all()
    row = res.query("academic_year == '2023/24' and disadvantaged and measure == 'overall_absence'").iloc[0]
    assert row["estimate"] == pytest.approx(100 * (38 + 24 + 70) / (380 + 240 + 140))
    # issue 15 item 3: disadvantaged pupils are no longer set against the all-pupil figure (7.1%);
    # DfE's absence release gives no figure for disadvantaged pupils, so nothing is compared
    assert np.isnan(row["national"]) and pd.isna(row["compared_with_national"])
    assert row["national_basis"] == "no published national figure found for all schools, disadvantaged pupils, 2023/24"
    assert res["national"].isna().all()
    # the whole school (no grouping) is compared with the all-schools figure
    with pytest.warns(GTWarning, match="low_n"):
        whole = absence_rates(att)
    w = whole.query("academic_year == '2023/24' and measure == 'overall_absence'").iloc[0]
    assert w["national"] == 7.1 and w["national_status"] == "CONFIRMED" and w["national_phase"] == "all"
    assert w["national_source"].endswith("pupil-absence-in-schools-in-england/2023-24")
    assert whole.query("academic_year == '2022/23' and measure == 'persistent_absence'")["national"].iloc[0] == 21.2


def test_national_figure_matches_phase_and_fsm_group():
    """Independent reference: DfE "Pupil absence in schools in England" 2023/24 release text
    (https://explore-education-statistics.service.gov.uk/find-statistics/pupil-absence-in-schools-in-england/2023-24):
    overall absence 7.1% (all), 5.5% (primary), 8.9% (secondary); 2022/23 5.9% primary, 9.0% secondary.
    2021/22 persistent absence 37.2% (FSM eligible) vs 17.5% (not eligible), press report of the DfE release."""
    att = _hand_example()
    for yg, want in (("3", 5.5), ("R", 5.5), ("9", 8.9), ("Year 10", 8.9)):
        pupils = pd.DataFrame({"upn": [f"P{i}" for i in range(1, 7)], "academic_year": "2023/24", "year_group": yg})
        r = absence_rates(att, pupils=pupils, min_n=1).set_index("measure").loc["overall_absence"]
        assert r["national"] == want and r["national_basis"].startswith("England 2023/24, ")
    mixed = pd.DataFrame({"upn": [f"P{i}" for i in range(1, 7)], "academic_year": "2023/24",
                          "year_group": ["5", "6", "7", "8", "9", "10"]})
    r = absence_rates(att, pupils=mixed, min_n=1).set_index("measure").loc["overall_absence"]
    assert r["national"] == 7.1 and r["national_phase"] == "all"
    r = absence_rates(att, pupils=mixed, min_n=1, phase="secondary").set_index("measure").loc["overall_absence"]
    assert r["national"] == 8.9
    # grouped by free-school-meal eligibility: each group against its own national figure
    fsm = pd.DataFrame({"upn": [f"P{i}" for i in range(1, 7)], "academic_year": "2021/22",
                        "fsm": ["Y", "N", "Y", "N", "N", "N"]})
    res = absence_rates(att.assign(academic_year="2021/22"), pupils=fsm, by="fsm", min_n=1)
    pa = res.query("measure == 'persistent_absence'").set_index("fsm")["national"]
    assert pa.to_dict() == {"N": 17.5, "Y": 37.2}
    # grouped by anything else (sex): no national figure, and it says why
    sex = fsm.assign(sex=["F", "M"] * 3)
    res = absence_rates(att.assign(academic_year="2021/22"), pupils=sex, by="sex", min_n=1)
    assert res["national"].isna().all()
    assert (res["national_basis"] == "no national figure for pupils grouped by sex").all()
    # a user's own table, with phase and group columns
    mine = pd.DataFrame({"academic_year": ["2023/24"], "measure": ["overall_absence"], "phase": ["all"],
                         "group": ["all"], "value": [6.0], "source": ["my LA"]})
    r = absence_rates(att, national=mine, min_n=1).set_index("measure").loc["overall_absence"]
    assert r["national"] == 6.0 and r["national_source"] == "my LA"
    assert absence_rates(att, national=False, min_n=1)["national"].isna().all()


def test_bad_input_is_explained():
    bad = _hand_example()
    bad.loc[0, "authorised_absence"] = 500
    with pytest.raises(GTDataError, match="more sessions than were possible"):
        absence_rates(bad)
    mixed = pd.concat([_hand_example(), _hand_example().iloc[[0]].assign(period="Year")])
    with pytest.raises(GTDataError, match="whole-year"):
        absence_rates(mixed)
    with pytest.raises(GTDataError, match="needs the pupils table"):
        absence_rates(_hand_example(), by="sex")
    with pytest.raises(GTDataError, match="no column"):
        absence_rates(_hand_example().drop(columns="possible_sessions"))
    neg = _hand_example()
    neg.loc[2, "unauthorised_absence"] = -1
    with pytest.raises(GTDataError, match="negative"):
        absence_rates(neg)


def test_exclusion_rates_against_statsmodels_and_national():
    pupils = pd.DataFrame({"upn": [f"U{i}" for i in range(200)], "academic_year": "2023/24",
                           "sex": ["F", "M"] * 100})
    exc = pd.DataFrame({"upn": ["U0", "U0", "U1", "U2", "U3", "U5", "U7", "U9"] + ["U4"],
                        "academic_year": "2023/24",
                        "category": ["suspension"] * 8 + ["Permanent"]})
    res = exclusion_rates(exc, pupils).set_index("measure")
    s = res.loc["suspension_rate"]
    assert s["estimate"] == pytest.approx(100 * 8 / 200) and s["per_10000"] == pytest.approx(400)
    # quasi-Poisson: phi is statsmodels' Poisson GLM Pearson scale; the interval is the exact
    # Poisson interval (statsmodels confint_poisson "exact-c") of the effective count k / phi
    counts = np.zeros(200)
    counts[[0, 1, 2, 3, 5, 7, 9]] = [2, 1, 1, 1, 1, 1, 1]
    glm = sm.GLM(counts, np.ones((200, 1)), family=sm.families.Poisson()).fit(scale="X2")
    assert s["overdispersion"] == pytest.approx(glm.scale)
    lo, hi = confint_poisson(8 / glm.scale, 200 / glm.scale, method="exact-c", alpha=0.05)
    assert (s["ci_low"], s["ci_high"]) == pytest.approx((100 * lo, 100 * hi))
    assert s["se"] == pytest.approx(100 * glm.bse[0] * np.exp(glm.params[0]), rel=1e-9)  # delta method, log link
    assert s["national"] == 11.31 and s["national_status"] == "CONFIRMED"
    assert s["compared_with_national"] == "lower"
    p = res.loc["permanent_exclusion_rate"]
    lo, hi = confint_poisson(1, 200, method="exact-c", alpha=0.05)
    assert (p["ci_low"], p["ci_high"]) == pytest.approx((100 * lo, 100 * hi))
    one = sm.GLM(np.eye(1, 200, 4).ravel(), np.ones((200, 1)), family=sm.families.Poisson()).fit()
    assert p["se"] == pytest.approx(100 * one.bse[0] * np.exp(one.params[0]), rel=1e-4)   # Poisson, scale 1 (IRLS tol)
    assert p["count"] == 1 and p["national"] == 0.13 and p["national_status"] == "SECONDARY"
    # a primary school is compared with the primary figure (DfE data set 39e3d41f..., 2023/24:
    # mainstream primary suspension rate 2.27093, permanent exclusion rate 0.03168)
    prim = exclusion_rates(exc, pupils.assign(year_group="4")).set_index("measure")
    assert prim.loc["suspension_rate", "national"] == 2.27093
    assert prim.loc["permanent_exclusion_rate", "national"] == 0.03168
    sec = exclusion_rates(exc, pupils.assign(year_group="8")).set_index("measure")
    assert np.isnan(sec.loc["suspension_rate", "national"])   # no secondary figure found: none compared
    k = res.loc["pupils_suspended"]
    assert k["count"] == 7
    assert (k["ci_low"] / 100, k["ci_high"] / 100) == pytest.approx(
        proportion_confint(7, 200, method="wilson"))
    assert k["se"] == pytest.approx(100 * std_prop(7 / 200, 200), rel=1e-12)   # statsmodels' binomial se
    by_sex = exclusion_rates(exc, pupils, by="sex", national=False)
    assert by_sex["national"].isna().all()
    # girls are the even numbers: U0 twice and U2 (U4's exclusion is permanent); boys U1, U3, U5, U7, U9
    assert by_sex.query("sex == 'F' and measure == 'suspension_rate'")["count"].iloc[0] == 3
    assert by_sex.query("sex == 'M' and measure == 'suspension_rate'")["count"].iloc[0] == 5
    with pytest.raises(GTDataError, match="category"):
        exclusion_rates(exc.assign(category="detention"), pupils)
    with pytest.warns(GTWarning, match="not in the pupils table"):
        exclusion_rates(pd.concat([exc, exc.iloc[[0]].assign(upn="ZZZ")]), pupils)


def _panel(rng: np.random.Generator, n: int = 60) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    upns = [f"Q{i:03d}" for i in range(n)]
    yg = rng.choice([7, 8], n)
    treated = rng.random(n) < 0.4
    rows = []
    for i, u in enumerate(upns):
        base = rng.uniform(2, 15) + (3 if treated[i] else 0)
        for year, shift in (("2022/23", 0.0), ("2023/24", -3.0 * treated[i] + (yg[i] == 8))):
            for term, poss in (("Autumn", 140), ("Spring", 120), ("Summer", 120)):
                missed = int(np.clip(round(poss * (base + shift + rng.normal(0, 2)) / 100), 0, poss))
                rows.append((u, year, term, poss, missed, 0))
    att = pd.DataFrame(rows, columns=["upn", "academic_year", "period", "possible_sessions",
                                      "authorised_absence", "unauthorised_absence"])
    pupils = pd.DataFrame({"upn": upns, "academic_year": "2023/24", "year_group": yg})
    return att, pupils, [u for u, t in zip(upns, treated) if t]


def test_before_after_matches_pooled_t_test_and_saturated_ols():
    att, pupils, part = _panel(np.random.default_rng(5))
    res = attendance_before_after(att, pupils, participants=pd.DataFrame({"upn": part}),
                                  start="2023/24").iloc[0]
    per = pupil_absence(att).assign(rate=lambda d: 100 * d["missed"] / d["possible_sessions"])
    wide = per.pivot(index="upn", columns="academic_year", values="rate")
    change = wide["2023/24"] - wide["2022/23"]
    t = change[change.index.isin(part)]
    c = change[~change.index.isin(part)]
    ref = stats.ttest_ind(t, c, equal_var=True)
    ci = ref.confidence_interval(0.95)
    assert res["estimate"] == pytest.approx(t.mean() - c.mean())
    assert (res["ci_low"], res["ci_high"]) == pytest.approx((ci.low, ci.high))
    assert res["p_value"] == pytest.approx(ref.pvalue)
    assert res["estimate"] < 0  # planted: participants' absence falls by about 3 points

    # matched on year group: ATT-weighted contrast of the saturated model (statsmodels OLS t_test)
    res_m = attendance_before_after(att, pupils, participants=part, start="2023/24",
                                    match_on=["year_group"]).iloc[0]
    d = pd.DataFrame({"change": change}).join(pupils.set_index("upn")["year_group"])
    d["treated"] = d.index.isin(part)
    cells = sorted({(g, tr) for g, tr in zip(d["year_group"], d["treated"])})
    X = np.column_stack([(d["year_group"].eq(g) & d["treated"].eq(tr)).to_numpy(float) for g, tr in cells])
    fit = sm.OLS(d["change"].to_numpy(), X).fit()
    n_t = d["treated"].sum()
    contrast = np.zeros(len(cells))
    for j, (g, tr) in enumerate(cells):
        w = (d["treated"] & d["year_group"].eq(g)).sum() / n_t
        contrast[j] = w if tr else -w
    tt = fit.t_test(contrast)
    assert res_m["estimate"] == pytest.approx(float(tt.effect[0]))
    assert res_m["se"] == pytest.approx(float(tt.sd[0, 0]))
    assert (res_m["ci_low"], res_m["ci_high"]) == pytest.approx(tuple(tt.conf_int(alpha=0.05)[0]))


def test_before_after_term_start_and_errors():
    att, pupils, part = _panel(np.random.default_rng(1), n=30)
    res = attendance_before_after(att, pupils, participants=part, start=("2023/24", "Spring"))
    assert res["n_treatment"].iloc[0] == len(part)
    yearly = att.assign(period="Year")
    with pytest.raises(GTDataError, match="whole year"):
        attendance_before_after(yearly, pupils, participants=part, start=("2023/24", "Spring"))
    with pytest.raises(GTDataError, match="academic year"):
        attendance_before_after(att, pupils, participants=part, start="last year")
    with pytest.raises(GTDataError, match="No participant"), pytest.warns(GTWarning, match="not on roll"):
        attendance_before_after(att, pupils, participants=["nobody"], start="2023/24")


# ----------------------------------------------------------------------------- sample trust
def test_sample_disadvantaged_pupils_miss_more_school(sample):
    if getattr(sample, "attendance", None) is None or len(sample.attendance) == 0:
        pytest.skip("the sample trust has no attendance table")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        res = absence_rates(sample.attendance, pupils=sample.pupils, by="disadvantaged")
    overall = res.query("measure == 'overall_absence'")
    for year, g in overall.groupby("academic_year"):
        dis = g.loc[g["disadvantaged"].astype(bool)].iloc[0]
        oth = g.loc[~g["disadvantaged"].astype(bool)].iloc[0]
        # the planted gap is found: the intervals do not overlap in the direction planted
        assert dis["ci_low"] > oth["ci_high"], (year, dis["estimate"], oth["estimate"])
    pa = res.query("measure == 'persistent_absence'")
    assert (pa.groupby("disadvantaged")["count"].sum() > 0).all()


@pytest.mark.parametrize(
    "row", pd.read_csv(__import__("pathlib").Path(__file__).parent / "reference" / "exact_tests_r.csv")
    .query("kind == 'poisson'").to_dict("records"))
def test_exact_poisson_rate_matches_r_poisson_test(row):
    """R 4.2 ``poisson.test(k, T)$conf.int`` (fixture from tests/reference/exact_tests_r.R)."""
    k, n = int(row["a"]), int(row["b"])
    pupils = pd.DataFrame({"upn": [f"U{i}" for i in range(n)], "academic_year": "2023/24"})
    exc = pd.DataFrame({"upn": [f"U{i % n}" for i in range(k)], "academic_year": "2023/24",
                        "category": "suspension"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        s = exclusion_rates(exc, pupils, national=False).set_index("measure").loc["suspension_rate"]
    assert s["estimate"] == pytest.approx(100 * row["value"], rel=1e-9, abs=1e-12)
    assert (s["ci_low"], s["ci_high"]) == pytest.approx((100 * row["low"], 100 * row["high"]),
                                                       rel=1e-9, abs=1e-12)


def test_sample_suspensions_and_mentoring_attendance(sample):
    """PLANTED: disadvantaged pupils are suspended more (x2.7); mentoring cuts absence (x0.75)."""
    if getattr(sample, "exclusions", None) is None or getattr(sample, "mentoring", None) is None:
        pytest.skip("the sample trust has no exclusions or mentoring table")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        exc = exclusion_rates(sample.exclusions, sample.pupils, by="disadvantaged")
        susp = exc.loc[exc["measure"] == "suspension_rate"]
        for _, g in susp.groupby("academic_year"):
            dis = g.loc[g["disadvantaged"].astype(bool)].iloc[0]
            oth = g.loc[~g["disadvantaged"].astype(bool)].iloc[0]
            assert dis["ci_low"] > oth["ci_high"]
        m = sample.mentoring
        first = m.loc[m["start_date"] < pd.Timestamp("2023-08-01")]
        res = attendance_before_after(sample.attendance, sample.pupils, participants=first, start="2022/23",
                                      match_on=("school_id", "year_group")).iloc[0]
    assert res["n_treatment"] >= 10
    assert res["estimate"] < 0 and res["ci_high"] < 0


def _repeat_suspensions(rng, n, p_any, mean_repeats):
    """Pupils suspended with probability p_any; a suspended pupil has 1 + Poisson(gamma) suspensions."""
    lam = rng.gamma(0.7, (mean_repeats - 1) / 0.7, n)
    return np.where(rng.random(n) < p_any, 1 + rng.poisson(lam), 0)


def test_suspension_interval_covers_the_true_rate_with_repeat_suspensions():
    """Simulation with known truth (issue 15 item 5): 1000 pupils, 8% suspended, 3 suspensions each
    on average (true rate 24 per 100).  The exact Poisson interval, which treats every suspension
    as independent, covers the truth about 61% of the time; the pupil-level quasi-Poisson
    interval (the one exclusion_rates reports, checked equal to it in the test above) about 95%."""
    from gtanalytics._stats import quasi_poisson_rate_ci

    rng = np.random.default_rng(20261207)
    runs, n, truth = 1000, 1000, 8 * 3.0
    hit_q = hit_p = 0
    for _ in range(runs):
        c = _repeat_suspensions(rng, n, 0.08, 3.0)
        _, _, lo, hi = quasi_poisson_rate_ci(c)
        hit_q += 100 * lo <= truth <= 100 * hi
        plo, phi = confint_poisson(int(c.sum()), n, method="exact-c", alpha=0.05)
        hit_p += 100 * plo <= truth <= 100 * phi
    assert 0.93 <= hit_q / runs <= 0.97     # binomial sd of a 95% coverage over 1000 runs: 0.7 points
    assert hit_p / runs < 0.75
    # no repeats (every suspended pupil once): phi = 1, so the interval is the exact Poisson one
    c = np.r_[np.ones(20), np.zeros(180)]
    _, phi_one, lo, hi = quasi_poisson_rate_ci(c)
    assert phi_one == 1.0 and (lo, hi) == pytest.approx(confint_poisson(20, 200, method="exact-c"))
