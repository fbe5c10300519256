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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

__all__ = [
    "Statement",
    "KEY_AREAS",
    "KEY_QUESTIONS",
    "RATINGS",
    "judge_interval",
    "describe_value_added",
    "describe_gap",
    "describe_gap_trend",
    "describe_effect",
    "describe_register",
    "group_label",
    "describe_attendance",
    "describe_change",
    "cannot_answer",
    "evidence_balance",
    "self_evaluation_summary",
    "self_evaluation_table",
]

#: The five Excellence for All key areas.
KEY_AREAS: dict[int, str] = {
    1: "Leadership for excellence",
    2: "Use of data for excellence",
    3: "Effective learning for excellence",
    4: "Engaging pupils and parents in Excellence for All",
    5: "Building capacity for excellence: engaging the whole school community",
}

#: The questions each key area asks, in the order the notebooks answer them.
KEY_QUESTIONS: dict[int, tuple[str, ...]] = {
    1: (
        "How is the gifted and talented programme planned, led and overseen: are the most able pupils' "
        "progress and targets monitored, and are programmes reviewed each half term and each term?",
        "Which pupils most need support: which able pupils are under-achieving, and which disadvantaged "
        "able pupils are at risk of falling behind?",
        "Is the school's own rating of its provision borne out by the evidence?",
    ),
    2: (
        "Is the gifted and talented register representative of the school's pupils (disadvantaged, "
        "looked-after, SEN and dual or multiple exceptionality, ethnic groups, boys and girls)?",
        "Are the most able pupils making the progress they should, compared with pupils with similar "
        "starting points?",
        "Are gaps closing between disadvantaged pupils and other pupils, including among the most able?",
    ),
    3: (
        "Are intervention programmes working: do pupils in them make more progress than comparable pupils?",
        "Which learning support assistants' groups and which teaching groups are making the most progress?",
        "Are the most able making strong progress in each subject?",
    ),
    4: (
        "Is mentoring of able under-achievers taking place as planned (three mentees each, weekly, with a "
        "learning log), and is it followed by better progress?",
        "Do able and disadvantaged pupils take up opportunities beyond the classroom, and do they attend "
        "school?",
        "Are parents and carers engaged (parents' evenings, surveys)?",
    ),
    5: (
        "Which non-teaching staff could support gifted and talented pupils: whose groups make strong "
        "progress, and who has capacity to mentor?",
        "Is the capacity built shared across the school and with partner schools: are improvement rates "
        "above the national rate?",
    ),
}

#: The IQS self-evaluation levels (methodology 10), lowest first.
RATINGS: tuple[str, ...] = ("Entry", "Developing", "Exemplary")

_JUDGEMENTS = ("positive", "negative", "neutral", "too_few", "no_data")


class Statement(str):
    """A sentence that also records what it is evidence of.

    Parameters
    ----------
    text : str
        The sentence.
    judgement : str
        ``"positive"`` (evidence of strength), ``"negative"`` (evidence of a
        concern), ``"neutral"`` (no clear difference), ``"too_few"`` (too few
        pupils to say) or ``"no_data"`` (the data cannot answer).
    key_area : int, optional
        Excellence for All key area (1-5) the sentence is evidence for.

    Examples
    --------
    >>> s = Statement("Progress was in line.", judgement="neutral", key_area=2)
    >>> s, s.judgement
    ('Progress was in line.', 'neutral')
    """

    judgement: str
    key_area: int | None

    def __new__(cls, text: str, *, judgement: str, key_area: int | None = None):
        if judgement not in _JUDGEMENTS:
            raise ValueError(f"judgement must be one of {_JUDGEMENTS}, not {judgement!r}")
        obj = super().__new__(cls, text)
        obj.judgement = judgement
        obj.key_area = key_area
        return obj

    def with_area(self, key_area: int | None) -> Statement:
        """The same statement tagged with a key area."""
        return Statement(str(self), judgement=self.judgement, key_area=key_area)


