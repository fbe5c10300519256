"""Key area 4, engaging pupils and parents: is mentoring followed by better progress, do able and
disadvantaged pupils take up opportunities and attend school, are parents engaged?"""

from __future__ import annotations

import pandas as pd

from gtanalytics import narrative as nv
from gtanalytics import selfeval
from gtanalytics import plotting
from gtanalytics import disclosure
from gtanalytics.attendance import absence_rates, exclusion_rates, pupil_absence
from gtanalytics.balance import describe_comparability
from gtanalytics.comparison import school_calendar
from gtanalytics.engagement import (
    enrichment_takeup,
    parents_evening_attendance,
    survey_summary,
    takeup_gap,
)
from gtanalytics.mentoring import mentor_caseloads, mentoring_impact
from gtanalytics.sections.core import Section, Table, not_answered, population, smallest_group, staff_text, withhold
from gtanalytics.sections.figures import keep, notes_for, noting
from gtanalytics.selfeval import Statement
from gtanalytics._stats import SUPPRESSION_THRESHOLD, newcombe_ci, welch_moments

__all__ = ["attendance", "exclusions", "mentoring_caseloads", "mentoring_progress", "opportunities",
           "parents_engaged", "register_opportunities", "surveys"]

_Q = selfeval.KEY_QUESTIONS[4]
_REGISTER = {True: "Pupils on the G&T register", False: "Other pupils"}
#: Plain words for the pupil groups these sections compare.
GROUP_WORDS = {"gt_register": ("pupils on the G&T register", "other pupils"),
               "disadvantaged": ("disadvantaged pupils", "other pupils")}
#: Each group's two values in words, when several groupings share one table.
_GROUP_NAMES = {"gt_register": {True: "On the G&T register", False: "Not on the register"},
                "disadvantaged": {True: "Disadvantaged", False: "Not disadvantaged"}}
_CATEGORY_WORDS = {"any": "Any opportunity", "learner_academy": "Learner Academy", "club": "Clubs",
                   "competition": "Competitions", "masterclass": "Masterclasses", "summer_school": "Summer school",
                   "trip": "Trips"}


def _outcome_words(outcome: str) -> str:
    """``"attainment: maths"`` -> ``"maths test scores"``; ``"attendance %"`` -> ``"attendance"``."""
    text = str(outcome)
    if text.lower().startswith("attainment: "):
        return f"{text.split(': ', 1)[1]} test scores"
    return "attendance (% of sessions)" if text.lower().startswith("attendance") else text


def mentoring_progress(data, *, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
                       ledger=None) -> Section:
    """Is mentoring of able under-achievers followed by better progress? (key area 4, question 1)

    :func:`gtanalytics.mentoring.mentoring_impact` against comparable G&T
    pupils who were not mentored. Every outcome counts mentees: one
    population in the ledger (``"mentees"``), so that two outcomes, or an
    outcome and key area 5's number of mentees, never differ by a small group.
    """
    title = "Is mentoring of able under-achievers followed by better progress?"
    if not len(data.mentoring):
        return not_answered(4, _Q[0], title, audience, "no mentoring records were supplied",
                            asked="Is mentoring followed by better progress?", evidence=True)
    notes: list = []
    result = noting(notes, mentoring_impact, data.mentoring, pupils=data.pupils, assessments=data.assessments,
                    attendance=data.attendance if len(data.attendance) else None, comparison_filter="gt_register")
    result = disclosure.for_audience(result, count_cols=["n_mentees", "n_comparison"], threshold=threshold, audience=audience)
    if ledger is not None and audience == "governors":
        values = [c for c in ("did", "did_se", "did_ci_low", "did_ci_high", "mentee_before", "mentee_after")
                  if c in result.columns]
        result = ledger.protect(result, count_col="n_mentees", population="mentees", value_cols=values)
    result = result.assign(outcome=result["outcome"].map(_outcome_words))
    units = {o: "percentage points" if o.startswith("attendance") else "standardised-score points"
             for o in result["outcome"]}
    sentences = tuple(withhold(nv.describe_change(result, label="outcome", min_n=smallest_group(threshold),
                                                  comparison="comparable G&T pupils who were not mentored",
                                                  units=units),
                               result, label="outcome", threshold=threshold, key_area=4))
    comparable = tuple(c[:1].upper() + c[1:] for c in describe_comparability(
        result, label="outcome", who="mentees", comparison="the G&T pupils who were not mentored",
        names={"smd_before": "the test before mentoring"}))
    return Section(4, _Q[0], title, audience, sentences=sentences + (comparable if audience == "leaders" else ()),
                   evidence=sentences, notes=notes_for(audience, notes))


