"""Key area 2, use of data for excellence: is the register representative, are the most able making
progress, are gaps closing?"""

from __future__ import annotations

from gtanalytics import narrative as nv
from gtanalytics import plotting
from gtanalytics import report_data as rd
from gtanalytics import report_tables as rt
from gtanalytics.gaps import gap_trend
from gtanalytics.progress import va_summary, value_added
from gtanalytics.register import register_representation
from gtanalytics.sections.core import (
    Section,
    Table,
    population,
    smallest_group,
    withhold,
)
from gtanalytics.sections.figures import keep, notes_for, noting
from gtanalytics.subjects import subjects_in

__all__ = ["CHARACTERISTICS", "REGISTER_NAMES", "gaps_closing", "most_able_progress", "register_representative"]

#: The pupil characteristics the register is audited on (those present in the data are used).
CHARACTERISTICS = ("disadvantaged", "lac", "sen", "eal", "ethnicity_major", "sex")
#: Plain labels of the register flag.
REGISTER_NAMES = {True: "Pupils on the G&T register", False: "Pupils not on the register"}
_Q = nv.KEY_QUESTIONS[2]


def register_representative(data, *, year: str, audience: str = "governors", threshold: int = 6,
                            ledger=None) -> Section:
    """Is the G&T register representative of the school's pupils? (key area 2, question 1)

    :func:`gtanalytics.register.register_representation` of ``year``'s pupils,
    suppressed block by block (each characteristic breaks the register and the
    cohort down) and recorded in the ledger (the register and cohort totals,
    and each group's count).

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> sec = register_representative(load_sample().for_school(8862101), year="2023/24")
    >>> sec.key_area, len(sec.sentences) > 0
    (2, True)
    """
    pupils = data.pupils[data.pupils["academic_year"] == year]
    source = {"ethnicity_major": "ethnicity"}  # the major group is derived from the ethnicity code
    chars = tuple(c for c in CHARACTERISTICS
                  if source.get(c, c) in pupils.columns and pupils[source.get(c, c)].notna().any())
    if pupils.empty or not pupils["gt_register"].notna().any():
        why = f"no pupil in {year} has a G&T register flag" if len(pupils) else f"no pupils are recorded in {year}"
        no = nv.cannot_answer(_Q[0], why, key_area=2)
        return Section(2, _Q[0], "Is the gifted and talented register representative?", audience,
                       sentences=(no,), evidence=(no,), cannot_answer=(str(no),))
    notes: list = []
    reg = noting(notes, register_representation, pupils, characteristics=chars)
    reg = rt.for_audience(reg, count_cols=["n_group", "n_group_register"],
                          value_cols=["share_register", "share_cohort", "ratio", "ci_low", "ci_high", "p_value",
                                      "risk_ratio", "rr_ci_low", "rr_ci_high"],
                          threshold=threshold, audience=audience, block_col="characteristic",
                          totals={"n_group": "n_cohort", "n_group_register": "n_register"})
    if ledger is not None and audience == "governors" and len(reg):
        ledger.admit(population("pupils", year), reg["n_cohort"].iloc[0])
        ledger.admit(population("pupils", year, gt_register=True), reg["n_register"].iloc[0])
        ledger.admit(population("pupils", year, gt_register=False), reg["n_cohort"].iloc[0] - reg["n_register"].iloc[0])
        for r in reg.itertuples():
            ledger.admit(population("pupils", year, **{r.characteristic: r.value}), r.n_group)
    shown = reg if audience == "leaders" else reg[reg["share_register"].notna()]  # the sentences say what is hidden
    ax = plotting.register_composition(shown if len(shown) else reg, title=f"Who is on the register, {year}")
    sentences = tuple(nv.describe_register(reg, min_n=smallest_group(threshold)))
    columns = {"characteristic": "Characteristic", "value": "Group", "n_group": "Pupils in the school",
               "n_group_register": "On the register", "share_cohort": "Share of the school",
               "share_register": "Share of the register", "verdict": "Verdict"}
    tables = (Table("", reg, columns=columns),) if audience == "leaders" else ()
    return Section(2, _Q[0], "Is the gifted and talented register representative?", audience, tables=tables,
                   charts=(keep(ax),), sentences=sentences, evidence=sentences, notes=notes_for(audience, notes),
                   frames={"register": reg})


