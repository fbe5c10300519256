"""Key area 5, building capacity for excellence: how are learning support staff deployed, and is capacity
shared with partner schools?"""

from __future__ import annotations

from gtanalytics import narrative as nv
from gtanalytics import plotting
from gtanalytics import report_data as rd
from gtanalytics import report_tables as rt
from gtanalytics.comparison import school_calendar
from gtanalytics.mentoring import mentor_caseloads
from gtanalytics.oversight import staff_deployment as deployment_of
from gtanalytics.progress import va_summary, value_added
from gtanalytics.sections.core import Section, Table, smallest_group
from gtanalytics.sections.figures import keep, notes_for, noting
from gtanalytics.subjects import subjects_in
from gtanalytics.trends import mentoring_pairs, school_comparison

__all__ = ["ACTIVITY_POPULATION", "partner_schools", "staff_deployment"]

_Q = nv.KEY_QUESTIONS[5]
#: The ledger population each activity's pupil count is.
ACTIVITY_POPULATION = {"mentoring": "mentees", "interventions": "pupils in intervention programmes"}


def staff_deployment(data, *, year: str, audience: str = "governors", threshold: int = 6, ledger=None) -> Section:
    """How are learning support staff deployed? (key area 5)

    :func:`gtanalytics.oversight.staff_deployment` for ``year``: all roles
    together for governors (a role with few pupils would be hidden, and then
    its neighbour too), each role for leaders, with each mentor's caseload
    (three mentees each, weekly). The year's numbers of mentees and of pupils
    in interventions go into the ledger as the populations ``"mentees"`` and
    ``"pupils in intervention programmes"``: other sections' counts of these
    pupils are protected against them.

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> sec = staff_deployment(load_sample().for_school(8862101), year="2023/24")
    >>> sec.key_area
    5
    """
    title = "How are learning support staff deployed?"
    dep = deployment_of(mentoring=data.mentoring, interventions=data.interventions, academic_year=year,
                        by_role=audience == "leaders")
    dep = rt.for_audience(dep, count_cols="n_pupils",
                          value_cols=["pupils_per_staff", "sessions_planned", "sessions_held", "held_rate", "ci_low",
                                      "ci_high", "staff_as_planned"],
                          threshold=threshold, audience=audience, block_col="activity")
    if ledger is not None and audience == "governors":
        for r in dep.itertuples():
            ledger.admit(ACTIVITY_POPULATION.get(r.activity, r.activity), r.n_pupils)
    if not len(dep):
        no = nv.cannot_answer(title, f"no mentoring or intervention records start in {year}", key_area=5)
        return Section(5, _Q[0], title, audience, sentences=(no,), evidence=(no,), cannot_answer=(str(no),))
    sentences = tuple(nv.describe_deployment(dep, min_n=smallest_group(threshold)))
    tables = ()
    this_year = data.mentoring[school_calendar(data.mentoring["start_date"])["academic_year"].to_numpy() == year] \
        if len(data.mentoring) else data.mentoring
    if audience == "leaders" and len(this_year):
        tables = (Table(f"Mentoring as planned in {year} (three mentees each, weekly over school weeks, with a "
                        f"learning log):", mentor_caseloads(this_year), columns={
                            "mentor": "Mentor", "mentor_role": "Role", "n_mentees": "Mentees",
                            "caseload_as_planned": "Three mentees", "held_rate": "Share of sessions held",
                            "sessions_per_week": "Sessions a school week", "weekly_cadence": "Weekly",
                            "mentees_with_log": "Share with a learning log"}),)
    return Section(5, _Q[0], title, audience, tables=tables, sentences=sentences, evidence=sentences)