def mentoring_caseloads(data, *, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
                        ledger=None) -> Section:
    """Is mentoring done as planned: three mentees each, weekly, with a learning log? (key area 4, question 1)

    :func:`gtanalytics.mentoring.mentor_caseloads` over the mentoring that
    started in ``year``, with sessions counted per SCHOOL week (holidays
    left out, :func:`gtanalytics.comparison.school_weeks`). Leaders see each
    mentor and their mentees by name; governors the counts of mentors only.

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> sec = mentoring_caseloads(load_sample().for_school(8884101), year="2023/24", audience="leaders")
    >>> sec.tables[0].frame["n_mentees"].tolist()
    [3, 3, 1, 3, 3]
    """
    title = "Is mentoring done as planned (three mentees each, weekly, with a learning log)?"
    rows = data.mentoring
    if len(rows):
        rows = rows[school_calendar(rows["start_date"])["academic_year"].to_numpy() == year]
    if not len(rows):
        return not_answered(4, _Q[0], title, audience, f"no mentoring records were supplied for {year}",
                            asked="Is mentoring done as planned?")
    loads = mentor_caseloads(rows)
    k = len(loads)
    three, weekly = int(loads["caseload_as_planned"].sum()), int(loads["weekly_cadence"].sum())
    logged = rows["log_entries"].gt(0).mean() if "log_entries" in rows and rows["log_entries"].notna().any() else None
    sentences = [
        Statement(f"{three} of {k} mentors had three mentees in {year} (the source practice: three each).",
                  judgement="neutral", key_area=4),
        Statement(f"{weekly} of {k} mentors met their mentees at least once a school week on average (sessions "
                  f"held divided by the school weeks each mentoring ran, holidays left out).", judgement="neutral",
                  key_area=4),
        Statement(f"{logged:.0%} of the {len(rows)} mentees have a learning log with at least one entry."
                  if logged is not None else "No learning-log entries are recorded.", judgement="neutral",
                  key_area=4)]
    tables = ()
    if audience == "leaders":
        names = data.pupils.drop_duplicates("upn", keep="last").set_index("upn")
        who = rows["upn"].map((names["forename"] + " " + names["surname"]) if {"forename", "surname"} <= set(names)
                              else pd.Series(dtype=str)).fillna(rows["upn"])
        loads = loads.merge(who.groupby(rows["mentor"]).agg(", ".join).rename("mentees"), left_on="mentor",
                            right_index=True)
        loads["held"] = [f"{h:.0f} of {p:.0f}" if pd.notna(h) and pd.notna(p) else "not recorded"
                         for h, p in zip(loads["sessions_held"], loads["sessions_planned"])]
        tables = (Table(f"Each mentor, {year} (weeks are school weeks: holidays left out)", loads, columns={
            "mentor": "Mentor", "mentor_role": "Role", "mentees": "Mentees", "n_mentees": "Number",
            "caseload_as_planned": "Three mentees", "held": "Sessions held", "weeks": "School weeks",
            "sessions_per_week": "Sessions a school week", "weekly_cadence": "Weekly",
            "mentees_with_log": "Share with a learning log", "log_entries_per_session": "Log entries a session"},
            decimals={"School weeks": 0, "Sessions a school week": 2, "Share with a learning log": 2,
                      "Log entries a session": 2}),)
    return Section(4, _Q[0], title, audience, tables=tables, sentences=tuple(sentences))


