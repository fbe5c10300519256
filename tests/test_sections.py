"""Key-area sections: one result per key question, made safe once, with one ledger per document."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest
from minimal_export import run_all

from gtanalytics import sections
from gtanalytics.disclosure._suppress import Ledger
from gtanalytics.errors import GTDataError
from gtanalytics.progress import summer_progress
from gtanalytics.sections.core import population
from gtanalytics.subjects import canonical_subject, subjects_in

YEAR = "2023/24"
# --------------------------------------------------------------------------- ledger
def test_ledger_refuses_a_second_count_a_small_group_away():
    ledger = Ledger(threshold=6)
    assert ledger.admit("register", 39)
    assert not ledger.admit("register", 35)  # 4 register pupils could be worked out
    assert ledger.admit("register", 39) and ledger.admit("register", 33)  # equal, or 6 or more away
    assert not ledger.admit("register", 34)  # 5 from 39 and 1 from 33
    assert ledger.admit("register", float("nan"))  # nothing shown, nothing to compare


def test_ledger_parts_and_wholes():
    ledger = Ledger(threshold=6)
    assert ledger.admit("mentees", 17)
    assert not ledger.admit("under-achievers mentored", 14, within="mentees")  # 3 other mentees revealed
    assert ledger.admit("under-achievers mentored", 11, within="mentees")
    ledger2 = Ledger(threshold=6)
    assert ledger2.admit("under-achievers mentored", 14, within="mentees")
    assert not ledger2.admit("mentees", 17)  # the whole after its part: refused too


def test_ledger_protect_hides_count_and_statistics():
    ledger = Ledger(threshold=6)
    ledger.admit("mentees", 16)
    frame = pd.DataFrame({"outcome": ["maths", "attendance"], "n": [16, 12], "did": [1.5, 2.0]})
    out = ledger.protect(frame, count_col="n", population="mentees", value_cols=["did"])
    assert out["n"].isna().tolist() == [False, True] and out["did"].isna().tolist() == [False, True]
    assert out["suppressed"].tolist() == ["", "elsewhere"]


# --------------------------------------------------------------------------- one document
@pytest.fixture(scope="module")
def documents(sample):
    """Every sample school's governor document with every section (tests/minimal_export.py ALL), made once."""
    return {school: run_all(sample, school, "governors") for school in sample.schools["school_id"]}


def test_every_section_runs_for_every_sample_school(documents):
    for doc in documents.values():
        assert all(sec.sentences or sec.charts or sec.cannot_answer for sec in doc.sections)


def test_no_population_shows_two_counts_a_small_group_apart(documents):
    """Independent check on the words: every "N mentees" and every register group's "N pupils" in one document."""
    for school, doc in documents.items():
        text = [str(s) for sec in doc.sections for s in sec.sentences]
        mentees = {int(n) for s in text for n in re.findall(r"(?<!fewer than )\b(\d+) mentees", s)}
        register = {int(n) for s in text if s.startswith("Pupils on the G&T register")
                    for n in re.findall(r"[(;] ?(\d+) pupils[,)]", s)}
        for counts in (mentees, register):
            assert not [(a, b) for a in counts for b in counts if 0 < abs(a - b) < 6], (school, counts)


def test_kingsmead_mentoring_outcome_is_withheld_not_called_small(documents):
    """Issue 12's example: 15 mentees with attainment data and 12 with attendance data in one report."""
    sec = next(s for s in documents["8884101"].sections if s.title.startswith("Is mentoring"))
    withheld = [s for s in sec.sentences if "not shown, because" in s]
    assert withheld and all("fewer than 10" not in s for s in withheld)


def test_a_count_already_shown_protects_the_attendance_section(sample):
    """The attendance section takes a register count from the ledger: 3 away from one already shown is hidden."""
    data = sample.for_school("8862101")
    free = sections.attendance(data, year=YEAR, ledger=Ledger(6))
    shown = free.sentences[[s.startswith("Pupils on the G&T register") for s in free.sentences].index(True)]
    n = int(re.search(r"[(;] ?(\d+) pupils[,)]", shown).group(1))
    ledger = Ledger(6)
    ledger.admit(population("pupils", YEAR, gt_register=True), n + 3)
    held = sections.attendance(data, year=YEAR, ledger=ledger)
    assert any(s.startswith("Pupils on the G&T register: not shown") for s in held.sentences)
    assert not any(f"{n} pupils" in s and "G&T" in s for s in held.sentences)


def test_governor_sections_never_carry_personal_columns(sample):
    frame = pd.DataFrame({"upn": ["A123"], "n": [10]})
    with pytest.raises(GTDataError, match="lists individual pupils .upn. and is for senior leaders only"):
        sections.Section(2, "q", "t", "governors", tables=(sections.Table("", frame),))
    sections.Section(2, "q", "t", "leaders", tables=(sections.Table("", frame),))  # leaders may list pupils
    leaders = sections.pupils_in_need(sample.for_school("8862101"), year=YEAR, audience="leaders")
    assert any("upn" in t.frame.columns for t in leaders.tables)
    governors = sections.pupils_in_need(sample.for_school("8862101"), year=YEAR, audience="governors")
    assert governors.tables == () and governors.cannot_answer


