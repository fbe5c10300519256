"""Key area 2, use of data for excellence: is the register representative, are the most able making
progress, are gaps closing?"""

from __future__ import annotations

import pandas as pd

from gtanalytics import narrative as nv
from gtanalytics import selfeval
from gtanalytics import plotting
from gtanalytics import data as rd
from gtanalytics.progress import previous_year, summer_progress
from gtanalytics import disclosure
from gtanalytics.gap_trends import gap_trend
from gtanalytics.gaps import excellence_gap
from gtanalytics.progress import va_summary, value_added
from gtanalytics.register import (
    dual_exceptionality,
    missing_from_register,
    register_changes,
    register_representation,
)
from gtanalytics.sections.core import Section, Table, not_answered, population, smallest_group, withhold
from gtanalytics.sections.figures import keep, notes_for, noting
from gtanalytics.selfeval import Statement
from gtanalytics.subjects import subjects_in
from gtanalytics._stats import SUPPRESSION_THRESHOLD

__all__ = ["CHARACTERISTICS", "REGISTER_NAMES", "excellence_gaps", "gaps_closing", "most_able_progress",
           "recorded_characteristics", "register_joiners_leavers", "register_missing", "register_representative",
           "representation_for_audience"]

#: The pupil characteristics the register is audited on (those present in the data are used).
CHARACTERISTICS = ("disadvantaged", "lac", "sen", "eal", "ethnicity_major", "sex")
#: Plain labels of the register flag.
REGISTER_NAMES = {True: "Pupils on the G&T register", False: "Pupils not on the register"}
_Q = selfeval.KEY_QUESTIONS[2]


def recorded_characteristics(pupils: pd.DataFrame) -> tuple:
    """The :data:`CHARACTERISTICS` that at least one of ``pupils`` has recorded.

    ``ethnicity_major`` counts as recorded where the ethnicity code is (the
    major group is derived from it).

    Examples
    --------
    >>> import pandas as pd
    >>> recorded_characteristics(pd.DataFrame({"disadvantaged": [True, None], "sen": [None, None]}))
    ('disadvantaged',)
    """
    source = {"ethnicity_major": "ethnicity"}
    return tuple(c for c in CHARACTERISTICS
                 if source.get(c, c) in pupils.columns and pupils[source.get(c, c)].notna().any())


def representation_for_audience(pupils: pd.DataFrame, *, characteristics, audience: str, threshold: int,
                                notes: list | None = None) -> pd.DataFrame:
    """:func:`gtanalytics.register.register_representation` of ``pupils``, made safe for ``audience``.

    Suppressed block by block (each characteristic breaks the register and
    the cohort down), with the cohort and register totals kept as
    ``n_cohort`` and ``n_register``; the metric's warnings go to ``notes``.
    """
    reg = noting([] if notes is None else notes, register_representation, pupils, characteristics=characteristics)
    return disclosure.for_audience(reg, count_cols=["n", "n_group_register"],
                                   value_cols=["share_register", "share_cohort", "estimate", "ci_low", "ci_high",
                                               "p_value", "risk_ratio", "risk_ratio_ci_low", "risk_ratio_ci_high"],
                                   threshold=threshold, audience=audience, block_col="characteristic",
                                   totals={"n": "n_cohort", "n_group_register": "n_register"})


