"""The trust overview: every school by name, one comparison table, and the trust's most serious findings first.

Each school's figures come from the functions its own governor report uses, on the same data
(:meth:`gtanalytics.data.SchoolData.for_school`) and with the same options, so a fact has one number
in the school report and in the overview: the school in a line
(:func:`gtanalytics.headlines.school_in_a_line`), headline outcomes and absence against the phase's
national figures (:func:`gtanalytics.headlines.headline_outcomes`), the disadvantage gap on the
summer tests (:func:`gtanalytics.gap_trends.gap_trend`, as in
:func:`gtanalytics.sections.gaps_closing`), the register's share of disadvantaged pupils
(:func:`gtanalytics.register.register_representation`, as in
:func:`gtanalytics.sections.register_representative`) and intervention programmes' effects
(:func:`gtanalytics.interventions.intervention_impact`, as in
:func:`gtanalytics.sections.interventions_working`). Small groups are hidden for governors through
:mod:`gtanalytics.disclosure`, with one ledger per school (as each school report keeps one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from gtanalytics import selfeval
from gtanalytics import data as rd
from gtanalytics import disclosure
from gtanalytics.disclosure import Ledger
from gtanalytics.gap_trends import gap_trend
from gtanalytics.headlines import key_findings, school_in_a_line
from gtanalytics.interventions import intervention_impact
from gtanalytics.sections.core import Section, Table, not_answered, population, smallest_group, staff_text
from gtanalytics.sections.data_use import recorded_characteristics, representation_for_audience
from gtanalytics.sections.figures import noting
from gtanalytics.sections.summary import headlines_for_audience
from gtanalytics.subjects import subjects_in
from gtanalytics._stats import SUPPRESSION_THRESHOLD

__all__ = ["SchoolOverview", "TrustOverview", "school_overview", "trust_overview", "trust_ratings"]

_Q = selfeval.KEY_QUESTIONS[5]
#: Headline rows of the comparison table: (measure, group) in the order shown.
HEADLINE_ROWS = (
    ("ks2_rwm_expected", "all"), ("ks2_rwm_expected", "disadvantaged"),
    ("ks4_attainment8", "all"), ("ks4_attainment8", "disadvantaged"),
    ("ks4_progress8", "all"), ("ks4_progress8", "disadvantaged"),
    ("ks4_english_maths_5plus", "all"), ("ks4_english_maths_5plus", "disadvantaged"),
    ("overall_absence", "all"), ("overall_absence", "disadvantaged"),
    ("persistent_absence", "all"), ("persistent_absence", "disadvantaged"),
)
_PHASE_OF = {"ks2": "primary", "ks4": "secondary"}
_IMPACT_VALUES = ["estimate", "se", "ci_low", "ci_high", "months", "gain", "pre_mean", "post_mean", "effect",
                  "effect_se", "effect_ci_low", "effect_ci_high"]
_FACT_COLUMNS = ["school_id", "school_name", "phase", "topic", "measure", "label", "group", "n", "value", "unit",
                 "ci_low", "ci_high", "ci_method", "national", "text"]


def _num(v, digits: int = 1, sign: bool = False) -> str:
    text = f"{v:+.{digits}f}" if sign else f"{v:.{digits}f}"
    if float(text) == 0:
        text = f"{0:.{digits}f}"
    return text.replace("-", "\u2212")


def _with_unit(v, unit: str, digits: int = 1, sign: bool = False) -> str:
    return f"{_num(v, digits, sign)}%" if unit.startswith("%") else _num(v, digits, sign)


#: Short row labels of the comparison table (the measure's full name is in the school report).
SHORT_LABELS = {
    "ks2_rwm_expected": "KS2 reading, writing and maths, expected standard",
    "ks4_attainment8": "Attainment 8",
    "ks4_progress8": "Progress 8 (own estimate)",
    "ks4_english_maths_5plus": "Grade 5+ in English and maths",
    "overall_absence": "Overall absence",
    "persistent_absence": "Persistent absence (10%+ missed)",
}
_UNIT_WORDS = {"% of pupils": "% of pupils", "A8 points": "points", "P8 points": "points",
               "% of sessions missed": "% of sessions"}
_GROUP_WORDS = {"all": "all", "disadvantaged": "disadvantaged", "not_disadvantaged": "other"}


def _headline_text(r, *, threshold: int) -> str:
    """``64.3% (49.2 to 77.0), n = 42; national 61.0%: in line`` (above / below only when the interval is)."""
    if r["n"] == 0:
        return "not available"
    if pd.isna(r["estimate"]):
        return f"not shown (fewer than {threshold} pupils)"
    dp, sign = (2, True) if r["unit"] == "P8 points" else (1, False)
    text = (f"{_with_unit(r['estimate'], r['unit'], dp, sign)} ({_num(r['ci_low'], dp, sign)} to "
            f"{_num(r['ci_high'], dp, sign)}), n = {int(r['n'])}")
    if pd.isna(r["national"]):
        return text + "; no national figure"
    worse_high = r["measure"] in ("overall_absence", "persistent_absence")
    if r["ci_low"] > r["national"]:
        verdict = "above" + (" (worse)" if worse_high else "")
    elif r["ci_high"] < r["national"]:
        verdict = "below" + (" (better)" if worse_high else "")
    else:
        verdict = "in line"
    return f"{text}; national {_with_unit(r['national'], r['unit'], dp, sign)}: {verdict}"


def _gap_text(r, *, threshold: int) -> str:
    """The gap in the last year, and how it changed since the first year, in words (size of the gap, not sign)."""
    if any(pd.isna(r[c]) for c in ("gap_first", "gap_last", "ci_low", "ci_high")):
        return f"too few pupils to say (a group of fewer than {smallest_group(threshold)})"
    g1, g2 = float(r["gap_first"]), float(r["gap_last"])
    sign = -1.0 if g1 + g2 < 0 else 1.0  # gaps are disadvantaged - other: negative when they are behind
    lo, hi = sorted((sign * r["ci_low"], sign * r["ci_high"]))
    size = sign * (g2 - g1)
    if g1 * g2 < 0:
        how = "reversed"
    elif lo > 0:
        how = "widened"
    elif hi < 0:
        how = "narrowed"
    else:
        how = "no clear change"
    who = "behind" if g2 < 0 else "ahead"
    return (f"{how}: {who} by {_num(abs(g2))} in {r['last_year']}, {_num(abs(g1))} in {r['first_year']}; change "
            f"{_num(size, sign=True)} ({_num(lo, sign=True)} to {_num(hi, sign=True)}), n = {int(r['n_focus'])} "
            f"and {int(r['n_other'])} results")


@dataclass(frozen=True)
class SchoolOverview:
    """One school's figures for the trust overview.

    Attributes
    ----------
    school_id, school_name, phase, year : str
    facts : pandas.DataFrame
        One row per fact: ``school_id, school_name, phase, topic`` (school, headline, gap, register,
        intervention), ``measure, label, group, n, value, unit, ci_low, ci_high, ci_method,
        national`` and ``text`` (the cell shown, rounded only there). Safe for the audience.
    findings : pandas.DataFrame
        :func:`gtanalytics.headlines.key_findings` of the school's (safe) results, every candidate
        ranked, with ``school_name``.
    """

    school_id: str
    school_name: str
    phase: str
    year: str
    facts: pd.DataFrame
    findings: pd.DataFrame


def school_overview(trust, *, school, years=None, audience: str = "governors",
                    threshold: int = SUPPRESSION_THRESHOLD) -> SchoolOverview:
    """One school's headline outcomes, gap, register, attendance and intervention figures, safe for the audience.

    Parameters
    ----------
    trust : SchoolData
        The trust's data; the school's own report data is ``trust.for_school(school)``.
    school : str or int
    years : list of str, optional
        Years reported (the latest is the report year); None: all the school's years.
    audience : {"governors", "leaders"}
    threshold : int
        Smallest group shown to governors.

    Returns
    -------
    SchoolOverview

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> ov = school_overview(load_sample(), school=8884101)
    >>> ov.school_name, ov.phase
    ('Kingsmead Academy', 'secondary')
    """
    data = trust.for_school(school)
    sid = str(data.pupils["school_id"].iloc[0])
    years = rd.years_of(data, list(years) if years else None)
    year = years[-1]
    small = smallest_group(threshold)
    ledger = Ledger(threshold)
    line = school_in_a_line(data, school=sid, year=year).iloc[0]
    name, phase = rd.school_name(trust, sid), str(line["phase"])
    facts = []

    def fact(topic, measure, label, text, group="all", n=math.nan, value=math.nan, unit="", ci_low=math.nan,
             ci_high=math.nan, ci_method="", national=math.nan):
        facts.append({"school_id": sid, "school_name": name, "phase": phase, "topic": topic, "measure": measure,
                      "label": label, "group": group, "n": n, "value": value, "unit": unit, "ci_low": ci_low,
                      "ci_high": ci_high, "ci_method": ci_method, "national": national, "text": text})

    # the school in a line
    n_dis = line["n_disadvantaged"]
    if audience == "governors":
        ledger.admit(population("pupils", year), line["n_pupils"])
        if not ledger.admit(population("pupils", year, disadvantaged=True), n_dis) or n_dis < threshold:
            n_dis = math.nan
    fact("school", "phase", "Phase", phase.capitalize())
    fact("school", "n_pupils", "Pupils on roll", f"{int(line['n_pupils'])}", n=line["n_pupils"],
         value=line["n_pupils"], unit="pupils")
    fact("school", "pct_disadvantaged", "Disadvantaged pupils (% of pupils)",
         "not recorded" if not line["n_disadvantaged_known"] else
         f"{_num(line['pct_disadvantaged'], 0)}% ({int(n_dis)} pupils)" if pd.notna(n_dis)
         else f"fewer than {threshold} pupils: not shown", n=n_dis,
         value=line["pct_disadvantaged"] if pd.notna(n_dis) else math.nan, unit="% of pupils")

    # headline outcomes and absence against the phase's national figures (the school report's function)
    head = headlines_for_audience(data, school=sid, year=year, threshold=threshold, audience=audience)
    head["n"] = pd.Series([int(v) if pd.notna(v) else math.nan for v in head["n"]], dtype=object)  # "42 pupils"
    for measure, group in HEADLINE_ROWS:
        hit = head[(head["measure"] == measure) & (head["group"] == group)]
        if hit.empty:
            continue
        r = hit.iloc[0]
        label = (f"{SHORT_LABELS.get(measure, r['label'])}: {_GROUP_WORDS[group]} "
                 f"({_UNIT_WORDS.get(r['unit'], r['unit'])})")
        fact("headline", measure, label, _headline_text(r, threshold=threshold), group=group, n=r["n"],
             value=r["estimate"], unit=r["unit"], ci_low=r["ci_low"], ci_high=r["ci_high"], ci_method=r["ci_method"],
             national=r["national"])

    # the disadvantage gap on the summer tests (as gaps_closing)
    gaps = {}
    known = data.pupils["disadvantaged"].dropna() if "disadvantaged" in data.pupils.columns else pd.Series(dtype=bool)
    can_gap = len(years) > 1 and known.astype(bool).nunique() == 2
    for subject in subjects_in(data.assessments, years=years) if can_gap else ():
        scores = rd.summer_scores(data, subject=subject, years=years)
        trend = noting([], gap_trend, scores, outcome="score", group="disadvantaged", focus=True, min_n=small)
        change = disclosure.for_audience(trend.change, count_cols=[], value_cols=[], threshold=threshold, audience=audience)
        r = change.iloc[0]
        gaps[f"the {subject} summer test"] = change
        fact("gap", f"gap_{subject}", f"Disadvantage gap, {subject} summer test (points)",
             _gap_text(r, threshold=threshold), group="disadvantaged", n=r["n_focus"] + r["n_other"],
             value=r["gap_last"], unit="standardised-score points", ci_low=r["ci_low"], ci_high=r["ci_high"],
             ci_method=str(r["ci_method"]))

    # the register's share of disadvantaged pupils (as register_representative)
    pupils = data.pupils[data.pupils["academic_year"] == year]
    chars = recorded_characteristics(pupils)
    reg = None
    if len(pupils) and pupils["gt_register"].notna().any() and "disadvantaged" in chars:
        reg = representation_for_audience(pupils, characteristics=chars, audience=audience, threshold=threshold)
        hit = reg[(reg["characteristic"] == "disadvantaged") & reg["value"].astype(str).isin(["yes", "True"])]
        if len(hit):
            r = hit.iloc[0]
            if pd.isna(r["estimate"]):
                text = f"not shown (a group of fewer than {threshold} pupils)"
            else:
                verdict = ("under-represented" if r["ci_high"] < 1 else "over-represented" if r["ci_low"] > 1
                           else "no clear difference")
                text = (f"{verdict}: {_num(100 * r['share_register'], 0)}% of the register, "
                        f"{_num(100 * r['share_cohort'], 0)}% of pupils; {_num(r['estimate'], 2)} times their share "
                        f"({_num(r['ci_low'], 2)} to {_num(r['ci_high'], 2)})")
            fact("register", "register_disadvantaged", "Disadvantaged pupils' share of the G&T register", text,
                 group="disadvantaged", n=r["n"], value=r["estimate"], unit="times their share of pupils",
                 ci_low=r["ci_low"], ci_high=r["ci_high"], ci_method=str(r["ci_method"]))

    # intervention programmes against comparable pupils (as interventions_working)
    impact = None
    if len(data.interventions):
        ivs = data.interventions.assign(
            programme=staff_text(data.interventions["programme"], audience=audience, pupils=data))
        impact = noting([], intervention_impact, ivs, by=("programme",), pupils=data.pupils,
                        assessments=data.assessments, rng=2024)
        impact = disclosure.programmes_for_audience(impact, ivs, academic_year=year, count_cols=["n", "n_comparison"],
                                            value_cols=_IMPACT_VALUES, threshold=threshold, audience=audience)
        for r in impact.itertuples(index=False):
            if pd.isna(r.estimate):
                text = (f"not shown (fewer than {threshold} pupils)" if pd.isna(r.n)
                        else "no comparison group")
            else:
                clear = r.ci_low > 0 or r.ci_high < 0
                months = f", {r.months_label}" if clear and isinstance(r.months_label, str) else ""
                text = (f"{_num(r.estimate, 2, sign=True)} ({_num(r.ci_low, 2, sign=True)} to "
                        f"{_num(r.ci_high, 2, sign=True)}), n = {int(r.n)}{months}"
                        f"{'' if clear else ': no clear effect'}")
            fact("intervention", f"impact {r.programme}", f"Programme: {r.programme} (effect size)", text,
                 group="participants", n=r.n, value=r.estimate, unit="effect size (standard deviations)",
                 ci_low=r.ci_low, ci_high=r.ci_high, ci_method=str(r.comparison_method))

    found = key_findings(head, gap_trends=gaps or None, register=reg, interventions=impact, year=year,
                         max_findings=50, min_findings=0, per_source=50)
    return SchoolOverview(sid, name, phase, year, pd.DataFrame(facts, columns=_FACT_COLUMNS),
                          found.assign(school_id=sid, school_name=name))


@dataclass(frozen=True)
class TrustOverview:
    """The trust overview: its sections, and the tidy figures behind them.

    Attributes
    ----------
    year : str
    schools : Section
        The schools by name, phase and size.
    findings : Section
        The trust's most serious findings first, each with the school's name, n and interval.
    comparison : Section
        One table: rows are facts, columns are schools (by name).
    facts : pandas.DataFrame
        Every school's :attr:`SchoolOverview.facts`, stacked.
    """

    year: str
    schools: Section
    findings: Section
    comparison: Section
    facts: pd.DataFrame


#: Among clear concerns, the kinds of finding a trust must act on first: a disadvantage gap that widened
#: (getting worse, and the pupils the trust's provision is for), then disadvantaged pupils against
#: national, then other headline outcomes, the register, programmes and progress.
SOURCE_PRIORITY = {"gap_trend": 0, "headline_gap": 1, "headline": 2, "register": 3, "intervention": 4,
                   "value_added": 5}


def _rank(found: pd.DataFrame) -> pd.DataFrame:
    """Clear findings, concerns first; concerns by :data:`SOURCE_PRIORITY`, then by z (as key_findings ranks)."""
    f = found[found["clear"].astype(bool)]
    f = f.assign(_fine=f["direction"] != "worse", _kind=f["source"].map(SOURCE_PRIORITY).fillna(9))
    f = f.assign(_kind=f["_kind"].where(~f["_fine"], 0))
    f = f.sort_values(["_fine", "low_n", "_kind", "z"], ascending=[True, True, True, False], kind="stable")
    f = f[f.groupby(["school_id", "source"]).cumcount() < 1]  # one finding per school and kind
    f = f[f.groupby("school_id").cumcount() < 2]  # at most two per school
    return f.drop(columns=["_fine", "_kind"]).reset_index(drop=True)


def trust_overview(trust, *, years=None, audience: str = "governors", threshold: int = SUPPRESSION_THRESHOLD,
                   max_findings: int = 6) -> TrustOverview:
    """Every school of the trust by name, the most serious findings first, and one comparison table.

    Parameters
    ----------
    trust : SchoolData
    years : list of str, optional
        Years reported (the latest is the report year); None: all.
    audience : {"governors", "leaders"}
    threshold : int
        Smallest group shown to governors.
    max_findings : int
        Findings listed (concerns first, then strengths; at most two per school).

    Returns
    -------
    TrustOverview

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> ov = trust_overview(load_sample())
    >>> list(ov.comparison.tables[0].frame.columns)  # schools by name, primary schools first
    ['Measure', 'Oakfield Primary', 'Riverside Primary', 'Hollins Park School', 'Kingsmead Academy']
    """
    ids = rd.school_ids(trust)
    all_years = rd.years_of(trust, list(years) if years else None)
    year = all_years[-1]
    per = [school_overview(trust, school=s, years=[y for y in all_years if y <= year], audience=audience,
                           threshold=threshold) for s in ids]
    per.sort(key=lambda o: ({"primary": 0, "secondary": 1}.get(o.phase, 2), o.school_name))
    facts = pd.concat([o.facts for o in per], ignore_index=True)

    schools = pd.DataFrame({
        "School": [o.school_name for o in per], "Phase": [o.phase.capitalize() for o in per],
        "Pupils on roll": facts.loc[facts["measure"] == "n_pupils", "text"].tolist(),
        "Disadvantaged pupils": facts.loc[facts["measure"] == "pct_disadvantaged", "text"].tolist()})
    schools_sec = Section(5, _Q[1], f"The trust's {len(per)} schools, {year}", audience, tables=(Table("", schools),))

    candidates = [o.findings for o in per if len(o.findings)]
    found = _rank(pd.concat(candidates, ignore_index=True)) if candidates else pd.DataFrame(
        columns=["school_name", "statement", "direction"])
    concerns = found[found["direction"] == "worse"]
    strengths = found[found["direction"] != "worse"]
    chosen = pd.concat([concerns.head(max(max_findings - 2, 1)), strengths]).head(max_findings)
    sentences = tuple(selfeval.Statement(f"**{r.school_name}.** {r.statement}",
                                   judgement="negative" if r.direction == "worse" else "positive", key_area=5)
                      for r in chosen.itertuples(index=False))
    if not sentences:
        sentences = (selfeval.Statement("No school's results differ clearly from national figures or from no change.",
                                  judgement="neutral", key_area=5),)
    findings_sec = Section(5, _Q[1], "The most serious findings first", audience, sentences=sentences,
                           notes=(("Clear findings only (the 95% interval excludes no difference), concerns before "
                                   "strengths: a widening disadvantage gap first, then disadvantaged pupils against "
                                   "national, then other results; at most two per school."),))

    rows = facts[facts["topic"] != "school"]
    order = {m: i for i, (m, _) in enumerate(HEADLINE_ROWS)}
    topic = {"headline": 0, "gap": 1, "register": 2, "intervention": 3}
    rows = rows.assign(_key=[(topic[t], order.get(m, 0), g != "all") for t, m, g in
                             zip(rows["topic"], rows["measure"], rows["group"])])
    labels = list(dict.fromkeys(rows.sort_values("_key", kind="stable")["label"]))
    grid = []
    for label in labels:  # phase, pupils on roll and % disadvantaged are in the schools table
        cells = {"Measure": label}
        for o in per:
            hit = facts[(facts["school_id"] == o.school_id) & (facts["label"] == label)]
            if len(hit):
                cells[o.school_name] = hit["text"].iloc[0]
            elif label.startswith("Programme"):
                cells[o.school_name] = "not run"
            else:
                phase = next((_PHASE_OF[m[:3]] for m in rows.loc[rows["label"] == label, "measure"]
                              if m[:3] in _PHASE_OF), None)
                cells[o.school_name] = "\u2014" if phase and phase != o.phase else "no data"
        grid.append(cells)
    grid = pd.DataFrame(grid)
    topic_of = dict(zip(facts["label"], facts["topic"]))
    outcomes = grid["Measure"].map(topic_of).isin(["school", "headline"])
    tables = [Table("**Results and attendance against national.** Each figure: the value, its 95% interval in "
                    "brackets, and n, the number of pupils behind it; national figures are for the school's phase, "
                    "year and pupil group; \u2014: not a measure of the school's phase. Progress 8 is the school's "
                    "own estimate from DfE's 2024 national tables.",
                    grid[outcomes].reset_index(drop=True))]
    if (~outcomes).any():
        tables.append(Table(
            "**Disadvantaged pupils, the register and intervention programmes.** Gaps: disadvantaged pupils' mean "
            "summer-test score against other pupils', in standardised-score points, and its change from the first "
            "year to the last (successive cohorts), with its 95% interval. Register: disadvantaged pupils' share of "
            "the gifted and talented register against their share of pupils. Programmes: effect size in standard "
            "deviations of the termly test against comparable pupils who did not take part.",
            grid[~outcomes].reset_index(drop=True)))
    no = () if (~outcomes).any() else (selfeval.cannot_answer(
        "How do the schools' disadvantage gaps, registers and programmes compare?", "the data record no "
        "disadvantaged pupils, G&T register with disadvantage, or intervention programmes", key_area=5),)
    comparison = Section(5, _Q[1], f"The schools compared, {year}", audience, tables=tuple(tables), sentences=no,
                         cannot_answer=tuple(str(x) for x in no),
                         notes=("The same figures, from the same calculations, as each school's governor report.",))
    return TrustOverview(year, schools_sec, findings_sec, comparison, facts)


def trust_ratings(trust, *, year: str, audience: str = "governors") -> Section:
    """Each school's own Excellence for All rating per key area, schools by name (the self-evaluation table).

    Examples
    --------
    >>> from gtanalytics import load_sample
    >>> sec = trust_ratings(load_sample(), year="2023/24")
    >>> sec.tables[0].frame.columns[0]
    'Key area'
    """
    from gtanalytics.selfeval import KEY_AREAS

    title = f"Each school's own rating of the five key areas, {year}"
    se = trust.self_evaluation
    se = se[se["academic_year"].astype("string") == year] if len(se) else se
    if not len(se):
        return not_answered(5, _Q[1], title, audience, f"no self-evaluation ratings are recorded for {year}",
                            asked=title)
    from gtanalytics.headlines import school_phase

    ids = sorted(rd.school_ids(trust), key=lambda s: ({"primary": 0, "secondary": 1}.get(
        school_phase(trust, school=s), 2), rd.school_name(trust, s)))
    names = {s: rd.school_name(trust, s) for s in ids}
    wide = (se.assign(school=se["school_id"].astype(str).map(names), key_area=pd.to_numeric(se["key_area"]))
            .pivot_table(index="key_area", columns="school", values="rating", aggfunc="last"))
    wide = wide[[n for n in names.values() if n in wide.columns]].fillna("not rated")
    wide.insert(0, "Key area", [f"{int(k)}. {KEY_AREAS.get(int(k), '')}" for k in wide.index])
    return Section(5, _Q[1], title, audience, tables=(Table("The school's own judgement: Entry, Developing or "
                                                             "Exemplary.", wide.reset_index(drop=True)),))