def test_one_rule_for_the_smallest_group():
    assert sections.smallest_group(6) == sections.SMALLEST_GROUP == 10
    assert sections.smallest_group(12) == 12


def test_free_text_goes_through_one_door(sample, monkeypatch):
    """Programme names and self-evaluation notes reach a section through sections.staff_text only."""
    from gtanalytics.sections import learning, review

    seen = []

    def spy(values, *, audience, pupils=None):
        seen.append(audience)
        return values.str.upper() if isinstance(values, pd.Series) else str(values).upper()

    monkeypatch.setattr(learning, "staff_text", spy)
    monkeypatch.setattr(review, "staff_text", spy)
    data = sample.for_school("8862101")
    sec = learning.interventions_working(data, year=YEAR)
    assert any("CATCH-UP LITERACY" in s for s in sec.sentences)
    se = review.self_evaluation(data, evidence=[], school="8862101")
    assert any("GOVERNOR LINKED TO G&T" in s for s in se.sentences)
    assert seen == ["governors", "governors"]


# --------------------------------------------------------------------------- evidence counted once
def test_partner_pairings_are_not_counted_again(documents):
    sec = next(s for s in documents["8862101"].sections if s.key_area == 5 and "compare" in s.title)
    standings = [s for s in sec.evidence if s.judgement != "no_data"]
    assert len(standings) == len(subjects_in(documents["8862101"].data.assessments, years=[YEAR]))
    assert all("could mentor" not in s and "could learn" not in s for s in sec.evidence)


def test_support_gap_counted_once_per_kind_of_support(documents):
    sec = next(s for s in documents["8872101"].sections if s.key_area == 1)
    judged = [s for s in sec.evidence if s.judgement != "no_data"]
    assert len(judged) == 2  # mentored, in an intervention; never "mentoring or intervention" as well
    assert not any("mentoring or intervention" in s for s in sec.sentences)


def test_parents_evenings_count_in_key_area_4(sample):
    sec = sections.parents_engaged(sample.for_school("8884101"), year=YEAR, audience="leaders")
    assert sec.key_area == 4 and [s.key_area for s in sec.evidence] == [4]
    assert sec.evidence[0].judgement in {"positive", "negative", "neutral", "too_few"}


def test_surveys_and_exclusions_count_in_key_area_4(sample):
    """Issue 12: surveys and exclusions count where they answer a key question; each question once."""
    data = sample.for_school("8884101")
    sec = sections.surveys(data, year=YEAR, audience="leaders")
    asked = data.surveys[data.surveys["academic_year"] == YEAR][["respondent", "question"]].drop_duplicates()
    assert len(sec.evidence) == len(asked) and {s.key_area for s in sec.evidence} == {4}
    # the planted pattern: register pupils feel less challenged in lessons than others
    challenged = next(s for s in sec.sentences if s.startswith("Pupils, \u201cI am challenged"))
    assert "lower" in challenged
    sus = sections.exclusions(data, year=YEAR)
    assert {s.key_area for s in sus.evidence} == {4} and len(sus.evidence) == 2


def test_each_section_says_what_it_cannot_answer(sample):
    data = sample.for_school("8862101")
    bare = dataclasses.replace(data, interventions=data.interventions.iloc[:0], mentoring=data.mentoring.iloc[:0],
                               attendance=data.attendance.iloc[:0])
    for f in (sections.interventions_working, sections.mentoring_progress, sections.attendance):
        sec = f(bare, year=YEAR)
        assert sec.cannot_answer and sec.evidence[0].judgement == "no_data", f.__name__
        assert "were supplied" in sec.cannot_answer[0]


# --------------------------------------------------------------------------- subjects
@pytest.mark.parametrize("raw, canon", [("Maths", "maths"), ("MATHEMATICS", "maths"), ("math", "maths"),
                                        ("Reading", "reading"), ("English", "reading"), (" english  language", "reading"),
                                        ("Art & Design", "art and design"), ("Science", "science")])
def test_canonical_subject(raw, canon):
    assert canonical_subject(raw) == canon


def test_capitalised_subjects_give_the_same_progress(sample):
    data = sample.for_school("8884101")
    spelled = data.assessments.assign(subject=data.assessments["subject"].map(
        {"reading": "English", "maths": "Mathematics"}).fillna(data.assessments["subject"]))
    renamed = dataclasses.replace(data, assessments=spelled)
    assert subjects_in(renamed.assessments) == subjects_in(data.assessments)
    for subject in ("maths", "Maths", "mathematics"):
        a = summer_progress(renamed, subject=subject, year=YEAR)
        b = summer_progress(data, subject="maths", year=YEAR)
        pd.testing.assert_series_equal(a["outcome"].reset_index(drop=True), b["outcome"].reset_index(drop=True))
    base = sections.most_able_progress(data, year=YEAR)
    again = sections.most_able_progress(renamed, year=YEAR)
    assert [str(s) for s in again.sentences] == [str(s) for s in base.sentences]
