"""SchoolData.for_school: one school's pupils, in the years they were on its roll.

Hand-built trust of two schools, A (a primary) and B (a secondary), with four pupils:
* MOVER: A in 2021/22-2022/23, B in 2023/24 (primary -> secondary);
* JOINER: B from 2022/23 only, with key stage 2 results taken elsewhere in 2021/22;
* LEAVER: A in 2021/22 only, with rows in 2022/23 from wherever he went next;
* RETURNER: A in 2021/22, B in 2022/23, A again in 2023/24.
"""

from __future__ import annotations

import pandas as pd
import pytest

from gtanalytics.errors import GTDataError
from gtanalytics.data._io import SchoolData
from gtanalytics.data.schemas import TABLES, empty_frame

ROLL = [("MOVER", "2021/22", "A"), ("MOVER", "2022/23", "A"), ("MOVER", "2023/24", "B"),
        ("JOINER", "2022/23", "B"), ("JOINER", "2023/24", "B"),
        ("LEAVER", "2021/22", "A"),
        ("RETURNER", "2021/22", "A"), ("RETURNER", "2022/23", "B"), ("RETURNER", "2023/24", "A")]
YEARS = ("2020/21", "2021/22", "2022/23", "2023/24")
START = {"2020/21": "2020-10-05", "2021/22": "2021-10-04", "2022/23": "2023-01-09", "2023/24": "2024-06-03"}


def _frame(name, rows):
    empty = empty_frame(TABLES[name])
    out = pd.DataFrame(rows, columns=list(rows[0])) if rows else empty
    return pd.concat([empty, out], ignore_index=True).astype(empty.dtypes.to_dict())[list(empty.columns)]


@pytest.fixture(scope="module")
def trust():
    upns = ("MOVER", "JOINER", "LEAVER", "RETURNER")
    tables = {name: empty_frame(spec) for name, spec in TABLES.items()}
    tables["schools"] = _frame("schools", [{"school_id": "A", "school_name": "A Primary"},
                                           {"school_id": "B", "school_name": "B Academy"}])
    tables["pupils"] = _frame("pupils", [{"upn": u, "academic_year": y, "school_id": s} for u, y, s in ROLL])
    # one summer test per pupil per year, whether or not the pupil was on a trust school's roll that year
    tables["assessments"] = _frame("assessments", [
        {"upn": u, "academic_year": y, "term": "Summer", "subject": "maths", "assessment": "test",
         "score_type": "standardised", "score": 100.0} for u in upns for y in YEARS])
    tables["attendance"] = _frame("attendance", [
        {"upn": u, "academic_year": y, "period": "Year", "possible_sessions": 300, "authorised_absence": 1,
         "unauthorised_absence": 0} for u in upns for y in YEARS[1:]])
    tables["interventions"] = _frame("interventions", [
        {"programme": f"P{y}", "upn": u, "staff": f"LSA-{y}", "start_date": pd.Timestamp(START[y]),
         "end_date": pd.Timestamp(START[y]) + pd.Timedelta(days=40)} for u in upns for y in YEARS[1:]])
    tables["mentoring"] = _frame("mentoring", [
        {"mentor": f"M-{u}", "mentor_role": "LSA", "upn": u, "start_date": pd.Timestamp("2023-09-18"),
         "end_date": pd.Timestamp("2024-07-12")} for u in upns])
    tables["self_evaluation"] = _frame("self_evaluation", [
        {"school_id": s, "academic_year": "2023/24", "key_area": 1, "rating": "Developing"} for s in "AB"])
    log = pd.DataFrame(columns=["file", "row", "column", "value", "problem", "action", "severity"])
    return SchoolData(**tables, quality=log, accounting=pd.DataFrame(), sources=pd.DataFrame())


def _pairs(t, year_col="academic_year"):
    return set(zip(t["upn"], t[year_col]))


def test_pupils_are_the_schools_own_rows(trust):
    a = trust.for_school("A")
    assert _pairs(a.pupils) == {(u, y) for u, y, s in ROLL if s == "A"}
    assert list(a.schools["school_id"]) == ["A"] and list(a.self_evaluation["school_id"]) == ["A"]


