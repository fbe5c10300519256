"""Mentoring of able under-achievers: caseloads, cadence, learning logs and impact.

The source practice: learning support assistants and peers each mentor about
three gifted and talented under-achievers, meeting weekly and keeping a
learning log. :func:`mentor_caseloads` checks that practice from the mentoring
table; :func:`mentoring_impact` compares mentees' attainment, attendance and
suspensions before and after mentoring with comparable pupils who were not
mentored: able pupils of the same school and year group, with attainment
adjusted for each pupil's own trend before mentoring (a difference in
differences with Welch intervals).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from gtanalytics.comparison import TERMS, _flag, _scores, _term_index, school_calendar
from gtanalytics.errors import GTDataError, GTWarning
from gtanalytics.stats import LOW_N, welch_diff

__all__ = ["mentor_caseloads", "mentoring_impact"]


def _prepare(mentoring: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(mentoring, pd.DataFrame):
        raise GTDataError("mentoring must be a pandas DataFrame (the mentoring table).")
    need = ["mentor", "upn", "start_date", "end_date"]
    missing = [c for c in need if c not in mentoring.columns]
    if missing:
        raise GTDataError(f"The mentoring table lacks column(s) {missing}; it needs at least {need}.")
    df = mentoring.copy().reset_index(drop=True)
    for c in ("start_date", "end_date"):
        df[c] = pd.to_datetime(df[c], errors="coerce")
    if (df["start_date"].isna() | df["end_date"].isna()).any():
        raise GTDataError("Some mentoring rows have a missing or unreadable start_date/end_date; fix or remove them.")
    for c in ("sessions_planned", "sessions_held", "log_entries"):
        df[c] = pd.to_numeric(df[c], errors="coerce") if c in df.columns else np.nan
    if "mentor_role" not in df.columns:
        df["mentor_role"] = pd.NA
    df["weeks"] = (df["end_date"] - df["start_date"]).dt.days / 7
    df["start_term"] = school_calendar(df["start_date"])["term_index"]
    df["end_term"] = school_calendar(df["end_date"])["term_index"]
    df["academic_year"] = school_calendar(df["start_date"])["academic_year"]
    return df


def mentor_caseloads(mentoring: pd.DataFrame, *, target_mentees: int = 3, weekly: float = 1.0) -> pd.DataFrame:
    """One row per mentor: caseload, sessions held against planned, weekly cadence, learning-log activity.

    Parameters
    ----------
    mentoring : pandas.DataFrame
        The mentoring table.
    target_mentees : int, default 3
        The intended caseload ("three mentees each").
    weekly : float, default 1.0
        Target sessions per week.

    Returns
    -------
    pandas.DataFrame
        ``mentor, mentor_role, n_mentees, caseload_as_planned`` (n_mentees ==
        target), ``sessions_planned, sessions_held`` (totals), ``held_rate``
        (held / planned), ``weeks`` (mean length of a mentoring relationship),
        ``sessions_per_week`` (mean over mentees of held / weeks),
        ``weekly_cadence`` (sessions_per_week >= ``weekly``), ``log_entries``
        (total), ``log_entries_per_session`` (entries / sessions held),
        ``mentees_with_log`` (share of mentees with at least one entry).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"mentor": ["A", "A", "A", "B"], "upn": list("wxyz"), "start_date": "2023-09-18",
    ...                   "end_date": "2024-07-12", "sessions_planned": 38, "sessions_held": [36, 30, 38, 12],
    ...                   "log_entries": [30, 20, 35, 0]})
    >>> mentor_caseloads(m)[["mentor", "n_mentees", "caseload_as_planned"]].values.tolist()
    [['A', 3, True], ['B', 1, False]]
    """
    df = _prepare(mentoring)
    rows = []
    for mentor, g in df.groupby("mentor", sort=True):
        planned, held = g["sessions_planned"].sum(min_count=1), g["sessions_held"].sum(min_count=1)
        spw = (g["sessions_held"] / g["weeks"].where(g["weeks"] > 0)).mean()
        roles = g["mentor_role"].dropna().unique()
        rows.append(dict(
            mentor=mentor, mentor_role=roles[0] if len(roles) == 1 else ("mixed" if len(roles) else None),
            n_mentees=g["upn"].nunique(), caseload_as_planned=g["upn"].nunique() == target_mentees,
            sessions_planned=planned, sessions_held=held,
            held_rate=held / planned if planned and planned > 0 else np.nan, weeks=g["weeks"].mean(),
            sessions_per_week=spw, weekly_cadence=bool(spw >= weekly) if pd.notna(spw) else False,
            log_entries=g["log_entries"].sum(min_count=1),
            log_entries_per_session=g["log_entries"].sum() / held if held and held > 0 else np.nan,
            mentees_with_log=(g["log_entries"] > 0).mean() if g["log_entries"].notna().any() else np.nan))
    return pd.DataFrame(rows)


def _did(name, values: pd.DataFrame, confidence: float, min_n: int, method: str) -> dict:
    """values: upn, mentee (bool), before, after [, change, trend] -> one difference-in-differences row.

    ``change`` (default ``after - before``) is what the two groups' means are compared on.
    """
    v = values if "change" in values else values.assign(change=values["after"] - values["before"])
    v = v.dropna(subset=["before", "after", "change"])
    m, c = v[v["mentee"]], v[~v["mentee"]]
    row = dict(outcome=name, n_mentees=len(m), n_comparison=len(c),
               mentee_before=m["before"].mean(), mentee_after=m["after"].mean(),
               comparison_before=c["before"].mean(), comparison_after=c["after"].mean(),
               mentee_trend=m["trend"].mean() if "trend" in v else np.nan,
               comparison_trend=c["trend"].mean() if "trend" in v else np.nan, low_n=len(m) < min_n)
    w = welch_diff(m["change"], c["change"], confidence=confidence)
    row.update(did=w["diff"] if len(m) >= 2 and len(c) >= 2 else np.nan, did_se=w["se"], did_ci_low=w["ci_low"],
               did_ci_high=w["ci_high"], did_method=method)
    return row


def _before_after(panel: pd.DataFrame, upns, before_i, after_i) -> pd.DataFrame:
    """panel: upn, term_index, value -> before/after per pupil (and the terms used), falling back to the
    first/last mentoring term when the term before/after has no data for anyone."""
    p = panel[panel["upn"].isin(upns)]
    out = pd.DataFrame({"upn": list(upns)})
    for col, choices in (("before", before_i), ("after", after_i)):
        out[col], out[f"{col}_term"] = np.nan, np.nan
        for t in choices:
            vals = p[p["term_index"] == t].groupby("upn")["value"].mean()
            if vals.notna().any():
                out[col], out[f"{col}_term"] = out["upn"].map(vals), float(t)
                break
    return out


def _pre_trend(panel: pd.DataFrame, first: pd.Series, terms: int) -> pd.Series:
    """Least-squares slope (points per term) of each pupil's scores over the ``terms`` terms before
    ``first`` (their first mentoring term, or the cohort's start); NaN with fewer than two terms."""
    p = panel.assign(_first=panel["upn"].map(first)).dropna(subset=["_first", "value"])
    p = p[(p["term_index"] < p["_first"]) & (p["term_index"] >= p["_first"] - terms)]
    g = p.groupby("upn")
    dt = p["term_index"] - g["term_index"].transform("mean")
    dv = p["value"] - g["value"].transform("mean")
    den = (dt * dt).groupby(p["upn"]).sum()
    return ((dt * dv).groupby(p["upn"]).sum() / den.where(den > 0)).reindex(first.index)


_COMPARISONS = ("comparable", "year_group")


def mentoring_impact(mentoring: pd.DataFrame, *, pupils: pd.DataFrame, assessments: pd.DataFrame | None = None,
                     attendance: pd.DataFrame | None = None, exclusions: pd.DataFrame | None = None,
                     score_type: str = "standardised", comparison: str = "comparable",
                     comparison_filter: str | None = None, gt: str | None = "gt_register", trend_terms: int = 6,
                     confidence: float = 0.95, min_n: int = LOW_N) -> pd.DataFrame:
    """Mentees before and after mentoring against comparable pupils who were not mentored.

    For each cohort of mentees that started and ended in the same terms, the
    comparison pupils are pupils in the same school and year group who were
    never mentored (and, with ``comparison_filter``, have that pupils-table
    flag True). *Before* is the term before mentoring started (the first
    mentoring term when that term has no data) and *after* the term after it
    ended (else the last mentoring term):

    * attainment: mean termly standardised score per subject;
    * attendance: percentage of possible sessions attended in the period;
    * suspensions: suspension days in the period from the start of mentoring to
      its end against the same number of days before it started.

    The effect is a difference in differences (mentees' mean change minus the
    comparison pupils' mean change) with a Welch interval.

    Mentees are chosen because they are able pupils who are under-achieving,
    and under-achievers often keep drifting down. Against all other pupils of
    the year group (``comparison="year_group"``) that drift is counted against
    the mentoring, so the attainment estimate is too low (it can even turn
    negative when mentoring works). ``comparison="comparable"`` (default)
    therefore:

    1. restricts the comparison pupils to those with comparable prior
       attainment: on the G&T register (column ``gt``) or with a mean termly
       standardised score over the ``trend_terms`` terms before mentoring in
       the top third of their school and year group (the mentees' profile);
    2. for attainment, adjusts for prior progress: each pupil's change is taken
       relative to their own trend before mentoring (least-squares slope of
       their termly scores over up to ``trend_terms`` terms before their first
       mentoring, extrapolated over the before-to-after window; a
       comparative interrupted time series). A mentee who was sliding
       0.4 SD a year and now slides 0.15 SD a year gains 0.25 SD a year.

    Selecting comparison pupils *for* a low recent score would not do: part of
    a low score is bad luck, so such pupils bounce back (regression to the
    mean) and make mentoring look harmful. The trend adjustment avoids that
    but is noisy when few terms precede mentoring, so expect wide intervals.
    Pupils without a trend (fewer than two earlier termly scores) are left out
    of the attainment rows.

    Parameters
    ----------
    mentoring, pupils : pandas.DataFrame
    assessments, attendance, exclusions : pandas.DataFrame, optional
        Each outcome table given adds rows.
    score_type : str, default "standardised"
    comparison : {"comparable", "year_group"}
        Comparison pupils and adjustment, as above.
    comparison_filter : str, optional
        A boolean pupils column the comparison pupils must also have True.
    gt : str or None, default "gt_register"
        The G&T register column of ``pupils`` used by ``"comparable"`` (None or
        absent: prior attainment only).
    trend_terms : int, default 6
        How many terms before mentoring the prior trend and prior attainment use.
    confidence : float, default 0.95
    min_n : int, default stats.LOW_N (10)

    Returns
    -------
    pandas.DataFrame
        One row per outcome (``attainment: <subject>``, ``attendance %``,
        ``suspension days``): ``outcome, n_mentees, n_comparison, mentee_before,
        mentee_after, comparison_before, comparison_after`` (raw means),
        ``mentee_trend, comparison_trend`` (mean prior trend, points per term;
        attainment with ``"comparable"`` only), ``low_n, did, did_se, did_ci_low,
        did_ci_high, did_method`` (which comparison group, which adjustment and
        which interval).

    Examples
    --------
    >>> import gtanalytics.mentoring as gm
    >>> callable(gm.mentoring_impact)
    True
    """
    if comparison not in _COMPARISONS:
        raise GTDataError(f"comparison must be one of {_COMPARISONS}; got {comparison!r}.")
    if int(trend_terms) < 2:
        raise GTDataError(f"trend_terms must be at least 2 (terms before mentoring); got {trend_terms!r}.")
    df = _prepare(mentoring)
    p = pupils.copy()
    if comparison_filter is not None and comparison_filter not in p.columns:
        raise GTDataError(f"comparison_filter {comparison_filter!r} is not a column of the pupils table.")
    sc = None if assessments is None else _scores(assessments, score_type).rename(columns={"score": "value"})
    mentored = set(df["upn"])
    first = df.groupby("upn")["start_term"].min()
    comparable = comparison == "comparable"
    use_gt = comparable and gt is not None and gt in p.columns
    cohorts = []  # (mentee upns, comparison upns, before terms, after terms, start, end, start term)
    for (s_t, e_t, year), g in df.groupby(["start_term", "end_term", "academic_year"]):
        info = p[p["academic_year"] == year].drop_duplicates("upn")
        cells = info[info["upn"].isin(g["upn"])][["school_id", "year_group"]].drop_duplicates()
        cell = info.merge(cells, on=["school_id", "year_group"])
        pool = cell[~cell["upn"].isin(mentored)]
        if comparison_filter is not None:
            pool = pool[_flag(pool[comparison_filter]).to_numpy()]
        if comparable:
            keep = _flag(pool[gt]).to_numpy(dtype=bool, copy=True) if use_gt else np.zeros(len(pool), dtype=bool)
            if sc is not None:
                recent = sc[(sc["term_index"] < s_t) & (sc["term_index"] >= s_t - trend_terms)]
                level = cell["upn"].map(recent.groupby("upn")["value"].mean())
                top = level.groupby([cell["school_id"], cell["year_group"]]).rank(pct=True) > 2 / 3
                keep = keep | pool["upn"].map(dict(zip(cell["upn"], top))).fillna(False).to_numpy(dtype=bool)
            pool = pool[keep]
        cohorts.append((list(g["upn"].unique()), list(pool["upn"]), (s_t - 1, s_t), (e_t + 1, e_t),
                        g["start_date"].min(), g["end_date"].max(), s_t))
    who = ("never-mentored pupils of the same school and year group"
           + (f" with {comparison_filter}" if comparison_filter else ""))
    if comparable:
        who += (" on the G&T register or in the top third of prior attainment" if use_gt else
                " in the top third of prior attainment" if sc is not None else
                " (no register column or termly scores to judge prior attainment: not restricted)")
    rows = []

    def stack(panel, trend=False):
        parts = []
        for m_ids, c_ids, b, a, _, _, s_t in cohorts:
            ba = _before_after(panel, m_ids + c_ids, b, a).assign(mentee=lambda x: x["upn"].isin(m_ids))
            if trend:
                since = pd.Series(ba["upn"].map(first).fillna(s_t).to_numpy(), index=ba["upn"])
                ba["trend"] = _pre_trend(panel, since, int(trend_terms)).to_numpy()
                ba["change"] = ba["after"] - ba["before"] - ba["trend"] * (ba["after_term"] - ba["before_term"])
            parts.append(ba)
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["upn", "before", "after",
                                                                                       "mentee"])

    plain = f"difference in mean changes, mentees vs {who}; Welch interval"
    if sc is not None:
        how = (f"trend-adjusted difference in differences (each pupil's change minus their own least-squares "
               f"trend over up to {int(trend_terms)} terms before mentoring), mentees vs {who}; Welch interval"
               if comparable else plain)
        for subject, panel in sc.groupby("subject", sort=True):
            rows.append(_did(f"attainment: {subject}", stack(panel, trend=comparable), confidence, min_n, how))
    if attendance is not None:
        a = attendance[attendance["period"].isin(TERMS)].copy()
        a["term_index"] = _term_index(a["academic_year"], a["period"])
        poss = pd.to_numeric(a["possible_sessions"], errors="coerce")
        missed = pd.to_numeric(a["authorised_absence"], errors="coerce") + pd.to_numeric(
            a["unauthorised_absence"], errors="coerce")
        a["value"] = np.where(poss > 0, 100 * (poss - missed) / poss, np.nan)
        rows.append(_did("attendance %", stack(a[["upn", "term_index", "value"]]), confidence, min_n, plain))
    if exclusions is not None:
        ex = exclusions.copy()
        ex["start_date"] = pd.to_datetime(ex["start_date"], errors="coerce")
        ex["days"] = pd.to_numeric(ex.get("days"), errors="coerce").fillna(0)
        if "category" in ex.columns:
            ex = ex[ex["category"] == "suspension"]
        parts = []
        for m_ids, c_ids, _, _, start, end, _ in cohorts:
            span = end - start
            ids = pd.DataFrame({"upn": m_ids + c_ids})
            before = ex[(ex["start_date"] >= start - span) & (ex["start_date"] < start)].groupby("upn")["days"].sum()
            after = ex[(ex["start_date"] >= start) & (ex["start_date"] <= end)].groupby("upn")["days"].sum()
            parts.append(ids.assign(before=ids["upn"].map(before).fillna(0.0), after=ids["upn"].map(after).fillna(0.0),
                                    mentee=ids["upn"].isin(m_ids)))
        if parts:
            rows.append(_did("suspension days", pd.concat(parts, ignore_index=True), confidence, min_n, plain))
    out = pd.DataFrame(rows)
    for r in rows:
        if r["low_n"]:
            warnings.warn(f"{r['outcome']}: only {r['n_mentees']} mentees with data; the estimate is imprecise.",
                          GTWarning, stacklevel=2)
    return out