def judge_interval(ci_low, ci_high, *, n=None, min_n: int = 6, reference: float = 0.0) -> str:
    """Read an interval the way DfE reads a progress score (methodology 1.5).

    Parameters
    ----------
    ci_low, ci_high : float
        The interval.
    n : int, optional
        Pupils behind the estimate; fewer than ``min_n`` (or missing when given
        as NA) gives ``"too_few"``.
    min_n : int
        Smallest group the sentence may draw a conclusion about.
    reference : float
        What the interval is compared with.

    Returns
    -------
    str
        ``"above"`` when ``ci_low > reference``, ``"below"`` when
        ``ci_high < reference``, ``"in_line"`` when the interval includes the
        reference (an end exactly on it counts as including it), and
        ``"too_few"`` when the group is too small or the interval is missing.

    Examples
    --------
    >>> judge_interval(0.1, 0.7, n=30)
    'above'
    >>> judge_interval(0.0, 0.7, n=30)
    'in_line'
    >>> judge_interval(0.1, 0.7, n=5)
    'too_few'
    """
    if n is not None and (pd.isna(n) or n < min_n):
        return "too_few"
    if ci_low is None or ci_high is None or pd.isna(ci_low) or pd.isna(ci_high):
        return "too_few"
    if ci_low > reference:
        return "above"
    if ci_high < reference:
        return "below"
    return "in_line"


def _f(x, decimals: int = 2, sign: bool = True) -> str:
    """Format a number for a sentence: sign, fixed decimals, a real minus sign."""
    if x is None or pd.isna(x):
        return "not available"
    v = round(float(x), decimals)
    if v == 0:
        v = 0.0
    text = f"{v:+.{decimals}f}" if sign else f"{v:.{decimals}f}"
    return text.replace("-", "\u2212")


def _ci(low, high, confidence: float, decimals: int) -> str:
    return f"{confidence:.0%} interval {_f(low, decimals)} to {_f(high, decimals)}"


def _rows(result) -> list[pd.Series]:
    if isinstance(result, pd.Series):
        return [result]
    if isinstance(result, pd.DataFrame):
        return [row for _, row in result.iterrows()]
    if isinstance(result, Mapping):
        return [pd.Series(dict(result))]
    raise TypeError("expected a result row (Series or dict) or a result frame (DataFrame)")


def _name(row: pd.Series, label: str | None, names: Mapping | None, default: str) -> str:
    if label is None or label not in row.index:
        return default
    value = row[label]
    if names and value in names:
        return str(names[value])
    if pd.isna(value):
        return "Pupils with no recorded value"
    return str(value)


def _one_or_many(statements: list[Statement], result):
    return statements[0] if isinstance(result, (pd.Series, Mapping)) else statements


