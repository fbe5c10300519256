"""Plain-English sentences from results, careful about uncertainty.

Every sentence is generated from a *result* (a value-added, gap, effect,
register or attendance result frame), never from pupil records, and says how
sure we can be, in the manner of the sentences in Ofsted's inspection data
summary report (IDSR):

* an interval wholly above the reference is "significantly above";
* an interval wholly below it is "significantly below";
* an interval that includes it is "in line with" (the difference could be
  chance);
* a group with fewer than ``min_n`` pupils is "too few pupils to say", and its
  exact size is not written (so the sentence is safe for governors).

Sentences are :class:`Statement` objects: ordinary strings that also carry a
``judgement`` (``"positive"``, ``"negative"``, ``"neutral"``, ``"too_few"``,
``"no_data"``) and the Excellence for All ``key_area`` they are evidence for.
:func:`self_evaluation_summary` combines them with the school's own rating.

Topics live in small modules and are re-exported here, so ``from
gtanalytics import narrative as nv`` reaches them all: statements and the
self-evaluation in :mod:`gtanalytics.selfeval`, interval reading in
:mod:`gtanalytics.narrative`, the register in
:mod:`gtanalytics.narrative`, and leadership / capacity sentences
in :mod:`gtanalytics.narrative`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from gtanalytics._stats import LOW_N, vocabulary_column
from gtanalytics.selfeval import (
    Statement,
)
from gtanalytics.narrative._wording import HIDDEN_WHY, interval_words, number_words, row_name, one_or_many, result_rows, verdict_statement, judge_interval

__all__ = [
    "describe_value_added",
    "describe_gap",
    "describe_gap_trend",
    "describe_effect",
    "describe_attendance",
    "describe_change",
]


def describe_value_added(
    groups,
    *,
    measure_name: str,
    label: str | None = None,
    names: Mapping | None = None,
    min_n: int = LOW_N,
    comparison: str = "pupils with similar starting points",
    confidence: float = 0.95,
    decimals: int = 2,
    key_area: int | None = 2,
    unit: str = "",
):
    """Sentences about value added, one per group (``unit``, e.g. "standardised-score points", after the value).

    Parameters
    ----------
    groups : DataFrame, Series or dict
        ``.groups`` of a value-added result (columns ``n, va, ci_low,
        ci_high``), or one row of it.
    measure_name : str
        What was measured, as it should read in the sentence (e.g. "KS2 maths").
    label : str, optional
        Column naming each group (e.g. ``"gt_register"``); rows without one
        are "All pupils".
    names : mapping, optional
        Readable names for label values, e.g. ``{True: "Pupils on the G&T register"}``.
    min_n : int
        Groups below this size get "too few pupils to say" and their size is
        not written.
    comparison : str
        Who the expected outcome comes from, e.g. "pupils nationally with
        similar starting points" for the benchmark method.
    confidence, decimals, key_area

    Returns
    -------
    Statement or list of Statement
        One statement per row (a single statement when given one row).
        Judgement: ``positive`` when the interval is above 0, ``negative``
        below, ``neutral`` when it includes 0, ``too_few`` for small groups.

    Examples
    --------
    >>> row = {"n": 28, "va": 0.42, "ci_low": 0.10, "ci_high": 0.74}
    >>> print(describe_value_added(row, measure_name="KS2 maths"))  # doctest: +NORMALIZE_WHITESPACE
    All pupils: progress in KS2 maths was significantly above that of pupils with similar starting
    points (value added +0.42, 95% interval +0.10 to +0.74; 28 pupils).
    """
    out = []
    for row in result_rows(groups):
        who = row_name(row, label, names, "All pupils")
        n = row.get("n")
        kind = judge_interval(row.get("ci_low"), row.get("ci_high"), n=n, min_n=min_n)
        if kind == "too_few":
            if n is not None and not pd.isna(n) and n >= min_n:
                text = (f"{who}: no interval could be calculated for progress in {measure_name}, so it is "
                        f"not possible to say how it compares.")
            else:
                text = (f"{who}: fewer than {min_n} pupils, too few to say how their progress in "
                        f"{measure_name} compares with that of {comparison}.")
            out.append(Statement(text, judgement="too_few", key_area=key_area))
            continue
        numbers = (f"(value added {number_words(row['va'], decimals)}{' ' + unit if unit else ''}, "
                   f"{interval_words(row['ci_low'], row['ci_high'], confidence, decimals)}; {int(n)} pupils)")
        base = f"{who}: progress in {measure_name} was"
        out.append(verdict_statement(kind, key_area, {
            "above": (f"{base} significantly above that of {comparison} {numbers}.", "positive"),
            "below": (f"{base} significantly below that of {comparison} {numbers}.", "negative"),
            "in_line": (f"{base} in line with that of {comparison} {numbers}; the interval includes zero, so any "
                        "difference could be chance.", "neutral")}))
    return one_or_many(out, groups)


def describe_gap(
    gaps,
    *,
    measure_name: str,
    focus_label: str = "Disadvantaged pupils",
    other_label: str = "other pupils",
    label: str | None = None,
    names: Mapping | None = None,
    min_n: int = LOW_N,
    higher_is_better: bool = True,
    unit: str = "points",
    confidence: float = 0.95,
    decimals: int = 1,
    key_area: int | None = 2,
):
    """Sentences about the gap between a focus group and other pupils.

    Parameters
    ----------
    gaps : DataFrame, Series or dict
        Result of :func:`gtanalytics.gaps.gap` (``n_focus, n_other,
        mean_focus, mean_other, gap, ci_low, ci_high``; gap = focus - other),
        or one row of it.
    measure_name : str
        E.g. "KS2 reading scaled score".
    focus_label, other_label : str
        How the two groups read in the sentence.
    label, names : optional
        Column naming each row (e.g. ``"academic_year"`` or ``"subject"``) and
        readable names for its values; the label is written first.
    min_n : int
        If either group is smaller, the sentence says "too few pupils to say".
    higher_is_better : bool
        False for measures such as absence, where a higher value is worse.
    unit : str
        Unit of the gap in words ("points", "percentage points", "grades").
    confidence, decimals, key_area

    Returns
    -------
    Statement or list of Statement
        Judgement ``negative`` when the focus group is significantly behind,
        ``positive`` when significantly ahead, ``neutral`` when the interval
        includes 0, ``too_few`` when either group is small.

    Examples
    --------
    >>> row = {"n_focus": 30, "n_other": 90, "mean_focus": 101.0, "mean_other": 104.2,
    ...        "gap": -3.2, "ci_low": -5.1, "ci_high": -1.3}
    >>> print(describe_gap(row, measure_name="KS2 maths"))  # doctest: +NORMALIZE_WHITESPACE
    Disadvantaged pupils scored 3.2 points lower than other pupils in KS2 maths on average (gap
    −3.2, 95% interval −5.1 to −1.3; 30 and 90 pupils): a significant gap.
    """
    out = []
    for row in result_rows(gaps):
        prefix = f"{row_name(row, label, names, '')}: " if label else ""
        nf, no = row.get("n_focus"), row.get("n_other")
        small = any(v is None or pd.isna(v) or v < min_n for v in (nf, no))
        kind = "too_few" if small else judge_interval(row.get("ci_low"), row.get("ci_high"), min_n=min_n)
        if kind == "too_few":
            focus_small = nf is None or pd.isna(nf) or nf < min_n
            who = focus_label.lower() if focus_small else other_label
            text = (f"{prefix}{'f' if prefix else 'F'}ewer than {min_n} {who} had results in {measure_name}, too few to say whether "
                    f"there is a gap.")
            out.append(Statement(text, judgement="too_few", key_area=key_area))
            continue
        g = float(row["gap"])
        direction = "higher" if g > 0 else "lower"
        size = number_words(abs(g), decimals, sign=False)
        numbers = f"(gap {number_words(g, decimals)}, {interval_words(row['ci_low'], row['ci_high'], confidence, decimals)}; " \
                  f"{int(nf)} and {int(no)} pupils)"
        start = f"{prefix}{focus_label}" if prefix else focus_label
        if kind == "in_line":
            text = (f"{start} scored {size} {unit} {direction} than {other_label} in {measure_name} on average "
                    f"{numbers}; the interval includes zero, so there is no clear evidence of a gap.")
            judgement = "neutral"
        else:
            ahead = (g > 0) == higher_is_better
            text = (f"{start} scored {size} {unit} {direction} than {other_label} in {measure_name} on average "
                    f"{numbers}: a significant {'difference in their favour' if ahead else 'gap'}.")
            judgement = "positive" if ahead else "negative"
        out.append(Statement(text, judgement=judgement, key_area=key_area))
    return one_or_many(out, gaps)


def describe_gap_trend(
    change,
    *,
    measure_name: str,
    focus_label: str = "disadvantaged pupils",
    other_label: str = "other pupils",
    label: str | None = None,
    names: Mapping | None = None,
    unit: str = "points",
    confidence: float = 0.95,
    decimals: int = 1,
    key_area: int | None = 2,
):
    """Sentences on whether a gap has closed between the first and the last year.

    Parameters
    ----------
    change : DataFrame, Series or dict
        ``.change`` of :func:`gtanalytics.gap_trends.gap_trend` (``first_year,
        last_year, gap_first, gap_last, estimate, ci_low, ci_high, low_n,
        classification``), or one row of it.
    measure_name, focus_label, other_label, label, names, unit, confidence, decimals, key_area
        As in :func:`describe_gap`.

    Returns
    -------
    Statement or list of Statement
        Judgement ``positive`` when the gap narrowed because the group behind
        improved, ``negative`` when it widened, ``neutral`` when there is no
        clear change or it narrowed only because the other group fell,
        ``too_few`` when groups were too small.

    Examples
    --------
    >>> row = {"first_year": "2021/22", "last_year": "2023/24", "gap_first": -6.0, "gap_last": -1.0,
    ...        "estimate": 5.0, "ci_low": 2.1, "ci_high": 7.9, "low_n": False,
    ...        "classification": "narrowing because the focus group improved"}
    >>> describe_gap_trend(row, measure_name="KS2 maths").judgement
    'positive'
    """
    out = []
    for row in result_rows(change):
        prefix = f"{row_name(row, label, names, '')}: " if label else ""
        cls = str(row.get("classification", ""))
        y1, y2 = row.get("first_year"), row.get("last_year")
        if bool(row.get("low_n", False)) or cls == "too few to say" or pd.isna(row.get("ci_low")):
            out.append(Statement(
                f"{prefix}{'t' if prefix else 'T'}oo few {focus_label} or {other_label} had results in "
                f"{measure_name} in {y1} or {y2} to say whether the gap is closing.",
                judgement="too_few", key_area=key_area))
            continue
        g1, g2 = float(row["gap_first"]), float(row["gap_last"])
        sign = -1.0 if (g1 + g2) < 0 else 1.0  # gaps are focus - other: negative means the focus group is behind
        size = abs(g2) - abs(g1)
        turn = 1.0 if size >= 0 else -1.0      # the interval in the direction the sentence states
        lo, hi = sorted((turn * sign * float(row["ci_low"]), turn * sign * float(row["ci_high"])))
        plain = (lambda x: f"{x:.{decimals}f}".replace("-", "\u2212"))
        interval = f"{confidence:.0%} interval {plain(lo)} to {plain(hi)}"
        if g1 * g2 < 0:
            ends = [float(row[c]) * (1.0 if g2 > g1 else -1.0) for c in ("ci_low", "ci_high")]
            text = (f"{prefix}{'t' if prefix else 'T'}he gap in {measure_name} between {focus_label} and "
                    f"{other_label} reversed: {focus_label} were {plain(abs(g1))} {unit} "
                    f"{'behind' if g1 < 0 else 'ahead'} in {y1} and {plain(abs(g2))} {unit} "
                    f"{'behind' if g2 < 0 else 'ahead'} in {y2} (change {plain(abs(g2 - g1))} {unit}, "
                    f"{confidence:.0%} interval {plain(min(ends))} to {plain(max(ends))})")
        else:
            verb = "widened" if cls == "widening" else "narrowed" if cls.startswith("narrowing") else "went"
            text = (f"{prefix}{'t' if prefix else 'T'}he gap in {measure_name} between {focus_label} and "
                    f"{other_label} {verb} from {plain(abs(g1))} to {plain(abs(g2))} {unit} between {y1} and {y2} "
                    f"({focus_label} {'behind' if sign < 0 else 'ahead'}): "
                    f"{'wider' if size >= 0 else 'narrower'} by {plain(abs(size))} {unit} ({interval})")
        if cls == "widening":
            text += ", a clear change."
            judgement = "negative"
        elif cls.startswith("narrowing"):
            if "other group fell" in cls and "focus group improved" not in cls:
                text += (f", but because {other_label} did less well, not because {focus_label} improved.")
                judgement = "neutral"
            else:
                text += f", and {focus_label} improved."
                judgement = "positive"
        else:
            text += ": no clear change (the interval includes zero, so chance alone could explain it)."
            judgement = "neutral"
        out.append(Statement(text, judgement=judgement, key_area=key_area))
    return one_or_many(out, change)


def describe_effect(
    effects,
    *,
    outcome_name: str,
    label: str | None = None,
    names: Mapping | None = None,
    min_n: int = LOW_N,
    confidence: float = 0.95,
    decimals: int = 2,
    key_area: int | None = 3,
):
    """Sentences about intervention (or mentoring) effects, with months' progress.

    Rows without a comparison group get a sentence saying impact cannot be
    shown from gains alone.

    Parameters
    ----------
    effects : DataFrame, Series or dict
        Effects in the result vocabulary, or one row: rows of
        :func:`gtanalytics.effects.effect_size` (``g, ci_low, ci_high,
        n_treatment, n_comparison, months``) or of
        :func:`gtanalytics.interventions.intervention_impact` (``estimate,
        ci_low, ci_high, n, n_comparison, months``).  A row whose
        ``suppressed`` column (:func:`gtanalytics.disclosure.for_audience`
        with ``block_col``) is ``"secondary"`` is not small: its numbers were
        hidden so that another group's cannot be worked out, and it is said so.
    outcome_name : str
        What the post-test measured, e.g. "reading age".
    label, names : optional
        Column naming each row (e.g. ``"programme"`` or ``"staff"``) and
        readable names for its values.
    min_n : int
        If the programme or comparison group is smaller, "too few pupils to say".
    confidence, decimals, key_area

    Returns
    -------
    Statement or list of Statement
        Judgement ``positive`` when the interval is above 0, ``negative``
        below, ``neutral`` when it includes 0, ``too_few`` for small groups.

    Examples
    --------
    >>> row = {"programme": "Catch-up Literacy", "g": 0.35, "ci_low": 0.05, "ci_high": 0.65,
    ...        "n_treatment": 24, "n_comparison": 60, "months": 4}
    >>> describe_effect(row, outcome_name="reading", label="programme").judgement
    'positive'
    """
    out = []
    for row in result_rows(effects):
        who = row_name(row, label, names, "The programme")
        estimate = vocabulary_column(row) or "estimate"
        nt = row.get(vocabulary_column(row, ("n_treatment", "n")))
        nc = row.get("n_comparison")
        if row.get("suppressed") == "secondary":
            out.append(Statement(f"{who}: {HIDDEN_WHY}, so whether it made a difference to {outcome_name} is not "
                                 f"reported here.", judgement="too_few", key_area=key_area))
            continue
        if nt is None or pd.isna(nt) or nt < min_n:
            out.append(Statement(f"{who}: fewer than {min_n} pupils in the programme, too few to say whether it "
                                 f"made a difference to {outcome_name}.", judgement="too_few", key_area=key_area))
            continue
        if nc is None or pd.isna(nc) or nc == 0 or pd.isna(row.get(estimate)):
            out.append(Statement(f"{who}: there is no comparison group, so the pupils' gains in {outcome_name} "
                                 f"cannot show whether the programme made a difference ({int(nt)} pupils).",
                                 judgement="no_data", key_area=key_area))
            continue
        if nc < min_n:
            out.append(Statement(f"{who}: fewer than {min_n} pupils in the comparison group, too few to say "
                                 f"whether it made a difference to {outcome_name}.", judgement="too_few",
                                 key_area=key_area))
            continue
        kind = judge_interval(row.get("ci_low"), row.get("ci_high"))
        months = row.get("months")
        m_text = ""
        if months is not None and not pd.isna(months):
            m = int(months)
            m_text = (", about no additional progress" if m == 0 else
                      f", about {m} {'month' + chr(39) + 's' if m == 1 else 'months' + chr(39)} additional progress"
                      if m > 0 else f", about {-m} month{'s' if m < -1 else ''} less progress")
        numbers = (f"(effect size {number_words(row[estimate], decimals)}, "
                   f"{interval_words(row['ci_low'], row['ci_high'], confidence, decimals)}; "
                   f"{int(nt)} pupils, {int(nc)} in the comparison group{m_text})")
        than = f"progress in {outcome_name} than the comparison group {numbers}."
        out.append(verdict_statement(kind, key_area, {
            "above": (f"{who}: pupils made significantly more {than}", "positive"),
            "below": (f"{who}: pupils made significantly less {than}", "negative"),
            "in_line": (f"{who}: no clear evidence of an effect on {outcome_name} {numbers}; the interval includes "
                        "zero, so the difference could be chance.", "neutral"),
        }, default=(f"{who}: no interval could be calculated for the effect on {outcome_name}.", "too_few")))
    return one_or_many(out, effects)


def describe_attendance(
    rates,
    *,
    label: str | None = None,
    names: Mapping | None = None,
    national: float | str | None = "national",
    national_label: str = "national",
    min_n: int = LOW_N,
    measure_name: str = "overall absence",
    unit: str = "of sessions",
    decimals: int = 1,
    key_area: int | None = 4,
):
    """Sentences about absence rates, compared with a national figure when given.

    Parameters
    ----------
    rates : DataFrame, Series or dict
        Rows of :func:`gtanalytics.attendance.absence_rates` for one measure
        (``n, estimate, ci_low, ci_high, national``): an absence rate in
        percent, its interval and ``n`` pupils.
    label, names : optional
        Column naming each group and readable names for its values.
    national : float or str, optional
        The national rate for the same year and measure, or the name of the
        column holding it (default ``"national"``, as ``absence_rates`` gives);
        without one the sentence states the rate only.
    national_label : str
        How the comparator reads, e.g. "the national rate for 2023/24".
    min_n, measure_name, decimals, key_area
    unit : str
        What the percentage is of: ``"of sessions"`` (absence rates) or ``"of pupils"``
        (persistent absence).

    Returns
    -------
    Statement or list of Statement
        Judgement ``negative`` when absence is significantly above the
        national rate, ``positive`` when significantly below, ``neutral`` in
        line (or no national figure), ``too_few`` for small groups.

    Examples
    --------
    >>> row = {"n": 40, "estimate": 9.8, "ci_low": 8.1, "ci_high": 11.5}
    >>> describe_attendance(row, national=7.1).judgement
    'negative'
    """
    out = []
    for row in result_rows(rates):
        who = row_name(row, label, names, "All pupils")
        nn = row.get("n")
        if nn is None or pd.isna(nn) or nn < min_n or pd.isna(row.get("estimate")):
            out.append(Statement(f"{who}: fewer than {min_n} pupils, too few to say how their {measure_name} "
                                 f"compares.", judgement="too_few", key_area=key_area))
            continue
        value = f"{number_words(row['estimate'], decimals, sign=False)}% {unit}"
        interval = ""
        if not pd.isna(row.get("ci_low")):
            interval = (f", 95% interval {number_words(row['ci_low'], decimals, sign=False)}% to "
                        f"{number_words(row['ci_high'], decimals, sign=False)}%")
        numbers = f"({value}{interval}; {int(nn)} pupils)"
        nat_value = row.get(national) if isinstance(national, str) else national
        if nat_value is None or pd.isna(nat_value):
            text = (f"{who}: {measure_name} was {value} ({interval[2:]}; {int(nn)} pupils); no national figure "
                    f"for this group to compare with." if interval else
                    f"{who}: {measure_name} was {value} ({int(nn)} pupils); no national figure for this group to "
                    f"compare with.")
            out.append(Statement(text, judgement="neutral", key_area=key_area))
            continue
        kind = judge_interval(row.get("ci_low"), row.get("ci_high"), reference=float(nat_value))
        nat = f"{national_label} figure of {number_words(nat_value, decimals, sign=False)}%"
        base = f"{who}: {measure_name} was"
        out.append(verdict_statement(kind, key_area, {
            "above": (f"{base} significantly above the {nat} {numbers}.", "negative"),
            "below": (f"{base} significantly below the {nat} {numbers}.", "positive"),
            "in_line": (f"{base} in line with the {nat} {numbers}.", "neutral"),
        }, default=(f"{base} {value} against the {nat}; no interval is available to compare.", "neutral")))
    return one_or_many(out, rates)


def describe_change(
    frame,
    *,
    label: str,
    n: str = "n_mentees",
    who: str = "mentees",
    comparison: str = "similar pupils who were not mentored",
    higher_is_better=True,
    min_n: int = LOW_N,
    decimals: int = 1,
    key_area: int | None = 4,
    units: Mapping | None = None,
):
    """Sentences about a difference in change after allowing for earlier scores, e.g. mentoring.

    Parameters
    ----------
    frame : DataFrame, Series or dict
        :func:`gtanalytics.mentoring.mentoring_impact` rows (``outcome,
        n_mentees, estimate, ci_low, ci_high``: the difference after allowing
        for the pupils' earlier scores) or any frame with a label,
        an estimate, its interval and a count.  A row with ``suppressed ==
        "secondary"`` had its numbers hidden although it is not small, and is
        described so (not as "fewer than ``min_n``").
    label : str
        Column naming each row (e.g. ``"outcome"``).
    higher_is_better : bool or callable
        Whether an increase is good; a callable gets the label (e.g. False
        for "suspension days").
    units : mapping, optional
        The unit of each label's difference (e.g. ``{"maths test": "standardised-score points"}``).

    Returns
    -------
    Statement or list of Statement

    Examples
    --------
    >>> row = {"outcome": "attainment: maths", "n_mentees": 12, "estimate": 3.1, "ci_low": 0.4, "ci_high": 5.8}
    >>> describe_change(row, label="outcome").judgement
    'positive'
    """
    out = []
    for row in result_rows(frame):
        raw = str(row.get(label))
        what = raw[:1].upper() + raw[1:]
        nn = row.get(n)
        kind = judge_interval(row.get("ci_low"), row.get("ci_high"), n=nn, min_n=min_n)
        good_up = higher_is_better(raw) if callable(higher_is_better) else higher_is_better
        if row.get("suppressed") == "secondary":
            out.append(Statement(f"{what}: {HIDDEN_WHY}, so whether {who} changed differently from {comparison} "
                                 f"is not reported here.", judgement="too_few", key_area=key_area))
            continue
        if kind == "too_few":
            out.append(Statement(f"{what}: too few {who} had results to say whether they changed differently from "
                                 f"{comparison}.", judgement="too_few", key_area=key_area))
            continue
        u = (units or {}).get(raw, "")
        u = f" {u}" if u else ""
        numbers = (f"(difference after allowing for earlier scores {number_words(row['estimate'], decimals)}{u}, "
                   f"95% interval {number_words(row['ci_low'], decimals)} to {number_words(row['ci_high'], decimals)}{u}; {int(nn)} {who})")
        if kind == "in_line":
            text = (f"{what}: {who} changed about as much as {comparison} {numbers}; the interval includes zero, "
                    f"so any difference could be chance.")
            judgement = "neutral"
        else:
            up = kind == "above"
            text = f"{what}: {who} {'rose' if up else 'fell'} significantly more than {comparison} {numbers}."
            judgement = "positive" if up == good_up else "negative"
        out.append(Statement(text, judgement=judgement, key_area=key_area))
    return one_or_many(out, frame)

