"""Leaders' sections about individual pupils (issue 14): the under-achievers with their evidence and support,
targets, the pupil profile, who might be missing from the register, and the excellence gap.

Each recovers the sample's planted pattern (data/sample/README.md, gtanalytics.datasets.planted_truth) or is
checked against an independent implementation (statsmodels, scipy)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from gtanalytics import sections
from gtanalytics.progress import summer_progress
from gtanalytics.sections._display import table
from gtanalytics.datasets import planted_truth
from gtanalytics.sections.pupils import expected_scores, under_achiever_evidence

YEAR = "2023/24"
SCHOOLS = ("8862101", "8872101", "8884101", "8894101")
HEADERS = ["upn", "Pupil", "Year group", "On the register", "Prior attainment band",
           "How far below expected (standardised-score points)", "Assessments below expected (of N)",
           "Current support"]


@pytest.fixture(scope="module")
def lists(sample):
    return {s: under_achiever_evidence(sample.for_school(s), year=YEAR) for s in SCHOOLS}


def test_under_achievers_recover_the_planted_pupils(sample, lists):
    """Planted: 52 high-prior pupils drift -0.45 SD a year from 2021/22 (README, pattern 3)."""
    planted = set(planted_truth()["underachievers"]["upn"])
    present = set(sample.pupils.loc[sample.pupils["academic_year"] == YEAR, "upn"]) & planted
    listed = set().union(*(set(f["upn"]) for f in lists.values()))
    able = set(sample.pupils.loc[sample.pupils["academic_year"] == YEAR, "upn"])  # everyone present this year
    hit = len(listed & present)
    table = [[hit, len(listed) - hit], [len(present) - hit, len(able) - len(listed) - len(present) + hit]]
    assert stats.fisher_exact(table, alternative="greater").pvalue < 1e-10
    assert hit / len(present) >= 0.35, "recall"
    assert hit / len(listed) >= 0.4, "precision: most listed pupils are planted ones"


def test_under_achiever_list_has_plain_headers_evidence_and_support(sample, lists):
    for f in lists.values():
        assert list(f.columns) == HEADERS
        assert f["How far below expected (standardised-score points)"].is_monotonic_decreasing
        assert (f["How far below expected (standardised-score points)"] > 0).all()
        assert f["Assessments below expected (of N)"].str.fullmatch(r"\d+ of \d+").all()
        assert set(f["Current support"]) <= {"None", "Mentored", "Intervention", "Mentored; Intervention"}
    # support read independently from the mentoring table: mentored pupils of 2023/24 start in Sep 2023-Aug 2024
    m = sample.mentoring
    start = pd.to_datetime(m["start_date"])
    mentored = set(m.loc[(start >= "2023-09-01") & (start < "2024-09-01"), "upn"])
    allf = pd.concat(lists.values())
    assert (allf["Current support"].str.contains("Mentored") == allf["upn"].isin(mentored)).all()
    sec = sections.pupils_in_need(sample.for_school("8894101"), year=YEAR, audience="leaders")
    assert list(sec.tables[0].frame.columns) == HEADERS and "Rule:" in sec.tables[0].caption
    shown = table(sec.tables[0].frame, columns=sec.tables[0].columns, decimals=sec.tables[0].decimals).data
    assert all(f">{h}</th>" in shown for h in ["UPN", *HEADERS[1:]]), "every column is displayed"


def test_expected_scores_are_ols_on_the_same_test_a_year_earlier(sample):
    data = sample.for_school("8862101")
    pairs = summer_progress(data, subject="maths", year=YEAR, term="Spring").dropna(subset=["outcome", "prior"])
    fit = smf.ols("outcome ~ prior", data=pairs).fit()
    ours = expected_scores(data, years=[YEAR], subjects=["maths"], terms=("Spring",)).set_index("upn")
    np.testing.assert_allclose(ours.loc[pairs["upn"], "expected"], fit.fittedvalues, rtol=1e-9)
    sd = np.sqrt(fit.ssr / fit.df_resid)
    below_ceiling = ours["pupil_p80"] < pairs["outcome"].max()
    np.testing.assert_allclose((ours["pupil_p80"] - ours["expected"])[below_ceiling], stats.norm.ppf(0.8) * sd,
                               rtol=0.02)
    assert (ours["pupil_p95"] <= pairs["outcome"].max()).all()


def test_targets_by_group_with_wilson_intervals(sample):
    sec = sections.pupil_targets(sample.for_school("8884101"), year=YEAR, audience="leaders")
    summary = sec.tables[0].frame.set_index("group")
    row = summary.loc["All pupils"]
    lo, hi = proportion_confint(round(row["reached"] * row["n"] / 100), row["n"], method="wilson")
    assert row["ci_low"] != row["r_low"]
    assert (row["r_low"], row["r_high"]) == pytest.approx((100 * lo, 100 * hi))
    assert row["r_low"] < 20 < row["r_high"], "about 1 in 5 pupils reach the 80th-percentile target"
    assert {"On the G&T register", "Disadvantaged", "SEN support or EHC plan"} <= set(summary.index)
    assert "not against all schools in England" in sec.notes[1]
    gov = sections.pupil_targets(sample.for_school("8884101"), year=YEAR, audience="governors")
    assert gov.tables == () and gov.cannot_answer


def test_find_pupil_ignores_case_accents_and_finds_part_of_a_name(sample):
    data = sample.for_school("8884101")
    names = data.pupils["forename"] + " " + data.pupils["surname"]
    accented = names[names.str.contains("ë")].iloc[0]
    found = sections.find_pupil(data, accented.replace("ë", "e").upper())
    assert accented in set(found["pupil"])
    upn = data.pupils["upn"].iloc[5]
    assert sections.find_pupil(data, upn[3:9].lower())["upn"].str.contains(upn[3:9]).all()


def test_pupil_profile_shows_scores_support_attendance_and_register(sample):
    data = sample.for_school("8894101")
    upn = sample.mentoring.loc[sample.mentoring["upn"].isin(data.pupils["upn"]), "upn"].iloc[0]
    sec = sections.pupil_profile(data, pupil=upn, year=YEAR)
    captions = [t.caption for t in sec.tables]
    assert upn in sec.title and len(sec.charts) == 1
    assert any(c.startswith("**Mentoring**") and not c.endswith("none recorded.") for c in captions)
    tests = next(t.frame for t in sec.tables if "Tests against expected" in t.caption)
    assert (tests["upn"] == upn).all() and len(tests) >= 6
    assert any("Attendance" in c for c in captions) and any("Register history" in c for c in captions)
    ambiguous = sections.pupil_profile(data, pupil="a", year=YEAR)
    assert ambiguous.tables == () and "type more" in ambiguous.notes[0]
    gov = sections.pupil_profile(data, pupil=upn, year=YEAR, audience="governors")
    assert gov.tables == () and gov.charts == () and upn not in gov.markdown()


def test_register_missing_recovers_the_selection_penalty(sample):
    """Planted: disadvantaged pupils are chosen for the register with a 0.55 SD penalty (README, pattern 2)."""
    missing = high = 0
    other_missing = other_high = 0
    for school in SCHOOLS:
        sec = sections.register_missing(sample.for_school(school), year=YEAR, audience="leaders")
        c = sec.tables[0].frame.set_index(["characteristic", "value"])
        d, a = c.loc[("disadvantaged", "yes")], c.loc[("all", "all")]
        missing, high = missing + d["n_missing"], high + d["n_high"]
        other_missing += a["n_missing"] - d["n_missing"]
        other_high += a["n_high"] - d["n_high"]
        listed = sec.tables[1].frame
        assert listed["upn"].is_unique and listed["evidence"].str.contains("in the year group").all()
    table = [[missing, high - missing], [other_missing, other_high - other_missing]]
    assert stats.fisher_exact(table, alternative="greater").pvalue < 0.01


def test_excellence_gap_is_welch_and_finds_kingsmead_widening_gap(sample):
    """Planted: Kingsmead's disadvantaged pupils lose 0.30 SD a year from 2022/23 (README, pattern 1)."""
    data = sample.for_school("8884101")
    sec = sections.excellence_gaps(data, year=YEAR, school="8884101", audience="leaders")
    gaps = sec.tables[0].frame.set_index("subject")
    assert (gaps["ci_high"] < 0).all()
    pairs = summer_progress(data, subject="maths", year=YEAR).dropna(subset=["outcome", "prior", "disadvantaged"])
    top = pairs[pairs["prior"] >= pairs["prior"].quantile(0.75)]
    dis = top["disadvantaged"].astype(bool)
    ci = stats.ttest_ind(top.loc[dis, "outcome"], top.loc[~dis, "outcome"], equal_var=False).confidence_interval()
    assert (gaps.loc["Maths", "ci_low"], gaps.loc["Maths", "ci_high"]) == pytest.approx((ci.low, ci.high))
    statutory = sec.tables[1].frame
    assert statutory["measure"].str.startswith("ks4_").all() and "ks4_progress8" in set(statutory["measure"])


