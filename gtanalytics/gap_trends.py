"""How disadvantage gaps change over the years, and the national gap index.

* :func:`gap_trend`: the change in a gap between the first and last year, with each group's
  own trajectory, so that a gap which narrowed because the group ahead fell is called out;
  two designs: successive cohorts (a difference of four independent means, Welch–Satterthwaite
  interval) or the same pupils followed (Welch on pupils' own changes, paired t per group);
* :func:`national_gap_index`: the published DfE gap-index series (shipped reference data),
  which :func:`gap_trend` can set beside the school's within-school index.

Builds on :mod:`gtanalytics.gaps` (the gap of each year).
Checked in ``tests/test_gaps.py`` against statsmodels OLS (HC2) and scipy t tests.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.gaps import WITHIN_SCHOOL_NOTE, focus_groups, prepare_gap_data, gap, gap_index
from gtanalytics.reference import load_reference
from gtanalytics._stats import LOW_N, as_list, iter_groups, mean_ci, require_columns, t_value, warn_low_n, welch_diff

__all__ = ["GapTrend", "gap_trend", "national_gap_index"]


def national_gap_index(key_stage: str = "KS2") -> pd.DataFrame:
    """The published national DfE disadvantage gap index by year, with source and status per value.

    Returns
    -------
    pandas.DataFrame
        Columns ``key_stage, year`` (calendar year the cohort finished), ``academic_year``,
        ``gap_index``, ``status`` (CONFIRMED / SECONDARY / UNCONFIRMED), ``source``, ``note``.

    Examples
    --------
    >>> float(national_gap_index("KS2").set_index("year").loc[2011, "gap_index"])
    3.3408
    """
    ks = str(key_stage).upper()
    if ks not in ("KS2", "KS4"):
        raise GTDataError(f"key_stage must be 'KS2' or 'KS4', got {key_stage!r}.")
    table = load_reference("national_gap_index")
    out = table[table["key_stage"] == ks].reset_index(drop=True)
    out.attrs.update(table.attrs)
    return out


# --------------------------------------------------------------------------- trends
@dataclass(frozen=True)
class GapTrend:
    """Result of :func:`gap_trend`.

    Attributes
    ----------
    groups : pandas.DataFrame
        Each group's own trajectory: ``by`` columns, year, ``group`` ("focus"/"other"), ``n``,
        ``estimate`` (the group's mean), ``se``, ``ci_low``, ``ci_high``, ``ci_method`` (t interval,
        n − 1 df), ``low_n``.
    gaps : pandas.DataFrame
        The gap per year (columns of :func:`gtanalytics.gaps.gap`).
    change : pandas.DataFrame
        One row per ``by`` value: ``first_year``, ``last_year``, ``gap_first``, ``gap_last``,
        ``estimate`` (the change in gap, gap_last − gap_first), ``se``, ``df``, ``ci_low``, ``ci_high``,
        ``focus_change`` (+ ``focus_ci_low/high``), ``other_change`` (+ ``other_ci_low/high``),
        ``n_focus``, ``n_other`` (pupils in the two years, or pupils followed), ``low_n``,
        ``classification``, ``explanation``, ``ci_method``.
    national : pandas.DataFrame or None
        With ``national=``: per year the within-school gap index next to the national index.
    """

    groups: pd.DataFrame
    gaps: pd.DataFrame
    change: pd.DataFrame
    national: pd.DataFrame | None = None


def _classify(g1, g2, lo, hi, wf, wo):
    """Words for a change in gap.  Direction is judged against the group behind in the first year
    (a gap that closes and reverses counts as narrowing); a group's own change counts as clear
    when its interval excludes 0."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "too few to say"
    if lo <= 0 <= hi:
        return "no clear change"
    focus_behind = g1 < 0 if g1 != 0 else g2 < 0
    if (lo > 0) != focus_behind:  # the change went against the group behind
        return "widening"
    behind, ahead = ("focus", "other") if focus_behind else ("other", "focus")
    b, a = (wf, wo) if focus_behind else (wo, wf)
    improved, fell = b["ci_low"] > 0, a["ci_high"] < 0
    if improved and fell:
        return f"narrowing: the {behind} group improved and the {ahead} group fell"
    if not improved and not fell:  # neither clear on its own: name the larger contribution
        improved = b["diff"] >= -a["diff"]
    if improved:
        return f"narrowing because the {behind} group improved"
    return f"narrowing because the {ahead} group fell"


