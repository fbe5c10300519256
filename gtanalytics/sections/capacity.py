"""Key area 5, building capacity for excellence: how are learning support staff deployed, and is capacity
shared with partner schools?"""

from __future__ import annotations

import pandas as pd

from gtanalytics import narrative as nv
from gtanalytics import selfeval
from gtanalytics import plotting
from gtanalytics import data as rd
from gtanalytics.progress import summer_progress
from gtanalytics import disclosure
from gtanalytics.comparison import school_calendar
from gtanalytics.mentoring import mentor_caseloads
from gtanalytics.oversight import staff_deployment as deployment_of
from gtanalytics.progress import va_summary, value_added
from gtanalytics.sections.core import Section, Table, not_answered, smallest_group
from gtanalytics.sections.figures import keep, notes_for, noting
from gtanalytics.subjects import subjects_in
from gtanalytics.trends import mentoring_pairs, school_comparison
from gtanalytics._stats import SUPPRESSION_THRESHOLD

__all__ = ["ACTIVITY_POPULATION", "partner_schools", "progress_by_school", "staff_deployment", "trust_progress"]

_Q = selfeval.KEY_QUESTIONS[5]
#: The ledger population each activity's pupil count is.
ACTIVITY_POPULATION = {"mentoring": "mentees", "interventions": "pupils in intervention programmes"}


def staff_deployment(data, *, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
                     ledger=None) -> Section:
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
    dep = disclosure.for_audience(dep, count_cols="n",
                          value_cols=["pupils_per_staff", "sessions_planned", "sessions_held", "estimate", "se", "ci_low",
                                      "ci_high", "staff_as_planned"],
                          threshold=threshold, audience=audience, block_col="activity")
    if ledger is not None and audience == "governors":
        for r in dep.itertuples():
            ledger.admit(ACTIVITY_POPULATION.get(r.activity, r.activity), r.n)
    if not len(dep):
        return not_answered(5, _Q[0], title, audience, f"no mentoring or intervention records start in {year}",
                            asked=title, evidence=True)
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


def progress_by_school(trust, *, subject: str, year: str, confidence: float = 0.95) -> pd.DataFrame:
    """Value added on one subject's summer test by school, each school compared only with schools of its phase.

    A primary and a secondary school sit different tests, so their value
    added is never estimated on one scale: pupils are compared with pupils of
    the same phase across the trust who had the same score a year earlier
    (:func:`gtanalytics.progress.summer_progress`,
    :func:`gtanalytics.progress.value_added`, ``va_summary`` by school).

    Returns
    -------
    pandas.DataFrame
        ``phase, school_id, n, va, se, ci_low, ci_high, band, low_n, ci_method`` (value added in
        standardised-score points); empty when no phase has three pupils with both scores.

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> by = progress_by_school(load_sample(), subject="reading", year="2023/24")
    >>> sorted(by.groupby("phase")["school_id"].nunique().items())
    [('primary', 2), ('secondary', 2)]
    """
    from gtanalytics.headlines import school_phase

    phases = {s: school_phase(trust, school=s) for s in rd.school_ids(trust)}
    pairs = summer_progress(trust, subject=subject, year=year)
    pairs = pairs.assign(phase=pairs["school_id"].astype(str).map(phases))
    parts = []
    for phase, rows in pairs.groupby("phase", sort=True):
        if len(rows) < 3:
            continue
        fit = value_added(rows.reset_index(drop=True), outcome="outcome", prior="prior", confidence=confidence)
        parts.append(va_summary(fit, by="school_id", confidence=confidence).assign(phase=phase))
    if not parts:
        return pd.DataFrame(columns=["phase", "school_id", "n", "va", "se", "ci_low", "ci_high", "band", "low_n",
                                     "ci_method"])
    out = pd.concat(parts, ignore_index=True)
    out["school_id"] = out["school_id"].astype(str)
    return out[["phase", *[c for c in out.columns if c != "phase"]]]