@pytest.mark.parametrize("section", [sections.register_missing, sections.register_joiners_leavers,
                                     sections.excellence_gaps, sections.pupil_lookup, sections.pupils_in_need])
def test_governor_documents_never_name_pupils(sample, section):
    doc = sections.Document(sample, school="8862101", audience="governors")
    sec = doc(section)
    names = set(sample.pupils["surname"].dropna())
    assert not any(n in sec.markdown() for n in names if len(n) > 3)


def test_support_for_need_counts_the_pupils_the_list_names(sample, lists):
    data = sample.for_school("8894101")
    sec = sections.support_for_need(data, year=YEAR, audience="leaders")
    cov = sec.tables[0].frame
    n = cov.loc[cov["group"] == "Able pupils making much less progress than expected", "n"].unique()
    assert n.tolist() == [len(lists["8894101"])]


def test_pupil_control_starts_at_the_first_under_achiever_and_redraws(sample, lists):
    data = sample.for_school("8894101")
    w = sections.pupil_lookup(data, year=YEAR, interactive=True)
    box = w.children[0]
    first = lists["8894101"]["upn"].iloc[0]
    assert box.description == "Pupil" and box.value.endswith(f"({first})")
    other = next(o for o in box.options if not o.endswith(f"({first})"))
    box.value = other
    assert w.result.title.endswith(other.rsplit(" (", 1)[1].rstrip(")") + ")")