def describe_value_added(
    groups,
    *,
    measure_name: str,
    label: str | None = None,
    names: Mapping | None = None,
    min_n: int = 6,
    comparison: str = "pupils with similar starting points",
    confidence: float = 0.95,
    decimals: int = 2,
    key_area: int | None = 2,
):
    """Sentences about value added, one per group.

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
    for row in _rows(groups):
        who = _name(row, label, names, "All pupils")
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
        numbers = (f"(value added {_f(row['va'], decimals)}, "
                   f"{_ci(row['ci_low'], row['ci_high'], confidence, decimals)}; {int(n)} pupils)")
        if kind == "above":
            text = f"{who}: progress in {measure_name} was significantly above that of {comparison} {numbers}."
            judgement = "positive"
        elif kind == "below":
            text = f"{who}: progress in {measure_name} was significantly below that of {comparison} {numbers}."
            judgement = "negative"
        else:
            text = (f"{who}: progress in {measure_name} was in line with that of {comparison} {numbers}; "
                    f"the interval includes zero, so any difference could be chance.")
            judgement = "neutral"
        out.append(Statement(text, judgement=judgement, key_area=key_area))
    return _one_or_many(out, groups)


def describe_gap(
    gaps,
    *,
    measure_name: str,
    focus_label: str = "Disadvantaged pupils",
    other_label: str = "other pupils",
    label: str | None = None,
    names: Mapping | None = None,
    min_n: int = 6,
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
    for row in _rows(gaps):
        prefix = f"{_name(row, label, names, '')}: " if label else ""
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
        size = _f(abs(g), decimals, sign=False)
        numbers = f"(gap {_f(g, decimals)}, {_ci(row['ci_low'], row['ci_high'], confidence, decimals)}; " \
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
    return _one_or_many(out, gaps)


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
        ``.change`` of :func:`gtanalytics.gaps.gap_trend` (``first_year,
        last_year, gap_first, gap_last, change, ci_low, ci_high, low_n,
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
    ...        "change": 5.0, "ci_low": 2.1, "ci_high": 7.9, "low_n": False,
    ...        "classification": "narrowing because the focus group improved"}
    >>> describe_gap_trend(row, measure_name="KS2 maths").judgement
    'positive'
    """
    out = []
    for row in _rows(change):
        prefix = f"{_name(row, label, names, '')}: " if label else ""
        cls = str(row.get("classification", ""))
        y1, y2 = row.get("first_year"), row.get("last_year")
        if bool(row.get("low_n", False)) or cls == "too few to say" or pd.isna(row.get("ci_low")):
            out.append(Statement(
                f"{prefix}{'t' if prefix else 'T'}oo few {focus_label} or {other_label} had results in "
                f"{measure_name} in {y1} or {y2} to say whether the gap is closing.",
                judgement="too_few", key_area=key_area))
            continue
        text = (f"{prefix}{'t' if prefix else 'T'}he gap in {measure_name} between {focus_label} and "
                f"{other_label} was {_f(row['gap_first'], decimals)} {unit} in {y1} and "
                f"{_f(row['gap_last'], decimals)} {unit} in {y2} (change {_f(row['change'], decimals)}, "
                f"{_ci(row['ci_low'], row['ci_high'], confidence, decimals)})")
        if cls == "widening":
            text += ": the gap has widened, and the interval of the change excludes zero."
            judgement = "negative"
        elif cls.startswith("narrowing"):
            if "other group fell" in cls and "focus group improved" not in cls:
                text += (f": the gap has narrowed, but because {other_label} did less well, not because "
                         f"{focus_label} improved.")
                judgement = "neutral"
            else:
                text += f": the gap has narrowed, and {focus_label} improved."
                judgement = "positive"
        else:
            text += "; the interval of the change includes zero, so there is no clear change."
            judgement = "neutral"
        out.append(Statement(text, judgement=judgement, key_area=key_area))
    return _one_or_many(out, change)


