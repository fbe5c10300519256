"""Plain-English sentences for leadership (key area 1) and building capacity (key area 5).

The sentences word the results of :mod:`gtanalytics.oversight` (support for
the pupils who most need it, deployment of support staff) and of
:func:`gtanalytics.trends.school_comparison` / :func:`gtanalytics.trends.mentoring_pairs`
(the school against the other schools of its trust). They are written from
result frames that may already be suppressed for governors (missing counts);
a hidden count is never written, and what can still be said is said.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from gtanalytics.selfeval import Statement
from gtanalytics._stats import LOW_N, SUPPRESSION_THRESHOLD, wilson_ci
from gtanalytics.narrative._wording import HIDDEN_WHY, number_words, one_or_many, result_rows, verdict_statement, judge_interval

__all__ = ["describe_support", "describe_deployment", "describe_school_standing", "describe_partnerships"]

_SUPPORT_WORDS = {"mentoring": "were mentored", "intervention": "took part in an intervention programme",
                  "mentoring or intervention": "were mentored or took part in an intervention programme"}


def _pct(x) -> str:
    return f"{number_words(100 * x, 0, sign=False)}%"


def describe_support(coverage, *, min_n: int = LOW_N, threshold: int = SUPPRESSION_THRESHOLD,
                     key_area: int | None = 1):
    """Sentences on whether the pupils who most need support got it.

    The rule, stated in each sentence: *most* of a group were supported when
    the share's interval lies wholly above one half (``positive``), *fewer
    than half* when wholly below (``negative``), otherwise it is not clear
    (``neutral``); the words never contradict the count ("fewer than 6 of
    14" is called fewer than half of them, whatever the interval says about
    a pattern). Where the count of supported pupils is hidden for
    governors (fewer than ``threshold``, or fewer than ``threshold`` not supported),
    the judgement uses the most favourable (or least favourable) count the
    reader could assume, so it never rests on the hidden number.

    Parameters
    ----------
    coverage : DataFrame, Series or dict
        Rows of :func:`gtanalytics.oversight.support_coverage` (``group,
        support, n, n_supported, estimate, ci_low, ci_high``), possibly
        suppressed by :func:`gtanalytics.disclosure.for_audience` (hidden
        cells missing; ``suppressed`` column) and
        :func:`gtanalytics.disclosure.hide_near_totals` (``suppressed ==
        "elsewhere"``: the count is not shown and nothing is concluded).
    min_n : int
        Groups of fewer pupils are too few to say anything about (default
        :data:`gtanalytics._stats.LOW_N`, 10, as the other ``describe_*``
        functions and the metrics' ``low_n`` flags).
    threshold : int
        The suppression threshold the counts were hidden with (default
        :data:`gtanalytics._stats.SUPPRESSION_THRESHOLD`, 6): a hidden count is
        "fewer than ``threshold``".
    key_area : int, optional

    Returns
    -------
    Statement or list of Statement

    Examples
    --------
    >>> row = {"group": "Able pupils making much less progress than expected", "support": "mentoring",
    ...        "n": 27, "n_supported": None, "estimate": None, "ci_low": None, "ci_high": None,
    ...        "suppressed": "primary"}
    >>> s = describe_support(row)
    >>> s.judgement, "fewer than 6 of them were mentored" in s
    ('negative', True)
    """
    out = []
    for row in result_rows(coverage):
        group, n = str(row["group"]), row.get("n")
        did = _SUPPORT_WORDS.get(str(row.get("support")), f"had {row.get('support')}")
        if n is None or pd.isna(n) or n < min_n:
            out.append(Statement(f"{group}: fewer than {min_n} pupils, too few to say how many {did}.",
                                 judgement="too_few", key_area=key_area))
            continue
        n = int(n)
        k = row.get("n_supported")
        if row.get("suppressed") == "elsewhere":     # hidden against a total in another section
            out.append(Statement(f"{group} ({n} pupils): how many of them {did} this year is not shown, so that "
                                 f"a smaller group cannot be worked out from it and the totals in key area 5.",
                                 judgement="too_few", key_area=key_area))
            continue
        if k is None or pd.isna(k):
            # hidden: either fewer than threshold were supported (primary) or fewer than threshold were not
            few = row.get("suppressed") != "secondary"
            bound = (threshold - 1) if few else n - (threshold - 1)
            lo, hi = (float(v) for v in wilson_ci(bound, n))
            kind = ("below" if hi < 0.5 else "too_few") if few else ("above" if lo > 0.5 else "too_few")
            count = f"fewer than {threshold} of them {did}" if few else f"all but fewer than {threshold} of them {did}"
            numbers = f"{group} ({n} pupils): {count} this year (the exact number is not shown)"
        else:
            kind = judge_interval(row.get("ci_low"), row.get("ci_high"), reference=0.5)
            numbers = (f"{group} ({n} pupils): {int(k)} of them ({_pct(row['estimate'])}, 95% interval "
                       f"{_pct(row['ci_low'])} to {_pct(row['ci_high'])}) {did} this year")
        # what the count itself says of these pupils (a fact, never contradicted by the words after it)
        if k is None or pd.isna(k):
            fact = ("fewer than half of them" if few and threshold - 1 < n / 2 else
                    "most of them" if not few and n - (threshold - 1) > n / 2 else "")
        else:
            fact = "most of them" if k > n / 2 else "fewer than half of them" if k < n / 2 else "half of them"
        unclear = (f"{numbers}: {fact}, too few pupils to call it a clear pattern." if fact else
                   f"{numbers}; it is not clear whether most or fewer than half of them were supported.")
        out.append(verdict_statement(kind, key_area, {
            "above": (f"{numbers}: most of them were supported.", "positive"),
            "below": (f"{numbers}: fewer than half of them, a gap in support for the pupils who most need it.",
                      "negative"),
        }, default=(unclear, "neutral")))
    return one_or_many(out, coverage)


def describe_deployment(deployment, *, min_n: int = LOW_N, key_area: int | None = 5):
    """Sentences on how support staff were deployed, by role (no member of staff is named).

    Parameters
    ----------
    deployment : DataFrame, Series or dict
        Rows of :func:`gtanalytics.oversight.staff_deployment`, possibly
        suppressed for governors.
    min_n : int
        Roles with fewer pupils are too few to describe (default
        :data:`gtanalytics._stats.LOW_N`, 10).
    key_area : int, optional

    Returns
    -------
    Statement or list of Statement
        Interventions: ``neutral`` (a description). Mentoring: ``positive``
        when every mentor had the planned caseload and met weekly,
        ``negative`` when fewer than half did, else ``neutral``; ``too_few``
        for roles with fewer than ``min_n`` pupils.

    Examples
    --------
    >>> row = {"activity": "interventions", "role": "LSA", "n_staff": 3, "n": 25, "pupils_per_staff": 8.33,
    ...        "estimate": 0.90, "ci_low": 0.86, "ci_high": 0.95, "staff_as_planned": float("nan")}
    >>> print(describe_deployment(row))  # doctest: +NORMALIZE_WHITESPACE
    Interventions: 3 staff (LSA) worked with 25 pupils (about 8 each); pupils attended 90% of
    the sessions planned (95% interval 86% to 95%).
    """
    out = []
    for row in result_rows(deployment):
        activity, role = str(row["activity"]), str(row["role"])
        n = row.get("n")
        if row.get("suppressed") == "secondary":
            out.append(Statement(f"{activity.capitalize()} ({role}): {HIDDEN_WHY}.", judgement="too_few",
                                 key_area=key_area))
            continue
        if n is None or pd.isna(n) or n < min_n:
            out.append(Statement(f"{activity.capitalize()} ({role}): fewer than {min_n} pupils, "
                                 "too few to describe.", judgement="too_few",
                                 key_area=key_area))
            continue
        held = "sessions held" if activity == "mentoring" else "pupils attended"
        rate = "not available" if pd.isna(row.get("estimate")) else _pct(row["estimate"])
        interval = "" if pd.isna(row.get("ci_low")) else f" (95% interval {_pct(row['ci_low'])} to {_pct(row['ci_high'])})"
        staff = "mentors" if activity == "mentoring" else "staff"     # peer mentors are pupils, not staff
        text = (f"{activity.capitalize()}: {int(row['n_staff'])} {staff} ({role}) worked with {int(n)} pupils "
                f"(about {number_words(row['pupils_per_staff'], 0, sign=False)} each); "
                + (f"{rate} of the planned sessions were held{interval}" if activity == "mentoring"
                   else f"{held} {rate} of the sessions planned{interval}"))
        planned = row.get("staff_as_planned")
        if activity == "mentoring" and planned is not None and not pd.isna(planned):
            text += f"; {_pct(planned)} of these mentors had the planned three mentees and met weekly"
            judgement = "positive" if planned >= 1 else ("negative" if planned < 0.5 else "neutral")
        else:
            judgement = "neutral"
        out.append(Statement(text + ".", judgement=judgement, key_area=key_area))
    return one_or_many(out, deployment)


def describe_school_standing(comparison, *, school, school_name: str, measure_name: str, min_n: int = LOW_N,
                             key_area: int | None = 5) -> Statement:
    """One sentence: the school's value added against the mean of its trust's schools.

    Parameters
    ----------
    comparison : DataFrame
        :func:`gtanalytics.trends.school_comparison` (``school_id, n, va,
        diff_from_trust, diff_ci_low, diff_ci_high, rank, n_schools``).
    school : str
        The school's id.
    school_name, measure_name : str
    min_n, key_area

    Returns
    -------
    Statement
        ``positive`` when significantly above the trust mean (practice to
        share), ``negative`` when significantly below, else ``neutral``;
        ``too_few`` for a small school group.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"school_id": ["A"], "n": [80], "va": [1.9], "diff_from_trust": [1.5],
    ...                   "diff_ci_low": [0.4], "diff_ci_high": [2.6], "rank": [1], "n_schools": [4]})
    >>> describe_school_standing(c, school="A", school_name="Oak", measure_name="maths").judgement
    'positive'
    """
    hit = comparison[comparison["school_id"].astype(str) == str(school)]
    if hit.empty or pd.isna(hit["n"].iloc[0]) or hit["n"].iloc[0] < min_n:
        return Statement(f"{school_name}: too few pupils with results in {measure_name} to compare with the "
                         "trust's other schools.", judgement="too_few", key_area=key_area)
    r = hit.iloc[0]
    numbers = (f"(difference from the trust average {number_words(r['diff_from_trust'])}, 95% interval "
               f"{number_words(r['diff_ci_low'])} to {number_words(r['diff_ci_high'])}; {int(r['n'])} pupils; "
               f"ranked {int(r['rank'])} of {int(r['n_schools'])} schools)")
    base = f"{school_name}: progress in {measure_name} was"
    kind = judge_interval(r["diff_ci_low"], r["diff_ci_high"])
    return verdict_statement(kind, key_area, {
        "above": (f"{base} significantly above the average of the trust's schools {numbers}: practice here "
                  "could be shared with other schools.", "positive"),
        "below": (f"{base} significantly below the average of the trust's schools {numbers}.", "negative"),
    }, default=(f"{base} in line with the average of the trust's schools {numbers}.", "neutral"))


def describe_partnerships(pairs, *, school, names: Mapping, measure_name: str, key_area: int | None = 5):
    """Sentences on school-to-school mentoring pairs that involve ``school``.

    Parameters
    ----------
    pairs : DataFrame
        :func:`gtanalytics.trends.mentoring_pairs` (``mentor_school,
        mentee_school, estimate, ci_low, ci_high, choice``: the difference in value added).
    school : str
    names : mapping
        School id -> name.
    measure_name : str
    key_area : int, optional

    Returns
    -------
    list of Statement
        One per pair the school is in (first choices only): ``positive`` when
        it could mentor another school, ``neutral`` when it could learn from
        one (the concern is already in :func:`describe_school_standing`).
        Empty when the school is in no pair.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"mentor_school": ["A"], "mentee_school": ["D"], "estimate": [3.8],
    ...                   "ci_low": [1.9], "ci_high": [5.7], "choice": [1]})
    >>> describe_partnerships(p, school="A", names={"A": "Oak", "D": "Elm"}, measure_name="maths")[0].judgement
    'positive'
    """
    out = []
    first = pairs[pairs["choice"] == 1] if "choice" in pairs.columns else pairs
    for _, r in first.iterrows():
        mentor, mentee = str(r["mentor_school"]), str(r["mentee_school"])
        if str(school) not in (mentor, mentee):
            continue
        gap = (f"(difference in value added {number_words(r['estimate'])}, 95% interval "
               f"{number_words(r['ci_low'])} to {number_words(r['ci_high'])})")
        a, b = names.get(mentor, mentor), names.get(mentee, mentee)
        if mentor == str(school):
            out.append(Statement(f"{a} could mentor {b} in {measure_name}: {a}'s progress was significantly above "
                                 f"the trust average and {b}'s significantly below {gap}.", judgement="positive",
                                 key_area=key_area))
        else:
            out.append(Statement(f"{b} could learn from {a} in {measure_name}: {a}'s progress was significantly above "
                                 f"the trust average and {b}'s significantly below {gap}.", judgement="neutral",
                                 key_area=key_area))
    return out
