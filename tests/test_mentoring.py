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
    """Attainment DiD: (Summer 2024 - Summer 2023) change of mentees minus that of same-year non-mentored
    pupils; the interval is statsmodels' Welch interval for the difference of the changes."""
    m, pupils, tests, att, exc = make_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        r = mentoring_impact(m, pupils=pupils, assessments=tests, attendance=att, exclusions=exc).set_index("outcome")
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
        r = mentoring_impact(m, pupils=pupils, assessments=tests, comparison_filter="gt_register", min_n=20)
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