def _own_change(diff: np.ndarray, confidence: float) -> dict:
    """A group's mean change over followed pupils (paired t interval), keyed like ``welch_diff``."""
    r = mean_ci(diff, confidence=confidence)
    return {"diff": r["mean"], "ci_low": r["ci_low"], "ci_high": r["ci_high"]}


def _end_year(academic_year) -> float:
    s = str(academic_year)
    try:
        start = int(s[:4])
    except ValueError:
        return math.nan
    return start + 1 if "/" in s else start


def gap_trend(df, *, outcome, group, focus, year="academic_year", by=None, confidence=0.95, min_n=LOW_N,
              pupil=None, national=None):
    """How a gap changed over the years, with each group's own trajectory.

    Narrowing is good news only when the group behind improved: a gap that narrowed because
    the other group fell is called out as such.  Two designs:

    * successive cohorts (default; e.g. each year's Year 6): the change between the first and
      the last year is a difference of four independent means, Welch–Satterthwaite interval;
    * the same pupils followed (``pupil="upn"``): pupils present in both the first and the last
      year, each with their own change; the change in gap is the difference in mean change
      between the groups (Welch), each group's change a paired t interval.  Group membership is
      taken from the first year.  Use this for progress within a school over time.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per pupil per year.
    outcome, group, focus, by, confidence, min_n
        As in :func:`gtanalytics.gaps.gap`.
    year : str
        Column of years (``"2023/24"`` style sorts correctly).
    pupil : str, optional
        Pupil key (e.g. ``"upn"``): follow the same pupils (one row per pupil per year).
    national : {"KS2", "KS4"} or pandas.DataFrame, optional
        Compare the within-school gap index on ``outcome`` with the national gap-index series
        (shipped reference data, or a frame with ``year`` and ``gap_index``).  The two are
        not comparable in level (see :func:`gtanalytics.gaps.gap_index`); the comparison is of direction.

    Returns
    -------
    GapTrend
        ``.groups``, ``.gaps``, ``.change`` and ``.national`` (see :class:`GapTrend`).
        ``classification`` is one of "narrowing because the focus group improved", "narrowing
        because the other group fell", "narrowing: the focus group improved and the other group
        fell", "widening", "no clear change", "too few to say".

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"academic_year": ["2022/23"] * 8 + ["2023/24"] * 8,
    ...                   "score": [96, 98, 97, 99, 104, 106, 105, 107, 103, 105, 104, 106, 105, 107, 104, 106],
    ...                   "dis": [1, 1, 1, 1, 0, 0, 0, 0] * 2})
    >>> gap_trend(d, outcome="score", group="dis", focus=1, min_n=2).change["classification"][0]
    'narrowing because the focus group improved'
    """
    by_cols = as_list(by)
    data, _ = prepare_gap_data(df, outcome=outcome, group=group, focus=focus, by=[*by_cols, year])
    if pupil is not None:
        require_columns(df, [pupil], caller="gap_trend")
        data[pupil] = df[pupil]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        gaps = gap(df, outcome=outcome, group=group, focus=focus, by=[*by_cols, year],
                   confidence=confidence, min_n=min_n)
    grows, crows = [], []
    for key, sub in iter_groups(data, by_cols):
        years = sorted(sub[year].dropna().unique())
        cells = {}
        for y in years:
            f, o = focus_groups(sub[sub[year] == y], outcome)
            for label, v in (("focus", f), ("other", o)):
                r = mean_ci(v, confidence=confidence)
                grows.append({**key, year: y, "group": label, "n": len(v), "estimate": r["mean"], "se": r["se"],
                              "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                              "ci_method": f"t {confidence:.0%} interval (n - 1 df)", "low_n": len(v) < min_n})
                cells[y, label] = v
        if len(years) < 2:
            raise GTDataError(f"A trend needs at least two values of {year!r}; found {years}"
                              + (f" for {key}" if key else "") + ".")
        y1, y2 = years[0], years[-1]
        if pupil is None:  # successive cohorts: four independent means
            parts = [cells[y2, "focus"], cells[y2, "other"], cells[y1, "focus"], cells[y1, "other"]]
            ns = [len(v) for v in parts]
            means = [float(v.mean()) if len(v) else math.nan for v in parts]
            g1, g2 = means[2] - means[3], means[0] - means[1]
            row = {**key, "first_year": y1, "last_year": y2, "gap_first": g1, "gap_last": g2,
                   "estimate": g2 - g1, "se": math.nan, "df": math.nan, "ci_low": math.nan, "ci_high": math.nan}
            if min(ns) >= 2:
                w = [np.var(v, ddof=1) / len(v) for v in parts]
                se = math.sqrt(sum(w))
                if se > 0:
                    dfree = sum(w) ** 2 / sum(wi * wi / (n - 1) for wi, n in zip(w, ns))
                    h = t_value(confidence, dfree) * se
                    row.update(se=se, df=dfree, ci_low=row["estimate"] - h, ci_high=row["estimate"] + h)
            wf, wo = (welch_diff(parts[0], parts[2], confidence=confidence),
                      welch_diff(parts[1], parts[3], confidence=confidence))
        else:  # the same pupils followed: each pupil's own change
            use = sub[sub["_usable"]]
            ends = [use[use[year] == y][[pupil, outcome, "_focus"]] for y in (y1, y2)]
            if any(e[pupil].duplicated().any() for e in ends):
                raise GTDataError(f"Some pupils have several {outcome!r} values in one year; keep one row per "
                                  f"pupil per year (e.g. one assessment and term) before following pupils.")
            m = ends[0].merge(ends[1][[pupil, outcome]], on=pupil, suffixes=("_1", "_2"))
            isf = m["_focus"].to_numpy(bool)  # group as recorded in the first year
            x1, x2 = m[f"{outcome}_1"].to_numpy(float), m[f"{outcome}_2"].to_numpy(float)
            diff = x2 - x1
            ns = [int(isf.sum()), int((~isf).sum())]
            w = welch_diff(diff[isf], diff[~isf], confidence=confidence)
            g1 = x1[isf].mean() - x1[~isf].mean() if min(ns) else math.nan
            g2 = x2[isf].mean() - x2[~isf].mean() if min(ns) else math.nan
            row = {**key, "first_year": y1, "last_year": y2, "gap_first": g1, "gap_last": g2,
                   "estimate": w["diff"], "se": w["se"], "df": w["df"], "ci_low": w["ci_low"], "ci_high": w["ci_high"]}
            wf, wo = (_own_change(diff[isf], confidence), _own_change(diff[~isf], confidence))
        row.update(focus_change=wf["diff"], focus_ci_low=wf["ci_low"], focus_ci_high=wf["ci_high"],
                   other_change=wo["diff"], other_ci_low=wo["ci_low"], other_ci_high=wo["ci_high"],
                   n_focus=ns[0] if pupil else ns[0] + ns[2], n_other=ns[1] if pupil else ns[1] + ns[3],
                   low_n=min(ns) < min_n)
        row["classification"] = _classify(g1, g2, row["ci_low"], row["ci_high"], wf, wo)
        row["explanation"] = (
            f"Gap {g1:+.2f} in {y1} and {g2:+.2f} in {y2} (change {g2 - g1:+.2f}, "
            f"{100 * confidence:g}% CI {row['ci_low']:+.2f} to {row['ci_high']:+.2f}); the focus group's "
            f"mean changed by {wf['diff']:+.2f} and the other group's by {wo['diff']:+.2f}"
            + ("; the gap has reversed." if g1 * g2 < 0 else "."))
        crows.append(row)
    change = pd.DataFrame(crows)
    change["ci_method"] = ("change in gap, successive cohorts (four independent means); Welch-Satterthwaite t interval"
                        if pupil is None else "change in gap for the same pupils followed: Welch t interval on "
                        "pupils' own changes (group changes: paired t)")
    warn_low_n(change, min_n, "gap-trend")
    nat = None
    if national is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GTWarning)
            gi = gap_index(df, score=outcome, group=group, focus=focus, by=[*by_cols, year],
                           confidence=confidence, min_n=min_n)
        ref = national_gap_index(national) if isinstance(national, str) else national
        require_columns(ref, ["year", "gap_index"], "national gap-index", caller="gap_trend")
        keep = [c for c in ("year", "gap_index", "status", "source") if c in ref.columns]
        ref = ref[keep].rename(columns={"gap_index": "national_gap_index", "status": "national_status",
                                        "source": "national_source"})
        gi = gi.rename(columns={"estimate": "school_gap_index", "ci_low": "school_ci_low",
                                "ci_high": "school_ci_high"})
        gi["year"] = gi[year].map(_end_year)
        nat = gi[[*by_cols, year, "year", "n_focus", "n_other", "school_gap_index", "school_ci_low",
                  "school_ci_high", "low_n"]].merge(ref, on="year", how="left")
        nat["reference"] = WITHIN_SCHOOL_NOTE
    return GapTrend(groups=pd.DataFrame(grows), gaps=gaps, change=change, national=nat)
