"""The minimal export of issue 12, made from the sample: what a school's MIS gives at the least.

Pupils and assessments only, MIS-style headers, capitalised subjects (secondaries: English and
Mathematics), only an "FSM Eligible" column (so disadvantage cannot be derived), no interventions,
mentoring or attendance.
"""

from __future__ import annotations

import pandas as pd

from gtanalytics import sections

PUPIL_HEADERS = {"upn": "UPN", "academic_year": "Academic Year", "school_id": "School ID", "year_group": "Year Group",
                 "forename": "Forename", "surname": "Surname", "sex": "Gender", "fsm": "FSM Eligible",
                 "gt_register": "G&T"}
ASSESSMENT_HEADERS = {"upn": "UPN", "academic_year": "Academic Year", "term": "Term", "subject": "Subject",
                      "assessment": "Assessment", "score_type": "Score Type", "score": "Score", "result": "Result"}
SECONDARY = {"reading": "English", "maths": "Mathematics"}


def write_minimal_export(sample_dir, folder):
    """Pupils and assessments of the sample, as a school's MIS might export them; secondaries say English/Mathematics."""
    folder.mkdir(parents=True, exist_ok=True)
    pupils = pd.read_csv(sample_dir / "pupils.csv", dtype=str)
    assessments = pd.read_csv(sample_dir / "assessments.csv", dtype=str)
    secondary_upns = set(pupils.loc[pupils["school_id"].isin(["8884101", "8894101"]), "upn"])
    subject = assessments["subject"].str.capitalize()
    at_secondary = assessments["upn"].isin(secondary_upns)
    assessments["subject"] = subject.where(~at_secondary, assessments["subject"].map(SECONDARY).fillna(subject))
    pupils[list(PUPIL_HEADERS)].rename(columns=PUPIL_HEADERS).to_csv(folder / "pupils.csv", index=False)
    assessments[list(ASSESSMENT_HEADERS)].rename(columns=ASSESSMENT_HEADERS).to_csv(folder / "assessments.csv",
                                                                                   index=False)
    return folder


#: Every section a notebook or report calls, in the order a document makes them (key area 5's totals first).
ALL = (sections.staff_deployment, sections.register_representative, sections.most_able_progress,
       sections.gaps_closing, sections.interventions_working, sections.staff_groups, sections.attendance,
       sections.mentoring_progress, sections.opportunities, sections.parents_engaged, sections.exclusions,
       sections.surveys, sections.support_for_need,
       sections.pupils_in_need, sections.partner_schools, sections.explore, sections.register_missing,
       sections.register_joiners_leavers, sections.excellence_gaps, sections.pupil_targets, sections.pupil_lookup)


def run_all(trust, school, audience):
    """One document with every section of :data:`ALL` and the self-evaluation, as a report makes it."""
    doc = sections.Document(trust, school=school, audience=audience)
    for f in ALL:
        doc(f)
    doc(sections.self_evaluation, evidence=doc.evidence)
    return doc