def _pair_sentence(r, *, names, subject: str) -> selfeval.Statement:
    a, b = names.get(r["mentor_school"], r["mentor_school"]), names.get(r["mentee_school"], r["mentee_school"])
    unit = "standardised-score points"
    return selfeval.Statement(
        f"{a} could support {b} in {subject} ({r['phase']} schools, the same summer test): value added "
        f"{_signed(r['mentor_va'])} {unit} at {a} (95% interval {_signed(r['mentor_ci_low'])} to "
        f"{_signed(r['mentor_ci_high'])}; n = {int(r['mentor_n'])}) against {_signed(r['mentee_va'])} at {b} "
        f"({_signed(r['mentee_ci_low'])} to {_signed(r['mentee_ci_high'])}; n = {int(r['mentee_n'])}): a "
        f"difference of {r['estimate']:.1f} points (95% interval {r['ci_low']:.1f} to "
        f"{r['ci_high']:.1f}).", judgement="neutral", key_area=5)


def _signed(v) -> str:
    return f"{v:+.1f}".replace("-", "\u2212")


def partner_schools(data, *, year: str, trust, school, audience: str = "governors",
                    threshold: int = SUPPRESSION_THRESHOLD, ledger=None, subjects=None) -> Section:
    """How does the school compare with the trust's schools of its phase, and who could support whom? (key area 5)

    Value added on the summer tests by school, each school compared only with
    the trust's schools of the same phase (:func:`progress_by_school`,
    :func:`gtanalytics.trends.school_comparison` within phase) and
    school-to-school support pairs within the phase and on the same test
    (:func:`gtanalytics.trends.mentoring_pairs` with ``strata=("phase",)``).
    Evidence: one standing per subject; the pairings restate the standings of
    two schools, so they are described but not counted again.
    """
    from gtanalytics.headlines import school_phase

    title = "How does the school compare with the trust's other schools?"
    small = smallest_group(threshold)
    names = {s: rd.school_name(trust, s) for s in rd.school_ids(trust)}
    phase = school_phase(trust, school=school)
    same = [s for s in names if school_phase(trust, school=s) == phase]
    sentences, evidence, no, notes = [], [], [], []
    subjects = list(subjects) if subjects is not None else subjects_in(data.assessments, years=[year])
    if len(same) < 2:
        no.append(selfeval.cannot_answer("How does the school compare with other schools?",
                                   f"the data hold no other {phase} school", key_area=5))
    for subject in subjects if len(same) >= 2 else ():
        by_school = noting(notes, progress_by_school, trust, subject=subject, year=year)
        by_school = by_school[by_school["phase"] == phase]
        if by_school.empty:
            continue
        standing = nv.describe_school_standing(noting(notes, school_comparison, by_school, strata=("phase",)),
                                               school=str(school), school_name=names[str(school)],
                                               measure_name=f"{subject} ({year}) among the trust's {phase} schools",
                                               min_n=small)
        found = noting(notes, mentoring_pairs, by_school, strata=("phase",))
        mine = found[(found["choice"] == 1) & ((found["mentor_school"] == str(school))
                                               | (found["mentee_school"] == str(school)))]
        sentences += [standing, *(_pair_sentence(r, names=names, subject=subject) for _, r in mine.iterrows())]
        evidence.append(standing)  # a pairing restates the standings: described, not counted again
    no.append(selfeval.cannot_answer("Are improvement rates above the national rate?",
                               "no national improvement rate was supplied", key_area=5))
    how = (f"Value added on the summer tests, with every pupil compared with pupils of the trust's {phase} schools "
           "who had the same score a year earlier (standardised-score points).")
    return Section(5, _Q[1], title, audience, sentences=tuple(sentences + no), evidence=tuple(evidence + no),
                   cannot_answer=tuple(str(s) for s in no), notes=(how, *notes_for(audience, notes)))


