"""Trends across years and comparisons across schools.

* :func:`improvement`: year-on-year change and the average improvement per year
  (least-squares slope with its interval) of any measure, against the national
  change per year (the *Excellence for All* test of a school "improving at +7
  percentage points a year against +1.4 nationally");
* :func:`school_comparison`: each school's value-added against the trust (or local
  authority) mean, with the bottom quarter marked and tested;
* :func:`mentoring_pairs`: school-to-school mentoring suggestions, a school strong
  where another is weak, with the evidence in words and numbers.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics._stats import LOW_N, as_list, iter_groups, ols, require_columns, t_value, z_value

__all__ = ["Improvement", "improvement", "difference_in_differences", "school_comparison", "mentoring_pairs",
           "year_number"]


def year_number(values) -> pd.Series:
    """Turn academic years (``"2023/24"``, ``"2023-24"``) or plain years into numbers (2023).

    Parameters
    ----------
    values : array_like

    Returns
    -------
    pandas.Series of float

    Examples
    --------
    >>> year_number(["2022/23", "2023/24", 2025]).tolist()
    [2022.0, 2023.0, 2025.0]
    """
    s = pd.Series(values)
    num = pd.to_numeric(s, errors="coerce")
    text = s.astype("string").str.strip()
    first = pd.to_numeric(text.str.extract(r"^(\d{4})\s*[/-]\s*\d{2,4}$")[0], errors="coerce")
    out = num.astype(float).fillna(first.astype(float))
    if out.isna().any():
        bad = s[out.isna()].iloc[0]
        raise GTDataError(f"Cannot read {bad!r} as a year: expected an academic year like '2023/24' or a "
                          "four-digit year.")
    return out.astype(float)


@dataclass(frozen=True)
class Improvement:
    """Result of :func:`improvement`.

    Attributes
    ----------
    changes : pandas.DataFrame
        Year-on-year changes.
    slopes : pandas.DataFrame
        Average improvement per year (least-squares slope) and the comparison with national.
    """

    changes: pd.DataFrame
    slopes: pd.DataFrame


def _slope(x: np.ndarray, y: np.ndarray) -> tuple[float, float, int]:
    n = len(x)
    if n < 2 or np.ptp(x) == 0:
        return np.nan, np.nan, n - 2
    beta, cov, dof = ols(y, np.column_stack([np.ones(n), x]))
    return float(beta[1]), float(np.sqrt(cov[1, 1])), dof


def _national_series(national, measure: str, year: str) -> pd.Series | float | None:
    if national is None:
        return None
    if isinstance(national, (int, float, np.number)) and not isinstance(national, bool):
        return float(national)
    if isinstance(national, pd.DataFrame):
        col = measure if measure in national.columns else "value"
        require_columns(national, [year, col], "national")
        national = pd.Series(national[col].to_numpy(float), index=national[year])
    if not isinstance(national, pd.Series):
        raise GTDataError("national must be a number (national change per year), a Series of national values "
                          "indexed by year, or a DataFrame with the year column and the measure (or 'value').")
    s = pd.Series(pd.to_numeric(national, errors="coerce").to_numpy(float),
                  index=year_number(national.index.to_list()).to_numpy()).dropna()
    return s.groupby(level=0).mean()


def improvement(df: pd.DataFrame, *, measure: str, year: str = "academic_year", by=None, national=None,
                se: str | None = None, confidence: float = 0.95) -> Improvement:
    """Year-on-year change and average improvement per year, against the national change.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per year (per ``by`` group) holding the measure, e.g. the percentage
        reaching the expected standard, an absence rate or a value-added score.
        Missing years are simply absent; the slope uses the real spacing of years.
    measure : str
        Column holding the value.
    year : str
        Column holding the year (``"2023/24"`` or 2023).
    by : str or list of str, optional
        Groups (e.g. ``"school_id"``) each with its own trend.
    national : float, pandas.Series or pandas.DataFrame, optional
        A number: the national change per year, taken as known.  A Series indexed by
        year (or a DataFrame with the ``year`` column and ``measure`` or ``value``):
        national values, whose own least-squares slope over the group's years is
        compared with the group's (the two slopes treated as independent).
    se : str, optional
        Column with the standard error of each year's value; gives intervals for the
        year-on-year changes.
    confidence : float
        Coverage of the intervals.

    Returns
    -------
    Improvement
        ``changes``: the ``by`` columns, ``year``, ``year_number``, ``value``,
        ``previous_year``, ``years_elapsed``, ``change``, ``change_per_year``,
        ``change_se``, ``change_ci_low``, ``change_ci_high`` (normal, from ``se``;
        NaN without it) and ``national_change_per_year``.

        ``slopes``: the ``by`` columns, ``n_years``, ``first_year``, ``last_year``,
        ``estimate`` (the slope: change per year), ``se``, ``df``, ``ci_low``, ``ci_high`` (t with
        n - 2 df), ``national_slope``, ``national_se``, ``difference`` (slope -
        national), ``diff_se``, ``diff_df`` (Welch-Satterthwaite), ``diff_ci_low``,
        ``diff_ci_high``, ``compared_with_national`` (``faster``, ``slower``, ``not
        significantly different``), ``ci_method``, ``low_n`` (fewer than 3 years: no
        interval).

    Examples
    --------
    >>> d = pd.DataFrame({"academic_year": ["2021/22", "2022/23", "2023/24", "2024/25"],
    ...                   "pct_expected": [48.0, 56.0, 62.0, 69.0]})
    >>> res = improvement(d, measure="pct_expected", national=1.4)
    >>> round(float(res.slopes["estimate"].iloc[0]), 2)
    6.9
    """
    keys = [c for c in as_list(by) if c != year]
    require_columns(df, [year, measure] + keys + ([se] if se else []), "trend")
    z_value(confidence)
    d = df[keys + [year, measure] + ([se] if se else [])].copy()
    d["year_number"] = year_number(d[year].to_list()).to_numpy()
    d["value"] = pd.to_numeric(d[measure], errors="coerce").astype(float)
    if d["value"].isna().any():
        raise GTDataError(f"{int(d['value'].isna().sum())} row(s) have a blank or non-numeric {measure!r}. "
                          "Remove years without a value (missing years are allowed).")
    dup = d.duplicated(keys + ["year_number"])
    if dup.any():
        raise GTDataError(f"{measure!r} has more than one value for a year{' and group' if keys else ''} "
                          f"(first: {d.loc[dup, year].iloc[0]!r}). Give one value per year, e.g. the school's "
                          "percentage or mean for that year.")
    nat = _national_series(national, measure, year)
    z = z_value(confidence)
    changes, slopes = [], []
    for labels, g in iter_groups(d, keys):
        g = g.sort_values("year_number")
        x, y = g["year_number"].to_numpy(), g["value"].to_numpy()
        prev_year = g[year].shift(1)
        elapsed = g["year_number"].diff()
        ch = g["value"].diff()
        c_se = (np.sqrt(g[se].astype(float) ** 2 + g[se].astype(float).shift(1) ** 2) if se
                else pd.Series(np.nan, index=g.index))
        if isinstance(nat, pd.Series):
            nv = nat.reindex(g["year_number"]).to_numpy()
            nat_ch = (nv - np.roll(nv, 1)) / elapsed.to_numpy()
            nat_ch[0] = np.nan
        elif isinstance(nat, float):
            nat_ch = np.full(len(g), nat)
            nat_ch[0] = np.nan
        else:
            nat_ch = np.full(len(g), np.nan)
        changes.append(pd.DataFrame({**{k: [v] * len(g) for k, v in labels.items()}, "year": g[year].to_numpy(),
                                     "year_number": x, "value": y, "previous_year": prev_year.to_numpy(),
                                     "years_elapsed": elapsed.to_numpy(), "change": ch.to_numpy(),
                                     "change_per_year": (ch / elapsed).to_numpy(), "change_se": c_se.to_numpy(),
                                     "change_ci_low": (ch - z * c_se).to_numpy(),
                                     "change_ci_high": (ch + z * c_se).to_numpy(),
                                     "national_change_per_year": nat_ch}))
        b, b_se, dof = _slope(x, y)
        tq = t_value(confidence, dof) if dof > 0 else np.nan
        row = {**labels, "n_years": len(g), "first_year": g[year].iloc[0], "last_year": g[year].iloc[-1],
               "estimate": b, "se": b_se, "df": dof, "ci_low": b - tq * b_se, "ci_high": b + tq * b_se}
        if isinstance(nat, pd.Series):
            inside = nat[(nat.index >= x.min()) & (nat.index <= x.max())]
            nb, nse, ndf = _slope(inside.index.to_numpy(float), inside.to_numpy(float))
        elif isinstance(nat, float):
            nb, nse, ndf = nat, 0.0, np.inf
        else:
            nb, nse, ndf = np.nan, np.nan, np.nan
        diff = b - nb
        d_se = float(np.sqrt(b_se ** 2 + nse ** 2))
        if nse == 0 or np.isnan(nse):
            d_df = dof if nse == 0 else np.nan
        else:
            d_df = (b_se ** 2 + nse ** 2) ** 2 / (b_se ** 4 / dof + nse ** 4 / ndf) if dof > 0 and ndf > 0 else np.nan
        dq = t_value(confidence, d_df) if d_df and d_df > 0 else np.nan
        lo, hi = diff - dq * d_se, diff + dq * d_se
        verdict = (np.nan if np.isnan(lo) or np.isnan(hi) else
                   "faster" if lo > 0 else "slower" if hi < 0 else "not significantly different")
        row.update({"national_slope": nb, "national_se": nse, "difference": diff, "diff_se": d_se,
                    "diff_df": d_df, "diff_ci_low": lo, "diff_ci_high": hi, "compared_with_national": verdict,
                    "ci_method": (f"least-squares slope over years, t {confidence:.0%} interval (n-2 df); "
                               "difference from national: independent slopes, Welch-Satterthwaite df"),
                    "low_n": len(g) < 3})
        slopes.append(row)
    slopes = pd.DataFrame(slopes)
    if slopes["low_n"].any():
        warnings.warn(f"{int(slopes['low_n'].sum())} trend(s) rest on fewer than 3 years: the slope has no "
                      "interval and says little about improvement.", GTWarning, stacklevel=2)
    return Improvement(changes=pd.concat(changes, ignore_index=True), slopes=slopes)


def difference_in_differences(df: pd.DataFrame, *, before: str, after: str, treated: str, strata=(),
                              confidence: float = 0.95, min_n: int = LOW_N, what: str = "the measure") -> pd.DataFrame:
    """Difference in differences from one row per unit (pupil): mean change of the treated minus the comparison.

    With ``strata`` the comparison is made within each stratum (exact matching) and the
    stratum differences are averaged with weights equal to the treated count in each
    (the effect on the treated); strata without both groups are left out.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per unit with the ``before`` and ``after`` values and a boolean ``treated``.
    before, after, treated : str
        Column names.
    strata : sequence of str
        Columns to match on exactly.
    confidence : float
        Coverage of the interval.
    min_n : int, default :data:`gtanalytics._stats.LOW_N` (10)
        Flag ``low_n`` (and warn) when either group has fewer units.
    what : str
        What the values are, for the ``ci_method`` text.

    Returns
    -------
    pandas.DataFrame
        One row: ``n`` (units analysed), ``n_treatment, n_comparison, n_strata,
        n_excluded`` (treated units left out: a value missing or nobody comparable),
        ``before_treated, after_treated, change_treated, before_comparison,
        after_comparison, change_comparison`` (comparison means weighted to the
        treated units' strata), ``estimate`` (the difference in differences), ``se``,
        ``df``, ``ci_low``, ``ci_high``, ``p_value``, ``ci_method``, ``low_n``.
        The interval is the contrast of the saturated least-squares model of the change
        on stratum x treatment with a pooled residual variance, t with N - 2S df
        (without strata: the pooled two-sample t interval).

    Examples
    --------
    >>> d = pd.DataFrame({"pre": [10., 12, 11, 9, 10, 11], "post": [6., 8, 7, 9, 10, 10],
    ...                   "t": [True] * 3 + [False] * 3})
    >>> float(difference_in_differences(d, before="pre", after="post", treated="t", min_n=1)["estimate"].iloc[0])
    -3.6666666666666665
    """
    strata = as_list(strata)
    require_columns(df, [before, after, treated] + strata, "difference-in-differences")
    d = df[[before, after] + strata].copy()
    d["_t"] = df[treated].astype("boolean").fillna(False).astype(bool)
    for c in (before, after):
        d[c] = pd.to_numeric(d[c], errors="coerce").astype(float)
    complete = d[before].notna() & d[after].notna()
    n_excluded = int((~complete & d["_t"]).sum())
    d = d.loc[complete].copy()
    d["_change"] = d[after] - d[before]
    d["_s"] = d[strata].astype("string").fillna("<blank>").agg("|".join, axis=1) if strata else "all"
    counts = d.groupby("_s")["_t"].agg(["sum", "size"])
    usable = counts.index[(counts["sum"] > 0) & (counts["size"] > counts["sum"])]
    n_excluded += int((d["_t"] & ~d["_s"].isin(usable)).sum())
    d = d.loc[d["_s"].isin(usable)]
    n_t, n_c = int(d["_t"].sum()), int((~d["_t"]).sum())
    if n_excluded:
        warnings.warn(f"{n_excluded} treated unit(s) were left out: a value missing before or after, or "
                      "nobody comparable in their stratum.", GTWarning, stacklevel=2)
    if n_t == 0 or n_c == 0:
        raise GTDataError("No participant can be compared with a non-participant (check the UPNs, the "
                          "start and that the data cover periods both before and after it).")
    cell = d.groupby(["_s", "_t"])
    means, sizes = cell[[before, after, "_change"]].mean(), cell.size()
    w = sizes.xs(True, level="_t") / n_t
    row = {"n": n_t + n_c, "n_treatment": n_t, "n_comparison": n_c, "n_strata": len(usable), "n_excluded": n_excluded}
    for grp, tag in ((True, "treated"), (False, "comparison")):
        m = means.xs(grp, level="_t").reindex(w.index)
        for col, name in ((before, "before"), (after, "after"), ("_change", "change")):
            row[f"{name}_{tag}"] = float((w * m[col]).sum())
    did = row["change_treated"] - row["change_comparison"]
    dof = len(d) - 2 * len(usable)
    se = lo = hi = p = np.nan
    if dof > 0:
        s2 = float(((d["_change"] - cell["_change"].transform("mean")) ** 2).sum() / dof)
        inv = (1 / sizes.xs(True, level="_t") + 1 / sizes.xs(False, level="_t")).reindex(w.index)
        se = float(np.sqrt(s2 * (w ** 2 * inv).sum()))
        tq = t_value(confidence, dof)
        lo, hi = did - tq * se, did + tq * se
        p = float(2 * stats.t.sf(abs(did / se), dof)) if se > 0 else np.nan
    row.update({"estimate": did, "se": se, "df": dof, "ci_low": lo, "ci_high": hi, "p_value": p,
                "ci_method": (f"difference in differences of {what}; saturated OLS contrast, pooled residual "
                           f"variance, t {confidence:.0%} interval"
                           + (f"; exact matching on {', '.join(strata)}" if strata else "")),
                "low_n": min(n_t, n_c) < min_n})
    if row["low_n"]:
        warnings.warn(f"Only {min(n_t, n_c)} units in the smaller group: the difference in differences is "
                      "unstable.", GTWarning, stacklevel=2)
    return pd.DataFrame([row])


# --------------------------------------------------------------------------- schools
def _va_frame(va) -> pd.DataFrame:
    frame = getattr(va, "groups", va)
    if not isinstance(frame, pd.DataFrame):
        raise GTDataError("Pass the .groups frame of value_added(..., by='school_id') or any DataFrame with "
                          "columns school_id, n, va, se, ci_low, ci_high.")
    frame = frame.reset_index() if "school_id" not in frame.columns and frame.index.name == "school_id" else frame
    require_columns(frame, ["school_id", "n", "va", "se"], "value-added")
    out = frame.copy()
    for c in ("n", "va", "se"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    return out


def school_comparison(va, *, strata=(), quantile: float = 0.25, confidence: float = 0.95,
                      min_n: int = LOW_N) -> pd.DataFrame:
    """Each school's value-added against the trust (or local-authority) mean, bottom quarter marked.

    Parameters
    ----------
    va : pandas.DataFrame or a value-added result
        The ``.groups`` frame of ``gtanalytics.progress.value_added(..., by="school_id")``
        (the result itself is accepted too) or any frame with ``school_id, n, va, se``
        (``ci_low, ci_high`` are kept if present).
    strata : sequence of str
        Columns that split the comparison (e.g. ``("measure", "disadvantaged")``);
        schools are compared only within a stratum.
    quantile : float
        Bottom share of schools marked ``bottom_quarter`` (va at or below this quantile
        of the schools' va).
    confidence : float
        Coverage of the interval for the difference from the trust mean.
    min_n : int, default :data:`gtanalytics._stats.LOW_N` (10)
        Schools with fewer pupils are flagged ``low_n``.

    Returns
    -------
    pandas.DataFrame
        One row per school (per stratum): the strata, ``school_id, n, va, se, ci_low,
        ci_high``, ``rank`` (1 = highest va), ``n_schools``, ``trust_mean`` (pupil-weighted
        mean va), ``diff_from_trust``, ``diff_se``, ``diff_ci_low``, ``diff_ci_high``
        (normal; the school's own pupils are part of the mean, which the variance
        accounts for), ``vs_trust_mean`` (``significantly above``, ``significantly
        below``, ``not significantly different``), ``bottom_quarter``,
        ``bottom_quarter_significant`` (in the bottom quarter and significantly below the
        trust mean), ``low_n``.

    Examples
    --------
    >>> g = pd.DataFrame({"school_id": ["A", "B", "C", "D"], "n": [60, 55, 70, 40],
    ...                   "va": [1.8, 0.2, -0.1, -2.0], "se": [0.6, 0.65, 0.55, 0.75]})
    >>> res = school_comparison(g)
    >>> res.loc[res["bottom_quarter"], ["school_id", "vs_trust_mean"]].values.tolist()
    [['D', 'significantly below']]
    """
    strata = as_list(strata)
    frame = _va_frame(va)
    require_columns(frame, strata, "value-added")
    z = z_value(confidence)
    if not 0 < quantile < 1:
        raise GTDataError(f"quantile must be between 0 and 1; got {quantile!r}.")
    out = []
    for _, g in iter_groups(frame, strata):
        g = g.dropna(subset=["va", "se", "n"]).copy()
        if g.empty:
            continue
        w = g["n"] / g["n"].sum()
        mean = float((w * g["va"]).sum())
        # var(va_i - sum_j w_j va_j) = (1 - w_i)^2 se_i^2 + sum_{j != i} w_j^2 se_j^2
        total = float((w ** 2 * g["se"] ** 2).sum())
        var = (1 - w) ** 2 * g["se"] ** 2 + total - w ** 2 * g["se"] ** 2
        g["rank"] = g["va"].rank(ascending=False, method="min").astype(int)
        g["n_schools"] = len(g)
        g["trust_mean"] = mean
        g["diff_from_trust"] = g["va"] - mean
        g["diff_se"] = np.sqrt(var)
        g["diff_ci_low"] = g["diff_from_trust"] - z * g["diff_se"]
        g["diff_ci_high"] = g["diff_from_trust"] + z * g["diff_se"]
        g["vs_trust_mean"] = np.where(g["diff_ci_low"] > 0, "significantly above",
                                      np.where(g["diff_ci_high"] < 0, "significantly below",
                                               "not significantly different"))
        g["bottom_quarter"] = g["va"] <= np.quantile(g["va"], quantile)
        g["bottom_quarter_significant"] = g["bottom_quarter"] & (g["vs_trust_mean"] == "significantly below")
        out.append(g.sort_values("rank"))
    if not out:
        raise GTDataError("No school has a value-added estimate with n and se to compare.")
    res = pd.concat(out, ignore_index=True)
    for c in ("ci_low", "ci_high"):
        if c not in res.columns:
            res[c] = np.nan
    res["low_n"] = res["n"] < min_n
    if (res["n_schools"] < 3).any():
        warnings.warn("Fewer than 3 schools in a comparison: a 'trust mean' and a bottom quarter mean little.",
                      GTWarning, stacklevel=2)
    cols = strata + ["school_id", "n", "va", "se", "ci_low", "ci_high", "rank", "n_schools", "trust_mean",
                     "diff_from_trust", "diff_se", "diff_ci_low", "diff_ci_high", "vs_trust_mean",
                     "bottom_quarter", "bottom_quarter_significant", "low_n"]
    return res[cols + [c for c in res.columns if c not in cols]]


def _fmt(v: float) -> str:
    return f"{v:+.2f}"


def mentoring_pairs(va, *, strata=(), confidence: float = 0.95, min_n: int = LOW_N) -> pd.DataFrame:
    """Suggest school-to-school mentoring pairs: a school strong where another is weak.

    A mentor school's value-added is significantly above the trust mean and the
    mentee's significantly below, within the same stratum (measure, pupil group...);
    the pair is kept when their difference is itself significant. A frame with a
    ``phase`` column must be split by it (``strata`` including ``"phase"``): a
    primary is never paired with a secondary, whose pupils sit different tests.

    Parameters
    ----------
    va : pandas.DataFrame or a value-added result
        As for :func:`school_comparison` (e.g. a frame stacking several
        ``value_added(...).groups`` with columns ``measure`` and ``group`` added).
    strata : sequence of str
        Columns naming the measure and group, e.g. ``("measure", "group")``.
    confidence : float
        Coverage of every interval.
    min_n : int, default :data:`gtanalytics._stats.LOW_N` (10)
        Schools with fewer pupils are not suggested (their estimates are unstable).

    Returns
    -------
    pandas.DataFrame
        One row per pair: the strata, ``mentor_school, mentee_school``, ``mentor_n,
        mentor_va, mentor_ci_low, mentor_ci_high``, the same for the mentee,
        ``trust_mean``, ``n`` (pupils in both schools), ``estimate`` (the difference in
        value added, mentor - mentee), ``se``, ``ci_low``, ``ci_high``, ``ci_method``
        (normal, schools independent), ``low_n`` (a school below ``min_n``: never, such
        schools are not suggested), ``choice`` (1 = strongest
        evidence among the mentors suggested for that mentee), ``evidence`` (a sentence
        with the numbers).  Empty (same columns) when no school is significantly weak
        or strong.

    Examples
    --------
    >>> g = pd.DataFrame({"school_id": ["A", "B", "C", "D"], "n": [60, 55, 70, 40],
    ...                   "va": [1.8, 0.2, -0.1, -2.0], "se": [0.6, 0.65, 0.55, 0.75]})
    >>> mentoring_pairs(g)[["mentor_school", "mentee_school"]].values.tolist()
    [['A', 'D']]
    """
    strata = as_list(strata)
    if "phase" in _va_frame(va).columns and "phase" not in strata:
        raise GTDataError("The schools are of more than one phase (column 'phase'): primary and secondary schools sit "
                          "different tests, so pair them only within a phase. Pass strata=('phase', ...).")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GTWarning)
        comp = school_comparison(va, strata=strata, confidence=confidence, min_n=min_n)
    z = z_value(confidence)
    rows = []
    for labels, g in iter_groups(comp, strata):
        g = g.loc[~g["low_n"]]
        strong = g.loc[g["vs_trust_mean"] == "significantly above"]
        weak = g.loc[g["vs_trust_mean"] == "significantly below"]
        where = ", ".join(f"{k} {v}" for k, v in labels.items()) or "value-added"
        for _, b in weak.iterrows():
            cands = []
            for _, a in strong.iterrows():
                diff = a["va"] - b["va"]
                d_se = float(np.sqrt(a["se"] ** 2 + b["se"] ** 2))
                lo, hi = diff - z * d_se, diff + z * d_se
                if lo <= 0:
                    continue
                ci = lambda r: (_fmt(r["va"] - z * r["se"]) if np.isnan(r["ci_low"]) else _fmt(r["ci_low"]),  # noqa: E731
                                _fmt(r["va"] + z * r["se"]) if np.isnan(r["ci_high"]) else _fmt(r["ci_high"]))
                (al, ah), (bl, bh) = ci(a), ci(b)
                text = (f"For {where}: school {a['school_id']} has value-added {_fmt(a['va'])} "
                        f"({confidence:.0%} CI {al} to {ah}, n = {int(a['n'])}), significantly above the trust "
                        f"mean of {_fmt(g['trust_mean'].iloc[0])}; school {b['school_id']} has {_fmt(b['va'])} "
                        f"({bl} to {bh}, n = {int(b['n'])}), significantly below. The difference is "
                        f"{diff:.2f} ({lo:.2f} to {hi:.2f}).")
                cands.append({**labels, "mentor_school": a["school_id"], "mentee_school": b["school_id"],
                              "mentor_n": a["n"], "mentor_va": a["va"], "mentor_ci_low": a["ci_low"],
                              "mentor_ci_high": a["ci_high"], "mentee_n": b["n"], "mentee_va": b["va"],
                              "mentee_ci_low": b["ci_low"], "mentee_ci_high": b["ci_high"],
                              "trust_mean": g["trust_mean"].iloc[0], "n": a["n"] + b["n"], "estimate": diff,
                              "se": d_se, "ci_low": lo, "ci_high": hi,
                              "ci_method": f"normal {confidence:.0%} interval, the two schools independent",
                              "low_n": min(a["n"], b["n"]) < min_n, "evidence": text})
            cands.sort(key=lambda r: -r["ci_low"])
            for i, r in enumerate(cands, start=1):
                rows.append({**r, "choice": i})
    cols = strata + ["mentor_school", "mentee_school", "mentor_n", "mentor_va", "mentor_ci_low",
                     "mentor_ci_high", "mentee_n", "mentee_va", "mentee_ci_low", "mentee_ci_high", "trust_mean",
                     "n", "estimate", "se", "ci_low", "ci_high", "ci_method", "low_n", "choice", "evidence"]
    return pd.DataFrame(rows, columns=cols)