def register_opportunities(data, *, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
                           ledger=None) -> Section:
    """Do register pupils take up opportunities beyond the classroom and the Learner Academy, disadvantaged or not?

    Among the pupils on the G&T register in ``year``: the share taking up
    each category of opportunity (any, the Learner Academy, masterclasses,
    ...) by disadvantage, with n and Wilson intervals
    (:func:`gtanalytics.engagement.enrichment_takeup`), and the gap between
    disadvantaged register pupils and other register pupils for any
    opportunity and for the Learner Academy (Newcombe interval,
    :func:`gtanalytics.engagement.takeup_gap`). Key area 4, question 2.

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> sec = register_opportunities(load_sample().for_school(8884101), year="2023/24", audience="leaders")
    >>> sorted(set(sec.tables[0].frame["category"]))[:2]
    ['Any opportunity', 'Clubs']
    """
    title = "Do register pupils take up opportunities and the Learner Academy, disadvantaged or not?"
    register = data.pupils[(data.pupils["academic_year"] == year) & data.pupils["gt_register"].eq(True)]
    if not len(data.enrichment) or not len(register):
        why = "no enrichment records were supplied" if not len(data.enrichment) else f"no pupil is on the register in {year}"
        return not_answered(4, _Q[1], title, audience, why, asked="Do register pupils take up opportunities?",
                            evidence=True)
    notes: list = []
    enrichment = data.enrichment[(data.enrichment["academic_year"] == year)
                                 & data.enrichment["upn"].isin(register["upn"])]
    rates = noting(notes, enrichment_takeup, enrichment, register, by="disadvantaged")
    rates = rates.assign(category=rates["category"].map(lambda c: _CATEGORY_WORDS.get(c, str(c).replace("_", " "))),
                         group=rates["disadvantaged"].map({True: "Disadvantaged", False: "Not disadvantaged"}))
    rates = disclosure.for_audience(rates, count_cols=["n", "takers"], value_cols=["estimate", "ci_low", "ci_high"],
                            threshold=threshold, audience=audience, block_col="category")
    small = smallest_group(threshold)
    sentences, gaps = [], []
    for category in [c for c in ("any", "learner_academy") if c == "any" or (enrichment["category"] == c).any()]:
        gap = noting(notes, takeup_gap, enrichment, register, group="disadvantaged", category=category)
        gap = gap.rename(columns={"pct_focus": "mean_focus", "pct_other": "mean_other"})
        gap = disclosure.for_audience(gap, count_cols=["n_focus", "n_other", "takers_focus", "takers_other"],
                              value_cols=["mean_focus", "mean_other", "gap", "ci_low", "ci_high"],
                              threshold=threshold, audience=audience)
        said = nv.describe_gap(gap, measure_name=f"{_CATEGORY_WORDS[category].lower()} take-up among pupils on the "
                               f"G&T register ({year}, percentage of pupils)", focus_label="Disadvantaged register pupils",
                               other_label="other register pupils", unit="percentage points", min_n=small, key_area=4)
        sentences += said if isinstance(said, list) else [said]
        gaps.append(gap.assign(label=_CATEGORY_WORDS[category]))
    gaps = pd.concat(gaps, ignore_index=True)
    chart = keep(plotting.estimates(gaps, label="label", min_n=small, reference=0.0,
                                    order=False, title=f"Disadvantaged register pupils against other register "
                                                       f"pupils, {year}",
                                    xlabel="Difference in the percentage taking part (percentage points, 95% "
                                           "interval)"))
    table = Table(f"Register pupils taking part in {year}, by disadvantage (95% Wilson intervals)", rates,
                  columns={"category": "Opportunity", "group": "Pupils", "n": "Register pupils", "takers": "Taking part",
                           "estimate": "Percentage", "ci_low": "From", "ci_high": "To"}, decimals=1)
    return Section(4, _Q[1], title, audience, tables=(table,), charts=(chart,), sentences=tuple(sentences),
                   evidence=tuple(sentences), notes=notes_for(audience, notes))


_GROUPS = {"all": "All pupils", "disadvantaged": "Disadvantaged pupils", "not_disadvantaged": "Other pupils",
           "register": "Pupils on the G&T register", "not_register": "Pupils not on the register"}
_MEASURES = {"overall_absence": ("overall absence", "of sessions"),
             "persistent_absence": ("persistent absence (missing 10% or more of sessions)", "of pupils")}


