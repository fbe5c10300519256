"""Page 1 of the governor report (sections.summary) and the key-area pages (sections.key_area_page).

Checked independently of the code under test where it matters: the national figures on page 1 are
read from the shipped reference data (gtanalytics.reference.national), the one-number-per-fact rule
by finding each page-1 gap figure in key area 2's own sentence, suppression by a threshold above a
known group size (the KS2 disadvantaged group of the primary sample school has 11 pupils).
"""

from __future__ import annotations

import re

import pytest

from gtanalytics import narrative as nv
from gtanalytics import sections
from gtanalytics.reference import national

YEAR = "2023/24"
KEY_AREA_SECTIONS = (sections.support_for_need, sections.register_representative, sections.most_able_progress,
                     sections.gaps_closing, sections.interventions_working, sections.attendance,
                     sections.mentoring_progress, sections.partner_schools)


def _document(sample, school, threshold=6):
    doc = sections.Document(sample, school=school, threshold=threshold)
    doc(sections.staff_deployment)
    for f in KEY_AREA_SECTIONS:
        doc(f)
    return doc


@pytest.fixture(scope="module")
def pages(sample):
    out = {}
    for school in ("8862101", "8884101"):
        doc = _document(sample, school)
        out[school] = (doc, doc(sections.summary), [doc(sections.key_area_page, key_area=k) for k in range(1, 6)])
    return out


def test_page_one_has_the_school_headlines_against_national_findings_and_questions(pages):
    for doc, page, _ in pages.values():
        assert page.title == "Summary" and page.lead.startswith(doc.school_name) and "pupils on roll" in page.lead
        table = page.tables[0].frame
        assert {"National", "National, disadvantaged pupils"} <= set(table.columns)
        assert table["Measure"].str.contains(r"\((?:% of pupils|% of sessions missed|scaled-score points|A8 "
                                             r"points|P8 points)\)").all()  # a unit on every row
        assert 3 <= len(page.sentences) <= 5 and 3 <= len(page.questions) <= 5
        for s in page.sentences:  # each finding with its n and its interval
            assert re.search(r"\d+ (?:register |disadvantaged |other )?(?:pupils|mentees|pupil results)", s) \
                and "interval" in s, s
        assert page.evidence == ()  # the key areas count their own evidence, once


def test_page_one_national_figures_are_the_shipped_ones_for_the_phase_and_year(pages):
    rows = pages["8884101"][1].tables[0].frame.set_index("Measure")
    a8 = national("ks4_attainment8", year=YEAR, phase="all", group="all")
    assert rows.loc["Attainment 8 (A8 points)", "National"] == f"{a8.value:.1f}"
    absence = national("overall_absence", year=YEAR, phase="secondary", group="all")
    assert rows.loc["Overall absence (% of sessions missed)", "National"] == f"{absence.value:.1f}"
    primary = pages["8862101"][1].tables[0].frame.set_index("Measure")
    primary_absence = national("overall_absence", year=YEAR, phase="primary", group="all")
    assert primary.loc["Overall absence (% of sessions missed)", "National"] == f"{primary_absence.value:.1f}"
    assert primary_absence.value != absence.value  # compared with its own phase, not all schools
    assert (primary["National, disadvantaged pupils"] == "no national figure").any()  # said, not compared


def test_one_number_per_fact_between_page_one_and_the_key_areas(pages):
    """Kingsmead's widening reading gap: page 1 and key area 2 give the same figures to the same decimal."""
    doc, page, _ = pages["8884101"]
    finding = next(s for s in page.sentences if "reading summer test widened" in s)
    gap = next(s for sec in doc.sections if sec.key_area == 2 for s in sec.sentences
               if "reading summer test" in s and "widened" in s)
    for number in re.findall(r"from (\d+\.\d) to (\d+\.\d)", finding)[0]:
        assert number in gap
    interval = re.search(r"95% interval (\d+\.\d) to (\d+\.\d)", finding).groups()
    assert f"95% interval {interval[0]} to {interval[1]}" in gap


def test_small_groups_are_hidden_on_page_one(sample):
    """With a threshold of 12 the primary school's 11 disadvantaged KS2 pupils are not shown, nor derivable."""
    doc = _document(sample, "8862101", threshold=12)
    table = doc(sections.summary).tables[0].frame.set_index("Measure")
    row = table.loc["KS2 reading, writing and maths: expected standard (% of pupils)"]
    assert row["Pupils"] == "42" and row["Disadvantaged pupils"] == "not shown"
    assert row["Disadvantaged pupils' result (95% interval)"] == "not shown (too few pupils)"


def test_key_area_pages_one_chart_few_sentences_and_the_rating(pages):
    for doc, _, areas in pages.values():
        for k, page in enumerate(areas, start=1):
            assert page.title.startswith(f"Key area {k}:")
            assert 1 <= len(page.sentences) <= 3 and len(page.charts) <= 1
            assert any("the school rates itself" in str(n) for n in page.notes)
            html = page.html()
            assert 'class="gt-page gt-keep"' in html  # the chart is never split from its sentences
        assert len(areas[2].charts) == 1  # interventions


def test_attendance_compares_with_the_phase_and_shows_disadvantaged_pupils(pages):
    doc = pages["8862101"][0]
    sec = next(s for s in doc.sections if s.title.startswith("Do able and disadvantaged pupils attend"))
    text = " ".join(sec.sentences)
    assert "national primary-school figure" in text and "Disadvantaged pupils: overall absence" in text
    assert "persistent absence" in text and "no national figure for this group" in text
    assert "False" not in text and "True" not in text


def test_gap_trend_sentences_say_the_direction_in_words():
    row = {"first_year": "2021/22", "last_year": YEAR, "gap_first": -5.4, "gap_last": -2.8, "estimate": 2.6,
           "ci_low": 0.5, "ci_high": 4.7, "low_n": False, "classification": "narrowing because the focus group improved"}
    s = nv.describe_gap_trend(row, measure_name="maths", unit="standardised-score points")
    assert "narrowed from 5.4 to 2.8 standardised-score points" in s and "narrower by 2.6" in s
    assert "change -" not in s and "\u2212" not in s.split("interval")[0]
    wide = nv.describe_gap_trend({**row, "gap_last": -11.6, "gap_first": -6.6, "estimate": -5.0, "ci_low": -8.2,
                                  "ci_high": -1.8, "classification": "widening"}, measure_name="reading")
    assert "widened from 6.6 to 11.6" in wide and "wider by 5.0" in wide and "interval 1.8 to 8.2" in wide


def test_page_one_carries_a_data_note_when_validation_left_rows_out(sample):
    """Issue 16: a report built on data with excluded rows says so on page 1 (quality.data_note), and one built
    on clean data says nothing."""
    import dataclasses

    clean = sections.Document(sample, school="8862101")(sections.summary)
    assert not any("Data note" in str(n) for n in clean.notes)
    acc = sample.accounting.copy()
    acc.loc[acc["table"] == "pupils", "rows_excluded"] = 3
    lossy = dataclasses.replace(sample, accounting=acc)
    page = sections.Document(lossy, school="8862101")(sections.summary)
    note = next(str(n) for n in page.notes if "Data note" in str(n))
    assert "3 pupils rows" in note and "leave them out" in note
