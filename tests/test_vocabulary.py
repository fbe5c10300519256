"""One result vocabulary: every metric's result frame speaks it, and every plot reads it as it comes.

design.md §8: each estimate comes with ``n`` (the pupils in it; a two-group comparison may give
``n_treatment``/``n_comparison`` or ``n_focus``/``n_other``), its estimate column (``estimate``, or
``va``/``g``/``gap`` where the public API fixes those names), ``se``, ``ci_low``, ``ci_high``,
``ci_method`` (how the interval was made) and ``low_n``.  The main metrics are run on the sample
school and each result is drawn by :func:`gtanalytics.plotting.estimates` (and the effects by
:func:`gtanalytics.plotting.effects_forest`) with no column-renaming argument: the points drawn must
be the frame's estimates and the interval lines its ``ci_low``/``ci_high``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import gtanalytics as gt
from gtanalytics import headlines, oversight, plotting, trends
from gtanalytics._stats import COUNT_COLUMNS, ESTIMATE_COLUMNS, vocabulary_column

YEAR = "2023/24"
SCHOOL = 8862101
INTERVAL = ("se", "ci_low", "ci_high", "ci_method", "low_n")


def _tests(data, subject="maths"):
    a = data.assessments
    return a[(a["score_type"] == "standardised") & (a["subject"] == subject) & (a["term"] == "Summer")]


@pytest.fixture(scope="module")
def frames(sample):
    """Every main metric's result frame, computed on one sample school (name -> (frame, label column))."""
    s = sample.for_school(SCHOOL)
    p = s.pupils
    tests = _tests(s)[["upn", "academic_year", "score"]]
    by_year = p.merge(tests.rename(columns={"score": "outcome"}), on=["upn", "academic_year"])
    prior = tests.assign(academic_year=tests["academic_year"].map({"2022/23": YEAR})).dropna()
    pairs = by_year[by_year["academic_year"] == YEAR].merge(prior[["upn", "score"]].rename(
        columns={"score": "prior"}), on="upn")
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        va = gt.value_added(pairs, outcome="outcome", prior="prior", by="gt_register")
        out["value_added.groups"] = va.groups, "gt_register"
        out["va_summary"] = gt.va_summary(va, by="disadvantaged"), "disadvantaged"
        whole = gt.value_added(sample.pupils.merge(_tests(sample)[["upn", "academic_year", "score"]], on=[
            "upn", "academic_year"]).query("academic_year == @YEAR").rename(columns={"score": "outcome"}).merge(
            prior[["upn", "score"]].rename(columns={"score": "prior"}), on="upn"),
            outcome="outcome", prior="prior", by="school_id")
        out["school_comparison"] = trends.school_comparison(whole), "school_id"
        out["effect_size"] = gt.effect_size(pairs, outcome="outcome", group="gt_register", treatment=True,
                                            pretest="prior").assign(label="G&T register"), "label"
        out["intervention_impact"] = gt.intervention_impact(s.interventions, pupils=p, assessments=s.assessments,
                                                            rng=1), "programme"
        out["mentoring_impact"] = gt.mentoring_impact(s.mentoring, pupils=p, assessments=s.assessments,
                                                      attendance=s.attendance, exclusions=s.exclusions), "outcome"
        kw = dict(group="disadvantaged", focus=True, by="year_group")
        out["gap"] = gt.gap(pairs, outcome="outcome", **kw), "year_group"
        out["threshold_gap"] = gt.threshold_gap(pairs, outcome="outcome", threshold=110, **kw), "year_group"
        out["value_added_gap"] = gt.value_added_gap(va.pupils, **kw), "year_group"
        out["gap_index"] = gt.gap_index(pairs, score="outcome", **kw), "year_group"
        out["excellence_gap"] = gt.excellence_gap(pairs, outcome="outcome", prior="prior", top_share=0.25,
                                                  threshold=110, **kw), "year_group"
        trend = gt.gap_trend(by_year, outcome="outcome", group="disadvantaged", focus=True)
        out["gap_trend.groups"] = trend.groups.assign(label=trend.groups["academic_year"] + " "
                                                      + trend.groups["group"]), "label"
        out["gap_trend.gaps"] = trend.gaps, "academic_year"
        out["gap_trend.change"] = trend.change, "last_year"
        out["register_representation"] = (gt.register_representation(p[p["academic_year"] == YEAR]).assign(
            label=lambda f: f["characteristic"] + " " + f["value"]), "label")
        att = s.attendance
        out["absence_rates"] = gt.absence_rates(att, pupils=p, by="disadvantaged").assign(
            label=lambda f: f["academic_year"] + " " + f["measure"]), "label"
        out["exclusion_rates"] = gt.exclusion_rates(s.exclusions, p).assign(
            label=lambda f: f["academic_year"] + " " + f["measure"]), "label"
        out["attendance_before_after"] = gt.attendance_before_after(
            att, p, participants=s.mentoring["upn"].unique(), start=YEAR).assign(label="mentees"), "label"
        out["enrichment_takeup"] = gt.enrichment_takeup(s.enrichment, p).assign(
            label=lambda f: f["academic_year"] + " " + f["category"]), "label"
        out["takeup_gap"] = gt.takeup_gap(s.enrichment, p).assign(
            label=lambda f: f["academic_year"] + " " + f["category"]), "label"
        out["parents_evening_attendance"] = gt.parents_evening_attendance(s.parents_evenings, p).assign(
            label=lambda f: f["academic_year"] + " " + f["measure"]), "label"
        out["survey_summary"] = gt.survey_summary(s.surveys, pupils=p).head(8), "question"
        out["staff_deployment"] = oversight.staff_deployment(mentoring=s.mentoring, interventions=s.interventions,
                                                             academic_year=YEAR), "activity"
        groups = oversight.need_groups(s, year=YEAR)
        out["support_coverage"] = oversight.support_coverage(groups, mentoring=s.mentoring,
                                                             interventions=s.interventions).assign(
            label=lambda f: f["group"] + " " + f["support"]), "label"
        h = headlines.headline_outcomes(s, school=str(SCHOOL), year=YEAR)
        out["headline_outcomes"] = h.assign(label=h["measure"] + " " + h["group"]), "label"
        out["key_findings"] = headlines.key_findings(h, register=out["register_representation"][0],
                                                     interventions=out["intervention_impact"][0]), "measure"
    assert all(len(f) for f, _ in out.values()), [k for k, (f, _) in out.items() if not len(f)]
    return out