def trust_progress(trust, *, year: str, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
                   ledger=None, subjects=None) -> Section:
    """Progress by school within each phase, and school-to-school support pairs (key area 5, trust overview).

    :func:`progress_by_school` per subject: a table of every school's value
    added (names, phase, pupils, interval, standing among the schools of its
    phase), each school's count made safe for the audience; support pairs
    only within a phase and on the same test
    (:func:`gtanalytics.trends.mentoring_pairs` with ``strata=("phase",)``),
    and only when the difference between the two schools is clear, each with
    both schools' estimates and intervals.

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> sec = trust_progress(load_sample(), year="2023/24")
    >>> sec.tables[0].frame.columns[:3].tolist()
    ['School', 'Phase', 'Subject']
    """
    title = "Progress by school, compared within each phase"
    small = smallest_group(threshold)
    names = {s: rd.school_name(trust, s) for s in rd.school_ids(trust)}
    subjects = list(subjects) if subjects is not None else subjects_in(trust.assessments, years=[year])
    rows, sentences, notes = [], [], []
    for subject in subjects:
        by_school = noting(notes, progress_by_school, trust, subject=subject, year=year)
        if by_school.empty:
            continue
        found = noting(notes, mentoring_pairs, by_school, strata=("phase",), min_n=small)
        comp = noting(notes, school_comparison, by_school, strata=("phase",), min_n=small)
        comp = disclosure.for_audience(comp, count_cols="n", value_cols=["va", "se", "ci_low", "ci_high", "diff_from_trust",
                                                                 "diff_ci_low", "diff_ci_high"],
                               threshold=threshold, audience=audience)
        rows.append(comp.assign(subject=subject))
        sentences += [_pair_sentence(r, names=names, subject=subject)
                      for _, r in found[found["choice"] == 1].iterrows()]
    no = () if rows else (selfeval.cannot_answer(title, "no summer standardised test scores for two years", key_area=5),)
    tables, charts = (), ()
    if rows:
        t = pd.concat(rows, ignore_index=True)
        words = {"significantly above": "above the phase average", "significantly below": "below the phase average",
                 "not significantly different": "in line with the phase average"}
        shown = pd.DataFrame({
            "School": t["school_id"].map(names), "Phase": t["phase"].str.capitalize(),
            "Subject": t["subject"].str.capitalize(),
            "Pupils": [f"fewer than {threshold}" if pd.isna(n) else str(int(n)) for n in t["n"]],
            "Value added (points)": [_signed(v) if pd.notna(v) else "c" for v in t["va"]],
            "95% interval": [f"{_signed(lo)} to {_signed(hi)}" if pd.notna(lo) else "c"
                             for lo, hi in zip(t["ci_low"], t["ci_high"])],
            "Compared with the phase's other schools": [
                "too few pupils to say" if (pd.isna(n) or n < small) else words[v]
                for n, v in zip(t["n"], t["vs_trust_mean"])]})
        tables = (Table("Value added on the summer standardised tests, in standardised-score points: each pupil "
                        "against pupils of the same phase in the trust with the same score a year earlier.", shown),)
        drawn = t.assign(label=t["school_id"].map(names) + ", " + t["subject"])
        charts = (keep(plotting.value_added_by_group(
            drawn.iloc[::-1], label="label", min_n=small, title=f"Progress by school within its phase, {year}",
            xlabel="Value added (standardised-score points)")),)
        if not sentences:
            sentences = [selfeval.Statement("No two schools of the same phase differ clearly enough in progress on the same "
                                      "test to suggest one supports the other.", judgement="neutral", key_area=5)]
    how = ("Schools are compared only with schools of the same phase, on the same test: a primary is never set "
           "against a secondary. A pair is suggested only when one school is clearly above its phase's average, "
           "the other clearly below, and the difference between them is clear (95% interval above zero).")
    return Section(5, _Q[1], title, audience, tables=tables, charts=charts, sentences=tuple(sentences) + no,
                   evidence=tuple(no), cannot_answer=tuple(str(s) for s in no), notes=(how, *notes_for(audience, notes)))