def register_representative(data, *, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
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
    chars = recorded_characteristics(pupils)
    if pupils.empty or not pupils["gt_register"].notna().any():
        why = f"no pupil in {year} has a G&T register flag" if len(pupils) else f"no pupils are recorded in {year}"
        return not_answered(2, _Q[0], "Is the gifted and talented register representative?", audience, why,
                            evidence=True)
    notes: list = []
    reg = representation_for_audience(pupils, characteristics=chars, audience=audience, threshold=threshold,
                                      notes=notes)
    if ledger is not None and audience == "governors" and len(reg):
        ledger.admit(population("pupils", year), reg["n_cohort"].iloc[0])
        ledger.admit(population("pupils", year, gt_register=True), reg["n_register"].iloc[0])
        ledger.admit(population("pupils", year, gt_register=False), reg["n_cohort"].iloc[0] - reg["n_register"].iloc[0])
        for r in reg.itertuples():
            ledger.admit(population("pupils", year, **{r.characteristic: r.value}), r.n)
    shown = reg if audience == "leaders" else reg[reg["share_register"].notna()]  # the sentences say what is hidden
    ax = plotting.register_composition(shown if len(shown) else reg, title=f"Who is on the register, {year}")
    sentences = tuple(nv.describe_register(reg, min_n=smallest_group(threshold)))
    columns = {"characteristic": "Characteristic", "value": "Group", "n": "Pupils in the school",
               "n_group_register": "On the register", "share_cohort": "Share of the school",
               "share_register": "Share of the register", "verdict": "Verdict"}
    tables = (Table("", reg, columns=columns),) if audience == "leaders" else ()
    return Section(2, _Q[0], "Is the gifted and talented register representative?", audience, tables=tables,
                   charts=(keep(ax),), sentences=sentences, evidence=sentences, notes=notes_for(audience, notes),
                   frames={"register": reg})


def most_able_progress(data, *, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
                       ledger=None, subjects=None, key_area: int = 2) -> Section:
    """Are the most able making the progress they should? (key area 2, question 2)

    ``key_area=3`` asks it as key area 3's "are the most able making strong
    progress in each subject?" (the findings then count there).

    For each subject with summer standardised scores this year and last
    (``subjects``: those present), value added by G&T register membership
    (:func:`gtanalytics.progress.summer_progress`,
    :func:`gtanalytics.progress.value_added`, ``va_summary``). Each group's
    count is a count of this year's register (or non-register) pupils in the
    ledger.
    """
    title = "Are the most able making the progress they should?"
    question = _Q[1] if key_area == 2 else selfeval.KEY_QUESTIONS[3][2]
    small = smallest_group(threshold)
    subjects = list(subjects) if subjects is not None else subjects_in(data.assessments, years=[year])
    sentences, charts, tables, missing, notes, frames = [], [], [], [], [], {}
    for subject in subjects:
        pairs = summer_progress(data, subject=subject, year=year)
        if len(pairs) < 3:
            missing.append(subject)
            continue
        va = noting(notes, value_added, pairs, outcome="outcome", prior="prior")
        groups = noting(notes, va_summary, va, by="gt_register")
        groups = disclosure.for_audience(groups, count_cols="n", value_cols=["va", "se", "ci_low", "ci_high"],
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
        no.append(selfeval.cannot_answer(question, f"no summer standardised test scores in {what} for both {year} and "
                                             f"{previous_year(year)}", key_area=key_area))
    return Section(key_area, question, title, audience, tables=tuple(tables), charts=tuple(charts),
                   sentences=tuple(sentences + no), evidence=tuple(sentences + no),
                   cannot_answer=tuple(str(s) for s in no), notes=notes_for(audience, notes),
                   frames={"value_added": frames})


def gaps_closing(data, *, year: str, years, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
                 ledger=None, subjects=None) -> Section:
    """Are gaps closing between disadvantaged pupils and others? (key area 2, question 3)

    :func:`gtanalytics.gap_trends.gap_trend` of the summer standardised scores over
    ``years``, per subject present. One finding per subject is counted as
    evidence.
    """
    title = "Are gaps closing between disadvantaged pupils and others?"
    small = smallest_group(threshold)
    years = [y for y in years if y <= year]
    no = []
    if len(years) < 2:
        no.append(selfeval.cannot_answer("Are gaps closing?", "only one year of data was given", key_area=2))
    elif "disadvantaged" not in data.pupils.columns or not data.pupils["disadvantaged"].notna().any():
        no.append(selfeval.cannot_answer("Are gaps closing?", "the pupils table says of no pupil whether they are "
                                   "disadvantaged", key_area=2))
    subjects = list(subjects) if subjects is not None else subjects_in(data.assessments, years=years)
    if not no and not subjects:
        no.append(selfeval.cannot_answer("Are gaps closing?", "no summer standardised test scores were supplied",
                                   key_area=2))
    sentences, charts, notes, changes = [], [], [], {}
    for subject in subjects if not no else ():
        scores = rd.summer_scores(data, subject=subject, years=years)
        trend = noting(notes, gap_trend, scores, outcome="score", group="disadvantaged", focus=True, min_n=small)
        by_year = disclosure.for_audience(trend.groups, count_cols="n", value_cols=["estimate", "se", "ci_low", "ci_high"],
                                  threshold=threshold, audience=audience)
        charts.append(keep(plotting.gap_trend(
            by_year, title=f"{subject.capitalize()}: summer test, disadvantaged and other pupils",
            ylabel="Mean standardised score")))
        change = disclosure.for_audience(trend.change, count_cols=[], value_cols=[], threshold=threshold, audience=audience)
        changes[f"the {subject} summer test"] = change
        sentences.append(nv.describe_gap_trend(change.iloc[0], measure_name=f"the {subject} summer test",
                                               unit="standardised-score points"))
    return Section(2, _Q[2], title, audience, charts=tuple(charts), sentences=tuple(sentences + no),
                   evidence=tuple(sentences + no), cannot_answer=tuple(str(s) for s in no), notes=notes_for(audience, notes),
                   frames={"gap_trends": changes})


_GROUP_WORDS = {("disadvantaged", "yes"): "disadvantaged", ("lac", "yes"): "looked after",
                ("eal", "yes"): "with English as an additional language", ("sex", "F"): "girls", ("sex", "M"): "boys",
                ("sen", "K"): "with SEN support", ("sen", "E"): "with an EHC plan", ("sen", "N"): "with no SEN"}


def _count(n, *, audience: str, threshold: int) -> str:
    """A count for a sentence: governors read "fewer than 6" for a small non-zero count."""
    n = int(n)
    return f"fewer than {threshold}" if audience == "governors" and 0 < n < threshold else str(n)


def _evidence(rows: pd.DataFrame) -> str:
    return "; ".join(f"{r.subject} {r.assessment} {r.score:.0f} ({int(r.rank)} of {int(r.n_ranked)} in the year group)"
                     for r in rows.itertuples())


def register_missing(data, *, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
                     top_share: float = 0.10) -> Section:
    """Who might be missing from the register, and who is on it with SEN? (key area 2, question 1)

    :func:`gtanalytics.register.missing_from_register`: pupils whose latest standardised test in a
    subject is in the top ``top_share`` of their year group but who are not on the register, counted
    by group (percent of high attainers missing, Wilson interval, Fisher test against other high
    attainers); leaders also get each pupil with their evidence (subject, test, score, rank).
    :func:`gtanalytics.register.dual_exceptionality`: register pupils with SEN (dual or multiple
    exceptionality). Governors see counts only, small groups hidden.
    """
    title = "Who might be missing from the register?"
    a = data.assessments[data.assessments["score_type"] == "standardised"]
    if a.empty or not (data.pupils["academic_year"] == year).any():
        return not_answered(2, _Q[0], title, audience, f"no standardised test scores for the pupils of {year}",
                            asked=title, evidence=True)
    missing = missing_from_register(data.pupils, a, academic_year=year, top_share=top_share)
    counts = disclosure.for_audience(missing.counts, count_cols=["n_high", "n_high_on_register", "n_missing"],
                             value_cols=["pct_missing", "ci_low", "ci_high", "p_value"], threshold=threshold,
                             audience=audience, block_col="characteristic")
    allrow = missing.counts.iloc[0]
    overall = Statement(f"{int(allrow['n_missing'])} of the {int(allrow['n_high'])} pupils in the top "
                        f"{100 * top_share:g}% of their year group on a test are not on the register "
                        f"({allrow['pct_missing']:.0f}%, 95% interval {allrow['ci_low']:.0f}% to "
                        f"{allrow['ci_high']:.0f}%).", judgement="neutral", key_area=2)
    findings = []  # groups missing more (or less) often than other high attainers: the evidence
    for r in missing.counts.iloc[1:].itertuples():
        if r.n_high >= smallest_group(threshold) and r.p_value < 0.05:
            more = r.pct_missing > allrow["pct_missing"]
            who = _GROUP_WORDS.get((r.characteristic, r.value), f"of {r.value} heritage"
                                   if r.characteristic == "ethnicity_major" else f"{r.characteristic} {r.value}")
            findings.append(Statement(
                f"High attainers who are {who} are missing from the register {'more' if more else 'less'} often "
                f"than other high attainers ({r.pct_missing:.0f}% of {r.n_high}, Fisher's test p = {r.p_value:.3f}).",
                judgement="negative" if more else "neutral", key_area=2))
    sentences = [overall, *findings]
    dme = dual_exceptionality(data.pupils[data.pupils["academic_year"] == year]).counts
    if len(dme) and dme["n_register"].iloc[0]:
        d = dme.iloc[0]
        few = int(d["n_dme"]) < threshold and audience == "governors"
        share = "." if few else f" ({d['pct_of_register']:.0f}%, 95% interval {d['ci_low']:.0f}% to {d['ci_high']:.0f}%)."
        sentences.append(Statement(f"Dual or multiple exceptionality: {f'fewer than {threshold}' if few else int(d['n_dme'])}"
                                   f" of the {int(d['n_register'])} register pupils have special educational needs"
                                   f"{share}", judgement="neutral", key_area=2))
    columns = {"characteristic": "Characteristic", "value": "Group", "n_high": "High attainers",
               "n_high_on_register": "On the register", "n_missing": "Not on it",
               "pct_missing": "Not on it (%)", "ci_low": "95% interval from", "ci_high": "to",
               "p_value": "Fisher's test p"}
    tables = [Table("**High attainers not on the register, by group**", counts, columns=columns, decimals=1)]
    if audience == "leaders":
        lst = missing.pupils
        per = (lst.groupby("upn", sort=False).apply(_evidence, include_groups=False).rename("evidence")
               .reset_index().merge(lst.drop_duplicates("upn"), on="upn"))
        per = per.assign(pupil=(per["forename"].fillna("") + " " + per["surname"].fillna("")).str.strip()) \
            if {"forename", "surname"} <= set(per.columns) else per.assign(pupil=per["upn"])
        tables.append(Table("**Pupils who might be missing** (internal: names pupils), with the evidence",
                            per, columns={"pupil": "Pupil", "upn": "UPN", "year_group": "Year group",
                                          "disadvantaged": "Disadvantaged", "sen": "SEN", "evidence": "Evidence"}))
    return Section(2, _Q[0], title, audience, tables=tuple(tables), sentences=tuple(sentences),
                   evidence=tuple(findings))


def register_joiners_leavers(data, *, year: str, audience: str = "governors",
                             threshold: int = SUPPRESSION_THRESHOLD) -> Section:
    """Who joined and who left the register since last year? (key area 2, question 1)

    :func:`gtanalytics.register.register_changes` between the previous year and ``year``: pupils
    who stayed, joined (or joined the school) and left (or left the school), by group, with the
    churn rate and its Wilson interval; leaders also get the joiners and leavers by name.
    """
    title = "Who joined and who left the register?"
    last = previous_year(year)
    if not (data.pupils["academic_year"] == last).any():
        return not_answered(2, _Q[0], title, audience, f"no pupils are recorded in {last} to compare with", asked=title)
    notes: list = []
    ch = noting(notes, register_changes, data.pupils, from_year=last, to_year=year)
    summary = disclosure.for_audience(ch.summary.drop(columns="school_id"),
                              count_cols=["n_from", "n_to", "stayed", "joined", "joined_new_to_school", "left",
                                          "left_school"], value_cols=["churn_rate", "ci_low", "ci_high"],
                              threshold=threshold, audience=audience, block_col="characteristic")
    a = ch.summary.iloc[0]
    c = {k: _count(a[k], audience=audience, threshold=threshold)
         for k in ("n_from", "n_to", "joined", "joined_new_to_school", "left", "left_school", "stayed")}
    sentences = ((f"From {last} to {year} the register went from {c['n_from']} to {c['n_to']} pupils: "
                 f"{c['joined']} joined ({c['joined_new_to_school']} of them new to the school), "
                 f"{c['left']} left ({c['left_school']} of them because they left the school), {c['stayed']} stayed."),)
    tables = [Table(f"**Register changes, {last} to {year}, by group** (churn: joiners and leavers as a share of "
                    "the register)", summary.assign(churn_rate=summary["churn_rate"] * 100, ci_low=summary["ci_low"]
                                                     * 100, ci_high=summary["ci_high"] * 100),
                    columns={"characteristic": "Characteristic", "value": "Group", "n_from": f"On it {last}",
                             "n_to": f"On it {year}", "stayed": "Stayed", "joined": "Joined", "left": "Left",
                             "churn_rate": "Churn (%)", "ci_low": "95% interval from", "ci_high": "to"}, decimals=0)]
    if audience == "leaders":
        moved = ch.pupils[ch.pupils["status"].str.startswith(("joined", "left"))]
        moved = moved.assign(pupil=(moved["forename"].fillna("") + " " + moved["surname"].fillna("")).str.strip())
        tables.append(Table("**Joiners and leavers** (internal: names pupils)", moved.sort_values("status"),
                            columns={"pupil": "Pupil", "upn": "UPN", "year_group": "Year group", "status": "Change",
                                     "gt_area": "Area", "disadvantaged": "Disadvantaged"}))
    return Section(2, _Q[0], title, audience, tables=tuple(tables), sentences=sentences,
                   notes=notes_for(audience, notes))


def excellence_gaps(data, *, year: str, school, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
                    top_share: float = 0.25) -> Section:
    """The excellence gap and statutory outcomes of disadvantaged pupils (key area 2, question 3)

    For each subject with summer standardised tests this year and last:
    :func:`gtanalytics.gaps.excellence_gap` among the pupils in the top ``top_share`` on last
    summer's test, disadvantaged minus other pupils' mean score this summer (Welch interval).
    Then the statutory outcomes (KS2 or Attainment 8 and Progress 8) of the school's phase where
    the data hold them, for all, disadvantaged and other pupils, against national
    (:func:`gtanalytics.headlines.headline_outcomes`; absence is shown with attendance).
    """
    from gtanalytics.headlines import headline_outcomes

    title = "The excellence gap: do able disadvantaged pupils do as well as other able pupils?"
    small = smallest_group(threshold)
    rows, sentences, notes = [], [], []
    for subject in subjects_in(data.assessments, years=[year]):
        pairs = summer_progress(data, subject=subject, year=year).dropna(subset=["outcome", "prior",
                                                                                     "disadvantaged"])
        if pairs["disadvantaged"].nunique() < 2:
            continue
        g = noting(notes, excellence_gap, pairs, outcome="outcome", group="disadvantaged", focus=True,
                   prior="prior", top_share=top_share, min_n=small)
        rows.append(g.assign(subject=subject.capitalize()))
    gaps = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    if len(gaps):
        gaps = disclosure.for_audience(gaps, count_cols=["n_focus", "n_other"], value_cols=["mean_focus", "mean_other",
                               "gap", "se", "ci_low", "ci_high"], threshold=threshold, audience=audience)
        for r in gaps.itertuples():
            if pd.isna(r.gap) or min(r.n_focus, r.n_other) < small:
                sentences.append(Statement(f"{r.subject}: too few able disadvantaged pupils to say.",
                                           judgement="too_few", key_area=2))
            else:
                way, judgement = (("clearly below them", "negative") if r.ci_high < 0 else
                                  ("clearly above them", "positive") if r.ci_low > 0 else
                                  ("the interval includes no difference", "neutral"))
                sentences.append(Statement(
                    f"{r.subject}, summer {year}: among the top {100 * top_share:g}% on last summer's test, the "
                    f"{int(r.n_focus)} disadvantaged pupils scored {abs(r.gap):.1f} standardised-score points "
                    f"{'below' if r.gap < 0 else 'above'} the {int(r.n_other)} others (95% interval {r.ci_low:.1f} "
                    f"to {r.ci_high:.1f}): {way}.", judgement=judgement, key_area=2))
    stat = headline_outcomes(data, school=school, year=year)
    stat = stat[stat["measure"].str.startswith(("ks2_", "ks4_"))]
    stat = disclosure.for_audience(stat, count_cols="n", value_cols=["estimate", "se", "ci_low", "ci_high", "difference"],
                           threshold=threshold, audience=audience) if len(stat) else stat
    no = []
    if stat.empty:
        no.append(selfeval.cannot_answer("Statutory outcomes", f"no KS2 or KS4 results for {year}", key_area=2))
    if not rows:
        no.append(selfeval.cannot_answer("The excellence gap", f"no summer standardised tests in both {year} and "
                                   f"{previous_year(year)} with disadvantage recorded", key_area=2))
    tables = []
    if len(gaps):
        tables.append(Table(f"**The excellence gap, summer {year}** (pupils in the top {100 * top_share:g}% on last "
                            "summer's test; mean standardised score; gap = disadvantaged minus others)", gaps,
                            columns={"subject": "Subject", "n_focus": "Disadvantaged pupils",
                                     "mean_focus": "Their mean score", "n_other": "Other pupils",
                                     "mean_other": "Their mean score ", "gap": "Gap (points)",
                                     "ci_low": "95% interval from", "ci_high": "to"}, decimals=1))
    if len(stat):
        tables.append(Table(f"**Statutory outcomes, {year}**, against national for the same group where DfE "
                            "publishes it", stat,
                            columns={"label": "Measure", "group_label": "Pupils", "n": "Number", "estimate": "Value",
                                     "unit": "Unit", "ci_low": "95% interval from", "ci_high": "to",
                                     "national": "National"}, decimals=1))
    return Section(2, _Q[2], title, audience, tables=tuple(tables), sentences=tuple(sentences + no),
                   evidence=tuple(sentences + no), cannot_answer=tuple(str(s) for s in no),
                   notes=notes_for(audience, notes))
