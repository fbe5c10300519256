"""Disadvantage gaps: mean, threshold, value-added and rank (gap-index) gaps, and their trends.

Every gap is ``focus − other``: with ``group="disadvantaged", focus=True`` a
negative gap means disadvantaged pupils are behind.  Each estimate comes with the
two group sizes, an interval that names its method, and a ``low_n`` flag.

Methods (each checked against an independent implementation in ``tests/test_gaps.py``)

* mean gaps: Welch's unequal-variance t interval, Welch–Satterthwaite df;
* threshold gaps (percentage points): Newcombe's hybrid score interval
  (Newcombe 1998, method 10; Wilson limits per group), or Wald;
* the within-school gap index: 20 × (mean percentile rank of others − of the
  focus group), ranks averaged over ties (methodology §3.2), with a
  Brunner–Munzel interval (the index is 10 × (1 − 2·P̂), P̂ the Brunner–Munzel
  relative effect);
* trends (:mod:`gtanalytics.gap_trends`, which builds on this module): the change in gap between the
  first and last year, with each group's own trajectory.

Interval formulas live in :mod:`gtanalytics._stats`.  A group smaller than ``min_n`` (default
:data:`gtanalytics._stats.LOW_N`, 10) is flagged ``low_n``: too few pupils to conclude.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from gtanalytics.errors import GTDataError
from gtanalytics._stats import (LOW_N, as_list, binomial_se, iter_groups, newcombe_ci, require_columns, t_value, warn_low_n, welch_diff,
                               welch_moments, z_value)

__all__ = ["gap", "threshold_gap", "value_added_gap", "gap_index", "excellence_gap", "WITHIN_SCHOOL_NOTE"]

WELCH = "Welch t interval (Welch-Satterthwaite df)"
WITHIN_SCHOOL_NOTE = (
    "within-school analogue of the DfE gap index: pupils ranked against each other in the school, "
    "not against all pupils nationally, so NOT comparable with the published national index")


# --------------------------------------------------------------------------- helpers
def _numeric(s: pd.Series, name: str) -> pd.Series:
    out = pd.to_numeric(s, errors="coerce")
    bad = s.notna() & out.isna()
    if bad.any():
        raise GTDataError(f"Column {name!r} must be numeric; values such as {list(s[bad].unique()[:3])} "
                          "are not numbers. Convert or remove them first.")
    return out.astype(float)


def prepare_gap_data(df, *, outcome, group, focus, by, numeric=True):
    """Rows usable for a focus/other comparison, with a boolean ``_focus`` column."""
    by = as_list(by)
    require_columns(df, [outcome, group, *by])
    data = df[[*dict.fromkeys([outcome, group, *by])]].copy()
    if numeric:
        data[outcome] = _numeric(data[outcome], outcome)
    present = data[group].dropna()
    if not (present == focus).any():
        raise GTDataError(f"No row has {group} == {focus!r}. Values present in {group!r}: "
                          f"{sorted(map(str, present.unique()))[:10]}. Pass the focus value as it appears.")
    data["_focus"] = (data[group] == focus).fillna(False).astype(bool)
    data["_usable"] = data[outcome].notna() & data[group].notna()
    return data, by


def _welch_by(data: pd.DataFrame, col: str, by: list, confidence: float) -> pd.DataFrame:
    """Welch comparison (focus − other) of ``col`` for every ``by`` group at once.

    Built from per-group sizes, means and variances (:func:`gtanalytics._stats.welch_moments`), so
    16,000 schools take a fraction of a second; equal to :func:`gtanalytics._stats.welch_diff` group
    by group (``tests/test_gaps.py`` checks this).
    """
    keys = by or ["_all"]
    data = data.assign(_all=0) if not by else data
    groups = data.groupby(keys, dropna=False, sort=True)
    n_excluded = (~data["_usable"]).groupby([data[k] for k in keys], dropna=False, sort=True).sum()
    use = data[data["_usable"]]
    grouped = use.groupby([*keys, "_focus"], dropna=False, sort=True)[col]
    moments = grouped.agg(["size", "mean", "var"]).unstack("_focus").reindex(groups.size().index)
    side = {flag: moments.xs(flag, axis=1, level=1) if flag in moments.columns.get_level_values(1)
            else pd.DataFrame(np.nan, index=moments.index, columns=["size", "mean", "var"])
            for flag in (True, False)}
    n1, n2 = side[True]["size"].fillna(0).astype(int), side[False]["size"].fillna(0).astype(int)
    r = welch_moments(n1, side[True]["mean"], side[True]["var"], n2, side[False]["mean"], side[False]["var"],
                      confidence=confidence)
    out = pd.DataFrame({"n_focus": n1.to_numpy(), "n_other": n2.to_numpy(),
                        "mean_focus": side[True]["mean"].to_numpy(float),
                        "mean_other": side[False]["mean"].to_numpy(float),
                        "gap": r["diff"], "se": r["se"], "df": r["df"], "ci_low": r["ci_low"],
                        "ci_high": r["ci_high"], "n_excluded": n_excluded.reindex(moments.index).to_numpy(int)})
    if by:
        index = moments.index.to_frame(index=False)
        out = pd.concat([index[by], out], axis=1)
    return out


def focus_groups(sub: pd.DataFrame, col: str):
    """The usable ``col`` values of the focus group and of the others, as two float arrays.

    ``sub`` holds rows from :func:`prepare_gap_data` (its ``_usable`` and ``_focus`` columns).
    """
    use = sub[sub["_usable"]]
    return use.loc[use["_focus"], col].to_numpy(float), use.loc[~use["_focus"], col].to_numpy(float)


# --------------------------------------------------------------------------- mean gaps
def gap(df, *, outcome, group, focus, by=None, confidence=0.95, min_n=LOW_N):
    """Gap in mean outcome between a focus group and everyone else, with a Welch interval.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per pupil.
    outcome : str
        Numeric outcome column (e.g. a KS2 scaled score, Attainment 8, pupil VA).
    group : str
        Column that defines the groups (e.g. ``"disadvantaged"``).
    focus : object
        The value of ``group`` that is the focus (e.g. ``True``); all other values form "other".
    by : str or list of str, optional
        Columns to split by (e.g. ``"school_id"``); one row per combination.
    confidence : float
        Confidence level of the interval.
    min_n : int
        A group smaller than this (default :data:`gtanalytics._stats.LOW_N`, 10) is flagged
        ``low_n``, too few pupils to conclude, and a GTWarning is issued.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` value with columns: the ``by`` columns, ``n_focus``, ``n_other``,
        ``mean_focus``, ``mean_other``, ``gap`` (focus − other), ``se``, ``df`` (Welch–Satterthwaite),
        ``ci_low``, ``ci_high``, ``n_excluded`` (rows without an outcome or group), ``low_n``, ``ci_method``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"score": [100, 104, 98, 110, 107, 103], "disadvantaged": [True, True, True,
    ...                   False, False, False]})
    >>> round(float(gap(d, outcome="score", group="disadvantaged", focus=True, min_n=2)["gap"][0]), 2)
    -6.0
    """
    data, by = prepare_gap_data(df, outcome=outcome, group=group, focus=focus, by=by)
    out = _welch_by(data, outcome, by, confidence)
    out["low_n"] = (out[["n_focus", "n_other"]].min(axis=1) < min_n)
    out["ci_method"] = WELCH
    warn_low_n(out, min_n, "gap")
    return out


def value_added_gap(df, *, group, focus, va="va", by=None, confidence=0.95, min_n=LOW_N):
    """Gap in pupil value added (residuals) between the focus group and the others.

    Parameters
    ----------
    df : pandas.DataFrame or value-added result
        Pupil rows with a column of pupil residuals, e.g. ``value_added(...).pupils``
        (a result object with a ``.pupils`` frame is accepted directly).
    group, focus, by, confidence, min_n
        As in :func:`gap`.
    va : str
        Column of pupil value-added scores (actual − expected).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`gap`; ``gap`` is the difference in mean VA and ``ci_method`` says so.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"va": [-2.0, -1.0, 0.5, 1.0, 2.0, 1.5], "fsm": [1, 1, 1, 0, 0, 0]})
    >>> round(float(value_added_gap(d, group="fsm", focus=1, min_n=2)["gap"][0]), 2)
    -2.33
    """
    if hasattr(df, "pupils") and not isinstance(df, pd.DataFrame):
        df = df.pupils
    out = gap(df, outcome=va, group=group, focus=focus, by=by, confidence=confidence, min_n=min_n)
    out["ci_method"] = "difference in mean pupil value added; " + WELCH
    return out


# --------------------------------------------------------------------------- proportions
def _reached(data: pd.DataFrame, outcome: str, threshold, at_least: bool) -> pd.Series:
    s = data[outcome]
    if threshold is None:
        if s.dropna().isin([0, 1, True, False]).all():
            return s.astype("float")
        raise GTDataError(f"Column {outcome!r} is not a yes/no (True/False or 1/0) column. Pass threshold=, "
                          "e.g. threshold=100 for the KS2 expected standard or 4 for a GCSE grade 4.")
    v = _numeric(s, outcome)
    return ((v >= threshold) if at_least else (v < threshold)).astype(float).where(v.notna())


def threshold_gap(df, *, outcome, group, focus, threshold=None, at_least=True, by=None,
                  method="newcombe", confidence=0.95, min_n=LOW_N):
    """Percentage-point gap in reaching a threshold (e.g. KS2 ≥ 100, GCSE grade 4+ or 5+).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per pupil.
    outcome : str
        A score column (with ``threshold``) or a yes/no column (without).
    group, focus, by, confidence, min_n
        As in :func:`gap`.
    threshold : float, optional
        A pupil reaches it when ``score >= threshold`` (``at_least=False``: ``score < threshold``).
    method : {"newcombe", "wald"}
        ``"newcombe"``: Newcombe's hybrid score interval for a difference of proportions (Wilson
        limits per group; statsmodels ``confint_proportions_2indep(method="newcomb")``);
        ``"wald"``: p1 − p2 ± z·√(p1q1/n1 + p2q2/n2).

    Returns
    -------
    pandas.DataFrame
        Columns: the ``by`` columns, ``n_focus``, ``n_other``, ``x_focus``, ``x_other`` (pupils reaching
        it), ``pct_focus``, ``pct_other`` (percent), ``gap`` (percentage points, focus − other),
        ``se`` (its Wald standard error, :func:`gtanalytics._stats.binomial_se`), ``ci_low``,
        ``ci_high`` (percentage points), ``n_excluded``, ``low_n``, ``ci_method``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"ks2": [95, 101, 99, 104, 110, 97, 100, 108],
    ...                   "disadvantaged": [True] * 4 + [False] * 4})
    >>> r = threshold_gap(d, outcome="ks2", group="disadvantaged", focus=True, threshold=100, min_n=2)
    >>> float(r["gap"][0])
    -25.0
    """
    if method not in ("newcombe", "wald"):
        raise GTDataError(f"method must be 'newcombe' or 'wald', got {method!r}.")
    data, by = prepare_gap_data(df, outcome=outcome, group=group, focus=focus, by=by, numeric=False)
    data[outcome] = _reached(data, outcome, threshold, at_least)
    data["_usable"] = data[outcome].notna() & data[group].notna()
    z = z_value(confidence)
    rows = []
    for key, sub in iter_groups(data, by):
        f, o = focus_groups(sub, outcome)
        n1, n2, x1, x2 = len(f), len(o), float(f.sum()), float(o.sum())
        p1 = x1 / n1 if n1 else math.nan
        p2 = x2 / n2 if n2 else math.nan
        d = p1 - p2
        if method == "wald":
            h = z * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2) if n1 and n2 else math.nan
            lo, hi = d - h, d + h
        else:
            lo, hi = newcombe_ci(x1, n1, x2, n2, confidence=confidence)
        rows.append({**key, "n_focus": n1, "n_other": n2, "x_focus": int(x1), "x_other": int(x2),
                     "pct_focus": 100 * p1, "pct_other": 100 * p2, "gap": 100 * d,
                     "se": 100 * math.hypot(binomial_se(x1, n1), binomial_se(x2, n2)),
                     "ci_low": 100 * float(lo), "ci_high": 100 * float(hi),
                     "n_excluded": int((~sub["_usable"]).sum())})
    out = pd.DataFrame(rows)
    out["low_n"] = out[["n_focus", "n_other"]].min(axis=1) < min_n
    out["ci_method"] = ("Newcombe hybrid score interval (Wilson limits)" if method == "newcombe"
                     else "Wald interval") + " for a difference of proportions, in percentage points"
    warn_low_n(out, min_n, "gap")
    return out


# --------------------------------------------------------------------------- gap index
def _percentiles(scores: np.ndarray, percentile) -> np.ndarray:
    if callable(percentile):
        p = np.asarray(percentile(scores), float)
    else:
        require_columns(percentile, ["score", "percentile"], "national percentile")
        table = percentile.drop_duplicates("score").set_index("score")["percentile"].astype(float)
        p = table.reindex(scores).to_numpy()
        if np.isnan(p).any():
            raise GTDataError(f"Scores {sorted(set(scores[np.isnan(p)]))[:5]} are not in the national "
                              "percentile table. Supply a table that covers every score.")
    if p.shape != scores.shape or np.any(~np.isfinite(p)) or np.any((p <= 0) | (p > 1)):
        raise GTDataError("The national percentile lookup must give one value in (0, 1] for every score.")
    return p


def gap_index(df, *, score, group, focus, by=None, percentile=None, confidence=0.95, min_n=LOW_N):
    """Rank-based gap index in the DfE style: 20 × (mean percentile of others − of the focus group).

    Pupils are ranked by ``score`` (ties get the average rank), percentile ``p = rank / N``, and
    the index is ``20 × (mean p other − mean p focus)``: 0 means no gap, +10 the largest gap
    against the focus group (methodology §3.2, a reconstruction of the DfE method).

    **Within-school analogue.** Without ``percentile`` pupils are ranked against each other
    within each ``by`` group.  DfE ranks every pupil against ALL pupils nationally, so this
    within-school value is NOT comparable with the published national index; the ``reference``
    column, ``comparable_with_national`` and ``frame.attrs["note"]`` say so.  Pass ``percentile``
    (a function of the scores or a table with columns ``score`` and ``percentile``) to use
    national percentiles instead.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per pupil.
    score : str
        The score to rank (KS2: mean of reading and maths scaled scores; KS4: mean of English
        and maths points).
    group, focus, by, confidence, min_n
        As in :func:`gap`.
    percentile : callable or pandas.DataFrame, optional
        National percentile lookup, values in (0, 1].

    Returns
    -------
    pandas.DataFrame
        Columns: the ``by`` columns, ``n_focus``, ``n_other``, ``mean_pct_focus``, ``mean_pct_other``
        (mean percentile, 0-1), ``estimate`` (the gap index), ``se``, ``df``, ``ci_low``, ``ci_high``, ``low_n``,
        ``reference``, ``comparable_with_national``, ``ci_method``.  Within-school intervals are
        Brunner–Munzel (the index equals 20 × (0.5 − P̂), P̂ the Brunner–Munzel relative effect);
        with national percentiles they are Welch intervals on the percentiles.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"score": [95, 98, 100, 100, 103, 105, 107, 108, 110, 112],
    ...                   "dis": [1, 1, 0, 1, 0, 0, 1, 0, 0, 0]})
    >>> round(float(gap_index(d, score="score", group="dis", focus=1, min_n=2)["estimate"][0]), 2)
    7.08
    """
    data, by = prepare_gap_data(df, outcome=score, group=group, focus=focus, by=by)
    rows = []
    for key, sub in iter_groups(data, by):
        use = sub[sub["_usable"]]
        x = use[score].to_numpy(float)
        isf = use["_focus"].to_numpy(bool)
        n1, n2, n = int(isf.sum()), int((~isf).sum()), len(x)
        row = {**key, "n_focus": n1, "n_other": n2, "mean_pct_focus": math.nan, "mean_pct_other": math.nan,
               "estimate": math.nan, "se": math.nan, "df": math.nan, "ci_low": math.nan, "ci_high": math.nan}
        if n1 and n2:
            if percentile is None:
                p = stats.rankdata(x) / n
                row.update(mean_pct_focus=p[isf].mean(), mean_pct_other=p[~isf].mean())
                row["estimate"] = 20 * (row["mean_pct_other"] - row["mean_pct_focus"])
                if n1 >= 2 and n2 >= 2:   # Brunner-Munzel variance of the rank difference
                    s1 = np.var(stats.rankdata(x)[isf] - stats.rankdata(x[isf]), ddof=1)
                    s2 = np.var(stats.rankdata(x)[~isf] - stats.rankdata(x[~isf]), ddof=1)
                    a, b = n1 * s1, n2 * s2
                    if a + b > 0:
                        se = 20 * math.sqrt(a + b) / (n1 * n2)
                        dfree = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
                        h = t_value(confidence, dfree) * se
                        row.update(se=se, df=dfree, ci_low=row["estimate"] - h, ci_high=row["estimate"] + h)
            else:
                p = _percentiles(x, percentile)
                w = welch_diff(20 * p[~isf], 20 * p[isf], confidence=confidence)
                row.update(mean_pct_focus=p[isf].mean(), mean_pct_other=p[~isf].mean(), estimate=w["diff"],
                           se=w["se"], df=w["df"], ci_low=w["ci_low"], ci_high=w["ci_high"])
        rows.append(row)
    out = pd.DataFrame(rows)
    out["low_n"] = out[["n_focus", "n_other"]].min(axis=1) < min_n
    within = percentile is None
    out["reference"] = WITHIN_SCHOOL_NOTE if within else "national percentile lookup supplied by the user"
    out["comparable_with_national"] = not within
    out["ci_method"] = ("Brunner-Munzel interval (t, Satterthwaite df)" if within
                     else "Welch t interval on 20 x national percentile")
    out.attrs["note"] = out["reference"].iloc[0] if len(out) else ""
    warn_low_n(out, min_n, "gap-index")
    return out


# --------------------------------------------------------------------------- excellence gap
def _top(values: pd.Series, share: float) -> pd.Series:
    v = values.dropna()
    k = math.ceil(share * len(v))
    return (values.rank(ascending=False, method="min") <= k) & values.notna()


def excellence_gap(df, *, outcome, group, focus, prior=None, prior_cutoff=None, top_share=None,
                   threshold=None, by=None, confidence=0.95, min_n=LOW_N, method="newcombe"):
    """Gaps among high prior attainers (or in reaching an advanced level).

    With ``prior``: the pupils whose prior attainment is at least ``prior_cutoff`` (e.g. 110, the
    KS2 high score) or in the top ``top_share`` within each ``by`` group (ties included) are kept,
    and the gap between the focus group and the others is measured among them: a mean gap
    (:func:`gap`) or, with ``threshold``, a percentage-point gap in reaching it
    (:func:`threshold_gap`, e.g. GCSE grade 7+).  Without ``prior``, ``threshold`` is required and
    the result is the "excellence gap" in its original sense: the gap in the share of all
    pupils who reach an advanced level (e.g. KS2 ≥ 110).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per pupil.
    outcome, group, focus, by, confidence, min_n
        As in :func:`gap`.
    prior : str, optional
        Column of prior attainment.
    prior_cutoff : float, optional
        High prior attainers have ``prior >= prior_cutoff``.
    top_share : float, optional
        High prior attainers are the top share (0-1) within each ``by`` group.
    threshold : float, optional
        Advanced level for a percentage-point gap.
    method : {"newcombe", "wald"}
        Interval for a percentage-point gap.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`gap` (or :func:`threshold_gap` with ``threshold``) plus
        ``population`` (who was compared, in words).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"ks2": [112, 111, 115, 99, 113, 118, 116, 95],
    ...                   "gcse": [6, 7, 7, 4, 8, 9, 8, 3], "dis": [1, 1, 1, 1, 0, 0, 0, 0]})
    >>> r = excellence_gap(d, outcome="gcse", group="dis", focus=1, prior="ks2", prior_cutoff=110, min_n=2)
    >>> round(float(r["gap"][0]), 2)
    -1.67
    """
    by_cols = as_list(by)
    if prior is None:
        if threshold is None:
            raise GTDataError("Say what to compare: pass prior= (with prior_cutoff= or top_share=) for gaps "
                              "among high prior attainers, or threshold= for the gap in reaching an advanced "
                              "level (e.g. threshold=110 at KS2).")
        sub, population = df, f"all pupils; advanced level: {outcome} >= {threshold}"
    else:
        require_columns(df, [prior, *by_cols], caller="excellence_gap")
        if (prior_cutoff is None) == (top_share is None):
            raise GTDataError("Define high prior attainers with exactly one of prior_cutoff= (e.g. 110 for "
                              "the KS2 high score) or top_share= (e.g. 0.25 for the top quarter).")
        p = _numeric(df[prior], prior)
        if prior_cutoff is not None:
            keep = p >= prior_cutoff
            population = f"high prior attainers: {prior} >= {prior_cutoff}"
        else:
            if not 0 < top_share < 1:
                raise GTDataError(f"top_share must be between 0 and 1, got {top_share!r}.")
            keep = (p.groupby([df[c] for c in by_cols], dropna=False).transform(lambda s: _top(s, top_share))
                    if by_cols else _top(p, top_share)).astype(bool)
            population = f"high prior attainers: top {100 * top_share:g}% on {prior}"
        sub = df[keep.fillna(False).to_numpy(bool)]
        if not len(sub):
            raise GTDataError(f"No pupil is a high prior attainer ({population}); lower the cut-off.")
    if threshold is None:
        out = gap(sub, outcome=outcome, group=group, focus=focus, by=by, confidence=confidence, min_n=min_n)
    else:
        out = threshold_gap(sub, outcome=outcome, group=group, focus=focus, threshold=threshold, by=by,
                            method=method, confidence=confidence, min_n=min_n)
    out["population"] = population
    return out
