"""Impact of intervention programmes, and the half-termly and termly learning reviews.

The interventions table (see :mod:`gtanalytics.data.schemas`) has one row per pupil
per programme with pre- and post-scores on the programme's own measure. Gains
on that measure alone cannot show impact: pupils chosen for low pre-scores
regress towards the mean, and every pupil makes progress anyway. So
:func:`intervention_impact` also builds a **comparison group** of pupils who did
not take part but met the same selection rule, from the pupils table and the
termly standardised assessments (same subject; the term before the programme
started against the term after it ended), compares the two by regression
adjustment (ANCOVA on the selection test and earlier attainment) or
nearest-neighbour matching, and reports their balance and common support,
plus a difference-in-differences on the gains.

The calendar, the comparison group and the matching live in
:mod:`gtanalytics.comparison`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from gtanalytics.comparison import (HALF_TERMS, compare_with_comparison_group, prepare_interventions, comparison_data)
from gtanalytics.data.schemas import TERMS
from gtanalytics.effects import es_to_months, months_label, ratio_gain, ratio_gain_band, standardised_mean_change
from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics._stats import LOW_N, ols, require_columns, t_value

__all__ = [
    "intervention_impact",
    "judge_impact",
    "MiniReview",
    "mini_review",
    "termly_review",
]

_DAYS_PER_MONTH = 365.25 / 12


# --------------------------------------------------------------------------- judgement
def judge_impact(n: int, estimate: float, ci_low: float, ci_high: float, *, has_comparison: bool,
                 comparable: bool = True, min_effect: float = 0.1, min_n: int = LOW_N) -> tuple[str, str]:
    """The judgement of a programme's impact, and its reason, from its effect size and interval.

    The rules of :func:`intervention_impact`'s ``judgement`` column, applied in order: fewer than
    ``min_n`` pupils (or no estimate) -> "too few pupils to judge"; the interval wholly below zero ->
    "negative"; a comparable comparison group, an interval above zero and an effect of at least
    ``min_effect`` SD -> "clear positive impact"; an effect of at least ``min_effect`` otherwise ->
    "promising"; anything else -> "no evidence of impact".

    Parameters
    ----------
    n : int
        Pupils in the programme.
    estimate, ci_low, ci_high : float
        The effect size (SD units) and its interval.
    has_comparison : bool
        Whether the effect is against a comparison group (otherwise pre->post only).
    comparable : bool
        Whether that comparison group is comparable (:func:`gtanalytics.balance.balance`).
    min_effect : float
        Smallest effect worth calling an impact (0.1 SD, about two months' progress).
    min_n : int
        Fewest pupils to judge.

    Returns
    -------
    tuple of str
        ``(judgement, reason)``.

    Examples
    --------
    >>> judge_impact(30, 0.4, 0.1, 0.7, has_comparison=True)
    ('clear positive impact', 'interval excludes zero and effect >= 0.1 SD (against the comparison group)')
    """
    if n < min_n:
        return "too few pupils to judge", f"fewer than {min_n} pupils"
    if estimate is None or np.isnan(estimate):
        return "too few pupils to judge", "no usable scores"
    basis = "against the comparison group" if has_comparison else "pre->post only, no comparison group"
    if ci_high < 0:
        return "negative", f"whole interval below zero ({basis})"
    if has_comparison and comparable and ci_low > 0 and estimate >= min_effect:
        return "clear positive impact", f"interval excludes zero and effect >= {min_effect:g} SD ({basis})"
    if estimate >= min_effect:
        why = ("interval includes zero" if ci_low <= 0 else "no comparison group, so impact cannot be shown"
               if not has_comparison else "the comparison group is not comparable, so impact cannot be shown")
        return "promising", f"effect >= {min_effect:g} SD but {why} ({basis})"
    return "no evidence of impact", f"effect below {min_effect:g} SD ({basis})"


# --------------------------------------------------------------------------- the main table
_COLUMNS = [
    "n", "n_rows", "low_n", "sessions_planned", "sessions_attended", "attendance_rate", "weeks",
    "sessions_per_week", "measure", "pre_mean", "post_mean", "gain", "gain_se", "gain_ci_low", "gain_ci_high",
    "gain_method", "paired_es", "paired_es_se", "paired_es_ci_low", "paired_es_ci_high", "paired_standardiser",
    "ratio_gain", "ratio_gain_ci_low", "ratio_gain_ci_high", "ratio_gain_band", "comparison_method",
    "n_matched", "n_comparison", "estimate", "se", "ci_low", "ci_high", "ci_method", "standardiser",
    "effect", "effect_se", "effect_ci_low", "effect_ci_high", "months", "months_label", "did", "did_ci_low", "did_ci_high",
    "did_method", "smd_pre", "smd_earlier", "support", "comparable", "cost_total", "cost_per_pupil",
    "cost_per_month", "cost_per_sd", "low_pre_selection", "rtm_risk", "judgement", "judgement_reason",
]

def intervention_impact(interventions: pd.DataFrame, *, by=("programme",), pupils: pd.DataFrame | None = None,
                        assessments: pd.DataFrame | None = None, comparison: str | None = "regression",
                        confidence: float = 0.95, min_n: int = LOW_N, min_effect: float = 0.1,
                        paired_sd: float | None = None, ratio_thresholds=None, score_type: str = "standardised",
                        rng=None, caliper: float | None = None, low_pre_sd: float = 0.5,
                        all_interventions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Impact of intervention programmes: dosage, gains, effect against a comparison group, judgement.

    Judgement rules (``judgement`` column), applied in order:

    1. fewer than ``min_n`` pupils (default :data:`gtanalytics._stats.LOW_N`, 10) -> "too few pupils to judge";
    2. the interval is wholly below zero -> "negative";
    3. a comparison group exists and is comparable (``comparable``, below), its
       interval excludes zero and the effect size is at least ``min_effect``
       (default 0.1 SD, about two months' progress in the EEF Toolkit) ->
       "clear positive impact";
    4. the effect is at least ``min_effect`` but the interval includes zero, or
       there is no comparison group, or it is not comparable -> "promising";
    5. otherwise (small or negative effect, interval includes zero) -> "no
       evidence of impact".

    The effect judged is the standardised effect against the comparison group
    when there is one, otherwise the paired pre->post effect on the
    programme's own measure (which can never reach "clear positive impact").

    Design against the comparison group (honest when pupils were chosen for a
    low score; :mod:`gtanalytics.balance`): the comparison pupils are pupils of
    the same school and year group in no intervention in that subject whose
    termly test before the programme (the selection test) lies within the
    participants' range, i.e. who met the same selection rule but were not
    chosen. ``comparison="regression"`` fits an ANCOVA of the termly test after
    the programme on taking part, the test before, the mean of up to three
    earlier terms' tests (attainment measured apart from the selection test;
    pupils without one get their test before and a missing indicator),
    disadvantage and year group, school and window dummies: a classical OLS
    t interval. It assumes pupils were chosen on these recorded scores (not on
    something else that predicts the outcome), a straight-line relation the
    same in both groups, and comparison pupils covering the participants'
    scores. ``smd_pre, smd_earlier, support, comparable`` report how well the
    last holds; :func:`gtanalytics.balance.describe_comparability` words them.
    Per-staff estimates (``by=("staff",)``) use the same design.

    Regression to the mean: ``rtm_risk`` is True (and a ``GTWarning`` is
    issued) where pupils were chosen for low scores (``selection`` mentions
    "low") or their pre-scores are markedly low (mean termly pre-test more than
    ``low_pre_sd`` SD below the year group's; without assessments, a mean
    standardised pre-score below ``100 - low_pre_sd * 15``) *and* no
    comparison group was used.

    Parameters
    ----------
    interventions : pandas.DataFrame
        The interventions table.
    by : str or tuple of str, default ("programme",)
        Grouping: any interventions column (``programme``, ``staff``,
        ``subject``...) and/or ``academic_year``, ``term``, ``half_term``
        (derived from ``start_date``).
    pupils, assessments : pandas.DataFrame, optional
        Needed for the comparison group.
    comparison : {"regression", "matched", None}
        How to compare with pupils who did not take part.
    confidence : float, default 0.95
    min_n : int, default stats.LOW_N (10)
    min_effect : float, default 0.1
        Effect size (SD) below which an effect is called small.
    paired_sd : float, optional
        Fixed SD for the paired effect (e.g. 15); default is the pre-test SD.
    ratio_thresholds : tuple, optional
        Passed to :func:`ratio_gain_band`.
    score_type : str, default "standardised"
        Assessments used as the termly test.
    rng : int or numpy.random.Generator, optional
        For matching.
    caliper : float, optional
        Matching caliper in score points.
    low_pre_sd : float, default 0.5
    all_interventions : pandas.DataFrame, optional
        The whole interventions table when ``interventions`` is a subset (keeps
        pupils in other programmes out of the comparison group).

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, ``n`` (distinct pupils), ``n_rows``
        (interventions rows), ``low_n`` (``n`` below ``min_n``); dosage ``sessions_planned, sessions_attended`` (means),
        ``attendance_rate`` (attended / planned), ``weeks``, ``sessions_per_week``;
        ``measure``, ``pre_mean, post_mean, gain, gain_se, gain_ci_low, gain_ci_high,
        gain_method`` (paired t); ``paired_es, paired_es_se, paired_es_ci_low,
        paired_es_ci_high, paired_standardiser``; ``ratio_gain, ratio_gain_ci_low,
        ratio_gain_ci_high, ratio_gain_band`` (age_months measures only);
        ``comparison_method`` ("none" without a comparison), ``n_matched, n_comparison``;
        the effect against the comparison group, the result's estimate: ``estimate, se,
        ci_low, ci_high, ci_method, standardiser`` (standardised: SD units, missing
        without a comparison group), and the same effect in termly-test points
        ``effect, effect_se, effect_ci_low, effect_ci_high``; ``months, months_label``;
        ``did, did_ci_low, did_ci_high, did_method`` (raw difference in mean gains:
        descriptive, inflated by regression to the mean under low-score
        selection); balance ``smd_pre, smd_earlier`` (standardised mean
        differences of the test before and the earlier score,
        :func:`gtanalytics.balance.smd`), ``support`` (share of participants whose
        test before lies within the comparison pupils' range) and ``comparable``
        (every ``|smd|`` at most 0.25 and support at least 0.9); ``cost_total, cost_per_pupil,
        cost_per_month, cost_per_sd``; ``low_pre_selection, rtm_risk``;
        ``judgement, judgement_reason``.

    Examples
    --------
    >>> import pandas as pd
    >>> iv = pd.DataFrame({"programme": ["A"] * 3, "upn": ["a", "b", "c"], "staff": "LSA-1",
    ...                    "start_date": "2024-01-08", "end_date": "2024-03-22", "pre_score": [80, 84, 86],
    ...                    "post_score": [86, 88, 93], "measure": "standardised"})
    >>> intervention_impact(iv, comparison=None)["judgement"].iloc[0]
    'too few pupils to judge'
    """
    df = prepare_interventions(interventions)
    by = (by,) if isinstance(by, str) else tuple(by)
    require_columns(df, by, "interventions", caller="intervention_impact",
                    hint="Group by interventions columns or academic_year/term/half_term.")
    if comparison not in ("regression", "matched", None):
        raise GTDataError(f"comparison must be 'regression', 'matched' or None; got {comparison!r}.")
    cmp_data = None
    if comparison is not None and pupils is not None and assessments is not None:
        cmp_data = comparison_data(df, pupils=pupils, assessments=assessments, score_type=score_type,
                                   all_interventions=all_interventions)
        by_window = dict(tuple(cmp_data.groupby("window", sort=False)))
    gen = np.random.default_rng(rng)
    rows = []
    for key, g in df.groupby(list(by), sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        r = dict(zip(by, key))
        n = g["upn"].nunique()
        r.update(n=n, n_rows=len(g), low_n=n < min_n,
                 sessions_planned=g["sessions_planned"].mean(), sessions_attended=g["sessions_attended"].mean(),
                 attendance_rate=g["sessions_attended"].sum() / g["sessions_planned"].sum()
                 if g["sessions_planned"].sum() > 0 else np.nan,
                 weeks=g["weeks"].mean(),
                 sessions_per_week=(g["sessions_attended"] / g["weeks"].where(g["weeks"] > 0)).mean())
        measures = g["measure"].dropna().unique()
        r["measure"] = measures[0] if len(measures) == 1 else ("mixed" if len(measures) else None)
        pp = g.dropna(subset=["pre_score", "post_score"])
        gain = pp["post_score"] - pp["pre_score"]
        r.update(pre_mean=pp["pre_score"].mean(), post_mean=pp["post_score"].mean(), gain=gain.mean())
        if len(pp) >= 2:
            se = gain.std(ddof=1) / np.sqrt(len(pp))
            r.update(gain_se=se, gain_ci_low=gain.mean() - t_value(confidence, len(pp) - 1) * se,
                     gain_ci_high=gain.mean() + t_value(confidence, len(pp) - 1) * se, gain_method="paired t interval")
        if r["measure"] != "mixed" and len(pp) >= 3 and pp["pre_score"].std() > 0:
            sm = standardised_mean_change(pp["pre_score"], pp["post_score"], sd=paired_sd, confidence=confidence)
            r.update(paired_es=sm["estimate"], paired_es_se=sm["se"], paired_es_ci_low=sm["ci_low"],
                     paired_es_ci_high=sm["ci_high"], paired_standardiser=sm["standardiser"])
        if r["measure"] == "age_months" and len(pp) >= 2:
            el = (pp["end_date"] - pp["start_date"]).dt.days / _DAYS_PER_MONTH
            rg = pd.Series(ratio_gain(pp["pre_score"], pp["post_score"], el)).dropna()
            if len(rg) >= 2:
                h = t_value(confidence, len(rg) - 1) * rg.std(ddof=1) / np.sqrt(len(rg))
                r.update(ratio_gain=rg.mean(), ratio_gain_ci_low=rg.mean() - h, ratio_gain_ci_high=rg.mean() + h,
                         ratio_gain_band=ratio_gain_band(rg.mean(), thresholds=ratio_thresholds))
        r["comparison_method"] = "none"
        sub = None
        if cmp_data is not None and len(cmp_data):
            windows = set()
            for row in g.dropna(subset=["subject"]).itertuples():
                windows.add(f"{row.subject} {int(row.start_term) - 1}->{int(row.end_term) + 1}")
            sub = pd.concat([by_window[w] for w in sorted(windows) if w in by_window] or [cmp_data.iloc[:0]])
            sub = sub[~sub["treated"] | sub["upn"].isin(g["upn"])]
            if sub["treated"].sum() >= 2 and (~sub["treated"]).sum() >= 2:
                r.update(compare_with_comparison_group(sub, comparison, confidence, gen, caliper))
        # regression to the mean
        sel = g["selection"].astype("string").str.contains("low", case=False, na=False)
        low_pre = False
        if sub is not None and len(sub) and sub["treated"].any() and (~sub["treated"]).any():
            low_pre = sub.loc[sub["treated"], "pre"].mean() < sub["pre"].mean() - low_pre_sd * sub["pre"].std()
        elif r["measure"] == "standardised" and len(pp):
            low_pre = pp["pre_score"].mean() < 100 - low_pre_sd * 15
        r["low_pre_selection"] = bool(sel.mean() >= 0.5 or low_pre)
        r["rtm_risk"] = r["low_pre_selection"] and r["comparison_method"] == "none"
        has_cmp = r["comparison_method"] != "none"
        est, lo, hi = ((r.get("estimate"), r.get("ci_low"), r.get("ci_high")) if has_cmp else
                       (r.get("paired_es"), r.get("paired_es_ci_low"), r.get("paired_es_ci_high")))
        r["judgement"], r["judgement_reason"] = judge_impact(
            n, np.nan if est is None else est, lo, hi, has_comparison=has_cmp,
            comparable=bool(r.get("comparable", False)), min_effect=min_effect, min_n=min_n)
        es_for_months = r.get("estimate", np.nan)
        r["months"] = es_to_months(es_for_months)
        r["months_label"] = months_label(es_for_months)
        costs = g["cost"].dropna()
        r["cost_total"] = costs.sum() if len(costs) else np.nan
        r["cost_per_pupil"] = costs.mean() if len(costs) else np.nan
        r["cost_per_month"] = r["cost_per_pupil"] / r["months"] if r["months"] > 0 else np.nan
        r["cost_per_sd"] = r["cost_per_pupil"] / es_for_months if es_for_months > 0 else np.nan
        rows.append(r)
    out = pd.DataFrame(rows).reindex(columns=list(by) + [c for c in _COLUMNS if c not in by])
    for name in ("rtm_risk", "low_n"):
        for _, row in out[out[name]].iterrows():
            what = ", ".join(f"{b}={row[b]}" for b in by)
            msg = (f"{what}: pupils were chosen for low scores and there is no comparison group, so their gains "
                   "are inflated by regression to the mean." if name == "rtm_risk" else
                   f"{what}: only {row['n']} pupils; the estimates are imprecise.")
            warnings.warn(msg, GTWarning, stacklevel=2)
    return out


# --------------------------------------------------------------------------- reviews
@dataclass(frozen=True)
class MiniReview:
    """A half-termly mini learning review for one member of staff (internal: names included).

    Attributes
    ----------
    pupils : pandas.DataFrame
        One row per pupil: names, pre/post, gain, expected post, progress judgement.
    summary : pandas.DataFrame
        :func:`intervention_impact` by programme for this member of staff's pupils.
    """

    pupils: pd.DataFrame
    summary: pd.DataFrame


def mini_review(interventions: pd.DataFrame, *, staff: str, half_term: str, academic_year: str,
                pupils: pd.DataFrame | None = None, assessments: pd.DataFrame | None = None,
                band: float = 0.5, **impact_options) -> MiniReview:
    """The mini learning review pack: one member of staff's groups in one half term.

    Rows included: that member of staff's interventions running at any time in
    the half term. Each pupil's progress is judged against expectation: the
    expected post-score is the prediction from the regression of post-score on
    pre-score over the whole cohort of intervention pupils on the same measure
    in that academic year (all staff and programmes); the pupil is "above
    expected" / "below expected" when the residual is more than ``band`` of the
    residual SD away from zero, "as expected" otherwise (a conventional guide,
    not a significance test).

    Parameters
    ----------
    interventions : pandas.DataFrame
    staff : str
    half_term : {"Aut1", "Aut2", "Spr1", "Spr2", "Sum1", "Sum2"}
    academic_year : str
        Like ``"2023/24"``.
    pupils, assessments : pandas.DataFrame, optional
        Names come from ``pupils``; the comparison group needs both.
    band : float, default 0.5
    **impact_options
        Passed to :func:`intervention_impact`.

    Returns
    -------
    MiniReview
        ``.pupils`` columns: ``upn, forename, surname`` (if known), ``programme, measure,
        start_date, end_date, sessions_attended, sessions_planned, pre_score, post_score,
        gain, expected_post, progress_vs_expected, progress_judgement``;
        ``.summary``: see :func:`intervention_impact`. ``.pupils`` lists
        pupils: ``attrs["audience"] == "internal"``.

    Examples
    --------
    >>> import pandas as pd
    >>> iv = pd.DataFrame({"programme": "A", "upn": list("abcd"), "staff": "LSA-1",
    ...     "start_date": "2024-01-08", "end_date": "2024-02-09", "measure": "standardised",
    ...     "pre_score": [80, 84, 86, 90], "post_score": [85, 86, 92, 93]})
    >>> mini_review(iv, staff="LSA-1", half_term="Spr1", academic_year="2023/24", comparison=None).pupils.shape[0]
    4
    """
    if half_term not in HALF_TERMS:
        raise GTDataError(f"half_term must be one of {HALF_TERMS}; got {half_term!r}.")
    df = prepare_interventions(interventions)
    start_year = int(str(academic_year)[:4])
    bounds = {"Aut1": ((start_year, 9, 1), (start_year, 10, 31)), "Aut2": ((start_year, 11, 1), (start_year, 12, 31)),
              "Spr1": ((start_year + 1, 1, 1), (start_year + 1, 2, 20)),
              "Spr2": ((start_year + 1, 2, 21), (start_year + 1, 4, 14)),
              "Sum1": ((start_year + 1, 4, 15), (start_year + 1, 5, 31)),
              "Sum2": ((start_year + 1, 6, 1), (start_year + 1, 8, 31))}[half_term]
    lo, hi = (pd.Timestamp(*b) for b in bounds)
    cohort = df[df["academic_year"] == academic_year].dropna(subset=["pre_score", "post_score"])
    mine = df[(df["staff"] == staff) & (df["start_date"] <= hi) & (df["end_date"] >= lo)]
    if mine.empty:
        raise GTDataError(f"No interventions by staff {staff!r} ran in {half_term} {academic_year}.")
    out = mine.copy()
    out["gain"] = out["post_score"] - out["pre_score"]
    out["expected_post"] = np.nan
    out["progress_vs_expected"] = np.nan
    for measure, coh in cohort.groupby("measure"):
        if len(coh) < 3 or coh["pre_score"].std() == 0:
            continue
        X = np.column_stack([np.ones(len(coh)), coh["pre_score"].to_numpy(dtype=float)])
        beta, _, dfree = ols(coh["post_score"].to_numpy(dtype=float), X)
        resid_sd = np.sqrt(((coh["post_score"] - X @ beta) ** 2).sum() / dfree)
        m = out["measure"] == measure
        out.loc[m, "expected_post"] = beta[0] + beta[1] * out.loc[m, "pre_score"]
        out.loc[m, "progress_vs_expected"] = (out.loc[m, "post_score"] - out.loc[m, "expected_post"]) / resid_sd
    pve = out["progress_vs_expected"]
    out["progress_judgement"] = np.select([pve.isna(), pve > band, pve < -band],
                                          ["not available", "above expected", "below expected"], "as expected")
    if pupils is not None and {"forename", "surname"} <= set(pupils.columns):
        names = pupils.drop_duplicates("upn", keep="last").set_index("upn")[["forename", "surname"]]
        out = out.join(names, on="upn")
    cols = [c for c in ["upn", "forename", "surname", "programme", "measure", "start_date", "end_date",
                        "sessions_attended", "sessions_planned", "pre_score", "post_score", "gain",
                        "expected_post", "progress_vs_expected", "progress_judgement"] if c in out.columns]
    table = out[cols].sort_values(["programme", "upn"]).reset_index(drop=True)
    table.attrs["audience"] = "internal"
    summary = intervention_impact(mine, by=("programme",), pupils=pupils, assessments=assessments,
                                  all_interventions=interventions, **impact_options)
    summary.insert(0, "staff", staff)
    return MiniReview(pupils=table, summary=summary)


def termly_review(interventions: pd.DataFrame, *, term: str, academic_year: str, by=("programme",),
                  pupils: pd.DataFrame | None = None, assessments: pd.DataFrame | None = None,
                  **impact_options) -> pd.DataFrame:
    """The termly review: :func:`intervention_impact` for every programme that started in one term.

    Parameters
    ----------
    interventions : pandas.DataFrame
    term : {"Autumn", "Spring", "Summer"}
    academic_year : str
    by : tuple of str, default ("programme",)
        Add ``"staff"`` for each member of staff's groups.
    pupils, assessments : pandas.DataFrame, optional
    **impact_options
        Passed to :func:`intervention_impact`.

    Returns
    -------
    pandas.DataFrame
        As :func:`intervention_impact`, with ``term`` and ``academic_year``
        columns first (unsuppressed: :func:`gtanalytics.disclosure.for_audience` makes it safe for governors).

    Examples
    --------
    >>> import gtanalytics.interventions as gi
    >>> callable(gi.termly_review)
    True
    """
    if term not in TERMS:
        raise GTDataError(f"term must be one of {TERMS}; got {term!r}.")
    df = prepare_interventions(interventions)
    rows = df[(df["term"] == term) & (df["academic_year"] == academic_year)]
    if rows.empty:
        raise GTDataError(f"No interventions started in {term} {academic_year}.")
    out = intervention_impact(rows, by=by, pupils=pupils, assessments=assessments,
                              all_interventions=interventions, **impact_options)
    out.insert(0, "academic_year", academic_year)
    out.insert(0, "term", term)
    return out
