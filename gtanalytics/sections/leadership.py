"""Key area 1, leadership for excellence: do the pupils who most need support get it, which pupils are
they, and is the programme overseen?"""

from __future__ import annotations

from gtanalytics import narrative as nv
from gtanalytics import selfeval
from gtanalytics.progress import previous_year
from gtanalytics import disclosure
from gtanalytics.oversight import UNDER_ACHIEVING, need_groups, support_coverage
from gtanalytics.sections.capacity import ACTIVITY_POPULATION
from gtanalytics.sections.core import Section, Table, not_answered, population, smallest_group
from gtanalytics.sections.figures import notes_for, noting
from gtanalytics.sections.pupils import under_achiever_evidence
from gtanalytics.subjects import subjects_in
from gtanalytics._stats import SUPPRESSION_THRESHOLD

__all__ = ["pupils_in_need", "support_for_need"]

_Q = selfeval.KEY_QUESTIONS[1]
_SUPPORT_POPULATION = {"mentoring": ACTIVITY_POPULATION["mentoring"],
                       "intervention": ACTIVITY_POPULATION["interventions"]}
DEFINITION = ("*Able pupils making much less progress than expected* are pupils on the G&T register, or who scored "
              "above 115 on an earlier test, whose termly tests were on average more than half a standard deviation "
              "below the scores of pupils with the same score a year earlier. The source practice is that such "
              "pupils are mentored.")


def support_for_need(data, *, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
                     ledger=None) -> Section:
    """Do the pupils who most need support get it? (key area 1)

    :func:`gtanalytics.oversight.support_coverage` of the able under-achievers
    (:func:`gtanalytics.sections.pupils.under_achiever_evidence`, the pupils
    :func:`pupils_in_need` lists) and, for leaders, disadvantaged pupils on
    the register. Governors see
    one measure per kind of support (mentored or not; in an intervention or
    not): "mentoring or intervention" is left out, since with the other two
    it would reveal how many had both, and so the one gap is counted once per
    kind of support, not three times. Supported counts are part of key area
    5's mentees and intervention pupils in the ledger. Plans, minutes and
    reviews are not in pupil data: said so.
    """
    title = "Do the pupils who most need support get it?"
    plans = selfeval.cannot_answer("Are the programme's plans, targets and half-termly reviews in place?",
                             "plans, minutes and review notes show this, not pupil data", key_area=1)
    subjects = subjects_in(data.assessments, years=[year])
    if not subjects:
        no = selfeval.cannot_answer(title, f"no summer standardised test scores in {year} show who is under-achieving",
                              key_area=1)
        return Section(1, _Q[1], title, audience, sentences=(no, plans), evidence=(no, plans),
                       cannot_answer=(str(no), str(plans)))
    notes: list = []
    needs = noting(notes, need_groups, data, year=year, subjects=subjects)
    needs[UNDER_ACHIEVING] = set(under_achiever_evidence(data, year=year, notes=notes)["upn"])  # the list's rule
    coverage = support_coverage(needs, mentoring=data.mentoring, interventions=data.interventions,
                                academic_year=year)
    if audience == "governors":
        coverage = coverage[(coverage["group"] == UNDER_ACHIEVING)
                            & coverage["support"].isin(["mentoring", "intervention"])]
    else:
        coverage = coverage[coverage["support"] != "mentoring or intervention"]
    coverage = disclosure.for_audience(coverage, count_cols="n_supported",
                                       value_cols=["estimate", "se", "ci_low", "ci_high"],
                               threshold=threshold, audience=audience, block_col=["group", "support"],
                               totals={"n_supported": "n"})
    if ledger is not None and audience == "governors":
        coverage = ledger.protect(coverage, count_col="n_supported", value_cols=["estimate", "se", "ci_low", "ci_high"],
                                  population=lambda r: population(f"{r['group']} supported by {r['support']}", year),
                                  within=lambda r: _SUPPORT_POPULATION.get(r["support"]))
    sentences = tuple(nv.describe_support(coverage, min_n=smallest_group(threshold), threshold=threshold)) + (plans,)
    tables = ()
    if audience == "leaders":
        tables = (Table("", coverage, columns={"group": "Pupils who most need support", "support": "Support",
                                               "n": "Pupils", "n_supported": "Supported", "estimate": "Share",
                                               "ci_low": "95% interval from", "ci_high": "to"}),)
    return Section(1, _Q[1], title, audience, tables=tables, sentences=sentences, evidence=sentences,
                   cannot_answer=(str(plans),), notes=(DEFINITION, *notes_for(audience, notes)))


def pupils_in_need(data, *, year: str, years=None, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
                   ledger=None) -> Section:
    """Which able pupils are under-achieving? (key area 1) Leaders get the list; governors never see pupils.

    :func:`gtanalytics.sections.pupils.under_achiever_evidence`: able pupils (on the register, or
    scoring above 115 before) whose termly tests are on average well below the scores expected of
    them, worst first, with the evidence (how far below, on how many tests) and their current
    support (mentored, in an intervention, or none).
    """
    title = "Which able pupils are under-achieving?"
    if audience != "leaders":
        return not_answered(1, _Q[1], title, audience, "the list names pupils and is for leaders only", asked=title)
    notes: list = []
    needs = under_achiever_evidence(data, year=year, years=years, notes=notes)
    if needs.empty and not subjects_in(data.assessments, years=[year]):
        return not_answered(1, _Q[1], title, audience, f"no standardised test scores for both {year} and "
                            f"{previous_year(year)}", asked=title)
    unsupported = int((needs["Current support"] == "None").sum())
    said = (f"{len(needs)} able pupils are making much less progress than expected; {unsupported} of them are "
            f"neither mentored nor in an intervention this year.")
    return Section(1, _Q[1], title, audience,
                   tables=(Table(f"**{year}.** Rule: {needs.attrs['rule']}.", needs, decimals=1,
                                 columns={c: "UPN" if c == "upn" else c for c in needs.columns}),),
                   sentences=(said,),
                   notes=(("**Internal list: do not share.** Each pupil's evidence: how far below the scores expected "
                          "of them they were on average, on how many tests, and whether they are mentored or in an "
                          "intervention now."), *notes_for(audience, notes)))