def _simulated(data, *, seed, drift_share):
    """The school's pupils with termly standardised scores redrawn: 100 + 13.5 z + error (SD 5), no progress
    difference, except that ``drift_share`` of pupils with z >= 0.9 lose 0.45 SD a year from Autumn 2021/22
    (the sample's under-achiever mechanism)."""
    import dataclasses

    rng = np.random.default_rng(seed)
    a = data.assessments.copy()
    upns = data.pupils["upn"].unique()
    z = pd.Series(rng.normal(size=len(upns)), index=upns)
    drifters = set(z.index[(z >= 0.9) & (rng.random(len(upns)) < drift_share)])
    terms = (a["academic_year"].str[:4].astype(int) - 2021) * 3 + a["term"].map({"Autumn": 0, "Spring": 1, "Summer": 2})
    drift = np.where(a["upn"].isin(drifters), -0.45 * 13.5 * terms / 3, 0)
    score = 100 + 13.5 * z.reindex(a["upn"]).to_numpy() + drift + rng.normal(0, 5, len(a))
    std = (a["score_type"] == "standardised").to_numpy()
    a.loc[std, "score"] = np.clip(np.round(score[std]), 69, 141)
    return dataclasses.replace(data, assessments=a), drifters


@pytest.mark.parametrize("drift_share", [0.0, 0.25])
def test_under_achiever_rule_under_no_drift_and_a_known_drift(sample, drift_share):
    data, drifters = _simulated(sample.for_school("8894101"), seed=11, drift_share=drift_share)
    now = set(data.pupils.loc[data.pupils["academic_year"] == YEAR, "upn"])
    listed = set(under_achiever_evidence(data, year=YEAR)["upn"])
    if not drift_share:
        assert len(listed) <= 0.02 * len(now), "with no under-achievement, at most 2% of pupils are listed"
        return
    drifters &= now
    hit = len(listed & drifters)
    table = [[hit, len(listed) - hit], [len(drifters) - hit, len(now) - len(listed) - len(drifters) + hit]]
    assert stats.fisher_exact(table, alternative="greater").pvalue < 1e-6
    assert hit / len(listed) >= 0.4
