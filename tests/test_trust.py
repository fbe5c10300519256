"""The trust overview (gtanalytics.sections.trust) and school-to-school pairs within a phase (sections.capacity)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from gtanalytics import sections
from gtanalytics.errors import GTDataError
from gtanalytics.gap_trends import gap_trend
from gtanalytics.headlines import headline_outcomes, school_phase
from gtanalytics.data._records import school_ids, summer_scores, years_of
from gtanalytics.trends import mentoring_pairs

KINGSMEAD = "8884101"


@pytest.fixture(scope="module")
def trust():
    from gtanalytics import load_sample

    return load_sample()


@pytest.fixture(scope="module")
def overview(trust):
    return sections.trust_overview(trust)


@pytest.fixture(scope="module")
def progress(trust):
    return sections.trust_progress(trust, year="2023/24")


def _shown_text(*secs) -> str:
    parts = []
    for sec in secs:
        parts += [sec.title, *map(str, sec.sentences), *map(str, sec.notes)]
        for t in sec.tables:
            parts += [t.caption, " ".join(map(str, t.frame.columns)), t.frame.astype(str).to_string()]
    return "\n".join(parts)


def test_schools_are_named_never_numbered(trust, overview, progress):
    text = _shown_text(overview.schools, overview.findings, overview.comparison, progress,
                       sections.trust_ratings(trust, year="2023/24"))
    for sid in school_ids(trust):
        assert sid not in text
    for name in trust.schools["school_name"]:
        assert name in text


def test_overview_headlines_equal_the_school_reports(trust, overview):
    """One number per fact: each school's headline figures are headline_outcomes on its own report data
    (trust.for_school, as sections.Document uses), with the same options and the same suppression."""
    checked = 0
    for sid in school_ids(trust):
        data = trust.for_school(sid)
        year = years_of(data)[-1]
        own = headline_outcomes(data, school=sid, year=year).set_index(["measure", "group"])  # nothing hidden at 6
        mine = overview.facts[(overview.facts["school_id"] == sid) & (overview.facts["topic"] == "headline")]
        assert len(mine) >= 4
        for r in mine.itertuples():
            ref = own.loc[(r.measure, r.group)]
            for col, refcol in (("value", "estimate"), ("ci_low", "ci_low"), ("ci_high", "ci_high"), ("n", "n")):
                a, b = getattr(r, col), ref[refcol]
                assert a == pytest.approx(float(b), rel=0, abs=1e-12), (sid, r.measure, col)
            checked += 1
    assert checked >= 16


def test_overview_gap_equals_the_school_reports_gap_section(trust, overview):
    """Kingsmead's disadvantage gap: the overview's numbers are gap_trend's on the school's report data, and the
    school report's own gaps section (sections.gaps_closing through a Document) says the same rounded figures."""
    gaps = overview.facts[(overview.facts["school_id"] == KINGSMEAD) & (overview.facts["topic"] == "gap")]
    data = trust.for_school(KINGSMEAD)
    years = years_of(data)
    reading = gaps[gaps["measure"] == "gap_reading"].iloc[0]
    direct = gap_trend(summer_scores(data, subject="reading", years=years), outcome="score", group="disadvantaged",
                       focus=True, min_n=10).change.iloc[0]
    assert reading["value"] == pytest.approx(direct["gap_last"], abs=1e-12)
    assert (reading["ci_low"], reading["ci_high"]) == pytest.approx((direct["ci_low"], direct["ci_high"]), abs=1e-12)
    assert "widened" in reading["text"] and "11.7" in reading["text"] and "6.6" in reading["text"]
    doc = sections.Document(trust, school=KINGSMEAD)
    said = " ".join(map(str, doc(sections.gaps_closing).sentences))
    assert "11.7" in said and "6.6" in said


def test_most_serious_finding_first_with_n_and_interval(overview):
    first = str(overview.findings.sentences[0])
    assert first.startswith("**Kingsmead Academy.**")
    assert "widened" in first and "95% interval" in first and "disadvantaged and" in first
    assert overview.findings.sentences[0].judgement == "negative"