def _absence_groups(data, year: str) -> pd.DataFrame:
    """Overall and persistent absence in ``year`` for all, disadvantaged and other pupils and by register membership."""
    from gtanalytics.headlines import school_phase

    phase = school_phase(data, school=str(data.pupils["school_id"].iloc[0]))
    parts = [absence_rates(data.attendance, pupils=data.pupils, phase=phase).assign(group="all")]
    if "disadvantaged" in data.pupils.columns and data.pupils["disadvantaged"].notna().any():
        dis = absence_rates(data.attendance, pupils=data.pupils, by="disadvantaged", phase=phase)
        dis = dis[dis["disadvantaged"].notna()]
        parts.append(dis.assign(group=dis["disadvantaged"].astype(bool).map({True: "disadvantaged",
                                                                            False: "not_disadvantaged"})))
    reg = absence_rates(data.attendance, pupils=data.pupils, by="gt_register", national=False, phase=phase)
    reg = reg[reg["gt_register"].notna()]
    parts.append(reg.assign(group=reg["gt_register"].astype(bool).map({True: "register", False: "not_register"})))
    out = pd.concat(parts, ignore_index=True)
    out = out[(out["academic_year"] == year) & out["measure"].isin(list(_MEASURES))]
    return out[["group", "measure", "n", "count", "estimate", "se", "ci_low", "ci_high", "national",
                "national_phase", "low_n"]].reset_index(drop=True)


def attendance(data, *, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
               ledger=None) -> Section:
    """Do able and disadvantaged pupils attend school? (key area 4, question 2)

    Overall absence (% of sessions) and persistent absence (% of pupils
    missing 10% or more of sessions) in ``year`` for all pupils, disadvantaged
    and other pupils, and pupils on and off the G&T register
    (:func:`gtanalytics.attendance.absence_rates`), each against the national
    figure for the school's phase and the same group where DfE publishes one
    ("no national figure for this group" where it does not). Each group's
    count is a count of the year's pupils in the ledger.

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> sec = attendance(load_sample().for_school(8862101), year="2023/24")
    >>> sec.sentences[0][:60]
    'All pupils: overall absence was in line with the 2023/24 nat'
    """
    title = "Do able and disadvantaged pupils attend school?"
    if not len(data.attendance):
        return not_answered(4, _Q[1], title, audience, "no attendance records were supplied",
                            asked="Do able pupils attend school?", evidence=True)
    notes: list = []
    rates = noting(notes, _absence_groups, data, year)
    values = ["estimate", "se", "ci_low", "ci_high", "count"]
    rates = disclosure.for_audience(rates, count_cols="n", value_cols=values, threshold=threshold, audience=audience)
    pops = {"all": {}, "disadvantaged": {"disadvantaged": "yes"}, "not_disadvantaged": {"disadvantaged": "no"},
            "register": {"gt_register": True}, "not_register": {"gt_register": False}}
    if ledger is not None and audience == "governors":
        rates = ledger.protect(rates, count_col="n", value_cols=values,
                               population=lambda r: population("pupils", year, **pops[r["group"]]))
    small = smallest_group(threshold)
    sentences = []
    for measure, (words, unit) in _MEASURES.items():
        rows = rates[rates["measure"] == measure].reset_index(drop=True)
        phase = rows["national_phase"].dropna()
        sentences += withhold(nv.describe_attendance(
            rows, label="group", names=_GROUPS, min_n=small, measure_name=words, unit=unit,
            national_label=f"{year} national {phase.iloc[0]}-school" if len(phase) else "national"),
            rows, label="group", names=_GROUPS, threshold=threshold, key_area=4)
    overall = rates[rates["measure"] == "overall_absence"].assign(group=lambda f: f["group"].map(_GROUPS))
    national = overall["national"].dropna()
    # groups are set against the school's own figure (DfE publishes no national figure for most of them, and a
    # marker judged against the all-pupils national line would contradict "no national figure for this group")
    line = "dashed line: all pupils in the school" + (
        f"; national, {overall['national_phase'].dropna().iloc[0]} schools: {national.iloc[0]:.1f}%"
        if len(national) else "")
    charts = [keep(plotting.estimates(overall[["group", "n", "estimate", "ci_low", "ci_high"]].iloc[::-1],
                                      label="group", min_n=small, order=False,
                                      reference=float(overall["estimate"].iloc[0]),
                                      title=f"Overall absence, {year}",
                                      xlabel=f"Sessions missed (% of sessions); {line}"))]
    if audience == "leaders":
        pupils = pupil_absence(data.attendance)
        pupils = pupils[pupils["academic_year"] == year].merge(data.pupils, on=["upn", "academic_year"])
        charts.append(keep(plotting.attendance_distribution(pupils, value="absence_rate", by="gt_register",
                                                            title=f"How much school pupils missed, {year}")))
    return Section(4, _Q[1], title, audience, charts=tuple(charts), sentences=tuple(sentences),
                   evidence=tuple(sentences), notes=notes_for(audience, notes))


