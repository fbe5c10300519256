"""Shared wording rules for the sentence writers: how an interval is read, how a number is written.

:func:`judge_interval` reads an interval the way DfE reads a progress score;
the private helpers format numbers for sentences (a real minus sign, fixed
decimals) and walk result rows. Used by :mod:`gtanalytics.narrative`,
:mod:`gtanalytics.narrative`, :mod:`gtanalytics.narrative`
and :mod:`gtanalytics.plotting` (so charts and sentences judge alike).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from gtanalytics._stats import LOW_N
from gtanalytics.selfeval import Statement

__all__ = ["judge_interval", "HIDDEN_WHY"]

#: Why a group that is not small shows no numbers (secondary suppression, ``suppressed == "secondary"``).
HIDDEN_WHY = "numbers not shown, so that a smaller group cannot be worked out from them"


def judge_interval(ci_low, ci_high, *, n=None, min_n: int = LOW_N, reference: float = 0.0) -> str:
    """Read an interval the way DfE reads a progress score (methodology 1.5).

    Parameters
    ----------
    ci_low, ci_high : float
        The interval.
    n : int, optional
        Pupils behind the estimate; fewer than ``min_n`` (or missing when given
        as NA) gives ``"too_few"``.
    min_n : int
        Smallest group the sentence may draw a conclusion about (default
        :data:`gtanalytics._stats.LOW_N`, 10: the metrics' ``low_n`` rule).
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


def number_words(x, decimals: int = 2, sign: bool = True) -> str:
    """Format a number for a sentence: sign, fixed decimals, a real minus sign."""
    if x is None or pd.isna(x):
        return "not available"
    v = round(float(x), decimals)
    if v == 0:
        v = 0.0
    text = f"{v:+.{decimals}f}" if sign else f"{v:.{decimals}f}"
    return text.replace("-", "\u2212")


def interval_words(low, high, confidence: float, decimals: int) -> str:
    """A confidence interval in words: ``95% interval 1.00 to 2.00``."""
    return f"{confidence:.0%} interval {number_words(low, decimals)} to {number_words(high, decimals)}"


def result_rows(result) -> list[pd.Series]:
    """The rows of a result (a Series, a DataFrame or a mapping) as a list of Series."""
    if isinstance(result, pd.Series):
        return [result]
    if isinstance(result, pd.DataFrame):
        return [row for _, row in result.iterrows()]
    if isinstance(result, Mapping):
        return [pd.Series(dict(result))]
    raise TypeError("expected a result row (Series or dict) or a result frame (DataFrame)")


def row_name(row: pd.Series, label: str | None, names: Mapping | None, default: str) -> str:
    """Who a row is about: ``names[row[label]]``, else the value of ``row[label]``, else ``default``."""
    if label is None or label not in row.index:
        return default
    value = row[label]
    if names and value in names:
        return str(names[value])
    if pd.isna(value):
        return "Pupils with no recorded value"
    return str(value)


def one_or_many(statements: list[Statement], result):
    """One statement for a one-row result (Series or mapping), the list for a frame."""
    return statements[0] if isinstance(result, (pd.Series, Mapping)) else statements


def verdict_statement(kind: str, key_area, choices: Mapping, default=None) -> Statement:
    """The statement for ``kind`` from ``{kind: (text, judgement)}`` (``default`` for any other kind)."""
    text, judgement = choices.get(kind, default) if default is not None else choices[kind]
    return Statement(text, judgement=judgement, key_area=key_area)