def test_comparison_covers_the_issue_measures(overview):
    labels = " ".join(t.frame["Measure"].str.cat(sep=" ") for t in overview.comparison.tables)
    for what in ("KS2", "Attainment 8", "Progress 8", "Overall absence", "Persistent absence", "Disadvantage gap",
                 "G&T register", "Programme"):
        assert what in labels
    assert list(overview.schools.tables[0].frame.columns) == ["School", "Phase", "Pupils on roll",
                                                              "Disadvantaged pupils"]
    grid = overview.comparison.tables[0].frame.set_index("Measure")
    assert overview.schools.tables[0].frame["Phase"].tolist() == ["Primary", "Primary", "Secondary", "Secondary"]
    ks2 = next(m for m in grid.index if m.startswith("KS2"))
    assert grid.loc[ks2, "Kingsmead Academy"] == "\u2014"  # a primary measure is not asked of a secondary


def test_small_groups_hidden_for_governors(trust):
    ov = sections.school_overview(trust, school="8862101", threshold=12)  # 11 disadvantaged Year 6 pupils
    row = ov.facts[(ov.facts["measure"] == "ks2_rwm_expected") & (ov.facts["group"] == "disadvantaged")].iloc[0]
    assert pd.isna(row["value"]) and "not shown" in row["text"]
    leaders = sections.school_overview(trust, school="8862101", threshold=12, audience="leaders")
    row = leaders.facts[(leaders.facts["measure"] == "ks2_rwm_expected")
                        & (leaders.facts["group"] == "disadvantaged")].iloc[0]
    assert row["n"] == 11 and not pd.isna(row["value"])


def test_pairs_only_within_a_phase_on_the_same_test(trust, progress):
    phase = {sid: school_phase(trust, school=sid) for sid in school_ids(trust)}
    names = dict(zip(trust.schools["school_id"].astype(str), trust.schools["school_name"]))
    pairs = [str(s) for s in progress.sentences if "could support" in str(s)]
    assert pairs, "the sample has a clear within-phase pair"
    for text in pairs:
        mentor = next(n for n in names.values() if text.startswith(n))
        mentee = next(n for n in names.values() if f"support {n} in" in text)
        by_name = {v: k for k, v in names.items()}
        assert phase[by_name[mentor]] == phase[by_name[mentee]], text
        assert text.count("95% interval") == 2 and "n = " in text
    assert "Oakfield Primary could support Kingsmead" not in " ".join(pairs)


def test_school_report_pairs_stay_in_phase(trust):
    sec = sections.Document(trust, school="8862101")(sections.partner_schools)
    said = " ".join(map(str, sec.sentences))
    assert "Kingsmead" not in said and "Hollins" not in said


def test_mentoring_pairs_refuses_mixed_phases_and_pairs_within():
    # A strong primary and a weak secondary: on one scale they would pair; within phase they must not.
    g = pd.DataFrame({"school_id": ["P1", "P2", "S1", "S2"], "phase": ["primary", "primary", "secondary", "secondary"],
                      "n": [60, 60, 60, 60], "va": [3.0, 2.8, -2.8, -3.0], "se": [0.5] * 4})
    with pytest.raises(GTDataError, match="phase"):
        mentoring_pairs(g)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert mentoring_pairs(g, strata=["phase"]).empty
    g.loc[1, "va"], g.loc[2, "va"] = -3.0, 3.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = mentoring_pairs(g, strata=["phase"])
    assert set(map(tuple, found[["mentor_school", "mentee_school"]].values)) == {("P1", "P2"), ("S1", "S2")}
    assert (found["phase"].map({"primary": "P", "secondary": "S"}) == found["mentor_school"].str[0]).all()


def test_progress_by_school_compares_pupils_within_phase(trust):
    by = sections.progress_by_school(trust, subject="reading", year="2023/24")
    # within each phase, value added is a residual of that phase's own regression: the pupil-weighted mean is 0
    for _, g in by.groupby("phase"):
        assert np.average(g["va"], weights=g["n"]) == pytest.approx(0, abs=1e-9)
