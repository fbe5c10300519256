"""Tests for gtanalytics.mentoring: caseload arithmetic by hand; difference-in-differences intervals
against statsmodels CompareMeans (Welch) recomputed live from the same before/after values."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.mentoring import mentor_caseloads, mentoring_impact


def make_data(seed=4, planted=5.0):
    """Years 7-8, 150 pupils each; 12 mentees (4 mentors x 3) mentored Autumn-Spring 2023/24.
    Termly maths tests Summer 2022/23 .. Summer 2023/24; mentees gain ``planted`` points after mentoring."""
    rng = np.random.default_rng(seed)
    pupils = pd.DataFrame({"upn": [f"U{i:04d}" for i in range(300)], "academic_year": "2023/24",
                           "school_id": "S1", "year_group": np.repeat([7, 8], 150),
                           "gt_register": rng.random(300) < 0.3})
    mentees = pupils["upn"].iloc[::25].tolist()[:12]
    ability = pd.Series(rng.normal(100, 13, 300), index=pupils["upn"])
    tests = []
    for year, term in (("2022/23", "Summer"), ("2023/24", "Autumn"), ("2023/24", "Spring"), ("2023/24", "Summer")):
        s = ability + rng.normal(0, 6, 300)
        if (year, term) == ("2023/24", "Summer"):
            s[mentees] += planted
        tests.append(pd.DataFrame({"upn": s.index, "academic_year": year, "term": term, "subject": "maths",
                                   "assessment": "T", "score_type": "standardised", "score": s.to_numpy()}))
    tests = pd.concat(tests, ignore_index=True)
    mentoring = pd.DataFrame({"mentor": np.repeat(["LSA-1", "LSA-2", "LSA-3", "Peer-1"], 3), "upn": mentees,
                              "mentor_role": np.repeat(["LSA", "LSA", "LSA", "peer"], 3),
                              "start_date": "2023-09-18", "end_date": "2024-03-22", "sessions_planned": 26,
                              "sessions_held": [26, 24, 25, 20, 18, 26, 10, 12, 11, 26, 26, 26],
                              "log_entries": [20, 22, 25, 0, 5, 10, 3, 0, 0, 26, 26, 26]})
    att = []
    for term in ("Summer", "Autumn", "Spring"):
        year = "2022/23" if term == "Summer" else "2023/24"
        miss = rng.poisson(8, 300)
        att.append(pd.DataFrame({"upn": pupils["upn"], "academic_year": year, "period": term,
                                 "possible_sessions": 140, "authorised_absence": miss, "unauthorised_absence": 1}))
    att = pd.concat(att, ignore_index=True)
    exc = pd.DataFrame({"upn": [mentees[0], mentees[0], mentees[1], pupils["upn"].iloc[1]],
                        "academic_year": ["2022/23", "2023/24", "2023/24", "2023/24"],
                        "start_date": ["2023-05-02", "2023-11-06", "2024-01-10", "2023-10-02"],
                        "category": "suspension", "days": [3.0, 1.0, 2.0, 1.0]})
    return mentoring, pupils, tests, att, exc


def test_caseloads_by_hand():
    m, *_ = make_data()
    c = mentor_caseloads(m).set_index("mentor")
    weeks = (pd.Timestamp("2024-03-22") - pd.Timestamp("2023-09-18")).days / 7
    assert c["n_mentees"].tolist() == [3, 3, 3, 3] and c["caseload_as_planned"].all()
    assert c.loc["LSA-3", "held_rate"] == pytest.approx(33 / 78)
    assert c.loc["LSA-1", "sessions_per_week"] == pytest.approx(np.mean([26, 24, 25]) / weeks)
    assert c.loc["LSA-2", "log_entries_per_session"] == pytest.approx(15 / 64)
    assert c.loc["LSA-3", "mentees_with_log"] == pytest.approx(1 / 3)
    assert c.loc["Peer-1", "mentor_role"] == "peer"
    assert not c["weekly_cadence"].any()  # ~26 sessions over ~27 weeks is just under weekly
    assert mentor_caseloads(m, weekly=0.9)["weekly_cadence"].sum() == 2
    assert not mentor_caseloads(m.iloc[:2])["caseload_as_planned"].iloc[0]
    with pytest.raises(GTDataError):
        mentor_caseloads(m.drop(columns="mentor"))


def test_mentoring_did_matches_statsmodels():
    """comparison="year_group". Attainment DiD: (Summer 2024 - Summer 2023) change of mentees minus that of same-year non-mentored
    pupils; the interval is statsmodels' Welch interval for the difference of the changes."""
    m, pupils, tests, att, exc = make_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        r = mentoring_impact(m, pupils=pupils, assessments=tests, attendance=att, exclusions=exc,
                             comparison="year_group").set_index("outcome")
    sc = tests.pivot_table(index="upn", columns=["academic_year", "term"], values="score")
    change = sc[("2023/24", "Summer")] - sc[("2022/23", "Summer")]
    ment = change.index.isin(m["upn"])
    lo, hi = CompareMeans(DescrStatsW(change[ment].to_numpy()),
                          DescrStatsW(change[~ment].to_numpy())).tconfint_diff(usevar="unequal")
    row = r.loc["attainment: maths"]
    assert (row["n_mentees"], row["n_comparison"]) == (12, 288)
    assert row["did"] == pytest.approx(change[ment].mean() - change[~ment].mean())
    assert (row["did_ci_low"], row["did_ci_high"]) == pytest.approx((lo, hi))
    assert row["did"] > 0 and not row["low_n"]
    # attendance: Summer 2023 (before) vs Spring 2024 (last mentoring term: no later data)
    pct = att.assign(v=100 * (140 - att["authorised_absence"] - 1) / 140).pivot_table(
        index="upn", columns="period", values="v")
    ch = pct["Spring"] - pct["Summer"]
    am = ch.index.isin(m["upn"])
    assert r.loc["attendance %", "did"] == pytest.approx(ch[am].mean() - ch[~am].mean())
    # suspensions: mentee 0 had 3 days before and 1 during, mentee 1 had 2 during, one other pupil 1 during
    sus = r.loc["suspension days"]
    assert sus["mentee_before"] == pytest.approx(3 / 12) and sus["mentee_after"] == pytest.approx(3 / 12)
    assert sus["comparison_after"] == pytest.approx(1 / 288)


