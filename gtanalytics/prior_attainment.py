"""Prior attainment: low/middle/high bands, and pairing outcomes with priors.

:func:`prior_band` gives low/middle/high prior attainment (DfE KS2 and KS1
bands, standardised-score bands, tertiles or your own cuts) and
:func:`pair_assessments` turns the long ``assessments`` table into one row per
pupil with an outcome and a prior, ready for
:func:`gtanalytics.progress.value_added`.  Split out of
:mod:`gtanalytics.progress`, which still re-exports both names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import gtanalytics.dfe as dfe
from gtanalytics.errors import GTDataError
from gtanalytics._stats import require_columns
from gtanalytics.subjects import canonical_subject

__all__ = ["pair_assessments", "prior_band"]


_BAND_CUTS = {
    # KS2 average (reading, maths) for KS4: low < 100 <= middle < 110 <= high (DfE since 2021)
    "ks2": (100.0, 110.0, "left"),
    # KS1 APS, levels era: low < 12 <= middle < 18 <= high (methodology §1.3)
    "ks1_levels": (12.0, 18.0, "left"),
    # standardised scores (mean 100, SD 15): low < 85, middle 85-115, high > 115
    "standardised": (85.0, 115.0, "middle_closed"),
}


def prior_band(values, *, scheme: str = "ks2", cuts: tuple[float, float] | None = None) -> pd.Series:
    """Low / middle / high prior attainment.

    Schemes: ``"ks2"`` (KS4 tables since 2021: KS2 average < 100 low, 100 to
    < 110 middle, >= 110 high; secondary source quoting DfE:
    https://help.4matrix.com/knowledgebase.php?article=250); ``"ks1_levels"``
    (KS1 APS < 12 / 12 to < 18 / >= 18, methodology §1.3); ``"standardised"``
    (< 85 / 85-115 / > 115, one SD either side of 100); ``"tertiles"`` (thirds
    of the data given: a within-cohort comparison, not a national standard);
    or your own ``cuts=(low_upper, high_lower)`` (low < a <= middle < b <= high).

    Returns
    -------
    pandas.Series
        Ordered categorical ``low < middle < high`` (missing stays missing).

    Examples
    --------
    >>> prior_band([99.5, 100, 109.5, 110]).tolist()
    ['low', 'middle', 'middle', 'high']
    """
    v = pd.Series(values, dtype=float) if not isinstance(values, pd.Series) else values.astype(float)
    if cuts is not None:
        a, b, rule = float(cuts[0]), float(cuts[1]), "left"
    elif scheme == "tertiles":
        a, b = v.quantile([1 / 3, 2 / 3]).to_numpy()
        rule = "middle_closed"
    elif scheme in _BAND_CUTS:
        a, b, rule = _BAND_CUTS[scheme]
    else:
        raise GTDataError(f"scheme must be one of {', '.join([*_BAND_CUTS, 'tertiles'])}, not {scheme!r}.")
    if rule == "left":
        lab = np.where(v < a, "low", np.where(v < b, "middle", "high"))
    else:
        lab = np.where(v < a, "low", np.where(v <= b, "middle", "high"))
    out = pd.Series(pd.Categorical(lab, categories=["low", "middle", "high"], ordered=True), index=v.index)
    out[v.isna()] = np.nan
    return out


def _ks1_points_of(result: pd.Series) -> np.ndarray:
    """:func:`gtanalytics.dfe.ks1_points` of every row, looked up once per distinct code."""
    if result.dtype == object:  # mixed Python objects: equal-hashing values (1, 1.0, True) must stay apart
        return result.map(lambda c: dfe.ks1_points(c) if pd.notna(c) else np.nan).to_numpy(float)
    codes, uniques = pd.factorize(result, use_na_sentinel=True)
    points = np.array([dfe.ks1_points(c) for c in uniques] + [np.nan], dtype=float)
    return points[codes]  # the sentinel -1 picks the trailing NaN


def _select(ass: pd.DataFrame, spec: dict, what: str) -> pd.DataFrame:
    spec = dict(spec)
    combine = spec.pop("combine", None)
    subjects = spec.get("subject")
    mask = np.ones(len(ass), dtype=bool)
    for k, v in spec.items():  # one boolean mask, then one copy of only the columns used below
        require_columns(ass, [k])
        vals = [v] if isinstance(v, str) or not hasattr(v, "__iter__") else list(v)
        if k == "subject":  # "Maths" and "mathematics" are one subject
            col, vals = canonical_subject(ass[k]), [canonical_subject(x) for x in vals]
        else:
            col = ass[k]
        mask &= np.asarray(col.isin(vals).fillna(False), dtype=bool)
    if not mask.any():
        raise GTDataError(f"No assessment rows match the {what} {spec}: check the assessment, subject and term names.")
    used = [c for c in ("upn", "academic_year", "term", "subject", "score", "result", "teaching_group", "teacher")
            if c in ass.columns]
    rows = ass.loc[mask, used]
    if "subject" in rows:
        rows = rows.assign(subject=canonical_subject(rows["subject"]))
    order = {"Autumn": 0, "Spring": 1, "Summer": 2}
    rows = rows.assign(_t=rows["term"].map(order) if "term" in rows else 0)
    rows = rows.sort_values(["upn", "academic_year", "_t"]).drop_duplicates(["upn", "subject"], keep="last")
    score = rows["score"].astype(float)
    if combine == "ks1_aps" and "result" in rows:
        score = score.where(score.notna(), _ks1_points_of(rows["result"]))
    rows = rows.assign(_score=score.to_numpy())
    wide = rows.pivot(index="upn", columns="subject", values="_score")
    subj = [canonical_subject(x) for x in ([subjects] if isinstance(subjects, str) or subjects is None
                                           else subjects)]
    if combine == "ks1_aps":
        if len(subj) != 3:
            raise GTDataError("combine='ks1_aps' needs subject=(reading, writing, maths) in that order.")
        val = ((wide[subj[0]] + wide[subj[1]]) / 2 + wide[subj[2]]) / 2
    else:
        val = wide.mean(axis=1, skipna=False)
    meta = rows.drop_duplicates("upn", keep="last").set_index("upn")
    keep = [c for c in ("academic_year", "teaching_group", "teacher") if c in meta]
    return pd.DataFrame({"value": val}).join(meta[keep])


def pair_assessments(data, pupils: pd.DataFrame | None = None, *, outcome: dict, prior: dict,
                     outcome_name: str = "outcome", prior_name: str = "prior") -> pd.DataFrame:
    """One row per pupil with an outcome and a prior, from the long ``assessments`` table.

    Parameters
    ----------
    data : SchoolData or DataFrame
        A loaded dataset (its ``assessments`` and ``pupils`` are used) or the
        assessments table itself.
    pupils : DataFrame, optional
        The pupils table (needed when ``data`` is a DataFrame and you want
        characteristics).
    outcome, prior : dict
        Filters on assessment columns, e.g. ``dict(assessment="KS2",
        subject=["reading", "maths"], term="Summer")``; values may be lists.
        Several subjects are averaged (all must be present, as DfE does);
        ``combine="ks1_aps"`` with subjects (reading, writing, maths) gives
        the KS1 APS.  Where a pupil has several matching rows per subject, the
        latest (year, then term) is used.
    outcome_name, prior_name : str
        Names of the two value columns.

    Returns
    -------
    pandas.DataFrame
        ``upn, academic_year`` (of the outcome), ``teaching_group, teacher``
        (of the outcome, when present), the two value columns, and the pupil's
        characteristics from ``pupils`` for that year.  Pupils without an
        outcome are left out; pupils without a prior have it missing.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"upn": ["A", "A", "A"], "academic_year": ["2019/20", "2019/20", "2024/25"],
    ...     "term": ["Summer"] * 3, "subject": ["reading", "maths", "A8"],
    ...     "assessment": ["KS2", "KS2", "KS4"], "score": [104.0, 106.0, 50.0]})
    >>> pair_assessments(a, outcome=dict(assessment="KS4"), prior=dict(assessment="KS2",
    ...     subject=["reading", "maths"]))[["upn", "outcome", "prior"]].to_dict("records")
    [{'upn': 'A', 'outcome': 50.0, 'prior': 105.0}]
    """
    if hasattr(data, "assessments"):
        ass = data.assessments
        pupils = data.pupils if pupils is None else pupils
    else:
        ass = data
    require_columns(ass, ["upn", "academic_year", "subject", "score"])
    out_rows = _select(ass, outcome, "outcome").dropna(subset=["value"])
    pri = _select(ass, prior, "prior")["value"]
    res = out_rows.rename(columns={"value": outcome_name})
    res[prior_name] = pri.reindex(res.index)
    res = res.reset_index()
    cols = ["upn", "academic_year", *[c for c in ("teaching_group", "teacher") if c in res], outcome_name, prior_name]
    res = res[cols]
    if pupils is not None:
        require_columns(pupils, ["upn", "academic_year"])
        extra = [c for c in pupils.columns if c not in res.columns or c in ("upn", "academic_year")]
        same = res.merge(pupils[extra], on=["upn", "academic_year"], how="left", indicator=True)
        miss = same["_merge"] == "left_only"
        if miss.any():  # fall back on the pupil's latest census row
            latest = pupils.sort_values("academic_year").drop_duplicates("upn", keep="last")
            fill = res.loc[miss.to_numpy()].merge(latest[[c for c in extra if c != "academic_year"]], on="upn",
                                                  how="left")
            same = pd.concat([same[~miss], fill], ignore_index=True)
        res = same.drop(columns="_merge")
    return res.sort_values("upn", ignore_index=True)