def test_yearly_tables_keep_only_years_on_the_roll(trust):
    a, b = trust.for_school("A"), trust.for_school("B")
    assert _pairs(a.attendance) == {(u, y) for u, y, s in ROLL if s == "A"}
    assert _pairs(b.attendance) == {(u, y) for u, y, s in ROLL if s == "B"}
    # the mover's secondary attendance never reaches the primary, nor the leaver's rows after he left
    assert ("MOVER", "2023/24") not in _pairs(a.attendance)
    assert ("LEAVER", "2022/23") not in _pairs(a.attendance)
    # the returner's year at B is B's, not A's
    assert ("RETURNER", "2022/23") not in _pairs(a.attendance) and ("RETURNER", "2022/23") in _pairs(b.attendance)


def test_dated_tables_by_the_academic_year_of_the_start_date(trust):
    a, b = trust.for_school("A"), trust.for_school("B")
    year_of = {START[y]: y for y in YEARS}
    got_a = {(r.upn, year_of[str(r.start_date.date())]) for r in a.interventions.itertuples()}
    assert got_a == {(u, y) for u, y, s in ROLL if s == "A"}
    # programmes and staff follow their pupils: B's 2021/22 programme is nowhere in B
    assert "P2021/22" not in set(b.interventions["programme"]) and "LSA-2021/22" not in set(b.interventions["staff"])
    # mentoring from September 2023 is 2023/24: the mover's and joiner's mentors are B's, the returner's A's
    assert set(a.mentoring["mentor"]) == {"M-RETURNER"}
    assert set(b.mentoring["mentor"]) == {"M-MOVER", "M-JOINER"}


def test_assessments_keep_prior_attainment_but_nothing_from_another_school_or_after_leaving(trust):
    a, b = trust.for_school("A"), trust.for_school("B")
    # the mover's primary results are the secondary's prior attainment; the joiner's from before he joined too
    assert _pairs(b.assessments) >= {("MOVER", y) for y in YEARS} | {("JOINER", y) for y in YEARS}
    # the primary keeps the mover's results up to his last year there, not his secondary results
    assert {y for u, y in _pairs(a.assessments) if u == "MOVER"} == {"2020/21", "2021/22", "2022/23"}
    # the leaver's results after leaving are not the primary's
    assert {y for u, y in _pairs(a.assessments) if u == "LEAVER"} == {"2020/21", "2021/22"}
    # the returner: A keeps its own years and the year before he first joined, not his year at B
    assert {y for u, y in _pairs(a.assessments) if u == "RETURNER"} == {"2020/21", "2021/22", "2023/24"}
    # B keeps his results from before he joined B (prior attainment) and his year at B, not his return to A
    assert {y for u, y in _pairs(b.assessments) if u == "RETURNER"} == {"2020/21", "2021/22", "2022/23"}
    assert set(b.assessments["upn"]) == {"MOVER", "JOINER", "RETURNER"}


def test_years_restrict_further_and_keep_earlier_results_as_prior(trust):
    a = trust.for_school("A", years=["2023/24"])
    assert _pairs(a.pupils) == {("RETURNER", "2023/24")}
    assert _pairs(a.attendance) == {("RETURNER", "2023/24")}
    assert {y for u, y in _pairs(a.assessments)} == {"2020/21", "2021/22", "2023/24"}
    assert _pairs(trust.for_school("A", years="2021/22").pupils) == {(u, "2021/22") for u in
                                                                     ("MOVER", "LEAVER", "RETURNER")}
    with pytest.raises(GTDataError, match="no pupils in school A"):
        trust.for_school("A", years=["2019/20"])


def test_school_id_as_text_or_number(sample):
    by_text, by_number = sample.for_school("8862101"), sample.for_school(8862101)
    for name in by_text.tables:
        pd.testing.assert_frame_equal(getattr(by_text, name), getattr(by_number, name))
    with pytest.raises(GTDataError, match="not in the pupils table"):
        sample.for_school("nope")


def test_sample_primary_holds_no_secondary_rows(sample):
    """Issue 12: Oakfield's data held its former pupils' secondary assessments, attendance and programmes."""
    oak = sample.for_school(8862101)
    roll = sample.pupils[["upn", "academic_year", "school_id"]]
    elsewhere = roll[roll["school_id"] != "8862101"]
    for name in ("attendance", "enrichment", "exclusions", "parents_evenings", "surveys"):
        t = getattr(oak, name)
        clash = t.merge(elsewhere, on=["upn", "academic_year"])
        assert clash.empty, name
    secondary_rows = oak.assessments.merge(elsewhere, on=["upn", "academic_year"])
    assert secondary_rows.empty
    assert "Maths Booster" in set(sample.interventions["programme"])
    assert "Maths Booster" not in set(oak.interventions["programme"])  # a Year 7-9 programme