def opportunities(data, *, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
                  ledger=None) -> Section:
    """Do disadvantaged pupils take up opportunities beyond the classroom? (key area 4, question 2)

    The take-up gap (:func:`gtanalytics.engagement.takeup_gap`) in ``year``.
    """
    title = "Do disadvantaged pupils take up opportunities beyond the classroom?"
    if not len(data.enrichment):
        return not_answered(4, _Q[1], title, audience, "no enrichment records were supplied",
                            asked="Do pupils take up opportunities?", evidence=True)
    notes: list = []
    gap = noting(notes, takeup_gap, data.enrichment, data.pupils, group="disadvantaged")
    gap = disclosure.for_audience(gap[gap["academic_year"] == year],
                          count_cols=["n_focus", "n_other", "takers_focus", "takers_other"],
                          value_cols=["pct_focus", "pct_other", "gap", "ci_low", "ci_high"],
                          threshold=threshold, audience=audience)
    sentences = nv.describe_gap(gap, measure_name=f"take-up of opportunities beyond the classroom ({year})",
                                unit="percentage points", min_n=smallest_group(threshold), key_area=4)
    sentences = tuple(sentences if isinstance(sentences, list) else [sentences])
    return Section(4, _Q[1], title, audience, sentences=sentences, evidence=sentences,
                   notes=notes_for(audience, notes))


def parents_engaged(data, *, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
                    ledger=None) -> Section:
    """Are parents and carers engaged? (key area 4, question 3)

    Parents' evenings attended (:func:`gtanalytics.engagement.parents_evening_attendance`)
    by disadvantage in ``year``; the finding counted is the difference
    between disadvantaged pupils' parents and others' in the share attending
    at least once (Newcombe interval, :func:`gtanalytics._stats.newcombe_ci`).
    """
    title = "Are parents and carers engaged?"
    if not len(data.parents_evenings):
        return not_answered(4, _Q[2], title, audience, "no parents' evening records were supplied",
                            asked="Are parents engaged?", evidence=True)
    notes: list = []
    rates = noting(notes, parents_evening_attendance, data.parents_evenings, data.pupils, by="disadvantaged")
    rates = disclosure.for_audience(rates[rates["academic_year"] == year], count_cols=["n", "count"],
                            value_cols=["estimate", "se", "ci_low", "ci_high"], threshold=threshold,
                            audience=audience)
    small = smallest_group(threshold)
    measures = {"any_attended": "came at least once", "events_attended": "share of evenings attended"}
    rates = rates.assign(group=rates["disadvantaged"].map(_GROUP_NAMES["disadvantaged"]),
                         what=rates["measure"].map(measures).fillna(rates["measure"]))
    chart = keep(plotting.estimates(rates.assign(label=rates["group"] + ": " + rates["what"]), label="label", min_n=small, reference=0.0, order=False,
                                    title=f"Parents' evenings attended, {year}",
                                    xlabel="Percentage (95% interval)"))
    any_ = rates[rates["measure"] == "any_attended"].set_index("disadvantaged")
    if {True, False} <= set(any_.index) and any_[["n", "count"]].notna().all(axis=None):
        f, o = any_.loc[True], any_.loc[False]
        low, high = newcombe_ci(int(f["count"]), int(f["n"]), int(o["count"]), int(o["n"]))
        row = {"n_focus": f["n"], "n_other": o["n"], "mean_focus": f["estimate"], "mean_other": o["estimate"],
               "gap": f["estimate"] - o["estimate"], "ci_low": 100 * low, "ci_high": 100 * high}
        finding = nv.describe_gap(row, measure_name=f"the share of pupils whose parents came to a parents' evening "
                                  f"({year})", unit="percentage points", min_n=small, key_area=4)
        sentences = (Statement(str(finding).replace(" scored ", " were "), judgement=finding.judgement, key_area=4),)
    else:
        sentences = (selfeval.cannot_answer("Are disadvantaged pupils' parents as engaged as others'?",
                                      f"too few pupils in one of the groups in {year}", key_area=4),)
    table = Table("", rates, columns={"group": "Pupils", "what": "Parents or carers", "n": "Pupils in group",
                                      "estimate": "Percentage", "ci_low": "From", "ci_high": "To"}, decimals=1)
    return Section(4, _Q[2], title, audience, tables=(table,), charts=(chart,), sentences=sentences,
                   evidence=sentences, notes=notes_for(audience, notes))


