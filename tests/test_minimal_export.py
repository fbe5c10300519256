"""A minimal export works end to end: pupils and assessments only, MIS-style headers, capitalised subjects,
only an "FSM Eligible" column, no interventions, mentoring or attendance (issue 12).

Every section runs on the minimal export (and for every sample school on the full sample: tests/test_sections.py), and says what it
could not answer and why; tests/test_notebooks.py runs every notebook on the minimal export.
"""

from __future__ import annotations

import pytest
from minimal_export import ALL, run_all, write_minimal_export

from gtanalytics.data._io import load

YEAR = "2023/24"
@pytest.fixture(scope="module")
def minimal(sample_dir, tmp_path_factory):
    return load(write_minimal_export(sample_dir, tmp_path_factory.mktemp("minimal")))


def test_the_minimal_export_loads_as_the_mis_wrote_it(minimal):
    assert set(minimal.assessments["subject"]) >= {"English", "Mathematics", "Reading", "Maths"}
    assert minimal.pupils["disadvantaged"].isna().all() and minimal.pupils["fsm"].notna().any()
    assert minimal.interventions.empty and minimal.mentoring.empty and minimal.attendance.empty


@pytest.mark.parametrize("school", ["8862101", 8884101])
@pytest.mark.parametrize("audience", ["governors", "leaders"])
def test_every_section_runs_and_says_what_it_cannot_answer(minimal, school, audience):
    doc = run_all(minimal, school, audience)
    by_name = dict(zip([f.__name__ for f in ALL], doc.sections))
    for name, why in (("interventions_working", "no intervention records were supplied"),
                      ("mentoring_progress", "no mentoring records were supplied"),
                      ("attendance", "no attendance records were supplied"),
                      ("parents_engaged", "no parents' evening records were supplied"),
                      ("exclusions", "no exclusion records were supplied"),
                      ("surveys", "no survey answers were supplied"),
                      ("gaps_closing", "whether they are disadvantaged")):
        assert any(why in s for s in by_name[name].cannot_answer), (name, by_name[name].cannot_answer)
    # the capitalised subjects are found: progress is measured in both subjects present
    progress = by_name["most_able_progress"]
    assert len(progress.charts) == 2 and not progress.cannot_answer
    assert any("reading" in s for s in progress.sentences) and any("maths" in s for s in progress.sentences)
    assert len(doc.sections[-1].tables[0].frame) == 5  # the self-evaluation of every key area
