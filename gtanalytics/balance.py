"""Impact under selection: the adjusted comparison (ANCOVA), balance and common support.

Schools choose pupils for mentoring and intervention programmes *because* of a
low score. Part of any low score is bad luck that will not recur, so the chosen
pupils' next scores rise whatever is done for them (regression to the mean).
Gains, differences in differences and extrapolated trends all count that rise
as impact. The designs in :mod:`gtanalytics.mentoring` and
:mod:`gtanalytics.interventions` therefore

1. compare the chosen pupils with pupils who were *not* chosen although they
   meet the same rule (same year group, same prior band, a score on the same
   selection assessment within the chosen pupils' range), and
2. estimate the effect by :func:`ancova`: the regression of the outcome on
   taking part, the selection score itself and attainment measured before and
   apart from it (an earlier term's tests). Given those scores, which pupils
   were chosen no longer depends on luck, so the regression removes the
   regression to the mean instead of adding it.

What this assumes, in words: the school chose pupils on what the data record
(the selection score, earlier attainment, the band), not on something else
that also predicts the outcome (a teacher's sense of who will respond); the
outcome depends on those scores in the same straight-line way in both groups;
and the comparison pupils cover the chosen pupils' scores (common support).
:func:`balance` reports how far the two groups' prior measures differ
(standardised mean difference) and how many chosen pupils lie inside the
comparison pupils' range; :func:`describe_comparability` says so in words.

The threshold for "not comparable" is an absolute standardised difference
above 0.25 of a pooled SD: What Works Clearinghouse, *Procedures and Standards
Handbook* (version 5.0, 2022), baseline equivalence (differences above 0.25 SD
cannot be rescued by statistical adjustment); Stuart (2010), "Matching methods
for causal inference: a review and a look forward", *Statistical Science*
25(1), 1-21 (regression adjustment is unreliable beyond 0.25, after Rubin
2001).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gtanalytics.errors import GTDataError
from gtanalytics._stats import full_rank_columns, ols, t_value

__all__ = ["SMD_THRESHOLD", "SUPPORT_THRESHOLD", "ancova", "smd", "balance", "describe_comparability"]

#: Largest absolute standardised mean difference of a prior measure at which the groups count as comparable
#: (What Works Clearinghouse 2022; Stuart 2010).
SMD_THRESHOLD = 0.25
#: Smallest share of the chosen pupils whose selection score lies inside the comparison pupils' range
#: (common support) at which the groups count as comparable; below it the estimate extrapolates.
SUPPORT_THRESHOLD = 0.9


def ancova(y, treated, covariates=None, *, confidence: float = 0.95) -> dict:
    """Adjusted difference between treated and comparison pupils: OLS of ``y`` on treatment and covariates.

    The model is ``y = a + effect * treated + b' covariates + error`` fitted by
    least squares; the estimate is the coefficient of ``treated``, its standard
    error the classical one (``s^2 (X'X)^-1``) and the interval a t interval
    on the residual degrees of freedom, as statsmodels' ``OLS(...).fit()``
    gives. Covariate columns that add no rank (constant, or dummies aliased
    with others) are dropped first.

    Parameters
    ----------
    y : array_like
        Outcome (e.g. the score after the programme), no missing values.
    treated : array_like of bool
    covariates : 2-D array_like, optional
        One column per prior measure or dummy (n rows).
    confidence : float, default 0.95

    Returns
    -------
    dict
        ``n, n_treatment, n_comparison, estimate, se, ci_low, ci_high, ci_method, df``
        (NaN estimate when either group has no pupils or the treatment is
        aliased with the covariates; NaN interval with no residual df).

    Examples
    --------
    >>> r = ancova([3.0, 5.0, 4.0, 9.0, 10.0, 12.0], [0, 0, 0, 1, 1, 1], [[1.0], [2.0], [1.5], [2.0], [3.0], [3.5]])
    >>> round(r["estimate"], 3), r["df"]
    (3.8, 3)
    """
    y = np.asarray(y, dtype=float)
    t = np.asarray(treated, dtype=bool)
    Z = np.empty((len(y), 0)) if covariates is None else np.asarray(covariates, dtype=float).reshape(len(y), -1)
    if len(t) != len(y):
        raise GTDataError(f"ancova: y has {len(y)} values but treated has {len(t)}.")
    if not (np.isfinite(y).all() and np.isfinite(Z).all()):
        raise GTDataError("ancova: the outcome and covariates must have no missing values; drop those pupils first.")
    n_t, n_c = int(t.sum()), int((~t).sum())
    out = dict(n=len(y), n_treatment=n_t, n_comparison=n_c, estimate=np.nan, se=np.nan, ci_low=np.nan,
               ci_high=np.nan, ci_method=f"OLS t {confidence:.0%} interval of the treatment coefficient", df=0)
    if n_t == 0 or n_c == 0:
        return out
    X = np.column_stack([np.ones(len(y)), t.astype(float), Z])
    keep = full_rank_columns(X)
    if 1 not in keep:
        return out
    beta, cov, df = ols(y, X[:, keep])
    j = int(np.flatnonzero(keep == 1)[0])
    out.update(estimate=float(beta[j]), df=int(df))
    if df > 0:
        se = float(np.sqrt(cov[j, j]))
        half = t_value(confidence, df) * se
        out.update(se=se, ci_low=out["estimate"] - half, ci_high=out["estimate"] + half)
    return out


def smd(treated, comparison) -> float:
    """Standardised mean difference: (mean treated - mean comparison) / sqrt((var treated + var comparison) / 2).

    The pooled SD gives both groups equal weight (Austin 2009, *Statistics in
    Medicine* 28, 3083-3107; Stuart 2010), so a large comparison group does not
    dominate it. NaN with fewer than two values in a group or no spread.

    Examples
    --------
    >>> round(smd([83, 80, 86, 84], [100, 90, 110, 95, 105]), 2)
    -2.86
    """
    a = np.asarray(treated, dtype=float)
    b = np.asarray(comparison, dtype=float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        return np.nan
    sd = np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    return float((a.mean() - b.mean()) / sd) if sd > 0 else np.nan


def balance(data: pd.DataFrame, *, treated: str, measures, support: str | None = None,
            threshold: float = SMD_THRESHOLD, support_threshold: float = SUPPORT_THRESHOLD,
            caliper: float = 0.25) -> pd.DataFrame:
    """Balance of prior measures between treated and comparison pupils, and common support.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per pupil in the analysis.
    treated : str
        Boolean column: took part.
    measures : sequence of str
        Prior measures (e.g. the selection score and an earlier term's score).
    support : str, optional
        The measure whose overlap is checked (default the first of ``measures``):
        the share of treated pupils whose value lies within the comparison
        pupils' minimum to maximum, widened on each side by ``caliper`` SDs of
        the measure (over both groups), so that the chance extremes of a small
        comparison group do not count as a lack of overlap.
    threshold : float, default :data:`SMD_THRESHOLD` (0.25)
    support_threshold : float, default :data:`SUPPORT_THRESHOLD` (0.9)
    caliper : float, default 0.25
        In SDs of the support measure; 0.25 SD is the caliper of Stuart (2010)
        and Rosenbaum & Rubin (1985).

    Returns
    -------
    pandas.DataFrame
        One row per measure: ``measure, n_treated, n_comparison, mean_treated,
        mean_comparison, smd`` (see :func:`smd`), ``balanced`` (``|smd| <=
        threshold``), ``support`` (share of treated pupils inside the widened
        comparison range; the ``support`` measure only, NaN for the others) and
        ``comparable`` (the same on every row: every measure that could be
        compared, i.e. with a finite ``smd``, balanced and the support share at
        least ``support_threshold``).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"took_part": [True] * 4 + [False] * 5, "pre": [83, 80, 86, 84, 100, 90, 110, 95, 105]})
    >>> balance(d, treated="took_part", measures=["pre"])[["smd", "support", "comparable"]].round(2).values.tolist()
    [[-2.86, 0.0, False]]
    """
    measures = list(measures)
    support = measures[0] if support is None else support
    t = data[treated].astype(bool).to_numpy()
    rows = []
    for m in measures:
        v = pd.to_numeric(data[m], errors="coerce").to_numpy(dtype=float)
        a, b = v[t & np.isfinite(v)], v[~t & np.isfinite(v)]
        d = smd(a, b)
        share = np.nan
        if m == support and len(a) and len(b):
            pad = caliper * np.std(np.r_[a, b], ddof=1) if len(a) + len(b) > 1 else 0.0
            share = float(((a >= b.min() - pad) & (a <= b.max() + pad)).mean())
        rows.append(dict(measure=m, n_treated=len(a), n_comparison=len(b), mean_treated=a.mean() if len(a) else np.nan,
                         mean_comparison=b.mean() if len(b) else np.nan, smd=d,
                         balanced=bool(np.isfinite(d) and abs(d) <= threshold), support=share))
    out = pd.DataFrame(rows)
    checked = out[np.isfinite(out["smd"].to_numpy(dtype=float))]
    sup = out["support"].dropna()
    out["comparable"] = bool(len(checked) and checked["balanced"].all() and len(sup)
                             and (sup >= support_threshold).all())
    return out


_MEASURE_WORDS = {"smd_before": "the score before mentoring (the selection test)",
                  "smd_pre": "the termly test before the programme (the selection test)",
                  "smd_earlier": "earlier attainment (the terms before the selection test)"}


def describe_comparability(frame, *, label: str, who: str = "participants",
                           comparison: str = "the comparison pupils", names=None,
                           threshold: float = SMD_THRESHOLD, support_threshold: float = SUPPORT_THRESHOLD) -> list[str]:
    """One sentence per result row saying whether the comparison group was comparable, and why not.

    Parameters
    ----------
    frame : pandas.DataFrame or dict
        Rows of :func:`gtanalytics.mentoring.mentoring_impact` or
        :func:`gtanalytics.interventions.intervention_impact`: columns
        ``smd_<measure>`` (standardised mean differences of the prior
        measures) and ``support`` (share of treated pupils inside the
        comparison pupils' range of the selection score).
    label : str
        Column naming each row (``"outcome"``, ``"programme"``, ``"staff"``).
    who, comparison : str
        Words for the two groups.
    names : dict, optional
        Words for each measure (``{"smd_before": "the selection test"}``);
        default the measure name with underscores as spaces.
    threshold, support_threshold : float
        As :func:`balance`.

    Returns
    -------
    list of str

    Examples
    --------
    >>> row = {"programme": "Number Sense", "smd_pre": -1.57, "smd_earlier": -1.2, "support": 1.0}
    >>> print(describe_comparability(row, label="programme")[0])  # doctest: +NORMALIZE_WHITESPACE
    Number Sense: the comparison pupils are not comparable: participants were 1.57 SD below them on the termly
    test before the programme (the selection test) and 1.20 SD below them on earlier attainment (the terms
    before the selection test) (more than 0.25 SD apart, the What Works Clearinghouse limit), so the estimate
    rests on the regression adjustment.
    """
    rows = [frame] if isinstance(frame, dict) else [r for _, r in pd.DataFrame(frame).iterrows()]
    names = {**_MEASURE_WORDS, **dict(names or {})}
    out = []
    for r in rows:
        r = dict(r)
        what = str(r.get(label))
        smds = {k: r[k] for k in r if str(k).startswith("smd_") and pd.notna(r[k])}
        sup = r.get("support", np.nan)
        if not smds:
            out.append(f"{what}: no comparison pupils with prior scores, so comparability cannot be checked.")
            continue
        far = [f"{abs(v):.2f} SD {'above' if v > 0 else 'below'} them on {names.get(k, k[4:].replace('_', ' '))}"
               for k, v in smds.items() if abs(v) > threshold]
        if far:
            out.append(f"{what}: {comparison} are not comparable: {who} were {' and '.join(far)} (more than "
                       f"{threshold:g} SD apart, the What Works Clearinghouse limit), so the estimate rests on the "
                       f"regression adjustment.")
        elif pd.notna(sup) and sup < support_threshold:
            out.append(f"{what}: {comparison} are not comparable: only {sup:.0%} of {who} had a selection score "
                       f"within their range, so the estimate extrapolates beyond the pupils compared.")
        else:
            largest = max(abs(v) for v in smds.values())
            out.append(f"{what}: {comparison} are comparable: on prior attainment the two groups differed by at "
                       f"most {largest:.2f} SD (limit {threshold:g} SD)"
                       + (f" and {sup:.0%} of {who} lie within their range of scores." if pd.notna(sup) else "."))
    return out