def exclusions(data, *, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD, ledger=None,
               by=("gt_register",)) -> Section:
    """Are able (or disadvantaged) pupils suspended more or less than others, and than nationally? (key area 4)

    The suspension rate (suspensions per 100 pupils, quasi-Poisson interval)
    by each group in ``by`` (``"gt_register"``, ``"disadvantaged"``) in
    ``year`` (:func:`gtanalytics.attendance.exclusion_rates`) against the
    national rate for the same phase and group where one is published (and
    said to be missing where not); each group's count is a count of the
    year's pupils in that group in the ledger. Leaders also see the table
    with permanent exclusions and the share of pupils suspended.

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> sec = exclusions(load_sample().for_school(8884101), year="2023/24", audience="leaders",
    ...                  by=("gt_register", "disadvantaged"))
    >>> len(sec.tables[0].frame)
    12
    """
    title = "Are able and disadvantaged pupils kept in school (suspensions)?"
    if not len(data.exclusions):
        return not_answered(4, _Q[1], title, audience, "no exclusion records were supplied",
                            asked="Are able pupils suspended?", evidence=True)
    notes: list = []
    small = smallest_group(threshold)
    sentences, tables = [], []
    for group in by:
        names = _REGISTER if group == "gt_register" and by == ("gt_register",) else _GROUP_NAMES.get(
            group, {True: group, False: f"not {group}"})
        all_rates = noting(notes, exclusion_rates, data.exclusions, data.pupils, by=group)
        all_rates = all_rates[all_rates["academic_year"] == year]
        rates = all_rates[all_rates["measure"] == "suspension_rate"]
        rates = disclosure.for_audience(rates, count_cols="n", value_cols=["estimate", "ci_low", "ci_high", "count",
                                                                   "per_10000"],
                                threshold=threshold, audience=audience)
        if ledger is not None and audience == "governors":
            rates = ledger.protect(rates, count_col="n", value_cols=["estimate", "ci_low", "ci_high", "count"],
                                   population=lambda r, g=group: population("pupils", year, **{g: bool(r[g])}))
        sentences += withhold(nv.describe_attendance(
            rates, label=group, names=names, min_n=small, national_label=f"national {year}",
            measure_name="suspension rate (suspensions per 100 pupils)"),
            rates, label=group, names=names, threshold=threshold, key_area=4)
        if audience == "leaders":
            tables.append(all_rates.assign(pupils=all_rates[group].map(names), measure=all_rates["measure"].map(
                {"suspension_rate": "Suspensions per 100 pupils", "permanent_exclusion_rate":
                 "Permanent exclusions per 100 pupils", "pupils_suspended": "Pupils suspended (%)"}),
                national=all_rates["national"].astype("object").where(all_rates["national"].notna(),
                                                                      "none published")))
    shown = (Table(f"Suspensions and permanent exclusions, {year} (95% intervals; national figure for the same "
                   f"phase and group where published)", pd.concat(tables, ignore_index=True), columns={
                       "pupils": "Pupils", "measure": "Measure", "n": "Pupils in group", "count": "Count",
                       "estimate": "Rate", "ci_low": "From", "ci_high": "To", "national": "National"},
                   decimals={"Rate": 1, "From": 1, "To": 1, "Count": 0}),) if tables else ()
    return Section(4, _Q[1], title, audience, tables=shown, sentences=tuple(sentences), evidence=tuple(sentences),
                   notes=notes_for(audience, notes))