NAMES = ["value_added.groups", "va_summary", "school_comparison", "effect_size", "intervention_impact",
         "mentoring_impact", "gap", "threshold_gap", "value_added_gap", "gap_index", "excellence_gap",
         "gap_trend.groups", "gap_trend.gaps", "gap_trend.change", "register_representation", "absence_rates",
         "exclusion_rates", "attendance_before_after", "enrichment_takeup", "takeup_gap",
         "parents_evening_attendance", "survey_summary", "staff_deployment", "support_coverage",
         "headline_outcomes", "key_findings"]


@pytest.mark.parametrize("name", NAMES)
def test_every_result_frame_speaks_the_vocabulary(frames, name):
    frame, _ = frames[name]
    assert vocabulary_column(frame) is not None, f"{name}: no estimate column ({ESTIMATE_COLUMNS})"
    assert vocabulary_column(frame, COUNT_COLUMNS) is not None, f"{name}: no pupil count ({COUNT_COLUMNS})"
    missing = [c for c in INTERVAL if c not in frame.columns]
    assert not missing, f"{name} lacks {missing}; columns are {list(frame.columns)}"
    assert frame["low_n"].dropna().isin([True, False]).all()
    named = frame.loc[frame["ci_low"].notna(), "ci_method"]
    assert named.map(lambda m: isinstance(m, str) and len(m) > 3).all(), f"{name}: an interval without its method"


def test_the_public_api_names_stay(frames):
    """design.md §3: value_added's groups, effect_size and gap keep their contracted columns."""
    assert {"n", "va", "se", "ci_low", "ci_high"} <= set(frames["value_added.groups"][0].columns)
    assert {"g", "se", "ci_low", "ci_high", "n_treatment", "n_comparison", "months"} <= set(
        frames["effect_size"][0].columns)
    assert {"n_focus", "n_other", "mean_focus", "mean_other", "gap", "ci_low", "ci_high"} <= set(
        frames["gap"][0].columns)


def _drawn(ax):
    """The estimates drawn as points and the intervals drawn as lines, each sorted."""
    points, bars = [], []
    for line in ax.get_lines():
        x = np.asarray(line.get_xdata(), dtype=float)
        if line.get_marker() not in (None, "None", "") and len(x) == 1:
            points.append(float(x[0]))
        elif len(x) == 2 and line.get_linestyle() != "--":
            bars.append(tuple(sorted(x)))
    return sorted(points), sorted(bars)


@pytest.mark.parametrize("name", NAMES)
def test_every_result_frame_is_drawn_without_renaming(frames, name):
    frame, label = frames[name]
    est = vocabulary_column(frame)
    ax = plotting.estimates(frame, label=label)
    points, bars = _drawn(ax)
    shown = frame[frame[est].notna()]
    assert points == pytest.approx(sorted(shown[est].astype(float)))
    both = shown[shown["ci_low"].notna() & shown["ci_high"].notna()]
    expected = sorted(tuple(sorted(v)) for v in zip(both["ci_low"].astype(float), both["ci_high"].astype(float)))
    np.testing.assert_allclose(np.array(bars).reshape(-1, 2), np.array(expected).reshape(-1, 2), rtol=1e-12)
    counts = frame[vocabulary_column(frame, COUNT_COLUMNS)]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(ticks) == sorted(f"{lab} (n={int(n)})" if pd.notna(n) else f"{lab} (n suppressed)"
                                   for lab, n in zip(frame[label].astype("string").fillna("not recorded"), counts))


@pytest.mark.parametrize("name", ["effect_size", "intervention_impact", "mentoring_impact"])
def test_effects_are_drawn_as_a_forest_without_renaming(frames, name):
    frame, label = frames[name]
    est = vocabulary_column(frame)
    points, _ = _drawn(plotting.effects_forest(frame, label=label))
    assert points == pytest.approx(sorted(frame[est].dropna().astype(float)))


def test_narrative_reads_the_effects_as_they_come(frames):
    """describe_effect needs no renaming either: a programme with a comparison group is judged on its estimate."""
    from gtanalytics import narrative as nv

    impact = frames["intervention_impact"][0]
    said = nv.describe_effect(impact, outcome_name="the termly test", label="programme", min_n=1)
    said = said if isinstance(said, list) else [said]
    for (_, row), s in zip(impact.iterrows(), said):
        if pd.notna(row["estimate"]) and row["n_comparison"] > 0:
            assert s.judgement != "no_data" and f"{abs(row['estimate']):.2f}" in str(s)
        else:
            assert s.judgement == "no_data"


def test_a_frame_without_an_estimate_is_refused():
    with pytest.raises(gt.GTDataError, match="estimate column"):
        plotting.estimates(pd.DataFrame({"group": ["a"], "n": [20], "mean": [1.0], "ci_low": [0.5],
                                         "ci_high": [1.5]}))