def test_comparison_filter_and_warning():
    m, pupils, tests, *_ = make_data()
    with pytest.warns(GTWarning, match="only 12 mentees"):
        r = mentoring_impact(m, pupils=pupils, assessments=tests, comparison_filter="gt_register", min_n=20,
                             comparison="year_group")
    assert r["low_n"].iloc[0]
    n_gt = int((pupils["gt_register"] & ~pupils["upn"].isin(m["upn"])).sum())
    assert r["n_comparison"].iloc[0] == n_gt
    with pytest.raises(GTDataError, match="comparison_filter"):
        mentoring_impact(m, pupils=pupils, assessments=tests, comparison_filter="nope")


def test_sample_trust_mentoring(sample):
    """The sample trust's mentoring table gives caseloads and a finite attainment DiD."""
    if getattr(sample, "mentoring", None) is None or sample.mentoring.empty:
        pytest.skip("sample has no mentoring table")
    c = mentor_caseloads(sample.mentoring)
    assert (c["n_mentees"] > 0).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        r = mentoring_impact(sample.mentoring, pupils=sample.pupils, assessments=sample.assessments,
                             attendance=getattr(sample, "attendance", None), exclusions=getattr(sample, "exclusions", None))
    assert len(r) and r["did"].notna().any()


def test_generated_trust_mentoring():
    """Generated trust (PLANTED: three mentees per mentor, mentees' absence x 0.75): the typical caseload is
    three and the attendance difference-in-differences is positive with an interval above zero."""
    from gtanalytics.sample import PLANTED, generate

    d = generate(seed=PLANTED["seed"])
    c = mentor_caseloads(d["mentoring"])
    assert c["n_mentees"].median() == PLANTED["mentoring"]["mentees_per_mentor"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        r = mentoring_impact(d["mentoring"], pupils=d["pupils"], attendance=d["attendance"]).set_index("outcome")
    assert r.loc["attendance %", "did_ci_low"] > 0


def make_drift_data(seed=7, n=400, n_mentees=60, drift=-2.0, effect=1.5, noise=2.0):
    """One school, Year 8 in 2023/24; termly maths tests Autumn 2022/23 .. Autumn 2024/25 (7 terms).
    Mentees (all on the register) drift ``drift`` points a term throughout and gain ``effect`` points
    in each of the three mentoring terms (Autumn-Summer 2023/24): a true effect of 3 x effect."""
    rng = np.random.default_rng(seed)
    upn = [f"M{i:04d}" for i in range(n)]
    reg = rng.random(n) < 0.3
    ment = np.zeros(n, dtype=bool)
    ment[rng.choice(np.flatnonzero(reg), n_mentees, replace=False)] = True
    pupils = pd.DataFrame({"upn": upn, "academic_year": "2023/24", "school_id": "S1", "year_group": 8,
                           "gt_register": reg})
    level = rng.normal(100, 12, n) + 10 * ment
    terms = [("2022/23", "Autumn"), ("2022/23", "Spring"), ("2022/23", "Summer"), ("2023/24", "Autumn"),
             ("2023/24", "Spring"), ("2023/24", "Summer"), ("2024/25", "Autumn")]
    tests = []
    for k, (year, term) in enumerate(terms):
        true = level + ment * (drift * k + effect * min(max(k - 2, 0), 3))
        tests.append(pd.DataFrame({"upn": upn, "academic_year": year, "term": term, "subject": "maths",
                                   "assessment": "T", "score_type": "standardised",
                                   "score": true + rng.normal(0, noise, n)}))
    mentoring = pd.DataFrame({"mentor": [f"LSA-{i // 3}" for i in range(n_mentees)],
                              "upn": pupils["upn"][ment].tolist(), "start_date": "2023-09-18",
                              "end_date": "2024-07-12"})
    return mentoring, pupils, pd.concat(tests, ignore_index=True), 3 * effect


def test_comparable_trend_adjusted_did_matches_statsmodels_and_recovers_drifting_mentees():
    """comparison="comparable": each pupil's change (Summer 2023 -> Autumn 2024, four terms) minus
    four times their own least-squares slope over the three terms before mentoring (numpy polyfit),
    mentees against never-mentored register or top-third pupils; the interval is statsmodels'
    Welch interval (CompareMeans.tconfint_diff(usevar="unequal")). Against the whole year group the
    mentees' drift makes the planted +4.5 look negative; the trend-adjusted estimate covers it."""
    m, pupils, tests, truth = make_drift_data()
    r = mentoring_impact(m, pupils=pupils, assessments=tests).iloc[0]
    w = tests.pivot_table(index="upn", columns=["academic_year", "term"], values="score", sort=False)
    pre = w.iloc[:, :3].to_numpy()
    slope = np.array([np.polyfit([0.0, 1.0, 2.0], row, 1)[0] for row in pre])
    adj = pd.Series(w.iloc[:, 6].to_numpy() - w.iloc[:, 2].to_numpy() - 4 * slope, index=w.index)
    mentee = adj.index.isin(m["upn"])
    reg = pupils.set_index("upn")["gt_register"].reindex(adj.index).to_numpy()
    top = pd.Series(pre.mean(axis=1)).rank(pct=True).to_numpy() > 2 / 3
    comp = ~mentee & (reg | top)
    lo, hi = CompareMeans(DescrStatsW(adj[mentee].to_numpy()),
                          DescrStatsW(adj[comp].to_numpy())).tconfint_diff(usevar="unequal")
    assert (r["n_mentees"], r["n_comparison"]) == (mentee.sum(), comp.sum())
    assert r["did"] == pytest.approx(adj[mentee].mean() - adj[comp].mean())
    assert (r["did_ci_low"], r["did_ci_high"]) == pytest.approx((lo, hi))
    assert r["mentee_trend"] == pytest.approx(slope[mentee].mean())
    assert "trend-adjusted" in r["did_method"] and "G&T register or in the top third" in r["did_method"]
    assert r["did_ci_low"] < truth < r["did_ci_high"] and r["did_ci_low"] > 0
    naive = mentoring_impact(m, pupils=pupils, assessments=tests, comparison="year_group").iloc[0]
    assert naive["did_ci_high"] < 0  # the bias the comparable design removes
    with pytest.raises(GTDataError, match="comparison must be"):
        mentoring_impact(m, pupils=pupils, assessments=tests, comparison="all")
    with pytest.raises(GTDataError, match="trend_terms"):
        mentoring_impact(m, pupils=pupils, assessments=tests, trend_terms=1)


def test_sample_trust_mentoring_finds_planted_attainment_effect(sample):
    """Sample trust (PLANTED["mentoring"]: mentees are register under-achievers drifting -0.45 SD a year,
    and mentoring adds +0.25 a year in latent units, 0.25 x POINTS = 3.375 test points a year, a third of
    it each mentoring term). The planted value of each mentee row is 0.25 x POINTS x (terms from before
    to after) / 3. Against the whole year group the DiD is negative; against comparable pupils with the
    trend adjustment it is positive in both subjects and its interval covers the planted value. The
    sample is small (38 mentee rows): on this draw the maths interval excludes zero, reading's does not."""
    from gtanalytics.comparison import school_calendar
    from gtanalytics.sample import PLANTED, POINTS

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        r = mentoring_impact(sample.mentoring, pupils=sample.pupils, assessments=sample.assessments).set_index(
            "outcome")
        naive = mentoring_impact(sample.mentoring, pupils=sample.pupils, assessments=sample.assessments,
                                 comparison="year_group").set_index("outcome")
    a = sample.assessments
    tested = set(school_calendar(a["date"])["term_index"].dropna()) if "date" in a else None
    mt = sample.mentoring.assign(s=school_calendar(sample.mentoring["start_date"])["term_index"].to_numpy(),
                                 e=school_calendar(sample.mentoring["end_date"])["term_index"].to_numpy())
    after = np.where(np.isin(mt["e"] + 1, list(tested)), mt["e"] + 1, mt["e"])
    per_row = PLANTED["mentoring"]["attainment_effect_sd_per_year"] * POINTS * (after - (mt["s"] - 1)) / 3
    truth = float(np.mean(per_row))
    assert 3.3 < truth < 4.6
    for subject in ("maths", "reading"):
        row = r.loc[f"attainment: {subject}"]
        assert naive.loc[f"attainment: {subject}", "did"] < 0
        assert row["did"] > 0 and row["did_ci_low"] < truth < row["did_ci_high"]
        assert row["mentee_trend"] < row["comparison_trend"]  # the drift before mentoring is visible
    assert r.loc["attainment: maths", "did_ci_low"] > 0