def describe_effect(
    effects,
    *,
    outcome_name: str,
    label: str | None = None,
    names: Mapping | None = None,
    estimate: str = "g",
    ci_low: str = "ci_low",
    ci_high: str = "ci_high",
    n_treatment: str = "n_treatment",
    n_comparison: str = "n_comparison",
    min_n: int = 6,
    confidence: float = 0.95,
    decimals: int = 2,
    key_area: int | None = 3,
):
    """Sentences about intervention (or mentoring) effects, with months' progress.

    For :func:`gtanalytics.interventions.intervention_impact` pass
    ``estimate="es", ci_low="es_ci_low", ci_high="es_ci_high",
    n_treatment="n_pupils"``; rows without a comparison group get a sentence
    saying impact cannot be shown from gains alone.

    Parameters
    ----------
    effects : DataFrame, Series or dict
        Rows of :func:`gtanalytics.effects.effect_size` (``g, ci_low, ci_high,
        n_treatment, n_comparison, months``), or one row.
    estimate, ci_low, ci_high, n_treatment, n_comparison : str
        Column names.
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
    for row in _rows(effects):
        who = _name(row, label, names, "The programme")
        nt = row.get(n_treatment, row.get("n"))
        nc = row.get(n_comparison)
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
        kind = judge_interval(row.get(ci_low), row.get(ci_high))
        months = row.get("months")
        m_text = ""
        if months is not None and not pd.isna(months):
            m = int(months)
            m_text = (f", about {abs(m)} {'month' + chr(39) + 's' if abs(m) == 1 else 'months' + chr(39)} "
                      f"{'additional' if m > 0 else 'less'} progress" if m != 0 else ", about no additional progress")
        numbers = (f"(effect size {_f(row[estimate], decimals)}, "
                   f"{_ci(row[ci_low], row[ci_high], confidence, decimals)}; "
                   f"{int(nt)} pupils, {int(nc)} in the comparison group{m_text})")
        if kind == "above":
            text = (f"{who}: pupils made significantly more progress in {outcome_name} than the comparison group "
                    f"{numbers}.")
            judgement = "positive"
        elif kind == "below":
            text = (f"{who}: pupils made significantly less progress in {outcome_name} than the comparison group "
                    f"{numbers}.")
            judgement = "negative"
        elif kind == "in_line":
            text = (f"{who}: no clear evidence of an effect on {outcome_name} {numbers}; the interval includes "
                    f"zero, so the difference could be chance.")
            judgement = "neutral"
        else:
            text = f"{who}: no interval could be calculated for the effect on {outcome_name}."
            judgement = "too_few"
        out.append(Statement(text, judgement=judgement, key_area=key_area))
    return _one_or_many(out, effects)


_CHAR_NAMES = {
    "disadvantaged": "Disadvantaged pupils", "fsm": "Pupils eligible for free school meals",
    "ever6_fsm": "Pupils eligible for FSM in the last six years", "lac": "Looked-after children",
    "plac": "Previously looked-after children", "eal": "Pupils with English as an additional language",
    "gt_register": "Pupils on the G&T register", "dual_exceptionality": "Able pupils with SEN (dual exceptionality)",
}
_VALUE_NAMES = {
    ("sex", "F"): "Girls", ("sex", "M"): "Boys",
    ("sen", "N"): "Pupils with no SEN", ("sen", "K"): "Pupils with SEN support",
    ("sen", "E"): "Pupils with an EHC plan", ("sen", "A"): "Pupils with additional learning needs",
}


def group_label(characteristic, value) -> str:
    """A readable name for a pupil group, e.g. ``("sen", "K")`` -> "Pupils with SEN support".

    Examples
    --------
    >>> group_label("disadvantaged", "yes"), group_label("sex", "F"), group_label("ethnicity_major", "Asian")
    ('Disadvantaged pupils', 'Girls', 'Asian pupils')
    """
    c, v = str(characteristic), str(value)
    if (c, v) in _VALUE_NAMES:
        return _VALUE_NAMES[(c, v)]
    if c in _CHAR_NAMES:
        name = _CHAR_NAMES[c]
        if v.lower() in ("yes", "true", "1"):
            return name
        if v.lower() in ("no", "false", "0"):
            return "Not: " + name[:1].lower() + name[1:]
        return f"{name}: {v}"
    if c == "ethnicity_major":
        return f"{v} pupils"
    if c == "birth_term":
        return f"Born in the {v.lower()} term" if v.lower() in ("autumn", "spring", "summer") else f"Born: {v}"
    return f"{c.replace('_', ' ').capitalize()}: {v}"


def describe_register(composition, *, min_n: int = 6, decimals: int = 0, key_area: int | None = 2):
    """Sentences on whether each group is fairly represented on the G&T register.

    Parameters
    ----------
    composition : DataFrame, Series or dict
        :func:`gtanalytics.register.register_representation` (``characteristic,
        value, n_group, share_cohort, share_register, ratio, ci_low, ci_high,
        verdict``), or one row of it. The verdict (its exact test) decides the
        sentence; the ratio and its interval are quoted.
    min_n : int
        Groups smaller than this (``n_group``) are "too few pupils to say"
        whatever the verdict, and their size is not written.
    decimals, key_area

    Returns
    -------
    Statement or list of Statement
        Judgement ``negative`` for under-representation, ``neutral`` for in
        line or over-represented (over-representation of one group is
        under-representation of others, reported on their own rows),
        ``too_few`` for small groups.

    Examples
    --------
    >>> row = {"characteristic": "disadvantaged", "value": "yes", "n_group": 60, "share_cohort": 0.30,
    ...        "share_register": 0.12, "ratio": 0.4, "ci_low": 0.2, "ci_high": 0.7,
    ...        "verdict": "under-represented"}
    >>> print(describe_register(row))  # doctest: +NORMALIZE_WHITESPACE
    Disadvantaged pupils are under-represented on the register: 12% of the register against 30% of
    the cohort (ratio 0.40, 95% interval 0.20 to 0.70); the difference is unlikely to be chance.
    """
    out = []
    for row in _rows(composition):
        who = group_label(row.get("characteristic"), row.get("value"))
        ng = row.get("n_group")
        verdict = str(row.get("verdict", ""))
        if (ng is not None and not pd.isna(ng) and ng >= min_n and pd.isna(row.get("share_register"))
                and verdict in ("under-represented", "over-represented")):
            out.append(Statement(f"{who} are {verdict} on the register; the difference is unlikely to be chance "
                                 f"(numbers not shown: fewer than {min_n} of these pupils are on the register).",
                                 judgement="negative" if verdict == "under-represented" else "neutral",
                                 key_area=key_area))
            continue
        if ng is None or pd.isna(ng) or ng < min_n or verdict == "too few to say" or pd.isna(row.get("share_register")):
            out.append(Statement(f"{who}: fewer than {min_n} pupils in the group or on the register, too few to say "
                                 "whether they are fairly represented.", judgement="too_few", key_area=key_area))
            continue
        numbers = (f"{_f(100 * row['share_register'], decimals, sign=False)}% of the register against "
                   f"{_f(100 * row['share_cohort'], decimals, sign=False)}% of the cohort (ratio "
                   f"{_f(row.get('ratio'), 2, sign=False)}, 95% interval {_f(row.get('ci_low'), 2, sign=False)} to "
                   f"{_f(row.get('ci_high'), 2, sign=False)})")
        if verdict == "under-represented":
            text = f"{who} are under-represented on the register: {numbers}; the difference is unlikely to be chance."
            judgement = "negative"
        elif verdict == "over-represented":
            text = f"{who} are over-represented on the register: {numbers}; the difference is unlikely to be chance."
            judgement = "neutral"
        else:
            text = f"{who} are represented on the register in line with the cohort: {numbers}."
            judgement = "neutral"
        out.append(Statement(text, judgement=judgement, key_area=key_area))
    return _one_or_many(out, composition)


def describe_attendance(
    rates,
    *,
    label: str | None = None,
    names: Mapping | None = None,
    rate: str = "estimate",
    national: float | str | None = "national",
    national_label: str = "national",
    ci_low: str = "ci_low",
    ci_high: str = "ci_high",
    n: str = "n",
    min_n: int = 6,
    measure_name: str = "overall absence",
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
    rate, ci_low, ci_high, n : str
        Column names.
    national : float or str, optional
        The national rate for the same year and measure, or the name of the
        column holding it (default ``"national"``, as ``absence_rates`` gives);
        without one the sentence states the rate only.
    national_label : str
        How the comparator reads, e.g. "the national rate for 2023/24".
    min_n, measure_name, decimals, key_area

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
    for row in _rows(rates):
        who = _name(row, label, names, "All pupils")
        nn = row.get(n)
        if nn is None or pd.isna(nn) or nn < min_n or pd.isna(row.get(rate)):
            out.append(Statement(f"{who}: fewer than {min_n} pupils, too few to say how their {measure_name} "
                                 f"compares.", judgement="too_few", key_area=key_area))
            continue
        value = f"{_f(row[rate], decimals, sign=False)}%"
        interval = ""
        if ci_low in row.index and not pd.isna(row.get(ci_low)):
            interval = (f", 95% interval {_f(row[ci_low], decimals, sign=False)}% to "
                        f"{_f(row[ci_high], decimals, sign=False)}%")
        numbers = f"({value}{interval}; {int(nn)} pupils)"
        nat_value = row.get(national) if isinstance(national, str) else national
        if nat_value is None or pd.isna(nat_value):
            text = f"{who}: {measure_name} was {value} ({int(nn)} pupils{interval}); no national figure was given to compare with."
            out.append(Statement(text, judgement="neutral", key_area=key_area))
            continue
        kind = judge_interval(row.get(ci_low), row.get(ci_high), reference=float(nat_value))
        nat = f"{national_label} figure of {_f(nat_value, decimals, sign=False)}%"
        if kind == "above":
            text = f"{who}: {measure_name} was significantly above the {nat} {numbers}."
            judgement = "negative"
        elif kind == "below":
            text = f"{who}: {measure_name} was significantly below the {nat} {numbers}."
            judgement = "positive"
        elif kind == "in_line":
            text = f"{who}: {measure_name} was in line with the {nat} {numbers}."
            judgement = "neutral"
        else:
            text = f"{who}: {measure_name} was {value} against the {nat}; no interval is available to compare."
            judgement = "neutral"
        out.append(Statement(text, judgement=judgement, key_area=key_area))
    return _one_or_many(out, rates)


def describe_change(
    frame,
    *,
    label: str,
    estimate: str = "did",
    ci_low: str = "did_ci_low",
    ci_high: str = "did_ci_high",
    n: str = "n_mentees",
    who: str = "mentees",
    comparison: str = "comparable pupils who were not mentored",
    higher_is_better=True,
    min_n: int = 6,
    decimals: int = 1,
    key_area: int | None = 4,
):
    """Sentences about a difference in change (difference-in-differences), e.g. mentoring.

    Parameters
    ----------
    frame : DataFrame, Series or dict
        :func:`gtanalytics.mentoring.mentoring_impact` rows (``outcome,
        n_mentees, did, did_ci_low, did_ci_high``) or any frame with a label,
        an estimate, its interval and a count.
    label : str
        Column naming each row (e.g. ``"outcome"``).
    higher_is_better : bool or callable
        Whether an increase is good; a callable gets the label (e.g. False
        for "suspension days").

    Returns
    -------
    Statement or list of Statement

    Examples
    --------
    >>> row = {"outcome": "attainment: maths", "n_mentees": 9, "did": 3.1, "did_ci_low": 0.4, "did_ci_high": 5.8}
    >>> describe_change(row, label="outcome").judgement
    'positive'
    """
    out = []
    for row in _rows(frame):
        raw = str(row.get(label))
        what = raw[:1].upper() + raw[1:]
        nn = row.get(n)
        kind = judge_interval(row.get(ci_low), row.get(ci_high), n=nn, min_n=min_n)
        good_up = higher_is_better(raw) if callable(higher_is_better) else higher_is_better
        if kind == "too_few":
            out.append(Statement(f"{what}: fewer than {min_n} {who} with data, too few to say whether they changed "
                                 f"differently from {comparison}.", judgement="too_few", key_area=key_area))
            continue
        numbers = (f"(difference in change {_f(row[estimate], decimals)}, "
                   f"95% interval {_f(row[ci_low], decimals)} to {_f(row[ci_high], decimals)}; {int(nn)} {who})")
        if kind == "in_line":
            text = (f"{what}: {who} changed about as much as {comparison} {numbers}; the interval includes zero, "
                    f"so any difference could be chance.")
            judgement = "neutral"
        else:
            up = kind == "above"
            text = f"{what}: {who} {'rose' if up else 'fell'} significantly more than {comparison} {numbers}."
            judgement = "positive" if up == good_up else "negative"
        out.append(Statement(text, judgement=judgement, key_area=key_area))
    return _one_or_many(out, frame)


def cannot_answer(question: str, reason: str, *, key_area: int | None = None) -> Statement:
    """Say plainly that the data cannot answer a question, and why.

    Examples
    --------
    >>> print(cannot_answer("Are parents engaged?", "no parents' evening records were supplied"))
    The data cannot answer this question: are parents engaged? (no parents' evening records were supplied).
    """
    q = question[:1].lower() + question[1:]
    return Statement(f"The data cannot answer this question: {q} ({reason}).", judgement="no_data",
                     key_area=key_area)


def _flatten(statements) -> list[Statement]:
    flat: list[Statement] = []
    for s in statements:
        if isinstance(s, Statement):
            flat.append(s)
        elif isinstance(s, str):
            continue  # a plain string carries no judgement
        elif isinstance(s, Iterable):
            flat.extend(_flatten(s))
    return flat


def evidence_balance(statements, *, key_area: int | None = None) -> dict[str, int]:
    """Count statements by judgement (optionally only those tagged with a key area).

    Returns
    -------
    dict
        Keys ``positive, negative, neutral, too_few, no_data``.

    Examples
    --------
    >>> evidence_balance([Statement("a", judgement="positive"), Statement("b", judgement="neutral")])
    {'positive': 1, 'negative': 0, 'neutral': 1, 'too_few': 0, 'no_data': 0}
    """
    counts = dict.fromkeys(_JUDGEMENTS, 0)
    for s in _flatten(statements):
        if key_area is None or s.key_area in (None, key_area):
            counts[s.judgement] += 1
    return counts


def _rating_for(self_evaluation: pd.DataFrame | None, key_area: int, school, year) -> tuple[str | None, str]:
    if self_evaluation is None or len(self_evaluation) == 0:
        return None, ""
    se = self_evaluation[pd.to_numeric(self_evaluation["key_area"], errors="coerce") == key_area]
    if school is not None and "school_id" in se.columns:
        se = se[se["school_id"].astype("string") == str(school)]
    if year is not None and "academic_year" in se.columns:
        se = se[se["academic_year"].astype("string") == str(year)]
    if len(se) == 0:
        return None, ""
    if "academic_year" in se.columns:
        se = se.sort_values("academic_year", kind="mergesort")
    last = se.iloc[-1]
    evidence = last.get("evidence")
    return str(last["rating"]), "" if evidence is None or pd.isna(evidence) else str(evidence)


def self_evaluation_summary(
    key_area: int,
    statements,
    *,
    self_evaluation: pd.DataFrame | None = None,
    school=None,
    year=None,
) -> Statement:
    """Set a key area's evidence against the school's own IQS-style rating.

    The rating (Entry / Developing / Exemplary, methodology 10) comes from the
    ``self_evaluation`` table. The evidence is the :class:`Statement` objects
    the key-area notebook produced. The rule is deliberately simple and
    stated in the sentence, because data speak to only part of each key area:

    * **supports** the rating when: Exemplary with at least one significant
      strength and no significant concern; Developing with at least one
      strength and no more concerns than strengths; Entry with at least as
      many concerns as strengths and at least one of either;
    * **challenges** it when: Exemplary with any significant concern;
      Developing with more concerns than strengths; Entry with strengths and
      no concerns (the school may be under-rating itself);
    * otherwise the data **neither support nor challenge** it (all results in
      line, too few pupils, or no data).

    Parameters
    ----------
    key_area : int
        1-5.
    statements : iterable of Statement (nested lists allowed)
        The evidence; statements tagged with another key area are ignored.
    self_evaluation : DataFrame, optional
        The ``self_evaluation`` table (``school_id, academic_year, key_area,
        rating, evidence``); the latest matching row is used.
    school, year : optional
        Which school and year to take the rating for.

    Returns
    -------
    Statement
        A paragraph; its judgement is ``positive`` (supports), ``negative``
        (challenges), ``neutral`` (neither) or ``no_data`` (no rating and no
        conclusive evidence).

    Examples
    --------
    >>> import pandas as pd
    >>> se = pd.DataFrame({"school_id": ["1"], "academic_year": ["2023/24"], "key_area": [2],
    ...                    "rating": ["Exemplary"], "evidence": ["Termly reviews"]})
    >>> bad = Statement("Progress was significantly below.", judgement="negative", key_area=2)
    >>> self_evaluation_summary(2, [bad], self_evaluation=se).judgement
    'negative'
    """
    if key_area not in KEY_AREAS:
        raise ValueError(f"key_area must be 1-5, not {key_area!r}")
    c = evidence_balance(statements, key_area=key_area)
    pos, neg = c["positive"], c["negative"]
    rating, own = _rating_for(self_evaluation, key_area, school, year)
    evidence = (f"The data give {pos} significant strength{'s' if pos != 1 else ''} and {neg} significant "
                f"concern{'s' if neg != 1 else ''}; {c['neutral']} result{'s were' if c['neutral'] != 1 else ' was'} "
                f"in line, {c['too_few']} could not be judged because groups were too small, and "
                f"{c['no_data']} question{'s' if c['no_data'] != 1 else ''} could not be answered from the data.")
    area = f"Key area {key_area} ({KEY_AREAS[key_area]})"
    if rating is None:
        text = f"{area}: the school has not recorded its own rating. {evidence}"
        return Statement(text, judgement="no_data" if pos + neg == 0 else "neutral", key_area=key_area)
    if rating not in RATINGS:
        raise ValueError(f"self-evaluation rating must be one of {RATINGS}, not {rating!r}")
    if rating == "Exemplary":
        supports, challenges = pos >= 1 and neg == 0, neg >= 1
    elif rating == "Developing":
        supports, challenges = pos >= 1 and neg <= pos, neg > pos
    else:  # Entry
        supports, challenges = neg >= pos and pos + neg >= 1, pos >= 1 and neg == 0
    own_text = f" (its evidence: \u201c{own}\u201d)" if own else ""
    if challenges:
        verdict = "The evidence challenges this rating"
        if rating == "Entry":
            verdict += ": the school may be under-rating itself"
        judgement = "negative"
    elif supports:
        verdict, judgement = "The evidence supports this rating", "positive"
    else:
        verdict, judgement = "The data neither support nor challenge this rating", "neutral"
    text = f"{area}: the school rates itself {rating}{own_text}. {evidence} {verdict}."
    return Statement(text, judgement=judgement, key_area=key_area)


def self_evaluation_table(statements, *, self_evaluation: pd.DataFrame | None = None, school=None,
                          year=None) -> pd.DataFrame:
    """One row per key area: the school's rating, the evidence counts and the verdict.

    Returns
    -------
    DataFrame
        Columns ``key_area, name, rating, strengths, concerns, in_line, too_few,
        no_data, verdict`` (verdict: "supports", "challenges", "neither" or
        "no rating").

    Examples
    --------
    >>> t = self_evaluation_table([Statement("x", judgement="positive", key_area=3)])
    >>> list(t.columns)
    ['key_area', 'name', 'rating', 'strengths', 'concerns', 'in_line', 'too_few', 'no_data', 'verdict']
    """
    rows = []
    flat = _flatten(statements)
    for k, name in KEY_AREAS.items():
        mine = [s for s in flat if s.key_area == k]
        c = evidence_balance(mine)
        rating, _ = _rating_for(self_evaluation, k, school, year)
        summary = self_evaluation_summary(k, mine, self_evaluation=self_evaluation, school=school, year=year)
        verdict = "no rating" if rating is None else {
            "positive": "supports", "negative": "challenges"}.get(summary.judgement, "neither")
        rows.append({"key_area": k, "name": name, "rating": rating or "not recorded",
                     "strengths": c["positive"], "concerns": c["negative"], "in_line": c["neutral"],
                     "too_few": c["too_few"], "no_data": c["no_data"], "verdict": verdict})
    return pd.DataFrame(rows)
