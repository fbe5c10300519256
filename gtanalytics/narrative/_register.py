"""Plain-English sentences about who is on the gifted and talented register.

:func:`group_label` names a pupil group ("Pupils with SEN support");
:func:`describe_register` words a register-representation result, careful
about groups hidden for governors (fewer than the threshold, or hidden so
that a small group cannot be worked out from the others).
"""

from __future__ import annotations

import pandas as pd

from gtanalytics._stats import LOW_N
from gtanalytics.selfeval import Statement
from gtanalytics.narrative._wording import HIDDEN_WHY, number_words, one_or_many, result_rows, verdict_statement

__all__ = ["group_label", "describe_register"]

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


def describe_register(composition, *, min_n: int = LOW_N, decimals: int = 0, key_area: int | None = 2):
    """Sentences on whether each group is fairly represented on the G&T register.

    Parameters
    ----------
    composition : DataFrame, Series or dict
        :func:`gtanalytics.register.register_representation` (``characteristic,
        value, n, share_cohort, share_register, estimate, ci_low, ci_high,
        verdict``), or one row of it. The verdict (read from the interval) decides the
        sentence; the ratio and its interval are quoted.
    min_n : int
        Groups smaller than this (``n``) are "too few pupils to say"
        whatever the verdict, and their size is not written.
    decimals, key_area

    Notes
    -----
    A row whose ``suppressed`` column (added by
    :func:`gtanalytics.disclosure.for_audience` with ``block_col``) is
    ``"secondary"`` was hidden although its group is not small, so that a
    small group cannot be worked out from it: its sentence gives the verdict
    without numbers and says why they are not shown.

    Returns
    -------
    Statement or list of Statement
        Judgement ``negative`` for under-representation, ``neutral`` for in
        line or over-represented (over-representation of one group is
        under-representation of others, reported on their own rows),
        ``too_few`` for small groups.

    Examples
    --------
    >>> row = {"characteristic": "disadvantaged", "value": "yes", "n": 60, "share_cohort": 0.30,
    ...        "share_register": 0.12, "estimate": 0.4, "ci_low": 0.2, "ci_high": 0.7,
    ...        "verdict": "under-represented"}
    >>> print(describe_register(row))  # doctest: +NORMALIZE_WHITESPACE
    Disadvantaged pupils are under-represented on the register: 12% of the register against 30% of
    the cohort (ratio 0.40, 95% interval 0.20 to 0.70); the difference is unlikely to be chance.
    """
    out = []
    for row in result_rows(composition):
        who = group_label(row.get("characteristic"), row.get("value"))
        ng = row.get("n")
        verdict = str(row.get("verdict", ""))
        if row.get("suppressed") == "secondary":
            out.append(_secondary(who, verdict, key_area))
            continue
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
        numbers = (f"{number_words(100 * row['share_register'], decimals, sign=False)}% of the register against "
                   f"{number_words(100 * row['share_cohort'], decimals, sign=False)}% of the cohort (ratio "
                   f"{number_words(row.get('estimate'), 2, sign=False)}, 95% interval {number_words(row.get('ci_low'), 2, sign=False)} to "
                   f"{number_words(row.get('ci_high'), 2, sign=False)})")
        chance = "the difference is unlikely to be chance"
        out.append(verdict_statement(verdict, key_area, {
            "under-represented": (f"{who} are under-represented on the register: {numbers}; {chance}.", "negative"),
            "over-represented": (f"{who} are over-represented on the register: {numbers}; {chance}.", "neutral"),
        }, default=(f"{who} are represented on the register in line with the cohort: {numbers}.", "neutral")))
    return one_or_many(out, composition)


def _secondary(who: str, verdict: str, key_area) -> Statement:
    """The sentence for a group hidden by secondary suppression: the verdict, no numbers."""
    chance = "the difference is unlikely to be chance"
    return verdict_statement(verdict, key_area, {
        "under-represented": (f"{who} are under-represented on the register ({HIDDEN_WHY}); {chance}.", "negative"),
        "over-represented": (f"{who} are over-represented on the register ({HIDDEN_WHY}); {chance}.", "neutral"),
        "in line": (f"{who} are represented on the register in line with the cohort ({HIDDEN_WHY}).", "neutral"),
    }, default=(f"{who}: too few pupils to say whether they are fairly represented ({HIDDEN_WHY}).", "too_few"))
