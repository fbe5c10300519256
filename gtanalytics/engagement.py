"""Engaging pupils and parents (Excellence for All key area 4).

* take-up of enrichment, learner academy and other opportunities beyond the
  classroom, by group, and the gap between groups (are disadvantaged and G&T
  pupils taking up what is offered?);
* parents' evening attendance by group;
* survey responses by group and question, on the survey's stated scale.

Every estimate carries ``n``, an interval whose method is named (formulas in
:mod:`gtanalytics._stats`) and a ``low_n`` flag (below ``min_n``, default
:data:`gtanalytics._stats.LOW_N`, 10).  Shares are percentages.  Results here are internal; governor tables go
through :mod:`gtanalytics.disclosure` first.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from gtanalytics.attendance import attach_groups
from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics._stats import (LOW_N, as_list, binomial_se, require_columns, iter_groups, mean_ci, newcombe_ci, ratio_cluster_ci, warn_low_n,
                               wilson_ci, z_value)

__all__ = [
    "enrichment_takeup",
    "takeup_gap",
    "parents_evening_attendance",
    "survey_summary",
]

_KEY = ["upn", "academic_year"]


def _takers(enrichment: pd.DataFrame, pupils: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, list]:
    """Pupil-year frame (from pupils) with one boolean column per category and 'any'."""
    require_columns(enrichment, _KEY + ["category"], "enrichment")
    require_columns(pupils, _KEY + keys[1:], "pupils")
    base = pupils[_KEY + keys[1:]].drop_duplicates(_KEY)
    enr = enrichment[_KEY].assign(category=enrichment["category"].astype("string").str.strip().str.lower())
    if enr["category"].isna().any():
        raise GTDataError(f"{int(enr['category'].isna().sum())} enrichment row(s) have no category. "
                          "Give each activity a category (club, trip, masterclass, ...).")
    check = enr.drop_duplicates(_KEY).merge(base[_KEY], on=_KEY, how="left", indicator=True)
    unknown = int((check["_merge"] == "left_only").sum())
    if unknown:
        warnings.warn(f"{unknown} pupil-year(s) in the enrichment table are not in the pupils table and "
                      "are left out (they have no place in the denominator).", GTWarning, stacklevel=3)
    cats = sorted(enr["category"].unique())
    flags = pd.crosstab([enr["upn"], enr["academic_year"]], enr["category"]).gt(0)
    flags["any"] = flags.any(axis=1)
    out = base.merge(flags.reset_index(), on=_KEY, how="left")
    for c in ["any"] + cats:
        out[c] = out[c].astype("boolean").fillna(False).astype(bool)
    return out, ["any"] + cats


def enrichment_takeup(enrichment: pd.DataFrame, pupils: pd.DataFrame, *, by=None,
                      confidence: float = 0.95, min_n: int = LOW_N) -> pd.DataFrame:
    """Share of pupils taking up at least one opportunity beyond the classroom.

    Parameters
    ----------
    enrichment : pandas.DataFrame
        Canonical enrichment table: one row per pupil per activity taken up.
    pupils : pandas.DataFrame
        Canonical pupils table: every pupil-year in it is in the denominator.
    by : str or list of str, optional
        Pupil columns to split by (e.g. ``"disadvantaged"``, ``"gt_register"``); always by year too.
    confidence : float
        Coverage of the Wilson intervals.
    min_n : int, default :data:`gtanalytics._stats.LOW_N` (10)
        Groups with fewer pupils are flagged ``low_n``.

    Returns
    -------
    pandas.DataFrame
        One row per academic year x group x category: ``academic_year``, the ``by``
        columns, ``category`` (``any`` = at least one activity of any kind, then each
        category), ``n`` (pupils), ``takers``, ``estimate`` (percent), ``se`` (binomial,
        :func:`gtanalytics._stats.binomial_se`), ``ci_low``, ``ci_high``, ``ci_method``, ``low_n``.

    Examples
    --------
    >>> pupils = pd.DataFrame({"upn": list("ABCD"), "academic_year": "2023/24",
    ...                        "disadvantaged": [True, True, False, False]})
    >>> enr = pd.DataFrame({"upn": ["A", "C", "D"], "academic_year": "2023/24",
    ...                     "category": ["club", "club", "trip"]})
    >>> res = enrichment_takeup(enr, pupils, by="disadvantaged", min_n=1)
    >>> res.query("category == 'any'")[["disadvantaged", "estimate"]].to_dict("records")
    [{'disadvantaged': False, 'estimate': 100.0}, {'disadvantaged': True, 'estimate': 50.0}]
    """
    keys = ["academic_year"] + [c for c in as_list(by) if c != "academic_year"]
    frame, cats = _takers(enrichment, pupils, keys)
    method = f"Wilson score {confidence:.0%} interval"
    rows = []
    for labels, g in iter_groups(frame, keys):
        n = len(g)
        for c in cats:
            k = int(g[c].sum())
            lo, hi = wilson_ci(k, n, confidence=confidence)
            rows.append({**labels, "category": c, "n": n, "takers": k, "estimate": 100 * k / n,
                         "se": 100 * binomial_se(k, n), "ci_low": 100 * float(lo), "ci_high": 100 * float(hi),
                         "ci_method": method})
    out = pd.DataFrame(rows, columns=keys + ["category", "n", "takers", "estimate", "se", "ci_low", "ci_high",
                                              "ci_method"])
    out["low_n"] = out["n"] < min_n
    warn_low_n(out, min_n, "take-up")
    return out


def takeup_gap(enrichment: pd.DataFrame, pupils: pd.DataFrame, *, group: str = "disadvantaged",
               focus=True, category: str = "any", by=None, confidence: float = 0.95,
               min_n: int = LOW_N) -> pd.DataFrame:
    """Gap in take-up between a focus group and everyone else, with a Newcombe interval and Fisher's exact test.

    Parameters
    ----------
    enrichment, pupils : pandas.DataFrame
        Canonical enrichment and pupils tables.
    group : str
        Pupil column that defines the focus group (``"disadvantaged"``, ``"gt_register"``...).
    focus : object
        Value of ``group`` for the focus group (other values, including blanks, are "other").
    category : str
        ``"any"`` (at least one activity) or one enrichment category.
    by : str or list of str, optional
        Further pupil columns to split by (always by academic year).
    confidence : float
        Coverage of the interval.
    min_n : int, default :data:`gtanalytics._stats.LOW_N` (10)
        Flag ``low_n`` when either group has fewer pupils.

    Returns
    -------
    pandas.DataFrame
        One row per academic year x ``by`` group: ``academic_year``, the ``by``
        columns, ``group``, ``focus``, ``category``, ``n_focus``, ``takers_focus``,
        ``pct_focus``, ``n_other``, ``takers_other``, ``pct_other``, ``gap``
        (percentage points, focus - other), ``se`` (its Wald standard error), ``ci_low``,
        ``ci_high``, ``ci_method``,
        ``p_value`` (two-sided Fisher's exact test; exact at any size, which matters
        in small groups), ``low_n``.

    Examples
    --------
    >>> pupils = pd.DataFrame({"upn": [f"P{i}" for i in range(8)], "academic_year": "2023/24",
    ...                        "disadvantaged": [True] * 4 + [False] * 4})
    >>> enr = pd.DataFrame({"upn": ["P0", "P4", "P5", "P6"], "academic_year": "2023/24",
    ...                     "category": "club"})
    >>> float(takeup_gap(enr, pupils, min_n=1)["gap"].iloc[0])
    -50.0
    """
    keys = ["academic_year"] + [c for c in as_list(by) if c not in ("academic_year", group)]
    frame, cats = _takers(enrichment, pupils, keys + [group])
    category = str(category).lower()
    if category not in cats:
        raise GTDataError(f"No enrichment row has category {category!r}. Categories found: {', '.join(cats)}.")
    is_focus = frame[group].eq(focus).astype("boolean").fillna(False).astype(bool)
    frame = frame.assign(_focus=is_focus)
    rows = []
    for labels, g in iter_groups(frame, keys):
        f, o = g.loc[g["_focus"], category], g.loc[~g["_focus"], category]
        n1, k1, n2, k2 = len(f), int(f.sum()), len(o), int(o.sum())
        row = {**labels, "group": group, "focus": focus, "category": category, "n_focus": n1,
               "takers_focus": k1, "pct_focus": 100 * k1 / n1 if n1 else np.nan, "n_other": n2,
               "takers_other": k2, "pct_other": 100 * k2 / n2 if n2 else np.nan}
        if n1 and n2:
            lo, hi = newcombe_ci(k1, n1, k2, n2, confidence=confidence)
            p = float(stats.fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]).pvalue)
        else:
            lo = hi = p = np.nan
        row.update({"gap": row["pct_focus"] - row["pct_other"],
                    "se": 100 * np.hypot(binomial_se(k1, n1), binomial_se(k2, n2)),
                    "ci_low": 100 * lo, "ci_high": 100 * hi,
                    "ci_method": f"Newcombe hybrid score {confidence:.0%} interval; Fisher's exact test",
                    "p_value": p, "low_n": min(n1, n2) < min_n})
        rows.append(row)
    out = pd.DataFrame(rows)
    if out["low_n"].any():
        warnings.warn(f"{int(out['low_n'].sum())} take-up gap row(s) compare fewer than {min_n} pupils "
                      "(flagged low_n); read the exact test, not the percentages.", GTWarning, stacklevel=2)
    return out


def parents_evening_attendance(parents_evenings: pd.DataFrame, pupils: pd.DataFrame | None = None, *,
                               by=None, confidence: float = 0.95, min_n: int = LOW_N) -> pd.DataFrame:
    """Parents' evening attendance by group.

    Parameters
    ----------
    parents_evenings : pandas.DataFrame
        Canonical table: one row per pupil per event, ``attended`` True/False.
        A pupil counts in the denominator for the events recorded for them.
    pupils : pandas.DataFrame, optional
        Needed when ``by`` names pupil characteristics.
    by : str or list of str, optional
        Grouping columns (always by academic year too).
    confidence : float
        Coverage of the intervals.
    min_n : int, default :data:`gtanalytics._stats.LOW_N` (10)
        Groups with fewer pupils are flagged ``low_n``.

    Returns
    -------
    pandas.DataFrame
        One row per academic year x group x measure: ``academic_year``, the ``by``
        columns, ``measure`` (``any_attended``: percent of pupils whose parent or
        carer attended at least once, Wilson interval; ``events_attended``: percent
        of invitations attended, ratio estimator with a pupil-cluster SE), ``n``
        (pupils), ``count``, ``denominator``, ``estimate``, ``se``, ``ci_low``,
        ``ci_high``, ``ci_method``, ``low_n``.

    Examples
    --------
    >>> pe = pd.DataFrame({"upn": ["A", "A", "B", "B"], "academic_year": "2023/24",
    ...                    "event": ["Autumn", "Spring"] * 2, "attended": [True, False, False, False]})
    >>> res = parents_evening_attendance(pe, min_n=1)
    >>> res["estimate"].tolist()
    [50.0, 25.0]
    """
    keys = ["academic_year"] + [c for c in as_list(by) if c != "academic_year"]
    require_columns(parents_evenings, _KEY + ["attended"], "parents_evenings")
    att = parents_evenings["attended"]
    if not pd.api.types.is_bool_dtype(att):
        raise GTDataError("The parents_evenings column 'attended' must be True/False (load the file through "
                          f"gtanalytics.load to convert Y/N flags); found values like {att.iloc[0]!r}.")
    if att.isna().any():
        raise GTDataError(f"{int(att.isna().sum())} parents' evening row(s) have a blank 'attended'. "
                          "Record Y or N for every invitation, or remove the row.")
    per = (parents_evenings[_KEY].assign(a=att.astype(int)).groupby(_KEY)["a"]
           .agg(events="size", attended="sum").reset_index())
    per = attach_groups(per, pupils, keys, "parents' evening")
    rows = []
    for labels, g in iter_groups(per, keys):
        n = len(g)
        k = float((g["attended"] > 0).sum())
        lo, hi = wilson_ci(k, n, confidence=confidence)
        rows.append({**labels, "measure": "any_attended", "n": n, "count": k, "denominator": float(n),
                     "estimate": 100 * k / n, "se": np.nan, "ci_low": 100 * float(lo),
                     "ci_high": 100 * float(hi), "ci_method": f"Wilson score {confidence:.0%} interval"})
        r, se, lo, hi = ratio_cluster_ci(g["attended"], g["events"], confidence=confidence)
        rows.append({**labels, "measure": "events_attended", "n": n, "count": float(g["attended"].sum()),
                     "denominator": float(g["events"].sum()), "estimate": 100 * r, "se": 100 * se,
                     "ci_low": 100 * lo, "ci_high": 100 * hi,
                     "ci_method": f"ratio estimator, pupil-cluster (linearisation) SE, normal {confidence:.0%} "
                               "interval"})
    out = pd.DataFrame(rows)
    out["low_n"] = out["n"] < min_n
    warn_low_n(out, min_n, "parents' evening")
    return out


def survey_summary(surveys: pd.DataFrame, *, pupils: pd.DataFrame | None = None, by=None,
                   top_box: int = 2, confidence: float = 0.95, min_n: int = LOW_N) -> pd.DataFrame:
    """Survey answers by question and group: mean on the stated scale and the share agreeing.

    Parameters
    ----------
    surveys : pandas.DataFrame
        Canonical surveys table (``academic_year, respondent, survey, question,
        response, scale_min, scale_max``; ``upn`` needed only to group by pupil
        characteristics).
    pupils : pandas.DataFrame, optional
        Needed when ``by`` names pupil characteristics (anonymous answers then fall
        in a blank group, with a warning).
    by : str or list of str, optional
        Grouping columns, in addition to year, respondent, survey and question.
    top_box : int
        How many points at the top of the scale count as agreeing (2 = "top-two box":
        4 or 5 on a 1-5 scale).
    confidence : float
        Coverage of the intervals.
    min_n : int, default :data:`gtanalytics._stats.LOW_N` (10)
        Groups with fewer answers are flagged ``low_n``.

    Returns
    -------
    pandas.DataFrame
        One row per academic year x respondent x survey x question x group:
        ``academic_year, respondent, survey, question``, the ``by`` columns, ``n``
        (answers), ``scale_min, scale_max``, ``estimate`` (the mean answer), ``sd``, ``se``,
        ``ci_low``, ``ci_high`` (t interval for the mean, clipped to the scale),
        ``agree`` (answers in the top box), ``agree_pct``, ``agree_ci_low``,
        ``agree_ci_high`` (Wilson: the second estimate, the share agreeing), ``ci_method``, ``low_n``.

    Examples
    --------
    >>> sv = pd.DataFrame({"academic_year": "2023/24", "respondent": "pupil", "survey": "Voice",
    ...                    "question": "I am challenged", "response": [5, 4, 2, 3],
    ...                    "scale_min": 1, "scale_max": 5})
    >>> survey_summary(sv, min_n=1)[["estimate", "agree_pct"]].to_dict("records")
    [{'estimate': 3.5, 'agree_pct': 50.0}]
    """
    base = ["academic_year", "respondent", "survey", "question"]
    extra = [c for c in as_list(by) if c not in base]
    require_columns(surveys, base + ["response", "scale_min", "scale_max"], "surveys")
    sv = surveys.copy()
    for c in ("response", "scale_min", "scale_max"):
        sv[c] = pd.to_numeric(sv[c], errors="coerce").astype(float)
    blank = sv["response"].isna()
    if blank.any():
        warnings.warn(f"{int(blank.sum())} survey answer(s) are blank or not numbers and are left out.",
                      GTWarning, stacklevel=2)
        sv = sv.loc[~blank]
    scale = sv.groupby(base)[["scale_min", "scale_max"]].nunique()
    mixed = scale[(scale > 1).any(axis=1)]
    if len(mixed):
        raise GTDataError(f"Question {mixed.index[0][3]!r} in {mixed.index[0][2]!r} is recorded on more than "
                          "one scale; answers on different scales cannot be averaged. Rescale them first.")
    outside = (sv["response"] < sv["scale_min"]) | (sv["response"] > sv["scale_max"])
    if outside.any():
        r = sv.loc[outside].iloc[0]
        raise GTDataError(f"{int(outside.sum())} survey answer(s) lie outside their stated scale (first: "
                          f"{r['response']:g} on a {r['scale_min']:g}-{r['scale_max']:g} scale for "
                          f"{r['question']!r}). Check the response and scale_min/scale_max columns.")
    if top_box < 1:
        raise GTDataError(f"top_box must be 1 or more; got {top_box!r}.")
    if extra:
        require_columns(sv, ["upn"], "surveys", caller="survey_summary",
                        hint=f"Grouping survey answers by {', '.join(extra)} needs each respondent's upn.")
        sv = attach_groups(sv, pupils, ["academic_year"] + extra, "survey")
    keys = base + extra
    z_value(confidence)
    rows = []
    for labels, g in iter_groups(sv, keys):
        x = g["response"].to_numpy(float)
        n = len(x)
        lo_s, hi_s = float(g["scale_min"].iloc[0]), float(g["scale_max"].iloc[0])
        m = mean_ci(x, confidence=confidence)  # NaN sd, se and limits for one answer
        k = int((x > hi_s - top_box).sum())
        wl, wh = wilson_ci(k, n, confidence=confidence)
        rows.append({**labels, "n": n, "scale_min": lo_s, "scale_max": hi_s, "estimate": m["mean"], "sd": m["sd"],
                     "se": m["se"], "ci_low": float(np.clip(m["ci_low"], lo_s, hi_s)),
                     "ci_high": float(np.clip(m["ci_high"], lo_s, hi_s)), "agree": k,
                     "agree_pct": 100 * k / n, "agree_ci_low": 100 * float(wl),
                     "agree_ci_high": 100 * float(wh),
                     "ci_method": f"mean: t {confidence:.0%} interval; agree (top {top_box} points): Wilson score"})
    out = pd.DataFrame(rows)
    out["low_n"] = out["n"] < min_n
    warn_low_n(out, min_n, "survey")
    return out