def partner_schools(data, *, year: str, trust, school, audience: str = "governors", threshold: int = 6,
                    ledger=None, subjects=None) -> Section:
    """How does the school compare with the trust's other schools, and who could mentor whom? (key area 5)

    Value added on the summer tests over the whole trust by school
    (:func:`gtanalytics.trends.school_comparison`) and school-to-school
    mentoring pairs (:func:`gtanalytics.trends.mentoring_pairs`). Evidence:
    one standing per subject; the pairings restate the standings of two
    schools, so they are described but not counted again.
    """
    title = "How does the school compare with the trust's other schools?"
    small = smallest_group(threshold)
    names = {s: rd.school_name(trust, s) for s in rd.school_ids(trust)}
    sentences, evidence, no, notes = [], [], [], []
    subjects = list(subjects) if subjects is not None else subjects_in(data.assessments, years=[year])
    if len(names) < 3:
        no.append(nv.cannot_answer("How does the school compare with other schools?",
                                   "the data hold fewer than three schools", key_area=5))
    for subject in subjects if len(names) >= 3 else ():
        pairs = rd.summer_progress(trust, subject=subject, year=year)
        by_school = noting(notes, va_summary, noting(notes, value_added, pairs, outcome="outcome", prior="prior"),
                           by="school_id")
        standing = nv.describe_school_standing(noting(notes, school_comparison, by_school), school=school,
                                               school_name=names[school], measure_name=f"{subject} ({year})",
                                               min_n=small)
        pairings = nv.describe_partnerships(noting(notes, mentoring_pairs, by_school), school=school, names=names,
                                            measure_name=subject)
        sentences += [standing, *pairings]
        evidence.append(standing)  # a pairing restates the standings: described, not counted again
    no.append(nv.cannot_answer("Are improvement rates above the national rate?",
                               "no national improvement rate was supplied", key_area=5))
    how = ("Value added on the summer tests, with every pupil in the trust compared with pupils across the trust who "
           "had the same score a year earlier.")
    return Section(5, _Q[1], title, audience, sentences=tuple(sentences + no), evidence=tuple(evidence + no),
                   cannot_answer=tuple(str(s) for s in no), notes=(how, *notes_for(audience, notes)))


def trust_progress(trust, *, year: str, audience: str = "governors", threshold: int = 6, ledger=None,
                   subjects=None) -> Section:
    """Progress by school across the trust, and schools that could mentor schools (key area 5, trust overview).

    Value added on the summer tests over the whole trust, by school, per
    subject present; each school's count is made safe for the audience. The
    mentoring pairs are described; the standings are the evidence.
    """
    title = "Progress by school"
    small = smallest_group(threshold)
    names = {s: rd.school_name(trust, s) for s in rd.school_ids(trust)}
    subjects = list(subjects) if subjects is not None else subjects_in(trust.assessments, years=[year])
    charts, sentences, notes = [], [], []
    for subject in subjects:
        pairs = rd.summer_progress(trust, subject=subject, year=year)
        if len(pairs) < 3:
            continue
        by_school = noting(notes, va_summary, noting(notes, value_added, pairs, outcome="outcome", prior="prior"),
                           by="school_id")
        found = noting(notes, mentoring_pairs, by_school)
        by_school = rt.for_audience(by_school, count_cols="n", value_cols=["va", "se", "ci_low", "ci_high"],
                                    threshold=threshold, audience=audience)
        shown = by_school.assign(school_id=by_school["school_id"].map(names).fillna(by_school["school_id"]))
        charts.append(keep(plotting.value_added_by_group(shown, label="school_id", min_n=small,
                                                         title=f"Progress in {subject} by school, {year}")))
        said = nv.describe_value_added(by_school, measure_name=subject, label="school_id", names=names, min_n=small,
                                       comparison="pupils across the trust with the same starting score",
                                       key_area=5)
        sentences += said
        if len(found):
            sentences.append(nv.Statement("Schools mentoring schools: " + " ".join(found["evidence"]),
                                          judgement="neutral", key_area=5))
    no = () if sentences else (nv.cannot_answer(title, "no summer standardised test scores for two years", key_area=5),)
    how = ("Value added on the summer tests (this summer against last summer), pupils compared with pupils across "
           "the trust with the same starting score.")
    return Section(5, _Q[1], title, audience, charts=tuple(charts), sentences=tuple(sentences) + no,
                   evidence=tuple(s for s in sentences if "mentoring schools" not in s) + no,
                   cannot_answer=tuple(str(s) for s in no), notes=(how, *notes_for(audience, notes)))