def most_able_progress(data, *, year: str, audience: str = "governors", threshold: int = 6, ledger=None,
                       subjects=None, key_area: int = 2) -> Section:
    """Are the most able making the progress they should? (key area 2, question 2)

    ``key_area=3`` asks it as key area 3's "are the most able making strong
    progress in each subject?" (the findings then count there).

    For each subject with summer standardised scores this year and last
    (``subjects``: those present), value added by G&T register membership
    (:func:`gtanalytics.report_data.summer_progress`,
    :func:`gtanalytics.progress.value_added`, ``va_summary``). Each group's
    count is a count of this year's register (or non-register) pupils in the
    ledger.
    """
    title = "Are the most able making the progress they should?"
    question = _Q[1] if key_area == 2 else nv.KEY_QUESTIONS[3][2]
    small = smallest_group(threshold)
    subjects = list(subjects) if subjects is not None else subjects_in(data.assessments, years=[year])
    sentences, charts, tables, missing, notes, frames = [], [], [], [], [], {}
    for subject in subjects:
        pairs = rd.summer_progress(data, subject=subject, year=year)
        if len(pairs) < 3:
            missing.append(subject)
            continue
        va = noting(notes, value_added, pairs, outcome="outcome", prior="prior")
        groups = noting(notes, va_summary, va, by="gt_register")
        groups = rt.for_audience(groups, count_cols="n", value_cols=["va", "se", "ci_low", "ci_high"],
                                 threshold=threshold, audience=audience)
        if ledger is not None and audience == "governors":
            groups = ledger.protect(groups, count_col="n", value_cols=["va", "se", "ci_low", "ci_high"],
                                    population=lambda r: population("pupils", year, gt_register=bool(r["gt_register"])))
        charts.append(keep(plotting.value_added_by_group(
            groups, label="gt_register", min_n=small,
            title=f"Progress in {subject}, {year}: value added (standardised score points)")))
        sentences += withhold(nv.describe_value_added(
            groups, measure_name=f"{subject} ({year}, summer test against the summer before)", label="gt_register",
            names=REGISTER_NAMES, min_n=small, comparison="pupils in the school with the same score a year earlier",
            key_area=key_area, decimals=1, unit="standardised-score points"), groups, label="gt_register", names=REGISTER_NAMES, threshold=threshold,
            key_area=key_area)
        frames[f"the {subject} summer test ({year})"] = groups.assign(gt_register=groups["gt_register"].map(REGISTER_NAMES))
        if audience == "leaders":
            tables.append(Table(f"**{subject.capitalize()}**", groups.assign(gt_register=groups["gt_register"].map(
                REGISTER_NAMES)), columns={"gt_register": "Pupils", "n": "Number", "va": "Value added",
                                           "ci_low": "95% interval from", "ci_high": "to", "band": "Band"}))
    no = []
    if not subjects or missing:
        what = ", ".join(missing) if missing else "any subject"
        no.append(nv.cannot_answer(question, f"no summer standardised test scores in {what} for both {year} and "
                                             f"{rd.previous_year(year)}", key_area=key_area))
    return Section(key_area, question, title, audience, tables=tuple(tables), charts=tuple(charts),
                   sentences=tuple(sentences + no), evidence=tuple(sentences + no),
                   cannot_answer=tuple(str(s) for s in no), notes=notes_for(audience, notes),
                   frames={"value_added": frames})


def gaps_closing(data, *, year: str, years, audience: str = "governors", threshold: int = 6, ledger=None,
                 subjects=None) -> Section:
    """Are gaps closing between disadvantaged pupils and others? (key area 2, question 3)

    :func:`gtanalytics.gaps.gap_trend` of the summer standardised scores over
    ``years``, per subject present. One finding per subject is counted as
    evidence.
    """
    title = "Are gaps closing between disadvantaged pupils and others?"
    small = smallest_group(threshold)
    years = [y for y in years if y <= year]
    no = []
    if len(years) < 2:
        no.append(nv.cannot_answer("Are gaps closing?", "only one year of data was given", key_area=2))
    elif "disadvantaged" not in data.pupils.columns or not data.pupils["disadvantaged"].notna().any():
        no.append(nv.cannot_answer("Are gaps closing?", "the pupils table says of no pupil whether they are "
                                   "disadvantaged", key_area=2))
    subjects = list(subjects) if subjects is not None else subjects_in(data.assessments, years=years)
    if not no and not subjects:
        no.append(nv.cannot_answer("Are gaps closing?", "no summer standardised test scores were supplied",
                                   key_area=2))
    sentences, charts, notes, changes = [], [], [], {}
    for subject in subjects if not no else ():
        scores = rd.summer_scores(data, subject=subject, years=years)
        trend = noting(notes, gap_trend, scores, outcome="score", group="disadvantaged", focus=True, min_n=small)
        by_year = rt.for_audience(trend.groups, count_cols="n", value_cols=["mean", "se", "ci_low", "ci_high"],
                                  threshold=threshold, audience=audience)
        charts.append(keep(plotting.gap_trend(
            by_year, title=f"{subject.capitalize()}: summer test, disadvantaged and other pupils",
            ylabel="Mean standardised score")))
        change = rt.for_audience(trend.change, count_cols=[], value_cols=[], threshold=threshold, audience=audience)
        changes[f"the {subject} summer test"] = change
        sentences.append(nv.describe_gap_trend(change.iloc[0], measure_name=f"the {subject} summer test",
                                               unit="standardised-score points"))
    return Section(2, _Q[2], title, audience, charts=tuple(charts), sentences=tuple(sentences + no),
                   evidence=tuple(sentences + no), cannot_answer=tuple(str(s) for s in no), notes=notes_for(audience, notes),
                   frames={"gap_trends": changes})