def surveys(data, *, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD, ledger=None,
            by=("gt_register",)) -> Section:
    """Do pupils on the register (or disadvantaged pupils) and their parents answer the school's surveys differently?

    For each survey question asked in ``year`` and each group in ``by``
    (``"gt_register"``, ``"disadvantaged"``), the difference in mean answer
    between the group's pupils (or their parents) and others
    (:func:`gtanalytics.engagement.survey_summary`; Welch interval,
    :func:`gtanalytics._stats.welch_moments`). Question texts are
    staff-entered and pass through :func:`gtanalytics.sections.staff_text`.
    Each question and group is one finding (key area 4, question 3).

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> sec = surveys(load_sample().for_school(8884101), year="2023/24", audience="leaders",
    ...               by=("gt_register", "disadvantaged"))
    >>> len(sec.tables), len(sec.charts)
    (1, 1)
    """
    title = "What do pupils and parents say in the school's surveys?"
    answers = data.surveys[data.surveys["academic_year"] == year] if len(data.surveys) else data.surveys
    if not len(answers):
        return not_answered(4, _Q[2], title, audience, f"no survey answers were supplied for {year}",
                            asked="What do pupils and parents say?", evidence=True)
    notes: list = []
    answers = answers.assign(question=staff_text(answers["question"], audience=audience, pupils=data))
    small = smallest_group(threshold)
    frames, sentences = [], []
    for group in by:
        focus, other = GROUP_WORDS.get(group, (f"pupils with {group}", "other pupils"))
        summary = noting(notes, survey_summary, answers, pupils=data.pupils, by=group)
        keys = ["respondent", "survey", "question"]
        reg = summary[summary[group] == True].set_index(keys)
        oth = summary[summary[group] == False].set_index(keys)
        both = reg.merge(oth, left_index=True, right_index=True, suffixes=("_focus", "_other"))
        diff = welch_moments(both["n_focus"], both["estimate_focus"], both["sd_focus"] ** 2, both["n_other"],
                             both["estimate_other"], both["sd_other"] ** 2)
        gaps = pd.DataFrame({"n_focus": both["n_focus"].to_numpy(), "n_other": both["n_other"].to_numpy(),
                             "mean_focus": both["estimate_focus"].to_numpy(), "mean_other": both["estimate_other"].to_numpy(),
                             "gap": diff["diff"], "ci_low": diff["ci_low"], "ci_high": diff["ci_high"],
                             "respondent": [r for r, _, _ in both.index], "text": [q for _, _, q in both.index],
                             "question": [f"{r.capitalize()}s, \u201c{q}\u201d" for r, _, q in both.index],
                             "group": group, "focus": focus[:1].upper() + focus[1:]})
        gaps = disclosure.for_audience(gaps, count_cols=["n_focus", "n_other"], threshold=threshold, audience=audience)
        for respondent, rows in gaps.groupby("respondent", sort=False):
            who = (focus, other) if respondent == "pupil" else (f"{respondent}s of {focus}", f"other {respondent}s")
            said = nv.describe_gap(rows, measure_name="answers (points on the survey's scale)", label="question",
                                   focus_label=who[0], other_label=who[1], unit="points", min_n=small, key_area=4)
            sentences += said if isinstance(said, list) else [said]
        frames.append(gaps)
    gaps = pd.concat(frames, ignore_index=True)
    if audience != "leaders":
        return Section(4, _Q[2], title, audience, sentences=tuple(sentences), evidence=tuple(sentences))
    pupils_said = gaps[gaps["respondent"] == "pupil"]
    chart = keep(plotting.estimates(pupils_said.assign(label=pupils_said["focus"] + ": " + pupils_said["text"]),
                                    label="label", min_n=small, order=False,
                                    title=f"Pupil voice {year}: each group's answers against other pupils'",
                                    xlabel="Difference in mean answer (points on the 1-5 scale, 95% interval)"))
    table = Table("Each question: the group's mean answer against others' (Welch 95% interval)", gaps, columns={
        "focus": "Group", "question": "Question", "n_focus": "Answers (group)", "mean_focus": "Mean (group)",
        "n_other": "Answers (others)", "mean_other": "Mean (others)", "gap": "Difference", "ci_low": "From",
        "ci_high": "To"})
    return Section(4, _Q[2], title, audience, tables=(table,), charts=(chart,), sentences=tuple(sentences),
                   evidence=tuple(sentences), notes=notes_for(audience, notes))
